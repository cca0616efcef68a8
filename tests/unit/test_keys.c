/*
 * The signing-key life cycle (keys/keys.c, docs/keys.md) on the memory
 * store: init makes an active and a next key per algorithm, private parts are
 * sealed under the KEK and open only under it, rotation waits for the next
 * key to have been published long enough, retired keys leave the JWKS
 * once no token they signed can be live (issue #16 §1), and a due schedule of
 * each algorithm makes its rotation step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jose/key.h"
#include "keys/keys.h"
#include "store/mem/mem.h"

static void kek_of(idp_kek_t *k, unsigned char fill)
{
    memset(k, 0, sizeof(*k));
    memset(k->key, fill, sizeof(k->key));
}

static void init_is_idempotent_and_sealed(void **state)
{
    (void)state;
    idp_store_t *s;
    assert_int_equal(idp_store_mem_new(&s), IDP_OK);
    idp_kek_t kek, other;
    kek_of(&kek, 1);
    kek_of(&other, 2);
    int created = 0;
    assert_int_equal(idp_keys_init(s, &kek, &created), IDP_OK);
    assert_int_equal(created, 6); /* RS256, ES256 and PS256, active and next */
    assert_int_equal(idp_keys_init(s, &kek, &created), IDP_OK);
    assert_int_equal(created, 0);
    idp_keyset_t *ks = NULL;
    char err[256] = "";
    assert_int_equal(idp_keys_load(s, &kek, 3600, &ks, err, sizeof(err)), IDP_OK);
    assert_int_equal(idp_keyset_count(ks), 6);
    assert_non_null(idp_keyset_signer(ks, IDP_ALG_RS256));
    assert_non_null(idp_keyset_signer(ks, IDP_ALG_ES256));
    assert_non_null(idp_keyset_signer(ks, IDP_ALG_PS256));
    size_t n = 0;
    assert_non_null(strstr(idp_keyset_jwks(ks, &n), "\"kty\":\"EC\""));
    assert_non_null(strstr(idp_keyset_jwks(ks, &n), "\"alg\":\"PS256\""));
    assert_null(strstr(idp_keyset_jwks(ks, &n), "\"d\"")); /* public parts only */
    idp_keyset_release(ks);
    /* another KEK opens nothing: an error naming the key, never a half-loaded set */
    ks = NULL;
    assert_int_not_equal(idp_keys_load(s, &other, 3600, &ks, err, sizeof(err)), IDP_OK);
    assert_null(ks);
    assert_true(strlen(err) > 0);
    idp_store_close(s);
}

static void rotation_waits_for_publication(void **state)
{
    (void)state;
    idp_store_t *s;
    assert_int_equal(idp_store_mem_new(&s), IDP_OK);
    idp_kek_t kek;
    kek_of(&kek, 3);
    int created;
    assert_int_equal(idp_keys_init(s, &kek, &created), IDP_OK);
    const char *what = NULL;
    char kid[64];
    /* the next key was published just now: clients may not have it yet */
    assert_int_equal(idp_keys_rotate(s, &kek, IDP_ALG_RS256, 3600, NULL, &what, kid), IDP_E_CONFLICT);
    idp_store_mem_advance(s, 3601);
    assert_int_equal(idp_keys_rotate(s, &kek, IDP_ALG_RS256, 3600, NULL, &what, kid), IDP_OK);
    assert_string_equal(what, "rotated");
    idp_keyset_t *ks = NULL;
    char err[256];
    /* the retired key stays published while a token it signed may be live */
    assert_int_equal(idp_keys_load(s, &kek, 3600, &ks, err, sizeof(err)), IDP_OK);
    assert_int_equal(idp_keyset_count(ks), 7);
    idp_keyset_release(ks);
    idp_store_mem_advance(s, 3601);
    assert_int_equal(idp_keys_load(s, &kek, 3600, &ks, err, sizeof(err)), IDP_OK);
    assert_int_equal(idp_keyset_count(ks), 6);
    idp_keyset_release(ks);
    idp_store_close(s);
}

/* docs/keys.md "Scheduled rotation": one tick steps every algorithm whose schedule is due, PS256 too. */
static void due_schedules_rotate_every_algorithm(void **state)
{
    (void)state;
    idp_store_t *s;
    assert_int_equal(idp_store_mem_new(&s), IDP_OK);
    idp_kek_t kek;
    kek_of(&kek, 4);
    int created, rotated = -1;
    assert_int_equal(idp_keys_init(s, &kek, &created), IDP_OK);
    idp_store_admin_entry_t e = {.actor = "client:ops", .role = "key-operator", .action = "keys.schedule"};
    for (int a = IDP_ALG_NONE + 1; a < IDP_ALG__COUNT; a++) {
        idp_store_key_schedule_t sch = {.every_seconds = 86400, .next_at = 0, .set_by = "test"};
        snprintf(sch.alg, sizeof(sch.alg), "%s", idp_alg_name((idp_alg_t)a));
        idp_store_admin_op_t set = {.kind = IDP_ADMIN_OP_KEY_SCHEDULE, .id = sch.alg, .flag = true, .schedule = &sch};
        assert_int_equal(idp_store_admin_apply(s, &set, &e), IDP_OK);
    }
    assert_int_equal(idp_keys_rotate_due(s, &kek, 0, 300, &rotated), IDP_OK);
    assert_int_equal(rotated, IDP_ALG__COUNT - 1);
    /* each algorithm now has a retired key beside its active and next ones */
    idp_keyset_t *ks = NULL;
    char err[256];
    assert_int_equal(idp_keys_load(s, &kek, 3600, &ks, err, sizeof(err)), IDP_OK);
    assert_int_equal(idp_keyset_count(ks), 3 * (IDP_ALG__COUNT - 1));
    idp_keyset_release(ks);
    idp_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_is_idempotent_and_sealed),
        cmocka_unit_test(rotation_waits_for_publication),
        cmocka_unit_test(due_schedules_rotate_every_algorithm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

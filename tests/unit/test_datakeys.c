/*
 * Attributes at rest, the pure parts (docs/keys.md, "Data keys"): where a
 * sealed value belongs (store/pg/sealed.c: the associated data names the
 * table, the column and the row), its padding, and the data-key set that seals and opens
 * values for the store (keys/datakeys.c), loaded from rows sealed under a
 * KEK the way the data_keys table holds them. No database: the set has no
 * store, so it never reloads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "jose/kek.h"
#include "keys/datakeys.h"
#include "store/pg/sealed.h"

/* ---- the associated data ------------------------------------------------------------------ */

static void aad_names_table_column_and_row(void **state)
{
    (void)state;
    char a[IDP_SEALED_AAD_MAX];
    assert_true(idp_sealed_aad(a, sizeof(a), "resident_attributes", "name", "r1"));
    assert_string_equal(a, "sakaid:attr:v1:resident_attributes.name:r1");
    assert_true(idp_sealed_aad(a, sizeof(a), "household_attributes", "children", "Zk3_-x"));
    assert_string_equal(a, "sakaid:attr:v1:household_attributes.children:Zk3_-x");
}

static void aad_differs_for_every_other_place(void **state)
{
    (void)state;
    /* Two places that must never share associated data: another row, another column, another table. */
    static const char *const places[][3] = {
        {"resident_attributes", "name", "r1"},     {"resident_attributes", "name", "r2"},
        {"resident_attributes", "name_alt", "r1"}, {"resident_attributes", "address", "r1"},
        {"household_attributes", "name", "r1"},    {"resident_attributes", "name", "r1x"},
        {"resident_attributes", "name", "r"},      {"resident_attributes", "name", "r1:x"},
    };
    size_t n = sizeof(places) / sizeof(places[0]);
    char a[IDP_SEALED_AAD_MAX], b[IDP_SEALED_AAD_MAX];
    for (size_t i = 0; i < n; i++) {
        assert_true(idp_sealed_aad(a, sizeof(a), places[i][0], places[i][1], places[i][2]));
        for (size_t j = 0; j < n; j++) {
            assert_true(idp_sealed_aad(b, sizeof(b), places[j][0], places[j][1], places[j][2]));
            if (i != j)
                assert_string_not_equal(a, b);
        }
    }
}

static void aad_refuses_what_could_name_another_place(void **state)
{
    (void)state;
    char a[IDP_SEALED_AAD_MAX], small[32];
    /* a table or column with a separator could be read two ways: "t.a" + "b" vs "t" + "a.b" */
    assert_false(idp_sealed_aad(a, sizeof(a), "resident_attributes.name", "x", "r1"));
    assert_false(idp_sealed_aad(a, sizeof(a), "resident_attributes", "name:r1", "x"));
    assert_false(idp_sealed_aad(a, sizeof(a), "", "name", "r1"));
    assert_false(idp_sealed_aad(a, sizeof(a), "resident_attributes", "", "r1"));
    assert_false(idp_sealed_aad(a, sizeof(a), "resident_attributes", "name", ""));
    assert_false(idp_sealed_aad(a, sizeof(a), "resident_attributes", "name", NULL));
    /* too long: refused, never truncated (two long row ids would share a truncated text) */
    assert_false(idp_sealed_aad(small, sizeof(small), "resident_attributes", "name", "r1"));
    assert_string_equal(small, "");
    char id[200];
    memset(id, 'a', sizeof(id) - 1);
    id[sizeof(id) - 1] = '\0';
    assert_false(idp_sealed_aad(a, sizeof(a), "resident_attributes", "name", id));
    id[63] = '\0'; /* the longest row id the store keeps */
    assert_true(idp_sealed_aad(a, sizeof(a), "resident_attributes", "birth_date_raw", id));
}

static void padding_hides_short_lengths_and_round_trips(void **state)
{
    (void)state;
    unsigned char out[64];
    /* what the length of a sealed value would otherwise tell: gender, sakai_resident, absence */
    static const char *const same[] = {"", "male", "female", "true", "false", "1990-01-02", "419900102", "2"};
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
        assert_int_equal(idp_sealed_padded_len(strlen(same[i])), IDP_SEALED_PAD_BLOCK);
    assert_int_equal(idp_sealed_padded_len(15), 16);
    assert_int_equal(idp_sealed_padded_len(16), 32);
    assert_int_equal(idp_sealed_padded_len(31), 32);
    for (size_t n = 0; n <= 40; n++) {
        unsigned char in[48];
        memset(in, 'x', sizeof(in));
        size_t p = idp_sealed_padded_len(n);
        assert_true(p > n && p % IDP_SEALED_PAD_BLOCK == 0 && p - n <= IDP_SEALED_PAD_BLOCK);
        idp_sealed_pad(in, n, out);
        assert_memory_equal(out, in, n);
        assert_int_equal(idp_sealed_unpadded_len(out, p), (long)n);
    }
    /* a value ending in 0x80 or zero bytes comes back whole */
    const unsigned char odd[] = {'a', 0x80, 0x00, 0x80};
    idp_sealed_pad(odd, sizeof(odd), out);
    assert_int_equal(idp_sealed_unpadded_len(out, 16), (long)sizeof(odd));
    /* anything else is refused: no marker, junk after it, a whole block of zeros, a length off the block */
    unsigned char bad[32];
    memset(bad, 0, sizeof(bad));
    assert_int_equal(idp_sealed_unpadded_len(bad, 16), -1);
    bad[3] = 0x80;
    assert_int_equal(idp_sealed_unpadded_len(bad, 16), 3);
    bad[9] = 0x01;
    assert_int_equal(idp_sealed_unpadded_len(bad, 16), -1);
    bad[9] = 0x00;
    assert_int_equal(idp_sealed_unpadded_len(bad, 32), -1); /* 28 zero bytes: not how we pad */
    assert_int_equal(idp_sealed_unpadded_len(bad, 15), -1);
    assert_int_equal(idp_sealed_unpadded_len(bad, 0), -1);
}

/* ---- the data-key set ------------------------------------------------------------------- */

static idp_kek_t kek;

/* A data_keys row: a fresh key sealed under the KEK as idp_datakeys_create seals it; *raw receives the key. */
static idp_store_data_key_t row(int id, const char *state, unsigned char raw[32])
{
    idp_store_data_key_t r;
    memset(&r, 0, sizeof(r));
    r.id = id;
    snprintf(r.state, sizeof(r.state), "%s", state);
    r.rows = -1;
    if (strcmp(state, "retired") == 0)
        return r; /* its key is erased */
    char aad[64];
    snprintf(aad, sizeof(aad), IDP_DATAKEYS_AAD_PREFIX "%d", id);
    assert_int_equal(idp_random_bytes(raw, 32), IDP_OK);
    assert_int_equal(idp_aead_seal(&kek, aad, raw, 32, &r.key_enc, &r.key_enc_len), IDP_OK);
    return r;
}

static int setup(void **state)
{
    (void)state;
    return idp_random_bytes(kek.key, sizeof(kek.key)) == IDP_OK ? 0 : -1;
}

static void seal(const idp_store_sealer_t *s, int key, const char *aad, const char *text, unsigned char **out,
                 size_t *len)
{
    assert_int_equal(s->seal(s->ctx, key, aad, (const unsigned char *)text, strlen(text), out, len), IDP_OK);
}

static void seals_with_the_active_key_and_opens_only_in_place(void **state)
{
    (void)state;
    char err[256] = "";
    unsigned char raw1[32], raw2[32];
    idp_store_data_key_t rows[] = {row(1, "retiring", raw1), row(2, "active", raw2)};
    idp_datakeys_t *dk = idp_datakeys_new(NULL, &kek);
    assert_non_null(dk);
    assert_int_equal(idp_datakeys_active(dk), 0);
    assert_int_equal(idp_datakeys_load_rows(dk, rows, 2, "test", err, sizeof(err)), IDP_OK);
    assert_int_equal(idp_datakeys_active(dk), 2);
    assert_int_equal(idp_datakeys_count(dk), 2);
    const idp_store_sealer_t *s = idp_datakeys_sealer(dk);
    int current = 0;
    assert_int_equal(s->current(s->ctx, false, &current), IDP_OK);
    assert_int_equal(current, 2);

    const char *name = "堺 花子";
    char here[IDP_SEALED_AAD_MAX], other_row[IDP_SEALED_AAD_MAX], other_col[IDP_SEALED_AAD_MAX];
    assert_true(idp_sealed_aad(here, sizeof(here), "resident_attributes", "name", "r1"));
    assert_true(idp_sealed_aad(other_row, sizeof(other_row), "resident_attributes", "name", "r2"));
    assert_true(idp_sealed_aad(other_col, sizeof(other_col), "resident_attributes", "address", "r1"));
    unsigned char *sealed, *opened = NULL;
    size_t slen, olen;
    seal(s, 2, here, name, &sealed, &slen);
    assert_int_equal(slen, strlen(name) + 29); /* version, nonce, tag: kek.h */
    for (size_t i = 0; i + 3 <= slen; i++)
        assert_memory_not_equal(sealed + i, "堺", 3); /* not in clear */

    assert_int_equal(s->open(s->ctx, 2, here, sealed, slen, &opened, &olen), IDP_OK);
    assert_int_equal(olen, strlen(name));
    assert_memory_equal(opened, name, olen);
    free(opened);
    /* moved to another row, to another column of the row, or named with another key: it does not open */
    assert_int_equal(s->open(s->ctx, 2, other_row, sealed, slen, &opened, &olen), IDP_E_SERVER_ERROR);
    assert_int_equal(s->open(s->ctx, 2, other_col, sealed, slen, &opened, &olen), IDP_E_SERVER_ERROR);
    assert_int_equal(s->open(s->ctx, 1, here, sealed, slen, &opened, &olen), IDP_E_SERVER_ERROR);
    /* a key this set does not hold: not found (the store then reads the row again), never empty */
    assert_int_equal(s->open(s->ctx, 7, here, sealed, slen, &opened, &olen), IDP_E_NOT_FOUND);
    /* every flipped byte is caught */
    for (size_t i = 0; i < slen; i++) {
        sealed[i] ^= 0x01;
        assert_int_not_equal(s->open(s->ctx, 2, here, sealed, slen, &opened, &olen), IDP_OK);
        sealed[i] ^= 0x01;
    }
    /* a fresh nonce per value: the same text sealed twice differs */
    unsigned char *again;
    size_t alen;
    seal(s, 2, here, name, &again, &alen);
    assert_memory_not_equal(again, sealed, slen);
    free(again);

    /* what the retiring key sealed still opens, with that key only */
    unsigned char *old;
    size_t oldlen;
    seal(s, 1, here, name, &old, &oldlen);
    assert_int_equal(s->open(s->ctx, 1, here, old, oldlen, &opened, &olen), IDP_OK);
    free(opened);
    assert_int_equal(s->open(s->ctx, 2, here, old, oldlen, &opened, &olen), IDP_E_SERVER_ERROR);

    /* The key behind an id is the one its row holds: a value sealed under raw key 1 opens with it. */
    idp_kek_t k1;
    memcpy(k1.key, raw1, 32);
    assert_int_equal(idp_aead_open(&k1, here, old, oldlen, &opened, &olen), IDP_OK);
    free(opened);

    /* after the retirement of key 1 (its row holds no key any more), what it sealed no longer opens */
    idp_store_data_key_t after[] = {row(1, "retired", raw1), rows[1]};
    assert_int_equal(idp_datakeys_load_rows(dk, after, 2, "test", err, sizeof(err)), IDP_OK);
    assert_int_equal(idp_datakeys_count(dk), 1);
    assert_int_equal(s->open(s->ctx, 1, here, old, oldlen, &opened, &olen), IDP_E_NOT_FOUND);
    assert_int_equal(s->open(s->ctx, 2, here, sealed, slen, &opened, &olen), IDP_OK);
    free(opened);
    free(old);
    free(sealed);
    idp_datakeys_free(dk);
    free(rows[0].key_enc);
    free(rows[1].key_enc);
}

static void a_key_that_does_not_unseal_is_named_and_nothing_changes(void **state)
{
    (void)state;
    char err[256] = "";
    unsigned char raw1[32], raw2[32];
    idp_store_data_key_t good[] = {row(1, "active", raw1)};
    idp_datakeys_t *dk = idp_datakeys_new(NULL, &kek);
    assert_int_equal(idp_datakeys_load_rows(dk, good, 1, "test", err, sizeof(err)), IDP_OK);

    /* key 2's sealed key copied onto row 3 (another id in its associated data) */
    idp_store_data_key_t moved[] = {good[0], row(2, "active", raw2)};
    moved[1].id = 3;
    assert_int_not_equal(idp_datakeys_load_rows(dk, moved, 2, "test", err, sizeof(err)), IDP_OK);
    assert_non_null(strstr(err, "data key 3"));
    assert_int_equal(idp_datakeys_active(dk), 1); /* the set before stays */

    /* another KEK */
    idp_kek_t other = kek;
    other.key[5] ^= 0x80;
    idp_datakeys_t *wrong = idp_datakeys_new(NULL, &other);
    err[0] = '\0';
    assert_int_not_equal(idp_datakeys_load_rows(wrong, good, 1, "test", err, sizeof(err)), IDP_OK);
    assert_non_null(strstr(err, "data key 1"));
    assert_int_equal(idp_datakeys_active(wrong), 0);
    /* with no active key nothing is sealed */
    int current = 0;
    const idp_store_sealer_t *s = idp_datakeys_sealer(wrong);
    assert_int_equal(s->current(s->ctx, false, &current), IDP_E_SERVER_ERROR);
    idp_datakeys_free(wrong);
    idp_datakeys_free(dk);
    free(good[0].key_enc);
    free(moved[1].key_enc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(aad_names_table_column_and_row),
        cmocka_unit_test(aad_differs_for_every_other_place),
        cmocka_unit_test(aad_refuses_what_could_name_another_place),
        cmocka_unit_test(padding_hides_short_lengths_and_round_trips),
        cmocka_unit_test_setup(seals_with_the_active_key_and_opens_only_in_place, setup),
        cmocka_unit_test_setup(a_key_that_does_not_unseal_is_named_and_nothing_changes, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

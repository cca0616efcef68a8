/* The key-encryption key file and AES-256-GCM sealing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jose/kek.h"

static char dir[64], path[128];

static int setup(void **state)
{
    snprintf(dir, sizeof(dir), "/tmp/sakaid-kek-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(path, sizeof(path), "%s/kek.key", dir);
    return 0;
}

static int teardown(void **state)
{
    unlink(path);
    rmdir(dir);
    return 0;
}

static void create_and_load(void **state)
{
    char err[512];
    idp_kek_t k1, k2;
    struct stat st;
    assert_int_equal(idp_kek_create(path, err, sizeof(err)), IDP_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(idp_kek_load(path, &k1, err, sizeof(err)), IDP_OK);
    assert_int_equal(idp_kek_load(path, &k2, err, sizeof(err)), IDP_OK);
    assert_memory_equal(k1.key, k2.key, IDP_KEK_BYTES);
    /* never overwritten */
    assert_int_equal(idp_kek_create(path, err, sizeof(err)), IDP_E_CONFLICT);
    assert_int_equal(idp_kek_load(path, &k2, err, sizeof(err)), IDP_OK);
    assert_memory_equal(k1.key, k2.key, IDP_KEK_BYTES);
    idp_kek_wipe(&k1);
    idp_kek_wipe(&k2);
}

static void refuses_loose_modes(void **state)
{
    char err[512];
    idp_kek_t k;
    assert_int_equal(idp_kek_create(path, err, sizeof(err)), IDP_OK);
    static const mode_t bad[] = {0644, 0640, 0604, 0620, 0602};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(chmod(path, bad[i]), 0);
        err[0] = '\0';
        assert_int_not_equal(idp_kek_load(path, &k, err, sizeof(err)), IDP_OK);
        assert_non_null(strstr(err, path));
    }
    assert_int_equal(chmod(path, 0400), 0);
    assert_int_equal(idp_kek_load(path, &k, err, sizeof(err)), IDP_OK);
}

static void refuses_bad_content(void **state)
{
    static const char *const bad[] = {"", "short\n", "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n",
                                      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"};
    char err[512];
    idp_kek_t k;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(bad[i], f);
        fclose(f);
        chmod(path, 0600);
        assert_int_not_equal(idp_kek_load(path, &k, err, sizeof(err)), IDP_OK);
    }
    assert_int_not_equal(idp_kek_load("/nonexistent/kek.key", &k, err, sizeof(err)), IDP_OK);
}

static void seal_open(void **state)
{
    char err[512];
    idp_kek_t k, other;
    unsigned char *sealed, *opened;
    size_t slen, olen;
    const unsigned char secret[] = "a DER private key, say";
    assert_int_equal(idp_kek_create(path, err, sizeof(err)), IDP_OK);
    assert_int_equal(idp_kek_load(path, &k, err, sizeof(err)), IDP_OK);
    assert_int_equal(idp_aead_seal(&k, "sakaid:signing-key:kid1", secret, sizeof(secret), &sealed, &slen), IDP_OK);
    assert_int_equal(slen, sizeof(secret) + 29);
    assert_int_equal(sealed[0], 0x01);
    for (size_t i = 0; i + 11 <= slen; i++)
        assert_memory_not_equal(sealed + i, "DER private", 11); /* not in clear */
    assert_int_equal(idp_aead_open(&k, "sakaid:signing-key:kid1", sealed, slen, &opened, &olen), IDP_OK);
    assert_int_equal(olen, sizeof(secret));
    assert_memory_equal(opened, secret, olen);
    free(opened);

    /* wrong associated data (the blob moved to another row) */
    assert_int_not_equal(idp_aead_open(&k, "sakaid:signing-key:kid2", sealed, slen, &opened, &olen), IDP_OK);
    /* every single flipped byte is detected */
    for (size_t i = 0; i < slen; i++) {
        sealed[i] ^= 0x40;
        assert_int_not_equal(idp_aead_open(&k, "sakaid:signing-key:kid1", sealed, slen, &opened, &olen), IDP_OK);
        sealed[i] ^= 0x40;
    }
    /* truncated */
    assert_int_not_equal(idp_aead_open(&k, "sakaid:signing-key:kid1", sealed, slen - 1, &opened, &olen), IDP_OK);
    assert_int_not_equal(idp_aead_open(&k, "sakaid:signing-key:kid1", sealed, 10, &opened, &olen), IDP_OK);
    /* another KEK */
    memcpy(&other, &k, sizeof(k));
    other.key[0] ^= 1;
    assert_int_not_equal(idp_aead_open(&other, "sakaid:signing-key:kid1", sealed, slen, &opened, &olen), IDP_OK);
    /* two seals of the same plaintext differ (fresh nonce) */
    unsigned char *again;
    size_t alen;
    assert_int_equal(idp_aead_seal(&k, "sakaid:signing-key:kid1", secret, sizeof(secret), &again, &alen), IDP_OK);
    assert_memory_not_equal(again, sealed, slen);
    free(again);
    free(sealed);
    idp_kek_wipe(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(create_and_load, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_loose_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_bad_content, setup, teardown),
        cmocka_unit_test_setup_teardown(seal_open, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

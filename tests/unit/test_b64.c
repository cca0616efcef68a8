/* base64url (RFC 4648 §5, unpadded as in RFC 7515 §2) and base64 (§4, for HTTP Basic). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "core/rand.h"

/* RFC 4648 §10 test vectors, without padding. */
static const char *const vec[][2] = {
    {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
    {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
};

static void rfc4648_vectors(void **state)
{
    for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
        char enc[16];
        unsigned char dec[16];
        size_t n = strlen(vec[i][0]), outlen = 99;
        assert_int_equal(idp_b64url_encoded_len(n), strlen(vec[i][1]));
        idp_b64url_encode((const unsigned char *)vec[i][0], n, enc);
        assert_string_equal(enc, vec[i][1]);
        assert_int_equal(idp_b64url_decode(vec[i][1], strlen(vec[i][1]), dec, sizeof(dec), &outlen), IDP_OK);
        assert_int_equal(outlen, n);
        assert_memory_equal(dec, vec[i][0], n);
    }
}

static void url_alphabet(void **state)
{
    const unsigned char bytes[] = {0xfb, 0xff, 0xbf};
    char enc[8];
    idp_b64url_encode(bytes, 3, enc);
    assert_string_equal(enc, "-_-_");
    unsigned char dec[8];
    size_t n;
    assert_int_equal(idp_b64url_decode("-_-_", 4, dec, sizeof(dec), &n), IDP_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(dec, bytes, 3);
}

static void url_rejects(void **state)
{
    static const char *const bad[] = {
        "Zg==",        /* padding */
        "+/+/",        /* standard alphabet */
        "Zm 9v",       /* whitespace */
        "Zm9v\n", "Z", /* impossible length */
        "Zh",          /* non-zero trailing bits ("Zg" is canonical) */
        "Zm9",         /* ... */
        "Zm-=",   "Zm9v\0x",
    };
    unsigned char out[16];
    size_t n;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(idp_b64url_decode(bad[i], strlen(bad[i]) + (i == 8 ? 2 : 0), out, sizeof(out), &n),
                         IDP_E_INVALID_REQUEST);
    /* output too small */
    assert_int_not_equal(idp_b64url_decode("Zm9vYmFy", 8, out, 3, &n), IDP_OK);
}

static void std_base64(void **state)
{
    unsigned char out[64];
    size_t n;
    assert_int_equal(idp_b64_decode("Zm9vYg==", 8, out, sizeof(out), &n), IDP_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(out, "foob", 4);
    assert_int_equal(idp_b64_decode("YTpi", 4, out, sizeof(out), &n), IDP_OK); /* "a:b" */
    assert_memory_equal(out, "a:b", 3);
    assert_int_equal(idp_b64_decode("+/+/", 4, out, sizeof(out), &n), IDP_OK);
    assert_int_equal(idp_b64_decode("Zm9vYg", 6, out, sizeof(out), &n), IDP_E_INVALID_REQUEST); /* padding required */
    assert_int_equal(idp_b64_decode("Zm9v-_==", 8, out, sizeof(out), &n), IDP_E_INVALID_REQUEST);
    assert_int_equal(idp_b64_decode("Zm9=vYg=", 8, out, sizeof(out), &n), IDP_E_INVALID_REQUEST);
}

static void round_trip_all_lengths(void **state)
{
    unsigned char in[64], dec[64];
    char enc[128];
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (unsigned char)(i * 37 + 11);
    for (size_t n = 0; n <= sizeof(in); n++) {
        size_t got;
        idp_b64url_encode(in, n, enc);
        assert_int_equal(strlen(enc), idp_b64url_encoded_len(n));
        assert_null(strpbrk(enc, "+/="));
        assert_int_equal(idp_b64url_decode(enc, strlen(enc), dec, sizeof(dec), &got), IDP_OK);
        assert_int_equal(got, n);
        assert_memory_equal(dec, in, n);
    }
}

/* Client ids are typed on the admin command line, so none may start like an option ('-'), nor with '_'.
   Plain random tokens do, one in 32; 4000 draws of them would all miss by chance once in 10^55. */
static void random_ids_never_start_with_punctuation(void **state)
{
    int token_starts = 0;
    for (int i = 0; i < 4000; i++) {
        char *id = idp_random_id_new(16), *t = idp_random_token_new(16);
        assert_non_null(id);
        assert_int_equal(strlen(id), 22);
        assert_true(id[0] != '-' && id[0] != '_');
        token_starts += t[0] == '-' || t[0] == '_';
        free(id);
        free(t);
    }
    assert_true(token_starts > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc4648_vectors),
        cmocka_unit_test(url_alphabet),
        cmocka_unit_test(url_rejects),
        cmocka_unit_test(std_base64),
        cmocka_unit_test(round_trip_all_lengths),
        cmocka_unit_test(random_ids_never_start_with_punctuation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

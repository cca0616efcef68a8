/* Signing keys (RFC 7638 kid, public JWK) and JWS (RFC 7515), cross-checked with libjwt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <jwt.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "jose/jwt.h"
#include "jose/key.h"
#include "jose/keystore.h"

/* RFC 7638 §3: SHA-256 over the required members in lexicographic order, no whitespace. */
static void thumbprint(const char *jwk_text, char out[64])
{
    json_t *j = json_loads(jwk_text, 0, NULL);
    assert_non_null(j);
    char canon[2048];
    const char *kty = json_string_value(json_object_get(j, "kty"));
    if (!strcmp(kty, "RSA"))
        snprintf(canon, sizeof(canon), "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}",
                 json_string_value(json_object_get(j, "e")), json_string_value(json_object_get(j, "n")));
    else
        snprintf(canon, sizeof(canon), "{\"crv\":\"%s\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
                 json_string_value(json_object_get(j, "crv")), json_string_value(json_object_get(j, "x")),
                 json_string_value(json_object_get(j, "y")));
    unsigned char h[32];
    SHA256((const unsigned char *)canon, strlen(canon), h);
    idp_b64url_encode(h, 32, out);
    json_decref(j);
}

static void check_key(idp_alg_t alg)
{
    idp_jose_key_t *k, *k2;
    assert_int_equal(idp_jose_key_generate(alg, &k), IDP_OK);
    assert_int_equal(idp_jose_key_alg(k), alg);
    const char *jwk = idp_jose_key_public_jwk(k);
    json_t *j = json_loads(jwk, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "kid")), idp_jose_key_kid(k));
    assert_string_equal(json_string_value(json_object_get(j, "use")), "sig");
    assert_string_equal(json_string_value(json_object_get(j, "alg")), idp_alg_name(alg));
    for (const char *const *m = (const char *const[]){"d", "p", "q", "dp", "dq", "qi", NULL}; *m; m++)
        assert_null(json_object_get(j, *m));
    json_decref(j);
    char tp[64];
    thumbprint(jwk, tp);
    assert_string_equal(tp, idp_jose_key_kid(k));
    /* DER round trip keeps the key */
    unsigned char *der;
    size_t len;
    assert_int_equal(idp_jose_key_private_der(k, &der, &len), IDP_OK);
    assert_int_equal(idp_jose_key_from_der(alg, der, len, &k2), IDP_OK);
    assert_string_equal(idp_jose_key_kid(k2), idp_jose_key_kid(k));
    /* the wrong algorithm for the DER is refused */
    idp_jose_key_t *k3 = NULL;
    assert_int_not_equal(idp_jose_key_from_der(alg == IDP_ALG_RS256 ? IDP_ALG_ES256 : IDP_ALG_RS256, der, len, &k3),
                         IDP_OK);
    assert_int_not_equal(idp_jose_key_from_der(alg, der, len / 2, &k3), IDP_OK);
    free(der);
    idp_jose_key_free(k2);
    idp_jose_key_free(k);
}

static void rs256_key(void **state)
{
    check_key(IDP_ALG_RS256);
}

static void es256_key(void **state)
{
    check_key(IDP_ALG_ES256);
}

/* The protected header of a compact JWS, decoded. */
static json_t *header_of(const char *token)
{
    unsigned char buf[512];
    size_t n;
    const char *dot = strchr(token, '.');
    assert_non_null(dot);
    assert_int_equal(idp_b64url_decode(token, (size_t)(dot - token), buf, sizeof(buf), &n), IDP_OK);
    return json_loadb((const char *)buf, n, 0, NULL);
}

/* Our JWS verifies with libjwt, an independent implementation. */
static void check_jws(idp_alg_t alg)
{
    idp_jose_key_t *k;
    char *token;
    assert_int_equal(idp_jose_key_generate(alg, &k), IDP_OK);
    /* RFC 9068 §2.1: typ at+jwt (libjwt 1.x only accepts typ JWT, so it checks an untyped token below) */
    assert_int_equal(idp_jwt_sign(k, "at+jwt", "{}", &token), IDP_OK);
    json_t *h = header_of(token);
    assert_string_equal(json_string_value(json_object_get(h, "typ")), "at+jwt");
    assert_string_equal(json_string_value(json_object_get(h, "alg")), idp_alg_name(alg));
    assert_string_equal(json_string_value(json_object_get(h, "kid")), idp_jose_key_kid(k));
    json_decref(h);
    free(token);
    assert_int_equal(
        idp_jwt_sign(k, NULL, "{\"iss\":\"https://id.example\",\"sub\":\"\xe5\xa0\xba\",\"exp\":4102444800}", &token),
        IDP_OK);
    char *pem = idp_jose_key_public_pem_new(k);
    assert_non_null(pem);
    jwt_t *jwt = NULL;
    assert_int_equal(jwt_decode(&jwt, token, (const unsigned char *)pem, (int)strlen(pem)), 0);
    assert_string_equal(jwt_get_header(jwt, "kid"), idp_jose_key_kid(k));
    assert_string_equal(jwt_get_header(jwt, "alg"), idp_alg_name(alg));
    assert_string_equal(jwt_get_grant(jwt, "iss"), "https://id.example");
    assert_string_equal(jwt_get_grant(jwt, "sub"), "\xe5\xa0\xba");
    assert_int_equal(jwt_get_alg(jwt), alg == IDP_ALG_RS256 ? JWT_ALG_RS256 : JWT_ALG_ES256);
    jwt_free(jwt);
    /* tampering with any part breaks verification */
    char *dot = strchr(token, '.');
    dot[3] = dot[3] == 'A' ? 'B' : 'A';
    jwt = NULL;
    assert_int_not_equal(jwt_decode(&jwt, token, (const unsigned char *)pem, (int)strlen(pem)), 0);
    jwt_free(jwt);
    /* another key of the same kind does not verify it */
    dot[3] = dot[3] == 'A' ? 'B' : 'A';
    idp_jose_key_t *other;
    assert_int_equal(idp_jose_key_generate(alg, &other), IDP_OK);
    char *other_pem = idp_jose_key_public_pem_new(other);
    jwt = NULL;
    assert_int_not_equal(jwt_decode(&jwt, token, (const unsigned char *)other_pem, (int)strlen(other_pem)), 0);
    jwt_free(jwt);
    free(other_pem);
    idp_jose_key_free(other);
    free(pem);
    free(token);
    idp_jose_key_free(k);
}

static void rs256_jws(void **state)
{
    check_jws(IDP_ALG_RS256);
}

static void es256_jws(void **state)
{
    check_jws(IDP_ALG_ES256);
}

static void keystore(void **state)
{
    idp_jose_key_t *active, *next, *retired;
    assert_int_equal(idp_jose_key_generate(IDP_ALG_ES256, &active), IDP_OK);
    assert_int_equal(idp_jose_key_generate(IDP_ALG_ES256, &next), IDP_OK);
    assert_int_equal(idp_jose_key_generate(IDP_ALG_ES256, &retired), IDP_OK);
    char kid_active[64], kid_retired[64];
    snprintf(kid_active, sizeof(kid_active), "%s", idp_jose_key_kid(active));
    snprintf(kid_retired, sizeof(kid_retired), "%s", idp_jose_key_kid(retired));
    idp_keyset_t *ks = idp_keyset_new();
    assert_int_equal(idp_keyset_add(ks, next, IDP_KEY_NEXT, 1), IDP_OK);
    assert_int_equal(idp_keyset_add(ks, active, IDP_KEY_ACTIVE, 1), IDP_OK);
    assert_int_equal(idp_keyset_add(ks, retired, IDP_KEY_RETIRED, 0), IDP_OK);
    assert_int_equal(idp_keyset_seal(ks), IDP_OK);
    assert_int_equal(idp_keyset_count(ks), 3);
    assert_string_equal(idp_jose_key_kid(idp_keyset_signer(ks, IDP_ALG_ES256)), kid_active);
    assert_null(idp_keyset_signer(ks, IDP_ALG_RS256));
    size_t len;
    json_t *jwks = json_loads(idp_keyset_jwks(ks, &len), 0, NULL);
    assert_int_equal(json_array_size(json_object_get(jwks, "keys")), 2);
    assert_null(strstr(idp_keyset_jwks(ks, &len), kid_retired));
    json_decref(jwks);

    idp_keystore_t *st = idp_keystore_new();
    assert_null(idp_keystore_get(st));
    idp_keystore_set(st, ks);
    idp_keyset_t *ref = idp_keystore_get(st);
    idp_keystore_set(st, idp_keyset_new()); /* swapped while a reader holds the old set */
    assert_string_equal(idp_jose_key_kid(idp_keyset_signer(ref, IDP_ALG_ES256)), kid_active);
    idp_keyset_release(ref);
    idp_keystore_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rs256_key), cmocka_unit_test(es256_key), cmocka_unit_test(rs256_jws),
        cmocka_unit_test(es256_jws), cmocka_unit_test(keystore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Signing keys (RFC 7638 kid, public JWK) and JWS (RFC 7515), cross-checked with libjwt (RS256, ES256) and the
 * openssl command (PS256, which libjwt 1.10 does not know). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/b64.h"
#include "jose/jwt.h"
#include "jose/key.h"
#include "jose/keystore.h"
#include "jose/verify.h"

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
    /* the wrong key type for the algorithm is refused */
    idp_jose_key_t *k3 = NULL;
    assert_int_not_equal(idp_jose_key_from_der(alg == IDP_ALG_ES256 ? IDP_ALG_RS256 : IDP_ALG_ES256, der, len, &k3),
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

static void ps256_key(void **state)
{
    check_key(IDP_ALG_PS256);
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

/* The protected header is JSON made by jansson, for the typ values cached with the key and for any other: a
 * typ that needs escaping stays one string, and the cached and the made header are the same text. */
static void jws_header(void **state)
{
    idp_jose_key_t *k;
    char *token, expect[160];
    assert_int_equal(idp_jose_key_generate(IDP_ALG_ES256, &k), IDP_OK);
    assert_int_equal(idp_jwt_sign(k, "a\"b\\c", "{}", &token), IDP_OK);
    json_t *h = header_of(token);
    assert_non_null(h);
    assert_string_equal(json_string_value(json_object_get(h, "typ")), "a\"b\\c");
    assert_int_equal(json_object_size(h), 3);
    json_decref(h);
    free(token);
    for (const char *const *t = (const char *const[]){"at+jwt", "logout+jwt", "JWT", NULL}; *t; t++) {
        char *made = idp_jose_key_header_new(k, *t);
        assert_non_null(made);
        if (strcmp(*t, "JWT") != 0)
            assert_string_equal(idp_jose_key_header(k, *t), made);
        else
            assert_null(idp_jose_key_header(k, *t));
        assert_int_equal(idp_jwt_sign(k, *t, "{}", &token), IDP_OK);
        assert_memory_equal(token, made, strlen(made));
        assert_int_equal(token[strlen(made)], '.');
        /* the same bytes as ever: alg, kid, typ in that order, no spaces */
        unsigned char text[160];
        size_t n;
        assert_int_equal(idp_b64url_decode(made, strlen(made), text, sizeof(text) - 1, &n), IDP_OK);
        text[n] = '\0';
        snprintf(expect, sizeof(expect), "{\"alg\":\"ES256\",\"kid\":\"%s\",\"typ\":\"%s\"}", idp_jose_key_kid(k), *t);
        assert_string_equal((char *)text, expect);
        free(token);
        free(made);
    }
    char *made = idp_jose_key_header_new(k, NULL);
    assert_string_equal(idp_jose_key_header(k, NULL), made);
    free(made);
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

/* Writes @p len bytes to @p dir/@p name. */
static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Reads @p dir/@p name into @p buf (capacity @p cap); its length. */
static size_t read_file(const char *dir, const char *name, unsigned char *buf, size_t cap)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* `openssl dgst` with RFC 7518 §3.5's PS256 parameters (a salt of exactly 32 bytes), or PKCS#1 v1.5 with
 * @p pss false: the exit status of verifying dir/sig over dir/input with dir/pub.pem. */
static int openssl_verify(const char *dir, bool pss)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "cd %s && openssl dgst -sha256 %s -verify pub.pem -signature sig input >/dev/null 2>&1",
             dir,
             pss ? "-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256"
                 : "-sigopt rsa_padding_mode:pkcs1");
    return system(cmd);
}

/* RFC 7518 §3.5: our PS256 JWS verifies with the openssl command as RSASSA-PSS, SHA-256, MGF1 SHA-256 and a
 * 32-byte salt (and not as PKCS#1 v1.5); a JWS the openssl command signs so verifies with jose/verify.c. */
static void ps256_jws_matches_openssl(void **state)
{
    idp_jose_key_t *k;
    char *token, dir[] = "/tmp/sakaid-ps256-XXXXXX";
    unsigned char sig[512];
    size_t n;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(idp_jose_key_generate(IDP_ALG_PS256, &k), IDP_OK);
    char *pem = idp_jose_key_public_pem_new(k);
    assert_non_null(pem);
    write_file(dir, "pub.pem", pem, strlen(pem));
    assert_int_equal(idp_jwt_sign(k, NULL, "{\"iss\":\"https://id.example\"}", &token), IDP_OK);
    json_t *h = header_of(token);
    assert_string_equal(json_string_value(json_object_get(h, "alg")), "PS256");
    json_decref(h);
    const char *d2 = strrchr(token, '.');
    write_file(dir, "input", token, (size_t)(d2 - token));
    assert_int_equal(idp_b64url_decode(d2 + 1, strlen(d2 + 1), sig, sizeof(sig), &n), IDP_OK);
    assert_int_equal(n, 256);
    write_file(dir, "sig", sig, n);
    assert_int_equal(openssl_verify(dir, true), 0);
    assert_int_not_equal(openssl_verify(dir, false), 0);
    /* one signature bit flipped */
    sig[n / 2] ^= 1;
    write_file(dir, "sig", sig, n);
    assert_int_not_equal(openssl_verify(dir, true), 0);
    free(token);

    /* the other way: the openssl command signs with the same private key */
    unsigned char *der;
    size_t derlen;
    assert_int_equal(idp_jose_key_private_der(k, &der, &derlen), IDP_OK);
    write_file(dir, "key.der", der, derlen);
    OPENSSL_cleanse(der, derlen);
    free(der);
    char header[160], input[512], cmd[1024];
    snprintf(header, sizeof(header), "{\"alg\":\"PS256\",\"kid\":\"%s\"}", idp_jose_key_kid(k));
    char *hb = idp_b64url_encode_new((const unsigned char *)header, strlen(header));
    char *pb = idp_b64url_encode_new((const unsigned char *)"{\"sub\":\"openssl\"}", 17);
    snprintf(input, sizeof(input), "%s.%s", hb, pb);
    write_file(dir, "input", input, strlen(input));
    snprintf(cmd, sizeof(cmd),
             "cd %s && openssl dgst -sha256 -keyform DER -sign key.der -sigopt rsa_padding_mode:pss "
             "-sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256 -out sig input",
             dir);
    assert_int_equal(system(cmd), 0);
    n = read_file(dir, "sig", sig, sizeof(sig));
    assert_int_equal(n, 256);
    char *sb = idp_b64url_encode_new(sig, n);
    size_t cap = strlen(input) + strlen(sb) + 2;
    token = malloc(cap);
    snprintf(token, cap, "%s.%s", input, sb);
    char *jwks;
    size_t jn = strlen(idp_jose_key_public_jwk(k)) + 16;
    jwks = malloc(jn);
    snprintf(jwks, jn, "{\"keys\":[%s]}", idp_jose_key_public_jwk(k));
    idp_jwks_t *set;
    json_t *payload = NULL;
    assert_int_equal(idp_jwks_parse(jwks, strlen(jwks), &set), IDP_OK);
    assert_int_equal(idp_jws_verify(set, token, NULL, &payload), IDP_OK);
    assert_string_equal(json_string_value(json_object_get(payload, "sub")), "openssl");
    json_decref(payload);
    idp_jwks_free(set);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    free(jwks);
    free(token);
    free(sb);
    free(hb);
    free(pb);
    free(pem);
    idp_jose_key_free(k);
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
        cmocka_unit_test(rs256_key), cmocka_unit_test(es256_key),  cmocka_unit_test(ps256_key),
        cmocka_unit_test(rs256_jws), cmocka_unit_test(es256_jws),  cmocka_unit_test(ps256_jws_matches_openssl),
        cmocka_unit_test(keystore),  cmocka_unit_test(jws_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Compact JWS verification (RFC 7515 §5.2) with RS256/ES256/PS256 keys from a JWKS, cross-checked with libjwt
 * (RS256, ES256) and OpenSSL's own PSS signer (PS256). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <jwt.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "jose/jwt.h"
#include "jose/key.h"
#include "jose/keystore.h"
#include "jose/verify.h"

/* Keys generated once for the group (RSA generation is slow under ASan). */
typedef struct {
    idp_jose_key_t *rsa, *ec, *ps;        /* published in jwks */
    idp_jose_key_t *rsa_other, *ec_other; /* not published */
    idp_jwks_t *jwks;
} fixture_t;

static const char claims[] = "{\"iss\":\"https://id.example\",\"sub\":\"\xe5\xa0\xba\",\"exp\":4102444800}";

/* {"keys":[...]} from the public JWKs of @p keys; malloc'ed. */
static char *jwks_text(idp_jose_key_t *const *keys, size_t n)
{
    size_t cap = 32;
    for (size_t i = 0; i < n; i++)
        cap += strlen(idp_jose_key_public_jwk(keys[i])) + 1;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t o = (size_t)snprintf(s, cap, "{\"keys\":[");
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(s + o, cap - o, "%s%s", i ? "," : "", idp_jose_key_public_jwk(keys[i]));
    snprintf(s + o, cap - o, "]}");
    return s;
}

static idp_err_t jwks_parse_str(const char *text, size_t *count)
{
    idp_jwks_t *s = (idp_jwks_t *)&s; /* must be overwritten */
    idp_err_t ret = idp_jwks_parse(text, strlen(text), &s);
    if (ret == IDP_OK) {
        assert_non_null(s);
        if (count)
            *count = idp_jwks_count(s);
    } else {
        assert_null(s);
    }
    idp_jwks_free(s);
    return ret;
}

/* BASE64URL(header) '.' BASE64URL(payload) '.' BASE64URL(sig); malloc'ed. */
static char *compact(const char *header, size_t hlen, const char *payload, size_t plen, const unsigned char *sig,
                     size_t siglen)
{
    char *h = idp_b64url_encode_new((const unsigned char *)header, hlen);
    char *p = idp_b64url_encode_new((const unsigned char *)payload, plen);
    char *s = idp_b64url_encode_new(sig, siglen);
    assert_true(h && p && s);
    size_t cap = strlen(h) + strlen(p) + strlen(s) + 3;
    char *t = malloc(cap);
    assert_non_null(t);
    snprintf(t, cap, "%s.%s.%s", h, p, s);
    free(h);
    free(p);
    free(s);
    return t;
}

/* Signs any header and payload text with @p k (whatever the header says); malloc'ed. */
static char *sign_raw(const idp_jose_key_t *k, const char *header, const char *payload)
{
    char *unsigned_token = compact(header, strlen(header), payload, strlen(payload), NULL, 0);
    unsigned char sig[512];
    size_t siglen;
    /* the signing input is everything before the last '.' */
    size_t inlen = strlen(unsigned_token) - 1;
    assert_int_equal(idp_jose_key_sign(k, unsigned_token, inlen, sig, &siglen), IDP_OK);
    free(unsigned_token);
    return compact(header, strlen(header), payload, strlen(payload), sig, siglen);
}

/* {"alg":alg,"kid":kid}; kid may be NULL. */
static void header_for(char *out, size_t cap, const char *alg, const char *kid)
{
    if (kid)
        snprintf(out, cap, "{\"alg\":\"%s\",\"kid\":\"%s\"}", alg, kid);
    else
        snprintf(out, cap, "{\"alg\":\"%s\"}", alg);
}

/* Runs idp_jws_verify and checks the ownership contract on both outcomes. */
static idp_err_t verify(const idp_jwks_t *s, const char *token)
{
    json_t *h = (json_t *)&h, *p = (json_t *)&p; /* must be overwritten */
    idp_err_t ret = idp_jws_verify(s, token, &h, &p);
    if (ret == IDP_OK) {
        assert_true(json_is_object(h));
        assert_true(json_is_object(p));
    } else {
        assert_null(h);
        assert_null(p);
    }
    json_decref(h);
    json_decref(p);
    return ret;
}

/* The signature part of @p token, decoded, with one bit flipped, re-encoded. */
static char *flip_signature_bit(const char *token)
{
    const char *d2 = strrchr(token, '.');
    unsigned char sig[1024];
    size_t n;
    assert_int_equal(idp_b64url_decode(d2 + 1, strlen(d2 + 1), sig, sizeof(sig), &n), IDP_OK);
    sig[n / 2] ^= 0x01;
    char *s = idp_b64url_encode_new(sig, n);
    size_t cap = (size_t)(d2 - token) + strlen(s) + 2;
    char *t = malloc(cap);
    assert_non_null(t);
    snprintf(t, cap, "%.*s.%s", (int)(d2 - token), token, s);
    free(s);
    return t;
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    if (f == NULL || idp_jose_key_generate(IDP_ALG_RS256, &f->rsa) != IDP_OK ||
        idp_jose_key_generate(IDP_ALG_ES256, &f->ec) != IDP_OK ||
        idp_jose_key_generate(IDP_ALG_PS256, &f->ps) != IDP_OK ||
        idp_jose_key_generate(IDP_ALG_RS256, &f->rsa_other) != IDP_OK ||
        idp_jose_key_generate(IDP_ALG_ES256, &f->ec_other) != IDP_OK)
        return -1;
    char *text = jwks_text((idp_jose_key_t *const[]){f->rsa, f->ec, f->ps}, 3);
    idp_err_t ret = idp_jwks_parse(text, strlen(text), &f->jwks);
    free(text);
    *state = f;
    return ret == IDP_OK && idp_jwks_count(f->jwks) == 3 ? 0 : -1;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    idp_jwks_free(f->jwks);
    idp_jose_key_free(f->rsa);
    idp_jose_key_free(f->ec);
    idp_jose_key_free(f->ps);
    idp_jose_key_free(f->rsa_other);
    idp_jose_key_free(f->ec_other);
    free(f);
    return 0;
}

/* Our signer's token verifies; the header and payload come back parsed. */
static void check_round_trip(const fixture_t *f, const idp_jose_key_t *k)
{
    char *token;
    json_t *h, *p;
    assert_int_equal(idp_jwt_sign(k, "at+jwt", claims, &token), IDP_OK);
    assert_int_equal(idp_jws_verify(f->jwks, token, &h, &p), IDP_OK);
    assert_string_equal(json_string_value(json_object_get(h, "alg")), idp_alg_name(idp_jose_key_alg(k)));
    assert_string_equal(json_string_value(json_object_get(h, "kid")), idp_jose_key_kid(k));
    assert_string_equal(json_string_value(json_object_get(h, "typ")), "at+jwt");
    assert_string_equal(json_string_value(json_object_get(p, "iss")), "https://id.example");
    assert_string_equal(json_string_value(json_object_get(p, "sub")), "\xe5\xa0\xba");
    assert_int_equal(json_integer_value(json_object_get(p, "exp")), 4102444800LL);
    json_decref(h);
    json_decref(p);
    /* the outputs are optional */
    assert_int_equal(idp_jws_verify(f->jwks, token, NULL, NULL), IDP_OK);
    free(token);
}

static void verify_accepts_our_rs256_token(void **state)
{
    check_round_trip(*state, ((fixture_t *)*state)->rsa);
}

static void verify_accepts_our_es256_token(void **state)
{
    check_round_trip(*state, ((fixture_t *)*state)->ec);
}

static void verify_accepts_our_ps256_token(void **state)
{
    check_round_trip(*state, ((fixture_t *)*state)->ps);
}

/* {"keys":[the public JWK of @p k with its "alg" set to @p alg, or removed when NULL]}, parsed. */
static idp_jwks_t *set_with_alg(const idp_jose_key_t *k, const char *alg)
{
    json_t *jwk = json_loads(idp_jose_key_public_jwk(k), 0, NULL);
    assert_non_null(jwk);
    if (alg)
        json_object_set_new(jwk, "alg", json_string(alg));
    else
        json_object_del(jwk, "alg");
    json_t *set = json_pack("{s:[o]}", "keys", jwk);
    char *text = json_dumps(set, JSON_COMPACT);
    idp_jwks_t *s = NULL;
    assert_int_equal(idp_jwks_parse(text, strlen(text), &s), IDP_OK);
    assert_int_equal(idp_jwks_count(s), 1);
    free(text);
    json_decref(set);
    return s;
}

/* The same RSA key pair as @p k, signing with @p alg. */
static idp_jose_key_t *same_key_as(const idp_jose_key_t *k, idp_alg_t alg)
{
    unsigned char *der;
    size_t len;
    idp_jose_key_t *out = NULL;
    assert_int_equal(idp_jose_key_private_der(k, &der, &len), IDP_OK);
    assert_int_equal(idp_jose_key_from_der(alg, der, len, &out), IDP_OK);
    OPENSSL_cleanse(der, len);
    free(der);
    /* RFC 7638: the thumbprint is of the key, whatever the algorithm */
    assert_string_equal(idp_jose_key_kid(out), idp_jose_key_kid(k));
    return out;
}

/* RFC 7517 §4.4: an RSA JWK whose "alg" is RS256 verifies only RS256, one whose "alg" is PS256 only PS256, and
 * one without "alg" either; the key pair and the kid are the same throughout, only the JWK's "alg" differs. */
static void verify_holds_rsa_key_to_its_alg(void **state)
{
    fixture_t *f = *state;
    idp_jose_key_t *pss = same_key_as(f->rsa, IDP_ALG_PS256);
    char *rs, *ps;
    assert_int_equal(idp_jwt_sign(f->rsa, NULL, claims, &rs), IDP_OK);
    assert_int_equal(idp_jwt_sign(pss, NULL, claims, &ps), IDP_OK);
    idp_jwks_t *as_rs = set_with_alg(f->rsa, "RS256"), *as_ps = set_with_alg(f->rsa, "PS256"),
               *either = set_with_alg(f->rsa, NULL);
    /* a PS256 signature by a key published for RS256 is refused, and an RS256 one by a key published for PS256 */
    assert_int_equal(verify(as_rs, ps), IDP_E_INVALID_GRANT);
    assert_int_equal(verify(as_ps, rs), IDP_E_INVALID_GRANT);
    /* the controls: each with the key published for its own alg, and both without "alg" */
    assert_int_equal(verify(as_rs, rs), IDP_OK);
    assert_int_equal(verify(as_ps, ps), IDP_OK);
    assert_int_equal(verify(either, rs), IDP_OK);
    assert_int_equal(verify(either, ps), IDP_OK);
    /* the fixture's set publishes f->rsa as RS256 (our JWKs carry "alg") */
    assert_int_equal(verify(f->jwks, ps), IDP_E_INVALID_GRANT);
    idp_jwks_free(as_rs);
    idp_jwks_free(as_ps);
    idp_jwks_free(either);
    free(rs);
    free(ps);
    idp_jose_key_free(pss);
}

/* RFC 7518 §3.3, §3.5: the header's alg says which padding the signature has; a PKCS#1 v1.5 signature under
 * "alg":"PS256" is refused, and a PSS signature under "alg":"RS256", even by a key that allows both. */
static void verify_refuses_rsa_padding_other_than_alg(void **state)
{
    fixture_t *f = *state;
    idp_jose_key_t *pss = same_key_as(f->rsa, IDP_ALG_PS256);
    idp_jwks_t *either = set_with_alg(f->rsa, NULL);
    char header[256], *token;
    header_for(header, sizeof(header), "PS256", idp_jose_key_kid(f->rsa));
    token = sign_raw(f->rsa, header, claims); /* PKCS#1 v1.5 */
    assert_int_equal(verify(either, token), IDP_E_INVALID_GRANT);
    free(token);
    token = sign_raw(pss, header, claims); /* the control: PSS */
    assert_int_equal(verify(either, token), IDP_OK);
    free(token);
    header_for(header, sizeof(header), "RS256", idp_jose_key_kid(f->rsa));
    token = sign_raw(pss, header, claims);
    assert_int_equal(verify(either, token), IDP_E_INVALID_GRANT);
    free(token);
    token = sign_raw(f->rsa, header, claims);
    assert_int_equal(verify(either, token), IDP_OK);
    free(token);
    idp_jwks_free(either);
    idp_jose_key_free(pss);
}

/* A PS256 JWS signed by OpenSSL directly over the header @p header, with salt length @p saltlen and MGF1 with
 * @p mgf1; malloc'ed. */
static char *pss_token(const idp_jose_key_t *k, const char *header, int saltlen, const EVP_MD *mgf1)
{
    unsigned char *der, sig[512];
    size_t len, siglen = sizeof(sig);
    assert_int_equal(idp_jose_key_private_der(k, &der, &len), IDP_OK);
    const unsigned char *p = der;
    EVP_PKEY *pkey = d2i_AutoPrivateKey(NULL, &p, (long)len);
    assert_non_null(pkey);
    OPENSSL_cleanse(der, len);
    free(der);
    char *unsigned_token = compact(header, strlen(header), claims, strlen(claims), NULL, 0);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    assert_int_equal(EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL, pkey), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mgf1), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, saltlen), 1);
    assert_int_equal(
        EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)unsigned_token, strlen(unsigned_token) - 1), 1);
    char *token = compact(header, strlen(header), claims, strlen(claims), sig, siglen);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    free(unsigned_token);
    return token;
}

/* RFC 7518 §3.5: "The size of the salt value is the same size as the hash function output", so a PSS signature
 * with any other salt (valid RSASSA-PSS all the same) is refused, as is one with MGF1 over SHA-1. */
static void verify_refuses_ps256_other_salt_or_mgf(void **state)
{
    fixture_t *f = *state;
    char header[256], *token;
    header_for(header, sizeof(header), "PS256", idp_jose_key_kid(f->ps));
    /* the control: OpenSSL's own PSS with RFC 7518's parameters */
    token = pss_token(f->ps, header, 32, EVP_sha256());
    assert_int_equal(verify(f->jwks, token), IDP_OK);
    free(token);
    /* 0, SHA-1's 20, 31, 33 and the longest salt a 2048-bit key has room for (256 - 32 - 2) */
    for (const int *s = (const int[]){0, 20, 31, 33, RSA_PSS_SALTLEN_MAX, -100}; *s != -100; s++) {
        token = pss_token(f->ps, header, *s, EVP_sha256());
        if (verify(f->jwks, token) != IDP_E_INVALID_GRANT)
            fail_msg("a PSS signature with salt length %d was accepted", *s);
        free(token);
    }
    token = pss_token(f->ps, header, 32, EVP_sha1());
    assert_int_equal(verify(f->jwks, token), IDP_E_INVALID_GRANT);
    free(token);
}

/* The JWKS document our keyset publishes is one idp_jwks_parse reads. */
static void verify_accepts_keyset_jwks(void **state)
{
    idp_jose_key_t *k;
    char *token;
    size_t len;
    idp_jwks_t *s;
    assert_int_equal(idp_jose_key_generate(IDP_ALG_ES256, &k), IDP_OK);
    assert_int_equal(idp_jwt_sign(k, NULL, claims, &token), IDP_OK);
    idp_keyset_t *ks = idp_keyset_new();
    assert_int_equal(idp_keyset_add(ks, k, IDP_KEY_ACTIVE, 1), IDP_OK);
    assert_int_equal(idp_keyset_seal(ks), IDP_OK);
    const char *text = idp_keyset_jwks(ks, &len);
    assert_int_equal(idp_jwks_parse(text, len, &s), IDP_OK);
    assert_int_equal(idp_jwks_count(s), 1);
    assert_int_equal(verify(s, token), IDP_OK);
    idp_jwks_free(s);
    idp_keyset_release(ks);
    free(token);
}

/* libjwt, an independent implementation, signs a token that we verify. */
static void check_libjwt_token(const fixture_t *f, const idp_jose_key_t *k)
{
    unsigned char *der;
    size_t len;
    assert_int_equal(idp_jose_key_private_der(k, &der, &len), IDP_OK);
    const unsigned char *p = der;
    EVP_PKEY *pkey = d2i_AutoPrivateKey(NULL, &p, (long)len);
    assert_non_null(pkey);
    OPENSSL_cleanse(der, len);
    free(der);
    BIO *bio = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL), 1);
    char *pem;
    long pem_len = BIO_get_mem_data(bio, &pem);
    assert_true(pem_len > 0);

    jwt_t *jwt = NULL;
    assert_int_equal(jwt_new(&jwt), 0);
    assert_int_equal(jwt_set_alg(jwt, idp_jose_key_alg(k) == IDP_ALG_RS256 ? JWT_ALG_RS256 : JWT_ALG_ES256,
                                 (const unsigned char *)pem, (int)pem_len),
                     0);
    assert_int_equal(jwt_add_header(jwt, "kid", idp_jose_key_kid(k)), 0);
    assert_int_equal(jwt_add_grant(jwt, "iss", "https://libjwt.example"), 0);
    char *token = jwt_encode_str(jwt);
    assert_non_null(token);

    json_t *h, *pl;
    assert_int_equal(idp_jws_verify(f->jwks, token, &h, &pl), IDP_OK);
    assert_string_equal(json_string_value(json_object_get(h, "kid")), idp_jose_key_kid(k));
    assert_string_equal(json_string_value(json_object_get(pl, "iss")), "https://libjwt.example");
    json_decref(h);
    json_decref(pl);
    /* and the same token with one signature bit flipped does not */
    char *bad = flip_signature_bit(token);
    assert_int_equal(verify(f->jwks, bad), IDP_E_INVALID_GRANT);
    free(bad);

    free(token); /* libjwt 1.10 has no jwt_free_str; jwt_encode_str mallocs */
    jwt_free(jwt);
    BIO_free(bio);
    EVP_PKEY_free(pkey);
}

static void verify_accepts_libjwt_rs256_token(void **state)
{
    check_libjwt_token(*state, ((fixture_t *)*state)->rsa);
}

static void verify_accepts_libjwt_es256_token(void **state)
{
    check_libjwt_token(*state, ((fixture_t *)*state)->ec);
}

/* The signed header and signature with a payload that was not signed. */
static void check_tampered_payload(const fixture_t *f, const idp_jose_key_t *k)
{
    char *token, *forged;
    assert_int_equal(idp_jwt_sign(k, NULL, "{\"sub\":\"alice\"}", &token), IDP_OK);
    assert_int_equal(verify(f->jwks, token), IDP_OK);
    char *d1 = strchr(token, '.'), *d2 = strrchr(token, '.');
    char *p = idp_b64url_encode_new((const unsigned char *)"{\"sub\":\"admin\"}", 15);
    size_t cap = strlen(token) + strlen(p) + 1;
    forged = malloc(cap);
    assert_non_null(forged);
    snprintf(forged, cap, "%.*s.%s%s", (int)(d1 - token), token, p, d2);
    assert_int_equal(verify(f->jwks, forged), IDP_E_INVALID_GRANT);
    /* one character of the payload changed in place */
    snprintf(forged, cap, "%s", token);
    forged[d1 - token + 2] = forged[d1 - token + 2] == 'A' ? 'B' : 'A';
    assert_int_equal(verify(f->jwks, forged), IDP_E_INVALID_GRANT);
    free(p);
    free(forged);
    free(token);
}

static void verify_refuses_tampered_payload(void **state)
{
    fixture_t *f = *state;
    check_tampered_payload(f, f->rsa);
    check_tampered_payload(f, f->ec);
    check_tampered_payload(f, f->ps);
}

static void verify_refuses_tampered_signature(void **state)
{
    fixture_t *f = *state;
    for (const idp_jose_key_t *const *k = (const idp_jose_key_t *const[]){f->rsa, f->ec, f->ps, NULL}; *k; k++) {
        char *token, *bad;
        assert_int_equal(idp_jwt_sign(*k, NULL, claims, &token), IDP_OK);
        bad = flip_signature_bit(token);
        assert_int_equal(verify(f->jwks, bad), IDP_E_INVALID_GRANT);
        free(bad);
        /* a signature cut short, or with a byte appended */
        char *d2 = strrchr(token, '.');
        unsigned char sig[600];
        size_t n;
        assert_int_equal(idp_b64url_decode(d2 + 1, strlen(d2 + 1), sig, sizeof(sig), &n), IDP_OK);
        *d2 = '\0';
        char *enc = idp_b64url_encode_new(sig, n - 1);
        size_t cap = strlen(token) + strlen(enc) + 8;
        bad = malloc(cap);
        snprintf(bad, cap, "%s.%s", token, enc);
        assert_int_equal(verify(f->jwks, bad), IDP_E_INVALID_GRANT);
        free(enc);
        free(bad);
        sig[n] = 0;
        enc = idp_b64url_encode_new(sig, n + 1);
        cap = strlen(token) + strlen(enc) + 8;
        bad = malloc(cap);
        snprintf(bad, cap, "%s.%s", token, enc);
        assert_int_equal(verify(f->jwks, bad), IDP_E_INVALID_GRANT);
        free(enc);
        free(bad);
        free(token);
    }
}

/* RFC 7518 §3.4: a DER-encoded ECDSA signature is not a JWS signature. */
static void verify_refuses_der_es256_signature(void **state)
{
    fixture_t *f = *state;
    char header[256];
    header_for(header, sizeof(header), "ES256", idp_jose_key_kid(f->ec));
    char *unsigned_token = compact(header, strlen(header), claims, strlen(claims), NULL, 0);
    unsigned char rs[64], der[80];
    size_t n;
    assert_int_equal(idp_jose_key_sign(f->ec, unsigned_token, strlen(unsigned_token) - 1, rs, &n), IDP_OK);
    ECDSA_SIG *es = ECDSA_SIG_new();
    assert_int_equal(ECDSA_SIG_set0(es, BN_bin2bn(rs, 32, NULL), BN_bin2bn(rs + 32, 32, NULL)), 1);
    unsigned char *p = der;
    int dlen = i2d_ECDSA_SIG(es, &p);
    assert_true(dlen > 0);
    char *token = compact(header, strlen(header), claims, strlen(claims), der, (size_t)dlen);
    assert_int_equal(verify(f->jwks, token), IDP_E_INVALID_GRANT);
    free(token);
    /* the same signature as R || S verifies */
    token = compact(header, strlen(header), claims, strlen(claims), rs, n);
    assert_int_equal(verify(f->jwks, token), IDP_OK);
    free(token);
    ECDSA_SIG_free(es);
    free(unsigned_token);
}

/* RFC 8725 §3.1: "none" is never accepted, whatever the signature part holds. */
static void verify_refuses_alg_none(void **state)
{
    fixture_t *f = *state;
    for (const char *const *alg = (const char *const[]){"none", "None", "NONE", "", NULL}; *alg; alg++) {
        char header[256];
        header_for(header, sizeof(header), *alg, idp_jose_key_kid(f->ec));
        char *token = compact(header, strlen(header), claims, strlen(claims), NULL, 0);
        assert_int_equal(verify(f->jwks, token), IDP_E_INVALID_GRANT);
        free(token);
        /* with a real ES256 signature over the same input */
        token = sign_raw(f->ec, header, claims);
        assert_int_equal(verify(f->jwks, token), IDP_E_INVALID_GRANT);
        free(token);
    }
}

/* RFC 8725 §2.1, §3.1: an HMAC keyed with the public key (algorithm confusion) is refused. */
static void verify_refuses_hs256(void **state)
{
    fixture_t *f = *state;
    char *pem = idp_jose_key_public_pem_new(f->rsa);
    assert_non_null(pem);
    const char *secrets[] = {pem, idp_jose_key_public_jwk(f->rsa), idp_jose_key_public_jwk(f->ec)};
    for (const char *const *alg = (const char *const[]){"HS256", "HS384", "HS512", NULL}; *alg; alg++)
        for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
            char header[256];
            header_for(header, sizeof(header), *alg, i == 2 ? idp_jose_key_kid(f->ec) : idp_jose_key_kid(f->rsa));
            char *unsigned_token = compact(header, strlen(header), claims, strlen(claims), NULL, 0);
            unsigned char mac[EVP_MAX_MD_SIZE];
            unsigned int maclen;
            assert_non_null(HMAC(EVP_sha256(), secrets[i], (int)strlen(secrets[i]),
                                 (const unsigned char *)unsigned_token, strlen(unsigned_token) - 1, mac, &maclen));
            char *token = compact(header, strlen(header), claims, strlen(claims), mac, maclen);
            assert_int_equal(verify(f->jwks, token), IDP_E_INVALID_GRANT);
            free(token);
            free(unsigned_token);
        }
    /* other algorithms we do not allow, even with a valid signature from the named key */
    for (const char *const *alg = (const char *const[]){"RS384", "PS384", "ES384", "ES256K", "EdDSA", "es256", NULL};
         *alg; alg++) {
        char header[256];
        header_for(header, sizeof(header), *alg, idp_jose_key_kid(f->ec));
        char *token = sign_raw(f->ec, header, claims);
        assert_int_equal(verify(f->jwks, token), IDP_E_INVALID_GRANT);
        free(token);
    }
    free(pem);
}

/* RFC 7515 §4.1.4: "kid" selects the key; a valid signature under another kid does not count. */
static void verify_refuses_unknown_kid(void **state)
{
    fixture_t *f = *state;
    char header[256];
    char *token;
    header_for(header, sizeof(header), "ES256", "unknown");
    token = sign_raw(f->ec, header, claims);
    assert_int_equal(verify(f->jwks, token), IDP_E_INVALID_GRANT);
    free(token);
    /* the kid of a key of the other type */
    header_for(header, sizeof(header), "ES256", idp_jose_key_kid(f->rsa));
    token = sign_raw(f->ec, header, claims);
    assert_int_equal(verify(f->jwks, token), IDP_E_INVALID_GRANT);
    free(token);
    /* the right kid with an alg that does not match the key's type */
    header_for(header, sizeof(header), "RS256", idp_jose_key_kid(f->ec));
    token = sign_raw(f->ec, header, claims);
    assert_int_equal(verify(f->jwks, token), IDP_E_INVALID_GRANT);
    free(token);
    /* without a kid, every key of the alg's type is tried */
    for (const idp_jose_key_t *const *k = (const idp_jose_key_t *const[]){f->rsa, f->ec, NULL}; *k; k++) {
        header_for(header, sizeof(header), idp_alg_name(idp_jose_key_alg(*k)), NULL);
        token = sign_raw(*k, header, claims);
        assert_int_equal(verify(f->jwks, token), IDP_OK);
        free(token);
    }
    /* a kid is not looked up in a set where the key has none */
    json_t *jwk = json_loads(idp_jose_key_public_jwk(f->ec), 0, NULL);
    json_object_del(jwk, "kid");
    char *jwk_text = json_dumps(jwk, JSON_COMPACT);
    char set[1024];
    snprintf(set, sizeof(set), "{\"keys\":[%s]}", jwk_text);
    idp_jwks_t *s;
    assert_int_equal(idp_jwks_parse(set, strlen(set), &s), IDP_OK);
    assert_int_equal(idp_jwks_count(s), 1);
    header_for(header, sizeof(header), "ES256", idp_jose_key_kid(f->ec));
    token = sign_raw(f->ec, header, claims);
    assert_int_equal(verify(s, token), IDP_E_INVALID_GRANT);
    free(token);
    header_for(header, sizeof(header), "ES256", NULL);
    token = sign_raw(f->ec, header, claims);
    assert_int_equal(verify(s, token), IDP_OK);
    free(token);
    idp_jwks_free(s);
    free(jwk_text);
    json_decref(jwk);
}

/* A key that is not in the set, or another key published under the signer's kid. */
static void verify_refuses_wrong_key(void **state)
{
    fixture_t *f = *state;
    const idp_jose_key_t *pairs[][2] = {{f->rsa, f->rsa_other}, {f->ec, f->ec_other}};
    for (size_t i = 0; i < 2; i++) {
        const idp_jose_key_t *good = pairs[i][0], *other = pairs[i][1];
        char header[256], *token;
        /* signed by a key the set does not hold, with its own kid and with none */
        assert_int_equal(idp_jwt_sign(other, NULL, claims, &token), IDP_OK);
        assert_int_equal(verify(f->jwks, token), IDP_E_INVALID_GRANT);
        free(token);
        header_for(header, sizeof(header), idp_alg_name(idp_jose_key_alg(other)), NULL);
        token = sign_raw(other, header, claims);
        assert_int_equal(verify(f->jwks, token), IDP_E_INVALID_GRANT);
        free(token);
        /* signed by another key but claiming the good key's kid */
        header_for(header, sizeof(header), idp_alg_name(idp_jose_key_alg(other)), idp_jose_key_kid(good));
        token = sign_raw(other, header, claims);
        assert_int_equal(verify(f->jwks, token), IDP_E_INVALID_GRANT);
        free(token);
        /* a set that publishes the other key under the good key's kid */
        json_t *jwk = json_loads(idp_jose_key_public_jwk(other), 0, NULL);
        json_object_set_new(jwk, "kid", json_string(idp_jose_key_kid(good)));
        json_t *set = json_pack("{s:[o]}", "keys", jwk);
        char *text = json_dumps(set, JSON_COMPACT);
        idp_jwks_t *s;
        assert_int_equal(idp_jwks_parse(text, strlen(text), &s), IDP_OK);
        assert_int_equal(idp_jwks_count(s), 1);
        assert_int_equal(idp_jwt_sign(good, NULL, claims, &token), IDP_OK);
        assert_int_equal(verify(s, token), IDP_E_INVALID_GRANT);
        free(token);
        idp_jwks_free(s);
        free(text);
        json_decref(set);
    }
}

static void verify_refuses_wrong_part_count(void **state)
{
    fixture_t *f = *state;
    char *token;
    assert_int_equal(idp_jwt_sign(f->ec, NULL, claims, &token), IDP_OK);
    size_t n = strlen(token);
    char *buf = malloc(n + 16);
    const char *d2 = strrchr(token, '.');
    /* two parts: the signature dropped, with and without its dot */
    snprintf(buf, n + 16, "%.*s", (int)(d2 - token), token);
    assert_int_equal(verify(f->jwks, buf), IDP_E_INVALID_REQUEST);
    snprintf(buf, n + 16, "%.*s", (int)(d2 - token) + 1, token);
    assert_int_equal(verify(f->jwks, buf), IDP_E_INVALID_GRANT); /* three parts, empty signature */
    /* four parts */
    snprintf(buf, n + 16, "%s.AAAA", token);
    assert_int_equal(verify(f->jwks, buf), IDP_E_INVALID_REQUEST);
    snprintf(buf, n + 16, "%s.", token);
    assert_int_equal(verify(f->jwks, buf), IDP_E_INVALID_REQUEST);
    snprintf(buf, n + 16, ".%s", token);
    assert_int_equal(verify(f->jwks, buf), IDP_E_INVALID_REQUEST);
    for (const char *const *t = (const char *const[]){"", ".", "..", "...", "a", "a.b", "a.b.c.d", "e30", NULL}; *t;
         t++)
        assert_int_equal(verify(f->jwks, *t), IDP_E_INVALID_REQUEST);
    assert_int_equal(verify(f->jwks, token), IDP_OK);
    /* NULL arguments */
    assert_int_equal(idp_jws_verify(NULL, token, NULL, NULL), IDP_E_INVALID_REQUEST);
    assert_int_equal(idp_jws_verify(f->jwks, NULL, NULL, NULL), IDP_E_INVALID_REQUEST);
    free(buf);
    free(token);
}

/* RFC 7515 §2: base64url without padding, whitespace or other characters, in every part. */
static void verify_refuses_bad_base64(void **state)
{
    fixture_t *f = *state;
    char *token;
    assert_int_equal(idp_jwt_sign(f->rsa, NULL, claims, &token), IDP_OK);
    size_t n = strlen(token);
    size_t dots[3] = {(size_t)(strchr(token, '.') - token), (size_t)(strrchr(token, '.') - token), n};
    char *buf = malloc(n + 4);
    for (size_t part = 0; part < 3; part++) {
        /* a character inserted at the end of the part */
        for (const char *c = "=+/ \n%*"; *c; c++) {
            memcpy(buf, token, dots[part]);
            buf[dots[part]] = *c;
            memcpy(buf + dots[part] + 1, token + dots[part], n - dots[part] + 1);
            assert_int_equal(verify(f->jwks, buf), IDP_E_INVALID_REQUEST);
        }
        /* the part's first character replaced by one outside the alphabet */
        size_t start = part == 0 ? 0 : dots[part - 1] + 1;
        memcpy(buf, token, n + 1);
        buf[start] = '+';
        assert_int_equal(verify(f->jwks, buf), IDP_E_INVALID_REQUEST);
        buf[start] = '\x80';
        assert_int_equal(verify(f->jwks, buf), IDP_E_INVALID_REQUEST);
    }
    /* RFC 4648 §3.5: the RS256 signature (256 bytes, 342 characters) with a non-zero unused bit */
    memcpy(buf, token, n + 1);
    buf[n - 1] = buf[n - 1] == 'A' ? 'B' : buf[n - 1] == 'Q' ? 'R' : buf[n - 1] == 'g' ? 'h' : 'x';
    assert_int_equal(verify(f->jwks, buf), IDP_E_INVALID_REQUEST);
    /* an impossible length: one character more than a multiple of 4 */
    char *h = idp_b64url_encode_new((const unsigned char *)"{\"alg\":\"RS256\"}", 15); /* 20 characters */
    snprintf(buf, n + 4, "%sA%s", h, token + dots[0]);
    assert_int_equal(verify(f->jwks, buf), IDP_E_INVALID_REQUEST);
    free(h);
    free(buf);
    free(token);
}

/* RFC 7515 §5.2 steps 3-4: the header is a JSON object with a string "alg"; a string "kid" if any. */
static void verify_refuses_non_object_header(void **state)
{
    fixture_t *f = *state;
    char kid_hdr[256];
    snprintf(kid_hdr, sizeof(kid_hdr), "{\"alg\":\"ES256\",\"kid\":\"%s\",\"alg\":\"ES256\"}", idp_jose_key_kid(f->ec));
    const char *headers[] = {
        "[\"ES256\"]",
        "\"ES256\"",
        "null",
        "1",
        "true",
        "",
        "{",
        "{\"alg\":\"ES256\"",
        "{\"alg\":\"ES256\"}x",
        "{\"alg\":\"ES256\"} {}",
        "{\"alg\":null}",
        "{\"alg\":[\"ES256\"]}",
        "{\"alg\":256}",
        "{}",
        "{\"typ\":\"JWT\"}",
        "{\"alg\":\"ES256\",\"kid\":1}",
        "{\"alg\":\"ES256\",\"kid\":null}",
        "{\"alg\":\"ES256\",\"alg\":\"ES256\"}",
        kid_hdr,
        "{\"alg\":\"ES\\u0000256\"}",
        "{\"alg\":\"ES256\xff\"}",
    };
    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        char *token = sign_raw(f->ec, headers[i], claims);
        if (verify(f->jwks, token) != IDP_E_INVALID_REQUEST)
            fail_msg("header %s was not refused as malformed", headers[i]);
        free(token);
    }
    /* a header with an embedded NUL byte */
    char *token = compact("{\"alg\":\"ES256\"}\0", 16, claims, strlen(claims), NULL, 0);
    assert_int_equal(verify(f->jwks, token), IDP_E_INVALID_REQUEST);
    free(token);
    /* the control: the same signer with a well-formed header */
    token = sign_raw(f->ec, "{\"alg\":\"ES256\"}", claims);
    assert_int_equal(verify(f->jwks, token), IDP_OK);
    free(token);
}

/* RFC 7515 §4.1.11: we understand no extension, so any "crit" makes the token invalid. */
static void verify_refuses_crit_header(void **state)
{
    fixture_t *f = *state;
    const char *kid = idp_jose_key_kid(f->ec);
    const char *extras[] = {
        "\"crit\":[\"exp\"],\"exp\":1",     "\"crit\":[]",  "\"crit\":null",
        "\"crit\":[\"b64\"],\"b64\":false", "\"b64\":true",
    };
    char header[256];
    for (size_t i = 0; i < sizeof(extras) / sizeof(extras[0]); i++) {
        snprintf(header, sizeof(header), "{\"alg\":\"ES256\",\"kid\":\"%s\",%s}", kid, extras[i]);
        char *token = sign_raw(f->ec, header, claims);
        assert_int_equal(verify(f->jwks, token), IDP_E_INVALID_GRANT);
        free(token);
    }
    /* the control: an extra parameter that is not critical is fine */
    snprintf(header, sizeof(header), "{\"alg\":\"ES256\",\"kid\":\"%s\",\"exp\":1}", kid);
    char *token = sign_raw(f->ec, header, claims);
    assert_int_equal(verify(f->jwks, token), IDP_OK);
    free(token);
}

/* RFC 7519 §7.2 step 10: the (verified) payload must be a JSON object. */
static void verify_refuses_non_object_payload(void **state)
{
    fixture_t *f = *state;
    char header[256];
    header_for(header, sizeof(header), "ES256", idp_jose_key_kid(f->ec));
    for (const char *const *p = (const char *const[]){"[]", "\"x\"", "1", "", "{", "{\"a\":1,\"a\":2}", "{} {}", NULL};
         *p; p++) {
        char *token = sign_raw(f->ec, header, *p);
        assert_int_equal(verify(f->jwks, token), IDP_E_INVALID_REQUEST);
        free(token);
    }
}

/* A validly signed ES256 token of exactly @p target characters (payload padded with a claim). */
static char *token_of_length(const fixture_t *f, size_t target)
{
    char header[256];
    header_for(header, sizeof(header), "ES256", idp_jose_key_kid(f->ec));
    size_t fixed = idp_b64url_encoded_len(strlen(header)) + 2 + idp_b64url_encoded_len(64);
    /* payload {"pad":"xxx..."} is 10 bytes plus the filler */
    for (size_t fill = 0; fill < target; fill++) {
        if (fixed + idp_b64url_encoded_len(10 + fill) != target)
            continue;
        char *payload = malloc(fill + 11);
        memcpy(payload, "{\"pad\":\"", 8);
        memset(payload + 8, 'x', fill);
        memcpy(payload + 8 + fill, "\"}", 3);
        char *token = sign_raw(f->ec, header, payload);
        free(payload);
        assert_int_equal(strlen(token), target);
        return token;
    }
    fail_msg("no token of %zu characters", target);
    return NULL;
}

static void verify_refuses_oversize_token(void **state)
{
    fixture_t *f = *state;
    char *token = token_of_length(f, IDP_JWS_MAX_BYTES);
    assert_int_equal(verify(f->jwks, token), IDP_OK);
    free(token);
    token = token_of_length(f, IDP_JWS_MAX_BYTES + 1);
    assert_int_equal(verify(f->jwks, token), IDP_E_INVALID_REQUEST);
    free(token);
    /* a megabyte of base64url characters, not NUL-terminated early */
    size_t n = 1 << 20;
    char *big = malloc(n + 1);
    memset(big, 'A', n);
    big[100] = big[200] = '.';
    big[n] = '\0';
    assert_int_equal(verify(f->jwks, big), IDP_E_INVALID_REQUEST);
    free(big);
}

/* RFC 7517 §5: a JWK Set is an object with a "keys" array of JWK objects. */
static void jwks_parse_refuses_malformed(void **state)
{
    const char *bad[] = {
        "",
        " ",
        "null",
        "not json",
        "[]",
        "{}",
        "{\"keys\":{}}",
        "{\"keys\":null}",
        "{\"keys\":\"[]\"}",
        "{\"keys\":[1]}",
        "{\"keys\":[\"x\"]}",
        "{\"keys\":[[]]}",
        "{\"keys\":[null]}",
        "{\"keys\":[]} x",
        "{\"keys\":[],\"keys\":[]}",
        "{\"keys\":[{\"kty\":\"EC\",\"kty\":\"EC\"}]}",
        "{\"keys\":[",
        "\xff",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (jwks_parse_str(bad[i], NULL) != IDP_E_INVALID_REQUEST)
            fail_msg("JWKS %s was not refused", bad[i]);
    idp_jwks_t *s = NULL;
    assert_int_equal(idp_jwks_parse(NULL, 0, &s), IDP_E_INVALID_REQUEST);
    assert_null(s);
    /* an embedded NUL: the length counts, not strlen */
    assert_int_equal(idp_jwks_parse("{\"keys\":[]}\0x", 13, &s), IDP_E_INVALID_REQUEST);
    assert_int_equal(idp_jwks_parse("{\"keys\":[]}\0x", 11, &s), IDP_OK);
    assert_int_equal(idp_jwks_count(s), 0);
    idp_jwks_free(s);
    s = NULL;
    /* too many entries, and too many bytes */
    size_t cap = IDP_JWKS_MAX_BYTES + 64;
    char *text = malloc(cap);
    size_t o = (size_t)snprintf(text, cap, "{\"keys\":[{}");
    for (int i = 1; i < IDP_JWKS_MAX_KEYS; i++)
        o += (size_t)snprintf(text + o, cap - o, ",{}");
    snprintf(text + o, cap - o, "]}");
    size_t count = 99;
    assert_int_equal(jwks_parse_str(text, &count), IDP_OK);
    assert_int_equal(count, 0);
    snprintf(text + o, cap - o, ",{}]}");
    assert_int_equal(jwks_parse_str(text, NULL), IDP_E_INVALID_REQUEST);
    o = (size_t)snprintf(text, cap, "{\"keys\":[],\"x\":\"");
    memset(text + o, 'x', IDP_JWKS_MAX_BYTES);
    snprintf(text + IDP_JWKS_MAX_BYTES - 2, cap - (IDP_JWKS_MAX_BYTES - 2), "\"}");
    assert_int_equal(strlen(text), IDP_JWKS_MAX_BYTES);
    assert_int_equal(jwks_parse_str(text, NULL), IDP_OK);
    snprintf(text + IDP_JWKS_MAX_BYTES - 2, cap - (IDP_JWKS_MAX_BYTES - 2), "x\"}");
    assert_int_equal(jwks_parse_str(text, NULL), IDP_E_INVALID_REQUEST);
    free(text);
}

/* An RSA public JWK built straight from an EVP_PKEY; malloc'ed. */
static char *rsa_jwk(EVP_PKEY *pkey, const char *kid)
{
    BIGNUM *n = NULL, *e = NULL;
    unsigned char nb[1024], eb[16];
    assert_int_equal(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n), 1);
    assert_int_equal(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e), 1);
    int nl = BN_bn2bin(n, nb), el = BN_bn2bin(e, eb);
    char *ns = idp_b64url_encode_new(nb, (size_t)nl), *es = idp_b64url_encode_new(eb, (size_t)el);
    size_t cap = strlen(ns) + strlen(es) + strlen(kid) + 64;
    char *out = malloc(cap);
    snprintf(out, cap, "{\"kty\":\"RSA\",\"kid\":\"%s\",\"n\":\"%s\",\"e\":\"%s\"}", kid, ns, es);
    free(ns);
    free(es);
    BN_free(n);
    BN_free(e);
    return out;
}

/* RFC 7518 §3.3: an RSA key under 2048 bits is ignored, so its tokens do not verify. */
static void jwks_ignores_short_rsa_key(void **state)
{
    fixture_t *f = *state;
    EVP_PKEY *weak = EVP_RSA_gen(1024);
    assert_non_null(weak);
    char *weak_jwk = rsa_jwk(weak, "weak");
    /* the control: the same builder on our 2048-bit key gives a usable JWK */
    unsigned char *der;
    size_t len;
    assert_int_equal(idp_jose_key_private_der(f->rsa, &der, &len), IDP_OK);
    const unsigned char *p = der;
    EVP_PKEY *strong = d2i_AutoPrivateKey(NULL, &p, (long)len);
    OPENSSL_cleanse(der, len);
    free(der);
    char *strong_jwk = rsa_jwk(strong, "strong");
    char set[4096];
    size_t count = 99;
    snprintf(set, sizeof(set), "{\"keys\":[%s]}", weak_jwk);
    assert_int_equal(jwks_parse_str(set, &count), IDP_OK);
    assert_int_equal(count, 0);
    snprintf(set, sizeof(set), "{\"keys\":[%s,%s]}", weak_jwk, strong_jwk);
    assert_int_equal(jwks_parse_str(set, &count), IDP_OK);
    assert_int_equal(count, 1);

    /* a token the 1024-bit key signed */
    idp_jwks_t *s;
    assert_int_equal(idp_jwks_parse(set, strlen(set), &s), IDP_OK);
    const char *header = "{\"alg\":\"RS256\",\"kid\":\"weak\"}";
    char *unsigned_token = compact(header, strlen(header), claims, strlen(claims), NULL, 0);
    unsigned char sig[256];
    size_t siglen = sizeof(sig);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, weak), 1);
    assert_int_equal(
        EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)unsigned_token, strlen(unsigned_token) - 1), 1);
    char *token = compact(header, strlen(header), claims, strlen(claims), sig, siglen);
    assert_int_equal(verify(s, token), IDP_E_INVALID_GRANT);
    free(token);
    /* and the same signature without a kid */
    header = "{\"alg\":\"RS256\"}";
    free(unsigned_token);
    unsigned_token = compact(header, strlen(header), claims, strlen(claims), NULL, 0);
    siglen = sizeof(sig);
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, weak), 1);
    assert_int_equal(
        EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)unsigned_token, strlen(unsigned_token) - 1), 1);
    token = compact(header, strlen(header), claims, strlen(claims), sig, siglen);
    assert_int_equal(verify(s, token), IDP_E_INVALID_GRANT);
    free(token);
    /* while the 2048-bit key's token, under its kid "strong", verifies */
    char *ours;
    assert_int_equal(idp_jwt_sign(f->rsa, NULL, claims, &ours), IDP_OK);
    assert_int_equal(verify(s, ours), IDP_E_INVALID_GRANT); /* its kid is the thumbprint, not "strong" */
    free(ours);
    header = "{\"alg\":\"RS256\",\"kid\":\"strong\"}";
    token = sign_raw(f->rsa, header, claims);
    assert_int_equal(verify(s, token), IDP_OK);
    free(token);

    free(unsigned_token);
    EVP_MD_CTX_free(ctx);
    idp_jwks_free(s);
    free(weak_jwk);
    free(strong_jwk);
    EVP_PKEY_free(weak);
    EVP_PKEY_free(strong);
}

/* RFC 7517 §5: JWKs we cannot or must not use are skipped, not fatal. */
static void jwks_ignores_unusable_keys(void **state)
{
    fixture_t *f = *state;
    json_t *ec = json_loads(idp_jose_key_public_jwk(f->ec), 0, NULL);
    json_t *rsa = json_loads(idp_jose_key_public_jwk(f->rsa), 0, NULL);
    json_t *keys = json_array();
    json_t *k;
    /* one change each to a valid JWK */
    struct {
        json_t *base;
        const char *member;
        json_t *value; /* NULL deletes the member */
    } edits[] = {
        {ec, "crv", json_string("P-384")},
        {ec, "crv", NULL},
        {ec, "x", json_string("AAAA")},
        {ec, "x", NULL},
        {ec, "y", json_integer(1)},
        {ec, "kty", json_string("OKP")},
        {ec, "kty", NULL},
        {ec, "use", json_string("enc")},
        {ec, "alg", json_string("RS256")},
        {ec, "alg", json_string("ES384")},
        {ec, "alg", json_string("PS256")},
        {ec, "key_ops", json_pack("[s]", "sign")},
        {ec, "key_ops", json_string("verify")},
        {ec, "kid", json_integer(7)},
        {rsa, "n", NULL},
        {rsa, "n", json_string("AQAB")},
        {rsa, "e", json_string("AQAA")}, /* 65536: even */
        {rsa, "e", json_string("AQ")},   /* 1 */
        {rsa, "e", json_string("AQAB=")},
        {rsa, "alg", json_string("ES256")},
        {rsa, "alg", json_string("PS384")},
        {rsa, "alg", json_string("ps256")},
        {rsa, "kty", json_string("oct")},
    };
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        k = json_deep_copy(edits[i].base);
        if (edits[i].value)
            json_object_set_new(k, edits[i].member, edits[i].value);
        else
            json_object_del(k, edits[i].member);
        json_array_append_new(keys, k);
    }
    /* a point off the curve: y with its last bit flipped */
    unsigned char y[40];
    size_t ylen;
    const char *ys = json_string_value(json_object_get(ec, "y"));
    assert_int_equal(idp_b64url_decode(ys, strlen(ys), y, sizeof(y), &ylen), IDP_OK);
    y[ylen - 1] ^= 1;
    char *ybad = idp_b64url_encode_new(y, ylen);
    k = json_deep_copy(ec);
    json_object_set_new(k, "y", json_string(ybad));
    json_array_append_new(keys, k);
    free(ybad);
    json_array_append_new(keys, json_pack("{s:s,s:s}", "kty", "oct", "k", "c2VjcmV0"));
    json_array_append_new(keys, json_object());

    json_t *set = json_pack("{s:O}", "keys", keys);
    char *text = json_dumps(set, JSON_COMPACT);
    size_t count = 99;
    assert_int_equal(jwks_parse_str(text, &count), IDP_OK);
    assert_int_equal(count, 0);
    free(text);
    /* the controls: the unedited keys, with optional members that allow them, are kept */
    k = json_deep_copy(ec);
    json_object_set_new(k, "key_ops", json_pack("[ss]", "sign", "verify"));
    json_array_append_new(keys, k);
    json_array_append(keys, rsa);
    text = json_dumps(set, JSON_COMPACT);
    idp_jwks_t *s;
    assert_int_equal(idp_jwks_parse(text, strlen(text), &s), IDP_OK);
    assert_int_equal(idp_jwks_count(s), 2);
    char *token;
    assert_int_equal(idp_jwt_sign(f->ec, NULL, claims, &token), IDP_OK);
    assert_int_equal(verify(s, token), IDP_OK);
    free(token);
    idp_jwks_free(s);
    free(text);
    json_decref(set);
    json_decref(keys);
    json_decref(ec);
    json_decref(rsa);
}

/* A small deterministic generator (no rand(): see check_sources.sh). */
static uint64_t next_random(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Hostile input: every prefix and thousands of one-byte mutations are refused, never crash. */
static void verify_survives_mutations(void **state)
{
    fixture_t *f = *state;
    const idp_jose_key_t *signers[] = {f->rsa, f->ec, f->ps};
    const char alphabet[] = "AQgw_-.09azZ=+/ \"{}\x80\xff";
    uint64_t seed = 0x5a6b4a2d5a6b4a2dULL;
    for (size_t i = 0; i < sizeof(signers) / sizeof(signers[0]); i++) {
        char *token;
        assert_int_equal(idp_jwt_sign(signers[i], NULL, claims, &token), IDP_OK);
        size_t n = strlen(token);
        char *buf = malloc(n + 1);
        for (size_t len = 0; len < n; len++) {
            memcpy(buf, token, len);
            buf[len] = '\0';
            assert_int_not_equal(verify(f->jwks, buf), IDP_OK);
        }
        for (int round = 0; round < 3000; round++) {
            memcpy(buf, token, n + 1);
            size_t at = (size_t)(next_random(&seed) % n);
            char c = alphabet[next_random(&seed) % (sizeof(alphabet) - 1)];
            if (c == buf[at])
                continue;
            buf[at] = c;
            assert_int_not_equal(verify(f->jwks, buf), IDP_OK);
        }
        free(buf);
        free(token);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verify_accepts_our_rs256_token),
        cmocka_unit_test(verify_accepts_our_es256_token),
        cmocka_unit_test(verify_accepts_our_ps256_token),
        cmocka_unit_test(verify_holds_rsa_key_to_its_alg),
        cmocka_unit_test(verify_refuses_rsa_padding_other_than_alg),
        cmocka_unit_test(verify_refuses_ps256_other_salt_or_mgf),
        cmocka_unit_test(verify_accepts_keyset_jwks),
        cmocka_unit_test(verify_accepts_libjwt_rs256_token),
        cmocka_unit_test(verify_accepts_libjwt_es256_token),
        cmocka_unit_test(verify_refuses_tampered_payload),
        cmocka_unit_test(verify_refuses_tampered_signature),
        cmocka_unit_test(verify_refuses_der_es256_signature),
        cmocka_unit_test(verify_refuses_alg_none),
        cmocka_unit_test(verify_refuses_hs256),
        cmocka_unit_test(verify_refuses_unknown_kid),
        cmocka_unit_test(verify_refuses_wrong_key),
        cmocka_unit_test(verify_refuses_wrong_part_count),
        cmocka_unit_test(verify_refuses_bad_base64),
        cmocka_unit_test(verify_refuses_non_object_header),
        cmocka_unit_test(verify_refuses_crit_header),
        cmocka_unit_test(verify_refuses_non_object_payload),
        cmocka_unit_test(verify_refuses_oversize_token),
        cmocka_unit_test(jwks_parse_refuses_malformed),
        cmocka_unit_test(jwks_ignores_short_rsa_key),
        cmocka_unit_test(jwks_ignores_unusable_keys),
        cmocka_unit_test(verify_survives_mutations),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

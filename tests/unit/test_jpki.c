/*
 * JPKI verification against the material keys/jpki-test-ca generates (ctest
 * fixture jpki_material), with the verification time pinned to its
 * generation time. Every reason code has a case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jpki/jpki.h"

static const char *dir; /* the material */
static time_t at;       /* pinned verification time */

typedef struct {
    unsigned char der[8192];
    size_t len;
} blob_t;

static void load_cert(const char *card, const char *which, blob_t *b)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/cards/%s/%s.pem", dir, card, which);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    unsigned char *p = b->der;
    b->len = (size_t)i2d_X509(x, &p);
    X509_free(x);
}

/* Signs as the card does: PKCS#1 v1.5 over the 51-byte SHA-256 DigestInfo, no hashing by the signer (jpki.md). */
static size_t card_sign(const char *card, const char *which, const unsigned char *msg, size_t n, unsigned char *sig)
{
    static const unsigned char prefix[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                           0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    unsigned char di[51];
    memcpy(di, prefix, sizeof(prefix));
    SHA256(msg, n, di + sizeof(prefix));
    char path[512];
    snprintf(path, sizeof(path), "%s/cards/%s/%s.key", dir, card, which);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(k);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k, NULL);
    size_t siglen = 512;
    assert_int_equal(EVP_PKEY_sign_init(c), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING), 1);
    assert_int_equal(EVP_PKEY_sign(c, sig, &siglen, di, sizeof(di)), 1);
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(k);
    return siglen;
}

static idp_jpki_trust_t *trust_with(const char *crl_dir)
{
    char path[512], err[256];
    idp_jpki_trust_t *t = idp_jpki_trust_new(true);
    static const char *const gens[] = {"g2019", "g2023"};
    for (int g = 0; g < 2; g++) {
        snprintf(path, sizeof(path), "%s/roots/auth-%s.pem", dir, gens[g]);
        assert_int_equal(idp_jpki_trust_add_roots(t, IDP_JPKI_AUTH, path, err, sizeof(err)), IDP_OK);
        snprintf(path, sizeof(path), "%s/roots/sign-%s.pem", dir, gens[g]);
        assert_int_equal(idp_jpki_trust_add_roots(t, IDP_JPKI_SIGN, path, err, sizeof(err)), IDP_OK);
    }
    if (crl_dir) {
        idp_jpki_revocation_t *rev;
        assert_int_equal(idp_jpki_crl_dir_new(crl_dir, &rev), IDP_OK);
        idp_jpki_trust_set_revocation(t, rev);
    }
    return t;
}

static idp_jpki_trust_t *trust(void)
{
    char crl[512];
    snprintf(crl, sizeof(crl), "%s/crl", dir);
    return trust_with(crl);
}

static const unsigned char nonce[IDP_JPKI_NONCE_BYTES] = {1, 2, 3};

/* Verifies @p card's @p which certificate, signed by its own key, as @p purpose at time @p when. */
static idp_jpki_reason_t check_at(idp_jpki_trust_t *t, const char *card, const char *which, idp_jpki_purpose_t purpose,
                                  time_t when, idp_jpki_result_t *res)
{
    blob_t b;
    unsigned char msg[IDP_JPKI_MESSAGE_MAX], sig[512];
    load_cert(card, which, &b);
    size_t n = idp_jpki_message(purpose, nonce, "client", "https://rp.example/cb", "n-0S6_WzA2Mj", msg);
    size_t s = card_sign(card, which, msg, n, sig);
    return idp_jpki_verify(t, purpose, b.der, b.len, msg, n, sig, s, when, res);
}

static idp_jpki_reason_t check(idp_jpki_trust_t *t, const char *card, const char *which, idp_jpki_purpose_t purpose)
{
    idp_jpki_result_t res;
    return check_at(t, card, which, purpose, at, &res);
}

static void valid_cards(void **state)
{
    idp_jpki_trust_t *t = trust();
    idp_jpki_result_t res;
    assert_int_equal(check_at(t, "sakai-taro", "auth", IDP_JPKI_AUTH, at, &res), IDP_JPKI_OK);
    assert_int_equal(strlen(res.issuer_key_id), 40);
    assert_true(strlen(res.serial) > 0);
    assert_false(res.has_attrs);
    assert_int_equal(check(t, "kita-hanako", "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
    assert_int_equal(check(t, "osaka-jiro", "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
    /* an older root generation with the same DN */
    assert_int_equal(check(t, "older-root", "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
    assert_int_equal(check(t, "older-root", "sign", IDP_JPKI_SIGN), IDP_JPKI_OK);
    assert_int_equal(idp_jpki_trust_count(t, IDP_JPKI_OK), 5);
    idp_jpki_trust_free(t);
}

static void signing_attributes(void **state)
{
    idp_jpki_trust_t *t = trust();
    idp_jpki_result_t res;
    assert_int_equal(check_at(t, "sakai-taro", "sign", IDP_JPKI_SIGN, at, &res), IDP_JPKI_OK);
    assert_true(res.has_attrs);
    assert_string_equal(res.attrs.name, "堺 太郎");
    assert_string_equal(res.attrs.address, "大阪府堺市堺区南瓦町３番１号");
    assert_string_equal(res.attrs.birth_date, "419900102");
    assert_string_equal(res.attrs.gender, "1");
    assert_string_equal(res.attrs.address_alt, "大阪府堺市堺区南瓦町３番１号");
    assert_int_equal(check_at(t, "kita-hanako", "sign", IDP_JPKI_SIGN, at, &res), IDP_JPKI_OK);
    assert_string_equal(res.attrs.address, "大阪府堺市北区新金岡町５丁１番");
    assert_string_equal(res.attrs.gender, "2");
    /* the name attribute twice */
    assert_int_equal(check_at(t, "dup-attr", "sign", IDP_JPKI_SIGN, at, &res), IDP_JPKI_MALFORMED);
    assert_non_null(strstr(res.detail, "twice"));
    idp_jpki_trust_free(t);
}

static void refusals(void **state)
{
    idp_jpki_trust_t *t = trust();
    assert_int_equal(check(t, "revoked", "auth", IDP_JPKI_AUTH), IDP_JPKI_REVOKED);
    assert_int_equal(check(t, "revoked", "sign", IDP_JPKI_SIGN), IDP_JPKI_REVOKED);
    assert_int_equal(check(t, "expired", "auth", IDP_JPKI_AUTH), IDP_JPKI_EXPIRED);
    assert_int_equal(check(t, "foreign", "auth", IDP_JPKI_AUTH), IDP_JPKI_UNKNOWN_ISSUER);
    assert_int_equal(check(t, "no-policy", "auth", IDP_JPKI_AUTH), IDP_JPKI_POLICY_MISSING);
    assert_int_equal(check(t, "weak-key", "auth", IDP_JPKI_AUTH), IDP_JPKI_WEAK_KEY);
    /* each certificate only for its own purpose */
    assert_int_equal(check(t, "sakai-taro", "sign", IDP_JPKI_AUTH), IDP_JPKI_WRONG_PURPOSE);
    assert_int_equal(check(t, "sakai-taro", "auth", IDP_JPKI_SIGN), IDP_JPKI_WRONG_PURPOSE);
    assert_int_equal(idp_jpki_trust_count(t, IDP_JPKI_WRONG_PURPOSE), 2);
    /* not yet valid, before the card was issued */
    idp_jpki_result_t res;
    assert_int_equal(check_at(t, "sakai-taro", "auth", IDP_JPKI_AUTH, at - 86400, &res), IDP_JPKI_EXPIRED);
    idp_jpki_trust_free(t);
}

static void signatures(void **state)
{
    idp_jpki_trust_t *t = trust();
    blob_t b;
    idp_jpki_result_t res;
    unsigned char msg[IDP_JPKI_MESSAGE_MAX], other[IDP_JPKI_MESSAGE_MAX], sig[512];
    load_cert("sakai-taro", "auth", &b);
    size_t n = idp_jpki_message(IDP_JPKI_AUTH, nonce, "client", "https://rp.example/cb", "nonce", msg);
    /* the same card signing another relying party's message does not verify for this one */
    size_t m = idp_jpki_message(IDP_JPKI_AUTH, nonce, "client", "https://evil.example/cb", "nonce", other);
    size_t s = card_sign("sakai-taro", "auth", other, m, sig);
    assert_int_equal(idp_jpki_verify(t, IDP_JPKI_AUTH, b.der, b.len, msg, n, sig, s, at, &res), IDP_JPKI_BAD_SIGNATURE);
    /* a signature by another card's key */
    s = card_sign("kita-hanako", "auth", msg, n, sig);
    assert_int_equal(idp_jpki_verify(t, IDP_JPKI_AUTH, b.der, b.len, msg, n, sig, s, at, &res), IDP_JPKI_BAD_SIGNATURE);
    /* the enrolment tag differs from the login tag */
    m = idp_jpki_message(IDP_JPKI_SIGN, nonce, "client", "https://rp.example/cb", "nonce", other);
    assert_true(m == n && memcmp(msg, other, n) != 0);
    /* a flipped bit */
    s = card_sign("sakai-taro", "auth", msg, n, sig);
    assert_int_equal(idp_jpki_verify(t, IDP_JPKI_AUTH, b.der, b.len, msg, n, sig, s, at, &res), IDP_JPKI_OK);
    sig[100] ^= 1;
    assert_int_equal(idp_jpki_verify(t, IDP_JPKI_AUTH, b.der, b.len, msg, n, sig, s, at, &res), IDP_JPKI_BAD_SIGNATURE);
    /* wrong length */
    assert_int_equal(idp_jpki_verify(t, IDP_JPKI_AUTH, b.der, b.len, msg, n, sig, 255, at, &res), IDP_JPKI_MALFORMED);
    idp_jpki_trust_free(t);
}

static void malformed(void **state)
{
    idp_jpki_trust_t *t = trust();
    idp_jpki_result_t res;
    blob_t b;
    unsigned char sig[256] = {0}, msg[8] = {0};
    load_cert("sakai-taro", "auth", &b);
    assert_int_equal(idp_jpki_verify(t, IDP_JPKI_AUTH, b.der, 0, msg, 8, sig, 256, at, &res), IDP_JPKI_MALFORMED);
    assert_int_equal(idp_jpki_verify(t, IDP_JPKI_AUTH, b.der, b.len - 1, msg, 8, sig, 256, at, &res), IDP_JPKI_MALFORMED);
    b.der[b.len] = 0; /* trailing garbage */
    assert_int_equal(idp_jpki_verify(t, IDP_JPKI_AUTH, b.der, b.len + 1, msg, 8, sig, 256, at, &res), IDP_JPKI_MALFORMED);
    assert_int_equal(idp_jpki_verify(t, IDP_JPKI_AUTH, (const unsigned char *)"not a certificate", 17, msg, 8, sig, 256,
                                     at, &res),
                     IDP_JPKI_MALFORMED);
    unsigned char big[IDP_JPKI_MAX_CERT + 1] = {0x30};
    assert_int_equal(idp_jpki_verify(t, IDP_JPKI_AUTH, big, sizeof(big), msg, 8, sig, 256, at, &res), IDP_JPKI_MALFORMED);
    idp_jpki_trust_free(t);
}

static void revocation_sources(void **state)
{
    /* no source: fail closed */
    idp_jpki_trust_t *t = trust_with(NULL);
    assert_int_equal(check(t, "sakai-taro", "auth", IDP_JPKI_AUTH), IDP_JPKI_REVOCATION_UNKNOWN);
    idp_jpki_trust_free(t);
    /* a CRL past its nextUpdate (material CRLs are valid 30 days) no longer counts */
    t = trust();
    idp_jpki_result_t res;
    assert_int_equal(check_at(t, "sakai-taro", "auth", IDP_JPKI_AUTH, at + 40 * 86400, &res), IDP_JPKI_REVOCATION_UNKNOWN);
    idp_jpki_trust_free(t);
    /* a CRL directory that starts empty and gets the CRLs later: picked up without a restart */
    char tmp[] = "/tmp/sakaid-crl-XXXXXX";
    assert_non_null(mkdtemp(tmp));
    t = trust_with(tmp);
    assert_int_equal(check(t, "revoked", "auth", IDP_JPKI_AUTH), IDP_JPKI_REVOCATION_UNKNOWN);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "cp %s/crl/auth-g2023.crl %s/", dir, tmp);
    assert_int_equal(system(cmd), 0);
    sleep(1); /* the directory is checked at most once a second */
    assert_int_equal(check(t, "revoked", "auth", IDP_JPKI_AUTH), IDP_JPKI_REVOKED);
    assert_int_equal(check(t, "sakai-taro", "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
    /* the older generation has no CRL in this directory */
    assert_int_equal(check(t, "older-root", "auth", IDP_JPKI_AUTH), IDP_JPKI_REVOCATION_UNKNOWN);
    idp_jpki_trust_free(t);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
    assert_int_equal(system(cmd), 0);
}

static void test_roots_only_in_dev_mode(void **state)
{
    char path[512], err[256] = "";
    idp_jpki_trust_t *t = idp_jpki_trust_new(false);
    snprintf(path, sizeof(path), "%s/roots/auth-g2023.pem", dir);
    assert_int_equal(idp_jpki_trust_add_roots(t, IDP_JPKI_AUTH, path, err, sizeof(err)), IDP_E_INVALID_REQUEST);
    assert_non_null(strstr(err, "JPKI-TEST"));
    /* a leaf is not a root */
    snprintf(path, sizeof(path), "%s/cards/sakai-taro/auth.pem", dir);
    idp_jpki_trust_t *dev = idp_jpki_trust_new(true);
    assert_int_equal(idp_jpki_trust_add_roots(dev, IDP_JPKI_AUTH, path, err, sizeof(err)), IDP_E_INVALID_REQUEST);
    assert_int_not_equal(idp_jpki_trust_add_roots(dev, IDP_JPKI_AUTH, "/nonexistent.pem", err, sizeof(err)), IDP_OK);
    idp_jpki_trust_free(dev);
    idp_jpki_trust_free(t);
}

static void reason_texts(void **state)
{
    for (int r = 0; r < IDP_JPKI__COUNT; r++) {
        assert_non_null(idp_jpki_reason_text((idp_jpki_reason_t)r, "ja"));
        assert_non_null(idp_jpki_reason_text((idp_jpki_reason_t)r, "en"));
    }
    assert_string_equal(idp_jpki_reason_code(IDP_JPKI_BAD_SIGNATURE), "bad_signature");
    assert_string_equal(idp_jpki_reason_code(IDP_JPKI_UNKNOWN_ISSUER), "unknown_issuer");
    assert_string_equal(idp_jpki_reason_code(IDP_JPKI_WEAK_KEY), "weak_key");
}

int main(void)
{
    dir = getenv("SAKAID_JPKI_MATERIAL");
    if (dir == NULL) {
        fprintf(stderr, "SAKAID_JPKI_MATERIAL is not set (the ctest fixture jpki_material sets it)\n");
        return 1;
    }
    char path[512];
    snprintf(path, sizeof(path), "%s/generated_at", dir);
    FILE *f = fopen(path, "r");
    long long g = 0;
    if (f == NULL || fscanf(f, "%lld", &g) != 1) {
        fprintf(stderr, "no %s\n", path);
        return 1;
    }
    fclose(f);
    at = (time_t)g + 60; /* pinned: CRLs are valid for a limited time */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_cards), cmocka_unit_test(signing_attributes), cmocka_unit_test(refusals),
        cmocka_unit_test(signatures),  cmocka_unit_test(malformed),          cmocka_unit_test(revocation_sources),
        cmocka_unit_test(test_roots_only_in_dev_mode), cmocka_unit_test(reason_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

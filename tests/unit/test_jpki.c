/*
 * JPKI verification against the material keys/jpki-test-ca generates (ctest
 * fixture jpki_material), with the verification time pinned to its
 * generation time. Every reason code has a case, and so does every check that
 * a verified-certificate cache hit must still make.
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
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include "core/b64.h"
#include "jpki/jpki.h"
#include "ui/messages.h"

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

static idp_jpki_trust_t *trust_sized(const char *crl_dir, size_t cache_entries)
{
    char path[512], err[256];
    idp_jpki_trust_t *t = idp_jpki_trust_new_with_cache(true, cache_entries);
    assert_non_null(t);
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

static idp_jpki_trust_t *trust_with(const char *crl_dir)
{
    return trust_sized(crl_dir, IDP_JPKI_CACHE_ENTRIES);
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
    /* not yet valid, before the card was issued: its own reason, not "expired" */
    idp_jpki_result_t res;
    assert_int_equal(check_at(t, "sakai-taro", "auth", IDP_JPKI_AUTH, at - 86400, &res), IDP_JPKI_NOT_YET_VALID);
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
    /* the app's link carries the request's binding: the same message from it (docs/card.md "The exchange") */
    unsigned char binding[32];
    idp_jpki_binding("client", "https://rp.example/cb", "nonce", binding);
    m = idp_jpki_message_bound(IDP_JPKI_AUTH, nonce, binding, other);
    assert_true(m == n && memcmp(msg, other, n) == 0);
    assert_memory_equal(msg + n - 32, binding, 32);
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
    assert_int_equal(idp_jpki_verify(t, IDP_JPKI_AUTH, b.der, b.len - 1, msg, 8, sig, 256, at, &res),
                     IDP_JPKI_MALFORMED);
    b.der[b.len] = 0; /* trailing garbage */
    assert_int_equal(idp_jpki_verify(t, IDP_JPKI_AUTH, b.der, b.len + 1, msg, 8, sig, 256, at, &res),
                     IDP_JPKI_MALFORMED);
    assert_int_equal(
        idp_jpki_verify(t, IDP_JPKI_AUTH, (const unsigned char *)"not a certificate", 17, msg, 8, sig, 256, at, &res),
        IDP_JPKI_MALFORMED);
    unsigned char big[IDP_JPKI_MAX_CERT + 1] = {0x30};
    assert_int_equal(idp_jpki_verify(t, IDP_JPKI_AUTH, big, sizeof(big), msg, 8, sig, 256, at, &res),
                     IDP_JPKI_MALFORMED);
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
    assert_int_equal(check_at(t, "sakai-taro", "auth", IDP_JPKI_AUTH, at + 40 * 86400, &res),
                     IDP_JPKI_REVOCATION_UNKNOWN);
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
    /* the older generation has no CRL in this directory, however often it asks (the other key's CRL is remembered as not its own) */
    assert_int_equal(check(t, "older-root", "auth", IDP_JPKI_AUTH), IDP_JPKI_REVOCATION_UNKNOWN);
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

/* ---- the verified-certificate cache -------------------------------------- */

static idp_jpki_cache_stats_t stats(idp_jpki_trust_t *t)
{
    idp_jpki_cache_stats_t s;
    idp_jpki_trust_cache_stats(t, &s);
    return s;
}

/* The result fields a verification fills from the certificate. */
static void assert_same_result(const idp_jpki_result_t *a, const idp_jpki_result_t *b)
{
    assert_int_equal(a->reason, b->reason);
    assert_memory_equal(a->cert_sha256, b->cert_sha256, sizeof(a->cert_sha256));
    assert_string_equal(a->issuer_key_id, b->issuer_key_id);
    assert_string_equal(a->serial, b->serial);
    assert_string_equal(a->subject_cn, b->subject_cn);
    assert_true(a->not_after == b->not_after);
    assert_int_equal(a->has_attrs, b->has_attrs);
    assert_memory_equal(&a->attrs, &b->attrs, sizeof(a->attrs));
}

static X509 *load_x509(const char *rel)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    return x;
}

static time_t not_after_of(const char *rel)
{
    X509 *x = load_x509(rel);
    struct tm tm;
    assert_int_equal(ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm), 1);
    X509_free(x);
    return timegm(&tm);
}

static void cache_hit_gives_the_same_result(void **state)
{
    idp_jpki_trust_t *t = trust();
    idp_jpki_result_t first, again;
    static const char *const which[] = {"auth", "sign"};
    for (int p = IDP_JPKI_AUTH; p <= IDP_JPKI_SIGN; p++) {
        assert_int_equal(check_at(t, "sakai-taro", which[p], (idp_jpki_purpose_t)p, at, &first), IDP_JPKI_OK);
        assert_int_equal(check_at(t, "sakai-taro", which[p], (idp_jpki_purpose_t)p, at, &again), IDP_JPKI_OK);
        assert_same_result(&first, &again);
    }
    assert_true(again.has_attrs);
    assert_string_equal(again.attrs.name, "堺 太郎");
    idp_jpki_cache_stats_t s = stats(t);
    assert_int_equal(s.misses, 2);
    assert_int_equal(s.hits, 2);
    assert_int_equal(s.entries, 2);
    /* every verification counts for /metrics, hit or miss */
    assert_int_equal(idp_jpki_trust_count(t, IDP_JPKI_OK), 4);
    /* a refusal is never cached: the revoked card takes the full path every time */
    assert_int_equal(check(t, "revoked", "auth", IDP_JPKI_AUTH), IDP_JPKI_REVOKED);
    assert_int_equal(check(t, "revoked", "auth", IDP_JPKI_AUTH), IDP_JPKI_REVOKED);
    assert_int_equal(stats(t).misses, 4);
    assert_int_equal(stats(t).entries, 2);
    idp_jpki_trust_free(t);
}

/* Writes a CRL by the auth-g2023 test root, current at `at`, revoking @p card's authentication certificate (or nothing). */
static void write_crl(const char *path, const char *card)
{
    X509 *root = load_x509("roots/auth-g2023.pem");
    char kp[512];
    snprintf(kp, sizeof(kp), "%s/ca/auth-g2023/root.key", dir);
    FILE *f = fopen(kp, "r");
    assert_non_null(f);
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(key);
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *from = ASN1_TIME_set(NULL, at - 3600), *until = ASN1_TIME_set(NULL, at + 86400);
    assert_int_equal(X509_CRL_set_version(crl, 1), 1);
    assert_int_equal(X509_CRL_set_issuer_name(crl, X509_get_subject_name(root)), 1);
    assert_int_equal(X509_CRL_set1_lastUpdate(crl, from), 1);
    assert_int_equal(X509_CRL_set1_nextUpdate(crl, until), 1);
    if (card) {
        char rel[256];
        snprintf(rel, sizeof(rel), "cards/%s/auth.pem", card);
        X509 *x = load_x509(rel);
        X509_REVOKED *r = X509_REVOKED_new();
        assert_int_equal(X509_REVOKED_set_serialNumber(r, (ASN1_INTEGER *)X509_get0_serialNumber(x)), 1);
        assert_int_equal(X509_REVOKED_set_revocationDate(r, from), 1);
        assert_int_equal(X509_CRL_add0_revoked(crl, r), 1);
        X509_free(x);
    }
    assert_int_equal(X509_CRL_sort(crl), 1);
    assert_true(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(i2d_X509_CRL_fp(f, crl), 1);
    fclose(f);
    X509_CRL_free(crl);
    ASN1_TIME_free(from);
    ASN1_TIME_free(until);
    EVP_PKEY_free(key);
    X509_free(root);
}

static void cached_card_revoked_later_is_refused(void **state)
{
    char tmp[] = "/tmp/sakaid-crl-XXXXXX", path[600], cmd[1024];
    assert_non_null(mkdtemp(tmp));
    snprintf(path, sizeof(path), "%s/auth-1.crl", tmp);
    write_crl(path, NULL); /* today's CRL: nothing revoked */
    idp_jpki_trust_t *t = trust_with(tmp);
    assert_int_equal(check(t, "sakai-taro", "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
    assert_int_equal(check(t, "sakai-taro", "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
    assert_int_equal(stats(t).hits, 1);
    /* tomorrow's CRL revokes the card; the directory is checked at most once a second */
    snprintf(path, sizeof(path), "%s/auth-2.crl", tmp);
    write_crl(path, "sakai-taro");
    sleep(1);
    idp_jpki_result_t res;
    assert_int_equal(check_at(t, "sakai-taro", "auth", IDP_JPKI_AUTH, at, &res), IDP_JPKI_REVOKED);
    assert_int_equal(stats(t).hits, 2);  /* refused on the cached path, not by a re-validation */
    assert_true(strlen(res.serial) > 0); /* the log still says which certificate */
    /* another card of the same root still passes */
    assert_int_equal(check(t, "kita-hanako", "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
    assert_int_equal(check(t, "sakai-taro", "auth", IDP_JPKI_AUTH), IDP_JPKI_REVOKED);
    assert_int_equal(idp_jpki_trust_count(t, IDP_JPKI_REVOKED), 2);
    idp_jpki_trust_free(t);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
    assert_int_equal(system(cmd), 0);
}

static void cached_card_outside_validity_takes_the_full_path(void **state)
{
    idp_jpki_trust_t *t = trust(), *uncached = trust_sized(NULL, 0);
    idp_jpki_result_t res, full;
    assert_int_equal(check_at(t, "sakai-taro", "auth", IDP_JPKI_AUTH, at, &res), IDP_JPKI_OK);
    time_t card_end = (time_t)res.not_after;
    assert_true(card_end == not_after_of("cards/sakai-taro/auth.pem"));
    assert_int_equal(check(t, "older-root", "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
    assert_int_equal(stats(t).entries, 2);
    /* each time: the cached card, and the full path's answer */
    const struct {
        const char *card;
        time_t when;
        idp_jpki_reason_t want;
    } cases[] = {
        {"sakai-taro", card_end + 1, IDP_JPKI_EXPIRED},     /* after the card's notAfter */
        {"sakai-taro", card_end, IDP_JPKI_EXPIRED},         /* at it: OpenSSL counts notAfter itself as expired */
        {"sakai-taro", at - 86400, IDP_JPKI_NOT_YET_VALID}, /* before the card was issued */
        /* older-root's root (2019 generation) ends in 2029, before the card: the chain is expired */
        {"older-root", not_after_of("roots/auth-g2019.pem") + 1, IDP_JPKI_EXPIRED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(check_at(t, cases[i].card, "auth", IDP_JPKI_AUTH, cases[i].when, &res), cases[i].want);
        assert_int_equal(check_at(uncached, cases[i].card, "auth", IDP_JPKI_AUTH, cases[i].when, &full), cases[i].want);
    }
    assert_true(not_after_of("roots/auth-g2019.pem") < not_after_of("cards/older-root/auth.pem"));
    /* still cached and valid at the pinned time */
    unsigned long hits = stats(t).hits;
    assert_int_equal(check(t, "sakai-taro", "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
    assert_int_equal(stats(t).hits, hits + 1);
    idp_jpki_trust_free(uncached);
    idp_jpki_trust_free(t);
}

static void cached_card_checks_the_signature(void **state)
{
    idp_jpki_trust_t *t = trust();
    blob_t b;
    idp_jpki_result_t res;
    unsigned char msg[IDP_JPKI_MESSAGE_MAX], other[IDP_JPKI_MESSAGE_MAX], sig[512];
    load_cert("sakai-taro", "auth", &b);
    size_t n = idp_jpki_message(IDP_JPKI_AUTH, nonce, "client", "https://rp.example/cb", "nonce", msg);
    size_t s = card_sign("sakai-taro", "auth", msg, n, sig);
    assert_int_equal(idp_jpki_verify(t, IDP_JPKI_AUTH, b.der, b.len, msg, n, sig, s, at, &res), IDP_JPKI_OK);
    /* from here on the certificate is cached */
    sig[100] ^= 1;
    assert_int_equal(idp_jpki_verify(t, IDP_JPKI_AUTH, b.der, b.len, msg, n, sig, s, at, &res), IDP_JPKI_BAD_SIGNATURE);
    sig[100] ^= 1;
    assert_int_equal(idp_jpki_verify(t, IDP_JPKI_AUTH, b.der, b.len, msg, n, sig, 255, at, &res), IDP_JPKI_MALFORMED);
    /* the same card's signature over another relying party's message */
    size_t m = idp_jpki_message(IDP_JPKI_AUTH, nonce, "client", "https://evil.example/cb", "nonce", other);
    assert_int_equal(idp_jpki_verify(t, IDP_JPKI_AUTH, b.der, b.len, other, m, sig, s, at, &res),
                     IDP_JPKI_BAD_SIGNATURE);
    /* another card's key */
    unsigned char theirs[512];
    size_t ts = card_sign("kita-hanako", "auth", msg, n, theirs);
    assert_int_equal(idp_jpki_verify(t, IDP_JPKI_AUTH, b.der, b.len, msg, n, theirs, ts, at, &res),
                     IDP_JPKI_BAD_SIGNATURE);
    /* and the right signature still verifies after those refusals */
    assert_int_equal(idp_jpki_verify(t, IDP_JPKI_AUTH, b.der, b.len, msg, n, sig, s, at, &res), IDP_JPKI_OK);
    idp_jpki_cache_stats_t st = stats(t);
    assert_int_equal(st.misses, 1);
    assert_int_equal(st.hits, 5);
    assert_int_equal(idp_jpki_trust_count(t, IDP_JPKI_BAD_SIGNATURE), 3);
    idp_jpki_trust_free(t);
}

static void cache_keeps_the_purposes_apart(void **state)
{
    idp_jpki_trust_t *t = trust();
    /* each certificate cached for its own purpose ... */
    assert_int_equal(check(t, "sakai-taro", "sign", IDP_JPKI_SIGN), IDP_JPKI_OK);
    assert_int_equal(check(t, "sakai-taro", "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
    assert_int_equal(stats(t).entries, 2);
    /* ... is not served for the other one: the full path refuses it */
    assert_int_equal(check(t, "sakai-taro", "sign", IDP_JPKI_AUTH), IDP_JPKI_WRONG_PURPOSE);
    assert_int_equal(check(t, "sakai-taro", "auth", IDP_JPKI_SIGN), IDP_JPKI_WRONG_PURPOSE);
    assert_int_equal(stats(t).hits, 0);
    assert_int_equal(stats(t).entries, 2);
    assert_int_equal(check(t, "sakai-taro", "sign", IDP_JPKI_SIGN), IDP_JPKI_OK);
    assert_int_equal(stats(t).hits, 1);
    idp_jpki_trust_free(t);
}

static void cache_evicts_the_least_recently_used(void **state)
{
    char crl[512];
    snprintf(crl, sizeof(crl), "%s/crl", dir);
    idp_jpki_trust_t *t = trust_sized(crl, 2);
    static const char *const cards[] = {"sakai-taro", "kita-hanako", "osaka-jiro", "sakai-taro-renewed", "older-root"};
    /* more certificates than places, twice round: all verify, none stays long enough to hit */
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < 5; i++) {
            assert_int_equal(check(t, cards[i], "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
            assert_int_equal(check(t, "revoked", "auth", IDP_JPKI_AUTH), IDP_JPKI_REVOKED);
        }
    idp_jpki_cache_stats_t s = stats(t);
    assert_int_equal(s.hits, 0);
    assert_int_equal(s.entries, 2);
    assert_int_equal(s.capacity, 2);
    /* A, B, A (hit, now the most recent), C evicts B, not A */
    assert_int_equal(check(t, cards[0], "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
    assert_int_equal(check(t, cards[1], "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
    assert_int_equal(check(t, cards[0], "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
    assert_int_equal(stats(t).hits, 1);
    assert_int_equal(check(t, cards[2], "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
    assert_int_equal(check(t, cards[0], "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
    assert_int_equal(stats(t).hits, 2);
    unsigned long misses = stats(t).misses;
    assert_int_equal(check(t, cards[1], "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
    assert_int_equal(stats(t).misses, misses + 1);
    idp_jpki_trust_free(t);
    /* no cache at all: every verification takes the full path */
    t = trust_sized(crl, 0);
    assert_int_equal(check(t, cards[0], "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
    assert_int_equal(check(t, cards[0], "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
    assert_int_equal(stats(t).hits, 0);
    assert_int_equal(stats(t).entries, 0);
    idp_jpki_trust_free(t);
}

/* Worker threads verifying through a cache smaller than the set of cards (evictions while others hold entries). */
#define THREADS 8
#define ROUNDS 60

typedef struct {
    blob_t cert;
    unsigned char sig[512];
    size_t sig_len;
    idp_jpki_reason_t want;
} login_t;

static idp_jpki_trust_t *shared;
static login_t logins[6];
static unsigned char shared_msg[IDP_JPKI_MESSAGE_MAX];
static size_t shared_msg_len;

static void *worker(void *arg)
{
    size_t k = (size_t)(uintptr_t)arg, wrong = 0;
    for (int i = 0; i < ROUNDS; i++) {
        login_t *l = &logins[(k + (size_t)i) % 6];
        idp_jpki_result_t res;
        if (idp_jpki_verify(shared, IDP_JPKI_AUTH, l->cert.der, l->cert.len, shared_msg, shared_msg_len, l->sig,
                            l->sig_len, at, &res) != l->want)
            wrong++;
    }
    return (void *)(uintptr_t)wrong;
}

static void cache_under_concurrent_use(void **state)
{
    char crl[512];
    snprintf(crl, sizeof(crl), "%s/crl", dir);
    shared = trust_sized(crl, 3);
    static const char *const cards[] = {"sakai-taro",         "kita-hanako", "osaka-jiro",
                                        "sakai-taro-renewed", "older-root",  "revoked"};
    shared_msg_len = idp_jpki_message(IDP_JPKI_AUTH, nonce, "client", "https://rp.example/cb", "n", shared_msg);
    for (size_t i = 0; i < 6; i++) {
        load_cert(cards[i], "auth", &logins[i].cert);
        logins[i].sig_len = card_sign(cards[i], "auth", shared_msg, shared_msg_len, logins[i].sig);
        logins[i].want = i == 5 ? IDP_JPKI_REVOKED : IDP_JPKI_OK;
    }
    logins[1].sig[7] ^= 0x80; /* one card with a bad signature */
    logins[1].want = IDP_JPKI_BAD_SIGNATURE;
    pthread_t th[THREADS];
    for (size_t k = 0; k < THREADS; k++)
        assert_int_equal(pthread_create(&th[k], NULL, worker, (void *)(uintptr_t)k), 0);
    for (size_t k = 0; k < THREADS; k++) {
        void *wrong;
        assert_int_equal(pthread_join(th[k], &wrong), 0);
        assert_int_equal((uintptr_t)wrong, 0);
    }
    idp_jpki_cache_stats_t s = stats(shared);
    assert_int_equal(s.hits + s.misses, THREADS * ROUNDS);
    assert_true(s.entries <= 3);
    unsigned long total = 0;
    for (int r = 0; r < IDP_JPKI__COUNT; r++)
        total += idp_jpki_trust_count(shared, (idp_jpki_reason_t)r);
    assert_int_equal(total, THREADS * ROUNDS);
    idp_jpki_trust_free(shared);
}

/* ---- material ---------------------------------------------------------------- */

/* Appends the material file @p rel to @p buf (at @p *len, capacity @p cap). */
static void append_file(const char *rel, unsigned char *buf, size_t cap, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf + *len, 1, cap - *len, f);
    assert_true(feof(f));
    fclose(f);
    *len += n;
}

#define CRLS_MAX 65536

/* kita-hanako-renewed and kita-hanako-twin: the material item 10 of issue #15 needs (docs/card.md). */
static void renewed_and_twin_cards(void **state)
{
    idp_jpki_trust_t *t = trust();
    idp_jpki_result_t hanako, renewed, twin;
    assert_int_equal(check_at(t, "kita-hanako", "sign", IDP_JPKI_SIGN, at, &hanako), IDP_JPKI_OK);
    assert_int_equal(check_at(t, "kita-hanako-renewed", "sign", IDP_JPKI_SIGN, at, &renewed), IDP_JPKI_OK);
    assert_int_equal(check_at(t, "kita-hanako-twin", "sign", IDP_JPKI_SIGN, at, &twin), IDP_JPKI_OK);
    /* renewed: the same four basic attributes, another certificate */
    assert_string_equal(renewed.attrs.name, hanako.attrs.name);
    assert_string_equal(renewed.attrs.gender, hanako.attrs.gender);
    assert_string_equal(renewed.attrs.birth_date, hanako.attrs.birth_date);
    assert_string_equal(renewed.attrs.address, hanako.attrs.address);
    assert_string_not_equal(renewed.serial, hanako.serial);
    /* twin: the same name and gender, another birth date */
    assert_string_equal(twin.attrs.name, hanako.attrs.name);
    assert_string_equal(twin.attrs.gender, hanako.attrs.gender);
    assert_string_not_equal(twin.attrs.birth_date, hanako.attrs.birth_date);
    /* both sign in with their authentication certificates, and have keys of their own */
    idp_jpki_result_t a1, a2;
    assert_int_equal(check_at(t, "kita-hanako-renewed", "auth", IDP_JPKI_AUTH, at, &a1), IDP_JPKI_OK);
    assert_int_equal(check_at(t, "kita-hanako-twin", "auth", IDP_JPKI_AUTH, at, &a2), IDP_JPKI_OK);
    assert_string_not_equal(a1.serial, a2.serial);
    /* the renewal is not in linkage.csv: it is found by re-verification, not by linkage */
    static unsigned char csv[8192];
    size_t len = 0;
    append_file("linkage.csv", csv, sizeof(csv) - 1, &len);
    csv[len] = '\0';
    assert_null(strstr((char *)csv, a1.serial));
    assert_null(strstr((char *)csv, renewed.serial));
    idp_jpki_trust_free(t);
}

/* ---- revocation: what a CRL is evidence of (RFC 5280 §5, §6.3.3) ----------- */

/* A trust with the material's roots and exactly the CRLs of the material files in @p rels (NULL-terminated). */
static idp_jpki_trust_t *trust_crls(const char *const *rels)
{
    static unsigned char buf[CRLS_MAX];
    size_t len = 0;
    for (; *rels; rels++)
        append_file(*rels, buf, sizeof(buf), &len);
    idp_jpki_trust_t *t = trust_with(NULL);
    idp_jpki_revocation_t *rev;
    assert_int_equal(idp_jpki_crl_mem_new(buf, len, &rev), IDP_OK);
    idp_jpki_trust_set_revocation(t, rev);
    return t;
}

/* The answers for three g2023 cards: not revoked anywhere, revoked in the complete CRLs, revoked after them. */
static void expect(const char *const *crls, idp_jpki_reason_t taro, idp_jpki_reason_t revoked, idp_jpki_reason_t later)
{
    static const char *const cards[] = {"sakai-taro", "revoked", "delta-revoked"};
    const idp_jpki_reason_t want[] = {taro, revoked, later};
    idp_jpki_trust_t *t = trust_crls(crls);
    for (size_t i = 0; i < 3; i++) {
        idp_jpki_reason_t got = check(t, cards[i], "auth", IDP_JPKI_AUTH);
        if (got != want[i])
            fail_msg("%s under %s%s: %s, not %s", cards[i], crls[0], crls[1] ? " and more" : "",
                     idp_jpki_reason_code(got), idp_jpki_reason_code(want[i]));
    }
    idp_jpki_trust_free(t);
}

#define CRLS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define OK IDP_JPKI_OK
#define REVOKED IDP_JPKI_REVOKED
#define UNKNOWN IDP_JPKI_REVOCATION_UNKNOWN

static void delta_crl_is_never_enough_by_itself(void **state)
{
    /* a stale complete CRL that lists the revoked card, and a current delta on it that lists nothing:
     * the revoked card must not pass (the delta only says what changed since that complete CRL) */
    expect(CRLS("crl-cases/delta-stale-base/base.crl", "crl-cases/delta-stale-base/delta.crl"), UNKNOWN, UNKNOWN,
           UNKNOWN);
    expect(CRLS("crl-cases/delta-stale-base/delta.crl"), UNKNOWN, UNKNOWN, UNKNOWN);
    /* a current complete CRL and a current delta on it: combined (RFC 5280 §5.2.4) */
    expect(CRLS("crl-cases/delta/base.crl", "crl-cases/delta/delta.crl"), OK, REVOKED, REVOKED);
    expect(CRLS("crl-cases/delta/delta.crl", "crl-cases/delta/base.crl"), OK, REVOKED, REVOKED);
    expect(CRLS("crl-cases/delta/base.crl"), OK, REVOKED, OK);
    /* a delta alone still refuses what it lists: it is the issuer's word that the card is revoked */
    expect(CRLS("crl-cases/delta/delta.crl"), UNKNOWN, UNKNOWN, REVOKED);
    /* the other generation's complete CRL (same DN, another key) is no base for it */
    expect(CRLS("crl/auth-g2019.crl", "crl-cases/delta/delta.crl"), UNKNOWN, UNKNOWN, REVOKED);
}

static void crl_scope_must_cover_the_card(void **state)
{
    /* an ARL (onlyContainsCACerts) is never evidence for a card, whatever it lists */
    expect(CRLS("crl-cases/arl/arl.crl"), UNKNOWN, UNKNOWN, UNKNOWN);
    expect(CRLS("crl-cases/arl/arl.crl", "crl/auth-g2023.crl"), OK, REVOKED, OK);
    /* onlySomeReasons: what it lists is revoked, but it is not complete */
    expect(CRLS("crl-cases/some-reasons/key-compromise.crl"), UNKNOWN, REVOKED, UNKNOWN);
    expect(CRLS("crl-cases/some-reasons/key-compromise.crl", "crl/auth-g2023.crl"), OK, REVOKED, OK);
    /* indirect CRLs: certificateIssuer entries are not processed, so not evidence at all */
    expect(CRLS("crl-cases/indirect/indirect.crl"), UNKNOWN, UNKNOWN, UNKNOWN);
    /* onlyContainsUserCerts covers cards */
    expect(CRLS("crl-cases/user-only/user.crl"), OK, REVOKED, OK);
    /* a partition (a distribution point in the IDP) covers only the cards that name it */
    expect(CRLS("crl-cases/partition/partition-7.crl"), UNKNOWN, UNKNOWN, UNKNOWN);
    idp_jpki_trust_t *t = trust_crls(CRLS("crl-cases/partition/partition-7.crl"));
    assert_int_equal(check(t, "partition-7", "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
    idp_jpki_trust_free(t);
    t = trust_crls(CRLS("crl/auth-g2023.crl"));
    assert_int_equal(check(t, "partition-7", "auth", IDP_JPKI_AUTH),
                     IDP_JPKI_OK); /* and the whole-scope CRL covers it too */
    idp_jpki_trust_free(t);
}

/* A CRL by the auth-g2023 root, current at `at`, built here for what keys/jpki-test-ca cannot make with openssl ca. */
typedef struct {
    const char *card; /* whose authentication certificate its one entry lists */
    int reason;       /* the entry's reasonCode, or -1 for none */
    bool reason_critical;
    const char *entry_ext; /* OID of another entry extension (DER NULL), or NULL */
    bool entry_critical;
    long delta_base; /* >= 0: a deltaCRLIndicator with this BaseCRLNumber */
    int idp;         /* 0: none; 1: onlyContainsAttributeCerts; 2: onlyContainsUserCerts and onlyContainsCACerts */
} crl_spec_t;

static size_t make_crl(const crl_spec_t *spec, unsigned char *out, size_t cap)
{
    X509 *root = load_x509("roots/auth-g2023.pem");
    char kp[512];
    snprintf(kp, sizeof(kp), "%s/ca/auth-g2023/root.key", dir);
    FILE *f = fopen(kp, "r");
    assert_non_null(f);
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(key);
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *from = ASN1_TIME_set(NULL, at - 3600), *until = ASN1_TIME_set(NULL, at + 86400);
    assert_int_equal(X509_CRL_set_version(crl, 1), 1);
    assert_int_equal(X509_CRL_set_issuer_name(crl, X509_get_subject_name(root)), 1);
    assert_int_equal(X509_CRL_set1_lastUpdate(crl, from), 1);
    assert_int_equal(X509_CRL_set1_nextUpdate(crl, until), 1);
    ASN1_INTEGER *num = ASN1_INTEGER_new();
    assert_int_equal(ASN1_INTEGER_set(num, 0x7000), 1);
    assert_int_equal(X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0), 1);
    if (spec->delta_base >= 0) {
        assert_int_equal(ASN1_INTEGER_set(num, spec->delta_base), 1);
        assert_int_equal(X509_CRL_add1_ext_i2d(crl, NID_delta_crl, num, 1, 0), 1);
    }
    ASN1_INTEGER_free(num);
    if (spec->idp) {
        ISSUING_DIST_POINT *idp = ISSUING_DIST_POINT_new();
        if (spec->idp == 1)
            idp->onlyattr = 1;
        else
            idp->onlyuser = idp->onlyCA = 1;
        assert_int_equal(X509_CRL_add1_ext_i2d(crl, NID_issuing_distribution_point, idp, 1, 0), 1);
        ISSUING_DIST_POINT_free(idp);
    }
    if (spec->card) {
        char rel[256];
        snprintf(rel, sizeof(rel), "cards/%s/auth.pem", spec->card);
        X509 *x = load_x509(rel);
        X509_REVOKED *r = X509_REVOKED_new();
        assert_int_equal(X509_REVOKED_set_serialNumber(r, (ASN1_INTEGER *)X509_get0_serialNumber(x)), 1);
        assert_int_equal(X509_REVOKED_set_revocationDate(r, from), 1);
        if (spec->reason >= 0) {
            ASN1_ENUMERATED *e = ASN1_ENUMERATED_new();
            assert_int_equal(ASN1_ENUMERATED_set(e, spec->reason), 1);
            assert_int_equal(X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, e, spec->reason_critical, 0), 1);
            ASN1_ENUMERATED_free(e);
        }
        if (spec->entry_ext) {
            static const unsigned char der_null[] = {0x05, 0x00};
            ASN1_OBJECT *obj = OBJ_txt2obj(spec->entry_ext, 1);
            ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new();
            assert_int_equal(ASN1_OCTET_STRING_set(v, der_null, sizeof(der_null)), 1);
            X509_EXTENSION *ext = X509_EXTENSION_create_by_OBJ(NULL, obj, spec->entry_critical, v);
            assert_non_null(ext);
            assert_int_equal(X509_REVOKED_add_ext(r, ext, -1), 1);
            X509_EXTENSION_free(ext);
            ASN1_OCTET_STRING_free(v);
            ASN1_OBJECT_free(obj);
        }
        assert_int_equal(X509_CRL_add0_revoked(crl, r), 1);
        X509_free(x);
    }
    assert_true(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
    int n = i2d_X509_CRL(crl, NULL);
    assert_true(n > 0 && (size_t)n <= cap);
    unsigned char *p = out;
    assert_int_equal(i2d_X509_CRL(crl, &p), n);
    X509_CRL_free(crl);
    ASN1_TIME_free(from);
    ASN1_TIME_free(until);
    EVP_PKEY_free(key);
    X509_free(root);
    return (size_t)n;
}

/* The answer for @p card under the CRL of @p spec alone, or with the material's complete CRL after it. */
static idp_jpki_reason_t under(const crl_spec_t *spec, bool with_complete, const char *card)
{
    static unsigned char buf[CRLS_MAX];
    size_t len = make_crl(spec, buf, sizeof(buf));
    if (with_complete)
        append_file("crl/auth-g2023.crl", buf, sizeof(buf), &len);
    idp_jpki_trust_t *t = trust_with(NULL);
    idp_jpki_revocation_t *rev;
    assert_int_equal(idp_jpki_crl_mem_new(buf, len, &rev), IDP_OK);
    idp_jpki_trust_set_revocation(t, rev);
    idp_jpki_reason_t r = check(t, card, "auth", IDP_JPKI_AUTH);
    idp_jpki_trust_free(t);
    return r;
}

static void crl_with_unknown_critical_extension_is_not_used(void **state)
{
    /* RFC 5280 §5.2: an unknown critical CRL extension (keys/jpki-test-ca): not used even for what it lists */
    expect(CRLS("crl-cases/critical-ext/critical.crl"), UNKNOWN, UNKNOWN, UNKNOWN);
    expect(CRLS("crl-cases/critical-ext/critical.crl", "crl/auth-g2023.crl"), OK, REVOKED, OK);
    /* the same extension, not critical: ignored, the CRL counts */
    expect(CRLS("crl-cases/noncritical-ext/noncritical.crl"), OK, REVOKED, OK);
    /* §5.3: an unknown critical entry extension makes the whole CRL unusable */
    crl_spec_t spec = {.card = "revoked",
                       .reason = 4,
                       .entry_ext = "1.3.6.1.4.1.99999.15.4",
                       .entry_critical = true,
                       .delta_base = -1};
    assert_int_equal(under(&spec, false, "revoked"), IDP_JPKI_REVOCATION_UNKNOWN);
    assert_int_equal(under(&spec, false, "sakai-taro"), IDP_JPKI_REVOCATION_UNKNOWN);
    spec.entry_critical = false;
    assert_int_equal(under(&spec, false, "revoked"), IDP_JPKI_REVOKED);
    assert_int_equal(under(&spec, false, "sakai-taro"), IDP_JPKI_OK);
    /* the entry extensions we process may be critical */
    crl_spec_t reason = {.card = "revoked", .reason = 1, .reason_critical = true, .delta_base = -1};
    assert_int_equal(under(&reason, false, "revoked"), IDP_JPKI_REVOKED);
    /* scopes that are never a card's: attribute certificates only, or two onlyContains* at once (§5.2.5) */
    crl_spec_t attr = {.delta_base = -1, .idp = 1};
    assert_int_equal(under(&attr, false, "sakai-taro"), IDP_JPKI_REVOCATION_UNKNOWN);
    crl_spec_t both = {.delta_base = -1, .idp = 2};
    assert_int_equal(under(&both, false, "sakai-taro"), IDP_JPKI_REVOCATION_UNKNOWN);
}

static void delta_remove_from_crl_releases_nothing(void **state)
{
    /* a delta entry with reason removeFromCRL (§5.3.1) for a card the complete CRL lists: still refused
     * (fail closed: a hold is released by the next complete CRL, not by the delta) */
    crl_spec_t release = {.card = "revoked", .reason = 8, .delta_base = 0x1000};
    assert_int_equal(under(&release, true, "revoked"), IDP_JPKI_REVOKED);
    /* ... and it revokes nothing either */
    crl_spec_t other = {.card = "sakai-taro", .reason = 8, .delta_base = 0x1000};
    assert_int_equal(under(&other, true, "sakai-taro"), IDP_JPKI_OK);
    /* a delta listing a card without a reason revokes it */
    crl_spec_t plain = {.card = "sakai-taro", .reason = -1, .delta_base = 0x1000};
    assert_int_equal(under(&plain, true, "sakai-taro"), IDP_JPKI_REVOKED);
    assert_int_equal(under(&plain, false, "sakai-taro"), IDP_JPKI_REVOKED);
    assert_int_equal(under(&plain, false, "kita-hanako"), IDP_JPKI_REVOCATION_UNKNOWN);
}

/* ---- the certificate profile ---------------------------------------------- */

static void missing_key_usage_is_refused(void **state)
{
    idp_jpki_trust_t *t = trust();
    idp_jpki_result_t res;
    /* RFC 5280 §4.2.1.3: without the extension the key is unrestricted; the JPKI profile requires digitalSignature */
    assert_int_equal(check_at(t, "no-key-usage", "auth", IDP_JPKI_AUTH, at, &res), IDP_JPKI_BAD_KEY_USAGE);
    assert_non_null(strstr(res.detail, "no keyUsage"));
    assert_int_equal(idp_jpki_trust_count(t, IDP_JPKI_BAD_KEY_USAGE), 1);
    /* and it is never cached: the second try takes the full path and is refused again */
    assert_int_equal(check_at(t, "no-key-usage", "auth", IDP_JPKI_AUTH, at, &res), IDP_JPKI_BAD_KEY_USAGE);
    assert_int_equal(stats(t).hits, 0);
    idp_jpki_trust_free(t);
}

static void not_yet_valid_is_not_expired(void **state)
{
    idp_jpki_trust_t *t = trust();
    idp_jpki_result_t res;
    assert_int_equal(check_at(t, "not-yet-valid", "auth", IDP_JPKI_AUTH, at, &res), IDP_JPKI_NOT_YET_VALID);
    assert_int_equal(check(t, "expired", "auth", IDP_JPKI_AUTH), IDP_JPKI_EXPIRED);
    /* a day later it is valid */
    assert_int_equal(check_at(t, "not-yet-valid", "auth", IDP_JPKI_AUTH, at + 2 * 86400, &res), IDP_JPKI_OK);
    /* a root not valid yet: the 2023 generation's root before 2023 */
    X509 *root = load_x509("roots/auth-g2023.pem");
    struct tm tm;
    assert_int_equal(ASN1_TIME_to_tm(X509_get0_notBefore(root), &tm), 1);
    X509_free(root);
    assert_int_equal(check_at(t, "sakai-taro", "auth", IDP_JPKI_AUTH, timegm(&tm) - 1, &res), IDP_JPKI_NOT_YET_VALID);
    idp_jpki_trust_free(t);
}

/* ---- trust anchors, by key --------------------------------------------------- */

static void digest_of(const char *rel, unsigned char d[32])
{
    X509 *x = load_x509(rel);
    assert_true(idp_jpki_spki_sha256(x, d));
    X509_free(x);
}

static void test_anchors_are_the_test_cas_keys(void **state)
{
    static const struct {
        const char *root;
        idp_jpki_purpose_t purpose;
    } test[] = {{"roots/auth-g2019.pem", IDP_JPKI_AUTH},
                {"roots/auth-g2023.pem", IDP_JPKI_AUTH},
                {"roots/sign-g2019.pem", IDP_JPKI_SIGN},
                {"roots/sign-g2023.pem", IDP_JPKI_SIGN},
                /* the BMPString roots have the g2023 keys: the same anchors whatever their names say */
                {"roots/auth-bmp.pem", IDP_JPKI_AUTH},
                {"roots/sign-bmp.pem", IDP_JPKI_SIGN}};
    unsigned char d[32];
    for (size_t i = 0; i < sizeof(test) / sizeof(test[0]); i++) {
        idp_jpki_purpose_t p = (idp_jpki_purpose_t)-1;
        digest_of(test[i].root, d);
        assert_true(idp_jpki_test_anchor(d, &p));
        assert_int_equal(p, test[i].purpose);
    }
    /* random keys are not */
    static const char *const others[] = {"roots/staging-auth.pem", "roots/staging-sign.pem", "foreign/root.pem"};
    for (size_t i = 0; i < 3; i++) {
        digest_of(others[i], d);
        assert_false(idp_jpki_test_anchor(d, NULL));
    }
}

static void add_roots_file(idp_jpki_trust_t *t, idp_jpki_purpose_t p, const char *rel, idp_err_t want, char *err,
                           size_t n)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    err[0] = '\0';
    assert_int_equal(idp_jpki_trust_add_roots(t, p, path, err, n), want);
}

static void roots_are_pinned_by_key(void **state)
{
    char err[1024], b64[48];
    unsigned char d[32], staging[32];
    /* without dev mode: the BMPString test root is refused by its key (the name check alone missed it) */
    idp_jpki_trust_t *t = idp_jpki_trust_new(false);
    add_roots_file(t, IDP_JPKI_AUTH, "roots/auth-bmp.pem", IDP_E_INVALID_REQUEST, err, sizeof(err));
    digest_of("roots/auth-bmp.pem", d);
    idp_b64url_encode(d, 32, b64);
    assert_non_null(strstr(err, "test CA"));
    assert_non_null(strstr(err, b64));
    /* ... and listing a test anchor is refused before any root is read */
    assert_int_equal(idp_jpki_trust_add_anchor(t, IDP_JPKI_AUTH, d, err, sizeof(err)), IDP_E_INVALID_REQUEST);
    assert_non_null(strstr(err, "\"jpki.auth_anchors\""));
    assert_non_null(strstr(err, b64));
    /* a root whose key is not listed is refused, naming the setting that should list it */
    add_roots_file(t, IDP_JPKI_AUTH, "roots/staging-auth.pem", IDP_E_INVALID_REQUEST, err, sizeof(err));
    assert_non_null(strstr(err, "\"jpki.auth_anchors\" does not list"));
    /* listed, it is pinned; listed for the other purpose, it is not */
    digest_of("roots/staging-auth.pem", staging);
    assert_int_equal(idp_jpki_trust_add_anchor(t, IDP_JPKI_SIGN, staging, err, sizeof(err)), IDP_OK);
    add_roots_file(t, IDP_JPKI_AUTH, "roots/staging-auth.pem", IDP_E_INVALID_REQUEST, err, sizeof(err));
    assert_int_equal(idp_jpki_trust_add_anchor(t, IDP_JPKI_AUTH, staging, err, sizeof(err)), IDP_OK);
    add_roots_file(t, IDP_JPKI_AUTH, "roots/staging-auth.pem", IDP_OK, err, sizeof(err));
    assert_int_equal(idp_jpki_trust_check_anchors(t, IDP_JPKI_AUTH, err, sizeof(err)), IDP_OK);
    /* an anchor no root has */
    assert_int_equal(idp_jpki_trust_check_anchors(t, IDP_JPKI_SIGN, err, sizeof(err)), IDP_E_INVALID_REQUEST);
    assert_non_null(strstr(err, "\"jpki.sign_anchors\" lists"));
    idp_jpki_trust_free(t);

    /* dev mode: the test CA's roots are anchors without being listed, under any name encoding ... */
    t = idp_jpki_trust_new(true);
    add_roots_file(t, IDP_JPKI_AUTH, "roots/auth-bmp.pem", IDP_OK, err, sizeof(err));
    add_roots_file(t, IDP_JPKI_SIGN, "roots/sign.pem", IDP_OK, err, sizeof(err));
    /* ... for their own purpose only, and other roots still need listing */
    add_roots_file(t, IDP_JPKI_AUTH, "roots/sign-g2023.pem", IDP_E_INVALID_REQUEST, err, sizeof(err));
    add_roots_file(t, IDP_JPKI_AUTH, "roots/staging-auth.pem", IDP_E_INVALID_REQUEST, err, sizeof(err));
    add_roots_file(t, IDP_JPKI_AUTH, "foreign/root.pem", IDP_E_INVALID_REQUEST, err, sizeof(err));
    /* the chain is found by key: a g2023 card verifies under the BMPString root of the same key */
    char crl[512];
    snprintf(crl, sizeof(crl), "%s/crl", dir);
    idp_jpki_revocation_t *rev;
    assert_int_equal(idp_jpki_crl_dir_new(crl, &rev), IDP_OK);
    idp_jpki_trust_set_revocation(t, rev);
    assert_int_equal(check(t, "sakai-taro", "auth", IDP_JPKI_AUTH), IDP_JPKI_OK);
    assert_int_equal(check(t, "older-root", "auth", IDP_JPKI_AUTH), IDP_JPKI_UNKNOWN_ISSUER);
    idp_jpki_trust_free(t);
}

/* The resident's text for a reason: the message catalogue's "card.<code>" (ui/messages.c). */
static const char *reason_text(idp_jpki_reason_t r, const char *lang)
{
    char key[48];
    snprintf(key, sizeof(key), "card.%s", idp_jpki_reason_code(r));
    return idp_msg(key, lang);
}

static void reason_texts(void **state)
{
    /* every reason has its own entry: none falls back to the general text */
    for (int r = 0; r < IDP_JPKI__COUNT; r++)
        for (int l = 0; l < 2; l++) {
            const char *lang = l ? "en" : "ja";
            assert_non_null(reason_text((idp_jpki_reason_t)r, lang));
            if (r != IDP_JPKI_MALFORMED)
                assert_ptr_not_equal(reason_text((idp_jpki_reason_t)r, lang), idp_msg("card.malformed", lang));
        }
    assert_ptr_equal(idp_msg("card.no_such_reason", "en"), idp_msg("card.malformed", "en"));
    assert_string_equal(idp_jpki_reason_code(IDP_JPKI_BAD_SIGNATURE), "bad_signature");
    assert_string_equal(idp_jpki_reason_code(IDP_JPKI_UNKNOWN_ISSUER), "unknown_issuer");
    assert_string_equal(idp_jpki_reason_code(IDP_JPKI_WEAK_KEY), "weak_key");
    assert_string_equal(idp_jpki_reason_code(IDP_JPKI_NOT_YET_VALID), "not_yet_valid");
    assert_string_equal(idp_jpki_reason_code(IDP_JPKI_BAD_KEY_USAGE), "bad_key_usage");
    assert_string_equal(idp_jpki_reason_code(IDP_JPKI_REVOCATION_UNKNOWN), "revocation_unknown");
    /* not yet valid is not "expired, renew your card" */
    for (int l = 0; l < 2; l++) {
        const char *lang = l ? "en" : "ja";
        assert_string_not_equal(reason_text(IDP_JPKI_NOT_YET_VALID, lang), reason_text(IDP_JPKI_EXPIRED, lang));
    }
    assert_null(strstr(reason_text(IDP_JPKI_NOT_YET_VALID, "en"), "renew it"));
    assert_null(strstr(reason_text(IDP_JPKI_NOT_YET_VALID, "ja"), "更新してください"));
    /* no revocation information: the service cannot check, the card is not at fault */
    assert_non_null(strstr(reason_text(IDP_JPKI_REVOCATION_UNKNOWN, "en"), "does not mean"));
    assert_non_null(
        strstr(reason_text(IDP_JPKI_REVOCATION_UNKNOWN, "ja"), "カードに問題があるという意味ではありません"));
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
        cmocka_unit_test(valid_cards),
        cmocka_unit_test(signing_attributes),
        cmocka_unit_test(refusals),
        cmocka_unit_test(signatures),
        cmocka_unit_test(malformed),
        cmocka_unit_test(revocation_sources),
        cmocka_unit_test(test_roots_only_in_dev_mode),
        cmocka_unit_test(reason_texts),
        cmocka_unit_test(cache_hit_gives_the_same_result),
        cmocka_unit_test(cached_card_revoked_later_is_refused),
        cmocka_unit_test(cached_card_outside_validity_takes_the_full_path),
        cmocka_unit_test(cached_card_checks_the_signature),
        cmocka_unit_test(cache_keeps_the_purposes_apart),
        cmocka_unit_test(cache_evicts_the_least_recently_used),
        cmocka_unit_test(cache_under_concurrent_use),
        cmocka_unit_test(renewed_and_twin_cards),
        cmocka_unit_test(delta_crl_is_never_enough_by_itself),
        cmocka_unit_test(crl_scope_must_cover_the_card),
        cmocka_unit_test(crl_with_unknown_critical_extension_is_not_used),
        cmocka_unit_test(delta_remove_from_crl_releases_nothing),
        cmocka_unit_test(missing_key_usage_is_refused),
        cmocka_unit_test(not_yet_valid_is_not_expired),
        cmocka_unit_test(test_anchors_are_the_test_cas_keys),
        cmocka_unit_test(roots_are_pinned_by_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

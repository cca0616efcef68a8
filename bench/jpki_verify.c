/*
 * JPKI verifications per CPU-second on one core (idp_jpki_verify: chain to the
 * pinned roots, CRL lookup, the card's signature over the rebuilt message):
 *
 *  - warm: the sakai-taro card again and again, as every returning resident.
 *    The certificate is in the verified-certificate cache, so each call is
 *    the validity check, the CRL lookup and one RSA verify;
 *  - cold: a certificate never verified before on every call. The bench issues
 *    IDP_JPKI_CACHE_ENTRIES + COLD_EXTRA distinct certificates up front (the
 *    sakai-taro certificate re-issued by the test root with other serials, so
 *    one card signature fits all) and cycles through them: with more of them
 *    than the cache holds, least-recently-used eviction makes every call a
 *    miss (the run checks that and prints the hits, which must be 0). Each
 *    call is then the full path: decoding, chain building with the root's
 *    signature, the checks, the CRL, the card's signature, and the cache
 *    insertion and eviction.
 *
 * Rates are per CPU-second of this process, as `openssl speed` counts its
 * rates per user CPU-second: a shared machine then skews the ratio less.
 * Usage: bench_jpki_verify MATERIAL_DIR [SECONDS]. bench/jpki prints it beside
 * `openssl speed rsa2048` (the RSA verify ceiling) from the same run.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jpki/jpki.h"

#define COLD_EXTRA 1024

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *read_pem(const char *dir, const char *file, int key)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    void *v = NULL;
    if (f) {
        v = key ? (void *)PEM_read_PrivateKey(f, NULL, NULL, NULL) : (void *)PEM_read_X509(f, NULL, NULL, NULL);
        fclose(f);
    }
    if (v == NULL)
        fprintf(stderr, "cannot read %s\n", path);
    return v;
}

typedef struct {
    unsigned char der[IDP_JPKI_MAX_CERT];
    size_t len;
} cert_t;

/* @p n copies of @p card issued again by @p root_key with serials 1..n (distinct DER, the same key). */
static cert_t *issue_pool(X509 *card, EVP_PKEY *root_key, size_t n)
{
    cert_t *pool = calloc(n, sizeof(*pool));
    for (size_t i = 0; pool && i < n; i++) {
        X509 *x = X509_dup(card);
        ASN1_INTEGER *serial = ASN1_INTEGER_new();
        unsigned char *p = pool[i].der;
        int len = x && serial && ASN1_INTEGER_set_uint64(serial, 0x5A0000000000ULL + i) == 1 &&
                          X509_set_serialNumber(x, serial) == 1 && X509_sign(x, root_key, EVP_sha256()) > 0
                      ? i2d_X509(x, NULL)
                      : -1;
        if (len <= 0 || len > IDP_JPKI_MAX_CERT || i2d_X509(x, &p) != len) {
            free(pool);
            pool = NULL;
        } else {
            pool[i].len = (size_t)len;
        }
        ASN1_INTEGER_free(serial);
        X509_free(x);
    }
    return pool;
}

/* Verifies @p pool[i % n] round-robin for @p seconds of CPU time; verifications per CPU-second, or -1. */
static double run(idp_jpki_trust_t *t, const cert_t *pool, size_t n, const unsigned char *msg, size_t msg_len,
                  const unsigned char *sig, size_t sig_len, time_t at, double seconds)
{
    idp_jpki_result_t res;
    long count = 0;
    double start = cpu_now(), end = start + seconds, now;
    size_t i = 0;
    while ((now = cpu_now()) < end) {
        for (int k = 0; k < 50; k++, count++, i = i + 1 == n ? 0 : i + 1)
            if (idp_jpki_verify(t, IDP_JPKI_AUTH, pool[i].der, pool[i].len, msg, msg_len, sig, sig_len, at, &res) !=
                IDP_JPKI_OK) {
                fprintf(stderr, "verification failed: %s (%s)\n", idp_jpki_reason_code(res.reason), res.detail);
                return -1;
            }
    }
    return (double)count / (now - start);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s MATERIAL_DIR [SECONDS]\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    double seconds = argc > 2 ? strtod(argv[2], NULL) : 3.0;
    char path[1024], err[256];
    idp_jpki_trust_t *t = idp_jpki_trust_new(true);
    idp_jpki_revocation_t *rev;
    static const char *const roots[] = {"roots/auth-g2019.pem", "roots/auth-g2023.pem"};
    for (int r = 0; r < 2; r++) {
        snprintf(path, sizeof(path), "%s/%s", dir, roots[r]);
        if (idp_jpki_trust_add_roots(t, IDP_JPKI_AUTH, path, err, sizeof(err)) != IDP_OK) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
    }
    snprintf(path, sizeof(path), "%s/crl", dir);
    if (idp_jpki_crl_dir_new(path, &rev) != IDP_OK)
        return 1;
    idp_jpki_trust_set_revocation(t, rev);

    X509 *card = read_pem(dir, "cards/sakai-taro/auth.pem", 0);
    EVP_PKEY *card_key = read_pem(dir, "cards/sakai-taro/auth.key", 1);
    EVP_PKEY *root_key = read_pem(dir, "ca/auth-g2023/root.key", 1);
    if (card == NULL || card_key == NULL || root_key == NULL)
        return 1;

    /* The card's signature: PKCS#1 v1.5 over the SHA-256 DigestInfo of our message (jpki.md). */
    unsigned char msg[IDP_JPKI_MESSAGE_MAX], sig[512], nonce[IDP_JPKI_NONCE_BYTES] = {7};
    size_t n = idp_jpki_message(IDP_JPKI_AUTH, nonce, "client", "https://rp.example/cb", "nonce", msg),
           siglen = sizeof(sig);
    unsigned char digest[32];
    EVP_Digest(msg, n, digest, NULL, EVP_sha256(), NULL);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(card_key, NULL);
    if (c == NULL || EVP_PKEY_sign_init(c) != 1 || EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) != 1 ||
        EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) != 1 ||
        EVP_PKEY_sign(c, sig, &siglen, digest, sizeof(digest)) != 1)
        return 1;
    EVP_PKEY_CTX_free(c);

    cert_t warm;
    unsigned char *p = warm.der;
    warm.len = (size_t)i2d_X509(card, &p);
    size_t pool_n = IDP_JPKI_CACHE_ENTRIES + COLD_EXTRA;
    cert_t *pool = issue_pool(card, root_key, pool_n);
    if (pool == NULL) {
        fprintf(stderr, "cannot issue the cold certificates\n");
        return 1;
    }

    time_t at = time(NULL);
    idp_jpki_cache_stats_t before, after;
    double warm_rate = run(t, &warm, 1, msg, n, sig, siglen, at, seconds);
    idp_jpki_trust_cache_stats(t, &before);
    double cold_rate = run(t, pool, pool_n, msg, n, sig, siglen, at, seconds);
    idp_jpki_trust_cache_stats(t, &after);
    if (warm_rate < 0 || cold_rate < 0)
        return 1;
    printf("{\"bench\":\"jpki_verify\",\"warm_per_cpu_second\":%.0f,\"cold_per_cpu_second\":%.0f,"
           "\"cold_verifications\":%lu,\"cold_cache_hits\":%lu,\"cache_entries\":%zu,\"seconds\":%.1f}\n",
           warm_rate, cold_rate, (after.hits + after.misses) - (before.hits + before.misses), after.hits - before.hits,
           after.entries, seconds);
    free(pool);
    X509_free(card);
    EVP_PKEY_free(card_key);
    EVP_PKEY_free(root_key);
    idp_jpki_trust_free(t);
    return after.hits != before.hits; /* a cold run that hit the cache measured the wrong thing */
}

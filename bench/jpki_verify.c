/*
 * Full JPKI checks per second on one core: chain to the pinned roots, CRL
 * lookup, signature over the rebuilt message (idp_jpki_verify), for a valid
 * card. Usage: bench_jpki_verify MATERIAL_DIR [SECONDS]. bench/jpki prints it
 * beside `openssl speed rsa2048` (the RSA verify ceiling) on the same machine.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jpki/jpki.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s MATERIAL_DIR [SECONDS]\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    double seconds = argc > 2 ? atof(argv[2]) : 3.0;
    char path[1024], err[256];
    idp_jpki_trust_t *t = idp_jpki_trust_new(true);
    idp_jpki_revocation_t *rev;
    snprintf(path, sizeof(path), "%s/roots/auth-g2023.pem", dir);
    if (idp_jpki_trust_add_roots(t, IDP_JPKI_AUTH, path, err, sizeof(err)) != IDP_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    snprintf(path, sizeof(path), "%s/roots/auth-g2019.pem", dir);
    idp_jpki_trust_add_roots(t, IDP_JPKI_AUTH, path, err, sizeof(err));
    snprintf(path, sizeof(path), "%s/crl", dir);
    idp_jpki_crl_dir_new(path, &rev);
    idp_jpki_trust_set_revocation(t, rev);

    snprintf(path, sizeof(path), "%s/cards/sakai-taro/auth.pem", dir);
    FILE *f = fopen(path, "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    snprintf(path, sizeof(path), "%s/cards/sakai-taro/auth.key", dir);
    f = fopen(path, "r");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    if (x == NULL || k == NULL) {
        fprintf(stderr, "cannot read the sakai-taro card in %s\n", dir);
        return 1;
    }
    unsigned char der[4096], *p = der, msg[IDP_JPKI_MESSAGE_MAX], sig[512], nonce[IDP_JPKI_NONCE_BYTES] = {7};
    size_t derlen = (size_t)i2d_X509(x, &p), siglen = sizeof(sig);
    size_t n = idp_jpki_message(IDP_JPKI_AUTH, nonce, "client", "https://rp.example/cb", "nonce", msg);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k, NULL);
    EVP_PKEY_sign_init(c);
    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING);
    EVP_PKEY_CTX_set_signature_md(c, EVP_sha256());
    unsigned char digest[32];
    EVP_Digest(msg, n, digest, NULL, EVP_sha256(), NULL);
    EVP_PKEY_sign(c, sig, &siglen, digest, sizeof(digest));
    EVP_PKEY_CTX_free(c);

    idp_jpki_result_t res;
    time_t at = time(NULL);
    long count = 0;
    double start = now(), end = start + seconds;
    while (now() < end) {
        for (int i = 0; i < 50; i++, count++)
            if (idp_jpki_verify(t, IDP_JPKI_AUTH, der, derlen, msg, n, sig, siglen, at, &res) != IDP_JPKI_OK) {
                fprintf(stderr, "verification failed: %s (%s)\n", idp_jpki_reason_code(res.reason), res.detail);
                return 1;
            }
    }
    double rate = (double)count / (now() - start);
    printf("{\"bench\":\"jpki_verify\",\"verifications_per_second\":%.0f,\"seconds\":%.1f}\n", rate, seconds);
    X509_free(x);
    EVP_PKEY_free(k);
    idp_jpki_trust_free(t);
    return 0;
}

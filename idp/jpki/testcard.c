/* Test cards in software (testcard.h). */
#include "jpki/testcard.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

bool idp_testcard_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64)
        return false;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
            return false;
    return true;
}

/* The card's operation: RSASSA-PKCS1-v1_5 over the DigestInfo of a SHA-256 @p digest, given to the signer as is. */
static bool card_sign(EVP_PKEY *key, const unsigned char digest[32], unsigned char *sig, size_t *siglen)
{
    static const unsigned char prefix[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                           0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    unsigned char di[sizeof(prefix) + 32];
    memcpy(di, prefix, sizeof(prefix));
    memcpy(di + sizeof(prefix), digest, 32);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key, NULL);
    bool ok = c && EVP_PKEY_sign_init(c) == 1 && EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1 &&
              EVP_PKEY_sign(c, sig, siglen, di, sizeof(di)) == 1;
    EVP_PKEY_CTX_free(c);
    return ok;
}

idp_err_t idp_testcard_sign(const char *card_dir, idp_jpki_purpose_t purpose, const unsigned char *msg, size_t msg_len,
                            unsigned char der[IDP_TESTCARD_MAX_CERT], size_t *der_len, unsigned char sig[512],
                            size_t *sig_len)
{
    unsigned char digest[32];
    SHA256(msg, msg_len, digest);
    return idp_testcard_sign_digest(card_dir, purpose, digest, der, der_len, sig, sig_len);
}

idp_err_t idp_testcard_sign_digest(const char *card_dir, idp_jpki_purpose_t purpose, const unsigned char digest[32],
                                   unsigned char der[IDP_TESTCARD_MAX_CERT], size_t *der_len, unsigned char sig[512],
                                   size_t *sig_len)
{
    const char *which = purpose == IDP_JPKI_SIGN ? "sign" : "auth";
    char path[4200];
    idp_err_t ret = IDP_E_NOT_FOUND;
    snprintf(path, sizeof(path), "%s/%s.key", card_dir, which);
    FILE *f = fopen(path, "r");
    EVP_PKEY *key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    snprintf(path, sizeof(path), "%s/%s.pem", card_dir, which);
    f = fopen(path, "r");
    X509 *cert = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    if (key && cert) {
        int n = i2d_X509(cert, NULL);
        unsigned char *p = der;
        *sig_len = 512;
        ret = n > 0 && n <= IDP_TESTCARD_MAX_CERT && card_sign(key, digest, sig, sig_len) ? IDP_OK : IDP_E_SERVER_ERROR;
        if (ret == IDP_OK)
            *der_len = (size_t)i2d_X509(cert, &p);
    }
    EVP_PKEY_free(key);
    X509_free(cert);
    return ret;
}

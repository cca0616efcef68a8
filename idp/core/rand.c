#include "core/rand.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"

idp_err_t idp_random_bytes(unsigned char *out, size_t n)
{
    if (n > 0x7fffffff || RAND_bytes(out, (int)n) != 1)
        return IDP_E_SERVER_ERROR;
    return IDP_OK;
}

char *idp_random_token_new(size_t nbytes)
{
    unsigned char raw[64];
    if (nbytes > sizeof(raw) || idp_random_bytes(raw, nbytes) != IDP_OK)
        return NULL;
    char *s = idp_b64url_encode_new(raw, nbytes);
    OPENSSL_cleanse(raw, sizeof(raw));
    return s;
}

char *idp_random_id_new(size_t nbytes)
{
    /* One draw in 32 starts with '-' or '_'; draw again rather than alter the string, so every id stays a
       uniform pick among those that start with a letter or digit. */
    for (;;) {
        char *s = idp_random_token_new(nbytes);
        if (s == NULL || (*s != '-' && *s != '_'))
            return s;
        free(s);
    }
}

int idp_ct_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

void idp_wipe(void *p, size_t n)
{
    if (p)
        OPENSSL_cleanse(p, n);
}

void idp_sha256(const void *p, size_t n, unsigned char out[32])
{
    unsigned int len = 32;
    EVP_Digest(p, n, out, &len, EVP_sha256(), NULL);
}

void idp_secret_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

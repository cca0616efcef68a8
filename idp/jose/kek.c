#include "jose/kek.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/b64.h"
#include "core/rand.h"

#define SEAL_VERSION 0x01
#define NONCE_LEN 12
#define TAG_LEN 16

idp_err_t idp_kek_load(const char *path, idp_kek_t *kek, char *err, size_t errlen)
{
    idp_err_t ret = IDP_E_INVALID_REQUEST;
    char text[128];
    size_t n = 0, outlen = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "key-encryption key %s: %s (create it with: sakaid-admin kek init)", path,
                 strerror(errno));
        return ret;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "key-encryption key %s: not a regular file", path);
        goto Exit;
    }
    /* The KEK protects every signing key: refuse it if anyone else can read it. */
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf(err, errlen, "key-encryption key %s has mode %03o: group or others may access it; run chmod 600 %s",
                 path, (unsigned)(st.st_mode & 0777), path);
        goto Exit;
    }
    ssize_t r;
    while (n < sizeof(text) && (r = read(fd, text + n, sizeof(text) - n)) > 0)
        n += (size_t)r;
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        n--;
    if (idp_b64url_decode(text, n, kek->key, sizeof(kek->key), &outlen) != IDP_OK || outlen != IDP_KEK_BYTES) {
        snprintf(err, errlen, "key-encryption key %s: expected the base64url encoding of 32 bytes", path);
        goto Exit;
    }
    ret = IDP_OK;
Exit:
    idp_wipe(text, sizeof(text));
    close(fd);
    return ret;
}

idp_err_t idp_kek_create(const char *path, char *err, size_t errlen)
{
    unsigned char raw[IDP_KEK_BYTES];
    char text[64];
    idp_err_t ret = IDP_E_SERVER_ERROR;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "key-encryption key %s: %s", path, strerror(errno));
        return errno == EEXIST ? IDP_E_CONFLICT : IDP_E_SERVER_ERROR;
    }
    if (idp_random_bytes(raw, sizeof(raw)) != IDP_OK)
        goto Exit;
    idp_b64url_encode(raw, sizeof(raw), text);
    size_t len = strlen(text);
    text[len++] = '\n';
    if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
        snprintf(err, errlen, "key-encryption key %s: %s", path, strerror(errno));
        goto Exit;
    }
    ret = IDP_OK;
Exit:
    idp_wipe(raw, sizeof(raw));
    idp_wipe(text, sizeof(text));
    close(fd);
    if (ret != IDP_OK)
        unlink(path);
    return ret;
}

void idp_kek_wipe(idp_kek_t *kek)
{
    idp_wipe(kek->key, sizeof(kek->key));
}

idp_err_t idp_aead_seal(const idp_kek_t *kek, const char *aad, const unsigned char *pt, size_t ptlen,
                        unsigned char **out, size_t *outlen)
{
    idp_err_t ret = IDP_E_SERVER_ERROR;
    int len;
    size_t total = 1 + NONCE_LEN + ptlen + TAG_LEN;
    unsigned char *buf = malloc(total);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (buf == NULL || ctx == NULL || ptlen > 1 << 20)
        goto Exit;
    buf[0] = SEAL_VERSION;
    if (idp_random_bytes(buf + 1, NONCE_LEN) != IDP_OK)
        goto Exit;
    if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, kek->key, buf + 1) != 1 ||
        EVP_EncryptUpdate(ctx, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) != 1 ||
        EVP_EncryptUpdate(ctx, buf + 1 + NONCE_LEN, &len, pt, (int)ptlen) != 1 ||
        EVP_EncryptFinal_ex(ctx, buf + 1 + NONCE_LEN + len, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, buf + 1 + NONCE_LEN + ptlen) != 1)
        goto Exit;
    *out = buf;
    *outlen = total;
    buf = NULL;
    ret = IDP_OK;
Exit:
    free(buf);
    EVP_CIPHER_CTX_free(ctx);
    return ret;
}

idp_err_t idp_aead_open(const idp_kek_t *kek, const char *aad, const unsigned char *in, size_t inlen,
                        unsigned char **out, size_t *outlen)
{
    idp_err_t ret = IDP_E_SERVER_ERROR;
    int len;
    unsigned char *buf = NULL;
    EVP_CIPHER_CTX *ctx = NULL;
    if (inlen < 1 + NONCE_LEN + TAG_LEN || in[0] != SEAL_VERSION || inlen > (1 << 20))
        return IDP_E_SERVER_ERROR;
    size_t ctlen = inlen - 1 - NONCE_LEN - TAG_LEN;
    if ((buf = malloc(ctlen + 1)) == NULL || (ctx = EVP_CIPHER_CTX_new()) == NULL)
        goto Exit;
    if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, kek->key, in + 1) != 1 ||
        EVP_DecryptUpdate(ctx, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) != 1 ||
        EVP_DecryptUpdate(ctx, buf, &len, in + 1 + NONCE_LEN, (int)ctlen) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, (void *)(in + inlen - TAG_LEN)) != 1 ||
        EVP_DecryptFinal_ex(ctx, buf + len, &len) != 1)
        goto Exit;
    *out = buf;
    *outlen = ctlen;
    buf = NULL;
    ret = IDP_OK;
Exit:
    if (buf) {
        idp_wipe(buf, ctlen);
        free(buf);
    }
    EVP_CIPHER_CTX_free(ctx);
    return ret;
}

void idp_kek_derive(const idp_kek_t *kek, const char *label, unsigned char out[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), kek->key, IDP_KEK_BYTES, (const unsigned char *)label, strlen(label), out, &len);
}

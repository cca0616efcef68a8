#include "core/b64.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

size_t idp_b64url_encoded_len(size_t n)
{
    return (n / 3) * 4 + ((n % 3) ? (n % 3) + 1 : 0);
}

void idp_b64url_encode(const unsigned char *in, size_t n, char *out)
{
    size_t done = 0, o = 0;
    /* EVP_EncodeBlock takes an int length; go in slices so that any size works. */
    while (done < n) {
        size_t slice = n - done > 3u * 1024 * 1024 ? 3u * 1024 * 1024 : n - done;
        o += (size_t)EVP_EncodeBlock((unsigned char *)out + o, in + done, (int)slice);
        done += slice;
    }
    out[o] = '\0';
    while (o > 0 && out[o - 1] == '=')
        out[--o] = '\0';
    for (size_t i = 0; i < o; i++) {
        if (out[i] == '+')
            out[i] = '-';
        else if (out[i] == '/')
            out[i] = '_';
    }
}

char *idp_b64url_encode_new(const unsigned char *in, size_t n)
{
    /* room for the padded form that EVP_EncodeBlock writes before we trim */
    char *out = malloc(((n + 2) / 3) * 4 + 1);
    if (out)
        idp_b64url_encode(in, n, out);
    return out;
}

static int in_alphabet(unsigned char c, int url)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return 1;
    return url ? (c == '-' || c == '_') : (c == '+' || c == '/');
}

static int value_of(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return (c == '+' || c == '-') ? 62 : 63;
}

/* Decodes n (a multiple of 4 after padding) standard-alphabet characters. */
static idp_err_t decode_std(const char *in, size_t n, size_t pad, unsigned char *out, size_t cap, size_t *outlen)
{
    size_t need = n / 4 * 3;
    if (need > cap + pad || n > (size_t)1 << 30)
        return IDP_E_INVALID_REQUEST;
    /* EVP_DecodeBlock writes whole 3-byte groups, padding included. */
    unsigned char *tmp = malloc(need + 1);
    if (tmp == NULL)
        return IDP_E_NOMEM;
    int r = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)n);
    if (r < 0 || (size_t)r != need) {
        free(tmp);
        return IDP_E_INVALID_REQUEST;
    }
    memcpy(out, tmp, need - pad);
    OPENSSL_cleanse(tmp, need);
    free(tmp);
    *outlen = need - pad;
    return IDP_OK;
}

static idp_err_t check_tail_bits(const char *in, size_t n)
{
    /* RFC 4648 §3.5: reject non-canonical encodings (unused bits set). */
    size_t rem = n % 4;
    if (rem == 0)
        return IDP_OK;
    int last = value_of((unsigned char)in[n - 1]);
    if ((rem == 2 && (last & 0x0f)) || (rem == 3 && (last & 0x03)))
        return IDP_E_INVALID_REQUEST;
    return IDP_OK;
}

idp_err_t idp_b64url_decode(const char *in, size_t n, unsigned char *out, size_t cap, size_t *outlen)
{
    if (n % 4 == 1)
        return IDP_E_INVALID_REQUEST;
    for (size_t i = 0; i < n; i++)
        if (!in_alphabet((unsigned char)in[i], 1))
            return IDP_E_INVALID_REQUEST;
    if (check_tail_bits(in, n) != IDP_OK)
        return IDP_E_INVALID_REQUEST;
    size_t pad = (4 - n % 4) % 4;
    char *std = malloc(n + pad + 1);
    if (std == NULL)
        return IDP_E_NOMEM;
    for (size_t i = 0; i < n; i++)
        std[i] = in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i];
    memset(std + n, '=', pad);
    idp_err_t ret = decode_std(std, n + pad, pad, out, cap, outlen);
    OPENSSL_cleanse(std, n + pad);
    free(std);
    return ret;
}

idp_err_t idp_b64_decode(const char *in, size_t n, unsigned char *out, size_t cap, size_t *outlen)
{
    if (n % 4 != 0)
        return IDP_E_INVALID_REQUEST;
    size_t pad = 0;
    while (pad < 2 && n > pad && in[n - 1 - pad] == '=')
        pad++;
    for (size_t i = 0; i < n - pad; i++)
        if (!in_alphabet((unsigned char)in[i], 0))
            return IDP_E_INVALID_REQUEST;
    if (check_tail_bits(in, n - pad) != IDP_OK)
        return IDP_E_INVALID_REQUEST;
    if (n == 0) {
        *outlen = 0;
        return IDP_OK;
    }
    return decode_std(in, n, pad, out, cap, outlen);
}

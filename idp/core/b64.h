/**
 * base64url without padding (RFC 4648 §5, as JOSE uses it: RFC 7515 §2) and
 * standard base64 (RFC 4648 §4, for HTTP Basic credentials). Encoding and
 * decoding are done by OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock; this file
 * only translates alphabets and enforces a strict input syntax.
 */
#ifndef IDP_CORE_B64_H
#define IDP_CORE_B64_H

#include <stddef.h>

#include "core/err.h"

/** Length of the unpadded base64url encoding of @p n bytes, without the NUL. */
size_t idp_b64url_encoded_len(size_t n);
/**
 * Encodes into @p out, which must hold ((n + 2) / 3) * 4 + 1 bytes: the
 * padded encoding and its NUL are written first, then the padding is cut, so
 * idp_b64url_encoded_len(n) + 1 is up to two bytes short.
 */
void idp_b64url_encode(const unsigned char *in, size_t n, char *out);
/** Returns a malloc'ed NUL-terminated encoding, or NULL on allocation failure. */
char *idp_b64url_encode_new(const unsigned char *in, size_t n);

/**
 * Decodes unpadded base64url @p in (length @p n) into @p out (capacity
 * @p cap, at least n*3/4+3). Rejects padding, whitespace, characters outside
 * the alphabet, an impossible length and non-zero trailing bits.
 * @return IDP_OK or IDP_E_INVALID_REQUEST.
 */
idp_err_t idp_b64url_decode(const char *in, size_t n, unsigned char *out, size_t cap, size_t *outlen);

/** Standard base64 with '=' padding required (as in HTTP Basic). Same contract. */
idp_err_t idp_b64_decode(const char *in, size_t n, unsigned char *out, size_t cap, size_t *outlen);

#endif

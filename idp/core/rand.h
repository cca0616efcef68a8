/** Randomness (OpenSSL's CSPRNG), secret hygiene and hashing helpers. */
#ifndef IDP_CORE_RAND_H
#define IDP_CORE_RAND_H

#include <stddef.h>

#include "core/err.h"

/** Fills @p out with @p n bytes from RAND_bytes. */
idp_err_t idp_random_bytes(unsigned char *out, size_t n);
/** A malloc'ed base64url string of @p nbytes random bytes (e.g. 32 for a 256-bit secret). */
char *idp_random_token_new(size_t nbytes);
/** Like idp_random_token_new(), but the first character is a letter or digit, never '-' or '_', so the id
 *  can be typed as a command-line argument without being read as an option (client ids). */
char *idp_random_id_new(size_t nbytes);
/** Constant-time equality of two equal-length byte strings (CRYPTO_memcmp). */
int idp_ct_equal(const void *a, const void *b, size_t n);
/** Wipes @p n bytes at @p p (OPENSSL_cleanse). */
void idp_wipe(void *p, size_t n);
/** SHA-256 of @p n bytes into @p out[32]. */
void idp_sha256(const void *p, size_t n, unsigned char out[32]);
/** Wipes and frees a NUL-terminated secret string; NULL is fine. */
void idp_secret_free(char *s);

#endif

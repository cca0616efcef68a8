/**
 * The key-encryption key (KEK) and the AEAD that wraps secrets stored in
 * PostgreSQL (signing keys' private parts, later upstream client secrets).
 *
 * KEK file: the base64url encoding of 32 random bytes, one line, mode 0600.
 * A file that its group or others may read (or write) is refused.
 *
 * Sealed format: 0x01 | nonce[12] | ciphertext | tag[16], AES-256-GCM, with
 * caller-chosen associated data that binds the ciphertext to its row.
 */
#ifndef IDP_JOSE_KEK_H
#define IDP_JOSE_KEK_H

#include <stddef.h>

#include "core/err.h"

#define IDP_KEK_BYTES 32

typedef struct {
    unsigned char key[IDP_KEK_BYTES];
} idp_kek_t;

/** Reads and checks the KEK file. Errors are described in @p err. */
idp_err_t idp_kek_load(const char *path, idp_kek_t *kek, char *err, size_t errlen);
/** Creates a new KEK file (mode 0600, never overwrites). IDP_E_CONFLICT if it exists. */
idp_err_t idp_kek_create(const char *path, char *err, size_t errlen);
void idp_kek_wipe(idp_kek_t *kek);
/** A 32-byte key for one purpose, HMAC-SHA-256(KEK, @p label): stable for as long as the KEK is. */
void idp_kek_derive(const idp_kek_t *kek, const char *label, unsigned char out[32]);

/** Seals @p pt; *out is malloc'ed (free it), *outlen = ptlen + 29. */
idp_err_t idp_aead_seal(const idp_kek_t *kek, const char *aad, const unsigned char *pt, size_t ptlen,
                        unsigned char **out, size_t *outlen);
/** Opens a sealed blob; IDP_E_SERVER_ERROR if it was altered or the KEK is wrong. *out is malloc'ed. */
idp_err_t idp_aead_open(const idp_kek_t *kek, const char *aad, const unsigned char *in, size_t inlen,
                        unsigned char **out, size_t *outlen);

#endif

/**
 * A signing key: an OpenSSL EVP_PKEY parsed once and kept, so that the
 * per-token path does no key parsing (anchors.md: libjwt re-parses PEM on
 * every token, 3.6x-19x slower). Thread-safe for concurrent signing.
 */
#ifndef IDP_JOSE_KEY_H
#define IDP_JOSE_KEY_H

#include <stddef.h>

#include "core/err.h"

/* The signing algorithms jose signs and verifies with; IDP_ALG_NONE is never accepted. New ones go at the
 * end, before IDP_ALG__COUNT, so that the others keep their numbers. */
typedef enum { IDP_ALG_NONE = 0, IDP_ALG_RS256, IDP_ALG_ES256, IDP_ALG_PS256, IDP_ALG__COUNT } idp_alg_t;

typedef struct idp_jose_key idp_jose_key_t;

/** "RS256" -> IDP_ALG_RS256; IDP_ALG_NONE for anything else. */
idp_alg_t idp_alg_from_name(const char *name);
const char *idp_alg_name(idp_alg_t alg);

/** Generates RSA-2048 (RS256, PS256) or P-256 (ES256). Owned: idp_jose_key_free. */
idp_err_t idp_jose_key_generate(idp_alg_t alg, idp_jose_key_t **out);
/** Rebuilds a key from its DER private key (as idp_jose_key_private_der gave it). */
idp_err_t idp_jose_key_from_der(idp_alg_t alg, const unsigned char *der, size_t len, idp_jose_key_t **out);
/** The DER private key; *der is malloc'ed and must be wiped (idp_wipe) and freed. */
idp_err_t idp_jose_key_private_der(const idp_jose_key_t *k, unsigned char **der, size_t *len);

/** The key id: the RFC 7638 JWK thumbprint (SHA-256, base64url). */
const char *idp_jose_key_kid(const idp_jose_key_t *k);
idp_alg_t idp_jose_key_alg(const idp_jose_key_t *k);
/** The public JWK as JSON text with kid, use "sig" and alg (RFC 7517 §4). */
const char *idp_jose_key_public_jwk(const idp_jose_key_t *k);
/**
 * The protected header of a JWS this key signs (RFC 7515 §4.1: alg, kid; typ unless @p typ is NULL), as
 * base64url of its JSON text, made once when the key was: for no typ, "at+jwt" and "logout+jwt".
 * NULL for any other typ (idp_jose_key_header_new makes those).
 */
const char *idp_jose_key_header(const idp_jose_key_t *k, const char *typ);
/** The same for any @p typ, malloc'ed; NULL when out of memory. */
char *idp_jose_key_header_new(const idp_jose_key_t *k, const char *typ);
/** The public key as PEM (SubjectPublicKeyInfo); malloc'ed. */
char *idp_jose_key_public_pem_new(const idp_jose_key_t *k);

/**
 * Signs @p data: RS256 = RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3); ES256 =
 * ECDSA P-256 SHA-256 as the 64-byte R||S of RFC 7518 §3.4; PS256 = RSASSA-PSS
 * with SHA-256, MGF1 with SHA-256 and a 32-byte salt (RFC 7518 §3.5).
 * @p sig holds at least 256 bytes.
 */
idp_err_t idp_jose_key_sign(const idp_jose_key_t *k, const void *data, size_t len, unsigned char *sig, size_t *siglen);

void idp_jose_key_free(idp_jose_key_t *k);

#endif

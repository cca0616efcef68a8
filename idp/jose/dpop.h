/**
 * DPoP proofs (RFC 9449): what can be checked of a proof from the proof
 * alone and the request it came with (§4.3), and the thumbprint of its key
 * (RFC 7638) that tokens are bound to (§6). The server nonce (§8) and the
 * jti's single use (§11.1) need state, and are the caller's (oauth/dpop.c).
 */
#ifndef IDP_JOSE_DPOP_H
#define IDP_JOSE_DPOP_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"

/** The longest jti and nonce a proof may carry. */
#define IDP_DPOP_JTI_MAX 128
#define IDP_DPOP_NONCE_MAX 128
/** A proof's iat may be this many seconds old (§4.3 item 11: "a reasonable window"), and this far ahead. */
#define IDP_DPOP_MAX_AGE 300
#define IDP_DPOP_MAX_AHEAD 60
/** A JWK SHA-256 thumbprint in base64url is 43 characters; its buffer has room for idp_b64url_encode's padding. */
#define IDP_JKT_CHARS 43
#define IDP_JKT_LEN 48

typedef struct {
    char jkt[IDP_JKT_LEN];              /* RFC 7638 thumbprint of the proof's public key */
    char jti[IDP_DPOP_JTI_MAX + 1];     /* unique per proof (§4.2) */
    char nonce[IDP_DPOP_NONCE_MAX + 1]; /* the server nonce it carries, or "" */
    char alg[8];                        /* its JWS algorithm */
    long long iat;
} idp_dpop_proof_t;

/**
 * Checks the compact JWS @p proof as a DPoP proof for a request of method
 * @p htm to @p htu (scheme, authority and path; no query, no fragment) at
 * time @p now, and, when @p access_token is not NULL, for that token (ath,
 * §4.3 item 12). Fills @p out.
 *
 * @return IDP_OK; IDP_E_INVALID_DPOP_PROOF with the reason in *why (static
 *         text a client may read); IDP_E_NOMEM or IDP_E_SERVER_ERROR.
 */
idp_err_t idp_dpop_verify(const char *proof, const char *htm, const char *htu, const char *access_token, long long now,
                          idp_dpop_proof_t *out, const char **why);

/**
 * The RFC 7638 thumbprint (SHA-256, base64url) of the public JWK @p jwk (RSA
 * or EC). IDP_E_INVALID_DPOP_PROOF when a required member is missing or not a
 * string.
 */
idp_err_t idp_jwk_thumbprint(const json_t *jwk, char out[IDP_JKT_LEN]);

/** RFC 9449 §4.2: ath = base64url(SHA-256(the access token's ASCII)). */
void idp_dpop_ath(const char *access_token, char out[IDP_JKT_LEN]);

#endif

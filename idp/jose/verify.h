/**
 * Compact JWS verification (RFC 7515 §5.2) for RS256, ES256 and PS256 (RFC
 * 7518 §3.3, §3.4, §3.5), with keys from a JWK Set (RFC 7517 §5). OpenSSL 3
 * EVP only; libjwt is not used here.
 *
 * Keys are only ever taken from the set the caller trusts: the "jwk", "jku",
 * "x5u" and "x5c" header parameters are never used to find a key.
 */
#ifndef IDP_JOSE_VERIFY_H
#define IDP_JOSE_VERIFY_H

#include <jansson.h>
#include <stddef.h>

#include "core/err.h"

/** The largest JWK Set text idp_jwks_parse accepts. */
#define IDP_JWKS_MAX_BYTES (256 * 1024)
/** The most entries a "keys" array may hold. */
#define IDP_JWKS_MAX_KEYS 64
/** The largest compact JWS idp_jws_verify accepts. */
#define IDP_JWS_MAX_BYTES (16 * 1024)

/**
 * A verification key set parsed from a JWKS (RFC 7517 §5): public RSA keys
 * (kty RSA, n, e; 2048 to 8192 bits), which verify RS256 and PS256, and EC
 * P-256 keys (kty EC, crv P-256, x, y; the point must be on the curve), which
 * verify ES256. A key whose "alg" names one of its type's algorithms verifies
 * only that one (RFC 7517 §4.4): an RSA key with "alg" RS256 never verifies
 * PS256, nor one with PS256 RS256; without "alg", an RSA key verifies both.
 * Any other JWK, and any JWK whose "use" is not "sig", whose "alg" is not one
 * of its type's algorithms, whose "key_ops" lacks "verify" or whose members
 * are missing or out of range, is ignored (RFC 7517 §5: "SHOULD ignore").
 * Immutable after creation and thread-safe to use from any number of threads.
 */
typedef struct idp_jwks idp_jwks_t;

/**
 * Parses @p len bytes of JWKS JSON text. The text must be a JSON object with
 * a "keys" array of at most IDP_JWKS_MAX_KEYS objects, no duplicate member
 * names, and at most IDP_JWKS_MAX_BYTES long.
 * @return IDP_OK and an owned *out (idp_jwks_free), IDP_E_INVALID_REQUEST for
 *         a malformed set, IDP_E_NOMEM or IDP_E_SERVER_ERROR.
 */
idp_err_t idp_jwks_parse(const char *json, size_t len, idp_jwks_t **out);

/**
 * A set of the one JWK @p jwk (a JSON object), taken by the same rules as a
 * set's keys (a key we cannot use leaves the set empty): for a key a message
 * carries itself, such as a DPoP proof's (RFC 9449 §4.2), never a JWS header
 * in general (see idp_jws_verify). IDP_E_INVALID_REQUEST (not an object),
 * IDP_E_NOMEM.
 */
idp_err_t idp_jwks_from_jwk(const json_t *jwk, idp_jwks_t **out);

/** The number of usable keys kept from the set. */
size_t idp_jwks_count(const idp_jwks_t *s);

/** Frees the set; NULL is fine. */
void idp_jwks_free(idp_jwks_t *s);

/**
 * Verifies the compact JWS @p token (NUL-terminated) against @p keys.
 *
 * The token must be at most IDP_JWS_MAX_BYTES long and have exactly three
 * base64url parts (no padding, no whitespace). The protected header must be
 * a JSON object with "alg" RS256, ES256 or PS256 (never "none", never HS*),
 * without "crit" (we understand no extensions, RFC 7515 §4.1.11) or "b64"
 * (RFC 7797). Only keys that allow the header's alg (see idp_jwks_t) are
 * tried: when the header has "kid", those with that kid; otherwise every one.
 * PS256 takes a 32-byte salt and no other (RFC 7518 §3.5). The payload must
 * be a JSON object; it is parsed only once the signature has been verified.
 *
 * @param header  if not NULL, receives the protected header on success
 *                (owned: json_decref); set to NULL on failure.
 * @param payload if not NULL, receives the payload on success (owned:
 *                json_decref); set to NULL on failure.
 * @return IDP_OK;
 *         IDP_E_INVALID_REQUEST for malformed input (size, parts, base64,
 *         JSON, a header or payload that is not an object, "alg" or "kid"
 *         of the wrong JSON type);
 *         IDP_E_INVALID_GRANT for a token we must not trust (an algorithm
 *         other than RS256/ES256/PS256, "crit" or "b64" present, no key for
 *         the kid and alg, a signature that does not verify);
 *         IDP_E_NOMEM or IDP_E_SERVER_ERROR for internal failures.
 */
idp_err_t idp_jws_verify(const idp_jwks_t *keys, const char *token, json_t **header, json_t **payload);

#endif

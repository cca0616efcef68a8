/** Compact JWS (RFC 7515 §7.1) creation with a cached key. */
#ifndef IDP_JOSE_JWT_H
#define IDP_JOSE_JWT_H

#include "core/err.h"
#include "jose/key.h"

/**
 * Signs @p payload_json (a JSON object text) with header {alg, kid, typ}
 * (idp_jose_key_header: made with jansson, once per key for the usual typs).
 * @p typ may be NULL (no typ) or e.g. "at+jwt" (RFC 9068 §2.1).
 * *out is malloc'ed.
 */
idp_err_t idp_jwt_sign(const idp_jose_key_t *key, const char *typ, const char *payload_json, char **out);

#endif

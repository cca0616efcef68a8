/**
 * Signed request objects (JAR, RFC 9101) pushed to POST /par (RFC 9126 §3):
 * the authorization request's parameters as the claims of a JWT the client
 * signed with one of its registered keys. Only the PAR endpoint takes them
 * (FAPI 2.0 Message Signing §5.3.1); /authorize still refuses a request
 * parameter (authorize.c). Internal to idp/oauth.
 */
#ifndef IDP_OAUTH_REQUEST_OBJECT_H
#define IDP_OAUTH_REQUEST_OBJECT_H

#include "client/client.h"
#include "core/params.h"
#include "oauth/oauth.h"

/** FAPI 2.0 Message Signing §5.3.1: exp at most this long after nbf, so nbf at most this old (seconds). */
#define IDP_REQUEST_OBJECT_MAX_LIFETIME 3600
/** How far ahead of ours a client's clock may run (nbf, RFC 7519 §4.1.5: "some small leeway"). */
#define IDP_REQUEST_OBJECT_SKEW 60

/**
 * Verifies request object @p jws of the authenticated @p client and makes
 * its claims the authorization request's parameters (RFC 9101 §6.3) in
 * @p out: every claim but the JWT's own (iss, sub, aud, exp, nbf, iat, jti),
 * strings as they are, max_age as decimal text, claims and
 * authorization_details as their JSON text; the strings live in
 * req->arena. The checks, each with its spec at the check: the signature
 * by one of the client's keys (never none), its request_object_signing_alg,
 * typ, iss, aud, client_id, exp and nbf, no request or request_uri inside.
 *
 * @return IDP_OK; IDP_E_INVALID_REQUEST_OBJECT with a client-safe *desc;
 *         IDP_E_NOMEM or IDP_E_SERVER_ERROR.
 */
idp_err_t idp_request_object_params(idp_oauth_t *o, idp_oauth_req_t *req, const idp_client_t *client, const char *jws,
                                    idp_params_t *out, const char **desc);

#endif

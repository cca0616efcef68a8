/**
 * Client authentication at the token, introspection and revocation
 * endpoints (RFC 6749 §2.3.1; OpenID Connect Core §9): client_secret_basic,
 * client_secret_post, private_key_jwt, and "none" for public clients.
 * Internal to idp/oauth.
 */
#ifndef IDP_OAUTH_CLIENT_AUTH_H
#define IDP_OAUTH_CLIENT_AUTH_H

#include <stdbool.h>

#include "client/client.h"
#include "oauth/oauth.h"

/** The result of a client's authentication. */
typedef struct {
    char *client_id;            /* in the request arena; on failure, the id presented (or NULL) */
    bool known;                 /* client_id names a registered client */
    const idp_client_t *client; /* on success, the client (a reference: idp_client_auth_release) */
    const char *method;         /* the method the client used */
    bool used_basic;            /* credentials came in the Authorization header */
} idp_client_auth_t;

/**
 * Authenticates the client of @p req. On failure returns IDP_E_INVALID_CLIENT
 * or IDP_E_INVALID_REQUEST (several methods at once) with *desc set,
 * IDP_E_RATE_LIMITED while the client backs off from this address after
 * repeated failures (auth_guard.h), or IDP_E_UNAVAILABLE /
 * IDP_E_SERVER_ERROR. Failures are counted and audited (auth_guard.h).
 */
idp_err_t idp_client_authenticate(idp_oauth_t *o, idp_oauth_req_t *req, idp_client_auth_t *out, const char **desc);
/** Gives back the reference to out->client (none is fine). */
void idp_client_auth_release(idp_client_auth_t *a);

/**
 * Verifies the compact JWS @p jws (a client assertion, a request object) with
 * client @p cl's registered keys: its inline jwks, or its jwks_uri through the
 * per-node cache below (fetched again when no cached key verifies it). Returns
 * idp_jws_verify's results (jose/verify.h), with the protected header and the
 * payload when asked for (owned: json_decref; NULL on failure), or
 * IDP_E_INVALID_CLIENT when the client registered no keys.
 */
idp_err_t idp_client_jws_verify(idp_oauth_t *o, const idp_client_t *cl, const char *jws, json_t **header,
                                json_t **payload);

/**
 * The keys fetched from clients' jwks_uri, kept per node: a JWK Set is used
 * for @p ttl_seconds (clients.jwks_uri_cache_seconds), an assertion no
 * cached key verifies fetches it again (key rotation, OpenID Connect Core
 * §10.1.1), one fetch at a time per URI (the other requests wait for it),
 * no URI is fetched more often than every IDP_CLIENT_JWKS_RETRY seconds
 * (a failed fetch too), no client causes more than
 * IDP_CLIENT_JWKS_PER_MINUTE fetches a minute, and no request waits more
 * than a second on the client's server. Freed by idp_oauth_free.
 */
#define IDP_CLIENT_JWKS_RETRY 5
#define IDP_CLIENT_JWKS_PER_MINUTE 6
struct idp_client_jwks *idp_client_jwks_new(int ttl_seconds);
void idp_client_jwks_free(struct idp_client_jwks *c);

#endif

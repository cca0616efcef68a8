/**
 * One error type for the whole server. Each value *is* a protocol error code
 * (RFC 6749 §5.2, OpenID Connect Core §3.1.2.6, RFC 6750 §3.1) or an internal
 * failure that the client only ever sees as `server_error`.
 */
#ifndef IDP_CORE_ERR_H
#define IDP_CORE_ERR_H

typedef enum {
    IDP_OK = 0,
    IDP_E_INVALID_REQUEST,        /* invalid_request, 400 */
    IDP_E_INVALID_CLIENT,         /* invalid_client, 401 */
    IDP_E_INVALID_GRANT,          /* invalid_grant, 400 */
    IDP_E_UNAUTHORIZED_CLIENT,    /* unauthorized_client, 400 */
    IDP_E_UNSUPPORTED_GRANT_TYPE, /* unsupported_grant_type, 400 */
    IDP_E_INVALID_SCOPE,          /* invalid_scope, 400 */
    IDP_E_INVALID_TOKEN,          /* invalid_token, 401 */
    IDP_E_INVALID_CLIENT_METADATA,/* invalid_client_metadata, 400 (RFC 7591 §3.2.2) */
    IDP_E_INVALID_REDIRECT_URI,   /* invalid_redirect_uri, 400 (RFC 7591 §3.2.2) */
    IDP_E_NOT_FOUND,              /* not_found, 404 */
    IDP_E_METHOD_NOT_ALLOWED,     /* invalid_request, 405 */
    IDP_E_TOO_LARGE,              /* invalid_request, 413 */
    IDP_E_CONFLICT,               /* invalid_request, 409 */
    IDP_E_UNAVAILABLE,            /* temporarily_unavailable, 503 */
    IDP_E_RATE_LIMITED,           /* invalid_client, 429: backing off after failed client authentications */
    IDP_E_SERVER_ERROR,           /* server_error, 500 */
    IDP_E_NOMEM,                  /* server_error, 500 */
    IDP_E__COUNT
} idp_err_t;

/** The OAuth error code string for @p e ("invalid_grant", ...). Never NULL. */
const char *idp_err_code(idp_err_t e);

/** The HTTP status that goes with @p e at a JSON endpoint. */
int idp_err_http_status(idp_err_t e);

/** True if the error is internal (its details must not reach the client). */
int idp_err_is_internal(idp_err_t e);

#endif

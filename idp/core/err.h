/**
 * One error type for the whole server. Each value *is* a protocol error code
 * (RFC 6749 §5.2, OpenID Connect Core §3.1.2.6, RFC 6750 §3.1) or an internal
 * failure that the client only ever sees as `server_error`.
 */
#ifndef IDP_CORE_ERR_H
#define IDP_CORE_ERR_H

typedef enum {
    IDP_OK = 0,
    IDP_E_INVALID_REQUEST,           /* invalid_request, 400 */
    IDP_E_INVALID_CLIENT,            /* invalid_client, 401 */
    IDP_E_INVALID_GRANT,             /* invalid_grant, 400 */
    IDP_E_UNAUTHORIZED_CLIENT,       /* unauthorized_client, 400 */
    IDP_E_UNSUPPORTED_GRANT_TYPE,    /* unsupported_grant_type, 400 */
    IDP_E_INVALID_SCOPE,             /* invalid_scope, 400 */
    IDP_E_INVALID_TOKEN,             /* invalid_token, 401 */
    IDP_E_INVALID_CLIENT_METADATA,   /* invalid_client_metadata, 400 (RFC 7591 §3.2.2) */
    IDP_E_INVALID_REDIRECT_URI,      /* invalid_redirect_uri, 400 (RFC 7591 §3.2.2) */
    IDP_E_NOT_FOUND,                 /* not_found, 404 */
    IDP_E_METHOD_NOT_ALLOWED,        /* invalid_request, 405 */
    IDP_E_TOO_LARGE,                 /* invalid_request, 413 */
    IDP_E_CONFLICT,                  /* invalid_request, 409 */
    IDP_E_UNAVAILABLE,               /* temporarily_unavailable, 503 */
    IDP_E_RATE_LIMITED,              /* invalid_client, 429: backing off after failed client authentications */
    IDP_E_UNKNOWN_CLIENT,            /* invalid_client, 400: an authorization request from no client we know (a page) */
    IDP_E_FORBIDDEN,                 /* invalid_request, 403: a stale form, another browser's sign-in */
    IDP_E_INSUFFICIENT_SCOPE,        /* insufficient_scope, 403 (RFC 6750 §3.1) */
    IDP_E_UNSUPPORTED_RESPONSE_TYPE, /* unsupported_response_type, 400 (RFC 6749 §4.1.2.1) */
    IDP_E_ACCESS_DENIED,             /* access_denied, 400 (RFC 6749 §4.1.2.1) */
    IDP_E_LOGIN_REQUIRED,            /* login_required, 400 (OpenID Connect Core §3.1.2.6) */
    IDP_E_LOGIN_AGAIN,               /* login_required, 403: a page that needs a session this browser lost */
    IDP_E_INTERACTION_REQUIRED,      /* interaction_required, 400 (§3.1.2.6) */
    IDP_E_CONSENT_REQUIRED,          /* consent_required, 400 (§3.1.2.6) */
    IDP_E_REQUEST_NOT_SUPPORTED,     /* request_not_supported, 400 (§3.1.2.6) */
    IDP_E_REQUEST_URI_NOT_SUPPORTED, /* request_uri_not_supported, 400 (§3.1.2.6) */
    IDP_E_INVALID_REQUEST_URI,       /* invalid_request_uri, 400 (§3.1.2.6; RFC 9126 §4) */
    IDP_E_INVALID_REQUEST_OBJECT,    /* invalid_request_object, 400 (§3.1.2.6; RFC 9126 §3, RFC 9101) */
    IDP_E_UNMET_AUTHENTICATION, /* unmet_authentication_requirements, 400 (OpenID Connect Core errata 1 §3.1.2.6) */
    IDP_E_SLOW_DOWN,            /* slow_down, 429: too many sign-ins or card requests */
    IDP_E_ALREADY_LINKED,       /* already_linked, 409: the credential belongs to another resident */
    IDP_E_LAST_CREDENTIAL,      /* last_credential, 409: the resident's only way to sign in */
    IDP_E_LINKED_ELSEWHERE,     /* conflict, 409: a signing certificate of another resident */
    IDP_E_CARD_REJECTED,        /* card_rejected, 403: the card (or whose card it is) was refused */
    IDP_E_INVALID_CHALLENGE,    /* invalid_challenge, 400: no such card challenge */
    IDP_E_UNKNOWN_CHALLENGE,    /* invalid_challenge, 404: the status of a challenge that does not exist */
    IDP_E_CHALLENGE_USED,       /* challenge_used, 400 */
    IDP_E_CHALLENGE_EXPIRED,    /* challenge_expired, 400 */
    IDP_E_UPSTREAM,             /* temporarily_unavailable, 502: the upstream provider failed (social login) */
    IDP_E_INVALID_DPOP_PROOF, /* invalid_dpop_proof, 400 (RFC 9449 §5; 401 with a DPoP challenge at a resource, §7.1) */
    IDP_E_USE_DPOP_NONCE,     /* use_dpop_nonce, 400: the proof must carry the nonce we gave (RFC 9449 §8, §9) */
    IDP_E_INVALID_AUTHORIZATION_DETAILS, /* invalid_authorization_details, 400 (RFC 9396 §5) */
    IDP_E_SERVER_ERROR,                  /* server_error, 500 */
    IDP_E_NOMEM,                         /* server_error, 500 */
    IDP_E__COUNT
} idp_err_t;

/** The OAuth error code string for @p e ("invalid_grant", ...). Never NULL. */
const char *idp_err_code(idp_err_t e);

/** The HTTP status that goes with @p e at a JSON endpoint. */
int idp_err_http_status(idp_err_t e);

/** True if the error is internal (its details must not reach the client). */
int idp_err_is_internal(idp_err_t e);

#endif

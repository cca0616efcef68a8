/*
 * The endpoint table (issue #16 §2): every path SakaI-D serves, once, with
 * what each consumer needs. The HTTP layer routes by it (its handler for
 * each id), discovery names the URLs of the endpoints that have a metadata
 * key, and client authentication accepts an assertion whose aud is the
 * issuer or an endpoint that takes client authentication (RFC 7523 §3).
 * The rows are in endpoints.def with their handlers (handle.c); adding an
 * endpoint is a row there and an id here.
 */
#ifndef IDP_OAUTH_ENDPOINTS_H
#define IDP_OAUTH_ENDPOINTS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    IDP_EP_DISCOVERY,
    IDP_EP_AS_METADATA,
    IDP_EP_JWKS,
    IDP_EP_AUTHORIZE,
    IDP_EP_TOKEN,
    IDP_EP_PAR,
    IDP_EP_USERINFO,
    IDP_EP_INTROSPECT,
    IDP_EP_REVOKE,
    IDP_EP_LOGOUT,
    IDP_EP_LOGIN,
    IDP_EP_LOGIN_CONTINUE,
    IDP_EP_LOGIN_TEST_CARD,
    IDP_EP_NEW_CARD,
    IDP_EP_SIGN_SKIP,
    IDP_EP_CONSENT,
    IDP_EP_SOCIAL_START,
    IDP_EP_SOCIAL_CALLBACK,
    IDP_EP_ACCOUNT,
    IDP_EP_ACCOUNT_LOGIN,
    IDP_EP_ACCOUNT_LINK,
    IDP_EP_ACCOUNT_UNLINK,
    IDP_EP_ACCOUNT_REVOKE,
    IDP_EP_ACCOUNT_END_SESSION,
    IDP_EP_ACCOUNT_HOUSEHOLD,
    IDP_EP_CARD_CHALLENGE,
    IDP_EP_CARD_VERIFY,
    IDP_EP_CARD_STATUS,
    IDP_EP_CARD_APP_LINK,
    IDP_EP_CARD_APP,
    IDP_EP_CARD_APP_SIGN,
    IDP_EP_LANG,
    IDP_EP_HELP_CARD,
    IDP_EP_APPLE_APP_SITE,
    IDP_EP_ASSETLINKS,
    IDP_EP_REGISTER,
    IDP_EP_REGISTER_CLIENT,
    IDP_EP_ADMIN_OPENAPI,
    IDP_EP_ADMIN_CLIENTS,
    IDP_EP_ADMIN_CLIENT,
    IDP_EP_ADMIN_CLIENT_APPROVE,
    IDP_EP_ADMIN_CLIENT_SANDBOX,
    IDP_EP_ADMIN_CLIENT_SUSPEND,
    IDP_EP_ADMIN_CLIENT_RESUME,
    IDP_EP_ADMIN_CLIENT_SECRET,
    IDP_EP_ADMIN_CLIENT_STATS,
    IDP_EP_ADMIN_RESIDENTS,
    IDP_EP_ADMIN_RESIDENT,
    IDP_EP_ADMIN_RESIDENT_LOCK,
    IDP_EP_ADMIN_RESIDENT_UNLOCK,
    IDP_EP_ADMIN_RESIDENT_END,
    IDP_EP_ADMIN_IATS,
    IDP_EP_ADMIN_IAT,
    IDP_EP_ADMIN_KEYS,
    IDP_EP_ADMIN_KEYS_ROTATE,
    IDP_EP_ADMIN_KEY_SCHEDULES,
    IDP_EP_ADMIN_KEY_SCHEDULE,
    IDP_EP_ADMIN_UPSTREAMS,
    IDP_EP_ADMIN_UPSTREAM,
    IDP_EP_ADMIN_AUDIT_EVENTS,
    IDP_EP_ADMIN_AUDIT_LEDGER,
    IDP_EP_ADMIN_AUDIT_VERIFY,
    IDP_EP_ADMIN_LOG,
    IDP_EP_CONSOLE,
    IDP_EP_CONSOLE_CLIENT,
    IDP_EP_CONSOLE_CLIENT_APPROVE,
    IDP_EP_CONSOLE_CLIENT_SECRET,
    IDP_EP_CONSOLE_CLIENT_REDIRECTS,
    IDP_EP_CONSOLE_KEYS,
    IDP_EP_CONSOLE_KEYS_ROTATE,
    IDP_EP_CONSOLE_KEYS_SCHEDULE,
    IDP_EP_CONSOLE_AUDIT,
    IDP_EP_CONSOLE_RESIDENTS,
    IDP_EP_CONSOLE_RESIDENT,
    IDP_EP_CONSOLE_UPSTREAMS,
    IDP_EP_CONSOLE_UPSTREAM,
    IDP_EP_PARTNER,
    IDP_EP_PARTNER_CLIENT,
    IDP_EP_PARTNER_CLIENT_REQUEST,
    IDP_EP_PARTNER_CLIENT_SECRET,
    IDP_EP_PARTNER_CLIENT_REDIRECTS,
    IDP_EP_PARTNER_REGISTER,
    IDP_EP_PARTNER_TEST_RESIDENTS,
    IDP_EP_HEALTHZ,
    IDP_EP_READYZ,
    IDP_EP_APP_SIGNATURES,
    IDP_EP_ACCOUNT_OUTREACH,
    IDP_EP_ADMIN_OUTREACH_CATEGORIES,
    IDP_EP_ADMIN_OUTREACH_SEGMENTS,
    IDP_EP_ADMIN_OUTREACH_SEGMENT,
    IDP_EP_ADMIN_OUTREACH_SEND,
    IDP_EP_ADMIN_OUTREACH_CAMPAIGNS,
    IDP_EP_CONSOLE_OUTREACH,
    IDP_EP_CONSOLE_OUTREACH_DEFINE,
    IDP_EP_CONSOLE_OUTREACH_SEND,
    IDP_EP_OUTREACH_CAMPAIGNS,
    IDP_EP_OUTREACH_MEMBERS,
    IDP_EP__COUNT
} idp_endpoint_id_t;

/* How an endpoint's errors are shown (product.md §4). */
typedef enum {
    IDP_SURFACE_JSON,     /* an OAuth or JSON error body */
    IDP_SURFACE_PAGE,     /* an error page: the redirect URI is not trusted (yet) */
    IDP_SURFACE_REDIRECT, /* to the client's validated redirect URI, after validation; a page before */
    IDP_SURFACE_BEARER,   /* JSON with an RFC 6750 §3 Bearer challenge (a protected resource) */
    IDP_SURFACE_PROBLEM,  /* RFC 9457 problem details, with a Bearer challenge on 401 and 403 (the admin API) */
} idp_error_surface_t;

/* Where a request's parameters travel; http/server.c reads them so (the wire work). */
typedef enum {
    IDP_BODY_NONE,          /* none */
    IDP_BODY_QUERY,         /* the query string */
    IDP_BODY_FORM,          /* an application/x-www-form-urlencoded body; a GET has none */
    IDP_BODY_FORM_OR_QUERY, /* the form body of a POST, the query of a GET */
    IDP_BODY_FORM_ONLY,     /* the form body, and a POST with a query string is refused (RFC 6749 §3.2) */
    IDP_BODY_JSON,          /* an application/json body of at most IDP_JSON_BODY_MAX bytes (none for GET and DELETE:
                             * their query string is the form; an empty body is none) */
} idp_body_kind_t;

/* The JSON bodies (the card exchange) are small. */
#define IDP_JSON_BODY_MAX 16384

typedef struct {
    idp_endpoint_id_t id;
    const char *path;    /* exact, or ending in "{id}": one segment of [A-Za-z0-9_-] (idp_endpoint_match) */
    const char *methods; /* space-separated: GET (which implies HEAD), POST, PUT, DELETE */
    idp_body_kind_t body;
    const char *discovery; /* the metadata member that names its URL (OpenID Connect Discovery §3), or NULL */
    bool client_auth;      /* takes client authentication: its URL may be an assertion's aud */
    idp_error_surface_t errors;
} idp_endpoint_t;

/** The table, in IDP_EP_ order; idp_endpoints_count rows. */
extern const idp_endpoint_t idp_endpoints[];
extern const size_t idp_endpoints_count;

/** The longest {id} segment a path may carry. */
#define IDP_PATH_PARAM_MAX 64

/**
 * Whether @p path (without its query) is @p ep's: the same string, or for a
 * row with "{id}" (once) the same text before it, one segment of 1 to
 * IDP_PATH_PARAM_MAX characters of [A-Za-z0-9_-] in its place, and the same
 * text after it. *param points at that segment in @p path (it runs to the
 * next '/' or the end; NULL for an exact row).
 */
bool idp_endpoint_match(const idp_endpoint_t *ep, const char *path, const char **param);
/** Whether @p ep answers request method @p method (HEAD wherever GET). */
bool idp_endpoint_allows(const idp_endpoint_t *ep, const char *method);
/** Its methods for an Allow header (RFC 9110 §10.2.1), "GET, HEAD, POST", into @p out (@p n bytes). */
void idp_endpoint_allow_list(const idp_endpoint_t *ep, char *out, size_t n);

#endif

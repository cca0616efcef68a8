/* The endpoint table (oauth/endpoints.h). */
#include "oauth/endpoints.h"

#define E(id, path, methods, body, disc, auth, surface) [id] = {id, path, methods, body, disc, auth, surface}

const idp_endpoint_t idp_endpoints[] = {
    E(IDP_EP_DISCOVERY, "/.well-known/openid-configuration", "GET", IDP_BODY_NONE, NULL, false, IDP_SURFACE_JSON),
    /* RFC 8414 §3: the same document */
    E(IDP_EP_AS_METADATA, "/.well-known/oauth-authorization-server", "GET", IDP_BODY_NONE, NULL, false, IDP_SURFACE_JSON),
    E(IDP_EP_JWKS, "/jwks", "GET", IDP_BODY_NONE, "jwks_uri", false, IDP_SURFACE_JSON),
    E(IDP_EP_AUTHORIZE, "/authorize", "GET POST", IDP_BODY_FORM, "authorization_endpoint", false, IDP_SURFACE_REDIRECT),
    E(IDP_EP_TOKEN, "/token", "POST", IDP_BODY_FORM, "token_endpoint", true, IDP_SURFACE_JSON),
    E(IDP_EP_USERINFO, "/userinfo", "GET POST", IDP_BODY_FORM, "userinfo_endpoint", false, IDP_SURFACE_JSON),
    E(IDP_EP_INTROSPECT, "/introspect", "POST", IDP_BODY_FORM, "introspection_endpoint", true, IDP_SURFACE_JSON),
    E(IDP_EP_REVOKE, "/revoke", "POST", IDP_BODY_FORM, "revocation_endpoint", true, IDP_SURFACE_JSON),
    /* RP-Initiated Logout 1.0 §2.1 */
    E(IDP_EP_LOGOUT, "/logout", "GET POST", IDP_BODY_FORM, "end_session_endpoint", false, IDP_SURFACE_PAGE),
    E(IDP_EP_LOGIN, "/login", "GET", IDP_BODY_NONE, NULL, false, IDP_SURFACE_PAGE),
    E(IDP_EP_LOGIN_CONTINUE, "/login/continue", "POST", IDP_BODY_FORM, NULL, false, IDP_SURFACE_REDIRECT),
    E(IDP_EP_LOGIN_TEST_CARD, "/login/card/test", "POST", IDP_BODY_FORM, NULL, false, IDP_SURFACE_PAGE),
    E(IDP_EP_NEW_CARD, "/login/card/new", "POST", IDP_BODY_FORM, NULL, false, IDP_SURFACE_PAGE),
    E(IDP_EP_SIGN_SKIP, "/login/sign/skip", "POST", IDP_BODY_FORM, NULL, false, IDP_SURFACE_REDIRECT),
    E(IDP_EP_CONSENT, "/consent", "GET POST", IDP_BODY_FORM, NULL, false, IDP_SURFACE_REDIRECT),
    E(IDP_EP_SOCIAL_START, "/login/social", "POST", IDP_BODY_FORM, NULL, false, IDP_SURFACE_PAGE),
    E(IDP_EP_SOCIAL_CALLBACK, "/login/social/callback", "GET", IDP_BODY_NONE, NULL, false, IDP_SURFACE_PAGE),
    E(IDP_EP_ACCOUNT, "/account", "GET", IDP_BODY_NONE, NULL, false, IDP_SURFACE_PAGE),
    E(IDP_EP_ACCOUNT_LOGIN, "/account/login", "GET", IDP_BODY_NONE, NULL, false, IDP_SURFACE_PAGE),
    E(IDP_EP_ACCOUNT_LINK, "/account/link", "POST", IDP_BODY_FORM, NULL, false, IDP_SURFACE_PAGE),
    E(IDP_EP_ACCOUNT_UNLINK, "/account/unlink", "POST", IDP_BODY_FORM, NULL, false, IDP_SURFACE_PAGE),
    E(IDP_EP_ACCOUNT_REVOKE, "/account/consent/revoke", "POST", IDP_BODY_FORM, NULL, false, IDP_SURFACE_PAGE),
    E(IDP_EP_ACCOUNT_END_SESSION, "/account/session/end", "POST", IDP_BODY_FORM, NULL, false, IDP_SURFACE_PAGE),
    E(IDP_EP_ACCOUNT_HOUSEHOLD, "/account/household", "POST", IDP_BODY_FORM, NULL, false, IDP_SURFACE_PAGE),
    E(IDP_EP_CARD_CHALLENGE, "/login/card/challenge", "POST", IDP_BODY_JSON, NULL, false, IDP_SURFACE_JSON),
    E(IDP_EP_CARD_VERIFY, "/login/card/verify", "POST", IDP_BODY_JSON, NULL, false, IDP_SURFACE_JSON),
    E(IDP_EP_CARD_STATUS, "/login/card/status", "GET", IDP_BODY_NONE, NULL, false, IDP_SURFACE_JSON),
    E(IDP_EP_HEALTHZ, "/healthz", "GET", IDP_BODY_NONE, NULL, false, IDP_SURFACE_JSON),
    E(IDP_EP_READYZ, "/readyz", "GET", IDP_BODY_NONE, NULL, false, IDP_SURFACE_JSON),
    /* /metrics is not here: it has its own listener (http.metrics_listen). */
};

const size_t idp_endpoints_count = sizeof(idp_endpoints) / sizeof(idp_endpoints[0]);

_Static_assert(sizeof(idp_endpoints) / sizeof(idp_endpoints[0]) == IDP_EP__COUNT, "one row per endpoint id");

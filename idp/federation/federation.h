/**
 * A strict OpenID Connect relying party for upstream providers (social
 * login, product.md §7): authorization code with PKCE, state and nonce,
 * the ID token verified against the upstream's JWKS (OpenID Connect Core
 * §3.1.3.7). HTTP through the outbound-HTTP module (net/http_client.h)
 * with a timeout and a size cap on every call; HTTPS only, except to
 * loopback hosts (tests and development); no redirects.
 * No SQL and no server: the caller keeps state in its login transaction.
 *
 * Discovery documents and JWKS are cached per issuer (an hour); an unknown
 * kid refetches the JWKS, at most once every 5 seconds per issuer. Thread-safe.
 */
#ifndef IDP_FEDERATION_FEDERATION_H
#define IDP_FEDERATION_FEDERATION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "jose/key.h"
#include "net/http_client.h"

typedef struct idp_fed idp_fed_t;

/** One upstream registration (strings and key owned by the caller). */
typedef struct {
    const char *issuer;
    const char *client_id;
    const char *client_secret; /* client_secret_basic; unused with assertion_key */
    const char *scopes;        /* space-separated; "openid" is always sent */
    /*
     * NULL or "": none. Otherwise sent as acr_values (OpenID Connect Core
     * §3.1.2.1), and the ID token's acr must name every one of them as a
     * space-separated value: a card channel asked for "aal3 crl" signs no
     * one in on an ID token that does not say both (never a downgrade).
     */
    const char *acr_values;
    /* non-NULL: private_key_jwt (OpenID Connect Core §9, RFC 7523 §2.2) at the token endpoint */
    const idp_jose_key_t *assertion_key;
    bool userinfo; /* also fetch the UserInfo claims with the access token (Core §5.3) */
} idp_fed_upstream_t;

/** What a verified callback gives. */
typedef struct {
    char sub[256];
    char acr[256];    /* the ID token's acr ("" when absent) */
    json_t *id_token; /* the verified ID token's claims (owned) */
    json_t *userinfo; /* with u->userinfo: the UserInfo claims, whose sub is the ID token's (owned) */
} idp_fed_result_t;

void idp_fed_result_clear(idp_fed_result_t *r);

/**
 * A cache for up to @p max_issuers issuers; every upstream call goes
 * through @p net (NULL: libcurl; kept, not owned: it outlives the cache)
 * and gives up after @p timeout_ms.
 */
idp_fed_t *idp_fed_new(const idp_net_t *net, int timeout_ms, size_t max_issuers);
void idp_fed_free(idp_fed_t *f);

/**
 * Fetches (or takes from the cache) the upstream's discovery document and
 * checks that its issuer is exactly @p issuer (OpenID Connect Discovery §4.3).
 * Also used by sakaid-admin to check an issuer before it is stored.
 * IDP_E_UNAVAILABLE when the upstream cannot be reached or answers badly;
 * @p err says why.
 */
idp_err_t idp_fed_discover(idp_fed_t *f, const char *issuer, char *err, size_t errlen);

/**
 * The upstream authorization URL (malloc'ed) for a login: response_type=code,
 * PKCE S256 from @p verifier, @p state, @p nonce, @p redirect_uri, and
 * ui_locales when given.
 */
idp_err_t idp_fed_auth_url(idp_fed_t *f, const idp_fed_upstream_t *u, const char *redirect_uri, const char *state,
                           const char *nonce, const char *verifier, const char *ui_locales, char **url, char *err,
                           size_t errlen);

/**
 * The callback: checks the upstream's iss parameter when present (RFC 9207
 * §2.4), exchanges @p code at the token endpoint (client_secret_basic, or
 * private_key_jwt with u->assertion_key; with the PKCE verifier), and
 * verifies the ID token: signature (RS256, ES256 or PS256) with the upstream
 * JWKS, iss, aud, azp, exp, iat, nonce and, with u->acr_values, acr. With
 * u->userinfo it then reads the UserInfo endpoint, whose sub must be the ID
 * token's (Core §5.3.2). *out (cleared first; idp_fed_result_clear on
 * every path) receives the subject, acr and claims.
 * IDP_E_UNAVAILABLE: the upstream is down or answered badly;
 * IDP_E_INVALID_GRANT: the answer cannot be trusted (err says which check).
 */
idp_err_t idp_fed_callback(idp_fed_t *f, const idp_fed_upstream_t *u, const char *redirect_uri, const char *code,
                           const char *verifier, const char *nonce, const char *iss_param, long long now,
                           idp_fed_result_t *out, char *err, size_t errlen);

#endif

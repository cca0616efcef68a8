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
    /*
     * non-NULL: a signing leg of the Digital Agency's signing API (docs/card.md
     * "Signing through the app"): the authorization request asks for the scope
     * "openid sign" only and carries this sign_transaction_id (idp_fed_sign_begin).
     */
    const char *sign_transaction_id;
} idp_fed_upstream_t;

/** What a verified callback gives. */
typedef struct {
    char sub[256];
    char acr[256];      /* the ID token's acr ("" when absent) */
    json_t *id_token;   /* the verified ID token's claims (owned) */
    json_t *userinfo;   /* with u->userinfo: the UserInfo claims, whose sub is the ID token's (owned) */
    char *access_token; /* the token response's access token (owned, wiped by idp_fed_result_clear) */
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

/* ---- the Digital Agency's signing API (デジタル認証アプリサービス, 署名) ---- */

/** The most a signing certificate (DER) and a signature may be. */
#define IDP_FED_SIGN_CERT_MAX 4096
#define IDP_FED_SIGN_SIG_MAX 512

/**
 * The signing API's base: the issuer with its "/realms/NAME" tail cut off,
 * then "/sign-transactions" (the sandbox's issuer
 * https://sb-auth-and-sign.go.jp/api/realms/main has its signing API at
 * https://sb-auth-and-sign.go.jp/api/sign-transactions). IDP_E_UNAVAILABLE
 * when the issuer has no such tail.
 */
idp_err_t idp_fed_sign_endpoint(const char *issuer, char *out, size_t n);

/**
 * Starts a signing transaction for @p tbs (the bytes the card's signing key
 * is to sign with RSASSA-PKCS1-v1_5: a DER DigestInfo): an access token by
 * the client credentials grant (RFC 6749 §4.4, private_key_jwt), then
 * POST {sign endpoint} with it, JSON {"hash": base64(tbs), "hash_type":
 * "digest_info"}, whose answer names "sign_transaction_id" (a UUID, into
 * @p id). IDP_E_UNAVAILABLE when the upstream is down or answers badly.
 */
idp_err_t idp_fed_sign_begin(idp_fed_t *f, const idp_fed_upstream_t *u, const unsigned char *tbs, size_t tbs_len,
                             long long now, char id[64], char *err, size_t errlen);

/**
 * The outcome of signing transaction @p id, read with the access token the
 * signing leg's code gave (@p access_token): GET {sign endpoint}/{id}/result,
 * {"certificate": base64 DER, "signature": base64}. @p cert (at most
 * IDP_FED_SIGN_CERT_MAX) and @p sig (at most IDP_FED_SIGN_SIG_MAX) receive
 * them. IDP_E_UNAVAILABLE: down or a bad answer; IDP_E_INVALID_GRANT: the
 * answer is not a certificate and a signature.
 */
idp_err_t idp_fed_sign_result(idp_fed_t *f, const char *issuer, const char *access_token, const char *id,
                              unsigned char *cert, size_t *cert_len, unsigned char *sig, size_t *sig_len, char *err,
                              size_t errlen);

#endif

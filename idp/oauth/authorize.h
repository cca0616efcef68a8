/**
 * Authorization request validation (OpenID Connect Core 1.0 §3.1.2.1-2,
 * RFC 6749 §4.1.1, RFC 7636, RFC 9700 §2.1), in the order the specs
 * require: first the client and the redirect URI, whose errors are never
 * redirected (§3.1.2.6, RFC 6749 §4.1.2.1), then everything else, whose
 * errors go back to the (now trusted) redirect URI. Pure: no HTTP, no SQL;
 * the caller looks the client up between the two phases.
 */
#ifndef IDP_OAUTH_AUTHORIZE_H
#define IDP_OAUTH_AUTHORIZE_H

#include <jansson.h>
#include <stdbool.h>

#include "client/client.h"
#include "core/err.h"
#include "core/params.h"

typedef struct {
    idp_err_t error;         /* the OAuth / OIDC error (core/err.h) */
    const char *description; /* for error_description; never secret */
    bool redirect;           /* false: show an error page, never redirect */
} idp_authz_error_t;

typedef struct {
    const char *client_id, *redirect_uri, *scope, *state, *nonce, *response_mode;
    const char *login_hint, *ui_locales, *acr_values, *id_token_hint, *claims;
    const char *code_challenge; /* NULL when PKCE is not used (allowed only as documented) */
    const char *dpop_jkt;       /* RFC 9449 §10: the key the code is bound to, or NULL */
    bool prompt_none, prompt_login, prompt_consent;
    long max_age;        /* -1: not given */
    json_t *claims_json; /* parsed "claims" (owned: idp_authz_clear) */
    /* RFC 9396: the checked authorization_details (oauth/rar.h) and their canonical text, or NULL (owned) */
    json_t *details;
    char *details_text;
} idp_authz_req_t;

/** The response modes an authorization request may ask for (NULL-terminated): what discovery advertises. */
extern const char *const idp_authz_response_modes[];
/** True for one of those that is JARM's (jwt, query.jwt, form_post.jwt): the response is a signed JWT. */
bool idp_authz_jwt_mode(const char *response_mode);

/** Phase 1: the client_id (never redirected on error). */
bool idp_authz_client_id(const idp_params_t *p, const char **client_id, idp_authz_error_t *err);

/**
 * Phase 2, with that client (NULL: unknown client, an error page): its
 * registered redirect URIs, response types and PKCE rule. Fills @p out or
 * @p err.
 */
bool idp_authz_validate(const idp_params_t *p, const idp_client_t *client, idp_authz_req_t *out,
                        idp_authz_error_t *err);

void idp_authz_clear(idp_authz_req_t *r);

/** RFC 7636 §4.6: BASE64URL(SHA-256(verifier)) == challenge, with the verifier's syntax checked (§4.1). */
bool idp_pkce_s256_verify(const char *challenge, const char *verifier);
/** RFC 7636 §4.2: @p out (64 bytes) = BASE64URL(SHA256(@p verifier)); false when the verifier is malformed (§4.1). */
bool idp_pkce_s256(const char *verifier, char out[64]);

#endif

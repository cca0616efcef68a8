/*
 * OpenID Connect Discovery 1.0 §3 / RFC 8414 §2 metadata. It advertises only
 * what this build implements (issue #2: "truthful"), and each supported list
 * comes from the table that enforces it (issue #16 §2): endpoint URLs from
 * the endpoint table, grant types from the grant table (token.c), client
 * authentication methods, response types and subject types from the client
 * metadata rules (client_meta.c), response modes from authorize.c, signing
 * algorithms from jose's algorithm table, scopes and claims from
 * idp_claim_defs (claims.c). unit_discovery checks each against its table.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jose/key.h"
#include "oauth/auth_guard.h"
#include "oauth/authorize.h"
#include "oauth/client_auth.h"
#include "oauth/clients.h"
#include "core/rand.h"
#include "keys/match.h"
#include "oauth/endpoints.h"
#include "oauth/grants/grants.h"
#include "oauth/internal.h"
#include "oauth/oauth.h"
#include "oauth/rar.h"

static char *endpoint(const char *issuer, const char *path)
{
    size_t n = strlen(issuer) + strlen(path) + 1;
    char *s = malloc(n);
    if (s) {
        memcpy(s, issuer, strlen(issuer));
        memcpy(s + strlen(issuer), path, strlen(path) + 1);
    }
    return s;
}

static json_t *url(const char *issuer, const char *path)
{
    char *s = endpoint(issuer, path);
    json_t *j = s ? json_string(s) : NULL;
    free(s);
    return j;
}

/* A NULL-terminated list of strings as a JSON array. */
static json_t *list(const char *const *items)
{
    json_t *a = json_array();
    for (; a && items && *items; items++)
        json_array_append_new(a, json_string(*items));
    return a;
}

/* The algorithms jose signs and verifies with (never none). */
static json_t *algs(void)
{
    json_t *a = json_array();
    for (int i = IDP_ALG_NONE + 1; a && i < IDP_ALG__COUNT; i++)
        json_array_append_new(a, json_string(idp_alg_name((idp_alg_t)i)));
    return a;
}

static json_t *grant_types(void)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < idp_grants_count; i++)
        json_array_append_new(a, json_string(idp_grants[i].name));
    return a;
}

/* openid, then the scopes of the claims we release and of the permissions, each once, in table order. */
static json_t *scopes(void)
{
    json_t *a = json_pack("[s]", "openid");
    for (const idp_claim_def_t *d = idp_claim_defs; a && d->claim; d++)
        if (!idp_json_list_has(a, d->scope))
            json_array_append_new(a, json_string(d->scope));
    return a;
}

/* The claims of the ID token's own protocol (OpenID Connect Core §2), then the claims we release. With
 * @p verified, only those released inside verified_claims (OpenID Connect for Identity Assurance §7). */
static json_t *claims(bool verified)
{
    json_t *a = verified ? json_array()
                         : json_pack("[ssssssssss]", "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr",
                                     "amr", "sid");
    for (const idp_claim_def_t *d = idp_claim_defs; a && d->claim; d++)
        if (!d->pseudo && (!verified || d->verified))
            json_array_append_new(a, json_string(d->claim));
    return a;
}

/* The OpenID Provider Metadata, serialised once into o->discovery. */
static idp_err_t discovery_build(idp_oauth_t *o, const idp_config_t *cfg);

idp_err_t idp_oauth_new(const idp_config_t *cfg, const idp_oauth_deps_t *deps, idp_oauth_t **out)
{
    idp_err_t ret = IDP_E_NOMEM;
    idp_oauth_t *o = calloc(1, sizeof(*o));
    *out = NULL;
    if (o == NULL)
        return IDP_E_NOMEM;
    o->cfg = cfg;
    o->store = deps->store;
    o->keys = deps->keys;
    o->kek = deps->kek;
    o->jpki = deps->jpki;
    o->fed = deps->fed;
    o->net = deps->net;
    if (deps->kek)
        idp_kek_derive(deps->kek, IDP_SUBJECT_KEY_LABEL, o->subject_key);
    /* DPoP nonces (oauth/dpop.c): one key on every node of a deployment; a node without the KEK (tests) its own */
    if (deps->kek)
        idp_kek_derive(deps->kek, IDP_DPOP_NONCE_KEY_LABEL, o->dpop_nonce_key);
    else if (idp_random_bytes(o->dpop_nonce_key, sizeof(o->dpop_nonce_key)) != IDP_OK)
        goto Exit;
    if ((o->client_jwks = idp_client_jwks_new(cfg->client_jwks_cache_seconds)) == NULL ||
        (o->clients = idp_clients_new()) == NULL ||
        (o->auth_guard = idp_auth_guard_new(cfg->client_auth_failures)) == NULL ||
        (o->login_limit = idp_ratelimit_new(cfg->login_rate_per_minute, cfg->login_rate_per_minute)) == NULL ||
        (o->card_breaker = idp_ratelimit_new(cfg->jpki_max_verifications_per_second * 60,
                                             cfg->jpki_max_verifications_per_second)) == NULL ||
        (o->jpki && (o->card_limit = idp_ratelimit_new(cfg->jpki_rate_per_minute, cfg->jpki_rate_per_minute)) == NULL))
        goto Exit;
    if ((ret = discovery_build(o, cfg)) != IDP_OK)
        goto Exit;
    /* Every page's header and footer (issue #18 item 8). */
    idp_ui_site_t site = {.help_url = cfg->ui_help_url,
                          .contact_url = cfg->ui_contact_url,
                          .privacy_url = cfg->ui_privacy_url,
                          .terms_url = cfg->ui_terms_url};
    if ((ret = idp_ui_site_set(&site)) != IDP_OK)
        goto Exit;
    *out = o;
    o = NULL;
Exit:
    idp_oauth_free(o);
    return ret;
}

static idp_err_t discovery_build(idp_oauth_t *o, const idp_config_t *cfg)
{
    const char *iss = cfg->issuer;
    json_t *d = json_object();
    if (d == NULL)
        return IDP_E_NOMEM;
    json_object_set_new(d, "issuer", json_string(iss));
    /* The endpoints' URLs from the endpoint table (oauth/endpoints.h), the one place that names them. */
    for (size_t i = 0; i < idp_endpoints_count; i++)
        if (idp_endpoints[i].discovery)
            json_object_set_new(d, idp_endpoints[i].discovery, url(iss, idp_endpoints[i].path));
    json_object_set_new(d, "backchannel_logout_supported", json_true()); /* Back-Channel Logout 1.0 §2.1 */
    json_object_set_new(d, "backchannel_logout_session_supported", json_true());
    json_object_set_new(d, "scopes_supported", scopes());
    json_object_set_new(d, "response_types_supported", list(idp_client_meta_allowed("response_types")));
    json_object_set_new(d, "response_modes_supported", list(idp_authz_response_modes));
    json_object_set_new(d, "grant_types_supported", grant_types());
    json_object_set_new(d, "code_challenge_methods_supported", json_pack("[s]", "S256"));
    /* RFC 9126 §5: every client may push; a client's own require_pushed_authorization_requests makes it must */
    json_object_set_new(d, "require_pushed_authorization_requests", json_false());
    json_object_set_new(d, "subject_types_supported", list(idp_client_meta_allowed("subject_type")));
    json_object_set_new(d, "id_token_signing_alg_values_supported", algs());
    json_object_set_new(d, "dpop_signing_alg_values_supported", algs()); /* RFC 9449 §5.1: jose/dpop.c verifies these */
    json_object_set_new(d, "authorization_details_types_supported", list(idp_rar_types)); /* RFC 9396 §10 */
    json_object_set_new(d, "acr_values_supported", list(idp_client_meta_allowed("default_acr_values")));
    json_object_set_new(d, "claims_supported", claims(false));
    json_object_set_new(d, "claims_parameter_supported", json_true());
    /*
     * Request objects (JAR, RFC 9101) come only through the PAR endpoint (RFC 9126 §3; FAPI 2.0 Message Signing
     * §5.3.1 asks for nothing more), never in the browser: request_parameter_supported (OpenID Connect Discovery §3)
     * is about the authorization endpoint, which refuses a request parameter, so it stays false; a client that
     * believed it true would send one there and be refused. What PAR verifies is advertised by the algorithms
     * (Discovery §3, request_object_signing_alg_values_supported). RFC 9101 §10.5: signing is each client's rule
     * (require_signed_request_object in its metadata), not the server's. Core §6.2 request_uri (by reference) is not
     * supported: PAR's request_uri is ours alone.
     */
    json_object_set_new(d, "request_parameter_supported", json_false());
    json_object_set_new(d, "request_object_signing_alg_values_supported", algs());
    json_object_set_new(d, "require_signed_request_object", json_false());
    json_object_set_new(d, "request_uri_parameter_supported", json_false());
    /* JARM, authorization server metadata: the algorithms of signed authorization responses (response.c) */
    json_object_set_new(d, "authorization_signing_alg_values_supported", algs());
    json_object_set_new(d, "authorization_response_iss_parameter_supported", json_true()); /* RFC 9207 §3 */
    json_object_set_new(d, "ui_locales_supported", json_pack("[ss]", "ja", "en"));
    /* client_auth.c: the same methods at every endpoint that takes client authentication */
    for (size_t i = 0; i < idp_endpoints_count; i++) {
        const char *name = idp_endpoints[i].discovery;
        if (!idp_endpoints[i].client_auth || name == NULL)
            continue;
        char k[96];
        snprintf(k, sizeof(k), "%s_auth_methods_supported", name);
        json_object_set_new(d, k, list(idp_client_meta_allowed("token_endpoint_auth_method")));
        snprintf(k, sizeof(k), "%s_auth_signing_alg_values_supported", name); /* private_key_jwt, jose/verify.c */
        json_object_set_new(d, k, algs());
    }
    /* OpenID Connect for Identity Assurance 1.0 §7 */
    json_object_set_new(d, "verified_claims_supported", json_true());
    json_object_set_new(d, "trust_frameworks_supported", json_pack("[s]", "jp_jpki"));
    json_object_set_new(d, "evidence_supported", json_pack("[s]", "electronic_signature"));
    json_object_set_new(d, "claims_in_verified_claims_supported", claims(true));
    o->discovery = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    if (o->discovery == NULL)
        return IDP_E_NOMEM;
    o->discovery_len = strlen(o->discovery);
    return IDP_OK;
}

void idp_oauth_free(idp_oauth_t *o)
{
    if (o == NULL)
        return;
    if (o->watching_clients)
        idp_store_client_watch_stop(o->store); /* its callback uses the cache: stopped before the cache goes */
    idp_clients_free(o->clients);
    free(o->discovery);
    idp_client_jwks_free(o->client_jwks);
    idp_auth_guard_free(o->auth_guard);
    idp_ratelimit_free(o->login_limit);
    idp_ratelimit_free(o->card_breaker);
    idp_ratelimit_free(o->card_limit);
    idp_wipe(o->subject_key, sizeof(o->subject_key));
    idp_wipe(o->dpop_nonce_key, sizeof(o->dpop_nonce_key));
    free(o);
}

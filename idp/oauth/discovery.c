/*
 * OpenID Connect Discovery 1.0 §3 / RFC 8414 §2 metadata. It advertises only
 * what this build implements; each later feature adds its own lines here
 * when it lands (issue #2: "truthful").
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oauth/oauth.h"
#include "oauth/endpoints.h"
#include "oauth/auth_guard.h"
#include "oauth/client_auth.h"
#include "core/rand.h"
#include "keys/match.h"

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
    if ((o->client_jwks = idp_client_jwks_new(cfg->client_jwks_cache_seconds)) == NULL ||
        (o->auth_guard = idp_auth_guard_new(cfg->client_auth_failures)) == NULL ||
        (o->login_limit = idp_ratelimit_new(cfg->login_rate_per_minute, cfg->login_rate_per_minute)) == NULL ||
        (o->card_breaker = idp_ratelimit_new(cfg->jpki_max_verifications_per_second * 60,
                                             cfg->jpki_max_verifications_per_second)) == NULL ||
        (o->jpki && (o->card_limit = idp_ratelimit_new(cfg->jpki_rate_per_minute, cfg->jpki_rate_per_minute)) == NULL))
        goto Exit;
    if ((ret = discovery_build(o, cfg)) != IDP_OK)
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
    json_object_set_new(d, "scopes_supported", json_pack("[sssssss]", "openid", "profile", "address", "birthdate",
                                                         "gender", "residency", "offline_access"));
    json_object_set_new(d, "response_types_supported", json_pack("[s]", "code"));
    json_object_set_new(d, "response_modes_supported", json_pack("[ss]", "query", "form_post"));
    json_object_set_new(d, "grant_types_supported",
                        json_pack("[sss]", "authorization_code", "refresh_token", "client_credentials"));
    json_object_set_new(d, "code_challenge_methods_supported", json_pack("[s]", "S256"));
    json_object_set_new(d, "subject_types_supported", json_pack("[ss]", "pairwise", "public"));
    json_object_set_new(d, "id_token_signing_alg_values_supported", json_pack("[ss]", "RS256", "ES256"));
    json_object_set_new(d, "acr_values_supported", json_pack("[ss]", "urn:sakai-d:acr:card", "urn:sakai-d:acr:social"));
    json_object_set_new(d, "claims_supported",
                        json_pack("[sssssssssssssss]", "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr",
                                  "amr", "sid", "name", "birthdate", "gender", "address", "sakai_resident"));
    json_array_append_new(json_object_get(d, "claims_supported"), json_string("sakai_ward"));
    json_object_set_new(d, "claims_parameter_supported", json_true());
    json_object_set_new(d, "request_parameter_supported", json_false());
    json_object_set_new(d, "request_uri_parameter_supported", json_false());
    json_object_set_new(d, "authorization_response_iss_parameter_supported", json_true()); /* RFC 9207 §3 */
    json_object_set_new(d, "ui_locales_supported", json_pack("[ss]", "ja", "en"));
    /* client_auth.c: the same methods at every endpoint that takes client authentication */
    for (size_t i = 0; i < idp_endpoints_count; i++) {
        const char *name = idp_endpoints[i].discovery;
        if (!idp_endpoints[i].client_auth || name == NULL)
            continue;
        char k[96];
        snprintf(k, sizeof(k), "%s_auth_methods_supported", name);
        json_object_set_new(d, k, json_pack("[ssss]", "client_secret_basic", "client_secret_post", "private_key_jwt", "none"));
        snprintf(k, sizeof(k), "%s_auth_signing_alg_values_supported", name);
        json_object_set_new(d, k, json_pack("[ss]", "RS256", "ES256"));
    }
    /* OpenID Connect for Identity Assurance 1.0 §7 */
    json_object_set_new(d, "verified_claims_supported", json_true());
    json_object_set_new(d, "trust_frameworks_supported", json_pack("[s]", "jp_jpki"));
    json_object_set_new(d, "evidence_supported", json_pack("[s]", "electronic_signature"));
    json_object_set_new(d, "claims_in_verified_claims_supported", json_pack("[ssss]", "name", "birthdate", "gender", "address"));
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
    free(o->discovery);
    idp_client_jwks_free(o->client_jwks);
    idp_auth_guard_free(o->auth_guard);
    idp_ratelimit_free(o->login_limit);
    idp_ratelimit_free(o->card_breaker);
    idp_ratelimit_free(o->card_limit);
    idp_wipe(o->subject_key, sizeof(o->subject_key));
    free(o);
}

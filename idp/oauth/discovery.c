/*
 * OpenID Connect Discovery 1.0 §3 / RFC 8414 §2 metadata. It advertises only
 * what this build implements; each later feature adds its own lines here
 * when it lands (issue #2: "truthful").
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "oauth/oauth.h"

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

idp_err_t idp_oauth_init(idp_oauth_t *o, const idp_config_t *cfg, idp_store_t *store, idp_keystore_t *keys)
{
    memset(o, 0, sizeof(*o));
    o->cfg = cfg;
    o->store = store;
    o->keys = keys;
    const char *iss = cfg->issuer;
    json_t *d = json_object();
    if (d == NULL)
        return IDP_E_NOMEM;
    json_object_set_new(d, "issuer", json_string(iss));
    json_object_set_new(d, "jwks_uri", url(iss, "/jwks"));
    json_object_set_new(d, "token_endpoint", url(iss, "/token"));
    /* No authorization endpoint yet: no response type is supported (RFC 8414 §2). */
    json_object_set_new(d, "response_types_supported", json_array());
    json_object_set_new(d, "grant_types_supported", json_pack("[s]", "client_credentials"));
    json_object_set_new(d, "token_endpoint_auth_methods_supported",
                        json_pack("[ss]", "client_secret_basic", "client_secret_post"));
    o->discovery = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    if (o->discovery == NULL)
        return IDP_E_NOMEM;
    o->discovery_len = strlen(o->discovery);
    return IDP_OK;
}

void idp_oauth_cleanup(idp_oauth_t *o)
{
    free(o->discovery);
    o->discovery = NULL;
}

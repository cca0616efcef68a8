/* RFC 6749 §4.4: the client_credentials grant; the subject is the client itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/str.h"
#include "jose/jwt.h"
#include "oauth/grants/grants.h"

/*
 * RFC 6749 §3.3 and §4.4.2: the requested scope must be within the client's
 * registered scope; when absent, the registered scope is the default.
 * "openid" is about an end-user and has no meaning without one, so a
 * client_credentials token never carries it.
 */
static idp_err_t grant_scope(idp_oauth_req_t *req, const char *registered, const char *requested, const char **granted)
{
    const char *src = requested ? requested : (registered ? registered : "");
    size_t n = strlen(src);
    char *out = idp_arena_alloc(req->arena, n + 1), *w = out;
    if (out == NULL)
        return IDP_E_TOO_LARGE;
    *out = '\0';
    const char *p = src;
    size_t len;
    for (const char *start = idp_str_next_word(&p, &len); len; start = idp_str_next_word(&p, &len)) {
        char *word = idp_arena_strndup(req->arena, start, len);
        if (word == NULL)
            return IDP_E_TOO_LARGE;
        /* RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) */
        for (const char *c = word; *c; c++)
            if (*c < 0x21 || *c > 0x7e || *c == '"' || *c == '\\')
                return IDP_E_INVALID_SCOPE;
        if (requested && !idp_str_list_has(registered ? registered : "", word))
            return IDP_E_INVALID_SCOPE;
        if (!strcmp(word, "openid") || idp_str_list_has(out, word))
            continue;
        if (w != out)
            *w++ = ' ';
        memcpy(w, word, len + 1);
        w += len;
    }
    *granted = out;
    return IDP_OK;
}

idp_outcome_t idp_grant_client_credentials(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                           idp_client_auth_t *cl)
{
    const idp_config_t *cfg = o->cfg;
    const char *requested = NULL, *scope = NULL;
    idp_err_t e = idp_params_get(req->form, "scope", &requested);
    if (e == IDP_E_INVALID_REQUEST)
        return idp_fail(e, "scope is repeated");
    if (e != IDP_OK)
        requested = NULL;
    const char *registered = cl->client->scope;
    if ((e = grant_scope(req, registered, requested, &scope)) != IDP_OK)
        return idp_fail(e, "the requested scope is not registered for this client");

    /* RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti (+ scope). For
     * client_credentials the subject is the client itself. Without a resource
     * indicator the default audience is this issuer (RFC 9068 §3). */
    char *jti = idp_random_token_new(16), *token = NULL;
    long long exp = req->now + cfg->access_token_ttl;
    json_t *claims = jti ? json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "iss", cfg->issuer, "sub", cl->client_id,
                                     "aud", cfg->issuer, "client_id", cl->client_id, "iat", (json_int_t)req->now, "exp",
                                     (json_int_t)exp, "jti", jti)
                         : NULL;
    if (claims && *scope)
        json_object_set_new(claims, "scope", json_string(scope));
    e = idp_own_sign(o, idp_grant_access_token_alg(o, cl), "at+jwt", claims, &token);
    if (e == IDP_OK)
        e = idp_store_access_token_insert(o->store, jti, cl->client_id, cl->client_id, scope, exp, NULL);
    free(jti);
    if (e != IDP_OK) {
        free(token);
        return idp_fail(e, NULL);
    }

    /* RFC 6749 §5.1 */
    json_t *body = json_pack("{s:s, s:s, s:i}", "access_token", token, "token_type", "Bearer", "expires_in",
                             cfg->access_token_ttl);
    if (body && *scope)
        json_object_set_new(body, "scope", json_string(scope));
    idp_secret_free(token);
    idp_oauth_json(req, resp, 200, body);
    return idp_ok();
}

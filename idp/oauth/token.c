/*
 * The token endpoint (RFC 6749 §3.2) and OAuth error responses (§5.2).
 * Grants implemented: client_credentials (§4.4). Access tokens are JWTs in
 * the RFC 9068 profile, and their jti is stored for revocation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/str.h"
#include "jose/jwt.h"
#include "oauth/client_auth.h"
#include "oauth/oauth.h"

#define BODY_MAX 16384

static void json_response(idp_oauth_req_t *req, idp_oauth_resp_t *resp, int status, idp_buf_t *b)
{
    if (b->data == NULL || (resp->body = idp_arena_strndup(req->arena, b->data, b->len)) == NULL) {
        resp->status = 500;
        resp->body = "{\"error\":\"server_error\"}";
        resp->body_len = strlen(resp->body);
    } else {
        resp->status = status;
        resp->body_len = b->len;
    }
    idp_buf_free(b);
}

void idp_oauth_error(idp_oauth_req_t *req, idp_oauth_resp_t *resp, idp_err_t e, const char *description)
{
    idp_buf_t b;
    idp_buf_init(&b, 1024);
    idp_buf_puts(&b, "{\"error\":\"");
    idp_buf_puts(&b, idp_err_code(e));
    idp_buf_puts(&b, "\"");
    if (description && !idp_err_is_internal(e)) {
        idp_buf_puts(&b, ",\"error_description\":\"");
        idp_buf_json_escape(&b, description, strlen(description));
        idp_buf_puts(&b, "\"");
    }
    idp_buf_puts(&b, "}");
    json_response(req, resp, idp_err_http_status(e), &b);
    /* RFC 6749 §5.2: 401 for invalid_client, with the scheme the client may use. */
    if (e == IDP_E_INVALID_CLIENT)
        resp->www_authenticate = "Basic realm=\"sakaid\", charset=\"UTF-8\"";
}

/*
 * RFC 6749 §3.3 and §4.4.2: the requested scope must be within the client's
 * registered scope; when absent, the registered scope is the default.
 * "openid" is about an end-user and has no meaning without one, so a
 * client_credentials token never carries it.
 */
static idp_err_t grant_scope(idp_oauth_req_t *req, const char *registered, const char *requested,
                             const char **granted)
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

static void client_credentials(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, idp_client_t *cl)
{
    const idp_config_t *cfg = o->cfg;
    const char *requested = NULL, *scope = NULL;
    idp_err_t e = idp_params_get(req->form, "scope", &requested);
    if (e == IDP_E_INVALID_REQUEST)
        return idp_oauth_error(req, resp, e, "scope is repeated");
    if (e != IDP_OK)
        requested = NULL;
    const char *registered = json_string_value(json_object_get(cl->meta, "scope"));
    if ((e = grant_scope(req, registered, requested, &scope)) != IDP_OK)
        return idp_oauth_error(req, resp, e, "the requested scope is not registered for this client");

    idp_keyset_t *ks = idp_keystore_get(o->keys);
    const idp_jose_key_t *key = ks ? idp_keyset_signer(ks, idp_alg_from_name(cfg->access_token_alg)) : NULL;
    if (key == NULL) {
        idp_keyset_release(ks);
        idp_log_msg(IDP_LOG_ERROR, "no_signing_key", "no active %s key", cfg->access_token_alg);
        return idp_oauth_error(req, resp, IDP_E_SERVER_ERROR, NULL);
    }

    /* RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti (+ scope). For
     * client_credentials the subject is the client itself. Without a resource
     * indicator the default audience is this issuer (RFC 9068 §3). */
    char *jti = idp_random_token_new(16);
    long long exp = req->now + cfg->access_token_ttl;
    idp_buf_t p;
    idp_buf_init(&p, BODY_MAX);
    idp_buf_puts(&p, "{\"iss\":\"");
    idp_buf_json_escape(&p, cfg->issuer, strlen(cfg->issuer));
    idp_buf_puts(&p, "\",\"sub\":\"");
    idp_buf_json_escape(&p, cl->client_id, strlen(cl->client_id));
    idp_buf_puts(&p, "\",\"aud\":\"");
    idp_buf_json_escape(&p, cfg->issuer, strlen(cfg->issuer));
    idp_buf_puts(&p, "\",\"client_id\":\"");
    idp_buf_json_escape(&p, cl->client_id, strlen(cl->client_id));
    idp_buf_printf(&p, "\",\"iat\":%lld,\"exp\":%lld,\"jti\":\"%s\"", req->now, exp, jti ? jti : "");
    if (*scope)
        idp_buf_printf(&p, ",\"scope\":\"%s\"", scope); /* scope tokens need no escaping (checked above) */
    e = idp_buf_puts(&p, "}");

    char *token = NULL;
    if (jti == NULL || e != IDP_OK || (e = idp_jwt_sign(key, "at+jwt", idp_buf_cstr(&p), &token)) != IDP_OK)
        e = e == IDP_OK ? IDP_E_NOMEM : e;
    idp_keyset_release(ks);
    idp_buf_free(&p);
    if (e == IDP_OK)
        e = idp_store_access_token_insert(o->store, jti, cl->client_id, cl->client_id, scope, exp);
    free(jti);
    if (e != IDP_OK) {
        free(token);
        return idp_oauth_error(req, resp, e, NULL);
    }

    /* RFC 6749 §5.1 */
    idp_buf_t b;
    idp_buf_init(&b, BODY_MAX);
    idp_buf_puts(&b, "{\"access_token\":\"");
    idp_buf_puts(&b, token);
    idp_buf_printf(&b, "\",\"token_type\":\"Bearer\",\"expires_in\":%d", cfg->access_token_ttl);
    if (*scope)
        idp_buf_printf(&b, ",\"scope\":\"%s\"", scope);
    idp_buf_puts(&b, "}");
    idp_secret_free(token);
    json_response(req, resp, 200, &b);
}

void idp_oauth_token(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    const char *grant = NULL, *desc = NULL;
    idp_err_t e = idp_params_get(req->form, "grant_type", &grant);
    if (e != IDP_OK)
        return idp_oauth_error(req, resp, IDP_E_INVALID_REQUEST,
                               e == IDP_E_NOT_FOUND ? "grant_type is required" : "grant_type is repeated");
    idp_client_t cl;
    if ((e = idp_client_authenticate(o, req, &cl, &desc)) != IDP_OK)
        return idp_oauth_error(req, resp, e, desc);
    if (strcmp(grant, "client_credentials") != 0) {
        idp_oauth_error(req, resp, IDP_E_UNSUPPORTED_GRANT_TYPE, "this grant type is not supported");
    } else if (!idp_client_meta_has(cl.meta, "grant_types", grant)) {
        /* RFC 6749 §5.2 unauthorized_client; §4.4: confidential clients only, which registration enforces. */
        idp_oauth_error(req, resp, IDP_E_UNAUTHORIZED_CLIENT, "the client is not registered for this grant type");
    } else if (!strcmp(cl.method, "none")) {
        idp_oauth_error(req, resp, IDP_E_UNAUTHORIZED_CLIENT, "public clients cannot use client_credentials");
    } else {
        client_credentials(o, req, resp, &cl);
    }
    idp_client_release(&cl);
}

/*
 * The token endpoint (RFC 6749 §3.2) and OAuth error responses (§5.2).
 * Grants: authorization_code (§4.1.3, with PKCE RFC 7636 §4.6),
 * refresh_token (§6, rotating, RFC 9700 §4.14.2) and client_credentials
 * (§4.4). Access tokens are JWTs in the RFC 9068 profile, their jti stored
 * for revocation and introspection; ID tokens follow OpenID Connect Core
 * §2 and §3.1.3.6; refresh tokens are 256 random bits stored as hashes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/str.h"
#include "jose/jwt.h"
#include "oauth/authorize.h"
#include "oauth/client_auth.h"
#include "oauth/internal.h"


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

/* The client's access-token algorithm (its access_token_signed_response_alg), else the configured one:
 * ES256 signs about 17x faster than RS256 (anchors.md), so a busy client can choose it. */
static const char *access_token_alg(const idp_oauth_t *o, const idp_client_t *cl)
{
    const char *alg = json_string_value(json_object_get(cl->meta, "access_token_signed_response_alg"));
    return alg ? alg : o->cfg->access_token_alg;
}

/* The amr claim (OpenID Connect Core §2): the space-separated methods as an array. */
static json_t *amr_array(const char *amr)
{
    json_t *a = json_array();
    const char *p = amr;
    size_t len;
    for (const char *w = idp_str_next_word(&p, &len); a && len; w = idp_str_next_word(&p, &len))
        if (json_array_append_new(a, json_stringn(w, len)) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/*
 * Serialises @p claims once (no hand-built JSON is signed) and signs it with
 * the active key of @p alg. Takes @p claims; NULL (a json_pack that failed)
 * is IDP_E_NOMEM.
 */
static idp_err_t sign_json(idp_oauth_t *o, const char *alg, const char *typ, json_t *claims, char **out)
{
    char *text = claims ? json_dumps(claims, JSON_COMPACT) : NULL;
    json_decref(claims);
    if (text == NULL)
        return IDP_E_NOMEM;
    idp_keyset_t *ks = idp_keystore_get(o->keys);
    const idp_jose_key_t *key = ks ? idp_keyset_signer(ks, idp_alg_from_name(alg)) : NULL;
    idp_err_t e = key ? idp_jwt_sign(key, typ, text, out) : IDP_E_SERVER_ERROR;
    if (key == NULL)
        idp_log_msg(IDP_LOG_ERROR, "no_signing_key", "no active %s key", alg);
    idp_keyset_release(ks);
    free(text);
    return e;
}

static void client_credentials(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, idp_client_t *cl)
{
    const idp_config_t *cfg = o->cfg;
    const char *requested = NULL, *scope = NULL;
    idp_err_t e = idp_params_get(req->form, "scope", &requested);
    if (e == IDP_E_INVALID_REQUEST) {
        idp_oauth_error(req, resp, e, "scope is repeated");
        return;
    }
    if (e != IDP_OK)
        requested = NULL;
    const char *registered = json_string_value(json_object_get(cl->meta, "scope"));
    if ((e = grant_scope(req, registered, requested, &scope)) != IDP_OK) {
        idp_oauth_error(req, resp, e, "the requested scope is not registered for this client");
        return;
    }

    /* RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti (+ scope). For
     * client_credentials the subject is the client itself. Without a resource
     * indicator the default audience is this issuer (RFC 9068 §3). */
    char *jti = idp_random_token_new(16), *token = NULL;
    long long exp = req->now + cfg->access_token_ttl;
    json_t *claims = jti ? json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "iss", cfg->issuer, "sub", cl->client_id,
                                     "aud", cfg->issuer, "client_id", cl->client_id, "iat", (json_int_t)req->now,
                                     "exp", (json_int_t)exp, "jti", jti)
                         : NULL;
    if (claims && *scope)
        json_object_set_new(claims, "scope", json_string(scope));
    e = sign_json(o, access_token_alg(o, cl), "at+jwt", claims, &token);
    if (e == IDP_OK)
        e = idp_store_access_token_insert(o->store, jti, cl->client_id, cl->client_id, scope, exp, NULL);
    free(jti);
    if (e != IDP_OK) {
        free(token);
        idp_oauth_error(req, resp, e, NULL);
        return;
    }

    /* RFC 6749 §5.1 */
    json_t *body = json_pack("{s:s, s:s, s:i}", "access_token", token, "token_type", "Bearer", "expires_in",
                             cfg->access_token_ttl);
    if (body && *scope)
        json_object_set_new(body, "scope", json_string(scope));
    idp_secret_free(token);
    idp_oauth_json(req, resp, 200, body);
}

/* ---- the code flow's tokens ---------------------------------------------------- */

/* OpenID Connect Core §3.1.3.6: at_hash = base64url(left half of SHA-256(access token)). */
static void at_hash(const char *token, char out[32])
{
    unsigned char h[32];
    idp_sha256(token, strlen(token), h);
    idp_b64url_encode(h, 16, out);
}

/*
 * OpenID Connect Core §5.5: the claims the id_token member of the claims
 * parameter asked for (and the resident consented to with the rest) go
 * into the ID token itself, as members of the payload @p p; their names
 * into @p released. A resident with no attributes has none to add.
 */
static idp_err_t id_token_claims(idp_oauth_t *o, const idp_store_grant_t *g, json_t *p, char *released, size_t size)
{
    if (!g->id_token_claims[0])
        return IDP_OK;
    idp_store_resident_attrs_t a;
    idp_err_t e = idp_store_resident_attrs_get(o->store, g->resident_id, &a);
    if (e != IDP_OK)
        return e == IDP_E_NOT_FOUND ? IDP_OK : e;
    json_t *c = json_object();
    idp_claims_add(c, &a, g->id_token_claims, g->acr, released, size);
    idp_store_resident_attrs_clear(&a);
    /* our claim names only (idp_claims_add): none of them is a registered claim set above */
    e = c && json_object_update_missing(p, c) == 0 ? IDP_OK : IDP_E_NOMEM;
    json_decref(c);
    return e;
}

/* The signed tokens of one token response, before their rows are stored. */
typedef struct {
    char *jti, *at, *idt; /* malloc'ed; idt NULL when the scope has no openid */
    char sub[64];
    char released[512];   /* claim names the ID token carries ("" for none) */
    long long exp;
} issued_t;

static void issued_free(issued_t *t)
{
    free(t->jti);
    idp_secret_free(t->at);
    idp_secret_free(t->idt);
}

/*
 * Signs the tokens of a grant for @p scope: an RFC 9068 access token and,
 * when @p scope has openid, an ID token (OpenID Connect Core §2, §12.2).
 * A grant without offline_access ends with its browser session (§11), and
 * its access tokens carry that session's sid.
 */
static idp_err_t sign_tokens(idp_oauth_t *o, idp_oauth_req_t *req, idp_client_t *cl, const idp_store_grant_t *g,
                             const char *scope, const char *nonce, issued_t *t)
{
    const idp_config_t *cfg = o->cfg;
    char hash[32];
    memset(t, 0, sizeof(*t));
    idp_subject(o, cl->meta, g->resident_id, t->sub);
    t->jti = idp_random_token_new(16);
    t->exp = req->now + cfg->access_token_ttl;
    if (t->jti == NULL)
        return IDP_E_NOMEM;
    json_t *at = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:o}", "iss", cfg->issuer, "sub", t->sub,
                           "aud", cfg->issuer, "client_id", cl->client_id, "iat", (json_int_t)req->now, "exp",
                           (json_int_t)t->exp, "auth_time", (json_int_t)g->auth_time, "jti", t->jti, "scope", scope,
                           "acr", g->acr, "amr", amr_array(g->amr));
    if (at && !g->offline && g->sid[0])
        json_object_set_new(at, "sid", json_string(g->sid));
    idp_err_t e = sign_json(o, access_token_alg(o, cl), "at+jwt", at, &t->at);
    if (e != IDP_OK || !idp_str_list_has(scope, "openid"))
        return e;
    const char *alg = json_string_value(json_object_get(cl->meta, "id_token_signed_response_alg"));
    at_hash(t->at, hash);
    json_t *idt = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:o, s:s}", "iss", cfg->issuer, "sub", t->sub,
                            "aud", cl->client_id, "azp", cl->client_id, "iat", (json_int_t)req->now, "exp",
                            (json_int_t)(req->now + cfg->id_token_ttl), "auth_time", (json_int_t)g->auth_time, "acr",
                            g->acr, "amr", amr_array(g->amr), "at_hash", hash);
    if (idt && nonce && *nonce)
        json_object_set_new(idt, "nonce", json_string(nonce));
    if (idt && g->sid[0])
        json_object_set_new(idt, "sid", json_string(g->sid));
    e = idt ? id_token_claims(o, g, idt, t->released, sizeof(t->released)) : IDP_E_NOMEM;
    if (e != IDP_OK) {
        json_decref(idt);
        return e;
    }
    return sign_json(o, alg ? alg : "RS256", NULL, idt, &t->idt);
}

/* The token response (RFC 6749 §5.1) for tokens whose rows are stored. */
static void token_response(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, const issued_t *t,
                           const char *scope, const char *refresh)
{
    json_t *body = json_pack("{s:s, s:s, s:i, s:s*, s:s, s:s*}", "access_token", t->at, "token_type", "Bearer",
                             "expires_in", o->cfg->access_token_ttl, "id_token", t->idt, "scope", scope,
                             "refresh_token", refresh);
    idp_oauth_json(req, resp, 200, body);
}

/* One required, unrepeated form parameter; writes the error when it is not. */
static const char *need(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *name)
{
    const char *v = NULL;
    idp_err_t e = idp_params_get(req->form, name, &v);
    if (e == IDP_OK)
        return v;
    char d[96];
    snprintf(d, sizeof(d), "%s is %s", name, e == IDP_E_NOT_FOUND ? "required" : "repeated");
    idp_oauth_error(req, resp, IDP_E_INVALID_REQUEST, d);
    return NULL;
}

/* A new refresh token for the grant when the client may refresh (RFC 6749 §1.5); NULL otherwise. */
static char *new_refresh(idp_client_t *cl, unsigned char hash[32])
{
    if (!idp_client_meta_has(cl->meta, "grant_types", "refresh_token"))
        return NULL;
    char *t = idp_random_token_new(32);
    if (t)
        idp_sha256(t, strlen(t), hash);
    return t;
}

/* Why a code was not redeemed (idp_store_code_redeem's outcome other than IDP_CODE_VALID). */
static void code_refused(const idp_client_t *cl, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                         idp_store_code_outcome_t outcome, bool verifier)
{
    switch (outcome) {
    case IDP_CODE_REPLAYED:
        idp_log_msg(IDP_LOG_WARN, "code_replayed", "client %s; grant revoked", cl->client_id);
        idp_oauth_error(req, resp, IDP_E_INVALID_GRANT, "the code has already been used; its tokens are revoked");
        return;
    case IDP_CODE_WRONG_CLIENT: /* §4.1.3: issued to this client */
        idp_oauth_error(req, resp, IDP_E_INVALID_GRANT, "the code was issued to another client");
        return;
    case IDP_CODE_WRONG_REDIRECT: /* §4.1.3: the redirect_uri of the authorization request */
        idp_oauth_error(req, resp, IDP_E_INVALID_GRANT, "redirect_uri does not match the authorization request");
        return;
    case IDP_CODE_WRONG_VERIFIER: /* RFC 7636 §4.6; RFC 9700 §4.8.2: a verifier for a code without a challenge too */
        idp_oauth_error(req, resp, IDP_E_INVALID_GRANT,
                        verifier ? "code_verifier does not match the code_challenge (or the code has none)"
                                 : "code_verifier is required for this code");
        return;
    default:
        idp_oauth_error(req, resp, IDP_E_INVALID_GRANT, "the code is invalid or expired");
        return;
    }
}

/*
 * RFC 6749 §4.1.3 and RFC 7636 §4.6. The code is spent only by its own
 * client, for its redirect URI, with its verifier, all checked before
 * anything changes: a stranger who learns a code can neither burn it nor
 * revoke its grant. Then the tokens are signed, and one commit spends the
 * code, if it still can be spent, with the answer's rows.
 */
static void authorization_code(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, idp_client_t *cl)
{
    const char *code = need(req, resp, "code"), *redirect_uri = NULL, *verifier = NULL;
    if (code == NULL || (redirect_uri = need(req, resp, "redirect_uri")) == NULL)
        return;
    idp_err_t e = idp_params_get(req->form, "code_verifier", &verifier);
    if (e == IDP_E_INVALID_REQUEST) {
        idp_oauth_error(req, resp, e, "code_verifier is repeated");
        return;
    }
    char challenge[64] = "";
    /* RFC 7636 §4.1: 43-128 unreserved characters; anything else matches no code and spends nothing. */
    if (verifier && !idp_pkce_s256(verifier, challenge)) {
        idp_oauth_error(req, resp, IDP_E_INVALID_GRANT, "code_verifier is malformed");
        return;
    }
    unsigned char h[32];
    idp_sha256(code, strlen(code), h);
    idp_store_grant_t *g = idp_arena_alloc(req->arena, sizeof(*g));
    idp_store_code_outcome_t outcome;
    if (g == NULL) {
        idp_oauth_error(req, resp, IDP_E_NOMEM, NULL);
        return;
    }
    if ((e = idp_store_code_redeem(o->store, h, cl->client_id, redirect_uri, challenge, g, &outcome)) != IDP_OK) {
        idp_oauth_error(req, resp, e, NULL);
        return;
    }
    if (outcome != IDP_CODE_VALID) {
        code_refused(cl, req, resp, outcome, verifier != NULL);
        return;
    }
    unsigned char rh[32];
    char *refresh = new_refresh(cl, rh);
    issued_t t;
    e = sign_tokens(o, req, cl, g, g->scope, g->nonce, &t);
    /* One commit after both signatures: the code spent, refresh token, jti, the resident's release row. */
    if (e == IDP_OK)
        e = idp_store_code_spend(o->store, h, g->id, refresh ? rh : NULL, t.jti, cl->client_id, t.sub, g->scope,
                                 t.exp, t.released);
    if (e == IDP_OK)
        token_response(o, req, resp, &t, g->scope, refresh);
    /* IDP_E_CONFLICT: spent (or ended) between the check and the commit, by another request presenting it
     * meanwhile. Asked again, a replay revokes the grant and all issued from it (RFC 6749 §4.1.2). */
    else if (e == IDP_E_CONFLICT &&
             (e = idp_store_code_redeem(o->store, h, cl->client_id, redirect_uri, challenge, g, &outcome)) == IDP_OK)
        code_refused(cl, req, resp, outcome == IDP_CODE_VALID ? IDP_CODE_UNKNOWN : outcome, verifier != NULL);
    else
        idp_oauth_error(req, resp, e, NULL);
    issued_free(&t);
    idp_secret_free(refresh);
}

/*
 * RFC 6749 §6: rotation, with reuse detection (RFC 9700 §4.14.2). The
 * request is checked against the token's grant before anything changes; the
 * new tokens are signed; then one transaction spends the old token and
 * stores the new refresh token, the access token's jti and the release row.
 * A request that fails leaves the token as it was, so a retry works.
 */
static void refresh_token(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, idp_client_t *cl)
{
    const char *token = need(req, resp, "refresh_token"), *scope = NULL;
    if (token == NULL)
        return;
    idp_err_t e = idp_params_get(req->form, "scope", &scope);
    if (e == IDP_E_INVALID_REQUEST) {
        idp_oauth_error(req, resp, e, "scope is repeated");
        return;
    }
    if (!idp_client_meta_has(cl->meta, "grant_types", "refresh_token")) {
        idp_oauth_error(req, resp, IDP_E_UNAUTHORIZED_CLIENT, "the client is not registered for refresh_token");
        return;
    }
    unsigned char old[32], fresh[32];
    idp_sha256(token, strlen(token), old);
    idp_store_grant_t *g = idp_arena_alloc(req->arena, sizeof(*g));
    idp_store_token_info_t info;
    if (g == NULL) {
        idp_oauth_error(req, resp, IDP_E_NOMEM, NULL);
        return;
    }
    e = strlen(token) > 512 ? IDP_E_NOT_FOUND : idp_store_refresh_get(o->store, old, g, &info);
    /* §6: bound to the client it was issued to; another client's token changes nothing. */
    if (e == IDP_E_NOT_FOUND || (e == IDP_OK && strcmp(info.client_id, cl->client_id) != 0)) {
        idp_oauth_error(req, resp, IDP_E_INVALID_GRANT, "the refresh token is invalid, expired or revoked");
        return;
    }
    if (e != IDP_OK) {
        idp_oauth_error(req, resp, e, NULL);
        return;
    }
    if (info.spent) {
        /* Reuse of a spent token: someone holds a copy. Revoke the family. */
        idp_log_msg(IDP_LOG_WARN, "refresh_reused", "client %s; family revoked", cl->client_id);
        if ((e = idp_store_grant_revoke(o->store, g->id)) != IDP_OK) {
            idp_oauth_error(req, resp, e, NULL);
            return;
        }
        idp_oauth_error(req, resp, IDP_E_INVALID_GRANT, "the refresh token was already used; the grant is revoked");
        return;
    }
    if (!info.active) { /* expired, revoked, or its session ended (OpenID Connect Core §11) */
        idp_oauth_error(req, resp, IDP_E_INVALID_GRANT, "the refresh token is invalid, expired or revoked");
        return;
    }
    /* §6: a narrower scope may be asked for, never a wider one; it is honoured as asked (without openid: an
     * access token for the other scopes and no ID token). The grant keeps its scope. */
    const char *granted = g->scope;
    if (scope) {
        char *w = idp_arena_strdup(req->arena, scope);
        if (w == NULL) {
            idp_oauth_error(req, resp, IDP_E_NOMEM, NULL);
            return;
        }
        if (!idp_str_list_subset(w, g->scope)) {
            idp_oauth_error(req, resp, IDP_E_INVALID_SCOPE, "the scope exceeds the original grant");
            return;
        }
        granted = w;
    }
    char *next = new_refresh(cl, fresh);
    issued_t t;
    e = next ? sign_tokens(o, req, cl, g, granted, NULL, &t) : IDP_E_NOMEM;
    if (e == IDP_OK)
        e = idp_store_refresh_exchange(o->store, old, cl->client_id, fresh, t.jti, t.sub, granted, t.exp,
                                       t.idt ? t.released : "");
    if (e == IDP_OK) {
        token_response(o, req, resp, &t, granted, next);
    } else if (e == IDP_E_CONFLICT) {
        idp_log_msg(IDP_LOG_WARN, "refresh_reused", "client %s; family revoked", cl->client_id);
        idp_oauth_error(req, resp, IDP_E_INVALID_GRANT, "the refresh token was already used; the grant is revoked");
    } else {
        idp_oauth_error(req, resp, e == IDP_E_NOT_FOUND ? IDP_E_INVALID_GRANT : e,
                        e == IDP_E_NOT_FOUND ? "the refresh token is invalid, expired or revoked" : NULL);
    }
    if (next)
        issued_free(&t);
    idp_secret_free(next);
}

void idp_oauth_token(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    const char *grant = NULL, *desc = NULL;
    idp_err_t e = idp_params_get(req->form, "grant_type", &grant);
    if (e != IDP_OK) {
        idp_oauth_error(req, resp, IDP_E_INVALID_REQUEST,
                        e == IDP_E_NOT_FOUND ? "grant_type is required" : "grant_type is repeated");
        return;
    }
    idp_client_t cl;
    if ((e = idp_client_authenticate(o, req, &cl, &desc)) != IDP_OK) {
        idp_oauth_error(req, resp, e, desc);
        return;
    }
    bool cc = !strcmp(grant, "client_credentials"), code = !strcmp(grant, "authorization_code"),
         rt = !strcmp(grant, "refresh_token");
    if (!cc && !code && !rt) {
        idp_oauth_error(req, resp, IDP_E_UNSUPPORTED_GRANT_TYPE, "this grant type is not supported");
    } else if (!idp_client_meta_has(cl.meta, "grant_types", grant)) {
        /* RFC 6749 §5.2 unauthorized_client */
        idp_oauth_error(req, resp, IDP_E_UNAUTHORIZED_CLIENT, "the client is not registered for this grant type");
    } else if (cc && !strcmp(cl.method, "none")) {
        /* §4.4: confidential clients only. */
        idp_oauth_error(req, resp, IDP_E_UNAUTHORIZED_CLIENT, "public clients cannot use client_credentials");
    } else if (cc) {
        client_credentials(o, req, resp, &cl);
    } else if (code) {
        authorization_code(o, req, resp, &cl);
    } else {
        refresh_token(o, req, resp, &cl);
    }
    idp_client_release(&cl);
}

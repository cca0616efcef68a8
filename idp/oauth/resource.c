/*
 * What a client does with its tokens: UserInfo (OpenID Connect Core §5.3),
 * introspection (RFC 7662) and revocation (RFC 7009); and the resident's
 * claims as released in UserInfo and in the ID token. A client only ever
 * sees and revokes its own tokens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"
#include "core/rand.h"
#include "core/str.h"
#include "jose/verify.h"
#include "oauth/client_auth.h"
#include "oauth/clients.h"
#include "oauth/internal.h"

#define TOKEN_MAX 8192

/* Our own access token: signature, typ at+jwt (RFC 9068 §4), issuer, expiry; *jti receives its id, and @p jkt (when
 * not NULL) the key it is bound to (cnf.jkt, RFC 9449 §6.1), or "". */
static idp_err_t verify_access_token(idp_oauth_t *o, idp_oauth_req_t *req, const char *token, char jti[64],
                                     char jkt[IDP_JKT_LEN], json_t **details)
{
    json_t *header = NULL, *payload = NULL;
    idp_err_t e = idp_own_verify(o, token, &header, &payload);
    if (e == IDP_OK) {
        const char *typ = json_string_value(json_object_get(header, "typ"));
        const char *iss = json_string_value(json_object_get(payload, "iss"));
        const char *id = json_string_value(json_object_get(payload, "jti"));
        json_t *exp = json_object_get(payload, "exp");
        if (!typ || strcasecmp(typ, "at+jwt") || !iss || strcmp(iss, o->cfg->issuer) || !id || strlen(id) >= 64 ||
            !json_is_integer(exp) || json_integer_value(exp) <= req->now)
            e = IDP_E_INVALID_TOKEN;
        else
            snprintf(jti, 64, "%s", id);
        const char *bound = json_string_value(json_object_get(json_object_get(payload, "cnf"), "jkt"));
        if (jkt)
            snprintf(jkt, IDP_JKT_LEN, "%s", bound ? bound : "");
        if (details) /* RFC 9396 §9.1, as signed */
            *details = json_incref(json_object_get(payload, "authorization_details"));
    }
    json_decref(header);
    json_decref(payload);
    return e == IDP_OK || e == IDP_E_SERVER_ERROR || e == IDP_E_NOMEM ? e : IDP_E_INVALID_TOKEN;
}

/* An access token we issued: signature, typ at+jwt, issuer, expiry, its row live (not revoked), its client live (not
 * suspended or removed). IDP_E_INVALID_TOKEN for any of those; a storage error otherwise. */
static idp_err_t access_token_check(idp_oauth_t *o, idp_oauth_req_t *req, const char *token,
                                    idp_store_token_info_t *info, char jkt[IDP_JKT_LEN])
{
    char jti[64];
    idp_err_t e = strlen(token) > TOKEN_MAX ? IDP_E_INVALID_TOKEN : verify_access_token(o, req, token, jti, jkt, NULL);
    if (e == IDP_OK)
        e = idp_store_access_token_get(o->store, jti, info);
    if (e == IDP_OK && !info->active)
        e = IDP_E_INVALID_TOKEN; /* revoked or expired */
    if (e == IDP_OK) {           /* a suspended or removed client's tokens open nothing (docs/admin.md) */
        const idp_client_t *cl = NULL;
        e = idp_clients_get(o, info->client_id, &cl);
        idp_client_unref(cl);
    }
    return e == IDP_E_NOT_FOUND || e == IDP_E_INVALID_GRANT || e == IDP_E_INVALID_REQUEST ? IDP_E_INVALID_TOKEN : e;
}

/*
 * RFC 9449 §7.1: the token in "Authorization: DPoP", or NULL. A DPoP-bound token is presented only this way; the
 * Bearer ways (idp_bearer_token) are RFC 6750's.
 */
static const char *dpop_scheme_token(const idp_oauth_req_t *req)
{
    if (req->authorization == NULL || strncasecmp(req->authorization, "DPoP ", 5) != 0)
        return NULL;
    const char *t = req->authorization + 5;
    while (*t == ' ')
        t++;
    return t;
}

idp_outcome_t idp_resource_token(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                 idp_store_token_info_t *info)
{
    idp_outcome_t out = idp_ok();
    const char *token = dpop_scheme_token(req);
    bool dpop = token != NULL;
    if (!dpop && (token = idp_bearer_token(req, &out)) == NULL)
        return out;
    char jkt[IDP_JKT_LEN] = "";
    idp_err_t e = access_token_check(o, req, token, info, jkt);
    if (e == IDP_E_INVALID_TOKEN)
        return idp_fail(IDP_E_INVALID_TOKEN, "the access token is invalid, expired or revoked");
    if (e != IDP_OK)
        return idp_fail_store(e);
    /* §7.2: a bound token as a bearer token would let whoever holds it use it: refused */
    if (!dpop && jkt[0])
        return idp_fail(IDP_E_INVALID_TOKEN,
                        "the access token is DPoP-bound: present it with the DPoP scheme and a proof");
    if (!dpop)
        return idp_ok();
    if (!jkt[0]) /* §7.1: the DPoP scheme is for bound tokens */
        return idp_fail(IDP_E_INVALID_TOKEN, "the access token is not DPoP-bound: present it as a Bearer token");
    idp_dpop_proof_t proof;
    out = idp_dpop_check(o, req, resp, token, &proof);
    if (out.err != IDP_OK)
        return out;
    /* §4.3 item 12, §7.1: a proof, with ath, by the key the token is bound to */
    if (!proof.jkt[0])
        return idp_fail(IDP_E_INVALID_DPOP_PROOF, "a DPoP proof is required with a DPoP-bound token");
    if (strcmp(proof.jkt, jkt) != 0)
        return idp_fail(IDP_E_INVALID_DPOP_PROOF, "the DPoP proof's key is not the one the token is bound to");
    return idp_ok();
}

/* ---- released claims (UserInfo and the ID token) -------------------------------- */

/* ---- UserInfo ------------------------------------------------------------------- */

const char *idp_bearer_token(idp_oauth_req_t *req, idp_outcome_t *out)
{
    /* RFC 6750 §3.1: a request with no token (or another scheme) gets a challenge that names no error. */
    static const idp_outcome_t no_token = {.err = IDP_E_INVALID_TOKEN, .no_token = true};
    const char *form = NULL;
    idp_err_t fe = req->form ? idp_params_get(req->form, "access_token", &form) : IDP_E_NOT_FOUND;
    if (fe == IDP_E_INVALID_REQUEST || (form && req->authorization)) {
        *out = idp_fail(IDP_E_INVALID_REQUEST, "use exactly one way to send the token");
        return NULL;
    }
    if (req->authorization) {
        if (strncasecmp(req->authorization, "Bearer ", 7) != 0) {
            *out = no_token;
            return NULL;
        }
        const char *t = req->authorization + 7;
        while (*t == ' ')
            t++;
        return t;
    }
    if (form == NULL)
        *out = no_token;
    return form;
}

/*
 * The claims an access token of grant @p g with scope @p scope may release
 * (in the arena): all the grant's claims for a token with the grant's
 * scope; for a narrower one (a refresh asked for less), only those whose
 * scope the token still has (OpenID Connect Core §5.4).
 */
static const char *token_claims(idp_oauth_req_t *req, const idp_store_grant_t *g, const char *scope)
{
    if (idp_str_list_subset(g->scope, scope))
        return g->claims;
    char *out = idp_arena_alloc(req->arena, strlen(g->claims) + 1);
    if (out == NULL)
        return NULL;
    out[0] = '\0';
    for (const idp_claim_def_t *d = idp_claim_defs; d->claim; d++)
        if (idp_str_list_has(g->claims, d->claim) && idp_str_list_has(scope, d->scope))
            idp_str_list_append(out, strlen(g->claims) + 1, d->claim);
    return out;
}

idp_outcome_t idp_oauth_userinfo(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_store_token_info_t info;
    idp_outcome_t fail = idp_resource_token(o, req, resp, &info);
    if (fail.err != IDP_OK)
        return fail;
    idp_store_grant_t *g = idp_arena_alloc(req->arena, sizeof(*g));
    bool live = false;
    idp_err_t e = IDP_OK;
    if (!info.grant_id[0])
        e = IDP_E_INVALID_TOKEN; /* a client_credentials token: no end-user */
    if (e == IDP_OK)
        e = g ? idp_store_grant_get(o->store, info.grant_id, g, &live) : IDP_E_NOMEM;
    if (e == IDP_OK && !live)
        e = IDP_E_INVALID_TOKEN;
    if (e == IDP_E_INVALID_TOKEN || e == IDP_E_NOT_FOUND || e == IDP_E_INVALID_GRANT || e == IDP_E_INVALID_REQUEST) {
        return idp_fail(IDP_E_INVALID_TOKEN, "the access token is invalid, expired or revoked");
    }
    if (e != IDP_OK)
        return idp_fail(e, NULL);
    /* The token's own scope, which a refresh may have narrowed (RFC 6749 §6), not the grant's. */
    if (!idp_str_list_has(info.scope, "openid"))
        return idp_fail(IDP_E_INSUFFICIENT_SCOPE, "the token was not issued with scope openid");
    const char *claims = token_claims(req, g, info.scope);
    if (claims == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);

    json_t *out = json_pack("{s:s}", "sub", info.subject);
    idp_store_resident_attrs_t a;
    char released[512] = "";
    e = idp_store_resident_attrs_get(o->store, g->resident_id, &a);
    if (e == IDP_OK) {
        idp_claims_add(out, &a, claims, g->acr, released, sizeof(released));
        idp_store_resident_attrs_clear(&a);
    } else if (e != IDP_E_NOT_FOUND) {
        json_decref(out);
        return idp_fail(e, NULL);
    }
    idp_oauth_logged(idp_store_release(o->store, g->resident_id, info.client_id, "userinfo", released), "release");
    idp_oauth_json(req, resp, 200, out);
    return idp_ok();
}

/* ---- introspection and revocation -------------------------------------------------- */

typedef struct {
    bool access; /* an access token (else a refresh token) */
    char jti[64];
    char jkt[IDP_JKT_LEN]; /* an access token's cnf.jkt, or "" */
    json_t *details;       /* an access token's authorization_details (owned), or NULL */
    idp_store_token_info_t info;
    idp_store_grant_t grant; /* refresh tokens */
} found_t;

/* Finds a token of either kind. IDP_E_NOT_FOUND for anything we did not issue. */
static idp_err_t find_token(idp_oauth_t *o, idp_oauth_req_t *req, const char *token, found_t *f)
{
    memset(f, 0, sizeof(*f));
    if (strlen(token) > TOKEN_MAX)
        return IDP_E_NOT_FOUND;
    if (strchr(token, '.')) {
        idp_err_t e = verify_access_token(o, req, token, f->jti, f->jkt, &f->details);
        if (e == IDP_E_INVALID_TOKEN)
            return IDP_E_NOT_FOUND;
        f->access = true;
        return e == IDP_OK ? idp_store_access_token_get(o->store, f->jti, &f->info) : e;
    }
    unsigned char h[32];
    idp_sha256(token, strlen(token), h);
    return idp_store_refresh_get(o->store, h, &f->grant, &f->info);
}

static const char *token_param(idp_oauth_req_t *req, idp_outcome_t *out)
{
    const char *t = NULL;
    idp_err_t e = idp_params_get(req->form, "token", &t);
    if (e != IDP_OK)
        *out = idp_fail(IDP_E_INVALID_REQUEST, e == IDP_E_NOT_FOUND ? "token is required" : "token is repeated");
    return e == IDP_OK ? t : NULL;
}

idp_outcome_t idp_oauth_introspect(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    const char *desc = NULL, *token;
    idp_client_auth_t cl;
    idp_err_t e = idp_client_authenticate(o, req, &cl, &desc);
    if (e != IDP_OK)
        return idp_fail(e, desc);
    idp_outcome_t out = idp_ok();
    if ((token = token_param(req, &out)) != NULL) {
        found_t *f = idp_arena_alloc(req->arena, sizeof(*f));
        e = f ? find_token(o, req, token, f) : IDP_E_NOMEM;
        /* RFC 7662 §2.2: anything not active, unknown, or not this client's is just {"active": false}. */
        if (e == IDP_OK && f->info.active && !strcmp(f->info.client_id, cl.client_id)) {
            char sub[256] = "";
            if (f->access)
                snprintf(sub, sizeof(sub), "%s", f->info.subject);
            else
                idp_subject(o, cl.client, f->grant.resident_id, sub);
            json_t *body =
                json_pack("{s:b, s:s, s:s, s:s, s:s, s:I, s:I}", "active", 1, "scope", f->info.scope, "client_id",
                          f->info.client_id, "token_type", f->access ? "access_token" : "refresh_token", "iss",
                          o->cfg->issuer, "exp", (json_int_t)f->info.expires_at, "iat", (json_int_t)f->info.issued_at);
            if (sub[0])
                json_object_set_new(body, "sub", json_string(sub));
            if (f->access) {
                json_object_set_new(body, "jti", json_string(f->jti));
                json_object_set_new(body, "aud", json_string(o->cfg->issuer));
            }
            /* RFC 9396 §9.2: what was granted, for the back office to check the application against */
            json_t *details = f->access                           ? json_incref(f->details)
                              : f->grant.authorization_details[0] ? json_loads(f->grant.authorization_details, 0, NULL)
                                                                  : NULL;
            if (details)
                json_object_set_new(body, "authorization_details", details);
            /* RFC 9449 §6.2: a bound access token's key, for the resource server to check the proof against */
            if (f->access && f->jkt[0]) {
                json_object_set_new(body, "cnf", json_pack("{s:s}", "jkt", f->jkt));
                json_object_set_new(body, "token_type", json_string("DPoP"));
            }
            idp_oauth_json(req, resp, 200, body);
        } else if (e == IDP_OK || e == IDP_E_NOT_FOUND) {
            idp_oauth_json(req, resp, 200, json_pack("{s:b}", "active", 0));
        } else {
            out = idp_fail(e, NULL);
        }
        json_decref(f ? f->details : NULL);
    }
    idp_client_auth_release(&cl);
    return out;
}

idp_outcome_t idp_oauth_revoke(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    const char *desc = NULL, *token;
    idp_client_auth_t cl;
    idp_err_t e = idp_client_authenticate(o, req, &cl, &desc);
    if (e != IDP_OK)
        return idp_fail(e, desc);
    idp_outcome_t out = idp_ok();
    if ((token = token_param(req, &out)) != NULL) {
        found_t *f = idp_arena_alloc(req->arena, sizeof(*f));
        e = f ? find_token(o, req, token, f) : IDP_E_NOMEM;
        if (e == IDP_OK && strcmp(f->info.client_id, cl.client_id) != 0) {
            /* RFC 7009 §2.1: a token of another client is refused, and the client told so. */
            out = idp_fail(IDP_E_UNAUTHORIZED_CLIENT, "the token was not issued to this client");
        } else if (e == IDP_OK || e == IDP_E_NOT_FOUND) {
            /* A refresh token takes its whole grant with it (RFC 7009 §2.1). Unknown tokens: 200 (§2.2). */
            if (e == IDP_OK)
                e = f->access ? idp_store_access_token_revoke(o->store, f->jti)
                              : idp_store_grant_revoke(o->store, f->grant.id);
            if (e == IDP_OK || e == IDP_E_NOT_FOUND) {
                resp->status = 200;
                resp->body = "";
                resp->body_len = 0;
            } else {
                out = idp_fail(e, NULL);
            }
        } else {
            out = idp_fail(e, NULL);
        }
        json_decref(f ? f->details : NULL);
    }
    idp_client_auth_release(&cl);
    return out;
}

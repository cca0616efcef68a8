/* What the grants share: signing access and ID tokens, the token response (RFC 6749 §5.1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/str.h"
#include "jose/jwt.h"
#include "oauth/grants/grants.h"

/* The client's access-token algorithm (its access_token_signed_response_alg), else the configured one:
 * ES256 signs about 17x faster than RS256 (anchors.md), so a busy client can choose it. */
const char *idp_grant_access_token_alg(const idp_oauth_t *o, const idp_client_auth_t *cl)
{
    const char *alg = cl->client->access_token_alg;
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

void idp_issued_free(idp_issued_t *t)
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
idp_err_t idp_grant_sign_tokens(idp_oauth_t *o, idp_oauth_req_t *req, idp_client_auth_t *cl, const idp_store_grant_t *g,
                                const char *scope, const char *nonce, idp_issued_t *t)
{
    const idp_config_t *cfg = o->cfg;
    char hash[32];
    /* what the caller did not set: the code's usual redemption stores the access token's row first */
    if (!t->sub[0])
        idp_subject(o, cl->client, g->resident_id, t->sub);
    if (t->jti == NULL)
        t->jti = idp_random_token_new(16);
    if (t->exp == 0)
        t->exp = req->now + cfg->access_token_ttl;
    if (t->jti == NULL)
        return IDP_E_NOMEM;
    json_t *at = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:o}", "iss", cfg->issuer, "sub", t->sub,
                           "aud", cfg->issuer, "client_id", cl->client_id, "iat", (json_int_t)req->now, "exp",
                           (json_int_t)t->exp, "auth_time", (json_int_t)g->auth_time, "jti", t->jti, "scope", scope,
                           "acr", g->acr, "amr", amr_array(g->amr));
    if (at && !g->offline && g->sid[0])
        json_object_set_new(at, "sid", json_string(g->sid));
    /* RFC 9396 §9.1: the authorization_details granted, which the resource server checks */
    if (at && g->authorization_details[0]) {
        json_t *d = json_loads(g->authorization_details, 0, NULL);
        if (d == NULL || json_object_set_new(at, "authorization_details", d) != 0) {
            json_decref(at);
            at = NULL; /* idp_grant_sign_json: IDP_E_NOMEM */
        }
        t->details = g->authorization_details;
    }
    /* RFC 9449 §6.1: a DPoP-bound token names its key's thumbprint in cnf.jkt (RFC 7800) */
    if (at && req->dpop_jkt)
        json_object_set_new(at, "cnf", json_pack("{s:s}", "jkt", req->dpop_jkt));
    idp_err_t e = idp_own_sign(o, idp_grant_access_token_alg(o, cl), "at+jwt", at, &t->at);
    if (e != IDP_OK || !idp_str_list_has(scope, "openid"))
        return e;
    const char *alg = cl->client->id_token_alg;
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
    return idp_own_sign(o, alg ? alg : "RS256", NULL, idt, &t->idt);
}

/* The token response (RFC 6749 §5.1) for tokens whose rows are stored. */
void idp_grant_token_response(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_issued_t *t,
                              const char *scope, const char *refresh)
{
    json_t *body = json_pack("{s:s, s:s, s:i, s:s*, s:s, s:s*}", "access_token", t->at, "token_type",
                             req->dpop_jkt ? "DPoP" : "Bearer", "expires_in", /* RFC 9449 §5.1 */
                             o->cfg->access_token_ttl, "id_token", t->idt, "scope", scope, "refresh_token", refresh);
    if (body && t->details) /* RFC 9396 §7: the token response names what was granted */
        json_object_set_new(body, "authorization_details", json_loads(t->details, 0, NULL));
    idp_oauth_json(req, resp, 200, body);
}

const char *idp_grant_need(idp_oauth_req_t *req, const char *name, idp_outcome_t *out)
{
    const char *v = NULL;
    idp_err_t e = idp_params_get(req->form, name, &v);
    if (e == IDP_OK)
        return v;
    /* RFC 6749 §5.2 invalid_request; the description in the arena: the outcome outlives this frame */
    char *d = idp_arena_alloc(req->arena, 96);
    if (d)
        snprintf(d, 96, "%s is %s", name, e == IDP_E_NOT_FOUND ? "required" : "repeated");
    *out = idp_fail(IDP_E_INVALID_REQUEST, d);
    return NULL;
}

/* A new refresh token for the grant when the client may refresh (RFC 6749 §1.5); NULL otherwise. */
char *idp_grant_new_refresh(idp_client_auth_t *cl, unsigned char hash[32])
{
    if (!cl->client->refresh_allowed)
        return NULL;
    char *t = idp_random_token_new(32);
    if (t)
        idp_sha256(t, strlen(t), hash);
    return t;
}

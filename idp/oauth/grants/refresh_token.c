/* RFC 6749 §6: the refresh_token grant, rotating (RFC 9700 §4.14.2). */
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
 * RFC 6749 §6: rotation, with reuse detection (RFC 9700 §4.14.2). The
 * request is checked against the token's grant before anything changes; the
 * new tokens are signed; then one transaction spends the old token and
 * stores the new refresh token, the access token's jti and the release row.
 * A request that fails leaves the token as it was, so a retry works.
 */
idp_outcome_t idp_grant_refresh_token(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                      idp_client_auth_t *cl)
{
    idp_outcome_t out = idp_ok();
    const char *token = idp_grant_need(req, "refresh_token", &out), *scope = NULL;
    if (token == NULL)
        return out;
    idp_err_t e = idp_params_get(req->form, "scope", &scope);
    if (e == IDP_E_INVALID_REQUEST)
        return idp_fail(e, "scope is repeated");
    if (!cl->client->refresh_allowed)
        return idp_fail(IDP_E_UNAUTHORIZED_CLIENT, "the client is not registered for refresh_token");
    unsigned char old[32], fresh[32];
    idp_sha256(token, strlen(token), old);
    idp_store_grant_t *g = idp_arena_alloc(req->arena, sizeof(*g));
    idp_store_token_info_t info;
    if (g == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    e = strlen(token) > 512 ? IDP_E_NOT_FOUND : idp_store_refresh_get(o->store, old, g, &info);
    /* §6: bound to the client it was issued to; another client's token changes nothing. */
    if (e == IDP_E_NOT_FOUND || (e == IDP_OK && strcmp(info.client_id, cl->client_id) != 0))
        return idp_fail(IDP_E_INVALID_GRANT, "the refresh token is invalid, expired or revoked");
    if (e != IDP_OK)
        return idp_fail(e, NULL);
    if (info.spent) {
        /* Reuse of a spent token: someone holds a copy. Revoke the family. */
        idp_log_msg(IDP_LOG_WARN, "refresh_reused", "client %s; family revoked", cl->client_id);
        if ((e = idp_store_grant_revoke(o->store, g->id)) != IDP_OK)
            return idp_fail(e, NULL);
        return idp_fail(IDP_E_INVALID_GRANT, "the refresh token was already used; the grant is revoked");
    }
    if (!info.active) { /* expired, revoked, or its session ended (OpenID Connect Core §11) */
        return idp_fail(IDP_E_INVALID_GRANT, "the refresh token is invalid, expired or revoked");
    }
    /* RFC 9449 §5: a bound grant's refresh proves possession of its key (§4.3 item 11 of the proof aside) */
    if (g->dpop_jkt[0] && (req->dpop_jkt == NULL || strcmp(req->dpop_jkt, g->dpop_jkt) != 0))
        return idp_fail(IDP_E_INVALID_DPOP_PROOF,
                        "the refresh token is bound to a DPoP key this request does not prove");
    /* §6: a narrower scope may be asked for, never a wider one; it is honoured as asked (without openid: an
     * access token for the other scopes and no ID token). The grant keeps its scope. */
    const char *granted = g->scope;
    if (scope) {
        char *w = idp_arena_strdup(req->arena, scope);
        if (w == NULL)
            return idp_fail(IDP_E_NOMEM, NULL);
        if (!idp_str_list_subset(w, g->scope))
            return idp_fail(IDP_E_INVALID_SCOPE, "the scope exceeds the original grant");
        granted = w;
    }
    char *next = idp_grant_new_refresh(cl, fresh);
    idp_issued_t t = {0};
    e = next ? idp_grant_sign_tokens(o, req, cl, g, granted, NULL, &t) : IDP_E_NOMEM;
    if (e == IDP_OK)
        e = idp_store_refresh_exchange(o->store, old, cl->client_id, fresh, t.jti, t.sub, granted, t.exp,
                                       t.idt ? t.released : "");
    if (e == IDP_OK) {
        idp_grant_token_response(o, req, resp, &t, granted, next);
    } else if (e == IDP_E_CONFLICT) {
        idp_log_msg(IDP_LOG_WARN, "refresh_reused", "client %s; family revoked", cl->client_id);
        out = idp_fail(IDP_E_INVALID_GRANT, "the refresh token was already used; the grant is revoked");
    } else {
        out = idp_fail(e == IDP_E_NOT_FOUND ? IDP_E_INVALID_GRANT : e,
                       e == IDP_E_NOT_FOUND ? "the refresh token is invalid, expired or revoked" : NULL);
    }
    if (next)
        idp_issued_free(&t);
    idp_secret_free(next);
    return out;
}

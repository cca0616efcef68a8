/* RFC 6749 §4.1.3 (with PKCE, RFC 7636 §4.6): the authorization_code grant. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/str.h"
#include "jose/jwt.h"
#include "oauth/authorize.h"
#include "oauth/grants/grants.h"

/* Why a code was not redeemed (idp_store_code_redeem's outcome other than IDP_CODE_VALID). */
static idp_outcome_t code_refused(const idp_client_auth_t *cl, idp_store_code_outcome_t outcome, bool verifier)
{
    switch (outcome) {
    case IDP_CODE_REPLAYED:
        idp_log_msg(IDP_LOG_WARN, "code_replayed", "client %s; grant revoked", cl->client_id);
        return idp_fail(IDP_E_INVALID_GRANT, "the code has already been used; its tokens are revoked");
    case IDP_CODE_WRONG_CLIENT: /* §4.1.3: issued to this client */
        return idp_fail(IDP_E_INVALID_GRANT, "the code was issued to another client");
    case IDP_CODE_WRONG_REDIRECT: /* §4.1.3: the redirect_uri of the authorization request */
        return idp_fail(IDP_E_INVALID_GRANT, "redirect_uri does not match the authorization request");
    case IDP_CODE_WRONG_VERIFIER: /* RFC 7636 §4.6; RFC 9700 §4.8.2: a verifier for a code without a challenge too */
        return idp_fail(IDP_E_INVALID_GRANT,
                        verifier ? "code_verifier does not match the code_challenge (or the code has none)"
                                 : "code_verifier is required for this code");
    default: return idp_fail(IDP_E_INVALID_GRANT, "the code is invalid or expired");
    }
}

/*
 * The other way, for a code the exchange did not spend: a grant with claims
 * for the ID token (their names go to the release row, known only once the
 * resident's attributes are read), one stored without its subject, or a code
 * refused. The code is spent only by its own client, for its redirect URI,
 * with its verifier, all checked before anything changes: a stranger who
 * learns a code can neither burn it nor revoke its grant. Then the tokens are
 * signed, and one commit spends the code, if it still can be spent, with the
 * answer's rows.
 */
static idp_outcome_t redeem_checked(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, idp_client_auth_t *cl,
                                    const unsigned char h[32], const char *redirect_uri, const char *challenge,
                                    bool verifier, idp_store_grant_t *g, const char *refresh,
                                    const unsigned char rh[32], idp_issued_t *t)
{
    idp_store_code_outcome_t outcome;
    idp_err_t e = idp_store_code_redeem(o->store, h, cl->client_id, redirect_uri, challenge, g, &outcome);
    if (e != IDP_OK)
        return idp_fail_store(e);
    if (outcome != IDP_CODE_VALID)
        return code_refused(cl, outcome, verifier);
    /* RFC 9449 §10: a code the authorization request bound to a key (dpop_jkt) is redeemed with a proof of that
     * key, and nothing changes otherwise */
    if (g->dpop_jkt[0] && (req->dpop_jkt == NULL || strcmp(req->dpop_jkt, g->dpop_jkt) != 0))
        return idp_fail(IDP_E_INVALID_DPOP_PROOF, "the code is bound to another DPoP key (dpop_jkt)");
    e = idp_grant_sign_tokens(o, req, cl, g, g->scope, g->nonce, t);
    /* One commit after both signatures: the code spent, refresh token, jti, the resident's release row. */
    if (e == IDP_OK)
        e = idp_store_code_spend(o->store, h, g->id, refresh ? rh : NULL, t->jti, cl->client_id, t->sub, g->scope,
                                 t->exp, t->released, req->dpop_jkt);
    if (e == IDP_OK) {
        idp_grant_token_response(o, req, resp, t, g->scope, refresh);
        return idp_ok();
    }
    /* IDP_E_CONFLICT: spent (or ended) between the check and the commit, by another request presenting it
     * meanwhile. Asked again, a replay revokes the grant and all issued from it (RFC 6749 §4.1.2). */
    if (e == IDP_E_CONFLICT &&
        (e = idp_store_code_redeem(o->store, h, cl->client_id, redirect_uri, challenge, g, &outcome)) == IDP_OK)
        return code_refused(cl, outcome == IDP_CODE_VALID ? IDP_CODE_UNKNOWN : outcome, verifier);
    return idp_fail(e, NULL);
}

/*
 * RFC 6749 §4.1.3 and RFC 7636 §4.6. Usually one statement spends the code
 * and stores the answer's rows (idp_store_code_exchange: only by its own
 * client, redirect URI, verifier and DPoP key, while the code and its grant
 * live), and then the tokens are signed with the jti and subject stored: one
 * round trip to the database where the way above takes two. A signature that
 * fails after that commit leaves a spent code and the rows of tokens nobody
 * received; the client gets server_error and starts again (docs/flow.md).
 */
idp_outcome_t idp_grant_authorization_code(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                           idp_client_auth_t *cl)
{
    idp_outcome_t out = idp_ok();
    const char *code = idp_grant_need(req, "code", &out), *redirect_uri = NULL, *verifier = NULL;
    if (code == NULL || (redirect_uri = idp_grant_need(req, "redirect_uri", &out)) == NULL)
        return out;
    idp_err_t e = idp_params_get(req->form, "code_verifier", &verifier);
    if (e == IDP_E_INVALID_REQUEST)
        return idp_fail(e, "code_verifier is repeated");
    char challenge[64] = "";
    /* RFC 7636 §4.1: 43-128 unreserved characters; anything else matches no code and spends nothing. */
    if (verifier && !idp_pkce_s256(verifier, challenge))
        return idp_fail(IDP_E_INVALID_GRANT, "code_verifier is malformed");
    unsigned char h[32], rh[32];
    idp_sha256(code, strlen(code), h);
    idp_store_grant_t *g = idp_arena_alloc(req->arena, sizeof(*g));
    char *refresh = idp_grant_new_refresh(cl, rh);
    idp_issued_t t = {.jti = idp_random_token_new(16), .exp = req->now + o->cfg->access_token_ttl};
    if (g == NULL || t.jti == NULL)
        out = idp_fail(IDP_E_NOMEM, NULL);
    else if ((e = idp_store_code_exchange(o->store, h, cl->client_id, redirect_uri, challenge, req->dpop_jkt,
                                          refresh ? rh : NULL, t.jti, t.exp, g)) == IDP_E_NOT_FOUND)
        out = redeem_checked(o, req, resp, cl, h, redirect_uri, challenge, verifier != NULL, g, refresh, rh, &t);
    else if (e != IDP_OK)
        out = idp_fail_store(e);
    else {
        snprintf(t.sub, sizeof(t.sub), "%s", g->subject); /* as its row says */
        if ((e = idp_grant_sign_tokens(o, req, cl, g, g->scope, g->nonce, &t)) == IDP_OK)
            idp_grant_token_response(o, req, resp, &t, g->scope, refresh);
        else
            out = idp_fail(e, NULL);
    }
    idp_issued_free(&t);
    idp_secret_free(refresh);
    return out;
}

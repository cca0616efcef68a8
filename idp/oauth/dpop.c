/*
 * DPoP at our endpoints (RFC 9449; issue #21, docs/fapi.md): the state a
 * proof is checked against. jose/dpop.c checks the proof itself; here it
 * is checked against the server nonce (§8) and used once (§11.1), and a
 * verified proof's key thumbprint becomes req->dpop_jkt, which the token
 * endpoint binds tokens to (§5, §6) and a resource compares with the
 * token's cnf.jkt (§7).
 *
 * Nonces are stateless: the 120-second window they were made in and an HMAC
 * of it under a key every node derives from the KEK, so a nonce from one
 * node is good on all of them; this window's and the previous one's are
 * accepted (2 to 4 minutes).
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "core/b64.h"
#include "core/log.h"
#include "core/rand.h"
#include "oauth/internal.h"

#define NONCE_WINDOW 120
#define NONCE_MAC 16

static void nonce_make(const idp_oauth_t *o, long long window, char out[IDP_DPOP_NONCE_LEN])
{
    unsigned char buf[8 + NONCE_MAC], mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)((unsigned long long)window >> (56 - 8 * i));
    HMAC(EVP_sha256(), o->dpop_nonce_key, sizeof(o->dpop_nonce_key), buf, 8, mac, &len);
    memcpy(buf + 8, mac, NONCE_MAC);
    idp_b64url_encode(buf, sizeof(buf), out);
}

static bool nonce_good(const idp_oauth_t *o, const char *nonce, long long now)
{
    char want[IDP_DPOP_NONCE_LEN];
    long long w = now / NONCE_WINDOW;
    size_t n = strlen(nonce);
    for (long long k = w; k >= w - 1; k--) {
        nonce_make(o, k, want);
        if (n == strlen(want) && idp_ct_equal(nonce, want, n))
            return true;
    }
    return false;
}

void idp_dpop_offer_nonce(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    char *n = idp_arena_alloc(req->arena, IDP_DPOP_NONCE_LEN);
    if (n)
        nonce_make(o, req->now / NONCE_WINDOW, n);
    resp->dpop_nonce = n;
}

idp_outcome_t idp_dpop_check(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *access_token,
                             idp_dpop_proof_t *proof)
{
    memset(proof, 0, sizeof(*proof));
    if (req->dpop == NULL)
        return idp_ok();
    /* §8.2: each answer to a DPoP request carries the nonce to use next */
    if (o->cfg->dpop_require_nonce)
        idp_dpop_offer_nonce(o, req, resp);
    if (req->dpop_repeated) /* §4.3 item 1: "there is not more than one DPoP HTTP request header field" */
        return idp_fail(IDP_E_INVALID_DPOP_PROOF, "more than one DPoP header");
    /* §4.3 item 9: the URI of this request, as the issuer names our endpoints (discovery.c) */
    const char *path = req->path ? req->path : "/";
    char *htu = idp_arena_alloc(req->arena, strlen(o->cfg->issuer) + strlen(path) + 1);
    if (htu == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    snprintf(htu, strlen(o->cfg->issuer) + strlen(path) + 1, "%s%s", o->cfg->issuer, path);
    const char *why = NULL;
    const char *htm = req->method == NULL            ? (req->post ? "POST" : "GET")
                      : !strcmp(req->method, "HEAD") ? "GET"
                                                     : req->method;
    idp_err_t e = idp_dpop_verify(req->dpop, htm, htu, access_token, req->now, proof, &why);
    if (e != IDP_OK)
        return e == IDP_E_INVALID_DPOP_PROOF ? idp_fail(e, why) : idp_fail(e, NULL);
    /* §8: a proof without our nonce, or with a stale one, is answered with a fresh one to retry with (§8.1) */
    if (o->cfg->dpop_require_nonce && (!proof->nonce[0] || !nonce_good(o, proof->nonce, req->now)))
        return idp_fail(IDP_E_USE_DPOP_NONCE, "use the DPoP-Nonce this response carries in a new proof");
    /* §11.1: a proof is used once, across every node: its jti kept, per key, while its iat is acceptable */
    char key[8 + IDP_JKT_LEN];
    snprintf(key, sizeof(key), "dpop:%s", proof->jkt);
    e = idp_store_assertion_jti_use(o->store, key, proof->jti, proof->iat + IDP_DPOP_MAX_AGE + 1);
    if (e == IDP_E_CONFLICT) {
        idp_log_msg(IDP_LOG_WARN, "dpop_replayed", "key %s jti %s", proof->jkt, proof->jti);
        return idp_fail(IDP_E_INVALID_DPOP_PROOF, "the DPoP proof has been used before");
    }
    if (e != IDP_OK)
        return idp_fail_store(e);
    req->dpop_jkt = proof->jkt;
    return idp_ok();
}

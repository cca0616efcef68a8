/*
 * The authorization code flow, browser side (OpenID Connect Core §3.1.2):
 * the authorization endpoint, login transactions, the browser session
 * (single sign-on), step-up, consent, and the authorization response.
 *
 * One decision function, decide(), runs for a new authorization request
 * and again, from the stored request, when a login or a consent finishes:
 *   request valid? -> session good enough? -> consent given? -> code.
 * A missing step makes a login transaction (bound to this browser by a
 * cookie, its forms by a CSRF token) and shows the login or consent page.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/str.h"
#include "jose/key.h"
#include "jose/verify.h"
#include "jpki/testcard.h"
#include "oauth/authorize.h"
#include "core/url.h"
#include "oauth/internal.h"
#include "oauth/rar.h"
#include "ui/messages.h"
#include "oauth/clients.h"
#include "oauth/rules.h"

typedef struct {
    idp_oauth_t *o;
    idp_oauth_req_t *req;
    idp_oauth_resp_t *resp;
    const idp_client_t *client; /* the request's client (a reference: flow_done), or NULL */
    idp_authz_req_t ar;
    const idp_params_t *params;
    const char *lang;
    bool has_session;
    idp_store_session_t sess;
    /* Read with the session (idp_store_session_authz), for its resident and this request's client: whether
     * the resident has verified attributes, and the claims consented to (in the arena). */
    bool authz_read, authz_attrs;
    const char *authz_consent;
    idp_outcome_t out;        /* what the endpoint returns: the first error a step met (or success) */
    bool pushed;              /* the request came through /par (RFC 9126) */
    bool fresh;               /* a new request at /authorize (not a transaction continued): the PAR rule applies */
    const char *signed_in_tx; /* the transaction whose application signatures the code's grant takes, or NULL */
} flow_t;

/* What a new login transaction is for. */
typedef enum {
    TX_LOGIN,    /* a sign-in */
    TX_ADD_CARD, /* a card sign-in that adds the card to the resident signed in (step-up from social) */
    TX_REAUTH,   /* the resident signs in again first: adding a card needs a fresh sign-in (NIST SP 800-63B §6.1) */
    TX_SIGN,     /* a card session reads the signing certificate: the card's two keys sign one challenge (issue #15) */
} tx_mode_t;

/* ---- small helpers ------------------------------------------------------------- */

static void sha256_str(const char *s, unsigned char out[32])
{
    idp_sha256(s, strlen(s), out);
}

static char *random_id(idp_oauth_req_t *req)
{
    char *t = idp_random_token_new(32);
    char *r = t ? idp_arena_strdup(req->arena, t) : NULL;
    idp_secret_free(t);
    return r;
}

/*
 * Cookies: HttpOnly, SameSite=Lax (sent on the top-level navigation from
 * the relying party), Secure unless the issuer is plain http on loopback
 * (dev mode; config refuses http elsewhere).
 */
static const char *cookie(flow_t *f, const char *name, const char *value, int max_age)
{
    bool secure = strncmp(f->o->cfg->issuer, "https://", 8) == 0;
    size_t n = strlen(name) + (value ? strlen(value) : 0) + 128;
    char *c = idp_arena_alloc(f->req->arena, n);
    if (c)
        snprintf(c, n, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Lax%s", name, value ? value : "", max_age,
                 secure ? "; Secure" : "");
    return c;
}

static void add_cookie(idp_oauth_resp_t *resp, const char *c)
{
    for (int i = 0; i < 2; i++)
        if (resp->set_cookie[i] == NULL) {
            resp->set_cookie[i] = c;
            return;
        }
}

/* The client's authorization_signed_response_alg as jose's own (static) name: an outcome outlives the client. */
static const char *jarm_alg(const idp_client_t *client)
{
    return idp_alg_name(idp_alg_from_name(client ? client->authorization_alg : "RS256"));
}

/* The authorization response (RFC 6749 §4.1.2) to the validated redirect URI, with state and iss (JARM: signed). */
static void respond_to_client(flow_t *f, json_t *fields)
{
    const idp_authz_req_t *ar = &f->ar;
    idp_redirect_t to = {.redirect_uri = ar->redirect_uri,
                         .state = ar->state,
                         .response_mode = ar->response_mode,
                         .client_id = ar->client_id,
                         .alg = jarm_alg(f->client),
                         .lang = f->lang};
    idp_oauth_redirect(f->o, f->req, f->resp, &to, fields);
}

/* An error shown as a page in the flow's language (the redirect URI is not trusted, or not the business). */
static void fail(flow_t *f, idp_err_t e, const char *description)
{
    f->out = idp_fail(e, description);
    f->out.lang = f->lang;
}

/* RFC 6749 §4.1.2.1: an error for the client, to its redirect URI, validated (f->ar) before this is called. */
static void redirect_error(flow_t *f, idp_err_t e, const char *description)
{
    fail(f, e, description);
    f->out.redirect_uri = f->ar.redirect_uri;
    f->out.state = f->ar.state;
    f->out.response_mode = f->ar.response_mode;
    f->out.client_id = f->ar.client_id;
    f->out.response_alg = jarm_alg(f->client);
}

static void store_error(flow_t *f, idp_err_t e)
{
    f->out = idp_fail_store(e);
    f->out.lang = f->lang;
}

/* The name pages show: the client's, or ours for a sign-in that began at no client (the account pages). */
static const char *client_name(const idp_client_t *client)
{
    return client ? client->name : "SakaI-D";
}

/* The browser's session, and in the same read what the request needs of its resident (flow_t authz_*). */
static void load_session(flow_t *f)
{
    unsigned char h[32];
    char *consent = NULL;
    f->authz_read = false; /* nothing kept from an earlier read */
    f->has_session =
        idp_session_cookie_hash(f->req, h) &&
        idp_store_session_authz(f->o->store, h, f->ar.client_id, &f->sess, &f->authz_attrs, &consent) == IDP_OK;
    if (f->has_session)
        f->authz_read = (f->authz_consent = idp_arena_strdup(f->req->arena, consent)) != NULL;
    free(consent);
}

/*
 * Step-up for one transaction (issue #21, docs/flow.md "acr / step-up"): a
 * request that asks for a fresh sign-in (max_age=0 or prompt=login), signed
 * in with the card in its own login transaction @p tx by the resident whose
 * browser session is not a card session. That card sign-in counts for this
 * request only: its code carries acr card, amr sc pin and the card's
 * auth_time, and the session stays what it was for everything else.
 */
static bool transaction_only(const flow_t *f, const idp_store_login_tx_t *tx)
{
    const char *max_age = NULL, *prompt = NULL;
    if (tx == NULL || !f->has_session || strcmp(tx->acr, ACR_CARD) != 0 || !strcmp(f->sess.acr, ACR_CARD) ||
        !tx->resident_id[0] || strcmp(tx->resident_id, f->sess.resident_id) != 0)
        return false;
    if (idp_params_get(f->params, "max_age", &max_age) != IDP_OK)
        max_age = NULL;
    if (idp_params_get(f->params, "prompt", &prompt) != IDP_OK)
        prompt = NULL;
    return (max_age && !strcmp(max_age, "0")) || (prompt && idp_str_list_has(prompt, "login"));
}

/* The browser's session, and for a transaction-only step-up the card's sign-in in its place (above). */
static void load_session_for(flow_t *f, const idp_store_login_tx_t *tx)
{
    load_session(f);
    if (!transaction_only(f, tx))
        return;
    snprintf(f->sess.acr, sizeof(f->sess.acr), "%s", ACR_CARD);
    snprintf(f->sess.amr, sizeof(f->sess.amr), "%s", AMR_CARD);
    f->sess.auth_time = tx->authenticated_at;
}

/* ---- requirements: acr and the claims to consent to ------------------------------- */

/*
 * The claims to consent to (and the scope granted) of this request, in the
 * arena (idp_rules_claims): card-verified claims only for a card session
 * (@p card), and claims made of the signing certificate's attributes only
 * when the resident has them (@p attrs): nothing is promised that we cannot
 * give.
 */
static const char *requested_claims(flow_t *f, bool card, bool attrs, const char **granted_scope)
{
    idp_buf_t claims, scope;
    idp_buf_init(&claims, 4096);
    idp_buf_init(&scope, 4096);
    idp_rules_claims(f->client, f->ar.scope, f->ar.claims_json, card, attrs, &claims, &scope);
    const char *out = idp_arena_strdup(f->req->arena, claims.data ? idp_buf_cstr(&claims) : "");
    *granted_scope = idp_arena_strdup(f->req->arena, scope.data ? idp_buf_cstr(&scope) : "openid");
    idp_buf_free(&claims);
    idp_buf_free(&scope);
    return out ? out : "";
}

/* True (*attrs) if the session's resident has the attributes their signing certificate verified. */
static idp_err_t resident_attrs(flow_t *f, bool *attrs)
{
    if (f->authz_read) {
        *attrs = f->authz_attrs;
        return IDP_OK;
    }
    idp_store_resident_attrs_t a;
    idp_err_t e = idp_store_resident_attrs_get(f->o->store, f->sess.resident_id, &a);
    if (e == IDP_OK)
        idp_store_resident_attrs_clear(&a);
    *attrs = e == IDP_OK;
    return e == IDP_E_NOT_FOUND ? IDP_OK : e;
}

/* The claims the session's resident has consented to for this client (*have, malloc'ed). */
static idp_err_t consent_have(flow_t *f, char **have)
{
    if (!f->authz_read)
        return idp_store_consent_get(f->o->store, f->sess.resident_id, f->ar.client_id, have);
    return (*have = strdup(f->authz_consent)) ? IDP_OK : IDP_E_NOMEM;
}

/* True if @p claims names a claim made of the signing certificate's attributes (product.md §5). */
static bool has_card_claims(const char *claims)
{
    for (const idp_claim_def_t *d = idp_claim_defs; d->claim; d++)
        if (d->from_card && idp_str_list_has(claims, d->claim))
            return true;
    return false;
}

/* True if of @p claims only the sign-in itself (the pseudo-claim openid) is missing from @p have. */
static bool only_sign_in_missing(const char *claims, const char *have)
{
    const char *p = claims;
    size_t len;
    bool missing = false;
    for (const char *w = idp_str_next_word(&p, &len); len; w = idp_str_next_word(&p, &len)) {
        char word[64];
        snprintf(word, sizeof(word), "%.*s", (int)(len < 63 ? len : 63), w);
        if (idp_str_list_has(have, word))
            continue;
        if (strcmp(word, IDP_CLAIM_OPENID) != 0)
            return false;
        missing = true;
    }
    return missing;
}

/* ---- id_token_hint (§3.1.2.1) -------------------------------------------------- */

/*
 * An ID token we issued (signature checked with our keys, expiry ignored as
 * §3.1.2.1 allows), issued to this client. *sub receives its subject.
 */
static bool check_hint(flow_t *f, char sub[64])
{
    json_t *payload = NULL;
    idp_err_t e = idp_own_verify(f->o, f->ar.id_token_hint, NULL, &payload);
    bool ok = false;
    if (e == IDP_OK) {
        const char *iss = json_string_value(json_object_get(payload, "iss"));
        const char *s = json_string_value(json_object_get(payload, "sub"));
        json_t *aud = json_object_get(payload, "aud");
        bool aud_ok = json_is_string(aud) ? !strcmp(json_string_value(aud), f->ar.client_id)
                                          : idp_json_list_has(aud, f->ar.client_id);
        ok = iss && !strcmp(iss, f->o->cfg->issuer) && s && strlen(s) < 64 && aud_ok;
        if (ok)
            snprintf(sub, 64, "%s", s);
    }
    json_decref(payload);
    return ok;
}

/* ---- the steps ------------------------------------------------------------------ */

/* 303 to "/<page>?tx=<id>". */
static void to_tx_page(flow_t *f, const char *page, const char *tx_id)
{
    char *loc = idp_arena_alloc(f->req->arena, 128);
    if (loc == NULL) {
        store_error(f, IDP_E_NOMEM);
        return;
    }
    snprintf(loc, 128, "/%s?tx=%s", page, tx_id);
    idp_see_other(f->resp, loc);
}

/*
 * Creates a login transaction for this request and sends the browser to the
 * login page, or, with @p resident_id (a session that only needs to
 * consent), to the consent page. Login transactions are limited per client
 * address (session.login_rate_per_minute) and per browser
 * (session.max_pending_logins); an identical request from the same browser
 * and session continues the transaction it made before instead of making
 * another. A step with @p resident_id keeps @p signed_in_with, the credential
 * key of the sign-in in this authorization that led to it ("" when the
 * session's was reused): an application is signed through that channel
 * (app_sign.c). It is not the step's own credential, which stays "".
 */
static void begin_interaction(flow_t *f, const char *resident_id, tx_mode_t mode, const char *signed_in_with)
{
    idp_store_login_tx_t *tx = idp_arena_alloc(f->req->arena, sizeof(*tx));
    idp_buf_t q;
    idp_buf_init(&q, sizeof(tx->request) - 1);
    idp_err_t e = tx ? idp_params_encode(f->params, &q) : IDP_E_NOMEM;
    if (e != IDP_OK) {
        idp_buf_free(&q);
        redirect_error(f, IDP_E_INVALID_REQUEST, "the authorization request is too large");
        return;
    }
    memset(tx, 0, sizeof(*tx));
    snprintf(tx->request, sizeof(tx->request), "%s", idp_buf_cstr(&q));
    idp_buf_free(&q);
    snprintf(tx->session_sid, sizeof(tx->session_sid), "%s", f->has_session ? f->sess.sid : "");
    const char *browser = idp_cookie_get(f->req->arena, f->req->cookie, COOKIE_BROWSER);
    bool new_browser = browser == NULL || strlen(browser) != 43;
    if (!new_browser) {
        int pending = 0;
        char reuse[64] = "";
        sha256_str(browser, tx->browser_hash);
        if ((e = idp_store_login_tx_pending(f->o->store, tx->browser_hash, tx->request, tx->session_sid,
                                            f->o->cfg->login_ttl / 3, &pending, reuse)) != IDP_OK) {
            store_error(f, e);
            return;
        }
        /* The same request again (a reload, a double click): the same transaction. */
        if (reuse[0] && resident_id == NULL && mode == TX_LOGIN) {
            to_tx_page(f, "login", reuse);
            return;
        }
        if (pending >= f->o->cfg->login_max_pending) {
            fail(f, IDP_E_SLOW_DOWN, idp_msg_get(IDP_MSG_ERROR_TOO_MANY_OPEN, f->lang));
            return;
        }
    }
    /* Per client address (behind a trusted proxy: the resident's own address). */
    if (f->o->login_limit &&
        !idp_ratelimit_take(f->o->login_limit, f->req->remote_addr ? f->req->remote_addr : "", f->req->now_ms)) {
        fail(f, IDP_E_SLOW_DOWN, idp_msg_get(IDP_MSG_ERROR_TOO_MANY_NETWORK, f->lang));
        return;
    }
    char *id = random_id(f->req), *csrf = random_id(f->req);
    if (new_browser)
        browser = random_id(f->req);
    if (id == NULL || csrf == NULL || browser == NULL) {
        store_error(f, IDP_E_NOMEM);
        return;
    }
    snprintf(tx->id, sizeof(tx->id), "%s", id);
    snprintf(tx->client_id, sizeof(tx->client_id), "%s", f->ar.client_id ? f->ar.client_id : "");
    snprintf(tx->redirect_uri, sizeof(tx->redirect_uri), "%s", f->ar.redirect_uri ? f->ar.redirect_uri : "");
    snprintf(tx->oidc_nonce, sizeof(tx->oidc_nonce), "%s", f->ar.nonce ? f->ar.nonce : "");
    sha256_str(browser, tx->browser_hash);
    snprintf(tx->csrf, sizeof(tx->csrf), "%s", csrf);
    tx->reauth = mode == TX_REAUTH;
    tx->sign_step = mode == TX_SIGN;
    snprintf(tx->signed_in_with, sizeof(tx->signed_in_with), "%s", resident_id ? signed_in_with : "");
    if ((e = idp_store_login_tx_create(f->o->store, tx, f->o->cfg->login_ttl)) != IDP_OK) {
        store_error(f, e);
        return;
    }
    /* The consent step: the session's resident, and no authentication (it can never be continued). */
    if (resident_id &&
        (e = idp_store_login_tx_authenticate(f->o->store, tx->id, resident_id, f->sess.acr, "")) != IDP_OK) {
        store_error(f, e);
        return;
    }
    /* Step-up from a fresh social sign-in (product.md §7): the card is added to the resident signed in. */
    if (mode == TX_ADD_CARD && (e = idp_store_login_tx_link(f->o->store, tx->id, f->sess.resident_id)) != IDP_OK) {
        store_error(f, e);
        return;
    }
    to_tx_page(f, resident_id && mode != TX_SIGN ? "consent" : "login", tx->id);
    if (new_browser)
        add_cookie(f->resp, cookie(f, COOKIE_BROWSER, browser, f->o->cfg->session_ttl));
}

/* Issues the code (a grant) and answers the client. */
static void issue_code(flow_t *f, const char *scope, const char *claims)
{
    idp_store_grant_t *g = idp_arena_alloc(f->req->arena, sizeof(*g));
    char *code = random_id(f->req), *gid = random_id(f->req);
    if (g == NULL || code == NULL || gid == NULL) {
        store_error(f, IDP_E_NOMEM);
        return;
    }
    memset(g, 0, sizeof(*g));
    snprintf(g->id, sizeof(g->id), "%s", gid);
    snprintf(g->client_id, sizeof(g->client_id), "%s", f->ar.client_id);
    snprintf(g->resident_id, sizeof(g->resident_id), "%s", f->sess.resident_id);
    idp_subject(f->o, f->client, g->resident_id, g->subject); /* the code's usual redemption stores it (flow.md) */
    snprintf(g->sid, sizeof(g->sid), "%s", f->sess.sid);
    snprintf(g->scope, sizeof(g->scope), "%s", scope);
    snprintf(g->claims, sizeof(g->claims), "%s", claims);
    idp_buf_t idt;
    idp_buf_init(&idt, sizeof(g->id_token_claims) - 1);
    idp_rules_id_token_claims(f->client, f->ar.claims_json, &idt);
    const char *idt_claims = idp_buf_cstr(&idt);
    if (idt_claims == NULL) { /* more claim names than a grant holds: no code with some of them dropped */
        idp_buf_free(&idt);
        redirect_error(f, IDP_E_INVALID_REQUEST, "the claims request is too large");
        return;
    }
    snprintf(g->id_token_claims, sizeof(g->id_token_claims), "%s", idt_claims);
    idp_buf_free(&idt);
    snprintf(g->acr, sizeof(g->acr), "%s", f->sess.acr);
    snprintf(g->amr, sizeof(g->amr), "%s", f->sess.amr);
    g->auth_time = f->sess.auth_time;
    snprintf(g->redirect_uri, sizeof(g->redirect_uri), "%s", f->ar.redirect_uri);
    snprintf(g->nonce, sizeof(g->nonce), "%s", f->ar.nonce ? f->ar.nonce : "");
    snprintf(g->code_challenge, sizeof(g->code_challenge), "%s", f->ar.code_challenge ? f->ar.code_challenge : "");
    snprintf(g->dpop_jkt, sizeof(g->dpop_jkt), "%s", f->ar.dpop_jkt ? f->ar.dpop_jkt : "");
    snprintf(g->authorization_details, sizeof(g->authorization_details), "%s",
             f->ar.details_text ? f->ar.details_text : ""); /* at most IDP_RAR_MAX_BYTES (rar.c) */
    /* OpenID Connect Core §11: the resident consented to offline access (it is among the claims). */
    g->offline = idp_str_list_has(claims, IDP_CLAIM_OFFLINE);
    unsigned char h[32];
    sha256_str(code, h);
    /* FAPI 2.0 Security Profile §5.3.2.2: a fapi2 client's codes live at most 60 s */
    int code_ttl = f->client->fapi2 && f->o->cfg->code_ttl > 60 ? 60 : f->o->cfg->code_ttl;
    /* The application signatures of this sign-in go with its grant, for GET /application-signatures */
    idp_err_t e = f->signed_in_tx ? idp_store_app_signatures_bind(f->o->store, f->signed_in_tx, g->id) : IDP_OK;
    if (e == IDP_OK)
        e = idp_store_code_create(f->o->store, g, h, code_ttl, f->o->cfg->refresh_token_ttl);
    if (e != IDP_OK) {
        store_error(f, e);
        return;
    }
    idp_log_t l;
    idp_log_begin(&l, IDP_LOG_INFO, "authorization_code_issued");
    idp_log_str(&l, "client_id", g->client_id);
    idp_log_str(&l, "sid", g->sid);
    idp_log_str(&l, "acr", g->acr);
    idp_log_end(&l);
    respond_to_client(f, json_pack("{s:s}", "code", code));
}

/*
 * The decision. @p tx is the login transaction this continues (NULL for a
 * new request); @p consented says the resident has just allowed.
 */
/* Ends the transaction this request continues (a transaction ends once); false after answering. */
static bool end_tx(flow_t *f, const idp_store_login_tx_t *tx)
{
    idp_err_t e = tx ? idp_store_login_tx_delete(f->o->store, tx->id) : IDP_OK;
    if (e == IDP_E_NOT_FOUND)
        fail(f, IDP_E_INVALID_REQUEST, "already finished");
    else if (e != IDP_OK)
        store_error(f, e);
    return e == IDP_OK;
}

/*
 * The next page of the interaction; the transaction that led here ends. The way its resident signed in goes
 * on with the next step (a sign-in's credential, or what the step before it kept).
 */
static void hand_over(flow_t *f, const idp_store_login_tx_t *tx, const char *resident_id, tx_mode_t mode)
{
    const char *with = tx == NULL ? "" : tx->credential[0] ? tx->credential : tx->signed_in_with;
    if (end_tx(f, tx))
        begin_interaction(f, resident_id, mode, with);
}

static void decide(flow_t *f, const idp_store_login_tx_t *tx, bool consented)
{
    idp_authz_error_t err;
    const char *client_id;
    idp_err_t e;
    if (!idp_authz_client_id(f->params, &client_id, &err)) {
        fail(f, err.error, err.description);
        return;
    }
    if ((e = idp_clients_get(f->o, client_id, &f->client)) != IDP_OK && e != IDP_E_NOT_FOUND) {
        store_error(f, e);
        return;
    }
    /* RFC 9126 §6: a client registered with require_pushed_authorization_requests pushes every request; one
     * that did not is refused before anything of it is trusted (a page: its redirect URI came unchecked). So is one
     * registered with require_signed_request_object (RFC 9101 §10.5): its signed requests come only through /par,
     * which refuses an unsigned one (par.c). */
    if (f->fresh && f->client && (f->client->require_par || f->client->require_signed_request) && !f->pushed) {
        fail(f, IDP_E_INVALID_REQUEST,
             "this client must push its authorization requests (pushed_authorization_request_endpoint)");
        return;
    }
    /* §3.1.2.6 / RFC 6749 §4.1.2.1: client and redirect URI errors are shown, never redirected. */
    if (!idp_authz_validate(f->params, f->client, &f->ar, &err)) {
        f->lang = idp_page_lang(f->req, NULL);
        if (!err.redirect) {
            fail(f, err.error, err.description);
            return;
        }
        /* a redirectable error: the redirect URI and state are known */
        const char *state = NULL;
        idp_params_get(f->params, "state", &state);
        f->ar.state = state;
        redirect_error(f, err.error, err.description);
        return;
    }
    f->lang = idp_page_lang(f->req, f->ar.ui_locales);
    /* A continued login must belong to the same request it was made for. */
    if (tx && (strcmp(tx->client_id, f->ar.client_id) || strcmp(tx->redirect_uri, f->ar.redirect_uri))) {
        fail(f, IDP_E_INVALID_REQUEST, "login transaction mismatch");
        return;
    }

    bool unmet = false, card = idp_rules_card_needed(f->client, f->ar.claims_json, f->ar.acr_values, &unmet);
    /* An application to sign (issue #21) needs the card: its signing key signs, in a card session */
    const json_t *to_sign = idp_rar_to_sign(f->ar.details);
    if (to_sign && f->o->jpki == NULL) {
        redirect_error(f, IDP_E_INVALID_AUTHORIZATION_DETAILS, "signing with the card is not configured here");
        return;
    }
    card = card || to_sign;
    if (unmet) {
        redirect_error(f, IDP_E_UNMET_AUTHENTICATION, "the essential acr cannot be satisfied");
        return;
    }
    char hint_sub[64] = "";
    if (f->ar.id_token_hint && !check_hint(f, hint_sub)) {
        redirect_error(f, IDP_E_INVALID_REQUEST, "id_token_hint is not an ID token we issued to this client");
        return;
    }

    load_session_for(f, tx);
    /* Signed in during this transaction: that sign-in is fresh whatever prompt and max_age say. */
    bool fresh = tx && tx->resident_id[0] && f->has_session && !strcmp(tx->resident_id, f->sess.resident_id) &&
                 tx->authenticated_at >= f->sess.auth_time - 5;
    bool login = !f->has_session;
    const char *why = "no session";
    if (f->has_session && !fresh) {
        long max_age = f->ar.max_age >= 0 ? f->ar.max_age : f->client->default_max_age;
        bool has_max_age = max_age >= 0;
        if (f->ar.prompt_login)
            login = true, why = "prompt=login";
        else if (has_max_age && (max_age == 0 || f->req->now - f->sess.auth_time > max_age))
            login = true, why = "max_age";
    }
    if (f->has_session && hint_sub[0]) {
        char sub[64];
        idp_subject(f->o, f->client, f->sess.resident_id, sub);
        if (strcmp(sub, hint_sub) != 0)
            login = true, why = "id_token_hint names another resident";
    }
    /* Step-up (product.md §5): a card is needed and the session is not a card session; also when max_age or
     * prompt=login ask for a fresh sign-in, which the card's gives, for that request only (transaction_only). */
    bool renew = login && f->has_session && (!strcmp(why, "max_age") || !strcmp(why, "prompt=login"));
    bool step_up = (!login || renew) && card && f->has_session && strcmp(f->sess.acr, ACR_CARD) != 0;
    tx_mode_t mode = TX_LOGIN;
    if (step_up) {
        login = true, why = "step-up";
        /* The card joins the resident signed in (product.md §7) only after a fresh sign-in with the strongest
         * way they have (NIST SP 800-63B §6.1): one who holds a card signs in with a card; one who holds none
         * signs in again first when the social sign-in is older than IDP_FRESH_SECONDS. */
        bool ok = false, card_needed = false;
        if ((e = idp_binding_allowed(f->o, &f->sess, f->req->now, &ok, &card_needed)) != IDP_OK) {
            store_error(f, e);
            return;
        }
        mode = card_needed ? TX_LOGIN : ok ? TX_ADD_CARD : TX_REAUTH;
    }
    if (login) {
        /* §3.1.2.6: prompt=none never shows a page. */
        if (f->ar.prompt_none) {
            redirect_error(
                f, f->has_session && strcmp(why, "no session") ? IDP_E_INTERACTION_REQUIRED : IDP_E_LOGIN_REQUIRED,
                why);
            return;
        }
        /* After a sign-in in this transaction only the step to the card may follow, and only once fresh. */
        if (tx && (!step_up || mode == TX_REAUTH)) {
            fail(f, IDP_E_LOGIN_REQUIRED, "sign in again");
            return;
        }
        if (step_up) {
            json_t *d = json_pack("{s:s, s:s, s:s}", "client_id", f->ar.client_id, "from_acr", f->sess.acr, "mode",
                                  mode == TX_ADD_CARD ? "add_card"
                                  : mode == TX_REAUTH ? "reauth"
                                                      : "card");
            char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
            idp_oauth_logged(idp_store_audit(f->o->store, "step_up", f->sess.resident_id, text ? text : "{}"), "audit");
            free(text);
            json_decref(d);
        }
        hand_over(f, tx, NULL, mode);
        return;
    }
    if (card && strcmp(f->sess.acr, ACR_CARD) != 0) { /* never a token with a lower acr */
        redirect_error(f, IDP_E_UNMET_AUTHENTICATION, "the card is required");
        return;
    }
    /* A registered client in its organisation's sandbox signs in only that organisation's test residents, until
     * an administrator approves it (docs/admin.md "Onboarding a partner"): no real resident's data reaches it. */
    if (f->client->sandbox) {
        bool test = false;
        if ((e = idp_store_org_resident_is(f->o->store, IDP_ORG_TEST_RESIDENTS, f->client->organisation,
                                           f->sess.resident_id, &test)) != IDP_OK) {
            store_error(f, e);
            return;
        }
        if (!test) {
            redirect_error(f, IDP_E_ACCESS_DENIED,
                           "this client is in its sandbox: it signs in only its organisation's test residents");
            return;
        }
    }

    /* Verified claims asked for, a card session, nothing verified yet: the signing step, through the same QR and
     * app exchange, the card's two keys signing one challenge (issue #15 item 9). The resident may decline it;
     * then those claims are not provided, and the consent page says so. */
    bool attrs = false, card_session = !strcmp(f->sess.acr, ACR_CARD);
    const char *scope = NULL;
    if ((e = resident_attrs(f, &attrs)) != IDP_OK) {
        store_error(f, e);
        return;
    }
    if (!consented && !attrs && card_session && !f->ar.prompt_none && !(tx && tx->sign_declined) && f->o->jpki &&
        (to_sign || has_card_claims(requested_claims(f, true, true, &scope)))) {
        hand_over(f, tx, f->sess.resident_id, TX_SIGN);
        return;
    }
    const char *claims = requested_claims(f, card_session, attrs, &scope);
    if (!consented) {
        char *have = NULL;
        if ((e = consent_have(f, &have)) != IDP_OK) {
            store_error(f, e);
            return;
        }
        /* prompt=consent asks again; so does every request for one application (RFC 9396): it is never remembered */
        bool ok = idp_str_list_subset(claims, have) && !f->ar.prompt_consent && !f->ar.details;
        /* A first-party client (an administrator's mark) needs no consent page for the sign-in itself; the
         * ledger records the administrator's decision. Everything else is asked. */
        bool first_party = !ok && !f->ar.prompt_consent && !f->ar.details && f->client->first_party &&
                           only_sign_in_missing(claims, have);
        free(have);
        if (first_party) {
            e = idp_store_consent_record(f->o->store, f->sess.resident_id, f->ar.client_id, "grant", IDP_CLAIM_OPENID,
                                         f->o->cfg->consent_ttl, "admin", "first-party client", NULL);
            if (e != IDP_OK) {
                store_error(f, e);
                return;
            }
            ok = true;
        }
        if (!ok) {
            if (f->ar.prompt_none) {
                redirect_error(f, IDP_E_CONSENT_REQUIRED, "the resident has not consented to this request");
                return;
            }
            hand_over(f, tx, f->sess.resident_id, TX_LOGIN);
            return;
        }
    }
    f->signed_in_tx = tx ? tx->id : NULL; /* its application signatures go with the grant (issue_code) */
    if (end_tx(f, tx))
        issue_code(f, scope, claims);
}

static void flow_done(flow_t *f)
{
    idp_authz_clear(&f->ar);
    idp_client_unref(f->client);
    f->client = NULL;
}

/*
 * RFC 9126 §4: an authorization request that names a request_uri of ours takes its parameters from the
 * request the client pushed: once, by that client (client_id), while it lives; the query's other
 * parameters are ignored. Any other request_uri is Core §6.2's, which we do not support (authorize.c).
 */
static bool pushed_params(flow_t *f, const char *request_uri)
{
    const char *client_id = NULL;
    if (strncmp(request_uri, IDP_PAR_URN, sizeof(IDP_PAR_URN) - 1) != 0)
        return true; /* not ours: authorize.c answers request_uri_not_supported */
    if (idp_params_get(f->req->form, "client_id", &client_id) != IDP_OK) {
        fail(f, IDP_E_INVALID_REQUEST, "client_id is required with request_uri (RFC 9126 §4)");
        return false;
    }
    unsigned char h[32];
    sha256_str(request_uri, h);
    char *text = NULL;
    idp_err_t e = idp_store_par_take(f->o->store, h, client_id, &text);
    if (e == IDP_E_NOT_FOUND) {
        fail(f, IDP_E_INVALID_REQUEST_URI,
             "the request_uri is unknown, another client's, used or expired: the "
             "service pushes its request again");
        return false;
    }
    if (e != IDP_OK) {
        store_error(f, e);
        return false;
    }
    idp_params_t *p = idp_arena_alloc(f->req->arena, sizeof(*p));
    e = p ? idp_params_parse(f->req->arena, text, strlen(text), p) : IDP_E_NOMEM;
    free(text);
    if (e != IDP_OK) {
        fail(f, e == IDP_E_NOMEM ? IDP_E_NOMEM : IDP_E_INVALID_REQUEST_URI, "the pushed request cannot be read");
        return false;
    }
    f->params = p;
    f->pushed = true;
    return true;
}

idp_outcome_t idp_oauth_authorize(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    flow_t f = {.o = o, .req = req, .resp = resp, .params = req->form, .lang = idp_page_lang(req, NULL), .fresh = true};
    const char *request_uri = NULL;
    if (idp_params_get(req->form, "request_uri", &request_uri) != IDP_OK || pushed_params(&f, request_uri))
        decide(&f, NULL, false);
    flow_done(&f);
    return f.out;
}

/* ---- the login transaction's own endpoints ----------------------------------------- */

/*
 * Loads the transaction named by "tx" and checks that this browser began it
 * (the binding cookie) and, for forms, the CSRF token. Renders the error
 * page and returns false otherwise.
 */
static bool load_tx(flow_t *f, idp_store_login_tx_t *tx, bool form)
{
    const char *id = NULL, *csrf = NULL;
    if (idp_params_get(f->req->form, "tx", &id) != IDP_OK || strlen(id) > 63) {
        fail(f, IDP_E_INVALID_REQUEST, "tx is required");
        return false;
    }
    idp_err_t e = idp_store_login_tx_get(f->o->store, id, tx);
    if (e != IDP_OK) {
        if (e == IDP_E_NOT_FOUND)
            fail(f, IDP_E_INVALID_REQUEST, "this sign-in has expired or is finished: start again from the service");
        else
            store_error(f, e);
        return false;
    }
    if (!idp_flow_bound(f->req, tx)) {
        fail(f, IDP_E_FORBIDDEN, "this sign-in was started in another browser");
        return false;
    }
    if (form && (idp_params_get(f->req->form, "csrf", &csrf) != IDP_OK || strlen(csrf) != strlen(tx->csrf) ||
                 !idp_ct_equal(csrf, tx->csrf, strlen(csrf)))) {
        fail(f, IDP_E_FORBIDDEN, "the form is stale: reload the page");
        return false;
    }
    if (tx->continued) { /* its sign-in began a session already: it is finished */
        fail(f, IDP_E_INVALID_REQUEST, "this sign-in has expired or is finished: start again from the service");
        return false;
    }
    return true;
}

/* The stored authorization request of a transaction, parsed again. */
static bool tx_params(flow_t *f, const idp_store_login_tx_t *tx)
{
    idp_params_t *p = idp_arena_alloc(f->req->arena, sizeof(*p));
    if (p == NULL || idp_params_parse(f->req->arena, tx->request, strlen(tx->request), p) != IDP_OK) {
        fail(f, IDP_E_SERVER_ERROR, "internal error");
        return false;
    }
    f->params = p;
    const char *ui = NULL;
    idp_params_get(p, "ui_locales", &ui);
    f->lang = idp_page_lang(f->req, ui);
    return true;
}

/* The page context of a transaction's client. */
static bool page_ctx(flow_t *f, const idp_store_login_tx_t *tx, idp_page_ctx_t *ctx)
{
    idp_err_t e;
    if (f->client == NULL && tx->client_id[0] && (e = idp_clients_get(f->o, tx->client_id, &f->client)) != IDP_OK) {
        store_error(f, e);
        return false;
    }
    char *origin = idp_arena_alloc(f->req->arena, strlen(tx->redirect_uri) + 1);
    if (origin == NULL) {
        store_error(f, IDP_E_NOMEM);
        return false;
    }
    size_t n = idp_url_origin_len(tx->redirect_uri);
    memcpy(origin, tx->redirect_uri, n);
    origin[n] = '\0';
    ctx->lang = f->lang;
    ctx->client_name = client_name(f->client);
    ctx->form_origin = n ? origin : NULL;
    ctx->links = idp_page_links(f->o);
    return true;
}

/* Test cards offered in dev mode on loopback (config refuses dev.test_cards_dir outside dev mode). */
static const char *const *test_cards(idp_oauth_t *o, idp_oauth_req_t *req)
{
    static const char *const cards[] = {"sakai-taro", "kita-hanako", "osaka-jiro", "revoked", "expired", NULL};
    return o->cfg->dev_mode && o->cfg->dev_test_cards_dir && req->loopback ? cards : NULL;
}

bool idp_flow_card_only(idp_oauth_t *o, const idp_store_login_tx_t *tx)
{
    /* Adding the card to a resident: only the card will do. Signing in again first: the way the resident
     * signed in before (or the card). Otherwise the card only when the request needs it. */
    if (tx->link_resident[0])
        return true;
    if (tx->reauth || !tx->client_id[0])
        return false;
    idp_params_t p;
    idp_authz_req_t ar;
    idp_authz_error_t err;
    idp_err_t e;
    bool unmet, card = false;
    const idp_client_t *cl = NULL;
    idp_arena_t arena;
    idp_arena_init(&arena, sizeof(tx->request) * 4 + 4096);
    if ((e = idp_clients_get(o, tx->client_id, &cl)) == IDP_OK &&
        idp_params_parse(&arena, tx->request, strlen(tx->request), &p) == IDP_OK &&
        idp_authz_validate(&p, cl, &ar, &err)) {
        card = idp_rules_card_needed(cl, ar.claims_json, ar.acr_values, &unmet);
        idp_authz_clear(&ar);
    }
    idp_arena_free(&arena);
    idp_client_unref(cl);
    return card;
}

idp_outcome_t idp_oauth_login_page(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    flow_t f = {.o = o, .req = req, .resp = resp, .lang = idp_page_lang(req, NULL)};
    idp_store_login_tx_t *tx = idp_arena_alloc(req->arena, sizeof(*tx));
    idp_page_ctx_t ctx;
    if (tx == NULL) {
        store_error(&f, IDP_E_NOMEM);
        return f.out;
    }
    if (!load_tx(&f, tx, false) || !tx_params(&f, tx) || !page_ctx(&f, tx, &ctx)) {
        flow_done(&f);
        return f.out;
    }
    /* Social sign-in is offered unless this login must end with the card (step-up, or adding the card); the
     * card channels (the Digital Agency's app) always are. */
    bool card_only = idp_flow_card_only(o, tx);
    idp_store_upstream_t *ups = NULL;
    size_t nups = 0;
    if (o->fed && idp_store_upstream_list(o->store, true, &ups, &nups) != IDP_OK)
        nups = 0;
    if (card_only)
        nups = idp_upstreams_card_channels(ups, nups);
    char challenge_id[64] = "", nonce[64], *link = NULL;
    /* The signing step: the card's two keys sign one challenge. */
    idp_err_t e =
        o->jpki ? idp_card_challenge_new(o, tx, tx->sign_step ? "both" : "auth", challenge_id, nonce, &link) : IDP_OK;
    idp_login_note_t note = tx->link_resident[0] ? IDP_LOGIN_ADDING_CARD
                            : tx->reauth         ? IDP_LOGIN_REAUTH
                            : tx->sign_step      ? (tx->has_new_card ? IDP_LOGIN_RENEWAL : IDP_LOGIN_SIGN_STEP)
                                                 : IDP_LOGIN_PLAIN;
    if (e == IDP_E_CONFLICT)
        fail(&f, IDP_E_SLOW_DOWN, "too many attempts for this sign-in: start again");
    else if (e != IDP_OK)
        store_error(&f, e);
    else
        idp_page_login(req, resp, &ctx, tx->id, tx->csrf, challenge_id, link, test_cards(o, req), ups, nups, note);
    idp_store_upstreams_free(ups, nups);
    free(link);
    flow_done(&f);
    return f.out;
}

/* Begins (or renews) the browser session for the transaction's resident. */
static bool start_session(flow_t *f, const idp_store_login_tx_t *tx)
{
    const char *old = idp_cookie_get(f->req->arena, f->req->cookie, COOKIE_SESSION);
    unsigned char old_hash[32], new_hash[32];
    char *value = random_id(f->req), *sid = random_id(f->req);
    if (value == NULL || sid == NULL) {
        store_error(f, IDP_E_NOMEM);
        return false;
    }
    if (old)
        sha256_str(old, old_hash);
    sha256_str(value, new_hash);
    /* A resident the help desk locked signs in nowhere until unlocked (docs/admin.md): no session begins. */
    bool exists = false, locked = false;
    long long locked_at = 0;
    char reason[512];
    idp_err_t le = idp_store_resident_state(f->o->store, tx->resident_id, &exists, &locked, &locked_at, reason);
    if (le != IDP_OK) {
        store_error(f, le);
        return false;
    }
    if (locked) {
        fail(f, IDP_E_ACCESS_DENIED, idp_msg_get(IDP_MSG_ERROR_LOCKED, f->lang));
        return false;
    }
    /* auth_time is when the card signed or the upstream answered: the sign-in, not this request. */
    idp_err_t e = idp_store_session_login(f->o->store, old ? old_hash : NULL, new_hash, sid, tx->resident_id, tx->acr,
                                          !strcmp(tx->acr, ACR_CARD) ? AMR_CARD : "fed", tx->credential,
                                          tx->authenticated_at, f->o->cfg->session_ttl, &f->sess);
    if (e != IDP_OK) {
        store_error(f, e);
        return false;
    }
    /* The request's Cookie header still has the old value: make decide() see the new session. */
    size_t n = strlen(COOKIE_SESSION) + strlen(value) + 2 + (f->req->cookie ? strlen(f->req->cookie) + 2 : 0);
    char *c = idp_arena_alloc(f->req->arena, n);
    if (c == NULL) {
        store_error(f, IDP_E_NOMEM);
        return false;
    }
    /* The new session first (the first match wins), and the browser's other cookies kept: its login binding
     * must not look new, or the next transaction would bind to a fresh cookie and orphan this browser's. */
    snprintf(c, n, "%s=%s%s%s", COOKIE_SESSION, value, f->req->cookie ? "; " : "",
             f->req->cookie ? f->req->cookie : "");
    f->req->cookie = c;
    add_cookie(f->resp, cookie(f, COOKIE_SESSION, value, f->o->cfg->session_ttl));
    idp_log_t l;
    idp_log_begin(&l, IDP_LOG_INFO, "session_started");
    idp_log_str(&l, "sid", f->sess.sid);
    idp_log_str(&l, "acr", f->sess.acr);
    idp_log_end(&l);
    return true;
}

idp_outcome_t idp_oauth_login_continue(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    flow_t f = {.o = o, .req = req, .resp = resp, .lang = idp_page_lang(req, NULL)};
    idp_store_login_tx_t *tx = idp_arena_alloc(req->arena, sizeof(*tx));
    if (tx == NULL) {
        store_error(&f, IDP_E_NOMEM);
        return f.out;
    }
    if (!load_tx(&f, tx, true) || !tx_params(&f, tx))
        return f.out;
    /* Only a transaction in which a card signed (or an upstream answered) continues: not yet signed, or a
     * consent step that carries the session's resident without any authentication, goes back to the
     * login page for a fresh challenge. */
    if (tx->has_new_card && !tx->resident_id[0]) { /* a card nobody holds: ask before making a SakaI-D for it */
        idp_page_ctx_t ctx;
        if (page_ctx(&f, tx, &ctx))
            idp_page_new_card(req, resp, &ctx, tx->id, tx->csrf,
                              !tx->renew_checked      ? IDP_NEW_CARD_ASK
                              : tx->renew_resident[0] ? IDP_NEW_CARD_CONFIRM
                                                      : IDP_NEW_CARD_NO_MATCH);
        flow_done(&f);
        return f.out;
    }
    if (!tx->resident_id[0] || !tx->credential[0]) {
        to_tx_page(&f, "login", tx->id);
        return f.out;
    }
    return idp_flow_finish_login(o, req, resp, tx);
}

/*
 * POST /login/card/new (tx, csrf, answer): a card nobody holds signed in
 * (card.c keeps it in the transaction). "first": a new SakaI-D for it.
 * "renewal": read its signing certificate (the signing step) to find the
 * SakaI-D of an earlier card by its four verified attributes (product.md
 * §6, renewal by re-verification). Then "confirm" links the card to that
 * SakaI-D, "refuse" makes a new one. Audited either way.
 */
idp_outcome_t idp_oauth_new_card(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    flow_t f = {.o = o, .req = req, .resp = resp, .lang = idp_page_lang(req, NULL)};
    idp_store_login_tx_t *tx = idp_arena_alloc(req->arena, sizeof(*tx));
    const char *answer = NULL;
    if (tx == NULL) {
        store_error(&f, IDP_E_NOMEM);
        return f.out;
    }
    if (!req->post || !load_tx(&f, tx, true) || !tx_params(&f, tx))
        return f.out;
    if (!tx->has_new_card || tx->resident_id[0] || idp_params_get(req->form, "answer", &answer) != IDP_OK) {
        fail(&f, IDP_E_INVALID_REQUEST, "no new card to decide about");
        return f.out;
    }
    idp_store_card_cert_t cert = {.purpose = "auth",
                                  .issuer_key_id = tx->new_card_issuer,
                                  .serial = tx->new_card_serial,
                                  .not_after = tx->new_card_not_after};
    memcpy(cert.sha256, tx->new_card_sha256, 32);
    char resident[64] = "", detail[256];
    bool created = false;
    idp_err_t e;
    snprintf(detail, sizeof(detail), "{\"issuer_key_id\":\"%s\",\"serial\":\"%s\"}", tx->new_card_issuer,
             tx->new_card_serial); /* hex */
    if (!strcmp(answer, "renewal") && !tx->renew_checked) {
        if ((e = idp_store_login_tx_sign_step(o->store, tx->id)) != IDP_OK) {
            store_error(&f, e);
            return f.out;
        }
        to_tx_page(&f, "login", tx->id);
        return f.out;
    } else if (!strcmp(answer, "confirm") && tx->renew_resident[0]) {
        /* The resident confirms: the new card joins the SakaI-D whose verified attributes it carries. */
        e = idp_store_card_link(o->store, &cert, tx->renew_resident);
        snprintf(resident, sizeof(resident), "%s", tx->renew_resident);
        if (e == IDP_OK)
            idp_oauth_logged(idp_store_audit(o->store, "card_renewed", resident, detail), "audit");
    } else if (!strcmp(answer, "first") || !strcmp(answer, "refuse")) {
        char *fresh = idp_random_token_new(16);
        e = fresh ? idp_store_card_resident(o->store, &cert, fresh, resident, &created) : IDP_E_NOMEM;
        free(fresh);
        if (e == IDP_OK && !strcmp(answer, "refuse") && tx->renew_resident[0])
            idp_oauth_logged(idp_store_audit(o->store, "card_renewal_refused", resident, detail), "audit");
    } else {
        fail(&f, IDP_E_INVALID_REQUEST, "answer is first, renewal, confirm or refuse");
        return f.out;
    }
    char credential[48];
    if (e == IDP_OK && !idp_credential_key("card", tx->new_card_issuer, tx->new_card_serial, credential))
        e = IDP_E_NOMEM;
    if (e == IDP_OK)
        e = idp_store_login_tx_authenticate(o->store, tx->id, resident, ACR_CARD, credential);
    if (e == IDP_OK)
        idp_oauth_logged(idp_store_audit(o->store, "card_login", resident, detail), "audit");
    if (e == IDP_E_CONFLICT) {
        fail(&f, IDP_E_ALREADY_LINKED, idp_msg_get(IDP_MSG_ERROR_CARD_TAKEN, f.lang));
        return f.out;
    }
    if (e != IDP_OK) {
        store_error(&f, e);
        return f.out;
    }
    return idp_flow_finish_login(o, req, resp, tx);
}

/* POST /login/sign/skip (tx, csrf): the resident declines the signing step; the flow goes on without it. */
idp_outcome_t idp_oauth_sign_skip(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    flow_t f = {.o = o, .req = req, .resp = resp, .lang = idp_page_lang(req, NULL)};
    idp_store_login_tx_t *tx = idp_arena_alloc(req->arena, sizeof(*tx));
    if (tx == NULL) {
        store_error(&f, IDP_E_NOMEM);
        return f.out;
    }
    if (!req->post || !load_tx(&f, tx, true) || !tx_params(&f, tx))
        return f.out;
    if (!tx->sign_step || !tx->resident_id[0] || tx->has_new_card) {
        fail(&f, IDP_E_INVALID_REQUEST, "this sign-in has no signing step to skip");
        return f.out;
    }
    idp_err_t e = idp_store_login_tx_decline(o->store, tx->id);
    if (e != IDP_OK) {
        store_error(&f, e);
        return f.out;
    }
    tx->sign_declined = true;
    decide(&f, tx, false);
    flow_done(&f);
    return f.out;
}

idp_outcome_t idp_flow_finish_login(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                    const idp_store_login_tx_t *signed_in)
{
    flow_t f = {.o = o, .req = req, .resp = resp, .lang = idp_page_lang(req, NULL)};
    idp_store_login_tx_t *tx = idp_arena_alloc(req->arena, sizeof(*tx));
    if (tx == NULL) {
        store_error(&f, IDP_E_NOMEM);
        return f.out;
    }
    /* One authentication, one session: taken in the statement that marks it continued, so a replay of this
     * transaction (a second tab, the browser's history after logout) begins nothing. */
    idp_err_t e = idp_store_login_tx_continue(o->store, signed_in->id, tx);
    if (e == IDP_E_NOT_FOUND) {
        f.out =
            idp_fail(IDP_E_INVALID_REQUEST, "this sign-in has expired or is finished: start again from the service");
        return f.out;
    }
    if (e != IDP_OK) {
        store_error(&f, e);
        return f.out;
    }
    /* A card sign-in for one transaction leaves the browser's session as it is (transaction_only) */
    if (tx->client_id[0] && !tx_params(&f, tx))
        return f.out;
    load_session(&f);
    bool one = tx->client_id[0] && transaction_only(&f, tx);
    if (one) {
        json_t *d = json_pack("{s:s, s:s}", "client_id", tx->client_id, "from_acr", f.sess.acr);
        char *detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
        idp_oauth_logged(idp_store_audit(o->store, "step_up_transaction", tx->resident_id, detail ? detail : "{}"),
                         "audit");
        free(detail);
        json_decref(d);
    } else if (!start_session(&f, tx)) {
        return f.out;
    }
    if (!tx->client_id[0]) { /* a sign-in for the account pages (or the console), not for a relying party */
        idp_oauth_logged_end(idp_store_login_tx_delete(o->store, tx->id), "login_tx_delete");
        idp_see_other(f.resp, !strcmp(tx->request, "for=admin")     ? "/admin"
                              : !strcmp(tx->request, "for=partner") ? "/partner"
                                                                    : "/account");
        return f.out;
    }
    decide(&f, tx, false);
    flow_done(&f);
    return f.out;
}

idp_outcome_t idp_oauth_consent(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    flow_t f = {.o = o, .req = req, .resp = resp, .lang = idp_page_lang(req, NULL)};
    idp_store_login_tx_t *tx = idp_arena_alloc(req->arena, sizeof(*tx));
    if (tx == NULL) {
        store_error(&f, IDP_E_NOMEM);
        return f.out;
    }
    /* A decision is taken on POST only, with the form's CSRF token; a GET shows the page and records nothing. */
    bool post = req->post;
    if (!load_tx(&f, tx, post) || !tx_params(&f, tx))
        return f.out;
    load_session_for(&f, tx);
    if (!f.has_session || strcmp(f.sess.resident_id, tx->resident_id) != 0) {
        fail(&f, IDP_E_LOGIN_AGAIN, "sign in again");
        return f.out;
    }
    idp_authz_error_t err;
    idp_err_t e;
    if ((e = idp_clients_get(o, tx->client_id, &f.client)) != IDP_OK) {
        store_error(&f, e);
        return f.out;
    }
    if (!idp_authz_validate(f.params, f.client, &f.ar, &err)) {
        fail(&f, err.error, err.description);
        flow_done(&f);
        return f.out;
    }
    bool attrs = false, card = !strcmp(f.sess.acr, ACR_CARD);
    if ((e = resident_attrs(&f, &attrs)) != IDP_OK) {
        store_error(&f, e);
        flow_done(&f);
        return f.out;
    }
    const char *scope = NULL, *claims = requested_claims(&f, card, attrs, &scope);
    /* An application to sign (issue #21): the page shows it and a card challenge for it; "allow" needs it signed */
    const json_t *app = idp_rar_to_sign(f.ar.details);
    bool app_signed = false;
    if (app && (e = idp_app_signed(o, tx->id, app, &app_signed)) != IDP_OK) {
        store_error(&f, e);
        flow_done(&f);
        return f.out;
    }
    if (!post) { /* GET: show the page, with what cannot be shared (yet) marked as not provided */
        const char *all_scope = NULL, *wanted = requested_claims(&f, true, true, &all_scope);
        char challenge[64], *link = NULL;
        bool upstream = false;
        if (app && !app_signed &&
            (e = idp_app_sign_challenge(o, tx, app, req->now, challenge, &link, &upstream)) != IDP_OK) {
            e == IDP_E_CONFLICT ? fail(&f, IDP_E_SLOW_DOWN, "too many card attempts for this sign-in: start again")
                                : store_error(&f, e);
            flow_done(&f);
            return f.out;
        }
        idp_page_ctx_t ctx;
        if (page_ctx(&f, tx, &ctx))
            idp_page_consent(req, resp, &ctx, f.client, tx->id, tx->csrf, claims, wanted, card, f.ar.details, link,
                             upstream, app_signed);
        free(link);
        flow_done(&f);
        return f.out;
    }
    const char *decision = NULL, *shown = NULL;
    if (idp_params_get(req->form, "decision", &decision) != IDP_OK ||
        (strcmp(decision, "allow") && strcmp(decision, "deny"))) {
        fail(&f, IDP_E_INVALID_REQUEST, "decision must be allow or deny");
        flow_done(&f);
        return f.out;
    }
    /* The resident agrees to what the page showed; if the request now needs more, show it again. */
    if (idp_params_get(req->form, "claims", &shown) == IDP_E_INVALID_REQUEST)
        shown = NULL;
    /* The resident agrees to what the page showed, signed when it asked for a signature; else the page again. */
    if (!strcmp(decision, "allow") && (!idp_str_list_subset(claims, shown ? shown : "") || (app && !app_signed))) {
        char *loc = idp_arena_alloc(req->arena, 128);
        if (loc)
            snprintf(loc, 128, "/consent?tx=%s", tx->id);
        loc ? idp_see_other(f.resp, loc) : store_error(&f, IDP_E_NOMEM);
        flow_done(&f);
        return f.out;
    }
    /* product.md §5: every decision is kept in the ledger; a grant is remembered. */
    const char *purpose = strcmp(f.lang, "en") ? f.client->purpose_ja : f.client->purpose_en;
    e = idp_store_consent_record(o->store, tx->resident_id, tx->client_id,
                                 !strcmp(decision, "allow") ? "grant" : "deny", claims, o->cfg->consent_ttl, "resident",
                                 purpose, f.ar.details_text);
    if (e != IDP_OK) {
        store_error(&f, e);
        flow_done(&f);
        return f.out;
    }
    if (!strcmp(decision, "deny")) {
        idp_oauth_logged_end(idp_store_login_tx_delete(o->store, tx->id), "login_tx_delete");
        redirect_error(&f, IDP_E_ACCESS_DENIED, "the resident did not consent");
        flow_done(&f);
        return f.out;
    }
    idp_authz_clear(&f.ar);
    idp_client_unref(f.client);
    f.client = NULL;
    decide(&f, tx, true);
    flow_done(&f);
    return f.out;
}

/*
 * Dev mode on loopback only: signs the page's challenge with a generated
 * test card, through the same verification as a real card (card.c), then
 * continues like /login/continue.
 */
idp_outcome_t idp_oauth_login_test_card(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    flow_t f = {.o = o, .req = req, .resp = resp, .lang = idp_page_lang(req, NULL)};
    idp_store_login_tx_t *tx = idp_arena_alloc(req->arena, sizeof(*tx));
    if (test_cards(o, req) == NULL || o->jpki == NULL) {
        fail(&f, IDP_E_NOT_FOUND, "test cards are for dev mode on loopback only");
        return f.out;
    }
    if (tx == NULL) {
        store_error(&f, IDP_E_NOMEM);
        return f.out;
    }
    if (!load_tx(&f, tx, true) || !tx_params(&f, tx))
        return f.out;
    const char *challenge = NULL, *card = NULL;
    idp_store_card_challenge_t c;
    if (idp_params_get(req->form, "challenge_id", &challenge) != IDP_OK ||
        idp_params_get(req->form, "card", &card) != IDP_OK || !idp_testcard_name_ok(card) || strlen(challenge) > 63 ||
        idp_store_card_challenge_get(o->store, challenge, &c) != IDP_OK || strcmp(c.login_tx, tx->id) != 0) {
        fail(&f, IDP_E_INVALID_REQUEST, "challenge_id and card are required");
        return f.out;
    }
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/%s", o->cfg->dev_test_cards_dir, card);
    /* As the app does: the authentication key signs, and for a "both" challenge the signing key too. */
    bool both = !strcmp(c.purpose, "both");
    json_t *body = json_pack("{s:s, s:s}", "challenge_id", challenge, "cert_type", both ? "both" : "auth");
    for (int k = 0; k < (both ? 2 : 1) && body; k++) {
        idp_jpki_purpose_t purpose = k ? IDP_JPKI_SIGN : IDP_JPKI_AUTH;
        unsigned char msg[IDP_JPKI_MESSAGE_MAX], sig[512], *der = idp_arena_alloc(req->arena, IDP_TESTCARD_MAX_CERT);
        size_t msg_len = idp_jpki_message(purpose, c.nonce, tx->client_id, tx->redirect_uri, tx->oidc_nonce, msg);
        size_t der_len = 0, sig_len = 0;
        if (der == NULL || idp_testcard_sign(dir, purpose, msg, msg_len, der, &der_len, sig, &sig_len) != IDP_OK) {
            json_decref(body);
            fail(&f, IDP_E_INVALID_REQUEST, "no such test card");
            return f.out;
        }
        char *cert64 = idp_arena_alloc(req->arena, der_len * 2 + 4), *sig64 = idp_arena_alloc(req->arena, 1024);
        if (cert64 == NULL || sig64 == NULL) {
            json_decref(body);
            store_error(&f, IDP_E_NOMEM);
            return f.out;
        }
        EVP_EncodeBlock((unsigned char *)cert64, der, (int)der_len);
        idp_b64url_encode(sig, sig_len, sig64);
        json_object_set_new(body, k ? "sign_certificate" : "certificate", json_string(cert64));
        json_object_set_new(body, k ? "sign_signature" : "signature", json_string(sig64));
    }
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    idp_oauth_req_t sub = *req;
    sub.lang = f.lang;
    idp_oauth_resp_t out = {0};
    sub.body = text;
    sub.body_len = text ? strlen(text) : 0;
    idp_oauth_respond(o, IDP_EP_CARD_VERIFY, &sub, &out, idp_oauth_card_verify(o, &sub, &out));
    free(text);
    if (out.status != 200) {
        json_t *j = json_loadb(out.body, out.body_len, 0, NULL);
        const char *m = json_string_value(json_object_get(j, "message"));
        /* the message lives in j: the outcome keeps a copy in the arena (it is rendered after this returns) */
        fail(&f, IDP_E_CARD_REJECTED, m ? idp_arena_strdup(req->arena, m) : "the card was refused");
        json_decref(j);
        return f.out;
    }
    return idp_oauth_login_continue(o, req, resp);
}

/*
 * GET /account/login[?add=card]: a sign-in for the account pages, outside
 * any relying party (fresh sign-in before a change; adding the card to a
 * resident signed in socially). Adding the card needs a sign-in at most
 * IDP_FRESH_SECONDS old with the strongest way the resident has (NIST SP
 * 800-63B §6.1), as adding any way to sign in does.
 */
/* The request of a sign-in for the admin console or the partner portal: "for=admin", "for=partner". */
static const idp_params_t CONSOLE_PARAMS = {.items = {{"for", "admin"}}, .n = 1};
static const idp_params_t PARTNER_PARAMS = {.items = {{"for", "partner"}}, .n = 1};

idp_outcome_t idp_oauth_account_login(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_params_t empty = {0};
    const char *add = NULL, *to = NULL;
    flow_t f = {.o = o, .req = req, .resp = resp, .params = &empty, .lang = req->lang};
    idp_params_get(req->form, "add", &add);
    /* for=admin: a sign-in for the admin console, which comes back to /admin (idp_flow_finish_login) */
    if (idp_params_get(req->form, "for", &to) == IDP_OK && !strcmp(to, "admin"))
        f.params = &CONSOLE_PARAMS;
    else if (to && !strcmp(to, "partner"))
        f.params = &PARTNER_PARAMS;
    load_session(&f);
    if (!add || strcmp(add, "card") != 0 || !f.has_session) {
        begin_interaction(&f, NULL, TX_LOGIN, "");
        return f.out;
    }
    if (idp_binding_check(o, req, resp, &f.sess, &f.out))
        begin_interaction(&f, NULL, TX_ADD_CARD, "");
    return f.out;
}

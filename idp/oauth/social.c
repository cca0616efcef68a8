/*
 * Social login and linking (product.md §7; docs/social.md): the login
 * page's upstream buttons, the upstream callback, and the account page
 * where a resident adds or removes ways to sign in. The upstream protocol
 * itself is idp/federation; identities are (issuer, sub), never matched by
 * e-mail or any other claim.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/str.h"
#include "federation/federation.h"
#include "jose/kek.h"
#include "jose/key.h"
#include "keys/match.h"
#include "oauth/internal.h"
#include "oauth/rules.h"
#include "ui/messages.h"

/* 303 to @p prefix followed by @p arg (may be NULL). */
static void see_other(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *prefix, const char *arg)
{
    size_t n = strlen(prefix) + (arg ? strlen(arg) : 0) + 1;
    char *loc = idp_arena_alloc(req->arena, n);
    if (loc)
        snprintf(loc, n, "%s%s", prefix, arg ? arg : "");
    idp_see_other(resp, loc);
}

/* Sends the browser to the upstream for login transaction @p tx_id. */
static idp_outcome_t go_upstream(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *tx_id,
                                 const char *upstream_id, const char *ui_locales, bool card_only)
{
    idp_upstream_conn_t u;
    idp_err_t e = idp_upstream_open(o, upstream_id, &u);
    if (e != IDP_OK)
        return e == IDP_E_NOT_FOUND ? idp_fail(IDP_E_INVALID_REQUEST, "no such sign-in provider") : idp_fail_store(e);
    /* Adding the card, or a service that needs it: only a card channel will do (the page offers nothing else). */
    if (card_only && !idp_upstream_is_card_channel(&u.row)) {
        idp_upstream_close(&u);
        return idp_fail(IDP_E_INVALID_REQUEST, "this sign-in needs the card");
    }
    idp_outcome_t out = idp_ok();
    char *state = idp_random_token_new(32), *nonce = idp_random_token_new(32), *verifier = idp_random_token_new(48);
    char *url = NULL, err[512] = "";
    const char *cb = idp_upstream_callback_uri(o, req);
    if (!state || !nonce || !verifier || !cb)
        e = IDP_E_NOMEM;
    if (e == IDP_OK)
        e = idp_store_login_tx_upstream(o->store, tx_id, u.row.id, state, nonce, verifier);
    if (e == IDP_OK)
        e = idp_fed_auth_url(o->fed, &u.fed, cb, state, nonce, verifier, ui_locales, &url, err, sizeof(err));
    if (e == IDP_OK) {
        see_other(req, resp, "", url);
    } else if (e == IDP_E_UNAVAILABLE) {
        idp_log_msg(IDP_LOG_WARN, "upstream_unavailable", "%s: %s", u.row.id, err);
        out = idp_fail(IDP_E_UPSTREAM, idp_msg_get(IDP_MSG_ERROR_UPSTREAM_DOWN, req->lang));
    } else {
        out = idp_fail_store(e);
    }
    free(url);
    idp_secret_free(state);
    idp_secret_free(nonce);
    idp_secret_free(verifier);
    idp_upstream_close(&u);
    return out;
}

/* ---- a card channel's attributes (issue #17) ------------------------------------------ */

/*
 * Two cards' attributes never mix in one SakaI-D. When @p resident holds
 * attributes a card's own signing certificate verified (the strongest
 * evidence, checked by us), the app's must be the same four (*keep: they
 * stay, with their evidence); else IDP_E_FORBIDDEN: the card used in the
 * app is not this resident's card. Attributes an app sign-in verified
 * before are replaced by the newer ones.
 */
static idp_err_t app_attrs_fit(idp_oauth_t *o, const char *resident, const idp_upstream_attrs_t *x, bool *keep)
{
    idp_store_resident_attrs_t have;
    *keep = false;
    idp_err_t e = idp_store_resident_attrs_get(o->store, resident, &have);
    if (e == IDP_E_NOT_FOUND)
        return IDP_OK;
    if (e != IDP_OK)
        return e;
    if (have.evidence_upstream == NULL) {
        *keep = idp_upstream_attrs_same(&have, x);
        e = *keep ? IDP_OK : IDP_E_FORBIDDEN;
    }
    idp_store_resident_attrs_clear(&have);
    return e;
}

/* Keeps @p x as @p resident's verified attributes, with the upstream @p u (its subject @p sub, the assurance @p acr
 * its ID token stated) as evidence. */
static idp_err_t app_attrs_store(idp_oauth_t *o, const idp_store_upstream_t *u, const char *sub, const char *acr,
                                 const idp_upstream_attrs_t *x, const char *resident)
{
    idp_store_evidence_t ev = {.upstream_id = u->id, .issuer = u->issuer, .subject = sub, .assurance = acr};
    char evidence[1024];
    int n = snprintf(evidence, sizeof(evidence), "upstream%c%s%c%s", 0, u->issuer, 0, sub);
    if (n < 0 || (size_t)n >= sizeof(evidence))
        return IDP_E_INVALID_GRANT;
    idp_sha256(evidence, (size_t)n, ev.sha256);
    return idp_store_attrs_from_upstream(o->store, resident, &ev, &x->a);
}

static bool linking_session_live(idp_oauth_t *o, idp_oauth_req_t *req, const idp_store_login_tx_t *tx);

/* An audit row of a refused upstream sign-in: the upstream and why (@p resident may be NULL). */
static void audit_refusal(idp_oauth_t *o, const char *event, const char *resident, const char *upstream,
                          const char *reason)
{
    json_t *d = json_pack("{s:s, s:s}", "upstream", upstream, "reason", reason);
    char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
    idp_oauth_logged(idp_store_audit(o->store, event, resident, text ? text : "{}"), "audit");
    free(text);
    json_decref(d);
}

/* ---- a card channel's identity new to SakaI-D that a card resident's attributes match (issue #17 §1) ---- */

#define OFFER_AAD "sakaid:card-app-link:"

static idp_outcome_t bind_upstream(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                   idp_store_login_tx_t *tx, const idp_store_upstream_t *u, const char *sub,
                                   const char *assurance, const idp_upstream_attrs_t *aa, const char *link_to);

/*
 * The SakaI-D (into @p candidate, "" for none) that a card's own signing
 * certificate verified with the same four basic attributes as @p aa, when
 * upstream identity (@p u, @p sub) is new to SakaI-D: the renewal digest
 * (keys/match.h) of the attributes as the certificate carries them, which
 * the app returns (docs/card.md "Channels"). None when the identity is
 * bound already, when none or several match, or when the birth date is not
 * in the certificate's form.
 */
static idp_err_t app_candidate(idp_oauth_t *o, const idp_store_upstream_t *u, const char *sub,
                               const idp_upstream_attrs_t *aa, char candidate[64])
{
    char bound[64];
    bool created = false;
    candidate[0] = '\0';
    /* Neither a link nor a new id: only who holds it, if anyone (nothing is written). */
    idp_err_t e = idp_store_social_resident(o->store, u->issuer, sub, u->id, NULL, NULL, bound, &created);
    if (e != IDP_E_NOT_FOUND)
        return e; /* IDP_OK: it is somebody's already */
    const char *birth = aa->a.birth_date_raw;
    if (birth == NULL || strlen(birth) != 9 || strspn(birth, "0123456789") != 9)
        return IDP_OK;
    unsigned char mk[32];
    idp_card_match_key(o->subject_key, aa->a.name, aa->a.gender_raw ? aa->a.gender_raw : "", birth, aa->a.address, mk);
    e = idp_store_attrs_match(o->store, mk, candidate);
    if (e == IDP_E_NOT_FOUND || e == IDP_E_CONFLICT) {
        candidate[0] = '\0';
        return IDP_OK;
    }
    return e;
}

/*
 * The offer, sealed under the KEK for this transaction only: upstream,
 * subject, assurance, the SakaI-D found, the UserInfo claims, and its end
 * (the transaction's). Nothing in it is readable or alterable by the
 * browser that carries it back.
 */
static char *offer_seal(idp_oauth_t *o, const idp_store_login_tx_t *tx, const char *upstream, const char *sub,
                        const char *assurance, json_t *claims, const char *candidate)
{
    char aad[128];
    snprintf(aad, sizeof(aad), OFFER_AAD "%s", tx->id);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:O, s:I}", "u", upstream, "s", sub, "a", assurance ? assurance : "",
                          "c", candidate, "i", claims, "x", (json_int_t)tx->expires_at);
    char *pt = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    unsigned char *sealed = NULL;
    size_t n = 0;
    char *out = NULL;
    if (pt && idp_aead_seal(o->kek, aad, (const unsigned char *)pt, strlen(pt), &sealed, &n) == IDP_OK)
        out = idp_b64url_encode_new(sealed, n);
    free(sealed);
    idp_secret_free(pt);
    return out;
}

/* The offer @p text of transaction @p tx, opened and still live; NULL when it is not ours, altered or over. */
static json_t *offer_open(idp_oauth_t *o, idp_oauth_req_t *req, const idp_store_login_tx_t *tx, const char *text)
{
    char aad[128];
    snprintf(aad, sizeof(aad), OFFER_AAD "%s", tx->id);
    size_t len = strlen(text), n = 0, ptn = 0;
    unsigned char *raw = len <= 16384 ? malloc(len) : NULL, *pt = NULL;
    json_t *j = NULL;
    if (raw && idp_b64url_decode(text, len, raw, len, &n) == IDP_OK &&
        idp_aead_open(o->kek, aad, raw, n, &pt, &ptn) == IDP_OK)
        j = json_loadb((const char *)pt, ptn, JSON_REJECT_DUPLICATES, NULL);
    free(raw);
    if (pt)
        idp_wipe(pt, ptn); /* not NUL-terminated: its length, not strlen */
    free(pt);
    json_t *x = json_object_get(j, "x");
    if (j && (!json_is_integer(x) || json_integer_value(x) <= req->now || !json_is_object(json_object_get(j, "i")) ||
              !json_is_string(json_object_get(j, "u")) || !json_is_string(json_object_get(j, "s")) ||
              !json_is_string(json_object_get(j, "a")) || !json_is_string(json_object_get(j, "c")))) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

/* The page that offers the link: yes, add it to that SakaI-D, or no, a new one. */
static idp_outcome_t offer_link(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                const idp_store_login_tx_t *tx, const idp_store_upstream_t *u, const char *sub,
                                const char *assurance, json_t *claims, const char *candidate)
{
    char *offer = o->kek ? offer_seal(o, tx, u->id, sub, assurance, claims, candidate) : NULL;
    if (offer == NULL)
        return idp_fail_store(IDP_E_NOMEM);
    idp_params_t p;
    const char *ui = NULL;
    if (idp_params_parse(req->arena, tx->request, strlen(tx->request), &p) == IDP_OK)
        idp_params_get(&p, "ui_locales", &ui);
    char detail[96];
    snprintf(detail, sizeof(detail), "{\"upstream\":\"%s\"}", u->id); /* [a-z0-9-] */
    idp_oauth_logged(idp_store_audit(o->store, "card_app_link_offered", candidate, detail), "audit");
    idp_page_app_link(req, resp, idp_page_lang(req, ui), tx->id, tx->csrf, offer, u->display_name);
    free(offer);
    return idp_ok();
}

/*
 * POST /login/card/app-link (tx, csrf, offer, answer=link|new): the
 * resident answers the offer. "link" binds the app's identity to the
 * SakaI-D found, if its attributes still match; "new" makes a new SakaI-D
 * of it. Either way the sign-in goes on as a card sign-in.
 */
idp_outcome_t idp_oauth_card_app_link(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    const char *id = NULL, *csrf = NULL, *text = NULL, *answer = NULL;
    idp_store_login_tx_t *tx = idp_arena_alloc(req->arena, sizeof(*tx));
    if (tx == NULL)
        return idp_fail_store(IDP_E_NOMEM);
    if (idp_params_get(req->form, "tx", &id) != IDP_OK || strlen(id) > 63 ||
        idp_params_get(req->form, "offer", &text) != IDP_OK || idp_params_get(req->form, "answer", &answer) != IDP_OK ||
        (strcmp(answer, "link") && strcmp(answer, "new")))
        return idp_fail(IDP_E_INVALID_REQUEST, "tx, offer and answer (link or new) are required");
    idp_err_t e = idp_store_login_tx_get(o->store, id, tx);
    if (e != IDP_OK)
        return e == IDP_E_NOT_FOUND ? idp_fail(IDP_E_INVALID_REQUEST, "this sign-in has expired: start again")
                                    : idp_fail_store(e);
    if (!idp_flow_bound(req, tx) || idp_params_get(req->form, "csrf", &csrf) != IDP_OK ||
        strlen(csrf) != strlen(tx->csrf) || !idp_ct_equal(csrf, tx->csrf, strlen(csrf)))
        return idp_fail(IDP_E_FORBIDDEN, "the form is stale: reload the page");
    /* Answered once: a signed-in or continued transaction has nothing left to offer. */
    if (tx->continued || tx->resident_id[0] || tx->link_resident[0])
        return idp_fail(IDP_E_INVALID_REQUEST, "this sign-in has expired or is finished: start again from the service");
    json_t *j = o->kek ? offer_open(o, req, tx, text) : NULL;
    if (j == NULL)
        return idp_fail(IDP_E_INVALID_REQUEST, "this offer is not valid for this sign-in: start again");
    idp_upstream_conn_t u;
    idp_outcome_t out;
    const char *up = json_string_value(json_object_get(j, "u")),
               *candidate = json_string_value(json_object_get(j, "c"));
    if ((e = idp_upstream_open(o, up, &u)) != IDP_OK) {
        json_decref(j);
        return e == IDP_E_NOT_FOUND ? idp_fail(IDP_E_INVALID_REQUEST, "no such provider") : idp_fail_store(e);
    }
    const char *sub = json_string_value(json_object_get(j, "s"));
    idp_upstream_attrs_t aa = {0};
    char again[64] = "";
    e = idp_upstream_is_card_channel(&u.row) ? idp_upstream_attrs_decode(up, json_object_get(j, "i"), &aa)
                                             : IDP_E_INVALID_GRANT;
    /* The SakaI-D must still be the one these attributes match, and the identity still nobody's. */
    if (e == IDP_OK && !strcmp(answer, "link"))
        e = app_candidate(o, &u.row, sub, &aa, again);
    if (e == IDP_OK && !strcmp(answer, "link") && strcmp(again, candidate) != 0)
        out = idp_fail(IDP_E_INVALID_REQUEST, "this offer no longer holds: start again from the service");
    else if (e == IDP_OK)
        out = bind_upstream(o, req, resp, tx, &u.row, sub, json_string_value(json_object_get(j, "a")), &aa,
                            !strcmp(answer, "link") ? candidate : NULL);
    else
        out = e == IDP_E_INVALID_GRANT ? idp_fail(IDP_E_INVALID_REQUEST, "this offer is not valid: start again")
                                       : idp_fail_store(e);
    idp_upstream_close(&u);
    json_decref(j);
    return out;
}

/* POST /login/social (tx, csrf, upstream). */
idp_outcome_t idp_oauth_social_start(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    const char *id = NULL, *csrf = NULL, *upstream = NULL, *ui = NULL;
    idp_store_login_tx_t *tx = idp_arena_alloc(req->arena, sizeof(*tx));
    if (tx == NULL) {
        return idp_fail_store(IDP_E_NOMEM);
    }
    if (idp_params_get(req->form, "tx", &id) != IDP_OK || idp_params_get(req->form, "upstream", &upstream) != IDP_OK ||
        strlen(id) > 63) {
        return idp_fail(IDP_E_INVALID_REQUEST, "tx and upstream are required");
    }
    idp_err_t e = idp_store_login_tx_get(o->store, id, tx);
    if (e != IDP_OK)
        return e == IDP_E_NOT_FOUND ? idp_fail(IDP_E_INVALID_REQUEST, "this sign-in has expired") : idp_fail_store(e);
    if (!idp_flow_bound(req, tx) || idp_params_get(req->form, "csrf", &csrf) != IDP_OK ||
        strlen(csrf) != strlen(tx->csrf) || !idp_ct_equal(csrf, tx->csrf, strlen(csrf))) {
        return idp_fail(IDP_E_FORBIDDEN, "the form is stale: reload the page");
    }
    if (tx->continued) {
        return idp_fail(IDP_E_INVALID_REQUEST, "this sign-in has expired or is finished: start again from the service");
    }
    idp_params_t p;
    if (idp_params_parse(req->arena, tx->request, strlen(tx->request), &p) == IDP_OK)
        idp_params_get(&p, "ui_locales", &ui);
    return go_upstream(o, req, resp, tx->id, upstream, ui, idp_flow_card_only(o, tx));
}

/* GET /login/social/callback (code, state, iss | error). */
idp_outcome_t idp_oauth_social_callback(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    const char *state = NULL, *code = NULL, *iss = NULL, *error = NULL;
    char upstream_id[40], nonce[128], verifier[160], sub[256], err[512] = "";
    idp_store_login_tx_t *tx = idp_arena_alloc(req->arena, sizeof(*tx));
    if (tx == NULL) {
        return idp_fail_store(IDP_E_NOMEM);
    }
    /* A signing leg of an application through a card channel comes back here too (app_sign_upstream.c) */
    if (idp_params_get(req->form, "state", &state) == IDP_OK && idp_app_sign_upstream_leg(state))
        return idp_app_sign_upstream_done(o, req, resp, state);
    if (idp_params_get(req->form, "state", &state) != IDP_OK || strlen(state) > 128) {
        return idp_fail(IDP_E_INVALID_REQUEST, "state is missing");
    }
    /* The state is good for one callback, and only in the browser that began the login. */
    idp_err_t e = idp_store_login_tx_take_upstream(o->store, state, tx, upstream_id, nonce, verifier);
    if (e == IDP_E_NOT_FOUND) {
        return idp_fail(IDP_E_INVALID_REQUEST, "this sign-in has expired or was used");
    }
    if (e != IDP_OK) {
        return idp_fail_store(e);
    }
    if (!idp_flow_bound(req, tx)) {
        return idp_fail(IDP_E_FORBIDDEN, "this sign-in was started in another browser");
    }
    if (idp_params_get(req->form, "error", &error) == IDP_OK) {
        idp_log_msg(IDP_LOG_INFO, "upstream_error", "%s: %.64s", upstream_id, error);
        return idp_fail(IDP_E_ACCESS_DENIED, idp_msg_get(IDP_MSG_ERROR_UPSTREAM_UNFINISHED, req->lang));
    }
    idp_err_t ie = idp_params_get(req->form, "iss", &iss);
    if (idp_params_get(req->form, "code", &code) != IDP_OK || strlen(code) > 2048 || ie == IDP_E_INVALID_REQUEST) {
        return idp_fail(IDP_E_INVALID_REQUEST, "code is missing");
    }
    if (ie != IDP_OK)
        iss = NULL;
    idp_upstream_conn_t u;
    if ((e = idp_upstream_open(o, upstream_id, &u)) != IDP_OK)
        return e == IDP_E_NOT_FOUND ? idp_fail(IDP_E_INVALID_REQUEST, "no such provider") : idp_fail_store(e);
    bool card_channel = idp_upstream_is_card_channel(&u.row);
    idp_fed_result_t res;
    e = idp_fed_callback(o->fed, &u.fed, idp_upstream_callback_uri(o, req), code, verifier, nonce, iss, req->now, &res,
                         err, sizeof(err));
    if (e != IDP_OK) {
        const char *event = card_channel ? "card_app_refused" : "social_login_refused";
        idp_log_t l;
        idp_log_begin(&l, IDP_LOG_WARN, e == IDP_E_INVALID_GRANT ? "upstream_rejected" : "upstream_unavailable");
        idp_log_str(&l, "upstream", u.row.id);
        idp_log_str(&l, "detail", err);
        idp_log_end(&l);
        audit_refusal(o, event, NULL, u.row.id, err);
        idp_upstream_close(&u);
        if (e == IDP_E_INVALID_GRANT) {
            return idp_fail(IDP_E_INVALID_GRANT, idp_msg_get(card_channel ? IDP_MSG_ERROR_CARD_APP_ASSURANCE
                                                                          : IDP_MSG_ERROR_UPSTREAM_UNVERIFIED,
                                                             req->lang));
        }
        return idp_fail(IDP_E_UPSTREAM, idp_msg_get(IDP_MSG_ERROR_UPSTREAM_DOWN, req->lang));
    }
    snprintf(sub, sizeof(sub), "%s", res.sub);
    const char *link_to = tx->link_resident[0] ? tx->link_resident : NULL; /* from the account page */
    if (link_to && !linking_session_live(o, req, tx)) {
        idp_fed_result_clear(&res);
        idp_upstream_close(&u);
        return idp_fail(IDP_E_LOGIN_AGAIN, idp_msg_get(IDP_MSG_ERROR_SIGNED_OUT_WHILE_ADDING, req->lang));
    }
    /* A card channel's four basic attributes become the resident's verified attributes, with the upstream as
     * their evidence (docs/card.md "Channels"). */
    idp_upstream_attrs_t aa = {0};
    e = card_channel && res.userinfo ? idp_upstream_attrs_decode(u.row.id, res.userinfo, &aa) : IDP_OK;
    /* An identity new to SakaI-D whose attributes a card's own certificate verified for a SakaI-D: that
     * resident is offered the link, never given it silently (issue #17 §1). */
    char candidate[64] = "";
    if (e == IDP_OK && aa.have && !link_to)
        e = app_candidate(o, &u.row, sub, &aa, candidate);
    idp_outcome_t out;
    if (e == IDP_OK && candidate[0])
        out = offer_link(o, req, resp, tx, &u.row, sub, res.acr, res.userinfo, candidate);
    else if (e == IDP_OK)
        out = bind_upstream(o, req, resp, tx, &u.row, sub, res.acr, &aa, link_to);
    else
        out = idp_fail_store(e);
    idp_fed_result_clear(&res);
    idp_upstream_close(&u);
    return out;
}

/*
 * Binds upstream @p u's identity @p sub: to @p link_to (the account page, a
 * step-up, or a confirmed offer), else to whoever holds it, else to a new
 * SakaI-D; with a card channel's attributes @p aa (checked before a link
 * binds anything, and before a sign-in of a bound identity counts: two
 * cards never mix); then the sign-in goes on.
 */
static idp_outcome_t bind_upstream(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                   idp_store_login_tx_t *tx, const idp_store_upstream_t *u, const char *sub,
                                   const char *assurance, const idp_upstream_attrs_t *aa, const char *link_to)
{
    bool card_channel = idp_upstream_is_card_channel(u);
    char resident[64], *fresh = idp_random_token_new(16);
    bool created = false, keep = false;
    idp_err_t e = IDP_OK;
    if (aa->have && link_to)
        e = app_attrs_fit(o, link_to, aa, &keep);
    if (e == IDP_OK)
        e = fresh ? idp_store_social_resident(o->store, u->issuer, sub, u->id, link_to, fresh, resident, &created)
                  : IDP_E_NOMEM;
    free(fresh);
    if (e == IDP_OK && !idp_credential_key("social", u->issuer, sub, tx->credential))
        e = IDP_E_NOMEM;
    if (e == IDP_OK && aa->have && !link_to)
        e = app_attrs_fit(o, resident, aa, &keep);
    if (e == IDP_OK && aa->have && !keep)
        e = app_attrs_store(o, u, sub, assurance, aa, resident);
    if (e == IDP_E_FORBIDDEN)
        audit_refusal(o, "card_app_refused", link_to ? link_to : resident, u->id,
                      "the attributes differ from the card's");
    if (e == IDP_E_FORBIDDEN) {
        return idp_fail(IDP_E_FORBIDDEN, idp_msg_get(IDP_MSG_ERROR_CARD_APP_OTHER_CARD, req->lang));
    }
    if (e == IDP_E_CONFLICT) {
        return idp_fail(IDP_E_ALREADY_LINKED, idp_msg_get(IDP_MSG_ERROR_ACCOUNT_TAKEN, req->lang));
    }
    if (e != IDP_OK) {
        return idp_fail_store(e);
    }
    /* Adding a way to sign in from the account page. A card channel that adds the card to a signed-in resident
     * in an authorization (step-up, flow.c TX_ADD_CARD) goes on with that authorization, as the card does. */
    if (tx->link_resident[0] && !tx->client_id[0]) {
        idp_oauth_logged_end(idp_store_login_tx_delete(o->store, tx->id), "login_tx_delete");
        see_other(req, resp, "/account?linked=", u->id);
        return idp_ok();
    }
    /* A card channel that stated the assurance we asked for is a card sign-in: acr card, amr sc pin. */
    const char *acr = card_channel ? ACR_CARD : ACR_SOCIAL;
    if ((e = idp_store_login_tx_authenticate(o->store, tx->id, resident, acr, tx->credential)) != IDP_OK) {
        return idp_fail_store(e);
    }
    snprintf(tx->resident_id, sizeof(tx->resident_id), "%s", resident);
    snprintf(tx->acr, sizeof(tx->acr), "%s", acr);
    tx->authenticated_at = req->now;
    char detail[96];
    snprintf(detail, sizeof(detail), "{\"upstream\":\"%s\"}", u->id); /* [a-z0-9-] */
    const char *event = card_channel ? "card_app_login" : "social_login";
    idp_oauth_logged(idp_store_audit(o->store, event, resident, detail), "audit");
    idp_log_t l;
    idp_log_begin(&l, IDP_LOG_INFO, event);
    idp_log_str(&l, "upstream", u->id);
    idp_log_int(&l, "new_resident", created);
    idp_log_end(&l);
    return idp_flow_finish_login(o, req, resp, tx);
}

/*
 * A credential is bound to a resident only while the session that asked for
 * it is still this browser's live session of that resident: a sign-out (or
 * another resident signing in) in between cancels the binding.
 */
static bool linking_session_live(idp_oauth_t *o, idp_oauth_req_t *req, const idp_store_login_tx_t *tx)
{
    idp_store_session_t s;
    return idp_browser_session(o, req, &s, NULL) && !strcmp(s.resident_id, tx->link_resident) &&
           !strcmp(s.sid, tx->session_sid);
}

/* ---- the account page ------------------------------------------------------------- */

/* POST /account/link (csrf, upstream): a signed-in resident adds a social identity. */
idp_outcome_t idp_oauth_account_link(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_store_session_t s;
    const char *upstream = NULL;
    if (!idp_browser_session(o, req, &s, NULL)) {
        see_other(req, resp, "/account/login", NULL);
        return idp_ok();
    }
    if (!idp_account_csrf_ok(o, req, &s) || idp_params_get(req->form, "upstream", &upstream) != IDP_OK) {
        return idp_fail(IDP_E_FORBIDDEN, "the form is stale: reload the page");
    }
    /* NIST SP 800-63B §6.1: a new way to sign in is bound only after a fresh sign-in with the strongest way
     * the resident has; one minute at someone's signed-in browser must not add the visitor's account. */
    idp_outcome_t out;
    if (!idp_binding_check(o, req, resp, &s, &out))
        return out;
    /* A login transaction without a relying party, bound to this browser, marked as adding a credential. */
    idp_store_login_tx_t *tx = idp_arena_alloc(req->arena, sizeof(*tx));
    char *id = idp_random_token_new(32), *csrf = idp_random_token_new(32);
    const char *browser = idp_cookie_get(req->arena, req->cookie, COOKIE_BROWSER);
    idp_err_t e = tx && id && csrf ? IDP_OK : IDP_E_NOMEM;
    if (e == IDP_OK && (browser == NULL || strlen(browser) != 43))
        e = IDP_E_INVALID_REQUEST;
    if (e == IDP_OK) {
        memset(tx, 0, sizeof(*tx));
        snprintf(tx->id, sizeof(tx->id), "%s", id);
        snprintf(tx->csrf, sizeof(tx->csrf), "%s", csrf);
        snprintf(tx->session_sid, sizeof(tx->session_sid), "%s", s.sid);
        idp_sha256(browser, strlen(browser), tx->browser_hash);
        e = idp_store_login_tx_create(o->store, tx, o->cfg->login_ttl);
    }
    if (e == IDP_OK)
        e = idp_store_login_tx_link(o->store, tx->id, s.resident_id);
    idp_secret_free(id);
    idp_secret_free(csrf);
    if (e == IDP_E_INVALID_REQUEST) {
        return idp_fail(IDP_E_INVALID_REQUEST, "sign in again first");
    }
    if (e != IDP_OK) {
        return idp_fail_store(e);
    }
    return go_upstream(o, req, resp, tx->id, upstream, NULL, false);
}

/*
 * POST /account/unlink (csrf, kind "social" (the default) or "card", issuer,
 * subject): needs a fresh sign-in; the last way to sign in stays. A card is
 * named by its authentication certificate's issuer key id and serial.
 */
idp_outcome_t idp_oauth_account_unlink(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_store_session_t s;
    const char *issuer = NULL, *subject = NULL, *kind = "social";
    if (!idp_browser_session(o, req, &s, NULL)) {
        see_other(req, resp, "/account/login", NULL);
        return idp_ok();
    }
    idp_err_t ke = idp_params_get(req->form, "kind", &kind);
    if (!idp_account_csrf_ok(o, req, &s) || idp_params_get(req->form, "issuer", &issuer) != IDP_OK ||
        idp_params_get(req->form, "subject", &subject) != IDP_OK || (ke != IDP_OK && ke != IDP_E_NOT_FOUND) ||
        (strcmp(kind, "social") != 0 && strcmp(kind, "card") != 0)) {
        return idp_fail(IDP_E_FORBIDDEN, "the form is stale: reload the page");
    }
    /* As for adding one: a fresh sign-in with the strongest way the resident has. */
    idp_outcome_t out;
    if (!idp_binding_check(o, req, resp, &s, &out))
        return out;
    bool verified_removed = false;
    char credential[48], (*ended)[64] = NULL;
    size_t n_ended = 0;
    idp_err_t e = idp_credential_key(kind, issuer, subject, credential)
                      ? idp_store_credential_unlink(o->store, s.resident_id, s.sid, kind, issuer, subject, credential,
                                                    &verified_removed, &ended, &n_ended)
                      : IDP_E_NOMEM;
    if (e == IDP_E_CONFLICT) {
        return idp_fail(IDP_E_LAST_CREDENTIAL, idp_msg_get(IDP_MSG_ERROR_LAST_CREDENTIAL, req->lang));
    }
    if (e == IDP_E_NOT_FOUND) {
        return idp_fail(IDP_E_NOT_FOUND, "no such way to sign in");
    }
    if (e != IDP_OK) {
        return idp_fail_store(e);
    }
    /* The other sessions it signed in have ended: their relying parties hear of it (Back-Channel Logout). */
    for (size_t i = 0; i < n_ended; i++)
        idp_logout_session(o, s.resident_id, ended[i]);
    free(ended);
    see_other(req, resp, verified_removed ? "/account?removed=verified" : "/account?removed=1", NULL);
    return idp_ok();
}

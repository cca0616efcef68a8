/*
 * My Number card login, the protocol side (jpki.md "Proposed exchange"):
 * single-use challenges bound to a login transaction, verification of the
 * card's certificate and signature over the message the server rebuilds,
 * card identities, and signing-certificate enrolment. No HTTP, no SQL.
 *
 * Errors are JSON {"error", "error_description"}; a refused card is
 * 403 {"error": "card_rejected", "reason": <jpki reason code>, "message": <for the resident>}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "core/log.h"
#include "core/url.h"
#include "core/rand.h"
#include "keys/match.h"
#include "oauth/card_body.h"
#include "oauth/internal.h"
#include "oauth/rules.h"
#include "ui/messages.h"

/* A refusal the app explains to the resident: card_rejected with the reason code and its message (card.<reason>). */
static idp_outcome_t refuse(const char *reason)
{
    return (idp_outcome_t){.err = IDP_E_CARD_REJECTED, .refusal = reason};
}

static bool configured(idp_oauth_t *o, idp_outcome_t *out)
{
    if (o->jpki == NULL)
        *out = idp_fail(IDP_E_NOT_FOUND, "card login is not configured");
    return o->jpki != NULL;
}

/*
 * The client address under its rate (jpki.rate_per_minute). Charged only
 * for a well-formed request that names a live login or challenge, so that
 * junk neither costs a resident behind the same address their attempts nor
 * reaches the database more than once.
 */
static bool charge(idp_oauth_t *o, idp_oauth_req_t *req, idp_outcome_t *out)
{
    if (o->card_limit && !idp_ratelimit_take(o->card_limit, req->remote_addr ? req->remote_addr : "", req->now_ms)) {
        *out = idp_fail(IDP_E_SLOW_DOWN, "too many card requests from this address; try again in a minute");
        return false;
    }
    return true;
}

/*
 * The node-wide circuit breaker (jpki.max_verifications_per_second): each
 * verification costs a signature check and a path validation, so a flood
 * from many addresses gets 503 with Retry-After before the CPU is gone,
 * and the challenge it names is not spent.
 */
static bool breaker(idp_oauth_t *o, idp_oauth_req_t *req, idp_outcome_t *out)
{
    if (o->card_breaker && !idp_ratelimit_take(o->card_breaker, "*", req->now_ms)) {
        idp_log_msg(IDP_LOG_WARN, "card_breaker_open", "card verifications over jpki.max_verifications_per_second");
        *out = idp_fail(IDP_E_UNAVAILABLE, "card sign-in is busy; try again in a few seconds");
        return false;
    }
    return true;
}

/* The body is read by card_body.c (fuzzed on its own); this answers a body that is not a JSON object. */
static bool body_is_object(idp_card_body_status_t st, idp_outcome_t *out)
{
    if (st == IDP_CARD_BODY_NOT_OBJECT)
        *out = idp_fail(IDP_E_INVALID_REQUEST, "the body must be a JSON object");
    return st != IDP_CARD_BODY_NOT_OBJECT;
}

/* Session @p sid of @p resident_id is live (a card is added to a resident only while they stay signed in). */
static bool session_live(idp_oauth_t *o, const char *resident_id, const char *sid)
{
    idp_store_session_t *rows = NULL;
    size_t n = 0;
    bool live = false;
    if (sid[0] && idp_store_sessions_list(o->store, resident_id, &rows, &n) == IDP_OK)
        for (size_t i = 0; i < n; i++)
            live = live || !strcmp(rows[i].sid, sid);
    free(rows);
    return live;
}

idp_err_t idp_card_challenge_new(idp_oauth_t *o, const idp_store_login_tx_t *tx, const char *purpose,
                                 char challenge_id[64], char nonce[64], char **link)
{
    idp_store_card_challenge_t c;
    memset(&c, 0, sizeof(c));
    char *id = idp_random_token_new(16);
    snprintf(c.id, sizeof(c.id), "%s", id ? id : "");
    free(id);
    snprintf(c.login_tx, sizeof(c.login_tx), "%s", tx->id);
    snprintf(c.purpose, sizeof(c.purpose), "%s", purpose);
    idp_err_t e = c.id[0] ? idp_random_bytes(c.nonce, sizeof(c.nonce)) : IDP_E_NOMEM;
    if (e == IDP_OK)
        e = idp_store_card_challenge_create(o->store, &c, o->cfg->jpki_challenge_seconds, o->cfg->jpki_max_challenges);
    if (e != IDP_OK)
        return e;
    idp_b64url_encode(c.nonce, sizeof(c.nonce), nonce);
    /*
     * The link the login page shows and puts in its QR code: what the app
     * needs to sign (jpki.md), as short as that can be, so that the QR code
     * stays small (issue #18 item 10): the challenge, its nonce, the binding
     * of the relying party's request (the message's third part, rather than
     * the three values it digests), and "both" when both keys sign. The app
     * posts to the verify endpoint beside the link's own path.
     */
    unsigned char binding[32];
    char binding64[48];
    idp_jpki_binding(tx->client_id, tx->redirect_uri, tx->oidc_nonce, binding);
    idp_b64url_encode(binding, sizeof(binding), binding64);
    idp_buf_t b;
    idp_buf_init(&b, 8192);
    idp_buf_printf(&b, "%s/login/card/app", o->cfg->issuer);
    idp_url_add_query(&b, "challenge_id", c.id);
    idp_url_add_query(&b, "nonce", nonce);
    idp_url_add_query(&b, "binding", binding64);
    if (strcmp(purpose, "auth") != 0)
        idp_url_add_query(&b, "purpose", purpose);
    *link = idp_buf_steal(&b);
    idp_buf_free(&b);
    if (*link == NULL)
        return IDP_E_NOMEM;
    snprintf(challenge_id, 64, "%s", c.id);
    return IDP_OK;
}

idp_outcome_t idp_oauth_card_challenge(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_outcome_t out = idp_ok();
    if (!configured(o, &out))
        return out;
    idp_card_challenge_body_t b;
    idp_card_body_status_t st = idp_card_challenge_body_parse(req->body, req->body_len, &b);
    if (!body_is_object(st, &out))
        return out;
    json_t *j = b.root;
    const char *tx_id = b.login_tx, *purpose = b.purpose;
    idp_store_login_tx_t *tx = idp_arena_alloc(req->arena, sizeof(*tx));
    idp_err_t e;
    if (st != IDP_CARD_BODY_OK) {
        out = idp_fail(IDP_E_INVALID_REQUEST, "login_tx is required; purpose is auth or both");
    } else if (tx == NULL) {
        out = idp_fail(IDP_E_TOO_LARGE, NULL);
    } else if ((e = idp_store_login_tx_get(o->store, tx_id, tx)) != IDP_OK || tx->continued) {
        if (e == IDP_E_NOT_FOUND || e == IDP_OK)
            out = idp_fail(IDP_E_INVALID_REQUEST, "no such login, or it has expired: start again");
        else
            out = idp_fail_store(e);
    } else if (!charge(o, req, &out)) {
        /* answered */
    } else {
        char id[64], n64[64], *link = NULL;
        e = idp_card_challenge_new(o, tx, purpose, id, n64, &link);
        if (e == IDP_E_CONFLICT) {
            out = idp_fail(IDP_E_SLOW_DOWN, "too many card attempts for this login: start again");
        } else if (e != IDP_OK) {
            out = idp_fail_store(e);
        } else {
            idp_oauth_json(req, resp, 200,
                           json_pack("{s:s, s:s, s:i, s:s, s:s}", "challenge_id", id, "nonce", n64, "expires_in",
                                     o->cfg->jpki_challenge_seconds, "purpose", purpose, "link", link));
        }
        free(link);
    }
    json_decref(j);
    return out;
}

static void log_result(const char *event, const idp_store_card_challenge_t *c, const idp_jpki_result_t *r)
{
    idp_log_t l;
    idp_log_begin(&l, r->reason == IDP_JPKI_OK ? IDP_LOG_INFO : IDP_LOG_WARN, event);
    idp_log_str(&l, "purpose", c->purpose);
    idp_log_str(&l, "reason", idp_jpki_reason_code(r->reason));
    idp_log_str(&l, "detail", r->detail);
    idp_log_str(&l, "issuer_key_id", r->issuer_key_id);
    idp_log_str(&l, "serial", r->serial);
    idp_log_end(&l);
}

/* What one request of the exchange carries: the authentication certificate, and with "both" the signing one. */
typedef struct {
    const char *cert64, *sig64;
    unsigned char *der, sig[IDP_CARD_SIG_MAX];
    size_t der_len, sig_len;
    idp_jpki_result_t res;
} card_key_t;

/*
 * Verifies one key's certificate and its signature over the message rebuilt
 * from our own state (jpki.md): the challenge's nonce and the login's client,
 * redirect URI and nonce, with the tag of @p purpose.
 */
static idp_jpki_reason_t verify_key(idp_oauth_t *o, idp_oauth_req_t *req, idp_jpki_purpose_t purpose,
                                    const idp_store_card_challenge_t *c, const idp_store_login_tx_t *tx, card_key_t *k)
{
    unsigned char msg[IDP_JPKI_MESSAGE_MAX];
    size_t msg_len = idp_jpki_message(purpose, c->nonce, tx->client_id, tx->redirect_uri, tx->oidc_nonce, msg);
    idp_jpki_verify(o->jpki, purpose, k->der, k->der_len, msg, msg_len, k->sig, k->sig_len, (time_t)req->now, &k->res);
    log_result(purpose == IDP_JPKI_AUTH ? "card_login" : "card_enrol", c, &k->res);
    return k->res.reason;
}

/*
 * Renewal by re-verification (product.md §6): keys/match.h's digest of the
 * four basic attributes under the subject key.
 */
static void match_key(const idp_oauth_t *o, const idp_jpki_attrs_t *a, unsigned char out[32])
{
    idp_card_match_key(o->subject_key, a->name, a->gender, a->birth_date, a->address, out);
}

/* The resident's message for a card reason code (the catalogue's "card.<code>"). */
static const char *card_message(const char *code, const char *lang)
{
    char key[48];
    snprintf(key, sizeof(key), "card.%s", code);
    return idp_msg(key, lang);
}

/*
 * The signing certificate @p sign's attributes, decoded once here for
 * release (OpenID Connect Core §5.1) and kept as the certificate carries
 * them for audit, with the digest that renewal looks residents up by (@p mk
 * and @p birth receive what @p a points into). False when its birth date is
 * not EYYYYMMDD.
 */
static bool sign_attrs(idp_oauth_t *o, const idp_jpki_result_t *sign, unsigned char mk[32], char birth[11],
                       idp_store_attrs_t *a)
{
    const idp_jpki_attrs_t *at = &sign->attrs;
    if (!idp_rules_birthdate(at->birth_date, birth))
        return false;
    match_key(o, at, mk);
    const char *ward = idp_rules_sakai_ward(at->address);
    *a = (idp_store_attrs_t){.name = at->name,
                             .name_alt = at->name_alt,
                             .gender = idp_rules_gender(at->gender),
                             .birth_date = birth,
                             .address = at->address,
                             .address_alt = at->address_alt,
                             .sakai_resident = ward != NULL,
                             .sakai_ward = ward,
                             .gender_raw = at->gender,
                             .birth_date_raw = at->birth_date,
                             .match_key = mk};
    return true;
}

/* Outcomes of a verified card besides store errors (in the order of idp_store_card_outcome_t). */
typedef enum { SIGNED_IN, NEW_CARD, CARD_MISMATCH, ALREADY_LINKED, SIGN_CONFLICT, BAD_ATTRS, LOGIN_ENDED } sign_in_t;

/*
 * The card is genuine (both keys, with "both"): who signed in. A card some
 * resident holds signs that resident in; with the signing certificate, it is
 * enrolled for that resident in the same exchange. A card nobody holds waits
 * in the transaction until the resident says whether it replaces an earlier
 * card (flow.c); with its signing certificate we look for the SakaI-D whose
 * verified attributes it carries. What it comes to is written by one store
 * call, in one transaction (idp_store_card_verified, issue #16 §5): the
 * identity, the enrolment, the login's authentication, the challenge's
 * status and the audit rows, all or none. Returns a store error or IDP_OK
 * with *outcome.
 */
static idp_err_t sign_in(idp_oauth_t *o, const idp_store_login_tx_t *tx, const idp_store_card_challenge_t *c,
                         const idp_jpki_result_t *auth, const idp_jpki_result_t *sign, const char *detail,
                         sign_in_t *outcome, char resident[64], bool *created)
{
    idp_store_card_cert_t cert = {
        .purpose = "auth", .issuer_key_id = auth->issuer_key_id, .serial = auth->serial, .not_after = auth->not_after};
    memcpy(cert.sha256, auth->cert_sha256, 32);
    idp_store_card_cert_t sign_cert = {.purpose = "sign"};
    idp_store_attrs_t attrs;
    unsigned char mk[32];
    char birth[11], candidate[64] = "", credential[48], *fresh = NULL;
    idp_err_t e = IDP_OK;
    resident[0] = '\0';
    *created = false;
    *outcome = SIGNED_IN;
    /* A resident signed in otherwise is adding this card (product.md §7), while that session lives. */
    if (tx->link_resident[0] && !session_live(o, tx->link_resident, tx->session_sid)) {
        *outcome = LOGIN_ENDED;
        return IDP_OK;
    }
    /* The signing step reads the card the resident signed in with, not another one. */
    bool expect = !tx->link_resident[0] && tx->sign_step && tx->resident_id[0];
    if (!tx->link_resident[0] && !expect && sign) {
        /* Should nobody hold this card: the SakaI-D whose verified attributes its signing certificate carries
         * (a renewed card, product.md §6). */
        unsigned char want[32];
        match_key(o, &sign->attrs, want);
        idp_err_t me = idp_store_attrs_match(o->store, want, candidate);
        if (me != IDP_OK && me != IDP_E_NOT_FOUND && me != IDP_E_CONFLICT)
            return me;
        if (me != IDP_OK) /* none, or more than one: nothing to offer */
            candidate[0] = '\0';
        /* Both keys, and nobody matches: should nobody hold it, a first card, nothing to ask. */
        if (!candidate[0] && !tx->sign_step && (fresh = idp_random_token_new(16)) == NULL)
            return IDP_E_NOMEM;
    }
    if (!idp_credential_key("card", auth->issuer_key_id, auth->serial, credential)) {
        free(fresh);
        return IDP_E_NOMEM;
    }
    if (sign) {
        sign_cert = (idp_store_card_cert_t){.purpose = "sign",
                                            .issuer_key_id = sign->issuer_key_id,
                                            .serial = sign->serial,
                                            .not_after = sign->not_after};
        memcpy(sign_cert.sha256, sign->cert_sha256, 32);
    }
    /* Both signatures verified before anything is written (issue #15 item 8). */
    idp_store_card_result_t r = {.challenge_id = c->id,
                                 .login_tx = c->login_tx,
                                 .auth = &cert,
                                 .sign = sign ? &sign_cert : NULL,
                                 .attrs = sign && sign_attrs(o, sign, mk, birth, &attrs) ? &attrs : NULL,
                                 .link_resident = tx->link_resident,
                                 .expect_resident = expect ? tx->resident_id : "",
                                 .fresh_id = fresh,
                                 .renew_resident = candidate,
                                 .acr = ACR_CARD,
                                 .credential = credential,
                                 .detail = detail};
    idp_store_card_outcome_t out = IDP_CARD_SIGNED_IN;
    e = idp_store_card_verified(o->store, &r, &out, resident, created);
    free(fresh);
    switch (out) {
    case IDP_CARD_SIGNED_IN: *outcome = SIGNED_IN; break;
    case IDP_CARD_NEW_CARD: *outcome = NEW_CARD; break;
    case IDP_CARD_MISMATCH: *outcome = CARD_MISMATCH; break;
    case IDP_CARD_ALREADY_LINKED: *outcome = ALREADY_LINKED; break;
    case IDP_CARD_SIGN_CONFLICT: *outcome = SIGN_CONFLICT; break;
    case IDP_CARD_BAD_ATTRS: *outcome = BAD_ATTRS; break;
    case IDP_CARD_LOGIN_ENDED: *outcome = LOGIN_ENDED; break;
    }
    return e;
}

/*
 * POST /login/card/verify: {challenge_id, cert_type "auth"|"both",
 * certificate, signature, and with "both" sign_certificate, sign_signature}.
 * With "both", the card's two keys signed one challenge (the authentication
 * key the AUTH message, the signing key the SIGN message with the same
 * nonce): the signing certificate is enrolled only together with the
 * authentication certificate of the same card, never on its own.
 */
idp_outcome_t idp_oauth_card_verify(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_outcome_t out = idp_ok();
    if (!configured(o, &out))
        return out;
    idp_card_verify_body_t b;
    idp_card_body_status_t st = idp_card_verify_body_parse(req->body, req->body_len, &b);
    if (!body_is_object(st, &out))
        return out;
    json_t *j = b.root;
    const char *id = b.challenge_id, *type = b.cert_type;
    card_key_t *auth = idp_arena_alloc(req->arena, sizeof(*auth)), *sign = idp_arena_alloc(req->arena, sizeof(*sign));
    idp_store_card_challenge_t c;
    idp_store_login_tx_t *tx = idp_arena_alloc(req->arena, sizeof(*tx));
    idp_err_t e;
    if (tx == NULL || auth == NULL || sign == NULL) {
        out = idp_fail(IDP_E_TOO_LARGE, NULL);
        goto Exit;
    }
    memset(auth, 0, sizeof(*auth));
    memset(sign, 0, sizeof(*sign));
    bool both = b.both;
    auth->cert64 = b.cert64;
    auth->sig64 = b.sig64;
    sign->cert64 = b.sign_cert64;
    sign->sig64 = b.sign_sig64;
    if (st == IDP_CARD_BODY_SIGN_ALONE) {
        out = idp_fail(
            IDP_E_INVALID_REQUEST,
            "a signing certificate is read only with the authentication certificate of the same card: cert_type both");
        goto Exit;
    }
    if (st != IDP_CARD_BODY_OK) {
        out = idp_fail(
            IDP_E_INVALID_REQUEST,
            "challenge_id, cert_type (auth|both), certificate (base64 DER, at most 4 KiB) and signature are required; "
            "with both, also sign_certificate and sign_signature");
        goto Exit;
    }
    /* A live, unused challenge is named: only then is the address charged, and the breaker consulted. */
    if ((e = idp_store_card_challenge_get(o->store, id, &c)) == IDP_OK && c.expires_at > req->now && !c.used &&
        (!charge(o, req, &out) || !breaker(o, req, &out)))
        goto Exit;
    /* Single use: the challenge is spent by this attempt, whatever its outcome. */
    if ((e = idp_store_card_challenge_take(o->store, id, &c)) != IDP_OK) {
        if (e == IDP_E_NOT_FOUND)
            out = idp_fail(IDP_E_INVALID_CHALLENGE, "no such challenge");
        else if (e == IDP_E_CONFLICT)
            out = idp_fail(IDP_E_CHALLENGE_USED, "this challenge has been used: request a new one");
        else if (e == IDP_E_INVALID_GRANT)
            out = idp_fail(IDP_E_CHALLENGE_EXPIRED, "this challenge has expired: request a new one");
        else
            out = idp_fail_store(e);
        goto Exit;
    }
    const char *why = NULL;
    if (strcmp(type, c.purpose) != 0)
        why = "cert_type does not match the challenge";
    else if ((e = idp_store_login_tx_get(o->store, c.login_tx, tx)) != IDP_OK)
        why = e == IDP_E_NOT_FOUND ? "the login has expired: start again" : "";
    else if (!idp_card_body_decode(req->arena, auth->cert64, auth->sig64, &auth->der, &auth->der_len, auth->sig,
                                   &auth->sig_len) ||
             (both && !idp_card_body_decode(req->arena, sign->cert64, sign->sig64, &sign->der, &sign->der_len,
                                            sign->sig, &sign->sig_len)))
        why = "certificate or signature is not valid base64";
    if (why) {
        idp_oauth_logged(idp_store_card_challenge_finish(o->store, c.id, "failed", "invalid_request"),
                         "card_challenge_finish");
        if (*why)
            out = idp_fail(IDP_E_INVALID_REQUEST, why);
        else
            out = idp_fail_store(e);
        goto Exit;
    }

    /* An application's signature (app_sign.c): the signing key alone, over the CMS attributes, in a consent step */
    if (!strcmp(c.purpose, "app")) {
        out = idp_app_sign_verify(o, req, resp, &c, tx, auth->der, auth->der_len, auth->sig, auth->sig_len);
        goto Exit;
    }
    /* Every certificate and signature is checked before anything is written. */
    idp_jpki_reason_t reason = verify_key(o, req, IDP_JPKI_AUTH, &c, tx, auth);
    const idp_jpki_result_t *refused = reason != IDP_JPKI_OK ? &auth->res : NULL;
    if (refused == NULL && both && verify_key(o, req, IDP_JPKI_SIGN, &c, tx, sign) != IDP_JPKI_OK)
        refused = &sign->res;
    char detail[200];
    snprintf(detail, sizeof(detail), "{\"purpose\":\"%s\",\"reason\":\"%s\"}", c.purpose,
             idp_jpki_reason_code(refused ? refused->reason : IDP_JPKI_OK)); /* fixed vocabulary: no escaping needed */
    if (refused) {
        idp_oauth_logged(idp_store_audit(o->store, "card_login_refused", NULL, detail), "audit");
        idp_oauth_logged(
            idp_store_card_challenge_finish(o->store, c.id, "failed", idp_jpki_reason_code(refused->reason)),
            "card_challenge_finish");
        out = refuse(idp_jpki_reason_code(refused->reason));
        goto Exit;
    }
    /* Where J-LIS 証明書紐付け情報 was imported, it must agree that these two certificates are one card's. */
    if (both && (e = idp_store_pair_check(o->store, sign->res.issuer_key_id, sign->res.serial, auth->res.issuer_key_id,
                                          auth->res.serial)) != IDP_OK) {
        idp_oauth_logged(idp_store_card_challenge_finish(o->store, c.id, "failed",
                                                         e == IDP_E_CONFLICT ? "pair_mismatch" : "server_error"),
                         "card_challenge_finish");
        out = e == IDP_E_CONFLICT ? refuse("pair_mismatch") : idp_fail_store(e);
        goto Exit;
    }

    sign_in_t outcome;
    char resident[64];
    bool created = false;
    e = sign_in(o, tx, &c, &auth->res, both ? &sign->res : NULL, detail, &outcome, resident, &created);
    if (e != IDP_OK || (outcome != SIGNED_IN && outcome != NEW_CARD)) {
        static const char *const codes[] = {"",         "",          "card_mismatch", "already_linked",
                                            "conflict", "malformed", "login_ended"};
        idp_oauth_logged(
            idp_store_card_challenge_finish(o->store, c.id, "failed", e != IDP_OK ? "server_error" : codes[outcome]),
            "card_challenge_finish");
        if (e != IDP_OK) /* nothing of it was written (one transaction): the resident may try again */
            out = idp_fail_store(IDP_E_UNAVAILABLE);
        else if (outcome == CARD_MISMATCH)
            out = refuse("card_mismatch");
        else if (outcome == ALREADY_LINKED)
            out = idp_fail(IDP_E_ALREADY_LINKED, card_message("already_linked", req->lang));
        else if (outcome == SIGN_CONFLICT)
            out = idp_fail(IDP_E_LINKED_ELSEWHERE, "this signing certificate belongs to another resident");
        else if (outcome == BAD_ATTRS)
            out = refuse("malformed");
        else /* the login was continued, expired, or its session signed out meanwhile */
            out = idp_fail(IDP_E_INVALID_REQUEST, "this sign-in has ended: start again");
        goto Exit;
    }
    /* The challenge's status and the audit rows were written with the rest (sign_in). */
    idp_oauth_json(req, resp, 200,
                   json_pack("{s:s, s:b, s:b}", "status", "authenticated", "new_resident",
                             outcome == NEW_CARD || created, "enrolled", both && outcome == SIGNED_IN));
Exit:
    json_decref(j);
    return out;
}

idp_outcome_t idp_oauth_card_status(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_outcome_t out = idp_ok();
    if (o->jpki == NULL) {
        out = idp_fail(IDP_E_NOT_FOUND, "card login is not configured");
        return out;
    }
    const char *id = NULL;
    idp_store_card_challenge_t c;
    idp_err_t e = req->form ? idp_params_get(req->form, "challenge_id", &id) : IDP_E_NOT_FOUND;
    if (e != IDP_OK || strlen(id) > 63) {
        out = idp_fail(IDP_E_INVALID_REQUEST, "challenge_id is required (once)");
        return out;
    }
    if ((e = idp_store_card_challenge_get(o->store, id, &c)) != IDP_OK) {
        if (e == IDP_E_NOT_FOUND)
            out = idp_fail(IDP_E_UNKNOWN_CHALLENGE, "no such challenge");
        else
            out = idp_fail_store(e);
        return out;
    }
    /* The page's language (its script sends ui_locales), then the request's (issue #18 item 5). */
    const char *ui = NULL;
    if (idp_params_get(req->form, "ui_locales", &ui) != IDP_OK)
        ui = NULL;
    const char *lang = idp_page_lang(req, ui);
    json_t *body = json_pack("{s:s}", "status", c.status);
    if (c.expires_at <= req->now && !strcmp(c.status, "pending"))
        json_object_set_new(body, "status", json_string("expired"));
    if (c.reason[0]) {
        json_object_set_new(body, "reason", json_string(c.reason));
        for (int r = 0; r < IDP_JPKI__COUNT; r++)
            if (!strcmp(c.reason, idp_jpki_reason_code((idp_jpki_reason_t)r)))
                json_object_set_new(body, "message",
                                    json_string(card_message(idp_jpki_reason_code((idp_jpki_reason_t)r), lang)));
    }
    idp_oauth_json(req, resp, 200, body);
    return out;
}

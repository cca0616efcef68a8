/*
 * My Number card login, the protocol side (jpki.md "Proposed exchange"):
 * single-use challenges bound to a login transaction, verification of the
 * card's certificate and signature over the message the server rebuilds,
 * card identities, and signing-certificate enrolment. No HTTP, no SQL.
 *
 * Errors are JSON {"error", "error_description"}; a refused card is
 * 403 {"error": "card_rejected", "reason": <jpki reason code>, "message": <for the resident>}.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "core/log.h"
#include "core/rand.h"
#include "oauth/internal.h"


void idp_oauth_json(idp_oauth_req_t *req, idp_oauth_resp_t *resp, int status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    resp->status = text ? status : 500;
    resp->body = text ? idp_arena_strdup(req->arena, text) : NULL;
    free(text);
    if (resp->body == NULL) {
        resp->status = 500;
        resp->body = "{\"error\":\"server_error\"}";
    }
    resp->body_len = strlen(resp->body);
}

static void fail(idp_oauth_req_t *req, idp_oauth_resp_t *resp, int status, const char *code, const char *desc)
{
    idp_oauth_json(req, resp, status, json_pack("{s:s, s:s}", "error", code, "error_description", desc));
}

static void store_fail(idp_oauth_req_t *req, idp_oauth_resp_t *resp, idp_err_t e)
{
    idp_oauth_error(req, resp, e == IDP_E_UNAVAILABLE ? e : IDP_E_SERVER_ERROR, NULL);
}

static bool configured(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    if (o->jpki == NULL)
        fail(req, resp, 404, "not_found", "card login is not configured");
    return o->jpki != NULL;
}

/*
 * The client address under its rate (jpki.rate_per_minute). Charged only
 * for a well-formed request that names a live login or challenge, so that
 * junk neither costs a resident behind the same address their attempts nor
 * reaches the database more than once.
 */
static bool charge(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    if (o->card_limit && !idp_ratelimit_take(o->card_limit, req->remote_addr ? req->remote_addr : "", req->now_ms)) {
        fail(req, resp, 429, "slow_down", "too many card requests from this address; try again in a minute");
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
static bool breaker(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    if (o->card_breaker && !idp_ratelimit_take(o->card_breaker, "*", req->now_ms)) {
        idp_log_msg(IDP_LOG_WARN, "card_breaker_open", "card verifications over jpki.max_verifications_per_second");
        fail(req, resp, 503, "temporarily_unavailable", "card sign-in is busy; try again in a few seconds");
        return false;
    }
    return true;
}

static json_t *parse_body(idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    json_error_t je;
    json_t *j = req->body ? json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        fail(req, resp, 400, "invalid_request", "the body must be a JSON object");
        return NULL;
    }
    return j;
}

static const char *str_field(json_t *j, const char *name, size_t max)
{
    const char *v = json_string_value(json_object_get(j, name));
    return v && *v && strlen(v) <= max ? v : NULL;
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

static void url_param(idp_buf_t *b, const char *name, const char *value)
{
    char *esc = curl_easy_escape(NULL, value, 0);
    idp_buf_printf(b, "%s%s=%s", b->len && !strchr(idp_buf_cstr(b), '?') ? "?" : "&", name, esc ? esc : "");
    curl_free(esc);
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
    /* The link the login page shows and puts in its QR code: everything the app needs (jpki.md). */
    idp_buf_t b, verify;
    idp_buf_init(&b, 8192);
    idp_buf_init(&verify, 4096);
    idp_buf_printf(&b, "%s/login/card/app", o->cfg->issuer);
    url_param(&b, "challenge_id", c.id);
    url_param(&b, "nonce", nonce);
    url_param(&b, "purpose", purpose);
    url_param(&b, "client_id", tx->client_id);
    url_param(&b, "redirect_uri", tx->redirect_uri);
    url_param(&b, "oidc_nonce", tx->oidc_nonce);
    idp_buf_printf(&verify, "%s/login/card/verify", o->cfg->issuer);
    url_param(&b, "verify", idp_buf_cstr(&verify));
    idp_buf_free(&verify);
    *link = idp_buf_steal(&b);
    idp_buf_free(&b);
    if (*link == NULL)
        return IDP_E_NOMEM;
    snprintf(challenge_id, 64, "%s", c.id);
    return IDP_OK;
}

void idp_oauth_card_challenge(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    if (!configured(o, req, resp))
        return;
    json_t *j = parse_body(req, resp);
    if (j == NULL)
        return;
    const char *tx_id = str_field(j, "login_tx", 63), *purpose = json_string_value(json_object_get(j, "purpose"));
    idp_store_login_tx_t *tx = idp_arena_alloc(req->arena, sizeof(*tx));
    idp_err_t e;
    if (purpose == NULL)
        purpose = "auth";
    if (tx_id == NULL || (strcmp(purpose, "auth") && strcmp(purpose, "sign"))) {
        fail(req, resp, 400, "invalid_request", "login_tx is required; purpose is auth or sign");
    } else if (tx == NULL) {
        idp_oauth_error(req, resp, IDP_E_TOO_LARGE, NULL);
    } else if ((e = idp_store_login_tx_get(o->store, tx_id, tx)) != IDP_OK || tx->continued) {
        if (e == IDP_E_NOT_FOUND || e == IDP_OK)
            fail(req, resp, 400, "invalid_request", "no such login, or it has expired: start again");
        else
            store_fail(req, resp, e);
    } else if (!charge(o, req, resp)) {
        /* answered */
    } else if (!strcmp(purpose, "sign") && !tx->resident_id[0]) {
        fail(req, resp, 400, "invalid_request", "sign in with the authentication certificate before enrolling");
    } else {
        char id[64], n64[64], *link = NULL;
        e = idp_card_challenge_new(o, tx, purpose, id, n64, &link);
        if (e == IDP_E_CONFLICT) {
            fail(req, resp, 429, "slow_down", "too many card attempts for this login: start again");
        } else if (e != IDP_OK) {
            store_fail(req, resp, e);
        } else {
            idp_oauth_json(req, resp, 200,
                           json_pack("{s:s, s:s, s:i, s:s, s:s}", "challenge_id", id, "nonce", n64, "expires_in",
                                     o->cfg->jpki_challenge_seconds, "purpose", purpose, "link", link));
        }
        free(link);
    }
    json_decref(j);
}

/* Sakai City's wards (product.md §5); the address must start with 大阪府堺市 and name one of them. */
static const char *sakai_ward(const char *address)
{
    static const char prefix[] = "大阪府堺市";
    static const char *const wards[] = {"堺区", "中区", "東区", "西区", "南区", "北区", "美原区", NULL};
    if (strncmp(address, prefix, sizeof(prefix) - 1) != 0)
        return NULL;
    for (const char *const *w = wards; *w; w++)
        if (!strncmp(address + sizeof(prefix) - 1, *w, strlen(*w)))
            return *w;
    return NULL;
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

/* Decodes the certificate (base64, or base64url as a courtesy) and the signature (base64url). */
static bool decode_inputs(idp_oauth_req_t *req, const char *cert64, const char *sig64, unsigned char **der,
                          size_t *der_len, unsigned char *sig, size_t *sig_len)
{
    size_t n = strlen(cert64);
    *der = idp_arena_alloc(req->arena, n + 3);
    if (*der == NULL)
        return false;
    if (idp_b64_decode(cert64, n, *der, n + 3, der_len) != IDP_OK &&
        idp_b64url_decode(cert64, n, *der, n + 3, der_len) != IDP_OK)
        return false;
    return idp_b64url_decode(sig64, strlen(sig64), sig, 512, sig_len) == IDP_OK;
}

void idp_oauth_card_verify(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    if (!configured(o, req, resp))
        return;
    json_t *j = parse_body(req, resp);
    if (j == NULL)
        return;
    const char *id = str_field(j, "challenge_id", 63), *type = json_string_value(json_object_get(j, "cert_type"));
    const char *cert64 = str_field(j, "certificate", (IDP_JPKI_MAX_CERT + 2) / 3 * 4);
    const char *sig64 = str_field(j, "signature", 700);
    idp_store_card_challenge_t c;
    idp_store_login_tx_t *tx = idp_arena_alloc(req->arena, sizeof(*tx));
    idp_jpki_result_t *res = idp_arena_alloc(req->arena, sizeof(*res));
    unsigned char *der = NULL, sig[512];
    size_t der_len = 0, sig_len = 0;
    idp_err_t e;
    if (tx == NULL || res == NULL) {
        idp_oauth_error(req, resp, IDP_E_TOO_LARGE, NULL);
        goto Exit;
    }
    if (id == NULL || cert64 == NULL || sig64 == NULL || type == NULL || (strcmp(type, "auth") && strcmp(type, "sign"))) {
        fail(req, resp, 400, "invalid_request",
             "challenge_id, cert_type (auth|sign), certificate (base64 DER, at most 4 KiB) and signature are required");
        goto Exit;
    }
    /* A live, pending challenge is named: only then is the address charged, and the breaker consulted. */
    if ((e = idp_store_card_challenge_get(o->store, id, &c)) == IDP_OK &&
        c.expires_at > req->now && !c.used && (!charge(o, req, resp) || !breaker(o, req, resp)))
        goto Exit;
    /* Single use: the challenge is spent by this attempt, whatever its outcome. */
    if ((e = idp_store_card_challenge_take(o->store, id, &c)) != IDP_OK) {
        if (e == IDP_E_NOT_FOUND)
            fail(req, resp, 400, "invalid_challenge", "no such challenge");
        else if (e == IDP_E_CONFLICT)
            fail(req, resp, 400, "challenge_used", "this challenge has been used: request a new one");
        else if (e == IDP_E_INVALID_GRANT)
            fail(req, resp, 400, "challenge_expired", "this challenge has expired: request a new one");
        else
            store_fail(req, resp, e);
        goto Exit;
    }
    const char *why = NULL;
    if (strcmp(type, c.purpose) != 0)
        why = "cert_type does not match the challenge";
    else if ((e = idp_store_login_tx_get(o->store, c.login_tx, tx)) != IDP_OK)
        why = e == IDP_E_NOT_FOUND ? "the login has expired: start again" : "";
    else if (!decode_inputs(req, cert64, sig64, &der, &der_len, sig, &sig_len))
        why = "certificate or signature is not valid base64";
    if (why) {
        idp_store_card_challenge_finish(o->store, c.id, "failed", "invalid_request");
        if (*why)
            fail(req, resp, 400, "invalid_request", why);
        else
            store_fail(req, resp, e);
        goto Exit;
    }

    /* The message is rebuilt from our own state: the card's signature covers this login only. */
    unsigned char msg[IDP_JPKI_MESSAGE_MAX];
    idp_jpki_purpose_t purpose = !strcmp(c.purpose, "sign") ? IDP_JPKI_SIGN : IDP_JPKI_AUTH;
    size_t msg_len = idp_jpki_message(purpose, c.nonce, tx->client_id, tx->redirect_uri, tx->oidc_nonce, msg);
    idp_jpki_verify(o->jpki, purpose, der, der_len, msg, msg_len, sig, sig_len, (time_t)req->now, res);
    log_result(purpose == IDP_JPKI_AUTH ? "card_login" : "card_enrol", &c, res);
    char detail[160];
    snprintf(detail, sizeof(detail), "{\"purpose\":\"%s\",\"reason\":\"%s\"}", c.purpose,
             idp_jpki_reason_code(res->reason)); /* fixed vocabulary: no escaping needed */
    if (res->reason != IDP_JPKI_OK) {
        idp_store_audit(o->store, "card_login_refused", NULL, detail);
        idp_store_card_challenge_finish(o->store, c.id, "failed", idp_jpki_reason_code(res->reason));
        idp_oauth_json(req, resp, 403,
                       json_pack("{s:s, s:s, s:s}", "error", "card_rejected", "reason", idp_jpki_reason_code(res->reason),
                                 "message", idp_jpki_reason_text(res->reason, req->lang)));
        goto Exit;
    }

    idp_store_card_cert_t cert = {.purpose = c.purpose, .issuer_key_id = res->issuer_key_id, .serial = res->serial,
                                  .not_after = res->not_after};
    memcpy(cert.sha256, res->cert_sha256, 32);
    json_t *out = NULL;
    if (purpose == IDP_JPKI_AUTH) {
        char resident[64], *fresh = idp_random_token_new(16);
        bool created = false;
        if (tx->link_resident[0]) {
            /* A resident signed in otherwise is adding this card (product.md §7), while that session lives. */
            e = session_live(o, tx->link_resident, tx->session_sid) ? idp_store_card_link(o->store, &cert, tx->link_resident)
                                                                      : IDP_E_NOT_FOUND;
            snprintf(resident, sizeof(resident), "%s", tx->link_resident);
        } else {
            e = fresh ? idp_store_card_resident(o->store, &cert, fresh, resident, &created) : IDP_E_NOMEM;
        }
        free(fresh);
        char credential[48];
        if (e == IDP_OK && !idp_credential_key("card", res->issuer_key_id, res->serial, credential))
            e = IDP_E_NOMEM;
        if (e == IDP_OK)
            e = idp_store_login_tx_authenticate(o->store, c.login_tx, resident, ACR_CARD, credential);
        if (e == IDP_OK)
            idp_store_audit(o->store, "card_login", resident, detail);
        if (e == IDP_OK)
            out = json_pack("{s:s, s:b}", "status", "authenticated", "new_resident", created);
    } else {
        const char *ward = sakai_ward(res->attrs.address);
        idp_store_attrs_t a = {.name = res->attrs.name, .name_alt = res->attrs.name_alt, .gender = res->attrs.gender,
                               .birth_date = res->attrs.birth_date, .address = res->attrs.address,
                               .address_alt = res->attrs.address_alt, .sakai_resident = ward != NULL, .sakai_ward = ward};
        e = idp_store_card_enrol_sign(o->store, tx->resident_id, &cert, &a);
        if (e == IDP_OK)
            out = json_pack("{s:s, s:b}", "status", "enrolled", "sakai_resident", ward != NULL);
    }
    if (e != IDP_OK) {
        idp_store_card_challenge_finish(o->store, c.id, "failed",
                                        e == IDP_E_CONFLICT ? "conflict" : e == IDP_E_NOT_FOUND ? "login_ended" : "server_error");
        if (e == IDP_E_NOT_FOUND) /* the login was continued, expired, or its session signed out meanwhile */
            fail(req, resp, 400, "invalid_request", "this sign-in has ended: start again");
        else if (e == IDP_E_CONFLICT && purpose == IDP_JPKI_AUTH)
            fail(req, resp, 409, "already_linked",
                 !strcmp(req->lang, "en") ? "This card belongs to another SakaI-D and cannot be added to this one."
                                          : "このカードは別の SakaI-D に登録済みのため、追加できません。");
        else if (e == IDP_E_CONFLICT)
            fail(req, resp, 409, "conflict", "this signing certificate belongs to another resident");
        else
            store_fail(req, resp, e);
        goto Exit;
    }
    idp_store_card_challenge_finish(o->store, c.id, "authenticated", NULL);
    if (purpose == IDP_JPKI_SIGN)
        idp_store_audit(o->store, "card_enrolled", tx->resident_id, detail);
    idp_oauth_json(req, resp, 200, out);
Exit:
    json_decref(j);
}

void idp_oauth_card_status(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    if (o->jpki == NULL) {
        fail(req, resp, 404, "not_found", "card login is not configured");
        return;
    }
    const char *id = NULL;
    idp_store_card_challenge_t c;
    idp_err_t e = req->form ? idp_params_get(req->form, "challenge_id", &id) : IDP_E_NOT_FOUND;
    if (e != IDP_OK || strlen(id) > 63) {
        fail(req, resp, 400, "invalid_request", "challenge_id is required (once)");
        return;
    }
    if ((e = idp_store_card_challenge_get(o->store, id, &c)) != IDP_OK) {
        if (e == IDP_E_NOT_FOUND)
            fail(req, resp, 404, "invalid_challenge", "no such challenge");
        else
            store_fail(req, resp, e);
        return;
    }
    json_t *out = json_pack("{s:s}", "status", c.status);
    if (c.expires_at <= req->now && !strcmp(c.status, "pending"))
        json_object_set_new(out, "status", json_string("expired"));
    if (c.reason[0]) {
        json_object_set_new(out, "reason", json_string(c.reason));
        for (int r = 0; r < IDP_JPKI__COUNT; r++)
            if (!strcmp(c.reason, idp_jpki_reason_code((idp_jpki_reason_t)r)))
                json_object_set_new(out, "message", json_string(idp_jpki_reason_text((idp_jpki_reason_t)r, req->lang)));
    }
    idp_oauth_json(req, resp, 200, out);
}

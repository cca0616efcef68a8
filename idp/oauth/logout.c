/*
 * Logout: RP-Initiated Logout 1.0 (the end_session endpoint) and
 * Back-Channel Logout 1.0 (logout tokens, queued in PostgreSQL and
 * delivered with retries by idp_oauth_deliver_logouts). Consent revocation
 * (account.c) queues logout tokens too.
 */
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/rand.h"
#include "jose/jwt.h"
#include "jose/verify.h"
#include "oauth/clients.h"
#include "oauth/internal.h"

#define BCL_EVENT "http://schemas.openid.net/event/backchannel-logout"
#define DELIVERY_TIMEOUT_MS 3000
#define DELIVERY_MAX_ATTEMPTS 12
#define DELIVERY_BATCH 8

/* Back-Channel Logout 1.0 §2.4: iss, aud, iat, exp, jti, events, and sub and/or sid; never a nonce. "The same rules
 * for signing and encryption that apply to ID Tokens apply to Logout Tokens": the client's ID token algorithm. */
static idp_err_t logout_token(idp_oauth_t *o, const idp_client_t *cl, const char *sub, const char *sid, char **out)
{
    long long now = (long long)time(NULL);
    char *jti = idp_random_token_new(16);
    json_t *claims =
        json_pack("{s:s, s:s, s:I, s:I, s:s, s:{s:{}}}", "iss", o->cfg->issuer, "aud", cl->id, "iat", (json_int_t)now,
                  "exp", (json_int_t)(now + 120), "jti", jti ? jti : "", "events", BCL_EVENT);
    if (claims && sub)
        json_object_set_new(claims, "sub", json_string(sub));
    if (claims && sid && *sid)
        json_object_set_new(claims, "sid", json_string(sid));
    char *text = claims ? json_dumps(claims, JSON_COMPACT) : NULL;
    json_decref(claims);
    free(jti);
    idp_keyset_t *ks = idp_keystore_get(o->keys);
    const idp_jose_key_t *key =
        ks ? idp_keyset_signer(ks, idp_alg_from_name(cl->id_token_alg ? cl->id_token_alg : "RS256")) : NULL;
    idp_err_t e = text && key ? idp_jwt_sign(key, "logout+jwt", text, out) : IDP_E_SERVER_ERROR;
    idp_keyset_release(ks);
    free(text);
    return e;
}

/* Queues a logout token for one client if it registered a back-channel logout URI. */
static void enqueue(idp_oauth_t *o, const idp_client_t *cl, const char *resident_id, const char *sid)
{
    const char *uri = cl->backchannel_logout_uri, *client_id = cl->id;
    if (uri == NULL)
        return;
    char sub[64], *token = NULL;
    idp_subject(o, cl, resident_id, sub);
    /* §2.4: sid when the session is the point; the client may require it (backchannel_logout_session_required). */
    if (logout_token(o, cl, sub, sid, &token) == IDP_OK &&
        idp_store_delivery_enqueue(o->store, client_id, uri, token) == IDP_OK) {
        idp_log_t l;
        idp_log_begin(&l, IDP_LOG_INFO, "backchannel_logout_queued");
        idp_log_str(&l, "client_id", client_id);
        idp_log_end(&l);
    } else {
        idp_log_msg(IDP_LOG_ERROR, "backchannel_logout_failed", "cannot queue a logout token for %s", client_id);
    }
    free(token);
}

void idp_logout_client(idp_oauth_t *o, const char *client_id, const char *resident_id)
{
    const idp_client_t *cl = NULL;
    if (idp_clients_get(o, client_id, &cl) == IDP_OK)
        enqueue(o, cl, resident_id, NULL);
    idp_client_unref(cl);
}

void idp_logout_session(idp_oauth_t *o, const char *resident_id, const char *sid)
{
    char(*clients)[256] = NULL;
    size_t n = 0;
    /* Nothing begun in the session outlives it: a pending or signed-in login transaction of it cannot be
     * continued into a new session (issue #14). */
    if (idp_store_login_tx_end(o->store, NULL, sid, NULL) != IDP_OK)
        idp_log_msg(IDP_LOG_WARN, "logout_incomplete", "cannot end the login transactions of a session");
    if (idp_store_session_clients(o->store, sid, &clients, &n) != IDP_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        const idp_client_t *cl = NULL;
        if (idp_clients_get(o, clients[i], &cl) == IDP_OK)
            enqueue(o, cl, resident_id, sid);
        idp_client_unref(cl);
    }
    free(clients);
    char detail[128];
    snprintf(detail, sizeof(detail), "{\"sid\":\"%s\",\"clients\":%zu}", sid, n); /* sid is base64url */
    idp_oauth_logged(idp_store_audit(o->store, "logout", resident_id, detail), "audit");
}

/*
 * Back-Channel Logout 1.0 §2.5: POST logout_token as application/x-www-form-urlencoded; 200 (or 204)
 * means received. Through the outbound-HTTP module, with this delivery's timeout; the body is dropped.
 */
static bool deliver(const idp_net_t *net, const idp_store_delivery_t *d, char *err, size_t errlen)
{
    idp_buf_t form;
    idp_buf_init(&form, IDP_JWS_MAX_BYTES * 3 + 16);
    char *tok = curl_easy_escape(NULL, d->logout_token, 0);
    bool ok = false;
    if (tok == NULL || idp_buf_printf(&form, "logout_token=%s", tok) != IDP_OK) {
        snprintf(err, errlen, "cannot encode the logout token");
        goto Exit;
    }
    idp_net_req_t req = {
        .method = IDP_NET_POST_FORM,
        .url = d->uri,
        .form = idp_buf_cstr(&form),
        .timeout_ms = DELIVERY_TIMEOUT_MS,
        .max_bytes = 0, /* §2.8: the status is the answer; the body is read and dropped */
    };
    idp_net_resp_t resp;
    idp_err_t e = idp_net_perform(net, &req, &resp, err, errlen);
    ok = e == IDP_OK && (resp.status == 200 || resp.status == 204);
    if (e == IDP_OK && !ok)
        snprintf(err, errlen, "HTTP %ld", resp.status);
    idp_net_resp_free(&resp);
Exit:
    curl_free(tok);
    idp_buf_free(&form);
    return ok;
}

/*
 * Back-channel logout for /metrics (idp_oauth_logout_metrics), for this
 * process: deliveries by outcome, and the backlog as the worker last saw
 * it (all nodes' deliveries: the queue is in the database).
 */
static atomic_ullong delivered_total, retried_total, gave_up_total;
static atomic_llong backlog = -1, backlog_oldest;

void idp_oauth_logout_metrics(idp_buf_t *out)
{
    idp_buf_printf(out,
                   "# HELP sakaid_backchannel_logout_deliveries_total Back-channel logout deliveries by outcome.\n"
                   "# TYPE sakaid_backchannel_logout_deliveries_total counter\n"
                   "sakaid_backchannel_logout_deliveries_total{result=\"delivered\"} %llu\n"
                   "sakaid_backchannel_logout_deliveries_total{result=\"retry\"} %llu\n"
                   "sakaid_backchannel_logout_deliveries_total{result=\"gave_up\"} %llu\n",
                   atomic_load(&delivered_total), atomic_load(&retried_total), atomic_load(&gave_up_total));
    long long n = atomic_load(&backlog);
    if (n < 0) /* the worker has not looked yet */
        return;
    idp_buf_printf(out,
                   "# HELP sakaid_backchannel_logout_pending Deliveries neither delivered nor given up, as the "
                   "worker last counted them.\n# TYPE sakaid_backchannel_logout_pending gauge\n"
                   "sakaid_backchannel_logout_pending %lld\n"
                   "# HELP sakaid_backchannel_logout_oldest_pending_seconds Age of the oldest of them.\n"
                   "# TYPE sakaid_backchannel_logout_oldest_pending_seconds gauge\n"
                   "sakaid_backchannel_logout_oldest_pending_seconds %lld\n",
                   n, atomic_load(&backlog_oldest));
}

int idp_oauth_deliver_logouts(idp_oauth_t *o, const atomic_bool *stop)
{
    idp_store_delivery_t *rows = NULL;
    size_t n = 0;
    int delivered = 0;
    long long pending, oldest;
    if (idp_store_deliveries_pending(o->store, &pending, &oldest) == IDP_OK) {
        atomic_store(&backlog_oldest, oldest);
        atomic_store(&backlog, pending);
    }
    if (idp_store_deliveries_due(o->store, DELIVERY_BATCH, 60, &rows, &n) != IDP_OK)
        return 0;
    for (size_t i = 0; i < n && !(stop && atomic_load(stop)); i++) {
        char err[256] = "";
        bool ok = deliver(o->net, &rows[i], err, sizeof(err));
        /* back-off: base, 2 base, 4 base, ... at most an hour; give up after DELIVERY_MAX_ATTEMPTS */
        int attempts = rows[i].attempts + 1;
        long long retry = (long long)o->cfg->logout_retry_seconds << (attempts < 12 ? attempts - 1 : 11);
        int next = attempts >= DELIVERY_MAX_ATTEMPTS ? -1 : (int)(retry > 3600 ? 3600 : retry);
        idp_oauth_logged(idp_store_delivery_result(o->store, rows[i].id, ok, err, next), "delivery_result");
        idp_log_t l;
        idp_log_begin(&l, ok ? IDP_LOG_INFO : IDP_LOG_WARN,
                      ok ? "backchannel_logout_delivered" : "backchannel_logout_retry");
        idp_log_str(&l, "client_id", rows[i].client_id);
        idp_log_int(&l, "attempt", attempts);
        if (!ok)
            idp_log_str(&l, "error", err);
        idp_log_end(&l);
        delivered += ok;
        atomic_fetch_add(ok ? &delivered_total : next < 0 ? &gave_up_total : &retried_total, 1);
    }
    idp_store_deliveries_free(rows, n);
    return delivered;
}

/* ---- RP-Initiated Logout 1.0 ------------------------------------------------------- */

/* The CSRF token of the logout confirmation: bound to the session. */
static void logout_csrf(idp_oauth_t *o, const char *sid, char out[64])
{
    idp_keyed_token(o, "logout-csrf", sid, out);
}

/*
 * GET/POST /logout (RP-Initiated Logout 1.0 §2, §3). A bad or foreign
 * id_token_hint, a client_id that disagrees with it, or a
 * post_logout_redirect_uri not registered exactly for that client gets an
 * error page and never a redirect. With a hint that names this session's
 * resident the session ends at once; otherwise the resident confirms.
 */
idp_outcome_t idp_oauth_logout(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    const char *hint = NULL, *client_id = NULL, *uri = NULL, *state = NULL, *ui = NULL, *csrf = NULL;
    const idp_params_t *p = req->form;
    if (idp_params_get(p, "id_token_hint", &hint) == IDP_E_INVALID_REQUEST ||
        idp_params_get(p, "client_id", &client_id) == IDP_E_INVALID_REQUEST ||
        idp_params_get(p, "post_logout_redirect_uri", &uri) == IDP_E_INVALID_REQUEST ||
        idp_params_get(p, "state", &state) == IDP_E_INVALID_REQUEST) {
        return idp_fail(IDP_E_INVALID_REQUEST, "a parameter is repeated");
    }
    idp_params_get(p, "ui_locales", &ui);
    idp_params_get(p, "csrf", &csrf);
    const char *lang = ui && !strncmp(ui, "en", 2) ? "en" : req->lang;

    /* §2: the hint must be an ID token we issued (expired ones are fine). */
    char hint_sub[256] = "", hint_aud[256] = "", hint_sid[64] = "";
    if (hint) {
        json_t *payload = NULL;
        idp_err_t e = idp_own_verify(o, hint, NULL, &payload); /* refuses over IDP_JWS_MAX_BYTES */
        const char *iss = json_string_value(json_object_get(payload, "iss"));
        const char *aud = json_string_value(json_object_get(payload, "aud"));
        if (e != IDP_OK || !iss || strcmp(iss, o->cfg->issuer) || !aud) {
            json_decref(payload);
            return idp_in_lang(idp_fail(IDP_E_INVALID_REQUEST, "id_token_hint is not an ID token we issued"), lang);
        }
        snprintf(hint_aud, sizeof(hint_aud), "%s", aud);
        const char *hs = json_string_value(json_object_get(payload, "sub"));
        const char *hd = json_string_value(json_object_get(payload, "sid"));
        snprintf(hint_sub, sizeof(hint_sub), "%s", hs ? hs : "");
        snprintf(hint_sid, sizeof(hint_sid), "%s", hd ? hd : "");
        json_decref(payload);
        if (client_id && strcmp(client_id, hint_aud) != 0) {
            return idp_in_lang(idp_fail(IDP_E_INVALID_REQUEST, "client_id does not match id_token_hint"), lang);
        }
        client_id = idp_arena_strdup(req->arena, hint_aud);
    }
    idp_err_t me = IDP_OK;
    const idp_client_t *cl = NULL;
    if (client_id && (me = idp_clients_get(o, client_id, &cl)) != IDP_OK) {
        return idp_in_lang(
            me == IDP_E_NOT_FOUND ? idp_fail(IDP_E_INVALID_REQUEST, "unknown client") : idp_fail_store(me), lang);
    }
    /* §3: only a URI registered exactly for this client, and only when we know the client. */
    if (uri && (cl == NULL || !idp_client_has(cl->post_logout_redirect_uris, uri))) {
        idp_client_unref(cl);
        return idp_in_lang(
            idp_fail(IDP_E_INVALID_REQUEST, "post_logout_redirect_uri is not registered for this client"), lang);
    }

    unsigned char h[32];
    idp_store_session_t s;
    bool has = idp_browser_session(o, req, &s, h);
    bool confirmed = false;
    if (has) {
        char want[64], sub[64];
        logout_csrf(o, s.sid, want);
        confirmed = csrf && strlen(csrf) == strlen(want) && idp_ct_equal(csrf, want, strlen(want));
        if (!confirmed && hint && cl) {
            idp_subject(o, cl, s.resident_id, sub);
            confirmed = !strcmp(sub, hint_sub) && (!hint_sid[0] || !strcmp(hint_sid, s.sid));
        }
        if (!confirmed) {
            /* §2: without a hint naming this resident, the OP asks before signing out. */
            char c[64];
            logout_csrf(o, s.sid, c);
            json_t *fields = json_pack("{s:s}", "csrf", c);
            if (client_id)
                json_object_set_new(fields, "client_id", json_string(client_id));
            if (uri)
                json_object_set_new(fields, "post_logout_redirect_uri", json_string(uri));
            if (state)
                json_object_set_new(fields, "state", json_string(state));
            if (ui)
                json_object_set_new(fields, "ui_locales", json_string(ui));
            idp_page_logout(req, resp, lang, fields);
            json_decref(fields);
            idp_client_unref(cl);
            return idp_ok();
        }
        idp_store_session_t ended;
        if (idp_store_session_end(o->store, h, &ended) == IDP_OK)
            idp_logout_session(o, ended.resident_id, ended.sid);
    }
    /* This browser's pending sign-ins end with it (signed in or not): none can be continued after logout. */
    const char *browser = idp_cookie_get(req->arena, req->cookie, COOKIE_BROWSER);
    if (browser) {
        unsigned char bh[32];
        idp_sha256(browser, strlen(browser), bh);
        if (idp_store_login_tx_end(o->store, bh, NULL, NULL) != IDP_OK)
            idp_log_msg(IDP_LOG_WARN, "logout_incomplete", "cannot end this browser's login transactions");
    }
    idp_client_unref(cl);
    /* The cookie goes either way. */
    bool secure = strncmp(o->cfg->issuer, "https://", 8) == 0;
    resp->set_cookie[0] = secure ? COOKIE_SESSION "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure"
                                 : COOKIE_SESSION "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax";
    if (uri) {
        idp_buf_t b;
        idp_buf_init(&b, 8192);
        idp_buf_puts(&b, uri);
        if (state) {
            char *v = curl_easy_escape(NULL, state, 0);
            if (v == NULL)
                idp_buf_set_error(&b, IDP_E_NOMEM); /* never a redirect that drops state */
            else
                idp_buf_printf(&b, "%sstate=%s", strchr(uri, '?') ? "&" : "?", v);
            curl_free(v);
        }
        char *loc = b.data ? idp_arena_strndup(req->arena, b.data, b.len) : NULL;
        idp_buf_free(&b);
        if (loc) {
            idp_see_other(resp, loc);
            return idp_ok();
        }
    }
    const char *cookie_set = resp->set_cookie[0];
    idp_page_logout(req, resp, lang, NULL);
    resp->set_cookie[0] = cookie_set;
    return idp_ok();
}

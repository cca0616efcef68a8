/*
 * The protocol core's responses: a JSON body (idp_oauth_json), the
 * authorization response to the client's redirect URI (idp_oauth_redirect;
 * signed as a JWT in JARM's response modes),
 * and the one renderer of errors (idp_oauth_respond, issue #16 §3): an
 * endpoint's outcome shown as its row's error surface says.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/url.h"
#include "oauth/authorize.h"
#include "oauth/internal.h"
#include "ui/messages.h"

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

static void url_param(idp_buf_t *b, bool *first, const char *name, const char *value)
{
    char *v = value ? curl_easy_escape(NULL, value, 0) : NULL;
    if (v == NULL)
        idp_buf_set_error(b, IDP_E_NOMEM); /* never a response that drops state or iss */
    else
        idp_buf_printf(b, "%s%s=%s", *first ? "" : "&", name, v);
    curl_free(v);
    *first = false;
}

/*
 * JARM §4.1 (The JWT Response Document): the response's parameters (iss among them, as FAPI 2.0 Message Signing
 * §5.4.1 notes) with aud, the client, and exp, in one JWT signed with our active key of the client's
 * authorization_signed_response_alg (JARM, client metadata: RS256 when it registered none; never none). Takes
 * @p fields; the parameters to send instead, {"response": JWT}, or NULL when it cannot be signed.
 */
static json_t *jarm(idp_oauth_t *o, idp_oauth_req_t *req, const idp_redirect_t *to, json_t *fields)
{
    char *jwt = NULL;
    json_t *out = NULL;
    json_object_set_new(fields, "aud", json_string(to->client_id ? to->client_id : ""));
    json_object_set_new(fields, "exp", json_integer((json_int_t)(req->now + IDP_JARM_SECONDS)));
    if (idp_own_sign(o, to->alg ? to->alg : "RS256", NULL, fields, &jwt) == IDP_OK)
        out = json_pack("{s:s}", "response", jwt);
    free(jwt);
    return out;
}

void idp_oauth_redirect(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_redirect_t *to,
                        json_t *fields)
{
    const char *mode = to->response_mode ? to->response_mode : "query", *lang = to->lang ? to->lang : req->lang;
    if (to->state)
        json_object_set_new(fields, "state", json_string(to->state));
    json_object_set_new(fields, "iss", json_string(o->cfg->issuer));
    /* JARM, Response Mode "jwt": for response type code it is query.jwt */
    if (idp_authz_jwt_mode(mode) && (fields = jarm(o, req, to, fields)) == NULL) {
        idp_page_error(req, resp, lang, 500, "server_error", NULL, IDP_ERROR_UNAVAILABLE, NULL);
        return;
    }
    if (!strcmp(mode, "form_post") || !strcmp(mode, "form_post.jwt")) {
        idp_page_form_post(req, resp, to->redirect_uri, fields);
    } else {
        idp_buf_t b;
        bool first = true;
        idp_buf_init(&b, 16384);
        idp_buf_puts(&b, to->redirect_uri);
        idp_buf_puts(&b, strchr(to->redirect_uri, '?') ? "&" : "?");
        const char *k;
        json_t *v;
        json_object_foreach (fields, k, v)
            url_param(&b, &first, k, json_string_value(v));
        char *loc = b.data ? idp_arena_strndup(req->arena, b.data, b.len) : NULL;
        idp_buf_free(&b);
        if (loc)
            idp_see_other(resp, loc);
        else
            idp_page_error(req, resp, lang, 500, "server_error", NULL, IDP_ERROR_UNAVAILABLE, NULL);
    }
    json_decref(fields);
}

/* RFC 6749 §5.2: {"error", "error_description"}; 401 invalid_client with the scheme the client may use. */
static void json_error(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_outcome_t *out, const char *desc)
{
    json_t *body = json_pack("{s:s}", "error", idp_err_code(out->err));
    if (body && desc)
        json_object_set_new(body, "error_description", json_string(desc));
    if (body && out->refusal) { /* the app shows the message in the resident's language */
        char key[48];
        snprintf(key, sizeof(key), "card.%s", out->refusal);
        json_object_set_new(body, "reason", json_string(out->refusal));
        json_object_set_new(body, "message", json_string(idp_msg(key, req->lang)));
    }
    idp_oauth_json(req, resp, idp_err_http_status(out->err), body);
    if (out->err == IDP_E_INVALID_CLIENT)
        resp->www_authenticate = "Basic realm=\"sakaid\", charset=\"UTF-8\"";
}

/* RFC 9449 §7.1: the DPoP scheme's challenge, for a request that used it or whose proof failed (401 at a resource). */
static bool dpop_error(const idp_oauth_req_t *req, const idp_outcome_t *out)
{
    return out->err == IDP_E_INVALID_DPOP_PROOF || out->err == IDP_E_USE_DPOP_NONCE ||
           (req->authorization && !strncasecmp(req->authorization, "DPoP ", 5));
}

/* RFC 6750 §3: the challenge names the error, except to a request that carried no token (§3.1). */
static void bearer_error(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_outcome_t *out, const char *desc)
{
    char *h = idp_arena_alloc(req->arena, 256);
    const char *scheme = dpop_error(req, out) ? "DPoP" : "Bearer";
    if (out->no_token) {
        idp_oauth_json(req, resp, 401, json_pack("{s:s}", "error", "invalid_token"));
        if (h)
            snprintf(h, 256, "Bearer realm=\"sakaid\"");
    } else {
        json_error(req, resp, out, desc);
        if (out->err == IDP_E_INVALID_DPOP_PROOF || out->err == IDP_E_USE_DPOP_NONCE)
            resp->status = 401; /* RFC 9449 §7.1, §9: at a resource, a proof's error is an authentication failure */
        if (h && (idp_err_is_internal(out->err) || out->err == IDP_E_UNAVAILABLE))
            h = NULL; /* a failure of ours, not of the request's credentials: no challenge */
        else if (h)
            snprintf(h, 256, "%s realm=\"sakaid\", error=\"%s\", error_description=\"%s\"", scheme,
                     idp_err_code(out->err), desc ? desc : "");
    }
    resp->www_authenticate = h;
}

/* The title of an RFC 9457 problem of type about:blank: the status's phrase (§4.2.1). */
static const char *problem_title(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return status >= 500 ? "Internal Server Error" : "Bad Request";
    }
}

/*
 * RFC 9457: application/problem+json of type about:blank, the status's
 * title, the description as detail, and the OAuth error code as the
 * extension member "error". 401 and 403 carry the RFC 6750 §3 challenge.
 */
static void problem_error(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_outcome_t *out, const char *desc)
{
    bool dpop = dpop_error(req, out);
    int status = out->no_token || out->err == IDP_E_INVALID_DPOP_PROOF || out->err == IDP_E_USE_DPOP_NONCE
                     ? 401 /* RFC 9449 §7.1, §9 */
                     : idp_err_http_status(out->err);
    const char *code = out->no_token ? "invalid_token" : idp_err_code(out->err);
    json_t *body = json_pack("{s:s, s:s, s:i, s:s}", "type", "about:blank", "title", problem_title(status), "status",
                             status, "error", code);
    if (body && (desc || out->no_token))
        json_object_set_new(body, "detail", json_string(desc ? desc : "an access token is required"));
    idp_oauth_json(req, resp, status, body);
    resp->content_type = "application/problem+json";
    if (status == 401 || status == 403) {
        char *h = idp_arena_alloc(req->arena, 256);
        if (h && out->no_token)
            snprintf(h, 256, "Bearer realm=\"sakaid\"");
        else if (h)
            snprintf(h, 256, "%s realm=\"sakaid\", error=\"%s\"", dpop ? "DPoP" : "Bearer", code);
        resp->www_authenticate = h;
    }
}

/* The situation of an error on endpoint @p id's page (issue #18 item 5): where the resident was. */
static idp_error_situation_t situation_of(idp_endpoint_id_t id)
{
    switch (id) {
    case IDP_EP_ACCOUNT_HOUSEHOLD: return IDP_ERROR_HOUSEHOLD;
    case IDP_EP_ACCOUNT:
    case IDP_EP_ACCOUNT_LOGIN:
    case IDP_EP_ACCOUNT_LINK:
    case IDP_EP_ACCOUNT_UNLINK:
    case IDP_EP_ACCOUNT_REVOKE:
    case IDP_EP_ACCOUNT_END_SESSION: return IDP_ERROR_ACCOUNT;
    case IDP_EP_LOGOUT: return IDP_ERROR_LOGOUT;
    case IDP_EP_CONSOLE:
    case IDP_EP_CONSOLE_CLIENT:
    case IDP_EP_CONSOLE_CLIENT_APPROVE:
    case IDP_EP_CONSOLE_CLIENT_SECRET:
    case IDP_EP_CONSOLE_KEYS:
    case IDP_EP_CONSOLE_KEYS_ROTATE:
    case IDP_EP_CONSOLE_AUDIT:
    case IDP_EP_CONSOLE_RESIDENTS: return IDP_ERROR_CONSOLE;
    case IDP_EP_PARTNER:
    case IDP_EP_PARTNER_CLIENT:
    case IDP_EP_PARTNER_CLIENT_REQUEST:
    case IDP_EP_PARTNER_CLIENT_SECRET: return IDP_ERROR_PARTNER;
    default: return IDP_ERROR_SIGN_IN;
    }
}

/*
 * The site of the service a sign-in began at, as the error page's way back:
 * the origin of the redirect URI that its login transaction (the request's
 * tx) was validated with. NULL when the request names none.
 */
static const char *service_url(idp_oauth_t *o, idp_oauth_req_t *req)
{
    const char *id = NULL;
    idp_store_login_tx_t *tx = idp_arena_alloc(req->arena, sizeof(*tx));
    if (tx == NULL || req->form == NULL || idp_params_get(req->form, "tx", &id) != IDP_OK || strlen(id) > 63 ||
        idp_store_login_tx_get(o->store, id, tx) != IDP_OK)
        return NULL;
    if (strncmp(tx->redirect_uri, "https://", 8) && strncmp(tx->redirect_uri, "http://", 7))
        return NULL; /* a native app's scheme is no page to go back to */
    size_t n = idp_url_origin_len(tx->redirect_uri);
    char *url = idp_arena_alloc(req->arena, n + 2);
    if (url) {
        memcpy(url, tx->redirect_uri, n);
        memcpy(url + n, "/", 2);
    }
    return url;
}

static void page_error(idp_oauth_t *o, idp_endpoint_id_t id, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                       const idp_outcome_t *out, const char *desc)
{
    const char *lang = out->lang ? out->lang : req->lang;
    if (idp_err_is_internal(out->err) || (out->err == IDP_E_UNAVAILABLE && desc == NULL)) {
        idp_page_store_error(req, resp, lang, out->err);
        return;
    }
    idp_error_situation_t s = situation_of(id);
    idp_page_error(req, resp, lang, idp_err_http_status(out->err), idp_err_code(out->err), desc, s,
                   s == IDP_ERROR_SIGN_IN ? service_url(o, req) : NULL);
}

void idp_oauth_respond(idp_oauth_t *o, idp_endpoint_id_t id, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                       idp_outcome_t out)
{
    if (out.err == IDP_OK)
        return;
    const idp_endpoint_t *ep = (unsigned)id < IDP_EP__COUNT ? &idp_endpoints[id] : NULL;
    /* Internal errors never carry detail to the client. */
    const char *desc = idp_err_is_internal(out.err) ? NULL : out.description;
    if (out.reason || idp_err_is_internal(out.err)) { /* the reason, once, for the operator */
        idp_log_t l;
        idp_log_begin(&l, idp_err_is_internal(out.err) ? IDP_LOG_WARN : IDP_LOG_INFO, "request_failed");
        idp_log_str(&l, "endpoint", ep ? ep->path : "");
        idp_log_str(&l, "error", idp_err_code(out.err));
        idp_log_str(&l, "reason", out.reason ? out.reason : out.description ? out.description : "");
        idp_log_end(&l);
    }
    switch (ep ? ep->errors : IDP_SURFACE_JSON) {
    case IDP_SURFACE_JSON: json_error(req, resp, &out, desc); break;
    case IDP_SURFACE_BEARER: bearer_error(req, resp, &out, desc); break;
    case IDP_SURFACE_PROBLEM: problem_error(req, resp, &out, desc); break;
    case IDP_SURFACE_REDIRECT:
        /* RFC 6749 §4.1.2.1: to the client only once its redirect URI is validated; a page before. */
        if (out.redirect_uri) {
            idp_log_t l;
            idp_log_begin(&l, IDP_LOG_INFO, "authorize_error");
            idp_log_str(&l, "client_id", out.client_id ? out.client_id : "");
            idp_log_str(&l, "error", idp_err_code(out.err));
            idp_log_end(&l);
            /* the client's statistics count the errors it was sent (docs/admin.md, Statistics) */
            if (out.client_id && o->store)
                idp_oauth_logged(idp_store_stat_count(o->store, out.client_id, "error", idp_err_code(out.err)),
                                 "statistics");
            json_t *fields = json_pack("{s:s}", "error", idp_err_code(out.err));
            if (fields && desc)
                json_object_set_new(fields, "error_description", json_string(desc));
            idp_redirect_t to = {.redirect_uri = out.redirect_uri,
                                 .state = out.state,
                                 .response_mode = out.response_mode,
                                 .client_id = out.client_id,
                                 .alg = out.response_alg,
                                 .lang = out.lang};
            if (fields)
                idp_oauth_redirect(o, req, resp, &to, fields);
            else
                idp_page_store_error(req, resp, out.lang ? out.lang : req->lang, IDP_E_NOMEM);
            break;
        }
        page_error(o, id, req, resp, &out, desc);
        break;
    case IDP_SURFACE_PAGE: page_error(o, id, req, resp, &out, desc); break;
    }
}

/*
 * civetweb glue: the wire work only. dispatch() matches the path in the
 * endpoint table (oauth/endpoints.def) and checks the method; serve() reads
 * the row's parameters (query, form or JSON body, with the size caps) and
 * calls the protocol core's one entry point, idp_oauth_handle, which runs
 * the handler and renders its outcome. Every answer goes out through
 * respond_as() so that the security headers are in one place; errors that
 * civetweb itself detects (malformed request line, oversized headers) come
 * through on_http_error() and get the same treatment.
 */
#include "http/server.h"

#include <civetweb.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/params.h"
#include "core/str.h"
#include "http/client_addr.h"
#include "http/head.h"
#include "oauth/endpoints.h"
#include "oauth/metrics.h"
#include "oauth/oauth.h"
#include "oauth/rules.h"

struct idp_http {
    struct mg_context *mg;
    struct mg_context *metrics_mg; /* http.metrics_listen; NULL when off */
    atomic_ulong by_class[6];      /* responses by status class: [2] = 2xx ... [5] = 5xx */
    const idp_config_t *cfg;
    idp_oauth_t *oauth;
    char tls_error[256];
};

typedef struct {
    struct mg_connection *conn;
    idp_http_t *h;
    const struct mg_request_info *ri;
    idp_arena_t arena;
    char client[IDP_IP_TEXT_MAX]; /* the client's address (client_addr.c): rate limits, logs */
    bool loopback;                /* ... is 127.0.0.0/8 or ::1 */
    const char *path_param;       /* the {id} of a row whose path ends in it (idp_endpoint_match), or NULL */
} request_t;

/* The start of the request on this worker thread and the status we sent, for the access log. */
static _Thread_local struct timespec request_start;
static _Thread_local int request_status;
/* The client address of this thread's request, for the access log ("" = the TCP peer). */
static _Thread_local char request_client[IDP_IP_TEXT_MAX];
/* Whether this thread answered the request it is on (see on_connection_close). */
static _Thread_local bool answered;

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 302: return "Found";
    case 303: return "See Other";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return status < 300 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error";
    }
}

/*
 * Writes a complete JSON response. Every JSON answer is no-store (RFC 6749
 * §5.1 for tokens; the issue asks for it on all JSON), never framed
 * (frame-ancestors 'none' and X-Frame-Options for old browsers), and never
 * sniffed as something else.
 */
static void respond_as(struct mg_connection *conn, int status, const char *ctype, const char *csp, const char *body,
                       size_t len, const char *extra)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    bool close = extra && strstr(extra, "Connection: close") != NULL;
    if (close) /* do not read (and discard) a rejected body to keep the connection */
        mg_disable_connection_keep_alive(conn);
    request_status = status;
    answered = true;
    bool head = ri && ri->request_method && strcmp(ri->request_method, "HEAD") == 0;
    /* Headers and body in one write: one segment for a small answer (two with TCP_NODELAY otherwise). */
    idp_buf_t b;
    idp_buf_init(&b, (1u << 20) + len);
    /* RFC 9110 §8.6, §15.3.5: a 204 has no content, so neither a type nor a length */
    idp_err_t e = status == 204 ? idp_buf_printf(&b, "HTTP/1.1 204 No Content\r\n")
                                : idp_buf_printf(&b, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n",
                                                 status, reason(status), ctype, len);
    if (e == IDP_OK)
        e = idp_buf_printf(&b,
                           "Cache-Control: no-store\r\n"
                           "Pragma: no-cache\r\n"
                           "X-Content-Type-Options: nosniff\r\n"
                           "Content-Security-Policy: %s\r\n"
                           "X-Frame-Options: DENY\r\n"
                           "Referrer-Policy: no-referrer\r\n"
                           "%s%s%s\r\n",
                           csp, ri && ri->is_ssl ? "Strict-Transport-Security: max-age=31536000\r\n" : "",
                           status == 503   ? "Retry-After: 5\r\n"
                           : status == 429 ? "Retry-After: 60\r\n"
                                           : "",
                           extra ? extra : "");
    if (e != IDP_OK) { /* out of memory for the headers */
        static const char oom[] =
            "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        mg_disable_connection_keep_alive(conn);
        mg_write(conn, oom, sizeof(oom) - 1);
    } else if (head || idp_buf_append(&b, body, len) == IDP_OK) {
        mg_write(conn, b.data, b.len);
    } else { /* no room for a copy of the body: two writes */
        mg_write(conn, b.data, b.len);
        mg_write(conn, body, len);
    }
    idp_buf_free(&b);
}

/*
 * Writes a complete JSON response. Every JSON answer is no-store (RFC 6749
 * §5.1 for tokens; the issue asks for it on all JSON), never framed
 * (frame-ancestors 'none' and X-Frame-Options for old browsers), and never
 * sniffed as something else.
 */
static void respond(struct mg_connection *conn, int status, const char *body, size_t len, const char *extra)
{
    respond_as(conn, status, "application/json", "default-src 'none'; frame-ancestors 'none'", body, len, extra);
}

static void respond_error(struct mg_connection *conn, int status, const char *code, const char *desc, const char *extra)
{
    char body[256];
    int n = snprintf(body, sizeof(body), "{\"error\":\"%s\",\"error_description\":\"%s\"}", code, desc);
    respond(conn, status, body, (size_t)n, extra);
}

static void respond_oauth(request_t *r, const idp_oauth_resp_t *resp)
{
    idp_buf_t extra;
    idp_buf_init(&extra, 16384);
    if (resp->www_authenticate)
        idp_buf_printf(&extra, "WWW-Authenticate: %s\r\n", resp->www_authenticate);
    if (resp->dpop_nonce)
        idp_buf_printf(&extra, "DPoP-Nonce: %s\r\n", resp->dpop_nonce);
    /* Header values come from our own code; refuse CR/LF anyway rather than split a response. */
    if (resp->location && !strpbrk(resp->location, "\r\n"))
        idp_buf_printf(&extra, "Location: %s\r\n", resp->location);
    for (int i = 0; i < 2; i++)
        if (resp->set_cookie[i] && !strpbrk(resp->set_cookie[i], "\r\n"))
            idp_buf_printf(&extra, "Set-Cookie: %s\r\n", resp->set_cookie[i]);
    respond_as(r->conn, resp->status, resp->content_type ? resp->content_type : "application/json",
               resp->csp ? resp->csp : "default-src 'none'; frame-ancestors 'none'", resp->body ? resp->body : "",
               resp->body_len, extra.data ? idp_buf_cstr(&extra) : NULL);
    idp_buf_free(&extra);
}

/* ---- the request body ---------------------------------------------------- */

/*
 * Reads the body into the arena, refusing more than http.max_body_bytes
 * (413 before reading when Content-Length says so; chunked bodies are cut
 * off at the cap).
 */
static idp_err_t read_body(request_t *r, char **out, size_t *len)
{
    long long max = r->h->cfg->max_body_bytes;
    if (r->ri->content_length > max)
        return IDP_E_TOO_LARGE;
    char *buf = idp_arena_alloc(&r->arena, (size_t)max + 1);
    if (buf == NULL)
        return IDP_E_NOMEM;
    size_t n = 0;
    for (;;) {
        int got = mg_read(r->conn, buf + n, (size_t)max + 1 - n);
        if (got < 0)
            return IDP_E_INVALID_REQUEST; /* truncated or broken */
        if (got == 0)
            break;
        n += (size_t)got;
        if (n > (size_t)max)
            return IDP_E_TOO_LARGE;
    }
    if (r->ri->content_length >= 0 && (long long)n != r->ri->content_length)
        return IDP_E_INVALID_REQUEST;
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return IDP_OK;
}

/* RFC 6749 §3.2: the token endpoint takes application/x-www-form-urlencoded. */
static bool is_form(const char *ct)
{
    static const char form[] = "application/x-www-form-urlencoded";
    if (ct == NULL || strncasecmp(ct, form, sizeof(form) - 1) != 0)
        return false;
    char c = ct[sizeof(form) - 1];
    return c == '\0' || c == ';' || c == ' ';
}

/* ---- routes ---------------------------------------------------------------- */

/* Prometheus text format (exposition format 0.0.4): counters only, nothing personal. */
static void h_metrics(request_t *r)
{
    static const char *const classes[] = {"", "1xx", "2xx", "3xx", "4xx", "5xx"};
    idp_buf_t b;
    idp_buf_init(&b, 65536);
    idp_buf_puts(&b, "# HELP sakaid_http_responses_total HTTP responses by status class.\n"
                     "# TYPE sakaid_http_responses_total counter\n");
    for (int c = 1; c <= 5; c++)
        idp_buf_printf(&b, "sakaid_http_responses_total{class=\"%s\"} %lu\n", classes[c],
                       atomic_load(&r->h->by_class[c]));
    unsigned long hits, misses;
    idp_oauth_client_stats(r->h->oauth, &hits, &misses);
    idp_buf_printf(&b,
                   "# HELP sakaid_client_lookups_total Client lookups, from this node's cache or the database.\n"
                   "# TYPE sakaid_client_lookups_total counter\n"
                   "sakaid_client_lookups_total{source=\"cache\"} %lu\n"
                   "sakaid_client_lookups_total{source=\"database\"} %lu\n",
                   hits, misses);
    idp_jpki_trust_t *t = r->h->oauth->jpki;
    if (t) {
        idp_buf_puts(&b,
                     "# HELP sakaid_card_verifications_total My Number card verifications by result (docs/card.md).\n"
                     "# TYPE sakaid_card_verifications_total counter\n");
        for (int i = 0; i < IDP_JPKI__COUNT; i++)
            idp_buf_printf(&b, "sakaid_card_verifications_total{reason=\"%s\"} %lu\n",
                           idp_jpki_reason_code((idp_jpki_reason_t)i), idp_jpki_trust_count(t, (idp_jpki_reason_t)i));
        idp_jpki_cache_stats_t cs;
        idp_jpki_trust_cache_stats(t, &cs);
        idp_buf_printf(&b,
                       "# HELP sakaid_card_certificate_cache_total Card verifications of a certificate verified "
                       "before (hit: path validation skipped) or not.\n"
                       "# TYPE sakaid_card_certificate_cache_total counter\n"
                       "sakaid_card_certificate_cache_total{result=\"hit\"} %lu\n"
                       "sakaid_card_certificate_cache_total{result=\"miss\"} %lu\n",
                       cs.hits, cs.misses);
        idp_jpki_trust_revocation_metrics(t, &b); /* the platform operator source's calls, cache, breaker */
    }
    idp_oauth_metrics(r->h->oauth, &b); /* the protocol core's own families */
    if (idp_buf_err(&b) != IDP_OK)
        respond_as(r->conn, 500, "text/plain", "default-src 'none'", "metrics too large\n", 18, NULL);
    else
        respond_as(r->conn, 200, "text/plain; version=0.0.4", "default-src 'none'; frame-ancestors 'none'",
                   idp_buf_cstr(&b), b.len, NULL);
    idp_buf_free(&b);
}

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The fields every protocol request carries. Japanese unless the client prefers English (product.md). */
static void fill_common(request_t *r, idp_oauth_req_t *req)
{
    const char *al = mg_get_header(r->conn, "Accept-Language");
    req->arena = &r->arena;
    req->now = (long long)time(NULL);
    req->now_ms = mono_ms();
    req->remote_addr = r->client;
    req->lang = idp_rules_accept_lang(al);
    req->cookie = mg_get_header(r->conn, "Cookie");
    /* The resident's own choice, from the pages' language switch (GET /lang), beats the browser's. */
    const char *chosen = req->cookie ? idp_cookie_get(&r->arena, req->cookie, IDP_LANG_COOKIE) : NULL;
    if (chosen && (!strcmp(chosen, "ja") || !strcmp(chosen, "en"))) {
        req->lang = !strcmp(chosen, "en") ? "en" : "ja";
        req->lang_chosen = true;
    }
    req->referer = mg_get_header(r->conn, "Referer");
    req->authorization = mg_get_header(r->conn, "Authorization");
    req->path = r->ri->local_uri_raw ? r->ri->local_uri_raw : "/";
    req->dpop = mg_get_header(r->conn, "DPoP");
    for (int i = 0, n = 0; req->dpop && i < r->ri->num_headers; i++)
        if (!strcasecmp(r->ri->http_headers[i].name, "DPoP") && ++n > 1)
            req->dpop_repeated = true;
    req->loopback = r->loopback;
    req->post = !strcmp(r->ri->request_method, "POST");
    req->method = r->ri->request_method;
}

/*
 * The wire work of a row (oauth/endpoints.def): its parameters read where
 * its body kind says, with the size caps. Answers a malformed request itself
 * (JSON: the protocol core has not seen it) and returns false.
 */
static bool read_request(request_t *r, const idp_endpoint_t *ep, idp_oauth_req_t *req)
{
    static const char close[] = "Connection: close\r\n";
    bool post = req->post;
    char *body = NULL;
    size_t len = 0;
    idp_err_t e = IDP_OK;
    const char *desc = "malformed parameters";
    switch (ep->body) {
    case IDP_BODY_NONE: return true;
    case IDP_BODY_JSON: {
        const char *method = r->ri->request_method;
        /* A GET, HEAD or DELETE carries no content (RFC 9110 §9.3.1, §9.3.5): its query string is the form. */
        if (!strcmp(method, "GET") || !strcmp(method, "HEAD") || !strcmp(method, "DELETE")) {
            body = (char *)(r->ri->query_string ? r->ri->query_string : "");
            len = strlen(body);
            break;
        }
        const char *ct = mg_get_header(r->conn, "Content-Type");
        if (r->ri->content_length == 0 && ct == NULL)
            return true; /* no body at all: an action that takes none */
        if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0) {
            respond_error(r->conn, 415, "invalid_request", "the body must be application/json", NULL);
            return false;
        }
        if (r->ri->content_length > IDP_JSON_BODY_MAX) {
            respond_error(r->conn, 413, "invalid_request", "request body too large", close);
            return false;
        }
        e = read_body(r, &body, &len);
        if (e == IDP_OK && len > IDP_JSON_BODY_MAX)
            e = IDP_E_TOO_LARGE;
        if (e == IDP_E_TOO_LARGE) {
            respond_error(r->conn, 413, "invalid_request", "request body too large", close);
            return false;
        }
        if (e != IDP_OK) {
            respond_error(r->conn, 400, "invalid_request", "malformed request body", NULL);
            return false;
        }
        req->body = body;
        req->body_len = len;
        return true;
    }
    case IDP_BODY_QUERY:
    case IDP_BODY_FORM_OR_QUERY:
        if (!post || ep->body == IDP_BODY_QUERY) {
            body = (char *)(r->ri->query_string ? r->ri->query_string : "");
            len = strlen(body);
            break;
        }
        /* fall through - the form body of a POST */
    case IDP_BODY_FORM:
    case IDP_BODY_FORM_ONLY:
        if (!post)
            break;
        if (!is_form(mg_get_header(r->conn, "Content-Type")) && r->ri->content_length != 0) {
            respond_error(r->conn, 400, "invalid_request", "the body must be application/x-www-form-urlencoded", NULL);
            return false;
        }
        /* RFC 6749 §3.2: parameters of the token endpoint travel in the body, never in the query. */
        if (ep->body == IDP_BODY_FORM_ONLY && r->ri->query_string && *r->ri->query_string) {
            respond_error(r->conn, 400, "invalid_request", "parameters must be sent in the request body", NULL);
            return false;
        }
        e = read_body(r, &body, &len);
        break;
    }
    idp_params_t *form = e == IDP_OK ? idp_arena_alloc(&r->arena, sizeof(*form)) : NULL;
    if (e == IDP_OK && form == NULL)
        e = IDP_E_NOMEM;
    if (e == IDP_OK)
        e = idp_params_parse(&r->arena, body ? body : "", len, form);
    if (e == IDP_E_TOO_LARGE) {
        respond_error(r->conn, 413, "invalid_request", "request body too large", close);
        return false;
    }
    if (e != IDP_OK) {
        if (idp_err_is_internal(e))
            respond(r->conn, 500, "{\"error\":\"server_error\"}", 24, NULL);
        else
            respond_error(r->conn, idp_err_http_status(e), idp_err_code(e), desc, NULL);
        return false;
    }
    req->form = form;
    return true;
}

/* A row of the endpoint table: the wire work here, everything else in the protocol core. */
static void serve(request_t *r, const idp_endpoint_t *ep)
{
    idp_oauth_req_t req = {0};
    idp_oauth_resp_t resp = {0};
    fill_common(r, &req);
    req.path_param = r->path_param;
    if (!read_request(r, ep, &req))
        return;
    idp_oauth_handle(r->h->oauth, ep->id, &req, &resp);
    respond_oauth(r, &resp);
}

/* ---- the request head ------------------------------------------------------ */

/*
 * What the field list from civetweb cannot show. civetweb 1.15 parses the
 * head in place (parse_http_request and parse_http_headers in civetweb.c):
 * it writes NUL over the whitespace after the HTTP version, over each field
 * line's CR and LF, over the colon and any spaces before it, and keeps
 * pointers to names and values, in order, in one buffer. Its field parser
 * stops without an error at a line that does not start with a name
 * character: obs-fold (a line starting with SP; one with HTAB never gets
 * here, as civetweb refuses control characters in a head), a line starting
 * with ':' or a byte >= 0x80, or a lone CR. That line and every later one
 * are dropped, so a Content-Length after a fold is never seen and the body
 * would be read as the next request (RFC 9112 §11.2). The bytes between and
 * after the pointers show it:
 *  - between the version and the first name: CR LF, two NULs; more is
 *    whitespace before the first field line (RFC 9112 §2.2), one is a bare LF;
 *  - between a value and the next name: CR LF, two NULs (one: bare LF);
 *  - between a name and its value: one NUL (the colon), then only the OWS
 *    before the value; a second NUL was whitespace before the colon (§5.1);
 *  - after the last value: CR LF then the final CR LF ("\0\0\r\0"), or an
 *    unparsed line. Every byte read here lies in the head, except in one case:
 *    a last field line ending in a bare LF while every line before it ended
 *    in CR LF. Then the head ends at p[1], and p[2], p[3] are the bytes after
 *    it in civetweb's buffer (the start of a body, or of an earlier request),
 *    or, if the head filled that buffer (http.max_header_bytes) to its last
 *    byte, up to two bytes past it: civetweb 1.15 tells us neither where the
 *    head ends nor where its buffer starts, so this is the one read we cannot
 *    bound (docs/deployment.md). Such a request is refused or served as any
 *    other; nothing of those bytes is kept.
 * With no field lines there is nothing to scan, and HTTP/1.1 requires Host.
 */
static void scan_head(const struct mg_request_info *ri, idp_http_head_t *h)
{
    int n = ri->num_headers;
    /* civetweb keeps MG_MAX_HEADERS field lines and drops the rest silently. */
    if (n >= MG_MAX_HEADERS) {
        h->too_many_fields = true;
        return;
    }
    if (n <= 0 || ri->http_version == NULL)
        return;
    const char *prev_end = ri->http_version + strlen(ri->http_version);
    for (int i = 0; i < n; i++) {
        const char *name = ri->http_headers[i].name, *value = ri->http_headers[i].value;
        ptrdiff_t gap = name - prev_end;
        /* RFC 9112 §2.2: lines end in CR LF; a bare LF is one we do not recognize. */
        if (gap == 1)
            h->bare_lf = true;
        else if (gap != 2) /* §2.2: whitespace between the start-line and the first field line */
            h->unparsed_line = true;
        const char *q = name + strlen(name);
        if (value - q >= 2 && q[1] == '\0')
            h->space_before_colon = true; /* §5.1 */
        prev_end = value + strlen(value);
    }
    if (h->bare_lf || h->unparsed_line)
        return;               /* refused already: read no further */
    const char *p = prev_end; /* p[0]: the NUL over the last line's CR (or bare LF) */
    if (p[1] != '\0')
        h->unparsed_line = true; /* a bare LF, and then not the end of the head */
    else if (p[2] == '\r' ? p[3] != '\0' : p[2] != '\0')
        h->unparsed_line = true; /* CR LF, then neither the final CR LF nor a bare LF: a fold */
}

/* The request line and field lines as the pure checks see them (head.c). */
static idp_http_head_err_t check_head(const struct mg_request_info *ri, idp_http_field_t *fields)
{
    idp_http_head_t h = {.method = ri->request_method,
                         .target = ri->request_uri,
                         .version = ri->http_version,
                         .fields = fields,
                         .nfields = 0};
    for (int i = 0; i < ri->num_headers && i < MG_MAX_HEADERS; i++)
        fields[h.nfields++] = (idp_http_field_t){ri->http_headers[i].name, ri->http_headers[i].value};
    scan_head(ri, &h);
    return idp_http_head_check(&h);
}

/* RFC 9112 §9.6: a request whose framing we refuse ends the connection: 400 (431) and close. */
static void refuse_head(struct mg_connection *conn, const struct mg_request_info *ri, idp_http_head_err_t e)
{
    idp_log_t l;
    idp_log_begin(&l, IDP_LOG_INFO, "http_request_refused");
    idp_log_str(&l, "method", ri->request_method ? ri->request_method : "");
    idp_log_int(&l, "status", idp_http_head_status(e));
    idp_log_str(&l, "error", idp_http_head_reason(e));
    idp_log_str(&l, "remote", ri->remote_addr);
    idp_log_end(&l);
    respond_error(conn, idp_http_head_status(e), "invalid_request", idp_http_head_reason(e), "Connection: close\r\n");
}

/* The client's address (http.trusted_proxies) and whether it is loopback. */
static void client_address(request_t *r, const idp_http_field_t *fields, size_t n)
{
    idp_ip_t ip;
    const idp_config_t *cfg = r->h->cfg;
    idp_http_addr_source_t src = idp_http_client_addr(r->ri->remote_addr, fields, n, cfg->trusted_proxies,
                                                      cfg->n_trusted_proxies, &ip, r->client);
    r->loopback = ip.len > 0 && idp_ip_is_loopback(&ip);
    if (src == IDP_ADDR_MALFORMED)
        idp_log_msg(IDP_LOG_DEBUG, "forwarded_malformed",
                    "a trusted proxy's Forwarded or X-Forwarded-For did not parse: using the peer address");
    memcpy(request_client, r->client, sizeof(request_client));
}

static int dispatch(struct mg_connection *conn, void *cbdata)
{
    request_t r = {.conn = conn, .h = cbdata, .ri = mg_get_request_info(conn)};
    const char *path = r.ri->local_uri_raw ? r.ri->local_uri_raw : "";
    const char *m = r.ri->request_method;
    idp_http_field_t fields[MG_MAX_HEADERS];
    /* Framing first, before any body is read or any route runs (RFC 9112 §6.1, §6.3, §5.2, §3.2). */
    idp_http_head_err_t he = check_head(r.ri, fields);
    if (he != IDP_HEAD_OK) {
        refuse_head(conn, r.ri, he);
        return request_status;
    }
    client_address(&r, fields, (size_t)r.ri->num_headers);
    for (size_t i = 0; i < idp_endpoints_count; i++) {
        const idp_endpoint_t *rt = &idp_endpoints[i];
        const char *param = NULL;
        if (!idp_endpoint_match(rt, path, &param))
            continue;
        if (!idp_endpoint_allows(rt, m)) {
            char methods[64], allow[96];
            idp_endpoint_allow_list(rt, methods, sizeof(methods));
            snprintf(allow, sizeof(allow), "Allow: %s\r\n", methods);
            respond_error(conn, 405, "invalid_request", "method not allowed", allow);
            return 405;
        }
        /* Budget: the body plus parsing overhead; a request never grows past it. */
        idp_arena_init(&r.arena, (size_t)r.h->cfg->max_body_bytes * 4 + 65536);
        if (param) { /* the {id} segment, as a string of its own */
            size_t len = strcspn(param, "/");
            char *copy = idp_arena_alloc(&r.arena, len + 1);
            if (copy) {
                memcpy(copy, param, len);
                copy[len] = '\0';
            }
            r.path_param = copy; /* NULL (out of memory) reads as no such resource */
        }
        serve(&r, rt);
        idp_arena_free(&r.arena);
        return request_status;
    }
    respond_error(conn, 404, "not_found", "no such endpoint", NULL);
    return 404;
}

/* ---- civetweb callbacks ----------------------------------------------------- */

/*
 * Every request is authorised by its endpoint (client authentication, the
 * session, the admin token), never by civetweb. Without a handler of this kind
 * civetweb looks for a per-directory password file on every request
 * (check_authorization: a stat of "/.htpasswd" relative to an unset document
 * root), which costs a system call per request and would put HTTP Digest
 * authentication in front of every endpoint if such a file ever appeared.
 */
static int authorize_in_endpoints(struct mg_connection *conn, void *cbdata)
{
    (void)conn;
    (void)cbdata;
    return 1;
}

static int on_begin_request(struct mg_connection *conn)
{
    clock_gettime(CLOCK_MONOTONIC, &request_start);
    request_status = 0;
    request_client[0] = '\0';
    return 0;
}

/* Access log: method, path without the query string (it may hold codes or
 * tokens), status, duration. Headers and bodies are never logged. */
static void on_end_request(const struct mg_connection *conn, int status)
{
    idp_http_t *h = mg_get_user_data(mg_get_context(conn));
    const struct mg_request_info *ri = mg_get_request_info(conn);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double ms = (double)(now.tv_sec - request_start.tv_sec) * 1e3 + (double)(now.tv_nsec - request_start.tv_nsec) / 1e6;
    int st = request_status ? request_status : status;
    answered = false; /* the next request on this connection starts unanswered */
    if (st >= 100 && st < 600)
        atomic_fetch_add(&h->by_class[st / 100], 1);
    if (!h->cfg->access_log)
        return;
    idp_log_t l;
    idp_log_begin(&l, IDP_LOG_INFO, "http_request");
    idp_log_str(&l, "method", ri && ri->request_method ? ri->request_method : "");
    idp_log_str(&l, "path", ri && ri->local_uri_raw ? ri->local_uri_raw : "");
    idp_log_int(&l, "status", st);
    idp_log_double(&l, "duration_ms", ms);
    idp_log_str(&l, "remote", request_client[0] ? request_client : ri ? ri->remote_addr : "");
    idp_log_end(&l);
}

/* Errors civetweb detects before a handler runs: answer them in our format. */
static int on_http_error(struct mg_connection *conn, int status, const char *msg)
{
    /* civetweb answers a Content-Length that is not a number (or is negative) with 411; RFC 9112
     * §6.3 item 5 makes that a 400. */
    if (status == 411)
        status = 400;
    /* end_request does not run for these: log them here. */
    idp_log_t l;
    idp_log_begin(&l, IDP_LOG_INFO, "http_request");
    idp_log_int(&l, "status", status);
    idp_log_str(&l, "error", status == 413 || status == 431 ? "request too large" : "malformed request");
    idp_log_str(&l, "remote", mg_get_request_info(conn) ? mg_get_request_info(conn)->remote_addr : "");
    idp_log_end(&l);
    const char *code = status == 413 || status == 431 ? "invalid_request"
                       : status >= 500                ? "server_error"
                                                      : "invalid_request";
    respond_error(conn, status, code, status == 413 || status == 431 ? "request too large" : "malformed request",
                  "Connection: close\r\n");
    return 0;
}

/*
 * A request whose target is the absolute-form for another host or port
 * ("GET http://x/ HTTP/1.1") or the asterisk-form never reaches a handler:
 * civetweb 1.15 (process_new_connection) finds no local URI, sends nothing
 * and closes. Say why before the close: 400, as for the absolute-form that
 * names us (check_head). The request parsed (it has a version) and nothing
 * answered it: an answered one set `answered`, end_request cleared it.
 */
static void on_connection_close(const struct mg_connection *conn)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    bool unanswered = !answered && ri && ri->request_method && ri->request_uri && ri->http_version &&
                      ri->local_uri == NULL && ri->request_uri[0] != '/';
    answered = false;
    if (!unanswered)
        return;
    refuse_head((struct mg_connection *)conn, ri, IDP_HEAD_ABSOLUTE_FORM);
    answered = false;
}

static int on_log_message(const struct mg_connection *conn, const char *message)
{
    idp_log_msg(IDP_LOG_WARN, "civetweb", "%s", message);
    return 1;
}

/* TLS: our certificate chain and key, TLS 1.2 or newer only. */
static int on_init_ssl(void *ssl_ctx, void *user_data)
{
    idp_http_t *h = user_data;
    SSL_CTX *ctx = ssl_ctx;
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_use_certificate_chain_file(ctx, h->cfg->tls_cert_file) != 1) {
        snprintf(h->tls_error, sizeof(h->tls_error), "cannot load http.tls_certificate_file %s", h->cfg->tls_cert_file);
        return -1;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, h->cfg->tls_key_file, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        snprintf(h->tls_error, sizeof(h->tls_error),
                 "cannot load http.tls_private_key_file %s (or it does not match the certificate)",
                 h->cfg->tls_key_file);
        return -1;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    return 1;
}

/*
 * TCP_DEFER_ACCEPT (tcp(7)): the kernel hands a connection to accept() only
 * once its first bytes arrive (or, after @p seconds, with its next ACK), so a
 * connection that never sends anything never takes a worker thread: HTTP
 * and TLS clients always speak first. civetweb 1.15 does not expose its
 * listening socket, so find it: the process's only listening TCP socket on
 * the port civetweb reports (mg_get_server_ports), scanned in /proc/self/fd
 * right after mg_start2, before the metrics listener opens (another port).
 * Setting it on a socket that already listens takes effect for the
 * connections that arrive after. Deferred connections wait in the kernel's
 * queue of half-open connections, which listen(2)'s backlog (http.listen_backlog,
 * up to net.core.somaxconn) bounds; past it the kernel answers with SYN
 * cookies, and a connection completed by a cookie is accepted at once, not
 * deferred. Without it (not found, not Linux) the request and keep-alive
 * deadlines still bound what an idle connection costs.
 */
static void defer_accept(struct mg_context *mg, int seconds)
{
    struct mg_server_port ports[4];
    int nports = mg_get_server_ports(mg, 4, ports), done = 0;
    DIR *d = nports > 0 ? opendir("/proc/self/fd") : NULL;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        long fd;
        int listening = 0;
        socklen_t olen = sizeof(listening);
        struct sockaddr_storage sa;
        socklen_t salen = sizeof(sa);
        if (!idp_str_to_long(e->d_name, 0, 1 << 30, &fd) || fd == dirfd(d) ||
            getsockopt((int)fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &olen) != 0 || !listening ||
            getsockname((int)fd, (struct sockaddr *)&sa, &salen) != 0)
            continue;
        int port = sa.ss_family == AF_INET    ? ntohs(((struct sockaddr_in *)&sa)->sin_port)
                   : sa.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&sa)->sin6_port)
                                              : -1;
        for (int i = 0; i < nports; i++)
            if (ports[i].port == port &&
                setsockopt((int)fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &seconds, sizeof(seconds)) == 0)
                done++;
    }
    if (d)
        closedir(d);
    if (done == 0)
        idp_log_msg(IDP_LOG_WARN, "defer_accept_unavailable",
                    "cannot set TCP_DEFER_ACCEPT on the listening socket; idle connections take worker threads");
}

/* ---- the metrics listener ----------------------------------------------------- */

/* http.metrics_listen: GET /metrics and nothing else. */
static int metrics_dispatch(struct mg_connection *conn, void *cbdata)
{
    request_t r = {.conn = conn, .h = cbdata, .ri = mg_get_request_info(conn)};
    const char *path = r.ri->local_uri_raw ? r.ri->local_uri_raw : "";
    const char *m = r.ri->request_method;
    if (strcmp(path, "/metrics") != 0) {
        respond_error(conn, 404, "not_found", "no such endpoint", NULL);
        return 404;
    }
    if (strcmp(m, "GET") && strcmp(m, "HEAD")) {
        respond_error(conn, 405, "invalid_request", "method not allowed", "Allow: GET, HEAD\r\n");
        return 405;
    }
    h_metrics(&r);
    return 200;
}

/*
 * Its own civetweb context: its own two worker threads, queue and socket, so
 * that connections held open on the public port cannot starve the scraper.
 * Plain HTTP on loopback only (config.c refuses anything else).
 */
static idp_err_t start_metrics(idp_http_t *h, char *err, size_t errlen)
{
    const idp_config_t *cfg = h->cfg;
    char ports[300];
    bool v6 = strchr(cfg->metrics_host, ':') != NULL;
    snprintf(ports, sizeof(ports), "%s%s%s:%d", v6 ? "[" : "", cfg->metrics_host, v6 ? "]" : "", cfg->metrics_port);
    const char *options[] = {
        "listening_ports",
        ports,
        "num_threads",
        "2",
        "max_request_size",
        "8192",
        "request_timeout_ms",
        "2000",
        "keep_alive_timeout_ms",
        "2000",
        "enable_keep_alive",
        "yes",
        "tcp_nodelay",
        "1",
        "enable_auth_domain_check",
        "no",
        NULL,
        NULL,
    };
    struct mg_callbacks cb = {0};
    cb.http_error = on_http_error;
    cb.log_message = on_log_message;
    struct mg_init_data init = {.callbacks = &cb, .user_data = h, .configuration_options = options};
    struct mg_error_data ed = {.text = err, .text_buffer_size = errlen};
    err[0] = '\0';
    h->metrics_mg = mg_start2(&init, &ed);
    if (h->metrics_mg == NULL) {
        char why[256];
        snprintf(why, sizeof(why), "%s", err);
        snprintf(err, errlen, "cannot listen on http.metrics_listen %s%s%s", ports, why[0] ? ": " : "", why);
        return IDP_E_SERVER_ERROR;
    }
    mg_set_request_handler(h->metrics_mg, "**", metrics_dispatch, h);
    mg_set_auth_handler(h->metrics_mg, "**", authorize_in_endpoints, NULL);
    return IDP_OK;
}

idp_err_t idp_http_start(const idp_config_t *cfg, idp_oauth_t *oauth, idp_http_t **out, char *err, size_t errlen)
{
    bool tls = cfg->tls_cert_file != NULL;
    idp_http_t *h = calloc(1, sizeof(*h));
    if (h == NULL)
        return IDP_E_NOMEM;
    h->cfg = cfg;
    h->oauth = oauth;

    char ports[300], threads[16], header_max[24], req_ms[16], ka_ms[16], queue[16], backlog[16];
    bool v6 = strchr(cfg->listen_host, ':') != NULL;
    snprintf(ports, sizeof(ports), "%s%s%s:%d%s", v6 ? "[" : "", cfg->listen_host, v6 ? "]" : "", cfg->listen_port,
             tls ? "s" : "");
    snprintf(threads, sizeof(threads), "%d", cfg->threads);
    snprintf(header_max, sizeof(header_max), "%ld", cfg->max_header_bytes);
    snprintf(req_ms, sizeof(req_ms), "%d", cfg->request_timeout_ms);
    snprintf(ka_ms, sizeof(ka_ms), "%d", cfg->keep_alive_ms);
    snprintf(queue, sizeof(queue), "%d", cfg->accept_queue);
    snprintf(backlog, sizeof(backlog), "%d", cfg->listen_backlog);
    /*
     * civetweb 1.15 holds a worker thread per open connection (worker_thread_run): an idle or slow
     * connection costs a thread until a deadline. request_timeout_ms bounds how long the first
     * request's head may take from the moment a worker picks the connection up (read_message
     * measures from the start of the head); keep_alive_timeout_ms replaces it for every later request
     * on the connection, idle time included. Both also bound each wait for body bytes (pull_all).
     * Accepted connections wait for a worker in a queue of connection_queue entries; when it is full
     * the accepting thread waits and the kernel's listen(2) backlog (listen_backlog) fills instead.
     */
    const char *options[] = {
        "listening_ports",
        ports,
        "num_threads",
        threads,
        "max_request_size",
        header_max,
        "request_timeout_ms",
        req_ms,
        "enable_keep_alive",
        "yes",
        /* Headers and body go out in two writes: without TCP_NODELAY, Nagle and delayed ACKs
         * stall every keep-alive response by ~40 ms (found by bench/run). */
        "tcp_nodelay",
        "1",
        "keep_alive_timeout_ms",
        ka_ms,
        "connection_queue",
        queue,
        "listen_backlog",
        backlog,
        "enable_auth_domain_check",
        "no",
        /* With a certificate option civetweb loads its TLS functions and creates the
         * context; on_init_ssl then loads the chain and key itself and returns 1. */
        tls ? "ssl_certificate" : NULL,
        cfg->tls_cert_file,
        "ssl_protocol_version",
        "4", /* TLS 1.2+ (the callback also sets it) */
        NULL,
        NULL,
    };
    struct mg_callbacks cb = {0};
    cb.begin_request = on_begin_request;
    cb.end_request = on_end_request;
    cb.http_error = on_http_error;
    cb.log_message = on_log_message;
    cb.connection_close = on_connection_close;
    if (tls)
        cb.init_ssl = on_init_ssl;

    mg_init_library(tls ? MG_FEATURES_TLS : 0);
    struct mg_init_data init = {.callbacks = &cb, .user_data = h, .configuration_options = options};
    struct mg_error_data ed = {.text = err, .text_buffer_size = errlen};
    h->mg = mg_start2(&init, &ed);
    if (h->mg == NULL) {
        if (h->tls_error[0])
            snprintf(err, errlen, "%s", h->tls_error);
        else if (!err[0])
            snprintf(err, errlen, "cannot listen on %s", ports);
        free(h);
        mg_exit_library();
        return IDP_E_SERVER_ERROR;
    }
    mg_set_request_handler(h->mg, "**", dispatch, h);
    mg_set_auth_handler(h->mg, "**", authorize_in_endpoints, NULL);
    if (cfg->defer_accept_seconds > 0)
        defer_accept(h->mg, cfg->defer_accept_seconds);
    if (cfg->metrics_host && start_metrics(h, err, errlen) != IDP_OK) {
        idp_http_stop(h);
        return IDP_E_SERVER_ERROR;
    }
    *out = h;
    return IDP_OK;
}

void idp_http_stop(idp_http_t *h)
{
    if (h == NULL)
        return;
    if (h->metrics_mg)
        mg_stop(h->metrics_mg);
    mg_stop(h->mg);
    mg_exit_library();
    free(h);
}

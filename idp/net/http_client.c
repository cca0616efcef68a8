/* Outbound HTTP under one policy: see http_client.h. */
#include "net/http_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/ip.h"

/* ---- the policy ------------------------------------------------------------------- */

/* A literal loopback address (127.0.0.0/8, ::1), with or without the brackets of a URL host (RFC 3986 §3.2.2). */
static bool host_is_loopback_literal(const char *host)
{
    size_t n = strlen(host);
    idp_ip_t ip;
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        host++;
        n -= 2;
    }
    return idp_ip_parse(host, n, &ip) && idp_ip_is_loopback(&ip);
}

/* http is for tests and development on this machine: a loopback literal, or "localhost" (whose address
   open_socket checks, since a resolver could map the name anywhere). */
static bool host_is_loopback(const char *host)
{
    return strcasecmp(host, "localhost") == 0 || host_is_loopback_literal(host);
}

/* The URL's scheme, and whether it is plain http; false when it is neither http nor https or does not parse. */
static bool url_scheme(const char *url, bool *plain)
{
    CURLU *u = url ? curl_url() : NULL;
    char *scheme = NULL, *host = NULL;
    bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host[0] != '\0';
    if (ok && strcasecmp(scheme, "https") == 0)
        *plain = false;
    else if (ok && strcasecmp(scheme, "http") == 0 && host_is_loopback(host))
        *plain = true;
    else
        ok = false;
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}

bool idp_net_url_allowed(const char *url)
{
    bool plain;
    return url_scheme(url, &plain);
}

idp_err_t idp_net_perform(const idp_net_t *net, const idp_net_req_t *req, idp_net_resp_t *resp, char *err,
                          size_t errlen)
{
    resp->status = 0;
    idp_buf_init(&resp->body, req->max_bytes);
    err[0] = '\0';
    if (req->url == NULL || req->timeout_ms <= 0 || req->timeout_ms > IDP_NET_MAX_TIMEOUT_MS ||
        (req->method != IDP_NET_GET && req->form == NULL) || (req->bearer && req->basic_user)) {
        snprintf(err, errlen,
                 "a malformed request (no URL, no body, a timeout out of range, or two kinds of authentication)");
        return IDP_E_INVALID_REQUEST;
    }
    if (!idp_net_url_allowed(req->url)) {
        snprintf(err, errlen, "https only (http only to a loopback host)");
        return IDP_E_INVALID_REQUEST;
    }
    idp_net_transport_fn t = net && net->transport ? net->transport : idp_net_curl;
    return t(net, req, resp, err, errlen);
}

void idp_net_resp_free(idp_net_resp_t *resp)
{
    idp_buf_wipe(&resp->body);
    resp->status = 0;
}

idp_err_t idp_net_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? IDP_OK : IDP_E_SERVER_ERROR;
}

void idp_net_global_cleanup(void)
{
    curl_global_cleanup();
}

/* ---- the libcurl transport -------------------------------------------------------- */

typedef struct {
    idp_buf_t *body;
    bool discard;   /* max_bytes 0: read and drop */
    bool too_large; /* the cap stopped the transfer */
    bool plain;     /* http: every connection must go to a loopback address */
} xfer_t;

static size_t sink(char *ptr, size_t size, size_t n, void *ud)
{
    xfer_t *x = ud;
    if (x->discard)
        return size * n;
    idp_err_t e = idp_buf_append(x->body, ptr, size * n);
    if (e == IDP_E_TOO_LARGE)
        x->too_large = true;
    return e == IDP_OK ? size * n : 0; /* anything else ends the transfer (CURLE_WRITE_ERROR) */
}

static bool sockaddr_is_loopback(const struct sockaddr *sa)
{
    idp_ip_t ip = {{0}, 0};
    if (sa->sa_family == AF_INET) {
        memcpy(ip.a, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        ip.len = 4;
    } else if (sa->sa_family == AF_INET6) {
        memcpy(ip.a, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
        ip.len = 16;
    } else {
        return false;
    }
    return idp_ip_is_loopback(&ip);
}

/* Plain http connects to loopback addresses only, whatever "localhost" resolved to. */
static curl_socket_t open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    const xfer_t *x = ud;
    (void)purpose;
    if (x->plain && !sockaddr_is_loopback(&a->addr))
        return CURL_SOCKET_BAD; /* CURLE_COULDNT_CONNECT */
    return socket(a->family, a->socktype, a->protocol);
}

/* The policy's options; each caller's limits come from @p req. */
static void set_policy(CURL *c, const idp_net_t *net, const idp_net_req_t *req, xfer_t *x)
{
    curl_easy_setopt(c, CURLOPT_URL, req->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* a 3xx is the answer */
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    /* "" disables proxies, the environment's included (libcurl's CURLOPT_PROXY) */
    curl_easy_setopt(c, CURLOPT_PROXY, net && net->proxy ? net->proxy : "");
    curl_easy_setopt(c, CURLOPT_NOPROXY, "localhost,127.0.0.0/8,::1");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, req->timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (req->max_bytes > 0) /* refused before the body when the server announces its length; else sink() stops */
        curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_bytes);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, x);
    curl_easy_setopt(c, CURLOPT_USERAGENT, req->user_agent ? req->user_agent : "sakaid");
}

static void set_request(CURL *c, const idp_net_req_t *req)
{
    if (req->method == IDP_NET_POST_FORM || req->method == IDP_NET_POST_JSON) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->form);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(req->form));
    }
    if (req->basic_user) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, req->basic_user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, req->basic_pass ? req->basic_pass : "");
    } else if (req->bearer) { /* RFC 6750 §2.1: libcurl writes the Authorization header itself */
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
        curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, req->bearer);
    }
}

static idp_err_t outcome(CURLcode rc, const xfer_t *x, const char *detail, char *err, size_t errlen)
{
    if (rc == CURLE_OK)
        return IDP_OK;
    if (rc == CURLE_FILESIZE_EXCEEDED || (rc == CURLE_WRITE_ERROR && x->too_large)) {
        snprintf(err, errlen, "the answer is larger than %zu bytes", x->body->max);
        return IDP_E_TOO_LARGE;
    }
    if (rc == CURLE_OUT_OF_MEMORY)
        return IDP_E_NOMEM;
    snprintf(err, errlen, "%s", detail[0] ? detail : curl_easy_strerror(rc));
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_net_curl(const idp_net_t *net, const idp_net_req_t *req, idp_net_resp_t *resp, char *err, size_t errlen)
{
    idp_err_t ret = IDP_E_NOMEM;
    char detail[CURL_ERROR_SIZE] = "";
    xfer_t x = {&resp->body, req->max_bytes == 0, false, false};
    struct curl_slist *headers = NULL;
    char accept[256];
    CURL *c = NULL;
    err[0] = '\0';
    if (!url_scheme(req->url, &x.plain)) { /* the policy again, for a caller that came here directly */
        snprintf(err, errlen, "https only (http only to a loopback host)");
        return IDP_E_INVALID_REQUEST;
    }
    if ((c = curl_easy_init()) == NULL)
        goto Exit;
    if (req->accept) {
        snprintf(accept, sizeof(accept), "Accept: %s", req->accept);
        if ((headers = curl_slist_append(NULL, accept)) == NULL)
            goto Exit;
    }
    if (req->method == IDP_NET_POST_JSON) {
        struct curl_slist *h = curl_slist_append(headers, "Content-Type: application/json");
        if (h == NULL)
            goto Exit;
        headers = h;
    }
    set_policy(c, net, req, &x);
    set_request(c, req);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    ret = outcome(rc, &x, detail, err, errlen);
Exit:
    if (ret == IDP_E_NOMEM && err[0] == '\0')
        snprintf(err, errlen, "out of memory");
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    return ret;
}

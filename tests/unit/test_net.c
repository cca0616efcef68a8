/*
 * idp/net/http_client.c: the outbound-HTTP policy. The policy's URL checks
 * run against a fake transport (the seam); the limits run against libcurl
 * and a tiny HTTP server on a loopback socket, in a thread of this test.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/http_client.h"

/* ---- a fake transport: counts what reaches it ---------------------------------------- */

static idp_err_t fake(const idp_net_t *net, const idp_net_req_t *req, idp_net_resp_t *resp, char *err, size_t errlen)
{
    (void)req;
    (void)err;
    (void)errlen;
    (*(int *)net->ctx)++;
    resp->status = 204;
    return IDP_OK;
}

static idp_err_t fake_get(const char *url, int *calls)
{
    idp_net_t net = {.transport = fake, .ctx = calls};
    idp_net_req_t req = {.method = IDP_NET_GET, .url = url, .timeout_ms = 1000, .max_bytes = 16};
    idp_net_resp_t resp;
    char err[256];
    idp_err_t e = idp_net_perform(&net, &req, &resp, err, sizeof(err));
    idp_net_resp_free(&resp);
    return e;
}

static void test_net_refuses_http_to_a_host_that_is_not_loopback(void **state)
{
    (void)state;
    static const char *const refused[] = {"http://example.com/jwks",
                                          "http://10.0.0.1/",
                                          "http://127.0.0.1.example.com/",
                                          "http://[::2]/",
                                          "ftp://127.0.0.1/x",
                                          "file:///etc/passwd",
                                          "gopher://127.0.0.1/",
                                          "not a url",
                                          "",
                                          NULL};
    for (size_t i = 0; refused[i]; i++) {
        int calls = 0;
        assert_int_equal(fake_get(refused[i], &calls), IDP_E_INVALID_REQUEST);
        assert_int_equal(calls, 0); /* refused before the transport: no connection */
    }
}

static void test_net_lets_https_and_loopback_http_through(void **state)
{
    (void)state;
    static const char *const allowed[] = {"https://example.com/jwks",
                                          "http://127.0.0.1:8080/x",
                                          "http://127.9.8.7/",
                                          "http://[::1]:9/",
                                          "http://localhost:1/",
                                          "HTTPS://EXAMPLE.COM/",
                                          NULL};
    for (size_t i = 0; allowed[i]; i++) {
        int calls = 0;
        assert_int_equal(fake_get(allowed[i], &calls), IDP_OK);
        assert_int_equal(calls, 1);
    }
}

static void test_net_refuses_a_timeout_out_of_range(void **state)
{
    (void)state;
    int calls = 0;
    idp_net_t net = {.transport = fake, .ctx = &calls};
    idp_net_req_t req = {.method = IDP_NET_GET, .url = "https://example.com/", .timeout_ms = 0};
    idp_net_resp_t resp;
    char err[256];
    assert_int_equal(idp_net_perform(&net, &req, &resp, err, sizeof(err)), IDP_E_INVALID_REQUEST);
    req.timeout_ms = IDP_NET_MAX_TIMEOUT_MS + 1;
    assert_int_equal(idp_net_perform(&net, &req, &resp, err, sizeof(err)), IDP_E_INVALID_REQUEST);
    assert_int_equal(calls, 0);
    idp_net_resp_free(&resp);
}

/* ---- a tiny HTTP server on 127.0.0.1, one thread ------------------------------------ */

typedef enum { SRV_OK, SRV_REDIRECT, SRV_BIG_LENGTH, SRV_BIG_CHUNKED, SRV_SILENT, SRV_PROXY } srv_mode_t;

typedef struct {
    int fd, port;
    srv_mode_t mode;
    atomic_int hits;
    atomic_bool stop;
    char first_line[256]; /* of the last request */
    char head[4096];      /* ... and all of its head */
    pthread_t th;
} srv_t;

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void read_head(srv_t *s, int c)
{
    char req[4096];
    size_t n = 0;
    while (n < sizeof(req) - 1) {
        ssize_t r = recv(c, req + n, sizeof(req) - 1 - n, 0);
        if (r <= 0)
            break;
        n += (size_t)r;
        req[n] = '\0';
        if (strstr(req, "\r\n\r\n"))
            break;
    }
    req[n] = '\0';
    memcpy(s->head, req, n + 1);
    size_t line = strcspn(req, "\r\n");
    snprintf(s->first_line, sizeof(s->first_line), "%.*s", (int)line, req);
}

static void answer_big(int c, bool chunked)
{
    char chunk[1000];
    memset(chunk, 'x', sizeof(chunk));
    if (!chunked) {
        send_all(c, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", 43);
        for (int i = 0; i < 100; i++)
            send_all(c, chunk, sizeof(chunk));
        return;
    }
    const char *h = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    send_all(c, h, strlen(h));
    for (int i = 0; i < 100; i++) {
        send_all(c, "3e8\r\n", 5);
        send_all(c, chunk, sizeof(chunk));
        send_all(c, "\r\n", 2);
    }
    send_all(c, "0\r\n\r\n", 5);
}

/* Waits for the client to close (a server that never answers). */
static void stay_silent(srv_t *s, int c)
{
    char b[64];
    struct pollfd p = {.fd = c, .events = POLLIN};
    while (!atomic_load(&s->stop)) {
        if (poll(&p, 1, 50) > 0 && recv(c, b, sizeof(b), 0) <= 0)
            return;
    }
}

static void answer(srv_t *s, int c)
{
    read_head(s, c);
    atomic_fetch_add(&s->hits, 1);
    const char *text = NULL;
    switch (s->mode) {
    case SRV_OK: text = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"; break;
    case SRV_REDIRECT:
        text = strstr(s->first_line, " /moved ")
                   ? "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nmoved"
                   : "HTTP/1.1 302 Found\r\nLocation: /moved\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        break;
    case SRV_PROXY: text = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"; break;
    case SRV_BIG_LENGTH: answer_big(c, false); return;
    case SRV_BIG_CHUNKED: answer_big(c, true); return;
    case SRV_SILENT: stay_silent(s, c); return;
    }
    send_all(c, text, strlen(text));
}

static void *serve(void *arg)
{
    srv_t *s = arg;
    struct pollfd p = {.fd = s->fd, .events = POLLIN};
    while (!atomic_load(&s->stop)) {
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            continue;
        answer(s, c);
        close(c);
    }
    return NULL;
}

static void srv_start(srv_t *s, srv_mode_t mode)
{
    memset(s, 0, sizeof(*s));
    s->mode = mode;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_true((s->fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s->fd, 8), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->th, NULL, serve, s), 0);
}

static void srv_stop(srv_t *s)
{
    atomic_store(&s->stop, true);
    pthread_join(s->th, NULL);
    close(s->fd);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* GET http://127.0.0.1:PORT/start through libcurl (net NULL: the default transport). */
static idp_err_t curl_get(const idp_net_t *net, srv_t *s, long timeout_ms, size_t max, idp_net_resp_t *resp, char *err,
                          size_t errlen)
{
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/start", s->port);
    idp_net_req_t req = {.method = IDP_NET_GET, .url = url, .timeout_ms = timeout_ms, .max_bytes = max};
    return idp_net_perform(net, &req, resp, err, errlen);
}

static void test_net_returns_an_answer_within_the_cap(void **state)
{
    (void)state;
    srv_t s;
    idp_net_resp_t resp;
    char err[256];
    srv_start(&s, SRV_OK);
    assert_int_equal(curl_get(NULL, &s, 2000, 16, &resp, err, sizeof(err)), IDP_OK);
    assert_int_equal(resp.status, 200);
    assert_string_equal(idp_buf_cstr(&resp.body), "ok");
    idp_net_resp_free(&resp);
    srv_stop(&s);
}

static void test_net_returns_a_redirect_as_it_is(void **state)
{
    (void)state;
    srv_t s;
    idp_net_resp_t resp;
    char err[256];
    srv_start(&s, SRV_REDIRECT);
    assert_int_equal(curl_get(NULL, &s, 2000, 1024, &resp, err, sizeof(err)), IDP_OK);
    assert_int_equal(resp.status, 302);
    assert_int_equal(atomic_load(&s.hits), 1); /* /moved was never asked for */
    idp_net_resp_free(&resp);
    srv_stop(&s);
}

static void test_net_caps_a_body_with_content_length(void **state)
{
    (void)state;
    srv_t s;
    idp_net_resp_t resp;
    char err[256];
    srv_start(&s, SRV_BIG_LENGTH);
    assert_int_equal(curl_get(NULL, &s, 2000, 1024, &resp, err, sizeof(err)), IDP_E_TOO_LARGE);
    assert_true(resp.body.len <= 1024);
    idp_net_resp_free(&resp);
    srv_stop(&s);
}

static void test_net_caps_a_chunked_body(void **state)
{
    (void)state;
    srv_t s;
    idp_net_resp_t resp;
    char err[256];
    srv_start(&s, SRV_BIG_CHUNKED);
    assert_int_equal(curl_get(NULL, &s, 2000, 1024, &resp, err, sizeof(err)), IDP_E_TOO_LARGE);
    assert_true(resp.body.len <= 1024);
    idp_net_resp_free(&resp);
    srv_stop(&s);
}

static void test_net_gives_up_after_the_timeout(void **state)
{
    (void)state;
    srv_t s;
    idp_net_resp_t resp;
    char err[256];
    srv_start(&s, SRV_SILENT);
    long long t0 = now_ms();
    assert_int_equal(curl_get(NULL, &s, 300, 1024, &resp, err, sizeof(err)), IDP_E_UNAVAILABLE);
    long long took = now_ms() - t0;
    assert_true(took >= 250 && took < 2000);
    assert_non_null(strstr(err, "timed out"));
    idp_net_resp_free(&resp);
    srv_stop(&s);
}

/* http_proxy and https_proxy in the environment are ignored; only idp_net_t.proxy is used. */
static void test_net_takes_no_proxy_from_the_environment(void **state)
{
    (void)state;
    srv_t proxy;
    idp_net_resp_t resp;
    char err[256], url[64];
    srv_start(&proxy, SRV_PROXY);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", proxy.port);
    setenv("https_proxy", url, 1);
    setenv("HTTPS_PROXY", url, 1);
    setenv("ALL_PROXY", url, 1);
    idp_net_req_t req = {
        .method = IDP_NET_GET, .url = "https://sakaid-test.invalid/jwks", .timeout_ms = 1000, .max_bytes = 64};
    assert_int_equal(idp_net_perform(NULL, &req, &resp, err, sizeof(err)), IDP_E_UNAVAILABLE);
    idp_net_resp_free(&resp);
    assert_int_equal(atomic_load(&proxy.hits), 0);
    /* the control: a configured proxy is used */
    idp_net_t net = {.proxy = url};
    assert_int_equal(idp_net_perform(&net, &req, &resp, err, sizeof(err)), IDP_E_UNAVAILABLE);
    idp_net_resp_free(&resp);
    assert_int_equal(atomic_load(&proxy.hits), 1);
    assert_non_null(strstr(proxy.first_line, "CONNECT sakaid-test.invalid:443"));
    unsetenv("https_proxy");
    unsetenv("HTTPS_PROXY");
    unsetenv("ALL_PROXY");
    srv_stop(&proxy);
}

/* The platform operator's revocation API (revocation/operator.c): a JSON body and a bearer token (RFC 6750 §2.1). */
static void test_net_posts_json_with_a_bearer_token(void **state)
{
    (void)state;
    srv_t s;
    idp_net_resp_t resp;
    char err[256], url[64];
    srv_start(&s, SRV_OK);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/status", s.port);
    idp_net_req_t req = {.method = IDP_NET_POST_JSON,
                         .url = url,
                         .form = "{\"serial\":\"01\"}",
                         .bearer = "api-key-123",
                         .timeout_ms = 2000,
                         .max_bytes = 16};
    assert_int_equal(idp_net_perform(NULL, &req, &resp, err, sizeof(err)), IDP_OK);
    assert_int_equal(resp.status, 200);
    idp_net_resp_free(&resp);
    srv_stop(&s);
    assert_string_equal(s.first_line, "POST /status HTTP/1.1");
    assert_non_null(strstr(s.head, "\r\nAuthorization: Bearer api-key-123\r\n"));
    assert_non_null(strstr(s.head, "\r\nContent-Type: application/json\r\n"));
    /* a body is required, and one kind of authentication at a time */
    req.form = NULL;
    assert_int_equal(idp_net_perform(NULL, &req, &resp, err, sizeof(err)), IDP_E_INVALID_REQUEST);
    idp_net_resp_free(&resp);
    req.form = "{}";
    req.basic_user = "u";
    assert_int_equal(idp_net_perform(NULL, &req, &resp, err, sizeof(err)), IDP_E_INVALID_REQUEST);
    idp_net_resp_free(&resp);
}

/* Refused with the real transport too, at once: 10.255.255.1 would otherwise take the whole timeout. */
static void test_net_refuses_plain_http_before_connecting(void **state)
{
    (void)state;
    idp_net_resp_t resp;
    char err[256];
    idp_net_req_t req = {.method = IDP_NET_GET, .url = "http://10.255.255.1/jwks", .timeout_ms = 5000, .max_bytes = 64};
    long long t0 = now_ms();
    assert_int_equal(idp_net_perform(NULL, &req, &resp, err, sizeof(err)), IDP_E_INVALID_REQUEST);
    assert_true(now_ms() - t0 < 500);
    assert_non_null(strstr(err, "https only"));
    idp_net_resp_free(&resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_net_refuses_http_to_a_host_that_is_not_loopback),
        cmocka_unit_test(test_net_lets_https_and_loopback_http_through),
        cmocka_unit_test(test_net_refuses_a_timeout_out_of_range),
        cmocka_unit_test(test_net_returns_an_answer_within_the_cap),
        cmocka_unit_test(test_net_returns_a_redirect_as_it_is),
        cmocka_unit_test(test_net_caps_a_body_with_content_length),
        cmocka_unit_test(test_net_caps_a_chunked_body),
        cmocka_unit_test(test_net_gives_up_after_the_timeout),
        cmocka_unit_test(test_net_takes_no_proxy_from_the_environment),
        cmocka_unit_test(test_net_refuses_plain_http_before_connecting),
        cmocka_unit_test(test_net_posts_json_with_a_bearer_token),
    };
    idp_net_global_init();
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    idp_net_global_cleanup();
    return failed;
}

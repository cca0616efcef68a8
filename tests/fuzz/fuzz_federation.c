/*
 * Fuzz target: what an upstream OpenID provider sends back during social
 * login (idp/federation): its discovery document, its token response, the
 * ID token in it and its JWK Set. federation.c keeps its parsers static, so
 * this reaches them only through the exported calls (idp_fed_discover,
 * idp_fed_auth_url, idp_fed_callback), with the upstream played by a small
 * HTTP server on 127.0.0.1 in this process (http on loopback is allowed).
 *
 * The input is four texts split at lines "%%": the discovery document,
 * the token response, the ID token's claims, and the JWK Set. In each,
 * "$ISS" becomes the upstream's issuer (http://127.0.0.1:PORT); in the
 * token response "$ID_TOKEN" becomes a compact JWS of the claims signed
 * with an ES256 key made here, and in the JWK Set "$JWK" becomes that key's
 * public JWK, so that the signature verifies and the claim checks run
 * (OpenID Connect Core §3.1.3.7). A text that begins with "HTTP/" is sent
 * as the whole response (status line and fields as given). Paths: the
 * discovery document at /.well-known/openid-configuration, the token
 * response for any POST, the JWK Set for any other GET. The process's
 * proxy variables point at the same server, so that no request leaves it:
 * other hosts are served the same answers, https tunnels are refused.
 * Oracle: a login that succeeds names a non-empty sub of at most 255
 * bytes, from claims whose iss is the issuer, whose nonce is the login's
 * and whose exp has not passed (the clock is fixed at NOW below).
 * libFuzzer: -DSAKAID_FUZZ=ON with clang (docs/testing.md); the test suite
 * runs it through driver.c over tests/fuzz/seeds/federation.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "federation/federation.h"
#include "net/http_client.h"
#include "jose/jwt.h"
#include "jose/key.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1767225600LL /* 2026-01-01T00:00:00Z */
#define NONCE "n-0S6_WzA2Mj"
#define REQ_MAX (64 * 1024)

enum { DOC, TOKEN, CLAIMS, JWKS, NSEC };

static idp_jose_key_t *key;
static int verbose;
static char issuer[64];
/* Outbound HTTP (idp/net): loopback goes straight to this process's server, any other host to it as a proxy. */
static idp_net_t net;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *answer[NSEC]; /* what the upstream answers now (under lock) */
static size_t answer_len[NSEC];

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

/* Reads one request (head, and a body of Content-Length bytes) and answers it. */
static void serve(int fd)
{
    static char req[REQ_MAX + 1];
    size_t n = 0;
    char *end = NULL;
    req[0] = '\0';
    while (n < REQ_MAX && (end = strstr(req, "\r\n\r\n")) == NULL) {
        ssize_t r = recv(fd, req + n, REQ_MAX - n, 0);
        if (r <= 0)
            return;
        n += (size_t)r;
        req[n] = '\0';
    }
    if (end == NULL)
        return;
    const char *cl = strstr(req, "\r\nContent-Length: ");
    size_t body = cl && cl < end ? strtoul(cl + 18, NULL, 10) : 0, have = n - (size_t)(end + 4 - req);
    while (have < body && n < REQ_MAX) {
        ssize_t r = recv(fd, req + n, REQ_MAX - n, 0);
        if (r <= 0)
            break;
        n += (size_t)r;
        have += (size_t)r;
    }
    if (!strncmp(req, "CONNECT ", 8)) { /* https through the proxy: refused */
        send_all(fd, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", 45);
        return;
    }
    const char *line_end = strstr(req, "\r\n"), *wk = strstr(req, "/.well-known/openid-configuration ");
    int which = !strncmp(req, "POST ", 5) ? TOKEN : wk && wk < line_end ? DOC : JWKS;
    pthread_mutex_lock(&lock);
    const char *a = answer[which] ? answer[which] : "";
    size_t al = answer[which] ? answer_len[which] : 0;
    if (al >= 5 && !memcmp(a, "HTTP/", 5)) {
        send_all(fd, a, al);
    } else {
        char head[160];
        int hn = snprintf(head, sizeof(head),
                          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                          "Connection: close\r\n\r\n",
                          al);
        send_all(fd, head, (size_t)hn);
        send_all(fd, a, al);
    }
    pthread_mutex_unlock(&lock);
}

static void *upstream(void *arg)
{
    int lfd = (int)(intptr_t)arg;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            continue;
        struct timeval tv = {.tv_sec = 2};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        serve(fd);
        shutdown(fd, SHUT_WR);
        close(fd);
    }
    return NULL;
}

static void init(void)
{
    if (idp_jose_key_generate(IDP_ALG_ES256, &key) != IDP_OK)
        abort();
    verbose = getenv("SAKAID_FUZZ_VERBOSE") != NULL;
    int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    pthread_t t;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 16) != 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &sl) != 0 ||
        pthread_create(&t, NULL, upstream, (void *)(intptr_t)lfd) != 0)
        abort();
    pthread_detach(t);
    snprintf(issuer, sizeof(issuer), "http://127.0.0.1:%d", ntohs(sa.sin_port));
    net.proxy = issuer;
    /* Every request stays in this process: any other host (an https endpoint, another port) goes to
     * this server as a proxy request, and https tunnels are refused. */
    static const char *const proxies[] = {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"};
    for (size_t i = 0; i < sizeof(proxies) / sizeof(proxies[0]); i++)
        setenv(proxies[i], issuer, 1);
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
}

/* The claims that signed in must pass the checks of OpenID Connect Core §3.1.3.7 that matter most. */
static void check_claims(const char *claims, const char *sub)
{
    json_t *c = json_loads(claims, 0, NULL);
    json_t *exp = json_object_get(c, "exp");
    const char *iss = json_string_value(json_object_get(c, "iss")),
               *nonce = json_string_value(json_object_get(c, "nonce"));
    if (!iss || strcmp(iss, issuer) || !nonce || strcmp(nonce, NONCE) || !json_is_integer(exp) ||
        json_integer_value(exp) + 60 <= NOW || !*sub || strlen(sub) > 255)
        abort();
    json_decref(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (key == NULL)
        init();
    const char *sec[NSEC];
    size_t len[NSEC], n = fuzz_sections((const char *)data, size, sec, len, NSEC);
    char *text[NSEC] = {NULL}, *token = NULL;
    size_t tl[NSEC] = {0};
    for (size_t i = 0; i < n; i++)
        if ((text[i] = fuzz_subst(sec[i], len[i], "$ISS", issuer, &tl[i])) == NULL)
            goto Exit;
    if (text[CLAIMS] && idp_jwt_sign(key, NULL, text[CLAIMS], &token) != IDP_OK)
        token = NULL; /* claims too long to sign: "$ID_TOKEN" stays empty */

    pthread_mutex_lock(&lock);
    for (int i = 0; i < NSEC; i++) {
        free(answer[i]);
        answer[i] = NULL;
    }
    answer[DOC] = text[DOC] ? fuzz_memdup(text[DOC], tl[DOC]) : NULL; /* may hold NUL bytes */
    answer_len[DOC] = tl[DOC];
    if (text[TOKEN])
        answer[TOKEN] = fuzz_subst(text[TOKEN], tl[TOKEN], "$ID_TOKEN", token ? token : "", &answer_len[TOKEN]);
    if (text[JWKS])
        answer[JWKS] = fuzz_subst(text[JWKS], tl[JWKS], "$JWK", idp_jose_key_public_jwk(key), &answer_len[JWKS]);
    pthread_mutex_unlock(&lock);

    idp_fed_t *f = idp_fed_new(&net, 2000, 2);
    idp_fed_upstream_t u = {
        .issuer = issuer, .client_id = "sakaid-rp", .client_secret = "s3cr3t", .scopes = "openid email"};
    char err[512], *url = NULL;
    idp_fed_result_t res;
    const char *redirect = "https://id.sakai.example/login/social/callback",
               *verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    if (idp_fed_discover(f, issuer, err, sizeof(err)) == IDP_OK &&
        idp_fed_auth_url(f, &u, redirect, "state-1", NONCE, verifier, "ja", &url, err, sizeof(err)) == IDP_OK) {
        if (url == NULL || strstr(url, "response_type=code") == NULL)
            abort();
        free(url);
    }
    err[0] = '\0';
    idp_err_t e = idp_fed_callback(f, &u, redirect, "SplxlOBeZQQYbYS6WxSbIA", verifier, NONCE, issuer, NOW, &res, err,
                                   sizeof(err));
    if (e == IDP_OK)
        check_claims(text[CLAIMS] ? text[CLAIMS] : "", res.sub);
    if (verbose) /* SAKAID_FUZZ_VERBOSE=1: how each input ended, for writing seeds */
        fprintf(stderr, "callback: %s sub=%s %s\n", idp_err_code(e), res.sub, err);
    idp_fed_result_clear(&res);
    idp_fed_free(f);
Exit:
    free(token);
    for (size_t i = 0; i < NSEC; i++)
        free(text[i]);
    return 0;
}

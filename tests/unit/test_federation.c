/*
 * idp/federation/federation.c through the outbound-HTTP seam: a fake
 * idp_net_t stands in for the upstream, so the relying party's own rules
 * (its limits, Discovery §4.3) are checked with no socket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "federation/federation.h"
#include "net/http_client.h"

typedef struct {
    int calls;
    long status; /* what the fake upstream answers */
    const char *body;
    idp_net_req_t seen; /* the last request (its strings live only during the call) */
    char url[256];
} upstream_t;

static idp_err_t fake(const idp_net_t *net, const idp_net_req_t *req, idp_net_resp_t *resp, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    upstream_t *u = net->ctx;
    u->calls++;
    u->seen = *req;
    snprintf(u->url, sizeof(u->url), "%s", req->url);
    resp->status = u->status;
    return idp_buf_puts(&resp->body, u->body);
}

#define DISCOVERY(iss)                                                                              \
    "{\"issuer\":\"" iss "\",\"authorization_endpoint\":\"" iss "/auth\",\"token_endpoint\":\"" iss \
    "/token\",\"jwks_uri\":\"" iss "/jwks\"}"

static void test_fed_discovery_goes_through_the_seam_with_its_limits(void **state)
{
    (void)state;
    upstream_t up = {.status = 200, .body = DISCOVERY("https://up.example")};
    idp_net_t net = {.transport = fake, .ctx = &up};
    idp_fed_t *f = idp_fed_new(&net, 4321, 4);
    char err[256] = "";
    assert_non_null(f);
    assert_int_equal(idp_fed_discover(f, "https://up.example", err, sizeof(err)), IDP_OK);
    assert_int_equal(up.calls, 1);
    assert_string_equal(up.url, "https://up.example/.well-known/openid-configuration");
    assert_int_equal(up.seen.method, IDP_NET_GET);
    assert_int_equal(up.seen.timeout_ms, 4321);
    assert_int_equal(up.seen.max_bytes, 256 * 1024);
    /* cached: no second request */
    assert_int_equal(idp_fed_discover(f, "https://up.example", err, sizeof(err)), IDP_OK);
    assert_int_equal(up.calls, 1);
    idp_fed_free(f);
}

/* OpenID Connect Discovery §4.3: the document names exactly the issuer asked. */
static void test_fed_discovery_refuses_another_issuer(void **state)
{
    (void)state;
    upstream_t up = {.status = 200, .body = DISCOVERY("https://evil.example")};
    idp_net_t net = {.transport = fake, .ctx = &up};
    idp_fed_t *f = idp_fed_new(&net, 1000, 4);
    char err[256] = "";
    assert_int_equal(idp_fed_discover(f, "https://up.example", err, sizeof(err)), IDP_E_UNAVAILABLE);
    assert_non_null(strstr(err, "names issuer https://evil.example"));
    idp_fed_free(f);
}

/* A redirect is an answer, not a document: the relying party gets it as it is and refuses it. */
static void test_fed_discovery_refuses_a_redirect(void **state)
{
    (void)state;
    upstream_t up = {.status = 302, .body = ""};
    idp_net_t net = {.transport = fake, .ctx = &up};
    idp_fed_t *f = idp_fed_new(&net, 1000, 4);
    char err[256] = "";
    assert_int_equal(idp_fed_discover(f, "https://up.example", err, sizeof(err)), IDP_E_UNAVAILABLE);
    assert_non_null(strstr(err, "HTTP 302"));
    idp_fed_free(f);
}

/* Plain http to a host that is not loopback never reaches the transport. */
static void test_fed_discovery_refuses_plain_http(void **state)
{
    (void)state;
    upstream_t up = {.status = 200, .body = DISCOVERY("http://up.example")};
    idp_net_t net = {.transport = fake, .ctx = &up};
    idp_fed_t *f = idp_fed_new(&net, 1000, 4);
    char err[256] = "";
    assert_int_equal(idp_fed_discover(f, "http://up.example", err, sizeof(err)), IDP_E_UNAVAILABLE);
    assert_int_equal(up.calls, 0);
    idp_fed_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fed_discovery_goes_through_the_seam_with_its_limits),
        cmocka_unit_test(test_fed_discovery_refuses_another_issuer),
        cmocka_unit_test(test_fed_discovery_refuses_a_redirect),
        cmocka_unit_test(test_fed_discovery_refuses_plain_http),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * idp/federation/federation.c through the outbound-HTTP seam: a fake
 * idp_net_t stands in for the upstream, so the relying party's own rules
 * (its limits, Discovery §4.3) are checked with no socket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/params.h"
#include "federation/federation.h"
#include "jose/jwt.h"
#include "jose/key.h"
#include "jose/verify.h"
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

/* ---- a card channel: acr_values, private_key_jwt, UserInfo (issue #17) ---------------------------- */

#define APP "https://app.example/api/realms/main"
#define APP_CLIENT "RP00000001"

/* The Digital Agency's app as a fake upstream: answers by URL; what it received is kept for the checks. */
typedef struct {
    idp_jose_key_t *upstream_key; /* signs its ID tokens */
    const char *acr;              /* the ID token's acr (NULL: none) */
    const char *userinfo_sub;     /* NULL: the ID token's */
    char id_token[4096], jwks[2048];
    char token_form[8192]; /* the token request's body */
    char bearer[256];      /* the UserInfo request's access token */
    bool token_used_basic; /* the token request carried Basic credentials */
    int userinfo_calls;
} app_t;

static idp_err_t app_fake(const idp_net_t *net, const idp_net_req_t *req, idp_net_resp_t *resp, char *err,
                          size_t errlen)
{
    (void)err;
    (void)errlen;
    app_t *a = net->ctx;
    resp->status = 200;
    if (!strcmp(req->url, APP "/.well-known/openid-configuration"))
        return idp_buf_puts(&resp->body, "{\"issuer\":\"" APP "\",\"authorization_endpoint\":\"" APP
                                         "/auth\",\"token_endpoint\":\"" APP "/token\",\"jwks_uri\":\"" APP
                                         "/certs\",\"userinfo_endpoint\":\"" APP "/userinfo\"}");
    if (!strcmp(req->url, APP "/certs"))
        return idp_buf_puts(&resp->body, a->jwks);
    if (!strcmp(req->url, APP "/token")) {
        snprintf(a->token_form, sizeof(a->token_form), "%s", req->form ? req->form : "");
        a->token_used_basic = req->basic_user != NULL;
        idp_buf_printf(&resp->body, "{\"access_token\":\"at-1\",\"token_type\":\"Bearer\",\"id_token\":\"%s\"}",
                       a->id_token);
        return IDP_OK;
    }
    if (!strcmp(req->url, APP "/userinfo")) {
        a->userinfo_calls++;
        snprintf(a->bearer, sizeof(a->bearer), "%s", req->bearer ? req->bearer : "");
        idp_buf_printf(&resp->body,
                       "{\"sub\":\"%s\",\"name\":\"Sakai Taro\",\"address\":\"Osaka\",\"birthdate\":\"1990-01-02\","
                       "\"gender\":\"1\"}",
                       a->userinfo_sub ? a->userinfo_sub : "resident-7");
        return IDP_OK;
    }
    resp->status = 404;
    return idp_buf_puts(&resp->body, "{}");
}

/* Signs the ID token the fake will hand out, for @p nonce and now. */
static void app_id_token(app_t *a, const char *nonce)
{
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "iss", APP, "sub", "resident-7", "aud", APP_CLIENT, "nonce",
                          nonce, "iat", (json_int_t)time(NULL), "exp", (json_int_t)time(NULL) + 300);
    if (a->acr)
        json_object_set_new(c, "acr", json_string(a->acr));
    char *text = json_dumps(c, JSON_COMPACT), *jwt = NULL;
    assert_int_equal(idp_jwt_sign(a->upstream_key, NULL, text, &jwt), IDP_OK);
    snprintf(a->id_token, sizeof(a->id_token), "%s", jwt);
    free(jwt);
    free(text);
    json_decref(c);
}

typedef struct {
    app_t app;
    idp_net_t net;
    idp_fed_t *f;
    idp_jose_key_t *ours; /* our private_key_jwt key */
    idp_fed_upstream_t u;
} card_app_t;

static int card_app_setup(void **state)
{
    card_app_t *t = calloc(1, sizeof(*t));
    assert_int_equal(idp_jose_key_generate(IDP_ALG_ES256, &t->app.upstream_key), IDP_OK);
    assert_int_equal(idp_jose_key_generate(IDP_ALG_RS256, &t->ours), IDP_OK);
    snprintf(t->app.jwks, sizeof(t->app.jwks), "{\"keys\":[%s]}", idp_jose_key_public_jwk(t->app.upstream_key));
    t->app.acr = "aal3 crl";
    t->net = (idp_net_t){.transport = app_fake, .ctx = &t->app};
    t->f = idp_fed_new(&t->net, 2000, 2);
    t->u = (idp_fed_upstream_t){.issuer = APP,
                                .client_id = APP_CLIENT,
                                .scopes = "openid name address birthdate gender",
                                .acr_values = "aal3 crl",
                                .assertion_key = t->ours,
                                .userinfo = true};
    *state = t;
    return 0;
}

static int card_app_teardown(void **state)
{
    card_app_t *t = *state;
    idp_fed_free(t->f);
    idp_jose_key_free(t->app.upstream_key);
    idp_jose_key_free(t->ours);
    free(t);
    return 0;
}

static idp_err_t card_app_callback(card_app_t *t, idp_fed_result_t *res, char *err, size_t n)
{
    app_id_token(&t->app, "nonce-1");
    return idp_fed_callback(t->f, &t->u, "https://id.example/login/social/callback", "code-1", "verifier-1", "nonce-1",
                            APP, (long long)time(NULL), res, err, n);
}

static void test_fed_card_app_asks_for_the_assurance(void **state)
{
    card_app_t *t = *state;
    char err[256] = "", *url = NULL;
    assert_int_equal(idp_fed_auth_url(t->f, &t->u, "https://id.example/cb", "st", "nonce-1", "verifier-1", NULL, &url,
                                      err, sizeof(err)),
                     IDP_OK);
    assert_non_null(strstr(url, "&acr_values=aal3%20crl"));
    assert_non_null(strstr(url, "&scope=openid%20name%20address%20birthdate%20gender"));
    assert_non_null(strstr(url, "&code_challenge_method=S256"));
    free(url);
    t->u.acr_values = NULL; /* a social upstream asks for none */
    assert_int_equal(
        idp_fed_auth_url(t->f, &t->u, "https://id.example/cb", "st", "n", "v", NULL, &url, err, sizeof(err)), IDP_OK);
    assert_null(strstr(url, "acr_values"));
    free(url);
}

static void test_fed_card_app_signs_in_with_private_key_jwt_and_reads_userinfo(void **state)
{
    card_app_t *t = *state;
    idp_fed_result_t res;
    char err[256] = "";
    assert_int_equal(card_app_callback(t, &res, err, sizeof(err)), IDP_OK);
    assert_string_equal(res.sub, "resident-7");
    assert_string_equal(res.acr, "aal3 crl");
    assert_string_equal(json_string_value(json_object_get(res.userinfo, "name")), "Sakai Taro");
    assert_string_equal(t->app.bearer, "at-1"); /* RFC 6750 §2.1, the access token of this exchange */
    /* RFC 7523 §2.2: no Basic credentials; a client assertion signed by our key, for the token endpoint */
    assert_false(t->app.token_used_basic);
    idp_arena_t arena;
    idp_arena_init(&arena, 65536);
    idp_params_t p;
    const char *type, *assertion, *client_id;
    assert_int_equal(idp_params_parse(&arena, t->app.token_form, strlen(t->app.token_form), &p), IDP_OK);
    assert_int_equal(idp_params_get(&p, "client_assertion_type", &type), IDP_OK);
    assert_string_equal(type, "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    assert_int_equal(idp_params_get(&p, "client_id", &client_id), IDP_OK);
    assert_string_equal(client_id, APP_CLIENT);
    assert_int_equal(idp_params_get(&p, "client_assertion", &assertion), IDP_OK);
    char jwks[2048];
    snprintf(jwks, sizeof(jwks), "{\"keys\":[%s]}", idp_jose_key_public_jwk(t->ours));
    idp_jwks_t *keys = NULL;
    json_t *claims = NULL;
    assert_int_equal(idp_jwks_parse(jwks, strlen(jwks), &keys), IDP_OK);
    assert_int_equal(idp_jws_verify(keys, assertion, NULL, &claims), IDP_OK);
    assert_string_equal(json_string_value(json_object_get(claims, "iss")), APP_CLIENT);
    assert_string_equal(json_string_value(json_object_get(claims, "sub")), APP_CLIENT);
    assert_string_equal(json_string_value(json_object_get(claims, "aud")), APP "/token");
    assert_non_null(json_string_value(json_object_get(claims, "jti")));
    assert_true(json_integer_value(json_object_get(claims, "exp")) <= (json_int_t)time(NULL) + 60);
    json_decref(claims);
    idp_jwks_free(keys);
    idp_arena_free(&arena);
    idp_fed_result_clear(&res);
}

static void test_fed_card_app_refuses_less_assurance_than_asked(void **state)
{
    card_app_t *t = *state;
    idp_fed_result_t res;
    char err[256];
    /* OpenID Connect Core §3.1.3.7 item 12: never a downgrade. A lower level, the check missing, no acr at all,
     * a value that only contains the one asked for. */
    const char *lower[] = {"aal2 crl", "aal3", "crl", "aal3crl", "aal3-crl aal2", NULL};
    for (const char **acr = lower; *acr; acr++) {
        t->app.acr = *acr;
        err[0] = '\0';
        assert_int_equal(card_app_callback(t, &res, err, sizeof(err)), IDP_E_INVALID_GRANT);
        assert_non_null(strstr(err, "acr"));
        assert_null(res.id_token);
    }
    t->app.acr = NULL;
    assert_int_equal(card_app_callback(t, &res, err, sizeof(err)), IDP_E_INVALID_GRANT);
    t->app.acr = "crl aal3 extra"; /* every value asked for, in any order, more is fine */
    assert_int_equal(card_app_callback(t, &res, err, sizeof(err)), IDP_OK);
    idp_fed_result_clear(&res);
    assert_int_equal(t->app.userinfo_calls, 1); /* only the accepted sign-in read the attributes */
}

static void test_fed_card_app_refuses_userinfo_of_another_subject(void **state)
{
    card_app_t *t = *state;
    idp_fed_result_t res;
    char err[256] = "";
    t->app.userinfo_sub = "someone-else"; /* Core §5.3.2: the values MUST NOT be used */
    assert_int_equal(card_app_callback(t, &res, err, sizeof(err)), IDP_E_INVALID_GRANT);
    assert_null(res.userinfo);
    assert_null(res.id_token);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fed_discovery_goes_through_the_seam_with_its_limits),
        cmocka_unit_test(test_fed_discovery_refuses_another_issuer),
        cmocka_unit_test(test_fed_discovery_refuses_a_redirect),
        cmocka_unit_test(test_fed_discovery_refuses_plain_http),
        cmocka_unit_test_setup_teardown(test_fed_card_app_asks_for_the_assurance, card_app_setup, card_app_teardown),
        cmocka_unit_test_setup_teardown(test_fed_card_app_signs_in_with_private_key_jwt_and_reads_userinfo,
                                        card_app_setup, card_app_teardown),
        cmocka_unit_test_setup_teardown(test_fed_card_app_refuses_less_assurance_than_asked, card_app_setup,
                                        card_app_teardown),
        cmocka_unit_test_setup_teardown(test_fed_card_app_refuses_userinfo_of_another_subject, card_app_setup,
                                        card_app_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

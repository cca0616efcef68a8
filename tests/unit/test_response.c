/*
 * oauth/response.c idp_oauth_respond: one outcome, shown by the endpoint
 * row's error surface (issue #16 §3): JSON with its status and headers, a
 * Bearer challenge, an error page while the redirect URI is not trusted, a
 * redirect with state and iss after; internal reasons never reach the client.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "oauth/oauth.h"

typedef struct {
    idp_config_t *cfg;
    idp_oauth_t o;
    idp_arena_t arena;
    idp_oauth_req_t req;
    idp_oauth_resp_t resp;
} t_t;

static const char *env(const char *name)
{
    return !strcmp(name, "SAKAID_DATABASE_URL") ? "postgresql://db/sakaid" : NULL;
}

static int setup(void **state)
{
    t_t *t = calloc(1, sizeof(*t));
    char err[512];
    if (idp_config_load_text("{\"issuer\": \"https://id.example.jp\"}", env, &t->cfg, err, sizeof(err)) != IDP_OK)
        return -1;
    t->o.cfg = t->cfg;
    idp_arena_init(&t->arena, 4u << 20);
    t->req.arena = &t->arena;
    t->req.lang = "en";
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    t_t *t = *state;
    idp_arena_free(&t->arena);
    idp_config_free(t->cfg);
    free(t);
    return 0;
}

static void render(t_t *t, idp_endpoint_id_t id, idp_outcome_t out)
{
    memset(&t->resp, 0, sizeof(t->resp));
    idp_oauth_respond(&t->o, id, &t->req, &t->resp, out);
}

static json_t *body(const t_t *t)
{
    json_t *j = json_loadb(t->resp.body, t->resp.body_len, 0, NULL);
    assert_non_null(j);
    return j;
}

static void success_leaves_the_response_alone(void **state)
{
    t_t *t = *state;
    render(t, IDP_EP_TOKEN, idp_ok());
    assert_int_equal(t->resp.status, 0);
    assert_null(t->resp.body);
}

/* RFC 6749 §5.2: the code and description as JSON, the status from the error table. */
static void json_surface_is_an_oauth_error(void **state)
{
    t_t *t = *state;
    render(t, IDP_EP_TOKEN, idp_fail(IDP_E_INVALID_GRANT, "the code is invalid or expired"));
    assert_int_equal(t->resp.status, 400);
    assert_null(t->resp.content_type); /* application/json */
    assert_null(t->resp.www_authenticate);
    json_t *j = body(t);
    assert_string_equal(json_string_value(json_object_get(j, "error")), "invalid_grant");
    assert_string_equal(json_string_value(json_object_get(j, "error_description")), "the code is invalid or expired");
    json_decref(j);
    /* §5.2: 401 invalid_client names the scheme the client may use */
    render(t, IDP_EP_TOKEN, idp_fail(IDP_E_INVALID_CLIENT, "client authentication failed"));
    assert_int_equal(t->resp.status, 401);
    assert_non_null(t->resp.www_authenticate);
    assert_non_null(strstr(t->resp.www_authenticate, "Basic realm="));
}

/* An internal error goes out as server_error with no detail; its reason is for the log only. */
static void internal_reason_never_reaches_the_body(void **state)
{
    t_t *t = *state;
    static const idp_endpoint_id_t ids[] = {IDP_EP_TOKEN, IDP_EP_USERINFO, IDP_EP_LOGIN, IDP_EP_AUTHORIZE};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        idp_outcome_t out =
            idp_fail_why(IDP_E_SERVER_ERROR, "pq: relation grants_xyzzy missing", "pg: connection plugh");
        render(t, ids[i], out);
        assert_int_equal(t->resp.status, 500);
        assert_non_null(t->resp.body);
        assert_null(strstr(t->resp.body, "xyzzy"));
        assert_null(strstr(t->resp.body, "plugh"));
        assert_null(t->resp.location);
    }
    /* after the redirect URI is trusted: server_error (RFC 6749 §4.1.2.1), still without detail */
    idp_outcome_t out = idp_fail_why(IDP_E_NOMEM, "pq: relation grants_xyzzy missing", "pg: connection plugh");
    out.redirect_uri = "https://rp.example/cb";
    render(t, IDP_EP_AUTHORIZE, out);
    assert_int_equal(t->resp.status, 303);
    assert_string_equal(t->resp.location, "https://rp.example/cb?error=server_error&iss=https%3A%2F%2Fid.example.jp");
    render(t, IDP_EP_TOKEN, idp_fail_store(IDP_E_NOMEM));
    json_t *j = body(t);
    assert_string_equal(json_string_value(json_object_get(j, "error")), "server_error");
    assert_null(json_object_get(j, "error_description"));
    json_decref(j);
}

/* RFC 6750 §3: a Bearer challenge naming the error; none named when the request had no token (§3.1). */
static void bearer_surface_challenges(void **state)
{
    t_t *t = *state;
    render(t, IDP_EP_USERINFO, idp_fail(IDP_E_INVALID_TOKEN, "the access token is invalid, expired or revoked"));
    assert_int_equal(t->resp.status, 401);
    assert_non_null(t->resp.www_authenticate);
    assert_non_null(strstr(t->resp.www_authenticate, "Bearer realm=\"sakaid\", error=\"invalid_token\""));
    render(t, IDP_EP_USERINFO, idp_fail(IDP_E_INSUFFICIENT_SCOPE, "the token was not issued with scope openid"));
    assert_int_equal(t->resp.status, 403);
    assert_non_null(strstr(t->resp.www_authenticate, "error=\"insufficient_scope\""));
    render(t, IDP_EP_USERINFO, (idp_outcome_t){.err = IDP_E_INVALID_TOKEN, .no_token = true});
    assert_int_equal(t->resp.status, 401);
    assert_string_equal(t->resp.www_authenticate, "Bearer realm=\"sakaid\"");
    render(t, IDP_EP_USERINFO, idp_fail_store(IDP_E_UNAVAILABLE)); /* our failure: no challenge */
    assert_int_equal(t->resp.status, 503);
    assert_null(t->resp.www_authenticate);
}

/* A page endpoint, and a redirect endpoint before its redirect URI is trusted: an HTML page, never a Location. */
static void page_before_the_redirect_uri_is_trusted(void **state)
{
    t_t *t = *state;
    static const idp_endpoint_id_t ids[] = {IDP_EP_LOGIN, IDP_EP_AUTHORIZE};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        render(t, ids[i], idp_fail(IDP_E_FORBIDDEN, "the form is stale: reload the page"));
        assert_int_equal(t->resp.status, 403);
        assert_null(t->resp.location);
        assert_non_null(t->resp.content_type);
        assert_non_null(strstr(t->resp.content_type, "text/html"));
        assert_non_null(strstr(t->resp.body, "invalid_request"));
        assert_non_null(strstr(t->resp.body, "the form is stale"));
        assert_non_null(strstr(t->resp.body, "lang=\"en\"")); /* the request's language */
    }
    render(t, IDP_EP_AUTHORIZE, idp_in_lang(idp_fail(IDP_E_UNKNOWN_CLIENT, "unknown client"), "ja"));
    assert_int_equal(t->resp.status, 400);
    assert_non_null(strstr(t->resp.body, "lang=\"ja\"")); /* ui_locales wins */
}

/* RFC 6749 §4.1.2.1 and RFC 9207: after validation, the error goes to the client with state and iss. */
static void redirect_after_the_redirect_uri_is_trusted(void **state)
{
    t_t *t = *state;
    idp_outcome_t out = idp_fail(IDP_E_ACCESS_DENIED, "the resident did not consent");
    out.redirect_uri = "https://rp.example/cb";
    out.state = "st ate";
    out.client_id = "rp";
    render(t, IDP_EP_CONSENT, out);
    assert_int_equal(t->resp.status, 303);
    assert_non_null(t->resp.location);
    assert_string_equal(t->resp.location, "https://rp.example/cb?error=access_denied&error_description=the%20resident"
                                          "%20did%20not%20consent&state=st%20ate&iss=https%3A%2F%2Fid.example.jp");
    out.response_mode = "form_post";
    render(t, IDP_EP_AUTHORIZE, out);
    assert_int_equal(t->resp.status, 200);
    assert_null(t->resp.location);
    assert_non_null(strstr(t->resp.body, "action=\"https://rp.example/cb\""));
    assert_non_null(strstr(t->resp.body, "access_denied"));
    assert_non_null(strstr(t->resp.body, "st ate"));
    assert_non_null(strstr(t->resp.body, "https://id.example.jp"));
    /* a page surface never redirects, whatever the outcome carries */
    out.response_mode = NULL;
    render(t, IDP_EP_LOGIN, out);
    assert_int_equal(t->resp.status, 400);
    assert_null(t->resp.location);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(success_leaves_the_response_alone),
        cmocka_unit_test(json_surface_is_an_oauth_error),
        cmocka_unit_test(internal_reason_never_reaches_the_body),
        cmocka_unit_test(bearer_surface_challenges),
        cmocka_unit_test(page_before_the_redirect_uri_is_trusted),
        cmocka_unit_test(redirect_after_the_redirect_uri_is_trusted),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

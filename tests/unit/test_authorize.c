/* Authorization request validation: order and rules (OIDC Core §3.1.2, RFC 6749 §4.1, RFC 7636, RFC 9700). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "client_fixture.h"
#include "oauth/authorize.h"

static const char *const meta_default =
    "{\"client_name\":\"w\",\"redirect_uris\":[\"https://rp.example/cb\"],\"response_types\":[\"code\"],"
    "\"token_endpoint_auth_method\":\"client_secret_basic\",\"require_pkce\":true}";
static const char *const meta_no_pkce =
    "{\"client_name\":\"w\",\"redirect_uris\":[\"https://rp.example/cb\"],\"response_types\":[\"code\"],"
    "\"token_endpoint_auth_method\":\"client_secret_basic\",\"require_pkce\":false}";
/* A public client: validation refuses require_pkce false for it (client_meta.c), so run() clears the flag on a copy
 * to check that authorize.c needs PKCE from a public client on its own. */
static const char *const meta_public =
    "{\"client_name\":\"w\",\"redirect_uris\":[\"https://rp.example/cb\"],\"response_types\":[\"code\"],"
    "\"token_endpoint_auth_method\":\"none\",\"require_pkce\":true}";

#define OK_BASE "client_id=c&redirect_uri=https%3A%2F%2Frp.example%2Fcb&response_type=code&scope=openid&state=s"
#define CHALLENGE "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"

static bool run(const char *query, const char *meta_text, idp_authz_req_t *out, idp_authz_error_t *err)
{
    idp_arena_t a;
    idp_params_t p;
    idp_arena_init(&a, 1 << 16);
    assert_int_equal(idp_params_parse(&a, query, strlen(query), &p), IDP_OK);
    const idp_client_t *client = meta_text ? test_client("c", meta_text) : NULL;
    idp_client_t copy;
    if (client && client->is_public) {
        copy = *client; /* its strings stay the client's */
        copy.require_pkce = false;
    }
    memset(err, 0, sizeof(*err));
    bool ok = idp_authz_validate(&p, client && client->is_public ? &copy : client, out, err);
    /* out points into the arena: copy what the tests look at before freeing */
    static char state[64], challenge[160];
    if (ok) {
        snprintf(state, sizeof(state), "%s", out->state ? out->state : "");
        snprintf(challenge, sizeof(challenge), "%s", out->code_challenge ? out->code_challenge : "");
        out->state = state;
        out->code_challenge = challenge;
        out->client_id = out->redirect_uri = out->scope = out->nonce = out->response_mode = NULL;
        out->login_hint = out->ui_locales = out->acr_values = out->id_token_hint = out->claims = NULL;
    }
    idp_client_unref(client);
    idp_arena_free(&a);
    return ok;
}

static void valid(void **state)
{
    idp_authz_req_t r;
    idp_authz_error_t e;
    assert_true(
        run(OK_BASE CHALLENGE
            "&prompt=login&max_age=300&claims=%7B%22id_token%22%3A%7B%22acr%22%3A%7B%22essential%22%3Atrue%7D%7D%7D",
            meta_default, &r, &e));
    assert_string_equal(r.state, "s");
    assert_true(r.prompt_login);
    assert_false(r.prompt_none);
    assert_int_equal(r.max_age, 300);
    assert_non_null(json_object_get(json_object_get(r.claims_json, "id_token"), "acr"));
    idp_authz_clear(&r);
    /* a confidential client registered without PKCE, with a nonce */
    assert_true(run(OK_BASE "&nonce=n", meta_no_pkce, &r, &e));
    assert_string_equal(r.code_challenge, "");
    idp_authz_clear(&r);
    /* and without one: OpenID Connect Core §3.1.2.1 makes nonce optional for the code flow (issue #14 item 9) */
    assert_true(run(OK_BASE, meta_no_pkce, &r, &e));
    idp_authz_clear(&r);
}

/* Errors about the client or the redirect URI are never redirected. */
static void not_redirected(void **state)
{
    static const struct {
        const char *q, *meta, *error;
    } cases[] = {
        {"redirect_uri=https%3A%2F%2Frp.example%2Fcb&response_type=code&scope=openid", meta_default, "invalid_request"},
        {"client_id=c&client_id=d&redirect_uri=https%3A%2F%2Frp.example%2Fcb", meta_default, "invalid_request"},
        {OK_BASE CHALLENGE, NULL, "invalid_client"},
        {"client_id=c&response_type=code&scope=openid" CHALLENGE, meta_default, "invalid_request"},
        {"client_id=c&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&response_type=code&scope=openid" CHALLENGE,
         meta_default, "invalid_request"},
        {"client_id=c&redirect_uri=https%3A%2F%2Frp.example%2Fcb%2F&response_type=code&scope=openid" CHALLENGE,
         meta_default, "invalid_request"},
        {"client_id=c&redirect_uri=https%3A%2F%2Frp.example%2Fcb&redirect_uri=https%3A%2F%2Frp.example%2Fcb" CHALLENGE,
         meta_default, "invalid_request"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        idp_authz_req_t r;
        idp_authz_error_t e;
        if (run(cases[i].q, cases[i].meta, &r, &e))
            fail_msg("accepted %s", cases[i].q);
        assert_string_equal(idp_err_code(e.error), cases[i].error);
        if (e.redirect)
            fail_msg("would redirect: %s", cases[i].q);
    }
}

/* After the redirect URI is known good, errors go back to the client. */
static void redirected(void **state)
{
    static const struct {
        const char *q, *meta, *error;
    } cases[] = {
        {"client_id=c&redirect_uri=https%3A%2F%2Frp.example%2Fcb&scope=openid" CHALLENGE, meta_default,
         "invalid_request"},
        {"client_id=c&redirect_uri=https%3A%2F%2Frp.example%2Fcb&response_type=token&scope=openid" CHALLENGE,
         meta_default, "unsupported_response_type"},
        {"client_id=c&redirect_uri=https%3A%2F%2Frp.example%2Fcb&response_type=code+id_token&scope=openid" CHALLENGE,
         meta_default, "unsupported_response_type"},
        {OK_BASE CHALLENGE "&request=eyJ", meta_default, "request_not_supported"},
        {OK_BASE CHALLENGE "&request_uri=https%3A%2F%2Frp.example%2Fr", meta_default, "request_uri_not_supported"},
        {"client_id=c&redirect_uri=https%3A%2F%2Frp.example%2Fcb&response_type=code&scope=profile" CHALLENGE,
         meta_default, "invalid_scope"},
        {OK_BASE CHALLENGE "&response_mode=fragment", meta_default, "invalid_request"},
        {OK_BASE CHALLENGE "&prompt=none+login", meta_default, "invalid_request"},
        {OK_BASE CHALLENGE "&prompt=bogus", meta_default, "invalid_request"},
        {OK_BASE CHALLENGE "&max_age=-1", meta_default, "invalid_request"},
        {OK_BASE CHALLENGE "&max_age=ten", meta_default, "invalid_request"},
        {OK_BASE CHALLENGE "&claims=%7Bnot+json", meta_default, "invalid_request"},
        {OK_BASE CHALLENGE "&claims=%5B1%5D", meta_default, "invalid_request"},
        {OK_BASE CHALLENGE "&state=again", meta_default, "invalid_request"},
        {OK_BASE, meta_default, "invalid_request"},           /* PKCE required by default */
        {OK_BASE "&nonce=n", meta_public, "invalid_request"}, /* public clients always need PKCE */
        {OK_BASE "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=plain",
         meta_default, "invalid_request"},
        {OK_BASE "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", meta_default, "invalid_request"},
        {OK_BASE "&code_challenge=short&code_challenge_method=S256", meta_default, "invalid_request"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        idp_authz_req_t r;
        idp_authz_error_t e;
        if (run(cases[i].q, cases[i].meta, &r, &e))
            fail_msg("accepted %s", cases[i].q);
        if (strcmp(idp_err_code(e.error), cases[i].error) != 0)
            fail_msg("%s: got %s, want %s", cases[i].q, idp_err_code(e.error), cases[i].error);
        if (!e.redirect)
            fail_msg("would not redirect: %s", cases[i].q);
    }
}

static void pkce(void **state)
{
    /* RFC 7636 Appendix B */
    assert_true(idp_pkce_s256_verify("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                                     "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
    assert_false(idp_pkce_s256_verify("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                                      "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj"));
    assert_false(idp_pkce_s256_verify("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "short"));
    assert_false(idp_pkce_s256_verify("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
                                      "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
    assert_false(idp_pkce_s256_verify(NULL, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(valid), cmocka_unit_test(not_redirected),
                                       cmocka_unit_test(redirected), cmocka_unit_test(pkce)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

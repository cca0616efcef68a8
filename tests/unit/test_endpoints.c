/* The endpoint table (oauth/endpoints.h): one row per id, in order, each path once, discovery names once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "oauth/endpoints.h"
#include "oauth/oauth.h"

static void one_row_per_id_in_order(void **state)
{
    (void)state;
    assert_int_equal(idp_endpoints_count, IDP_EP__COUNT);
    for (size_t i = 0; i < idp_endpoints_count; i++) {
        assert_int_equal(idp_endpoints[i].id, i);
        assert_non_null(idp_endpoints[i].path);
        assert_int_equal(idp_endpoints[i].path[0], '/');
        /* space-separated methods we know, each once */
        char copy[64];
        snprintf(copy, sizeof(copy), "%s", idp_endpoints[i].methods);
        int seen = 0;
        for (char *save = NULL, *m = strtok_r(copy, " ", &save); m; m = strtok_r(NULL, " ", &save)) {
            static const char *const known[] = {"GET", "POST", "PUT", "DELETE"};
            int k = 0;
            while (k < 4 && strcmp(known[k], m) != 0)
                k++;
            assert_true(k < 4);
            assert_false(seen & (1 << k));
            seen |= 1 << k;
        }
        assert_true(seen != 0);
    }
}

/* A row ending in {id} takes one segment of [A-Za-z0-9_-]; the others match exactly. */
static void path_parameters(void **state)
{
    (void)state;
    const idp_endpoint_t *reg = &idp_endpoints[IDP_EP_REGISTER], *cfg = &idp_endpoints[IDP_EP_REGISTER_CLIENT];
    const char *p = "unset";
    assert_true(idp_endpoint_match(reg, "/register", &p));
    assert_null(p);
    assert_false(idp_endpoint_match(reg, "/register/", &p));
    assert_true(idp_endpoint_match(cfg, "/register/abc-DEF_123", &p));
    assert_string_equal(p, "abc-DEF_123");
    assert_false(idp_endpoint_match(cfg, "/register", &p));
    assert_false(idp_endpoint_match(cfg, "/register/", &p));
    assert_false(idp_endpoint_match(cfg, "/register/a/b", &p));
    assert_false(idp_endpoint_match(cfg, "/register/a%2Fb", &p));
    assert_false(idp_endpoint_match(cfg, "/register/..", &p));
    assert_false(idp_endpoint_match(cfg, "/registerx", &p));
    char longest[IDP_PATH_PARAM_MAX + 16];
    snprintf(longest, sizeof(longest), "/register/%0*d", IDP_PATH_PARAM_MAX, 0);
    assert_true(idp_endpoint_match(cfg, longest, &p));
    snprintf(longest, sizeof(longest), "/register/%0*d", IDP_PATH_PARAM_MAX + 1, 0);
    assert_false(idp_endpoint_match(cfg, longest, &p));
    /* {id} in the middle: the text after it must follow exactly */
    const idp_endpoint_t mid = {.path = "/a/{id}/approve", .methods = "POST"};
    assert_true(idp_endpoint_match(&mid, "/a/x1/approve", &p));
    assert_int_equal(strcspn(p, "/"), 2);
    assert_false(idp_endpoint_match(&mid, "/a/x1/approve/", &p));
    assert_false(idp_endpoint_match(&mid, "/a/x1/suspend", &p));
    assert_false(idp_endpoint_match(&mid, "/a//approve", &p));
    assert_false(idp_endpoint_match(&mid, "/a/x.1/approve", &p));
}

/* The admin API's OpenAPI document (docs/admin-api.json) names exactly the admin rows and their methods. */
extern const char *const idp_admin_openapi_json;

static void admin_api_matches_its_document(void **state)
{
    (void)state;
    static const char prefix[] = "/admin/api/v1";
    json_t *doc = json_loads(idp_admin_openapi_json, 0, NULL), *paths = json_object_get(doc, "paths");
    assert_non_null(paths);
    size_t described = 0, rows = 0;
    const char *k;
    json_t *ops;
    json_object_foreach (paths, k, ops)
        described += json_object_size(ops);
    for (size_t i = 0; i < idp_endpoints_count; i++) {
        const idp_endpoint_t *e = &idp_endpoints[i];
        if (strncmp(e->path, prefix, sizeof(prefix) - 1) != 0)
            continue;
        json_t *path = json_object_get(paths, e->path + sizeof(prefix) - 1);
        assert_non_null(path);
        char copy[64];
        snprintf(copy, sizeof(copy), "%s", e->methods);
        for (char *save = NULL, *m = strtok_r(copy, " ", &save); m; m = strtok_r(NULL, " ", &save)) {
            char lower[16];
            size_t j;
            for (j = 0; m[j] && j + 1 < sizeof(lower); j++)
                lower[j] = (char)(m[j] - 'A' + 'a');
            lower[j] = '\0';
            assert_non_null(json_object_get(path, lower));
            rows++;
        }
        assert_int_equal(e->errors, IDP_SURFACE_PROBLEM); /* RFC 9457 */
    }
    assert_int_equal(rows, described);
    json_decref(doc);
}

/* RFC 9110 §9.3.2: HEAD wherever GET; the Allow header lists them (§10.2.1). */
static void methods_and_allow(void **state)
{
    (void)state;
    const idp_endpoint_t *cfg = &idp_endpoints[IDP_EP_REGISTER_CLIENT], *tok = &idp_endpoints[IDP_EP_TOKEN];
    assert_true(idp_endpoint_allows(cfg, "GET"));
    assert_true(idp_endpoint_allows(cfg, "HEAD"));
    assert_true(idp_endpoint_allows(cfg, "PUT"));
    assert_true(idp_endpoint_allows(cfg, "DELETE"));
    assert_false(idp_endpoint_allows(cfg, "POST"));
    assert_false(idp_endpoint_allows(cfg, "GE"));
    assert_false(idp_endpoint_allows(tok, "GET"));
    assert_false(idp_endpoint_allows(tok, "HEAD"));
    assert_false(idp_endpoint_allows(tok, "OPTIONS"));
    char allow[64];
    idp_endpoint_allow_list(cfg, allow, sizeof(allow));
    assert_string_equal(allow, "GET, HEAD, PUT, DELETE");
    idp_endpoint_allow_list(tok, allow, sizeof(allow));
    assert_string_equal(allow, "POST");
    idp_endpoint_allow_list(&idp_endpoints[IDP_EP_USERINFO], allow, sizeof(allow));
    assert_string_equal(allow, "GET, HEAD, POST");
}

static void paths_and_discovery_names_are_unique(void **state)
{
    (void)state;
    for (size_t i = 0; i < idp_endpoints_count; i++)
        for (size_t j = i + 1; j < idp_endpoints_count; j++) {
            assert_string_not_equal(idp_endpoints[i].path, idp_endpoints[j].path);
            if (idp_endpoints[i].discovery && idp_endpoints[j].discovery)
                assert_string_not_equal(idp_endpoints[i].discovery, idp_endpoints[j].discovery);
        }
}

/* RFC 8414 §2: *_auth_methods_supported is named after the endpoint's metadata member; RFC 7523 §3: its URL is an aud. */
static void client_auth_endpoints(void **state)
{
    (void)state;
    int n = 0;
    for (size_t i = 0; i < idp_endpoints_count; i++)
        if (idp_endpoints[i].client_auth) {
            assert_non_null(idp_endpoints[i].discovery);
            assert_string_equal(idp_endpoints[i].methods, "POST");
            assert_int_equal(idp_endpoints[i].errors, IDP_SURFACE_JSON);
            n++;
        }
    assert_int_equal(
        n, 4); /* token, pushed authorization requests (RFC 9126 §2: its URL an aud too), introspection, revocation */
    assert_true(idp_endpoints[IDP_EP_TOKEN].client_auth);
    assert_false(idp_endpoints[IDP_EP_USERINFO].client_auth);
}

/* Adding an endpoint is one row of endpoints.def: the row brings its handler, and the HTTP layer has none of its own. */
static void every_row_has_a_handler(void **state)
{
    (void)state;
    for (size_t i = 0; i < idp_endpoints_count; i++)
        if (idp_oauth_handler(idp_endpoints[i].id) == NULL)
            fail_msg("%s has no handler", idp_endpoints[i].path);
    assert_null(idp_oauth_handler(IDP_EP__COUNT));
    /* the two metadata paths are one document (RFC 8414 §3) */
    assert_ptr_equal(idp_oauth_handler(IDP_EP_DISCOVERY), idp_oauth_handler(IDP_EP_AS_METADATA));
    assert_ptr_equal(idp_oauth_handler(IDP_EP_TOKEN), idp_oauth_token);
}

/* Errors of a protocol resource carry a Bearer challenge; redirects happen only where a redirect URI is validated. */
static void error_surfaces(void **state)
{
    (void)state;
    assert_int_equal(idp_endpoints[IDP_EP_USERINFO].errors, IDP_SURFACE_BEARER);
    assert_int_equal(idp_endpoints[IDP_EP_AUTHORIZE].errors, IDP_SURFACE_REDIRECT);
    assert_int_equal(idp_endpoints[IDP_EP_TOKEN].errors, IDP_SURFACE_JSON);
    assert_int_equal(idp_endpoints[IDP_EP_LOGIN].errors, IDP_SURFACE_PAGE);
    /* after a sign-in, the authorization decision's errors go back to the client (RFC 6749 §4.1.2.1) */
    const idp_endpoint_id_t decide[] = {IDP_EP_LOGIN_CONTINUE, IDP_EP_LOGIN_TEST_CARD, IDP_EP_NEW_CARD,
                                        IDP_EP_SIGN_SKIP,      IDP_EP_CONSENT,         IDP_EP_CARD_APP_LINK,
                                        IDP_EP_SOCIAL_CALLBACK};
    for (size_t i = 0; i < sizeof(decide) / sizeof(decide[0]); i++)
        assert_int_equal(idp_endpoints[decide[i]].errors, IDP_SURFACE_REDIRECT);
    /* RFC 6749 §3.2: the token endpoint's parameters travel in the body only */
    assert_int_equal(idp_endpoints[IDP_EP_TOKEN].body, IDP_BODY_FORM_ONLY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_row_per_id_in_order), cmocka_unit_test(path_parameters),
        cmocka_unit_test(methods_and_allow),       cmocka_unit_test(paths_and_discovery_names_are_unique),
        cmocka_unit_test(client_auth_endpoints),   cmocka_unit_test(every_row_has_a_handler),
        cmocka_unit_test(error_surfaces),          cmocka_unit_test(admin_api_matches_its_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The endpoint table (oauth/endpoints.h): one row per id, in order, each path once, discovery names once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
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
        assert_true(!strcmp(idp_endpoints[i].methods, "GET") || !strcmp(idp_endpoints[i].methods, "POST") ||
                    !strcmp(idp_endpoints[i].methods, "GET POST"));
    }
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
    assert_int_equal(n, 3); /* token, introspection, revocation */
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
    /* RFC 6749 §3.2: the token endpoint's parameters travel in the body only */
    assert_int_equal(idp_endpoints[IDP_EP_TOKEN].body, IDP_BODY_FORM_ONLY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_row_per_id_in_order), cmocka_unit_test(paths_and_discovery_names_are_unique),
        cmocka_unit_test(client_auth_endpoints),   cmocka_unit_test(every_row_has_a_handler),
        cmocka_unit_test(error_surfaces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

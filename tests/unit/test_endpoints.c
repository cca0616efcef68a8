/* The endpoint table (oauth/endpoints.h): one row per id, in order, each path once, discovery names once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "oauth/endpoints.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_row_per_id_in_order),
        cmocka_unit_test(paths_and_discovery_names_are_unique),
        cmocka_unit_test(client_auth_endpoints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

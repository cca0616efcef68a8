/*
 * The discovery document (OpenID Connect Discovery 1.0 §3, RFC 8414 §2) built
 * without a server: every endpoint URL comes from the endpoint table, and
 * the client authentication methods are named for each endpoint that takes
 * client authentication.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "oauth/endpoints.h"
#include "oauth/oauth.h"

static const char *env(const char *name)
{
    return !strcmp(name, "SAKAID_DATABASE_URL") ? "postgresql://db/sakaid" : NULL;
}

static void document(void **state)
{
    (void)state;
    idp_config_t *cfg = NULL;
    char err[512];
    assert_int_equal(idp_config_load_text("{\"issuer\": \"https://id.example.jp\"}", env, &cfg, err, sizeof(err)),
                     IDP_OK);
    idp_oauth_t *o = NULL;
    idp_oauth_deps_t deps = {0};
    assert_int_equal(idp_oauth_new(cfg, &deps, &o), IDP_OK);
    json_t *d = json_loadb(o->discovery, o->discovery_len, 0, NULL);
    assert_non_null(d);
    assert_string_equal(json_string_value(json_object_get(d, "issuer")), "https://id.example.jp");
    int named = 0;
    for (size_t i = 0; i < idp_endpoints_count; i++) {
        const idp_endpoint_t *e = &idp_endpoints[i];
        if (e->discovery == NULL)
            continue;
        char want[256];
        snprintf(want, sizeof(want), "https://id.example.jp%s", e->path);
        assert_string_equal(json_string_value(json_object_get(d, e->discovery)), want);
        named++;
        char k[128];
        snprintf(k, sizeof(k), "%s_auth_methods_supported", e->discovery);
        assert_true(e->client_auth == (json_object_get(d, k) != NULL));
    }
    assert_int_equal(named, 7); /* jwks, authorization, token, userinfo, introspection, revocation, end_session */
    assert_string_equal(json_string_value(json_object_get(d, "token_endpoint")), "https://id.example.jp/token");
    assert_true(json_is_true(json_object_get(d, "authorization_response_iss_parameter_supported")));
    assert_string_equal(json_string_value(json_array_get(json_object_get(d, "response_types_supported"), 0)), "code");
    json_decref(d);
    idp_oauth_free(o);
    idp_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

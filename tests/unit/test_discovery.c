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
#include "jose/key.h"
#include "oauth/authorize.h"
#include "client/client_meta.h"
#include "oauth/grants/grants.h"
#include "oauth/internal.h"
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
    /* jwks, authorization, token, PAR (RFC 9126), userinfo, introspection, revocation, end_session, registration, and
     * ours: the application signatures (issue #21) */
    assert_int_equal(named, 10);
    assert_string_equal(json_string_value(json_object_get(d, "sakai_application_signatures_endpoint")),
                        "https://id.example.jp/application-signatures");
    assert_true(json_is_false(json_object_get(d, "require_pushed_authorization_requests")));
    assert_string_equal(json_string_value(json_object_get(d, "token_endpoint")), "https://id.example.jp/token");
    assert_true(json_is_true(json_object_get(d, "authorization_response_iss_parameter_supported")));
    assert_string_equal(json_string_value(json_array_get(json_object_get(d, "response_types_supported"), 0)), "code");
    json_decref(d);
    idp_oauth_free(o);
    idp_config_free(cfg);
}

/* The JSON array @p a holds exactly the strings of @p list (NULL-terminated), in any order. */
static void same_set(json_t *a, const char *const *list, const char *what)
{
    size_t n = 0;
    for (; list[n]; n++)
        if (!idp_json_list_has(a, list[n]))
            fail_msg("%s: %s is enforced but not advertised", what, list[n]);
    if (json_array_size(a) != n)
        fail_msg("%s: %zu advertised, %zu enforced", what, json_array_size(a), n);
}

/* Each supported list of the document is the table that enforces it (issue #16 §2). */
static void lists_are_the_enforcing_tables(void **state)
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
    /* the token endpoint's grant table, which the client metadata rules accept too */
    const char *grants[8] = {0};
    assert_true(idp_grants_count < 8);
    for (size_t i = 0; i < idp_grants_count; i++)
        grants[i] = idp_grants[i].name;
    same_set(json_object_get(d, "grant_types_supported"), grants, "grant_types_supported");
    same_set(json_object_get(d, "grant_types_supported"), idp_client_meta_allowed("grant_types"), "client grant_types");
    same_set(json_object_get(d, "token_endpoint_auth_methods_supported"),
             idp_client_meta_allowed("token_endpoint_auth_method"), "token_endpoint_auth_methods_supported");
    same_set(json_object_get(d, "response_types_supported"), idp_client_meta_allowed("response_types"),
             "response_types_supported");
    same_set(json_object_get(d, "subject_types_supported"), idp_client_meta_allowed("subject_type"),
             "subject_types_supported");
    same_set(json_object_get(d, "response_modes_supported"), idp_authz_response_modes, "response_modes_supported");
    same_set(json_object_get(d, "acr_values_supported"), idp_client_meta_allowed("default_acr_values"),
             "acr_values_supported");
    /* every algorithm jose signs with, and one a client may ask for its ID tokens */
    const char *algs[IDP_ALG__COUNT] = {0};
    for (int a = IDP_ALG_NONE + 1; a < IDP_ALG__COUNT; a++)
        algs[a - 1] = idp_alg_name((idp_alg_t)a);
    same_set(json_object_get(d, "id_token_signing_alg_values_supported"), algs,
             "id_token_signing_alg_values_supported");
    same_set(json_object_get(d, "id_token_signing_alg_values_supported"),
             idp_client_meta_allowed("id_token_signed_response_alg"), "client id_token_signed_response_alg");
    same_set(json_object_get(d, "token_endpoint_auth_signing_alg_values_supported"), algs,
             "token_endpoint_auth_signing_alg_values_supported");
    /* request objects (JAR, through PAR) are verified and JARM responses signed with the same algorithms, the ones a
     * client may register for them */
    same_set(json_object_get(d, "request_object_signing_alg_values_supported"), algs,
             "request_object_signing_alg_values_supported");
    same_set(json_object_get(d, "request_object_signing_alg_values_supported"),
             idp_client_meta_allowed("request_object_signing_alg"), "client request_object_signing_alg");
    same_set(json_object_get(d, "authorization_signing_alg_values_supported"), algs,
             "authorization_signing_alg_values_supported");
    same_set(json_object_get(d, "authorization_signing_alg_values_supported"),
             idp_client_meta_allowed("authorization_signed_response_alg"), "client authorization_signed_response_alg");
    /* JAR only through PAR: the authorization endpoint takes no request parameter */
    assert_true(json_is_false(json_object_get(d, "request_parameter_supported")));
    /* every claim we release and the scope it belongs to */
    for (const idp_claim_def_t *c = idp_claim_defs; c->claim; c++) {
        assert_true(idp_json_list_has(json_object_get(d, "scopes_supported"), c->scope));
        if (!c->pseudo)
            assert_true(idp_json_list_has(json_object_get(d, "claims_supported"), c->claim));
        assert_int_equal(idp_json_list_has(json_object_get(d, "claims_in_verified_claims_supported"), c->claim),
                         c->verified);
    }
    json_decref(d);
    idp_oauth_free(o);
    idp_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(document),
        cmocka_unit_test(lists_are_the_enforcing_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

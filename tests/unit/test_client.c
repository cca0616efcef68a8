/* The typed client (client/client.h): built once from a stored row, validated, immutable, shared by reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "client/client.h"

static const idp_client_t *build(const char *text, idp_err_t want, char *err, size_t n)
{
    const idp_client_t *c = (const idp_client_t *)&c; /* must be reset on failure */
    unsigned char hash[32];
    memset(hash, 0xab, sizeof(hash));
    err[0] = '\0';
    assert_int_equal(idp_client_new("rp-1", text, true, hash, NULL, &c, err, n), want);
    if (want != IDP_OK)
        assert_null(c);
    return c;
}

static void typed_fields_from_valid_metadata(void **state)
{
    (void)state;
    char err[256];
    const idp_client_t *c =
        build("{\"client_name\":\"Ward office\",\"redirect_uris\":[\"https://a.example/cb\",\"https://a.example/cb2\"],"
              "\"post_logout_redirect_uris\":[\"https://a.example/bye\"],\"grant_types\":[\"authorization_code\","
              "\"refresh_token\"],\"scope\":\"openid profile\",\"tier\":\"city\",\"default_max_age\":600,"
              "\"default_acr_values\":[\"urn:sakai-d:acr:card\"],\"card_required\":true,\"first_party\":true,"
              "\"backchannel_logout_uri\":\"https://a.example/bcl\",\"logo_uri\":\"https://a.example/logo.png\","
              "\"purpose_ja\":\"ja\",\"purpose_en\":\"en\",\"policy_uri\":\"https://a.example/policy\","
              "\"access_token_signed_response_alg\":\"ES256\"}",
              IDP_OK, err, sizeof(err));
    assert_string_equal(c->id, "rp-1");
    assert_string_equal(c->name, "Ward office");
    assert_string_equal(c->tier, "city");
    assert_true(c->city);
    assert_string_equal(c->scope, "openid profile");
    assert_string_equal(c->auth_method, "client_secret_basic"); /* the default */
    assert_false(c->is_public);
    assert_true(c->uses_secret);
    assert_true(c->has_secret);
    assert_int_equal(c->secret_hash[31], 0xab);
    assert_true(c->require_pkce); /* the default */
    assert_true(c->card_required);
    assert_true(c->first_party);
    assert_int_equal(c->default_max_age, 600);
    assert_string_equal(c->id_token_alg, "RS256");
    assert_string_equal(c->access_token_alg, "ES256");
    assert_null(c->jwks);
    assert_null(c->jwks_text);
    assert_string_equal(c->backchannel_logout_uri, "https://a.example/bcl");
    assert_string_equal(c->logo_uri, "https://a.example/logo.png");
    assert_string_equal(c->policy_uri, "https://a.example/policy");
    assert_string_equal(c->purpose_ja, "ja");
    assert_string_equal(c->purpose_en, "en");
    assert_string_equal(c->redirect_uris[0], "https://a.example/cb");
    assert_string_equal(c->redirect_uris[1], "https://a.example/cb2");
    assert_null(c->redirect_uris[2]);
    assert_true(idp_client_has(c->post_logout_redirect_uris, "https://a.example/bye"));
    assert_false(idp_client_has(c->post_logout_redirect_uris, "https://a.example/bye/"));
    assert_true(idp_client_has(c->default_acr_values, "urn:sakai-d:acr:card"));
    assert_true(c->refresh_allowed);
    assert_false(c->client_credentials_allowed);
    assert_true(c->code_allowed); /* response_types defaults to code for authorization_code */
    assert_false(c->pairwise);    /* tier city: public subjects by default */
    assert_string_equal(c->sector, "");
    idp_client_unref(c);
}

static void defaults_and_derived_flags(void **state)
{
    (void)state;
    char err[256];
    const idp_client_t *c = build("{\"client_name\":\"b\",\"grant_types\":[\"client_credentials\"],"
                                  "\"token_endpoint_auth_method\":\"private_key_jwt\","
                                  "\"jwks\":{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"x\",\"y\":\"y\"}]}}",
                                  IDP_OK, err, sizeof(err));
    assert_int_equal(c->default_max_age, -1); /* absent */
    assert_null(c->access_token_alg);         /* absent: the configured default */
    assert_null(c->redirect_uris[0]);         /* an empty list, never NULL */
    assert_null(c->response_types[0]);
    assert_null(c->post_logout_redirect_uris[0]);
    assert_false(c->code_allowed);
    assert_false(c->refresh_allowed);
    assert_true(c->client_credentials_allowed);
    assert_false(c->uses_secret);
    assert_false(c->is_public);
    assert_non_null(c->jwks);
    assert_non_null(strstr(c->jwks_text, "\"kty\":\"EC\""));
    assert_false(idp_client_has(NULL, "x"));
    assert_false(c->fapi2);
    assert_false(c->require_signed_request);
    assert_null(c->request_object_alg);                 /* any alg jose verifies */
    assert_string_equal(c->authorization_alg, "RS256"); /* JARM's default */
    idp_client_unref(c);

    /* fapi2-message-signing is fapi2, with signed requests and ES256 responses */
    c = build("{\"client_name\":\"m\",\"redirect_uris\":[\"https://rp.example/cb\"],\"token_endpoint_auth_method\":"
              "\"private_key_jwt\",\"jwks_uri\":\"https://rp.example/jwks\",\"security_profile\":"
              "\"fapi2-message-signing\",\"request_object_signing_alg\":\"ES256\"}",
              IDP_OK, err, sizeof(err));
    assert_true(c->fapi2);
    assert_true(c->message_signing);
    assert_true(c->require_signed_request);
    assert_true(c->require_par);
    assert_string_equal(c->request_object_alg, "ES256");
    assert_string_equal(c->authorization_alg, "ES256");
    idp_client_unref(c);

    /* pairwise: the sector is the first redirect URI's host, computed once */
    c = build("{\"client_name\":\"p\",\"redirect_uris\":[\"https://rp.example/cb\"],\"token_endpoint_auth_method\":"
              "\"none\"}",
              IDP_OK, err, sizeof(err));
    assert_true(c->is_public);
    assert_true(c->pairwise);
    assert_string_equal(c->sector, "rp.example");
    idp_client_unref(c);
}

/* Fail closed: a stored row that does not pass validation builds no client, and says why. */
static void invalid_metadata_builds_nothing(void **state)
{
    (void)state;
    char err[256];
    build("not json", IDP_E_INVALID_CLIENT_METADATA, err, sizeof(err));
    assert_string_equal(err, "metadata: must be a JSON object");
    build("[1]", IDP_E_INVALID_CLIENT_METADATA, err, sizeof(err));
    build(NULL, IDP_E_INVALID_CLIENT_METADATA, err, sizeof(err));
    build("{\"redirect_uris\":[\"https://rp.example/cb\"]}", IDP_E_INVALID_CLIENT_METADATA, err, sizeof(err));
    assert_non_null(strstr(err, "client_name"));
    build("{\"client_name\":\"x\",\"bogus\":1}", IDP_E_INVALID_CLIENT_METADATA, err, sizeof(err));
    assert_non_null(strstr(err, "bogus"));
    /* a rule that involves two fields: a public client without PKCE */
    build("{\"client_name\":\"x\",\"redirect_uris\":[\"https://rp.example/cb\"],\"token_endpoint_auth_method\":"
          "\"none\",\"require_pkce\":false}",
          IDP_E_INVALID_CLIENT_METADATA, err, sizeof(err));
    assert_non_null(strstr(err, "require_pkce"));
    build("{\"client_name\":\"x\",\"redirect_uris\":[\"http://rp.example/cb\"]}", IDP_E_INVALID_REDIRECT_URI, err,
          sizeof(err));
}

/* References: every holder keeps the client alive; the last unref frees it (ASan sees a leak or a double free). */
static void references(void **state)
{
    (void)state;
    char err[256];
    const idp_client_t *c =
        build("{\"client_name\":\"r\",\"redirect_uris\":[\"https://rp.example/cb\"]}", IDP_OK, err, sizeof(err));
    assert_ptr_equal(idp_client_ref(c), c);
    idp_client_unref(c);
    assert_string_equal(c->name, "r"); /* still held once */
    idp_client_unref(c);
    assert_null(idp_client_ref(NULL));
    idp_client_unref(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(typed_fields_from_valid_metadata),
        cmocka_unit_test(defaults_and_derived_flags),
        cmocka_unit_test(invalid_metadata_builds_nothing),
        cmocka_unit_test(references),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

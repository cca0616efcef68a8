/*
 * Dynamic client registration (idp/oauth/register.c) without HTTP or
 * PostgreSQL: POST /register with an initial access token (RFC 7591) and
 * the client configuration endpoint (RFC 7592), on the memory store.
 * integ_register runs the same paths over HTTP with openid-client.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "oauth_fixture.h"

#define META "{\"client_name\":\"Bakery\",\"redirect_uris\":[\"https://bakery.example/cb\"]}"

/* An initial access token of @p uses uses, tier @p tier, for "bakery"; its bearer header in @p auth. */
static void issue(fixture_t *f, int uses, const char *tier, char auth[96])
{
    static int n;
    char token[48];
    snprintf(token, sizeof(token), "iat-token-%d", ++n);
    idp_store_iat_t t = {.max_uses = uses, .expires_at = 4102444800LL};
    snprintf(t.id, sizeof(t.id), "iat-%d", n);
    snprintf(t.organisation, sizeof(t.organisation), "bakery");
    snprintf(t.tier, sizeof(t.tier), "%s", tier);
    unsigned char h[32];
    idp_sha256(token, strlen(token), h);
    assert_int_equal(idp_store_iat_insert(f->store, &t, h), IDP_OK);
    snprintf(auth, 96, "Bearer %s", token);
}

static json_t *post(fixture_t *f, const char *auth, const char *body, int *status)
{
    idp_oauth_resp_t resp;
    json_t *j = fixture_json(f, IDP_EP_REGISTER, "POST", NULL, body, auth, &resp);
    *status = resp.status;
    return j;
}

static void registration_needs_a_usable_initial_access_token(void **state)
{
    fixture_t *f = *state;
    int status;
    idp_oauth_resp_t resp;
    json_t *j = fixture_json(f, IDP_EP_REGISTER, "POST", NULL, META, NULL, &resp);
    assert_int_equal(resp.status, 401); /* RFC 6750 §3.1: no token, a challenge naming no error */
    assert_non_null(resp.www_authenticate);
    json_decref(j);
    j = post(f, "Bearer nothing-we-issued", META, &status);
    assert_int_equal(status, 401);
    assert_string_equal(fixture_str(j, "error"), "invalid_token");
    json_decref(j);
    char auth[96];
    issue(f, 1, "partner", auth);
    j = post(f, auth, META, &status);
    assert_int_equal(status, 201);
    json_decref(j);
    j = post(f, auth, META, &status);
    assert_int_equal(status, 401);
    assert_non_null(strstr(fixture_str(j, "error_description"), "used up"));
    json_decref(j);
}

static void registered_client_is_in_the_sandbox_and_its_secrets_are_hashed(void **state)
{
    fixture_t *f = *state;
    char auth[96];
    int status;
    issue(f, 5, "partner", auth);
    json_t *j = post(f, auth, META, &status);
    assert_int_equal(status, 201);
    const char *id = fixture_str(j, "client_id"), *secret = fixture_str(j, "client_secret");
    const char *reg = fixture_str(j, "registration_access_token");
    assert_true(strlen(secret) >= 43 && strlen(reg) >= 43);
    char uri[256];
    snprintf(uri, sizeof(uri), "%s/register/%s", f->cfg->issuer, id);
    assert_string_equal(fixture_str(j, "registration_client_uri"), uri);
    assert_int_equal(json_integer_value(json_object_get(j, "client_secret_expires_at")), 0);
    assert_string_equal(fixture_str(j, "tier"), "partner");
    idp_store_client_t row;
    assert_int_equal(idp_store_client_get(f->store, id, &row), IDP_OK);
    assert_true(row.sandbox);
    assert_string_equal(row.organisation, "bakery");
    unsigned char h[32];
    idp_sha256(secret, strlen(secret), h);
    assert_memory_equal(row.secret_hash, h, 32);
    idp_sha256(reg, strlen(reg), h);
    assert_memory_equal(row.registration_token_hash, h, 32);
    assert_null(strstr(row.metadata, secret));
    idp_store_client_clear(&row);
    json_decref(j);
}

static void metadata_rules(void **state)
{
    fixture_t *f = *state;
    char auth[96];
    int status;
    issue(f, 20, "partner", auth);
    static const struct {
        const char *body, *error, *field;
    } refused[] = {
        {"[]", "invalid_client_metadata", "the body"},
        {"{\"client_name\":\"a\",\"first_party\":true}", "invalid_client_metadata", "first_party"},
        {"{\"client_name\":\"a\",\"tier\":\"city\"}", "invalid_client_metadata", "tier"},
        {"{\"client_name\":\"a\",\"redirect_uris\":[\"http://x.example/cb\"]}", "invalid_redirect_uri",
         "redirect_uris"},
        {"{\"client_name\":\"a\",\"redirect_uris\":[\"https://x.example/cb\"],\"grant_types\":[\"implicit\"]}",
         "invalid_client_metadata", "grant_types"},
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        json_t *j = post(f, auth, refused[i].body, &status);
        assert_int_equal(status, 400);
        assert_string_equal(fixture_str(j, "error"), refused[i].error);
        assert_true(!strncmp(fixture_str(j, "error_description"), refused[i].field, strlen(refused[i].field)));
        json_decref(j);
    }
    /* RFC 7591 §2: fields we do not understand are ignored, and the answer shows what was registered */
    json_t *j = post(f, auth,
                     "{\"client_name\":\"a\",\"redirect_uris\":[\"https://x.example/cb\"],\"software_id\":\"x\","
                     "\"client_id\":\"chosen-by-me\",\"registration_access_token\":\"mine\"}",
                     &status);
    assert_int_equal(status, 201);
    assert_null(json_object_get(j, "software_id"));
    assert_string_not_equal(fixture_str(j, "client_id"), "chosen-by-me");
    assert_string_not_equal(fixture_str(j, "registration_access_token"), "mine");
    json_decref(j);
    /* a city token may register a city client, with public subjects */
    issue(f, 1, "city", auth);
    j = post(f, auth, "{\"client_name\":\"Portal\",\"redirect_uris\":[\"https://city.example/cb\"]}", &status);
    assert_int_equal(status, 201);
    assert_string_equal(fixture_str(j, "tier"), "city");
    assert_string_equal(fixture_str(j, "subject_type"), "public");
    json_decref(j);
}

static json_t *configure(fixture_t *f, const char *method, const char *id, const char *token, const char *body,
                         int *status)
{
    char auth[160];
    snprintf(auth, sizeof(auth), "Bearer %.128s", token);
    idp_oauth_resp_t resp;
    json_t *j = fixture_json(f, IDP_EP_REGISTER_CLIENT, method, id, body, auth, &resp);
    *status = resp.status;
    return j;
}

static void configuration_endpoint_reads_updates_and_deletes(void **state)
{
    fixture_t *f = *state;
    char auth[96], id[64], reg[128], body[512];
    int status;
    issue(f, 5, "partner", auth);
    json_t *a = post(f, auth, META, &status), *b = post(f, auth, META, &status);
    snprintf(id, sizeof(id), "%s", fixture_str(a, "client_id"));
    snprintf(reg, sizeof(reg), "%s", fixture_str(a, "registration_access_token"));

    json_t *j = configure(f, "GET", id, reg, NULL, &status);
    assert_int_equal(status, 200);
    assert_string_equal(fixture_str(j, "client_id"), id);
    assert_null(json_object_get(j, "client_secret")); /* shown once */
    assert_string_equal(fixture_str(j, "registration_access_token"), reg);
    json_decref(j);
    /* another client's token, the initial access token, an unknown client: 401 (§2.1) */
    j = configure(f, "GET", id, fixture_str(b, "registration_access_token"), NULL, &status);
    assert_int_equal(status, 401);
    json_decref(j);
    j = configure(f, "GET", id, auth + 7, NULL, &status);
    assert_int_equal(status, 401);
    json_decref(j);
    j = configure(f, "GET", "no-such-client", reg, NULL, &status);
    assert_int_equal(status, 401);
    json_decref(j);

    /* §2.2: client_id must be its own; a client_secret must be its own; the tier stays */
    snprintf(body, sizeof(body),
             "{\"client_id\":\"%s\",\"client_name\":\"Renamed\",\"redirect_uris\":[\"https://bakery.example/cb\"]}",
             fixture_str(b, "client_id"));
    j = configure(f, "PUT", id, reg, body, &status);
    assert_int_equal(status, 400);
    json_decref(j);
    snprintf(body, sizeof(body),
             "{\"client_id\":\"%s\",\"client_name\":\"Renamed\",\"redirect_uris\":[\"https://bakery.example/cb\"],"
             "\"client_secret\":\"wrong\"}",
             id);
    j = configure(f, "PUT", id, reg, body, &status);
    assert_int_equal(status, 400);
    json_decref(j);
    snprintf(body, sizeof(body),
             "{\"client_id\":\"%s\",\"client_name\":\"Renamed\",\"redirect_uris\":[\"https://bakery.example/cb\"],"
             "\"client_secret\":\"%s\"}",
             id, fixture_str(a, "client_secret"));
    j = configure(f, "PUT", id, reg, body, &status);
    assert_int_equal(status, 200);
    assert_string_equal(fixture_str(j, "client_name"), "Renamed");
    json_decref(j);
    /* another sector would give every resident a new sub (OpenID Connect Core §8.1) */
    snprintf(body, sizeof(body),
             "{\"client_id\":\"%s\",\"client_name\":\"R\",\"redirect_uris\":[\"https://elsewhere.example/cb\"]}", id);
    j = configure(f, "PUT", id, reg, body, &status);
    assert_int_equal(status, 400);
    assert_string_equal(fixture_str(j, "error"), "invalid_client_metadata");
    json_decref(j);

    /* §2.3 */
    j = configure(f, "DELETE", id, reg, NULL, &status);
    assert_int_equal(status, 204);
    json_decref(j);
    idp_store_client_t row;
    assert_int_equal(idp_store_client_get(f->store, id, &row), IDP_E_NOT_FOUND);
    j = configure(f, "GET", id, reg, NULL, &status);
    assert_int_equal(status, 401);
    json_decref(j);
    json_decref(a);
    json_decref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registration_needs_a_usable_initial_access_token),
        cmocka_unit_test(registered_client_is_in_the_sandbox_and_its_secrets_are_hashed),
        cmocka_unit_test(metadata_rules),
        cmocka_unit_test(configuration_endpoint_reads_updates_and_deletes),
    };
    return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}

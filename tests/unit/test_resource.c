/*
 * UserInfo, introspection and revocation (idp/oauth/resource.c) on the
 * memory store: tokens come from the token endpoint (oauth_fixture.h), the
 * resident's verified attributes from a signing certificate's enrolment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "oauth_fixture.h"

typedef struct {
    char at[2048], rt[128];
} tokens_t;

/* A code redeemed at the token endpoint: its access and refresh tokens. */
static void tokens(fixture_t *f, const char *scope, const char *claims, tokens_t *t)
{
    char code[64];
    int status;
    fixture_code(f, scope, claims, code);
    json_t *j = fixture_redeem(f, code, VERIFIER, REDIRECT, &status);
    assert_int_equal(status, 200);
    snprintf(t->at, sizeof(t->at), "%s", fixture_str(j, "access_token"));
    snprintf(t->rt, sizeof(t->rt), "%s", fixture_str(j, "refresh_token"));
    json_decref(j);
}

static json_t *call(fixture_t *f, idp_endpoint_id_t endpoint, const char *name, const char *token, int *status)
{
    char form[2300];
    idp_oauth_resp_t resp;
    snprintf(form, sizeof(form), "client_id=" CLIENT "&%s=%s", name, token);
    json_t *j = fixture_call(f, endpoint, form, NULL, &resp);
    *status = resp.status;
    return j;
}

static json_t *userinfo(fixture_t *f, const char *at, idp_oauth_resp_t *resp)
{
    char auth[2100];
    snprintf(auth, sizeof(auth), "Bearer %s", at);
    return fixture_call(f, IDP_EP_USERINFO, "", auth, resp);
}

static bool active(fixture_t *f, const char *token)
{
    int status;
    json_t *j = call(f, IDP_EP_INTROSPECT, "token", token, &status);
    assert_int_equal(status, 200);
    bool a = json_is_true(json_object_get(j, "active"));
    json_decref(j);
    return a;
}

static void introspect_describes_an_active_access_token(void **state)
{
    fixture_t *f = *state;
    tokens_t t;
    tokens(f, "openid offline_access", "", &t);
    int status;
    json_t *j = call(f, IDP_EP_INTROSPECT, "token", t.at, &status);
    assert_int_equal(status, 200);
    assert_true(json_is_true(json_object_get(j, "active")));
    assert_string_equal(fixture_str(j, "token_type"), "access_token"); /* RFC 7662 §2.2 */
    assert_string_equal(fixture_str(j, "client_id"), CLIENT);
    assert_string_equal(fixture_str(j, "scope"), "openid offline_access");
    assert_true(strlen(fixture_str(j, "jti")) > 0);
    json_decref(j);
    j = call(f, IDP_EP_INTROSPECT, "token", t.rt, &status);
    assert_string_equal(fixture_str(j, "token_type"), "refresh_token");
    json_decref(j);
    assert_false(active(f, "not-a-token-we-issued"));
}

static void revoking_an_access_token_ends_only_it(void **state)
{
    fixture_t *f = *state;
    tokens_t t;
    tokens(f, "openid offline_access", "", &t);
    int status;
    json_t *j = call(f, IDP_EP_REVOKE, "token", t.at, &status);
    assert_int_equal(status, 200); /* RFC 7009 §2.2 */
    json_decref(j);
    assert_false(active(f, t.at));
    assert_true(active(f, t.rt));
}

static void revoking_a_refresh_token_ends_its_grant(void **state)
{
    fixture_t *f = *state;
    tokens_t t;
    tokens(f, "openid offline_access", "", &t);
    int status;
    json_t *j = call(f, IDP_EP_REVOKE, "token", t.rt, &status);
    assert_int_equal(status, 200);
    json_decref(j);
    assert_false(active(f, t.rt));
    assert_false(active(f, t.at)); /* RFC 7009 §2.1: the access tokens of its grant go too */
    j = call(f, IDP_EP_REVOKE, "token", "unknown", &status);
    assert_int_equal(status, 200); /* an unknown token is no error (§2.2) */
    json_decref(j);
}

/* The resident's verified attributes, as a signing certificate's enrolment stores them. */
static void enrol(fixture_t *f)
{
    char serial[32];
    unsigned char r[4];
    assert_int_equal(idp_random_bytes(r, sizeof(r)), IDP_OK);
    snprintf(serial, sizeof(serial), "%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
    idp_store_card_cert_t cert = {
        .purpose = "sign", .issuer_key_id = "cc", .serial = serial, .not_after = 4102444800LL};
    assert_int_equal(idp_random_bytes(cert.sha256, 32), IDP_OK);
    idp_store_attrs_t a = {.name = "堺 太郎",
                           .gender = "male",
                           .birth_date = "1990-04-01",
                           .address = "大阪府堺市堺区南瓦町3-1",
                           .sakai_resident = true,
                           .sakai_ward = "堺区"};
    assert_int_equal(idp_store_card_enrol_sign(f->store, f->resident, &cert, &a), IDP_OK);
}

static void userinfo_releases_the_consented_claims(void **state)
{
    fixture_t *f = *state;
    enrol(f);
    tokens_t t;
    tokens(f, "openid profile residency", "name sakai_resident", &t);
    idp_oauth_resp_t resp;
    json_t *j = userinfo(f, t.at, &resp);
    assert_int_equal(resp.status, 200);
    assert_true(strlen(fixture_str(j, "sub")) > 0);
    /* card-verified attributes as OpenID Connect for Identity Assurance verified_claims, for a card sign-in */
    json_t *claims = json_object_get(json_object_get(j, "verified_claims"), "claims");
    assert_string_equal(fixture_str(claims, "name"), "堺 太郎");
    assert_null(json_object_get(claims, "birthdate")); /* not consented */
    assert_null(json_object_get(claims, "address"));
    assert_true(json_is_true(json_object_get(j, "sakai_resident")));
    assert_null(json_object_get(j, "sakai_ward"));
    json_decref(j);
    /* the resident's release history names what went (product.md: who learnt what) */
    idp_store_release_t *rows;
    size_t n;
    assert_int_equal(idp_store_releases_list(f->store, f->resident, 1, &rows, &n), IDP_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].via, "userinfo");
    assert_string_equal(rows[0].claims, "name sakai_resident");
    free(rows);
}

static void userinfo_refuses_a_revoked_or_foreign_token(void **state)
{
    fixture_t *f = *state;
    tokens_t t;
    tokens(f, "openid offline_access", "", &t);
    int status;
    json_decref(call(f, IDP_EP_REVOKE, "token", t.at, &status));
    idp_oauth_resp_t resp;
    json_t *j = userinfo(f, t.at, &resp);
    assert_int_equal(resp.status, 401);
    assert_non_null(resp.www_authenticate); /* RFC 6750 §3 */
    assert_string_equal(fixture_str(j, "error"), "invalid_token");
    json_decref(j);
    j = userinfo(f, "eyJhbGciOiJub25lIn0.e30.", &resp);
    assert_int_equal(resp.status, 401);
    json_decref(j);
}

static void userinfo_needs_scope_openid(void **state)
{
    fixture_t *f = *state;
    tokens_t t;
    tokens(f, "profile offline_access", "name", &t);
    idp_oauth_resp_t resp;
    json_t *j = userinfo(f, t.at, &resp);
    assert_int_equal(resp.status, 403);
    assert_string_equal(fixture_str(j, "error"), "insufficient_scope");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(introspect_describes_an_active_access_token),
        cmocka_unit_test(revoking_an_access_token_ends_only_it),
        cmocka_unit_test(revoking_a_refresh_token_ends_its_grant),
        cmocka_unit_test(userinfo_releases_the_consented_claims),
        cmocka_unit_test(userinfo_refuses_a_revoked_or_foreign_token),
        cmocka_unit_test(userinfo_needs_scope_openid),
    };
    return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}

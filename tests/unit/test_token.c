/*
 * The token endpoint (idp/oauth/token.c) without HTTP or PostgreSQL: the
 * authorization_code and refresh_token grants through idp_oauth_token(),
 * on the memory store (issue #16 §1). Each case sets up the rows the
 * authorization step would have written, then reads the endpoint's JSON.
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
#include <time.h>

#include "core/rand.h"
#include "jose/key.h"
#include "jose/keystore.h"
#include "oauth/authorize.h"
#include "oauth/client_meta.h"
#include "oauth/oauth.h"
#include "store/mem/mem.h"

#define CLIENT "rp-token-test"
#define REDIRECT "https://rp.example/cb"
#define VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" /* RFC 7636 Appendix B */

typedef struct {
    idp_config_t *cfg;
    idp_store_t *store;
    idp_keystore_t *keys;
    idp_oauth_t o;
    char resident[64], sid[64];
} fixture_t;

static const char *env(const char *name)
{
    return !strcmp(name, "SAKAID_DATABASE_URL") ? "postgresql://unused/sakaid" : NULL;
}

static void add_key(idp_keyset_t *ks, const char *alg)
{
    idp_jose_key_t *k;
    assert_int_equal(idp_jose_key_generate(idp_alg_from_name(alg), &k), IDP_OK);
    assert_int_equal(idp_keyset_add(ks, k, IDP_KEY_ACTIVE, 1), IDP_OK);
}

/* A public client (PKCE) that may refresh, registered as sakaid-admin would: metadata validated first. */
static void register_client(idp_store_t *s)
{
    json_t *in = json_loads("{\"client_name\":\"t\",\"redirect_uris\":[\"" REDIRECT "\"],"
                            "\"token_endpoint_auth_method\":\"none\",\"scope\":\"openid profile offline_access\","
                            "\"grant_types\":[\"authorization_code\",\"refresh_token\"]}",
                            0, NULL),
           *meta = NULL;
    char err[256] = "";
    assert_int_equal(idp_client_meta_validate(in, &meta, err, sizeof(err)), IDP_OK);
    char *text = json_dumps(meta, JSON_COMPACT);
    idp_store_client_t c = {.client_id = CLIENT, .metadata = text};
    assert_int_equal(idp_store_client_insert(s, &c), IDP_OK);
    free(text);
    json_decref(in);
    json_decref(meta);
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    char err[256];
    if (f == NULL || idp_config_load_text("{}", env, &f->cfg, err, sizeof(err)) != IDP_OK ||
        idp_store_mem_new(&f->store) != IDP_OK || (f->keys = idp_keystore_new()) == NULL)
        return -1;
    idp_keyset_t *ks = idp_keyset_new();
    add_key(ks, "RS256");
    add_key(ks, "ES256");
    assert_int_equal(idp_keyset_seal(ks), IDP_OK);
    idp_keystore_set(f->keys, ks);
    if (idp_oauth_init(&f->o, f->cfg, f->store, f->keys) != IDP_OK)
        return -1;
    register_client(f->store);
    /* the resident signed in with a card: a resident row and a live browser session */
    idp_store_card_cert_t cert = {.purpose = "auth", .issuer_key_id = "aa", .serial = "01", .not_after = 4102444800LL};
    assert_int_equal(idp_random_bytes(cert.sha256, 32), IDP_OK);
    bool created;
    assert_int_equal(idp_store_card_resident(f->store, &cert, "resident-1", f->resident, &created), IDP_OK);
    unsigned char cookie[32];
    assert_int_equal(idp_random_bytes(cookie, 32), IDP_OK);
    idp_store_session_t sess;
    snprintf(f->sid, sizeof(f->sid), "sid-1");
    assert_int_equal(idp_store_session_login(f->store, NULL, cookie, f->sid, f->resident, "urn:sakai-d:acr:card",
                                             "sc pin", "card:x", (long long)time(NULL), 3600, &sess),
                     IDP_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    idp_oauth_cleanup(&f->o);
    idp_store_close(f->store);
    idp_keystore_free(f->keys);
    idp_config_free(f->cfg);
    free(f);
    return 0;
}

/* An authorization code for CLIENT, as the consent step issues it; @p code receives its value. */
static void issue_code(fixture_t *f, const char *scope, char code[64])
{
    static int n;
    idp_store_grant_t g = {.auth_time = (long long)time(NULL)};
    snprintf(g.id, sizeof(g.id), "grant-%d", ++n);
    snprintf(code, 64, "code-%d-value", n);
    snprintf(g.client_id, sizeof(g.client_id), CLIENT);
    snprintf(g.resident_id, sizeof(g.resident_id), "%s", f->resident);
    snprintf(g.sid, sizeof(g.sid), "%s", f->sid);
    snprintf(g.scope, sizeof(g.scope), "%s", scope);
    snprintf(g.acr, sizeof(g.acr), "urn:sakai-d:acr:card");
    snprintf(g.amr, sizeof(g.amr), "sc pin");
    snprintf(g.redirect_uri, sizeof(g.redirect_uri), REDIRECT);
    snprintf(g.nonce, sizeof(g.nonce), "n-0S6_WzA2Mj");
    assert_true(idp_pkce_s256(VERIFIER, g.code_challenge));
    unsigned char h[32];
    idp_sha256(code, strlen(code), h);
    assert_int_equal(idp_store_code_create(f->store, &g, h, 60, 3600), IDP_OK);
}

/* POSTs @p form to the token endpoint; the response body as JSON (decref it). */
static json_t *post(fixture_t *f, const char *form, int *status)
{
    idp_arena_t arena;
    idp_arena_init(&arena, 1 << 20);
    idp_params_t params;
    assert_int_equal(idp_params_parse(&arena, form, strlen(form), &params), IDP_OK);
    idp_oauth_req_t req = {.arena = &arena,
                           .form = &params,
                           .remote_addr = "192.0.2.1",
                           .lang = "en",
                           .post = true,
                           .now = (long long)time(NULL)};
    idp_oauth_resp_t resp = {0};
    idp_oauth_token(&f->o, &req, &resp);
    *status = resp.status;
    json_t *j = json_loadb(resp.body, resp.body_len, 0, NULL);
    idp_arena_free(&arena);
    assert_non_null(j);
    return j;
}

static const char *str(json_t *j, const char *k)
{
    const char *v = json_string_value(json_object_get(j, k));
    return v ? v : "";
}

static json_t *redeem(fixture_t *f, const char *code, const char *verifier, const char *redirect, int *status)
{
    char form[512];
    snprintf(form, sizeof(form), "grant_type=authorization_code&client_id=" CLIENT "&code=%s&redirect_uri=%s%s%s", code,
             redirect, verifier ? "&code_verifier=" : "", verifier ? verifier : "");
    return post(f, form, status);
}

static void token_code_grant_issues_tokens_once(void **state)
{
    fixture_t *f = *state;
    char code[64];
    int status;
    issue_code(f, "openid profile offline_access", code);
    json_t *j = redeem(f, code, VERIFIER, REDIRECT, &status);
    assert_int_equal(status, 200);
    assert_string_equal(str(j, "token_type"), "Bearer");
    assert_true(strlen(str(j, "access_token")) > 20);
    assert_true(strlen(str(j, "id_token")) > 20); /* scope openid */
    assert_true(strlen(str(j, "refresh_token")) > 20);
    json_decref(j);

    /* RFC 6749 §4.1.2: a second use is refused */
    j = redeem(f, code, VERIFIER, REDIRECT, &status);
    assert_int_equal(status, 400);
    assert_string_equal(str(j, "error"), "invalid_grant");
    assert_non_null(strstr(str(j, "error_description"), "already been used"));
    json_decref(j);
}

static void token_code_grant_checks_verifier_redirect_and_code(void **state)
{
    fixture_t *f = *state;
    char code[64];
    int status;
    issue_code(f, "openid", code);
    json_t *j = redeem(f, code, "wrong-verifier-wrong-verifier-wrong-verifier-00", REDIRECT, &status);
    assert_int_equal(status, 400);
    assert_string_equal(str(j, "error"), "invalid_grant");
    assert_non_null(strstr(str(j, "error_description"), "code_verifier does not match"));
    json_decref(j);
    j = redeem(f, code, NULL, REDIRECT, &status); /* RFC 7636 §4.6 */
    assert_string_equal(str(j, "error"), "invalid_grant");
    assert_non_null(strstr(str(j, "error_description"), "code_verifier is required"));
    json_decref(j);
    j = redeem(f, code, VERIFIER, "https://rp.example/other", &status);
    assert_string_equal(str(j, "error"), "invalid_grant");
    assert_non_null(strstr(str(j, "error_description"), "redirect_uri"));
    json_decref(j);
    j = redeem(f, "no-such-code", VERIFIER, REDIRECT, &status);
    assert_string_equal(str(j, "error"), "invalid_grant");
    json_decref(j);
    /* none of the failures spent it */
    j = redeem(f, code, VERIFIER, REDIRECT, &status);
    assert_int_equal(status, 200);
    assert_true(strlen(str(j, "access_token")) > 20);
    json_decref(j);
}

static void token_refresh_rotates_and_reuse_revokes(void **state)
{
    fixture_t *f = *state;
    char code[64], form[512];
    int status;
    issue_code(f, "openid offline_access", code);
    json_t *j = redeem(f, code, VERIFIER, REDIRECT, &status);
    assert_int_equal(status, 200);
    char first[128];
    snprintf(first, sizeof(first), "%s", str(j, "refresh_token"));
    json_decref(j);

    snprintf(form, sizeof(form), "grant_type=refresh_token&client_id=" CLIENT "&refresh_token=%s", first);
    j = post(f, form, &status);
    assert_int_equal(status, 200);
    char second[128];
    snprintf(second, sizeof(second), "%s", str(j, "refresh_token"));
    assert_true(strlen(second) > 20);
    assert_string_not_equal(second, first); /* RFC 6749 §6: rotated */
    json_decref(j);

    /* RFC 9700 §4.14.2: the first token again revokes the family, the second with it */
    j = post(f, form, &status);
    assert_int_equal(status, 400);
    assert_string_equal(str(j, "error"), "invalid_grant");
    json_decref(j);
    snprintf(form, sizeof(form), "grant_type=refresh_token&client_id=" CLIENT "&refresh_token=%s", second);
    j = post(f, form, &status);
    assert_int_equal(status, 400);
    assert_string_equal(str(j, "error"), "invalid_grant");
    json_decref(j);
}

static void token_refresh_scope_cannot_widen(void **state)
{
    fixture_t *f = *state;
    char code[64], form[512];
    int status;
    issue_code(f, "openid offline_access", code);
    json_t *j = redeem(f, code, VERIFIER, REDIRECT, &status);
    assert_int_equal(status, 200);
    snprintf(form, sizeof(form), "grant_type=refresh_token&client_id=" CLIENT "&scope=openid+profile&refresh_token=%s",
             str(j, "refresh_token"));
    json_decref(j);
    j = post(f, form, &status);
    assert_int_equal(status, 400);
    assert_string_equal(str(j, "error"), "invalid_scope");
    json_decref(j);
}

static void token_rejects_unknown_grant_and_missing_code(void **state)
{
    fixture_t *f = *state;
    int status;
    json_t *j = post(f, "grant_type=password&client_id=" CLIENT, &status);
    assert_int_equal(status, 400);
    assert_string_equal(str(j, "error"), "unsupported_grant_type");
    json_decref(j);
    j = post(f, "grant_type=authorization_code&client_id=" CLIENT "&redirect_uri=" REDIRECT, &status);
    assert_int_equal(status, 400);
    assert_string_equal(str(j, "error"), "invalid_request");
    json_decref(j);
    j = post(f, "client_id=" CLIENT, &status);
    assert_string_equal(str(j, "error"), "invalid_request");
    json_decref(j);
    j = post(f, "grant_type=client_credentials&client_id=" CLIENT, &status); /* not registered for it */
    assert_string_equal(str(j, "error"), "unauthorized_client");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_code_grant_issues_tokens_once),
        cmocka_unit_test(token_code_grant_checks_verifier_redirect_and_code),
        cmocka_unit_test(token_refresh_rotates_and_reuse_revokes),
        cmocka_unit_test(token_refresh_scope_cannot_widen),
        cmocka_unit_test(token_rejects_unknown_grant_and_missing_code),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

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

#include <openssl/evp.h>

#include "core/b64.h"
#include "core/rand.h"
#include "client/client_meta.h"
#include "jose/keystore.h"
#include "jose/verify.h"
#include "oauth_fixture.h"

/* POSTs @p form to the token endpoint; the JSON body (decref it) and *status. */
static json_t *token(fixture_t *f, const char *form, int *status)
{
    idp_oauth_resp_t resp;
    json_t *j = fixture_call(f, IDP_EP_TOKEN, form, NULL, &resp);
    *status = resp.status;
    return j;
}

static void token_code_grant_issues_tokens_once(void **state)
{
    fixture_t *f = *state;
    char code[64];
    int status;
    fixture_code(f, "openid profile offline_access", "", code);
    json_t *j = fixture_redeem(f, code, VERIFIER, REDIRECT, &status);
    assert_int_equal(status, 200);
    assert_string_equal(fixture_str(j, "token_type"), "Bearer");
    assert_true(strlen(fixture_str(j, "access_token")) > 20);
    assert_true(strlen(fixture_str(j, "id_token")) > 20); /* scope openid */
    assert_true(strlen(fixture_str(j, "refresh_token")) > 20);
    json_decref(j);

    /* RFC 6749 §4.1.2: a second use is refused */
    j = fixture_redeem(f, code, VERIFIER, REDIRECT, &status);
    assert_int_equal(status, 400);
    assert_string_equal(fixture_str(j, "error"), "invalid_grant");
    assert_non_null(strstr(fixture_str(j, "error_description"), "already been used"));
    json_decref(j);
}

/* A store where another request presenting the same code wins the race first: at the exchange (one statement)
 * or, for a grant stored without its subject, between the check and the spend. Every call is counted. */
static const idp_store_codes_ops_t *real_codes;
static int exchanges, redeems, spends;
static bool rival;
static char rival_jti[32] = "rival-jti";
static idp_err_t counted_exchange(idp_store_t *s, const unsigned char code_hash[32], const char *client_id,
                                  const char *redirect_uri, const char *challenge, const char *dpop_jkt,
                                  const unsigned char *refresh_hash, const char *jti, long long expires_at,
                                  idp_store_grant_t *out)
{
    exchanges++;
    unsigned char rival_refresh[32];
    assert_int_equal(idp_random_bytes(rival_refresh, sizeof(rival_refresh)), IDP_OK);
    if (rival) {
        idp_store_grant_t g;
        idp_err_t e = real_codes->code_exchange(s, code_hash, client_id, redirect_uri, challenge, dpop_jkt,
                                                refresh_hash ? rival_refresh : NULL, rival_jti, expires_at, &g);
        assert_true(e == IDP_OK || e == IDP_E_NOT_FOUND);
    }
    return real_codes->code_exchange(s, code_hash, client_id, redirect_uri, challenge, dpop_jkt, refresh_hash, jti,
                                     expires_at, out);
}

static idp_err_t counted_redeem(idp_store_t *s, const unsigned char code_hash[32], const char *client_id,
                                const char *redirect_uri, const char *challenge, idp_store_grant_t *out,
                                idp_store_code_outcome_t *outcome)
{
    redeems++;
    return real_codes->code_redeem(s, code_hash, client_id, redirect_uri, challenge, out, outcome);
}

static idp_err_t counted_spend(idp_store_t *s, const unsigned char code_hash[32], const char *grant_id,
                               const unsigned char *refresh_hash, const char *jti, const char *client_id,
                               const char *subject, const char *scope, long long expires_at, const char *released,
                               const char *dpop_jkt)
{
    spends++;
    unsigned char rival_refresh[32];
    assert_int_equal(idp_random_bytes(rival_refresh, sizeof(rival_refresh)), IDP_OK);
    if (rival)
        assert_int_equal(real_codes->code_spend(s, code_hash, grant_id, refresh_hash ? rival_refresh : NULL, rival_jti,
                                                client_id, subject, scope, expires_at, released, dpop_jkt),
                         IDP_OK);
    return real_codes->code_spend(s, code_hash, grant_id, refresh_hash, jti, client_id, subject, scope, expires_at,
                                  released, dpop_jkt);
}

/* Redeems @p code through the counting store; the calls made are in exchanges, redeems and spends. */
static json_t *redeem_counted(fixture_t *f, const char *code, bool with_rival, int *status)
{
    exchanges = redeems = spends = 0;
    rival = with_rival;
    real_codes = f->store->ops_codes;
    idp_store_codes_ops_t counting = *real_codes;
    counting.code_exchange = counted_exchange;
    counting.code_redeem = counted_redeem;
    counting.code_spend = counted_spend;
    f->store->ops_codes = &counting;
    json_t *j = fixture_redeem(f, code, VERIFIER, REDIRECT, status);
    f->store->ops_codes = real_codes;
    return j;
}

/* The sub of a token response's ID token. */
static char *id_token_sub(json_t *j)
{
    const char *idt = fixture_str(j, "id_token"), *p = strchr(idt, '.'), *q = p ? strchr(p + 1, '.') : NULL;
    unsigned char payload[2048];
    size_t n;
    assert_non_null(q);
    assert_int_equal(idp_b64url_decode(p + 1, (size_t)(q - p - 1), payload, sizeof(payload), &n), IDP_OK);
    json_t *c = json_loadb((const char *)payload, n, 0, NULL);
    char *sub = strdup(fixture_str(c, "sub"));
    json_decref(c);
    return sub;
}

/* The usual redemption is one call to the store (one statement on PostgreSQL): the code spent with the answer's
 * rows, then the tokens signed. A grant stored without its subject (before migration 0030) takes the checked
 * way, and its tokens name the same subject. */
static void token_code_is_redeemed_in_one_store_call(void **state)
{
    fixture_t *f = *state;
    char code[64], legacy[64];
    int status;
    fixture_code(f, "openid offline_access", "", code);
    json_t *j = redeem_counted(f, code, false, &status);
    assert_int_equal(status, 200);
    assert_int_equal(exchanges, 1);
    assert_int_equal(redeems + spends, 0);
    char *sub = id_token_sub(j);
    json_decref(j);
    fixture_code_legacy(f, "openid offline_access", "", legacy);
    j = redeem_counted(f, legacy, false, &status);
    assert_int_equal(status, 200);
    assert_int_equal(exchanges, 1);
    assert_int_equal(redeems, 1);
    assert_int_equal(spends, 1);
    char *legacy_sub = id_token_sub(j);
    assert_string_equal(legacy_sub, sub);
    free(legacy_sub);
    free(sub);
    json_decref(j);
    /* spent: the next presentation is a replay, refused by the checked way */
    j = redeem_counted(f, code, false, &status);
    assert_int_equal(status, 400);
    assert_int_equal(redeems, 1);
    assert_non_null(strstr(fixture_str(j, "error_description"), "already been used"));
    json_decref(j);
}

/* Two requests presenting one code: the one that commits second gets no tokens, and (RFC 6749 §4.1.2) the
 * winner's are revoked with the grant, whether the race is lost at the exchange or after the check. */
static void token_code_spent_meanwhile_is_a_replay(void **state)
{
    fixture_t *f = *state;
    for (int legacy = 0; legacy < 2; legacy++) {
        char code[64];
        int status;
        snprintf(rival_jti, sizeof(rival_jti), "rival-jti-%d", legacy);
        if (legacy)
            fixture_code_legacy(f, "openid offline_access", "", code);
        else
            fixture_code(f, "openid offline_access", "", code);
        json_t *j = redeem_counted(f, code, true, &status);
        assert_int_equal(status, 400);
        assert_int_equal(spends, legacy); /* the legacy grant lost its race between the check and the spend */
        assert_string_equal(fixture_str(j, "error"), "invalid_grant");
        assert_non_null(strstr(fixture_str(j, "error_description"), "already been used"));
        assert_null(json_object_get(j, "access_token"));
        json_decref(j);
        idp_store_token_info_t info;
        assert_int_equal(idp_store_access_token_get(f->store, rival_jti, &info), IDP_OK);
        assert_false(info.active);
    }
}

static void token_code_grant_checks_verifier_redirect_and_code(void **state)
{
    fixture_t *f = *state;
    char code[64];
    int status;
    fixture_code(f, "openid", "", code);
    json_t *j = fixture_redeem(f, code, "wrong-verifier-wrong-verifier-wrong-verifier-00", REDIRECT, &status);
    assert_int_equal(status, 400);
    assert_string_equal(fixture_str(j, "error"), "invalid_grant");
    assert_non_null(strstr(fixture_str(j, "error_description"), "code_verifier does not match"));
    json_decref(j);
    j = fixture_redeem(f, code, NULL, REDIRECT, &status); /* RFC 7636 §4.6 */
    assert_string_equal(fixture_str(j, "error"), "invalid_grant");
    assert_non_null(strstr(fixture_str(j, "error_description"), "code_verifier is required"));
    json_decref(j);
    j = fixture_redeem(f, code, VERIFIER, "https://rp.example/other", &status);
    assert_string_equal(fixture_str(j, "error"), "invalid_grant");
    assert_non_null(strstr(fixture_str(j, "error_description"), "redirect_uri"));
    json_decref(j);
    j = fixture_redeem(f, "no-such-code", VERIFIER, REDIRECT, &status);
    assert_string_equal(fixture_str(j, "error"), "invalid_grant");
    json_decref(j);
    /* none of the failures spent it */
    j = fixture_redeem(f, code, VERIFIER, REDIRECT, &status);
    assert_int_equal(status, 200);
    assert_true(strlen(fixture_str(j, "access_token")) > 20);
    json_decref(j);
}

static void token_refresh_rotates_and_reuse_revokes(void **state)
{
    fixture_t *f = *state;
    char code[64], form[512];
    int status;
    fixture_code(f, "openid offline_access", "", code);
    json_t *j = fixture_redeem(f, code, VERIFIER, REDIRECT, &status);
    assert_int_equal(status, 200);
    char first[128];
    snprintf(first, sizeof(first), "%s", fixture_str(j, "refresh_token"));
    json_decref(j);

    snprintf(form, sizeof(form), "grant_type=refresh_token&client_id=" CLIENT "&refresh_token=%s", first);
    j = token(f, form, &status);
    assert_int_equal(status, 200);
    char second[128];
    snprintf(second, sizeof(second), "%s", fixture_str(j, "refresh_token"));
    assert_true(strlen(second) > 20);
    assert_string_not_equal(second, first); /* RFC 6749 §6: rotated */
    json_decref(j);

    /* RFC 9700 §4.14.2: the first token again revokes the family, the second with it */
    j = token(f, form, &status);
    assert_int_equal(status, 400);
    assert_string_equal(fixture_str(j, "error"), "invalid_grant");
    json_decref(j);
    snprintf(form, sizeof(form), "grant_type=refresh_token&client_id=" CLIENT "&refresh_token=%s", second);
    j = token(f, form, &status);
    assert_int_equal(status, 400);
    assert_string_equal(fixture_str(j, "error"), "invalid_grant");
    json_decref(j);
}

static void token_refresh_scope_cannot_widen(void **state)
{
    fixture_t *f = *state;
    char code[64], form[512];
    int status;
    fixture_code(f, "openid offline_access", "", code);
    json_t *j = fixture_redeem(f, code, VERIFIER, REDIRECT, &status);
    assert_int_equal(status, 200);
    snprintf(form, sizeof(form), "grant_type=refresh_token&client_id=" CLIENT "&scope=openid+profile&refresh_token=%s",
             fixture_str(j, "refresh_token"));
    json_decref(j);
    j = token(f, form, &status);
    assert_int_equal(status, 400);
    assert_string_equal(fixture_str(j, "error"), "invalid_scope");
    json_decref(j);
}

static void token_rejects_unknown_grant_and_missing_code(void **state)
{
    fixture_t *f = *state;
    int status;
    json_t *j = token(f, "grant_type=password&client_id=" CLIENT, &status);
    assert_int_equal(status, 400);
    assert_string_equal(fixture_str(j, "error"), "unsupported_grant_type");
    json_decref(j);
    j = token(f, "grant_type=authorization_code&client_id=" CLIENT "&redirect_uri=" REDIRECT, &status);
    assert_int_equal(status, 400);
    assert_string_equal(fixture_str(j, "error"), "invalid_request");
    json_decref(j);
    j = token(f, "client_id=" CLIENT, &status);
    assert_string_equal(fixture_str(j, "error"), "invalid_request");
    json_decref(j);
    j = token(f, "grant_type=client_credentials&client_id=" CLIENT, &status); /* not registered for it */
    assert_string_equal(fixture_str(j, "error"), "unauthorized_client");
    json_decref(j);
}

#define CC_CLIENT "rp-backend"
#define CC_SECRET "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"

/* A confidential client for client_credentials, registered as sakaid-admin does: only the secret's SHA-256. */
static void register_backend(fixture_t *f)
{
    idp_store_client_t probe;
    if (idp_store_client_get(f->store, CC_CLIENT, &probe) == IDP_OK) {
        idp_store_client_clear(&probe);
        return;
    }
    json_t *in = json_loads("{\"client_name\":\"b\",\"redirect_uris\":[\"https://backend.example/cb\"],"
                            "\"token_endpoint_auth_method\":\"client_secret_basic\",\"scope\":\"api\","
                            "\"grant_types\":[\"client_credentials\"]}",
                            0, NULL),
           *meta = NULL;
    char err[256] = "";
    assert_int_equal(idp_client_meta_validate(in, &meta, err, sizeof(err)), IDP_OK);
    char *text = json_dumps(meta, JSON_COMPACT);
    idp_store_client_t c = {.client_id = CC_CLIENT, .metadata = text, .has_secret = true};
    idp_sha256(CC_SECRET, strlen(CC_SECRET), c.secret_hash);
    assert_int_equal(idp_store_client_insert(f->store, &c), IDP_OK);
    free(text);
    json_decref(in);
    json_decref(meta);
}

/* RFC 7617 Basic credentials for @p id and @p secret. */
static void basic(const char *id, const char *secret, char out[256])
{
    char pair[160];
    snprintf(pair, sizeof(pair), "%s:%s", id, secret);
    memcpy(out, "Basic ", 6);
    EVP_EncodeBlock((unsigned char *)out + 6, (const unsigned char *)pair, (int)strlen(pair));
}

static void token_client_credentials_needs_the_secret(void **state)
{
    fixture_t *f = *state;
    register_backend(f);
    char auth[256];
    idp_oauth_resp_t resp;
    basic(CC_CLIENT, CC_SECRET, auth);
    json_t *j = fixture_call(f, IDP_EP_TOKEN, "grant_type=client_credentials&scope=api", auth, &resp);
    assert_int_equal(resp.status, 200);
    assert_null(json_object_get(j, "id_token")); /* no end-user */
    assert_null(json_object_get(j, "refresh_token"));
    char at[2048], form[2200];
    snprintf(at, sizeof(at), "%s", fixture_str(j, "access_token"));
    json_decref(j);
    /* its jti was stored before the answer: introspection finds it active (RFC 7662) */
    snprintf(form, sizeof(form), "token=%s", at);
    j = fixture_call(f, IDP_EP_INTROSPECT, form, auth, &resp);
    assert_true(json_is_true(json_object_get(j, "active")));
    assert_string_equal(fixture_str(j, "client_id"), CC_CLIENT);
    assert_string_equal(fixture_str(j, "scope"), "api");
    json_decref(j);

    basic(CC_CLIENT, "not-the-secret", auth);
    j = fixture_call(f, IDP_EP_TOKEN, "grant_type=client_credentials", auth, &resp);
    assert_int_equal(resp.status, 401); /* RFC 6749 §5.2 invalid_client, with WWW-Authenticate for Basic */
    assert_string_equal(fixture_str(j, "error"), "invalid_client");
    assert_non_null(resp.www_authenticate);
    json_decref(j);
    /* registered for Basic: the same secret in the form is another method, refused */
    j = fixture_call(f, IDP_EP_TOKEN, "grant_type=client_credentials&client_id=" CC_CLIENT "&client_secret=" CC_SECRET,
                     NULL, &resp);
    assert_string_equal(fixture_str(j, "error"), "invalid_client");
    json_decref(j);
}

/* The "alg" of the compact JWS @p token's protected header, into @p out. */
static void header_alg(const char *token, char out[16])
{
    unsigned char h[512];
    size_t n;
    const char *dot = strchr(token, '.');
    assert_non_null(dot);
    assert_int_equal(idp_b64url_decode(token, (size_t)(dot - token), h, sizeof(h), &n), IDP_OK);
    json_t *j = json_loadb((const char *)h, n, 0, NULL);
    assert_non_null(j);
    snprintf(out, 16, "%s", fixture_str(j, "alg"));
    json_decref(j);
}

/* OpenID Connect Dynamic Client Registration §2: id_token_signed_response_alg (and our
 * access_token_signed_response_alg) PS256, as FAPI 2.0 asks (issue #21): both tokens are signed with PS256 and
 * verify against the published keys. */
static void token_signs_with_the_clients_ps256(void **state)
{
    fixture_t *f = *state;
    char id[] = "rp-ps256";
    json_t *in = json_loads("{\"client_name\":\"p\",\"redirect_uris\":[\"" REDIRECT "\"],"
                            "\"token_endpoint_auth_method\":\"none\",\"scope\":\"openid\","
                            "\"id_token_signed_response_alg\":\"PS256\","
                            "\"access_token_signed_response_alg\":\"PS256\"}",
                            0, NULL),
           *meta = NULL;
    char err[256] = "";
    assert_int_equal(idp_client_meta_validate(in, &meta, err, sizeof(err)), IDP_OK);
    char *text = json_dumps(meta, JSON_COMPACT);
    idp_store_client_t c = {.client_id = id, .metadata = text};
    assert_int_equal(idp_store_client_insert(f->store, &c), IDP_OK);
    free(text);
    json_decref(in);
    json_decref(meta);

    char code[64], form[512], alg[16];
    idp_oauth_resp_t resp;
    fixture_code_for(f, id, "openid", "", NULL, code);
    snprintf(form, sizeof(form),
             "grant_type=authorization_code&client_id=%s&code=%s&redirect_uri=" REDIRECT "&code_verifier=" VERIFIER, id,
             code);
    json_t *j = fixture_call(f, IDP_EP_TOKEN, form, NULL, &resp);
    assert_int_equal(resp.status, 200);
    idp_keyset_t *ks = idp_keystore_get(f->keys);
    for (const char *const *t = (const char *const[]){"id_token", "access_token", NULL}; *t; t++) {
        const char *token = fixture_str(j, *t);
        header_alg(token, alg);
        assert_string_equal(alg, "PS256");
        assert_int_equal(idp_jws_verify(idp_keyset_verifier(ks), token, NULL, NULL), IDP_OK);
    }
    idp_keyset_release(ks);
    json_decref(j);
}

/* Discovery's grant_types_supported (built from the grant table) is what this endpoint accepts: every
 * advertised grant is recognised (an error, if any, is about the client or the request), and no other. */
static void token_accepts_every_advertised_grant(void **state)
{
    fixture_t *f = *state;
    json_t *d = json_loadb(f->o->discovery, f->o->discovery_len, 0, NULL);
    json_t *grants = json_object_get(d, "grant_types_supported"), *g;
    size_t i;
    assert_true(json_array_size(grants) > 0);
    json_array_foreach (grants, i, g) {
        char form[256];
        int status;
        snprintf(form, sizeof(form), "grant_type=%s&client_id=" CLIENT, json_string_value(g));
        json_t *j = token(f, form, &status);
        assert_string_not_equal(fixture_str(j, "error"), "unsupported_grant_type");
        json_decref(j);
    }
    static const char *const others[] = {"password", "implicit", "urn:ietf:params:oauth:grant-type:device_code"};
    for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        char form[256];
        int status;
        assert_false(idp_json_list_has(grants, others[i]));
        snprintf(form, sizeof(form), "grant_type=%s&client_id=" CLIENT, others[i]);
        json_t *j = token(f, form, &status);
        assert_int_equal(status, 400);
        assert_string_equal(fixture_str(j, "error"), "unsupported_grant_type");
        json_decref(j);
    }
    json_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_code_grant_issues_tokens_once),
        cmocka_unit_test(token_code_grant_checks_verifier_redirect_and_code),
        cmocka_unit_test(token_code_spent_meanwhile_is_a_replay),
        cmocka_unit_test(token_code_is_redeemed_in_one_store_call),
        cmocka_unit_test(token_refresh_rotates_and_reuse_revokes),
        cmocka_unit_test(token_refresh_scope_cannot_widen),
        cmocka_unit_test(token_rejects_unknown_grant_and_missing_code),
        cmocka_unit_test(token_client_credentials_needs_the_secret),
        cmocka_unit_test(token_accepts_every_advertised_grant),
        cmocka_unit_test(token_signs_with_the_clients_ps256),
    };
    return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}

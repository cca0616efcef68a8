/*
 * private_key_jwt (RFC 7523 §2.2, §3; OpenID Connect Core §9) at the token
 * endpoint on the memory store: a client's assertion, signed with the key it
 * registered, is accepted once, and only when its aud names us: the issuer or
 * an endpoint that takes client authentication (the endpoint table).
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
#include "jose/jwt.h"
#include "jose/key.h"
#include "client/client_meta.h"
#include "oauth_fixture.h"

#define PKJ "backend-pkj"

static idp_jose_key_t *key, *stranger;

static int setup(void **state)
{
    if (fixture_setup(state) != 0)
        return -1;
    fixture_t *f = *state;
    if (key == NULL) {
        assert_int_equal(idp_jose_key_generate(IDP_ALG_ES256, &key), IDP_OK);
        assert_int_equal(idp_jose_key_generate(IDP_ALG_ES256, &stranger), IDP_OK);
    }
    char doc[2048];
    snprintf(doc, sizeof(doc),
             "{\"client_name\":\"b\",\"redirect_uris\":[\"https://backend.example/cb\"],"
             "\"token_endpoint_auth_method\":\"private_key_jwt\",\"scope\":\"api\","
             "\"grant_types\":[\"client_credentials\"],\"jwks\":{\"keys\":[%s]}}",
             idp_jose_key_public_jwk(key));
    json_t *in = json_loads(doc, 0, NULL), *meta = NULL;
    char err[256] = "";
    assert_non_null(in);
    assert_int_equal(idp_client_meta_validate(in, &meta, err, sizeof(err)), IDP_OK);
    char *text = json_dumps(meta, JSON_COMPACT);
    idp_store_client_t c = {.client_id = PKJ, .metadata = text};
    assert_int_equal(idp_store_client_insert(f->store, &c), IDP_OK);
    free(text);
    json_decref(in);
    json_decref(meta);
    return 0;
}

/* An assertion by @p k for @p aud, expiring in @p ttl seconds, with @p jti. */
static char *assertion(fixture_t *f, const idp_jose_key_t *k, const char *aud, long long ttl, const char *jti)
{
    long long now = (long long)time(NULL);
    json_t *claims = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "iss", PKJ, "sub", PKJ, "aud", aud, "iat",
                               (json_int_t)now, "exp", (json_int_t)(now + ttl), "jti", jti);
    char *text = json_dumps(claims, JSON_COMPACT), *out = NULL;
    json_decref(claims);
    assert_int_equal(idp_jwt_sign(k, NULL, text, &out), IDP_OK);
    free(text);
    (void)f;
    return out;
}

static int token_with(fixture_t *f, char *a, char *error, size_t n)
{
    char form[4096];
    snprintf(form, sizeof(form),
             "grant_type=client_credentials&scope=api&client_assertion_type="
             "urn%%3Aietf%%3Aparams%%3Aoauth%%3Aclient-assertion-type%%3Ajwt-bearer&client_assertion=%s",
             a);
    free(a);
    idp_oauth_resp_t resp;
    json_t *j = fixture_call(f, IDP_EP_TOKEN, form, NULL, &resp);
    snprintf(error, n, "%s", fixture_str(j, "error"));
    json_decref(j);
    return resp.status;
}

static void accepted_once(void **state)
{
    fixture_t *f = *state;
    char err[64], aud[256];
    snprintf(aud, sizeof(aud), "%s/token", f->cfg->issuer);
    assert_int_equal(token_with(f, assertion(f, key, aud, 60, "jti-1"), err, sizeof(err)), 200);
    /* RFC 7523 §3 item 7: a jti is used once */
    assert_int_equal(token_with(f, assertion(f, key, aud, 60, "jti-1"), err, sizeof(err)), 401);
    assert_string_equal(err, "invalid_client");
    /* the issuer itself is an audience too */
    assert_int_equal(token_with(f, assertion(f, key, f->cfg->issuer, 60, "jti-2"), err, sizeof(err)), 200);
}

static void refused(void **state)
{
    fixture_t *f = *state;
    char err[64], aud[256];
    snprintf(aud, sizeof(aud), "%s/token", f->cfg->issuer);
    /* a key the client never registered */
    assert_int_equal(token_with(f, assertion(f, stranger, aud, 60, "jti-3"), err, sizeof(err)), 401);
    /* expired */
    assert_int_equal(token_with(f, assertion(f, key, aud, -5, "jti-4"), err, sizeof(err)), 401);
    /* an endpoint that takes no client authentication, or another server */
    snprintf(aud, sizeof(aud), "%s/userinfo", f->cfg->issuer);
    assert_int_equal(token_with(f, assertion(f, key, aud, 60, "jti-5"), err, sizeof(err)), 401);
    assert_int_equal(token_with(f, assertion(f, key, "https://other.example/token", 60, "jti-6"), err, sizeof(err)),
                     401);
    assert_string_equal(err, "invalid_client");
    /* the endpoints that take client authentication are audiences */
    snprintf(aud, sizeof(aud), "%s/revoke", f->cfg->issuer);
    assert_int_equal(token_with(f, assertion(f, key, aud, 60, "jti-7"), err, sizeof(err)), 200);
}

static int done(void **state)
{
    idp_jose_key_free(key);
    idp_jose_key_free(stranger);
    key = stranger = NULL;
    (void)state;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(accepted_once, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(refused, setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, done);
}

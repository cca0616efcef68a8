/*
 * FAPI 2.0 Message Signing on the memory store (issue #21, docs/fapi.md
 * "Message signing"): signed authorization responses (JARM,
 * oauth/response.c) that verify with our published JWKS, for a code and for
 * an error.
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

#include "client/client_meta.h"
#include "core/b64.h"
#include "core/rand.h"
#include "jose/jwt.h"
#include "jose/key.h"
#include "jose/keystore.h"
#include "jose/verify.h"
#include "oauth/authorize.h"
#include "oauth/internal.h"
#include "oauth_fixture.h"

#define JAR "jar-portal" /* a fapi2-message-signing client */
#define JAR_CB "https://jar.example/cb"
#define SESSION "jar-test-browser-session-cookie-value-0123456789"

static idp_jose_key_t *es, *rs, *stranger;

static void insert_client(fixture_t *f, char *id, const char *doc)
{
    json_t *in = json_loads(doc, 0, NULL), *meta = NULL;
    char err[256] = "";
    assert_non_null(in);
    if (idp_client_meta_validate(in, &meta, err, sizeof(err)) != IDP_OK)
        fail_msg("%s", err);
    char *text = json_dumps(meta, JSON_COMPACT);
    idp_store_client_t c = {.client_id = id, .metadata = text};
    assert_int_equal(idp_store_client_insert(f->store, &c), IDP_OK);
    free(text);
    json_decref(in);
    json_decref(meta);
}

/* The JAR client (its ES256 and RS256 keys inline), a card session this test's browser holds, and both clients'
 * consent to the sign-in: an authorization request that names them goes straight to its response. */
static int setup(void **state)
{
    if (fixture_setup(state) != 0)
        return -1;
    fixture_t *f = *state;
    if (es == NULL) {
        assert_int_equal(idp_jose_key_generate(IDP_ALG_ES256, &es), IDP_OK);
        assert_int_equal(idp_jose_key_generate(IDP_ALG_RS256, &rs), IDP_OK);
        assert_int_equal(idp_jose_key_generate(IDP_ALG_ES256, &stranger), IDP_OK);
    }
    char doc[8192];
    snprintf(doc, sizeof(doc),
             "{\"client_name\":\"JAR portal\",\"redirect_uris\":[\"" JAR_CB "\"],"
             "\"token_endpoint_auth_method\":\"private_key_jwt\",\"security_profile\":\"fapi2-message-signing\","
             "\"jwks\":{\"keys\":[%s,%s]}}",
             idp_jose_key_public_jwk(es), idp_jose_key_public_jwk(rs));
    char id[] = JAR;
    insert_client(f, id, doc);
    unsigned char h[32];
    idp_sha256(SESSION, strlen(SESSION), h);
    idp_store_session_t sess;
    assert_int_equal(idp_store_session_login(f->store, NULL, h, "sid-jar", f->resident, ACR_CARD, AMR_CARD, "card:x",
                                             (long long)time(NULL), 3600, &sess),
                     IDP_OK);
    assert_int_equal(
        idp_store_consent_record(f->store, f->resident, JAR, "grant", IDP_CLAIM_OPENID, 3600, "resident", "test"),
        IDP_OK);
    assert_int_equal(
        idp_store_consent_record(f->store, f->resident, CLIENT, "grant", IDP_CLAIM_OPENID, 3600, "resident", "test"),
        IDP_OK);
    return 0;
}

static int done(void **state)
{
    (void)state;
    idp_jose_key_free(es);
    idp_jose_key_free(rs);
    idp_jose_key_free(stranger);
    es = rs = stranger = NULL;
    return 0;
}

/* The JWT's payload, verified with our published JWKS (as the client verifies it, JARM "Processing rules"). */
static json_t *verify_ours(fixture_t *f, const char *jwt, const char *alg)
{
    idp_keyset_t *ks = idp_keystore_get(f->keys);
    size_t n = 0;
    const char *text = idp_keyset_jwks(ks, &n);
    idp_jwks_t *set = NULL;
    json_t *header = NULL, *payload = NULL;
    assert_int_equal(idp_jwks_parse(text, n, &set), IDP_OK);
    assert_int_equal(idp_jws_verify(set, jwt, &header, &payload), IDP_OK);
    assert_string_equal(json_string_value(json_object_get(header, "alg")), alg);
    json_decref(header);
    idp_jwks_free(set);
    idp_keyset_release(ks);
    /* JARM §4.1: iss, aud (the client) and exp, at most 10 minutes ahead */
    long long now = (long long)time(NULL);
    json_t *exp = json_object_get(payload, "exp");
    assert_string_equal(fixture_str(payload, "iss"), f->cfg->issuer);
    assert_true(json_is_integer(exp) && json_integer_value(exp) > now &&
                json_integer_value(exp) <= now + IDP_JARM_SECONDS + 1);
    return payload;
}

/* Any client may ask for JARM (RS256 by default), by form_post.jwt too; an error after the redirect URI is trusted
 * is a signed response as well; fragment.jwt is not offered. */
static void jarm_for_any_client_and_its_errors(void **state)
{
    fixture_t *f = *state;
    char challenge[64], q[1024], jwt[4096];
    assert_true(idp_pkce_s256(VERIFIER, challenge));
#define AZ                                                                                            \
    "response_type=code&client_id=" CLIENT "&redirect_uri=https%%3A%%2F%%2Frp.example%%2Fcb&state=s2" \
    "&code_challenge=%s&code_challenge_method=S256"
    snprintf(q, sizeof(q), AZ "&scope=openid&response_mode=form_post.jwt", challenge);
    fixture_answer_t a = fixture_page(f, IDP_EP_AUTHORIZE, q, false, COOKIE_SESSION "=" SESSION, NULL, "192.0.2.7");
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body, "action=\"" REDIRECT "\""));
    const char *v = strstr(a.body, "name=\"response\" value=\"");
    assert_non_null(v);
    v += strlen("name=\"response\" value=\"");
    snprintf(jwt, sizeof(jwt), "%.*s", (int)strcspn(v, "\""), v);
    assert_null(strstr(a.body, "name=\"code\""));
    fixture_answer_free(&a);
    json_t *p = verify_ours(f, jwt, "RS256");
    assert_string_equal(fixture_str(p, "aud"), CLIENT);
    assert_string_equal(fixture_str(p, "state"), "s2");
    assert_true(strlen(fixture_str(p, "code")) >= 43);
    json_decref(p);
    /* an error (no openid in scope) to the trusted redirect URI: error and state inside the JWT */
    snprintf(q, sizeof(q), AZ "&scope=profile&response_mode=form_post.jwt", challenge);
    a = fixture_page(f, IDP_EP_AUTHORIZE, q, false, NULL, NULL, "192.0.2.7");
    assert_int_equal(a.status, 200);
    v = strstr(a.body, "name=\"response\" value=\"");
    assert_non_null(v);
    v += strlen("name=\"response\" value=\"");
    snprintf(jwt, sizeof(jwt), "%.*s", (int)strcspn(v, "\""), v);
    assert_null(strstr(a.body, "name=\"error\""));
    fixture_answer_free(&a);
    p = verify_ours(f, jwt, "RS256");
    assert_string_equal(fixture_str(p, "error"), "invalid_scope");
    assert_string_equal(fixture_str(p, "state"), "s2");
    assert_string_equal(fixture_str(p, "aud"), CLIENT);
    assert_null(json_object_get(p, "code"));
    json_decref(p);
    /* fragment.jwt: not a mode of ours, refused in the plain query */
    snprintf(q, sizeof(q), AZ "&scope=openid&response_mode=fragment.jwt", challenge);
    a = fixture_page(f, IDP_EP_AUTHORIZE, q, false, COOKIE_SESSION "=" SESSION, NULL, "192.0.2.7");
    assert_int_equal(a.status, 303);
    assert_non_null(strstr(a.location, "error=invalid_request"));
    assert_null(strstr(a.location, "response="));
    fixture_answer_free(&a);
#undef AZ
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(jarm_for_any_client_and_its_errors, setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, done);
}

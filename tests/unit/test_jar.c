/*
 * FAPI 2.0 Message Signing on the memory store (issue #21, docs/fapi.md
 * "Message signing"): signed request objects pushed to /par (JAR, RFC 9101;
 * RFC 9126 §3, oauth/request_object.c), each refusal on its own, and signed
 * authorization responses (JARM, oauth/response.c) that verify with our
 * published JWKS, for a code and for an error.
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
#define ASSERTION_TYPE "urn%%3Aietf%%3Aparams%%3Aoauth%%3Aclient-assertion-type%%3Ajwt-bearer" /* in a format */

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
        idp_store_consent_record(f->store, f->resident, JAR, "grant", IDP_CLAIM_OPENID, 3600, "resident", "test", NULL),
        IDP_OK);
    assert_int_equal(idp_store_consent_record(f->store, f->resident, CLIENT, "grant", IDP_CLAIM_OPENID, 3600,
                                              "resident", "test", NULL),
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

static char *sign(const idp_jose_key_t *k, const char *typ, json_t *claims)
{
    char *text = json_dumps(claims, JSON_COMPACT), *out = NULL;
    assert_int_equal(idp_jwt_sign(k, typ, text, &out), IDP_OK);
    free(text);
    return out;
}

/* A private_key_jwt assertion of the JAR client (RFC 7523), each with its own jti. */
static char *assertion(fixture_t *f)
{
    static int n;
    char jti[64];
    long long now = (long long)time(NULL);
    snprintf(jti, sizeof(jti), "jar-assertion-%d-%lld", ++n, now);
    json_t *c = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "iss", JAR, "sub", JAR, "aud", f->cfg->issuer, "iat",
                          (json_int_t)now, "exp", (json_int_t)(now + 60), "jti", jti);
    char *a = sign(es, NULL, c);
    json_decref(c);
    return a;
}

/* A good request object's claims: the whole authorization request, as openid-client sends it. */
static json_t *good_claims(fixture_t *f)
{
    char challenge[64];
    long long now = (long long)time(NULL);
    assert_true(idp_pkce_s256(VERIFIER, challenge));
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "iss", JAR, "aud",
                     f->cfg->issuer, "client_id", JAR, "iat", (json_int_t)now, "nbf", (json_int_t)now, "exp",
                     (json_int_t)(now + 60), "jti", "ro-1", "response_type", "code", "redirect_uri", JAR_CB, "scope",
                     "openid", "state", "st-jar", "nonce", "n-jar", "code_challenge", challenge,
                     "code_challenge_method", "S256", "response_mode", "jwt");
}

/* POST /par as the JAR client with request object @p request (NULL: none) and @p extra form parameters; the
 * status, and error or request_uri into @p out. */
static int push(fixture_t *f, const char *request, const char *extra, char *out, size_t n)
{
    char *a = assertion(f);
    size_t len = strlen(a) + (request ? strlen(request) : 0) + (extra ? strlen(extra) : 0) + 256;
    char *form = malloc(len);
    snprintf(form, len, "client_assertion_type=" ASSERTION_TYPE "&client_assertion=%s%s%s%s", a,
             request ? "&request=" : "", request ? request : "", extra ? extra : "");
    idp_oauth_resp_t resp;
    json_t *j = fixture_call(f, IDP_EP_PAR, form, NULL, &resp);
    snprintf(out, n, "%s", resp.status == 201 ? fixture_str(j, "request_uri") : fixture_str(j, "error"));
    json_decref(j);
    free(form);
    free(a);
    return resp.status;
}

/* The request's parameters as the PAR endpoint stored them (taken: the request_uri is spent). */
static char *stored(fixture_t *f, const char *request_uri)
{
    unsigned char h[32];
    char *text = NULL;
    idp_sha256(request_uri, strlen(request_uri), h);
    assert_int_equal(idp_store_par_take(f->store, h, JAR, &text), IDP_OK);
    return text;
}

/* RFC 9101 §6.3, RFC 9126 §3: the request object's claims are the request; the body's other parameters count not */
static void request_object_is_the_request(void **state)
{
    fixture_t *f = *state;
    json_t *c = good_claims(f);
    json_object_set_new(c, "max_age", json_integer(600));
    json_object_set_new(c, "claims", json_pack("{s:{s:{s:b}}}", "id_token", "acr", "essential", 0));
    char *ro = sign(es, "oauth-authz-req+jwt", c), uri[256];
    json_decref(c);
    assert_int_equal(push(f, ro,
                          "&scope=openid+profile&state=outer&redirect_uri=https%3A%2F%2Fevil.example%2Fcb"
                          "&response_mode=query",
                          uri, sizeof(uri)),
                     201);
    char *text = stored(f, uri);
    assert_non_null(strstr(text, "state=st-jar"));
    assert_non_null(strstr(text, "response_mode=jwt"));
    assert_non_null(strstr(text, "client_id=" JAR));
    assert_non_null(strstr(text, "max_age=600"));              /* a number, as text */
    assert_non_null(strstr(text, "claims=%7B%22id_token%22")); /* an object, as its JSON text */
    assert_null(strstr(text, "outer"));
    assert_null(strstr(text, "evil.example"));
    assert_null(strstr(text, "profile"));
    assert_null(strstr(text, "response_mode=query"));
    /* the JWT's own claims are no parameters */
    assert_null(strstr(text, "aud="));
    assert_null(strstr(text, "jti="));
    free(text);
    free(ro);
    /* typ may be left out, or carry its application/ prefix (RFC 7515 §4.1.9) */
    c = good_claims(f);
    ro = sign(es, NULL, c);
    assert_int_equal(push(f, ro, NULL, uri, sizeof(uri)), 201);
    free(ro);
    ro = sign(es, "application/oauth-authz-req+jwt", c);
    assert_int_equal(push(f, ro, NULL, uri, sizeof(uri)), 201);
    free(ro);
    json_decref(c);
}

/* A request object changed by one thing. */
typedef struct {
    const char *what;
    const char *drop;    /* a claim left out */
    const char *set;     /* a claim set to ... */
    json_t *value;       /* ... this (stolen) */
    const char *typ;     /* the header's typ */
    const char *special; /* "stranger", "rs256", "none", "garbage" */
} change_t;

static char *changed(fixture_t *f, const change_t *ch)
{
    json_t *c = good_claims(f);
    if (ch->drop)
        json_object_del(c, ch->drop);
    if (ch->set)
        json_object_set_new(c, ch->set, ch->value);
    char *out;
    if (ch->special && !strcmp(ch->special, "none")) { /* RFC 7519 §6.1: an unsecured JWT */
        char *payload = json_dumps(c, JSON_COMPACT),
             *p64 = idp_b64url_encode_new((unsigned char *)payload, strlen(payload));
        size_t n = strlen(p64) + 64;
        out = malloc(n);
        snprintf(out, n, "eyJhbGciOiJub25lIn0.%s.", p64); /* {"alg":"none"} */
        free(payload);
        free(p64);
    } else if (ch->special && !strcmp(ch->special, "garbage")) {
        out = strdup("not-a-jws");
    } else {
        const idp_jose_key_t *k = !ch->special ? es : !strcmp(ch->special, "stranger") ? stranger : rs;
        out = sign(k, ch->typ ? ch->typ : "oauth-authz-req+jwt", c);
    }
    json_decref(c);
    return out;
}

static void each_refusal_on_its_own(void **state)
{
    fixture_t *f = *state;
    long long now = (long long)time(NULL);
    change_t cases[] = {
        {"a key the client never registered", .special = "stranger"},
        {"alg none (RFC 9101 §10.5)", .special = "none"},
        {"RS256 from a fapi2 client (FAPI 2.0 §5.4.1)", .special = "rs256"},
        {"not a JWS", .special = "garbage"},
        {"another audience", .set = "aud", .value = json_string("https://other.example")},
        {"an audience list without us", .set = "aud", .value = json_pack("[s]", "https://other.example")},
        {"no audience", .drop = "aud"},
        {"another issuer", .set = "iss", .value = json_string("someone-else")},
        {"no issuer", .drop = "iss"},
        {"another client_id", .set = "client_id", .value = json_string(CLIENT)},
        {"no exp", .drop = "exp"},
        {"expired", .set = "exp", .value = json_integer(now - 5)},
        {"more than 60 minutes after nbf", .set = "exp", .value = json_integer(now + 3700)},
        {"no nbf (FAPI 2.0 Message Signing §5.3.1)", .drop = "nbf"},
        {"nbf more than 60 minutes ago", .set = "nbf", .value = json_integer(now - 3700)},
        {"nbf ahead of us", .set = "nbf", .value = json_integer(now + 600)},
        {"another typ", .typ = "JWT"},
        {"a request_uri inside (RFC 9101 §4)", .set = "request_uri", .value = json_string(IDP_PAR_URN "x")},
        {"a request inside", .set = "request", .value = json_string("a.b.c")},
        {"a parameter that is no string", .set = "state", .value = json_integer(5)},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *ro = changed(f, &cases[i]), out[256];
        int status = push(f, ro, NULL, out, sizeof(out));
        if (status != 400 || strcmp(out, "invalid_request_object") != 0)
            fail_msg("%s: got %d %s, want 400 invalid_request_object", cases[i].what, status, out);
        free(ro);
    }
    /* the request object is whole: valid, but asking for no JWT response, it is the profile's refusal */
    json_t *c = good_claims(f);
    json_object_del(c, "response_mode");
    char *ro = sign(es, "oauth-authz-req+jwt", c), out[256];
    json_decref(c);
    assert_int_equal(push(f, ro, NULL, out, sizeof(out)), 400);
    assert_string_equal(out, "invalid_request"); /* FAPI 2.0 Message Signing §5.4.1 */
    free(ro);
}

/* RFC 9101 §10.5: a client registered with require_signed_request_object never gets an unsigned request through */
static void unsigned_push_is_refused_when_required(void **state)
{
    fixture_t *f = *state;
    char challenge[64], extra[512], out[256];
    assert_true(idp_pkce_s256(VERIFIER, challenge));
    snprintf(extra, sizeof(extra),
             "&response_type=code&redirect_uri=https%%3A%%2F%%2Fjar.example%%2Fcb&scope=openid&state=s"
             "&code_challenge=%s&code_challenge_method=S256&response_mode=jwt",
             challenge);
    assert_int_equal(push(f, NULL, extra, out, sizeof(out)), 400);
    assert_string_equal(out, "invalid_request");
    /* nor straight to /authorize, signed or not: a page, never a redirect */
    fixture_answer_t a =
        fixture_page(f, IDP_EP_AUTHORIZE, "client_id=" JAR "&request=a.b.c", false, NULL, NULL, "192.0.2.7");
    assert_int_equal(a.status, 400);
    assert_string_equal(a.location, "");
    fixture_answer_free(&a);
    /* so too a client that must sign though it need not push (its signed requests come only through /par) */
    char doc[4096], id[] = "signer", q[1024];
    snprintf(doc, sizeof(doc),
             "{\"client_name\":\"Signer\",\"redirect_uris\":[\"" JAR_CB "\"],\"token_endpoint_auth_method\":"
             "\"private_key_jwt\",\"require_signed_request_object\":true,\"jwks\":{\"keys\":[%s]}}",
             idp_jose_key_public_jwk(es));
    insert_client(f, id, doc);
    snprintf(q, sizeof(q),
             "response_type=code&client_id=signer&redirect_uri=https%%3A%%2F%%2Fjar.example%%2Fcb&scope=openid"
             "&state=s&code_challenge=%s&code_challenge_method=S256",
             challenge);
    a = fixture_page(f, IDP_EP_AUTHORIZE, q, false, COOKIE_SESSION "=" SESSION, NULL, "192.0.2.7");
    assert_int_equal(a.status, 400);
    assert_string_equal(a.location, "");
    assert_non_null(strstr(a.body, "pushed_authorization_request_endpoint"));
    fixture_answer_free(&a);
    /* a client that registered no keys cannot sign one */
    idp_oauth_resp_t resp;
    char form[2048];
    json_t *c = good_claims(f);
    char *ro = sign(es, "oauth-authz-req+jwt", c);
    json_decref(c);
    snprintf(form, sizeof(form), "client_id=" CLIENT "&request=%s", ro);
    json_t *j = fixture_call(f, IDP_EP_PAR, form, NULL, &resp);
    assert_int_equal(resp.status, 400);
    assert_string_equal(fixture_str(j, "error"), "invalid_request_object");
    json_decref(j);
    free(ro);
}

/* /authorize takes no request object from the browser (they come through PAR only): request_not_supported. */
static void authorize_refuses_a_request_parameter(void **state)
{
    fixture_t *f = *state;
    char challenge[64], q[1024];
    assert_true(idp_pkce_s256(VERIFIER, challenge));
    snprintf(q, sizeof(q),
             "response_type=code&client_id=" CLIENT "&redirect_uri=https%%3A%%2F%%2Frp.example%%2Fcb&scope=openid"
             "&state=s1&code_challenge=%s&code_challenge_method=S256&request=a.b.c",
             challenge);
    fixture_answer_t a = fixture_page(f, IDP_EP_AUTHORIZE, q, false, NULL, NULL, "192.0.2.7");
    assert_int_equal(a.status, 303);
    assert_non_null(strstr(a.location, "error=request_not_supported"));
    fixture_answer_free(&a);
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

/* The value of @p name in query @p q (a JWT needs no decoding: base64url and dots). */
static void query_param(const char *q, const char *name, char *out, size_t n)
{
    char key[64];
    snprintf(key, sizeof(key), "%s=", name);
    const char *p = strstr(q, key);
    assert_non_null(p);
    p += strlen(key);
    snprintf(out, n, "%.*s", (int)strcspn(p, "&"), p);
}

/* JARM: the pushed request's code comes back as one JWT signed ES256 (the profile's default) with code, state,
 * iss, aud and exp, and nothing beside it; so does an error after the redirect URI is trusted. */
static void jarm_response_holds_the_code(void **state)
{
    fixture_t *f = *state;
    json_t *c = good_claims(f);
    char *ro = sign(es, "oauth-authz-req+jwt", c), uri[256], q[512], jwt[4096];
    json_decref(c);
    assert_int_equal(push(f, ro, NULL, uri, sizeof(uri)), 201);
    free(ro);
    snprintf(q, sizeof(q), "client_id=" JAR "&request_uri=%s", uri); /* a URN and base64url: nothing to escape */
    fixture_answer_t a = fixture_page(f, IDP_EP_AUTHORIZE, q, false, COOKIE_SESSION "=" SESSION, NULL, "192.0.2.7");
    assert_int_equal(a.status, 303);
    assert_int_equal(strncmp(a.location, JAR_CB "?response=", strlen(JAR_CB "?response=")), 0);
    assert_null(strstr(a.location, "&")); /* JARM §4.1: every parameter inside the JWT, iss too */
    query_param(a.location, "response", jwt, sizeof(jwt));
    fixture_answer_free(&a);
    json_t *p = verify_ours(f, jwt, "ES256");
    assert_string_equal(fixture_str(p, "aud"), JAR);
    assert_string_equal(fixture_str(p, "state"), "st-jar");
    assert_true(strlen(fixture_str(p, "code")) >= 43);
    assert_null(json_object_get(p, "error"));
    json_decref(p);
    /* an error of a pushed request (prompt=none, and this browser has no session) is signed too, in the query */
    c = good_claims(f);
    json_object_set_new(c, "prompt", json_string("none"));
    json_object_set_new(c, "response_mode", json_string("query.jwt"));
    ro = sign(es, "oauth-authz-req+jwt", c);
    json_decref(c);
    assert_int_equal(push(f, ro, NULL, uri, sizeof(uri)), 201);
    free(ro);
    snprintf(q, sizeof(q), "client_id=" JAR "&request_uri=%s", uri);
    a = fixture_page(f, IDP_EP_AUTHORIZE, q, false, NULL, NULL, "192.0.2.7");
    assert_int_equal(a.status, 303);
    assert_int_equal(strncmp(a.location, JAR_CB "?response=", strlen(JAR_CB "?response=")), 0);
    assert_null(strstr(a.location, "&"));
    query_param(a.location, "response", jwt, sizeof(jwt));
    fixture_answer_free(&a);
    p = verify_ours(f, jwt, "ES256");
    assert_string_equal(fixture_str(p, "error"), "login_required");
    assert_string_equal(fixture_str(p, "state"), "st-jar");
    assert_string_equal(fixture_str(p, "aud"), JAR);
    json_decref(p);
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
        cmocka_unit_test_setup_teardown(request_object_is_the_request, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(each_refusal_on_its_own, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(unsigned_push_is_refused_when_required, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(authorize_refuses_a_request_parameter, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(jarm_response_holds_the_code, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(jarm_for_any_client_and_its_errors, setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, done);
}

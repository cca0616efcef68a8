/*
 * DPoP (RFC 9449): the proof's own checks (jose/dpop.c) and the protocol's
 * (oauth/dpop.c, the token endpoint, UserInfo, introspection) on the memory
 * store. Proofs are made here with keys of our own jose module.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/b64.h"
#include "core/rand.h"
#include "jose/dpop.h"
#include "jose/key.h"
#include "oauth_fixture.h"

/* What a proof says; a NULL member is left out. */
typedef struct {
    const char *typ, *htm, *htu, *ath, *nonce, *jti;
    long long iat;
    bool private_member; /* a "d" in the jwk header */
} claims_t;

static char *b64(const char *s)
{
    return idp_b64url_encode_new((const unsigned char *)s, strlen(s));
}

/* A compact JWS signed by @p k with the header's jwk of @p shown (the key whose public JWK the header carries). */
static char *proof_by(const idp_jose_key_t *k, const idp_jose_key_t *shown, const claims_t *c)
{
    json_t *jwk = json_loads(idp_jose_key_public_jwk(shown), 0, NULL);
    if (c->private_member)
        json_object_set_new(jwk, "d", json_string("AAAA"));
    json_t *h = json_pack("{s:s, s:o}", "alg", idp_alg_name(idp_jose_key_alg(k)), "jwk", jwk);
    if (c->typ)
        json_object_set_new(h, "typ", json_string(c->typ));
    json_t *p = json_pack("{s:I}", "iat", c->iat);
    static int n;
    char jti[32];
    snprintf(jti, sizeof(jti), "jti-%d-%ld", ++n, (long)time(NULL));
    json_object_set_new(p, "jti", json_string(c->jti ? c->jti : jti));
    if (c->htm)
        json_object_set_new(p, "htm", json_string(c->htm));
    if (c->htu)
        json_object_set_new(p, "htu", json_string(c->htu));
    if (c->ath)
        json_object_set_new(p, "ath", json_string(c->ath));
    if (c->nonce)
        json_object_set_new(p, "nonce", json_string(c->nonce));
    char *ht = json_dumps(h, JSON_COMPACT), *pt = json_dumps(p, JSON_COMPACT);
    char *hb = b64(ht), *pb = b64(pt);
    size_t in_len = strlen(hb) + 1 + strlen(pb);
    char *input = malloc(in_len + 1);
    snprintf(input, in_len + 1, "%s.%s", hb, pb);
    unsigned char sig[512];
    size_t siglen = sizeof(sig);
    assert_int_equal(idp_jose_key_sign(k, input, in_len, sig, &siglen), IDP_OK);
    char *sb = idp_b64url_encode_new(sig, siglen);
    char *out = malloc(in_len + 2 + strlen(sb));
    sprintf(out, "%s.%s", input, sb);
    free(ht), free(pt), free(hb), free(pb), free(input), free(sb);
    json_decref(h);
    json_decref(p);
    return out;
}

static char *proof(const idp_jose_key_t *k, const claims_t *c)
{
    return proof_by(k, k, c);
}

static idp_jose_key_t *key(idp_alg_t alg)
{
    idp_jose_key_t *k = NULL;
    assert_int_equal(idp_jose_key_generate(alg, &k), IDP_OK);
    return k;
}

#define HTU "https://id.example/token"

/* RFC 7638 §3.1: the example RSA key's thumbprint */
static void thumbprint_is_rfc7638s(void **state)
{
    (void)state;
    json_t *jwk =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "kty", "RSA", "e", "AQAB", "alg", "RS256", "kid", "2011-04-29", "n",
                  "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
                  "BJECPebWKRXjBZCiFV4n3oknjhMs"
                  "tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
                  "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajr"
                  "n1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-"
                  "kEgU8awapJzKnqDKgw");
    char t[IDP_JKT_LEN];
    assert_int_equal(idp_jwk_thumbprint(jwk, t), IDP_OK);
    assert_string_equal(t, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    json_object_del(jwk, "n");
    assert_int_equal(idp_jwk_thumbprint(jwk, t), IDP_E_INVALID_DPOP_PROOF);
    json_decref(jwk);
}

static void proof_checks(const idp_jose_key_t *k, const claims_t *c, const char *token, idp_err_t want)
{
    char *p = proof(k, c);
    idp_dpop_proof_t out;
    const char *why = NULL;
    long long now = (long long)time(NULL);
    assert_int_equal(idp_dpop_verify(p, "POST", HTU, token, now, &out, &why), want);
    if (want != IDP_OK)
        assert_non_null(why);
    free(p);
}

/* §4.3: each check refuses on its own */
static void proof_is_checked_item_by_item(void **state)
{
    (void)state;
    long long now = (long long)time(NULL);
    for (idp_alg_t alg = IDP_ALG_RS256; alg < IDP_ALG__COUNT; alg++) { /* RS256, ES256, PS256 */
        idp_jose_key_t *k = key(alg), *other = key(alg);
        claims_t good = {.typ = "dpop+jwt", .htm = "POST", .htu = HTU, .iat = now};
        proof_checks(k, &good, NULL, IDP_OK);
        /* the thumbprint is the key's (its kid is the same RFC 7638 thumbprint, jose/key.h) */
        char *p = proof(k, &good);
        idp_dpop_proof_t out;
        const char *why;
        assert_int_equal(idp_dpop_verify(p, "POST", HTU, NULL, now, &out, &why), IDP_OK);
        assert_string_equal(out.jkt, idp_jose_key_kid(k));
        assert_string_equal(out.alg, idp_alg_name(alg));
        free(p);
        /* RFC 3986 §6.2.2, §6.2.3: case of scheme and host, a default port, the query and fragment */
        claims_t c = good;
        c.htu = "HTTPS://ID.EXAMPLE:443/token?x=1#f";
        proof_checks(k, &c, NULL, IDP_OK);
        c.htu = "https://id.example/Token"; /* the path is exact */
        proof_checks(k, &c, NULL, IDP_E_INVALID_DPOP_PROOF);
        c.htu = "https://id.example:8443/token";
        proof_checks(k, &c, NULL, IDP_E_INVALID_DPOP_PROOF);
        c = good, c.htm = "GET";
        proof_checks(k, &c, NULL, IDP_E_INVALID_DPOP_PROOF);
        c = good, c.htm = NULL;
        proof_checks(k, &c, NULL, IDP_E_INVALID_DPOP_PROOF);
        c = good, c.typ = "JWT";
        proof_checks(k, &c, NULL, IDP_E_INVALID_DPOP_PROOF);
        c = good, c.typ = NULL;
        proof_checks(k, &c, NULL, IDP_E_INVALID_DPOP_PROOF);
        c = good, c.iat = now - IDP_DPOP_MAX_AGE - 5;
        proof_checks(k, &c, NULL, IDP_E_INVALID_DPOP_PROOF);
        c = good, c.iat = now + IDP_DPOP_MAX_AHEAD + 5;
        proof_checks(k, &c, NULL, IDP_E_INVALID_DPOP_PROOF);
        c = good, c.private_member = true;
        proof_checks(k, &c, NULL, IDP_E_INVALID_DPOP_PROOF);
        c = good, c.jti = "";
        proof_checks(k, &c, NULL, IDP_E_INVALID_DPOP_PROOF);
        /* §4.3 item 12: with a token, ath is its hash */
        char ath[IDP_JKT_LEN];
        idp_dpop_ath("the-token", ath);
        c = good, c.ath = ath;
        proof_checks(k, &c, "the-token", IDP_OK);
        proof_checks(k, &c, "another-token", IDP_E_INVALID_DPOP_PROOF);
        proof_checks(k, &good, "the-token", IDP_E_INVALID_DPOP_PROOF);
        /* item 6: signed by another key than the header's */
        p = proof_by(other, k, &good);
        assert_int_equal(idp_dpop_verify(p, "POST", HTU, NULL, now, &out, &why), IDP_E_INVALID_DPOP_PROOF);
        free(p);
        assert_int_equal(idp_dpop_verify("a.b", "POST", HTU, NULL, now, &out, &why), IDP_E_INVALID_DPOP_PROOF);
        assert_int_equal(idp_dpop_verify("", "POST", HTU, NULL, now, &out, &why), IDP_E_INVALID_DPOP_PROOF);
        idp_jose_key_free(k);
        idp_jose_key_free(other);
    }
}

/* ---- the protocol: token endpoint, UserInfo, introspection ------------------------------ */

static char *url(fixture_t *f, const char *path)
{
    static char u[256];
    snprintf(u, sizeof(u), "%s%s", f->cfg->issuer, path);
    return u;
}

/* A proof for @p method @p path with the last nonce the server gave (@p nonce, may be "") and @p token's ath. */
static char *proof_for(fixture_t *f, const idp_jose_key_t *k, const char *method, const char *path, const char *nonce,
                       const char *token)
{
    char ath[IDP_JKT_LEN];
    if (token)
        idp_dpop_ath(token, ath);
    claims_t c = {.typ = "dpop+jwt",
                  .htm = method,
                  .htu = url(f, path),
                  .iat = (long long)time(NULL),
                  .nonce = nonce && *nonce ? nonce : NULL,
                  .ath = token ? ath : NULL};
    return proof(k, &c);
}

static char nonce[128];

/* A token request with a proof by @p k; the first one learns the nonce (use_dpop_nonce) and the code stays. */
static json_t *token_request(fixture_t *f, const idp_jose_key_t *k, const char *form, int *status)
{
    idp_oauth_resp_t resp;
    char *p = proof_for(f, k, "POST", "/token", nonce, NULL);
    json_t *j = fixture_call_dpop(f, IDP_EP_TOKEN, "POST", "/token", form, NULL, p, &resp);
    free(p);
    assert_non_null(resp.dpop_nonce); /* §8.2: every answer to a proof carries the next nonce */
    snprintf(nonce, sizeof(nonce), "%s", resp.dpop_nonce);
    *status = resp.status;
    return j;
}

static json_t *at_payload(const char *at)
{
    const char *d1 = strchr(at, '.'), *d2 = strchr(d1 + 1, '.');
    unsigned char raw[4096];
    size_t len;
    assert_int_equal(idp_b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), raw, sizeof(raw), &len), IDP_OK);
    return json_loadb((const char *)raw, len, 0, NULL);
}

static json_t *userinfo(fixture_t *f, const char *scheme, const char *at, const char *dpop, idp_oauth_resp_t *resp)
{
    char auth[2200];
    snprintf(auth, sizeof(auth), "%s %s", scheme, at);
    return fixture_call_dpop(f, IDP_EP_USERINFO, "GET", "/userinfo", "", auth, dpop, resp);
}

static void code_flow_binds_tokens_to_the_proofs_key(void **state)
{
    fixture_t *f = *state;
    idp_jose_key_t *k = key(IDP_ALG_ES256), *other = key(IDP_ALG_ES256);
    char code[64], form[2600];
    int status;
    nonce[0] = '\0';
    fixture_code(f, "openid offline_access", "", code);
    snprintf(form, sizeof(form),
             "grant_type=authorization_code&client_id=" CLIENT "&code=%s&redirect_uri=" REDIRECT
             "&code_verifier=" VERIFIER,
             code);
    /* §8: no nonce yet: use_dpop_nonce, and the code is not spent */
    json_t *j = token_request(f, k, form, &status);
    assert_int_equal(status, 400);
    assert_string_equal(fixture_str(j, "error"), "use_dpop_nonce");
    json_decref(j);
    j = token_request(f, k, form, &status);
    assert_int_equal(status, 200);
    assert_string_equal(fixture_str(j, "token_type"), "DPoP"); /* §5.1 */
    char at[2048], rt[128];
    snprintf(at, sizeof(at), "%s", fixture_str(j, "access_token"));
    snprintf(rt, sizeof(rt), "%s", fixture_str(j, "refresh_token"));
    json_decref(j);
    json_t *p = at_payload(at); /* §6.1: cnf.jkt */
    assert_string_equal(json_string_value(json_object_get(json_object_get(p, "cnf"), "jkt")), idp_jose_key_kid(k));
    json_decref(p);

    /* §7.2: the bound token as a bearer token, or with the DPoP scheme and no proof, opens nothing */
    idp_oauth_resp_t resp;
    j = userinfo(f, "Bearer", at, NULL, &resp);
    assert_int_equal(resp.status, 401);
    assert_string_equal(fixture_str(j, "error"), "invalid_token");
    json_decref(j);
    j = userinfo(f, "DPoP", at, NULL, &resp);
    assert_int_equal(resp.status, 401);
    assert_string_equal(fixture_str(j, "error"), "invalid_dpop_proof");
    assert_string_equal(resp.www_authenticate, "DPoP");
    json_decref(j);
    /* another key's proof; a proof without ath; then the right one, once */
    char *pr = proof_for(f, other, "GET", "/userinfo", nonce, at);
    j = userinfo(f, "DPoP", at, pr, &resp);
    assert_string_equal(fixture_str(j, "error"), "invalid_dpop_proof");
    json_decref(j);
    free(pr);
    pr = proof_for(f, k, "GET", "/userinfo", nonce, NULL);
    j = userinfo(f, "DPoP", at, pr, &resp);
    assert_string_equal(fixture_str(j, "error"), "invalid_dpop_proof");
    json_decref(j);
    free(pr);
    pr = proof_for(f, k, "GET", "/userinfo", nonce, at);
    j = userinfo(f, "DPoP", at, pr, &resp);
    assert_int_equal(resp.status, 200);
    assert_true(strlen(fixture_str(j, "sub")) > 0);
    json_decref(j);
    /* §11.1: the same proof again is a replay */
    j = userinfo(f, "DPoP", at, pr, &resp);
    assert_int_equal(resp.status, 401);
    assert_string_equal(fixture_str(j, "error"), "invalid_dpop_proof");
    json_decref(j);
    free(pr);

    /* §6.2: introspection names the key */
    snprintf(form, sizeof(form), "client_id=" CLIENT "&token=%s", at);
    j = fixture_call(f, IDP_EP_INTROSPECT, form, NULL, &resp);
    assert_true(json_is_true(json_object_get(j, "active")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "cnf"), "jkt")), idp_jose_key_kid(k));
    assert_string_equal(fixture_str(j, "token_type"), "DPoP");
    json_decref(j);

    /* §5: the refresh token is bound too: no proof, or another key's, changes nothing; the key's refreshes */
    snprintf(form, sizeof(form), "grant_type=refresh_token&client_id=" CLIENT "&refresh_token=%s", rt);
    j = fixture_call(f, IDP_EP_TOKEN, form, NULL, &resp);
    assert_string_equal(fixture_str(j, "error"), "invalid_dpop_proof");
    json_decref(j);
    j = token_request(f, other, form, &status);
    assert_string_equal(fixture_str(j, "error"), "invalid_dpop_proof");
    json_decref(j);
    j = token_request(f, k, form, &status);
    assert_int_equal(status, 200);
    assert_string_equal(fixture_str(j, "token_type"), "DPoP");
    json_decref(j);
    idp_jose_key_free(k);
    idp_jose_key_free(other);
}

/* §10: a code bound by dpop_jkt is redeemed only with that key's proof; another try leaves it unspent */
static void code_bound_by_dpop_jkt_needs_that_key(void **state)
{
    fixture_t *f = *state;
    idp_jose_key_t *k = key(IDP_ALG_ES256), *other = key(IDP_ALG_RS256);
    char code[64], form[512];
    int status;
    fixture_code_jkt(f, "openid", "", idp_jose_key_kid(k), code);
    snprintf(form, sizeof(form),
             "grant_type=authorization_code&client_id=" CLIENT "&code=%s&redirect_uri=" REDIRECT
             "&code_verifier=" VERIFIER,
             code);
    json_t *j = fixture_redeem(f, code, VERIFIER, REDIRECT, &status);
    assert_string_equal(fixture_str(j, "error"), "invalid_dpop_proof");
    json_decref(j);
    j = token_request(f, other, form, &status);
    if (!strcmp(fixture_str(j, "error"), "use_dpop_nonce")) {
        json_decref(j);
        j = token_request(f, other, form, &status);
    }
    assert_string_equal(fixture_str(j, "error"), "invalid_dpop_proof");
    json_decref(j);
    j = token_request(f, k, form, &status);
    assert_int_equal(status, 200);
    assert_string_equal(fixture_str(j, "token_type"), "DPoP");
    json_decref(j);
    idp_jose_key_free(k);
    idp_jose_key_free(other);
}

/* §4.3 item 9: a proof made for /par is not one for /token */
static void proof_for_another_uri_is_refused(void **state)
{
    fixture_t *f = *state;
    idp_jose_key_t *k = key(IDP_ALG_ES256);
    char code[64], form[512];
    fixture_code(f, "openid", "", code);
    snprintf(form, sizeof(form),
             "grant_type=authorization_code&client_id=" CLIENT "&code=%s&redirect_uri=" REDIRECT
             "&code_verifier=" VERIFIER,
             code);
    char *p = proof_for(f, k, "POST", "/par", nonce, NULL);
    idp_oauth_resp_t resp;
    json_t *j = fixture_call_dpop(f, IDP_EP_TOKEN, "POST", "/token", form, NULL, p, &resp);
    assert_int_equal(resp.status, 400);
    assert_string_equal(fixture_str(j, "error"), "invalid_dpop_proof");
    json_decref(j);
    free(p);
    idp_jose_key_free(k);
}

int main(void)
{
    const struct CMUnitTest proof_tests[] = {
        cmocka_unit_test(thumbprint_is_rfc7638s),
        cmocka_unit_test(proof_is_checked_item_by_item),
    };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(code_flow_binds_tokens_to_the_proofs_key),
        cmocka_unit_test(code_bound_by_dpop_jkt_needs_that_key),
        cmocka_unit_test(proof_for_another_uri_is_refused),
    };
    int failed = cmocka_run_group_tests_name("dpop proofs", proof_tests, NULL, NULL);
    return failed + cmocka_run_group_tests_name("dpop", tests, fixture_setup, fixture_teardown);
}

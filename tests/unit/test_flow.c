/*
 * The authorization code flow (oauth/flow.c, OpenID Connect Core §3.1)
 * without HTTP or PostgreSQL: a browser (its cookies kept here) goes from
 * /authorize through the login and consent pages to the code, on the memory
 * store (issue #16 §1). The card's signature is the store's record of it.
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

#include "core/b64.h"
#include "core/rand.h"
#include "core/str.h"
#include "federation/federation.h"
#include "jose/kek.h"
#include "jpki/jpki.h"
#include "net/http_client.h"
#include "oauth/authorize.h"
#include "oauth/internal.h"
#include "oauth_fixture.h"

/* A browser: its cookies, and what the last answer was. */
typedef struct {
    char cookies[1024];
    int status;
    char location[2048];
    char *body;
} browser_t;

static void keep_cookie(browser_t *b, const char *set)
{
    if (set == NULL)
        return;
    char name[64];
    const char *eq = strchr(set, '='), *end = strchr(set, ';');
    if (eq == NULL)
        return;
    snprintf(name, sizeof(name), "%.*s", (int)(eq - set), set);
    /* drop an earlier value of the same cookie */
    char out[1024] = "";
    char *save = NULL, *copy = strdup(b->cookies);
    for (char *c = strtok_r(copy, "; ", &save); c; c = strtok_r(NULL, "; ", &save))
        if (strncmp(c, name, strlen(name)) != 0 || c[strlen(name)] != '=')
            snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", out[0] ? "; " : "", c);
    free(copy);
    size_t len = end ? (size_t)(end - set) : strlen(set);
    if (strncmp(eq, "=;", 2) != 0) /* an emptied cookie is gone */
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%.*s", out[0] ? "; " : "", (int)len, set);
    snprintf(b->cookies, sizeof(b->cookies), "%s", out);
}

/* One request of @p b to @p endpoint with @p form (the query or the body). */
static void go(fixture_t *f, browser_t *b, idp_endpoint_id_t endpoint, const char *form, bool post)
{
    fixture_answer_t a = fixture_page(f, endpoint, form, post, b->cookies[0] ? b->cookies : NULL, NULL, "192.0.2.7");
    b->status = a.status;
    snprintf(b->location, sizeof(b->location), "%s", a.location);
    free(b->body);
    b->body = a.body;
    keep_cookie(b, a.set_cookie[0][0] ? a.set_cookie[0] : NULL);
    keep_cookie(b, a.set_cookie[1][0] ? a.set_cookie[1] : NULL);
}

/* The value of query parameter @p name in b->location (into @p out). */
static bool loc_param(const browser_t *b, const char *name, char *out, size_t n)
{
    char key[64];
    snprintf(key, sizeof(key), "%s=", name);
    const char *p = strstr(b->location, key);
    if (p == NULL || (p[-1] != '?' && p[-1] != '&'))
        return false;
    p += strlen(key);
    snprintf(out, n, "%.*s", (int)strcspn(p, "&"), p);
    return true;
}

static const char *authorize_query(char *buf, size_t n, const char *scope, const char *extra)
{
    char challenge[64];
    assert_true(idp_pkce_s256(VERIFIER, challenge));
    snprintf(buf, n,
             "response_type=code&client_id=" CLIENT "&redirect_uri=https%%3A%%2F%%2Frp.example%%2Fcb&scope=%s"
             "&state=st-1&nonce=n-1&code_challenge=%s&code_challenge_method=S256%s",
             scope, challenge, extra ? extra : "");
    return buf;
}

/* A browser without a session: /authorize sends it to the login page of a new transaction (*tx). */
static void to_login(fixture_t *f, browser_t *b, const char *scope, char tx[64])
{
    char q[1024];
    go(f, b, IDP_EP_AUTHORIZE, authorize_query(q, sizeof(q), scope, NULL), false);
    assert_int_equal(b->status, 303);
    assert_non_null(strstr(b->location, "/login?tx="));
    assert_true(loc_param(b, "tx", tx, 64));
    assert_non_null(strstr(b->cookies, COOKIE_BROWSER "="));
}

/* The card signed in the resident for @p tx (what /login/card/verify records). */
static void card_signed(fixture_t *f, const char *tx)
{
    assert_int_equal(idp_store_login_tx_authenticate(f->store, tx, f->resident, ACR_CARD, "card-credential-1"), IDP_OK);
}

static void form_of(fixture_t *f, const char *tx, char *out, size_t n, const char *extra)
{
    idp_store_login_tx_t t;
    assert_int_equal(idp_store_login_tx_get(f->store, tx, &t), IDP_OK);
    snprintf(out, n, "tx=%s&csrf=%s%s", tx, t.csrf, extra ? extra : "");
}

/* After the card signed for @p tx: /login/continue, and the consent page (following a redirect to it). */
static void continue_to_consent(fixture_t *f, browser_t *b, char tx[64])
{
    char form[512];
    form_of(f, tx, form, sizeof(form), NULL);
    go(f, b, IDP_EP_LOGIN_CONTINUE, form, true);
    assert_non_null(strstr(b->cookies, COOKIE_SESSION "="));
    if (b->status == 303) {
        assert_non_null(strstr(b->location, "/consent?tx="));
        assert_true(loc_param(b, "tx", tx, 64));
        go(f, b, IDP_EP_CONSENT, (snprintf(form, sizeof(form), "tx=%s", tx), form), false);
    }
    assert_int_equal(b->status, 200);
}

/* On the consent page: allows the claims it offers (their names into @p cl); the answer redirects. */
static void allow_offered(fixture_t *f, browser_t *b, char cl[256])
{
    const char *claims = strstr(b->body, "name=\"claims\" value=\"");
    const char *tx_field = strstr(b->body, "name=\"tx\" value=\"");
    char tx[64], extra[320], form[512];
    assert_non_null(claims);
    assert_non_null(tx_field);
    assert_int_equal(sscanf(claims + 21, "%255[^\"]", cl), 1);
    assert_int_equal(sscanf(tx_field + 17, "%63[^\"]", tx), 1);
    snprintf(extra, sizeof(extra), "&decision=allow&claims=%s", cl);
    for (char *c = extra; *c; c++)
        if (*c == ' ')
            *c = '+';
    form_of(f, tx, form, sizeof(form), extra);
    go(f, b, IDP_EP_CONSENT, form, true);
    assert_int_equal(b->status, 303);
}

/* §3.1.2: authorize, sign in, consent, and the code at the redirect URI with state and iss (RFC 9207). */
static void from_authorize_to_tokens(void **state)
{
    fixture_t *f = *state;
    browser_t b = {0};
    char tx[64], form[512];
    to_login(f, &b, "openid%20profile", tx);
    go(f, &b, IDP_EP_LOGIN, (snprintf(form, sizeof(form), "tx=%s", tx), form), false);
    assert_int_equal(b.status, 200);
    assert_non_null(strstr(b.body, "action=\"/login/continue\""));
    card_signed(f, tx);
    /* the consent page (or a redirect to it) asks for what the client wants */
    continue_to_consent(f, &b, tx);
    assert_non_null(strstr(b.body, "value=\"allow\""));
    char cl[256];
    allow_offered(f, &b, cl);
    assert_int_equal(strncmp(b.location, REDIRECT "?", strlen(REDIRECT) + 1), 0);
    char code[128], st[64], iss[256];
    assert_true(loc_param(&b, "code", code, sizeof(code)));
    assert_true(loc_param(&b, "state", st, sizeof(st)));
    assert_string_equal(st, "st-1");
    assert_true(loc_param(&b, "iss", iss, sizeof(iss)));
    int status;
    json_t *j = fixture_redeem(f, code, VERIFIER, REDIRECT, &status);
    assert_int_equal(status, 200);
    assert_true(strlen(fixture_str(j, "id_token")) > 20);
    json_decref(j);

    /* single sign-on: the same browser, the same request, straight to a code (consent remembered) */
    char q[1024];
    go(f, &b, IDP_EP_AUTHORIZE, authorize_query(q, sizeof(q), "openid%20profile", NULL), false);
    assert_int_equal(b.status, 303);
    assert_true(loc_param(&b, "code", code, sizeof(code)));
    free(b.body);
}

/* A transaction is continued once: a replay of /login/continue begins no second session. */
static void continue_is_taken_once(void **state)
{
    fixture_t *f = *state;
    browser_t b = {0};
    char tx[64], form[512];
    to_login(f, &b, "openid", tx);
    card_signed(f, tx);
    form_of(f, tx, form, sizeof(form), NULL);
    go(f, &b, IDP_EP_LOGIN_CONTINUE, form, true);
    assert_true(b.status == 303 || b.status == 200);
    go(f, &b, IDP_EP_LOGIN_CONTINUE, form, true);
    assert_int_equal(b.status, 400);
    free(b.body);
}

/* Without the card's signature there is nothing to continue; another browser cannot continue it either. */
static void continue_needs_the_signature_and_the_browser(void **state)
{
    fixture_t *f = *state;
    browser_t b = {0}, other = {0};
    char tx[64], form[512];
    to_login(f, &b, "openid", tx);
    form_of(f, tx, form, sizeof(form), NULL);
    go(f, &b, IDP_EP_LOGIN_CONTINUE, form, true);
    assert_null(strstr(b.cookies, COOKIE_SESSION "="));
    card_signed(f, tx);
    go(f, &other, IDP_EP_LOGIN_CONTINUE, form, true);
    assert_int_equal(other.status, 403); /* not the browser that began it */
    assert_null(strstr(other.cookies, COOKIE_SESSION "="));
    free(b.body);
    free(other.body);
}

/* Errors about the client or its redirect URI are a page, never a redirect (§3.1.2.6, RFC 6749 §4.1.2.1). */
static void untrusted_redirects_get_a_page(void **state)
{
    fixture_t *f = *state;
    browser_t b = {0};
    go(f, &b, IDP_EP_AUTHORIZE,
       "response_type=code&client_id=no-such-client&redirect_uri=https%3A%2F%2Fevil.example%2F&scope=openid", false);
    assert_int_equal(b.status, 400);
    assert_string_equal(b.location, "");
    go(f, &b, IDP_EP_AUTHORIZE,
       "response_type=code&client_id=" CLIENT "&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&scope=openid", false);
    assert_int_equal(b.status, 400);
    assert_string_equal(b.location, "");
    free(b.body);
}

/* After the redirect URI is trusted, errors go back to the client with state and iss. */
static void errors_after_the_redirect_uri_are_redirects(void **state)
{
    fixture_t *f = *state;
    browser_t b = {0};
    go(f, &b, IDP_EP_AUTHORIZE,
       "response_type=token&client_id=" CLIENT "&redirect_uri=https%3A%2F%2Frp.example%2Fcb&scope=openid&state=s9",
       false);
    assert_int_equal(b.status, 303);
    char err[64], st[16];
    assert_true(loc_param(&b, "error", err, sizeof(err)));
    assert_string_equal(err, "unsupported_response_type");
    assert_true(loc_param(&b, "state", st, sizeof(st)));
    assert_string_equal(st, "s9");
    /* a public client without PKCE (RFC 9700 §2.1.1) */
    go(f, &b, IDP_EP_AUTHORIZE,
       "response_type=code&client_id=" CLIENT "&redirect_uri=https%3A%2F%2Frp.example%2Fcb&scope=openid&state=s9",
       false);
    assert_int_equal(b.status, 303);
    assert_true(loc_param(&b, "error", err, sizeof(err)));
    assert_string_equal(err, "invalid_request");
    /* prompt=none without a session: login_required (§3.1.2.6) */
    char q[1024];
    go(f, &b, IDP_EP_AUTHORIZE, authorize_query(q, sizeof(q), "openid", "&prompt=none"), false);
    assert_int_equal(b.status, 303);
    assert_true(loc_param(&b, "error", err, sizeof(err)));
    assert_string_equal(err, "login_required");
    free(b.body);
}

/* Denied: access_denied to the client, and nothing to redeem. */
static void consent_denied(void **state)
{
    fixture_t *f = *state;
    browser_t b = {0};
    char tx[64], form[512];
    to_login(f, &b, "openid%20profile", tx);
    card_signed(f, tx);
    form_of(f, tx, form, sizeof(form), NULL);
    go(f, &b, IDP_EP_LOGIN_CONTINUE, form, true);
    if (b.status == 303) {
        assert_true(loc_param(&b, "tx", tx, sizeof(tx)));
        go(f, &b, IDP_EP_CONSENT, (snprintf(form, sizeof(form), "tx=%s", tx), form), false);
    }
    assert_int_equal(b.status, 200);
    char *tx_field = strstr(b.body, "name=\"tx\" value=\"");
    assert_non_null(tx_field);
    assert_int_equal(sscanf(tx_field + 17, "%63[^\"]", tx), 1);
    /* a GET decides nothing */
    form_of(f, tx, form, sizeof(form), "&decision=deny");
    go(f, &b, IDP_EP_CONSENT, form, false);
    assert_int_equal(b.status, 200);
    go(f, &b, IDP_EP_CONSENT, form, true);
    assert_int_equal(b.status, 303);
    char err[64];
    assert_true(loc_param(&b, "error", err, sizeof(err)));
    assert_string_equal(err, "access_denied");
    assert_false(loc_param(&b, "code", err, sizeof(err)));
    free(b.body);
}

/* A card nobody holds waits for the resident's answer (docs/card.md): "first" makes a SakaI-D and goes on. */
static void a_new_card_is_asked_about(void **state)
{
    fixture_t *f = *state;
    browser_t b = {0};
    char tx[64], form[512];
    to_login(f, &b, "openid", tx);
    idp_store_card_cert_t cert = {.purpose = "auth", .issuer_key_id = "bb", .serial = "77", .not_after = 4102444800LL};
    assert_int_equal(idp_random_bytes(cert.sha256, 32), IDP_OK);
    assert_int_equal(idp_store_login_tx_new_card(f->store, tx, &cert, false, ""), IDP_OK);
    form_of(f, tx, form, sizeof(form), NULL);
    go(f, &b, IDP_EP_LOGIN_CONTINUE, form, true);
    assert_int_equal(b.status, 200);
    assert_non_null(strstr(b.body, "data-stage=\"ask\""));
    assert_null(strstr(b.cookies, COOKIE_SESSION "="));
    /* an answer that is not one of the page's */
    form_of(f, tx, form, sizeof(form), "&answer=confirm");
    go(f, &b, IDP_EP_NEW_CARD, form, true);
    assert_int_equal(b.status, 400);
    form_of(f, tx, form, sizeof(form), "&answer=first");
    go(f, &b, IDP_EP_NEW_CARD, form, true);
    assert_true(b.status == 303 || b.status == 200);
    assert_non_null(strstr(b.cookies, COOKIE_SESSION "="));
    idp_store_login_tx_t t;
    if (idp_store_login_tx_get(f->store, tx, &t) == IDP_OK)
        assert_string_not_equal(t.resident_id, f->resident); /* a new SakaI-D, not the fixture's resident */
    free(b.body);
}

/* prompt=login: a browser with a session signs in again (§3.1.2.1). */
static void prompt_login_asks_again(void **state)
{
    fixture_t *f = *state;
    browser_t b = {0};
    char tx[64], form[512], q[1024];
    to_login(f, &b, "openid", tx);
    card_signed(f, tx);
    form_of(f, tx, form, sizeof(form), NULL);
    go(f, &b, IDP_EP_LOGIN_CONTINUE, form, true);
    assert_non_null(strstr(b.cookies, COOKIE_SESSION "="));
    go(f, &b, IDP_EP_AUTHORIZE, authorize_query(q, sizeof(q), "openid", "&prompt=login"), false);
    assert_int_equal(b.status, 303);
    assert_non_null(strstr(b.location, "/login?tx="));
    go(f, &b, IDP_EP_AUTHORIZE, authorize_query(q, sizeof(q), "openid", "&max_age=0"), false);
    assert_int_equal(b.status, 303);
    assert_non_null(strstr(b.location, "/login?tx="));
    free(b.body);
}

/*
 * Verified claims asked for in a card session with nothing verified: the signing step (issue #15 item 9).
 * Declined, the consent page lists them as not provided, and the flow goes on.
 */
static void the_signing_step_can_be_declined(void **state)
{
    fixture_t *f = *state;
    f->o->jpki = idp_jpki_trust_new(true); /* card login configured (no roots needed to show the step) */
    browser_t b = {0};
    char tx[64], form[512];
    to_login(f, &b, "openid%20profile", tx);
    card_signed(f, tx);
    form_of(f, tx, form, sizeof(form), NULL);
    go(f, &b, IDP_EP_LOGIN_CONTINUE, form, true);
    assert_int_equal(b.status, 303);
    assert_non_null(strstr(b.location, "/login?tx="));
    assert_true(loc_param(&b, "tx", tx, sizeof(tx)));
    go(f, &b, IDP_EP_LOGIN, (snprintf(form, sizeof(form), "tx=%s", tx), form), false);
    assert_int_equal(b.status, 200);
    assert_non_null(strstr(b.body, "id=\"sign-step\""));
    assert_non_null(strstr(b.body, "purpose=both"));
    form_of(f, tx, form, sizeof(form), NULL);
    go(f, &b, IDP_EP_SIGN_SKIP, form, true);
    if (b.status == 303) {
        assert_true(loc_param(&b, "tx", tx, sizeof(tx)));
        go(f, &b, IDP_EP_CONSENT, (snprintf(form, sizeof(form), "tx=%s", tx), form), false);
    }
    assert_int_equal(b.status, 200);
    assert_non_null(strstr(b.body, "data-withheld=\"name\""));
    /* skipped once: the same transaction cannot skip again */
    form_of(f, tx, form, sizeof(form), NULL);
    go(f, &b, IDP_EP_SIGN_SKIP, form, true);
    assert_int_equal(b.status, 400);
    free(b.body);
    idp_jpki_trust_free(f->o->jpki);
    f->o->jpki = NULL;
}

/*
 * A card session whose resident has verified attributes: no signing step, the consent page offers the card's
 * claims, and the next request of the same browser has its code at once (store's session_authz: the session, the
 * attributes' presence and the consent in one read).
 */
static void verified_attributes_need_no_signing_step(void **state)
{
    fixture_t *f = *state;
    f->o->jpki = idp_jpki_trust_new(true);
    idp_store_attrs_t in = {.name = "堺 太郎", .gender = "male", .birth_date = "1990-01-02", .address = "堺市堺区"};
    idp_store_evidence_t ev = {.upstream_id = "daa", .issuer = "https://app.example", .subject = "s-1"};
    memset(ev.sha256, 7, sizeof(ev.sha256));
    assert_int_equal(idp_store_attrs_from_upstream(f->store, f->resident, &ev, &in), IDP_OK);
    browser_t b = {0};
    char tx[64];
    to_login(f, &b, "openid%20profile", tx);
    card_signed(f, tx);
    continue_to_consent(f, &b, tx);
    assert_null(strstr(b.body, "data-withheld=\"name\""));
    char cl[256];
    allow_offered(f, &b, cl);
    assert_true(idp_str_list_has(cl, "name"));
    char code[128], q[1024];
    assert_true(loc_param(&b, "code", code, sizeof(code)));
    go(f, &b, IDP_EP_AUTHORIZE, authorize_query(q, sizeof(q), "openid%20profile", NULL), false);
    assert_int_equal(b.status, 303);
    assert_true(loc_param(&b, "code", code, sizeof(code)));
    free(b.body);
    idp_jpki_trust_free(f->o->jpki);
    f->o->jpki = NULL;
}

/* The upstream provider, faked at the outbound-HTTP seam: its discovery document only. */
static idp_err_t upstream_fake(const idp_net_t *net, const idp_net_req_t *req, idp_net_resp_t *resp, char *err,
                               size_t errlen)
{
    (void)net;
    (void)err;
    (void)errlen;
    if (strcmp(req->url, "https://up.example/.well-known/openid-configuration") != 0) {
        resp->status = 404;
        return IDP_OK;
    }
    resp->status = 200;
    idp_buf_puts(&resp->body,
                 "{\"issuer\":\"https://up.example\",\"authorization_endpoint\":\"https://up.example/auth\","
                 "\"token_endpoint\":\"https://up.example/token\",\"jwks_uri\":\"https://up.example/jwks\","
                 "\"response_types_supported\":[\"code\"],\"subject_types_supported\":[\"public\"],"
                 "\"id_token_signing_alg_values_supported\":[\"RS256\"]}");
    return IDP_OK;
}

/* Social login starts at the upstream with state, nonce and PKCE (docs/social.md); its errors are pages. */
static void social_login_starts_upstream(void **state)
{
    fixture_t *f = *state;
    static idp_net_t up = {.transport = upstream_fake};
    idp_kek_t kek;
    memset(&kek, 0, sizeof(kek));
    memset(kek.key, 9, sizeof(kek.key));
    f->o->kek = &kek;
    f->o->fed = idp_fed_new(&up, 5000, 4);
    assert_non_null(f->o->fed);
    unsigned char *enc = NULL;
    size_t enc_len = 0;
    assert_int_equal(idp_aead_seal(&kek, "sakaid:upstream:line", (const unsigned char *)"s3cret", 6, &enc, &enc_len),
                     IDP_OK);
    idp_store_upstream_t u = {.id = "line",
                              .issuer = (char *)"https://up.example",
                              .client_id = (char *)"sakaid",
                              .scopes = (char *)"openid",
                              .display_name = (char *)"LINE",
                              .secret_enc = enc,
                              .secret_enc_len = enc_len,
                              .enabled = true};
    assert_int_equal(idp_store_upstream_insert(f->store, &u), IDP_OK);
    free(enc);
    browser_t b = {0}, other = {0};
    char tx[64], form[512];
    to_login(f, &b, "openid", tx);
    /* the login page offers it */
    go(f, &b, IDP_EP_LOGIN, (snprintf(form, sizeof(form), "tx=%s", tx), form), false);
    assert_non_null(strstr(b.body, "LINE"));
    /* an unknown provider, a stale form, another browser */
    form_of(f, tx, form, sizeof(form), "&upstream=nobody");
    go(f, &b, IDP_EP_SOCIAL_START, form, true);
    assert_int_equal(b.status, 400);
    snprintf(form, sizeof(form), "tx=%s&csrf=forged&upstream=line", tx);
    go(f, &b, IDP_EP_SOCIAL_START, form, true);
    assert_int_equal(b.status, 403);
    form_of(f, tx, form, sizeof(form), "&upstream=line");
    go(f, &other, IDP_EP_SOCIAL_START, form, true);
    assert_int_equal(other.status, 403);
    /* off to the upstream: code flow with PKCE S256, state and nonce (OpenID Connect Core §3.1.2.1) */
    go(f, &b, IDP_EP_SOCIAL_START, form, true);
    assert_int_equal(b.status, 303);
    assert_int_equal(strncmp(b.location, "https://up.example/auth?", 24), 0);
    char v[256];
    assert_true(loc_param(&b, "state", v, sizeof(v)));
    assert_true(loc_param(&b, "nonce", v, sizeof(v)));
    assert_true(loc_param(&b, "code_challenge_method", v, sizeof(v)));
    assert_string_equal(v, "S256");
    assert_true(loc_param(&b, "client_id", v, sizeof(v)));
    assert_string_equal(v, "sakaid");
    /* the callback without a state it knows, or with the upstream's error: a page with a way out */
    go(f, &b, IDP_EP_SOCIAL_CALLBACK, "code=x&state=unknown", false);
    assert_int_equal(b.status, 400);
    go(f, &b, IDP_EP_SOCIAL_CALLBACK, "error=access_denied&state=unknown", false);
    assert_int_equal(b.status, 400);
    free(b.body);
    free(other.body);
    idp_fed_free(f->o->fed);
    f->o->fed = NULL;
    f->o->kek = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(from_authorize_to_tokens, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(continue_is_taken_once, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(continue_needs_the_signature_and_the_browser, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(untrusted_redirects_get_a_page, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(errors_after_the_redirect_uri_are_redirects, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(consent_denied, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(a_new_card_is_asked_about, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(prompt_login_asks_again, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(the_signing_step_can_be_declined, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(verified_attributes_need_no_signing_step, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(social_login_starts_upstream, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The Digital Agency's app as a signing channel (oauth/app_sign_upstream.c,
 * issue #17 §1 "Signing", docs/card.md "Signing through the app") on the
 * memory store, the upstream faked at the outbound-HTTP seam: the channel
 * is the one this authorization's sign-in used (kept by the consent step),
 * the resident match, and the sealed return trip used once.
 */
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/rand.h"
#include "federation/federation.h"
#include "jose/kek.h"
#include "oauth/internal.h"
#include "oauth_fixture.h"

#define ISSUER "https://daa.example/api/realms/sakaid"
#define SUB "daa-sub-taro"
#define APP_CLIENT "rp-app"
#define TX "tx-app-0000000000000001"
#define BROWSER "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" /* 43 characters, as flow.c makes them */
#define SESSION "sssssssssssssssssssssssssssssssssssssssssss"
#define COOKIES "sakaid_session=" SESSION "; sakaid_login=" BROWSER
#define SIGN_TX "65a04b4e-af8b-45a2-8713-5ec2631bab64"

static int sign_starts, token_calls;

/* The app's API: discovery, the token endpoint (client credentials) and the signing API's start. */
static idp_err_t daa_fake(const idp_net_t *net, const idp_net_req_t *req, idp_net_resp_t *resp, char *err,
                          size_t errlen)
{
    (void)net;
    (void)err;
    (void)errlen;
    resp->status = 404;
    if (!strcmp(req->url, ISSUER "/.well-known/openid-configuration")) {
        resp->status = 200;
        idp_buf_puts(&resp->body, "{\"issuer\":\"" ISSUER "\",\"authorization_endpoint\":\"" ISSUER "/auth\","
                                  "\"token_endpoint\":\"" ISSUER "/token\",\"jwks_uri\":\"" ISSUER "/certs\","
                                  "\"response_types_supported\":[\"code\"],\"subject_types_supported\":[\"public\"],"
                                  "\"id_token_signing_alg_values_supported\":[\"RS256\"]}");
    } else if (!strcmp(req->url, ISSUER "/token")) {
        token_calls++;
        resp->status = 200;
        idp_buf_puts(&resp->body, "{\"access_token\":\"cc-token\",\"token_type\":\"Bearer\",\"expires_in\":300}");
    } else if (!strcmp(req->url, "https://daa.example/api/sign-transactions") && req->bearer &&
               !strcmp(req->bearer, "cc-token")) {
        sign_starts++;
        resp->status = 201;
        idp_buf_puts(&resp->body, "{\"sign_transaction_id\":\"" SIGN_TX "\"}");
    }
    return IDP_OK;
}

typedef struct {
    idp_kek_t kek;
    idp_net_t net;
    char credential[48]; /* the app identity's credential key */
    idp_store_login_tx_t tx;
} daa_t;

/*
 * The upstream daa (a card channel) with its private key sealed, the fixture's resident's identity there, a client
 * that may ask for an application, this browser's session of the resident, and the consent step of an application
 * to sign that the resident reached by signing in through the app.
 */
static void daa_setup(fixture_t *f, daa_t *d)
{
    memset(d, 0, sizeof(*d));
    memset(d->kek.key, 9, sizeof(d->kek.key));
    d->net.transport = daa_fake;
    sign_starts = token_calls = 0;
    f->o->kek = &d->kek;
    f->o->fed = idp_fed_new(&d->net, 5000, 4);
    assert_non_null(f->o->fed);

    EVP_PKEY *k = EVP_RSA_gen(2048);
    assert_non_null(k);
    unsigned char *der = NULL, *enc = NULL;
    int der_len = i2d_PrivateKey(k, &der);
    assert_true(der_len > 0);
    size_t enc_len = 0;
    assert_int_equal(idp_aead_seal(&d->kek, "sakaid:upstream:daa", der, (size_t)der_len, &enc, &enc_len), IDP_OK);
    OPENSSL_free(der);
    EVP_PKEY_free(k);
    idp_store_upstream_t u = {.id = "daa",
                              .kind = "digital-auth-app",
                              .issuer = (char *)ISSUER,
                              .client_id = (char *)"sakaid",
                              .scopes = (char *)"openid name address birthdate gender",
                              .acr_values = (char *)"aal3 crl",
                              .display_name = (char *)"DAA",
                              .secret_enc = enc,
                              .secret_enc_len = enc_len,
                              .enabled = true};
    assert_int_equal(idp_store_upstream_insert(f->store, &u), IDP_OK);
    free(enc);
    char bound[64];
    bool created = false;
    assert_int_equal(idp_store_social_resident(f->store, ISSUER, SUB, "daa", f->resident, NULL, bound, &created),
                     IDP_OK);
    assert_string_equal(bound, f->resident);
    assert_true(idp_credential_key("social", ISSUER, SUB, d->credential));

    json_t *in = json_loads("{\"client_name\":\"portal\",\"redirect_uris\":[\"" REDIRECT "\"],"
                            "\"token_endpoint_auth_method\":\"none\",\"scope\":\"openid profile\","
                            "\"authorization_details_types\":[\"sakai_application\"]}",
                            0, NULL),
           *meta = NULL;
    char err[256] = "";
    assert_int_equal(idp_client_meta_validate(in, &meta, err, sizeof(err)), IDP_OK);
    char *text = json_dumps(meta, JSON_COMPACT);
    idp_store_client_t c = {.client_id = APP_CLIENT, .metadata = text};
    assert_int_equal(idp_store_client_insert(f->store, &c), IDP_OK);
    free(text);
    json_decref(in);
    json_decref(meta);

    unsigned char h[32];
    idp_sha256(SESSION, strlen(SESSION), h);
    idp_store_session_t s;
    assert_int_equal(idp_store_session_login(f->store, NULL, h, "sid-app", f->resident, "urn:sakai-d:acr:card",
                                             "sc pin", d->credential, (long long)time(NULL), 3600, &s),
                     IDP_OK);

    /* the consent step flow.c hands over to after the sign-in: the resident, no credential of its own, and the
     * sign-in's kept as signed_in_with */
    idp_store_login_tx_t *tx = &d->tx;
    snprintf(tx->id, sizeof(tx->id), TX);
    snprintf(tx->client_id, sizeof(tx->client_id), APP_CLIENT);
    snprintf(tx->redirect_uri, sizeof(tx->redirect_uri), REDIRECT);
    snprintf(tx->request, sizeof(tx->request),
             "response_type=code&client_id=" APP_CLIENT "&redirect_uri=https%%3A%%2F%%2Frp.example%%2Fcb&scope=openid"
             "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
             "&authorization_details=%%5B%%7B%%22type%%22%%3A%%22sakai_application%%22%%2C%%22identifier%%22%%3A"
             "%%22APP-1%%22%%2C%%22procedure%%22%%3A%%7B%%22code%%22%%3A%%22P-1%%22%%2C%%22name%%22%%3A%%22P%%22"
             "%%7D%%2C%%22actions%%22%%3A%%5B%%22sign%%22%%5D%%2C%%22document_digest%%22%%3A%%7B%%22alg%%22%%3A"
             "%%22sha-256%%22%%2C%%22value%%22%%3A%%22n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg%%22%%7D%%7D%%5D");
    idp_sha256(BROWSER, strlen(BROWSER), tx->browser_hash);
    snprintf(tx->csrf, sizeof(tx->csrf), "csrf");
    snprintf(tx->signed_in_with, sizeof(tx->signed_in_with), "%s", d->credential);
    assert_int_equal(idp_store_login_tx_create(f->store, tx, 600), IDP_OK);
    assert_int_equal(idp_store_login_tx_authenticate(f->store, TX, f->resident, "urn:sakai-d:acr:card", ""), IDP_OK);
    assert_int_equal(idp_store_login_tx_get(f->store, TX, tx), IDP_OK);
}

static void daa_teardown(fixture_t *f)
{
    idp_fed_free(f->o->fed);
    f->o->fed = NULL;
    f->o->kek = NULL;
}

/* The way the resident signed in in this authorization picks the channel; nothing else does. */
static void the_channel_is_this_authorizations_sign_in(void **state)
{
    fixture_t *f = *state;
    daa_t d;
    daa_setup(f, &d);
    char up[40];
    bool yes = false;
    /* the consent step keeps the sign-in through the app (its own credential stays "": it is never continued) */
    assert_string_equal(d.tx.credential, "");
    assert_string_equal(d.tx.signed_in_with, d.credential);
    assert_int_equal(idp_app_sign_upstream_of(f->o, &d.tx, up, &yes), IDP_OK);
    assert_true(yes);
    assert_string_equal(up, "daa");
    /* the transaction signed in through the app, before the consent step: its own credential says so */
    idp_store_login_tx_t t = d.tx;
    snprintf(t.credential, sizeof(t.credential), "%s", d.credential);
    t.signed_in_with[0] = '\0';
    assert_int_equal(idp_app_sign_upstream_of(f->o, &t, up, &yes), IDP_OK);
    assert_true(yes);
    /* a session reused (no sign-in here), or a sign-in with the resident's own card: our own channel */
    t.credential[0] = '\0';
    assert_int_equal(idp_app_sign_upstream_of(f->o, &t, up, &yes), IDP_OK);
    assert_false(yes);
    assert_true(idp_credential_key("card", "aa", "01", t.signed_in_with));
    assert_int_equal(idp_app_sign_upstream_of(f->o, &t, up, &yes), IDP_OK);
    assert_false(yes);
    /* the app identity's key on another resident's transaction: not theirs */
    t = d.tx;
    snprintf(t.resident_id, sizeof(t.resident_id), "someone-else");
    assert_int_equal(idp_app_sign_upstream_of(f->o, &t, up, &yes), IDP_OK);
    assert_false(yes);
    /* the upstream disabled: our own channel */
    idp_store_upstream_t u;
    assert_int_equal(idp_store_upstream_get(f->store, "daa", &u), IDP_OK);
    u.enabled = false;
    assert_int_equal(idp_store_upstream_update(f->store, &u), IDP_OK);
    idp_store_upstream_clear(&u);
    assert_int_equal(idp_app_sign_upstream_of(f->o, &d.tx, up, &yes), IDP_OK);
    assert_false(yes);
    daa_teardown(f);
}

/* A signing certificate as the app returns it: @p sha its hash, and the four attributes as the card has them. */
static idp_jpki_result_t cert(unsigned char sha, const char *name, const char *birth, const char *gender,
                              const char *address)
{
    idp_jpki_result_t r;
    memset(&r, 0, sizeof(r));
    memset(r.cert_sha256, sha, sizeof(r.cert_sha256));
    r.has_attrs = true;
    snprintf(r.attrs.name, sizeof(r.attrs.name), "%s", name);
    snprintf(r.attrs.birth_date, sizeof(r.attrs.birth_date), "%s", birth);
    snprintf(r.attrs.gender, sizeof(r.attrs.gender), "%s", gender);
    snprintf(r.attrs.address, sizeof(r.attrs.address), "%s", address);
    return r;
}

static bool owner(fixture_t *f, const idp_store_login_tx_t *tx, const idp_jpki_result_t *r)
{
    bool mine = true;
    assert_int_equal(idp_app_sign_upstream_owner(f->o, tx, r, &mine), IDP_OK);
    return mine;
}

/* The resident match: an enrolled certificate by its owner, one we never saw by exactly the four attributes. */
static void the_resident_match_rule(void **state)
{
    fixture_t *f = *state;
    daa_t d;
    daa_setup(f, &d);
    const char *addr = "Sakai-ku 1-1";
    idp_jpki_result_t r = cert(0x11, "Sakai Taro", "419900102", "1", addr);
    /* a certificate we never saw, and no verified attributes to compare with: not theirs */
    assert_false(owner(f, &d.tx, &r));
    /* the resident's verified attributes (what the app verified at sign-in) */
    idp_store_attrs_t a = {.name = "Sakai Taro", .birth_date = "1990-01-02", .gender = "male", .address = addr};
    idp_store_evidence_t ev = {.upstream_id = "daa", .issuer = ISSUER, .subject = SUB, .assurance = "aal3 crl"};
    assert_int_equal(idp_store_attrs_from_upstream(f->store, f->resident, &ev, &a), IDP_OK);
    assert_true(owner(f, &d.tx, &r));
    /* each of the four differing, or none on the certificate: not theirs */
    idp_jpki_result_t x = cert(0x11, "Sakai Hanako", "419900102", "1", addr);
    assert_false(owner(f, &d.tx, &x));
    x = cert(0x11, "Sakai Taro", "419900103", "1", addr);
    assert_false(owner(f, &d.tx, &x));
    x = cert(0x11, "Sakai Taro", "419900102", "2", addr);
    assert_false(owner(f, &d.tx, &x));
    x = cert(0x11, "Sakai Taro", "419900102", "3", addr); /* not stated, where the resident's says male */
    assert_false(owner(f, &d.tx, &x));
    x = cert(0x11, "Sakai Taro", "419900102", "1", "Sakai-ku 1-2");
    assert_false(owner(f, &d.tx, &x));
    x = cert(0x11, "Sakai Taro", "not a date", "1", addr);
    assert_false(owner(f, &d.tx, &x));
    x = r;
    x.has_attrs = false;
    assert_false(owner(f, &d.tx, &x));
    /* another resident's transaction: the attributes are compared with that resident's (none) */
    idp_store_login_tx_t other = d.tx;
    snprintf(other.resident_id, sizeof(other.resident_id), "resident-2");
    assert_false(owner(f, &other, &r));

    /* a signing certificate enrolled with us: by whom, whatever its attributes say */
    idp_store_card_cert_t mine = {.purpose = "sign", .issuer_key_id = "aa", .serial = "51", .not_after = 4102444800LL};
    memset(mine.sha256, 0x22, 32);
    assert_int_equal(idp_store_card_enrol_sign(f->store, f->resident, &mine, &a), IDP_OK);
    x = cert(0x22, "Someone Else", "419900103", "2", "elsewhere");
    assert_true(owner(f, &d.tx, &x));
    /* another resident's signing certificate, carrying our resident's very attributes: not theirs */
    idp_store_card_cert_t auth2 = {.purpose = "auth", .issuer_key_id = "aa", .serial = "02", .not_after = 4102444800LL};
    memset(auth2.sha256, 0x33, 32);
    char r2[64];
    bool created = false;
    assert_int_equal(idp_store_card_resident(f->store, &auth2, "resident-2", r2, &created), IDP_OK);
    idp_store_card_cert_t theirs = {
        .purpose = "sign", .issuer_key_id = "aa", .serial = "52", .not_after = 4102444800LL};
    memset(theirs.sha256, 0x44, 32);
    assert_int_equal(idp_store_card_enrol_sign(f->store, r2, &theirs, &a), IDP_OK);
    x = cert(0x44, "Sakai Taro", "419900102", "1", addr);
    assert_false(owner(f, &d.tx, &x));
    /* our resident's own authentication certificate is not a signing certificate */
    idp_store_card_cert_t auth1 = {.purpose = "auth", .issuer_key_id = "aa", .serial = "03", .not_after = 4102444800LL};
    memset(auth1.sha256, 0x55, 32);
    assert_int_equal(idp_store_card_link(f->store, &auth1, f->resident), IDP_OK);
    x = cert(0x55, "Sakai Taro", "419900102", "1", addr);
    assert_false(owner(f, &d.tx, &x));
    daa_teardown(f);
}

/* The value of query parameter @p k in @p url (up to '&', '"' or the end) into @p out. */
static bool param(const char *url, const char *k, char *out, size_t n)
{
    char key[64];
    snprintf(key, sizeof(key), "%s=", k);
    const char *p = url ? strstr(url, key) : NULL;
    if (p == NULL)
        return false;
    p += strlen(key);
    size_t i = 0;
    while (p[i] && p[i] != '&' && p[i] != '"' && i + 1 < n) {
        out[i] = p[i];
        i++;
    }
    out[i] = '\0';
    return i > 0;
}

static fixture_answer_t get(fixture_t *f, idp_endpoint_id_t ep, const char *query, const char *cookies)
{
    return fixture_page(f, ep, query, false, cookies, NULL, "192.0.2.1");
}

/*
 * The consent page sends this browser to the app; the button starts one signing transaction; the state that
 * comes back (sealed under the KEK) is good for one callback: a replay, or a state changed on the way, is refused.
 */
static void the_sealed_return_trip_is_used_once(void **state)
{
    fixture_t *f = *state;
    daa_t d;
    daa_setup(f, &d);
    fixture_answer_t a = get(f, IDP_EP_CONSENT, "tx=" TX, COOKIES);
    assert_int_equal(a.status, 200);
    const char *button = strstr(a.body, "id=\"app-sign-upstream\"");
    assert_non_null(button);
    char challenge[64], q[512], loc[512], st[400], v[128];
    assert_true(param(strstr(a.body, "/login/card/app-sign?"), "challenge_id", challenge, sizeof(challenge)));
    fixture_answer_free(&a);
    snprintf(q, sizeof(q), "tx=" TX "&challenge_id=%s", challenge);
    /* another browser (no session of this resident) cannot start it */
    a = get(f, IDP_EP_CARD_APP_SIGN, q, "sakaid_login=" BROWSER);
    assert_int_equal(a.status, 403);
    fixture_answer_free(&a);
    assert_int_equal(sign_starts, 0);
    /* the button: client credentials, the signing transaction, then the app with scope sign and its id */
    a = get(f, IDP_EP_CARD_APP_SIGN, q, COOKIES);
    assert_int_equal(a.status, 303);
    assert_int_equal(sign_starts, 1);
    snprintf(loc, sizeof(loc), "%s", a.location);
    fixture_answer_free(&a);
    assert_int_equal(strncmp(loc, ISSUER "/auth?", strlen(ISSUER "/auth?")), 0);
    assert_true(param(loc, "sign_transaction_id", v, sizeof(v)));
    assert_string_equal(v, SIGN_TX);
    assert_true(param(loc, "state", st, sizeof(st)));
    assert_int_equal(strncmp(st, "sign.", 5), 0);
    /* the challenge is taken once: the same button again starts nothing */
    a = get(f, IDP_EP_CARD_APP_SIGN, q, COOKIES);
    assert_true(a.status >= 400);
    fixture_answer_free(&a);
    assert_int_equal(sign_starts, 1);

    /* a state changed on the way (one character of its sealed part): refused before anything is looked up */
    char forged[400];
    snprintf(forged, sizeof(forged), "%s", st);
    forged[10] = forged[10] == 'A' ? 'B' : 'A';
    snprintf(q, sizeof(q), "error=access_denied&state=%s", forged);
    a = get(f, IDP_EP_SOCIAL_CALLBACK, q, COOKIES);
    assert_int_equal(a.status, 400);
    assert_non_null(strstr(a.body, "expired or was used"));
    fixture_answer_free(&a);

    /* the resident refused in the app: nothing signed, and the leg is over */
    snprintf(q, sizeof(q), "error=access_denied&state=%s", st);
    a = get(f, IDP_EP_SOCIAL_CALLBACK, q, COOKIES);
    assert_int_equal(a.status, 400); /* access_denied */
    assert_null(strstr(a.body, "expired or was used"));
    fixture_answer_free(&a);
    /* the same state again, now with a code: a replay, refused before any call to the app */
    int tokens_before = token_calls;
    snprintf(q, sizeof(q), "code=stolen&state=%s", st);
    a = get(f, IDP_EP_SOCIAL_CALLBACK, q, COOKIES);
    assert_int_equal(a.status, 400);
    assert_non_null(strstr(a.body, "expired or was used"));
    fixture_answer_free(&a);
    assert_int_equal(token_calls, tokens_before);
    idp_store_card_challenge_t c;
    assert_int_equal(idp_store_card_challenge_get(f->store, challenge, &c), IDP_OK);
    assert_string_equal(c.status, "failed");
    /* nothing was signed in this transaction */
    idp_store_app_signature_t *rows = NULL;
    size_t n = 9;
    assert_int_equal(idp_store_app_signatures_list(f->store, NULL, NULL, TX, &rows, &n), IDP_OK);
    assert_int_equal(n, 0);
    idp_store_app_signatures_free(rows, n);
    daa_teardown(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_channel_is_this_authorizations_sign_in, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(the_resident_match_rule, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(the_sealed_return_trip_is_used_once, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

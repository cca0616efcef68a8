/*
 * The account pages, logout and back-channel logout delivery (oauth/account.c,
 * logout.c, session.c; docs/account.md) without HTTP or PostgreSQL: a browser
 * with a session cookie on the memory store, and a fake outbound HTTP client
 * that records the logout tokens (issue #16 §1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/b64.h"
#include "core/rand.h"
#include "net/http_client.h"
#include "client/client_meta.h"
#include "oauth/internal.h"
#include "oauth/metrics.h"
#include "oauth_fixture.h"
#include "ui/messages.h"

#define COOKIE "account-test-cookie-value-0123456789abcdef"
#define RP "rp-logout"

typedef struct {
    int posts;
    char url[256], form[4096];
} fake_t;

static idp_err_t fake_transport(const idp_net_t *net, const idp_net_req_t *req, idp_net_resp_t *resp, char *err,
                                size_t errlen)
{
    fake_t *k = net->ctx;
    k->posts++;
    snprintf(k->url, sizeof(k->url), "%s", req->url);
    snprintf(k->form, sizeof(k->form), "%s", req->form ? req->form : "");
    resp->status = 200;
    return IDP_OK;
}

static fake_t fake;
static idp_net_t net = {.transport = fake_transport, .ctx = &fake};

/* A second client with back-channel logout and a post-logout redirect URI. */
static void register_rp(idp_store_t *s)
{
    json_t *in = json_loads(
               "{\"client_name\":\"RP\",\"redirect_uris\":[\"https://rp2.example/cb\"],"
               "\"token_endpoint_auth_method\":\"none\",\"scope\":\"openid profile\","
               "\"post_logout_redirect_uris\":[\"https://rp2.example/bye\"],"
               "\"backchannel_logout_uri\":\"https://rp2.example/bcl\",\"backchannel_logout_session_required\":true}",
               0, NULL),
           *meta = NULL;
    char err[256] = "";
    assert_int_equal(idp_client_meta_validate(in, &meta, err, sizeof(err)), IDP_OK);
    char *text = json_dumps(meta, JSON_COMPACT);
    idp_store_client_t c = {.client_id = RP, .metadata = text};
    assert_int_equal(idp_store_client_insert(s, &c), IDP_OK);
    free(text);
    json_decref(in);
    json_decref(meta);
}

static int setup(void **state)
{
    if (fixture_setup(state) != 0)
        return -1;
    fixture_t *f = *state;
    memset(&fake, 0, sizeof(fake));
    f->o->net = &net;
    register_rp(f->store);
    /* this browser's session: the resident of the fixture, signed in with the card just now */
    unsigned char h[32];
    idp_sha256(COOKIE, strlen(COOKIE), h);
    idp_store_session_t sess;
    snprintf(f->sid, sizeof(f->sid), "sid-account");
    assert_int_equal(idp_store_session_login(f->store, NULL, h, f->sid, f->resident, ACR_CARD, "sc pin", "card:x",
                                             (long long)time(NULL), 3600, &sess),
                     IDP_OK);
    /* consent to RP and a grant in this session, so that logout has a relying party to tell */
    assert_int_equal(
        idp_store_consent_record(f->store, f->resident, RP, "grant", "openid name", 3600, "resident", NULL, NULL),
        IDP_OK);
    return 0;
}

/* One request with the session cookie (or none); status, location and the body (free it). */
static char *go(fixture_t *f, idp_endpoint_id_t endpoint, const char *form, bool post, bool cookie, int *status,
                char location[512], char set_cookie[256])
{
    fixture_answer_t a =
        fixture_page(f, endpoint, form, post, cookie ? "sakaid_session=" COOKIE : NULL, NULL, "192.0.2.8");
    *status = a.status;
    if (location)
        snprintf(location, 512, "%s", a.location);
    if (set_cookie)
        snprintf(set_cookie, 256, "%s", a.set_cookie[0]);
    return a.body;
}

static void csrf_of(fixture_t *f, char out[64])
{
    idp_store_session_t s;
    unsigned char h[32];
    idp_sha256(COOKIE, strlen(COOKIE), h);
    assert_int_equal(idp_store_session_get(f->store, h, &s), IDP_OK);
    idp_account_csrf(f->o, &s, out);
}

static void the_account_page(void **state)
{
    fixture_t *f = *state;
    int status;
    char loc[512], csrf[64];
    char *body = go(f, IDP_EP_ACCOUNT, "", false, false, &status, loc, NULL);
    assert_int_equal(status, 303); /* no session: sign in first */
    assert_string_equal(loc, "/account/login");
    free(body);
    body = go(f, IDP_EP_ACCOUNT, "", false, true, &status, loc, NULL);
    assert_int_equal(status, 200);
    csrf_of(f, csrf);
    assert_non_null(strstr(body, csrf));
    assert_non_null(strstr(body, "RP")); /* the consent */
    free(body);
}

/* Every change needs the session's CSRF token (docs/account.md). */
static void changes_need_the_csrf_token(void **state)
{
    fixture_t *f = *state;
    int status;
    char *body = go(f, IDP_EP_ACCOUNT_REVOKE, "client_id=" RP "&csrf=forged", true, true, &status, NULL, NULL);
    assert_int_equal(status, 403);
    free(body);
    body = go(f, IDP_EP_ACCOUNT_HOUSEHOLD, "csrf=forged&school_district=x", true, true, &status, NULL, NULL);
    assert_int_equal(status, 403);
    free(body);
    char *have = NULL;
    assert_int_equal(idp_store_consent_get(f->store, f->resident, RP, &have), IDP_OK);
    assert_non_null(strstr(have, "name"));
    free(have);
}

/* Revoking a consent removes it and queues a back-channel logout for the client (logout.c). */
static void revoking_a_consent(void **state)
{
    fixture_t *f = *state;
    int status;
    char csrf[64], form[256], loc[512];
    csrf_of(f, csrf);
    snprintf(form, sizeof(form), "client_id=%s&csrf=%s", RP, csrf);
    char *body = go(f, IDP_EP_ACCOUNT_REVOKE, form, true, true, &status, loc, NULL);
    assert_int_equal(status, 303);
    assert_string_equal(loc, "/account?revoked=1");
    free(body);
    char *have = NULL;
    idp_err_t e = idp_store_consent_get(f->store, f->resident, RP, &have);
    assert_true(e == IDP_E_NOT_FOUND || (e == IDP_OK && (have == NULL || !strstr(have, "name"))));
    free(have);
    body = go(f, IDP_EP_ACCOUNT_REVOKE, form, true, true, &status, loc, NULL);
    assert_int_equal(status, 404); /* nothing left to revoke */
    free(body);
}

/* POST /account/household (issue #18 item 7): saved, or shown again with each error, values kept, nothing saved. */
static void household(void **state)
{
    fixture_t *f = *state;
    int status;
    char csrf[64], form[768], loc[512];
    idp_store_household_t h;
    csrf_of(f, csrf);
    /* the second row left empty is dropped; "3" is March */
    snprintf(form, sizeof(form),
             "csrf=%s&school_district=%%E6%%B5%%9C%%E5%%AF%%BA&area=&child_year_1=2012&child_month_1=3"
             "&child_year_2=&child_month_2=&child_year_3=2015&child_month_3=11",
             csrf);
    char *body = go(f, IDP_EP_ACCOUNT_HOUSEHOLD, form, true, true, &status, loc, NULL);
    assert_int_equal(status, 303);
    assert_non_null(strstr(loc, "saved=1"));
    free(body);
    assert_int_equal(idp_store_household_get(f->store, f->resident, &h), IDP_OK);
    assert_string_equal(h.children, "2012-03 2015-11");
    assert_string_equal(h.school_district, "浜寺");
    /* the account page shows them as rows */
    body = go(f, IDP_EP_ACCOUNT, "", false, true, &status, loc, NULL);
    assert_int_equal(status, 200);
    assert_non_null(strstr(body, "id=\"child_year_2\" name=\"child_year_2\""));
    assert_non_null(strstr(body, "value=\"2015\""));
    assert_non_null(strstr(body, "value=\"11\""));
    assert_null(strstr(body, "household-errors"));
    free(body);

    /* refused: a month 13, a future year, an area too long; the page again, values kept, nothing saved */
    char area[400] = "";
    for (int i = 0; i < 81; i++)
        strcat(area, "a");
    snprintf(form, sizeof(form),
             "csrf=%s&school_district=%%3Cb%%3E&area=%s&child_year_1=2019&child_month_1=13&child_year_2=2999"
             "&child_month_2=1&child_year_3=&child_month_3=4",
             csrf, area);
    body = go(f, IDP_EP_ACCOUNT_HOUSEHOLD, form, true, true, &status, loc, NULL);
    assert_int_equal(status, 400);
    assert_non_null(strstr(body, "id=\"household-errors\" role=\"alert\""));
    assert_non_null(strstr(body, "href=\"#area\""));
    assert_non_null(strstr(body, "href=\"#child_month_1\""));
    assert_non_null(strstr(body, "href=\"#child_year_2\""));
    assert_non_null(strstr(body, "href=\"#child_year_3\"")); /* a month without its year */
    assert_null(strstr(body, "href=\"#school_district\""));
    assert_non_null(strstr(body, "value=\"&lt;b&gt;\"")); /* kept, escaped */
    assert_non_null(strstr(body, "value=\"13\""));
    assert_non_null(strstr(body, "value=\"2999\""));
    assert_non_null(strstr(body, "aria-describedby=\"area-hint area-error\""));
    assert_non_null(strstr(body, idp_msg_get(IDP_MSG_HH_ERR_FUTURE, "en")));
    free(body);
    assert_int_equal(idp_store_household_get(f->store, f->resident, &h), IDP_OK);
    assert_string_equal(h.children, "2012-03 2015-11");
    assert_string_equal(h.area, "");

    /* 「お子さまを追加」: an empty row, the focus on it; nothing saved, no error shown */
    snprintf(form, sizeof(form), "csrf=%s&school_district=x&child_year_1=2019&child_month_1=13&add_child=1", csrf);
    body = go(f, IDP_EP_ACCOUNT_HOUSEHOLD, form, true, true, &status, loc, NULL);
    assert_int_equal(status, 200);
    assert_non_null(strstr(body, "id=\"child_year_2\" name=\"child_year_2\" inputmode=\"numeric\" maxlength=\"4\" "
                                 "autocomplete=\"off\" autofocus"));
    assert_null(strstr(body, "household-errors"));
    assert_null(strstr(body, "aria-invalid=\"true\""));
    free(body);
    /* removing the first row keeps the second, renumbered */
    snprintf(form, sizeof(form),
             "csrf=%s&child_year_1=2019&child_month_1=1&child_year_2=2020&child_month_2=2&remove_child=1", csrf);
    body = go(f, IDP_EP_ACCOUNT_HOUSEHOLD, form, true, true, &status, loc, NULL);
    assert_int_equal(status, 200);
    assert_null(strstr(body, "value=\"2019\""));
    assert_non_null(strstr(body, "name=\"child_year_1\""));
    assert_null(strstr(body, "name=\"child_year_2\""));
    free(body);
    assert_int_equal(idp_store_household_get(f->store, f->resident, &h), IDP_OK);
    assert_string_equal(h.school_district, "浜寺");

    /* a field twice is not our form; a stale token changes nothing */
    snprintf(form, sizeof(form), "csrf=%s&area=a&area=b", csrf);
    body = go(f, IDP_EP_ACCOUNT_HOUSEHOLD, form, true, true, &status, loc, NULL);
    assert_int_equal(status, 400);
    assert_null(strstr(body, "household-errors"));
    free(body);
    body = go(f, IDP_EP_ACCOUNT_HOUSEHOLD, "csrf=stale&area=b", true, true, &status, loc, NULL);
    assert_int_equal(status, 403);
    free(body);
    assert_int_equal(idp_store_household_get(f->store, f->resident, &h), IDP_OK);
    assert_string_equal(h.area, "");
}

/* RP-Initiated Logout 1.0: the session ends, its cookie goes, the client hears by back-channel (§2.5 there). */
static void logout_ends_the_session_and_tells_the_client(void **state)
{
    fixture_t *f = *state;
    int status;
    char loc[512], cookie[256];
    /* an unregistered post-logout URI is a page, not a redirect (§3) */
    char *body = go(f, IDP_EP_LOGOUT, "client_id=" RP "&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F", true,
                    true, &status, loc, NULL);
    assert_int_equal(status, 400);
    assert_string_equal(loc, "");
    free(body);
    /* the session told RP something: a release in this session */
    idp_logout_client(f->o, RP, f->resident); /* queue a delivery as a consent revocation would */
    /* without an id_token_hint the resident confirms first (§2: the OP asks), with a CSRF token */
    const char *q = "client_id=" RP "&post_logout_redirect_uri=https%3A%2F%2Frp2.example%2Fbye&state=s1";
    body = go(f, IDP_EP_LOGOUT, q, false, true, &status, loc, cookie);
    assert_int_equal(status, 200);
    const char *c = strstr(body, "name=\"csrf\" value=\"");
    assert_non_null(c);
    char confirm[768], token[80];
    assert_int_equal(sscanf(c + 19, "%79[^\"]", token), 1);
    free(body);
    snprintf(confirm, sizeof(confirm), "%s&csrf=%s", q, token);
    body = go(f, IDP_EP_LOGOUT, confirm, true, true, &status, loc, cookie);
    assert_int_equal(status, 303);
    assert_string_equal(loc, "https://rp2.example/bye?state=s1");
    assert_non_null(strstr(cookie, "sakaid_session=;"));
    assert_non_null(strstr(cookie, "Max-Age=0"));
    free(body);
    idp_store_session_t s;
    unsigned char h[32];
    idp_sha256(COOKIE, strlen(COOKIE), h);
    assert_int_equal(idp_store_session_get(f->store, h, &s), IDP_E_NOT_FOUND);
    /* the delivery thread's work: a logout token POSTed to the client's back-channel URI */
    atomic_bool stop = false;
    assert_true(idp_oauth_deliver_logouts(f->o, &stop) >= 1);
    assert_true(fake.posts >= 1);
    assert_string_equal(fake.url, "https://rp2.example/bcl");
    assert_int_equal(strncmp(fake.form, "logout_token=", 13), 0);
    /* the token: signed by us, for RP, with the events claim (Back-Channel Logout 1.0 §2.4) */
    json_t *hdr = NULL, *payload = NULL;
    assert_int_equal(idp_own_verify(f->o, fake.form + 13, &hdr, &payload), IDP_OK);
    assert_string_equal(json_string_value(json_object_get(hdr, "typ")), "logout+jwt");
    assert_string_equal(json_string_value(json_object_get(payload, "aud")), RP);
    assert_non_null(
        json_object_get(json_object_get(payload, "events"), "http://schemas.openid.net/event/backchannel-logout"));
    assert_null(json_object_get(payload, "nonce")); /* §2.4: prohibited */
    json_decref(hdr);
    json_decref(payload);
    /* what /metrics says of it (docs/deployment.md "Alerts"): delivered, nothing left waiting; the active keys' age */
    idp_buf_t m;
    idp_buf_init(&m, 16384);
    idp_oauth_metrics(f->o, &m);
    assert_int_equal(idp_buf_err(&m), IDP_OK);
    const char *text = idp_buf_cstr(&m);
    assert_null(strstr(text, "sakaid_backchannel_logout_deliveries_total{result=\"delivered\"} 0\n"));
    assert_non_null(strstr(text, "sakaid_backchannel_logout_deliveries_total{result=\"gave_up\"} 0\n"));
    assert_non_null(strstr(text, "sakaid_backchannel_logout_pending "));
    assert_non_null(strstr(text, "sakaid_signing_key_age_seconds{alg=\"RS256\"} 360")); /* 3600 s, give or take */
    assert_null(strstr(text, "sakaid_db_statement_seconds")); /* the memory store has no database to time */
    idp_buf_free(&m);
}

static void ending_another_session(void **state)
{
    fixture_t *f = *state;
    /* a second session of the same resident, elsewhere */
    unsigned char h[32];
    idp_sha256("other-browser-cookie-value-0123456789", 37, h);
    idp_store_session_t other;
    assert_int_equal(idp_store_session_login(f->store, NULL, h, "sid-other", f->resident, ACR_CARD, "sc pin", "card:x",
                                             (long long)time(NULL), 3600, &other),
                     IDP_OK);
    int status;
    char csrf[64], form[256], loc[512];
    csrf_of(f, csrf);
    snprintf(form, sizeof(form), "sid=sid-other&csrf=%s", csrf);
    char *body = go(f, IDP_EP_ACCOUNT_END_SESSION, form, true, true, &status, loc, NULL);
    assert_int_equal(status, 303);
    assert_string_equal(loc, "/account?ended=1");
    free(body);
    assert_int_equal(idp_store_session_get(f->store, h, &other), IDP_E_NOT_FOUND);
    snprintf(form, sizeof(form), "sid=sid-nobody&csrf=%s", csrf);
    body = go(f, IDP_EP_ACCOUNT_END_SESSION, form, true, true, &status, loc, NULL);
    assert_int_equal(status, 404);
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_account_page, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(changes_need_the_csrf_token, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(revoking_a_consent, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(household, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(logout_ends_the_session_and_tells_the_client, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(ending_another_session, setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

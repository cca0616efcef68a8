/*
 * oauth/views.c without a server: the protocol state each page is built
 * from (the claims a consent releases or withholds, the last way to sign
 * in, the store error's status) reaches idp/ui's renderers, and the page
 * lands in the response (issue #16: the protocol core tested without
 * PostgreSQL or sockets). The renderers themselves: test_ui_pages.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "client_fixture.h"
#include "oauth/internal.h"
#include "ui/messages.h"

#define EVIL "<script>alert(1)</script>\"'&"

typedef struct {
    idp_arena_t arena;
    idp_oauth_req_t req;
    idp_oauth_resp_t resp;
} page_t;

static int setup(void **state)
{
    page_t *p = calloc(1, sizeof(*p));
    idp_arena_init(&p->arena, 4u << 20);
    p->req.arena = &p->arena;
    p->req.lang = "ja";
    *state = p;
    return 0;
}

static int teardown(void **state)
{
    page_t *p = *state;
    idp_arena_free(&p->arena);
    free(p);
    return 0;
}

/* The page is HTML with a nonce'd style and a CSP naming the same nonce; nothing of EVIL went out unescaped. */
static void assert_page(const page_t *p, int status)
{
    assert_int_equal(p->resp.status, status);
    assert_string_equal(p->resp.content_type, "text/html; charset=utf-8");
    assert_non_null(p->resp.body);
    assert_int_equal(strlen(p->resp.body), p->resp.body_len);
    assert_non_null(strstr(p->resp.body, "<!doctype html>"));
    assert_null(strstr(p->resp.body, "<script>alert"));
    const char *n = strstr(p->resp.body, "<style nonce=\"");
    assert_non_null(n);
    char nonce[64];
    assert_int_equal(sscanf(n + 14, "%63[^\"]", nonce), 1);
    char want[96];
    snprintf(want, sizeof(want), "'nonce-%s'", nonce);
    assert_non_null(p->resp.csp);
    assert_non_null(strstr(p->resp.csp, want));
    assert_non_null(strstr(p->resp.csp, "frame-ancestors 'none'"));
}

static void error_page_escapes_and_names_the_code(void **state)
{
    page_t *p = *state;
    idp_page_error(&p->req, &p->resp, "en", 400, "invalid_request", EVIL, IDP_ERROR_SIGN_IN, NULL);
    assert_page(p, 400);
    assert_non_null(strstr(p->resp.body, "invalid_request"));
    assert_non_null(strstr(p->resp.body, "&lt;script&gt;"));
    assert_non_null(strstr(p->resp.body, "lang=\"en\""));
    /* a protocol description is a detail beside the code; a catalogue text is what happened (issue #18 item 5) */
    assert_null(strstr(p->resp.body, "id=\"what\""));
    memset(&p->resp, 0, sizeof(p->resp));
    const char *said = idp_msg_get(IDP_MSG_ERROR_CARD_APP_OTHER_CARD, "en");
    idp_page_error(&p->req, &p->resp, "en", 403, "access_denied", said, IDP_ERROR_SIGN_IN, "https://rp.example/");
    assert_page(p, 403);
    assert_non_null(strstr(p->resp.body, "<p id=\"what\">"));
    assert_non_null(strstr(p->resp.body, "id=\"error-action\" href=\"https://rp.example/\""));
}

static void store_errors_are_503_or_500(void **state)
{
    page_t *p = *state;
    idp_page_store_error(&p->req, &p->resp, "ja", IDP_E_UNAVAILABLE);
    assert_page(p, 503);
    assert_non_null(strstr(p->resp.body, "temporarily_unavailable"));
    memset(&p->resp, 0, sizeof(p->resp));
    idp_page_store_error(&p->req, &p->resp, "ja", IDP_E_SERVER_ERROR);
    assert_page(p, 500);
}

static void see_other(void **state)
{
    page_t *p = *state;
    idp_see_other(&p->resp, "/account");
    assert_int_equal(p->resp.status, 303);
    assert_string_equal(p->resp.location, "/account");
}

/* OAuth 2.0 Form Post Response Mode §2: hidden fields, escaped, auto-submitted; CSP form-action the RP's origin. */
static void form_post(void **state)
{
    page_t *p = *state;
    json_t *fields = json_pack("{s:s, s:s}", "code", "abc", "state", EVIL);
    idp_page_form_post(&p->req, &p->resp, "https://rp.example/cb?x=1", fields);
    json_decref(fields);
    assert_page(p, 200);
    assert_non_null(strstr(p->resp.body, "action=\"https://rp.example/cb?x=1\""));
    assert_non_null(strstr(p->resp.body, "name=\"code\" value=\"abc\""));
    assert_non_null(strstr(p->resp.body, "value=\"&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;\""));
    assert_non_null(strstr(p->resp.csp, "form-action 'self' https://rp.example"));
    assert_null(strstr(p->resp.csp, "rp.example/cb"));
}

static void login_page(void **state)
{
    page_t *p = *state;
    idp_page_ctx_t ctx = {.lang = "en", .client_name = EVIL, .form_origin = NULL};
    const char *cards[] = {"sakai-taro", NULL};
    idp_store_upstream_t up = {
        .id = "line", .display_name = (char *)EVIL, .issuer = (char *)"https://access.line.me", .enabled = true};
    idp_page_login(&p->req, &p->resp, &ctx, "TX1", "CSRF1", "CH1",
                   "https://id.example/login/card/app?challenge_id=CH1&x=<", cards, &up, 1, IDP_LOGIN_SIGN_STEP);
    assert_page(p, 200);
    assert_non_null(strstr(p->resp.body, "id=\"app-link\""));
    assert_non_null(strstr(p->resp.body, "challenge_id=CH1&amp;x=&lt;"));
    assert_non_null(strstr(p->resp.body, "<svg")); /* the QR code */
    assert_non_null(strstr(p->resp.body, "id=\"sign-step\""));
    assert_non_null(strstr(p->resp.body, "action=\"/login/sign/skip\"")); /* a way out */
    assert_non_null(strstr(p->resp.body, "action=\"/login/continue\""));
    assert_non_null(strstr(p->resp.body, "value=\"TX1\""));
    assert_non_null(strstr(p->resp.body, "value=\"CSRF1\""));
}

static void login_page_notes(void **state)
{
    page_t *p = *state;
    idp_page_ctx_t ctx = {.lang = "ja", .client_name = "堺市ポータル"};
    idp_page_login(&p->req, &p->resp, &ctx, "TX1", "CSRF1", "CH1", "https://id.example/app", NULL, NULL, 0,
                   IDP_LOGIN_REAUTH);
    assert_page(p, 200);
    assert_non_null(strstr(p->resp.body, "id=\"reauth\""));
    assert_null(strstr(p->resp.body, "/login/sign/skip"));
    memset(&p->resp, 0, sizeof(p->resp));
    idp_page_login(&p->req, &p->resp, &ctx, "TX1", "CSRF1", "CH1", "https://id.example/app", NULL, NULL, 0,
                   IDP_LOGIN_ADDING_CARD);
    assert_non_null(strstr(p->resp.body, "id=\"adding-card\""));
}

/* Each stage of the new-card page offers its answers, and only those (docs/card.md). */
static void new_card_stages(void **state)
{
    page_t *p = *state;
    idp_page_ctx_t ctx = {.lang = "en"};
    idp_page_new_card(&p->req, &p->resp, &ctx, "TX1", "CSRF1", IDP_NEW_CARD_ASK);
    assert_page(p, 200);
    assert_non_null(strstr(p->resp.body, "data-answer=\"renewal\""));
    assert_non_null(strstr(p->resp.body, "data-answer=\"first\""));
    assert_null(strstr(p->resp.body, "data-answer=\"confirm\""));
    memset(&p->resp, 0, sizeof(p->resp));
    idp_page_new_card(&p->req, &p->resp, &ctx, "TX1", "CSRF1", IDP_NEW_CARD_CONFIRM);
    assert_non_null(strstr(p->resp.body, "data-answer=\"confirm\""));
    assert_non_null(strstr(p->resp.body, "data-answer=\"refuse\""));
    memset(&p->resp, 0, sizeof(p->resp));
    idp_page_new_card(&p->req, &p->resp, &ctx, "TX1", "CSRF1", IDP_NEW_CARD_NO_MATCH);
    assert_non_null(strstr(p->resp.body, "data-stage=\"no-match\""));
    assert_non_null(strstr(p->resp.body, "data-answer=\"first\""));
    assert_null(strstr(p->resp.body, "data-answer=\"confirm\""));
}

static void reauth_page(void **state)
{
    page_t *p = *state;
    idp_page_reauth(&p->req, &p->resp, "en", true);
    assert_page(p, 403);
    assert_non_null(strstr(p->resp.body, "id=\"reauth\""));
}

/* The consent page lists what the client receives and, apart, what it asked for and will not get. */
static void consent_page(void **state)
{
    page_t *p = *state;
    idp_page_ctx_t ctx = {.lang = "en", .client_name = EVIL, .form_origin = "https://rp.example"};
    const idp_client_t *client = test_client("c1", "{}"); /* the page shows ctx's name */
    idp_page_consent(&p->req, &p->resp, &ctx, client, "TX1", "CSRF1", "openid sakai_resident",
                     "openid name sakai_resident", false, NULL, NULL, false, false);
    idp_client_unref(client);
    assert_page(p, 200);
    assert_non_null(strstr(p->resp.body, "value=\"allow\""));
    assert_non_null(strstr(p->resp.body, "value=\"deny\""));
    assert_non_null(strstr(p->resp.body, "Whether you live in Sakai City"));
    /* asked for, not provided: said so, apart */
    assert_non_null(strstr(p->resp.body, "<li data-withheld=\"name\">"));
    assert_null(strstr(p->resp.body, "<li data-withheld=\"sakai_resident\">"));
    assert_non_null(strstr(p->resp.body, idp_msg_get(IDP_MSG_CONSENT_WITHHELD, "en")));
    /* a card sign-in without the signing certificate: why, and how to provide them (issue #18 item 3) */
    memset(&p->resp, 0, sizeof(p->resp));
    client = test_client("c1", "{}");
    idp_page_consent(&p->req, &p->resp, &ctx, client, "TX1", "CSRF1", "openid", "openid name", true, NULL, NULL, false,
                     false);
    idp_client_unref(client);
    assert_page(p, 200);
    assert_non_null(strstr(p->resp.body, "<li data-withheld=\"name\">"));
    assert_non_null(strstr(p->resp.body, idp_msg_get(IDP_MSG_CONSENT_WITHHELD_UNSIGNED, "en")));
    assert_null(strstr(p->resp.body, idp_msg_get(IDP_MSG_CONSENT_WITHHELD, "en")));
}

/* A ward is for city services only (product.md §5): a partner's consent page neither lists nor withholds it. */
static void consent_page_city_only_claims(void **state)
{
    page_t *p = *state;
    idp_page_ctx_t ctx = {.lang = "en", .client_name = "Partner"};
    const idp_client_t *client = test_client("c1", "{}");
    idp_page_consent(&p->req, &p->resp, &ctx, client, "TX1", "CSRF1", "openid sakai_ward", "openid sakai_ward", false,
                     NULL, NULL, false, false);
    assert_page(p, 200);
    assert_null(strstr(p->resp.body, "data-claim=\"sakai_ward\""));
    /* a partner's identifier is pairwise: its own */
    assert_non_null(strstr(p->resp.body, "<li data-claim=\"openid\">An identifier for you (for this service)</li>"));
    idp_client_unref(client);
    memset(&p->resp, 0, sizeof(p->resp));
    client = test_client("c1", "{\"tier\":\"city\"}");
    idp_page_consent(&p->req, &p->resp, &ctx, client, "TX1", "CSRF1", "openid sakai_ward", "openid sakai_ward", false,
                     NULL, NULL, false, false);
    idp_client_unref(client);
    assert_non_null(strstr(p->resp.body, "<li data-claim=\"sakai_ward\">The ward you live in</li>"));
    /* a city client's is the public subject every city service shares (issue #18 item 3) */
    assert_non_null(strstr(p->resp.body, "<li data-claim=\"openid\">An identifier for you (the same number for all "
                                         "Sakai City services)</li>"));
}

/* RFC 9396: one application's consent says which procedure, what it reads and what will be signed, escaped */
static void consent_page_for_one_application(void **state)
{
    page_t *p = *state;
    idp_page_ctx_t ctx = {.lang = "ja", .client_name = "堺市ポータル"};
    const idp_client_t *client = test_client("c1", "{\"tier\":\"city\"}");
    json_t *details = json_loads("[{\"type\":\"sakai_application\",\"identifier\":\"APP-1\","
                                 "\"procedure\":{\"code\":\"K-01\",\"name\":\"児童手当<認定請求>\"},"
                                 "\"actions\":[\"read\",\"sign\"],\"datatypes\":[\"name\",\"address\"],"
                                 "\"document_digest\":{\"alg\":\"sha-256\","
                                 "\"value\":\"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU\"}}]",
                                 0, NULL);
    idp_page_consent(&p->req, &p->resp, &ctx, client, "TX1", "CSRF1", "openid", "openid", true, details,
                     "https://id.example/login/card/app?challenge_id=C1&purpose=app&tbs=T", false, false);
    idp_client_unref(client);
    json_decref(details);
    assert_page(p, 200);
    assert_non_null(strstr(p->resp.body, "data-application=\"APP-1\""));
    assert_non_null(strstr(p->resp.body, "児童手当&lt;認定請求&gt; (K-01)"));
    assert_non_null(strstr(p->resp.body, "<li data-reads=\"address\">"));
    assert_non_null(strstr(p->resp.body, idp_msg_get(IDP_MSG_CONSENT_APP_SIGNS_NOTE, "ja")));
    assert_non_null(strstr(p->resp.body, "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"));
    assert_non_null(strstr(p->resp.body, idp_msg_get(IDP_MSG_CONSENT_APP_ONCE, "ja")));
    /* unsigned: how to sign, the QR code and the app link; signed: said so, and no challenge */
    assert_non_null(strstr(p->resp.body, "id=\"app-link\" href=\"https://id.example/login/card/app?challenge_id=C1"));
    assert_non_null(strstr(p->resp.body, "<svg"));
    assert_null(strstr(p->resp.body, "id=\"app-signed\""));
    memset(&p->resp, 0, sizeof(p->resp));
    client = test_client("c1", "{\"tier\":\"city\"}");
    details = json_loads("[{\"type\":\"sakai_application\",\"identifier\":\"APP-1\",\"procedure\":{\"code\":\"K\","
                         "\"name\":\"n\"},\"actions\":[\"sign\"],\"document_digest\":{\"alg\":\"sha-256\","
                         "\"value\":\"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU\"}}]",
                         0, NULL);
    idp_page_consent(&p->req, &p->resp, &ctx, client, "TX1", "CSRF1", "openid", "openid", true, details, NULL, false,
                     true);
    idp_client_unref(client);
    json_decref(details);
    assert_non_null(strstr(p->resp.body, "id=\"app-signed\""));
    assert_null(strstr(p->resp.body, "id=\"app-link\""));
}

static void account_page(void **state)
{
    page_t *p = *state;
    idp_store_credential_t cred = {
        .kind = "card", .issuer = "ABCD", .subject = "01", .linked_at = 1700000000, .expires_at = 4102444800LL};
    idp_store_resident_attrs_t attrs = {.name = (char *)EVIL,
                                        .birth_date = (char *)"1990-01-02",
                                        .gender = (char *)"male",
                                        .address = (char *)"大阪府堺市堺区南瓦町３番１号",
                                        .sakai_resident = true,
                                        .sakai_ward = (char *)"堺区",
                                        .verified_at = 1700000000};
    idp_ui_household_t hh = {.school_district = "浜寺小学校区", .area = "", .nchildren = 1};
    snprintf(hh.children[0].year, sizeof(hh.children[0].year), "2012");
    idp_store_session_t sess = {
        .sid = "S1", .acr = "urn:sakai-d:acr:card", .amr = "hwk", .auth_time = 1700000000, .expires_at = 1700086400};
    idp_account_view_t v = {.lang = "en",
                            .csrf = "CSRF1",
                            .current_sid = "S1",
                            .creds = &cred,
                            .ncreds = 1,
                            .attrs = &attrs,
                            .household = &hh,
                            .sessions = &sess,
                            .nsessions = 1};
    idp_page_account(&p->req, &p->resp, &v);
    assert_page(p, 200);
    assert_non_null(strstr(p->resp.body, "&lt;script&gt;alert(1)"));
    assert_non_null(strstr(p->resp.body, "1990-01-02"));
    assert_non_null(strstr(p->resp.body, "浜寺小学校区"));
    assert_non_null(strstr(p->resp.body, "value=\"CSRF1\""));
    /* the only way to sign in cannot be removed; a second one makes both removable */
    assert_null(strstr(p->resp.body, "/account/unlink"));
    assert_non_null(strstr(p->resp.body, "data-state=\"valid\""));
    assert_non_null(strstr(p->resp.body, "(My Number card) · this device"));
    idp_store_credential_t two[2] = {
        cred, {.kind = "social", .issuer = "https://access.line.me", .subject = "U1", .upstream_id = "line"}};
    idp_store_upstream_t up = {
        .id = "line", .display_name = (char *)"LINE", .issuer = (char *)"https://access.line.me"};
    v.creds = two;
    v.ncreds = 2;
    v.upstreams = &up;
    v.nupstreams = 1;
    memset(&p->resp, 0, sizeof(p->resp));
    idp_page_account(&p->req, &p->resp, &v);
    assert_page(p, 200);
    const char *unlink = strstr(p->resp.body, "/account/unlink");
    assert_non_null(unlink);
    assert_non_null(strstr(unlink + 1, "/account/unlink"));
    assert_non_null(strstr(p->resp.body, "<li data-kind=\"social\">LINE"));
    assert_non_null(strstr(p->resp.csp, "form-action 'self' https://access.line.me;"));
}

/* A NULL text is a caller's bug: a 500, never a page with a hole where the text should be (core/buf.h). */
static void a_null_text_is_a_500(void **state)
{
    page_t *p = *state;
    idp_page_ctx_t ctx = {.lang = "ja", .client_name = NULL};
    idp_page_new_card(&p->req, &p->resp, &ctx, "TX1", "CSRF1", IDP_NEW_CARD_ASK);
    assert_int_equal(p->resp.status, 200); /* the new-card page does not name the client */
    memset(&p->resp, 0, sizeof(p->resp));
    idp_page_login(&p->req, &p->resp, &ctx, "TX1", "CSRF1", "CH1", "https://id.example/app", NULL, NULL, 0,
                   IDP_LOGIN_PLAIN);
    assert_int_equal(p->resp.status, 500);
}

static void logout_page(void **state)
{
    page_t *p = *state;
    idp_page_logout(&p->req, &p->resp, "en", NULL);
    assert_page(p, 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(error_page_escapes_and_names_the_code, setup, teardown),
        cmocka_unit_test_setup_teardown(store_errors_are_503_or_500, setup, teardown),
        cmocka_unit_test_setup_teardown(see_other, setup, teardown),
        cmocka_unit_test_setup_teardown(form_post, setup, teardown),
        cmocka_unit_test_setup_teardown(login_page, setup, teardown),
        cmocka_unit_test_setup_teardown(login_page_notes, setup, teardown),
        cmocka_unit_test_setup_teardown(new_card_stages, setup, teardown),
        cmocka_unit_test_setup_teardown(reauth_page, setup, teardown),
        cmocka_unit_test_setup_teardown(consent_page, setup, teardown),
        cmocka_unit_test_setup_teardown(consent_page_for_one_application, setup, teardown),
        cmocka_unit_test_setup_teardown(consent_page_city_only_claims, setup, teardown),
        cmocka_unit_test_setup_teardown(account_page, setup, teardown),
        cmocka_unit_test_setup_teardown(a_null_text_is_a_500, setup, teardown),
        cmocka_unit_test_setup_teardown(logout_page, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

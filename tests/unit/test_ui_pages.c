/*
 * idp/ui's pages rendered straight from view structs (ui/pages.h), with no
 * protocol state: every page in ja and en, hostile strings in every field
 * escaped, the CSP nonce on every inline style and script and in the
 * header, and a message catalogue with no text missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/messages.h"
#include "ui/pages.h"

/* Hostile: markup, both quotes, an entity; ESCAPED is the one form it may take on a page. */
#define EVIL "<script>alert(1)</script>\"'&"
#define ESCAPED "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"
#define EVIL_URL "https://evil.example/" EVIL

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/*
 * A page as every page must be: HTML in @p lang with its title from the
 * catalogue, a nonce on the style and on every script that the CSP names,
 * and no trace of EVIL but its escaped form.
 */
static void assert_page(const idp_ui_page_t *p, int status, const char *lang, idp_msg_id_t title)
{
    assert_int_equal(p->status, status);
    assert_non_null(p->body);
    assert_non_null(p->csp);
    assert_int_equal(strlen(p->body), p->body_len);
    assert_true(strncmp(p->body, "<!doctype html><html lang=\"", 27) == 0);
    assert_true(strncmp(p->body + 27, lang, strlen(lang)) == 0);
    char want[512];
    snprintf(want, sizeof(want), "<title>%s - SakaI-D</title>",
             title == IDP_MSG_COUNT ? "SakaI-D" : idp_msg_get(title, lang));
    assert_non_null(strstr(p->body, want));

    const char *n = strstr(p->body, "<style nonce=\"");
    assert_non_null(n);
    char nonce[64];
    assert_int_equal(sscanf(n + 14, "%63[^\"]", nonce), 1);
    assert_true(strlen(nonce) >= 22); /* 128 random bits, base64url */
    snprintf(want, sizeof(want), "style-src 'nonce-%s'; script-src 'nonce-%s';", nonce, nonce);
    assert_non_null(strstr(p->csp, want));
    assert_non_null(strstr(p->csp, "default-src 'none'"));
    assert_non_null(strstr(p->csp, "frame-ancestors 'none'"));
    snprintf(want, sizeof(want), "<script nonce=\"%s\">", nonce);
    assert_int_equal(count(p->body, "<script"), count(p->body, want));
    assert_int_equal(count(p->body, "<style"), 1);

    /* every occurrence of the hostile string is the escaped one */
    assert_int_equal(count(p->body, "alert(1)"), count(p->body, ESCAPED));
    assert_null(strstr(p->csp, "alert"));
    assert_null(strstr(p->csp, "unsafe"));
    assert_null(strstr(p->csp, "bad.example"));
}

static const char *const langs[] = {"ja", "en"};
static const char *const cards[] = {"sakai-taro", EVIL, NULL};
static const idp_ui_upstream_t ups[] = {
    {.id = EVIL, .display_name = EVIL, .issuer = "https://bad.example'unsafe-inline'/"},
    {.id = "line", .display_name = "LINE", .issuer = "https://access.line.me/oauth"},
};
static const idp_ui_field_t fields[] = {{EVIL, EVIL}, {"state", EVIL}};

static void every_page_renders_in_ja_and_en_escaping_every_field(void **state)
{
    (void)state;
    for (size_t li = 0; li < 2; li++) {
        const char *l = langs[li];
        idp_ui_page_t p;

        idp_ui_error_view_t ev = {.lang = l, .status = 400, .error = EVIL, .description = EVIL};
        assert_int_equal(idp_ui_render_error(&ev, &p), IDP_OK);
        assert_page(&p, 400, l, IDP_MSG_ERROR_TITLE);
        assert_non_null(strstr(p.body, idp_msg_get(IDP_MSG_ERROR_HEADING, l)));
        assert_int_equal(count(p.body, ESCAPED), 2);
        idp_ui_page_free(&p);

        for (int card = 0; card < 2; card++) {
            idp_ui_reauth_view_t rv = {.lang = l, .card = card};
            assert_int_equal(idp_ui_render_reauth(&rv, &p), IDP_OK);
            assert_page(&p, 403, l, IDP_MSG_REAUTH_TITLE);
            assert_non_null(strstr(p.body, idp_msg_get(card ? IDP_MSG_REAUTH_TEXT_CARD : IDP_MSG_REAUTH_TEXT, l)));
            idp_ui_page_free(&p);
        }

        idp_ui_form_post_view_t fv = {.lang = l, .action = EVIL_URL, .fields = fields, .nfields = 2};
        assert_int_equal(idp_ui_render_form_post(&fv, &p), IDP_OK);
        assert_page(&p, 200, l, IDP_MSG_COUNT);
        assert_int_equal(count(p.body, ESCAPED), 4);
        assert_non_null(strstr(p.csp, "form-action 'self' https://evil.example;"));
        idp_ui_page_free(&p);

        for (int note = IDP_LOGIN_PLAIN; note <= IDP_LOGIN_RENEWAL; note++) {
            idp_ui_login_view_t lv = {.lang = l,
                                      .client_name = EVIL,
                                      .tx = EVIL,
                                      .csrf = EVIL,
                                      .challenge_id = "CH-1_x",
                                      .link = "https://id.example/app?c=" EVIL,
                                      .test_cards = cards,
                                      .upstreams = ups,
                                      .nupstreams = 2,
                                      .note = (idp_login_note_t)note,
                                      .rp_origin = "https://rp.example; script-src *"};
            assert_int_equal(idp_ui_render_login(&lv, &p), IDP_OK);
            assert_page(&p, 200, l, IDP_MSG_LOGIN_TITLE);
            assert_non_null(strstr(p.body, "<svg")); /* the QR code */
            assert_non_null(strstr(p.body, idp_msg_get(IDP_MSG_LOGIN_WITH_UPSTREAM, l)));
            assert_non_null(strstr(p.body, idp_msg_get(IDP_MSG_LOGIN_JS_FAILED, l)));
            /* a source list that would end the directive is left out; the upstream's origin is in */
            assert_null(strstr(p.csp, "script-src *"));
            assert_null(strstr(p.csp, "rp.example"));
            assert_non_null(strstr(p.csp, "form-action 'self' https://access.line.me;"));
            assert_true(count(p.body, ESCAPED) >= 10);
            idp_ui_page_free(&p);
        }

        for (int stage = IDP_NEW_CARD_ASK; stage <= IDP_NEW_CARD_NO_MATCH; stage++) {
            idp_ui_new_card_view_t nv = {.lang = l, .tx = EVIL, .csrf = EVIL, .stage = (idp_new_card_stage_t)stage};
            assert_int_equal(idp_ui_render_new_card(&nv, &p), IDP_OK);
            assert_page(&p, 200, l, IDP_MSG_NEW_CARD_TITLE);
            assert_true(count(p.body, ESCAPED) >= 2);
            idp_ui_page_free(&p);
        }

        const idp_ui_claim_t released[] = {{"sakai_resident", false}, {"name", true}, {EVIL, false}};
        const char *const withheld[] = {"address", EVIL};
        idp_ui_consent_view_t cv = {.lang = l,
                                    .client_name = EVIL,
                                    .logo_uri = EVIL_URL,
                                    .purpose_ja = EVIL,
                                    .purpose_en = EVIL,
                                    .policy_uri = EVIL_URL,
                                    .tx = EVIL,
                                    .csrf = EVIL,
                                    .claims = EVIL,
                                    .released = released,
                                    .nreleased = 3,
                                    .withheld = withheld,
                                    .nwithheld = 2,
                                    .rp_origin = "https://rp.example"};
        assert_int_equal(idp_ui_render_consent(&cv, &p), IDP_OK);
        assert_page(&p, 200, l, IDP_MSG_CONSENT_TITLE);
        assert_non_null(strstr(p.body, idp_msg_claim("sakai_resident", l)));
        assert_non_null(strstr(p.body, idp_msg_get(IDP_MSG_CONSENT_VERIFIED, l)));
        assert_non_null(strstr(p.body, idp_msg_get(IDP_MSG_CONSENT_WITHHELD, l)));
        assert_non_null(strstr(p.body, "<li data-withheld=\"address\">"));
        assert_non_null(strstr(p.csp, "img-src 'self' data: https://evil.example;"));
        assert_non_null(strstr(p.csp, "form-action 'self' https://rp.example;"));
        assert_int_equal(count(p.body, ESCAPED), 11); /* logo, name, purpose, 2 claims x 2, policy, 3 fields */
        idp_ui_page_free(&p);

        const idp_ui_credential_t creds[] = {
            {.card = true, .expires_at = 4102444800LL, .removable = true, .issuer = EVIL, .subject = EVIL},
            {.card = true, .expires_at = 1600000000LL, .expired = true, .issuer = "I", .subject = "S"},
            {.card = false, .name = EVIL, .removable = true, .issuer = EVIL, .subject = EVIL},
        };
        const idp_ui_attr_t attrs[] = {{"name", EVIL}, {"address", EVIL}};
        const char *const claims[] = {"openid", "name", EVIL};
        const idp_ui_consent_row_t consents[] = {{.client_id = EVIL,
                                                  .client_name = EVIL,
                                                  .purpose_ja = EVIL,
                                                  .purpose_en = EVIL,
                                                  .claims = claims,
                                                  .nclaims = 3},
                                                 {.client_id = EVIL}};
        const idp_ui_release_t releases[] = {{.at = 1700000000, .client_id = EVIL, .claims = claims, .nclaims = 3},
                                             {.at = 1700000000, .client_id = "c"}};
        const idp_ui_session_t sessions[] = {{.sid = EVIL, .auth_time = 1700000000, .card = true, .current = true},
                                             {.sid = "S2", .auth_time = 1700000000}};
        const idp_ui_household_t hh = {.school_district = EVIL, .area = EVIL, .nchildren = 1};
        idp_ui_account_view_t av = {.lang = l,
                                    .csrf = EVIL,
                                    .notice = EVIL,
                                    .creds = creds,
                                    .ncreds = 3,
                                    .upstreams = ups,
                                    .nupstreams = 2,
                                    .verified = true,
                                    .verified_at = 1700000000,
                                    .attrs = attrs,
                                    .nattrs = 2,
                                    .household = &hh,
                                    .consents = consents,
                                    .nconsents = 2,
                                    .releases = releases,
                                    .nreleases = 2,
                                    .sessions = sessions,
                                    .nsessions = 2};
        assert_int_equal(idp_ui_render_account(&av, &p), IDP_OK);
        assert_page(&p, 200, l, IDP_MSG_ACCOUNT_TITLE);
        assert_non_null(strstr(p.body, idp_msg_get(IDP_MSG_ACCOUNT_CRED_EXPIRED, l)));
        assert_non_null(strstr(p.body, idp_msg_get(IDP_MSG_ACCOUNT_THIS_DEVICE, l)));
        assert_non_null(strstr(p.body, idp_msg_get(IDP_MSG_ACCOUNT_IDENTIFIER_ONLY, l)));
        assert_non_null(strstr(p.body, idp_msg_claim("openid", l)));
        assert_non_null(strstr(p.body, "data-state=\"expired\""));
        assert_true(count(p.body, ESCAPED) >= 30);
        idp_ui_page_free(&p);

        idp_ui_logout_view_t lo = {.lang = l};
        assert_int_equal(idp_ui_render_logout(&lo, &p), IDP_OK);
        assert_page(&p, 200, l, IDP_MSG_LOGOUT_TITLE);
        assert_non_null(strstr(p.body, idp_msg_get(IDP_MSG_LOGOUT_DONE, l)));
        idp_ui_page_free(&p);
        lo = (idp_ui_logout_view_t){
            .lang = l, .confirm = true, .fields = fields, .nfields = 2, .redirect_uri = "https://rp.example/bye"};
        assert_int_equal(idp_ui_render_logout(&lo, &p), IDP_OK);
        assert_page(&p, 200, l, IDP_MSG_LOGOUT_TITLE);
        assert_non_null(strstr(p.body, idp_msg_get(IDP_MSG_LOGOUT_ASK, l)));
        assert_int_equal(count(p.body, ESCAPED), 3);
        assert_non_null(strstr(p.csp, "form-action 'self' https://rp.example;"));
        idp_ui_page_free(&p);
    }
}

/* The language is an attribute value too. */
static void a_hostile_lang_is_escaped(void **state)
{
    (void)state;
    idp_ui_page_t p;
    idp_ui_error_view_t ev = {.lang = EVIL, .status = 400, .error = "invalid_request"};
    assert_int_equal(idp_ui_render_error(&ev, &p), IDP_OK);
    assert_true(strncmp(p.body, "<!doctype html><html lang=\"" ESCAPED "\">",
                        strlen("<!doctype html><html lang=\"" ESCAPED "\">")) == 0);
    idp_ui_page_free(&p);
}

/* The challenge id goes into the page's script: anything but base64url is refused, never escaped for the wrong context. */
static void a_challenge_id_that_could_leave_the_script_is_refused(void **state)
{
    (void)state;
    idp_ui_page_t p = {.status = 1};
    idp_ui_login_view_t lv = {.lang = "ja",
                              .client_name = "c",
                              .tx = "t",
                              .csrf = "x",
                              .challenge_id = "a\";alert(1);//",
                              .link = "https://id.example/app"};
    assert_int_not_equal(idp_ui_render_login(&lv, &p), IDP_OK);
    assert_null(p.body);
    assert_null(p.csp);
    assert_int_equal(p.status, 0);
    lv.challenge_id = "</script>";
    assert_int_not_equal(idp_ui_render_login(&lv, &p), IDP_OK);
}

/* A NULL where a text is required is a caller's bug: no page with a hole, nothing to free. */
static void a_null_text_renders_no_page(void **state)
{
    (void)state;
    idp_ui_page_t p;
    idp_ui_login_view_t lv = {.lang = "en", .client_name = NULL, .tx = "t", .csrf = "x"};
    assert_int_not_equal(idp_ui_render_login(&lv, &p), IDP_OK);
    assert_null(p.body);
    idp_ui_new_card_view_t nv = {.lang = "en", .tx = NULL, .csrf = "x"};
    assert_int_not_equal(idp_ui_render_new_card(&nv, &p), IDP_OK);
    idp_ui_error_view_t ev = {.lang = "en", .status = 400, .error = NULL};
    assert_int_not_equal(idp_ui_render_error(&ev, &p), IDP_OK);
    idp_ui_field_t f = {"code", NULL};
    idp_ui_form_post_view_t fv = {.lang = "ja", .action = "https://rp.example/cb", .fields = &f, .nfields = 1};
    assert_int_not_equal(idp_ui_render_form_post(&fv, &p), IDP_OK);
    assert_null(p.body);
    idp_ui_page_free(&p);
    idp_ui_page_free(NULL);
}

/* Each page gets a nonce of its own. */
static void each_page_has_a_fresh_nonce(void **state)
{
    (void)state;
    idp_ui_page_t a, b;
    idp_ui_reauth_view_t rv = {.lang = "ja"};
    assert_int_equal(idp_ui_render_reauth(&rv, &a), IDP_OK);
    assert_int_equal(idp_ui_render_reauth(&rv, &b), IDP_OK);
    assert_string_not_equal(a.csp, b.csp);
    idp_ui_page_free(&a);
    idp_ui_page_free(&b);
}

/* The catalogue: every id has a key, a Japanese and an English text; keys are unique and find their ids. */
static void no_message_lacks_ja_or_en(void **state)
{
    (void)state;
    const char *fallback_ja = idp_msg_get(IDP_MSG_CARD_MALFORMED, "ja");
    for (int i = 0; i < IDP_MSG_COUNT; i++) {
        const char *key = idp_msg_key((idp_msg_id_t)i);
        if (key == NULL)
            fail_msg("message id %d has no entry", i);
        const char *ja = idp_msg_get((idp_msg_id_t)i, "ja"), *en = idp_msg_get((idp_msg_id_t)i, "en");
        if (ja == NULL || en == NULL || !ja[0] || !en[0])
            fail_msg("%s lacks a text", key);
        if (i != IDP_MSG_CARD_MALFORMED && ja == fallback_ja)
            fail_msg("%s falls back", key);
        assert_ptr_equal(idp_msg(key, "ja"), ja);
        assert_ptr_equal(idp_msg(key, "en"), en);
        assert_ptr_equal(idp_msg(key, NULL), ja); /* Japanese by default */
        for (int j = 0; j < i; j++)
            if (!strcmp(key, idp_msg_key((idp_msg_id_t)j)))
                fail_msg("key %s twice", key);
    }
    assert_null(idp_msg_key(IDP_MSG_COUNT));
    assert_ptr_equal(idp_msg_get(IDP_MSG_COUNT, "en"), idp_msg_get(IDP_MSG_CARD_MALFORMED, "en"));
    assert_ptr_equal(idp_msg("card.no_such_reason", "en"), idp_msg_get(IDP_MSG_CARD_MALFORMED, "en"));
    /* the texts that go into the login page's script cannot end its string or the script */
    for (size_t li = 0; li < 2; li++)
        for (idp_msg_id_t id = IDP_MSG_LOGIN_JS_FAILED; id <= IDP_MSG_LOGIN_JS_EXPIRED; id++)
            assert_null(strpbrk(idp_msg_get(id, langs[li]), "\"\\<\n"));
}

/* Every claim SakaI-D releases has its label in both languages; an unknown one has none. */
static void every_claim_has_a_label(void **state)
{
    (void)state;
    static const char *const claims[] = {"name",           "birthdate",  "gender", "address",
                                         "sakai_resident", "sakai_ward", "openid", "offline_access"};
    for (size_t i = 0; i < sizeof(claims) / sizeof(claims[0]); i++)
        for (size_t li = 0; li < 2; li++)
            assert_non_null(idp_msg_claim(claims[i], langs[li]));
    assert_string_equal(idp_msg_claim("sakai_resident", "en"), "Whether you live in Sakai City");
    assert_null(idp_msg_claim("no_such_claim", "ja"));
    assert_null(idp_msg_claim(NULL, "ja"));
    char long_name[200];
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    assert_null(idp_msg_claim(long_name, "ja"));
}

/* Issue #18 items 1 and 2: the app page and the help page, in both languages, with and without a way back. */
static void the_app_pages_name_the_app_the_stores_and_the_way_back(void **state)
{
    (void)state;
    const idp_ui_links_t links = {.ios_store_url = EVIL_URL,
                                  .android_store_url = "https://play.example/store?id=a&b",
                                  .help_url = "/help/card",
                                  .digital_auth_app_url = EVIL_URL};
    const idp_ui_links_t none = {0};
    for (size_t li = 0; li < 2; li++) {
        const char *l = langs[li];
        idp_ui_page_t p;
        idp_ui_app_page_view_t av = {.lang = l, .back_url = "/login?tx=" EVIL, .links = links};
        assert_int_equal(idp_ui_render_card_app(&av, &p), IDP_OK);
        assert_page(&p, 200, l, IDP_MSG_APP_TITLE);
        assert_non_null(strstr(p.body, idp_msg_get(IDP_MSG_APP_HEADING, l)));
        assert_non_null(strstr(p.body, "id=\"store-ios\" href=\"https://evil.example/" ESCAPED "\""));
        assert_non_null(strstr(p.body, "id=\"store-android\" href=\"https://play.example/store?id=a&amp;b\""));
        assert_non_null(strstr(p.body, "id=\"back\" href=\"/login?tx=" ESCAPED "\""));
        assert_non_null(strstr(p.body, "href=\"/help/card\""));
        assert_null(strstr(p.body, "id=\"no-store\""));
        assert_null(strstr(p.body, "id=\"no-login\""));
        idp_ui_page_free(&p);

        /* No store configured, no sign-in named: said so, never a dead button. */
        idp_ui_app_page_view_t bare = {.lang = l, .links = none};
        assert_int_equal(idp_ui_render_card_app(&bare, &p), IDP_OK);
        assert_page(&p, 200, l, IDP_MSG_APP_TITLE);
        assert_non_null(strstr(p.body, idp_msg_get(IDP_MSG_LOGIN_NO_STORE, l)));
        assert_non_null(strstr(p.body, idp_msg_get(IDP_MSG_APP_NO_LOGIN, l)));
        assert_null(strstr(p.body, "class=\"button"));
        idp_ui_page_free(&p);

        idp_ui_app_page_view_t hv = {.lang = l, .back_url = "/login?tx=abc", .links = links};
        assert_int_equal(idp_ui_render_help(&hv, &p), IDP_OK);
        assert_page(&p, 200, l, IDP_MSG_HELP_TITLE);
        assert_non_null(strstr(p.body, idp_msg_get(IDP_MSG_HELP_PIN_A, l)));
        assert_non_null(strstr(p.body, "id=\"back\" href=\"/login?tx=abc\""));
        idp_ui_page_free(&p);
        /* the app channel's link offer: two answers carrying the sealed offer, the channel named */
        idp_ui_app_link_view_t ov = {.lang = l, .tx = EVIL, .csrf = EVIL, .offer = EVIL, .upstream_name = EVIL};
        assert_int_equal(idp_ui_render_app_link(&ov, &p), IDP_OK);
        assert_page(&p, 200, l, IDP_MSG_APP_LINK_TITLE);
        assert_int_equal(count(p.body, "action=\"/login/card/app-link\""), 2);
        assert_non_null(strstr(p.body, "data-answer=\"link\""));
        assert_non_null(strstr(p.body, "data-answer=\"new\""));
        assert_non_null(strstr(p.body, idp_msg_get(IDP_MSG_APP_LINK_YES, l)));
        assert_int_equal(count(p.body, ESCAPED), 7); /* the name, and tx, csrf, offer in each form */
        idp_ui_page_free(&p);
        idp_ui_app_page_view_t hn = {.lang = l, .links = none};
        assert_int_equal(idp_ui_render_help(&hn, &p), IDP_OK);
        assert_non_null(strstr(p.body, idp_msg_get(IDP_MSG_HELP_BACK_NOTE, l)));
        idp_ui_page_free(&p);
    }
}

/* Issue #18 item 2: numbered steps above the QR code, the PIN lock, help; item 6: the refusal's place. */
static void the_login_page_numbers_the_steps_above_the_qr_code(void **state)
{
    (void)state;
    const idp_ui_upstream_t daa[] = {
        {.id = "daa", .display_name = "DAA", .issuer = "https://daa.example", .card_channel = true}};
    for (size_t li = 0; li < 2; li++) {
        const char *l = langs[li];
        for (int note = IDP_LOGIN_PLAIN; note <= IDP_LOGIN_RENEWAL; note++) {
            idp_ui_login_view_t lv = {.lang = l,
                                      .client_name = "RP",
                                      .tx = "TX1",
                                      .csrf = "C",
                                      .challenge_id = "CH",
                                      .link = "https://id.example/login/card/app?c=1",
                                      .upstreams = daa,
                                      .nupstreams = 1,
                                      .note = (idp_login_note_t)note,
                                      .links = {.ios_store_url = "https://apps.example/i",
                                                .help_url = "/help/card?tx=TX1",
                                                .digital_auth_app_url = "https://da.example/app"}};
            idp_ui_page_t p;
            assert_int_equal(idp_ui_render_login(&lv, &p), IDP_OK);
            const char *steps = strstr(p.body, "<ol class=\"steps\" id=\"card-steps\"");
            const char *qr = strstr(p.body, "<div class=\"qr\">");
            assert_non_null(steps);
            assert_non_null(qr);
            assert_true(steps < qr);
            const idp_msg_id_t order[] = {IDP_MSG_LOGIN_STEP_INSTALL, IDP_MSG_LOGIN_STEP_SCAN,
                                          note == IDP_LOGIN_SIGN_STEP || note == IDP_LOGIN_RENEWAL
                                              ? IDP_MSG_LOGIN_STEP_PIN_BOTH
                                              : IDP_MSG_LOGIN_STEP_PIN,
                                          IDP_MSG_LOGIN_STEP_HOLD};
            const char *at = steps;
            for (size_t i = 0; i < 4; i++) {
                const char *next = strstr(at, idp_msg_get(order[i], l));
                assert_non_null(next);
                assert_true(next < qr);
                at = next;
            }
            assert_non_null(strstr(p.body, "id=\"store-ios\" href=\"https://apps.example/i\""));
            assert_null(strstr(p.body, "store-android"));
            assert_non_null(strstr(p.body, idp_msg_get(IDP_MSG_LOGIN_PIN_LOCK, l)));
            assert_non_null(strstr(p.body, "id=\"help-link\" href=\"/help/card?tx=TX1\""));
            assert_non_null(strstr(p.body, "id=\"card-alert\" role=\"alert\" hidden"));
            assert_non_null(strstr(p.body, "id=\"try-again\" href=\"/login?tx=TX1\""));
            /* the poll asks for the refusal's message in the page's language (item 5) */
            char want[128];
            snprintf(want, sizeof(want), "&ui_locales=%s',", l);
            assert_non_null(strstr(p.body, want));
            snprintf(want, sizeof(want), "failed:\"%s\"", idp_msg_get(IDP_MSG_LOGIN_JS_FAILED, l));
            assert_non_null(strstr(p.body, want));
            /* the Digital Agency's app: named, where to get it, the same PIN */
            const char *app = strstr(p.body, "id=\"card-app-steps\"");
            assert_non_null(app);
            assert_non_null(strstr(app, idp_msg_get(IDP_MSG_LOGIN_DAA_STEP_INSTALL, l)));
            assert_non_null(strstr(app, "href=\"https://da.example/app\""));
            assert_non_null(strstr(app, idp_msg_get(IDP_MSG_LOGIN_STEP_PIN, l)));
            idp_ui_page_free(&p);
        }
    }
}

/* Issue #18 item 4: the account page shows decoded values, and the history names the service. */
static void the_account_page_shows_values_in_words(void **state)
{
    (void)state;
    static const struct {
        const char *iso, *ja, *en;
    } dates[] = {
        {"2001-03-15", "2001年3月15日（平成13年）", "2001-03-15 (Heisei 13)"},
        {"1989-01-07", "1989年1月7日（昭和64年）", "1989-01-07 (Showa 64)"},
        {"1989-01-08", "1989年1月8日（平成元年）", "1989-01-08 (Heisei 1)"},
        {"2019-05-01", "2019年5月1日（令和元年）", "2019-05-01 (Reiwa 1)"},
        {"1926-12-25", "1926年12月25日（昭和元年）", "1926-12-25 (Showa 1)"},
        {"1850-01-01", "1850-01-01", "1850-01-01"},
        {"not-a-date", "not-a-date", "not-a-date"},
    };
    const char *const claims[] = {"name"};
    for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
        for (size_t li = 0; li < 2; li++) {
            const idp_ui_attr_t attrs[] = {{"birthdate", dates[i].iso}, {"gender", li ? "male" : "female"}};
            const idp_ui_release_t releases[] = {
                {.at = 1700000000, .client_id = "c-1", .client_name = "堺市ポータル", .claims = claims, .nclaims = 1},
                {.at = 1700000000, .client_id = "gone-client"}};
            idp_ui_account_view_t av = {.lang = langs[li],
                                        .csrf = "C",
                                        .verified = true,
                                        .verified_at = 1700000000,
                                        .attrs = attrs,
                                        .nattrs = 2,
                                        .releases = releases,
                                        .nreleases = 2};
            idp_ui_page_t p;
            assert_int_equal(idp_ui_render_account(&av, &p), IDP_OK);
            char want[256];
            snprintf(want, sizeof(want), "<dd data-claim=\"birthdate\">%s</dd>", li ? dates[i].en : dates[i].ja);
            if (strstr(p.body, want) == NULL)
                fail_msg("%s: no %s", dates[i].iso, want);
            snprintf(want, sizeof(want), "<dd data-claim=\"gender\">%s</dd>",
                     idp_msg_get(li ? IDP_MSG_GENDER_MALE : IDP_MSG_GENDER_FEMALE, langs[li]));
            assert_non_null(strstr(p.body, want));
            assert_null(strstr(p.body, li ? ">male<" : ">female<"));
            /* the history: the service's name; a client that is gone, its id */
            assert_non_null(strstr(p.body, "<strong>堺市ポータル</strong>"));
            assert_null(strstr(p.body, "c-1"));
            assert_non_null(strstr(p.body, "<strong>gone-client</strong>"));
            idp_ui_page_free(&p);
        }
    }
}

/* Issue #18 item 3: a city client's identifier is the one city services share; only pairwise ones are "this
 * service's own". */
static void the_identifier_says_whether_it_is_shared(void **state)
{
    (void)state;
    const idp_ui_claim_t released[] = {{"openid", false}, {"name", true}};
    for (size_t li = 0; li < 2; li++) {
        for (int pub = 0; pub < 2; pub++) {
            idp_ui_consent_view_t cv = {.lang = langs[li],
                                        .client_name = "RP",
                                        .tx = "T",
                                        .csrf = "C",
                                        .claims = "openid name",
                                        .released = released,
                                        .nreleased = 2,
                                        .public_subject = pub};
            idp_ui_page_t p;
            assert_int_equal(idp_ui_render_consent(&cv, &p), IDP_OK);
            const char *shared = idp_msg_get(IDP_MSG_CLAIM_OPENID_PUBLIC, langs[li]);
            const char *own = idp_msg_claim("openid", langs[li]);
            assert_true((strstr(p.body, shared) != NULL) == pub);
            assert_true((strstr(p.body, own) != NULL) == !pub);
            idp_ui_page_free(&p);
        }
    }
    assert_non_null(strstr(idp_msg_get(IDP_MSG_CLAIM_OPENID_PUBLIC, "ja"), "堺市のサービスで共通の番号"));
    assert_non_null(strstr(idp_msg_claim("openid", "ja"), "このサービス専用"));
}

/* Issue #18 item 5: one page per situation, a plain title, what to do, one button, the code at the bottom. */
static void each_error_situation_has_its_title_and_one_way_out(void **state)
{
    (void)state;
    static const struct {
        idp_error_situation_t s;
        idp_msg_id_t heading;
        const char *to;
    } cases[] = {{IDP_ERROR_SIGN_IN, IDP_MSG_ERROR_HEADING, "/account"},
                 {IDP_ERROR_ACCOUNT, IDP_MSG_ERROR_ACCOUNT_HEADING, "/account"},
                 {IDP_ERROR_HOUSEHOLD, IDP_MSG_ERROR_HOUSEHOLD_HEADING, "/account"},
                 {IDP_ERROR_LOGOUT, IDP_MSG_ERROR_LOGOUT_HEADING, "/account"},
                 {IDP_ERROR_UNAVAILABLE, IDP_MSG_ERROR_UNAVAILABLE_HEADING, "/account"}};
    for (size_t li = 0; li < 2; li++) {
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            for (int with_back = 0; with_back < 2; with_back++) {
                idp_ui_error_view_t ev = {.lang = langs[li],
                                          .status = 400,
                                          .error = "invalid_request",
                                          .description = idp_msg_get(IDP_MSG_ERROR_HOUSEHOLD_TEXT, langs[li]),
                                          .for_resident = true,
                                          .situation = cases[i].s,
                                          .back_url = with_back ? "https://rp.example/" : NULL};
                idp_ui_page_t p;
                assert_int_equal(idp_ui_render_error(&ev, &p), IDP_OK);
                assert_page(&p, 400, langs[li], IDP_MSG_ERROR_TITLE);
                char want[512];
                snprintf(want, sizeof(want), "<h2>%s</h2>", idp_msg_get(cases[i].heading, langs[li]));
                assert_non_null(strstr(p.body, want));
                assert_int_equal(count(p.body, "class=\"button "), 1); /* one way out */
                bool to_service = with_back && cases[i].s != IDP_ERROR_ACCOUNT && cases[i].s != IDP_ERROR_HOUSEHOLD;
                snprintf(want, sizeof(want), "id=\"error-action\" href=\"%s\"",
                         to_service ? "https://rp.example/" : cases[i].to);
                assert_non_null(strstr(p.body, want));
                /* what happened, then the code for the help desk at the bottom */
                const char *what = strstr(p.body, "<p id=\"what\">"), *code = strstr(p.body, "id=\"error-code\"");
                assert_non_null(what);
                assert_non_null(code);
                assert_true(what < code);
                assert_non_null(strstr(code, "<code>invalid_request</code>"));
                idp_ui_page_free(&p);
            }
        }
    }
    /* the household form's error is not titled as a sign-in's */
    assert_string_not_equal(idp_msg_get(IDP_MSG_ERROR_HOUSEHOLD_HEADING, "ja"),
                            idp_msg_get(IDP_MSG_ERROR_HEADING, "ja"));
}

/* Issue #18 item 7: the household form in the DADS pattern, in both languages. */
static void the_household_form_follows_the_dads_pattern(void **state)
{
    (void)state;
    for (size_t li = 0; li < 2; li++) {
        idp_ui_household_t hh = {.school_district = "", .area = "x", .area_error = IDP_UI_HH_BAD_CHAR, .refused = true};
        for (size_t i = 0; i < IDP_UI_CHILDREN_MAX; i++) {
            snprintf(hh.children[i].year, sizeof(hh.children[i].year), "20%02zu", i);
            snprintf(hh.children[i].month, sizeof(hh.children[i].month), "%zu", i + 1);
        }
        hh.nchildren = 2;
        hh.children[1].month_error = IDP_UI_HH_MONTH;
        idp_ui_account_view_t av = {.lang = langs[li], .csrf = "C", .household = &hh};
        idp_ui_page_t p;
        assert_int_equal(idp_ui_render_account(&av, &p), IDP_OK);
        assert_page(&p, 400, langs[li], IDP_MSG_ACCOUNT_TITLE);
        /* the summary first, linked to the fields; each error by its field, tied to the input */
        const char *summary = strstr(p.body, "id=\"household-errors\" role=\"alert\"");
        const char *form = strstr(p.body, "action=\"/account/household\"");
        assert_non_null(summary);
        assert_true(summary < form);
        assert_non_null(strstr(summary, "<a href=\"#area\">"));
        assert_non_null(strstr(summary, "<a href=\"#child_month_2\">"));
        assert_null(strstr(summary, "<a href=\"#school_district\">"));
        assert_null(strstr(summary, "<a href=\"#child_year_2\">"));
        assert_non_null(strstr(p.body, "<p class=\"field-error\" id=\"child_month_2-error\">"));
        assert_non_null(strstr(p.body, "aria-invalid=\"true\" aria-describedby=\"child_month_2-error\" value=\"2\""));
        assert_non_null(strstr(p.body, "aria-describedby=\"area-hint area-error\""));
        /* labels above the fields, the support text saying why */
        const char *label = strstr(p.body, "<label for=\"school_district\">");
        const char *hint = strstr(p.body, "id=\"school_district-hint\">");
        assert_non_null(label);
        assert_true(label < hint && hint < strstr(p.body, "<input id=\"school_district\""));
        assert_non_null(strstr(hint, idp_msg_get(IDP_MSG_HH_DISTRICT_HINT, langs[li])));
        assert_non_null(strstr(p.body, idp_msg_get(IDP_MSG_HH_CHILDREN_HINT, langs[li])));
        assert_non_null(strstr(p.body, "id=\"add-child\""));
        assert_int_equal(count(p.body, "name=\"remove_child\""), 2);
        /* Enter saves: the first submit button of the form is a save */
        const char *first = strstr(form, "<button");
        assert_non_null(first);
        const char *save = "<button type=\"submit\" class=\"vh\"";
        assert_true(strncmp(first, save, strlen(save)) == 0);
        idp_ui_page_free(&p);
        /* ten children: no more rows */
        hh = (idp_ui_household_t){.school_district = "", .area = "", .nchildren = IDP_UI_CHILDREN_MAX};
        assert_int_equal(idp_ui_render_account(&av, &p), IDP_OK);
        assert_page(&p, 200, langs[li], IDP_MSG_ACCOUNT_TITLE);
        assert_null(strstr(p.body, "id=\"add-child\""));
        assert_non_null(strstr(p.body, idp_msg_get(IDP_MSG_HH_CHILDREN_FULL, langs[li])));
        assert_null(strstr(p.body, "household-errors"));
        idp_ui_page_free(&p);
    }
}

/* Issue #18 item 8: every page has the header (the name, legible; the city; the account; the language switch)
 * and the footer with the configured links only. */
static void every_page_has_the_header_and_the_footer(void **state)
{
    (void)state;
    const idp_ui_site_t site = {.help_url = "/help/card", .privacy_url = "https://www.city.example/privacy"};
    assert_int_equal(idp_ui_site_set(&site), IDP_OK);
    for (size_t li = 0; li < 2; li++) {
        idp_ui_error_view_t ev = {.lang = langs[li], .status = 400, .error = "invalid_request"};
        idp_ui_page_t p;
        assert_int_equal(idp_ui_render_error(&ev, &p), IDP_OK);
        const char *h = strstr(p.body, "<header class=\"site\">"), *m = strstr(p.body, "<main>"),
                   *f = strstr(p.body, "<footer class=\"site\">");
        assert_non_null(h);
        assert_non_null(m);
        assert_non_null(f);
        assert_true(h < m && m < f);
        assert_non_null(strstr(h, "Saka<span class=\"i\">I</span>-D"));
        assert_non_null(strstr(h, idp_msg_get(IDP_MSG_SITE_CITY, langs[li])));
        assert_non_null(strstr(h, "id=\"site-account\" href=\"/account\""));
        assert_non_null(
            strstr(h, li ? "id=\"site-lang\" href=\"/lang?to=ja\"" : "id=\"site-lang\" href=\"/lang?to=en\""));
        assert_non_null(strstr(f, "id=\"site-help\" href=\"/help/card\""));
        assert_non_null(strstr(f, "id=\"site-privacy\" href=\"https://www.city.example/privacy\""));
        assert_null(strstr(f, "site-contact"));
        assert_null(strstr(f, "site-terms"));
        idp_ui_page_free(&p);
    }
    assert_int_equal(idp_ui_site_set(NULL), IDP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_page_renders_in_ja_and_en_escaping_every_field),
        cmocka_unit_test(the_app_pages_name_the_app_the_stores_and_the_way_back),
        cmocka_unit_test(the_login_page_numbers_the_steps_above_the_qr_code),
        cmocka_unit_test(the_account_page_shows_values_in_words),
        cmocka_unit_test(the_identifier_says_whether_it_is_shared),
        cmocka_unit_test(each_error_situation_has_its_title_and_one_way_out),
        cmocka_unit_test(the_household_form_follows_the_dads_pattern),
        cmocka_unit_test(every_page_has_the_header_and_the_footer),
        cmocka_unit_test(a_hostile_lang_is_escaped),
        cmocka_unit_test(a_challenge_id_that_could_leave_the_script_is_refused),
        cmocka_unit_test(a_null_text_renders_no_page),
        cmocka_unit_test(each_page_has_a_fresh_nonce),
        cmocka_unit_test(no_message_lacks_ja_or_en),
        cmocka_unit_test(every_claim_has_a_label),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * What a phone needs around the card app (oauth/app_site.c, issue #18 items
 * 1 and 8) and the answers to a card channel's link offer that never reach a
 * binding (oauth/social.c, issue #17 §1), on the memory store: the app-link
 * files from the configuration, the app page with and without a live
 * sign-in, the help page, the language switch, and refused offers.
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
#include "oauth/internal.h"
#include "oauth_fixture.h"

#define BROWSER "app-site-test-browser-cookie-0123456789"

typedef fixture_answer_t answer_t;

/* One request; @p cookie and @p referer may be NULL. The answer's body is malloc'ed (answer_free). */
static answer_t go(fixture_t *f, idp_endpoint_id_t ep, const char *form, const char *cookie, const char *referer)
{
    return fixture_page(f, ep, form, false, cookie, referer, "192.0.2.9");
}

static void answer_free(answer_t *a)
{
    fixture_answer_free(a);
}

/* Replaces the configuration string at @p field with @p value (the configuration frees it). */
static void set(char **field, const char *value)
{
    free(*field);
    *field = value ? strdup(value) : NULL;
}

/* A login transaction of this browser for the fixture's client, and a challenge of it; ids into @p tx, @p ch. */
static void sign_in_begun(fixture_t *f, char tx[64], char ch[64], const char *request)
{
    idp_store_login_tx_t t;
    memset(&t, 0, sizeof(t));
    snprintf(t.id, sizeof(t.id), "tx-app-site-%ld", (long)time(NULL));
    snprintf(t.client_id, sizeof(t.client_id), CLIENT);
    snprintf(t.redirect_uri, sizeof(t.redirect_uri), REDIRECT);
    snprintf(t.oidc_nonce, sizeof(t.oidc_nonce), "n");
    snprintf(t.request, sizeof(t.request), "%s", request);
    snprintf(t.csrf, sizeof(t.csrf), "csrf-app-site");
    idp_sha256(BROWSER, strlen(BROWSER), t.browser_hash);
    assert_int_equal(idp_store_login_tx_create(f->store, &t, 600), IDP_OK);
    idp_store_card_challenge_t c;
    memset(&c, 0, sizeof(c));
    snprintf(c.id, sizeof(c.id), "ch-app-site");
    snprintf(c.login_tx, sizeof(c.login_tx), "%s", t.id);
    snprintf(c.purpose, sizeof(c.purpose), "auth");
    assert_int_equal(idp_store_card_challenge_create(f->store, &c, 120, 10), IDP_OK);
    snprintf(tx, 64, "%s", t.id);
    snprintf(ch, 64, "%s", c.id);
}

static void app_link_files_come_from_the_configuration(void **state)
{
    fixture_t *f = *state;
    answer_t a = go(f, IDP_EP_APPLE_APP_SITE, "", NULL, NULL);
    assert_int_equal(a.status, 404); /* nothing configured: we claim no app */
    answer_free(&a);
    a = go(f, IDP_EP_ASSETLINKS, "", NULL, NULL);
    assert_int_equal(a.status, 404);
    answer_free(&a);

    set(&f->cfg->app_ios_app_ids, "ABCDE12345.jp.sakai.id,ZYXWV98765.jp.sakai.beta");
    set(&f->cfg->app_android_package, "jp.sakai.id");
    set(&f->cfg->app_android_cert_sha256, "AA:BB,CC:DD");
    a = go(f, IDP_EP_APPLE_APP_SITE, "", NULL, NULL);
    assert_int_equal(a.status, 200);
    json_t *j = json_loads(a.body, 0, NULL);
    json_t *d = json_array_get(json_object_get(json_object_get(j, "applinks"), "details"), 0);
    assert_int_equal(json_array_size(json_object_get(d, "appIDs")), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(d, "appIDs"), 1)), "ZYXWV98765.jp.sakai.beta");
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(d, "components"), 0), "/")),
                        "/login/card/app");
    json_decref(j);
    answer_free(&a);
    a = go(f, IDP_EP_ASSETLINKS, "", NULL, NULL);
    assert_int_equal(a.status, 200);
    j = json_loads(a.body, 0, NULL);
    json_t *target = json_object_get(json_array_get(j, 0), "target");
    assert_string_equal(json_string_value(json_object_get(target, "package_name")), "jp.sakai.id");
    assert_int_equal(json_array_size(json_object_get(target, "sha256_cert_fingerprints")), 2);
    json_decref(j);
    answer_free(&a);
}

static void the_app_page_leads_back_only_to_a_live_sign_in(void **state)
{
    fixture_t *f = *state;
    char tx[64], ch[64], form[256], want[256];
    sign_in_begun(f, tx, ch, "ui_locales=ja");
    snprintf(form, sizeof(form), "challenge_id=%s", ch);
    answer_t a = go(f, IDP_EP_CARD_APP, form, NULL, NULL);
    assert_int_equal(a.status, 200);
    assert_string_equal(a.content_type, "text/html; charset=utf-8");
    assert_non_null(strstr(a.body, "<html lang=\"ja\"")); /* the login's ui_locales, not the phone's English */
    snprintf(want, sizeof(want), "id=\"back\" href=\"/login?tx=%s\"", tx);
    assert_non_null(strstr(a.body, want));
    answer_free(&a);
    /* unknown, duplicated, missing: the page, in the request's language, without a way back */
    const char *const forms[] = {"challenge_id=nope", "challenge_id=a&challenge_id=b", ""};
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        a = go(f, IDP_EP_CARD_APP, forms[i], NULL, NULL);
        assert_int_equal(a.status, 200);
        assert_non_null(strstr(a.body, "<html lang=\"en\""));
        assert_null(strstr(a.body, "id=\"back\""));
        assert_non_null(strstr(a.body, "id=\"no-login\""));
        answer_free(&a);
    }
    /* the help page: back to a well-formed sign-in id only */
    snprintf(form, sizeof(form), "tx=%s", tx);
    a = go(f, IDP_EP_HELP_CARD, form, NULL, NULL);
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body, want));
    answer_free(&a);
    a = go(f, IDP_EP_HELP_CARD, "tx=%22%3E%3Cx", NULL, NULL);
    assert_null(strstr(a.body, "id=\"back\""));
    answer_free(&a);
}

static void the_language_switch_keeps_the_choice_and_goes_back_home_only(void **state)
{
    fixture_t *f = *state;
    char ours[512];
    snprintf(ours, sizeof(ours), "%s/login?tx=abc", f->cfg->issuer);
    answer_t a = go(f, IDP_EP_LANG, "to=en", NULL, ours);
    assert_int_equal(a.status, 303);
    assert_string_equal(a.location, ours);
    assert_non_null(strstr(a.set_cookie[0], IDP_LANG_COOKIE "=en; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax"));
    answer_free(&a);
    char lookalike[512], loop[512];
    snprintf(lookalike, sizeof(lookalike), "%s.evil.example/x", f->cfg->issuer);
    snprintf(loop, sizeof(loop), "%s/lang?to=ja", f->cfg->issuer);
    const char *const elsewhere[] = {"https://evil.example/", lookalike, loop, NULL};
    for (size_t i = 0; i < sizeof(elsewhere) / sizeof(elsewhere[0]); i++) {
        a = go(f, IDP_EP_LANG, "to=ja", NULL, elsewhere[i]);
        assert_int_equal(a.status, 303);
        assert_string_equal(a.location, "/account");
        answer_free(&a);
    }
    a = go(f, IDP_EP_LANG, "to=fr", NULL, ours);
    assert_int_equal(a.status, 400);
    assert_string_equal(a.set_cookie[0], "");
    answer_free(&a);
}

static void a_link_offer_is_refused_unless_it_is_this_sign_ins(void **state)
{
    fixture_t *f = *state;
    char tx[64], ch[64], form[512];
    sign_in_begun(f, tx, ch, "");
    answer_t a = go(f, IDP_EP_CARD_APP_LINK, "tx=x", NULL, NULL);
    assert_int_equal(a.status, 400); /* offer and answer are required */
    answer_free(&a);
    a = go(f, IDP_EP_CARD_APP_LINK, "tx=nope&offer=x&answer=link", "sakaid_login=" BROWSER, NULL);
    assert_int_equal(a.status, 400); /* no such sign-in */
    answer_free(&a);
    snprintf(form, sizeof(form), "tx=%s&csrf=csrf-app-site&offer=AAAA&answer=link", tx);
    a = go(f, IDP_EP_CARD_APP_LINK, form, "sakaid_login=another-browser", NULL);
    assert_int_equal(a.status, 403); /* another browser */
    answer_free(&a);
    snprintf(form, sizeof(form), "tx=%s&csrf=stale&offer=AAAA&answer=link", tx);
    a = go(f, IDP_EP_CARD_APP_LINK, form, "sakaid_login=" BROWSER, NULL);
    assert_int_equal(a.status, 403); /* a stale form */
    answer_free(&a);
    snprintf(form, sizeof(form), "tx=%s&csrf=csrf-app-site&offer=AAAA&answer=link", tx);
    a = go(f, IDP_EP_CARD_APP_LINK, form, "sakaid_login=" BROWSER, NULL);
    assert_int_equal(a.status, 400); /* an offer that does not open (no KEK here, or not sealed by us) */
    answer_free(&a);
    snprintf(form, sizeof(form), "tx=%s&csrf=csrf-app-site&offer=AAAA&answer=maybe", tx);
    a = go(f, IDP_EP_CARD_APP_LINK, form, "sakaid_login=" BROWSER, NULL);
    assert_int_equal(a.status, 400);
    answer_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(app_link_files_come_from_the_configuration, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(the_app_page_leads_back_only_to_a_live_sign_in, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(the_language_switch_keeps_the_choice_and_goes_back_home_only, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(a_link_offer_is_refused_unless_it_is_this_sign_ins, fixture_setup,
                                        fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Protocol rules of the code flow without HTTP or SQL (idp/oauth/rules.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "client_fixture.h"
#include "oauth/rules.h"

#define CARD "urn:sakai-d:acr:card"
#define SOCIAL "urn:sakai-d:acr:social"

static void lang_follows_ui_locales(void **state)
{
    (void)state;
    assert_string_equal(idp_rules_lang(NULL, NULL), "ja");
    assert_string_equal(idp_rules_lang("", "ja"), "ja");
    assert_string_equal(idp_rules_lang("en", "ja"), "en");
    assert_string_equal(idp_rules_lang("fr-CA en-US ja", "ja"), "en");
    assert_string_equal(idp_rules_lang("ja-JP en", "en"), "ja");
    assert_string_equal(idp_rules_lang("eng", "ja"), "ja"); /* not a tag for English */
    assert_string_equal(idp_rules_lang("de", "ja"), "ja");
    /* Without ja or en in ui_locales, the request's Accept-Language decides (issue #18 item 5). */
    assert_string_equal(idp_rules_lang(NULL, "en"), "en");
    assert_string_equal(idp_rules_lang("de fr", "en"), "en");
    assert_string_equal(idp_rules_lang("ja", "en"), "ja");
    /* Accept-Language (RFC 9110 §12.5.4), in the order given; q=0 refuses */
    assert_string_equal(idp_rules_accept_lang(NULL), "ja");
    assert_string_equal(idp_rules_accept_lang("en-US,en;q=0.9"), "en");
    assert_string_equal(idp_rules_accept_lang("fr-FR, en;q=0.8, ja;q=0.5"), "en");
    assert_string_equal(idp_rules_accept_lang("ja-JP,en;q=0.5"), "ja");
    assert_string_equal(idp_rules_accept_lang("en;q=0, ja"), "ja");
    assert_string_equal(idp_rules_accept_lang("eng, de"), "ja");
    assert_string_equal(idp_rules_accept_lang("EN-gb"), "en");
}

static bool card(const char *meta, const char *claims, const char *acr_values, bool *unmet)
{
    const idp_client_t *m = test_client("c", meta);
    json_t *c = claims ? json_loads(claims, 0, NULL) : NULL;
    bool r = idp_rules_card_needed(m, c, acr_values, unmet);
    idp_client_unref(m);
    json_decref(c);
    return r;
}

static void card_needed_rules(void **state)
{
    (void)state;
    bool unmet;
    assert_false(card("{}", NULL, NULL, &unmet));
    assert_false(unmet);
    assert_true(card("{\"card_required\":true}", NULL, SOCIAL, &unmet));
    assert_true(card("{}", NULL, CARD, &unmet));
    assert_false(card("{}", NULL, SOCIAL " " CARD, &unmet));
    assert_true(card("{\"default_acr_values\":[\"" CARD "\"]}", NULL, NULL, &unmet));
    assert_false(card("{\"default_acr_values\":[\"" CARD "\"]}", NULL, SOCIAL, &unmet)); /* the request decides */
    assert_true(card("{}", "{\"id_token\":{\"acr\":{\"essential\":true,\"value\":\"" CARD "\"}}}", NULL, &unmet));
    assert_false(unmet);
    assert_true(card("{}", "{\"id_token\":{\"acr\":{\"essential\":true,\"values\":[\"" CARD "\"]}}}", SOCIAL, &unmet));
    assert_false(card("{}", "{\"id_token\":{\"acr\":{\"essential\":true,\"values\":[\"" CARD "\",\"" SOCIAL "\"]}}}",
                      NULL, &unmet));
    /* voluntary acr claims do not force anything */
    assert_false(card("{}", "{\"id_token\":{\"acr\":{\"value\":\"" CARD "\"}}}", NULL, &unmet));
    /* an essential acr we do not offer: unmet, never a lower acr */
    assert_true(card("{}", "{\"id_token\":{\"acr\":{\"essential\":true,\"values\":[\"urn:x\"]}}}", NULL, &unmet));
    assert_true(unmet);
}

static void claims_for(const char *meta, const char *scope, const char *claims_param, bool card, bool attrs,
                       const char *want_claims, const char *want_scope)
{
    const idp_client_t *m = test_client("c", meta);
    json_t *c = claims_param ? json_loads(claims_param, 0, NULL) : NULL;
    idp_buf_t cl, sc;
    idp_buf_init(&cl, 4096);
    idp_buf_init(&sc, 4096);
    idp_rules_claims(m, scope, c, card, attrs, &cl, &sc);
    idp_client_unref(m);
    assert_string_equal(idp_buf_cstr(&cl), want_claims);
    assert_string_equal(idp_buf_cstr(&sc), want_scope);
    idp_buf_free(&cl);
    idp_buf_free(&sc);
    json_decref(c);
}

/* In a card session. */
static void claims(const char *meta, const char *scope, const char *claims_param, const char *want_claims,
                   const char *want_scope)
{
    claims_for(meta, scope, claims_param, true, true, want_claims, want_scope);
}

static void claims_from_scopes_and_claims_parameter(void **state)
{
    (void)state;
    const char *city = "{\"tier\":\"city\",\"scope\":\"openid profile address residency\"}";
    const char *partner = "{\"tier\":\"partner\",\"scope\":\"openid profile residency\"}";
    /* the sign-in itself is always consented to (issue #14), even for scope openid alone */
    claims(city, "openid", NULL, "openid", "openid");
    claims(city, "openid profile residency", NULL, "openid name sakai_resident sakai_ward", "openid profile residency");
    /* unregistered (birthdate) and unknown (foo) scopes are ignored */
    claims(city, "openid birthdate foo address", NULL, "openid address", "openid address");
    /* partners never get the ward, even by the claims parameter */
    claims(partner, "openid residency", "{\"userinfo\":{\"sakai_ward\":null}}", "openid sakai_resident",
           "openid residency");
    claims(city, "openid",
           "{\"userinfo\":{\"sakai_ward\":null,\"email\":null},\"id_token\":{\"name\":{\"essential\":true}}}",
           "openid sakai_ward name", "openid");
    claims(city, "openid", "{\"userinfo\":{\"verified_claims\":{\"claims\":{\"address\":null,\"x\":null}}}}",
           "openid address", "openid");
    /* the claims parameter cannot reach past the registered scope */
    claims(city, "openid", "{\"userinfo\":{\"birthdate\":null,\"gender\":null}}", "openid", "openid");
    /* repeated words appear once */
    claims(city, "openid profile profile", "{\"userinfo\":{\"name\":null}}", "openid name", "openid profile");
}

/* A social session never carries card-verified attributes (issue #14): not by scope, not by the claims parameter. */
static void social_sessions_get_no_verified_claims(void **state)
{
    (void)state;
    const char *city = "{\"tier\":\"city\",\"scope\":\"openid profile address residency\"}";
    claims_for(city, "openid profile address residency", NULL, false, true, "openid sakai_resident sakai_ward",
               "openid residency");
    claims_for(city, "openid",
               "{\"userinfo\":{\"verified_claims\":{\"claims\":{\"address\":null}}},\"id_token\":{\"name\":null}}",
               false, true, "openid", "openid");
    /* issue #15 item 9: nothing made of the signing certificate's attributes before they were read, card or not */
    claims_for(city, "openid profile address residency", "{\"userinfo\":{\"sakai_ward\":null}}", true, false, "openid",
               "openid");
}

/* OpenID Connect Core §11: offline_access for a client registered for it and for refresh tokens; never by "claims". */
static void offline_access_rules(void **state)
{
    (void)state;
    const char *refresh =
        "{\"scope\":\"openid offline_access\",\"grant_types\":[\"authorization_code\",\"refresh_token\"]}";
    const char *no_refresh = "{\"scope\":\"openid offline_access\",\"grant_types\":[\"authorization_code\"]}";
    const char *unregistered = "{\"scope\":\"openid\",\"grant_types\":[\"authorization_code\",\"refresh_token\"]}";
    claims(refresh, "openid offline_access", NULL, "openid offline_access", "openid offline_access");
    claims(no_refresh, "openid offline_access", NULL, "openid", "openid");
    claims(unregistered, "openid offline_access", NULL, "openid", "openid");
    claims(refresh, "openid", "{\"userinfo\":{\"offline_access\":null,\"openid\":null}}", "openid", "openid");
}

static void id_token_claims(const char *meta, const char *claims_param, const char *want)
{
    const idp_client_t *m = test_client("c", meta);
    json_t *c = claims_param ? json_loads(claims_param, 0, NULL) : NULL;
    idp_buf_t b;
    idp_buf_init(&b, 4096);
    idp_rules_id_token_claims(m, c, &b);
    assert_string_equal(idp_buf_cstr(&b), want);
    idp_buf_free(&b);
    idp_client_unref(m);
    json_decref(c);
}

/* OpenID Connect Core §5.5: only the id_token member, under the same rules as the consented claims. */
static void id_token_member_of_the_claims_parameter(void **state)
{
    (void)state;
    const char *city = "{\"tier\":\"city\",\"scope\":\"openid profile address residency\"}";
    const char *partner = "{\"tier\":\"partner\",\"scope\":\"openid profile residency\"}";
    id_token_claims(city, NULL, "");
    id_token_claims(city, "{\"userinfo\":{\"name\":null}}", "");
    id_token_claims(city,
                    "{\"userinfo\":{\"name\":null},\"id_token\":{\"sakai_ward\":null,\"acr\":{\"essential\":true}}}",
                    "sakai_ward");
    id_token_claims(city, "{\"id_token\":{\"verified_claims\":{\"claims\":{\"address\":null,\"birthdate\":null}}}}",
                    "address");
    id_token_claims(partner, "{\"id_token\":{\"sakai_ward\":null,\"sakai_resident\":null,\"name\":null}}",
                    "sakai_resident name");
}

/* issue #15 item 11: EYYYYMMDD (era digit, then the Gregorian date) to YYYY-MM-DD; gender codes to female/male. */
static void jpki_attributes_as_oidc_claims(void **state)
{
    (void)state;
    char out[11];
    assert_true(idp_rules_birthdate("419900102", out));
    assert_string_equal(out, "1990-01-02");
    assert_true(idp_rules_birthdate("420010315", out));
    assert_string_equal(out, "2001-03-15");
    assert_true(idp_rules_birthdate("320000229", out)); /* a leap day */
    assert_string_equal(out, "2000-02-29");
    assert_true(idp_rules_birthdate("020200101", out)); /* era unknown: the date is still the date */
    const char *bad[] = {"19900102",  "4199001020", "619900102", "419901302", "419900230",
                         "419000229", "418670101",  "4199a0102", "",          "4 1990010"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (idp_rules_birthdate(bad[i], out))
            fail_msg("accepted %s", bad[i]);
    assert_false(idp_rules_birthdate(NULL, out));
    assert_string_equal(idp_rules_gender("1"), "male");
    assert_string_equal(idp_rules_gender("2"), "female");
    assert_null(idp_rules_gender("3"));
    assert_null(idp_rules_gender("female"));
    assert_null(idp_rules_gender(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lang_follows_ui_locales),
        cmocka_unit_test(card_needed_rules),
        cmocka_unit_test(claims_from_scopes_and_claims_parameter),
        cmocka_unit_test(social_sessions_get_no_verified_claims),
        cmocka_unit_test(offline_access_rules),
        cmocka_unit_test(jpki_attributes_as_oidc_claims),
        cmocka_unit_test(id_token_member_of_the_claims_parameter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

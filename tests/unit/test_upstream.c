/*
 * Upstream providers by kind and a card channel's attributes
 * (idp/oauth/upstream.c, issue #17): no HTTP, no SQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oauth/internal.h"

static idp_store_upstream_t upstream(const char *id, const char *kind)
{
    idp_store_upstream_t u;
    memset(&u, 0, sizeof(u));
    snprintf(u.id, sizeof(u.id), "%s", id);
    snprintf(u.kind, sizeof(u.kind), "%s", kind);
    u.issuer = strdup("https://op.example");
    return u;
}

static void kinds_and_the_card_channels_of_a_list(void **state)
{
    (void)state;
    idp_store_upstream_t *ups = calloc(4, sizeof(*ups));
    ups[0] = upstream("line", "social");
    ups[1] = upstream("daa", "digital-auth-app");
    ups[2] = upstream("google", "social");
    ups[3] = upstream("daa2", "digital-auth-app");
    assert_false(idp_upstream_is_card_channel(&ups[0]));
    assert_true(idp_upstream_is_card_channel(&ups[1]));
    /* the card-only login page keeps the card channels, in order; the others are cleared */
    size_t n = idp_upstreams_card_channels(ups, 4);
    assert_int_equal(n, 2);
    assert_string_equal(ups[0].id, "daa");
    assert_string_equal(ups[1].id, "daa2");
    assert_null(ups[2].issuer);
    idp_store_upstreams_free(ups, n);
}

static void which_scopes_ask_for_the_basic_attributes(void **state)
{
    (void)state;
    assert_true(idp_upstream_wants_attrs("openid name address birthdate gender"));
    assert_true(idp_upstream_wants_attrs("openid gender"));
    assert_false(idp_upstream_wants_attrs("openid sign"));
    assert_false(idp_upstream_wants_attrs("openid names")); /* whole words only */
    assert_false(idp_upstream_wants_attrs(NULL));
}

static void birth_dates_in_every_form_a_card_channel_may_send(void **state)
{
    (void)state;
    char out[11];
    assert_true(idp_upstream_birthdate("1990-01-02", out));
    assert_string_equal(out, "1990-01-02");
    assert_true(idp_upstream_birthdate("19900102", out));
    assert_string_equal(out, "1990-01-02");
    assert_true(idp_upstream_birthdate("419900102", out)); /* the certificate's own: 平成, then the date */
    assert_string_equal(out, "1990-01-02");
    assert_true(idp_upstream_birthdate("2020-02-29", out)); /* a leap day */
    const char *bad[] = {"2021-02-29", "1990-13-01", "1990-1-02", "1990/01/02", "4199001021",
                         "41990010",   "",           "x",         "1990-01-0x", NULL};
    for (const char **b = bad; *b; b++)
        if (idp_upstream_birthdate(*b, out))
            fail_msg("accepted %s", *b);
}

static void genders_as_words_or_the_certificates_code(void **state)
{
    (void)state;
    const char *g = "x";
    assert_true(idp_upstream_gender("male", &g));
    assert_string_equal(g, "male");
    assert_true(idp_upstream_gender("2", &g));
    assert_string_equal(g, "female");
    assert_true(idp_upstream_gender("3", &g)); /* the certificate's "not stated": none */
    assert_null(g);
    assert_true(idp_upstream_gender(NULL, &g));
    assert_null(g);
    assert_false(idp_upstream_gender("other", &g));
    assert_false(idp_upstream_gender("9", &g));
}

static void userinfo_claims_decode_into_verified_attributes(void **state)
{
    (void)state;
    idp_upstream_attrs_t x;
    json_t *c = json_pack("{s:s, s:{s:s}, s:s, s:s}", "name", "Sakai Taro", "address", "formatted",
                          "\xe5\xa4\xa7\xe9\x98\xaa\xe5\xba\x9c\xe5\xa0\xba\xe5\xb8\x82\xe5\x8c\x97\xe5\x8c\xba"
                          "1-1", /* not text: an address in 大阪府堺市北区 */
                          "birthdate", "419900102", "gender", "1");
    assert_int_equal(idp_upstream_attrs_decode("daa", c, &x), IDP_OK);
    assert_true(x.have);
    assert_string_equal(x.a.birth_date, "1990-01-02");
    assert_string_equal(x.a.birth_date_raw, "419900102");
    assert_string_equal(x.a.gender, "male");
    assert_string_equal(x.a.gender_raw, "1");
    assert_true(x.a.sakai_resident);
    assert_non_null(x.a.sakai_ward);
    /* the same four as a resident's: the same; another name: not */
    idp_store_resident_attrs_t have = {
        .name = "Sakai Taro", .birth_date = "1990-01-02", .gender = "male", .address = (char *)x.a.address};
    assert_true(idp_upstream_attrs_same(&have, &x));
    have.name = "Sakai Hanako";
    assert_false(idp_upstream_attrs_same(&have, &x));
    have.name = "Sakai Taro";
    have.gender = NULL;
    assert_false(idp_upstream_attrs_same(&have, &x));
    json_decref(c);

    /* not all returned (not asked for): nothing is verified */
    c = json_pack("{s:s, s:s}", "sub", "s", "name", "Sakai Taro");
    assert_int_equal(idp_upstream_attrs_decode("daa", c, &x), IDP_OK);
    assert_false(x.have);
    json_decref(c);
    /* returned but not decodable: refused */
    c = json_pack("{s:s, s:s, s:s}", "name", "A", "address", "Osaka", "birthdate", "1990-02-30");
    assert_int_equal(idp_upstream_attrs_decode("daa", c, &x), IDP_E_INVALID_GRANT);
    json_decref(c);
    c = json_pack("{s:s, s:s, s:s, s:s}", "name", "A", "address", "Osaka", "birthdate", "1990-01-02", "gender", "x");
    assert_int_equal(idp_upstream_attrs_decode("daa", c, &x), IDP_E_INVALID_GRANT);
    json_decref(c);
    /* outside Sakai: not a resident of the city */
    c = json_pack("{s:s, s:s, s:s}", "name", "A", "address", "Osaka", "birthdate", "1990-01-02");
    assert_int_equal(idp_upstream_attrs_decode("daa", c, &x), IDP_OK);
    assert_true(x.have);
    assert_false(x.a.sakai_resident);
    assert_null(x.a.gender);
    json_decref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kinds_and_the_card_channels_of_a_list),
        cmocka_unit_test(which_scopes_ask_for_the_basic_attributes),
        cmocka_unit_test(birth_dates_in_every_form_a_card_channel_may_send),
        cmocka_unit_test(genders_as_words_or_the_certificates_code),
        cmocka_unit_test(userinfo_claims_decode_into_verified_attributes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

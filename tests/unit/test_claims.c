/*
 * oauth/claims.c and oauth/subject.c without a server: which attributes
 * become released claims (product.md §5; OpenID Connect for Identity
 * Assurance 1.0 §5) and which `sub` each client sees (OpenID Connect Core §8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "client_fixture.h"
#include "oauth/internal.h"

static idp_store_resident_attrs_t attrs(void)
{
    idp_store_resident_attrs_t a = {.name = (char *)"堺 太郎",
                                    .birth_date = (char *)"1990-01-02",
                                    .gender = (char *)"male",
                                    .address = (char *)"大阪府堺市堺区南瓦町３番１号",
                                    .sakai_resident = true,
                                    .sakai_ward = (char *)"堺区",
                                    .verified_at = 1700000000};
    return a;
}

static void a_card_grant_gets_verified_claims_with_evidence(void **state)
{
    (void)state;
    idp_store_resident_attrs_t a = attrs();
    json_t *out = json_object();
    char released[256] = "";
    idp_claims_add(out, &a, "name birthdate address sakai_ward", ACR_CARD, released, sizeof(released));
    json_t *vc = json_object_get(out, "verified_claims");
    assert_non_null(vc);
    assert_string_equal(json_string_value(json_object_get(json_object_get(vc, "claims"), "name")), "堺 太郎");
    assert_string_equal(json_string_value(json_object_get(json_object_get(vc, "claims"), "birthdate")), "1990-01-02");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_object_get(vc, "claims"), "address"), "formatted")),
        "大阪府堺市堺区南瓦町３番１号");
    assert_null(json_object_get(json_object_get(vc, "claims"), "gender")); /* not asked for */
    json_t *v = json_object_get(vc, "verification");
    assert_string_equal(json_string_value(json_object_get(v, "trust_framework")), "jp_jpki");
    assert_string_equal(json_string_value(json_object_get(v, "time")), "2023-11-14T22:13:20Z");
    assert_string_equal(json_string_value(json_object_get(out, "sakai_ward")), "堺区");
    assert_null(json_object_get(out, "sakai_resident")); /* not asked for */
    assert_string_equal(released, "name birthdate address sakai_ward");
    json_decref(out);
}

/* Card-verified attributes never reach a grant signed in otherwise (product.md §5, issue #14). */
static void a_social_grant_gets_none(void **state)
{
    (void)state;
    idp_store_resident_attrs_t a = attrs();
    json_t *out = json_object();
    char released[256] = "";
    idp_claims_add(out, &a, "name birthdate gender address", ACR_SOCIAL, released, sizeof(released));
    assert_null(json_object_get(out, "verified_claims"));
    assert_int_equal(json_object_size(out), 0);
    assert_string_equal(released, "");
    idp_claims_add(out, &a, "name", NULL, released, sizeof(released));
    assert_int_equal(json_object_size(out), 0);
    json_decref(out);
}

static void nothing_asked_nothing_released(void **state)
{
    (void)state;
    idp_store_resident_attrs_t a = attrs();
    json_t *out = json_object();
    char released[64] = "";
    idp_claims_add(out, &a, "openid", ACR_CARD, released, sizeof(released));
    assert_int_equal(json_object_size(out), 0);
    assert_string_equal(released, "");
    json_decref(out);
}

/* §8.1: partners in one sector share a sub; another sector, or a city client, sees another. */
static void subjects(void **state)
{
    (void)state;
    idp_oauth_t o;
    memset(&o, 0, sizeof(o));
    memset(o.subject_key, 7, sizeof(o.subject_key));
    const idp_client_t *a1 = test_client("a1", "{\"redirect_uris\":[\"https://a.example/cb\"]}");
    const idp_client_t *a2 = test_client("a2", "{\"redirect_uris\":[\"https://a.example/other\"]}");
    const idp_client_t *b = test_client("b", "{\"redirect_uris\":[\"https://b.example/cb\"]}");
    const idp_client_t *city1 = test_client(
        "c1", "{\"tier\":\"city\",\"subject_type\":\"public\",\"redirect_uris\":[\"https://c1.example/cb\"]}");
    const idp_client_t *city2 = test_client(
        "c2", "{\"tier\":\"city\",\"subject_type\":\"public\",\"redirect_uris\":[\"https://c2.example/cb\"]}");
    char s1[64], s2[64], s3[64], s4[64], s5[64], other[64];
    idp_subject(&o, a1, "resident-1", s1);
    idp_subject(&o, a2, "resident-1", s2);
    idp_subject(&o, b, "resident-1", s3);
    idp_subject(&o, city1, "resident-1", s4);
    idp_subject(&o, city2, "resident-1", s5);
    idp_subject(&o, a1, "resident-2", other);
    assert_int_equal(strlen(s1), 43);
    assert_string_equal(s1, s2);
    assert_string_not_equal(s1, s3);
    assert_string_equal(s4, s5);
    assert_string_not_equal(s4, s1);
    assert_string_not_equal(s1, other);
    memset(o.subject_key, 8, sizeof(o.subject_key)); /* another key: other subjects */
    idp_subject(&o, a1, "resident-1", s2);
    assert_string_not_equal(s1, s2);
    idp_client_unref(a1);
    idp_client_unref(a2);
    idp_client_unref(b);
    idp_client_unref(city1);
    idp_client_unref(city2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_card_grant_gets_verified_claims_with_evidence),
        cmocka_unit_test(a_social_grant_gets_none),
        cmocka_unit_test(nothing_asked_nothing_released),
        cmocka_unit_test(subjects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

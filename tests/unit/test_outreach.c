/*
 * Outreach (issue #22; oauth/outreach.c, oauth/outreach_lang.c) on the memory store: the criteria language,
 * ages in months, the resident's switches and their ledger rows, and the planner's counts, refusals and sends,
 * and the portal's pages. integ_outreach runs the same over HTTP on PostgreSQL.
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

#include <openssl/evp.h>

#include "client/client_meta.h"
#include "core/rand.h"
#include "oauth/internal.h"
#include "oauth/outreach.h"
#include "oauth_fixture.h"

#define COOKIE "outreach-test-cookie-value-0123456789abcdef"

static void parses(const char *category, const char *text, const char *canonical)
{
    idp_outreach_query_t q;
    char err[160] = "";
    const idp_outreach_category_t *c = idp_outreach_category(category);
    assert_non_null(c);
    assert_int_equal(idp_outreach_parse(text, c->allowed, &q, err, sizeof(err)), IDP_OK);
    idp_buf_t b;
    idp_buf_init(&b, 4096);
    idp_outreach_canonical(&q, &b);
    assert_string_equal(idp_buf_cstr(&b), canonical);
    /* the canonical text parses to the same text */
    idp_outreach_query_t again;
    assert_int_equal(idp_outreach_parse(idp_buf_cstr(&b), c->allowed, &again, err, sizeof(err)), IDP_OK);
    idp_buf_t b2;
    idp_buf_init(&b2, 4096);
    idp_outreach_canonical(&again, &b2);
    assert_string_equal(idp_buf_cstr(&b2), canonical);
    idp_buf_free(&b);
    idp_buf_free(&b2);
}

static void refused(const char *category, const char *text)
{
    idp_outreach_query_t q;
    char err[160] = "";
    const idp_outreach_category_t *c = idp_outreach_category(category);
    if (idp_outreach_parse(text, c->allowed, &q, err, sizeof(err)) != IDP_E_INVALID_REQUEST)
        fail_msg("accepted: %s", text);
    assert_true(err[0] != '\0');
}

static void the_language(void **state)
{
    (void)state;
    parses("childrearing", "gender = male and child_age = 3 and ward = minami",
           "gender = male and ward = \"\xe5\x8d\x97\xe5\x8c\xba\" and child_age = 3");
    parses("health", "  age in 40..64 and gender=female ", "age in 40..64 and gender = female");
    parses("health", "", "");
    parses("energy", "ward in (kita, \"\xe5\xa0\xba\xe5\x8c\xba\") and resident = yes",
           "ward in (\"\xe5\x8c\x97\xe5\x8c\xba\", \"\xe5\xa0\xba\xe5\x8c\xba\") and resident = yes");
    parses("childrearing", "school_district = \"a \\\"b\\\" c\"", "school_district = \"a \\\"b\\\" c\"");
    refused("health", "child_age = 3");             /* the category does not use it */
    refused("energy", "age = 30");                  /* nor this one */
    refused("health", "age = 3 and age = 4");       /* twice */
    refused("health", "ward = atlantis");           /* no such ward */
    refused("health", "age in 9..3");               /* empty */
    refused("health", "age = 121");                 /* out of range */
    refused("health", "age = 00001");               /* too many digits */
    refused("health", "gender = other");            /* male or female */
    refused("health", "age = 3 and");               /* a clause is missing */
    refused("health", "age = 3 or gender = male");  /* and only */
    refused("health", "gender = male; DROP TABLE"); /* not the language */
    refused("childrearing", "school_district = \"open");
    refused("childrearing", "school_district in (a, b, c, d, e, f, g, h, i)"); /* nine */
    refused("childrearing", "school_district in (a, a)");                      /* twice */
    refused("childrearing", "school_district in ()");
    refused("childrearing", "school_district = \"\"");
    refused("health", "ward = \xff\xfe"); /* not UTF-8 */
    char big[2100];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    refused("health", big);
    assert_null(idp_outreach_category("marketing"));
}

static void ages_in_months(void **state)
{
    (void)state;
    idp_outreach_query_t q;
    char err[160];
    assert_int_equal(idp_outreach_parse("child_age = 3", IDP_OUTREACH_CHILD_AGE, &q, err, sizeof(err)), IDP_OK);
    idp_store_outreach_criteria_t c;
    int now = 2026 * 12 + 11; /* December 2026 */
    idp_outreach_criteria(&q, 2, now, &c);
    /* aged 3 in December 2026: born January 2023 to December 2023 */
    assert_int_equal(c.child_from, 2023 * 12 + 0);
    assert_int_equal(c.child_to, 2023 * 12 + 11);
    assert_int_equal(c.category_bit, 2);
    assert_int_equal(c.sakai_resident, -1);
    assert_int_equal(idp_outreach_month_of("2023-12-31"), 2023 * 12 + 11);
    assert_int_equal(idp_outreach_month_of("2023-13"), 0);
    assert_int_equal(idp_outreach_month_of("abcd-01"), 0);
    assert_int_equal(idp_outreach_month(1796601600LL), 2026 * 12 + 11); /* 2026-12-07 in Japan */
    idp_store_outreach_profile_t p = {.nchildren = 1, .children = {2023 * 12 + 5}};
    assert_true(idp_store_outreach_match(&c, 2, &p));
    assert_false(idp_store_outreach_match(&c, 1, &p)); /* not opted in to this category */
    p.children[0] = 2022 * 12 + 11;
    assert_false(idp_store_outreach_match(&c, 2, &p));
}

/* A client_credentials client with @p scope and @p tier, and a token for it in @p token ("Bearer ..."). */
static void client_token(fixture_t *f, const char *id, const char *scope, const char *tier, char token[2048])
{
    char secret[32] = "s3cret-for-the-outreach-tests", meta[320], pair[128], auth[256];
    snprintf(meta, sizeof(meta),
             "{\"client_name\":\"%s\",\"grant_types\":[\"client_credentials\"],\"scope\":\"%s\",\"tier\":\"%s\","
             "\"token_endpoint_auth_method\":\"client_secret_basic\"}",
             id, scope, tier);
    json_t *in = json_loads(meta, 0, NULL), *out = NULL;
    char err[256];
    assert_int_equal(idp_client_meta_validate(in, &out, err, sizeof(err)), IDP_OK);
    char *text = json_dumps(out, JSON_COMPACT);
    idp_store_client_t c = {.client_id = (char *)id, .metadata = text, .has_secret = true};
    idp_sha256(secret, strlen(secret), c.secret_hash);
    assert_int_equal(idp_store_client_insert(f->store, &c), IDP_OK);
    free(text);
    json_decref(in);
    json_decref(out);
    snprintf(pair, sizeof(pair), "%s:%s", id, secret);
    memcpy(auth, "Basic ", 6);
    EVP_EncodeBlock((unsigned char *)auth + 6, (const unsigned char *)pair, (int)strlen(pair));
    char form[160];
    snprintf(form, sizeof(form), "grant_type=client_credentials&scope=%s", scope);
    idp_oauth_resp_t resp;
    json_t *j = fixture_call(f, IDP_EP_TOKEN, form, auth, &resp);
    assert_int_equal(resp.status, 200);
    snprintf(token, 2048, "Bearer %s", fixture_str(j, "access_token"));
    json_decref(j);
}

static json_t *api(fixture_t *f, idp_endpoint_id_t ep, const char *method, const char *param, const char *body,
                   const char *token, int *status)
{
    idp_oauth_resp_t resp;
    json_t *j = fixture_json(f, ep, method, param, body, token, &resp);
    *status = resp.status;
    return j;
}

static idp_kek_t kek; /* seals the portal's cursors */

static int setup(void **state)
{
    if (fixture_setup(state) != 0)
        return -1;
    fixture_t *f = *state;
    memset(kek.key, 7, sizeof(kek.key));
    f->o->kek = &kek;
    unsigned char h[32];
    idp_sha256(COOKIE, strlen(COOKIE), h);
    idp_store_session_t sess;
    assert_int_equal(idp_store_session_login(f->store, NULL, h, "sid-outreach", f->resident, ACR_CARD, "sc pin",
                                             "card:x", (long long)time(NULL), 3600, &sess),
                     IDP_OK);
    return 0;
}

static fixture_answer_t page(fixture_t *f, idp_endpoint_id_t ep, const char *form, bool post)
{
    return fixture_page(f, ep, form, post, "sakaid_session=" COOKIE, NULL, "192.0.2.9");
}

static size_t ledger_rows(fixture_t *f, const char *resident, const char *action, const char *purpose)
{
    idp_store_ledger_row_t *rows = NULL;
    size_t n = 0, k = 0;
    assert_int_equal(idp_store_ledger_rows(f->store, resident, &rows, &n), IDP_OK);
    for (size_t i = 0; i < n; i++)
        k += !strcmp(rows[i].action, action) && !strcmp(rows[i].purpose, purpose);
    idp_store_ledger_rows_free(rows, n);
    return k;
}

static void the_resident_decides(void **state)
{
    fixture_t *f = *state;
    idp_store_session_t s;
    unsigned char h[32];
    idp_sha256(COOKIE, strlen(COOKIE), h);
    assert_int_equal(idp_store_session_get(f->store, h, &s), IDP_OK);
    char csrf[64], form[256];
    idp_account_csrf(f->o, &s, csrf);
    /* all off by default, each with its purpose and switch */
    fixture_answer_t a = page(f, IDP_EP_ACCOUNT, "", false);
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body, "data-category=\"health\" data-on=\"false\""));
    assert_non_null(strstr(a.body, "data-category=\"disaster\" data-on=\"false\""));
    assert_null(strstr(a.body, "data-on=\"true\""));
    fixture_answer_free(&a);
    /* a forged form changes nothing */
    a = page(f, IDP_EP_ACCOUNT_OUTREACH, "csrf=forged&category=health&on=1", true);
    assert_int_equal(a.status, 403);
    fixture_answer_free(&a);
    unsigned bits = 99;
    assert_int_equal(idp_store_outreach_optins(f->store, f->resident, &bits), IDP_OK);
    assert_int_equal(bits, 0);
    snprintf(form, sizeof(form), "csrf=%s&category=marketing&on=1", csrf);
    a = page(f, IDP_EP_ACCOUNT_OUTREACH, form, true);
    assert_int_equal(a.status, 400);
    fixture_answer_free(&a);
    /* on: a ledger row; on again: none */
    snprintf(form, sizeof(form), "csrf=%s&category=health&on=1", csrf);
    a = page(f, IDP_EP_ACCOUNT_OUTREACH, form, true);
    assert_int_equal(a.status, 303);
    assert_string_equal(a.location, "/account?outreach=on#outreach");
    fixture_answer_free(&a);
    a = page(f, IDP_EP_ACCOUNT_OUTREACH, form, true);
    fixture_answer_free(&a);
    assert_int_equal(idp_store_outreach_optins(f->store, f->resident, &bits), IDP_OK);
    assert_int_equal(bits, 1);
    assert_int_equal(ledger_rows(f, f->resident, "grant", "outreach:health"), 1);
    a = page(f, IDP_EP_ACCOUNT, "outreach=on", false);
    assert_non_null(strstr(a.body, "data-category=\"health\" data-on=\"true\""));
    assert_non_null(strstr(a.body, "id=\"notice\""));
    fixture_answer_free(&a);
    /* off: a revoke row, and the profile is gone with the last category */
    snprintf(form, sizeof(form), "csrf=%s&category=health&on=0", csrf);
    a = page(f, IDP_EP_ACCOUNT_OUTREACH, form, true);
    assert_string_equal(a.location, "/account?outreach=off#outreach");
    fixture_answer_free(&a);
    assert_int_equal(idp_store_outreach_optins(f->store, f->resident, &bits), IDP_OK);
    assert_int_equal(bits, 0);
    assert_int_equal(ledger_rows(f, f->resident, "revoke", "outreach:health"), 1);
}

/* N residents opted in to "health", men in Minami but the first not a Sakai resident; the rest women in Kita. */
static void population(fixture_t *f, int n)
{
    for (int i = 0; i < n; i++) {
        char id[64], serial[64], got[64];
        snprintf(id, sizeof(id), "pop-%03d", i);
        snprintf(serial, sizeof(serial), "pop-serial-%03d", i);
        idp_store_card_cert_t cert = {
            .purpose = "auth", .issuer_key_id = "ee", .serial = serial, .not_after = 4102444800LL};
        idp_sha256(serial, strlen(serial), cert.sha256);
        bool created, changed;
        assert_int_equal(idp_store_card_resident(f->store, &cert, id, got, &created), IDP_OK);
        idp_store_outreach_profile_t p = {.birth_month = 1980 * 12 + i % 12, .gender = i < 15 ? 1 : 2};
        snprintf(p.ward, sizeof(p.ward), "%s", i < 15 ? "\xe5\x8d\x97\xe5\x8c\xba" : "\xe5\x8c\x97\xe5\x8c\xba");
        p.sakai_resident = i != 0;
        assert_int_equal(idp_store_outreach_optin_set(f->store, id, 1, "health", true, &p, "age", &changed), IDP_OK);
    }
}

static void planners_and_the_portal(void **state)
{
    fixture_t *f = *state;
    char planner[2048], viewer[2048], portal[2048], partner[2048];
    int st;
    population(f, 25);
    client_token(f, "planner-1", "admin:outreach-planner", "city", planner);
    client_token(f, "viewer-1", "admin:viewer", "city", viewer);
    client_token(f, "portal-1", "outreach", "city", portal);
    client_token(f, "partner-1", "outreach", "partner", partner);
    /* another role may not */
    json_t *j = api(f, IDP_EP_ADMIN_OUTREACH_SEGMENTS, "GET", NULL, NULL, viewer, &st);
    assert_int_equal(st, 403);
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_OUTREACH_CATEGORIES, "GET", NULL, NULL, planner, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_array_size(json_object_get(j, "categories")), idp_outreach_ncategories);
    json_decref(j);
    /* 15 men in Minami: shown rounded, sendable */
    j = api(f, IDP_EP_ADMIN_OUTREACH_SEGMENTS, "POST", NULL,
            "{\"category\":\"health\",\"name\":\"men in Minami\",\"criteria\":\"gender = male and ward = minami\"}",
            planner, &st);
    assert_int_equal(st, 201);
    assert_string_equal(fixture_str(j, "count"), "20");
    assert_true(json_is_true(json_object_get(j, "sendable")));
    char seg[64];
    snprintf(seg, sizeof(seg), "%s", fixture_str(j, "id"));
    json_decref(j);
    /* bad criteria: 400 and nothing stored */
    j = api(f, IDP_EP_ADMIN_OUTREACH_SEGMENTS, "POST", NULL,
            "{\"category\":\"health\",\"name\":\"x\",\"criteria\":\"child_age = 3\"}", planner, &st);
    assert_int_equal(st, 400);
    char *problem = json_dumps(j, 0); /* the planner reads what is wrong and where */
    assert_non_null(strstr(problem, "at 0: this category does not use child_age"));
    free(problem);
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_OUTREACH_SEGMENTS, "POST", NULL,
            "{\"category\":\"health\",\"name\":\"x\",\"criteria\":\"gender = male\",\"extra\":1}", planner, &st);
    assert_int_equal(st, 400);
    json_decref(j);
    /* differencing: the same men but the one not living in Sakai, one resident apart */
    j = api(f, IDP_EP_ADMIN_OUTREACH_SEGMENTS, "POST", NULL,
            "{\"category\":\"health\",\"name\":\"men in Minami living in Sakai\","
            "\"criteria\":\"gender = male and ward = minami and resident = yes\"}",
            planner, &st);
    assert_int_equal(st, 409);
    json_decref(j);
    /* under k: "<10", and it cannot be sent */
    j = api(f, IDP_EP_ADMIN_OUTREACH_SEGMENTS, "POST", NULL,
            "{\"category\":\"health\",\"name\":\"Sakai ward\",\"criteria\":\"ward = sakai\"}", planner, &st);
    assert_int_equal(st, 201);
    assert_string_equal(fixture_str(j, "count"), "<10");
    assert_false(json_is_true(json_object_get(j, "sendable")));
    char small[64];
    snprintf(small, sizeof(small), "%s", fixture_str(j, "id"));
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_OUTREACH_SEND, "POST", small, NULL, planner, &st);
    assert_int_equal(st, 409);
    json_decref(j);
    /* the send: a campaign of 15 */
    j = api(f, IDP_EP_ADMIN_OUTREACH_SEND, "POST", seg, NULL, planner, &st);
    assert_int_equal(st, 201);
    assert_string_equal(fixture_str(j, "members"), "20");
    char camp[64];
    snprintf(camp, sizeof(camp), "%s", fixture_str(j, "id"));
    json_decref(j);
    /* a partner: no member lists, and none of the city's campaigns */
    j = api(f, IDP_EP_OUTREACH_MEMBERS, "GET", camp, NULL, partner, &st);
    assert_int_equal(st, 403);
    json_decref(j);
    j = api(f, IDP_EP_OUTREACH_CAMPAIGNS, "GET", NULL, NULL, partner, &st);
    assert_int_equal(st, 200);
    assert_int_equal(json_array_size(json_object_get(j, "campaigns")), 0);
    json_decref(j);
    /* a planner's token is not the portal's */
    j = api(f, IDP_EP_OUTREACH_MEMBERS, "GET", camp, NULL, planner, &st);
    assert_int_equal(st, 403);
    json_decref(j);
    /* the portal pages through: 10, then 5, each its own subject identifier once */
    idp_oauth_resp_t resp;
    char query[512], subs[15][64];
    size_t nsubs = 0;
    snprintf(query, sizeof(query), "limit=10");
    for (int pg = 0; pg < 3; pg++) {
        j = fixture_json_query(f, IDP_EP_OUTREACH_MEMBERS, "GET", camp, query, NULL, portal, &resp);
        assert_int_equal(resp.status, 200);
        json_t *m = json_object_get(j, "members");
        for (size_t i = 0; i < json_array_size(m); i++) {
            const char *sub = json_string_value(json_array_get(m, i));
            assert_non_null(sub);
            assert_null(strstr(sub, "pop-")); /* the portal's own identifiers, never ours */
            for (size_t k = 0; k < nsubs; k++)
                assert_string_not_equal(subs[k], sub);
            assert_true(nsubs < 15);
            snprintf(subs[nsubs++], 64, "%s", sub);
        }
        const char *next = json_string_value(json_object_get(j, "next_cursor"));
        assert_int_equal(json_array_size(m), pg == 0 ? 10 : 5);
        if (next)
            snprintf(query, sizeof(query), "limit=10&cursor=%s", next);
        json_decref(j);
        if (next == NULL)
            break;
    }
    assert_int_equal(nsubs, 15);
    /* a cursor from elsewhere: 400 */
    j = fixture_json_query(f, IDP_EP_OUTREACH_MEMBERS, "GET", camp, "cursor=cG9wLTAwMQ", NULL, portal, &resp);
    assert_int_equal(resp.status, 400);
    json_decref(j);
    j = api(f, IDP_EP_OUTREACH_CAMPAIGNS, "GET", NULL, NULL, portal, &st);
    assert_int_equal(st, 200);
    json_t *c0 = json_array_get(json_object_get(j, "campaigns"), 0);
    assert_int_equal(json_integer_value(json_object_get(c0, "members")), 15);
    assert_int_equal(json_integer_value(json_object_get(c0, "released")), 15);
    json_decref(j);
    assert_int_equal(ledger_rows(f, "pop-001", "release", ""), 0);
    idp_store_ledger_row_t *rows = NULL;
    size_t n = 0, released = 0;
    assert_int_equal(idp_store_ledger_rows(f->store, "pop-001", &rows, &n), IDP_OK);
    for (size_t i = 0; i < n; i++)
        released += !strcmp(rows[i].action, "release") && !strcmp(rows[i].client_id, "portal-1");
    idp_store_ledger_rows_free(rows, n);
    assert_int_equal(released, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_language),
        cmocka_unit_test(ages_in_months),
        cmocka_unit_test_setup_teardown(the_resident_decides, setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(planners_and_the_portal, setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

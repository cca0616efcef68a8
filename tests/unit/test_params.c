/* application/x-www-form-urlencoded parsing (WHATWG URL §5.1) and OAuth parameter rules (RFC 6749 §3.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/params.h"

static idp_err_t parse(idp_arena_t *a, const char *s, idp_params_t *p)
{
    return idp_params_parse(a, s, strlen(s), p);
}

static void decodes(void **state)
{
    idp_arena_t a;
    idp_params_t p;
    const char *v;
    idp_arena_init(&a, 1 << 16);
    assert_int_equal(parse(&a, "grant_type=client_credentials&scope=a+b%20c&x=%E5%A0%BA&flag", &p), IDP_OK);
    assert_int_equal(p.n, 4);
    assert_int_equal(idp_params_get(&p, "scope", &v), IDP_OK);
    assert_string_equal(v, "a b c");
    assert_int_equal(idp_params_get(&p, "x", &v), IDP_OK);
    assert_string_equal(v, "\xe5\xa0\xba"); /* 堺 */
    assert_int_equal(idp_params_get(&p, "grant_type", &v), IDP_OK);
    assert_string_equal(v, "client_credentials");
    /* a pair without '=' has an empty value, and empty means absent */
    assert_int_equal(idp_params_get(&p, "flag", &v), IDP_E_NOT_FOUND);
    assert_int_equal(idp_params_get(&p, "missing", &v), IDP_E_NOT_FOUND);
    idp_arena_free(&a);
}

static void duplicates_and_empty(void **state)
{
    idp_arena_t a;
    idp_params_t p;
    const char *v;
    idp_arena_init(&a, 1 << 16);
    assert_int_equal(parse(&a, "a=1&a=2&b=&c=3", &p), IDP_OK);
    assert_int_equal(idp_params_get(&p, "a", &v), IDP_E_INVALID_REQUEST);
    assert_int_equal(idp_params_get(&p, "b", &v), IDP_E_NOT_FOUND);
    /* an HTML form's field: empty is there (a field left empty), absent is not; twice is still refused */
    v = NULL;
    assert_int_equal(idp_params_field(&p, "b", &v), IDP_OK);
    assert_string_equal(v, "");
    assert_int_equal(idp_params_field(&p, "a", &v), IDP_E_INVALID_REQUEST);
    assert_int_equal(idp_params_field(&p, "nope", &v), IDP_E_NOT_FOUND);
    assert_int_equal(idp_params_get(&p, "c", &v), IDP_OK);
    assert_int_equal(parse(&a, "", &p), IDP_OK);
    assert_int_equal(p.n, 0);
    idp_arena_free(&a);
}

static void rejects_bad_escapes(void **state)
{
    static const char *const bad[] = {"a=%zz", "a=%4", "a=%", "a=%00", "%00=b", "a=b%0"};
    idp_arena_t a;
    idp_params_t p;
    idp_arena_init(&a, 1 << 16);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(parse(&a, bad[i], &p), IDP_E_INVALID_REQUEST);
    /* a raw NUL byte inside the body */
    assert_int_equal(idp_params_parse(&a, "a=b\0c", 5, &p), IDP_E_INVALID_REQUEST);
    idp_arena_free(&a);
}

/* RFC 3629 §4 (issue #14 item 10): every decoded name and value is well-formed UTF-8, else invalid_request. */
static void rejects_invalid_utf8(void **state)
{
    static const char *const bad[] = {
        "a=%FF",          /* never in UTF-8 */
        "a=%80",          /* a lone continuation byte */
        "a=%C3",          /* a lead byte without its continuation */
        "a=%C3%28",       /* a lead byte and an ASCII byte */
        "a=%C0%AF",       /* an overlong '/' */
        "a=%E0%80%AF",    /* overlong, three bytes */
        "a=%ED%A0%80",    /* a surrogate (U+D800) */
        "a=%F4%90%80%80", /* above U+10FFFF */
        "a=%F8%88%80%80%80",
        "%FF=b",  /* in a name too */
        "a=\xff", /* raw, not percent-encoded */
    };
    static const char *const good[] = {"a=%E7%8A%B6%E6%85%8B", "a=%F0%9F%98%80", "a=%7F", "a=%C2%80",
                                       "a=%EF%BF%BF",          "a=%F4%8F%BF%BF"};
    idp_arena_t a;
    idp_params_t p;
    idp_arena_init(&a, 1 << 16);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (parse(&a, bad[i], &p) != IDP_E_INVALID_REQUEST)
            fail_msg("accepted %s", bad[i]);
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (parse(&a, good[i], &p) != IDP_OK)
            fail_msg("refused %s", good[i]);
    assert_null(idp_form_decode(&a, "%E0%A0", 6)); /* a truncated sequence, through the Basic-credentials decoder */
    idp_arena_free(&a);
}

static void too_many_pairs(void **state)
{
    char body[4096] = "";
    idp_arena_t a;
    idp_params_t p;
    idp_arena_init(&a, 1 << 20);
    for (int i = 0; i < IDP_MAX_PARAMS; i++) {
        char pair[16];
        snprintf(pair, sizeof(pair), "%sp%d=v", i ? "&" : "", i);
        strncat(body, pair, sizeof(body) - strlen(body) - 1);
    }
    assert_int_equal(parse(&a, body, &p), IDP_OK);
    strncat(body, "&one=more", sizeof(body) - strlen(body) - 1);
    assert_int_equal(parse(&a, body, &p), IDP_E_INVALID_REQUEST);
    idp_arena_free(&a);
}

static void arena_budget(void **state)
{
    char big[8192];
    memset(big, 'x', sizeof(big) - 1);
    big[0] = 'a';
    big[1] = '=';
    big[sizeof(big) - 1] = '\0';
    idp_arena_t a;
    idp_params_t p;
    idp_arena_init(&a, 1024);
    assert_int_equal(parse(&a, big, &p), IDP_E_TOO_LARGE);
    idp_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes),
        cmocka_unit_test(duplicates_and_empty),
        cmocka_unit_test(rejects_bad_escapes),
        cmocka_unit_test(too_many_pairs),
        cmocka_unit_test(arena_budget),
        cmocka_unit_test(rejects_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

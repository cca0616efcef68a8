/* Redirect-URI and issuer checks (RFC 6749 §3.1.2, RFC 8252 §7.3, RFC 9700 §2.1, OpenID Discovery §3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/url.h"

static void redirects(void **state)
{
    static const struct {
        const char *uri;
        idp_url_status_t want;
    } cases[] = {
        {"https://rp.example/cb", IDP_URL_OK},
        {"https://rp.example:8443/cb?x=1", IDP_URL_OK},
        {"http://127.0.0.1:3000/cb", IDP_URL_OK},
        {"http://[::1]:3000/cb", IDP_URL_OK},
        {"http://localhost/cb", IDP_URL_OK},
        {"http://rp.example/cb", IDP_URL_BAD_SCHEME},
        {"http://127.0.0.1.evil.example/cb", IDP_URL_BAD_SCHEME},
        {"ftp://rp.example/cb", IDP_URL_BAD_SCHEME},
        {"javascript:alert(1)", IDP_URL_MALFORMED},
        {"https://rp.example/cb#frag", IDP_URL_HAS_FRAGMENT},
        {"https://rp.example/cb#", IDP_URL_HAS_FRAGMENT},
        {"https://*.rp.example/cb", IDP_URL_HAS_WILDCARD},
        {"https://rp.example/*", IDP_URL_HAS_WILDCARD},
        {"https://user:pw@rp.example/cb", IDP_URL_HAS_USERINFO},
        {"/relative/cb", IDP_URL_MALFORMED},
        {"", IDP_URL_MALFORMED},
        {"https://", IDP_URL_MALFORMED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        idp_url_status_t got = idp_url_check_redirect(cases[i].uri);
        if (got != cases[i].want)
            fail_msg("%s: got %d, want %d", cases[i].uri, got, cases[i].want);
    }
    char longuri[2100] = "https://rp.example/";
    for (size_t i = 19; i < sizeof(longuri) - 1; i++)
        longuri[i] = 'a';
    longuri[sizeof(longuri) - 1] = '\0';
    assert_int_equal(idp_url_check_redirect(longuri), IDP_URL_TOO_LONG);
}

static void issuers(void **state)
{
    assert_int_equal(idp_url_check_issuer("https://id.sakai.example"), IDP_URL_OK);
    assert_int_equal(idp_url_check_issuer("https://id.sakai.example/tenant"), IDP_URL_OK);
    assert_int_equal(idp_url_check_issuer("http://127.0.0.1:8080"), IDP_URL_OK);
    assert_int_not_equal(idp_url_check_issuer("https://id.sakai.example/"), IDP_URL_OK);
    assert_int_equal(idp_url_check_issuer("https://id.sakai.example?x=1"), IDP_URL_HAS_QUERY);
    assert_int_equal(idp_url_check_issuer("https://id.sakai.example#f"), IDP_URL_HAS_FRAGMENT);
    assert_int_equal(idp_url_check_issuer("http://id.sakai.example"), IDP_URL_BAD_SCHEME);
}

static void loopback(void **state)
{
    assert_true(idp_url_host_is_loopback("127.0.0.1"));
    assert_true(idp_url_host_is_loopback("127.1.2.3"));
    assert_true(idp_url_host_is_loopback("[::1]"));
    assert_true(idp_url_host_is_loopback("::1"));
    assert_true(idp_url_host_is_loopback("LOCALHOST"));
    assert_false(idp_url_host_is_loopback("128.0.0.1"));
    assert_false(idp_url_host_is_loopback("127.0.0.1.example"));
    assert_false(idp_url_host_is_loopback("0.0.0.0"));
    assert_false(idp_url_host_is_loopback("localhost.example"));
}

static void origins(void **state)
{
    (void)state;
    static const struct {
        const char *uri;
        size_t len;
    } cases[] = {{"https://rp.example/cb?x=1", 18},
                 {"https://rp.example:8443", 23},
                 {"http://127.0.0.1:9/cb", 18},
                 {"jp.sakai.app://cb", 17},
                 {"https://rp.example#f", 18},
                 {"no-scheme", 0},
                 {"", 0}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(idp_url_origin_len(cases[i].uri), cases[i].len);
    assert_int_equal(idp_url_origin_len(NULL), 0);
}

/* a link's query: "?" then "&", each value percent-encoded (card and application-signing links) */
static void query(void **state)
{
    (void)state;
    idp_buf_t b;
    idp_buf_init(&b, 256);
    idp_buf_puts(&b, "https://id.example/login/card/app");
    idp_url_add_query(&b, "challenge_id", "a b");
    idp_url_add_query(&b, "purpose", "app&x=1");
    assert_string_equal(idp_buf_cstr(&b), "https://id.example/login/card/app?challenge_id=a%20b&purpose=app%26x%3D1");
    idp_url_add_query(&b, "tbs", NULL); /* no value: the URL is spoiled, never short of a parameter */
    assert_int_equal(idp_buf_err(&b), IDP_E_NOMEM);
    idp_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(redirects), cmocka_unit_test(issuers),
                                       cmocka_unit_test(loopback), cmocka_unit_test(origins), cmocka_unit_test(query)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

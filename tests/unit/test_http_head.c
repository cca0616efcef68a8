/* idp/http/head.c: the framing rules of a request head (RFC 9112), and
 * idp/http/client_addr.c: the client address behind trusted proxies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "http/client_addr.h"
#include "http/head.h"

#define F(n, v) ((idp_http_field_t){(n), (v)})

static idp_http_head_err_t check(const char *version, const char *target, const idp_http_field_t *f, size_t n)
{
    idp_http_head_t h = {.method = "POST", .target = target, .version = version, .fields = f, .nfields = n};
    return idp_http_head_check(&h);
}

static void test_head_accepts_ordinary_requests(void **state)
{
    idp_http_field_t f[] = {F("Host", "x"), F("Content-Length", "12"), F("Content-Type", "a/b")};
    assert_int_equal(check("1.1", "/token", f, 3), IDP_HEAD_OK);
    idp_http_field_t c[] = {F("host", "x"), F("transfer-encoding", "Chunked")};
    assert_int_equal(check("1.1", "/token?x=1", c, 2), IDP_HEAD_OK);
    idp_http_field_t ows[] = {F("Host", "x"), F("Content-Length", " 7 ")}; /* RFC 9110 §5.5: OWS is not the value */
    assert_int_equal(check("1.1", "/", ows, 2), IDP_HEAD_OK);
    assert_int_equal(check("1.0", "/", NULL, 0), IDP_HEAD_OK); /* HTTP/1.0 needs no Host */
}

static void test_head_rejects_content_length_with_transfer_encoding(void **state)
{
    idp_http_field_t f[] = {F("Host", "x"), F("Content-Length", "4"), F("Transfer-Encoding", "chunked")};
    assert_int_equal(check("1.1", "/token", f, 3), IDP_HEAD_TE_AND_CL);
    idp_http_field_t g[] = {F("Host", "x"), F("transfer-encoding", "chunked"), F("CONTENT-LENGTH", "4")};
    assert_int_equal(check("1.1", "/token", g, 3), IDP_HEAD_TE_AND_CL);
}

static void test_head_rejects_content_length_that_is_not_digits(void **state)
{
    static const char *const bad[] = {
        "", " ", "abc", "12abc", "+12", "-1", "0x10", "1 2", "1,1", "4, 4", "1e3", "1234567890123456789", "١"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        idp_http_field_t f[] = {F("Host", "x"), F("Content-Length", bad[i])};
        assert_int_equal(check("1.1", "/token", f, 2), IDP_HEAD_BAD_CL);
    }
}

static void test_head_rejects_repeated_content_length_even_equal(void **state)
{
    idp_http_field_t f[] = {F("Host", "x"), F("Content-Length", "3"), F("Content-Length", "3")};
    assert_int_equal(check("1.1", "/token", f, 3), IDP_HEAD_DUP_CL);
    idp_http_field_t g[] = {F("Host", "x"), F("Content-Length", "3"), F("content-length", "5")};
    assert_int_equal(check("1.1", "/token", g, 3), IDP_HEAD_DUP_CL);
}

static void test_head_rejects_transfer_encoding_other_than_chunked(void **state)
{
    static const char *const bad[] = {"identity", "gzip", "gzip, chunked", "chunked, chunked", "chunked;x=1",
                                      "chunkedx", "",     "xchunked"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        idp_http_field_t f[] = {F("Host", "x"), F("Transfer-Encoding", bad[i])};
        assert_int_equal(check("1.1", "/token", f, 2), IDP_HEAD_BAD_TE);
    }
    idp_http_field_t twice[] = {F("Host", "x"), F("Transfer-Encoding", "chunked"), F("Transfer-Encoding", "chunked")};
    assert_int_equal(check("1.1", "/token", twice, 3), IDP_HEAD_BAD_TE);
    idp_http_field_t old[] = {F("Transfer-Encoding", "chunked")};
    assert_int_equal(check("1.0", "/token", old, 1), IDP_HEAD_TE_HTTP10);
}

static void test_head_rejects_obs_fold_and_other_line_faults(void **state)
{
    idp_http_field_t f[] = {F("Host", "x")};
    idp_http_head_t h = {.method = "GET", .target = "/", .version = "1.1", .fields = f, .nfields = 1};
    h.unparsed_line = true;
    assert_int_equal(idp_http_head_check(&h), IDP_HEAD_OBS_FOLD);
    h.unparsed_line = false;
    h.space_before_colon = true;
    assert_int_equal(idp_http_head_check(&h), IDP_HEAD_SPACE_BEFORE_COLON);
    h.space_before_colon = false;
    h.bare_lf = true;
    assert_int_equal(idp_http_head_check(&h), IDP_HEAD_BARE_LF);
    h.bare_lf = false;
    h.too_many_fields = true;
    assert_int_equal(idp_http_head_check(&h), IDP_HEAD_TOO_MANY_FIELDS);
    assert_int_equal(idp_http_head_status(IDP_HEAD_TOO_MANY_FIELDS), 431);
    assert_int_equal(idp_http_head_status(IDP_HEAD_OBS_FOLD), 400);
    idp_http_field_t bad_name[] = {F("Host", "x"), F("X(y)", "z")};
    assert_int_equal(check("1.1", "/", bad_name, 2), IDP_HEAD_BAD_FIELD_NAME);
}

static void test_head_rejects_absolute_form_and_other_targets(void **state)
{
    idp_http_field_t f[] = {F("Host", "x")};
    static const char *const bad[] = {"http://x/", "https://id.example/token", "HTTP://x/", "*", "x.example:443", "",
                                      "token"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(check("1.1", bad[i], f, 1), IDP_HEAD_ABSOLUTE_FORM);
    assert_int_equal(check("1.1", NULL, f, 1), IDP_HEAD_ABSOLUTE_FORM);
}

static void test_head_requires_one_host_in_http11(void **state)
{
    idp_http_field_t none[] = {F("Accept", "*/*")};
    assert_int_equal(check("1.1", "/", none, 1), IDP_HEAD_NO_HOST);
    idp_http_field_t two[] = {F("Host", "a"), F("host", "b")};
    assert_int_equal(check("1.1", "/", two, 2), IDP_HEAD_DUP_HOST);
    assert_string_equal(idp_http_head_reason(IDP_HEAD_NO_HOST), "no Host header");
}

/* ---- client_addr.c ---- */

static idp_cidr_t proxies[4];
static size_t nproxies;

static void trust(const char *const *blocks)
{
    nproxies = 0;
    for (; *blocks; blocks++)
        assert_true(idp_cidr_parse(*blocks, &proxies[nproxies++]));
}

static const char *addr(const char *peer, const idp_http_field_t *f, size_t n, idp_http_addr_source_t *src)
{
    static char text[IDP_IP_TEXT_MAX];
    idp_ip_t ip;
    *src = idp_http_client_addr(peer, f, n, proxies, nproxies, &ip, text);
    return text;
}

static void test_client_addr_ignores_headers_from_untrusted_peers(void **state)
{
    static const char *const none[] = {NULL};
    static const char *const lo[] = {"127.0.0.1", NULL};
    idp_http_addr_source_t src;
    idp_http_field_t f[] = {F("X-Forwarded-For", "198.51.100.7"), F("Forwarded", "for=198.51.100.8")};
    trust(none);
    assert_string_equal(addr("127.0.0.1", f, 2, &src), "127.0.0.1");
    assert_int_equal(src, IDP_ADDR_PEER);
    trust(lo);
    assert_string_equal(addr("203.0.113.9", f, 2, &src), "203.0.113.9");
    assert_int_equal(src, IDP_ADDR_PEER);
}

static void test_client_addr_walks_x_forwarded_for_from_the_right(void **state)
{
    static const char *const p[] = {"127.0.0.1", "10.0.0.0/8", NULL};
    idp_http_addr_source_t src;
    trust(p);
    idp_http_field_t one[] = {F("X-Forwarded-For", "198.51.100.7")};
    assert_string_equal(addr("127.0.0.1", one, 1, &src), "198.51.100.7");
    assert_int_equal(src, IDP_ADDR_XFF);
    /* the client wrote a fake left part; the proxies appended the real hops */
    idp_http_field_t chain[] = {F("X-Forwarded-For", "6.6.6.6, 198.51.100.7 ,10.1.2.3")};
    assert_string_equal(addr("127.0.0.1", chain, 1, &src), "198.51.100.7");
    /* several field lines are one list, in order (RFC 9110 §5.3) */
    idp_http_field_t lines[] = {F("X-Forwarded-For", "6.6.6.6"), F("Host", "x"),
                                F("x-forwarded-for", "2001:db8::1, 10.0.0.1")};
    assert_string_equal(addr("::ffff:127.0.0.1", lines, 3, &src), "2001:db8::1");
    /* every hop trusted: the leftmost */
    idp_http_field_t inner[] = {F("X-Forwarded-For", "10.9.9.9, 10.0.0.2")};
    assert_string_equal(addr("127.0.0.1", inner, 1, &src), "10.9.9.9");
    /* no header: the peer */
    assert_string_equal(addr("127.0.0.1", NULL, 0, &src), "127.0.0.1");
    assert_int_equal(src, IDP_ADDR_PEER);
}

static void test_client_addr_reads_forwarded_and_prefers_it(void **state)
{
    static const char *const p[] = {"127.0.0.1", "2001:db8:ffff::/48", NULL};
    idp_http_addr_source_t src;
    trust(p);
    idp_http_field_t f[] = {F("X-Forwarded-For", "6.6.6.6"),
                            F("Forwarded", "for=192.0.2.43;proto=https, For=\"[2001:db8:cafe::17]:4711\"")};
    assert_string_equal(addr("127.0.0.1", f, 2, &src), "2001:db8:cafe::17");
    assert_int_equal(src, IDP_ADDR_FORWARDED);
    idp_http_field_t g[] = {F("Forwarded", "for=192.0.2.43, for=\"[2001:db8:ffff::1]\";by=x")};
    assert_string_equal(addr("127.0.0.1", g, 1, &src), "192.0.2.43");
    idp_http_field_t port[] = {F("Forwarded", "proto=http; for=\"198.51.100.17:8080\"")};
    assert_string_equal(addr("127.0.0.1", port, 1, &src), "198.51.100.17");
}

static void test_client_addr_fails_closed_on_malformed_headers(void **state)
{
    static const char *const p[] = {"127.0.0.1", NULL};
    static const char *const bad_fwd[] = {
        "for=unknown", "for=_hidden",    "for=\"[2001:db8::1\"", "for=\"1.2.3.4",     "for", "for=1.2.3.4;for=5.6.7.8",
        "proto=https", "for=\"a\\\"b\"", "for=1.2.3.4 junk",     "for=[2001:db8::1]", "=x"};
    static const char *const bad_xff[] = {"unknown",       "1.2.3", "300.1.1.1",
                                          "1.2.3.4:80:90", "[::1",  "x, 1.2.3.4:99999a"};
    idp_http_addr_source_t src;
    trust(p);
    for (size_t i = 0; i < sizeof(bad_fwd) / sizeof(bad_fwd[0]); i++) {
        idp_http_field_t f[] = {F("Forwarded", bad_fwd[i])};
        assert_string_equal(addr("127.0.0.1", f, 1, &src), "127.0.0.1");
        assert_int_equal(src, IDP_ADDR_MALFORMED);
    }
    for (size_t i = 0; i < sizeof(bad_xff) / sizeof(bad_xff[0]); i++) {
        idp_http_field_t f[] = {F("X-Forwarded-For", bad_xff[i])};
        assert_string_equal(addr("127.0.0.1", f, 1, &src), "127.0.0.1");
        assert_int_equal(src, IDP_ADDR_MALFORMED);
    }
    /* junk left of the client is never read */
    idp_http_field_t left[] = {F("X-Forwarded-For", "garbage, 198.51.100.7")};
    assert_string_equal(addr("127.0.0.1", left, 1, &src), "198.51.100.7");
}

static void test_client_addr_keeps_the_rightmost_hops_of_a_long_list(void **state)
{
    static const char *const p[] = {"127.0.0.1", NULL};
    char list[4096] = "";
    idp_http_addr_source_t src;
    trust(p);
    for (int i = 0; i < 100; i++)
        snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s10.0.%d.1", i ? "," : "", i);
    idp_http_field_t f[] = {F("X-Forwarded-For", list)};
    assert_string_equal(addr("127.0.0.1", f, 1, &src), "10.0.99.1");
}

static void test_cidr_parse_and_match(void **state)
{
    idp_cidr_t b;
    idp_ip_t ip;
    assert_true(idp_cidr_parse("10.0.0.0/8", &b));
    assert_true(idp_ip_parse("10.200.3.4", 10, &ip));
    assert_true(idp_cidr_match(&b, 1, &ip));
    assert_true(idp_ip_parse("11.0.0.1", 8, &ip));
    assert_false(idp_cidr_match(&b, 1, &ip));
    assert_true(idp_cidr_parse("fd00::/8", &b));
    assert_true(idp_ip_parse("fdab::1", 7, &ip));
    assert_true(idp_cidr_match(&b, 1, &ip));
    assert_true(idp_cidr_parse("192.168.1.128/25", &b));
    assert_true(idp_ip_parse("::ffff:192.168.1.200", 20, &ip)); /* IPv4-mapped is IPv4 */
    assert_int_equal(ip.len, 4);
    assert_true(idp_cidr_match(&b, 1, &ip));
    assert_true(idp_cidr_parse("0.0.0.0/0", &b));
    assert_true(idp_cidr_match(&b, 1, &ip));
    static const char *const bad[] = {"10.0.0.1/8",  "10.0.0.0/33",  "::/129",       "10.0.0.0/",
                                      "10.0.0.0/-1", "1.2.3",        "host.example", "",
                                      "/8",          "10.0.0.0/8/8", "[::1]",        "10.0.0.0/ 8"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(idp_cidr_parse(bad[i], &b));
    assert_true(idp_ip_parse("127.9.9.9", 9, &ip));
    assert_true(idp_ip_is_loopback(&ip));
    assert_true(idp_ip_parse("::1", 3, &ip));
    assert_true(idp_ip_is_loopback(&ip));
    assert_true(idp_ip_parse("128.0.0.1", 9, &ip));
    assert_false(idp_ip_is_loopback(&ip));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_head_accepts_ordinary_requests),
        cmocka_unit_test(test_head_rejects_content_length_with_transfer_encoding),
        cmocka_unit_test(test_head_rejects_content_length_that_is_not_digits),
        cmocka_unit_test(test_head_rejects_repeated_content_length_even_equal),
        cmocka_unit_test(test_head_rejects_transfer_encoding_other_than_chunked),
        cmocka_unit_test(test_head_rejects_obs_fold_and_other_line_faults),
        cmocka_unit_test(test_head_rejects_absolute_form_and_other_targets),
        cmocka_unit_test(test_head_requires_one_host_in_http11),
        cmocka_unit_test(test_client_addr_ignores_headers_from_untrusted_peers),
        cmocka_unit_test(test_client_addr_walks_x_forwarded_for_from_the_right),
        cmocka_unit_test(test_client_addr_reads_forwarded_and_prefers_it),
        cmocka_unit_test(test_client_addr_fails_closed_on_malformed_headers),
        cmocka_unit_test(test_client_addr_keeps_the_rightmost_hops_of_a_long_list),
        cmocka_unit_test(test_cidr_parse_and_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

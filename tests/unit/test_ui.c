/* idp/ui: HTML escaping and QR codes as inline SVG. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#include "ui/html.h"
#include "ui/qr.h"

#define BUF_MAX (1024 * 1024)
#define QUIET 4

static void html_escapes_each_special_char(void **state)
{
    static const char *const vec[][2] = {
        {"&", "&amp;"},
        {"<", "&lt;"},
        {">", "&gt;"},
        {"\"", "&quot;"},
        {"'", "&#39;"},
        {"&<>\"'", "&amp;&lt;&gt;&quot;&#39;"},
        {"<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"},
        {"\" onmouseover=\"x", "&quot; onmouseover=&quot;x"},
        {"&amp;", "&amp;amp;"}, /* escaping is not idempotent: escape once */
        {"plain text", "plain text"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
        idp_buf_t b;
        idp_buf_init(&b, BUF_MAX);
        assert_int_equal(idp_html_escape(&b, vec[i][0]), IDP_OK);
        assert_string_equal(idp_buf_cstr(&b), vec[i][1]);
        idp_buf_free(&b);
    }
}

static void html_appends_to_existing_content(void **state)
{
    idp_buf_t b;
    idp_buf_init(&b, BUF_MAX);
    assert_int_equal(idp_buf_puts(&b, "<p title=\""), IDP_OK);
    assert_int_equal(idp_html_escape(&b, "a\"b"), IDP_OK);
    assert_int_equal(idp_buf_puts(&b, "\">"), IDP_OK);
    assert_string_equal(idp_buf_cstr(&b), "<p title=\"a&quot;b\">");
    idp_buf_free(&b);
}

static void html_passes_utf8_through(void **state)
{
    idp_buf_t b;
    idp_buf_init(&b, BUF_MAX);
    const char *s = "\xe5\xb1\xb1\xe7\x94\xb0 caf\xc3\xa9 \xf0\x9f\x94\x91"; /* 山田 café 🔑 */
    assert_int_equal(idp_html_escape(&b, s), IDP_OK);
    assert_string_equal(idp_buf_cstr(&b), s);
    idp_buf_reset(&b);
    assert_int_equal(idp_html_escape(&b, "<\xe5\xb1\xb1\xe7\x94\xb0>"), IDP_OK);
    assert_string_equal(idp_buf_cstr(&b), "&lt;\xe5\xb1\xb1\xe7\x94\xb0&gt;");
    idp_buf_free(&b);
}

static void html_escape_over_max_latches(void **state)
{
    idp_buf_t b;
    idp_buf_init(&b, 8);
    assert_int_equal(idp_buf_puts(&b, "ab"), IDP_OK);
    /* "&lt;" fits once, the second entity goes over the maximum: nothing half-escaped is left to send */
    assert_int_equal(idp_html_escape(&b, "<<"), IDP_E_TOO_LARGE);
    assert_null(idp_buf_cstr(&b));
    assert_int_equal(idp_buf_puts(&b, "</p>"), IDP_E_TOO_LARGE);
    idp_buf_free(&b);
}

static void html_escape_of_null_latches(void **state)
{
    idp_buf_t b;
    idp_buf_init(&b, 64);
    assert_int_equal(idp_buf_puts(&b, "<p>"), IDP_OK);
    assert_int_equal(idp_html_escape(&b, NULL), IDP_E_SERVER_ERROR);
    assert_null(idp_buf_cstr(&b));
    idp_buf_free(&b);
}

/* --- QR ------------------------------------------------------------------ */

/* The number in `name="N` after the first occurrence of @p name, or -1. */
static long attr_long(const char *svg, const char *name)
{
    const char *p = strstr(svg, name);
    return p ? strtol(p + strlen(name), NULL, 10) : -1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static size_t count(const char *s, const char *needle)
{
    size_t c = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        c++;
    return c;
}

/*
 * Paints the path of @p svg into a size*size matrix (1 = dark) and returns it
 * (free it). Fails the test on anything but "MX YhNv1h-Nz" subpaths inside the
 * viewBox, and on a module painted twice.
 */
static unsigned char *paint_path(const char *svg, long size)
{
    unsigned char *m = calloc((size_t)(size * size), 1);
    assert_non_null(m);
    const char *p = strstr(svg, " d=\"");
    assert_non_null(p);
    p += 4;
    while (*p != '"') {
        char *end;
        assert_int_equal(*p, 'M');
        long x = strtol(p + 1, &end, 10);
        assert_int_equal(*end, ' ');
        long y = strtol(end + 1, &end, 10);
        assert_int_equal(*end, 'h');
        long n = strtol(end + 1, &end, 10);
        assert_memory_equal(end, "v1h-", 4);
        long back = strtol(end + 4, &end, 10);
        assert_int_equal(*end, 'z');
        p = end + 1;
        assert_int_equal(back, n);
        assert_true(n >= 1 && x >= 0 && y >= 0 && x + n <= size && y < size);
        for (long i = 0; i < n; i++) {
            assert_int_equal(m[y * size + x + i], 0);
            m[y * size + x + i] = 1;
        }
    }
    return m;
}

/* Draws @p text and checks the SVG against libqrencode's own matrix for the same input. */
static void check_matches_qrencode(const char *text, int want_version)
{
    idp_buf_t b;
    idp_buf_init(&b, BUF_MAX);
    assert_int_equal(idp_qr_svg(&b, text, "QR"), IDP_OK);
    const char *svg = idp_buf_cstr(&b);

    QRcode *qr = QRcode_encodeData((int)strlen(text), (const unsigned char *)text, 0, QR_ECLEVEL_M);
    assert_non_null(qr);
    assert_int_equal(qr->version, want_version);
    long size = qr->width + 2 * QUIET;
    assert_int_equal(attr_long(svg, "viewBox=\"0 0 "), size);

    unsigned char *m = paint_path(svg, size);
    size_t dark_drawn = 0, dark_qr = 0;
    for (long y = 0; y < size; y++) {
        for (long x = 0; x < size; x++) {
            int inside = x >= QUIET && y >= QUIET && x < size - QUIET && y < size - QUIET;
            int want = inside ? qr->data[(y - QUIET) * qr->width + (x - QUIET)] & 1 : 0; /* quiet zone: light */
            assert_int_equal(m[y * size + x], want);
            dark_drawn += m[y * size + x];
            dark_qr += (size_t)want;
        }
    }
    assert_int_equal(dark_drawn, dark_qr);
    assert_true(dark_qr > 0);
    free(m);
    QRcode_free(qr);
    idp_buf_free(&b);
}

static void qr_svg_is_well_formed(void **state)
{
    idp_buf_t b;
    idp_buf_init(&b, BUF_MAX);
    assert_int_equal(idp_qr_svg(&b, "https://id.example.jp", "Sign in with your phone"), IDP_OK);
    const char *svg = idp_buf_cstr(&b);
    assert_memory_equal(svg, "<svg ", 5);
    assert_true(ends_with(svg, "</svg>"));
    assert_non_null(strstr(svg, " role=\"img\""));
    assert_non_null(strstr(svg, " aria-label=\"Sign in with your phone\""));
    assert_non_null(strstr(svg, " shape-rendering=\"crispEdges\""));
    assert_int_equal(count(svg, "<svg"), 1);
    assert_int_equal(count(svg, "<path"), 1);
    assert_int_equal(count(svg, "</svg>"), 1);
    /* 21 bytes at level M: version 2, 25 modules, plus the quiet zone */
    assert_int_equal(attr_long(svg, "viewBox=\"0 0 "), 25 + 2 * QUIET);
    assert_non_null(strstr(svg, "viewBox=\"0 0 33 33\""));
    idp_buf_free(&b);
}

static void qr_svg_escapes_label(void **state)
{
    idp_buf_t b;
    idp_buf_init(&b, BUF_MAX);
    assert_int_equal(idp_qr_svg(&b, "https://id.example.jp", "\"><script>x('&')</script>"), IDP_OK);
    const char *svg = idp_buf_cstr(&b);
    assert_non_null(strstr(svg, " aria-label=\"&quot;&gt;&lt;script&gt;x(&#39;&amp;&#39;)&lt;/script&gt;\""));
    assert_null(strstr(svg, "<script"));
    /* no quote leaked out of the label: svg xmlns role aria-label viewBox shape-rendering,
     * rect width height fill, path fill d */
    assert_int_equal(count(svg, "\""), 2 * 10);
    idp_buf_free(&b);
}

static void qr_svg_matches_qrencode_byte_mode_level_m(void **state)
{
    /* 20 bytes: version 2 (25 modules) at level M in byte mode. As digits in
     * numeric mode they would fit version 1, as would 15 bytes at level L. */
    check_matches_qrencode("12345678901234567890", 2);
    check_matches_qrencode("https://a.example/x1", 2);
    check_matches_qrencode("https://id.example/", 2);         /* 19 bytes */
    check_matches_qrencode("https://a.example/abcdefghi", 3); /* 27 bytes: over version 2-M's 26 */
    check_matches_qrencode("\xe5\xb1\xb1\xe7\x94\xb0", 1);    /* UTF-8, 6 bytes */
}

static void qr_svg_draws_a_1500_byte_link(void **state)
{
    char link[1501];
    const char *prefix = "https://id.example.jp/card/start?request=";
    size_t n = strlen(prefix);
    memcpy(link, prefix, n);
    for (size_t i = n; i < 1500; i++)
        link[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[(i * 7) % 64];
    link[1500] = '\0';
    check_matches_qrencode(link, 32);
}

static void qr_svg_rejects_too_long_text(void **state)
{
    char *text = malloc(4001);
    assert_non_null(text);
    memset(text, 'a', 4000);
    text[4000] = '\0';
    idp_buf_t b;
    idp_buf_init(&b, BUF_MAX);
    assert_int_equal(idp_buf_puts(&b, "<p>"), IDP_OK);
    assert_int_equal(idp_qr_svg(&b, text, "QR"), IDP_E_INVALID_REQUEST);
    assert_string_equal(idp_buf_cstr(&b), "<p>");
    /* still usable */
    assert_int_equal(idp_qr_svg(&b, "https://id.example.jp", "QR"), IDP_OK);
    assert_memory_equal(idp_buf_cstr(&b), "<p><svg ", 8);
    assert_true(ends_with(idp_buf_cstr(&b), "</svg>"));
    idp_buf_free(&b);
    free(text);
}

static void qr_svg_rejects_empty_text(void **state)
{
    idp_buf_t b;
    idp_buf_init(&b, BUF_MAX);
    assert_int_equal(idp_qr_svg(&b, "", "QR"), IDP_E_INVALID_REQUEST);
    assert_string_equal(idp_buf_cstr(&b), "");
    idp_buf_free(&b);
}

static void qr_svg_over_max_latches(void **state)
{
    idp_buf_t b;
    idp_buf_init(&b, 300); /* room for the header, not for the path */
    assert_int_equal(idp_buf_puts(&b, "<p>"), IDP_OK);
    assert_int_equal(idp_qr_svg(&b, "https://id.example.jp", "QR"), IDP_E_TOO_LARGE);
    assert_null(idp_buf_cstr(&b));
    idp_buf_free(&b);
}

static void qr_svg_text_errors_leave_the_buffer(void **state)
{
    idp_buf_t b;
    idp_buf_init(&b, 4096);
    assert_int_equal(idp_buf_puts(&b, "<p>"), IDP_OK);
    assert_int_equal(idp_qr_svg(&b, "", "QR"), IDP_E_INVALID_REQUEST);
    assert_string_equal(idp_buf_cstr(&b), "<p>");
    idp_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(html_escapes_each_special_char),
        cmocka_unit_test(html_appends_to_existing_content),
        cmocka_unit_test(html_passes_utf8_through),
        cmocka_unit_test(html_escape_over_max_latches),
        cmocka_unit_test(html_escape_of_null_latches),
        cmocka_unit_test(qr_svg_is_well_formed),
        cmocka_unit_test(qr_svg_escapes_label),
        cmocka_unit_test(qr_svg_matches_qrencode_byte_mode_level_m),
        cmocka_unit_test(qr_svg_draws_a_1500_byte_link),
        cmocka_unit_test(qr_svg_rejects_too_long_text),
        cmocka_unit_test(qr_svg_rejects_empty_text),
        cmocka_unit_test(qr_svg_over_max_latches),
        cmocka_unit_test(qr_svg_text_errors_leave_the_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

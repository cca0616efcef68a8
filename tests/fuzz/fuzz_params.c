/*
 * Fuzz target: form parameters and cookies (idp/core/params.c), the bytes a
 * browser or client sends as a query string, an x-www-form-urlencoded body
 * (every POST endpoint: token, introspect, revoke, the login and consent
 * forms) or a Cookie header. The input is used as all three:
 *   - idp_params_parse, then what must hold of its result: every name and
 *     value is valid UTF-8 without NUL, idp_params_get agrees with a count
 *     of the names (once: the value, or NOT_FOUND when empty; twice:
 *     INVALID_REQUEST), and idp_params_encode reads back as the same pairs;
 *   - idp_form_decode of the whole input, which must agree with a one-pair
 *     parse of a name without '&' and '=';
 *   - idp_cookie_get for our two cookies and for the first name in the
 *     header: a value is never empty, and holds no ';'.
 * A small arena budget on a second pass reaches the TOO_LARGE paths.
 * libFuzzer: -DSAKAID_FUZZ=ON with clang (docs/testing.md); the test suite
 * runs it through driver.c over tests/fuzz/seeds/params.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/params.h"
#include "core/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_params(const idp_params_t *p)
{
    for (size_t i = 0; i < p->n; i++) {
        const char *name = p->items[i].name, *value = p->items[i].value;
        if (!idp_utf8_valid(name, strlen(name)) || !idp_utf8_valid(value, strlen(value)))
            abort(); /* RFC 6749 Appendix A: parameters are UTF-8 once decoded */
        size_t same = 0;
        for (size_t k = 0; k < p->n; k++)
            same += !strcmp(p->items[k].name, name);
        const char *got = NULL;
        idp_err_t e = idp_params_get(p, name, &got);
        if (same > 1 ? e != IDP_E_INVALID_REQUEST
            : *value ? e != IDP_OK || strcmp(got, value) != 0
                     : e != IDP_E_NOT_FOUND)
            abort(); /* RFC 6749 §3.1: a repeated parameter is an error, an empty one is omitted */
    }
}

static void round_trip(idp_arena_t *a, const idp_params_t *p)
{
    idp_buf_t b;
    idp_params_t again;
    idp_buf_init(&b, 1 << 20);
    if (idp_params_encode(p, &b) == IDP_OK) {
        if (idp_params_parse(a, idp_buf_cstr(&b), b.len, &again) != IDP_OK || again.n != p->n)
            abort(); /* a login transaction stores the request encoded, and reads it back */
        for (size_t i = 0; i < p->n; i++)
            if (strcmp(p->items[i].name, again.items[i].name) || strcmp(p->items[i].value, again.items[i].value))
                abort();
    }
    idp_buf_free(&b);
}

static void check_cookie(idp_arena_t *a, const char *header, const char *name)
{
    const char *v = idp_cookie_get(a, header, name);
    if (v && (!*v || strchr(v, ';')))
        abort(); /* RFC 6265 §5.4: a value ends at ';'; an empty one is absent */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    idp_arena_t a;
    idp_params_t p;

    idp_arena_init(&a, 1 << 20);
    if (idp_params_parse(&a, text, size, &p) == IDP_OK) {
        check_params(&p);
        round_trip(&a, &p);
    }
    char *whole = idp_form_decode(&a, text, size);
    if (size && !memchr(data, '&', size) && !memchr(data, '=', size)) {
        idp_err_t e = idp_params_parse(&a, text, size, &p);
        if ((whole != NULL) != (e == IDP_OK) || (whole && (p.n != 1 || strcmp(p.items[0].name, whole) != 0)))
            abort(); /* one name alone decodes as a form value does */
    }
    if (memchr(data, 0, size) == NULL) {
        check_cookie(&a, text, "sakaid_session");
        check_cookie(&a, text, "sakaid_login");
        /* the first cookie's own name (a prefix of another name must not match it) */
        char name[64];
        size_t skip = strspn(text, " ;"), n = strcspn(text + skip, "=;");
        if (n && n < sizeof(name)) {
            memcpy(name, text + skip, n);
            name[n] = '\0';
            check_cookie(&a, text, name);
        }
    }
    idp_arena_free(&a);

    /* a budget that runs out part way: TOO_LARGE, never a crash */
    idp_arena_init(&a, 256);
    if (idp_params_parse(&a, text, size, &p) == IDP_OK)
        check_params(&p);
    idp_arena_free(&a);
    free(text);
    return 0;
}

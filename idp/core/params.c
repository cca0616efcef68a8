#include "core/params.h"

#include <curl/curl.h>

#include <string.h>

#include "core/str.h"

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes into the arena; *e says why when it returns NULL (TOO_LARGE or INVALID_REQUEST). */
static char *form_decode(idp_arena_t *arena, const char *s, size_t len, idp_err_t *e)
{
    char *out = idp_arena_alloc(arena, len + 1);
    *e = IDP_E_TOO_LARGE;
    if (out == NULL)
        return NULL;
    *e = IDP_E_INVALID_REQUEST;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '+') {
            out[o++] = ' ';
        } else if (c == '%') {
            int hi, lo;
            if (i + 2 >= len || (hi = hexval((unsigned char)s[i + 1])) < 0 ||
                (lo = hexval((unsigned char)s[i + 2])) < 0)
                return NULL;
            c = (unsigned char)(hi << 4 | lo);
            if (c == 0)
                return NULL;
            out[o++] = (char)c;
            i += 2;
        } else if (c == 0) {
            return NULL;
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    /* Every parameter is text (RFC 6749 Appendix A: UTF-8 after decoding): invalid UTF-8 is refused here, so
     * it reaches neither PostgreSQL nor jansson (which would drop a state it cannot encode). */
    if (!idp_utf8_valid(out, o))
        return NULL;
    *e = IDP_OK;
    return out;
}

char *idp_form_decode(idp_arena_t *arena, const char *s, size_t len)
{
    idp_err_t e;
    return form_decode(arena, s, len, &e);
}

idp_err_t idp_params_parse(idp_arena_t *arena, const char *text, size_t len, idp_params_t *out)
{
    out->n = 0;
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && text[end] != '&')
            end++;
        if (end > i) { /* skip empty pairs ("a=1&&b=2") */
            size_t eq = i;
            while (eq < end && text[eq] != '=')
                eq++;
            if (out->n == IDP_MAX_PARAMS)
                return IDP_E_INVALID_REQUEST;
            idp_err_t e;
            char *name = form_decode(arena, text + i, eq - i, &e);
            if (name == NULL)
                return e;
            char *value = form_decode(arena, eq < end ? text + eq + 1 : "", eq < end ? end - eq - 1 : 0, &e);
            if (value == NULL)
                return e;
            out->items[out->n].name = name;
            out->items[out->n].value = value;
            out->n++;
        }
        i = end + 1;
    }
    return IDP_OK;
}

idp_err_t idp_params_field(const idp_params_t *p, const char *name, const char **value)
{
    const char *found = NULL;
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->items[i].name, name) != 0)
            continue;
        if (found)
            return IDP_E_INVALID_REQUEST;
        found = p->items[i].value;
    }
    if (found == NULL)
        return IDP_E_NOT_FOUND;
    *value = found;
    return IDP_OK;
}

idp_err_t idp_params_get(const idp_params_t *p, const char *name, const char **value)
{
    const char *found = NULL;
    idp_err_t e = idp_params_field(p, name, &found);
    if (e == IDP_OK && *found == '\0')
        return IDP_E_NOT_FOUND;
    if (e == IDP_OK)
        *value = found;
    return e;
}

idp_err_t idp_params_encode(const idp_params_t *p, idp_buf_t *b)
{
    for (size_t i = 0; i < p->n; i++) {
        char *k = curl_easy_escape(NULL, p->items[i].name, 0), *v = curl_easy_escape(NULL, p->items[i].value, 0);
        idp_err_t e = k && v ? idp_buf_printf(b, "%s%s=%s", i ? "&" : "", k, v) : IDP_E_NOMEM;
        curl_free(k);
        curl_free(v);
        if (e != IDP_OK)
            return e;
    }
    return idp_buf_append(b, "", 0);
}

/* RFC 6265 §5.4: "name=value" pairs separated by "; ". The first match wins. */
const char *idp_cookie_get(idp_arena_t *arena, const char *header, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = header; p && *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        size_t len = strcspn(p, ";");
        if (len > nl && !strncmp(p, name, nl) && p[nl] == '=') {
            const char *v = p + nl + 1;
            size_t vl = len - nl - 1;
            while (vl && v[vl - 1] == ' ')
                vl--;
            return vl ? idp_arena_strndup(arena, v, vl) : NULL;
        }
        p += len;
    }
    return NULL;
}

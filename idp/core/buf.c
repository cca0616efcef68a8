#include "core/buf.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void idp_buf_init(idp_buf_t *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->err = IDP_OK;
}

/* The first failure wipes what was built and latches (buf.h). */
static idp_err_t fail(idp_buf_t *b, idp_err_t e)
{
    if (b->data)
        OPENSSL_cleanse(b->data, b->cap);
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->err = e;
    return e;
}

static idp_err_t reserve(idp_buf_t *b, size_t extra)
{
    if (b->err != IDP_OK)
        return b->err;
    if (extra > b->max || b->len > b->max - extra)
        return fail(b, IDP_E_TOO_LARGE);
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return IDP_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = realloc(b->data, cap);
    if (p == NULL)
        return fail(b, IDP_E_NOMEM);
    b->data = p;
    b->cap = cap;
    return IDP_OK;
}

idp_err_t idp_buf_append(idp_buf_t *b, const void *p, size_t n)
{
    idp_err_t ret;
    if ((ret = reserve(b, n)) != IDP_OK)
        return ret;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return IDP_OK;
}

idp_err_t idp_buf_puts(idp_buf_t *b, const char *s)
{
    return idp_buf_append(b, s, strlen(s));
}

idp_err_t idp_buf_printf(idp_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->err != IDP_OK)
        return b->err;
    if (n < 0)
        return fail(b, IDP_E_SERVER_ERROR);
    idp_err_t ret;
    if ((ret = reserve(b, (size_t)n)) != IDP_OK)
        return ret;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return IDP_OK;
}

idp_err_t idp_buf_json_escape(idp_buf_t *b, const char *s, size_t n)
{
    idp_err_t ret = IDP_OK;
    for (size_t i = 0; i < n && ret == IDP_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': ret = idp_buf_append(b, "\\\"", 2); break;
        case '\\': ret = idp_buf_append(b, "\\\\", 2); break;
        case '\n': ret = idp_buf_append(b, "\\n", 2); break;
        case '\r': ret = idp_buf_append(b, "\\r", 2); break;
        case '\t': ret = idp_buf_append(b, "\\t", 2); break;
        default:
            if (c < 0x20 || c == 0x7f)
                ret = idp_buf_printf(b, "\\u%04x", c);
            else
                ret = idp_buf_append(b, &s[i], 1);
        }
    }
    return ret;
}

void idp_buf_set_error(idp_buf_t *b, idp_err_t e)
{
    if (b->err == IDP_OK)
        fail(b, e);
}

idp_err_t idp_buf_err(const idp_buf_t *b)
{
    return b->err;
}

const char *idp_buf_cstr(const idp_buf_t *b)
{
    if (b->err != IDP_OK)
        return NULL;
    return b->data ? b->data : "";
}

char *idp_buf_steal(idp_buf_t *b)
{
    char *p = b->err == IDP_OK ? b->data : NULL;
    if (p == NULL && b->err == IDP_OK)
        p = calloc(1, 1);
    b->data = NULL;
    b->len = b->cap = 0;
    b->err = IDP_OK;
    return p;
}

void idp_buf_reset(idp_buf_t *b)
{
    b->len = 0;
    b->err = IDP_OK;
    if (b->data)
        b->data[0] = '\0';
}

void idp_buf_wipe(idp_buf_t *b)
{
    if (b->data)
        OPENSSL_cleanse(b->data, b->cap);
    idp_buf_free(b);
}

void idp_buf_free(idp_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->err = IDP_OK;
}

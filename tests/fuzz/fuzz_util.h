/*
 * Helpers shared by the fuzz targets that take several texts in one input,
 * or that put values only known at run time (a key id, a port) into them.
 */
#ifndef SAKAID_FUZZ_UTIL_H
#define SAKAID_FUZZ_UTIL_H

#include <stdlib.h>
#include <string.h>

/**
 * A malloc'ed, NUL-terminated copy of @p n bytes of @p in with every
 * occurrence of @p var replaced by @p val; *outlen (may be NULL) receives
 * its length. NULL when out of memory.
 */
static inline char *fuzz_subst(const char *in, size_t n, const char *var, const char *val, size_t *outlen)
{
    size_t vl = strlen(var), xl = strlen(val), count = 0;
    for (size_t i = 0; i + vl <= n; i++)
        if (!memcmp(in + i, var, vl)) {
            count++;
            i += vl - 1;
        }
    size_t cap = n + count * xl + 1;
    char *out = malloc(cap), *o = out;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n;) {
        if (i + vl <= n && !memcmp(in + i, var, vl)) {
            memcpy(o, val, xl);
            o += xl;
            i += vl;
        } else {
            *o++ = in[i++];
        }
    }
    *o = '\0';
    if (outlen)
        *outlen = (size_t)(o - out);
    return out;
}

/**
 * A malloc'ed copy of @p n bytes with a NUL after them (strndup would look
 * for a NUL past @p n, which ASan's strict_string_checks reports).
 */
static inline char *fuzz_memdup(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/** True if the @p n bytes at @p in contain the string @p needle (memmem is a GNU extension). */
static inline int fuzz_contains(const char *in, size_t n, const char *needle)
{
    size_t nl = strlen(needle);
    for (size_t i = 0; i + nl <= n; i++)
        if (!memcmp(in + i, needle, nl))
            return 1;
    return 0;
}

/**
 * Splits @p data at each line that is exactly "%%" (the "\n%%\n" between
 * two texts) into at most @p max sections; returns how many were found.
 * Sections point into @p data and are not NUL-terminated.
 */
static inline size_t fuzz_sections(const char *data, size_t size, const char **sec, size_t *len, size_t max)
{
    size_t n = 0;
    const char *p = data, *end = data + size;
    while (n < max) {
        const char *sep = NULL;
        for (const char *q = p; q + 4 <= end; q++)
            if (!memcmp(q, "\n%%\n", 4)) {
                sep = q;
                break;
            }
        sec[n] = p;
        if (sep == NULL || n + 1 == max) {
            len[n++] = (size_t)(end - p);
            break;
        }
        len[n++] = (size_t)(sep - p);
        p = sep + 4;
    }
    return n;
}

#endif

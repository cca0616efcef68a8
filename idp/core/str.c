#include "core/str.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

bool idp_str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

const char *idp_str_next_word(const char **p, size_t *len)
{
    const char *s = *p;
    while (*s == ' ')
        s++;
    const char *e = s;
    while (*e && *e != ' ')
        e++;
    *len = (size_t)(e - s);
    *p = e;
    return s;
}

bool idp_str_list_has(const char *list, const char *word)
{
    size_t wl = strlen(word), len;
    if (wl == 0)
        return false;
    for (const char *w = idp_str_next_word(&list, &len); len; w = idp_str_next_word(&list, &len))
        if (len == wl && memcmp(w, word, wl) == 0)
            return true;
    return false;
}

bool idp_str_to_long(const char *s, long min, long max, long *out)
{
    if (s == NULL || *s == '\0' || *s == ' ' || *s == '+' || *s == '-')
        return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

char *idp_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

bool idp_str_list_subset(const char *words, const char *list)
{
    const char *p = words ? words : "";
    size_t len;
    char w[256];
    for (const char *s = idp_str_next_word(&p, &len); len; s = idp_str_next_word(&p, &len)) {
        if (len >= sizeof(w))
            return false;
        memcpy(w, s, len);
        w[len] = '\0';
        if (!idp_str_list_has(list ? list : "", w))
            return false;
    }
    return true;
}

bool idp_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        unsigned char c = *p++;
        if (c < 0x80)
            continue;
        /* RFC 3629 §4: the lead byte says how many continuation bytes follow, and bounds the second. */
        unsigned char lo = 0x80, hi = 0xbf;
        int more;
        if (c >= 0xc2 && c <= 0xdf)
            more = 1;
        else if (c >= 0xe0 && c <= 0xef) {
            more = 2;
            if (c == 0xe0)
                lo = 0xa0; /* overlong */
            else if (c == 0xed)
                hi = 0x9f; /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            more = 3;
            if (c == 0xf0)
                lo = 0x90; /* overlong */
            else if (c == 0xf4)
                hi = 0x8f; /* above U+10FFFF */
        } else {
            return false; /* 0x80-0xc1 (continuation or overlong lead), 0xf5-0xff */
        }
        if (end - p < more || *p < lo || *p > hi)
            return false;
        p++;
        for (int i = 1; i < more; i++, p++)
            if (*p < 0x80 || *p > 0xbf)
                return false;
    }
    return true;
}

void idp_str_list_append(char *out, size_t size, const char *word)
{
    size_t n = strlen(out);
    if (n < size)
        snprintf(out + n, size - n, "%s%s", n ? " " : "", word);
}

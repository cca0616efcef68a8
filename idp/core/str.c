#include "core/str.h"

#include <errno.h>
#include <stdlib.h>
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

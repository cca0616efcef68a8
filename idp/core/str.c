#include "core/str.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool idp_str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool idp_str_list_has(const char *list, const char *word)
{
    size_t wl = strlen(word);
    if (wl == 0)
        return false;
    const char *p = list;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        if ((size_t)(e - p) == wl && memcmp(p, word, wl) == 0)
            return true;
        p = e;
    }
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

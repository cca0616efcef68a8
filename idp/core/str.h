/** Small string helpers. */
#ifndef IDP_CORE_STR_H
#define IDP_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>

/** True if @p s starts with @p prefix. */
bool idp_str_has_prefix(const char *s, const char *prefix);
/**
 * The next word of a space-separated list (RFC 6749 §3.3 scope syntax):
 * returns its start and length (*len = 0 at the end) and moves *p past it.
 */
const char *idp_str_next_word(const char **p, size_t *len);
/** Appends @p word to the space-separated list in @p out (of @p size bytes; truncated when full). */
void idp_str_list_append(char *out, size_t size, const char *word);
/** True if the space-separated list @p list contains @p word (RFC 6749 §3.3 scope syntax). */
bool idp_str_list_has(const char *list, const char *word);
/** Every word of the space-separated @p words is in @p list (NULL is an empty list). */
bool idp_str_list_subset(const char *words, const char *list);
/** Parses a non-negative decimal integer in [min, max]; false on any junk. */
bool idp_str_to_long(const char *s, long min, long max, long *out);
/** strdup that aborts nothing: returns NULL on NULL input or allocation failure. */
char *idp_strdup(const char *s);

/**
 * True if @p s[0..n) is well-formed UTF-8 (RFC 3629 §4): no overlong forms,
 * no surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
 */
bool idp_utf8_valid(const char *s, size_t n);

#endif

/**
 * Decoded request parameters (a query string or an
 * application/x-www-form-urlencoded body), kept in a request arena.
 */
#ifndef IDP_CORE_PARAMS_H
#define IDP_CORE_PARAMS_H

#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

#define IDP_MAX_PARAMS 64

typedef struct {
    const char *name;
    const char *value;
} idp_param_t;

typedef struct {
    idp_param_t items[IDP_MAX_PARAMS];
    size_t n;
} idp_params_t;

/**
 * Parses @p len bytes of x-www-form-urlencoded text (WHATWG URL §5.1: '+' is a
 * space, %XX decodes, a pair without '=' has an empty value). Names and
 * values are copied, decoded and NUL-terminated into @p arena. Rejects a
 * malformed escape, a NUL byte, and more than IDP_MAX_PARAMS pairs with
 * IDP_E_INVALID_REQUEST; IDP_E_TOO_LARGE if the arena is spent.
 */
idp_err_t idp_params_parse(idp_arena_t *arena, const char *text, size_t len, idp_params_t *out);

/**
 * The single value of @p name: IDP_OK with *value, IDP_E_NOT_FOUND when absent
 * (or empty: OAuth treats an empty parameter as omitted, RFC 6749 §3.1), and
 * IDP_E_INVALID_REQUEST when it appears more than once (RFC 6749 §3.1, §3.2).
 */
idp_err_t idp_params_get(const idp_params_t *p, const char *name, const char **value);
/**
 * The same, for an HTML form whose empty fields count: IDP_OK with *value
 * also when it is "" (a field the resident left empty), IDP_E_NOT_FOUND only
 * when absent, IDP_E_INVALID_REQUEST when it appears more than once.
 */
idp_err_t idp_params_field(const idp_params_t *p, const char *name, const char **value);

/** Percent-decodes into the arena (the same rules as a form value). NULL on bad input. */
char *idp_form_decode(idp_arena_t *arena, const char *s, size_t len);

/** Appends the parameters as an x-www-form-urlencoded string (percent-encoded by libcurl). */
idp_err_t idp_params_encode(const idp_params_t *p, idp_buf_t *b);

/** The value of cookie @p name in a Cookie header (RFC 6265 §5.4), copied into the arena; NULL if absent or empty. */
const char *idp_cookie_get(idp_arena_t *arena, const char *header, const char *name);

#endif

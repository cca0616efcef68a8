/**
 * A growable byte buffer with a hard maximum (in the spirit of curl's dynbuf).
 * Appending past the maximum fails with IDP_E_TOO_LARGE and leaves the buffer
 * as it was. The data is always NUL-terminated (the NUL is not counted in len
 * and does not count against max).
 */
#ifndef IDP_CORE_BUF_H
#define IDP_CORE_BUF_H

#include <stddef.h>

#include "core/err.h"

typedef struct {
    char *data;  /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    size_t max;
} idp_buf_t;

void idp_buf_init(idp_buf_t *b, size_t max);
idp_err_t idp_buf_append(idp_buf_t *b, const void *p, size_t n);
idp_err_t idp_buf_puts(idp_buf_t *b, const char *s);
idp_err_t idp_buf_printf(idp_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Appends @p s as the inside of a JSON string (quotes not included). */
idp_err_t idp_buf_json_escape(idp_buf_t *b, const char *s, size_t n);
/** Returns the data (never NULL: "" when empty). The buffer keeps ownership. */
const char *idp_buf_cstr(const idp_buf_t *b);
/** Hands the data to the caller (free() it); the buffer is reset. */
char *idp_buf_steal(idp_buf_t *b);
void idp_buf_reset(idp_buf_t *b);
/** Wipes (OPENSSL_cleanse) and frees. Use for buffers that held secrets. */
void idp_buf_wipe(idp_buf_t *b);
void idp_buf_free(idp_buf_t *b);

#endif

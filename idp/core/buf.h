/**
 * A growable byte buffer with a hard maximum (in the spirit of curl's dynbuf).
 * The data is always NUL-terminated (the NUL is not counted in len and does
 * not count against max).
 *
 * Errors are sticky: the first append that fails (past the maximum:
 * IDP_E_TOO_LARGE; out of memory: IDP_E_NOMEM) wipes and frees what was
 * built, and latches. Every later append returns that error and does
 * nothing; idp_buf_cstr() and idp_buf_steal() return NULL, and data is NULL.
 * So a sequence of appends needs one check at the end, and a half-built
 * payload can never be signed or sent. idp_buf_reset() and idp_buf_free()
 * clear the error.
 */
#ifndef IDP_CORE_BUF_H
#define IDP_CORE_BUF_H

#include <stddef.h>

#include "core/err.h"

typedef struct {
    char *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    size_t max;
    idp_err_t err; /* the first failure, latched; IDP_OK */
} idp_buf_t;

void idp_buf_init(idp_buf_t *b, size_t max);
idp_err_t idp_buf_append(idp_buf_t *b, const void *p, size_t n);
idp_err_t idp_buf_puts(idp_buf_t *b, const char *s);
idp_err_t idp_buf_printf(idp_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Appends @p s as the inside of a JSON string (quotes not included). */
idp_err_t idp_buf_json_escape(idp_buf_t *b, const char *s, size_t n);
/** Latches @p e as if an append had failed (a step the caller took while building, e.g. an escape, failed). */
void idp_buf_set_error(idp_buf_t *b, idp_err_t e);
/** The latched error: IDP_OK while every append succeeded. */
idp_err_t idp_buf_err(const idp_buf_t *b);
/** Returns the data ("" when empty; NULL after a failed append). The buffer keeps ownership. */
const char *idp_buf_cstr(const idp_buf_t *b);
/** Hands the data to the caller (free() it; NULL after a failed append or out of memory); the buffer is reset. */
char *idp_buf_steal(idp_buf_t *b);
void idp_buf_reset(idp_buf_t *b);
/** Wipes (OPENSSL_cleanse) and frees. Use for buffers that held secrets. */
void idp_buf_wipe(idp_buf_t *b);
void idp_buf_free(idp_buf_t *b);

#endif

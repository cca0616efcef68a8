/**
 * Structured logs: one JSON object per line on stderr, written with a single
 * write so that lines from worker threads never interleave.
 *
 *   idp_log_t r;
 *   idp_log_begin(&r, IDP_LOG_INFO, "key_rotated");
 *   idp_log_str(&r, "kid", kid);
 *   idp_log_int(&r, "count", n);
 *   idp_log_end(&r);
 *
 * Never log secrets: client secrets, tokens, codes, cookies, Authorization
 * headers and query strings are kept out by the callers (see http/server.c).
 */
#ifndef IDP_CORE_LOG_H
#define IDP_CORE_LOG_H

#include "core/buf.h"

typedef enum { IDP_LOG_DEBUG, IDP_LOG_INFO, IDP_LOG_WARN, IDP_LOG_ERROR } idp_log_level_t;

typedef struct {
    idp_buf_t buf;
    int enabled;
} idp_log_t;

void idp_log_set_level(idp_log_level_t level);
void idp_log_begin(idp_log_t *r, idp_log_level_t level, const char *event);
void idp_log_str(idp_log_t *r, const char *key, const char *value);
void idp_log_int(idp_log_t *r, const char *key, long long value);
void idp_log_double(idp_log_t *r, const char *key, double value);
void idp_log_end(idp_log_t *r);

/** Shorthand for a log line with one "msg" field. */
void idp_log_msg(idp_log_level_t level, const char *event, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif

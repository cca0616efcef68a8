#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static idp_log_level_t min_level = IDP_LOG_INFO;
static const char *level_names[] = {"debug", "info", "warn", "error"};

void idp_log_set_level(idp_log_level_t level)
{
    min_level = level;
}

void idp_log_begin(idp_log_t *r, idp_log_level_t level, const char *event)
{
    idp_buf_init(&r->buf, 16384);
    r->enabled = level >= min_level;
    if (!r->enabled)
        return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char ts[32];
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    idp_buf_printf(&r->buf, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\",\"event\":\"", ts, (long)(tv.tv_usec / 1000),
                   level_names[level]);
    idp_buf_json_escape(&r->buf, event, strlen(event));
    idp_buf_puts(&r->buf, "\"");
}

void idp_log_str(idp_log_t *r, const char *key, const char *value)
{
    if (!r->enabled)
        return;
    idp_buf_puts(&r->buf, ",\"");
    idp_buf_json_escape(&r->buf, key, strlen(key));
    if (value == NULL) {
        idp_buf_puts(&r->buf, "\":null");
        return;
    }
    idp_buf_puts(&r->buf, "\":\"");
    idp_buf_json_escape(&r->buf, value, strlen(value));
    idp_buf_puts(&r->buf, "\"");
}

void idp_log_int(idp_log_t *r, const char *key, long long value)
{
    if (!r->enabled)
        return;
    idp_buf_puts(&r->buf, ",\"");
    idp_buf_json_escape(&r->buf, key, strlen(key));
    idp_buf_printf(&r->buf, "\":%lld", value);
}

void idp_log_double(idp_log_t *r, const char *key, double value)
{
    if (!r->enabled)
        return;
    idp_buf_puts(&r->buf, ",\"");
    idp_buf_json_escape(&r->buf, key, strlen(key));
    idp_buf_printf(&r->buf, "\":%.3f", value);
}

void idp_log_end(idp_log_t *r)
{
    if (r->enabled && idp_buf_puts(&r->buf, "}\n") == IDP_OK) {
        ssize_t off = 0, n = (ssize_t)r->buf.len;
        while (off < n) {
            ssize_t w = write(STDERR_FILENO, r->buf.data + off, (size_t)(n - off));
            if (w <= 0)
                break;
            off += w;
        }
    }
    idp_buf_free(&r->buf);
}

void idp_log_msg(idp_log_level_t level, const char *event, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    idp_log_t r;
    idp_log_begin(&r, level, event);
    idp_log_str(&r, "msg", msg);
    idp_log_end(&r);
}

/**
 * Per-key request rate limits (token buckets) held in memory by each node:
 * for abuse control such as card attempts per client address. A fixed
 * table; when it is full, the least recently refilled bucket is reused.
 */
#ifndef IDP_CORE_RATELIMIT_H
#define IDP_CORE_RATELIMIT_H

#include <stdbool.h>

typedef struct idp_ratelimit idp_ratelimit_t;

/** @p per_minute tokens per minute per key, bursts up to @p burst. */
idp_ratelimit_t *idp_ratelimit_new(int per_minute, int burst);
/** Takes one token for @p key at monotonic time @p now_ms; false when the key is over its rate. */
bool idp_ratelimit_take(idp_ratelimit_t *r, const char *key, long long now_ms);
void idp_ratelimit_free(idp_ratelimit_t *r);

#endif

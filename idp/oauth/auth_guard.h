/**
 * Failed client authentications (RFC 6749 §2.3, §5.2 invalid_client),
 * counted per client for /metrics, with back-off per client and address:
 * after clients.auth_failures_before_backoff failures of one client from one
 * address within a minute, that client is refused from that address for
 * IDP_AUTH_BACKOFF_SECONDS (HTTP 429 with Retry-After), whatever it sends.
 * Per node, in memory, bounded: a flood of made-up client ids or addresses
 * only recycles the least recently used entries. Internal to idp/oauth.
 */
#ifndef IDP_OAUTH_AUTH_GUARD_H
#define IDP_OAUTH_AUTH_GUARD_H

#include <stdbool.h>

#include "core/buf.h"

#define IDP_AUTH_BACKOFF_SECONDS 60 /* what the 429's Retry-After says (http/server.c) */

typedef struct idp_auth_guard idp_auth_guard_t;

/** @p max_failures failures of one client from one address within a minute start a back-off. */
idp_auth_guard_t *idp_auth_guard_new(int max_failures);
void idp_auth_guard_free(idp_auth_guard_t *g);

/** False while @p client_id is backing off from address @p addr. */
bool idp_auth_guard_admit(idp_auth_guard_t *g, const char *client_id, const char *addr, long long now_ms);

/**
 * Counts a failure of @p client_id (@p known: a registered client; others
 * are counted together as "unknown") from @p addr. True when this failure
 * started a back-off.
 */
bool idp_auth_guard_failed(idp_auth_guard_t *g, const char *client_id, bool known, const char *addr, long long now_ms);

/** Appends the counters in Prometheus text format (sakaid_client_auth_failures_total, ..._backoffs_total). */
idp_err_t idp_auth_guard_metrics(idp_auth_guard_t *g, idp_buf_t *out);

#endif

/**
 * Metric lines that the protocol core contributes to /metrics (Prometheus
 * text exposition format 0.0.4). The HTTP layer serves /metrics on its own
 * loopback listener (http.metrics_listen) and calls this after its own
 * counters.
 */
#ifndef IDP_OAUTH_METRICS_H
#define IDP_OAUTH_METRICS_H

#include "core/buf.h"
#include "oauth/oauth.h"

/**
 * Appends the core's metric families (each with its # HELP and # TYPE lines)
 * to @p out. Nothing personal: counters and labels that name no resident:
 * failed client authentications by registered client (auth_guard.h).
 */
void idp_oauth_metrics(idp_oauth_t *o, idp_buf_t *out);

#endif

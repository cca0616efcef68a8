/**
 * The HTTP layer: civetweb in, the protocol core (idp/oauth) out. It turns
 * wire requests into idp_oauth_req_t, writes idp_oauth_resp_t back with the
 * security headers, enforces size caps, and writes the access log. It holds
 * no protocol logic.
 */
#ifndef IDP_HTTP_SERVER_H
#define IDP_HTTP_SERVER_H

#include "config/config.h"
#include "core/err.h"
#include "oauth/oauth.h"

typedef struct idp_http idp_http_t;

/** Starts listening (cfg->listen_host:listen_port, TLS if configured). Errors are described in @p err. */
idp_err_t idp_http_start(const idp_config_t *cfg, idp_oauth_t *oauth, idp_http_t **out, char *err, size_t errlen);
/** Stops accepting, lets in-flight requests finish, and frees the server. */
void idp_http_stop(idp_http_t *h);

#endif

/**
 * sakaid-admin's one outbound request: a GET of a small document named in a
 * client's registration (today its sector_identifier_uri, OpenID Connect
 * Core §8.1), sent through the outbound-HTTP module (net/http_client.h),
 * which holds the policy; this file keeps sakaid-admin's limits and
 * messages. It has the shape of idp_fetch_fn (client/client_meta.h).
 */
#ifndef IDP_ADMIN_FETCH_H
#define IDP_ADMIN_FETCH_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/** The whole exchange, connecting included, ends after this long. */
#define ADMIN_FETCH_TIMEOUT_MS 5000

/**
 * GETs @p uri into @p body (initialised by the caller, whose maximum is the
 * size cap): https with TLS verification, or plain http only to a loopback
 * host; no redirects; ADMIN_FETCH_TIMEOUT_MS. @p ctx is unused (idp_fetch_fn).
 * Returns IDP_OK for a 200 answer that fits; otherwise, with a message in
 * @p err that names @p uri:
 *   IDP_E_INVALID_REQUEST  a URI that is not https (http only to loopback);
 *   IDP_E_UNAVAILABLE      unreachable, timed out, TLS failed, or a status other than 200;
 *   IDP_E_TOO_LARGE        a body over body->max bytes.
 * The body may hold part of a refused answer; the caller frees it either way.
 */
idp_err_t admin_fetch_get(void *ctx, const char *uri, idp_buf_t *body, char *err, size_t errlen);

#endif

/* The protocol core's lines of /metrics (metrics.h). */
#include "oauth/metrics.h"

#include "oauth/auth_guard.h"

void idp_oauth_metrics(idp_oauth_t *o, idp_buf_t *out)
{
    /* failed client authentications by client, and back-offs (auth_guard.h) */
    if (o->auth_guard)
        idp_auth_guard_metrics(o->auth_guard, out);
}

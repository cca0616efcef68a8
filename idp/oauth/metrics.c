/* The protocol core's lines of /metrics (Prometheus text format 0.0.4). */
#include "oauth/auth_guard.h"
#include "oauth/oauth.h"

idp_err_t idp_oauth_metrics(idp_oauth_t *o, idp_buf_t *out)
{
    return o->auth_guard ? idp_auth_guard_metrics(o->auth_guard, out) : IDP_OK;
}

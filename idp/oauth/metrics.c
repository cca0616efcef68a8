#include "oauth/metrics.h"

void idp_oauth_metrics(idp_oauth_t *o, idp_buf_t *out)
{
    (void)o;
    (void)out;
}

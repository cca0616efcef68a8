/* One bounded GET of a small document named in a client's registration (http_client.h, idp_net_fetch_doc). */
#include <stdio.h>

#include "net/http_client.h"

idp_err_t idp_net_fetch_doc(void *ctx, const char *uri, idp_buf_t *body, char *err, size_t errlen)
{
    char why[512] = "";
    idp_net_resp_t resp;
    idp_net_req_t req = {
        .method = IDP_NET_GET,
        .url = uri,
        .accept = "application/json",
        .timeout_ms = IDP_NET_FETCH_DOC_TIMEOUT_MS,
        .max_bytes = body->max,
        .user_agent = "sakaid",
    };
    idp_err_t ret = idp_net_perform(ctx, &req, &resp, why, sizeof(why));
    if (ret == IDP_E_INVALID_REQUEST) {
        snprintf(err, errlen, "refusing to fetch %.200s: https only (http only to a loopback host)", uri);
    } else if (ret == IDP_E_TOO_LARGE) {
        snprintf(err, errlen, "%.200s is larger than %zu bytes", uri, body->max);
    } else if (ret != IDP_OK) {
        snprintf(err, errlen, "cannot fetch %.200s: %s", uri, why);
        ret = ret == IDP_E_NOMEM ? ret : IDP_E_UNAVAILABLE;
    } else if (resp.status != 200) {
        snprintf(err, errlen, "%.200s answered HTTP %ld, not 200%s", uri, resp.status,
                 resp.status >= 300 && resp.status < 400 ? " (redirects are not followed)" : "");
        ret = IDP_E_UNAVAILABLE;
    }
    /* the caller's buffer takes the answer (same maximum) */
    idp_buf_free(body);
    *body = resp.body;
    return ret;
}

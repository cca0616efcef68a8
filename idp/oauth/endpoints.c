/* The endpoint table (oauth/endpoints.h): the rows of endpoints.def without their handlers. */
#include "oauth/endpoints.h"

#include <stdio.h>
#include <string.h>

#define E(id, path, methods, body, disc, auth, surface, handler) [id] = {id, path, methods, body, disc, auth, surface},

const idp_endpoint_t idp_endpoints[] = {
#include "oauth/endpoints.def"
};

const size_t idp_endpoints_count = sizeof(idp_endpoints) / sizeof(idp_endpoints[0]);

_Static_assert(sizeof(idp_endpoints) / sizeof(idp_endpoints[0]) == IDP_EP__COUNT, "one row per endpoint id");

#define PARAM "{id}"

bool idp_endpoint_match(const idp_endpoint_t *ep, const char *path, const char **param)
{
    static const char id_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    const char *at = strstr(ep->path, PARAM);
    *param = NULL;
    if (at == NULL)
        return strcmp(ep->path, path) == 0;
    /* the row's text before {id}, one segment of [A-Za-z0-9_-] (the ids we draw), then the row's text after it */
    size_t before = (size_t)(at - ep->path);
    if (strncmp(ep->path, path, before) != 0)
        return false;
    const char *seg = path + before;
    size_t len = strspn(seg, id_chars);
    if (len == 0 || len > IDP_PATH_PARAM_MAX || strcmp(seg + len, at + sizeof(PARAM) - 1) != 0)
        return false;
    *param = seg;
    return true;
}

/* Whether the space-separated list @p methods holds @p m. */
static bool has_method(const char *methods, const char *m)
{
    size_t len = strlen(m);
    for (const char *p = methods; (p = strstr(p, m)) != NULL; p += len)
        if ((p == methods || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
            return true;
    return false;
}

bool idp_endpoint_allows(const idp_endpoint_t *ep, const char *method)
{
    if (!strcmp(method, "HEAD")) /* RFC 9110 §9.3.2: wherever GET is */
        method = "GET";
    return has_method(ep->methods, method);
}

void idp_endpoint_allow_list(const idp_endpoint_t *ep, char *out, size_t n)
{
    static const char *const all[] = {"GET", "HEAD", "POST", "PUT", "DELETE"};
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (!idp_endpoint_allows(ep, all[i]))
            continue;
        int w = snprintf(out + used, n - used, "%s%s", used ? ", " : "", all[i]);
        if (w < 0 || (size_t)w >= n - used)
            return;
        used += (size_t)w;
    }
}

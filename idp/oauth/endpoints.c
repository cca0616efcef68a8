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
    size_t n = strlen(ep->path), pn = sizeof(PARAM) - 1;
    *param = NULL;
    if (n < pn || strcmp(ep->path + n - pn, PARAM) != 0)
        return strcmp(ep->path, path) == 0;
    /* a path ending in {id}: that prefix, then one segment of [A-Za-z0-9_-] (the ids we draw) */
    if (strncmp(ep->path, path, n - pn) != 0)
        return false;
    const char *seg = path + n - pn;
    size_t len = strspn(seg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");
    if (len == 0 || len > IDP_PATH_PARAM_MAX || seg[len] != '\0')
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

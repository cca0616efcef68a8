/* The endpoint table (oauth/endpoints.h): the rows of endpoints.def without their handlers. */
#include "oauth/endpoints.h"

#define E(id, path, methods, body, disc, auth, surface, handler) [id] = {id, path, methods, body, disc, auth, surface},

const idp_endpoint_t idp_endpoints[] = {
#include "oauth/endpoints.def"
};

const size_t idp_endpoints_count = sizeof(idp_endpoints) / sizeof(idp_endpoints[0]);

_Static_assert(sizeof(idp_endpoints) / sizeof(idp_endpoints[0]) == IDP_EP__COUNT, "one row per endpoint id");

/*
 * The one entry point of the protocol core for the HTTP layer: the handler
 * of each row of the endpoint table (endpoints.def), its outcome rendered by
 * the row's error surface (response.c). Also the small endpoints that only
 * read state: discovery, the JWK Set, health and readiness.
 */
#include <string.h>

#include "oauth/internal.h"

#define E(id, path, methods, body, disc, auth, surface, handler) [id] = handler,

static idp_endpoint_fn *const handlers[IDP_EP__COUNT] = {
#include "oauth/endpoints.def"
};

idp_endpoint_fn *idp_oauth_handler(idp_endpoint_id_t id)
{
    return (unsigned)id < IDP_EP__COUNT ? handlers[id] : NULL;
}

void idp_oauth_handle(idp_oauth_t *o, idp_endpoint_id_t id, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_endpoint_fn *fn = idp_oauth_handler(id);
    idp_outcome_t out = fn ? fn(o, req, resp) : idp_fail(IDP_E_NOT_FOUND, "no such endpoint");
    idp_oauth_respond(o, id, req, resp, out);
}

static idp_outcome_t static_json(idp_oauth_resp_t *resp, const char *body, size_t len)
{
    resp->status = 200;
    resp->body = body;
    resp->body_len = len;
    return idp_ok();
}

idp_outcome_t idp_oauth_discovery(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    (void)req;
    return static_json(resp, o->discovery, o->discovery_len);
}

idp_outcome_t idp_oauth_jwks(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_keyset_t *ks = idp_keystore_get(o->keys);
    if (ks == NULL)
        return idp_fail(IDP_E_UNAVAILABLE, "no signing keys loaded");
    size_t len;
    const char *jwks = idp_keyset_jwks(ks, &len);
    /* The key set may be replaced once released: the answer keeps a copy in the request's arena. */
    char *copy = idp_arena_alloc(req->arena, len + 1);
    if (copy)
        memcpy(copy, jwks, len), copy[len] = '\0';
    idp_keyset_release(ks);
    return copy ? static_json(resp, copy, len) : idp_fail(IDP_E_NOMEM, NULL);
}

idp_outcome_t idp_oauth_healthz(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    static const char ok[] = "{\"status\":\"ok\"}";
    (void)o, (void)req;
    return static_json(resp, ok, sizeof(ok) - 1);
}

/* Ready = the database answers and keys are loaded; a load balancer drains us otherwise. */
idp_outcome_t idp_oauth_readyz(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    static const char ok[] = "{\"status\":\"ready\"}";
    (void)req;
    idp_keyset_t *ks = idp_keystore_get(o->keys);
    idp_err_t e = ks ? idp_store_ping(o->store) : IDP_E_UNAVAILABLE;
    idp_keyset_release(ks);
    if (e != IDP_OK)
        return idp_fail(IDP_E_UNAVAILABLE, ks ? "database unreachable" : "no signing keys");
    return static_json(resp, ok, sizeof(ok) - 1);
}

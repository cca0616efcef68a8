/*
 * Pushed authorization requests (RFC 9126; issue #21, docs/flow.md "Pushed authorization requests"). A
 * client authenticates at POST /par and sends its authorization request there, not through the browser;
 * the request is validated as /authorize would (authorize.c), stored, and named by a request_uri that
 * /authorize takes once, for that client, within IDP_PAR_SECONDS (flow.c, pushed_params). The request may
 * come as a signed request object (RFC 9126 §3, JAR: request_object.c); a client registered with
 * require_signed_request_object must send it so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "oauth/authorize.h"
#include "oauth/client_auth.h"
#include "oauth/internal.h"
#include "oauth/request_object.h"

/* The client's own credentials never travel on into the stored request (RFC 9126 §2.1). */
static bool credential(const char *name)
{
    static const char *const names[] = {"client_secret", "client_assertion", "client_assertion_type", NULL};
    for (const char *const *n = names; *n; n++)
        if (!strcmp(*n, name))
            return true;
    return false;
}

/* RFC 9126 §2: POST /par, client authentication and the authorization request's parameters in the body. */
idp_outcome_t idp_oauth_par(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    const char *desc = NULL, *v = NULL;
    /* RFC 9449 §10.1: a proof here binds the code to come to its key, as dpop_jkt would */
    idp_dpop_proof_t proof;
    idp_outcome_t out = idp_dpop_check(o, req, resp, NULL, &proof);
    if (out.err != IDP_OK)
        return out;
    idp_client_auth_t cl;
    idp_err_t e = idp_client_authenticate(o, req, &cl, &desc);
    if (e != IDP_OK)
        return idp_fail(e, desc);
    idp_params_t *p = idp_arena_alloc(req->arena, sizeof(*p));
    char *token = NULL;
    idp_buf_t b;
    idp_buf_init(&b, 8192);
    if (p == NULL) {
        out = idp_fail(IDP_E_NOMEM, NULL);
        goto Exit;
    }
    /* §2.1: "The request_uri authorization request parameter is one exception, and it MUST NOT be provided." */
    if (idp_params_get(req->form, "request_uri", &v) != IDP_E_NOT_FOUND) {
        out = idp_fail(IDP_E_INVALID_REQUEST, "request_uri must not be pushed (RFC 9126 §2.1)");
        goto Exit;
    }
    /* §2.1: a client_id in the body must be the authenticated client's */
    e = idp_params_get(req->form, "client_id", &v);
    if ((e == IDP_OK && strcmp(v, cl.client->id) != 0) || e == IDP_E_INVALID_REQUEST) {
        out = idp_fail(IDP_E_INVALID_REQUEST, "client_id is not the authenticated client's");
        goto Exit;
    }
    /* §3: the request as a request object (JAR, RFC 9101), whose claims are the request (request_object.c); RFC
     * 9101 §6.3: only they count, the body's other parameters are ignored */
    const idp_params_t *src = req->form;
    if ((e = idp_params_get(req->form, "request", &v)) == IDP_E_INVALID_REQUEST) {
        out = idp_fail(IDP_E_INVALID_REQUEST, "request is repeated");
        goto Exit;
    }
    if (e == IDP_OK) {
        idp_params_t *ro = idp_arena_alloc(req->arena, sizeof(*ro));
        desc = NULL;
        e = ro ? idp_request_object_params(o, req, cl.client, v, ro, &desc) : IDP_E_NOMEM;
        if (e != IDP_OK) {
            out = idp_fail(e, e == IDP_E_INVALID_REQUEST_OBJECT ? desc : NULL);
            goto Exit;
        }
        src = ro;
    } else if (cl.client->require_signed_request) {
        /* RFC 9101 §10.5: "the server MUST reject the authorization request from the client that does not conform
         * to this specification"; FAPI 2.0 Message Signing §5.3.1 item 1 ("require use of") */
        out = idp_fail(IDP_E_INVALID_REQUEST, "this client signs its authorization requests: push a request object "
                                              "(require_signed_request_object, RFC 9101 §10.5)");
        goto Exit;
    }
    p->n = 0;
    for (size_t i = 0; i < src->n; i++)
        if (!credential(src->items[i].name))
            p->items[p->n++] = src->items[i];
    if (idp_params_get(src, "client_id", &v) == IDP_E_NOT_FOUND && p->n < IDP_MAX_PARAMS)
        p->items[p->n++] = (idp_param_t){.name = "client_id", .value = cl.client->id};
    /* §10.1: "If both ... are present, the authorization server MUST ensure that they match" */
    e = idp_params_get(src, "dpop_jkt", &v);
    if (proof.jkt[0] && e == IDP_OK && strcmp(v, proof.jkt) != 0) {
        out = idp_fail(IDP_E_INVALID_DPOP_PROOF, "dpop_jkt is not the thumbprint of the DPoP proof's key");
        goto Exit;
    }
    if (proof.jkt[0] && e == IDP_E_NOT_FOUND && p->n < IDP_MAX_PARAMS)
        p->items[p->n++] = (idp_param_t){.name = "dpop_jkt", .value = proof.jkt};
    if (cl.client->fapi2 && !strcmp(proof.alg, "RS256")) { /* FAPI 2.0 Security Profile §5.4.1 */
        out = idp_fail(IDP_E_INVALID_DPOP_PROOF, "a fapi2 client's DPoP proofs are not signed with RS256");
        goto Exit;
    }
    /* §2.1: "the authorization server MUST validate the request the same way as at the authorization
     * endpoint"; here every error is the client's to read, as JSON (§2.3) */
    idp_authz_req_t ar = {0};
    idp_authz_error_t err;
    bool valid = idp_authz_validate(p, cl.client, &ar, &err);
    idp_authz_clear(&ar);
    if (!valid) {
        out = idp_fail(err.error == IDP_E_UNKNOWN_CLIENT ? IDP_E_INVALID_CLIENT : err.error, err.description);
        goto Exit;
    }
    if ((e = idp_params_encode(p, &b)) != IDP_OK) { /* at most 8 KiB (migration 0022) */
        out = idp_fail(IDP_E_INVALID_REQUEST, "the authorization request is too large");
        goto Exit;
    }
    if ((token = idp_random_token_new(32)) == NULL) {
        out = idp_fail(IDP_E_NOMEM, NULL);
        goto Exit;
    }
    char *uri = idp_arena_alloc(req->arena, sizeof(IDP_PAR_URN) + strlen(token));
    if (uri == NULL) {
        out = idp_fail(IDP_E_NOMEM, NULL);
        goto Exit;
    }
    snprintf(uri, sizeof(IDP_PAR_URN) + strlen(token), "%s%s", IDP_PAR_URN, token);
    unsigned char h[32];
    idp_sha256(uri, strlen(uri), h);
    if ((e = idp_store_par_put(o->store, h, cl.client->id, idp_buf_cstr(&b), IDP_PAR_SECONDS)) != IDP_OK) {
        out = idp_fail_store(e);
        goto Exit;
    }
    /* §2.2: 201, the request_uri and its lifetime */
    idp_oauth_json(req, resp, 201, json_pack("{s:s, s:i}", "request_uri", uri, "expires_in", IDP_PAR_SECONDS));
Exit:
    idp_secret_free(token);
    idp_buf_free(&b);
    idp_client_auth_release(&cl);
    return out;
}

/*
 * The token endpoint (RFC 6749 §3.2): grant_type, client authentication,
 * then the grant from the grant table, one file each in grants/:
 * authorization_code (§4.1.3, with PKCE RFC 7636 §4.6), refresh_token (§6,
 * rotating, RFC 9700 §4.14.2) and client_credentials (§4.4). Access tokens
 * are JWTs in the RFC 9068 profile, their jti stored for revocation and
 * introspection; ID tokens follow OpenID Connect Core §2 and §3.1.3.6;
 * refresh tokens are 256 random bits stored as hashes.
 */
#include <string.h>

#include "oauth/grants/grants.h"

/* The grants this server implements: the token endpoint accepts these and discovery advertises them
 * (grant_types_supported, discovery.c). */
const idp_grant_t idp_grants[] = {
    {"authorization_code", idp_grant_authorization_code, false},
    {"refresh_token", idp_grant_refresh_token, false},
    {"client_credentials", idp_grant_client_credentials, true},
};
const size_t idp_grants_count = sizeof(idp_grants) / sizeof(idp_grants[0]);

idp_outcome_t idp_oauth_token(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    const char *name = NULL, *desc = NULL;
    idp_err_t e = idp_params_get(req->form, "grant_type", &name);
    if (e != IDP_OK)
        return idp_fail(IDP_E_INVALID_REQUEST,
                        e == IDP_E_NOT_FOUND ? "grant_type is required" : "grant_type is repeated");
    /* RFC 9449 §5: a proof is checked before anything else is spent (the client assertion's jti) */
    idp_dpop_proof_t proof;
    idp_outcome_t out = idp_dpop_check(o, req, resp, NULL, &proof);
    if (out.err != IDP_OK)
        return out;
    idp_client_auth_t cl;
    if ((e = idp_client_authenticate(o, req, &cl, &desc)) != IDP_OK)
        return idp_fail(e, desc);
    const idp_grant_t *g = NULL;
    for (size_t i = 0; i < idp_grants_count && g == NULL; i++)
        if (!strcmp(idp_grants[i].name, name))
            g = &idp_grants[i];
    if (g == NULL)
        out = idp_fail(IDP_E_UNSUPPORTED_GRANT_TYPE, "this grant type is not supported");
    else if (!idp_client_has(cl.client->grant_types, name)) /* RFC 6749 §5.2 unauthorized_client */
        out = idp_fail(IDP_E_UNAUTHORIZED_CLIENT, "the client is not registered for this grant type");
    else if (g->confidential_only && !strcmp(cl.method, "none")) /* §4.4: confidential clients only */
        out = idp_fail(IDP_E_UNAUTHORIZED_CLIENT, "public clients cannot use client_credentials");
    /* RFC 9449 §5.2: a client registered with dpop_bound_access_tokens (every fapi2 client) sends a proof */
    else if (cl.client->dpop_bound && req->dpop_jkt == NULL)
        out = idp_fail(IDP_E_INVALID_DPOP_PROOF, "this client's token requests carry a DPoP proof");
    /* FAPI 2.0 Security Profile §5.4.1: PS256, ES256 or EdDSA, never RS256 */
    else if (cl.client->fapi2 && !strcmp(proof.alg, "RS256"))
        out = idp_fail(IDP_E_INVALID_DPOP_PROOF, "a fapi2 client's DPoP proofs are not signed with RS256");
    else
        out = g->fn(o, req, resp, &cl);
    idp_client_auth_release(&cl);
    return out;
}

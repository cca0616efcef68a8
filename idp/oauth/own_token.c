/* Our own tokens, verified with our own published keys (access tokens, ID token hints, logout tokens). */
#include "jose/verify.h"
#include "oauth/internal.h"

idp_err_t idp_own_verify(idp_oauth_t *o, const char *token, json_t **header, json_t **payload)
{
    idp_keyset_t *ks = idp_keystore_get(o->keys);
    const idp_jwks_t *keys = ks ? idp_keyset_verifier(ks) : NULL;
    idp_err_t e = keys ? idp_jws_verify(keys, token, header, payload) : IDP_E_SERVER_ERROR;
    idp_keyset_release(ks);
    return e;
}

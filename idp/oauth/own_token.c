/*
 * Our own tokens: signed with our active key of an algorithm (access and ID tokens, JARM responses), and verified
 * with our own published keys (access tokens, ID token hints, logout tokens).
 */
#include <stdlib.h>

#include "core/log.h"
#include "jose/jwt.h"
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

/*
 * Serialises @p claims once (no hand-built JSON is signed) and signs it with
 * the active key of @p alg. Takes @p claims; NULL (a json_pack that failed)
 * is IDP_E_NOMEM.
 */
idp_err_t idp_own_sign(idp_oauth_t *o, const char *alg, const char *typ, json_t *claims, char **out)
{
    char *text = claims ? json_dumps(claims, JSON_COMPACT) : NULL;
    json_decref(claims);
    if (text == NULL)
        return IDP_E_NOMEM;
    idp_keyset_t *ks = idp_keystore_get(o->keys);
    const idp_jose_key_t *key = ks ? idp_keyset_signer(ks, idp_alg_from_name(alg)) : NULL;
    idp_err_t e = key ? idp_jwt_sign(key, typ, text, out) : IDP_E_SERVER_ERROR;
    if (key == NULL)
        idp_log_msg(IDP_LOG_ERROR, "no_signing_key", "no active %s key", alg);
    idp_keyset_release(ks);
    free(text);
    return e;
}

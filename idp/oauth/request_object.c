/*
 * Signed request objects (JAR, RFC 9101) at the PAR endpoint (RFC 9126 §3;
 * issue #21, docs/fapi.md "Message signing"): verified with the client's
 * registered keys (client_auth.c, the same keys and jwks_uri cache as its
 * assertions), checked claim by claim, and turned into the parameters
 * authorize.c validates as it validates any other request.
 */
#include "oauth/request_object.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oauth/client_auth.h"
#include "oauth/internal.h"

/* RFC 7519 §4.1: the JWT's own claims, which protect the request object and are no authorization parameters. */
static bool registered_claim(const char *name)
{
    static const char *const names[] = {"iss", "sub", "aud", "exp", "nbf", "iat", "jti", NULL};
    for (const char *const *n = names; *n; n++)
        if (!strcmp(*n, name))
            return true;
    return false;
}

/* RFC 9101 §4, §10.8 (explicit typing against cross-JWT confusion), FAPI 2.0 Message Signing §5.3.1 item 5: a typ,
 * when there is one, is oauth-authz-req+jwt; RFC 7515 §4.1.9: "application/" may be left out, case does not count. */
static bool typ_ok(json_t *header)
{
    json_t *typ = json_object_get(header, "typ");
    const char *t = json_string_value(typ);
    if (typ == NULL)
        return true;
    if (t == NULL)
        return false;
    if (!strncasecmp(t, "application/", 12))
        t += 12;
    return !strcasecmp(t, "oauth-authz-req+jwt");
}

/* FAPI 2.0 Message Signing §5.3.1 item 2: aud is, or is an array containing, our issuer identifier. */
static bool aud_ok(const char *issuer, json_t *aud)
{
    if (json_is_string(aud))
        return !strcmp(json_string_value(aud), issuer);
    return json_is_array(aud) && idp_json_list_has(aud, issuer);
}

#define REFUSE(d) (*desc = (d), IDP_E_INVALID_REQUEST_OBJECT)

/* The request object's header and claims, verified: everything but the parameters themselves. */
static idp_err_t check(idp_oauth_t *o, idp_oauth_req_t *req, const idp_client_t *client, json_t *header, json_t *c,
                       const char **desc)
{
    const char *alg = json_string_value(json_object_get(header, "alg")); /* idp_jws_verify checked it is ours */
    /* RFC 9101 §6.2 (OpenID Connect Registration §2, request_object_signing_alg): the alg the client registered */
    if (client->request_object_alg && strcmp(alg, client->request_object_alg) != 0)
        return REFUSE("the request object is not signed with the client's request_object_signing_alg");
    /* FAPI 2.0 Security Profile §5.4.1: PS256, ES256 or EdDSA, never RS256 */
    if (client->fapi2 && !strcmp(alg, "RS256"))
        return REFUSE("a fapi2 client's request objects are not signed with RS256");
    if (!typ_ok(header))
        return REFUSE("the request object's typ must be oauth-authz-req+jwt (RFC 9101 §4)");
    /* RFC 9101 §4: iss SHOULD be there; RFC 9126 §3: "at the authorization server's discretion to require the iss
     * claim to match the client_id": we do, so the signer names itself as the client it authenticated as */
    const char *iss = json_string_value(json_object_get(c, "iss"));
    if (iss == NULL || strcmp(iss, client->id) != 0)
        return REFUSE("the request object's iss must be the client_id");
    if (!aud_ok(o->cfg->issuer, json_object_get(c, "aud")))
        return REFUSE("the request object's aud must be this server's issuer identifier");
    /* RFC 9126 §3 step 3, RFC 9101 §6.3: "The client ID values in the client_id request parameter and in the Request
     * Object client_id claim MUST be identical"; absent, it is the authenticated client's (par.c adds it) */
    json_t *cid = json_object_get(c, "client_id");
    if (cid && (!json_is_string(cid) || strcmp(json_string_value(cid), client->id) != 0))
        return REFUSE("the request object's client_id is not the authenticated client's");
    /* RFC 9101 §4, §10.7: "The request and request_uri parameters MUST NOT be included in Request Objects" */
    if (json_object_get(c, "request") || json_object_get(c, "request_uri"))
        return REFUSE("a request object holds no request or request_uri");
    /* RFC 7519 §4.1.4, FAPI 2.0 Message Signing §5.3.1 items 3 and 4: exp required and ahead; exp no more than 60
     * minutes after nbf (after now when there is none; a fapi2-message-signing client must send it), which with exp
     * ahead also keeps nbf within the last 60 minutes (item 3); nbf not ahead of us (RFC 7519 §4.1.5). Each bound
     * is checked before the subtraction, so it cannot overflow. */
    json_t *exp = json_object_get(c, "exp"), *nbf = json_object_get(c, "nbf");
    if (!json_is_integer(exp))
        return REFUSE("the request object needs an exp");
    if (json_integer_value(exp) <= req->now)
        return REFUSE("the request object has expired");
    if (nbf && !json_is_integer(nbf))
        return REFUSE("the request object's nbf must be a number");
    if (nbf == NULL && client->message_signing)
        return REFUSE("the request object needs an nbf (FAPI 2.0 Message Signing §5.3.1)");
    long long from = nbf ? (long long)json_integer_value(nbf) : req->now;
    if (from > req->now + IDP_REQUEST_OBJECT_SKEW)
        return REFUSE("the request object is not valid yet (nbf)");
    if (json_integer_value(exp) - from > IDP_REQUEST_OBJECT_MAX_LIFETIME)
        return REFUSE("the request object lives longer than 60 minutes (exp after nbf), or its nbf is older");
    return IDP_OK;
}

/*
 * One claim as a parameter's text, in the arena (NULL with *desc: it has no such form). RFC 9101 §4: a claim "is
 * the same as" the parameter; the parameters that are JSON are sent as their JSON text (OpenID Connect Core §5.5
 * claims, RFC 9396 §2 authorization_details), max_age is a number (Core §6.1's example).
 */
static const char *param_text(idp_oauth_req_t *req, const char *name, json_t *v, idp_err_t *e, const char **desc)
{
    char num[32];
    char *text = NULL;
    const char *out = NULL;
    if (json_is_string(v))
        out = idp_arena_strdup(req->arena, json_string_value(v));
    else if (!strcmp(name, "max_age") && json_is_integer(v) && json_integer_value(v) >= 0) {
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        out = idp_arena_strdup(req->arena, num);
    } else if ((!strcmp(name, "claims") && json_is_object(v)) ||
               (!strcmp(name, "authorization_details") && json_is_array(v))) {
        if ((text = json_dumps(v, JSON_COMPACT)) != NULL)
            out = idp_arena_strdup(req->arena, text);
        free(text);
    } else {
        *e = REFUSE("a request object's parameters are strings (max_age a number, claims an object, "
                    "authorization_details an array)");
        return NULL;
    }
    if (out == NULL)
        *e = IDP_E_NOMEM;
    return out;
}

/* RFC 9101 §6.3: "The authorization server MUST extract the set of authorization request parameters from the
 * Request Object value" and use only those. */
static idp_err_t assemble(idp_oauth_req_t *req, json_t *c, idp_params_t *out, const char **desc)
{
    const char *k;
    json_t *v;
    idp_err_t e = IDP_OK;
    json_object_foreach (c, k, v) {
        if (registered_claim(k))
            continue;
        if (out->n >= IDP_MAX_PARAMS)
            return REFUSE("the request object has too many parameters");
        const char *name = idp_arena_strdup(req->arena, k), *value = param_text(req, k, v, &e, desc);
        if (value == NULL)
            return e;
        if (name == NULL)
            return IDP_E_NOMEM;
        out->items[out->n++] = (idp_param_t){.name = name, .value = value};
    }
    return IDP_OK;
}

idp_err_t idp_request_object_params(idp_oauth_t *o, idp_oauth_req_t *req, const idp_client_t *client, const char *jws,
                                    idp_params_t *out, const char **desc)
{
    json_t *header = NULL, *claims = NULL;
    out->n = 0;
    /* RFC 9101 §6.2: the signature "MUST be validated using a key associated with the client and the algorithm
     * specified in the alg Header Parameter", with RFC 8725 §3.1-§3.2's algorithm verification: jose verifies only
     * the algorithms it signs with (never none, never HMAC), with the client's registered keys only */
    idp_err_t e = idp_client_jws_verify(o, client, jws, &header, &claims);
    if (e == IDP_E_INVALID_CLIENT)
        e = REFUSE("the client registered no keys (jwks or jwks_uri) to verify its request objects with");
    else if (e != IDP_OK && e != IDP_E_NOMEM && e != IDP_E_SERVER_ERROR)
        e = REFUSE("the request object is not a JWS signed with one of the client's registered keys by an algorithm "
                   "of request_object_signing_alg_values_supported (never none)");
    if (e == IDP_OK)
        e = check(o, req, client, header, claims, desc);
    if (e == IDP_OK)
        e = assemble(req, claims, out, desc);
    json_decref(header);
    json_decref(claims);
    return e;
}

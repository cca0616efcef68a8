/* Authorization request validation: see authorize.h for the order and the specs. */
#include "oauth/authorize.h"

#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "core/rand.h"
#include "core/str.h"
#include "jose/dpop.h"
#include "oauth/rar.h"

#define FAIL(e, d, r) (err->error = (e), err->description = (d), err->redirect = (r), false)

/* RFC 6749 §3.1.1, OAuth 2.0 Form Post Response Mode, and JARM's for the code flow ("Response Encoding"):
 * fragment.jwt is not among them, as fragment is not (nothing we return travels in a fragment). */
const char *const idp_authz_response_modes[] = {"query", "form_post", "jwt", "query.jwt", "form_post.jwt", NULL};

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (!strcmp(*list, s))
            return true;
    return false;
}

bool idp_authz_jwt_mode(const char *response_mode)
{
    static const char *const jwt[] = {"jwt", "query.jwt", "form_post.jwt", NULL};
    return response_mode && in_list(jwt, response_mode);
}

/* A parameter given at most once; absent/empty gives NULL. False if repeated. */
static bool one(const idp_params_t *p, const char *name, const char **v)
{
    idp_err_t e = idp_params_get(p, name, v);
    if (e == IDP_E_NOT_FOUND)
        *v = NULL;
    return e != IDP_E_INVALID_REQUEST;
}

bool idp_authz_client_id(const idp_params_t *p, const char **client_id, idp_authz_error_t *err)
{
    if (!one(p, "client_id", client_id))
        return FAIL(IDP_E_INVALID_REQUEST, "client_id is repeated", false);
    if (*client_id == NULL || strlen(*client_id) > 256)
        return FAIL(IDP_E_INVALID_REQUEST, "client_id is missing", false);
    return true;
}

/* RFC 7636 §4.1/§4.2: 43-128 characters of [A-Za-z0-9-._~]. */
#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

static bool pkce_syntax(const char *s)
{
    size_t n = strlen(s);
    if (n < 43 || n > 128)
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || strchr("-._~", *c)))
            return false;
    return true;
}

static bool parse_prompt(const char *prompt, idp_authz_req_t *out, idp_authz_error_t *err)
{
    size_t len;
    const char *p = prompt;
    int n = 0;
    for (const char *w = idp_str_next_word(&p, &len); len; w = idp_str_next_word(&p, &len), n++) {
        if (len == 4 && !strncmp(w, "none", 4))
            out->prompt_none = true;
        else if (len == 5 && !strncmp(w, "login", 5))
            out->prompt_login = true;
        else if (len == 7 && !strncmp(w, "consent", 7))
            out->prompt_consent = true;
        else if (len == 14 && !strncmp(w, "select_account", 14))
            return FAIL(IDP_E_INVALID_REQUEST, "prompt=select_account is not supported", true);
        else
            return FAIL(IDP_E_INVALID_REQUEST, "unknown prompt value", true);
    }
    /* OpenID Connect Core §3.1.2.1: none with any other value is an error. */
    if (out->prompt_none && n > 1)
        return FAIL(IDP_E_INVALID_REQUEST, "prompt=none cannot be combined with other values", true);
    return true;
}

bool idp_authz_validate(const idp_params_t *p, const idp_client_t *client, idp_authz_req_t *out, idp_authz_error_t *err)
{
    const char *response_type, *ccm, *max_age, *prompt, *request, *request_uri, *details = NULL;
    memset(out, 0, sizeof(*out));
    out->max_age = -1;
    if (!idp_authz_client_id(p, &out->client_id, err))
        return false;
    if (client == NULL)
        return FAIL(IDP_E_UNKNOWN_CLIENT, "unknown client", false);
    /* RFC 6749 §3.1.2.3 and RFC 9700 §2.1: exact match against a registered URI; OIDC makes it required. */
    if (!one(p, "redirect_uri", &out->redirect_uri))
        return FAIL(IDP_E_INVALID_REQUEST, "redirect_uri is repeated", false);
    if (out->redirect_uri == NULL)
        return FAIL(IDP_E_INVALID_REQUEST, "redirect_uri is required", false);
    if (!idp_client_has(client->redirect_uris, out->redirect_uri))
        return FAIL(IDP_E_INVALID_REQUEST, "redirect_uri is not registered for this client", false);

    /* From here on the redirect URI is trusted: errors go back to the client (with state and iss). */
    if (!one(p, "state", &out->state) || !one(p, "response_type", &response_type) ||
        !one(p, "response_mode", &out->response_mode) || !one(p, "scope", &out->scope) ||
        !one(p, "nonce", &out->nonce) || !one(p, "prompt", &prompt) || !one(p, "max_age", &max_age) ||
        !one(p, "login_hint", &out->login_hint) || !one(p, "ui_locales", &out->ui_locales) ||
        !one(p, "acr_values", &out->acr_values) || !one(p, "id_token_hint", &out->id_token_hint) ||
        !one(p, "claims", &out->claims) || !one(p, "code_challenge", &out->code_challenge) ||
        !one(p, "code_challenge_method", &ccm) || !one(p, "request", &request) ||
        !one(p, "request_uri", &request_uri) || !one(p, "dpop_jkt", &out->dpop_jkt) ||
        !one(p, "authorization_details", &details))
        return FAIL(IDP_E_INVALID_REQUEST, "a parameter is repeated", true);
    /* OpenID Connect Core §6.1: a request object comes only through the PAR endpoint (RFC 9126 §3, par.c), which
     * authenticates the client that signed it; FAPI 2.0 Message Signing §5.3.1 asks for it there. Sent through the
     * browser it is refused (discovery: request_parameter_supported false). */
    if (request)
        return FAIL(IDP_E_REQUEST_NOT_SUPPORTED, "a request object is pushed to the PAR endpoint, not sent here", true);
    if (request_uri)
        return FAIL(IDP_E_REQUEST_URI_NOT_SUPPORTED, "request_uri is not supported", true);
    if (response_type == NULL)
        return FAIL(IDP_E_INVALID_REQUEST, "response_type is required", true);
    if (strcmp(response_type, "code") != 0 || !client->code_allowed)
        return FAIL(IDP_E_UNSUPPORTED_RESPONSE_TYPE, "only response_type=code is supported", true);
    if (out->response_mode && !in_list(idp_authz_response_modes, out->response_mode))
        return FAIL(IDP_E_INVALID_REQUEST, "response_mode must be query, form_post, jwt, query.jwt or form_post.jwt",
                    true);
    /* FAPI 2.0 Message Signing §5.4.1: "shall support, require use of, and issue signed authorization responses" */
    if (client->message_signing && !idp_authz_jwt_mode(out->response_mode))
        return FAIL(IDP_E_INVALID_REQUEST,
                    "a fapi2-message-signing client's responses are signed: response_mode jwt (FAPI 2.0 Message "
                    "Signing §5.4.1)",
                    true);
    if (out->scope == NULL || !idp_str_list_has(out->scope, "openid"))
        return FAIL(IDP_E_INVALID_SCOPE, "scope must include openid", true);
    if (out->nonce && strlen(out->nonce) > 512)
        return FAIL(IDP_E_INVALID_REQUEST, "nonce is too long", true);
    if (out->state && strlen(out->state) > 2048)
        return FAIL(IDP_E_INVALID_REQUEST, "state is too long", true);
    if (prompt && !parse_prompt(prompt, out, err))
        return false;
    /* RFC 9449 §10: the thumbprint of the key the code is bound to: 43 base64url characters (SHA-256) */
    if (out->dpop_jkt && (strlen(out->dpop_jkt) != IDP_JKT_CHARS || strspn(out->dpop_jkt, B64URL) != IDP_JKT_CHARS))
        return FAIL(IDP_E_INVALID_REQUEST, "dpop_jkt must be a JWK SHA-256 thumbprint (RFC 9449 §10)", true);
    if (max_age && !idp_str_to_long(max_age, 0, 400L * 86400, &out->max_age))
        return FAIL(IDP_E_INVALID_REQUEST, "max_age must be a non-negative integer", true);
    /* RFC 9396 §5: malformed, unknown or not this client's: invalid_authorization_details, to the client */
    const char *why = NULL;
    idp_err_t rar = details ? idp_rar_parse(details, client, &out->details, &out->details_text, &why) : IDP_OK;
    if (rar != IDP_OK) {
        idp_authz_clear(out);
        return FAIL(rar, rar == IDP_E_NOMEM ? NULL : why, true);
    }
    if (out->claims) {
        json_error_t je;
        out->claims_json = json_loads(out->claims, JSON_REJECT_DUPLICATES, &je);
        json_t *c = out->claims_json;
        if (!json_is_object(c) || (json_object_get(c, "userinfo") && !json_is_object(json_object_get(c, "userinfo"))) ||
            (json_object_get(c, "id_token") && !json_is_object(json_object_get(c, "id_token")))) {
            idp_authz_clear(out);
            return FAIL(IDP_E_INVALID_REQUEST, "claims must be a JSON object (OpenID Connect Core §5.5)", true);
        }
    }

    /* PKCE (RFC 7636; RFC 9700 §2.1.1): S256 only. */
    bool required = client->is_public || client->require_pkce;
    if (ccm && strcmp(ccm, "S256") != 0) {
        idp_authz_clear(out);
        return FAIL(IDP_E_INVALID_REQUEST, "code_challenge_method must be S256", true);
    }
    if (out->code_challenge) {
        if (!pkce_syntax(out->code_challenge) || ccm == NULL) {
            idp_authz_clear(out);
            return FAIL(IDP_E_INVALID_REQUEST,
                        "code_challenge must be 43-128 characters with code_challenge_method=S256", true);
        }
    } else if (required) {
        idp_authz_clear(out);
        return FAIL(IDP_E_INVALID_REQUEST, "code_challenge (PKCE, S256) is required for this client", true);
    }
    /* Without PKCE (a confidential client registered require_pkce=false: client_meta.c refuses it for public
     * clients) nonce stays optional, as OpenID Connect Core §3.1.2.1 has it for the code flow: the code is
     * bound to the client by its authentication at the token endpoint. docs/flow.md, "PKCE". */
    return true;
}

void idp_authz_clear(idp_authz_req_t *r)
{
    json_decref(r->claims_json);
    r->claims_json = NULL;
    json_decref(r->details);
    r->details = NULL;
    free(r->details_text);
    r->details_text = NULL;
}

bool idp_pkce_s256(const char *verifier, char out[64])
{
    if (verifier == NULL || !pkce_syntax(verifier))
        return false;
    unsigned char h[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)verifier, strlen(verifier), h);
    idp_b64url_encode(h, sizeof(h), out);
    return true;
}

bool idp_pkce_s256_verify(const char *challenge, const char *verifier)
{
    char enc[64];
    if (challenge == NULL || !idp_pkce_s256(verifier, enc))
        return false;
    return strlen(challenge) == strlen(enc) && idp_ct_equal(enc, challenge, strlen(enc));
}

#include "client/client_meta.h"

#include <stdio.h>
#include <string.h>

#include "core/url.h"

typedef struct field field_t;
/* Checks one present value; writes "<name>...: reason" into err on failure. */
typedef idp_err_t (*check_fn)(const field_t *f, json_t *v, char *err, size_t errlen);

struct field {
    const char *name;
    idp_meta_kind_t kind;
    check_fn check;
    const char *const *allowed; /* for enumerations (string or list items) */
    size_t max;                 /* string length or list size */
};

#define FAIL(code, ...) (snprintf(err, errlen, __VA_ARGS__), (code))

static const char *const auth_methods[] = {"client_secret_basic", "client_secret_post", "private_key_jwt", "none",
                                           NULL};
static const char *const grant_types[] = {"authorization_code", "refresh_token", "client_credentials", NULL};
static const char *const response_types[] = {"code", NULL};
static const char *const subject_types[] = {"pairwise", "public", NULL};
static const char *const tiers[] = {"partner", "city", NULL};
static const char *const acrs[] = {"urn:sakai-d:acr:card", "urn:sakai-d:acr:social", NULL};
/* the algorithms jose signs with (jose/key.h; client does not link jose) */
static const char *const sig_algs[] = {"RS256", "ES256", "PS256", NULL};
static const char *const app_types[] = {"web", "native", NULL};

/* RFC 9396 §10: the authorization details types a client may ask for (oauth/rar.c) */
static const char *const rar_types[] = {"sakai_application", NULL};
/* ours: the security profile an administrator marks a client with (docs/fapi.md); fapi2-message-signing is fapi2
 * with FAPI 2.0 Message Signing on top */
static const char *const profiles[] = {"fapi2", "fapi2-message-signing", NULL};

static bool in_set(const char *const *set, const char *s)
{
    for (; *set; set++)
        if (!strcmp(*set, s))
            return true;
    return false;
}

static void list_set(const char *const *set, char *out, size_t n)
{
    out[0] = '\0';
    for (size_t i = 0; set[i]; i++) {
        strncat(out, i ? ", " : "", n - strlen(out) - 1);
        strncat(out, set[i], n - strlen(out) - 1);
    }
}

static idp_err_t check_text(const field_t *f, const char *s, const char *label, char *err, size_t errlen)
{
    size_t len = strlen(s);
    if (len == 0 || len > f->max)
        return FAIL(IDP_E_INVALID_CLIENT_METADATA, "%s: must be 1 to %zu characters", label, f->max);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return FAIL(IDP_E_INVALID_CLIENT_METADATA, "%s: must not contain control characters", label);
    if (f->allowed && !in_set(f->allowed, s)) {
        char set[256];
        list_set(f->allowed, set, sizeof(set));
        return FAIL(IDP_E_INVALID_CLIENT_METADATA, "%s: \"%s\" is not one of: %s", label, s, set);
    }
    return IDP_OK;
}

static idp_err_t check_string(const field_t *f, json_t *v, char *err, size_t errlen)
{
    if (!json_is_string(v))
        return FAIL(IDP_E_INVALID_CLIENT_METADATA, "%s: must be a string", f->name);
    return check_text(f, json_string_value(v), f->name, err, errlen);
}

static idp_err_t check_uri_text(const field_t *f, const char *s, const char *label, char *err, size_t errlen)
{
    idp_url_status_t st = idp_url_check_redirect(s);
    if (st == IDP_URL_OK)
        return IDP_OK;
    bool redirect = !strcmp(f->name, "redirect_uris") || !strcmp(f->name, "post_logout_redirect_uris");
    return FAIL(redirect ? IDP_E_INVALID_REDIRECT_URI : IDP_E_INVALID_CLIENT_METADATA, "%s: \"%.200s\" %s", label, s,
                idp_url_status_text(st));
}

static idp_err_t check_uri(const field_t *f, json_t *v, char *err, size_t errlen)
{
    if (!json_is_string(v))
        return FAIL(IDP_E_INVALID_CLIENT_METADATA, "%s: must be a string", f->name);
    return check_uri_text(f, json_string_value(v), f->name, err, errlen);
}

static idp_err_t check_bool(const field_t *f, json_t *v, char *err, size_t errlen)
{
    return json_is_boolean(v) ? IDP_OK : FAIL(IDP_E_INVALID_CLIENT_METADATA, "%s: must be true or false", f->name);
}

static idp_err_t check_int(const field_t *f, json_t *v, char *err, size_t errlen)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > (json_int_t)f->max)
        return FAIL(IDP_E_INVALID_CLIENT_METADATA, "%s: must be an integer from 0 to %zu", f->name, f->max);
    return IDP_OK;
}

static idp_err_t check_list(const field_t *f, json_t *v, char *err, size_t errlen)
{
    if (!json_is_array(v))
        return FAIL(IDP_E_INVALID_CLIENT_METADATA, "%s: must be an array of strings", f->name);
    if (json_array_size(v) > 20)
        return FAIL(IDP_E_INVALID_CLIENT_METADATA, "%s: at most 20 entries", f->name);
    size_t i;
    json_t *item;
    json_array_foreach (v, i, item) {
        char label[96];
        snprintf(label, sizeof(label), "%s[%zu]", f->name, i);
        if (!json_is_string(item))
            return FAIL(IDP_E_INVALID_CLIENT_METADATA, "%s: must be a string", label);
        for (size_t j = 0; j < i; j++)
            if (json_equal(json_array_get(v, j), item))
                return FAIL(IDP_E_INVALID_CLIENT_METADATA, "%s: duplicate value", label);
        idp_err_t ret = f->check == check_uri ? check_uri_text(f, json_string_value(item), label, err, errlen)
                                              : check_text(f, json_string_value(item), label, err, errlen);
        if (ret != IDP_OK)
            return ret;
    }
    return IDP_OK;
}

/* RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), space-separated */
static idp_err_t check_scope(const field_t *f, json_t *v, char *err, size_t errlen)
{
    if (!json_is_string(v))
        return FAIL(IDP_E_INVALID_CLIENT_METADATA, "%s: must be a string", f->name);
    const char *s = json_string_value(v);
    size_t len = strlen(s);
    if (len == 0 || len > f->max || s[0] == ' ' || s[len - 1] == ' ' || strstr(s, "  "))
        return FAIL(IDP_E_INVALID_CLIENT_METADATA, "%s: must be scope names separated by single spaces", f->name);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p != ' ' && (*p < 0x21 || *p == 0x22 || *p == 0x5c || *p > 0x7e))
            return FAIL(IDP_E_INVALID_CLIENT_METADATA, "%s: invalid character in a scope name", f->name);
    return IDP_OK;
}

/* RFC 7517 §5: {"keys": [ {kty, ...}, ... ]} with public keys only */
static idp_err_t check_jwks(const field_t *f, json_t *v, char *err, size_t errlen)
{
    json_t *keys = json_object_get(v, "keys");
    if (!json_is_object(v) || !json_is_array(keys) || json_array_size(keys) == 0 || json_array_size(keys) > 20)
        return FAIL(IDP_E_INVALID_CLIENT_METADATA, "%s: must be a JWK Set: {\"keys\": [1 to 20 keys]}", f->name);
    size_t i;
    json_t *k;
    json_array_foreach (keys, i, k) {
        const char *kty = json_string_value(json_object_get(k, "kty"));
        if (!json_is_object(k) || kty == NULL || (strcmp(kty, "RSA") && strcmp(kty, "EC")))
            return FAIL(IDP_E_INVALID_CLIENT_METADATA, "%s.keys[%zu]: kty must be RSA or EC", f->name, i);
        if (json_object_get(k, "d") || json_object_get(k, "p") || json_object_get(k, "q"))
            return FAIL(IDP_E_INVALID_CLIENT_METADATA, "%s.keys[%zu]: must be a public key (private members found)",
                        f->name, i);
    }
    return IDP_OK;
}

static const field_t fields[] = {
    {"client_name", IDP_META_STRING, check_string, NULL, 200},
    {"redirect_uris", IDP_META_LIST, check_uri, NULL, 2000},
    {"post_logout_redirect_uris", IDP_META_LIST, check_uri, NULL, 2000},
    {"backchannel_logout_uri", IDP_META_URI, check_uri, NULL, 2000},
    {"backchannel_logout_session_required", IDP_META_BOOL, check_bool, NULL, 0},
    {"token_endpoint_auth_method", IDP_META_STRING, check_string, auth_methods, 64},
    {"grant_types", IDP_META_LIST, check_string, grant_types, 64},
    {"response_types", IDP_META_LIST, check_string, response_types, 64},
    {"scope", IDP_META_STRING, check_scope, NULL, 1000},
    {"subject_type", IDP_META_STRING, check_string, subject_types, 16},
    {"sector_identifier_uri", IDP_META_URI, check_uri, NULL, 2000},
    {"default_acr_values", IDP_META_LIST, check_string, acrs, 64},
    {"default_max_age", IDP_META_INT, check_int, NULL, 400 * 86400},
    {"jwks", IDP_META_OBJECT, check_jwks, NULL, 0},
    {"jwks_uri", IDP_META_URI, check_uri, NULL, 2000},
    {"id_token_signed_response_alg", IDP_META_STRING, check_string, sig_algs, 16},
    /* ours: the RFC 9068 access tokens' algorithm for this client (default tokens.access_token_signing_alg) */
    {"access_token_signed_response_alg", IDP_META_STRING, check_string, sig_algs, 16},
    {"application_type", IDP_META_STRING, check_string, app_types, 16},
    {"logo_uri", IDP_META_URI, check_uri, NULL, 2000},
    {"client_uri", IDP_META_URI, check_uri, NULL, 2000},
    {"policy_uri", IDP_META_URI, check_uri, NULL, 2000},
    {"tos_uri", IDP_META_URI, check_uri, NULL, 2000},
    {"contacts", IDP_META_LIST, check_string, NULL, 320},
    /* ours */
    {"tier", IDP_META_STRING, check_string, tiers, 16},
    {"require_pkce", IDP_META_BOOL, check_bool, NULL, 0},
    /* RFC 9126 §6: this client's authorization requests come through /par only */
    {"require_pushed_authorization_requests", IDP_META_BOOL, check_bool, NULL, 0},
    /* RFC 9449 §5.2: its token requests carry a DPoP proof, and its tokens are bound to the proof's key */
    {"dpop_bound_access_tokens", IDP_META_BOOL, check_bool, NULL, 0},
    /* RFC 9396 §10: the authorization_details types it may request */
    {"authorization_details_types", IDP_META_LIST, check_string, rar_types, 64},
    /* ours: fapi2, the FAPI 2.0 Security Profile's rules for this client, or fapi2-message-signing, those and FAPI 2.0
     * Message Signing's (check_fapi2, docs/fapi.md) */
    {"security_profile", IDP_META_STRING, check_string, profiles, 32},
    /* RFC 9101 §10.5: this client's authorization requests are signed request objects (pushed: oauth/par.c) */
    {"require_signed_request_object", IDP_META_BOOL, check_bool, NULL, 0},
    /* RFC 9101 §6.2, OpenID Connect Registration §2: the alg its request objects use (absent: any we verify) */
    {"request_object_signing_alg", IDP_META_STRING, check_string, sig_algs, 16},
    /* JARM, client metadata: the alg of its signed authorization responses (response_mode jwt); default RS256 */
    {"authorization_signed_response_alg", IDP_META_STRING, check_string, sig_algs, 16},
    {"card_required", IDP_META_BOOL, check_bool, NULL, 0},
    /* an administrator's mark: the sign-in itself needs no consent page (the ledger records it); claims still do */
    {"first_party", IDP_META_BOOL, check_bool, NULL, 0},
    {"purpose_ja", IDP_META_STRING, check_string, NULL, 1000},
    {"purpose_en", IDP_META_STRING, check_string, NULL, 1000},
};
static const size_t nfields = sizeof(fields) / sizeof(fields[0]);

static const field_t *find(const char *name)
{
    for (size_t i = 0; i < nfields; i++)
        if (!strcmp(fields[i].name, name))
            return &fields[i];
    return NULL;
}

bool idp_client_meta_kind(const char *name, idp_meta_kind_t *kind)
{
    const field_t *f = find(name);
    if (f)
        *kind = f->kind;
    return f != NULL;
}

const char *const *idp_client_meta_allowed(const char *name)
{
    for (size_t i = 0; i < nfields; i++)
        if (!strcmp(fields[i].name, name))
            return fields[i].allowed;
    return NULL;
}

const char *const *idp_client_meta_names(void)
{
    static const char *names[sizeof(fields) / sizeof(fields[0]) + 1];
    for (size_t i = 0; i < nfields; i++)
        names[i] = fields[i].name;
    names[nfields] = NULL;
    return names;
}

bool idp_json_list_has(json_t *list, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach (list, i, v) {
        if (json_is_string(v) && !strcmp(json_string_value(v), s))
            return true;
    }
    return false;
}

/* ---- the sector of pairwise subjects (OpenID Connect Core §8.1) ---------------------- */

bool idp_client_meta_sector(json_t *meta, char *out, size_t n)
{
    const char *type = json_string_value(json_object_get(meta, "subject_type"));
    out[0] = '\0';
    if (type && !strcmp(type, "public"))
        return false;
    /* §8.1: the host of sector_identifier_uri when there is one, else of the redirect URI */
    const char *uri = json_string_value(json_object_get(meta, "sector_identifier_uri"));
    if (uri == NULL)
        uri = json_string_value(json_array_get(json_object_get(meta, "redirect_uris"), 0));
    if (uri == NULL || !idp_url_host(uri, out, n))
        out[0] = '\0';
    return true;
}

static const char *json_kind(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "not a string";
}

idp_err_t idp_client_meta_sector_lists(const char *uri, const char *doc, size_t len, json_t *redirect_uris, char *err,
                                       size_t errlen)
{
    idp_err_t ret = IDP_OK;
    json_error_t je;
    size_t i;
    json_t *v;
    /* JSON_DECODE_ANY: a document that is JSON but no array gets the message for that, not a parse error */
    json_t *list = json_loadb(doc, len, JSON_DECODE_ANY, &je);
    if (list == NULL) {
        ret = FAIL(IDP_E_INVALID_CLIENT_METADATA, "sector_identifier_uri: %.160s is not JSON: %s (line %d)", uri,
                   je.text, je.line);
        goto Exit;
    }
    /* Core §8.1, Registration §2: "a JSON file containing an array of redirect_uri values" */
    if (!json_is_array(list)) {
        ret = FAIL(IDP_E_INVALID_CLIENT_METADATA,
                   "sector_identifier_uri: %.160s is not a JSON array of strings (it is %s)", uri, json_kind(list));
        goto Exit;
    }
    json_array_foreach (list, i, v) {
        if (!json_is_string(v)) {
            ret = FAIL(IDP_E_INVALID_CLIENT_METADATA,
                       "sector_identifier_uri: %.160s is not a JSON array of strings (element %zu is %s)", uri, i,
                       json_kind(v));
            goto Exit;
        }
    }
    /* Core §8.1: "The values of the registered redirect_uris MUST be included in the elements of the
       array"; Registration §5: the registration is refused otherwise. Exact strings, as redirect URIs
       are matched (Core §3.1.2.1). */
    json_array_foreach (redirect_uris, i, v) {
        if (!json_is_string(v) || !idp_json_list_has(list, json_string_value(v))) {
            ret = FAIL(IDP_E_INVALID_CLIENT_METADATA,
                       "sector_identifier_uri: %.160s does not list redirect_uris[%zu] \"%.160s\" (OpenID Connect "
                       "Core §8.1: it must list every redirect URI)",
                       uri, i, json_is_string(v) ? json_string_value(v) : "?");
            goto Exit;
        }
    }
Exit:
    json_decref(list);
    return ret;
}

idp_err_t idp_client_meta_check_sector(json_t *meta, idp_fetch_fn fetch, void *ctx, char *err, size_t errlen)
{
    const char *uri = json_string_value(json_object_get(meta, "sector_identifier_uri"));
    if (uri == NULL)
        return IDP_OK;
    idp_err_t ret;
    idp_buf_t doc;
    char why[400] = "";
    idp_buf_init(&doc, IDP_SECTOR_DOC_MAX_BYTES);
    /* Registration §5: the OP fetches the document and validates it before it accepts the client */
    if (fetch(ctx, uri, &doc, why, sizeof(why)) != IDP_OK) {
        ret = FAIL(IDP_E_INVALID_CLIENT_METADATA, "sector_identifier_uri: %s", why[0] ? why : "cannot be fetched");
        goto Exit;
    }
    ret = idp_client_meta_sector_lists(uri, idp_buf_cstr(&doc), doc.len, json_object_get(meta, "redirect_uris"), err,
                                       errlen);
Exit:
    idp_buf_free(&doc);
    return ret;
}

/* What a client's subs derive from, for messages: public, pairwise sector "host", or no sector. */
static void describe_basis(json_t *meta, char *out, size_t n)
{
    char host[IDP_SECTOR_MAX];
    if (!idp_client_meta_sector(meta, host, sizeof(host)))
        snprintf(out, n, "public");
    else if (host[0])
        snprintf(out, n, "pairwise sector \"%.100s\"", host);
    else
        snprintf(out, n, "no sector");
}

static bool same_value(json_t *a, json_t *b)
{
    return a == b || (a && b && json_equal(a, b));
}

idp_err_t idp_client_meta_sector_change(json_t *before, json_t *after, char *err, size_t errlen)
{
    char was[IDP_SECTOR_MAX], now[IDP_SECTOR_MAX];
    /* A client without redirect URIs never had a resident sign in: no sub to keep. */
    if (json_array_size(json_object_get(before, "redirect_uris")) == 0)
        return IDP_OK;
    bool pairwise_was = idp_client_meta_sector(before, was, sizeof(was));
    bool pairwise_now = idp_client_meta_sector(after, now, sizeof(now));
    if (pairwise_was == pairwise_now && !strcmp(was, now))
        return IDP_OK;
    const char *field = "redirect_uris"; /* the first one's host was the sector */
    if (pairwise_was != pairwise_now)
        field = "subject_type";
    else if (!same_value(json_object_get(before, "sector_identifier_uri"),
                         json_object_get(after, "sector_identifier_uri")))
        field = "sector_identifier_uri";
    char from[160], to[160];
    describe_basis(before, from, sizeof(from));
    describe_basis(after, to, sizeof(to));
    /* Core §8.1: pairwise sub values are computed per sector; another sector is another sub */
    return FAIL(IDP_E_INVALID_CLIENT_METADATA,
                "%s: this changes the client's subject identifiers from %s to %s, so every resident gets a new "
                "sub at this client (OpenID Connect Core §8.1)",
                field, from, to);
}

static void set_default(json_t *m, const char *name, json_t *v)
{
    if (json_object_get(m, name) == NULL)
        json_object_set_new(m, name, v);
    else
        json_decref(v);
}

idp_profile_t idp_client_meta_profile(json_t *meta)
{
    const char *p = json_string_value(json_object_get(meta, "security_profile"));
    return p == NULL                             ? IDP_PROFILE_NONE
           : !strcmp(p, "fapi2")                 ? IDP_PROFILE_FAPI2
           : !strcmp(p, "fapi2-message-signing") ? IDP_PROFILE_FAPI2_MESSAGE_SIGNING
                                                 : IDP_PROFILE_NONE;
}

bool idp_client_meta_uses_secret(json_t *meta)
{
    const char *m = json_string_value(json_object_get(meta, "token_endpoint_auth_method"));
    return m && (!strcmp(m, "client_secret_basic") || !strcmp(m, "client_secret_post"));
}

/*
 * FAPI 2.0 Security Profile (final): a fapi2 client is confidential and authenticates with private_key_jwt
 * (§5.3.2.1), pushes its requests with PKCE (§5.3.2.2), gets sender-constrained tokens (here DPoP, §5.3.2.1), and
 * nothing is signed for it or by it with RS256 (§5.4.1: PS256, ES256 or EdDSA): its tokens, its authorization
 * responses (JARM), its request objects. A fapi2-message-signing client also signs every authorization request (FAPI
 * 2.0 Message Signing §5.3.1: "require use of" signed request objects at the PAR endpoint). validate() sets the
 * defaults so; what it set otherwise is refused.
 */
static idp_err_t check_fapi2(json_t *m, const char *auth, char *err, size_t errlen)
{
    idp_profile_t profile = idp_client_meta_profile(m);
    if (profile == IDP_PROFILE_NONE)
        return IDP_OK;
    if (strcmp(auth, "private_key_jwt") != 0)
        return FAIL(IDP_E_INVALID_CLIENT_METADATA, "token_endpoint_auth_method: a fapi2 client uses private_key_jwt");
    static const char *const must[] = {"require_pkce", "require_pushed_authorization_requests",
                                       "dpop_bound_access_tokens", NULL};
    for (const char *const *f = must; *f; f++)
        if (!json_is_true(json_object_get(m, *f)))
            return FAIL(IDP_E_INVALID_CLIENT_METADATA, "%s: a fapi2 client must have it true", *f);
    if (profile == IDP_PROFILE_FAPI2_MESSAGE_SIGNING &&
        !json_is_true(json_object_get(m, "require_signed_request_object")))
        return FAIL(IDP_E_INVALID_CLIENT_METADATA,
                    "require_signed_request_object: a fapi2-message-signing client must have it true (FAPI 2.0 "
                    "Message Signing §5.3.1)");
    static const char *const algs[] = {"id_token_signed_response_alg", "access_token_signed_response_alg",
                                       "authorization_signed_response_alg", "request_object_signing_alg", NULL};
    for (const char *const *f = algs; *f; f++) {
        const char *alg = json_string_value(json_object_get(m, *f));
        if (alg && !strcmp(alg, "RS256"))
            return FAIL(IDP_E_INVALID_CLIENT_METADATA,
                        "%s: nothing a fapi2 client signs or is sent is signed with RS256", *f);
    }
    return IDP_OK;
}

/* Rules that involve more than one field. */
static idp_err_t check_together(json_t *m, char *err, size_t errlen)
{
    idp_err_t ret;
    const char *auth = json_string_value(json_object_get(m, "token_endpoint_auth_method"));
    json_t *grants = json_object_get(m, "grant_types");
    json_t *redirects = json_object_get(m, "redirect_uris");
    bool code = idp_json_list_has(grants, "authorization_code");

    if (code && json_array_size(redirects) == 0)
        return FAIL(IDP_E_INVALID_REDIRECT_URI, "redirect_uris: required for the authorization_code grant");
    if (idp_json_list_has(grants, "refresh_token") && !code)
        return FAIL(IDP_E_INVALID_CLIENT_METADATA, "grant_types: refresh_token needs authorization_code");
    /* a public client has no credentials to use at the token endpoint on its own behalf */
    if (!strcmp(auth, "none") && idp_json_list_has(grants, "client_credentials"))
        return FAIL(IDP_E_INVALID_CLIENT_METADATA,
                    "grant_types: client_credentials needs a confidential client (token_endpoint_auth_method none)");
    json_t *rt = json_object_get(m, "response_types");
    if (code && !idp_json_list_has(rt, "code"))
        return FAIL(IDP_E_INVALID_CLIENT_METADATA, "response_types: must contain code for authorization_code");
    if (!code && json_array_size(rt) > 0)
        return FAIL(IDP_E_INVALID_CLIENT_METADATA, "response_types: code needs the authorization_code grant");
    /* our rule (issue #4): only a confidential client that sends a nonce may skip PKCE */
    if (!json_is_true(json_object_get(m, "require_pkce")) && !strcmp(auth, "none"))
        return FAIL(IDP_E_INVALID_CLIENT_METADATA,
                    "require_pkce: a public client (token_endpoint_auth_method none) must use PKCE");
    if (json_object_get(m, "jwks") && json_object_get(m, "jwks_uri"))
        return FAIL(IDP_E_INVALID_CLIENT_METADATA, "jwks: give either jwks or jwks_uri, not both (RFC 7591 §2)");
    if ((ret = check_fapi2(m, auth, err, errlen)) != IDP_OK)
        return ret;
    if (!strcmp(auth, "private_key_jwt") && !json_object_get(m, "jwks") && !json_object_get(m, "jwks_uri"))
        return FAIL(IDP_E_INVALID_CLIENT_METADATA, "jwks_uri: private_key_jwt needs jwks or jwks_uri");
    const char *tier = json_string_value(json_object_get(m, "tier"));
    const char *sub = json_string_value(json_object_get(m, "subject_type"));
    /* product.md §5: a public sub only for city relying parties */
    if (!strcmp(sub, "public") && strcmp(tier, "city") != 0)
        return FAIL(IDP_E_INVALID_CLIENT_METADATA, "subject_type: public is only for tier city; partners get pairwise");
    /* OpenID Connect Core §8.1: pairwise over several hosts needs a sector identifier */
    if (!strcmp(sub, "pairwise") && !json_object_get(m, "sector_identifier_uri") && json_array_size(redirects) > 1) {
        char first[256], host[256];
        size_t i;
        json_t *u;
        first[0] = '\0';
        json_array_foreach (redirects, i, u) {
            if (!idp_url_host(json_string_value(u), host, sizeof(host)))
                continue;
            if (!first[0])
                snprintf(first, sizeof(first), "%s", host);
            else if (strcmp(first, host) != 0)
                return FAIL(IDP_E_INVALID_CLIENT_METADATA,
                            "sector_identifier_uri: required for pairwise subjects when redirect_uris use "
                            "several hosts (OpenID Connect Core §8.1)");
        }
    }
    return IDP_OK;
}

idp_err_t idp_client_meta_validate(json_t *in, json_t **out, char *err, size_t errlen)
{
    idp_err_t ret;
    if (!json_is_object(in))
        return FAIL(IDP_E_INVALID_CLIENT_METADATA, "metadata: must be a JSON object");
    const char *k;
    json_t *v;
    json_object_foreach (in, k, v) {
        const field_t *f = find(k);
        if (f == NULL)
            return FAIL(IDP_E_INVALID_CLIENT_METADATA, "%.100s: unknown metadata field", k);
        if (json_is_null(v))
            continue; /* null = not given (RFC 7591 §2) */
        if ((ret = f->kind == IDP_META_LIST ? check_list(f, v, err, errlen) : f->check(f, v, err, errlen)) != IDP_OK)
            return ret;
    }
    json_t *m = json_object();
    if (m == NULL)
        return IDP_E_NOMEM;
    json_object_foreach (in, k, v)
        if (!json_is_null(v))
            json_object_set(m, k, v);
    if (json_object_get(m, "client_name") == NULL) {
        json_decref(m);
        return FAIL(IDP_E_INVALID_CLIENT_METADATA, "client_name: required");
    }
    /* defaults: RFC 7591 §2 where it has one, product.md otherwise */
    set_default(m, "token_endpoint_auth_method", json_string("client_secret_basic"));
    set_default(m, "grant_types", json_pack("[s]", "authorization_code"));
    set_default(m, "response_types",
                idp_json_list_has(json_object_get(m, "grant_types"), "authorization_code") ? json_pack("[s]", "code")
                                                                                           : json_array());
    set_default(m, "redirect_uris", json_array());
    set_default(m, "application_type", json_string("web"));
    idp_profile_t profile = idp_client_meta_profile(m);
    if (profile != IDP_PROFILE_NONE) { /* its defaults; check_fapi2 refuses the rest */
        set_default(m, "require_pushed_authorization_requests", json_true());
        set_default(m, "dpop_bound_access_tokens", json_true());
        set_default(m, "id_token_signed_response_alg", json_string("ES256"));
        set_default(m, "access_token_signed_response_alg", json_string("ES256"));
        set_default(m, "authorization_signed_response_alg", json_string("ES256"));
    }
    if (profile == IDP_PROFILE_FAPI2_MESSAGE_SIGNING)
        set_default(m, "require_signed_request_object", json_true());
    set_default(m, "id_token_signed_response_alg", json_string("RS256"));
    set_default(m, "tier", json_string("partner"));
    /* product.md §5: public subject identifiers for city services, pairwise for partners */
    set_default(m, "subject_type",
                json_string(!strcmp(json_string_value(json_object_get(m, "tier")), "city") ? "public" : "pairwise"));
    set_default(m, "require_pkce", json_true());
    set_default(m, "card_required", json_false());
    set_default(m, "first_party", json_false());
    set_default(m, "scope", json_string("openid"));
    if (json_object_get(m, "backchannel_logout_uri"))
        set_default(m, "backchannel_logout_session_required", json_false());
    if ((ret = check_together(m, err, errlen)) != IDP_OK) {
        json_decref(m);
        return ret;
    }
    *out = m;
    return IDP_OK;
}

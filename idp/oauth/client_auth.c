/* Client authentication at the token endpoint (RFC 6749 §2.3). */
#include "oauth/client_auth.h"

#include <string.h>
#include <strings.h>

#include "core/b64.h"
#include "core/rand.h"

#define MAX_ID 256
#define MAX_SECRET 512

/*
 * RFC 6749 §2.3.1 / RFC 7617: "Basic" base64(urlencode(id) ":" urlencode(secret)).
 * The scheme name is case-insensitive (RFC 7235 §2.1).
 */
static idp_err_t parse_basic(idp_oauth_req_t *req, char **id, char **secret)
{
    const char *h = req->authorization;
    if (strncasecmp(h, "Basic ", 6) != 0)
        return IDP_E_INVALID_CLIENT;
    h += 6;
    while (*h == ' ')
        h++;
    size_t n = strlen(h);
    if (n == 0 || n > 4 * ((MAX_ID + MAX_SECRET) * 3 + 3) / 3)
        return IDP_E_INVALID_CLIENT;
    unsigned char *raw = idp_arena_alloc(req->arena, n + 3);
    size_t rawlen = 0;
    if (raw == NULL)
        return IDP_E_TOO_LARGE;
    if (idp_b64_decode(h, n, raw, n + 3, &rawlen) != IDP_OK)
        return IDP_E_INVALID_CLIENT;
    unsigned char *colon = memchr(raw, ':', rawlen);
    if (colon == NULL)
        return IDP_E_INVALID_CLIENT;
    *id = idp_form_decode(req->arena, (const char *)raw, (size_t)(colon - raw));
    *secret = idp_form_decode(req->arena, (const char *)colon + 1, rawlen - (size_t)(colon - raw) - 1);
    if (*id == NULL || *secret == NULL || !**id)
        return IDP_E_INVALID_CLIENT;
    return IDP_OK;
}

/* Absent is fine; present more than once is invalid_request. */
static idp_err_t optional(const idp_params_t *p, const char *name, const char **v)
{
    idp_err_t e = idp_params_get(p, name, v);
    if (e == IDP_E_NOT_FOUND) {
        *v = NULL;
        return IDP_OK;
    }
    return e;
}

bool idp_client_meta_has(json_t *meta, const char *field, const char *value)
{
    json_t *v = json_object_get(meta, field), *it;
    size_t i;
    json_array_foreach(v, i, it) {
        if (json_is_string(it) && !strcmp(json_string_value(it), value))
            return true;
    }
    return false;
}

idp_err_t idp_client_authenticate(idp_oauth_t *o, idp_oauth_req_t *req, idp_client_t *out, const char **desc)
{
    const char *form_id, *form_secret;
    char *id = NULL, *secret = NULL;
    idp_err_t e;
    memset(out, 0, sizeof(*out));
    if ((e = optional(req->form, "client_id", &form_id)) != IDP_OK ||
        (e = optional(req->form, "client_secret", &form_secret)) != IDP_OK) {
        *desc = "repeated client_id or client_secret";
        return e;
    }
    if (req->authorization != NULL) {
        out->used_basic = true;
        if ((e = parse_basic(req, &id, &secret)) != IDP_OK) {
            *desc = "malformed Basic credentials";
            return e == IDP_E_TOO_LARGE ? e : IDP_E_INVALID_CLIENT;
        }
        /* RFC 6749 §2.3: a client MUST NOT use more than one method per request. */
        if (form_secret != NULL) {
            *desc = "more than one client authentication method";
            return IDP_E_INVALID_REQUEST;
        }
        if (form_id != NULL && strcmp(form_id, id) != 0) {
            *desc = "client_id does not match the Authorization header";
            return IDP_E_INVALID_REQUEST;
        }
        out->method = "client_secret_basic";
    } else if (form_id != NULL) {
        id = (char *)form_id;
        secret = (char *)form_secret;
        out->method = secret ? "client_secret_post" : "none";
    } else {
        *desc = "client authentication is required";
        return IDP_E_INVALID_CLIENT;
    }
    if (strlen(id) > MAX_ID || (secret && strlen(secret) > MAX_SECRET)) {
        *desc = "client authentication failed";
        return IDP_E_INVALID_CLIENT;
    }

    idp_store_client_t row;
    if ((e = idp_store_client_get(o->store, id, &row)) != IDP_OK) {
        *desc = e == IDP_E_NOT_FOUND ? "client authentication failed" : "the service is temporarily unavailable";
        return e == IDP_E_NOT_FOUND ? IDP_E_INVALID_CLIENT : e;
    }
    json_t *meta = json_loads(row.metadata, 0, NULL);
    const char *registered = json_string_value(json_object_get(meta, "token_endpoint_auth_method"));
    bool ok = registered != NULL && !strcmp(registered, out->method);
    if (ok && secret != NULL) {
        /* Only the SHA-256 of the 256-bit secret is stored; compare in constant time. */
        unsigned char h[32];
        idp_sha256(secret, strlen(secret), h);
        ok = row.has_secret && idp_ct_equal(h, row.secret_hash, sizeof(h));
        idp_wipe(h, sizeof(h));
    }
    idp_store_client_clear(&row);
    if (!ok || meta == NULL) {
        json_decref(meta);
        *desc = "client authentication failed";
        return meta == NULL ? IDP_E_SERVER_ERROR : IDP_E_INVALID_CLIENT;
    }
    out->client_id = id;
    out->meta = meta;
    return IDP_OK;
}

void idp_client_release(idp_client_t *c)
{
    json_decref(c->meta);
    c->meta = NULL;
}

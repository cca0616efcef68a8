/* Rich authorization requests (RFC 9396): authorization_details checked, one type at a time. */
#include "oauth/rar.h"

#include <stdlib.h>
#include <string.h>

#include "oauth/internal.h"

const char *const idp_rar_types[] = {"sakai_application", NULL};

#define MAX_DETAILS 4
#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/* A string member of 1 to @p max bytes, of printable characters (no control character reaches a page or a log). */
static bool text(const json_t *o, const char *name, size_t max)
{
    const json_t *v = json_object_get(o, name);
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max)
        return false;
    for (const unsigned char *s = (const unsigned char *)json_string_value(v); *s; s++)
        if (*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

/* Only the members in @p allowed (NULL-terminated). */
static bool only(const json_t *o, const char *const *allowed)
{
    const char *k;
    const json_t *v;
    json_object_foreach ((json_t *)o, k, v) {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = !strcmp(*a, k);
        if (!ok)
            return false;
    }
    return true;
}

/* A non-empty array of distinct strings, each accepted by @p ok. */
static bool string_set(const json_t *a, bool (*ok)(const char *))
{
    if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > 16)
        return false;
    for (size_t i = 0; i < json_array_size(a); i++) {
        const char *s = json_string_value(json_array_get(a, i));
        if (s == NULL || !ok(s))
            return false;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(s, json_string_value(json_array_get(a, j))))
                return false;
    }
    return true;
}

static bool action_ok(const char *s)
{
    return !strcmp(s, "read") || !strcmp(s, "sign");
}

/* An item it reads: one of the claims we release (not a permission such as openid). */
static bool datatype_ok(const char *s)
{
    for (const idp_claim_def_t *d = idp_claim_defs; d->claim; d++)
        if (!d->pseudo && !strcmp(d->claim, s))
            return true;
    return false;
}

static bool has(const json_t *a, const char *s)
{
    for (size_t i = 0; i < json_array_size(a); i++)
        if (!strcmp(json_string_value(json_array_get(a, i)), s))
            return true;
    return false;
}

/* The sakai_application type (rar.h). */
static const char *sakai_application(const json_t *d)
{
    static const char *const members[] = {"type",      "identifier",      "procedure", "actions",
                                          "datatypes", "document_digest", NULL};
    static const char *const procedure_members[] = {"code", "name", NULL};
    static const char *const digest_members[] = {"alg", "value", NULL};
    const json_t *procedure = json_object_get(d, "procedure"), *actions = json_object_get(d, "actions");
    const json_t *datatypes = json_object_get(d, "datatypes"), *digest = json_object_get(d, "document_digest");
    if (!only(d, members))
        return "sakai_application has a member it does not define";
    const char *id = json_string_value(json_object_get(d, "identifier"));
    if (!text(d, "identifier", 64) || strspn(id, B64URL ".") != strlen(id))
        return "sakai_application needs an identifier of 1-64 letters, digits, '-', '_' or '.'";
    if (!json_is_object(procedure) || !only(procedure, procedure_members) || !text(procedure, "code", 32) ||
        !text(procedure, "name", 200))
        return "sakai_application needs a procedure with its code and name";
    if (!string_set(actions, action_ok))
        return "sakai_application needs actions: read, sign or both";
    if (has(actions, "read") != (datatypes != NULL) || (datatypes && !string_set(datatypes, datatype_ok)))
        return "sakai_application reads datatypes (claim names), and only with the action read";
    if (has(actions, "sign") != (digest != NULL))
        return "sakai_application signs a document_digest, and only with the action sign";
    if (digest) {
        const char *alg = json_string_value(json_object_get(digest, "alg"));
        const char *value = json_string_value(json_object_get(digest, "value"));
        if (!json_is_object(digest) || !only(digest, digest_members) || alg == NULL || strcmp(alg, "sha-256") != 0 ||
            value == NULL || strlen(value) != 43 || strspn(value, B64URL) != 43)
            return "document_digest is {\"alg\": \"sha-256\", \"value\": the base64url SHA-256 of the document}";
    }
    return NULL;
}

idp_err_t idp_rar_parse(const char *text_in, const idp_client_t *client, json_t **out, char **canonical,
                        const char **why)
{
    *out = NULL;
    *canonical = NULL;
    *why = "authorization_details must be a JSON array of 1 to 4 objects (RFC 9396 §2)";
    if (strlen(text_in) > IDP_RAR_MAX_BYTES)
        return IDP_E_INVALID_AUTHORIZATION_DETAILS;
    json_t *a = json_loads(text_in, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > MAX_DETAILS) {
        json_decref(a);
        return IDP_E_INVALID_AUTHORIZATION_DETAILS;
    }
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *d = json_array_get(a, i);
        const char *type = json_string_value(json_object_get(d, "type"));
        /* §5: an unknown type, or one the client may not use, is invalid_authorization_details */
        if (!json_is_object(d) || type == NULL)
            *why = "each authorization detail is an object with a type (RFC 9396 §2)";
        else if (strcmp(type, "sakai_application") != 0)
            *why = "an authorization_details type this server does not know (authorization_details_types_supported)";
        else if (!idp_client_has(client->authorization_details_types, type))
            *why = "an authorization_details type this client is not registered for (authorization_details_types)";
        else
            *why = sakai_application(d);
        if (*why) {
            json_decref(a);
            return IDP_E_INVALID_AUTHORIZATION_DETAILS;
        }
    }
    if ((*canonical = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
        json_decref(a);
        return IDP_E_NOMEM;
    }
    if (strlen(*canonical) > IDP_RAR_MAX_BYTES) { /* the grant keeps at most this much (migration 0024) */
        free(*canonical);
        *canonical = NULL;
        json_decref(a);
        *why = "authorization_details is too long";
        return IDP_E_INVALID_AUTHORIZATION_DETAILS;
    }
    *out = a;
    return IDP_OK;
}

const json_t *idp_rar_to_sign(const json_t *details)
{
    for (size_t i = 0; i < json_array_size(details); i++) {
        const json_t *d = json_array_get(details, i);
        const char *type = json_string_value(json_object_get(d, "type"));
        if (type && !strcmp(type, "sakai_application") && has(json_object_get(d, "actions"), "sign"))
            return d;
    }
    return NULL;
}

/* An upstream provider's row from its fields (upstream_row.h). */
#include "federation/upstream_row.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "core/url.h"
#include "jose/key.h"

#define AAD_PREFIX "sakaid:upstream:"
/* The Digital Agency's API reference: the four basic attributes, and assurance level 3 with the revocation check. */
#define CARD_APP_SCOPES "openid name address birthdate gender"
#define CARD_APP_ACR "aal3 crl"

bool idp_upstream_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > 32)
        return false;
    for (const char *c = id; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || (*c == '-' && c != id)))
            return false;
    return true;
}

static idp_err_t invalid(char *err, size_t n, const char *msg)
{
    snprintf(err, n, "%s", msg);
    return IDP_E_INVALID_REQUEST;
}

/* The checks of the fields alone, then those of the kind (@p card_app). */
static idp_err_t check(const idp_upstream_fields_t *f, bool card_app, char *err, size_t n)
{
    if (f->issuer && idp_url_check_issuer(f->issuer) != IDP_URL_OK && idp_url_check_redirect(f->issuer) != IDP_URL_OK)
        return invalid(err, n, "issuer: an https URL (http only on loopback)");
    if (f->icon_uri && idp_url_check_redirect(f->icon_uri) != IDP_URL_OK)
        return invalid(err, n, "icon_uri: an https URL");
    if (f->kind && strcmp(f->kind, "social") && strcmp(f->kind, IDP_UPSTREAM_CARD_APP))
        return invalid(err, n, "kind: social or " IDP_UPSTREAM_CARD_APP);
    const char *const text[] = {f->client_id, f->display_name, f->scopes};
    for (size_t i = 0; i < 3; i++)
        if (text[i] && (!*text[i] || strlen(text[i]) > 255))
            return invalid(err, n, "client_id, display_name and scopes: 1 to 255 characters");
    /* printable ASCII, space-separated values (OpenID Connect Core §3.1.2.1); the column's own check */
    bool printable = f->acr_values && *f->acr_values && strlen(f->acr_values) <= 255;
    for (const char *c = f->acr_values; printable && *c; c++)
        printable = *c >= 0x20 && *c <= 0x7e;
    if (f->acr_values && !printable)
        return invalid(err, n, "acr_values: 1 to 255 printable ASCII characters");
    if (card_app && f->secret)
        return invalid(err, n,
                       "client_secret: a " IDP_UPSTREAM_CARD_APP
                       " upstream authenticates with its key (private_key_jwt), not a secret");
    if (!card_app && (f->acr_values || f->rotate_key))
        return invalid(err, n, "acr_values and rotate_key: for a " IDP_UPSTREAM_CARD_APP " upstream");
    if (f->secret && (!*f->secret || strlen(f->secret) > 512))
        return invalid(err, n, "client_secret: 1 to 512 characters");
    return IDP_OK;
}

/* A card channel's private_key_jwt key (RFC 7523 §2.2): a fresh RSA-2048 key (RS256), its PKCS#8 DER sealed. */
static idp_err_t seal_new_key(const idp_kek_t *kek, const char *aad, idp_store_upstream_t *u)
{
    idp_jose_key_t *k = NULL;
    unsigned char *der = NULL;
    size_t len = 0;
    idp_err_t e = idp_jose_key_generate(IDP_ALG_RS256, &k);
    if (e == IDP_OK)
        e = idp_jose_key_private_der(k, &der, &len);
    if (e == IDP_OK)
        e = idp_aead_seal(kek, aad, der, len, &u->secret_enc, &u->secret_enc_len);
    if (der)
        idp_wipe(der, len);
    free(der);
    idp_jose_key_free(k);
    return e;
}

/* Replaces *dst by a copy of @p v when it is given (or by @p dflt on an add); false when out of memory. */
static bool set(char **dst, const char *v, bool add, const char *dflt)
{
    const char *use = v ? v : add ? dflt : NULL;
    if (use == NULL)
        return true;
    char *copy = strdup(use);
    if (copy == NULL)
        return false;
    free(*dst);
    *dst = copy;
    return true;
}

idp_err_t idp_upstream_fill(const idp_kek_t *kek, const char *id, bool add, const idp_upstream_fields_t *f,
                            idp_store_upstream_t *u, char *err, size_t errlen)
{
    err[0] = '\0';
    if (!idp_upstream_id_ok(id))
        return invalid(err, errlen, "id: [a-z0-9-], up to 32 characters");
    if (add && (!f->issuer || !f->client_id || !f->display_name))
        return invalid(err, errlen, "issuer, client_id and display_name are required");
    if (!add && f->kind && strcmp(f->kind, u->kind))
        return invalid(err, errlen, "kind: it stays what it was (remove the upstream and add it again)");
    if (add)
        snprintf(u->kind, sizeof(u->kind), "%s", f->kind ? f->kind : "social");
    bool card_app = !strcmp(u->kind, IDP_UPSTREAM_CARD_APP);
    idp_err_t e = check(f, card_app, err, errlen);
    if (e != IDP_OK)
        return e;
    if (add && !card_app && !f->secret)
        return invalid(err, errlen, "client_secret: required");
    free(u->secret_enc); /* kept in the table unless a new one is given (NULL leaves the column alone) */
    u->secret_enc = NULL;
    u->secret_enc_len = 0;
    snprintf(u->id, sizeof(u->id), "%s", id);
    if (!set(&u->issuer, f->issuer, add, NULL) || !set(&u->client_id, f->client_id, add, NULL) ||
        !set(&u->display_name, f->display_name, add, NULL) ||
        !set(&u->scopes, f->scopes, add, card_app ? CARD_APP_SCOPES : "openid") ||
        !set(&u->icon_uri, f->icon_uri, false, NULL) ||
        (card_app && !set(&u->acr_values, f->acr_values, add, CARD_APP_ACR)))
        return IDP_E_NOMEM;
    u->enabled = f->enabled >= 0 ? f->enabled == 1 : (add ? true : u->enabled);
    char aad[80];
    snprintf(aad, sizeof(aad), "%s%s", AAD_PREFIX, u->id);
    if (card_app && (add || f->rotate_key))
        e = seal_new_key(kek, aad, u);
    else if (!card_app && f->secret)
        e = idp_aead_seal(kek, aad, (const unsigned char *)f->secret, strlen(f->secret), &u->secret_enc,
                          &u->secret_enc_len);
    if (e != IDP_OK)
        snprintf(err, errlen, "cannot make or seal the %s", card_app ? "key" : "secret");
    return e;
}

json_t *idp_upstream_json(const idp_store_upstream_t *u)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s*, s:b, s:s, s:I, s:I}", "id", u->id, "issuer", u->issuer,
                          "client_id", u->client_id, "scopes", u->scopes, "display_name", u->display_name, "icon_uri",
                          u->icon_uri, "enabled", u->enabled, "kind", u->kind[0] ? u->kind : "social", "created_at",
                          (json_int_t)u->created_at, "updated_at", (json_int_t)u->updated_at);
    if (j && !strcmp(u->kind, IDP_UPSTREAM_CARD_APP))
        json_object_set_new(j, "acr_values", json_string(u->acr_values ? u->acr_values : ""));
    return j;
}

json_t *idp_upstream_jwks(const idp_kek_t *kek, const idp_store_upstream_t *u)
{
    char aad[80];
    unsigned char *der = NULL;
    size_t len = 0;
    idp_jose_key_t *k = NULL;
    json_t *jwks = NULL;
    if (strcmp(u->kind, IDP_UPSTREAM_CARD_APP) != 0)
        return NULL;
    snprintf(aad, sizeof(aad), "%s%s", AAD_PREFIX, u->id);
    if (idp_aead_open(kek, aad, u->secret_enc, u->secret_enc_len, &der, &len) == IDP_OK &&
        idp_jose_key_from_der(IDP_ALG_RS256, der, len, &k) == IDP_OK)
        jwks = json_pack("{s:[o]}", "keys", json_loads(idp_jose_key_public_jwk(k), 0, NULL));
    if (der)
        idp_wipe(der, len);
    free(der);
    idp_jose_key_free(k);
    return jwks;
}

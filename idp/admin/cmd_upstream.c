/*
 * sakaid-admin upstream add | list | update | jwks | remove: the upstream
 * OpenID providers residents may sign in with (docs/social.md), and the card
 * channels among them (kind digital-auth-app: the Digital Agency's
 * デジタル認証アプリ, docs/card.md "Channels"). The issuer is checked through
 * its discovery document before it is stored; the client secret is sealed
 * under the KEK and never printed. A card channel authenticates with
 * private_key_jwt: `add` makes its RSA key, seals it in the secret's place
 * and prints the public JWK Set to register with the Digital Agency
 * (`upstream jwks ID` prints it again; `update ID --rotate-key` replaces it).
 *
 *   upstream add ID --issuer URL --client-id ID (--client-secret S | --client-secret-file F)
 *                   --display-name NAME [--scopes "openid profile"] [--icon-uri URL] [--enabled true|false]
 *   upstream add ID --kind digital-auth-app --issuer URL --client-id ID --display-name NAME
 *                   [--scopes "openid name address birthdate gender"] [--acr-values "aal3 crl"]
 *   upstream update ID [any of the above but --kind] [--rotate-key true]
 *   upstream list
 *   upstream jwks ID
 *   upstream remove ID
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "core/rand.h"
#include "core/url.h"
#include "federation/federation.h"
#include "jose/key.h"

#define AAD_PREFIX "sakaid:upstream:"
#define CARD_APP "digital-auth-app"
/* The Digital Agency's API reference: the four basic attributes, and assurance level 3 with the revocation check. */
#define CARD_APP_SCOPES "openid name address birthdate gender"
#define CARD_APP_ACR "aal3 crl"

typedef struct {
    const char *issuer, *client_id, *secret, *secret_file, *display_name, *scopes, *icon_uri, *enabled;
    const char *kind, *acr_values, *rotate_key;
} flags_t;

static int parse_flags(admin_t *a, int argc, char **argv, flags_t *f)
{
    memset(f, 0, sizeof(*f));
    for (int i = 0; i < argc; i += 2) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        const char **slot = !strcmp(k, "--issuer")               ? &f->issuer
                            : !strcmp(k, "--client-id")          ? &f->client_id
                            : !strcmp(k, "--client-secret")      ? &f->secret
                            : !strcmp(k, "--client-secret-file") ? &f->secret_file
                            : !strcmp(k, "--display-name")       ? &f->display_name
                            : !strcmp(k, "--scopes")             ? &f->scopes
                            : !strcmp(k, "--icon-uri")           ? &f->icon_uri
                            : !strcmp(k, "--enabled")            ? &f->enabled
                            : !strcmp(k, "--kind")               ? &f->kind
                            : !strcmp(k, "--acr-values")         ? &f->acr_values
                            : !strcmp(k, "--rotate-key")         ? &f->rotate_key
                                                                 : NULL;
        if (slot == NULL)
            return admin_usage(a, "upstream: unknown flag %s", k);
        if (v == NULL)
            return admin_usage(a, "upstream: %s needs a value", k);
        *slot = v;
    }
    if (f->enabled && strcmp(f->enabled, "true") && strcmp(f->enabled, "false"))
        return admin_usage(a, "upstream: --enabled must be true or false");
    if (f->issuer && idp_url_check_issuer(f->issuer) != IDP_URL_OK && idp_url_check_redirect(f->issuer) != IDP_URL_OK)
        return admin_usage(a, "upstream: --issuer must be an https URL (http only on loopback)");
    if (f->icon_uri && idp_url_check_redirect(f->icon_uri) != IDP_URL_OK)
        return admin_usage(a, "upstream: --icon-uri must be an https URL");
    if (f->secret && f->secret_file)
        return admin_usage(a, "upstream: give --client-secret or --client-secret-file, not both");
    if (f->kind && strcmp(f->kind, "social") && strcmp(f->kind, CARD_APP))
        return admin_usage(a, "upstream: --kind must be social or " CARD_APP);
    if (f->rotate_key && strcmp(f->rotate_key, "true"))
        return admin_usage(a, "upstream: --rotate-key takes true");
    /* printable ASCII, space-separated values (OpenID Connect Core §3.1.2.1); the column's own check */
    bool printable = f->acr_values && *f->acr_values && strlen(f->acr_values) <= 255;
    for (const char *c = f->acr_values; printable && *c; c++)
        printable = *c >= 0x20 && *c <= 0x7e;
    if (f->acr_values && !printable)
        return admin_usage(a, "upstream: --acr-values takes 1 to 255 printable ASCII characters");
    return 0;
}

/*
 * A card channel's private_key_jwt key (RFC 7523 §2.2): a fresh RSA-2048
 * key (RS256), its PKCS#8 DER sealed for row @p id in the secret's place.
 */
static int seal_new_key(admin_t *a, const char *id, idp_store_upstream_t *u)
{
    idp_jose_key_t *k = NULL;
    unsigned char *der = NULL;
    size_t len = 0;
    char aad[80];
    snprintf(aad, sizeof(aad), "%s%s", AAD_PREFIX, id);
    idp_err_t e = idp_jose_key_generate(IDP_ALG_RS256, &k);
    if (e == IDP_OK)
        e = idp_jose_key_private_der(k, &der, &len);
    if (e == IDP_OK)
        e = idp_aead_seal(&a->kek, aad, der, len, &u->secret_enc, &u->secret_enc_len);
    if (der)
        idp_wipe(der, len);
    free(der);
    idp_jose_key_free(k);
    return e == IDP_OK ? 0 : admin_fail(a, e, "upstream: cannot make or seal the key");
}

/* The public JWK Set of card channel @p u's key (opened with the KEK), for the Digital Agency's registration. */
static json_t *card_app_jwks(admin_t *a, const idp_store_upstream_t *u)
{
    char aad[80];
    unsigned char *der = NULL;
    size_t len = 0;
    idp_jose_key_t *k = NULL;
    json_t *jwks = NULL;
    snprintf(aad, sizeof(aad), "%s%s", AAD_PREFIX, u->id);
    if (idp_aead_open(&a->kek, aad, u->secret_enc, u->secret_enc_len, &der, &len) == IDP_OK &&
        idp_jose_key_from_der(IDP_ALG_RS256, der, len, &k) == IDP_OK)
        jwks = json_pack("{s:[o]}", "keys", json_loads(idp_jose_key_public_jwk(k), 0, NULL));
    if (der)
        idp_wipe(der, len);
    free(der);
    idp_jose_key_free(k);
    return jwks;
}

/* Reads the secret (a flag, or the first line of a file) and seals it for row @p id. */
static int seal_secret(admin_t *a, const char *id, const flags_t *f, idp_store_upstream_t *u)
{
    char buf[1024];
    const char *secret = f->secret;
    if (f->secret_file) {
        FILE *fp = fopen(f->secret_file, "r");
        if (fp == NULL || fgets(buf, sizeof(buf), fp) == NULL) {
            if (fp)
                fclose(fp);
            return admin_usage(a, "upstream: cannot read %s", f->secret_file);
        }
        fclose(fp);
        buf[strcspn(buf, "\r\n")] = '\0';
        secret = buf;
    }
    if (secret == NULL || !*secret || strlen(secret) > 512)
        return admin_usage(a, "upstream: a client secret of 1 to 512 characters is required");
    char aad[80];
    snprintf(aad, sizeof(aad), "%s%s", AAD_PREFIX, id);
    idp_err_t e =
        idp_aead_seal(&a->kek, aad, (const unsigned char *)secret, strlen(secret), &u->secret_enc, &u->secret_enc_len);
    memset(buf, 0, sizeof(buf));
    return e == IDP_OK ? 0 : admin_fail(a, e, "upstream: cannot seal the secret");
}

/* OpenID Connect Discovery: the issuer must answer with its own name before we trust it. */
static int check_issuer(admin_t *a, const char *issuer)
{
    char err[512] = "";
    idp_net_t net = {.transport = NULL, .ctx = NULL, .proxy = a->cfg ? a->cfg->outbound_proxy : NULL};
    idp_fed_t *fed = idp_fed_new(&net, 5000, 1);
    idp_err_t e = fed ? idp_fed_discover(fed, issuer, err, sizeof(err)) : IDP_E_NOMEM;
    idp_fed_free(fed);
    return e == IDP_OK ? 0 : admin_fail(a, IDP_E_UNAVAILABLE, "upstream: %s", err[0] ? err : "discovery failed");
}

static json_t *to_json(const idp_store_upstream_t *u)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:b, s:s}", "id", u->id, "issuer", u->issuer, "client_id",
                          u->client_id, "scopes", u->scopes, "display_name", u->display_name, "icon_uri", u->icon_uri,
                          "enabled", u->enabled, "kind", u->kind[0] ? u->kind : "social");
    if (j && !strcmp(u->kind, CARD_APP))
        json_object_set_new(j, "acr_values", json_string(u->acr_values ? u->acr_values : ""));
    return j;
}

static bool id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 32)
        return false;
    for (const char *c = id; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || (*c == '-' && c != id)))
            return false;
    return true;
}

static int write_upstream(admin_t *a, int argc, char **argv, bool add)
{
    if (argc < 1 || !id_ok(argv[0]))
        return admin_usage(a, "upstream %s: the first argument is the id ([a-z0-9-], up to 32)",
                           add ? "add" : "update");
    flags_t f;
    int rc = parse_flags(a, argc - 1, argv + 1, &f);
    if (rc || (rc = admin_store(a)) || (rc = admin_kek(a)))
        return rc;
    idp_store_upstream_t u;
    memset(&u, 0, sizeof(u));
    if (!add) {
        idp_err_t e = idp_store_upstream_get(a->store, argv[0], &u);
        if (e != IDP_OK)
            return e == IDP_E_NOT_FOUND ? admin_fail(a, e, "upstream update: no upstream %s", argv[0])
                                        : admin_store_fail(a, e, "upstream update");
        free(u.secret_enc); /* kept unless a new secret is given (NULL leaves the column alone) */
        u.secret_enc = NULL;
        u.secret_enc_len = 0;
    } else if (!f.issuer || !f.client_id || !f.display_name) {
        return admin_usage(a, "upstream add: --issuer, --client-id, --display-name and a client secret are required");
    }
    if (!add && f.kind && strcmp(f.kind, u.kind))
        rc = admin_usage(a, "upstream update: the kind of %s stays %s (remove it and add it again)", argv[0], u.kind);
    if (add)
        snprintf(u.kind, sizeof(u.kind), "%s", f.kind ? f.kind : "social");
    bool card_app = !strcmp(u.kind, CARD_APP);
    if (!rc && card_app && (f.secret || f.secret_file))
        rc = admin_usage(a, "upstream: a " CARD_APP
                            " upstream authenticates with its key (private_key_jwt), not a secret");
    if (!rc && !card_app && (f.acr_values || f.rotate_key))
        rc = admin_usage(a, "upstream: --acr-values and --rotate-key are for a " CARD_APP " upstream");
    if (rc) {
        idp_store_upstream_clear(&u);
        return rc;
    }
    snprintf(u.id, sizeof(u.id), "%s", argv[0]);
    if (card_app && (f.acr_values || add)) {
        free(u.acr_values);
        u.acr_values = strdup(f.acr_values ? f.acr_values : CARD_APP_ACR);
    }
    /* Flags replace fields; the rest stays. Strings here are borrowed from argv or the row. */
    if (f.issuer) {
        free(u.issuer);
        u.issuer = strdup(f.issuer);
    }
    if (f.client_id) {
        free(u.client_id);
        u.client_id = strdup(f.client_id);
    }
    if (f.display_name) {
        free(u.display_name);
        u.display_name = strdup(f.display_name);
    }
    if (f.scopes || add) {
        free(u.scopes);
        u.scopes = strdup(f.scopes ? f.scopes : card_app ? CARD_APP_SCOPES : "openid");
    }
    if (f.icon_uri) {
        free(u.icon_uri);
        u.icon_uri = strdup(f.icon_uri);
    }
    u.enabled = f.enabled ? !strcmp(f.enabled, "true") : (add ? true : u.enabled);
    if (card_app && (add || f.rotate_key) && (rc = seal_new_key(a, u.id, &u)) != 0)
        goto Exit;
    if (!card_app && (f.secret || f.secret_file || add) && (rc = seal_secret(a, u.id, &f, &u)) != 0)
        goto Exit;
    if (f.issuer && (rc = check_issuer(a, u.issuer)) != 0)
        goto Exit;
    idp_err_t e = add ? idp_store_upstream_insert(a->store, &u) : idp_store_upstream_update(a->store, &u);
    if (e == IDP_E_CONFLICT)
        rc = admin_fail(a, e, "upstream add: %s exists", u.id);
    else if (e != IDP_OK)
        rc = admin_store_fail(a, e, add ? "upstream add" : "upstream update");
    else if (a->json) {
        json_t *j = to_json(&u);
        /* A new key: what to register with the Digital Agency (public only). */
        if (j && card_app && u.secret_enc)
            json_object_set_new(j, "jwks", card_app_jwks(a, &u));
        admin_print_json(j);
    } else {
        printf("%s upstream %s (%s)\n", add ? "added" : "updated", u.id, u.issuer);
        if (card_app && u.secret_enc)
            printf("register its public key with the provider: sakaid-admin upstream jwks %s\n", u.id);
    }
Exit:
    idp_store_upstream_clear(&u);
    return rc;
}

int cmd_upstream_jwks(admin_t *a, int argc, char **argv)
{
    int rc = argc != 1 ? admin_usage(a, "usage: upstream jwks ID") : admin_store(a);
    if (rc || (rc = admin_kek(a)))
        return rc;
    idp_store_upstream_t u;
    idp_err_t e = idp_store_upstream_get(a->store, argv[0], &u);
    if (e != IDP_OK)
        return e == IDP_E_NOT_FOUND ? admin_fail(a, e, "upstream jwks: no upstream %s", argv[0])
                                    : admin_store_fail(a, e, "upstream jwks");
    json_t *jwks = !strcmp(u.kind, CARD_APP) ? card_app_jwks(a, &u) : NULL;
    if (jwks == NULL)
        rc = admin_fail(a, IDP_E_INVALID_REQUEST, "upstream jwks: %s has no key (only a " CARD_APP " upstream has one)",
                        argv[0]);
    else
        admin_print_json(jwks); /* always JSON: it is what the provider's registration takes */
    idp_store_upstream_clear(&u);
    return rc;
}

int cmd_upstream_add(admin_t *a, int argc, char **argv)
{
    return write_upstream(a, argc, argv, true);
}

int cmd_upstream_update(admin_t *a, int argc, char **argv)
{
    return write_upstream(a, argc, argv, false);
}

int cmd_upstream_list(admin_t *a, int argc, char **argv)
{
    int rc = argc ? admin_usage(a, "usage: upstream list") : admin_store(a);
    if (rc)
        return rc;
    idp_store_upstream_t *rows = NULL;
    size_t n = 0;
    idp_err_t e = idp_store_upstream_list(a->store, false, &rows, &n);
    if (e != IDP_OK)
        return admin_store_fail(a, e, "upstream list");
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        if (a->json)
            json_array_append_new(list, to_json(&rows[i]));
        else
            printf("%-16s %-8s %-24s %s\n", rows[i].id, rows[i].enabled ? "enabled" : "disabled", rows[i].display_name,
                   rows[i].issuer);
    }
    if (a->json)
        admin_print_json(list);
    else
        json_decref(list);
    idp_store_upstreams_free(rows, n);
    return 0;
}

int cmd_upstream_remove(admin_t *a, int argc, char **argv)
{
    int rc = argc != 1 ? admin_usage(a, "usage: upstream remove ID") : admin_store(a);
    if (rc)
        return rc;
    idp_err_t e = idp_store_upstream_delete(a->store, argv[0]);
    if (e == IDP_E_NOT_FOUND)
        return admin_fail(a, e, "upstream remove: no upstream %s", argv[0]);
    if (e != IDP_OK)
        return admin_store_fail(a, e, "upstream remove");
    if (a->json)
        admin_print_json(json_pack("{s:s, s:b}", "id", argv[0], "removed", 1));
    else
        printf("removed upstream %s (identities linked through it stay, but cannot sign in)\n", argv[0]);
    return 0;
}

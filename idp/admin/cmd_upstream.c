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
#include "federation/federation.h"
#include "federation/upstream_row.h"

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
    if (f->secret && f->secret_file)
        return admin_usage(a, "upstream: give --client-secret or --client-secret-file, not both");
    if (f->rotate_key && strcmp(f->rotate_key, "true"))
        return admin_usage(a, "upstream: --rotate-key takes true");
    return 0;
}

/* The secret of --client-secret-file: its first line, in @p buf. */
static int read_secret(admin_t *a, const char *file, char buf[1024])
{
    FILE *fp = fopen(file, "r");
    if (fp == NULL || fgets(buf, 1024, fp) == NULL) {
        if (fp)
            fclose(fp);
        return admin_usage(a, "upstream: cannot read %s", file);
    }
    fclose(fp);
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
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

static int write_upstream(admin_t *a, int argc, char **argv, bool add)
{
    const char *verb = add ? "add" : "update";
    if (argc < 1 || !idp_upstream_id_ok(argv[0]))
        return admin_usage(a, "upstream %s: the first argument is the id ([a-z0-9-], up to 32)", verb);
    flags_t f;
    char buf[1024] = "", err[256];
    int rc = parse_flags(a, argc - 1, argv + 1, &f);
    if (rc || (f.secret_file && (rc = read_secret(a, f.secret_file, buf))) || (rc = admin_store(a)) ||
        (rc = admin_kek(a)))
        return rc;
    idp_upstream_fields_t fields = {.issuer = f.issuer,
                                    .client_id = f.client_id,
                                    .secret = f.secret_file ? buf : f.secret,
                                    .display_name = f.display_name,
                                    .scopes = f.scopes,
                                    .icon_uri = f.icon_uri,
                                    .kind = f.kind,
                                    .acr_values = f.acr_values,
                                    .enabled = f.enabled ? !strcmp(f.enabled, "true") : -1,
                                    .rotate_key = f.rotate_key != NULL};
    idp_store_upstream_t u;
    memset(&u, 0, sizeof(u));
    idp_err_t e = add ? IDP_OK : idp_store_upstream_get(a->store, argv[0], &u);
    if (e != IDP_OK)
        return e == IDP_E_NOT_FOUND ? admin_fail(a, e, "upstream update: no upstream %s", argv[0])
                                    : admin_store_fail(a, e, "upstream update");
    e = idp_upstream_fill(&a->kek, argv[0], add, &fields, &u, err, sizeof(err));
    memset(buf, 0, sizeof(buf));
    if (e == IDP_E_INVALID_REQUEST)
        rc = admin_usage(a, "upstream %s: %s", verb, err);
    else if (e != IDP_OK)
        rc = admin_fail(a, e, "upstream %s: %s", verb, err[0] ? err : "out of memory");
    if (rc || (f.issuer && (rc = check_issuer(a, u.issuer)) != 0))
        goto Exit;
    bool card_app = !strcmp(u.kind, IDP_UPSTREAM_CARD_APP);
    e = add ? idp_store_upstream_insert(a->store, &u) : idp_store_upstream_update(a->store, &u);
    if (e == IDP_E_CONFLICT)
        rc = admin_fail(a, e, "upstream add: %s exists", u.id);
    else if (e != IDP_OK)
        rc = admin_store_fail(a, e, add ? "upstream add" : "upstream update");
    else if (a->json) {
        json_t *j = idp_upstream_json(&u);
        /* A new key: what to register with the Digital Agency (public only). */
        if (j && card_app && u.secret_enc)
            json_object_set_new(j, "jwks", idp_upstream_jwks(&a->kek, &u));
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
    json_t *jwks = idp_upstream_jwks(&a->kek, &u);
    if (jwks == NULL)
        rc = admin_fail(a, IDP_E_INVALID_REQUEST,
                        "upstream jwks: %s has no key (only a " IDP_UPSTREAM_CARD_APP " upstream has one)", argv[0]);
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
            json_array_append_new(list, idp_upstream_json(&rows[i]));
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

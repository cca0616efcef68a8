/*
 * sakaid-admin client add | list | show | update | rotate-secret | remove
 *
 * Metadata uses the names of OpenID Connect Dynamic Client Registration
 * 1.0 §2 / RFC 7591 §2 (and ours, see client/client_meta.c). On the command
 * line a field F is the flag --F with '_' written as '-'.
 *
 * Every add and update whose resulting metadata has a sector_identifier_uri
 * fetches it and stores the client only when it lists every redirect URI
 * (OpenID Connect Core §8.1); an update that would give residents a new sub
 * (another sector, another subject_type) needs --force-sector-change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "core/rand.h"
#include "net/http_client.h"
#include "client/client_meta.h"

#define SECRET_BYTES 32    /* 256 bits */
#define CLIENT_ID_BYTES 16 /* 128 bits */

/* "--redirect-uris" -> "redirect_uris" (into @p out); false if not a flag. */
static bool flag_name(const char *arg, char *out, size_t n)
{
    if (strncmp(arg, "--", 2) != 0 || !arg[2])
        return false;
    size_t i;
    for (i = 0; arg[2 + i] && arg[2 + i] != '=' && i + 1 < n; i++)
        out[i] = arg[2 + i] == '-' ? '_' : arg[2 + i];
    out[i] = '\0';
    return true;
}

static json_t *load_json_arg(admin_t *a, const char *flag, const char *v, int *rc)
{
    json_error_t je;
    json_t *j;
    if (!strcmp(v, "-"))
        j = json_loadf(stdin, JSON_REJECT_DUPLICATES, &je);
    else if (v[0] == '@' || !strcmp(flag, "metadata"))
        j = json_load_file(v[0] == '@' ? v + 1 : v, JSON_REJECT_DUPLICATES, &je);
    else
        j = json_loads(v, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL)
        *rc = admin_usage(a, "--%s: not valid JSON: %s (line %d)", flag, je.text, je.line);
    return j;
}

/* Converts one flag value to JSON according to the field's kind. */
static json_t *flag_value(admin_t *a, const char *field, idp_meta_kind_t kind, const char *v, int *rc)
{
    char name[128]; /* the flag as typed: dashes */
    size_t i;
    for (i = 0; field[i] && i + 1 < sizeof(name); i++)
        name[i] = field[i] == '_' ? '-' : field[i];
    name[i] = '\0';
    switch (kind) {
    case IDP_META_BOOL:
        if (!strcmp(v, "true") || !strcmp(v, "false"))
            return json_boolean(!strcmp(v, "true"));
        *rc = admin_usage(a, "--%s: must be true or false, not \"%s\"", name, v);
        return NULL;
    case IDP_META_INT: {
        char *end;
        long long n = strtoll(v, &end, 10);
        if (!*v || *end) {
            *rc = admin_usage(a, "--%s: must be an integer", name);
            return NULL;
        }
        return json_integer(n);
    }
    case IDP_META_OBJECT: return load_json_arg(a, name, v, rc);
    case IDP_META_LIST: {
        json_t *list = json_array();
        const char *p = v;
        while (list && *p) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            if (len)
                json_array_append_new(list, json_stringn(p, len));
            p += len + (comma != NULL);
        }
        return list;
    }
    default: return json_string(v);
    }
}

/*
 * Parses the arguments of add/update: metadata flags into @p given (lists
 * accumulate over repeated flags), --metadata FILE|- merged first, and
 * --unset NAME and --force-sector-change (update only) into @p unset and
 * @p force. Returns 0 or an exit status.
 */
static int parse_meta_args(admin_t *a, int argc, char **argv, json_t *given, json_t *unset, bool *force)
{
    json_t *file = NULL;
    int rc = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        char name[128];
        idp_meta_kind_t kind;
        if (!flag_name(argv[i], name, sizeof(name))) {
            rc = admin_usage(a, "unexpected argument \"%s\"", argv[i]);
            break;
        }
        if (!strcmp(argv[i], "--force-sector-change")) { /* takes no value */
            if (force == NULL)
                rc = admin_usage(a, "--force-sector-change: only for client update");
            else
                *force = true;
            continue;
        }
        const char *eq = strchr(argv[i], '=');
        const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
        bool is_unset = !strcmp(name, "unset"), is_meta = !strcmp(name, "metadata");
        if (!is_unset && !is_meta && !idp_client_meta_kind(name, &kind)) {
            rc = admin_usage(a, "%s: unknown option (metadata fields: see sakaid-admin --help)", argv[i]);
            break;
        }
        if (value == NULL) {
            rc = admin_usage(a, "%s: needs a value", argv[i]);
            break;
        }
        if (!eq)
            i++;
        if (is_unset) {
            char uname[128];
            snprintf(uname, sizeof(uname), "--%s", value);
            if (unset == NULL || !flag_name(uname, name, sizeof(name)) || !idp_client_meta_kind(name, &kind))
                rc = admin_usage(a, "--unset %s: %s", value,
                                 unset ? "no such metadata field" : "only for client update");
            else
                json_array_append_new(unset, json_string(name));
            continue;
        }
        if (is_meta) {
            json_decref(file);
            if ((file = load_json_arg(a, name, value, &rc)) != NULL && !json_is_object(file))
                rc = admin_usage(a, "--metadata: must be a JSON object");
            continue;
        }
        json_t *v = flag_value(a, name, kind, value, &rc);
        if (v == NULL)
            break;
        json_t *have = json_object_get(given, name);
        if (kind == IDP_META_LIST && json_is_array(have)) {
            json_array_extend(have, v);
            json_decref(v);
        } else {
            json_object_set_new(given, name, v);
        }
    }
    if (rc == 0 && file) {
        /* the file first, flags on top */
        json_object_update_missing(given, file);
    }
    json_decref(file);
    return rc;
}

/* The client as RFC 7591 §3.2.1 shows it: metadata plus client_id and issue time; never the hash. */
static json_t *client_json(const char *client_id, const char *metadata, long long issued_at)
{
    json_t *m = json_loads(metadata, 0, NULL);
    json_t *out = json_pack("{s:s, s:I}", "client_id", client_id, "client_id_issued_at", (json_int_t)issued_at);
    if (m && out)
        json_object_update(out, m);
    json_decref(m);
    return out;
}

static void print_text(json_t *c)
{
    const char *k;
    json_t *v;
    json_object_foreach (c, k, v) {
        if (!strcmp(k, "client_secret"))
            continue;
        printf("%s: ", k);
        if (json_is_array(v)) {
            size_t i;
            json_t *it;
            json_array_foreach (v, i, it)
                printf("%s%s", i ? ", " : "", json_string_value(it) ? json_string_value(it) : "?");
            putchar('\n');
        } else if (json_is_string(v)) {
            printf("%s\n", json_string_value(v));
        } else {
            char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            printf("%s\n", s ? s : "");
            free(s);
        }
    }
    const char *secret = json_string_value(json_object_get(c, "client_secret"));
    if (secret)
        printf("client_secret: %s\n  (shown once: store it now; only its hash is kept)\n", secret);
}

/* Prints the client and wipes any secret in it. */
static void print_client(admin_t *a, json_t *c)
{
    if (a->json) {
        json_dumpf(c, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    } else {
        print_text(c);
    }
    json_t *s = json_object_get(c, "client_secret");
    if (json_is_string(s))
        idp_wipe((void *)json_string_value(s), json_string_length(s));
    json_decref(c);
}

/* A fresh secret and its SHA-256; the caller frees the secret with idp_secret_free. */
static char *new_secret(unsigned char hash[32])
{
    char *s = idp_random_token_new(SECRET_BYTES);
    if (s)
        idp_sha256(s, strlen(s), hash);
    return s;
}

/*
 * Validates @p in into *out (owned by the caller). For an update, @p before is
 * the stored metadata: unless @p force, the update must keep the client's
 * subject identifiers. Then the sector_identifier_uri, if any, is fetched and
 * must list every redirect URI. 0 or an exit status (2 for any of these).
 */
static int validate(admin_t *a, json_t *in, json_t *before, bool force, json_t **out)
{
    char err[512];
    *out = NULL;
    idp_err_t e = idp_client_meta_validate(in, out, err, sizeof(err));
    /* OpenID Connect Core §8.1: a new sector, or another subject_type, is a new sub for every resident */
    if (e == IDP_OK && before && !force &&
        (e = idp_client_meta_sector_change(before, *out, err, sizeof(err))) != IDP_OK)
        snprintf(err + strlen(err), sizeof(err) - strlen(err), "; pass --force-sector-change to do it anyway");
    /* Core §8.1, Registration §5: the sector_identifier_uri lists every redirect URI. Our rule: every
       update is checked as a registration is, so that a client stored before this check, or one whose
       partner has since taken a redirect URI out of its document, is not changed without it. */
    idp_net_t net = {.transport = NULL, .ctx = NULL, .proxy = a->cfg ? a->cfg->outbound_proxy : NULL};
    if (e == IDP_OK)
        e = idp_client_meta_check_sector(*out, idp_net_fetch_doc, &net, err, sizeof(err));
    if (e == IDP_OK)
        return 0;
    json_decref(*out);
    *out = NULL;
    return admin_fail(a, e, "%s", err);
}

int cmd_client_add(admin_t *a, int argc, char **argv)
{
    json_t *given = json_object(), *meta = NULL;
    char *id = NULL, *secret = NULL, *text = NULL;
    int rc = parse_meta_args(a, argc, argv, given, NULL, NULL);
    if (rc == 0)
        rc = validate(a, given, NULL, false, &meta);
    if (rc == 0)
        rc = admin_store(a);
    if (rc != 0)
        goto Exit;
    idp_store_client_t c;
    memset(&c, 0, sizeof(c));
    id = idp_random_id_new(CLIENT_ID_BYTES);
    text = json_dumps(meta, JSON_COMPACT);
    if (idp_client_meta_uses_secret(meta)) {
        secret = new_secret(c.secret_hash);
        c.has_secret = true;
    }
    if (id == NULL || text == NULL || (c.has_secret && secret == NULL)) {
        rc = admin_fail(a, IDP_E_NOMEM, "out of memory");
        goto Exit;
    }
    c.client_id = id;
    c.metadata = text;
    idp_err_t e = idp_store_client_insert(a->store, &c);
    idp_wipe(c.secret_hash, sizeof(c.secret_hash));
    if (e != IDP_OK) {
        rc = admin_store_fail(a, e, "client add");
        goto Exit;
    }
    idp_store_client_t row;
    long long issued = 0;
    if (idp_store_client_get(a->store, id, &row) == IDP_OK) {
        issued = row.created_at;
        idp_store_client_clear(&row);
    }
    json_t *out = client_json(id, text, issued);
    if (secret) {
        json_object_set_new(out, "client_secret", json_string(secret));
        json_object_set_new(out, "client_secret_expires_at", json_integer(0)); /* RFC 7591 §3.2.1: never */
    }
    print_client(a, out);
Exit:
    idp_secret_free(secret);
    free(id);
    free(text);
    json_decref(given);
    json_decref(meta);
    return rc;
}

/* Loads one client; 0 or an exit status. */
static int load(admin_t *a, const char *id, idp_store_client_t *row)
{
    int rc = admin_store(a);
    if (rc != 0)
        return rc;
    idp_err_t e = idp_store_client_get(a->store, id, row);
    if (e == IDP_E_NOT_FOUND)
        return admin_fail(a, e, "no client %s%s", id, id[0] == '-' ? " (CLIENT_ID comes first)" : "");
    return e == IDP_OK ? 0 : admin_store_fail(a, e, "reading the client");
}

int cmd_client_show(admin_t *a, int argc, char **argv)
{
    idp_store_client_t row;
    int rc;
    if (argc != 1)
        return admin_usage(a, "usage: client show CLIENT_ID");
    if ((rc = load(a, argv[0], &row)) != 0)
        return rc;
    print_client(a, client_json(row.client_id, row.metadata, row.created_at));
    idp_store_client_clear(&row);
    return ADMIN_OK;
}

int cmd_client_list(admin_t *a, int argc, char **argv)
{
    idp_store_client_t *rows = NULL;
    size_t n = 0;
    int rc;
    if (argc > 0)
        return admin_usage(a, "client list takes no arguments");
    if ((rc = admin_store(a)) != 0)
        return rc;
    idp_err_t e = idp_store_client_list(a->store, &rows, &n);
    if (e != IDP_OK)
        return admin_store_fail(a, e, "client list");
    json_t *all = json_array();
    if (!a->json)
        printf("%-24s %-8s %-40s %s\n", "CLIENT_ID", "TIER", "GRANT_TYPES", "CLIENT_NAME");
    for (size_t i = 0; i < n; i++) {
        json_t *c = client_json(rows[i].client_id, rows[i].metadata, rows[i].created_at);
        if (a->json) {
            json_array_append_new(all, c);
            continue;
        }
        char *grants = json_dumps(json_object_get(c, "grant_types"), JSON_COMPACT | JSON_ENCODE_ANY);
        printf("%-24s %-8s %-40s %s\n", rows[i].client_id, json_string_value(json_object_get(c, "tier")),
               grants ? grants : "", json_string_value(json_object_get(c, "client_name")));
        free(grants);
        json_decref(c);
    }
    idp_store_clients_free(rows, n);
    if (a->json)
        admin_print_json(all);
    else
        json_decref(all);
    return ADMIN_OK;
}

int cmd_client_update(admin_t *a, int argc, char **argv)
{
    idp_store_client_t row;
    json_t *given = json_object(), *unset = json_array(), *meta = NULL, *stored = NULL, *before = NULL;
    char *secret = NULL, *text = NULL;
    unsigned char hash[32];
    bool force = false;
    int rc;
    /* CLIENT_ID is always the first argument, even when it begins with '-' or "--" (ids drawn before
       idp_random_id_new() stopped drawing such ids); a forgotten id reads as "no client --<field>". */
    if (argc < 1) {
        json_decref(given);
        json_decref(unset);
        return admin_usage(
            a, "usage: client update CLIENT_ID [--<field> VALUE]... [--unset FIELD]... [--force-sector-change]");
    }
    if ((rc = parse_meta_args(a, argc - 1, argv + 1, given, unset, &force)) != 0 ||
        (rc = load(a, argv[0], &row)) != 0) {
        json_decref(given);
        json_decref(unset);
        return rc;
    }
    stored = json_loads(row.metadata, 0, NULL);
    before = json_loads(row.metadata, 0, NULL);
    if (stored == NULL || before == NULL) {
        rc = admin_fail(a, IDP_E_SERVER_ERROR, "stored metadata of %s is not JSON", argv[0]);
        goto Exit;
    }
    bool had_secret = idp_client_meta_uses_secret(stored);
    json_object_update(stored, given); /* a given list replaces the stored one */
    size_t i;
    json_t *u;
    json_array_foreach (unset, i, u)
        json_object_del(stored, json_string_value(u));
    if ((rc = validate(a, stored, before, force, &meta)) != 0)
        goto Exit;
    bool needs_secret = idp_client_meta_uses_secret(meta);
    /* Becoming confidential gets a secret; becoming public (or key-based) loses it. */
    if (needs_secret && !had_secret && (secret = new_secret(hash)) == NULL) {
        rc = admin_fail(a, IDP_E_NOMEM, "out of memory");
        goto Exit;
    }
    text = json_dumps(meta, JSON_COMPACT);
    idp_err_t e =
        text ? idp_store_client_update(a->store, argv[0], text, secret ? hash : NULL, had_secret && !needs_secret)
             : IDP_E_NOMEM;
    idp_wipe(hash, sizeof(hash));
    if (e != IDP_OK) {
        rc = admin_store_fail(a, e, "client update");
        goto Exit;
    }
    json_t *out = client_json(row.client_id, text, row.created_at);
    if (secret) {
        json_object_set_new(out, "client_secret", json_string(secret));
        json_object_set_new(out, "client_secret_expires_at", json_integer(0));
    }
    print_client(a, out);
Exit:
    idp_store_client_clear(&row);
    idp_secret_free(secret);
    free(text);
    json_decref(given);
    json_decref(unset);
    json_decref(stored);
    json_decref(before);
    json_decref(meta);
    return rc;
}

int cmd_client_rotate_secret(admin_t *a, int argc, char **argv)
{
    idp_store_client_t row;
    unsigned char hash[32];
    int rc;
    if (argc != 1)
        return admin_usage(a, "usage: client rotate-secret CLIENT_ID");
    if ((rc = load(a, argv[0], &row)) != 0)
        return rc;
    json_t *meta = json_loads(row.metadata, 0, NULL);
    bool uses = meta && idp_client_meta_uses_secret(meta);
    json_decref(meta);
    idp_store_client_clear(&row);
    if (!uses)
        return admin_fail(a, IDP_E_INVALID_REQUEST,
                          "client %s does not authenticate with a secret (token_endpoint_auth_method)", argv[0]);
    char *secret = new_secret(hash);
    if (secret == NULL)
        return admin_fail(a, IDP_E_NOMEM, "out of memory");
    idp_err_t e = idp_store_client_update(a->store, argv[0], NULL, hash, false);
    idp_wipe(hash, sizeof(hash));
    if (e != IDP_OK) {
        idp_secret_free(secret);
        return admin_store_fail(a, e, "client rotate-secret");
    }
    print_client(
        a, json_pack("{s:s, s:s, s:i}", "client_id", argv[0], "client_secret", secret, "client_secret_expires_at", 0));
    idp_secret_free(secret);
    return ADMIN_OK;
}

int cmd_client_remove(admin_t *a, int argc, char **argv)
{
    int rc;
    if (argc != 1)
        return admin_usage(a, "usage: client remove CLIENT_ID");
    if ((rc = admin_store(a)) != 0)
        return rc;
    idp_err_t e = idp_store_client_delete(a->store, argv[0]);
    if (e == IDP_E_NOT_FOUND)
        return admin_fail(a, e, "no client %s", argv[0]);
    if (e != IDP_OK)
        return admin_store_fail(a, e, "client remove");
    if (a->json)
        admin_print_json(json_pack("{s:s, s:b}", "client_id", argv[0], "removed", 1));
    else
        printf("removed client %s and every token issued to it\n", argv[0]);
    return ADMIN_OK;
}

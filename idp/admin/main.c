/*
 * sakaid-admin: migrations, the key-encryption key, signing keys, data
 * keys, relying parties and their registration (initial access tokens, the
 * sandbox, test residents). Usage: sakaid-admin --help, or README.md.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "core/log.h"
#include "client/client_meta.h"

typedef struct {
    const char *group, *name; /* "keys", "rotate"; name NULL for single-word commands */
    int (*fn)(admin_t *a, int argc, char **argv);
    bool target; /* the first argument names what the command acts on (recorded in the audit trail) */
    const char *usage;
} command_t;

static const command_t commands[] = {
    {"migrate", NULL, cmd_migrate, false, "migrate                          apply pending database migrations"},
    {"kek", "init", cmd_kek_init, false,
     "kek init                         create the key-encryption key file (mode 0600)"},
    {"keys", "init", cmd_keys_init, false,
     "keys init                        ensure an active and a next RS256, ES256 and PS256 key, and a data key"},
    {"keys", "list", cmd_keys_list, false, "keys list                        list signing keys and their states"},
    {"keys", "rotate", cmd_keys_rotate, false,
     "keys rotate [--alg A] [--force]  next -> active -> retired (docs/keys.md)"},
    {"keys", "retire", cmd_keys_retire, true, "keys retire KID                  retire one key now"},
    {"data-key", "list", cmd_data_key_list, false,
     "data-key list                    data keys (attributes at rest), their states and rows"},
    {"data-key", "rotate", cmd_data_key_rotate, false,
     "data-key rotate [--batch N] [--pause-ms MS]\n"
     "                                   a new data key; re-seal every row; retire the old key"},
    {"data-key", "reencrypt", cmd_data_key_reencrypt, false,
     "data-key reencrypt [--batch N] [--pause-ms MS]\n"
     "                                   finish a rotation: re-seal, retire"},
    {"client", "add", cmd_client_add, false, "client add [--FIELD VALUE]... [--metadata FILE|-]"},
    {"client", "list", cmd_client_list, false, "client list"},
    {"client", "show", cmd_client_show, true, "client show CLIENT_ID"},
    {"client", "update", cmd_client_update, true,
     "client update CLIENT_ID [--FIELD VALUE]... [--unset FIELD]... [--force-sector-change]"},
    {"client", "rotate-secret", cmd_client_rotate_secret, true, "client rotate-secret CLIENT_ID"},
    {"client", "remove", cmd_client_remove, true, "client remove CLIENT_ID"},
    {"client", "approve", cmd_client_approve, true,
     "client approve CLIENT_ID          out of the sandbox: a registered client goes live (docs/admin.md)"},
    {"client", "sandbox", cmd_client_sandbox, true,
     "client sandbox CLIENT_ID          back into its organisation's sandbox"},
    {"iat", "issue", cmd_iat_issue, true,
     "iat issue ORGANISATION [--tier partner|city] [--uses N] [--days N]\n"
     "                                 an initial access token for POST /register (shown once)"},
    {"iat", "list", cmd_iat_list, false, "iat list                         initial access tokens and their state"},
    {"iat", "revoke", cmd_iat_revoke, true, "iat revoke ID"},
    {"test-resident", "add", cmd_test_resident_add, true,
     "test-resident add RESIDENT_ID --organisation ORG   a resident the organisation's sandbox clients may sign in"},
    {"test-resident", "remove", cmd_test_resident_remove, true, "test-resident remove RESIDENT_ID --organisation ORG"},
    {"test-resident", "list", cmd_test_resident_list, false, "test-resident list --organisation ORG"},
    {"member", "add", cmd_member_add, true,
     "member add RESIDENT_ID --organisation ORG   a resident who acts for a partner at /partner (docs/admin.md)"},
    {"member", "remove", cmd_member_remove, true, "member remove RESIDENT_ID --organisation ORG"},
    {"member", "list", cmd_member_list, false, "member list --organisation ORG"},
    {"role", "grant", cmd_role_grant, true,
     "role grant RESIDENT_ID ROLE       an admin role for the console: viewer, client-operator, key-operator,\n"
     "                                 help-desk, auditor or outreach-planner (docs/admin.md)"},
    {"role", "revoke", cmd_role_revoke, true, "role revoke RESIDENT_ID ROLE"},
    {"role", "list", cmd_role_list, false, "role list [RESIDENT_ID]"},
    {"upstream", "add", cmd_upstream_add, true,
     "upstream add ID --issuer URL --client-id ID --client-secret S|--client-secret-file F\n"
     "                 --display-name NAME [--scopes S] [--icon-uri URL] [--enabled B]\n"
     "upstream add ID --kind digital-auth-app --issuer URL --client-id ID --display-name NAME\n"
     "                 [--scopes S] [--acr-values \"aal3 crl\"]   a card channel (docs/card.md)"},
    {"upstream", "list", cmd_upstream_list, false,
     "upstream list                    upstream OpenID providers (docs/social.md)"},
    {"upstream", "update", cmd_upstream_update, true, "upstream update ID [FLAGS as for add]"},
    {"upstream", "remove", cmd_upstream_remove, true, "upstream remove ID"},
    {"upstream", "jwks", cmd_upstream_jwks, false,
     "upstream jwks ID                 a card channel's public key, to register with it"},
    {"audit", "verify", cmd_audit_verify, false,
     "audit verify                     check the consent ledger's hash chain"},
    {"audit", "export", cmd_audit_export, false,
     "audit export --resident ID        a resident's consents, releases, events (JSON)"},
    {"audit", "list", cmd_audit_list, false, "audit list [--event E] [--resident ID] [--since UNIX] [--limit N]"},
    {"linkage", "import", cmd_linkage_import, true,
     "linkage import [--pairs] FILE|-  old -> new card certificates; --pairs: signing -> authentication "
     "(docs/card.md)"},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int help(FILE *f)
{
    fprintf(f, "usage: sakaid-admin [--json] [--config FILE] COMMAND ...\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %s\n", commands[i].usage);
    fprintf(f, "\nclient metadata fields (OpenID Connect Dynamic Client Registration names; flag --name-with-dashes,\n"
               "lists comma-separated or repeated, booleans true|false, jwks as JSON or @FILE):\n ");
    size_t col = 1;
    for (const char *const *n = idp_client_meta_names(); *n; n++) {
        if (col + strlen(*n) + 3 > 100) {
            fprintf(f, "\n ");
            col = 1;
        }
        fprintf(f, " --");
        for (const char *c = *n; *c; c++)
            fputc(*c == '_' ? '-' : *c, f);
        col += strlen(*n) + 3;
    }
    fprintf(f,
            "\n\nsector_identifier_uri (OpenID Connect Core 8.1): client add and client update fetch it whenever the\n"
            "client has one (https; http only on a loopback host; no redirects; 5 s; at most 64 KiB) and refuse the\n"
            "client unless it is a JSON array of strings that lists every redirect URI exactly. An update that\n"
            "would give residents a new sub (another sector: the host of sector_identifier_uri, else of the first\n"
            "redirect URI; or another subject_type) is refused unless --force-sector-change is given.\n");
    fprintf(f, "\nexit status: 0 ok, 1 failure (not found, database unreachable, conflict), 2 usage or "
               "validation error\n");
    return f == stderr ? ADMIN_USAGE : ADMIN_OK;
}

static const char *env(const char *name)
{
    return getenv(name);
}

int main(int argc, char **argv)
{
    admin_t a;
    memset(&a, 0, sizeof(a));
    const char *config = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--json"))
            a.json = true;
        else if (!strcmp(argv[i], "--config") && i + 1 < argc)
            config = argv[++i];
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return help(stdout);
        else
            return admin_usage(&a, "unknown option %s (see sakaid-admin --help)", argv[i]);
    }
    if (i >= argc)
        return help(stderr);
    if (!strcmp(argv[i], "help"))
        return help(stdout);

    const command_t *cmd = NULL;
    for (size_t c = 0; c < NCOMMANDS && cmd == NULL; c++) {
        if (strcmp(commands[c].group, argv[i]) != 0)
            continue;
        if (commands[c].name == NULL || (i + 1 < argc && !strcmp(commands[c].name, argv[i + 1])))
            cmd = &commands[c];
    }
    if (cmd == NULL)
        return admin_usage(&a, "unknown command \"%s%s%s\" (see sakaid-admin --help)", argv[i], i + 1 < argc ? " " : "",
                           i + 1 < argc ? argv[i + 1] : "");
    int skip = cmd->name ? 2 : 1;

    char err[512];
    if (idp_config_load(config, env, &a.cfg, err, sizeof(err)) != IDP_OK)
        return admin_usage(&a, "%s", err);
    idp_log_set_level(IDP_LOG_WARN); /* the CLI speaks on stdout; only problems go to the log */

    int rc = cmd->fn(&a, argc - i - skip, argv + i + skip);
    /* Admin actions that change something go to the audit trail (never their secrets: only the target). */
    static const char *const changes[] = {"client", "upstream",      "keys", "data-key", "linkage",
                                          "iat",    "test-resident", "role", "member",   NULL};
    for (const char *const *g = changes; rc == ADMIN_OK && a.store && *g; g++) {
        if (strcmp(cmd->group, *g) != 0 || (cmd->name && (!strcmp(cmd->name, "list") || !strcmp(cmd->name, "show"))))
            continue;
        json_t *d = json_pack("{s:s, s:s}", "command", cmd->group, "action", cmd->name ? cmd->name : "");
        if (cmd->target && argc > i + skip)
            json_object_set_new(d, "target", json_string(argv[i + skip]));
        char *text = json_dumps(d, JSON_COMPACT);
        idp_err_t e = idp_store_audit(a.store, "admin_action", NULL, text ? text : "{}");
        if (e != IDP_OK) /* the change is made; say that its audit row is missing (issue #16 §1) */
            idp_log_msg(IDP_LOG_ERROR, "store_write_failed", "admin_action audit row not written: %s", idp_err_code(e));
        /* and a row of the hash-chained admin log, as the admin API's calls have (docs/admin.md): the operator on
         * the server, by their login name */
        char actor[96], action[64];
        admin_actor(actor);
        snprintf(action, sizeof(action), "%s.%s", cmd->group, cmd->name ? cmd->name : "");
        idp_store_admin_op_t none = {.kind = IDP_ADMIN_OP_NONE};
        idp_store_admin_entry_t entry = {.actor = actor,
                                         .role = "operator",
                                         .action = action,
                                         .target = cmd->target && argc > i + skip ? argv[i + skip] : "",
                                         .after = text};
        if (!a.logged && (e = idp_store_admin_apply(a.store, &none, &entry)) != IDP_OK)
            idp_log_msg(IDP_LOG_ERROR, "store_write_failed", "admin log row not written: %s", idp_err_code(e));
        free(text);
        json_decref(d);
    }

    idp_store_close(a.store);
    idp_datakeys_free(a.data_keys);
    if (a.kek_loaded)
        idp_kek_wipe(&a.kek);
    idp_config_free(a.cfg);
    return rc;
}

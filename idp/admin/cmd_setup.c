/* sakaid-admin migrate | kek init */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "admin/admin.h"

/* db/migrations/0013_attributes_at_rest.sql */
#define ATTRIBUTES_AT_REST_MIGRATION 13

int cmd_migrate(admin_t *a, int argc, char **argv)
{
    char err[512] = "";
    int from = 0, to = 0, rc;
    if (argc > 0)
        return admin_usage(a, "migrate takes no arguments");
    if ((rc = admin_store(a)) != 0)
        return rc;
    idp_err_t e = idp_store_migrate(a->store, &from, &to, err, sizeof(err));
    if (e != IDP_OK)
        return admin_fail(a, e, "migrate: %s", err[0] ? err : idp_err_code(e));
    /* Migration 0013 moved attributes stored in clear aside; SQL cannot reach the KEK, so they are sealed here. */
    long long sealed = 0;
    if (to >= ATTRIBUTES_AT_REST_MIGRATION && (rc = admin_seal_plaintext(a, &sealed)) != 0)
        return rc;
    if (a->json) {
        admin_print_json(json_pack("{s:i, s:i, s:I}", "from", from, "to", to, "sealed", (json_int_t)sealed));
    } else {
        printf("schema at version %d (applied %d migration%s)\n", to, to - from, to - from == 1 ? "" : "s");
        if (sealed)
            printf("sealed %lld row%s of attributes stored in clear before migration 0013\n", sealed,
                   sealed == 1 ? "" : "s");
    }
    return ADMIN_OK;
}

/* Creates the parent directory (0700) of the KEK file if it is missing. */
static int make_parent(admin_t *a, const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir)
        return 0;
    *slash = '\0';
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return admin_fail(a, IDP_E_SERVER_ERROR, "kek init: cannot create %s: %s", dir, strerror(errno));
    return 0;
}

int cmd_kek_init(admin_t *a, int argc, char **argv)
{
    char err[512] = "";
    int rc;
    if (argc > 0)
        return admin_usage(a, "kek init takes no arguments (the path is keys.kek_file / SAKAID_KEK_FILE)");
    if ((rc = make_parent(a, a->cfg->kek_file)) != 0)
        return rc;
    idp_err_t e = idp_kek_create(a->cfg->kek_file, err, sizeof(err));
    if (e != IDP_OK)
        return admin_fail(a, e == IDP_E_CONFLICT ? IDP_E_CONFLICT : e, "kek init: %s", err);
    if (a->json)
        admin_print_json(json_pack("{s:s}", "kek_file", a->cfg->kek_file));
    else
        printf("created key-encryption key %s (mode 0600); back it up apart from the database\n", a->cfg->kek_file);
    return ADMIN_OK;
}

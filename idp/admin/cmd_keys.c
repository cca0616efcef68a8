/* sakaid-admin keys init | list | rotate | retire (docs/keys.md) */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admin/admin.h"
#include "keys/datakeys.h"
#include "keys/keys.h"

static int setup(admin_t *a)
{
    int rc = admin_store(a);
    return rc ? rc : admin_kek(a);
}

int cmd_keys_init(admin_t *a, int argc, char **argv)
{
    int created = 0, rc;
    if (argc > 0)
        return admin_usage(a, "keys init takes no arguments");
    if ((rc = setup(a)) != 0)
        return rc;
    idp_err_t e = idp_keys_init(a->store, &a->kek, &created);
    if (e != IDP_OK)
        return admin_store_fail(a, e, "keys init");
    /* and the first data key, which seals attributes at rest (docs/keys.md, "Data keys") */
    int data_key = 0;
    e = idp_datakeys_create(a->store, &a->kek, true, &data_key);
    if (e == IDP_E_CONFLICT)
        data_key = 0; /* one exists already */
    else if (e != IDP_OK)
        return admin_store_fail(a, e, "keys init (data key)");
    if (a->json) {
        admin_print_json(json_pack("{s:i, s:o}", "created", created, "data_key_created",
                                   data_key ? json_integer(data_key) : json_false()));
    } else {
        printf(created ? "created %d signing keys\n" : "signing keys already in place%.0d\n", created);
        if (data_key)
            printf("created data key %d (attributes at rest)\n", data_key);
        else
            printf("data key already in place\n");
    }
    return ADMIN_OK;
}

int cmd_keys_list(admin_t *a, int argc, char **argv)
{
    idp_store_key_t *rows = NULL;
    size_t n = 0;
    long long now = 0;
    int rc;
    if (argc > 0)
        return admin_usage(a, "keys list takes no arguments");
    if ((rc = admin_store(a)) != 0)
        return rc;
    idp_err_t e = idp_store_keys_list(a->store, &rows, &n, &now);
    if (e != IDP_OK)
        return admin_store_fail(a, e, "keys list");
    json_t *out = json_array();
    if (!a->json)
        printf("%-44s %-6s %-8s %-20s %-20s %-20s %s\n", "KID", "ALG", "STATE", "CREATED", "ACTIVATED", "RETIRED",
               "PUBLISHED");
    for (size_t i = 0; i < n; i++) {
        bool pub = idp_keys_published(&rows[i], now, a->cfg->max_token_lifetime);
        if (a->json) {
            json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:I, s:o, s:o, s:b}", "kid", rows[i].kid, "alg",
                                                 rows[i].alg, "state", rows[i].state, "created_at",
                                                 (json_int_t)rows[i].created_at, "activated_at",
                                                 admin_time_json(rows[i].activated_at), "retired_at",
                                                 admin_time_json(rows[i].retired_at), "published", pub));
        } else {
            char c[32], act[32], ret[32];
            admin_time_text(rows[i].created_at, c, sizeof(c));
            admin_time_text(rows[i].activated_at, act, sizeof(act));
            admin_time_text(rows[i].retired_at, ret, sizeof(ret));
            printf("%-44s %-6s %-8s %-20s %-20s %-20s %s\n", rows[i].kid, rows[i].alg, rows[i].state, c, act, ret,
                   pub ? "yes" : "no");
        }
    }
    idp_store_keys_free(rows, n);
    if (a->json)
        admin_print_json(out);
    else
        json_decref(out);
    return ADMIN_OK;
}

int cmd_keys_rotate(admin_t *a, int argc, char **argv)
{
    bool force = false;
    idp_alg_t only = IDP_ALG_NONE;
    int rc;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--force")) {
            force = true;
        } else if (!strcmp(argv[i], "--alg") && i + 1 < argc) {
            if ((only = idp_alg_from_name(argv[++i])) == IDP_ALG_NONE)
                return admin_usage(a, "--alg: must be RS256, ES256 or PS256");
        } else {
            return admin_usage(
                a, "keys rotate: unknown argument %s (usage: keys rotate [--alg RS256|ES256|PS256] [--force])",
                argv[i]);
        }
    }
    if ((rc = setup(a)) != 0)
        return rc;
    json_t *out = json_array();
    rc = ADMIN_OK;
    /* every algorithm jose signs with (jose/key.h), or the one --alg names */
    for (int i = IDP_ALG_NONE + 1; i < IDP_ALG__COUNT && rc == ADMIN_OK; i++) {
        idp_alg_t alg = (idp_alg_t)i;
        if (only != IDP_ALG_NONE && alg != only)
            continue;
        const char *what = NULL;
        char kid[64] = "";
        long long min_age = force ? 0 : a->cfg->key_publish_seconds;
        idp_err_t e = idp_keys_rotate(a->store, &a->kek, alg, min_age, NULL, &what, kid);
        if (e == IDP_E_CONFLICT) {
            rc = admin_fail(a, e,
                            "keys rotate: the next %s key has been published for less than keys.publish_seconds "
                            "(%d s), so relying parties may not have it yet; wait, or use --force in an emergency",
                            idp_alg_name(alg), a->cfg->key_publish_seconds);
        } else if (e != IDP_OK) {
            rc = admin_store_fail(a, e, "keys rotate");
        } else if (a->json) {
            json_array_append_new(out,
                                  json_pack("{s:s, s:s, s:s}", "alg", idp_alg_name(alg), "result", what, "kid", kid));
        } else {
            printf("%s: %s (new key %s)\n", idp_alg_name(alg), what, kid);
        }
    }
    if (a->json && rc == ADMIN_OK)
        admin_print_json(out);
    else
        json_decref(out);
    return rc;
}

int cmd_keys_retire(admin_t *a, int argc, char **argv)
{
    int rc;
    if (argc != 1)
        return admin_usage(a, "usage: keys retire KID");
    if ((rc = admin_store(a)) != 0)
        return rc;
    idp_err_t e = idp_store_key_retire(a->store, argv[0]);
    if (e == IDP_E_NOT_FOUND)
        return admin_fail(a, e, "keys retire: no key %s", argv[0]);
    if (e == IDP_E_CONFLICT)
        return admin_fail(a, e, "keys retire: %s is the only key that can sign its algorithm; rotate first", argv[0]);
    if (e != IDP_OK)
        return admin_store_fail(a, e, "keys retire");
    if (a->json)
        admin_print_json(json_pack("{s:s, s:s}", "kid", argv[0], "state", "retired"));
    else
        printf("retired %s\n", argv[0]);
    return ADMIN_OK;
}

/*
 * sakaid-admin iat issue | list | revoke, client approve | sandbox, and
 * test-resident add | remove | list: the administrator's side of dynamic
 * registration (RFC 7591, RFC 7592; docs/admin.md "Onboarding a partner").
 *
 * An initial access token opens POST /register for one organisation: an
 * expiry, a number of uses, and the tier of the clients it may create. The
 * token is shown once; only its SHA-256 is kept. A client it registers is in
 * its organisation's sandbox, where it signs in only the organisation's test
 * residents, until "client approve".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin/admin.h"
#include "core/rand.h"

#define IAT_BYTES 32
#define IAT_ID_BYTES 9
#define IAT_DEFAULT_DAYS 7
#define IAT_MAX_DAYS 90

/* [A-Za-z0-9._-]{1,63}, as migration 0015 checks it. */
static bool organisation_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 63 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* A whole number from @p lo to @p hi; false otherwise. */
static bool number(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static json_t *iat_json(const idp_store_iat_t *t)
{
    return json_pack("{s:s, s:s, s:s, s:i, s:i, s:o, s:o, s:o}", "id", t->id, "organisation", t->organisation, "tier",
                     t->tier, "max_uses", t->max_uses, "uses", t->uses, "expires_at", admin_time_json(t->expires_at),
                     "created_at", admin_time_json(t->created_at), "revoked_at",
                     t->revoked_at ? admin_time_json(t->revoked_at) : json_null());
}

int cmd_iat_issue(admin_t *a, int argc, char **argv)
{
    static const char usage[] = "usage: iat issue ORGANISATION [--tier partner|city] [--uses N] [--days N]";
    idp_store_iat_t t = {.max_uses = 1};
    long days = IAT_DEFAULT_DAYS, uses = 1;
    const char *tier = "partner";
    if (argc < 1 || argv[0][0] == '-')
        return admin_usage(a, usage);
    if (!organisation_ok(argv[0]))
        return admin_usage(a, "ORGANISATION: 1 to 63 of A-Z a-z 0-9 . _ - (it names the partner in every list)");
    for (int i = 1; i < argc; i += 2) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL)
            return admin_usage(a, "%s: needs a value", argv[i]);
        if (!strcmp(argv[i], "--tier") && (!strcmp(v, "partner") || !strcmp(v, "city")))
            tier = v;
        else if (!strcmp(argv[i], "--uses") && number(v, 1, 1000, &uses))
            ;
        else if (!strcmp(argv[i], "--days") && number(v, 1, IAT_MAX_DAYS, &days))
            ;
        else
            return admin_usage(a, "%s %s: %s (--tier partner|city, --uses 1-1000, --days 1-%d)", argv[i], v, usage,
                               IAT_MAX_DAYS);
    }
    int rc = admin_store(a);
    if (rc != 0)
        return rc;
    char *id = idp_random_id_new(IAT_ID_BYTES), *token = idp_random_token_new(IAT_BYTES);
    if (id == NULL || token == NULL) {
        free(id);
        idp_secret_free(token);
        return admin_fail(a, IDP_E_NOMEM, "out of memory");
    }
    unsigned char hash[32];
    idp_sha256(token, strlen(token), hash);
    snprintf(t.id, sizeof(t.id), "%s", id);
    snprintf(t.organisation, sizeof(t.organisation), "%s", argv[0]);
    snprintf(t.tier, sizeof(t.tier), "%s", tier);
    t.max_uses = (int)uses;
    t.expires_at = (long long)time(NULL) + days * 86400;
    idp_store_admin_op_t op = {.kind = IDP_ADMIN_OP_IAT_INSERT, .iat = &t, .hash = hash};
    idp_err_t e = admin_apply(a, &op, "iat", "issue", argv[0]);
    if (e != IDP_OK) {
        rc = admin_store_fail(a, e, "iat issue");
    } else if (a->json) {
        json_t *j = iat_json(&t);
        json_object_del(j, "created_at");
        json_object_set_new(j, "token", json_string(token));
        admin_print_json(j);
    } else {
        char when[64];
        admin_time_text(t.expires_at, when, sizeof(when));
        printf("id: %s\norganisation: %s\ntier: %s\nuses: %d\nexpires_at: %s\n"
               "token: %s\n  (shown once: give it to the partner over a safe channel; only its hash is kept)\n"
               "  The partner registers with: POST %s/register, Authorization: Bearer <token>\n",
               t.id, t.organisation, t.tier, t.max_uses, when, token, a->cfg->issuer);
    }
    free(id);
    idp_secret_free(token);
    return rc;
}

int cmd_iat_list(admin_t *a, int argc, char **argv)
{
    (void)argv;
    if (argc > 0)
        return admin_usage(a, "iat list takes no arguments");
    int rc = admin_store(a);
    if (rc != 0)
        return rc;
    idp_store_iat_t *rows = NULL;
    size_t n = 0;
    idp_err_t e = idp_store_iat_list(a->store, &rows, &n);
    if (e != IDP_OK)
        return admin_store_fail(a, e, "iat list");
    json_t *all = json_array();
    if (!a->json)
        printf("%-14s %-20s %-8s %-6s %-26s %s\n", "ID", "ORGANISATION", "TIER", "USES", "EXPIRES_AT", "STATE");
    long long now = (long long)time(NULL);
    for (size_t i = 0; i < n; i++) {
        if (a->json) {
            json_array_append_new(all, iat_json(&rows[i]));
            continue;
        }
        char when[64], uses[24];
        admin_time_text(rows[i].expires_at, when, sizeof(when));
        snprintf(uses, sizeof(uses), "%d/%d", rows[i].uses, rows[i].max_uses);
        printf("%-14s %-20s %-8s %-6s %-26s %s\n", rows[i].id, rows[i].organisation, rows[i].tier, uses, when,
               rows[i].revoked_at                 ? "revoked"
               : rows[i].expires_at <= now        ? "expired"
               : rows[i].uses >= rows[i].max_uses ? "used up"
                                                  : "usable");
    }
    free(rows);
    if (a->json)
        admin_print_json(all);
    else
        json_decref(all);
    return ADMIN_OK;
}

int cmd_iat_revoke(admin_t *a, int argc, char **argv)
{
    if (argc != 1)
        return admin_usage(a, "usage: iat revoke ID");
    int rc = admin_store(a);
    if (rc != 0)
        return rc;
    idp_store_admin_op_t op = {.kind = IDP_ADMIN_OP_IAT_REVOKE, .id = argv[0]};
    idp_err_t e = admin_apply(a, &op, "iat", "revoke", argv[0]);
    if (e == IDP_E_NOT_FOUND)
        return admin_fail(a, e, "no initial access token %s, or it is revoked already", argv[0]);
    if (e != IDP_OK)
        return admin_store_fail(a, e, "iat revoke");
    if (a->json)
        admin_print_json(json_pack("{s:s, s:b}", "id", argv[0], "revoked", 1));
    else
        printf("revoked initial access token %s: it registers no more clients (those it registered stay)\n", argv[0]);
    return ADMIN_OK;
}

static int set_sandbox(admin_t *a, int argc, char **argv, bool sandbox)
{
    if (argc != 1)
        return admin_usage(a, "usage: client %s CLIENT_ID", sandbox ? "sandbox" : "approve");
    int rc = admin_store(a);
    if (rc != 0)
        return rc;
    idp_store_admin_op_t op = {.kind = IDP_ADMIN_OP_CLIENT_SANDBOX, .id = argv[0], .flag = sandbox};
    idp_err_t e = admin_apply(a, &op, "client", sandbox ? "sandbox" : "approve", argv[0]);
    if (e == IDP_E_NOT_FOUND)
        return admin_fail(a, e, "no client %s", argv[0]);
    if (e == IDP_E_CONFLICT)
        return admin_fail(a, e, "client %s belongs to no organisation (an administrator added it): it has no sandbox",
                          argv[0]);
    if (e != IDP_OK)
        return admin_store_fail(a, e, sandbox ? "client sandbox" : "client approve");
    if (a->json)
        admin_print_json(json_pack("{s:s, s:b}", "client_id", argv[0], "sandbox", sandbox));
    else if (sandbox)
        printf("client %s is in its organisation's sandbox: it signs in only that organisation's test residents\n",
               argv[0]);
    else
        printf("client %s is approved: it signs in any resident who consents\n", argv[0]);
    return ADMIN_OK;
}

int cmd_client_approve(admin_t *a, int argc, char **argv)
{
    return set_sandbox(a, argc, argv, false);
}

int cmd_client_sandbox(admin_t *a, int argc, char **argv)
{
    return set_sandbox(a, argc, argv, true);
}

/* The two lists of residents an organisation names (idp_org_list_t): the command, and what being on it means. */
static const struct {
    const char *command, *relation, *meaning, *field;
} lists[] = {
    [IDP_ORG_TEST_RESIDENTS] = {"test-resident", "is a test resident of",
                                " (the organisation's sandbox clients may sign them in)", "test_resident"},
    [IDP_ORG_MEMBERS] = {"member", "acts for", " (they manage its clients at /partner)", "member"},
};

/* RESIDENT_ID --organisation ORG: 0 and *org, or an exit status. */
static int org_resident_args(admin_t *a, idp_org_list_t list, int argc, char **argv, const char *verb, const char **org)
{
    if (argc != 3 || strcmp(argv[1], "--organisation") != 0)
        return admin_usage(a, "usage: %s %s RESIDENT_ID --organisation ORGANISATION", lists[list].command, verb);
    if (!organisation_ok(argv[2]))
        return admin_usage(a, "--organisation: 1 to 63 of A-Z a-z 0-9 . _ -");
    *org = argv[2];
    return admin_store(a);
}

static int org_resident_change(admin_t *a, idp_org_list_t list, int argc, char **argv, bool add)
{
    const char *org = NULL;
    int rc = org_resident_args(a, list, argc, argv, add ? "add" : "remove", &org);
    if (rc != 0)
        return rc;
    idp_err_t e;
    if (list == IDP_ORG_TEST_RESIDENTS) { /* with its admin log row, in one transaction */
        idp_store_admin_op_t op = {.kind = IDP_ADMIN_OP_TEST_RESIDENT, .id = argv[0], .text = org, .flag = add};
        e = admin_apply(a, &op, "test-resident", add ? "add" : "remove", argv[0]);
    } else {
        e = add ? idp_store_org_resident_add(a->store, list, org, argv[0])
                : idp_store_org_resident_remove(a->store, list, org, argv[0]);
    }
    if (e == IDP_E_NOT_FOUND)
        return add ? admin_fail(a, e, "no resident %s", argv[0])
                   : admin_fail(a, e, "resident %s is not on the %s list of %s", argv[0], lists[list].command, org);
    if (e != IDP_OK)
        return admin_store_fail(a, e, add ? "add" : "remove");
    if (a->json) {
        admin_print_json(
            json_pack("{s:s, s:s, s:b}", "resident_id", argv[0], "organisation", org, lists[list].field, add));
    } else {
        printf("resident %s %s%s %s%s\n", argv[0], add ? "" : "no longer ", lists[list].relation, org,
               add ? lists[list].meaning : "");
    }
    return ADMIN_OK;
}

static int org_resident_list(admin_t *a, idp_org_list_t list, int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[0], "--organisation") != 0 || !organisation_ok(argv[1]))
        return admin_usage(a, "usage: %s list --organisation ORGANISATION", lists[list].command);
    int rc = admin_store(a);
    if (rc != 0)
        return rc;
    char(*ids)[64] = NULL;
    size_t n = 0;
    idp_err_t e = idp_store_org_residents(a->store, list, argv[1], NULL, &ids, &n);
    if (e != IDP_OK)
        return admin_store_fail(a, e, "list");
    json_t *all = json_array();
    for (size_t i = 0; i < n; i++) {
        if (a->json)
            json_array_append_new(all, json_string(ids[i]));
        else
            printf("%s\n", ids[i]);
    }
    free(ids);
    if (a->json)
        admin_print_json(all);
    else
        json_decref(all);
    return ADMIN_OK;
}

int cmd_test_resident_add(admin_t *a, int argc, char **argv)
{
    return org_resident_change(a, IDP_ORG_TEST_RESIDENTS, argc, argv, true);
}

int cmd_test_resident_remove(admin_t *a, int argc, char **argv)
{
    return org_resident_change(a, IDP_ORG_TEST_RESIDENTS, argc, argv, false);
}

int cmd_test_resident_list(admin_t *a, int argc, char **argv)
{
    return org_resident_list(a, IDP_ORG_TEST_RESIDENTS, argc, argv);
}

int cmd_member_add(admin_t *a, int argc, char **argv)
{
    return org_resident_change(a, IDP_ORG_MEMBERS, argc, argv, true);
}

int cmd_member_remove(admin_t *a, int argc, char **argv)
{
    return org_resident_change(a, IDP_ORG_MEMBERS, argc, argv, false);
}

int cmd_member_list(admin_t *a, int argc, char **argv)
{
    return org_resident_list(a, IDP_ORG_MEMBERS, argc, argv);
}

/* ---- residents' admin roles (the console; docs/admin.md) ------------------------------- */

static bool role_ok(const char *r)
{
    static const char *const roles[] = {
        "viewer", "client-operator", "key-operator", "help-desk", "auditor", "outreach-planner", NULL};
    for (const char *const *p = roles; *p; p++)
        if (!strcmp(*p, r))
            return true;
    return false;
}

static int role_change(admin_t *a, int argc, char **argv, bool grant)
{
    const char *verb = grant ? "grant" : "revoke";
    if (argc != 2 || !role_ok(argv[1]))
        return admin_usage(
            a, "usage: role %s RESIDENT_ID viewer|client-operator|key-operator|help-desk|auditor|outreach-planner",
            verb);
    int rc = admin_store(a);
    if (rc != 0)
        return rc;
    idp_err_t e =
        grant ? idp_store_role_grant(a->store, argv[0], argv[1]) : idp_store_role_revoke(a->store, argv[0], argv[1]);
    if (e == IDP_E_NOT_FOUND)
        return admin_fail(a, e, grant ? "no resident %s" : "resident %s does not hold role %s", argv[0], argv[1]);
    if (e != IDP_OK)
        return admin_store_fail(a, e, grant ? "role grant" : "role revoke");
    if (a->json)
        admin_print_json(json_pack("{s:s, s:s, s:b}", "resident_id", argv[0], "role", argv[1], "held", grant));
    else if (grant)
        printf("resident %s holds %s: they sign in to /admin with their My Number card\n", argv[0], argv[1]);
    else
        printf("resident %s no longer holds %s\n", argv[0], argv[1]);
    return ADMIN_OK;
}

int cmd_role_grant(admin_t *a, int argc, char **argv)
{
    return role_change(a, argc, argv, true);
}

int cmd_role_revoke(admin_t *a, int argc, char **argv)
{
    return role_change(a, argc, argv, false);
}

int cmd_role_list(admin_t *a, int argc, char **argv)
{
    if (argc > 1)
        return admin_usage(a, "usage: role list [RESIDENT_ID]");
    int rc = admin_store(a);
    if (rc != 0)
        return rc;
    idp_store_role_t *rows = NULL;
    size_t n = 0;
    idp_err_t e = idp_store_roles(a->store, argc ? argv[0] : NULL, &rows, &n);
    if (e != IDP_OK)
        return admin_store_fail(a, e, "role list");
    json_t *all = json_array();
    for (size_t i = 0; i < n; i++) {
        if (a->json)
            json_array_append_new(all,
                                  json_pack("{s:s, s:s}", "resident_id", rows[i].resident_id, "role", rows[i].role));
        else
            printf("%-40s %s\n", rows[i].resident_id, rows[i].role);
    }
    free(rows);
    if (a->json)
        admin_print_json(all);
    else
        json_decref(all);
    return ADMIN_OK;
}

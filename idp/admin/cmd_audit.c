/*
 * sakaid-admin audit verify | export --resident ID | list [filters]
 *
 * verify recomputes the consent ledger's hash chain (docs/flow.md) and
 * names the first row that was edited, removed or reordered. export gives
 * one resident everything recorded about their consents and releases
 * (their right of access, Act on the Protection of Personal Information
 * Art. 33). list shows security events (audit_events).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin/admin.h"
#include "core/buf.h"
#include "core/str.h"

int cmd_audit_verify(admin_t *a, int argc, char **argv)
{
    (void)argv;
    int rc = argc ? admin_usage(a, "usage: audit verify") : admin_store(a);
    if (rc)
        return rc;
    idp_store_ledger_row_t *rows = NULL;
    idp_store_admin_log_row_t *log = NULL;
    size_t n = 0, nlog = 0;
    idp_err_t e = idp_store_ledger_rows(a->store, NULL, &rows, &n);
    if (e == IDP_OK && (e = idp_store_admin_log_rows(a->store, 0, 0, &log, &nlog)) != IDP_OK)
        idp_store_ledger_rows_free(rows, n);
    if (e != IDP_OK)
        return admin_store_fail(a, e, "audit verify");
    long long bad = 0, bad_log = 0;
    const char *why = NULL, *why_log = NULL;
    bool ok = idp_store_ledger_verify(rows, n, &bad, &why);
    bool ok_log = idp_store_admin_log_verify(log, nlog, &bad_log, &why_log);
    if (a->json) {
        json_t *l = ok ? json_pack("{s:b, s:I}", "ok", 1, "rows", (json_int_t)n)
                       : json_pack("{s:b, s:I, s:s, s:I}", "ok", 0, "row", (json_int_t)bad, "problem", why, "rows",
                                   (json_int_t)n);
        json_t *g = ok_log ? json_pack("{s:b, s:I}", "ok", 1, "rows", (json_int_t)nlog)
                           : json_pack("{s:b, s:I, s:s, s:I}", "ok", 0, "row", (json_int_t)bad_log, "problem", why_log,
                                       "rows", (json_int_t)nlog);
        json_t *out = json_pack("{s:b, s:I}", "ok", ok && ok_log, "rows", (json_int_t)n);
        if (!ok)
            json_object_update(out, l); /* the consent ledger's answer stays where scripts read it */
        json_object_set_new(out, "consent_ledger", l);
        json_object_set_new(out, "admin_log", g);
        admin_print_json(out);
    } else {
        if (ok)
            printf("consent ledger: %zu rows, chain intact\n", n);
        else
            printf("consent ledger: row %lld: %s\n", bad, why);
        if (ok_log)
            printf("admin log: %zu rows, chain intact\n", nlog);
        else
            printf("admin log: row %lld: %s\n", bad_log, why_log);
    }
    idp_store_ledger_rows_free(rows, n);
    idp_store_admin_log_rows_free(log, nlog);
    return ok && ok_log ? ADMIN_OK : ADMIN_FAILED;
}

static json_t *ledger_json(const idp_store_ledger_row_t *r)
{
    time_t t = (time_t)(r->at_us / 1000000);
    char when[32];
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)r->seq, "at", when, "client_id",
                     r->client_id, "action", r->action, "claims", r->claims, "actor", r->actor, "purpose", r->purpose);
}

int cmd_audit_export(admin_t *a, int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[0], "--resident") != 0)
        return admin_usage(a, "usage: audit export --resident RESIDENT_ID");
    int rc = admin_store(a);
    if (rc)
        return rc;
    const char *who = argv[1];
    idp_store_ledger_row_t *rows = NULL;
    idp_store_audit_row_t *events = NULL;
    idp_store_release_t *rel = NULL;
    size_t n = 0, ne = 0, nr = 0;
    idp_err_t e = idp_store_ledger_rows(a->store, who, &rows, &n);
    if (e == IDP_OK)
        e = idp_store_audit_list(a->store, NULL, who, 0, 100000, &events, &ne);
    if (e == IDP_OK)
        e = idp_store_releases_list(a->store, who, 100000, &rel, &nr);
    if (e != IDP_OK) {
        idp_store_ledger_rows_free(rows, n);
        return admin_store_fail(a, e, "audit export");
    }
    json_t *out = json_pack("{s:s, s:[], s:[], s:[]}", "resident", who, "consent_ledger", "releases", "events");
    for (size_t i = 0; i < n; i++)
        json_array_append_new(json_object_get(out, "consent_ledger"), ledger_json(&rows[i]));
    for (size_t i = 0; i < nr; i++)
        json_array_append_new(json_object_get(out, "releases"),
                              json_pack("{s:I, s:s, s:s, s:s}", "at", (json_int_t)rel[i].at, "client_id",
                                        rel[i].client_id, "via", rel[i].via, "claims", rel[i].claims));
    for (size_t i = 0; i < ne; i++)
        json_array_append_new(json_object_get(out, "events"),
                              json_pack("{s:I, s:s, s:o}", "at", (json_int_t)events[i].at, "event", events[i].event,
                                        "detail", json_loads(events[i].detail, 0, NULL)));
    /* An export is always JSON: it is meant to be handed to the resident as a file. */
    admin_print_json(out);
    idp_store_ledger_rows_free(rows, n);
    idp_store_audit_rows_free(events, ne);
    free(rel);
    return ADMIN_OK;
}

int cmd_audit_list(admin_t *a, int argc, char **argv)
{
    const char *event = NULL, *resident = NULL;
    long since = 0, limit = 100;
    for (int i = 0; i < argc; i += 2) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL)
            return admin_usage(a, "audit list: %s needs a value", argv[i]);
        if (!strcmp(argv[i], "--event"))
            event = v;
        else if (!strcmp(argv[i], "--resident"))
            resident = v;
        else if (!strcmp(argv[i], "--since") && idp_str_to_long(v, 0, 1L << 40, &since))
            ;
        else if (!strcmp(argv[i], "--limit") && idp_str_to_long(v, 1, 100000, &limit))
            ;
        else
            return admin_usage(a, "usage: audit list [--event E] [--resident ID] [--since UNIX_SECONDS] [--limit N]");
    }
    int rc = admin_store(a);
    if (rc)
        return rc;
    idp_store_audit_row_t *rows = NULL;
    size_t n = 0;
    idp_err_t e = idp_store_audit_list(a->store, event, resident, since, (int)limit, &rows, &n);
    if (e != IDP_OK)
        return admin_store_fail(a, e, "audit list");
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        if (a->json)
            json_array_append_new(list, json_pack("{s:I, s:I, s:s, s:s, s:o}", "id", (json_int_t)rows[i].id, "at",
                                                  (json_int_t)rows[i].at, "event", rows[i].event, "resident_id",
                                                  rows[i].resident_id, "detail", json_loads(rows[i].detail, 0, NULL)));
        else
            printf("%lld %-24s %-24s %s\n", rows[i].at, rows[i].event, rows[i].resident_id, rows[i].detail);
    }
    if (a->json)
        admin_print_json(list);
    else
        json_decref(list);
    idp_store_audit_rows_free(rows, n);
    return ADMIN_OK;
}

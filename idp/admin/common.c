/* sakaid-admin: error reporting, lazy store and KEK. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "admin/admin.h"

static int report(admin_t *a, idp_err_t e, int status, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    fprintf(stderr, "sakaid-admin: %s\n", msg);
    if (a->json)
        admin_print_json(json_pack("{s:s, s:s}", "error", idp_err_code(e), "error_description", msg));
    return status;
}

int admin_fail(admin_t *a, idp_err_t e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int status = e == IDP_E_INVALID_CLIENT_METADATA || e == IDP_E_INVALID_REDIRECT_URI || e == IDP_E_INVALID_REQUEST
                     ? ADMIN_USAGE
                     : ADMIN_FAILED;
    int rc = report(a, e, status, fmt, ap);
    va_end(ap);
    return rc;
}

int admin_usage(admin_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = report(a, IDP_E_INVALID_REQUEST, ADMIN_USAGE, fmt, ap);
    va_end(ap);
    return rc;
}

int admin_store_fail(admin_t *a, idp_err_t e, const char *what)
{
    if (e == IDP_E_UNAVAILABLE)
        return admin_fail(a, e, "%s: cannot reach PostgreSQL at database.url (SAKAID_DATABASE_URL)", what);
    if (e == IDP_E_NOT_FOUND)
        return admin_fail(a, e, "%s: not found", what);
    return admin_fail(a, e, "%s failed (%s); see the log above", what, idp_err_code(e));
}

int admin_store(admin_t *a)
{
    if (a->store)
        return 0;
    idp_err_t e = idp_store_open(a->cfg->database_url, 1, a->cfg->pool_wait_ms, &a->store);
    return e == IDP_OK ? 0 : admin_store_fail(a, e, "opening the database");
}

int admin_kek(admin_t *a)
{
    char err[512];
    if (a->kek_loaded)
        return 0;
    if (idp_kek_load(a->cfg->kek_file, &a->kek, err, sizeof(err)) != IDP_OK)
        return admin_fail(a, IDP_E_SERVER_ERROR, "%s", err);
    a->kek_loaded = true;
    return 0;
}

json_t *admin_time_json(long long t)
{
    return t ? json_integer(t) : json_null();
}

void admin_time_text(long long t, char *out, size_t n)
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (t == 0 || gmtime_r(&tt, &tm) == NULL)
        snprintf(out, n, "-");
    else
        strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void admin_print_json(json_t *j)
{
    if (j == NULL)
        return;
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(j);
}

void admin_actor(char out[96])
{
    const char *user = getenv("USER");
    snprintf(out, 96, "cli:%.80s", user && *user ? user : "unknown");
}

idp_err_t admin_apply(admin_t *a, const idp_store_admin_op_t *op, const char *group, const char *name,
                      const char *target)
{
    char actor[96], action[64];
    admin_actor(actor);
    snprintf(action, sizeof(action), "%s.%s", group, name);
    json_t *d = json_pack("{s:s, s:s, s:s}", "command", group, "action", name, "target", target ? target : "");
    char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
    idp_store_admin_entry_t entry = {
        .actor = actor, .role = "operator", .action = action, .target = target ? target : "", .after = text};
    idp_err_t e = text ? idp_store_admin_apply(a->store, op, &entry) : IDP_E_NOMEM;
    a->logged = e == IDP_OK;
    free(text);
    json_decref(d);
    return e;
}

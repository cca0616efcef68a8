/* Schema migrations: db/migrations/NNNN_name.sql, embedded at build time. */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "store/pg/internal.h"

static idp_err_t fail(idp_pg_conn_t *c, PGresult *r, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
    if (PQstatus(c->pg) != CONNECTION_OK) {
        c->broken = true;
        return IDP_E_UNAVAILABLE;
    }
    return IDP_E_SERVER_ERROR;
}

static idp_err_t simple(idp_pg_conn_t *c, const char *sql, char *err, size_t errlen, const char *what)
{
    PGresult *r = PQexec(c->pg, sql);
    idp_err_t ret = IDP_OK;
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        ret = fail(c, r, err, errlen, what);
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_migrate(idp_store_t *s, int *from, int *to, char *err, size_t errlen)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    PGresult *r = NULL;
    if ((ret = idp_pg_acquire(idp_pg(s)->pool, &c)) != IDP_OK) {
        snprintf(err, errlen, "cannot connect to the database");
        return ret;
    }
    /* One migrator at a time, whichever node or admin runs it. */
    if ((ret = simple(c, "SELECT pg_advisory_lock(hashtext('sakaid:migrate'))", err, errlen, "lock")) != IDP_OK)
        goto Exit;
    if ((ret = simple(c,
                      "SET client_min_messages = warning;"
                      "CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " version integer PRIMARY KEY, name text NOT NULL,"
                      " applied_at timestamptz NOT NULL DEFAULT now())",
                      err, errlen, "schema_migrations")) != IDP_OK)
        goto Unlock;
    r = PQexec(c->pg, "SELECT coalesce(max(version), 0) FROM schema_migrations");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        ret = fail(c, r, err, errlen, "reading schema version");
        goto Unlock;
    }
    int current = atoi_checked(PQgetvalue(r, 0, 0));
    PQclear(r);
    r = NULL;
    *from = *to = current;
    if (current > idp_migrations_count) {
        snprintf(err, errlen,
                 "the database schema is at version %d, newer than this binary knows (%d): run a newer sakaid-admin",
                 current, idp_migrations_count);
        ret = IDP_E_CONFLICT;
        goto Unlock;
    }
    for (int i = current; i < idp_migrations_count; i++) {
        const idp_migration_t *m = &idp_migrations[i];
        char what[160], ver[16];
        snprintf(what, sizeof(what), "migration %04d_%s", m->version, m->name);
        snprintf(ver, sizeof(ver), "%d", m->version);
        if ((ret = simple(c, "BEGIN", err, errlen, what)) != IDP_OK)
            goto Unlock;
        if ((ret = simple(c, m->sql, err, errlen, what)) != IDP_OK) {
            simple(c, "ROLLBACK", err + strlen(err), 0, what);
            goto Unlock;
        }
        const char *v[] = {ver, m->name};
        r = PQexecParams(c->pg, "INSERT INTO schema_migrations (version, name) VALUES ($1::int, $2)", 2, NULL, v, NULL,
                         NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            ret = fail(c, r, err, errlen, what);
            PQclear(r);
            r = NULL;
            simple(c, "ROLLBACK", err + strlen(err), 0, what);
            goto Unlock;
        }
        PQclear(r);
        r = NULL;
        if ((ret = simple(c, "COMMIT", err, errlen, what)) != IDP_OK)
            goto Unlock;
        idp_log_msg(IDP_LOG_INFO, "migration_applied", "%04d_%s", m->version, m->name);
        *to = m->version;
    }
Unlock:
    PQclear(PQexec(c->pg, "SELECT pg_advisory_unlock(hashtext('sakaid:migrate'))"));
Exit:
    PQclear(r);
    idp_pg_release(idp_pg(s)->pool, c);
    return ret;
}

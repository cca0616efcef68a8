/* Statements on the pool: one borrowed for a single statement, or held for a transaction (internal.h). */
#include <stdlib.h>

#include "store/pg/internal.h"

/* Runs one statement on a borrowed connection and hands back the result. */
PGresult *idp_pg_run(idp_store_t *s, const idp_pg_stmt_t *table, int stmt, int n, const char *const *v, const int *len,
                     const int *fmt, idp_err_t *err)
{
    idp_pg_conn_t *c;
    if ((*err = idp_pg_acquire(idp_pg(s)->pool, &c)) != IDP_OK)
        return NULL;
    PGresult *r = idp_pg_exec(c, table, stmt, n, v, len, fmt, err);
    idp_pg_release(idp_pg(s)->pool, c);
    return r;
}

idp_err_t idp_pg_affected(PGresult *r, idp_err_t ret)
{
    if (r && atoi_checked(PQcmdTuples(r)) == 0)
        ret = IDP_E_NOT_FOUND;
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_begin(idp_store_t *s, idp_pg_conn_t **c, const char *begin_sql)
{
    idp_err_t ret = idp_pg_acquire(idp_pg(s)->pool, c);
    if (ret == IDP_OK && (ret = idp_pg_command(*c, begin_sql)) != IDP_OK)
        idp_pg_release(idp_pg(s)->pool, *c);
    return ret;
}

idp_err_t idp_pg_end(idp_store_t *s, idp_pg_conn_t *c, idp_err_t ret)
{
    if (ret == IDP_OK)
        ret = idp_pg_command(c, "COMMIT");
    if (ret != IDP_OK && c->pg && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        idp_pg_command(c, "ROLLBACK");
    idp_pg_release(idp_pg(s)->pool, c);
    return ret;
}

idp_err_t idp_pg_ids(PGresult *r, char (**ids)[64], size_t *n)
{
    int nt = PQntuples(r);
    *n = 0;
    if ((*ids = calloc(nt ? (size_t)nt : 1, sizeof(**ids))) == NULL) {
        PQclear(r);
        return IDP_E_NOMEM;
    }
    for (int i = 0; i < nt; i++)
        copy_field((*ids)[i], sizeof((*ids)[i]), PQgetvalue(r, i, 0));
    *n = (size_t)nt;
    PQclear(r);
    return IDP_OK;
}

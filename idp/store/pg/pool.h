/**
 * A fixed pool of libpq connections, sized to the HTTP worker threads.
 * Connections are made lazily and re-made after a failure (automatic
 * reconnect); statements are prepared once per connection on first use.
 */
#ifndef IDP_STORE_PG_POOL_H
#define IDP_STORE_PG_POOL_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "core/buf.h"
#include "core/err.h"

typedef struct idp_pg_pool idp_pg_pool_t;

/* Statement indexes: 0-63 store_pg.c, 64-95 store_flow.c, 96-127 store_social.c, 128-191
 * store_account.c, 192-223 store_sweep.c, 224-255 store_sealed.c, 256-271 store_app_sign.c (each file its own
 * table). */
#define IDP_PG_MAX_STMTS 304

typedef struct {
    PGconn *pg;
    unsigned long long prepared[(IDP_PG_MAX_STMTS + 63) / 64]; /* bit i: statement i is prepared on this connection */
    bool broken;
} idp_pg_conn_t;

typedef struct {
    const char *name;
    const char *sql;
} idp_pg_stmt_t;

idp_err_t idp_pg_pool_new(const char *url, int size, int wait_ms, const idp_pg_stmt_t *stmts, int nstmts,
                          idp_pg_pool_t **out);
void idp_pg_pool_free(idp_pg_pool_t *p);
/** Appends the process's database metrics (statement times, unavailability by cause) in Prometheus text format. */
idp_err_t idp_pg_pool_metrics(idp_buf_t *out);

/** Borrows a healthy connection; IDP_E_UNAVAILABLE if none can be had in time. */
idp_err_t idp_pg_acquire(idp_pg_pool_t *p, idp_pg_conn_t **out);
void idp_pg_release(idp_pg_pool_t *p, idp_pg_conn_t *c);

/**
 * Runs prepared statement @p stmt (an index into the pool's table) with text
 * parameters (binary where @p formats says so). Returns the result (PQclear it)
 * or NULL with *err set: IDP_E_UNAVAILABLE when the connection failed (it is
 * marked broken and reconnects on next use), IDP_E_CONFLICT on a unique
 * violation, IDP_E_SERVER_ERROR otherwise.
 */
PGresult *idp_pg_exec(idp_pg_conn_t *c, const idp_pg_stmt_t *stmts, int stmt, int nparams, const char *const *values,
                      const int *lengths, const int *formats, idp_err_t *err);
/** A plain command (BEGIN, COMMIT, ROLLBACK, ...). */
idp_err_t idp_pg_command(idp_pg_conn_t *c, const char *sql);

#endif

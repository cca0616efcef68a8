/* Shared between the files of the PostgreSQL store; not part of the interface. */
#ifndef IDP_STORE_PG_INTERNAL_H
#define IDP_STORE_PG_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/migrations.h"
#include "store/pg/pool.h"
#include "store/pg/ops.h"
#include "store/store.h"

/* An access-token row waiting for its group commit (store_flow.c). */
typedef struct idp_pg_at_row idp_pg_at_row_t;
/* The watch on clients' changes: LISTEN sakaid_clients on a thread (client_watch.c); NULL: none. */
typedef struct idp_pg_client_watch idp_pg_client_watch_t;

/* The PostgreSQL store: the domain tables (store/ops.h, filled in store/pg/ops.c) and its own state. */
typedef struct {
    idp_store_t base; /* first: idp_pg() casts back */
    idp_pg_pool_t *pool;
    /* Access-token rows queued for the next group commit (store_flow.c). */
    pthread_mutex_t at_mu;
    bool at_flushing;
    idp_pg_at_row_t *at_head, **at_tail;
    idp_pg_client_watch_t *watch;
    /* Seals and opens attribute values (idp_store_set_sealer); NULL: attributes cannot be read or written. */
    const idp_store_sealer_t *sealer;
} idp_pg_store_t;

/* The PostgreSQL store behind @p s (only ever called with a store idp_store_open made). */
static inline idp_pg_store_t *idp_pg(idp_store_t *s)
{
    return (idp_pg_store_t *)s;
}

/*
 * Attributes sealed at rest (store_sealed.c; store.h, "attributes sealed at
 * rest"). A table of sealed values: its name (the associated data names it)
 * and its sealed columns, in the order the store's statements list them.
 */
#define IDP_PG_SEALED_MAX 10
typedef struct {
    const char *table;
    const char *columns[IDP_PG_SEALED_MAX];
    int n;
} idp_pg_sealed_table_t;
extern const idp_pg_sealed_table_t idp_pg_sealed_resident_attrs, idp_pg_sealed_household;

/* One row's values, sealed under one data key, as binary statement parameters. */
typedef struct {
    int key_id;
    char key_text[16];                   /* key_id as a text parameter */
    unsigned char *v[IDP_PG_SEALED_MAX]; /* malloc'ed */
    int len[IDP_PG_SEALED_MAX];
} idp_pg_sealed_row_t;

/**
 * Seals the t->n @p values (NULL counts as "") of row @p row_id under the
 * sealer's current data key (after reloading the key table when @p reload:
 * the key used before was found no longer active). Needs no connection.
 */
idp_err_t idp_pg_seal_row(idp_store_t *s, const idp_pg_sealed_table_t *t, const char *row_id, const char *const *values,
                          bool reload, idp_pg_sealed_row_t *out);
void idp_pg_sealed_row_free(idp_pg_sealed_row_t *r);
/**
 * Opens row @p i of @p r: the data key id in column @p key_col, the t->n
 * sealed values from column @p first on. out[j] receives each value,
 * malloc'ed and NUL-terminated (free with idp_pg_opened_free). A value
 * that does not open is logged ("sealed_value_unreadable": table, column,
 * row, key) and fails: IDP_E_NOT_FOUND for an unknown data key (the caller
 * may read the row once more: it may have been sealed again meanwhile),
 * IDP_E_SERVER_ERROR otherwise. Call it without holding a connection.
 */
idp_err_t idp_pg_open_row(idp_store_t *s, const idp_pg_sealed_table_t *t, const char *row_id, PGresult *r, int i,
                          int key_col, int first, char **out);
/** Wipes and frees @p n opened values. */
void idp_pg_opened_free(char **out, int n);

const idp_pg_stmt_t *idp_pg_stmts(void);
/** How many statements idp_pg_stmts() holds. */
int idp_pg_stmts_count(void);

/*
 * The consent ledger (store_flow.c and store_account.c write it). One writer
 * at a time, under this lock, so that each row chains to the one before:
 * row_hash (version 2) = SHA-256(prev_hash || UTF-8 of seq, at in unix
 * microseconds, resident, client, action, claims, actor, purpose, joined by
 * "\n"); the first row's prev_hash is 32 zero bytes (docs/flow.md).
 * Parameters: resident, client, action, claims, actor, purpose.
 */
#define IDP_PG_LEDGER_LOCK "SELECT pg_advisory_xact_lock(hashtext('sakaid:consent_ledger'))"
#define IDP_PG_LEDGER_APPEND                                                                                       \
    "INSERT INTO consent_ledger (seq, at, resident_id, client_id, action, claims, actor, purpose, "                \
    "authorization_details, hash_version, prev_hash, row_hash) SELECT n.seq, n.at, $1::text, $2::text, $3::text, " \
    "$4::text, $5::text, $6::text, $7::text, CASE WHEN $7::text IS NULL THEN 2 ELSE 3 END, "                       \
    "n.prev, sha256(n.prev || convert_to(concat_ws(E'\\n', n.seq, (extract(epoch from n.at) * 1000000)::bigint, "  \
    "$1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text), 'UTF8')) FROM ("                       \
    "SELECT coalesce((SELECT seq FROM consent_ledger ORDER BY seq DESC LIMIT 1), 0) + 1 AS seq, "                  \
    "coalesce((SELECT row_hash FROM consent_ledger ORDER BY seq DESC LIMIT 1), decode(repeat('00', 32), 'hex')) "  \
    "AS prev, now() AS at) n"

/*
 * A client's row written (store_pg.c, and the admin API's changes in
 * store_registration.c). Insert: client_id, secret_hash, metadata,
 * registration_token_hash, organisation, sandbox. Update: client_id,
 * metadata (NULL: unchanged), a new secret_hash (NULL: unchanged), clear
 * the secret (boolean). Delete: client_id.
 */
#define IDP_PG_CLIENT_INSERT                                                                                     \
    "INSERT INTO clients (client_id, secret_hash, metadata, secret_rotated_at, registration_token_hash, "        \
    "organisation, sandbox) VALUES ($1, $2::bytea, $3::jsonb, CASE WHEN $2::bytea IS NULL THEN NULL ELSE now() " \
    "END, $4::bytea, nullif($5, ''), $6::boolean)"
#define IDP_PG_CLIENT_UPDATE                                                                              \
    "UPDATE clients SET metadata = coalesce($2::jsonb, metadata), updated_at = now(), "                   \
    "secret_hash = CASE WHEN $4::boolean THEN NULL WHEN $3::bytea IS NULL THEN secret_hash ELSE $3 END, " \
    "secret_rotated_at = CASE WHEN $3::bytea IS NULL THEN secret_rotated_at ELSE now() END WHERE client_id = $1"
#define IDP_PG_CLIENT_DELETE "DELETE FROM clients WHERE client_id = $1"

/** Runs one statement of @p stmts on a borrowed connection; NULL with *err on failure. */
PGresult *idp_pg_run(idp_store_t *s, const idp_pg_stmt_t *stmts, int stmt, int n, const char *const *v, const int *len,
                     const int *fmt, idp_err_t *err);
/** The first column of every row of @p r as ids (*ids, *n; free(*ids)); clears @p r. IDP_E_NOMEM. */
idp_err_t idp_pg_ids(PGresult *r, char (**ids)[64], size_t *n);
/** Clears @p r; IDP_E_NOT_FOUND when the statement touched no row, else @p ret. */
idp_err_t idp_pg_affected(PGresult *r, idp_err_t ret);
/** Borrows a connection and runs @p begin_sql ("BEGIN", or with an isolation level). */
idp_err_t idp_pg_begin(idp_store_t *s, idp_pg_conn_t **c, const char *begin_sql);
/** Commits when @p ret is IDP_OK, else rolls back; releases the connection. Returns the outcome. */
idp_err_t idp_pg_end(idp_store_t *s, idp_pg_conn_t *c, idp_err_t ret);

/** Appends a row to the admin log on a connection, under its lock (inside the caller's transaction; migration 0016). */
idp_err_t idp_pg_admin_log_on(idp_pg_conn_t *c, const idp_store_admin_entry_t *e);
/**
 * Adds @p resident_id to @p list of @p organisation (@p add; there already: nothing changes) or takes it back, on
 * a connection inside the caller's transaction. IDP_E_NOT_FOUND: no such resident to add, or not there to take.
 */
idp_err_t idp_pg_org_resident_on(idp_pg_conn_t *c, idp_org_list_t list, const char *organisation,
                                 const char *resident_id, bool add);
/** The change of an admin call on the clients, tokens and residents (store_registration.c), in the caller's transaction. */
idp_err_t idp_pg_registration_change_on(idp_pg_conn_t *c, const idp_store_admin_op_t *op);
/** Adds, replaces or removes an upstream provider (IDP_ADMIN_OP_UPSTREAM_*) inside the caller's transaction. */
idp_err_t idp_pg_upstream_on(idp_pg_conn_t *c, const idp_store_admin_op_t *op);
/** Sets or cancels a key rotation schedule (IDP_ADMIN_OP_KEY_SCHEDULE) inside the caller's transaction. */
idp_err_t idp_pg_key_schedule_on(idp_pg_conn_t *c, const idp_store_admin_op_t *op);
/** Appends an audit event on a connection (inside the caller's transaction). */
idp_err_t idp_pg_audit_on(idp_pg_conn_t *c, const char *event, const char *resident_id, const char *detail);

/* PostgreSQL's own integer text (counts, versions): never junk, but stay defensive. */
static inline int atoi_checked(const char *s)
{
    return s ? (int)strtol(s, NULL, 10) : 0;
}

static inline long long atoll_checked(const char *s)
{
    return s ? strtoll(s, NULL, 10) : 0;
}

static inline void copy_field(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src);
}

#endif

/* Shared between the files of the PostgreSQL store; not part of the interface. */
#ifndef IDP_STORE_PG_INTERNAL_H
#define IDP_STORE_PG_INTERNAL_H

#include <stdio.h>
#include <stdlib.h>

#include "store/migrations.h"
#include "store/pg/pool.h"
#include "store/store.h"

struct idp_store {
    idp_pg_pool_t *pool;
};

const idp_pg_stmt_t *idp_pg_stmts(void);

/** Appends an audit event on a connection (inside the caller's transaction). */
idp_err_t idp_pg_audit(idp_pg_conn_t *c, const char *event, const char *resident_id, const char *detail);

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

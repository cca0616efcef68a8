/*
 * The PostgreSQL store for the residents an organisation names (store.h,
 * idp_org_list_t): its sandbox clients' test residents (migration 0015) and
 * the members who act for it at /partner (migration 0019). Statement
 * indexes 160-191: one set per list, as a table's name cannot be a
 * parameter.
 */
#include <stdlib.h>
#include <string.h>

#include "store/pg/internal.h"

enum { O_ADD, O_REMOVE, O_IS, O_LIST, O_OF, O__PER_LIST };
enum { O_BASE = 160 };
#define STMT(list, op) (O_BASE + (int)(list)*O__PER_LIST + (op))
_Static_assert(O_BASE + 2 * O__PER_LIST <= 192, "statements 160-191");

/* The SQL text is laid out by hand. */
/* clang-format off */
#define LIST_STMTS(list, table)                                                                                    \
    [STMT(list, O_ADD)] = {table "_add", "INSERT INTO " table " (organisation, resident_id) SELECT $1, id "         \
                                         "FROM residents WHERE id = $2 ON CONFLICT DO NOTHING RETURNING 1"},       \
    [STMT(list, O_REMOVE)] = {table "_remove", "DELETE FROM " table " WHERE organisation = $1 AND resident_id = $2"}, \
    [STMT(list, O_IS)] = {table "_is", "SELECT 1 FROM " table " WHERE organisation = $1 AND resident_id = $2"},     \
    [STMT(list, O_LIST)] = {table "_list", "SELECT resident_id FROM " table " WHERE organisation = $1 "             \
                                           "ORDER BY added_at, resident_id"},                                      \
    [STMT(list, O_OF)] = {table "_of", "SELECT organisation FROM " table " WHERE resident_id = $1 "                \
                                       "ORDER BY organisation"},

static const idp_pg_stmt_t stmts[IDP_PG_MAX_STMTS] = {
    LIST_STMTS(IDP_ORG_TEST_RESIDENTS, "test_residents")
    LIST_STMTS(IDP_ORG_MEMBERS, "organisation_members")
};
/* clang-format on */

idp_err_t idp_pg_org_resident_is(idp_store_t *s, idp_org_list_t list, const char *organisation, const char *resident_id,
                                 bool *yes)
{
    idp_err_t ret;
    const char *v[] = {organisation, resident_id};
    PGresult *r = idp_pg_run(s, stmts, STMT(list, O_IS), 2, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    *yes = PQntuples(r) > 0;
    PQclear(r);
    return IDP_OK;
}

idp_err_t idp_pg_org_resident_add(idp_store_t *s, idp_org_list_t list, const char *organisation,
                                  const char *resident_id)
{
    idp_err_t ret;
    const char *v[] = {organisation, resident_id};
    PGresult *r = idp_pg_run(s, stmts, STMT(list, O_ADD), 2, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    if (PQntuples(r) == 0) { /* there already, or no such resident */
        bool yes = false;
        ret = idp_pg_org_resident_is(s, list, organisation, resident_id, &yes);
        if (ret == IDP_OK && !yes)
            ret = IDP_E_NOT_FOUND;
    }
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_org_resident_remove(idp_store_t *s, idp_org_list_t list, const char *organisation,
                                     const char *resident_id)
{
    idp_err_t ret;
    const char *v[] = {organisation, resident_id};
    PGresult *r = idp_pg_run(s, stmts, STMT(list, O_REMOVE), 2, v, NULL, NULL, &ret);
    return idp_pg_affected(r, ret);
}

idp_err_t idp_pg_org_resident_on(idp_pg_conn_t *c, idp_org_list_t list, const char *organisation,
                                 const char *resident_id, bool add)
{
    idp_err_t ret;
    const char *v[] = {organisation, resident_id};
    PGresult *r = idp_pg_exec(c, stmts, STMT(list, add ? O_ADD : O_REMOVE), 2, v, NULL, NULL, &ret);
    if (r == NULL || !add)
        return idp_pg_affected(r, ret);
    if (PQntuples(r) == 0) { /* there already, or no such resident */
        PQclear(r);
        if ((r = idp_pg_exec(c, stmts, STMT(list, O_IS), 2, v, NULL, NULL, &ret)) == NULL)
            return ret;
        ret = PQntuples(r) > 0 ? IDP_OK : IDP_E_NOT_FOUND;
    }
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_org_residents(idp_store_t *s, idp_org_list_t list, const char *organisation, const char *resident_id,
                               char (**ids)[64], size_t *n)
{
    idp_err_t ret;
    const char *v[] = {organisation ? organisation : resident_id};
    PGresult *r = idp_pg_run(s, stmts, STMT(list, organisation ? O_LIST : O_OF), 1, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    return idp_pg_ids(r, ids, n);
}

/*
 * The PostgreSQL store for dynamic client registration (store.h, "dynamic
 * registration"): initial access tokens, registering a client with one of
 * their uses, the sandbox and test residents (migration 0015). Statement
 * indexes 48-63.
 */
#include <stdlib.h>
#include <string.h>

#include "store/pg/internal.h"

enum {
    R_IAT_INSERT = 48,
    R_IAT_LIST,
    R_IAT_REVOKE,
    R_IAT_FIND,
    R_REGISTER,
    R_SANDBOX,
    R_TEST_ADD,
    R_TEST_REMOVE,
    R_TEST_IS,
    R_TEST_LIST,
    R__END
};
_Static_assert(R__END <= 64, "statements 48-63");

/* The SQL text is laid out by hand. */
/* clang-format off */
#define EPOCH(col) "floor(extract(epoch from " col "))::bigint"
#define IAT_COLS "id, organisation, tier, max_uses, uses, " EPOCH("expires_at") ", " EPOCH("created_at") ", " \
                 "coalesce(" EPOCH("revoked_at") ", 0)"

static const idp_pg_stmt_t stmts[IDP_PG_MAX_STMTS] = {
    [R_IAT_INSERT] = {"iat_insert",
                      "INSERT INTO initial_access_tokens (id, token_hash, organisation, tier, max_uses, expires_at) "
                      "VALUES ($1, $2::bytea, $3, $4, $5::int, to_timestamp($6::bigint))"},
    [R_IAT_LIST] = {"iat_list", "SELECT " IAT_COLS " FROM initial_access_tokens ORDER BY created_at DESC, id"},
    [R_IAT_REVOKE] = {"iat_revoke",
                      "UPDATE initial_access_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL"},
    /* the token and what stops it: expired, used up (the caller maps these to store outcomes) */
    [R_IAT_FIND] = {"iat_find",
                    "SELECT " IAT_COLS ", expires_at <= now(), uses >= max_uses FROM initial_access_tokens "
                    "WHERE token_hash = $1::bytea AND revoked_at IS NULL"},
    /* One statement: a use is taken only when the client is stored (a data-modifying CTE runs whether or not the
     * INSERT adds a row, so a taken id is checked in it too), and the last use only once. */
    [R_REGISTER] = {"client_register",
                    "WITH t AS (UPDATE initial_access_tokens SET uses = uses + 1 WHERE id = $1 AND revoked_at IS NULL "
                    "AND expires_at > now() AND uses < max_uses "
                    "AND NOT EXISTS (SELECT 1 FROM clients WHERE client_id = $2) RETURNING id, organisation) "
                    "INSERT INTO clients (client_id, secret_hash, metadata, secret_rotated_at, registration_token_hash, "
                    "organisation, sandbox, registered_by) SELECT $2, $3::bytea, $4::jsonb, "
                    "CASE WHEN $3::bytea IS NULL THEN NULL ELSE now() END, $5::bytea, t.organisation, true, t.id FROM t "
                    "ON CONFLICT (client_id) DO NOTHING"},
    [R_SANDBOX] = {"client_sandbox",
                   "UPDATE clients SET sandbox = $2::boolean, updated_at = now() WHERE client_id = $1 "
                   "AND (NOT $2::boolean OR organisation IS NOT NULL) RETURNING 1"},
    [R_TEST_ADD] = {"test_resident_add",
                    "INSERT INTO test_residents (organisation, resident_id) SELECT $1, id FROM residents WHERE id = $2 "
                    "ON CONFLICT DO NOTHING RETURNING 1"},
    [R_TEST_REMOVE] = {"test_resident_remove",
                       "DELETE FROM test_residents WHERE organisation = $1 AND resident_id = $2"},
    [R_TEST_IS] = {"test_resident_is",
                   "SELECT 1 FROM test_residents WHERE organisation = $1 AND resident_id = $2"},
    [R_TEST_LIST] = {"test_residents_list",
                     "SELECT resident_id FROM test_residents WHERE organisation = $1 ORDER BY added_at, resident_id"},
};
/* clang-format on */

static void iat_from_row(PGresult *r, int i, idp_store_iat_t *t)
{
    memset(t, 0, sizeof(*t));
    copy_field(t->id, sizeof(t->id), PQgetvalue(r, i, 0));
    copy_field(t->organisation, sizeof(t->organisation), PQgetvalue(r, i, 1));
    copy_field(t->tier, sizeof(t->tier), PQgetvalue(r, i, 2));
    t->max_uses = atoi_checked(PQgetvalue(r, i, 3));
    t->uses = atoi_checked(PQgetvalue(r, i, 4));
    t->expires_at = atoll_checked(PQgetvalue(r, i, 5));
    t->created_at = atoll_checked(PQgetvalue(r, i, 6));
    t->revoked_at = atoll_checked(PQgetvalue(r, i, 7));
}

idp_err_t idp_pg_iat_insert(idp_store_t *s, const idp_store_iat_t *t, const unsigned char hash[32])
{
    idp_err_t ret;
    char uses[16], exp[24];
    snprintf(uses, sizeof(uses), "%d", t->max_uses);
    snprintf(exp, sizeof(exp), "%lld", t->expires_at);
    const char *v[] = {t->id, (const char *)hash, t->organisation, t->tier, uses, exp};
    int len[] = {0, 32, 0, 0, 0, 0};
    int fmt[] = {0, 1, 0, 0, 0, 0};
    PQclear(idp_pg_run(s, stmts, R_IAT_INSERT, 6, v, len, fmt, &ret));
    return ret;
}

idp_err_t idp_pg_iat_list(idp_store_t *s, idp_store_iat_t **rows, size_t *n)
{
    idp_err_t ret;
    PGresult *r = idp_pg_run(s, stmts, R_IAT_LIST, 0, NULL, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    int nt = PQntuples(r);
    *rows = calloc(nt ? (size_t)nt : 1, sizeof(**rows));
    if (*rows == NULL) {
        PQclear(r);
        return IDP_E_NOMEM;
    }
    for (int i = 0; i < nt; i++)
        iat_from_row(r, i, &(*rows)[i]);
    *n = (size_t)nt;
    PQclear(r);
    return IDP_OK;
}

idp_err_t idp_pg_iat_revoke(idp_store_t *s, const char *id)
{
    idp_err_t ret;
    const char *v[] = {id};
    PGresult *r = idp_pg_run(s, stmts, R_IAT_REVOKE, 1, v, NULL, NULL, &ret);
    return idp_pg_affected(r, ret);
}

idp_err_t idp_pg_iat_find(idp_store_t *s, const unsigned char hash[32], idp_store_iat_t *out)
{
    idp_err_t ret;
    const char *v[] = {(const char *)hash};
    int len[] = {32};
    int fmt[] = {1};
    PGresult *r = idp_pg_run(s, stmts, R_IAT_FIND, 1, v, len, fmt, &ret);
    if (r == NULL)
        return ret;
    if (PQntuples(r) != 1)
        ret = IDP_E_NOT_FOUND;
    else if (!strcmp(PQgetvalue(r, 0, 8), "t"))
        ret = IDP_E_INVALID_GRANT; /* expired */
    else if (!strcmp(PQgetvalue(r, 0, 9), "t"))
        ret = IDP_E_CONFLICT; /* used up */
    else
        iat_from_row(r, 0, out);
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_client_register(idp_store_t *s, const char *iat_id, const idp_store_client_t *c)
{
    idp_err_t ret;
    const char *v[] = {iat_id, c->client_id, c->has_secret ? (const char *)c->secret_hash : NULL, c->metadata,
                       c->has_registration_token ? (const char *)c->registration_token_hash : NULL};
    int len[] = {0, 0, 32, 0, 32};
    int fmt[] = {0, 0, 1, 0, 1};
    PGresult *r = idp_pg_run(s, stmts, R_REGISTER, 5, v, len, fmt, &ret);
    ret = idp_pg_affected(r, ret);
    return ret == IDP_E_NOT_FOUND ? IDP_E_CONFLICT : ret; /* no usable token, or the id is taken */
}

idp_err_t idp_pg_client_set_sandbox(idp_store_t *s, const char *client_id, bool sandbox)
{
    idp_err_t ret;
    const char *v[] = {client_id, sandbox ? "true" : "false"};
    PGresult *r = idp_pg_run(s, stmts, R_SANDBOX, 2, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    if (PQntuples(r) == 0) {
        /* no such client, or one of no organisation sent back to the sandbox */
        idp_store_client_t row;
        ret = sandbox && idp_pg_client_get(s, client_id, &row) == IDP_OK ? IDP_E_CONFLICT : IDP_E_NOT_FOUND;
        if (ret == IDP_E_CONFLICT)
            idp_store_client_clear(&row);
    }
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_test_resident_add(idp_store_t *s, const char *organisation, const char *resident_id)
{
    idp_err_t ret;
    const char *v[] = {organisation, resident_id};
    PGresult *r = idp_pg_run(s, stmts, R_TEST_ADD, 2, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    if (PQntuples(r) == 0) { /* there already, or no such resident */
        bool yes = false;
        ret = idp_pg_test_resident_is(s, organisation, resident_id, &yes);
        if (ret == IDP_OK && !yes)
            ret = IDP_E_NOT_FOUND;
    }
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_test_resident_remove(idp_store_t *s, const char *organisation, const char *resident_id)
{
    idp_err_t ret;
    const char *v[] = {organisation, resident_id};
    PGresult *r = idp_pg_run(s, stmts, R_TEST_REMOVE, 2, v, NULL, NULL, &ret);
    return idp_pg_affected(r, ret);
}

idp_err_t idp_pg_test_resident_is(idp_store_t *s, const char *organisation, const char *resident_id, bool *yes)
{
    idp_err_t ret;
    const char *v[] = {organisation, resident_id};
    PGresult *r = idp_pg_run(s, stmts, R_TEST_IS, 2, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    *yes = PQntuples(r) > 0;
    PQclear(r);
    return IDP_OK;
}

idp_err_t idp_pg_test_residents_list(idp_store_t *s, const char *organisation, char (**ids)[64], size_t *n)
{
    idp_err_t ret;
    const char *v[] = {organisation};
    PGresult *r = idp_pg_run(s, stmts, R_TEST_LIST, 1, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    int nt = PQntuples(r);
    *ids = calloc(nt ? (size_t)nt : 1, sizeof(**ids));
    if (*ids == NULL) {
        PQclear(r);
        return IDP_E_NOMEM;
    }
    for (int i = 0; i < nt; i++)
        copy_field((*ids)[i], sizeof((*ids)[i]), PQgetvalue(r, i, 0));
    *n = (size_t)nt;
    PQclear(r);
    return IDP_OK;
}

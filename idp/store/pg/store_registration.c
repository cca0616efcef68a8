/*
 * The PostgreSQL store for dynamic client registration (store.h, "dynamic
 * registration"): initial access tokens, registering a client with one of
 * their uses and the sandbox (migration 0015), and the
 * admin API's changes with their hash-chained log (migration 0016).
 * Statement indexes 48-63.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg/internal.h"

enum {
    R_IAT_INSERT = 48,
    R_IAT_REVOKE,
    R_REGISTER,
    R_SANDBOX,
    R_SUSPEND,
    R_SECRET,
    R_CLIENT_ORG,
    R_ADMIN_LOCK,
    R_ADMIN_APPEND,
    R_REQUEST,
    R_LOCK,
    R_END_SESSIONS,
    R_REVOKE_ALL,
    R_CLIENT_INSERT,
    R_CLIENT_UPDATE,
    R_CLIENT_DELETE,
    R__END
};
_Static_assert(R__END <= 64, "statements 48-63");

/* The SQL text is laid out by hand. */
/* clang-format off */
static const idp_pg_stmt_t stmts[IDP_PG_MAX_STMTS] = {
    [R_IAT_INSERT] = {"iat_insert",
                      "INSERT INTO initial_access_tokens (id, token_hash, organisation, tier, max_uses, expires_at) "
                      "VALUES ($1, $2::bytea, $3, $4, $5::int, to_timestamp($6::bigint))"},
    [R_IAT_REVOKE] = {"iat_revoke",
                      "UPDATE initial_access_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL"},
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
    /* approval clears a request for it */
    [R_SANDBOX] = {"client_sandbox",
                   "UPDATE clients SET sandbox = $2::boolean, updated_at = now(), approval_requested_at = CASE "
                   "WHEN $2::boolean THEN approval_requested_at END WHERE client_id = $1 "
                   "AND (NOT $2::boolean OR organisation IS NOT NULL) RETURNING 1"},
    [R_SUSPEND] = {"client_suspend",
                   "UPDATE clients SET suspended = $2::boolean, updated_at = now() WHERE client_id = $1 RETURNING 1"},
    [R_SECRET] = {"client_secret",
                  "UPDATE clients SET secret_hash = $2::bytea, secret_rotated_at = now(), updated_at = now() "
                  "WHERE client_id = $1 RETURNING 1"},
    [R_CLIENT_ORG] = {"client_org", "SELECT organisation IS NOT NULL FROM clients WHERE client_id = $1"},
    [R_ADMIN_LOCK] = {"admin_log_lock", "SELECT pg_advisory_xact_lock(hashtext('sakaid:admin_log'))"},
    /* Parameters: actor, role, action, target, before, after (migration 0016 states the hash). */
    [R_ADMIN_APPEND] = {"admin_log_append",
                        "INSERT INTO admin_log (seq, at, actor, role, action, target, before, after, prev_hash, "
                        "row_hash) SELECT n.seq, n.at, $1, $2, $3, $4, $5::jsonb, $6::jsonb, n.prev, "
                        "sha256(n.prev || convert_to(concat_ws(E'\\n', n.seq, "
                        "(extract(epoch from n.at) * 1000000)::bigint, $1::text, $2::text, $3::text, $4::text, "
                        "coalesce($5::jsonb::text, ''), coalesce($6::jsonb::text, '')), 'UTF8')) FROM ("
                        "SELECT coalesce((SELECT seq FROM admin_log ORDER BY seq DESC LIMIT 1), 0) + 1 AS seq, "
                        "coalesce((SELECT row_hash FROM admin_log ORDER BY seq DESC LIMIT 1), "
                        "decode(repeat('00', 32), 'hex')) AS prev, now() AS at) n"},
    [R_REQUEST] = {"client_request",
                   "UPDATE clients SET approval_requested_at = now(), updated_at = now() WHERE client_id = $1 "
                   "AND sandbox RETURNING 1"},
    [R_LOCK] = {"resident_lock",
                "UPDATE residents SET locked_at = CASE WHEN $2::boolean THEN now() END, "
                "locked_reason = CASE WHEN $2::boolean THEN $3 END WHERE id = $1 RETURNING 1"},
    [R_END_SESSIONS] = {"resident_end_sessions",
                        "UPDATE sessions SET ended_at = now() WHERE resident_id = $1 AND ended_at IS NULL"},
    /* every grant of the resident, with its access tokens (their refresh tokens die with the grant) */
    [R_REVOKE_ALL] = {"resident_revoke_all",
                      "WITH g AS (UPDATE grants SET revoked_at = coalesce(revoked_at, now()) WHERE resident_id = $1 "
                      "RETURNING id) UPDATE access_tokens SET revoked_at = coalesce(revoked_at, now()) "
                      "WHERE grant_id IN (SELECT id FROM g)"},
    [R_CLIENT_INSERT] = {"admin_client_insert", IDP_PG_CLIENT_INSERT " RETURNING 1"},
    [R_CLIENT_UPDATE] = {"admin_client_update", IDP_PG_CLIENT_UPDATE " RETURNING 1"},
    [R_CLIENT_DELETE] = {"admin_client_delete", IDP_PG_CLIENT_DELETE " RETURNING 1"},
};
/* clang-format on */

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

idp_err_t idp_pg_iat_revoke(idp_store_t *s, const char *id)
{
    idp_err_t ret;
    const char *v[] = {id};
    PGresult *r = idp_pg_run(s, stmts, R_IAT_REVOKE, 1, v, NULL, NULL, &ret);
    return idp_pg_affected(r, ret);
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
    if (PQntuples(r) == 0) { /* no such client, or one of no organisation sent back to the sandbox */
        PQclear(r);
        const char *w[] = {client_id};
        if ((r = idp_pg_run(s, stmts, R_CLIENT_ORG, 1, w, NULL, NULL, &ret)) == NULL)
            return ret;
        ret = sandbox && PQntuples(r) == 1 ? IDP_E_CONFLICT : IDP_E_NOT_FOUND;
    }
    PQclear(r);
    return ret;
}

/* ---- the admin API's changes and their log ----------------------------------------- */

idp_err_t idp_pg_registration_change_on(idp_pg_conn_t *c, const idp_store_admin_op_t *op)
{
    idp_err_t ret = IDP_OK;
    PGresult *r = NULL;
    const char *flag = op->flag ? "true" : "false";
    switch (op->kind) {
    case IDP_ADMIN_OP_NONE: return IDP_OK;
    case IDP_ADMIN_OP_CLIENT_SANDBOX: {
        const char *v[] = {op->id, flag};
        r = idp_pg_exec(c, stmts, R_SANDBOX, 2, v, NULL, NULL, &ret);
        if (r && PQntuples(r) == 0) { /* no such client, or one of no organisation sent to the sandbox */
            PQclear(r);
            const char *w[] = {op->id};
            r = idp_pg_exec(c, stmts, R_CLIENT_ORG, 1, w, NULL, NULL, &ret);
            if (r)
                ret = PQntuples(r) == 1 && op->flag ? IDP_E_CONFLICT : IDP_E_NOT_FOUND;
        }
        break;
    }
    case IDP_ADMIN_OP_CLIENT_REQUEST: {
        const char *v[] = {op->id};
        if ((r = idp_pg_exec(c, stmts, R_REQUEST, 1, v, NULL, NULL, &ret)) && PQntuples(r) == 0)
            ret = IDP_E_NOT_FOUND;
        break;
    }
    case IDP_ADMIN_OP_RESIDENT_LOCK: {
        const char *v[] = {op->id, flag, op->flag ? op->text : NULL};
        if ((r = idp_pg_exec(c, stmts, R_LOCK, 3, v, NULL, NULL, &ret)) && PQntuples(r) == 0)
            ret = IDP_E_NOT_FOUND;
        PQclear(r);
        r = NULL;
        if (ret == IDP_OK && op->flag) {
            const char *w[] = {op->id};
            if ((r = idp_pg_exec(c, stmts, R_END_SESSIONS, 1, w, NULL, NULL, &ret)) != NULL) {
                PQclear(r);
                r = idp_pg_exec(c, stmts, R_REVOKE_ALL, 1, w, NULL, NULL, &ret);
            }
        }
        break;
    }
    case IDP_ADMIN_OP_RESIDENT_END_SESSIONS: {
        const char *v[] = {op->id};
        r = idp_pg_exec(c, stmts, R_END_SESSIONS, 1, v, NULL, NULL, &ret);
        break;
    }
    case IDP_ADMIN_OP_CLIENT_INSERT: {
        const idp_store_client_t *k = op->client;
        const char *v[] = {k->client_id,    k->has_secret ? (const char *)k->secret_hash : NULL,
                           k->metadata,     NULL,
                           k->organisation, k->sandbox ? "true" : "false"};
        int len[] = {0, 32, 0, 0, 0, 0}, fmt[] = {0, 1, 0, 0, 0, 0};
        r = idp_pg_exec(c, stmts, R_CLIENT_INSERT, 6, v, len, fmt, &ret);
        break;
    }
    case IDP_ADMIN_OP_CLIENT_UPDATE: {
        const char *v[] = {op->id, op->text, (const char *)op->hash, flag};
        int len[] = {0, 0, 32, 0}, fmt[] = {0, 0, 1, 0};
        if ((r = idp_pg_exec(c, stmts, R_CLIENT_UPDATE, 4, v, len, fmt, &ret)) && PQntuples(r) == 0)
            ret = IDP_E_NOT_FOUND;
        break;
    }
    case IDP_ADMIN_OP_CLIENT_DELETE: {
        const char *v[] = {op->id};
        if ((r = idp_pg_exec(c, stmts, R_CLIENT_DELETE, 1, v, NULL, NULL, &ret)) && PQntuples(r) == 0)
            ret = IDP_E_NOT_FOUND;
        break;
    }
    case IDP_ADMIN_OP_CLIENT_SUSPEND: {
        const char *v[] = {op->id, flag};
        if ((r = idp_pg_exec(c, stmts, R_SUSPEND, 2, v, NULL, NULL, &ret)) && PQntuples(r) == 0)
            ret = IDP_E_NOT_FOUND;
        break;
    }
    case IDP_ADMIN_OP_CLIENT_SECRET: {
        const char *v[] = {op->id, (const char *)op->hash};
        int len[] = {0, 32}, fmt[] = {0, 1};
        if ((r = idp_pg_exec(c, stmts, R_SECRET, 2, v, len, fmt, &ret)) && PQntuples(r) == 0)
            ret = IDP_E_NOT_FOUND;
        break;
    }
    case IDP_ADMIN_OP_IAT_INSERT: {
        char uses[16], exp[24];
        snprintf(uses, sizeof(uses), "%d", op->iat->max_uses);
        snprintf(exp, sizeof(exp), "%lld", op->iat->expires_at);
        const char *v[] = {op->iat->id, (const char *)op->hash, op->iat->organisation, op->iat->tier, uses, exp};
        int len[] = {0, 32, 0, 0, 0, 0}, fmt[] = {0, 1, 0, 0, 0, 0};
        r = idp_pg_exec(c, stmts, R_IAT_INSERT, 6, v, len, fmt, &ret);
        break;
    }
    case IDP_ADMIN_OP_KEY_SCHEDULE:
    case IDP_ADMIN_OP_UPSTREAM_INSERT:
    case IDP_ADMIN_OP_UPSTREAM_UPDATE:
    case IDP_ADMIN_OP_UPSTREAM_DELETE:
    case IDP_ADMIN_OP_TEST_RESIDENT: return IDP_E_INVALID_REQUEST; /* store_admin.c's: in other tables */
    case IDP_ADMIN_OP_IAT_REVOKE: {
        const char *v[] = {op->id};
        if ((r = idp_pg_exec(c, stmts, R_IAT_REVOKE, 1, v, NULL, NULL, &ret)) && atoi_checked(PQcmdTuples(r)) == 0)
            ret = IDP_E_NOT_FOUND;
        break;
    }
    }
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_admin_log_on(idp_pg_conn_t *c, const idp_store_admin_entry_t *e)
{
    idp_err_t ret;
    PGresult *r = idp_pg_exec(c, stmts, R_ADMIN_LOCK, 0, NULL, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    PQclear(r);
    const char *v[] = {e->actor, e->role, e->action, e->target ? e->target : "", e->before, e->after};
    PQclear(idp_pg_exec(c, stmts, R_ADMIN_APPEND, 6, v, NULL, NULL, &ret));
    return ret;
}

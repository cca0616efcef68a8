/*
 * The PostgreSQL store for the account pages, consent revocation, logout
 * deliveries, the release history and the audit views (store.h, "the
 * account, consent revocation, logout"), and the per-client statistics
 * (migration 0017). Statement indexes 128-159.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/pg/internal.h"

enum {
    A_CONSENTS = 128,
    A_CONSENT_DELETE,
    A_LEDGER_LOCK,
    A_LEDGER_APPEND,
    A_GRANTS_REVOKE,
    A_RELEASE,
    A_RELEASES,
    A_HOUSEHOLD_GET,
    A_HOUSEHOLD_PUT,
    A_SESSIONS,
    A_SESSION_END_SID,
    A_SESSION_END,
    A_SESSION_CLIENTS,
    A_DELIVERY_INSERT,
    A_DELIVERY_DUE,
    A_DELIVERY_PENDING,
    A_DELIVERY_DONE,
    A_DELIVERY_FAIL,
    A_LEDGER_ALL,
    A_LEDGER_RESIDENT,
    A_AUDIT_LIST,
    A_STAT_COUNT,
    A_STATS,
    A_RESIDENT_STATE,
    A_CLIENT_RESIDENTS,
    A_IAT_LIST,
    A_IAT_FIND,
    A_ADMIN_ROWS,
    A__END
};
_Static_assert(A__END <= 160, "statements 128-159 (store_org.c has 160-191)");

/* The SQL text is laid out by hand. */
/* clang-format off */
#define EPOCH(col) "floor(extract(epoch from " col "))::bigint"
#define SESSION_COLS "sid, resident_id, acr, amr, " EPOCH("auth_time") ", " EPOCH("expires_at")
#define IAT_COLS "id, organisation, tier, max_uses, uses, " EPOCH("expires_at") ", " EPOCH("created_at") ", " \
                 "coalesce(" EPOCH("revoked_at") ", 0)"
#define LEDGER_COLS "seq, (extract(epoch from at) * 1000000)::bigint, resident_id, client_id, action, claims, actor, " \
                    "purpose, hash_version, prev_hash, row_hash, coalesce(authorization_details, '')"

static const idp_pg_stmt_t stmts[IDP_PG_MAX_STMTS] = {
    [A_CONSENTS] = {"consents",
                    "SELECT client_id, string_agg(claim, ' ' ORDER BY claim), " EPOCH("min(granted_at)") ", "
                    EPOCH("min(expires_at)") " FROM consents WHERE resident_id = $1 AND expires_at > now() "
                    "GROUP BY client_id ORDER BY client_id"},
    [A_CONSENT_DELETE] = {"consent_delete",
                          "DELETE FROM consents WHERE resident_id = $1 AND client_id = $2 AND ($3::text IS NULL OR claim = $3) "
                          "RETURNING claim"},
    [A_LEDGER_LOCK] = {"ledger_lock_a", IDP_PG_LEDGER_LOCK},
    [A_LEDGER_APPEND] = {"ledger_append_a", IDP_PG_LEDGER_APPEND},
    /* every grant of this resident to this client, with its tokens */
    [A_GRANTS_REVOKE] = {"grants_revoke_client",
                         "WITH g AS (UPDATE grants SET revoked_at = coalesce(revoked_at, now()) "
                         "WHERE resident_id = $1 AND client_id = $2 RETURNING id), "
                         "a AS (UPDATE access_tokens SET revoked_at = coalesce(revoked_at, now()) "
                         "WHERE grant_id IN (SELECT id FROM g) RETURNING 1), "
                         "r AS (UPDATE refresh_tokens SET used_at = coalesce(used_at, now()) "
                         "WHERE grant_id IN (SELECT id FROM g) RETURNING 1) SELECT count(*) FROM g"},
    [A_RELEASE] = {"release_insert", "INSERT INTO releases (resident_id, client_id, via, claims) VALUES ($1, $2, $3, $4)"},
    [A_RELEASES] = {"releases",
                    "SELECT client_id, via, claims, " EPOCH("at") " FROM releases WHERE resident_id = $1 "
                    "ORDER BY at DESC, id DESC LIMIT $2::int"},
    /* The data key, the sealed values in the order of idp_pg_sealed_household's columns, updated_at. */
    [A_HOUSEHOLD_GET] = {"household_get",
                         "SELECT data_key_id, school_district, area, children, " EPOCH("updated_at")
                         " FROM household_attributes WHERE resident_id = $1"},
    /* Sealed values ($3-$5, store_sealed.c) under data key $2, while it is the active one (else no row). */
    [A_HOUSEHOLD_PUT] = {"household_put",
                         "INSERT INTO household_attributes (resident_id, data_key_id, school_district, area, children) "
                         "SELECT $1, k.id, $3::bytea, $4::bytea, $5::bytea FROM data_keys k "
                         "WHERE k.id = $2::int AND k.state = 'active' FOR SHARE "
                         "ON CONFLICT (resident_id) DO UPDATE SET data_key_id = excluded.data_key_id, "
                         "school_district = excluded.school_district, area = excluded.area, "
                         "children = excluded.children, updated_at = now()"},
    [A_SESSIONS] = {"sessions_list",
                    "SELECT " SESSION_COLS " FROM sessions WHERE resident_id = $1 AND ended_at IS NULL "
                    "AND expires_at > now() ORDER BY auth_time DESC"},
    [A_SESSION_END_SID] = {"session_end_sid",
                           "UPDATE sessions SET ended_at = now() WHERE resident_id = $1 AND sid = $2 AND ended_at IS NULL"},
    [A_SESSION_END] = {"session_end_hash",
                       "UPDATE sessions SET ended_at = now() WHERE id_hash = $1::bytea AND ended_at IS NULL "
                       "AND expires_at > now() RETURNING " SESSION_COLS},
    [A_SESSION_CLIENTS] = {"session_clients", "SELECT DISTINCT client_id FROM grants WHERE sid = $1 ORDER BY 1"},
    [A_DELIVERY_INSERT] = {"delivery_insert",
                           "INSERT INTO logout_deliveries (client_id, uri, logout_token) VALUES ($1, $2, $3)"},
    /* a lease: due rows move their next attempt into the future while this node tries them */
    [A_DELIVERY_DUE] = {"delivery_due",
                        "UPDATE logout_deliveries SET next_attempt_at = now() + make_interval(secs => $2::int) "
                        "WHERE id IN (SELECT id FROM logout_deliveries WHERE delivered_at IS NULL AND gave_up_at IS NULL "
                        "AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT $1::int FOR UPDATE SKIP LOCKED) "
                        "RETURNING id, client_id, uri, logout_token, attempts"},
    /* the partial index logout_deliveries_due (migration 0005) holds exactly these rows */
    [A_DELIVERY_PENDING] = {"delivery_pending",
                            "SELECT count(*), coalesce(extract(epoch from now() - min(created_at))::bigint, 0) "
                            "FROM logout_deliveries WHERE delivered_at IS NULL AND gave_up_at IS NULL"},
    [A_DELIVERY_DONE] = {"delivery_done",
                         "UPDATE logout_deliveries SET delivered_at = now(), attempts = attempts + 1, last_error = NULL "
                         "WHERE id = $1::bigint"},
    [A_DELIVERY_FAIL] = {"delivery_fail",
                         "UPDATE logout_deliveries SET attempts = attempts + 1, last_error = $2, "
                         "next_attempt_at = now() + make_interval(secs => greatest($3::int, 0)), "
                         "gave_up_at = CASE WHEN $3::int < 0 THEN now() END WHERE id = $1::bigint"},
    [A_LEDGER_ALL] = {"ledger_all", "SELECT " LEDGER_COLS " FROM consent_ledger ORDER BY seq"},
    [A_LEDGER_RESIDENT] = {"ledger_resident", "SELECT " LEDGER_COLS " FROM consent_ledger WHERE resident_id = $1 ORDER BY seq"},
    [A_AUDIT_LIST] = {"audit_list",
                      "SELECT id, " EPOCH("at") ", event, coalesce(resident_id, ''), detail::text FROM audit_events "
                      "WHERE ($1::text IS NULL OR event = $1) AND ($2::text IS NULL OR resident_id = $2) "
                      "AND at >= to_timestamp($3::bigint) ORDER BY at DESC, id DESC LIMIT $4::int"},
    [A_STAT_COUNT] = {"stat_count", "SELECT sakaid_stat_bump($1, now(), $2, $3)"},
    [A_RESIDENT_STATE] = {"resident_state",
                          "SELECT locked_at IS NOT NULL, coalesce(" EPOCH("locked_at") ", 0), coalesce(locked_reason, '') "
                          "FROM residents WHERE id = $1"},
    [A_CLIENT_RESIDENTS] = {"client_residents",
                            "SELECT resident_id FROM grants WHERE client_id = $1 UNION "
                            "SELECT resident_id FROM consents WHERE client_id = $1 ORDER BY 1"},
    [A_IAT_LIST] = {"iat_list", "SELECT " IAT_COLS " FROM initial_access_tokens ORDER BY created_at DESC, id"},
    /* the token and what stops it: expired, used up (the caller maps these to store outcomes) */
    [A_IAT_FIND] = {"iat_find",
                    "SELECT " IAT_COLS ", expires_at <= now(), uses >= max_uses FROM initial_access_tokens "
                    "WHERE token_hash = $1::bytea AND revoked_at IS NULL"},
    [A_ADMIN_ROWS] = {"admin_log_rows",
                      "SELECT seq, (extract(epoch from at) * 1000000)::bigint, actor, role, action, target, "
                      "coalesce(before::text, ''), coalesce(after::text, ''), prev_hash, row_hash FROM admin_log "
                      "WHERE seq > $1::bigint ORDER BY seq LIMIT CASE WHEN $2::int > 0 THEN $2::int END"},
    [A_STATS] = {"client_stats",
                 "SELECT day::text, metric, code, sum(count)::bigint FROM client_stats_daily WHERE client_id = $1 "
                 "AND day BETWEEN $2::date AND $3::date GROUP BY day, metric, code ORDER BY day, metric, code"},
};
/* clang-format on */

/* Runs @p stmt and hands each row to @p row (for lists); *n rows into a calloc'ed array of @p size. */
static idp_err_t list(idp_store_t *s, int stmt, int nv, const char *const *v, size_t size, void **rows, size_t *n,
                      void (*row)(PGresult *r, int i, void *out))
{
    idp_err_t ret;
    PGresult *r = idp_pg_run(s, stmts, stmt, nv, v, NULL, NULL, &ret);
    *rows = NULL;
    *n = 0;
    if (r == NULL)
        return ret;
    int nt = PQntuples(r);
    char *out = calloc((size_t)nt + 1, size);
    if (out == NULL) {
        PQclear(r);
        return IDP_E_NOMEM;
    }
    for (int i = 0; i < nt; i++)
        row(r, i, out + (size_t)i * size);
    *rows = out;
    *n = (size_t)nt;
    PQclear(r);
    return IDP_OK;
}

/* ---- consents ---------------------------------------------------------------- */

static void consent_row(PGresult *r, int i, void *out)
{
    idp_store_consent_t *c = out;
    copy_field(c->client_id, sizeof(c->client_id), PQgetvalue(r, i, 0));
    copy_field(c->claims, sizeof(c->claims), PQgetvalue(r, i, 1));
    c->granted_at = atoll_checked(PQgetvalue(r, i, 2));
    c->expires_at = atoll_checked(PQgetvalue(r, i, 3));
}

idp_err_t idp_pg_consents_list(idp_store_t *s, const char *resident_id, idp_store_consent_t **rows, size_t *n)
{
    const char *v[] = {resident_id};
    return list(s, A_CONSENTS, 1, v, sizeof(**rows), (void **)rows, n, consent_row);
}

idp_err_t idp_pg_consent_revoke(idp_store_t *s, const char *resident_id, const char *client_id, const char *claim,
                                const char *actor)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    PGresult *r = NULL;
    char claims[1024] = "";
    if ((ret = idp_pg_begin(s, &c, "BEGIN")) != IDP_OK)
        return ret;
    const char *dv[] = {resident_id, client_id, claim};
    if ((r = idp_pg_exec(c, stmts, A_CONSENT_DELETE, 3, dv, NULL, NULL, &ret)) == NULL)
        goto Exit;
    if (PQntuples(r) == 0) {
        ret = IDP_E_NOT_FOUND;
        goto Exit;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        size_t l = strlen(claims);
        snprintf(claims + l, sizeof(claims) - l, "%s%s", l ? " " : "", PQgetvalue(r, i, 0));
    }
    PQclear(r);
    r = NULL;
    const char *gv[] = {resident_id, client_id};
    if ((r = idp_pg_exec(c, stmts, A_GRANTS_REVOKE, 2, gv, NULL, NULL, &ret)) == NULL)
        goto Exit;
    PQclear(r);
    r = NULL;
    if ((r = idp_pg_exec(c, stmts, A_LEDGER_LOCK, 0, NULL, NULL, NULL, &ret)) == NULL)
        goto Exit;
    PQclear(r);
    const char *lv[] = {resident_id, client_id, "revoke", claims, actor, "", NULL};
    r = idp_pg_exec(c, stmts, A_LEDGER_APPEND, 7, lv, NULL, NULL, &ret);
Exit:
    PQclear(r);
    return idp_pg_end(s, c, ret);
}

/* ---- releases and household ------------------------------------------------------- */

idp_err_t idp_pg_release_append(idp_store_t *s, const char *resident_id, const char *client_id, const char *via,
                                const char *claims)
{
    idp_err_t ret;
    const char *v[] = {resident_id, client_id, via, claims};
    PQclear(idp_pg_run(s, stmts, A_RELEASE, 4, v, NULL, NULL, &ret));
    return ret;
}

static void release_row(PGresult *r, int i, void *out)
{
    idp_store_release_t *x = out;
    copy_field(x->client_id, sizeof(x->client_id), PQgetvalue(r, i, 0));
    copy_field(x->via, sizeof(x->via), PQgetvalue(r, i, 1));
    copy_field(x->claims, sizeof(x->claims), PQgetvalue(r, i, 2));
    x->at = atoll_checked(PQgetvalue(r, i, 3));
}

idp_err_t idp_pg_releases_list(idp_store_t *s, const char *resident_id, int limit, idp_store_release_t **rows,
                               size_t *n)
{
    char l[16];
    snprintf(l, sizeof(l), "%d", limit);
    const char *v[] = {resident_id, l};
    return list(s, A_RELEASES, 2, v, sizeof(**rows), (void **)rows, n, release_row);
}

idp_err_t idp_pg_household_get(idp_store_t *s, const char *resident_id, idp_store_household_t *out)
{
    const idp_pg_sealed_table_t *t = &idp_pg_sealed_household;
    idp_err_t ret = IDP_OK;
    const char *v[] = {resident_id};
    char *vals[IDP_PG_SEALED_MAX];
    /* A second read only when the row's key was retired between the read and the opening (sealed again meanwhile). */
    for (int attempt = 0; attempt < 2; attempt++) {
        memset(out, 0, sizeof(*out));
        PGresult *r = idp_pg_run(s, stmts, A_HOUSEHOLD_GET, 1, v, NULL, NULL, &ret);
        if (r == NULL)
            return ret;
        if (PQntuples(r) != 1) {
            PQclear(r);
            return IDP_OK; /* never set */
        }
        if ((ret = idp_pg_open_row(s, t, resident_id, r, 0, 0, 1, vals)) == IDP_OK) {
            copy_field(out->school_district, sizeof(out->school_district), vals[0]);
            copy_field(out->area, sizeof(out->area), vals[1]);
            copy_field(out->children, sizeof(out->children), vals[2]);
            out->updated_at = atoll_checked(PQgetvalue(r, 0, 1 + t->n));
            idp_pg_opened_free(vals, t->n);
        }
        PQclear(r);
        if (ret != IDP_E_NOT_FOUND)
            break;
    }
    if (ret != IDP_OK) {
        memset(out, 0, sizeof(*out));
        ret = ret == IDP_E_NOT_FOUND ? IDP_E_SERVER_ERROR : ret; /* a row under a key nobody knows */
    }
    return ret;
}

idp_err_t idp_pg_household_put(idp_store_t *s, const char *resident_id, const idp_store_household_t *h)
{
    idp_err_t ret = IDP_OK;
    idp_pg_sealed_row_t sealed;
    const char *values[] = {h->school_district, h->area, h->children};
    for (int attempt = 0; attempt < 2; attempt++) {
        if ((ret = idp_pg_seal_row(s, &idp_pg_sealed_household, resident_id, values, attempt > 0, &sealed)) != IDP_OK)
            return ret;
        const char *v[] = {resident_id, sealed.key_text, (const char *)sealed.v[0], (const char *)sealed.v[1],
                           (const char *)sealed.v[2]};
        int len[] = {0, 0, sealed.len[0], sealed.len[1], sealed.len[2]}, fmt[] = {0, 0, 1, 1, 1};
        PGresult *r = idp_pg_run(s, stmts, A_HOUSEHOLD_PUT, 5, v, len, fmt, &ret);
        int n = r ? atoi_checked(PQcmdTuples(r)) : 0;
        PQclear(r);
        idp_pg_sealed_row_free(&sealed);
        if (ret != IDP_OK || n == 1)
            return ret;
        /* No row: the data key is no longer the active one (rotated meanwhile). Reload, seal again. */
        idp_log_msg(IDP_LOG_INFO, "data_key_not_active", "data key %d was rotated: sealing again", sealed.key_id);
        ret = IDP_E_SERVER_ERROR;
    }
    return ret;
}

/* ---- sessions ------------------------------------------------------------------------ */

static void session_row(PGresult *r, int i, void *out)
{
    idp_store_session_t *x = out;
    copy_field(x->sid, sizeof(x->sid), PQgetvalue(r, i, 0));
    copy_field(x->resident_id, sizeof(x->resident_id), PQgetvalue(r, i, 1));
    copy_field(x->acr, sizeof(x->acr), PQgetvalue(r, i, 2));
    copy_field(x->amr, sizeof(x->amr), PQgetvalue(r, i, 3));
    x->auth_time = atoll_checked(PQgetvalue(r, i, 4));
    x->expires_at = atoll_checked(PQgetvalue(r, i, 5));
}

idp_err_t idp_pg_sessions_list(idp_store_t *s, const char *resident_id, idp_store_session_t **rows, size_t *n)
{
    const char *v[] = {resident_id};
    return list(s, A_SESSIONS, 1, v, sizeof(**rows), (void **)rows, n, session_row);
}

idp_err_t idp_pg_session_end_sid(idp_store_t *s, const char *resident_id, const char *sid)
{
    idp_err_t ret;
    const char *v[] = {resident_id, sid};
    PGresult *r = idp_pg_run(s, stmts, A_SESSION_END_SID, 2, v, NULL, NULL, &ret);
    return idp_pg_affected(r, ret);
}

idp_err_t idp_pg_session_end(idp_store_t *s, const unsigned char id_hash[32], idp_store_session_t *out)
{
    idp_err_t ret;
    const char *v[] = {(const char *)id_hash};
    int len[] = {32}, fmt[] = {1};
    PGresult *r = idp_pg_run(s, stmts, A_SESSION_END, 1, v, len, fmt, &ret);
    if (r && PQntuples(r) == 1)
        session_row(r, 0, out);
    else if (r)
        ret = IDP_E_NOT_FOUND;
    PQclear(r);
    return ret;
}

static void client_row(PGresult *r, int i, void *out)
{
    copy_field(out, 256, PQgetvalue(r, i, 0));
}

idp_err_t idp_pg_session_clients(idp_store_t *s, const char *sid, char (**clients)[256], size_t *n)
{
    const char *v[] = {sid};
    return list(s, A_SESSION_CLIENTS, 1, v, 256, (void **)clients, n, client_row);
}

/* ---- back-channel logout deliveries ------------------------------------------------------ */

idp_err_t idp_pg_delivery_enqueue(idp_store_t *s, const char *client_id, const char *uri, const char *token)
{
    idp_err_t ret;
    const char *v[] = {client_id, uri, token};
    PQclear(idp_pg_run(s, stmts, A_DELIVERY_INSERT, 3, v, NULL, NULL, &ret));
    return ret;
}

static void delivery_row(PGresult *r, int i, void *out)
{
    idp_store_delivery_t *d = out;
    d->id = atoll_checked(PQgetvalue(r, i, 0));
    copy_field(d->client_id, sizeof(d->client_id), PQgetvalue(r, i, 1));
    copy_field(d->uri, sizeof(d->uri), PQgetvalue(r, i, 2));
    d->logout_token = strdup(PQgetvalue(r, i, 3));
    d->attempts = atoi_checked(PQgetvalue(r, i, 4));
}

idp_err_t idp_pg_deliveries_due(idp_store_t *s, int max, int lease_seconds, idp_store_delivery_t **rows, size_t *n)
{
    char m[16], l[16];
    snprintf(m, sizeof(m), "%d", max);
    snprintf(l, sizeof(l), "%d", lease_seconds);
    const char *v[] = {m, l};
    return list(s, A_DELIVERY_DUE, 2, v, sizeof(**rows), (void **)rows, n, delivery_row);
}

idp_err_t idp_pg_deliveries_pending(idp_store_t *s, long long *count, long long *oldest_seconds)
{
    idp_err_t ret;
    PGresult *r = idp_pg_run(s, stmts, A_DELIVERY_PENDING, 0, NULL, NULL, NULL, &ret);
    *count = *oldest_seconds = 0;
    if (ret == IDP_OK && PQntuples(r) == 1) {
        *count = atoll_checked(PQgetvalue(r, 0, 0));
        *oldest_seconds = atoll_checked(PQgetvalue(r, 0, 1));
    }
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_delivery_result(idp_store_t *s, long long id, bool delivered, const char *error, int retry_seconds)
{
    idp_err_t ret;
    char ids[24], rs[16];
    snprintf(ids, sizeof(ids), "%lld", id);
    snprintf(rs, sizeof(rs), "%d", retry_seconds);
    if (delivered) {
        const char *v[] = {ids};
        PQclear(idp_pg_run(s, stmts, A_DELIVERY_DONE, 1, v, NULL, NULL, &ret));
    } else {
        const char *v[] = {ids, error ? error : "", rs};
        PQclear(idp_pg_run(s, stmts, A_DELIVERY_FAIL, 3, v, NULL, NULL, &ret));
    }
    return ret;
}

/* ---- the ledger and the audit trail -------------------------------------------------------- */

static void hash_field(PGresult *r, int i, int col, unsigned char out[32])
{
    size_t n = 0;
    unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, col), &n);
    memset(out, 0, 32);
    if (b && n == 32)
        memcpy(out, b, 32);
    PQfreemem(b);
}

static void ledger_row(PGresult *r, int i, void *out)
{
    idp_store_ledger_row_t *x = out;
    x->seq = atoll_checked(PQgetvalue(r, i, 0));
    x->at_us = atoll_checked(PQgetvalue(r, i, 1));
    x->resident_id = strdup(PQgetvalue(r, i, 2));
    x->client_id = strdup(PQgetvalue(r, i, 3));
    x->action = strdup(PQgetvalue(r, i, 4));
    x->claims = strdup(PQgetvalue(r, i, 5));
    x->actor = strdup(PQgetvalue(r, i, 6));
    x->purpose = strdup(PQgetvalue(r, i, 7));
    x->hash_version = atoi_checked(PQgetvalue(r, i, 8));
    hash_field(r, i, 9, x->prev_hash);
    hash_field(r, i, 10, x->row_hash);
    x->details = strdup(PQgetvalue(r, i, 11));
}

idp_err_t idp_pg_ledger_rows(idp_store_t *s, const char *resident_id, idp_store_ledger_row_t **rows, size_t *n)
{
    const char *v[] = {resident_id};
    return list(s, resident_id ? A_LEDGER_RESIDENT : A_LEDGER_ALL, resident_id ? 1 : 0, v, sizeof(**rows),
                (void **)rows, n, ledger_row);
}

static void audit_row(PGresult *r, int i, void *out)
{
    idp_store_audit_row_t *x = out;
    x->id = atoll_checked(PQgetvalue(r, i, 0));
    x->at = atoll_checked(PQgetvalue(r, i, 1));
    copy_field(x->event, sizeof(x->event), PQgetvalue(r, i, 2));
    copy_field(x->resident_id, sizeof(x->resident_id), PQgetvalue(r, i, 3));
    x->detail = strdup(PQgetvalue(r, i, 4));
}

idp_err_t idp_pg_audit_list(idp_store_t *s, const char *event, const char *resident_id, long long since, int limit,
                            idp_store_audit_row_t **rows, size_t *n)
{
    char sn[24], l[16];
    snprintf(sn, sizeof(sn), "%lld", since);
    snprintf(l, sizeof(l), "%d", limit);
    const char *v[] = {event, resident_id, sn, l};
    return list(s, A_AUDIT_LIST, 4, v, sizeof(**rows), (void **)rows, n, audit_row);
}

/* ---- per-client statistics (migration 0017) ------------------------------------------- */

idp_err_t idp_pg_stat_count(idp_store_t *s, const char *client_id, const char *metric, const char *code)
{
    idp_err_t ret;
    const char *v[] = {client_id, metric, code ? code : ""};
    PQclear(idp_pg_run(s, stmts, A_STAT_COUNT, 3, v, NULL, NULL, &ret));
    return ret;
}

idp_err_t idp_pg_client_stats(idp_store_t *s, const char *client_id, const char *from, const char *to,
                              idp_store_stat_t **rows, size_t *n)
{
    idp_err_t ret;
    const char *v[] = {client_id, from, to};
    PGresult *r = idp_pg_run(s, stmts, A_STATS, 3, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    int nt = PQntuples(r);
    *rows = calloc(nt ? (size_t)nt : 1, sizeof(**rows));
    if (*rows == NULL) {
        PQclear(r);
        return IDP_E_NOMEM;
    }
    for (int i = 0; i < nt; i++) {
        idp_store_stat_t *o = &(*rows)[i];
        copy_field(o->day, sizeof(o->day), PQgetvalue(r, i, 0));
        copy_field(o->metric, sizeof(o->metric), PQgetvalue(r, i, 1));
        copy_field(o->code, sizeof(o->code), PQgetvalue(r, i, 2));
        o->count = atoll_checked(PQgetvalue(r, i, 3));
    }
    *n = (size_t)nt;
    PQclear(r);
    return IDP_OK;
}

/* ---- the help desk (migration 0020) --------------------------------------------------------- */

idp_err_t idp_pg_resident_state(idp_store_t *s, const char *resident_id, bool *exists, bool *locked,
                                long long *locked_at, char reason[512])
{
    idp_err_t ret;
    const char *v[] = {resident_id};
    PGresult *r = idp_pg_run(s, stmts, A_RESIDENT_STATE, 1, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    *exists = PQntuples(r) == 1;
    *locked = *exists && !strcmp(PQgetvalue(r, 0, 0), "t");
    *locked_at = *exists ? atoll_checked(PQgetvalue(r, 0, 1)) : 0;
    copy_field(reason, 512, *exists ? PQgetvalue(r, 0, 2) : "");
    PQclear(r);
    return IDP_OK;
}

idp_err_t idp_pg_client_residents(idp_store_t *s, const char *client_id, char (**ids)[64], size_t *n)
{
    idp_err_t ret;
    const char *v[] = {client_id};
    PGresult *r = idp_pg_run(s, stmts, A_CLIENT_RESIDENTS, 1, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    return idp_pg_ids(r, ids, n);
}

/* ---- initial access tokens and the admin log, read (migrations 0015, 0016) ------------------------ */

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

idp_err_t idp_pg_iat_list(idp_store_t *s, idp_store_iat_t **rows, size_t *n)
{
    idp_err_t ret;
    PGresult *r = idp_pg_run(s, stmts, A_IAT_LIST, 0, NULL, NULL, NULL, &ret);
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

idp_err_t idp_pg_iat_find(idp_store_t *s, const unsigned char hash[32], idp_store_iat_t *out)
{
    idp_err_t ret;
    const char *v[] = {(const char *)hash};
    int len[] = {32};
    int fmt[] = {1};
    PGresult *r = idp_pg_run(s, stmts, A_IAT_FIND, 1, v, len, fmt, &ret);
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

idp_err_t idp_pg_admin_log_rows(idp_store_t *s, long long after_seq, int limit, idp_store_admin_log_row_t **rows,
                                size_t *n)
{
    idp_err_t ret;
    char after[24], lim[16];
    snprintf(after, sizeof(after), "%lld", after_seq);
    snprintf(lim, sizeof(lim), "%d", limit);
    const char *v[] = {after, lim};
    PGresult *r = idp_pg_run(s, stmts, A_ADMIN_ROWS, 2, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    int nt = PQntuples(r);
    idp_store_admin_log_row_t *out = calloc(nt ? (size_t)nt : 1, sizeof(*out));
    ret = out ? IDP_OK : IDP_E_NOMEM;
    for (int i = 0; ret == IDP_OK && i < nt; i++) {
        idp_store_admin_log_row_t *row = &out[i];
        row->seq = atoll_checked(PQgetvalue(r, i, 0));
        row->at_us = atoll_checked(PQgetvalue(r, i, 1));
        char **text[] = {&row->actor, &row->role, &row->action, &row->target, &row->before, &row->after};
        for (int k = 0; k < 6; k++)
            if ((*text[k] = strdup(PQgetvalue(r, i, 2 + k))) == NULL)
                ret = IDP_E_NOMEM;
        hash_field(r, i, 8, row->prev_hash);
        hash_field(r, i, 9, row->row_hash);
    }
    PQclear(r);
    if (ret != IDP_OK) {
        idp_store_admin_log_rows_free(out, out ? (size_t)nt : 0);
        return ret;
    }
    *rows = out;
    *n = (size_t)nt;
    return IDP_OK;
}

/*
 * Expiry sweeping (store.h, idp_store_sweep; maintenance.sweep_seconds):
 * rows that expired and that nothing reads any more are deleted, so that
 * tables and indexes stay the size of the live data. Statement indexes
 * 192-223 (pool.h).
 *
 * What goes, and when (GRACE: an hour after the row stopped being live):
 *  - access_tokens past expires_at: introspection already answers inactive;
 *  - authorization_codes past expires_at (at most tokens.code_ttl_seconds,
 *    <= 10 min): a late second redemption within the grace still finds the
 *    used code and revokes its family (RFC 6749 §4.1.2);
 *  - client_assertion_jtis past expires_at, which is the assertion's own exp:
 *    an assertion past its exp is refused before its jti is looked at, and
 *    the jti upsert already lets a jti back after that (RFC 7523 §3 item 7);
 *  - login_transactions past expires_at, and with them (ON DELETE CASCADE)
 *    their card_challenges, which never outlive their transaction by more
 *    than jpki.challenge_seconds (<= 10 min);
 *  - sessions that expired or ended; their grants without offline_access
 *    (OpenID Connect Core §11) are revoked in the same statement (they
 *    stopped working when the session ended: GRANT_LIVE in store_flow.c),
 *    so that they go an hour later like any revoked grant;
 *  - grants that expired or were revoked, once nothing issued from them is
 *    live (no access token or code past the grace) and their browser session
 *    is gone (a live session's logout still sends Back-Channel Logout to the
 *    grant's client, logout.c); with them (cascade) their refresh tokens:
 *    reuse detection (RFC 9700 §4.14.2) needs the spent ones exactly as long
 *    as the grant can issue anything, so they never go on their own;
 *  - logout_deliveries delivered or given up a week ago (pending ones stay).
 * Never: consent_ledger (append-only, hash-chained), consents, releases,
 * audit_events, residents and their credentials and attributes, clients,
 * signing keys, upstreams.
 *
 * Each batch is one statement, so one short transaction: it picks at most
 * BATCH rows oldest first through an index, locking them FOR UPDATE SKIP
 * LOCKED so that several nodes sweeping at once take different rows and a
 * request holding a row is never waited for; then deletes them by ctid.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "store/pg/internal.h"

enum {
    W_ACCESS_TOKENS = 192,
    W_CODES,
    W_JTIS,
    W_LOGIN_TX,
    W_SESSIONS_EXPIRED,
    W_SESSIONS_ENDED,
    W_GRANTS_EXPIRED,
    W_GRANTS_REVOKED,
    W_DELIVERIES,
    W_PUSHED,
    W__END
};

#define BATCH 2000
#define GRANT_BATCH 500 /* each grant takes its refresh tokens with it */
#define BUDGET_MS 1000  /* per call: the rest waits for the next tick */

/* The SQL text is laid out by hand. */
/* clang-format off */
#define GRACE "(now() - interval '1 hour')"
#define DELIVERY_KEEP "(now() - interval '7 days')"

/* Deletes the rows of @p table whose ctid the locking SELECT @p pick returns, as d (with their @p id). */
#define DELETE_PICKED(table, pick) DELETE_PICKED_ID(table, pick, "1")
#define DELETE_PICKED_ID(table, pick, id) \
    "WITH d AS (DELETE FROM " table " WHERE ctid = ANY(ARRAY(" pick ")) RETURNING " id " AS id) "
/* Nothing issued from grant g is live, and its browser session is gone. */
#define GRANT_DONE                                                                                                \
    "NOT EXISTS (SELECT 1 FROM access_tokens a WHERE a.grant_id = g.id AND a.expires_at >= " GRACE ") "        \
    "AND NOT EXISTS (SELECT 1 FROM authorization_codes c WHERE c.grant_id = g.id AND c.expires_at >= " GRACE ") " \
    "AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.sid = g.sid AND s.expires_at >= " GRACE " "                \
    "AND (s.ended_at IS NULL OR s.ended_at >= " GRACE "))"
/* Counted separately: the refresh tokens that go with the deleted grants (the cascade runs after this query). */
#define GRANT_COUNT "SELECT count(*), (SELECT count(*) FROM refresh_tokens r WHERE r.grant_id IN (SELECT id FROM d)) FROM d"
#define COUNT "SELECT count(*), 0 FROM d"
/* The oldest BATCH rows of @p table whose @p col is past the grace, locked, as the rows to delete. */
#define PICK_PAST(table, col, grace)                                                                              \
    "SELECT ctid FROM " table " WHERE " col " < " grace " ORDER BY " col " LIMIT $1::int FOR UPDATE SKIP LOCKED"
/* Deletes what PICK_PAST picks and counts it. */
#define SWEEP_PAST(table, col) DELETE_PICKED(table, PICK_PAST(table, col, GRACE)) COUNT

/* Sessions past @p col, and the session-bound grants they leave behind (revoked, counted third). */
#define SWEEP_SESSIONS(col)                                                                                      \
    DELETE_PICKED_ID("sessions", PICK_PAST("sessions", col, GRACE), "sid")                                        \
    ", r AS (UPDATE grants SET revoked_at = now() WHERE sid IN (SELECT id FROM d) AND NOT offline "              \
    "AND revoked_at IS NULL RETURNING 1) SELECT count(*), 0, (SELECT count(*) FROM r) FROM d"

/* Every statement answers one row: rows deleted, rows that went with them by cascade, and (sessions) the
 * grants that ended with them. */
static const idp_pg_stmt_t stmts[IDP_PG_MAX_STMTS] = {
    [W_ACCESS_TOKENS] = {"sweep_access_tokens", SWEEP_PAST("access_tokens", "expires_at")},
    [W_CODES] = {"sweep_codes", SWEEP_PAST("authorization_codes", "expires_at")},
    [W_JTIS] = {"sweep_assertion_jtis", SWEEP_PAST("client_assertion_jtis", "expires_at")},
    [W_PUSHED] = {"sweep_pushed_requests", SWEEP_PAST("pushed_requests", "expires_at")},
    [W_LOGIN_TX] = {"sweep_login_tx",
                    DELETE_PICKED_ID("login_transactions", PICK_PAST("login_transactions", "expires_at", GRACE), "id")
                    "SELECT count(*), (SELECT count(*) FROM card_challenges c WHERE c.login_tx IN (SELECT id FROM d)) "
                    "FROM d"},
    [W_SESSIONS_EXPIRED] = {"sweep_sessions_expired", SWEEP_SESSIONS("expires_at")},
    [W_SESSIONS_ENDED] = {"sweep_sessions_ended", SWEEP_SESSIONS("ended_at")},
    [W_GRANTS_EXPIRED] = {"sweep_grants_expired",
                          DELETE_PICKED_ID("grants", "SELECT g.ctid FROM grants g WHERE g.expires_at < " GRACE " AND " GRANT_DONE
                                           " ORDER BY g.expires_at LIMIT $1::int FOR UPDATE OF g SKIP LOCKED", "id")
                              GRANT_COUNT},
    [W_GRANTS_REVOKED] = {"sweep_grants_revoked",
                          DELETE_PICKED_ID("grants", "SELECT g.ctid FROM grants g WHERE g.revoked_at < " GRACE " AND " GRANT_DONE
                                           " ORDER BY g.revoked_at LIMIT $1::int FOR UPDATE OF g SKIP LOCKED", "id")
                              GRANT_COUNT},
    [W_DELIVERIES] = {"sweep_logout_deliveries",
                      DELETE_PICKED("logout_deliveries",
                                    "SELECT ctid FROM logout_deliveries WHERE (delivered_at IS NOT NULL OR gave_up_at IS NOT NULL) "
                                    "AND coalesce(delivered_at, gave_up_at) < " DELIVERY_KEEP
                                    " ORDER BY coalesce(delivered_at, gave_up_at) LIMIT $1::int FOR UPDATE SKIP LOCKED") COUNT},
};
/* clang-format on */

/* The sweep in order (sessions before grants: a grant may go once its session went) and the names it logs. */
static const struct {
    int stmt, batch;
    const char *name, *cascade; /* log fields: rows, and rows that went with them */
} steps[] = {
    {W_ACCESS_TOKENS, BATCH, "access_tokens", NULL},
    {W_CODES, BATCH, "authorization_codes", NULL},
    {W_JTIS, BATCH, "client_assertion_jtis", NULL},
    {W_PUSHED, BATCH, "pushed_requests", NULL},
    {W_LOGIN_TX, BATCH, "login_transactions", "card_challenges"},
    {W_SESSIONS_EXPIRED, BATCH, "sessions", NULL},
    {W_SESSIONS_ENDED, BATCH, "sessions", NULL},
    {W_GRANTS_EXPIRED, GRANT_BATCH, "grants", "refresh_tokens"},
    {W_GRANTS_REVOKED, GRANT_BATCH, "grants", "refresh_tokens"},
    {W_DELIVERIES, BATCH, "logout_deliveries", NULL},
};
#define NSTEPS (sizeof(steps) / sizeof(steps[0]))

static long long ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)(t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Adds @p n to the count of log field @p name. */
static void tally(const char *names[], long long counts[], size_t *nnames, const char *name, long long n)
{
    size_t i = 0;
    while (i < *nnames && strcmp(names[i], name) != 0)
        i++;
    if (i == *nnames) {
        names[i] = name;
        counts[i] = 0;
        (*nnames)++;
    }
    counts[i] += n;
}

idp_err_t idp_pg_sweep(idp_store_t *s, long long *deleted)
{
    idp_err_t ret = IDP_OK;
    struct timespec t0;
    bool done[NSTEPS] = {false};
    size_t left = NSTEPS, nnames = 0;
    const char *names[2 * NSTEPS];
    long long counts[2 * NSTEPS], total = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    /* Round robin, one batch per table per round, so that a backlog in one table starves no other. */
    while (left > 0 && ret == IDP_OK && ms_since(&t0) < BUDGET_MS) {
        for (size_t i = 0; i < NSTEPS && ret == IDP_OK; i++) {
            if (done[i])
                continue;
            char limit[16];
            snprintf(limit, sizeof(limit), "%d", steps[i].batch);
            const char *v[] = {limit};
            PGresult *r = idp_pg_run(s, stmts, steps[i].stmt, 1, v, NULL, NULL, &ret);
            if (r == NULL)
                break;
            long long n = PQntuples(r) == 1 ? atoll_checked(PQgetvalue(r, 0, 0)) : 0;
            long long m = PQntuples(r) == 1 ? atoll_checked(PQgetvalue(r, 0, 1)) : 0;
            long long ended = PQntuples(r) == 1 && PQnfields(r) > 2 ? atoll_checked(PQgetvalue(r, 0, 2)) : 0;
            PQclear(r);
            if (ended > 0) /* revoked, not deleted: not part of the total */
                tally(names, counts, &nnames, "grants_ended", ended);
            if (n > 0)
                tally(names, counts, &nnames, steps[i].name, n);
            if (m > 0 && steps[i].cascade)
                tally(names, counts, &nnames, steps[i].cascade, m);
            total += n + m;
            if (n < steps[i].batch) {
                done[i] = true;
                left--;
            }
        }
    }

    if (total > 0 || ret != IDP_OK) {
        idp_log_t l;
        idp_log_begin(&l, ret == IDP_OK ? IDP_LOG_INFO : IDP_LOG_WARN, "sweep");
        for (size_t i = 0; i < nnames; i++)
            idp_log_int(&l, names[i], counts[i]);
        idp_log_int(&l, "deleted", total);
        idp_log_int(&l, "ms", ms_since(&t0));
        if (left > 0 && ret == IDP_OK)
            idp_log_str(&l, "more", "time budget used up; the rest goes next time");
        if (ret != IDP_OK)
            idp_log_str(&l, "error", idp_err_code(ret));
        idp_log_end(&l);
    }
    if (deleted)
        *deleted = total;
    return ret;
}

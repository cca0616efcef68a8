/*
 * The PostgreSQL store for the authorization code flow (store.h, "the
 * authorization code flow"): sessions, consents and the consent ledger,
 * grants with their codes, access and refresh tokens, client-assertion ids.
 * Statement indexes 64-127 (pool.h); store_pg.c has 0-63.
 */
#include <semaphore.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "store/pg/internal.h"

enum {
    F_TX_DELETE = 64,
    F_SESSION_GET,
    F_SESSION_ROTATE,
    F_SESSION_END,
    F_SESSION_INSERT,
    F_CONSENT_GET,
    F_CONSENT_UPSERT,
    F_LEDGER_LOCK,
    F_LEDGER_APPEND,
    F_GRANT_CODE_INSERT,
    F_CODE_CHECK,
    F_CODE_TAKE,
    F_GRANT_REVOKE,
    F_REFRESH_TAKE,
    F_REFRESH_GET,
    F_AT_INSERT,
    F_AT_GET,
    F_AT_REVOKE,
    F_GRANT_GET,
    F_ATTRS_GET,
    F_JTI_USE,
    F_CODE_SPEND,
    F_PAR_PUT,
    F_PAR_TAKE,
    F_SESSION_AUTHZ,
    F_CODE_EXCHANGE,
    F_REFRESH_SPEND,
    F__END
};

/* The SQL text is laid out by hand. */
/* clang-format off */
#define EPOCH(col) "floor(extract(epoch from " col "))::bigint"
#define SESSION_COLS "sid, resident_id, acr, amr, " EPOCH("auth_time") ", " EPOCH("expires_at")
/* A live session by its cookie's hash ($1), and a resident's live consents to the client $2, space-separated. */
#define SESSION_LIVE "id_hash = $1::bytea AND ended_at IS NULL AND expires_at > now()"
#define CONSENTED(resident) "SELECT coalesce(string_agg(claim, ' ' ORDER BY claim), '') FROM consents " \
                            "WHERE resident_id = " resident " AND client_id = $2 AND expires_at > now()"
/* Read by grant_from_row(); GRANT_NCOLS columns, and a statement's own columns follow. */
#define GRANT_COLS "g.id, g.client_id, g.resident_id, coalesce(g.sid, ''), g.scope, g.claims, g.acr, g.amr, " \
                   EPOCH("g.auth_time") ", g.id_token_claims, g.offline, coalesce(g.dpop_jkt, ''), " \
                   "coalesce(g.authorization_details, ''), coalesce(g.subject, '')"
#define GRANT_NCOLS 14
/* Live: not revoked, not expired, and (OpenID Connect Core §11) unless it has offline_access, its browser
 * session is live too: logout, session expiry and signing the session out end the grant's tokens. */
#define GRANT_LIVE                                                                                                 \
    "(g.revoked_at IS NULL AND g.expires_at > now() AND (g.offline OR EXISTS (SELECT 1 FROM sessions s "           \
    "WHERE s.sid = g.sid AND s.ended_at IS NULL AND s.expires_at > now())))"

static const idp_pg_stmt_t stmts[IDP_PG_MAX_STMTS] = {
    [F_TX_DELETE] = {"tx_delete", "DELETE FROM login_transactions WHERE id = $1"},
    [F_SESSION_GET] = {"session_get", "SELECT " SESSION_COLS " FROM sessions WHERE " SESSION_LIVE},
    /* A new sign-in by the same resident: new cookie, new auth_time, same sid (session fixation). */
    [F_SESSION_ROTATE] = {"session_rotate",
                          "UPDATE sessions SET id_hash = $2::bytea, acr = $4, amr = $5, auth_time = to_timestamp($8), "
                          "expires_at = now() + make_interval(secs => $6::int), credential = $7 "
                          "WHERE id_hash = $1::bytea AND resident_id = $3 AND ended_at IS NULL AND expires_at > now() "
                          "RETURNING " SESSION_COLS},
    [F_SESSION_END] = {"session_end", "UPDATE sessions SET ended_at = now() WHERE id_hash = $1::bytea AND ended_at IS NULL"},
    [F_SESSION_INSERT] = {"session_insert",
                          "INSERT INTO sessions (id_hash, sid, resident_id, acr, amr, auth_time, expires_at, credential) "
                          "VALUES ($1::bytea, $2, $3, $4, $5, to_timestamp($8), now() + make_interval(secs => $6::int), $7) "
                          "RETURNING " SESSION_COLS},
    [F_CONSENT_GET] = {"consent_get", CONSENTED("$1")},
    /* An authorization request's three reads in one round trip (idp_store_session_authz): the session as
     * session_get, whether attrs_get would find a row, and consent_get for the client ($2). */
    [F_SESSION_AUTHZ] = {"session_authz",
                         "SELECT " SESSION_COLS ", EXISTS (SELECT 1 FROM resident_attributes a "
                         "WHERE a.resident_id = s.resident_id), (" CONSENTED("s.resident_id") ") "
                         "FROM sessions s WHERE " SESSION_LIVE},
    [F_CONSENT_UPSERT] = {"consent_upsert",
                          "INSERT INTO consents (resident_id, client_id, claim, expires_at) "
                          "SELECT $1, $2, c, now() + make_interval(secs => $4::int) "
                          "FROM unnest(string_to_array($3, ' ')) AS c WHERE c <> '' "
                          "ON CONFLICT (resident_id, client_id, claim) DO UPDATE SET granted_at = now(), "
                          "expires_at = excluded.expires_at"},
    /* One writer at a time, so that each row chains to the one before it. */
    [F_LEDGER_LOCK] = {"ledger_lock", IDP_PG_LEDGER_LOCK},
    [F_LEDGER_APPEND] = {"ledger_append", IDP_PG_LEDGER_APPEND},
    /* A grant and its code: one statement, one commit (the code's foreign key is checked at its end).
     * Its commit does not wait for the WAL flush (set_config local: this statement's own transaction, so it is
     * never run inside another; PostgreSQL §30.4 "Asynchronous Commit"). A crash that loses the row loses only
     * a code not yet redeemed: its redemption answers invalid_grant and the resident signs in to the service
     * again. Nothing is issued from a lost code, and nothing can be replayed: the redemption that spends it
     * commits synchronously, and that flush covers this earlier record (WAL is written in order). Keycloak keeps
     * its codes in memory alone. docs/architecture.md "State". */
    [F_GRANT_CODE_INSERT] = {"grant_code_insert",
                        "WITH quick AS (SELECT set_config('synchronous_commit', 'off', true)), "
                        "g AS (INSERT INTO grants (id, client_id, resident_id, sid, scope, claims, acr, amr, auth_time, "
                        "expires_at, id_token_claims, offline, dpop_jkt, authorization_details, subject) VALUES ($1, $2, $3, "
                        "nullif($4, ''), $5, $6, $7, $8, to_timestamp($9), now() + make_interval(secs => $10::int), $16, "
                        "$17::boolean, nullif($18, ''), nullif($19, ''), nullif($20, '')) "
                        "RETURNING id) "
                        "INSERT INTO authorization_codes (code_hash, grant_id, redirect_uri, nonce, code_challenge, expires_at) "
                        "SELECT $11::bytea, g.id, $12, nullif($13, ''), nullif($14, ''), now() + make_interval(secs => $15::int) "
                        "FROM g, quick"},
    /* The usual redemption in one statement: an unused, unexpired code of a live grant is spent, and only by
     * its own client, for its redirect URI, with its PKCE verifier (RFC 6749 §4.1.3, RFC 7636 §4.6): $4 is
     * S256 of the verifier presented, '' for none, which matches only a code issued without a challenge. */
    /* The usual redemption's check: spendable, and presented by its own client, redirect URI and verifier.
     * Whose it is comes back as a column, not a condition: as a condition, a plan cached while grants was
     * empty (a new database) reached the grant through grants_client, reading every grant of the client on
     * each redemption, slower with each code (docs/performance.md, 2026-12-07 third session). */
    [F_CODE_CHECK] = {"code_check",
                       "SELECT " GRANT_COLS ", c.redirect_uri, coalesce(c.nonce, ''), coalesce(c.code_challenge, ''), "
                       "g.client_id = $2 FROM authorization_codes c JOIN grants g ON g.id = c.grant_id "
                       "WHERE c.code_hash = $1::bytea AND c.used_at IS NULL AND c.expires_at > now() AND " GRANT_LIVE " "
                       "AND c.redirect_uri = $3 AND coalesce(c.code_challenge, '') = $4"},
    /* Why a code was not spent, under its row lock: used before, live, and whose it is. */
    [F_CODE_TAKE] = {"code_take",
                     "SELECT " GRANT_COLS ", c.redirect_uri, coalesce(c.nonce, ''), coalesce(c.code_challenge, ''), "
                     "c.used_at IS NOT NULL, c.expires_at > now() AND " GRANT_LIVE ", g.client_id = $2, "
                     "c.redirect_uri = $3, coalesce(c.code_challenge, '') = $4 FROM authorization_codes c "
                     "JOIN grants g ON g.id = c.grant_id WHERE c.code_hash = $1::bytea FOR UPDATE OF c"},
    /* The family: the grant, its access tokens and its refresh tokens (data-modifying CTEs all run). */
    [F_GRANT_REVOKE] = {"grant_revoke",
                        "WITH g AS (UPDATE grants SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING id), "
                        "a AS (UPDATE access_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE grant_id = $1 "
                        "RETURNING 1), r AS (UPDATE refresh_tokens SET used_at = coalesce(used_at, now()) "
                        "WHERE grant_id = $1 RETURNING 1) SELECT count(*) FROM g"},
    [F_REFRESH_TAKE] = {"refresh_take",
                        "SELECT g.id, g.client_id = $2, r.used_at IS NOT NULL, " GRANT_LIVE " FROM refresh_tokens r "
                        "JOIN grants g ON g.id = r.grant_id WHERE r.token_hash = $1::bytea FOR UPDATE OF r"},
    /* A refresh's rows in one statement: the old token ($1) is spent, the new one ($2 NULL: none) joins the
     * family, the access token's jti, and the release row ($8 ''), only if the old token is unspent, its client's
     * ($4) and its grant live (RFC 6749 §6), the grant reached by its key as in F_CODE_EXCHANGE. Nothing spent:
     * idp_pg_refresh_exchange's transaction says why. */
    [F_REFRESH_SPEND] = {"refresh_spend",
                         "WITH u AS (UPDATE refresh_tokens r SET used_at = now() FROM grants g "
                         "WHERE g.id = (SELECT grant_id FROM refresh_tokens WHERE token_hash = $1::bytea) "
                         "AND r.token_hash = $1::bytea AND r.grant_id = g.id AND r.used_at IS NULL "
                         "AND (g.client_id = $4) IS TRUE AND " GRANT_LIVE " RETURNING r.grant_id, g.resident_id), "
                         "n AS (INSERT INTO refresh_tokens (token_hash, grant_id) SELECT $2::bytea, grant_id FROM u "
                         "WHERE $2::bytea IS NOT NULL), "
                         "a AS (INSERT INTO access_tokens (jti, client_id, subject, scope, expires_at, grant_id) "
                         "SELECT $3, $4, $5, $6, to_timestamp($7), grant_id FROM u), "
                         "l AS (INSERT INTO releases (resident_id, client_id, via, claims) "
                         "SELECT resident_id, $4, 'token', $8 FROM u WHERE $8 <> '') "
                         "SELECT count(*) FROM u"},
    [F_REFRESH_GET] = {"refresh_get",
                       "SELECT " GRANT_COLS ", r.used_at IS NULL AND " GRANT_LIVE ", " EPOCH("r.issued_at") ", "
                       EPOCH("g.expires_at") ", r.used_at IS NOT NULL FROM refresh_tokens r "
                       "JOIN grants g ON g.id = r.grant_id WHERE r.token_hash = $1::bytea"},
    /* A batch of rows (group commit, below): one array per column, one statement, one commit. */
    [F_AT_INSERT] = {"at_insert",
                     "INSERT INTO access_tokens (jti, client_id, subject, scope, expires_at, grant_id) "
                     "SELECT t.jti, t.client_id, t.subject, t.scope, to_timestamp(t.exp), t.grant_id "
                     "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[]) "
                     "AS t (jti, client_id, subject, scope, exp, grant_id)"},
    [F_AT_GET] = {"at_get",
                  "SELECT a.client_id, a.subject, a.scope, coalesce(a.grant_id, ''), " EPOCH("a.issued_at") ", "
                  EPOCH("a.expires_at") ", a.revoked_at IS NULL AND a.expires_at > now() AND (g.id IS NULL OR " GRANT_LIVE
                  ") FROM access_tokens a LEFT JOIN grants g ON g.id = a.grant_id WHERE a.jti = $1"},
    [F_AT_REVOKE] = {"at_revoke", "UPDATE access_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE jti = $1"},
    [F_GRANT_GET] = {"grant_get", "SELECT " GRANT_COLS ", " GRANT_LIVE " FROM grants g WHERE g.id = $1"},
    /* The data key, the sealed values in the order of idp_pg_sealed_resident_attrs' columns, verified_at. */
    [F_ATTRS_GET] = {"attrs_get",
                     "SELECT data_key_id, name, name_alt, gender, birth_date, address, address_alt, sakai_resident, "
                     "sakai_ward, gender_raw, birth_date_raw, " EPOCH("verified_at")
                     ", coalesce(evidence_upstream, ''), coalesce(evidence_issuer, ''), coalesce(evidence_subject, ''), "
                     "coalesce(evidence_assurance, '')"
                     " FROM resident_attributes WHERE resident_id = $1"},
    /* A jti may come back only after its earlier use expired. */
    /* A code's token response: refresh token ($1 NULL: none), access token, the resident's release row. */
    /* A redemption's one commit: the code ($9) is spent only if it still can be, and then, in the same
     * statement, the refresh token ($1 NULL: none), the access token's jti and the release row. */
    [F_CODE_SPEND] = {"code_spend",
                      "WITH u AS (UPDATE authorization_codes c SET used_at = now() FROM grants g "
                      "WHERE c.code_hash = $9::bytea AND g.id = c.grant_id AND g.id = $2::text AND c.used_at IS NULL "
                      "AND c.expires_at > now() AND " GRANT_LIVE " RETURNING g.id, g.resident_id), "
                      "r AS (INSERT INTO refresh_tokens (token_hash, grant_id) SELECT $1::bytea, id FROM u "
                      "WHERE $1::bytea IS NOT NULL), "
                      "a AS (INSERT INTO access_tokens (jti, client_id, subject, scope, expires_at, grant_id) "
                      "SELECT $3, $4, $5, $6, to_timestamp($7), id FROM u), "
                      "l AS (INSERT INTO releases (resident_id, client_id, via, claims) "
                      "SELECT resident_id, $4, 'token', $8 FROM u), "
                      /* RFC 9449 §5: a grant not yet bound is bound to the proof's key ($10 '': none) */
                      "d AS (UPDATE grants SET dpop_jkt = $10 FROM u WHERE grants.id = u.id AND $10 <> '' "
                      "AND grants.dpop_jkt IS NULL) SELECT count(*) FROM u"},
    /* The usual redemption in one statement, before the signatures (idp_store_code_exchange): the code ($1) is
     * spent only by its own client ($2), for its redirect URI ($3), with its PKCE verifier ($4: S256 of it, '' for
     * none; RFC 6749 §4.1.3, RFC 7636 §4.6), by a proof of the key it is bound to, if any ($5: the proof's
     * thumbprint, '' for none; RFC 9449 §10), while it is unspent and unexpired and its grant live; and only when
     * the grant has its subject and asks for no claims in the ID token (those need the resident's attributes
     * first). With it, as code_spend: the refresh token ($6 NULL: none), the access token's jti ($7) with the
     * grant's subject and scope, the release row, the DPoP binding. The grant is reached by its key (the scalar
     * subquery), never through grants_client (F_CODE_CHECK's comment): its client is compared as "IS TRUE", which
     * no index can answer, so that a plan made while grants was empty cannot go through the client's grants
     * (integ_flow counts the rows its indexes read). */
    [F_CODE_EXCHANGE] = {"code_exchange",
                         "WITH u AS (UPDATE authorization_codes c SET used_at = now() FROM grants g "
                         "WHERE g.id = (SELECT grant_id FROM authorization_codes WHERE code_hash = $1::bytea) "
                         "AND c.code_hash = $1::bytea AND c.grant_id = g.id AND c.used_at IS NULL "
                         "AND c.expires_at > now() AND " GRANT_LIVE " AND (g.client_id = $2) IS TRUE AND c.redirect_uri = $3 "
                         "AND coalesce(c.code_challenge, '') = $4 AND coalesce(g.dpop_jkt, $5) = $5 "
                         "AND g.subject IS NOT NULL AND g.id_token_claims = '' "
                         "RETURNING " GRANT_COLS ", c.redirect_uri, coalesce(c.nonce, ''), "
                         "coalesce(c.code_challenge, ''), g.id AS grant_id, g.resident_id AS resident, "
                         "g.subject AS subject), "
                         "r AS (INSERT INTO refresh_tokens (token_hash, grant_id) SELECT $6::bytea, grant_id FROM u "
                         "WHERE $6::bytea IS NOT NULL), "
                         "a AS (INSERT INTO access_tokens (jti, client_id, subject, scope, expires_at, grant_id) "
                         "SELECT $7, $2, subject, scope, to_timestamp($8), grant_id FROM u), "
                         "l AS (INSERT INTO releases (resident_id, client_id, via, claims) "
                         "SELECT resident, $2, 'token', '' FROM u), "
                         "d AS (UPDATE grants SET dpop_jkt = $5 FROM u WHERE grants.id = u.grant_id AND $5 <> '' "
                         "AND grants.dpop_jkt IS NULL) "
                         "SELECT * FROM u"},
    [F_PAR_PUT] = {"par_put",
                   "INSERT INTO pushed_requests (request_uri_hash, client_id, params, expires_at) "
                   "VALUES ($1::bytea, $2, $3, now() + $4::int * interval '1 second')"},
    /* RFC 9126 §4: once, by its client, while it lives */
    [F_PAR_TAKE] = {"par_take",
                    "UPDATE pushed_requests SET used_at = now() WHERE request_uri_hash = $1::bytea AND client_id = $2 "
                    "AND used_at IS NULL AND expires_at > now() RETURNING params"},
    [F_JTI_USE] = {"jti_use",
                   "INSERT INTO client_assertion_jtis (client_id, jti, expires_at) VALUES ($1, $2, to_timestamp($3)) "
                   "ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = excluded.expires_at "
                   "WHERE client_assertion_jtis.expires_at <= now()"},
};
/* clang-format on */

/* A statement inside a transaction; *affected gets the row count when asked. */
static idp_err_t ftx(idp_pg_conn_t *c, int stmt, int n, const char *const *v, const int *len, const int *fmt,
                     int *affected)
{
    idp_err_t ret;
    PGresult *r = idp_pg_exec(c, stmts, stmt, n, v, len, fmt, &ret);
    if (r && affected)
        *affected = atoi_checked(PQcmdTuples(r));
    PQclear(r);
    return ret;
}

static bool is_true(PGresult *r, int row, int col)
{
    return PQgetvalue(r, row, col)[0] == 't';
}

idp_err_t idp_pg_login_tx_delete(idp_store_t *s, const char *id)
{
    idp_err_t ret;
    const char *v[] = {id};
    PGresult *r = idp_pg_run(s, stmts, F_TX_DELETE, 1, v, NULL, NULL, &ret);
    return idp_pg_affected(r, ret);
}

/* ---- sessions ------------------------------------------------------------ */

static void session_from_row(PGresult *r, idp_store_session_t *out)
{
    memset(out, 0, sizeof(*out));
    copy_field(out->sid, sizeof(out->sid), PQgetvalue(r, 0, 0));
    copy_field(out->resident_id, sizeof(out->resident_id), PQgetvalue(r, 0, 1));
    copy_field(out->acr, sizeof(out->acr), PQgetvalue(r, 0, 2));
    copy_field(out->amr, sizeof(out->amr), PQgetvalue(r, 0, 3));
    out->auth_time = atoll_checked(PQgetvalue(r, 0, 4));
    out->expires_at = atoll_checked(PQgetvalue(r, 0, 5));
}

idp_err_t idp_pg_session_get(idp_store_t *s, const unsigned char id_hash[32], idp_store_session_t *out)
{
    idp_err_t ret;
    const char *v[] = {(const char *)id_hash};
    int len[] = {32}, fmt[] = {1};
    PGresult *r = idp_pg_run(s, stmts, F_SESSION_GET, 1, v, len, fmt, &ret);
    if (r == NULL)
        return ret;
    if (PQntuples(r) == 1)
        session_from_row(r, out);
    else
        ret = IDP_E_NOT_FOUND;
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_session_login(idp_store_t *s, const unsigned char *old_hash, const unsigned char new_hash[32],
                               const char *new_sid, const char *resident_id, const char *acr, const char *amr,
                               const char *credential, long long auth_time, int ttl, idp_store_session_t *out)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    char t[16], at[24];
    snprintf(t, sizeof(t), "%d", ttl);
    snprintf(at, sizeof(at), "%lld", auth_time);
    if ((ret = idp_pg_begin(s, &c, "BEGIN")) != IDP_OK)
        return ret;
    PGresult *r = NULL;
    if (old_hash) {
        const char *v[] = {(const char *)old_hash, (const char *)new_hash, resident_id, acr, amr, t, credential, at};
        int len[] = {32, 32, 0, 0, 0, 0, 0, 0}, fmt[] = {1, 1, 0, 0, 0, 0, 0, 0};
        if ((r = idp_pg_exec(c, stmts, F_SESSION_ROTATE, 8, v, len, fmt, &ret)) == NULL)
            goto Exit;
        if (PQntuples(r) == 0) {
            /* Another resident (or a dead session): end it and start afresh. */
            PQclear(r);
            r = NULL;
            const char *ev[] = {(const char *)old_hash};
            int el[] = {32}, ef[] = {1};
            if ((ret = ftx(c, F_SESSION_END, 1, ev, el, ef, NULL)) != IDP_OK)
                goto Exit;
        }
    }
    if (r == NULL) {
        const char *v[] = {(const char *)new_hash, new_sid, resident_id, acr, amr, t, credential, at};
        int len[] = {32, 0, 0, 0, 0, 0, 0, 0}, fmt[] = {1, 0, 0, 0, 0, 0, 0, 0};
        if ((r = idp_pg_exec(c, stmts, F_SESSION_INSERT, 8, v, len, fmt, &ret)) == NULL)
            goto Exit;
    }
    session_from_row(r, out);
Exit:
    PQclear(r);
    return idp_pg_end(s, c, ret);
}

/* ---- consent ------------------------------------------------------------- */

idp_err_t idp_pg_consent_get(idp_store_t *s, const char *resident_id, const char *client_id, char **claims)
{
    idp_err_t ret;
    const char *v[] = {resident_id, client_id};
    PGresult *r = idp_pg_run(s, stmts, F_CONSENT_GET, 2, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    *claims = strdup(PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    return *claims ? IDP_OK : IDP_E_NOMEM;
}

idp_err_t idp_pg_session_authz(idp_store_t *s, const unsigned char id_hash[32], const char *client_id,
                               idp_store_session_t *sess, bool *has_attrs, char **consented)
{
    idp_err_t ret;
    const char *v[] = {(const char *)id_hash, client_id};
    int len[] = {32, 0}, fmt[] = {1, 0};
    PGresult *r = idp_pg_run(s, stmts, F_SESSION_AUTHZ, 2, v, len, fmt, &ret);
    if (r == NULL)
        return ret;
    if (PQntuples(r) == 1) {
        session_from_row(r, sess);
        *has_attrs = is_true(r, 0, 6);
        ret = (*consented = strdup(PQgetvalue(r, 0, 7))) ? IDP_OK : IDP_E_NOMEM;
    } else {
        ret = IDP_E_NOT_FOUND;
    }
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_consent_record(idp_store_t *s, const char *resident_id, const char *client_id, const char *action,
                                const char *claims, int ttl, const char *actor, const char *purpose,
                                const char *details)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    char t[16];
    snprintf(t, sizeof(t), "%d", ttl);
    if ((ret = idp_pg_begin(s, &c, "BEGIN")) != IDP_OK)
        return ret;
    if (!strcmp(action, "grant")) {
        const char *v[] = {resident_id, client_id, claims, t};
        ret = ftx(c, F_CONSENT_UPSERT, 4, v, NULL, NULL, NULL);
    }
    if (ret == IDP_OK)
        ret = ftx(c, F_LEDGER_LOCK, 0, NULL, NULL, NULL, NULL);
    if (ret == IDP_OK) {
        const char *v[] = {resident_id,
                           client_id,
                           action,
                           claims,
                           actor,
                           purpose ? purpose : "",
                           details && *details ? details : NULL};
        ret = ftx(c, F_LEDGER_APPEND, 7, v, NULL, NULL, NULL);
    }
    return idp_pg_end(s, c, ret);
}

/* ---- grants, codes and tokens --------------------------------------------- */

static void grant_from_row(PGresult *r, idp_store_grant_t *g)
{
    memset(g, 0, sizeof(*g));
    copy_field(g->id, sizeof(g->id), PQgetvalue(r, 0, 0));
    copy_field(g->client_id, sizeof(g->client_id), PQgetvalue(r, 0, 1));
    copy_field(g->resident_id, sizeof(g->resident_id), PQgetvalue(r, 0, 2));
    copy_field(g->sid, sizeof(g->sid), PQgetvalue(r, 0, 3));
    copy_field(g->scope, sizeof(g->scope), PQgetvalue(r, 0, 4));
    copy_field(g->claims, sizeof(g->claims), PQgetvalue(r, 0, 5));
    copy_field(g->acr, sizeof(g->acr), PQgetvalue(r, 0, 6));
    copy_field(g->amr, sizeof(g->amr), PQgetvalue(r, 0, 7));
    g->auth_time = atoll_checked(PQgetvalue(r, 0, 8));
    copy_field(g->id_token_claims, sizeof(g->id_token_claims), PQgetvalue(r, 0, 9));
    g->offline = is_true(r, 0, 10);
    copy_field(g->dpop_jkt, sizeof(g->dpop_jkt), PQgetvalue(r, 0, 11));
    copy_field(g->authorization_details, sizeof(g->authorization_details), PQgetvalue(r, 0, 12));
    copy_field(g->subject, sizeof(g->subject), PQgetvalue(r, 0, 13));
}

idp_err_t idp_pg_code_create(idp_store_t *s, const idp_store_grant_t *g, const unsigned char code_hash[32],
                             int code_ttl, int grant_ttl)
{
    idp_err_t ret;
    char at[24], ct[16], gt[16];
    snprintf(at, sizeof(at), "%lld", g->auth_time);
    snprintf(ct, sizeof(ct), "%d", code_ttl);
    snprintf(gt, sizeof(gt), "%d", grant_ttl);
    const char *v[] = {g->id,
                       g->client_id,
                       g->resident_id,
                       g->sid,
                       g->scope,
                       g->claims,
                       g->acr,
                       g->amr,
                       at,
                       gt,
                       (const char *)code_hash,
                       g->redirect_uri,
                       g->nonce,
                       g->code_challenge,
                       ct,
                       g->id_token_claims,
                       g->offline ? "t" : "f",
                       g->dpop_jkt,
                       g->authorization_details,
                       g->subject};
    int len[20] = {[10] = 32}, fmt[20] = {[10] = 1};
    PQclear(idp_pg_run(s, stmts, F_GRANT_CODE_INSERT, 20, v, len, fmt, &ret));
    return ret;
}

static idp_err_t revoke_family(idp_pg_conn_t *c, const char *grant_id)
{
    const char *v[] = {grant_id};
    return ftx(c, F_GRANT_REVOKE, 1, v, NULL, NULL, NULL);
}

static void code_from_row(PGresult *r, idp_store_grant_t *out)
{
    grant_from_row(r, out);
    copy_field(out->redirect_uri, sizeof(out->redirect_uri), PQgetvalue(r, 0, GRANT_NCOLS));
    copy_field(out->nonce, sizeof(out->nonce), PQgetvalue(r, 0, GRANT_NCOLS + 1));
    copy_field(out->code_challenge, sizeof(out->code_challenge), PQgetvalue(r, 0, GRANT_NCOLS + 2));
}

idp_err_t idp_pg_code_redeem(idp_store_t *s, const unsigned char code_hash[32], const char *client_id,
                             const char *redirect_uri, const char *challenge, idp_store_grant_t *out,
                             idp_store_code_outcome_t *outcome)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    const char *v[] = {(const char *)code_hash, client_id, redirect_uri, challenge};
    int len[] = {32, 0, 0, 0}, fmt[] = {1, 0, 0, 0};
    *outcome = IDP_CODE_UNKNOWN;
    /* The usual case first: one read, no commit (idp_store_code_spend spends it with the answer's rows).
     * Otherwise the transaction below finds out why, under the code's row lock, and changes something only
     * for a replay by the code's own client with its own verifier. */
    PGresult *r = idp_pg_run(s, stmts, F_CODE_CHECK, 4, v, len, fmt, &ret);
    if (r && PQntuples(r) == 1 && is_true(r, 0, GRANT_NCOLS + 3)) {
        code_from_row(r, out);
        PQclear(r);
        *outcome = IDP_CODE_VALID;
        return IDP_OK;
    }
    PQclear(r);
    r = NULL;
    if (ret != IDP_OK || (ret = idp_pg_begin(s, &c, "BEGIN")) != IDP_OK)
        return ret;
    if ((r = idp_pg_exec(c, stmts, F_CODE_TAKE, 4, v, len, fmt, &ret)) == NULL || PQntuples(r) == 0)
        goto Exit;
    bool used = is_true(r, 0, GRANT_NCOLS + 3), live = is_true(r, 0, GRANT_NCOLS + 4);
    if (!is_true(r, 0, GRANT_NCOLS + 5))
        *outcome = IDP_CODE_WRONG_CLIENT; /* RFC 6749 §4.1.3: issued to another client */
    else if (!is_true(r, 0, GRANT_NCOLS + 6))
        *outcome = IDP_CODE_WRONG_REDIRECT;
    else if (!is_true(r, 0, GRANT_NCOLS + 7))
        *outcome = IDP_CODE_WRONG_VERIFIER;
    else if (used)
        *outcome = IDP_CODE_REPLAYED;
    else if (live)
        *outcome = IDP_CODE_VALID; /* spendable after all: it became live between the two statements */
    /* else: expired, or its grant was revoked */
    if (*outcome == IDP_CODE_REPLAYED || *outcome == IDP_CODE_VALID)
        code_from_row(r, out);
    if (*outcome == IDP_CODE_REPLAYED) /* RFC 6749 §4.1.2: a code used twice revokes what was issued from it */
        ret = revoke_family(c, out->id);
Exit:
    PQclear(r);
    return idp_pg_end(s, c, ret);
}

idp_err_t idp_pg_code_spend(idp_store_t *s, const unsigned char code_hash[32], const char *grant_id,
                            const unsigned char *refresh_hash, const char *jti, const char *client_id,
                            const char *subject, const char *scope, long long expires_at, const char *released,
                            const char *dpop_jkt)
{
    idp_err_t ret;
    char exp[24];
    snprintf(exp, sizeof(exp), "%lld", expires_at);
    const char *v[] = {
        (const char *)refresh_hash, grant_id, jti, client_id, subject, scope, exp, released, (const char *)code_hash,
        dpop_jkt ? dpop_jkt : ""};
    int len[] = {32, 0, 0, 0, 0, 0, 0, 0, 32, 0}, fmt[] = {1, 0, 0, 0, 0, 0, 0, 0, 1, 0};
    PGresult *r = idp_pg_run(s, stmts, F_CODE_SPEND, 10, v, len, fmt, &ret);
    if (ret == IDP_OK && (r == NULL || PQntuples(r) != 1 || atoll_checked(PQgetvalue(r, 0, 0)) != 1))
        ret = IDP_E_CONFLICT; /* spent, expired or ended since the check: nothing was written */
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_code_exchange(idp_store_t *s, const unsigned char code_hash[32], const char *client_id,
                               const char *redirect_uri, const char *challenge, const char *dpop_jkt,
                               const unsigned char *refresh_hash, const char *jti, long long expires_at,
                               idp_store_grant_t *out)
{
    idp_err_t ret;
    char exp[24];
    snprintf(exp, sizeof(exp), "%lld", expires_at);
    const char *v[] = {(const char *)code_hash,    client_id, redirect_uri, challenge, dpop_jkt ? dpop_jkt : "",
                       (const char *)refresh_hash, jti,       exp};
    int len[] = {32, 0, 0, 0, 0, 32, 0, 0}, fmt[] = {1, 0, 0, 0, 0, 1, 0, 0};
    PGresult *r = idp_pg_run(s, stmts, F_CODE_EXCHANGE, 8, v, len, fmt, &ret);
    if (ret == IDP_OK && (r == NULL || PQntuples(r) != 1))
        ret = IDP_E_NOT_FOUND; /* not spent here: nothing was written */
    if (ret == IDP_OK)
        code_from_row(r, out);
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_refresh_exchange(idp_store_t *s, const unsigned char old_hash[32], const char *client_id,
                                  const unsigned char *new_hash, const char *jti, const char *subject,
                                  const char *scope, long long expires_at, const char *released)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    char exp[24];
    snprintf(exp, sizeof(exp), "%lld", expires_at);
    const char *ev[] = {(const char *)old_hash, (const char *)new_hash, jti, client_id, subject, scope, exp, released};
    int el[] = {32, 32, 0, 0, 0, 0, 0, 0}, ef[] = {1, 1, 0, 0, 0, 0, 0, 0};
    /* The usual case: one statement spends the token with the new rows (one round trip, no transaction block).
     * Otherwise the transaction below finds out why, under the token's row lock. */
    PGresult *r = idp_pg_run(s, stmts, F_REFRESH_SPEND, 8, ev, el, ef, &ret);
    bool spent = ret == IDP_OK && r && PQntuples(r) == 1 && atoll_checked(PQgetvalue(r, 0, 0)) == 1;
    PQclear(r);
    r = NULL;
    if (ret != IDP_OK || spent)
        return ret;
    const char *v[] = {(const char *)old_hash, client_id};
    int len[] = {32, 0}, fmt[] = {1, 0};
    if ((ret = idp_pg_begin(s, &c, "BEGIN")) != IDP_OK)
        return ret;
    if ((r = idp_pg_exec(c, stmts, F_REFRESH_TAKE, 2, v, len, fmt, &ret)) == NULL)
        goto Exit;
    /* RFC 6749 §6: bound to the client it was issued to; the grant must still be live. */
    if (PQntuples(r) == 0 || !is_true(r, 0, 1) || !is_true(r, 0, 3)) {
        ret = IDP_E_NOT_FOUND;
        goto Exit;
    }
    if (is_true(r, 0, 2)) {
        /* Spent since the caller looked: two uses of one token. Revoke the family (committed). */
        char gid[64];
        copy_field(gid, sizeof(gid), PQgetvalue(r, 0, 0));
        PQclear(r);
        ret = idp_pg_end(s, c, revoke_family(c, gid));
        return ret == IDP_OK ? IDP_E_CONFLICT : ret;
    }
    PQclear(r);
    r = NULL;
    ret = ftx(c, F_REFRESH_SPEND, 8, ev, el, ef, NULL); /* spendable after all (under the lock): spent now */
Exit:
    PQclear(r);
    return idp_pg_end(s, c, ret);
}

idp_err_t idp_pg_grant_revoke(idp_store_t *s, const char *grant_id)
{
    idp_err_t ret;
    const char *v[] = {grant_id};
    PQclear(idp_pg_run(s, stmts, F_GRANT_REVOKE, 1, v, NULL, NULL, &ret));
    return ret;
}

/*
 * Access-token rows by group commit. Each token's jti row must be durable
 * before the token is handed out (product.md §4 and §8: revocable and
 * introspectable, no acknowledged write lost), and one synchronous commit per
 * token would cap issuance at the WAL flush rate (anchors.md). So concurrent
 * requests share commits: a request queues its row; if no batch is being
 * written it becomes the leader, takes every queued row (up to AT_BATCH_MAX)
 * and writes them with one INSERT ... unnest (one statement, one commit),
 * then wakes the others; rows queued meanwhile go into the next batch, led
 * by the writer of the row at the head of the queue. Nobody
 * waits on a timer: a lone request commits at once. If a batch fails for a
 * reason other than the database being unavailable (say a client deleted
 * meanwhile), each of its rows is retried alone, so that one row never fails
 * the others.
 *
 * Each waiting row is woken exactly once, by a semaphore post, and never
 * needs the queue's mutex to learn why: either its row was written (AT_DONE,
 * with the outcome) or it is to write the batch that starts with it (AT_LEAD). One
 * post per row is what makes the waiter's stack-held semaphore safe to
 * destroy as soon as its wait returns (glibc's sem_post does not touch the
 * semaphore after the waiter can return), and the posts are made after the
 * mutex is released, so a woken writer does not queue for it behind the rest.
 */
#define AT_BATCH_MAX 256
#define AT_COLS 6

typedef enum { AT_WAIT, AT_DONE, AT_LEAD } at_state_t;

struct idp_pg_at_row {
    const char *v[AT_COLS]; /* jti, client_id, subject, scope, exp, grant_id (NULL: none) */
    idp_err_t ret;
    at_state_t state; /* set before the one post, read after the wait returns */
    sem_t posted;
    idp_pg_at_row_t *next;
};

/* One PostgreSQL array literal element: "..." with \ and " escaped, or NULL. */
static idp_err_t array_add(idp_buf_t *b, const char *v, bool first)
{
    idp_err_t e = idp_buf_puts(b, first ? "" : ",");
    if (v == NULL)
        return e == IDP_OK ? idp_buf_puts(b, "NULL") : e;
    e = e == IDP_OK ? idp_buf_puts(b, "\"") : e;
    for (const char *p = v; e == IDP_OK && *p; p++) {
        if (*p == '"' || *p == '\\')
            e = idp_buf_puts(b, "\\");
        e = e == IDP_OK ? idp_buf_append(b, p, 1) : e;
    }
    return e == IDP_OK ? idp_buf_puts(b, "\"") : e;
}

/* Writes @p n rows from @p first in one statement; the outcome for all of them. */
static idp_err_t at_write(idp_store_t *s, idp_pg_at_row_t *first, size_t n)
{
    idp_buf_t col[AT_COLS];
    const char *v[AT_COLS];
    idp_err_t ret = IDP_OK;
    for (int c = 0; c < AT_COLS; c++) {
        idp_buf_init(&col[c], 1u << 20);
        idp_buf_puts(&col[c], "{");
    }
    size_t i = 0;
    for (idp_pg_at_row_t *r = first; ret == IDP_OK && i < n; r = r->next, i++)
        for (int c = 0; ret == IDP_OK && c < AT_COLS; c++)
            ret = array_add(&col[c], r->v[c], i == 0);
    for (int c = 0; c < AT_COLS; c++) {
        if (ret == IDP_OK)
            ret = idp_buf_puts(&col[c], "}");
        v[c] = idp_buf_cstr(&col[c]);
    }
    if (ret == IDP_OK)
        PQclear(idp_pg_run(s, stmts, F_AT_INSERT, AT_COLS, v, NULL, NULL, &ret));
    for (int c = 0; c < AT_COLS; c++)
        idp_buf_free(&col[c]);
    return ret;
}

/* Takes up to AT_BATCH_MAX rows off the head of the queue (the caller holds at_mu); how many in @p n. */
static idp_pg_at_row_t *at_take(idp_pg_store_t *pg, size_t *n)
{
    idp_pg_at_row_t *batch = pg->at_head, **tail = &pg->at_head;
    *n = 0;
    while (*tail && *n < AT_BATCH_MAX) {
        tail = &(*tail)->next;
        (*n)++;
    }
    pg->at_head = *tail;
    if (pg->at_head == NULL)
        pg->at_tail = &pg->at_head;
    *tail = NULL;
    return batch;
}

/*
 * The leader's part: takes the batch from the head of the queue (its own row is the head: when it leads, nobody
 * else is taking rows), writes it, hands the lead to the row now at the head if any (it takes its batch when it
 * runs, with whatever queued meanwhile), and wakes this batch's writers.
 */
static void at_lead(idp_store_t *s)
{
    idp_pg_store_t *pg = idp_pg(s);
    size_t n;
    pthread_mutex_lock(&pg->at_mu);
    idp_pg_at_row_t *batch = at_take(pg, &n);
    pthread_mutex_unlock(&pg->at_mu);

    idp_err_t ret = at_write(s, batch, n);
    for (idp_pg_at_row_t *r = batch; r; r = r->next)
        r->ret = ret == IDP_OK || ret == IDP_E_UNAVAILABLE || n == 1 ? ret : at_write(s, r, 1);

    pthread_mutex_lock(&pg->at_mu);
    idp_pg_at_row_t *next = pg->at_head; /* stays queued, and alive: only a leader takes rows */
    pg->at_flushing = next != NULL;
    pthread_mutex_unlock(&pg->at_mu);

    if (next) { /* first, so that the next commit starts while these writers wake */
        next->state = AT_LEAD;
        sem_post(&next->posted);
    }
    for (idp_pg_at_row_t *r = batch->next, *after; r; r = after) {
        after = r->next; /* the row is on its writer's stack: read before the post */
        r->state = AT_DONE;
        sem_post(&r->posted);
    }
}

idp_err_t idp_pg_access_token_insert(idp_store_t *s, const char *jti, const char *client_id, const char *subject,
                                     const char *scope, long long expires_at, const char *grant_id)
{
    idp_pg_store_t *pg = idp_pg(s);
    char exp[24];
    snprintf(exp, sizeof(exp), "%lld", expires_at);
    idp_pg_at_row_t me = {.v = {jti, client_id, subject, scope, exp, grant_id}, .state = AT_WAIT};
    if (sem_init(&me.posted, 0, 0) != 0)
        return IDP_E_SERVER_ERROR;

    pthread_mutex_lock(&pg->at_mu);
    *pg->at_tail = &me;
    pg->at_tail = &me.next;
    bool lead = !pg->at_flushing; /* nothing being written, so nothing queued before this row */
    pg->at_flushing = true;
    pthread_mutex_unlock(&pg->at_mu);

    if (!lead)
        while (sem_wait(&me.posted) != 0) /* EINTR: a signal; the post is still to come */
            ;
    if (lead || me.state == AT_LEAD)
        at_lead(s);
    sem_destroy(&me.posted);
    return me.ret;
}

idp_err_t idp_pg_access_token_get(idp_store_t *s, const char *jti, idp_store_token_info_t *out)
{
    idp_err_t ret;
    const char *v[] = {jti};
    PGresult *r = idp_pg_run(s, stmts, F_AT_GET, 1, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    if (PQntuples(r) == 1) {
        memset(out, 0, sizeof(*out));
        copy_field(out->client_id, sizeof(out->client_id), PQgetvalue(r, 0, 0));
        copy_field(out->subject, sizeof(out->subject), PQgetvalue(r, 0, 1));
        copy_field(out->scope, sizeof(out->scope), PQgetvalue(r, 0, 2));
        copy_field(out->grant_id, sizeof(out->grant_id), PQgetvalue(r, 0, 3));
        out->issued_at = atoll_checked(PQgetvalue(r, 0, 4));
        out->expires_at = atoll_checked(PQgetvalue(r, 0, 5));
        out->active = is_true(r, 0, 6);
    } else {
        ret = IDP_E_NOT_FOUND;
    }
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_refresh_get(idp_store_t *s, const unsigned char token_hash[32], idp_store_grant_t *grant,
                             idp_store_token_info_t *out)
{
    idp_err_t ret;
    const char *v[] = {(const char *)token_hash};
    int len[] = {32}, fmt[] = {1};
    PGresult *r = idp_pg_run(s, stmts, F_REFRESH_GET, 1, v, len, fmt, &ret);
    if (r == NULL)
        return ret;
    if (PQntuples(r) == 1) {
        grant_from_row(r, grant);
        memset(out, 0, sizeof(*out));
        copy_field(out->client_id, sizeof(out->client_id), grant->client_id);
        copy_field(out->scope, sizeof(out->scope), grant->scope);
        copy_field(out->grant_id, sizeof(out->grant_id), grant->id);
        out->active = is_true(r, 0, GRANT_NCOLS);
        out->issued_at = atoll_checked(PQgetvalue(r, 0, GRANT_NCOLS + 1));
        out->expires_at = atoll_checked(PQgetvalue(r, 0, GRANT_NCOLS + 2));
        out->spent = is_true(r, 0, GRANT_NCOLS + 3);
    } else {
        ret = IDP_E_NOT_FOUND;
    }
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_access_token_revoke(idp_store_t *s, const char *jti)
{
    idp_err_t ret;
    const char *v[] = {jti};
    PQclear(idp_pg_run(s, stmts, F_AT_REVOKE, 1, v, NULL, NULL, &ret));
    return ret;
}

idp_err_t idp_pg_grant_get(idp_store_t *s, const char *grant_id, idp_store_grant_t *out, bool *live)
{
    idp_err_t ret;
    const char *v[] = {grant_id};
    PGresult *r = idp_pg_run(s, stmts, F_GRANT_GET, 1, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    if (PQntuples(r) == 1) {
        grant_from_row(r, out);
        *live = is_true(r, 0, GRANT_NCOLS);
    } else {
        ret = IDP_E_NOT_FOUND;
    }
    PQclear(r);
    return ret;
}

/* Takes an opened value: NULL for "" (an absent value). */
static char *take_or_null(char **v)
{
    char *out = *v;
    *v = NULL;
    if (out && !*out) {
        free(out);
        out = NULL;
    }
    return out;
}

idp_err_t idp_pg_resident_attrs_get(idp_store_t *s, const char *resident_id, idp_store_resident_attrs_t *out)
{
    const idp_pg_sealed_table_t *t = &idp_pg_sealed_resident_attrs;
    idp_err_t ret;
    const char *v[] = {resident_id};
    char *vals[IDP_PG_SEALED_MAX];
    memset(out, 0, sizeof(*out));
    /* A second read only when a row's key was retired between the read and the opening (sealed again meanwhile). */
    for (int attempt = 0; attempt < 2; attempt++) {
        PGresult *r = idp_pg_run(s, stmts, F_ATTRS_GET, 1, v, NULL, NULL, &ret);
        if (r == NULL)
            return ret;
        if (PQntuples(r) != 1) {
            PQclear(r);
            return IDP_E_NOT_FOUND;
        }
        ret = idp_pg_open_row(s, t, resident_id, r, 0, 0, 1, vals);
        if (ret == IDP_OK) {
            out->verified_at = atoll_checked(PQgetvalue(r, 0, 1 + t->n));
            if (*PQgetvalue(r, 0, 2 + t->n)) {
                out->evidence_upstream = strdup(PQgetvalue(r, 0, 2 + t->n));
                out->evidence_issuer = strdup(PQgetvalue(r, 0, 3 + t->n));
                out->evidence_subject = strdup(PQgetvalue(r, 0, 4 + t->n));
                out->evidence_assurance = strdup(PQgetvalue(r, 0, 5 + t->n));
                if (!out->evidence_upstream || !out->evidence_issuer || !out->evidence_subject ||
                    !out->evidence_assurance)
                    ret = IDP_E_NOMEM;
            }
            /* "true" or "false", sealed like the rest */
            if (!strcmp(vals[6], "true") || !strcmp(vals[6], "false")) {
                out->sakai_resident = !strcmp(vals[6], "true");
            } else {
                idp_log_msg(IDP_LOG_ERROR, "sealed_value_unreadable",
                            "resident_attributes.sakai_resident of resident %s "
                            "is neither true nor false",
                            resident_id);
                ret = IDP_E_SERVER_ERROR;
            }
        }
        PQclear(r);
        if (ret == IDP_OK) {
            out->name = take_or_null(&vals[0]);
            out->name_alt = take_or_null(&vals[1]);
            out->gender = take_or_null(&vals[2]);
            out->birth_date = take_or_null(&vals[3]);
            out->address = take_or_null(&vals[4]);
            out->address_alt = take_or_null(&vals[5]);
            out->sakai_ward = take_or_null(&vals[7]);
            out->gender_raw = take_or_null(&vals[8]);
            out->birth_date_raw = take_or_null(&vals[9]);
        }
        idp_pg_opened_free(vals, t->n);
        if (ret != IDP_E_NOT_FOUND)
            break;
    }
    if (ret == IDP_E_NOT_FOUND)
        ret = IDP_E_SERVER_ERROR; /* a row there, under a key nobody knows: never "no attributes" */
    if (ret != IDP_OK)
        idp_store_resident_attrs_clear(out);
    return ret;
}

idp_err_t idp_pg_assertion_jti_use(idp_store_t *s, const char *client_id, const char *jti, long long expires_at)
{
    idp_err_t ret;
    char exp[24];
    snprintf(exp, sizeof(exp), "%lld", expires_at);
    const char *v[] = {client_id, jti, exp};
    PGresult *r = idp_pg_run(s, stmts, F_JTI_USE, 3, v, NULL, NULL, &ret);
    if (r && atoi_checked(PQcmdTuples(r)) == 0)
        ret = IDP_E_CONFLICT;
    PQclear(r);
    return ret;
}

/* ---- pushed authorization requests (RFC 9126; migration 0022) ---------------------------------- */

idp_err_t idp_pg_par_put(idp_store_t *s, const unsigned char uri_hash[32], const char *client_id, const char *params,
                         int ttl)
{
    idp_err_t ret;
    char t[16];
    snprintf(t, sizeof(t), "%d", ttl);
    const char *v[] = {(const char *)uri_hash, client_id, params, t};
    int len[] = {32, 0, 0, 0}, fmt[] = {1, 0, 0, 0};
    PQclear(idp_pg_run(s, stmts, F_PAR_PUT, 4, v, len, fmt, &ret));
    return ret;
}

idp_err_t idp_pg_par_take(idp_store_t *s, const unsigned char uri_hash[32], const char *client_id, char **params)
{
    idp_err_t ret;
    const char *v[] = {(const char *)uri_hash, client_id};
    int len[] = {32, 0}, fmt[] = {1, 0};
    *params = NULL;
    PGresult *r = idp_pg_run(s, stmts, F_PAR_TAKE, 2, v, len, fmt, &ret);
    if (r == NULL)
        return ret;
    ret = PQntuples(r) == 1 ? ((*params = strdup(PQgetvalue(r, 0, 0))) ? IDP_OK : IDP_E_NOMEM) : IDP_E_NOT_FOUND;
    PQclear(r);
    return ret;
}

/* The PostgreSQL implementation of store/store.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/pg/internal.h"

/* Every statement the server runs, prepared once per connection. */
enum {
    S_PING,
    S_SCHEMA_VERSION,
    S_KEYS_LIST,
    S_KEY_INSERT,
    S_KEY_LOCK,
    S_KEY_RETIRE_ACTIVE,
    S_KEY_PROMOTE_NEXT,
    S_KEY_RETIRE,
    S_KEY_GET,
    S_CLIENT_INSERT,
    S_CLIENT_GET,
    S_CLIENT_LIST,
    S_CLIENT_UPDATE,
    S_CLIENT_DELETE,
    S_TX_GET,
    S_TX_CREATE,
    S_TX_AUTH,
    S_TX_PENDING,
    S_TX_CONTINUE,
    S_TX_END,
    S_TX_DECLINE,
    S_TX_NEW_CARD,
    S_TX_SIGN_STEP,
    S_ATTRS_MATCH_KEY,
    S_ATTRS_MATCH,
    S_PAIR_CHECK,
    S_PAIR_UPSERT,
    S_CH_CREATE,
    S_CH_TAKE,
    S_CH_PEEK,
    S_CH_FINISH,
    S_CH_VERIFIED,
    S_CERT_BY_HASH,
    S_CERT_BY_LINKAGE,
    S_CERT_INSERT,
    S_CERT_TOUCH,
    S_RESIDENT_INSERT,
    S_ATTRS_UPSERT,
    S_ATTRS_EVIDENCE,
    S_LINKAGE_UPSERT,
    S_AUDIT,
    S__COUNT
};
_Static_assert(S__COUNT <= 48, "statements 0-47 (store_registration.c has 48-63)");

/* The SQL text is laid out by hand. */
/* clang-format off */
#define EPOCH(col) "extract(epoch from " col ")::bigint"
/* A login transaction's columns, in the order tx_from_row() reads them. */
#define TX_COLS                                                                                                      \
    "id, coalesce(client_id, ''), redirect_uri, oidc_nonce, " EPOCH("expires_at") ", coalesce(resident_id, ''), "   \
    "coalesce(acr, ''), coalesce(" EPOCH("authenticated_at") ", 0), request, browser_hash, csrf, "                   \
    "coalesce(session_sid, ''), coalesce(link_resident, ''), credential, reauth, continued_at IS NOT NULL, "      \
    "sign_step, sign_declined, new_card_sha256, coalesce(new_card_issuer, ''), coalesce(new_card_serial, ''), "      \
    "coalesce(" EPOCH("new_card_not_after") ", 0), coalesce(renew_resident, ''), renew_checked, signed_in_with"

/* What dynamic registration added to a client's row (migration 0015), in the order client_from_row() reads it. */
#define CLIENT_MORE                                                                                              \
    "registration_token_hash, coalesce(organisation, ''), sandbox, suspended, "                                     \
    "coalesce(floor(extract(epoch from approval_requested_at))::bigint, 0)"

static const idp_pg_stmt_t stmts[S__COUNT] = {
    [S_PING] = {"ping", "SELECT extract(epoch from now())::bigint"},
    [S_SCHEMA_VERSION] = {"schema_version", "SELECT coalesce(max(version), 0) FROM schema_migrations"},
    [S_KEYS_LIST] =
        {"keys_list",
         "SELECT kid, alg, state, " EPOCH("created_at") ", coalesce(" EPOCH(
             "activated_at") ", 0), "
                             "coalesce(" EPOCH("retired_at") ", 0), public_jwk::text, private_key_enc, " EPOCH(
                                 "now()") " FROM signing_keys ORDER BY created_at, kid"},
    [S_KEY_INSERT] = {"key_insert",
                      "INSERT INTO signing_keys (kid, alg, state, public_jwk, private_key_enc, activated_at) "
                      "VALUES ($1, $2, $3, $4::jsonb, $5, CASE WHEN $3 = 'active' THEN now() END)"},
    /* rotation is serialized per algorithm across every node and admin */
    [S_KEY_LOCK] = {"key_lock", "SELECT pg_advisory_xact_lock(hashtext('sakaid:signing_keys:' || $1))"},
    [S_KEY_RETIRE_ACTIVE] = {"key_retire_active", "UPDATE signing_keys SET state = 'retired', retired_at = now() "
                                                  "WHERE alg = $1 AND state = 'active'"},
    [S_KEY_PROMOTE_NEXT] = {"key_promote_next", "UPDATE signing_keys SET state = 'active', activated_at = now() "
                                                "WHERE alg = $1 AND state = 'next' RETURNING kid"},
    [S_KEY_RETIRE] = {"key_retire", "UPDATE signing_keys SET state = 'retired', retired_at = now() "
                                    "WHERE kid = $1 AND state <> 'retired'"},
    [S_KEY_GET] =
        {"key_get",
         "SELECT alg, state, " EPOCH(
             "now() - created_at") ", "
                                   "(SELECT kid FROM signing_keys n WHERE n.alg = k.alg AND n.state = 'next') "
                                   "FROM signing_keys k WHERE kid = $1"},
    [S_CLIENT_INSERT] = {"client_insert", IDP_PG_CLIENT_INSERT},
    [S_CLIENT_GET] =
        {"client_get",
         "SELECT client_id, metadata::text, secret_hash, " EPOCH("created_at") ", " EPOCH(
             "updated_at") ", coalesce(" EPOCH("secret_rotated_at") ", 0), " CLIENT_MORE " FROM clients WHERE client_id = $1"},
    [S_CLIENT_LIST] =
        {"client_list",
         "SELECT client_id, metadata::text, secret_hash, " EPOCH("created_at") ", " EPOCH(
             "updated_at") ", coalesce(" EPOCH("secret_rotated_at") ", 0), " CLIENT_MORE " FROM clients ORDER BY created_at, client_id"},
    [S_CLIENT_UPDATE] = {"client_update", IDP_PG_CLIENT_UPDATE},
    [S_CLIENT_DELETE] = {"client_delete", IDP_PG_CLIENT_DELETE},
    [S_TX_GET] = {"tx_get", "SELECT " TX_COLS " FROM login_transactions WHERE id = $1 AND expires_at > now()"},
    [S_TX_CREATE] =
        {"tx_create",
         "INSERT INTO login_transactions (id, client_id, redirect_uri, oidc_nonce, expires_at, request, "
         "browser_hash, csrf, session_sid, reauth, sign_step, signed_in_with) VALUES ($1, $2, $3, $4, "
         "now() + make_interval(secs => $5::int), $6, $7::bytea, $8, nullif($9, ''), $10::boolean, $11::boolean, "
         "$12)"},
    /* An authentication is recorded once and only until it is continued. */
    [S_TX_AUTH] =
        {"tx_auth",
         "UPDATE login_transactions SET resident_id = $2, acr = $3, credential = $4, authenticated_at = now() "
         "WHERE id = $1 AND expires_at > now() AND continued_at IS NULL"},
    /* The browser's live transactions, and a reusable one: same request and session, nobody signed in yet. */
    [S_TX_PENDING] =
        {"tx_pending",
         "SELECT count(*), coalesce((SELECT id FROM login_transactions WHERE browser_hash = $1::bytea "
         "AND request = $2 AND coalesce(session_sid, '') = $3 AND resident_id IS NULL AND link_resident IS NULL "
         "AND NOT reauth AND client_id IS NOT NULL AND expires_at > now() + make_interval(secs => $4::int) "
         "ORDER BY expires_at DESC LIMIT 1), '') "
         "FROM login_transactions WHERE browser_hash = $1::bytea AND expires_at > now()"},
    /* Read and mark in one statement: an authentication begins one session, never two. */
    [S_TX_CONTINUE] = {"tx_continue",
                       "UPDATE login_transactions SET continued_at = now() WHERE id = $1 AND expires_at > now() "
                       "AND authenticated_at IS NOT NULL AND credential <> '' AND continued_at IS NULL "
                       "RETURNING " TX_COLS},
    [S_TX_END] = {"tx_end", "DELETE FROM login_transactions WHERE browser_hash = $1::bytea OR session_sid = $2"},
    [S_TX_DECLINE] = {"tx_decline",
                      "UPDATE login_transactions SET sign_declined = true WHERE id = $1 AND expires_at > now() "
                      "AND continued_at IS NULL"},
    [S_TX_NEW_CARD] =
        {"tx_new_card",
         "UPDATE login_transactions SET new_card_sha256 = $2::bytea, new_card_issuer = $3, new_card_serial = $4, "
         "new_card_not_after = to_timestamp($5), renew_resident = nullif($6, ''), renew_checked = $7::boolean "
         "WHERE id = $1 AND expires_at > now() AND continued_at IS NULL"},
    [S_TX_SIGN_STEP] = {"tx_sign_step",
                        "UPDATE login_transactions SET sign_step = true WHERE id = $1 AND expires_at > now() "
                        "AND continued_at IS NULL"},
    [S_ATTRS_MATCH_KEY] = {"attrs_match_key",
                           "UPDATE resident_attributes SET match_key = $2::bytea WHERE resident_id = $1"},
    [S_ATTRS_MATCH] = {"attrs_match",
                       "SELECT resident_id FROM resident_attributes WHERE match_key = $1::bytea LIMIT 2"},
    /* A pair-linkage row that names one of the two certificates with another (証明書紐付け情報 disagrees). */
    [S_PAIR_CHECK] =
        {"pair_check",
         "SELECT count(*) FROM card_pair_linkage WHERE (sign_issuer_key_id = $1 AND sign_serial = $2 "
         "AND (auth_issuer_key_id <> $3 OR auth_serial <> $4)) OR (auth_issuer_key_id = $3 AND auth_serial = $4 "
         "AND (sign_issuer_key_id <> $1 OR sign_serial <> $2))"},
    [S_PAIR_UPSERT] =
        {"pair_upsert",
         "INSERT INTO card_pair_linkage (sign_issuer_key_id, sign_serial, auth_issuer_key_id, auth_serial) "
         "VALUES ($1, $2, $3, $4) ON CONFLICT (sign_issuer_key_id, sign_serial) DO UPDATE SET "
         "auth_issuer_key_id = excluded.auth_issuer_key_id, auth_serial = excluded.auth_serial, imported_at = now()"},
    /* One statement: the live transaction, its challenge count under the limit, and the insert. */
    [S_CH_CREATE] = {"ch_create",
                     "INSERT INTO card_challenges (id, login_tx, purpose, nonce, expires_at) "
                     "SELECT $1, t.id, $3, $4::bytea, now() + make_interval(secs => $5::int) FROM login_transactions t "
                     "WHERE t.id = $2 AND t.expires_at > now() AND t.continued_at IS NULL "
                     "AND (SELECT count(*) FROM card_challenges c WHERE c.login_tx = t.id) < $6::int"},
    [S_CH_TAKE] =
        {"ch_take",
         "UPDATE card_challenges SET used_at = now() WHERE id = $1 AND used_at IS NULL AND expires_at > now() "
         "RETURNING id, login_tx, purpose, nonce, " EPOCH("expires_at") ", status, coalesce(reason, '')"},
    [S_CH_PEEK] = {"ch_peek",
                   "SELECT id, login_tx, purpose, nonce, " EPOCH(
                       "expires_at") ", status, coalesce(reason, ''), "
                                     "used_at IS NOT NULL, expires_at <= now() FROM card_challenges WHERE id = $1"},
    [S_CH_FINISH] = {"ch_finish", "UPDATE card_challenges SET status = $2, reason = nullif($3, '') WHERE id = $1"},
    /* A verified card finishes its challenge once: taken, and still pending (else a replay). */
    [S_CH_VERIFIED] = {"ch_verified",
                       "UPDATE card_challenges SET status = 'authenticated', reason = NULL WHERE id = $1 "
                       "AND used_at IS NOT NULL AND status = 'pending'"},
    [S_CERT_BY_HASH] = {"cert_by_hash", "SELECT resident_id FROM card_certificates WHERE cert_sha256 = $1::bytea"},
    /* Follows linkage back from the new certificate to a known older one, however many renewals ago. */
    [S_CERT_BY_LINKAGE] =
        {"cert_by_linkage",
         "WITH RECURSIVE chain(k, s, depth) AS ("
         " SELECT old_issuer_key_id, old_serial, 1 FROM certificate_linkage"
         " WHERE new_issuer_key_id = $1 AND new_serial = $2"
         " UNION SELECT l.old_issuer_key_id, l.old_serial, chain.depth + 1 FROM certificate_linkage l"
         " JOIN chain ON l.new_issuer_key_id = chain.k AND l.new_serial = chain.s WHERE chain.depth < 20)"
         " SELECT c.resident_id FROM chain JOIN card_certificates c"
         " ON c.issuer_key_id = chain.k AND c.serial = chain.s ORDER BY chain.depth LIMIT 1"},
    [S_CERT_INSERT] =
        {"cert_insert",
         "INSERT INTO card_certificates (cert_sha256, resident_id, purpose, issuer_key_id, serial, not_after) "
         "VALUES ($1::bytea, $2, $3, $4, $5, to_timestamp($6))"},
    [S_CERT_TOUCH] = {"cert_touch", "UPDATE card_certificates SET last_used = now() WHERE cert_sha256 = $1::bytea"},
    [S_RESIDENT_INSERT] = {"resident_insert", "INSERT INTO residents (id) VALUES ($1)"},
    /* Sealed values ($3-$12, store_sealed.c) under data key $2, while it is the active one (else no row). */
    [S_ATTRS_UPSERT] =
        {"attrs_upsert",
         "INSERT INTO resident_attributes (resident_id, data_key_id, name, name_alt, gender, birth_date, "
         "address, address_alt, sakai_resident, sakai_ward, gender_raw, birth_date_raw, cert_sha256, "
         "verified_at) SELECT $1, k.id, $3::bytea, $4::bytea, $5::bytea, $6::bytea, $7::bytea, $8::bytea, "
         "$9::bytea, $10::bytea, $11::bytea, $12::bytea, $13::bytea, now() FROM data_keys k "
         "WHERE k.id = $2::int AND k.state = 'active' FOR SHARE "
         "ON CONFLICT (resident_id) DO UPDATE SET data_key_id = excluded.data_key_id, "
         "name = excluded.name, name_alt = excluded.name_alt, gender = excluded.gender, "
         "birth_date = excluded.birth_date, address = excluded.address, address_alt = excluded.address_alt, "
         "sakai_resident = excluded.sakai_resident, sakai_ward = excluded.sakai_ward, "
         "gender_raw = excluded.gender_raw, birth_date_raw = excluded.birth_date_raw, "
         "cert_sha256 = excluded.cert_sha256, verified_at = excluded.verified_at, "
         "evidence_upstream = NULL, evidence_issuer = NULL, evidence_subject = NULL, evidence_assurance = NULL"},
    [S_ATTRS_EVIDENCE] =
        {"attrs_evidence",
         "UPDATE resident_attributes SET evidence_upstream = $2, evidence_issuer = $3, evidence_subject = $4, "
         "evidence_assurance = $5 WHERE resident_id = $1"},
    [S_LINKAGE_UPSERT] =
        {"linkage_upsert",
         "INSERT INTO certificate_linkage (old_issuer_key_id, old_serial, new_issuer_key_id, new_serial) "
         "VALUES ($1, $2, $3, $4) ON CONFLICT (old_issuer_key_id, old_serial) DO UPDATE SET "
         "new_issuer_key_id = excluded.new_issuer_key_id, new_serial = excluded.new_serial, "
         "imported_at = now()"},
    [S_AUDIT] = {"audit",
                 "INSERT INTO audit_events (event, resident_id, detail) VALUES ($1, nullif($2, ''), $3::jsonb)"},
};
/* clang-format on */

const idp_pg_stmt_t *idp_pg_stmts(void)
{
    return stmts;
}

int idp_pg_stmts_count(void)
{
    return S__COUNT;
}

void idp_pg_metrics(idp_store_t *s, idp_buf_t *out)
{
    (void)s;
    (void)idp_pg_pool_metrics(out);
}

idp_err_t idp_pg_ping(idp_store_t *s)
{
    idp_err_t ret;
    PGresult *r = idp_pg_run(s, stmts, S_PING, 0, NULL, NULL, NULL, &ret);
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_schema_version(idp_store_t *s, int *version)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    if ((ret = idp_pg_acquire(idp_pg(s)->pool, &c)) != IDP_OK)
        return ret;
    /* No table yet means no migration has run (not an error). */
    PGresult *r = PQexec(c->pg, "SELECT to_regclass('schema_migrations') IS NOT NULL");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        ret = PQstatus(c->pg) == CONNECTION_OK ? IDP_E_SERVER_ERROR : IDP_E_UNAVAILABLE;
        c->broken = ret == IDP_E_UNAVAILABLE;
    } else if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
        *version = 0;
    } else {
        PQclear(r);
        r = idp_pg_exec(c, stmts, S_SCHEMA_VERSION, 0, NULL, NULL, NULL, &ret);
        if (r)
            *version = atoi_checked(PQgetvalue(r, 0, 0));
    }
    PQclear(r);
    idp_pg_release(idp_pg(s)->pool, c);
    return ret;
}

int idp_store_schema_expected(void)
{
    return idp_migrations_count;
}

/* ---- keys ---------------------------------------------------------------- */

idp_err_t idp_pg_keys_list(idp_store_t *s, idp_store_key_t **rows, size_t *n, long long *now)
{
    idp_err_t ret;
    PGresult *r = idp_pg_run(s, stmts, S_KEYS_LIST, 0, NULL, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    int nt = PQntuples(r);
    idp_store_key_t *out = calloc(nt ? (size_t)nt : 1, sizeof(*out));
    if (out == NULL) {
        PQclear(r);
        return IDP_E_NOMEM;
    }
    *now = 0;
    for (int i = 0; i < nt; i++) {
        copy_field(out[i].kid, sizeof(out[i].kid), PQgetvalue(r, i, 0));
        copy_field(out[i].alg, sizeof(out[i].alg), PQgetvalue(r, i, 1));
        copy_field(out[i].state, sizeof(out[i].state), PQgetvalue(r, i, 2));
        out[i].created_at = atoll_checked(PQgetvalue(r, i, 3));
        out[i].activated_at = atoll_checked(PQgetvalue(r, i, 4));
        out[i].retired_at = atoll_checked(PQgetvalue(r, i, 5));
        out[i].public_jwk = strdup(PQgetvalue(r, i, 6));
        size_t blen = 0;
        unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, 7), &blen);
        if (b && (out[i].private_enc = malloc(blen ? blen : 1)) != NULL) {
            memcpy(out[i].private_enc, b, blen);
            out[i].private_enc_len = blen;
        }
        if (b)
            PQfreemem(b);
        *now = atoll_checked(PQgetvalue(r, i, 8));
        if (out[i].public_jwk == NULL || out[i].private_enc == NULL) {
            idp_store_keys_free(out, (size_t)nt);
            PQclear(r);
            return IDP_E_NOMEM;
        }
    }
    PQclear(r);
    if (nt == 0) {
        /* still report the database clock */
        PGresult *t = idp_pg_run(s, stmts, S_PING, 0, NULL, NULL, NULL, &ret);
        if (t)
            *now = atoll_checked(PQgetvalue(t, 0, 0));
        PQclear(t);
    }
    *rows = out;
    *n = (size_t)nt;
    return IDP_OK;
}

static idp_err_t tx_exec(idp_pg_conn_t *c, int stmt, int n, const char *const *v, const int *len, const int *fmt,
                         int *affected)
{
    idp_err_t ret;
    PGresult *r = idp_pg_exec(c, stmts, stmt, n, v, len, fmt, &ret);
    if (r && affected)
        *affected = atoi_checked(PQcmdTuples(r));
    PQclear(r);
    return ret;
}

static idp_err_t insert_key(idp_pg_conn_t *c, const idp_store_key_t *k, const char *state)
{
    const char *v[] = {k->kid, k->alg, state, k->public_jwk, (const char *)k->private_enc};
    int len[] = {0, 0, 0, 0, (int)k->private_enc_len};
    int fmt[] = {0, 0, 0, 0, 1};
    return tx_exec(c, S_KEY_INSERT, 5, v, len, fmt, NULL);
}

idp_err_t idp_pg_keys_rotate(idp_store_t *s, const idp_store_key_t *fresh, long long min_next_age, const char **what,
                             const idp_store_admin_entry_t *log)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    PGresult *r = NULL;
    if ((ret = idp_pg_acquire(idp_pg(s)->pool, &c)) != IDP_OK)
        return ret;
    const char *alg[] = {fresh->alg};
    if ((ret = idp_pg_command(c, "BEGIN")) != IDP_OK ||
        (ret = tx_exec(c, S_KEY_LOCK, 1, alg, NULL, NULL, NULL)) != IDP_OK)
        goto Exit;
    /* What does this algorithm have now? (read under the lock) */
    r = PQexecParams(c->pg,
                     "SELECT count(*) FILTER (WHERE state = 'active'), count(*) FILTER (WHERE state = 'next'), "
                     "coalesce(max(extract(epoch from now() - created_at)::bigint) FILTER (WHERE state = 'next'), 0) "
                     "FROM signing_keys WHERE alg = $1",
                     1, NULL, alg, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        ret = PQstatus(c->pg) == CONNECTION_OK ? IDP_E_SERVER_ERROR : IDP_E_UNAVAILABLE;
        goto Exit;
    }
    int actives = atoi_checked(PQgetvalue(r, 0, 0));
    int nexts = atoi_checked(PQgetvalue(r, 0, 1));
    long long next_age = atoll_checked(PQgetvalue(r, 0, 2));
    if (actives == 0 && nexts == 0) {
        ret = insert_key(c, fresh, "active");
        *what = "activated";
    } else if (nexts == 0) {
        ret = insert_key(c, fresh, "next");
        *what = "published";
    } else if (next_age < min_next_age) {
        ret = IDP_E_CONFLICT; /* the waiting key is too new: caches may not have it yet */
    } else {
        if ((ret = tx_exec(c, S_KEY_RETIRE_ACTIVE, 1, alg, NULL, NULL, NULL)) == IDP_OK &&
            (ret = tx_exec(c, S_KEY_PROMOTE_NEXT, 1, alg, NULL, NULL, NULL)) == IDP_OK)
            ret = insert_key(c, fresh, "next");
        *what = "rotated";
    }
    if (ret == IDP_OK && log) /* the admin API's row of this change, in its transaction */
        ret = idp_pg_admin_log_on(c, log);
    if (ret == IDP_OK)
        ret = idp_pg_command(c, "COMMIT");
Exit:
    PQclear(r);
    if (ret != IDP_OK && c->pg && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        idp_pg_command(c, "ROLLBACK");
    idp_pg_release(idp_pg(s)->pool, c);
    return ret;
}

idp_err_t idp_pg_key_retire(idp_store_t *s, const char *kid)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    PGresult *r = NULL;
    if ((ret = idp_pg_acquire(idp_pg(s)->pool, &c)) != IDP_OK)
        return ret;
    const char *v[] = {kid};
    if ((ret = idp_pg_command(c, "BEGIN")) != IDP_OK)
        goto Exit;
    if ((r = idp_pg_exec(c, stmts, S_KEY_GET, 1, v, NULL, NULL, &ret)) == NULL)
        goto Exit;
    if (PQntuples(r) == 0) {
        ret = IDP_E_NOT_FOUND;
        goto Exit;
    }
    char alg[8], state[8], next_kid[64] = "";
    copy_field(alg, sizeof(alg), PQgetvalue(r, 0, 0));
    copy_field(state, sizeof(state), PQgetvalue(r, 0, 1));
    if (!PQgetisnull(r, 0, 3))
        copy_field(next_kid, sizeof(next_kid), PQgetvalue(r, 0, 3));
    const char *a[] = {alg};
    if ((ret = tx_exec(c, S_KEY_LOCK, 1, a, NULL, NULL, NULL)) != IDP_OK)
        goto Exit;
    if (!strcmp(state, "retired")) {
        ret = IDP_OK; /* already retired: nothing to do */
    } else if (!strcmp(state, "active")) {
        /* Retiring the signing key early: the waiting key takes over at once. */
        if (!next_kid[0]) {
            ret = IDP_E_CONFLICT;
            goto Exit;
        }
        if ((ret = tx_exec(c, S_KEY_RETIRE, 1, v, NULL, NULL, NULL)) == IDP_OK)
            ret = tx_exec(c, S_KEY_PROMOTE_NEXT, 1, a, NULL, NULL, NULL);
    } else {
        ret = tx_exec(c, S_KEY_RETIRE, 1, v, NULL, NULL, NULL);
    }
    if (ret == IDP_OK)
        ret = idp_pg_command(c, "COMMIT");
Exit:
    PQclear(r);
    if (ret != IDP_OK && c->pg && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        idp_pg_command(c, "ROLLBACK");
    idp_pg_release(idp_pg(s)->pool, c);
    return ret;
}

/* ---- clients ------------------------------------------------------------- */

static idp_err_t client_from_row(PGresult *r, int i, idp_store_client_t *c)
{
    memset(c, 0, sizeof(*c));
    c->client_id = strdup(PQgetvalue(r, i, 0));
    c->metadata = strdup(PQgetvalue(r, i, 1));
    if (!PQgetisnull(r, i, 2)) {
        size_t blen = 0;
        unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, 2), &blen);
        if (b && blen == 32) {
            memcpy(c->secret_hash, b, 32);
            c->has_secret = true;
        }
        if (b)
            PQfreemem(b);
    }
    c->created_at = atoll_checked(PQgetvalue(r, i, 3));
    c->updated_at = atoll_checked(PQgetvalue(r, i, 4));
    c->secret_rotated_at = atoll_checked(PQgetvalue(r, i, 5));
    if (!PQgetisnull(r, i, 6)) {
        size_t blen = 0;
        unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, 6), &blen);
        if (b && blen == 32) {
            memcpy(c->registration_token_hash, b, 32);
            c->has_registration_token = true;
        }
        if (b)
            PQfreemem(b);
    }
    copy_field(c->organisation, sizeof(c->organisation), PQgetvalue(r, i, 7));
    c->sandbox = !strcmp(PQgetvalue(r, i, 8), "t");
    c->suspended = !strcmp(PQgetvalue(r, i, 9), "t");
    c->approval_requested_at = atoll_checked(PQgetvalue(r, i, 10));
    return c->client_id && c->metadata ? IDP_OK : IDP_E_NOMEM;
}

idp_err_t idp_pg_client_insert(idp_store_t *s, const idp_store_client_t *c)
{
    idp_err_t ret;
    const char *v[] = {c->client_id,    c->has_secret ? (const char *)c->secret_hash : NULL,
                       c->metadata,     c->has_registration_token ? (const char *)c->registration_token_hash : NULL,
                       c->organisation, c->sandbox ? "true" : "false"};
    int len[] = {0, 32, 0, 32, 0, 0};
    int fmt[] = {0, 1, 0, 1, 0, 0};
    PGresult *r = idp_pg_run(s, stmts, S_CLIENT_INSERT, 6, v, len, fmt, &ret);
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_client_get(idp_store_t *s, const char *client_id, idp_store_client_t *out)
{
    idp_err_t ret;
    const char *v[] = {client_id};
    PGresult *r = idp_pg_run(s, stmts, S_CLIENT_GET, 1, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    ret = PQntuples(r) == 1 ? client_from_row(r, 0, out) : IDP_E_NOT_FOUND;
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_client_list(idp_store_t *s, idp_store_client_t **rows, size_t *n)
{
    idp_err_t ret;
    PGresult *r = idp_pg_run(s, stmts, S_CLIENT_LIST, 0, NULL, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    int nt = PQntuples(r);
    idp_store_client_t *out = calloc(nt ? (size_t)nt : 1, sizeof(*out));
    if (out == NULL) {
        PQclear(r);
        return IDP_E_NOMEM;
    }
    for (int i = 0; i < nt && ret == IDP_OK; i++)
        ret = client_from_row(r, i, &out[i]);
    PQclear(r);
    if (ret != IDP_OK) {
        idp_store_clients_free(out, (size_t)nt);
        return ret;
    }
    *rows = out;
    *n = (size_t)nt;
    return IDP_OK;
}

idp_err_t idp_pg_client_update(idp_store_t *s, const char *client_id, const char *metadata,
                               const unsigned char *secret_hash, bool clear_secret)
{
    idp_err_t ret;
    const char *v[] = {client_id, metadata, (const char *)secret_hash, clear_secret ? "true" : "false"};
    int len[] = {0, 0, 32, 0};
    int fmt[] = {0, 0, 1, 0};
    PGresult *r = idp_pg_run(s, stmts, S_CLIENT_UPDATE, 4, v, len, fmt, &ret);
    if (r && atoi_checked(PQcmdTuples(r)) == 0)
        ret = IDP_E_NOT_FOUND;
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_client_delete(idp_store_t *s, const char *client_id)
{
    idp_err_t ret;
    const char *v[] = {client_id};
    PGresult *r = idp_pg_run(s, stmts, S_CLIENT_DELETE, 1, v, NULL, NULL, &ret);
    if (r && atoi_checked(PQcmdTuples(r)) == 0)
        ret = IDP_E_NOT_FOUND;
    PQclear(r);
    return ret;
}

/* ---- login transactions and card challenges ------------------------------ */

static void tx_from_row(PGresult *r, idp_store_login_tx_t *out)
{
    memset(out, 0, sizeof(*out));
    copy_field(out->id, sizeof(out->id), PQgetvalue(r, 0, 0));
    copy_field(out->client_id, sizeof(out->client_id), PQgetvalue(r, 0, 1));
    copy_field(out->redirect_uri, sizeof(out->redirect_uri), PQgetvalue(r, 0, 2));
    copy_field(out->oidc_nonce, sizeof(out->oidc_nonce), PQgetvalue(r, 0, 3));
    out->expires_at = atoll_checked(PQgetvalue(r, 0, 4));
    copy_field(out->resident_id, sizeof(out->resident_id), PQgetvalue(r, 0, 5));
    copy_field(out->acr, sizeof(out->acr), PQgetvalue(r, 0, 6));
    out->authenticated_at = atoll_checked(PQgetvalue(r, 0, 7));
    copy_field(out->request, sizeof(out->request), PQgetvalue(r, 0, 8));
    if (!PQgetisnull(r, 0, 9)) {
        size_t n = 0;
        unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 9), &n);
        if (b && n == sizeof(out->browser_hash))
            memcpy(out->browser_hash, b, n);
        PQfreemem(b);
    }
    copy_field(out->csrf, sizeof(out->csrf), PQgetvalue(r, 0, 10));
    copy_field(out->session_sid, sizeof(out->session_sid), PQgetvalue(r, 0, 11));
    copy_field(out->link_resident, sizeof(out->link_resident), PQgetvalue(r, 0, 12));
    copy_field(out->credential, sizeof(out->credential), PQgetvalue(r, 0, 13));
    out->reauth = PQgetvalue(r, 0, 14)[0] == 't';
    out->continued = PQgetvalue(r, 0, 15)[0] == 't';
    out->sign_step = PQgetvalue(r, 0, 16)[0] == 't';
    out->sign_declined = PQgetvalue(r, 0, 17)[0] == 't';
    if (!PQgetisnull(r, 0, 18)) {
        size_t n = 0;
        unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 18), &n);
        out->has_new_card = b && n == sizeof(out->new_card_sha256);
        if (out->has_new_card)
            memcpy(out->new_card_sha256, b, n);
        PQfreemem(b);
    }
    copy_field(out->new_card_issuer, sizeof(out->new_card_issuer), PQgetvalue(r, 0, 19));
    copy_field(out->new_card_serial, sizeof(out->new_card_serial), PQgetvalue(r, 0, 20));
    out->new_card_not_after = atoll_checked(PQgetvalue(r, 0, 21));
    copy_field(out->renew_resident, sizeof(out->renew_resident), PQgetvalue(r, 0, 22));
    out->renew_checked = PQgetvalue(r, 0, 23)[0] == 't';
    copy_field(out->signed_in_with, sizeof(out->signed_in_with), PQgetvalue(r, 0, 24));
}

static idp_err_t run_affecting(idp_store_t *s, int stmt, int n, const char *const *v, const int *len, const int *fmt)
{
    idp_err_t ret;
    PGresult *r = idp_pg_run(s, stmts, stmt, n, v, len, fmt, &ret);
    return idp_pg_affected(r, ret);
}

/* One transaction row by statement @p stmt (IDP_E_NOT_FOUND when it answers none). */
static idp_err_t tx_one(idp_store_t *s, int stmt, const char *id, idp_store_login_tx_t *out)
{
    idp_err_t ret;
    const char *v[] = {id};
    PGresult *r = idp_pg_run(s, stmts, stmt, 1, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    if (PQntuples(r) == 0)
        ret = IDP_E_NOT_FOUND;
    else
        tx_from_row(r, out);
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_login_tx_get(idp_store_t *s, const char *id, idp_store_login_tx_t *out)
{
    return tx_one(s, S_TX_GET, id, out);
}

idp_err_t idp_pg_login_tx_continue(idp_store_t *s, const char *id, idp_store_login_tx_t *out)
{
    return tx_one(s, S_TX_CONTINUE, id, out);
}

idp_err_t idp_pg_login_tx_create(idp_store_t *s, const idp_store_login_tx_t *tx, int ttl)
{
    idp_err_t ret;
    char t[16];
    snprintf(t, sizeof(t), "%d", ttl);
    const char *v[] = {tx->id,
                       tx->client_id[0] ? tx->client_id : NULL,
                       tx->redirect_uri,
                       tx->oidc_nonce,
                       t,
                       tx->request,
                       (const char *)tx->browser_hash,
                       tx->csrf,
                       tx->session_sid,
                       tx->reauth ? "t" : "f",
                       tx->sign_step ? "t" : "f",
                       tx->signed_in_with};
    int len[] = {0, 0, 0, 0, 0, 0, 32, 0, 0, 0, 0, 0}, fmt[] = {0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0};
    PQclear(idp_pg_run(s, stmts, S_TX_CREATE, 12, v, len, fmt, &ret));
    return ret;
}

idp_err_t idp_pg_login_tx_pending(idp_store_t *s, const unsigned char browser_hash[32], const char *request,
                                  const char *session_sid, int min_left, int *pending, char reuse[64])
{
    idp_err_t ret;
    char m[16];
    snprintf(m, sizeof(m), "%d", min_left);
    const char *v[] = {(const char *)browser_hash, request, session_sid, m};
    int len[] = {32, 0, 0, 0}, fmt[] = {1, 0, 0, 0};
    PGresult *r = idp_pg_run(s, stmts, S_TX_PENDING, 4, v, len, fmt, &ret);
    if (r == NULL)
        return ret;
    *pending = PQntuples(r) == 1 ? atoi_checked(PQgetvalue(r, 0, 0)) : 0;
    copy_field(reuse, 64, PQntuples(r) == 1 ? PQgetvalue(r, 0, 1) : "");
    PQclear(r);
    return IDP_OK;
}

idp_err_t idp_pg_login_tx_decline(idp_store_t *s, const char *id)
{
    const char *v[] = {id};
    return run_affecting(s, S_TX_DECLINE, 1, v, NULL, NULL);
}

idp_err_t idp_pg_login_tx_new_card(idp_store_t *s, const char *id, const idp_store_card_cert_t *cert, bool checked,
                                   const char *renew_resident)
{
    char na[24];
    snprintf(na, sizeof(na), "%lld", cert->not_after);
    const char *v[] = {
        id, (const char *)cert->sha256, cert->issuer_key_id, cert->serial, na, renew_resident, checked ? "t" : "f"};
    int len[] = {0, 32, 0, 0, 0, 0, 0}, fmt[] = {0, 1, 0, 0, 0, 0, 0};
    return run_affecting(s, S_TX_NEW_CARD, 7, v, len, fmt);
}

idp_err_t idp_pg_login_tx_sign_step(idp_store_t *s, const char *id)
{
    const char *v[] = {id};
    return run_affecting(s, S_TX_SIGN_STEP, 1, v, NULL, NULL);
}

idp_err_t idp_pg_attrs_match(idp_store_t *s, const unsigned char match_key[32], char resident_id[64])
{
    idp_err_t ret;
    const char *v[] = {(const char *)match_key};
    int len[] = {32}, fmt[] = {1};
    PGresult *r = idp_pg_run(s, stmts, S_ATTRS_MATCH, 1, v, len, fmt, &ret);
    if (r == NULL)
        return ret;
    if (PQntuples(r) == 1)
        copy_field(resident_id, 64, PQgetvalue(r, 0, 0));
    ret = PQntuples(r) == 0 ? IDP_E_NOT_FOUND : PQntuples(r) > 1 ? IDP_E_CONFLICT : IDP_OK;
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_pair_check(idp_store_t *s, const char *sign_issuer, const char *sign_serial, const char *auth_issuer,
                            const char *auth_serial)
{
    idp_err_t ret;
    const char *v[] = {sign_issuer, sign_serial, auth_issuer, auth_serial};
    PGresult *r = idp_pg_run(s, stmts, S_PAIR_CHECK, 4, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    ret = PQntuples(r) == 1 && atoi_checked(PQgetvalue(r, 0, 0)) > 0 ? IDP_E_CONFLICT : IDP_OK;
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_login_tx_end(idp_store_t *s, const unsigned char *browser_hash, const char *sid, int *n)
{
    idp_err_t ret;
    const char *v[] = {(const char *)browser_hash, sid};
    int len[] = {browser_hash ? 32 : 0, 0}, fmt[] = {1, 0};
    PGresult *r = idp_pg_run(s, stmts, S_TX_END, 2, v, len, fmt, &ret);
    if (r && n)
        *n = atoi_checked(PQcmdTuples(r));
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_login_tx_authenticate(idp_store_t *s, const char *id, const char *resident_id, const char *acr,
                                       const char *credential)
{
    const char *v[] = {id, resident_id, acr, credential};
    return run_affecting(s, S_TX_AUTH, 4, v, NULL, NULL);
}

idp_err_t idp_pg_card_challenge_create(idp_store_t *s, const idp_store_card_challenge_t *c, int ttl, int max_per_tx)
{
    char t[16], m[16];
    snprintf(t, sizeof(t), "%d", ttl);
    snprintf(m, sizeof(m), "%d", max_per_tx);
    const char *v[] = {c->id, c->login_tx, c->purpose, (const char *)c->nonce, t, m};
    int len[] = {0, 0, 0, 32, 0, 0}, fmt[] = {0, 0, 0, 1, 0, 0};
    idp_err_t ret = run_affecting(s, S_CH_CREATE, 6, v, len, fmt);
    if (ret == IDP_E_NOT_FOUND) {
        /* Nothing inserted: the transaction is gone, or it has had its share of challenges. */
        idp_store_login_tx_t tx;
        idp_err_t e = idp_pg_login_tx_get(s, c->login_tx, &tx);
        ret = e == IDP_OK ? IDP_E_CONFLICT : e;
    }
    return ret;
}

static void challenge_from_row(PGresult *r, idp_store_card_challenge_t *out)
{
    memset(out, 0, sizeof(*out));
    copy_field(out->id, sizeof(out->id), PQgetvalue(r, 0, 0));
    copy_field(out->login_tx, sizeof(out->login_tx), PQgetvalue(r, 0, 1));
    copy_field(out->purpose, sizeof(out->purpose), PQgetvalue(r, 0, 2));
    size_t n = 0;
    unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 3), &n);
    if (b && n == sizeof(out->nonce))
        memcpy(out->nonce, b, n);
    PQfreemem(b);
    out->expires_at = atoll_checked(PQgetvalue(r, 0, 4));
    copy_field(out->status, sizeof(out->status), PQgetvalue(r, 0, 5));
    copy_field(out->reason, sizeof(out->reason), PQgetvalue(r, 0, 6));
}

idp_err_t idp_pg_card_challenge_get(idp_store_t *s, const char *id, idp_store_card_challenge_t *out)
{
    idp_err_t ret;
    const char *v[] = {id};
    PGresult *r = idp_pg_run(s, stmts, S_CH_PEEK, 1, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    if (PQntuples(r) == 0) {
        ret = IDP_E_NOT_FOUND;
    } else {
        challenge_from_row(r, out);
        out->used = PQgetvalue(r, 0, 7)[0] == 't';
    }
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_card_challenge_take(idp_store_t *s, const char *id, idp_store_card_challenge_t *out)
{
    idp_err_t ret;
    const char *v[] = {id};
    PGresult *r = idp_pg_run(s, stmts, S_CH_TAKE, 1, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    if (PQntuples(r) == 1) {
        challenge_from_row(r, out);
        PQclear(r);
        return IDP_OK;
    }
    PQclear(r);
    /* Not taken: say why. */
    if ((r = idp_pg_run(s, stmts, S_CH_PEEK, 1, v, NULL, NULL, &ret)) == NULL)
        return ret;
    if (PQntuples(r) == 0)
        ret = IDP_E_NOT_FOUND;
    else
        ret = !strcmp(PQgetvalue(r, 0, 7), "t") ? IDP_E_CONFLICT : IDP_E_INVALID_GRANT;
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_card_challenge_finish(idp_store_t *s, const char *id, const char *status, const char *reason)
{
    const char *v[] = {id, status, reason ? reason : ""};
    return run_affecting(s, S_CH_FINISH, 3, v, NULL, NULL);
}

/* ---- card identities --------------------------------------------------------- */

static idp_err_t insert_cert(idp_pg_conn_t *c, const idp_store_card_cert_t *cert, const char *resident_id)
{
    char na[24];
    snprintf(na, sizeof(na), "%lld", cert->not_after);
    const char *v[] = {(const char *)cert->sha256, resident_id, cert->purpose, cert->issuer_key_id, cert->serial, na};
    int len[] = {32, 0, 0, 0, 0, 0}, fmt[] = {1, 0, 0, 0, 0, 0};
    return tx_exec(c, S_CERT_INSERT, 6, v, len, fmt, NULL);
}

/* The resident of a known certificate ("" if unknown). */
static idp_err_t resident_by_hash(idp_pg_conn_t *c, const unsigned char sha[32], char out[64])
{
    idp_err_t ret;
    const char *v[] = {(const char *)sha};
    int len[] = {32}, fmt[] = {1};
    PGresult *r = idp_pg_exec(c, stmts, S_CERT_BY_HASH, 1, v, len, fmt, &ret);
    out[0] = '\0';
    if (r && PQntuples(r) == 1)
        copy_field(out, 64, PQgetvalue(r, 0, 0));
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_card_resident(idp_store_t *s, const idp_store_card_cert_t *cert, const char *new_id,
                               char resident_id[64], bool *created)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    PGresult *r = NULL;
    const char *hv[] = {(const char *)cert->sha256};
    int hl[] = {32}, hf[] = {1};
    *created = false;
    if ((ret = idp_pg_acquire(idp_pg(s)->pool, &c)) != IDP_OK)
        return ret;
    if ((ret = idp_pg_command(c, "BEGIN")) != IDP_OK ||
        (ret = resident_by_hash(c, cert->sha256, resident_id)) != IDP_OK)
        goto Exit;
    if (resident_id[0]) {
        ret = tx_exec(c, S_CERT_TOUCH, 1, hv, hl, hf, NULL);
    } else {
        /* A renewed card: follow the imported linkage to the resident of an older certificate. */
        const char *lv[] = {cert->issuer_key_id, cert->serial};
        if ((r = idp_pg_exec(c, stmts, S_CERT_BY_LINKAGE, 2, lv, NULL, NULL, &ret)) == NULL)
            goto Exit;
        if (PQntuples(r) == 1) {
            copy_field(resident_id, 64, PQgetvalue(r, 0, 0));
        } else if (new_id == NULL) {
            ret = IDP_E_NOT_FOUND; /* an unknown card, and the caller creates nobody */
            goto Exit;
        } else {
            const char *nv[] = {new_id};
            if ((ret = tx_exec(c, S_RESIDENT_INSERT, 1, nv, NULL, NULL, NULL)) != IDP_OK)
                goto Exit;
            copy_field(resident_id, 64, new_id);
            *created = true;
        }
        ret = insert_cert(c, cert, resident_id);
    }
    if (ret == IDP_OK)
        ret = idp_pg_command(c, "COMMIT");
Exit:
    PQclear(r);
    if (ret != IDP_OK && c->pg && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        idp_pg_command(c, "ROLLBACK");
    idp_pg_release(idp_pg(s)->pool, c);
    return ret;
}

idp_err_t idp_pg_audit_on(idp_pg_conn_t *c, const char *event, const char *resident_id, const char *detail)
{
    const char *v[] = {event, resident_id ? resident_id : "", detail ? detail : "{}"};
    return tx_exec(c, S_AUDIT, 3, v, NULL, NULL, NULL);
}

idp_err_t idp_pg_audit_append(idp_store_t *s, const char *event, const char *resident_id, const char *detail)
{
    idp_pg_conn_t *c;
    idp_err_t ret = idp_pg_acquire(idp_pg(s)->pool, &c);
    if (ret == IDP_OK) {
        ret = idp_pg_audit_on(c, event, resident_id, detail);
        idp_pg_release(idp_pg(s)->pool, c);
    }
    return ret;
}

idp_err_t idp_pg_card_link(idp_store_t *s, const idp_store_card_cert_t *cert, const char *resident_id)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    PGresult *r = NULL;
    char owner[64], recorded[64];
    if ((ret = idp_pg_begin(s, &c, "BEGIN")) != IDP_OK)
        return ret;
    if ((ret = resident_by_hash(c, cert->sha256, recorded)) != IDP_OK)
        goto Exit;
    copy_field(owner, sizeof(owner), recorded);
    if (!owner[0]) { /* a renewed card of a known resident counts as that resident's */
        const char *lv[] = {cert->issuer_key_id, cert->serial};
        if ((r = idp_pg_exec(c, stmts, S_CERT_BY_LINKAGE, 2, lv, NULL, NULL, &ret)) == NULL)
            goto Exit;
        if (PQntuples(r) == 1)
            copy_field(owner, sizeof(owner), PQgetvalue(r, 0, 0));
    }
    if (owner[0] && strcmp(owner, resident_id) != 0) {
        ret = IDP_E_CONFLICT;
        goto Exit;
    }
    if (!recorded[0] && (ret = insert_cert(c, cert, resident_id)) == IDP_OK) {
        char detail[256];
        snprintf(detail, sizeof(detail), "{\"kind\":\"card\",\"issuer_key_id\":\"%s\",\"serial\":\"%s\"}",
                 cert->issuer_key_id, cert->serial); /* hex strings: no escaping needed */
        ret = idp_pg_audit_on(c, "credential_linked", resident_id, detail);
    }
Exit:
    PQclear(r);
    return idp_pg_end(s, c, ret);
}

/* A resident's sealed attributes from signing certificate @p sha256 (*upserted: 1 when written, 0 when a
 * newer row stood), and the match key renewal by re-verification looks residents up by. */
static idp_err_t attrs_write(idp_pg_conn_t *c, const char *resident_id, const idp_pg_sealed_row_t *sealed,
                             const unsigned char sha256[32], const unsigned char *match_key, int *upserted)
{
    const char *v[13] = {resident_id, sealed->key_text};
    int len[13] = {0}, fmt[13] = {0};
    for (int i = 0; i < idp_pg_sealed_resident_attrs.n; i++) {
        v[2 + i] = (const char *)sealed->v[i];
        len[2 + i] = sealed->len[i];
        fmt[2 + i] = 1;
    }
    v[12] = (const char *)sha256;
    len[12] = 32;
    fmt[12] = 1;
    idp_err_t ret = tx_exec(c, S_ATTRS_UPSERT, 13, v, len, fmt, upserted);
    if (ret == IDP_OK && *upserted == 1 && match_key) {
        const char *mv[] = {resident_id, (const char *)match_key};
        int ml[] = {0, 32}, mf[] = {0, 1};
        ret = tx_exec(c, S_ATTRS_MATCH_KEY, 2, mv, ml, mf, NULL);
    }
    return ret;
}

/*
 * Stores @p a as @p resident_id's verified attributes, sealed, in one
 * transaction with what @p before (may be NULL) and @p after (may be NULL)
 * write on the same connection: the evidence they came from. The values are
 * sealed before the transaction (the sealer may reload keys through the
 * store), and a second time when the data key was rotated meanwhile.
 */
typedef idp_err_t (*attrs_step_fn)(idp_pg_conn_t *c, const char *resident_id, const void *ctx);

static idp_err_t sealed_attrs_tx(idp_store_t *s, const char *resident_id, const idp_store_attrs_t *a,
                                 const unsigned char sha256[32], attrs_step_fn before, attrs_step_fn after,
                                 const void *ctx)
{
    idp_pg_conn_t *c = NULL;
    idp_err_t ret;
    idp_pg_sealed_row_t sealed;
    /* In the order of idp_pg_sealed_resident_attrs' columns. */
    const char *values[] = {a->name,
                            a->name_alt,
                            a->gender,
                            a->birth_date,
                            a->address,
                            a->address_alt,
                            a->sakai_resident ? "true" : "false",
                            a->sakai_ward,
                            a->gender_raw,
                            a->birth_date_raw};
    for (int attempt = 0; attempt < 2; attempt++) {
        int upserted = 0;
        if ((ret = idp_pg_seal_row(s, &idp_pg_sealed_resident_attrs, resident_id, values, attempt > 0, &sealed)) !=
            IDP_OK)
            return ret;
        if ((ret = idp_pg_acquire(idp_pg(s)->pool, &c)) != IDP_OK)
            goto Exit;
        if ((ret = idp_pg_command(c, "BEGIN")) != IDP_OK || (before && (ret = before(c, resident_id, ctx)) != IDP_OK))
            goto Exit;
        if ((ret = attrs_write(c, resident_id, &sealed, sha256, a->match_key, &upserted)) != IDP_OK)
            goto Exit;
        if (upserted == 1) {
            if (after == NULL || (ret = after(c, resident_id, ctx)) == IDP_OK)
                ret = idp_pg_command(c, "COMMIT");
            goto Exit;
        }
        /* No row: the data key is no longer the active one (rotated meanwhile). Reload, seal again. */
        idp_log_msg(IDP_LOG_INFO, "data_key_not_active", "data key %d was rotated: sealing again", sealed.key_id);
        ret = IDP_E_SERVER_ERROR;
        idp_pg_command(c, "ROLLBACK");
        idp_pg_release(idp_pg(s)->pool, c);
        c = NULL;
        idp_pg_sealed_row_free(&sealed);
    }
    return ret;
Exit:
    idp_pg_sealed_row_free(&sealed);
    if (c) {
        if (ret != IDP_OK && c->pg && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
            idp_pg_command(c, "ROLLBACK");
        idp_pg_release(idp_pg(s)->pool, c);
    }
    return ret;
}

/* The signing certificate is this resident's, recorded now if it was nobody's. */
static idp_err_t enrol_cert(idp_pg_conn_t *c, const char *resident_id, const void *ctx)
{
    const idp_store_card_cert_t *cert = ctx;
    char owner[64];
    idp_err_t ret = resident_by_hash(c, cert->sha256, owner);
    if (ret == IDP_OK && owner[0] && strcmp(owner, resident_id) != 0)
        ret = IDP_E_CONFLICT; /* someone else's signing certificate */
    if (ret == IDP_OK && !owner[0])
        ret = insert_cert(c, cert, resident_id);
    return ret;
}

idp_err_t idp_pg_card_enrol_sign(idp_store_t *s, const char *resident_id, const idp_store_card_cert_t *cert,
                                 const idp_store_attrs_t *a)
{
    return sealed_attrs_tx(s, resident_id, a, cert->sha256, enrol_cert, NULL, cert);
}

/* The card channel that verified them, named on the row (migration 0014). */
static idp_err_t upstream_evidence(idp_pg_conn_t *c, const char *resident_id, const void *ctx)
{
    const idp_store_evidence_t *ev = ctx;
    const char *v[] = {resident_id, ev->upstream_id, ev->issuer, ev->subject, ev->assurance ? ev->assurance : ""};
    return tx_exec(c, S_ATTRS_EVIDENCE, 5, v, NULL, NULL, NULL);
}

idp_err_t idp_pg_attrs_from_upstream(idp_store_t *s, const char *resident_id, const idp_store_evidence_t *ev,
                                     const idp_store_attrs_t *a)
{
    return sealed_attrs_tx(s, resident_id, a, ev->sha256, NULL, upstream_evidence, ev);
}

/* The resident who holds @p cert now, by hash or by imported linkage ("" nobody); *recorded: by hash. */
static idp_err_t holder(idp_pg_conn_t *c, const idp_store_card_cert_t *cert, char out[64], bool *recorded)
{
    idp_err_t ret = resident_by_hash(c, cert->sha256, out);
    *recorded = out[0] != '\0';
    if (ret != IDP_OK || out[0])
        return ret;
    const char *lv[] = {cert->issuer_key_id, cert->serial};
    PGresult *r = idp_pg_exec(c, stmts, S_CERT_BY_LINKAGE, 2, lv, NULL, NULL, &ret);
    if (r && PQntuples(r) == 1)
        copy_field(out, 64, PQgetvalue(r, 0, 0));
    PQclear(r);
    return ret;
}

/*
 * Everything of idp_store_card_verified but the attribute row, on @p c in
 * its transaction; IDP_OK with *outcome (the caller rolls back unless it is
 * IDP_CARD_SIGNED_IN or IDP_CARD_NEW_CARD).
 */
static idp_err_t verified_on(idp_pg_conn_t *c, const idp_store_card_result_t *r, idp_store_card_outcome_t *outcome,
                             char resident_id[64], bool *created)
{
    const idp_store_card_cert_t *cert = r->auth;
    const char *hv[] = {(const char *)cert->sha256};
    int hl[] = {32}, hf[] = {1}, n = 0;
    char owner[64];
    bool recorded;
    idp_err_t ret;
    const char *cv[] = {r->challenge_id};
    if ((ret = tx_exec(c, S_CH_VERIFIED, 1, cv, NULL, NULL, &n)) != IDP_OK)
        return ret;
    if (n == 0) {
        PGresult *p = idp_pg_exec(c, stmts, S_CH_PEEK, 1, cv, NULL, NULL, &ret);
        if (p)
            ret = PQntuples(p) == 0 ? IDP_E_NOT_FOUND : IDP_E_CONFLICT; /* not taken, or finished: a replay */
        PQclear(p);
        return ret;
    }
    if ((ret = holder(c, cert, owner, &recorded)) != IDP_OK)
        return ret;
    if (r->link_resident && r->link_resident[0]) {
        if (owner[0] && strcmp(owner, r->link_resident) != 0) {
            *outcome = IDP_CARD_ALREADY_LINKED;
            return IDP_OK;
        }
        if (!recorded) {
            char detail[256];
            snprintf(detail, sizeof(detail), "{\"kind\":\"card\",\"issuer_key_id\":\"%s\",\"serial\":\"%s\"}",
                     cert->issuer_key_id, cert->serial); /* hex strings: no escaping needed */
            if ((ret = insert_cert(c, cert, r->link_resident)) != IDP_OK ||
                (ret = idp_pg_audit_on(c, "credential_linked", r->link_resident, detail)) != IDP_OK)
                return ret;
        }
        copy_field(resident_id, 64, r->link_resident);
    } else if (owner[0]) {
        copy_field(resident_id, 64, owner);
        ret = recorded ? tx_exec(c, S_CERT_TOUCH, 1, hv, hl, hf, NULL) : insert_cert(c, cert, resident_id);
        if (ret != IDP_OK)
            return ret;
    } else if (r->expect_resident && r->expect_resident[0]) {
        *outcome = IDP_CARD_MISMATCH;
        return IDP_OK;
    } else if (r->fresh_id) {
        const char *nv[] = {r->fresh_id};
        if ((ret = tx_exec(c, S_RESIDENT_INSERT, 1, nv, NULL, NULL, NULL)) != IDP_OK ||
            (ret = insert_cert(c, cert, r->fresh_id)) != IDP_OK)
            return ret;
        copy_field(resident_id, 64, r->fresh_id);
        *created = true;
    } else {
        /* Nobody holds it: it waits in the transaction until the resident answers. */
        char na[24];
        snprintf(na, sizeof(na), "%lld", cert->not_after);
        const char *v[] = {r->login_tx,
                           (const char *)cert->sha256,
                           cert->issuer_key_id,
                           cert->serial,
                           na,
                           r->renew_resident ? r->renew_resident : "",
                           r->sign ? "t" : "f"};
        int len[] = {0, 32, 0, 0, 0, 0, 0}, fmt[] = {0, 1, 0, 0, 0, 0, 0};
        if ((ret = tx_exec(c, S_TX_NEW_CARD, 7, v, len, fmt, &n)) != IDP_OK)
            return ret;
        *outcome = n == 0 ? IDP_CARD_LOGIN_ENDED : IDP_CARD_NEW_CARD;
        if (n == 0)
            return IDP_OK;
        return idp_pg_audit_on(c, "card_login_new_card", NULL, r->detail);
    }
    if (r->expect_resident && r->expect_resident[0] && strcmp(resident_id, r->expect_resident) != 0) {
        *outcome = IDP_CARD_MISMATCH;
        return IDP_OK;
    }
    if (r->sign) {
        if (r->attrs == NULL) {
            *outcome = IDP_CARD_BAD_ATTRS;
            return IDP_OK;
        }
        if ((ret = resident_by_hash(c, r->sign->sha256, owner)) != IDP_OK)
            return ret;
        if (owner[0] && strcmp(owner, resident_id) != 0) {
            *outcome = IDP_CARD_SIGN_CONFLICT;
            return IDP_OK;
        }
        if (!owner[0] && (ret = insert_cert(c, r->sign, resident_id)) != IDP_OK)
            return ret;
    }
    const char *av[] = {r->login_tx, resident_id, r->acr, r->credential};
    if ((ret = tx_exec(c, S_TX_AUTH, 4, av, NULL, NULL, &n)) != IDP_OK)
        return ret;
    if (n == 0) {
        *outcome = IDP_CARD_LOGIN_ENDED;
        return IDP_OK;
    }
    if ((ret = idp_pg_audit_on(c, "card_login", resident_id, r->detail)) == IDP_OK && r->sign)
        ret = idp_pg_audit_on(c, "card_enrolled", resident_id, r->detail);
    return ret;
}

/* The resident a verified card will sign in, as things stand ("" when unknown or nobody): its attributes' row id. */
static idp_err_t predict_resident(idp_store_t *s, const idp_store_card_result_t *r, char out[64])
{
    idp_pg_conn_t *c;
    bool recorded;
    idp_err_t ret;
    if (r->link_resident && r->link_resident[0]) {
        copy_field(out, 64, r->link_resident);
        return IDP_OK;
    }
    if ((ret = idp_pg_acquire(idp_pg(s)->pool, &c)) != IDP_OK)
        return ret;
    ret = holder(c, r->auth, out, &recorded);
    idp_pg_release(idp_pg(s)->pool, c);
    if (ret == IDP_OK && !out[0] && r->fresh_id)
        copy_field(out, 64, r->fresh_id);
    return ret;
}

idp_err_t idp_pg_card_verified(idp_store_t *s, const idp_store_card_result_t *r, idp_store_card_outcome_t *outcome,
                               char resident_id[64], bool *created)
{
    idp_pg_conn_t *c = NULL;
    idp_err_t ret = IDP_OK;
    bool sealing = r->sign && r->attrs;
    char predicted[64] = "";
    idp_pg_sealed_row_t sealed;
    memset(&sealed, 0, sizeof(sealed));
    /* In the order of idp_pg_sealed_resident_attrs' columns. */
    const idp_store_attrs_t *a = r->attrs;
    const char *values[] = {a ? a->name : NULL,
                            a ? a->name_alt : NULL,
                            a ? a->gender : NULL,
                            a ? a->birth_date : NULL,
                            a ? a->address : NULL,
                            a ? a->address_alt : NULL,
                            a && a->sakai_resident ? "true" : "false",
                            a ? a->sakai_ward : NULL,
                            a ? a->gender_raw : NULL,
                            a ? a->birth_date_raw : NULL};
    /*
     * The attributes are sealed before the transaction (the sealer may reload keys through the store), for the
     * resident they will belong to (the row id is in their associated data). A second attempt when that guess
     * changed meanwhile, or the data key was rotated.
     */
    for (int attempt = 0; attempt < 2; attempt++) {
        int upserted = 0;
        *outcome = IDP_CARD_SIGNED_IN;
        *created = false;
        resident_id[0] = '\0';
        if (sealing && ((ret = predict_resident(s, r, predicted)) != IDP_OK ||
                        (predicted[0] && (ret = idp_pg_seal_row(s, &idp_pg_sealed_resident_attrs, predicted, values,
                                                                attempt > 0, &sealed)) != IDP_OK)))
            return ret;
        if ((ret = idp_pg_begin(s, &c, "BEGIN")) != IDP_OK)
            goto Exit;
        if ((ret = verified_on(c, r, outcome, resident_id, created)) != IDP_OK ||
            (*outcome != IDP_CARD_SIGNED_IN && *outcome != IDP_CARD_NEW_CARD))
            goto Exit;
        if (*outcome == IDP_CARD_NEW_CARD || !sealing) {
            ret = idp_pg_end(s, c, IDP_OK);
            c = NULL;
            goto Exit;
        }
        if (strcmp(predicted, resident_id) == 0) {
            if ((ret = attrs_write(c, resident_id, &sealed, r->sign->sha256, a->match_key, &upserted)) != IDP_OK)
                goto Exit;
        }
        if (upserted == 1) {
            ret = idp_pg_end(s, c, IDP_OK);
            c = NULL;
            goto Exit;
        }
        /* Sealed for another resident (the card changed hands meanwhile), or under a key rotated meanwhile. */
        idp_log_msg(IDP_LOG_INFO, "card_verified_retry", "sealed for %s, under data key %d: sealing again",
                    predicted[0] ? "the resident expected" : "nobody", sealed.key_id);
        ret = IDP_E_UNAVAILABLE;
        idp_pg_end(s, c, IDP_E_UNAVAILABLE); /* rolls back */
        c = NULL;
        idp_pg_sealed_row_free(&sealed);
        memset(&sealed, 0, sizeof(sealed));
    }
    return ret;
Exit:
    idp_pg_sealed_row_free(&sealed);
    if (c) /* rolls back: an error, or an outcome that writes nothing */
        (void)idp_pg_end(s, c, ret != IDP_OK ? ret : IDP_E_CONFLICT);
    if (ret != IDP_OK || (*outcome != IDP_CARD_SIGNED_IN && *outcome != IDP_CARD_NEW_CARD)) {
        *created = false;
        resident_id[0] = '\0';
    }
    return ret;
}

idp_err_t idp_pg_pair_import(idp_store_t *s, const idp_store_linkage_t *rows, size_t n)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    if ((ret = idp_pg_begin(s, &c, "BEGIN")) != IDP_OK)
        return ret;
    for (size_t i = 0; i < n && ret == IDP_OK; i++) {
        const char *v[] = {rows[i].old_issuer_key_id, rows[i].old_serial, rows[i].new_issuer_key_id,
                           rows[i].new_serial};
        ret = tx_exec(c, S_PAIR_UPSERT, 4, v, NULL, NULL, NULL);
    }
    return idp_pg_end(s, c, ret);
}

idp_err_t idp_pg_linkage_import(idp_store_t *s, const idp_store_linkage_t *rows, size_t n)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    if ((ret = idp_pg_begin(s, &c, "BEGIN")) != IDP_OK)
        return ret;
    for (size_t i = 0; i < n && ret == IDP_OK; i++) {
        const char *v[] = {rows[i].old_issuer_key_id, rows[i].old_serial, rows[i].new_issuer_key_id,
                           rows[i].new_serial};
        ret = tx_exec(c, S_LINKAGE_UPSERT, 4, v, NULL, NULL, NULL);
    }
    return idp_pg_end(s, c, ret);
}

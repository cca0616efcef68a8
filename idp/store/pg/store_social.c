/*
 * The PostgreSQL store for social login (store.h, "social login and
 * linking"): upstream providers, the upstream leg of login transactions,
 * social identities, credentials and unlinking (social accounts and cards).
 * Statement indexes 96-127.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg/internal.h"

enum {
    U_INSERT = 96,
    U_UPDATE,
    U_GET,
    U_LIST,
    U_DELETE,
    U_TX_UPSTREAM,
    U_TX_TAKE,
    U_TX_LINK,
    U_SOCIAL_GET,
    U_SOCIAL_INSERT,
    U_SOCIAL_TOUCH,
    U_RESIDENT_INSERT,
    U_CREDENTIALS,
    U_SOCIAL_DELETE,
    U_CARD_DELETE,
    U_CARD_VERIFIED_DELETE,
    U_UPSTREAM_VERIFIED_DELETE,
    U_SESSIONS_END_CREDENTIAL,
    U_ROLE_GRANT,
    U_ROLE_REVOKE,
    U_ROLES,
    U__END
};

/* The SQL text is laid out by hand. */
/* clang-format off */
#define EPOCH(col) "floor(extract(epoch from " col "))::bigint"
#define UPSTREAM_COLS "id, issuer, client_id, client_secret_enc, scopes, display_name, coalesce(icon_uri, ''), enabled, " \
                      EPOCH("created_at") ", " EPOCH("updated_at") ", kind, acr_values"

static const idp_pg_stmt_t stmts[IDP_PG_MAX_STMTS] = {
    [U_INSERT] = {"upstream_insert",
                  "INSERT INTO upstream_providers (id, issuer, client_id, client_secret_enc, scopes, display_name, "
                  "icon_uri, enabled, kind, acr_values) "
                  "VALUES ($1, $2, $3, $4::bytea, $5, $6, nullif($7, ''), $8::boolean, $9, $10)"},
    [U_UPDATE] = {"upstream_update",
                  "UPDATE upstream_providers SET issuer = $2, client_id = $3, "
                  "client_secret_enc = coalesce($4::bytea, client_secret_enc), scopes = $5, display_name = $6, "
                  "icon_uri = nullif($7, ''), enabled = $8::boolean, kind = $9, acr_values = $10, updated_at = now() "
                  "WHERE id = $1"},
    [U_GET] = {"upstream_get", "SELECT " UPSTREAM_COLS " FROM upstream_providers WHERE id = $1"},
    [U_LIST] = {"upstream_list", "SELECT " UPSTREAM_COLS " FROM upstream_providers WHERE enabled OR NOT $1::boolean ORDER BY id"},
    [U_DELETE] = {"upstream_delete", "DELETE FROM upstream_providers WHERE id = $1"},
    [U_TX_UPSTREAM] = {"tx_upstream",
                       "UPDATE login_transactions SET upstream_id = $2, upstream_state = $3, upstream_nonce = $4, "
                       "upstream_verifier = $5 WHERE id = $1 AND expires_at > now() AND continued_at IS NULL"},
    /* The state is good for one callback. */
    [U_TX_TAKE] = {"tx_take_upstream",
                   "UPDATE login_transactions SET upstream_state = NULL WHERE upstream_state = $1 AND expires_at > now() "
                   "AND continued_at IS NULL "
                   "RETURNING id, upstream_id, upstream_nonce, upstream_verifier"},
    [U_TX_LINK] = {"tx_link", "UPDATE login_transactions SET link_resident = $2 WHERE id = $1 AND expires_at > now()"},
    [U_SOCIAL_GET] = {"social_get", "SELECT resident_id FROM social_identities WHERE issuer = $1 AND subject = $2 FOR UPDATE"},
    [U_SOCIAL_INSERT] = {"social_insert",
                         "INSERT INTO social_identities (issuer, subject, resident_id, upstream_id) VALUES ($1, $2, $3, $4)"},
    [U_SOCIAL_TOUCH] = {"social_touch",
                        "UPDATE social_identities SET last_used = now() WHERE issuer = $1 AND subject = $2"},
    [U_RESIDENT_INSERT] = {"resident_insert_social", "INSERT INTO residents (id) VALUES ($1)"},
    [U_CREDENTIALS] = {"credentials",
                       "SELECT 'card', issuer_key_id, serial, '', " EPOCH("first_seen") ", " EPOCH("not_after")
                       " FROM card_certificates WHERE resident_id = $1 AND purpose = 'auth' UNION ALL "
                       "SELECT 'social', issuer, subject, upstream_id, " EPOCH("linked_at") ", 0 FROM social_identities "
                       "WHERE resident_id = $1 ORDER BY 5"},
    [U_SOCIAL_DELETE] = {"social_delete",
                         "DELETE FROM social_identities WHERE resident_id = $1 AND issuer = $2 AND subject = $3"},
    [U_CARD_DELETE] = {"card_delete",
                       "DELETE FROM card_certificates WHERE resident_id = $1 AND purpose = 'auth' AND issuer_key_id = $2 "
                       "AND serial = $3"},
    /* With no card left, what the cards' signing certificates verified goes too (counted: 1 when it went). */
    [U_CARD_VERIFIED_DELETE] = {"card_verified_delete",
                                "WITH no_card AS (SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM card_certificates "
                                "WHERE resident_id = $1 AND purpose = 'auth')), "
                                "s AS (DELETE FROM card_certificates WHERE resident_id = $1 AND purpose = 'sign' "
                                "AND EXISTS (SELECT 1 FROM no_card)) "
                                "DELETE FROM resident_attributes WHERE resident_id = $1 AND evidence_upstream IS NULL "
                                "AND EXISTS (SELECT 1 FROM no_card)"},
    /* What a card channel verified goes with the identity that signed in through it (migration 0014). */
    [U_UPSTREAM_VERIFIED_DELETE] = {"upstream_verified_delete",
                                    "DELETE FROM resident_attributes WHERE resident_id = $1 AND evidence_issuer = $2 "
                                    "AND evidence_subject = $3"},
    /* The sessions the removed credential signed in (the sessions_resident index, then a filter). */
    [U_SESSIONS_END_CREDENTIAL] = {"sessions_end_credential",
                                   "UPDATE sessions SET ended_at = now() WHERE resident_id = $1 AND credential = $2 "
                                   "AND credential <> '' AND sid <> $3 AND ended_at IS NULL AND expires_at > now() "
                                   "RETURNING sid"},
    /* residents' admin roles (migration 0018) */
    [U_ROLE_GRANT] = {"role_grant", "INSERT INTO admin_roles (resident_id, role) SELECT id, $2 FROM residents "
                                    "WHERE id = $1 ON CONFLICT DO NOTHING RETURNING 1"},
    [U_ROLE_REVOKE] = {"role_revoke", "DELETE FROM admin_roles WHERE resident_id = $1 AND role = $2"},
    [U_ROLES] = {"roles", "SELECT resident_id, role FROM admin_roles WHERE $1::text IS NULL OR resident_id = $1 "
                          "ORDER BY resident_id, role"},
};
/* clang-format on */

/* ---- upstream providers -------------------------------------------------------- */

static void upstream_from_row(PGresult *r, int i, idp_store_upstream_t *u)
{
    memset(u, 0, sizeof(*u));
    copy_field(u->id, sizeof(u->id), PQgetvalue(r, i, 0));
    u->issuer = strdup(PQgetvalue(r, i, 1));
    u->client_id = strdup(PQgetvalue(r, i, 2));
    size_t n = 0;
    unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, 3), &n);
    if (b && (u->secret_enc = malloc(n ? n : 1)) != NULL) {
        memcpy(u->secret_enc, b, n);
        u->secret_enc_len = n;
    }
    PQfreemem(b);
    u->scopes = strdup(PQgetvalue(r, i, 4));
    u->display_name = strdup(PQgetvalue(r, i, 5));
    u->icon_uri = *PQgetvalue(r, i, 6) ? strdup(PQgetvalue(r, i, 6)) : NULL;
    u->enabled = PQgetvalue(r, i, 7)[0] == 't';
    u->created_at = atoll_checked(PQgetvalue(r, i, 8));
    u->updated_at = atoll_checked(PQgetvalue(r, i, 9));
    copy_field(u->kind, sizeof(u->kind), PQgetvalue(r, i, 10));
    u->acr_values = strdup(PQgetvalue(r, i, 11));
}

/* Runs insert or update @p stmt of row @p u, on @p c when given (inside its transaction), else on a borrowed one. */
static idp_err_t upstream_write(idp_store_t *s, idp_pg_conn_t *c, int stmt, const idp_store_upstream_t *u)
{
    idp_err_t ret;
    const char *v[] = {u->id,
                       u->issuer,
                       u->client_id,
                       (const char *)u->secret_enc,
                       u->scopes,
                       u->display_name,
                       u->icon_uri ? u->icon_uri : "",
                       u->enabled ? "true" : "false",
                       u->kind[0] ? u->kind : "social",
                       u->acr_values ? u->acr_values : ""};
    int len[] = {0, 0, 0, (int)u->secret_enc_len, 0, 0, 0, 0, 0, 0}, fmt[] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    PGresult *r =
        c ? idp_pg_exec(c, stmts, stmt, 10, v, len, fmt, &ret) : idp_pg_run(s, stmts, stmt, 10, v, len, fmt, &ret);
    return idp_pg_affected(r, ret); /* IDP_E_CONFLICT: the id is taken */
}

idp_err_t idp_pg_upstream_insert(idp_store_t *s, const idp_store_upstream_t *u)
{
    return upstream_write(s, NULL, U_INSERT, u);
}

idp_err_t idp_pg_upstream_update(idp_store_t *s, const idp_store_upstream_t *u)
{
    return upstream_write(s, NULL, U_UPDATE, u);
}

idp_err_t idp_pg_upstream_on(idp_pg_conn_t *c, const idp_store_admin_op_t *op)
{
    if (op->kind != IDP_ADMIN_OP_UPSTREAM_DELETE)
        return upstream_write(NULL, c, op->kind == IDP_ADMIN_OP_UPSTREAM_INSERT ? U_INSERT : U_UPDATE, op->upstream);
    idp_err_t ret;
    const char *v[] = {op->id};
    PGresult *r = idp_pg_exec(c, stmts, U_DELETE, 1, v, NULL, NULL, &ret);
    return idp_pg_affected(r, ret);
}

idp_err_t idp_pg_upstream_get(idp_store_t *s, const char *id, idp_store_upstream_t *out)
{
    idp_err_t ret;
    const char *v[] = {id};
    PGresult *r = idp_pg_run(s, stmts, U_GET, 1, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    if (PQntuples(r) == 1)
        upstream_from_row(r, 0, out);
    else
        ret = IDP_E_NOT_FOUND;
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_upstream_list(idp_store_t *s, bool enabled_only, idp_store_upstream_t **rows, size_t *n)
{
    idp_err_t ret;
    const char *v[] = {enabled_only ? "true" : "false"};
    PGresult *r = idp_pg_run(s, stmts, U_LIST, 1, v, NULL, NULL, &ret);
    *rows = NULL;
    *n = 0;
    if (r == NULL)
        return ret;
    int nt = PQntuples(r);
    *rows = calloc((size_t)nt + 1, sizeof(**rows));
    if (*rows == NULL) {
        PQclear(r);
        return IDP_E_NOMEM;
    }
    for (int i = 0; i < nt; i++)
        upstream_from_row(r, i, &(*rows)[i]);
    *n = (size_t)nt;
    PQclear(r);
    return IDP_OK;
}

idp_err_t idp_pg_upstream_delete(idp_store_t *s, const char *id)
{
    idp_err_t ret;
    const char *v[] = {id};
    PGresult *r = idp_pg_run(s, stmts, U_DELETE, 1, v, NULL, NULL, &ret);
    return idp_pg_affected(r, ret);
}

/* ---- the upstream leg of a login transaction ----------------------------------------- */

idp_err_t idp_pg_login_tx_upstream(idp_store_t *s, const char *tx_id, const char *upstream_id, const char *state,
                                   const char *nonce, const char *verifier)
{
    idp_err_t ret;
    const char *v[] = {tx_id, upstream_id, state, nonce, verifier};
    PGresult *r = idp_pg_run(s, stmts, U_TX_UPSTREAM, 5, v, NULL, NULL, &ret);
    return idp_pg_affected(r, ret);
}

idp_err_t idp_pg_login_tx_take_upstream(idp_store_t *s, const char *state, idp_store_login_tx_t *out,
                                        char upstream_id[40], char nonce[128], char verifier[160])
{
    idp_err_t ret;
    const char *v[] = {state};
    PGresult *r = idp_pg_run(s, stmts, U_TX_TAKE, 1, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return IDP_E_NOT_FOUND;
    }
    char id[64];
    copy_field(id, sizeof(id), PQgetvalue(r, 0, 0));
    copy_field(upstream_id, 40, PQgetvalue(r, 0, 1));
    copy_field(nonce, 128, PQgetvalue(r, 0, 2));
    copy_field(verifier, 160, PQgetvalue(r, 0, 3));
    PQclear(r);
    return idp_pg_login_tx_get(s, id, out);
}

idp_err_t idp_pg_login_tx_link(idp_store_t *s, const char *tx_id, const char *resident_id)
{
    idp_err_t ret;
    const char *v[] = {tx_id, resident_id};
    PGresult *r = idp_pg_run(s, stmts, U_TX_LINK, 2, v, NULL, NULL, &ret);
    return idp_pg_affected(r, ret);
}

/* ---- social identities ------------------------------------------------------------- */

/* An audit event's detail from @p j (taken), or "{}" when it does not fit. */
static void audit_detail(char *out, size_t n, json_t *j)
{
    char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
    snprintf(out, n, "%s", t && strlen(t) < n ? t : "{}");
    free(t);
    json_decref(j);
}

static json_t *social_detail(const char *issuer, const char *subject, const char *upstream_id)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "kind", "social", "issuer", issuer, "subject", subject, "upstream",
                     upstream_id);
}

idp_err_t idp_pg_social_resident(idp_store_t *s, const char *issuer, const char *subject, const char *upstream_id,
                                 const char *link_to, const char *new_id, char resident_id[64], bool *created)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    PGresult *r = NULL;
    const char *key[] = {issuer, subject};
    char detail[1024];
    *created = false;
    if ((ret = idp_pg_begin(s, &c, "BEGIN")) != IDP_OK)
        return ret;
    if ((r = idp_pg_exec(c, stmts, U_SOCIAL_GET, 2, key, NULL, NULL, &ret)) == NULL)
        goto Exit;
    audit_detail(detail, sizeof(detail), social_detail(issuer, subject, upstream_id));
    if (PQntuples(r) == 1) {
        copy_field(resident_id, 64, PQgetvalue(r, 0, 0));
        if (!link_to && !new_id)
            goto Exit; /* a lookup */
        if (link_to && strcmp(link_to, resident_id) != 0) {
            ret = IDP_E_CONFLICT; /* linked to someone else: never moved silently */
            goto Exit;
        }
        PQclear(r);
        r = idp_pg_exec(c, stmts, U_SOCIAL_TOUCH, 2, key, NULL, NULL, &ret);
    } else if (!link_to && !new_id) {
        ret = IDP_E_NOT_FOUND; /* a lookup of an unknown identity */
    } else {
        const char *owner = link_to ? link_to : new_id;
        if (!link_to) {
            const char *nv[] = {new_id};
            PQclear(r);
            if ((r = idp_pg_exec(c, stmts, U_RESIDENT_INSERT, 1, nv, NULL, NULL, &ret)) == NULL)
                goto Exit;
            *created = true;
        }
        const char *iv[] = {issuer, subject, owner, upstream_id};
        PQclear(r);
        if ((r = idp_pg_exec(c, stmts, U_SOCIAL_INSERT, 4, iv, NULL, NULL, &ret)) == NULL)
            goto Exit;
        copy_field(resident_id, 64, owner);
        ret = idp_pg_audit_on(c, link_to ? "credential_linked" : "resident_created", owner, detail);
    }
Exit:
    PQclear(r);
    return idp_pg_end(s, c, ret);
}

static idp_err_t credentials_on(idp_pg_conn_t *c, const char *resident_id, idp_store_credential_t **rows, size_t *n)
{
    idp_err_t ret;
    const char *v[] = {resident_id};
    PGresult *r = idp_pg_exec(c, stmts, U_CREDENTIALS, 1, v, NULL, NULL, &ret);
    *rows = NULL;
    *n = 0;
    if (r == NULL)
        return ret;
    int nt = PQntuples(r);
    *rows = calloc((size_t)nt + 1, sizeof(**rows));
    if (*rows == NULL) {
        PQclear(r);
        return IDP_E_NOMEM;
    }
    for (int i = 0; i < nt; i++) {
        idp_store_credential_t *k = &(*rows)[i];
        copy_field(k->kind, sizeof(k->kind), PQgetvalue(r, i, 0));
        copy_field(k->issuer, sizeof(k->issuer), PQgetvalue(r, i, 1));
        copy_field(k->subject, sizeof(k->subject), PQgetvalue(r, i, 2));
        copy_field(k->upstream_id, sizeof(k->upstream_id), PQgetvalue(r, i, 3));
        k->linked_at = atoll_checked(PQgetvalue(r, i, 4));
        k->expires_at = atoll_checked(PQgetvalue(r, i, 5));
    }
    *n = (size_t)nt;
    PQclear(r);
    return IDP_OK;
}

idp_err_t idp_pg_credentials(idp_store_t *s, const char *resident_id, idp_store_credential_t **rows, size_t *n)
{
    idp_pg_conn_t *c;
    idp_err_t ret = idp_pg_acquire(idp_pg(s)->pool, &c);
    if (ret != IDP_OK)
        return ret;
    ret = credentials_on(c, resident_id, rows, n);
    idp_pg_release(idp_pg(s)->pool, c);
    return ret;
}

idp_err_t idp_pg_credential_unlink(idp_store_t *s, const char *resident_id, const char *keep_sid, const char *kind,
                                   const char *issuer, const char *subject, const char *credential,
                                   bool *verified_removed, char (**ended)[64], size_t *n_ended)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    idp_store_credential_t *rows = NULL;
    size_t n = 0;
    char detail[1024];
    bool card = !strcmp(kind, "card");
    *verified_removed = false;
    *ended = NULL;
    *n_ended = 0;
    /* Serialize with other changes to this resident's credentials. */
    if ((ret = idp_pg_begin(s, &c, "BEGIN ISOLATION LEVEL SERIALIZABLE")) != IDP_OK)
        return ret;
    if ((ret = credentials_on(c, resident_id, &rows, &n)) != IDP_OK)
        goto Exit;
    if (n <= 1) {
        ret = n == 1 ? IDP_E_CONFLICT : IDP_E_NOT_FOUND; /* the last credential stays */
        goto Exit;
    }
    const char *v[] = {resident_id, issuer, subject};
    PGresult *r = idp_pg_exec(c, stmts, card ? U_CARD_DELETE : U_SOCIAL_DELETE, 3, v, NULL, NULL, &ret);
    ret = idp_pg_affected(r, ret);
    if (ret == IDP_OK) {
        r = card ? idp_pg_exec(c, stmts, U_CARD_VERIFIED_DELETE, 1, v, NULL, NULL, &ret)
                 : idp_pg_exec(c, stmts, U_UPSTREAM_VERIFIED_DELETE, 3, v, NULL, NULL, &ret);
        if (r && ret == IDP_OK)
            *verified_removed = atoi_checked(PQcmdTuples(r)) > 0;
        PQclear(r);
    }
    if (ret == IDP_OK) {
        const char *sv[] = {resident_id, credential, keep_sid};
        r = idp_pg_exec(c, stmts, U_SESSIONS_END_CREDENTIAL, 3, sv, NULL, NULL, &ret);
        int m = r ? PQntuples(r) : 0;
        if (r && m > 0 && (*ended = calloc((size_t)m, sizeof(**ended))) == NULL)
            ret = IDP_E_NOMEM;
        for (int i = 0; ret == IDP_OK && i < m; i++)
            copy_field((*ended)[(*n_ended)++], sizeof(**ended), PQgetvalue(r, i, 0));
        PQclear(r);
    }
    if (ret == IDP_OK) {
        json_t *d = card ? json_pack("{s:s, s:s, s:s, s:b}", "kind", "card", "issuer_key_id", issuer, "serial", subject,
                                     "verified_attributes_removed", *verified_removed)
                         : social_detail(issuer, subject, "");
        if (!card && *verified_removed) /* a card channel's identity took what it verified with it */
            json_object_set_new(d, "verified_attributes_removed", json_true());
        json_object_set_new(d, "sessions_ended", json_integer((json_int_t)*n_ended));
        audit_detail(detail, sizeof(detail), d);
        ret = idp_pg_audit_on(c, "credential_unlinked", resident_id, detail);
    }
Exit:
    free(rows);
    if (ret != IDP_OK) {
        free(*ended);
        *ended = NULL;
        *n_ended = 0;
    }
    return idp_pg_end(s, c, ret);
}

/* ---- residents' admin roles (migration 0018) ------------------------------------------- */

idp_err_t idp_pg_roles(idp_store_t *s, const char *resident_id, idp_store_role_t **rows, size_t *n)
{
    idp_err_t ret;
    const char *v[] = {resident_id};
    PGresult *r = idp_pg_run(s, stmts, U_ROLES, 1, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    int nt = PQntuples(r);
    *rows = calloc(nt ? (size_t)nt : 1, sizeof(**rows));
    if (*rows == NULL) {
        PQclear(r);
        return IDP_E_NOMEM;
    }
    for (int i = 0; i < nt; i++) {
        copy_field((*rows)[i].resident_id, sizeof((*rows)[i].resident_id), PQgetvalue(r, i, 0));
        copy_field((*rows)[i].role, sizeof((*rows)[i].role), PQgetvalue(r, i, 1));
    }
    *n = (size_t)nt;
    PQclear(r);
    return IDP_OK;
}

idp_err_t idp_pg_role_grant(idp_store_t *s, const char *resident_id, const char *role)
{
    idp_err_t ret;
    const char *v[] = {resident_id, role};
    PGresult *r = idp_pg_run(s, stmts, U_ROLE_GRANT, 2, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    if (PQntuples(r) == 0) { /* held already, or no such resident */
        idp_store_role_t *rows = NULL;
        size_t n = 0;
        ret = idp_pg_roles(s, resident_id, &rows, &n);
        bool held = false;
        for (size_t i = 0; ret == IDP_OK && i < n; i++)
            held = held || !strcmp(rows[i].role, role);
        free(rows);
        if (ret == IDP_OK && !held)
            ret = IDP_E_NOT_FOUND;
    }
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_role_revoke(idp_store_t *s, const char *resident_id, const char *role)
{
    idp_err_t ret;
    const char *v[] = {resident_id, role};
    PGresult *r = idp_pg_run(s, stmts, U_ROLE_REVOKE, 2, v, NULL, NULL, &ret);
    return idp_pg_affected(r, ret);
}

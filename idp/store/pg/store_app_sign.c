/* Applications signed with the card (migration 0026; issue #21): the signatures, and whose certificate it is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg/internal.h"
#include "store/pg/ops.h"

enum { G_CERT_OWNER = 256, G_INSERT, G_BIND, G_LIST_RESIDENT, G_LIST_GRANT, G_LIST_TX, G__END };
_Static_assert(G__END <= 272, "statements 256-271");

/* clang-format off */
#define EPOCH(col) "floor(extract(epoch from " col "))::bigint"
#define SIG_COLS "id, login_tx, coalesce(grant_id, ''), resident_id, client_id, application_id, procedure_code, " \
                 "procedure_name, document_digest, cert_serial, cert_issuer_key_id, " EPOCH("signing_time") ", " \
                 EPOCH("created_at") ", cms"

static const idp_pg_stmt_t stmts[IDP_PG_MAX_STMTS] = {
    [G_CERT_OWNER] = {"app_cert_owner", "SELECT resident_id, purpose FROM card_certificates WHERE cert_sha256 = $1::bytea"},
    [G_INSERT] = {"app_sign_insert",
                  "INSERT INTO application_signatures (id, login_tx, grant_id, resident_id, client_id, application_id, "
                  "procedure_code, procedure_name, document_digest, cert_serial, cert_issuer_key_id, signing_time, cms) "
                  "VALUES ($1, $2, nullif($3, ''), $4, $5, $6, $7, $8, $9, $10, $11, to_timestamp($12), $13::bytea) "
                  "ON CONFLICT (id) DO NOTHING"},
    [G_BIND] = {"app_sign_bind", "UPDATE application_signatures SET grant_id = $2 WHERE login_tx = $1 AND grant_id IS NULL"},
    [G_LIST_RESIDENT] = {"app_sign_by_resident", "SELECT " SIG_COLS " FROM application_signatures WHERE resident_id = $1 "
                                                 "ORDER BY created_at DESC, id LIMIT 200"},
    [G_LIST_GRANT] = {"app_sign_by_grant", "SELECT " SIG_COLS " FROM application_signatures WHERE grant_id = $1 "
                                           "ORDER BY created_at DESC, id"},
    [G_LIST_TX] = {"app_sign_by_tx", "SELECT " SIG_COLS " FROM application_signatures WHERE login_tx = $1 "
                                     "ORDER BY created_at DESC, id"},
};
/* clang-format on */

idp_err_t idp_pg_card_cert_owner(idp_store_t *s, const unsigned char sha256[32], char resident_id[64], char purpose[8])
{
    idp_err_t ret;
    const char *v[] = {(const char *)sha256};
    int len[] = {32}, fmt[] = {1};
    PGresult *r = idp_pg_run(s, stmts, G_CERT_OWNER, 1, v, len, fmt, &ret);
    if (ret == IDP_OK && PQntuples(r) != 1)
        ret = IDP_E_NOT_FOUND;
    if (ret == IDP_OK) {
        copy_field(resident_id, 64, PQgetvalue(r, 0, 0));
        copy_field(purpose, 8, PQgetvalue(r, 0, 1));
    }
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_app_signature_insert(idp_store_t *s, const idp_store_app_signature_t *row)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    char at[24];
    snprintf(at, sizeof(at), "%lld", row->signing_time);
    const char *v[] = {row->id,
                       row->login_tx,
                       row->grant_id,
                       row->resident_id,
                       row->client_id,
                       row->application_id,
                       row->procedure_code,
                       row->procedure_name,
                       row->document_digest,
                       row->cert_serial,
                       row->cert_issuer_key_id,
                       at,
                       (const char *)row->cms};
    int len[13] = {[12] = (int)row->cms_len}, fmt[13] = {[12] = 1};
    if ((ret = idp_pg_begin(s, &c, "BEGIN")) != IDP_OK)
        return ret;
    PGresult *r = idp_pg_exec(c, stmts, G_INSERT, 13, v, len, fmt, &ret);
    if (ret == IDP_OK && atoi_checked(PQcmdTuples(r)) != 1)
        ret = IDP_E_CONFLICT;
    PQclear(r);
    /* who signed which digest, for which client, and when: in the audit chain with the row */
    if (ret == IDP_OK) {
        char *detail = idp_store_app_signature_audit(row);
        ret = detail ? idp_pg_audit_on(c, "application_signed", row->resident_id, detail) : IDP_E_NOMEM;
        free(detail);
    }
    return idp_pg_end(s, c, ret);
}

idp_err_t idp_pg_app_signatures_bind(idp_store_t *s, const char *login_tx, const char *grant_id)
{
    idp_err_t ret;
    const char *v[] = {login_tx, grant_id};
    PQclear(idp_pg_run(s, stmts, G_BIND, 2, v, NULL, NULL, &ret));
    return ret;
}

idp_err_t idp_pg_app_signatures_list(idp_store_t *s, const char *resident_id, const char *grant_id,
                                     const char *login_tx, idp_store_app_signature_t **rows, size_t *n)
{
    idp_err_t ret;
    int stmt = resident_id ? G_LIST_RESIDENT : grant_id ? G_LIST_GRANT : G_LIST_TX;
    const char *v[] = {resident_id ? resident_id : grant_id ? grant_id : login_tx ? login_tx : ""};
    *rows = NULL;
    *n = 0;
    PGresult *r = idp_pg_run(s, stmts, stmt, 1, v, NULL, NULL, &ret);
    if (ret != IDP_OK)
        return ret;
    int count = PQntuples(r);
    idp_store_app_signature_t *out = calloc((size_t)count + 1, sizeof(*out));
    for (int i = 0; out && i < count; i++) {
        idp_store_app_signature_t *x = &out[i];
        copy_field(x->id, sizeof(x->id), PQgetvalue(r, i, 0));
        copy_field(x->login_tx, sizeof(x->login_tx), PQgetvalue(r, i, 1));
        copy_field(x->grant_id, sizeof(x->grant_id), PQgetvalue(r, i, 2));
        copy_field(x->resident_id, sizeof(x->resident_id), PQgetvalue(r, i, 3));
        copy_field(x->client_id, sizeof(x->client_id), PQgetvalue(r, i, 4));
        copy_field(x->application_id, sizeof(x->application_id), PQgetvalue(r, i, 5));
        copy_field(x->procedure_code, sizeof(x->procedure_code), PQgetvalue(r, i, 6));
        copy_field(x->procedure_name, sizeof(x->procedure_name), PQgetvalue(r, i, 7));
        copy_field(x->document_digest, sizeof(x->document_digest), PQgetvalue(r, i, 8));
        copy_field(x->cert_serial, sizeof(x->cert_serial), PQgetvalue(r, i, 9));
        copy_field(x->cert_issuer_key_id, sizeof(x->cert_issuer_key_id), PQgetvalue(r, i, 10));
        x->signing_time = atoll_checked(PQgetvalue(r, i, 11));
        x->created_at = atoll_checked(PQgetvalue(r, i, 12));
        size_t blen = 0;
        unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, 13), &blen);
        if (b && (x->cms = malloc(blen ? blen : 1)) != NULL) {
            memcpy(x->cms, b, blen);
            x->cms_len = blen;
        }
        PQfreemem(b);
        if (x->cms == NULL) {
            idp_store_app_signatures_free(out, (size_t)i + 1);
            out = NULL;
        }
    }
    PQclear(r);
    if (out == NULL)
        return IDP_E_NOMEM;
    *rows = out;
    *n = (size_t)count;
    return IDP_OK;
}

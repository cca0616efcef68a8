/*
 * Attributes sealed at rest (store.h, "attributes sealed at rest"; issue #15
 * item 12; docs/keys.md, "Data keys"): sealing and opening the values of a
 * row at the store's boundary, the data-key table, re-sealing after a
 * rotation, and sealing the rows migration 0013 left in clear; and the
 * signing keys' rotation schedules (migration 0021).
 * Statement indexes 224-255 (pool.h).
 *
 * The sealer is always called without a database connection in hand: it
 * may reload the key table through the store (a pool of one connection,
 * sakaid-admin's, would otherwise wait on itself).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/log.h"
#include "core/rand.h"
#include "store/pg/internal.h"
#include "store/pg/sealed.h"

enum {
    D_KEYS_LIST = 224,
    D_KEY_RESERVE,
    D_KEY_LOCK,
    D_KEY_COUNT,
    D_KEY_DEMOTE,
    D_KEY_INSERT,
    D_KEY_CHECK,
    D_KEYS_RETIRE,
    D_RA_STALE,
    D_RA_RESEAL,
    D_HH_STALE,
    D_HH_RESEAL,
    D_PLAIN_COUNT,
    D_RA_PLAIN,
    D_RA_PLAIN_MOVE,
    D_HH_PLAIN,
    D_HH_PLAIN_MOVE,
    D_SCHED_LIST,
    D_SCHED_SET,
    D_SCHED_DELETE,
    D_SCHED_CLAIM,
    D_SCHED_DONE,
    D__END
};
_Static_assert(D__END <= 256, "statements 224-255");

/* The SQL text is laid out by hand. */
/* clang-format off */
#define EPOCH(col) "extract(epoch from " col ")::bigint"
#define RA_COLS "name, name_alt, gender, birth_date, address, address_alt, sakai_resident, sakai_ward, gender_raw, birth_date_raw"
#define HH_COLS "school_district, area, children"
/* Rows whose data key is retiring: what a rotation has left to seal again (by the data_key_id indexes). */
#define UNDER_RETIRING "data_key_id IN (SELECT id FROM data_keys WHERE state = 'retiring')"

const idp_pg_sealed_table_t idp_pg_sealed_resident_attrs = {
    "resident_attributes",
    {"name", "name_alt", "gender", "birth_date", "address", "address_alt", "sakai_resident", "sakai_ward", "gender_raw",
     "birth_date_raw"},
    10};
const idp_pg_sealed_table_t idp_pg_sealed_household = {"household_attributes", {"school_district", "area", "children"}, 3};

static const idp_pg_stmt_t stmts[IDP_PG_MAX_STMTS] = {
    [D_KEYS_LIST] = {"data_keys_list",
                     "SELECT id, state, " EPOCH("created_at") ", coalesce(" EPOCH("retiring_at") ", 0), coalesce("
                     EPOCH("retired_at") ", 0), key_enc, CASE WHEN $1::boolean THEN "
                     "(SELECT count(*) FROM resident_attributes WHERE data_key_id = k.id) + "
                     "(SELECT count(*) FROM household_attributes WHERE data_key_id = k.id) ELSE -1 END "
                     "FROM data_keys k ORDER BY id"},
    [D_KEY_RESERVE] = {"data_key_reserve", "SELECT nextval('data_keys_id_seq')"},
    /* One activation at a time, whichever admin runs it. */
    [D_KEY_LOCK] = {"data_key_lock", "SELECT pg_advisory_xact_lock(hashtext('sakaid:data_keys'))"},
    [D_KEY_COUNT] = {"data_key_count", "SELECT count(*) FROM data_keys"},
    /* Waits for the writers holding the active key's row FOR SHARE (D_KEY_CHECK and the sealed writes). */
    [D_KEY_DEMOTE] = {"data_key_demote",
                      "UPDATE data_keys SET state = 'retiring', retiring_at = now() WHERE state = 'active'"},
    [D_KEY_INSERT] = {"data_key_insert", "INSERT INTO data_keys (id, state, key_enc) VALUES ($1::int, 'active', $2::bytea)"},
    /* A write under key $1 holds this lock until it commits, so a rotation cannot slip between its check and its commit. */
    [D_KEY_CHECK] = {"data_key_check", "SELECT 1 FROM data_keys WHERE id = $1::int AND state = 'active' FOR SHARE"},
    [D_KEYS_RETIRE] = {"data_keys_retire",
                       "UPDATE data_keys k SET state = 'retired', key_enc = NULL, retired_at = now() "
                       "WHERE state = 'retiring' AND NOT EXISTS (SELECT 1 FROM resident_attributes WHERE data_key_id = k.id) "
                       "AND NOT EXISTS (SELECT 1 FROM household_attributes WHERE data_key_id = k.id) RETURNING id"},
    [D_RA_STALE] = {"ra_stale",
                    "SELECT resident_id, xmin::text, data_key_id, " RA_COLS " FROM resident_attributes "
                    "WHERE " UNDER_RETIRING " LIMIT $1::int"},
    /* xmin: only if nobody wrote the row since it was read (its writer sealed it under the active key). */
    [D_RA_RESEAL] = {"ra_reseal",
                     "UPDATE resident_attributes SET data_key_id = $2::int, name = $3::bytea, name_alt = $4::bytea, "
                     "gender = $5::bytea, birth_date = $6::bytea, address = $7::bytea, address_alt = $8::bytea, "
                     "sakai_resident = $9::bytea, sakai_ward = $10::bytea, gender_raw = $11::bytea, "
                     "birth_date_raw = $12::bytea WHERE resident_id = $1 AND xmin = $13::xid"},
    [D_HH_STALE] = {"hh_stale",
                    "SELECT resident_id, xmin::text, data_key_id, " HH_COLS " FROM household_attributes "
                    "WHERE " UNDER_RETIRING " LIMIT $1::int"},
    [D_HH_RESEAL] = {"hh_reseal",
                     "UPDATE household_attributes SET data_key_id = $2::int, school_district = $3::bytea, area = $4::bytea, "
                     "children = $5::bytea WHERE resident_id = $1 AND xmin = $6::xid"},
    [D_PLAIN_COUNT] = {"plain_count",
                       "SELECT (SELECT count(*) FROM resident_attributes_plaintext) + "
                       "(SELECT count(*) FROM household_attributes_plaintext)"},
    /*
     * Rows stored before 0013 hold the certificate's own codes (issue #15 item 11): a birth date as the
     * era digit and the Gregorian YYYYMMDD, a gender as 1 or 2. They are decoded here once, as enrolment
     * decodes them now, and the codes kept as the raw values; anything else is kept as it is.
     */
    [D_RA_PLAIN] = {"ra_plain",
                    "SELECT resident_id, name, coalesce(name_alt, ''), "
                    "CASE gender WHEN '1' THEN 'male' WHEN '2' THEN 'female' ELSE coalesce(gender, '') END, "
                    "CASE WHEN birth_date ~ '^[1-5][0-9]{8}$' THEN substr(birth_date, 2, 4) || '-' || "
                    "substr(birth_date, 6, 2) || '-' || substr(birth_date, 8, 2) ELSE birth_date END, "
                    "address, coalesce(address_alt, ''), CASE WHEN sakai_resident THEN 'true' ELSE 'false' END, "
                    "coalesce(sakai_ward, ''), CASE WHEN gender IN ('1', '2') THEN gender ELSE '' END, "
                    "CASE WHEN birth_date ~ '^[1-5][0-9]{8}$' THEN birth_date ELSE '' END, cert_sha256, verified_at::text "
                    "FROM resident_attributes_plaintext ORDER BY resident_id LIMIT $1::int"},
    /* A sealed row that exists already was written after the migration: it stays. */
    [D_RA_PLAIN_MOVE] = {"ra_plain_move",
                         "WITH d AS (DELETE FROM resident_attributes_plaintext WHERE resident_id = $1) "
                         "INSERT INTO resident_attributes (resident_id, data_key_id, " RA_COLS ", cert_sha256, verified_at, "
                         "match_key) "
                         "VALUES ($1, $2::int, $3::bytea, $4::bytea, $5::bytea, $6::bytea, $7::bytea, $8::bytea, $9::bytea, "
                         "$10::bytea, $11::bytea, $12::bytea, $13::bytea, $14::timestamptz, nullif($15, '')::bytea) "
                         "ON CONFLICT (resident_id) DO NOTHING"},
    [D_HH_PLAIN] = {"hh_plain",
                    "SELECT resident_id, coalesce(school_district, ''), coalesce(area, ''), children, updated_at::text "
                    "FROM household_attributes_plaintext ORDER BY resident_id LIMIT $1::int"},
    [D_HH_PLAIN_MOVE] = {"hh_plain_move",
                         "WITH d AS (DELETE FROM household_attributes_plaintext WHERE resident_id = $1) "
                         "INSERT INTO household_attributes (resident_id, data_key_id, " HH_COLS ", updated_at) "
                         "VALUES ($1, $2::int, $3::bytea, $4::bytea, $5::bytea, $6::timestamptz) "
                         "ON CONFLICT (resident_id) DO NOTHING"},
    [D_SCHED_LIST] = {"key_schedules",
                      "SELECT alg, every_seconds, " EPOCH("next_at") ", " EPOCH("set_at") ", set_by "
                      "FROM key_rotation_schedules ORDER BY alg"},
    [D_SCHED_SET] = {"key_schedule_set",
                     "INSERT INTO key_rotation_schedules (alg, every_seconds, next_at, set_by) "
                     "VALUES ($1, $2::bigint, to_timestamp($3::bigint), $4) ON CONFLICT (alg) DO UPDATE SET "
                     "every_seconds = EXCLUDED.every_seconds, next_at = EXCLUDED.next_at, set_by = EXCLUDED.set_by, "
                     "set_at = now()"},
    [D_SCHED_DELETE] = {"key_schedule_delete", "DELETE FROM key_rotation_schedules WHERE alg = $1"},
    /* one node at a time: the row due first, skipped while another node holds it */
    [D_SCHED_CLAIM] = {"key_schedule_claim",
                       "UPDATE key_rotation_schedules SET next_at = now() + $1::bigint * interval '1 second' "
                       "WHERE alg = (SELECT alg FROM key_rotation_schedules WHERE next_at <= now() ORDER BY next_at "
                       "LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING alg"},
    [D_SCHED_DONE] = {"key_schedule_done",
                      "UPDATE key_rotation_schedules SET next_at = now() + every_seconds * interval '1 second' "
                      "WHERE alg = $1"},
};
/* clang-format on */

void idp_pg_set_sealer(idp_store_t *s, const idp_store_sealer_t *sealer)
{
    idp_pg(s)->sealer = sealer;
}

/* ---- sealing and opening one row ------------------------------------------------------- */

void idp_pg_sealed_row_free(idp_pg_sealed_row_t *r)
{
    for (int i = 0; i < IDP_PG_SEALED_MAX; i++) {
        free(r->v[i]);
        r->v[i] = NULL;
    }
}

idp_err_t idp_pg_seal_row(idp_store_t *s, const idp_pg_sealed_table_t *t, const char *row_id, const char *const *values,
                          bool reload, idp_pg_sealed_row_t *out)
{
    memset(out, 0, sizeof(*out));
    if (idp_pg(s)->sealer == NULL) {
        idp_log_msg(IDP_LOG_ERROR, "data_keys_missing", "no data key is loaded: cannot seal %s", t->table);
        return IDP_E_SERVER_ERROR;
    }
    idp_err_t ret = idp_pg(s)->sealer->current(idp_pg(s)->sealer->ctx, reload, &out->key_id);
    if (ret != IDP_OK)
        return ret;
    snprintf(out->key_text, sizeof(out->key_text), "%d", out->key_id);
    for (int i = 0; i < t->n && ret == IDP_OK; i++) {
        char aad[IDP_SEALED_AAD_MAX];
        const char *v = values[i] ? values[i] : "";
        size_t n = strlen(v), padded_len = idp_sealed_padded_len(n), outlen = 0;
        unsigned char *padded = n < 65536 ? malloc(padded_len) : NULL;
        if (padded == NULL || !idp_sealed_aad(aad, sizeof(aad), t->table, t->columns[i], row_id)) {
            ret = IDP_E_SERVER_ERROR;
        } else {
            idp_sealed_pad((const unsigned char *)v, n, padded);
            ret = idp_pg(s)->sealer->seal(idp_pg(s)->sealer->ctx, out->key_id, aad, padded, padded_len, &out->v[i],
                                          &outlen);
        }
        if (padded) {
            idp_wipe(padded, padded_len);
            free(padded);
        }
        out->len[i] = (int)outlen;
    }
    if (ret != IDP_OK)
        idp_pg_sealed_row_free(out);
    return ret;
}

void idp_pg_opened_free(char **out, int n)
{
    for (int i = 0; i < n; i++) {
        if (out[i]) {
            idp_wipe(out[i], strlen(out[i]));
            free(out[i]);
            out[i] = NULL;
        }
    }
}

idp_err_t idp_pg_open_row(idp_store_t *s, const idp_pg_sealed_table_t *t, const char *row_id, PGresult *r, int i,
                          int key_col, int first, char **out)
{
    idp_err_t ret = IDP_OK;
    int key_id = atoi_checked(PQgetvalue(r, i, key_col));
    const char *column = "";
    memset(out, 0, sizeof(*out) * (size_t)t->n);
    if (idp_pg(s)->sealer == NULL) {
        idp_log_msg(IDP_LOG_ERROR, "data_keys_missing", "no data key is loaded: cannot open %s", t->table);
        return IDP_E_SERVER_ERROR;
    }
    for (int j = 0; j < t->n && ret == IDP_OK; j++) {
        char aad[IDP_SEALED_AAD_MAX];
        unsigned char *pt = NULL;
        size_t in_len = 0, pt_len = 0;
        column = t->columns[j];
        unsigned char *in = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, first + j), &in_len);
        if (in == NULL || PQgetisnull(r, i, first + j) || !idp_sealed_aad(aad, sizeof(aad), t->table, column, row_id))
            ret = IDP_E_SERVER_ERROR;
        else
            ret = idp_pg(s)->sealer->open(idp_pg(s)->sealer->ctx, key_id, aad, in, in_len, &pt, &pt_len);
        if (in)
            PQfreemem(in);
        long len = ret == IDP_OK ? idp_sealed_unpadded_len(pt, pt_len) : -1;
        /* Padded as we pad; and text: a value with a NUL inside would read as another, shorter one. */
        if (ret == IDP_OK && (len < 0 || memchr(pt, '\0', (size_t)len) != NULL))
            ret = IDP_E_SERVER_ERROR;
        if (ret == IDP_OK && (out[j] = malloc((size_t)len + 1)) == NULL)
            ret = IDP_E_NOMEM;
        if (ret == IDP_OK) {
            memcpy(out[j], pt, (size_t)len);
            out[j][len] = '\0';
        }
        if (pt) {
            idp_wipe(pt, pt_len);
            free(pt);
        }
    }
    if (ret != IDP_OK) {
        if (ret != IDP_E_NOMEM)
            idp_log_msg(IDP_LOG_ERROR, "sealed_value_unreadable",
                        "%s.%s of resident %s does not open under data key %d (%s): altered, moved, or its key is gone",
                        t->table, column, row_id, key_id,
                        ret == IDP_E_NOT_FOUND ? "unknown key" : "authentication failed or malformed");
        idp_pg_opened_free(out, t->n);
    }
    return ret;
}

/* ---- the data-key table ----------------------------------------------------------------- */

idp_err_t idp_pg_data_keys_list(idp_store_t *s, bool count_rows, idp_store_data_key_t **rows, size_t *n)
{
    idp_err_t ret;
    const char *v[] = {count_rows ? "true" : "false"};
    *rows = NULL;
    *n = 0;
    PGresult *r = idp_pg_run(s, stmts, D_KEYS_LIST, 1, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    int nt = PQntuples(r);
    idp_store_data_key_t *out = calloc((size_t)nt + 1, sizeof(*out));
    if (out == NULL) {
        PQclear(r);
        return IDP_E_NOMEM;
    }
    for (int i = 0; i < nt && ret == IDP_OK; i++) {
        out[i].id = atoi_checked(PQgetvalue(r, i, 0));
        copy_field(out[i].state, sizeof(out[i].state), PQgetvalue(r, i, 1));
        out[i].created_at = atoll_checked(PQgetvalue(r, i, 2));
        out[i].retiring_at = atoll_checked(PQgetvalue(r, i, 3));
        out[i].retired_at = atoll_checked(PQgetvalue(r, i, 4));
        out[i].rows = atoll_checked(PQgetvalue(r, i, 6));
        if (!PQgetisnull(r, i, 5)) {
            size_t blen = 0;
            unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, 5), &blen);
            if (b && (out[i].key_enc = malloc(blen ? blen : 1)) != NULL) {
                memcpy(out[i].key_enc, b, blen);
                out[i].key_enc_len = blen;
            } else {
                ret = IDP_E_NOMEM;
            }
            PQfreemem(b);
        }
    }
    PQclear(r);
    if (ret != IDP_OK) {
        idp_store_data_keys_free(out, (size_t)nt);
        return ret;
    }
    *rows = out;
    *n = (size_t)nt;
    return IDP_OK;
}

idp_err_t idp_pg_data_key_reserve(idp_store_t *s, int *id)
{
    idp_err_t ret;
    PGresult *r = idp_pg_run(s, stmts, D_KEY_RESERVE, 0, NULL, NULL, NULL, &ret);
    if (r) {
        *id = atoi_checked(PQgetvalue(r, 0, 0));
        if (*id <= 0)
            ret = IDP_E_SERVER_ERROR;
    }
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_data_key_activate(idp_store_t *s, int id, const unsigned char *key_enc, size_t len, bool only_first)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    PGresult *r = NULL;
    char idt[16];
    snprintf(idt, sizeof(idt), "%d", id);
    if ((ret = idp_pg_begin(s, &c, "BEGIN")) != IDP_OK)
        return ret;
    PQclear(idp_pg_exec(c, stmts, D_KEY_LOCK, 0, NULL, NULL, NULL, &ret));
    if (ret != IDP_OK)
        goto Exit;
    if (only_first) {
        if ((r = idp_pg_exec(c, stmts, D_KEY_COUNT, 0, NULL, NULL, NULL, &ret)) == NULL)
            goto Exit;
        if (atoll_checked(PQgetvalue(r, 0, 0)) > 0) {
            ret = IDP_E_CONFLICT;
            goto Exit;
        }
    }
    PQclear(idp_pg_exec(c, stmts, D_KEY_DEMOTE, 0, NULL, NULL, NULL, &ret));
    if (ret == IDP_OK) {
        const char *v[] = {idt, (const char *)key_enc};
        int l[] = {0, (int)len}, f[] = {0, 1};
        PQclear(idp_pg_exec(c, stmts, D_KEY_INSERT, 2, v, l, f, &ret));
    }
Exit:
    PQclear(r);
    return idp_pg_end(s, c, ret);
}

idp_err_t idp_pg_data_keys_retire(idp_store_t *s, int *ids, size_t max, size_t *n)
{
    idp_err_t ret;
    *n = 0;
    PGresult *r = idp_pg_run(s, stmts, D_KEYS_RETIRE, 0, NULL, NULL, NULL, &ret);
    for (int i = 0; r && i < PQntuples(r); i++)
        if (*n < max)
            ids[(*n)++] = atoi_checked(PQgetvalue(r, i, 0));
    PQclear(r);
    return ret;
}

/* ---- writing sealed rows in batches ------------------------------------------------------ */

/*
 * Begins a transaction that writes under data key @p key (taken FOR SHARE
 * until it ends). *stale when the key is no longer the active one: nothing
 * began; seal again after a reload.
 */
static idp_err_t begin_under(idp_store_t *s, const idp_pg_sealed_row_t *key, idp_pg_conn_t **c, bool *stale)
{
    idp_err_t ret;
    const char *v[] = {key->key_text};
    *stale = false;
    if ((ret = idp_pg_begin(s, c, "BEGIN")) != IDP_OK)
        return ret;
    PGresult *r = idp_pg_exec(*c, stmts, D_KEY_CHECK, 1, v, NULL, NULL, &ret);
    if (r && PQntuples(r) == 0) {
        *stale = true;
        ret = IDP_E_CONFLICT;
    }
    PQclear(r);
    if (ret != IDP_OK)
        idp_pg_end(s, *c, ret);
    return ret;
}

/* The rows of one batch: their ids, the text parameters that follow their values, and the sealed values. */
typedef struct {
    int n;
    char (*id)[64];
    char (*tail)[3][80]; /* xmin; or cert_sha256 (bytea text), a timestamp and a match key; or a timestamp */
    const void *ctx;     /* run_batch's, for the values function */
    idp_pg_sealed_row_t *rows;
} batch_t;

static void batch_free(batch_t *b)
{
    for (int i = 0; b->rows && i < b->n; i++)
        idp_pg_sealed_row_free(&b->rows[i]);
    free(b->rows);
    free(b->id);
    free(b->tail);
    memset(b, 0, sizeof(*b));
}

static idp_err_t batch_alloc(batch_t *b, int n)
{
    memset(b, 0, sizeof(*b));
    b->id = calloc((size_t)n + 1, sizeof(*b->id));
    b->tail = calloc((size_t)n + 1, sizeof(*b->tail));
    b->rows = calloc((size_t)n + 1, sizeof(*b->rows));
    if (!b->id || !b->tail || !b->rows) {
        batch_free(b);
        return IDP_E_NOMEM;
    }
    return IDP_OK;
}

/*
 * Writes a batch sealed under one key with statement @p stmt, whose
 * parameters are: row id, key id, the sealed values, then the @p ntail
 * texts of b->tail. *written counts the rows it changed.
 */
static idp_err_t write_batch(idp_store_t *s, const idp_pg_sealed_table_t *t, batch_t *b, int stmt, int ntail,
                             long long *written, bool *stale)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    *written = 0;
    if ((ret = begin_under(s, &b->rows[0], &c, stale)) != IDP_OK)
        return ret;
    for (int i = 0; i < b->n && ret == IDP_OK; i++) {
        const char *v[2 + IDP_PG_SEALED_MAX + 3];
        int len[2 + IDP_PG_SEALED_MAX + 3] = {0}, fmt[2 + IDP_PG_SEALED_MAX + 3] = {0};
        int k = 0;
        v[k++] = b->id[i];
        v[k++] = b->rows[i].key_text;
        for (int j = 0; j < t->n; j++, k++) {
            v[k] = (const char *)b->rows[i].v[j];
            len[k] = b->rows[i].len[j];
            fmt[k] = 1;
        }
        for (int j = 0; j < ntail; j++)
            v[k++] = b->tail[i][j];
        PGresult *r = idp_pg_exec(c, stmts, stmt, k, v, len, fmt, &ret);
        if (r)
            *written += atoi_checked(PQcmdTuples(r));
        PQclear(r);
    }
    return idp_pg_end(s, c, ret);
}

/*
 * The values of row @p i of a batch's read: into @p vals (t->n malloc'ed
 * strings, freed by the caller), and its tail texts into b->tail[i].
 */
typedef idp_err_t (*values_fn)(idp_store_t *s, const idp_pg_sealed_table_t *t, PGresult *r, int i, char **vals,
                               batch_t *b, char *err, size_t errlen);

/*
 * One batch: reads up to @p limit rows with @p read_stmt (the row id
 * first), seals their values (@p values) under the active key and writes
 * them with @p write_stmt in one transaction; when the key was rotated
 * meanwhile, seals them again after a reload. *found: rows read.
 */
static idp_err_t run_batch(idp_store_t *s, const idp_pg_sealed_table_t *t, int read_stmt, int write_stmt, int ntail,
                           int limit, values_fn values, const void *ctx, long long *found, char *err, size_t errlen)
{
    idp_err_t ret;
    char lim[16];
    snprintf(lim, sizeof(lim), "%d", limit);
    const char *v[] = {lim};
    batch_t b;
    long long written = 0;
    *found = 0;
    PGresult *r = idp_pg_run(s, stmts, read_stmt, 1, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    int nt = PQntuples(r);
    *found = nt;
    if (nt == 0 || (ret = batch_alloc(&b, nt)) != IDP_OK) {
        PQclear(r);
        return ret;
    }
    b.ctx = ctx;
    bool stale = false;
    for (int attempt = 0; attempt < 3; attempt++) {
        char *vals[IDP_PG_SEALED_MAX];
        stale = false;
        for (int i = 0; i < nt && ret == IDP_OK && !stale; i++) {
            memset(vals, 0, sizeof(vals));
            copy_field(b.id[i], sizeof(b.id[i]), PQgetvalue(r, i, 0));
            if ((ret = values(s, t, r, i, vals, &b, err, errlen)) == IDP_OK)
                ret = idp_pg_seal_row(s, t, b.id[i], (const char *const *)vals, attempt > 0 && i == 0, &b.rows[i]);
            idp_pg_opened_free(vals, t->n);
            b.n = i + 1;
            /* one batch, one key: a key that changed between two rows starts the batch again */
            stale = ret == IDP_OK && b.rows[i].key_id != b.rows[0].key_id;
        }
        if (ret == IDP_OK && !stale)
            ret = write_batch(s, t, &b, write_stmt, ntail, &written, &stale);
        for (int i = 0; i < b.n; i++)
            idp_pg_sealed_row_free(&b.rows[i]);
        if (!stale)
            break;
        ret = IDP_OK; /* rotated meanwhile: seal them again under the new active key */
    }
    if (stale) {
        snprintf(err, errlen, "the active data key kept changing while %s was written; run it again", t->table);
        ret = IDP_E_CONFLICT;
    }
    batch_free(&b);
    PQclear(r);
    return ret;
}

/* ---- re-sealing after a rotation -------------------------------------------------------- */

/* Row @p i of a *_STALE read: row id, xmin, data key id, the sealed values. */
static idp_err_t stale_values(idp_store_t *s, const idp_pg_sealed_table_t *t, PGresult *r, int i, char **vals,
                              batch_t *b, char *err, size_t errlen)
{
    copy_field(b->tail[i][0], sizeof(b->tail[i][0]), PQgetvalue(r, i, 1));
    idp_err_t ret = idp_pg_open_row(s, t, b->id[i], r, i, 2, 3, vals);
    if (ret != IDP_OK && ret != IDP_E_NOMEM)
        snprintf(err, errlen,
                 "%s of resident %s does not open under data key %s (see the sealed_value_unreadable log line)",
                 t->table, b->id[i], PQgetvalue(r, i, 2));
    return ret;
}

idp_err_t idp_pg_data_reseal(idp_store_t *s, int batch, long long *found, char *err, size_t errlen)
{
    idp_err_t ret = run_batch(s, &idp_pg_sealed_resident_attrs, D_RA_STALE, D_RA_RESEAL, 1, batch, stale_values, NULL,
                              found, err, errlen);
    if (ret == IDP_OK && *found == 0)
        ret = run_batch(s, &idp_pg_sealed_household, D_HH_STALE, D_HH_RESEAL, 1, batch, stale_values, NULL, found, err,
                        errlen);
    return ret;
}

/* ---- rows left in clear by migration 0013 ------------------------------------------------ */

idp_err_t idp_pg_plaintext_count(idp_store_t *s, long long *n)
{
    idp_err_t ret;
    PGresult *r = idp_pg_run(s, stmts, D_PLAIN_COUNT, 0, NULL, NULL, NULL, &ret);
    if (r)
        *n = atoll_checked(PQgetvalue(r, 0, 0));
    PQclear(r);
    return ret;
}

typedef struct {
    idp_store_match_fn fn;
    void *ctx;
} match_t;

/* Row @p i of D_RA_PLAIN: resident id, the ten values (RA_COLS), cert_sha256, verified_at; and its match key. */
static idp_err_t plain_attrs(idp_store_t *s, const idp_pg_sealed_table_t *t, PGresult *r, int i, char **vals,
                             batch_t *b, char *err, size_t errlen)
{
    (void)s;
    (void)err;
    (void)errlen;
    const match_t *m = b->ctx;
    for (int j = 0; j < t->n; j++)
        if ((vals[j] = strdup(PQgetvalue(r, i, 1 + j))) == NULL)
            return IDP_E_NOMEM;
    copy_field(b->tail[i][0], sizeof(b->tail[i][0]), PQgetvalue(r, i, 1 + t->n));
    copy_field(b->tail[i][1], sizeof(b->tail[i][1]), PQgetvalue(r, i, 2 + t->n));
    b->tail[i][2][0] = '\0';
    /* name, address: columns 0 and 4; gender_raw, birth_date_raw: 8 and 9 (empty when the row did not hold codes) */
    if (m && m->fn && vals[8][0] && vals[9][0]) {
        unsigned char mk[32];
        m->fn(m->ctx, vals[0], vals[8], vals[9], vals[4], mk);
        /* bytea's hex input: \x and the 64 digits */
        char *o = b->tail[i][2];
        o[0] = '\\';
        o[1] = 'x';
        if (!OPENSSL_buf2hexstr_ex(o + 2, sizeof(b->tail[i][2]) - 2, NULL, mk, sizeof(mk), '\0'))
            return IDP_E_SERVER_ERROR;
    }
    return IDP_OK;
}

/* Row @p i of D_HH_PLAIN: resident id, the three values, updated_at. */
static idp_err_t plain_household(idp_store_t *s, const idp_pg_sealed_table_t *t, PGresult *r, int i, char **vals,
                                 batch_t *b, char *err, size_t errlen)
{
    (void)s;
    (void)err;
    (void)errlen;
    for (int j = 0; j < t->n; j++)
        if ((vals[j] = strdup(PQgetvalue(r, i, 1 + j))) == NULL)
            return IDP_E_NOMEM;
    copy_field(b->tail[i][0], sizeof(b->tail[i][0]), PQgetvalue(r, i, 1 + t->n));
    return IDP_OK;
}

idp_err_t idp_pg_plaintext_seal(idp_store_t *s, int batch, idp_store_match_fn match, void *ctx, long long *moved,
                                char *err, size_t errlen)
{
    const match_t m = {match, ctx};
    idp_err_t ret = run_batch(s, &idp_pg_sealed_resident_attrs, D_RA_PLAIN, D_RA_PLAIN_MOVE, 3, batch, plain_attrs, &m,
                              moved, err, errlen);
    if (ret == IDP_OK && *moved == 0)
        ret = run_batch(s, &idp_pg_sealed_household, D_HH_PLAIN, D_HH_PLAIN_MOVE, 1, batch, plain_household, NULL,
                        moved, err, errlen);
    return ret;
}

/* ---- the signing keys' rotation schedules (migration 0021) --------------------------------------- */

idp_err_t idp_pg_key_schedules(idp_store_t *s, idp_store_key_schedule_t **rows, size_t *n)
{
    idp_err_t ret;
    *rows = NULL;
    *n = 0;
    PGresult *r = idp_pg_run(s, stmts, D_SCHED_LIST, 0, NULL, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    int k = PQntuples(r);
    if ((*rows = calloc((size_t)k + 1, sizeof(**rows))) == NULL) {
        PQclear(r);
        return IDP_E_NOMEM;
    }
    for (int i = 0; i < k; i++) {
        idp_store_key_schedule_t *o = &(*rows)[i];
        copy_field(o->alg, sizeof(o->alg), PQgetvalue(r, i, 0));
        o->every_seconds = strtoll(PQgetvalue(r, i, 1), NULL, 10);
        o->next_at = strtoll(PQgetvalue(r, i, 2), NULL, 10);
        o->set_at = strtoll(PQgetvalue(r, i, 3), NULL, 10);
        copy_field(o->set_by, sizeof(o->set_by), PQgetvalue(r, i, 4));
    }
    *n = (size_t)k;
    PQclear(r);
    return IDP_OK;
}

idp_err_t idp_pg_key_schedule_on(idp_pg_conn_t *c, const idp_store_admin_op_t *op)
{
    idp_err_t ret;
    PGresult *r;
    if (!op->flag) {
        const char *v[] = {op->id};
        r = idp_pg_exec(c, stmts, D_SCHED_DELETE, 1, v, NULL, NULL, &ret);
        return idp_pg_affected(r, ret);
    }
    char every[24], next[24];
    snprintf(every, sizeof(every), "%lld", op->schedule->every_seconds);
    snprintf(next, sizeof(next), "%lld", op->schedule->next_at);
    const char *v[] = {op->schedule->alg, every, next, op->schedule->set_by};
    PQclear(r = idp_pg_exec(c, stmts, D_SCHED_SET, 4, v, NULL, NULL, &ret));
    return r ? IDP_OK : ret;
}

idp_err_t idp_pg_key_schedule_claim(idp_store_t *s, long long lease_seconds, char alg[8])
{
    idp_err_t ret;
    char lease[24];
    snprintf(lease, sizeof(lease), "%lld", lease_seconds);
    const char *v[] = {lease};
    PGresult *r = idp_pg_run(s, stmts, D_SCHED_CLAIM, 1, v, NULL, NULL, &ret);
    if (r == NULL)
        return ret;
    ret = PQntuples(r) == 1 ? IDP_OK : IDP_E_NOT_FOUND;
    if (ret == IDP_OK)
        copy_field(alg, 8, PQgetvalue(r, 0, 0));
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_key_schedule_done(idp_store_t *s, const char *alg)
{
    idp_err_t ret;
    const char *v[] = {alg};
    PGresult *r = idp_pg_run(s, stmts, D_SCHED_DONE, 1, v, NULL, NULL, &ret);
    return idp_pg_affected(r, ret);
}

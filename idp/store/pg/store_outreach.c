/*
 * Outreach (migration 0027; issue #22, docs/outreach.md): residents' opt-ins with their coarse profiles, the
 * planners' segments, and the campaigns the city portal pages through. A segment's criteria arrive typed
 * (idp_store_outreach_criteria_t) and are bound as parameters of one fixed statement: no criteria text ever
 * becomes SQL. MATCH says what idp_store_outreach_match (store/rows.c) says, and the store contract checks both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "store/pg/internal.h"
#include "store/pg/ops.h"

enum {
    O_OPTINS = 272,
    O_LOCK,
    O_UPSERT,
    O_DELETE,
    O_MEMBERS_DROP,
    O_REFRESH,
    O_COUNT,
    O_DIFF,
    O_SEG_INSERT,
    O_SEG_ONE,
    O_SEG_SINCE,
    O_CAMP_INSERT,
    O_CAMP_MEMBERS,
    O_CAMP_ONE,
    O_CAMP_LIST,
    O_PAGE,
    O_MARK,
    O_LEDGER_LOCK,
    O_LEDGER_APPEND,
    O_INCLUSIONS,
    O_RELEASE,
    O_RESIDENT_LOCK,
    O__END
};
_Static_assert(O__END <= 304, "statements 272-303");

/* clang-format off */
/* One statement compares a segment with eight others (O_DIFF): longer than C99's 4095-byte minimum for a literal,
 * which GCC and clang both take. */
#pragma GCC diagnostic ignored "-Woverlength-strings"
/*
 * The criteria of parameters $a..$a+8: category bit, months of birth, gender, wards, Sakai, districts, children.
 * The children's range is a range containment, not a subquery over unnest(): PostgreSQL does not hand a plan
 * with a SubPlan to parallel workers, and a count over 1M profiles then scans on one core (bench/outreach).
 */
#define MATCH(a, b, c, d, e, f, g, h, i)                                                                         \
    "coalesce((p.categories & $" a "::int) <> 0 "                                                              \
    "AND (($" b "::int = 0 AND $" c "::int = 0) OR p.birth_month BETWEEN $" b "::int AND $" c "::int) "       \
    "AND ($" d "::int = 0 OR p.gender = $" d "::int) "                                                         \
    "AND (cardinality($" e "::text[]) = 0 OR p.ward = ANY($" e "::text[])) "                                   \
    "AND ($" f "::int < 0 OR p.sakai_resident = ($" f "::int = 1)) "                                           \
    "AND (cardinality($" g "::text[]) = 0 OR p.school_district = ANY($" g "::text[])) "                        \
    "AND (($" h "::int = 0 AND $" i "::int = 0) OR "                                                         \
    "int4range($" h "::int, $" i "::int, '[]') @> ANY (p.children)), false)"
#define MATCH_1 MATCH("1", "2", "3", "4", "5", "6", "7", "8", "9")
#define EPOCH(col) "floor(extract(epoch from " col "))::bigint"
#define SEG_COLS "id, category, name, criteria, coalesce(sponsor, ''), created_by, " EPOCH("created_at")
#define CAMP_COLS "c.id, c.segment_id, c.category, c.criteria, c.attributes, coalesce(c.sponsor, ''), c.created_by, " \
                  EPOCH("c.created_at") ", c.members, (SELECT count(*) FROM outreach_members m WHERE m.campaign_id = " \
                  "c.id AND m.released_at IS NOT NULL)"
#define PROFILE_SET "birth_month = nullif($3::int, 0), gender = nullif($4::int, 0)::smallint, ward = nullif($5, ''), " \
                    "sakai_resident = $6::boolean, school_district = nullif($7, ''), children = $8::int[], updated_at = now()"

static const idp_pg_stmt_t stmts[IDP_PG_MAX_STMTS] = {
    [O_OPTINS] = {"outreach_optins", "SELECT categories FROM outreach_profiles WHERE resident_id = $1"},
    /*
     * One change of a resident's opt-ins at a time: a row lock cannot serialise the first two (no row yet), and two
     * concurrent first opt-ins would each write their own bit over the other's while the ledger kept both grants.
     * Its own statement, so that the read after it (O_LOCK) takes a snapshot after the lock is held.
     */
    [O_RESIDENT_LOCK] = {"outreach_resident_lock", "SELECT pg_advisory_xact_lock(hashtext('sakaid:outreach:' || $1))"},
    [O_LOCK] = {"outreach_lock", "SELECT categories FROM outreach_profiles WHERE resident_id = $1 FOR UPDATE"},
    [O_UPSERT] = {"outreach_upsert",
                  "INSERT INTO outreach_profiles (resident_id, categories, birth_month, gender, ward, sakai_resident, "
                  "school_district, children) VALUES ($1, $2::int, nullif($3::int, 0), nullif($4::int, 0)::smallint, "
                  "nullif($5, ''), $6::boolean, nullif($7, ''), $8::int[]) ON CONFLICT (resident_id) DO UPDATE SET "
                  "categories = excluded.categories, birth_month = excluded.birth_month, gender = excluded.gender, "
                  "ward = excluded.ward, sakai_resident = excluded.sakai_resident, "
                  "school_district = excluded.school_district, children = excluded.children, updated_at = now()"},
    [O_DELETE] = {"outreach_delete", "DELETE FROM outreach_profiles WHERE resident_id = $1"},
    [O_MEMBERS_DROP] = {"outreach_members_drop",
                        "DELETE FROM outreach_members m USING outreach_campaigns c WHERE m.campaign_id = c.id "
                        "AND m.resident_id = $1 AND c.category = $2 AND m.released_at IS NULL"},
    [O_REFRESH] = {"outreach_refresh",
                   "UPDATE outreach_profiles SET " PROFILE_SET " WHERE resident_id = $1 AND $2::int IS NOT NULL"},
    [O_COUNT] = {"outreach_count", "SELECT count(*) FROM outreach_profiles p WHERE " MATCH_1},
    /* the new segment's match once per row (OFFSET 0 keeps the subquery from being flattened into 8 copies) */
    [O_DIFF] = {"outreach_diff",
                "SELECT count(*) FILTER (WHERE a <> m1), count(*) FILTER (WHERE a <> m2), count(*) FILTER (WHERE a <> m3), count(*) FILTER (WHERE a <> m4), count(*) FILTER (WHERE a <> m5), count(*) FILTER (WHERE a <> m6), count(*) FILTER (WHERE a <> m7), count(*) FILTER (WHERE a <> m8) FROM (SELECT " MATCH_1 " AS a, "
                   MATCH("10", "11", "12", "13", "14", "15", "16", "17", "18") " AS m1" ", "
                   MATCH("19", "20", "21", "22", "23", "24", "25", "26", "27") " AS m2" ", "
                   MATCH("28", "29", "30", "31", "32", "33", "34", "35", "36") " AS m3" ", "
                   MATCH("37", "38", "39", "40", "41", "42", "43", "44", "45") " AS m4" ", "
                   MATCH("46", "47", "48", "49", "50", "51", "52", "53", "54") " AS m5" ", "
                   MATCH("55", "56", "57", "58", "59", "60", "61", "62", "63") " AS m6" ", "
                   MATCH("64", "65", "66", "67", "68", "69", "70", "71", "72") " AS m7" ", "
                   MATCH("73", "74", "75", "76", "77", "78", "79", "80", "81") " AS m8"
                " FROM outreach_profiles p WHERE (p.categories & ($1::int | $10::int | $19::int | $28::int | $37::int | $46::int | $55::int | $64::int | $73::int)) <> 0 OFFSET 0) x"},
    [O_SEG_INSERT] = {"outreach_seg_insert",
                      "INSERT INTO outreach_segments (id, category, name, criteria, sponsor, created_by) "
                      "VALUES ($1, $2, $3, $4, nullif($5, ''), $6) ON CONFLICT (id) DO NOTHING"},
    [O_SEG_ONE] = {"outreach_seg_one", "SELECT " SEG_COLS " FROM outreach_segments WHERE id = $1"},
    [O_SEG_SINCE] = {"outreach_seg_since",
                     "SELECT " SEG_COLS " FROM outreach_segments WHERE created_at >= to_timestamp($1::bigint) "
                     "ORDER BY created_at DESC, id LIMIT $2::int"},
    [O_CAMP_INSERT] = {"outreach_camp_insert",
                       "INSERT INTO outreach_campaigns (id, segment_id, category, criteria, attributes, sponsor, "
                       "created_by, members) VALUES ($1, $2, $3, $4, $5, nullif($6, ''), $7, 0) "
                       "RETURNING " EPOCH("created_at")},
    [O_CAMP_MEMBERS] = {"outreach_camp_members",
                        "WITH ins AS (INSERT INTO outreach_members (campaign_id, resident_id) "
                        "SELECT $10, p.resident_id FROM outreach_profiles p WHERE " MATCH_1 " RETURNING 1) "
                        "UPDATE outreach_campaigns SET members = (SELECT count(*) FROM ins) WHERE id = $10 "
                        "RETURNING members"},
    [O_CAMP_ONE] = {"outreach_camp_one", "SELECT " CAMP_COLS " FROM outreach_campaigns c WHERE c.id = $1"},
    [O_CAMP_LIST] = {"outreach_camp_list",
                     "SELECT " CAMP_COLS " FROM outreach_campaigns c WHERE $1::text IS NULL OR c.sponsor = $1 "
                     "ORDER BY c.created_at DESC, c.id LIMIT $2::int"},
    [O_PAGE] = {"outreach_page",
                "SELECT m.resident_id, m.released_at IS NULL, c.category FROM outreach_members m "
                "JOIN outreach_campaigns c ON c.id = m.campaign_id WHERE m.campaign_id = $1 AND m.resident_id > $2 "
                "ORDER BY m.resident_id LIMIT $3::int FOR UPDATE OF m"},
    [O_MARK] = {"outreach_mark",
                "UPDATE outreach_members SET released_at = now() WHERE campaign_id = $1 "
                "AND resident_id = ANY($2::text[]) AND released_at IS NULL"},
    [O_LEDGER_LOCK] = {"ledger_lock_o", IDP_PG_LEDGER_LOCK},
    [O_LEDGER_APPEND] = {"ledger_append_o", IDP_PG_LEDGER_APPEND},
    /*
     * A page's releases, $1 the members in order: one chained ledger row each (IDP_PG_LEDGER_APPEND's rows, hash
     * version 2: client $2, action "release", claims "sub", actor "resident", purpose $3), in one statement. The
     * chain is built by a recursive query, each row hashing the one before (bench/outreach: a statement per row
     * made the portal's first pass slow).
     */
    [O_RELEASE] = {"outreach_release",
                   "WITH RECURSIVE b AS (SELECT coalesce((SELECT seq FROM consent_ledger ORDER BY seq DESC LIMIT 1), 0) "
                   "AS seq, coalesce((SELECT row_hash FROM consent_ledger ORDER BY seq DESC LIMIT 1), "
                   "decode(repeat('00', 32), 'hex')) AS prev, now() AS at), "
                   "c (i, seq, prev, hash) AS ("
                   "SELECT 1, b.seq + 1, b.prev, sha256(b.prev || convert_to(concat_ws(E'\\n', b.seq + 1, "
                   "(extract(epoch from b.at) * 1000000)::bigint, ($1::text[])[1], $2::text, 'release', 'sub', "
                   "'resident', $3::text), 'UTF8')) FROM b WHERE cardinality($1::text[]) >= 1 "
                   "UNION ALL SELECT c.i + 1, c.seq + 1, c.hash, sha256(c.hash || convert_to(concat_ws(E'\\n', "
                   "c.seq + 1, (extract(epoch from b.at) * 1000000)::bigint, ($1::text[])[c.i + 1], $2::text, "
                   "'release', 'sub', 'resident', $3::text), 'UTF8')) FROM c, b WHERE c.i < cardinality($1::text[])) "
                   "INSERT INTO consent_ledger (seq, at, resident_id, client_id, action, claims, actor, purpose, "
                   "authorization_details, hash_version, prev_hash, row_hash) SELECT c.seq, b.at, ($1::text[])[c.i], "
                   "$2, 'release', 'sub', 'resident', $3, NULL, 2, c.prev, c.hash FROM c, b"},
    [O_INCLUSIONS] = {"outreach_inclusions",
                      "SELECT c.id, c.category, c.attributes, " EPOCH("c.created_at") ", "
                      "coalesce(" EPOCH("m.released_at") ", 0) FROM outreach_members m "
                      "JOIN outreach_campaigns c ON c.id = m.campaign_id WHERE m.resident_id = $1 "
                      "ORDER BY c.created_at DESC, c.id LIMIT 200"},
};
/* clang-format on */

/* A PostgreSQL array literal of @p n strings, @p width bytes apart, each quoted and escaped. */
static void text_array(idp_buf_t *b, const void *list, size_t n, size_t width)
{
    idp_buf_puts(b, "{");
    for (size_t i = 0; i < n; i++) {
        idp_buf_puts(b, i ? ",\"" : "\"");
        for (const char *p = (const char *)list + i * width; *p; p++) {
            if (*p == '"' || *p == '\\')
                idp_buf_puts(b, "\\");
            idp_buf_append(b, p, 1);
        }
        idp_buf_puts(b, "\"");
    }
    idp_buf_puts(b, "}");
}

/* The nine parameters of MATCH, as text: nums holds the numbers, arrays the two lists. */
typedef struct {
    char nums[7][16];
    idp_buf_t wards, districts;
} match_params_t;

static idp_err_t match_params(const idp_store_outreach_criteria_t *c, match_params_t *m, const char **v)
{
    snprintf(m->nums[0], 16, "%u", c->category_bit);
    snprintf(m->nums[1], 16, "%d", c->birth_from);
    snprintf(m->nums[2], 16, "%d", c->birth_to);
    snprintf(m->nums[3], 16, "%d", c->gender);
    snprintf(m->nums[4], 16, "%d", c->sakai_resident);
    snprintf(m->nums[5], 16, "%d", c->child_from);
    snprintf(m->nums[6], 16, "%d", c->child_to);
    idp_buf_init(&m->wards, 4096);
    idp_buf_init(&m->districts, 8192);
    text_array(&m->wards, c->wards, c->nwards, sizeof(c->wards[0]));
    text_array(&m->districts, c->districts, c->ndistricts, sizeof(c->districts[0]));
    const char *w = idp_buf_cstr(&m->wards), *d = idp_buf_cstr(&m->districts);
    const char *vals[9] = {m->nums[0], m->nums[1], m->nums[2], m->nums[3], w, m->nums[4], d, m->nums[5], m->nums[6]};
    memcpy(v, vals, sizeof(vals));
    return w && d ? IDP_OK : IDP_E_NOMEM;
}

static void match_params_free(match_params_t *m)
{
    idp_buf_free(&m->wards);
    idp_buf_free(&m->districts);
}

/* One count(*) answer into *n. */
static idp_err_t count_of(PGresult *r, idp_err_t ret, long long *n)
{
    if (ret == IDP_OK && PQntuples(r) != 1)
        ret = IDP_E_SERVER_ERROR;
    if (ret == IDP_OK)
        *n = atoll_checked(PQgetvalue(r, 0, 0));
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_outreach_optins(idp_store_t *s, const char *resident_id, unsigned *bits)
{
    idp_err_t ret;
    const char *v[] = {resident_id};
    PGresult *r = idp_pg_run(s, stmts, O_OPTINS, 1, v, NULL, NULL, &ret);
    *bits = 0;
    if (ret == IDP_OK && PQntuples(r) == 1)
        *bits = (unsigned)atoll_checked(PQgetvalue(r, 0, 0));
    PQclear(r);
    return ret;
}

/* The profile's attribute parameters $3..$8 (after $1 resident and $2 categories). */
typedef struct {
    char birth[16], gender[16], children[160];
} profile_params_t;

static void profile_params(const idp_store_outreach_profile_t *p, profile_params_t *pp, const char **v)
{
    snprintf(pp->birth, sizeof(pp->birth), "%d", p->birth_month);
    snprintf(pp->gender, sizeof(pp->gender), "%d", p->gender);
    size_t k = (size_t)snprintf(pp->children, sizeof(pp->children), "{");
    for (size_t i = 0; i < p->nchildren && i < IDP_OUTREACH_CHILDREN_MAX; i++)
        k += (size_t)snprintf(pp->children + k, sizeof(pp->children) - k, "%s%d", i ? "," : "", p->children[i]);
    snprintf(pp->children + k, sizeof(pp->children) - k, "}");
    v[2] = pp->birth;
    v[3] = pp->gender;
    v[4] = p->ward;
    v[5] = p->sakai_resident ? "true" : "false";
    v[6] = p->school_district;
    v[7] = pp->children;
}

static idp_err_t ledger_append(idp_pg_conn_t *c, const char *resident_id, const char *client_id, const char *action,
                               const char *claims, const char *purpose)
{
    idp_err_t ret;
    const char *v[] = {resident_id, client_id, action, claims, "resident", purpose, NULL};
    PQclear(idp_pg_exec(c, stmts, O_LEDGER_APPEND, 7, v, NULL, NULL, &ret));
    return ret;
}

idp_err_t idp_pg_outreach_optin_set(idp_store_t *s, const char *resident_id, unsigned bit, const char *category,
                                    bool on, const idp_store_outreach_profile_t *profile, const char *attributes,
                                    bool *changed)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    *changed = false;
    if ((ret = idp_pg_begin(s, &c, "BEGIN")) != IDP_OK)
        return ret;
    const char *v1[] = {resident_id};
    PQclear(idp_pg_exec(c, stmts, O_RESIDENT_LOCK, 1, v1, NULL, NULL, &ret));
    PGresult *r = ret == IDP_OK ? idp_pg_exec(c, stmts, O_LOCK, 1, v1, NULL, NULL, &ret) : NULL;
    unsigned bits = ret == IDP_OK && PQntuples(r) == 1 ? (unsigned)atoll_checked(PQgetvalue(r, 0, 0)) : 0;
    PQclear(r);
    unsigned now = on ? bits | bit : bits & ~bit;
    if (ret != IDP_OK || now == bits)
        return idp_pg_end(s, c, ret);
    *changed = true;
    char cats[16];
    snprintf(cats, sizeof(cats), "%u", now);
    if (now == 0) {
        PQclear(idp_pg_exec(c, stmts, O_DELETE, 1, v1, NULL, NULL, &ret));
    } else {
        profile_params_t pp;
        const char *v[8] = {resident_id, cats};
        profile_params(profile, &pp, v);
        PQclear(idp_pg_exec(c, stmts, O_UPSERT, 8, v, NULL, NULL, &ret));
    }
    if (ret == IDP_OK && !on) { /* out: from every campaign of the category the portal has not fetched yet */
        const char *v[] = {resident_id, category};
        PQclear(idp_pg_exec(c, stmts, O_MEMBERS_DROP, 2, v, NULL, NULL, &ret));
    }
    char purpose[64];
    snprintf(purpose, sizeof(purpose), "outreach:%s", category);
    if (ret == IDP_OK)
        PQclear(idp_pg_exec(c, stmts, O_LEDGER_LOCK, 0, NULL, NULL, NULL, &ret));
    if (ret == IDP_OK)
        ret = ledger_append(c, resident_id, "sakaid:outreach", on ? "grant" : "revoke", attributes, purpose);
    if (ret != IDP_OK)
        *changed = false;
    return idp_pg_end(s, c, ret);
}

idp_err_t idp_pg_outreach_profile_refresh(idp_store_t *s, const char *resident_id,
                                          const idp_store_outreach_profile_t *p)
{
    idp_err_t ret;
    profile_params_t pp;
    const char *v[8] = {resident_id, "0"};
    profile_params(p, &pp, v);
    PQclear(idp_pg_run(s, stmts, O_REFRESH, 8, v, NULL, NULL, &ret));
    return ret;
}

idp_err_t idp_pg_outreach_count(idp_store_t *s, const idp_store_outreach_criteria_t *c, long long *n)
{
    match_params_t m;
    const char *v[9];
    idp_err_t ret = match_params(c, &m, v);
    PGresult *r = ret == IDP_OK ? idp_pg_run(s, stmts, O_COUNT, 9, v, NULL, NULL, &ret) : NULL;
    ret = count_of(r, ret, n);
    match_params_free(&m);
    return ret;
}

/* Compared in batches of DIFF_BATCH in one pass each (bench/outreach: a pass per segment made a definition slow). */
#define DIFF_BATCH 8

idp_err_t idp_pg_outreach_differences(idp_store_t *s, const idp_store_outreach_criteria_t *a,
                                      const idp_store_outreach_criteria_t *others, size_t n, long long *diffs)
{
    idp_err_t ret = IDP_OK;
    for (size_t from = 0; ret == IDP_OK && from < n; from += DIFF_BATCH) {
        match_params_t m[DIFF_BATCH + 1];
        const char *v[9 * (DIFF_BATCH + 1)];
        size_t made = 0;
        /* an empty slot matches nobody (no category bit): cheap to evaluate, and its count is not read */
        static const idp_store_outreach_criteria_t nobody = {.category_bit = 0, .sakai_resident = -1};
        for (; ret == IDP_OK && made <= DIFF_BATCH; made++)
            ret = match_params(made == 0             ? a
                               : from + made - 1 < n ? &others[from + made - 1]
                                                     : &nobody,
                               &m[made], v + 9 * made);
        PGresult *r = ret == IDP_OK ? idp_pg_run(s, stmts, O_DIFF, 9 * (DIFF_BATCH + 1), v, NULL, NULL, &ret) : NULL;
        if (ret == IDP_OK && PQntuples(r) != 1)
            ret = IDP_E_SERVER_ERROR;
        for (size_t k = 0; ret == IDP_OK && k < DIFF_BATCH && from + k < n; k++)
            diffs[from + k] = atoll_checked(PQgetvalue(r, 0, (int)k));
        PQclear(r);
        for (size_t k = 0; k < made; k++)
            match_params_free(&m[k]);
    }
    return ret;
}

idp_err_t idp_pg_outreach_segment_insert(idp_store_t *s, const idp_store_outreach_segment_t *row)
{
    idp_err_t ret;
    const char *v[] = {row->id, row->category, row->name, row->criteria, row->sponsor, row->created_by};
    PGresult *r = idp_pg_run(s, stmts, O_SEG_INSERT, 6, v, NULL, NULL, &ret);
    if (ret == IDP_OK && atoi_checked(PQcmdTuples(r)) != 1)
        ret = IDP_E_CONFLICT;
    PQclear(r);
    return ret;
}

idp_err_t idp_pg_outreach_segments(idp_store_t *s, const char *id, long long since, int limit,
                                   idp_store_outreach_segment_t **rows, size_t *n)
{
    idp_err_t ret;
    char t[24], l[16];
    snprintf(t, sizeof(t), "%lld", since);
    snprintf(l, sizeof(l), "%d", limit);
    const char *v[] = {id ? id : t, l};
    *rows = NULL;
    *n = 0;
    PGresult *r = idp_pg_run(s, stmts, id ? O_SEG_ONE : O_SEG_SINCE, id ? 1 : 2, v, NULL, NULL, &ret);
    if (ret != IDP_OK)
        return ret;
    int count = PQntuples(r);
    idp_store_outreach_segment_t *out = calloc((size_t)count + 1, sizeof(*out));
    for (int i = 0; out && i < count; i++) {
        idp_store_outreach_segment_t *x = &out[i];
        copy_field(x->id, sizeof(x->id), PQgetvalue(r, i, 0));
        copy_field(x->category, sizeof(x->category), PQgetvalue(r, i, 1));
        copy_field(x->name, sizeof(x->name), PQgetvalue(r, i, 2));
        copy_field(x->criteria, sizeof(x->criteria), PQgetvalue(r, i, 3));
        copy_field(x->sponsor, sizeof(x->sponsor), PQgetvalue(r, i, 4));
        copy_field(x->created_by, sizeof(x->created_by), PQgetvalue(r, i, 5));
        x->created_at = atoll_checked(PQgetvalue(r, i, 6));
    }
    PQclear(r);
    if (out == NULL)
        return IDP_E_NOMEM;
    if (id && count == 0) {
        free(out);
        return IDP_E_NOT_FOUND;
    }
    *rows = out;
    *n = (size_t)count;
    return IDP_OK;
}

idp_err_t idp_pg_outreach_campaign_create(idp_store_t *s, idp_store_outreach_campaign_t *row,
                                          const idp_store_outreach_criteria_t *c, long long min_members)
{
    idp_pg_conn_t *conn;
    idp_err_t ret;
    match_params_t m;
    const char *v[10];
    if ((ret = match_params(c, &m, v)) != IDP_OK) {
        match_params_free(&m);
        return ret;
    }
    v[9] = row->id;
    /* REPEATABLE READ: the snapshot's members and its count are one moment */
    if ((ret = idp_pg_begin(s, &conn, "BEGIN ISOLATION LEVEL REPEATABLE READ")) == IDP_OK) {
        const char *vi[] = {row->id,         row->segment_id, row->category,  row->criteria,
                            row->attributes, row->sponsor,    row->created_by};
        PGresult *r = idp_pg_exec(conn, stmts, O_CAMP_INSERT, 7, vi, NULL, NULL, &ret);
        if (ret == IDP_OK && PQntuples(r) == 1)
            row->created_at = atoll_checked(PQgetvalue(r, 0, 0));
        PQclear(r);
        r = ret == IDP_OK ? idp_pg_exec(conn, stmts, O_CAMP_MEMBERS, 10, v, NULL, NULL, &ret) : NULL;
        ret = count_of(r, ret, &row->members);
        if (ret == IDP_OK && row->members < min_members)
            ret = IDP_E_CONFLICT; /* under k at the moment of the snapshot: rolled back */
        row->released = 0;
        ret = idp_pg_end(s, conn, ret);
    }
    match_params_free(&m);
    return ret;
}

idp_err_t idp_pg_outreach_campaigns(idp_store_t *s, const char *id, const char *sponsor, int limit,
                                    idp_store_outreach_campaign_t **rows, size_t *n)
{
    idp_err_t ret;
    char l[16];
    snprintf(l, sizeof(l), "%d", limit);
    const char *v[] = {id ? id : sponsor, l};
    *rows = NULL;
    *n = 0;
    PGresult *r = idp_pg_run(s, stmts, id ? O_CAMP_ONE : O_CAMP_LIST, id ? 1 : 2, v, NULL, NULL, &ret);
    if (ret != IDP_OK)
        return ret;
    int count = PQntuples(r);
    idp_store_outreach_campaign_t *out = calloc((size_t)count + 1, sizeof(*out));
    for (int i = 0; out && i < count; i++) {
        idp_store_outreach_campaign_t *x = &out[i];
        copy_field(x->id, sizeof(x->id), PQgetvalue(r, i, 0));
        copy_field(x->segment_id, sizeof(x->segment_id), PQgetvalue(r, i, 1));
        copy_field(x->category, sizeof(x->category), PQgetvalue(r, i, 2));
        copy_field(x->criteria, sizeof(x->criteria), PQgetvalue(r, i, 3));
        copy_field(x->attributes, sizeof(x->attributes), PQgetvalue(r, i, 4));
        copy_field(x->sponsor, sizeof(x->sponsor), PQgetvalue(r, i, 5));
        copy_field(x->created_by, sizeof(x->created_by), PQgetvalue(r, i, 6));
        x->created_at = atoll_checked(PQgetvalue(r, i, 7));
        x->members = atoll_checked(PQgetvalue(r, i, 8));
        x->released = atoll_checked(PQgetvalue(r, i, 9));
    }
    PQclear(r);
    if (out == NULL)
        return IDP_E_NOMEM;
    if (id && count == 0) {
        free(out);
        return IDP_E_NOT_FOUND;
    }
    *rows = out;
    *n = (size_t)count;
    return IDP_OK;
}

idp_err_t idp_pg_outreach_members_page(idp_store_t *s, const char *campaign_id, const char *after, int limit,
                                       const char *client_id, char (**ids)[64], size_t *n)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    char l[16], purpose[128];
    snprintf(l, sizeof(l), "%d", limit);
    *ids = NULL;
    *n = 0;
    if ((ret = idp_pg_begin(s, &c, "BEGIN")) != IDP_OK)
        return ret;
    const char *v[] = {campaign_id, after, l};
    PGresult *r = idp_pg_exec(c, stmts, O_PAGE, 3, v, NULL, NULL, &ret);
    int count = ret == IDP_OK ? PQntuples(r) : 0;
    char(*out)[64] = ret == IDP_OK ? calloc((size_t)count + 1, sizeof(*out)) : NULL;
    char(*fresh)[64] = ret == IDP_OK ? calloc((size_t)count + 1, sizeof(*fresh)) : NULL; /* released now */
    if (ret == IDP_OK && (out == NULL || fresh == NULL))
        ret = IDP_E_NOMEM;
    size_t nfresh = 0;
    for (int i = 0; ret == IDP_OK && i < count; i++) {
        copy_field(out[i], sizeof(out[i]), PQgetvalue(r, i, 0));
        if (!strcmp(PQgetvalue(r, i, 1), "t")) {
            copy_field(fresh[nfresh++], sizeof(fresh[0]), out[i]);
            snprintf(purpose, sizeof(purpose), "outreach:%s:%s", PQgetvalue(r, i, 2), campaign_id);
        }
    }
    PQclear(r);
    idp_buf_t list; /* the members released now, in order, as an array literal */
    idp_buf_init(&list, nfresh * 70 + 16);
    text_array(&list, fresh, nfresh, sizeof(fresh[0]));
    if (ret == IDP_OK && nfresh) {
        const char *vm[] = {campaign_id, idp_buf_cstr(&list)};
        ret = vm[1] ? IDP_OK : IDP_E_NOMEM;
        if (ret == IDP_OK)
            PQclear(idp_pg_exec(c, stmts, O_MARK, 2, vm, NULL, NULL, &ret));
        if (ret == IDP_OK)
            PQclear(idp_pg_exec(c, stmts, O_LEDGER_LOCK, 0, NULL, NULL, NULL, &ret));
        const char *vr[] = {vm[1], client_id, purpose};
        if (ret == IDP_OK)
            PQclear(idp_pg_exec(c, stmts, O_RELEASE, 3, vr, NULL, NULL, &ret));
    }
    idp_buf_free(&list);
    free(fresh);
    ret = idp_pg_end(s, c, ret);
    if (ret != IDP_OK) {
        free(out);
        return ret;
    }
    *ids = out;
    *n = (size_t)count;
    return IDP_OK;
}

idp_err_t idp_pg_outreach_inclusions(idp_store_t *s, const char *resident_id, idp_store_outreach_inclusion_t **rows,
                                     size_t *n)
{
    idp_err_t ret;
    const char *v[] = {resident_id};
    *rows = NULL;
    *n = 0;
    PGresult *r = idp_pg_run(s, stmts, O_INCLUSIONS, 1, v, NULL, NULL, &ret);
    if (ret != IDP_OK)
        return ret;
    int count = PQntuples(r);
    idp_store_outreach_inclusion_t *out = calloc((size_t)count + 1, sizeof(*out));
    for (int i = 0; out && i < count; i++) {
        copy_field(out[i].campaign_id, sizeof(out[i].campaign_id), PQgetvalue(r, i, 0));
        copy_field(out[i].category, sizeof(out[i].category), PQgetvalue(r, i, 1));
        copy_field(out[i].attributes, sizeof(out[i].attributes), PQgetvalue(r, i, 2));
        out[i].at = atoll_checked(PQgetvalue(r, i, 3));
        out[i].released_at = atoll_checked(PQgetvalue(r, i, 4));
    }
    PQclear(r);
    if (out == NULL)
        return IDP_E_NOMEM;
    *rows = out;
    *n = (size_t)count;
    return IDP_OK;
}

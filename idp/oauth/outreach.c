/*
 * Outreach (issue #22, docs/outreach.md). The resident opts in to the
 * categories the city publishes, on /account; each change is a consent-ledger
 * row. Planners (role outreach-planner) define segments in the criteria
 * language (outreach_lang.c) through the admin API or the console, see their
 * sizes rounded to 10 and under k as "<k", and send them: a send is a
 * campaign, an immutable snapshot of its members. The city portal, a city
 * client with scope "outreach" and its own client_credentials token, pages
 * through a campaign's members as its own subject identifiers; each release
 * is a ledger row. Partner clients see their campaigns' thresholded counts,
 * never members.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "core/rand.h"
#include "core/str.h"
#include "oauth/admin.h"
#include "oauth/clients.h"
#include "oauth/internal.h"
#include "oauth/outreach.h"

#define SEGMENTS_LISTED 100
#define CAMPAIGNS_LISTED 100
#define PAGE_DEFAULT 500
#define PAGE_MAX 1000

/* ---- the resident's side ---- */

/* The coarse attributes of @p resident_id, from the verified record and the household form. */
static idp_err_t profile_of(idp_oauth_t *o, const char *resident_id, idp_store_outreach_profile_t *p)
{
    memset(p, 0, sizeof(*p));
    idp_store_resident_attrs_t a;
    idp_err_t e = idp_store_resident_attrs_get(o->store, resident_id, &a);
    if (e == IDP_OK) {
        p->birth_month = idp_outreach_month_of(a.birth_date);
        p->gender = a.gender && !strcmp(a.gender, "male") ? 1 : a.gender && !strcmp(a.gender, "female") ? 2 : 0;
        snprintf(p->ward, sizeof(p->ward), "%s", a.sakai_ward ? a.sakai_ward : "");
        p->sakai_resident = a.sakai_resident;
        idp_store_resident_attrs_clear(&a);
    } else if (e != IDP_E_NOT_FOUND) {
        return e; /* a record that does not open is an error, never "nothing verified" */
    }
    idp_store_household_t h;
    if ((e = idp_store_household_get(o->store, resident_id, &h)) != IDP_OK)
        return e;
    snprintf(p->school_district, sizeof(p->school_district), "%s", h.school_district);
    for (const char *c = h.children; *c && p->nchildren < IDP_OUTREACH_CHILDREN_MAX;) {
        c += strspn(c, " ");
        int m = idp_outreach_month_of(c);
        if (m)
            p->children[p->nchildren++] = m;
        c += strcspn(c, " ");
    }
    return IDP_OK;
}

/*
 * Only what the categories turned on use is kept (data minimisation): a resident who asked for energy-saving
 * notices alone has a ward and a residency in the profile, no month of birth, gender or children.
 */
static void minimise(idp_store_outreach_profile_t *p, unsigned bits)
{
    unsigned used = 0;
    for (size_t i = 0; i < idp_outreach_ncategories; i++)
        if (bits & idp_outreach_categories[i].bit)
            used |= idp_outreach_categories[i].allowed;
    if (!(used & IDP_OUTREACH_AGE))
        p->birth_month = 0;
    if (!(used & IDP_OUTREACH_GENDER))
        p->gender = 0;
    if (!(used & IDP_OUTREACH_WARD))
        p->ward[0] = '\0';
    if (!(used & IDP_OUTREACH_RESIDENT))
        p->sakai_resident = false;
    if (!(used & IDP_OUTREACH_SCHOOL))
        p->school_district[0] = '\0';
    if (!(used & IDP_OUTREACH_CHILD_AGE))
        p->nchildren = 0;
}

idp_err_t idp_outreach_refresh(idp_oauth_t *o, const char *resident_id, unsigned *bits)
{
    idp_err_t e = idp_store_outreach_optins(o->store, resident_id, bits);
    if (e != IDP_OK || *bits == 0)
        return e;
    idp_store_outreach_profile_t p;
    if ((e = profile_of(o, resident_id, &p)) != IDP_OK)
        return e;
    minimise(&p, *bits);
    return idp_store_outreach_profile_refresh(o->store, resident_id, &p);
}

/* POST /account/outreach (csrf, category, on=1|0): a category turned on or off, a ledger row (product.md §1). */
idp_outcome_t idp_oauth_account_outreach(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_store_session_t s;
    const char *category = NULL, *on = NULL;
    if (!idp_browser_session(o, req, &s, NULL)) {
        idp_see_other(resp, "/account/login");
        return idp_ok();
    }
    if (!idp_account_csrf_ok(o, req, &s) || idp_params_get(req->form, "category", &category) != IDP_OK ||
        idp_params_get(req->form, "on", &on) != IDP_OK)
        return idp_fail(IDP_E_FORBIDDEN, "the form is stale: reload the page");
    const idp_outreach_category_t *cat = idp_outreach_category(category);
    if (cat == NULL || (strcmp(on, "1") && strcmp(on, "0")))
        return idp_fail(IDP_E_INVALID_REQUEST, "no such category");
    bool want = !strcmp(on, "1"), changed = false;
    idp_store_outreach_profile_t p;
    char attributes[128];
    idp_outreach_attr_names(cat->allowed, attributes, sizeof(attributes));
    unsigned bits = 0;
    idp_err_t e = idp_store_outreach_optins(o->store, s.resident_id, &bits);
    if (e == IDP_OK)
        e = profile_of(o, s.resident_id, &p);
    if (e == IDP_OK) {
        minimise(&p, want ? bits | cat->bit : bits & ~cat->bit);
        e = idp_store_outreach_optin_set(o->store, s.resident_id, cat->bit, cat->id, want, &p, attributes, &changed);
    }
    if (e != IDP_OK)
        return idp_fail_store(e);
    if (changed) {
        char detail[96];
        snprintf(detail, sizeof(detail), "{\"category\":\"%s\"}", cat->id);
        idp_oauth_logged(
            idp_store_audit(o->store, want ? "outreach_opt_in" : "outreach_opt_out", s.resident_id, detail), "audit");
    }
    idp_see_other(resp, want ? "/account?outreach=on#outreach" : "/account?outreach=off#outreach");
    return idp_ok();
}

/* ---- counts, criteria and the differencing guard ---- */

/* A planning count as shown: "<k" under k, else rounded to the nearest 10 (docs/outreach.md). */
static json_t *shown_count(long long n, int k)
{
    char text[32];
    if (n < k)
        snprintf(text, sizeof(text), "<%d", k);
    else
        snprintf(text, sizeof(text), "%lld", (n + 5) / 10 * 10);
    return json_string(text);
}

/*
 * The criteria of a stored segment (or one being defined), at this month. What is wrong with a text that does not
 * parse is the planner's to read: the description, in @p arena (it outlives the handler; NULL: a fixed text).
 */
static idp_outcome_t criteria_of(const char *category, const char *text, long long now,
                                 idp_store_outreach_criteria_t *c, idp_outreach_query_t *q, idp_arena_t *arena)
{
    const idp_outreach_category_t *cat = idp_outreach_category(category);
    char err[160];
    if (cat == NULL)
        return idp_fail(IDP_E_INVALID_REQUEST, "category: one of health, childrearing, energy, foster, disaster");
    if (idp_outreach_parse(text, cat->allowed, q, err, sizeof(err)) != IDP_OK) {
        char *why = arena ? idp_arena_alloc(arena, 256) : NULL;
        if (why)
            snprintf(why, 256, "criteria: %s (docs/outreach.md, \"The criteria language\")", err);
        return idp_fail(IDP_E_INVALID_REQUEST, why ? why : "criteria: see docs/outreach.md, \"The criteria language\"");
    }
    idp_outreach_criteria(q, cat->bit, idp_outreach_month(now), c);
    return idp_ok();
}

/*
 * Differencing (docs/outreach.md): a segment whose members differ from those of a recent segment by
 * more than none and fewer than k residents would let two counts, or two sends, single out those few.
 * Compared with the newest outreach.differencing_segments segments of the last outreach.differencing_days
 * days, @p self (the segment being sent) excepted.
 */
static idp_outcome_t differencing_guard(idp_oauth_t *o, const idp_store_outreach_criteria_t *c, const char *self,
                                        long long now)
{
    const idp_config_t *cfg = o->cfg;
    idp_store_outreach_segment_t *rows = NULL;
    size_t n = 0;
    idp_err_t e = idp_store_outreach_segments(o->store, NULL, now - (long long)cfg->outreach_differencing_days * 86400,
                                              cfg->outreach_differencing_segments, &rows, &n);
    idp_store_outreach_criteria_t *others = e == IDP_OK ? calloc(n + 1, sizeof(*others)) : NULL;
    const char **ids = others ? calloc(n + 1, sizeof(*ids)) : NULL;
    long long *diffs = ids ? calloc(n + 1, sizeof(*diffs)) : NULL;
    if (e == IDP_OK && diffs == NULL)
        e = IDP_E_NOMEM;
    size_t k = 0;
    for (size_t i = 0; e == IDP_OK && i < n; i++) {
        idp_outreach_query_t q;
        if (self && !strcmp(rows[i].id, self))
            continue;
        if (criteria_of(rows[i].category, rows[i].criteria, now, &others[k], &q, NULL).err != IDP_OK)
            continue; /* a category retired since: nothing to compare */
        ids[k++] = rows[i].id;
    }
    if (e == IDP_OK && k)
        e = idp_store_outreach_differences(o->store, c, others, k, diffs);
    idp_outcome_t out = e == IDP_OK ? idp_ok() : idp_fail_store(e);
    for (size_t i = 0; out.err == IDP_OK && i < k; i++)
        if (diffs[i] > 0 && diffs[i] < cfg->outreach_k) {
            /* which segment stays unsaid: the outcome outlives rows (no pointer into them), and the log has it */
            char detail[160];
            snprintf(detail, sizeof(detail), "{\"segment\":\"%s\"}", ids[i]);
            idp_oauth_logged(idp_store_audit(o->store, "outreach_differencing_refused", "", detail), "audit");
            out = idp_fail(IDP_E_CONFLICT,
                           "the segment differs from a recent segment by fewer than k residents (differencing)");
        }
    free(others);
    free(ids);
    free(diffs);
    free(rows);
    return out;
}

static json_t *segment_json(const idp_store_outreach_segment_t *s, const idp_outreach_query_t *q)
{
    char attributes[128];
    idp_outreach_attr_names(q->used, attributes, sizeof(attributes));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s, s:I}", "id", s->id, "category", s->category, "name", s->name,
                     "criteria", s->criteria, "attributes", attributes, "sponsor", s->sponsor[0] ? s->sponsor : NULL,
                     "created_by", s->created_by, "created_at", (json_int_t)s->created_at);
}

/* The segment's count now, as shown, and whether it may be sent. */
static idp_outcome_t with_count(idp_oauth_t *o, json_t *j, const idp_store_outreach_criteria_t *c)
{
    long long n = 0;
    idp_err_t e = idp_store_outreach_count(o->store, c, &n);
    if (e != IDP_OK)
        return idp_fail_store(e);
    json_object_set_new(j, "count", shown_count(n, o->cfg->outreach_k));
    json_object_set_new(j, "sendable", json_boolean(n >= o->cfg->outreach_k));
    return idp_ok();
}

/* ---- the operations (the admin API and the console) ---- */

idp_outcome_t idp_outreach_define_as(idp_oauth_t *o, idp_arena_t *arena, const idp_admin_caller_t *who, long long now,
                                     const idp_outreach_segment_in_t *in, json_t **result)
{
    idp_store_outreach_segment_t row;
    idp_store_outreach_criteria_t c;
    idp_outreach_query_t q;
    *result = NULL;
    memset(&row, 0, sizeof(row));
    size_t nlen = in->name ? strlen(in->name) : 0;
    if (nlen == 0 || nlen > 200 || !idp_utf8_valid(in->name, nlen))
        return idp_fail(IDP_E_INVALID_REQUEST, "name: 1 to 200 bytes of UTF-8");
    idp_outcome_t out = criteria_of(in->category, in->criteria ? in->criteria : "", now, &c, &q, arena);
    if (out.err != IDP_OK)
        return out;
    if (in->sponsor && *in->sponsor) { /* a partner's campaign: the partner sees its counts only */
        const idp_client_t *cl = NULL;
        if (strlen(in->sponsor) >= sizeof(row.sponsor) || idp_clients_get(o, in->sponsor, &cl) != IDP_OK)
            return idp_fail(IDP_E_INVALID_REQUEST, "sponsor: the client_id of a registered client");
        idp_client_unref(cl);
        snprintf(row.sponsor, sizeof(row.sponsor), "%s", in->sponsor);
    }
    idp_buf_t text;
    idp_buf_init(&text, sizeof(row.criteria) - 1);
    idp_outreach_canonical(&q, &text);
    if (idp_buf_cstr(&text) == NULL) {
        idp_buf_free(&text);
        return idp_fail(IDP_E_INVALID_REQUEST, "criteria: too long");
    }
    snprintf(row.criteria, sizeof(row.criteria), "%s", idp_buf_cstr(&text));
    idp_buf_free(&text);
    if ((out = differencing_guard(o, &c, NULL, now)).err != IDP_OK)
        return out;
    char *id = idp_random_id_new(16);
    if (id == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    snprintf(row.id, sizeof(row.id), "%s", id);
    free(id);
    snprintf(row.category, sizeof(row.category), "%s", in->category);
    snprintf(row.name, sizeof(row.name), "%s", in->name);
    snprintf(row.created_by, sizeof(row.created_by), "%s", who->actor);
    row.created_at = now;
    json_t *j = segment_json(&row, &q);
    if (j == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    /* the log row first: a segment never exists without it */
    out = idp_admin_apply(o, who, &(idp_store_admin_op_t){.kind = IDP_ADMIN_OP_NONE}, "outreach.segment.define", row.id,
                          NULL, j);
    idp_err_t e = out.err == IDP_OK ? idp_store_outreach_segment_insert(o->store, &row) : IDP_OK;
    if (out.err == IDP_OK && e != IDP_OK)
        out = idp_fail_store(e);
    if (out.err == IDP_OK)
        out = with_count(o, j, &c);
    if (out.err != IDP_OK) {
        json_decref(j);
        return out;
    }
    *result = j;
    return idp_ok();
}

/* Segment @p id with its criteria at @p now. */
static idp_outcome_t load_segment(idp_oauth_t *o, const char *id, long long now, idp_store_outreach_segment_t *row,
                                  idp_store_outreach_criteria_t *c, idp_outreach_query_t *q)
{
    idp_store_outreach_segment_t *rows = NULL;
    size_t n = 0;
    idp_err_t e = id && strlen(id) < sizeof(row->id) ? idp_store_outreach_segments(o->store, id, 0, 1, &rows, &n)
                                                     : IDP_E_NOT_FOUND;
    if (e == IDP_E_NOT_FOUND)
        return idp_fail(IDP_E_NOT_FOUND, "no such segment");
    if (e != IDP_OK)
        return idp_fail_store(e);
    *row = rows[0];
    free(rows);
    return criteria_of(row->category, row->criteria, now, c, q, NULL);
}

idp_outcome_t idp_outreach_segment_as(idp_oauth_t *o, const idp_admin_caller_t *who, const char *id, long long now,
                                      json_t **result)
{
    idp_store_outreach_segment_t row;
    idp_store_outreach_criteria_t c;
    idp_outreach_query_t q;
    *result = NULL;
    idp_outcome_t out = load_segment(o, id, now, &row, &c, &q);
    if (out.err == IDP_OK)
        out = idp_admin_read(o, who, "outreach.segment.count", row.id);
    json_t *j = out.err == IDP_OK ? segment_json(&row, &q) : NULL;
    if (out.err == IDP_OK && j == NULL)
        out = idp_fail(IDP_E_NOMEM, NULL);
    if (out.err == IDP_OK)
        out = with_count(o, j, &c);
    if (out.err != IDP_OK) {
        json_decref(j);
        return out;
    }
    *result = j;
    return idp_ok();
}

idp_outcome_t idp_outreach_segments_as(idp_oauth_t *o, const idp_admin_caller_t *who, json_t **result)
{
    *result = NULL;
    idp_outcome_t out = idp_admin_read(o, who, "outreach.segment.list", "");
    if (out.err != IDP_OK)
        return out;
    idp_store_outreach_segment_t *rows = NULL;
    size_t n = 0;
    idp_err_t e = idp_store_outreach_segments(o->store, NULL, 0, SEGMENTS_LISTED, &rows, &n);
    if (e != IDP_OK)
        return idp_fail_store(e);
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++) {
        idp_outreach_query_t q;
        const idp_outreach_category_t *cat = idp_outreach_category(rows[i].category);
        char err[8];
        if (cat == NULL || idp_outreach_parse(rows[i].criteria, cat->allowed, &q, err, sizeof(err)) != IDP_OK)
            memset(&q, 0, sizeof(q));
        json_array_append_new(list, segment_json(&rows[i], &q));
    }
    free(rows);
    *result = list ? json_pack("{s:o}", "segments", list) : NULL;
    return *result ? idp_ok() : idp_fail(IDP_E_NOMEM, NULL);
}

static json_t *campaign_json(const idp_store_outreach_campaign_t *c, int k, bool exact)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:I}", "id", c->id, "segment_id", c->segment_id, "category",
                          c->category, "criteria", c->criteria, "attributes", c->attributes, "sponsor",
                          c->sponsor[0] ? c->sponsor : NULL, "created_at", (json_int_t)c->created_at);
    if (j && exact) {
        json_object_set_new(j, "members", json_integer(c->members));
        json_object_set_new(j, "released", json_integer(c->released));
    } else if (j) {
        json_object_set_new(j, "members", shown_count(c->members, k));
    }
    return j;
}

idp_outcome_t idp_outreach_send_as(idp_oauth_t *o, const idp_admin_caller_t *who, const char *id, long long now,
                                   json_t **result)
{
    idp_store_outreach_segment_t seg;
    idp_store_outreach_criteria_t c;
    idp_outreach_query_t q;
    *result = NULL;
    idp_outcome_t out = load_segment(o, id, now, &seg, &c, &q);
    if (out.err != IDP_OK)
        return out;
    if ((out = differencing_guard(o, &c, seg.id, now)).err != IDP_OK)
        return out;
    idp_store_outreach_campaign_t row;
    memset(&row, 0, sizeof(row));
    char *cid = idp_random_id_new(16);
    if (cid == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    snprintf(row.id, sizeof(row.id), "%s", cid);
    free(cid);
    snprintf(row.segment_id, sizeof(row.segment_id), "%s", seg.id);
    snprintf(row.category, sizeof(row.category), "%s", seg.category);
    snprintf(row.criteria, sizeof(row.criteria), "%s", seg.criteria);
    idp_outreach_attr_names(q.used, row.attributes, sizeof(row.attributes));
    snprintf(row.sponsor, sizeof(row.sponsor), "%s", seg.sponsor);
    snprintf(row.created_by, sizeof(row.created_by), "%s", who->actor);
    /* under k at the snapshot's moment: nothing is written (the store checks it in the same transaction) */
    idp_err_t e = idp_store_outreach_campaign_create(o->store, &row, &c, o->cfg->outreach_k);
    if (e == IDP_E_CONFLICT)
        return idp_fail(IDP_E_CONFLICT, "the segment is under k: it cannot be sent (docs/outreach.md)");
    if (e != IDP_OK)
        return idp_fail_store(e);
    json_t *j = campaign_json(&row, o->cfg->outreach_k, false);
    out = j ? idp_admin_apply(o, who, &(idp_store_admin_op_t){.kind = IDP_ADMIN_OP_NONE}, "outreach.campaign.send",
                              row.id, NULL, j)
            : idp_fail(IDP_E_NOMEM, NULL);
    if (out.err != IDP_OK) {
        json_decref(j);
        return out;
    }
    *result = j;
    return idp_ok();
}

idp_outcome_t idp_outreach_campaigns_as(idp_oauth_t *o, const idp_admin_caller_t *who, json_t **result)
{
    *result = NULL;
    idp_outcome_t out = idp_admin_read(o, who, "outreach.campaign.list", "");
    if (out.err != IDP_OK)
        return out;
    idp_store_outreach_campaign_t *rows = NULL;
    size_t n = 0;
    idp_err_t e = idp_store_outreach_campaigns(o->store, NULL, NULL, CAMPAIGNS_LISTED, &rows, &n);
    if (e != IDP_OK)
        return idp_fail_store(e);
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++)
        json_array_append_new(list, campaign_json(&rows[i], o->cfg->outreach_k, false));
    free(rows);
    *result = list ? json_pack("{s:o}", "campaigns", list) : NULL;
    return *result ? idp_ok() : idp_fail(IDP_E_NOMEM, NULL);
}

/* ---- the admin API: /admin/api/v1/outreach/... (role outreach-planner) ---- */

static idp_outcome_t respond(idp_oauth_req_t *req, idp_oauth_resp_t *resp, idp_outcome_t out, int status, json_t *j)
{
    if (out.err == IDP_OK)
        idp_oauth_json(req, resp, status, j);
    else
        json_decref(j);
    return out;
}

/* GET /admin/api/v1/outreach/categories */
idp_outcome_t idp_admin_outreach_categories(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_admin_caller_t who;
    idp_outcome_t out = idp_admin_authorise(o, req, resp, IDP_ADMIN_OUTREACH_PLANNER, "outreach.categories", &who);
    if (out.err != IDP_OK || (out = idp_admin_read(o, &who, "outreach.categories", "")).err != IDP_OK)
        return out;
    json_t *list = json_array();
    for (size_t i = 0; list && i < idp_outreach_ncategories; i++) {
        char attributes[128];
        idp_outreach_attr_names(idp_outreach_categories[i].allowed, attributes, sizeof(attributes));
        json_array_append_new(list,
                              json_pack("{s:s, s:s}", "id", idp_outreach_categories[i].id, "attributes", attributes));
    }
    json_t *j = list ? json_pack("{s:o, s:i}", "categories", list, "k", o->cfg->outreach_k) : NULL;
    return respond(req, resp, j ? idp_ok() : idp_fail(IDP_E_NOMEM, NULL), 200, j);
}

/* GET /admin/api/v1/outreach/segments (the newest 100), POST (define: {category, name, criteria, sponsor?}) */
idp_outcome_t idp_admin_outreach_segments(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_admin_caller_t who;
    bool post = !strcmp(req->method, "POST");
    idp_outcome_t out = idp_admin_authorise(o, req, resp, IDP_ADMIN_OUTREACH_PLANNER,
                                            post ? "outreach.segment.define" : "outreach.segment.list", &who);
    if (out.err != IDP_OK)
        return out;
    json_t *j = NULL;
    if (!post) {
        out = idp_outreach_segments_as(o, &who, &j); /* before j is read */
        return respond(req, resp, out, 200, j);
    }
    json_t *in = req->body ? json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, NULL) : NULL;
    const char *keys[] = {"category", "name", "criteria", "sponsor"};
    const char *vals[4] = {NULL};
    bool ok = json_is_object(in);
    for (size_t i = 0; ok && i < 4; i++) {
        json_t *v = json_object_get(in, keys[i]);
        ok = v == NULL || json_is_string(v);
        vals[i] = json_string_value(v);
    }
    if (ok && json_object_size(in) > (size_t)(!!vals[0] + !!vals[1] + !!vals[2] + !!vals[3]))
        ok = false; /* a member we do not know */
    if (!ok) {
        json_decref(in);
        return idp_fail(IDP_E_INVALID_REQUEST, "a JSON object of category, name, criteria and sponsor (strings)");
    }
    idp_outreach_segment_in_t s = {.category = vals[0], .name = vals[1], .criteria = vals[2], .sponsor = vals[3]};
    out = idp_outreach_define_as(o, req->arena, &who, req->now, &s, &j);
    json_decref(in);
    return respond(req, resp, out, 201, j);
}

/* GET /admin/api/v1/outreach/segments/{id}: the segment with its count now */
idp_outcome_t idp_admin_outreach_segment(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_admin_caller_t who;
    idp_outcome_t out = idp_admin_authorise(o, req, resp, IDP_ADMIN_OUTREACH_PLANNER, "outreach.segment.count", &who);
    if (out.err != IDP_OK)
        return out;
    json_t *j = NULL;
    out = idp_outreach_segment_as(o, &who, req->path_param, req->now, &j); /* before j is read */
    return respond(req, resp, out, 200, j);
}

/* POST /admin/api/v1/outreach/segments/{id}/send: a campaign (409 under k, or differencing) */
idp_outcome_t idp_admin_outreach_send(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_admin_caller_t who;
    idp_outcome_t out = idp_admin_authorise(o, req, resp, IDP_ADMIN_OUTREACH_PLANNER, "outreach.campaign.send", &who);
    if (out.err != IDP_OK)
        return out;
    json_t *j = NULL;
    out = idp_outreach_send_as(o, &who, req->path_param, req->now, &j); /* before j is read */
    return respond(req, resp, out, 201, j);
}

/* GET /admin/api/v1/outreach/campaigns */
idp_outcome_t idp_admin_outreach_campaigns(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_admin_caller_t who;
    idp_outcome_t out = idp_admin_authorise(o, req, resp, IDP_ADMIN_OUTREACH_PLANNER, "outreach.campaign.list", &who);
    if (out.err != IDP_OK)
        return out;
    json_t *j = NULL;
    out = idp_outreach_campaigns_as(o, &who, &j); /* before j is read */
    return respond(req, resp, out, 200, j);
}

/* ---- the portal's API: /outreach/campaigns (a client's own token with scope "outreach") ---- */

/*
 * The calling client: a client_credentials token (the client itself, no resident's grant) whose scope holds
 * "outreach". *client is a reference (idp_client_unref).
 */
static idp_outcome_t portal_client(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                   const idp_client_t **client)
{
    idp_store_token_info_t info;
    *client = NULL;
    idp_outcome_t out = idp_resource_token(o, req, resp, &info);
    if (out.err != IDP_OK)
        return out;
    if (info.grant_id[0] || strcmp(info.subject, info.client_id) != 0 || !idp_str_list_has(info.scope, "outreach"))
        return idp_fail(IDP_E_INSUFFICIENT_SCOPE, "a client_credentials token with scope outreach");
    if (idp_clients_get(o, info.client_id, client) != IDP_OK)
        return idp_fail(IDP_E_INVALID_TOKEN, "the client is gone");
    return idp_ok();
}

/* GET /outreach/campaigns: the city's client sees every campaign; a partner its own, counts thresholded. */
idp_outcome_t idp_oauth_outreach_campaigns(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    const idp_client_t *cl;
    idp_outcome_t out = portal_client(o, req, resp, &cl);
    if (out.err != IDP_OK)
        return out;
    bool city = cl->city;
    idp_store_outreach_campaign_t *rows = NULL;
    size_t n = 0;
    idp_err_t e = idp_store_outreach_campaigns(o->store, NULL, city ? NULL : cl->id, CAMPAIGNS_LISTED, &rows, &n);
    idp_client_unref(cl);
    if (e != IDP_OK)
        return idp_fail_store(e);
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++)
        json_array_append_new(list, campaign_json(&rows[i], o->cfg->outreach_k, city));
    free(rows);
    json_t *j = list ? json_pack("{s:o}", "campaigns", list) : NULL;
    return respond(req, resp, j ? idp_ok() : idp_fail(IDP_E_NOMEM, NULL), 200, j);
}

/* The cursor: the last member's resident id sealed under the KEK for this campaign, never the id itself. */
static char *cursor_seal(idp_oauth_t *o, const char *campaign, const char *resident)
{
    char aad[96];
    unsigned char *sealed = NULL;
    size_t len = 0;
    snprintf(aad, sizeof(aad), "sakaid:outreach-cursor:%s", campaign);
    if (idp_aead_seal(o->kek, aad, (const unsigned char *)resident, strlen(resident), &sealed, &len) != IDP_OK)
        return NULL;
    char *c = idp_b64url_encode_new(sealed, len);
    free(sealed);
    return c;
}

static bool cursor_open(idp_oauth_t *o, const char *campaign, const char *cursor, char out[64])
{
    char aad[96];
    unsigned char raw[128], *pt = NULL;
    size_t rlen = 0, plen = 0;
    snprintf(aad, sizeof(aad), "sakaid:outreach-cursor:%s", campaign);
    if (strlen(cursor) > 160 || idp_b64url_decode(cursor, strlen(cursor), raw, sizeof(raw), &rlen) != IDP_OK ||
        idp_aead_open(o->kek, aad, raw, rlen, &pt, &plen) != IDP_OK)
        return false;
    bool ok = plen > 0 && plen < 64 && memchr(pt, 0, plen) == NULL;
    if (ok) {
        memcpy(out, pt, plen);
        out[plen] = '\0';
    }
    free(pt);
    return ok;
}

/*
 * GET /outreach/campaigns/{id}/members?cursor=&limit=: a page of the campaign's members as the city client's
 * own subject identifiers, in a fixed order; next_cursor until the last page. Partners: 403, always.
 */
idp_outcome_t idp_oauth_outreach_members(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    const idp_client_t *cl;
    idp_outcome_t out = portal_client(o, req, resp, &cl);
    if (out.err != IDP_OK)
        return out;
    const char *cursor = NULL, *limit_text = NULL;
    long limit = PAGE_DEFAULT;
    char after[64] = "";
    idp_store_outreach_campaign_t *camp = NULL;
    size_t nc = 0;
    char(*ids)[64] = NULL;
    size_t n = 0;
    json_t *members = NULL, *j = NULL;
    if (!cl->city) { /* issue #22: partner clients never get member lists */
        out = idp_fail(IDP_E_INSUFFICIENT_SCOPE, "member lists are the city portal's only");
        goto done;
    }
    if (idp_params_get(req->form, "cursor", &cursor) == IDP_E_INVALID_REQUEST ||
        idp_params_get(req->form, "limit", &limit_text) == IDP_E_INVALID_REQUEST ||
        (limit_text && !idp_str_to_long(limit_text, 1, PAGE_MAX, &limit))) {
        out = idp_fail(IDP_E_INVALID_REQUEST, "limit: 1 to 1000; cursor: as the last page gave it");
        goto done;
    }
    const char *id = req->path_param;
    idp_err_t e =
        id && strlen(id) < 40 ? idp_store_outreach_campaigns(o->store, id, NULL, 1, &camp, &nc) : IDP_E_NOT_FOUND;
    if (e != IDP_OK) {
        out = e == IDP_E_NOT_FOUND ? idp_fail(IDP_E_NOT_FOUND, "no such campaign") : idp_fail_store(e);
        goto done;
    }
    if (cursor && !cursor_open(o, id, cursor, after)) {
        out = idp_fail(IDP_E_INVALID_REQUEST, "cursor: as the last page gave it");
        goto done;
    }
    if ((e = idp_store_outreach_members_page(o->store, id, after, (int)limit, cl->id, &ids, &n)) != IDP_OK) {
        out = idp_fail_store(e);
        goto done;
    }
    members = json_array();
    for (size_t i = 0; members && i < n; i++) {
        char sub[64];
        idp_subject(o, cl, ids[i], sub);
        json_array_append_new(members, json_string(sub));
    }
    char *next = n == (size_t)limit ? cursor_seal(o, id, ids[n - 1]) : NULL;
    j = members ? json_pack("{s:s, s:s, s:O, s:s?}", "campaign", id, "category", camp[0].category, "members", members,
                            "next_cursor", next)
                : NULL;
    if (n == (size_t)limit && next == NULL) {
        json_decref(j);
        j = NULL;
    }
    free(next);
    out = respond(req, resp, j ? idp_ok() : idp_fail(IDP_E_NOMEM, NULL), 200, j);
done:
    json_decref(members);
    free(ids);
    free(camp);
    idp_client_unref(cl);
    return out;
}

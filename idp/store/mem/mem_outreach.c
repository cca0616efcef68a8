/* Outreach in the memory store (store/pg: store_outreach.c, migration 0027): the same rules, by brute force. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/mem/internal.h"
#include "store/mem/ops.h"

static long find_profile(const idp_mem_data_t *d, const char *resident_id)
{
    for (size_t i = 0; i < d->outreach_profiles.n; i++)
        if (!strcmp(d->outreach_profiles.v[i].resident, resident_id))
            return (long)i;
    return -1;
}

idp_err_t idp_mem_outreach_optins(idp_store_t *s, const char *resident_id, unsigned *bits)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long i = find_profile(d, resident_id);
    *bits = i < 0 ? 0 : d->outreach_profiles.v[i].bits;
    idp_mem_unlock(d);
    return IDP_OK;
}

static const idp_store_outreach_campaign_t *campaign(const idp_mem_data_t *d, const char *id)
{
    for (size_t i = 0; i < d->outreach_campaigns.n; i++)
        if (!strcmp(d->outreach_campaigns.v[i].id, id))
            return &d->outreach_campaigns.v[i];
    return NULL;
}

idp_err_t idp_mem_outreach_optin_set(idp_store_t *s, const char *resident_id, unsigned bit, const char *category,
                                     bool on, const idp_store_outreach_profile_t *profile, const char *attributes,
                                     bool *changed)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = IDP_OK;
    long i = find_profile(d, resident_id);
    unsigned bits = i < 0 ? 0 : d->outreach_profiles.v[i].bits, now = on ? bits | bit : bits & ~bit;
    *changed = false;
    if (now == bits) {
        idp_mem_unlock(d);
        return IDP_OK;
    }
    if (!idp_mem_resident_exists(d, resident_id)) { /* store/pg: the foreign key */
        idp_mem_unlock(d);
        return IDP_E_NOT_FOUND;
    }
    char purpose[64];
    snprintf(purpose, sizeof(purpose), "outreach:%s", category);
    /* the ledger row first: it is the one step that can fail, and nothing else has changed yet */
    ret = idp_mem_ledger_append(d, resident_id, "sakaid:outreach", on ? "grant" : "revoke", attributes, "resident",
                                purpose, NULL);
    idp_mem_outreach_profile_t *x = ret == IDP_OK && i < 0 ? IDP_MEM_PUSH(d->outreach_profiles) : NULL;
    if (ret == IDP_OK && i < 0 && x == NULL) {
        idp_store_ledger_rows_free(&d->ledger.v[--d->ledger.n], 1);
        ret = IDP_E_NOMEM;
    }
    if (ret == IDP_OK) {
        if (x == NULL)
            x = &d->outreach_profiles.v[i];
        IDP_MEM_SET(x->resident, resident_id);
        x->bits = now;
        x->p = *profile;
        if (now == 0)
            IDP_MEM_REMOVE(d->outreach_profiles, (size_t)(x - d->outreach_profiles.v));
        for (size_t j = d->outreach_members.n; !on && j-- > 0;) {
            idp_mem_outreach_member_t *m = &d->outreach_members.v[j];
            const idp_store_outreach_campaign_t *c = campaign(d, m->campaign);
            if (!strcmp(m->resident, resident_id) && !m->released_at && c && !strcmp(c->category, category))
                IDP_MEM_REMOVE(d->outreach_members, j);
        }
        *changed = true;
    }
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_outreach_profile_refresh(idp_store_t *s, const char *resident_id,
                                           const idp_store_outreach_profile_t *p)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long i = find_profile(d, resident_id);
    if (i >= 0)
        d->outreach_profiles.v[i].p = *p;
    idp_mem_unlock(d);
    return IDP_OK;
}

idp_err_t idp_mem_outreach_count(idp_store_t *s, const idp_store_outreach_criteria_t *c, long long *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    *n = 0;
    for (size_t i = 0; i < d->outreach_profiles.n; i++)
        *n += idp_store_outreach_match(c, d->outreach_profiles.v[i].bits, &d->outreach_profiles.v[i].p);
    idp_mem_unlock(d);
    return IDP_OK;
}

idp_err_t idp_mem_outreach_differences(idp_store_t *s, const idp_store_outreach_criteria_t *a,
                                       const idp_store_outreach_criteria_t *others, size_t n, long long *diffs)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    for (size_t k = 0; k < n; k++) {
        diffs[k] = 0;
        for (size_t i = 0; i < d->outreach_profiles.n; i++) {
            const idp_mem_outreach_profile_t *x = &d->outreach_profiles.v[i];
            diffs[k] +=
                idp_store_outreach_match(a, x->bits, &x->p) != idp_store_outreach_match(&others[k], x->bits, &x->p);
        }
    }
    idp_mem_unlock(d);
    return IDP_OK;
}

idp_err_t idp_mem_outreach_segment_insert(idp_store_t *s, const idp_store_outreach_segment_t *row)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = IDP_OK;
    for (size_t i = 0; i < d->outreach_segments.n && ret == IDP_OK; i++)
        if (!strcmp(d->outreach_segments.v[i].id, row->id))
            ret = IDP_E_CONFLICT;
    idp_store_outreach_segment_t *x = ret == IDP_OK ? IDP_MEM_PUSH(d->outreach_segments) : NULL;
    if (ret == IDP_OK && x == NULL)
        ret = IDP_E_NOMEM;
    if (x) {
        *x = *row;
        x->created_at = idp_mem_now(d);
    }
    idp_mem_unlock(d);
    return ret;
}

/* Newest first, then by id (store/pg's ORDER BY created_at DESC, id). */
static int newest_first(long long at_a, const char *id_a, long long at_b, const char *id_b)
{
    return at_a != at_b ? (at_a > at_b ? -1 : 1) : strcmp(id_a, id_b);
}

static int segment_order(const void *a, const void *b)
{
    const idp_store_outreach_segment_t *x = a, *y = b;
    return newest_first(x->created_at, x->id, y->created_at, y->id);
}

static int campaign_order(const void *a, const void *b)
{
    const idp_store_outreach_campaign_t *x = a, *y = b;
    return newest_first(x->created_at, x->id, y->created_at, y->id);
}

idp_err_t idp_mem_outreach_segments(idp_store_t *s, const char *id, long long since, int limit,
                                    idp_store_outreach_segment_t **rows, size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_store_outreach_segment_t *out = calloc(d->outreach_segments.n + 1, sizeof(*out));
    size_t k = 0;
    for (size_t i = 0; out && i < d->outreach_segments.n; i++) {
        const idp_store_outreach_segment_t *x = &d->outreach_segments.v[i];
        if (id ? !strcmp(x->id, id) : x->created_at >= since)
            out[k++] = *x;
    }
    idp_mem_unlock(d);
    *rows = NULL;
    *n = 0;
    if (out == NULL)
        return IDP_E_NOMEM;
    if (id && k == 0) {
        free(out);
        return IDP_E_NOT_FOUND;
    }
    qsort(out, k, sizeof(*out), segment_order);
    *rows = out;
    *n = !id && k > (size_t)limit ? (size_t)limit : k;
    return IDP_OK;
}

static int member_order(const void *a, const void *b)
{
    return strcmp(((const idp_mem_outreach_member_t *)a)->resident, ((const idp_mem_outreach_member_t *)b)->resident);
}

idp_err_t idp_mem_outreach_campaign_create(idp_store_t *s, idp_store_outreach_campaign_t *row,
                                           const idp_store_outreach_criteria_t *c, long long min_members)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = campaign(d, row->id) ? IDP_E_CONFLICT : IDP_OK;
    size_t first = d->outreach_members.n;
    for (size_t i = 0; ret == IDP_OK && i < d->outreach_profiles.n; i++) {
        const idp_mem_outreach_profile_t *x = &d->outreach_profiles.v[i];
        if (!idp_store_outreach_match(c, x->bits, &x->p))
            continue;
        idp_mem_outreach_member_t *m = IDP_MEM_PUSH(d->outreach_members);
        if (m == NULL) {
            ret = IDP_E_NOMEM;
            break;
        }
        IDP_MEM_SET(m->campaign, row->id);
        IDP_MEM_SET(m->resident, x->resident);
    }
    row->members = (long long)(d->outreach_members.n - first);
    if (ret == IDP_OK && row->members < min_members)
        ret = IDP_E_CONFLICT;
    idp_store_outreach_campaign_t *x = ret == IDP_OK ? IDP_MEM_PUSH(d->outreach_campaigns) : NULL;
    if (ret == IDP_OK && x == NULL)
        ret = IDP_E_NOMEM;
    if (ret != IDP_OK) {
        d->outreach_members.n = first; /* undone: one transaction */
    } else {
        row->created_at = idp_mem_now(d);
        row->released = 0;
        *x = *row;
        qsort(&d->outreach_members.v[first], d->outreach_members.n - first, sizeof(d->outreach_members.v[0]),
              member_order);
    }
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_outreach_campaigns(idp_store_t *s, const char *id, const char *sponsor, int limit,
                                     idp_store_outreach_campaign_t **rows, size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_store_outreach_campaign_t *out = calloc(d->outreach_campaigns.n + 1, sizeof(*out));
    size_t k = 0;
    for (size_t i = 0; out && i < d->outreach_campaigns.n; i++) {
        const idp_store_outreach_campaign_t *x = &d->outreach_campaigns.v[i];
        if (id ? strcmp(x->id, id) != 0 : sponsor && strcmp(x->sponsor, sponsor) != 0)
            continue;
        out[k] = *x;
        out[k].released = 0;
        for (size_t j = 0; j < d->outreach_members.n; j++)
            out[k].released +=
                !strcmp(d->outreach_members.v[j].campaign, x->id) && d->outreach_members.v[j].released_at;
        k++;
    }
    idp_mem_unlock(d);
    *rows = NULL;
    *n = 0;
    if (out == NULL)
        return IDP_E_NOMEM;
    if (id && k == 0) {
        free(out);
        return IDP_E_NOT_FOUND;
    }
    qsort(out, k, sizeof(*out), campaign_order);
    *rows = out;
    *n = !id && k > (size_t)limit ? (size_t)limit : k;
    return IDP_OK;
}

idp_err_t idp_mem_outreach_members_page(idp_store_t *s, const char *campaign_id, const char *after, int limit,
                                        const char *client_id, char (**ids)[64], size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    const idp_store_outreach_campaign_t *c = campaign(d, campaign_id);
    char(*out)[64] = calloc((size_t)(limit > 0 ? limit : 0) + 1, sizeof(*out));
    idp_err_t ret = out ? IDP_OK : IDP_E_NOMEM;
    size_t k = 0;
    char purpose[128];
    snprintf(purpose, sizeof(purpose), "outreach:%s:%s", c ? c->category : "", campaign_id);
    /* members of a campaign are kept in resident order (campaign_create sorts them) */
    for (size_t i = 0; ret == IDP_OK && c && i < d->outreach_members.n && k < (size_t)limit; i++) {
        idp_mem_outreach_member_t *m = &d->outreach_members.v[i];
        if (strcmp(m->campaign, campaign_id) != 0 || strcmp(m->resident, after) <= 0)
            continue;
        IDP_MEM_SET(out[k], m->resident);
        k++;
        if (!m->released_at && (ret = idp_mem_ledger_append(d, m->resident, client_id, "release", "sub", "resident",
                                                            purpose, NULL)) == IDP_OK)
            m->released_at = idp_mem_now(d);
    }
    idp_mem_unlock(d);
    *ids = NULL;
    *n = 0;
    if (ret != IDP_OK) {
        free(out);
        return ret;
    }
    *ids = out;
    *n = k;
    return IDP_OK;
}

idp_err_t idp_mem_outreach_inclusions(idp_store_t *s, const char *resident_id, idp_store_outreach_inclusion_t **rows,
                                      size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_store_outreach_inclusion_t *out = calloc(d->outreach_members.n + 1, sizeof(*out));
    size_t k = 0;
    for (size_t i = d->outreach_members.n; out && i-- > 0;) { /* campaigns were appended oldest first */
        const idp_mem_outreach_member_t *m = &d->outreach_members.v[i];
        const idp_store_outreach_campaign_t *c = campaign(d, m->campaign);
        if (strcmp(m->resident, resident_id) != 0 || c == NULL)
            continue;
        IDP_MEM_SET(out[k].campaign_id, c->id);
        IDP_MEM_SET(out[k].category, c->category);
        IDP_MEM_SET(out[k].attributes, c->attributes);
        out[k].at = c->created_at;
        out[k].released_at = m->released_at;
        k++;
    }
    idp_mem_unlock(d);
    *rows = out;
    *n = k;
    return out ? IDP_OK : IDP_E_NOMEM;
}

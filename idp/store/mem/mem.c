/*
 * The memory store's life cycle and shared helpers (mem.h), with the
 * domains whose rows are plain records: the store itself, clients, signing
 * keys and the audit log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "core/rand.h"
#include "store/mem/internal.h"

static void free_data(idp_mem_data_t *d);

void idp_store_mem_advance(idp_store_t *s, long long seconds)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    d->skew += seconds;
    idp_mem_unlock(d);
}

void idp_store_mem_fault(idp_store_t *s, const char *op, idp_err_t e)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    IDP_MEM_SET(d->fault_op, op);
    d->fault = e;
    idp_mem_unlock(d);
}

void idp_mem_close(idp_store_t *s)
{
    idp_mem_store_t *m = (idp_mem_store_t *)s;
    free_data(&m->d);
    pthread_mutex_destroy(&m->d.mu);
    free(m);
}

static void free_data(idp_mem_data_t *d)
{
    idp_store_clients_free(d->clients.v, d->clients.n);
    idp_store_keys_free(d->keys.v, d->keys.n);
    for (size_t i = 0; i < d->residents.n; i++)
        free(d->residents.v[i]);
    free(d->residents.v);
    idp_store_ledger_rows_free(d->ledger.v, d->ledger.n);
    idp_store_audit_rows_free(d->audit.v, d->audit.n);
    free(d->certs.v);
    free(d->iats.v);
    free(d->stats.v);
    free(d->roles.v);
    free(d->locks.v);
    free(d->schedules.v);
    idp_store_app_signatures_free(d->signatures.v, d->signatures.n);
    free(d->outreach_profiles.v);
    free(d->outreach_segments.v);
    free(d->outreach_campaigns.v);
    free(d->outreach_members.v);
    idp_store_admin_log_rows_free(d->admin_log.v, d->admin_log.n);
    free(d->org_residents.v);
    free(d->txs.v);
    free(d->challenges.v);
    free(d->sessions.v);
    free(d->consents.v);
    free(d->releases.v);
    free(d->grants.v);
    free(d->codes.v);
    free(d->refresh.v);
    free(d->ats.v);
    free(d->jtis.v);
    for (size_t i = 0; i < d->pars.n; i++)
        free(d->pars.v[i].params);
    free(d->pars.v);
    for (size_t i = 0; i < d->attrs.n; i++)
        idp_store_resident_attrs_clear(&d->attrs.v[i].a);
    free(d->attrs.v);
    free(d->linkage.v);
    free(d->pairs.v);
    for (size_t i = 0; i < d->deliveries.n; i++)
        free(d->deliveries.v[i].d.logout_token);
    free(d->deliveries.v);
    idp_store_upstreams_free(d->upstreams.v, d->upstreams.n);
    free(d->socials.v);
    free(d->legs.v);
    for (size_t i = 0; i < d->households.n; i++) /* personal data: wiped like attributes */
        idp_wipe(&d->households.v[i].h, sizeof(d->households.v[i].h));
    free(d->households.v);
}

/* ---- helpers (internal.h) ---------------------------------------------------- */

idp_mem_data_t *idp_mem_lock(idp_store_t *s)
{
    idp_mem_data_t *d = &((idp_mem_store_t *)s)->d;
    pthread_mutex_lock(&d->mu);
    return d;
}

void idp_mem_unlock(idp_mem_data_t *d)
{
    pthread_mutex_unlock(&d->mu);
}

long long idp_mem_now(const idp_mem_data_t *d)
{
    return (long long)time(NULL) + d->skew;
}

void *idp_mem_push(void *v, size_t *n, size_t *cap, size_t size)
{
    void **vp = v;
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        void *nv = realloc(*vp, c * size);
        if (nv == NULL)
            return NULL;
        *vp = nv;
        *cap = c;
    }
    unsigned char *e = (unsigned char *)*vp + (*n)++ * size;
    memset(e, 0, size);
    return e;
}

void idp_mem_copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

idp_err_t idp_mem_audit_append(idp_mem_data_t *d, const char *event, const char *resident_id, const char *detail)
{
    char *text = strdup(detail ? detail : "{}");
    idp_store_audit_row_t *r = text ? IDP_MEM_PUSH(d->audit) : NULL;
    if (r == NULL) {
        free(text);
        return IDP_E_NOMEM;
    }
    r->id = ++d->seq;
    r->at = idp_mem_now(d);
    IDP_MEM_SET(r->event, event);
    IDP_MEM_SET(r->resident_id, resident_id);
    r->detail = text;
    if (!strcmp(event, "step_up")) { /* store/pg: the trigger audit_events_stats */
        json_t *j = json_loads(text, 0, NULL);
        const char *client = json_string_value(json_object_get(j, "client_id"));
        if (client)
            idp_mem_stat_bump(d, client, "step_up", "");
        json_decref(j);
    }
    return IDP_OK;
}

/* ---- the store itself ----------------------------------------------------------- */

idp_err_t idp_mem_ping(idp_store_t *s)
{
    (void)s;
    return IDP_OK; /* nothing to reach */
}

/* ---- clients ------------------------------------------------------------------- */

static long client_find(idp_mem_data_t *d, const char *id)
{
    for (size_t i = 0; i < d->clients.n; i++)
        if (!strcmp(d->clients.v[i].client_id, id))
            return (long)i;
    return -1;
}

bool idp_mem_client_exists(idp_mem_data_t *d, const char *client_id)
{
    return client_find(d, client_id) >= 0;
}

static idp_err_t client_copy(const idp_store_client_t *in, idp_store_client_t *out)
{
    *out = *in;
    out->client_id = strdup(in->client_id);
    out->metadata = strdup(in->metadata ? in->metadata : "{}");
    if (out->client_id == NULL || out->metadata == NULL) {
        idp_store_client_clear(out);
        return IDP_E_NOMEM;
    }
    return IDP_OK;
}

/* Under the lock, as store/pg's trigger fires inside the writing transaction; the watcher only takes its own
 * lock, and idp_mem_client_watch_stop (under this lock too) knows no call is running once it has it. */
static void client_changed(idp_mem_data_t *d, const char *client_id)
{
    if (d->watch)
        d->watch(d->watch_ctx, client_id, true);
}

static idp_err_t client_insert_locked(idp_mem_data_t *d, const idp_store_client_t *c)
{
    idp_err_t ret = IDP_E_CONFLICT; /* the client id is the primary key */
    idp_store_client_t *row;
    if (client_find(d, c->client_id) < 0) {
        ret = (row = IDP_MEM_PUSH(d->clients)) ? client_copy(c, row) : IDP_E_NOMEM;
        if (ret == IDP_OK) {
            row->created_at = row->updated_at = idp_mem_now(d);
            row->secret_rotated_at = c->has_secret ? row->created_at : 0;
            client_changed(d, c->client_id);
        } else if (row) {
            d->clients.n--;
        }
    }
    return ret;
}

idp_err_t idp_mem_client_insert(idp_store_t *s, const idp_store_client_t *c)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = client_insert_locked(d, c);
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_client_watch_start(idp_store_t *s, const char *url, idp_store_client_watch_fn fn, void *ctx)
{
    (void)url;
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = d->watch ? IDP_E_CONFLICT : IDP_OK;
    if (ret == IDP_OK) {
        d->watch = fn;
        d->watch_ctx = ctx;
        fn(ctx, NULL, true); /* nothing to miss here: watching from now on */
    }
    idp_mem_unlock(d);
    return ret;
}

void idp_mem_client_watch_stop(idp_store_t *s)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    d->watch = NULL;
    d->watch_ctx = NULL;
    idp_mem_unlock(d);
}

idp_err_t idp_mem_client_get(idp_store_t *s, const char *client_id, idp_store_client_t *out)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long i = client_find(d, client_id);
    idp_err_t ret = i < 0 ? IDP_E_NOT_FOUND : client_copy(&d->clients.v[i], out);
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_client_list(idp_store_t *s, idp_store_client_t **rows, size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = IDP_OK;
    *n = 0;
    *rows = calloc(d->clients.n + 1, sizeof(**rows));
    if (*rows == NULL)
        ret = IDP_E_NOMEM;
    for (size_t i = 0; ret == IDP_OK && i < d->clients.n; i++)
        if ((ret = client_copy(&d->clients.v[i], &(*rows)[i])) == IDP_OK)
            (*n)++;
    idp_mem_unlock(d);
    if (ret != IDP_OK) {
        idp_store_clients_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return ret;
}

static idp_err_t client_update_locked(idp_mem_data_t *d, const char *client_id, const char *metadata,
                                      const unsigned char *secret_hash, bool clear_secret)
{
    long i = client_find(d, client_id);
    idp_err_t ret = i < 0 ? IDP_E_NOT_FOUND : IDP_OK;
    char *meta = ret == IDP_OK && metadata ? strdup(metadata) : NULL;
    if (ret == IDP_OK && metadata && meta == NULL)
        ret = IDP_E_NOMEM;
    if (ret == IDP_OK) {
        idp_store_client_t *c = &d->clients.v[i];
        if (meta) {
            free(c->metadata);
            c->metadata = meta;
        }
        c->updated_at = idp_mem_now(d);
        if (clear_secret) {
            c->has_secret = false;
            memset(c->secret_hash, 0, sizeof(c->secret_hash));
        } else if (secret_hash) {
            c->has_secret = true;
            memcpy(c->secret_hash, secret_hash, sizeof(c->secret_hash));
        }
        if (secret_hash)
            c->secret_rotated_at = c->updated_at;
        client_changed(d, client_id);
    }
    return ret;
}

idp_err_t idp_mem_client_update(idp_store_t *s, const char *client_id, const char *metadata,
                                const unsigned char *secret_hash, bool clear_secret)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = client_update_locked(d, client_id, metadata, secret_hash, clear_secret);
    idp_mem_unlock(d);
    return ret;
}

static idp_err_t client_delete_locked(idp_mem_data_t *d, const char *client_id)
{
    long i = client_find(d, client_id);
    if (i >= 0) {
        idp_store_client_clear(&d->clients.v[i]);
        IDP_MEM_REMOVE(d->clients, (size_t)i);
        client_changed(d, client_id);
    }
    return i < 0 ? IDP_E_NOT_FOUND : IDP_OK;
}

idp_err_t idp_mem_client_delete(idp_store_t *s, const char *client_id)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = client_delete_locked(d, client_id);
    idp_mem_unlock(d);
    return ret;
}

/* ---- dynamic registration (store/pg: store_registration.c) ------------------------------- */

bool idp_mem_resident_exists(const idp_mem_data_t *d, const char *id)
{
    for (size_t i = 0; i < d->residents.n; i++)
        if (!strcmp(d->residents.v[i], id))
            return true;
    return false;
}

static idp_mem_iat_t *iat_by_id(idp_mem_data_t *d, const char *id)
{
    for (size_t i = 0; i < d->iats.n; i++)
        if (!strcmp(d->iats.v[i].t.id, id))
            return &d->iats.v[i];
    return NULL;
}

/* Usable: IDP_OK; otherwise the outcome idp_store_iat_find names. */
static idp_err_t iat_state(const idp_mem_data_t *d, const idp_mem_iat_t *t)
{
    if (t == NULL || t->t.revoked_at)
        return IDP_E_NOT_FOUND;
    if (t->t.expires_at <= idp_mem_now(d))
        return IDP_E_INVALID_GRANT;
    return t->t.uses >= t->t.max_uses ? IDP_E_CONFLICT : IDP_OK;
}

idp_err_t idp_mem_iat_insert(idp_store_t *s, const idp_store_iat_t *t, const unsigned char hash[32])
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = IDP_OK;
    for (size_t i = 0; i < d->iats.n; i++)
        if (!strcmp(d->iats.v[i].t.id, t->id) || !memcmp(d->iats.v[i].hash, hash, 32))
            ret = IDP_E_CONFLICT;
    idp_mem_iat_t *row = ret == IDP_OK ? IDP_MEM_PUSH(d->iats) : NULL;
    if (ret == IDP_OK && row == NULL)
        ret = IDP_E_NOMEM;
    if (row) {
        row->t = *t;
        row->t.uses = 0;
        row->t.revoked_at = 0;
        row->t.created_at = idp_mem_now(d);
        memcpy(row->hash, hash, 32);
    }
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_iat_list(idp_store_t *s, idp_store_iat_t **rows, size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = (*rows = calloc(d->iats.n + 1, sizeof(**rows))) ? IDP_OK : IDP_E_NOMEM;
    *n = 0;
    for (size_t i = d->iats.n; ret == IDP_OK && i > 0; i--) /* newest first */
        (*rows)[(*n)++] = d->iats.v[i - 1].t;
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_iat_revoke(idp_store_t *s, const char *id)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_mem_iat_t *t = iat_by_id(d, id);
    idp_err_t ret = t && !t->t.revoked_at ? IDP_OK : IDP_E_NOT_FOUND;
    if (ret == IDP_OK)
        t->t.revoked_at = idp_mem_now(d);
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_iat_find(idp_store_t *s, const unsigned char hash[32], idp_store_iat_t *out)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_mem_iat_t *t = NULL;
    for (size_t i = 0; i < d->iats.n && t == NULL; i++)
        if (!memcmp(d->iats.v[i].hash, hash, 32))
            t = &d->iats.v[i];
    idp_err_t ret = iat_state(d, t);
    if (ret == IDP_OK)
        *out = t->t;
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_client_register(idp_store_t *s, const char *iat_id, const idp_store_client_t *c)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_mem_iat_t *t = iat_by_id(d, iat_id);
    idp_err_t ret = iat_state(d, t) == IDP_OK && client_find(d, c->client_id) < 0 ? IDP_OK : IDP_E_CONFLICT;
    idp_store_client_t *row = ret == IDP_OK ? IDP_MEM_PUSH(d->clients) : NULL;
    if (ret == IDP_OK && (row == NULL || client_copy(c, row) != IDP_OK)) {
        if (row)
            d->clients.n--;
        ret = IDP_E_NOMEM;
    }
    if (ret == IDP_OK) {
        t->t.uses++;
        row->created_at = row->updated_at = idp_mem_now(d);
        row->secret_rotated_at = c->has_secret ? row->created_at : 0;
        row->sandbox = true;
        IDP_MEM_SET(row->organisation, t->t.organisation);
        client_changed(d, c->client_id);
    }
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_client_set_sandbox(idp_store_t *s, const char *client_id, bool sandbox)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long i = client_find(d, client_id);
    idp_err_t ret = i < 0 ? IDP_E_NOT_FOUND : sandbox && !d->clients.v[i].organisation[0] ? IDP_E_CONFLICT : IDP_OK;
    if (ret == IDP_OK) {
        d->clients.v[i].sandbox = sandbox;
        d->clients.v[i].updated_at = idp_mem_now(d);
        client_changed(d, client_id);
    }
    idp_mem_unlock(d);
    return ret;
}

static long org_resident_find(const idp_mem_data_t *d, idp_org_list_t list, const char *organisation,
                              const char *resident_id)
{
    for (size_t i = 0; i < d->org_residents.n; i++) {
        const idp_mem_org_resident_t *r = &d->org_residents.v[i];
        if (r->list == list && !strcmp(r->organisation, organisation) && !strcmp(r->resident, resident_id))
            return (long)i;
    }
    return -1;
}

/* Adds (@p add) or takes back a resident of @p list, the store locked (store/pg: idp_pg_org_resident_on). */
static idp_err_t org_resident_change(idp_mem_data_t *d, idp_org_list_t list, const char *organisation,
                                     const char *resident_id, bool add)
{
    long i = org_resident_find(d, list, organisation, resident_id);
    if (!add) {
        if (i >= 0)
            IDP_MEM_REMOVE(d->org_residents, (size_t)i);
        return i < 0 ? IDP_E_NOT_FOUND : IDP_OK;
    }
    if (!idp_mem_resident_exists(d, resident_id))
        return IDP_E_NOT_FOUND;
    if (i >= 0)
        return IDP_OK;
    idp_mem_org_resident_t *row = IDP_MEM_PUSH(d->org_residents);
    if (row == NULL)
        return IDP_E_NOMEM;
    row->list = list;
    IDP_MEM_SET(row->organisation, organisation);
    IDP_MEM_SET(row->resident, resident_id);
    return IDP_OK;
}

idp_err_t idp_mem_org_resident_add(idp_store_t *s, idp_org_list_t list, const char *organisation,
                                   const char *resident_id)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = org_resident_change(d, list, organisation, resident_id, true);
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_org_resident_remove(idp_store_t *s, idp_org_list_t list, const char *organisation,
                                      const char *resident_id)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = org_resident_change(d, list, organisation, resident_id, false);
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_org_resident_is(idp_store_t *s, idp_org_list_t list, const char *organisation,
                                  const char *resident_id, bool *yes)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    *yes = org_resident_find(d, list, organisation, resident_id) >= 0;
    idp_mem_unlock(d);
    return IDP_OK;
}

idp_err_t idp_mem_org_residents(idp_store_t *s, idp_org_list_t list, const char *organisation, const char *resident_id,
                                char (**ids)[64], size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = (*ids = calloc(d->org_residents.n + 1, sizeof(**ids))) ? IDP_OK : IDP_E_NOMEM;
    *n = 0;
    for (size_t i = 0; ret == IDP_OK && i < d->org_residents.n; i++) {
        const idp_mem_org_resident_t *r = &d->org_residents.v[i];
        if (r->list != list)
            continue;
        if (organisation && !strcmp(r->organisation, organisation))
            IDP_MEM_SET((*ids)[(*n)++], r->resident);
        else if (!organisation && resident_id && !strcmp(r->resident, resident_id))
            IDP_MEM_SET((*ids)[(*n)++], r->organisation);
    }
    idp_mem_unlock(d);
    return ret;
}

/* ---- the admin API's changes and their log (store/pg: store_registration.c) ------------------ */

static long schedule_find(const idp_mem_data_t *d, const char *alg);
static idp_err_t schedule_change(idp_mem_data_t *d, const idp_store_admin_op_t *op);

static long lock_find(const idp_mem_data_t *d, const char *resident)
{
    for (size_t i = 0; i < d->locks.n; i++)
        if (!strcmp(d->locks.v[i].resident, resident))
            return (long)i;
    return -1;
}

/* The help desk's changes (store/pg: R_LOCK, R_END_SESSIONS, R_REVOKE_ALL). */
static idp_err_t resident_change(idp_mem_data_t *d, const idp_store_admin_op_t *op)
{
    if (!idp_mem_resident_exists(d, op->id))
        return op->kind == IDP_ADMIN_OP_RESIDENT_LOCK ? IDP_E_NOT_FOUND : IDP_OK;
    long i = lock_find(d, op->id);
    if (op->kind == IDP_ADMIN_OP_RESIDENT_LOCK && !op->flag) {
        if (i >= 0)
            IDP_MEM_REMOVE(d->locks, (size_t)i);
        return IDP_OK;
    }
    if (op->kind == IDP_ADMIN_OP_RESIDENT_LOCK) {
        idp_mem_lock_t *l = i >= 0 ? &d->locks.v[i] : IDP_MEM_PUSH(d->locks);
        if (l == NULL)
            return IDP_E_NOMEM;
        IDP_MEM_SET(l->resident, op->id);
        IDP_MEM_SET(l->reason, op->text);
        l->at = idp_mem_now(d);
    }
    for (size_t k = 0; k < d->sessions.n; k++)
        if (!strcmp(d->sessions.v[k].s.resident_id, op->id))
            d->sessions.v[k].ended = true;
    if (op->kind != IDP_ADMIN_OP_RESIDENT_LOCK)
        return IDP_OK;
    for (size_t k = 0; k < d->grants.n; k++) {
        idp_mem_grant_t *g = &d->grants.v[k];
        if (strcmp(g->g.resident_id, op->id) != 0)
            continue;
        g->revoked = true;
        for (size_t t = 0; t < d->ats.n; t++)
            if (!strcmp(d->ats.v[t].i.grant_id, g->g.id))
                d->ats.v[t].revoked = true;
    }
    return IDP_OK;
}

static idp_err_t admin_change(idp_mem_data_t *d, const idp_store_admin_op_t *op)
{
    bool client_op = (op->kind >= IDP_ADMIN_OP_CLIENT_SANDBOX && op->kind <= IDP_ADMIN_OP_CLIENT_SECRET) ||
                     op->kind == IDP_ADMIN_OP_CLIENT_REQUEST;
    long i = client_op ? client_find(d, op->id) : -1;
    idp_store_client_t *c = i >= 0 ? &d->clients.v[i] : NULL;
    switch (op->kind) {
    case IDP_ADMIN_OP_NONE: return IDP_OK;
    case IDP_ADMIN_OP_CLIENT_SANDBOX:
        if (c == NULL)
            return IDP_E_NOT_FOUND;
        if (op->flag && !c->organisation[0])
            return IDP_E_CONFLICT;
        c->sandbox = op->flag;
        if (!op->flag)
            c->approval_requested_at = 0; /* approval clears a request for it */
        break;
    case IDP_ADMIN_OP_RESIDENT_LOCK:
    case IDP_ADMIN_OP_RESIDENT_END_SESSIONS: return resident_change(d, op);
    case IDP_ADMIN_OP_CLIENT_INSERT: return client_insert_locked(d, op->client);
    case IDP_ADMIN_OP_CLIENT_UPDATE: return client_update_locked(d, op->id, op->text, op->hash, op->flag);
    case IDP_ADMIN_OP_CLIENT_DELETE: return client_delete_locked(d, op->id);
    case IDP_ADMIN_OP_CLIENT_REQUEST:
        if (c == NULL || !c->sandbox)
            return IDP_E_NOT_FOUND;
        c->approval_requested_at = idp_mem_now(d);
        break;
    case IDP_ADMIN_OP_CLIENT_SUSPEND:
        if (c == NULL)
            return IDP_E_NOT_FOUND;
        c->suspended = op->flag;
        break;
    case IDP_ADMIN_OP_CLIENT_SECRET:
        if (c == NULL)
            return IDP_E_NOT_FOUND;
        c->has_secret = true;
        memcpy(c->secret_hash, op->hash, 32);
        c->secret_rotated_at = idp_mem_now(d);
        break;
    case IDP_ADMIN_OP_IAT_INSERT: {
        for (size_t k = 0; k < d->iats.n; k++)
            if (!strcmp(d->iats.v[k].t.id, op->iat->id) || !memcmp(d->iats.v[k].hash, op->hash, 32))
                return IDP_E_CONFLICT;
        idp_mem_iat_t *row = IDP_MEM_PUSH(d->iats);
        if (row == NULL)
            return IDP_E_NOMEM;
        row->t = *op->iat;
        row->t.uses = 0;
        row->t.revoked_at = 0;
        row->t.created_at = idp_mem_now(d);
        memcpy(row->hash, op->hash, 32);
        return IDP_OK;
    }
    case IDP_ADMIN_OP_IAT_REVOKE: {
        idp_mem_iat_t *t = iat_by_id(d, op->id);
        if (t == NULL || t->t.revoked_at)
            return IDP_E_NOT_FOUND;
        t->t.revoked_at = idp_mem_now(d);
        return IDP_OK;
    }
    case IDP_ADMIN_OP_KEY_SCHEDULE: return schedule_change(d, op);
    case IDP_ADMIN_OP_UPSTREAM_INSERT:
    case IDP_ADMIN_OP_UPSTREAM_UPDATE:
    case IDP_ADMIN_OP_UPSTREAM_DELETE: return IDP_E_INVALID_REQUEST; /* mem_admin.c's */
    case IDP_ADMIN_OP_TEST_RESIDENT: return org_resident_change(d, IDP_ORG_TEST_RESIDENTS, op->text, op->id, op->flag);
    }
    c->updated_at = idp_mem_now(d);
    client_changed(d, op->id);
    return IDP_OK;
}

idp_err_t idp_mem_admin_append(idp_mem_data_t *d, const idp_store_admin_entry_t *e)
{
    idp_store_admin_log_row_t *last = d->admin_log.n ? &d->admin_log.v[d->admin_log.n - 1] : NULL;
    idp_store_admin_log_row_t r = {.seq = last ? last->seq + 1 : 1, .at_us = idp_mem_now(d) * 1000000};
    if (last)
        memcpy(r.prev_hash, last->row_hash, 32);
    const char *text[] = {e->actor, e->role, e->action, e->target, e->before, e->after};
    char **dst[] = {&r.actor, &r.role, &r.action, &r.target, &r.before, &r.after};
    idp_err_t ret = IDP_OK;
    for (int k = 0; k < 6; k++)
        if ((*dst[k] = strdup(text[k] ? text[k] : "")) == NULL)
            ret = IDP_E_NOMEM;
    if (ret == IDP_OK)
        ret = idp_store_admin_log_hash(&r, r.row_hash); /* the chain's rule (store/rows.c), as store/pg's SQL has it */
    idp_store_admin_log_row_t *slot = ret == IDP_OK ? IDP_MEM_PUSH(d->admin_log) : NULL;
    if (slot == NULL) {
        for (int k = 0; k < 6; k++)
            free(*dst[k]);
        return ret == IDP_OK ? IDP_E_NOMEM : ret;
    }
    *slot = r;
    return IDP_OK;
}

void idp_mem_admin_unappend(idp_mem_data_t *d)
{
    idp_store_admin_log_row_t *r = &d->admin_log.v[--d->admin_log.n];
    char *text[] = {r->actor, r->role, r->action, r->target, r->before, r->after};
    for (int k = 0; k < 6; k++)
        free(text[k]);
}

idp_err_t idp_mem_admin_apply_here(idp_store_t *s, const idp_store_admin_op_t *op, const idp_store_admin_entry_t *e)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    /* checks first, then the log row, then the change; a change that still fails takes its row back */
    idp_err_t ret = IDP_OK;
    if (op->kind == IDP_ADMIN_OP_RESIDENT_LOCK && !idp_mem_resident_exists(d, op->id)) {
        ret = IDP_E_NOT_FOUND;
    } else if (op->kind == IDP_ADMIN_OP_CLIENT_INSERT) {
        ret = client_find(d, op->client->client_id) >= 0 ? IDP_E_CONFLICT : IDP_OK;
    } else if (op->kind == IDP_ADMIN_OP_CLIENT_UPDATE || op->kind == IDP_ADMIN_OP_CLIENT_DELETE) {
        ret = client_find(d, op->id) < 0 ? IDP_E_NOT_FOUND : IDP_OK;
    } else if (op->kind == IDP_ADMIN_OP_KEY_SCHEDULE && !op->flag) {
        ret = schedule_find(d, op->id) < 0 ? IDP_E_NOT_FOUND : IDP_OK;
    } else if (op->kind == IDP_ADMIN_OP_TEST_RESIDENT) {
        bool there = org_resident_find(d, IDP_ORG_TEST_RESIDENTS, op->text, op->id) >= 0;
        ret = (op->flag ? idp_mem_resident_exists(d, op->id) : there) ? IDP_OK : IDP_E_NOT_FOUND;
    } else if (op->kind == IDP_ADMIN_OP_IAT_REVOKE) {
        idp_mem_iat_t *t = iat_by_id(d, op->id);
        ret = t == NULL || t->t.revoked_at ? IDP_E_NOT_FOUND : IDP_OK;
    } else if ((op->kind >= IDP_ADMIN_OP_CLIENT_SANDBOX && op->kind <= IDP_ADMIN_OP_CLIENT_SECRET) ||
               op->kind == IDP_ADMIN_OP_CLIENT_REQUEST) {
        long i = client_find(d, op->id);
        if (i < 0 || (op->kind == IDP_ADMIN_OP_CLIENT_REQUEST && !d->clients.v[i].sandbox))
            ret = IDP_E_NOT_FOUND;
        else if (op->kind == IDP_ADMIN_OP_CLIENT_SANDBOX && op->flag && !d->clients.v[i].organisation[0])
            ret = IDP_E_CONFLICT;
    }
    if (ret == IDP_OK && (ret = idp_mem_admin_append(d, e)) == IDP_OK && (ret = admin_change(d, op)) != IDP_OK)
        idp_mem_admin_unappend(d); /* an initial access token that clashes, or no memory for it */
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_admin_log_rows(idp_store_t *s, long long after_seq, int limit, idp_store_admin_log_row_t **rows,
                                 size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = (*rows = calloc(d->admin_log.n + 1, sizeof(**rows))) ? IDP_OK : IDP_E_NOMEM;
    *n = 0;
    for (size_t i = 0; ret == IDP_OK && i < d->admin_log.n && (limit <= 0 || *n < (size_t)limit); i++) {
        const idp_store_admin_log_row_t *r = &d->admin_log.v[i];
        if (r->seq <= after_seq)
            continue;
        idp_store_admin_log_row_t *o = &(*rows)[(*n)++];
        *o = *r;
        o->actor = strdup(r->actor), o->role = strdup(r->role), o->action = strdup(r->action);
        o->target = strdup(r->target), o->before = strdup(r->before), o->after = strdup(r->after);
        if (!o->actor || !o->role || !o->action || !o->target || !o->before || !o->after)
            ret = IDP_E_NOMEM;
    }
    idp_mem_unlock(d);
    if (ret != IDP_OK) {
        idp_store_admin_log_rows_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return ret;
}

/* ---- per-client statistics (store/pg: migration 0017, store_account.c) ---------------------- */

void idp_mem_stat_bump(idp_mem_data_t *d, const char *client, const char *metric, const char *code)
{
    time_t t = (time_t)(idp_mem_now(d) + 9 * 3600); /* a day in Japan */
    struct tm tm;
    char day[sizeof(((idp_store_stat_t *)0)->day)];
    gmtime_r(&t, &tm);
    strftime(day, sizeof(day), "%Y-%m-%d", &tm);
    for (size_t i = 0; i < d->stats.n; i++) {
        idp_mem_stat_t *x = &d->stats.v[i];
        if (!strcmp(x->client, client) && !strcmp(x->s.day, day) && !strcmp(x->s.metric, metric) &&
            !strcmp(x->s.code, code)) {
            x->s.count++;
            return;
        }
    }
    idp_mem_stat_t *x = IDP_MEM_PUSH(d->stats);
    if (x == NULL)
        return;
    IDP_MEM_SET(x->client, client);
    IDP_MEM_SET(x->s.day, day);
    IDP_MEM_SET(x->s.metric, metric);
    IDP_MEM_SET(x->s.code, code);
    x->s.count = 1;
}

idp_err_t idp_mem_stat_count(idp_store_t *s, const char *client_id, const char *metric, const char *code)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_mem_stat_bump(d, client_id, metric, code ? code : "");
    idp_mem_unlock(d);
    return IDP_OK;
}

static int stat_order(const void *a, const void *b)
{
    const idp_store_stat_t *x = a, *y = b;
    int c = strcmp(x->day, y->day);
    if (c == 0)
        c = strcmp(x->metric, y->metric);
    return c ? c : strcmp(x->code, y->code);
}

idp_err_t idp_mem_client_stats(idp_store_t *s, const char *client_id, const char *from, const char *to,
                               idp_store_stat_t **rows, size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = (*rows = calloc(d->stats.n + 1, sizeof(**rows))) ? IDP_OK : IDP_E_NOMEM;
    *n = 0;
    for (size_t i = 0; ret == IDP_OK && i < d->stats.n; i++) {
        const idp_mem_stat_t *x = &d->stats.v[i];
        if (!strcmp(x->client, client_id) && strcmp(x->s.day, from) >= 0 && strcmp(x->s.day, to) <= 0)
            (*rows)[(*n)++] = x->s;
    }
    idp_mem_unlock(d);
    if (ret == IDP_OK)
        qsort(*rows, *n, sizeof(**rows), stat_order);
    return ret;
}

/* ---- residents' admin roles (store/pg: migration 0018, store_social.c) ---------------------- */

static long role_find(const idp_mem_data_t *d, const char *resident_id, const char *role)
{
    for (size_t i = 0; i < d->roles.n; i++)
        if (!strcmp(d->roles.v[i].resident_id, resident_id) && !strcmp(d->roles.v[i].role, role))
            return (long)i;
    return -1;
}

idp_err_t idp_mem_role_grant(idp_store_t *s, const char *resident_id, const char *role)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = idp_mem_resident_exists(d, resident_id) ? IDP_OK : IDP_E_NOT_FOUND;
    if (ret == IDP_OK && role_find(d, resident_id, role) < 0) {
        idp_store_role_t *r = IDP_MEM_PUSH(d->roles);
        if (r == NULL) {
            ret = IDP_E_NOMEM;
        } else {
            IDP_MEM_SET(r->resident_id, resident_id);
            IDP_MEM_SET(r->role, role);
        }
    }
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_role_revoke(idp_store_t *s, const char *resident_id, const char *role)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long i = role_find(d, resident_id, role);
    if (i >= 0)
        IDP_MEM_REMOVE(d->roles, (size_t)i);
    idp_mem_unlock(d);
    return i < 0 ? IDP_E_NOT_FOUND : IDP_OK;
}

idp_err_t idp_mem_roles(idp_store_t *s, const char *resident_id, idp_store_role_t **rows, size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = (*rows = calloc(d->roles.n + 1, sizeof(**rows))) ? IDP_OK : IDP_E_NOMEM;
    *n = 0;
    for (size_t i = 0; ret == IDP_OK && i < d->roles.n; i++)
        if (resident_id == NULL || !strcmp(d->roles.v[i].resident_id, resident_id))
            (*rows)[(*n)++] = d->roles.v[i];
    idp_mem_unlock(d);
    return ret;
}

/* ---- the help desk (store/pg: migration 0020, store_account.c) ------------------------------ */

idp_err_t idp_mem_resident_state(idp_store_t *s, const char *resident_id, bool *exists, bool *locked,
                                 long long *locked_at, char reason[512])
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long i = lock_find(d, resident_id);
    *exists = idp_mem_resident_exists(d, resident_id);
    *locked = i >= 0;
    *locked_at = i >= 0 ? d->locks.v[i].at : 0;
    snprintf(reason, 512, "%s", i >= 0 ? d->locks.v[i].reason : "");
    idp_mem_unlock(d);
    return IDP_OK;
}

static bool id_listed(char (*ids)[64], size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ids[i], id))
            return true;
    return false;
}

static int id_order(const void *a, const void *b)
{
    return strcmp(a, b);
}

idp_err_t idp_mem_client_residents(idp_store_t *s, const char *client_id, char (**ids)[64], size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = (*ids = calloc(d->grants.n + d->consents.n + 1, sizeof(**ids))) ? IDP_OK : IDP_E_NOMEM;
    *n = 0;
    for (size_t i = 0; ret == IDP_OK && i < d->grants.n; i++)
        if (!strcmp(d->grants.v[i].g.client_id, client_id) && !id_listed(*ids, *n, d->grants.v[i].g.resident_id))
            IDP_MEM_SET((*ids)[(*n)++], d->grants.v[i].g.resident_id);
    for (size_t i = 0; ret == IDP_OK && i < d->consents.n; i++)
        if (!strcmp(d->consents.v[i].client, client_id) && !id_listed(*ids, *n, d->consents.v[i].resident))
            IDP_MEM_SET((*ids)[(*n)++], d->consents.v[i].resident);
    idp_mem_unlock(d);
    if (ret == IDP_OK)
        qsort(*ids, *n, sizeof(**ids), id_order);
    return ret;
}

/* ---- signing keys -------------------------------------------------------------- */

static idp_err_t key_copy(const idp_store_key_t *in, idp_store_key_t *out)
{
    *out = *in;
    out->public_jwk = strdup(in->public_jwk ? in->public_jwk : "{}");
    out->private_enc = malloc(in->private_enc_len ? in->private_enc_len : 1);
    if (out->public_jwk == NULL || out->private_enc == NULL) {
        free(out->public_jwk);
        free(out->private_enc);
        return IDP_E_NOMEM;
    }
    if (in->private_enc_len)
        memcpy(out->private_enc, in->private_enc, in->private_enc_len);
    return IDP_OK;
}

idp_err_t idp_mem_keys_list(idp_store_t *s, idp_store_key_t **rows, size_t *n, long long *now)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = IDP_OK;
    *n = 0;
    *now = idp_mem_now(d);
    if ((*rows = calloc(d->keys.n + 1, sizeof(**rows))) == NULL)
        ret = IDP_E_NOMEM;
    for (size_t i = 0; ret == IDP_OK && i < d->keys.n; i++)
        if ((ret = key_copy(&d->keys.v[i], &(*rows)[i])) == IDP_OK)
            (*n)++;
    idp_mem_unlock(d);
    if (ret != IDP_OK) {
        idp_store_keys_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return ret;
}

/* The key of @p alg in @p state (index), or -1. */
static long key_in_state(idp_mem_data_t *d, const char *alg, const char *state)
{
    for (size_t i = 0; i < d->keys.n; i++)
        if (!strcmp(d->keys.v[i].alg, alg) && !strcmp(d->keys.v[i].state, state))
            return (long)i;
    return -1;
}

static idp_err_t key_add(idp_mem_data_t *d, const idp_store_key_t *fresh, const char *state)
{
    idp_store_key_t *k = IDP_MEM_PUSH(d->keys);
    if (k == NULL || key_copy(fresh, k) != IDP_OK) {
        if (k)
            d->keys.n--;
        return IDP_E_NOMEM;
    }
    IDP_MEM_SET(k->state, state);
    k->created_at = idp_mem_now(d);
    k->activated_at = !strcmp(state, "active") ? k->created_at : 0;
    k->retired_at = 0;
    return IDP_OK;
}

idp_err_t idp_mem_keys_rotate(idp_store_t *s, const idp_store_key_t *fresh, long long min_next_age, const char **what,
                              const idp_store_admin_entry_t *log)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long long now = idp_mem_now(d);
    long active = key_in_state(d, fresh->alg, "active"), next = key_in_state(d, fresh->alg, "next");
    idp_err_t ret;
    if (active < 0) {
        *what = "activated";
        ret = key_add(d, fresh, "active");
    } else if (next < 0) {
        *what = "published";
        ret = key_add(d, fresh, "next");
    } else if (now - d->keys.v[next].created_at < min_next_age) {
        ret = IDP_E_CONFLICT; /* the next key must have been published long enough for caches to hold it */
    } else {
        *what = "rotated";
        if ((ret = key_add(d, fresh, "next")) == IDP_OK) { /* may move the array: indexes stay valid */
            IDP_MEM_SET(d->keys.v[active].state, "retired");
            d->keys.v[active].retired_at = now;
            IDP_MEM_SET(d->keys.v[next].state, "active");
            d->keys.v[next].activated_at = now;
        }
    }
    if (ret == IDP_OK && log)
        ret = idp_mem_admin_append(d, log); /* out of memory only: the key stays (a memory store for tests) */
    idp_mem_unlock(d);
    return ret;
}

/* ---- the signing keys' rotation schedules (store/pg: store_sealed.c) -------------------------- */

static long schedule_find(const idp_mem_data_t *d, const char *alg)
{
    for (size_t i = 0; i < d->schedules.n; i++)
        if (!strcmp(d->schedules.v[i].alg, alg))
            return (long)i;
    return -1;
}

static idp_err_t schedule_change(idp_mem_data_t *d, const idp_store_admin_op_t *op)
{
    long i = schedule_find(d, op->id);
    if (!op->flag) {
        if (i >= 0)
            IDP_MEM_REMOVE(d->schedules, (size_t)i);
        return i < 0 ? IDP_E_NOT_FOUND : IDP_OK;
    }
    idp_store_key_schedule_t *row = i >= 0 ? &d->schedules.v[i] : IDP_MEM_PUSH(d->schedules);
    if (row == NULL)
        return IDP_E_NOMEM;
    *row = *op->schedule;
    row->set_at = idp_mem_now(d);
    return IDP_OK;
}

idp_err_t idp_mem_key_schedules(idp_store_t *s, idp_store_key_schedule_t **rows, size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = (*rows = calloc(d->schedules.n + 1, sizeof(**rows))) ? IDP_OK : IDP_E_NOMEM;
    *n = 0;
    for (size_t i = 0; ret == IDP_OK && i < d->schedules.n; i++)
        (*rows)[(*n)++] = d->schedules.v[i];
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_key_schedule_claim(idp_store_t *s, long long lease_seconds, char alg[8])
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long long now = idp_mem_now(d);
    idp_store_key_schedule_t *due = NULL;
    for (size_t i = 0; i < d->schedules.n; i++)
        if (d->schedules.v[i].next_at <= now && (due == NULL || d->schedules.v[i].next_at < due->next_at))
            due = &d->schedules.v[i];
    if (due) {
        due->next_at = now + lease_seconds;
        snprintf(alg, 8, "%s", due->alg);
    }
    idp_mem_unlock(d);
    return due ? IDP_OK : IDP_E_NOT_FOUND;
}

idp_err_t idp_mem_key_schedule_done(idp_store_t *s, const char *alg)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long i = schedule_find(d, alg);
    if (i >= 0)
        d->schedules.v[i].next_at = idp_mem_now(d) + d->schedules.v[i].every_seconds;
    idp_mem_unlock(d);
    return i < 0 ? IDP_E_NOT_FOUND : IDP_OK;
}

idp_err_t idp_mem_key_retire(idp_store_t *s, const char *kid)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = IDP_E_NOT_FOUND;
    for (size_t i = 0; i < d->keys.n; i++) {
        idp_store_key_t *k = &d->keys.v[i];
        if (strcmp(k->kid, kid) != 0 || !strcmp(k->state, "retired"))
            continue;
        /* the only key that can sign its alg stays (store.h) */
        if (!strcmp(k->state, "active") && key_in_state(d, k->alg, "next") < 0) {
            ret = IDP_E_CONFLICT;
            break;
        }
        IDP_MEM_SET(k->state, "retired");
        k->retired_at = idp_mem_now(d);
        ret = IDP_OK;
        break;
    }
    idp_mem_unlock(d);
    return ret;
}

/* ---- audit ----------------------------------------------------------------------- */

idp_err_t idp_mem_audit(idp_store_t *s, const char *event, const char *resident_id, const char *detail)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = idp_mem_audit_append(d, event, resident_id, detail);
    idp_mem_unlock(d);
    return ret;
}

static bool audit_matches(const idp_store_audit_row_t *r, const char *event, const char *resident_id, long long since)
{
    return (event == NULL || !strcmp(r->event, event)) &&
           (resident_id == NULL || !strcmp(r->resident_id, resident_id)) && r->at >= since;
}

idp_err_t idp_mem_audit_list(idp_store_t *s, const char *event, const char *resident_id, long long since, int limit,
                             idp_store_audit_row_t **rows, size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = IDP_OK;
    *n = 0;
    if ((*rows = calloc(d->audit.n + 1, sizeof(**rows))) == NULL)
        ret = IDP_E_NOMEM;
    /* newest first */
    for (size_t i = d->audit.n; ret == IDP_OK && i-- > 0 && (int)*n < limit;) {
        const idp_store_audit_row_t *r = &d->audit.v[i];
        if (!audit_matches(r, event, resident_id, since))
            continue;
        idp_store_audit_row_t *o = &(*rows)[*n];
        *o = *r;
        if ((o->detail = strdup(r->detail)) == NULL)
            ret = IDP_E_NOMEM;
        else
            (*n)++;
    }
    idp_mem_unlock(d);
    if (ret != IDP_OK) {
        idp_store_audit_rows_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return ret;
}

/* ---- back-channel logout deliveries ------------------------------------------------------- */

idp_err_t idp_mem_delivery_enqueue(idp_store_t *s, const char *client_id, const char *uri, const char *token)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    char *copy = strdup(token);
    idp_mem_delivery_t *q = copy ? IDP_MEM_PUSH(d->deliveries) : NULL;
    if (q) {
        q->d.id = ++d->seq;
        IDP_MEM_SET(q->d.client_id, client_id);
        IDP_MEM_SET(q->d.uri, uri);
        q->d.logout_token = copy;
        q->next_attempt_at = q->created_at = idp_mem_now(d);
    } else {
        free(copy);
    }
    idp_mem_unlock(d);
    return q ? IDP_OK : IDP_E_NOMEM;
}

idp_err_t idp_mem_deliveries_due(idp_store_t *s, int max, int lease_seconds, idp_store_delivery_t **rows, size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long long now = idp_mem_now(d);
    bool ok = true;
    *n = 0;
    *rows = calloc(d->deliveries.n + 1, sizeof(**rows));
    ok = *rows != NULL;
    /* a lease: due rows move their next attempt into the future while this node tries them */
    for (size_t i = 0; ok && i < d->deliveries.n && (int)*n < max; i++) {
        idp_mem_delivery_t *q = &d->deliveries.v[i];
        if (q->finished || q->next_attempt_at > now)
            continue;
        idp_store_delivery_t *o = &(*rows)[*n];
        *o = q->d;
        if ((o->logout_token = strdup(q->d.logout_token)) == NULL) {
            ok = false;
            break;
        }
        q->next_attempt_at = now + lease_seconds;
        (*n)++;
    }
    idp_mem_unlock(d);
    if (!ok) {
        idp_store_deliveries_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return ok ? IDP_OK : IDP_E_NOMEM;
}

idp_err_t idp_mem_deliveries_pending(idp_store_t *s, long long *count, long long *oldest_seconds)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long long now = idp_mem_now(d), oldest = now;
    *count = 0;
    for (size_t i = 0; i < d->deliveries.n; i++)
        if (!d->deliveries.v[i].finished) {
            (*count)++;
            if (d->deliveries.v[i].created_at < oldest)
                oldest = d->deliveries.v[i].created_at;
        }
    *oldest_seconds = now - oldest;
    idp_mem_unlock(d);
    return IDP_OK;
}

idp_err_t idp_mem_delivery_result(idp_store_t *s, long long id, bool delivered, const char *error, int retry_seconds)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    (void)error; /* store/pg keeps the last error for operators; nothing here reads it */
    for (size_t i = 0; i < d->deliveries.n; i++) {
        idp_mem_delivery_t *q = &d->deliveries.v[i];
        if (q->d.id != id)
            continue;
        q->d.attempts++;
        q->finished = delivered || retry_seconds < 0; /* delivered, or given up */
        q->next_attempt_at = idp_mem_now(d) + (retry_seconds > 0 ? retry_seconds : 0);
    }
    idp_mem_unlock(d);
    return IDP_OK; /* as store/pg: an unknown id changes nothing */
}

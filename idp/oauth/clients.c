/* Registered clients kept on this node as typed structs, fresh by the store's watch: see clients.h. */
#include "oauth/clients.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define CC_BUCKETS 256
#define CC_MAX 4096 /* entries; a full cache starts over (clients are few) */

typedef struct cc_entry {
    const idp_client_t *c; /* the cache's reference */
    struct cc_entry *next;
} cc_entry_t;

struct idp_clients {
    pthread_mutex_t mu;
    bool live;              /* the watch is live: keeping clients is allowed */
    unsigned long long gen; /* bumped by every invalidation */
    cc_entry_t *buckets[CC_BUCKETS];
    size_t n;
    atomic_ulong hits, misses;
};

static unsigned bucket(const char *id)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 16777619u;
    return h % CC_BUCKETS;
}

/* Under the lock. NULL @p id: everything. Does not touch the generation. */
static void drop(struct idp_clients *c, const char *id)
{
    for (unsigned b = id ? bucket(id) : 0; b < CC_BUCKETS; b++) {
        for (cc_entry_t **p = &c->buckets[b]; *p;) {
            cc_entry_t *e = *p;
            if (id && strcmp(e->c->id, id) != 0) {
                p = &e->next;
                continue;
            }
            *p = e->next;
            idp_client_unref(e->c); /* holders of other references keep theirs */
            free(e);
            c->n--;
        }
        if (id)
            break;
    }
}

struct idp_clients *idp_clients_new(void)
{
    struct idp_clients *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    atomic_init(&c->hits, 0);
    atomic_init(&c->misses, 0);
    return c;
}

void idp_clients_free(struct idp_clients *c)
{
    if (c == NULL)
        return;
    drop(c, NULL);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void idp_clients_forget(struct idp_clients *c, const char *client_id)
{
    if (c == NULL || client_id == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    drop(c, client_id);
    c->gen++; /* a row read before this change may be the old one: it is not kept */
    pthread_mutex_unlock(&c->mu);
}

void idp_clients_changed(void *ctx, const char *client_id, bool live)
{
    struct idp_clients *c = ctx;
    pthread_mutex_lock(&c->mu);
    drop(c, client_id);
    c->gen++; /* a row read before this may be the old one: it is not kept (idp_clients_get) */
    c->live = live;
    pthread_mutex_unlock(&c->mu);
}

/* A reference to the cached @p id, or NULL; *gen receives the generation for a later keep(). */
static const idp_client_t *lookup(struct idp_clients *c, const char *id, unsigned long long *gen)
{
    const idp_client_t *found = NULL;
    pthread_mutex_lock(&c->mu);
    *gen = c->gen;
    if (c->live)
        for (cc_entry_t *e = c->buckets[bucket(id)]; e && !found; e = e->next)
            if (!strcmp(e->c->id, id))
                found = idp_client_ref(e->c);
    pthread_mutex_unlock(&c->mu);
    atomic_fetch_add(found ? &c->hits : &c->misses, 1);
    return found;
}

/* Keeps @p cl, read from the store after a lookup that saw @p gen, unless invalidated (or unwatched) since. */
static void keep(struct idp_clients *c, const idp_client_t *cl, unsigned long long gen)
{
    cc_entry_t *e = malloc(sizeof(*e));
    if (e == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    if (!c->live || c->gen != gen) { /* changed (or unwatched) since the row was read */
        pthread_mutex_unlock(&c->mu);
        free(e);
        return;
    }
    if (c->n >= CC_MAX)
        drop(c, NULL);
    else
        drop(c, cl->id); /* another request may have kept it meanwhile */
    e->c = idp_client_ref(cl);
    unsigned b = bucket(cl->id);
    e->next = c->buckets[b];
    c->buckets[b] = e;
    c->n++;
    pthread_mutex_unlock(&c->mu);
}

idp_err_t idp_clients_get(idp_oauth_t *o, const char *client_id, const idp_client_t **out)
{
    unsigned long long gen = 0;
    idp_store_client_t row;
    idp_err_t ret;
    char why[256] = "";
    *out = NULL;
    if (o->clients && (*out = lookup(o->clients, client_id, &gen)) != NULL)
        return IDP_OK;
    if ((ret = idp_store_client_get(o->store, client_id, &row)) != IDP_OK)
        return ret;
    if (row.suspended) { /* refused everywhere, as if it did not exist, until resumed (docs/admin.md) */
        idp_store_client_clear(&row);
        return IDP_E_NOT_FOUND;
    }
    idp_client_life_t life = {.organisation = row.organisation, .sandbox = row.sandbox};
    ret = idp_client_new(row.client_id, row.metadata, row.has_secret, row.secret_hash, &life, out, why, sizeof(why));
    idp_store_client_clear(&row);
    if (ret != IDP_OK && ret != IDP_E_NOMEM) {
        /* Fail closed: a registration that no longer validates is refused, and the operator told why. */
        idp_log_t l;
        idp_log_begin(&l, IDP_LOG_ERROR, "client_metadata_invalid");
        idp_log_str(&l, "client_id", client_id);
        idp_log_str(&l, "reason", why);
        idp_log_end(&l);
        return IDP_E_SERVER_ERROR;
    }
    if (ret == IDP_OK && o->clients)
        keep(o->clients, *out, gen);
    return ret;
}

void idp_clients_stats(struct idp_clients *c, unsigned long *hits, unsigned long *misses)
{
    *hits = c ? atomic_load(&c->hits) : 0;
    *misses = c ? atomic_load(&c->misses) : 0;
}

idp_err_t idp_oauth_watch_clients(idp_oauth_t *o, const char *url)
{
    idp_err_t ret = idp_store_client_watch_start(o->store, url, idp_clients_changed, o->clients);
    if (ret == IDP_OK)
        o->watching_clients = true;
    return ret;
}

void idp_oauth_client_stats(idp_oauth_t *o, unsigned long *hits, unsigned long *misses)
{
    idp_clients_stats(o->clients, hits, misses);
}

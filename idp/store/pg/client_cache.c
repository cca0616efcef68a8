/*
 * Registered clients kept in memory on each node (store.h,
 * idp_store_client_cache_start). Every token, introspection, revocation and
 * authorization request looks its client up; without a cache that is one
 * database round trip per request for a row that changes a few times a year.
 *
 * Freshness across nodes: a trigger on `clients` (migration 0007) sends
 * NOTIFY sakaid_clients with the client_id on every insert, update and
 * delete, delivered after the change commits. A thread per node LISTENs on a
 * connection of its own and drops the named entry, so a removed client or a
 * rotated secret is refused on every node within milliseconds.
 *
 * The cache is used only while that connection is listening: before it
 * connects, after it breaks and until it listens again, every lookup goes to
 * the database and nothing is cached (notifications may have been missed,
 * so the cache is emptied when listening starts again). A lookup that read
 * the database before an invalidation does not store its now stale row:
 * every invalidation bumps a generation, and a row is stored only if the
 * generation is the one seen before the read.
 */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "store/pg/internal.h"

#define CC_BUCKETS 256
#define CC_MAX 4096 /* entries; a full cache starts over (clients are few) */

typedef struct cc_entry {
    idp_store_client_t c;
    struct cc_entry *next;
} cc_entry_t;

struct idp_pg_client_cache {
    pthread_mutex_t mu;
    bool live;              /* the listener is connected and listening: caching on */
    unsigned long long gen; /* bumped by every invalidation */
    cc_entry_t *buckets[CC_BUCKETS];
    size_t n;
    atomic_ulong hits, misses;
    char *url;
    pthread_t thread;
    int wake[2]; /* written to stop the listener */
};

static unsigned bucket(const char *id)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 16777619u;
    return h % CC_BUCKETS;
}

static idp_err_t client_copy(idp_store_client_t *dst, const idp_store_client_t *src)
{
    *dst = *src;
    dst->client_id = strdup(src->client_id);
    dst->metadata = strdup(src->metadata);
    if (dst->client_id == NULL || dst->metadata == NULL) {
        idp_store_client_clear(dst);
        return IDP_E_NOMEM;
    }
    return IDP_OK;
}

/* Under the lock. NULL @p id: everything. */
static void drop(idp_pg_client_cache_t *c, const char *id)
{
    for (unsigned b = id ? bucket(id) : 0; b < CC_BUCKETS; b++) {
        for (cc_entry_t **p = &c->buckets[b]; *p;) {
            cc_entry_t *e = *p;
            if (id && strcmp(e->c.client_id, id) != 0) {
                p = &e->next;
                continue;
            }
            *p = e->next;
            idp_store_client_clear(&e->c);
            free(e);
            c->n--;
        }
        if (id)
            break;
    }
    c->gen++;
}

bool idp_pg_client_cache_get(idp_pg_client_cache_t *c, const char *id, idp_store_client_t *out, unsigned long long *gen)
{
    bool hit = false;
    pthread_mutex_lock(&c->mu);
    *gen = c->gen;
    if (c->live)
        for (cc_entry_t *e = c->buckets[bucket(id)]; e && !hit; e = e->next)
            hit = strcmp(e->c.client_id, id) == 0 && client_copy(out, &e->c) == IDP_OK;
    pthread_mutex_unlock(&c->mu);
    atomic_fetch_add(hit ? &c->hits : &c->misses, 1);
    return hit;
}

void idp_pg_client_cache_put(idp_pg_client_cache_t *c, const idp_store_client_t *row, unsigned long long gen)
{
    cc_entry_t *e = calloc(1, sizeof(*e));
    if (e == NULL || client_copy(&e->c, row) != IDP_OK) {
        free(e);
        return;
    }
    pthread_mutex_lock(&c->mu);
    if (!c->live || c->gen != gen) { /* changed (or unwatched) since the row was read */
        pthread_mutex_unlock(&c->mu);
        idp_store_client_clear(&e->c);
        free(e);
        return;
    }
    if (c->n >= CC_MAX)
        drop(c, NULL);
    else
        drop(c, row->client_id); /* another thread may have stored it meanwhile */
    c->gen = gen;                /* our own drop is not an invalidation */
    unsigned b = bucket(row->client_id);
    e->next = c->buckets[b];
    c->buckets[b] = e;
    c->n++;
    pthread_mutex_unlock(&c->mu);
}

static void set_live(idp_pg_client_cache_t *c, bool live)
{
    pthread_mutex_lock(&c->mu);
    drop(c, NULL);
    c->live = live;
    pthread_mutex_unlock(&c->mu);
}

/* Waits up to @p ms for the stop signal; true when asked to stop. */
static bool wait_stop(idp_pg_client_cache_t *c, int fd, int ms, bool *readable)
{
    struct pollfd p[2] = {{.fd = c->wake[0], .events = POLLIN}, {.fd = fd, .events = POLLIN}};
    int k = poll(p, fd >= 0 ? 2 : 1, ms);
    if (readable)
        *readable = k > 0 && fd >= 0 && (p[1].revents & (POLLIN | POLLERR | POLLHUP));
    return k > 0 && (p[0].revents & POLLIN);
}

static PGconn *listen_connect(const char *url)
{
    /* TCP keepalives notice a vanished server on an idle connection within about 25 s. */
    static const char *const keys[] = {"connect_timeout",
                                       "application_name",
                                       "keepalives_idle",
                                       "keepalives_interval",
                                       "keepalives_count",
                                       "dbname",
                                       NULL};
    const char *const values[] = {"5", "sakaid-listen", "10", "5", "3", url, NULL};
    PGconn *pg = PQconnectdbParams(keys, values, 1);
    if (pg && PQstatus(pg) == CONNECTION_OK) {
        PGresult *r = PQexec(pg, "LISTEN sakaid_clients");
        bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (ok && PQsetnonblocking(pg, 1) == 0)
            return pg;
    }
    PQfinish(pg);
    return NULL;
}

static void *listener(void *arg)
{
    idp_pg_client_cache_t *c = arg;
    int backoff = 100;
    for (;;) {
        PGconn *pg = listen_connect(c->url);
        if (pg == NULL) {
            if (wait_stop(c, -1, backoff, NULL))
                return NULL;
            backoff = backoff < 5000 ? backoff * 2 : 5000;
            continue;
        }
        backoff = 100;
        set_live(c, true); /* empty: whatever happened while nobody listened is not in it */
        bool stop = false, readable = false;
        while (!(stop = wait_stop(c, PQsocket(pg), -1, &readable))) {
            if (!readable)
                continue;
            if (!PQconsumeInput(pg) || PQstatus(pg) != CONNECTION_OK)
                break;
            for (PGnotify *n; (n = PQnotifies(pg)) != NULL; PQfreemem(n)) {
                pthread_mutex_lock(&c->mu);
                drop(c, n->extra && *n->extra ? n->extra : NULL); /* "": TRUNCATE, everything */
                pthread_mutex_unlock(&c->mu);
            }
        }
        set_live(c, false);
        PQfinish(pg);
        if (stop)
            return NULL;
        idp_log_msg(IDP_LOG_WARN, "client_cache_off", "the client notification connection broke; reconnecting");
    }
}

idp_err_t idp_pg_client_cache_start(idp_store_t *s, const char *url)
{
    idp_pg_client_cache_t *c = calloc(1, sizeof(*c));
    if (c == NULL || (c->url = strdup(url)) == NULL) {
        free(c);
        return IDP_E_NOMEM;
    }
    pthread_mutex_init(&c->mu, NULL);
    bool piped = pipe(c->wake) == 0;
    if (!piped || pthread_create(&c->thread, NULL, listener, c) != 0) {
        if (piped) {
            close(c->wake[0]);
            close(c->wake[1]);
        }
        pthread_mutex_destroy(&c->mu);
        free(c->url);
        free(c);
        return IDP_E_SERVER_ERROR;
    }
    idp_pg(s)->clients = c;
    return IDP_OK;
}

void idp_pg_client_cache_free(idp_pg_client_cache_t *c)
{
    if (c == NULL)
        return;
    ssize_t w;
    do
        w = write(c->wake[1], "x", 1);
    while (w < 0 && errno == EINTR);
    pthread_join(c->thread, NULL);
    pthread_mutex_lock(&c->mu);
    drop(c, NULL);
    pthread_mutex_unlock(&c->mu);
    close(c->wake[0]);
    close(c->wake[1]);
    pthread_mutex_destroy(&c->mu);
    free(c->url);
    free(c);
}

void idp_pg_client_cache_stats(idp_store_t *s, unsigned long *hits, unsigned long *misses)
{
    *hits = idp_pg(s)->clients ? atomic_load(&idp_pg(s)->clients->hits) : 0;
    *misses = idp_pg(s)->clients ? atomic_load(&idp_pg(s)->clients->misses) : 0;
}

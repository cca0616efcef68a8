/*
 * The watch on clients' changes (store.h, idp_store_client_watch_start):
 * what keeps every node's client cache (oauth/clients.c) fresh. Every
 * token, introspection, revocation and authorization request looks its
 * client up; without a cache that is one database round trip per request for
 * a row that changes a few times a year.
 *
 * Freshness across nodes: a trigger on `clients` (migration 0007) sends
 * NOTIFY sakaid_clients with the client_id on every insert, update and
 * delete, delivered after the change commits. A thread per node LISTENs on a
 * connection of its own and tells the cache to drop the named entry
 * (fn(ctx, id, true); "" from a TRUNCATE: every entry), so a removed client
 * or a rotated secret is refused on every node within milliseconds.
 *
 * The cache may keep clients only while that connection is listening:
 * before it connects, after it breaks and until it listens again, it is told
 * fn(ctx, NULL, false) (nothing is cached, every lookup goes to the
 * database), and when listening starts again fn(ctx, NULL, true) empties it
 * (notifications may have been missed meanwhile). The cache's side of the
 * rules, that a lookup which read the database before an invalidation does
 * not store its now stale row (a generation), is in oauth/clients.c.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "store/pg/internal.h"

struct idp_pg_client_watch {
    idp_store_client_watch_fn fn;
    void *ctx;
    char *url;
    pthread_t thread;
    int wake[2]; /* written to stop the listener */
};

/* Waits up to @p ms for the stop signal; true when asked to stop. */
static bool wait_stop(idp_pg_client_watch_t *c, int fd, int ms, bool *readable)
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
    idp_pg_client_watch_t *c = arg;
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
        c->fn(c->ctx, NULL, true); /* empty: whatever happened while nobody listened is not in it */
        bool stop = false, readable = false;
        while (!(stop = wait_stop(c, PQsocket(pg), -1, &readable))) {
            if (!readable)
                continue;
            if (!PQconsumeInput(pg) || PQstatus(pg) != CONNECTION_OK)
                break;
            for (PGnotify *n; (n = PQnotifies(pg)) != NULL; PQfreemem(n)) {
                c->fn(c->ctx, n->extra && *n->extra ? n->extra : NULL, true); /* "": TRUNCATE, everything */
            }
        }
        c->fn(c->ctx, NULL, false); /* nothing may be cached until it listens again */
        PQfinish(pg);
        if (stop)
            return NULL;
        idp_log_msg(IDP_LOG_WARN, "client_cache_off", "the client notification connection broke; reconnecting");
    }
}

idp_err_t idp_pg_client_watch_start(idp_store_t *s, const char *url, idp_store_client_watch_fn fn, void *ctx)
{
    if (idp_pg(s)->watch)
        return IDP_E_CONFLICT;
    idp_pg_client_watch_t *c = calloc(1, sizeof(*c));
    if (c == NULL || (c->url = strdup(url)) == NULL) {
        free(c);
        return IDP_E_NOMEM;
    }
    c->fn = fn;
    c->ctx = ctx;
    bool piped = pipe(c->wake) == 0;
    if (!piped || pthread_create(&c->thread, NULL, listener, c) != 0) {
        if (piped) {
            close(c->wake[0]);
            close(c->wake[1]);
        }
        free(c->url);
        free(c);
        return IDP_E_SERVER_ERROR;
    }
    idp_pg(s)->watch = c;
    return IDP_OK;
}

void idp_pg_client_watch_stop(idp_store_t *s)
{
    idp_pg_client_watch_t *c = idp_pg(s)->watch;
    if (c == NULL)
        return;
    ssize_t w;
    do
        w = write(c->wake[1], "x", 1);
    while (w < 0 && errno == EINTR);
    pthread_join(c->thread, NULL); /* fn is not called after this */
    close(c->wake[0]);
    close(c->wake[1]);
    free(c->url);
    free(c);
    idp_pg(s)->watch = NULL;
}

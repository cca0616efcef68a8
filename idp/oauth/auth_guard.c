/* Failed client authentications: counters and back-off (auth_guard.h). */
#include "oauth/auth_guard.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW_MS 60000LL
#define PAIRS 4096   /* (client, address) back-off entries */
#define CLIENTS 1024 /* per-client counters; registered clients only */
#define WAYS 8       /* an entry may live in any of 8 consecutive slots */

typedef struct {
    char key[320];       /* client_id "\n" address; "" = free */
    int failures;        /* in the current window */
    long long window_ms; /* when the window began */
    long long until_ms;  /* backing off until then (0: not) */
    long long used_ms;   /* last touched, for eviction */
} pair_t;

typedef struct {
    char client_id[257];
    unsigned long failures;
} counter_t;

struct idp_auth_guard {
    pthread_mutex_t mu;
    int max_failures;
    unsigned long unknown, other, backoffs;
    pair_t pairs[PAIRS];
    counter_t clients[CLIENTS];
    size_t nclients;
};

idp_auth_guard_t *idp_auth_guard_new(int max_failures)
{
    idp_auth_guard_t *g = calloc(1, sizeof(*g));
    if (g == NULL)
        return NULL;
    pthread_mutex_init(&g->mu, NULL);
    g->max_failures = max_failures;
    return g;
}

void idp_auth_guard_free(idp_auth_guard_t *g)
{
    if (g == NULL)
        return;
    pthread_mutex_destroy(&g->mu);
    free(g);
}

static unsigned long hash(const char *s)
{
    unsigned long h = 5381;
    while (*s)
        h = h * 33 ^ (unsigned char)*s++;
    return h;
}

/* The entry of (client, addr): found, or (@p create) the least recently used of its slots, cleared. Locked. */
static pair_t *pair(idp_auth_guard_t *g, const char *client_id, const char *addr, bool create, long long now_ms)
{
    char key[320];
    snprintf(key, sizeof(key), "%.256s\n%.60s", client_id, addr ? addr : "");
    size_t base = hash(key) % PAIRS;
    pair_t *lru = NULL;
    for (size_t i = 0; i < WAYS; i++) {
        pair_t *p = &g->pairs[(base + i) % PAIRS];
        if (p->key[0] && !strcmp(p->key, key))
            return p;
        if (lru == NULL || p->used_ms < lru->used_ms)
            lru = p;
    }
    if (!create)
        return NULL;
    memset(lru, 0, sizeof(*lru));
    snprintf(lru->key, sizeof(lru->key), "%s", key);
    lru->window_ms = now_ms;
    lru->used_ms = now_ms;
    return lru;
}

bool idp_auth_guard_admit(idp_auth_guard_t *g, const char *client_id, const char *addr, long long now_ms)
{
    pthread_mutex_lock(&g->mu);
    pair_t *p = pair(g, client_id, addr, false, now_ms);
    bool ok = p == NULL || p->until_ms <= now_ms;
    pthread_mutex_unlock(&g->mu);
    return ok;
}

static void count_client(idp_auth_guard_t *g, const char *client_id, bool known)
{
    if (!known) {
        g->unknown++;
        return;
    }
    for (size_t i = 0; i < g->nclients; i++)
        if (!strcmp(g->clients[i].client_id, client_id)) {
            g->clients[i].failures++;
            return;
        }
    if (g->nclients == CLIENTS || strlen(client_id) >= sizeof(g->clients[0].client_id)) {
        g->other++;
        return;
    }
    snprintf(g->clients[g->nclients].client_id, sizeof(g->clients[0].client_id), "%s", client_id);
    g->clients[g->nclients++].failures = 1;
}

bool idp_auth_guard_failed(idp_auth_guard_t *g, const char *client_id, bool known, const char *addr, long long now_ms)
{
    bool started = false;
    pthread_mutex_lock(&g->mu);
    count_client(g, client_id, known);
    /* Unknown ids share one entry per address: made-up ids cannot each get a fresh allowance. */
    pair_t *p = pair(g, known ? client_id : "", addr, true, now_ms);
    p->used_ms = now_ms;
    if (now_ms - p->window_ms >= WINDOW_MS) {
        p->window_ms = now_ms;
        p->failures = 0;
    }
    if (++p->failures >= g->max_failures && p->until_ms <= now_ms) {
        p->until_ms = now_ms + IDP_AUTH_BACKOFF_SECONDS * 1000LL;
        p->failures = 0;
        p->window_ms = p->until_ms;
        g->backoffs++;
        started = true;
    }
    pthread_mutex_unlock(&g->mu);
    return started;
}

/* A Prometheus label value: \, " and newline escaped (exposition format 0.0.4). */
static idp_err_t label(idp_buf_t *b, const char *v)
{
    idp_err_t e = IDP_OK;
    for (const char *c = v; e == IDP_OK && *c; c++)
        e = *c == '\\'   ? idp_buf_puts(b, "\\\\")
            : *c == '"'  ? idp_buf_puts(b, "\\\"")
            : *c == '\n' ? idp_buf_puts(b, "\\n")
                         : idp_buf_append(b, c, 1);
    return e;
}

idp_err_t idp_auth_guard_metrics(idp_auth_guard_t *g, idp_buf_t *out)
{
    pthread_mutex_lock(&g->mu);
    idp_err_t e = idp_buf_puts(out, "# HELP sakaid_client_auth_failures_total Failed client authentications by client "
                                    "(unknown: no such client; other: past the per-node table).\n"
                                    "# TYPE sakaid_client_auth_failures_total counter\n");
    for (size_t i = 0; e == IDP_OK && i < g->nclients; i++) {
        e = idp_buf_puts(out, "sakaid_client_auth_failures_total{client_id=\"");
        if (e == IDP_OK)
            e = label(out, g->clients[i].client_id);
        if (e == IDP_OK)
            e = idp_buf_printf(out, "\"} %lu\n", g->clients[i].failures);
    }
    if (e == IDP_OK)
        e = idp_buf_printf(out,
                           "sakaid_client_auth_failures_total{client_id=\"unknown\"} %lu\n"
                           "sakaid_client_auth_failures_total{client_id=\"other\"} %lu\n"
                           "# HELP sakaid_client_auth_backoffs_total Back-offs started after repeated failed client "
                           "authentications from one address.\n"
                           "# TYPE sakaid_client_auth_backoffs_total counter\n"
                           "sakaid_client_auth_backoffs_total %lu\n",
                           g->unknown, g->other, g->backoffs);
    pthread_mutex_unlock(&g->mu);
    return e;
}

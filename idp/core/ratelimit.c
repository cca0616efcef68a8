#include "core/ratelimit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4096
#define WAYS 8 /* a key may live in any of 8 consecutive slots */

typedef struct {
    char key[48];
    double tokens;
    long long at; /* last refill, ms */
} bucket_t;

struct idp_ratelimit {
    pthread_mutex_t mu;
    double per_ms, burst;
    bucket_t slots[SLOTS];
};

idp_ratelimit_t *idp_ratelimit_new(int per_minute, int burst)
{
    idp_ratelimit_t *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    pthread_mutex_init(&r->mu, NULL);
    r->per_ms = (double)per_minute / 60000.0;
    r->burst = burst;
    return r;
}

static unsigned long hash(const char *s)
{
    unsigned long h = 5381;
    while (*s)
        h = h * 33 ^ (unsigned char)*s++;
    return h;
}

bool idp_ratelimit_take(idp_ratelimit_t *r, const char *key, long long now_ms)
{
    size_t base = hash(key) % SLOTS;
    bucket_t *b = NULL, *oldest = NULL;
    bool ok;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < WAYS && b == NULL; i++) {
        bucket_t *s = &r->slots[(base + i) % SLOTS];
        if (!strncmp(s->key, key, sizeof(s->key) - 1) && s->key[0])
            b = s;
        else if (oldest == NULL || s->at < oldest->at)
            oldest = s;
    }
    if (b == NULL) { /* a new key: a full bucket in the stalest slot */
        b = oldest;
        memset(b, 0, sizeof(*b));
        snprintf(b->key, sizeof(b->key), "%s", key);
        b->tokens = r->burst;
        b->at = now_ms;
    }
    b->tokens += (double)(now_ms - b->at) * r->per_ms;
    if (b->tokens > r->burst)
        b->tokens = r->burst;
    b->at = now_ms;
    ok = b->tokens >= 1.0;
    if (ok)
        b->tokens -= 1.0;
    pthread_mutex_unlock(&r->mu);
    return ok;
}

void idp_ratelimit_free(idp_ratelimit_t *r)
{
    if (r == NULL)
        return;
    pthread_mutex_destroy(&r->mu);
    free(r);
}

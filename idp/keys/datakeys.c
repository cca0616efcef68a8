/* Data keys between PostgreSQL and memory (see datakeys.h, docs/keys.md "Data keys"). */
#include "keys/datakeys.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/rand.h"

typedef struct {
    int id;
    idp_kek_t key; /* a 256-bit AES-GCM key, as the KEK is */
} entry_t;

struct idp_datakeys {
    idp_store_t *store;
    const idp_kek_t *kek;
    /* The keys, swapped whole by a reload; held shared while a value is sealed or opened. */
    pthread_rwlock_t lock;
    entry_t *keys;
    size_t n;
    int active;
    /* One reload at a time; reloads for unknown keys at most every IDP_DATAKEYS_MISS_RELOAD_MS. */
    pthread_mutex_t reload_mu;
    long long last_miss_reload_ms;
    idp_store_sealer_t sealer;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void aad_for(int id, char *aad, size_t n)
{
    snprintf(aad, n, "%s%d", IDP_DATAKEYS_AAD_PREFIX, id);
}

static void wipe_keys(entry_t *keys, size_t n)
{
    if (keys)
        idp_wipe(keys, n * sizeof(*keys));
    free(keys);
}

/* The key with @p id in the current set (held shared), or NULL. */
static const idp_kek_t *find(const idp_datakeys_t *dk, int id)
{
    for (size_t i = 0; i < dk->n; i++)
        if (dk->keys[i].id == id)
            return &dk->keys[i].key;
    return NULL;
}

/* ---- loading ------------------------------------------------------------------------------- */

idp_err_t idp_datakeys_load_rows(idp_datakeys_t *dk, const idp_store_data_key_t *rows, size_t n, const char *why,
                                 char *err, size_t errlen)
{
    idp_err_t e = IDP_OK;
    entry_t *keys = calloc(n + 1, sizeof(*keys));
    size_t nk = 0;
    int active = 0;
    if (keys == NULL)
        return IDP_E_NOMEM;
    for (size_t i = 0; i < n && e == IDP_OK; i++) {
        if (!strcmp(rows[i].state, "retired") || rows[i].key_enc == NULL)
            continue; /* its key is erased: nothing it sealed is left */
        char aad[64];
        unsigned char *raw = NULL;
        size_t rawlen = 0;
        aad_for(rows[i].id, aad, sizeof(aad));
        e = idp_aead_open(dk->kek, aad, rows[i].key_enc, rows[i].key_enc_len, &raw, &rawlen);
        if (e == IDP_OK && rawlen != IDP_KEK_BYTES)
            e = IDP_E_SERVER_ERROR;
        if (e == IDP_OK) {
            keys[nk].id = rows[i].id;
            memcpy(keys[nk].key.key, raw, IDP_KEK_BYTES);
            nk++;
            if (!strcmp(rows[i].state, "active"))
                active = rows[i].id;
        } else {
            snprintf(err, errlen, "data key %d does not decrypt with this key-encryption key", rows[i].id);
        }
        if (raw) {
            idp_wipe(raw, rawlen);
            free(raw);
        }
    }
    if (e != IDP_OK) {
        wipe_keys(keys, n + 1);
        return e;
    }
    pthread_rwlock_wrlock(&dk->lock);
    bool changed = active != dk->active || nk != dk->n;
    for (size_t i = 0; i < nk && !changed; i++)
        changed = find(dk, keys[i].id) == NULL;
    entry_t *old = dk->keys;
    size_t old_n = dk->n;
    dk->keys = keys;
    dk->n = nk;
    dk->active = active;
    pthread_rwlock_unlock(&dk->lock);
    wipe_keys(old, old_n);
    if (changed) {
        char ids[256] = "";
        for (size_t i = 0, len = 0; i < nk && len < sizeof(ids) - 16; i++)
            len += (size_t)snprintf(ids + len, sizeof(ids) - len, "%s%d", i ? " " : "", keys[i].id);
        idp_log_t l;
        idp_log_begin(&l, IDP_LOG_INFO, "data_keys_loaded");
        idp_log_str(&l, "reason", why);
        idp_log_int(&l, "active", active);
        idp_log_str(&l, "keys", ids);
        idp_log_end(&l);
    }
    return IDP_OK;
}

/* Reads the table and swaps it in; the caller holds reload_mu (a reload that read the table earlier must
 * never swap in its older copy after a later one). */
static idp_err_t load_locked(idp_datakeys_t *dk, const char *why, char *err, size_t errlen)
{
    idp_store_data_key_t *rows = NULL;
    size_t n = 0;
    if (dk->store == NULL) {
        snprintf(err, errlen, "no store to read data keys from");
        return IDP_E_SERVER_ERROR;
    }
    idp_err_t e = idp_store_data_keys_list(dk->store, false, &rows, &n);
    if (e != IDP_OK) {
        snprintf(err, errlen, "cannot read data keys: %s", idp_err_code(e));
        return e;
    }
    e = idp_datakeys_load_rows(dk, rows, n, why, err, errlen);
    idp_store_data_keys_free(rows, n);
    return e;
}

idp_err_t idp_datakeys_load(idp_datakeys_t *dk, const char *why, char *err, size_t errlen)
{
    pthread_mutex_lock(&dk->reload_mu);
    idp_err_t e = load_locked(dk, why, err, errlen);
    pthread_mutex_unlock(&dk->reload_mu);
    return e;
}

int idp_datakeys_active(idp_datakeys_t *dk)
{
    pthread_rwlock_rdlock(&dk->lock);
    int id = dk->active;
    pthread_rwlock_unlock(&dk->lock);
    return id;
}

size_t idp_datakeys_count(idp_datakeys_t *dk)
{
    pthread_rwlock_rdlock(&dk->lock);
    size_t n = dk->n;
    pthread_rwlock_unlock(&dk->lock);
    return n;
}

/* ---- the store's sealer -------------------------------------------------------------------- */

/* A reload for the sealer; the caller holds reload_mu. */
static void reload(idp_datakeys_t *dk, const char *why)
{
    char err[256];
    if (load_locked(dk, why, err, sizeof(err)) != IDP_OK)
        idp_log_msg(IDP_LOG_WARN, "data_keys_reload_failed", "%s (keeping the keys loaded before)", err);
}

static idp_err_t sealer_current(void *ctx, bool reload_first, int *key_id)
{
    idp_datakeys_t *dk = ctx;
    if (reload_first) {
        pthread_mutex_lock(&dk->reload_mu);
        reload(dk, "not_active");
        pthread_mutex_unlock(&dk->reload_mu);
    }
    if ((*key_id = idp_datakeys_active(dk)) == 0) {
        idp_log_msg(IDP_LOG_ERROR, "data_keys_missing", "there is no active data key: run `sakaid-admin keys init`");
        return IDP_E_SERVER_ERROR;
    }
    return IDP_OK;
}

static idp_err_t sealer_seal(void *ctx, int key_id, const char *aad, const unsigned char *pt, size_t n,
                             unsigned char **out, size_t *outlen)
{
    idp_datakeys_t *dk = ctx;
    pthread_rwlock_rdlock(&dk->lock);
    const idp_kek_t *k = find(dk, key_id);
    idp_err_t e = k ? idp_aead_seal(k, aad, pt, n, out, outlen) : IDP_E_NOT_FOUND;
    pthread_rwlock_unlock(&dk->lock);
    return e;
}

/*
 * A key this node does not hold: reload once, unless someone did meanwhile
 * or a reload for a missing key happened less than a second ago (a row
 * naming a key that never existed must not turn every read into a
 * database round trip).
 */
static void reload_for(idp_datakeys_t *dk, int key_id)
{
    pthread_mutex_lock(&dk->reload_mu);
    pthread_rwlock_rdlock(&dk->lock);
    bool have = find(dk, key_id) != NULL;
    pthread_rwlock_unlock(&dk->lock);
    long long now = now_ms();
    if (!have && (dk->last_miss_reload_ms == 0 || now - dk->last_miss_reload_ms >= IDP_DATAKEYS_MISS_RELOAD_MS)) {
        dk->last_miss_reload_ms = now;
        reload(dk, "unknown_key");
    }
    pthread_mutex_unlock(&dk->reload_mu);
}

static idp_err_t sealer_open(void *ctx, int key_id, const char *aad, const unsigned char *in, size_t n,
                             unsigned char **out, size_t *outlen)
{
    idp_datakeys_t *dk = ctx;
    for (int attempt = 0; attempt < 2; attempt++) {
        pthread_rwlock_rdlock(&dk->lock);
        const idp_kek_t *k = find(dk, key_id);
        idp_err_t e = k ? idp_aead_open(k, aad, in, n, out, outlen) : IDP_E_NOT_FOUND;
        pthread_rwlock_unlock(&dk->lock);
        if (e != IDP_E_NOT_FOUND || attempt > 0 || dk->store == NULL)
            return e;
        reload_for(dk, key_id);
    }
    return IDP_E_NOT_FOUND;
}

idp_datakeys_t *idp_datakeys_new(idp_store_t *store, const idp_kek_t *kek)
{
    idp_datakeys_t *dk = calloc(1, sizeof(*dk));
    if (dk == NULL)
        return NULL;
    dk->store = store;
    dk->kek = kek;
    pthread_rwlock_init(&dk->lock, NULL);
    pthread_mutex_init(&dk->reload_mu, NULL);
    dk->sealer = (idp_store_sealer_t){.ctx = dk, .current = sealer_current, .seal = sealer_seal, .open = sealer_open};
    return dk;
}

void idp_datakeys_free(idp_datakeys_t *dk)
{
    if (dk == NULL)
        return;
    wipe_keys(dk->keys, dk->n);
    pthread_rwlock_destroy(&dk->lock);
    pthread_mutex_destroy(&dk->reload_mu);
    free(dk);
}

const idp_store_sealer_t *idp_datakeys_sealer(idp_datakeys_t *dk)
{
    return &dk->sealer;
}

/* ---- creating a key ------------------------------------------------------------------------ */

idp_err_t idp_datakeys_create(idp_store_t *s, const idp_kek_t *kek, bool only_first, int *id)
{
    unsigned char raw[IDP_KEK_BYTES], *sealed = NULL;
    size_t sealed_len = 0;
    char aad[64];
    idp_err_t e = idp_store_data_key_reserve(s, id);
    if (e == IDP_OK)
        e = idp_random_bytes(raw, sizeof(raw));
    if (e == IDP_OK) {
        aad_for(*id, aad, sizeof(aad));
        e = idp_aead_seal(kek, aad, raw, sizeof(raw), &sealed, &sealed_len);
    }
    idp_wipe(raw, sizeof(raw));
    if (e == IDP_OK)
        e = idp_store_data_key_activate(s, *id, sealed, sealed_len, only_first);
    free(sealed);
    return e;
}

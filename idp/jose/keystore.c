#include "jose/keystore.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "jose/verify.h"

#define MAX_KEYS 64

struct idp_keyset {
    atomic_int refs;
    size_t n;
    struct {
        idp_jose_key_t *key;
        idp_key_state_t state;
        int published;
    } keys[MAX_KEYS];
    long long activated[IDP_ALG__COUNT]; /* when each algorithm's active key became active (0: unknown) */
    char *jwks;
    size_t jwks_len;
    idp_jwks_t *verifier; /* the published keys, parsed once for verifying our own tokens */
};

struct idp_keystore {
    pthread_mutex_t mu;
    idp_keyset_t *current;
};

idp_keyset_t *idp_keyset_new(void)
{
    idp_keyset_t *ks = calloc(1, sizeof(*ks));
    if (ks)
        atomic_init(&ks->refs, 1);
    return ks;
}

idp_err_t idp_keyset_add(idp_keyset_t *ks, idp_jose_key_t *key, idp_key_state_t state, int published)
{
    if (ks->n == MAX_KEYS) {
        idp_jose_key_free(key);
        return IDP_E_SERVER_ERROR;
    }
    ks->keys[ks->n].key = key;
    ks->keys[ks->n].state = state;
    ks->keys[ks->n].published = published;
    ks->n++;
    return IDP_OK;
}

idp_err_t idp_keyset_seal(idp_keyset_t *ks)
{
    idp_buf_t b;
    idp_buf_init(&b, 1 << 20);
    idp_err_t ret = idp_buf_puts(&b, "{\"keys\":[");
    int first = 1;
    for (size_t i = 0; i < ks->n && ret == IDP_OK; i++) {
        if (!ks->keys[i].published)
            continue;
        if (!first)
            idp_buf_puts(&b, ",");
        first = 0;
        ret = idp_buf_puts(&b, idp_jose_key_public_jwk(ks->keys[i].key));
    }
    if (ret == IDP_OK)
        ret = idp_buf_puts(&b, "]}");
    if (ret != IDP_OK) {
        idp_buf_free(&b);
        return ret;
    }
    ks->jwks_len = b.len;
    ks->jwks = idp_buf_steal(&b);
    return ks->jwks ? idp_jwks_parse(ks->jwks, ks->jwks_len, &ks->verifier) : IDP_E_NOMEM;
}

const idp_jose_key_t *idp_keyset_signer(const idp_keyset_t *ks, idp_alg_t alg)
{
    for (size_t i = 0; i < ks->n; i++)
        if (ks->keys[i].state == IDP_KEY_ACTIVE && idp_jose_key_alg(ks->keys[i].key) == alg)
            return ks->keys[i].key;
    return NULL;
}

void idp_keyset_set_activated(idp_keyset_t *ks, idp_alg_t alg, long long at)
{
    if (alg > IDP_ALG_NONE && alg < IDP_ALG__COUNT)
        ks->activated[alg] = at;
}

long long idp_keyset_activated(const idp_keyset_t *ks, idp_alg_t alg)
{
    return alg > IDP_ALG_NONE && alg < IDP_ALG__COUNT ? ks->activated[alg] : 0;
}

const char *idp_keyset_jwks(const idp_keyset_t *ks, size_t *len)
{
    if (len)
        *len = ks->jwks_len;
    return ks->jwks ? ks->jwks : "{\"keys\":[]}";
}

size_t idp_keyset_count(const idp_keyset_t *ks)
{
    return ks->n;
}

void idp_keyset_release(idp_keyset_t *ks)
{
    if (ks == NULL || atomic_fetch_sub(&ks->refs, 1) != 1)
        return;
    for (size_t i = 0; i < ks->n; i++)
        idp_jose_key_free(ks->keys[i].key);
    free(ks->jwks);
    idp_jwks_free(ks->verifier);
    free(ks);
}

const idp_jwks_t *idp_keyset_verifier(const idp_keyset_t *ks)
{
    return ks->verifier;
}

idp_keystore_t *idp_keystore_new(void)
{
    idp_keystore_t *st = calloc(1, sizeof(*st));
    if (st)
        pthread_mutex_init(&st->mu, NULL);
    return st;
}

void idp_keystore_set(idp_keystore_t *st, idp_keyset_t *ks)
{
    pthread_mutex_lock(&st->mu);
    idp_keyset_t *old = st->current;
    st->current = ks;
    pthread_mutex_unlock(&st->mu);
    idp_keyset_release(old);
}

idp_keyset_t *idp_keystore_get(idp_keystore_t *st)
{
    pthread_mutex_lock(&st->mu);
    idp_keyset_t *ks = st->current;
    if (ks)
        atomic_fetch_add(&ks->refs, 1);
    pthread_mutex_unlock(&st->mu);
    return ks;
}

void idp_keystore_free(idp_keystore_t *st)
{
    if (st == NULL)
        return;
    idp_keyset_release(st->current);
    pthread_mutex_destroy(&st->mu);
    free(st);
}

/*
 * Revocation from CRL files in a directory (jpki.md: J-LIS publishes DER
 * CRLs daily). The set is reloaded when a file is added, removed or changed;
 * readers share the current set under a read lock.
 */
#include <dirent.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "jpki/jpki.h"

#define CRL_REJECTED_KEYS 4

/*
 * What is worked out once per CRL instead of on every login:
 *  - its thisUpdate and nextUpdate as time_t;
 *  - the SHA-256 of issuer public keys whose check of its signature is done:
 *    the one it verified with (zero until then), and the last few it did not
 *    verify with. The generations of a root share one DN, so every login meets
 *    the other generations' CRLs too; remembering both outcomes checks each
 *    CRL's signature once per key, not once per login.
 */
typedef struct {
    time_t this_update, next_update;
    bool dated; /* both dates present and readable; otherwise the CRL never counts */
    unsigned char good[32];
    unsigned char bad[CRL_REJECTED_KEYS][32];
    unsigned nbad;
} crl_meta_t;

typedef struct {
    idp_jpki_revocation_t base;
    char *dir;
    pthread_rwlock_t lock;
    pthread_mutex_t reload;
    STACK_OF(X509_CRL) *crls;
    crl_meta_t *meta; /* one per CRL; the key records under the cache mutex */
    pthread_mutex_t cache;
    EVP_MD *sha256;       /* fetched once */
    unsigned long long fingerprint; /* of the directory listing: names, sizes, mtimes */
    time_t checked;
} crl_dir_t;

static unsigned long long listing_fingerprint(const char *dir)
{
    unsigned long long h = 1469598103934665603ULL; /* FNV-1a over name, size, mtime */
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.' || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        unsigned long long v[] = {(unsigned long long)st.st_size, (unsigned long long)st.st_mtim.tv_sec,
                                  (unsigned long long)st.st_mtim.tv_nsec};
        for (const char *c = e->d_name; *c; c++)
            h = (h ^ (unsigned char)*c) * 1099511628211ULL;
        for (size_t i = 0; i < 3; i++)
            h = (h ^ v[i]) * 1099511628211ULL;
    }
    if (d)
        closedir(d);
    return h;
}

static X509_CRL *read_crl(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    X509_CRL *c = d2i_X509_CRL_fp(f, NULL);
    if (c == NULL) {
        rewind(f);
        c = PEM_read_X509_CRL(f, NULL, NULL, NULL);
    }
    fclose(f);
    ERR_clear_error();
    return c;
}

static void reload(crl_dir_t *c)
{
    STACK_OF(X509_CRL) *fresh = sk_X509_CRL_new_null();
    DIR *d = opendir(c->dir);
    struct dirent *e;
    while (fresh && d && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || n < 5 || (strcmp(e->d_name + n - 4, ".crl") && strcmp(e->d_name + n - 4, ".pem")))
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", c->dir, e->d_name);
        X509_CRL *crl = read_crl(path);
        if (crl == NULL)
            idp_log_msg(IDP_LOG_WARN, "crl_unreadable", "%s", path);
        else if (!sk_X509_CRL_push(fresh, crl))
            X509_CRL_free(crl);
    }
    if (d)
        closedir(d);
    crl_meta_t *meta = fresh ? calloc((size_t)sk_X509_CRL_num(fresh) + 1, sizeof(*meta)) : NULL;
    if (meta == NULL) {
        sk_X509_CRL_pop_free(fresh, X509_CRL_free);
        return;
    }
    for (int i = 0; i < sk_X509_CRL_num(fresh); i++) {
        X509_CRL *crl = sk_X509_CRL_value(fresh, i);
        const ASN1_TIME *last = X509_CRL_get0_lastUpdate(crl), *next = X509_CRL_get0_nextUpdate(crl);
        struct tm tl, tn;
        meta[i].dated = last && next && ASN1_TIME_to_tm(last, &tl) == 1 && ASN1_TIME_to_tm(next, &tn) == 1;
        if (meta[i].dated) {
            meta[i].this_update = timegm(&tl);
            meta[i].next_update = timegm(&tn);
        }
    }
    pthread_rwlock_wrlock(&c->lock);
    STACK_OF(X509_CRL) *old = c->crls;
    crl_meta_t *old_meta = c->meta;
    c->crls = fresh;
    c->meta = meta;
    pthread_rwlock_unlock(&c->lock);
    sk_X509_CRL_pop_free(old, X509_CRL_free);
    free(old_meta);
    idp_log_msg(IDP_LOG_INFO, "crls_loaded", "%d CRLs from %s", sk_X509_CRL_num(fresh), c->dir);
}

/* Reloads at most once a second, and only when the directory changed. */
static void maybe_reload(crl_dir_t *c)
{
    time_t now = time(NULL);
    if (pthread_mutex_trylock(&c->reload) != 0)
        return;
    if (now != c->checked) {
        c->checked = now;
        unsigned long long fp = listing_fingerprint(c->dir);
        if (fp != c->fingerprint) {
            c->fingerprint = fp;
            reload(c);
        }
    }
    pthread_mutex_unlock(&c->reload);
}

static idp_jpki_reason_t check(idp_jpki_revocation_t *self, X509 *cert, X509 *issuer, time_t at)
{
    crl_dir_t *c = (crl_dir_t *)self;
    maybe_reload(c);
    idp_jpki_reason_t r = IDP_JPKI_REVOCATION_UNKNOWN;
    EVP_PKEY *ikey = X509_get0_pubkey(issuer);
    unsigned char kd[32];
    unsigned int kdlen = 0;
    if (ikey == NULL || X509_pubkey_digest(issuer, c->sha256, kd, &kdlen) != 1 || kdlen != 32)
        return IDP_JPKI_REVOCATION_UNKNOWN;
    pthread_rwlock_rdlock(&c->lock);
    for (int i = 0; c->crls && i < sk_X509_CRL_num(c->crls) && r != IDP_JPKI_REVOKED; i++) {
        X509_CRL *crl = sk_X509_CRL_value(c->crls, i);
        if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0)
            continue;
        /* The generations of a root share one DN: only the issuer's own key makes a CRL count. */
        crl_meta_t *k = &c->meta[i];
        pthread_mutex_lock(&c->cache);
        int known = memcmp(k->good, kd, 32) == 0 ? 1 : 0;
        for (unsigned j = 0; known == 0 && j < CRL_REJECTED_KEYS; j++)
            if (memcmp(k->bad[j], kd, 32) == 0)
                known = -1;
        pthread_mutex_unlock(&c->cache);
        if (known == 0) {
            int v = X509_CRL_verify(crl, ikey); /* 1 good, 0 another key's signature, < 0 an error: not remembered */
            known = v == 1 ? 1 : -1;
            pthread_mutex_lock(&c->cache);
            if (v == 1)
                memcpy(k->good, kd, 32);
            else if (v == 0)
                memcpy(k->bad[k->nbad++ % CRL_REJECTED_KEYS], kd, 32);
            pthread_mutex_unlock(&c->cache);
        }
        if (known < 0)
            continue; /* signed by another generation's key */
        if (!k->dated || k->this_update > at || k->next_update <= at)
            continue; /* not current at this time (as X509_cmp_time: thisUpdate <= at < nextUpdate) */
        X509_REVOKED *rev = NULL;
        r = X509_CRL_get0_by_cert(crl, &rev, cert) == 1 ? IDP_JPKI_REVOKED : IDP_JPKI_OK;
    }
    pthread_rwlock_unlock(&c->lock);
    ERR_clear_error();
    return r;
}

static void crl_free(idp_jpki_revocation_t *self)
{
    crl_dir_t *c = (crl_dir_t *)self;
    sk_X509_CRL_pop_free(c->crls, X509_CRL_free);
    free(c->meta);
    EVP_MD_free(c->sha256);
    pthread_mutex_destroy(&c->cache);
    pthread_rwlock_destroy(&c->lock);
    pthread_mutex_destroy(&c->reload);
    free(c->dir);
    free(c);
}

idp_err_t idp_jpki_crl_dir_new(const char *dir, idp_jpki_revocation_t **out)
{
    crl_dir_t *c = calloc(1, sizeof(*c));
    if (c == NULL || (c->dir = strdup(dir)) == NULL || (c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL) {
        if (c)
            free(c->dir);
        free(c);
        return IDP_E_NOMEM;
    }
    c->base.check = check;
    c->base.free = crl_free;
    pthread_rwlock_init(&c->lock, NULL);
    pthread_mutex_init(&c->reload, NULL);
    pthread_mutex_init(&c->cache, NULL);
    c->fingerprint = listing_fingerprint(dir);
    c->checked = time(NULL);
    reload(c);
    *out = &c->base;
    return IDP_OK;
}

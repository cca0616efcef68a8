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

typedef struct {
    idp_jpki_revocation_t base;
    char *dir;
    pthread_rwlock_t lock;
    pthread_mutex_t reload;
    STACK_OF(X509_CRL) *crls;
    /* Per CRL, the SHA-256 of the issuer public key whose signature on it was
     * verified (zero until then): each CRL's signature is checked once, not per login. */
    unsigned char (*verified)[32];
    pthread_mutex_t cache;
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
    unsigned char(*verified)[32] = fresh ? calloc((size_t)sk_X509_CRL_num(fresh) + 1, 32) : NULL;
    if (verified == NULL) {
        sk_X509_CRL_pop_free(fresh, X509_CRL_free);
        return;
    }
    pthread_rwlock_wrlock(&c->lock);
    STACK_OF(X509_CRL) *old = c->crls;
    unsigned char(*old_verified)[32] = c->verified;
    c->crls = fresh;
    c->verified = verified;
    pthread_rwlock_unlock(&c->lock);
    sk_X509_CRL_pop_free(old, X509_CRL_free);
    free(old_verified);
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
    if (ikey == NULL || X509_pubkey_digest(issuer, EVP_sha256(), kd, &kdlen) != 1 || kdlen != 32)
        return IDP_JPKI_REVOCATION_UNKNOWN;
    pthread_rwlock_rdlock(&c->lock);
    for (int i = 0; c->crls && i < sk_X509_CRL_num(c->crls) && r != IDP_JPKI_REVOKED; i++) {
        X509_CRL *crl = sk_X509_CRL_value(c->crls, i);
        if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0)
            continue;
        /* The generations of a root share one DN: only the issuer's own key makes a CRL count. */
        pthread_mutex_lock(&c->cache);
        bool known = memcmp(c->verified[i], kd, 32) == 0;
        pthread_mutex_unlock(&c->cache);
        if (!known) {
            if (X509_CRL_verify(crl, ikey) != 1)
                continue;
            pthread_mutex_lock(&c->cache);
            memcpy(c->verified[i], kd, 32);
            pthread_mutex_unlock(&c->cache);
        }
        const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
        if (X509_cmp_time(X509_CRL_get0_lastUpdate(crl), &at) > 0 || next == NULL || X509_cmp_time(next, &at) < 0)
            continue; /* not current at this time */
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
    free(c->verified);
    pthread_mutex_destroy(&c->cache);
    pthread_rwlock_destroy(&c->lock);
    pthread_mutex_destroy(&c->reload);
    free(c->dir);
    free(c);
}

idp_err_t idp_jpki_crl_dir_new(const char *dir, idp_jpki_revocation_t **out)
{
    crl_dir_t *c = calloc(1, sizeof(*c));
    if (c == NULL || (c->dir = strdup(dir)) == NULL) {
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

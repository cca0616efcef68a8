/*
 * Revocation from CRLs (jpki.md: J-LIS publishes DER CRLs daily): from files
 * in a directory, reloaded when a file is added, removed or changed, or from
 * memory (tests, the fuzzer). Readers share the current set under a read lock.
 *
 * What a CRL is evidence of (RFC 5280 §5, §6.3.3; docs/card.md "Revocation"):
 *  - nothing, unless it is by the certificate's issuer (its name, and a
 *    signature by the issuer's own key: root generations share one DN),
 *    current (thisUpdate <= at < nextUpdate), free of critical extensions we
 *    do not process (§5.2, §5.3), not indirect, and its scope
 *    (issuingDistributionPoint, §5.2.5) covers the certificate;
 *  - "revoked", when such a CRL lists the certificate;
 *  - "not revoked" only from a complete CRL: not a delta (deltaCRLIndicator,
 *    §5.2.4) and not partitioned by reason (onlySomeReasons). A delta CRL or a
 *    reason-partitioned CRL only ever adds revocations. So a delta is combined
 *    with the complete CRL as §5.2.4 and §6.3.3 describe, with two choices that
 *    fail closed: a delta never stands in for a missing or stale complete CRL,
 *    and its removeFromCRL entries do not release a certificate that a complete
 *    CRL still lists (a held card stays refused until the next complete CRL).
 * Without a current complete CRL that covers the certificate the answer is
 * IDP_JPKI_REVOCATION_UNKNOWN: the login fails closed.
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
/* CRLs in one directory or buffer, at most: J-LIS has a handful per purpose and generation. */
#define CRL_MAX 1024

/*
 * What is worked out once per CRL instead of on every login:
 *  - its thisUpdate and nextUpdate as time_t;
 *  - whether it can be evidence at all, and its scope;
 *  - the SHA-256 of issuer public keys whose check of its signature is done:
 *    the one it verified with (zero until then), and the last few it did not
 *    verify with. The generations of a root share one DN, so every login meets
 *    the other generations' CRLs too; remembering both outcomes checks each
 *    CRL's signature once per key, not once per login.
 */
typedef struct {
    time_t this_update, next_update;
    bool dated;               /* both dates present and readable; otherwise the CRL never counts */
    char unusable[128];       /* why it is never evidence, for the log; "" when it can be */
    bool delta;               /* deltaCRLIndicator (§5.2.4): revocations only */
    bool some_reasons;        /* IDP onlySomeReasons (§5.2.5): revocations only */
    bool only_user, only_ca;  /* IDP onlyContainsUserCerts / onlyContainsCACerts (§5.2.5) */
    GENERAL_NAMES *dp_names;  /* IDP distributionPoint fullName: a partition; NULL for the whole scope */
    unsigned char issuer[32]; /* SHA-256 of the issuer's name and key identifier: one issuer's CRLs (metrics) */
    unsigned char good[32];
    unsigned char bad[CRL_REJECTED_KEYS][32];
    unsigned nbad;
} crl_meta_t;

typedef struct {
    idp_jpki_revocation_t base;
    char *dir; /* NULL: a fixed set from memory */
    pthread_rwlock_t lock;
    pthread_mutex_t reload;
    STACK_OF(X509_CRL) * crls;
    crl_meta_t *meta; /* one per CRL; the key records under the cache mutex */
    pthread_mutex_t cache;
    EVP_MD *sha256;                 /* fetched once */
    unsigned long long fingerprint; /* of the directory listing: names, sizes, mtimes */
    time_t checked;
} crl_set_t;

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

#define UNUSABLE(m, ...) snprintf((m)->unusable, sizeof((m)->unusable), __VA_ARGS__)

/* RFC 5280 §5.2, §5.3: a critical extension we do not process makes the whole CRL unusable. */
static bool processed_critical(int nid, bool entry)
{
    if (entry) /* §5.3.1 reasonCode, §5.3.2 invalidityDate: read, and never widen what the entry says */
        return nid == NID_crl_reason || nid == NID_invalidity_date;
    /* §5.2.1 authorityKeyIdentifier (the issuer is found by key anyway), §5.2.3 cRLNumber,
     * §5.2.4 deltaCRLIndicator, §5.2.5 issuingDistributionPoint */
    return nid == NID_authority_key_identifier || nid == NID_crl_number || nid == NID_delta_crl ||
           nid == NID_issuing_distribution_point;
}

static void oid_text(const X509_EXTENSION *ext, char *out, size_t n)
{
    if (OBJ_obj2txt(out, (int)n, X509_EXTENSION_get_object((X509_EXTENSION *)ext), 1) <= 0)
        snprintf(out, n, "?");
}

/* Reads one CRL's extensions into @p m: whether it can be evidence, and its scope. */
/* Who issued @p crl, for telling issuers apart: SHA-256 of its issuer name (DER), then its key identifier when
 * it names one (the generations of a root share one name). All zero if it cannot be read. */
static void issuer_id(X509_CRL *crl, unsigned char out[32])
{
    unsigned char *der = NULL;
    int n = i2d_X509_NAME(X509_CRL_get_issuer(crl), &der);
    AUTHORITY_KEYID *akid = X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, NULL, NULL);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned len = 0;
    memset(out, 0, 32);
    if (n > 0 && ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 && EVP_DigestUpdate(ctx, der, (size_t)n) == 1 &&
        (!akid || !akid->keyid ||
         EVP_DigestUpdate(ctx, ASN1_STRING_get0_data(akid->keyid), (size_t)ASN1_STRING_length(akid->keyid)) == 1))
        (void)EVP_DigestFinal_ex(ctx, out, &len);
    EVP_MD_CTX_free(ctx);
    AUTHORITY_KEYID_free(akid);
    OPENSSL_free(der);
}

static void analyse(X509_CRL *crl, crl_meta_t *m)
{
    char oid[64];
    int crit = -1;
    const ASN1_TIME *last = X509_CRL_get0_lastUpdate(crl), *next = X509_CRL_get0_nextUpdate(crl);
    struct tm tl, tn;
    /* §5.1.2.5: nextUpdate is optional in the syntax but required of conforming issuers; without it a CRL is never current */
    m->dated = last && next && ASN1_TIME_to_tm(last, &tl) == 1 && ASN1_TIME_to_tm(next, &tn) == 1;
    issuer_id(crl, m->issuer);
    if (m->dated) {
        m->this_update = timegm(&tl);
        m->next_update = timegm(&tn);
    }
    /* §5.2: an unrecognised critical CRL extension: the CRL is not used */
    for (int i = 0; i < X509_CRL_get_ext_count(crl); i++) {
        X509_EXTENSION *ext = X509_CRL_get_ext(crl, i);
        if (X509_EXTENSION_get_critical(ext) &&
            !processed_critical(OBJ_obj2nid(X509_EXTENSION_get_object(ext)), false)) {
            oid_text(ext, oid, sizeof(oid));
            UNUSABLE(m, "critical CRL extension %s is not processed (RFC 5280 §5.2)", oid);
            return;
        }
    }
    /* §5.3: the same for an entry's critical extension (certificateIssuer among them: indirect CRLs are not used) */
    STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(crl);
    for (int i = 0; i < sk_X509_REVOKED_num(revs); i++) {
        const STACK_OF(X509_EXTENSION) *exts = X509_REVOKED_get0_extensions(sk_X509_REVOKED_value(revs, i));
        for (int j = 0; j < sk_X509_EXTENSION_num(exts); j++) {
            X509_EXTENSION *ext = sk_X509_EXTENSION_value(exts, j);
            if (X509_EXTENSION_get_critical(ext) &&
                !processed_critical(OBJ_obj2nid(X509_EXTENSION_get_object(ext)), true)) {
                oid_text(ext, oid, sizeof(oid));
                UNUSABLE(m, "critical entry extension %s is not processed (RFC 5280 §5.3)", oid);
                return;
            }
        }
    }
    /* §5.2.4 deltaCRLIndicator; crit -2: the extension twice, -1: absent, else present (NULL when it does not decode) */
    ASN1_INTEGER *base = X509_CRL_get_ext_d2i(crl, NID_delta_crl, &crit, NULL);
    m->delta = base != NULL;
    ASN1_INTEGER_free(base);
    if (crit == -2 || (crit >= 0 && !m->delta)) {
        UNUSABLE(m, "deltaCRLIndicator unreadable or repeated");
        return;
    }
    /* §5.2.5 issuingDistributionPoint: the CRL's scope */
    ISSUING_DIST_POINT *idp = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &crit, NULL);
    if (crit == -2 || (crit >= 0 && idp == NULL)) {
        UNUSABLE(m, "issuingDistributionPoint unreadable or repeated");
        return;
    }
    if (idp == NULL)
        return; /* the whole scope: every certificate of the issuer, every reason */
    int onlies = (idp->onlyuser > 0) + (idp->onlyCA > 0) + (idp->onlyattr > 0);
    if (onlies > 1)
        UNUSABLE(m, "issuingDistributionPoint asserts more than one of onlyContains* (RFC 5280 §5.2.5)");
    else if (idp->onlyattr > 0)
        UNUSABLE(m, "attribute certificates only (onlyContainsAttributeCerts)");
    else if (idp->indirectCRL > 0) /* entries may be another issuer's (certificateIssuer): not processed */
        UNUSABLE(m, "indirect CRL (indirectCRL): entries of other issuers are not processed");
    else if (idp->distpoint && idp->distpoint->type != 0)
        UNUSABLE(m, "distribution point named relative to the issuer: not processed");
    m->only_user = idp->onlyuser > 0;
    m->only_ca = idp->onlyCA > 0;
    m->some_reasons = idp->onlysomereasons != NULL;
    if (!m->unusable[0] && idp->distpoint) {
        m->dp_names = idp->distpoint->name.fullname; /* taken over */
        idp->distpoint->name.fullname = NULL;
    }
    ISSUING_DIST_POINT_free(idp);
}

/*
 * RFC 5280 §6.3.3 (b)(2): does the scope of the CRL of @p m cover @p cert?
 * A CA certificate is outside an onlyContainsUserCerts CRL and a card outside
 * an onlyContainsCACerts one (an ARL). A partitioned CRL (a distribution point
 * in its IDP) covers only certificates whose cRLDistributionPoints name that
 * point; a certificate with none is outside every partition.
 */
static bool covers(const crl_meta_t *m, X509 *cert)
{
    bool ca = (X509_get_extension_flags(cert) & EXFLAG_CA) != 0; /* basicConstraints cA asserted */
    if (m->unusable[0] || (m->only_user && ca) || (m->only_ca && !ca))
        return false;
    if (m->dp_names == NULL)
        return true;
    bool match = false;
    STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
    for (int i = 0; !match && i < sk_DIST_POINT_num(dps); i++) {
        DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
        if (dp->distpoint == NULL || dp->distpoint->type != 0 || dp->CRLissuer != NULL)
            continue; /* a point named relative to the issuer, or another CRL issuer: not processed */
        for (int a = 0; !match && a < sk_GENERAL_NAME_num(dp->distpoint->name.fullname); a++)
            for (int b = 0; !match && b < sk_GENERAL_NAME_num(m->dp_names); b++)
                match = GENERAL_NAME_cmp(sk_GENERAL_NAME_value(dp->distpoint->name.fullname, a),
                                         sk_GENERAL_NAME_value(m->dp_names, b)) == 0;
    }
    sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
    return match;
}

static void meta_free(crl_meta_t *meta, int n)
{
    for (int i = 0; meta && i < n; i++)
        GENERAL_NAMES_free(meta[i].dp_names);
    free(meta);
}

/*
 * Analyses @p fresh and makes it the current set (taking it over). @p from
 * names its origin for the log, and @p names each CRL's file; with @p from
 * NULL nothing is logged (CRLs from memory: tests and the fuzzer).
 */
static void install(crl_set_t *c, STACK_OF(X509_CRL) * fresh, char *const *names, const char *from)
{
    int n = fresh ? sk_X509_CRL_num(fresh) : 0, usable = 0;
    crl_meta_t *meta = fresh ? calloc((size_t)n + 1, sizeof(*meta)) : NULL;
    if (meta == NULL) {
        sk_X509_CRL_pop_free(fresh, X509_CRL_free);
        return;
    }
    for (int i = 0; i < n; i++) {
        analyse(sk_X509_CRL_value(fresh, i), &meta[i]);
        if (!meta[i].unusable[0])
            usable++;
        else if (from)
            idp_log_msg(IDP_LOG_WARN, "crl_unusable", "%s: not used: %s", names && names[i] ? names[i] : from,
                        meta[i].unusable);
    }
    ERR_clear_error();
    pthread_rwlock_wrlock(&c->lock);
    STACK_OF(X509_CRL) *old = c->crls;
    crl_meta_t *old_meta = c->meta;
    int old_n = old ? sk_X509_CRL_num(old) : 0;
    c->crls = fresh;
    c->meta = meta;
    pthread_rwlock_unlock(&c->lock);
    meta_free(old_meta, old_n);
    sk_X509_CRL_pop_free(old, X509_CRL_free);
    if (from)
        idp_log_msg(IDP_LOG_INFO, "crls_loaded", "%d CRLs from %s (%d usable)", n, from, usable);
}

static void reload(crl_set_t *c)
{
    STACK_OF(X509_CRL) *fresh = sk_X509_CRL_new_null();
    char **names = calloc(CRL_MAX, sizeof(*names));
    DIR *d = opendir(c->dir);
    struct dirent *e;
    while (fresh && names && d && (e = readdir(d)) != NULL && sk_X509_CRL_num(fresh) < CRL_MAX) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || n < 5 || (strcmp(e->d_name + n - 4, ".crl") && strcmp(e->d_name + n - 4, ".pem")))
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", c->dir, e->d_name);
        X509_CRL *crl = read_crl(path);
        if (crl == NULL) {
            idp_log_msg(IDP_LOG_WARN, "crl_unreadable", "%s", path);
        } else if (!sk_X509_CRL_push(fresh, crl)) {
            X509_CRL_free(crl);
        } else {
            names[sk_X509_CRL_num(fresh) - 1] = strdup(path);
        }
    }
    if (d)
        closedir(d);
    if (names == NULL) {
        sk_X509_CRL_pop_free(fresh, X509_CRL_free);
        fresh = NULL;
    }
    install(c, fresh, names, c->dir);
    for (int i = 0; names && i < CRL_MAX; i++)
        free(names[i]);
    free(names);
}

/* Reloads at most once a second, and only when the directory changed. */
static void maybe_reload(crl_set_t *c)
{
    if (c->dir == NULL)
        return;
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

/* 1 when CRL @p i's signature verifies with the issuer key @p ikey (SHA-256 @p kd), else 0. Under the read lock. */
static int signed_by(crl_set_t *c, int i, EVP_PKEY *ikey, const unsigned char kd[32])
{
    crl_meta_t *k = &c->meta[i];
    pthread_mutex_lock(&c->cache);
    int known = memcmp(k->good, kd, 32) == 0 ? 1 : 0;
    for (unsigned j = 0; known == 0 && j < CRL_REJECTED_KEYS; j++)
        if (memcmp(k->bad[j], kd, 32) == 0)
            known = -1;
    pthread_mutex_unlock(&c->cache);
    if (known == 0) {
        /* RFC 5280 §6.3.3 (f): the CRL's signature with the certificate issuer's own key */
        int v = X509_CRL_verify(sk_X509_CRL_value(c->crls, i),
                                ikey); /* 1 good, 0 another key's, < 0 an error: not remembered */
        known = v == 1 ? 1 : -1;
        pthread_mutex_lock(&c->cache);
        if (v == 1)
            memcpy(k->good, kd, 32);
        else if (v == 0)
            memcpy(k->bad[k->nbad++ % CRL_REJECTED_KEYS], kd, 32);
        pthread_mutex_unlock(&c->cache);
    }
    return known == 1;
}

static idp_jpki_reason_t check(idp_jpki_revocation_t *self, X509 *cert, X509 *issuer, time_t at)
{
    crl_set_t *c = (crl_set_t *)self;
    maybe_reload(c);
    bool complete = false, revoked = false;
    EVP_PKEY *ikey = X509_get0_pubkey(issuer);
    unsigned char kd[32];
    unsigned int kdlen = 0;
    if (ikey == NULL || X509_pubkey_digest(issuer, c->sha256, kd, &kdlen) != 1 || kdlen != 32)
        return IDP_JPKI_REVOCATION_UNKNOWN;
    pthread_rwlock_rdlock(&c->lock);
    for (int i = 0; c->crls && i < sk_X509_CRL_num(c->crls) && !revoked; i++) {
        X509_CRL *crl = sk_X509_CRL_value(c->crls, i);
        const crl_meta_t *m = &c->meta[i];
        /* RFC 5280 §6.3.3 (b)(1): the CRL issuer is the certificate's issuer (not indirect: see analyse) */
        if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0)
            continue;
        /* §5.2, §5.2.5, §6.3.3 (b)(2): usable, and its scope covers this certificate */
        if (!covers(m, cert))
            continue;
        /* §6.3.3 (a): current at this time (as X509_cmp_time: thisUpdate <= at < nextUpdate) */
        if (!m->dated || m->this_update > at || m->next_update <= at)
            continue;
        /* §6.3.3 (f): the generations of a root share one DN: only the issuer's own key makes a CRL count */
        if (!signed_by(c, i, ikey, kd))
            continue;
        /* §6.3.3 (i): listed is revoked. 2 is an entry with reason removeFromCRL (§5.3.1): in a delta it
         * releases a hold of the complete CRL, which still lists the certificate and still decides (we fail
         * closed); a complete CRL may not carry it, and if it does the certificate is listed all the same. */
        X509_REVOKED *rev = NULL;
        int listed = X509_CRL_get0_by_cert(crl, &rev, cert);
        if (listed == 1 || (listed == 2 && !m->delta))
            revoked = true;
        /* §5.2.4, §5.2.5: only a complete CRL, for every reason, can say "not revoked" */
        if (!m->delta && !m->some_reasons)
            complete = true;
    }
    pthread_rwlock_unlock(&c->lock);
    ERR_clear_error();
    return revoked ? IDP_JPKI_REVOKED : complete ? IDP_JPKI_OK : IDP_JPKI_REVOCATION_UNKNOWN;
}

/*
 * The revocation data's age for /metrics: of each issuer's newest complete
 * CRL that can be evidence (superseded ones and deltas aside), the oldest
 * thisUpdate, and the nearest nextUpdate, when card sign-ins begin to fail
 * closed (revocation_unknown) unless a newer CRL arrives. Alert on the
 * second before it passes (docs/deployment.md, "Alerts").
 */
static void crl_metrics(idp_jpki_revocation_t *self, idp_buf_t *out)
{
    crl_set_t *c = (crl_set_t *)self;
    maybe_reload(c);
    time_t now = time(NULL), oldest = 0, nearest = 0;
    int issuers = 0;
    pthread_rwlock_rdlock(&c->lock);
    int n = c->crls ? sk_X509_CRL_num(c->crls) : 0;
    for (int i = 0; i < n; i++) {
        const crl_meta_t *m = &c->meta[i];
        if (m->unusable[0] || !m->dated || m->delta || m->some_reasons)
            continue;
        bool newest = true; /* no newer complete CRL of the same issuer */
        for (int j = 0; j < n && newest; j++) {
            const crl_meta_t *o = &c->meta[j];
            if (j != i && !o->unusable[0] && o->dated && !o->delta && !o->some_reasons &&
                (o->this_update > m->this_update || (o->this_update == m->this_update && j < i)) &&
                memcmp(o->issuer, m->issuer, 32) == 0)
                newest = false;
        }
        if (!newest)
            continue;
        issuers++;
        if (oldest == 0 || m->this_update < oldest)
            oldest = m->this_update;
        if (nearest == 0 || m->next_update < nearest)
            nearest = m->next_update;
    }
    pthread_rwlock_unlock(&c->lock);
    idp_buf_printf(out,
                   "# HELP sakaid_revocation_crl_issuers Issuers with a current, usable CRL.\n"
                   "# TYPE sakaid_revocation_crl_issuers gauge\nsakaid_revocation_crl_issuers %d\n",
                   issuers);
    if (issuers == 0)
        return;
    idp_buf_printf(out,
                   "# HELP sakaid_revocation_crl_age_seconds Age of the oldest of the issuers' current CRLs "
                   "(since its thisUpdate).\n# TYPE sakaid_revocation_crl_age_seconds gauge\n"
                   "sakaid_revocation_crl_age_seconds %lld\n"
                   "# HELP sakaid_revocation_crl_expires_in_seconds Until the nearest nextUpdate of the issuers' "
                   "current CRLs (negative: past; card sign-ins fail closed).\n"
                   "# TYPE sakaid_revocation_crl_expires_in_seconds gauge\n"
                   "sakaid_revocation_crl_expires_in_seconds %lld\n",
                   (long long)(now - oldest), (long long)(nearest - now));
}

static void crl_free(idp_jpki_revocation_t *self)
{
    crl_set_t *c = (crl_set_t *)self;
    meta_free(c->meta, c->crls ? sk_X509_CRL_num(c->crls) : 0);
    sk_X509_CRL_pop_free(c->crls, X509_CRL_free);
    EVP_MD_free(c->sha256);
    pthread_mutex_destroy(&c->cache);
    pthread_rwlock_destroy(&c->lock);
    pthread_mutex_destroy(&c->reload);
    free(c->dir);
    free(c);
}

static crl_set_t *set_new(const char *dir)
{
    crl_set_t *c = calloc(1, sizeof(*c));
    if (c == NULL || (dir && (c->dir = strdup(dir)) == NULL) ||
        (c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL) {
        if (c)
            free(c->dir);
        free(c);
        return NULL;
    }
    c->base.check = check;
    c->base.free = crl_free;
    c->base.metrics = crl_metrics;
    pthread_rwlock_init(&c->lock, NULL);
    pthread_mutex_init(&c->reload, NULL);
    pthread_mutex_init(&c->cache, NULL);
    return c;
}

idp_err_t idp_jpki_crl_dir_new(const char *dir, idp_jpki_revocation_t **out)
{
    crl_set_t *c = set_new(dir);
    if (c == NULL)
        return IDP_E_NOMEM;
    c->fingerprint = listing_fingerprint(dir);
    c->checked = time(NULL);
    reload(c);
    *out = &c->base;
    return IDP_OK;
}

idp_err_t idp_jpki_crl_mem_new(const unsigned char *der, size_t len, idp_jpki_revocation_t **out)
{
    crl_set_t *c = set_new(NULL);
    STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();
    if (c == NULL || crls == NULL) {
        sk_X509_CRL_free(crls);
        if (c)
            crl_free(&c->base);
        return IDP_E_NOMEM;
    }
    const unsigned char *p = der, *end = der + len;
    while (p < end && sk_X509_CRL_num(crls) < CRL_MAX) {
        X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)(end - p));
        if (crl == NULL)
            break; /* the rest is not a CRL: what came before counts */
        if (!sk_X509_CRL_push(crls, crl))
            X509_CRL_free(crl);
    }
    ERR_clear_error();
    install(c, crls, NULL, NULL);
    *out = &c->base;
    return IDP_OK;
}

/*
 * JPKI certificate and signature verification (jpki.md "Verification in
 * OpenSSL"), with a cache of certificates whose path already validated.
 */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/b64.h"
#include "jpki/jpki.h"

/* Certificate policies (jpki.md): [purpose][0] production, [1] test cards. */
static const char *const policy_oid[2][2] = {
    [IDP_JPKI_AUTH] = {"1.2.392.200149.8.5.1.3.30", "1.2.392.200149.8.5.1.3.30"},
    [IDP_JPKI_SIGN] = {"1.2.392.200149.8.5.1.1.20", "1.2.392.200149.8.5.1.0.20"},
};

/* The DER of DigestInfo { sha256, NULL, OCTET STRING(32) } without the digest (jpki.md "What the card signs"). */
static const unsigned char sha256_digest_info[19] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                                     0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};

/*
 * The verified-certificate cache.
 *
 * Path validation (DER decoding, the chain to a pinned root and the root's
 * signature on the certificate, key strength, keyUsage, policy, the signing
 * certificate's attributes) depends only on the certificate, the pinned roots
 * and the verification time; a resident's certificate is the same on every
 * login for years. So a certificate that passed every check once is kept,
 * keyed by SHA-256 of its DER and the purpose, and a later login with it skips
 * the decoding and the chain. What can change between two logins is checked
 * on every hit: the verification time against the validity of the certificate
 * and its root (outside it, the full path runs and gives its own reason),
 * revocation through the revocation source, and the card's signature over this
 * login's message.
 *
 * Entries are immutable once inserted (but for a few idle verification
 * contexts, taken and given back under the lock) and reference-counted: a hit
 * takes a reference under the lock and does its RSA and CRL work after
 * releasing it.
 * Eviction is least-recently-used (a hash table with chaining plus a doubly
 * linked list, both O(1)). Only successful verifications are inserted.
 */
/* Prepared EVP_PKEY_CTXs kept per entry: setting one up costs about an eighth of the RSA verify itself. */
#define IDLE_CTX 8

typedef struct cache_entry cache_entry_t;
struct cache_entry {
    unsigned char sha256[32]; /* of the certificate's DER: the key, with purpose */
    idp_jpki_purpose_t purpose;
    atomic_uint refs;             /* the cache's own, plus one per verification using the entry */
    cache_entry_t *bucket_next;   /* hash chain */
    cache_entry_t *newer, *older; /* LRU list */
    EVP_PKEY_CTX *idle[IDLE_CTX]; /* verification contexts for key, ready for EVP_PKEY_verify */
    unsigned nidle;
    /* From here on, read-only after insertion. */
    X509 *cert, *issuer;            /* for the revocation source */
    EVP_PKEY *key;                  /* the card's public key */
    time_t valid_from, valid_until; /* the certificate's validity within its root's */
    char issuer_key_id[65], serial[65], subject_cn[80];
    long long not_after;
    idp_jpki_attrs_t *attrs; /* signing certificates only */
};

typedef struct {
    pthread_mutex_t lock;
    size_t cap, n, mask;     /* cap 0: no cache */
    cache_entry_t **buckets; /* mask + 1 of them, at least 2 * cap */
    cache_entry_t *newest, *oldest;
    atomic_ulong hits, misses;
} cache_t;

struct idp_jpki_trust {
    X509_STORE *store[2]; /* the pinned roots of each purpose, and nothing else */
    bool test_roots;
    /* Anchors: SHA-256 of the SubjectPublicKeyInfo a root of each purpose may have, and whether one had it. */
    unsigned char anchor[2][IDP_JPKI_MAX_ANCHORS][32];
    bool anchor_used[2][IDP_JPKI_MAX_ANCHORS];
    size_t nanchors[2];
    idp_jpki_revocation_t *rev;
    atomic_ulong counts[IDP_JPKI__COUNT];
    /* Prepared once instead of looked up per verification. */
    EVP_MD *sha256;
    ASN1_OBJECT *policy[2][2]; /* policy_oid */
    cache_t cache;
};

/* The reason codes (the texts a resident reads are in the message catalogue, ui/messages.c). */
static const char *const reasons[IDP_JPKI__COUNT] = {
    [IDP_JPKI_OK] = "ok",
    [IDP_JPKI_BAD_SIGNATURE] = "bad_signature",
    [IDP_JPKI_UNKNOWN_ISSUER] = "unknown_issuer",
    [IDP_JPKI_EXPIRED] = "expired",
    [IDP_JPKI_REVOKED] = "revoked",
    [IDP_JPKI_WRONG_PURPOSE] = "wrong_purpose",
    [IDP_JPKI_POLICY_MISSING] = "policy_missing",
    [IDP_JPKI_WEAK_KEY] = "weak_key",
    [IDP_JPKI_MALFORMED] = "malformed",
    [IDP_JPKI_REVOCATION_UNKNOWN] = "revocation_unknown",
    [IDP_JPKI_NOT_YET_VALID] = "not_yet_valid",
    [IDP_JPKI_BAD_KEY_USAGE] = "bad_key_usage",
};

/* The settings that list each purpose's roots and anchors, for messages (docs/configuration.md). */
static const char *const roots_setting[2] = {"jpki.auth_roots", "jpki.sign_roots"};
static const char *const anchors_setting[2] = {"jpki.auth_anchors", "jpki.sign_anchors"};
static const char *const purpose_name[2] = {"authentication", "signing"};

const char *idp_jpki_reason_code(idp_jpki_reason_t r)
{
    return r < IDP_JPKI__COUNT ? reasons[r] : "malformed";
}

/* ---- the cache ----------------------------------------------------------- */

static void entry_free(cache_entry_t *e)
{
    while (e->nidle > 0)
        EVP_PKEY_CTX_free(e->idle[--e->nidle]);
    X509_free(e->cert);
    X509_free(e->issuer);
    EVP_PKEY_free(e->key);
    free(e->attrs);
    free(e);
}

static void entry_release(cache_entry_t *e)
{
    if (e && atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1)
        entry_free(e);
}

static size_t bucket_of(const cache_t *c, const unsigned char sha256[32], idp_jpki_purpose_t purpose)
{
    uint64_t h;
    memcpy(&h, sha256, sizeof(h)); /* a SHA-256 is uniform already; only validated certificates get in */
    return (size_t)(h ^ (uint64_t)purpose) & c->mask;
}

static idp_err_t cache_init(cache_t *c, size_t cap)
{
    pthread_mutex_init(&c->lock, NULL);
    if ((c->cap = cap) == 0)
        return IDP_OK;
    size_t nb = 2;
    while (nb < 2 * cap)
        nb *= 2;
    c->mask = nb - 1;
    c->buckets = calloc(nb, sizeof(*c->buckets));
    return c->buckets ? IDP_OK : IDP_E_NOMEM;
}

/* Takes @p e out of the table and the list; the cache's reference passes to the caller. Under the lock. */
static void cache_unlink(cache_t *c, cache_entry_t *e)
{
    cache_entry_t **pp = &c->buckets[bucket_of(c, e->sha256, e->purpose)];
    while (*pp != e)
        pp = &(*pp)->bucket_next;
    *pp = e->bucket_next;
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    c->n--;
}

static void lru_push_newest(cache_t *c, cache_entry_t *e)
{
    e->newer = NULL;
    e->older = c->newest;
    if (c->newest)
        c->newest->newer = e;
    c->newest = e;
    if (c->oldest == NULL)
        c->oldest = e;
}

/*
 * The entry for (@p sha256, @p purpose) with a reference the caller releases,
 * or NULL. *@p ctx gets one of its idle verification contexts, if any (give
 * it back with cache_put_ctx).
 */
static cache_entry_t *cache_get(cache_t *c, const unsigned char sha256[32], idp_jpki_purpose_t purpose,
                                EVP_PKEY_CTX **ctx)
{
    *ctx = NULL;
    if (c->cap == 0)
        return NULL;
    pthread_mutex_lock(&c->lock);
    cache_entry_t *e = c->buckets[bucket_of(c, sha256, purpose)];
    while (e && (e->purpose != purpose || memcmp(e->sha256, sha256, 32) != 0)) /* all 32 bytes */
        e = e->bucket_next;
    if (e) {
        atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
        if (e->nidle > 0)
            *ctx = e->idle[--e->nidle];
        if (c->newest != e) { /* most recently used */
            e->newer->older = e->older;
            if (e->older)
                e->older->newer = e->newer;
            else
                c->oldest = e->newer;
            lru_push_newest(c, e);
        }
    }
    pthread_mutex_unlock(&c->lock);
    return e;
}

/* Gives verification context @p ctx for @p e's key back to @p e (freed when it has enough). */
static void cache_put_ctx(cache_t *c, cache_entry_t *e, EVP_PKEY_CTX *ctx)
{
    if (ctx == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    if (e->nidle < IDLE_CTX) {
        e->idle[e->nidle++] = ctx;
        ctx = NULL;
    }
    pthread_mutex_unlock(&c->lock);
    EVP_PKEY_CTX_free(ctx);
}

/* Inserts @p e (taking the caller's reference) unless its key is there already; evicts the oldest when full. */
static void cache_put(cache_t *c, cache_entry_t *e)
{
    cache_entry_t *drop = NULL;
    pthread_mutex_lock(&c->lock);
    size_t b = bucket_of(c, e->sha256, e->purpose);
    cache_entry_t *x = c->buckets[b];
    while (x && (x->purpose != e->purpose || memcmp(x->sha256, e->sha256, 32) != 0))
        x = x->bucket_next;
    if (x) {
        drop = e; /* another thread verified the same certificate meanwhile */
    } else {
        if (c->n == c->cap) {
            drop = c->oldest;
            cache_unlink(c, drop);
        }
        e->bucket_next = c->buckets[b];
        c->buckets[b] = e;
        lru_push_newest(c, e);
        c->n++;
    }
    pthread_mutex_unlock(&c->lock);
    entry_release(drop); /* outside the lock: it may free OpenSSL objects */
}

static void cache_clear(cache_t *c)
{
    pthread_mutex_lock(&c->lock);
    cache_entry_t *all = c->newest;
    c->newest = c->oldest = NULL;
    c->n = 0;
    if (c->buckets)
        memset(c->buckets, 0, (c->mask + 1) * sizeof(*c->buckets));
    pthread_mutex_unlock(&c->lock);
    while (all) {
        cache_entry_t *next = all->older;
        entry_release(all);
        all = next;
    }
}

static time_t asn1_time(const ASN1_TIME *a, bool *ok)
{
    struct tm tm;
    if (a == NULL || ASN1_TIME_to_tm(a, &tm) != 1) {
        *ok = false;
        return 0;
    }
    return timegm(&tm);
}

/*
 * A new entry (one reference) for certificate @p x, verified for @p purpose
 * with issuer @p issuer into @p res; NULL when out of memory or the dates do
 * not convert (then the certificate is simply not cached).
 */
static cache_entry_t *entry_new(idp_jpki_purpose_t purpose, X509 *x, X509 *issuer, const idp_jpki_result_t *res)
{
    EVP_PKEY *key = X509_get0_pubkey(x);
    bool ok = true;
    time_t from = asn1_time(X509_get0_notBefore(x), &ok), until = asn1_time(X509_get0_notAfter(x), &ok);
    time_t root_from = asn1_time(X509_get0_notBefore(issuer), &ok),
           root_until = asn1_time(X509_get0_notAfter(issuer), &ok);
    cache_entry_t *e = ok && key ? calloc(1, sizeof(*e)) : NULL;
    if (e == NULL)
        return NULL;
    if (res->has_attrs && (e->attrs = malloc(sizeof(*e->attrs))) == NULL) {
        free(e);
        return NULL;
    }
    memcpy(e->sha256, res->cert_sha256, 32);
    e->purpose = purpose;
    atomic_init(&e->refs, 1);
    X509_up_ref(x);
    X509_up_ref(issuer);
    EVP_PKEY_up_ref(key);
    e->cert = x;
    e->issuer = issuer;
    e->key = key;
    /* X509_verify_cert checks the root's validity as well as the leaf's. */
    e->valid_from = from > root_from ? from : root_from;
    e->valid_until = until < root_until ? until : root_until;
    memcpy(e->issuer_key_id, res->issuer_key_id, sizeof(e->issuer_key_id));
    memcpy(e->serial, res->serial, sizeof(e->serial));
    memcpy(e->subject_cn, res->subject_cn, sizeof(e->subject_cn));
    e->not_after = res->not_after;
    if (e->attrs)
        *e->attrs = res->attrs;
    return e;
}

idp_jpki_trust_t *idp_jpki_trust_new_with_cache(bool test_roots, size_t cache_entries)
{
    idp_jpki_trust_t *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->test_roots = test_roots;
    bool ok =
        cache_init(&t->cache, cache_entries) == IDP_OK && (t->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) != NULL;
    for (int p = 0; p < 2; p++) {
        ok = ok && (t->store[p] = X509_STORE_new()) != NULL;
        for (int i = 0; i < 2; i++)
            ok = ok && (t->policy[p][i] = OBJ_txt2obj(policy_oid[p][i], 1)) != NULL;
    }
    if (!ok) {
        idp_jpki_trust_free(t);
        return NULL;
    }
    return t;
}

idp_jpki_trust_t *idp_jpki_trust_new(bool test_roots)
{
    return idp_jpki_trust_new_with_cache(test_roots, IDP_JPKI_CACHE_ENTRIES);
}

/*
 * A second guard behind the keys: O=JPKI-TEST in any string type (the
 * test CA's roots are BMPString in one case: keys/jpki-test-ca), compared
 * after conversion to UTF-8, ignoring ASCII case.
 */
static bool is_test_root(X509 *x)
{
    X509_NAME *n = X509_get_subject_name(x);
    for (int i = -1; (i = X509_NAME_get_index_by_NID(n, NID_organizationName, i)) >= 0;) {
        unsigned char *u = NULL;
        int len = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)));
        bool test = len == 9 && strncasecmp((const char *)u, "JPKI-TEST", 9) == 0;
        OPENSSL_free(u);
        if (test)
            return true;
    }
    return false;
}

/*
 * The digest as base64url, as the settings take it (and as keys/jpki-test-ca
 * writes roots/anchors.json): 43 characters, but idp_b64url_encode writes the
 * padded 44 and a NUL before it trims the padding.
 */
static void digest_text(const unsigned char d[32], char out[48])
{
    idp_b64url_encode(d, 32, out);
}

/* The root's subject for a message, one line, UTF-8, at most @p n - 1 bytes. */
static void subject_text(X509 *x, char *out, size_t n)
{
    BIO *b = BIO_new(BIO_s_mem());
    int len = b ? X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) : -1;
    len = len > 0 ? BIO_read(b, out, (int)n - 1) : 0;
    out[len > 0 ? len : 0] = '\0';
    BIO_free(b);
}

idp_err_t idp_jpki_trust_add_anchor(idp_jpki_trust_t *t, idp_jpki_purpose_t purpose,
                                    const unsigned char spki_sha256[32], char *err, size_t errlen)
{
    char d[48];
    idp_jpki_purpose_t tp;
    digest_text(spki_sha256, d);
    /* Pinned by key (RFC 5280 §6.1.1 (d)): a test CA key is a test anchor under any name (anchors.c). */
    if (!t->test_roots && idp_jpki_test_anchor(spki_sha256, &tp)) {
        snprintf(err, errlen,
                 "\"%s\" lists %s, the key of the SakaI-D test CA's %s root (keys/jpki-test-ca, whose private keys "
                 "are public): test anchors are trusted only with dev_mode on",
                 anchors_setting[purpose], d, purpose_name[tp]);
        return IDP_E_INVALID_REQUEST;
    }
    for (size_t i = 0; i < t->nanchors[purpose]; i++)
        if (memcmp(t->anchor[purpose][i], spki_sha256, 32) == 0)
            return IDP_OK;
    if (t->nanchors[purpose] == IDP_JPKI_MAX_ANCHORS) {
        snprintf(err, errlen, "\"%s\" has more than %d anchors", anchors_setting[purpose], IDP_JPKI_MAX_ANCHORS);
        return IDP_E_INVALID_REQUEST;
    }
    memcpy(t->anchor[purpose][t->nanchors[purpose]++], spki_sha256, 32);
    return IDP_OK;
}

/* Whether root @p x may be pinned for @p purpose: its key is an anchor (or, in dev mode, the test CA's). */
static idp_err_t root_allowed(idp_jpki_trust_t *t, idp_jpki_purpose_t purpose, X509 *x, const char *path, char *err,
                              size_t errlen)
{
    unsigned char d[32];
    char dt[48], subject[192];
    idp_jpki_purpose_t tp = purpose;
    if (!idp_jpki_spki_sha256(x, d)) {
        snprintf(err, errlen, "\"%s\" (%s): a root's public key cannot be encoded", roots_setting[purpose], path);
        return IDP_E_INVALID_REQUEST;
    }
    digest_text(d, dt);
    subject_text(x, subject, sizeof(subject));
    bool test_key = idp_jpki_test_anchor(d, &tp);
    if (!t->test_roots && test_key) {
        snprintf(err, errlen,
                 "\"%s\" (%s): root \"%s\" has the key of the SakaI-D test CA (SPKI SHA-256 %s; keys/jpki-test-ca, "
                 "whose private keys are public): test roots are trusted only with dev_mode on",
                 roots_setting[purpose], path, subject, dt);
        return IDP_E_INVALID_REQUEST;
    }
    if (!t->test_roots && is_test_root(x)) {
        snprintf(err, errlen, "\"%s\" (%s): root \"%s\" is a test root (O=JPKI-TEST): trusted only with dev_mode on",
                 roots_setting[purpose], path, subject);
        return IDP_E_INVALID_REQUEST;
    }
    for (size_t i = 0; i < t->nanchors[purpose]; i++)
        if (memcmp(t->anchor[purpose][i], d, 32) == 0) {
            t->anchor_used[purpose][i] = true;
            return IDP_OK;
        }
    if (t->test_roots && test_key && tp == purpose)
        return IDP_OK; /* dev mode: the test CA's own root of this purpose */
    snprintf(err, errlen, "\"%s\" (%s): root \"%s\" has the key SPKI SHA-256 %s, which \"%s\" does not list",
             roots_setting[purpose], path, subject, dt, anchors_setting[purpose]);
    return IDP_E_INVALID_REQUEST;
}

idp_err_t idp_jpki_trust_add_roots(idp_jpki_trust_t *t, idp_jpki_purpose_t purpose, const char *path, char *err,
                                   size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "\"%s\": cannot read JPKI roots %s", roots_setting[purpose], path);
        return IDP_E_INVALID_REQUEST;
    }
    int added = 0;
    idp_err_t ret = IDP_OK;
    X509 *x;
    while (ret == IDP_OK && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
        if (X509_check_issued(x, x) != X509_V_OK || !X509_check_ca(x)) {
            snprintf(err, errlen, "\"%s\" (%s): a pinned JPKI root must be a self-signed CA certificate",
                     roots_setting[purpose], path);
            ret = IDP_E_INVALID_REQUEST;
        } else if ((ret = root_allowed(t, purpose, x, path, err, errlen)) != IDP_OK) {
            /* err says why */
        } else if (X509_STORE_add_cert(t->store[purpose], x) != 1) {
            ret = IDP_E_SERVER_ERROR;
        } else {
            added++;
        }
        X509_free(x);
    }
    fclose(f);
    ERR_clear_error();
    /* Cached results were reached with the roots as they were: start again (roots are set up before serving). */
    cache_clear(&t->cache);
    if (ret == IDP_OK && added == 0) {
        snprintf(err, errlen, "\"%s\" (%s): no certificates", roots_setting[purpose], path);
        ret = IDP_E_INVALID_REQUEST;
    }
    return ret;
}

idp_err_t idp_jpki_trust_check_anchors(const idp_jpki_trust_t *t, idp_jpki_purpose_t purpose, char *err, size_t errlen)
{
    for (size_t i = 0; i < t->nanchors[purpose]; i++)
        if (!t->anchor_used[purpose][i]) {
            char d[48];
            digest_text(t->anchor[purpose][i], d);
            snprintf(err, errlen, "\"%s\" lists %s, but no root in \"%s\" has that key", anchors_setting[purpose], d,
                     roots_setting[purpose]);
            return IDP_E_INVALID_REQUEST;
        }
    return IDP_OK;
}

void idp_jpki_trust_set_revocation(idp_jpki_trust_t *t, idp_jpki_revocation_t *rev)
{
    if (t->rev)
        t->rev->free(t->rev);
    t->rev = rev;
}

void idp_jpki_trust_revocation_metrics(idp_jpki_trust_t *t, idp_buf_t *out)
{
    if (t->rev && t->rev->metrics)
        t->rev->metrics(t->rev, out);
}

unsigned long idp_jpki_trust_count(const idp_jpki_trust_t *t, idp_jpki_reason_t r)
{
    return r < IDP_JPKI__COUNT ? atomic_load(&t->counts[r]) : 0;
}

void idp_jpki_trust_cache_stats(idp_jpki_trust_t *t, idp_jpki_cache_stats_t *out)
{
    out->hits = atomic_load(&t->cache.hits);
    out->misses = atomic_load(&t->cache.misses);
    out->capacity = t->cache.cap;
    pthread_mutex_lock(&t->cache.lock);
    out->entries = t->cache.n;
    pthread_mutex_unlock(&t->cache.lock);
}

void idp_jpki_trust_free(idp_jpki_trust_t *t)
{
    if (t == NULL)
        return;
    cache_clear(&t->cache);
    free(t->cache.buckets);
    pthread_mutex_destroy(&t->cache.lock);
    for (int p = 0; p < 2; p++) {
        X509_STORE_free(t->store[p]);
        for (int i = 0; i < 2; i++)
            ASN1_OBJECT_free(t->policy[p][i]);
    }
    EVP_MD_free(t->sha256);
    if (t->rev)
        t->rev->free(t->rev);
    free(t);
}

void idp_jpki_binding(const char *client_id, const char *redirect_uri, const char *oidc_nonce, unsigned char out[32])
{
    /* SHA-256(client_id 0x00 redirect_uri 0x00 oidc_nonce): binds the signature to this relying party's request */
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int len = 0;
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    EVP_DigestUpdate(md, client_id, strlen(client_id) + 1);
    EVP_DigestUpdate(md, redirect_uri, strlen(redirect_uri) + 1);
    EVP_DigestUpdate(md, oidc_nonce ? oidc_nonce : "", oidc_nonce ? strlen(oidc_nonce) : 0);
    EVP_DigestFinal_ex(md, out, &len);
    EVP_MD_CTX_free(md);
}

size_t idp_jpki_message_bound(idp_jpki_purpose_t purpose, const unsigned char nonce[IDP_JPKI_NONCE_BYTES],
                              const unsigned char binding[32], unsigned char out[IDP_JPKI_MESSAGE_MAX])
{
    static const char *const tags[] = {"SAKAI-D-JPKI-AUTH-v1", "SAKAI-D-JPKI-SIGN-v1"};
    size_t n = strlen(tags[purpose]);
    memcpy(out, tags[purpose], n);
    out[n++] = 0x00;
    memcpy(out + n, nonce, IDP_JPKI_NONCE_BYTES);
    n += IDP_JPKI_NONCE_BYTES;
    memcpy(out + n, binding, 32);
    return n + 32;
}

size_t idp_jpki_message(idp_jpki_purpose_t purpose, const unsigned char nonce[IDP_JPKI_NONCE_BYTES],
                        const char *client_id, const char *redirect_uri, const char *oidc_nonce,
                        unsigned char out[IDP_JPKI_MESSAGE_MAX])
{
    unsigned char binding[32];
    idp_jpki_binding(client_id, redirect_uri, oidc_nonce, binding);
    return idp_jpki_message_bound(purpose, nonce, binding, out);
}

static void hex(const unsigned char *p, size_t n, char *out, size_t cap)
{
    size_t i;
    for (i = 0; i < n && 2 * i + 2 < cap; i++)
        snprintf(out + 2 * i, 3, "%02X", p[i]);
    out[2 * i] = '\0';
}

/* RSA-2048, e = 65537, signed with sha256WithRSAEncryption (jpki.md). */
static bool strong_enough(X509 *x, EVP_PKEY *k, char *detail, size_t n)
{
    BIGNUM *e = NULL;
    bool ok = EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA && EVP_PKEY_get_bits(k) == 2048 &&
              EVP_PKEY_get_bn_param(k, "e", &e) == 1 && BN_is_word(e, 65537) &&
              X509_get_signature_nid(x) == NID_sha256WithRSAEncryption;
    BN_free(e);
    if (!ok)
        snprintf(detail, n, "key %s-%d or signature algorithm %s not accepted",
                 EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA ? "RSA" : "non-RSA", EVP_PKEY_get_bits(k),
                 OBJ_nid2sn(X509_get_signature_nid(x)));
    return ok;
}

static bool has_policy(const CERTIFICATEPOLICIES *pols, const ASN1_OBJECT *want)
{
    for (int i = 0; pols && i < sk_POLICYINFO_num(pols); i++)
        if (OBJ_cmp(sk_POLICYINFO_value(pols, i)->policyid, want) == 0)
            return true;
    return false;
}

/* Builds the chain to a pinned root of @p purpose; the X509 error, and the issuer on success. */
static int chain(idp_jpki_trust_t *t, idp_jpki_purpose_t purpose, X509 *x, time_t at, X509 **issuer)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int err = X509_V_ERR_UNSPECIFIED;
    /* No untrusted certificates: CA certificates a client sends are never used (jpki.md). */
    if (ctx && X509_STORE_CTX_init(ctx, t->store[purpose], x, NULL) == 1) {
        X509_VERIFY_PARAM *p = X509_STORE_CTX_get0_param(ctx);
        X509_VERIFY_PARAM_set_time(p, at);
        X509_VERIFY_PARAM_set_flags(p, X509_V_FLAG_X509_STRICT);
        if (X509_verify_cert(ctx) == 1) {
            err = X509_V_OK;
            STACK_OF(X509) *ch = X509_STORE_CTX_get0_chain(ctx);
            if (issuer && sk_X509_num(ch) >= 2) {
                *issuer = sk_X509_value(ch, 1);
                X509_up_ref(*issuer);
            }
        } else {
            err = X509_STORE_CTX_get_error(ctx);
        }
    }
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    return err;
}

/*
 * A context that verifies RSASSA-PKCS1-v1_5 signatures by @p key over the
 * bytes it is given. No digest is set: OpenSSL then recovers the padded block
 * and compares it whole with those bytes (the DigestInfo below), so exactly
 * that DigestInfo verifies: no other hash, no trailing bytes. A context is
 * reusable: EVP_PKEY_verify keeps no state between calls.
 */
static EVP_PKEY_CTX *verify_ctx_new(EVP_PKEY *key)
{
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (pc && (EVP_PKEY_verify_init(pc) != 1 || EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1)) {
        EVP_PKEY_CTX_free(pc);
        pc = NULL;
    }
    return pc;
}

/*
 * The card's signature with the key of @p *pc (made from @p key if NULL):
 * over the DigestInfo of SHA-256(@p msg), the 51 bytes the host hands the
 * card (jpki.md "What the card signs").
 */
static bool card_signature_ok(const idp_jpki_trust_t *t, EVP_PKEY *key, EVP_PKEY_CTX **pc, const unsigned char *msg,
                              size_t msg_len, const unsigned char *sig, size_t sig_len)
{
    unsigned char di[sizeof(sha256_digest_info) + 32];
    memcpy(di, sha256_digest_info, sizeof(sha256_digest_info));
    if (EVP_Digest(msg, msg_len, di + sizeof(sha256_digest_info), NULL, t->sha256, NULL) != 1)
        return false;
    if (*pc == NULL)
        *pc = verify_ctx_new(key);
    /* the error queue is cleared once, at the end of idp_jpki_verify */
    return *pc && EVP_PKEY_verify(*pc, sig, sig_len, di, sizeof(di)) == 1;
}

#define FAIL(r, ...) (snprintf(res->detail, sizeof(res->detail), __VA_ARGS__), res->reason = (r))

/* Revocation, then the card's signature: what every verification checks, cached certificate or not. */
static idp_jpki_reason_t check_login(idp_jpki_trust_t *t, X509 *x, X509 *issuer, EVP_PKEY *key, EVP_PKEY_CTX **pc,
                                     const unsigned char *msg, size_t msg_len, const unsigned char *sig, size_t sig_len,
                                     time_t at, idp_jpki_result_t *res)
{
    idp_jpki_reason_t r = t->rev ? t->rev->check(t->rev, x, issuer, at) : IDP_JPKI_REVOCATION_UNKNOWN;
    if (r != IDP_JPKI_OK)
        return FAIL(r, "revocation check: %s", idp_jpki_reason_code(r));
    if (sig_len != 256)
        return FAIL(IDP_JPKI_MALFORMED, "signature of %zu bytes", sig_len);
    if (!card_signature_ok(t, key, pc, msg, msg_len, sig, sig_len))
        return FAIL(IDP_JPKI_BAD_SIGNATURE, "signature does not verify");
    return IDP_JPKI_OK;
}

/* The full path: every check from the DER up. On success *xp and *issuerp hold the certificate and its root. */
static idp_jpki_reason_t verify_full(idp_jpki_trust_t *t, idp_jpki_purpose_t purpose, const unsigned char *der,
                                     size_t der_len, const unsigned char *msg, size_t msg_len, const unsigned char *sig,
                                     size_t sig_len, time_t at, idp_jpki_result_t *res, X509 **xp, X509 **issuerp)
{
    const unsigned char *p = der;
    X509 *x = *xp = d2i_X509(NULL, &p, (long)der_len);
    if (x == NULL || p != der + der_len)
        return FAIL(IDP_JPKI_MALFORMED, "not one DER certificate");
    const ASN1_OCTET_STRING *akid = X509_get0_authority_key_id(x);
    if (akid)
        hex(ASN1_STRING_get0_data(akid), (size_t)ASN1_STRING_length(akid), res->issuer_key_id,
            sizeof(res->issuer_key_id));
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *s = bn ? BN_bn2hex(bn) : NULL;
    const char *digits = s ? s : "";
    while (digits[0] == '0' && digits[1]) /* no leading zeros: one spelling for linkage lookups */
        digits++;
    snprintf(res->serial, sizeof(res->serial), "%s", digits);
    OPENSSL_free(s);
    BN_free(bn);
    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, res->subject_cn, sizeof(res->subject_cn));
    struct tm na;
    if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &na) == 1)
        res->not_after = (long long)timegm(&na);

    EVP_PKEY *key = X509_get0_pubkey(x);
    if (key == NULL)
        return FAIL(IDP_JPKI_MALFORMED, "no public key");
    if (!strong_enough(x, key, res->detail, sizeof(res->detail)))
        return res->reason = IDP_JPKI_WEAK_KEY;

    /* RFC 5280 §6.1.3 (a)(2): the certificate (and its root, §6.1.1 (d)) valid at this time, each side its own reason */
    int err = chain(t, purpose, x, at, issuerp);
    if (err == X509_V_ERR_CERT_HAS_EXPIRED)
        return FAIL(IDP_JPKI_EXPIRED, "%s", X509_verify_cert_error_string(err));
    if (err == X509_V_ERR_CERT_NOT_YET_VALID)
        return FAIL(IDP_JPKI_NOT_YET_VALID, "%s", X509_verify_cert_error_string(err));
    if (err != X509_V_OK) {
        /* Issued by a root of the other purpose? Then it is the wrong kind of certificate. */
        if (chain(t, 1 - purpose, x, at, NULL) == X509_V_OK)
            return FAIL(IDP_JPKI_WRONG_PURPOSE, "chains to a %s root",
                        purpose == IDP_JPKI_AUTH ? "signing" : "authentication");
        return FAIL(IDP_JPKI_UNKNOWN_ISSUER, "%s", X509_verify_cert_error_string(err));
    }

    /*
     * keyUsage (RFC 5280 §4.2.1.3): authentication = digitalSignature; signing = digitalSignature +
     * nonRepudiation (jpki.md). Without the extension RFC 5280 leaves the key unrestricted and
     * X509_get_key_usage answers every bit; the JPKI profile puts it in every card certificate, so a
     * certificate without it is not a card's and is refused.
     */
    uint32_t need = purpose == IDP_JPKI_AUTH ? KU_DIGITAL_SIGNATURE : KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION;
    if ((X509_get_extension_flags(x) & EXFLAG_KUSAGE) == 0)
        return FAIL(IDP_JPKI_BAD_KEY_USAGE, "no keyUsage extension");
    uint32_t ku = X509_get_key_usage(x);
    if ((ku & need) != need)
        return FAIL(IDP_JPKI_BAD_KEY_USAGE, "keyUsage 0x%x lacks 0x%x", ku, need);
    CERTIFICATEPOLICIES *pols = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
    bool own = has_policy(pols, t->policy[purpose][0]) || (t->test_roots && has_policy(pols, t->policy[purpose][1]));
    bool other = has_policy(pols, t->policy[1 - purpose][0]) || has_policy(pols, t->policy[1 - purpose][1]);
    CERTIFICATEPOLICIES_free(pols);
    if (!own && other)
        return FAIL(IDP_JPKI_WRONG_PURPOSE, "policy of the other purpose");
    if (!own)
        return FAIL(IDP_JPKI_POLICY_MISSING, "no %s", policy_oid[purpose][0]);

    EVP_PKEY_CTX *pc = NULL;
    idp_jpki_reason_t r = check_login(t, x, *issuerp, key, &pc, msg, msg_len, sig, sig_len, at, res);
    EVP_PKEY_CTX_free(pc);
    if (r != IDP_JPKI_OK)
        return r;

    if (purpose == IDP_JPKI_SIGN) {
        if ((r = idp_jpki_parse_attrs(x, &res->attrs, res->detail, sizeof(res->detail))) != IDP_JPKI_OK)
            return res->reason = r;
        res->has_attrs = true;
    }
    return res->reason = IDP_JPKI_OK;
}

/* A cache hit: the path validated earlier; validity at @p at was checked by the caller. */
static idp_jpki_reason_t verify_cached(idp_jpki_trust_t *t, const cache_entry_t *e, EVP_PKEY_CTX **pc,
                                       const unsigned char *msg, size_t msg_len, const unsigned char *sig,
                                       size_t sig_len, time_t at, idp_jpki_result_t *res)
{
    memcpy(res->issuer_key_id, e->issuer_key_id, sizeof(res->issuer_key_id));
    memcpy(res->serial, e->serial, sizeof(res->serial));
    memcpy(res->subject_cn, e->subject_cn, sizeof(res->subject_cn));
    res->not_after = e->not_after;
    /* A CRL that appeared after the certificate was cached still refuses it. */
    idp_jpki_reason_t r = check_login(t, e->cert, e->issuer, e->key, pc, msg, msg_len, sig, sig_len, at, res);
    if (r != IDP_JPKI_OK)
        return r;
    if (e->attrs) {
        res->attrs = *e->attrs;
        res->has_attrs = true;
    }
    return res->reason = IDP_JPKI_OK;
}

idp_jpki_reason_t idp_jpki_verify(idp_jpki_trust_t *t, idp_jpki_purpose_t purpose, const unsigned char *der,
                                  size_t der_len, const unsigned char *msg, size_t msg_len, const unsigned char *sig,
                                  size_t sig_len, time_t at, idp_jpki_result_t *res)
{
    cache_entry_t *e = NULL;
    EVP_PKEY_CTX *pc = NULL;
    X509 *x = NULL, *issuer = NULL;
    idp_jpki_reason_t r;
    memset(res, 0, sizeof(*res));
    if (der_len == 0 || der_len > IDP_JPKI_MAX_CERT) {
        r = FAIL(IDP_JPKI_MALFORMED, "certificate of %zu bytes", der_len);
        goto Exit;
    }
    if (EVP_Digest(der, der_len, res->cert_sha256, NULL, t->sha256, NULL) != 1) {
        r = FAIL(IDP_JPKI_MALFORMED, "cannot hash the certificate");
        goto Exit;
    }
    e = cache_get(&t->cache, res->cert_sha256, purpose, &pc);
    /* Strictly inside the validity; at or past its edges the full path decides, with its own reason. */
    if (e && at > e->valid_from && at < e->valid_until) {
        atomic_fetch_add_explicit(&t->cache.hits, 1, memory_order_relaxed);
        r = verify_cached(t, e, &pc, msg, msg_len, sig, sig_len, at, res);
        cache_put_ctx(&t->cache, e, pc);
        goto Exit;
    }
    EVP_PKEY_CTX_free(pc);
    entry_release(e);
    e = NULL;
    atomic_fetch_add_explicit(&t->cache.misses, 1, memory_order_relaxed);
    r = verify_full(t, purpose, der, der_len, msg, msg_len, sig, sig_len, at, res, &x, &issuer);
    cache_entry_t *fresh;
    if (r == IDP_JPKI_OK && t->cache.cap > 0 && issuer != NULL && (fresh = entry_new(purpose, x, issuer, res)) != NULL)
        cache_put(&t->cache, fresh);
Exit:
    entry_release(e);
    X509_free(issuer);
    X509_free(x);
    ERR_clear_error();
    atomic_fetch_add(&t->counts[r], 1);
    return r;
}

/*
 * Revocation through a platform operator's API (operator.h; the contract:
 * docs/card.md "Revocation through a platform operator").
 *
 * The cache is a set-associative table: a key hashes to a set of WAYS
 * entries, and a new key takes an empty entry of its set, else the least
 * recently used one that no call is in flight for. One mutex guards the
 * table and the breaker; calls to the operator run outside it. A condition
 * variable wakes the threads waiting for another thread's call.
 */
#include "revocation/operator.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

#define WAYS 4
#define MAX_KEYS 16384 /* cache_entries' bound */
#define HEX_MAX 65     /* issuer key id or serial, hex (a SHA-1 key id is 40; a serial at most 20 octets: 40) */
/* A waiting thread gives up this long after the call it waits for should have ended. */
#define WAIT_SLACK_MS 250

typedef enum { E_EMPTY = 0, E_PENDING, E_DONE } entry_state_t;

typedef struct {
    entry_state_t state;
    char ikid[HEX_MAX], serial[HEX_MAX];
    uint64_t flight;          /* the call that filled it (or is filling it) */
    idp_jpki_reason_t result; /* that call's result */
    long long source_updated_at;
    long long expires_ms; /* reusable until then (monotonic); 0: only for the call's waiters */
    long long used_ms;    /* last use, for eviction */
} entry_t;

typedef struct {
    idp_jpki_revocation_t base; /* first: the source is handed out as a pointer to it */
    char *url, *api_key;
    idp_net_t net;
    int cache_seconds, max_age, breaker_failures, breaker_seconds;
    long timeout_ms;
    long long (*clock_ms)(void);
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
    entry_t *tab;
    size_t nsets;
    uint64_t flights;
    int consecutive;      /* failed calls in a row */
    long long open_until; /* the breaker is open until then (monotonic ms) while consecutive >= breaker_failures */
    bool probing;         /* the half-open probe is in flight */
    idp_revocation_operator_stats_t stats;
} operator_t;

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void hex(const unsigned char *p, size_t n, char *out, size_t cap)
{
    size_t i;
    for (i = 0; i < n && 2 * i + 2 < cap; i++)
        snprintf(out + 2 * i, 3, "%02X", p[i]);
    out[2 * i] = '\0';
}

/*
 * The certificate's id as J-LIS and the operator know it: the issuer's key
 * identifier (root generations share one DN, so the name is not enough:
 * jpki.md "Roots and chain"), from the certificate's authorityKeyIdentifier
 * (RFC 5280 §4.2.1.1), else the issuer's subjectKeyIdentifier (§4.2.1.2);
 * and the serial (§4.1.2.2), hex without leading zeros as verify.c logs it.
 */
static bool cert_id(X509 *cert, X509 *issuer, char ikid[HEX_MAX], char serial[HEX_MAX])
{
    const ASN1_OCTET_STRING *kid = X509_get0_authority_key_id(cert);
    if (kid == NULL && issuer)
        kid = X509_get0_subject_key_id(issuer);
    if (kid == NULL || ASN1_STRING_length(kid) <= 0 || ASN1_STRING_length(kid) > (HEX_MAX - 1) / 2)
        return false;
    hex(ASN1_STRING_get0_data(kid), (size_t)ASN1_STRING_length(kid), ikid, HEX_MAX);
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    char *s = bn ? BN_bn2hex(bn) : NULL;
    bool ok = s && s[0] != '-' && strlen(s) < HEX_MAX;
    if (ok) {
        const char *d = s;
        while (d[0] == '0' && d[1])
            d++;
        snprintf(serial, HEX_MAX, "%s", d);
    }
    OPENSSL_free(s);
    BN_free(bn);
    return ok;
}

/* Hex strings that name the same number (@p skip_zeros) or the same octets; case does not matter. */
static bool same_hex(const char *a, const char *b, bool skip_zeros)
{
    if (skip_zeros) {
        while (a[0] == '0' && a[1])
            a++;
        while (b[0] == '0' && b[1])
            b++;
    }
    for (; *a && *b; a++, b++)
        if (!isxdigit((unsigned char)*a) || toupper((unsigned char)*a) != toupper((unsigned char)*b))
            return false;
    return *a == '\0' && *b == '\0';
}

/* ---- the answer ------------------------------------------------------------ */

#define UNKNOWN_BECAUSE(fail, ...)                               \
    do {                                                         \
        out->failure = (fail);                                   \
        snprintf(out->detail, sizeof(out->detail), __VA_ARGS__); \
        goto Exit;                                               \
    } while (0)

void idp_revocation_operator_parse(const char *body, size_t len, const char *issuer_key_id, const char *serial,
                                   time_t at, int max_data_age_seconds, idp_revocation_answer_t *out)
{
    memset(out, 0, sizeof(*out));
    out->status = IDP_JPKI_REVOCATION_UNKNOWN;
    json_error_t je;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(root))
        UNKNOWN_BECAUSE(1, "the answer is not a JSON object");
    const char *ikid = json_string_value(json_object_get(root, "issuer_key_id"));
    const char *sn = json_string_value(json_object_get(root, "serial"));
    const char *status = json_string_value(json_object_get(root, "status"));
    json_t *updated = json_object_get(root, "source_updated_at");
    json_t *revoked_at = json_object_get(root, "revoked_at");
    json_t *reason = json_object_get(root, "reason");
    if (ikid == NULL || sn == NULL || status == NULL || !json_is_integer(updated) ||
        (revoked_at && !json_is_null(revoked_at) && !json_is_integer(revoked_at)) ||
        (reason && !json_is_null(reason) && !json_is_string(reason)))
        UNKNOWN_BECAUSE(1, "the answer lacks a field of the contract or has one of the wrong type");
    /* The contract: the answer names the certificate it is about. One for another certificate (a mix-up at the
     * operator, a cache in between) says nothing about ours. */
    if (!same_hex(ikid, issuer_key_id, false) || !same_hex(sn, serial, true))
        UNKNOWN_BECAUSE(1, "the answer is about another certificate");
    out->source_updated_at = (long long)json_integer_value(updated);
    if (strcmp(status, "good") != 0 && strcmp(status, "revoked") != 0 && strcmp(status, "unknown") != 0)
        UNKNOWN_BECAUSE(1, "the answer's status is not good, revoked or unknown");
    if (out->source_updated_at > (long long)at + IDP_REVOCATION_MAX_SKEW)
        UNKNOWN_BECAUSE(1, "the operator's data claims to be from the future");
    /* The operator answered as agreed from here on: whatever it says, the breaker has no reason to open. */
    if (strcmp(status, "unknown") == 0)
        UNKNOWN_BECAUSE(0, "the operator does not know the certificate's status");
    /* Data older than the maximum age is no evidence either way (like a CRL past its nextUpdate, RFC 5280
     * §6.3.3 (a)(2)); a revocation in stale data is reported as unknown too, as crl.c does. */
    if ((long long)at - out->source_updated_at > (long long)max_data_age_seconds) {
        out->stale = 1;
        UNKNOWN_BECAUSE(0, "the operator's data is %lld s old (at most %d)", (long long)at - out->source_updated_at,
                        max_data_age_seconds);
    }
    if (strcmp(status, "revoked") == 0) {
        out->status = IDP_JPKI_REVOKED;
        if (json_is_integer(revoked_at))
            out->revoked_at = (long long)json_integer_value(revoked_at);
        if (json_is_string(reason))
            snprintf(out->reason, sizeof(out->reason), "%s", json_string_value(reason));
    } else {
        out->status = IDP_JPKI_OK;
    }
Exit:
    json_decref(root);
}

/* ---- one call -------------------------------------------------------------- */

static void call(operator_t *op, const char *ikid, const char *serial, time_t at, idp_revocation_answer_t *out)
{
    char body[2 * HEX_MAX + 64], err[256];
    idp_net_resp_t resp;
    /* Only the certificate's id: a signing certificate carries the resident's name and address (operator.h). */
    snprintf(body, sizeof(body), "{\"issuer_key_id\":\"%s\",\"serial\":\"%s\"}", ikid, serial);
    idp_net_req_t req = {.method = IDP_NET_POST_JSON,
                         .url = op->url,
                         .form = body,
                         .accept = "application/json",
                         .bearer = op->api_key,
                         .timeout_ms = op->timeout_ms,
                         .max_bytes = IDP_REVOCATION_MAX_ANSWER};
    idp_err_t e = idp_net_perform(&op->net, &req, &resp, err, sizeof(err));
    if (e != IDP_OK) {
        memset(out, 0, sizeof(*out));
        out->status = IDP_JPKI_REVOCATION_UNKNOWN;
        out->failure = 1;
        snprintf(out->detail, sizeof(out->detail), "no answer: %.100s", err);
    } else if (resp.status != 200) {
        memset(out, 0, sizeof(*out));
        out->status = IDP_JPKI_REVOCATION_UNKNOWN;
        out->failure = 1;
        snprintf(out->detail, sizeof(out->detail), "HTTP status %ld", resp.status);
    } else {
        idp_revocation_operator_parse(idp_buf_cstr(&resp.body), resp.body.len, ikid, serial, at, op->max_age, out);
    }
    idp_net_resp_free(&resp);
}

/* ---- the cache, single flight and the breaker ------------------------------- */

static size_t set_of(const operator_t *op, const char *ikid, const char *serial)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const char *p = ikid; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
    for (const char *p = serial; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return (size_t)(h % op->nsets);
}

static entry_t *find(operator_t *op, size_t set, const char *ikid, const char *serial)
{
    for (size_t i = 0; i < WAYS; i++) {
        entry_t *e = &op->tab[set * WAYS + i];
        if (e->state != E_EMPTY && !strcmp(e->ikid, ikid) && !strcmp(e->serial, serial))
            return e;
    }
    return NULL;
}

/* An entry of @p set for a new key: an empty one, else the least recently used with no call in flight. */
static entry_t *victim(operator_t *op, size_t set)
{
    entry_t *best = NULL;
    for (size_t i = 0; i < WAYS; i++) {
        entry_t *e = &op->tab[set * WAYS + i];
        if (e->state == E_EMPTY)
            return e;
        if (e->state == E_DONE && (best == NULL || e->used_ms < best->used_ms))
            best = e;
    }
    return best;
}

static void log_unknown(const char *ikid, const char *serial, const idp_revocation_answer_t *a)
{
    idp_log_t l;
    idp_log_begin(&l, a->failure ? IDP_LOG_WARN : IDP_LOG_INFO, "revocation_operator_unknown");
    idp_log_str(&l, "issuer_key_id", ikid);
    idp_log_str(&l, "serial", serial);
    idp_log_str(&l, "detail", a->detail);
    idp_log_end(&l);
}

/* After a call, under the lock: the breaker's count (a probe's outcome closes or reopens it). */
static void breaker_after(operator_t *op, bool failed, bool probe, long long now)
{
    if (probe)
        op->probing = false;
    if (!failed) {
        if (op->consecutive >= op->breaker_failures)
            idp_log_msg(IDP_LOG_INFO, "revocation_breaker_closed", "the platform operator answers again");
        op->consecutive = 0;
        return;
    }
    op->stats.failures++;
    if (op->consecutive < op->breaker_failures)
        op->consecutive++;
    if (op->consecutive >= op->breaker_failures) {
        op->open_until = now + (long long)op->breaker_seconds * 1000;
        idp_log_msg(IDP_LOG_WARN, "revocation_breaker_open",
                    "%d failed calls to the platform operator in a row: card checks are revocation_unknown for %d s",
                    op->consecutive, op->breaker_seconds);
    }
}

/* Waits (under the lock) for the call @p flight of @p e to end; its result, or unknown after the bound. */
static idp_jpki_reason_t wait_for(operator_t *op, entry_t *e, uint64_t flight)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    long long ns = until.tv_nsec + (op->timeout_ms + WAIT_SLACK_MS) % 1000 * 1000000LL;
    until.tv_sec += (op->timeout_ms + WAIT_SLACK_MS) / 1000 + ns / 1000000000LL;
    until.tv_nsec = ns % 1000000000LL;
    op->stats.waited++;
    while (e->state == E_PENDING && e->flight == flight)
        if (pthread_cond_timedwait(&op->cv, &op->mu, &until) != 0)
            break;
    return e->state == E_DONE && e->flight == flight ? e->result : IDP_JPKI_REVOCATION_UNKNOWN;
}

static idp_jpki_reason_t check(idp_jpki_revocation_t *self, X509 *cert, X509 *issuer, time_t at)
{
    operator_t *op = (operator_t *)self;
    char ikid[HEX_MAX], serial[HEX_MAX];
    if (!cert_id(cert, issuer, ikid, serial))
        return IDP_JPKI_REVOCATION_UNKNOWN; /* nothing to ask about: fail closed */
    size_t set = set_of(op, ikid, serial);
    idp_jpki_reason_t r = IDP_JPKI_REVOCATION_UNKNOWN;
    long long now = op->clock_ms();
    pthread_mutex_lock(&op->mu);
    entry_t *e = find(op, set, ikid, serial);
    /* A cached answer while it is young enough and its data still within the maximum age at @p at. */
    if (e && e->state == E_DONE && now < e->expires_ms && (long long)at - e->source_updated_at <= op->max_age) {
        e->used_ms = now;
        op->stats.cache_hits++;
        r = e->result;
        goto Unlock;
    }
    /* Single flight: a call for this certificate is under way; its answer is ours too. */
    if (e && e->state == E_PENDING) {
        r = wait_for(op, e, e->flight);
        goto Unlock;
    }
    /* The breaker: open, fail at once; after the cool-down one call probes, the others still fail at once. */
    bool probe = false;
    if (op->consecutive >= op->breaker_failures) {
        if (now < op->open_until || op->probing) {
            op->stats.breaker_open++;
            goto Unlock;
        }
        probe = op->probing = true;
    }
    if (e == NULL && (e = victim(op, set)) != NULL) {
        memset(e, 0, sizeof(*e));
        memcpy(e->ikid, ikid, sizeof(ikid));
        memcpy(e->serial, serial, sizeof(serial));
    }
    uint64_t flight = ++op->flights;
    if (e) { /* NULL: every entry of the set has a call in flight; this call goes without the cache */
        e->state = E_PENDING;
        e->flight = flight;
    }
    op->stats.calls++;
    pthread_mutex_unlock(&op->mu);

    idp_revocation_answer_t a;
    call(op, ikid, serial, at, &a);
    r = a.status;
    if (r == IDP_JPKI_REVOCATION_UNKNOWN)
        log_unknown(ikid, serial, &a);

    now = op->clock_ms();
    pthread_mutex_lock(&op->mu);
    breaker_after(op, a.failure != 0, probe, now);
    if (a.stale)
        op->stats.stale++;
    if (e && e->flight == flight) {
        e->state = E_DONE;
        e->result = r;
        e->source_updated_at = a.source_updated_at;
        e->used_ms = now;
        /* Good and revoked answers are reused; unknown is only handed to this call's waiters. */
        e->expires_ms = r != IDP_JPKI_REVOCATION_UNKNOWN ? now + (long long)op->cache_seconds * 1000 : 0;
        pthread_cond_broadcast(&op->cv);
    }
Unlock:
    pthread_mutex_unlock(&op->mu);
    return r;
}

/* ---- the source ------------------------------------------------------------ */

idp_err_t idp_revocation_operator_read_key(const char *path, char *out, size_t cap, char *err, size_t errlen)
{
    idp_err_t ret = IDP_E_INVALID_REQUEST;
    char text[IDP_REVOCATION_MAX_KEY + 2];
    size_t n = 0;
    ssize_t r;
    struct stat st;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "the operator's API key %s: %s", path, strerror(errno));
        return ret;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "the operator's API key %s: not a regular file", path);
        goto Exit;
    }
    /* Whoever reads the key can ask the operator in our name (and be billed for it): as keys.kek_file. */
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf(err, errlen,
                 "the operator's API key %s has mode %03o: group or others may access it; run chmod 600 %s", path,
                 (unsigned)(st.st_mode & 0777), path);
        goto Exit;
    }
    while (n < sizeof(text) && (r = read(fd, text + n, sizeof(text) - n)) > 0)
        n += (size_t)r;
    if (n > 0 && text[n - 1] == '\n')
        n--;
    if (n > 0 && text[n - 1] == '\r')
        n--;
    bool printable = n > 0 && n <= IDP_REVOCATION_MAX_KEY && n < cap;
    for (size_t i = 0; printable && i < n; i++) /* RFC 6750 §2.1: b64token characters are printable ASCII */
        printable = text[i] > 0x20 && text[i] < 0x7f;
    if (!printable) {
        snprintf(err, errlen, "the operator's API key %s: expected one line of at most %d printable characters", path,
                 IDP_REVOCATION_MAX_KEY);
        goto Exit;
    }
    memcpy(out, text, n);
    out[n] = '\0';
    ret = IDP_OK;
Exit:
    OPENSSL_cleanse(text, sizeof(text));
    close(fd);
    return ret;
}

void idp_revocation_operator_stats(idp_jpki_revocation_t *rev, idp_revocation_operator_stats_t *out)
{
    operator_t *op = (operator_t *)rev;
    pthread_mutex_lock(&op->mu);
    *out = op->stats;
    pthread_mutex_unlock(&op->mu);
}

static void metrics(idp_jpki_revocation_t *self, idp_buf_t *out)
{
    operator_t *op = (operator_t *)self;
    idp_revocation_operator_stats_t s;
    idp_revocation_operator_stats(self, &s);
    pthread_mutex_lock(&op->mu);
    bool open = op->consecutive >= op->breaker_failures;
    pthread_mutex_unlock(&op->mu);
    idp_buf_printf(out,
                   "# HELP sakaid_revocation_operator_checks_total Card revocation checks through the platform "
                   "operator, by how they were answered (docs/card.md).\n"
                   "# TYPE sakaid_revocation_operator_checks_total counter\n"
                   "sakaid_revocation_operator_checks_total{path=\"call\"} %lu\n"
                   "sakaid_revocation_operator_checks_total{path=\"cache\"} %lu\n"
                   "sakaid_revocation_operator_checks_total{path=\"waited\"} %lu\n"
                   "sakaid_revocation_operator_checks_total{path=\"breaker_open\"} %lu\n"
                   "# HELP sakaid_revocation_operator_failures_total Calls to the platform operator that failed "
                   "(unreachable, timed out, not 200, malformed, about another certificate).\n"
                   "# TYPE sakaid_revocation_operator_failures_total counter\n"
                   "sakaid_revocation_operator_failures_total %lu\n"
                   "# HELP sakaid_revocation_operator_stale_total Answers whose data was older than "
                   "jpki.operator_max_data_age_seconds.\n"
                   "# TYPE sakaid_revocation_operator_stale_total counter\n"
                   "sakaid_revocation_operator_stale_total %lu\n"
                   "# HELP sakaid_revocation_operator_breaker_open 1 while the circuit breaker is open or "
                   "half-open.\n"
                   "# TYPE sakaid_revocation_operator_breaker_open gauge\n"
                   "sakaid_revocation_operator_breaker_open %d\n",
                   s.calls, s.cache_hits, s.waited, s.breaker_open, s.failures, s.stale, open ? 1 : 0);
}

static void operator_free(idp_jpki_revocation_t *self)
{
    operator_t *op = (operator_t *)self;
    if (op == NULL)
        return;
    if (op->api_key) {
        OPENSSL_cleanse(op->api_key, strlen(op->api_key));
        free(op->api_key);
    }
    free(op->url);
    free(op->tab);
    pthread_cond_destroy(&op->cv);
    pthread_mutex_destroy(&op->mu);
    free(op);
}

idp_err_t idp_revocation_operator_new(const idp_revocation_operator_opts_t *o, idp_jpki_revocation_t **out, char *err,
                                      size_t errlen)
{
    *out = NULL;
    if (o->url == NULL || !idp_net_url_allowed(o->url)) {
        snprintf(err, errlen, "the operator's URL must be https (http only to a loopback host)");
        return IDP_E_INVALID_REQUEST;
    }
    if (o->api_key == NULL || o->api_key[0] == '\0' || strpbrk(o->api_key, "\r\n") != NULL) {
        snprintf(err, errlen, "the operator's API key is empty or spans lines");
        return IDP_E_INVALID_REQUEST;
    }
    if (o->timeout_ms < 1 || o->timeout_ms > IDP_NET_MAX_TIMEOUT_MS || o->cache_seconds < 0 ||
        o->max_data_age_seconds < 1 || o->breaker_failures < 1 || o->breaker_seconds < 1 || o->cache_entries < 1 ||
        o->cache_entries > MAX_KEYS) {
        snprintf(err, errlen, "an operator setting is out of range");
        return IDP_E_INVALID_REQUEST;
    }
    operator_t *op = calloc(1, sizeof(*op));
    if (op == NULL)
        return IDP_E_NOMEM;
    pthread_mutex_init(&op->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&op->cv, &ca);
    pthread_condattr_destroy(&ca);
    op->base.check = check;
    op->base.free = operator_free;
    op->base.metrics = metrics;
    op->nsets = (o->cache_entries + WAYS - 1) / WAYS;
    op->url = strdup(o->url);
    op->api_key = strdup(o->api_key);
    op->tab = calloc(op->nsets * WAYS, sizeof(entry_t));
    if (op->url == NULL || op->api_key == NULL || op->tab == NULL) {
        operator_free(&op->base);
        return IDP_E_NOMEM;
    }
    if (o->net)
        op->net = *o->net;
    op->cache_seconds = o->cache_seconds;
    op->max_age = o->max_data_age_seconds;
    op->timeout_ms = o->timeout_ms;
    op->breaker_failures = o->breaker_failures;
    op->breaker_seconds = o->breaker_seconds;
    op->clock_ms = o->clock_ms ? o->clock_ms : mono_ms;
    *out = &op->base;
    return IDP_OK;
}

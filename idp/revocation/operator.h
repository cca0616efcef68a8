/**
 * Revocation through a JPKI platform operator's (プラットフォーム事業者) HTTP API:
 * the second implementation of idp_jpki_revocation_t, next to the CRL files
 * of jpki/crl.c. Real operators' APIs are proprietary; this speaks the one
 * contract documented in docs/card.md ("Revocation through a platform
 * operator"):
 *
 *   POST {url}   Authorization: Bearer {API key}   Content-Type: application/json
 *   {"issuer_key_id": "<hex>", "serial": "<hex>"}
 *   200 {"issuer_key_id", "serial", "status": "good"|"revoked"|"unknown",
 *        "revoked_at"?, "reason"?, "source_updated_at"}   (times: NumericDate)
 *
 * Only the certificate's id is sent, never the certificate: a signing
 * certificate carries the resident's name and address, and the id is all a
 * revocation lookup needs.
 *
 * Fails closed: anything but a well-formed answer for the certificate asked
 * about, with data no older than max_data_age_seconds at the verification
 * time, is IDP_JPKI_REVOCATION_UNKNOWN. Thread-safe: good and revoked answers
 * are cached per (issuer key id, serial) for cache_seconds in a bounded
 * table; one call per key is in flight at a time (single flight: the others
 * wait for its answer, at most timeout_ms more); after breaker_failures
 * consecutive failed calls (unreachable, timed out, not 200, malformed, not
 * for the certificate) the breaker opens and checks fail at once for
 * breaker_seconds, then one call probes (half-open) and closes it again when
 * it succeeds.
 *
 * No HTTP here but through net/http_client.h; jpki stays free of HTTP.
 */
#ifndef IDP_REVOCATION_OPERATOR_H
#define IDP_REVOCATION_OPERATOR_H

#include <stddef.h>
#include <time.h>

#include "core/err.h"
#include "jpki/jpki.h"
#include "net/http_client.h"

/** The answer's cap: a few hundred bytes are expected. */
#define IDP_REVOCATION_MAX_ANSWER 4096
/** Clock skew allowed for source_updated_at in the future (the operator's clock against ours). */
#define IDP_REVOCATION_MAX_SKEW 300

typedef struct {
    const char *url;             /* https (http only to loopback: the idp_net policy); copied */
    const char *api_key;         /* the bearer token; copied, wiped at free */
    int cache_seconds;           /* good and revoked answers are reused this long; 0: never */
    int max_data_age_seconds;    /* source_updated_at older than this at the verification time: unknown */
    long timeout_ms;             /* one call, connecting included */
    int breaker_failures;        /* consecutive failed calls that open the breaker (>= 1) */
    int breaker_seconds;         /* how long it stays open before one probe */
    size_t cache_entries;        /* the table's bound (rounded up to a multiple of 4) */
    const idp_net_t *net;        /* copied; NULL: libcurl, no proxy. Its proxy string is borrowed */
    long long (*clock_ms)(void); /* monotonic milliseconds for the cache and the breaker; NULL: CLOCK_MONOTONIC */
} idp_revocation_operator_opts_t;

/**
 * A revocation source asking the operator at @p o->url. IDP_E_INVALID_REQUEST
 * (a message in @p err) when the URL is refused by the outbound policy or a
 * number is out of range; IDP_E_NOMEM. The caller owns *@p out (its free, or
 * idp_jpki_trust_set_revocation).
 */
idp_err_t idp_revocation_operator_new(const idp_revocation_operator_opts_t *o, idp_jpki_revocation_t **out, char *err,
                                      size_t errlen);

/** The longest API key idp_revocation_operator_read_key accepts. */
#define IDP_REVOCATION_MAX_KEY 512

/**
 * Reads the API key from @p path: one line (a trailing newline is dropped),
 * printable ASCII, at most IDP_REVOCATION_MAX_KEY bytes, in a regular file
 * that neither group nor others may access (as keys.kek_file). The key is in
 * @p out (@p cap bytes); wipe it after use. IDP_E_INVALID_REQUEST with a
 * message naming the file.
 */
idp_err_t idp_revocation_operator_read_key(const char *path, char *out, size_t cap, char *err, size_t errlen);

typedef struct {
    unsigned long calls;        /* requests sent to the operator */
    unsigned long cache_hits;   /* checks answered from the cache */
    unsigned long failures;     /* calls that failed: unreachable, timed out, not 200, malformed, not ours */
    unsigned long breaker_open; /* checks refused at once by the open breaker */
    unsigned long stale;        /* answers whose data was older than the maximum age */
    unsigned long waited;       /* checks that waited for another thread's call (single flight) */
} idp_revocation_operator_stats_t;

/** The counters of an operator source (the caller must know @p rev is one). */
void idp_revocation_operator_stats(idp_jpki_revocation_t *rev, idp_revocation_operator_stats_t *out);

/* ---- the answer, on its own (tests) ---------------------------------------- */

typedef struct {
    idp_jpki_reason_t status; /* IDP_JPKI_OK, IDP_JPKI_REVOKED or IDP_JPKI_REVOCATION_UNKNOWN */
    long long source_updated_at, revoked_at;
    char reason[32];  /* RFC 5280 §5.3.1 CRLReason name, when revoked and given */
    char detail[128]; /* why it is unknown, for the log */
    int failure;      /* the call counts against the breaker: the operator did not answer as agreed */
    int stale;        /* well-formed, but the data is older than the maximum age */
} idp_revocation_answer_t;

/**
 * Reads one answer (@p body, @p len bytes) to the question about
 * (@p issuer_key_id, @p serial), both hex, at the verification time @p at.
 * Always fills @p out; anything but a well-formed current answer for that
 * certificate is IDP_JPKI_REVOCATION_UNKNOWN with out->detail saying why.
 */
void idp_revocation_operator_parse(const char *body, size_t len, const char *issuer_key_id, const char *serial,
                                   time_t at, int max_data_age_seconds, idp_revocation_answer_t *out);

#endif

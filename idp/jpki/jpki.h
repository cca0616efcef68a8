/**
 * My Number card (JPKI) verification: the certificate chain to pinned roots
 * of one purpose, validity, key usage, policy, key strength, revocation
 * through a pluggable source, the card's signature over a message the
 * server rebuilt, and the signing certificate's attributes. No HTTP, no SQL.
 * Facts and uncertainties: ../shared/docs/jpki.md and docs/card.md.
 */
#ifndef IDP_JPKI_JPKI_H
#define IDP_JPKI_JPKI_H

#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/buf.h"
#include "core/err.h"

typedef enum { IDP_JPKI_AUTH = 0, IDP_JPKI_SIGN = 1 } idp_jpki_purpose_t;

/** Why a card was refused. Each has a code for logs and counters and a plain message for the resident. */
typedef enum {
    IDP_JPKI_OK = 0,
    IDP_JPKI_BAD_SIGNATURE,      /* the signature does not verify over our message */
    IDP_JPKI_UNKNOWN_ISSUER,     /* no pinned root of this purpose issued it */
    IDP_JPKI_EXPIRED,            /* outside its validity (or its root's) at the verification time */
    IDP_JPKI_REVOKED,            /* on the revocation list */
    IDP_JPKI_WRONG_PURPOSE,      /* a signing certificate where an authentication one belongs, or the reverse */
    IDP_JPKI_POLICY_MISSING,     /* no JPKI certificate policy for this purpose */
    IDP_JPKI_WEAK_KEY,           /* not RSA-2048 e=65537 with SHA-256 */
    IDP_JPKI_MALFORMED,          /* not a certificate, over 4 KiB, bad attributes, bad signature length */
    IDP_JPKI_REVOCATION_UNKNOWN, /* no usable, current, complete CRL covers it: we fail closed */
    IDP_JPKI_NOT_YET_VALID,      /* before its validity (or its root's) at the verification time */
    IDP_JPKI_BAD_KEY_USAGE,      /* keyUsage missing, or without what its purpose needs (RFC 5280 §4.2.1.3) */
    IDP_JPKI__COUNT
} idp_jpki_reason_t;

/** "bad_signature", ... (stable: logs, metrics, API). */
const char *idp_jpki_reason_code(idp_jpki_reason_t r);
#define IDP_JPKI_MAX_CERT 4096

/* ---- revocation -------------------------------------------------------- */

/**
 * A source of revocation status: CRL files (below), or a platform operator's
 * API (revocation/operator.h; jpki itself knows no HTTP). check is called
 * from many threads at once.
 */
typedef struct idp_jpki_revocation idp_jpki_revocation_t;
struct idp_jpki_revocation {
    /** IDP_JPKI_OK (good), IDP_JPKI_REVOKED or IDP_JPKI_REVOCATION_UNKNOWN for @p cert issued by @p issuer at @p at. */
    idp_jpki_reason_t (*check)(idp_jpki_revocation_t *self, X509 *cert, X509 *issuer, time_t at);
    void (*free)(idp_jpki_revocation_t *self);
    /** Optional (NULL: none): appends the source's own metric families to @p out (Prometheus text, /metrics). */
    void (*metrics)(idp_jpki_revocation_t *self, idp_buf_t *out);
};

/**
 * CRLs (DER or PEM, *.crl / *.pem) in @p dir, reloaded when a file changes
 * (checked at most once a second). A CRL is evidence only if it is the
 * certificate issuer's (its name, and a signature by the issuer's own key),
 * @p at lies between its thisUpdate and nextUpdate, it has no critical
 * extension we do not process (RFC 5280 §5.2, §5.3), it is not indirect, and
 * its scope (issuingDistributionPoint, §5.2.5) covers the certificate. Any
 * such CRL that lists the certificate makes it revoked; "not revoked" needs a
 * complete one: a delta CRL (§5.2.4) or a CRL for some reasons only adds
 * revocations and is never enough by itself. Otherwise
 * IDP_JPKI_REVOCATION_UNKNOWN. Unusable CRLs are logged (crl_unusable) when
 * loaded. Details: crl.c, docs/card.md "Revocation".
 */
idp_err_t idp_jpki_crl_dir_new(const char *dir, idp_jpki_revocation_t **out);

/**
 * The same rules over a fixed set: the DER CRLs one after another in @p der
 * (@p len bytes; whatever follows the last CRL that parses is ignored). Logs
 * nothing. For tests and the fuzzer.
 */
idp_err_t idp_jpki_crl_mem_new(const unsigned char *der, size_t len, idp_jpki_revocation_t **out);

/* ---- trust -------------------------------------------------------------- */

typedef struct idp_jpki_trust idp_jpki_trust_t;

/**
 * An empty trust configuration. Roots are pinned by key: a root is trusted
 * only if the SHA-256 of its DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) is
 * an anchor of its purpose (idp_jpki_trust_add_anchor, from
 * jpki.auth_anchors / jpki.sign_anchors). With @p test_roots (dev mode only)
 * the SakaI-D test CA's roots are anchors too (idp_jpki_test_anchor); without
 * it they are refused whether listed or not, and so is any root whose subject
 * has O=JPKI-TEST in whatever string type: test and production roots never
 * share a trust store (jpki.md).
 */
idp_jpki_trust_t *idp_jpki_trust_new(bool test_roots);

/**
 * Adds @p spki_sha256 to @p purpose's anchors. IDP_E_INVALID_REQUEST when it
 * is a test CA anchor and test roots are off, or too many anchors (a message
 * naming the digest in @p err).
 */
#define IDP_JPKI_MAX_ANCHORS 16
idp_err_t idp_jpki_trust_add_anchor(idp_jpki_trust_t *t, idp_jpki_purpose_t purpose,
                                    const unsigned char spki_sha256[32], char *err, size_t errlen);

/**
 * Pins every self-signed CA certificate in the PEM file @p path for
 * @p purpose. Each one's key must be an anchor of @p purpose (see
 * idp_jpki_trust_new); otherwise nothing more is read and
 * IDP_E_INVALID_REQUEST, with a message naming the root, its key's digest
 * and the setting that should list it. Add the anchors first.
 */
idp_err_t idp_jpki_trust_add_roots(idp_jpki_trust_t *t, idp_jpki_purpose_t purpose, const char *path, char *err,
                                   size_t errlen);

/** IDP_E_INVALID_REQUEST (naming the digest) when an anchor of @p purpose has no root added with its key. */
idp_err_t idp_jpki_trust_check_anchors(const idp_jpki_trust_t *t, idp_jpki_purpose_t purpose, char *err, size_t errlen);

/** The SHA-256 of @p x's DER SubjectPublicKeyInfo: what anchors are. False when it cannot be encoded. */
bool idp_jpki_spki_sha256(X509 *x, unsigned char out[32]);

/**
 * True when @p spki_sha256 is the key of one of the SakaI-D test CA's roots
 * (keys/jpki-test-ca derives them from public seeds, so anyone can hold their
 * private keys); *@p purpose (if not NULL) gets the root's purpose.
 */
bool idp_jpki_test_anchor(const unsigned char spki_sha256[32], idp_jpki_purpose_t *purpose);
/**
 * Certificates whose path validated are cached per trust object (verify.c):
 * at most this many, least recently used evicted first. About 6.5 KiB each
 * (the decoded certificate, its key and the result fields): some 26 MiB full.
 */
#define IDP_JPKI_CACHE_ENTRIES 4096

/**
 * idp_jpki_trust_new with a verified-certificate cache of @p cache_entries
 * (0: no cache, every verification takes the full path). For tests and
 * benchmarks; the server uses idp_jpki_trust_new.
 */
idp_jpki_trust_t *idp_jpki_trust_new_with_cache(bool test_roots, size_t cache_entries);
/** Sets the revocation source (the trust takes ownership). Without one, every card is revocation_unknown. */
void idp_jpki_trust_set_revocation(idp_jpki_trust_t *t, idp_jpki_revocation_t *rev);
/** The revocation source's own metric families, if it has any (for /metrics). */
void idp_jpki_trust_revocation_metrics(idp_jpki_trust_t *t, idp_buf_t *out);
/** How many verifications ended with each reason (for /metrics). */
unsigned long idp_jpki_trust_count(const idp_jpki_trust_t *t, idp_jpki_reason_t r);

typedef struct {
    unsigned long hits;   /* verifications of a cached certificate: decoding and the chain skipped */
    unsigned long misses; /* verifications that took the full path, refusals included (not those over 4 KiB) */
    size_t entries, capacity;
} idp_jpki_cache_stats_t;

/** The verified-certificate cache's counters (for /metrics and tests). */
void idp_jpki_trust_cache_stats(idp_jpki_trust_t *t, idp_jpki_cache_stats_t *out);
/** Frees the roots, the revocation source and the cache. */
void idp_jpki_trust_free(idp_jpki_trust_t *t);

/* ---- verification ------------------------------------------------------ */

/** The signing certificate's subjectAltName attributes (jpki.md), UTF-8. */
typedef struct {
    char name[256], name_alt[256], gender[8], birth_date[16], address[512], address_alt[512];
} idp_jpki_attrs_t;

typedef struct {
    idp_jpki_reason_t reason;
    char detail[192]; /* for the log: what exactly failed */
    unsigned char cert_sha256[32];
    char issuer_key_id[65]; /* hex, from the certificate's authorityKeyIdentifier */
    char serial[65];        /* hex */
    char subject_cn[80];
    long long not_after;
    bool has_attrs;
    idp_jpki_attrs_t attrs; /* signing certificates only */
} idp_jpki_result_t;

/**
 * Verifies certificate @p der of @p purpose at time @p at, and that its key
 * made @p sig: RSASSA-PKCS1-v1_5 over the SHA-256 DigestInfo of @p msg, as
 * the card signs (jpki.md). The caller builds @p msg from its own state
 * (idp_jpki_message); a client-supplied digest is never accepted.
 * A certificate seen before with a valid path to a pinned root skips DER
 * decoding and chain building (the cache above), but every call still checks
 * the validity period at @p at, revocation and the signature.
 * Returns res->reason. Thread-safe.
 */
idp_jpki_reason_t idp_jpki_verify(idp_jpki_trust_t *t, idp_jpki_purpose_t purpose, const unsigned char *der,
                                  size_t der_len, const unsigned char *msg, size_t msg_len, const unsigned char *sig,
                                  size_t sig_len, time_t at, idp_jpki_result_t *res);

#define IDP_JPKI_NONCE_BYTES 32
#define IDP_JPKI_MESSAGE_MAX 96

/**
 * The message the card signs (jpki.md "Proposed exchange"):
 *   tag 0x00 || nonce[32] || SHA-256(client_id 0x00 redirect_uri 0x00 oidc_nonce)
 * with tag "SAKAI-D-JPKI-AUTH-v1" or "SAKAI-D-JPKI-SIGN-v1". Returns its length.
 */
size_t idp_jpki_message(idp_jpki_purpose_t purpose, const unsigned char nonce[IDP_JPKI_NONCE_BYTES],
                        const char *client_id, const char *redirect_uri, const char *oidc_nonce,
                        unsigned char out[IDP_JPKI_MESSAGE_MAX]);

/** The request binding of the message: SHA-256(client_id 0x00 redirect_uri 0x00 oidc_nonce) into @p out. */
void idp_jpki_binding(const char *client_id, const char *redirect_uri, const char *oidc_nonce, unsigned char out[32]);

/** The same message from the binding (what the app's link carries, docs/card.md "The exchange"). */
size_t idp_jpki_message_bound(idp_jpki_purpose_t purpose, const unsigned char nonce[IDP_JPKI_NONCE_BYTES],
                              const unsigned char binding[32], unsigned char out[IDP_JPKI_MESSAGE_MAX]);

/** Parses the six subjectAltName attributes; IDP_JPKI_MALFORMED on duplicates or a missing name/birth date/address. */
idp_jpki_reason_t idp_jpki_parse_attrs(X509 *cert, idp_jpki_attrs_t *out, char *detail, size_t n);

#endif

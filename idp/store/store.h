/**
 * The storage interface: everything durable or shared between nodes goes
 * through these functions (product.md §8: stateless nodes). The protocol core
 * (idp/oauth) sees only this header; idp/store/pg implements it on
 * PostgreSQL. Every function is safe to call from any thread.
 *
 * Errors: IDP_E_UNAVAILABLE when the database cannot be reached (the caller
 * answers 503 temporarily_unavailable), IDP_E_NOT_FOUND, IDP_E_CONFLICT for a
 * unique-key clash, IDP_E_SERVER_ERROR for anything else.
 */
#ifndef IDP_STORE_STORE_H
#define IDP_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

typedef struct idp_store idp_store_t;

/** Opens a pool of @p pool_size connections (lazily connected). */
idp_err_t idp_store_open(const char *url, int pool_size, int wait_ms, idp_store_t **out);
void idp_store_close(idp_store_t *s);

/** Round trip to the database (for /readyz). */
idp_err_t idp_store_ping(idp_store_t *s);

/** The highest applied migration (0 when none) and the one this binary expects. */
idp_err_t idp_store_schema_version(idp_store_t *s, int *version);
int idp_store_schema_expected(void);
/**
 * Applies pending migrations in order, each in its own transaction, under an
 * advisory lock so that two nodes never migrate at once. *from and *to report the
 * versions. IDP_E_CONFLICT if the database is newer than this binary.
 */
idp_err_t idp_store_migrate(idp_store_t *s, int *from, int *to, char *err, size_t errlen);

/* ---- signing keys ------------------------------------------------------ */

typedef struct {
    char kid[64];
    char alg[8];
    char state[8];          /* "next", "active", "retired" */
    long long created_at;   /* unix seconds */
    long long activated_at; /* 0 = never */
    long long retired_at;   /* 0 = not retired */
    char *public_jwk;       /* JSON text */
    unsigned char *private_enc;
    size_t private_enc_len;
} idp_store_key_t;

/** All keys, oldest first, and the database's clock (*now, unix seconds). */
idp_err_t idp_store_keys_list(idp_store_t *s, idp_store_key_t **rows, size_t *n, long long *now);
void idp_store_keys_free(idp_store_key_t *rows, size_t n);

/**
 * The rotation step for one algorithm, in one transaction under a lock:
 *  - no active key:  @p fresh becomes active, nothing else changes;
 *  - otherwise: the next key must have been published for @p min_next_age
 *    seconds (else IDP_E_CONFLICT, nothing changes); the active key is
 *    retired, next becomes active, and @p fresh becomes next.
 *  - active but no next: @p fresh becomes next.
 * *what receives "activated", "rotated" or "published".
 */
idp_err_t idp_store_keys_rotate(idp_store_t *s, const idp_store_key_t *fresh, long long min_next_age,
                                const char **what);
/** Retires a key now. IDP_E_NOT_FOUND; IDP_E_CONFLICT if it is the only key that can sign its alg. */
idp_err_t idp_store_key_retire(idp_store_t *s, const char *kid);

/* ---- relying parties --------------------------------------------------- */

typedef struct {
    char *client_id;
    char *metadata;              /* JSON object text */
    bool has_secret;
    unsigned char secret_hash[32];
    long long created_at, updated_at, secret_rotated_at;
} idp_store_client_t;

idp_err_t idp_store_client_insert(idp_store_t *s, const idp_store_client_t *c);
/** IDP_E_NOT_FOUND if there is no such client. Free with idp_store_client_clear. */
idp_err_t idp_store_client_get(idp_store_t *s, const char *client_id, idp_store_client_t *out);
idp_err_t idp_store_client_list(idp_store_t *s, idp_store_client_t **rows, size_t *n);
idp_err_t idp_store_client_update(idp_store_t *s, const char *client_id, const char *metadata,
                                  const unsigned char *secret_hash /* NULL = unchanged */, bool clear_secret);
idp_err_t idp_store_client_delete(idp_store_t *s, const char *client_id);
void idp_store_client_clear(idp_store_client_t *c);
void idp_store_clients_free(idp_store_client_t *rows, size_t n);

/* ---- tokens ------------------------------------------------------------ */

idp_err_t idp_store_access_token_insert(idp_store_t *s, const char *jti, const char *client_id,
                                        const char *subject, const char *scope, long long expires_at);

/* ---- login transactions and card challenges (issue #3) ---------------- */

typedef struct {
    char id[64];
    char client_id[128];
    char redirect_uri[2048];
    char oidc_nonce[512];
    long long expires_at;
    char resident_id[64];  /* "" until someone signed in */
    char acr[64];
    long long authenticated_at;
} idp_store_login_tx_t;

/** A live (unexpired) login transaction; IDP_E_NOT_FOUND otherwise. */
idp_err_t idp_store_login_tx_get(idp_store_t *s, const char *id, idp_store_login_tx_t *out);
/** Creates a login transaction living @p ttl seconds. */
idp_err_t idp_store_login_tx_create(idp_store_t *s, const char *id, const char *client_id, const char *redirect_uri,
                                    const char *oidc_nonce, int ttl);
/** Marks the transaction as signed in by @p resident_id with @p acr. */
idp_err_t idp_store_login_tx_authenticate(idp_store_t *s, const char *id, const char *resident_id, const char *acr);

typedef struct {
    char id[64];
    char login_tx[64];
    char purpose[8];           /* "auth" or "sign" */
    unsigned char nonce[32];
    long long expires_at;
    char status[16];           /* "pending", "authenticated", "failed" */
    char reason[32];
} idp_store_card_challenge_t;

/**
 * Creates a challenge for a live login transaction, unless it already has
 * @p max_per_tx challenges (IDP_E_CONFLICT: rate limit) or is gone
 * (IDP_E_NOT_FOUND).
 */
idp_err_t idp_store_card_challenge_create(idp_store_t *s, const idp_store_card_challenge_t *c, int ttl,
                                          int max_per_tx);
/**
 * Takes a challenge for verification, exactly once: IDP_OK with *out; else
 * IDP_E_NOT_FOUND (no such challenge), IDP_E_CONFLICT (already used) or
 * IDP_E_INVALID_GRANT (expired).
 */
idp_err_t idp_store_card_challenge_take(idp_store_t *s, const char *id, idp_store_card_challenge_t *out);
/** Records the outcome of a taken challenge. */
idp_err_t idp_store_card_challenge_finish(idp_store_t *s, const char *id, const char *status, const char *reason);
/** Reads a challenge (for the status poll). */
idp_err_t idp_store_card_challenge_get(idp_store_t *s, const char *id, idp_store_card_challenge_t *out);

/* ---- card identities ------------------------------------------------------ */

typedef struct {
    unsigned char sha256[32];
    const char *purpose;       /* "auth" or "sign" */
    const char *issuer_key_id; /* hex */
    const char *serial;        /* hex */
    long long not_after;
} idp_store_card_cert_t;

/**
 * The resident a card's authentication certificate belongs to: known
 * certificate, else through imported linkage from an older certificate (the
 * new one is then recorded), else a new resident with id @p new_id.
 * *created says which. One transaction.
 */
idp_err_t idp_store_card_resident(idp_store_t *s, const idp_store_card_cert_t *cert, const char *new_id,
                                  char resident_id[64], bool *created);

typedef struct {
    const char *name, *name_alt, *gender, *birth_date, *address, *address_alt;
    bool sakai_resident;
    const char *sakai_ward; /* NULL outside Sakai */
} idp_store_attrs_t;

/**
 * Enrols a signing certificate for @p resident_id and stores its verified
 * attributes (replacing older ones). IDP_E_CONFLICT if the certificate
 * already belongs to another resident.
 */
idp_err_t idp_store_card_enrol_sign(idp_store_t *s, const char *resident_id, const idp_store_card_cert_t *cert,
                                    const idp_store_attrs_t *a);

typedef struct {
    char old_issuer_key_id[65], old_serial[65], new_issuer_key_id[65], new_serial[65];
} idp_store_linkage_t;

/** Imports linkage rows in one transaction (existing old certificates are updated). */
idp_err_t idp_store_linkage_import(idp_store_t *s, const idp_store_linkage_t *rows, size_t n);

#endif

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

#endif

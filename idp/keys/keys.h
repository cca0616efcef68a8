/**
 * Signing keys between PostgreSQL and memory: generating a key and sealing
 * its private part under the KEK, loading the key table into a keyset, and
 * the rotation step. Used by sakaid (load, refresh) and sakaid-admin
 * (init, rotate). See docs/keys.md for the rotation rules.
 */
#ifndef IDP_KEYS_KEYS_H
#define IDP_KEYS_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "jose/kek.h"
#include "jose/keystore.h"
#include "store/store.h"

/** The associated data that binds a sealed private key to its kid. */
#define IDP_KEYS_AAD_PREFIX "sakaid:signing-key:"

/**
 * Whether key row @p k belongs in the JWKS at time @p now: next and active
 * keys always; a retired key while a token it signed may still be live
 * (retired less than @p max_token_lifetime seconds ago).
 */
bool idp_keys_published(const idp_store_key_t *k, long long now, int max_token_lifetime);

/**
 * Loads every key that is published (see above), decrypting private parts
 * with @p kek, into a sealed keyset (*out, release with idp_keyset_release).
 * A row that does not decrypt is an error (wrong KEK): @p err says which kid.
 */
idp_err_t idp_keys_load(idp_store_t *s, const idp_kek_t *kek, int max_token_lifetime, idp_keyset_t **out, char *err,
                        size_t errlen);

/**
 * One rotation step for @p alg (idp_store_keys_rotate): generates a fresh key,
 * seals it, and stores it. *what is "activated", "published" or "rotated";
 * *kid (if not NULL, 64 bytes) receives the fresh key's kid.
 * IDP_E_CONFLICT when the waiting next key is younger than @p min_next_age. With
 * @p log (NULL: none), the admin log's row of the rotation is written in its transaction.
 */
idp_err_t idp_keys_rotate(idp_store_t *s, const idp_kek_t *kek, idp_alg_t alg, long long min_next_age,
                          const idp_store_admin_entry_t *log, const char **what, char kid[64]);

/**
 * The rotation steps that are due on a schedule (migration 0021; docs/keys.md "Scheduled rotation"), one
 * algorithm at a time: each schedule is claimed for @p lease_seconds so that one node rotates, then stepped
 * as idp_keys_rotate does, with its admin log row (actor "scheduler", role "key-operator") in its
 * transaction, and its next time set. A step refused because the next key is younger than @p min_next_age
 * is tried again when the claim runs out. *rotated counts the steps made.
 */
idp_err_t idp_keys_rotate_due(idp_store_t *s, const idp_kek_t *kek, long long min_next_age, long long lease_seconds,
                              int *rotated);

/**
 * Makes sure every algorithm (RS256, ES256, PS256: jose/key.h) has an active
 * and a next key (idempotent: does nothing when they do). *created counts the
 * keys it made.
 */
idp_err_t idp_keys_init(idp_store_t *s, const idp_kek_t *kek, int *created);

#endif

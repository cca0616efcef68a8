/**
 * Data keys between PostgreSQL and memory (docs/keys.md, "Data keys"): the
 * random 256-bit AES-256-GCM keys that seal residents' attributes at rest
 * (envelope encryption). Each is stored in the data_keys table sealed under
 * the key-encryption key, with associated data "sakaid:data-key:<id>".
 *
 * A key set holds the active and retiring keys in memory and gives the
 * store its sealer (store.h, idp_store_sealer_t): new values are sealed
 * with the active key, a value opens with the key its row names. The set
 * reloads the table when asked (sakaid: every keys.refresh_seconds), when
 * a row names a key it does not hold (at most once a second), and when the
 * store finds that its active key was rotated meanwhile; so a node learns
 * of a new key before it needs it, and at the latest when it does, with no
 * database round trip for keys on any other request.
 *
 * Used by sakaid (load at start, refresh) and sakaid-admin (keys init,
 * migrate, data-key). Thread-safe.
 */
#ifndef IDP_KEYS_DATAKEYS_H
#define IDP_KEYS_DATAKEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "jose/kek.h"
#include "store/store.h"

/** The associated data that binds a sealed data key to its id. */
#define IDP_DATAKEYS_AAD_PREFIX "sakaid:data-key:"
/** Reloads on a key nobody holds (a row under an unknown key id) happen at most this often. */
#define IDP_DATAKEYS_MISS_RELOAD_MS 1000

typedef struct idp_datakeys idp_datakeys_t;

/**
 * An empty key set that reads its table from @p store (NULL: only
 * idp_datakeys_load_rows) and unseals with @p kek; both must outlive it.
 */
idp_datakeys_t *idp_datakeys_new(idp_store_t *store, const idp_kek_t *kek);
/** Wipes the keys and frees the set. */
void idp_datakeys_free(idp_datakeys_t *dk);

/**
 * Reloads the data-key table (the active and retiring keys; retired ones
 * hold no key) and swaps it in at once. On failure the set stays as it
 * was, and @p err says why (a key that does not unseal names its id: the
 * wrong KEK). @p why ("start", "refresh", ...) goes to the log line written
 * when the set changed.
 */
idp_err_t idp_datakeys_load(idp_datakeys_t *dk, const char *why, char *err, size_t errlen);
/** The same from rows already read (what idp_datakeys_load does after reading them). */
idp_err_t idp_datakeys_load_rows(idp_datakeys_t *dk, const idp_store_data_key_t *rows, size_t n, const char *why,
                                 char *err, size_t errlen);
/** The id of the active key, 0 when there is none. */
int idp_datakeys_active(idp_datakeys_t *dk);
/** How many keys the set holds (active and retiring). */
size_t idp_datakeys_count(idp_datakeys_t *dk);

/** The sealer for idp_store_set_sealer(); it lives as long as @p dk. */
const idp_store_sealer_t *idp_datakeys_sealer(idp_datakeys_t *dk);

/**
 * Creates a data key: takes an id, draws 256 random bits, seals them under
 * @p kek and stores them as the active key (the one before becomes
 * retiring: idp_store_data_key_activate). With @p only_first,
 * IDP_E_CONFLICT when a data key exists already. *id receives the id.
 */
idp_err_t idp_datakeys_create(idp_store_t *s, const idp_kek_t *kek, bool only_first, int *id);

#endif

/**
 * The signing keys a node holds: an immutable, reference-counted snapshot
 * that request threads read without locks on the hot path, swapped whole
 * when the refresh thread loads a newer key table from PostgreSQL.
 */
#ifndef IDP_JOSE_KEYSTORE_H
#define IDP_JOSE_KEYSTORE_H

#include <stddef.h>

#include "core/err.h"
#include "jose/key.h"

typedef enum { IDP_KEY_NEXT, IDP_KEY_ACTIVE, IDP_KEY_RETIRED } idp_key_state_t;

typedef struct idp_keyset idp_keyset_t;
typedef struct idp_keystore idp_keystore_t;

/** An empty keyset to fill with idp_keyset_add, then idp_keyset_seal. */
idp_keyset_t *idp_keyset_new(void);
/**
 * Adds @p key (ownership passes to the keyset). @p published says whether the
 * key appears in the JWKS (retired keys stop being published after the
 * longest token lifetime).
 */
idp_err_t idp_keyset_add(idp_keyset_t *ks, idp_jose_key_t *key, idp_key_state_t state, int published);
/** Builds the JWKS document. Call once, after the last add. */
idp_err_t idp_keyset_seal(idp_keyset_t *ks);
/** The active key for @p alg, or NULL. */
const idp_jose_key_t *idp_keyset_signer(const idp_keyset_t *ks, idp_alg_t alg);
/** The JWKS JSON ({"keys":[...]}) and its length; public keys only. */
/** When the active key of @p alg became active (unix seconds; 0: unknown): the key-rotation age of /metrics. */
void idp_keyset_set_activated(idp_keyset_t *ks, idp_alg_t alg, long long at);
long long idp_keyset_activated(const idp_keyset_t *ks, idp_alg_t alg);
const char *idp_keyset_jwks(const idp_keyset_t *ks, size_t *len);
size_t idp_keyset_count(const idp_keyset_t *ks);
/** The published keys as a verification set (jose/verify.h), parsed once at seal; valid while @p ks is held. */
const struct idp_jwks *idp_keyset_verifier(const idp_keyset_t *ks);
void idp_keyset_release(idp_keyset_t *ks);

idp_keystore_t *idp_keystore_new(void);
/** Replaces the current keyset (the store takes the caller's reference). */
void idp_keystore_set(idp_keystore_t *st, idp_keyset_t *ks);
/** A reference to the current keyset (NULL if none yet); pair with idp_keyset_release. */
idp_keyset_t *idp_keystore_get(idp_keystore_t *st);
void idp_keystore_free(idp_keystore_t *st);

#endif

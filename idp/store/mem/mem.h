/**
 * The in-memory store (issue #16 §1): a reference implementation of
 * store.h with the same single-use, replay and expiry semantics as
 * store/pg, in the manner of fosite's MemoryStore and node-oidc-provider's
 * memory adapter. One mutex guards everything: it is for unit tests and
 * the contract suite (tests/unit/test_store_contract.c), not for speed.
 *
 * Domains it does not implement answer IDP_E_UNAVAILABLE (docs/architecture.md
 * lists them). Verified attributes are kept in clear in this process's
 * memory: store/pg seals them at rest, and this store needs no sealer.
 */
#ifndef IDP_STORE_MEM_MEM_H
#define IDP_STORE_MEM_MEM_H

#include "store/store.h"

/** A new, empty memory store; free it with idp_store_close(). */
idp_err_t idp_store_mem_new(idp_store_t **out);

/**
 * Moves the store's clock (unix seconds) @p seconds ahead of the real one
 * from now on, so that tests can reach an expiry without sleeping.
 */
void idp_store_mem_advance(idp_store_t *s, long long seconds);

/**
 * Makes the next call of the use-case operation @p op ("card_verified")
 * fail with @p e at its commit, after it has made every change: it must
 * undo them all (tests of all-or-nothing; store/pg gets the same from its
 * transaction).
 */
void idp_store_mem_fault(idp_store_t *s, const char *op, idp_err_t e);

#endif

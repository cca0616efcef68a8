/**
 * Registered clients kept on this node (issue #16 §4): each as the typed,
 * immutable idp_client_t (client/client.h), built once from its stored row
 * and shared by reference. A hit is a lock, a lookup and a reference count:
 * no copy, no JSON parsed, no store call. Internal to idp/oauth.
 *
 * Freshness is the store's watch (idp_store_client_watch_start: NOTIFY
 * sakaid_clients on store/pg, every write on store/mem), whose callback is
 * idp_clients_changed:
 * - nothing is kept while the watch is not live (before it starts, while
 *   store/pg's listener is disconnected): every lookup reads the store;
 * - everything is dropped when it becomes live again (changes may have been
 *   missed), and on a TRUNCATE;
 * - a change drops that client, and bumps a generation: a lookup that read
 *   the store before the change (its row may be the old one) does not keep
 *   what it read, because the generation is no longer the one it saw before
 *   reading.
 */
#ifndef IDP_OAUTH_CLIENTS_H
#define IDP_OAUTH_CLIENTS_H

#include <stdbool.h>

#include "client/client.h"
#include "oauth/oauth.h"

/** An empty cache, not live (nothing is kept) until its watch says so. NULL when out of memory. */
struct idp_clients *idp_clients_new(void);

/**
 * Frees the cache and its references (NULL is fine). The store's watch that
 * calls idp_clients_changed on it must have been stopped first
 * (idp_oauth_free does: idp_store_client_watch_stop, then this).
 */
void idp_clients_free(struct idp_clients *c);

/**
 * Drops @p client_id after this node changed it (the admin API, the console): the change holds here at once,
 * without waiting for the store's watch to hear of it, as the other nodes do.
 */
void idp_clients_forget(struct idp_clients *c, const char *client_id);

/** The store's watch callback (idp_store_client_watch_fn); @p ctx is the cache. */
void idp_clients_changed(void *ctx, const char *client_id, bool live);

/**
 * The client @p client_id: *out receives a reference (idp_client_unref),
 * from the cache or, on a miss, from the store (kept for the next lookup
 * when the rules above allow). IDP_E_NOT_FOUND for no such client; store
 * errors (IDP_E_UNAVAILABLE, ...); IDP_E_SERVER_ERROR for a row whose
 * metadata does not validate (idp_client_new: logged as
 * "client_metadata_invalid", never used), or IDP_E_NOMEM.
 */
idp_err_t idp_clients_get(idp_oauth_t *o, const char *client_id, const idp_client_t **out);

/** Lookups answered from the cache (@p hits) and from the store (@p misses), for /metrics. */
void idp_clients_stats(struct idp_clients *c, unsigned long *hits, unsigned long *misses);

#endif

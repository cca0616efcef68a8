/**
 * Relying-party metadata: the names of OpenID Connect Dynamic Client
 * Registration 1.0 §2 and RFC 7591 §2 (plus Back-Channel and RP-Initiated
 * Logout), and our own fields (tier, require_pkce, card_required,
 * purpose_ja/purpose_en). Validation is data-driven: one row per field.
 */
#ifndef IDP_OAUTH_CLIENT_META_H
#define IDP_OAUTH_CLIENT_META_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/**
 * Validates @p in (a JSON object of metadata) and returns a normalized copy
 * with defaults filled in (*out, owned by the caller: json_decref).
 * On failure returns IDP_E_INVALID_CLIENT_METADATA or
 * IDP_E_INVALID_REDIRECT_URI (RFC 7591 §3.2.2) and writes a message that
 * begins with the field's name into @p err.
 */
idp_err_t idp_client_meta_validate(json_t *in, json_t **out, char *err, size_t errlen);

/** The kind of value a field takes, for command-line parsing. */
typedef enum { IDP_META_STRING, IDP_META_URI, IDP_META_BOOL, IDP_META_INT, IDP_META_LIST, IDP_META_OBJECT } idp_meta_kind_t;

/** The kind of the metadata field @p name; false if there is no such field. */
bool idp_client_meta_kind(const char *name, idp_meta_kind_t *kind);

/** The names of all fields, NULL-terminated (for help texts). */
const char *const *idp_client_meta_names(void);

/** True if this client authenticates with a secret (client_secret_basic / _post). */
bool idp_client_meta_uses_secret(json_t *meta);

/** True if the JSON array @p list (NULL: empty) holds the string @p s. */
bool idp_json_list_has(json_t *list, const char *s);

/* ---- the sector of pairwise subjects (OpenID Connect Core §8.1) ---------------------- */

/** The size of a buffer for a sector (a host name). */
#define IDP_SECTOR_MAX 512

/**
 * The sector that @p meta's pairwise subjects are derived from (OpenID Connect
 * Core §8.1): the host of sector_identifier_uri, else of the first redirect
 * URI, else "" (no resident ever signs in to such a client), into @p out
 * (@p n bytes, IDP_SECTOR_MAX; a host that does not fit gives ""). Returns
 * false, and "", for subject_type public. idp_subject (oauth/subject.c) derives
 * sub from it.
 */
bool idp_client_meta_sector(json_t *meta, char *out, size_t n);

#endif

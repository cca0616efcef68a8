/**
 * Relying-party metadata: the names of OpenID Connect Dynamic Client
 * Registration 1.0 §2 and RFC 7591 §2 (plus Back-Channel and RP-Initiated
 * Logout), and our own fields (tier, require_pkce, card_required,
 * purpose_ja/purpose_en). Validation is data-driven: one row per field.
 */
#ifndef IDP_CLIENT_CLIENT_META_H
#define IDP_CLIENT_CLIENT_META_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
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
typedef enum {
    IDP_META_STRING,
    IDP_META_URI,
    IDP_META_BOOL,
    IDP_META_INT,
    IDP_META_LIST,
    IDP_META_OBJECT
} idp_meta_kind_t;

/** The kind of the metadata field @p name; false if there is no such field. */
bool idp_client_meta_kind(const char *name, idp_meta_kind_t *kind);

/**
 * The values field @p name accepts (NULL-terminated), the set its validation
 * enforces; NULL for a field that takes any value. Discovery publishes these
 * (token_endpoint_auth_methods_supported, ...).
 */
const char *const *idp_client_meta_allowed(const char *name);

/** The names of all fields, NULL-terminated (for help texts). */
const char *const *idp_client_meta_names(void);

/**
 * The security profile a client is marked with (security_profile, docs/fapi.md): none, fapi2 (the FAPI 2.0 Security
 * Profile), or fapi2-message-signing (fapi2 and FAPI 2.0 Message Signing: signed request objects and responses).
 */
typedef enum { IDP_PROFILE_NONE, IDP_PROFILE_FAPI2, IDP_PROFILE_FAPI2_MESSAGE_SIGNING } idp_profile_t;
/** The profile of metadata @p meta (any other value of security_profile is IDP_PROFILE_NONE: validation refuses it). */
idp_profile_t idp_client_meta_profile(json_t *meta);

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
 * sub from it, and sakaid-admin compares it before and after an update.
 */
bool idp_client_meta_sector(json_t *meta, char *out, size_t n);

/** At most this many bytes of a sector_identifier_uri document are read. */
#define IDP_SECTOR_DOC_MAX_BYTES (64 * 1024)

/**
 * Fetches the document at @p uri (a GET, no redirects, a timeout) into
 * @p body, which the caller has initialised with its maximum
 * (idp_buf_init) and frees. Returns IDP_OK for a 200 answer of at most
 * body->max bytes; otherwise an error, and a message in @p err that names
 * @p uri and what failed (unreachable, the HTTP status, too large). sakaid-admin
 * and POST /register pass idp_net_fetch_doc (net/http_client.h);
 * unit tests pass a fake.
 */
typedef idp_err_t (*idp_fetch_fn)(void *ctx, const char *uri, idp_buf_t *body, char *err, size_t errlen);

/**
 * OpenID Connect Core §8.1 and Dynamic Client Registration 1.0 §5: when
 * @p meta (validated metadata) has sector_identifier_uri, fetches it with
 * @p fetch (at most IDP_SECTOR_DOC_MAX_BYTES) and checks that it is a JSON
 * array of strings holding every entry of redirect_uris
 * (idp_client_meta_sector_lists). IDP_OK when it does, or when there is no
 * sector_identifier_uri (nothing is fetched); otherwise
 * IDP_E_INVALID_CLIENT_METADATA and a message that begins with
 * "sector_identifier_uri: ".
 */
idp_err_t idp_client_meta_check_sector(json_t *meta, idp_fetch_fn fetch, void *ctx, char *err, size_t errlen);

/**
 * The rule itself, without the network: the document @p doc (@p len bytes,
 * fetched from @p uri, which is only named in messages) is a JSON array of
 * strings, and every entry of @p redirect_uris (a JSON array; NULL: none) is
 * one of them, compared as exact strings. IDP_OK, or
 * IDP_E_INVALID_CLIENT_METADATA with a message beginning "sector_identifier_uri: ".
 */
idp_err_t idp_client_meta_sector_lists(const char *uri, const char *doc, size_t len, json_t *redirect_uris, char *err,
                                       size_t errlen);

/**
 * Whether replacing the metadata @p before by @p after gives residents a new
 * `sub` at this client: a change of subject_type, or of the pairwise sector
 * (idp_client_meta_sector). A client that had no redirect URI never had a
 * resident sign in, so any change is fine for it. IDP_OK when the subjects stay; otherwise
 * IDP_E_INVALID_CLIENT_METADATA and a message naming both sectors, beginning
 * with the field that moved it (sector_identifier_uri, redirect_uris or
 * subject_type).
 */
idp_err_t idp_client_meta_sector_change(json_t *before, json_t *after, char *err, size_t errlen);

#endif

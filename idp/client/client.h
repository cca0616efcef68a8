/**
 * A registered client (relying party) as the protocol reads it: its
 * metadata validated once (idp_client_meta_validate) and laid out in typed
 * fields, built from the stored row and then never changed. The protocol
 * core keeps these in its per-node cache (oauth/clients.c) and every
 * request that names a client reads the same struct: no JSON is parsed on
 * a cache hit, and no field is looked up by name.
 *
 * Immutable and reference-counted: any number of threads may read one
 * client at the same time; each holder of a reference gives it back with
 * idp_client_unref, and the last one frees it.
 */
#ifndef IDP_CLIENT_CLIENT_H
#define IDP_CLIENT_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "client/client_meta.h"
#include "core/err.h"

/**
 * The fields. Every string and list points into the client's own memory
 * (mostly its normalized metadata, kept read-only) and lives as long as the
 * client; NULL means the field is absent. Lists are NULL-terminated and
 * never NULL themselves (an absent list is empty): test them with
 * idp_client_has.
 */
typedef struct {
    const char *id;    /* client_id */
    const char *name;  /* client_name (required by validation) */
    const char *tier;  /* "partner" or "city" */
    bool city;         /* tier city (product.md §5: public subjects, city-only claims) */
    const char *scope; /* the scope it registered: space-separated names (default "openid") */
    /* token_endpoint_auth_method: client_secret_basic, client_secret_post, private_key_jwt or none */
    const char *auth_method;
    bool is_public;                /* auth_method none: no credentials at the token endpoint */
    bool uses_secret;              /* auth_method client_secret_basic or client_secret_post */
    bool has_secret;               /* the row holds a secret's hash */
    unsigned char secret_hash[32]; /* SHA-256 of the secret (when has_secret); wiped when the client is freed */
    bool require_pkce, card_required, first_party;
    bool require_par;            /* require_pushed_authorization_requests (RFC 9126 §6) */
    bool dpop_bound;             /* dpop_bound_access_tokens (RFC 9449 §5.2): token requests carry a proof */
    bool fapi2;                  /* security_profile fapi2 or fapi2-message-signing (docs/fapi.md) */
    bool message_signing;        /* security_profile fapi2-message-signing: signed requests and responses */
    bool require_signed_request; /* require_signed_request_object (RFC 9101 §10.5): pushes a signed request object */
    const char *request_object_alg; /* request_object_signing_alg (RFC 9101 §6.2); NULL: any alg jose verifies */
    const char *authorization_alg;  /* authorization_signed_response_alg (JARM; default RS256) */
    long default_max_age;           /* seconds; -1 when absent */
    const char *id_token_alg;       /* id_token_signed_response_alg (default RS256) */
    const char *access_token_alg;   /* access_token_signed_response_alg; NULL: the configured default */
    const json_t *jwks;             /* the inline JWK Set (read-only; never change its reference count), or NULL */
    const char *jwks_text;          /* the same, serialised once (compact JSON), or NULL */
    const char *jwks_uri;
    const char *backchannel_logout_uri;
    const char *logo_uri, *policy_uri, *purpose_ja, *purpose_en;
    const char *const *redirect_uris;
    const char *const *post_logout_redirect_uris;
    const char *const *response_types;
    const char *const *grant_types;
    const char *const *default_acr_values;
    const char *const *authorization_details_types; /* RFC 9396 §10: the types it may request */
    /* derived once from the lists */
    bool refresh_allowed;            /* grant_types holds refresh_token */
    bool client_credentials_allowed; /* grant_types holds client_credentials */
    bool code_allowed;               /* response_types holds code */
    /* OpenID Connect Core §8.1, idp_client_meta_sector: pairwise subjects, and their sector ("" without one) */
    bool pairwise;
    char sector[IDP_SECTOR_MAX];
    /* Dynamic registration (RFC 7591): the organisation that registered it ("" when an administrator added it), and
     * whether it is still in that organisation's sandbox (it signs in only its test residents; docs/admin.md). */
    char organisation[64];
    bool sandbox;
    /* The normalized metadata itself, read-only: for free-form fields without a member above. */
    const json_t *meta;
} idp_client_t;

/** Where a client stands in its life cycle; NULL for idp_client_new: added by an administrator, live. */
typedef struct {
    const char *organisation; /* the organisation that registered it (RFC 7591), or NULL/"" */
    bool sandbox;             /* still in that organisation's sandbox */
} idp_client_life_t;

/**
 * Builds a client from its stored row: @p client_id, @p metadata (the JSON
 * object text the store keeps), its secret's hash (@p secret_hash, 32
 * bytes, read only when @p has_secret) and its life cycle (@p life, may be NULL). The metadata is validated again with
 * idp_client_meta_validate, so a row that no longer passes (a rule tightened
 * since it was registered, a row written around sakaid-admin) is refused
 * rather than used: IDP_E_INVALID_CLIENT_METADATA or IDP_E_INVALID_REDIRECT_URI
 * with a message in @p err that begins with the field's name (or "metadata:"
 * when it is not a JSON object). IDP_E_NOMEM.
 *
 * On success *out holds one reference (idp_client_unref).
 */
idp_err_t idp_client_new(const char *client_id, const char *metadata, bool has_secret, const unsigned char *secret_hash,
                         const idp_client_life_t *life, const idp_client_t **out, char *err, size_t errlen);

/** Takes one more reference to @p c (NULL is fine) and returns it. Thread-safe. */
const idp_client_t *idp_client_ref(const idp_client_t *c);

/** Gives back one reference (NULL is fine); the last frees the client. Thread-safe. */
void idp_client_unref(const idp_client_t *c);

/** True if the NULL-terminated @p list (NULL: empty) holds @p s (exact match). */
bool idp_client_has(const char *const *list, const char *s);

#endif

/*
 * An upstream provider's row, written from its fields (docs/social.md,
 * docs/card.md "Channels"): the checks, the client secret sealed under the
 * KEK, a card channel's private_key_jwt key made and sealed in the secret's
 * place, and what may be shown of it. sakaid-admin upstream and the admin
 * API (POST/PUT /admin/api/v1/upstreams) share it.
 */
#ifndef IDP_FEDERATION_UPSTREAM_ROW_H
#define IDP_FEDERATION_UPSTREAM_ROW_H

#include <jansson.h>
#include <stdbool.h>

#include "jose/kek.h"
#include "store/store.h"

/* The Digital Agency's デジタル認証アプリ: a card channel (private_key_jwt, its four attributes). */
#define IDP_UPSTREAM_CARD_APP "digital-auth-app"

/** The fields of a change: NULL (or enabled -1) leaves the stored one, or the default on an add. */
typedef struct idp_upstream_fields {
    const char *issuer, *client_id, *secret, *display_name, *scopes, *icon_uri, *kind, *acr_values;
    int enabled;     /* 1, 0, or -1: unchanged (an add: enabled) */
    bool rotate_key; /* a card channel: a new key */
} idp_upstream_fields_t;

/** An upstream id: [a-z0-9-], 1 to 32, not starting with '-'. */
bool idp_upstream_id_ok(const char *id);

/**
 * Checks @p f and applies it to @p u: a zeroed row for @p add, else the
 * stored one (its secret_enc freed and NULL: the column is kept unless a
 * new secret or key is given). Seals the secret, or makes a card channel's
 * key, for row @p id under @p kek. IDP_E_INVALID_REQUEST with @p err naming
 * the field; IDP_E_NOMEM; a sealing failure.
 */
idp_err_t idp_upstream_fill(const idp_kek_t *kek, const char *id, bool add, const idp_upstream_fields_t *f,
                            idp_store_upstream_t *u, char *err, size_t errlen);

/** What may be shown of @p u: never its secret or key. */
json_t *idp_upstream_json(const idp_store_upstream_t *u);

/** The public JWK Set of card channel @p u's key (opened with @p kek), or NULL (not a card channel, or unopenable). */
json_t *idp_upstream_jwks(const idp_kek_t *kek, const idp_store_upstream_t *u);

#endif

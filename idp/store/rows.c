/*
 * Freeing what the store hands out: the same for every store (store/pg and
 * store/mem allocate rows the same way), so it lives with the interface.
 */
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "store/store.h"

void idp_store_deliveries_free(idp_store_delivery_t *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        free(rows[i].logout_token);
    free(rows);
}

void idp_store_ledger_rows_free(idp_store_ledger_row_t *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        free(rows[i].resident_id);
        free(rows[i].client_id);
        free(rows[i].action);
        free(rows[i].claims);
        free(rows[i].actor);
        free(rows[i].purpose);
    }
    free(rows);
}

void idp_store_audit_rows_free(idp_store_audit_row_t *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        free(rows[i].detail);
    free(rows);
}

void idp_store_resident_attrs_clear(idp_store_resident_attrs_t *a)
{
    char *v[] = {a->name,        a->name_alt,   a->gender,     a->birth_date,    a->address,
                 a->address_alt, a->sakai_ward, a->gender_raw, a->birth_date_raw};
    /* attributes are personal data: wiped, as store/pg wipes what it opens */
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        if (v[i]) {
            idp_wipe(v[i], strlen(v[i]));
            free(v[i]);
        }
    }
    free(a->evidence_upstream);
    free(a->evidence_issuer);
    free(a->evidence_subject);
    free(a->evidence_assurance);
    memset(a, 0, sizeof(*a));
}

void idp_store_keys_free(idp_store_key_t *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        free(rows[i].public_jwk);
        if (rows[i].private_enc) {
            memset(rows[i].private_enc, 0, rows[i].private_enc_len);
            free(rows[i].private_enc);
        }
    }
    free(rows);
}

void idp_store_client_clear(idp_store_client_t *c)
{
    free(c->client_id);
    free(c->metadata);
    memset(c, 0, sizeof(*c));
}

void idp_store_clients_free(idp_store_client_t *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        idp_store_client_clear(&rows[i]);
    free(rows);
}

void idp_store_data_keys_free(idp_store_data_key_t *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        free(rows[i].key_enc);
    free(rows);
}

void idp_store_upstream_clear(idp_store_upstream_t *u)
{
    free(u->issuer);
    free(u->client_id);
    free(u->scopes);
    free(u->display_name);
    free(u->icon_uri);
    free(u->acr_values);
    free(u->secret_enc);
    memset(u, 0, sizeof(*u));
}

void idp_store_upstreams_free(idp_store_upstream_t *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        idp_store_upstream_clear(&rows[i]);
    free(rows);
}

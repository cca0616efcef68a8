/* Domains the memory store does not implement yet: IDP_E_UNAVAILABLE (store/ops.h). */

#include "store/mem/ops.h"

idp_err_t idp_mem_schema_version(idp_store_t *s, int *version)
{
    (void)s;
    (void)version;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_migrate(idp_store_t *s, int *from, int *to, char *err, size_t errlen)
{
    (void)s;
    (void)from;
    (void)to;
    (void)err;
    (void)errlen;
    return IDP_E_UNAVAILABLE;
}

void idp_mem_set_sealer(idp_store_t *s, const idp_store_sealer_t *sealer)
{
    (void)s;
    (void)sealer;
}

idp_err_t idp_mem_data_keys_list(idp_store_t *s, bool count_rows, idp_store_data_key_t **rows, size_t *n)
{
    (void)s;
    (void)count_rows;
    (void)rows;
    (void)n;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_data_key_reserve(idp_store_t *s, int *id)
{
    (void)s;
    (void)id;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_data_key_activate(idp_store_t *s, int id, const unsigned char *key_enc, size_t len, bool only_first)
{
    (void)s;
    (void)id;
    (void)key_enc;
    (void)len;
    (void)only_first;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_data_reseal(idp_store_t *s, int batch, long long *found, char *err, size_t errlen)
{
    (void)s;
    (void)batch;
    (void)found;
    (void)err;
    (void)errlen;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_data_keys_retire(idp_store_t *s, int *ids, size_t max, size_t *n)
{
    (void)s;
    (void)ids;
    (void)max;
    (void)n;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_plaintext_count(idp_store_t *s, long long *n)
{
    (void)s;
    (void)n;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_plaintext_seal(idp_store_t *s, int batch, idp_store_match_fn match, void *ctx, long long *moved,
                                 char *err, size_t errlen)
{
    (void)s;
    (void)batch;
    (void)match;
    (void)ctx;
    (void)moved;
    (void)err;
    (void)errlen;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_upstream_insert(idp_store_t *s, const idp_store_upstream_t *u)
{
    (void)s;
    (void)u;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_upstream_update(idp_store_t *s, const idp_store_upstream_t *u)
{
    (void)s;
    (void)u;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_upstream_get(idp_store_t *s, const char *id, idp_store_upstream_t *out)
{
    (void)s;
    (void)id;
    (void)out;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_upstream_list(idp_store_t *s, bool enabled_only, idp_store_upstream_t **rows, size_t *n)
{
    (void)s;
    (void)enabled_only;
    (void)rows;
    (void)n;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_upstream_delete(idp_store_t *s, const char *id)
{
    (void)s;
    (void)id;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_login_tx_upstream(idp_store_t *s, const char *tx_id, const char *upstream_id, const char *state,
                                    const char *nonce, const char *verifier)
{
    (void)s;
    (void)tx_id;
    (void)upstream_id;
    (void)state;
    (void)nonce;
    (void)verifier;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_login_tx_take_upstream(idp_store_t *s, const char *state, idp_store_login_tx_t *out,
                                         char upstream_id[40], char nonce[128], char verifier[160])
{
    (void)s;
    (void)state;
    (void)out;
    (void)upstream_id;
    (void)nonce;
    (void)verifier;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_login_tx_link(idp_store_t *s, const char *tx_id, const char *resident_id)
{
    (void)s;
    (void)tx_id;
    (void)resident_id;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_social_resident(idp_store_t *s, const char *issuer, const char *subject, const char *upstream_id,
                                  const char *link_to, const char *new_id, char resident_id[64], bool *created)
{
    (void)s;
    (void)issuer;
    (void)subject;
    (void)upstream_id;
    (void)link_to;
    (void)new_id;
    (void)resident_id;
    (void)created;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_credentials(idp_store_t *s, const char *resident_id, idp_store_credential_t **rows, size_t *n)
{
    (void)s;
    (void)resident_id;
    (void)rows;
    (void)n;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_credential_unlink(idp_store_t *s, const char *resident_id, const char *keep_sid, const char *kind,
                                    const char *issuer, const char *subject, const char *credential,
                                    bool *verified_removed, char (**ended)[64], size_t *n_ended)
{
    (void)s;
    (void)resident_id;
    (void)keep_sid;
    (void)kind;
    (void)issuer;
    (void)subject;
    (void)credential;
    (void)verified_removed;
    (void)ended;
    (void)n_ended;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_household_get(idp_store_t *s, const char *resident_id, idp_store_household_t *out)
{
    (void)s;
    (void)resident_id;
    (void)out;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_household_put(idp_store_t *s, const char *resident_id, const idp_store_household_t *h)
{
    (void)s;
    (void)resident_id;
    (void)h;
    return IDP_E_UNAVAILABLE;
}

idp_err_t idp_mem_sweep(idp_store_t *s, long long *deleted)
{
    (void)s;
    (void)deleted;
    return IDP_E_UNAVAILABLE;
}

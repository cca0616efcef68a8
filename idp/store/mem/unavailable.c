/*
 * What the memory store does not implement: IDP_E_UNAVAILABLE (store/ops.h).
 * The schema (there is none), sweeping (nothing persists; expired rows are
 * already invisible to every read) and data keys with sealing (attributes
 * are kept in clear in this process, mem.h): all PostgreSQL's business.
 */

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
    (void)sealer; /* nothing is sealed here: accepted and unused */
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

idp_err_t idp_mem_sweep(idp_store_t *s, long long *deleted)
{
    (void)s;
    (void)deleted;
    return IDP_E_UNAVAILABLE;
}

/* Applications signed with the card in the memory store (store/pg: store_app_sign.c, migration 0026). */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "store/mem/internal.h"
#include "store/mem/ops.h"

idp_err_t idp_mem_card_cert_owner(idp_store_t *s, const unsigned char sha256[32], char resident_id[64], char purpose[8])
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = IDP_E_NOT_FOUND;
    for (size_t i = 0; i < d->certs.n && ret != IDP_OK; i++)
        if (!CRYPTO_memcmp(d->certs.v[i].sha256, sha256, 32)) {
            idp_mem_copy(resident_id, 64, d->certs.v[i].resident);
            idp_mem_copy(purpose, 8, d->certs.v[i].purpose);
            ret = IDP_OK;
        }
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_app_signature_insert(idp_store_t *s, const idp_store_app_signature_t *row)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = IDP_OK;
    for (size_t i = 0; i < d->signatures.n && ret == IDP_OK; i++)
        if (!strcmp(d->signatures.v[i].id, row->id))
            ret = IDP_E_CONFLICT;
    idp_store_app_signature_t *x = ret == IDP_OK ? IDP_MEM_PUSH(d->signatures) : NULL;
    if (ret == IDP_OK && x == NULL)
        ret = IDP_E_NOMEM;
    if (ret == IDP_OK) {
        *x = *row;
        x->created_at = idp_mem_now(d);
        if ((x->cms = malloc(row->cms_len ? row->cms_len : 1)) == NULL) {
            d->signatures.n--;
            ret = IDP_E_NOMEM;
        } else {
            memcpy(x->cms, row->cms, row->cms_len);
        }
    }
    if (ret == IDP_OK) { /* as store/pg: its audit row with it */
        char *detail = idp_store_app_signature_audit(row);
        ret = detail ? idp_mem_audit_append(d, "application_signed", row->resident_id, detail) : IDP_E_NOMEM;
        free(detail);
        if (ret != IDP_OK)
            free(d->signatures.v[--d->signatures.n].cms);
    }
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_app_signatures_bind(idp_store_t *s, const char *login_tx, const char *grant_id)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    for (size_t i = 0; i < d->signatures.n; i++)
        if (!strcmp(d->signatures.v[i].login_tx, login_tx) && !d->signatures.v[i].grant_id[0])
            IDP_MEM_SET(d->signatures.v[i].grant_id, grant_id);
    idp_mem_unlock(d);
    return IDP_OK;
}

idp_err_t idp_mem_app_signatures_list(idp_store_t *s, const char *resident_id, const char *grant_id,
                                      const char *login_tx, idp_store_app_signature_t **rows, size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = IDP_OK;
    *n = 0;
    *rows = calloc(d->signatures.n + 1, sizeof(**rows));
    if (*rows == NULL)
        ret = IDP_E_NOMEM;
    /* newest first, as store/pg: the vector is in insertion order */
    for (size_t k = d->signatures.n; ret == IDP_OK && k-- > 0;) {
        const idp_store_app_signature_t *x = &d->signatures.v[k];
        if ((resident_id && strcmp(x->resident_id, resident_id)) || (grant_id && strcmp(x->grant_id, grant_id)) ||
            (login_tx && strcmp(x->login_tx, login_tx)))
            continue;
        idp_store_app_signature_t *o = &(*rows)[*n];
        *o = *x;
        if ((o->cms = malloc(x->cms_len ? x->cms_len : 1)) == NULL) {
            ret = IDP_E_NOMEM;
            break;
        }
        memcpy(o->cms, x->cms, x->cms_len);
        (*n)++;
    }
    idp_mem_unlock(d);
    if (ret != IDP_OK) {
        idp_store_app_signatures_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return ret;
}

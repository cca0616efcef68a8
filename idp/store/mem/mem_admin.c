/*
 * The memory store's admin calls (store.h, idp_store_admin_apply; store/pg:
 * store_admin.c): the change and its row of the admin log together, or
 * neither. Upstream providers live in mem_social.c; the rest in mem.c.
 */
#include "store/mem/internal.h"
#include "store/mem/ops.h"

idp_err_t idp_mem_admin_apply(idp_store_t *s, const idp_store_admin_op_t *op, const idp_store_admin_entry_t *e)
{
    if (op->kind != IDP_ADMIN_OP_UPSTREAM_INSERT && op->kind != IDP_ADMIN_OP_UPSTREAM_UPDATE &&
        op->kind != IDP_ADMIN_OP_UPSTREAM_DELETE)
        return idp_mem_admin_apply_here(s, op, e);
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = idp_mem_admin_append(d, e);
    if (ret == IDP_OK && (ret = idp_mem_upstream_change_locked(d, op)) != IDP_OK)
        idp_mem_admin_unappend(d);
    idp_mem_unlock(d);
    return ret;
}

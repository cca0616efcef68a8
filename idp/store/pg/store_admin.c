/*
 * An admin call's change and its row of the hash-chained admin log, in one
 * transaction (store.h, idp_store_admin_apply; migration 0016). The change
 * is made by the file that owns its table: clients, tokens and residents
 * (store_registration.c), upstream providers (store_social.c), key rotation
 * schedules (store_sealed.c), test residents (store_org.c). No statements of
 * its own.
 */
#include "store/pg/internal.h"

idp_err_t idp_pg_admin_apply(idp_store_t *s, const idp_store_admin_op_t *op, const idp_store_admin_entry_t *e)
{
    idp_pg_conn_t *c;
    idp_err_t ret;
    if ((ret = idp_pg_begin(s, &c, "BEGIN")) != IDP_OK)
        return ret;
    switch (op->kind) {
    case IDP_ADMIN_OP_KEY_SCHEDULE: ret = idp_pg_key_schedule_on(c, op); break;
    case IDP_ADMIN_OP_UPSTREAM_INSERT:
    case IDP_ADMIN_OP_UPSTREAM_UPDATE:
    case IDP_ADMIN_OP_UPSTREAM_DELETE: ret = idp_pg_upstream_on(c, op); break;
    case IDP_ADMIN_OP_TEST_RESIDENT:
        ret = idp_pg_org_resident_on(c, IDP_ORG_TEST_RESIDENTS, op->text, op->id, op->flag);
        break;
    default: ret = idp_pg_registration_change_on(c, op);
    }
    if (ret == IDP_OK)
        ret = idp_pg_admin_log_on(c, e);
    return idp_pg_end(s, c, ret);
}

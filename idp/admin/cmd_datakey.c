/* sakaid-admin: loading data keys, and sealing what migration 0012 left in clear (docs/keys.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"

int admin_data_keys(admin_t *a, bool create_first)
{
    char err[512];
    int rc, id = 0;
    if (a->data_keys)
        return 0;
    if ((rc = admin_store(a)) != 0 || (rc = admin_kek(a)) != 0)
        return rc;
    if (create_first) {
        idp_err_t e = idp_datakeys_create(a->store, &a->kek, true, &id);
        if (e != IDP_OK && e != IDP_E_CONFLICT)
            return admin_store_fail(a, e, "creating the first data key");
    }
    if ((a->data_keys = idp_datakeys_new(a->store, &a->kek)) == NULL)
        return admin_fail(a, IDP_E_NOMEM, "out of memory");
    idp_err_t e = idp_datakeys_load(a->data_keys, "admin", err, sizeof(err));
    if (e == IDP_E_UNAVAILABLE)
        return admin_store_fail(a, e, "loading data keys");
    if (e != IDP_OK)
        return admin_fail(a, e, "%s", err);
    if (idp_datakeys_active(a->data_keys) == 0)
        return admin_fail(a, IDP_E_NOT_FOUND, "there is no data key yet: run `sakaid-admin keys init`");
    idp_store_set_sealer(a->store, idp_datakeys_sealer(a->data_keys));
    return 0;
}

int admin_seal_plaintext(admin_t *a, long long *sealed)
{
    char err[512] = "";
    long long left = 0, moved = 0;
    int rc;
    *sealed = 0;
    if ((rc = admin_store(a)) != 0)
        return rc;
    idp_err_t e = idp_store_plaintext_count(a->store, &left);
    if (e != IDP_OK)
        return admin_store_fail(a, e, "counting attributes stored in clear");
    if (left == 0)
        return 0;
    if ((rc = admin_data_keys(a, true)) != 0)
        return rc;
    /* One short transaction per batch: a run cut short leaves every row either in clear or sealed, never lost. */
    do {
        if ((e = idp_store_plaintext_seal(a->store, 500, &moved, err, sizeof(err))) != IDP_OK)
            return err[0] ? admin_fail(a, e, "sealing attributes stored in clear: %s", err)
                          : admin_store_fail(a, e, "sealing attributes stored in clear");
        *sealed += moved;
    } while (moved > 0);
    return 0;
}

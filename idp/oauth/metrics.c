/* The protocol core's lines of /metrics (metrics.h). */
#include "oauth/metrics.h"

#include <time.h>

#include "oauth/auth_guard.h"
#include "oauth/internal.h"

void idp_oauth_metrics(idp_oauth_t *o, idp_buf_t *out)
{
    /* failed client authentications by client, and back-offs (auth_guard.h) */
    if (o->auth_guard)
        idp_auth_guard_metrics(o->auth_guard, out);
    /* back-channel logout: deliveries by outcome, the backlog (logout.c) */
    idp_oauth_logout_metrics(out);
    /* the database: statement times and unavailability (store/pg) */
    idp_store_metrics(o->store, out);
    /* how long each algorithm's signing key has been the active one (docs/keys.md, rotation) */
    idp_keyset_t *ks = o->keys ? idp_keystore_get(o->keys) : NULL;
    if (ks) {
        long long now = (long long)time(NULL);
        idp_buf_puts(out, "# HELP sakaid_signing_key_age_seconds How long the active signing key of each algorithm "
                          "has been active.\n# TYPE sakaid_signing_key_age_seconds gauge\n");
        /* every algorithm jose signs with (jose/key.h) */
        for (int i = IDP_ALG_NONE + 1; i < IDP_ALG__COUNT; i++) {
            long long at = idp_keyset_activated(ks, (idp_alg_t)i);
            if (at > 0)
                idp_buf_printf(out, "sakaid_signing_key_age_seconds{alg=\"%s\"} %lld\n", idp_alg_name((idp_alg_t)i),
                               now - at);
        }
        idp_keyset_release(ks);
    }
}

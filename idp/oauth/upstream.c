/*
 * Upstream providers by kind (docs/social.md, docs/card.md "Channels"): a
 * social provider, or a card channel (the Digital Agency's デジタル認証アプリ,
 * issue #17). A leaf of idp/oauth: the login page (flow.c), the pages
 * (views.c) and the upstream leg (social.c) all ask it.
 */
#include <string.h>

#include "core/str.h"
#include "oauth/internal.h"

bool idp_upstream_is_card_channel(const idp_store_upstream_t *u)
{
    return !strcmp(u->kind, IDP_UPSTREAM_CARD_APP);
}

size_t idp_upstreams_card_channels(idp_store_upstream_t *ups, size_t n)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (!idp_upstream_is_card_channel(&ups[i])) {
            idp_store_upstream_clear(&ups[i]);
            continue;
        }
        if (kept != i) {
            ups[kept] = ups[i];
            memset(&ups[i], 0, sizeof(ups[i]));
        }
        kept++;
    }
    return kept;
}

bool idp_upstream_wants_attrs(const char *scopes)
{
    static const char *const basic[] = {"name", "address", "birthdate", "gender", NULL};
    for (const char *const *b = basic; *b; b++)
        if (idp_str_list_has(scopes ? scopes : "", *b))
            return true;
    return false;
}

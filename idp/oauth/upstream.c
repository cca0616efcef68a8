/*
 * Upstream providers by kind (docs/social.md, docs/card.md "Channels"): a
 * social provider, or a card channel (the Digital Agency's デジタル認証アプリ,
 * issue #17), and how a card channel's four basic attributes are decoded.
 * No HTTP, no SQL: the login page (flow.c), the pages (views.c) and the
 * upstream leg (social.c) all ask it.
 */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/str.h"
#include "oauth/internal.h"
#include "oauth/rules.h"

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

bool idp_upstream_birthdate(const char *v, char out[11])
{
    char code[10];
    size_t n = strlen(v);
    if (n == 10 && v[4] == '-' && v[7] == '-' && strspn(v, "0123456789-") == 10)
        snprintf(code, sizeof(code), "0%.4s%.2s%.2s", v, v + 5, v + 8);
    else if (n == 8 && strspn(v, "0123456789") == 8)
        snprintf(code, sizeof(code), "0%s", v);
    else if (n == 9)
        memcpy(code, v, sizeof(code)); /* the certificate's EYYYYMMDD and its NUL */
    else
        return false;
    return idp_rules_birthdate(code, out);
}

bool idp_upstream_gender(const char *v, const char **out)
{
    *out = NULL;
    if (v == NULL || !strcmp(v, "3"))
        return true;
    if (!strcmp(v, "male") || !strcmp(v, "female")) {
        *out = !strcmp(v, "male") ? "male" : "female";
        return true;
    }
    return (*out = idp_rules_gender(v)) != NULL;
}

/* A UserInfo string claim (Core §5.1; address may be an object with formatted, §5.1.1); NULL when absent. */
static const char *claim_text(json_t *claims, const char *name)
{
    json_t *v = json_object_get(claims, name);
    if (json_is_object(v))
        v = json_object_get(v, "formatted");
    return json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) < 512 ? json_string_value(v) : NULL;
}

idp_err_t idp_upstream_attrs_decode(const char *upstream_id, json_t *claims, idp_upstream_attrs_t *x)
{
    memset(x, 0, sizeof(*x));
    const char *name = claim_text(claims, "name"), *address = claim_text(claims, "address");
    const char *birth_raw = claim_text(claims, "birthdate"), *gender_raw = claim_text(claims, "gender"), *gender;
    if (name == NULL || address == NULL || birth_raw == NULL) {
        /* Not asked for, or not given: nothing is verified, and nothing older is touched. */
        idp_log_msg(IDP_LOG_INFO, "card_app_no_attrs", "%s: the basic attributes were not all returned", upstream_id);
        return IDP_OK;
    }
    if (!idp_upstream_birthdate(birth_raw, x->birth) || !idp_upstream_gender(gender_raw, &gender)) {
        idp_log_msg(IDP_LOG_WARN, "card_app_bad_attrs", "%s: a birth date or gender that does not decode", upstream_id);
        return IDP_E_INVALID_GRANT;
    }
    const char *ward = idp_rules_sakai_ward(address);
    x->a = (idp_store_attrs_t){.name = name,
                               .gender = gender,
                               .birth_date = x->birth,
                               .address = address,
                               .sakai_resident = ward != NULL,
                               .sakai_ward = ward,
                               .gender_raw = gender_raw,
                               .birth_date_raw = birth_raw};
    x->have = true;
    return IDP_OK;
}

static bool same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && !strcmp(a, b));
}

bool idp_upstream_attrs_same(const idp_store_resident_attrs_t *have, const idp_upstream_attrs_t *x)
{
    return same(have->name, x->a.name) && same(have->birth_date, x->a.birth_date) && same(have->gender, x->a.gender) &&
           same(have->address, x->a.address);
}

/*
 * Upstream providers by kind (docs/social.md, docs/card.md "Channels"): a
 * social provider, or a card channel (the Digital Agency's デジタル認証アプリ,
 * issue #17), and how a card channel's four basic attributes are decoded.
 * No HTTP, no SQL: the login page (flow.c), the pages (views.c) and the
 * upstream legs (social.c: signing in; app_sign_upstream.c: signing an
 * application) all ask it, and open a registration here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/rand.h"
#include "core/str.h"
#include "jose/kek.h"
#include "jose/key.h"
#include "oauth/internal.h"
#include "oauth/rules.h"

#define UPSTREAM_AAD "sakaid:upstream:"

idp_err_t idp_upstream_open(idp_oauth_t *o, const char *id, idp_upstream_conn_t *u)
{
    memset(u, 0, sizeof(*u));
    if (o->fed == NULL || o->kek == NULL || strlen(id) >= sizeof(u->row.id))
        return IDP_E_NOT_FOUND;
    idp_err_t e = idp_store_upstream_get(o->store, id, &u->row);
    if (e != IDP_OK)
        return e;
    if (!u->row.enabled) {
        idp_store_upstream_clear(&u->row);
        return IDP_E_NOT_FOUND;
    }
    char aad[80];
    unsigned char *pt = NULL;
    size_t n = 0;
    snprintf(aad, sizeof(aad), "%s%s", UPSTREAM_AAD, u->row.id);
    if ((e = idp_aead_open(o->kek, aad, u->row.secret_enc, u->row.secret_enc_len, &pt, &n)) != IDP_OK ||
        (u->secret = malloc(n + 1)) == NULL) {
        free(pt);
        idp_store_upstream_clear(&u->row);
        return e == IDP_OK ? IDP_E_NOMEM : e;
    }
    memcpy(u->secret, pt, n);
    u->secret[n] = '\0';
    bool card_channel = idp_upstream_is_card_channel(&u->row);
    /* A card channel authenticates with private_key_jwt: the sealed value is the key (RS256, PKCS#8 DER). */
    e = card_channel ? idp_jose_key_from_der(IDP_ALG_RS256, pt, n, &u->key) : IDP_OK;
    idp_wipe(pt, n);
    free(pt);
    if (e != IDP_OK) {
        idp_secret_free(u->secret);
        idp_store_upstream_clear(&u->row);
        return IDP_E_SERVER_ERROR;
    }
    u->fed = (idp_fed_upstream_t){.issuer = u->row.issuer,
                                  .client_id = u->row.client_id,
                                  .client_secret = card_channel ? NULL : u->secret,
                                  .scopes = u->row.scopes,
                                  .acr_values = card_channel ? u->row.acr_values : NULL,
                                  .assertion_key = u->key,
                                  .userinfo = card_channel && idp_upstream_wants_attrs(u->row.scopes)};
    return IDP_OK;
}

void idp_upstream_close(idp_upstream_conn_t *u)
{
    idp_secret_free(u->secret);
    idp_jose_key_free(u->key);
    idp_store_upstream_clear(&u->row);
}

char *idp_upstream_callback_uri(idp_oauth_t *o, idp_oauth_req_t *req)
{
    size_t n = strlen(o->cfg->issuer) + 32;
    char *s = idp_arena_alloc(req->arena, n);
    if (s)
        snprintf(s, n, "%s/login/social/callback", o->cfg->issuer);
    return s;
}

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

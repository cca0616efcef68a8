/* Protocol rules without HTTP or SQL: see rules.h. */
#include "oauth/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/str.h"
#include "client/client_meta.h"
#include "oauth/internal.h"

const char *idp_rules_lang(const char *ui_locales, const char *fallback)
{
    /* OpenID Connect Core §3.1.2.1: space-separated BCP47 tags, in order of preference. */
    const char *p = ui_locales ? ui_locales : "";
    size_t len;
    for (const char *w = idp_str_next_word(&p, &len); len; w = idp_str_next_word(&p, &len)) {
        if (len >= 2 && !strncmp(w, "en", 2) && (len == 2 || w[2] == '-'))
            return "en";
        if (len >= 2 && !strncmp(w, "ja", 2) && (len == 2 || w[2] == '-'))
            return "ja";
    }
    return fallback && !strcmp(fallback, "en") ? "en" : "ja";
}

const char *idp_rules_accept_lang(const char *header)
{
    for (const char *p = header ? header : ""; *p;) {
        size_t n = strcspn(p, ",");
        char item[64];
        snprintf(item, sizeof(item), "%.*s", (int)(n < sizeof(item) ? n : sizeof(item) - 1), p);
        p += n + (p[n] == ',');
        const char *tag = item + strspn(item, " \t");
        size_t len = strcspn(tag, " \t;");
        const char *q = strstr(tag, "q=");
        if (q && strtod(q + 2, NULL) <= 0.0) /* refused (RFC 9110 §12.4.2: q=0 is "not acceptable") */
            continue;
        if (len >= 2 && (len == 2 || tag[2] == '-') && !strncasecmp(tag, "en", 2))
            return "en";
        if (len >= 2 && (len == 2 || tag[2] == '-') && !strncasecmp(tag, "ja", 2))
            return "ja";
    }
    return "ja";
}

bool idp_rules_card_needed(const idp_client_t *client, json_t *claims_param, const char *acr_values, bool *unmet)
{
    *unmet = false;
    if (client->card_required)
        return true;
    json_t *acr = json_object_get(json_object_get(claims_param, "id_token"), "acr");
    if (json_is_true(json_object_get(acr, "essential"))) {
        json_t *values = json_object_get(acr, "values");
        json_t *value = json_object_get(acr, "value");
        bool card = false, social = false;
        if (json_is_string(value)) {
            card = !strcmp(json_string_value(value), ACR_CARD);
            social = !strcmp(json_string_value(value), ACR_SOCIAL);
        } else if (json_is_array(values)) {
            card = idp_json_list_has(values, ACR_CARD);
            social = idp_json_list_has(values, ACR_SOCIAL);
        } else {
            social = card = true; /* any acr will do */
        }
        if (!card && !social) {
            *unmet = true;
            return true;
        }
        if (card && !social)
            return true;
    }
    if (acr_values) /* voluntary, in order of preference (§3.1.2.1): card-only when social is absent */
        return idp_str_list_has(acr_values, ACR_CARD) && !idp_str_list_has(acr_values, ACR_SOCIAL);
    return idp_client_has(client->default_acr_values, ACR_CARD) &&
           !idp_client_has(client->default_acr_values, ACR_SOCIAL);
}

/* A claim we release, to this kind of client, under a scope it registered (pseudo-claims never: they come from
 * scopes alone). */
static bool claim_allowed(const char *name, bool city, bool card, bool attrs, const char *registered)
{
    for (const idp_claim_def_t *d = idp_claim_defs; d->claim; d++)
        if (!strcmp(d->claim, name))
            return !d->pseudo && (city || !d->city_only) && (card || !d->verified) && (attrs || !d->from_card) &&
                   registered && idp_str_list_has(registered, d->scope);
    return false;
}

static void add_word(idp_buf_t *b, const char *w)
{
    const char *have = idp_buf_cstr(b); /* NULL once an append failed: the caller sees the error */
    if (have && !idp_str_list_has(have, w))
        idp_buf_printf(b, "%s%s", b->len ? " " : "", w);
}

/* Claims named in one member (userinfo or id_token) of the claims parameter, also inside verified_claims. */
static void claims_from(idp_buf_t *b, json_t *member, bool city, bool card, bool attrs, const char *registered)
{
    const char *k;
    json_t *v;
    json_object_foreach (member, k, v) {
        if (claim_allowed(k, city, card, attrs, registered))
            add_word(b, k);
    }
    json_t *vc = json_object_get(member, "verified_claims");
    json_object_foreach (json_object_get(vc, "claims"), k, v) {
        if (claim_allowed(k, city, card, attrs, registered))
            add_word(b, k);
    }
}

void idp_rules_claims(const idp_client_t *client, const char *scope_param, json_t *claims_param, bool card, bool attrs,
                      idp_buf_t *claims, idp_buf_t *scope)
{
    const char *registered = client->scope;
    bool city = client->city;
    /* OpenID Connect Core §11: offline access only for a client that may hold refresh tokens. */
    bool refresh = client->refresh_allowed;
    idp_buf_puts(scope, "openid");
    add_word(claims, IDP_CLAIM_OPENID); /* the sign-in itself is consented to like any claim */
    const char *p = scope_param ? scope_param : "";
    size_t len;
    for (const char *w = idp_str_next_word(&p, &len); len; w = idp_str_next_word(&p, &len)) {
        char word[64];
        if (len >= sizeof(word))
            continue;
        memcpy(word, w, len);
        word[len] = '\0';
        if (!registered || !idp_str_list_has(registered, word) || !strcmp(word, "openid"))
            continue;
        if (!strcmp(word, IDP_CLAIM_OFFLINE) && !refresh)
            continue;
        bool given = false;
        for (const idp_claim_def_t *d = idp_claim_defs; d->claim; d++)
            if (!strcmp(d->scope, word) && (city || !d->city_only) && (card || !d->verified) &&
                (attrs || !d->from_card)) {
                add_word(claims, d->claim);
                given = true;
            }
        if (given)
            add_word(scope, word);
    }
    claims_from(claims, json_object_get(claims_param, "userinfo"), city, card, attrs, registered);
    claims_from(claims, json_object_get(claims_param, "id_token"), city, card, attrs, registered);
    idp_buf_append(claims, "", 0);
    idp_buf_append(scope, "", 0);
}

void idp_rules_id_token_claims(const idp_client_t *client, json_t *claims_param, idp_buf_t *out)
{
    /* card: the grant's claims were filtered by the session already (idp_rules_claims); this only selects. */
    claims_from(out, json_object_get(claims_param, "id_token"), client->city, true, true, client->scope);
    idp_buf_append(out, "", 0);
}

bool idp_rules_birthdate(const char *raw, char out[11])
{
    /* EYYYYMMDD: nine digits, the era first (0-5), the date in the Gregorian calendar (not the era's years). */
    if (raw == NULL || strlen(raw) != 9 || raw[0] < '0' || raw[0] > '5')
        return false;
    for (int i = 1; i < 9; i++)
        if (raw[i] < '0' || raw[i] > '9')
            return false;
    int y = (raw[1] - '0') * 1000 + (raw[2] - '0') * 100 + (raw[3] - '0') * 10 + (raw[4] - '0');
    int m = (raw[5] - '0') * 10 + (raw[6] - '0'), d = (raw[7] - '0') * 10 + (raw[8] - '0');
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1868 || m < 1 || m > 12 || d < 1 || d > days[m - 1] + (m == 2 && leap))
        return false; /* 1868: the first year of 明治, the oldest era the code names */
    snprintf(out, 11, "%.4s-%.2s-%.2s", raw + 1, raw + 5, raw + 7);
    return true;
}

const char *idp_rules_gender(const char *raw)
{
    if (raw && !strcmp(raw, "1"))
        return "male";
    if (raw && !strcmp(raw, "2"))
        return "female";
    return NULL; /* any other code is not released: OpenID Connect Core §5.1 allows other values, we know none */
}

/* Sakai City's wards (product.md §5); the address must start with 大阪府堺市 and name one of them. */
const char *idp_rules_sakai_ward(const char *address)
{
    static const char prefix[] = "大阪府堺市"; /* not text: the address the certificate carries */
    /* clang-format off */
    static const char *const wards[] = {"堺区", "中区", "東区", "西区", "南区", "北区", "美原区", NULL}; /* not text: */
    /* clang-format on */
    if (strncmp(address, prefix, sizeof(prefix) - 1) != 0)
        return NULL;
    for (const char *const *w = wards; *w; w++)
        if (!strncmp(address + sizeof(prefix) - 1, *w, strlen(*w)))
            return *w;
    return NULL;
}

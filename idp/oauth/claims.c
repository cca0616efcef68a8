/*
 * The claims SakaI-D releases (product.md §5): their definitions
 * (idp_claim_defs: scope, who may have them; their labels are in the
 * message catalogue, ui/messages.c) and how the resident's attributes
 * become released claims in UserInfo and the ID token (idp_claims_add).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/str.h"
#include "oauth/internal.h"

const idp_claim_def_t idp_claim_defs[] = {
    {"name", "profile", true, false, false, true},
    {"birthdate", "birthdate", true, false, false, true},
    {"gender", "gender", true, false, false, true},
    {"address", "address", true, false, false, true},
    {"sakai_resident", "residency", false, false, false, true},
    {"sakai_ward", "residency", false, true, false, true},
    /* permissions, consented to like claims */
    {IDP_CLAIM_OPENID, "openid", false, false, true, false},
    {IDP_CLAIM_OFFLINE, IDP_CLAIM_OFFLINE, false, false, true, false},
    {NULL, NULL, false, false, false, false},
};

static void iso8601(long long t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * OpenID Connect for Identity Assurance 1.0 §5: card-verified attributes
 * are released as verified_claims with their evidence: an electronic
 * signature by the J-LIS signing certificate, checked at verified_at. When
 * a card channel (the Digital Agency's app, issue #17) checked it, the
 * verification names that upstream as its verifier (§5.1: verifier).
 */
static json_t *verified_claims(const idp_store_resident_attrs_t *a, const char *claims)
{
    json_t *c = json_object();
    if (idp_str_list_has(claims, "name") && a->name)
        json_object_set_new(c, "name", json_string(a->name));
    if (idp_str_list_has(claims, "birthdate") && a->birth_date)
        json_object_set_new(c, "birthdate", json_string(a->birth_date));
    if (idp_str_list_has(claims, "gender") && a->gender)
        json_object_set_new(c, "gender", json_string(a->gender));
    if (idp_str_list_has(claims, "address") && a->address)
        json_object_set_new(c, "address", json_pack("{s:s}", "formatted", a->address));
    if (json_object_size(c) == 0) {
        json_decref(c);
        return NULL;
    }
    char when[32];
    iso8601(a->verified_at, when);
    json_t *vc = json_pack("{s:{s:s, s:s, s:[{s:s, s:{s:s}, s:s}]}, s:o}", "verification", "trust_framework", "jp_jpki",
                           "time", when, "evidence", "type", "electronic_signature", "issuer", "name", "J-LIS",
                           "created_at", when, "claims", c);
    if (vc && a->evidence_issuer) { /* §5.1: who verified, and at what level of assurance it said it did */
        json_t *v = json_object_get(vc, "verification");
        json_object_set_new(v, "verifier", json_pack("{s:s}", "organization", a->evidence_issuer));
        if (a->evidence_assurance && *a->evidence_assurance)
            json_object_set_new(v, "assurance_level", json_string(a->evidence_assurance));
    }
    return vc;
}

void idp_claims_add(json_t *out, const idp_store_resident_attrs_t *a, const char *list, const char *acr, char *released,
                    size_t size)
{
    /* Card-verified attributes only to a grant signed in with the card (product.md §5, issue #14). */
    json_t *vc = acr && !strcmp(acr, ACR_CARD) ? verified_claims(a, list) : NULL;
    if (vc)
        json_object_set_new(out, "verified_claims", vc);
    if (idp_str_list_has(list, "sakai_resident"))
        json_object_set_new(out, "sakai_resident", json_boolean(a->sakai_resident));
    if (idp_str_list_has(list, "sakai_ward") && a->sakai_ward)
        json_object_set_new(out, "sakai_ward", json_string(a->sakai_ward));
    /* The release history: the claim names @p out now carries. */
    const char *k;
    json_t *v;
    json_object_foreach (json_object_get(vc, "claims"), k, v)
        idp_str_list_append(released, size, k);
    for (const char *const *c = (const char *const[]){"sakai_resident", "sakai_ward", NULL}; *c; c++)
        if (json_object_get(out, *c))
            idp_str_list_append(released, size, *c);
}

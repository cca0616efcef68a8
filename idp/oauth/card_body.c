/* The card exchange's request bodies: see card_body.h. */
#include "oauth/card_body.h"

#include <string.h>

#include "core/b64.h"
#include "jpki/jpki.h"

static json_t *parse_object(const char *body, size_t len)
{
    json_error_t je;
    json_t *j = body ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* A non-empty string member of at most @p max bytes, or NULL. */
static const char *str_field(json_t *j, const char *name, size_t max)
{
    const char *v = json_string_value(json_object_get(j, name));
    return v && *v && strlen(v) <= max ? v : NULL;
}

idp_card_body_status_t idp_card_challenge_body_parse(const char *body, size_t len, idp_card_challenge_body_t *out)
{
    memset(out, 0, sizeof(*out));
    if ((out->root = parse_object(body, len)) == NULL)
        return IDP_CARD_BODY_NOT_OBJECT;
    out->login_tx = str_field(out->root, "login_tx", IDP_CARD_ID_MAX);
    out->purpose = json_string_value(json_object_get(out->root, "purpose"));
    if (out->purpose == NULL)
        out->purpose = "auth";
    /* A signing certificate is read only together with the authentication certificate of the same card
     * ("both"): alone, it could be anybody's (docs/card.md, "Verified attributes"). */
    if (out->login_tx == NULL || (strcmp(out->purpose, "auth") && strcmp(out->purpose, "both")))
        return IDP_CARD_BODY_INCOMPLETE;
    return IDP_CARD_BODY_OK;
}

idp_card_body_status_t idp_card_verify_body_parse(const char *body, size_t len, idp_card_verify_body_t *out)
{
    const size_t cert_max = (IDP_JPKI_MAX_CERT + 2) / 3 * 4;
    memset(out, 0, sizeof(*out));
    if ((out->root = parse_object(body, len)) == NULL)
        return IDP_CARD_BODY_NOT_OBJECT;
    json_t *j = out->root;
    const char *type = json_string_value(json_object_get(j, "cert_type"));
    out->challenge_id = str_field(j, "challenge_id", IDP_CARD_ID_MAX);
    out->cert_type = type;
    out->both = type && !strcmp(type, "both");
    out->cert64 = str_field(j, "certificate", cert_max);
    out->sig64 = str_field(j, "signature", IDP_CARD_SIG64_MAX);
    out->sign_cert64 = str_field(j, "sign_certificate", cert_max);
    out->sign_sig64 = str_field(j, "sign_signature", IDP_CARD_SIG64_MAX);
    if (type && !strcmp(type, "sign"))
        return IDP_CARD_BODY_SIGN_ALONE;
    if (out->challenge_id == NULL || out->cert64 == NULL || out->sig64 == NULL || type == NULL ||
        (strcmp(type, "auth") && strcmp(type, "app") && !out->both) ||
        (out->both && (out->sign_cert64 == NULL || out->sign_sig64 == NULL)))
        return IDP_CARD_BODY_INCOMPLETE;
    return IDP_CARD_BODY_OK;
}

bool idp_card_body_decode(idp_arena_t *arena, const char *cert64, const char *sig64, unsigned char **der,
                          size_t *der_len, unsigned char sig[IDP_CARD_SIG_MAX], size_t *sig_len)
{
    size_t n = strlen(cert64);
    *der = idp_arena_alloc(arena, n + 3);
    if (*der == NULL)
        return false;
    if (idp_b64_decode(cert64, n, *der, n + 3, der_len) != IDP_OK &&
        idp_b64url_decode(cert64, n, *der, n + 3, der_len) != IDP_OK)
        return false;
    return idp_b64url_decode(sig64, strlen(sig64), sig, IDP_CARD_SIG_MAX, sig_len) == IDP_OK;
}

/* A registered client validated once into typed fields: see client.h. */
#include "client/client.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"

/* The public struct first: idp_client_t pointers are pointers to this. */
typedef struct {
    idp_client_t pub;
    atomic_int refs;
    json_t *meta;       /* the normalized metadata (owned, never changed after construction) */
    char *id;           /* client_id (owned) */
    char *jwks_text;    /* owned, or NULL */
    const char **lists; /* the five lists, each NULL-terminated, in one allocation */
} client_box_t;

#define FAIL(code, ...) (snprintf(err, errlen, __VA_ARGS__), (code))

static const char *str(json_t *meta, const char *name)
{
    return json_string_value(json_object_get(meta, name));
}

/* Copies the strings of the JSON array @p name of @p meta into @p at (NULL-terminated); returns the slot after. */
static const char **fill_list(json_t *meta, const char *name, const char **at, const char *const **list)
{
    size_t i;
    json_t *v;
    *list = at;
    json_array_foreach (json_object_get(meta, name), i, v) {
        if (json_is_string(v))
            *at++ = json_string_value(v);
    }
    *at++ = NULL;
    return at;
}

static void box_free(client_box_t *b)
{
    if (b == NULL)
        return;
    idp_wipe(b->pub.secret_hash, sizeof(b->pub.secret_hash));
    json_decref(b->meta);
    free(b->lists);
    free(b->jwks_text);
    free(b->id);
    free(b);
}

idp_err_t idp_client_new(const char *client_id, const char *metadata, bool has_secret, const unsigned char *secret_hash,
                         const idp_client_life_t *life, const idp_client_t **out, char *err, size_t errlen)
{
    static const char *const list_names[] = {"redirect_uris",      "post_logout_redirect_uris",
                                             "response_types",     "grant_types",
                                             "default_acr_values", "authorization_details_types"};
    idp_err_t ret = IDP_E_NOMEM;
    json_t *in = NULL;
    client_box_t *b = calloc(1, sizeof(*b));
    *out = NULL;
    if (b == NULL || (b->id = strdup(client_id)) == NULL)
        goto Exit;
    atomic_init(&b->refs, 1);
    in = json_loads(metadata ? metadata : "", 0, NULL);
    if (in == NULL) {
        ret = FAIL(IDP_E_INVALID_CLIENT_METADATA, "metadata: must be a JSON object");
        goto Exit;
    }
    /* Fail closed: what no longer passes the rules sakaid-admin registers by is not used. */
    if ((ret = idp_client_meta_validate(in, &b->meta, err, errlen)) != IDP_OK)
        goto Exit;
    ret = IDP_E_NOMEM;
    json_t *m = b->meta;
    size_t slots = 0;
    for (size_t i = 0; i < sizeof(list_names) / sizeof(list_names[0]); i++)
        slots += json_array_size(json_object_get(m, list_names[i])) + 1;
    if ((b->lists = calloc(slots, sizeof(*b->lists))) == NULL)
        goto Exit;
    idp_client_t *c = &b->pub;
    const char **at = b->lists;
    at = fill_list(m, "redirect_uris", at, &c->redirect_uris);
    at = fill_list(m, "post_logout_redirect_uris", at, &c->post_logout_redirect_uris);
    at = fill_list(m, "response_types", at, &c->response_types);
    at = fill_list(m, "grant_types", at, &c->grant_types);
    at = fill_list(m, "default_acr_values", at, &c->default_acr_values);
    fill_list(m, "authorization_details_types", at, &c->authorization_details_types);
    json_t *jwks = json_object_get(m, "jwks");
    if (jwks && (b->jwks_text = json_dumps(jwks, JSON_COMPACT)) == NULL)
        goto Exit;

    c->id = b->id;
    c->name = str(m, "client_name");
    c->tier = str(m, "tier");
    c->city = !strcmp(c->tier, "city");
    c->scope = str(m, "scope");
    c->auth_method = str(m, "token_endpoint_auth_method");
    c->is_public = !strcmp(c->auth_method, "none");
    c->uses_secret = idp_client_meta_uses_secret(m);
    c->has_secret = has_secret;
    if (has_secret)
        memcpy(c->secret_hash, secret_hash, sizeof(c->secret_hash));
    c->require_pkce = json_is_true(json_object_get(m, "require_pkce"));
    c->require_par = json_is_true(json_object_get(m, "require_pushed_authorization_requests"));
    c->dpop_bound = json_is_true(json_object_get(m, "dpop_bound_access_tokens"));
    idp_profile_t profile = idp_client_meta_profile(m);
    c->fapi2 = profile != IDP_PROFILE_NONE;
    c->message_signing = profile == IDP_PROFILE_FAPI2_MESSAGE_SIGNING;
    c->require_signed_request = json_is_true(json_object_get(m, "require_signed_request_object"));
    c->request_object_alg = str(m, "request_object_signing_alg");
    c->authorization_alg = str(m, "authorization_signed_response_alg");
    if (c->authorization_alg == NULL)
        c->authorization_alg = "RS256"; /* JARM, authorization_signed_response_alg: "the default ... is RS256" */
    c->card_required = json_is_true(json_object_get(m, "card_required"));
    c->first_party = json_is_true(json_object_get(m, "first_party"));
    json_t *max_age = json_object_get(m, "default_max_age");
    c->default_max_age = json_is_integer(max_age) ? (long)json_integer_value(max_age) : -1;
    c->id_token_alg = str(m, "id_token_signed_response_alg");
    c->access_token_alg = str(m, "access_token_signed_response_alg");
    c->jwks = jwks;
    c->jwks_text = b->jwks_text;
    c->jwks_uri = str(m, "jwks_uri");
    c->backchannel_logout_uri = str(m, "backchannel_logout_uri");
    c->logo_uri = str(m, "logo_uri");
    c->policy_uri = str(m, "policy_uri");
    c->purpose_ja = str(m, "purpose_ja");
    c->purpose_en = str(m, "purpose_en");
    c->refresh_allowed = idp_client_has(c->grant_types, "refresh_token");
    c->client_credentials_allowed = idp_client_has(c->grant_types, "client_credentials");
    c->code_allowed = idp_client_has(c->response_types, "code");
    c->pairwise = idp_client_meta_sector(m, c->sector, sizeof(c->sector));
    if (life && life->organisation)
        snprintf(c->organisation, sizeof(c->organisation), "%s", life->organisation);
    c->sandbox = life && life->sandbox;
    c->meta = m;
    *out = c;
    b = NULL;
    ret = IDP_OK;
Exit:
    json_decref(in);
    box_free(b);
    return ret;
}

const idp_client_t *idp_client_ref(const idp_client_t *c)
{
    if (c)
        atomic_fetch_add(&((client_box_t *)(void *)c)->refs, 1);
    return c;
}

void idp_client_unref(const idp_client_t *c)
{
    client_box_t *b = (client_box_t *)(void *)c;
    if (b && atomic_fetch_sub(&b->refs, 1) == 1)
        box_free(b);
}

bool idp_client_has(const char *const *list, const char *s)
{
    for (; list && *list; list++)
        if (!strcmp(*list, s))
            return true;
    return false;
}

/* Relying-party metadata validation (OpenID Connect DCR 1.0 §2, RFC 7591 §2, product.md §4-§5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "client/client_meta.h"

static idp_err_t validate(const char *text, json_t **out, char *err)
{
    json_t *in = json_loads(text, 0, NULL);
    if (in == NULL)
        fail_msg("bad test JSON: %s", text);
    *out = NULL;
    err[0] = '\0';
    idp_err_t e = idp_client_meta_validate(in, out, err, 512);
    json_decref(in);
    return e;
}

static void defaults(void **state)
{
    json_t *m;
    char err[512];
    assert_int_equal(validate("{\"client_name\":\"Web\",\"redirect_uris\":[\"https://rp.example/cb\"]}", &m, err),
                     IDP_OK);
    assert_string_equal(json_string_value(json_object_get(m, "token_endpoint_auth_method")), "client_secret_basic");
    assert_string_equal(json_string_value(json_array_get(json_object_get(m, "grant_types"), 0)), "authorization_code");
    assert_string_equal(json_string_value(json_array_get(json_object_get(m, "response_types"), 0)), "code");
    assert_string_equal(json_string_value(json_object_get(m, "tier")), "partner");
    assert_string_equal(json_string_value(json_object_get(m, "subject_type")), "pairwise");
    assert_true(json_is_true(json_object_get(m, "require_pkce")));
    assert_true(json_is_false(json_object_get(m, "card_required")));
    assert_string_equal(json_string_value(json_object_get(m, "id_token_signed_response_alg")), "RS256");
    assert_true(idp_client_meta_uses_secret(m));
    json_decref(m);
    assert_int_equal(
        validate("{\"client_name\":\"City\",\"tier\":\"city\",\"redirect_uris\":[\"https://a.example/cb\"]}", &m, err),
        IDP_OK);
    assert_string_equal(json_string_value(json_object_get(m, "subject_type")), "public");
    json_decref(m);
    assert_int_equal(validate("{\"client_name\":\"Svc\",\"grant_types\":[\"client_credentials\"]}", &m, err), IDP_OK);
    assert_int_equal(json_array_size(json_object_get(m, "response_types")), 0);
    json_decref(m);
}

static void accepted(void **state)
{
    static const char *const good[] = {
        "{\"client_name\":\"n\",\"redirect_uris\":[\"http://127.0.0.1:3000/"
        "cb\"],\"token_endpoint_auth_method\":\"none\"}",
        "{\"client_name\":\"n\",\"redirect_uris\":[\"http://[::1]/cb\",\"https://rp.example/"
        "cb?x=1\"],\"sector_identifier_uri\":\"https://rp.example/s.json\"}",
        "{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/1\",\"https://a.example/2\"]}",
        "{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/"
        "cb\"],\"require_pkce\":false,\"default_max_age\":3600}",
        "{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/"
        "cb\"],\"token_endpoint_auth_method\":\"private_key_jwt\","
        "\"jwks_uri\":\"https://a.example/jwks\",\"grant_types\":[\"authorization_code\",\"refresh_token\"]}",
        "{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/"
        "cb\"],\"purpose_ja\":\"\xe5\xa0\xba\",\"logo_uri\":null}",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        json_t *m;
        char err[512];
        if (validate(good[i], &m, err) != IDP_OK)
            fail_msg("rejected %s: %s", good[i], err);
        json_decref(m);
    }
}

/* Each rejection: the error code and the field the message starts with. */
static void rejected(void **state)
{
    static const struct {
        const char *json;
        idp_err_t code;
        const char *field;
    } cases[] = {
        {"{\"redirect_uris\":[\"https://a.example/cb\"]}", IDP_E_INVALID_CLIENT_METADATA, "client_name"},
        {"{\"client_name\":\"n\"}", IDP_E_INVALID_REDIRECT_URI, "redirect_uris"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"http://rp.example/cb\"]}", IDP_E_INVALID_REDIRECT_URI,
         "redirect_uris[0]"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/cb#x\"]}", IDP_E_INVALID_REDIRECT_URI,
         "redirect_uris[0]"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://*.a.example/cb\"]}", IDP_E_INVALID_REDIRECT_URI,
         "redirect_uris[0]"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/cb\",\"https://a.example/cb\"]}",
         IDP_E_INVALID_CLIENT_METADATA, "redirect_uris[1]"},
        {"{\"client_name\":\"n\",\"redirect_uris\":\"https://a.example/cb\"}", IDP_E_INVALID_CLIENT_METADATA,
         "redirect_uris"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/cb\"],\"post_logout_redirect_uris\":[\"http://"
         "a.example/bye\"]}",
         IDP_E_INVALID_REDIRECT_URI, "post_logout_redirect_uris[0]"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/cb\"],\"backchannel_logout_uri\":\"https://"
         "a.example/b#f\"}",
         IDP_E_INVALID_CLIENT_METADATA, "backchannel_logout_uri"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/cb\"],\"colour\":\"red\"}",
         IDP_E_INVALID_CLIENT_METADATA, "colour"},
        {"{\"client_name\":\"\",\"redirect_uris\":[\"https://a.example/cb\"]}", IDP_E_INVALID_CLIENT_METADATA,
         "client_name"},
        {"{\"client_name\":\"a\\nb\",\"redirect_uris\":[\"https://a.example/cb\"]}", IDP_E_INVALID_CLIENT_METADATA,
         "client_name"},
        {"{\"client_name\":7,\"redirect_uris\":[\"https://a.example/cb\"]}", IDP_E_INVALID_CLIENT_METADATA,
         "client_name"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/cb\"],\"tier\":\"gold\"}",
         IDP_E_INVALID_CLIENT_METADATA, "tier"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/cb\"],\"require_pkce\":\"no\"}",
         IDP_E_INVALID_CLIENT_METADATA, "require_pkce"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/"
         "cb\"],\"token_endpoint_auth_method\":\"none\",\"require_pkce\":false}",
         IDP_E_INVALID_CLIENT_METADATA, "require_pkce"},
        {"{\"client_name\":\"n\",\"grant_types\":[\"client_credentials\"],\"token_endpoint_auth_method\":\"none\"}",
         IDP_E_INVALID_CLIENT_METADATA, "grant_types"},
        {"{\"client_name\":\"n\",\"grant_types\":[\"refresh_token\"]}", IDP_E_INVALID_CLIENT_METADATA, "grant_types"},
        {"{\"client_name\":\"n\",\"grant_types\":[\"implicit\"]}", IDP_E_INVALID_CLIENT_METADATA, "grant_types[0]"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/cb\"],\"response_types\":[\"token\"]}",
         IDP_E_INVALID_CLIENT_METADATA, "response_types[0]"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/cb\"],\"subject_type\":\"public\"}",
         IDP_E_INVALID_CLIENT_METADATA, "subject_type"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/cb\",\"https://b.example/cb\"]}",
         IDP_E_INVALID_CLIENT_METADATA, "sector_identifier_uri"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/"
         "cb\"],\"token_endpoint_auth_method\":\"private_key_jwt\"}",
         IDP_E_INVALID_CLIENT_METADATA, "jwks_uri"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/cb\"],\"jwks_uri\":\"https://a.example/"
         "j\",\"jwks\":{\"keys\":[{\"kty\":\"EC\"}]}}",
         IDP_E_INVALID_CLIENT_METADATA, "jwks"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/"
         "cb\"],\"jwks\":{\"keys\":[{\"kty\":\"RSA\",\"n\":\"x\",\"e\":\"AQAB\",\"d\":\"y\"}]}}",
         IDP_E_INVALID_CLIENT_METADATA, "jwks.keys[0]"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/"
         "cb\"],\"jwks\":{\"keys\":[{\"kty\":\"oct\",\"k\":\"x\"}]}}",
         IDP_E_INVALID_CLIENT_METADATA, "jwks.keys[0]"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/cb\"],\"scope\":\"openid  profile\"}",
         IDP_E_INVALID_CLIENT_METADATA, "scope"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/cb\"],\"scope\":\"openid \\\"x\\\"\"}",
         IDP_E_INVALID_CLIENT_METADATA, "scope"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/cb\"],\"default_max_age\":-1}",
         IDP_E_INVALID_CLIENT_METADATA, "default_max_age"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/cb\"],\"default_acr_values\":[\"loa2\"]}",
         IDP_E_INVALID_CLIENT_METADATA, "default_acr_values[0]"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/"
         "cb\"],\"id_token_signed_response_alg\":\"none\"}",
         IDP_E_INVALID_CLIENT_METADATA, "id_token_signed_response_alg"},
        {"{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/"
         "cb\"],\"access_token_signed_response_alg\":\"HS256\"}",
         IDP_E_INVALID_CLIENT_METADATA, "access_token_signed_response_alg"},
        {"[1]", IDP_E_INVALID_CLIENT_METADATA, "metadata"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *m;
        char err[512];
        idp_err_t e = validate(cases[i].json, &m, err);
        if (e != cases[i].code)
            fail_msg("%s: got %d (%s), want %d", cases[i].json, e, err, cases[i].code);
        if (strncmp(err, cases[i].field, strlen(cases[i].field)) != 0)
            fail_msg("%s: message \"%s\" does not start with %s", cases[i].json, err, cases[i].field);
        assert_null(m);
    }
}

static void kinds(void **state)
{
    idp_meta_kind_t k;
    assert_true(idp_client_meta_kind("redirect_uris", &k));
    assert_int_equal(k, IDP_META_LIST);
    assert_true(idp_client_meta_kind("require_pkce", &k));
    assert_int_equal(k, IDP_META_BOOL);
    assert_true(idp_client_meta_kind("jwks", &k));
    assert_int_equal(k, IDP_META_OBJECT);
    assert_false(idp_client_meta_kind("colour", &k));
    size_t n = 0;
    for (const char *const *p = idp_client_meta_names(); *p; p++)
        n++;
    assert_true(n >= 20);
    json_t *pub = json_pack("{s:s}", "token_endpoint_auth_method", "none");
    assert_false(idp_client_meta_uses_secret(pub));
    json_decref(pub);
}

/* ---- sector_identifier_uri (OpenID Connect Core §8.1, Registration §5) ---- */

static json_t *uris(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    if (j == NULL)
        fail_msg("bad test JSON: %s", text);
    return j;
}

/* The sector is what sub derives from: the host of sector_identifier_uri, else of the first redirect URI. */
static void sector_of_pairwise_subjects(void **state)
{
    static const struct {
        const char *meta;
        bool pairwise;
        const char *sector;
    } cases[] = {
        {"{\"redirect_uris\":[\"https://a.example/cb\",\"https://b.example/cb\"],\"sector_identifier_uri\":\"https://"
         "s.example/x.json\"}",
         true, "s.example"},
        {"{\"redirect_uris\":[\"https://a.example:8443/cb\",\"https://b.example/cb\"]}", true, "a.example"},
        {"{\"subject_type\":\"pairwise\",\"redirect_uris\":[]}", true, ""},
        {"{\"subject_type\":\"public\",\"redirect_uris\":[\"https://a.example/cb\"],\"sector_identifier_uri\":\"https:/"
         "/s.example/x\"}",
         false, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *m = uris(cases[i].meta);
        char sector[IDP_SECTOR_MAX];
        assert_int_equal(idp_client_meta_sector(m, sector, sizeof(sector)), cases[i].pairwise);
        assert_string_equal(sector, cases[i].sector);
        json_decref(m);
    }
}

/* The pure rule: a JSON array of strings that holds every redirect URI, compared exactly. */
static void sector_document_must_list_every_redirect_uri(void **state)
{
    static const struct {
        const char *doc, *redirects;
        const char *error; /* NULL: accepted; else a part of the message */
    } cases[] = {
        {"[\"https://a.example/cb\",\"https://b.example/cb\"]", "[\"https://a.example/cb\",\"https://b.example/cb\"]",
         NULL},
        {"[\"https://b.example/cb\",\"https://a.example/cb\",\"https://other.example/x\"]",
         "[\"https://a.example/cb\"]", NULL},
        {"[]", "[]", NULL},
        {" [ \"https://a.example/cb\" ] \n", "[\"https://a.example/cb\"]", NULL},
        {"[\"https://a.example/cb\"]", "[\"https://a.example/cb\",\"https://b.example/cb\"]",
         "does not list redirect_uris[1] \"https://b.example/cb\""},
        {"[]", "[\"https://a.example/cb\"]", "does not list redirect_uris[0]"},
        /* exact strings: no normalisation of a trailing slash, case, port or query */
        {"[\"https://a.example/cb/\"]", "[\"https://a.example/cb\"]", "does not list redirect_uris[0]"},
        {"[\"https://A.example/cb\"]", "[\"https://a.example/cb\"]", "does not list redirect_uris[0]"},
        {"[\"https://a.example:443/cb\"]", "[\"https://a.example/cb\"]", "does not list redirect_uris[0]"},
        {"[\"https://a.example/cb?x=1\"]", "[\"https://a.example/cb\"]", "does not list redirect_uris[0]"},
        {"[\"https://a.example/cb\\u0000\"]", "[\"https://a.example/cb\"]", "is not JSON"},
        {"<html>moved</html>", "[\"https://a.example/cb\"]", "is not JSON"},
        {"", "[\"https://a.example/cb\"]", "is not JSON"},
        {"[\"https://a.example/cb\"] [1]", "[\"https://a.example/cb\"]", "is not JSON"},
        {"{\"redirect_uris\":[\"https://a.example/cb\"]}", "[\"https://a.example/cb\"]",
         "is not a JSON array of strings (it is an object)"},
        {"\"https://a.example/cb\"", "[\"https://a.example/cb\"]", "is not a JSON array of strings (it is a string)"},
        {"[\"https://a.example/cb\",1]", "[\"https://a.example/cb\"]",
         "is not a JSON array of strings (element 1 is a number)"},
        {"[[\"https://a.example/cb\"]]", "[\"https://a.example/cb\"]",
         "is not a JSON array of strings (element 0 is an array)"},
        {"[null]", "[]", "is not a JSON array of strings (element 0 is null)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[512] = "";
        json_t *r = uris(cases[i].redirects);
        idp_err_t e = idp_client_meta_sector_lists("https://s.example/sector.json", cases[i].doc, strlen(cases[i].doc),
                                                   r, err, sizeof(err));
        json_decref(r);
        if (cases[i].error == NULL && e != IDP_OK)
            fail_msg("case %zu (%s): refused: %s", i, cases[i].doc, err);
        if (cases[i].error == NULL)
            continue;
        if (e != IDP_E_INVALID_CLIENT_METADATA)
            fail_msg("case %zu (%s): got %d, want invalid_client_metadata", i, cases[i].doc, e);
        if (strncmp(err, "sector_identifier_uri: https://s.example/sector.json ", 53) != 0 ||
            !strstr(err, cases[i].error))
            fail_msg("case %zu (%s): message \"%s\" lacks \"%s\"", i, cases[i].doc, err, cases[i].error);
    }
}

typedef struct {
    const char *doc; /* the answer, or NULL to fail with why */
    const char *why;
    idp_err_t e;
    int calls;
    char uri[256];
} fake_fetch_t;

static idp_err_t fake_fetch(void *ctx, const char *uri, idp_buf_t *body, char *err, size_t errlen)
{
    fake_fetch_t *f = ctx;
    f->calls++;
    snprintf(f->uri, sizeof(f->uri), "%s", uri);
    assert_int_equal(body->max, IDP_SECTOR_DOC_MAX_BYTES);
    if (f->doc == NULL) {
        snprintf(err, errlen, "%s", f->why);
        return f->e;
    }
    return idp_buf_puts(body, f->doc);
}

static idp_err_t check_sector(const char *meta_text, fake_fetch_t *f, char *err)
{
    json_t *in = uris(meta_text), *m = NULL;
    err[0] = '\0';
    idp_err_t e = idp_client_meta_validate(in, &m, err, 512);
    json_decref(in);
    if (e != IDP_OK)
        fail_msg("%s: %s", meta_text, err);
    e = idp_client_meta_check_sector(m, fake_fetch, f, err, 512);
    json_decref(m);
    return e;
}

/* The fetched document decides; without a sector_identifier_uri nothing is fetched; a failed fetch refuses. */
static void sector_identifier_uri_is_fetched_and_checked(void **state)
{
    static const char *meta =
        "{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/cb\",\"https://b.example/cb\"],"
        "\"sector_identifier_uri\":\"https://a.example/sector.json\"}";
    char err[512];
    fake_fetch_t f = {"[\"https://a.example/cb\",\"https://b.example/cb\"]", NULL, IDP_OK, 0, ""};
    assert_int_equal(check_sector(meta, &f, err), IDP_OK);
    assert_int_equal(f.calls, 1);
    assert_string_equal(f.uri, "https://a.example/sector.json");

    fake_fetch_t partial = {"[\"https://a.example/cb\"]", NULL, IDP_OK, 0, ""};
    assert_int_equal(check_sector(meta, &partial, err), IDP_E_INVALID_CLIENT_METADATA);
    assert_non_null(strstr(err, "does not list redirect_uris[1] \"https://b.example/cb\""));

    /* what the fetcher says (unreachable, status, size) comes through, as a metadata error */
    static const struct {
        idp_err_t e;
        const char *why;
    } failures[] = {
        {IDP_E_UNAVAILABLE, "cannot fetch https://a.example/sector.json: Could not connect"},
        {IDP_E_UNAVAILABLE, "https://a.example/sector.json answered HTTP 404, not 200"},
        {IDP_E_TOO_LARGE, "https://a.example/sector.json is larger than 65536 bytes"},
        {IDP_E_INVALID_REQUEST, "refusing to fetch http://a.example/sector.json: https only"},
    };
    for (size_t i = 0; i < sizeof(failures) / sizeof(failures[0]); i++) {
        fake_fetch_t down = {NULL, failures[i].why, failures[i].e, 0, ""};
        assert_int_equal(check_sector(meta, &down, err), IDP_E_INVALID_CLIENT_METADATA);
        assert_int_equal(down.calls, 1);
        assert_true(!strncmp(err, "sector_identifier_uri: ", 23) && !strcmp(err + 23, failures[i].why));
    }

    fake_fetch_t none = {NULL, "must not be called", IDP_E_UNAVAILABLE, 0, ""};
    assert_int_equal(check_sector("{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/cb\"]}", &none, err),
                     IDP_OK);
    assert_int_equal(none.calls, 0);
    /* a client with no redirect URI still needs a document that is an array of strings */
    fake_fetch_t svc = {"{}", NULL, IDP_OK, 0, ""};
    assert_int_equal(check_sector("{\"client_name\":\"n\",\"grant_types\":[\"client_credentials\"],"
                                  "\"sector_identifier_uri\":\"https://a.example/s\"}",
                                  &svc, err),
                     IDP_E_INVALID_CLIENT_METADATA);
    assert_int_equal(svc.calls, 1);
}

/* Registration §2: sector_identifier_uri uses https (http only on a loopback host, as redirect URIs). */
static void sector_identifier_uri_must_be_https(void **state)
{
    static const char *const bad[] = {"http://a.example/sector.json", "ftp://a.example/sector.json",
                                      "https://a.example/sector.json#x", "https://u:p@a.example/s", "/sector.json"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[512], err[512];
        json_t *m;
        snprintf(
            text, sizeof(text),
            "{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/cb\"],\"sector_identifier_uri\":\"%s\"}",
            bad[i]);
        if (validate(text, &m, err) != IDP_E_INVALID_CLIENT_METADATA ||
            strncmp(err, "sector_identifier_uri: ", 23) != 0)
            fail_msg("%s: accepted or wrong message: %s", bad[i], err);
    }
    json_t *m;
    char err[512];
    assert_int_equal(validate("{\"client_name\":\"n\",\"redirect_uris\":[\"https://a.example/cb\"],"
                              "\"sector_identifier_uri\":\"http://127.0.0.1:8000/s.json\"}",
                              &m, err),
                     IDP_OK);
    json_decref(m);
}

/* An update that moves the sector, or the subject type, gives every resident a new sub: refused (--force-sector-change). */
static void an_update_that_changes_sub_is_refused(void **state)
{
    static const char *base = "{\"subject_type\":\"pairwise\",\"redirect_uris\":[\"https://a.example/cb\"],"
                              "\"sector_identifier_uri\":\"https://s.example/sector.json\"}";
    static const struct {
        const char *before, *after;
        const char *field; /* NULL: allowed */
    } cases[] = {
        /* the same sector: another document on the same host, other redirect URIs, a name */
        {NULL,
         "{\"subject_type\":\"pairwise\",\"redirect_uris\":[\"https://b.example/"
         "cb\"],\"sector_identifier_uri\":\"https://s.example/v2.json\"}",
         NULL},
        {"{\"subject_type\":\"pairwise\",\"redirect_uris\":[\"https://a.example/cb\"]}",
         "{\"subject_type\":\"pairwise\",\"redirect_uris\":[\"https://a.example/cb2\",\"https://b.example/cb\"]}",
         NULL},
        {"{\"subject_type\":\"pairwise\",\"redirect_uris\":[\"https://a.example/cb\"]}",
         "{\"subject_type\":\"pairwise\",\"redirect_uris\":[\"https://b.example/"
         "cb\"],\"sector_identifier_uri\":\"https://a.example/s.json\"}",
         NULL},
        /* no redirect URI before: nobody ever signed in */
        {"{\"subject_type\":\"pairwise\",\"redirect_uris\":[]}",
         "{\"subject_type\":\"public\",\"redirect_uris\":[\"https://b.example/cb\"]}", NULL},
        /* another sector */
        {NULL, "{\"subject_type\":\"pairwise\",\"redirect_uris\":[\"https://a.example/cb\"]}", "sector_identifier_uri"},
        {NULL,
         "{\"subject_type\":\"pairwise\",\"redirect_uris\":[\"https://a.example/"
         "cb\"],\"sector_identifier_uri\":\"https://t.example/sector.json\"}",
         "sector_identifier_uri"},
        {"{\"subject_type\":\"pairwise\",\"redirect_uris\":[\"https://a.example/cb\"]}",
         "{\"subject_type\":\"pairwise\",\"redirect_uris\":[\"https://b.example/cb\",\"https://a.example/cb\"]}",
         "redirect_uris"},
        {"{\"subject_type\":\"pairwise\",\"redirect_uris\":[\"https://a.example/cb\"]}",
         "{\"subject_type\":\"pairwise\",\"redirect_uris\":[\"https://a.example/"
         "cb\"],\"sector_identifier_uri\":\"https://s.example/sector.json\"}",
         "sector_identifier_uri"},
        /* another subject type */
        {NULL,
         "{\"subject_type\":\"public\",\"redirect_uris\":[\"https://a.example/cb\"],\"sector_identifier_uri\":\"https:/"
         "/s.example/sector.json\"}",
         "subject_type"},
        {"{\"subject_type\":\"public\",\"redirect_uris\":[\"https://a.example/cb\"]}",
         "{\"subject_type\":\"pairwise\",\"redirect_uris\":[\"https://a.example/cb\"]}", "subject_type"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *before = uris(cases[i].before ? cases[i].before : base), *after = uris(cases[i].after);
        char err[512] = "";
        idp_err_t e = idp_client_meta_sector_change(before, after, err, sizeof(err));
        json_decref(before);
        json_decref(after);
        if (cases[i].field == NULL && e != IDP_OK)
            fail_msg("case %zu: refused: %s", i, err);
        if (cases[i].field &&
            (e != IDP_E_INVALID_CLIENT_METADATA || strncmp(err, cases[i].field, strlen(cases[i].field)) ||
             err[strlen(cases[i].field)] != ':' || !strstr(err, "every resident gets a new sub")))
            fail_msg("case %zu: got %d \"%s\", want a message about %s", i, e, err, cases[i].field);
    }
}

/* docs/fapi.md: a fapi2 client's defaults, and what the FAPI 2.0 Security Profile refuses it */
static void fapi2_profile(void **state)
{
    (void)state;
    json_t *m = NULL;
    char err[512];
#define FAPI                                                                                                    \
    "{\"client_name\":\"Portal\",\"redirect_uris\":[\"https://rp.example/cb\"],\"security_profile\":\"fapi2\"," \
    "\"jwks_uri\":\"https://rp.example/jwks\",\"token_endpoint_auth_method\":\"private_key_jwt\""
    assert_int_equal(validate(FAPI "}", &m, err), IDP_OK);
    assert_true(json_is_true(json_object_get(m, "require_pushed_authorization_requests")));
    assert_true(json_is_true(json_object_get(m, "dpop_bound_access_tokens")));
    assert_string_equal(json_string_value(json_object_get(m, "id_token_signed_response_alg")), "ES256");
    assert_string_equal(json_string_value(json_object_get(m, "access_token_signed_response_alg")), "ES256");
    json_decref(m);
    /* FAPI 2.0 §5.4.1 allows PS256 (RSASSA-PSS) as well as ES256: a fapi2 client that registers it keeps it */
    assert_int_equal(
        validate(FAPI ",\"id_token_signed_response_alg\":\"PS256\",\"access_token_signed_response_alg\":\"PS256\"}", &m,
                 err),
        IDP_OK);
    assert_string_equal(json_string_value(json_object_get(m, "id_token_signed_response_alg")), "PS256");
    assert_string_equal(json_string_value(json_object_get(m, "access_token_signed_response_alg")), "PS256");
    json_decref(m);
    static const char *const refused[] = {
        FAPI ",\"require_pushed_authorization_requests\":false}",
        FAPI ",\"dpop_bound_access_tokens\":false}",
        FAPI ",\"require_pkce\":false}",
        FAPI ",\"id_token_signed_response_alg\":\"RS256\"}",
        FAPI ",\"access_token_signed_response_alg\":\"RS256\"}",
        "{\"client_name\":\"P\",\"redirect_uris\":[\"https://rp.example/cb\"],\"security_profile\":\"fapi2\"}",
        "{\"client_name\":\"P\",\"redirect_uris\":[\"https://rp.example/cb\"],\"security_profile\":\"fapi1\"}",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        m = NULL;
        assert_int_equal(validate(refused[i], &m, err), IDP_E_INVALID_CLIENT_METADATA);
        assert_null(m);
    }
    /* FAPI 2.0 Message Signing: fapi2, and its requests (§5.3.1) and responses (§5.4.1) signed, never RS256 */
#define FAPI_MS                                                                                          \
    "{\"client_name\":\"Portal\",\"redirect_uris\":[\"https://rp.example/cb\"],\"security_profile\":"    \
    "\"fapi2-message-signing\",\"jwks_uri\":\"https://rp.example/jwks\",\"token_endpoint_auth_method\":" \
    "\"private_key_jwt\""
    assert_int_equal(validate(FAPI_MS "}", &m, err), IDP_OK);
    assert_true(json_is_true(json_object_get(m, "require_pushed_authorization_requests")));
    assert_true(json_is_true(json_object_get(m, "dpop_bound_access_tokens")));
    assert_true(json_is_true(json_object_get(m, "require_signed_request_object")));
    assert_string_equal(json_string_value(json_object_get(m, "authorization_signed_response_alg")), "ES256");
    assert_string_equal(json_string_value(json_object_get(m, "id_token_signed_response_alg")), "ES256");
    json_decref(m);
    static const char *const ms_refused[] = {
        FAPI_MS ",\"require_signed_request_object\":false}",
        FAPI_MS ",\"authorization_signed_response_alg\":\"RS256\"}",
        FAPI_MS ",\"request_object_signing_alg\":\"RS256\"}",
        FAPI_MS ",\"request_object_signing_alg\":\"none\"}",
        FAPI_MS ",\"dpop_bound_access_tokens\":false}",
        FAPI ",\"authorization_signed_response_alg\":\"RS256\"}",
    };
    for (size_t i = 0; i < sizeof(ms_refused) / sizeof(ms_refused[0]); i++) {
        m = NULL;
        if (validate(ms_refused[i], &m, err) != IDP_E_INVALID_CLIENT_METADATA)
            fail_msg("case %zu accepted: %s", i, ms_refused[i]);
        assert_null(m);
    }
    assert_int_equal(validate(FAPI_MS ",\"request_object_signing_alg\":\"ES256\"}", &m, err), IDP_OK);
    json_decref(m);
    /* a plain fapi2 client's JARM responses are ES256 too (FAPI 2.0 §5.4.1); its requests need not be signed */
    assert_int_equal(validate(FAPI "}", &m, err), IDP_OK);
    assert_string_equal(json_string_value(json_object_get(m, "authorization_signed_response_alg")), "ES256");
    assert_null(json_object_get(m, "require_signed_request_object"));
    json_decref(m);
#undef FAPI_MS
#undef FAPI
    /* RFC 9101 §10.5 and JARM on their own: any client may register them */
    assert_int_equal(validate("{\"client_name\":\"W\",\"redirect_uris\":[\"https://rp.example/cb\"],"
                              "\"require_signed_request_object\":true,\"authorization_signed_response_alg\":\"RS256\"}",
                              &m, err),
                     IDP_OK);
    json_decref(m);
    /* RFC 9449 §5.2 on its own */
    assert_int_equal(validate("{\"client_name\":\"W\",\"redirect_uris\":[\"https://rp.example/cb\"],"
                              "\"dpop_bound_access_tokens\":true}",
                              &m, err),
                     IDP_OK);
    json_decref(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(defaults),
                                       cmocka_unit_test(accepted),
                                       cmocka_unit_test(rejected),
                                       cmocka_unit_test(kinds),
                                       cmocka_unit_test(sector_of_pairwise_subjects),
                                       cmocka_unit_test(sector_document_must_list_every_redirect_uri),
                                       cmocka_unit_test(sector_identifier_uri_is_fetched_and_checked),
                                       cmocka_unit_test(sector_identifier_uri_must_be_https),
                                       cmocka_unit_test(an_update_that_changes_sub_is_refused),
                                       cmocka_unit_test(fapi2_profile)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

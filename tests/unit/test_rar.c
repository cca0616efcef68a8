/* Rich authorization requests (RFC 9396; oauth/rar.c): the sakai_application type, checked member by member. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"
#include "oauth/rar.h"

static const idp_client_t *client(const char *types)
{
    char meta[512];
    snprintf(meta, sizeof(meta),
             "{\"client_name\":\"Portal\",\"redirect_uris\":[\"https://portal.example/cb\"],\"tier\":\"city\"%s%s%s}",
             types ? ",\"authorization_details_types\":" : "", types ? types : "", "");
    const idp_client_t *c = NULL;
    char err[256];
    assert_int_equal(idp_client_new("c1", meta, false, NULL, NULL, &c, err, sizeof(err)), IDP_OK);
    return c;
}

#define APP(extra)                                                                                                          \
    "[{\"type\":\"sakai_application\",\"identifier\":\"APP-2026.1\",\"procedure\":{\"name\":\"児童手当 認定請求\"," \
    "\"code\":\"K-01\"},\"actions\":[\"read\"],\"datatypes\":[\"name\",\"address\"]" extra "}]"

static idp_err_t parse(const idp_client_t *c, const char *text, const char **why)
{
    json_t *out = NULL;
    char *canonical = NULL;
    idp_err_t e = idp_rar_parse(text, c, &out, &canonical, why);
    assert_true((e == IDP_OK) == (out != NULL && canonical != NULL));
    json_decref(out);
    free(canonical);
    return e;
}

static void an_application_to_read_is_accepted_and_canonical(void **state)
{
    (void)state;
    const idp_client_t *c = client("[\"sakai_application\"]");
    json_t *out = NULL;
    char *canonical = NULL;
    const char *why = NULL;
    assert_int_equal(idp_rar_parse(APP(""), c, &out, &canonical, &why), IDP_OK);
    /* compact, keys sorted: what the ledger, the grant and the tokens carry */
    assert_string_equal(canonical, "[{\"actions\":[\"read\"],\"datatypes\":[\"name\",\"address\"],\"identifier\":"
                                   "\"APP-2026.1\",\"procedure\":{\"code\":\"K-01\",\"name\":\"児童手当 認定請求\"},"
                                   "\"type\":\"sakai_application\"}]");
    assert_int_equal(json_array_size(out), 1);
    json_decref(out);
    free(canonical);
    idp_client_unref(c);
}

/* RFC 9396 §5: each malformed, unknown or unregistered detail is invalid_authorization_details */
static void refusals(void **state)
{
    (void)state;
    const idp_client_t *c = client("[\"sakai_application\"]"), *none = client(NULL);
    static const char *const bad[] = {
        "{}",
        "[]",
        "not json",
        "[1]",
        "[{\"identifier\":\"x\"}]",
        "[{\"type\":\"payment_initiation\"}]",
        APP(",\"extra\":1"),
        APP(",\"document_digest\":{\"alg\":\"sha-256\",\"value\":\"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU\"}"),
        "[{\"type\":\"sakai_application\",\"identifier\":\"A\",\"procedure\":{\"name\":\"n\",\"code\":\"c\"},"
        "\"actions\":[\"read\",\"read\"],\"datatypes\":[\"name\"]}]",
        "[{\"type\":\"sakai_application\",\"identifier\":\"A\",\"procedure\":{\"name\":\"n\",\"code\":\"c\"},"
        "\"actions\":[\"read\"],\"datatypes\":[\"openid\"]}]",
        "[{\"type\":\"sakai_application\",\"identifier\":\"A\",\"procedure\":{\"name\":\"n\",\"code\":\"c\"},"
        "\"actions\":[\"read\"]}]",
        "[{\"type\":\"sakai_application\",\"identifier\":\"A B\",\"procedure\":{\"name\":\"n\",\"code\":\"c\"},"
        "\"actions\":[\"read\"],\"datatypes\":[\"name\"]}]",
        "[{\"type\":\"sakai_application\",\"identifier\":\"A\",\"procedure\":{\"name\":\"n\\u0007\",\"code\":\"c\"},"
        "\"actions\":[\"read\"],\"datatypes\":[\"name\"]}]",
        "[{\"type\":\"sakai_application\",\"identifier\":\"A\",\"procedure\":{\"name\":\"n\"},"
        "\"actions\":[\"read\"],\"datatypes\":[\"name\"]}]",
        /* signing: a document_digest that is not a base64url SHA-256, or of another algorithm */
        "[{\"type\":\"sakai_application\",\"identifier\":\"A\",\"procedure\":{\"name\":\"n\",\"code\":\"c\"},"
        "\"actions\":[\"sign\"],\"document_digest\":{\"alg\":\"sha-256\","
        "\"value\":\"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuF\"}}]",
        "[{\"type\":\"sakai_application\",\"identifier\":\"A\",\"procedure\":{\"name\":\"n\",\"code\":\"c\"},"
        "\"actions\":[\"sign\"],\"document_digest\":{\"alg\":\"sha-1\","
        "\"value\":\"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU\"}}]",
        "[{\"type\":\"sakai_application\",\"identifier\":\"A\",\"procedure\":{\"name\":\"n\",\"code\":\"c\"},"
        "\"actions\":[\"sign\"]}]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *why = NULL;
        assert_int_equal(parse(c, bad[i], &why), IDP_E_INVALID_AUTHORIZATION_DETAILS);
        assert_non_null(why);
    }
    /* a client not registered for the type (authorization_details_types, RFC 9396 §10) */
    const char *why = NULL;
    assert_int_equal(parse(none, APP(""), &why), IDP_E_INVALID_AUTHORIZATION_DETAILS);
    assert_non_null(strstr(why, "not registered"));
    /* five applications in one request */
    char many[4096] = "[";
    for (int i = 0; i < 5; i++)
        strcat(many,
               "{\"type\":\"sakai_application\",\"identifier\":\"A\",\"procedure\":{\"name\":\"n\",\"code\":\"c\"},"
               "\"actions\":[\"read\"],\"datatypes\":[\"name\"]},");
    many[strlen(many) - 1] = ']';
    assert_int_equal(parse(c, many, &why), IDP_E_INVALID_AUTHORIZATION_DETAILS);
    /* a document to sign, and which one idp_rar_to_sign names */
    json_t *out = NULL;
    char *canonical = NULL;
    assert_int_equal(idp_rar_parse(APP("") "", c, &out, &canonical, &why), IDP_OK);
    assert_null(idp_rar_to_sign(out));
    json_decref(out);
    free(canonical);
    assert_int_equal(idp_rar_parse("[{\"type\":\"sakai_application\",\"identifier\":\"A\",\"procedure\":{\"name\":"
                                   "\"n\",\"code\":\"c\"},\"actions\":[\"read\",\"sign\"],\"datatypes\":[\"name\"],"
                                   "\"document_digest\":{\"alg\":\"sha-256\","
                                   "\"value\":\"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU\"}}]",
                                   c, &out, &canonical, &why),
                     IDP_OK);
    assert_non_null(idp_rar_to_sign(out));
    json_decref(out);
    free(canonical);
    idp_client_unref(c);
    idp_client_unref(none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_application_to_read_is_accepted_and_canonical),
        cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

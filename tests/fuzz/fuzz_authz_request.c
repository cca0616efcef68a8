/*
 * Fuzz target: what a browser or client sends to /authorize and the form
 * endpoints. The input is a query string or form body: form decoding
 * (idp_params_parse), re-encoding round trip (idp_params_encode, as login
 * transactions store the request), authorization-request validation against
 * two registrations, the rules of the flow (claims, acr, language), PKCE,
 * and the Cookie header parser. libFuzzer: -DSAKAID_FUZZ=ON with clang; the
 * test suite runs it through driver.c over tests/fuzz/seeds/authz.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"
#include "core/params.h"
#include "oauth/authorize.h"
#include "oauth/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const idp_client_t *meta[2];

static void check(const idp_params_t *p)
{
    for (int i = 0; i < 2; i++) {
        idp_authz_req_t r;
        idp_authz_error_t err;
        if (idp_authz_validate(p, meta[i], &r, &err)) {
            bool unmet;
            idp_buf_t claims, scope;
            idp_buf_init(&claims, 4096);
            idp_buf_init(&scope, 4096);
            idp_rules_claims(meta[i], r.scope, r.claims_json, i == 0, i == 0, &claims, &scope);
            idp_rules_card_needed(meta[i], r.claims_json, r.acr_values, &unmet);
            idp_rules_lang(r.ui_locales, "en");
            idp_pkce_s256_verify(r.code_challenge, r.state);
            idp_buf_free(&claims);
            idp_buf_free(&scope);
            idp_authz_clear(&r);
        } else if (err.error == IDP_OK) {
            abort(); /* every refusal names its error */
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (meta[0] == NULL) {
        /* two registrations as the client cache builds them (idp_client_new); never freed, as before */
        char err[256];
        if (idp_client_new("c",
                           "{\"client_name\":\"a\",\"redirect_uris\":[\"https://rp.example/cb\"],"
                           "\"response_types\":[\"code\"],\"token_endpoint_auth_method\":\"client_secret_basic\","
                           "\"require_pkce\":true,\"tier\":\"city\",\"scope\":\"openid profile address residency\"}",
                           false, NULL, NULL, &meta[0], err, sizeof(err)) != IDP_OK ||
            idp_client_new("c",
                           "{\"client_name\":\"b\",\"redirect_uris\":[\"https://rp.example/cb\"],"
                           "\"response_types\":[\"code\"],\"token_endpoint_auth_method\":\"none\","
                           "\"require_pkce\":true,\"card_required\":true,\"scope\":\"openid residency\"}",
                           false, NULL, NULL, &meta[1], err, sizeof(err)) != IDP_OK)
            abort();
    }
    idp_arena_t a;
    idp_arena_init(&a, 1 << 20);
    idp_params_t p, again;
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (idp_params_parse(&a, text, size, &p) == IDP_OK) {
        check(&p);
        /* a stored request reads back as the same parameters */
        idp_buf_t b;
        idp_buf_init(&b, 1 << 20);
        if (idp_params_encode(&p, &b) == IDP_OK) {
            if (idp_params_parse(&a, idp_buf_cstr(&b), b.len, &again) != IDP_OK || again.n != p.n)
                abort();
            for (size_t i = 0; i < p.n; i++)
                if (strcmp(p.items[i].name, again.items[i].name) || strcmp(p.items[i].value, again.items[i].value))
                    abort();
        }
        idp_buf_free(&b);
    }
    if (memchr(data, 0, size) == NULL) {
        idp_cookie_get(&a, text, "sakaid_session");
        idp_cookie_get(&a, text, "sakaid_login");
    }
    free(text);
    idp_arena_free(&a);
    return 0;
}

/*
 * A protocol core on the memory store, for unit tests of idp/oauth
 * endpoints without PostgreSQL or sockets (issue #16 §1): a configuration
 * with defaults, the client cache on (watching the store, as main.c has it), RS256, ES256 and PS256 signing keys, a public PKCE client that may
 * refresh, a card resident with a live browser session, and codes issued as
 * the consent step would.
 */
#ifndef SAKAID_TESTS_UNIT_OAUTH_FIXTURE_H
#define SAKAID_TESTS_UNIT_OAUTH_FIXTURE_H

#include <jansson.h>

#include "oauth/oauth.h"

#define CLIENT "rp-token-test"
#define REDIRECT "https://rp.example/cb"
#define VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" /* RFC 7636 Appendix B */

typedef struct {
    idp_config_t *cfg;
    idp_store_t *store;
    idp_keystore_t *keys;
    idp_oauth_t *o; /* idp_oauth_new on the memory store; tests may set its jpki, fed, kek, net */
    char resident[64], sid[64];
} fixture_t;

/* cmocka group set-up and tear-down: *state is a fixture_t. */
int fixture_setup(void **state);
int fixture_teardown(void **state);
/* An authorization code for CLIENT with @p scope and consented @p claims; @p code receives its value. */
void fixture_code(fixture_t *f, const char *scope, const char *claims, char code[64]);
/* The same, its grant bound to DPoP key @p jkt (RFC 9449 §10; NULL: none). */
void fixture_code_jkt(fixture_t *f, const char *scope, const char *claims, const char *jkt, char code[64]);
/* The same for @p client_id (registered with REDIRECT and PKCE). */
void fixture_code_for(fixture_t *f, const char *client_id, const char *scope, const char *claims, const char *jkt,
                      char code[64]);
/* A code for CLIENT whose grant was stored without its subject, as before migration 0030 (no exchange). */
void fixture_code_legacy(fixture_t *f, const char *scope, const char *claims, char code[64]);
/* Calls @p endpoint with form @p form (and an Authorization header, may be NULL); the JSON body (decref it). */
json_t *fixture_call(fixture_t *f, idp_endpoint_id_t endpoint, const char *form, const char *authorization,
                     idp_oauth_resp_t *resp);
/* The same as @p method at @p path, with a DPoP header @p dpop (may be NULL). resp->www_authenticate is the
 * challenge's scheme ("Bearer" or "DPoP"), resp->dpop_nonce the nonce it gave (until the next call). */
json_t *fixture_call_dpop(fixture_t *f, idp_endpoint_id_t endpoint, const char *method, const char *path,
                          const char *form, const char *authorization, const char *dpop, idp_oauth_resp_t *resp);
/* Calls @p endpoint with @p method, its path's {id} @p param (may be NULL), a JSON @p body (may be NULL) and an
 * Authorization header (may be NULL); the JSON body (decref it; {} when there is none). */
json_t *fixture_json(fixture_t *f, idp_endpoint_id_t endpoint, const char *method, const char *param, const char *body,
                     const char *authorization, idp_oauth_resp_t *resp);
/* The same with the query string @p query ("" for none). */
json_t *fixture_json_query(fixture_t *f, idp_endpoint_id_t endpoint, const char *method, const char *param,
                           const char *query, const char *body, const char *authorization, idp_oauth_resp_t *resp);
/* What a browser request got (fixture_page): the answer's head and its body (malloc'ed: fixture_answer_free). */
typedef struct {
    int status;
    char location[512], set_cookie[2][256], content_type[64];
    char *body;
} fixture_answer_t;
/* A browser's request: @p form is the query or the body (@p post), @p cookie and @p referer may be NULL. */
fixture_answer_t fixture_page(fixture_t *f, idp_endpoint_id_t endpoint, const char *form, bool post, const char *cookie,
                              const char *referer, const char *remote_addr);
/* The same at a path whose {id} is @p param. */
fixture_answer_t fixture_page_at(fixture_t *f, idp_endpoint_id_t endpoint, const char *param, const char *form,
                                 bool post, const char *cookie);
void fixture_answer_free(fixture_answer_t *a);
/* A string member of @p j, "" when absent. */
const char *fixture_str(json_t *j, const char *k);
/* Redeems @p code at the token endpoint (@p verifier may be NULL). */
json_t *fixture_redeem(fixture_t *f, const char *code, const char *verifier, const char *redirect, int *status);

#endif

/* The protocol core on the memory store (oauth_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rand.h"
#include "jose/key.h"
#include "jose/keystore.h"
#include "oauth/authorize.h"
#include "oauth/clients.h"
#include "oauth/internal.h"
#include "client/client_meta.h"
#include "oauth_fixture.h"
#include "store/mem/mem.h"

static const char *env(const char *name)
{
    return !strcmp(name, "SAKAID_DATABASE_URL") ? "postgresql://unused/sakaid" : NULL;
}

static void add_key(idp_keyset_t *ks, const char *alg)
{
    idp_jose_key_t *k;
    assert_int_equal(idp_jose_key_generate(idp_alg_from_name(alg), &k), IDP_OK);
    assert_int_equal(idp_keyset_add(ks, k, IDP_KEY_ACTIVE, 1), IDP_OK);
    idp_keyset_set_activated(ks, idp_alg_from_name(alg), (long long)time(NULL) - 3600); /* active for an hour */
}

/* A public client (PKCE) that may refresh, registered as sakaid-admin would: metadata validated first. */
static void register_client(idp_store_t *s)
{
    json_t *in = json_loads("{\"client_name\":\"t\",\"redirect_uris\":[\"" REDIRECT "\"],"
                            "\"token_endpoint_auth_method\":\"none\",\"scope\":\"openid profile offline_access\","
                            "\"grant_types\":[\"authorization_code\",\"refresh_token\"]}",
                            0, NULL),
           *meta = NULL;
    char err[256] = "";
    assert_int_equal(idp_client_meta_validate(in, &meta, err, sizeof(err)), IDP_OK);
    char *text = json_dumps(meta, JSON_COMPACT);
    idp_store_client_t c = {.client_id = CLIENT, .metadata = text};
    assert_int_equal(idp_store_client_insert(s, &c), IDP_OK);
    free(text);
    json_decref(in);
    json_decref(meta);
}

int fixture_setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    char err[256];
    if (f == NULL || idp_config_load_text("{}", env, &f->cfg, err, sizeof(err)) != IDP_OK ||
        idp_store_mem_new(&f->store) != IDP_OK || (f->keys = idp_keystore_new()) == NULL)
        return -1;
    idp_keyset_t *ks = idp_keyset_new();
    add_key(ks, "RS256");
    add_key(ks, "ES256");
    add_key(ks, "PS256");
    assert_int_equal(idp_keyset_seal(ks), IDP_OK);
    idp_keystore_set(f->keys, ks);
    idp_oauth_deps_t deps = {.store = f->store, .keys = f->keys};
    if (idp_oauth_new(f->cfg, &deps, &f->o) != IDP_OK)
        return -1;
    /* as main.c does: clients kept in the core's cache, which store/mem's writes invalidate */
    if (idp_oauth_watch_clients(f->o, NULL) != IDP_OK)
        return -1;
    register_client(f->store);
    /* the resident signed in with a card: a resident row and a live browser session */
    idp_store_card_cert_t cert = {.purpose = "auth", .issuer_key_id = "aa", .serial = "01", .not_after = 4102444800LL};
    assert_int_equal(idp_random_bytes(cert.sha256, 32), IDP_OK);
    bool created;
    assert_int_equal(idp_store_card_resident(f->store, &cert, "resident-1", f->resident, &created), IDP_OK);
    unsigned char cookie[32];
    assert_int_equal(idp_random_bytes(cookie, 32), IDP_OK);
    idp_store_session_t sess;
    snprintf(f->sid, sizeof(f->sid), "sid-1");
    assert_int_equal(idp_store_session_login(f->store, NULL, cookie, f->sid, f->resident, "urn:sakai-d:acr:card",
                                             "sc pin", "card:x", (long long)time(NULL), 3600, &sess),
                     IDP_OK);
    *state = f;
    return 0;
}

int fixture_teardown(void **state)
{
    fixture_t *f = *state;
    idp_oauth_free(f->o);
    idp_store_close(f->store);
    idp_keystore_free(f->keys);
    idp_config_free(f->cfg);
    free(f);
    return 0;
}

void fixture_code(fixture_t *f, const char *scope, const char *claims, char code[64])
{
    fixture_code_for(f, CLIENT, scope, claims, NULL, code);
}

void fixture_code_jkt(fixture_t *f, const char *scope, const char *claims, const char *jkt, char code[64])
{
    fixture_code_for(f, CLIENT, scope, claims, jkt, code);
}

/* As the authorization step stores it (flow.c), with its grant's subject unless @p legacy. */
static void code_for(fixture_t *f, const char *client_id, const char *scope, const char *claims, const char *jkt,
                     bool legacy, char code[64])
{
    static int n;
    idp_store_grant_t g = {.auth_time = (long long)time(NULL)};
    snprintf(g.id, sizeof(g.id), "grant-%d", ++n);
    snprintf(code, 64, "code-%d-value", n);
    snprintf(g.client_id, sizeof(g.client_id), "%s", client_id);
    snprintf(g.resident_id, sizeof(g.resident_id), "%s", f->resident);
    snprintf(g.sid, sizeof(g.sid), "%s", f->sid);
    snprintf(g.scope, sizeof(g.scope), "%s", scope);
    snprintf(g.claims, sizeof(g.claims), "%s", claims);
    snprintf(g.acr, sizeof(g.acr), "urn:sakai-d:acr:card");
    snprintf(g.amr, sizeof(g.amr), "sc pin");
    snprintf(g.redirect_uri, sizeof(g.redirect_uri), REDIRECT);
    snprintf(g.nonce, sizeof(g.nonce), "n-0S6_WzA2Mj");
    assert_true(idp_pkce_s256(VERIFIER, g.code_challenge));
    snprintf(g.dpop_jkt, sizeof(g.dpop_jkt), "%s", jkt ? jkt : "");
    const idp_client_t *cl;
    if (!legacy && idp_clients_get(f->o, client_id, &cl) == IDP_OK) {
        idp_subject(f->o, cl, g.resident_id, g.subject);
        idp_client_unref(cl);
    }
    unsigned char h[32];
    idp_sha256(code, strlen(code), h);
    assert_int_equal(idp_store_code_create(f->store, &g, h, 60, 3600), IDP_OK);
}

void fixture_code_for(fixture_t *f, const char *client_id, const char *scope, const char *claims, const char *jkt,
                      char code[64])
{
    code_for(f, client_id, scope, claims, jkt, false, code);
}

void fixture_code_legacy(fixture_t *f, const char *scope, const char *claims, char code[64])
{
    code_for(f, CLIENT, scope, claims, NULL, true, code);
}

/* One request through the protocol core: @p req's form parsed from @p form into @p arena (the answer's body
 * lives there too), the rest of it as given. */
static void handle(fixture_t *f, idp_endpoint_id_t endpoint, const char *form, idp_arena_t *arena, idp_oauth_req_t req,
                   idp_oauth_resp_t *resp)
{
    idp_params_t *params = idp_arena_alloc(arena, sizeof(*params));
    assert_non_null(params);
    assert_int_equal(idp_params_parse(arena, form, strlen(form), params), IDP_OK);
    req.arena = arena;
    req.form = params;
    req.lang = "en";
    req.now = (long long)time(NULL);
    memset(resp, 0, sizeof(*resp));
    idp_oauth_handle(f->o, endpoint, &req, resp);
}

json_t *fixture_call(fixture_t *f, idp_endpoint_id_t endpoint, const char *form, const char *authorization,
                     idp_oauth_resp_t *resp)
{
    idp_arena_t arena;
    idp_arena_init(&arena, 1 << 20);
    handle(f, endpoint, form, &arena,
           (idp_oauth_req_t){.authorization = authorization, .remote_addr = "192.0.2.1", .post = true}, resp);
    /* an empty body (a revocation's 200) reads as {} */
    json_t *j = resp->body_len ? json_loadb(resp->body, resp->body_len, 0, NULL) : json_object();
    resp->body = NULL; /* it lived in the arena */
    resp->www_authenticate = resp->www_authenticate ? "set" : NULL;
    idp_arena_free(&arena);
    assert_non_null(j);
    return j;
}

json_t *fixture_call_dpop(fixture_t *f, idp_endpoint_id_t endpoint, const char *method, const char *path,
                          const char *form, const char *authorization, const char *dpop, idp_oauth_resp_t *resp)
{
    static char nonce[128];
    idp_arena_t arena;
    idp_arena_init(&arena, 1 << 20);
    handle(f, endpoint, form, &arena,
           (idp_oauth_req_t){.authorization = authorization,
                             .dpop = dpop,
                             .remote_addr = "192.0.2.1",
                             .post = !strcmp(method, "POST"),
                             .method = method,
                             .path = path},
           resp);
    json_t *j = resp->body_len ? json_loadb(resp->body, resp->body_len, 0, NULL) : json_object();
    resp->body = NULL;
    if (resp->www_authenticate) /* the challenge's scheme and error, kept past the arena */
        resp->www_authenticate = strncmp(resp->www_authenticate, "DPoP", 4) ? "Bearer" : "DPoP";
    snprintf(nonce, sizeof(nonce), "%s", resp->dpop_nonce ? resp->dpop_nonce : "");
    resp->dpop_nonce = resp->dpop_nonce ? nonce : NULL;
    idp_arena_free(&arena);
    assert_non_null(j);
    return j;
}

json_t *fixture_json(fixture_t *f, idp_endpoint_id_t endpoint, const char *method, const char *param, const char *body,
                     const char *authorization, idp_oauth_resp_t *resp)
{
    return fixture_json_query(f, endpoint, method, param, "", body, authorization, resp);
}

json_t *fixture_json_query(fixture_t *f, idp_endpoint_id_t endpoint, const char *method, const char *param,
                           const char *query, const char *body, const char *authorization, idp_oauth_resp_t *resp)
{
    idp_arena_t arena;
    idp_arena_init(&arena, 1 << 20);
    handle(f, endpoint, query, &arena,
           (idp_oauth_req_t){.authorization = authorization,
                             .remote_addr = "192.0.2.1",
                             .post = !strcmp(method, "POST"),
                             .method = method,
                             .path_param = param,
                             .body = body,
                             .body_len = body ? strlen(body) : 0},
           resp);
    json_t *j = resp->body_len ? json_loadb(resp->body, resp->body_len, 0, NULL) : json_object();
    resp->body = NULL;
    resp->www_authenticate = resp->www_authenticate ? "set" : NULL;
    idp_arena_free(&arena);
    assert_non_null(j);
    return j;
}

static fixture_answer_t page(fixture_t *f, idp_endpoint_id_t endpoint, const char *form, idp_oauth_req_t req)
{
    idp_arena_t arena;
    idp_arena_init(&arena, 1 << 22);
    idp_oauth_resp_t resp;
    req.method = req.post ? "POST" : "GET";
    handle(f, endpoint, form, &arena, req, &resp);
    fixture_answer_t a = {.status = resp.status};
    snprintf(a.location, sizeof(a.location), "%s", resp.location ? resp.location : "");
    for (int i = 0; i < 2; i++)
        snprintf(a.set_cookie[i], sizeof(a.set_cookie[i]), "%s", resp.set_cookie[i] ? resp.set_cookie[i] : "");
    snprintf(a.content_type, sizeof(a.content_type), "%s", resp.content_type ? resp.content_type : "application/json");
    a.body = strndup(resp.body ? resp.body : "", resp.body_len);
    assert_non_null(a.body);
    idp_arena_free(&arena);
    return a;
}

fixture_answer_t fixture_page(fixture_t *f, idp_endpoint_id_t endpoint, const char *form, bool post, const char *cookie,
                              const char *referer, const char *remote_addr)
{
    return page(f, endpoint, form,
                (idp_oauth_req_t){.remote_addr = remote_addr, .cookie = cookie, .referer = referer, .post = post});
}

fixture_answer_t fixture_page_at(fixture_t *f, idp_endpoint_id_t endpoint, const char *param, const char *form,
                                 bool post, const char *cookie)
{
    return page(f, endpoint, form,
                (idp_oauth_req_t){.remote_addr = "192.0.2.1", .cookie = cookie, .post = post, .path_param = param});
}

void fixture_answer_free(fixture_answer_t *a)
{
    free(a->body);
    a->body = NULL;
}

const char *fixture_str(json_t *j, const char *k)
{
    const char *v = json_string_value(json_object_get(j, k));
    return v ? v : "";
}

json_t *fixture_redeem(fixture_t *f, const char *code, const char *verifier, const char *redirect, int *status)
{
    char form[512];
    idp_oauth_resp_t resp;
    snprintf(form, sizeof(form), "grant_type=authorization_code&client_id=" CLIENT "&code=%s&redirect_uri=%s%s%s", code,
             redirect, verifier ? "&code_verifier=" : "", verifier ? verifier : "");
    json_t *j = fixture_call(f, IDP_EP_TOKEN, form, NULL, &resp);
    *status = resp.status;
    return j;
}

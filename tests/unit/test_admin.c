/*
 * The admin API (oauth/admin_api.c), the console and the partner portal
 * (oauth/console.c) on the memory store, without HTTP or PostgreSQL:
 * roles, the admin log and its chain, client changes, initial access
 * tokens, keys, statistics, the help desk, and the pages' gates.
 * integ_admin_api, integ_console and integ_partner run the same over HTTP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "client/client_meta.h"
#include "core/rand.h"
#include "oauth/clients.h"
#include "oauth/internal.h"
#include "oauth_fixture.h"

/* An administrator's automation client with @p scope, and a client_credentials token for it (@p token). */
static void admin_token(fixture_t *f, const char *scope, char token[2048])
{
    static int n;
    char id[32], secret[32] = "s3cret-for-the-admin-tests", meta[256], pair[96], auth[256];
    snprintf(id, sizeof(id), "ops-%d", ++n);
    snprintf(meta, sizeof(meta),
             "{\"client_name\":\"ops\",\"grant_types\":[\"client_credentials\"],\"scope\":\"%s\","
             "\"token_endpoint_auth_method\":\"client_secret_basic\"}",
             scope);
    json_t *in = json_loads(meta, 0, NULL), *out = NULL;
    char err[256];
    assert_int_equal(idp_client_meta_validate(in, &out, err, sizeof(err)), IDP_OK);
    char *text = json_dumps(out, JSON_COMPACT);
    idp_store_client_t c = {.client_id = id, .metadata = text, .has_secret = true};
    idp_sha256(secret, strlen(secret), c.secret_hash);
    assert_int_equal(idp_store_client_insert(f->store, &c), IDP_OK);
    free(text);
    json_decref(in);
    json_decref(out);
    snprintf(pair, sizeof(pair), "%s:%s", id, secret);
    memcpy(auth, "Basic ", 6);
    EVP_EncodeBlock((unsigned char *)auth + 6, (const unsigned char *)pair, (int)strlen(pair));
    char form[160];
    snprintf(form, sizeof(form), "grant_type=client_credentials&scope=%s", scope);
    for (char *p = form; *p; p++)
        if (*p == ' ')
            *p = '+';
    idp_oauth_resp_t resp;
    json_t *j = fixture_call(f, IDP_EP_TOKEN, form, auth, &resp);
    assert_int_equal(resp.status, 200);
    snprintf(token, 2048, "Bearer %s", fixture_str(j, "access_token"));
    json_decref(j);
}

static json_t *api(fixture_t *f, idp_endpoint_id_t ep, const char *method, const char *param, const char *body,
                   const char *token, int *status)
{
    idp_oauth_resp_t resp;
    json_t *j = fixture_json(f, ep, method, param, body, token, &resp);
    *status = resp.status;
    if (resp.status >= 400) /* RFC 9457 */
        assert_string_equal(resp.content_type, "application/problem+json");
    return j;
}

/* A client in the sandbox of "unit-org", registered as POST /register does; its id in @p id. */
static void sandbox_client(fixture_t *f, char id[64])
{
    static int n;
    idp_store_iat_t t = {.max_uses = 1, .expires_at = 4102444800LL};
    snprintf(t.id, sizeof(t.id), "unit-iat-%d", ++n);
    snprintf(t.organisation, sizeof(t.organisation), "unit-org");
    snprintf(t.tier, sizeof(t.tier), "partner");
    unsigned char h[32];
    assert_int_equal(idp_random_bytes(h, 32), IDP_OK);
    assert_int_equal(idp_store_iat_insert(f->store, &t, h), IDP_OK);
    snprintf(id, 64, "unit-client-%d", n);
    idp_store_client_t c = {.client_id = id,
                            .metadata =
                                "{\"client_name\":\"Unit shop\",\"redirect_uris\":[\"https://shop.example/cb\"],"
                                "\"token_endpoint_auth_method\":\"client_secret_basic\"}",
                            .has_secret = true};
    assert_int_equal(idp_store_client_register(f->store, t.id, &c), IDP_OK);
}

static size_t log_rows(fixture_t *f)
{
    idp_store_admin_log_row_t *rows = NULL;
    size_t n = 0;
    long long bad;
    const char *why;
    assert_int_equal(idp_store_admin_log_rows(f->store, 0, 0, &rows, &n), IDP_OK);
    assert_true(idp_store_admin_log_verify(rows, n, &bad, &why));
    idp_store_admin_log_rows_free(rows, n);
    return n;
}

static void roles_and_the_log(void **state)
{
    fixture_t *f = *state;
    char viewer[2048], operator[2048], both[2048];
    int status;
    admin_token(f, "admin:viewer", viewer);
    admin_token(f, "admin:client-operator", operator);
    admin_token(f, "admin:viewer admin:auditor", both);
    char id[64];
    sandbox_client(f, id);
    size_t before = log_rows(f);
    json_t *j = api(f, IDP_EP_ADMIN_CLIENTS, "GET", NULL, NULL, viewer, &status);
    assert_int_equal(status, 200);
    assert_true(json_array_size(json_object_get(j, "clients")) >= 1);
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_CLIENT_APPROVE, "POST", id, NULL, viewer, &status);
    assert_int_equal(status, 403);
    assert_string_equal(fixture_str(j, "error"), "insufficient_scope");
    json_decref(j);
    assert_int_equal(log_rows(f), before + 2); /* the list, and the refusal */
    j = api(f, IDP_EP_ADMIN_CLIENTS, "GET", NULL, NULL, both, &status);
    assert_int_equal(status, 403); /* two roles in one token */
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_CLIENTS, "GET", NULL, NULL, NULL, &status);
    assert_int_equal(status, 401);
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_CLIENTS, "GET", NULL, NULL, "Bearer not.a.token", &status);
    assert_int_equal(status, 401);
    json_decref(j);
    assert_int_equal(log_rows(f), before + 2);
    j = api(f, IDP_EP_ADMIN_OPENAPI, "GET", NULL, NULL, NULL, &status);
    assert_int_equal(status, 200);
    assert_string_equal(fixture_str(j, "openapi"), "3.1.0");
    json_decref(j);
    (void)operator;
}

static void client_changes(void **state)
{
    fixture_t *f = *state;
    char op[2048];
    int status;
    admin_token(f, "admin:client-operator", op);
    char id[64];
    sandbox_client(f, id);
    json_t *j = api(f, IDP_EP_ADMIN_CLIENT, "GET", id, NULL, op, &status);
    assert_int_equal(status, 200);
    assert_true(json_is_true(json_object_get(j, "sandbox")));
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_CLIENT_APPROVE, "POST", id, "{\"reason\":\"reviewed\"}", op, &status);
    assert_int_equal(status, 200);
    assert_false(json_is_true(json_object_get(j, "sandbox")));
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_CLIENT_APPROVE, "POST", id, "{\"reason\":42}", op, &status);
    assert_int_equal(status, 400);
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_CLIENT_SANDBOX, "POST", id, NULL, op, &status);
    assert_int_equal(status, 200);
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_CLIENT_SUSPEND, "POST", id, NULL, op, &status);
    assert_int_equal(status, 200);
    json_decref(j);
    const idp_client_t *cl = NULL;
    assert_int_equal(idp_clients_get(f->o, id, &cl), IDP_E_NOT_FOUND); /* suspended: as if it did not exist */
    j = api(f, IDP_EP_ADMIN_CLIENT_RESUME, "POST", id, NULL, op, &status);
    assert_int_equal(status, 200);
    json_decref(j);
    assert_int_equal(idp_clients_get(f->o, id, &cl), IDP_OK);
    idp_client_unref(cl);
    j = api(f, IDP_EP_ADMIN_CLIENT_SECRET, "POST", id, NULL, op, &status);
    assert_int_equal(status, 200);
    assert_true(strlen(fixture_str(j, "client_secret")) >= 43);
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_CLIENT_SECRET, "POST", CLIENT, NULL, op, &status);
    assert_int_equal(status, 409); /* a public client has no secret */
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_CLIENT_APPROVE, "POST", "no-such-client", NULL, op, &status);
    assert_int_equal(status, 404);
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_CLIENTS, "GET", NULL, NULL, op, &status);
    assert_int_equal(status, 200);
    json_decref(j);
    log_rows(f);
}

static void tokens_keys_and_the_audit(void **state)
{
    fixture_t *f = *state;
    char op[2048], keys[2048], auditor[2048];
    int status;
    admin_token(f, "admin:client-operator", op);
    admin_token(f, "admin:key-operator", keys);
    admin_token(f, "admin:auditor", auditor);
    json_t *j =
        api(f, IDP_EP_ADMIN_IATS, "POST", NULL, "{\"organisation\":\"unit-org\",\"uses\":2,\"days\":3}", op, &status);
    assert_int_equal(status, 201);
    char iat[64];
    snprintf(iat, sizeof(iat), "%s", fixture_str(j, "id"));
    assert_true(strlen(fixture_str(j, "token")) >= 43);
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_IATS, "POST", NULL, "{\"organisation\":\"bad name\"}", op, &status);
    assert_int_equal(status, 400);
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_IATS, "GET", NULL, NULL, op, &status);
    assert_int_equal(status, 200);
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_IAT, "DELETE", iat, NULL, op, &status);
    assert_int_equal(status, 204);
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_IAT, "DELETE", iat, NULL, op, &status);
    assert_int_equal(status, 404);
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_KEYS, "GET", NULL, NULL, keys, &status);
    assert_int_equal(status, 200);
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_KEYS_ROTATE, "POST", NULL, "{\"alg\":\"RS256\"}", keys, &status);
    assert_int_equal(status, 503); /* no key-encryption key in this core: keys cannot be made here */
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_KEYS_ROTATE, "POST", NULL, "{\"alg\":\"HS256\"}", keys, &status);
    assert_int_equal(status, 400);
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_AUDIT_VERIFY, "GET", NULL, NULL, auditor, &status);
    assert_int_equal(status, 200);
    assert_true(json_is_true(json_object_get(j, "ok")));
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_LOG, "GET", NULL, NULL, auditor, &status);
    assert_int_equal(status, 200);
    assert_true(json_array_size(json_object_get(j, "rows")) >= 5);
    json_decref(j);
}

static void statistics_and_the_help_desk(void **state)
{
    fixture_t *f = *state;
    char viewer[2048], desk[2048];
    int status;
    admin_token(f, "admin:viewer", viewer);
    admin_token(f, "admin:help-desk", desk);
    char code[64];
    fixture_code(f, "openid", "", code); /* a grant: a sign-in at CLIENT */
    for (int i = 0; i < 12; i++)
        assert_int_equal(idp_store_stat_count(f->store, CLIENT, "error", "access_denied"), IDP_OK);
    json_t *j = api(f, IDP_EP_ADMIN_CLIENT_STATS, "GET", CLIENT, NULL, viewer, &status);
    assert_int_equal(status, 200);
    json_t *today = json_array_get(json_object_get(j, "days"), 29);
    assert_string_equal(fixture_str(today, "sign_ins"), "<10");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(today, "errors"), "access_denied")), 12);
    json_decref(j);
    /* the help desk: the resident CLIENT knows by its sub */
    const idp_client_t *cl = NULL;
    assert_int_equal(idp_clients_get(f->o, CLIENT, &cl), IDP_OK);
    char sub[64];
    idp_subject(f->o, cl, f->resident, sub);
    idp_client_unref(cl);
    char form[256];
    snprintf(form, sizeof(form), "client_id=%s&sub=%s", CLIENT, sub);
    idp_arena_t arena;
    idp_arena_init(&arena, 1 << 16);
    idp_params_t q;
    assert_int_equal(idp_params_parse(&arena, form, strlen(form), &q), IDP_OK);
    idp_oauth_req_t req = {.arena = &arena,
                           .form = &q,
                           .authorization = desk,
                           .method = "GET",
                           .lang = "en",
                           .now = (long long)time(NULL)};
    idp_oauth_resp_t resp = {0};
    idp_oauth_handle(f->o, IDP_EP_ADMIN_RESIDENTS, &req, &resp);
    assert_int_equal(resp.status, 200);
    json_t *found = json_loadb(resp.body, resp.body_len, 0, NULL);
    assert_string_equal(fixture_str(json_array_get(json_object_get(found, "residents"), 0), "resident_id"),
                        f->resident);
    json_decref(found);
    idp_arena_free(&arena);
    j = api(f, IDP_EP_ADMIN_RESIDENT_LOCK, "POST", f->resident, "{}", desk, &status);
    assert_int_equal(status, 400); /* a reason is required */
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_RESIDENT_LOCK, "POST", f->resident, "{\"reason\":\"unit\"}", desk, &status);
    assert_int_equal(status, 200);
    assert_true(json_is_true(json_object_get(j, "locked")));
    assert_int_equal(json_integer_value(json_object_get(j, "live_sessions")), 0);
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_RESIDENT_UNLOCK, "POST", f->resident, "{\"reason\":\"unit\"}", desk, &status);
    assert_false(json_is_true(json_object_get(j, "locked")));
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_RESIDENT_END, "POST", f->resident, "{\"reason\":\"unit\"}", desk, &status);
    assert_int_equal(status, 200);
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_RESIDENT, "GET", "no-such-resident", NULL, desk, &status);
    assert_int_equal(status, 404);
    json_decref(j);
    log_rows(f);
}

/* A browser session of @p resident signed in @p age seconds ago with @p acr; its cookie in @p cookie. */
static void session(fixture_t *f, const char *resident, const char *acr, long long age, char cookie[128],
                    idp_store_session_t *s)
{
    static int n;
    char value[48], sid[32];
    snprintf(value, sizeof(value), "console-cookie-%d", ++n);
    snprintf(sid, sizeof(sid), "console-sid-%d", n);
    unsigned char h[32];
    idp_sha256(value, strlen(value), h);
    assert_int_equal(idp_store_session_login(f->store, NULL, h, sid, resident, acr, "sc pin", "card:y",
                                             (long long)time(NULL) - age, 3600, s),
                     IDP_OK);
    snprintf(cookie, 128, COOKIE_SESSION "=%s", value);
}

static void console_and_portal_gates(void **state)
{
    fixture_t *f = *state;
    char cookie[128], form[256], id[64];
    idp_store_session_t s;
    sandbox_client(f, id);
    /* no session: to the sign-in */
    fixture_answer_t a = fixture_page(f, IDP_EP_CONSOLE, "", false, NULL, NULL, "192.0.2.1");
    assert_int_equal(a.status, 303);
    assert_string_equal(a.location, "/account/login?for=admin");
    fixture_answer_free(&a);
    /* a card session without a role, then with one */
    session(f, f->resident, "urn:sakai-d:acr:card", 10, cookie, &s);
    a = fixture_page(f, IDP_EP_CONSOLE, "", false, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 403);
    fixture_answer_free(&a);
    assert_int_equal(idp_store_role_grant(f->store, f->resident, "client-operator"), IDP_OK);
    assert_int_equal(idp_store_role_grant(f->store, f->resident, "auditor"), IDP_OK);
    a = fixture_page(f, IDP_EP_CONSOLE, "", false, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body, id));
    fixture_answer_free(&a);
    a = fixture_page(f, IDP_EP_CONSOLE_AUDIT, "", false, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 200);
    fixture_answer_free(&a);
    a = fixture_page(f, IDP_EP_CONSOLE_KEYS, "", false, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 200); /* an auditor reads the keys */
    fixture_answer_free(&a);
    char csrf[64];
    idp_account_csrf(f->o, &s, csrf);
    /* the path's {id} travels in the request, not the form: fixture_page has none, so the pages are 404 here */
    snprintf(form, sizeof(form), "csrf=%s", csrf);
    a = fixture_page(f, IDP_EP_CONSOLE_CLIENT_APPROVE, "csrf=forged", true, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 403);
    fixture_answer_free(&a);
    /* the help desk's lookup page: the resident CLIENT knows by its sub */
    assert_int_equal(idp_store_role_grant(f->store, f->resident, "help-desk"), IDP_OK);
    char code[64], sub[64], query[256];
    fixture_code(f, "openid", "", code);
    const idp_client_t *cl = NULL;
    assert_int_equal(idp_clients_get(f->o, CLIENT, &cl), IDP_OK);
    idp_subject(f->o, cl, f->resident, sub);
    idp_client_unref(cl);
    snprintf(query, sizeof(query), "client_id=%s&sub=%s", CLIENT, sub);
    a = fixture_page(f, IDP_EP_CONSOLE_RESIDENTS, query, false, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body, f->resident));
    fixture_answer_free(&a);
    a = fixture_page(f, IDP_EP_CONSOLE_RESIDENTS, "client_id=" CLIENT "&sub=nobody", false, cookie, NULL, "192.0.2.1");
    assert_non_null(strstr(a.body, "id=\"none-found\""));
    fixture_answer_free(&a);
    /* a session that is not a card session */
    char social[128];
    idp_store_session_t s2;
    session(f, f->resident, "urn:sakai-d:acr:social", 10, social, &s2);
    a = fixture_page(f, IDP_EP_CONSOLE, "", false, social, NULL, "192.0.2.1");
    assert_int_equal(a.status, 403);
    fixture_answer_free(&a);
    /* the partner portal: a member of no organisation, then of unit-org */
    a = fixture_page(f, IDP_EP_PARTNER, "", false, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 403);
    fixture_answer_free(&a);
    assert_int_equal(idp_store_org_resident_add(f->store, IDP_ORG_MEMBERS, "unit-org", f->resident), IDP_OK);
    a = fixture_page(f, IDP_EP_PARTNER, "", false, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body, id));
    assert_null(strstr(a.body, CLIENT)); /* not its organisation's */
    fixture_answer_free(&a);
    a = fixture_page(f, IDP_EP_PARTNER, "", false, NULL, NULL, "192.0.2.1");
    assert_int_equal(a.status, 303);
    assert_string_equal(a.location, "/account/login?for=partner");
    fixture_answer_free(&a);
    (void)form;
}

static void clients_created_updated_deleted_and_the_audit_searched(void **state)
{
    fixture_t *f = *state;
    char op[2048], auditor[2048];
    int status;
    admin_token(f, "admin:client-operator", op);
    admin_token(f, "admin:auditor", auditor);
    json_t *j = api(f, IDP_EP_ADMIN_CLIENTS, "POST", NULL,
                    "{\"client_name\":\"Portal\",\"redirect_uris\":[\"https://city.example/cb\"],\"tier\":\"city\"}",
                    op, &status);
    assert_int_equal(status, 201);
    char id[64];
    snprintf(id, sizeof(id), "%s", fixture_str(j, "client_id"));
    assert_true(strlen(fixture_str(j, "client_secret")) >= 43);
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_CLIENTS, "POST", NULL, "[]", op, &status);
    assert_int_equal(status, 400);
    json_decref(j);
    /* public now: the secret goes */
    j = api(f, IDP_EP_ADMIN_CLIENT, "PUT", id,
            "{\"client_name\":\"Portal 2\",\"redirect_uris\":[\"https://city.example/cb\"],\"tier\":\"city\","
            "\"token_endpoint_auth_method\":\"none\"}",
            op, &status);
    assert_int_equal(status, 200);
    json_decref(j);
    idp_store_client_t row;
    assert_int_equal(idp_store_client_get(f->store, id, &row), IDP_OK);
    assert_false(row.has_secret);
    idp_store_client_clear(&row);
    /* confidential again: a new secret, shown once */
    j = api(f, IDP_EP_ADMIN_CLIENT, "PUT", id,
            "{\"client_name\":\"Portal 3\",\"redirect_uris\":[\"https://city.example/cb\"],\"tier\":\"city\"}", op,
            &status);
    assert_int_equal(status, 200);
    assert_true(strlen(fixture_str(j, "client_secret")) >= 43);
    json_decref(j);
    /* another sector: every resident would get a new sub */
    j = api(f, IDP_EP_ADMIN_CLIENT, "PUT", id,
            "{\"client_name\":\"x\",\"redirect_uris\":[\"https://elsewhere.example/cb\"]}", op, &status);
    assert_int_equal(status, 400);
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_CLIENT, "PUT", "no-such-client", "{\"client_name\":\"x\"}", op, &status);
    assert_int_equal(status, 404);
    json_decref(j);
    j = api(f, IDP_EP_ADMIN_CLIENT, "DELETE", id, NULL, op, &status);
    assert_int_equal(status, 204);
    json_decref(j);
    assert_int_equal(idp_store_client_get(f->store, id, &row), IDP_E_NOT_FOUND);
    j = api(f, IDP_EP_ADMIN_CLIENT, "DELETE", id, NULL, op, &status);
    assert_int_equal(status, 404);
    json_decref(j);
    /* the auditor's reads */
    j = api(f, IDP_EP_ADMIN_UPSTREAMS, "GET", NULL, NULL, auditor, &status);
    assert_int_equal(status, 200);
    json_decref(j);
    assert_int_equal(idp_store_audit(f->store, "unit_event", f->resident, "{\"k\": 1}"), IDP_OK);
    assert_int_equal(
        idp_store_consent_record(f->store, f->resident, CLIENT, "grant", "name", 3600, "resident", "", NULL), IDP_OK);
    idp_arena_t arena;
    idp_arena_init(&arena, 1 << 16);
    idp_params_t q;
    char form[160];
    snprintf(form, sizeof(form), "event=unit_event&resident=%s&limit=5", f->resident);
    assert_int_equal(idp_params_parse(&arena, form, strlen(form), &q), IDP_OK);
    idp_oauth_req_t req = {.arena = &arena,
                           .form = &q,
                           .authorization = auditor,
                           .method = "GET",
                           .lang = "en",
                           .now = (long long)time(NULL)};
    idp_oauth_resp_t resp = {0};
    idp_oauth_handle(f->o, IDP_EP_ADMIN_AUDIT_EVENTS, &req, &resp);
    assert_int_equal(resp.status, 200);
    json_t *ev = json_loadb(resp.body, resp.body_len, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(ev, "events")), 1);
    json_decref(ev);
    snprintf(form, sizeof(form), "resident=%s", f->resident);
    assert_int_equal(idp_params_parse(&arena, form, strlen(form), &q), IDP_OK);
    memset(&resp, 0, sizeof(resp));
    idp_oauth_handle(f->o, IDP_EP_ADMIN_AUDIT_LEDGER, &req, &resp);
    assert_int_equal(resp.status, 200);
    json_t *lg = json_loadb(resp.body, resp.body_len, 0, NULL);
    assert_string_equal(fixture_str(json_array_get(json_object_get(lg, "rows"), 0), "action"), "grant");
    json_decref(lg);
    assert_int_equal(idp_params_parse(&arena, "limit=0", 7, &q), IDP_OK);
    memset(&resp, 0, sizeof(resp));
    idp_oauth_handle(f->o, IDP_EP_ADMIN_AUDIT_EVENTS, &req, &resp);
    assert_int_equal(resp.status, 400);
    idp_arena_free(&arena);
    log_rows(f);
}

/* The id of the newest client of "unit-org" named @p name ("" when there is none); its row in *row. */
static bool portal_client(fixture_t *f, const char *name, idp_store_client_t *row)
{
    idp_store_client_t *rows = NULL;
    size_t n = 0;
    bool found = false;
    assert_int_equal(idp_store_client_list(f->store, &rows, &n), IDP_OK);
    for (size_t i = 0; i < n && !found; i++) {
        json_t *m = json_loads(rows[i].metadata, 0, NULL);
        const char *cn = json_string_value(json_object_get(m, "client_name"));
        if (cn && !strcmp(cn, name) && !strcmp(rows[i].organisation, "unit-org")) {
            assert_int_equal(idp_store_client_get(f->store, rows[i].client_id, row), IDP_OK);
            found = true;
        }
        json_decref(m);
    }
    idp_store_clients_free(rows, n);
    return found;
}

/* The newest admin log row's action and role, as "action role". */
static void last_log(fixture_t *f, char out[160])
{
    idp_store_admin_log_row_t *rows = NULL;
    size_t n = 0;
    assert_int_equal(idp_store_admin_log_rows(f->store, 0, 0, &rows, &n), IDP_OK);
    assert_true(n > 0);
    snprintf(out, 160, "%s %s", rows[n - 1].action, rows[n - 1].role);
    idp_store_admin_log_rows_free(rows, n);
}

/* Whether the admin log has a row of @p action on @p target in @p role. */
static bool logged_as(fixture_t *f, const char *action, const char *target, const char *role)
{
    idp_store_admin_log_row_t *rows = NULL;
    size_t n = 0;
    bool found = false;
    assert_int_equal(idp_store_admin_log_rows(f->store, 0, 0, &rows, &n), IDP_OK);
    for (size_t i = 0; i < n && !found; i++)
        found = !strcmp(rows[i].action, action) && !strcmp(rows[i].target, target) && !strcmp(rows[i].role, role);
    idp_store_admin_log_rows_free(rows, n);
    return found;
}

static void partner_portal_registers_edits_and_names_test_residents(void **state)
{
    fixture_t *f = *state;
    char cookie[128], stale[128], form[512], csrf[64], logged[160], id[64];
    idp_store_session_t s, s2;
    sandbox_client(f, id);
    session(f, f->resident, "urn:sakai-d:acr:social", 10, cookie, &s); /* any sign-in opens the portal */
    session(f, f->resident, "urn:sakai-d:acr:social", 600, stale, &s2);
    assert_int_equal(idp_store_org_resident_add(f->store, IDP_ORG_MEMBERS, "unit-org", f->resident), IDP_OK);
    idp_account_csrf(f->o, &s, csrf);
    fixture_answer_t a = fixture_page(f, IDP_EP_PARTNER_REGISTER, "", false, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body, "name=\"redirect_uris\""));
    fixture_answer_free(&a);
    /* a forged form, another organisation, a stale sign-in: nothing registered */
    a = fixture_page(f, IDP_EP_PARTNER_REGISTER,
                     "csrf=forged&organisation=unit-org&client_name=X&redirect_uris=https://shop.example/x", true,
                     cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 403);
    fixture_answer_free(&a);
    snprintf(form, sizeof(form),
             "csrf=%s&organisation=other-org&client_name=X&redirect_uris=https%%3A%%2F%%2Fshop.example%%2Fx", csrf);
    a = fixture_page(f, IDP_EP_PARTNER_REGISTER, form, true, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 404);
    fixture_answer_free(&a);
    char stale_csrf[64];
    idp_account_csrf(f->o, &s2, stale_csrf);
    snprintf(form, sizeof(form),
             "csrf=%s&organisation=unit-org&client_name=X&redirect_uris=https%%3A%%2F%%2Fshop.example%%2Fx",
             stale_csrf);
    a = fixture_page(f, IDP_EP_PARTNER_REGISTER, form, true, stale, NULL, "192.0.2.1");
    assert_int_equal(a.status, 403);
    assert_non_null(strstr(a.body, "id=\"denied\""));
    fixture_answer_free(&a);
    /* refused metadata: the form again, as sent, with the validator's reason */
    snprintf(form, sizeof(form),
             "csrf=%s&organisation=unit-org&client_name=Plain&redirect_uris=http%%3A%%2F%%2Fshop.example%%2Fcb", csrf);
    a = fixture_page(f, IDP_EP_PARTNER_REGISTER, form, true, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 400);
    assert_non_null(strstr(a.body, "id=\"alert-detail\""));
    assert_non_null(strstr(a.body, "http://shop.example/cb</textarea>"));
    fixture_answer_free(&a);
    idp_store_client_t row;
    assert_false(portal_client(f, "Plain", &row));
    /* registered: in the organisation's sandbox, the secret shown once, logged in the organisation's name */
    snprintf(form, sizeof(form),
             "csrf=%s&organisation=unit-org&client_name=Portal+shop&kind=server&redirect_uris="
             "+https%%3A%%2F%%2Fshop.example%%2Fcb+%%0D%%0A%%0D%%0Ahttps%%3A%%2F%%2Fshop.example%%2Fcb2%%0A",
             csrf);
    a = fixture_page(f, IDP_EP_PARTNER_REGISTER, form, true, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 201);
    assert_non_null(strstr(a.body, "id=\"new-secret\""));
    fixture_answer_free(&a);
    assert_true(portal_client(f, "Portal shop", &row));
    assert_true(row.sandbox);
    assert_true(row.has_secret);
    assert_false(row.has_registration_token);
    json_t *m = json_loads(row.metadata, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(m, "redirect_uris")), 2);
    assert_string_equal(fixture_str(m, "tier"), "partner");
    json_decref(m);
    char made[64];
    snprintf(made, sizeof(made), "%s", row.client_id);
    idp_store_client_clear(&row);
    assert_true(logged_as(f, "clients.create", made, "partner:unit-org"));
    snprintf(form, sizeof(form),
             "csrf=%s&organisation=unit-org&client_name=Phone+app&kind=public&redirect_uris="
             "https%%3A%%2F%%2Fshop.example%%2Fapp",
             csrf);
    a = fixture_page(f, IDP_EP_PARTNER_REGISTER, form, true, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 201);
    assert_null(strstr(a.body, "id=\"new-secret\""));
    fixture_answer_free(&a);
    assert_true(portal_client(f, "Phone app", &row));
    assert_false(row.has_secret);
    idp_store_client_clear(&row);

    /* its redirect URIs replaced; another sector refused (residents would get a new sub); another's: 404 */
    snprintf(form, sizeof(form), "csrf=%s&redirect_uris=https%%3A%%2F%%2Fshop.example%%2Fnew", csrf);
    a = fixture_page_at(f, IDP_EP_PARTNER_CLIENT_REDIRECTS, made, form, true, cookie);
    assert_int_equal(a.status, 303);
    assert_non_null(strstr(a.location, "?done=saved"));
    fixture_answer_free(&a);
    assert_int_equal(idp_store_client_get(f->store, made, &row), IDP_OK);
    assert_non_null(strstr(row.metadata, "https://shop.example/new"));
    assert_null(strstr(row.metadata, "https://shop.example/cb2"));
    assert_true(row.has_secret); /* unchanged */
    idp_store_client_clear(&row);
    last_log(f, logged);
    assert_string_equal(logged, "clients.update partner:unit-org");
    snprintf(form, sizeof(form), "csrf=%s&redirect_uris=https%%3A%%2F%%2Felsewhere.example%%2Fcb", csrf);
    a = fixture_page_at(f, IDP_EP_PARTNER_CLIENT_REDIRECTS, made, form, true, cookie);
    assert_int_equal(a.status, 400);
    assert_non_null(strstr(a.body, "id=\"alert-detail\""));
    fixture_answer_free(&a);
    snprintf(form, sizeof(form), "csrf=%s&redirect_uris=https%%3A%%2F%%2Fshop.example%%2Fx", csrf);
    a = fixture_page_at(f, IDP_EP_PARTNER_CLIENT_REDIRECTS, CLIENT, form, true, cookie);
    assert_int_equal(a.status, 404);
    fixture_answer_free(&a);

    /* test residents: members only, each change logged */
    a = fixture_page(f, IDP_EP_PARTNER_TEST_RESIDENTS, "", false, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body, "data-test=\"false\""));
    fixture_answer_free(&a);
    snprintf(form, sizeof(form), "csrf=%s&organisation=unit-org&resident=%s&action=add", csrf, f->resident);
    a = fixture_page(f, IDP_EP_PARTNER_TEST_RESIDENTS, form, true, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 303);
    fixture_answer_free(&a);
    bool yes = false;
    assert_int_equal(idp_store_org_resident_is(f->store, IDP_ORG_TEST_RESIDENTS, "unit-org", f->resident, &yes),
                     IDP_OK);
    assert_true(yes);
    last_log(f, logged);
    assert_string_equal(logged, "test_residents.add partner:unit-org");
    /* a resident who is no member of the organisation is never made one */
    idp_store_card_cert_t cert = {.purpose = "auth", .issuer_key_id = "aa", .serial = "02", .not_after = 4102444800LL};
    assert_int_equal(idp_random_bytes(cert.sha256, 32), IDP_OK);
    char other[64];
    bool created;
    assert_int_equal(idp_store_card_resident(f->store, &cert, "resident-2", other, &created), IDP_OK);
    snprintf(form, sizeof(form), "csrf=%s&organisation=unit-org&resident=%s&action=add", csrf, other);
    a = fixture_page(f, IDP_EP_PARTNER_TEST_RESIDENTS, form, true, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 404);
    fixture_answer_free(&a);
    snprintf(form, sizeof(form), "csrf=%s&organisation=other-org&resident=%s&action=add", csrf, f->resident);
    a = fixture_page(f, IDP_EP_PARTNER_TEST_RESIDENTS, form, true, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 404);
    fixture_answer_free(&a);
    snprintf(form, sizeof(form), "csrf=%s&organisation=unit-org&resident=%s&action=remove", csrf, f->resident);
    a = fixture_page(f, IDP_EP_PARTNER_TEST_RESIDENTS, form, true, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 303);
    fixture_answer_free(&a);
    a = fixture_page(f, IDP_EP_PARTNER_TEST_RESIDENTS, form, true, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 404); /* not one any more */
    fixture_answer_free(&a);
    assert_int_equal(idp_store_org_resident_is(f->store, IDP_ORG_TEST_RESIDENTS, "unit-org", f->resident, &yes),
                     IDP_OK);
    assert_false(yes);
    log_rows(f); /* the chain holds */
}

static void console_schedules_key_rotations(void **state)
{
    fixture_t *f = *state;
    char cookie[128], form[256], csrf[64];
    idp_store_session_t s;
    session(f, f->resident, "urn:sakai-d:acr:card", 10, cookie, &s);
    assert_int_equal(idp_store_role_grant(f->store, f->resident, "key-operator"), IDP_OK);
    idp_account_csrf(f->o, &s, csrf);
    snprintf(form, sizeof(form), "csrf=%s&action=set&alg=ES256&every_days=0", csrf);
    fixture_answer_t a = fixture_page(f, IDP_EP_CONSOLE_KEYS_SCHEDULE, form, true, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 400); /* shorter than keys.publish_seconds */
    fixture_answer_free(&a);
    snprintf(form, sizeof(form), "csrf=%s&action=set&alg=ES256&every_days=90", csrf);
    a = fixture_page(f, IDP_EP_CONSOLE_KEYS_SCHEDULE, form, true, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 303);
    assert_string_equal(a.location, "/admin/keys?done=scheduled");
    fixture_answer_free(&a);
    a = fixture_page(f, IDP_EP_CONSOLE_KEYS, "done=scheduled", false, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body, "<tr data-alg=\"ES256\"><td>ES256</td><td>90</td>"));
    fixture_answer_free(&a);
    snprintf(form, sizeof(form), "csrf=%s&action=cancel&alg=ES256", csrf);
    a = fixture_page(f, IDP_EP_CONSOLE_KEYS_SCHEDULE, form, true, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 303);
    fixture_answer_free(&a);
    a = fixture_page(f, IDP_EP_CONSOLE_KEYS_SCHEDULE, form, true, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 404); /* none left to cancel */
    fixture_answer_free(&a);
    log_rows(f);
}

static void console_help_desk_locks_and_unlocks(void **state)
{
    fixture_t *f = *state;
    char cookie[128], form[256], csrf[64], query[128];
    idp_store_session_t s;
    session(f, f->resident, "urn:sakai-d:acr:card", 10, cookie, &s);
    assert_int_equal(idp_store_role_grant(f->store, f->resident, "help-desk"), IDP_OK);
    idp_account_csrf(f->o, &s, csrf);
    /* no reason: nothing changes */
    snprintf(form, sizeof(form), "csrf=%s&action=lock&reason=", csrf);
    fixture_answer_t a = fixture_page_at(f, IDP_EP_CONSOLE_RESIDENT, f->resident, form, true, cookie);
    assert_int_equal(a.status, 400);
    fixture_answer_free(&a);
    bool exists = false, locked = false;
    long long at = 0;
    char why[512];
    assert_int_equal(idp_store_resident_state(f->store, f->resident, &exists, &locked, &at, why), IDP_OK);
    assert_false(locked);
    snprintf(form, sizeof(form), "csrf=%s&action=unlock&reason=called+the+desk", csrf);
    a = fixture_page_at(f, IDP_EP_CONSOLE_RESIDENT, "no-such-resident", form, true, cookie);
    assert_int_equal(a.status, 404);
    fixture_answer_free(&a);
    /* locked: shown as such, with the unlock button; the lock ended the help desk's own session too */
    snprintf(form, sizeof(form), "csrf=%s&action=lock&reason=lost+card", csrf);
    a = fixture_page_at(f, IDP_EP_CONSOLE_RESIDENT, f->resident, form, true, cookie);
    assert_int_equal(a.status, 303);
    snprintf(query, sizeof(query), "/admin/residents?resident=%s&done=locked", f->resident);
    assert_string_equal(a.location, query);
    fixture_answer_free(&a);
    assert_int_equal(idp_store_resident_state(f->store, f->resident, &exists, &locked, &at, why), IDP_OK);
    assert_true(locked);
    assert_string_equal(why, "lost card");
    assert_true(logged_as(f, "residents.lock", f->resident, "help-desk"));
    log_rows(f);
}

static void console_lists_upstreams(void **state)
{
    fixture_t *f = *state;
    char cookie[128];
    idp_store_session_t s;
    session(f, f->resident, "urn:sakai-d:acr:card", 10, cookie, &s);
    assert_int_equal(idp_store_role_grant(f->store, f->resident, "help-desk"), IDP_OK);
    fixture_answer_t a = fixture_page(f, IDP_EP_CONSOLE_UPSTREAMS, "", false, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 403); /* the help desk has no business here */
    fixture_answer_free(&a);
    assert_int_equal(idp_store_role_grant(f->store, f->resident, "viewer"), IDP_OK);
    unsigned char sealed[] = "sealed";
    idp_store_upstream_t u = {.id = "line",
                              .issuer = "https://line.example",
                              .client_id = "c",
                              .scopes = "openid",
                              .display_name = "LINE",
                              .kind = "social",
                              .acr_values = "",
                              .enabled = true,
                              .secret_enc = sealed,
                              .secret_enc_len = sizeof(sealed)};
    assert_int_equal(idp_store_upstream_insert(f->store, &u), IDP_OK);
    a = fixture_page(f, IDP_EP_CONSOLE_UPSTREAMS, "", false, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body, "data-upstream=\"line\""));
    assert_null(strstr(a.body, "toggle-0")); /* a viewer changes nothing */
    fixture_answer_free(&a);
    assert_true(logged_as(f, "upstreams.list", "", "viewer"));
}

static void console_edits_redirect_uris(void **state)
{
    fixture_t *f = *state;
    char cookie[128], form[256], csrf[64], id[64];
    idp_store_session_t s;
    sandbox_client(f, id);
    session(f, f->resident, "urn:sakai-d:acr:card", 10, cookie, &s);
    assert_int_equal(idp_store_role_grant(f->store, f->resident, "viewer"), IDP_OK);
    idp_account_csrf(f->o, &s, csrf);
    snprintf(form, sizeof(form), "csrf=%s&redirect_uris=https%%3A%%2F%%2Fshop.example%%2Fnew", csrf);
    fixture_answer_t a = fixture_page_at(f, IDP_EP_CONSOLE_CLIENT_REDIRECTS, id, form, true, cookie);
    assert_int_equal(a.status, 403); /* a viewer changes nothing */
    fixture_answer_free(&a);
    a = fixture_page_at(f, IDP_EP_CONSOLE_CLIENT, id, "", false, cookie);
    assert_null(strstr(a.body, "id=\"save-redirects\""));
    fixture_answer_free(&a);
    assert_int_equal(idp_store_role_grant(f->store, f->resident, "client-operator"), IDP_OK);
    /* a client without client_name (optional, RFC 7591 §2) is listed by its id */
    idp_store_client_t bare = {.client_id = "bare-client",
                               .metadata = "{\"redirect_uris\":[\"https://b.example/cb\"]}"};
    assert_int_equal(idp_store_client_insert(f->store, &bare), IDP_OK);
    a = fixture_page(f, IDP_EP_CONSOLE, "", false, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body, ">bare-client</a>"));
    fixture_answer_free(&a);
    a = fixture_page_at(f, IDP_EP_CONSOLE_CLIENT, id, "", false, cookie);
    assert_non_null(strstr(a.body, "action=\"/admin/clients/"));
    assert_non_null(strstr(a.body, "id=\"save-redirects\""));
    fixture_answer_free(&a);
    a = fixture_page_at(f, IDP_EP_CONSOLE_CLIENT_REDIRECTS, id, form, true, cookie);
    assert_int_equal(a.status, 303);
    assert_non_null(strstr(a.location, "/admin/clients/"));
    fixture_answer_free(&a);
    idp_store_client_t row;
    assert_int_equal(idp_store_client_get(f->store, id, &row), IDP_OK);
    assert_non_null(strstr(row.metadata, "https://shop.example/new"));
    idp_store_client_clear(&row);
    assert_true(logged_as(f, "clients.update", id, "client-operator"));
    snprintf(form, sizeof(form), "csrf=%s&redirect_uris=http%%3A%%2F%%2Fshop.example%%2Fcb", csrf);
    a = fixture_page_at(f, IDP_EP_CONSOLE_CLIENT_REDIRECTS, id, form, true, cookie);
    assert_int_equal(a.status, 400);
    assert_non_null(strstr(a.body, "id=\"alert-detail\""));
    fixture_answer_free(&a);
}

static void console_searches_audit_events(void **state)
{
    fixture_t *f = *state;
    char cookie[128], query[160];
    idp_store_session_t s;
    session(f, f->resident, "urn:sakai-d:acr:card", 10, cookie, &s);
    assert_int_equal(idp_store_role_grant(f->store, f->resident, "auditor"), IDP_OK);
    assert_int_equal(idp_store_audit(f->store, "unit_searched", f->resident, "{\"k\": \"<b>\"}"), IDP_OK);
    snprintf(query, sizeof(query), "event=unit_searched&resident=%s", f->resident);
    fixture_answer_t a = fixture_page(f, IDP_EP_CONSOLE_AUDIT, query, false, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body, "id=\"events\""));
    assert_non_null(strstr(a.body, "<td>unit_searched</td>"));
    assert_non_null(strstr(a.body, "&lt;b&gt;")); /* the detail escaped */
    fixture_answer_free(&a);
    a = fixture_page(f, IDP_EP_CONSOLE_AUDIT, "event=no_such_event", false, cookie, NULL, "192.0.2.1");
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.body, "id=\"events-none\""));
    fixture_answer_free(&a);
    assert_true(logged_as(f, "audit.events", f->resident, "auditor"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(roles_and_the_log, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(client_changes, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(tokens_keys_and_the_audit, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(statistics_and_the_help_desk, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(console_and_portal_gates, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(clients_created_updated_deleted_and_the_audit_searched, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(partner_portal_registers_edits_and_names_test_residents, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(console_schedules_key_rotations, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(console_help_desk_locks_and_unlocks, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(console_lists_upstreams, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(console_edits_redirect_uris, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(console_searches_audit_events, fixture_setup, fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

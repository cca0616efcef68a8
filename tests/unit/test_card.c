/*
 * The card exchange (oauth/card.c, docs/card.md "The exchange") without HTTP
 * or PostgreSQL: challenges, verification with the test CA's cards signing
 * as the card does (jpki/testcard.c), and the status the login page polls,
 * on the memory store and the generated test material (issue #16 §1).
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

#include "core/b64.h"
#include "jpki/jpki.h"
#include "jpki/testcard.h"
#include "oauth/authorize.h"
#include "oauth/internal.h"
#include "oauth_fixture.h"
#include "store/mem/mem.h"

static const char *material;
static long long at; /* the verification time: just after the material was made (its CRLs are current) */

static int setup(void **state)
{
    if (fixture_setup(state) != 0)
        return -1;
    fixture_t *f = *state;
    char path[512], err[256];
    idp_jpki_trust_t *t = idp_jpki_trust_new(true);
    static const char *const gens[] = {"g2019", "g2023"};
    for (int g = 0; g < 2; g++) {
        snprintf(path, sizeof(path), "%s/roots/auth-%s.pem", material, gens[g]);
        assert_int_equal(idp_jpki_trust_add_roots(t, IDP_JPKI_AUTH, path, err, sizeof(err)), IDP_OK);
        snprintf(path, sizeof(path), "%s/roots/sign-%s.pem", material, gens[g]);
        assert_int_equal(idp_jpki_trust_add_roots(t, IDP_JPKI_SIGN, path, err, sizeof(err)), IDP_OK);
    }
    idp_jpki_revocation_t *rev;
    snprintf(path, sizeof(path), "%s/crl", material);
    assert_int_equal(idp_jpki_crl_dir_new(path, &rev), IDP_OK);
    idp_jpki_trust_set_revocation(t, rev);
    f->o->jpki = t;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    idp_jpki_trust_free(f->o->jpki);
    f->o->jpki = NULL;
    return fixture_teardown(state);
}

/* Calls a JSON endpoint with @p body (or a GET with @p query); *status and the answer (decref it). */
static json_t *call(fixture_t *f, idp_endpoint_id_t endpoint, const char *body, const char *query, int *status)
{
    idp_arena_t arena;
    idp_arena_init(&arena, 1 << 20);
    idp_params_t params;
    assert_int_equal(idp_params_parse(&arena, query ? query : "", query ? strlen(query) : 0, &params), IDP_OK);
    idp_oauth_req_t req = {.arena = &arena,
                           .form = &params,
                           .body = body,
                           .body_len = body ? strlen(body) : 0,
                           .remote_addr = "192.0.2.9",
                           .lang = "en",
                           .post = body != NULL,
                           .now = at,
                           .now_ms = at * 1000};
    idp_oauth_resp_t resp;
    memset(&resp, 0, sizeof(resp));
    idp_oauth_handle(f->o, endpoint, &req, &resp);
    *status = resp.status;
    json_t *j = json_loadb(resp.body ? resp.body : "{}", resp.body ? resp.body_len : 2, 0, NULL);
    idp_arena_free(&arena);
    assert_non_null(j);
    return j;
}

/* A login transaction as /authorize makes it (for CLIENT, its redirect URI and nonce n-1). */
static void login_tx(fixture_t *f, char id[64])
{
    static int n;
    idp_store_login_tx_t tx;
    memset(&tx, 0, sizeof(tx));
    snprintf(tx.id, sizeof(tx.id), "tx-card-%d", ++n);
    snprintf(tx.client_id, sizeof(tx.client_id), CLIENT);
    snprintf(tx.redirect_uri, sizeof(tx.redirect_uri), REDIRECT);
    snprintf(tx.oidc_nonce, sizeof(tx.oidc_nonce), "n-1");
    snprintf(tx.csrf, sizeof(tx.csrf), "csrf-%d", n);
    snprintf(tx.request, sizeof(tx.request), "response_type=code");
    assert_int_equal(idp_store_login_tx_create(f->store, &tx, 600), IDP_OK);
    snprintf(id, 64, "%s", tx.id);
}

/* A challenge for @p tx; its id and nonce. */
static void challenge(fixture_t *f, const char *tx, const char *purpose, char id[64], unsigned char nonce[32])
{
    char body[256];
    int status;
    snprintf(body, sizeof(body), "{\"login_tx\":\"%s\",\"purpose\":\"%s\"}", tx, purpose);
    json_t *j = call(f, IDP_EP_CARD_CHALLENGE, body, NULL, &status);
    assert_int_equal(status, 200);
    snprintf(id, 64, "%s", fixture_str(j, "challenge_id"));
    size_t n = 0;
    const char *n64 = fixture_str(j, "nonce");
    assert_int_equal(idp_b64url_decode(n64, strlen(n64), nonce, 32, &n), IDP_OK);
    assert_int_equal(n, 32);
    assert_non_null(strstr(fixture_str(j, "link"), "/login/card/app?challenge_id="));
    json_decref(j);
}

/* The card @p card signs challenge @p id (both keys with @p both), as sakaid-card does; the verify body. */
static char *signed_body(const char *card, const char *id, const unsigned char nonce[32], bool both)
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/cards/%s", material, card);
    json_t *body = json_pack("{s:s, s:s}", "challenge_id", id, "cert_type", both ? "both" : "auth");
    for (int k = 0; k < (both ? 2 : 1); k++) {
        idp_jpki_purpose_t p = k ? IDP_JPKI_SIGN : IDP_JPKI_AUTH;
        unsigned char msg[IDP_JPKI_MESSAGE_MAX], der[IDP_TESTCARD_MAX_CERT], sig[512];
        size_t ml = idp_jpki_message(p, nonce, CLIENT, REDIRECT, "n-1", msg), dl = 0, sl = 0;
        assert_int_equal(idp_testcard_sign(dir, p, msg, ml, der, &dl, sig, &sl), IDP_OK);
        char *c64 = idp_b64url_encode_new(der, dl), *s64 = idp_b64url_encode_new(sig, sl);
        json_object_set_new(body, k ? "sign_certificate" : "certificate", json_string(c64));
        json_object_set_new(body, k ? "sign_signature" : "signature", json_string(s64));
        free(c64);
        free(s64);
    }
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return text;
}

static json_t *verify(fixture_t *f, const char *card, const char *id, const unsigned char nonce[32], bool both,
                      int *status)
{
    char *body = signed_body(card, id, nonce, both);
    json_t *j = call(f, IDP_EP_CARD_VERIFY, body, NULL, status);
    free(body);
    return j;
}

/* Both keys of a first card: authenticated, a new SakaI-D, the signing certificate enrolled; the page sees it. */
static void both_keys_sign_in_and_enrol(void **state)
{
    fixture_t *f = *state;
    char tx[64], id[64], q[128];
    unsigned char nonce[32];
    int status;
    login_tx(f, tx);
    challenge(f, tx, "both", id, nonce);
    snprintf(q, sizeof(q), "challenge_id=%s", id);
    json_t *j = call(f, IDP_EP_CARD_STATUS, NULL, q, &status);
    assert_string_equal(fixture_str(j, "status"), "pending");
    json_decref(j);
    j = verify(f, "sakai-taro", id, nonce, true, &status);
    assert_int_equal(status, 200);
    assert_string_equal(fixture_str(j, "status"), "authenticated");
    assert_true(json_is_true(json_object_get(j, "new_resident")));
    assert_true(json_is_true(json_object_get(j, "enrolled")));
    json_decref(j);
    j = call(f, IDP_EP_CARD_STATUS, NULL, q, &status);
    assert_string_equal(fixture_str(j, "status"), "authenticated");
    json_decref(j);
    idp_store_login_tx_t t;
    assert_int_equal(idp_store_login_tx_get(f->store, tx, &t), IDP_OK);
    assert_string_equal(t.acr, ACR_CARD);
    idp_store_resident_attrs_t a;
    assert_int_equal(idp_store_resident_attrs_get(f->store, t.resident_id, &a), IDP_OK);
    assert_int_equal(strlen(a.birth_date), 10); /* decoded: YYYY-MM-DD */
    assert_int_equal(a.birth_date[4], '-');
    assert_true(!strcmp(a.gender, "male") || !strcmp(a.gender, "female"));
    idp_store_resident_attrs_clear(&a);

    /* the challenge is spent by the attempt: a replay is refused */
    j = verify(f, "sakai-taro", id, nonce, true, &status);
    assert_int_equal(status, 400);
    assert_string_equal(fixture_str(j, "error"), "challenge_used");
    json_decref(j);
}

/*
 * Issue #16 §5: the verification's writes are one transaction. The store fails at its commit: the
 * answer is 503 temporarily_unavailable, and no resident, attribute, login or audit row of it is there.
 */
static void a_store_failure_at_the_commit_writes_nothing(void **state)
{
    fixture_t *f = *state;
    char tx[64], id[64], q[128];
    unsigned char nonce[32];
    int status;
    idp_store_audit_row_t *rows = NULL;
    size_t before = 0, after = 0;
    assert_int_equal(idp_store_audit_list(f->store, NULL, NULL, 0, 1000, &rows, &before), IDP_OK);
    idp_store_audit_rows_free(rows, before);
    login_tx(f, tx);
    challenge(f, tx, "both", id, nonce);
    idp_store_mem_fault(f->store, "card_verified", IDP_E_SERVER_ERROR);
    json_t *j = verify(f, "sakai-taro", id, nonce, true, &status);
    assert_int_equal(status, 503);
    assert_string_equal(fixture_str(j, "error"), "temporarily_unavailable");
    json_decref(j);
    assert_int_equal(idp_store_audit_list(f->store, NULL, NULL, 0, 1000, &rows, &after), IDP_OK);
    idp_store_audit_rows_free(rows, after);
    assert_int_equal(after, before); /* no card_login, card_enrolled */
    idp_store_login_tx_t t;
    assert_int_equal(idp_store_login_tx_get(f->store, tx, &t), IDP_OK);
    assert_string_equal(t.resident_id, ""); /* nobody signed in */
    assert_false(t.has_new_card);
    /* the status poll says it failed; the challenge stays spent */
    snprintf(q, sizeof(q), "challenge_id=%s", id);
    j = call(f, IDP_EP_CARD_STATUS, NULL, q, &status);
    assert_string_equal(fixture_str(j, "status"), "failed");
    json_decref(j);
    /* the same card on a new challenge: a new SakaI-D then, so the first attempt created none */
    challenge(f, tx, "both", id, nonce);
    j = verify(f, "sakai-taro", id, nonce, true, &status);
    assert_int_equal(status, 200);
    assert_true(json_is_true(json_object_get(j, "new_resident")));
    json_decref(j);
}

/* A signing certificate is never enrolled alone (issue #15 item 8). */
static void purpose_sign_is_refused(void **state)
{
    fixture_t *f = *state;
    char tx[64], body[256];
    int status;
    login_tx(f, tx);
    snprintf(body, sizeof(body), "{\"login_tx\":\"%s\",\"purpose\":\"sign\"}", tx);
    json_t *j = call(f, IDP_EP_CARD_CHALLENGE, body, NULL, &status);
    assert_int_equal(status, 400);
    assert_string_equal(fixture_str(j, "error"), "invalid_request");
    json_decref(j);
}

/* Refused cards: the reason and the resident's message; nothing is signed in. */
static void refusals(void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *card, *reason;
    } cases[] = {{"revoked", "revoked"},
                 {"expired", "expired"},
                 {"foreign", "unknown_issuer"},
                 {"not-yet-valid", "not_yet_valid"},
                 {"no-key-usage", "bad_key_usage"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char tx[64], id[64];
        unsigned char nonce[32];
        int status;
        login_tx(f, tx);
        challenge(f, tx, "auth", id, nonce);
        json_t *j = verify(f, cases[i].card, id, nonce, false, &status);
        assert_int_equal(status, 403);
        assert_string_equal(fixture_str(j, "error"), "card_rejected");
        assert_string_equal(fixture_str(j, "reason"), cases[i].reason);
        assert_true(strlen(fixture_str(j, "message")) > 10);
        json_decref(j);
        idp_store_login_tx_t t;
        assert_int_equal(idp_store_login_tx_get(f->store, tx, &t), IDP_OK);
        assert_string_equal(t.resident_id, "");
    }
}

/* A signature over another request's message does not verify (the message is rebuilt from our state). */
static void a_signature_for_another_challenge_fails(void **state)
{
    fixture_t *f = *state;
    char tx[64], id1[64], id2[64];
    unsigned char n1[32], n2[32];
    int status;
    login_tx(f, tx);
    challenge(f, tx, "auth", id1, n1);
    challenge(f, tx, "auth", id2, n2);
    char *body = signed_body("sakai-taro", id1, n1, false);
    json_t *in = json_loads(body, 0, NULL);
    json_object_set_new(in, "challenge_id", json_string(id2)); /* n1's signature for challenge 2 */
    free(body);
    body = json_dumps(in, JSON_COMPACT);
    json_decref(in);
    json_t *j = call(f, IDP_EP_CARD_VERIFY, body, NULL, &status);
    free(body);
    assert_int_equal(status, 403);
    assert_string_equal(fixture_str(j, "reason"), "bad_signature");
    json_decref(j);
}

/* Malformed bodies get invalid_request, never a crash. */
static void malformed_bodies(void **state)
{
    fixture_t *f = *state;
    static const char *const bodies[] = {"",
                                         "{",
                                         "[]",
                                         "{\"challenge_id\":1}",
                                         "{\"login_tx\":\"\"}",
                                         "{\"challenge_id\":\"x\",\"cert_type\":\"auth\"}"};
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        int status;
        json_t *j = call(f, IDP_EP_CARD_VERIFY, bodies[i], NULL, &status);
        assert_int_equal(status, 400);
        json_decref(j);
        j = call(f, IDP_EP_CARD_CHALLENGE, bodies[i], NULL, &status);
        assert_int_equal(status, 400);
        json_decref(j);
    }
}

int main(void)
{
    material = getenv("SAKAID_JPKI_MATERIAL");
    char path[512];
    snprintf(path, sizeof(path), "%s/generated_at", material ? material : ".");
    FILE *g = fopen(path, "r");
    if (material == NULL || g == NULL || fscanf(g, "%lld", &at) != 1) {
        fprintf(stderr, "SAKAID_JPKI_MATERIAL is not set or has no generated_at (the ctest fixture jpki_material)\n");
        return 1;
    }
    fclose(g);
    at += 60;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(both_keys_sign_in_and_enrol, setup, teardown),
        cmocka_unit_test_setup_teardown(a_store_failure_at_the_commit_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(purpose_sign_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(a_signature_for_another_challenge_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_bodies, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

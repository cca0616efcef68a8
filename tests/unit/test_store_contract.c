/*
 * The storage contract (issue #16 §1): the same cases run against the
 * memory store (unit_store_contract_mem, no database) and against the
 * PostgreSQL store (store_contract_pg, on a fresh database from
 * scripts/test), so that store/mem cannot drift from store/pg. Each case
 * checks a rule store.h states: single use, replay, expiry, ledger chaining.
 *
 * Usage: unit_store_contract mem | unit_store_contract pg URL. With "pg" and
 * no URL the run is skipped (exit 77).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/rand.h"
#include "store/mem/mem.h"
#include "store/store.h"

static const char *pg_url; /* NULL: the memory store */
static int ids;            /* distinct ids per case: the pg run shares one database */

static void fresh_id(char *out, size_t n, const char *what)
{
    unsigned char r[6];
    assert_int_equal(idp_random_bytes(r, sizeof(r)), IDP_OK);
    snprintf(out, n, "%s-%d-%02x%02x%02x%02x%02x%02x", what, ++ids, r[0], r[1], r[2], r[3], r[4], r[5]);
}

static void fresh_hash(unsigned char out[32])
{
    assert_int_equal(idp_random_bytes(out, 32), IDP_OK);
}

/*
 * store/pg seals attributes through a sealer and under an active data key
 * (store.h, "attributes sealed at rest"); sealing is not what this suite
 * checks, so the sealer here copies the padded value as it is.
 */
static int data_key = 0;

static idp_err_t seal_current(void *ctx, bool reload, int *key_id)
{
    (void)ctx;
    (void)reload;
    *key_id = data_key;
    return IDP_OK;
}

static idp_err_t seal_copy(void *ctx, int key_id, const char *aad, const unsigned char *in, size_t n,
                           unsigned char **out, size_t *outlen)
{
    (void)ctx;
    (void)aad;
    if (key_id != data_key)
        return IDP_E_NOT_FOUND;
    if ((*out = malloc(n ? n : 1)) == NULL)
        return IDP_E_NOMEM;
    memcpy(*out, in, n);
    *outlen = n;
    return IDP_OK;
}

static const idp_store_sealer_t sealer = {.current = seal_current, .seal = seal_copy, .open = seal_copy};

static int open_store(void **state)
{
    idp_store_t *s = NULL;
    if (pg_url == NULL)
        return idp_store_mem_new(&s) == IDP_OK ? (*state = s, 0) : -1;
    int from, to;
    char err[256];
    if (idp_store_open(pg_url, 2, 5000, &s) != IDP_OK || idp_store_migrate(s, &from, &to, err, sizeof(err)) != IDP_OK) {
        fprintf(stderr, "cannot open the PostgreSQL store at %s: %s\n", pg_url, err);
        idp_store_close(s);
        return -1;
    }
    idp_store_set_sealer(s, &sealer);
    if (idp_store_data_key_reserve(s, &data_key) != IDP_OK ||
        idp_store_data_key_activate(s, data_key, (const unsigned char *)"k", 1, false) != IDP_OK) {
        idp_store_close(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int close_store(void **state)
{
    idp_store_close(*state);
    return 0;
}

/* What a grant needs around it: a client, a resident, and (without offline_access) a live browser session. */
typedef struct {
    char client[64], resident[64], sid[64];
    unsigned char cookie[32];
} world_t;

static void world(idp_store_t *s, world_t *w)
{
    memset(w, 0, sizeof(*w));
    fresh_id(w->client, sizeof(w->client), "client");
    fresh_id(w->sid, sizeof(w->sid), "sid");
    char id[64];
    fresh_id(id, sizeof(id), "res");
    idp_store_client_t c = {.client_id = w->client, .metadata = "{}"};
    assert_int_equal(idp_store_client_insert(s, &c), IDP_OK);
    char serial[64];
    fresh_id(serial, sizeof(serial), "serial");
    idp_store_card_cert_t cert = {
        .purpose = "auth", .issuer_key_id = "aa", .serial = serial, .not_after = 4102444800LL};
    fresh_hash(cert.sha256);
    bool created;
    assert_int_equal(idp_store_card_resident(s, &cert, id, w->resident, &created), IDP_OK);
    assert_true(created);
    assert_string_equal(w->resident, id);
    fresh_hash(w->cookie);
    idp_store_session_t sess;
    assert_int_equal(idp_store_session_login(s, NULL, w->cookie, w->sid, w->resident, "acr", "sc pin", "card:x",
                                             1700000000LL, 3600, &sess),
                     IDP_OK);
    assert_string_equal(sess.sid, w->sid);
}

static void grant_for(const world_t *w, idp_store_grant_t *g)
{
    memset(g, 0, sizeof(*g));
    fresh_id(g->id, sizeof(g->id), "grant");
    snprintf(g->client_id, sizeof(g->client_id), "%s", w->client);
    snprintf(g->resident_id, sizeof(g->resident_id), "%s", w->resident);
    snprintf(g->sid, sizeof(g->sid), "%s", w->sid);
    snprintf(g->scope, sizeof(g->scope), "openid profile");
    snprintf(g->claims, sizeof(g->claims), "name");
    snprintf(g->acr, sizeof(g->acr), "acr");
    snprintf(g->amr, sizeof(g->amr), "sc pin");
    g->auth_time = 1700000000LL;
    snprintf(g->redirect_uri, sizeof(g->redirect_uri), "https://rp.example/cb");
    snprintf(g->nonce, sizeof(g->nonce), "n-0S6");
    snprintf(g->code_challenge, sizeof(g->code_challenge), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

/* A login transaction living @p ttl seconds (below). */
static void login_tx(idp_store_t *s, char id[64], int ttl);

static void card_certificate_belongs_to_one_resident(void **state)
{
    idp_store_t *s = *state;
    char serial[64], r1[64], r2[64], id[64];
    fresh_id(serial, sizeof(serial), "serial");
    fresh_id(id, sizeof(id), "res");
    idp_store_card_cert_t cert = {
        .purpose = "auth", .issuer_key_id = "bb", .serial = serial, .not_after = 4102444800LL};
    fresh_hash(cert.sha256);
    bool created;
    assert_int_equal(idp_store_card_resident(s, &cert, NULL, r1, &created), IDP_E_NOT_FOUND); /* nobody created */
    assert_int_equal(idp_store_card_resident(s, &cert, id, r1, &created), IDP_OK);
    assert_true(created);
    assert_int_equal(idp_store_card_resident(s, &cert, "someone-new", r2, &created), IDP_OK);
    assert_false(created);
    assert_string_equal(r2, r1); /* the same card, the same resident */
    /* another certificate with the same issuer and serial cannot exist */
    idp_store_card_cert_t twin = cert;
    fresh_hash(twin.sha256);
    char other[64];
    fresh_id(other, sizeof(other), "res");
    assert_int_equal(idp_store_card_resident(s, &twin, other, r2, &created), IDP_E_CONFLICT);
    /* a card already someone's cannot be linked to another */
    world_t w;
    world(s, &w);
    assert_int_equal(idp_store_card_link(s, &cert, w.resident), IDP_E_CONFLICT);
    assert_int_equal(idp_store_card_link(s, &cert, r1), IDP_OK);
}

/* Applications signed with the card (migration 0026): kept with their CMS, bound to the grant once, listed by
 * resident, grant or transaction, newest first, each with its audit row; and whose a certificate is. */
static void application_signatures_are_kept_and_bound(void **state)
{
    idp_store_t *s = *state;
    char serial[64], resident[64], id[64], owner[64], purpose[8];
    fresh_id(serial, sizeof(serial), "serial");
    fresh_id(id, sizeof(id), "res");
    idp_store_card_cert_t cert = {
        .purpose = "auth", .issuer_key_id = "cc", .serial = serial, .not_after = 4102444800LL};
    fresh_hash(cert.sha256);
    bool created;
    assert_int_equal(idp_store_card_resident(s, &cert, id, resident, &created), IDP_OK);
    assert_int_equal(idp_store_card_cert_owner(s, cert.sha256, owner, purpose), IDP_OK);
    assert_string_equal(owner, resident);
    assert_string_equal(purpose, "auth");
    unsigned char nobody[32];
    fresh_hash(nobody);
    assert_int_equal(idp_store_card_cert_owner(s, nobody, owner, purpose), IDP_E_NOT_FOUND);

    world_t w;
    world(s, &w);
    char tx[64], grant[64];
    fresh_id(tx, sizeof(tx), "tx");
    fresh_id(grant, sizeof(grant), "grant");
    unsigned char cms[3] = {0x30, 0x00, 0xff};
    idp_store_app_signature_t row = {.cms = cms, .cms_len = sizeof(cms), .signing_time = 1796601600LL};
    snprintf(row.login_tx, sizeof(row.login_tx), "%s", tx);
    snprintf(row.resident_id, sizeof(row.resident_id), "%s", resident);
    snprintf(row.client_id, sizeof(row.client_id), "%s", w.client);
    snprintf(row.application_id, sizeof(row.application_id), "APP-1");
    snprintf(row.procedure_code, sizeof(row.procedure_code), "K-01");
    snprintf(row.procedure_name, sizeof(row.procedure_name), "児童手当");
    snprintf(row.document_digest, sizeof(row.document_digest), "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
    snprintf(row.cert_serial, sizeof(row.cert_serial), "0A");
    snprintf(row.cert_issuer_key_id, sizeof(row.cert_issuer_key_id), "cc");
    fresh_id(row.id, sizeof(row.id), "sig");
    assert_int_equal(idp_store_app_signature_insert(s, &row), IDP_OK);
    assert_int_equal(idp_store_app_signature_insert(s, &row), IDP_E_CONFLICT);
    char first[48];
    snprintf(first, sizeof(first), "%s", row.id);
    fresh_id(row.id, sizeof(row.id), "sig");
    assert_int_equal(idp_store_app_signature_insert(s, &row), IDP_OK);

    idp_store_app_signature_t *rows = NULL;
    size_t n = 0;
    assert_int_equal(idp_store_app_signatures_list(s, NULL, grant, NULL, &rows, &n), IDP_OK);
    assert_int_equal(n, 0);
    idp_store_app_signatures_free(rows, n);
    assert_int_equal(idp_store_app_signatures_bind(s, tx, grant), IDP_OK);
    assert_int_equal(idp_store_app_signatures_list(s, NULL, grant, NULL, &rows, &n), IDP_OK);
    assert_int_equal(n, 2);
    assert_string_equal(rows[1].id, first); /* newest first */
    assert_int_equal(rows[0].cms_len, sizeof(cms));
    assert_memory_equal(rows[0].cms, cms, sizeof(cms));
    assert_int_equal(rows[0].signing_time, 1796601600LL);
    assert_string_equal(rows[0].procedure_name, "児童手当");
    idp_store_app_signatures_free(rows, n);
    /* bound once: another grant does not take them */
    assert_int_equal(idp_store_app_signatures_bind(s, tx, "another-grant"), IDP_OK);
    assert_int_equal(idp_store_app_signatures_list(s, resident, NULL, NULL, &rows, &n), IDP_OK);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].grant_id, grant);
    idp_store_app_signatures_free(rows, n);
    idp_store_audit_row_t *audit = NULL;
    size_t na = 0;
    assert_int_equal(idp_store_audit_list(s, "application_signed", resident, 0, 10, &audit, &na), IDP_OK);
    assert_int_equal(na, 2);
    idp_store_audit_rows_free(audit, na);
}

static void renewed_card_follows_linkage_and_pairs_must_agree(void **state)
{
    idp_store_t *s = *state;
    char s1[64], s2[64], s3[64], who[64], id[64], none[64];
    fresh_id(s1, sizeof(s1), "old");
    fresh_id(s2, sizeof(s2), "new");
    fresh_id(s3, sizeof(s3), "newer");
    fresh_id(id, sizeof(id), "res");
    idp_store_card_cert_t old = {.purpose = "auth", .issuer_key_id = "dd", .serial = s1, .not_after = 4102444800LL};
    idp_store_card_cert_t renewed = old, again = old;
    renewed.serial = s2;
    again.serial = s3;
    fresh_hash(old.sha256);
    fresh_hash(renewed.sha256);
    fresh_hash(again.sha256);
    bool created;
    assert_int_equal(idp_store_card_resident(s, &old, id, who, &created), IDP_OK);
    /* J-LIS linkage: s1 was renewed as s2, and s2 as s3 */
    idp_store_linkage_t rows[2] = {0};
    snprintf(rows[0].old_issuer_key_id, 65, "dd");
    snprintf(rows[0].old_serial, 65, "%s", s1);
    snprintf(rows[0].new_issuer_key_id, 65, "dd");
    snprintf(rows[0].new_serial, 65, "%s", s2);
    rows[1] = rows[0];
    snprintf(rows[1].old_serial, 65, "%s", s2);
    snprintf(rows[1].new_serial, 65, "%s", s3);
    assert_int_equal(idp_store_linkage_import(s, rows, 2), IDP_OK);
    assert_int_equal(idp_store_card_resident(s, &again, NULL, who, &created), IDP_OK); /* two renewals back */
    assert_false(created);
    assert_string_equal(who, id);
    /* the renewed card now counts as theirs: another resident cannot link it */
    world_t w;
    world(s, &w);
    assert_int_equal(idp_store_card_link(s, &renewed, w.resident), IDP_E_CONFLICT);
    assert_int_equal(idp_store_card_link(s, &renewed, id), IDP_OK);

    /* 証明書紐付け情報: signing certificate p1 was issued with authentication certificate a1 */
    idp_store_linkage_t pair = {0};
    char p1[64], a1[64], a2[64];
    fresh_id(p1, sizeof(p1), "sign");
    fresh_id(a1, sizeof(a1), "auth");
    fresh_id(a2, sizeof(a2), "auth");
    fresh_id(none, sizeof(none), "none");
    snprintf(pair.old_issuer_key_id, 65, "ee");
    snprintf(pair.old_serial, 65, "%s", p1);
    snprintf(pair.new_issuer_key_id, 65, "ee");
    snprintf(pair.new_serial, 65, "%s", a1);
    assert_int_equal(idp_store_pair_import(s, &pair, 1), IDP_OK);
    assert_int_equal(idp_store_pair_check(s, "ee", p1, "ee", a1), IDP_OK);
    assert_int_equal(idp_store_pair_check(s, "ee", p1, "ee", a2), IDP_E_CONFLICT);
    assert_int_equal(idp_store_pair_check(s, "ee", none, "ee", a1), IDP_E_CONFLICT);
    assert_int_equal(idp_store_pair_check(s, "ee", none, "ee", a2), IDP_OK); /* names neither */
}

static void logout_deliveries_are_leased_retried_and_finished(void **state)
{
    idp_store_t *s = *state;
    char client[64];
    fresh_id(client, sizeof(client), "bcl");
    long long before, pending, oldest; /* the backlog (other tests may have left some): counted relative to it */
    assert_int_equal(idp_store_deliveries_pending(s, &before, &oldest), IDP_OK);
    assert_int_equal(idp_store_delivery_enqueue(s, client, "https://rp.example/bcl", "logout.token.a"), IDP_OK);
    assert_int_equal(idp_store_delivery_enqueue(s, client, "https://rp.example/bcl", "logout.token.b"), IDP_OK);
    assert_int_equal(idp_store_deliveries_pending(s, &pending, &oldest), IDP_OK);
    assert_int_equal(pending, before + 2);
    assert_true(oldest >= 0);
    idp_store_delivery_t *rows;
    size_t n;
    assert_int_equal(idp_store_deliveries_due(s, 10, 60, &rows, &n), IDP_OK);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].client_id, client);
    assert_string_equal(rows[0].logout_token, "logout.token.a");
    assert_int_equal(rows[0].attempts, 0);
    long long a = rows[0].id, b = rows[1].id;
    idp_store_deliveries_free(rows, n);
    /* leased for a minute: another node sees none of them */
    assert_int_equal(idp_store_deliveries_due(s, 10, 60, &rows, &n), IDP_OK);
    assert_int_equal(n, 0);
    idp_store_deliveries_free(rows, n);
    assert_int_equal(idp_store_delivery_result(s, a, true, NULL, 0), IDP_OK);        /* delivered */
    assert_int_equal(idp_store_delivery_result(s, b, false, "HTTP 503", 0), IDP_OK); /* failed: due again now */
    assert_int_equal(idp_store_deliveries_due(s, 10, 60, &rows, &n), IDP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].id, b);
    assert_int_equal(rows[0].attempts, 1);
    idp_store_deliveries_free(rows, n);
    assert_int_equal(idp_store_deliveries_pending(s, &pending, &oldest), IDP_OK);
    assert_int_equal(pending, before + 1); /* delivered: out of the backlog; leased for a retry: still in it */
    assert_int_equal(idp_store_delivery_result(s, b, false, "HTTP 503", -1), IDP_OK); /* given up */
    assert_int_equal(idp_store_deliveries_due(s, 10, 0, &rows, &n), IDP_OK);
    assert_int_equal(n, 0);
    idp_store_deliveries_free(rows, n);
    assert_int_equal(idp_store_deliveries_pending(s, &pending, &oldest), IDP_OK);
    assert_int_equal(pending, before); /* given up: out of it too */
}

static void upstreams_are_kept_by_id(void **state)
{
    idp_store_t *s = *state;
    char id[40];
    snprintf(id, sizeof(id), "up-%d", ++ids);
    unsigned char secret[] = {1, 2, 3};
    idp_store_upstream_t u = {.issuer = "https://op.example",
                              .client_id = "sakaid",
                              .scopes = "openid email",
                              .display_name = "Example",
                              .secret_enc = secret,
                              .secret_enc_len = 3,
                              .enabled = false};
    snprintf(u.id, sizeof(u.id), "%s", id);
    assert_int_equal(idp_store_upstream_insert(s, &u), IDP_OK);
    assert_int_equal(idp_store_upstream_insert(s, &u), IDP_E_CONFLICT);
    u.display_name = "Example 2"; /* no secret given: it stays */
    u.secret_enc = NULL;
    u.secret_enc_len = 0;
    u.enabled = true;
    assert_int_equal(idp_store_upstream_update(s, &u), IDP_OK);
    idp_store_upstream_t out;
    assert_int_equal(idp_store_upstream_get(s, id, &out), IDP_OK);
    assert_string_equal(out.display_name, "Example 2");
    assert_null(out.icon_uri);
    assert_true(out.enabled);
    assert_int_equal(out.secret_enc_len, 3);
    assert_memory_equal(out.secret_enc, secret, 3);
    assert_string_equal(out.kind, "social"); /* the default kind, and no acr_values */
    assert_string_equal(out.acr_values, "");
    idp_store_upstream_clear(&out);
    /* a card channel (migration 0014): its kind and the acr values it must state come back */
    snprintf(u.kind, sizeof(u.kind), "digital-auth-app");
    u.acr_values = "aal3 crl";
    assert_int_equal(idp_store_upstream_update(s, &u), IDP_OK);
    assert_int_equal(idp_store_upstream_get(s, id, &out), IDP_OK);
    assert_string_equal(out.kind, "digital-auth-app");
    assert_string_equal(out.acr_values, "aal3 crl");
    idp_store_upstream_clear(&out);
    idp_store_upstream_t *rows;
    size_t n;
    bool listed = false;
    assert_int_equal(idp_store_upstream_list(s, true, &rows, &n), IDP_OK);
    for (size_t i = 0; i < n; i++)
        listed |= !strcmp(rows[i].id, id);
    idp_store_upstreams_free(rows, n);
    assert_true(listed);
    assert_int_equal(idp_store_upstream_delete(s, id), IDP_OK);
    assert_int_equal(idp_store_upstream_delete(s, id), IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_upstream_get(s, id, &out), IDP_E_NOT_FOUND);
}

static void upstream_state_is_taken_once(void **state)
{
    idp_store_t *s = *state;
    char tx[64], st[64], up[40], nonce[128], verifier[160];
    login_tx(s, tx, 600);
    fresh_id(st, sizeof(st), "state");
    assert_int_equal(idp_store_login_tx_upstream(s, tx, "google", st, "nonce-1", "verifier-1"), IDP_OK);
    idp_store_login_tx_t *out = calloc(1, sizeof(*out));
    assert_non_null(out);
    assert_int_equal(idp_store_login_tx_take_upstream(s, st, out, up, nonce, verifier), IDP_OK);
    assert_string_equal(out->id, tx);
    assert_string_equal(up, "google");
    assert_string_equal(nonce, "nonce-1");
    assert_string_equal(verifier, "verifier-1");
    assert_int_equal(idp_store_login_tx_take_upstream(s, st, out, up, nonce, verifier), IDP_E_NOT_FOUND);
    free(out);
}

static void social_identity_belongs_to_one_resident_and_the_last_credential_stays(void **state)
{
    idp_store_t *s = *state;
    world_t w;
    world(s, &w); /* one card, and a session it signed in ("card:x") */
    char sub[64], fresh[64], who[64];
    fresh_id(sub, sizeof(sub), "sub");
    fresh_id(fresh, sizeof(fresh), "res");
    bool created;
    /* Neither a link nor a new id: a lookup, which writes nothing (issue #17, the app channel's link offer). */
    assert_int_equal(idp_store_social_resident(s, "https://op.example", sub, "google", NULL, NULL, who, &created),
                     IDP_E_NOT_FOUND);
    assert_false(created);
    assert_int_equal(idp_store_social_resident(s, "https://op.example", sub, "google", NULL, fresh, who, &created),
                     IDP_OK);
    assert_true(created);
    assert_int_equal(idp_store_social_resident(s, "https://op.example", sub, "google", NULL, NULL, who, &created),
                     IDP_OK);
    assert_false(created);
    assert_string_equal(who, fresh);
    assert_string_equal(who, fresh);
    assert_int_equal(idp_store_social_resident(s, "https://op.example", sub, "google", NULL, "unused", who, &created),
                     IDP_OK);
    assert_false(created);
    assert_string_equal(who, fresh);
    /* linked to someone else: never moved silently */
    assert_int_equal(idp_store_social_resident(s, "https://op.example", sub, "google", w.resident, NULL, who, &created),
                     IDP_E_CONFLICT);
    char sub2[64];
    fresh_id(sub2, sizeof(sub2), "sub");
    assert_int_equal(
        idp_store_social_resident(s, "https://op.example", sub2, "google", w.resident, NULL, who, &created), IDP_OK);
    assert_false(created);
    assert_string_equal(who, w.resident);

    idp_store_credential_t *rows;
    size_t n;
    assert_int_equal(idp_store_credentials(s, w.resident, &rows, &n), IDP_OK);
    assert_int_equal(n, 2);
    char card_issuer[512], card_serial[256];
    bool has_card = false;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].kind, "card")) {
            has_card = true;
            snprintf(card_issuer, sizeof(card_issuer), "%s", rows[i].issuer);
            snprintf(card_serial, sizeof(card_serial), "%s", rows[i].subject);
        }
    free(rows);
    assert_true(has_card);
    bool verified;
    char(*ended)[64];
    size_t n_ended;
    assert_int_equal(idp_store_credential_unlink(s, w.resident, "", "card", card_issuer, card_serial, "card:x",
                                                 &verified, &ended, &n_ended),
                     IDP_OK);
    assert_int_equal(n_ended, 1); /* the session the card signed in ends with it */
    assert_string_equal(ended[0], w.sid);
    free(ended);
    idp_store_session_t sess;
    assert_int_equal(idp_store_session_get(s, w.cookie, &sess), IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_credential_unlink(s, w.resident, "", "social", "https://op.example", sub2, "", &verified,
                                                 &ended, &n_ended),
                     IDP_E_CONFLICT); /* the last one stays */
}

static void household_is_empty_until_put_and_then_replaced(void **state)
{
    idp_store_t *s = *state;
    world_t w;
    world(s, &w);
    idp_store_household_t h;
    assert_int_equal(idp_store_household_get(s, w.resident, &h), IDP_OK);
    assert_string_equal(h.school_district, "");
    assert_int_equal(h.updated_at, 0);
    idp_store_household_t in = {0};
    snprintf(in.school_district, sizeof(in.school_district), "三国丘");
    snprintf(in.children, sizeof(in.children), "2015-04 2018-09");
    assert_int_equal(idp_store_household_put(s, w.resident, &in), IDP_OK);
    snprintf(in.area, sizeof(in.area), "堺区");
    assert_int_equal(idp_store_household_put(s, w.resident, &in), IDP_OK);
    assert_int_equal(idp_store_household_get(s, w.resident, &h), IDP_OK);
    assert_string_equal(h.school_district, "三国丘");
    assert_string_equal(h.area, "堺区");
    assert_string_equal(h.children, "2015-04 2018-09");
    assert_true(h.updated_at > 0);
}

static void verified_attributes_are_replaced_and_found_by_match_key(void **state)
{
    idp_store_t *s = *state;
    world_t w, other;
    world(s, &w);
    world(s, &other);
    char serial[64];
    fresh_id(serial, sizeof(serial), "sign");
    idp_store_card_cert_t cert = {
        .purpose = "sign", .issuer_key_id = "cc", .serial = serial, .not_after = 4102444800LL};
    fresh_hash(cert.sha256);
    unsigned char match[32], unknown[32];
    fresh_hash(match);
    fresh_hash(unknown);
    idp_store_resident_attrs_t a;
    assert_int_equal(idp_store_resident_attrs_get(s, w.resident, &a), IDP_E_NOT_FOUND); /* none enrolled */
    idp_store_attrs_t in = {.name = "堺 花子",
                            .gender = "female",
                            .birth_date = "1985-10-10",
                            .address = "堺市北区",
                            .sakai_resident = true,
                            .sakai_ward = "北区",
                            .gender_raw = "2",
                            .match_key = match};
    assert_int_equal(idp_store_card_enrol_sign(s, w.resident, &cert, &in), IDP_OK);
    in.address = "堺市中区"; /* a later verification replaces the earlier one */
    in.sakai_ward = NULL;
    in.match_key = NULL;
    assert_int_equal(idp_store_card_enrol_sign(s, w.resident, &cert, &in), IDP_OK);
    assert_int_equal(idp_store_resident_attrs_get(s, w.resident, &a), IDP_OK);
    assert_string_equal(a.name, "堺 花子");
    assert_string_equal(a.address, "堺市中区");
    assert_string_equal(a.gender_raw, "2");
    assert_null(a.name_alt); /* absent values come back as NULL */
    assert_null(a.sakai_ward);
    assert_true(a.sakai_resident);
    idp_store_resident_attrs_clear(&a);
    char found[64];
    assert_int_equal(idp_store_attrs_match(s, match, found), IDP_OK); /* kept when the renewal gave none */
    assert_string_equal(found, w.resident);
    assert_int_equal(idp_store_attrs_match(s, unknown, found), IDP_E_NOT_FOUND);
    /* another resident's signing certificate */
    assert_int_equal(idp_store_card_enrol_sign(s, other.resident, &cert, &in), IDP_E_CONFLICT);
    assert_int_equal(idp_store_resident_attrs_get(s, other.resident, &a), IDP_E_NOT_FOUND);
}

/* issue #17: what a card channel verified names it, and goes with the identity that signed in through it. */
static void card_channel_attributes_name_their_evidence(void **state)
{
    idp_store_t *s = *state;
    world_t w;
    world(s, &w); /* one card (its authentication certificate) */
    char sub[64], who[64];
    fresh_id(sub, sizeof(sub), "app-sub");
    bool created, verified;
    assert_int_equal(idp_store_social_resident(s, "https://app.example", sub, "daa", w.resident, NULL, who, &created),
                     IDP_OK);
    idp_store_evidence_t ev = {
        .upstream_id = "daa", .issuer = "https://app.example", .subject = sub, .assurance = "aal3 crl"};
    fresh_hash(ev.sha256);
    idp_store_attrs_t in = {.name = "堺 太郎", .gender = "male", .birth_date = "1990-01-02", .address = "堺市堺区"};
    assert_int_equal(idp_store_attrs_from_upstream(s, w.resident, &ev, &in), IDP_OK);
    idp_store_resident_attrs_t a;
    assert_int_equal(idp_store_resident_attrs_get(s, w.resident, &a), IDP_OK);
    assert_string_equal(a.name, "堺 太郎");
    assert_string_equal(a.evidence_upstream, "daa");
    assert_string_equal(a.evidence_issuer, "https://app.example");
    assert_string_equal(a.evidence_subject, sub);
    assert_string_equal(a.evidence_assurance, "aal3 crl");
    idp_store_resident_attrs_clear(&a);
    /* unlinking the identity takes its attributes with it */
    char(*ended)[64];
    size_t n_ended;
    assert_int_equal(idp_store_credential_unlink(s, w.resident, "", "social", "https://app.example", sub, "", &verified,
                                                 &ended, &n_ended),
                     IDP_OK);
    free(ended);
    assert_true(verified);
    assert_int_equal(idp_store_resident_attrs_get(s, w.resident, &a), IDP_E_NOT_FOUND);
    /* a card's signing certificate enrolled later replaces them, and names no upstream */
    assert_int_equal(idp_store_social_resident(s, "https://app.example", sub, "daa", w.resident, NULL, who, &created),
                     IDP_OK);
    assert_int_equal(idp_store_attrs_from_upstream(s, w.resident, &ev, &in), IDP_OK);
    char serial[64];
    fresh_id(serial, sizeof(serial), "sign");
    idp_store_card_cert_t cert = {
        .purpose = "sign", .issuer_key_id = "cc", .serial = serial, .not_after = 4102444800LL};
    fresh_hash(cert.sha256);
    assert_int_equal(idp_store_card_enrol_sign(s, w.resident, &cert, &in), IDP_OK);
    assert_int_equal(idp_store_resident_attrs_get(s, w.resident, &a), IDP_OK);
    assert_null(a.evidence_upstream);
    assert_null(a.evidence_subject);
    idp_store_resident_attrs_clear(&a);
    /* and unlinking the app identity now leaves the card's attributes alone */
    assert_int_equal(idp_store_credential_unlink(s, w.resident, "", "social", "https://app.example", sub, "", &verified,
                                                 &ended, &n_ended),
                     IDP_OK);
    free(ended);
    assert_false(verified);
    assert_int_equal(idp_store_resident_attrs_get(s, w.resident, &a), IDP_OK);
    idp_store_resident_attrs_clear(&a);
}

/* ---- codes ------------------------------------------------------------------------------ */

static void code_is_spent_once_and_a_replay_revokes_its_grant(void **state)
{
    idp_store_t *s = *state;
    world_t w;
    world(s, &w);
    idp_store_grant_t g, out;
    grant_for(&w, &g);
    unsigned char code[32];
    fresh_hash(code);
    assert_int_equal(idp_store_code_create(s, &g, code, 60, 3600), IDP_OK);

    idp_store_code_outcome_t o;
    assert_int_equal(idp_store_code_redeem(s, code, w.client, g.redirect_uri, g.code_challenge, &out, &o), IDP_OK);
    assert_int_equal(o, IDP_CODE_VALID);
    assert_string_equal(out.id, g.id);
    assert_string_equal(out.resident_id, w.resident);
    assert_string_equal(out.nonce, "n-0S6");
    assert_string_equal(out.redirect_uri, g.redirect_uri);
    bool live = false;
    assert_int_equal(idp_store_grant_get(s, g.id, &out, &live), IDP_OK);
    assert_true(live);
    /* the check spends nothing: it is spent with the answer's rows, once */
    assert_int_equal(idp_store_code_redeem(s, code, w.client, g.redirect_uri, g.code_challenge, &out, &o), IDP_OK);
    assert_int_equal(o, IDP_CODE_VALID);
    unsigned char rt[32], rt2[32];
    char jti[64], jti2[64];
    fresh_hash(rt);
    fresh_hash(rt2);
    fresh_id(jti, sizeof(jti), "jti");
    fresh_id(jti2, sizeof(jti2), "jti");
    assert_int_equal(
        idp_store_code_spend(s, code, g.id, rt, jti, w.client, w.resident, g.scope, 4102444800LL, "", NULL), IDP_OK);
    /* a second spend (two requests that both passed the check) writes nothing */
    assert_int_equal(
        idp_store_code_spend(s, code, g.id, rt2, jti2, w.client, w.resident, g.scope, 4102444800LL, "", NULL),
        IDP_E_CONFLICT);
    idp_store_token_info_t info;
    assert_int_equal(idp_store_access_token_get(s, jti, &info), IDP_OK);
    assert_int_equal(idp_store_access_token_get(s, jti2, &info), IDP_E_NOT_FOUND);

    /* RFC 6749 §4.1.2: the second presentation says "used before" and revokes the grant */
    assert_int_equal(idp_store_code_redeem(s, code, w.client, g.redirect_uri, g.code_challenge, &out, &o), IDP_OK);
    assert_int_equal(o, IDP_CODE_REPLAYED);
    assert_int_equal(idp_store_grant_get(s, g.id, &out, &live), IDP_OK);
    assert_false(live);
}

static void code_of_another_client_redirect_or_verifier_changes_nothing(void **state)
{
    idp_store_t *s = *state;
    world_t w;
    world(s, &w);
    idp_store_grant_t g, out;
    grant_for(&w, &g);
    unsigned char code[32];
    fresh_hash(code);
    assert_int_equal(idp_store_code_create(s, &g, code, 60, 3600), IDP_OK);
    idp_store_code_outcome_t o;
    assert_int_equal(idp_store_code_redeem(s, code, "someone-else", g.redirect_uri, g.code_challenge, &out, &o),
                     IDP_OK);
    assert_int_equal(o, IDP_CODE_WRONG_CLIENT);
    assert_int_equal(idp_store_code_redeem(s, code, w.client, "https://evil.example/cb", g.code_challenge, &out, &o),
                     IDP_OK);
    assert_int_equal(o, IDP_CODE_WRONG_REDIRECT);
    assert_int_equal(idp_store_code_redeem(s, code, w.client, g.redirect_uri, "", &out, &o), IDP_OK);
    assert_int_equal(o, IDP_CODE_WRONG_VERIFIER);
    /* none of them spent it */
    assert_int_equal(idp_store_code_redeem(s, code, w.client, g.redirect_uri, g.code_challenge, &out, &o), IDP_OK);
    assert_int_equal(o, IDP_CODE_VALID);
}

static void code_expired_or_unknown_is_unknown(void **state)
{
    idp_store_t *s = *state;
    world_t w;
    world(s, &w);
    idp_store_grant_t g, out;
    grant_for(&w, &g);
    unsigned char code[32], other[32];
    fresh_hash(code);
    fresh_hash(other);
    assert_int_equal(idp_store_code_create(s, &g, code, -1, 3600), IDP_OK); /* expired a second ago */
    idp_store_code_outcome_t o = IDP_CODE_VALID;
    assert_int_equal(idp_store_code_redeem(s, code, w.client, g.redirect_uri, g.code_challenge, &out, &o), IDP_OK);
    assert_int_equal(o, IDP_CODE_UNKNOWN);
    o = IDP_CODE_VALID;
    assert_int_equal(idp_store_code_redeem(s, other, w.client, g.redirect_uri, g.code_challenge, &out, &o), IDP_OK);
    assert_int_equal(o, IDP_CODE_UNKNOWN);
}

static void grant_ends_with_its_session(void **state)
{
    idp_store_t *s = *state;
    world_t w;
    world(s, &w);
    idp_store_grant_t g, out;
    grant_for(&w, &g);
    unsigned char code[32];
    fresh_hash(code);
    assert_int_equal(idp_store_code_create(s, &g, code, 60, 3600), IDP_OK);
    idp_store_session_t ended;
    assert_int_equal(idp_store_session_end(s, w.cookie, &ended), IDP_OK);
    assert_string_equal(ended.sid, w.sid);
    assert_int_equal(idp_store_session_end(s, w.cookie, &ended), IDP_E_NOT_FOUND);
    bool live = true;
    assert_int_equal(idp_store_grant_get(s, g.id, &out, &live), IDP_OK);
    assert_false(live); /* OpenID Connect Core §11: no offline_access, so the session's end ends it */
    idp_store_code_outcome_t o;
    assert_int_equal(idp_store_code_redeem(s, code, w.client, g.redirect_uri, g.code_challenge, &out, &o), IDP_OK);
    assert_int_equal(o, IDP_CODE_UNKNOWN);
    /* nor can a check made before the session ended still spend it */
    unsigned char rt[32];
    char jti[64];
    fresh_hash(rt);
    fresh_id(jti, sizeof(jti), "jti");
    assert_int_equal(
        idp_store_code_spend(s, code, g.id, rt, jti, w.client, w.resident, g.scope, 4102444800LL, "", NULL),
        IDP_E_CONFLICT);
    idp_store_token_info_t info;
    assert_int_equal(idp_store_access_token_get(s, jti, &info), IDP_E_NOT_FOUND);
}

/* A code whose grant has its subject (as /authorize stores it), and fresh hashes and ids for two redemptions. */
typedef struct {
    world_t w;
    idp_store_grant_t g;
    unsigned char code[32], rt[32], rt2[32];
    char jti[64], jti2[64];
} exchangeable_t;

static void exchangeable(idp_store_t *s, exchangeable_t *x, bool offline)
{
    world(s, &x->w);
    grant_for(&x->w, &x->g);
    x->g.offline = offline;
    snprintf(x->g.subject, sizeof(x->g.subject), "%.40s-pairwise", x->w.resident);
    fresh_hash(x->code);
    fresh_hash(x->rt);
    fresh_hash(x->rt2);
    fresh_id(x->jti, sizeof(x->jti), "jti");
    fresh_id(x->jti2, sizeof(x->jti2), "jti");
    assert_int_equal(idp_store_code_create(s, &x->g, x->code, 60, 3600), IDP_OK);
}

/* The usual redemption (idp_store_code_exchange): spent once, by its own client, redirect URI and verifier, with
 * the answer's rows in the same commit; anything else changes nothing, and the checked way says why. */
static void code_exchange_spends_once_with_its_rows(void **state)
{
    idp_store_t *s = *state;
    exchangeable_t x;
    exchangeable(s, &x, false);
    idp_store_grant_t out;
    const char *ch = x.g.code_challenge;
    assert_int_equal(
        idp_store_code_exchange(s, x.code, "someone-else", x.g.redirect_uri, ch, NULL, x.rt, x.jti, 4102444800LL, &out),
        IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_code_exchange(s, x.code, x.w.client, "https://evil.example/cb", ch, NULL, x.rt, x.jti,
                                             4102444800LL, &out),
                     IDP_E_NOT_FOUND);
    assert_int_equal(
        idp_store_code_exchange(s, x.code, x.w.client, x.g.redirect_uri, "", NULL, x.rt, x.jti, 4102444800LL, &out),
        IDP_E_NOT_FOUND);
    idp_store_token_info_t info;
    assert_int_equal(idp_store_access_token_get(s, x.jti, &info), IDP_E_NOT_FOUND);
    idp_store_code_outcome_t o;
    assert_int_equal(idp_store_code_redeem(s, x.code, x.w.client, x.g.redirect_uri, ch, &out, &o), IDP_OK);
    assert_int_equal(o, IDP_CODE_VALID); /* none of them spent it */

    memset(&out, 0, sizeof(out));
    assert_int_equal(
        idp_store_code_exchange(s, x.code, x.w.client, x.g.redirect_uri, ch, "", x.rt, x.jti, 4102444800LL, &out),
        IDP_OK);
    assert_string_equal(out.id, x.g.id);
    assert_string_equal(out.resident_id, x.w.resident);
    assert_string_equal(out.subject, x.g.subject);
    assert_string_equal(out.scope, x.g.scope);
    assert_string_equal(out.nonce, "n-0S6");
    assert_string_equal(out.redirect_uri, x.g.redirect_uri);
    assert_string_equal(out.code_challenge, ch);
    assert_int_equal(out.auth_time, x.g.auth_time);
    /* its rows: the access token with the grant's subject and scope, the refresh token, the release row */
    assert_int_equal(idp_store_access_token_get(s, x.jti, &info), IDP_OK);
    assert_string_equal(info.subject, x.g.subject);
    assert_string_equal(info.scope, x.g.scope);
    assert_string_equal(info.client_id, x.w.client);
    assert_string_equal(info.grant_id, x.g.id);
    assert_int_equal(info.expires_at, 4102444800LL);
    assert_true(info.active);
    idp_store_grant_t rg;
    assert_int_equal(idp_store_refresh_get(s, x.rt, &rg, &info), IDP_OK);
    assert_string_equal(rg.id, x.g.id);
    idp_store_release_t *rows = NULL;
    size_t n = 0;
    assert_int_equal(idp_store_releases_list(s, x.w.resident, 10, &rows, &n), IDP_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].client_id, x.w.client);
    assert_string_equal(rows[0].via, "token");
    assert_string_equal(rows[0].claims, "");
    free(rows);

    /* once: a second exchange writes nothing, and the checked way calls it a replay and revokes the grant */
    assert_int_equal(
        idp_store_code_exchange(s, x.code, x.w.client, x.g.redirect_uri, ch, "", x.rt2, x.jti2, 4102444800LL, &out),
        IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_access_token_get(s, x.jti2, &info), IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_refresh_get(s, x.rt2, &rg, &info), IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_code_redeem(s, x.code, x.w.client, x.g.redirect_uri, ch, &out, &o), IDP_OK);
    assert_int_equal(o, IDP_CODE_REPLAYED);
    bool live = true;
    assert_int_equal(idp_store_grant_get(s, x.g.id, &out, &live), IDP_OK);
    assert_false(live);
    assert_int_equal(idp_store_access_token_get(s, x.jti, &info), IDP_OK);
    assert_false(info.active); /* RFC 6749 §4.1.2: with the tokens issued from it */
}

/* What the exchange leaves to the checked way, unchanged: a grant without its subject or with claims for the ID
 * token, an expired code, a grant that ended, a code bound to another DPoP key. An unbound grant is bound to the
 * exchange's key (RFC 9449 §5). */
static void code_exchange_leaves_the_rest_unchanged(void **state)
{
    idp_store_t *s = *state;
    static const char k1[] = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
    static const char k2[] = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
    enum { NO_SUBJECT, ID_TOKEN_CLAIMS, EXPIRED, ENDED, BOUND, UNBOUND, CASES };
    for (int k = 0; k < CASES; k++) {
        world_t w;
        world(s, &w);
        idp_store_grant_t g, out;
        grant_for(&w, &g);
        if (k != NO_SUBJECT)
            snprintf(g.subject, sizeof(g.subject), "%.40s-sub", w.resident);
        if (k == ID_TOKEN_CLAIMS)
            snprintf(g.id_token_claims, sizeof(g.id_token_claims), "name");
        if (k == BOUND)
            snprintf(g.dpop_jkt, sizeof(g.dpop_jkt), "%s", k1);
        unsigned char code[32], rt[32];
        char jti[64];
        fresh_hash(code);
        fresh_hash(rt);
        fresh_id(jti, sizeof(jti), "jti");
        assert_int_equal(idp_store_code_create(s, &g, code, k == EXPIRED ? -1 : 60, 3600), IDP_OK);
        idp_store_session_t ended;
        if (k == ENDED)
            assert_int_equal(idp_store_session_end(s, w.cookie, &ended), IDP_OK);
        const char *ch = g.code_challenge;
        idp_store_token_info_t info;
        if (k == BOUND) { /* a proof of no key, or of another, spends nothing */
            assert_int_equal(
                idp_store_code_exchange(s, code, w.client, g.redirect_uri, ch, NULL, rt, jti, 4102444800LL, &out),
                IDP_E_NOT_FOUND);
            assert_int_equal(
                idp_store_code_exchange(s, code, w.client, g.redirect_uri, ch, k2, rt, jti, 4102444800LL, &out),
                IDP_E_NOT_FOUND);
        }
        idp_err_t want = k == BOUND || k == UNBOUND ? IDP_OK : IDP_E_NOT_FOUND;
        const char *key = k == BOUND ? k1 : k == UNBOUND ? k2 : NULL;
        assert_int_equal(
            idp_store_code_exchange(s, code, w.client, g.redirect_uri, ch, key, rt, jti, 4102444800LL, &out), want);
        assert_int_equal(idp_store_access_token_get(s, jti, &info), want);
        idp_store_code_outcome_t o;
        assert_int_equal(idp_store_code_redeem(s, code, w.client, g.redirect_uri, ch, &out, &o), IDP_OK);
        if (want == IDP_OK) {
            assert_int_equal(o, IDP_CODE_REPLAYED);
            assert_string_equal(out.dpop_jkt, k == BOUND ? k1 : k2); /* bound, now, to the exchange's key */
        } else {
            assert_int_equal(o, k == EXPIRED || k == ENDED ? IDP_CODE_UNKNOWN : IDP_CODE_VALID);
        }
    }
}

/* Statements sent so far (store/pg's sakaid_db_statement_seconds_count); -1 for a store that sends none. */
static long long statements(idp_store_t *s)
{
    static const char name[] = "sakaid_db_statement_seconds_count ";
    idp_buf_t b;
    idp_buf_init(&b, 1 << 16);
    idp_store_metrics(s, &b);
    const char *t = idp_buf_cstr(&b), *p = t ? strstr(t, name) : NULL;
    long long n = p ? atoll(p + strlen(name)) : -1;
    idp_buf_free(&b);
    return n;
}

/* The usual redemption and the usual refresh are one statement each (one round trip, docs/flow.md): the code
 * spent with the answer's rows, and the old refresh token spent with the new one's. */
static void usual_redemption_and_refresh_are_one_statement_each(void **state)
{
    idp_store_t *s = *state;
    exchangeable_t x;
    exchangeable(s, &x, true);
    idp_store_grant_t out;
    long long n0 = statements(s);
    assert_int_equal(idp_store_code_exchange(s, x.code, x.w.client, x.g.redirect_uri, x.g.code_challenge, "", x.rt,
                                             x.jti, 4102444800LL, &out),
                     IDP_OK);
    long long n1 = statements(s);
    assert_int_equal(
        idp_store_refresh_exchange(s, x.rt, x.w.client, x.rt2, x.jti2, x.g.subject, "openid", 4102444800LL, "name"),
        IDP_OK);
    long long n2 = statements(s);
    if (n0 >= 0) { /* store/pg */
        assert_int_equal(n1 - n0, 1);
        assert_int_equal(n2 - n1, 1);
    }
    idp_store_token_info_t info;
    assert_int_equal(idp_store_refresh_get(s, x.rt2, &out, &info), IDP_OK);
    assert_true(info.active);
    assert_int_equal(idp_store_access_token_get(s, x.jti2, &info), IDP_OK);
    assert_string_equal(info.subject, x.g.subject);
    idp_store_release_t *rows = NULL;
    size_t n = 0;
    assert_int_equal(idp_store_releases_list(s, x.w.resident, 10, &rows, &n), IDP_OK);
    assert_int_equal(n, 2); /* the redemption's, and the refresh's naming its claims */
    assert_string_equal(rows[0].claims, "name");
    free(rows);
}

/* ---- tokens ----------------------------------------------------------------------------- */

/* A redeemed code's tokens: refresh token @p rt and access token @p jti. */
static void redeemed(idp_store_t *s, world_t *w, idp_store_grant_t *g, unsigned char rt[32], char jti[64])
{
    world(s, w);
    grant_for(w, g);
    g->offline = true;
    unsigned char code[32];
    fresh_hash(code);
    fresh_hash(rt);
    fresh_id(jti, 64, "jti");
    assert_int_equal(idp_store_code_create(s, g, code, 60, 3600), IDP_OK);
    idp_store_code_outcome_t o;
    idp_store_grant_t out;
    assert_int_equal(idp_store_code_redeem(s, code, w->client, g->redirect_uri, g->code_challenge, &out, &o), IDP_OK);
    assert_int_equal(o, IDP_CODE_VALID);
    assert_int_equal(
        idp_store_code_spend(s, code, g->id, rt, jti, w->client, w->resident, g->scope, 4102444800LL, "name", NULL),
        IDP_OK);
}

/* RFC 9449 §5, §10: a grant bound by its authorization request keeps that key; an unbound one is bound by the
 * redemption's proof, once; its refresh tokens carry the binding. */
static void grant_dpop_binding_is_kept(void **state)
{
    idp_store_t *s = *state;
    world_t w;
    world(s, &w);
    static const char k1[] = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
    static const char k2[] = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
    for (int bound_first = 0; bound_first < 2; bound_first++) {
        idp_store_grant_t g, out;
        grant_for(&w, &g);
        g.offline = true;
        if (bound_first)
            snprintf(g.dpop_jkt, sizeof(g.dpop_jkt), "%s", k1);
        unsigned char code[32], rt[32];
        char jti[64];
        fresh_hash(code);
        fresh_hash(rt);
        fresh_id(jti, sizeof(jti), "jti");
        assert_int_equal(idp_store_code_create(s, &g, code, 60, 3600), IDP_OK);
        idp_store_code_outcome_t o;
        assert_int_equal(idp_store_code_redeem(s, code, w.client, g.redirect_uri, g.code_challenge, &out, &o), IDP_OK);
        assert_int_equal(o, IDP_CODE_VALID);
        assert_string_equal(out.dpop_jkt, bound_first ? k1 : "");
        /* the redemption's key binds an unbound grant; a bound one keeps its own */
        assert_int_equal(idp_store_code_spend(s, code, g.id, rt, jti, w.client, w.resident, g.scope, 4102444800LL, "",
                                              bound_first ? k2 : k1),
                         IDP_OK);
        idp_store_token_info_t info;
        assert_int_equal(idp_store_refresh_get(s, rt, &out, &info), IDP_OK);
        assert_string_equal(out.dpop_jkt, k1);
        bool live;
        assert_int_equal(idp_store_grant_get(s, g.id, &out, &live), IDP_OK);
        assert_string_equal(out.dpop_jkt, k1);
    }
}

static void refresh_rotates_and_a_replay_revokes_the_family(void **state)
{
    idp_store_t *s = *state;
    world_t w;
    idp_store_grant_t g, gg;
    unsigned char rt1[32], rt2[32];
    char jti1[64], jti2[64];
    redeemed(s, &w, &g, rt1, jti1);
    fresh_hash(rt2);
    fresh_id(jti2, sizeof(jti2), "jti");
    idp_store_token_info_t info;
    assert_int_equal(idp_store_refresh_get(s, rt1, &gg, &info), IDP_OK);
    assert_true(info.active);
    assert_false(info.spent);
    assert_string_equal(gg.id, g.id);

    /* RFC 6749 §6: bound to its client */
    assert_int_equal(
        idp_store_refresh_exchange(s, rt1, "someone-else", rt2, jti2, w.resident, "openid", 4102444800LL, ""),
        IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_refresh_exchange(s, rt1, w.client, rt2, jti2, w.resident, "openid", 4102444800LL, ""),
                     IDP_OK);
    assert_int_equal(idp_store_refresh_get(s, rt1, &gg, &info), IDP_OK);
    assert_false(info.active);
    assert_true(info.spent);
    assert_int_equal(idp_store_refresh_get(s, rt2, &gg, &info), IDP_OK);
    assert_true(info.active);
    assert_int_equal(idp_store_access_token_get(s, jti2, &info), IDP_OK);
    assert_true(info.active);

    /* RFC 9700 §4.14.2: the old token again: conflict, and the whole family goes */
    char jti3[64];
    unsigned char rt3[32];
    fresh_hash(rt3);
    fresh_id(jti3, sizeof(jti3), "jti");
    assert_int_equal(idp_store_refresh_exchange(s, rt1, w.client, rt3, jti3, w.resident, "openid", 4102444800LL, ""),
                     IDP_E_CONFLICT);
    assert_int_equal(idp_store_refresh_get(s, rt2, &gg, &info), IDP_OK);
    assert_false(info.active);
    assert_int_equal(idp_store_access_token_get(s, jti1, &info), IDP_OK);
    assert_false(info.active);
    assert_int_equal(idp_store_access_token_get(s, jti2, &info), IDP_OK);
    assert_false(info.active);
    assert_int_equal(idp_store_access_token_get(s, jti3, &info), IDP_E_NOT_FOUND);
}

static void access_token_expires_and_revokes(void **state)
{
    idp_store_t *s = *state;
    world_t w;
    world(s, &w);
    char jti[64], old[64];
    fresh_id(jti, sizeof(jti), "jti");
    fresh_id(old, sizeof(old), "jti");
    assert_int_equal(idp_store_access_token_insert(s, jti, w.client, "", "api", 4102444800LL, NULL), IDP_OK);
    assert_int_equal(idp_store_access_token_insert(s, old, w.client, "", "api", 1000000000LL, NULL), IDP_OK);
    idp_store_token_info_t info;
    assert_int_equal(idp_store_access_token_get(s, jti, &info), IDP_OK);
    assert_true(info.active);
    assert_string_equal(info.client_id, w.client);
    assert_string_equal(info.grant_id, "");
    assert_int_equal(idp_store_access_token_get(s, old, &info), IDP_OK);
    assert_false(info.active);
    assert_int_equal(idp_store_access_token_revoke(s, jti), IDP_OK);
    assert_int_equal(idp_store_access_token_get(s, jti, &info), IDP_OK);
    assert_false(info.active);
}

static void assertion_jti_is_used_once(void **state)
{
    idp_store_t *s = *state;
    world_t w;
    world(s, &w);
    char jti[64];
    fresh_id(jti, sizeof(jti), "assertion");
    assert_int_equal(idp_store_assertion_jti_use(s, w.client, jti, 4102444800LL), IDP_OK);
    assert_int_equal(idp_store_assertion_jti_use(s, w.client, jti, 4102444800LL), IDP_E_CONFLICT); /* RFC 7523 §3 */
}

/* ---- login transactions and card challenges ------------------------------------------------ */

static void login_tx(idp_store_t *s, char id[64], int ttl)
{
    idp_store_login_tx_t *tx = calloc(1, sizeof(*tx));
    assert_non_null(tx);
    fresh_id(tx->id, sizeof(tx->id), "tx");
    snprintf(tx->request, sizeof(tx->request), "client_id=x&scope=openid");
    fresh_hash(tx->browser_hash);
    snprintf(tx->csrf, sizeof(tx->csrf), "csrf");
    assert_int_equal(idp_store_login_tx_create(s, tx, ttl), IDP_OK);
    snprintf(id, 64, "%s", tx->id);
    free(tx);
}

static void login_tx_is_continued_once(void **state)
{
    idp_store_t *s = *state;
    world_t w;
    world(s, &w);
    char id[64];
    login_tx(s, id, 600);
    idp_store_login_tx_t *tx = calloc(1, sizeof(*tx));
    assert_non_null(tx);
    assert_int_equal(idp_store_login_tx_continue(s, id, tx), IDP_E_NOT_FOUND); /* nobody signed in yet */
    assert_int_equal(idp_store_login_tx_authenticate(s, id, w.resident, "acr", "card:x"), IDP_OK);
    assert_int_equal(idp_store_login_tx_continue(s, id, tx), IDP_OK);
    assert_string_equal(tx->resident_id, w.resident);
    assert_true(tx->continued);
    assert_int_equal(idp_store_login_tx_continue(s, id, tx), IDP_E_NOT_FOUND); /* one session, never two */
    /* and a continued one takes no new authentication */
    assert_int_equal(idp_store_login_tx_authenticate(s, id, w.resident, "acr", "card:y"), IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_login_tx_delete(s, id), IDP_OK);
    assert_int_equal(idp_store_login_tx_delete(s, id), IDP_E_NOT_FOUND);
    free(tx);
}

/* The consent step keeps the sign-in that led to it (issue #17): read back, and never a way to continue it. */
static void consent_step_keeps_the_sign_in(void **state)
{
    idp_store_t *s = *state;
    world_t w;
    world(s, &w);
    idp_store_login_tx_t *tx = calloc(1, sizeof(*tx));
    assert_non_null(tx);
    fresh_id(tx->id, sizeof(tx->id), "tx");
    snprintf(tx->request, sizeof(tx->request), "client_id=x&scope=openid");
    fresh_hash(tx->browser_hash);
    snprintf(tx->csrf, sizeof(tx->csrf), "csrf");
    snprintf(tx->signed_in_with, sizeof(tx->signed_in_with), "social-credential-key");
    assert_int_equal(idp_store_login_tx_create(s, tx, 600), IDP_OK);
    assert_int_equal(idp_store_login_tx_authenticate(s, tx->id, w.resident, "acr", ""), IDP_OK);
    char id[64];
    snprintf(id, sizeof(id), "%s", tx->id);
    memset(tx, 0, sizeof(*tx));
    assert_int_equal(idp_store_login_tx_get(s, id, tx), IDP_OK);
    assert_string_equal(tx->signed_in_with, "social-credential-key");
    assert_string_equal(tx->credential, "");
    assert_int_equal(idp_store_login_tx_continue(s, id, tx), IDP_E_NOT_FOUND);
    /* a transaction made without one has none */
    login_tx(s, id, 600);
    assert_int_equal(idp_store_login_tx_get(s, id, tx), IDP_OK);
    assert_string_equal(tx->signed_in_with, "");
    free(tx);
}

static void login_tx_expires(void **state)
{
    idp_store_t *s = *state;
    char id[64];
    login_tx(s, id, -1);
    idp_store_login_tx_t *tx = calloc(1, sizeof(*tx));
    assert_non_null(tx);
    assert_int_equal(idp_store_login_tx_get(s, id, tx), IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_login_tx_authenticate(s, id, "nobody", "acr", "card:x"), IDP_E_NOT_FOUND);
    free(tx);
}

static void card_challenge_is_taken_once(void **state)
{
    idp_store_t *s = *state;
    char tx[64];
    login_tx(s, tx, 600);
    idp_store_card_challenge_t c = {.purpose = "auth"}, out;
    fresh_id(c.id, sizeof(c.id), "ch");
    snprintf(c.login_tx, sizeof(c.login_tx), "%s", tx);
    fresh_hash(c.nonce);
    assert_int_equal(idp_store_card_challenge_create(s, &c, 60, 1), IDP_OK);
    idp_store_card_challenge_t more = c;
    fresh_id(more.id, sizeof(more.id), "ch");
    assert_int_equal(idp_store_card_challenge_create(s, &more, 60, 1), IDP_E_CONFLICT); /* its share: one */
    assert_int_equal(idp_store_card_challenge_take(s, c.id, &out), IDP_OK);
    assert_memory_equal(out.nonce, c.nonce, 32);
    assert_string_equal(out.status, "pending");
    assert_int_equal(idp_store_card_challenge_take(s, c.id, &out), IDP_E_CONFLICT);
    assert_int_equal(idp_store_card_challenge_finish(s, c.id, "failed", "expired"), IDP_OK);
    assert_int_equal(idp_store_card_challenge_get(s, c.id, &out), IDP_OK);
    assert_true(out.used);
    assert_string_equal(out.status, "failed");
    assert_string_equal(out.reason, "expired");

    char tx2[64];
    login_tx(s, tx2, 600);
    idp_store_card_challenge_t old = c;
    fresh_id(old.id, sizeof(old.id), "ch");
    snprintf(old.login_tx, sizeof(old.login_tx), "%s", tx2);
    assert_int_equal(idp_store_card_challenge_create(s, &old, -1, 1), IDP_OK);
    assert_int_equal(idp_store_card_challenge_take(s, old.id, &out), IDP_E_INVALID_GRANT); /* expired */
}

/* ---- a verified card, at once (issue #16 §5) ------------------------------------------------ */

/* A taken challenge of a fresh login transaction, and a card's two certificates nobody holds. */
typedef struct {
    char tx[64], ch[64], auth_serial[64], sign_serial[64], fresh[64], detail[64];
    idp_store_card_cert_t auth, sign;
    idp_store_attrs_t attrs;
    unsigned char match[32];
    idp_store_card_result_t r;
} verified_t;

static void verified_case(idp_store_t *s, verified_t *v)
{
    memset(v, 0, sizeof(*v));
    login_tx(s, v->tx, 600);
    idp_store_card_challenge_t c = {.purpose = "both"}, out;
    fresh_id(c.id, sizeof(c.id), "ch");
    snprintf(c.login_tx, sizeof(c.login_tx), "%s", v->tx);
    fresh_hash(c.nonce);
    assert_int_equal(idp_store_card_challenge_create(s, &c, 60, 1), IDP_OK);
    assert_int_equal(idp_store_card_challenge_take(s, c.id, &out), IDP_OK);
    snprintf(v->ch, sizeof(v->ch), "%s", c.id);
    fresh_id(v->auth_serial, sizeof(v->auth_serial), "auth");
    fresh_id(v->sign_serial, sizeof(v->sign_serial), "sign");
    fresh_id(v->fresh, sizeof(v->fresh), "res");
    snprintf(v->detail, sizeof(v->detail), "{\"purpose\":\"both\",\"reason\":\"ok\"}");
    v->auth = (idp_store_card_cert_t){
        .purpose = "auth", .issuer_key_id = "ab", .serial = v->auth_serial, .not_after = 4102444800LL};
    v->sign = (idp_store_card_cert_t){
        .purpose = "sign", .issuer_key_id = "cd", .serial = v->sign_serial, .not_after = 4102444800LL};
    fresh_hash(v->auth.sha256);
    fresh_hash(v->sign.sha256);
    fresh_hash(v->match);
    v->attrs = (idp_store_attrs_t){.name = "堺 太郎",
                                   .gender = "male",
                                   .birth_date = "1980-01-02",
                                   .address = "大阪府堺市堺区",
                                   .sakai_resident = true,
                                   .sakai_ward = "堺区",
                                   .gender_raw = "1",
                                   .birth_date_raw = "S550102",
                                   .match_key = v->match};
    v->r = (idp_store_card_result_t){.challenge_id = v->ch,
                                     .login_tx = v->tx,
                                     .auth = &v->auth,
                                     .sign = &v->sign,
                                     .attrs = &v->attrs,
                                     .link_resident = "",
                                     .expect_resident = "",
                                     .fresh_id = v->fresh,
                                     .renew_resident = "",
                                     .acr = "urn:sakai-d:acr:card",
                                     .credential = "card-credential",
                                     .detail = v->detail};
}

/* How many audit rows of @p event @p resident has. */
static size_t audits(idp_store_t *s, const char *event, const char *resident)
{
    idp_store_audit_row_t *rows = NULL;
    size_t n = 0;
    assert_int_equal(idp_store_audit_list(s, event, resident, 0, 100, &rows, &n), IDP_OK);
    idp_store_audit_rows_free(rows, n);
    return n;
}

/* Nothing of verified_case's record is there: no resident for the card, no attributes, no audit, a pending challenge. */
static void nothing_of(idp_store_t *s, verified_t *v)
{
    char who[64];
    bool created;
    idp_store_resident_attrs_t a;
    idp_store_card_challenge_t c;
    assert_int_equal(idp_store_card_resident(s, &v->auth, NULL, who, &created), IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_resident_attrs_get(s, v->fresh, &a), IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_attrs_match(s, v->match, who), IDP_E_NOT_FOUND);
    assert_int_equal(audits(s, "card_login", v->fresh), 0);
    assert_int_equal(audits(s, "card_enrolled", v->fresh), 0);
    assert_int_equal(idp_store_card_challenge_get(s, v->ch, &c), IDP_OK);
    assert_string_equal(c.status, "pending");
    idp_store_login_tx_t *tx = calloc(1, sizeof(*tx));
    assert_non_null(tx);
    if (idp_store_login_tx_get(s, v->tx, tx) == IDP_OK)
        assert_string_equal(tx->resident_id, "");
    free(tx);
}

static void card_verified_writes_the_whole_record_once(void **state)
{
    idp_store_t *s = *state;
    verified_t *v = calloc(1, sizeof(*v));
    assert_non_null(v);
    verified_case(s, v);
    idp_store_card_outcome_t out;
    char who[64];
    bool created;
    assert_int_equal(idp_store_card_verified(s, &v->r, &out, who, &created), IDP_OK);
    assert_int_equal(out, IDP_CARD_SIGNED_IN);
    assert_true(created);
    assert_string_equal(who, v->fresh);
    /* the identity, both certificates, the attributes, the login, the challenge, the audit rows */
    char again[64];
    assert_int_equal(idp_store_card_resident(s, &v->auth, NULL, again, &created), IDP_OK);
    assert_string_equal(again, v->fresh);
    idp_store_resident_attrs_t a;
    assert_int_equal(idp_store_resident_attrs_get(s, v->fresh, &a), IDP_OK);
    assert_string_equal(a.name, "堺 太郎");
    idp_store_resident_attrs_clear(&a);
    assert_int_equal(idp_store_attrs_match(s, v->match, again), IDP_OK);
    assert_string_equal(again, v->fresh);
    idp_store_login_tx_t *tx = calloc(1, sizeof(*tx));
    assert_non_null(tx);
    assert_int_equal(idp_store_login_tx_get(s, v->tx, tx), IDP_OK);
    assert_string_equal(tx->resident_id, v->fresh);
    assert_string_equal(tx->credential, "card-credential");
    free(tx);
    idp_store_card_challenge_t c;
    assert_int_equal(idp_store_card_challenge_get(s, v->ch, &c), IDP_OK);
    assert_string_equal(c.status, "authenticated");
    assert_int_equal(audits(s, "card_login", v->fresh), 1);
    assert_int_equal(audits(s, "card_enrolled", v->fresh), 1);
    /* a replay of the same record is refused and writes nothing more */
    assert_int_equal(idp_store_card_verified(s, &v->r, &out, who, &created), IDP_E_CONFLICT);
    assert_int_equal(audits(s, "card_login", v->fresh), 1);
    /* the signing certificate is now this resident's: another resident's card cannot enrol it */
    verified_t *w = calloc(1, sizeof(*w));
    assert_non_null(w);
    verified_case(s, w);
    w->sign = v->sign;
    assert_int_equal(idp_store_card_verified(s, &w->r, &out, who, &created), IDP_OK);
    assert_int_equal(out, IDP_CARD_SIGN_CONFLICT);
    nothing_of(s, w); /* its new resident and authentication certificate were rolled back too */
    free(w);
    free(v);
}

static void card_verified_fails_part_way_and_leaves_nothing(void **state)
{
    idp_store_t *s = *state;
    verified_t *v = calloc(1, sizeof(*v));
    assert_non_null(v);
    idp_store_card_outcome_t out;
    char who[64];
    bool created;
    /* the login ended after the resident and certificates would be written, before its authentication */
    world_t w;
    world(s, &w);
    verified_case(s, v);
    assert_int_equal(idp_store_login_tx_authenticate(s, v->tx, w.resident, "acr", "x"), IDP_OK);
    idp_store_login_tx_t *tx = calloc(1, sizeof(*tx));
    assert_non_null(tx);
    assert_int_equal(idp_store_login_tx_continue(s, v->tx, tx), IDP_OK);
    free(tx);
    assert_int_equal(idp_store_card_verified(s, &v->r, &out, who, &created), IDP_OK);
    assert_int_equal(out, IDP_CARD_LOGIN_ENDED);
    assert_false(created);
    char none[64];
    assert_int_equal(idp_store_card_resident(s, &v->auth, NULL, none, &created), IDP_E_NOT_FOUND);
    assert_int_equal(audits(s, "card_login", v->fresh), 0);
    idp_store_card_challenge_t c;
    assert_int_equal(idp_store_card_challenge_get(s, v->ch, &c), IDP_OK);
    assert_string_equal(c.status, "pending");
    /* a challenge that was finished already (a replay) */
    verified_case(s, v);
    assert_int_equal(idp_store_card_challenge_finish(s, v->ch, "failed", "expired"), IDP_OK);
    assert_int_equal(idp_store_card_verified(s, &v->r, &out, who, &created), IDP_E_CONFLICT);
    assert_int_equal(idp_store_card_resident(s, &v->auth, NULL, none, &created), IDP_E_NOT_FOUND);
    assert_int_equal(audits(s, "card_login", v->fresh), 0);
    /* unreadable attributes */
    verified_case(s, v);
    v->r.attrs = NULL;
    assert_int_equal(idp_store_card_verified(s, &v->r, &out, who, &created), IDP_OK);
    assert_int_equal(out, IDP_CARD_BAD_ATTRS);
    nothing_of(s, v);
    free(v);
}

static void card_verified_keeps_a_card_nobody_holds_in_the_login(void **state)
{
    idp_store_t *s = *state;
    verified_t *v = calloc(1, sizeof(*v));
    assert_non_null(v);
    verified_case(s, v);
    v->r.fresh_id = NULL;
    v->r.renew_resident = "";
    idp_store_card_outcome_t out;
    char who[64];
    bool created;
    size_t before = audits(s, "card_login_new_card", NULL);
    assert_int_equal(idp_store_card_verified(s, &v->r, &out, who, &created), IDP_OK);
    assert_int_equal(out, IDP_CARD_NEW_CARD);
    assert_int_equal(audits(s, "card_login_new_card", NULL), before + 1);
    assert_string_equal(who, "");
    idp_store_login_tx_t *tx = calloc(1, sizeof(*tx));
    assert_non_null(tx);
    assert_int_equal(idp_store_login_tx_get(s, v->tx, tx), IDP_OK);
    assert_true(tx->has_new_card);
    assert_true(tx->renew_checked);
    assert_string_equal(tx->new_card_serial, v->auth_serial);
    assert_string_equal(tx->resident_id, "");
    free(tx);
    idp_store_card_challenge_t c;
    assert_int_equal(idp_store_card_challenge_get(s, v->ch, &c), IDP_OK);
    assert_string_equal(c.status, "authenticated");
    assert_int_equal(idp_store_card_resident(s, &v->auth, NULL, who, &created), IDP_E_NOT_FOUND);
    free(v);
}

/* ---- consent, ledger, audit -------------------------------------------------------------- */

static void consent_is_recorded_chained_and_revoked(void **state)
{
    idp_store_t *s = *state;
    world_t w;
    world(s, &w);
    char *claims = NULL;
    assert_int_equal(idp_store_consent_get(s, w.resident, w.client, &claims), IDP_OK);
    assert_string_equal(claims, "");
    free(claims);
    assert_int_equal(
        idp_store_consent_record(s, w.resident, w.client, "grant", "name email", 3600, "resident", "login", NULL),
        IDP_OK);
    assert_int_equal(
        idp_store_consent_record(s, w.resident, w.client, "deny", "address", 3600, "resident", "login", NULL), IDP_OK);
    assert_int_equal(idp_store_consent_get(s, w.resident, w.client, &claims), IDP_OK);
    assert_string_equal(claims, "email name"); /* sorted, and a denial grants nothing */
    free(claims);

    assert_int_equal(idp_store_consent_revoke(s, w.resident, w.client, "email", "resident"), IDP_OK);
    assert_int_equal(idp_store_consent_revoke(s, w.resident, w.client, "email", "resident"), IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_consent_get(s, w.resident, w.client, &claims), IDP_OK);
    assert_string_equal(claims, "name");
    free(claims);

    idp_store_ledger_row_t *rows;
    size_t n;
    assert_int_equal(idp_store_ledger_rows(s, w.resident, &rows, &n), IDP_OK);
    assert_int_equal(n, 3);
    assert_string_equal(rows[0].action, "grant");
    assert_string_equal(rows[1].action, "deny");
    assert_string_equal(rows[2].action, "revoke");
    assert_string_equal(rows[2].claims, "email");
    assert_true(rows[0].seq < rows[1].seq && rows[1].seq < rows[2].seq);
    idp_store_ledger_rows_free(rows, n);
    /* the whole ledger chains each row to the one before it */
    assert_int_equal(idp_store_ledger_rows(s, NULL, &rows, &n), IDP_OK);
    assert_true(n >= 3);
    for (size_t i = 1; i < n; i++)
        assert_memory_equal(rows[i].prev_hash, rows[i - 1].row_hash, 32);
    idp_store_ledger_rows_free(rows, n);
}

/* idp_store_session_authz: the session, the attributes' presence and the client's consent, in one read. */
static void session_authz_reads_session_attributes_and_consent(void **state)
{
    idp_store_t *s = *state;
    world_t w, other;
    world(s, &w);
    world(s, &other);
    idp_store_session_t sess;
    bool attrs = true;
    char *claims = NULL;
    assert_int_equal(idp_store_session_authz(s, w.cookie, w.client, &sess, &attrs, &claims), IDP_OK);
    assert_string_equal(sess.sid, w.sid);
    assert_string_equal(sess.resident_id, w.resident);
    assert_string_equal(sess.amr, "sc pin");
    assert_int_equal(sess.auth_time, 1700000000LL);
    assert_false(attrs);
    assert_string_equal(claims, "");
    free(claims);

    /* consents of this client only, live ones only, sorted as idp_store_consent_get gives them */
    assert_int_equal(
        idp_store_consent_record(s, w.resident, w.client, "grant", "name email", 3600, "resident", "login", NULL),
        IDP_OK);
    assert_int_equal(
        idp_store_consent_record(s, w.resident, other.client, "grant", "address", 3600, "resident", "login", NULL),
        IDP_OK);
    assert_int_equal(
        idp_store_consent_record(s, w.resident, w.client, "grant", "phone_number", -1, "resident", "login", NULL),
        IDP_OK);
    idp_store_attrs_t in = {.name = "堺 太郎", .gender = "male", .birth_date = "1990-01-02", .address = "堺市堺区"};
    idp_store_evidence_t ev = {.upstream_id = "daa", .issuer = "https://app.example", .subject = w.resident};
    fresh_hash(ev.sha256);
    assert_int_equal(idp_store_attrs_from_upstream(s, w.resident, &ev, &in), IDP_OK);
    assert_int_equal(idp_store_session_authz(s, w.cookie, w.client, &sess, &attrs, &claims), IDP_OK);
    assert_true(attrs);
    assert_string_equal(claims, "email name");
    free(claims);
    /* the other resident's session sees neither */
    assert_int_equal(idp_store_session_authz(s, other.cookie, w.client, &sess, &attrs, &claims), IDP_OK);
    assert_string_equal(sess.resident_id, other.resident);
    assert_false(attrs);
    assert_string_equal(claims, "");
    free(claims);

    /* no live session: not found, and nothing to free */
    unsigned char unknown[32];
    fresh_hash(unknown);
    claims = NULL;
    assert_int_equal(idp_store_session_authz(s, unknown, w.client, &sess, &attrs, &claims), IDP_E_NOT_FOUND);
    assert_null(claims);
    idp_store_session_t ended;
    assert_int_equal(idp_store_session_end(s, w.cookie, &ended), IDP_OK);
    assert_int_equal(idp_store_session_authz(s, w.cookie, w.client, &sess, &attrs, &claims), IDP_E_NOT_FOUND);
    assert_null(claims);
}

static void audit_appends_newest_first(void **state)
{
    idp_store_t *s = *state;
    world_t w;
    world(s, &w);
    assert_int_equal(idp_store_audit(s, "contract_test", w.resident, "{\"n\": 1}"), IDP_OK);
    assert_int_equal(idp_store_audit(s, "contract_test", w.resident, "{\"n\": 2}"), IDP_OK);
    assert_int_equal(idp_store_audit(s, "contract_other", w.resident, "{}"), IDP_OK);
    idp_store_audit_row_t *rows;
    size_t n;
    assert_int_equal(idp_store_audit_list(s, "contract_test", w.resident, 0, 10, &rows, &n), IDP_OK);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].event, "contract_test");
    assert_string_equal(rows[0].resident_id, w.resident);
    assert_non_null(strstr(rows[0].detail, "2"));
    assert_non_null(strstr(rows[1].detail, "1"));
    idp_store_audit_rows_free(rows, n);
    assert_int_equal(idp_store_audit_list(s, NULL, w.resident, 0, 1, &rows, &n), IDP_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].event, "contract_other");
    idp_store_audit_rows_free(rows, n);
}

static void clients_insert_once_update_and_delete(void **state)
{
    idp_store_t *s = *state;
    char id[64];
    fresh_id(id, sizeof(id), "client");
    idp_store_client_t c = {.client_id = id, .metadata = "{\"client_name\": \"a\"}"}, out;
    assert_int_equal(idp_store_client_insert(s, &c), IDP_OK);
    assert_int_equal(idp_store_client_insert(s, &c), IDP_E_CONFLICT);
    unsigned char secret[32];
    fresh_hash(secret);
    assert_int_equal(idp_store_client_update(s, id, NULL, secret, false), IDP_OK);
    assert_int_equal(idp_store_client_get(s, id, &out), IDP_OK);
    assert_true(out.has_secret);
    assert_memory_equal(out.secret_hash, secret, 32);
    assert_non_null(strstr(out.metadata, "client_name"));
    idp_store_client_clear(&out);
    assert_int_equal(idp_store_client_delete(s, id), IDP_OK);
    assert_int_equal(idp_store_client_get(s, id, &out), IDP_E_NOT_FOUND);
}

/* An initial access token of @p uses uses for organisation @p org, expiring at @p expires_at; its id in @p id. */
static void iat(idp_store_t *s, const char *org, int uses, long long expires_at, unsigned char hash[32], char id[48])
{
    idp_store_iat_t t = {.max_uses = uses, .expires_at = expires_at};
    char buf[64];
    fresh_id(buf, sizeof(buf), "iat");
    snprintf(t.id, sizeof(t.id), "%.40s", buf);
    snprintf(t.organisation, sizeof(t.organisation), "%s", org);
    snprintf(t.tier, sizeof(t.tier), "partner");
    fresh_hash(hash);
    assert_int_equal(idp_store_iat_insert(s, &t, hash), IDP_OK);
    snprintf(id, 48, "%s", t.id);
}

static idp_err_t register_client(idp_store_t *s, const char *iat_id, const char *client_id)
{
    idp_store_client_t c = {
        .client_id = (char *)client_id, .metadata = "{\"client_name\": \"r\"}", .has_registration_token = true};
    memset(c.registration_token_hash, 0x5a, 32);
    return idp_store_client_register(s, iat_id, &c);
}

/* RFC 7591 §3: a registration takes one use of its token, in the step that stores the client; used up is used up. */
static void registration_takes_one_use_per_client(void **state)
{
    idp_store_t *s = *state;
    unsigned char hash[32];
    char id[48], a[64], b[64], c[64];
    iat(s, "contract-org", 2, 4102444800LL, hash, id);
    idp_store_iat_t found;
    assert_int_equal(idp_store_iat_find(s, hash, &found), IDP_OK);
    assert_string_equal(found.id, id);
    assert_string_equal(found.organisation, "contract-org");
    assert_string_equal(found.tier, "partner");
    assert_int_equal(found.uses, 0);
    fresh_id(a, sizeof(a), "reg");
    fresh_id(b, sizeof(b), "reg");
    fresh_id(c, sizeof(c), "reg");
    assert_int_equal(register_client(s, id, a), IDP_OK);
    assert_int_equal(register_client(s, id, a), IDP_E_CONFLICT); /* the id is taken: no use is spent */
    assert_int_equal(idp_store_iat_find(s, hash, &found), IDP_OK);
    assert_int_equal(found.uses, 1);
    assert_int_equal(register_client(s, id, b), IDP_OK);
    assert_int_equal(idp_store_iat_find(s, hash, &found), IDP_E_CONFLICT); /* used up */
    assert_int_equal(register_client(s, id, c), IDP_E_CONFLICT);
    idp_store_client_t row;
    assert_int_equal(idp_store_client_get(s, c, &row), IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_client_get(s, a, &row), IDP_OK);
    assert_true(row.sandbox);
    assert_string_equal(row.organisation, "contract-org");
    assert_true(row.has_registration_token);
    unsigned char want[32];
    memset(want, 0x5a, 32);
    assert_memory_equal(row.registration_token_hash, want, 32);
    idp_store_client_clear(&row);
    idp_store_iat_t *rows = NULL;
    size_t n = 0;
    assert_int_equal(idp_store_iat_list(s, &rows, &n), IDP_OK);
    bool listed = false;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].id, id)) {
            listed = true;
            assert_int_equal(rows[i].uses, 2);
            assert_int_equal(rows[i].max_uses, 2);
            assert_int_equal(rows[i].revoked_at, 0);
        }
    free(rows);
    assert_true(listed);
    assert_int_equal(idp_store_iat_revoke(s, id), IDP_OK);
    assert_int_equal(idp_store_iat_revoke(s, id), IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_iat_find(s, hash, &found), IDP_E_NOT_FOUND);
}

/* Expired and revoked tokens register nothing. */
static void expired_or_revoked_tokens_register_nothing(void **state)
{
    idp_store_t *s = *state;
    unsigned char hash[32], unknown[32];
    char id[48], cid[64];
    idp_store_iat_t found;
    fresh_hash(unknown);
    assert_int_equal(idp_store_iat_find(s, unknown, &found), IDP_E_NOT_FOUND);
    iat(s, "contract-org", 5, (long long)time(NULL) - 10, hash, id);
    assert_int_equal(idp_store_iat_find(s, hash, &found), IDP_E_INVALID_GRANT);
    fresh_id(cid, sizeof(cid), "reg");
    assert_int_equal(register_client(s, id, cid), IDP_E_CONFLICT);
    iat(s, "contract-org", 5, 4102444800LL, hash, id);
    assert_int_equal(idp_store_iat_revoke(s, id), IDP_OK);
    assert_int_equal(register_client(s, id, cid), IDP_E_CONFLICT);
    assert_int_equal(register_client(s, "no-such-token", cid), IDP_E_CONFLICT);
    idp_store_client_t row;
    assert_int_equal(idp_store_client_get(s, cid, &row), IDP_E_NOT_FOUND);
}

/* The sandbox: approval and back; test residents are per organisation. */
static void sandbox_and_test_residents(void **state)
{
    idp_store_t *s = *state;
    world_t w;
    world(s, &w); /* an administrator's client, and a resident */
    assert_int_equal(idp_store_client_set_sandbox(s, w.client, true), IDP_E_CONFLICT); /* no organisation */
    assert_int_equal(idp_store_client_set_sandbox(s, w.client, false), IDP_OK);
    assert_int_equal(idp_store_client_set_sandbox(s, "no-such-client", false), IDP_E_NOT_FOUND);
    unsigned char hash[32];
    char id[48], cid[64];
    iat(s, "sandbox-org", 1, 4102444800LL, hash, id);
    fresh_id(cid, sizeof(cid), "reg");
    assert_int_equal(register_client(s, id, cid), IDP_OK);
    idp_store_client_t row;
    assert_int_equal(idp_store_client_set_sandbox(s, cid, false), IDP_OK);
    assert_int_equal(idp_store_client_get(s, cid, &row), IDP_OK);
    assert_false(row.sandbox);
    idp_store_client_clear(&row);
    assert_int_equal(idp_store_client_set_sandbox(s, cid, true), IDP_OK);
    assert_int_equal(idp_store_client_get(s, cid, &row), IDP_OK);
    assert_true(row.sandbox);
    idp_store_client_clear(&row);

    bool yes = true;
    assert_int_equal(idp_store_org_resident_is(s, IDP_ORG_TEST_RESIDENTS, "sandbox-org", w.resident, &yes), IDP_OK);
    assert_false(yes);
    assert_int_equal(idp_store_org_resident_add(s, IDP_ORG_TEST_RESIDENTS, "sandbox-org", w.resident), IDP_OK);
    assert_int_equal(idp_store_org_resident_add(s, IDP_ORG_TEST_RESIDENTS, "sandbox-org", w.resident),
                     IDP_OK); /* again: nothing changes */
    assert_int_equal(idp_store_org_resident_add(s, IDP_ORG_TEST_RESIDENTS, "sandbox-org", "no-such-resident"),
                     IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_org_resident_is(s, IDP_ORG_TEST_RESIDENTS, "sandbox-org", w.resident, &yes), IDP_OK);
    assert_true(yes);
    assert_int_equal(idp_store_org_resident_is(s, IDP_ORG_TEST_RESIDENTS, "other-org", w.resident, &yes), IDP_OK);
    assert_false(yes);
    char(*listed)[64] = NULL;
    size_t n = 0;
    assert_int_equal(idp_store_org_residents(s, IDP_ORG_TEST_RESIDENTS, "sandbox-org", NULL, &listed, &n), IDP_OK);
    assert_int_equal(n, 1);
    assert_string_equal(listed[0], w.resident);
    free(listed);
    /* the other list of the same organisation is another list */
    assert_int_equal(idp_store_org_resident_is(s, IDP_ORG_MEMBERS, "sandbox-org", w.resident, &yes), IDP_OK);
    assert_false(yes);
    assert_int_equal(idp_store_org_resident_add(s, IDP_ORG_MEMBERS, "sandbox-org", w.resident), IDP_OK);
    assert_int_equal(idp_store_org_resident_add(s, IDP_ORG_MEMBERS, "second-org", w.resident), IDP_OK);
    assert_int_equal(idp_store_org_residents(s, IDP_ORG_MEMBERS, NULL, w.resident, &listed, &n), IDP_OK);
    assert_int_equal(n, 2);
    assert_string_equal(listed[0], "sandbox-org");
    assert_string_equal(listed[1], "second-org");
    free(listed);
    assert_int_equal(idp_store_org_resident_remove(s, IDP_ORG_TEST_RESIDENTS, "sandbox-org", w.resident), IDP_OK);
    assert_int_equal(idp_store_org_resident_remove(s, IDP_ORG_TEST_RESIDENTS, "sandbox-org", w.resident),
                     IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_org_resident_is(s, IDP_ORG_TEST_RESIDENTS, "sandbox-org", w.resident, &yes), IDP_OK);
    assert_false(yes);
}

/* The admin API's changes: the change and its chained log row together, or neither (migration 0016). */
static void admin_changes_are_logged_in_one_chain(void **state)
{
    idp_store_t *s = *state;
    world_t w;
    world(s, &w);
    idp_store_admin_log_row_t *rows = NULL;
    size_t n0 = 0, n = 0;
    assert_int_equal(idp_store_admin_log_rows(s, 0, 0, &rows, &n0), IDP_OK);
    idp_store_admin_log_rows_free(rows, n0);
    idp_store_admin_entry_t e = {.actor = "client:ops", .role = "viewer", .action = "clients.list", .target = ""};
    idp_store_admin_op_t none = {.kind = IDP_ADMIN_OP_NONE};
    assert_int_equal(idp_store_admin_apply(s, &none, &e), IDP_OK);
    idp_store_admin_op_t suspend = {.kind = IDP_ADMIN_OP_CLIENT_SUSPEND, .id = w.client, .flag = true};
    e = (idp_store_admin_entry_t){.actor = "client:ops",
                                  .role = "client-operator",
                                  .action = "clients.suspend",
                                  .target = w.client,
                                  .before = "{\"suspended\": false}",
                                  .after = "{\"suspended\": true}"};
    assert_int_equal(idp_store_admin_apply(s, &suspend, &e), IDP_OK);
    idp_store_client_t row;
    assert_int_equal(idp_store_client_get(s, w.client, &row), IDP_OK);
    assert_true(row.suspended);
    idp_store_client_clear(&row);
    /* nothing to change: no change, no row */
    idp_store_admin_op_t missing = {.kind = IDP_ADMIN_OP_CLIENT_SANDBOX, .id = "no-such-client"};
    assert_int_equal(idp_store_admin_apply(s, &missing, &e), IDP_E_NOT_FOUND);
    idp_store_admin_op_t org_less = {.kind = IDP_ADMIN_OP_CLIENT_SANDBOX, .id = w.client, .flag = true};
    assert_int_equal(idp_store_admin_apply(s, &org_less, &e), IDP_E_CONFLICT);
    idp_store_admin_op_t revoke = {.kind = IDP_ADMIN_OP_IAT_REVOKE, .id = "no-such-token"};
    assert_int_equal(idp_store_admin_apply(s, &revoke, &e), IDP_E_NOT_FOUND);
    /* an initial access token, then its revocation */
    idp_store_iat_t t = {.max_uses = 1, .expires_at = 4102444800LL};
    char buf[64];
    fresh_id(buf, sizeof(buf), "iat");
    snprintf(t.id, sizeof(t.id), "%.40s", buf);
    snprintf(t.organisation, sizeof(t.organisation), "log-org");
    snprintf(t.tier, sizeof(t.tier), "partner");
    unsigned char hash[32];
    fresh_hash(hash);
    idp_store_admin_op_t issue = {.kind = IDP_ADMIN_OP_IAT_INSERT, .iat = &t, .hash = hash};
    assert_int_equal(idp_store_admin_apply(s, &issue, &e), IDP_OK);
    assert_int_equal(idp_store_admin_apply(s, &issue, &e), IDP_E_CONFLICT); /* the same id again */
    idp_store_iat_t found;
    assert_int_equal(idp_store_iat_find(s, hash, &found), IDP_OK);
    revoke.id = t.id;
    assert_int_equal(idp_store_admin_apply(s, &revoke, &e), IDP_OK);
    assert_int_equal(idp_store_iat_find(s, hash, &found), IDP_E_NOT_FOUND);

    assert_int_equal(idp_store_admin_log_rows(s, 0, 0, &rows, &n), IDP_OK);
    assert_int_equal(n, n0 + 4); /* list, suspend, issue, revoke */
    long long bad = 0;
    const char *why = NULL;
    assert_true(idp_store_admin_log_verify(rows, n, &bad, &why));
    assert_string_equal(rows[n0 + 1].action, "clients.suspend");
    assert_string_equal(rows[n0 + 1].target, w.client);
    assert_non_null(strstr(rows[n0 + 1].after, "true"));
    assert_string_equal(rows[n0].before, "");
    /* an edited row breaks the chain there */
    free(rows[n0 + 1].role);
    rows[n0 + 1].role = strdup("auditor");
    assert_false(idp_store_admin_log_verify(rows, n, &bad, &why));
    assert_int_equal(bad, rows[n0 + 1].seq);
    idp_store_admin_log_rows_free(rows, n);
    /* pages */
    assert_int_equal(idp_store_admin_log_rows(s, (long long)n0 + 1, 2, &rows, &n), IDP_OK);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].seq, (long long)n0 + 2);
    idp_store_admin_log_rows_free(rows, n);
}

/* The partner portal's changes (oauth/partner.c): a sandbox client of an organisation, its test residents. */
static void portal_changes_are_logged_too(void **state)
{
    idp_store_t *s = *state;
    world_t w;
    world(s, &w);
    char id[64];
    fresh_id(id, sizeof(id), "portal");
    idp_store_client_t c = {.client_id = id, .metadata = "{\"client_name\":\"portal\"}", .sandbox = true};
    snprintf(c.organisation, sizeof(c.organisation), "portal-org");
    idp_store_admin_entry_t e = {.actor = "resident:x", .role = "partner:portal-org", .action = "clients.create"};
    idp_store_admin_op_t insert = {.kind = IDP_ADMIN_OP_CLIENT_INSERT, .client = &c};
    assert_int_equal(idp_store_admin_apply(s, &insert, &e), IDP_OK);
    idp_store_client_t row;
    assert_int_equal(idp_store_client_get(s, id, &row), IDP_OK);
    assert_string_equal(row.organisation, "portal-org");
    assert_true(row.sandbox);
    assert_false(row.has_secret);
    idp_store_client_clear(&row);
    /* a test resident added, again (nothing changes), taken back; an unknown resident, or one not there */
    idp_store_admin_op_t add = {
        .kind = IDP_ADMIN_OP_TEST_RESIDENT, .id = w.resident, .text = "portal-org", .flag = true};
    assert_int_equal(idp_store_admin_apply(s, &add, &e), IDP_OK);
    assert_int_equal(idp_store_admin_apply(s, &add, &e), IDP_OK);
    bool yes = false;
    assert_int_equal(idp_store_org_resident_is(s, IDP_ORG_TEST_RESIDENTS, "portal-org", w.resident, &yes), IDP_OK);
    assert_true(yes);
    assert_int_equal(idp_store_org_resident_is(s, IDP_ORG_TEST_RESIDENTS, "other-org", w.resident, &yes), IDP_OK);
    assert_false(yes);
    idp_store_admin_op_t take = {.kind = IDP_ADMIN_OP_TEST_RESIDENT, .id = w.resident, .text = "portal-org"};
    assert_int_equal(idp_store_admin_apply(s, &take, &e), IDP_OK);
    assert_int_equal(idp_store_org_resident_is(s, IDP_ORG_TEST_RESIDENTS, "portal-org", w.resident, &yes), IDP_OK);
    assert_false(yes);
    idp_store_admin_log_row_t *rows = NULL;
    size_t n0 = 0, n = 0;
    assert_int_equal(idp_store_admin_log_rows(s, 0, 0, &rows, &n0), IDP_OK);
    idp_store_admin_log_rows_free(rows, n0);
    assert_int_equal(idp_store_admin_apply(s, &take, &e), IDP_E_NOT_FOUND);
    add.id = "no-such-resident";
    assert_int_equal(idp_store_admin_apply(s, &add, &e), IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_admin_log_rows(s, 0, 0, &rows, &n), IDP_OK);
    assert_int_equal(n, n0); /* nothing changed: no row */
    idp_store_admin_log_rows_free(rows, n);
}

/* Signing-key rotations on a schedule (migration 0021; PS256 since 0025): set and cancelled with a log row; one node
 * claims a due one. */
static void key_schedules_are_claimed_once(void **state)
{
    idp_store_t *s = *state;
    idp_store_key_schedule_t *rows = NULL;
    size_t n = 0;
    long long now = (long long)time(NULL);
    idp_store_key_schedule_t sch = {.alg = "PS256", .every_seconds = 30 * 86400, .next_at = now - 5, .set_by = "x"};
    idp_store_admin_entry_t e = {.actor = "client:ops", .role = "key-operator", .action = "keys.schedule"};
    idp_store_admin_op_t set = {.kind = IDP_ADMIN_OP_KEY_SCHEDULE, .id = "PS256", .flag = true, .schedule = &sch};
    assert_int_equal(idp_store_admin_apply(s, &set, &e), IDP_OK);
    sch.every_seconds = 7 * 86400; /* set again: replaced */
    assert_int_equal(idp_store_admin_apply(s, &set, &e), IDP_OK);
    assert_int_equal(idp_store_key_schedules(s, &rows, &n), IDP_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].alg, "PS256");
    assert_int_equal(rows[0].every_seconds, 7 * 86400);
    assert_string_equal(rows[0].set_by, "x");
    free(rows);
    char alg[8] = "";
    assert_int_equal(idp_store_key_schedule_claim(s, 300, alg), IDP_OK);
    assert_string_equal(alg, "PS256");
    assert_int_equal(idp_store_key_schedule_claim(s, 300, alg), IDP_E_NOT_FOUND); /* held: no other node takes it */
    assert_int_equal(idp_store_key_schedule_done(s, "PS256"), IDP_OK);
    assert_int_equal(idp_store_key_schedules(s, &rows, &n), IDP_OK);
    assert_true(rows[0].next_at >= now + 7 * 86400 - 5 && rows[0].next_at <= now + 7 * 86400 + 60);
    free(rows);
    assert_int_equal(idp_store_key_schedule_claim(s, 300, alg), IDP_E_NOT_FOUND); /* not due */
    idp_store_admin_op_t cancel = {.kind = IDP_ADMIN_OP_KEY_SCHEDULE, .id = "PS256"};
    assert_int_equal(idp_store_admin_apply(s, &cancel, &e), IDP_OK);
    assert_int_equal(idp_store_admin_apply(s, &cancel, &e), IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_key_schedule_done(s, "PS256"), IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_key_schedules(s, &rows, &n), IDP_OK);
    assert_int_equal(n, 0);
    free(rows);
}

/* Upstream providers written by admin calls: the row and its log row together, or neither. */
static void upstream_changes_are_logged(void **state)
{
    idp_store_t *s = *state;
    char id[40];
    fresh_id(id, sizeof(id), "up");
    unsigned char sealed[] = "sealed-secret";
    idp_store_upstream_t u = {.issuer = "https://up.example",
                              .client_id = "c",
                              .scopes = "openid",
                              .display_name = "Up",
                              .kind = "social",
                              .acr_values = "",
                              .enabled = true,
                              .secret_enc = sealed,
                              .secret_enc_len = sizeof(sealed)};
    snprintf(u.id, sizeof(u.id), "%s", id);
    idp_store_admin_entry_t e = {.actor = "client:ops", .role = "client-operator", .action = "upstreams.create"};
    idp_store_admin_log_row_t *rows = NULL;
    size_t n0 = 0, n = 0;
    assert_int_equal(idp_store_admin_log_rows(s, 0, 0, &rows, &n0), IDP_OK);
    idp_store_admin_log_rows_free(rows, n0);
    idp_store_admin_op_t add = {.kind = IDP_ADMIN_OP_UPSTREAM_INSERT, .id = id, .upstream = &u};
    assert_int_equal(idp_store_admin_apply(s, &add, &e), IDP_OK);
    assert_int_equal(idp_store_admin_apply(s, &add, &e), IDP_E_CONFLICT); /* the id is taken: no second row */
    u.display_name = "Up 2";
    u.secret_enc = NULL; /* kept */
    u.secret_enc_len = 0;
    idp_store_admin_op_t change = {.kind = IDP_ADMIN_OP_UPSTREAM_UPDATE, .id = id, .upstream = &u};
    assert_int_equal(idp_store_admin_apply(s, &change, &e), IDP_OK);
    idp_store_upstream_t got;
    assert_int_equal(idp_store_upstream_get(s, id, &got), IDP_OK);
    assert_string_equal(got.display_name, "Up 2");
    assert_int_equal(got.secret_enc_len, sizeof(sealed));
    assert_memory_equal(got.secret_enc, sealed, sizeof(sealed));
    idp_store_upstream_clear(&got);
    idp_store_admin_op_t del = {.kind = IDP_ADMIN_OP_UPSTREAM_DELETE, .id = id};
    assert_int_equal(idp_store_admin_apply(s, &del, &e), IDP_OK);
    assert_int_equal(idp_store_admin_apply(s, &del, &e), IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_admin_apply(s, &change, &e), IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_upstream_get(s, id, &got), IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_admin_log_rows(s, 0, 0, &rows, &n), IDP_OK);
    assert_int_equal(n, n0 + 3); /* add, change, delete */
    idp_store_admin_log_rows_free(rows, n);
}

/* Pushed authorization requests (RFC 9126, migration 0022): once, by their client, while they live. */
static void pushed_requests_are_taken_once(void **state)
{
    idp_store_t *s = *state;
    world_t w;
    world(s, &w);
    unsigned char h[32], old[32];
    fresh_hash(h);
    fresh_hash(old);
    char *params = NULL;
    assert_int_equal(idp_store_par_put(s, h, w.client, "response_type=code&client_id=x", 60), IDP_OK);
    assert_int_equal(idp_store_par_put(s, old, w.client, "scope=openid", 0), IDP_OK); /* expired at once */
    assert_int_equal(idp_store_par_put(s, h, w.client, "again", 60), IDP_E_CONFLICT);
    unsigned char other[32];
    fresh_hash(other);
    assert_int_not_equal(idp_store_par_put(s, other, "no-such-client", "x", 60), IDP_OK); /* the client's row */
    assert_int_equal(idp_store_par_take(s, h, "another-client", &params), IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_par_take(s, h, w.client, &params), IDP_OK);
    assert_string_equal(params, "response_type=code&client_id=x");
    free(params);
    assert_int_equal(idp_store_par_take(s, h, w.client, &params), IDP_E_NOT_FOUND); /* used */
    assert_null(params);
    assert_int_equal(idp_store_par_take(s, old, w.client, &params), IDP_E_NOT_FOUND); /* expired */
}

/* The count of @p metric (and @p code) of @p client over all days. */
static long long stat_of(idp_store_t *s, const char *client, const char *metric, const char *code)
{
    idp_store_stat_t *rows = NULL;
    size_t n = 0;
    long long c = 0;
    assert_int_equal(idp_store_client_stats(s, client, "2000-01-01", "9999-12-31", &rows, &n), IDP_OK);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].metric, metric) && !strcmp(rows[i].code, code))
            c += rows[i].count;
    free(rows);
    return c;
}

/* Statistics count themselves from the events they count (migration 0017): grants, the ledger, step-ups. */
static void statistics_count_the_events(void **state)
{
    idp_store_t *s = *state;
    world_t w;
    world(s, &w);
    idp_store_grant_t g;
    grant_for(&w, &g);
    unsigned char code[32];
    fresh_hash(code);
    assert_int_equal(idp_store_code_create(s, &g, code, 60, 3600), IDP_OK);
    assert_int_equal(
        idp_store_consent_record(s, w.resident, w.client, "grant", "name", 3600, "resident", "login", NULL), IDP_OK);
    assert_int_equal(
        idp_store_consent_record(s, w.resident, w.client, "deny", "address", 3600, "resident", "login", NULL), IDP_OK);
    assert_int_equal(idp_store_consent_revoke(s, w.resident, w.client, "name", "resident"), IDP_OK);
    char detail[160];
    snprintf(detail, sizeof(detail), "{\"client_id\": \"%s\", \"mode\": \"card\"}", w.client);
    assert_int_equal(idp_store_audit(s, "step_up", w.resident, detail), IDP_OK);
    assert_int_equal(idp_store_audit(s, "login", w.resident, detail), IDP_OK); /* not a step-up */
    assert_int_equal(idp_store_stat_count(s, w.client, "error", "access_denied"), IDP_OK);
    assert_int_equal(idp_store_stat_count(s, w.client, "error", "access_denied"), IDP_OK);
    assert_int_equal(idp_store_stat_count(s, w.client, "error", "invalid_scope"), IDP_OK);
    assert_int_equal(stat_of(s, w.client, "sign_in", ""), 1);
    assert_int_equal(stat_of(s, w.client, "consent", ""), 1);
    assert_int_equal(stat_of(s, w.client, "refusal", ""), 1);
    assert_int_equal(stat_of(s, w.client, "withdrawal", ""), 1);
    assert_int_equal(stat_of(s, w.client, "step_up", ""), 1);
    assert_int_equal(stat_of(s, w.client, "error", "access_denied"), 2);
    assert_int_equal(stat_of(s, w.client, "error", "invalid_scope"), 1);
    /* one day, in Japan */
    idp_store_stat_t *rows = NULL;
    size_t n = 0;
    assert_int_equal(idp_store_client_stats(s, w.client, "2000-01-01", "9999-12-31", &rows, &n), IDP_OK);
    assert_int_equal(n, 7);
    time_t t = time(NULL) + 9 * 3600;
    struct tm tm;
    char today[11];
    gmtime_r(&t, &tm);
    strftime(today, sizeof(today), "%Y-%m-%d", &tm);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(rows[i].day, today);
    free(rows);
    assert_int_equal(idp_store_client_stats(s, w.client, "2000-01-01", "2000-01-02", &rows, &n), IDP_OK);
    assert_int_equal(n, 0);
    free(rows);
}

/*
 * Outreach (issue #22): a generated population against the brute-force rule (idp_store_outreach_match), for
 * counts, differences, the snapshot and its pages with their ledger rows, and an opt-out. On store/pg this
 * checks the SQL of MATCH against the C rule.
 */
static void outreach_segments_match_the_rule(void **state)
{
    idp_store_t *s = *state;
    enum { N = 60 };
    static const char *const wards[] = {"南区", "北区", "堺区", ""};     /* not text: wards as the card names them */
    static const char *const districts[] = {"浅香山小", "三国丘小", ""}; /* not text: school districts */
    char rids[N][64];
    idp_store_outreach_profile_t ps[N];
    unsigned bits[N];
    unsigned char r[N * 8];
    assert_int_equal(idp_random_bytes(r, sizeof(r)), IDP_OK);
    for (int i = 0; i < N; i++) {
        const unsigned char *x = &r[i * 8];
        char serial[64];
        fresh_id(serial, sizeof(serial), "serial");
        fresh_id(rids[i], sizeof(rids[i]), "outreach");
        idp_store_card_cert_t cert = {
            .purpose = "auth", .issuer_key_id = "dd", .serial = serial, .not_after = 4102444800LL};
        fresh_hash(cert.sha256);
        bool created;
        char got[64];
        assert_int_equal(idp_store_card_resident(s, &cert, rids[i], got, &created), IDP_OK);
        idp_store_outreach_profile_t *p = &ps[i];
        memset(p, 0, sizeof(*p));
        p->birth_month = x[0] % 5 ? 1950 * 12 + x[1] % 240 + (x[0] % 3) * 120 : 0; /* some unknown */
        p->gender = x[2] % 3;
        snprintf(p->ward, sizeof(p->ward), "%s", wards[x[3] % 4]);
        p->sakai_resident = p->ward[0] != 0;
        snprintf(p->school_district, sizeof(p->school_district), "%s", districts[x[4] % 3]);
        p->nchildren = x[5] % 3;
        for (size_t c = 0; c < p->nchildren; c++)
            p->children[c] = 2020 * 12 + (x[6 + c] % 72);
        bits[i] = 0;
        for (unsigned b = 0; b < 3; b++) {
            if (!((x[7] >> b) & 1))
                continue;
            bool changed = false;
            char cat[16];
            snprintf(cat, sizeof(cat), "cat%u", b);
            assert_int_equal(idp_store_outreach_optin_set(s, rids[i], 1u << b, cat, true, p, "age ward", &changed),
                             IDP_OK);
            assert_true(changed);
            bits[i] |= 1u << b;
        }
        unsigned got_bits;
        assert_int_equal(idp_store_outreach_optins(s, rids[i], &got_bits), IDP_OK);
        assert_int_equal(got_bits, bits[i]);
    }
    idp_store_outreach_criteria_t cs[5];
    memset(cs, 0, sizeof(cs));
    for (int k = 0; k < 5; k++) {
        cs[k].category_bit = 1u << (k % 3);
        cs[k].sakai_resident = -1;
    }
    cs[1].gender = 1;
    snprintf(cs[1].wards[0], 32, "南区"); /* not text: a ward */
    snprintf(cs[1].wards[1], 32, "北区"); /* not text: a ward */
    cs[1].nwards = 2;
    cs[2].birth_from = 1960 * 12;
    cs[2].birth_to = 1979 * 12 + 11;
    cs[2].sakai_resident = 1;
    cs[3].child_from = 2022 * 12;
    cs[3].child_to = 2023 * 12 + 11;
    snprintf(cs[3].districts[0], 256, "浅香山小"); /* not text: a school district */
    cs[3].ndistricts = 1;
    cs[4].sakai_resident = 0;
    cs[4].gender = 2;
    long long want[5] = {0};
    for (int k = 0; k < 5; k++) {
        for (int i = 0; i < N; i++)
            want[k] += idp_store_outreach_match(&cs[k], bits[i], &ps[i]);
        long long n = -1;
        assert_int_equal(idp_store_outreach_count(s, &cs[k], &n), IDP_OK);
        assert_int_equal(n, want[k]);
    }
    /* the differences from segment 0 to ten others, across store/pg's batches of eight */
    idp_store_outreach_criteria_t others[10];
    long long diffs[10];
    for (int k = 0; k < 10; k++)
        others[k] = cs[(k + 1) % 5];
    assert_int_equal(idp_store_outreach_differences(s, &cs[0], others, 10, diffs), IDP_OK);
    for (int k = 0; k < 10; k++) {
        long long want_diff = 0;
        for (int i = 0; i < N; i++)
            want_diff += idp_store_outreach_match(&cs[0], bits[i], &ps[i]) !=
                         idp_store_outreach_match(&others[k], bits[i], &ps[i]);
        assert_int_equal(diffs[k], want_diff);
    }
    assert_int_equal(diffs[4], 0); /* cs[0] against itself */

    /* a snapshot of segment 0: its members are exactly those the rule picks; under a minimum nothing is written */
    idp_store_outreach_segment_t seg = {.created_at = 0};
    fresh_id(seg.id, sizeof(seg.id), "seg");
    snprintf(seg.category, sizeof(seg.category), "cat0");
    snprintf(seg.name, sizeof(seg.name), "everyone in cat0");
    snprintf(seg.created_by, sizeof(seg.created_by), "resident:x");
    assert_int_equal(idp_store_outreach_segment_insert(s, &seg), IDP_OK);
    assert_int_equal(idp_store_outreach_segment_insert(s, &seg), IDP_E_CONFLICT);
    idp_store_outreach_campaign_t camp = {.members = 0};
    fresh_id(camp.id, sizeof(camp.id), "camp");
    snprintf(camp.segment_id, sizeof(camp.segment_id), "%s", seg.id);
    snprintf(camp.category, sizeof(camp.category), "cat0");
    snprintf(camp.created_by, sizeof(camp.created_by), "resident:x");
    assert_int_equal(idp_store_outreach_campaign_create(s, &camp, &cs[0], want[0] + 1), IDP_E_CONFLICT);
    idp_store_outreach_campaign_t *rows = NULL;
    size_t nrows = 0;
    assert_int_equal(idp_store_outreach_campaigns(s, camp.id, NULL, 1, &rows, &nrows), IDP_E_NOT_FOUND);
    assert_int_equal(idp_store_outreach_campaign_create(s, &camp, &cs[0], 1), want[0] >= 1 ? IDP_OK : IDP_E_CONFLICT);
    if (want[0] < 2)
        return; /* 60 residents with a one-in-two opt-in: not in practice */
    assert_int_equal(camp.members, want[0]);
    /* one member opts out before the portal fetched anything: out of the campaign, and a "revoke" in the ledger */
    int leaver = -1;
    for (int i = 0; i < N && leaver < 0; i++)
        if (idp_store_outreach_match(&cs[0], bits[i], &ps[i]))
            leaver = i;
    bool changed = false;
    assert_int_equal(
        idp_store_outreach_optin_set(s, rids[leaver], 1u, "cat0", false, &ps[leaver], "age ward", &changed), IDP_OK);
    assert_true(changed);
    assert_int_equal(
        idp_store_outreach_optin_set(s, rids[leaver], 1u, "cat0", false, &ps[leaver], "age ward", &changed), IDP_OK);
    assert_false(changed); /* already off: nothing written */
    /* pages of 7: every remaining member once, in order, each released once with a ledger row */
    char after[64] = "", seen[N][64];
    size_t nseen = 0;
    for (;;) {
        char(*page)[64] = NULL;
        size_t n = 0;
        assert_int_equal(idp_store_outreach_members_page(s, camp.id, after, 7, "portal", &page, &n), IDP_OK);
        for (size_t i = 0; i < n; i++) {
            assert_true(nseen == 0 || strcmp(seen[nseen - 1], page[i]) < 0);
            assert_string_not_equal(page[i], rids[leaver]);
            snprintf(seen[nseen++], 64, "%s", page[i]);
        }
        if (n)
            snprintf(after, sizeof(after), "%s", page[n - 1]);
        free(page);
        if (n < 7)
            break;
    }
    assert_int_equal((long long)nseen, want[0] - 1);
    assert_int_equal(idp_store_outreach_campaigns(s, camp.id, NULL, 1, &rows, &nrows), IDP_OK);
    assert_int_equal(rows[0].members, want[0]);
    assert_int_equal(rows[0].released, want[0] - 1);
    free(rows);
    idp_store_ledger_row_t *lr = NULL;
    size_t nl = 0;
    assert_int_equal(idp_store_ledger_rows(s, seen[0], &lr, &nl), IDP_OK);
    size_t releases = 0;
    for (size_t i = 0; i < nl; i++)
        releases += !strcmp(lr[i].action, "release") && !strcmp(lr[i].client_id, "portal");
    assert_int_equal(releases, 1);
    idp_store_ledger_rows_free(lr, nl);
    /* fetched again: the same members, no second release */
    char(*again)[64] = NULL;
    size_t n2 = 0;
    assert_int_equal(idp_store_outreach_members_page(s, camp.id, "", 1, "portal", &again, &n2), IDP_OK);
    assert_int_equal(n2, 1);
    assert_string_equal(again[0], seen[0]);
    free(again);
    assert_int_equal(idp_store_ledger_rows(s, seen[0], &lr, &nl), IDP_OK);
    releases = 0;
    for (size_t i = 0; i < nl; i++)
        releases += !strcmp(lr[i].action, "release");
    assert_int_equal(releases, 1);
    idp_store_ledger_rows_free(lr, nl);
    /* the whole ledger still chains */
    assert_int_equal(idp_store_ledger_rows(s, NULL, &lr, &nl), IDP_OK);
    long long bad;
    const char *why;
    assert_true(idp_store_ledger_verify(lr, nl, &bad, &why));
    idp_store_ledger_rows_free(lr, nl);
    /* the resident sees the campaign; the leaver does not */
    idp_store_outreach_inclusion_t *inc = NULL;
    size_t ni = 0;
    assert_int_equal(idp_store_outreach_inclusions(s, seen[0], &inc, &ni), IDP_OK);
    assert_int_equal(ni, 1);
    assert_string_equal(inc[0].campaign_id, camp.id);
    assert_true(inc[0].released_at > 0);
    free(inc);
    assert_int_equal(idp_store_outreach_inclusions(s, rids[leaver], &inc, &ni), IDP_OK);
    assert_int_equal(ni, 0);
    free(inc);
    /* counted again, the leaver is gone from category 0 */
    long long n = -1;
    assert_int_equal(idp_store_outreach_count(s, &cs[0], &n), IDP_OK);
    assert_int_equal(n, want[0] - 1);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "pg")) {
        pg_url = argc >= 3 && argv[2][0] ? argv[2] : NULL;
        if (pg_url == NULL) {
            fprintf(stderr, "no database (run ./scripts/test): skipped\n");
            return 77;
        }
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(code_is_spent_once_and_a_replay_revokes_its_grant),
        cmocka_unit_test(outreach_segments_match_the_rule),
        cmocka_unit_test(code_of_another_client_redirect_or_verifier_changes_nothing),
        cmocka_unit_test(code_expired_or_unknown_is_unknown),
        cmocka_unit_test(grant_ends_with_its_session),
        cmocka_unit_test(code_exchange_spends_once_with_its_rows),
        cmocka_unit_test(code_exchange_leaves_the_rest_unchanged),
        cmocka_unit_test(usual_redemption_and_refresh_are_one_statement_each),
        cmocka_unit_test(refresh_rotates_and_a_replay_revokes_the_family),
        cmocka_unit_test(application_signatures_are_kept_and_bound),
        cmocka_unit_test(grant_dpop_binding_is_kept),
        cmocka_unit_test(access_token_expires_and_revokes),
        cmocka_unit_test(assertion_jti_is_used_once),
        cmocka_unit_test(login_tx_is_continued_once),
        cmocka_unit_test(consent_step_keeps_the_sign_in),
        cmocka_unit_test(login_tx_expires),
        cmocka_unit_test(card_challenge_is_taken_once),
        cmocka_unit_test(card_verified_writes_the_whole_record_once),
        cmocka_unit_test(card_verified_fails_part_way_and_leaves_nothing),
        cmocka_unit_test(card_verified_keeps_a_card_nobody_holds_in_the_login),
        cmocka_unit_test(consent_is_recorded_chained_and_revoked),
        cmocka_unit_test(session_authz_reads_session_attributes_and_consent),
        cmocka_unit_test(audit_appends_newest_first),
        cmocka_unit_test(clients_insert_once_update_and_delete),
        cmocka_unit_test(registration_takes_one_use_per_client),
        cmocka_unit_test(expired_or_revoked_tokens_register_nothing),
        cmocka_unit_test(sandbox_and_test_residents),
        cmocka_unit_test(admin_changes_are_logged_in_one_chain),
        cmocka_unit_test(portal_changes_are_logged_too),
        cmocka_unit_test(key_schedules_are_claimed_once),
        cmocka_unit_test(upstream_changes_are_logged),
        cmocka_unit_test(pushed_requests_are_taken_once),
        cmocka_unit_test(statistics_count_the_events),
        cmocka_unit_test(card_certificate_belongs_to_one_resident),
        cmocka_unit_test(card_channel_attributes_name_their_evidence),
        cmocka_unit_test(verified_attributes_are_replaced_and_found_by_match_key),
        cmocka_unit_test(renewed_card_follows_linkage_and_pairs_must_agree),
        cmocka_unit_test(logout_deliveries_are_leased_retried_and_finished),
        cmocka_unit_test(upstreams_are_kept_by_id),
        cmocka_unit_test(household_is_empty_until_put_and_then_replaced),
        cmocka_unit_test(upstream_state_is_taken_once),
        cmocka_unit_test(social_identity_belongs_to_one_resident_and_the_last_credential_stays),
    };
    return cmocka_run_group_tests_name(pg_url ? "store_contract_pg" : "store_contract_mem", tests, open_store,
                                       close_store);
}

/*
 * The client cache of the protocol core (idp/oauth/clients.c, issue #16 §4)
 * on the memory store: a hit is the same typed struct with no store call; a
 * change written through the store reaches the next request (a new secret,
 * a deleted client); a row read before a change is not kept; nothing is
 * kept while the watch is not live; a row that no longer validates is
 * refused with server_error.
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

#include <openssl/evp.h>

#include "core/rand.h"
#include "oauth/clients.h"
#include "oauth_fixture.h"

#define CC "rp-cache-backend"

/* The store's clients table with client_get counted, and a change made inside it (a racing writer). */
static const idp_store_clients_ops_t *real;
static int gets;
static const char *race_secret; /* when set: the next read is followed by a rotation to this secret */

static idp_err_t counted_get(idp_store_t *s, const char *client_id, idp_store_client_t *out)
{
    gets++;
    idp_err_t e = real->client_get(s, client_id, out);
    if (e == IDP_OK && race_secret) {
        /* committed (and notified) after our read, before our caller keeps what it read */
        unsigned char h[32];
        idp_sha256(race_secret, strlen(race_secret), h);
        race_secret = NULL;
        assert_int_equal(idp_store_client_update(s, client_id, NULL, h, false), IDP_OK);
    }
    return e;
}

static idp_store_clients_ops_t counting;

static void count_gets(fixture_t *f)
{
    real = f->store->ops_clients;
    counting = *real;
    counting.client_get = counted_get;
    f->store->ops_clients = &counting;
    gets = 0;
    race_secret = NULL;
}

static int setup(void **state)
{
    if (fixture_setup(state) != 0)
        return -1;
    fixture_t *f = *state;
    json_t *in = json_loads("{\"client_name\":\"b\",\"token_endpoint_auth_method\":\"client_secret_basic\","
                            "\"scope\":\"api\",\"grant_types\":[\"client_credentials\"]}",
                            0, NULL),
           *meta = NULL;
    char err[256] = "";
    assert_int_equal(idp_client_meta_validate(in, &meta, err, sizeof(err)), IDP_OK);
    char *text = json_dumps(meta, JSON_COMPACT);
    idp_store_client_t c = {.client_id = CC, .metadata = text, .has_secret = true};
    idp_sha256("secret-one", strlen("secret-one"), c.secret_hash);
    assert_int_equal(idp_store_client_insert(f->store, &c), IDP_OK);
    free(text);
    json_decref(in);
    json_decref(meta);
    count_gets(f);
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    f->store->ops_clients = real;
    return fixture_teardown(state);
}

/* The token endpoint's status for client_credentials with Basic CC:@p secret. */
static int token_with(fixture_t *f, const char *secret)
{
    char pair[160], auth[256];
    snprintf(pair, sizeof(pair), "%s:%s", CC, secret);
    memcpy(auth, "Basic ", 6);
    EVP_EncodeBlock((unsigned char *)auth + 6, (const unsigned char *)pair, (int)strlen(pair));
    idp_oauth_resp_t resp;
    json_t *j = fixture_call(f, IDP_EP_TOKEN, "grant_type=client_credentials&scope=api", auth, &resp);
    json_decref(j);
    return resp.status;
}

static void a_hit_is_the_same_client_without_the_store(void **state)
{
    fixture_t *f = *state;
    const idp_client_t *a = NULL, *b = NULL;
    unsigned long hits0, misses0, hits, misses;
    idp_oauth_client_stats(f->o, &hits0, &misses0);
    assert_int_equal(idp_clients_get(f->o, CC, &a), IDP_OK);
    assert_int_equal(gets, 1);
    assert_int_equal(idp_clients_get(f->o, CC, &b), IDP_OK);
    assert_int_equal(gets, 1); /* no store call */
    assert_ptr_equal(a, b);    /* no copy: the one struct, one more reference */
    assert_string_equal(b->scope, "api");
    idp_client_unref(a);
    idp_client_unref(b);
    idp_oauth_client_stats(f->o, &hits, &misses);
    assert_int_equal(hits - hits0, 1);
    assert_int_equal(misses - misses0, 1);
    /* through the endpoint too: the requests after the first read no row */
    assert_int_equal(token_with(f, "secret-one"), 200);
    assert_int_equal(token_with(f, "secret-one"), 200);
    assert_int_equal(gets, 1);
}

static void a_change_through_the_store_reaches_the_next_request(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(token_with(f, "secret-one"), 200); /* cached now */
    unsigned char h[32];
    idp_sha256("secret-two", strlen("secret-two"), h);
    assert_int_equal(idp_store_client_update(f->store, CC, NULL, h, false), IDP_OK);
    assert_int_equal(token_with(f, "secret-one"), 401); /* the old secret, refused at once */
    assert_int_equal(token_with(f, "secret-two"), 200);
    assert_int_equal(gets, 2); /* read again once after the change, then cached again */
    assert_int_equal(token_with(f, "secret-two"), 200);
    assert_int_equal(gets, 2);
    assert_int_equal(idp_store_client_delete(f->store, CC), IDP_OK);
    assert_int_equal(token_with(f, "secret-two"), 401); /* a deleted client is refused */
    const idp_client_t *c = NULL;
    assert_int_equal(idp_clients_get(f->o, CC, &c), IDP_E_NOT_FOUND);
    assert_null(c);
}

/* A lookup that read the row before a change committed keeps nothing: the next one reads the new row. */
static void a_stale_read_is_not_kept(void **state)
{
    fixture_t *f = *state;
    const idp_client_t *c = NULL;
    race_secret = "secret-raced";
    assert_int_equal(idp_clients_get(f->o, CC, &c), IDP_OK); /* the row as it was read: the old secret */
    idp_client_unref(c);
    assert_int_equal(gets, 1);
    assert_int_equal(token_with(f, "secret-one"), 401); /* not answered from the stale struct */
    assert_int_equal(gets, 2);
    assert_int_equal(token_with(f, "secret-raced"), 200);
    assert_int_equal(gets, 2); /* the fresh read was kept */
}

/* store/pg's listener disconnected: every lookup reads the store until it listens again (and starts empty). */
static void nothing_is_kept_while_the_watch_is_down(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(token_with(f, "secret-one"), 200);
    idp_clients_changed(f->o->clients, NULL, false);
    assert_int_equal(token_with(f, "secret-one"), 200);
    assert_int_equal(token_with(f, "secret-one"), 200);
    assert_int_equal(gets, 3);
    idp_clients_changed(f->o->clients, NULL, true);
    assert_int_equal(token_with(f, "secret-one"), 200);
    assert_int_equal(token_with(f, "secret-one"), 200);
    assert_int_equal(gets, 4);
}

/* Fail closed: a row whose metadata no longer validates is not used; the client gets server_error. */
static void a_row_that_does_not_validate_is_refused(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(idp_store_client_update(f->store, CC, "{\"client_name\":\"b\",\"no_such_field\":1}", NULL, false),
                     IDP_OK);
    idp_oauth_resp_t resp;
    char pair[160], auth[256];
    snprintf(pair, sizeof(pair), "%s:%s", CC, "secret-one");
    memcpy(auth, "Basic ", 6);
    EVP_EncodeBlock((unsigned char *)auth + 6, (const unsigned char *)pair, (int)strlen(pair));
    json_t *j = fixture_call(f, IDP_EP_TOKEN, "grant_type=client_credentials&scope=api", auth, &resp);
    assert_int_equal(resp.status, 500);
    assert_string_equal(fixture_str(j, "error"), "server_error");
    assert_null(json_object_get(j, "access_token"));
    json_decref(j);
    const idp_client_t *c = NULL;
    assert_int_equal(idp_clients_get(f->o, CC, &c), IDP_E_SERVER_ERROR);
    assert_null(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_hit_is_the_same_client_without_the_store, setup, teardown),
        cmocka_unit_test_setup_teardown(a_change_through_the_store_reaches_the_next_request, setup, teardown),
        cmocka_unit_test_setup_teardown(a_stale_read_is_not_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(nothing_is_kept_while_the_watch_is_down, setup, teardown),
        cmocka_unit_test_setup_teardown(a_row_that_does_not_validate_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

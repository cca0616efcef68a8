/*
 * idp/revocation/operator.c: the platform operator's revocation API, with a
 * fake transport (net/http_client.h's seam) playing the operator and a fake
 * clock for the cache and the breaker. The certificates are the test cards
 * of keys/jpki-test-ca (ctest fixture jpki_material).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "revocation/operator.h"

#define AT 1700000000LL /* the verification time */

static const char *dir; /* the material */

/* ---- the fake operator --------------------------------------------------------------- */

typedef enum { GOOD, REVOKED, UNKNOWN, STALE, OTHER_CERT, MALFORMED, NO_ANSWER, HTTP_500, FUTURE } mode_t_;

typedef struct {
    _Atomic mode_t_ mode;
    atomic_int calls;
    atomic_int delay_ms;
    long timeout_ms;         /* of the last request */
    char body[512];          /* of the last request */
    char bearer[64];         /* of the last request */
    idp_net_method_t method; /* of the last request */
    pthread_mutex_t mu;
} fake_t;

static fake_t fake;

/* Answers as the contract says (docs/card.md), about the certificate asked about unless told otherwise. */
static idp_err_t operator_fake(const idp_net_t *net, const idp_net_req_t *req, idp_net_resp_t *resp, char *err,
                               size_t errlen)
{
    fake_t *f = net->ctx;
    atomic_fetch_add(&f->calls, 1);
    pthread_mutex_lock(&f->mu);
    snprintf(f->body, sizeof(f->body), "%s", req->form ? req->form : "");
    snprintf(f->bearer, sizeof(f->bearer), "%s", req->bearer ? req->bearer : "");
    f->timeout_ms = req->timeout_ms;
    f->method = req->method;
    pthread_mutex_unlock(&f->mu);
    if (atomic_load(&f->delay_ms) > 0)
        usleep((useconds_t)atomic_load(&f->delay_ms) * 1000);
    mode_t_ m = atomic_load(&f->mode);
    if (m == NO_ANSWER) {
        snprintf(err, errlen, "Timeout was reached");
        return IDP_E_UNAVAILABLE;
    }
    resp->status = m == HTTP_500 ? 500 : 200;
    json_t *q = json_loads(req->form, 0, NULL);
    assert_non_null(q);
    const char *ikid = json_string_value(json_object_get(q, "issuer_key_id"));
    const char *serial = json_string_value(json_object_get(q, "serial"));
    assert_non_null(ikid);
    assert_non_null(serial);
    char text[512];
    if (m == MALFORMED)
        snprintf(text, sizeof(text), "{\"issuer_key_id\":\"%s\",\"serial\":\"%s\",\"status\":\"good\"", ikid, serial);
    else
        snprintf(text, sizeof(text),
                 "{\"issuer_key_id\":\"%s\",\"serial\":\"%s%s\",\"status\":\"%s\",\"source_updated_at\":%lld%s}", ikid,
                 serial, m == OTHER_CERT ? "01" : "",
                 m == REVOKED   ? "revoked"
                 : m == UNKNOWN ? "unknown"
                                : "good",
                 m == STALE    ? AT - 86400 * 3
                 : m == FUTURE ? AT + 3600
                               : AT - 600,
                 m == REVOKED ? ",\"revoked_at\":1690000000,\"reason\":\"keyCompromise\"" : "");
    json_decref(q);
    return idp_buf_append(&resp->body, text, strlen(text));
}

static long long now_ms;
static long long fake_clock(void)
{
    return now_ms;
}

static idp_net_t fake_net = {.transport = operator_fake, .ctx = &fake};

static idp_revocation_operator_opts_t opts(void)
{
    idp_revocation_operator_opts_t o = {.url = "https://operator.example/v1/revocation",
                                        .api_key = "k-123",
                                        .cache_seconds = 300,
                                        .max_data_age_seconds = 86400,
                                        .timeout_ms = 700,
                                        .breaker_failures = 3,
                                        .breaker_seconds = 30,
                                        .cache_entries = 64,
                                        .net = &fake_net,
                                        .clock_ms = fake_clock};
    return o;
}

static idp_jpki_revocation_t *source(const idp_revocation_operator_opts_t *o)
{
    idp_jpki_revocation_t *rev = NULL;
    char err[256];
    assert_int_equal(idp_revocation_operator_new(o, &rev, err, sizeof(err)), IDP_OK);
    return rev;
}

static X509 *card(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/cards/%s/auth.pem", dir, name);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    return x;
}

static int setup(void **state)
{
    (void)state;
    memset(&fake, 0, sizeof(fake));
    pthread_mutex_init(&fake.mu, NULL);
    now_ms = 1000000;
    return 0;
}

static idp_jpki_reason_t check(idp_jpki_revocation_t *rev, X509 *x)
{
    return rev->check(rev, x, NULL, (time_t)AT);
}

static idp_revocation_operator_stats_t stats(idp_jpki_revocation_t *rev)
{
    idp_revocation_operator_stats_t s;
    idp_revocation_operator_stats(rev, &s);
    return s;
}

/* ---- answers ------------------------------------------------------------------------- */

static void test_operator_good_card_is_ok_and_only_its_id_is_sent(void **state)
{
    (void)state;
    idp_revocation_operator_opts_t o = opts();
    idp_jpki_revocation_t *rev = source(&o);
    X509 *x = card("sakai-taro");
    assert_int_equal(check(rev, x), IDP_JPKI_OK);
    assert_int_equal(atomic_load(&fake.calls), 1);
    assert_int_equal(fake.method, IDP_NET_POST_JSON);
    assert_string_equal(fake.bearer, "k-123");
    assert_int_equal(fake.timeout_ms, 700);
    /* the question names the certificate by its issuer's key id and serial, and carries nothing else */
    json_t *q = json_loads(fake.body, 0, NULL);
    assert_non_null(q);
    assert_int_equal(json_object_size(q), 2);
    char want[80];
    const ASN1_OCTET_STRING *akid = X509_get0_authority_key_id(x);
    for (int i = 0; i < ASN1_STRING_length(akid); i++)
        snprintf(want + 2 * i, 3, "%02X", ASN1_STRING_get0_data(akid)[i]);
    assert_string_equal(json_string_value(json_object_get(q, "issuer_key_id")), want);
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *sn = BN_bn2hex(bn);
    assert_string_equal(json_string_value(json_object_get(q, "serial")), sn[0] == '0' && sn[1] ? sn + 1 : sn);
    OPENSSL_free(sn);
    BN_free(bn);
    json_decref(q);
    X509_free(x);
    rev->free(rev);
}

static void test_operator_revoked_card_is_revoked(void **state)
{
    (void)state;
    idp_revocation_operator_opts_t o = opts();
    idp_jpki_revocation_t *rev = source(&o);
    X509 *x = card("revoked");
    atomic_store(&fake.mode, REVOKED);
    assert_int_equal(check(rev, x), IDP_JPKI_REVOKED);
    X509_free(x);
    rev->free(rev);
}

/* Each answer that is not good or revoked for our certificate, within the maximum age, fails closed. */
static void test_operator_fails_closed(void **state)
{
    (void)state;
    static const struct {
        mode_t_ mode;
        bool failure; /* counts against the breaker */
    } cases[] = {{UNKNOWN, false},  {STALE, false},   {OTHER_CERT, true}, {MALFORMED, true},
                 {NO_ANSWER, true}, {HTTP_500, true}, {FUTURE, true}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        idp_revocation_operator_opts_t o = opts();
        o.breaker_failures = 100;
        idp_jpki_revocation_t *rev = source(&o);
        X509 *x = card("sakai-taro");
        atomic_store(&fake.mode, cases[i].mode);
        assert_int_equal(check(rev, x), IDP_JPKI_REVOCATION_UNKNOWN);
        idp_revocation_operator_stats_t s = stats(rev);
        assert_int_equal(s.failures, cases[i].failure ? 1 : 0);
        assert_int_equal(s.stale, cases[i].mode == STALE ? 1 : 0);
        /* unknown is never reused: the next check asks again */
        int before = atomic_load(&fake.calls);
        assert_int_equal(check(rev, x), IDP_JPKI_REVOCATION_UNKNOWN);
        assert_int_equal(atomic_load(&fake.calls), before + 1);
        X509_free(x);
        rev->free(rev);
    }
}

static void test_operator_parse_checks_the_contract(void **state)
{
    (void)state;
    idp_revocation_answer_t a;
#define PARSE(text) idp_revocation_operator_parse(text, strlen(text), "AB01", "0F", (time_t)AT, 3600, &a)
    PARSE("{\"issuer_key_id\":\"ab01\",\"serial\":\"000f\",\"status\":\"good\",\"source_updated_at\":1699999000}");
    assert_int_equal(a.status, IDP_JPKI_OK); /* hex in any case, a serial with leading zeros */
    PARSE("{\"issuer_key_id\":\"AB01\",\"serial\":\"F\",\"status\":\"revoked\",\"source_updated_at\":1699999000,"
          "\"revoked_at\":1600000000,\"reason\":\"superseded\",\"extra\":[1]}");
    assert_int_equal(a.status, IDP_JPKI_REVOKED);
    assert_int_equal(a.revoked_at, 1600000000);
    assert_string_equal(a.reason, "superseded");
    static const char *const refused[] = {
        "",
        "[]",
        "{\"issuer_key_id\":\"AB01\",\"serial\":\"F\",\"status\":\"good\"}",
        "{\"issuer_key_id\":\"AB01\",\"serial\":\"F\",\"status\":\"good\",\"source_updated_at\":\"1699999000\"}",
        "{\"issuer_key_id\":\"AB01\",\"serial\":\"F\",\"status\":\"GOOD\",\"source_updated_at\":1699999000}",
        "{\"issuer_key_id\":\"AB01\",\"serial\":\"F\",\"status\":\"ok\",\"source_updated_at\":1699999000}",
        "{\"issuer_key_id\":\"AB02\",\"serial\":\"F\",\"status\":\"good\",\"source_updated_at\":1699999000}",
        "{\"issuer_key_id\":\"AB01\",\"serial\":\"F0\",\"status\":\"good\",\"source_updated_at\":1699999000}",
        "{\"issuer_key_id\":\"0AB01\",\"serial\":\"F\",\"status\":\"good\",\"source_updated_at\":1699999000}",
        "{\"issuer_key_id\":\"AB01\",\"status\":\"good\",\"source_updated_at\":1699999000}",
        "{\"issuer_key_id\":\"AB01\",\"serial\":\"F\",\"status\":\"good\",\"source_updated_at\":1699999000,"
        "\"status\":\"revoked\"}",
        "{\"issuer_key_id\":\"AB01\",\"serial\":\"F\",\"status\":\"revoked\",\"source_updated_at\":1699999000,"
        "\"revoked_at\":\"yesterday\"}",
        "{\"issuer_key_id\":\"AB01\",\"serial\":\"F\",\"status\":\"good\",\"source_updated_at\":1699990000}",
        "{\"issuer_key_id\":\"AB01\",\"serial\":\"F\",\"status\":\"good\",\"source_updated_at\":1700001000}",
        NULL};
    for (size_t i = 0; refused[i]; i++) {
        PARSE(refused[i]);
        assert_int_equal(a.status, IDP_JPKI_REVOCATION_UNKNOWN);
        assert_true(a.detail[0] != '\0');
    }
#undef PARSE
}

/* ---- the cache ----------------------------------------------------------------------- */

static void test_operator_cache_hit_does_not_call_the_operator(void **state)
{
    (void)state;
    idp_revocation_operator_opts_t o = opts();
    idp_jpki_revocation_t *rev = source(&o);
    X509 *good = card("sakai-taro"), *revoked = card("revoked");
    assert_int_equal(check(rev, good), IDP_JPKI_OK);
    atomic_store(&fake.mode, REVOKED);
    assert_int_equal(check(rev, revoked), IDP_JPKI_REVOKED);
    assert_int_equal(atomic_load(&fake.calls), 2);
    now_ms += 299 * 1000;
    assert_int_equal(check(rev, good), IDP_JPKI_OK); /* from the cache, although the operator would say revoked */
    assert_int_equal(check(rev, revoked), IDP_JPKI_REVOKED);
    assert_int_equal(atomic_load(&fake.calls), 2);
    assert_int_equal(stats(rev).cache_hits, 2);
    now_ms += 2 * 1000; /* past operator_cache_seconds: asked again */
    assert_int_equal(check(rev, good), IDP_JPKI_REVOKED);
    assert_int_equal(atomic_load(&fake.calls), 3);
    X509_free(good);
    X509_free(revoked);
    rev->free(rev);
}

/* A cached answer whose data has grown older than the maximum age at the verification time is not used. */
static void test_operator_cache_respects_the_data_age(void **state)
{
    (void)state;
    idp_revocation_operator_opts_t o = opts();
    idp_jpki_revocation_t *rev = source(&o);
    X509 *x = card("sakai-taro");
    assert_int_equal(check(rev, x), IDP_JPKI_OK);                                  /* data 600 s old, at most 86400 */
    assert_int_equal(rev->check(rev, x, NULL, (time_t)(AT + 85000)), IDP_JPKI_OK); /* 85600 s: from the cache */
    assert_int_equal(atomic_load(&fake.calls), 1);
    /* a day later the cached data is too old: asked again (and the fake's data is as old, so: unknown) */
    assert_int_equal(rev->check(rev, x, NULL, (time_t)(AT + 86400)), IDP_JPKI_REVOCATION_UNKNOWN);
    assert_int_equal(atomic_load(&fake.calls), 2);
    X509_free(x);
    rev->free(rev);
}

/* ---- single flight ------------------------------------------------------------------- */

typedef struct {
    idp_jpki_revocation_t *rev;
    X509 *x;
    idp_jpki_reason_t r;
} job_t;

static void *run(void *arg)
{
    job_t *j = arg;
    j->r = check(j->rev, j->x);
    return NULL;
}

static void test_operator_single_flight_one_call_for_two_threads(void **state)
{
    (void)state;
    idp_revocation_operator_opts_t o = opts();
    idp_jpki_revocation_t *rev = source(&o);
    X509 *x = card("sakai-taro");
    atomic_store(&fake.delay_ms, 300);
    job_t a = {rev, x, IDP_JPKI__COUNT}, b = {rev, x, IDP_JPKI__COUNT};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, run, &a), 0);
    usleep(80 * 1000); /* a's call is under way */
    assert_int_equal(pthread_create(&tb, NULL, run, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.r, IDP_JPKI_OK);
    assert_int_equal(b.r, IDP_JPKI_OK);
    assert_int_equal(atomic_load(&fake.calls), 1);
    assert_int_equal(stats(rev).waited, 1);
    X509_free(x);
    rev->free(rev);
}

/* A waiter does not wait past the call's own bound: a call that hangs longer fails it closed. */
static void test_operator_single_flight_waits_a_bounded_time(void **state)
{
    (void)state;
    idp_revocation_operator_opts_t o = opts();
    o.timeout_ms = 100;
    idp_jpki_revocation_t *rev = source(&o);
    X509 *x = card("sakai-taro");
    atomic_store(&fake.delay_ms, 1200); /* a transport that ignores its timeout */
    job_t a = {rev, x, IDP_JPKI__COUNT}, b = {rev, x, IDP_JPKI__COUNT};
    pthread_t ta;
    assert_int_equal(pthread_create(&ta, NULL, run, &a), 0);
    usleep(50 * 1000);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    b.r = check(rev, x);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_int_equal(b.r, IDP_JPKI_REVOCATION_UNKNOWN);
    assert_true(ms >= 300 && ms < 800); /* timeout_ms + 250 ms */
    pthread_join(ta, NULL);
    assert_int_equal(a.r, IDP_JPKI_OK);
    X509_free(x);
    rev->free(rev);
}

/* ---- the breaker --------------------------------------------------------------------- */

static void test_operator_breaker_opens_then_half_opens(void **state)
{
    (void)state;
    idp_revocation_operator_opts_t o = opts(); /* 3 failures, 30 s */
    idp_jpki_revocation_t *rev = source(&o);
    X509 *x = card("sakai-taro"), *y = card("kita-hanako");
    atomic_store(&fake.mode, NO_ANSWER);
    for (int i = 0; i < 3; i++)
        assert_int_equal(check(rev, x), IDP_JPKI_REVOCATION_UNKNOWN);
    assert_int_equal(atomic_load(&fake.calls), 3);
    /* open: no call, whatever the certificate */
    atomic_store(&fake.mode, GOOD);
    assert_int_equal(check(rev, x), IDP_JPKI_REVOCATION_UNKNOWN);
    assert_int_equal(check(rev, y), IDP_JPKI_REVOCATION_UNKNOWN);
    assert_int_equal(atomic_load(&fake.calls), 3);
    assert_int_equal(stats(rev).breaker_open, 2);
    /* half-open after the cool-down: one probe; it fails, and the breaker opens again */
    now_ms += 30 * 1000;
    atomic_store(&fake.mode, HTTP_500);
    assert_int_equal(check(rev, x), IDP_JPKI_REVOCATION_UNKNOWN);
    assert_int_equal(atomic_load(&fake.calls), 4);
    atomic_store(&fake.mode, GOOD);
    assert_int_equal(check(rev, x), IDP_JPKI_REVOCATION_UNKNOWN);
    assert_int_equal(atomic_load(&fake.calls), 4);
    /* the next probe succeeds and closes it */
    now_ms += 30 * 1000;
    assert_int_equal(check(rev, x), IDP_JPKI_OK);
    assert_int_equal(check(rev, y), IDP_JPKI_OK);
    assert_int_equal(atomic_load(&fake.calls), 6);
    X509_free(x);
    X509_free(y);
    rev->free(rev);
}

/* While the probe is in flight, the other checks still fail at once. */
static void test_operator_breaker_sends_one_probe(void **state)
{
    (void)state;
    idp_revocation_operator_opts_t o = opts();
    o.breaker_failures = 1;
    idp_jpki_revocation_t *rev = source(&o);
    X509 *x = card("sakai-taro"), *y = card("kita-hanako");
    atomic_store(&fake.mode, NO_ANSWER);
    assert_int_equal(check(rev, x), IDP_JPKI_REVOCATION_UNKNOWN);
    now_ms += 30 * 1000;
    atomic_store(&fake.mode, GOOD);
    atomic_store(&fake.delay_ms, 300);
    job_t a = {rev, x, IDP_JPKI__COUNT};
    pthread_t ta;
    assert_int_equal(pthread_create(&ta, NULL, run, &a), 0);
    usleep(80 * 1000);
    assert_int_equal(check(rev, y), IDP_JPKI_REVOCATION_UNKNOWN); /* not a second probe */
    pthread_join(ta, NULL);
    assert_int_equal(a.r, IDP_JPKI_OK);
    assert_int_equal(atomic_load(&fake.calls), 2);
    X509_free(x);
    X509_free(y);
    rev->free(rev);
}

/* ---- set-up ---------------------------------------------------------------------------- */

static void test_operator_refuses_plain_http_and_bad_settings(void **state)
{
    (void)state;
    idp_jpki_revocation_t *rev = NULL;
    char err[256];
    idp_revocation_operator_opts_t o = opts();
    o.url = "http://operator.example/v1";
    assert_int_equal(idp_revocation_operator_new(&o, &rev, err, sizeof(err)), IDP_E_INVALID_REQUEST);
    assert_null(rev);
    o = opts();
    o.url = "http://127.0.0.1:9/v1"; /* the simulator of the tests */
    assert_int_equal(idp_revocation_operator_new(&o, &rev, err, sizeof(err)), IDP_OK);
    rev->free(rev);
    o = opts();
    o.api_key = "";
    assert_int_equal(idp_revocation_operator_new(&o, &rev, err, sizeof(err)), IDP_E_INVALID_REQUEST);
    o = opts();
    o.breaker_failures = 0;
    assert_int_equal(idp_revocation_operator_new(&o, &rev, err, sizeof(err)), IDP_E_INVALID_REQUEST);
}

static void test_operator_reads_the_api_key_from_a_private_file(void **state)
{
    (void)state;
    char path[] = "/tmp/sakaid-operator-key-XXXXXX", key[IDP_REVOCATION_MAX_KEY + 1], err[256];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "s3cr3t-key\n", 11), 11);
    close(fd);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(idp_revocation_operator_read_key(path, key, sizeof(key), err, sizeof(err)), IDP_OK);
    assert_string_equal(key, "s3cr3t-key");
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(idp_revocation_operator_read_key(path, key, sizeof(key), err, sizeof(err)), IDP_E_INVALID_REQUEST);
    assert_non_null(strstr(err, "chmod 600"));
    FILE *f = fopen(path, "w");
    fputs("two words\n", f);
    fclose(f);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(idp_revocation_operator_read_key(path, key, sizeof(key), err, sizeof(err)), IDP_E_INVALID_REQUEST);
    unlink(path);
}

static void test_operator_metrics(void **state)
{
    (void)state;
    idp_revocation_operator_opts_t o = opts();
    idp_jpki_revocation_t *rev = source(&o);
    X509 *x = card("sakai-taro");
    assert_int_equal(check(rev, x), IDP_JPKI_OK);
    assert_int_equal(check(rev, x), IDP_JPKI_OK);
    idp_buf_t b;
    idp_buf_init(&b, 8192);
    assert_non_null(rev->metrics);
    rev->metrics(rev, &b);
    assert_non_null(strstr(idp_buf_cstr(&b), "sakaid_revocation_operator_checks_total{path=\"call\"} 1\n"));
    assert_non_null(strstr(idp_buf_cstr(&b), "sakaid_revocation_operator_checks_total{path=\"cache\"} 1\n"));
    assert_non_null(strstr(idp_buf_cstr(&b), "sakaid_revocation_operator_breaker_open 0\n"));
    idp_buf_free(&b);
    X509_free(x);
    rev->free(rev);
}

int main(void)
{
    dir = getenv("SAKAID_JPKI_MATERIAL");
    if (dir == NULL) {
        fprintf(stderr, "SAKAID_JPKI_MATERIAL is not set (run through ctest)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_operator_good_card_is_ok_and_only_its_id_is_sent, setup),
        cmocka_unit_test_setup(test_operator_revoked_card_is_revoked, setup),
        cmocka_unit_test_setup(test_operator_fails_closed, setup),
        cmocka_unit_test_setup(test_operator_parse_checks_the_contract, setup),
        cmocka_unit_test_setup(test_operator_cache_hit_does_not_call_the_operator, setup),
        cmocka_unit_test_setup(test_operator_cache_respects_the_data_age, setup),
        cmocka_unit_test_setup(test_operator_single_flight_one_call_for_two_threads, setup),
        cmocka_unit_test_setup(test_operator_single_flight_waits_a_bounded_time, setup),
        cmocka_unit_test_setup(test_operator_breaker_opens_then_half_opens, setup),
        cmocka_unit_test_setup(test_operator_breaker_sends_one_probe, setup),
        cmocka_unit_test_setup(test_operator_refuses_plain_http_and_bad_settings, setup),
        cmocka_unit_test_setup(test_operator_reads_the_api_key_from_a_private_file, setup),
        cmocka_unit_test_setup(test_operator_metrics, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

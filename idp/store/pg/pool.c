#include "store/pg/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"

/*
 * Counters for /metrics (idp_pg_pool_metrics), for the whole process: how
 * long each statement took (a histogram, in microseconds), and each time
 * the database was unavailable, by cause.
 */
static const long long bucket_us[] = {1000, 5000, 10000, 50000, 100000, 500000, 1000000, 5000000};
#define NBUCKETS (sizeof(bucket_us) / sizeof(bucket_us[0]))
static atomic_ullong stmt_in[NBUCKETS + 1],
    stmt_sum_us; /* per bucket (the last: above them all), cumulated at scrape */
enum { DOWN_CONNECT, DOWN_LOST, DOWN_POOL, DOWN__COUNT };
static const char *const down_cause[DOWN__COUNT] = {"connect_failed", "connection_lost", "pool_exhausted"};
static atomic_ullong down[DOWN__COUNT];

static long long since_us(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (long long)(t1.tv_sec - t0->tv_sec) * 1000000LL + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

/* On every statement: two atomic additions, whatever the number of buckets. */
static void observe(long long us)
{
    size_t i = 0;
    while (i < NBUCKETS && us > bucket_us[i])
        i++;
    atomic_fetch_add_explicit(&stmt_in[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&stmt_sum_us, (unsigned long long)(us > 0 ? us : 0), memory_order_relaxed);
}

idp_err_t idp_pg_pool_metrics(idp_buf_t *out)
{
    idp_buf_puts(out, "# HELP sakaid_db_statement_seconds Time of each database statement, from send to result.\n"
                      "# TYPE sakaid_db_statement_seconds histogram\n");
    unsigned long long n = 0;
    for (size_t i = 0; i < NBUCKETS; i++) {
        n += atomic_load_explicit(&stmt_in[i], memory_order_relaxed);
        idp_buf_printf(out, "sakaid_db_statement_seconds_bucket{le=\"%g\"} %llu\n", (double)bucket_us[i] / 1e6, n);
    }
    n += atomic_load_explicit(&stmt_in[NBUCKETS], memory_order_relaxed);
    idp_buf_printf(out,
                   "sakaid_db_statement_seconds_bucket{le=\"+Inf\"} %llu\nsakaid_db_statement_seconds_sum %.6f\n"
                   "sakaid_db_statement_seconds_count %llu\n",
                   n, (double)atomic_load(&stmt_sum_us) / 1e6, n);
    idp_buf_puts(out, "# HELP sakaid_db_unavailable_total Times the database could not be used, by cause (requests "
                      "then get 503 temporarily_unavailable).\n# TYPE sakaid_db_unavailable_total counter\n");
    for (int i = 0; i < DOWN__COUNT; i++)
        idp_buf_printf(out, "sakaid_db_unavailable_total{cause=\"%s\"} %llu\n", down_cause[i], atomic_load(&down[i]));
    return idp_buf_err(out);
}

struct idp_pg_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *url;
    int size, wait_ms, nfree;
    idp_pg_conn_t *conns;
    idp_pg_conn_t **free_list;
};

idp_err_t idp_pg_pool_new(const char *url, int size, int wait_ms, const idp_pg_stmt_t *stmts, int nstmts,
                          idp_pg_pool_t **out)
{
    (void)stmts;
    if (nstmts > 64 || size < 1)
        return IDP_E_SERVER_ERROR;
    idp_pg_pool_t *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return IDP_E_NOMEM;
    p->url = strdup(url);
    p->conns = calloc((size_t)size, sizeof(*p->conns));
    p->free_list = calloc((size_t)size, sizeof(*p->free_list));
    if (!p->url || !p->conns || !p->free_list) {
        idp_pg_pool_free(p);
        return IDP_E_NOMEM;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->size = size;
    p->wait_ms = wait_ms;
    for (int i = 0; i < size; i++)
        p->free_list[p->nfree++] = &p->conns[i];
    *out = p;
    return IDP_OK;
}

void idp_pg_pool_free(idp_pg_pool_t *p)
{
    if (p == NULL)
        return;
    for (int i = 0; p->conns && i < p->size; i++)
        if (p->conns[i].pg)
            PQfinish(p->conns[i].pg);
    if (p->conns) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
    }
    free(p->conns);
    free(p->free_list);
    free(p->url);
    free(p);
}

/*
 * (Re)connects a connection that is missing or broken. An idle connection
 * whose server went away (restart, failover) has a FATAL message or EOF
 * waiting on its socket: PQconsumeInput reads it without blocking and the
 * status turns bad, so the request gets a fresh connection instead of an error.
 */
static idp_err_t ensure_connected(idp_pg_pool_t *p, idp_pg_conn_t *c)
{
    if (c->pg && !c->broken && PQconsumeInput(c->pg) == 1 && PQstatus(c->pg) == CONNECTION_OK)
        return IDP_OK;
    if (c->pg)
        PQfinish(c->pg);
    memset(c->prepared, 0, sizeof(c->prepared));
    c->broken = false;
    /* Our defaults first; anything in the URL (expanded from "dbname") overrides them. */
    static const char *const keys[] = {"connect_timeout", "application_name", "keepalives_idle", "dbname", NULL};
    const char *const values[] = {"5", "sakaid", "30", p->url, NULL};
    c->pg = PQconnectdbParams(keys, values, 1);
    if (c->pg == NULL || PQstatus(c->pg) != CONNECTION_OK) {
        idp_log_msg(IDP_LOG_WARN, "db_connect_failed", "%s", c->pg ? PQerrorMessage(c->pg) : "out of memory");
        if (c->pg)
            PQfinish(c->pg);
        c->pg = NULL;
        atomic_fetch_add(&down[DOWN_CONNECT], 1);
        return IDP_E_UNAVAILABLE;
    }
    return IDP_OK;
}

idp_err_t idp_pg_acquire(idp_pg_pool_t *p, idp_pg_conn_t **out)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += p->wait_ms / 1000;
    deadline.tv_nsec += (long)(p->wait_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->mu);
    while (p->nfree == 0) {
        if (pthread_cond_timedwait(&p->cv, &p->mu, &deadline) != 0 && p->nfree == 0) {
            pthread_mutex_unlock(&p->mu);
            idp_log_msg(IDP_LOG_WARN, "db_pool_exhausted", "no database connection free within %d ms", p->wait_ms);
            atomic_fetch_add(&down[DOWN_POOL], 1);
            return IDP_E_UNAVAILABLE;
        }
    }
    idp_pg_conn_t *c = p->free_list[--p->nfree];
    pthread_mutex_unlock(&p->mu);
    idp_err_t ret = ensure_connected(p, c);
    if (ret != IDP_OK) {
        idp_pg_release(p, c);
        return ret;
    }
    *out = c;
    return IDP_OK;
}

void idp_pg_release(idp_pg_pool_t *p, idp_pg_conn_t *c)
{
    /* A connection returned inside a transaction (an error path) is reset. */
    if (c->pg && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        c->broken = true;
    pthread_mutex_lock(&p->mu);
    p->free_list[p->nfree++] = c;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static idp_err_t classify(idp_pg_conn_t *c, PGresult *r)
{
    if (PQstatus(c->pg) != CONNECTION_OK) {
        c->broken = true;
        atomic_fetch_add(&down[DOWN_LOST], 1);
        return IDP_E_UNAVAILABLE;
    }
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (state && strcmp(state, "23505") == 0)
        return IDP_E_CONFLICT;
    /* The database is away or moving, not wrong: class 08 (connection exception), 57P01 admin shutdown, 57P02
     * crash shutdown, 57P03 cannot connect now, 53300 too many connections, and 25006 read-only transaction
     * (a member that is not, or no longer, the primary: during a failover, docs/operations.md "Faults").
     * The connection is dropped, the request answered 503 and the next one connects afresh. */
    if (state && (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 ||
                  strcmp(state, "57P03") == 0 || strcmp(state, "53300") == 0 || strcmp(state, "25006") == 0)) {
        c->broken = true;
        atomic_fetch_add(&down[DOWN_LOST], 1);
        return IDP_E_UNAVAILABLE;
    }
    idp_log_msg(IDP_LOG_ERROR, "db_error", "%s", r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
    return IDP_E_SERVER_ERROR;
}

PGresult *idp_pg_exec(idp_pg_conn_t *c, const idp_pg_stmt_t *stmts, int stmt, int nparams, const char *const *values,
                      const int *lengths, const int *formats, idp_err_t *err)
{
    PGresult *r;
    if (stmt < 0 || stmt >= IDP_PG_MAX_STMTS || stmts[stmt].name == NULL) {
        *err = IDP_E_SERVER_ERROR;
        return NULL;
    }
    if (!(c->prepared[stmt / 64] & (1ULL << (stmt % 64)))) {
        r = PQprepare(c->pg, stmts[stmt].name, stmts[stmt].sql, 0, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            *err = classify(c, r);
            PQclear(r);
            return NULL;
        }
        PQclear(r);
        c->prepared[stmt / 64] |= 1ULL << (stmt % 64);
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    r = PQexecPrepared(c->pg, stmts[stmt].name, nparams, values, lengths, formats, 0);
    observe(since_us(&t0));
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        *err = classify(c, r);
        PQclear(r);
        return NULL;
    }
    *err = IDP_OK;
    return r;
}

idp_err_t idp_pg_command(idp_pg_conn_t *c, const char *sql)
{
    PGresult *r = PQexec(c->pg, sql);
    idp_err_t ret = IDP_OK;
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        ret = classify(c, r);
    PQclear(r);
    return ret;
}

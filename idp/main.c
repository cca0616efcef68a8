/*
 * sakaid: the SakaI-D OpenID Provider.
 *
 *   configuration -> KEK -> PostgreSQL (schema check) -> signing keys
 *   -> data keys (attributes at rest) -> protocol core -> HTTP; then the
 *   main thread waits for SIGINT/SIGTERM and reloads the key tables every
 *   keys.refresh_seconds, while a thread of its own delivers back-channel
 *   logout tokens.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <systemd/sd-daemon.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "core/log.h"
#include "http/server.h"
#include "jose/kek.h"
#include "jose/keystore.h"
#include "jpki/jpki.h"
#include "revocation/operator.h"
#include "net/http_client.h"
#include "keys/datakeys.h"
#include "keys/keys.h"
#include "oauth/oauth.h"
#include "store/store.h"

static const char *env(const char *name)
{
    return getenv(name);
}

static int usage(FILE *f)
{
    fprintf(f, "usage: sakaid [--config FILE]\n"
               "Serves the SakaI-D OpenID Provider. Configuration: docs/configuration.md.\n"
               "Environment overrides: SAKAID_CONFIG, SAKAID_PORT, SAKAID_DATA_DIR, SAKAID_DATABASE_URL, ...\n");
    return f == stderr ? 2 : 0;
}

static void fatal(const char *event, const char *msg)
{
    fprintf(stderr, "sakaid: %s\n", msg);
    idp_log_msg(IDP_LOG_ERROR, event, "%s", msg);
}

/* Refuses a database whose schema is not the one this binary was built for. */
static int check_schema(idp_store_t *store)
{
    int have = 0, want = idp_store_schema_expected();
    char msg[256];
    idp_err_t e = idp_store_schema_version(store, &have);
    if (e != IDP_OK) {
        fatal("database_unavailable", "cannot reach PostgreSQL at database.url (SAKAID_DATABASE_URL)");
        return -1;
    }
    if (have < want) {
        snprintf(msg, sizeof(msg),
                 "the database schema is at version %d and this sakaid needs %d: "
                 "run `sakaid-admin migrate`",
                 have, want);
        fatal("schema_outdated", msg);
        return -1;
    }
    if (have > want) {
        snprintf(msg, sizeof(msg),
                 "the database schema is at version %d, newer than this sakaid knows (%d): "
                 "run a newer sakaid",
                 have, want);
        fatal("schema_newer", msg);
        return -1;
    }
    /* Migration 0013 is finished only when sakaid-admin migrate has sealed what was stored in clear. */
    long long plain = 0;
    if (idp_store_plaintext_count(store, &plain) != IDP_OK) {
        fatal("database_unavailable", "cannot count the attribute rows stored in clear");
        return -1;
    }
    if (plain > 0) {
        snprintf(msg, sizeof(msg),
                 "%lld rows of residents' attributes are still stored in clear: "
                 "run `sakaid-admin migrate`, which seals them",
                 plain);
        fatal("attributes_in_clear", msg);
        return -1;
    }
    return 0;
}

/*
 * The revocation source that jpki.revocation_source names: the CRL directory,
 * or the platform operator's API through @p net (docs/card.md "Revocation").
 */
static idp_err_t load_revocation(const idp_config_t *cfg, const idp_net_t *net, idp_jpki_revocation_t **rev, char *err,
                                 size_t errlen)
{
    if (strcmp(cfg->jpki_revocation_source, "operator") != 0)
        return idp_jpki_crl_dir_new(cfg->jpki_crl_dir, rev);
    char key[IDP_REVOCATION_MAX_KEY + 1];
    idp_err_t e = idp_revocation_operator_read_key(cfg->jpki_operator_key_file, key, sizeof(key), err, errlen);
    if (e == IDP_OK) {
        idp_revocation_operator_opts_t o = {.url = cfg->jpki_operator_url,
                                            .api_key = key,
                                            .cache_seconds = cfg->jpki_operator_cache_seconds,
                                            .max_data_age_seconds = cfg->jpki_operator_max_data_age,
                                            .timeout_ms = cfg->jpki_operator_timeout_ms,
                                            .breaker_failures = cfg->jpki_operator_breaker_failures,
                                            .breaker_seconds = cfg->jpki_operator_breaker_seconds,
                                            .cache_entries = 4096,
                                            .net = net};
        e = idp_revocation_operator_new(&o, rev, err, errlen);
    }
    OPENSSL_cleanse(key, sizeof(key));
    return e;
}

/*
 * Card login: the roots per purpose, pinned by key (jpki.auth_anchors,
 * jpki.sign_anchors; the test CA's only in dev mode), and the revocation
 * source (docs/card.md). IDP_E_INVALID_REQUEST is a configuration error.
 */
static idp_err_t load_jpki(const idp_config_t *cfg, const idp_net_t *net, idp_jpki_trust_t **out, char *err,
                           size_t errlen)
{
    *out = NULL;
    if (cfg->jpki_auth_roots == NULL)
        return IDP_OK; /* card login is off */
    idp_jpki_trust_t *t = idp_jpki_trust_new(cfg->dev_mode);
    idp_jpki_revocation_t *rev = NULL;
    idp_err_t e = t ? IDP_OK : IDP_E_NOMEM;
    const char *roots[2] = {cfg->jpki_auth_roots, cfg->jpki_sign_roots};
    for (int p = IDP_JPKI_AUTH; p <= IDP_JPKI_SIGN; p++) {
        for (size_t i = 0; e == IDP_OK && i < cfg->n_jpki_anchors[p]; i++)
            e = idp_jpki_trust_add_anchor(t, (idp_jpki_purpose_t)p, cfg->jpki_anchors[p][i], err, errlen);
        if (e == IDP_OK)
            e = idp_jpki_trust_add_roots(t, (idp_jpki_purpose_t)p, roots[p], err, errlen);
        if (e == IDP_OK)
            e = idp_jpki_trust_check_anchors(t, (idp_jpki_purpose_t)p, err, errlen);
    }
    if (e == IDP_OK && (e = load_revocation(cfg, net, &rev, err, errlen)) == IDP_OK)
        idp_jpki_trust_set_revocation(t, rev);
    if (e != IDP_OK) {
        idp_jpki_trust_free(t);
        return e;
    }
    *out = t;
    return IDP_OK;
}

/* The data keys that seal attributes at rest (docs/keys.md, "Data keys"): one must be active. */
static int load_data_keys(idp_store_t *store, idp_datakeys_t *dk)
{
    char err[512];
    if (idp_datakeys_load(dk, "start", err, sizeof(err)) != IDP_OK) {
        fatal("data_keys_unusable", err);
        return -1;
    }
    if (idp_datakeys_active(dk) == 0) {
        fatal("data_keys_missing", "there is no active data key for attributes at rest: run `sakaid-admin keys init`");
        return -1;
    }
    idp_store_set_sealer(store, idp_datakeys_sealer(dk));
    return 0;
}

static idp_err_t load_keys(const idp_config_t *cfg, idp_store_t *store, const idp_kek_t *kek, idp_keystore_t *ks,
                           char *err, size_t errlen)
{
    idp_keyset_t *set = NULL;
    idp_err_t e = idp_keys_load(store, kek, cfg->max_token_lifetime, &set, err, errlen);
    if (e != IDP_OK)
        return e;
    idp_keystore_set(ks, set);
    return IDP_OK;
}

/*
 * Back-channel logout delivery (Back-Channel Logout 1.0 §2.5) on a thread of
 * its own: a relying party may keep one delivery waiting for seconds, and
 * the main thread's tick (key reload, sweep) must not wait with it. Once a
 * second, as the tick did; stopped between two deliveries.
 */
typedef struct {
    idp_oauth_t *oauth;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_bool stop;
    bool running;
} delivery_worker_t;

static void *delivery_loop(void *arg)
{
    delivery_worker_t *w = arg;
    while (!atomic_load(&w->stop)) {
        idp_oauth_deliver_logouts(w->oauth, &w->stop);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += 1;
        pthread_mutex_lock(&w->lock);
        int rc = 0;
        while (!atomic_load(&w->stop) && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&w->wake, &w->lock, &until);
        pthread_mutex_unlock(&w->lock);
    }
    return NULL;
}

static int delivery_start(delivery_worker_t *w, idp_oauth_t *oauth)
{
    pthread_condattr_t ca;
    memset(w, 0, sizeof(*w));
    w->oauth = oauth;
    atomic_init(&w->stop, false);
    pthread_mutex_init(&w->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->wake, &ca);
    pthread_condattr_destroy(&ca);
    w->running = pthread_create(&w->thread, NULL, delivery_loop, w) == 0;
    return w->running ? 0 : -1;
}

/* Asks the worker to stop, and waits for the delivery in flight (at most its timeout). */
static void delivery_stop(delivery_worker_t *w)
{
    if (!w->running)
        return;
    pthread_mutex_lock(&w->lock);
    atomic_store(&w->stop, true);
    pthread_cond_broadcast(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    w->running = false;
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            config_path = argv[++i];
        else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return usage(stdout);
        else
            return usage(stderr);
    }

    char err[1024] = "";
    idp_config_t *cfg = NULL;
    if (idp_config_load(config_path, env, &cfg, err, sizeof(err)) != IDP_OK) {
        fprintf(stderr, "sakaid: %s\n", err);
        return 2;
    }
    idp_log_set_level(!strcmp(cfg->log_level, "debug")   ? IDP_LOG_DEBUG
                      : !strcmp(cfg->log_level, "warn")  ? IDP_LOG_WARN
                      : !strcmp(cfg->log_level, "error") ? IDP_LOG_ERROR
                                                         : IDP_LOG_INFO);

    /* Block the stop signals before any thread starts, so that only sigwait sees them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* libcurl's global state, before any thread that sends a request starts */
    if (idp_net_global_init() != IDP_OK) {
        fprintf(stderr, "sakaid: cannot initialise libcurl\n");
        idp_config_free(cfg);
        return 1;
    }

    int rc = 1;
    /* Card trust is configuration: checked before anything else starts (exit 2, as a bad setting). */
    idp_jpki_trust_t *jpki = NULL;
    idp_net_t net = {.transport = NULL, .ctx = NULL, .proxy = cfg->outbound_proxy}; /* outbound HTTP: libcurl */
    idp_err_t je = load_jpki(cfg, &net, &jpki, err, sizeof(err));
    if (je != IDP_OK) {
        fatal("jpki_unusable", je == IDP_E_NOMEM ? "out of memory" : err);
        idp_config_free(cfg);
        return je == IDP_E_INVALID_REQUEST ? 2 : 1;
    }
    idp_kek_t kek;
    idp_store_t *store = NULL;
    idp_keystore_t *keys = idp_keystore_new();
    idp_datakeys_t *data_keys = NULL;
    idp_oauth_t *oauth = NULL;
    idp_fed_t *fed = NULL;
    idp_http_t *http = NULL;
    delivery_worker_t delivery = {.running = false};

    if (idp_kek_load(cfg->kek_file, &kek, err, sizeof(err)) != IDP_OK) {
        fatal("kek_unusable", err);
        goto Exit;
    }
    /* database.pool_size connections, shared by the HTTP workers, the key refresher and the sweep. */
    if (keys == NULL || idp_store_open(cfg->database_url, cfg->pool_size, cfg->pool_wait_ms, &store) != IDP_OK) {
        fatal("database_unavailable", "cannot open the PostgreSQL connection pool");
        goto Exit;
    }
    if (check_schema(store) != 0)
        goto Exit;
    if (load_keys(cfg, store, &kek, keys, err, sizeof(err)) != IDP_OK) {
        fatal("keys_unusable", err);
        goto Exit;
    }
    idp_keyset_t *set = idp_keystore_get(keys);
    bool can_sign = idp_keyset_signer(set, idp_alg_from_name(cfg->access_token_alg)) != NULL;
    /* Discovery advertises every algorithm jose signs with; one without a key (an upgrade that did not run
     * keys init, docs/keys.md) would fail its clients' tokens with server_error: said at start, loudly. */
    for (int a = IDP_ALG_NONE + 1; a < IDP_ALG__COUNT; a++)
        if (idp_keyset_signer(set, (idp_alg_t)a) == NULL)
            idp_log_msg(IDP_LOG_ERROR, "signing_key_missing",
                        "no active %s signing key: clients registered for it get server_error until `sakaid-admin "
                        "keys init` makes one",
                        idp_alg_name((idp_alg_t)a));
    idp_keyset_release(set);
    if (!can_sign) {
        snprintf(err, sizeof(err), "there is no active %s signing key: run `sakaid-admin keys init`",
                 cfg->access_token_alg);
        fatal("keys_missing", err);
        goto Exit;
    }
    if ((data_keys = idp_datakeys_new(store, &kek)) == NULL) {
        fatal("startup_failed", "out of memory");
        goto Exit;
    }
    if (load_data_keys(store, data_keys) != 0)
        goto Exit;
    /* Upstream calls: 5 s at most each; a handful of issuers. */
    if ((fed = idp_fed_new(&net, 5000, 32)) == NULL) {
        fatal("startup_failed", "out of memory");
        goto Exit;
    }
    idp_oauth_deps_t deps = {.store = store, .keys = keys, .kek = &kek, .jpki = jpki, .fed = fed, .net = &net};
    if (idp_oauth_new(cfg, &deps, &oauth) != IDP_OK) {
        fatal("startup_failed", "out of memory");
        goto Exit;
    }
    /* The client cache (oauth/clients.c), fresh by LISTEN on its own connection; stopped by idp_oauth_free. */
    if (idp_oauth_watch_clients(oauth, cfg->database_url) != IDP_OK) {
        fatal("client_cache", "cannot start the client cache's listener");
        goto Exit;
    }
    err[0] = '\0';
    if (idp_http_start(cfg, oauth, &http, err, sizeof(err)) != IDP_OK) {
        fatal("listen_failed", err);
        goto Exit;
    }
    if (delivery_start(&delivery, oauth) != 0) {
        fatal("startup_failed", "cannot start the back-channel logout thread");
        goto Exit;
    }

    idp_log_t l;
    idp_log_begin(&l, IDP_LOG_INFO, "started");
    idp_log_str(&l, "issuer", cfg->issuer);
    idp_log_str(&l, "listen", cfg->listen_host);
    idp_log_int(&l, "port", cfg->listen_port);
    idp_log_int(&l, "threads", cfg->threads);
    idp_log_str(&l, "tls", cfg->tls_cert_file ? "on" : "off");
    idp_log_str(&l, "metrics", cfg->metrics_host ? cfg->metrics_listen : "off");
    idp_log_int(&l, "trusted_proxies", (long long)cfg->n_trusted_proxies);
    idp_log_end(&l);
    /* systemd (Type=notify, docs/deployment.md): serving now; a no-op without NOTIFY_SOCKET */
    sd_notifyf(0, "READY=1\nSTATUS=serving %s on port %d", cfg->issuer, cfg->listen_port);
    uint64_t watchdog_usec = 0;
    bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0;

    /* How long a node holds a due key rotation it claimed before another may try it (docs/keys.md). */
    enum { KEY_SCHEDULE_LEASE = 300 };
    /* Wait for a stop signal; in between, pick up keys rotated by sakaid-admin on any node. */
    /* Every maintenance.sweep_seconds: expired rows (idp_store_sweep, on every node: they take different
     * rows); every keys.refresh_seconds: the key table. Back-channel logouts go on their own thread. */
    struct timespec tick = {.tv_sec = 1};
    int since_keys = 0, since_sweep = 0;
    for (;;) {
        int sig = sigtimedwait(&stop, NULL, &tick);
        if (sig == SIGINT || sig == SIGTERM) {
            idp_log_msg(IDP_LOG_INFO, "stopping", "signal %d: finishing in-flight requests", sig);
            sd_notify(0, "STOPPING=1\nSTATUS=finishing in-flight requests");
            break;
        }
        if (watchdog) /* the main loop ticks each second: a hung loop misses WatchdogSec and is restarted */
            sd_notify(0, "WATCHDOG=1");
        if (sig < 0 && errno != EAGAIN && errno != EINTR)
            break;
        if (sig >= 0 || errno != EAGAIN)
            continue;
        if (cfg->sweep_seconds > 0 && ++since_sweep >= cfg->sweep_seconds) {
            since_sweep = 0;
            idp_err_t swept = idp_store_sweep(store, NULL);
            if (swept != IDP_OK) /* not fatal: the rest waits for the next tick */
                idp_log_msg(IDP_LOG_DEBUG, "sweep_incomplete", "%s (store/pg logged why)", idp_err_code(swept));
            /* signing-key rotations set for a time (the admin API): the node that claims one makes it */
            int rotated = 0;
            idp_err_t due = idp_keys_rotate_due(store, &kek, cfg->key_publish_seconds, KEY_SCHEDULE_LEASE, &rotated);
            if (due != IDP_OK)
                idp_log_msg(IDP_LOG_WARN, "key_rotation_failed", "%s (a scheduled rotation; tried again later)",
                            idp_err_code(due));
            if (rotated) /* this node signs with the new key at once; the others at their next refresh */
                since_keys = cfg->key_refresh_seconds;
        }
        if (++since_keys < cfg->key_refresh_seconds)
            continue;
        since_keys = 0;
        if (load_keys(cfg, store, &kek, keys, err, sizeof(err)) != IDP_OK)
            idp_log_msg(IDP_LOG_WARN, "key_refresh_failed", "%s (keeping the keys loaded before)", err);
        /* A rotated data key: before a node needs it (a write or a read under it loads it at once too). */
        if (idp_datakeys_load(data_keys, "refresh", err, sizeof(err)) != IDP_OK)
            idp_log_msg(IDP_LOG_WARN, "key_refresh_failed", "%s (keeping the data keys loaded before)", err);
    }
    rc = 0;

Exit:
    delivery_stop(&delivery);
    idp_http_stop(http);
    idp_oauth_free(oauth); /* before what it borrowed */
    idp_fed_free(fed);
    idp_jpki_trust_free(jpki);
    idp_store_close(store);
    idp_datakeys_free(data_keys);
    idp_keystore_free(keys);
    idp_kek_wipe(&kek);
    if (rc == 0)
        idp_log_msg(IDP_LOG_INFO, "stopped", "bye");
    idp_config_free(cfg);
    idp_net_global_cleanup();
    return rc;
}

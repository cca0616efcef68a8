/**
 * Configuration: embedded defaults, then one JSON file, then environment
 * overrides, validated into one read-only struct. Every error names the key
 * (or the environment variable) that is wrong. See docs/configuration.md.
 */
#ifndef IDP_CONFIG_CONFIG_H
#define IDP_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/ip.h"

/** How many blocks http.trusted_proxies may list. */
#define IDP_CONFIG_MAX_PROXIES 64
/** How many trust anchors jpki.auth_anchors and jpki.sign_anchors may list each (IDP_JPKI_MAX_ANCHORS). */
#define IDP_CONFIG_MAX_ANCHORS 16

typedef struct {
    char *issuer;    /* "issuer": https URL, http only on loopback */
    bool dev_mode;   /* "dev_mode" */
    char *data_dir;  /* "data_dir" */
    char *log_level; /* "log_level": debug|info|warn|error */

    /* "http" */
    char *listen_host; /* from "http.listen" host:port */
    int listen_port;
    int threads;                /* "http.threads" */
    long max_header_bytes;      /* "http.max_header_bytes" */
    long max_body_bytes;        /* "http.max_body_bytes" */
    bool access_log;            /* "http.access_log" */
    char *tls_cert_file;        /* "http.tls_certificate_file" (PEM chain) */
    char *tls_key_file;         /* "http.tls_private_key_file" */
    int request_timeout_ms;     /* "http.request_timeout_ms": deadline for a connection's first request head */
    int keep_alive_ms;          /* "http.keep_alive_ms": idle keep-alive connection, and the next head's deadline */
    int accept_queue;           /* "http.accept_queue": accepted connections waiting for a worker thread */
    int listen_backlog;         /* "http.listen_backlog": the kernel's queue of connections not yet accepted */
    int defer_accept_seconds;   /* "http.defer_accept_seconds": TCP_DEFER_ACCEPT; 0 = off */
    char *trusted_proxies_text; /* "http.trusted_proxies", comma-joined as given */
    idp_cidr_t trusted_proxies[IDP_CONFIG_MAX_PROXIES]; /* ... parsed */
    size_t n_trusted_proxies;
    char *metrics_listen; /* "http.metrics_listen": "host:port", or "" for no metrics listener */
    char *metrics_host;   /* ... parsed; NULL when off */
    int metrics_port;

    /* "database" */
    char *database_url; /* "database.url" */
    int pool_size;      /* "database.pool_size" */
    int pool_wait_ms;   /* "database.pool_wait_ms" */

    /* "keys" */
    char *kek_file;          /* "keys.kek_file" */
    int key_refresh_seconds; /* "keys.refresh_seconds" */
    int key_publish_seconds; /* "keys.publish_seconds": a next key is in JWKS this long before it may sign */

    /* "tokens" */
    int access_token_ttl;    /* "tokens.access_token_ttl_seconds" */
    char *access_token_alg;  /* "tokens.access_token_signing_alg": RS256|ES256|PS256 */
    int max_token_lifetime;  /* "tokens.max_token_lifetime_seconds": longest a signed token lives */
    int id_token_ttl;        /* "tokens.id_token_ttl_seconds" */
    int code_ttl;            /* "tokens.code_ttl_seconds": authorization codes */
    bool dpop_require_nonce; /* "tokens.dpop_require_nonce": DPoP proofs carry our nonce (RFC 9449 §8) */
    int refresh_token_ttl;   /* "tokens.refresh_token_ttl_seconds": a refresh-token family's lifetime */

    /* "session", "consent", "dev" */
    int session_ttl;           /* "session.lifetime_seconds": a browser session, from sign-in */
    int login_ttl;             /* "session.login_seconds": an unfinished login (login transaction) */
    int login_rate_per_minute; /* "session.login_rate_per_minute": new logins per client address */
    int login_max_pending;     /* "session.max_pending_logins": live login transactions per browser */
    int consent_ttl;           /* "consent.lifetime_seconds": a remembered consent */
    int outreach_k;            /* "outreach.k": a segment under it reads "<k" and cannot be sent (docs/outreach.md) */
    int outreach_differencing_days;     /* "outreach.differencing_days": how far back the differencing guard looks */
    int outreach_differencing_segments; /* "outreach.differencing_segments": how many recent segments it compares */
    int statistics_k;                   /* "statistics.k": a count under it shows as "<k" (docs/admin.md, Statistics) */
    int logout_retry_seconds;           /* "logout.retry_seconds": first back-channel logout retry, doubling */
    int client_jwks_cache_seconds; /* "clients.jwks_uri_cache_seconds": a client's fetched JWK Set is used this long */
    int client_auth_failures;      /* "clients.auth_failures_before_backoff": per client and address, in a minute */
    char *dev_test_cards_dir;      /* "dev.test_cards_dir": dev mode only, the "sign with test card" button */
    int sweep_seconds;             /* "maintenance.sweep_seconds": expired rows deleted this often; 0 = never */
    char *outbound_proxy;          /* "outbound.proxy": the one proxy of outbound requests (net/http_client.h);
                                        NULL: none, whatever http_proxy and friends say */

    /* "jpki": My Number card login (docs/card.md); off while jpki.auth_roots is unset */
    char *jpki_auth_roots;              /* "jpki.auth_roots": PEM file, every generation of the authentication root */
    char *jpki_sign_roots;              /* "jpki.sign_roots": the same for the signing root */
    char *jpki_crl_dir;                 /* "jpki.crl_dir": CRL files, reloaded when they change (source "crl") */
    char *jpki_revocation_source;       /* "jpki.revocation_source": "crl" (jpki.crl_dir) or "operator" (its API) */
    char *jpki_operator_url;            /* "jpki.operator_url": the platform operator's revocation API */
    char *jpki_operator_key_file;       /* "jpki.operator_key_file": its bearer API key, one line, mode 600 */
    int jpki_operator_cache_seconds;    /* "jpki.operator_cache_seconds": good and revoked answers reused */
    int jpki_operator_max_data_age;     /* "jpki.operator_max_data_age_seconds": older source data is unknown */
    int jpki_operator_timeout_ms;       /* "jpki.operator_timeout_ms": one call, connecting included */
    int jpki_operator_breaker_failures; /* "jpki.operator_breaker_failures": failed calls in a row that open it */
    int jpki_operator_breaker_seconds;  /* "jpki.operator_breaker_seconds": open this long, then one probe */
    char *jpki_anchors_text[2];         /* "jpki.auth_anchors", "jpki.sign_anchors": comma-joined as given */
    unsigned char jpki_anchors[2][IDP_CONFIG_MAX_ANCHORS][32]; /* ... parsed: SPKI SHA-256 of each pinned root */
    size_t n_jpki_anchors[2];
    int jpki_challenge_seconds;            /* "jpki.challenge_seconds": a challenge's lifetime */
    int jpki_max_challenges;               /* "jpki.max_challenges_per_login" */
    int jpki_rate_per_minute;              /* "jpki.rate_per_minute": card requests per client address */
    int jpki_max_verifications_per_second; /* "jpki.max_verifications_per_second": the node's circuit breaker */

    /* "app": our own card app (docs/ui.md "The app page"); "ui": where the pages point residents */
    char *app_ios_store_url;       /* "app.ios_store_url": its App Store page, or NULL */
    char *app_android_store_url;   /* "app.android_store_url": its Google Play page, or NULL */
    char *app_ios_app_ids;         /* "app.ios_app_ids": TEAMID.bundle.id, comma-joined (apple-app-site-association) */
    char *app_android_package;     /* "app.android_package": its package name (assetlinks.json), or NULL */
    char *app_android_cert_sha256; /* "app.android_cert_sha256": its signing certificates' SHA-256, comma-joined */
    char *ui_help_url;             /* "ui.help_url": "when it does not work" (default: our page /help/card) */
    char *ui_digital_auth_app_url; /* "ui.digital_auth_app_url": where the Digital Agency explains its app */
    char *ui_contact_url;          /* "ui.contact_url": the footer's contact link (none: not shown) */
    char *ui_privacy_url;          /* "ui.privacy_url": SakaI-D's privacy policy */
    char *ui_terms_url;            /* "ui.terms_url": its terms of use */
} idp_config_t;

/**
 * Loads the configuration. @p path may be NULL (then $SAKAID_CONFIG, else
 * embedded defaults only). @p env is a getenv-like function (tests pass their
 * own). On error returns IDP_E_INVALID_REQUEST and writes a message naming the
 * key into @p err.
 * The result is owned by the caller: idp_config_free().
 */
idp_err_t idp_config_load(const char *path, const char *(*env)(const char *), idp_config_t **out, char *err,
                          size_t errlen);

/** Same, from a JSON text instead of a file (for tests and the fuzzer). */
idp_err_t idp_config_load_text(const char *json, const char *(*env)(const char *), idp_config_t **out, char *err,
                               size_t errlen);

void idp_config_free(idp_config_t *c);

#endif

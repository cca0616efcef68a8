#include "config/config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/b64.h"
#include "core/str.h"
#include "core/url.h"

/* ---- the schema, as data ------------------------------------------------ */

/* T_LIST: a JSON array of strings, or one comma-separated string (the environment's
 * form); stored comma-joined and checked by finish(). */
typedef enum { T_STRING, T_BOOL, T_INT, T_LISTEN, T_LIST } field_type_t;

typedef struct {
    const char *key; /* dotted path in the JSON file */
    const char *env; /* environment override, or NULL */
    field_type_t type;
    size_t offset;
    long min, max;      /* for T_INT */
    const char *defval; /* embedded default, as text; NULL = none */
} field_t;

#define OFF(f) offsetof(idp_config_t, f)
static const field_t fields[] = {
    {"issuer", "SAKAID_ISSUER", T_STRING, OFF(issuer), 0, 0, NULL},
    {"dev_mode", "SAKAID_DEV_MODE", T_BOOL, OFF(dev_mode), 0, 0, "false"},
    {"data_dir", "SAKAID_DATA_DIR", T_STRING, OFF(data_dir), 0, 0, "./var"},
    {"log_level", "SAKAID_LOG_LEVEL", T_STRING, OFF(log_level), 0, 0, "info"},
    {"http.listen", "SAKAID_LISTEN", T_LISTEN, 0, 0, 0, "127.0.0.1:8080"},
    {"http.threads", "SAKAID_THREADS", T_INT, OFF(threads), 1, 1024, "64"},
    {"http.max_header_bytes", NULL, T_INT, OFF(max_header_bytes), 1024, 1 << 20, "8192"},
    {"http.max_body_bytes", NULL, T_INT, OFF(max_body_bytes), 1024, 16 << 20, "65536"},
    {"http.access_log", NULL, T_BOOL, OFF(access_log), 0, 0, "true"},
    {"http.tls_certificate_file", "SAKAID_TLS_CERTIFICATE_FILE", T_STRING, OFF(tls_cert_file), 0, 0, NULL},
    {"http.tls_private_key_file", "SAKAID_TLS_PRIVATE_KEY_FILE", T_STRING, OFF(tls_key_file), 0, 0, NULL},
    {"http.request_timeout_ms", NULL, T_INT, OFF(request_timeout_ms), 100, 60000, "2000"},
    {"http.keep_alive_ms", NULL, T_INT, OFF(keep_alive_ms), 100, 60000, "2000"},
    {"http.accept_queue", NULL, T_INT, OFF(accept_queue), 1, 65536, "32"},
    {"http.listen_backlog", NULL, T_INT, OFF(listen_backlog), 1, 65535, "1024"},
    {"http.defer_accept_seconds", NULL, T_INT, OFF(defer_accept_seconds), 0, 600, "30"},
    {"http.trusted_proxies", "SAKAID_TRUSTED_PROXIES", T_LIST, OFF(trusted_proxies_text), 0, 0, ""},
    {"http.metrics_listen", "SAKAID_METRICS_LISTEN", T_STRING, OFF(metrics_listen), 0, 0, "127.0.0.1:9464"},
    {"database.url", "SAKAID_DATABASE_URL", T_STRING, OFF(database_url), 0, 0, NULL},
    {"database.pool_size", "SAKAID_DATABASE_POOL_SIZE", T_INT, OFF(pool_size), 1, 256, "12"},
    {"database.pool_wait_ms", NULL, T_INT, OFF(pool_wait_ms), 10, 60000, "2000"},
    {"keys.kek_file", "SAKAID_KEK_FILE", T_STRING, OFF(kek_file), 0, 0, NULL},
    {"keys.refresh_seconds", NULL, T_INT, OFF(key_refresh_seconds), 1, 3600, "30"},
    {"keys.publish_seconds", NULL, T_INT, OFF(key_publish_seconds), 0, 30 * 86400, "86400"},
    {"tokens.access_token_ttl_seconds", NULL, T_INT, OFF(access_token_ttl), 30, 86400, "600"},
    {"tokens.access_token_signing_alg", NULL, T_STRING, OFF(access_token_alg), 0, 0, "RS256"},
    {"tokens.max_token_lifetime_seconds", NULL, T_INT, OFF(max_token_lifetime), 60, 400 * 86400, "86400"},
    {"tokens.id_token_ttl_seconds", NULL, T_INT, OFF(id_token_ttl), 30, 86400, "3600"},
    {"tokens.code_ttl_seconds", NULL, T_INT, OFF(code_ttl), 5, 600, "60"},
    {"tokens.dpop_require_nonce", NULL, T_BOOL, OFF(dpop_require_nonce), 0, 0, "true"},
    {"tokens.refresh_token_ttl_seconds", NULL, T_INT, OFF(refresh_token_ttl), 60, 400 * 86400, "2592000"},
    {"session.lifetime_seconds", NULL, T_INT, OFF(session_ttl), 60, 30 * 86400, "28800"},
    {"session.login_seconds", NULL, T_INT, OFF(login_ttl), 60, 3600, "900"},
    {"session.login_rate_per_minute", NULL, T_INT, OFF(login_rate_per_minute), 1, 1000000, "600"},
    {"session.max_pending_logins", NULL, T_INT, OFF(login_max_pending), 1, 1000, "20"},
    {"consent.lifetime_seconds", NULL, T_INT, OFF(consent_ttl), 60, 5 * 366 * 86400, "31536000"},
    {"statistics.k", "SAKAID_STATISTICS_K", T_INT, OFF(statistics_k), 2, 1000, "10"},
    {"outreach.k", "SAKAID_OUTREACH_K", T_INT, OFF(outreach_k), 2, 1000, "10"},
    {"outreach.differencing_days", "SAKAID_OUTREACH_DIFFERENCING_DAYS", T_INT, OFF(outreach_differencing_days), 1, 3650,
     "90"},
    {"outreach.differencing_segments", "SAKAID_OUTREACH_DIFFERENCING_SEGMENTS", T_INT,
     OFF(outreach_differencing_segments), 1, 1000, "50"},
    {"clients.jwks_uri_cache_seconds", NULL, T_INT, OFF(client_jwks_cache_seconds), 5, 86400, "300"},
    {"clients.auth_failures_before_backoff", NULL, T_INT, OFF(client_auth_failures), 1, 10000, "10"},
    {"logout.retry_seconds", NULL, T_INT, OFF(logout_retry_seconds), 1, 3600, "10"},
    {"maintenance.sweep_seconds", NULL, T_INT, OFF(sweep_seconds), 0, 86400, "60"},
    {"outbound.proxy", "SAKAID_OUTBOUND_PROXY", T_STRING, OFF(outbound_proxy), 0, 0, NULL},
    {"dev.test_cards_dir", "SAKAID_DEV_TEST_CARDS_DIR", T_STRING, OFF(dev_test_cards_dir), 0, 0, NULL},
    {"jpki.auth_roots", "SAKAID_JPKI_AUTH_ROOTS", T_STRING, OFF(jpki_auth_roots), 0, 0, NULL},
    {"jpki.sign_roots", "SAKAID_JPKI_SIGN_ROOTS", T_STRING, OFF(jpki_sign_roots), 0, 0, NULL},
    {"jpki.crl_dir", "SAKAID_JPKI_CRL_DIR", T_STRING, OFF(jpki_crl_dir), 0, 0, NULL},
    {"jpki.revocation_source", "SAKAID_JPKI_REVOCATION_SOURCE", T_STRING, OFF(jpki_revocation_source), 0, 0, "crl"},
    {"jpki.operator_url", "SAKAID_JPKI_OPERATOR_URL", T_STRING, OFF(jpki_operator_url), 0, 0, NULL},
    {"jpki.operator_key_file", "SAKAID_JPKI_OPERATOR_KEY_FILE", T_STRING, OFF(jpki_operator_key_file), 0, 0, NULL},
    {"jpki.operator_cache_seconds", NULL, T_INT, OFF(jpki_operator_cache_seconds), 0, 3600, "300"},
    {"jpki.operator_max_data_age_seconds", NULL, T_INT, OFF(jpki_operator_max_data_age), 60, 7 * 86400, "129600"},
    {"jpki.operator_timeout_ms", NULL, T_INT, OFF(jpki_operator_timeout_ms), 50, 5000, "800"},
    {"jpki.operator_breaker_failures", NULL, T_INT, OFF(jpki_operator_breaker_failures), 1, 1000, "5"},
    {"jpki.operator_breaker_seconds", NULL, T_INT, OFF(jpki_operator_breaker_seconds), 1, 3600, "30"},
    {"jpki.auth_anchors", "SAKAID_JPKI_AUTH_ANCHORS", T_LIST, OFF(jpki_anchors_text[0]), 0, 0, ""},
    {"jpki.sign_anchors", "SAKAID_JPKI_SIGN_ANCHORS", T_LIST, OFF(jpki_anchors_text[1]), 0, 0, ""},
    {"jpki.challenge_seconds", NULL, T_INT, OFF(jpki_challenge_seconds), 1, 600, "120"},
    {"jpki.max_challenges_per_login", NULL, T_INT, OFF(jpki_max_challenges), 1, 100, "10"},
    {"jpki.rate_per_minute", NULL, T_INT, OFF(jpki_rate_per_minute), 1, 100000, "30"},
    {"jpki.max_verifications_per_second", NULL, T_INT, OFF(jpki_max_verifications_per_second), 1, 100000, "400"},
    {"app.ios_store_url", "SAKAID_APP_IOS_STORE_URL", T_STRING, OFF(app_ios_store_url), 0, 0, NULL},
    {"app.android_store_url", "SAKAID_APP_ANDROID_STORE_URL", T_STRING, OFF(app_android_store_url), 0, 0, NULL},
    {"app.ios_app_ids", NULL, T_LIST, OFF(app_ios_app_ids), 0, 0, ""},
    {"app.android_package", NULL, T_STRING, OFF(app_android_package), 0, 0, NULL},
    {"app.android_cert_sha256", NULL, T_LIST, OFF(app_android_cert_sha256), 0, 0, ""},
    {"ui.help_url", "SAKAID_UI_HELP_URL", T_STRING, OFF(ui_help_url), 0, 0, "/help/card"},
    {"ui.digital_auth_app_url", NULL, T_STRING, OFF(ui_digital_auth_app_url), 0, 0,
     "https://services.digital.go.jp/auth-and-sign/"},
    {"ui.contact_url", "SAKAID_UI_CONTACT_URL", T_STRING, OFF(ui_contact_url), 0, 0, NULL},
    {"ui.privacy_url", "SAKAID_UI_PRIVACY_URL", T_STRING, OFF(ui_privacy_url), 0, 0, NULL},
    {"ui.terms_url", "SAKAID_UI_TERMS_URL", T_STRING, OFF(ui_terms_url), 0, 0, NULL},
};
static const size_t nfields = sizeof(fields) / sizeof(fields[0]);

/* SAKAID_PORT changes only the port of http.listen (and of the default issuer). */
#define ENV_PORT "SAKAID_PORT"
#define ENV_CONFIG "SAKAID_CONFIG"

static void errf(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void errf(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

static bool parse_bool_text(const char *s, bool *out)
{
    if (!strcmp(s, "1") || !strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")) {
        *out = true;
        return true;
    }
    if (!strcmp(s, "0") || !strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off") || !*s) {
        *out = false;
        return true;
    }
    return false;
}

/* "host:port" or "[v6]:port" into a new host string and the port. */
static bool split_host_port(const char *s, char **host_out, int *port_out)
{
    const char *colon = strrchr(s, ':');
    long port;
    if (colon == NULL || colon == s || !idp_str_to_long(colon + 1, 1, 65535, &port))
        return false;
    size_t hl = (size_t)(colon - s);
    if (s[0] == '[') { /* [::1]:8080 */
        if (hl < 3 || s[hl - 1] != ']')
            return false;
        s++;
        hl -= 2;
    }
    char *host = strndup(s, hl);
    if (host == NULL)
        return false;
    free(*host_out);
    *host_out = host;
    *port_out = (int)port;
    return true;
}

static bool parse_listen(const char *s, idp_config_t *c)
{
    return split_host_port(s, &c->listen_host, &c->listen_port);
}

/* Stores a textual value (a default or an environment override). */
static bool set_text(idp_config_t *c, const field_t *f, const char *v)
{
    void *slot = (char *)c + f->offset;
    long n;
    bool b;
    switch (f->type) {
    case T_STRING:
    case T_LIST: {
        char *d = strdup(v);
        if (d == NULL)
            return false;
        free(*(char **)slot);
        *(char **)slot = d;
        return true;
    }
    case T_BOOL:
        if (!parse_bool_text(v, &b))
            return false;
        *(bool *)slot = b;
        return true;
    case T_INT:
        if (!idp_str_to_long(v, f->min, f->max, &n))
            return false;
        if (f->offset == OFF(max_header_bytes) || f->offset == OFF(max_body_bytes))
            *(long *)slot = n;
        else
            *(int *)slot = (int)n;
        return true;
    case T_LISTEN: return parse_listen(v, c);
    }
    return false;
}

static bool set_json(idp_config_t *c, const field_t *f, json_t *v)
{
    char num[32];
    switch (f->type) {
    case T_STRING:
    case T_LISTEN:
        /* null unsets a string that may be absent (no default; http.metrics_listen: off). The others are
         * read without a NULL check (data_dir, log_level, tokens.access_token_signing_alg): a string only. */
        if (json_is_null(v) && f->type == T_STRING && (f->defval == NULL || f->offset == OFF(metrics_listen))) {
            free(*(char **)((char *)c + f->offset));
            *(char **)((char *)c + f->offset) = NULL;
            return true;
        }
        return json_is_string(v) && set_text(c, f, json_string_value(v));
    case T_BOOL:
        if (!json_is_boolean(v))
            return false;
        *(bool *)((char *)c + f->offset) = json_is_true(v);
        return true;
    case T_INT:
        if (!json_is_integer(v))
            return false;
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        return set_text(c, f, num);
    case T_LIST: {
        if (json_is_string(v))
            return set_text(c, f, json_string_value(v));
        if (!json_is_array(v))
            return false;
        size_t i;
        json_t *item;
        char joined[4096] = "";
        size_t len = 0;
        json_array_foreach (v, i, item) {
            const char *t = json_string_value(item);
            /* an element may not hide a second one behind a comma */
            if (t == NULL || strchr(t, ',') != NULL)
                return false;
            int n = snprintf(joined + len, sizeof(joined) - len, "%s%s", i ? "," : "", t);
            if (n < 0 || (size_t)n >= sizeof(joined) - len)
                return false;
            len += (size_t)n;
        }
        return set_text(c, f, joined);
    }
    }
    return false;
}

static const char *type_name(field_type_t t)
{
    switch (t) {
    case T_STRING: return "a string";
    case T_BOOL: return "true or false";
    case T_INT: return "an integer in range";
    case T_LISTEN: return "\"host:port\"";
    case T_LIST: return "a list of strings";
    }
    return "?";
}

/* Walks the JSON object, rejecting unknown keys by their dotted name. */
static idp_err_t apply_object(idp_config_t *c, json_t *obj, const char *prefix, char *err, size_t errlen)
{
    const char *k;
    json_t *v;
    json_object_foreach (obj, k, v) {
        char path[128];
        snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", k);
        if (json_is_object(v)) {
            /* a section: only if some field lives under it */
            bool section = false;
            size_t pl = strlen(path);
            for (size_t i = 0; i < nfields; i++)
                if (!strncmp(fields[i].key, path, pl) && fields[i].key[pl] == '.')
                    section = true;
            if (!section) {
                errf(err, errlen, "configuration: unknown key \"%s\"", path);
                return IDP_E_INVALID_REQUEST;
            }
            idp_err_t ret = apply_object(c, v, path, err, errlen);
            if (ret != IDP_OK)
                return ret;
            continue;
        }
        const field_t *f = NULL;
        for (size_t i = 0; i < nfields; i++)
            if (!strcmp(fields[i].key, path))
                f = &fields[i];
        if (f == NULL) {
            errf(err, errlen, "configuration: unknown key \"%s\"", path);
            return IDP_E_INVALID_REQUEST;
        }
        if (!set_json(c, f, v)) {
            char msg[160];
            if (f->type == T_INT)
                snprintf(msg, sizeof(msg), "an integer from %ld to %ld", f->min, f->max);
            else
                snprintf(msg, sizeof(msg), "%s", type_name(f->type));
            errf(err, errlen, "configuration: \"%s\" must be %s", path, msg);
            return IDP_E_INVALID_REQUEST;
        }
    }
    return IDP_OK;
}

static idp_err_t apply_env(idp_config_t *c, const char *(*env)(const char *), char *err, size_t errlen)
{
    for (size_t i = 0; i < nfields; i++) {
        const char *v;
        if (fields[i].env == NULL || (v = env(fields[i].env)) == NULL)
            continue;
        if (!set_text(c, &fields[i], v)) {
            char msg[160];
            if (fields[i].type == T_INT)
                snprintf(msg, sizeof(msg), "an integer from %ld to %ld", fields[i].min, fields[i].max);
            else
                snprintf(msg, sizeof(msg), "%s", type_name(fields[i].type));
            errf(err, errlen, "environment: %s must be %s", fields[i].env, msg);
            return IDP_E_INVALID_REQUEST;
        }
    }
    const char *port = env(ENV_PORT);
    long p;
    if (port) {
        if (!idp_str_to_long(port, 1, 65535, &p)) {
            errf(err, errlen, "environment: %s must be a port number from 1 to 65535", ENV_PORT);
            return IDP_E_INVALID_REQUEST;
        }
        c->listen_port = (int)p;
    }
    return IDP_OK;
}

/* http.trusted_proxies: comma-separated addresses and CIDR blocks, IPv4 and IPv6. */
static idp_err_t parse_proxies(idp_config_t *c, char *err, size_t errlen)
{
    const char *p = c->trusted_proxies_text ? c->trusted_proxies_text : "";
    c->n_trusted_proxies = 0;
    while (*p) {
        size_t n = strcspn(p, ",");
        char item[128];
        /* surrounding spaces are allowed ("10.0.0.0/8, ::1") */
        const char *b = p, *e = p + n;
        while (b < e && *b == ' ')
            b++;
        while (e > b && e[-1] == ' ')
            e--;
        if (c->n_trusted_proxies == IDP_CONFIG_MAX_PROXIES) {
            errf(err, errlen, "configuration: \"http.trusted_proxies\" has more than %d entries",
                 IDP_CONFIG_MAX_PROXIES);
            return IDP_E_INVALID_REQUEST;
        }
        bool ok = (size_t)(e - b) < sizeof(item);
        if (ok) {
            memcpy(item, b, (size_t)(e - b));
            item[e - b] = '\0';
            ok = idp_cidr_parse(item, &c->trusted_proxies[c->n_trusted_proxies]);
        }
        if (!ok) {
            errf(err, errlen,
                 "configuration: \"http.trusted_proxies\" has \"%.*s\", which is not an IP address or a CIDR "
                 "block (a network address and its prefix length, e.g. 10.0.0.0/8 or fd00::/8)",
                 (int)(e - b > 100 ? 100 : e - b), b);
            return IDP_E_INVALID_REQUEST;
        }
        c->n_trusted_proxies++;
        p += n;
        if (*p == ',')
            p++;
    }
    return IDP_OK;
}

/* One SHA-256 digest: 64 hex digits (colons between bytes allowed) or 43 base64url characters. */
static bool parse_digest(const char *s, size_t n, unsigned char out[32])
{
    size_t len = 0;
    if (n == 43)
        return idp_b64url_decode(s, n, out, 35, &len) == IDP_OK && len == 32;
    for (size_t i = 0; i < n; len++) {
        static const char hexd[] = "0123456789abcdef0123456789ABCDEF";
        const char *hi, *lo;
        if (len == 32 || i + 1 >= n || (hi = memchr(hexd, s[i], 32)) == NULL ||
            (lo = memchr(hexd, s[i + 1], 32)) == NULL)
            return false;
        out[len] = (unsigned char)((((hi - hexd) & 15) << 4) | ((lo - hexd) & 15));
        i += 2;
        if (i < n && s[i] == ':' && ++i == n)
            return false; /* a trailing colon */
    }
    return len == 32;
}

/* jpki.auth_anchors / jpki.sign_anchors: comma-separated SPKI SHA-256 digests (docs/configuration.md). */
static idp_err_t parse_anchors(idp_config_t *c, int which, char *err, size_t errlen)
{
    static const char *const key[2] = {"jpki.auth_anchors", "jpki.sign_anchors"};
    const char *p = c->jpki_anchors_text[which] ? c->jpki_anchors_text[which] : "";
    c->n_jpki_anchors[which] = 0;
    while (*p) {
        size_t n = strcspn(p, ",");
        const char *b = p, *e = p + n;
        while (b < e && *b == ' ')
            b++;
        while (e > b && e[-1] == ' ')
            e--;
        if (c->n_jpki_anchors[which] == IDP_CONFIG_MAX_ANCHORS) {
            errf(err, errlen, "configuration: \"%s\" has more than %d entries", key[which], IDP_CONFIG_MAX_ANCHORS);
            return IDP_E_INVALID_REQUEST;
        }
        if (!parse_digest(b, (size_t)(e - b), c->jpki_anchors[which][c->n_jpki_anchors[which]])) {
            errf(err, errlen,
                 "configuration: \"%s\" has \"%.*s\", which is not a SHA-256 digest of a root's SubjectPublicKeyInfo "
                 "(64 hex digits, or 43 base64url characters)",
                 key[which], (int)(e - b > 100 ? 100 : e - b), b);
            return IDP_E_INVALID_REQUEST;
        }
        c->n_jpki_anchors[which]++;
        p += n;
        if (*p == ',')
            p++;
    }
    return IDP_OK;
}

/* http://host... with a loopback host, or https://: the outbound policy of net/http_client.h, checked at start. */
static bool outbound_url_ok(const char *url)
{
    char host[256];
    if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
        return false;
    if (!idp_url_host(url, host, sizeof(host)) || host[0] == '\0')
        return false;
    return strncmp(url, "https://", 8) == 0 || idp_url_host_is_loopback(host);
}

/* Card login's revocation source (docs/card.md "Revocation"): CRL files or the platform operator's API. */
static idp_err_t check_revocation(const idp_config_t *c, char *err, size_t errlen)
{
    bool crl = !strcmp(c->jpki_revocation_source, "crl"), op = !strcmp(c->jpki_revocation_source, "operator");
    if (!crl && !op) {
        errf(err, errlen, "configuration: \"jpki.revocation_source\" must be \"crl\" or \"operator\"");
        return IDP_E_INVALID_REQUEST;
    }
    /* A setting of the other source is a mistake to report, not to ignore: the operator meant one of them. */
    const char *stray = crl ? (c->jpki_operator_url        ? "jpki.operator_url"
                               : c->jpki_operator_key_file ? "jpki.operator_key_file"
                                                           : NULL)
                            : (c->jpki_crl_dir ? "jpki.crl_dir" : NULL);
    if (stray) {
        errf(err, errlen, "configuration: \"%s\" is not used when \"jpki.revocation_source\" is \"%s\"", stray,
             c->jpki_revocation_source);
        return IDP_E_INVALID_REQUEST;
    }
    if (c->jpki_auth_roots == NULL)
        return IDP_OK; /* card login is off */
    const char *missing = !c->jpki_sign_roots                ? "jpki.sign_roots"
                          : crl && !c->jpki_crl_dir          ? "jpki.crl_dir"
                          : op && !c->jpki_operator_url      ? "jpki.operator_url"
                          : op && !c->jpki_operator_key_file ? "jpki.operator_key_file"
                                                             : NULL;
    if (missing) {
        errf(err, errlen, "configuration: \"%s\" is required when \"jpki.auth_roots\" is set%s", missing,
             op ? " and \"jpki.revocation_source\" is \"operator\"" : "");
        return IDP_E_INVALID_REQUEST;
    }
    if (op && !outbound_url_ok(c->jpki_operator_url)) {
        errf(err, errlen,
             "configuration: \"jpki.operator_url\" must be an https URL (http only to a loopback host, for tests)");
        return IDP_E_INVALID_REQUEST;
    }
    return IDP_OK;
}

/* One entry of a comma-joined list: its length, and *p moved past it and its comma. */
static size_t list_next(const char **p)
{
    size_t n = strcspn(*p, ",");
    *p += n + ((*p)[n] == ',');
    return n;
}

/* An Apple application identifier: a 10-character team id, a dot, a bundle id. */
static bool apple_app_id_ok(const char *s, size_t n)
{
    if (n < 12 || n > 255 || s[10] != '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool ok = i < 10 ? ((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
                         : ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                            ch == '.' || ch == '-');
        if (!ok)
            return false;
    }
    return true;
}

/* A SHA-256 fingerprint as Android's Digital Asset Links write it: 32 upper-case hex bytes joined by colons. */
static bool fingerprint_ok(const char *s, size_t n)
{
    if (n != 95)
        return false;
    for (size_t i = 0; i < n; i++)
        if (i % 3 == 2 ? s[i] != ':' : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F')))
            return false;
    return true;
}

/* A Java package name as Android applications have: two or more dot-separated identifiers. */
static bool android_package_ok(const char *s)
{
    size_t parts = 0;
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, ".");
        if (n == 0 || !((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z')))
            return false;
        for (size_t i = 0; i < n; i++)
            if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9') ||
                  p[i] == '_'))
                return false;
        parts++;
        p += n;
        if (*p == '.' && !*++p)
            return false;
    }
    return parts >= 2;
}

/*
 * Where the pages point residents (docs/ui.md): our app's store pages, the
 * app-link files of /.well-known, the help page. Links that leave SakaI-D
 * must be https (http only to a loopback host, for tests); the help page
 * may also be one of our own paths.
 */
static idp_err_t check_links(const idp_config_t *c, char *err, size_t errlen)
{
    const struct {
        const char *key, *url;
        bool local;
    } urls[] = {{"app.ios_store_url", c->app_ios_store_url, false},
                {"app.android_store_url", c->app_android_store_url, false},
                {"ui.help_url", c->ui_help_url, true},
                {"ui.digital_auth_app_url", c->ui_digital_auth_app_url, false},
                {"ui.contact_url", c->ui_contact_url, true},
                {"ui.privacy_url", c->ui_privacy_url, true},
                {"ui.terms_url", c->ui_terms_url, true}};
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        const char *u = urls[i].url;
        /* A path of ours ("/help/card"), never "//host" (another origin) nor anything HTML would need to escape. */
        if (u == NULL || (urls[i].local && u[0] == '/' && u[1] != '/' && !strpbrk(u, "\\\"<>' ")))
            continue;
        if (!outbound_url_ok(u) || strpbrk(u, "\\\"<>' ")) {
            errf(err, errlen, "configuration: \"%s\" must be an https URL%s", urls[i].key,
                 urls[i].local ? " or a path on this server" : "");
            return IDP_E_INVALID_REQUEST;
        }
    }
    for (const char *p = c->app_ios_app_ids; p && *p;) {
        const char *item = p;
        size_t n = list_next(&p);
        if (!apple_app_id_ok(item, n)) {
            errf(err, errlen, "configuration: \"app.ios_app_ids\" has \"%.*s\", which is not TEAMID.bundle.id", (int)n,
                 item);
            return IDP_E_INVALID_REQUEST;
        }
    }
    for (const char *p = c->app_android_cert_sha256; p && *p;) {
        const char *item = p;
        size_t n = list_next(&p);
        if (!fingerprint_ok(item, n)) {
            errf(err, errlen,
                 "configuration: \"app.android_cert_sha256\" has \"%.*s\", which is not a SHA-256 fingerprint "
                 "(AA:BB:..., 32 bytes)",
                 (int)n, item);
            return IDP_E_INVALID_REQUEST;
        }
    }
    bool pkg = c->app_android_package != NULL, fps = c->app_android_cert_sha256 && *c->app_android_cert_sha256;
    if (pkg && !android_package_ok(c->app_android_package)) {
        errf(err, errlen, "configuration: \"app.android_package\" is not an Android package name");
        return IDP_E_INVALID_REQUEST;
    }
    if (pkg != fps) {
        errf(err, errlen, "configuration: \"app.android_package\" and \"app.android_cert_sha256\" go together");
        return IDP_E_INVALID_REQUEST;
    }
    return IDP_OK;
}

/* Cross-field rules and derived defaults. */
/*
 * Without "database.url": the URL that the dev runner (scripts/run) leaves
 * for its embedded PostgreSQL in <data_dir>/database.url, so that
 * sakaid-admin finds the cluster as sakaid does (issue #20). It holds the
 * cluster's password: read only from a regular file of the user's own that
 * nobody else may read or write (mode 0600), never through a symbolic link.
 * No such file: nothing changes.
 */
static idp_err_t database_url_file(idp_config_t *c, char *err, size_t errlen)
{
    char path[4096], text[2048];
    if (snprintf(path, sizeof(path), "%s/database.url", c->data_dir) >= (int)sizeof(path))
        return IDP_OK;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 && errno == ENOENT)
        return IDP_OK;
    struct stat st;
    ssize_t n = -1;
    bool mine =
        fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() && (st.st_mode & 077) == 0;
    if (mine)
        n = read(fd, text, sizeof(text) - 1);
    if (fd >= 0)
        close(fd);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
        n--;
    if (!mine || n <= 0 || (size_t)n >= sizeof(text) - 1) {
        errf(err, errlen,
             "configuration: %s must be a regular file of this user's, readable by nobody else (chmod 600), "
             "holding one PostgreSQL URL",
             path);
        return IDP_E_INVALID_REQUEST;
    }
    text[n] = '\0';
    for (ssize_t i = 0; i < n; i++)
        if ((unsigned char)text[i] < 0x21 || text[i] == 0x7f) {
            errf(err, errlen, "configuration: %s must hold one PostgreSQL URL on one line", path);
            return IDP_E_INVALID_REQUEST;
        }
    free(c->database_url);
    if ((c->database_url = strdup(text)) == NULL)
        return IDP_E_NOMEM;
    return IDP_OK;
}

static idp_err_t finish(idp_config_t *c, char *err, size_t errlen)
{
    char buf[512];
    idp_err_t ret;
    bool tls = c->tls_cert_file || c->tls_key_file;
    if (tls && !(c->tls_cert_file && c->tls_key_file)) {
        errf(err, errlen, "configuration: \"%s\" is required when the other TLS file is set",
             c->tls_cert_file ? "http.tls_private_key_file" : "http.tls_certificate_file");
        return IDP_E_INVALID_REQUEST;
    }
    if (!tls && !idp_url_host_is_loopback(c->listen_host)) {
        errf(err, errlen,
             "configuration: \"http.listen\" (%s) serves plain HTTP, which is allowed only on a loopback "
             "address behind a TLS-terminating proxy; set http.tls_certificate_file and "
             "http.tls_private_key_file to serve HTTPS",
             c->listen_host);
        return IDP_E_INVALID_REQUEST;
    }
    if (c->issuer == NULL) {
        /* Only a loopback development set-up may leave the issuer to us. */
        if (tls || !idp_url_host_is_loopback(c->listen_host)) {
            errf(err, errlen, "configuration: \"issuer\" is required");
            return IDP_E_INVALID_REQUEST;
        }
        snprintf(buf, sizeof(buf), "http://%s%s%s:%d", strchr(c->listen_host, ':') ? "[" : "", c->listen_host,
                 strchr(c->listen_host, ':') ? "]" : "", c->listen_port);
        if ((c->issuer = strdup(buf)) == NULL)
            return IDP_E_NOMEM;
    }
    idp_url_status_t st = idp_url_check_issuer(c->issuer);
    if (st != IDP_URL_OK) {
        errf(err, errlen, "configuration: \"issuer\" %s", idp_url_status_text(st));
        return IDP_E_INVALID_REQUEST;
    }
    if ((c->database_url == NULL || !*c->database_url) && (ret = database_url_file(c, err, errlen)) != IDP_OK)
        return ret;
    if (c->database_url == NULL || !*c->database_url) {
        errf(err, errlen,
             "configuration: \"database.url\" is required (or set SAKAID_DATABASE_URL; while ./scripts/run runs, "
             "%s/database.url names its embedded PostgreSQL: run from the directory it ran in, or set data_dir)",
             c->data_dir);
        return IDP_E_INVALID_REQUEST;
    }
    /* the algorithms jose signs with (jose/key.h; config does not link jose) */
    if (strcmp(c->access_token_alg, "RS256") && strcmp(c->access_token_alg, "ES256") &&
        strcmp(c->access_token_alg, "PS256")) {
        errf(err, errlen, "configuration: \"tokens.access_token_signing_alg\" must be RS256, ES256 or PS256");
        return IDP_E_INVALID_REQUEST;
    }
    if (strcmp(c->log_level, "debug") && strcmp(c->log_level, "info") && strcmp(c->log_level, "warn") &&
        strcmp(c->log_level, "error")) {
        errf(err, errlen, "configuration: \"log_level\" must be debug, info, warn or error");
        return IDP_E_INVALID_REQUEST;
    }
    if (c->access_token_ttl > c->max_token_lifetime) {
        errf(err, errlen,
             "configuration: \"tokens.access_token_ttl_seconds\" must not exceed "
             "\"tokens.max_token_lifetime_seconds\"");
        return IDP_E_INVALID_REQUEST;
    }
    if (c->id_token_ttl > c->max_token_lifetime) {
        errf(err, errlen,
             "configuration: \"tokens.id_token_ttl_seconds\" must not exceed \"tokens.max_token_lifetime_seconds\"");
        return IDP_E_INVALID_REQUEST;
    }
    if (c->dev_test_cards_dir && !c->dev_mode) {
        errf(err, errlen, "configuration: \"dev.test_cards_dir\" is allowed only with \"dev_mode\"");
        return IDP_E_INVALID_REQUEST;
    }
    if ((ret = check_revocation(c, err, errlen)) != IDP_OK)
        return ret;
    if ((ret = check_links(c, err, errlen)) != IDP_OK)
        return ret;
    if (c->outbound_proxy && strncmp(c->outbound_proxy, "http://", 7) && strncmp(c->outbound_proxy, "https://", 8)) {
        errf(err, errlen, "configuration: \"outbound.proxy\" must be an http:// or https:// URL (a proxy's)");
        return IDP_E_INVALID_REQUEST;
    }
    if ((ret = parse_proxies(c, err, errlen)) != IDP_OK)
        return ret;
    for (int which = 0; which < 2; which++)
        if ((ret = parse_anchors(c, which, err, errlen)) != IDP_OK)
            return ret;
    if (c->metrics_listen && *c->metrics_listen) {
        if (!split_host_port(c->metrics_listen, &c->metrics_host, &c->metrics_port)) {
            errf(err, errlen, "configuration: \"http.metrics_listen\" must be \"host:port\" or \"\" (off)");
            return IDP_E_INVALID_REQUEST;
        }
        /* Counters are not for the public: plain HTTP on loopback only (docs/deployment.md). */
        if (!idp_url_host_is_loopback(c->metrics_host)) {
            errf(err, errlen, "configuration: \"http.metrics_listen\" (%s) must be a loopback address",
                 c->metrics_host);
            return IDP_E_INVALID_REQUEST;
        }
        if (c->metrics_port == c->listen_port && !strcmp(c->metrics_host, c->listen_host)) {
            errf(err, errlen, "configuration: \"http.metrics_listen\" must differ from \"http.listen\"");
            return IDP_E_INVALID_REQUEST;
        }
    }
    if (c->kek_file == NULL) {
        snprintf(buf, sizeof(buf), "%s/kek.key", c->data_dir);
        if ((c->kek_file = strdup(buf)) == NULL)
            return IDP_E_NOMEM;
    }
    return IDP_OK;
}

static idp_err_t load(json_t *root, const char *(*env)(const char *), idp_config_t **out, char *err, size_t errlen)
{
    idp_err_t ret;
    idp_config_t *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return IDP_E_NOMEM;
    for (size_t i = 0; i < nfields; i++)
        if (fields[i].defval && !set_text(c, &fields[i], fields[i].defval)) {
            ret = IDP_E_SERVER_ERROR;
            goto Exit;
        }
    if (root && (ret = apply_object(c, root, "", err, errlen)) != IDP_OK)
        goto Exit;
    if ((ret = apply_env(c, env, err, errlen)) != IDP_OK)
        goto Exit;
    ret = finish(c, err, errlen);
Exit:
    if (ret != IDP_OK) {
        idp_config_free(c);
        c = NULL;
    }
    *out = c;
    return ret;
}

static const char *no_env(const char *name)
{
    (void)name;
    return NULL;
}

idp_err_t idp_config_load_text(const char *text, const char *(*env)(const char *), idp_config_t **out, char *err,
                               size_t errlen)
{
    json_error_t je;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL || !json_is_object(root)) {
        snprintf(err, errlen, "configuration: not a JSON object (line %d: %s)", je.line, je.text);
        json_decref(root);
        *out = NULL;
        return IDP_E_INVALID_REQUEST;
    }
    idp_err_t ret = load(root, env ? env : no_env, out, err, errlen);
    json_decref(root);
    return ret;
}

idp_err_t idp_config_load(const char *path, const char *(*env)(const char *), idp_config_t **out, char *err,
                          size_t errlen)
{
    if (env == NULL)
        env = no_env;
    if (path == NULL)
        path = env(ENV_CONFIG);
#ifdef SAKAID_DEFAULT_CONFIG
    if (path == NULL) /* an installed build (debian/): the packaged file, for sakaid and sakaid-admin alike */
        path = SAKAID_DEFAULT_CONFIG;
#endif
    if (path == NULL || !*path)
        return load(NULL, env, out, err, errlen);
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL || !json_is_object(root)) {
        snprintf(err, errlen, "configuration file %s: %s (line %d)", path, root ? "not a JSON object" : je.text,
                 je.line);
        json_decref(root);
        *out = NULL;
        return IDP_E_INVALID_REQUEST;
    }
    idp_err_t ret = load(root, env, out, err, errlen);
    json_decref(root);
    return ret;
}

void idp_config_free(idp_config_t *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < nfields; i++)
        if (fields[i].type == T_STRING || fields[i].type == T_LIST)
            free(*(char **)((char *)c + fields[i].offset));
    free(c->listen_host);
    free(c->metrics_host);
    free(c);
}

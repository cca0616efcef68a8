/*
 * Fuzz target: the configuration file (idp/config/config.c) and the
 * environment overrides on top of it. The input is the file's JSON text,
 * optionally followed by a line "%%" and environment lines NAME=VALUE
 * (SAKAID_ISSUER=..., SAKAID_PORT=...), which the getenv-like function
 * given to idp_config_load_text answers from. A configuration that loads
 * must hold what the server relies on without checking again: an issuer
 * that passes the issuer rules, a port, a database URL, an algorithm and a
 * log level from their sets, token lifetimes within the longest, and
 * at most the listed number of proxies and anchors. A refusal must say why.
 * libFuzzer: -DSAKAID_FUZZ=ON with clang (docs/testing.md); the test suite
 * runs it through driver.c over tests/fuzz/seeds/config.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/url.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ENV 32

static struct {
    char *name[MAX_ENV], *value[MAX_ENV];
    size_t n;
} env;

static const char *fake_env(const char *name)
{
    for (size_t i = 0; i < env.n; i++)
        if (!strcmp(env.name[i], name))
            return env.value[i];
    return NULL;
}

/* NAME=VALUE lines (the first of a name wins, as in a process environment). */
static void load_env(const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    while (p < end && env.n < MAX_ENV) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *eol = nl ? nl : end;
        const char *eq = memchr(p, '=', (size_t)(eol - p));
        if (eq && eq > p && !memchr(p, '\0', (size_t)(eol - p))) {
            env.name[env.n] = fuzz_memdup(p, (size_t)(eq - p));
            env.value[env.n] = fuzz_memdup(eq + 1, (size_t)(eol - eq - 1));
            if (env.name[env.n] && env.value[env.n]) {
                env.n++;
            } else {
                free(env.name[env.n]);
                free(env.value[env.n]);
            }
        }
        p = eol + 1;
    }
}

static void free_env(void)
{
    for (size_t i = 0; i < env.n; i++) {
        free(env.name[i]);
        free(env.value[i]);
    }
    env.n = 0;
}

static int in(const char *s, const char *const *set)
{
    for (; s && *set; set++)
        if (!strcmp(s, *set))
            return 1;
    return 0;
}

static void check(const idp_config_t *c)
{
    static const char *const algs[] = {"RS256", "ES256", "PS256", NULL}, *const levels[] = {"debug", "info", "warn",
                                                                                            "error", NULL};
    if (c->issuer == NULL || idp_url_check_issuer(c->issuer) != IDP_URL_OK || c->listen_host == NULL ||
        c->listen_port < 1 || c->listen_port > 65535 || c->database_url == NULL || !*c->database_url ||
        !in(c->access_token_alg, algs) || !in(c->log_level, levels) || c->data_dir == NULL || c->kek_file == NULL ||
        c->access_token_ttl > c->max_token_lifetime || c->id_token_ttl > c->max_token_lifetime ||
        c->n_trusted_proxies > IDP_CONFIG_MAX_PROXIES || c->n_jpki_anchors[0] > IDP_CONFIG_MAX_ANCHORS ||
        c->n_jpki_anchors[1] > IDP_CONFIG_MAX_ANCHORS || c->threads < 1 || c->pool_size < 1)
        abort();
    if (c->metrics_host && !idp_url_host_is_loopback(c->metrics_host))
        abort(); /* counters are served on loopback only */
    if (!c->tls_cert_file && !idp_url_host_is_loopback(c->listen_host))
        abort(); /* plain HTTP only on loopback */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *sec[2];
    size_t len[2];
    size_t n = fuzz_sections((const char *)data, size, sec, len, 2);
    char *text = fuzz_memdup(sec[0], len[0]);
    if (text == NULL)
        return 0;
    if (n == 2)
        load_env(sec[1], len[1]);
    idp_config_t *c = (idp_config_t *)&c;
    char err[512] = "";
    idp_err_t e = idp_config_load_text(text, fake_env, &c, err, sizeof(err));
    if (e == IDP_OK) {
        if (c == NULL)
            abort();
        check(c);
    } else if (c != NULL || !err[0]) {
        abort(); /* a refusal names what is wrong */
    }
    idp_config_free(c);
    free_env();
    free(text);
    return 0;
}

/* Configuration: defaults, the JSON file, environment overrides, and errors that name the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "config/config.h"

/* A fake environment: pairs of name, value. */
static const char *const *fake_env;
static const char *env(const char *name)
{
    for (const char *const *p = fake_env; p && *p; p += 2)
        if (!strcmp(p[0], name))
            return p[1];
    return NULL;
}
static const char *const base_env[] = {"SAKAID_DATABASE_URL", "postgresql://db/sakaid", NULL};

static idp_err_t load(const char *json, const char *const *e, idp_config_t **c, char *err)
{
    fake_env = e;
    *c = NULL;
    return idp_config_load_text(json, env, c, err, 512);
}

static void defaults(void **state)
{
    idp_config_t *c;
    char err[512];
    assert_int_equal(load("{}", base_env, &c, err), IDP_OK);
    assert_string_equal(c->issuer, "http://127.0.0.1:8080");
    assert_string_equal(c->listen_host, "127.0.0.1");
    assert_int_equal(c->listen_port, 8080);
    assert_int_equal(c->threads, 64);
    assert_int_equal(c->pool_size, 12);
    assert_string_equal(c->data_dir, "./var");
    assert_string_equal(c->kek_file, "./var/kek.key");
    assert_string_equal(c->access_token_alg, "RS256");
    assert_int_equal(c->access_token_ttl, 600);
    assert_null(c->tls_cert_file);
    /* the HTTP edge (docs/deployment.md) */
    assert_int_equal(c->request_timeout_ms, 2000);
    assert_int_equal(c->keep_alive_ms, 2000);
    assert_int_equal(c->accept_queue, 32);
    assert_int_equal(c->listen_backlog, 1024);
    assert_int_equal(c->defer_accept_seconds, 30);
    assert_int_equal(c->n_trusted_proxies, 0);
    assert_string_equal(c->metrics_host, "127.0.0.1");
    assert_int_equal(c->metrics_port, 9464);
    idp_config_free(c);
}

static void trusted_proxies_and_metrics_listen(void **state)
{
    idp_config_t *c;
    char err[512];
    assert_int_equal(load("{\"http\":{\"trusted_proxies\":[\"127.0.0.1\",\"10.0.0.0/8\",\"fd00::/8\"],"
                          "\"metrics_listen\":\"\"}}", base_env, &c, err), IDP_OK);
    assert_int_equal(c->n_trusted_proxies, 3);
    assert_int_equal(c->trusted_proxies[1].bits, 8);
    assert_int_equal(c->trusted_proxies[2].net.len, 16);
    assert_null(c->metrics_host); /* "" turns the metrics listener off */
    idp_config_free(c);
    static const char *const e[] = {"SAKAID_DATABASE_URL", "x", "SAKAID_TRUSTED_PROXIES", "192.0.2.0/24, ::1",
                                    "SAKAID_METRICS_LISTEN", "[::1]:9100", NULL};
    assert_int_equal(load("{}", e, &c, err), IDP_OK);
    assert_int_equal(c->n_trusted_proxies, 2);
    assert_string_equal(c->metrics_host, "::1");
    assert_int_equal(c->metrics_port, 9100);
    idp_config_free(c);
    static const char *const bad[] = {"SAKAID_DATABASE_URL", "x", "SAKAID_TRUSTED_PROXIES", "10.0.0.1/8", NULL};
    assert_int_not_equal(load("{}", bad, &c, err), IDP_OK);
    assert_non_null(strstr(err, "http.trusted_proxies"));
    assert_non_null(strstr(err, "10.0.0.1/8"));
}

static void file_and_env(void **state)
{
    static const char *const e[] = {"SAKAID_DATABASE_URL", "postgresql://other/x", "SAKAID_PORT", "9090",
                                    "SAKAID_DATA_DIR", "/srv/sakaid", NULL};
    idp_config_t *c;
    char err[512];
    assert_int_equal(load("{\"http\":{\"threads\":4,\"max_body_bytes\":2048},\"database\":{\"url\":\"postgresql://file/x\",\"pool_size\":3},"
                          "\"tokens\":{\"access_token_signing_alg\":\"ES256\"}}",
                          e, &c, err),
                     IDP_OK);
    assert_int_equal(c->threads, 4);
    assert_int_equal(c->pool_size, 3);
    assert_int_equal(c->max_body_bytes, 2048);
    assert_string_equal(c->database_url, "postgresql://other/x"); /* environment wins */
    assert_int_equal(c->listen_port, 9090);
    assert_string_equal(c->issuer, "http://127.0.0.1:9090");
    assert_string_equal(c->kek_file, "/srv/sakaid/kek.key");
    assert_string_equal(c->access_token_alg, "ES256");
    idp_config_free(c);
}

/* Each bad configuration fails and the message names the key. */
static void errors_name_the_key(void **state)
{
    static const struct {
        const char *json;
        const char *needle;
    } cases[] = {
        {"{\"htp\":{}}", "\"htp\""},
        {"{\"http\":{\"listen\":\"127.0.0.1:8080\",\"thread\":2}}", "http.thread"},
        {"{\"http\":{\"threads\":\"8\"}}", "http.threads"},
        {"{\"http\":{\"threads\":0}}", "http.threads"},
        {"{\"http\":{\"threads\":100000}}", "http.threads"},
        {"{\"database\":{\"pool_size\":0}}", "database.pool_size"},
        {"{\"http\":{\"listen\":\"nonsense\"}}", "http.listen"},
        {"{\"http\":{\"listen\":\"0.0.0.0:443\"}}", "http.listen"},
        {"{\"http\":{\"tls_certificate_file\":\"/c.pem\"}}", "http.tls_private_key_file"},
        {"{\"issuer\":\"https://id.example/\"}", "issuer"},
        {"{\"issuer\":\"https://id.example?x\"}", "issuer"},
        {"{\"issuer\":\"http://id.example\"}", "issuer"},
        {"{\"tokens\":{\"access_token_signing_alg\":\"none\"}}", "tokens.access_token_signing_alg"},
        {"{\"tokens\":{\"access_token_ttl_seconds\":90000,\"max_token_lifetime_seconds\":3600}}", "tokens.access_token_ttl_seconds"},
        {"{\"log_level\":\"loud\"}", "log_level"},
        {"{\"dev_mode\":\"yes\"}", "dev_mode"},
        {"{\"http\":{\"trusted_proxies\":[\"10.0.0.0/33\"]}}", "http.trusted_proxies"},
        {"{\"http\":{\"trusted_proxies\":[\"proxy.internal\"]}}", "http.trusted_proxies"},
        {"{\"http\":{\"trusted_proxies\":[\"10.0.0.1,10.0.0.2\"]}}", "http.trusted_proxies"},
        {"{\"http\":{\"trusted_proxies\":[1]}}", "http.trusted_proxies"},
        {"{\"http\":{\"metrics_listen\":\"0.0.0.0:9464\"}}", "http.metrics_listen"},
        {"{\"http\":{\"metrics_listen\":\"9464\"}}", "http.metrics_listen"},
        {"{\"http\":{\"metrics_listen\":\"127.0.0.1:8080\"}}", "http.metrics_listen"},
        {"{\"http\":{\"request_timeout_ms\":10}}", "http.request_timeout_ms"},
        {"{\"http\":{\"keep_alive_ms\":100000}}", "http.keep_alive_ms"},
        {"{\"http\":{\"accept_queue\":0}}", "http.accept_queue"},
        {"{\"http\":{\"listen_backlog\":0}}", "http.listen_backlog"},
        {"{\"http\":{\"defer_accept_seconds\":-1}}", "http.defer_accept_seconds"},
        {"[1,2]", "configuration"},
        {"{not json", "configuration"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        idp_config_t *c;
        char err[512] = "";
        if (load(cases[i].json, base_env, &c, err) == IDP_OK)
            fail_msg("accepted %s", cases[i].json);
        if (strstr(err, cases[i].needle) == NULL)
            fail_msg("%s: message \"%s\" does not name %s", cases[i].json, err, cases[i].needle);
        assert_null(c);
    }
}

static void env_errors(void **state)
{
    idp_config_t *c;
    char err[512];
    static const char *const no_db[] = {NULL};
    assert_int_not_equal(load("{}", no_db, &c, err), IDP_OK);
    assert_non_null(strstr(err, "database.url"));
    static const char *const bad_port[] = {"SAKAID_DATABASE_URL", "x", "SAKAID_PORT", "80a", NULL};
    assert_int_not_equal(load("{}", bad_port, &c, err), IDP_OK);
    assert_non_null(strstr(err, "SAKAID_PORT"));
    static const char *const bad_threads[] = {"SAKAID_DATABASE_URL", "x", "SAKAID_THREADS", "-1", NULL};
    assert_int_not_equal(load("{}", bad_threads, &c, err), IDP_OK);
    assert_non_null(strstr(err, "SAKAID_THREADS"));
}

static void tls_anywhere_needs_issuer(void **state)
{
    idp_config_t *c;
    char err[512];
    const char *tls = "{\"http\":{\"listen\":\"0.0.0.0:8443\",\"tls_certificate_file\":\"/c.pem\","
                      "\"tls_private_key_file\":\"/k.pem\"}}";
    assert_int_not_equal(load(tls, base_env, &c, err), IDP_OK);
    assert_non_null(strstr(err, "issuer"));
    const char *ok = "{\"issuer\":\"https://id.sakai.example\",\"http\":{\"listen\":\"0.0.0.0:8443\","
                     "\"tls_certificate_file\":\"/c.pem\",\"tls_private_key_file\":\"/k.pem\"}}";
    assert_int_equal(load(ok, base_env, &c, err), IDP_OK);
    assert_string_equal(c->issuer, "https://id.sakai.example");
    idp_config_free(c);
}

static void missing_file(void **state)
{
    idp_config_t *c = NULL;
    char err[512] = "";
    fake_env = base_env;
    assert_int_not_equal(idp_config_load("/nonexistent/sakaid.json", env, &c, err, sizeof(err)), IDP_OK);
    assert_non_null(strstr(err, "/nonexistent/sakaid.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),   cmocka_unit_test(file_and_env),           cmocka_unit_test(errors_name_the_key),
        cmocka_unit_test(env_errors), cmocka_unit_test(tls_anywhere_needs_issuer), cmocka_unit_test(missing_file),
        cmocka_unit_test(trusted_proxies_and_metrics_listen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

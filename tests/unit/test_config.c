/* Configuration: defaults, the JSON file, environment overrides, and errors that name the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
                          "\"metrics_listen\":\"\"}}",
                          base_env, &c, err),
                     IDP_OK);
    assert_int_equal(c->n_trusted_proxies, 3);
    assert_int_equal(c->trusted_proxies[1].bits, 8);
    assert_int_equal(c->trusted_proxies[2].net.len, 16);
    assert_null(c->metrics_host); /* "" turns the metrics listener off */
    idp_config_free(c);
    static const char *const e[] = {
        "SAKAID_DATABASE_URL", "x", "SAKAID_TRUSTED_PROXIES", "192.0.2.0/24, ::1", "SAKAID_METRICS_LISTEN",
        "[::1]:9100",          NULL};
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

/* jpki.auth_anchors / jpki.sign_anchors: SPKI SHA-256 digests, hex (colons allowed) or base64url. */
static void jpki_anchors(void **state)
{
    idp_config_t *c;
    char err[512];
    static const unsigned char want[32] = {0x0e, 0x10, 0x3a, 0x25, 0x71, 0x95, 0x62, 0xa4, 0xe7, 0xb4, 0x4a,
                                           0x58, 0xd2, 0x99, 0x65, 0xf4, 0x15, 0x5a, 0xf6, 0x9b, 0x40, 0xf7,
                                           0xf5, 0x3b, 0x11, 0xb4, 0xf4, 0x7f, 0xb5, 0x75, 0xad, 0x03};
    assert_int_equal(load("{}", base_env, &c, err), IDP_OK);
    assert_int_equal(c->n_jpki_anchors[0], 0);
    assert_int_equal(c->n_jpki_anchors[1], 0);
    idp_config_free(c);
    assert_int_equal(
        load("{\"jpki\":{\"auth_anchors\":[\"DhA6JXGVYqTntEpY0pll9BVa9ptA9_U7EbT0f7V1rQM\","
             "\"0e103a25719562a4e7b44a58d29965f4155af69b40f7f53b11b4f47fb575ad03\","
             "\"0E:10:3A:25:71:95:62:A4:E7:B4:4A:58:D2:99:65:F4:15:5A:F6:9B:40:F7:F5:3B:11:B4:F4:7F:B5:75:AD:03\"]}}",
             base_env, &c, err),
        IDP_OK);
    assert_int_equal(c->n_jpki_anchors[0], 3);
    for (int i = 0; i < 3; i++)
        assert_memory_equal(c->jpki_anchors[0][i], want, 32);
    assert_int_equal(c->n_jpki_anchors[1], 0);
    idp_config_free(c);
    static const char *const e[] = {
        "SAKAID_DATABASE_URL", "x", "SAKAID_JPKI_SIGN_ANCHORS",
        "DhA6JXGVYqTntEpY0pll9BVa9ptA9_U7EbT0f7V1rQM, DhA6JXGVYqTntEpY0pll9BVa9ptA9_U7EbT0f7V1rQM", NULL};
    assert_int_equal(load("{}", e, &c, err), IDP_OK);
    assert_int_equal(c->n_jpki_anchors[1], 2);
    assert_memory_equal(c->jpki_anchors[1][1], want, 32);
    idp_config_free(c);
    static const char *const bad[] = {
        "{\"jpki\":{\"auth_anchors\":[\"DhA6JXGVYqTntEpY0pll9BVa9ptA9_U7EbT0f7V1rQ\"]}}",  /* 42 characters */
        "{\"jpki\":{\"auth_anchors\":[\"DhA6JXGVYqTntEpY0pll9BVa9ptA9/U7EbT0f7V1rQM\"]}}", /* base64, not base64url */
        "{\"jpki\":{\"auth_anchors\":[\"0e103a25719562a4e7b44a58d29965f4155af69b40f7f53b11b4f47fb575ad\"]}}", /* 31 bytes */
        "{\"jpki\":{\"auth_anchors\":[\"0e103a25719562a4e7b44a58d29965f4155af69b40f7f53b11b4f47fb575ad0300\"]}}",
        "{\"jpki\":{\"auth_anchors\":[\"0e:10:3a:25:71:95:62:a4:e7:b4:4a:58:d2:99:65:f4:15:5a:f6:9b:40:f7:f5:3b:11:b4:"
        "f4:7f:b5:75:ad:03:\"]}}",
        "{\"jpki\":{\"auth_anchors\":[\"zz103a25719562a4e7b44a58d29965f4155af69b40f7f53b11b4f47fb575ad03\"]}}",
        "{\"jpki\":{\"auth_anchors\":\"DhA6JXGVYqTntEpY0pll9BVa9ptA9_U7EbT0f7V1rQM,,DhA6JXGVYqTntEpY0pll9BVa9ptA9_"
        "U7EbT0f7V1rQM\"}}",
        "{\"jpki\":{\"auth_anchors\":\"a,b\"}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        if (load(bad[i], base_env, &c, err) == IDP_OK)
            fail_msg("accepted %s", bad[i]);
        assert_non_null(strstr(err, "\"jpki.auth_anchors\""));
    }
    /* at most IDP_CONFIG_MAX_ANCHORS */
    char many[2048];
    size_t n = (size_t)snprintf(many, sizeof(many), "{\"jpki\":{\"sign_anchors\":[");
    for (int i = 0; i <= IDP_CONFIG_MAX_ANCHORS; i++)
        n += (size_t)snprintf(many + n, sizeof(many) - n, "%s\"DhA6JXGVYqTntEpY0pll9BVa9ptA9_U7EbT0f7V1rQM\"",
                              i ? "," : "");
    snprintf(many + n, sizeof(many) - n, "]}}");
    assert_true(n < sizeof(many) - 4);
    assert_int_not_equal(load(many, base_env, &c, err), IDP_OK);
    assert_non_null(strstr(err, "\"jpki.sign_anchors\" has more than 16"));
}

static void file_and_env(void **state)
{
    static const char *const e[] = {"SAKAID_DATABASE_URL", "postgresql://other/x", "SAKAID_PORT", "9090",
                                    "SAKAID_DATA_DIR",     "/srv/sakaid",          NULL};
    idp_config_t *c;
    char err[512];
    assert_int_equal(load("{\"http\":{\"threads\":4,\"max_body_bytes\":2048},\"database\":{\"url\":\"postgresql://file/"
                          "x\",\"pool_size\":3},"
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
        {"{\"tokens\":{\"access_token_ttl_seconds\":90000,\"max_token_lifetime_seconds\":3600}}",
         "tokens.access_token_ttl_seconds"},
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
        {"{\"outbound\":{\"proxy\":\"proxy.internal:3128\"}}", "outbound.proxy"},
        /* null only unsets a string that may be absent (found by tests/fuzz/fuzz_config.c: these crashed) */
        {"{\"log_level\":null}", "log_level"},
        {"{\"data_dir\":null}", "data_dir"},
        {"{\"tokens\":{\"access_token_signing_alg\":null}}", "tokens.access_token_signing_alg"},
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

/* Without database.url: <data_dir>/database.url, as scripts/run leaves it for its embedded PostgreSQL (issue #20). */
static void database_url_from_the_data_dir(void **state)
{
    (void)state;
    idp_config_t *c;
    char err[512], dir[] = "/tmp/sakaid-config-XXXXXX", path[128], link[128];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/database.url", dir);
    const char *const data_dir[] = {"SAKAID_DATA_DIR", dir, NULL};
    assert_int_not_equal(load("{}", data_dir, &c, err), IDP_OK); /* none: still required, and where to look said */
    assert_non_null(strstr(err, "database.url"));
    assert_non_null(strstr(err, dir));
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("postgresql://sakaid:pw@127.0.0.1:5999/sakaid\n", f);
    fclose(f);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(load("{}", data_dir, &c, err), IDP_OK);
    assert_string_equal(c->database_url, "postgresql://sakaid:pw@127.0.0.1:5999/sakaid");
    idp_config_free(c);
    /* the file or the environment's URL wins */
    const char *const both[] = {"SAKAID_DATA_DIR", dir, "SAKAID_DATABASE_URL", "postgresql://other/x", NULL};
    assert_int_equal(load("{}", both, &c, err), IDP_OK);
    assert_string_equal(c->database_url, "postgresql://other/x");
    idp_config_free(c);
    /* it holds a password: readable by others, refused */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_not_equal(load("{}", data_dir, &c, err), IDP_OK);
    assert_non_null(strstr(err, "chmod 600"));
    /* two lines are not one URL */
    f = fopen(path, "w");
    fputs("postgresql://a/b\npostgresql://c/d\n", f);
    fclose(f);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_not_equal(load("{}", data_dir, &c, err), IDP_OK);
    assert_non_null(strstr(err, "one line"));
    /* never through a symbolic link */
    snprintf(link, sizeof(link), "%s/target", dir);
    assert_int_equal(rename(path, link), 0);
    assert_int_equal(symlink(link, path), 0);
    assert_int_not_equal(load("{}", data_dir, &c, err), IDP_OK);
    assert_non_null(strstr(err, "regular file"));
    unlink(path);
    unlink(link);
    rmdir(dir);
}

/* outbound.proxy: unset by default (no proxy, whatever http_proxy says); a file or SAKAID_OUTBOUND_PROXY sets it. */
static void outbound_proxy(void **state)
{
    (void)state;
    idp_config_t *c;
    char err[512];
    static const char *const proxy_env[] = {"SAKAID_DATABASE_URL", "postgresql://db/sakaid", "SAKAID_OUTBOUND_PROXY",
                                            "http://proxy.internal:3128", NULL};
    assert_int_equal(load("{}", base_env, &c, err), IDP_OK);
    assert_null(c->outbound_proxy);
    idp_config_free(c);
    assert_int_equal(load("{}", proxy_env, &c, err), IDP_OK);
    assert_string_equal(c->outbound_proxy, "http://proxy.internal:3128");
    idp_config_free(c);
}

/* Where the pages point residents, and the app-link files (issue #18 item 1): checked at start. */
static void app_and_ui_links(void **state)
{
    (void)state;
    idp_config_t *c;
    char err[512];
    assert_int_equal(load("{}", base_env, &c, err), IDP_OK);
    assert_null(c->app_ios_store_url);
    assert_string_equal(c->app_ios_app_ids, "");
    assert_null(c->app_android_package);
    assert_string_equal(c->ui_help_url, "/help/card");
    assert_string_equal(c->ui_digital_auth_app_url, "https://services.digital.go.jp/auth-and-sign/");
    idp_config_free(c);
    static const char fp[] =
        "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:"
        "44:E5";
    char ok[1024];
    snprintf(
        ok, sizeof(ok),
        "{\"app\":{\"ios_store_url\":\"https://apps.apple.com/jp/app/id1\",\"ios_app_ids\":[\"ABCDE12345.jp.sakai.id\","
        "\"ZYXWV98765.jp.sakai.id.beta\"],\"android_package\":\"jp.sakai.id\",\"android_cert_sha256\":[\"%s\"]},"
        "\"ui\":{\"help_url\":\"https://www.city.sakai.lg.jp/help\"}}",
        fp);
    assert_int_equal(load(ok, base_env, &c, err), IDP_OK);
    assert_string_equal(c->app_ios_app_ids, "ABCDE12345.jp.sakai.id,ZYXWV98765.jp.sakai.id.beta");
    assert_string_equal(c->app_android_cert_sha256, fp);
    idp_config_free(c);
    static const struct {
        const char *json, *needle;
    } bad[] = {
        {"{\"app\":{\"ios_store_url\":\"http://apps.example/x\"}}", "app.ios_store_url"},
        {"{\"app\":{\"android_store_url\":\"javascript:alert(1)\"}}", "app.android_store_url"},
        {"{\"ui\":{\"help_url\":\"//evil.example/\"}}", "ui.help_url"},
        {"{\"ui\":{\"help_url\":\"/help\\\"x\"}}", "ui.help_url"},
        {"{\"ui\":{\"digital_auth_app_url\":\"/local\"}}", "ui.digital_auth_app_url"},
        {"{\"app\":{\"ios_app_ids\":[\"abcde12345.jp.sakai\"]}}", "app.ios_app_ids"},
        {"{\"app\":{\"ios_app_ids\":[\"jp.sakai.id\"]}}", "app.ios_app_ids"},
        {"{\"app\":{\"android_package\":\"sakai\",\"android_cert_sha256\":[\"x\"]}}", "app.android_cert_sha256"},
        {"{\"app\":{\"android_package\":\"jp.sakai.id\"}}", "go together"},
        {"{\"app\":{\"android_cert_sha256\":[\"14:6d:E9\"]}}", "app.android_cert_sha256"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(load(bad[i].json, base_env, &c, err), IDP_E_INVALID_REQUEST);
        if (strstr(err, bad[i].needle) == NULL)
            fail_msg("%s: %s", bad[i].json, err);
    }
    char pkg[1024];
    snprintf(pkg, sizeof(pkg), "{\"app\":{\"android_package\":\"1jp.sakai\",\"android_cert_sha256\":[\"%s\"]}}", fp);
    assert_int_equal(load(pkg, base_env, &c, err), IDP_E_INVALID_REQUEST);
    assert_non_null(strstr(err, "app.android_package"));
}

/* jpki.revocation_source picks CRL files or the platform operator's API, each with its own settings. */
static void jpki_revocation_source(void **state)
{
    (void)state;
    idp_config_t *c;
    char err[512];
    assert_int_equal(
        load("{\"jpki\":{\"auth_roots\":\"a\",\"sign_roots\":\"s\",\"crl_dir\":\"d\"}}", base_env, &c, err), IDP_OK);
    assert_string_equal(c->jpki_revocation_source, "crl");
    assert_int_equal(c->jpki_operator_cache_seconds, 300);
    assert_int_equal(c->jpki_operator_max_data_age, 129600);
    assert_int_equal(c->jpki_operator_timeout_ms, 800);
    idp_config_free(c);
    static const char *const e[] = {"SAKAID_DATABASE_URL",
                                    "x",
                                    "SAKAID_JPKI_REVOCATION_SOURCE",
                                    "operator",
                                    "SAKAID_JPKI_OPERATOR_URL",
                                    "https://op.example/v1/status",
                                    "SAKAID_JPKI_OPERATOR_KEY_FILE",
                                    "/etc/sakaid/op.key",
                                    NULL};
    assert_int_equal(
        load("{\"jpki\":{\"auth_roots\":\"a\",\"sign_roots\":\"s\",\"operator_timeout_ms\":500}}", e, &c, err), IDP_OK);
    assert_string_equal(c->jpki_revocation_source, "operator");
    assert_string_equal(c->jpki_operator_url, "https://op.example/v1/status");
    assert_int_equal(c->jpki_operator_timeout_ms, 500);
    idp_config_free(c);
    static const struct {
        const char *json, *key;
    } bad[] = {
        {"{\"jpki\":{\"revocation_source\":\"ocsp\"}}", "jpki.revocation_source"},
        {"{\"jpki\":{\"auth_roots\":\"a\",\"sign_roots\":\"s\",\"revocation_source\":\"operator\","
         "\"operator_key_file\":\"k\"}}",
         "jpki.operator_url"},
        {"{\"jpki\":{\"auth_roots\":\"a\",\"sign_roots\":\"s\",\"revocation_source\":\"operator\","
         "\"operator_url\":\"https://op.example/\"}}",
         "jpki.operator_key_file"},
        {"{\"jpki\":{\"auth_roots\":\"a\",\"sign_roots\":\"s\",\"revocation_source\":\"operator\","
         "\"operator_url\":\"http://op.example/\",\"operator_key_file\":\"k\"}}",
         "jpki.operator_url"},
        {"{\"jpki\":{\"auth_roots\":\"a\",\"sign_roots\":\"s\",\"revocation_source\":\"operator\",\"crl_dir\":\"d\","
         "\"operator_url\":\"https://op.example/\",\"operator_key_file\":\"k\"}}",
         "jpki.crl_dir"},
        {"{\"jpki\":{\"crl_dir\":\"d\",\"operator_url\":\"https://op.example/\"}}", "jpki.operator_url"},
        {"{\"jpki\":{\"operator_timeout_ms\":10000}}", "jpki.operator_timeout_ms"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(load(bad[i].json, base_env, &c, err), IDP_E_INVALID_REQUEST);
        assert_non_null(strstr(err, bad[i].key));
    }
    /* http to a loopback operator: the tests' simulator */
    assert_int_equal(load("{\"jpki\":{\"auth_roots\":\"a\",\"sign_roots\":\"s\",\"revocation_source\":\"operator\","
                          "\"operator_url\":\"http://127.0.0.1:9000/v1\",\"operator_key_file\":\"k\"}}",
                          base_env, &c, err),
                     IDP_OK);
    idp_config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(file_and_env),
        cmocka_unit_test(errors_name_the_key),
        cmocka_unit_test(env_errors),
        cmocka_unit_test(tls_anywhere_needs_issuer),
        cmocka_unit_test(missing_file),
        cmocka_unit_test(database_url_from_the_data_dir),
        cmocka_unit_test(trusted_proxies_and_metrics_listen),
        cmocka_unit_test(jpki_anchors),
        cmocka_unit_test(outbound_proxy),
        cmocka_unit_test(jpki_revocation_source),
        cmocka_unit_test(app_and_ui_links),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#include "core/url.h"

#include <curl/curl.h>
#include <string.h>
#include <strings.h>

const char *idp_url_status_text(idp_url_status_t s)
{
    switch (s) {
    case IDP_URL_OK: return "ok";
    case IDP_URL_MALFORMED: return "is not an absolute URL";
    case IDP_URL_BAD_SCHEME: return "must use https (http only on a loopback host)";
    case IDP_URL_HAS_FRAGMENT: return "must not contain a fragment";
    case IDP_URL_HAS_WILDCARD: return "must not contain a wildcard";
    case IDP_URL_HAS_USERINFO: return "must not contain a user name or password";
    case IDP_URL_HAS_QUERY: return "must not contain a query";
    case IDP_URL_TOO_LONG: return "is too long";
    }
    return "is invalid";
}

bool idp_url_host_is_loopback(const char *host)
{
    if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0)
        return true;
    /* 127.0.0.0/8, written as a dotted quad */
    if (strncmp(host, "127.", 4) != 0)
        return false;
    int dots = 0;
    for (const char *p = host; *p; p++) {
        if (*p == '.')
            dots++;
        else if (*p < '0' || *p > '9')
            return false;
    }
    return dots == 3;
}

static idp_url_status_t check(const char *uri, bool issuer)
{
    if (strlen(uri) > 2000)
        return IDP_URL_TOO_LONG;
    if (strchr(uri, '*'))
        return IDP_URL_HAS_WILDCARD;
    if (strchr(uri, '#'))
        return IDP_URL_HAS_FRAGMENT;
    for (const char *p = uri; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '\\')
            return IDP_URL_MALFORMED;
    idp_url_status_t st = IDP_URL_OK;
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *user = NULL, *password = NULL, *query = NULL, *path = NULL;
    if (u == NULL || curl_url_set(u, CURLUPART_URL, uri, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
        st = IDP_URL_MALFORMED;
        goto Exit;
    }
    /* curl accepts "https:example.com"; require the authority form explicitly. */
    size_t sl = strlen(scheme);
    if (strncasecmp(uri, scheme, sl) != 0 || strncmp(uri + sl, "://", 3) != 0) {
        st = IDP_URL_MALFORMED;
        goto Exit;
    }
    if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
        curl_url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK) {
        st = IDP_URL_HAS_USERINFO;
        goto Exit;
    }
    if (strcmp(scheme, "https") == 0) {
        /* fine anywhere */
    } else if (strcmp(scheme, "http") == 0) {
        if (!idp_url_host_is_loopback(host)) {
            st = IDP_URL_BAD_SCHEME;
            goto Exit;
        }
    } else {
        st = IDP_URL_BAD_SCHEME;
        goto Exit;
    }
    if (issuer) {
        if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK) {
            st = IDP_URL_HAS_QUERY;
            goto Exit;
        }
        if (uri[strlen(uri) - 1] == '/') {
            st = IDP_URL_MALFORMED;
            goto Exit;
        }
    }
Exit:
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_free(password);
    curl_free(query);
    curl_free(path);
    curl_url_cleanup(u);
    return st;
}

idp_url_status_t idp_url_check_redirect(const char *uri)
{
    return check(uri, false);
}

idp_url_status_t idp_url_check_issuer(const char *uri)
{
    return check(uri, true);
}

bool idp_url_host(const char *uri, char *out, size_t n)
{
    CURLU *u = curl_url();
    char *host = NULL;
    bool ok = u && curl_url_set(u, CURLUPART_URL, uri, 0) == CURLUE_OK &&
              curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && strlen(host) < n;
    if (ok)
        memcpy(out, host, strlen(host) + 1);
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}

size_t idp_url_origin_len(const char *uri)
{
    const char *p = uri ? strstr(uri, "://") : NULL;
    return p ? (size_t)(p + 3 - uri) + strcspn(p + 3, "/?#") : 0;
}

void idp_url_add_query(idp_buf_t *b, const char *name, const char *value)
{
    char *esc = value ? curl_easy_escape(NULL, value, 0) : NULL;
    if (esc == NULL)
        idp_buf_set_error(b, IDP_E_NOMEM);
    else
        idp_buf_printf(b, "%s%s=%s", idp_buf_cstr(b) && strchr(idp_buf_cstr(b), '?') ? "&" : "?", name, esc);
    curl_free(esc);
}

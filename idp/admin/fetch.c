/* sakaid-admin: one bounded GET with libcurl (fetch.h). */
#include "admin/fetch.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/url.h"

typedef struct {
    idp_buf_t *body;
    bool too_large;
} sink_t;

static size_t collect(char *ptr, size_t size, size_t n, void *ud)
{
    sink_t *s = ud;
    idp_err_t e = idp_buf_append(s->body, ptr, size * n);
    if (e == IDP_E_TOO_LARGE)
        s->too_large = true;
    return e == IDP_OK ? size * n : 0; /* anything else ends the transfer (CURLE_WRITE_ERROR) */
}

/* https, or http to a loopback host (tests, development): the rule registration applies to the URI. */
static bool allowed(const char *uri)
{
    char host[256];
    if (!idp_url_host(uri, host, sizeof(host)))
        return false;
    return !strncmp(uri, "https://", 8) || (!strncmp(uri, "http://", 7) && idp_url_host_is_loopback(host));
}

idp_err_t admin_fetch_get(void *ctx, const char *uri, idp_buf_t *body, char *err, size_t errlen)
{
    (void)ctx;
    idp_err_t ret = IDP_OK;
    sink_t sink = {body, false};
    char detail[CURL_ERROR_SIZE] = "";
    long status = 0;
    struct curl_slist *headers = NULL;
    CURL *c = NULL;

    if (!allowed(uri)) {
        snprintf(err, errlen, "refusing to fetch %.200s: https only (http only to a loopback host)", uri);
        ret = IDP_E_INVALID_REQUEST;
        goto Exit;
    }
    if ((c = curl_easy_init()) == NULL || (headers = curl_slist_append(NULL, "Accept: application/json")) == NULL) {
        snprintf(err, errlen, "cannot fetch %.200s: out of memory", uri);
        ret = IDP_E_NOMEM;
        goto Exit;
    }
    curl_easy_setopt(c, CURLOPT_URL, uri);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http"); /* http only to loopback: allowed() */
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);           /* a redirect is an answer other than 200 */
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)ADMIN_FETCH_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)ADMIN_FETCH_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    /* refused before the body when the server announces its length; otherwise collect() stops at the cap */
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)body->max);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "sakaid-admin");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_FILESIZE_EXCEEDED || (rc == CURLE_WRITE_ERROR && sink.too_large)) {
        snprintf(err, errlen, "%.200s is larger than %zu bytes", uri, body->max);
        ret = IDP_E_TOO_LARGE;
    } else if (rc != CURLE_OK) {
        snprintf(err, errlen, "cannot fetch %.200s: %s", uri, detail[0] ? detail : curl_easy_strerror(rc));
        ret = IDP_E_UNAVAILABLE;
    } else if (status != 200) {
        snprintf(err, errlen, "%.200s answered HTTP %ld, not 200%s", uri, status,
                 status >= 300 && status < 400 ? " (redirects are not followed)" : "");
        ret = IDP_E_UNAVAILABLE;
    }
Exit:
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    return ret;
}

/**
 * URL checks shared by configuration (issuer) and client registration
 * (redirect URIs). Parsing is libcurl's URL API (curl_url), not ours.
 */
#ifndef IDP_CORE_URL_H
#define IDP_CORE_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

typedef enum {
    IDP_URL_OK = 0,
    IDP_URL_MALFORMED,    /* not an absolute URL */
    IDP_URL_BAD_SCHEME,   /* not https (or http on loopback) */
    IDP_URL_HAS_FRAGMENT, /* RFC 6749 §3.1.2: MUST NOT include a fragment */
    IDP_URL_HAS_WILDCARD, /* '*' anywhere: exact matching only (RFC 9700 §2.1) */
    IDP_URL_HAS_USERINFO, /* user:password@ */
    IDP_URL_HAS_QUERY,    /* for issuers (OpenID Discovery §3) */
    IDP_URL_TOO_LONG,
} idp_url_status_t;

/** A short English description of @p s, for error messages. */
const char *idp_url_status_text(idp_url_status_t s);

/** True if @p host (as curl returns it) is a loopback name or address. */
bool idp_url_host_is_loopback(const char *host);

/**
 * Checks a redirect-style URI: absolute, https, or http only when the host is
 * loopback (RFC 8252 §7.3), no fragment, no wildcard, no userinfo, at most
 * 2000 bytes. Query strings are allowed (RFC 6749 §3.1.2).
 */
idp_url_status_t idp_url_check_redirect(const char *uri);

/** Checks an issuer: like a redirect URI, plus no query and no trailing '/'. */
idp_url_status_t idp_url_check_issuer(const char *uri);

/**
 * Copies the host of @p uri into @p out (size @p n). False if @p uri does not parse.
 */
bool idp_url_host(const char *uri, char *out, size_t n);

/** The length of @p uri's origin, "scheme://authority" (RFC 3986 §3), or 0 when it has no "://". */
size_t idp_url_origin_len(const char *uri);

/**
 * Appends name=value to the URL in @p b, after "?" for the first parameter and "&" after that, the value
 * percent-encoded (RFC 3986 §2.1). A value that cannot be encoded latches IDP_E_NOMEM in @p b (core/buf.h): never
 * a URL without one of its parameters.
 */
void idp_url_add_query(idp_buf_t *b, const char *name, const char *value);

#endif

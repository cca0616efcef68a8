#include "http/head.h"

#include <string.h>
#include <strings.h>

/* RFC 9110 §5.6.2: tchar. */
static bool is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* RFC 9110 §5.5: a field value excludes leading and trailing whitespace (OWS). */
static void trim_ows(const char *v, const char **b, size_t *len)
{
    const char *e = v + strlen(v);
    while (*v == ' ' || *v == '\t')
        v++;
    while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *b = v;
    *len = (size_t)(e - v);
}

static bool is_digits(const char *v, size_t len)
{
    if (len == 0 || len > 18) /* 18 digits never overflow a 64-bit length */
        return false;
    for (size_t i = 0; i < len; i++)
        if (v[i] < '0' || v[i] > '9')
            return false;
    return true;
}

idp_http_head_err_t idp_http_head_check(const idp_http_head_t *h)
{
    size_t n_cl = 0, n_te = 0, n_host = 0;
    const char *te = NULL;
    const char *v;
    size_t vlen;

    if (h->too_many_fields)
        return IDP_HEAD_TOO_MANY_FIELDS;
    /* RFC 9112 §5.2: a server MUST reject obs-fold in a request (400) unless it replaces each fold
     * with SP; we reject it. §2.2: whitespace before the first field line is rejected the same way. */
    if (h->unparsed_line)
        return IDP_HEAD_OBS_FOLD;
    /* RFC 9112 §5.1: whitespace between a field name and the colon MUST be rejected with 400. */
    if (h->space_before_colon)
        return IDP_HEAD_SPACE_BEFORE_COLON;
    /* RFC 9112 §2.2: a recipient MAY recognize a bare LF as a line terminator; we do not, so that
     * no line boundary depends on which parser reads the head. */
    if (h->bare_lf)
        return IDP_HEAD_BARE_LF;
    /* RFC 9112 §3.2: an origin server takes the origin-form ("/path?query"). The absolute-form is
     * for proxies; §3.2.2 asks a server to accept it, but then the target's authority, not Host,
     * names the resource, and a proxy in front that routed by Host would disagree with us: we are
     * never a proxy, so we refuse it (docs/deployment.md). Authority- and asterisk-form (CONNECT,
     * OPTIONS *) are not served either. */
    if (h->target == NULL || h->target[0] != '/')
        return IDP_HEAD_ABSOLUTE_FORM;
    for (size_t i = 0; i < h->nfields; i++) {
        const char *name = h->fields[i].name;
        /* RFC 9110 §5.1: field-name = token. */
        if (name == NULL || !*name || h->fields[i].value == NULL)
            return IDP_HEAD_BAD_FIELD_NAME;
        for (const char *c = name; *c; c++)
            if (!is_tchar((unsigned char)*c))
                return IDP_HEAD_BAD_FIELD_NAME;
        if (!strcasecmp(name, "Content-Length")) {
            /* RFC 9112 §6.3 item 5 and RFC 9110 §8.6: Content-Length = 1*DIGIT. A list of
             * identical values may be collapsed, but we refuse every repetition, even an
             * equal one: nothing legitimate sends two, and then no parser can disagree. */
            if (++n_cl > 1)
                return IDP_HEAD_DUP_CL;
            trim_ows(h->fields[i].value, &v, &vlen);
            if (!is_digits(v, vlen))
                return IDP_HEAD_BAD_CL;
        } else if (!strcasecmp(name, "Transfer-Encoding")) {
            n_te++;
            te = h->fields[i].value;
        } else if (!strcasecmp(name, "Host")) {
            /* RFC 9112 §3.2: more than one Host field line is a 400. */
            if (++n_host > 1)
                return IDP_HEAD_DUP_HOST;
        }
    }
    /* RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400. */
    if (n_host == 0 && h->version && strcmp(h->version, "1.0") != 0)
        return IDP_HEAD_NO_HOST;
    if (n_te > 0) {
        /* RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means faulty framing. */
        if (h->version && !strcmp(h->version, "1.0"))
            return IDP_HEAD_TE_HTTP10;
        /* RFC 9112 §6.1 and §6.3 item 3: with both, Transfer-Encoding would win and the
         * Content-Length could be a smuggling attempt; a server MAY reject it, and we do. */
        if (n_cl > 0)
            return IDP_HEAD_TE_AND_CL;
        /* RFC 9112 §6.1, §7: the only coding we decode is chunked, once and last; anything else
         * ("gzip, chunked", "chunked, chunked", "identity", a second field line) is refused. */
        trim_ows(te, &v, &vlen);
        if (n_te > 1 || vlen != 7 || strncasecmp(v, "chunked", 7) != 0)
            return IDP_HEAD_BAD_TE;
    }
    return IDP_HEAD_OK;
}

const char *idp_http_head_reason(idp_http_head_err_t e)
{
    switch (e) {
    case IDP_HEAD_OK: return "ok";
    case IDP_HEAD_TE_AND_CL: return "both Transfer-Encoding and Content-Length";
    case IDP_HEAD_BAD_CL: return "Content-Length is not a number";
    case IDP_HEAD_DUP_CL: return "more than one Content-Length";
    case IDP_HEAD_BAD_TE: return "Transfer-Encoding other than chunked";
    case IDP_HEAD_TE_HTTP10: return "Transfer-Encoding in an HTTP/1.0 request";
    case IDP_HEAD_OBS_FOLD: return "a folded or malformed header line";
    case IDP_HEAD_SPACE_BEFORE_COLON: return "whitespace before a header colon";
    case IDP_HEAD_BARE_LF: return "a line ending without CR";
    case IDP_HEAD_BAD_FIELD_NAME: return "a malformed header name";
    case IDP_HEAD_ABSOLUTE_FORM: return "the request target must be a path";
    case IDP_HEAD_NO_HOST: return "no Host header";
    case IDP_HEAD_DUP_HOST: return "more than one Host header";
    case IDP_HEAD_TOO_MANY_FIELDS: return "too many header lines";
    }
    return "malformed request";
}

int idp_http_head_status(idp_http_head_err_t e)
{
    return e == IDP_HEAD_TOO_MANY_FIELDS ? 431 : 400;
}

/**
 * Framing rules for a request head (RFC 9112), checked before any body is
 * read: what the server and every proxy in front of it must agree on, or a
 * request can hide inside another (request smuggling). Pure: no civetweb
 * types, no I/O, no allocation; server.c fills idp_http_head_t from the
 * wire, the unit tests and the fuzzer from their own data.
 */
#ifndef IDP_HTTP_HEAD_H
#define IDP_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>

/** One field line as parsed: name and value, without the colon and the line ending. */
typedef struct {
    const char *name;
    const char *value;
} idp_http_field_t;

typedef struct {
    const char *method;
    const char *target;  /* the request-target as sent */
    const char *version; /* "1.1", "1.0" (without "HTTP/") */
    const idp_http_field_t *fields;
    size_t nfields;
    /* What a field list cannot show; the parser that built it says. */
    bool unparsed_line;      /* a line in the field section that is not a field line: obs-fold (a line
                                * that starts with SP or HTAB) or anything else the parser stopped at */
    bool space_before_colon; /* whitespace between a field name and its colon */
    bool bare_lf;            /* a line that ends in LF without CR */
    bool too_many_fields;    /* more field lines than the parser keeps */
} idp_http_head_t;

typedef enum {
    IDP_HEAD_OK = 0,
    IDP_HEAD_TE_AND_CL, /* both Transfer-Encoding and Content-Length */
    IDP_HEAD_BAD_CL,    /* Content-Length is not 1*DIGIT */
    IDP_HEAD_DUP_CL,    /* more than one Content-Length field line */
    IDP_HEAD_BAD_TE,    /* Transfer-Encoding other than exactly "chunked", or repeated */
    IDP_HEAD_TE_HTTP10, /* Transfer-Encoding in an HTTP/1.0 request */
    IDP_HEAD_OBS_FOLD,  /* obs-fold or another line that is not a field line */
    IDP_HEAD_SPACE_BEFORE_COLON,
    IDP_HEAD_BARE_LF,        /* a line ending without CR */
    IDP_HEAD_BAD_FIELD_NAME, /* a field name that is not a token */
    IDP_HEAD_ABSOLUTE_FORM,  /* absolute-form (or authority- or asterisk-form) request target */
    IDP_HEAD_NO_HOST,        /* HTTP/1.1 without Host */
    IDP_HEAD_DUP_HOST,       /* more than one Host field line */
    IDP_HEAD_TOO_MANY_FIELDS,
} idp_http_head_err_t;

/** Checks @p h; IDP_HEAD_OK or the first rule it breaks. */
idp_http_head_err_t idp_http_head_check(const idp_http_head_t *h);
/** A short English reason for the error body and the log ("Content-Length is not a number"). */
const char *idp_http_head_reason(idp_http_head_err_t e);
/** The status for @p e: 431 for too many fields, else 400. */
int idp_http_head_status(idp_http_head_err_t e);

#endif

/**
 * The client's address behind trusted reverse proxies: from Forwarded
 * (RFC 7239) or X-Forwarded-For, only when the TCP peer is one of
 * http.trusted_proxies. Pure: the caller passes the peer's address text and
 * the request's field lines.
 */
#ifndef IDP_HTTP_CLIENT_ADDR_H
#define IDP_HTTP_CLIENT_ADDR_H

#include <stddef.h>

#include "core/ip.h"
#include "http/head.h"

typedef enum {
    IDP_ADDR_PEER,      /* the TCP peer: no trusted proxy, or no forwarding header */
    IDP_ADDR_FORWARDED, /* from Forwarded: for= */
    IDP_ADDR_XFF,       /* from X-Forwarded-For */
    IDP_ADDR_MALFORMED, /* a trusted proxy sent a header we could not read: the peer (fail closed) */
} idp_http_addr_source_t;

/** The most hops read from the forwarding headers; a longer list keeps its rightmost hops. */
#define IDP_HTTP_MAX_HOPS 32

/**
 * Writes the client address into @p ip and its canonical text into @p text.
 * When @p peer is in @p trusted, the hops of Forwarded (if present, else
 * X-Forwarded-For; every field line of it, in order) are walked from the
 * right: trusted proxies are skipped and the first other address is the
 * client; when every hop is trusted, the leftmost. A hop that is not an IP
 * address ("unknown", an obfuscated node, junk) before the client is found,
 * or a header that does not parse, gives the peer and IDP_ADDR_MALFORMED.
 * A peer that is not an IP address is copied as is, and ip->len is 0.
 */
idp_http_addr_source_t idp_http_client_addr(const char *peer, const idp_http_field_t *fields, size_t nfields,
                                            const idp_cidr_t *trusted, size_t ntrusted, idp_ip_t *ip,
                                            char text[IDP_IP_TEXT_MAX]);

#endif

/**
 * IP addresses and CIDR blocks (RFC 4632 for IPv4, RFC 4291 §2.3 for IPv6
 * prefixes), for the list of trusted proxies. Pure functions: no sockets,
 * no allocation. An IPv4-mapped IPv6 address (::ffff:a.b.c.d, RFC 4291
 * §2.5.5.2) is the IPv4 address it maps, so that a dual-stack listener's
 * peers match IPv4 blocks.
 */
#ifndef IDP_CORE_IP_H
#define IDP_CORE_IP_H

#include <stdbool.h>
#include <stddef.h>

/** An address: IPv4 as 4 bytes, IPv6 as 16. */
typedef struct {
    unsigned char a[16];
    unsigned char len; /* 4 or 16 */
} idp_ip_t;

/** A block: the address with the host bits cleared, and the prefix length in bits. */
typedef struct {
    idp_ip_t net;
    unsigned char bits;
} idp_cidr_t;

/** The longest textual address idp_ip_format writes, with its NUL (INET6_ADDRSTRLEN). */
#define IDP_IP_TEXT_MAX 46

/**
 * Parses a literal address of @p len bytes (not NUL-terminated): dotted
 * IPv4 or IPv6 text, without brackets, zone or port. False on anything else.
 */
bool idp_ip_parse(const char *s, size_t len, idp_ip_t *out);
/** Writes the canonical text (inet_ntop) into @p out (IDP_IP_TEXT_MAX bytes). */
void idp_ip_format(const idp_ip_t *ip, char out[IDP_IP_TEXT_MAX]);
/** 127.0.0.0/8 or ::1. */
bool idp_ip_is_loopback(const idp_ip_t *ip);
/**
 * Parses "ADDRESS" or "ADDRESS/BITS" (BITS 0–32 for IPv4, 0–128 for IPv6;
 * a bare address is a block of one). Host bits that are set are an error
 * (10.0.0.1/8 is a typo for 10.0.0.0/8 or 10.0.0.1, not one of them).
 */
bool idp_cidr_parse(const char *s, idp_cidr_t *out);
/** True if @p ip is in one of the @p n blocks. */
bool idp_cidr_match(const idp_cidr_t *blocks, size_t n, const idp_ip_t *ip);

#endif

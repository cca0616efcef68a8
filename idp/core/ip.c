#include "core/ip.h"

#include <arpa/inet.h>
#include <string.h>

#include "core/str.h"

static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool idp_ip_parse(const char *s, size_t len, idp_ip_t *out)
{
    char text[IDP_IP_TEXT_MAX];
    if (len == 0 || len >= sizeof(text))
        return false;
    memcpy(text, s, len);
    text[len] = '\0';
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, text, out->a) == 1) {
        out->len = 4;
        return true;
    }
    if (inet_pton(AF_INET6, text, out->a) != 1)
        return false;
    out->len = 16;
    /* RFC 4291 §2.5.5.2: an IPv4-mapped address is that IPv4 address. */
    if (!memcmp(out->a, v4mapped, sizeof(v4mapped))) {
        memmove(out->a, out->a + 12, 4);
        memset(out->a + 4, 0, 12);
        out->len = 4;
    }
    return true;
}

void idp_ip_format(const idp_ip_t *ip, char out[IDP_IP_TEXT_MAX])
{
    if (inet_ntop(ip->len == 4 ? AF_INET : AF_INET6, ip->a, out, IDP_IP_TEXT_MAX) == NULL)
        out[0] = '\0';
}

bool idp_ip_is_loopback(const idp_ip_t *ip)
{
    static const unsigned char one[16] = {[15] = 1};
    return ip->len == 4 ? ip->a[0] == 127 : !memcmp(ip->a, one, 16);
}

bool idp_cidr_parse(const char *s, idp_cidr_t *out)
{
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    long bits;
    if (!idp_ip_parse(s, alen, &out->net))
        return false;
    long max = out->net.len * 8;
    if (slash == NULL)
        bits = max;
    else if (!idp_str_to_long(slash + 1, 0, max, &bits))
        return false;
    out->bits = (unsigned char)bits;
    /* No host bits: the block is written as its network address. */
    for (long i = bits; i < max; i++)
        if (out->net.a[i / 8] & (0x80u >> (i % 8)))
            return false;
    return true;
}

bool idp_cidr_match(const idp_cidr_t *blocks, size_t n, const idp_ip_t *ip)
{
    for (size_t k = 0; k < n; k++) {
        const idp_cidr_t *b = &blocks[k];
        if (b->net.len != ip->len)
            continue;
        size_t full = b->bits / 8;
        unsigned rest = b->bits % 8;
        if (memcmp(b->net.a, ip->a, full) != 0)
            continue;
        if (rest && ((b->net.a[full] ^ ip->a[full]) & (0xffu << (8 - rest)) & 0xffu))
            continue;
        return true;
    }
    return false;
}

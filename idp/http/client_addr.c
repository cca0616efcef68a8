#include "http/client_addr.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

typedef struct {
    const char *s;
    size_t len; /* 0: the element had no for= */
} hop_t;

/* The hops, newest last; when more than IDP_HTTP_MAX_HOPS arrive the oldest fall off. */
typedef struct {
    hop_t h[IDP_HTTP_MAX_HOPS];
    size_t n, total;
} hops_t;

static void push(hops_t *hs, const char *s, size_t len)
{
    if (hs->n == IDP_HTTP_MAX_HOPS) {
        memmove(hs->h, hs->h + 1, sizeof(hs->h[0]) * (IDP_HTTP_MAX_HOPS - 1));
        hs->n--;
    }
    hs->h[hs->n].s = s;
    hs->h[hs->n].len = len;
    hs->n++;
    hs->total++;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* RFC 9110 §5.6.2 tchar. */
static bool is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/*
 * RFC 7239 §4: Forwarded = 1#forwarded-element; forwarded-element =
 * [ forwarded-pair ] *( ";" [ forwarded-pair ] ); forwarded-pair = token "="
 * value; value = token / quoted-string. OWS around "," is the list rule's
 * (RFC 9110 §5.6.1); we allow it around ";" too, as senders write it. Each
 * element's for= value becomes a hop (a quoted value without its quotes;
 * quoted-pairs are refused: no address needs one).
 */
static bool parse_forwarded(const char *p, hops_t *hs)
{
    for (;;) {
        const char *for_s = NULL;
        size_t for_len = 0;
        bool any = false;
        while (is_ows(*p) || *p == ',')
            p++; /* RFC 9110 §5.6.1.2: empty list elements are ignored */
        if (!*p)
            return true;
        for (;;) { /* the pairs of one element */
            while (is_ows(*p))
                p++;
            const char *name = p;
            while (is_tchar((unsigned char)*p))
                p++;
            size_t nlen = (size_t)(p - name);
            if (nlen == 0 || *p != '=')
                return false;
            p++;
            const char *val;
            size_t vlen;
            if (*p == '"') {
                val = ++p;
                while (*p && *p != '"' && *p != '\\')
                    p++;
                if (*p != '"')
                    return false;
                vlen = (size_t)(p - val);
                p++;
            } else {
                val = p;
                while (is_tchar((unsigned char)*p))
                    p++;
                vlen = (size_t)(p - val);
                if (vlen == 0)
                    return false;
            }
            /* RFC 7239 §4: parameter names are case-insensitive; each at most once per element. */
            if (nlen == 3 && !strncasecmp(name, "for", 3)) {
                if (for_s)
                    return false;
                for_s = val;
                for_len = vlen;
            }
            any = true;
            while (is_ows(*p))
                p++;
            if (*p == ';') {
                p++;
                continue;
            }
            break;
        }
        if (!any || (*p && *p != ','))
            return false;
        push(hs, for_s ? for_s : "", for_s ? for_len : 0);
    }
}

/* X-Forwarded-For: a comma-separated list of addresses, oldest first (a de-facto format). */
static bool parse_xff(const char *p, hops_t *hs)
{
    while (*p) {
        size_t n = strcspn(p, ",");
        const char *b = p, *e = p + n;
        while (b < e && is_ows(*b))
            b++;
        while (e > b && is_ows(e[-1]))
            e--;
        if (b < e)
            push(hs, b, (size_t)(e - b));
        p += n;
        if (*p == ',')
            p++;
    }
    return true;
}

/* RFC 7239 §6: node-port = port / obfport; port = 1*5DIGIT; obfport = "_" 1*(ALPHA / DIGIT / "." / "_" / "-"). */
static bool node_port(const char *s, size_t len)
{
    if (len == 0)
        return false;
    if (s[0] == '_') {
        for (size_t i = 1; i < len; i++)
            if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                  s[i] == '.' || s[i] == '_' || s[i] == '-'))
                return false;
        return len > 1;
    }
    if (len > 5)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/*
 * A node (RFC 7239 §6): IPv4address [":" port], "[" IPv6address "]" [":" port],
 * "unknown" or an obfuscated identifier. Only the first two name an address.
 * X-Forwarded-For senders also write a bare IPv6 address.
 */
static bool node_ip(const char *s, size_t len, idp_ip_t *ip)
{
    if (len && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (close == NULL)
            return false;
        size_t rest = len - (size_t)(close + 1 - s);
        if (rest && (close[1] != ':' || !node_port(close + 2, rest - 1)))
            return false;
        return idp_ip_parse(s + 1, (size_t)(close - s - 1), ip) && ip->len == 16;
    }
    if (idp_ip_parse(s, len, ip))
        return true; /* a bare IPv4 or IPv6 address */
    const char *colon = memchr(s, ':', len);
    if (colon == NULL || memchr(colon + 1, ':', len - (size_t)(colon + 1 - s)) != NULL)
        return false;
    return node_port(colon + 1, len - (size_t)(colon + 1 - s)) && idp_ip_parse(s, (size_t)(colon - s), ip) &&
           ip->len == 4; /* IPv4:port */
}

static void copy_peer(const char *peer, char text[IDP_IP_TEXT_MAX])
{
    size_t n = strnlen(peer, IDP_IP_TEXT_MAX - 1);
    memcpy(text, peer, n);
    text[n] = '\0';
}

idp_http_addr_source_t idp_http_client_addr(const char *peer, const idp_http_field_t *fields, size_t nfields,
                                            const idp_cidr_t *trusted, size_t ntrusted, idp_ip_t *ip,
                                            char text[IDP_IP_TEXT_MAX])
{
    idp_ip_t peer_ip, hop;
    hops_t hs = {.n = 0};
    bool forwarded = false, ok = true;

    if (peer == NULL)
        peer = "";
    if (!idp_ip_parse(peer, strlen(peer), &peer_ip)) {
        memset(ip, 0, sizeof(*ip));
        copy_peer(peer, text);
        return IDP_ADDR_PEER;
    }
    *ip = peer_ip;
    idp_ip_format(ip, text);
    /* RFC 7239 §8.1: the headers are only as good as the proxy that wrote them; a peer we do not
     * trust could have written anything. */
    if (ntrusted == 0 || !idp_cidr_match(trusted, ntrusted, &peer_ip))
        return IDP_ADDR_PEER;
    for (size_t i = 0; i < nfields; i++)
        if (fields[i].name && !strcasecmp(fields[i].name, "Forwarded"))
            forwarded = true;
    /* RFC 7239 §7.5 leaves the choice between Forwarded and X-Forwarded-For to the configuration;
     * Forwarded, the standard, wins when both arrive. A trusted proxy must overwrite (or remove)
     * the one it does not write (docs/deployment.md). Several field lines are one list
     * (RFC 9110 §5.3), in order. */
    for (size_t i = 0; i < nfields && ok; i++) {
        if (fields[i].name == NULL || fields[i].value == NULL)
            continue;
        if (forwarded && !strcasecmp(fields[i].name, "Forwarded"))
            ok = parse_forwarded(fields[i].value, &hs);
        else if (!forwarded && !strcasecmp(fields[i].name, "X-Forwarded-For"))
            ok = parse_xff(fields[i].value, &hs);
    }
    if (!ok)
        return IDP_ADDR_MALFORMED;
    if (hs.total == 0)
        return IDP_ADDR_PEER;
    /* From the right: the nearest hop was written by the proxy we trust; skip every hop that is a
     * trusted proxy itself; the first other address is the client. */
    for (size_t k = hs.n; k-- > 0;) {
        if (hs.h[k].len == 0 || !node_ip(hs.h[k].s, hs.h[k].len, &hop))
            return IDP_ADDR_MALFORMED;
        if (!idp_cidr_match(trusted, ntrusted, &hop) || k == 0) {
            *ip = hop;
            idp_ip_format(ip, text);
            return forwarded ? IDP_ADDR_FORWARDED : IDP_ADDR_XFF;
        }
    }
    return IDP_ADDR_PEER; /* not reached: k == 0 returns */
}

/*
 * Fuzz target: the request-head checks (idp/http/head.c) and the client
 * address behind trusted proxies (idp/http/client_addr.c, core/ip.c). The
 * input is a request head as it would arrive: this file splits it into the
 * request line and field lines (a loose parser, so that malformed lines
 * still reach the checks, and it sets the flags civetweb's layout would),
 * then checks it, reads the client address with 127.0.0.1 and 10.0.0.0/8 as
 * trusted proxies, and parses every field value as a CIDR block.
 * libFuzzer: -DSAKAID_FUZZ=ON with clang; the test suite runs it through
 * driver.c over tests/fuzz/seeds/http_head.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ip.h"
#include "http/client_addr.h"
#include "http/head.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FIELDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    idp_http_field_t fields[MAX_FIELDS];
    idp_http_head_t h = {.fields = fields};
    char *line = text, *next;
    int n = 0;
    for (; line && *line; line = next, n++) {
        next = strchr(line, '\n');
        if (next) {
            if (next > line && next[-1] == '\r')
                next[-1] = '\0';
            else
                h.bare_lf = true;
            *next++ = '\0';
        }
        if (n == 0) { /* METHOD SP TARGET SP HTTP/VERSION */
            h.method = line;
            char *sp = strchr(line, ' ');
            if (sp) {
                *sp = '\0';
                h.target = sp + 1;
                sp = strchr(sp + 1, ' ');
                if (sp) {
                    *sp = '\0';
                    h.version = strncmp(sp + 1, "HTTP/", 5) ? sp + 1 : sp + 6;
                }
            }
            continue;
        }
        if (*line == '\0')
            break; /* end of the head */
        if (*line == ' ' || *line == '\t') {
            h.unparsed_line = true;
            continue;
        }
        char *colon = strchr(line, ':');
        if (colon == NULL) {
            h.unparsed_line = true;
            continue;
        }
        if (colon > line && (colon[-1] == ' ' || colon[-1] == '\t'))
            h.space_before_colon = true;
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        if (h.nfields == MAX_FIELDS) {
            h.too_many_fields = true;
            continue;
        }
        fields[h.nfields].name = line;
        fields[h.nfields].value = v;
        h.nfields++;
    }
    idp_http_head_err_t e = idp_http_head_check(&h);
    if (e != IDP_HEAD_OK && (idp_http_head_reason(e) == NULL || idp_http_head_status(e) < 400))
        abort(); /* every refusal has a reason and a 4xx status */

    static idp_cidr_t trusted[2];
    if (trusted[0].net.len == 0 &&
        (!idp_cidr_parse("127.0.0.1", &trusted[0]) || !idp_cidr_parse("10.0.0.0/8", &trusted[1])))
        abort();
    idp_ip_t ip;
    char addr[IDP_IP_TEXT_MAX];
    for (int t = 0; t < 2; t++) {
        idp_http_addr_source_t src =
            idp_http_client_addr(t ? "127.0.0.1" : "::ffff:10.1.2.3", fields, h.nfields, trusted, 2, &ip, addr);
        /* the answer is always an address: the peer's or a hop's */
        if (ip.len != 4 && ip.len != 16)
            abort();
        if (src == IDP_ADDR_MALFORMED && strcmp(addr, t ? "127.0.0.1" : "10.1.2.3") != 0)
            abort();
        idp_ip_t again;
        if (!idp_ip_parse(addr, strlen(addr), &again) || memcmp(&again, &ip, sizeof(ip)) != 0)
            abort(); /* the canonical text reads back as the same address */
    }
    for (size_t i = 0; i < h.nfields; i++) {
        idp_cidr_t b;
        if (idp_cidr_parse(fields[i].value, &b) && !idp_cidr_match(&b, 1, &b.net))
            abort(); /* a block contains its own network address */
    }
    free(text);
    return 0;
}

/*
 * sakaid-admin linkage import [--pairs] FILE|-
 *
 * Old -> new certificate linkage in place of J-LIS 証明書新旧紐付け情報,
 * whose format is not public (jpki.md [U]). Our CSV (docs/card.md):
 *   old_issuer_key_id,old_serial,new_issuer_key_id,new_serial
 * With --pairs, J-LIS 証明書紐付け情報: which authentication certificate
 * each signing certificate was issued with (one card):
 *   sign_issuer_key_id,sign_serial,auth_issuer_key_id,auth_serial
 * hex fields (colons allowed), one header line, all rows in one transaction.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"

#define HEADER "old_issuer_key_id,old_serial,new_issuer_key_id,new_serial"
#define PAIRS_HEADER "sign_issuer_key_id,sign_serial,auth_issuer_key_id,auth_serial"

/* Normalizes a hex field (upper case, no colons, no leading zeros for serials) into @p out. */
static bool hex_field(const char *in, size_t len, bool serial, char out[65])
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == ':')
            continue;
        if (!isxdigit(c) || o >= 64)
            return false;
        if (serial && o == 0 && c == '0' && i + 1 < len)
            continue; /* OpenSSL prints serials without leading zeros */
        out[o++] = (char)toupper(c);
    }
    out[o] = '\0';
    return o > 0;
}

int cmd_linkage_import(admin_t *a, int argc, char **argv)
{
    bool pairs = argc == 2 && !strcmp(argv[0], "--pairs");
    if (pairs) {
        argc--;
        argv++;
    }
    if (argc != 1)
        return admin_usage(a, "usage: linkage import [--pairs] FILE (or - for standard input)");
    const char *header = pairs ? PAIRS_HEADER : HEADER;
    FILE *f = strcmp(argv[0], "-") ? fopen(argv[0], "r") : stdin;
    if (f == NULL)
        return admin_usage(a, "linkage import: cannot read %s", argv[0]);
    idp_store_linkage_t *rows = NULL;
    size_t n = 0, cap = 0;
    char line[1024];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (lineno == 1) {
            if (strcmp(line, header) != 0)
                rc = admin_usage(a, "linkage import: line 1 must be the header %s", header);
            continue;
        }
        if (!line[0])
            continue;
        const char *field[4];
        size_t flen[4];
        const char *p = line;
        int k;
        for (k = 0; k < 4 && p; k++) {
            const char *comma = strchr(p, ',');
            field[k] = p;
            flen[k] = comma ? (size_t)(comma - p) : strlen(p);
            p = comma ? comma + 1 : NULL;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            idp_store_linkage_t *grown = realloc(rows, cap * sizeof(*rows));
            if (grown == NULL) {
                rc = admin_fail(a, IDP_E_NOMEM, "out of memory");
                break;
            }
            rows = grown;
        }
        idp_store_linkage_t *r = &rows[n];
        if (k != 4 || p != NULL || !hex_field(field[0], flen[0], false, r->old_issuer_key_id) ||
            !hex_field(field[1], flen[1], true, r->old_serial) ||
            !hex_field(field[2], flen[2], false, r->new_issuer_key_id) ||
            !hex_field(field[3], flen[3], true, r->new_serial))
            rc = admin_usage(a, "linkage import: line %d: expected four hex fields", lineno);
        else if (!strcmp(r->old_issuer_key_id, r->new_issuer_key_id) && !strcmp(r->old_serial, r->new_serial))
            rc = admin_usage(a,
                             pairs ? "linkage import: line %d: one certificate cannot be both of a pair"
                                   : "linkage import: line %d: a certificate cannot succeed itself",
                             lineno);
        else
            n++;
    }
    if (f != stdin)
        fclose(f);
    if (rc == 0 && lineno == 0)
        rc = admin_usage(a, "linkage import: the file is empty");
    if (rc == 0 && (rc = admin_store(a)) == 0) {
        idp_err_t e = pairs ? idp_store_pair_import(a->store, rows, n) : idp_store_linkage_import(a->store, rows, n);
        if (e != IDP_OK)
            rc = admin_store_fail(a, e, "linkage import");
        else if (a->json)
            admin_print_json(json_pack("{s:I}", "imported", (json_int_t)n));
        else
            printf("imported %zu %s rows\n", n, pairs ? "pair linkage" : "linkage");
    }
    free(rows);
    return rc;
}

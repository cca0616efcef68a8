/*
 * The signing certificate's six subjectAltName attributes (jpki.md):
 * otherName { OID 1.2.392.200149.8.5.5.N, [0] EXPLICIT UTF8String }.
 * [U] Some parsers accept an OCTET STRING for the substitute-character
 * forms (N = 2, 6); we accept both there and UTF8String elsewhere.
 */
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "jpki/jpki.h"

#define ARC "1.2.392.200149.8.5.5."

typedef struct {
    const char *oid;
    size_t offset, size;
    bool required, octets_ok;
} attr_t;

#define F(m) offsetof(idp_jpki_attrs_t, m), sizeof(((idp_jpki_attrs_t *)0)->m)
static const attr_t attrs[] = {
    {ARC "1", F(name), true, false},       {ARC "2", F(name_alt), false, true}, {ARC "3", F(gender), false, false},
    {ARC "4", F(birth_date), true, false}, {ARC "5", F(address), true, false},  {ARC "6", F(address_alt), false, true},
};
#define NATTRS (sizeof(attrs) / sizeof(attrs[0]))

idp_jpki_reason_t idp_jpki_parse_attrs(X509 *cert, idp_jpki_attrs_t *out, char *detail, size_t n)
{
    memset(out, 0, sizeof(*out));
    int crit = 0;
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, NULL);
    bool seen[NATTRS] = {false};
    idp_jpki_reason_t r = IDP_JPKI_OK;
    if (names == NULL) {
        snprintf(detail, n, "no subjectAltName attributes");
        return IDP_JPKI_MALFORMED;
    }
    for (int i = 0; i < sk_GENERAL_NAME_num(names) && r == IDP_JPKI_OK; i++) {
        GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        if (g->type != GEN_OTHERNAME)
            continue;
        char oid[64];
        OBJ_obj2txt(oid, sizeof(oid), g->d.otherName->type_id, 1);
        for (size_t a = 0; a < NATTRS; a++) {
            if (strcmp(oid, attrs[a].oid) != 0)
                continue;
            ASN1_TYPE *v = g->d.otherName->value;
            int type = v ? v->type : -1;
            if (seen[a]) {
                snprintf(detail, n, "attribute %s appears twice", oid);
                r = IDP_JPKI_MALFORMED;
            } else if (type != V_ASN1_UTF8STRING && !(attrs[a].octets_ok && type == V_ASN1_OCTET_STRING)) {
                snprintf(detail, n, "attribute %s is not a UTF8String", oid);
                r = IDP_JPKI_MALFORMED;
            } else {
                ASN1_STRING *s = v->value.asn1_string;
                size_t len = (size_t)ASN1_STRING_length(s);
                const unsigned char *d = ASN1_STRING_get0_data(s);
                if (len >= attrs[a].size || memchr(d, 0, len)) {
                    snprintf(detail, n, "attribute %s is too long or holds a NUL", oid);
                    r = IDP_JPKI_MALFORMED;
                } else {
                    memcpy((char *)out + attrs[a].offset, d, len);
                    seen[a] = true;
                }
            }
        }
    }
    GENERAL_NAMES_free(names);
    for (size_t a = 0; a < NATTRS && r == IDP_JPKI_OK; a++) {
        if (attrs[a].required && !seen[a]) {
            snprintf(detail, n, "attribute %s is missing", attrs[a].oid);
            r = IDP_JPKI_MALFORMED;
        }
    }
    return r;
}

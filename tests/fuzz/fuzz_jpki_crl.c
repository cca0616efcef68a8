/*
 * Fuzz target: CRL parsing, and what a CRL is evidence of (idp/jpki/crl.c:
 * extensions, criticality, issuingDistributionPoint scope, delta CRLs,
 * dates, the lookup). The input is one or more DER CRLs back to back, as a
 * CRL directory holds them.
 *
 * Each input runs twice against a fixed issuer and card made here (an EC
 * key: fast to sign with): once as it is, and once with its first CRL put
 * under the fixed issuer's name and signed by its key, so that mutations of
 * the extensions and entries get past the signature check and reach the
 * scope rules and the lookup; the card then has the serial of the CRL's
 * first entry, and the check runs at the CRL's thisUpdate.
 * libFuzzer: cmake -DSAKAID_FUZZ=ON with clang (README "Tests"); the test
 * suite runs it briefly through driver.c over the generated CRLs.
 */
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jpki/jpki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *key;
static X509 *issuer, *card;

static X509 *make_cert(const X509_NAME *subject, long serial, bool ca)
{
    X509 *x = X509_new();
    X509V3_CTX ctx;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_set_subject_name(x, subject);
    X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x));
    X509_gmtime_adj(X509_getm_notBefore(x), -86400L * 365);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
    X509_set_pubkey(x, key);
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *bc = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
    X509_add_ext(x, bc, -1);
    X509_EXTENSION_free(bc);
    X509_sign(x, key, EVP_sha256());
    return x;
}

static void init(void)
{
    key = EVP_EC_gen("P-256");
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"JP", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"JPKI-TEST", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_ASC, (const unsigned char *)"JPKI for user authentication", -1, -1, 0);
    issuer = make_cert(n, 1, true);
    X509_NAME_free(n);
    n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"JP", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"FUZZ0001A", -1, -1, 0);
    card = make_cert(n, 0x1234, false);
    X509_NAME_free(n);
}

static void run(const unsigned char *der, size_t len, X509 *cert, time_t at)
{
    idp_jpki_revocation_t *rev = NULL;
    if (idp_jpki_crl_mem_new(der, len, &rev) != IDP_OK)
        return;
    rev->check(rev, cert, issuer, at);
    rev->check(rev, issuer, issuer, at); /* a CA certificate: the ARL side of the scope rules */
    rev->free(rev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (key == NULL)
        init();
    run(data, size, card, time(NULL));

    const unsigned char *p = data;
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)size);
    if (crl == NULL)
        return 0;
    size_t rest = size - (size_t)(p - data);
    X509 *leaf = NULL;
    unsigned char *der = NULL;
    int n;
    struct tm tm;
    time_t at = 0;
    if (X509_CRL_get0_lastUpdate(crl) && ASN1_TIME_to_tm(X509_CRL_get0_lastUpdate(crl), &tm) == 1)
        at = timegm(&tm);
    STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(crl);
    if (X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) != 1 ||
        X509_CRL_sign(crl, key, EVP_sha256()) <= 0 || (leaf = X509_dup(card)) == NULL)
        goto Exit;
    if (sk_X509_REVOKED_num(revs) > 0)
        X509_set_serialNumber(leaf, (ASN1_INTEGER *)X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revs, 0)));
    if ((n = i2d_X509_CRL(crl, NULL)) <= 0 || (der = malloc((size_t)n + rest)) == NULL)
        goto Exit;
    unsigned char *q = der;
    i2d_X509_CRL(crl, &q);
    memcpy(der + n, p, rest); /* the CRLs after it, as they came */
    run(der, (size_t)n + rest, leaf, at);
Exit:
    free(der);
    X509_free(leaf);
    X509_CRL_free(crl);
    return 0;
}

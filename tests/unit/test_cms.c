/*
 * CMS SignedData around a card's signature (jpki/cms.c): the card signs the
 * DigestInfo of SHA-256 over the signed attributes, as the phone does for
 * an application; OpenSSL's own CMS verifier (as `openssl cms -verify`) then
 * accepts the SignedData with the document, and refuses another document.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <string.h>

#include "jpki/cms.h"

static EVP_PKEY *key;
static X509 *cert;

static int setup(void **state)
{
    (void)state;
    key = EVP_RSA_gen(2048);
    cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 7);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME *n = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"card", -1, -1, 0);
    X509_set_issuer_name(cert, n);
    return X509_sign(cert, key, EVP_sha256()) > 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    X509_free(cert);
    EVP_PKEY_free(key);
    return 0;
}

/* What the card does (jpki.md): PKCS#1 v1.5 over the 51-byte DigestInfo the host hands it; no hashing of its own. */
static size_t card_sign(const unsigned char *msg, size_t len, unsigned char sig[256])
{
    static const unsigned char prefix[19] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                             0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    unsigned char di[51];
    memcpy(di, prefix, sizeof(prefix));
    assert_int_equal(EVP_Digest(msg, len, di + 19, NULL, EVP_sha256(), NULL), 1);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key, NULL);
    size_t n = 256;
    assert_int_equal(EVP_PKEY_sign_init(c), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING), 1);
    assert_int_equal(EVP_PKEY_sign(c, sig, &n, di, sizeof(di)), 1);
    EVP_PKEY_CTX_free(c);
    return n;
}

static int verify(const unsigned char *der, size_t len, const char *document)
{
    const unsigned char *p = der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
    assert_non_null(cms);
    X509_STORE *store = X509_STORE_new();
    X509_STORE_add_cert(store, cert);
    BIO *content = BIO_new_mem_buf(document, (int)strlen(document));
    int ok = CMS_verify(cms, NULL, store, content, NULL, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY);
    BIO_free(content);
    X509_STORE_free(store);
    CMS_ContentInfo_free(cms);
    return ok;
}

static void card_signature_becomes_a_signed_data_that_verifies(void **state)
{
    (void)state;
    const char *document = "児童手当 認定請求書 APP-2026-000123";
    unsigned char digest[32], *attrs = NULL, *der = NULL, sig[256], *cert_der = NULL;
    size_t attrs_len = 0, der_len = 0;
    EVP_Digest(document, strlen(document), digest, NULL, EVP_sha256(), NULL);
    time_t at = 1796601600; /* 2026-12-06T00:00:00Z */
    assert_int_equal(idp_cms_signed_attrs(digest, at, &attrs, &attrs_len), IDP_OK);
    assert_int_equal(attrs[0], 0x31); /* §5.4: signed as a SET OF */
    size_t sig_len = card_sign(attrs, attrs_len, sig);
    int cert_len = i2d_X509(cert, &cert_der);
    assert_int_equal(idp_cms_signed_data(cert_der, (size_t)cert_len, digest, at, sig, sig_len, &der, &der_len), IDP_OK);
    assert_int_equal(verify(der, der_len, document), 1);
    assert_int_equal(verify(der, der_len, "another document"), 0);
    /* the signing time and the signer's certificate travel in it (RFC 5652 §11.3, §5.1) */
    const unsigned char *p = der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)der_len);
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
    int i = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
    ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, i), 0);
    assert_int_equal(t->type, V_ASN1_UTCTIME);
    assert_int_equal(ASN1_TIME_cmp_time_t(t->value.utctime, at), 0);
    STACK_OF(X509) *certs = CMS_get1_certs(cms);
    assert_int_equal(sk_X509_num(certs), 1);
    sk_X509_pop_free(certs, X509_free);
    assert_null(CMS_get0_content(cms) ? *CMS_get0_content(cms) : NULL); /* detached */
    CMS_ContentInfo_free(cms);
    /* a signature over other attributes (another time) does not verify */
    unsigned char *other = NULL, *der2 = NULL;
    size_t other_len, der2_len;
    assert_int_equal(idp_cms_signed_attrs(digest, at + 1, &other, &other_len), IDP_OK);
    sig_len = card_sign(other, other_len, sig);
    assert_int_equal(idp_cms_signed_data(cert_der, (size_t)cert_len, digest, at, sig, sig_len, &der2, &der2_len),
                     IDP_OK);
    assert_int_equal(verify(der2, der2_len, document), 0);
    assert_int_equal(idp_cms_signed_data((const unsigned char *)"x", 1, digest, at, sig, sig_len, &der2, &der2_len),
                     IDP_E_INVALID_REQUEST);
    free(attrs);
    free(other);
    free(der);
    free(der2);
    OPENSSL_free(cert_der);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(card_signature_becomes_a_signed_data_that_verifies)};
    return cmocka_run_group_tests(tests, setup, teardown);
}

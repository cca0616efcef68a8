/*
 * CMS SignedData (RFC 5652) around a signature the card made elsewhere:
 * OpenSSL's CMS and PKCS#7 signers want the private key, so the SignerInfo
 * is filled through PKCS#7's structures (SignedData version 1 is PKCS#7's)
 * with the certificate's public key naming the algorithms, and the card's
 * signature put in place of the one a key would have made.
 */
#include "jpki/cms.h"

#include <openssl/pkcs7.h>
#include <stdbool.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

/* contentType, signingTime and messageDigest into @p si's signed attributes (RFC 5652 §11). */
static bool add_attrs(PKCS7_SIGNER_INFO *si, const unsigned char digest[32], time_t at)
{
    ASN1_OCTET_STRING *md = ASN1_OCTET_STRING_new();
    ASN1_TIME *t = ASN1_TIME_set(NULL, at); /* UTCTime until 2049, as §11.3 requires */
    bool ok = md && t && ASN1_OCTET_STRING_set(md, digest, 32) == 1 &&
              PKCS7_add_signed_attribute(si, NID_pkcs9_contentType, V_ASN1_OBJECT, OBJ_nid2obj(NID_pkcs7_data)) == 1 &&
              PKCS7_add_signed_attribute(
                  si, NID_pkcs9_signingTime,
                  ASN1_STRING_type(t) == V_ASN1_UTCTIME ? V_ASN1_UTCTIME : V_ASN1_GENERALIZEDTIME, t) == 1;
    if (ok)
        t = NULL; /* the attribute took it */
    ok = ok && PKCS7_add_signed_attribute(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, md) == 1;
    if (ok)
        md = NULL;
    ASN1_TIME_free(t);
    ASN1_OCTET_STRING_free(md);
    return ok;
}

/* The DER of @p si's signed attributes as the signature covers them: a SET OF in DER order (§5.4). */
static idp_err_t attrs_der(PKCS7_SIGNER_INFO *si, unsigned char **der, size_t *len)
{
    unsigned char *buf = NULL;
    int n = ASN1_item_i2d((ASN1_VALUE *)si->auth_attr, &buf, ASN1_ITEM_rptr(PKCS7_ATTR_SIGN));
    if (n <= 0)
        return IDP_E_NOMEM;
    *der = malloc((size_t)n);
    if (*der)
        memcpy(*der, buf, (size_t)n);
    OPENSSL_free(buf);
    *len = (size_t)n;
    return *der ? IDP_OK : IDP_E_NOMEM;
}

idp_err_t idp_cms_signed_attrs(const unsigned char digest[32], time_t at, unsigned char **der, size_t *len)
{
    PKCS7_SIGNER_INFO *si = PKCS7_SIGNER_INFO_new();
    idp_err_t e = si && add_attrs(si, digest, at) ? attrs_der(si, der, len) : IDP_E_NOMEM;
    PKCS7_SIGNER_INFO_free(si);
    return e;
}

idp_err_t idp_cms_signed_data(const unsigned char *cert_der, size_t cert_len, const unsigned char digest[32], time_t at,
                              const unsigned char *sig, size_t sig_len, unsigned char **out, size_t *out_len)
{
    const unsigned char *p = cert_der;
    X509 *cert = d2i_X509(NULL, &p, (long)cert_len);
    if (cert == NULL)
        return IDP_E_INVALID_REQUEST;
    idp_err_t e = IDP_E_NOMEM;
    PKCS7 *p7 = PKCS7_new();
    PKCS7_SIGNER_INFO *si = PKCS7_SIGNER_INFO_new();
    unsigned char *buf = NULL;
    /* §5.1: SignedData; §5.2: id-data without its content (detached) */
    if (p7 == NULL || si == NULL || PKCS7_set_type(p7, NID_pkcs7_signed) != 1 ||
        PKCS7_content_new(p7, NID_pkcs7_data) != 1 || PKCS7_set_detached(p7, 1) != 1)
        goto Exit;
    /* §5.3: version 1, issuerAndSerialNumber, sha256, and the algorithm the certificate's key names (rsaEncryption) */
    if (PKCS7_SIGNER_INFO_set(si, cert, X509_get0_pubkey(cert), EVP_sha256()) != 1 || !add_attrs(si, digest, at) ||
        ASN1_OCTET_STRING_set(si->enc_digest, sig, (int)sig_len) != 1 || PKCS7_add_signer(p7, si) != 1)
        goto Exit;
    si = NULL; /* p7 holds it */
    if (PKCS7_add_certificate(p7, cert) != 1)
        goto Exit;
    int n = i2d_PKCS7(p7, &buf);
    if (n <= 0 || (*out = malloc((size_t)n)) == NULL)
        goto Exit;
    memcpy(*out, buf, (size_t)n);
    *out_len = (size_t)n;
    e = IDP_OK;
Exit:
    OPENSSL_free(buf);
    PKCS7_SIGNER_INFO_free(si);
    PKCS7_free(p7);
    X509_free(cert);
    return e;
}

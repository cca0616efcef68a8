/*
 * Trust anchors by key (RFC 5280 §6.1.1 (d): the trust anchor's public key),
 * and the keys of the SakaI-D test CA.
 *
 * keys/jpki-test-ca derives its roots' RSA keys from public seeds
 * (keys/lib/seeded_rsa.py), so every copy of the test material has the same
 * four root keys, whatever the roots' names and however their strings are
 * encoded. Their private keys are public knowledge: anyone can mint cards
 * under them. sakaid therefore knows them here, by the SHA-256 of their DER
 * SubjectPublicKeyInfo, trusts them only in dev mode and refuses to start
 * without dev mode when one is configured (verify.c). unit_jpki checks that
 * the material's roots have exactly these keys; change both together.
 */
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>

#include "jpki/jpki.h"

static const struct {
    idp_jpki_purpose_t purpose;
    const char *root; /* keys/jpki-test-ca's name for it (and its seed) */
    unsigned char spki_sha256[32];
} test_anchors[] = {
    {IDP_JPKI_AUTH,
     "auth-g2019", /* O7pLp5Dde8Ln2XnMT4kOu5pmN8Dl0TWonu211SvhU-Y */
     {0x3b, 0xba, 0x4b, 0xa7, 0x90, 0xdd, 0x7b, 0xc2, 0xe7, 0xd9, 0x79, 0xcc, 0x4f, 0x89, 0x0e, 0xbb,
      0x9a, 0x66, 0x37, 0xc0, 0xe5, 0xd1, 0x35, 0xa8, 0x9e, 0xed, 0xb5, 0xd5, 0x2b, 0xe1, 0x53, 0xe6}},
    {IDP_JPKI_AUTH,
     "auth-g2023", /* DhA6JXGVYqTntEpY0pll9BVa9ptA9_U7EbT0f7V1rQM */
     {0x0e, 0x10, 0x3a, 0x25, 0x71, 0x95, 0x62, 0xa4, 0xe7, 0xb4, 0x4a, 0x58, 0xd2, 0x99, 0x65, 0xf4,
      0x15, 0x5a, 0xf6, 0x9b, 0x40, 0xf7, 0xf5, 0x3b, 0x11, 0xb4, 0xf4, 0x7f, 0xb5, 0x75, 0xad, 0x03}},
    {IDP_JPKI_SIGN,
     "sign-g2019", /* yAzu8DrBll0_wjWeoTIWyWysrlg-daLIVCCvA3MK5-o */
     {0xc8, 0x0c, 0xee, 0xf0, 0x3a, 0xc1, 0x96, 0x5d, 0x3f, 0xc2, 0x35, 0x9e, 0xa1, 0x32, 0x16, 0xc9,
      0x6c, 0xac, 0xae, 0x58, 0x3e, 0x75, 0xa2, 0xc8, 0x54, 0x20, 0xaf, 0x03, 0x73, 0x0a, 0xe7, 0xea}},
    {IDP_JPKI_SIGN,
     "sign-g2023", /* U0sprPeQ_KuoqLhYyh2btFcGuH_7vMVCDIcuW4nsKcM */
     {0x53, 0x4b, 0x29, 0xac, 0xf7, 0x90, 0xfc, 0xab, 0xa8, 0xa8, 0xb8, 0x58, 0xca, 0x1d, 0x9b, 0xb4,
      0x57, 0x06, 0xb8, 0x7f, 0xfb, 0xbc, 0xc5, 0x42, 0x0c, 0x87, 0x2e, 0x5b, 0x89, 0xec, 0x29, 0xc3}},
};

bool idp_jpki_test_anchor(const unsigned char spki_sha256[32], idp_jpki_purpose_t *purpose)
{
    for (size_t i = 0; i < sizeof(test_anchors) / sizeof(test_anchors[0]); i++)
        if (memcmp(test_anchors[i].spki_sha256, spki_sha256, 32) == 0) {
            if (purpose)
                *purpose = test_anchors[i].purpose;
            return true;
        }
    return false;
}

bool idp_jpki_spki_sha256(X509 *x, unsigned char out[32])
{
    unsigned char *der = NULL;
    unsigned int n = 0;
    /* RFC 5280 §4.1.2.7: the whole SubjectPublicKeyInfo, algorithm included (as RFC 7469 pins) */
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
    bool ok = len > 0 && EVP_Digest(der, (size_t)len, out, &n, EVP_sha256(), NULL) == 1 && n == 32;
    OPENSSL_free(der);
    return ok;
}

/*
 * Fuzz target: certificate and signing-attribute parsing in idp/jpki. The
 * input is what a client may send as "certificate" to /login/card/verify.
 * libFuzzer: cmake -DSAKAID_FUZZ=ON with clang (README "Tests"); the test
 * suite runs it briefly through driver.c.
 */
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/jpki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static idp_jpki_trust_t *trust;
    if (trust == NULL)
        trust = idp_jpki_trust_new(true); /* no roots: every chain fails, parsing still runs */
    unsigned char msg[8] = {0}, sig[256] = {0};
    idp_jpki_result_t res;
    idp_jpki_verify(trust, IDP_JPKI_AUTH, data, size, msg, sizeof(msg), sig, sizeof(sig), 0, &res);
    idp_jpki_verify(trust, IDP_JPKI_SIGN, data, size, msg, sizeof(msg), sig, sizeof(sig), 0, &res);
    const unsigned char *p = data;
    X509 *x = d2i_X509(NULL, &p, (long)size);
    if (x) {
        idp_jpki_attrs_t attrs;
        char detail[128];
        idp_jpki_parse_attrs(x, &attrs, detail, sizeof(detail));
        X509_free(x);
    }
    return 0;
}

/*
 * Fuzz target: the card exchange's JSON bodies (idp/oauth/card_body.c), as
 * a card app or a browser posts them to /login/card/challenge and
 * /login/card/verify. The input is one body, read as both: the challenge's
 * {"login_tx", "purpose"}, and the verification's {"challenge_id",
 * "cert_type", "certificate", "signature", "sign_certificate",
 * "sign_signature"}. What the parse promises is checked (the fields it
 * returns are non-empty strings within their bounds, a status OK has every
 * field its cert_type needs), then the certificates and signatures are
 * decoded as card.c decodes them (base64 or base64url DER, base64url
 * signature) and handed to idp_jpki_verify with no roots pinned (every
 * chain fails; the DER parse and the signature's length checks still run).
 * libFuzzer: -DSAKAID_FUZZ=ON with clang (docs/testing.md); the test suite
 * runs it through driver.c over tests/fuzz/seeds/card_body.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/jpki.h"
#include "oauth/card_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static idp_jpki_trust_t *trust;

static void bounded(const char *s, size_t max)
{
    if (s && (!*s || strlen(s) > max))
        abort();
}

static void verify(idp_arena_t *a, idp_jpki_purpose_t purpose, const char *cert64, const char *sig64)
{
    unsigned char *der = NULL, sig[IDP_CARD_SIG_MAX], msg[IDP_JPKI_MESSAGE_MAX], nonce[IDP_JPKI_NONCE_BYTES] = {0};
    size_t der_len = 0, sig_len = 0;
    if (!idp_card_body_decode(a, cert64, sig64, &der, &der_len, sig, &sig_len))
        return;
    if (der_len > strlen(cert64) || sig_len > IDP_CARD_SIG_MAX)
        abort();
    size_t msg_len = idp_jpki_message(purpose, nonce, "city-portal", "https://rp.example/cb", "n-0S6_WzA2Mj", msg);
    idp_jpki_result_t res;
    idp_jpki_verify(trust, purpose, der, der_len, msg, msg_len, sig, sig_len, 1767225600, &res);
    if (res.reason == IDP_JPKI_OK)
        abort(); /* no root is pinned */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (trust == NULL)
        trust = idp_jpki_trust_new(true);
    const char *body = (const char *)data;
    const size_t cert_max = (IDP_JPKI_MAX_CERT + 2) / 3 * 4;

    idp_card_challenge_body_t c;
    idp_card_body_status_t st = idp_card_challenge_body_parse(body, size, &c);
    if ((st == IDP_CARD_BODY_NOT_OBJECT) != (c.root == NULL) || st == IDP_CARD_BODY_SIGN_ALONE)
        abort();
    bounded(c.login_tx, IDP_CARD_ID_MAX);
    if (st == IDP_CARD_BODY_OK && (c.login_tx == NULL || (strcmp(c.purpose, "auth") && strcmp(c.purpose, "both"))))
        abort();
    json_decref(c.root);

    idp_card_verify_body_t v;
    st = idp_card_verify_body_parse(body, size, &v);
    if ((st == IDP_CARD_BODY_NOT_OBJECT) != (v.root == NULL))
        abort();
    bounded(v.challenge_id, IDP_CARD_ID_MAX);
    bounded(v.cert64, cert_max);
    bounded(v.sign_cert64, cert_max);
    bounded(v.sig64, IDP_CARD_SIG64_MAX);
    bounded(v.sign_sig64, IDP_CARD_SIG64_MAX);
    if (st == IDP_CARD_BODY_OK) {
        if (v.challenge_id == NULL || v.cert64 == NULL || v.sig64 == NULL || v.cert_type == NULL ||
            v.both != !strcmp(v.cert_type, "both") || (!v.both && strcmp(v.cert_type, "auth")) ||
            (v.both && (v.sign_cert64 == NULL || v.sign_sig64 == NULL)))
            abort();
        idp_arena_t a;
        idp_arena_init(&a, 1 << 20);
        verify(&a, IDP_JPKI_AUTH, v.cert64, v.sig64);
        if (v.both)
            verify(&a, IDP_JPKI_SIGN, v.sign_cert64, v.sign_sig64);
        idp_arena_free(&a);
    }
    json_decref(v.root);
    return 0;
}

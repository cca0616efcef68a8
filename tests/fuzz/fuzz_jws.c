/*
 * Fuzz target: the JWS compact form and the keys it is verified with
 * (idp/jose/verify.c), as client assertions (private_key_jwt, RFC 7523)
 * and upstream ID tokens reach them. The input is used three ways:
 *   1. as a compact JWS, verified against a JWK Set of one RS256, one ES256
 *      and one PS256 key made here (a mutated token never carries a good
 *      signature: this reaches the splitting, base64url and header checks);
 *   2. as a protected header and a payload (two JSON texts, split at a line
 *      "%%"; "$KID" in the header becomes the kid of the key that signs),
 *      which this file signs with its ES256 key, or its RS256 (PS256) key when
 *      the header mentions RS256 (PS256), so that the header rules and the payload parse
 *      run on a good signature. Oracle: a token whose header is an object
 *      with alg the signing key's, no "crit"/"b64", a string kid naming the
 *      key or none, and whose payload is an object (no duplicate names,
 *      RFC 7515 §5.2) must verify; with one signature character changed it
 *      must not. The key set is parsed from the JSON text a client's inline
 *      "jwks" metadata is dumped to, as client_auth.c does;
 *   3. as a JWK Set text (idp_jwks_parse), whose keys then verify the
 *      token of 2.
 * Not reached: the client assertion's claim checks (iss = sub = client_id,
 * aud, exp, nbf, jti) are static in idp/oauth/client_auth.c and need the
 * store (the client's registration, the jti ledger).
 * libFuzzer: -DSAKAID_FUZZ=ON with clang (docs/testing.md); the test suite
 * runs it through driver.c over tests/fuzz/seeds/jws.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "jose/key.h"
#include "jose/verify.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static idp_jose_key_t *rsa, *ec, *ps;
static idp_jwks_t *ours;

static void init(void)
{
    if (idp_jose_key_generate(IDP_ALG_RS256, &rsa) != IDP_OK || idp_jose_key_generate(IDP_ALG_ES256, &ec) != IDP_OK ||
        idp_jose_key_generate(IDP_ALG_PS256, &ps) != IDP_OK)
        abort();
    char text[4096];
    snprintf(text, sizeof(text), "{\"keys\":[%s,%s,%s]}", idp_jose_key_public_jwk(rsa), idp_jose_key_public_jwk(ec),
             idp_jose_key_public_jwk(ps));
    /* as a client's inline jwks metadata reaches idp_jwks_parse: loaded, then dumped compact */
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    char *dumped = j ? json_dumps(j, JSON_COMPACT) : NULL;
    if (dumped == NULL || idp_jwks_parse(dumped, strlen(dumped), &ours) != IDP_OK || idp_jwks_count(ours) != 3)
        abort();
    free(dumped);
    json_decref(j);
}

/* idp_jws_verify, with the contract on its outputs checked. */
static idp_err_t verify(const idp_jwks_t *keys, const char *token)
{
    json_t *h = (json_t *)&h, *p = (json_t *)&p; /* must be overwritten */
    idp_err_t e = idp_jws_verify(keys, token, &h, &p);
    if (e == IDP_OK ? !json_is_object(h) || !json_is_object(p) : h != NULL || p != NULL)
        abort();
    json_decref(h);
    json_decref(p);
    return e;
}

/* Would a correctly signed token with this header and payload be accepted (RFC 7515 §5.2, RFC 8725 §3.1)? */
static int acceptable(const char *hdr, size_t hn, const char *payload, size_t pn, const idp_jose_key_t *k)
{
    json_t *h = json_loadb(hdr, hn, JSON_REJECT_DUPLICATES, NULL),
           *p = json_loadb(payload, pn, JSON_REJECT_DUPLICATES, NULL);
    json_t *alg = json_object_get(h, "alg"), *kid = json_object_get(h, "kid");
    int ok = json_is_object(h) && json_is_object(p) && json_is_string(alg) &&
             idp_alg_from_name(json_string_value(alg)) == idp_jose_key_alg(k) && !json_object_get(h, "crit") &&
             !json_object_get(h, "b64") &&
             (kid == NULL || (json_is_string(kid) && !strcmp(json_string_value(kid), idp_jose_key_kid(k))));
    json_decref(h);
    json_decref(p);
    return ok;
}

/* BASE64URL(header) '.' BASE64URL(payload) '.' BASE64URL(signature by k); malloc'ed. */
static char *sign(const idp_jose_key_t *k, const char *hdr, size_t hn, const char *payload, size_t pn)
{
    size_t cap = idp_b64url_encoded_len(hn) + idp_b64url_encoded_len(pn) + 1024;
    char *t = malloc(cap + 8);
    unsigned char sig[512];
    size_t siglen = 0;
    if (t == NULL)
        return NULL;
    idp_b64url_encode((const unsigned char *)hdr, hn, t);
    size_t o = strlen(t);
    t[o++] = '.';
    idp_b64url_encode((const unsigned char *)payload, pn, t + o);
    o += strlen(t + o);
    if (idp_jose_key_sign(k, t, o, sig, &siglen) != IDP_OK)
        abort();
    t[o++] = '.';
    idp_b64url_encode(sig, siglen, t + o);
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ours == NULL)
        init();
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    /* 1: the input as a compact JWS */
    verify(ours, text);

    /* 2: a header and a payload, signed here */
    const char *sec[2];
    size_t len[2];
    char *token = NULL;
    if (fuzz_sections(text, size, sec, len, 2) == 2 && len[0] + len[1] < IDP_JWS_MAX_BYTES / 2) {
        const idp_jose_key_t *k = fuzz_contains(sec[0], len[0], "RS256")   ? rsa
                                  : fuzz_contains(sec[0], len[0], "PS256") ? ps
                                                                           : ec;
        size_t hn;
        char *hdr = fuzz_subst(sec[0], len[0], "$KID", idp_jose_key_kid(k), &hn);
        if (hdr && (token = sign(k, hdr, hn, sec[1], len[1])) != NULL) {
            idp_err_t e = verify(ours, token);
            if (e != IDP_OK && strlen(token) <= IDP_JWS_MAX_BYTES && acceptable(hdr, hn, sec[1], len[1], k))
                abort(); /* a good signature under an acceptable header is refused */
            if (e == IDP_OK && !acceptable(hdr, hn, sec[1], len[1], k))
                abort(); /* a token we must not trust is accepted */
            /* the first signature character changed: its top bits differ, so the signature does */
            char *s = strrchr(token, '.') + 1;
            if (*s) {
                char was = *s;
                *s = was == 'A' ? 'Q' : 'A';
                if (verify(ours, token) == IDP_OK)
                    abort();
                *s = was;
            }
        }
        free(hdr);
    }

    /* 3: the input as a JWK Set */
    idp_jwks_t *set = (idp_jwks_t *)&set;
    idp_err_t e = idp_jwks_parse(text, size, &set);
    if (e == IDP_OK ? set == NULL || idp_jwks_count(set) > IDP_JWKS_MAX_KEYS : set != NULL)
        abort();
    if (set && token)
        verify(set, token);
    idp_jwks_free(set);
    free(token);
    free(text);
    return 0;
}

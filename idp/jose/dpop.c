/* DPoP proofs (RFC 9449 §4): the checks a proof passes on its own. */
#include "jose/dpop.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/b64.h"
#include "core/rand.h"
#include "jose/key.h"
#include "jose/verify.h"

/* RFC 7638 §3.2: the required members, in lexicographic order, of each key type we verify. */
static const char *const ec_members[] = {"crv", "kty", "x", "y", NULL};
static const char *const rsa_members[] = {"e", "kty", "n", NULL};

idp_err_t idp_jwk_thumbprint(const json_t *jwk, char out[IDP_JKT_LEN])
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *const *m = kty && !strcmp(kty, "EC") ? ec_members : kty && !strcmp(kty, "RSA") ? rsa_members : NULL;
    if (m == NULL)
        return IDP_E_INVALID_DPOP_PROOF;
    /* §3.3: no whitespace, members in order; the values are base64url or fixed names, which need no escaping
     * beyond what json_dumps does (JSON_COMPACT | JSON_SORT_KEYS gives exactly that form) */
    json_t *t = json_object();
    for (; t && *m; m++) {
        const json_t *v = json_object_get(jwk, *m);
        if (!json_is_string(v)) {
            json_decref(t);
            return IDP_E_INVALID_DPOP_PROOF;
        }
        json_object_set_new(t, *m, json_string(json_string_value(v)));
    }
    char *text = t ? json_dumps(t, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(t);
    if (text == NULL)
        return IDP_E_NOMEM;
    unsigned char h[32];
    idp_sha256(text, strlen(text), h);
    free(text);
    idp_b64url_encode(h, sizeof(h), out);
    return IDP_OK;
}

void idp_dpop_ath(const char *access_token, char out[IDP_JKT_LEN])
{
    unsigned char h[32];
    idp_sha256(access_token, strlen(access_token), h);
    idp_b64url_encode(h, sizeof(h), out);
}

/* The length of "scheme://authority" in @p u (0: not an absolute http(s) URI), with a default port dropped from
 * *cmp_len (RFC 3986 §6.2.3: scheme-based normalization). */
static size_t origin_len(const char *u, size_t n, size_t *cmp_len)
{
    size_t s = n >= 8 && !strncasecmp(u, "https://", 8) ? 8 : n >= 7 && !strncasecmp(u, "http://", 7) ? 7 : 0;
    if (s == 0)
        return 0;
    const char *slash = memchr(u + s, '/', n - s);
    size_t end = slash ? (size_t)(slash - u) : n;
    const char *dflt = s == 8 ? ":443" : ":80";
    size_t dl = strlen(dflt);
    *cmp_len = end > s + dl && !memcmp(u + end - dl, dflt, dl) ? end - dl : end;
    return end;
}

/* §4.3 item 9: htu is the request's URI, ignoring query and fragment; scheme and host compare case-insensitively
 * (RFC 3986 §6.2.2.1), the path exactly (an empty path is "/", §6.2.3). */
static bool htu_matches(const char *claim, const char *expected)
{
    size_t n = strcspn(claim, "?#"), en = strlen(expected), cl, el;
    size_t co = origin_len(claim, n, &cl), eo = origin_len(expected, en, &el);
    if (co == 0 || eo == 0 || cl != el || strncasecmp(claim, expected, cl) != 0)
        return false;
    const char *cp = n > co ? claim + co : "/", *ep = en > eo ? expected + eo : "/";
    size_t cpl = n > co ? n - co : 1, epl = en > eo ? en - eo : 1;
    return cpl == epl && !memcmp(cp, ep, cpl);
}

/* The proof's header: typ, an asymmetric alg we verify, and a public jwk (§4.2, §4.3 items 4-7). */
static idp_err_t check_header(const char *proof, json_t **jwk, char alg_out[8], const char **why)
{
    const char *dot = strchr(proof, '.');
    size_t n = dot ? (size_t)(dot - proof) : 0, len;
    unsigned char *raw = n && n < 4096 ? malloc(n * 3 / 4 + 3) : NULL;
    if (raw == NULL || idp_b64url_decode(proof, n, raw, n * 3 / 4 + 3, &len) != IDP_OK) {
        free(raw);
        *why = "the DPoP proof is not a JWS in compact form";
        return IDP_E_INVALID_DPOP_PROOF;
    }
    json_t *h = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, NULL);
    free(raw);
    const char *typ = json_string_value(json_object_get(h, "typ"));
    const char *alg = json_string_value(json_object_get(h, "alg"));
    json_t *k = json_object_get(h, "jwk");
    idp_err_t e = IDP_E_INVALID_DPOP_PROOF;
    if (!json_is_object(h))
        *why = "the DPoP proof's header is not a JSON object";
    else if (typ == NULL || strcasecmp(typ, "dpop+jwt") != 0) /* §4.3 item 4 */
        *why = "the DPoP proof's typ is not dpop+jwt";
    else if (alg == NULL || idp_alg_from_name(alg) == IDP_ALG_NONE) /* item 5: asymmetric, supported, not none */
        *why = "the DPoP proof's alg is not one we support (dpop_signing_alg_values_supported)";
    else if (!json_is_object(k))
        *why = "the DPoP proof has no jwk header";
    else if (json_object_get(k, "d") || json_object_get(k, "p") || json_object_get(k, "k")) /* item 7 */
        *why = "the DPoP proof's jwk holds a private key";
    else {
        *jwk = json_incref(k);
        snprintf(alg_out, 8, "%s", alg); /* a name idp_alg_from_name knows: short */
        e = IDP_OK;
    }
    json_decref(h);
    return e;
}

/* Verifies the signature with the header's own key (§4.3 item 6): the only place a jwk header picks a key. */
static idp_err_t check_signature(const char *proof, json_t *jwk, json_t **payload, const char **why)
{
    idp_jwks_t *keys = NULL;
    idp_err_t e = idp_jwks_from_jwk(jwk, &keys);
    if (e == IDP_OK && idp_jwks_count(keys) == 0)
        e = IDP_E_INVALID_GRANT; /* a key type, curve or size we do not verify with */
    if (e == IDP_OK)
        e = idp_jws_verify(keys, proof, NULL, payload);
    idp_jwks_free(keys);
    if (e == IDP_E_NOMEM || e == IDP_E_SERVER_ERROR)
        return e;
    if (e != IDP_OK)
        *why = "the DPoP proof's signature does not verify with its jwk";
    return e == IDP_OK ? IDP_OK : IDP_E_INVALID_DPOP_PROOF;
}

/* A string claim of at most @p max bytes into @p out; false when absent, not a string, empty or too long. */
static bool claim_str(const json_t *p, const char *name, char *out, size_t max)
{
    const json_t *v = json_object_get(p, name);
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max)
        return false;
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return true;
}

/* The payload's claims (§4.2; §4.3 items 3, 8, 9, 11, 12). */
static idp_err_t check_claims(const json_t *p, const char *htm, const char *htu, const char *access_token,
                              long long now, idp_dpop_proof_t *out, const char **why)
{
    const json_t *iat = json_object_get(p, "iat"), *nonce = json_object_get(p, "nonce");
    const char *m = json_string_value(json_object_get(p, "htm")), *u = json_string_value(json_object_get(p, "htu"));
    const char *ath = json_string_value(json_object_get(p, "ath"));
    char want[IDP_JKT_LEN];
    if (!claim_str(p, "jti", out->jti, IDP_DPOP_JTI_MAX))
        *why = "the DPoP proof's jti is missing or longer than 128 characters";
    else if (m == NULL || strcmp(m, htm) != 0)
        *why = "the DPoP proof's htm is not this request's method";
    else if (u == NULL || !htu_matches(u, htu))
        *why = "the DPoP proof's htu is not this request's URI";
    else if (!json_is_number(iat) || !isfinite(json_number_value(iat)))
        *why = "the DPoP proof has no iat";
    else if (json_number_value(iat) < (double)(now - IDP_DPOP_MAX_AGE) ||
             json_number_value(iat) > (double)(now + IDP_DPOP_MAX_AHEAD))
        *why = "the DPoP proof's iat is too old or in the future";
    else if (nonce && !claim_str(p, "nonce", out->nonce, IDP_DPOP_NONCE_MAX))
        *why = "the DPoP proof's nonce is malformed";
    else if (access_token && (idp_dpop_ath(access_token, want), ath == NULL || strcmp(ath, want) != 0))
        *why = "the DPoP proof's ath is not the hash of this access token";
    else {
        out->iat = (long long)json_number_value(iat); /* positive: truncation is floor */
        return IDP_OK;
    }
    return IDP_E_INVALID_DPOP_PROOF;
}

idp_err_t idp_dpop_verify(const char *proof, const char *htm, const char *htu, const char *access_token, long long now,
                          idp_dpop_proof_t *out, const char **why)
{
    json_t *jwk = NULL, *payload = NULL;
    memset(out, 0, sizeof(*out));
    *why = "the DPoP proof is malformed";
    if (proof == NULL || strnlen(proof, IDP_JWS_MAX_BYTES + 1) > IDP_JWS_MAX_BYTES) /* §4.3 item 2 */
        return IDP_E_INVALID_DPOP_PROOF;
    idp_err_t e = check_header(proof, &jwk, out->alg, why);
    if (e == IDP_OK)
        e = check_signature(proof, jwk, &payload, why);
    if (e == IDP_OK)
        e = check_claims(payload, htm, htu, access_token, now, out, why);
    if (e == IDP_OK)
        e = idp_jwk_thumbprint(jwk, out->jkt);
    json_decref(jwk);
    json_decref(payload);
    return e;
}

#include "jose/verify.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "jose/key.h"

/* RFC 7518 §3.3 (RS256), §3.5 (PS256): "A key of size 2048 bits or larger MUST
 * be used". The upper bound keeps one verification cheap for keys a remote
 * party publishes. */
#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 8192
/* OpenSSL refuses public exponents over 64 bits for moduli above 3072 bits. */
#define RSA_MAX_E_BITS 64
#define P256_BYTES 32
/* DER of an ECDSA-Sig-Value with two 33-byte INTEGERs is at most 72 bytes. */
#define ECDSA_DER_MAX 80

/* A set of algorithms: one bit per idp_alg_t. */
#define ALG_BIT(a) (1u << (unsigned)(a))
_Static_assert(IDP_ALG__COUNT <= 32, "an algorithm set is an unsigned int");

typedef struct {
    unsigned algs; /* the algorithms the key verifies (ALG_BIT), never empty */
    char *kid;     /* NULL when the JWK has none */
    EVP_PKEY *pkey;
} jwks_key_t;

struct idp_jwks {
    size_t count;
    jwks_key_t keys[];
};

static int string_is(const json_t *v, const char *s)
{
    size_t n = strlen(s);
    return json_is_string(v) && json_string_length(v) == n && memcmp(json_string_value(v), s, n) == 0;
}

/* The base64url string member @p name of @p jwk, decoded into @p out (capacity @p cap). */
static int member_bytes(const json_t *jwk, const char *name, unsigned char *out, size_t cap, size_t *len)
{
    const json_t *v = json_object_get(jwk, name);
    if (!json_is_string(v))
        return 0;
    size_t n = json_string_length(v);
    /* idp_b64url_decode needs n*3/4+3 bytes of room */
    if (n * 3 / 4 + 3 > cap)
        return 0;
    return idp_b64url_decode(json_string_value(v), n, out, cap, len) == IDP_OK;
}

/* RFC 7517 §4.2-§4.4: of the algorithms @p algs that the key's type allows, those the key is meant for
 * verifying signatures with; 0 when it is meant for none. */
static unsigned meant_for(const json_t *jwk, unsigned algs)
{
    const json_t *v;
    size_t i;
    json_t *op;
    if ((v = json_object_get(jwk, "use")) != NULL && !string_is(v, "sig"))
        return 0;
    /* RFC 7517 §4.4: "alg" identifies the algorithm intended for use with the key, so an RSA key that says
     * RS256 never verifies PS256 and one that says PS256 never verifies RS256; without "alg", any of them */
    if ((v = json_object_get(jwk, "alg")) != NULL) {
        unsigned named = 0;
        for (int a = IDP_ALG_NONE + 1; a < IDP_ALG__COUNT; a++)
            if (string_is(v, idp_alg_name((idp_alg_t)a)))
                named = ALG_BIT(a);
        algs &= named;
    }
    if ((v = json_object_get(jwk, "key_ops")) != NULL) {
        json_array_foreach (v, i, op) {
            if (string_is(op, "verify"))
                return algs;
        }
        return 0;
    }
    return algs;
}

/* A public key from @p params; NULL if OpenSSL does not accept them. */
static EVP_PKEY *pkey_from(const char *type, OSSL_PARAM *params)
{
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
        pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

/* RFC 7518 §6.3.1: an RSA public key (RS256, PS256). *out stays NULL for a key to ignore. */
static idp_err_t rsa_key(const json_t *jwk, EVP_PKEY **out)
{
    idp_err_t ret = IDP_E_NOMEM;
    unsigned char n[RSA_MAX_BITS / 8 + 8], e[16];
    size_t nlen, elen;
    BIGNUM *bn_n = NULL, *bn_e = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;

    if (!member_bytes(jwk, "n", n, sizeof(n), &nlen) || !member_bytes(jwk, "e", e, sizeof(e), &elen))
        return IDP_OK;
    if ((bn_n = BN_bin2bn(n, (int)nlen, NULL)) == NULL || (bn_e = BN_bin2bn(e, (int)elen, NULL)) == NULL)
        goto Exit;
    ret = IDP_OK;
    /* RFC 7518 §3.3, §3.5: at least 2048 bits; a modulus is odd */
    if (BN_num_bits(bn_n) < RSA_MIN_BITS || BN_num_bits(bn_n) > RSA_MAX_BITS || !BN_is_odd(bn_n))
        goto Exit;
    /* an RSA public exponent is odd and greater than 1 */
    if (!BN_is_odd(bn_e) || BN_is_one(bn_e) || BN_num_bits(bn_e) > RSA_MAX_E_BITS)
        goto Exit;
    ret = IDP_E_NOMEM;
    if ((bld = OSSL_PARAM_BLD_new()) == NULL || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) != 1 ||
        (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
        goto Exit;
    *out = pkey_from("RSA", params);
    ret = IDP_OK;
Exit:
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    return ret;
}

/* RFC 7518 §6.2.1: an EC P-256 public key. *out stays NULL for a key to ignore. */
static idp_err_t ec_key(const json_t *jwk, EVP_PKEY **out)
{
    unsigned char x[P256_BYTES + 8], y[P256_BYTES + 8], pub[1 + 2 * P256_BYTES];
    char group[] = "prime256v1";
    size_t xlen, ylen;
    EVP_PKEY *pkey;
    EVP_PKEY_CTX *ctx;

    if (!string_is(json_object_get(jwk, "crv"), "P-256"))
        return IDP_OK;
    /* RFC 7518 §6.2.1.2, §6.2.1.3: each coordinate is the full 32 octets */
    if (!member_bytes(jwk, "x", x, sizeof(x), &xlen) || !member_bytes(jwk, "y", y, sizeof(y), &ylen) ||
        xlen != P256_BYTES || ylen != P256_BYTES)
        return IDP_OK;
    /* SEC 1 §2.3.3: an uncompressed point */
    pub[0] = 0x04;
    memcpy(pub + 1, x, P256_BYTES);
    memcpy(pub + 1 + P256_BYTES, y, P256_BYTES);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub)),
        OSSL_PARAM_construct_end(),
    };
    if ((pkey = pkey_from("EC", params)) == NULL)
        return IDP_OK;
    /* Invalid-curve attacks: EVP_PKEY_fromdata already refuses a point off the
     * curve; the full public check (not at infinity, of the group's order) is
     * kept so that the guarantee does not rest on that detail of the import. */
    if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL) {
        EVP_PKEY_free(pkey);
        return IDP_E_NOMEM;
    }
    if (EVP_PKEY_public_check(ctx) == 1)
        *out = pkey;
    else
        EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(ctx);
    return IDP_OK;
}

/* Adds @p jwk to @p s if it is a key we can use; ignores it otherwise (RFC 7517 §5). */
static idp_err_t add_key(idp_jwks_t *s, const json_t *jwk)
{
    idp_err_t ret;
    const json_t *kty = json_object_get(jwk, "kty"), *kid = json_object_get(jwk, "kid");
    /* the algorithms each key type can verify: RFC 7518 §3.3 and §3.5 with RSA keys, §3.4 with EC keys */
    int rsa = string_is(kty, "RSA");
    unsigned algs = rsa                    ? ALG_BIT(IDP_ALG_RS256) | ALG_BIT(IDP_ALG_PS256)
                    : string_is(kty, "EC") ? ALG_BIT(IDP_ALG_ES256)
                                           : 0;
    EVP_PKEY *pkey = NULL;
    jwks_key_t *k = &s->keys[s->count];

    if (algs == 0 || (kid != NULL && !json_is_string(kid)) || (algs = meant_for(jwk, algs)) == 0)
        return IDP_OK;
    if ((ret = rsa ? rsa_key(jwk, &pkey) : ec_key(jwk, &pkey)) != IDP_OK || pkey == NULL)
        goto Exit;
    if (kid != NULL && (k->kid = strdup(json_string_value(kid))) == NULL) {
        ret = IDP_E_NOMEM;
        goto Exit;
    }
    k->algs = algs;
    k->pkey = pkey;
    pkey = NULL;
    s->count++;
Exit:
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    return ret;
}

idp_err_t idp_jwks_parse(const char *json, size_t len, idp_jwks_t **out)
{
    idp_err_t ret = IDP_E_INVALID_REQUEST;
    json_t *root = NULL, *keys, *jwk;
    idp_jwks_t *s = NULL;
    size_t i;

    if (out == NULL)
        return IDP_E_SERVER_ERROR;
    *out = NULL;
    if (json == NULL || len > IDP_JWKS_MAX_BYTES)
        goto Exit;
    /* RFC 7517 §5: a JSON object with a "keys" array; RFC 7159 §4: names should be unique */
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
    keys = json_object_get(root, "keys");
    if (!json_is_object(root) || !json_is_array(keys) || json_array_size(keys) > IDP_JWKS_MAX_KEYS)
        goto Exit;
    if ((s = calloc(1, sizeof(*s) + json_array_size(keys) * sizeof(s->keys[0]))) == NULL) {
        ret = IDP_E_NOMEM;
        goto Exit;
    }
    json_array_foreach (keys, i, jwk) {
        /* RFC 7517 §5.1: the array's values are JWKs, which are JSON objects */
        if (!json_is_object(jwk)) {
            ret = IDP_E_INVALID_REQUEST;
            goto Exit;
        }
        if ((ret = add_key(s, jwk)) != IDP_OK)
            goto Exit;
    }
    *out = s;
    s = NULL;
    ret = IDP_OK;
Exit:
    idp_jwks_free(s);
    json_decref(root);
    return ret;
}

idp_err_t idp_jwks_from_jwk(const json_t *jwk, idp_jwks_t **out)
{
    *out = NULL;
    if (!json_is_object(jwk))
        return IDP_E_INVALID_REQUEST;
    idp_jwks_t *s = calloc(1, sizeof(*s) + sizeof(s->keys[0]));
    if (s == NULL)
        return IDP_E_NOMEM;
    idp_err_t ret = add_key(s, jwk); /* the same rules as a set's keys: one we cannot use is left out */
    if (ret != IDP_OK) {
        idp_jwks_free(s);
        return ret;
    }
    *out = s;
    return IDP_OK;
}

size_t idp_jwks_count(const idp_jwks_t *s)
{
    return s ? s->count : 0;
}

void idp_jwks_free(idp_jwks_t *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->count; i++) {
        EVP_PKEY_free(s->keys[i].pkey);
        free(s->keys[i].kid);
    }
    free(s);
}

/* RFC 7518 §3.4: the JWS signature is R || S; OpenSSL verifies a DER ECDSA-Sig-Value. */
static idp_err_t rs_to_der(const unsigned char *rs, unsigned char *der, size_t cap, size_t *len)
{
    idp_err_t ret = IDP_E_NOMEM;
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(rs, P256_BYTES, NULL), *s = BN_bin2bn(rs + P256_BYTES, P256_BYTES, NULL);
    unsigned char *p = der;
    int n;

    if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        goto Exit;
    }
    ret = IDP_E_SERVER_ERROR;
    if ((n = i2d_ECDSA_SIG(es, NULL)) <= 0 || (size_t)n > cap || i2d_ECDSA_SIG(es, &p) != n)
        goto Exit;
    *len = (size_t)n;
    ret = IDP_OK;
Exit:
    ECDSA_SIG_free(es);
    return ret;
}

/* Checks @p sig over @p input with one key and @p alg (one the key allows): IDP_OK, IDP_E_INVALID_GRANT or an
 * internal error. */
static idp_err_t verify_with(const jwks_key_t *k, idp_alg_t alg, const char *input, size_t inlen,
                             const unsigned char *sig, size_t siglen)
{
    idp_err_t ret;
    unsigned char der[ECDSA_DER_MAX];
    size_t derlen;
    EVP_MD_CTX *ctx = NULL;
    EVP_PKEY_CTX *pctx = NULL;

    if (alg == IDP_ALG_ES256) {
        /* RFC 7518 §3.4: 64 octets, R then S */
        if (siglen != 2 * P256_BYTES)
            return IDP_E_INVALID_GRANT;
        if ((ret = rs_to_der(sig, der, sizeof(der), &derlen)) != IDP_OK)
            goto Exit;
        sig = der;
        siglen = derlen;
    } else if (siglen != (size_t)EVP_PKEY_get_size(k->pkey)) {
        /* RFC 8017 §8.2.2 step 1: the signature is as long as the modulus */
        return IDP_E_INVALID_GRANT;
    }
    ret = IDP_E_NOMEM;
    if ((ctx = EVP_MD_CTX_new()) == NULL)
        goto Exit;
    ret = IDP_E_SERVER_ERROR;
    if (EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), NULL, k->pkey) != 1)
        goto Exit;
    /* RFC 7518 §3.3: RS256 is RSASSA-PKCS1-v1_5, not PSS */
    if (alg == IDP_ALG_RS256 && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
        goto Exit;
    /* RFC 7518 §3.5: PS256 is RSASSA-PSS with SHA-256, MGF1 with SHA-256, and "the size of the salt value is
     * the same size as the hash function output": exactly 32 bytes (RSA_PSS_SALTLEN_DIGEST), never whatever
     * salt the signature holds (OpenSSL's default for verifying) */
    if (alg == IDP_ALG_PS256 && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                                 EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1 ||
                                 EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
        goto Exit;
    /* 1 is a good signature; 0 a bad one and < 0 a malformed one: both are refusals */
    ret = EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)input, inlen) == 1 ? IDP_OK : IDP_E_INVALID_GRANT;
Exit:
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ret;
}

/* Decodes one base64url part into @p out, whose room is at least n*3/4+3 bytes. */
static idp_err_t decode_part(const char *p, size_t n, unsigned char *out, size_t *len)
{
    idp_err_t ret = idp_b64url_decode(p, n, out, n * 3 / 4 + 3, len);
    return ret == IDP_E_NOMEM ? ret : ret != IDP_OK ? IDP_E_INVALID_REQUEST : IDP_OK;
}

idp_err_t idp_jws_verify(const idp_jwks_t *keys, const char *token, json_t **header, json_t **payload)
{
    idp_err_t ret = IDP_E_INVALID_REQUEST;
    json_t *hdr = NULL, *body = NULL, *alg_v, *kid_v;
    unsigned char *buf = NULL, *hbytes, *pbytes, *sig;
    size_t len, hlen, plen, slen, hn, pn, sn;
    const char *d1, *d2, *kid = NULL;
    idp_alg_t alg;

    if (header)
        *header = NULL;
    if (payload)
        *payload = NULL;
    if (keys == NULL || token == NULL)
        goto Exit;
    if ((len = strnlen(token, IDP_JWS_MAX_BYTES + 1)) > IDP_JWS_MAX_BYTES)
        goto Exit;

    /* RFC 7515 §5.2 step 1, §7.1: BASE64URL(header) '.' BASE64URL(payload) '.' BASE64URL(signature) */
    if ((d1 = memchr(token, '.', len)) == NULL || (d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token))) == NULL ||
        memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)) != NULL)
        goto Exit;
    hlen = (size_t)(d1 - token);
    plen = (size_t)(d2 - (d1 + 1));
    slen = len - (size_t)(d2 + 1 - token);
    /* one buffer for the three decoded parts; each needs n*3/4+3 bytes of room */
    if ((buf = malloc(len + 16)) == NULL) {
        ret = IDP_E_NOMEM;
        goto Exit;
    }
    hbytes = buf;
    pbytes = hbytes + hlen * 3 / 4 + 3;
    sig = pbytes + plen * 3 / 4 + 3;
    /* RFC 7515 §5.2 steps 2, 6, 7: every part is strict base64url */
    if ((ret = decode_part(token, hlen, hbytes, &hn)) != IDP_OK ||
        (ret = decode_part(d1 + 1, plen, pbytes, &pn)) != IDP_OK ||
        (ret = decode_part(d2 + 1, slen, sig, &sn)) != IDP_OK)
        goto Exit;

    /* RFC 7515 §5.2 steps 3-4: a UTF-8 JSON object; duplicate names are rejected */
    ret = IDP_E_INVALID_REQUEST;
    if ((hdr = json_loadb((const char *)hbytes, hn, JSON_REJECT_DUPLICATES, NULL)) == NULL || !json_is_object(hdr))
        goto Exit;
    /* RFC 7515 §4.1.1: "alg" is required and a string */
    alg_v = json_object_get(hdr, "alg");
    if (!json_is_string(alg_v))
        goto Exit;
    if ((kid_v = json_object_get(hdr, "kid")) != NULL) {
        if (!json_is_string(kid_v))
            goto Exit;
        kid = json_string_value(kid_v);
    }
    ret = IDP_E_INVALID_GRANT;
    /* RFC 8725 §3.1, §3.2: only the algorithms we allow; never "none", never an HMAC keyed with a public key */
    if ((alg = idp_alg_from_name(json_string_value(alg_v))) == IDP_ALG_NONE)
        goto Exit;
    /* RFC 7515 §4.1.11: we understand no extensions, so "crit" makes the JWS invalid;
     * RFC 7797 §6: an unencoded payload ("b64") is an extension we do not implement */
    if (json_object_get(hdr, "crit") != NULL || json_object_get(hdr, "b64") != NULL)
        goto Exit;

    /* RFC 7515 §5.2 step 8, §6: the key is chosen by "kid" when present, else every key that allows the alg */
    for (size_t i = 0; i < keys->count; i++) {
        const jwks_key_t *k = &keys->keys[i];
        /* RFC 8725 §3.1: the header's alg must be one the key allows (RFC 7517 §4.4: its "alg", if any) */
        if (!(k->algs & ALG_BIT(alg)) || (kid != NULL && (k->kid == NULL || strcmp(k->kid, kid) != 0)))
            continue;
        /* the signing input is the ASCII of header '.' payload, as it appears in the token */
        if ((ret = verify_with(k, alg, token, (size_t)(d2 - token), sig, sn)) != IDP_E_INVALID_GRANT)
            break;
    }
    if (ret != IDP_OK)
        goto Exit;

    /* only a verified payload is parsed; RFC 7519 §7.2 step 10: a JSON object */
    ret = IDP_E_INVALID_REQUEST;
    if ((body = json_loadb((const char *)pbytes, pn, JSON_REJECT_DUPLICATES, NULL)) == NULL || !json_is_object(body))
        goto Exit;
    if (header) {
        *header = hdr;
        hdr = NULL;
    }
    if (payload) {
        *payload = body;
        body = NULL;
    }
    ret = IDP_OK;
Exit:
    json_decref(hdr);
    json_decref(body);
    free(buf);
    return ret;
}

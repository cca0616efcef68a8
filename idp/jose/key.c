#include "jose/key.h"

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "core/rand.h"

/* The typ of each cached header: none, RFC 9068 §2.1 access tokens, Back-Channel Logout 1.0 §2.4 logout tokens. */
static const char *const typs[] = {NULL, "at+jwt", "logout+jwt"};
#define NTYPS (sizeof(typs) / sizeof(typs[0]))

struct idp_jose_key {
    idp_alg_t alg;
    EVP_PKEY *pkey;
    /* Initialised for signing once (algorithm, padding, digest); each signature works on a copy, so that
     * no signature pays OpenSSL's algorithm fetch and set-up again (EVP_DigestSignInit per token). */
    EVP_PKEY_CTX *sign;
    char kid[48];
    char *jwk;
    /* The protected headers of its JWSs (RFC 7515 §4), base64url, made once for the typ values we sign with
     * (typs[]), so that a token pays neither their JSON nor their encoding. */
    char *headers[NTYPS];
};

/* JSON text of @p j as one line (RFC 7638 §3.3: no whitespace), keys in the order given or sorted; NULL
 * on failure. Takes the reference. */
static char *dump(json_t *j, size_t flags)
{
    char *s = j ? json_dumps(j, JSON_COMPACT | flags) : NULL;
    json_decref(j);
    return s;
}

/* The algorithm table: discovery advertises every row but none (oauth/discovery.c). */
static const char *const alg_names[IDP_ALG__COUNT] = {
    [IDP_ALG_NONE] = "none",
    [IDP_ALG_RS256] = "RS256",
    [IDP_ALG_ES256] = "ES256",
    [IDP_ALG_PS256] = "PS256",
};

/* RS256 and PS256 both sign with an RSA key; ES256 with a P-256 key. */
static int is_rsa(idp_alg_t alg)
{
    return alg == IDP_ALG_RS256 || alg == IDP_ALG_PS256;
}

idp_alg_t idp_alg_from_name(const char *name)
{
    for (int a = IDP_ALG_NONE + 1; name && a < IDP_ALG__COUNT; a++)
        if (!strcmp(name, alg_names[a]))
            return (idp_alg_t)a;
    return IDP_ALG_NONE;
}

const char *idp_alg_name(idp_alg_t alg)
{
    return (unsigned)alg < IDP_ALG__COUNT ? alg_names[alg] : "none";
}

/* base64url of a big number, left-padded to @p width bytes when width > 0 */
static char *bn_b64(EVP_PKEY *pkey, const char *param, size_t width)
{
    BIGNUM *bn = NULL;
    unsigned char buf[1024];
    char *s = NULL;
    if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1)
        return NULL;
    int n = BN_num_bytes(bn);
    if (width == 0)
        width = (size_t)n;
    if ((size_t)n <= width && width <= sizeof(buf) && BN_bn2binpad(bn, buf, (int)width) == (int)width)
        s = idp_b64url_encode_new(buf, width);
    BN_free(bn);
    return s;
}

/* Fills kid (RFC 7638 thumbprint), the public JWK text and the JWS headers. */
static idp_err_t describe(idp_jose_key_t *k)
{
    idp_err_t ret = IDP_E_SERVER_ERROR;
    char *a = NULL, *b = NULL, *canon = NULL;
    if (is_rsa(k->alg)) {
        if ((a = bn_b64(k->pkey, OSSL_PKEY_PARAM_RSA_E, 0)) == NULL ||
            (b = bn_b64(k->pkey, OSSL_PKEY_PARAM_RSA_N, 0)) == NULL)
            goto Exit;
        /* RFC 7638 §3.2: required members only, lexicographic order, no spaces */
        canon = dump(json_pack("{s:s, s:s, s:s}", "e", a, "kty", "RSA", "n", b), JSON_SORT_KEYS);
    } else {
        if ((a = bn_b64(k->pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32)) == NULL ||
            (b = bn_b64(k->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32)) == NULL)
            goto Exit;
        canon = dump(json_pack("{s:s, s:s, s:s, s:s}", "crv", "P-256", "kty", "EC", "x", a, "y", b), JSON_SORT_KEYS);
    }
    if (canon == NULL)
        goto Exit;
    unsigned char digest[32];
    idp_sha256(canon, strlen(canon), digest);
    idp_b64url_encode(digest, sizeof(digest), k->kid);
    /* RFC 7517 §4.4: "alg" names the one algorithm the key is used with (verify.c holds others to it) */
    k->jwk = dump(is_rsa(k->alg) ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kty", "RSA", "kid", k->kid, "use",
                                             "sig", "alg", idp_alg_name(k->alg), "n", b, "e", a)
                                 : json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kty", "EC", "kid", k->kid, "use",
                                             "sig", "alg", "ES256", "crv", "P-256", "x", a, "y", b),
                  JSON_PRESERVE_ORDER);
    for (size_t i = 0; k->jwk && i < NTYPS; i++)
        if ((k->headers[i] = idp_jose_key_header_new(k, typs[i])) == NULL)
            goto Exit;
    ret = k->jwk ? IDP_OK : IDP_E_NOMEM;
Exit:
    free(a);
    free(b);
    free(canon);
    return ret;
}

char *idp_jose_key_header_new(const idp_jose_key_t *k, const char *typ)
{
    char *text = dump(json_pack("{s:s, s:s, s:s*}", "alg", idp_alg_name(k->alg), "kid", k->kid, "typ", typ),
                      JSON_PRESERVE_ORDER);
    char *b64 = text ? idp_b64url_encode_new((const unsigned char *)text, strlen(text)) : NULL;
    free(text);
    return b64;
}

const char *idp_jose_key_header(const idp_jose_key_t *k, const char *typ)
{
    for (size_t i = 0; i < NTYPS; i++)
        if (typ == typs[i] || (typ && typs[i] && !strcmp(typ, typs[i])))
            return k->headers[i];
    return NULL;
}

/* The signing template of @p k (RFC 7518 §3.3, §3.4, §3.5): SHA-256 digests, signed as each algorithm says. */
static idp_err_t sign_template(idp_jose_key_t *k)
{
    if ((k->sign = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL)) == NULL || EVP_PKEY_sign_init(k->sign) != 1 ||
        EVP_PKEY_CTX_set_signature_md(k->sign, EVP_sha256()) != 1)
        return IDP_E_SERVER_ERROR;
    /* §3.3: RS256 is RSASSA-PKCS1-v1_5. §3.5: PS256 is RSASSA-PSS with SHA-256, MGF1 with SHA-256, and a
     * salt as long as the hash (32 bytes); OpenSSL's default salt for signing is the longest that fits. */
    if (k->alg == IDP_ALG_RS256 && EVP_PKEY_CTX_set_rsa_padding(k->sign, RSA_PKCS1_PADDING) != 1)
        return IDP_E_SERVER_ERROR;
    if (k->alg == IDP_ALG_PS256 && (EVP_PKEY_CTX_set_rsa_padding(k->sign, RSA_PKCS1_PSS_PADDING) != 1 ||
                                    EVP_PKEY_CTX_set_rsa_mgf1_md(k->sign, EVP_sha256()) != 1 ||
                                    EVP_PKEY_CTX_set_rsa_pss_saltlen(k->sign, 32) != 1))
        return IDP_E_SERVER_ERROR;
    return IDP_OK;
}

static idp_err_t wrap(idp_alg_t alg, EVP_PKEY *pkey, idp_jose_key_t **out)
{
    idp_jose_key_t *k = calloc(1, sizeof(*k));
    if (k == NULL) {
        EVP_PKEY_free(pkey);
        return IDP_E_NOMEM;
    }
    k->alg = alg;
    k->pkey = pkey;
    idp_err_t ret = sign_template(k);
    if (ret == IDP_OK)
        ret = describe(k);
    if (ret != IDP_OK) {
        idp_jose_key_free(k);
        return ret;
    }
    *out = k;
    return IDP_OK;
}

idp_err_t idp_jose_key_generate(idp_alg_t alg, idp_jose_key_t **out)
{
    EVP_PKEY *pkey = NULL;
    if (is_rsa(alg))
        pkey = EVP_RSA_gen(2048);
    else if (alg == IDP_ALG_ES256)
        pkey = EVP_EC_gen("P-256");
    else
        return IDP_E_INVALID_REQUEST;
    if (pkey == NULL)
        return IDP_E_SERVER_ERROR;
    return wrap(alg, pkey, out);
}

idp_err_t idp_jose_key_from_der(idp_alg_t alg, const unsigned char *der, size_t len, idp_jose_key_t **out)
{
    const unsigned char *p = der;
    EVP_PKEY *pkey = d2i_AutoPrivateKey(NULL, &p, (long)len);
    if (pkey == NULL)
        return IDP_E_SERVER_ERROR;
    /* the stored algorithm and the key type must agree */
    if ((is_rsa(alg) && !(EVP_PKEY_is_a(pkey, "RSA") && EVP_PKEY_get_bits(pkey) >= 2048)) ||
        (alg == IDP_ALG_ES256 && !EVP_PKEY_is_a(pkey, "EC")) || alg == IDP_ALG_NONE) {
        EVP_PKEY_free(pkey);
        return IDP_E_SERVER_ERROR;
    }
    return wrap(alg, pkey, out);
}

idp_err_t idp_jose_key_private_der(const idp_jose_key_t *k, unsigned char **der, size_t *len)
{
    unsigned char *p = NULL;
    int n = i2d_PrivateKey(k->pkey, &p);
    if (n <= 0)
        return IDP_E_SERVER_ERROR;
    *der = p;
    *len = (size_t)n;
    return IDP_OK;
}

const char *idp_jose_key_kid(const idp_jose_key_t *k)
{
    return k->kid;
}

idp_alg_t idp_jose_key_alg(const idp_jose_key_t *k)
{
    return k->alg;
}

const char *idp_jose_key_public_jwk(const idp_jose_key_t *k)
{
    return k->jwk;
}

char *idp_jose_key_public_pem_new(const idp_jose_key_t *k)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *out = NULL, *p;
    if (bio && PEM_write_bio_PUBKEY(bio, k->pkey) == 1) {
        long n = BIO_get_mem_data(bio, &p);
        if (n > 0 && (out = malloc((size_t)n + 1)) != NULL) {
            memcpy(out, p, (size_t)n);
            out[n] = '\0';
        }
    }
    BIO_free(bio);
    return out;
}

idp_err_t idp_jose_key_sign(const idp_jose_key_t *k, const void *data, size_t len, unsigned char *sig, size_t *siglen)
{
    idp_err_t ret = IDP_E_SERVER_ERROR;
    unsigned char digest[32], der[512];
    size_t dlen = sizeof(der);
    ECDSA_SIG *es = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_dup(k->sign); /* the template is shared by every thread: sign on a copy */
    idp_sha256(data, len, digest);
    if (ctx == NULL || EVP_PKEY_sign(ctx, der, &dlen, digest, sizeof(digest)) != 1)
        goto Exit;
    if (is_rsa(k->alg)) {
        memcpy(sig, der, dlen);
        *siglen = dlen;
    } else {
        /* RFC 7518 §3.4: JWS wants R || S, each 32 bytes, not DER */
        const unsigned char *p = der;
        if ((es = d2i_ECDSA_SIG(NULL, &p, (long)dlen)) == NULL)
            goto Exit;
        if (BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32) != 32 || BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32) != 32)
            goto Exit;
        *siglen = 64;
    }
    ret = IDP_OK;
Exit:
    ECDSA_SIG_free(es);
    EVP_PKEY_CTX_free(ctx);
    return ret;
}

void idp_jose_key_free(idp_jose_key_t *k)
{
    if (k == NULL)
        return;
    EVP_PKEY_CTX_free(k->sign);
    EVP_PKEY_free(k->pkey);
    free(k->jwk);
    for (size_t i = 0; i < NTYPS; i++)
        free(k->headers[i]);
    free(k);
}

/* JPKI certificate and signature verification (jpki.md "Verification in OpenSSL"). */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/jpki.h"

/* Certificate policies (jpki.md): [purpose][0] production, [1] test cards. */
static const char *const policy_oid[2][2] = {
    [IDP_JPKI_AUTH] = {"1.2.392.200149.8.5.1.3.30", "1.2.392.200149.8.5.1.3.30"},
    [IDP_JPKI_SIGN] = {"1.2.392.200149.8.5.1.1.20", "1.2.392.200149.8.5.1.0.20"},
};

struct idp_jpki_trust {
    X509_STORE *store[2]; /* the pinned roots of each purpose, and nothing else */
    bool test_roots;
    idp_jpki_revocation_t *rev;
    atomic_ulong counts[IDP_JPKI__COUNT];
};

static const struct {
    const char *code, *ja, *en;
} reasons[IDP_JPKI__COUNT] = {
    [IDP_JPKI_OK] = {"ok", "確認できました。", "Verified."},
    [IDP_JPKI_BAD_SIGNATURE] = {"bad_signature", "署名を確認できませんでした。もう一度カードを読み取ってください。",
                                "The card's signature could not be verified. Please read the card again."},
    [IDP_JPKI_UNKNOWN_ISSUER] = {"unknown_issuer", "このカードの証明書は利用できません。",
                                 "This card's certificate is not issued by J-LIS and cannot be used."},
    [IDP_JPKI_EXPIRED] = {"expired", "カードの電子証明書の有効期限が切れています。市区町村の窓口で更新してください。",
                          "The card's certificate has expired. Please renew it at your municipal office."},
    [IDP_JPKI_REVOKED] = {"revoked", "カードの電子証明書は失効しています。市区町村の窓口にお問い合わせください。",
                          "The card's certificate has been revoked. Please contact your municipal office."},
    [IDP_JPKI_WRONG_PURPOSE] = {"wrong_purpose", "別の種類の証明書が読み取られました。もう一度お試しください。",
                                "A certificate of the other kind was read. Please try again."},
    [IDP_JPKI_POLICY_MISSING] = {"policy_missing", "このカードの証明書は利用できません。",
                                 "This certificate is not a My Number card certificate."},
    [IDP_JPKI_WEAK_KEY] = {"weak_key", "このカードの証明書は利用できません。",
                           "This certificate's key is not accepted."},
    [IDP_JPKI_MALFORMED] = {"malformed", "カードから読み取ったデータが正しくありません。もう一度お試しください。",
                            "The data read from the card is not valid. Please try again."},
    [IDP_JPKI_REVOCATION_UNKNOWN] = {"revocation_unknown",
                                     "現在カードの失効情報を確認できません。しばらくしてからお試しください。",
                                     "The card's revocation status cannot be checked right now. Please try again later."},
};

const char *idp_jpki_reason_code(idp_jpki_reason_t r)
{
    return r < IDP_JPKI__COUNT ? reasons[r].code : "malformed";
}

const char *idp_jpki_reason_text(idp_jpki_reason_t r, const char *lang)
{
    if (r >= IDP_JPKI__COUNT)
        r = IDP_JPKI_MALFORMED;
    return lang && !strncmp(lang, "ja", 2) ? reasons[r].ja : reasons[r].en;
}

idp_jpki_trust_t *idp_jpki_trust_new(bool test_roots)
{
    idp_jpki_trust_t *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->test_roots = test_roots;
    for (int p = 0; p < 2; p++) {
        if ((t->store[p] = X509_STORE_new()) == NULL) {
            idp_jpki_trust_free(t);
            return NULL;
        }
    }
    return t;
}

static bool is_test_root(X509 *x)
{
    X509_NAME *n = X509_get_subject_name(x);
    for (int i = -1; (i = X509_NAME_get_index_by_NID(n, NID_organizationName, i)) >= 0;) {
        ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
        if (ASN1_STRING_length(s) == 9 && !memcmp(ASN1_STRING_get0_data(s), "JPKI-TEST", 9))
            return true;
    }
    return false;
}

idp_err_t idp_jpki_trust_add_roots(idp_jpki_trust_t *t, idp_jpki_purpose_t purpose, const char *path, char *err,
                                   size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "cannot read JPKI roots %s", path);
        return IDP_E_INVALID_REQUEST;
    }
    int added = 0;
    idp_err_t ret = IDP_OK;
    X509 *x;
    while (ret == IDP_OK && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
        if (X509_check_issued(x, x) != X509_V_OK || !X509_check_ca(x)) {
            snprintf(err, errlen, "%s: a pinned JPKI root must be a self-signed CA certificate", path);
            ret = IDP_E_INVALID_REQUEST;
        } else if (is_test_root(x) && !t->test_roots) {
            snprintf(err, errlen, "%s: test roots (O=JPKI-TEST) are trusted only in dev mode", path);
            ret = IDP_E_INVALID_REQUEST;
        } else if (X509_STORE_add_cert(t->store[purpose], x) != 1) {
            ret = IDP_E_SERVER_ERROR;
        } else {
            added++;
        }
        X509_free(x);
    }
    fclose(f);
    ERR_clear_error();
    if (ret == IDP_OK && added == 0) {
        snprintf(err, errlen, "%s: no certificates", path);
        ret = IDP_E_INVALID_REQUEST;
    }
    return ret;
}

void idp_jpki_trust_set_revocation(idp_jpki_trust_t *t, idp_jpki_revocation_t *rev)
{
    if (t->rev)
        t->rev->free(t->rev);
    t->rev = rev;
}

unsigned long idp_jpki_trust_count(const idp_jpki_trust_t *t, idp_jpki_reason_t r)
{
    return r < IDP_JPKI__COUNT ? atomic_load(&t->counts[r]) : 0;
}

void idp_jpki_trust_free(idp_jpki_trust_t *t)
{
    if (t == NULL)
        return;
    for (int p = 0; p < 2; p++)
        X509_STORE_free(t->store[p]);
    if (t->rev)
        t->rev->free(t->rev);
    free(t);
}

size_t idp_jpki_message(idp_jpki_purpose_t purpose, const unsigned char nonce[IDP_JPKI_NONCE_BYTES],
                        const char *client_id, const char *redirect_uri, const char *oidc_nonce,
                        unsigned char out[IDP_JPKI_MESSAGE_MAX])
{
    static const char *const tags[] = {"SAKAI-D-JPKI-AUTH-v1", "SAKAI-D-JPKI-SIGN-v1"};
    size_t n = strlen(tags[purpose]);
    memcpy(out, tags[purpose], n);
    out[n++] = 0x00;
    memcpy(out + n, nonce, IDP_JPKI_NONCE_BYTES);
    n += IDP_JPKI_NONCE_BYTES;
    /* SHA-256(client_id 0x00 redirect_uri 0x00 oidc_nonce): binds the signature to this relying party's request */
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int len = 0;
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    EVP_DigestUpdate(md, client_id, strlen(client_id) + 1);
    EVP_DigestUpdate(md, redirect_uri, strlen(redirect_uri) + 1);
    EVP_DigestUpdate(md, oidc_nonce ? oidc_nonce : "", oidc_nonce ? strlen(oidc_nonce) : 0);
    EVP_DigestFinal_ex(md, out + n, &len);
    EVP_MD_CTX_free(md);
    return n + len;
}

static void hex(const unsigned char *p, size_t n, char *out, size_t cap)
{
    size_t i;
    for (i = 0; i < n && 2 * i + 2 < cap; i++)
        snprintf(out + 2 * i, 3, "%02X", p[i]);
    out[2 * i] = '\0';
}

/* RSA-2048, e = 65537, signed with sha256WithRSAEncryption (jpki.md). */
static bool strong_enough(X509 *x, EVP_PKEY *k, char *detail, size_t n)
{
    BIGNUM *e = NULL;
    bool ok = EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA && EVP_PKEY_get_bits(k) == 2048 &&
              EVP_PKEY_get_bn_param(k, "e", &e) == 1 && BN_is_word(e, 65537) &&
              X509_get_signature_nid(x) == NID_sha256WithRSAEncryption;
    BN_free(e);
    if (!ok)
        snprintf(detail, n, "key %s-%d or signature algorithm %s not accepted",
                 EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA ? "RSA" : "non-RSA", EVP_PKEY_get_bits(k),
                 OBJ_nid2sn(X509_get_signature_nid(x)));
    return ok;
}

static bool has_policy(X509 *x, const char *oid)
{
    CERTIFICATEPOLICIES *pols = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
    bool found = false;
    ASN1_OBJECT *want = OBJ_txt2obj(oid, 1);
    for (int i = 0; pols && want && i < sk_POLICYINFO_num(pols) && !found; i++)
        found = OBJ_cmp(sk_POLICYINFO_value(pols, i)->policyid, want) == 0;
    ASN1_OBJECT_free(want);
    CERTIFICATEPOLICIES_free(pols);
    return found;
}

/* Builds the chain to a pinned root of @p purpose; the X509 error, and the issuer on success. */
static int chain(idp_jpki_trust_t *t, idp_jpki_purpose_t purpose, X509 *x, time_t at, X509 **issuer)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int err = X509_V_ERR_UNSPECIFIED;
    /* No untrusted certificates: CA certificates a client sends are never used (jpki.md). */
    if (ctx && X509_STORE_CTX_init(ctx, t->store[purpose], x, NULL) == 1) {
        X509_VERIFY_PARAM *p = X509_STORE_CTX_get0_param(ctx);
        X509_VERIFY_PARAM_set_time(p, at);
        X509_VERIFY_PARAM_set_flags(p, X509_V_FLAG_X509_STRICT);
        if (X509_verify_cert(ctx) == 1) {
            err = X509_V_OK;
            STACK_OF(X509) *ch = X509_STORE_CTX_get0_chain(ctx);
            if (issuer && sk_X509_num(ch) >= 2) {
                *issuer = sk_X509_value(ch, 1);
                X509_up_ref(*issuer);
            }
        } else {
            err = X509_STORE_CTX_get_error(ctx);
        }
    }
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    return err;
}

#define FAIL(r, ...) (snprintf(res->detail, sizeof(res->detail), __VA_ARGS__), res->reason = (r))

static idp_jpki_reason_t verify(idp_jpki_trust_t *t, idp_jpki_purpose_t purpose, const unsigned char *der,
                                size_t der_len, const unsigned char *msg, size_t msg_len, const unsigned char *sig,
                                size_t sig_len, time_t at, idp_jpki_result_t *res, X509 **xp, X509 **issuerp)
{
    if (der_len == 0 || der_len > IDP_JPKI_MAX_CERT)
        return FAIL(IDP_JPKI_MALFORMED, "certificate of %zu bytes", der_len);
    const unsigned char *p = der;
    X509 *x = *xp = d2i_X509(NULL, &p, (long)der_len);
    if (x == NULL || p != der + der_len)
        return FAIL(IDP_JPKI_MALFORMED, "not one DER certificate");
    SHA256(der, der_len, res->cert_sha256);
    const ASN1_OCTET_STRING *akid = X509_get0_authority_key_id(x);
    if (akid)
        hex(ASN1_STRING_get0_data(akid), (size_t)ASN1_STRING_length(akid), res->issuer_key_id, sizeof(res->issuer_key_id));
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *s = bn ? BN_bn2hex(bn) : NULL;
    const char *digits = s ? s : "";
    while (digits[0] == '0' && digits[1]) /* no leading zeros: one spelling for linkage lookups */
        digits++;
    snprintf(res->serial, sizeof(res->serial), "%s", digits);
    OPENSSL_free(s);
    BN_free(bn);
    X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, res->subject_cn, sizeof(res->subject_cn));
    struct tm na;
    if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &na) == 1)
        res->not_after = (long long)timegm(&na);

    EVP_PKEY *key = X509_get0_pubkey(x);
    if (key == NULL)
        return FAIL(IDP_JPKI_MALFORMED, "no public key");
    if (!strong_enough(x, key, res->detail, sizeof(res->detail)))
        return res->reason = IDP_JPKI_WEAK_KEY;

    int err = chain(t, purpose, x, at, issuerp);
    if (err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID)
        return FAIL(IDP_JPKI_EXPIRED, "%s", X509_verify_cert_error_string(err));
    if (err != X509_V_OK) {
        /* Issued by a root of the other purpose? Then it is the wrong kind of certificate. */
        if (chain(t, 1 - purpose, x, at, NULL) == X509_V_OK)
            return FAIL(IDP_JPKI_WRONG_PURPOSE, "chains to a %s root", purpose == IDP_JPKI_AUTH ? "signing" : "authentication");
        return FAIL(IDP_JPKI_UNKNOWN_ISSUER, "%s", X509_verify_cert_error_string(err));
    }

    /* keyUsage: authentication = digitalSignature; signing = digitalSignature + nonRepudiation (jpki.md) */
    uint32_t ku = X509_get_key_usage(x);
    uint32_t need = purpose == IDP_JPKI_AUTH ? KU_DIGITAL_SIGNATURE : KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION;
    if ((ku & need) != need)
        return FAIL(IDP_JPKI_WRONG_PURPOSE, "keyUsage 0x%x lacks 0x%x", ku, need);
    if (!has_policy(x, policy_oid[purpose][0]) && !(t->test_roots && has_policy(x, policy_oid[purpose][1]))) {
        if (has_policy(x, policy_oid[1 - purpose][0]) || has_policy(x, policy_oid[1 - purpose][1]))
            return FAIL(IDP_JPKI_WRONG_PURPOSE, "policy of the other purpose");
        return FAIL(IDP_JPKI_POLICY_MISSING, "no %s", policy_oid[purpose][0]);
    }

    idp_jpki_reason_t r = t->rev ? t->rev->check(t->rev, x, *issuerp, at) : IDP_JPKI_REVOCATION_UNKNOWN;
    if (r != IDP_JPKI_OK)
        return FAIL(r, "revocation check: %s", idp_jpki_reason_code(r));

    /* The card signs PKCS#1 v1.5 over SHA-256 DigestInfo of the message we built. */
    if (sig_len != 256)
        return FAIL(IDP_JPKI_MALFORMED, "signature of %zu bytes", sig_len);
    unsigned char digest[32];
    SHA256(msg, msg_len, digest);
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(key, NULL);
    int ok = pc && EVP_PKEY_verify_init(pc) == 1 && EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
             EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) == 1 &&
             EVP_PKEY_verify(pc, sig, sig_len, digest, sizeof(digest)) == 1;
    EVP_PKEY_CTX_free(pc);
    ERR_clear_error();
    if (!ok)
        return FAIL(IDP_JPKI_BAD_SIGNATURE, "signature does not verify");

    if (purpose == IDP_JPKI_SIGN) {
        if ((r = idp_jpki_parse_attrs(x, &res->attrs, res->detail, sizeof(res->detail))) != IDP_JPKI_OK)
            return res->reason = r;
        res->has_attrs = true;
    }
    return res->reason = IDP_JPKI_OK;
}

idp_jpki_reason_t idp_jpki_verify(idp_jpki_trust_t *t, idp_jpki_purpose_t purpose, const unsigned char *der,
                                  size_t der_len, const unsigned char *msg, size_t msg_len, const unsigned char *sig,
                                  size_t sig_len, time_t at, idp_jpki_result_t *res)
{
    X509 *x = NULL, *issuer = NULL;
    memset(res, 0, sizeof(*res));
    idp_jpki_reason_t r = verify(t, purpose, der, der_len, msg, msg_len, sig, sig_len, at, res, &x, &issuer);
    X509_free(issuer);
    X509_free(x);
    ERR_clear_error();
    atomic_fetch_add(&t->counts[r], 1);
    return r;
}

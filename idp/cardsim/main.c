/*
 * sakaid-card: the card simulator. It stands in for the phone app or card
 * reader: it takes the link the login page shows (and encodes in its QR
 * code), builds the message exactly as jpki.md says, signs the SHA-256
 * DigestInfo with PKCS#1 v1.5 as the card does (no hashing by the signer),
 * and posts certificate and signature to the verify endpoint beside the link's path. A link
 * with purpose=both asks for the card's two keys: the authentication key
 * signs the AUTH message and the signing key the SIGN message of the same
 * challenge, and both certificates and signatures go in one request
 * (docs/card.md, "The exchange").
 *
 *   sakaid-card [--dir DIR] list
 *   sakaid-card [--dir DIR] sign --card NAME_OR_DIR [--cacert FILE] LINK
 *   sakaid-card [--dir DIR] attrs --card NAME_OR_DIR [--crl-dir DIR]
 *
 * attrs prints one JSON object about the card, for the test simulator of the
 * Digital Agency's app (tests/integration/lib/daa.mjs): the signing
 * certificate's attributes as idp_jpki_parse_attrs decodes them (name,
 * name_alt, gender, birth_date, address, address_alt; or attrs_error), the
 * certificates' serials (auth_serial, sign_serial: uppercase hex) and, with
 * --crl-dir, whether a DER CRL in that folder lists them (auth_revoked,
 * sign_revoked). A CRL lists a certificate when its issuer name, its
 * authorityKeyIdentifier (when both have one) and the serial match; the
 * CRL's signature and dates are not checked: this is a simulator's view.
 * --cacert: the PEM certificates that verify an https verify URL instead of
 * the system's (a test deployment behind a TLS proxy with its own certificate).
 * DIR holds one folder per card (default $SAKAID_DATA_DIR/test-cards, made
 * by keys/jpki-test-ca). Exit status: 0 accepted, 1 refused by the server
 * (its reason on stderr), 2 usage or local error.
 */
#include <curl/curl.h>
#include <dirent.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "core/buf.h"
#include "jpki/jpki.h"
#include "jpki/testcard.h"

static int usage(void)
{
    fprintf(stderr, "usage: sakaid-card [--dir DIR] list\n"
                    "       sakaid-card [--dir DIR] sign --card NAME_OR_DIR [--cacert FILE] LINK\n"
                    "       sakaid-card [--dir DIR] attrs --card NAME_OR_DIR [--crl-dir DIR]\n");
    return 2;
}

static int list(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (d == NULL) {
        fprintf(stderr, "sakaid-card: no test cards in %s (dev mode's ./scripts/run creates them)\n", dir);
        return 2;
    }
    printf("%-22s %-14s %s\n", "CARD", "HOLDER", "DESCRIPTION");
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        if (e->d_name[0] == '.')
            continue;
        if (snprintf(path, sizeof(path), "%s/%s/card.json", dir, e->d_name) >= (int)sizeof(path))
            continue;
        json_t *j = json_load_file(path, 0, NULL);
        if (j == NULL)
            continue;
        const char *holder = json_string_value(json_object_get(j, "holder"));
        printf("%-22s %-14s %s\n", e->d_name, holder && *holder ? holder : "-",
               json_string_value(json_object_get(j, "description")));
        json_decref(j);
    }
    closedir(d);
    return 0;
}

/* The value of query parameter @p name in @p link, decoded (malloc'ed), or NULL. */
static char *link_param(const char *link, const char *name)
{
    const char *q = strchr(link, '?');
    size_t n = strlen(name);
    for (const char *p = q; p && *p; p = strchr(p + 1, '&')) {
        const char *kv = p + 1;
        if (!strncmp(kv, name, n) && kv[n] == '=') {
            const char *v = kv + n + 1;
            size_t len = strcspn(v, "&#");
            if (len == 0) /* curl_easy_unescape would take a length of 0 as "up to the NUL" */
                return strdup("");
            int outlen = 0;
            char *dec = curl_easy_unescape(NULL, v, (int)len, &outlen);
            char *copy = dec ? strndup(dec, (size_t)outlen) : NULL;
            curl_free(dec);
            return copy;
        }
    }
    return NULL;
}

static size_t collect(char *ptr, size_t size, size_t n, void *ud)
{
    idp_buf_t *b = ud;
    return idp_buf_append(b, ptr, size * n) == IDP_OK ? size * n : 0;
}

/* Signs the SHA-256 @p digest (of our message, or the server's CMS attributes) with the card's @p purpose key; adds
 * its certificate and signature to @p req under @p cert_name, @p sig_name. */
static bool sign_one(const char *base, idp_jpki_purpose_t purpose, const unsigned char digest[32], json_t *req,
                     const char *cert_name, const char *sig_name)
{
    unsigned char sig[512], der[IDP_TESTCARD_MAX_CERT];
    size_t sig_len = 0, der_len = 0;
    const char *which = purpose == IDP_JPKI_SIGN ? "signing" : "authentication";
    idp_err_t e = idp_testcard_sign_digest(base, purpose, digest, der, &der_len, sig, &sig_len);
    if (e != IDP_OK) {
        fprintf(stderr,
                e == IDP_E_NOT_FOUND ? "sakaid-card: no %s certificate and key in %s\n"
                                     : "sakaid-card: signing with the %s key in %s failed\n",
                which, base);
        return false;
    }
    char *sig64 = idp_b64url_encode_new(sig, sig_len);
    unsigned char *cert64 = malloc((size_t)der_len * 2 + 4);
    bool ok = sig64 && cert64;
    if (ok) {
        EVP_EncodeBlock(cert64, der, (int)der_len); /* standard base64, as the API takes it */
        json_object_set_new(req, cert_name, json_string((char *)cert64));
        json_object_set_new(req, sig_name, json_string(sig64));
    }
    free(sig64);
    free(cert64);
    return ok;
}

static int sign(const char *dir, const char *card, const char *cacert, const char *link)
{
    char base[4096];
    int rc = 2;
    int w =
        strchr(card, '/') ? snprintf(base, sizeof(base), "%s", card) : snprintf(base, sizeof(base), "%s/%s", dir, card);
    if (w < 0 || w >= (int)sizeof(base)) {
        fprintf(stderr, "sakaid-card: card path too long\n");
        return 2;
    }
    char *challenge = link_param(link, "challenge_id"), *nonce64 = link_param(link, "nonce");
    char *binding64 = link_param(link, "binding");
    char *client_id = link_param(link, "client_id"), *redirect_uri = link_param(link, "redirect_uri");
    char *oidc_nonce = link_param(link, "oidc_nonce"), *verify = link_param(link, "verify");
    char *purpose = link_param(link, "purpose"), *tbs64 = link_param(link, "tbs");
    /* The verify endpoint is beside the link's own path (docs/card.md "The exchange"); a link of before named it. */
    const char *app = strstr(link, "/login/card/app?");
    if (verify == NULL && app && (verify = malloc((size_t)(app - link) + sizeof("/login/card/verify"))) != NULL)
        snprintf(verify, (size_t)(app - link) + sizeof("/login/card/verify"), "%.*s/login/card/verify",
                 (int)(app - link), link);
    /* The request's binding: carried by the link, or (a link of before) digested here from its three parts. */
    unsigned char binding[32];
    size_t binding_len = 0;
    bool bound =
        binding64 ? idp_b64url_decode(binding64, strlen(binding64), binding, sizeof(binding), &binding_len) == IDP_OK &&
                        binding_len == sizeof(binding)
                  : client_id && redirect_uri;
    if (binding64 == NULL && bound)
        idp_jpki_binding(client_id, redirect_uri, oidc_nonce ? oidc_nonce : "", binding);
    idp_buf_t body, reply;
    idp_buf_init(&body, 65536);
    idp_buf_init(&reply, 65536);
    unsigned char nonce[64];
    size_t nonce_len = 0;
    json_t *req = NULL;
    char *text = NULL;
    /* An application's signature (docs/fapi.md): the signing key signs the digest the server sent, nothing else. */
    bool app_sign = purpose && !strcmp(purpose, "app");
    unsigned char tbs[48];
    size_t tbs_len = 0;
    if (app_sign) {
        if (!challenge || !verify || !tbs64 ||
            idp_b64url_decode(tbs64, strlen(tbs64), tbs, sizeof(tbs), &tbs_len) != IDP_OK || tbs_len != 32) {
            fprintf(stderr, "sakaid-card: the signing link lacks challenge_id, tbs or its /login/card/app path\n");
            goto Exit;
        }
        req = json_pack("{s:s, s:s}", "challenge_id", challenge, "cert_type", "app");
        if (req == NULL || !sign_one(base, IDP_JPKI_SIGN, tbs, req, "certificate", "signature"))
            goto Exit;
    } else if (!challenge || !nonce64 || !bound || !verify ||
               idp_b64url_decode(nonce64, strlen(nonce64), nonce, sizeof(nonce), &nonce_len) != IDP_OK ||
               nonce_len != IDP_JPKI_NONCE_BYTES) {
        fprintf(stderr, "sakaid-card: the link lacks challenge_id, nonce, binding or its /login/card/app path\n");
        goto Exit;
    }
    bool both = purpose && !strcmp(purpose, "both");
    if (!app_sign)
        req = json_pack("{s:s, s:s}", "challenge_id", challenge, "cert_type", both ? "both" : "auth");
    for (int k = 0; !app_sign && k < (both ? 2 : 1); k++) {
        idp_jpki_purpose_t p = k ? IDP_JPKI_SIGN : IDP_JPKI_AUTH;
        unsigned char msg[IDP_JPKI_MESSAGE_MAX], digest[32];
        size_t msg_len = idp_jpki_message_bound(p, nonce, binding, msg);
        SHA256(msg, msg_len, digest);
        if (req == NULL ||
            !sign_one(base, p, digest, req, k ? "sign_certificate" : "certificate", k ? "sign_signature" : "signature"))
            goto Exit;
    }
    if ((text = json_dumps(req, JSON_COMPACT)) == NULL)
        goto Exit;

    CURL *curl = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, verify);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (cacert)
        curl_easy_setopt(curl, CURLOPT_CAINFO, cacert);
    CURLcode cc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(curl);
    if (cc != CURLE_OK) {
        fprintf(stderr, "sakaid-card: cannot reach %s: %s\n", verify, curl_easy_strerror(cc));
        goto Exit;
    }
    printf("%s\n", idp_buf_cstr(&reply));
    if (status == 200) {
        rc = 0;
    } else {
        json_t *j = json_loads(idp_buf_cstr(&reply), 0, NULL);
        const char *reason = json_string_value(json_object_get(j, "reason"));
        const char *error = json_string_value(json_object_get(j, "error"));
        const char *msg_text = json_string_value(json_object_get(j, "message"));
        if (msg_text == NULL)
            msg_text = json_string_value(json_object_get(j, "error_description"));
        fprintf(stderr, "sakaid-card: refused (HTTP %ld): %s%s%s\n", status,
                reason  ? reason
                : error ? error
                        : "?",
                msg_text ? ": " : "", msg_text ? msg_text : "");
        json_decref(j);
        rc = 1;
    }
Exit:
    json_decref(req);
    free(text);
    idp_buf_free(&body);
    idp_buf_free(&reply);
    free(challenge);
    free(nonce64);
    free(binding64);
    free(client_id);
    free(redirect_uri);
    free(oidc_nonce);
    free(verify);
    free(purpose);
    free(tbs64);
    return rc;
}

static X509 *read_cert(const char *base, const char *which)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s.pem", base, which);
    FILE *f = fopen(path, "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    return x;
}

/* True if a DER CRL in @p crl_dir lists @p x (issuer name, key identifier when both carry one, serial). */
static bool on_crl(const char *crl_dir, X509 *x)
{
    DIR *d = opendir(crl_dir);
    struct dirent *e;
    bool listed = false;
    const ASN1_OCTET_STRING *cert_kid = X509_get0_authority_key_id(x);
    while (d && !listed && (e = readdir(d)) != NULL) {
        char path[4200];
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".crl") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", crl_dir, e->d_name);
        FILE *f = fopen(path, "rb");
        X509_CRL *crl = f ? d2i_X509_CRL_fp(f, NULL) : NULL;
        if (f)
            fclose(f);
        if (crl == NULL)
            continue;
        AUTHORITY_KEYID *akid = X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, NULL, NULL);
        bool same_key = akid == NULL || akid->keyid == NULL || cert_kid == NULL ||
                        ASN1_OCTET_STRING_cmp(akid->keyid, cert_kid) == 0;
        X509_REVOKED *entry = NULL;
        listed = same_key && X509_CRL_get0_by_cert(crl, &entry, x) == 1;
        AUTHORITY_KEYID_free(akid);
        X509_CRL_free(crl);
    }
    if (d)
        closedir(d);
    return listed;
}

static void set_serial(json_t *out, const char *key, X509 *x)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    if (hex)
        json_object_set_new(out, key, json_string(hex));
    OPENSSL_free(hex);
    BN_free(bn);
}

static int attrs(const char *dir, const char *card, const char *crl_dir)
{
    char base[4096];
    int w =
        strchr(card, '/') ? snprintf(base, sizeof(base), "%s", card) : snprintf(base, sizeof(base), "%s/%s", dir, card);
    if (w < 0 || w >= (int)sizeof(base)) {
        fprintf(stderr, "sakaid-card: card path too long\n");
        return 2;
    }
    X509 *auth = read_cert(base, "auth"), *sign = read_cert(base, "sign");
    if (auth == NULL) {
        fprintf(stderr, "sakaid-card: no authentication certificate in %s\n", base);
        X509_free(sign);
        return 2;
    }
    json_t *out = json_object();
    set_serial(out, "auth_serial", auth);
    if (crl_dir)
        json_object_set_new(out, "auth_revoked", json_boolean(on_crl(crl_dir, auth)));
    if (sign) {
        idp_jpki_attrs_t a;
        char detail[192];
        set_serial(out, "sign_serial", sign);
        if (crl_dir)
            json_object_set_new(out, "sign_revoked", json_boolean(on_crl(crl_dir, sign)));
        if (idp_jpki_parse_attrs(sign, &a, detail, sizeof(detail)) != IDP_JPKI_OK) {
            json_object_set_new(out, "attrs_error", json_string(detail));
        } else {
            const struct {
                const char *key, *value;
            } f[] = {{"name", a.name},       {"name_alt", a.name_alt},
                     {"gender", a.gender},   {"birth_date", a.birth_date},
                     {"address", a.address}, {"address_alt", a.address_alt}};
            for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
                if (f[i].value[0]) /* absent attributes, or not UTF-8 (json_string refuses them), are left out */
                    json_object_set_new(out, f[i].key, json_string(f[i].value));
        }
    }
    char *text = json_dumps(out, JSON_COMPACT);
    int rc = text ? (printf("%s\n", text), 0) : 2;
    free(text);
    json_decref(out);
    X509_free(auth);
    X509_free(sign);
    return rc;
}

int main(int argc, char **argv)
{
    char defdir[4096];
    const char *data = getenv("SAKAID_DATA_DIR");
    snprintf(defdir, sizeof(defdir), "%s/test-cards", data && *data ? data : "./var");
    const char *dir = defdir, *card = NULL, *link = NULL, *cacert = NULL;
    int i = 1;
    if (i + 1 < argc && !strcmp(argv[i], "--dir")) {
        dir = argv[i + 1];
        i += 2;
    }
    if (i >= argc)
        return usage();
    if (!strcmp(argv[i], "list") && i + 1 == argc)
        return list(dir);
    if (!strcmp(argv[i], "attrs")) {
        const char *crl_dir = NULL;
        for (i++; i < argc; i++) {
            if (!strcmp(argv[i], "--card") && i + 1 < argc)
                card = argv[++i];
            else if (!strcmp(argv[i], "--crl-dir") && i + 1 < argc)
                crl_dir = argv[++i];
            else
                return usage();
        }
        return card ? attrs(dir, card, crl_dir) : usage();
    }
    if (strcmp(argv[i], "sign") != 0)
        return usage();
    for (i++; i < argc; i++) {
        if (!strcmp(argv[i], "--card") && i + 1 < argc)
            card = argv[++i];
        else if (!strcmp(argv[i], "--cacert") && i + 1 < argc)
            cacert = argv[++i];
        else if (link == NULL && argv[i][0] != '-')
            link = argv[i];
        else
            return usage();
    }
    if (card == NULL || link == NULL)
        return usage();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = sign(dir, card, cacert, link);
    curl_global_cleanup();
    return rc;
}

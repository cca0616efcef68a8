/* The upstream relying party: see federation.h. */
#include "federation/federation.h"

#include <ctype.h>
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/b64.h"
#include "core/buf.h"
#include "core/rand.h"
#include "core/str.h"
#include "jose/jwt.h"
#include "jose/verify.h"
#include "net/http_client.h"

#define DOC_MAX (256 * 1024)
#define CACHE_SECONDS 3600
#define JWKS_REFETCH_SECONDS 5 /* an unknown kid refetches the JWKS at most this often */
#define CLOCK_SKEW 60          /* seconds of clock difference we tolerate */
#define IAT_MAX_AGE 600        /* an ID token issued longer ago than this is stale */
#define ASSERTION_LIFETIME 60  /* seconds a client assertion of ours is good for (RFC 7523 §3 item 4) */
#define ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

typedef struct {
    char *issuer;
    char *authorization_endpoint, *token_endpoint, *jwks_uri;
    char *userinfo_endpoint; /* NULL when the upstream publishes none */
    time_t fetched_at;
    idp_jwks_t *jwks;
    time_t jwks_fetched_at;
} entry_t;

struct idp_fed {
    pthread_mutex_t lock;
    const idp_net_t *net; /* outbound HTTP; NULL: libcurl */
    int timeout_ms;
    size_t max, n;
    entry_t *entries;
};

static void errf(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void errf(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

idp_fed_t *idp_fed_new(const idp_net_t *net, int timeout_ms, size_t max_issuers)
{
    idp_fed_t *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return NULL;
    f->entries = calloc(max_issuers ? max_issuers : 1, sizeof(*f->entries));
    if (f->entries == NULL) {
        free(f);
        return NULL;
    }
    pthread_mutex_init(&f->lock, NULL);
    f->net = net;
    f->timeout_ms = timeout_ms;
    f->max = max_issuers ? max_issuers : 1;
    return f;
}

static void entry_clear(entry_t *e)
{
    free(e->issuer);
    free(e->authorization_endpoint);
    free(e->token_endpoint);
    free(e->jwks_uri);
    free(e->userinfo_endpoint);
    idp_jwks_free(e->jwks);
    memset(e, 0, sizeof(*e));
}

void idp_fed_free(idp_fed_t *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->n; i++)
        entry_clear(&f->entries[i]);
    free(f->entries);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

/* A JSON object, and a 200: anything else is the upstream answering badly. */
static idp_err_t parse_answer(const char *url, const idp_net_resp_t *resp, json_t **out, char *err, size_t errlen)
{
    json_error_t je;
    const idp_buf_t *b = &resp->body;
    *out = b->data ? json_loadb(b->data, b->len, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!json_is_object(*out)) {
        errf(err, errlen, "%s: HTTP %ld, not a JSON object", url, resp->status);
        json_decref(*out);
        *out = NULL;
        return IDP_E_UNAVAILABLE;
    }
    if (resp->status != 200) {
        const char *e = json_string_value(json_object_get(*out, "error"));
        errf(err, errlen, "%s: HTTP %ld %s", url, resp->status, e ? e : "");
        return IDP_E_UNAVAILABLE;
    }
    return IDP_OK;
}

/* https, or http to a loopback host (tests, development): the outbound-HTTP policy (net/http_client.h). */
static bool url_allowed(const char *url)
{
    return url != NULL && idp_net_url_allowed(url);
}

/*
 * One HTTP exchange through the outbound-HTTP module: GET when @p form is
 * NULL (with @p bearer: an access token, RFC 6750 §2.1), else a form POST,
 * with Basic credentials when @p user is given. JSON answers only, at most
 * DOC_MAX bytes, within the timeout, no redirects. *out is the parsed
 * object (json_decref).
 */
static idp_err_t http_json(idp_fed_t *f, const char *url, const char *form, const char *user, const char *pass,
                           const char *bearer, json_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!url_allowed(url)) {
        errf(err, errlen, "refusing %s: https only (http only to loopback)", url ? url : "(no URL)");
        return IDP_E_UNAVAILABLE;
    }
    /* RFC 6749 §2.3.1: client_secret_basic form-encodes id and secret before base64. */
    bool basic = form && user;
    char *eu = basic ? curl_easy_escape(NULL, user, 0) : NULL, *ep = basic ? curl_easy_escape(NULL, pass, 0) : NULL;
    if (basic && (eu == NULL || ep == NULL)) {
        curl_free(eu);
        curl_free(ep);
        return IDP_E_NOMEM;
    }
    idp_net_req_t req = {
        .method = form ? IDP_NET_POST_FORM : IDP_NET_GET,
        .url = url,
        .form = form,
        .accept = "application/json",
        .basic_user = eu,
        .basic_pass = ep,
        .bearer = form ? NULL : bearer,
        .timeout_ms = f->timeout_ms,
        .max_bytes = DOC_MAX,
    };
    idp_net_resp_t resp;
    char why[256];
    idp_err_t ret = idp_net_perform(f->net, &req, &resp, why, sizeof(why));
    if (ep)
        OPENSSL_cleanse(ep, strlen(ep));
    curl_free(eu);
    curl_free(ep);
    if (ret != IDP_OK) {
        errf(err, errlen, "%s: %s", url, why);
        ret = ret == IDP_E_NOMEM ? ret : IDP_E_UNAVAILABLE;
    } else {
        ret = parse_answer(url, &resp, out, err, errlen);
    }
    idp_net_resp_free(&resp);
    return ret;
}

static entry_t *find(idp_fed_t *f, const char *issuer)
{
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->entries[i].issuer, issuer))
            return &f->entries[i];
    return NULL;
}

static char *dup_url(json_t *doc, const char *name)
{
    const char *s = json_string_value(json_object_get(doc, name));
    return s && url_allowed(s) ? strdup(s) : NULL;
}

/* Fresh metadata for @p issuer in the cache; called and returns with the lock held. */
static idp_err_t ensure_entry(idp_fed_t *f, const char *issuer, entry_t **out, char *err, size_t errlen)
{
    entry_t *e = find(f, issuer);
    time_t now = time(NULL);
    if (e && now - e->fetched_at < CACHE_SECONDS) {
        *out = e;
        return IDP_OK;
    }
    pthread_mutex_unlock(&f->lock);
    char url[2048];
    size_t il = strlen(issuer);
    if (il && issuer[il - 1] == '/') /* Discovery §4.1: drop a trailing slash before the well-known path */
        il--;
    snprintf(url, sizeof(url), "%.*s/.well-known/openid-configuration", (int)il, issuer);
    json_t *doc = NULL;
    idp_err_t ret = http_json(f, url, NULL, NULL, NULL, NULL, &doc, err, errlen);
    entry_t fresh = {0};
    if (ret == IDP_OK) {
        const char *iss = json_string_value(json_object_get(doc, "issuer"));
        /* OpenID Connect Discovery §4.3: the issuer in the document is exactly the one we asked. */
        if (iss == NULL || strcmp(iss, issuer) != 0) {
            errf(err, errlen, "discovery of %s names issuer %s", issuer, iss ? iss : "(none)");
            ret = IDP_E_UNAVAILABLE;
        } else {
            fresh.issuer = strdup(issuer);
            fresh.authorization_endpoint = dup_url(doc, "authorization_endpoint");
            fresh.token_endpoint = dup_url(doc, "token_endpoint");
            fresh.jwks_uri = dup_url(doc, "jwks_uri");
            fresh.userinfo_endpoint = dup_url(doc, "userinfo_endpoint");
            fresh.fetched_at = now;
            if (!fresh.issuer || !fresh.authorization_endpoint || !fresh.token_endpoint || !fresh.jwks_uri) {
                errf(err, errlen, "discovery of %s lacks an https authorization, token or jwks endpoint", issuer);
                entry_clear(&fresh);
                ret = IDP_E_UNAVAILABLE;
            }
        }
    }
    json_decref(doc);
    pthread_mutex_lock(&f->lock);
    if (ret != IDP_OK)
        return ret;
    e = find(f, issuer);
    if (e == NULL && f->n < f->max)
        e = &f->entries[f->n++];
    else if (e == NULL)
        e = &f->entries[0]; /* full: reuse the first slot (admins register a handful of upstreams) */
    entry_clear(e);
    *e = fresh;
    *out = e;
    return IDP_OK;
}

idp_err_t idp_fed_discover(idp_fed_t *f, const char *issuer, char *err, size_t errlen)
{
    entry_t *e;
    pthread_mutex_lock(&f->lock);
    idp_err_t ret = ensure_entry(f, issuer, &e, err, errlen);
    pthread_mutex_unlock(&f->lock);
    return ret;
}

static void url_param(idp_buf_t *b, const char *name, const char *value)
{
    char *v = curl_easy_escape(NULL, value, 0);
    idp_buf_printf(b, "&%s=%s", name, v ? v : "");
    curl_free(v);
}

static void s256(const char *verifier, char out[64])
{
    unsigned char h[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)verifier, strlen(verifier), h);
    idp_b64url_encode(h, sizeof(h), out);
}

idp_err_t idp_fed_auth_url(idp_fed_t *f, const idp_fed_upstream_t *u, const char *redirect_uri, const char *state,
                           const char *nonce, const char *verifier, const char *ui_locales, char **url, char *err,
                           size_t errlen)
{
    entry_t *e;
    pthread_mutex_lock(&f->lock);
    idp_err_t ret = ensure_entry(f, u->issuer, &e, err, errlen);
    idp_buf_t b;
    idp_buf_init(&b, 16384);
    if (ret == IDP_OK) {
        char challenge[64], scope[1024];
        s256(verifier, challenge);
        snprintf(scope, sizeof(scope), "%s%s", strstr(u->scopes ? u->scopes : "", "openid") ? "" : "openid ",
                 u->scopes ? u->scopes : "");
        /* The signing leg asks for the signature only: scope sign with the transaction it signs (the
         * Digital Agency's implementation guideline; docs/card.md "Signing through the app"). */
        if (u->sign_transaction_id)
            snprintf(scope, sizeof(scope), "openid sign");
        idp_buf_puts(&b, e->authorization_endpoint);
        idp_buf_puts(&b, strchr(e->authorization_endpoint, '?') ? "&response_type=code" : "?response_type=code");
        url_param(&b, "client_id", u->client_id);
        url_param(&b, "redirect_uri", redirect_uri);
        url_param(&b, "scope", scope);
        url_param(&b, "state", state);
        url_param(&b, "nonce", nonce);
        url_param(&b, "code_challenge", challenge);
        url_param(&b, "code_challenge_method", "S256");
        if (ui_locales)
            url_param(&b, "ui_locales", ui_locales);
        if (u->acr_values && *u->acr_values)
            url_param(&b, "acr_values", u->acr_values);
        if (u->sign_transaction_id)
            url_param(&b, "sign_transaction_id", u->sign_transaction_id);
        *url = idp_buf_steal(&b);
        if (*url == NULL)
            ret = IDP_E_NOMEM;
    }
    pthread_mutex_unlock(&f->lock);
    idp_buf_free(&b);
    return ret;
}

/* Verifies @p token with the issuer's JWKS; refetches it once on a failure (a rotated key) if allowed. */
static idp_err_t verify_token(idp_fed_t *f, const char *issuer, const char *token, json_t **payload, char *err,
                              size_t errlen)
{
    entry_t *e;
    *payload = NULL;
    pthread_mutex_lock(&f->lock);
    idp_err_t ret = ensure_entry(f, issuer, &e, err, errlen);
    /* At most: verify, refetch the keys (not more than once a minute), verify again. */
    for (int attempt = 0; ret == IDP_OK && attempt < 2; attempt++) {
        if (e->jwks) {
            ret = idp_jws_verify(e->jwks, token, NULL, payload);
            if (ret == IDP_OK || ret == IDP_E_INVALID_REQUEST || attempt == 1)
                break;
        }
        time_t now = time(NULL);
        if (e->jwks && now - e->jwks_fetched_at < JWKS_REFETCH_SECONDS)
            break; /* fetched a moment ago: the key is not there */
        char *uri = strdup(e->jwks_uri ? e->jwks_uri : "");
        pthread_mutex_unlock(&f->lock);
        json_t *doc = NULL;
        idp_jwks_t *fresh = NULL;
        ret = uri ? http_json(f, uri, NULL, NULL, NULL, NULL, &doc, err, errlen) : IDP_E_NOMEM;
        char *text = ret == IDP_OK ? json_dumps(doc, JSON_COMPACT) : NULL;
        if (ret == IDP_OK && (text == NULL || idp_jwks_parse(text, strlen(text), &fresh) != IDP_OK)) {
            errf(err, errlen, "%s: not a usable JWK Set", uri);
            ret = IDP_E_UNAVAILABLE;
        }
        free(text);
        free(uri);
        json_decref(doc);
        pthread_mutex_lock(&f->lock);
        if (ret != IDP_OK) {
            idp_jwks_free(fresh);
            break;
        }
        /* the entry may have moved while unlocked: find it again */
        if ((e = find(f, issuer)) == NULL) {
            idp_jwks_free(fresh);
            ret = IDP_E_UNAVAILABLE;
            errf(err, errlen, "%s left the cache", issuer);
            break;
        }
        idp_jwks_free(e->jwks);
        e->jwks = fresh;
        e->jwks_fetched_at = now;
        /* ret is IDP_OK: the loop verifies again with the new keys */
    }
    if (ret == IDP_OK && *payload == NULL)
        ret = IDP_E_INVALID_GRANT; /* never verified */
    pthread_mutex_unlock(&f->lock);
    if (ret == IDP_E_INVALID_GRANT || ret == IDP_E_INVALID_REQUEST) {
        errf(err, errlen, "the ID token's signature does not verify with the upstream's keys");
        ret = IDP_E_INVALID_GRANT;
    }
    return ret;
}

static bool aud_has(json_t *aud, const char *client_id, size_t *n)
{
    if (json_is_string(aud)) {
        *n = 1;
        return !strcmp(json_string_value(aud), client_id);
    }
    *n = json_array_size(aud);
    for (size_t i = 0; i < *n; i++)
        if (json_is_string(json_array_get(aud, i)) && !strcmp(json_string_value(json_array_get(aud, i)), client_id))
            return true;
    return false;
}

/* True when the space-separated list @p list holds @p v (of @p n bytes). */
/*
 * OpenID Connect Core §3.1.3.7 item 12: the acr Claim is checked when it was
 * requested. We ask a card channel for acr_values (say "aal3 crl": the
 * assurance level and the revocation check), and accept the sign-in only
 * when acr states each of them; an ID token with a lower or no acr is
 * refused, never taken as a weaker sign-in (issue #17, docs/card.md).
 */
static bool acr_states(json_t *acr, const char *wanted)
{
    if (wanted == NULL || !*wanted)
        return true;
    const char *have = json_string_value(acr);
    if (have == NULL || strlen(have) > 255)
        return false;
    char word[256];
    for (const char *p = wanted + strspn(wanted, " "); *p;) {
        size_t k = strcspn(p, " ");
        if (k >= sizeof(word))
            return false;
        memcpy(word, p, k);
        word[k] = '\0';
        if (!idp_str_list_has(have, word))
            return false;
        p += k;
        p += strspn(p, " ");
    }
    return true;
}

static const char *acr_text(json_t *acr)
{
    return json_is_string(acr) && json_string_length(acr) <= 255 ? json_string_value(acr) : "none";
}

/* OpenID Connect Core §3.1.3.7, items 2-12 (signature checked before). */
static idp_err_t check_claims(json_t *p, const idp_fed_upstream_t *u, const char *nonce, long long now, char *err,
                              size_t errlen)
{
    const char *iss = json_string_value(json_object_get(p, "iss"));
    const char *azp = json_string_value(json_object_get(p, "azp"));
    const char *got_nonce = json_string_value(json_object_get(p, "nonce"));
    const char *sub = json_string_value(json_object_get(p, "sub"));
    json_t *exp = json_object_get(p, "exp"), *iat = json_object_get(p, "iat");
    size_t naud = 0;
    if (iss == NULL || strcmp(iss, u->issuer) != 0)
        errf(err, errlen, "iss %s is not %s", iss ? iss : "(none)", u->issuer);
    else if (!aud_has(json_object_get(p, "aud"), u->client_id, &naud))
        errf(err, errlen, "aud does not contain our client_id");
    else if ((naud > 1 && azp == NULL) || (azp && strcmp(azp, u->client_id) != 0))
        errf(err, errlen, "azp is not our client_id");
    else if (!json_is_integer(exp) || json_integer_value(exp) + CLOCK_SKEW <= now)
        errf(err, errlen, "the ID token has expired");
    else if (!json_is_integer(iat) || json_integer_value(iat) > now + CLOCK_SKEW ||
             now - json_integer_value(iat) > IAT_MAX_AGE)
        errf(err, errlen, "iat is missing, in the future or too old");
    else if (got_nonce == NULL || strcmp(got_nonce, nonce) != 0)
        errf(err, errlen, "the nonce does not match this login");
    else if (sub == NULL || !*sub || strlen(sub) > 255)
        errf(err, errlen, "sub is missing or too long");
    else if (!acr_states(json_object_get(p, "acr"), u->acr_values))
        errf(err, errlen, "the ID token's acr (%s) does not state %s", acr_text(json_object_get(p, "acr")),
             u->acr_values);
    else
        return IDP_OK;
    return IDP_E_INVALID_GRANT;
}

void idp_fed_result_clear(idp_fed_result_t *r)
{
    json_decref(r->id_token);
    json_decref(r->userinfo);
    if (r->access_token)
        OPENSSL_cleanse(r->access_token, strlen(r->access_token));
    free(r->access_token);
    memset(r, 0, sizeof(*r));
}

/*
 * The client authentication of the token request: client_secret_basic
 * (*user, *pass), or private_key_jwt (OpenID Connect Core §9; RFC 7523
 * §2.2, §3): client_id, client_assertion_type and a client_assertion, with
 * iss and sub our client_id, aud the token endpoint, a fresh jti and a
 * lifetime of ASSERTION_LIFETIME seconds, appended to @p form.
 */
static idp_err_t client_auth(const idp_fed_upstream_t *u, const char *token_endpoint, long long now, idp_buf_t *form,
                             const char **user, const char **pass)
{
    *user = NULL;
    *pass = NULL;
    if (u->assertion_key == NULL) {
        *user = u->client_id;
        *pass = u->client_secret ? u->client_secret : "";
        return IDP_OK;
    }
    char *jti = idp_random_token_new(24), *jwt = NULL, *text = NULL;
    json_t *claims = jti ? json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "iss", u->client_id, "sub", u->client_id, "aud",
                                     token_endpoint, "jti", jti, "iat", (json_int_t)now, "exp",
                                     (json_int_t)(now + ASSERTION_LIFETIME))
                         : NULL;
    idp_err_t ret = IDP_E_NOMEM;
    if (claims && (text = json_dumps(claims, JSON_COMPACT)) != NULL &&
        (ret = idp_jwt_sign(u->assertion_key, NULL, text, &jwt)) == IDP_OK) {
        url_param(form, "client_id", u->client_id);
        url_param(form, "client_assertion_type", ASSERTION_TYPE);
        url_param(form, "client_assertion", jwt);
    }
    free(jwt);
    free(text);
    free(jti);
    json_decref(claims);
    return ret;
}

/* OpenID Connect Core §5.3: the UserInfo claims, whose sub must be the ID token's (§5.3.2). */
static idp_err_t read_userinfo(idp_fed_t *f, const idp_fed_upstream_t *u, const char *access_token, const char *sub,
                               json_t **out, char *err, size_t errlen)
{
    char url[2048] = "";
    entry_t *e;
    pthread_mutex_lock(&f->lock);
    idp_err_t ret = ensure_entry(f, u->issuer, &e, err, errlen);
    if (ret == IDP_OK && e->userinfo_endpoint)
        snprintf(url, sizeof(url), "%s", e->userinfo_endpoint);
    pthread_mutex_unlock(&f->lock);
    if (ret != IDP_OK)
        return ret;
    if (!url[0] || access_token == NULL) {
        errf(err, errlen, "%s: no userinfo_endpoint or no access_token to read the attributes with", u->issuer);
        return IDP_E_UNAVAILABLE;
    }
    if ((ret = http_json(f, url, NULL, NULL, NULL, access_token, out, err, errlen)) != IDP_OK)
        return ret;
    const char *got = json_string_value(json_object_get(*out, "sub"));
    if (got == NULL || strcmp(got, sub) != 0) {
        errf(err, errlen, "the UserInfo sub is not the ID token's");
        json_decref(*out);
        *out = NULL;
        return IDP_E_INVALID_GRANT;
    }
    return IDP_OK;
}

idp_err_t idp_fed_callback(idp_fed_t *f, const idp_fed_upstream_t *u, const char *redirect_uri, const char *code,
                           const char *verifier, const char *nonce, const char *iss_param, long long now,
                           idp_fed_result_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    /* RFC 9207 §2.4: when the upstream says who it is, it must be the one we sent the resident to. */
    if (iss_param && strcmp(iss_param, u->issuer) != 0) {
        errf(err, errlen, "the authorization response came from %s, not %s", iss_param, u->issuer);
        return IDP_E_INVALID_GRANT;
    }
    entry_t *e;
    char token_endpoint[2048];
    pthread_mutex_lock(&f->lock);
    idp_err_t ret = ensure_entry(f, u->issuer, &e, err, errlen);
    if (ret == IDP_OK)
        snprintf(token_endpoint, sizeof(token_endpoint), "%s", e->token_endpoint);
    pthread_mutex_unlock(&f->lock);
    if (ret != IDP_OK)
        return ret;
    idp_buf_t form;
    idp_buf_init(&form, 16384);
    idp_buf_puts(&form, "grant_type=authorization_code");
    url_param(&form, "code", code);
    url_param(&form, "redirect_uri", redirect_uri);
    url_param(&form, "code_verifier", verifier);
    const char *user, *pass;
    json_t *tok = NULL, *payload = NULL;
    ret = client_auth(u, token_endpoint, now, &form, &user, &pass);
    if (ret == IDP_OK)
        ret = idp_buf_cstr(&form)
                  ? http_json(f, token_endpoint, idp_buf_cstr(&form), user, pass, NULL, &tok, err, errlen)
                  : IDP_E_NOMEM;
    idp_buf_wipe(&form);
    const char *id_token = json_string_value(json_object_get(tok, "id_token"));
    if (ret == IDP_OK && id_token == NULL) {
        errf(err, errlen, "the token response has no id_token");
        ret = IDP_E_UNAVAILABLE;
    }
    if (ret == IDP_OK)
        ret = verify_token(f, u->issuer, id_token, &payload, err, errlen);
    if (ret == IDP_OK)
        ret = check_claims(payload, u, nonce, now, err, errlen);
    if (ret == IDP_OK) {
        snprintf(out->sub, sizeof(out->sub), "%s", json_string_value(json_object_get(payload, "sub")));
        snprintf(out->acr, sizeof(out->acr), "%s", acr_text(json_object_get(payload, "acr")));
        if (!json_is_string(json_object_get(payload, "acr")))
            out->acr[0] = '\0';
        out->id_token = payload;
        payload = NULL;
    }
    const char *at = json_string_value(json_object_get(tok, "access_token"));
    if (ret == IDP_OK && at && (out->access_token = strdup(at)) == NULL)
        ret = IDP_E_NOMEM;
    if (ret == IDP_OK && u->userinfo)
        ret = read_userinfo(f, u, json_string_value(json_object_get(tok, "access_token")), out->sub, &out->userinfo,
                            err, errlen);
    if (ret != IDP_OK)
        idp_fed_result_clear(out);
    json_decref(payload);
    json_decref(tok);
    return ret;
}

/* ---- the Digital Agency's signing API ------------------------------------------------------ */

idp_err_t idp_fed_sign_endpoint(const char *issuer, char *out, size_t n)
{
    const char *r = strstr(issuer, "/realms/");
    if (r == NULL || strchr(r + 8, '/') != NULL || r[8] == '\0')
        return IDP_E_UNAVAILABLE;
    int len = snprintf(out, n, "%.*s/sign-transactions", (int)(r - issuer), issuer);
    return len > 0 && (size_t)len < n ? IDP_OK : IDP_E_UNAVAILABLE;
}

/* A UUID as RFC 9562 §4 writes it (8-4-4-4-12 hex digits): all we accept as a transaction id. */
static bool is_uuid(const char *s)
{
    if (s == NULL || strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++)
        if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* The client credentials grant (RFC 6749 §4.4.2) with our client authentication: a bearer token for the API. */
static idp_err_t client_token(idp_fed_t *f, const idp_fed_upstream_t *u, long long now, char **token, char *err,
                              size_t errlen)
{
    entry_t *e;
    char token_endpoint[2048];
    *token = NULL;
    pthread_mutex_lock(&f->lock);
    idp_err_t ret = ensure_entry(f, u->issuer, &e, err, errlen);
    if (ret == IDP_OK)
        snprintf(token_endpoint, sizeof(token_endpoint), "%s", e->token_endpoint);
    pthread_mutex_unlock(&f->lock);
    if (ret != IDP_OK)
        return ret;
    idp_buf_t form;
    idp_buf_init(&form, 16384);
    idp_buf_puts(&form, "grant_type=client_credentials");
    const char *user, *pass;
    json_t *tok = NULL;
    ret = client_auth(u, token_endpoint, now, &form, &user, &pass);
    if (ret == IDP_OK)
        ret = idp_buf_cstr(&form)
                  ? http_json(f, token_endpoint, idp_buf_cstr(&form), user, pass, NULL, &tok, err, errlen)
                  : IDP_E_NOMEM;
    idp_buf_wipe(&form);
    const char *at = json_string_value(json_object_get(tok, "access_token"));
    if (ret == IDP_OK && (at == NULL || !*at)) {
        errf(err, errlen, "the client credentials response has no access_token");
        ret = IDP_E_UNAVAILABLE;
    }
    if (ret == IDP_OK && (*token = strdup(at)) == NULL)
        ret = IDP_E_NOMEM;
    json_decref(tok);
    return ret;
}

idp_err_t idp_fed_sign_begin(idp_fed_t *f, const idp_fed_upstream_t *u, const unsigned char *tbs, size_t tbs_len,
                             long long now, char id[64], char *err, size_t errlen)
{
    char url[2048], *token = NULL, *body = NULL;
    unsigned char b64[1024];
    json_t *answer = NULL, *req_body = NULL;
    id[0] = '\0';
    if (tbs_len == 0 || tbs_len > 512)
        return IDP_E_INVALID_REQUEST;
    if (idp_fed_sign_endpoint(u->issuer, url, sizeof(url)) != IDP_OK || !url_allowed(url)) {
        errf(err, errlen, "%s: no signing API under this issuer", u->issuer);
        return IDP_E_UNAVAILABLE;
    }
    idp_err_t ret = client_token(f, u, now, &token, err, errlen);
    if (ret != IDP_OK)
        return ret;
    EVP_EncodeBlock(b64, tbs, (int)tbs_len); /* standard base64, as the API's samples send the hash */
    req_body = json_pack("{s:s, s:s}", "hash", (const char *)b64, "hash_type", "digest_info");
    body = req_body ? json_dumps(req_body, JSON_COMPACT) : NULL;
    if (body == NULL) {
        ret = IDP_E_NOMEM;
        goto Exit;
    }
    idp_net_req_t req = {.method = IDP_NET_POST_JSON,
                         .url = url,
                         .form = body,
                         .accept = "application/json",
                         .bearer = token,
                         .timeout_ms = f->timeout_ms,
                         .max_bytes = DOC_MAX};
    idp_net_resp_t resp;
    char why[256];
    ret = idp_net_perform(f->net, &req, &resp, why, sizeof(why));
    if (ret != IDP_OK) {
        errf(err, errlen, "%s: %s", url, why);
        ret = ret == IDP_E_NOMEM ? ret : IDP_E_UNAVAILABLE;
    } else {
        /* 201 Created is what a creating POST answers; 200 is taken too */
        if (resp.status == 201)
            resp.status = 200;
        ret = parse_answer(url, &resp, &answer, err, errlen);
    }
    idp_net_resp_free(&resp);
    const char *got = json_string_value(json_object_get(answer, "sign_transaction_id"));
    if (ret == IDP_OK && !is_uuid(got)) {
        errf(err, errlen, "%s: the answer names no sign_transaction_id", url);
        ret = IDP_E_UNAVAILABLE;
    }
    if (ret == IDP_OK)
        snprintf(id, 64, "%s", got);
Exit:
    if (token)
        OPENSSL_cleanse(token, strlen(token));
    free(token);
    free(body);
    json_decref(req_body);
    json_decref(answer);
    return ret;
}

/* Standard base64 @p s into @p out (at most @p max bytes); false when it is not that. */
static bool b64_std(const char *s, unsigned char *out, size_t max, size_t *n)
{
    size_t len = s ? strlen(s) : 0;
    if (len == 0 || len % 4 || len / 4 * 3 > max + 2)
        return false;
    unsigned char *tmp = malloc(len / 4 * 3 + 1);
    int got = tmp ? EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)len) : -1;
    if (got >= 0)
        got -= (s[len - 1] == '=') + (s[len - 2] == '='); /* EVP_DecodeBlock counts the padding as zero bytes */
    bool ok = got > 0 && (size_t)got <= max;
    if (ok) {
        memcpy(out, tmp, (size_t)got);
        *n = (size_t)got;
    }
    free(tmp);
    return ok;
}

idp_err_t idp_fed_sign_result(idp_fed_t *f, const char *issuer, const char *access_token, const char *id,
                              unsigned char *cert, size_t *cert_len, unsigned char *sig, size_t *sig_len, char *err,
                              size_t errlen)
{
    char base[2048], url[2200];
    json_t *answer = NULL;
    *cert_len = *sig_len = 0;
    if (!is_uuid(id) || access_token == NULL) {
        errf(err, errlen, "no signing transaction or no access token to read it with");
        return IDP_E_INVALID_GRANT;
    }
    if (idp_fed_sign_endpoint(issuer, base, sizeof(base)) != IDP_OK) {
        errf(err, errlen, "%s: no signing API under this issuer", issuer);
        return IDP_E_UNAVAILABLE;
    }
    snprintf(url, sizeof(url), "%s/%s/result", base, id);
    idp_err_t ret = http_json(f, url, NULL, NULL, NULL, access_token, &answer, err, errlen);
    if (ret == IDP_OK &&
        (!b64_std(json_string_value(json_object_get(answer, "certificate")), cert, IDP_FED_SIGN_CERT_MAX, cert_len) ||
         !b64_std(json_string_value(json_object_get(answer, "signature")), sig, IDP_FED_SIGN_SIG_MAX, sig_len))) {
        errf(err, errlen, "%s: the answer is not a certificate and a signature", url);
        ret = IDP_E_INVALID_GRANT;
    }
    json_decref(answer);
    return ret;
}

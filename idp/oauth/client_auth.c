/*
 * Client authentication at the token, introspection and revocation
 * endpoints (RFC 6749 §2.3; OpenID Connect Core §9): client_secret_basic,
 * client_secret_post, private_key_jwt (RFC 7523 §2.2 and §3) and none.
 */
#include "oauth/client_auth.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/b64.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/rand.h"
#include "jose/verify.h"
#include "oauth/client_meta.h"
#include "oauth/internal.h"

#define ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define ASSERTION_MAX_LIFETIME 600 /* seconds between now and exp we accept */
#define JWKS_URI_TIMEOUT_MS 3000

#define MAX_ID 256
#define MAX_SECRET 512

/*
 * RFC 6749 §2.3.1 / RFC 7617: "Basic" base64(urlencode(id) ":" urlencode(secret)).
 * The scheme name is case-insensitive (RFC 7235 §2.1).
 */
static idp_err_t parse_basic(idp_oauth_req_t *req, char **id, char **secret)
{
    const char *h = req->authorization;
    if (strncasecmp(h, "Basic ", 6) != 0)
        return IDP_E_INVALID_CLIENT;
    h += 6;
    while (*h == ' ')
        h++;
    size_t n = strlen(h);
    if (n == 0 || n > 4 * ((MAX_ID + MAX_SECRET) * 3 + 3) / 3)
        return IDP_E_INVALID_CLIENT;
    unsigned char *raw = idp_arena_alloc(req->arena, n + 3);
    size_t rawlen = 0;
    if (raw == NULL)
        return IDP_E_TOO_LARGE;
    if (idp_b64_decode(h, n, raw, n + 3, &rawlen) != IDP_OK)
        return IDP_E_INVALID_CLIENT;
    unsigned char *colon = memchr(raw, ':', rawlen);
    if (colon == NULL)
        return IDP_E_INVALID_CLIENT;
    *id = idp_form_decode(req->arena, (const char *)raw, (size_t)(colon - raw));
    *secret = idp_form_decode(req->arena, (const char *)colon + 1, rawlen - (size_t)(colon - raw) - 1);
    if (*id == NULL || *secret == NULL || !**id)
        return IDP_E_INVALID_CLIENT;
    return IDP_OK;
}

/* Absent is fine; present more than once is invalid_request. */
static idp_err_t optional(const idp_params_t *p, const char *name, const char **v)
{
    idp_err_t e = idp_params_get(p, name, v);
    if (e == IDP_E_NOT_FOUND) {
        *v = NULL;
        return IDP_OK;
    }
    return e;
}

json_t *idp_client_meta_load(idp_oauth_t *o, const char *client_id, idp_err_t *e)
{
    idp_store_client_t row;
    if ((*e = idp_store_client_get(o->store, client_id, &row)) != IDP_OK)
        return NULL;
    json_t *meta = json_loads(row.metadata, 0, NULL);
    idp_store_client_clear(&row);
    if (meta == NULL)
        *e = IDP_E_SERVER_ERROR;
    return meta;
}

bool idp_client_meta_has(json_t *meta, const char *field, const char *value)
{
    return idp_json_list_has(json_object_get(meta, field), value);
}

static size_t collect(char *ptr, size_t size, size_t n, void *ud)
{
    return idp_buf_append(ud, ptr, size * n) == IDP_OK ? size * n : 0;
}

/* A client's jwks_uri fetched with a timeout and a size cap; NULL (logged) when it gives no usable JWK Set. */
static idp_jwks_t *fetch_jwks(const char *uri)
{
    idp_jwks_t *set = NULL;
    idp_buf_t b;
    idp_buf_init(&b, IDP_JWKS_MAX_BYTES);
    CURL *c = curl_easy_init();
    long status = 0;
    CURLcode rc = CURLE_FAILED_INIT;
    if (c) {
        curl_easy_setopt(c, CURLOPT_URL, uri);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http"); /* http only on loopback: registration checks */
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)JWKS_URI_TIMEOUT_MS);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        rc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(c);
    }
    if (rc != CURLE_OK || status != 200 || b.data == NULL || idp_jwks_parse(b.data, b.len, &set) != IDP_OK) {
        idp_log_msg(IDP_LOG_WARN, "client_jwks_unavailable", "jwks_uri %s: %s (HTTP %ld)", uri,
                    rc == CURLE_OK ? "not a usable JWK Set" : curl_easy_strerror(rc), status);
        set = NULL;
    }
    idp_buf_free(&b);
    return set;
}

/* ---- keys from jwks_uri, cached per node (client_auth.h) ---------------------------- */

#define JWKS_CACHE_MAX 256 /* URIs; when full, the one tried longest ago makes room */

/* A fetched JWK Set, shared: verifications hold a reference and run outside the cache's lock. */
typedef struct {
    atomic_int refs;
    idp_jwks_t *set;
} jwks_shared_t;

static void jwks_release(jwks_shared_t *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
        idp_jwks_free(s->set);
        free(s);
    }
}

typedef struct {
    char *uri;
    jwks_shared_t *keys;  /* the last JWK Set fetched, or NULL */
    long long fetched_ms; /* when it was fetched (monotonic) */
    long long tried_ms;   /* the last fetch, successful or not */
} jwks_entry_t;

struct idp_client_jwks {
    pthread_mutex_t lock;
    long long ttl_ms; /* how long a fetched set is used */
    size_t n;
    jwks_entry_t e[JWKS_CACHE_MAX];
};

struct idp_client_jwks *idp_client_jwks_new(int ttl_seconds)
{
    struct idp_client_jwks *c = calloc(1, sizeof(*c));
    if (c) {
        pthread_mutex_init(&c->lock, NULL);
        c->ttl_ms = ttl_seconds * 1000LL;
    }
    return c;
}

void idp_client_jwks_free(struct idp_client_jwks *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->e[i].uri);
        jwks_release(c->e[i].keys);
    }
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static jwks_entry_t *jwks_find(struct idp_client_jwks *c, const char *uri)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->e[i].uri, uri))
            return &c->e[i];
    return NULL;
}

/* Records a fetch of @p uri at @p now_ms: @p set (the caller's reference passes here) replaces the keys, NULL
   (failed) keeps them. Locked. */
static void jwks_record(struct idp_client_jwks *c, const char *uri, jwks_shared_t *set, long long now_ms)
{
    jwks_entry_t *e = jwks_find(c, uri);
    if (e == NULL) {
        char *u = strdup(uri);
        if (u == NULL) {
            jwks_release(set);
            return;
        }
        if (c->n < JWKS_CACHE_MAX) {
            e = &c->e[c->n++];
        } else { /* full: the URI tried longest ago makes room */
            e = &c->e[0];
            for (size_t i = 1; i < c->n; i++)
                if (c->e[i].tried_ms < e->tried_ms)
                    e = &c->e[i];
            free(e->uri);
            jwks_release(e->keys);
        }
        memset(e, 0, sizeof(*e));
        e->uri = u;
    }
    e->tried_ms = now_ms;
    if (set) {
        jwks_release(e->keys);
        e->keys = set;
        e->fetched_ms = now_ms;
    }
}

/*
 * Verifies @p assertion with the keys at @p uri: with the cached set while
 * it is fresh; the set is fetched again when it is missing or stale, or when
 * none of its keys verifies the assertion (a rotated key), but never sooner
 * than IDP_CLIENT_JWKS_RETRY seconds after the last fetch of that URI. Keys
 * older than the cache's lifetime are never used, so a key the client
 * withdraws stops working within that time. The lock covers only the
 * lookup and the bookkeeping: signatures are verified and sets fetched
 * outside it, so a slow jwks_uri holds up only its own client. Returns
 * idp_jws_verify's results.
 */
static idp_err_t verify_with_uri(struct idp_client_jwks *c, const char *uri, const char *assertion, long long now_ms,
                                 json_t **payload)
{
    idp_err_t e = IDP_E_INVALID_GRANT;
    pthread_mutex_lock(&c->lock);
    jwks_entry_t *have = jwks_find(c, uri);
    jwks_shared_t *cached = have && have->keys && now_ms - have->fetched_ms < c->ttl_ms ? have->keys : NULL;
    if (cached)
        atomic_fetch_add(&cached->refs, 1);
    bool wait = have && now_ms - have->tried_ms < IDP_CLIENT_JWKS_RETRY * 1000LL;
    pthread_mutex_unlock(&c->lock);
    if (cached) {
        e = idp_jws_verify(cached->set, assertion, NULL, payload);
        jwks_release(cached);
        if (e != IDP_E_INVALID_GRANT) /* verified, malformed, or an internal failure */
            return e;
    }
    if (wait)
        return e;
    jwks_shared_t *fresh = NULL;
    idp_jwks_t *set = fetch_jwks(uri);
    if (set && (fresh = malloc(sizeof(*fresh))) == NULL)
        idp_jwks_free(set);
    if (fresh) {
        atomic_init(&fresh->refs, 1);
        fresh->set = set;
    }
    e = fresh ? idp_jws_verify(fresh->set, assertion, NULL, payload) : IDP_E_INVALID_GRANT;
    pthread_mutex_lock(&c->lock);
    jwks_record(c, uri, fresh, now_ms); /* the cache takes our reference */
    pthread_mutex_unlock(&c->lock);
    return e;
}

/* Verifies @p assertion with the client's registered keys: inline jwks, or its jwks_uri (cached). */
static idp_err_t verify_assertion(idp_oauth_t *o, idp_oauth_req_t *req, json_t *meta, const char *assertion,
                                  json_t **payload)
{
    json_t *inline_jwks = json_object_get(meta, "jwks");
    const char *uri = json_string_value(json_object_get(meta, "jwks_uri"));
    if (inline_jwks) {
        idp_jwks_t *set = NULL;
        char *text = json_dumps(inline_jwks, JSON_COMPACT);
        idp_err_t e = text ? idp_jwks_parse(text, strlen(text), &set) : IDP_E_NOMEM;
        free(text);
        if (e == IDP_OK)
            e = idp_jws_verify(set, assertion, NULL, payload);
        idp_jwks_free(set);
        return e;
    }
    return uri ? verify_with_uri(o->client_jwks, uri, assertion, req->now_ms, payload) : IDP_E_INVALID_CLIENT;
}

/* aud names us: the issuer or one of the endpoints that take client authentication (RFC 7523 §3 item 3). */
static bool aud_ok(idp_oauth_t *o, json_t *aud)
{
    static const char *const paths[] = {"", "/token", "/introspect", "/revoke", NULL};
    size_t il = strlen(o->cfg->issuer), i;
    json_t *v;
    json_t *list = json_is_array(aud) ? aud : NULL;
    for (i = 0; list ? i < json_array_size(list) : i < 1; i++) {
        v = list ? json_array_get(list, i) : aud;
        const char *s = json_string_value(v);
        if (s == NULL || strncmp(s, o->cfg->issuer, il) != 0)
            continue;
        for (const char *const *p = paths; *p; p++)
            if (!strcmp(s + il, *p))
                return true;
    }
    return false;
}

/*
 * private_key_jwt (RFC 7523 §2.2, §3; OpenID Connect Core §9): a JWT
 * signed with one of the client's registered keys, iss = sub = client_id,
 * aud naming us, a near exp, and a jti used once.
 */
static idp_err_t assertion_auth(idp_oauth_t *o, idp_oauth_req_t *req, const char *assertion, const char *form_id,
                                idp_client_t *out, const char **desc)
{
    *desc = "client authentication failed";
    /* Whose assertion is it? sub, read before verification only to find the keys to verify with. */
    const char *dot1 = strchr(assertion, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (dot2 == NULL || strlen(assertion) > IDP_JWS_MAX_BYTES)
        return IDP_E_INVALID_CLIENT;
    size_t n = (size_t)(dot2 - dot1 - 1), len = 0;
    unsigned char *raw = idp_arena_alloc(req->arena, n + 3);
    if (raw == NULL || idp_b64url_decode(dot1 + 1, n, raw, n + 3, &len) != IDP_OK)
        return IDP_E_INVALID_CLIENT;
    json_t *claims = json_loadb((const char *)raw, len, 0, NULL);
    const char *sub = json_string_value(json_object_get(claims, "sub"));
    char *id = sub && strlen(sub) <= MAX_ID ? idp_arena_strdup(req->arena, sub) : NULL;
    json_decref(claims);
    if (id == NULL || (form_id && strcmp(form_id, id) != 0)) {
        *desc = form_id && id ? "client_id does not match the assertion" : "the assertion has no sub";
        return IDP_E_INVALID_CLIENT;
    }
    idp_store_client_t row;
    idp_err_t e = idp_store_client_get(o->store, id, &row);
    if (e != IDP_OK)
        return e == IDP_E_NOT_FOUND ? IDP_E_INVALID_CLIENT : e;
    json_t *meta = json_loads(row.metadata, 0, NULL);
    idp_store_client_clear(&row);
    const char *registered = json_string_value(json_object_get(meta, "token_endpoint_auth_method"));
    json_t *payload = NULL;
    e = registered && !strcmp(registered, "private_key_jwt") ? verify_assertion(o, req, meta, assertion, &payload)
                                                             : IDP_E_INVALID_CLIENT;
    if (e == IDP_OK) {
        const char *iss = json_string_value(json_object_get(payload, "iss"));
        const char *jti = json_string_value(json_object_get(payload, "jti"));
        json_t *exp = json_object_get(payload, "exp"), *nbf = json_object_get(payload, "nbf");
        if (!iss || strcmp(iss, id) || strcmp(json_string_value(json_object_get(payload, "sub")), id)) {
            e = IDP_E_INVALID_CLIENT;
            *desc = "iss and sub of the assertion must be the client_id";
        } else if (!aud_ok(o, json_object_get(payload, "aud"))) {
            e = IDP_E_INVALID_CLIENT;
            *desc = "the assertion's aud does not name this server";
        } else if (!json_is_integer(exp) || json_integer_value(exp) <= req->now ||
                   json_integer_value(exp) > req->now + ASSERTION_MAX_LIFETIME ||
                   (json_is_integer(nbf) && json_integer_value(nbf) > req->now + 60)) {
            e = IDP_E_INVALID_CLIENT;
            *desc = "the assertion is expired, not yet valid, or lives too long";
        } else if (!jti || !*jti || strlen(jti) > 256) {
            e = IDP_E_INVALID_CLIENT;
            *desc = "the assertion needs a jti";
        } else if ((e = idp_store_assertion_jti_use(o->store, id, jti, json_integer_value(exp))) == IDP_E_CONFLICT) {
            e = IDP_E_INVALID_CLIENT;
            *desc = "the assertion's jti was already used";
        }
    } else if (e != IDP_E_NOMEM && e != IDP_E_SERVER_ERROR) {
        e = IDP_E_INVALID_CLIENT;
    }
    json_decref(payload);
    if (e != IDP_OK) {
        json_decref(meta);
        return e;
    }
    out->client_id = id;
    out->meta = meta;
    out->method = "private_key_jwt";
    return IDP_OK;
}

idp_err_t idp_client_authenticate(idp_oauth_t *o, idp_oauth_req_t *req, idp_client_t *out, const char **desc)
{
    const char *form_id, *form_secret;
    char *id = NULL, *secret = NULL;
    idp_err_t e;
    memset(out, 0, sizeof(*out));
    if ((e = optional(req->form, "client_id", &form_id)) != IDP_OK ||
        (e = optional(req->form, "client_secret", &form_secret)) != IDP_OK) {
        *desc = "repeated client_id or client_secret";
        return e;
    }
    const char *atype, *assertion;
    if ((e = optional(req->form, "client_assertion_type", &atype)) != IDP_OK ||
        (e = optional(req->form, "client_assertion", &assertion)) != IDP_OK) {
        *desc = "repeated client_assertion or client_assertion_type";
        return e;
    }
    if (atype || assertion) {
        /* RFC 6749 §2.3: one method per request. */
        if (req->authorization || form_secret) {
            *desc = "more than one client authentication method";
            return IDP_E_INVALID_REQUEST;
        }
        if (!atype || !assertion || strcmp(atype, ASSERTION_TYPE) != 0) {
            *desc = "client_assertion_type must be " ASSERTION_TYPE " with a client_assertion";
            return IDP_E_INVALID_CLIENT;
        }
        return assertion_auth(o, req, assertion, form_id, out, desc);
    }
    if (req->authorization != NULL) {
        out->used_basic = true;
        if ((e = parse_basic(req, &id, &secret)) != IDP_OK) {
            *desc = "malformed Basic credentials";
            return e == IDP_E_TOO_LARGE ? e : IDP_E_INVALID_CLIENT;
        }
        /* RFC 6749 §2.3: a client MUST NOT use more than one method per request. */
        if (form_secret != NULL) {
            *desc = "more than one client authentication method";
            return IDP_E_INVALID_REQUEST;
        }
        if (form_id != NULL && strcmp(form_id, id) != 0) {
            *desc = "client_id does not match the Authorization header";
            return IDP_E_INVALID_REQUEST;
        }
        out->method = "client_secret_basic";
    } else if (form_id != NULL) {
        id = (char *)form_id;
        secret = (char *)form_secret;
        out->method = secret ? "client_secret_post" : "none";
    } else {
        *desc = "client authentication is required";
        return IDP_E_INVALID_CLIENT;
    }
    if (strlen(id) > MAX_ID || (secret && strlen(secret) > MAX_SECRET)) {
        *desc = "client authentication failed";
        return IDP_E_INVALID_CLIENT;
    }

    idp_store_client_t row;
    if ((e = idp_store_client_get(o->store, id, &row)) != IDP_OK) {
        *desc = e == IDP_E_NOT_FOUND ? "client authentication failed" : "the service is temporarily unavailable";
        return e == IDP_E_NOT_FOUND ? IDP_E_INVALID_CLIENT : e;
    }
    json_t *meta = json_loads(row.metadata, 0, NULL);
    const char *registered = json_string_value(json_object_get(meta, "token_endpoint_auth_method"));
    bool ok = registered != NULL && !strcmp(registered, out->method);
    if (ok && secret != NULL) {
        /* Only the SHA-256 of the 256-bit secret is stored; compare in constant time. */
        unsigned char h[32];
        idp_sha256(secret, strlen(secret), h);
        ok = row.has_secret && idp_ct_equal(h, row.secret_hash, sizeof(h));
        idp_wipe(h, sizeof(h));
    }
    idp_store_client_clear(&row);
    if (!ok || meta == NULL) {
        json_decref(meta);
        *desc = "client authentication failed";
        return meta == NULL ? IDP_E_SERVER_ERROR : IDP_E_INVALID_CLIENT;
    }
    out->client_id = id;
    out->meta = meta;
    return IDP_OK;
}

void idp_client_release(idp_client_t *c)
{
    json_decref(c->meta);
    c->meta = NULL;
}

/*
 * Client authentication at the token, introspection and revocation
 * endpoints (RFC 6749 §2.3; OpenID Connect Core §9): client_secret_basic,
 * client_secret_post, private_key_jwt (RFC 7523 §2.2 and §3) and none.
 */
#include "oauth/client_auth.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/b64.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/ratelimit.h"
#include "jose/verify.h"
#include "net/http_client.h"
#include "oauth/auth_guard.h"
#include "oauth/clients.h"
#include "oauth/endpoints.h"
#include "oauth/internal.h"

#define ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define ASSERTION_MAX_LIFETIME 600 /* seconds between now and exp we accept */
/* The request path never waits longer than this on another party's server (a fetch, or a fetch in flight). */
#define JWKS_URI_TIMEOUT_MS 1000

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

/* A client's jwks_uri fetched with a timeout and a size cap; NULL (logged) when it gives no usable JWK Set. */
static idp_jwks_t *fetch_jwks(const idp_net_t *net, const char *uri)
{
    idp_jwks_t *set = NULL;
    char why[256] = "";
    idp_net_resp_t resp;
    idp_net_req_t req = {
        .method = IDP_NET_GET,
        .url = uri,
        .timeout_ms = JWKS_URI_TIMEOUT_MS,
        .max_bytes = IDP_JWKS_MAX_BYTES,
    };
    idp_err_t e = idp_net_perform(net, &req, &resp, why, sizeof(why));
    const idp_buf_t *b = &resp.body;
    if (e != IDP_OK || resp.status != 200 || b->data == NULL || idp_jwks_parse(b->data, b->len, &set) != IDP_OK) {
        idp_log_msg(IDP_LOG_WARN, "client_jwks_unavailable", "jwks_uri %s: %s (HTTP %ld)", uri,
                    e == IDP_OK ? "not a usable JWK Set" : why, resp.status);
        set = NULL;
    }
    idp_net_resp_free(&resp);
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
    long long tried_ms;   /* the last fetch, successful or not (failures are remembered too) */
    bool fetching;        /* a fetch is in flight: the others wait for it (single flight) */
    long long fetch_ms;   /* when that fetch began (monotonic) */
} jwks_entry_t;

struct idp_client_jwks {
    pthread_mutex_t lock;
    pthread_cond_t fetched;      /* broadcast when a fetch ends */
    long long ttl_ms;            /* how long a fetched set is used */
    idp_ratelimit_t *per_client; /* fetches a client's assertions may cause */
    size_t n;
    jwks_entry_t e[JWKS_CACHE_MAX];
};

struct idp_client_jwks *idp_client_jwks_new(int ttl_seconds)
{
    struct idp_client_jwks *c = calloc(1, sizeof(*c));
    pthread_condattr_t ca;
    if (c == NULL)
        return NULL;
    /* At most IDP_CLIENT_JWKS_PER_MINUTE fetches a minute per client, in bursts of 2. */
    if ((c->per_client = idp_ratelimit_new(IDP_CLIENT_JWKS_PER_MINUTE, 2)) == NULL) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->fetched, &ca);
    pthread_condattr_destroy(&ca);
    c->ttl_ms = ttl_seconds * 1000LL;
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
    idp_ratelimit_free(c->per_client);
    pthread_cond_destroy(&c->fetched);
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

/* The entry of @p uri, made when missing (when full, the URI tried longest ago, not being fetched, makes room).
   NULL when out of memory or every entry is being fetched. Locked. */
static jwks_entry_t *jwks_entry(struct idp_client_jwks *c, const char *uri)
{
    jwks_entry_t *e = jwks_find(c, uri);
    if (e)
        return e;
    char *u = strdup(uri);
    if (u == NULL)
        return NULL;
    if (c->n < JWKS_CACHE_MAX) {
        e = &c->e[c->n++];
    } else {
        for (size_t i = 0; i < c->n; i++)
            if (!c->e[i].fetching && (e == NULL || c->e[i].tried_ms < e->tried_ms))
                e = &c->e[i];
        if (e == NULL) {
            free(u);
            return NULL;
        }
        free(e->uri);
        jwks_release(e->keys);
    }
    memset(e, 0, sizeof(*e));
    e->uri = u;
    e->tried_ms = -(IDP_CLIENT_JWKS_RETRY * 1000LL) - 1; /* never tried */
    return e;
}

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A reference to @p e's keys when they are younger than the cache's lifetime, else NULL. Locked. */
static jwks_shared_t *jwks_fresh(struct idp_client_jwks *c, jwks_entry_t *e, long long now_ms)
{
    jwks_shared_t *k = e && e->keys && now_ms - e->fetched_ms < c->ttl_ms ? e->keys : NULL;
    if (k)
        atomic_fetch_add(&k->refs, 1);
    return k;
}

/*
 * The keys of @p uri after a fetch, for an assertion that the cached keys
 * (if any, fetched at @p had_ms) did not verify (RFC 7523 §3; a rotated key:
 * OpenID Connect Core §10.1.1). Single flight: one request fetches, the
 * others wait for it, never longer than JWKS_URI_TIMEOUT_MS in all; a URI is
 * fetched at most every IDP_CLIENT_JWKS_RETRY seconds (a failed fetch too),
 * and a client's assertions cause at most IDP_CLIENT_JWKS_PER_MINUTE
 * fetches. NULL when no newer set is to be had now.
 *
 * The wait is for the fetch in flight, which gives the client's server at
 * most JWKS_URI_TIMEOUT_MS (the request's own limit, net/http_client.h); WAIT_GRACE_MS more only
 * guards against a fetcher that never reports back.
 */
#define WAIT_GRACE_MS 4000
static jwks_shared_t *jwks_refetch(struct idp_client_jwks *c, const idp_net_t *net, const char *client_id,
                                   const char *uri, long long had_ms)
{
    long long start = mono_ms();
    jwks_shared_t *got = NULL;
    pthread_mutex_lock(&c->lock);
    jwks_entry_t *e = jwks_entry(c, uri);
    while (e && e->fetching && mono_ms() < e->fetch_ms + JWKS_URI_TIMEOUT_MS + WAIT_GRACE_MS) {
        long long deadline = e->fetch_ms + JWKS_URI_TIMEOUT_MS + WAIT_GRACE_MS;
        struct timespec ts = {.tv_sec = deadline / 1000, .tv_nsec = (deadline % 1000) * 1000000};
        pthread_cond_timedwait(&c->fetched, &c->lock, &ts);
        e = jwks_find(c, uri); /* the entry may have been reused meanwhile */
    }
    /* Another request fetched a newer set (while we waited, or since we looked): use it. */
    if (e && e->fetched_ms > had_ms && (got = jwks_fresh(c, e, mono_ms())) != NULL) {
        pthread_mutex_unlock(&c->lock);
        return got;
    }
    bool go = e && !e->fetching && mono_ms() - e->tried_ms >= IDP_CLIENT_JWKS_RETRY * 1000LL &&
              idp_ratelimit_take(c->per_client, client_id, start);
    if (go) {
        e->fetching = true;
        e->tried_ms = e->fetch_ms = mono_ms();
    }
    pthread_mutex_unlock(&c->lock);
    if (!go)
        return NULL;

    jwks_shared_t *fresh = NULL;
    idp_jwks_t *set = fetch_jwks(net, uri);
    if (set && (fresh = malloc(sizeof(*fresh))) == NULL)
        idp_jwks_free(set);
    if (fresh) {
        atomic_init(&fresh->refs, 2); /* the cache's and ours */
        fresh->set = set;
    }
    pthread_mutex_lock(&c->lock);
    if ((e = jwks_find(c, uri)) != NULL) {
        e->fetching = false;
        if (fresh) { /* a failed fetch keeps the keys fetched before (until their time is up) */
            jwks_release(e->keys);
            e->keys = fresh;
            e->fetched_ms = mono_ms();
        }
    } else if (fresh) {
        jwks_release(fresh); /* the entry went: only our reference stays */
    }
    pthread_cond_broadcast(&c->fetched);
    pthread_mutex_unlock(&c->lock);
    return fresh;
}

/*
 * Verifies @p jws with the keys at @p uri: with the cached set while it is
 * fresh; otherwise, or when none of its keys verifies the JWS, with a set
 * fetched again (jwks_refetch). Keys older than the cache's lifetime are
 * never used, so a key the client withdraws stops working within that time.
 * The lock covers only the lookup and the bookkeeping: signatures are
 * verified and sets fetched outside it. Returns idp_jws_verify's results.
 */
static idp_err_t verify_with_uri(const idp_oauth_t *o, const char *client_id, const char *uri, const char *jws,
                                 json_t **header, json_t **payload)
{
    struct idp_client_jwks *c = o->client_jwks;
    idp_err_t e = IDP_E_INVALID_GRANT;
    long long had_ms = -1;
    pthread_mutex_lock(&c->lock);
    jwks_entry_t *have = jwks_find(c, uri);
    jwks_shared_t *cached = jwks_fresh(c, have, mono_ms());
    if (cached)
        had_ms = have->fetched_ms;
    pthread_mutex_unlock(&c->lock);
    if (cached) {
        e = idp_jws_verify(cached->set, jws, header, payload);
        jwks_release(cached);
        if (e != IDP_E_INVALID_GRANT) /* verified, malformed, or an internal failure */
            return e;
    }
    jwks_shared_t *fresh = jwks_refetch(c, o->net, client_id, uri, had_ms);
    if (fresh) {
        e = idp_jws_verify(fresh->set, jws, header, payload);
        jwks_release(fresh);
    }
    return e;
}

idp_err_t idp_client_jws_verify(idp_oauth_t *o, const idp_client_t *cl, const char *jws, json_t **header,
                                json_t **payload)
{
    if (header)
        *header = NULL;
    if (payload)
        *payload = NULL;
    if (cl->jwks_text) {
        idp_jwks_t *set = NULL;
        idp_err_t e = idp_jwks_parse(cl->jwks_text, strlen(cl->jwks_text), &set);
        if (e == IDP_OK)
            e = idp_jws_verify(set, jws, header, payload);
        idp_jwks_free(set);
        return e;
    }
    return cl->jwks_uri ? verify_with_uri(o, cl->id, cl->jwks_uri, jws, header, payload) : IDP_E_INVALID_CLIENT;
}

/* The issuer itself, or an endpoint of the endpoint table that takes client authentication. */
static bool names_us(const char *rest)
{
    if (*rest == '\0')
        return true;
    for (size_t i = 0; i < idp_endpoints_count; i++)
        if (idp_endpoints[i].client_auth && !strcmp(rest, idp_endpoints[i].path))
            return true;
    return false;
}

/* aud names us: the issuer or one of the endpoints that take client authentication (RFC 7523 §3 item 3). */
static bool aud_ok(idp_oauth_t *o, json_t *aud)
{
    size_t il = strlen(o->cfg->issuer), i;
    json_t *v;
    json_t *list = json_is_array(aud) ? aud : NULL;
    for (i = 0; list ? i < json_array_size(list) : i < 1; i++) {
        v = list ? json_array_get(list, i) : aud;
        const char *s = json_string_value(v);
        if (s != NULL && strncmp(s, o->cfg->issuer, il) == 0 && names_us(s + il))
            return true;
    }
    return false;
}

/* True (with *desc) while this client is backing off from this address after failed authentications. */
static bool backing_off(idp_oauth_t *o, idp_oauth_req_t *req, const char *id, const char **desc)
{
    if (o->auth_guard == NULL || idp_auth_guard_admit(o->auth_guard, id, req->remote_addr, req->now_ms))
        return false;
    *desc = "too many failed client authentications from this address: retry after a minute";
    return true;
}

/* The "alg" of compact JWS @p jws's protected header is @p alg (read unverified: only to refuse). */
static bool header_alg_is(idp_oauth_req_t *req, const char *jws, const char *alg)
{
    size_t n = strcspn(jws, "."), len = 0;
    unsigned char *raw = n < 2048 ? idp_arena_alloc(req->arena, n + 3) : NULL;
    if (raw == NULL || idp_b64url_decode(jws, n, raw, n + 3, &len) != IDP_OK)
        return false;
    json_t *h = json_loadb((const char *)raw, len, 0, NULL);
    const char *a = json_string_value(json_object_get(h, "alg"));
    bool is = a && !strcmp(a, alg);
    json_decref(h);
    return is;
}

/*
 * private_key_jwt (RFC 7523 §2.2, §3; OpenID Connect Core §9): a JWT
 * signed with one of the client's registered keys, iss = sub = client_id,
 * aud naming us, a near exp, and a jti used once.
 */
static idp_err_t assertion_auth(idp_oauth_t *o, idp_oauth_req_t *req, const char *assertion, const char *form_id,
                                idp_client_auth_t *out, const char **desc)
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
    out->client_id = id;
    if (backing_off(o, req, id, desc))
        return IDP_E_RATE_LIMITED;
    const idp_client_t *cl = NULL;
    idp_err_t e = idp_clients_get(o, id, &cl);
    if (e != IDP_OK)
        return e == IDP_E_NOT_FOUND ? IDP_E_INVALID_CLIENT : e;
    out->known = true;
    json_t *payload = NULL;
    e = !strcmp(cl->auth_method, "private_key_jwt") ? IDP_OK : IDP_E_INVALID_CLIENT;
    /* FAPI 2.0 Security Profile §5.4.1: a fapi2 client signs with PS256, ES256 or EdDSA, never RS256 */
    if (e == IDP_OK && cl->fapi2 && header_alg_is(req, assertion, "RS256")) {
        e = IDP_E_INVALID_CLIENT;
        *desc = "a fapi2 client's assertions are not signed with RS256";
    }
    if (e == IDP_OK)
        e = idp_client_jws_verify(o, cl, assertion, NULL, &payload);
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
        idp_client_unref(cl);
        return e;
    }
    out->client_id = id;
    out->client = cl;
    out->method = "private_key_jwt";
    return IDP_OK;
}

static idp_err_t authenticate(idp_oauth_t *o, idp_oauth_req_t *req, idp_client_auth_t *out, const char **desc)
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
    out->client_id = id;
    if (backing_off(o, req, id, desc))
        return IDP_E_RATE_LIMITED;

    const idp_client_t *cl = NULL;
    if ((e = idp_clients_get(o, id, &cl)) != IDP_OK) {
        *desc = e == IDP_E_NOT_FOUND ? "client authentication failed" : "the service is temporarily unavailable";
        return e == IDP_E_NOT_FOUND ? IDP_E_INVALID_CLIENT : e;
    }
    out->known = true;
    bool ok = !strcmp(cl->auth_method, out->method);
    if (ok && secret != NULL) {
        /* Only the SHA-256 of the 256-bit secret is stored; compare in constant time. */
        unsigned char h[32];
        idp_sha256(secret, strlen(secret), h);
        ok = cl->has_secret && idp_ct_equal(h, cl->secret_hash, sizeof(h));
        idp_wipe(h, sizeof(h));
    }
    if (!ok) {
        idp_client_unref(cl);
        *desc = "client authentication failed";
        return IDP_E_INVALID_CLIENT;
    }
    out->client_id = id;
    out->client = cl;
    return IDP_OK;
}

/* An audit row about client @p id's authentication (a registered client: its ids are bounded). */
static void audit(idp_oauth_t *o, idp_oauth_req_t *req, const char *event, const char *id, const char *method,
                  const char *desc)
{
    json_t *d = json_pack("{s:s, s:s, s:s, s:s}", "client_id", id, "method", method ? method : "", "reason",
                          desc ? desc : "", "remote", req->remote_addr ? req->remote_addr : "");
    char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
    idp_oauth_logged(idp_store_audit(o->store, event, NULL, text ? text : "{}"), "audit");
    free(text);
    json_decref(d);
}

idp_err_t idp_client_authenticate(idp_oauth_t *o, idp_oauth_req_t *req, idp_client_auth_t *out, const char **desc)
{
    idp_err_t e = authenticate(o, req, out, desc);
    if (e != IDP_E_INVALID_CLIENT || out->client_id == NULL || o->auth_guard == NULL)
        return e;
    /* Counted per client for /metrics; audited for registered clients (at most the back-off's allowance a
     * minute per address), and repeated failures from one address start a back-off. */
    bool started = idp_auth_guard_failed(o->auth_guard, out->client_id, out->known, req->remote_addr, req->now_ms);
    idp_log_t l;
    idp_log_begin(&l, IDP_LOG_WARN, started ? "client_auth_backoff" : "client_auth_failed");
    idp_log_str(&l, "client_id", out->known ? out->client_id : "(unknown)");
    idp_log_str(&l, "reason", *desc);
    idp_log_str(&l, "remote", req->remote_addr ? req->remote_addr : "");
    idp_log_end(&l);
    if (out->known)
        audit(o, req, started ? "client_auth_backoff" : "client_auth_failed", out->client_id, out->method, *desc);
    return e;
}

void idp_client_auth_release(idp_client_auth_t *a)
{
    idp_client_unref(a->client);
    a->client = NULL;
}

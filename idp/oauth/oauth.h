/**
 * The protocol core's view of a request and a response. It knows no HTTP
 * server and no database: the HTTP layer fills idp_oauth_req_t from the wire,
 * the core answers through idp_oauth_resp_t, and storage goes through
 * store/store.h.
 */
#ifndef IDP_OAUTH_OAUTH_H
#define IDP_OAUTH_OAUTH_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/params.h"
#include "core/ratelimit.h"
#include "federation/federation.h"
#include "jose/kek.h"
#include "jose/keystore.h"
#include "jpki/jpki.h"
#include "net/http_client.h"
#include "oauth/endpoints.h"
#include "oauth/outcome.h"
#include "store/store.h"

/** Everything the endpoints share; read-only after idp_oauth_new. */
typedef struct {
    const idp_config_t *cfg;
    idp_store_t *store;
    idp_keystore_t *keys;
    idp_jpki_trust_t *jpki;              /* card login; NULL when not configured */
    idp_ratelimit_t *card_limit;         /* card requests per client address */
    unsigned char subject_key[32];       /* HMAC key for subject identifiers (derived from the KEK) */
    unsigned char dpop_nonce_key[32];    /* HMAC key for DPoP nonces (derived from the KEK: every node's agree) */
    const idp_kek_t *kek;                /* opens upstream client secrets (social login) */
    idp_fed_t *fed;                      /* the upstream relying party; NULL: no social login */
    const idp_net_t *net;                /* outbound HTTP (jwks_uri, back-channel logout); NULL: libcurl */
    struct idp_client_jwks *client_jwks; /* keys fetched from clients' jwks_uri (client_auth.c) */
    struct idp_clients *clients;         /* registered clients kept on this node (clients.c) */
    bool watching_clients;               /* the store's watch feeds it (idp_oauth_watch_clients) */
    struct idp_auth_guard *auth_guard;   /* failed client authentications: counters, back-off (auth_guard.c) */
    idp_ratelimit_t *login_limit;        /* new login transactions per client address */
    idp_ratelimit_t *card_breaker;       /* card verifications per second on this node (one key) */
    char *discovery;                     /* cached OpenID Provider Metadata */
    size_t discovery_len;
} idp_oauth_t;

/* The cookie of the pages' language switch (GET /lang): "ja" or "en". */
#define IDP_LANG_COOKIE "sakaid_lang"

typedef struct {
    idp_arena_t *arena;
    const idp_params_t *form;  /* decoded body (or query for GET) */
    const char *authorization; /* the Authorization header, or NULL */
    const char *dpop;          /* the DPoP header (RFC 9449 §4.1), or NULL */
    bool dpop_repeated;        /* more than one DPoP header: refused (§4.3 item 1) */
    const char *dpop_jkt; /* set by the core once the DPoP proof is verified (oauth/dpop.c): its key's thumbprint */
    const char *body;     /* a JSON body, for the JSON endpoints */
    size_t body_len;
    const char *remote_addr; /* the client address, for rate limits */
    const char *lang;        /* "ja" or "en": the resident's choice (lang_chosen), else from Accept-Language */
    bool lang_chosen;        /* the resident picked lang with the pages' language switch (it beats ui_locales) */
    const char *referer;     /* the Referer header, or NULL (the language switch's way back) */
    const char *cookie;      /* the Cookie header, or NULL */
    bool loopback;           /* the client address is 127.0.0.0/8 or ::1 */
    bool post;               /* the request method is POST (decisions are taken on POST only) */
    const char *method;      /* the request method: GET, HEAD, POST, PUT or DELETE */
    const char *path;        /* the request's path, without the query (a DPoP proof's htu is the issuer and it) */
    const char *path_param;  /* the {id} segment of a row whose path ends in it (endpoints.h), or NULL */
    long long now;           /* unix seconds */
    long long now_ms;        /* monotonic milliseconds */
} idp_oauth_req_t;

typedef struct {
    int status;
    const char *body; /* JSON, in the request arena (or static) */
    size_t body_len;
    const char *www_authenticate; /* set on 401 (RFC 6749 §5.2, RFC 6750 §3) */
    const char *dpop_nonce;       /* the DPoP-Nonce header: a fresh server nonce (RFC 9449 §8) */
    const char *content_type;     /* NULL: application/json */
    const char *csp;              /* Content-Security-Policy of an HTML page (NULL: none may load anything) */
    const char *location;         /* with a 303 */
    const char *set_cookie[2];    /* Set-Cookie values */
} idp_oauth_resp_t;

/**
 * What the protocol core is given rather than builds (issue #16 §1): its
 * storage, keys and the parties it talks to. All borrowed: each must
 * outlive the core, and idp_oauth_free frees none of them. There is no
 * clock to inject: each request carries its time (idp_oauth_req_t.now).
 */
typedef struct {
    idp_store_t *store;     /* storage (store/store.h): store/pg, or store/mem in tests */
    idp_keystore_t *keys;   /* signing keys; NULL only where nothing is signed (discovery) */
    const idp_kek_t *kek;   /* the subject key is derived from it, and it opens upstream client secrets;
                             * NULL: no subject key (tests), no social login */
    idp_jpki_trust_t *jpki; /* card login; NULL when not configured */
    idp_fed_t *fed;         /* the upstream relying party; NULL: no social login */
    const idp_net_t *net;   /* outbound HTTP (jwks_uri, back-channel logout); NULL: libcurl. Tests pass a fake
                             * transport here (net/http_client.h) */
} idp_oauth_deps_t;

/**
 * Builds the protocol core from @p cfg and @p deps: the discovery document,
 * the rate limits and caches it owns, and the subject key (derived from
 * deps->kek). *out is owned by the caller: idp_oauth_free. IDP_E_NOMEM.
 */
idp_err_t idp_oauth_new(const idp_config_t *cfg, const idp_oauth_deps_t *deps, idp_oauth_t **out);
/**
 * Frees what idp_oauth_new built (NULL is fine), stopping the store's watch
 * on clients first (idp_oauth_watch_clients); the dependencies stay the
 * caller's.
 */
void idp_oauth_free(idp_oauth_t *o);

/**
 * Keeps registered clients on this node from now on (oauth/clients.h),
 * fresh by the store's watch on their changes (idp_store_client_watch_start
 * with @p url: store/pg listens for NOTIFY sakaid_clients on its own
 * connection to it). Without this call every lookup reads the store.
 * IDP_E_CONFLICT when the store is watched already; IDP_E_NOMEM,
 * IDP_E_SERVER_ERROR (no thread).
 */
idp_err_t idp_oauth_watch_clients(idp_oauth_t *o, const char *url);

/** Client lookups answered from this node's cache (@p hits) and from the store (@p misses), for /metrics. */
void idp_oauth_client_stats(idp_oauth_t *o, unsigned long *hits, unsigned long *misses);

/*
 * Endpoints (issue #16 §2, §3). Every handler below returns an outcome
 * (oauth/outcome.h): success with the response it filled, or an error that
 * idp_oauth_respond shows by the endpoint's error surface. The HTTP layer
 * calls idp_oauth_handle with the row it matched (oauth/endpoints.def).
 */
typedef idp_outcome_t idp_endpoint_fn(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);

/** Runs endpoint @p id's handler and renders its outcome into @p resp (handle.c). */
void idp_oauth_handle(idp_oauth_t *o, idp_endpoint_id_t id, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** The handler of endpoint @p id (NULL for an id out of range). */
idp_endpoint_fn *idp_oauth_handler(idp_endpoint_id_t id);
/**
 * Shows outcome @p out of endpoint @p id (response.c): nothing for success;
 * an error as the row's surface says: JSON (RFC 6749 §5.2; 401 invalid_client
 * with a Basic challenge), JSON with a Bearer challenge (RFC 6750 §3), an
 * error page in the request's language, or a redirect to the validated
 * redirect URI the outcome carries (RFC 6749 §4.1.2.1, RFC 9207), a page
 * without one. Internal errors never carry a description; a reason is logged,
 * never sent.
 */
void idp_oauth_respond(idp_oauth_t *o, idp_endpoint_id_t id, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                       idp_outcome_t out);

/** GET /.well-known/openid-configuration and /.well-known/oauth-authorization-server. */
idp_outcome_t idp_oauth_discovery(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** GET /jwks: the published keys. */
idp_outcome_t idp_oauth_jwks(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** GET /healthz (the process answers) and /readyz (the database answers and keys are loaded). */
idp_outcome_t idp_oauth_healthz(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_oauth_readyz(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);

/** POST /register (RFC 7591 §3), with an initial access token. */
idp_outcome_t idp_oauth_register(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** GET, PUT, DELETE /register/{client_id} (RFC 7592 §2), with the client's registration access token. */
idp_outcome_t idp_oauth_register_client(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);

/* The admin API (admin_api.c; docs/admin.md "The admin API"). */
idp_outcome_t idp_admin_openapi(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_clients(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_client(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_client_approve(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_client_sandbox(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_client_suspend(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_client_resume(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_client_rotate_secret(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_client_statistics(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_residents(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_resident(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_resident_lock(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_resident_unlock(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_resident_end_sessions(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_iats(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_iat(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_keys(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_keys_rotate(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_key_schedules(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_key_schedule(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_upstreams(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_upstream(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_audit_events(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_audit_ledger(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_audit_verify(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_log(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);

/* The admin console (console.c; docs/admin.md "The console"). */
idp_outcome_t idp_console_clients(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_console_client(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_console_client_approve(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_console_client_rotate_secret(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_console_client_redirects(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_console_keys(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_console_keys_rotate(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_console_keys_schedule(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_console_residents(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_console_resident_action(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_console_upstreams(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_console_upstream(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_console_audit(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);

/* The partner portal (console.c). */
idp_outcome_t idp_partner_clients(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_partner_client(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_partner_client_request(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_partner_client_rotate_secret(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_partner_client_redirects(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_partner_register(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_partner_test_residents(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);

/** POST /token (RFC 6749 §3.2). */
idp_outcome_t idp_oauth_token(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_oauth_par(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);

/* My Number card login (jpki.md "Proposed exchange", docs/card.md). */
/** POST /login/card/challenge: JSON {login_tx, purpose?: "auth"|"both"}. */
idp_outcome_t idp_oauth_card_challenge(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** POST /login/card/verify: JSON {challenge_id, cert_type, certificate, signature[, sign_certificate, sign_signature]}. */
idp_outcome_t idp_oauth_card_verify(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** GET /login/card/status?challenge_id=... (form holds the query). */
idp_outcome_t idp_oauth_card_status(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/* Around the card app (app_site.c, issue #18 item 1). */
/** GET /login/card/app?challenge_id=...: the app's link, opened by a phone without the app: a page. */
idp_outcome_t idp_oauth_card_app_page(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** GET /help/card[?tx=...]: when it does not work. */
idp_outcome_t idp_oauth_help_card(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** GET /lang?to=ja|en: the pages' language switch. */
idp_outcome_t idp_oauth_lang(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** GET /.well-known/apple-app-site-association and /.well-known/assetlinks.json (app links). */
idp_outcome_t idp_oauth_apple_app_site(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_oauth_assetlinks(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/* The authorization code flow (OpenID Connect Core §3.1; docs/flow.md). */
/** GET or POST /authorize (§3.1.2.1): form holds the query or the form body. */
idp_outcome_t idp_oauth_authorize(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** GET /login?tx=...: the login page of a login transaction. */
idp_outcome_t idp_oauth_login_page(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** POST /login/continue (tx, csrf): the card signed; begin the session and go on. */
idp_outcome_t idp_oauth_login_continue(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** POST /login/card/test (tx, csrf, challenge_id, card): dev mode on loopback, signs with a test card. */
idp_outcome_t idp_oauth_login_test_card(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** POST /login/card/new (tx, csrf, answer=first|renewal|confirm|refuse): a card nobody holds signed in. */
idp_outcome_t idp_oauth_new_card(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** POST /login/sign/skip (tx, csrf): the resident declines the signing step. */
idp_outcome_t idp_oauth_sign_skip(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** POST /consent (tx, csrf, claims, decision=allow|deny). */
idp_outcome_t idp_oauth_consent(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/* Social login and the account page (product.md §7; docs/social.md). */
/** POST /login/social (tx, csrf, upstream): off to the upstream provider. */
idp_outcome_t idp_oauth_social_start(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** POST /login/card/app-link (tx, csrf, offer, answer=link|new): the answer to a card channel's link offer. */
idp_outcome_t idp_oauth_card_app_link(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** GET /login/card/app-sign (tx, challenge_id): an application signed through the Digital Agency's app. */
idp_outcome_t idp_oauth_card_app_sign(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** GET /login/social/callback: the upstream's answer. */
idp_outcome_t idp_oauth_social_callback(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** GET /account, GET /account/login[?add=card], POST /account/link, POST /account/unlink. */
idp_outcome_t idp_oauth_account(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_oauth_account_login(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_oauth_account_link(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_oauth_account_unlink(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** GET/POST /logout: RP-Initiated Logout 1.0 (end_session_endpoint). */
idp_outcome_t idp_oauth_logout(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/**
 * Delivers due Back-Channel Logout tokens (call every second or so, from a
 * thread of its own: each delivery may wait seconds on a relying party);
 * returns how many arrived. When *@p stop turns true (NULL: never) it ends
 * after the delivery in flight; the rows it leased and did not try are due
 * again when their lease ends, their attempts not counted.
 */
int idp_oauth_deliver_logouts(idp_oauth_t *o, const atomic_bool *stop);
/** POST /account/consent/revoke, /account/session/end, /account/household. */
idp_outcome_t idp_oauth_account_revoke(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_oauth_account_end_session(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_oauth_account_household(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** GET/POST /userinfo (§5.3), bearer token in the Authorization header (or the form: RFC 6750 §2.2). */
idp_outcome_t idp_oauth_userinfo(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** GET /application-signatures: the card's CMS signatures of the token's authorization (app_sign.c). */
idp_outcome_t idp_oauth_app_signatures(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/* outreach.c (issue #22, docs/outreach.md) */
idp_outcome_t idp_oauth_account_outreach(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_oauth_outreach_campaigns(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_oauth_outreach_members(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_outreach_categories(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_outreach_segments(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_outreach_segment(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_outreach_send(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_admin_outreach_campaigns(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_console_outreach(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_console_outreach_define(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
idp_outcome_t idp_console_outreach_send(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** POST /introspect (RFC 7662). */
idp_outcome_t idp_oauth_introspect(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/** POST /revoke (RFC 7009). */
idp_outcome_t idp_oauth_revoke(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);

/** Writes a JSON response with status @p status from a jansson object (stolen). */
void idp_oauth_json(idp_oauth_req_t *req, idp_oauth_resp_t *resp, int status, json_t *body);

#endif

/* Shared between the files of the protocol core; not part of its interface. */
#ifndef IDP_OAUTH_INTERNAL_H
#define IDP_OAUTH_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "core/buf.h"
#include "jose/dpop.h"
#include "jose/verify.h"
#include "client/client.h"
#include "federation/federation.h"
#include "jpki/jpki.h"
#include "oauth/authorize.h"
#include "oauth/oauth.h"
#include "oauth/rules.h"
#include "ui/pages.h"

#define ACR_CARD "urn:sakai-d:acr:card"
#define ACR_SOCIAL "urn:sakai-d:acr:social"
#define AMR_CARD "sc pin" /* RFC 8176: smart card, PIN (product.md §5) */

/*
 * NIST SP 800-63B §6.1: binding a new way to sign in (a card, a social
 * account) and removing one need a sign-in at most this old, with the
 * strongest way the resident has.
 */
#define IDP_FRESH_SECONDS 300
/* RFC 9126 §2.2: the request_uri of a pushed authorization request, and how long it lives */
#define IDP_PAR_URN "urn:ietf:params:oauth:request_uri:"
#define IDP_PAR_SECONDS 60

/* Pseudo-claims consented to like claims: the sign-in itself (the client learns a stable identifier,
 * scope openid), and offline access (OpenID Connect Core §11: the grant outlives the session). */
#define IDP_CLAIM_OPENID "openid"
#define IDP_CLAIM_OFFLINE "offline_access"

/**
 * A store write whose failure does not change the answer the request gets
 * (an audit row, a challenge's final status): when it fails it is logged
 * ("store_write_failed" with @p what and the error), never dropped silently
 * (issue #16 §1: writes are warn_unused_result). Returns @p e.
 */
idp_err_t idp_oauth_logged(idp_err_t e, const char *what);
/**
 * The bearer token of a request to a protected resource (UserInfo, the
 * client configuration endpoint): Authorization: Bearer, or access_token
 * in a form body (RFC 6750 §2). NULL with *out set when there is none
 * (RFC 6750 §3.1: a challenge that names no error) or two.
 */
const char *idp_bearer_token(idp_oauth_req_t *req, idp_outcome_t *out);
/**
 * The access token of a request to a protected resource (UserInfo, the admin
 * API), checked (signature, issuer, expiry, revocation, its client live) with
 * its binding: a DPoP-bound token only with "Authorization: DPoP" and a proof
 * of its key with ath (RFC 9449 §7), any other only as a bearer token (RFC
 * 6750 §2). Fills @p info.
 */
idp_outcome_t idp_resource_token(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                 idp_store_token_info_t *info);

/* ---- applications signed with the card (app_sign.c) ---- */
/**
 * A card challenge (purpose "app") for transaction @p tx to sign application @p app (rar.h), made at @p now: its id
 * and the link the consent page shows. The signing channel (app_sign.c's table) is the one the resident signed in
 * with in @p tx: our own app (the link's QR code), or the Digital Agency's app (*upstream: a link for this browser).
 */
idp_err_t idp_app_sign_challenge(idp_oauth_t *o, const idp_store_login_tx_t *tx, const json_t *app, long long now,
                                 char challenge_id[64], char **link, bool *upstream);
/** Whether application @p app was signed in login transaction @p login_tx (*yes). */
idp_err_t idp_app_signed(idp_oauth_t *o, const char *login_tx, const json_t *app, bool *yes);
/** POST /login/card/verify with cert_type app: challenge @p c of transaction @p tx, taken; the signing certificate and
 * its signature over the CMS attributes. Answers {"status": "signed"} or a refusal. */
idp_outcome_t idp_app_sign_verify(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                  const idp_store_card_challenge_t *c, const idp_store_login_tx_t *tx,
                                  const unsigned char *der, size_t der_len, const unsigned char *sig, size_t sig_len);

/* ---- what every signing channel shares (app_sign_accept.c) ---- */
/** The application @p tx's request asks to sign (rar.h), re-validated from its stored parameters; NULL if none. */
const json_t *idp_app_sign_application(idp_oauth_t *o, idp_oauth_req_t *req, const idp_store_login_tx_t *tx,
                                       idp_authz_req_t *ar, const idp_client_t **client);
/** The signing time kept in a challenge's nonce (its first 8 bytes: ours, never the client's). */
long long idp_app_sign_time(const unsigned char nonce[32]);
/**
 * What the card signs for @p app at @p at: the DER of the CMS signed attributes (*attrs, malloc'ed) and their
 * SHA-256 @p h, whose DigestInfo the card's key signs (RFC 5652 §5.4).
 */
idp_err_t idp_app_sign_tbs(const json_t *app, long long at, unsigned char **attrs, size_t *len, unsigned char h[32]);
/**
 * A channel's rule for "the resident's own card": *mine when signing certificate @p res may sign for @p tx's
 * resident. Store errors only.
 */
typedef idp_err_t (*idp_app_sign_owner_fn)(idp_oauth_t *o, const idp_store_login_tx_t *tx, const idp_jpki_result_t *res,
                                           bool *mine);
/**
 * The checks and the storage every channel shares, for taken challenge @p c of @p tx: the signing certificate
 * @p der verified as at enrolment (chain to the pinned signing roots, validity now, keyUsage nonRepudiation, the
 * signing policy, revocation) with its signature @p sig over the attributes the server rebuilt, @p owner's resident
 * match, then the detached CMS SignedData kept in application_signatures with its audit row (one store call). The
 * challenge is finished either way. A refusal is IDP_E_CARD_REJECTED with its reason (card.<reason>).
 */
idp_outcome_t idp_app_sign_accept(idp_oauth_t *o, idp_oauth_req_t *req, const idp_store_card_challenge_t *c,
                                  const idp_store_login_tx_t *tx, const unsigned char *der, size_t der_len,
                                  const unsigned char *sig, size_t sig_len, idp_app_sign_owner_fn owner,
                                  char row_id[48]);

/* ---- the Digital Agency's app as a signing channel (app_sign_upstream.c) ---- */
/** The card-channel upstream (into @p upstream_id) @p tx's resident signed in with, if that is how they did. */
idp_err_t idp_app_sign_upstream_of(idp_oauth_t *o, const idp_store_login_tx_t *tx, char upstream_id[40], bool *yes);
/**
 * The app channel's resident match (an idp_app_sign_owner_fn): a signing certificate enrolled with us must be
 * @p tx's resident's; one we never saw must carry exactly the resident's verified name, birth date, gender and
 * address. *mine false otherwise (and when the resident has no verified attributes).
 */
idp_err_t idp_app_sign_upstream_owner(idp_oauth_t *o, const idp_store_login_tx_t *tx, const idp_jpki_result_t *res,
                                      bool *mine);
/** The consent page's link for challenge @p challenge_id: GET /login/card/app-sign (this browser). */
idp_err_t idp_app_sign_upstream_link(idp_oauth_t *o, const idp_store_login_tx_t *tx, const char *challenge_id,
                                     char **link);
/** True when an upstream's state (GET /login/social/callback) is a signing leg's, not a sign-in's. */
bool idp_app_sign_upstream_leg(const char *state);
/** The upstream's answer to a signing leg (GET /login/social/callback with its sealed @p state). */
idp_outcome_t idp_app_sign_upstream_done(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                         const char *state);

/* ---- DPoP (RFC 9449; dpop.c) ---- */
#define IDP_DPOP_NONCE_KEY_LABEL "sakaid dpop nonces v1"
#define IDP_DPOP_NONCE_LEN 40 /* base64url of 24 bytes (32 characters) and a NUL, with room */
/** A fresh server nonce into resp->dpop_nonce (§8.2). */
void idp_dpop_offer_nonce(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp);
/**
 * The request's DPoP proof (with @p access_token at a
 * resource: its ath), every check of RFC 9449 §4.3: the proof (jose/dpop.c),
 * our nonce when tokens.dpop_require_nonce (§8), its jti's single use on
 * every node (§11.1). No DPoP header: success and proof->jkt "". A verified
 * proof sets req->dpop_jkt to proof->jkt. Failures: invalid_dpop_proof,
 * use_dpop_nonce (with resp->dpop_nonce set), or the store's.
 */
idp_outcome_t idp_dpop_check(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *access_token,
                             idp_dpop_proof_t *proof);
/**
 * Validates client metadata @p m into *meta (register.c): the field table
 * (client/client_meta.c), on an update the subject identifiers kept
 * (@p before, NULL for a new client), and the sector_identifier_uri fetched
 * and checked (OpenID Connect Core §8.1). An outcome whose description
 * begins with the field's name.
 */
idp_outcome_t idp_client_validate(idp_oauth_t *o, idp_oauth_req_t *req, json_t *m, json_t *before, json_t **meta);
/** Whether the scope word @p word (@p len bytes) is an admin role's ("admin:..."): only an administrator grants one. */
bool idp_admin_scope(const char *word, size_t len);
/** The same for ending something that may be gone already: IDP_E_NOT_FOUND is not a failure. */
idp_err_t idp_oauth_logged_end(idp_err_t e, const char *what);

#define COOKIE_SESSION "sakaid_session"
#define COOKIE_BROWSER "sakaid_login" /* binds login transactions to one browser */

/* Claims we release and the scope each belongs to (product.md §5); their labels are in ui/messages.c ("claim.<claim>"). */
typedef struct {
    const char *claim, *scope;
    bool verified;  /* from the signing certificate: released inside verified_claims, to card sessions only */
    bool city_only; /* partners never get it */
    bool pseudo;    /* not a claim but a permission (openid, offline_access): never asked for in "claims" */
    bool from_card; /* made of the attributes the signing certificate verified: none until it was read */
} idp_claim_def_t;
extern const idp_claim_def_t idp_claim_defs[];

/* ---- card.c ------------------------------------------------------------- */
/**
 * Creates a card challenge for login transaction @p tx; *link receives the
 * link the app opens (malloc'ed), @p challenge_id its id and @p nonce its base64url nonce. Errors:
 * IDP_E_CONFLICT (too many challenges for this login), store errors.
 */
idp_err_t idp_card_challenge_new(idp_oauth_t *o, const idp_store_login_tx_t *tx, const char *purpose,
                                 char challenge_id[64], char nonce[64], char **link);

/* ---- outreach.c ------------------------------------------------------------ */
/**
 * The categories @p resident_id opted in to (*bits); when any, their coarse attributes are derived again from
 * the verified record and the household form and stored (docs/outreach.md: kept current at each visit).
 */
idp_err_t idp_outreach_refresh(idp_oauth_t *o, const char *resident_id, unsigned *bits);

/* ---- subject.c ------------------------------------------------------------ */
/** The `sub` a client sees for a resident: pairwise per sector, or public for city clients (product.md §5). */
void idp_subject(const idp_oauth_t *o, const idp_client_t *client, const char *resident_id, char out[64]);
/** base64url(HMAC-SHA-256(subject key, @p label "\n" @p value)): subjects and session-bound CSRF tokens. */
void idp_keyed_token(const idp_oauth_t *o, const char *label, const char *value, char out[64]);

/** A page's language: the resident's own choice (the language switch), else @p ui_locales, else Accept-Language. */
static inline const char *idp_page_lang(const idp_oauth_req_t *req, const char *ui_locales)
{
    return req->lang_chosen ? req->lang : idp_rules_lang(ui_locales, req->lang);
}

/* ---- views.c: the pages the resident sees --------------------------------------
 * Each idp_page_* fills a view struct (ui/pages.h) from protocol state, has
 * idp/ui render it, and copies the page into @p resp (the arena). A page that
 * fails to render (a NULL where a text is required, too large, out of
 * memory) is a plain 500. */
typedef struct {
    const char *lang; /* "ja" or "en" */
    const char *client_name;
    const char *form_origin; /* the relying party's origin, allowed as a form target (CSP form-action) */
    idp_ui_links_t links;    /* where the pages point residents (idp_page_links) */
} idp_page_ctx_t;

/** Where the pages point residents: the configuration's app.* and ui.* links. */
idp_ui_links_t idp_page_links(const idp_oauth_t *o);
/** The card app's page (@p help false, /login/card/app) or "when it does not work" (/help/card), app_site.c;
 * @p back_url: the sign-in to go back to, or NULL. */
void idp_page_card_app(idp_oauth_req_t *req, idp_oauth_resp_t *resp, bool help, const char *lang, const char *back_url,
                       idp_ui_links_t links);
/** The offer of a card channel's new identity to the SakaI-D its attributes match (social.c). */
void idp_page_app_link(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *lang, const char *tx, const char *csrf,
                       const char *offer, const char *upstream_name);

/**
 * The error page of @p situation (ui/pages.h): @p description is shown as
 * what happened when it is a catalogue text (for the resident), else as a
 * detail beside the code; @p back_url (or NULL) is the service's site.
 */
/** Puts page @p page (rendered with outcome @p e; freed here) into @p resp: a 500 text when it failed. */
void idp_page_emit(idp_oauth_req_t *req, idp_oauth_resp_t *resp, idp_err_t e, idp_ui_page_t *page);
void idp_page_error(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *lang, int status, const char *error,
                    const char *description, idp_error_situation_t situation, const char *back_url);
/** The page for a storage failure: 503 temporarily_unavailable, else 500 server_error. */
void idp_page_store_error(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *lang, idp_err_t e);
/** A 303 See Other to @p location (in the arena or static). */
void idp_see_other(idp_oauth_resp_t *resp, const char *location);
void idp_page_form_post(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *action, json_t *fields);
/* idp_login_note_t: what the login page says about why the resident signs in (ui/pages.h). */
void idp_page_login(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_page_ctx_t *ctx, const char *tx,
                    const char *csrf, const char *challenge_id, const char *link, const char *const *test_cards,
                    const idp_store_upstream_t *upstreams, size_t nupstreams, idp_login_note_t note);
/* idp_new_card_stage_t: what the new-card page asks (a card nobody holds signed in; flow.c idp_oauth_new_card). */
void idp_page_new_card(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_page_ctx_t *ctx, const char *tx,
                       const char *csrf, idp_new_card_stage_t stage);

/**
 * The page for a change that needs a fresh sign-in first (adding or
 * removing a way to sign in): 403, with a button to sign in again; with
 * @p card the resident is asked to use their My Number card.
 */
void idp_page_reauth(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *lang, bool card);
/** Everything the account page shows (account.c fills it). */
typedef struct {
    const char *lang, *csrf, *notice, *current_sid;
    const idp_store_credential_t *creds;
    size_t ncreds;
    bool card_login; /* card sign-in is configured */
    const idp_store_upstream_t *upstreams;
    size_t nupstreams;
    const idp_store_resident_attrs_t *attrs; /* NULL: nothing verified */
    const idp_ui_household_t *household;     /* as stored, or as just entered (with its errors) */
    const idp_store_consent_t *consents;
    const idp_client_t *const *consent_clients; /* each consent's client (or NULL: gone or unreadable) */
    size_t nconsents;
    const idp_store_release_t *releases;
    const idp_client_t *const *release_clients; /* each release's client (or NULL: gone or unreadable) */
    size_t nreleases;
    const idp_store_session_t *sessions;
    size_t nsessions;
    const idp_store_app_signature_t *signatures; /* applications the resident signed with the card, newest first */
    const idp_client_t *const *signature_clients;
    size_t nsignatures;
    unsigned outreach; /* the outreach categories opted in to, as bits (issue #22) */
    const idp_store_outreach_inclusion_t *inclusions;
    size_t ninclusions;
} idp_account_view_t;
void idp_page_account(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_account_view_t *v);
/**
 * The consent page: @p claims (space-separated) are what the client will
 * receive; those of @p wanted that are not among them (card-verified
 * claims, to a session that is not a card session, or to a card session
 * whose signing certificate was not read: @p card_session) are listed as
 * not provided, with why. @p details (checked authorization_details, RFC
 * 9396; may be NULL) are shown one application each; the one the card is
 * to sign with @p sign_link (its challenge's link) or, once signed, @p signed_.
 */
void idp_page_consent(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_page_ctx_t *ctx,
                      const idp_client_t *client, const char *tx, const char *csrf, const char *claims,
                      const char *wanted, bool card_session, const json_t *details, const char *sign_link,
                      bool sign_upstream, bool signed_);

/* ---- response.c ------------------------------------------------------------------ */
/** JARM §4.1: a signed authorization response lives this long (seconds; JARM recommends at most 10 minutes). */
#define IDP_JARM_SECONDS 600
/** Where an authorization response goes and how (RFC 6749 §4.1.2): all validated by the caller. */
typedef struct {
    const char *redirect_uri, *state;
    const char *response_mode; /* query (NULL), form_post, or JARM's jwt, query.jwt, form_post.jwt */
    const char *client_id;     /* JARM: the response's aud */
    const char *alg;           /* JARM: the client's authorization_signed_response_alg (NULL: RS256) */
    const char *lang;          /* the language of a page if the response cannot be built (NULL: the request's) */
} idp_redirect_t;
/**
 * The authorization response (RFC 6749 §4.1.2, §4.1.2.1) with @p fields
 * (stolen), state and iss (RFC 9207 §2) always, to @p to's redirect URI by
 * query (303) or form_post; in a JARM response mode, all of them inside one
 * JWT signed with our active key of @p to->alg, sent as the parameter
 * "response" the same two ways. A page if it cannot be built.
 */
void idp_oauth_redirect(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_redirect_t *to,
                        json_t *fields);

/* ---- flow.c, for social.c ----------------------------------------------------- */
/** True if this browser began @p tx (its binding cookie). */
bool idp_flow_bound(idp_oauth_req_t *req, const idp_store_login_tx_t *tx);
/**
 * A signed-in transaction: takes its authentication (once: a second call,
 * or a replay, gets an error page), begins or renews the session, then goes
 * on with the authorization (or to /account).
 */
idp_outcome_t idp_flow_finish_login(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                    const idp_store_login_tx_t *tx);
/** True if @p tx must end with the card: adding the card, or a request that needs it (not a reauth). */
bool idp_flow_card_only(idp_oauth_t *o, const idp_store_login_tx_t *tx);

/* ---- upstream.c: upstream providers by kind ------------------------------------------ */
/** The kind of upstream that is a card channel: the Digital Agency's デジタル認証アプリ (docs/card.md). */
#define IDP_UPSTREAM_CARD_APP "digital-auth-app"
bool idp_upstream_is_card_channel(const idp_store_upstream_t *u);

/** An upstream registration with its secret opened (idp_upstream_close wipes it). */
typedef struct {
    idp_store_upstream_t row;
    char *secret;
    idp_jose_key_t *key; /* a card channel's private_key_jwt key (the sealed value is its DER) */
    idp_fed_upstream_t fed;
} idp_upstream_conn_t;

/** Opens enabled upstream @p id (IDP_E_NOT_FOUND: none, disabled, or no federation here). */
idp_err_t idp_upstream_open(idp_oauth_t *o, const char *id, idp_upstream_conn_t *u);
void idp_upstream_close(idp_upstream_conn_t *u);
/** Our redirect URI at every upstream (request arena): ISSUER/login/social/callback. */
char *idp_upstream_callback_uri(idp_oauth_t *o, idp_oauth_req_t *req);
/** Keeps only the card channels of @p ups (the others are cleared), in order; returns how many. */
size_t idp_upstreams_card_channels(idp_store_upstream_t *ups, size_t n);
/** True when the space-separated @p scopes ask for one of the four basic attributes (name, address, ...). */
bool idp_upstream_wants_attrs(const char *scopes);

/**
 * OpenID Connect Core §5.1 birthdate (YYYY-MM-DD, into @p out) from what a
 * card channel sent: that form, YYYYMMDD, or the certificate's own
 * EYYYYMMDD (idp_rules_birthdate). False unless it is a real date in one of them.
 */
bool idp_upstream_birthdate(const char *v, char out[11]);
/** Core §5.1 gender (*out "male", "female", or NULL) from those words or the certificate's code; false otherwise. */
bool idp_upstream_gender(const char *v, const char **out);

/** A card channel's four basic attributes, decoded. Strings point into the claims and @p birth. */
typedef struct {
    bool have; /* name, birth date and address all came */
    char birth[11];
    idp_store_attrs_t a;
} idp_upstream_attrs_t;

/**
 * Decodes UserInfo @p claims of upstream @p upstream_id: IDP_OK (x->have
 * false when they were not all returned), or IDP_E_INVALID_GRANT when a
 * birth date or gender came that does not decode. *x points into @p claims.
 */
idp_err_t idp_upstream_attrs_decode(const char *upstream_id, json_t *claims, idp_upstream_attrs_t *x);
/** True when @p have (a resident's verified attributes) carries the same name, birth date, gender and address. */
bool idp_upstream_attrs_same(const idp_store_resident_attrs_t *have, const idp_upstream_attrs_t *x);

/* ---- account.c ------------------------------------------------------------------ */
/** This browser's live session (by its cookie), or false; @p hash (may be NULL) receives the cookie's SHA-256. */
bool idp_browser_session(idp_oauth_t *o, idp_oauth_req_t *req, idp_store_session_t *s, unsigned char *hash);
/** The SHA-256 of this browser's session cookie into @p hash; false if it sends none (or one too long to be ours). */
bool idp_session_cookie_hash(idp_oauth_req_t *req, unsigned char hash[32]);
/** The account forms' CSRF token (bound to the session) and its check. */
void idp_account_csrf(idp_oauth_t *o, const idp_store_session_t *s, char out[64]);
bool idp_account_csrf_ok(idp_oauth_t *o, idp_oauth_req_t *req, const idp_store_session_t *s);
/**
 * May session @p s bind a new way to sign in to its resident now (NIST SP
 * 800-63B §6.1)? *ok when it signed in at most IDP_FRESH_SECONDS ago with
 * the strongest way the resident has: the card, when they hold one
 * (*card_needed says so). Store errors only.
 */
idp_err_t idp_binding_allowed(idp_oauth_t *o, const idp_store_session_t *s, long long now, bool *ok, bool *card_needed);
/**
 * idp_binding_allowed for a request: true if allowed; otherwise false, with
 * the sign-in-again page in @p resp (*@p out success) or a store error in *@p out.
 */
bool idp_binding_check(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_store_session_t *s,
                       idp_outcome_t *out);
/**
 * The key a session keeps of the way it was signed in, so that removing that
 * way ends it: base64url(SHA-256(@p kind "\n" @p a "\n" @p b)), 43 characters,
 * for "card" (issuer key id, serial of the authentication certificate) or
 * "social" (issuer, subject). False when out of memory.
 */
bool idp_credential_key(const char *kind, const char *a, const char *b, char out[48]);

/* ---- logout.c ----------------------------------------------------------------- */
/**
 * After a session ended: ends the login transactions begun in it, queues
 * back-channel logout tokens for every client of it, and audits the logout.
 */
void idp_logout_session(idp_oauth_t *o, const char *resident_id, const char *sid);
/** Queues a back-channel logout token (sub only) for one client of a resident (consent revoked). */
void idp_logout_client(idp_oauth_t *o, const char *client_id, const char *resident_id);
/** The logout page: a confirmation form with @p fields (hidden inputs), or "signed out" when NULL. */
void idp_page_logout(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *lang, json_t *fields);

/* ---- released claims (resource.c), for UserInfo and the ID token --------------- */
/**
 * Adds the resident's claims named in @p list (space-separated) to @p out:
 * verified_claims with its evidence (only when the grant's @p acr is the
 * card: a social sign-in never carries card-verified attributes),
 * sakai_resident and sakai_ward; the names added go, space-separated, into
 * @p released (the release history).
 */
void idp_claims_add(json_t *out, const idp_store_resident_attrs_t *a, const char *list, const char *acr, char *released,
                    size_t size);

/* ---- token issuance (token.c), used by resource.c -------------------------- */
/** The verification keys for our own tokens (a snapshot of the keyset's JWKS). */
/** Verifies a JWS with our own published keys (parsed once per key refresh): idp_jws_verify's contract. */
idp_err_t idp_own_verify(idp_oauth_t *o, const char *token, json_t **header, json_t **payload);
/** Serialises @p claims (taken; NULL is IDP_E_NOMEM) once and signs them with our active key of @p alg (typ: may be
 * NULL); *out is malloc'ed. IDP_E_SERVER_ERROR (logged) when there is no such key. */
idp_err_t idp_own_sign(idp_oauth_t *o, const char *alg, const char *typ, json_t *claims, char **out);

/** Back-channel logout's lines of /metrics (logout.c): deliveries by outcome, the backlog. */
void idp_oauth_logout_metrics(idp_buf_t *out);

#endif

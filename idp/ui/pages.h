/*
 * The pages a resident sees (issue #16 §5, "presentation at the edges"):
 * login, new card, sign in again, consent, account, logout, errors, and the
 * form_post response. Each is rendered from a view struct of plain data
 * (strings, arrays with counts, flags) that the protocol core fills
 * (oauth/views.c); the pages decide nothing about the protocol, and the
 * protocol writes no HTML. Every text comes from the message catalogue
 * (ui/messages.h); everything else that reaches the page is HTML-escaped.
 *
 * Japanese by default, English for lang "en..."; mobile-first; no external
 * assets: the style and the script are inline under a per-page CSP nonce,
 * and the QR code is an inline SVG (ui/qr.h).
 */
#ifndef IDP_UI_PAGES_H
#define IDP_UI_PAGES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/** A rendered page. Owned by the caller: idp_ui_page_free. */
typedef struct {
    int status; /* the HTTP status */
    char *body; /* malloc'ed, NUL-terminated HTML (text/html; charset=utf-8) */
    size_t body_len;
    char *csp; /* malloc'ed value of the Content-Security-Policy header, naming the page's nonce */
} idp_ui_page_t;

/** Frees what @p p holds and zeroes it; NULL and a zeroed page are fine. */
void idp_ui_page_free(idp_ui_page_t *p);

/** A hidden form field. */
typedef struct {
    const char *name, *value;
} idp_ui_field_t;

/** An upstream sign-in provider, as the pages name it. */
typedef struct {
    const char *id; /* the form value that selects it */
    const char *display_name;
    const char *issuer; /* its origin is allowed as a form target (CSP form-action: it answers with redirects) */
    bool card_channel;  /* the Digital Agency's app: a way to use the card, shown with the card, not as "other" */
} idp_ui_upstream_t;

/**
 * Where the pages point residents (configuration "app.*" and "ui.*",
 * docs/ui.md): each is an https URL (or, for @p help_url, a path of ours),
 * or NULL when the deployment has none.
 */
typedef struct {
    const char *ios_store_url, *android_store_url; /* the SakaI-D app's store pages */
    const char *help_url;                          /* "when it does not work" */
    const char *digital_auth_app_url;              /* the Digital Agency's page about its app */
} idp_ui_links_t;

/**
 * What every page's header and footer show (issue #18 item 8), set once at
 * start (idp_ui_site_set) before any page is rendered: each link is an
 * https URL or a path of ours, or NULL (not shown).
 */
typedef struct {
    const char *help_url, *contact_url, *privacy_url, *terms_url;
} idp_ui_site_t;

/** Sets the header's and footer's links for every page from now on (copied; NULL: none). Not thread-safe: at start. */
idp_err_t idp_ui_site_set(const idp_ui_site_t *site);

/*
 * Contract of every idp_ui_render_*: on IDP_OK, *out holds the page; on an
 * error (a NULL where a string is required, a page past its size limit, out
 * of memory, no randomness for the nonce) *out is zeroed and nothing is
 * half-rendered: the caller answers with a plain 500. Strings are UTF-8;
 * optional ones are marked "or NULL".
 */

/** The situation an error page is about: its title, what to do, and its one button. */
typedef enum {
    IDP_ERROR_SIGN_IN,     /* a sign-in cannot go on: back to the service (or the account page) */
    IDP_ERROR_ACCOUNT,     /* a change on the account page failed: back to it */
    IDP_ERROR_HOUSEHOLD,   /* the household form was not saved: back to it */
    IDP_ERROR_LOGOUT,      /* a sign-out request was refused */
    IDP_ERROR_UNAVAILABLE, /* we cannot serve now (503, 500): wait and try again */
    IDP_ERROR_CONSOLE,     /* the admin console refused an action: back to it */
    IDP_ERROR_PARTNER,     /* the partner portal refused an action: back to it */
} idp_error_situation_t;

/**
 * The error page (issue #18 item 5): a plain title and what to do for the
 * situation, what happened when @p description was written for the
 * resident (@p for_resident), one button (@p back_url: the service, or by
 * situation the account page), and at the bottom the error code (and a
 * technical @p description) for the help desk.
 */
typedef struct {
    const char *lang;
    int status;
    const char *error;       /* the protocol's error code */
    const char *description; /* or NULL */
    bool for_resident;       /* description is a text of the catalogue, in the page's language */
    idp_error_situation_t situation;
    const char *back_url; /* IDP_ERROR_SIGN_IN, IDP_ERROR_UNAVAILABLE: the service's site, or NULL */
} idp_ui_error_view_t;
idp_err_t idp_ui_render_error(const idp_ui_error_view_t *v, idp_ui_page_t *out);

/** Sign in again (403): a change that needs a fresh sign-in; @p card: with the My Number card. */
typedef struct {
    const char *lang;
    bool card;
} idp_ui_reauth_view_t;
idp_err_t idp_ui_render_reauth(const idp_ui_reauth_view_t *v, idp_ui_page_t *out);

/** OAuth 2.0 Form Post Response Mode §2: an auto-submitting form of hidden fields to @p action. */
typedef struct {
    const char *lang;
    const char *action; /* the redirect URI; its origin is allowed as a form target */
    const idp_ui_field_t *fields;
    size_t nfields;
} idp_ui_form_post_view_t;
idp_err_t idp_ui_render_form_post(const idp_ui_form_post_view_t *v, idp_ui_page_t *out);

/** What the login page says about why the resident signs in. */
typedef enum {
    IDP_LOGIN_PLAIN,
    IDP_LOGIN_ADDING_CARD, /* the card will be added to the SakaI-D signed in */
    IDP_LOGIN_REAUTH,      /* sign in again first, then the card is added */
    IDP_LOGIN_SIGN_STEP,   /* the card's two keys: the signing certificate is read (the resident may skip it) */
    IDP_LOGIN_RENEWAL,     /* the same, to find the SakaI-D of an earlier card */
} idp_login_note_t;

typedef struct {
    const char *lang;
    const char *client_name;
    const char *tx, *csrf;    /* the login transaction and its form token */
    const char *challenge_id; /* base64url characters only (it goes into the page's script); or NULL without link */
    const char *link;         /* the link the app opens (also as a QR code); NULL: card sign-in is unavailable */
    const char *const *test_cards; /* NULL-terminated names of test cards (dev mode), or NULL */
    const idp_ui_upstream_t *upstreams;
    size_t nupstreams;
    idp_login_note_t note;
    const char *rp_origin; /* the relying party's origin, allowed as a form target; or NULL */
    idp_ui_links_t links;
} idp_ui_login_view_t;
idp_err_t idp_ui_render_login(const idp_ui_login_view_t *v, idp_ui_page_t *out);

/** The pages around the card app: where to go back to (the sign-in, or NULL when none is live) and the links. */
typedef struct {
    const char *lang;
    const char *back_url;
    idp_ui_links_t links;
} idp_ui_app_page_view_t;

/**
 * The page behind the app's link (/login/card/app) that a phone opens in its
 * browser when the SakaI-D app is not installed: the app is needed, where to
 * get it, and the way back to the sign-in.
 */
idp_err_t idp_ui_render_card_app(const idp_ui_app_page_view_t *v, idp_ui_page_t *out);
/** "When it does not work" (/help/card): the card sign-in's common troubles. */
idp_err_t idp_ui_render_help(const idp_ui_app_page_view_t *v, idp_ui_page_t *out);

/**
 * The offer of a card channel's new identity to the SakaI-D whose
 * card-verified attributes it carries (POST /login/card/app-link with
 * @p offer and answer link or new).
 */
typedef struct {
    const char *lang;
    const char *tx, *csrf, *offer;
    const char *upstream_name; /* the channel, as the login page names it */
} idp_ui_app_link_view_t;
idp_err_t idp_ui_render_app_link(const idp_ui_app_link_view_t *v, idp_ui_page_t *out);

/** What the new-card page asks (a card nobody holds signed in). */
typedef enum {
    IDP_NEW_CARD_ASK,      /* first time, or an earlier card? */
    IDP_NEW_CARD_CONFIRM,  /* its signing certificate matched a SakaI-D: link the card to it? */
    IDP_NEW_CARD_NO_MATCH, /* it matched none: go on with a new SakaI-D */
} idp_new_card_stage_t;

typedef struct {
    const char *lang;
    const char *tx, *csrf;
    idp_new_card_stage_t stage;
} idp_ui_new_card_view_t;
idp_err_t idp_ui_render_new_card(const idp_ui_new_card_view_t *v, idp_ui_page_t *out);

/** A claim on the consent page, labelled from the catalogue by its name. */
typedef struct {
    const char *claim;
    bool verified; /* verified with the My Number card: said so */
} idp_ui_claim_t;

/** One application a consent is for (RFC 9396 authorization_details of type sakai_application). */
typedef struct {
    const char *procedure_name, *procedure_code, *identifier;
    const char *const *reads; /* claim names it reads for the application, labelled from the catalogue */
    size_t nreads;
    const char *digest;    /* the base64url SHA-256 of the form the resident will sign, or NULL */
    const char *sign_link; /* with digest: the card challenge's link (its QR code) while unsigned, else NULL */
    bool signed_;          /* with digest: signed with the card in this sign-in */
    /* with sign_link: it leads this browser to the Digital Agency's app (a card channel upstream), no QR code */
    bool sign_upstream;
} idp_ui_application_t;

typedef struct {
    const char *lang;
    const char *client_name;
    const char *logo_uri; /* or NULL; shown only when it is an http(s) URL (its origin goes to img-src) */
    const char *purpose_ja, *purpose_en; /* or NULL: the one of the page's language is shown */
    const char *policy_uri;              /* or NULL */
    const char *tx, *csrf;
    const char *claims;             /* the form's claims field (space-separated) */
    const idp_ui_claim_t *released; /* what the client receives */
    size_t nreleased;
    const char *const *withheld; /* asked for, and not provided (card-verified, to a non-card session) */
    size_t nwithheld;
    const char *rp_origin; /* allowed as a form target; or NULL */
    bool public_subject;   /* a city client: its identifier is the one all city services share */
    bool card_session;     /* signed in with the card: what is withheld waits for the signing certificate */
    const idp_ui_application_t *applications; /* what the request is for, one application each (may be none) */
    size_t napplications;
} idp_ui_consent_view_t;
idp_err_t idp_ui_render_consent(const idp_ui_consent_view_t *v, idp_ui_page_t *out);

/** A way to sign in, on the account page. */
typedef struct {
    bool card;                    /* a My Number card; else a social account */
    const char *name;             /* social: the provider's name */
    long long expires_at;         /* card: the certificate's notAfter (shown as a local date) */
    bool expired;                 /* card: past expires_at */
    bool removable;               /* offer to remove it (never the last one) */
    const char *issuer, *subject; /* the removal form's fields */
} idp_ui_credential_t;

/** A verified attribute: the label of @p claim, then @p value. */
typedef struct {
    const char *claim, *value;
} idp_ui_attr_t;

/** A service the resident shares information with. */
typedef struct {
    const char *client_id;
    const char *client_name;             /* or NULL: the client id is shown */
    const char *purpose_ja, *purpose_en; /* or NULL */
    const char *const *claims;           /* each gets a "stop sharing" button */
    size_t nclaims;
    bool public_subject; /* a city client (its identifier is shared by city services) */
} idp_ui_consent_row_t;

/** A release of claims (the history). */
typedef struct {
    long long at;
    const char *client_id;
    const char *client_name; /* or NULL (the client is gone): the client id is shown */
    const char *const *claims;
    size_t nclaims;
    bool public_subject; /* a city client */
} idp_ui_release_t;

typedef struct {
    const char *sid;
    long long auth_time;
    bool card;    /* signed in with the card; else another account */
    bool current; /* this browser's session */
} idp_ui_session_t;

/** What is wrong with a household field (the page says it in words). */
typedef enum {
    IDP_UI_HH_OK,
    IDP_UI_HH_TOO_LONG, /* more than IDP_UI_HH_TEXT_MAX characters */
    IDP_UI_HH_BAD_CHAR, /* a control character, or not UTF-8 */
    IDP_UI_HH_YEAR,     /* the year is missing or not four digits from 1900 */
    IDP_UI_HH_MONTH,    /* the month is missing or not 1 to 12 */
    IDP_UI_HH_FUTURE,   /* the year and month have not come yet */
} idp_ui_hh_error_t;

#define IDP_UI_HH_TEXT_MAX 80 /* characters of a school district or an area */
#define IDP_UI_CHILDREN_MAX 10

/** One child's row: the year and month of birth as entered (kept when the form is refused). */
typedef struct {
    char year[8], month[8];
    idp_ui_hh_error_t year_error, month_error;
} idp_ui_child_t;

/**
 * The household form (issue #18 item 7): the stored values, or the values
 * just entered with each field's error; refused: the page shows the errors
 * and answers 400, nothing saved.
 */
typedef struct {
    const char *school_district, *area;
    idp_ui_hh_error_t district_error, area_error;
    idp_ui_child_t children[IDP_UI_CHILDREN_MAX];
    size_t nchildren;
    size_t focus_child; /* 1-based: the row just added (its year field takes the focus); 0: none */
    bool refused;
} idp_ui_household_t;

/** An application signed with the card, on the account page: when, for which service, which procedure. */
typedef struct {
    long long at;
    const char *client_name; /* or NULL: its id */
    const char *client_id, *procedure_name, *application_id, *digest;
} idp_ui_signature_t;

/** An outreach category on the account page (issue #22): its id (the catalogue's outreach.<id>.*), the attributes
 * it uses (space-separated: age, gender, ward, resident, school_district, child_age) and whether it is on. */
typedef struct {
    const char *id, *attributes;
    bool on;
} idp_ui_outreach_category_t;

/** A campaign that included the resident: when, which category, which attributes matched, passed on when (0: not yet). */
typedef struct {
    const char *category, *attributes;
    long long at, released_at;
} idp_ui_outreach_inclusion_t;

typedef struct {
    const char *lang, *csrf;
    const char *notice; /* or NULL */
    const idp_ui_credential_t *creds;
    size_t ncreds;
    bool card_addable; /* card sign-in is on and the resident has no card: how to add one (/account/login?add=card) */
    const idp_ui_upstream_t *upstreams; /* providers that can be added */
    size_t nupstreams;
    bool verified; /* false: nothing verified yet */
    long long verified_at;
    const idp_ui_attr_t *attrs;
    size_t nattrs;
    const idp_ui_household_t *household; /* self-asserted */
    const idp_ui_consent_row_t *consents;
    size_t nconsents;
    const idp_ui_release_t *releases;
    size_t nreleases;
    const idp_ui_session_t *sessions;
    size_t nsessions;
    const idp_ui_signature_t *signatures; /* applications signed with the card (issue #21) */
    size_t nsignatures;
    const idp_ui_outreach_category_t *outreach; /* the categories the city publishes (issue #22) */
    size_t noutreach;
    const idp_ui_outreach_inclusion_t *inclusions; /* campaigns that included the resident, newest first */
    size_t ninclusions;
} idp_ui_account_view_t;
idp_err_t idp_ui_render_account(const idp_ui_account_view_t *v, idp_ui_page_t *out);

/** The logout page: a confirmation form with @p fields, or, without @p confirm, "signed out". */
typedef struct {
    const char *lang;
    bool confirm;
    const idp_ui_field_t *fields;
    size_t nfields;
    const char *redirect_uri; /* where the confirmation may lead (post_logout_redirect_uri), or NULL */
} idp_ui_logout_view_t;
idp_err_t idp_ui_render_logout(const idp_ui_logout_view_t *v, idp_ui_page_t *out);

/* ---- the admin console (docs/admin.md, "The console") ------------------------------------- */

/** One client in a list: its id, name and organisation (may be ""), and its state. */
typedef struct {
    const char *id, *name, *organisation;
    bool sandbox, suspended;
} idp_ui_admin_client_t;

/** What every console page shows: its language, the CSRF token of its forms, the roles held, a status text. */
typedef struct {
    const char *lang;
    const char *csrf;
    const char *roles;  /* the resident's roles, space-separated */
    const char *notice; /* a status message from the catalogue (role=status), or NULL */
    const char *alert;  /* an error message from the catalogue (role=alert), or NULL */
    const char *detail; /* the alert's detail as the validator wrote it (English, names the field), or NULL */
} idp_ui_admin_common_t;

typedef struct {
    idp_ui_admin_common_t c;
    const idp_ui_admin_client_t *clients;
    size_t n;
    bool partner; /* the partner portal: its organisations' clients only */
} idp_ui_admin_clients_view_t;

/** One day of a client's statistics, each count as shown ("12" or "<10"). */
typedef struct {
    const char *day, *sign_ins, *consents, *refusals, *withdrawals, *step_ups;
} idp_ui_stat_day_t;

typedef struct {
    idp_ui_admin_common_t c;
    idp_ui_admin_client_t client;
    bool partner;                  /* the partner portal's page: its own heading, no approval, the request for it */
    bool requested;                /* the partner asked for approval */
    const idp_ui_stat_day_t *days; /* statistics, or NULL */
    size_t ndays;
    const char *tier;
    const char *const *redirect_uris; /* NULL-terminated */
    bool uses_secret;
    const char *new_secret;     /* just issued: shown this once, or NULL */
    const char *redirects_text; /* the redirect URIs' form after a refusal, as sent; NULL: the stored URIs */
    bool may_edit;              /* the redirect URIs' form is shown */
} idp_ui_admin_client_view_t;

/** The partner portal's registration form; after a refusal, the fields as sent. */
typedef struct {
    idp_ui_admin_common_t c;
    const char *const *orgs; /* the organisations the member acts for (NULL-terminated) */
    const char *org, *name, *redirects;
    bool public_client;
} idp_ui_partner_register_view_t;

/** A person on the test-residents page: a member of the organisation, a test resident, or both. */
typedef struct {
    const char *id;
    bool member, test, you;
} idp_ui_partner_person_t;

typedef struct {
    idp_ui_admin_common_t c;
    const char *org;         /* the organisation shown */
    const char *const *orgs; /* all the member acts for, to switch (NULL-terminated) */
    const idp_ui_partner_person_t *people;
    size_t n;
} idp_ui_partner_tests_view_t;

idp_err_t idp_ui_render_partner_register(const idp_ui_partner_register_view_t *v, idp_ui_page_t *out);
idp_err_t idp_ui_render_partner_tests(const idp_ui_partner_tests_view_t *v, idp_ui_page_t *out);

typedef struct {
    const char *kid, *alg, *state;
    long long created_at;
} idp_ui_admin_key_t;

/** A rotation set for a time: every so many days, the next one at a time. */
typedef struct {
    const char *alg, *set_by;
    long long every_days, next_at;
} idp_ui_admin_schedule_t;

typedef struct {
    idp_ui_admin_common_t c;
    const idp_ui_admin_key_t *keys;
    size_t n;
    bool may_rotate;
    const idp_ui_admin_schedule_t *schedules;
    size_t nschedules;
} idp_ui_admin_keys_view_t;

typedef struct {
    bool ok;
    long long rows, bad_row;
    const char *problem;
} idp_ui_admin_chain_t;

/** One audit event as the console lists it. */
typedef struct {
    long long at;
    const char *event, *resident, *detail; /* detail: JSON text */
} idp_ui_admin_event_t;

typedef struct {
    idp_ui_admin_common_t c;
    idp_ui_admin_chain_t ledger, log;
    const char *event, *resident; /* the search as given, or NULL */
    const idp_ui_admin_event_t *events;
    size_t n;
} idp_ui_admin_audit_view_t;

/** One resident the help desk found: its id, whether it is locked, and counts. */
typedef struct {
    const char *id;
    bool locked;
    int ways, sessions;
} idp_ui_admin_resident_t;

typedef struct {
    idp_ui_admin_common_t c;
    const char *client_id, *sub; /* the query as given, or NULL */
    bool searched;               /* a lookup was made: its result follows (none: "not found") */
    const idp_ui_admin_resident_t *residents;
    size_t n;
} idp_ui_admin_residents_view_t;

idp_err_t idp_ui_render_admin_residents(const idp_ui_admin_residents_view_t *v, idp_ui_page_t *out);

/** One upstream provider as the console lists it. */
typedef struct {
    const char *id, *kind, *name, *issuer;
    bool enabled;
} idp_ui_admin_upstream_t;

typedef struct {
    idp_ui_admin_common_t c;
    const idp_ui_admin_upstream_t *upstreams;
    size_t n;
    bool may_change; /* a client operator: the enable and disable buttons */
} idp_ui_admin_upstreams_view_t;

idp_err_t idp_ui_render_admin_upstreams(const idp_ui_admin_upstreams_view_t *v, idp_ui_page_t *out);

/** A segment as the outreach page lists it (issue #22). */
typedef struct {
    const char *id, *name, *category, *criteria, *sponsor;
    long long created_at;
} idp_ui_outreach_segment_t;

/** A campaign sent: its size as shown ("120", "<10"). */
typedef struct {
    const char *id, *category, *criteria, *members, *sponsor;
    long long created_at;
} idp_ui_outreach_campaign_t;

typedef struct {
    idp_ui_admin_common_t c;
    const char *const *categories; /* the category ids (NULL-terminated) */
    const idp_ui_outreach_segment_t *segments;
    size_t nsegments;
    const idp_ui_outreach_campaign_t *campaigns;
    size_t ncampaigns;
    const idp_ui_outreach_segment_t *counted; /* the segment just defined or counted, or NULL */
    const char *counted_size;                 /* its size as shown */
    bool counted_sendable;
    const char *name, *category, *criteria, *sponsor; /* the form as sent, after a refusal; or NULL */
} idp_ui_admin_outreach_view_t;

idp_err_t idp_ui_render_admin_outreach(const idp_ui_admin_outreach_view_t *v, idp_ui_page_t *out);

/** Why the console is closed to this browser: no card session, no role, or a sign-in too old for the action. */
typedef enum {
    IDP_ADMIN_DENIED_CARD,
    IDP_ADMIN_DENIED_ROLE,
    IDP_ADMIN_DENIED_FRESH,
    IDP_ADMIN_DENIED_PARTNER,       /* the partner portal: a member of no organisation */
    IDP_ADMIN_DENIED_PARTNER_FRESH, /* the partner portal: sign in again first */
} idp_ui_admin_denied_t;

idp_err_t idp_ui_render_admin_clients(const idp_ui_admin_clients_view_t *v, idp_ui_page_t *out);
idp_err_t idp_ui_render_admin_client(const idp_ui_admin_client_view_t *v, idp_ui_page_t *out);
idp_err_t idp_ui_render_admin_keys(const idp_ui_admin_keys_view_t *v, idp_ui_page_t *out);
idp_err_t idp_ui_render_admin_audit(const idp_ui_admin_audit_view_t *v, idp_ui_page_t *out);
/** 403 with the way out: sign in with the card (for the console). */
idp_err_t idp_ui_render_admin_denied(const char *lang, idp_ui_admin_denied_t why, idp_ui_page_t *out);

#endif

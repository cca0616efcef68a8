/*
 * What the admin console (console.c) and the partner portal (partner.c)
 * share: who is signed in and acting, the parts every page has, and a
 * client's page. Both call the admin API's operations (oauth/admin.h), so
 * every page and change is a row of the admin log.
 */
#ifndef IDP_OAUTH_CONSOLE_H
#define IDP_OAUTH_CONSOLE_H

#include <jansson.h>
#include <stdbool.h>

#include "oauth/admin.h"
#include "oauth/internal.h"
#include "ui/messages.h"

/* No notice or alert (a message id past the catalogue's). */
#define IDP_CONSOLE_NONE IDP_MSG_COUNT

/** The signed-in resident acting on a page: the caller, its session, what it holds, the forms' CSRF token. */
typedef struct {
    idp_admin_caller_t who;
    idp_store_session_t sess;
    char roles[128]; /* the roles held, space-separated (the partner portal: the organisations) */
    char csrf[64];
    char role[80]; /* the partner portal: "partner:<organisation>" acted for */
} idp_console_t;

/**
 * Opens a console page: a card session of a resident holding one of the roles @p allowed (else a refusal page or
 * the way to sign in, and false); for a @p change, the form's CSRF token and a recent card sign-in too.
 */
bool idp_console_gate(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, unsigned allowed, bool change,
                      idp_console_t *c, idp_outcome_t *out);
/** The 403 page that says why the pages are closed and the way out. */
void idp_console_denied(idp_oauth_req_t *req, idp_oauth_resp_t *resp, idp_ui_admin_denied_t why);
/** What every page shows, with @p notice (IDP_CONSOLE_NONE: none). */
idp_ui_admin_common_t idp_console_common(idp_oauth_req_t *req, const idp_console_t *c, idp_msg_id_t notice);
/** What a page shows of a client (the operations' JSON): its strings live as long as @p j. */
idp_ui_admin_client_t idp_console_client_of(json_t *j);

/** The page of the clients in @p list (the operations' JSON), the console's or (@p partner) the portal's. */
idp_outcome_t idp_console_clients_page(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_console_t *c,
                                       json_t *list, bool partner);

/** What a client's page shows besides the client. */
typedef struct {
    const char *client_id;
    idp_msg_id_t notice, alert; /* IDP_CONSOLE_NONE: none; with an alert the page is a 400 */
    const char *detail;         /* the alert's detail (the validator's words), or NULL */
    const char *secret;         /* a secret just issued: shown this once, or NULL */
    const char *redirects_text; /* the partner's redirect URIs as sent (after a refusal), or NULL */
    bool partner;               /* the partner portal's page */
    bool may_edit;              /* the redirect URIs' form (a partner's member, a client operator) */
} idp_console_client_page_t;

idp_outcome_t idp_console_client_page(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                      const idp_console_t *c, const idp_console_client_page_t *p);
/** The redirect URIs of a textarea, one per line (blank lines and surrounding spaces dropped), as a JSON array. */
json_t *idp_console_redirect_lines(const char *text);
/** Whether a refusal is the submitter's to correct (the metadata) rather than a failure of ours. */
bool idp_console_correctable(idp_err_t e);
/**
 * The path's client's redirect URIs replaced by the form's (redirect_uris), validated as every client's (a
 * change of sector that would give residents a new sub is refused: OpenID Connect Core §8.1); back to its
 * page (303), or its page with the reason (400).
 */
idp_outcome_t idp_console_save_redirects(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                         const idp_console_t *c, bool partner);
/** A new secret for the path's client, shown on its page this once (no redirect: a reload cannot show it again). */
idp_outcome_t idp_console_rotate_secret(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                        const idp_console_t *c, bool partner);

#endif

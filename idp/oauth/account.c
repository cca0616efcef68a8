/*
 * The resident's account (product.md §2, §5): ways to sign in, verified and
 * self-registered attributes, consents with revocation, the release
 * history, and sessions with sign-out. Every change needs the session's
 * CSRF token; consent revocation revokes the client's tokens and queues a
 * back-channel logout (logout.c). Social linking is in social.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "core/rand.h"
#include "oauth/clients.h"
#include "oauth/internal.h"
#include "ui/messages.h"

#define RELEASES_SHOWN 50

/* GET /account */
idp_outcome_t idp_oauth_account(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_store_session_t s;
    if (!idp_browser_session(o, req, &s, NULL)) {
        idp_see_other(resp, "/account/login");
        return idp_ok();
    }
    idp_account_view_t v = {.lang = req->lang, .current_sid = s.sid, .card_login = o->jpki != NULL};
    char csrf[64];
    idp_account_csrf(o, &s, csrf);
    v.csrf = csrf;
    idp_store_credential_t *creds = NULL;
    idp_store_upstream_t *ups = NULL;
    idp_store_consent_t *consents = NULL;
    idp_store_release_t *releases = NULL;
    idp_store_session_t *sessions = NULL;
    idp_store_resident_attrs_t attrs;
    idp_store_household_t household;
    const idp_client_t **clients = NULL, **rclients = NULL;
    size_t nu = 0;
    idp_err_t e = idp_store_credentials(o->store, s.resident_id, &creds, &v.ncreds);
    if (e == IDP_OK && o->fed)
        e = idp_store_upstream_list(o->store, true, &ups, &nu);
    if (e == IDP_OK)
        e = idp_store_consents_list(o->store, s.resident_id, &consents, &v.nconsents);
    if (e == IDP_OK)
        e = idp_store_releases_list(o->store, s.resident_id, RELEASES_SHOWN, &releases, &v.nreleases);
    if (e == IDP_OK)
        e = idp_store_sessions_list(o->store, s.resident_id, &sessions, &v.nsessions);
    if (e == IDP_OK)
        e = idp_store_household_get(o->store, s.resident_id, &household);
    idp_err_t ae = e == IDP_OK ? idp_store_resident_attrs_get(o->store, s.resident_id, &attrs) : IDP_E_NOT_FOUND;
    /* Attributes that do not open (altered, moved from another row) are an error, never "none verified". */
    if (e == IDP_OK && ae != IDP_OK && ae != IDP_E_NOT_FOUND)
        e = ae;
    if (e == IDP_OK && (clients = calloc(v.nconsents + 1, sizeof(*clients))) == NULL)
        e = IDP_E_NOMEM;
    for (size_t i = 0; e == IDP_OK && i < v.nconsents; i++) /* a client gone (or unreadable) shows its id only */
        if (idp_clients_get(o, consents[i].client_id, &clients[i]) != IDP_OK)
            clients[i] = NULL;
    /* The history names the service (issue #18 item 4); the client cache answers these without the store. */
    if (e == IDP_OK && (rclients = calloc(v.nreleases + 1, sizeof(*rclients))) == NULL)
        e = IDP_E_NOMEM;
    for (size_t i = 0; e == IDP_OK && i < v.nreleases; i++)
        if (idp_clients_get(o, releases[i].client_id, &rclients[i]) != IDP_OK)
            rclients[i] = NULL;
    const char *flag = NULL;
    if (idp_params_get(req->form, "linked", &flag) == IDP_OK)
        v.notice = idp_msg_get(IDP_MSG_ACCOUNT_NOTICE_LINKED, req->lang);
    else if (idp_params_get(req->form, "removed", &flag) == IDP_OK && !strcmp(flag, "verified"))
        v.notice = idp_msg_get(IDP_MSG_ACCOUNT_NOTICE_REMOVED_VERIFIED, req->lang);
    else if (idp_params_get(req->form, "removed", &flag) == IDP_OK)
        v.notice = idp_msg_get(IDP_MSG_ACCOUNT_NOTICE_REMOVED, req->lang);
    else if (idp_params_get(req->form, "revoked", &flag) == IDP_OK)
        v.notice = idp_msg_get(IDP_MSG_ACCOUNT_NOTICE_REVOKED, req->lang);
    else if (idp_params_get(req->form, "saved", &flag) == IDP_OK)
        v.notice = idp_msg_get(IDP_MSG_ACCOUNT_NOTICE_SAVED, req->lang);
    else if (idp_params_get(req->form, "ended", &flag) == IDP_OK)
        v.notice = idp_msg_get(IDP_MSG_ACCOUNT_NOTICE_ENDED, req->lang);
    if (e == IDP_OK) {
        v.creds = creds;
        v.upstreams = ups;
        v.nupstreams = nu;
        v.attrs = ae == IDP_OK ? &attrs : NULL;
        v.household = &household;
        v.consents = consents;
        v.consent_clients = clients;
        v.releases = releases;
        v.release_clients = rclients;
        v.sessions = sessions;
        idp_page_account(req, resp, &v);
    }
    idp_outcome_t out = e == IDP_OK ? idp_ok() : idp_fail_store(e);
    for (size_t i = 0; clients && i < v.nconsents; i++)
        idp_client_unref(clients[i]);
    free(clients);
    for (size_t i = 0; rclients && i < v.nreleases; i++)
        idp_client_unref(rclients[i]);
    free(rclients);
    if (ae == IDP_OK)
        idp_store_resident_attrs_clear(&attrs);
    free(creds);
    idp_store_upstreams_free(ups, nu);
    free(consents);
    free(releases);
    free(sessions);
    return out;
}

/* POST /account/consent/revoke (csrf, client_id, claim?): at once, tokens and all (product.md §5). */
idp_outcome_t idp_oauth_account_revoke(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_store_session_t s;
    const char *client_id = NULL, *claim = NULL;
    if (!idp_browser_session(o, req, &s, NULL)) {
        idp_see_other(resp, "/account/login");
        return idp_ok();
    }
    if (!idp_account_csrf_ok(o, req, &s) || idp_params_get(req->form, "client_id", &client_id) != IDP_OK ||
        idp_params_get(req->form, "claim", &claim) == IDP_E_INVALID_REQUEST) {
        return idp_fail(IDP_E_FORBIDDEN, "the form is stale: reload the page");
    }
    idp_err_t e = idp_store_consent_revoke(o->store, s.resident_id, client_id, claim, "resident");
    if (e == IDP_E_NOT_FOUND) {
        return idp_fail(IDP_E_NOT_FOUND, "no such consent");
    }
    if (e != IDP_OK) {
        return idp_fail_store(e);
    }
    idp_logout_client(o, client_id, s.resident_id); /* Back-Channel Logout to the client, if it registered a URI */
    idp_see_other(resp, "/account?revoked=1");
    return idp_ok();
}

/* POST /account/session/end (csrf, sid): sign out one of the resident's sessions. */
idp_outcome_t idp_oauth_account_end_session(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_store_session_t s;
    const char *sid = NULL;
    if (!idp_browser_session(o, req, &s, NULL)) {
        idp_see_other(resp, "/account/login");
        return idp_ok();
    }
    if (!idp_account_csrf_ok(o, req, &s) || idp_params_get(req->form, "sid", &sid) != IDP_OK || strlen(sid) > 63) {
        return idp_fail(IDP_E_FORBIDDEN, "the form is stale: reload the page");
    }
    idp_err_t e = idp_store_session_end_sid(o->store, s.resident_id, sid);
    if (e == IDP_E_NOT_FOUND) {
        return idp_fail(IDP_E_NOT_FOUND, "no such session");
    }
    if (e != IDP_OK) {
        return idp_fail_store(e);
    }
    idp_logout_session(o, s.resident_id, sid);
    idp_see_other(resp, !strcmp(sid, s.sid) ? "/logout" : "/account?ended=1");
    return idp_ok();
}

/* "YYYY-MM" year-months separated by spaces or commas; at most 10. */
static bool children_ok(const char *in, char *out, size_t n)
{
    size_t o = 0, count = 0;
    out[0] = '\0';
    for (const char *p = in; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, " ,");
        if (len != 7 || p[4] != '-' || ++count > 10)
            return false;
        for (size_t i = 0; i < 7; i++)
            if (i != 4 && (p[i] < '0' || p[i] > '9'))
                return false;
        int month = (p[5] - '0') * 10 + (p[6] - '0');
        if (month < 1 || month > 12 || o + len + 2 > n)
            return false;
        o += (size_t)snprintf(out + o, n - o, "%s%.7s", o ? " " : "", p);
        p += len;
    }
    return true;
}

static bool text_ok(const char *s, size_t max)
{
    if (strlen(s) > max)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

/* POST /account/household (csrf, school_district, area, children): self-asserted attributes. */
idp_outcome_t idp_oauth_account_household(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_store_session_t s;
    const char *district = NULL, *area = NULL, *children = NULL;
    if (!idp_browser_session(o, req, &s, NULL)) {
        idp_see_other(resp, "/account/login");
        return idp_ok();
    }
    if (!idp_account_csrf_ok(o, req, &s)) {
        return idp_fail(IDP_E_FORBIDDEN, "the form is stale: reload the page");
    }
    idp_params_get(req->form, "school_district", &district);
    idp_params_get(req->form, "area", &area);
    idp_params_get(req->form, "children", &children);
    idp_store_household_t h;
    memset(&h, 0, sizeof(h));
    if (!text_ok(district ? district : "", 200) || !text_ok(area ? area : "", 200) ||
        !children_ok(children ? children : "", h.children, sizeof(h.children))) {
        return idp_fail(IDP_E_INVALID_REQUEST, idp_msg_get(IDP_MSG_ERROR_HOUSEHOLD_FORM, req->lang));
    }
    snprintf(h.school_district, sizeof(h.school_district), "%s", district ? district : "");
    snprintf(h.area, sizeof(h.area), "%s", area ? area : "");
    idp_err_t e = idp_store_household_put(o->store, s.resident_id, &h);
    if (e != IDP_OK) {
        return idp_fail_store(e);
    }
    idp_oauth_logged(idp_store_audit(o->store, "household_updated", s.resident_id, "{}"), "audit");
    idp_see_other(resp, "/account?saved=1");
    return idp_ok();
}

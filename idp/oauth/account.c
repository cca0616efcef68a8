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
#include <time.h>

#include "core/b64.h"
#include "core/rand.h"
#include "core/str.h"
#include "oauth/clients.h"
#include "oauth/internal.h"
#include "ui/messages.h"

#define RELEASES_SHOWN 50

/* The stored children ("YYYY-MM YYYY-MM") as the form's rows. */
static void household_of(const idp_store_household_t *h, idp_ui_household_t *out)
{
    memset(out, 0, sizeof(*out));
    out->school_district = h->school_district;
    out->area = h->area;
    for (const char *p = h->children; *p && out->nchildren < IDP_UI_CHILDREN_MAX;) {
        p += strspn(p, " ");
        size_t len = strcspn(p, " ");
        if (len == 7 && p[4] == '-') {
            idp_ui_child_t *c = &out->children[out->nchildren++];
            snprintf(c->year, sizeof(c->year), "%.4s", p);
            snprintf(c->month, sizeof(c->month), "%d", (p[5] - '0') * 10 + (p[6] - '0'));
        }
        p += len;
    }
}

/*
 * The account page of session @p s; @p form: the household form as just
 * entered (refused, or with a row added or removed), else as stored.
 */
static idp_outcome_t account_page(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                  const idp_store_session_t *sess, const idp_ui_household_t *form)
{
    const idp_store_session_t s = *sess;
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
    idp_ui_household_t stored;
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
    idp_store_app_signature_t *signatures = NULL;
    const idp_client_t **sclients = NULL;
    if (e == IDP_OK)
        e = idp_store_app_signatures_list(o->store, s.resident_id, NULL, NULL, &signatures, &v.nsignatures);
    if (e == IDP_OK && (sclients = calloc(v.nsignatures + 1, sizeof(*sclients))) == NULL)
        e = IDP_E_NOMEM;
    for (size_t i = 0; e == IDP_OK && i < v.nsignatures; i++)
        if (idp_clients_get(o, signatures[i].client_id, &sclients[i]) != IDP_OK)
            sclients[i] = NULL;
    /* outreach (issue #22): the categories on, their coarse attributes kept current, and the campaigns */
    idp_store_outreach_inclusion_t *inclusions = NULL;
    if (e == IDP_OK)
        e = idp_outreach_refresh(o, s.resident_id, &v.outreach);
    if (e == IDP_OK)
        e = idp_store_outreach_inclusions(o->store, s.resident_id, &inclusions, &v.ninclusions);
    if (e == IDP_OK && !form)
        e = idp_store_household_get(o->store, s.resident_id, &household);
    if (e == IDP_OK && !form)
        household_of(&household, &stored);
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
    else if (idp_params_get(req->form, "outreach", &flag) == IDP_OK)
        v.notice = idp_msg_get(
            !strcmp(flag, "on") ? IDP_MSG_ACCOUNT_NOTICE_OUTREACH_ON : IDP_MSG_ACCOUNT_NOTICE_OUTREACH_OFF, req->lang);
    if (e == IDP_OK) {
        v.creds = creds;
        v.upstreams = ups;
        v.nupstreams = nu;
        v.attrs = ae == IDP_OK ? &attrs : NULL;
        v.household = form ? form : &stored;
        v.consents = consents;
        v.consent_clients = clients;
        v.releases = releases;
        v.release_clients = rclients;
        v.sessions = sessions;
        v.signatures = signatures;
        v.signature_clients = sclients;
        v.inclusions = inclusions;
        idp_page_account(req, resp, &v);
    }
    idp_outcome_t out = e == IDP_OK ? idp_ok() : idp_fail_store(e);
    for (size_t i = 0; clients && i < v.nconsents; i++)
        idp_client_unref(clients[i]);
    free(clients);
    for (size_t i = 0; rclients && i < v.nreleases; i++)
        idp_client_unref(rclients[i]);
    free(rclients);
    for (size_t i = 0; sclients && i < v.nsignatures; i++)
        idp_client_unref(sclients[i]);
    free(sclients);
    idp_store_app_signatures_free(signatures, v.nsignatures);
    free(inclusions);
    if (ae == IDP_OK)
        idp_store_resident_attrs_clear(&attrs);
    free(creds);
    idp_store_upstreams_free(ups, nu);
    free(consents);
    free(releases);
    free(sessions);
    return out;
}

/* GET /account */
idp_outcome_t idp_oauth_account(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_store_session_t s;
    if (!idp_browser_session(o, req, &s, NULL)) {
        idp_see_other(resp, "/account/login");
        return idp_ok();
    }
    return account_page(o, req, resp, &s, NULL);
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

/* A school district or an area: UTF-8 without control characters, at most IDP_UI_HH_TEXT_MAX characters. */
static idp_ui_hh_error_t text_error(const char *s)
{
    size_t chars = 0, len = strlen(s);
    if (!idp_utf8_valid(s, len))
        return IDP_UI_HH_BAD_CHAR;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return IDP_UI_HH_BAD_CHAR;
        chars += (*p & 0xc0) != 0x80;
    }
    /* the store keeps 255 bytes: 80 characters of three bytes each fit */
    return chars > IDP_UI_HH_TEXT_MAX || len > 255 ? IDP_UI_HH_TOO_LONG : IDP_UI_HH_OK;
}

/* A number of 1 to @p digits ASCII digits, or -1. */
static int number_of(const char *s, size_t digits)
{
    size_t n = strlen(s);
    long v;
    if (n == 0 || n > digits || strspn(s, "0123456789") != n || !idp_str_to_long(s, 0, 9999, &v))
        return -1;
    return (int)v;
}

/*
 * One child's row. A year and month of birth, not after this month in Japan
 * (UTC+9); both empty: no child (the row is dropped).
 */
static bool child_check(idp_ui_child_t *c, long long now, bool *empty)
{
    *empty = !c->year[0] && !c->month[0];
    if (*empty)
        return true;
    int y = number_of(c->year, 4), m = number_of(c->month, 2);
    c->year_error = y < 1900 ? IDP_UI_HH_YEAR : IDP_UI_HH_OK;
    c->month_error = m < 1 || m > 12 ? IDP_UI_HH_MONTH : IDP_UI_HH_OK;
    time_t jst = (time_t)(now + 9 * 3600);
    struct tm tm;
    if (!c->year_error && !c->month_error && gmtime_r(&jst, &tm) &&
        y * 12 + m > (tm.tm_year + 1900) * 12 + tm.tm_mon + 1)
        c->year_error = IDP_UI_HH_FUTURE;
    return !c->year_error && !c->month_error;
}

/* The form's field @p name, "" when empty, NULL when absent; a field sent twice sets @p dup. */
static const char *field_or_null(const idp_params_t *form, const char *name, bool *dup)
{
    const char *v = NULL;
    if (idp_params_field(form, name, &v) == IDP_E_INVALID_REQUEST)
        *dup = true;
    return v;
}

static const char *field(const idp_params_t *form, const char *name, bool *dup)
{
    const char *v = field_or_null(form, name, dup);
    return v ? v : "";
}

/*
 * The household form as posted: school_district, area, child_year_N and
 * child_month_N (N = 1..IDP_UI_CHILDREN_MAX), and the buttons add_child
 * and remove_child=N, which change the rows without saving (@p edit; empty
 * rows stay). On a save, empty rows are dropped and each field's error is
 * set (refused). False if a field was sent twice: not our form.
 */
static bool household_form(const idp_params_t *form, long long now, idp_ui_household_t *h, bool *edit)
{
    bool dup = false;
    memset(h, 0, sizeof(*h));
    h->school_district = field(form, "school_district", &dup);
    h->area = field(form, "area", &dup);
    int drop = number_of(field(form, "remove_child", &dup), 2); /* the row's number; -1: none */
    *edit = drop > 0 || *field(form, "add_child", &dup);
    h->district_error = text_error(h->school_district);
    h->area_error = text_error(h->area);
    bool ok = !h->district_error && !h->area_error;
    for (int i = 1; i <= IDP_UI_CHILDREN_MAX; i++) {
        idp_ui_child_t *c = &h->children[h->nchildren];
        char name[32];
        memset(c, 0, sizeof(*c));
        snprintf(name, sizeof(name), "child_year_%d", i);
        const char *year = field_or_null(form, name, &dup);
        snprintf(name, sizeof(name), "child_month_%d", i);
        const char *month = field_or_null(form, name, &dup);
        snprintf(c->year, sizeof(c->year), "%s", year ? year : "");
        snprintf(c->month, sizeof(c->month), "%s", month ? month : "");
        bool empty, row_ok = child_check(c, now, &empty);
        if (i == drop || (empty && (!*edit || (!year && !month)))) /* an empty row stays while editing */
            continue;
        ok = ok && row_ok;
        h->nchildren++;
    }
    if (*edit) { /* not a save: no errors shown yet; add_child adds an empty row and moves the focus to it */
        for (size_t i = 0; i < h->nchildren; i++)
            h->children[i].year_error = h->children[i].month_error = IDP_UI_HH_OK;
        h->district_error = h->area_error = IDP_UI_HH_OK;
        if (drop <= 0 && h->nchildren < IDP_UI_CHILDREN_MAX) {
            memset(&h->children[h->nchildren], 0, sizeof(h->children[0]));
            h->focus_child = ++h->nchildren;
        }
    } else {
        h->refused = !ok;
    }
    return !dup;
}

/*
 * POST /account/household: self-asserted attributes (issue #18 item 7). A
 * refused form comes back on the account page with each field's error,
 * a summary, and the values kept (400); nothing is saved.
 */
idp_outcome_t idp_oauth_account_household(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_store_session_t s;
    if (!idp_browser_session(o, req, &s, NULL)) {
        idp_see_other(resp, "/account/login");
        return idp_ok();
    }
    if (!idp_account_csrf_ok(o, req, &s)) {
        return idp_fail(IDP_E_FORBIDDEN, "the form is stale: reload the page");
    }
    idp_ui_household_t form;
    bool edit;
    if (!household_form(req->form, (long long)time(NULL), &form, &edit)) {
        return idp_fail(IDP_E_INVALID_REQUEST, "a field was sent twice");
    }
    if (edit || form.refused)
        return account_page(o, req, resp, &s, &form);
    idp_store_household_t h;
    memset(&h, 0, sizeof(h));
    snprintf(h.school_district, sizeof(h.school_district), "%s", form.school_district);
    snprintf(h.area, sizeof(h.area), "%s", form.area);
    for (size_t i = 0, n = 0; i < form.nchildren; i++)
        n += (size_t)snprintf(h.children + n, sizeof(h.children) - n, "%s%.4s-%02d", i ? " " : "",
                              form.children[i].year, number_of(form.children[i].month, 2));
    idp_err_t e = idp_store_household_put(o->store, s.resident_id, &h);
    if (e != IDP_OK) {
        return idp_fail_store(e);
    }
    idp_oauth_logged(idp_store_audit(o->store, "household_updated", s.resident_id, "{}"), "audit");
    unsigned bits; /* a resident who opted in to outreach: the school district and children's months change too */
    idp_oauth_logged(idp_outreach_refresh(o, s.resident_id, &bits), "outreach_profile");
    idp_see_other(resp, "/account?saved=1");
    return idp_ok();
}

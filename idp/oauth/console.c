/*
 * The admin console at /admin (issue #19; docs/admin.md, "The console"):
 * server-rendered pages, Japanese first, working without JavaScript, for
 * residents who hold admin roles (sakaid-admin role grant). An administrator
 * signs in through SakaI-D itself with the My Number card (acr card); a
 * change needs a sign-in of the last IDP_FRESH_SECONDS, and every form
 * carries the session's CSRF token. The pages call the operations the admin
 * API calls (oauth/admin.h), so every page and action is a row of the
 * hash-chained admin log, with the actor "resident:<id>" and the role it
 * acted in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_meta.h"
#include "core/rand.h"
#include "federation/upstream_row.h"
#include "oauth/admin.h"
#include "oauth/console.h"
#include "oauth/internal.h"
#include "ui/messages.h"

#define NONE IDP_CONSOLE_NONE

/* The sign-in for the console: the account pages' login, which comes back to /admin. */
#define CONSOLE_SIGN_IN "/account/login?for=admin"

typedef idp_console_t console_t;

void idp_console_denied(idp_oauth_req_t *req, idp_oauth_resp_t *resp, idp_ui_admin_denied_t why)
{
    idp_ui_page_t page;
    idp_page_emit(req, resp, idp_ui_render_admin_denied(req->lang, why, &page), &page);
}

/*
 * The gate of every console request: a session signed in with the card, a
 * resident who holds one of the roles @p allowed (the call is made in the
 * first of them), and for a change (@p change) the form's CSRF token and a
 * fresh sign-in. False when the request is answered already (a redirect to
 * sign in, a refusal page) or failed (*out).
 */
bool idp_console_gate(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, unsigned allowed, bool change,
                      console_t *c, idp_outcome_t *out)
{
    *out = idp_ok();
    memset(c, 0, sizeof(*c));
    if (!idp_browser_session(o, req, &c->sess, NULL)) {
        idp_see_other(resp, CONSOLE_SIGN_IN);
        return false;
    }
    if (strcmp(c->sess.acr, ACR_CARD) != 0) {
        idp_console_denied(req, resp, IDP_ADMIN_DENIED_CARD);
        return false;
    }
    idp_store_role_t *rows = NULL;
    size_t n = 0;
    idp_err_t e = idp_store_roles(o->store, c->sess.resident_id, &rows, &n);
    if (e != IDP_OK) {
        *out = idp_fail_store(e);
        return false;
    }
    unsigned held = 0;
    for (size_t i = 0; i < n; i++) {
        held |= idp_admin_role_bit(rows[i].role);
        size_t l = strlen(c->roles);
        snprintf(c->roles + l, sizeof(c->roles) - l, "%s%s", l ? " " : "", rows[i].role);
    }
    free(rows);
    if (!(held & allowed)) {
        idp_console_denied(req, resp, IDP_ADMIN_DENIED_ROLE);
        return false;
    }
    if (change && !idp_account_csrf_ok(o, req, &c->sess)) {
        *out = idp_fail(IDP_E_FORBIDDEN, "the form is stale: reload the page");
        return false;
    }
    /* NIST SP 800-63B §4.3.3 (reauthentication before a sensitive action): a recent card sign-in */
    if (change && req->now - c->sess.auth_time > IDP_FRESH_SECONDS) {
        idp_console_denied(req, resp, IDP_ADMIN_DENIED_FRESH);
        return false;
    }
    unsigned mine = held & allowed;
    c->who.role = idp_admin_role_name(mine & -mine);
    snprintf(c->who.actor, sizeof(c->who.actor), "resident:%s", c->sess.resident_id);
    idp_account_csrf(o, &c->sess, c->csrf);
    return true;
}

idp_ui_admin_common_t idp_console_common(idp_oauth_req_t *req, const console_t *c, idp_msg_id_t notice)
{
    return (idp_ui_admin_common_t){.lang = req->lang,
                                   .csrf = c->csrf,
                                   .roles = c->roles,
                                   .notice = notice != NONE ? idp_msg_get(notice, req->lang) : NULL};
}

/* What a page shows of a client (admin_api.c client_json): strings live as long as @p j. */
idp_ui_admin_client_t idp_console_client_of(json_t *j)
{
    const char *org = json_string_value(json_object_get(j, "organisation"));
    const char *id = json_string_value(json_object_get(j, "client_id"));
    const char *name = json_string_value(json_object_get(json_object_get(j, "metadata"), "client_name"));
    return (idp_ui_admin_client_t){
        .id = id,
        .name = name ? name : id, /* client_name is optional (RFC 7591 §2): the id names it then */
        .organisation = org ? org : "",
        .sandbox = json_is_true(json_object_get(j, "sandbox")),
        .suspended = json_is_true(json_object_get(j, "suspended")),
    };
}

idp_outcome_t idp_console_clients_page(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const console_t *c, json_t *list,
                                       bool partner)
{
    size_t n = json_array_size(list);
    idp_ui_admin_client_t *cs = idp_arena_alloc(req->arena, (n + 1) * sizeof(*cs));
    if (cs == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    for (size_t i = 0; i < n; i++)
        cs[i] = idp_console_client_of(json_array_get(list, i));
    idp_ui_admin_clients_view_t v = {.c = idp_console_common(req, c, NONE), .clients = cs, .n = n, .partner = partner};
    idp_ui_page_t page;
    idp_page_emit(req, resp, idp_ui_render_admin_clients(&v, &page), &page);
    return idp_ok();
}

/* GET /admin: the clients, those waiting for approval first. */
idp_outcome_t idp_console_clients(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    console_t c;
    idp_outcome_t out;
    json_t *list = NULL;
    if (!idp_console_gate(o, req, resp, IDP_ADMIN_VIEWER | IDP_ADMIN_CLIENT_OPERATOR | IDP_ADMIN_AUDITOR, false, &c,
                          &out))
        return out;
    if ((out = idp_admin_clients_as(o, &c.who, NULL, NULL, NULL, &list)).err != IDP_OK)
        return out;
    out = idp_console_clients_page(req, resp, &c, list, false);
    json_decref(list);
    return out;
}

/* The last 7 days of a client's statistics as a page shows them (strings in the arena); NULL when they fail. */
static idp_ui_stat_day_t *stat_days(idp_oauth_t *o, idp_oauth_req_t *req, const console_t *c, const char *client_id,
                                    size_t *n)
{
    json_t *r = NULL;
    long today = idp_admin_today(req->now);
    *n = 0;
    if (idp_admin_statistics_as(o, &c->who, client_id, today - 6, today, &r).err != IDP_OK)
        return NULL;
    json_t *days = json_object_get(r, "days");
    idp_ui_stat_day_t *out = idp_arena_alloc(req->arena, (json_array_size(days) + 1) * sizeof(*out));
    static const char *const members[] = {"sign_ins", "consents", "refusals", "withdrawals", "step_ups"};
    for (size_t i = 0; out && i < json_array_size(days); i++) {
        json_t *d = json_array_get(days, i);
        const char *cell[5];
        for (size_t k = 0; k < 5; k++) {
            json_t *v = json_object_get(d, members[k]);
            char num[24];
            snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
            cell[k] = idp_arena_strdup(req->arena, json_is_string(v) ? json_string_value(v) : num);
        }
        out[i] = (idp_ui_stat_day_t){.day = idp_arena_strdup(req->arena, json_string_value(json_object_get(d, "day"))),
                                     .sign_ins = cell[0],
                                     .consents = cell[1],
                                     .refusals = cell[2],
                                     .withdrawals = cell[3],
                                     .step_ups = cell[4]};
        (*n)++;
    }
    json_decref(r);
    return out;
}

idp_outcome_t idp_console_client_page(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, const console_t *c,
                                      const idp_console_client_page_t *p)
{
    json_t *j = NULL;
    idp_outcome_t out = idp_admin_client_as(o, &c->who, p->client_id ? p->client_id : "", &j);
    if (out.err != IDP_OK)
        return out;
    size_t ndays = 0;
    idp_ui_stat_day_t *days = stat_days(o, req, c, json_string_value(json_object_get(j, "client_id")), &ndays);
    json_t *m = json_object_get(j, "metadata"), *uris = json_object_get(m, "redirect_uris");
    size_t n = json_array_size(uris);
    const char **list = idp_arena_alloc(req->arena, (n + 1) * sizeof(*list));
    if (list == NULL) {
        json_decref(j);
        return idp_fail(IDP_E_NOMEM, NULL);
    }
    for (size_t i = 0; i < n; i++)
        list[i] = json_string_value(json_array_get(uris, i));
    list[n] = NULL;
    idp_ui_admin_client_view_t v = {.c = idp_console_common(req, c, p->notice),
                                    .client = idp_console_client_of(j),
                                    .tier = json_string_value(json_object_get(m, "tier")),
                                    .redirect_uris = list,
                                    .uses_secret = idp_client_meta_uses_secret(m),
                                    .new_secret = p->secret,
                                    .partner = p->partner,
                                    .requested = json_integer_value(json_object_get(j, "approval_requested_at")) > 0,
                                    .days = days,
                                    .ndays = ndays,
                                    .redirects_text = p->redirects_text,
                                    .may_edit = p->may_edit || p->partner};
    if (p->alert != NONE) {
        v.c.alert = idp_msg_get(p->alert, req->lang);
        v.c.detail = p->detail;
    }
    idp_ui_page_t page;
    idp_page_emit(req, resp, idp_ui_render_admin_client(&v, &page), &page);
    if (p->alert != NONE)
        resp->status = 400;
    json_decref(j);
    return idp_ok();
}

/* Whether the resident holds @p role (the forms of a page are shown only then). */
static bool holds_role(const console_t *c, const char *role)
{
    char roles[sizeof(c->roles) + 2], want[40];
    snprintf(roles, sizeof(roles), " %s ", c->roles);
    snprintf(want, sizeof(want), " %s ", role);
    return strstr(roles, want) != NULL;
}

/* The redirect URIs of a textarea, one per line (blank lines and surrounding spaces dropped), as a JSON array. */
json_t *idp_console_redirect_lines(const char *text)
{
    json_t *a = json_array();
    for (const char *p = text ? text : ""; a && *p;) {
        size_t n = strcspn(p, "\r\n");
        const char *s = p, *e = p + n;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e > s)
            json_array_append_new(a, json_stringn(s, (size_t)(e - s)));
        p += n;
        p += strspn(p, "\r\n");
    }
    return a;
}

/* Whether a refusal is the resident's to correct (the metadata) rather than a failure of ours. */
bool idp_console_correctable(idp_err_t e)
{
    return e == IDP_E_INVALID_CLIENT_METADATA || e == IDP_E_INVALID_REDIRECT_URI || e == IDP_E_INVALID_REQUEST;
}

idp_outcome_t idp_console_save_redirects(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                         const console_t *c, bool partner)
{
    const char *text = NULL;
    idp_params_get(req->form, "redirect_uris", &text);
    idp_store_client_t row;
    idp_err_t e = idp_store_client_get(o->store, req->path_param ? req->path_param : "", &row);
    if (e != IDP_OK)
        return e == IDP_E_NOT_FOUND ? idp_fail(IDP_E_NOT_FOUND, "no such client") : idp_fail_store(e);
    json_t *meta = json_loads(row.metadata, 0, NULL), *r = NULL;
    idp_store_client_clear(&row);
    if (meta == NULL)
        return idp_fail_why(IDP_E_SERVER_ERROR, NULL, "stored metadata is not JSON");
    json_object_set_new(meta, "redirect_uris", idp_console_redirect_lines(text));
    idp_outcome_t out = idp_admin_client_update_as(o, req, &c->who, req->path_param, meta, &r);
    json_decref(meta);
    json_decref(r); /* the redirect URIs never change whether the client has a secret */
    if (idp_console_correctable(out.err)) {
        idp_console_client_page_t p = {.client_id = req->path_param,
                                       .notice = NONE,
                                       .alert = IDP_MSG_PARTNER_REFUSED,
                                       .detail = out.description ? out.description : "invalid metadata",
                                       .redirects_text = text ? text : "",
                                       .partner = partner,
                                       .may_edit = true};
        return idp_console_client_page(o, req, resp, c, &p);
    }
    if (out.err != IDP_OK)
        return out;
    char *loc = idp_arena_alloc(req->arena, 160);
    if (loc == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    snprintf(loc, 160, "%s/clients/%.100s?done=saved", partner ? "/partner" : "/admin", req->path_param);
    idp_see_other(resp, loc);
    return idp_ok();
}

/* POST /admin/clients/{id}/redirect-uris (csrf, redirect_uris): a client operator replaces them. */
idp_outcome_t idp_console_client_redirects(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    console_t c;
    idp_outcome_t out;
    if (!idp_console_gate(o, req, resp, IDP_ADMIN_CLIENT_OPERATOR, true, &c, &out))
        return out;
    return idp_console_save_redirects(o, req, resp, &c, false);
}

/* GET /admin/clients/{id}[?done=approved|saved] */
idp_outcome_t idp_console_client(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    console_t c;
    idp_outcome_t out;
    const char *done = NULL;
    if (!idp_console_gate(o, req, resp, IDP_ADMIN_VIEWER | IDP_ADMIN_CLIENT_OPERATOR | IDP_ADMIN_AUDITOR, false, &c,
                          &out))
        return out;
    idp_params_get(req->form, "done", &done);
    idp_console_client_page_t p = {.client_id = req->path_param,
                                   .notice = done && !strcmp(done, "approved") ? IDP_MSG_ADMIN_DONE_APPROVED
                                             : done && !strcmp(done, "saved")  ? IDP_MSG_PARTNER_DONE_SAVED
                                                                               : NONE,
                                   .alert = NONE,
                                   .may_edit = holds_role(&c, "client-operator")};
    return idp_console_client_page(o, req, resp, &c, &p);
}

/* POST /admin/clients/{id}/approve (csrf): out of the sandbox, then back to its page (303). */
idp_outcome_t idp_console_client_approve(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    console_t c;
    idp_outcome_t out;
    json_t *r = NULL;
    if (!idp_console_gate(o, req, resp, IDP_ADMIN_CLIENT_OPERATOR, true, &c, &out))
        return out;
    out = idp_admin_client_change(o, &c.who, req->path_param ? req->path_param : "", IDP_ADMIN_OP_CLIENT_SANDBOX, false,
                                  "clients.approve", NULL, req->now, &r);
    json_decref(r);
    if (out.err != IDP_OK)
        return out;
    char *loc = idp_arena_alloc(req->arena, 160);
    if (loc == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    snprintf(loc, 160, "/admin/clients/%.100s?done=approved", req->path_param);
    idp_see_other(resp, loc);
    return idp_ok();
}

idp_outcome_t idp_console_rotate_secret(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                        const console_t *c, bool partner)
{
    json_t *r = NULL;
    idp_outcome_t out =
        idp_admin_client_change(o, &c->who, req->path_param ? req->path_param : "", IDP_ADMIN_OP_CLIENT_SECRET, true,
                                "clients.rotate_secret", NULL, req->now, &r);
    if (out.err == IDP_OK) {
        char *secret = idp_arena_strdup(req->arena, json_string_value(json_object_get(r, "client_secret")));
        idp_console_client_page_t p = {
            .client_id = req->path_param, .notice = NONE, .alert = NONE, .secret = secret, .partner = partner};
        out = secret ? idp_console_client_page(o, req, resp, c, &p) : idp_fail(IDP_E_NOMEM, NULL);
        if (secret)
            idp_wipe(secret, strlen(secret));
    }
    json_t *s = json_object_get(r, "client_secret");
    if (json_is_string(s))
        idp_wipe((void *)json_string_value(s), json_string_length(s));
    json_decref(r);
    return out;
}

/* POST /admin/clients/{id}/rotate-secret (csrf) */
idp_outcome_t idp_console_client_rotate_secret(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    console_t c;
    idp_outcome_t out;
    if (!idp_console_gate(o, req, resp, IDP_ADMIN_CLIENT_OPERATOR, true, &c, &out))
        return out;
    return idp_console_rotate_secret(o, req, resp, &c, false);
}

/* The keys page, with @p notice or @p alert. */
static idp_outcome_t keys_page(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, const console_t *c,
                               bool may_rotate, idp_msg_id_t notice, idp_msg_id_t alert)
{
    json_t *list = NULL;
    idp_outcome_t out = idp_admin_keys_as(o, &c->who, &list);
    if (out.err != IDP_OK)
        return out;
    size_t n = json_array_size(list);
    idp_ui_admin_key_t *ks = idp_arena_alloc(req->arena, (n + 1) * sizeof(*ks));
    if (ks == NULL) {
        json_decref(list);
        return idp_fail(IDP_E_NOMEM, NULL);
    }
    for (size_t i = 0; i < n; i++) {
        json_t *k = json_array_get(list, i);
        ks[i] = (idp_ui_admin_key_t){.kid = json_string_value(json_object_get(k, "kid")),
                                     .alg = json_string_value(json_object_get(k, "alg")),
                                     .state = json_string_value(json_object_get(k, "state")),
                                     .created_at = json_integer_value(json_object_get(k, "created_at"))};
    }
    /* the rotations set for a time (the page's read is its keys.list row) */
    idp_store_key_schedule_t *rows = NULL;
    size_t ns = 0;
    idp_err_t e = idp_store_key_schedules(o->store, &rows, &ns);
    idp_ui_admin_schedule_t *ss = e == IDP_OK ? idp_arena_alloc(req->arena, (ns + 1) * sizeof(*ss)) : NULL;
    for (size_t i = 0; ss && i < ns; i++)
        ss[i] = (idp_ui_admin_schedule_t){.alg = idp_arena_strdup(req->arena, rows[i].alg),
                                          .set_by = idp_arena_strdup(req->arena, rows[i].set_by),
                                          .every_days = rows[i].every_seconds / 86400,
                                          .next_at = rows[i].next_at};
    free(rows);
    if (ss == NULL) {
        json_decref(list);
        return e == IDP_OK ? idp_fail(IDP_E_NOMEM, NULL) : idp_fail_store(e);
    }
    idp_ui_admin_keys_view_t v = {.c = idp_console_common(req, c, notice),
                                  .keys = ks,
                                  .n = n,
                                  .may_rotate = may_rotate,
                                  .schedules = ss,
                                  .nschedules = ns};
    if (alert != NONE)
        v.c.alert = idp_msg_get(alert, req->lang);
    idp_ui_page_t page;
    idp_page_emit(req, resp, idp_ui_render_admin_keys(&v, &page), &page);
    if (alert != NONE)
        resp->status = alert == IDP_MSG_ADMIN_TOO_SOON ? 409 : 400;
    json_decref(list);
    return idp_ok();
}

/* GET /admin/keys[?done=rotated] */
idp_outcome_t idp_console_keys(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    console_t c;
    idp_outcome_t out;
    const char *done = NULL;
    if (!idp_console_gate(o, req, resp, IDP_ADMIN_VIEWER | IDP_ADMIN_KEY_OPERATOR | IDP_ADMIN_AUDITOR, false, &c, &out))
        return out;
    idp_params_get(req->form, "done", &done);
    idp_msg_id_t notice = done && !strcmp(done, "rotated")       ? IDP_MSG_ADMIN_DONE_ROTATED
                          : done && !strcmp(done, "scheduled")   ? IDP_MSG_ADMIN_DONE_SCHEDULED
                          : done && !strcmp(done, "unscheduled") ? IDP_MSG_ADMIN_DONE_UNSCHEDULED
                                                                 : NONE;
    return keys_page(o, req, resp, &c, holds_role(&c, "key-operator"), notice, NONE);
}

/* POST /admin/keys/rotate (csrf, alg, force?): one rotation step, then the keys page (303); too soon: 409. */
idp_outcome_t idp_console_keys_rotate(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    console_t c;
    idp_outcome_t out;
    const char *alg = NULL, *force = NULL;
    json_t *r = NULL;
    if (!idp_console_gate(o, req, resp, IDP_ADMIN_KEY_OPERATOR, true, &c, &out))
        return out;
    idp_params_get(req->form, "alg", &alg);
    idp_params_get(req->form, "force", &force);
    idp_alg_t a = idp_alg_from_name(alg);
    if (a == IDP_ALG_NONE)
        return idp_fail(IDP_E_INVALID_REQUEST, "alg: RS256, ES256 or PS256");
    out = idp_admin_keys_rotate_as(o, &c.who, a, force && !strcmp(force, "1"), NULL, &r);
    json_decref(r);
    if (out.err == IDP_E_CONFLICT)
        return keys_page(o, req, resp, &c, true, NONE, IDP_MSG_ADMIN_TOO_SOON);
    if (out.err == IDP_OK)
        idp_see_other(resp, "/admin/keys?done=rotated");
    return out;
}

/* POST /admin/keys/schedule (csrf, action=set with alg and every_days, or cancel with alg), then the keys page. */
idp_outcome_t idp_console_keys_schedule(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    console_t c;
    idp_outcome_t out;
    const char *alg = NULL, *action = NULL, *every = NULL;
    if (!idp_console_gate(o, req, resp, IDP_ADMIN_KEY_OPERATOR, true, &c, &out))
        return out;
    idp_params_get(req->form, "alg", &alg);
    idp_params_get(req->form, "action", &action);
    idp_params_get(req->form, "every_days", &every);
    idp_alg_t a = idp_alg_from_name(alg);
    bool set = action && !strcmp(action, "set");
    if (a == IDP_ALG_NONE || action == NULL || (!set && strcmp(action, "cancel") != 0))
        return idp_fail(IDP_E_INVALID_REQUEST, "alg (RS256, ES256 or PS256) and action=set|cancel");
    if (set) {
        char *end = NULL;
        long long days = every && *every ? strtoll(every, &end, 10) : 0;
        out = end && !*end ? idp_admin_key_schedule_set_as(o, &c.who, a, days, 0, req->now, NULL)
                           : idp_fail(IDP_E_INVALID_REQUEST, "every_days: a number");
        if (out.err == IDP_E_INVALID_REQUEST)
            return keys_page(o, req, resp, &c, true, NONE, IDP_MSG_ADMIN_SCHEDULE_BAD);
    } else {
        out = idp_admin_key_schedule_cancel_as(o, &c.who, a, NULL);
    }
    if (out.err == IDP_OK)
        idp_see_other(resp, set ? "/admin/keys?done=scheduled" : "/admin/keys?done=unscheduled");
    return out;
}

static idp_ui_admin_chain_t chain_of(json_t *j)
{
    return (idp_ui_admin_chain_t){.ok = json_is_true(json_object_get(j, "ok")),
                                  .rows = json_integer_value(json_object_get(j, "rows")),
                                  .bad_row = json_integer_value(json_object_get(j, "row")),
                                  .problem = json_string_value(json_object_get(j, "problem"))};
}

/* GET /admin/audit[?event=&resident=]: both hash chains verified now, and the audit events, newest first. */
idp_outcome_t idp_console_audit(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    console_t c;
    idp_outcome_t out;
    json_t *r = NULL, *list = NULL;
    const char *event = NULL, *resident = NULL;
    if (!idp_console_gate(o, req, resp, IDP_ADMIN_AUDITOR, false, &c, &out))
        return out;
    idp_params_get(req->form, "event", &event);
    idp_params_get(req->form, "resident", &resident);
    if ((event && strlen(event) > 63) || (resident && strlen(resident) > 63))
        return idp_fail(IDP_E_INVALID_REQUEST, "event and resident: at most 63 characters");
    if ((out = idp_admin_verify_as(o, &c.who, &r)).err != IDP_OK)
        return out;
    if ((out = idp_admin_audit_events_as(o, &c.who, event, resident, 0, 50, &list)).err != IDP_OK) {
        json_decref(r);
        return out;
    }
    size_t n = json_array_size(list);
    idp_ui_admin_event_t *evs = idp_arena_alloc(req->arena, (n + 1) * sizeof(*evs));
    for (size_t i = 0; evs && i < n; i++) {
        json_t *e = json_array_get(list, i);
        char *detail = json_dumps(json_object_get(e, "detail"), JSON_COMPACT | JSON_SORT_KEYS);
        evs[i] = (idp_ui_admin_event_t){.at = json_integer_value(json_object_get(e, "at")),
                                        .event = json_string_value(json_object_get(e, "event")),
                                        .resident = json_string_value(json_object_get(e, "resident_id")),
                                        .detail = detail ? idp_arena_strdup(req->arena, detail) : ""};
        free(detail);
    }
    idp_ui_admin_audit_view_t v = {.c = idp_console_common(req, &c, NONE),
                                   .ledger = chain_of(json_object_get(r, "consent_ledger")),
                                   .log = chain_of(json_object_get(r, "admin_log")),
                                   .event = event,
                                   .resident = resident,
                                   .events = evs,
                                   .n = evs ? n : 0};
    idp_ui_page_t page;
    idp_page_emit(req, resp, idp_ui_render_admin_audit(&v, &page), &page);
    json_decref(r);
    json_decref(list);
    return idp_ok();
}

/* GET /admin/residents[?client_id=&sub=][?resident=&done=]: the help desk finds the resident a service knows by its
 * sub (or, after an action, the resident acted on), with the forms to lock, unlock or end their sessions. */
idp_outcome_t idp_console_residents(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    console_t c;
    idp_outcome_t out;
    const char *client_id = NULL, *sub = NULL, *resident = NULL, *done = NULL;
    json_t *list = NULL;
    if (!idp_console_gate(o, req, resp, IDP_ADMIN_HELP_DESK, false, &c, &out))
        return out;
    idp_params_get(req->form, "client_id", &client_id);
    idp_params_get(req->form, "sub", &sub);
    idp_params_get(req->form, "resident", &resident);
    idp_params_get(req->form, "done", &done);
    bool search = client_id && *client_id && sub && *sub && strlen(sub) <= 255;
    if (search && (out = idp_admin_residents_as(o, &c.who, client_id, sub, &list)).err != IDP_OK &&
        out.err != IDP_E_NOT_FOUND)
        return out;
    if (!search && resident && *resident) {
        json_t *one = NULL;
        if ((out = idp_admin_resident_as(o, &c.who, resident, &one)).err != IDP_OK)
            return out;
        json_array_append_new(list = json_array(), one);
    }
    size_t n = json_array_size(list);
    idp_ui_admin_resident_t *rs = idp_arena_alloc(req->arena, (n + 1) * sizeof(*rs));
    for (size_t i = 0; rs && i < n; i++) {
        json_t *r = json_array_get(list, i);
        rs[i] = (idp_ui_admin_resident_t){.id = json_string_value(json_object_get(r, "resident_id")),
                                          .locked = json_is_true(json_object_get(r, "locked")),
                                          .ways = (int)json_array_size(json_object_get(r, "credentials")),
                                          .sessions = (int)json_integer_value(json_object_get(r, "live_sessions"))};
    }
    idp_msg_id_t notice = done && !strcmp(done, "locked")     ? IDP_MSG_ADMIN_DONE_LOCKED
                          : done && !strcmp(done, "unlocked") ? IDP_MSG_ADMIN_DONE_UNLOCKED
                          : done && !strcmp(done, "ended")    ? IDP_MSG_ADMIN_DONE_ENDED
                                                              : NONE;
    idp_ui_admin_residents_view_t v = {.c = idp_console_common(req, &c, notice),
                                       .client_id = client_id,
                                       .sub = sub,
                                       .searched = search,
                                       .residents = rs,
                                       .n = rs ? n : 0};
    idp_ui_page_t page;
    idp_page_emit(req, resp, idp_ui_render_admin_residents(&v, &page), &page);
    json_decref(list);
    return idp_ok();
}

/* POST /admin/residents/{id} (csrf, action=lock|unlock|end-sessions, reason): the help desk's change, then the
 * resident's state (303). A missing reason shows nothing changed (400). */
idp_outcome_t idp_console_resident_action(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    console_t c;
    idp_outcome_t out;
    const char *action = NULL, *reason = NULL;
    json_t *r = NULL;
    if (!idp_console_gate(o, req, resp, IDP_ADMIN_HELP_DESK, true, &c, &out))
        return out;
    idp_params_get(req->form, "action", &action);
    idp_params_get(req->form, "reason", &reason);
    static const struct {
        const char *name, *logged, *done;
        idp_store_admin_op_kind_t kind;
        bool flag;
    } actions[] = {{"lock", "residents.lock", "locked", IDP_ADMIN_OP_RESIDENT_LOCK, true},
                   {"unlock", "residents.unlock", "unlocked", IDP_ADMIN_OP_RESIDENT_LOCK, false},
                   {"end-sessions", "residents.end_sessions", "ended", IDP_ADMIN_OP_RESIDENT_END_SESSIONS, false}};
    size_t k = 0;
    while (k < sizeof(actions) / sizeof(actions[0]) && (action == NULL || strcmp(actions[k].name, action) != 0))
        k++;
    if (k == sizeof(actions) / sizeof(actions[0]))
        return idp_fail(IDP_E_INVALID_REQUEST, "action: lock, unlock or end-sessions");
    out = idp_admin_resident_change(o, &c.who, req->path_param, actions[k].kind, actions[k].flag, actions[k].logged,
                                    reason, &r);
    json_decref(r);
    if (out.err != IDP_OK)
        return out;
    char *loc = idp_arena_alloc(req->arena, 200);
    if (loc == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    snprintf(loc, 200, "/admin/residents?resident=%.100s&done=%s", req->path_param, actions[k].done);
    idp_see_other(resp, loc);
    return idp_ok();
}

/* GET /admin/upstreams[?done=changed]: the upstream providers and card channels, never their secrets. */
idp_outcome_t idp_console_upstreams(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    console_t c;
    idp_outcome_t out;
    const char *done = NULL;
    json_t *list = NULL;
    if (!idp_console_gate(o, req, resp, IDP_ADMIN_VIEWER | IDP_ADMIN_CLIENT_OPERATOR | IDP_ADMIN_AUDITOR, false, &c,
                          &out))
        return out;
    if ((out = idp_admin_upstreams_as(o, &c.who, &list)).err != IDP_OK)
        return out;
    idp_params_get(req->form, "done", &done);
    size_t n = json_array_size(list);
    idp_ui_admin_upstream_t *us = idp_arena_alloc(req->arena, (n + 1) * sizeof(*us));
    for (size_t i = 0; us && i < n; i++) {
        json_t *u = json_array_get(list, i);
        us[i] = (idp_ui_admin_upstream_t){.id = json_string_value(json_object_get(u, "id")),
                                          .kind = json_string_value(json_object_get(u, "kind")),
                                          .name = json_string_value(json_object_get(u, "display_name")),
                                          .issuer = json_string_value(json_object_get(u, "issuer")),
                                          .enabled = json_is_true(json_object_get(u, "enabled"))};
    }
    if (us == NULL) {
        json_decref(list);
        return idp_fail(IDP_E_NOMEM, NULL);
    }
    idp_ui_admin_upstreams_view_t v = {
        .c = idp_console_common(req, &c, done && !strcmp(done, "changed") ? IDP_MSG_ADMIN_DONE_UPSTREAM : NONE),
        .upstreams = us,
        .n = n,
        .may_change = holds_role(&c, "client-operator")};
    idp_ui_page_t page;
    idp_page_emit(req, resp, idp_ui_render_admin_upstreams(&v, &page), &page);
    json_decref(list);
    return idp_ok();
}

/* POST /admin/upstreams/{id} (csrf, action=enable|disable): offered on the sign-in page or not; then the list. */
idp_outcome_t idp_console_upstream(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    console_t c;
    idp_outcome_t out;
    const char *action = NULL;
    json_t *r = NULL;
    if (!idp_console_gate(o, req, resp, IDP_ADMIN_CLIENT_OPERATOR, true, &c, &out))
        return out;
    idp_params_get(req->form, "action", &action);
    if (action == NULL || (strcmp(action, "enable") && strcmp(action, "disable")))
        return idp_fail(IDP_E_INVALID_REQUEST, "action: enable or disable");
    idp_upstream_fields_t f = {.enabled = !strcmp(action, "enable")};
    out = idp_admin_upstream_write_as(o, req, &c.who, req->path_param, false, &f, &r);
    json_decref(r);
    if (out.err == IDP_OK)
        idp_see_other(resp, "/admin/upstreams?done=changed");
    return out;
}

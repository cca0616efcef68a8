/*
 * The partner portal at /partner (issue #19; docs/admin.md, "The partner
 * portal"): the people who act for a partner organisation (sakaid-admin
 * member add) register its clients, which start in its sandbox, edit their
 * redirect URIs, rotate their secrets, name the sandbox's test residents
 * among the organisation's members, and ask the city for approval. They see
 * their own organisations' clients only; another's is "no such client".
 * Every page and change goes through the admin API's operations
 * (oauth/admin.h): a row of the admin log with the actor "resident:<id>"
 * and the role "partner:<organisation>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "oauth/console.h"

#define NONE IDP_CONSOLE_NONE

#define PARTNER_SIGN_IN "/account/login?for=partner"

/*
 * The gate of the partner portal: a session (any sign-in), a resident who
 * acts for at least one organisation (sakaid-admin member add), and for a
 * change the form's CSRF token and a fresh sign-in. The client of the path,
 * when there is one, must be one of those organisations': another's is "no
 * such client" (404), so that its existence is not told either.
 */
static bool partner_gate(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, bool change, idp_console_t *c,
                         idp_outcome_t *out)
{
    *out = idp_ok();
    memset(c, 0, sizeof(*c));
    if (!idp_browser_session(o, req, &c->sess, NULL)) {
        idp_see_other(resp, PARTNER_SIGN_IN);
        return false;
    }
    char(*orgs)[64] = NULL;
    size_t n = 0;
    idp_err_t e = idp_store_org_residents(o->store, IDP_ORG_MEMBERS, NULL, c->sess.resident_id, &orgs, &n);
    if (e != IDP_OK) {
        *out = idp_fail_store(e);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(c->roles);
        snprintf(c->roles + l, sizeof(c->roles) - l, "%s%s", l ? " " : "", orgs[i]);
    }
    free(orgs);
    if (n == 0) {
        idp_console_denied(req, resp, IDP_ADMIN_DENIED_PARTNER);
        return false;
    }
    if (change && !idp_account_csrf_ok(o, req, &c->sess)) {
        *out = idp_fail(IDP_E_FORBIDDEN, "the form is stale: reload the page");
        return false;
    }
    if (change && req->now - c->sess.auth_time > IDP_FRESH_SECONDS) {
        idp_console_denied(req, resp, IDP_ADMIN_DENIED_PARTNER_FRESH);
        return false;
    }
    snprintf(c->who.actor, sizeof(c->who.actor), "resident:%s", c->sess.resident_id);
    snprintf(c->role, sizeof(c->role), "partner");
    c->who.role = c->role;
    idp_account_csrf(o, &c->sess, c->csrf);
    if (req->path_param) {
        idp_store_client_t row;
        bool mine = false;
        if ((e = idp_store_client_get(o->store, req->path_param, &row)) == IDP_OK) {
            char list[sizeof(c->roles) + 2], want[80];
            snprintf(list, sizeof(list), " %s ", c->roles);
            snprintf(want, sizeof(want), " %.63s ", row.organisation);
            mine = row.organisation[0] && strstr(list, want) != NULL;
            snprintf(c->role, sizeof(c->role), "partner:%.63s", row.organisation);
            idp_store_client_clear(&row);
        } else if (e != IDP_E_NOT_FOUND) {
            *out = idp_fail_store(e);
            return false;
        }
        if (!mine) {
            *out = idp_fail(IDP_E_NOT_FOUND, "no such client");
            return false;
        }
    }
    return true;
}

/* GET /partner: the clients of the organisations the resident acts for. */
idp_outcome_t idp_partner_clients(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_console_t c;
    idp_outcome_t out;
    json_t *all = json_array();
    if (all == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    if (!partner_gate(o, req, resp, false, &c, &out)) {
        json_decref(all);
        return out;
    }
    /* one list per organisation, each read logged in that organisation's name */
    char orgs[sizeof(c.roles)];
    snprintf(orgs, sizeof(orgs), "%s", c.roles);
    for (char *save = NULL, *org = strtok_r(orgs, " ", &save); org; org = strtok_r(NULL, " ", &save)) {
        json_t *list = NULL;
        snprintf(c.role, sizeof(c.role), "partner:%s", org);
        if ((out = idp_admin_clients_as(o, &c.who, NULL, org, NULL, &list)).err != IDP_OK) {
            json_decref(all);
            return out;
        }
        json_array_extend(all, list);
        json_decref(list);
    }
    out = idp_console_clients_page(req, resp, &c, all, true);
    json_decref(all);
    return out;
}

/* GET /partner/clients/{id}[?done=requested|saved] */
idp_outcome_t idp_partner_client(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_console_t c;
    idp_outcome_t out;
    const char *done = NULL;
    if (!partner_gate(o, req, resp, false, &c, &out))
        return out;
    idp_params_get(req->form, "done", &done);
    idp_console_client_page_t p = {.client_id = req->path_param,
                                   .notice = done && !strcmp(done, "requested") ? IDP_MSG_PARTNER_DONE_REQUESTED
                                             : done && !strcmp(done, "saved")   ? IDP_MSG_PARTNER_DONE_SAVED
                                                                                : NONE,
                                   .alert = NONE,
                                   .partner = true};
    return idp_console_client_page(o, req, resp, &c, &p);
}

/* POST /partner/clients/{id}/request-approval (csrf): the city sees the request in the console. */
idp_outcome_t idp_partner_client_request(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_console_t c;
    idp_outcome_t out;
    json_t *r = NULL;
    if (!partner_gate(o, req, resp, true, &c, &out))
        return out;
    out = idp_admin_client_change(o, &c.who, req->path_param, IDP_ADMIN_OP_CLIENT_REQUEST, true,
                                  "clients.request_approval", NULL, req->now, &r);
    json_decref(r);
    if (out.err != IDP_OK)
        return out;
    char *loc = idp_arena_alloc(req->arena, 160);
    if (loc == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    snprintf(loc, 160, "/partner/clients/%.100s?done=requested", req->path_param);
    idp_see_other(resp, loc);
    return idp_ok();
}

/* POST /partner/clients/{id}/rotate-secret (csrf) */
idp_outcome_t idp_partner_client_rotate_secret(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_console_t c;
    idp_outcome_t out;
    if (!partner_gate(o, req, resp, true, &c, &out))
        return out;
    return idp_console_rotate_secret(o, req, resp, &c, true);
}

/* Whether the member acts for @p org (one of c->roles). */
static bool acts_for(const idp_console_t *c, const char *org)
{
    char list[sizeof(c->roles) + 2], want[80];
    if (org == NULL || !*org || strlen(org) > 63)
        return false;
    snprintf(list, sizeof(list), " %s ", c->roles);
    snprintf(want, sizeof(want), " %s ", org);
    return strstr(list, want) != NULL;
}

/* The organisations the member acts for, NULL-terminated, in the arena (pointers into a copy of c->roles). */
static const char **orgs_of(idp_oauth_req_t *req, const idp_console_t *c)
{
    char *copy = idp_arena_strdup(req->arena, c->roles);
    const char **orgs = idp_arena_alloc(req->arena, (sizeof(c->roles) / 2 + 2) * sizeof(*orgs));
    size_t n = 0;
    if (copy == NULL || orgs == NULL)
        return NULL;
    for (char *save = NULL, *org = strtok_r(copy, " ", &save); org; org = strtok_r(NULL, " ", &save))
        orgs[n++] = org;
    orgs[n] = NULL;
    return orgs;
}

/* A form field once (absent: NULL; repeated: NULL too, the form is not ours). */
static const char *field(idp_oauth_req_t *req, const char *name)
{
    const char *v = NULL;
    return req->form && idp_params_get(req->form, name, &v) == IDP_OK ? v : NULL;
}

/* The registration form: empty, or (@p alert) as sent with why it was refused. */
static idp_outcome_t register_form(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_console_t *c,
                                   const char *detail)
{
    const char *kind = field(req, "kind");
    idp_ui_partner_register_view_t v = {.c = idp_console_common(req, c, NONE),
                                        .orgs = orgs_of(req, c),
                                        .org = field(req, "organisation"),
                                        .name = detail ? field(req, "client_name") : NULL,
                                        .redirects = detail ? field(req, "redirect_uris") : NULL,
                                        .public_client = kind && !strcmp(kind, "public")};
    if (v.orgs == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    if (detail) {
        v.c.alert = idp_msg_get(IDP_MSG_PARTNER_REFUSED, req->lang);
        v.c.detail = detail;
    }
    idp_ui_page_t page;
    idp_page_emit(req, resp, idp_ui_render_partner_register(&v, &page), &page);
    return idp_ok();
}

/*
 * GET /partner/register: the form. POST (csrf, organisation, client_name, redirect_uris, kind=server|public): a
 * new client of that organisation, in its sandbox, validated as every client is (client_meta.c); its page with the
 * secret shown once. A refusal shows the form again as sent, with the validator's reason.
 */
idp_outcome_t idp_partner_register(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_console_t c;
    idp_outcome_t out;
    bool post = req->post;
    if (!partner_gate(o, req, resp, post, &c, &out))
        return out;
    if (!post)
        return register_form(req, resp, &c, NULL);
    const char *org = field(req, "organisation"), *name = field(req, "client_name"), *kind = field(req, "kind");
    if (!acts_for(&c, org))
        return idp_fail(IDP_E_NOT_FOUND, "no such organisation");
    snprintf(c.role, sizeof(c.role), "partner:%s", org);
    if (name == NULL || !*name)
        return register_form(req, resp, &c, "client_name: required");
    bool public_client = kind && !strcmp(kind, "public");
    /* the partner's fields only: never the administrator's (tier above partner, first_party, admin scopes) */
    json_t *meta = json_pack("{s:s, s:o, s:s, s:s}", "client_name", name, "redirect_uris",
                             idp_console_redirect_lines(field(req, "redirect_uris")), "token_endpoint_auth_method",
                             public_client ? "none" : "client_secret_basic", "tier", "partner");
    if (meta == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    json_t *r = NULL;
    out = idp_admin_client_create_as(o, req, &c.who, meta, org, &r);
    json_decref(meta);
    if (idp_console_correctable(out.err))
        return register_form(req, resp, &c, out.description ? out.description : "invalid metadata");
    if (out.err != IDP_OK)
        return out;
    const char *id = idp_arena_strdup(req->arena, json_string_value(json_object_get(r, "client_id")));
    json_t *s = json_object_get(r, "client_secret");
    char *secret = json_is_string(s) ? idp_arena_strdup(req->arena, json_string_value(s)) : NULL;
    if (json_is_string(s))
        idp_wipe((void *)json_string_value(s), json_string_length(s));
    json_decref(r);
    if (id == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    idp_console_client_page_t p = {
        .client_id = id, .notice = IDP_MSG_PARTNER_DONE_REGISTERED, .alert = NONE, .secret = secret, .partner = true};
    out = idp_console_client_page(o, req, resp, &c, &p);
    if (out.err == IDP_OK)
        resp->status = 201;
    if (secret)
        idp_wipe(secret, strlen(secret));
    return out;
}

/*
 * POST /partner/clients/{id}/redirect-uris (csrf, redirect_uris): the client's redirect URIs replaced, validated
 * as every client's (a change of sector that would give residents a new sub is refused: OpenID Connect Core §8.1);
 * back to its page (303), or its page with the reason (400).
 */
idp_outcome_t idp_partner_client_redirects(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_console_t c;
    idp_outcome_t out;
    if (!partner_gate(o, req, resp, true, &c, &out))
        return out;
    return idp_console_save_redirects(o, req, resp, &c, true);
}

/* Adds @p id to @p people (or marks it there) as a member or a test resident. */
static void person(idp_ui_partner_person_t *people, size_t *n, const char *id, bool member, const char *me)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(people[i].id, id)) {
            people[i].member |= member;
            people[i].test |= !member;
            return;
        }
    people[(*n)++] = (idp_ui_partner_person_t){.id = id, .member = member, .test = !member, .you = !strcmp(id, me)};
}

/*
 * GET /partner/test-residents[?organisation=&done=added|removed]: the organisation's members and test residents.
 * POST (csrf, organisation, resident, action=add|remove): a member made a test resident, or a test resident taken
 * back; then the page (303). Only a member of the organisation can be made one: a partner never names a resident
 * it does not know, so no sandbox client can sign in a resident who is not the partner's own staff.
 */
idp_outcome_t idp_partner_test_residents(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_console_t c;
    idp_outcome_t out;
    bool post = req->post;
    if (!partner_gate(o, req, resp, post, &c, &out))
        return out;
    const char **orgs = orgs_of(req, &c), *org = field(req, "organisation");
    if (orgs == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    if (org == NULL && !post)
        org = orgs[0];
    if (!acts_for(&c, org))
        return idp_fail(IDP_E_NOT_FOUND, "no such organisation");
    snprintf(c.role, sizeof(c.role), "partner:%s", org);
    idp_err_t e;
    if (post) {
        const char *resident = field(req, "resident"), *action = field(req, "action");
        bool add = action && !strcmp(action, "add");
        if (resident == NULL || action == NULL || (!add && strcmp(action, "remove") != 0))
            return idp_fail(IDP_E_INVALID_REQUEST, "resident and action=add|remove");
        bool member = false;
        if (add && (e = idp_store_org_resident_is(o->store, IDP_ORG_MEMBERS, org, resident, &member)) != IDP_OK)
            return idp_fail_store(e);
        if (add && !member)
            return idp_fail(IDP_E_NOT_FOUND, "no such member of the organisation");
        json_t *after = json_pack("{s:s, s:b}", "organisation", org, "test_resident", add);
        idp_store_admin_op_t op = {.kind = IDP_ADMIN_OP_TEST_RESIDENT, .id = resident, .text = org, .flag = add};
        out = idp_admin_apply(o, &c.who, &op, add ? "test_residents.add" : "test_residents.remove", resident, NULL,
                              after);
        json_decref(after);
        if (out.err == IDP_E_NOT_FOUND)
            return idp_fail(IDP_E_NOT_FOUND, "no such test resident");
        if (out.err != IDP_OK)
            return out;
        char *loc = idp_arena_alloc(req->arena, 200);
        if (loc == NULL)
            return idp_fail(IDP_E_NOMEM, NULL);
        snprintf(loc, 200, "/partner/test-residents?organisation=%s&done=%s", org, add ? "added" : "removed");
        idp_see_other(resp, loc);
        return idp_ok();
    }
    if ((out = idp_admin_read(o, &c.who, "test_residents.list", org)).err != IDP_OK)
        return out;
    char(*members)[64] = NULL, (*tests)[64] = NULL;
    size_t nm = 0, nt = 0;
    if ((e = idp_store_org_residents(o->store, IDP_ORG_MEMBERS, org, NULL, &members, &nm)) != IDP_OK ||
        (e = idp_store_org_residents(o->store, IDP_ORG_TEST_RESIDENTS, org, NULL, &tests, &nt)) != IDP_OK) {
        free(members);
        return idp_fail_store(e);
    }
    idp_ui_partner_person_t *people = idp_arena_alloc(req->arena, (nm + nt + 1) * sizeof(*people));
    size_t n = 0;
    for (size_t i = 0; people && i < nm + nt; i++) {
        const char *id = idp_arena_strdup(req->arena, i < nm ? members[i] : tests[i - nm]);
        if (id)
            person(people, &n, id, i < nm, c.sess.resident_id);
    }
    free(members);
    free(tests);
    if (people == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    const char *done = field(req, "done");
    idp_msg_id_t notice = done && !strcmp(done, "added")     ? IDP_MSG_PARTNER_DONE_TEST_ADDED
                          : done && !strcmp(done, "removed") ? IDP_MSG_PARTNER_DONE_TEST_REMOVED
                                                             : NONE;
    idp_ui_partner_tests_view_t v = {
        .c = idp_console_common(req, &c, notice), .org = org, .orgs = orgs, .people = people, .n = n};
    idp_ui_page_t page;
    idp_page_emit(req, resp, idp_ui_render_partner_tests(&v, &page), &page);
    return idp_ok();
}

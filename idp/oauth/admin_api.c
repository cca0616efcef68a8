/*
 * The admin API, /admin/api/v1 (issue #19; docs/admin.md "The admin API",
 * docs/admin-api.json): JSON for automation, authorised by our own access
 * tokens. A client that an administrator registered with an admin scope
 * ("admin:viewer", "admin:client-operator", "admin:key-operator",
 * "admin:help-desk", "admin:auditor") gets one through client_credentials;
 * the token is bound to exactly one role, and each route names the roles
 * that may call it. Every call, reads included, is a row of the
 * hash-chained admin log with its actor, role, action, target and the
 * change before and after, written in the transaction that makes the
 * change (idp_store_admin_apply): both or neither. Errors are RFC 9457
 * problem details.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "client/client_meta.h"
#include "core/rand.h"
#include "core/str.h"
#include "keys/keys.h"
#include "federation/federation.h"
#include "federation/upstream_row.h"
#include "oauth/admin.h"
#include "oauth/clients.h"
#include "oauth/internal.h"

static const struct {
    unsigned bit;
    const char *scope, *name;
} roles[] = {
    {IDP_ADMIN_VIEWER, "admin:viewer", "viewer"},
    {IDP_ADMIN_CLIENT_OPERATOR, "admin:client-operator", "client-operator"},
    {IDP_ADMIN_KEY_OPERATOR, "admin:key-operator", "key-operator"},
    {IDP_ADMIN_HELP_DESK, "admin:help-desk", "help-desk"},
    {IDP_ADMIN_AUDITOR, "admin:auditor", "auditor"},
    {IDP_ADMIN_OUTREACH_PLANNER, "admin:outreach-planner", "outreach-planner"},
};
#define NROLES (sizeof(roles) / sizeof(roles[0]))

typedef idp_admin_caller_t caller_t;

const char *idp_admin_role_name(unsigned bit)
{
    for (size_t i = 0; i < NROLES; i++)
        if (roles[i].bit == bit)
            return roles[i].name;
    return NULL;
}

unsigned idp_admin_role_bit(const char *name)
{
    for (size_t i = 0; i < NROLES; i++)
        if (!strcmp(roles[i].name, name))
            return roles[i].bit;
    return 0;
}

/*
 * RFC 6750: the bearer token is one of ours, live, and carries exactly one
 * admin role; that role is one of @p allowed. 401 without a usable token,
 * 403 insufficient_scope when the role may not call this route (@p action:
 * that refusal is logged as "denied:<action>").
 */
idp_outcome_t idp_admin_authorise(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, unsigned allowed,
                                  const char *action, caller_t *who)
{
    idp_store_token_info_t info;
    idp_outcome_t out = idp_resource_token(o, req, resp, &info);
    if (out.err != IDP_OK)
        return out;
    unsigned have = 0;
    int count = 0;
    const char *p = info.scope;
    size_t len;
    for (const char *w = idp_str_next_word(&p, &len); len; w = idp_str_next_word(&p, &len)) {
        if (!idp_admin_scope(w, len))
            continue;
        count++;
        for (size_t i = 0; i < NROLES; i++)
            if (strlen(roles[i].scope) == len && !strncmp(roles[i].scope, w, len)) {
                have = roles[i].bit;
                who->role = roles[i].name;
            }
    }
    if (count != 1 || have == 0)
        return idp_fail(IDP_E_INSUFFICIENT_SCOPE, "an admin token carries exactly one admin role (scope admin:<role>)");
    snprintf(who->actor, sizeof(who->actor), "client:%s", info.client_id);
    if (have & allowed)
        return idp_ok();
    /* a refusal of a known actor is a row of the log too: someone tried */
    char denied[96];
    snprintf(denied, sizeof(denied), "denied:%s", action);
    idp_store_admin_op_t op = {.kind = IDP_ADMIN_OP_NONE};
    idp_store_admin_entry_t entry = {
        .actor = who->actor, .role = who->role, .action = denied, .target = req->path_param ? req->path_param : ""};
    idp_err_t e = idp_store_admin_apply(o->store, &op, &entry);
    if (e != IDP_OK)
        return idp_fail_store(e);
    return idp_fail(IDP_E_INSUFFICIENT_SCOPE, "this role may not call this route (docs/admin.md, Roles)");
}

/* Writes the change and its log row (one transaction); an outcome for the call. */
idp_outcome_t idp_admin_apply(idp_oauth_t *o, const caller_t *who, const idp_store_admin_op_t *op, const char *action,
                              const char *target, json_t *before, json_t *after)
{
    char *b = before ? json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    char *a = after ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    idp_store_admin_entry_t entry = {.actor = who->actor,
                                     .role = who->role,
                                     .action = action,
                                     .target = target ? target : "",
                                     .before = b,
                                     .after = a};
    idp_err_t e = (before && !b) || (after && !a) ? IDP_E_NOMEM : idp_store_admin_apply(o->store, op, &entry);
    free(b);
    free(a);
    bool client = op->kind == IDP_ADMIN_OP_CLIENT_SANDBOX || op->kind == IDP_ADMIN_OP_CLIENT_SUSPEND ||
                  op->kind == IDP_ADMIN_OP_CLIENT_SECRET || op->kind == IDP_ADMIN_OP_CLIENT_REQUEST ||
                  op->kind == IDP_ADMIN_OP_CLIENT_UPDATE || op->kind == IDP_ADMIN_OP_CLIENT_DELETE;
    if (e == IDP_OK && client) /* a suspension or a new secret holds on this node at once (docs/admin.md) */
        idp_clients_forget(o->clients, op->id);
    if (e == IDP_OK)
        return idp_ok();
    if (e == IDP_E_NOT_FOUND)
        return idp_fail(IDP_E_NOT_FOUND, "no such resource");
    if (e == IDP_E_CONFLICT)
        return idp_fail(IDP_E_CONFLICT, "the change conflicts with the resource's state");
    return idp_fail_store(e);
}

/* A read: its log row only. */
idp_outcome_t idp_admin_read(idp_oauth_t *o, const caller_t *who, const char *action, const char *target)
{
    idp_store_admin_op_t op = {.kind = IDP_ADMIN_OP_NONE};
    return idp_admin_apply(o, who, &op, action, target, NULL, NULL);
}

static void answer(idp_oauth_req_t *req, idp_oauth_resp_t *resp, int status, json_t *body)
{
    idp_oauth_json(req, resp, status, body);
}

/* A query parameter (NULL when absent); *bad when it is repeated or malformed. */
static const char *query(idp_oauth_req_t *req, const char *name, bool *bad)
{
    const char *v = NULL;
    idp_err_t e = req->form ? idp_params_get(req->form, name, &v) : IDP_E_NOT_FOUND;
    if (e != IDP_OK && e != IDP_E_NOT_FOUND)
        *bad = true;
    return e == IDP_OK ? v : NULL;
}

/* The JSON body of a write (an object), or NULL for none; *bad when it is there and not an object. */
static json_t *body_object(idp_oauth_req_t *req, bool *bad)
{
    if (req->body == NULL || req->body_len == 0)
        return NULL;
    json_t *j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        *bad = true;
        return NULL;
    }
    return j;
}

/* ---- clients ----------------------------------------------------------------------------- */

/* What the API shows of a client: its metadata and its life cycle; never a hash. */
static json_t *client_json(const idp_store_client_t *c)
{
    json_t *m = json_loads(c->metadata, 0, NULL);
    json_t *j = json_pack(
        "{s:s, s:s?, s:b, s:b, s:b, s:b, s:I, s:I, s:I, s:I, s:o}", "client_id", c->client_id, "organisation",
        c->organisation[0] ? c->organisation : NULL, "sandbox", c->sandbox, "suspended", c->suspended, "has_secret",
        c->has_secret, "registered", c->has_registration_token, "created_at", (json_int_t)c->created_at, "updated_at",
        (json_int_t)c->updated_at, "secret_rotated_at", (json_int_t)c->secret_rotated_at, "approval_requested_at",
        (json_int_t)c->approval_requested_at, "metadata", m ? m : json_object());
    return j;
}

/* The state an action changes, for the log's before and after. */
static json_t *client_state(const idp_store_client_t *c)
{
    return json_pack("{s:b, s:b, s:I, s:I}", "sandbox", c->sandbox, "suspended", c->suspended, "secret_rotated_at",
                     (json_int_t)c->secret_rotated_at, "approval_requested_at", (json_int_t)c->approval_requested_at);
}

/* Whether @p s holds @p q, ASCII letters in either case (other bytes, UTF-8 among them, as they are). */
static bool holds(const char *s, const char *q)
{
    size_t n = strlen(q);
    for (; *s; s++)
        if (!strncasecmp(s, q, n))
            return true;
    return n == 0;
}

static bool matches(const idp_store_client_t *c, const char *q, const char *org, const char *sandbox)
{
    if (org && strcmp(c->organisation, org) != 0)
        return false;
    if (sandbox && c->sandbox != !strcmp(sandbox, "true"))
        return false;
    if (q == NULL)
        return true;
    if (holds(c->client_id, q))
        return true;
    json_t *m = json_loads(c->metadata, 0, NULL);
    const char *name = json_string_value(json_object_get(m, "client_name"));
    bool hit = name && holds(name, q);
    json_decref(m);
    return hit;
}

idp_outcome_t idp_admin_clients_as(idp_oauth_t *o, const caller_t *who, const char *q, const char *org,
                                   const char *sandbox, json_t **result)
{
    *result = NULL;
    idp_outcome_t out = idp_admin_read(o, who, "clients.list", "");
    if (out.err != IDP_OK)
        return out;
    idp_store_client_t *rows = NULL;
    size_t n = 0;
    idp_err_t e = idp_store_client_list(o->store, &rows, &n);
    if (e != IDP_OK)
        return idp_fail_store(e);
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++)
        if (matches(&rows[i], q, org, sandbox))
            json_array_append_new(list, client_json(&rows[i]));
    idp_store_clients_free(rows, n);
    *result = list;
    return list ? idp_ok() : idp_fail(IDP_E_NOMEM, NULL);
}

idp_outcome_t idp_admin_client_create_as(idp_oauth_t *o, idp_oauth_req_t *req, const caller_t *who, json_t *in,
                                         const char *organisation, json_t **result)
{
    json_t *meta = NULL;
    char *id = NULL, *secret = NULL, *text = NULL;
    *result = NULL;
    idp_outcome_t out = idp_client_validate(o, req, in, NULL, &meta);
    if (out.err != IDP_OK)
        return out;
    idp_store_client_t c = {0};
    bool uses = idp_client_meta_uses_secret(meta);
    id = idp_random_id_new(16);
    secret = uses ? idp_random_token_new(32) : NULL;
    text = json_dumps(meta, JSON_COMPACT);
    if (id == NULL || text == NULL || (uses && secret == NULL)) {
        out = idp_fail(IDP_E_NOMEM, NULL);
        goto Exit;
    }
    c.client_id = id;
    c.metadata = text;
    if ((c.has_secret = uses))
        idp_sha256(secret, strlen(secret), c.secret_hash);
    if (organisation) { /* the partner portal's: in its organisation's sandbox until approved */
        snprintf(c.organisation, sizeof(c.organisation), "%s", organisation);
        c.sandbox = true;
    }
    idp_store_admin_op_t op = {.kind = IDP_ADMIN_OP_CLIENT_INSERT, .client = &c};
    out = idp_admin_apply(o, who, &op, "clients.create", id, NULL, meta);
    idp_wipe(c.secret_hash, sizeof(c.secret_hash));
    if (out.err != IDP_OK)
        goto Exit;
    json_t *r = json_pack("{s:s, s:O}", "client_id", id, "metadata", meta);
    if (r && secret) {
        json_object_set_new(r, "client_secret", json_string(secret));
        json_object_set_new(r, "client_secret_expires_at", json_integer(0));
    }
    if ((*result = r) == NULL)
        out = idp_fail(IDP_E_NOMEM, NULL);
Exit:
    idp_secret_free(secret);
    free(id);
    free(text);
    json_decref(meta);
    return out;
}

/* POST /admin/api/v1/clients: a new live client from its metadata (the administrator's: tier and first_party
 * allowed), with its secret shown once. */
static idp_outcome_t client_create(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, const caller_t *who)
{
    bool bad = false;
    json_t *in = body_object(req, &bad), *r = NULL;
    if (in == NULL)
        return idp_fail(IDP_E_INVALID_CLIENT_METADATA, "the body must be a JSON object of client metadata");
    idp_outcome_t out = idp_admin_client_create_as(o, req, who, in, NULL, &r);
    json_decref(in);
    if (out.err == IDP_OK)
        answer(req, resp, 201, r);
    return out;
}

/* GET /admin/api/v1/clients[?q=&organisation=&sandbox=true|false], POST: a new client */
idp_outcome_t idp_admin_clients(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    caller_t who;
    json_t *list = NULL;
    if (!strcmp(req->method, "POST")) {
        idp_outcome_t out = idp_admin_authorise(o, req, resp, IDP_ADMIN_CLIENT_OPERATOR, "clients.create", &who);
        return out.err == IDP_OK ? client_create(o, req, resp, &who) : out;
    }
    idp_outcome_t out = idp_admin_authorise(
        o, req, resp, IDP_ADMIN_VIEWER | IDP_ADMIN_CLIENT_OPERATOR | IDP_ADMIN_AUDITOR, "clients.list", &who);
    if (out.err != IDP_OK)
        return out;
    bool bad = false;
    const char *q = query(req, "q", &bad), *org = query(req, "organisation", &bad);
    const char *sandbox = query(req, "sandbox", &bad);
    if (bad || (sandbox && strcmp(sandbox, "true") && strcmp(sandbox, "false")) || (q && strlen(q) > 200))
        return idp_fail(IDP_E_INVALID_REQUEST, "q (at most 200 characters), organisation, sandbox=true|false");
    if ((out = idp_admin_clients_as(o, &who, q, org, sandbox, &list)).err == IDP_OK)
        answer(req, resp, 200, json_pack("{s:o}", "clients", list));
    return out;
}

/* The client the path names; 404 problem when there is none. */
static idp_outcome_t load_client(idp_oauth_t *o, idp_oauth_req_t *req, idp_store_client_t *row)
{
    idp_err_t e = req->path_param ? idp_store_client_get(o->store, req->path_param, row) : IDP_E_NOT_FOUND;
    if (e == IDP_E_NOT_FOUND)
        return idp_fail(IDP_E_NOT_FOUND, "no such client");
    return e == IDP_OK ? idp_ok() : idp_fail_store(e);
}

idp_outcome_t idp_admin_client_as(idp_oauth_t *o, const caller_t *who, const char *client_id, json_t **result)
{
    idp_store_client_t row;
    *result = NULL;
    idp_err_t e = idp_store_client_get(o->store, client_id, &row);
    if (e == IDP_E_NOT_FOUND)
        return idp_fail(IDP_E_NOT_FOUND, "no such client");
    if (e != IDP_OK)
        return idp_fail_store(e);
    idp_outcome_t out = idp_admin_read(o, who, "clients.read", row.client_id);
    if (out.err == IDP_OK && (*result = client_json(&row)) == NULL)
        out = idp_fail(IDP_E_NOMEM, NULL);
    idp_store_client_clear(&row);
    return out;
}

idp_outcome_t idp_admin_client_update_as(idp_oauth_t *o, idp_oauth_req_t *req, const caller_t *who,
                                         const char *client_id, json_t *in, json_t **result)
{
    idp_store_client_t row;
    *result = NULL;
    idp_err_t e = idp_store_client_get(o->store, client_id, &row);
    if (e == IDP_E_NOT_FOUND)
        return idp_fail(IDP_E_NOT_FOUND, "no such client");
    if (e != IDP_OK)
        return idp_fail_store(e);
    json_t *before = json_loads(row.metadata, 0, NULL), *meta = NULL;
    char *secret = NULL, *text = NULL;
    unsigned char hash[32];
    idp_outcome_t out = idp_ok();
    if (before == NULL)
        out = idp_fail_why(IDP_E_SERVER_ERROR, NULL, "stored metadata is not JSON");
    if (out.err != IDP_OK || (out = idp_client_validate(o, req, in, before, &meta)).err != IDP_OK)
        goto Exit;
    bool had = idp_client_meta_uses_secret(before), needs = idp_client_meta_uses_secret(meta);
    if (needs && !had) {
        if ((secret = idp_random_token_new(32)) == NULL) {
            out = idp_fail(IDP_E_NOMEM, NULL);
            goto Exit;
        }
        idp_sha256(secret, strlen(secret), hash);
    }
    if ((text = json_dumps(meta, JSON_COMPACT)) == NULL) {
        out = idp_fail(IDP_E_NOMEM, NULL);
        goto Exit;
    }
    idp_store_admin_op_t op = {.kind = IDP_ADMIN_OP_CLIENT_UPDATE,
                               .id = row.client_id,
                               .text = text,
                               .hash = secret ? hash : NULL,
                               .flag = had && !needs};
    if ((out = idp_admin_apply(o, who, &op, "clients.update", row.client_id, before, meta)).err != IDP_OK)
        goto Exit;
    json_t *r = json_pack("{s:s, s:O}", "client_id", row.client_id, "metadata", meta);
    if (r && secret) {
        json_object_set_new(r, "client_secret", json_string(secret));
        json_object_set_new(r, "client_secret_expires_at", json_integer(0));
    }
    if ((*result = r) == NULL)
        out = idp_fail(IDP_E_NOMEM, NULL);
Exit:
    idp_wipe(hash, sizeof(hash));
    idp_secret_free(secret);
    free(text);
    json_decref(before);
    json_decref(meta);
    idp_store_client_clear(&row);
    return out;
}

/* PUT /admin/api/v1/clients/{id}: the metadata replaced (residents keep their sub: OpenID Connect Core §8.1); a
 * client that now needs a secret gets one, shown once; one that no longer does loses it. */
static idp_outcome_t client_update(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, const caller_t *who)
{
    bool bad = false;
    json_t *in = body_object(req, &bad), *r = NULL;
    idp_outcome_t out = idp_ok();
    if (in == NULL)
        return idp_fail(IDP_E_INVALID_CLIENT_METADATA, "the body must be a JSON object of client metadata");
    out = idp_admin_client_update_as(o, req, who, req->path_param ? req->path_param : "", in, &r);
    json_decref(in);
    if (out.err == IDP_OK)
        answer(req, resp, 200, r);
    return out;
}

/* DELETE /admin/api/v1/clients/{id}: the client and every token issued to it. */
static idp_outcome_t client_delete(idp_oauth_t *o, idp_oauth_resp_t *resp, const char *id, const caller_t *who)
{
    idp_store_client_t row;
    idp_err_t e = idp_store_client_get(o->store, id, &row);
    if (e == IDP_E_NOT_FOUND)
        return idp_fail(IDP_E_NOT_FOUND, "no such client");
    if (e != IDP_OK)
        return idp_fail_store(e);
    json_t *before = json_loads(row.metadata, 0, NULL);
    idp_store_admin_op_t op = {.kind = IDP_ADMIN_OP_CLIENT_DELETE, .id = row.client_id};
    idp_outcome_t out = idp_admin_apply(o, who, &op, "clients.delete", row.client_id, before, NULL);
    if (out.err == IDP_OK) {
        resp->status = 204;
        resp->body = "";
        resp->body_len = 0;
    }
    json_decref(before);
    idp_store_client_clear(&row);
    return out;
}

/* GET, PUT, DELETE /admin/api/v1/clients/{id} */
idp_outcome_t idp_admin_client(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    caller_t who;
    json_t *result = NULL;
    bool put = !strcmp(req->method, "PUT"), del = !strcmp(req->method, "DELETE");
    if (put || del) {
        idp_outcome_t out = idp_admin_authorise(o, req, resp, IDP_ADMIN_CLIENT_OPERATOR,
                                                put ? "clients.update" : "clients.delete", &who);
        if (out.err == IDP_OK && req->path_param == NULL)
            out = idp_fail(IDP_E_NOT_FOUND, "no such client");
        if (out.err != IDP_OK)
            return out;
        return put ? client_update(o, req, resp, &who) : client_delete(o, resp, req->path_param, &who);
    }
    idp_outcome_t out = idp_admin_authorise(
        o, req, resp, IDP_ADMIN_VIEWER | IDP_ADMIN_CLIENT_OPERATOR | IDP_ADMIN_AUDITOR, "clients.read", &who);
    if (out.err == IDP_OK && req->path_param == NULL)
        out = idp_fail(IDP_E_NOT_FOUND, "no such client");
    if (out.err == IDP_OK && (out = idp_admin_client_as(o, &who, req->path_param, &result)).err == IDP_OK)
        answer(req, resp, 200, result);
    return out;
}

idp_outcome_t idp_admin_client_change(idp_oauth_t *o, const caller_t *who, const char *client_id,
                                      idp_store_admin_op_kind_t kind, bool flag, const char *action, const char *reason,
                                      long long now, json_t **result)
{
    idp_store_client_t row;
    idp_err_t e = idp_store_client_get(o->store, client_id, &row);
    *result = NULL;
    if (e == IDP_E_NOT_FOUND)
        return idp_fail(IDP_E_NOT_FOUND, "no such client");
    if (e != IDP_OK)
        return idp_fail_store(e);
    idp_outcome_t out = idp_ok();
    char *secret = NULL;
    unsigned char hash[32];
    idp_store_admin_op_t op = {.kind = kind, .id = row.client_id, .flag = flag};
    json_t *before = client_state(&row), *after = client_state(&row);
    if (reason)
        json_object_set_new(after, "reason", json_string(reason));
    if (kind == IDP_ADMIN_OP_CLIENT_SECRET) {
        json_t *m = json_loads(row.metadata, 0, NULL);
        bool uses = m && idp_client_meta_uses_secret(m);
        json_decref(m);
        if (!uses) {
            out = idp_fail(IDP_E_CONFLICT, "this client does not authenticate with a secret");
            goto Exit;
        }
        if ((secret = idp_random_token_new(32)) == NULL) {
            out = idp_fail(IDP_E_NOMEM, NULL);
            goto Exit;
        }
        idp_sha256(secret, strlen(secret), hash);
        op.hash = hash;
        json_object_set_new(after, "secret_rotated_at", json_integer(now));
    } else if (kind == IDP_ADMIN_OP_CLIENT_REQUEST) {
        if (!row.sandbox) {
            out = idp_fail(IDP_E_CONFLICT, "this client is live already");
            goto Exit;
        }
        json_object_set_new(after, "approval_requested_at", json_integer(now));
    } else {
        json_object_set_new(after, kind == IDP_ADMIN_OP_CLIENT_SANDBOX ? "sandbox" : "suspended", json_boolean(flag));
    }
    if ((out = idp_admin_apply(o, who, &op, action, row.client_id, before, after)).err != IDP_OK)
        goto Exit;
    json_t *r = json_pack("{s:s}", "client_id", row.client_id);
    if (secret) {
        json_object_set_new(r, "client_secret", json_string(secret));
        json_object_set_new(r, "client_secret_expires_at", json_integer(0));
    } else {
        json_object_update(r, after);
        json_object_del(r, "reason");
    }
    *result = r;
Exit:
    idp_wipe(hash, sizeof(hash));
    idp_secret_free(secret);
    idp_store_client_clear(&row);
    json_decref(before);
    json_decref(after);
    return out;
}

/* The client actions of the API: one state change each, logged with the state before and after. */
static idp_outcome_t client_action(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                   idp_store_admin_op_kind_t kind, bool flag, const char *action)
{
    caller_t who;
    bool bad = false;
    json_t *body = body_object(req, &bad), *result = NULL;
    json_t *reason = json_object_get(body, "reason");
    idp_outcome_t out = idp_admin_authorise(o, req, resp, IDP_ADMIN_CLIENT_OPERATOR, action, &who);
    if (out.err == IDP_OK && (bad || (reason && !json_is_string(reason))))
        out = idp_fail(IDP_E_INVALID_REQUEST, "the body, when there is one, is a JSON object ({\"reason\": a string})");
    if (out.err == IDP_OK && req->path_param == NULL)
        out = idp_fail(IDP_E_NOT_FOUND, "no such client");
    if (out.err == IDP_OK && (out = idp_admin_client_change(o, &who, req->path_param, kind, flag, action,
                                                            json_string_value(reason), req->now, &result))
                                     .err == IDP_OK)
        answer(req, resp, 200, result);
    json_decref(body);
    return out;
}

idp_outcome_t idp_admin_client_approve(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    return client_action(o, req, resp, IDP_ADMIN_OP_CLIENT_SANDBOX, false, "clients.approve");
}

idp_outcome_t idp_admin_client_sandbox(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    return client_action(o, req, resp, IDP_ADMIN_OP_CLIENT_SANDBOX, true, "clients.sandbox");
}

idp_outcome_t idp_admin_client_suspend(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    return client_action(o, req, resp, IDP_ADMIN_OP_CLIENT_SUSPEND, true, "clients.suspend");
}

idp_outcome_t idp_admin_client_resume(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    return client_action(o, req, resp, IDP_ADMIN_OP_CLIENT_SUSPEND, false, "clients.resume");
}

idp_outcome_t idp_admin_client_rotate_secret(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    return client_action(o, req, resp, IDP_ADMIN_OP_CLIENT_SECRET, true, "clients.rotate_secret");
}

/* ---- statistics --------------------------------------------------------------------------- */

/* A date YYYY-MM-DD that exists; its day number (days since 1970-01-01) in *days. */
static bool parse_day(const char *s, long *days)
{
    int y, m, d;
    char end;
    if (s == NULL || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3 || y < 2000 || y > 9999 ||
        m < 1 || m > 12 || d < 1)
        return false;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return false;
    /* days from civil (H. Hinnant's algorithm) */
    y -= m <= 2;
    long era = y / 400, yoe = y - era * 400, doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    *days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
    return true;
}

static void day_text(long days, char out[11])
{
    time_t t = (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* A count as a partner may see it: the number when it is at least k, else "<k". */
static json_t *shown(long long count, int k)
{
    char text[16];
    if (count >= k)
        return json_integer(count);
    snprintf(text, sizeof(text), "<%d", k);
    return json_string(text);
}

static const char *const metrics[][2] = {{"sign_in", "sign_ins"},
                                         {"consent", "consents"},
                                         {"refusal", "refusals"},
                                         {"withdrawal", "withdrawals"},
                                         {"step_up", "step_ups"}};

/* One day of @p rows (those of day @p day), k-thresholded; errors by code, the codes under k together as "other". */
static json_t *day_json(const char *day, const idp_store_stat_t *rows, size_t n, int k)
{
    json_t *j = json_pack("{s:s}", "day", day), *errors = json_object();
    long long other = 0;
    for (size_t m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++) {
        long long c = 0;
        for (size_t i = 0; i < n; i++)
            if (!strcmp(rows[i].day, day) && !strcmp(rows[i].metric, metrics[m][0]))
                c += rows[i].count;
        json_object_set_new(j, metrics[m][1], shown(c, k));
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rows[i].day, day) || strcmp(rows[i].metric, "error"))
            continue;
        if (rows[i].count >= k)
            json_object_set_new(errors, rows[i].code, json_integer(rows[i].count));
        else
            other += rows[i].count;
    }
    json_object_set_new(errors, "other", shown(other, k));
    json_object_set_new(j, "errors", errors);
    return j;
}

/* GET /admin/api/v1/clients/{id}/statistics[?from=YYYY-MM-DD&to=YYYY-MM-DD]: daily, k-thresholded. */
idp_outcome_t idp_admin_statistics_as(idp_oauth_t *o, const caller_t *who, const char *client_id, long from_day,
                                      long to_day, json_t **result)
{
    *result = NULL;
    char fd[11], td[11];
    day_text(from_day, fd);
    day_text(to_day, td);
    idp_store_stat_t *rows = NULL;
    size_t n = 0;
    idp_outcome_t out = idp_admin_read(o, who, "clients.statistics", client_id);
    if (out.err != IDP_OK)
        return out;
    idp_err_t e = idp_store_client_stats(o->store, client_id, fd, td, &rows, &n);
    if (e != IDP_OK)
        return idp_fail_store(e);
    int k = o->cfg->statistics_k;
    json_t *days = json_array();
    for (long d = from_day; days && d <= to_day; d++) {
        char day[11];
        day_text(d, day);
        json_array_append_new(days, day_json(day, rows, n, k));
    }
    free(rows);
    *result = json_pack("{s:s, s:s, s:s, s:i, s:o}", "client_id", client_id, "from", fd, "to", td, "k", k, "days",
                        days ? days : json_array());
    return *result ? idp_ok() : idp_fail(IDP_E_NOMEM, NULL);
}

long idp_admin_today(long long now)
{
    return (long)((now + 9 * 3600) / 86400); /* a day in Japan (UTC+9) */
}

/* GET /admin/api/v1/clients/{id}/statistics[?from=YYYY-MM-DD&to=YYYY-MM-DD]: daily, k-thresholded. */
idp_outcome_t idp_admin_client_statistics(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    caller_t who;
    idp_store_client_t row;
    json_t *result = NULL;
    idp_outcome_t out = idp_admin_authorise(
        o, req, resp, IDP_ADMIN_VIEWER | IDP_ADMIN_CLIENT_OPERATOR | IDP_ADMIN_AUDITOR, "clients.statistics", &who);
    if (out.err != IDP_OK)
        return out;
    bool bad = false;
    const char *from = query(req, "from", &bad), *to = query(req, "to", &bad);
    long today = idp_admin_today(req->now), f = today - 29, t = today;
    if (bad || (from && !parse_day(from, &f)) || (to && !parse_day(to, &t)) || f > t || t - f > 365)
        return idp_fail(IDP_E_INVALID_REQUEST, "from and to: dates YYYY-MM-DD, from not after to, at most 366 days");
    if ((out = load_client(o, req, &row)).err != IDP_OK)
        return out;
    if ((out = idp_admin_statistics_as(o, &who, row.client_id, f, t, &result)).err == IDP_OK)
        answer(req, resp, 200, result);
    idp_store_client_clear(&row);
    return out;
}

/* ---- the help desk: residents ------------------------------------------------------------- */

/* What the help desk sees of a resident: state, ways to sign in (kinds and when), live sessions, consents. */
static idp_outcome_t resident_json(idp_oauth_t *o, const char *id, json_t **out)
{
    bool exists = false, locked = false;
    long long locked_at = 0;
    char reason[512];
    *out = NULL;
    if (id == NULL)
        return idp_fail(IDP_E_NOT_FOUND, "no such resident");
    idp_err_t e = idp_store_resident_state(o->store, id, &exists, &locked, &locked_at, reason);
    if (e != IDP_OK)
        return idp_fail_store(e);
    if (!exists)
        return idp_fail(IDP_E_NOT_FOUND, "no such resident");
    idp_store_credential_t *creds = NULL;
    idp_store_session_t *sess = NULL;
    idp_store_consent_t *cons = NULL;
    size_t nc = 0, ns = 0, nk = 0;
    if ((e = idp_store_credentials(o->store, id, &creds, &nc)) == IDP_OK &&
        (e = idp_store_sessions_list(o->store, id, &sess, &ns)) == IDP_OK)
        e = idp_store_consents_list(o->store, id, &cons, &nk);
    json_t *j = NULL;
    if (e == IDP_OK) {
        json_t *c = json_array(), *k = json_array();
        for (size_t i = 0; c && i < nc; i++)
            json_array_append_new(c, json_pack("{s:s, s:I, s:I}", "kind", creds[i].kind, "linked_at",
                                               (json_int_t)creds[i].linked_at, "expires_at",
                                               (json_int_t)creds[i].expires_at));
        for (size_t i = 0; k && i < nk; i++)
            json_array_append_new(k, json_pack("{s:s, s:I}", "client_id", cons[i].client_id, "granted_at",
                                               (json_int_t)cons[i].granted_at));
        j = json_pack("{s:s, s:b, s:I, s:s, s:o, s:i, s:o}", "resident_id", id, "locked", locked, "locked_at",
                      (json_int_t)locked_at, "locked_reason", reason, "credentials", c ? c : json_array(),
                      "live_sessions", (int)ns, "consents", k ? k : json_array());
    }
    free(creds);
    free(sess);
    free(cons);
    if (e != IDP_OK)
        return idp_fail_store(e);
    *out = j;
    return j ? idp_ok() : idp_fail(IDP_E_NOMEM, NULL);
}

idp_outcome_t idp_admin_residents_as(idp_oauth_t *o, const caller_t *who, const char *client_id, const char *sub,
                                     json_t **result)
{
    const idp_client_t *cl = NULL;
    *result = NULL;
    idp_err_t e = idp_clients_get(o, client_id, &cl);
    if (e == IDP_E_NOT_FOUND)
        return idp_fail(IDP_E_NOT_FOUND, "no such client");
    if (e != IDP_OK)
        return idp_fail_store(e);
    char(*ids)[64] = NULL;
    size_t n = 0;
    json_t *list = json_array();
    idp_outcome_t out = idp_ok();
    if ((e = idp_store_client_residents(o->store, client_id, &ids, &n)) != IDP_OK) {
        out = idp_fail_store(e);
        goto Exit;
    }
    if ((out = idp_admin_read(o, who, "residents.lookup", client_id)).err != IDP_OK)
        goto Exit;
    for (size_t i = 0; list && i < n; i++) {
        char s[64];
        idp_subject(o, cl, ids[i], s);
        json_t *r = NULL;
        if (strcmp(s, sub) != 0)
            continue;
        if ((out = resident_json(o, ids[i], &r)).err != IDP_OK)
            goto Exit;
        json_array_append_new(list, r);
    }
    *result = json_incref(list);
Exit:
    json_decref(list);
    free(ids);
    idp_client_unref(cl);
    return out;
}

/* GET /admin/api/v1/residents?client_id=&sub=: the resident a client knows by that sub (OpenID Connect Core §8:
 * public or pairwise, computed for each resident the client has a grant or consent of; the sub is never stored). */
idp_outcome_t idp_admin_residents(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    caller_t who;
    json_t *list = NULL;
    idp_outcome_t out = idp_admin_authorise(o, req, resp, IDP_ADMIN_HELP_DESK, "residents.lookup", &who);
    if (out.err != IDP_OK)
        return out;
    bool bad = false;
    const char *client_id = query(req, "client_id", &bad), *sub = query(req, "sub", &bad);
    if (bad || client_id == NULL || sub == NULL || strlen(sub) > 255)
        return idp_fail(IDP_E_INVALID_REQUEST, "client_id and sub: the sub that client knows the resident by");
    if ((out = idp_admin_residents_as(o, &who, client_id, sub, &list)).err == IDP_OK)
        answer(req, resp, 200, json_pack("{s:o}", "residents", list));
    return out;
}

/* GET /admin/api/v1/residents/{id} */
idp_outcome_t idp_admin_resident_as(idp_oauth_t *o, const caller_t *who, const char *id, json_t **result)
{
    idp_outcome_t out = resident_json(o, id, result);
    if (out.err == IDP_OK && (out = idp_admin_read(o, who, "residents.read", id)).err != IDP_OK) {
        json_decref(*result);
        *result = NULL;
    }
    return out;
}

idp_outcome_t idp_admin_resident(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    caller_t who;
    json_t *r = NULL;
    idp_outcome_t out = idp_admin_authorise(o, req, resp, IDP_ADMIN_HELP_DESK, "residents.read", &who);
    if (out.err == IDP_OK && (out = idp_admin_resident_as(o, &who, req->path_param, &r)).err == IDP_OK)
        answer(req, resp, 200, r);
    return out;
}

idp_outcome_t idp_admin_resident_change(idp_oauth_t *o, const caller_t *who, const char *id,
                                        idp_store_admin_op_kind_t kind, bool flag, const char *action,
                                        const char *reason, json_t **result)
{
    json_t *before = NULL, *after = NULL;
    *result = NULL;
    if (reason == NULL || !*reason || strlen(reason) > 500)
        return idp_fail(IDP_E_INVALID_REQUEST, "{\"reason\": why, 1 to 500 characters}: the help desk says why");
    idp_outcome_t out = resident_json(o, id, &before);
    idp_store_session_t *sess = NULL;
    size_t ns = 0;
    idp_err_t e;
    if (out.err == IDP_OK && (e = idp_store_sessions_list(o->store, id, &sess, &ns)) != IDP_OK)
        out = idp_fail_store(e);
    if (out.err != IDP_OK)
        goto Exit;
    json_t *state = json_pack("{s:b, s:i}", "locked", json_is_true(json_object_get(before, "locked")), "live_sessions",
                              (int)json_integer_value(json_object_get(before, "live_sessions")));
    after = json_pack("{s:s}", "reason", reason);
    if (kind == IDP_ADMIN_OP_RESIDENT_LOCK)
        json_object_set_new(after, "locked", json_boolean(flag));
    if (kind == IDP_ADMIN_OP_RESIDENT_END_SESSIONS || flag)
        json_object_set_new(after, "live_sessions", json_integer(0));
    idp_store_admin_op_t op = {.kind = kind, .id = id, .flag = flag, .text = reason};
    out = idp_admin_apply(o, who, &op, action, id, state, after);
    json_decref(state);
    if (out.err != IDP_OK)
        goto Exit;
    /* the relying parties of the ended sessions hear of it (Back-Channel Logout 1.0) */
    if (kind == IDP_ADMIN_OP_RESIDENT_END_SESSIONS || flag)
        for (size_t i = 0; i < ns; i++)
            idp_logout_session(o, id, sess[i].sid);
    out = resident_json(o, id, result);
Exit:
    free(sess);
    json_decref(before);
    json_decref(after);
    return out;
}

/* The help desk's changes: lock, unlock, end sessions; each with a reason, logged with the state before and after. */
static idp_outcome_t resident_action(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                     idp_store_admin_op_kind_t kind, bool flag, const char *action)
{
    caller_t who;
    bool bad = false;
    json_t *body = body_object(req, &bad), *now = NULL;
    const char *reason = json_string_value(json_object_get(body, "reason"));
    idp_outcome_t out = idp_admin_authorise(o, req, resp, IDP_ADMIN_HELP_DESK, action, &who);
    if (out.err == IDP_OK)
        out = bad ? idp_fail(IDP_E_INVALID_REQUEST, "{\"reason\": why, 1 to 500 characters}: the help desk says why")
                  : idp_admin_resident_change(o, &who, req->path_param, kind, flag, action, reason, &now);
    if (out.err == IDP_OK)
        answer(req, resp, 200, now);
    json_decref(body);
    return out;
}

idp_outcome_t idp_admin_resident_lock(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    return resident_action(o, req, resp, IDP_ADMIN_OP_RESIDENT_LOCK, true, "residents.lock");
}

idp_outcome_t idp_admin_resident_unlock(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    return resident_action(o, req, resp, IDP_ADMIN_OP_RESIDENT_LOCK, false, "residents.unlock");
}

idp_outcome_t idp_admin_resident_end_sessions(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    return resident_action(o, req, resp, IDP_ADMIN_OP_RESIDENT_END_SESSIONS, false, "residents.end_sessions");
}

/* ---- initial access tokens -------------------------------------------------------------- */

static json_t *iat_json(const idp_store_iat_t *t, long long now)
{
    const char *state = t->revoked_at            ? "revoked"
                        : t->expires_at <= now   ? "expired"
                        : t->uses >= t->max_uses ? "used_up"
                                                 : "usable";
    return json_pack("{s:s, s:s, s:s, s:i, s:i, s:I, s:I, s:I, s:s}", "id", t->id, "organisation", t->organisation,
                     "tier", t->tier, "max_uses", t->max_uses, "uses", t->uses, "expires_at", (json_int_t)t->expires_at,
                     "created_at", (json_int_t)t->created_at, "revoked_at", (json_int_t)t->revoked_at, "state", state);
}

static bool organisation_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 1 && n <= 63 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* POST: {organisation, tier?, uses?, days?}; 201 with the token, shown once. */
static idp_outcome_t iat_issue(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, const caller_t *who)
{
    bool bad = false;
    json_t *b = body_object(req, &bad);
    const char *org = json_string_value(json_object_get(b, "organisation"));
    json_t *tier = json_object_get(b, "tier"), *uses = json_object_get(b, "uses"), *days = json_object_get(b, "days");
    const char *t = tier ? json_string_value(tier) : "partner";
    idp_outcome_t out = idp_ok();
    if (bad || b == NULL || !organisation_ok(org))
        out = idp_fail(IDP_E_INVALID_REQUEST, "organisation: 1 to 63 of A-Z a-z 0-9 . _ -");
    else if (t == NULL || (strcmp(t, "partner") && strcmp(t, "city")))
        out = idp_fail(IDP_E_INVALID_REQUEST, "tier: partner or city");
    else if (uses && (!json_is_integer(uses) || json_integer_value(uses) < 1 || json_integer_value(uses) > 1000))
        out = idp_fail(IDP_E_INVALID_REQUEST, "uses: an integer from 1 to 1000");
    else if (days && (!json_is_integer(days) || json_integer_value(days) < 1 || json_integer_value(days) > 90))
        out = idp_fail(IDP_E_INVALID_REQUEST, "days: an integer from 1 to 90");
    if (out.err != IDP_OK) {
        json_decref(b);
        return out;
    }
    idp_store_iat_t iat = {.max_uses = uses ? (int)json_integer_value(uses) : 1};
    iat.expires_at = req->now + (days ? json_integer_value(days) : 7) * 86400;
    snprintf(iat.organisation, sizeof(iat.organisation), "%s", org);
    snprintf(iat.tier, sizeof(iat.tier), "%s", t);
    json_decref(b);
    char *id = idp_random_id_new(9), *token = idp_random_token_new(32);
    unsigned char hash[32];
    if (id == NULL || token == NULL) {
        out = idp_fail(IDP_E_NOMEM, NULL);
        goto Exit;
    }
    snprintf(iat.id, sizeof(iat.id), "%s", id);
    idp_sha256(token, strlen(token), hash);
    idp_store_admin_op_t op = {.kind = IDP_ADMIN_OP_IAT_INSERT, .iat = &iat, .hash = hash};
    iat.created_at = req->now;
    json_t *after = iat_json(&iat, req->now);
    out = idp_admin_apply(o, who, &op, "initial_access_tokens.issue", iat.id, NULL, after);
    if (out.err == IDP_OK) {
        json_object_set_new(after, "token", json_string(token));
        answer(req, resp, 201, after);
    } else {
        json_decref(after);
    }
Exit:
    free(id);
    idp_secret_free(token);
    return out;
}

/* GET and POST /admin/api/v1/initial-access-tokens */
idp_outcome_t idp_admin_iats(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    caller_t who;
    bool post = !strcmp(req->method, "POST");
    idp_outcome_t out = idp_admin_authorise(
        o, req, resp, post ? IDP_ADMIN_CLIENT_OPERATOR : IDP_ADMIN_VIEWER | IDP_ADMIN_CLIENT_OPERATOR,
        post ? "initial_access_tokens.issue" : "initial_access_tokens.list", &who);
    if (out.err != IDP_OK)
        return out;
    if (post)
        return iat_issue(o, req, resp, &who);
    if ((out = idp_admin_read(o, &who, "initial_access_tokens.list", "")).err != IDP_OK)
        return out;
    idp_store_iat_t *rows = NULL;
    size_t n = 0;
    idp_err_t e = idp_store_iat_list(o->store, &rows, &n);
    if (e != IDP_OK)
        return idp_fail_store(e);
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++)
        json_array_append_new(list, iat_json(&rows[i], req->now));
    free(rows);
    answer(req, resp, 200, json_pack("{s:o}", "initial_access_tokens", list ? list : json_array()));
    return idp_ok();
}

/* DELETE /admin/api/v1/initial-access-tokens/{id}: revoked at once; the clients it registered stay. */
idp_outcome_t idp_admin_iat(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    caller_t who;
    idp_outcome_t out =
        idp_admin_authorise(o, req, resp, IDP_ADMIN_CLIENT_OPERATOR, "initial_access_tokens.revoke", &who);
    if (out.err != IDP_OK)
        return out;
    idp_store_admin_op_t op = {.kind = IDP_ADMIN_OP_IAT_REVOKE, .id = req->path_param};
    json_t *after = json_pack("{s:b}", "revoked", 1);
    out = idp_admin_apply(o, &who, &op, "initial_access_tokens.revoke", req->path_param, NULL, after);
    json_decref(after);
    if (out.err == IDP_OK) {
        resp->status = 204;
        resp->body = "";
        resp->body_len = 0;
    }
    return out;
}

/* ---- keys and the audit trail ------------------------------------------------------------- */

idp_outcome_t idp_admin_keys_as(idp_oauth_t *o, const caller_t *who, json_t **result)
{
    *result = NULL;
    idp_outcome_t out = idp_admin_read(o, who, "keys.list", "");
    if (out.err != IDP_OK)
        return out;
    idp_store_key_t *rows = NULL;
    size_t n = 0;
    long long now = 0;
    idp_err_t e = idp_store_keys_list(o->store, &rows, &n, &now);
    if (e != IDP_OK)
        return idp_fail_store(e);
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++)
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "kid", rows[i].kid, "alg", rows[i].alg,
                                              "state", rows[i].state, "created_at", (json_int_t)rows[i].created_at,
                                              "activated_at", (json_int_t)rows[i].activated_at, "retired_at",
                                              (json_int_t)rows[i].retired_at));
    idp_store_keys_free(rows, n);
    *result = list;
    return list ? idp_ok() : idp_fail(IDP_E_NOMEM, NULL);
}

/* GET /admin/api/v1/keys: the signing keys' states and times, never their private parts. */
idp_outcome_t idp_admin_keys(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    caller_t who;
    json_t *list = NULL;
    idp_outcome_t out = idp_admin_authorise(o, req, resp, IDP_ADMIN_VIEWER | IDP_ADMIN_KEY_OPERATOR | IDP_ADMIN_AUDITOR,
                                            "keys.list", &who);
    if (out.err == IDP_OK && (out = idp_admin_keys_as(o, &who, &list)).err == IDP_OK)
        answer(req, resp, 200, json_pack("{s:o}", "keys", list));
    return out;
}

idp_outcome_t idp_admin_keys_rotate_as(idp_oauth_t *o, const caller_t *who, idp_alg_t alg, bool force,
                                       const char *reason, json_t **result)
{
    *result = NULL;
    if (o->kek == NULL)
        return idp_fail_why(IDP_E_UNAVAILABLE, "keys cannot be made here", "no key-encryption key loaded");
    json_t *after = json_pack("{s:s, s:b}", "alg", idp_alg_name(alg), "force", force);
    if (after && reason)
        json_object_set_new(after, "reason", json_string(reason));
    char *text = after ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    idp_store_admin_entry_t entry = {
        .actor = who->actor, .role = who->role, .action = "keys.rotate", .target = idp_alg_name(alg), .after = text};
    const char *what = NULL;
    char kid[64] = "";
    idp_outcome_t out = idp_ok();
    idp_err_t e =
        text ? idp_keys_rotate(o->store, o->kek, alg, force ? 0 : o->cfg->key_publish_seconds, &entry, &what, kid)
             : IDP_E_NOMEM;
    if (e == IDP_OK)
        *result = json_pack("{s:s, s:s, s:s}", "alg", idp_alg_name(alg), "result", what, "kid", kid);
    else if (e == IDP_E_CONFLICT)
        out = idp_fail(IDP_E_CONFLICT, "the next key has been published for less than keys.publish_seconds, so relying "
                                       "parties may not have it yet: wait, or force it in an emergency");
    else
        out = idp_fail_store(e);
    free(text);
    json_decref(after);
    return out;
}

/* POST /admin/api/v1/keys/rotate {"alg": "RS256"|"ES256"|"PS256", "force": false, "reason": ...}: one rotation step
 * (docs/keys.md), with its log row in the rotation's transaction. */
idp_outcome_t idp_admin_keys_rotate(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    caller_t who;
    bool bad = false;
    json_t *b = body_object(req, &bad), *result = NULL;
    idp_outcome_t out = idp_admin_authorise(o, req, resp, IDP_ADMIN_KEY_OPERATOR, "keys.rotate", &who);
    idp_alg_t alg = idp_alg_from_name(json_string_value(json_object_get(b, "alg")));
    json_t *force = json_object_get(b, "force"), *reason = json_object_get(b, "reason");
    if (out.err == IDP_OK &&
        (bad || alg == IDP_ALG_NONE || (force && !json_is_boolean(force)) || (reason && !json_is_string(reason))))
        out = idp_fail(IDP_E_INVALID_REQUEST,
                       "{\"alg\": \"RS256\", \"ES256\" or \"PS256\", \"force\": a boolean, \"reason\": a string}");
    if (out.err == IDP_OK &&
        (out = idp_admin_keys_rotate_as(o, &who, alg, json_is_true(force), json_string_value(reason), &result)).err ==
            IDP_OK)
        answer(req, resp, 200, result);
    json_decref(b);
    return out;
}

/* The schedules as the API shows them; NULL with *out on failure. */
static json_t *schedules_json(idp_oauth_t *o, idp_outcome_t *out)
{
    idp_store_key_schedule_t *rows = NULL;
    size_t n = 0;
    idp_err_t e = idp_store_key_schedules(o->store, &rows, &n);
    if (e != IDP_OK) {
        *out = idp_fail_store(e);
        return NULL;
    }
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++)
        json_array_append_new(list, json_pack("{s:s, s:I, s:I, s:I, s:s}", "alg", rows[i].alg, "every_seconds",
                                              (json_int_t)rows[i].every_seconds, "next_at", (json_int_t)rows[i].next_at,
                                              "set_at", (json_int_t)rows[i].set_at, "set_by", rows[i].set_by));
    free(rows);
    if (list == NULL)
        *out = idp_fail(IDP_E_NOMEM, NULL);
    return list;
}

idp_outcome_t idp_admin_key_schedules_as(idp_oauth_t *o, const caller_t *who, json_t **result)
{
    idp_outcome_t out = idp_admin_read(o, who, "keys.schedules", "");
    *result = out.err == IDP_OK ? schedules_json(o, &out) : NULL;
    return out;
}

idp_outcome_t idp_admin_key_schedule_set_as(idp_oauth_t *o, const caller_t *who, idp_alg_t alg, long long every_days,
                                            long long next_at, long long now, const char *reason)
{
    /* docs/keys.md rule 1: a key is published before it signs, so a step can come no oftener than that */
    if (every_days < 1 || every_days > 366 || every_days * 86400 < o->cfg->key_publish_seconds)
        return idp_fail(IDP_E_INVALID_REQUEST, "every_days: 1 to 366, and no shorter than keys.publish_seconds");
    if (next_at == 0)
        next_at = now + every_days * 86400;
    if (next_at < now || next_at > now + 366LL * 86400)
        return idp_fail(IDP_E_INVALID_REQUEST, "next_at: a time from now to a year from now (unix seconds)");
    idp_store_key_schedule_t sch = {.every_seconds = every_days * 86400, .next_at = next_at};
    snprintf(sch.alg, sizeof(sch.alg), "%s", idp_alg_name(alg));
    snprintf(sch.set_by, sizeof(sch.set_by), "%s", who->actor);
    json_t *after = json_pack("{s:s, s:I, s:I}", "alg", sch.alg, "every_days", (json_int_t)every_days, "next_at",
                              (json_int_t)next_at);
    if (after && reason)
        json_object_set_new(after, "reason", json_string(reason));
    idp_store_admin_op_t op = {.kind = IDP_ADMIN_OP_KEY_SCHEDULE, .id = sch.alg, .flag = true, .schedule = &sch};
    idp_outcome_t out = idp_admin_apply(o, who, &op, "keys.schedule", sch.alg, NULL, after);
    json_decref(after);
    return out;
}

idp_outcome_t idp_admin_key_schedule_cancel_as(idp_oauth_t *o, const caller_t *who, idp_alg_t alg, const char *reason)
{
    json_t *after = reason ? json_pack("{s:s}", "reason", reason) : NULL;
    idp_store_admin_op_t op = {.kind = IDP_ADMIN_OP_KEY_SCHEDULE, .id = idp_alg_name(alg), .flag = false};
    idp_outcome_t out = idp_admin_apply(o, who, &op, "keys.schedule_cancel", idp_alg_name(alg), NULL, after);
    json_decref(after);
    return out.err == IDP_E_NOT_FOUND ? idp_fail(IDP_E_NOT_FOUND, "no rotation is scheduled for this alg") : out;
}

/* GET /admin/api/v1/keys/schedules: the rotations set for a time, by algorithm. */
idp_outcome_t idp_admin_key_schedules(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    caller_t who;
    json_t *list = NULL;
    idp_outcome_t out = idp_admin_authorise(o, req, resp, IDP_ADMIN_VIEWER | IDP_ADMIN_KEY_OPERATOR | IDP_ADMIN_AUDITOR,
                                            "keys.schedules", &who);
    if (out.err == IDP_OK && (out = idp_admin_key_schedules_as(o, &who, &list)).err == IDP_OK)
        answer(req, resp, 200, json_pack("{s:o}", "schedules", list));
    return out;
}

/*
 * PUT /admin/api/v1/keys/schedules/{alg} {"every_days": N, "next_at": T, "reason": ...}: a rotation step every N
 * days, the first at T (default: N days from now), made by whichever node's maintenance tick finds it due.
 * DELETE: cancelled (204; 404 when there was none).
 */
idp_outcome_t idp_admin_key_schedule(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    caller_t who;
    bool bad = false, del = !strcmp(req->method, "DELETE");
    idp_outcome_t out =
        idp_admin_authorise(o, req, resp, IDP_ADMIN_KEY_OPERATOR, del ? "keys.schedule_cancel" : "keys.schedule", &who);
    if (out.err != IDP_OK)
        return out;
    idp_alg_t alg = idp_alg_from_name(req->path_param);
    if (alg == IDP_ALG_NONE)
        return idp_fail(IDP_E_NOT_FOUND, "no such alg: RS256, ES256 or PS256");
    json_t *b = body_object(req, &bad);
    json_t *every = json_object_get(b, "every_days"), *next = json_object_get(b, "next_at");
    json_t *reason = json_object_get(b, "reason");
    if (bad || (reason && (!json_is_string(reason) || json_string_length(reason) > 500)) ||
        (!del && (!json_is_integer(every) || (next && !json_is_integer(next))))) {
        json_decref(b);
        return idp_fail(IDP_E_INVALID_REQUEST,
                        del ? "the body, if any, is {\"reason\": \"...\"}"
                            : "the body is {\"every_days\": N, \"next_at\": T, \"reason\": ...}");
    }
    out = del ? idp_admin_key_schedule_cancel_as(o, &who, alg, json_string_value(reason))
              : idp_admin_key_schedule_set_as(o, &who, alg, json_integer_value(every), json_integer_value(next),
                                              req->now, json_string_value(reason));
    json_decref(b);
    if (out.err != IDP_OK)
        return out;
    if (del) {
        resp->status = 204;
        resp->body = "";
        resp->body_len = 0;
        return out;
    }
    json_t *list = schedules_json(o, &out); /* the answer is the change's: no second row */
    if (list)
        answer(req, resp, 200, json_pack("{s:o}", "schedules", list));
    return out;
}

static json_t *verdict(bool ok, size_t n, long long bad, const char *why)
{
    return ok ? json_pack("{s:b, s:I}", "ok", 1, "rows", (json_int_t)n)
              : json_pack("{s:b, s:I, s:I, s:s}", "ok", 0, "rows", (json_int_t)n, "row", (json_int_t)bad, "problem",
                          why);
}

idp_outcome_t idp_admin_verify_as(idp_oauth_t *o, const caller_t *who, json_t **result)
{
    *result = NULL;
    idp_outcome_t out = idp_admin_read(o, who, "audit.verify", "");
    if (out.err != IDP_OK)
        return out;
    idp_store_ledger_row_t *ledger = NULL;
    idp_store_admin_log_row_t *log = NULL;
    size_t nl = 0, ng = 0;
    idp_err_t e = idp_store_ledger_rows(o->store, NULL, &ledger, &nl);
    if (e == IDP_OK && (e = idp_store_admin_log_rows(o->store, 0, 0, &log, &ng)) != IDP_OK)
        idp_store_ledger_rows_free(ledger, nl);
    if (e != IDP_OK)
        return idp_fail_store(e);
    long long bl = 0, bg = 0;
    const char *wl = NULL, *wg = NULL;
    bool okl = idp_store_ledger_verify(ledger, nl, &bl, &wl), okg = idp_store_admin_log_verify(log, ng, &bg, &wg);
    *result = json_pack("{s:b, s:o, s:o}", "ok", okl && okg, "consent_ledger", verdict(okl, nl, bl, wl), "admin_log",
                        verdict(okg, ng, bg, wg));
    idp_store_ledger_rows_free(ledger, nl);
    idp_store_admin_log_rows_free(log, ng);
    return *result ? idp_ok() : idp_fail(IDP_E_NOMEM, NULL);
}

/* GET /admin/api/v1/audit/verify: both hash chains recomputed (this call's own row included). */
idp_outcome_t idp_admin_audit_verify(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    caller_t who;
    json_t *result = NULL;
    idp_outcome_t out = idp_admin_authorise(o, req, resp, IDP_ADMIN_AUDITOR, "audit.verify", &who);
    if (out.err == IDP_OK && (out = idp_admin_verify_as(o, &who, &result)).err == IDP_OK)
        answer(req, resp, 200, result);
    return out;
}

/* GET /admin/api/v1/audit/admin-log[?after=SEQ&limit=N]: the log, oldest first, in pages. */
idp_outcome_t idp_admin_log(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    caller_t who;
    idp_outcome_t out = idp_admin_authorise(o, req, resp, IDP_ADMIN_AUDITOR, "audit.admin_log", &who);
    if (out.err != IDP_OK)
        return out;
    bool bad = false;
    const char *after = query(req, "after", &bad), *limit = query(req, "limit", &bad);
    long long from = 0;
    int lim = 100;
    char *end = NULL;
    if (after && ((from = strtoll(after, &end, 10)) < 0 || *after == '\0' || *end))
        bad = true;
    if (limit && ((lim = (int)strtol(limit, &end, 10)) < 1 || lim > 500 || *limit == '\0' || *end))
        bad = true;
    if (bad)
        return idp_fail(IDP_E_INVALID_REQUEST, "after: a sequence number; limit: 1 to 500");
    if ((out = idp_admin_read(o, &who, "audit.admin_log", "")).err != IDP_OK)
        return out;
    idp_store_admin_log_row_t *rows = NULL;
    size_t n = 0;
    idp_err_t e = idp_store_admin_log_rows(o->store, from, lim, &rows, &n);
    if (e != IDP_OK)
        return idp_fail_store(e);
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++) {
        const idp_store_admin_log_row_t *r = &rows[i];
        json_t *b = r->before[0] ? json_loads(r->before, 0, NULL) : json_null();
        json_t *a = r->after[0] ? json_loads(r->after, 0, NULL) : json_null();
        json_array_append_new(list, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:o, s:o}", "seq", (json_int_t)r->seq,
                                              "at", (json_int_t)(r->at_us / 1000000), "actor", r->actor, "role",
                                              r->role, "action", r->action, "target", r->target, "before",
                                              b ? b : json_null(), "after", a ? a : json_null()));
    }
    long long next = n ? rows[n - 1].seq : from;
    idp_store_admin_log_rows_free(rows, n);
    answer(req, resp, 200, json_pack("{s:o, s:I}", "rows", list ? list : json_array(), "next", (json_int_t)next));
    return idp_ok();
}

/* ---- upstream providers and the audit trail's search ------------------------------------------ */

/* GET /admin/api/v1/upstreams: the upstream OpenID providers and card channels; never their secrets or keys. */
/* The fields of an upstream write (a JSON object); IDP_E_INVALID_REQUEST when one has the wrong type. */
static idp_outcome_t upstream_fields(json_t *b, idp_upstream_fields_t *f)
{
    static const char *const names[] = {"issuer", "client_id", "client_secret", "display_name",
                                        "scopes", "icon_uri",  "kind",          "acr_values"};
    const char **slots[] = {&f->issuer, &f->client_id, &f->secret, &f->display_name,
                            &f->scopes, &f->icon_uri,  &f->kind,   &f->acr_values};
    memset(f, 0, sizeof(*f));
    f->enabled = -1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        json_t *v = json_object_get(b, names[i]);
        if (v && !json_is_string(v))
            return idp_fail(IDP_E_INVALID_REQUEST, "issuer, client_id, client_secret, display_name, scopes, icon_uri, "
                                                   "kind and acr_values are strings");
        *slots[i] = json_string_value(v);
    }
    json_t *en = json_object_get(b, "enabled"), *rot = json_object_get(b, "rotate_key");
    if ((en && !json_is_boolean(en)) || (rot && !json_is_boolean(rot)))
        return idp_fail(IDP_E_INVALID_REQUEST, "enabled and rotate_key are booleans");
    if (en)
        f->enabled = json_is_true(en);
    f->rotate_key = json_is_true(rot);
    return idp_ok();
}

idp_outcome_t idp_admin_upstream_write_as(idp_oauth_t *o, idp_oauth_req_t *req, const caller_t *who, const char *id,
                                          bool add, const idp_upstream_fields_t *f, json_t **result)
{
    json_t *before = NULL, *after = NULL;
    idp_store_upstream_t u;
    memset(&u, 0, sizeof(u));
    *result = NULL;
    char *err = idp_arena_alloc(req->arena, 512);
    if (err == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    if (o->kek == NULL || o->fed == NULL)
        return idp_fail_why(IDP_E_UNAVAILABLE, "upstreams cannot be written here", "no KEK or no federation");
    idp_outcome_t out = idp_ok();
    idp_err_t e = add ? IDP_OK : idp_store_upstream_get(o->store, id ? id : "", &u);
    if (e != IDP_OK)
        return e == IDP_E_NOT_FOUND ? idp_fail(IDP_E_NOT_FOUND, "no such upstream") : idp_fail_store(e);
    before = add ? NULL : idp_upstream_json(&u);
    e = idp_upstream_fill(o->kek, id ? id : "", add, f, &u, err, 512);
    if (e == IDP_OK && f->issuer && idp_fed_discover(o->fed, u.issuer, err, 512) != IDP_OK)
        e = IDP_E_INVALID_REQUEST; /* OpenID Connect Discovery: the issuer answers with its own name, or no row */
    if (e != IDP_OK) {
        out = e == IDP_E_INVALID_REQUEST ? idp_fail(IDP_E_INVALID_REQUEST, err) : idp_fail_why(e, NULL, err);
        goto Exit;
    }
    after = idp_upstream_json(&u);
    idp_store_admin_op_t op = {
        .kind = add ? IDP_ADMIN_OP_UPSTREAM_INSERT : IDP_ADMIN_OP_UPSTREAM_UPDATE, .id = u.id, .upstream = &u};
    out = idp_admin_apply(o, who, &op, add ? "upstreams.create" : "upstreams.update", u.id, before, after);
    if (out.err == IDP_E_CONFLICT)
        out = idp_fail(IDP_E_CONFLICT, "an upstream with this id exists");
    if (out.err != IDP_OK)
        goto Exit;
    if (u.secret_enc && !strcmp(u.kind, IDP_UPSTREAM_CARD_APP))
        json_object_set_new(after, "jwks", idp_upstream_jwks(o->kek, &u));
    *result = after;
    after = NULL;
Exit:
    json_decref(before);
    json_decref(after);
    idp_store_upstream_clear(&u);
    return out;
}

/*
 * POST /admin/api/v1/upstreams (@p add, the id in the body) or PUT /upstreams/{id}: the row from its fields
 * (federation/upstream_row.c, as sakaid-admin upstream), the issuer checked through its discovery document
 * when it is given, and stored with its log row (before and after: never a secret). A card channel's new key
 * is answered with its public JWK Set, to register with the Digital Agency.
 */
static idp_outcome_t upstream_write(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, const caller_t *who,
                                    bool add)
{
    bool bad = false;
    json_t *b = body_object(req, &bad), *r = NULL;
    idp_upstream_fields_t f;
    idp_outcome_t out = b == NULL ? idp_fail(IDP_E_INVALID_REQUEST, "the body must be a JSON object of the fields")
                                  : upstream_fields(b, &f);
    if (out.err == IDP_OK)
        out = idp_admin_upstream_write_as(
            o, req, who, add ? json_string_value(json_object_get(b, "id")) : req->path_param, add, &f, &r);
    if (out.err == IDP_OK)
        answer(req, resp, add ? 201 : 200, r);
    json_decref(b);
    return out;
}

idp_outcome_t idp_admin_upstreams_as(idp_oauth_t *o, const caller_t *who, json_t **result)
{
    *result = NULL;
    idp_outcome_t out = idp_admin_read(o, who, "upstreams.list", "");
    if (out.err != IDP_OK)
        return out;
    idp_store_upstream_t *rows = NULL;
    size_t n = 0;
    idp_err_t e = idp_store_upstream_list(o->store, false, &rows, &n);
    if (e != IDP_OK)
        return idp_fail_store(e);
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++)
        json_array_append_new(list, idp_upstream_json(&rows[i]));
    idp_store_upstreams_free(rows, n);
    *result = list;
    return list ? idp_ok() : idp_fail(IDP_E_NOMEM, NULL);
}

/* GET /admin/api/v1/upstreams: the upstream OpenID providers and card channels; POST: a new one. */
idp_outcome_t idp_admin_upstreams(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    caller_t who;
    if (!strcmp(req->method, "POST")) {
        idp_outcome_t out = idp_admin_authorise(o, req, resp, IDP_ADMIN_CLIENT_OPERATOR, "upstreams.create", &who);
        return out.err == IDP_OK ? upstream_write(o, req, resp, &who, true) : out;
    }
    json_t *list = NULL;
    idp_outcome_t out = idp_admin_authorise(
        o, req, resp, IDP_ADMIN_VIEWER | IDP_ADMIN_CLIENT_OPERATOR | IDP_ADMIN_AUDITOR, "upstreams.list", &who);
    if (out.err == IDP_OK && (out = idp_admin_upstreams_as(o, &who, &list)).err == IDP_OK)
        answer(req, resp, 200, json_pack("{s:o}", "upstreams", list));
    return out;
}

/* GET, PUT, DELETE /admin/api/v1/upstreams/{id}: one upstream; its fields changed; removed (the identities linked
 * through it stay, but cannot sign in). */
idp_outcome_t idp_admin_upstream(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    caller_t who;
    bool put = !strcmp(req->method, "PUT"), del = !strcmp(req->method, "DELETE");
    if (put) {
        idp_outcome_t out = idp_admin_authorise(o, req, resp, IDP_ADMIN_CLIENT_OPERATOR, "upstreams.update", &who);
        return out.err == IDP_OK ? upstream_write(o, req, resp, &who, false) : out;
    }
    idp_outcome_t out =
        del ? idp_admin_authorise(o, req, resp, IDP_ADMIN_CLIENT_OPERATOR, "upstreams.delete", &who)
            : idp_admin_authorise(o, req, resp, IDP_ADMIN_VIEWER | IDP_ADMIN_CLIENT_OPERATOR | IDP_ADMIN_AUDITOR,
                                  "upstreams.read", &who);
    if (out.err != IDP_OK)
        return out;
    idp_store_upstream_t u;
    idp_err_t e = idp_store_upstream_get(o->store, req->path_param ? req->path_param : "", &u);
    if (e != IDP_OK)
        return e == IDP_E_NOT_FOUND ? idp_fail(IDP_E_NOT_FOUND, "no such upstream") : idp_fail_store(e);
    json_t *j = idp_upstream_json(&u);
    if (del) {
        idp_store_admin_op_t op = {.kind = IDP_ADMIN_OP_UPSTREAM_DELETE, .id = u.id};
        if ((out = idp_admin_apply(o, &who, &op, "upstreams.delete", u.id, j, NULL)).err == IDP_OK) {
            resp->status = 204;
            resp->body = "";
            resp->body_len = 0;
        }
        json_decref(j);
    } else if ((out = idp_admin_read(o, &who, "upstreams.read", u.id)).err == IDP_OK) {
        answer(req, resp, 200, j);
    } else {
        json_decref(j);
    }
    idp_store_upstream_clear(&u);
    return out;
}

/* GET /admin/api/v1/audit/events[?event=&resident=&since=&limit=]: the audit events, newest first. */
idp_outcome_t idp_admin_audit_events(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    caller_t who;
    idp_outcome_t out = idp_admin_authorise(o, req, resp, IDP_ADMIN_AUDITOR, "audit.events", &who);
    if (out.err != IDP_OK)
        return out;
    bool bad = false;
    const char *event = query(req, "event", &bad), *resident = query(req, "resident", &bad);
    const char *since = query(req, "since", &bad), *limit = query(req, "limit", &bad);
    long long from = 0;
    long lim = 100;
    char *end = NULL;
    if (since && ((from = strtoll(since, &end, 10)) < 0 || !*since || *end))
        bad = true;
    if (limit && ((lim = strtol(limit, &end, 10)) < 1 || lim > 1000 || !*limit || *end))
        bad = true;
    if (bad || (event && strlen(event) > 63) || (resident && strlen(resident) > 63))
        return idp_fail(IDP_E_INVALID_REQUEST, "event, resident, since (unix seconds), limit (1 to 1000)");
    json_t *list = NULL;
    if ((out = idp_admin_audit_events_as(o, &who, event, resident, from, (int)lim, &list)).err == IDP_OK)
        answer(req, resp, 200, json_pack("{s:o}", "events", list));
    return out;
}

idp_outcome_t idp_admin_audit_events_as(idp_oauth_t *o, const caller_t *who, const char *event, const char *resident,
                                        long long since, int limit, json_t **result)
{
    *result = NULL;
    idp_outcome_t out = idp_admin_read(o, who, "audit.events", resident ? resident : "");
    if (out.err != IDP_OK)
        return out;
    idp_store_audit_row_t *rows = NULL;
    size_t n = 0;
    idp_err_t e = idp_store_audit_list(o->store, event, resident, since, limit, &rows, &n);
    if (e != IDP_OK)
        return idp_fail_store(e);
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++) {
        json_t *d = json_loads(rows[i].detail ? rows[i].detail : "{}", 0, NULL);
        json_array_append_new(list, json_pack("{s:I, s:I, s:s, s:s, s:o}", "id", (json_int_t)rows[i].id, "at",
                                              (json_int_t)rows[i].at, "event", rows[i].event, "resident_id",
                                              rows[i].resident_id, "detail", d ? d : json_object()));
    }
    idp_store_audit_rows_free(rows, n);
    *result = list;
    return list ? idp_ok() : idp_fail(IDP_E_NOMEM, NULL);
}

/* GET /admin/api/v1/audit/ledger?resident=ID: one resident's consent ledger rows, oldest first (their right of
 * access, as sakaid-admin audit export). */
idp_outcome_t idp_admin_audit_ledger(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    caller_t who;
    idp_outcome_t out = idp_admin_authorise(o, req, resp, IDP_ADMIN_AUDITOR, "audit.ledger", &who);
    if (out.err != IDP_OK)
        return out;
    bool bad = false;
    const char *resident = query(req, "resident", &bad);
    if (bad || resident == NULL || strlen(resident) > 63)
        return idp_fail(IDP_E_INVALID_REQUEST, "resident: the resident's id");
    if ((out = idp_admin_read(o, &who, "audit.ledger", resident)).err != IDP_OK)
        return out;
    idp_store_ledger_row_t *rows = NULL;
    size_t n = 0;
    idp_err_t e = idp_store_ledger_rows(o->store, resident, &rows, &n);
    if (e != IDP_OK)
        return idp_fail_store(e);
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++)
        json_array_append_new(list, json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)rows[i].seq,
                                              "at", (json_int_t)(rows[i].at_us / 1000000), "client_id",
                                              rows[i].client_id, "action", rows[i].action, "claims", rows[i].claims,
                                              "actor", rows[i].actor, "purpose", rows[i].purpose));
    idp_store_ledger_rows_free(rows, n);
    answer(req, resp, 200, json_pack("{s:s, s:o}", "resident_id", resident, "rows", list ? list : json_array()));
    return idp_ok();
}

/* ---- the OpenAPI document --------------------------------------------------------------- */

/* docs/admin-api.json, embedded at build time (cmake/embed_file.cmake). */
extern const char *const idp_admin_openapi_json;

/* GET /admin/api/v1/openapi.json: the checked-in description of this API; no token needed. */
idp_outcome_t idp_admin_openapi(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    (void)o;
    (void)req;
    resp->status = 200;
    resp->body = idp_admin_openapi_json;
    resp->body_len = strlen(idp_admin_openapi_json);
    resp->content_type = "application/json";
    return idp_ok();
}

/*
 * Dynamic client registration: POST /register (RFC 7591, OpenID Connect
 * Dynamic Client Registration 1.0) and the client configuration endpoint
 * GET, PUT and DELETE /register/{client_id} (RFC 7592). docs/admin.md
 * "Onboarding a partner".
 *
 * Registration is open only with an initial access token (RFC 7591 §3) that
 * an administrator issued to one organisation (sakaid-admin iat issue). The
 * metadata is validated by the same table as sakaid-admin's
 * (client/client_meta.c), the fields only an administrator sets are
 * refused, and a new client starts in its organisation's sandbox: it signs
 * in only that organisation's test residents until an administrator
 * approves it (flow.c, sakaid-admin client approve). Its secret and its
 * registration access token are shown once; only their SHA-256 is kept.
 */
#include <stdio.h>
#include <string.h>

#include "client/client_meta.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/str.h"
#include "oauth/internal.h"

#define CLIENT_ID_BYTES 16 /* as sakaid-admin's */
#define SECRET_BYTES 32
#define REG_TOKEN_BYTES 32

/*
 * Fields of the response and of the client configuration request that are
 * not metadata (RFC 7591 §3.2.1, RFC 7592 §2.2). The first two are checked
 * on an update; the rest are ignored there.
 */
static const char *const not_metadata[] = {"client_id",
                                           "client_secret",
                                           "registration_access_token",
                                           "registration_client_uri",
                                           "client_id_issued_at",
                                           "client_secret_expires_at",
                                           NULL};

/* Our fields that only an administrator sets (sakaid-admin client update): never through registration. */
static const char *const admin_only[] = {"first_party", NULL};

/* An admin role's scope (admin_api.c reads them from its tokens): never a partner's to register. */
bool idp_admin_scope(const char *word, size_t len)
{
    return len > 6 && !strncmp(word, "admin:", 6);
}

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (!strcmp(*list, s))
            return true;
    return false;
}

/* The body of a registration or update: a JSON object, or an outcome. */
static json_t *read_metadata(idp_oauth_req_t *req, idp_outcome_t *out)
{
    json_error_t je;
    json_t *in = req->body ? json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!json_is_object(in)) {
        json_decref(in);
        *out = idp_fail(IDP_E_INVALID_CLIENT_METADATA, "the body must be a JSON object of client metadata");
        return NULL;
    }
    return in;
}

/*
 * What the request asks to register, as metadata the validator reads: the
 * fields we know (RFC 7591 §2: "The authorization server MUST ignore any
 * client metadata sent by the client that it does not understand"), without
 * the response-only members. A field only an administrator sets is refused,
 * and so is a tier above the one the organisation may create; without one
 * the client gets @p tier. An outcome on failure.
 */
static json_t *requested_metadata(json_t *in, const char *tier, json_t *stored, idp_outcome_t *out)
{
    json_t *m = json_object();
    const char *k;
    json_t *v;
    idp_meta_kind_t kind;
    if (m == NULL) {
        *out = idp_fail(IDP_E_NOMEM, NULL);
        return NULL;
    }
    json_object_foreach (in, k, v) {
        if (in_list(admin_only, k)) {
            /* an update may repeat what an administrator set, never change it */
            if (stored && json_equal(v, json_object_get(stored, k)))
                continue;
            *out = idp_fail(IDP_E_INVALID_CLIENT_METADATA, "first_party: set by an administrator only");
            json_decref(m);
            return NULL;
        }
        if (!in_list(not_metadata, k) && idp_client_meta_kind(k, &kind))
            json_object_set(m, k, v);
    }
    /* an admin role is an administrator's grant (docs/admin.md, Roles), never a partner's registration */
    const char *scope = json_string_value(json_object_get(m, "scope"));
    size_t len = 0;
    const char *p = scope ? scope : "";
    for (const char *w = idp_str_next_word(&p, &len); len; w = idp_str_next_word(&p, &len))
        if (idp_admin_scope(w, len)) {
            *out = idp_fail(IDP_E_INVALID_CLIENT_METADATA, "scope: admin roles are granted by an administrator only");
            json_decref(m);
            return NULL;
        }
    const char *asked = json_string_value(json_object_get(m, "tier"));
    if (asked && strcmp(asked, tier) != 0 && strcmp(tier, "city") != 0) {
        *out =
            idp_fail(IDP_E_INVALID_CLIENT_METADATA, "tier: this initial access token registers partner clients only");
        json_decref(m);
        return NULL;
    }
    if (asked == NULL)
        json_object_set_new(m, "tier", json_string(tier));
    if (stored) /* kept as the administrator set it */
        for (const char *const *f = admin_only; *f; f++)
            if (json_object_get(stored, *f))
                json_object_set(m, *f, json_object_get(stored, *f));
    return m;
}

/*
 * Validates @p m into *meta: the field table, the subject identifiers kept
 * on an update (@p before), and the sector_identifier_uri fetched and
 * checked (OpenID Connect Core §8.1, Registration §5). An outcome; the
 * message names the field (RFC 7591 §3.2.2).
 */
idp_outcome_t idp_client_validate(idp_oauth_t *o, idp_oauth_req_t *req, json_t *m, json_t *before, json_t **meta)
{
    char *err = idp_arena_alloc(req->arena, 512);
    if (err == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    err[0] = '\0';
    *meta = NULL;
    idp_err_t e = idp_client_meta_validate(m, meta, err, 512);
    if (e == IDP_OK && before)
        e = idp_client_meta_sector_change(before, *meta, err, 512);
    if (e == IDP_OK)
        e = idp_client_meta_check_sector(*meta, idp_net_fetch_doc, (void *)o->net, err, 512);
    if (e == IDP_OK)
        return idp_ok();
    json_decref(*meta);
    *meta = NULL;
    return idp_fail(e, err);
}

/* The client information response (RFC 7591 §3.2.1, RFC 7592 §3), in the arena. */
static idp_outcome_t client_information(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, int status,
                                        const char *client_id, long long issued_at, json_t *meta, const char *secret,
                                        const char *reg_token)
{
    char uri[1024];
    snprintf(uri, sizeof(uri), "%s/register/%s", o->cfg->issuer, client_id);
    json_t *body = json_deep_copy(meta);
    if (body == NULL || json_object_set_new(body, "client_id", json_string(client_id)) ||
        json_object_set_new(body, "client_id_issued_at", json_integer(issued_at)) ||
        json_object_set_new(body, "registration_client_uri", json_string(uri)) ||
        json_object_set_new(body, "registration_access_token", json_string(reg_token)) ||
        (secret && (json_object_set_new(body, "client_secret", json_string(secret)) ||
                    json_object_set_new(body, "client_secret_expires_at", json_integer(0))))) {
        json_decref(body);
        return idp_fail(IDP_E_NOMEM, NULL);
    }
    idp_oauth_json(req, resp, status, body);
    return idp_ok();
}

static void audit(idp_oauth_t *o, const char *event, const char *client_id, const char *organisation)
{
    json_t *d = json_pack("{s:s, s:s}", "client_id", client_id, "organisation", organisation);
    char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
    idp_oauth_logged(idp_store_audit(o->store, event, NULL, text ? text : "{}"), "audit");
    free(text);
    json_decref(d);
}

/* RFC 7591 §3: POST /register with an initial access token. */
idp_outcome_t idp_oauth_register(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_outcome_t out = idp_ok();
    const char *token = idp_bearer_token(req, &out);
    if (token == NULL)
        return out;
    unsigned char hash[32];
    idp_sha256(token, strlen(token), hash);
    idp_store_iat_t iat;
    idp_err_t e = idp_store_iat_find(o->store, hash, &iat);
    switch (e) {
    case IDP_OK: break;
    case IDP_E_NOT_FOUND: return idp_fail(IDP_E_INVALID_TOKEN, "the initial access token is unknown or revoked");
    case IDP_E_INVALID_GRANT: return idp_fail(IDP_E_INVALID_TOKEN, "the initial access token has expired");
    case IDP_E_CONFLICT: return idp_fail(IDP_E_INVALID_TOKEN, "the initial access token is used up");
    default: return idp_fail_store(e);
    }
    json_t *in = read_metadata(req, &out), *m = NULL, *meta = NULL;
    char *id = NULL, *secret = NULL, *reg = NULL, *text = NULL;
    if (in == NULL || (m = requested_metadata(in, iat.tier, NULL, &out)) == NULL)
        goto Exit;
    if ((out = idp_client_validate(o, req, m, NULL, &meta)).err != IDP_OK)
        goto Exit;
    idp_store_client_t c = {0};
    bool uses_secret = idp_client_meta_uses_secret(meta);
    id = idp_random_id_new(CLIENT_ID_BYTES);
    reg = idp_random_token_new(REG_TOKEN_BYTES);
    secret = uses_secret ? idp_random_token_new(SECRET_BYTES) : NULL;
    text = json_dumps(meta, JSON_COMPACT);
    if (id == NULL || reg == NULL || text == NULL || (uses_secret && secret == NULL)) {
        out = idp_fail(IDP_E_NOMEM, NULL);
        goto Exit;
    }
    c.client_id = id;
    c.metadata = text;
    if ((c.has_secret = uses_secret))
        idp_sha256(secret, strlen(secret), c.secret_hash);
    c.has_registration_token = true;
    idp_sha256(reg, strlen(reg), c.registration_token_hash);
    e = idp_store_client_register(o->store, iat.id, &c);
    idp_wipe(c.secret_hash, sizeof(c.secret_hash));
    if (e == IDP_E_CONFLICT) { /* the last use went to another registration meanwhile, or it expired */
        out = idp_fail(IDP_E_INVALID_TOKEN, "the initial access token is used up");
        goto Exit;
    }
    if (e != IDP_OK) {
        out = idp_fail_store(e);
        goto Exit;
    }
    audit(o, "client_registered", id, iat.organisation);
    idp_log_t l;
    idp_log_begin(&l, IDP_LOG_INFO, "client_registered");
    idp_log_str(&l, "client_id", id);
    idp_log_str(&l, "organisation", iat.organisation);
    idp_log_str(&l, "initial_access_token", iat.id);
    idp_log_end(&l);
    out = client_information(o, req, resp, 201, id, req->now, meta, secret, reg);
Exit:
    idp_secret_free(secret);
    idp_secret_free(reg);
    free(id);
    free(text);
    json_decref(in);
    json_decref(m);
    json_decref(meta);
    return out;
}

/*
 * RFC 7592 §2: the client named by the path, if the request's registration
 * access token is its own. Otherwise 401 invalid_token, whether the client
 * exists or not (§2.1: "If the client does not exist on this server, the
 * server MUST respond with HTTP 401").
 */
static idp_outcome_t configured_client(idp_oauth_t *o, idp_oauth_req_t *req, idp_store_client_t *row,
                                       const char **token)
{
    idp_outcome_t out = idp_ok();
    if ((*token = idp_bearer_token(req, &out)) == NULL)
        return out;
    unsigned char hash[32];
    idp_sha256(*token, strlen(*token), hash);
    idp_err_t e = req->path_param ? idp_store_client_get(o->store, req->path_param, row) : IDP_E_NOT_FOUND;
    if (e != IDP_OK && e != IDP_E_NOT_FOUND)
        return idp_fail_store(e);
    if (e == IDP_OK && row->has_registration_token && idp_ct_equal(hash, row->registration_token_hash, 32))
        return idp_ok();
    if (e == IDP_OK)
        idp_store_client_clear(row);
    return idp_fail(IDP_E_INVALID_TOKEN, "the registration access token is not this client's");
}

/* RFC 7592 §2.2: the full metadata replaces the stored one; a secret appears only when the client now needs one. */
static idp_outcome_t update(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, idp_store_client_t *row,
                            const char *token)
{
    idp_outcome_t out = idp_ok();
    json_t *in = read_metadata(req, &out), *stored = json_loads(row->metadata, 0, NULL), *m = NULL, *meta = NULL;
    char *secret = NULL, *text = NULL;
    if (in == NULL)
        goto Exit;
    if (stored == NULL) {
        out = idp_fail_why(IDP_E_SERVER_ERROR, NULL, "stored metadata is not JSON");
        goto Exit;
    }
    /* §2.2: "The client MUST include its client_id field in the request, and it MUST be the same as its
     * currently issued client identifier." */
    const char *cid = json_string_value(json_object_get(in, "client_id"));
    if (cid == NULL || strcmp(cid, row->client_id) != 0) {
        out = idp_fail(IDP_E_INVALID_REQUEST, "client_id: must be this client's identifier");
        goto Exit;
    }
    /* §2.2: "If the client includes the client_secret field in the request, the value of this field MUST match
     * the currently issued client secret for that client." */
    json_t *cs = json_object_get(in, "client_secret");
    if (cs) {
        unsigned char h[32];
        const char *s = json_string_value(cs);
        if (s)
            idp_sha256(s, strlen(s), h);
        if (s == NULL || !row->has_secret || !idp_ct_equal(h, row->secret_hash, 32)) {
            out = idp_fail(IDP_E_INVALID_REQUEST, "client_secret: does not match this client's secret");
            goto Exit;
        }
    }
    const char *tier = json_string_value(json_object_get(stored, "tier"));
    if ((m = requested_metadata(in, tier ? tier : "partner", stored, &out)) == NULL)
        goto Exit;
    /* the tier is the one it was registered with */
    if (strcmp(json_string_value(json_object_get(m, "tier")), tier ? tier : "partner") != 0) {
        out = idp_fail(IDP_E_INVALID_CLIENT_METADATA, "tier: set at registration; ask the city to change it");
        goto Exit;
    }
    /* Core §8.1: residents keep their sub at this client */
    if ((out = idp_client_validate(o, req, m, stored, &meta)).err != IDP_OK)
        goto Exit;
    bool had = idp_client_meta_uses_secret(stored), needs = idp_client_meta_uses_secret(meta);
    unsigned char hash[32];
    if (needs && !had) {
        if ((secret = idp_random_token_new(SECRET_BYTES)) == NULL) {
            out = idp_fail(IDP_E_NOMEM, NULL);
            goto Exit;
        }
        idp_sha256(secret, strlen(secret), hash);
    }
    if ((text = json_dumps(meta, JSON_COMPACT)) == NULL) {
        out = idp_fail(IDP_E_NOMEM, NULL);
        goto Exit;
    }
    idp_err_t e = idp_store_client_update(o->store, row->client_id, text, secret ? hash : NULL, had && !needs);
    idp_wipe(hash, sizeof(hash));
    if (e != IDP_OK) {
        out = e == IDP_E_NOT_FOUND ? idp_fail(IDP_E_INVALID_TOKEN, "the registration access token is not this client's")
                                   : idp_fail_store(e);
        goto Exit;
    }
    audit(o, "client_updated", row->client_id, row->organisation);
    out = client_information(o, req, resp, 200, row->client_id, row->created_at, meta, secret, token);
Exit:
    idp_secret_free(secret);
    free(text);
    json_decref(in);
    json_decref(stored);
    json_decref(m);
    json_decref(meta);
    return out;
}

/* RFC 7592 §2: GET, PUT and DELETE /register/{client_id} with its registration access token. */
idp_outcome_t idp_oauth_register_client(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_store_client_t row;
    const char *token = NULL;
    idp_outcome_t out = configured_client(o, req, &row, &token);
    if (out.err != IDP_OK)
        return out;
    if (!strcmp(req->method, "PUT")) {
        out = update(o, req, resp, &row, token);
    } else if (!strcmp(req->method, "DELETE")) {
        /* §2.3: the client, its credentials and every token issued to it go (the rows cascade) */
        idp_err_t e = idp_store_client_delete(o->store, row.client_id);
        if (e == IDP_OK || e == IDP_E_NOT_FOUND) {
            audit(o, "client_deleted", row.client_id, row.organisation);
            resp->status = 204;
            resp->body = "";
            resp->body_len = 0;
        } else {
            out = idp_fail_store(e);
        }
    } else { /* §2.1: GET (and HEAD) */
        json_t *meta = json_loads(row.metadata, 0, NULL);
        out = meta ? client_information(o, req, resp, 200, row.client_id, row.created_at, meta, NULL, token)
                   : idp_fail_why(IDP_E_SERVER_ERROR, NULL, "stored metadata is not JSON");
        json_decref(meta);
    }
    idp_store_client_clear(&row);
    return out;
}

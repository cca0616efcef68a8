/*
 * The memory store's code flow (store.h, "the authorization code flow"):
 * grants with their codes, access and refresh tokens, client-assertion
 * ids, browser sessions, consent with its ledger, and the release history.
 * Each function mirrors the statement of store/pg/store_flow.c it stands
 * for; the comments say which rule it keeps.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/mem/internal.h"

/* ---- grants -------------------------------------------------------------------- */

idp_mem_grant_t *idp_mem_grant(idp_mem_data_t *d, const char *id)
{
    for (size_t i = 0; id && i < d->grants.n; i++)
        if (!strcmp(d->grants.v[i].g.id, id))
            return &d->grants.v[i];
    return NULL;
}

static bool session_live(const idp_mem_session_t *s, long long now)
{
    return !s->ended && s->s.expires_at > now;
}

/* OpenID Connect Core §11: unless it has offline_access, a grant lives only while its browser session does. */
bool idp_mem_grant_live(idp_mem_data_t *d, const idp_mem_grant_t *g)
{
    long long now = idp_mem_now(d);
    if (g->revoked || g->expires_at <= now)
        return false;
    if (g->g.offline)
        return true;
    for (size_t i = 0; i < d->sessions.n; i++)
        if (!strcmp(d->sessions.v[i].s.sid, g->g.sid) && session_live(&d->sessions.v[i], now))
            return true;
    return false;
}

void idp_mem_revoke_family(idp_mem_data_t *d, const char *id)
{
    idp_mem_grant_t *g = idp_mem_grant(d, id);
    if (g)
        g->revoked = true;
    for (size_t i = 0; i < d->ats.n; i++)
        if (!strcmp(d->ats.v[i].i.grant_id, id))
            d->ats.v[i].revoked = true;
    for (size_t i = 0; i < d->refresh.n; i++)
        if (!strcmp(d->refresh.v[i].grant_id, id))
            d->refresh.v[i].used = true;
}

/* Copies the grant part of @p g into @p out, the code's fields empty. */
static void grant_out(const idp_mem_grant_t *g, idp_store_grant_t *out)
{
    *out = g->g;
    out->redirect_uri[0] = out->nonce[0] = out->code_challenge[0] = '\0';
}

idp_err_t idp_mem_code_create(idp_store_t *s, const idp_store_grant_t *g, const unsigned char code_hash[32],
                              int code_ttl, int grant_ttl)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long long now = idp_mem_now(d);
    idp_err_t ret = IDP_OK;
    for (size_t i = 0; i < d->codes.n; i++)
        if (!CRYPTO_memcmp(d->codes.v[i].hash, code_hash, 32))
            ret = IDP_E_CONFLICT;
    if (idp_mem_grant(d, g->id))
        ret = IDP_E_CONFLICT;
    idp_mem_grant_t *gr = ret == IDP_OK ? IDP_MEM_PUSH(d->grants) : NULL;
    idp_mem_code_t *c = gr ? IDP_MEM_PUSH(d->codes) : NULL;
    if (ret == IDP_OK && c == NULL) {
        d->grants.n -= gr != NULL;
        ret = IDP_E_NOMEM;
    }
    if (ret == IDP_OK) {
        grant_out(&(idp_mem_grant_t){.g = *g}, &gr->g);
        gr->expires_at = now + grant_ttl;
        memcpy(c->hash, code_hash, 32);
        IDP_MEM_SET(c->grant_id, g->id);
        IDP_MEM_SET(c->redirect_uri, g->redirect_uri);
        IDP_MEM_SET(c->nonce, g->nonce);
        IDP_MEM_SET(c->challenge, g->code_challenge);
        c->expires_at = now + code_ttl;
        idp_mem_stat_bump(d, g->client_id, "sign_in", ""); /* store/pg: the trigger grants_stats */
    }
    idp_mem_unlock(d);
    return ret;
}

static void code_out(const idp_mem_grant_t *g, const idp_mem_code_t *c, idp_store_grant_t *out)
{
    grant_out(g, out);
    IDP_MEM_SET(out->redirect_uri, c->redirect_uri);
    IDP_MEM_SET(out->nonce, c->nonce);
    IDP_MEM_SET(out->code_challenge, c->challenge);
}

/* What presenting code @p c would do (store/pg: code_spend, then code_take), in the same order of checks. */
static idp_store_code_outcome_t code_outcome(idp_mem_data_t *d, const idp_mem_code_t *c, const idp_mem_grant_t *g,
                                             const char *client_id, const char *redirect_uri, const char *challenge)
{
    if (strcmp(g->g.client_id, client_id) != 0)
        return IDP_CODE_WRONG_CLIENT; /* RFC 6749 §4.1.3: issued to another client */
    if (strcmp(c->redirect_uri, redirect_uri) != 0)
        return IDP_CODE_WRONG_REDIRECT; /* RFC 6749 §4.1.3: the same redirect_uri */
    if (strcmp(c->challenge, challenge) != 0)
        return IDP_CODE_WRONG_VERIFIER; /* RFC 7636 §4.6 */
    if (c->used)
        return IDP_CODE_REPLAYED;
    return c->expires_at > idp_mem_now(d) && idp_mem_grant_live(d, g) ? IDP_CODE_VALID : IDP_CODE_UNKNOWN;
}

idp_err_t idp_mem_code_redeem(idp_store_t *s, const unsigned char code_hash[32], const char *client_id,
                              const char *redirect_uri, const char *challenge, idp_store_grant_t *out,
                              idp_store_code_outcome_t *outcome)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    *outcome = IDP_CODE_UNKNOWN;
    for (size_t i = 0; i < d->codes.n; i++) {
        idp_mem_code_t *c = &d->codes.v[i];
        idp_mem_grant_t *g = idp_mem_grant(d, c->grant_id);
        if (CRYPTO_memcmp(c->hash, code_hash, 32) != 0 || g == NULL)
            continue;
        *outcome = code_outcome(d, c, g, client_id, redirect_uri, challenge);
        if (*outcome == IDP_CODE_VALID || *outcome == IDP_CODE_REPLAYED)
            code_out(g, c, out);
        if (*outcome == IDP_CODE_REPLAYED)
            idp_mem_revoke_family(d, c->grant_id); /* RFC 6749 §4.1.2: a code used twice revokes its tokens */
        break;
    }
    idp_mem_unlock(d);
    return IDP_OK;
}

idp_err_t idp_mem_grant_revoke(idp_store_t *s, const char *grant_id)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_mem_revoke_family(d, grant_id);
    idp_mem_unlock(d);
    return IDP_OK; /* as store/pg: revoking what is not there changes nothing */
}

idp_err_t idp_mem_grant_get(idp_store_t *s, const char *grant_id, idp_store_grant_t *out, bool *live)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_mem_grant_t *g = idp_mem_grant(d, grant_id);
    if (g) {
        grant_out(g, out);
        *live = idp_mem_grant_live(d, g);
    }
    idp_mem_unlock(d);
    return g ? IDP_OK : IDP_E_NOT_FOUND;
}

/* ---- tokens ------------------------------------------------------------------- */

static long at_find(idp_mem_data_t *d, const char *jti)
{
    for (size_t i = 0; i < d->ats.n; i++)
        if (!strcmp(d->ats.v[i].jti, jti))
            return (long)i;
    return -1;
}

static idp_err_t at_add(idp_mem_data_t *d, const char *jti, const char *client_id, const char *subject,
                        const char *scope, long long expires_at, const char *grant_id)
{
    if (at_find(d, jti) >= 0)
        return IDP_E_CONFLICT; /* the jti is the primary key */
    idp_mem_at_t *a = IDP_MEM_PUSH(d->ats);
    if (a == NULL)
        return IDP_E_NOMEM;
    IDP_MEM_SET(a->jti, jti);
    IDP_MEM_SET(a->i.client_id, client_id);
    IDP_MEM_SET(a->i.subject, subject);
    IDP_MEM_SET(a->i.scope, scope);
    IDP_MEM_SET(a->i.grant_id, grant_id);
    a->i.issued_at = idp_mem_now(d);
    a->i.expires_at = expires_at;
    return IDP_OK;
}

static idp_err_t refresh_add(idp_mem_data_t *d, const unsigned char hash[32], const char *grant_id)
{
    for (size_t i = 0; i < d->refresh.n; i++)
        if (!CRYPTO_memcmp(d->refresh.v[i].hash, hash, 32))
            return IDP_E_CONFLICT;
    idp_mem_refresh_t *r = IDP_MEM_PUSH(d->refresh);
    if (r == NULL)
        return IDP_E_NOMEM;
    memcpy(r->hash, hash, 32);
    IDP_MEM_SET(r->grant_id, grant_id);
    r->issued_at = idp_mem_now(d);
    return IDP_OK;
}

static idp_err_t release_add(idp_mem_data_t *d, const char *resident_id, const char *client_id, const char *via,
                             const char *claims)
{
    idp_mem_release_t *r = IDP_MEM_PUSH(d->releases);
    if (r == NULL)
        return IDP_E_NOMEM;
    IDP_MEM_SET(r->resident, resident_id);
    IDP_MEM_SET(r->r.client_id, client_id);
    IDP_MEM_SET(r->r.via, via);
    IDP_MEM_SET(r->r.claims, claims);
    r->r.at = idp_mem_now(d);
    return IDP_OK;
}

/* Undoes the rows added after the counts in @p mark: one call, one transaction. */
typedef struct {
    size_t ats, refresh, releases;
} mark_t;

static mark_t mark(const idp_mem_data_t *d)
{
    return (mark_t){d->ats.n, d->refresh.n, d->releases.n};
}

static void rollback(idp_mem_data_t *d, mark_t m)
{
    d->ats.n = m.ats;
    d->refresh.n = m.refresh;
    d->releases.n = m.releases;
}

idp_err_t idp_mem_code_spend(idp_store_t *s, const unsigned char code_hash[32], const char *grant_id,
                             const unsigned char *refresh_hash, const char *jti, const char *client_id,
                             const char *subject, const char *scope, long long expires_at, const char *released,
                             const char *dpop_jkt)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    mark_t m = mark(d);
    idp_mem_grant_t *g = idp_mem_grant(d, grant_id);
    idp_mem_code_t *c = NULL;
    for (size_t i = 0; g && i < d->codes.n && c == NULL; i++)
        if (!CRYPTO_memcmp(d->codes.v[i].hash, code_hash, 32) && !strcmp(d->codes.v[i].grant_id, grant_id))
            c = &d->codes.v[i];
    /* as store/pg: spent only if it still can be, and then the answer's rows with it */
    idp_err_t ret =
        c && !c->used && c->expires_at > idp_mem_now(d) && idp_mem_grant_live(d, g) ? IDP_OK : IDP_E_CONFLICT;
    char resident[64] = "";
    if (g)
        IDP_MEM_SET(resident, g->g.resident_id);
    if (ret == IDP_OK && refresh_hash)
        ret = refresh_add(d, refresh_hash, grant_id);
    if (ret == IDP_OK)
        ret = at_add(d, jti, client_id, subject, scope, expires_at, grant_id);
    if (ret == IDP_OK) /* store/pg writes the release row even when no claim was released */
        ret = release_add(d, resident, client_id, "token", released);
    if (ret == IDP_OK) {
        c->used = true;                                   /* spent exactly once, with its rows */
        if (dpop_jkt && dpop_jkt[0] && !g->g.dpop_jkt[0]) /* RFC 9449 §5: bound from now on */
            IDP_MEM_SET(g->g.dpop_jkt, dpop_jkt);
    } else {
        rollback(d, m);
    }
    idp_mem_unlock(d);
    return ret;
}

/* As store/pg's code_exchange: spent, with the answer's rows, only when every condition holds; else nothing. */
idp_err_t idp_mem_code_exchange(idp_store_t *s, const unsigned char code_hash[32], const char *client_id,
                                const char *redirect_uri, const char *challenge, const char *dpop_jkt,
                                const unsigned char *refresh_hash, const char *jti, long long expires_at,
                                idp_store_grant_t *out)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    mark_t m = mark(d);
    idp_err_t ret = IDP_E_NOT_FOUND;
    const char *jkt = dpop_jkt ? dpop_jkt : "";
    for (size_t i = 0; i < d->codes.n; i++) {
        idp_mem_code_t *c = &d->codes.v[i];
        idp_mem_grant_t *g = idp_mem_grant(d, c->grant_id);
        if (CRYPTO_memcmp(c->hash, code_hash, 32) != 0 || g == NULL)
            continue;
        if (code_outcome(d, c, g, client_id, redirect_uri, challenge) != IDP_CODE_VALID ||
            (g->g.dpop_jkt[0] && strcmp(g->g.dpop_jkt, jkt) != 0) || !g->g.subject[0] || g->g.id_token_claims[0])
            break;
        ret = refresh_hash ? refresh_add(d, refresh_hash, g->g.id) : IDP_OK;
        if (ret == IDP_OK)
            ret = at_add(d, jti, client_id, g->g.subject, g->g.scope, expires_at, g->g.id);
        if (ret == IDP_OK)
            ret = release_add(d, g->g.resident_id, client_id, "token", "");
        if (ret != IDP_OK) {
            rollback(d, m);
            break;
        }
        code_out(g, c, out); /* as store/pg's RETURNING: the grant as it was before the binding below */
        c->used = true;
        if (jkt[0] && !g->g.dpop_jkt[0]) /* RFC 9449 §5: bound from now on */
            IDP_MEM_SET(g->g.dpop_jkt, jkt);
        break;
    }
    idp_mem_unlock(d);
    return ret;
}

static long refresh_find(idp_mem_data_t *d, const unsigned char hash[32])
{
    for (size_t i = 0; i < d->refresh.n; i++)
        if (!CRYPTO_memcmp(d->refresh.v[i].hash, hash, 32))
            return (long)i;
    return -1;
}

idp_err_t idp_mem_refresh_exchange(idp_store_t *s, const unsigned char old_hash[32], const char *client_id,
                                   const unsigned char *new_hash, const char *jti, const char *subject,
                                   const char *scope, long long expires_at, const char *released)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long i = refresh_find(d, old_hash);
    idp_mem_grant_t *g = i >= 0 ? idp_mem_grant(d, d->refresh.v[i].grant_id) : NULL;
    idp_err_t ret = IDP_OK;
    char gid[64] = "", resident[64] = "";
    /* RFC 6749 §6: bound to the client it was issued to; the grant must still be live. */
    if (g == NULL || strcmp(g->g.client_id, client_id) != 0 || !idp_mem_grant_live(d, g)) {
        ret = IDP_E_NOT_FOUND;
    } else if (d->refresh.v[i].used) {
        idp_mem_revoke_family(d, g->g.id); /* RFC 9700 §4.14.2: a replayed refresh token revokes its family */
        ret = IDP_E_CONFLICT;
    } else {
        IDP_MEM_SET(gid, g->g.id);
        IDP_MEM_SET(resident, g->g.resident_id);
        mark_t m = mark(d);
        if (new_hash)
            ret = refresh_add(d, new_hash, gid);
        if (ret == IDP_OK)
            ret = at_add(d, jti, client_id, subject, scope, expires_at, gid);
        if (ret == IDP_OK && released && *released)
            ret = release_add(d, resident, client_id, "token", released);
        if (ret == IDP_OK)
            d->refresh.v[i].used = true; /* spent last: a failure leaves it unspent for a retry */
        else
            rollback(d, m);
    }
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_access_token_insert(idp_store_t *s, const char *jti, const char *client_id, const char *subject,
                                      const char *scope, long long expires_at, const char *grant_id)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = at_add(d, jti, client_id, subject, scope, expires_at, grant_id);
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_access_token_get(idp_store_t *s, const char *jti, idp_store_token_info_t *out)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long i = at_find(d, jti);
    if (i >= 0) {
        const idp_mem_at_t *a = &d->ats.v[i];
        idp_mem_grant_t *g = idp_mem_grant(d, a->i.grant_id);
        *out = a->i;
        out->spent = false;
        out->active =
            !a->revoked && a->i.expires_at > idp_mem_now(d) && (!a->i.grant_id[0] || (g && idp_mem_grant_live(d, g)));
    }
    idp_mem_unlock(d);
    return i >= 0 ? IDP_OK : IDP_E_NOT_FOUND;
}

idp_err_t idp_mem_refresh_get(idp_store_t *s, const unsigned char token_hash[32], idp_store_grant_t *grant,
                              idp_store_token_info_t *out)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long i = refresh_find(d, token_hash);
    idp_mem_grant_t *g = i >= 0 ? idp_mem_grant(d, d->refresh.v[i].grant_id) : NULL;
    if (g) {
        const idp_mem_refresh_t *r = &d->refresh.v[i];
        grant_out(g, grant);
        memset(out, 0, sizeof(*out));
        IDP_MEM_SET(out->client_id, g->g.client_id);
        IDP_MEM_SET(out->scope, g->g.scope);
        IDP_MEM_SET(out->grant_id, g->g.id);
        out->active = !r->used && idp_mem_grant_live(d, g);
        out->issued_at = r->issued_at;
        out->expires_at = g->expires_at;
        out->spent = r->used;
    }
    idp_mem_unlock(d);
    return g ? IDP_OK : IDP_E_NOT_FOUND;
}

idp_err_t idp_mem_access_token_revoke(idp_store_t *s, const char *jti)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long i = at_find(d, jti);
    if (i >= 0)
        d->ats.v[i].revoked = true;
    idp_mem_unlock(d);
    return IDP_OK; /* as store/pg: an unknown jti changes nothing */
}

idp_err_t idp_mem_assertion_jti_use(idp_store_t *s, const char *client_id, const char *jti, long long expires_at)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = IDP_OK;
    idp_mem_jti_t *j = NULL;
    for (size_t i = 0; i < d->jtis.n && j == NULL; i++)
        if (!strcmp(d->jtis.v[i].client, client_id) && !strcmp(d->jtis.v[i].jti, jti))
            j = &d->jtis.v[i];
    if (j && j->expires_at > idp_mem_now(d))
        ret = IDP_E_CONFLICT; /* RFC 7523 §3: a jti may come back only after its earlier use expired */
    else if (j == NULL && (j = IDP_MEM_PUSH(d->jtis)) == NULL)
        ret = IDP_E_NOMEM;
    if (ret == IDP_OK) {
        IDP_MEM_SET(j->client, client_id);
        IDP_MEM_SET(j->jti, jti);
        j->expires_at = expires_at;
    }
    idp_mem_unlock(d);
    return ret;
}

/* ---- pushed authorization requests (store/pg: F_PAR_PUT, F_PAR_TAKE) ------------------ */

idp_err_t idp_mem_par_put(idp_store_t *s, const unsigned char uri_hash[32], const char *client_id, const char *params,
                          int ttl)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = idp_mem_client_exists(d, client_id) ? IDP_OK : IDP_E_NOT_FOUND; /* the foreign key */
    for (size_t i = 0; ret == IDP_OK && i < d->pars.n; i++)
        if (!memcmp(d->pars.v[i].hash, uri_hash, 32))
            ret = IDP_E_CONFLICT; /* the primary key */
    idp_mem_par_t *p = ret == IDP_OK ? IDP_MEM_PUSH(d->pars) : NULL;
    if (ret == IDP_OK && (p == NULL || (p->params = strdup(params)) == NULL)) {
        d->pars.n -= p != NULL;
        ret = IDP_E_NOMEM;
    }
    if (ret == IDP_OK) {
        memcpy(p->hash, uri_hash, 32);
        IDP_MEM_SET(p->client, client_id);
        p->expires_at = idp_mem_now(d) + ttl;
        p->used = false;
    }
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_par_take(idp_store_t *s, const unsigned char uri_hash[32], const char *client_id, char **params)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = IDP_E_NOT_FOUND;
    *params = NULL;
    for (size_t i = 0; i < d->pars.n; i++) {
        idp_mem_par_t *p = &d->pars.v[i];
        if (memcmp(p->hash, uri_hash, 32) || strcmp(p->client, client_id) || p->used || p->expires_at <= idp_mem_now(d))
            continue;
        ret = (*params = strdup(p->params)) ? IDP_OK : IDP_E_NOMEM;
        p->used = ret == IDP_OK;
        break;
    }
    idp_mem_unlock(d);
    return ret;
}

/* ---- sessions ------------------------------------------------------------------ */

long idp_mem_session_find(idp_mem_data_t *d, const unsigned char id_hash[32])
{
    long long now = idp_mem_now(d);
    for (size_t i = 0; i < d->sessions.n; i++)
        if (!CRYPTO_memcmp(d->sessions.v[i].id_hash, id_hash, 32) && session_live(&d->sessions.v[i], now))
            return (long)i;
    return -1;
}

idp_err_t idp_mem_session_get(idp_store_t *s, const unsigned char id_hash[32], idp_store_session_t *out)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long i = idp_mem_session_find(d, id_hash);
    if (i >= 0)
        *out = d->sessions.v[i].s;
    idp_mem_unlock(d);
    return i >= 0 ? IDP_OK : IDP_E_NOT_FOUND;
}

idp_err_t idp_mem_session_login(idp_store_t *s, const unsigned char *old_hash, const unsigned char new_hash[32],
                                const char *new_sid, const char *resident_id, const char *acr, const char *amr,
                                const char *credential, long long auth_time, int ttl, idp_store_session_t *out)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long long now = idp_mem_now(d);
    long i = old_hash ? idp_mem_session_find(d, old_hash) : -1;
    idp_err_t ret = IDP_OK;
    idp_mem_session_t *m = NULL;
    if (i >= 0 && !strcmp(d->sessions.v[i].s.resident_id, resident_id)) {
        m = &d->sessions.v[i]; /* the same resident again: new cookie, same sid (session fixation) */
    } else {
        if (i >= 0)
            d->sessions.v[i].ended = true; /* another resident: end it and start afresh */
        if ((m = IDP_MEM_PUSH(d->sessions)) == NULL)
            ret = IDP_E_NOMEM;
        else
            IDP_MEM_SET(m->s.sid, new_sid);
    }
    if (m) {
        memcpy(m->id_hash, new_hash, 32);
        IDP_MEM_SET(m->s.resident_id, resident_id);
        IDP_MEM_SET(m->s.acr, acr);
        IDP_MEM_SET(m->s.amr, amr);
        IDP_MEM_SET(m->credential, credential);
        m->s.auth_time = auth_time;
        m->s.expires_at = now + ttl;
        *out = m->s;
    }
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_sessions_list(idp_store_t *s, const char *resident_id, idp_store_session_t **rows, size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long long now = idp_mem_now(d);
    *n = 0;
    *rows = calloc(d->sessions.n + 1, sizeof(**rows));
    for (size_t i = 0; *rows && i < d->sessions.n; i++) {
        const idp_mem_session_t *m = &d->sessions.v[i];
        if (!strcmp(m->s.resident_id, resident_id) && session_live(m, now))
            (*rows)[(*n)++] = m->s;
    }
    /* newest sign-in first, as store/pg orders them */
    for (size_t a = 1; *rows && a < *n; a++)
        for (size_t b = a; b > 0 && (*rows)[b - 1].auth_time < (*rows)[b].auth_time; b--) {
            idp_store_session_t t = (*rows)[b];
            (*rows)[b] = (*rows)[b - 1];
            (*rows)[b - 1] = t;
        }
    idp_mem_unlock(d);
    return *rows ? IDP_OK : IDP_E_NOMEM;
}

idp_err_t idp_mem_session_end_sid(idp_store_t *s, const char *resident_id, const char *sid)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = IDP_E_NOT_FOUND;
    for (size_t i = 0; i < d->sessions.n; i++) {
        idp_mem_session_t *m = &d->sessions.v[i];
        if (!m->ended && !strcmp(m->s.resident_id, resident_id) && !strcmp(m->s.sid, sid)) {
            m->ended = true;
            ret = IDP_OK;
        }
    }
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_session_end(idp_store_t *s, const unsigned char id_hash[32], idp_store_session_t *out)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long i = idp_mem_session_find(d, id_hash);
    if (i >= 0) {
        d->sessions.v[i].ended = true;
        *out = d->sessions.v[i].s;
    }
    idp_mem_unlock(d);
    return i >= 0 ? IDP_OK : IDP_E_NOT_FOUND;
}

idp_err_t idp_mem_session_clients(idp_store_t *s, const char *sid, char (**clients)[256], size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    *n = 0;
    *clients = calloc(d->grants.n + 1, sizeof(**clients));
    for (size_t i = 0; *clients && i < d->grants.n; i++) {
        const char *c = d->grants.v[i].g.client_id;
        bool seen = strcmp(d->grants.v[i].g.sid, sid) != 0;
        for (size_t j = 0; !seen && j < *n; j++)
            seen = !strcmp((*clients)[j], c);
        if (!seen)
            IDP_MEM_SET((*clients)[(*n)++], c);
    }
    idp_mem_unlock(d);
    return *clients ? IDP_OK : IDP_E_NOMEM;
}

/* ---- consent and its ledger ------------------------------------------------------- */

/* Adds @p w to the space-separated list @p buf, keeping it sorted (store/pg: string_agg ORDER BY claim). */
static void add_sorted(char *buf, size_t size, const char *w)
{
    char tmp[1024], out[1024] = "";
    const char *words[129];
    size_t n = 0, at = 0;
    snprintf(tmp, sizeof(tmp), "%s", buf);
    for (char *save = NULL, *t = strtok_r(tmp, " ", &save); t && n < 128; t = strtok_r(NULL, " ", &save))
        words[n++] = t;
    while (at < n && strcmp(words[at], w) < 0)
        at++;
    memmove(&words[at + 1], &words[at], (n - at) * sizeof(*words));
    words[at] = w;
    n++;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(out);
        snprintf(out + l, sizeof(out) - l, "%s%s", i ? " " : "", words[i]);
    }
    snprintf(buf, size, "%s", out);
}

idp_err_t idp_mem_consent_get(idp_store_t *s, const char *resident_id, const char *client_id, char **claims)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    char buf[1024] = "";
    long long now = idp_mem_now(d);
    for (size_t i = 0; i < d->consents.n; i++) {
        const idp_mem_consent_t *c = &d->consents.v[i];
        if (!strcmp(c->resident, resident_id) && !strcmp(c->client, client_id) && c->expires_at > now)
            add_sorted(buf, sizeof(buf), c->claim);
    }
    idp_mem_unlock(d);
    *claims = strdup(buf);
    return *claims ? IDP_OK : IDP_E_NOMEM;
}

/* The three reads one after another: the reference for store/pg's one statement (store.h). */
idp_err_t idp_mem_session_authz(idp_store_t *s, const unsigned char id_hash[32], const char *client_id,
                                idp_store_session_t *sess, bool *has_attrs, char **consented)
{
    idp_err_t e = idp_mem_session_get(s, id_hash, sess);
    if (e != IDP_OK)
        return e;
    idp_store_resident_attrs_t a;
    e = idp_mem_resident_attrs_get(s, sess->resident_id, &a);
    if (e == IDP_OK)
        idp_store_resident_attrs_clear(&a);
    else if (e != IDP_E_NOT_FOUND)
        return e;
    *has_attrs = e == IDP_OK;
    return idp_mem_consent_get(s, sess->resident_id, client_id, consented);
}

static idp_err_t consent_put(idp_mem_data_t *d, const char *resident_id, const char *client_id, const char *claim,
                             long long expires_at)
{
    idp_mem_consent_t *c = NULL;
    for (size_t i = 0; i < d->consents.n && c == NULL; i++)
        if (!strcmp(d->consents.v[i].resident, resident_id) && !strcmp(d->consents.v[i].client, client_id) &&
            !strcmp(d->consents.v[i].claim, claim))
            c = &d->consents.v[i];
    if (c == NULL && (c = IDP_MEM_PUSH(d->consents)) == NULL)
        return IDP_E_NOMEM;
    IDP_MEM_SET(c->resident, resident_id);
    IDP_MEM_SET(c->client, client_id);
    IDP_MEM_SET(c->claim, claim);
    c->granted_at = idp_mem_now(d);
    c->expires_at = expires_at;
    return IDP_OK;
}

idp_err_t idp_mem_consent_record(idp_store_t *s, const char *resident_id, const char *client_id, const char *action,
                                 const char *claims, int ttl, const char *actor, const char *purpose,
                                 const char *details)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = IDP_OK;
    if (!strcmp(action, "grant")) {
        char list[1024];
        snprintf(list, sizeof(list), "%s", claims ? claims : "");
        for (char *save = NULL, *t = strtok_r(list, " ", &save); ret == IDP_OK && t; t = strtok_r(NULL, " ", &save))
            ret = consent_put(d, resident_id, client_id, t, idp_mem_now(d) + ttl);
    }
    if (ret == IDP_OK) /* every decision, grant or deny, goes to the ledger */
        ret = idp_mem_ledger_append(d, resident_id, client_id, action, claims, actor, purpose, details);
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_consents_list(idp_store_t *s, const char *resident_id, idp_store_consent_t **rows, size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long long now = idp_mem_now(d);
    *n = 0;
    *rows = calloc(d->consents.n + 1, sizeof(**rows));
    for (size_t i = 0; *rows && i < d->consents.n; i++) {
        const idp_mem_consent_t *c = &d->consents.v[i];
        if (strcmp(c->resident, resident_id) != 0 || c->expires_at <= now)
            continue;
        idp_store_consent_t *o = NULL;
        for (size_t j = 0; j < *n && o == NULL; j++)
            if (!strcmp((*rows)[j].client_id, c->client))
                o = &(*rows)[j];
        if (o == NULL) {
            o = &(*rows)[(*n)++];
            IDP_MEM_SET(o->client_id, c->client);
            o->granted_at = c->granted_at;
            o->expires_at = c->expires_at;
        }
        add_sorted(o->claims, sizeof(o->claims), c->claim);
        o->granted_at = c->granted_at < o->granted_at ? c->granted_at : o->granted_at; /* min, as store/pg */
        o->expires_at = c->expires_at < o->expires_at ? c->expires_at : o->expires_at;
    }
    /* by client, as store/pg orders them */
    for (size_t a = 1; *rows && a < *n; a++)
        for (size_t b = a; b > 0 && strcmp((*rows)[b - 1].client_id, (*rows)[b].client_id) > 0; b--) {
            idp_store_consent_t t = (*rows)[b];
            (*rows)[b] = (*rows)[b - 1];
            (*rows)[b - 1] = t;
        }
    idp_mem_unlock(d);
    return *rows ? IDP_OK : IDP_E_NOMEM;
}

idp_err_t idp_mem_consent_revoke(idp_store_t *s, const char *resident_id, const char *client_id, const char *claim,
                                 const char *actor)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    char claims[1024] = "";
    for (size_t i = d->consents.n; i-- > 0;) {
        const idp_mem_consent_t *c = &d->consents.v[i];
        if (strcmp(c->resident, resident_id) != 0 || strcmp(c->client, client_id) != 0 ||
            (claim && strcmp(c->claim, claim)))
            continue;
        add_sorted(claims, sizeof(claims), c->claim);
        IDP_MEM_REMOVE(d->consents, i);
    }
    idp_err_t ret = claims[0] ? IDP_OK : IDP_E_NOT_FOUND;
    /* every grant of this resident to this client goes, with its tokens */
    for (size_t i = 0; ret == IDP_OK && i < d->grants.n; i++)
        if (!strcmp(d->grants.v[i].g.resident_id, resident_id) && !strcmp(d->grants.v[i].g.client_id, client_id))
            idp_mem_revoke_family(d, d->grants.v[i].g.id);
    if (ret == IDP_OK)
        ret = idp_mem_ledger_append(d, resident_id, client_id, "revoke", claims, actor, "", NULL);
    idp_mem_unlock(d);
    return ret;
}

/* row_hash = SHA-256(prev_hash || seq, at in µs, resident, client, action, claims, actor, purpose joined by "\n"). */
static idp_err_t ledger_hash(const idp_store_ledger_row_t *r, unsigned char out[32])
{
    char head[64];
    snprintf(head, sizeof(head), "%lld\n%lld\n", r->seq, r->at_us);
    const char *parts[] = {r->resident_id, "\n", r->client_id, "\n", r->action, "\n",
                           r->claims,      "\n", r->actor,     "\n", r->purpose};
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) && EVP_DigestUpdate(ctx, r->prev_hash, 32) &&
             EVP_DigestUpdate(ctx, head, strlen(head));
    for (size_t i = 0; ok && i < sizeof(parts) / sizeof(parts[0]); i++)
        ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]));
    if (ok && r->hash_version >= 3) /* as store/pg: the details joined by one more "\n" */
        ok = EVP_DigestUpdate(ctx, "\n", 1) && EVP_DigestUpdate(ctx, r->details, strlen(r->details));
    ok = ok && EVP_DigestFinal_ex(ctx, out, NULL);
    EVP_MD_CTX_free(ctx);
    return ok ? IDP_OK : IDP_E_SERVER_ERROR;
}

idp_err_t idp_mem_ledger_append(idp_mem_data_t *d, const char *resident, const char *client, const char *action,
                                const char *claims, const char *actor, const char *purpose, const char *details)
{
    idp_store_ledger_row_t r = {.seq = (long long)d->ledger.n + 1,
                                .at_us = idp_mem_now(d) * 1000000,
                                .hash_version = details && *details ? 3 : 2};
    if (d->ledger.n)
        memcpy(r.prev_hash, d->ledger.v[d->ledger.n - 1].row_hash, 32);
    r.resident_id = strdup(resident ? resident : "");
    r.client_id = strdup(client ? client : "");
    r.action = strdup(action ? action : "");
    r.claims = strdup(claims ? claims : "");
    r.actor = strdup(actor ? actor : "");
    r.purpose = strdup(purpose ? purpose : "");
    r.details = strdup(details ? details : "");
    idp_err_t ret = r.resident_id && r.client_id && r.action && r.claims && r.actor && r.purpose && r.details
                        ? IDP_OK
                        : IDP_E_NOMEM;
    if (ret == IDP_OK)
        ret = ledger_hash(&r, r.row_hash);
    idp_store_ledger_row_t *slot = ret == IDP_OK ? IDP_MEM_PUSH(d->ledger) : NULL;
    if (slot) {
        *slot = r;
        /* store/pg: the trigger consent_ledger_stats */
        idp_mem_stat_bump(d, client ? client : "",
                          !strcmp(r.action, "grant")  ? "consent"
                          : !strcmp(r.action, "deny") ? "refusal"
                                                      : "withdrawal",
                          "");
        return IDP_OK;
    }
    free(r.resident_id);
    free(r.client_id);
    free(r.action);
    free(r.claims);
    free(r.actor);
    free(r.purpose);
    free(r.details);
    return ret == IDP_OK ? IDP_E_NOMEM : ret;
}

static char *dup_or_null(const char *s, bool *ok)
{
    char *c = strdup(s);
    *ok = *ok && c != NULL;
    return c;
}

idp_err_t idp_mem_ledger_rows(idp_store_t *s, const char *resident_id, idp_store_ledger_row_t **rows, size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    bool ok = true;
    *n = 0;
    *rows = calloc(d->ledger.n + 1, sizeof(**rows));
    ok = *rows != NULL;
    for (size_t i = 0; ok && i < d->ledger.n; i++) {
        const idp_store_ledger_row_t *r = &d->ledger.v[i];
        if (resident_id && strcmp(r->resident_id, resident_id) != 0)
            continue;
        idp_store_ledger_row_t *o = &(*rows)[(*n)++];
        *o = *r;
        o->resident_id = dup_or_null(r->resident_id, &ok);
        o->client_id = dup_or_null(r->client_id, &ok);
        o->action = dup_or_null(r->action, &ok);
        o->claims = dup_or_null(r->claims, &ok);
        o->actor = dup_or_null(r->actor, &ok);
        o->purpose = dup_or_null(r->purpose, &ok);
        o->details = dup_or_null(r->details, &ok);
    }
    idp_mem_unlock(d);
    if (!ok) {
        idp_store_ledger_rows_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return ok ? IDP_OK : IDP_E_NOMEM;
}

idp_err_t idp_mem_release(idp_store_t *s, const char *resident_id, const char *client_id, const char *via,
                          const char *claims)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = release_add(d, resident_id, client_id, via, claims);
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_releases_list(idp_store_t *s, const char *resident_id, int limit, idp_store_release_t **rows,
                                size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    *n = 0;
    *rows = calloc(d->releases.n + 1, sizeof(**rows));
    for (size_t i = d->releases.n; *rows && i-- > 0 && (int)*n < limit;) /* newest first */
        if (!strcmp(d->releases.v[i].resident, resident_id))
            (*rows)[(*n)++] = d->releases.v[i].r;
    idp_mem_unlock(d);
    return *rows ? IDP_OK : IDP_E_NOMEM;
}

/* ---- household attributes ------------------------------------------------------------- */

idp_err_t idp_mem_household_get(idp_store_t *s, const char *resident_id, idp_store_household_t *out)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    memset(out, 0, sizeof(*out)); /* never set: all "" and updated_at 0 */
    for (size_t i = 0; i < d->households.n; i++)
        if (!strcmp(d->households.v[i].resident, resident_id))
            *out = d->households.v[i].h;
    idp_mem_unlock(d);
    return IDP_OK;
}

idp_err_t idp_mem_household_put(idp_store_t *s, const char *resident_id, const idp_store_household_t *h)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_mem_household_t *row = NULL;
    for (size_t i = 0; i < d->households.n && row == NULL; i++)
        if (!strcmp(d->households.v[i].resident, resident_id))
            row = &d->households.v[i];
    if (row == NULL && (row = IDP_MEM_PUSH(d->households)) != NULL)
        IDP_MEM_SET(row->resident, resident_id);
    if (row) {
        row->h = *h;
        row->h.updated_at = idp_mem_now(d);
    }
    idp_mem_unlock(d);
    return row ? IDP_OK : IDP_E_NOMEM;
}

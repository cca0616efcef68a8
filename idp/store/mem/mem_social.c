/*
 * The memory store's social login (store.h, "social login and linking"):
 * upstream providers, the upstream leg of login transactions, social
 * identities, credentials and unlinking, mirroring store/pg/store_social.c.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/mem/internal.h"

/* ---- upstream providers ------------------------------------------------------------- */

static long upstream_find(idp_mem_data_t *d, const char *id)
{
    for (size_t i = 0; i < d->upstreams.n; i++)
        if (!strcmp(d->upstreams.v[i].id, id))
            return (long)i;
    return -1;
}

static char *dup_or(const char *s, bool *ok)
{
    char *c = strdup(s ? s : "");
    *ok = *ok && c != NULL;
    return c;
}

/* A deep copy of @p in; icon_uri stays NULL when absent or "" (store/pg: nullif). */
static bool upstream_copy(const idp_store_upstream_t *in, idp_store_upstream_t *out)
{
    bool ok = true;
    *out = *in;
    out->issuer = dup_or(in->issuer, &ok);
    out->client_id = dup_or(in->client_id, &ok);
    out->scopes = dup_or(in->scopes, &ok);
    out->display_name = dup_or(in->display_name, &ok);
    out->icon_uri = in->icon_uri && *in->icon_uri ? dup_or(in->icon_uri, &ok) : NULL;
    out->acr_values = dup_or(in->acr_values, &ok);
    if (!out->kind[0])
        snprintf(out->kind, sizeof(out->kind), "social"); /* the column's default */
    out->secret_enc = NULL;
    out->secret_enc_len = 0;
    if (ok && in->secret_enc && (out->secret_enc = malloc(in->secret_enc_len ? in->secret_enc_len : 1)) == NULL)
        ok = false;
    if (ok && in->secret_enc) {
        memcpy(out->secret_enc, in->secret_enc, in->secret_enc_len);
        out->secret_enc_len = in->secret_enc_len;
    }
    if (!ok)
        idp_store_upstream_clear(out);
    return ok;
}

/* The upstream writes, the store locked (store/pg: upstream_write). */
static idp_err_t upstream_insert_locked(idp_mem_data_t *d, const idp_store_upstream_t *u)
{
    idp_err_t ret = upstream_find(d, u->id) >= 0 ? IDP_E_CONFLICT : IDP_OK; /* the id is the primary key */
    idp_store_upstream_t *row = ret == IDP_OK ? IDP_MEM_PUSH(d->upstreams) : NULL;
    if (ret == IDP_OK && (row == NULL || !upstream_copy(u, row))) {
        d->upstreams.n -= row != NULL;
        ret = IDP_E_NOMEM;
    }
    if (ret == IDP_OK)
        row->created_at = row->updated_at = idp_mem_now(d);
    return ret;
}

static idp_err_t upstream_update_locked(idp_mem_data_t *d, const idp_store_upstream_t *u)
{
    long i = upstream_find(d, u->id);
    idp_store_upstream_t fresh;
    idp_err_t ret = i < 0 ? IDP_E_NOT_FOUND : upstream_copy(u, &fresh) ? IDP_OK : IDP_E_NOMEM;
    if (ret == IDP_OK) {
        idp_store_upstream_t *row = &d->upstreams.v[i];
        if (fresh.secret_enc == NULL) { /* NULL: the secret stays */
            fresh.secret_enc = row->secret_enc;
            fresh.secret_enc_len = row->secret_enc_len;
            row->secret_enc = NULL;
        }
        fresh.created_at = row->created_at;
        fresh.updated_at = idp_mem_now(d);
        idp_store_upstream_clear(row);
        *row = fresh;
    }
    return ret;
}

static idp_err_t upstream_delete_locked(idp_mem_data_t *d, const char *id)
{
    long i = upstream_find(d, id);
    if (i >= 0) {
        idp_store_upstream_clear(&d->upstreams.v[i]);
        IDP_MEM_REMOVE(d->upstreams, (size_t)i);
    }
    return i >= 0 ? IDP_OK : IDP_E_NOT_FOUND;
}

idp_err_t idp_mem_upstream_change_locked(idp_mem_data_t *d, const idp_store_admin_op_t *op)
{
    return op->kind == IDP_ADMIN_OP_UPSTREAM_INSERT   ? upstream_insert_locked(d, op->upstream)
           : op->kind == IDP_ADMIN_OP_UPSTREAM_UPDATE ? upstream_update_locked(d, op->upstream)
                                                      : upstream_delete_locked(d, op->id);
}

idp_err_t idp_mem_upstream_insert(idp_store_t *s, const idp_store_upstream_t *u)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = upstream_insert_locked(d, u);
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_upstream_update(idp_store_t *s, const idp_store_upstream_t *u)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = upstream_update_locked(d, u);
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_upstream_get(idp_store_t *s, const char *id, idp_store_upstream_t *out)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long i = upstream_find(d, id);
    idp_err_t ret = i < 0 ? IDP_E_NOT_FOUND : upstream_copy(&d->upstreams.v[i], out) ? IDP_OK : IDP_E_NOMEM;
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_upstream_list(idp_store_t *s, bool enabled_only, idp_store_upstream_t **rows, size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    bool ok = (*rows = calloc(d->upstreams.n + 1, sizeof(**rows))) != NULL;
    *n = 0;
    for (size_t i = 0; ok && i < d->upstreams.n; i++)
        if (!enabled_only || d->upstreams.v[i].enabled) {
            if (!(ok = upstream_copy(&d->upstreams.v[i], &(*rows)[*n])))
                break;
            (*n)++;
        }
    /* by id, as store/pg orders them */
    for (size_t a = 1; ok && a < *n; a++)
        for (size_t b = a; b > 0 && strcmp((*rows)[b - 1].id, (*rows)[b].id) > 0; b--) {
            idp_store_upstream_t t = (*rows)[b];
            (*rows)[b] = (*rows)[b - 1];
            (*rows)[b - 1] = t;
        }
    idp_mem_unlock(d);
    if (!ok) {
        idp_store_upstreams_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return ok ? IDP_OK : IDP_E_NOMEM;
}

idp_err_t idp_mem_upstream_delete(idp_store_t *s, const char *id)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = upstream_delete_locked(d, id);
    idp_mem_unlock(d);
    return ret;
}

/* ---- the upstream leg of a login transaction ------------------------------------------ */

idp_err_t idp_mem_login_tx_upstream(idp_store_t *s, const char *tx_id, const char *upstream_id, const char *state,
                                    const char *nonce, const char *verifier)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = idp_mem_tx_open(d, tx_id) ? IDP_OK : IDP_E_NOT_FOUND;
    idp_mem_leg_t *leg = NULL;
    for (size_t i = 0; ret == IDP_OK && i < d->legs.n && leg == NULL; i++)
        if (!strcmp(d->legs.v[i].tx, tx_id))
            leg = &d->legs.v[i];
    if (ret == IDP_OK && leg == NULL && (leg = IDP_MEM_PUSH(d->legs)) == NULL)
        ret = IDP_E_NOMEM;
    if (ret == IDP_OK) {
        IDP_MEM_SET(leg->tx, tx_id);
        IDP_MEM_SET(leg->upstream_id, upstream_id);
        IDP_MEM_SET(leg->state, state);
        IDP_MEM_SET(leg->nonce, nonce);
        IDP_MEM_SET(leg->verifier, verifier);
    }
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_login_tx_take_upstream(idp_store_t *s, const char *state, idp_store_login_tx_t *out,
                                         char upstream_id[40], char nonce[128], char verifier[160])
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = IDP_E_NOT_FOUND;
    for (size_t i = 0; i < d->legs.n && ret == IDP_E_NOT_FOUND; i++) {
        idp_mem_leg_t *leg = &d->legs.v[i];
        idp_store_login_tx_t *tx = leg->state[0] && !strcmp(leg->state, state) ? idp_mem_tx_open(d, leg->tx) : NULL;
        if (tx == NULL)
            continue;
        leg->state[0] = '\0'; /* the state is good for one callback */
        snprintf(upstream_id, 40, "%s", leg->upstream_id);
        snprintf(nonce, 128, "%s", leg->nonce);
        snprintf(verifier, 160, "%s", leg->verifier);
        *out = *tx;
        ret = IDP_OK;
    }
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_login_tx_link(idp_store_t *s, const char *tx_id, const char *resident_id)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long i = idp_mem_tx_find(d, tx_id); /* store/pg: live, continued or not */
    if (i >= 0)
        IDP_MEM_SET(d->txs.v[i].link_resident, resident_id);
    idp_mem_unlock(d);
    return i >= 0 ? IDP_OK : IDP_E_NOT_FOUND;
}

/* ---- social identities -------------------------------------------------------------- */

/* An audit detail naming the identity ("{}" when it does not fit). */
static void social_detail(char *out, size_t n, const char *issuer, const char *subject, const char *upstream_id,
                          long long sessions_ended, bool verified_removed)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "kind", "social", "issuer", issuer, "subject", subject, "upstream",
                          upstream_id);
    if (j && verified_removed) /* as store/pg: only when a card channel's identity took its attributes */
        json_object_set_new(j, "verified_attributes_removed", json_true());
    if (j && sessions_ended >= 0)
        json_object_set_new(j, "sessions_ended", json_integer(sessions_ended));
    char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
    snprintf(out, n, "%s", t && strlen(t) < n ? t : "{}");
    free(t);
    json_decref(j);
}

idp_err_t idp_mem_social_resident(idp_store_t *s, const char *issuer, const char *subject, const char *upstream_id,
                                  const char *link_to, const char *new_id, char resident_id[64], bool *created)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = IDP_OK;
    const idp_mem_social_t *known = NULL;
    char detail[1024];
    *created = false;
    for (size_t i = 0; i < d->socials.n && known == NULL; i++)
        if (!strcmp(d->socials.v[i].issuer, issuer) && !strcmp(d->socials.v[i].subject, subject))
            known = &d->socials.v[i];
    if (known) {
        snprintf(resident_id, 64, "%s", known->resident);
        if (link_to && strcmp(link_to, resident_id) != 0)
            ret = IDP_E_CONFLICT; /* linked to someone else: never moved silently */
    } else if (!link_to && !new_id) {
        ret = IDP_E_NOT_FOUND; /* a lookup of an unknown identity */
    } else {
        const char *owner = link_to ? link_to : new_id;
        size_t residents = d->residents.n;
        if (!link_to && (ret = idp_mem_resident_add(d, new_id)) == IDP_OK)
            *created = true;
        idp_mem_social_t *row = ret == IDP_OK ? IDP_MEM_PUSH(d->socials) : NULL;
        if (ret == IDP_OK && row == NULL)
            ret = IDP_E_NOMEM;
        if (row) {
            IDP_MEM_SET(row->issuer, issuer);
            IDP_MEM_SET(row->subject, subject);
            IDP_MEM_SET(row->resident, owner);
            IDP_MEM_SET(row->upstream_id, upstream_id);
            row->linked_at = idp_mem_now(d);
            snprintf(resident_id, 64, "%s", owner);
            social_detail(detail, sizeof(detail), issuer, subject, upstream_id, -1, false);
            if ((ret = idp_mem_audit_append(d, link_to ? "credential_linked" : "resident_created", owner, detail)) !=
                IDP_OK)
                d->socials.n--; /* one transaction */
        }
        if (ret != IDP_OK && d->residents.n > residents) {
            free(d->residents.v[--d->residents.n]);
            *created = false;
        }
    }
    idp_mem_unlock(d);
    return ret;
}

/* The resident's credentials, oldest link first (store/pg: ORDER BY linked_at); *n of them. */
static idp_err_t credentials_of(idp_mem_data_t *d, const char *resident_id, idp_store_credential_t **rows, size_t *n)
{
    *n = 0;
    if ((*rows = calloc(d->certs.n + d->socials.n + 1, sizeof(**rows))) == NULL)
        return IDP_E_NOMEM;
    for (size_t i = 0; i < d->certs.n; i++) {
        const idp_mem_cert_t *c = &d->certs.v[i];
        if (strcmp(c->resident, resident_id) != 0 || strcmp(c->purpose, "auth") != 0)
            continue;
        idp_store_credential_t *k = &(*rows)[(*n)++];
        IDP_MEM_SET(k->kind, "card");
        IDP_MEM_SET(k->issuer, c->issuer);
        IDP_MEM_SET(k->subject, c->serial);
        k->linked_at = c->linked_at;
        k->expires_at = c->not_after;
    }
    for (size_t i = 0; i < d->socials.n; i++) {
        const idp_mem_social_t *so = &d->socials.v[i];
        if (strcmp(so->resident, resident_id) != 0)
            continue;
        idp_store_credential_t *k = &(*rows)[(*n)++];
        IDP_MEM_SET(k->kind, "social");
        IDP_MEM_SET(k->issuer, so->issuer);
        IDP_MEM_SET(k->subject, so->subject);
        IDP_MEM_SET(k->upstream_id, so->upstream_id);
        k->linked_at = so->linked_at;
    }
    for (size_t a = 1; a < *n; a++) /* stable: ties keep cards first */
        for (size_t b = a; b > 0 && (*rows)[b - 1].linked_at > (*rows)[b].linked_at; b--) {
            idp_store_credential_t t = (*rows)[b];
            (*rows)[b] = (*rows)[b - 1];
            (*rows)[b - 1] = t;
        }
    return IDP_OK;
}

idp_err_t idp_mem_credentials(idp_store_t *s, const char *resident_id, idp_store_credential_t **rows, size_t *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = credentials_of(d, resident_id, rows, n);
    idp_mem_unlock(d);
    return ret;
}

/* Removes the resident's card (auth) or social identity; false when it is not theirs. */
static bool remove_credential(idp_mem_data_t *d, const char *resident_id, bool card, const char *issuer,
                              const char *subject)
{
    for (size_t i = 0; card && i < d->certs.n; i++) {
        const idp_mem_cert_t *c = &d->certs.v[i];
        if (!strcmp(c->resident, resident_id) && !strcmp(c->purpose, "auth") && !strcmp(c->issuer, issuer) &&
            !strcmp(c->serial, subject)) {
            IDP_MEM_REMOVE(d->certs, i);
            return true;
        }
    }
    for (size_t i = 0; !card && i < d->socials.n; i++) {
        const idp_mem_social_t *so = &d->socials.v[i];
        if (!strcmp(so->resident, resident_id) && !strcmp(so->issuer, issuer) && !strcmp(so->subject, subject)) {
            IDP_MEM_REMOVE(d->socials, i);
            return true;
        }
    }
    return false;
}

/* With no card left, the signing certificates and what they verified go too; true when attributes went. */
/* store/pg U_UPSTREAM_VERIFIED_DELETE: what the card channel identity (@p issuer, @p subject) verified. */
static bool remove_upstream_verified(idp_mem_data_t *d, const char *resident_id, const char *issuer,
                                     const char *subject)
{
    for (size_t i = 0; i < d->attrs.n; i++) {
        idp_store_resident_attrs_t *a = &d->attrs.v[i].a;
        if (!strcmp(d->attrs.v[i].resident, resident_id) && a->evidence_issuer && !strcmp(a->evidence_issuer, issuer) &&
            !strcmp(a->evidence_subject, subject)) {
            idp_store_resident_attrs_clear(a);
            IDP_MEM_REMOVE(d->attrs, i);
            return true;
        }
    }
    return false;
}

/* store/pg U_CARD_VERIFIED_DELETE: with no card left, its signing certificates and what they verified. */
static bool remove_verified(idp_mem_data_t *d, const char *resident_id)
{
    for (size_t i = 0; i < d->certs.n; i++)
        if (!strcmp(d->certs.v[i].resident, resident_id) && !strcmp(d->certs.v[i].purpose, "auth"))
            return false;
    for (size_t i = d->certs.n; i-- > 0;)
        if (!strcmp(d->certs.v[i].resident, resident_id))
            IDP_MEM_REMOVE(d->certs, i);
    for (size_t i = 0; i < d->attrs.n; i++)
        if (!strcmp(d->attrs.v[i].resident, resident_id) && d->attrs.v[i].a.evidence_upstream == NULL) {
            idp_store_resident_attrs_clear(&d->attrs.v[i].a);
            IDP_MEM_REMOVE(d->attrs, i);
            return true;
        }
    return false;
}

idp_err_t idp_mem_credential_unlink(idp_store_t *s, const char *resident_id, const char *keep_sid, const char *kind,
                                    const char *issuer, const char *subject, const char *credential,
                                    bool *verified_removed, char (**ended)[64], size_t *n_ended)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_store_credential_t *rows = NULL;
    size_t n = 0;
    bool card = !strcmp(kind, "card");
    long long now = idp_mem_now(d);
    *verified_removed = false;
    *ended = NULL;
    *n_ended = 0;
    idp_err_t ret = credentials_of(d, resident_id, &rows, &n);
    free(rows);
    if (ret == IDP_OK && n <= 1)
        ret = n == 1 ? IDP_E_CONFLICT : IDP_E_NOT_FOUND; /* the last credential stays */
    /* checked before anything changes: one transaction */
    if (ret == IDP_OK && (*ended = calloc(d->sessions.n + 1, sizeof(**ended))) == NULL)
        ret = IDP_E_NOMEM;
    if (ret == IDP_OK && !remove_credential(d, resident_id, card, issuer, subject))
        ret = IDP_E_NOT_FOUND;
    if (ret == IDP_OK)
        *verified_removed =
            card ? remove_verified(d, resident_id) : remove_upstream_verified(d, resident_id, issuer, subject);
    for (size_t i = 0; ret == IDP_OK && i < d->sessions.n; i++) {
        idp_mem_session_t *m = &d->sessions.v[i];
        if (!strcmp(m->s.resident_id, resident_id) && credential && *credential && !strcmp(m->credential, credential) &&
            strcmp(m->s.sid, keep_sid ? keep_sid : "") != 0 && !m->ended && m->s.expires_at > now) {
            m->ended = true;
            IDP_MEM_SET((*ended)[(*n_ended)++], m->s.sid);
        }
    }
    if (ret == IDP_OK) {
        char detail[1024];
        if (card) {
            char *t = NULL;
            json_t *j =
                json_pack("{s:s, s:s, s:s, s:b, s:I}", "kind", "card", "issuer_key_id", issuer, "serial", subject,
                          "verified_attributes_removed", *verified_removed, "sessions_ended", (json_int_t)*n_ended);
            t = j ? json_dumps(j, JSON_COMPACT) : NULL;
            snprintf(detail, sizeof(detail), "%s", t && strlen(t) < sizeof(detail) ? t : "{}");
            free(t);
            json_decref(j);
        } else {
            social_detail(detail, sizeof(detail), issuer, subject, "", (long long)*n_ended, *verified_removed);
        }
        ret = idp_mem_audit_append(d, "credential_unlinked", resident_id, detail);
    }
    idp_mem_unlock(d);
    if (ret != IDP_OK) { /* only allocation can fail after a change; the memory store does not undo it */
        free(*ended);
        *ended = NULL;
        *n_ended = 0;
    }
    return ret;
}

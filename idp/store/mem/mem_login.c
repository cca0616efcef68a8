/*
 * The memory store's login transactions, card challenges and card
 * identities (store.h, "login transactions and card challenges" and "card
 * identities"), mirroring store/pg/store_pg.c, with imported linkage and
 * verified attributes (kept in clear: mem.h).
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/mem/internal.h"

/* ---- login transactions -------------------------------------------------------- */

long idp_mem_tx_find(idp_mem_data_t *d, const char *id)
{
    long long now = idp_mem_now(d);
    for (size_t i = 0; i < d->txs.n; i++)
        if (!strcmp(d->txs.v[i].id, id) && d->txs.v[i].expires_at > now)
            return (long)i;
    return -1;
}

/* A live transaction nobody has continued (store/pg: "expires_at > now() AND continued_at IS NULL"), or NULL. */
idp_store_login_tx_t *idp_mem_tx_open(idp_mem_data_t *d, const char *id)
{
    long i = idp_mem_tx_find(d, id);
    return i >= 0 && !d->txs.v[i].continued ? &d->txs.v[i] : NULL;
}

idp_err_t idp_mem_login_tx_get(idp_store_t *s, const char *id, idp_store_login_tx_t *out)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long i = idp_mem_tx_find(d, id);
    if (i >= 0)
        *out = d->txs.v[i];
    idp_mem_unlock(d);
    return i >= 0 ? IDP_OK : IDP_E_NOT_FOUND;
}

idp_err_t idp_mem_login_tx_create(idp_store_t *s, const idp_store_login_tx_t *tx, int ttl)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = IDP_OK;
    for (size_t i = 0; i < d->txs.n; i++)
        if (!strcmp(d->txs.v[i].id, tx->id))
            ret = IDP_E_CONFLICT; /* the id is the primary key, expired or not */
    idp_store_login_tx_t *t = ret == IDP_OK ? IDP_MEM_PUSH(d->txs) : NULL;
    if (ret == IDP_OK && t == NULL)
        ret = IDP_E_NOMEM;
    if (t) {
        /* only the fields store.h names; the rest start empty */
        IDP_MEM_SET(t->id, tx->id);
        IDP_MEM_SET(t->client_id, tx->client_id);
        IDP_MEM_SET(t->redirect_uri, tx->redirect_uri);
        IDP_MEM_SET(t->oidc_nonce, tx->oidc_nonce);
        IDP_MEM_SET(t->request, tx->request);
        memcpy(t->browser_hash, tx->browser_hash, 32);
        IDP_MEM_SET(t->csrf, tx->csrf);
        IDP_MEM_SET(t->session_sid, tx->session_sid);
        t->reauth = tx->reauth;
        t->sign_step = tx->sign_step;
        IDP_MEM_SET(t->signed_in_with, tx->signed_in_with);
        t->expires_at = idp_mem_now(d) + ttl;
    }
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_login_tx_pending(idp_store_t *s, const unsigned char browser_hash[32], const char *request,
                                   const char *session_sid, int min_left, int *pending, char reuse[64])
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long long now = idp_mem_now(d), best = 0;
    *pending = 0;
    reuse[0] = '\0';
    for (size_t i = 0; i < d->txs.n; i++) {
        const idp_store_login_tx_t *t = &d->txs.v[i];
        if (CRYPTO_memcmp(t->browser_hash, browser_hash, 32) != 0 || t->expires_at <= now)
            continue;
        (*pending)++;
        /* reusable: same request and session, nobody signed in, not a re-authentication, a client's, time left */
        if (!strcmp(t->request, request) && !strcmp(t->session_sid, session_sid) && !t->resident_id[0] &&
            !t->link_resident[0] && !t->reauth && t->client_id[0] && t->expires_at > now + min_left &&
            t->expires_at > best) {
            best = t->expires_at;
            snprintf(reuse, 64, "%s", t->id);
        }
    }
    idp_mem_unlock(d);
    return IDP_OK;
}

idp_err_t idp_mem_login_tx_continue(idp_store_t *s, const char *id, idp_store_login_tx_t *out)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_store_login_tx_t *t = idp_mem_tx_open(d, id);
    /* read and mark at once: an authentication begins one session, never two */
    bool ok = t && t->authenticated_at && t->credential[0];
    if (ok) {
        t->continued = true;
        *out = *t;
    }
    idp_mem_unlock(d);
    return ok ? IDP_OK : IDP_E_NOT_FOUND;
}

idp_err_t idp_mem_login_tx_decline(idp_store_t *s, const char *id)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_store_login_tx_t *t = idp_mem_tx_open(d, id);
    if (t)
        t->sign_declined = true;
    idp_mem_unlock(d);
    return t ? IDP_OK : IDP_E_NOT_FOUND;
}

/* Removes transaction @p i with its card challenges (store/pg: ON DELETE CASCADE). */
static void tx_remove(idp_mem_data_t *d, size_t i)
{
    for (size_t j = d->challenges.n; j-- > 0;)
        if (!strcmp(d->challenges.v[j].login_tx, d->txs.v[i].id))
            IDP_MEM_REMOVE(d->challenges, j);
    IDP_MEM_REMOVE(d->txs, i);
}

idp_err_t idp_mem_login_tx_end(idp_store_t *s, const unsigned char *browser_hash, const char *sid, int *n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    int ended = 0;
    for (size_t i = d->txs.n; i-- > 0;) {
        const idp_store_login_tx_t *t = &d->txs.v[i];
        if ((browser_hash && !CRYPTO_memcmp(t->browser_hash, browser_hash, 32)) ||
            (sid && t->session_sid[0] && !strcmp(t->session_sid, sid))) {
            tx_remove(d, i);
            ended++;
        }
    }
    idp_mem_unlock(d);
    if (n)
        *n = ended;
    return IDP_OK;
}

idp_err_t idp_mem_login_tx_authenticate(idp_store_t *s, const char *id, const char *resident_id, const char *acr,
                                        const char *credential)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_store_login_tx_t *t = idp_mem_tx_open(d, id); /* recorded only until it is continued */
    if (t) {
        IDP_MEM_SET(t->resident_id, resident_id);
        IDP_MEM_SET(t->acr, acr);
        IDP_MEM_SET(t->credential, credential);
        t->authenticated_at = idp_mem_now(d);
    }
    idp_mem_unlock(d);
    return t ? IDP_OK : IDP_E_NOT_FOUND;
}

idp_err_t idp_mem_login_tx_delete(idp_store_t *s, const char *id)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long found = -1;
    for (size_t i = 0; i < d->txs.n && found < 0; i++) /* expired or not, as store/pg */
        if (!strcmp(d->txs.v[i].id, id))
            found = (long)i;
    if (found >= 0)
        tx_remove(d, (size_t)found);
    idp_mem_unlock(d);
    return found >= 0 ? IDP_OK : IDP_E_NOT_FOUND;
}

idp_err_t idp_mem_login_tx_new_card(idp_store_t *s, const char *id, const idp_store_card_cert_t *cert, bool checked,
                                    const char *renew_resident)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_store_login_tx_t *t = idp_mem_tx_open(d, id);
    if (t) {
        t->has_new_card = true;
        memcpy(t->new_card_sha256, cert->sha256, 32);
        IDP_MEM_SET(t->new_card_issuer, cert->issuer_key_id);
        IDP_MEM_SET(t->new_card_serial, cert->serial);
        t->new_card_not_after = cert->not_after;
        t->renew_checked = checked;
        IDP_MEM_SET(t->renew_resident, renew_resident);
    }
    idp_mem_unlock(d);
    return t ? IDP_OK : IDP_E_NOT_FOUND;
}

idp_err_t idp_mem_login_tx_sign_step(idp_store_t *s, const char *id)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_store_login_tx_t *t = idp_mem_tx_open(d, id);
    if (t)
        t->sign_step = true;
    idp_mem_unlock(d);
    return t ? IDP_OK : IDP_E_NOT_FOUND;
}

/* ---- card challenges ------------------------------------------------------------- */

static long challenge_find(idp_mem_data_t *d, const char *id)
{
    for (size_t i = 0; i < d->challenges.n; i++)
        if (!strcmp(d->challenges.v[i].id, id))
            return (long)i;
    return -1;
}

idp_err_t idp_mem_card_challenge_create(idp_store_t *s, const idp_store_card_challenge_t *c, int ttl, int max_per_tx)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = idp_mem_tx_open(d, c->login_tx) ? IDP_OK : IDP_E_NOT_FOUND;
    int count = 0;
    for (size_t i = 0; i < d->challenges.n; i++)
        count += !strcmp(d->challenges.v[i].login_tx, c->login_tx);
    if (ret == IDP_OK && (count >= max_per_tx || challenge_find(d, c->id) >= 0))
        ret = IDP_E_CONFLICT; /* its share of challenges (rate limit) */
    idp_store_card_challenge_t *n = ret == IDP_OK ? IDP_MEM_PUSH(d->challenges) : NULL;
    if (ret == IDP_OK && n == NULL)
        ret = IDP_E_NOMEM;
    if (n) {
        IDP_MEM_SET(n->id, c->id);
        IDP_MEM_SET(n->login_tx, c->login_tx);
        IDP_MEM_SET(n->purpose, c->purpose);
        memcpy(n->nonce, c->nonce, sizeof(n->nonce));
        n->expires_at = idp_mem_now(d) + ttl;
        IDP_MEM_SET(n->status, "pending");
    }
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_card_challenge_take(idp_store_t *s, const char *id, idp_store_card_challenge_t *out)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long i = challenge_find(d, id);
    idp_err_t ret = IDP_E_NOT_FOUND;
    if (i >= 0) {
        idp_store_card_challenge_t *c = &d->challenges.v[i];
        if (c->used)
            ret = IDP_E_CONFLICT; /* taken before: exactly once */
        else if (c->expires_at <= idp_mem_now(d))
            ret = IDP_E_INVALID_GRANT;
        else
            ret = IDP_OK;
        if (ret == IDP_OK) {
            c->used = true;
            *out = *c;
            out->used = false; /* store.h: set by idp_store_card_challenge_get only */
        }
    }
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_card_challenge_finish(idp_store_t *s, const char *id, const char *status, const char *reason)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long i = challenge_find(d, id);
    if (i >= 0) {
        IDP_MEM_SET(d->challenges.v[i].status, status);
        IDP_MEM_SET(d->challenges.v[i].reason, reason);
    }
    idp_mem_unlock(d);
    return i >= 0 ? IDP_OK : IDP_E_NOT_FOUND;
}

idp_err_t idp_mem_card_challenge_get(idp_store_t *s, const char *id, idp_store_card_challenge_t *out)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long i = challenge_find(d, id);
    if (i >= 0)
        *out = d->challenges.v[i];
    idp_mem_unlock(d);
    return i >= 0 ? IDP_OK : IDP_E_NOT_FOUND;
}

/* ---- card identities ------------------------------------------------------------- */

static const char *cert_owner(idp_mem_data_t *d, const unsigned char sha[32])
{
    for (size_t i = 0; i < d->certs.n; i++)
        if (!CRYPTO_memcmp(d->certs.v[i].sha256, sha, 32))
            return d->certs.v[i].resident;
    return NULL;
}

/*
 * A renewed card: follows imported linkage back from certificate (@p issuer,
 * @p serial) to a known older one, however many renewals ago (up to 20, as
 * store/pg), nearest first. Its resident, or NULL.
 */
static const char *owner_by_linkage(idp_mem_data_t *d, const char *issuer, const char *serial)
{
    char k[65], sr[65];
    snprintf(k, sizeof(k), "%s", issuer);
    snprintf(sr, sizeof(sr), "%s", serial);
    for (int depth = 0; depth < 20; depth++) {
        const idp_store_linkage_t *back = NULL;
        for (size_t i = 0; i < d->linkage.n && back == NULL; i++)
            if (!strcmp(d->linkage.v[i].l.new_issuer_key_id, k) && !strcmp(d->linkage.v[i].l.new_serial, sr))
                back = &d->linkage.v[i].l;
        if (back == NULL)
            return NULL;
        snprintf(k, sizeof(k), "%s", back->old_issuer_key_id);
        snprintf(sr, sizeof(sr), "%s", back->old_serial);
        for (size_t i = 0; i < d->certs.n; i++)
            if (!strcmp(d->certs.v[i].issuer, k) && !strcmp(d->certs.v[i].serial, sr))
                return d->certs.v[i].resident;
    }
    return NULL;
}

static idp_err_t cert_add(idp_mem_data_t *d, const idp_store_card_cert_t *cert, const char *resident_id)
{
    for (size_t i = 0; i < d->certs.n; i++) /* store/pg: UNIQUE (issuer_key_id, serial), as X.509 makes them */
        if (!strcmp(d->certs.v[i].issuer, cert->issuer_key_id) && !strcmp(d->certs.v[i].serial, cert->serial))
            return IDP_E_CONFLICT;
    idp_mem_cert_t *c = IDP_MEM_PUSH(d->certs);
    if (c == NULL)
        return IDP_E_NOMEM;
    memcpy(c->sha256, cert->sha256, 32);
    IDP_MEM_SET(c->purpose, cert->purpose);
    IDP_MEM_SET(c->issuer, cert->issuer_key_id);
    IDP_MEM_SET(c->serial, cert->serial);
    IDP_MEM_SET(c->resident, resident_id);
    c->not_after = cert->not_after;
    c->linked_at = idp_mem_now(d);
    return IDP_OK;
}

idp_err_t idp_mem_resident_add(idp_mem_data_t *d, const char *id)
{
    if (idp_mem_resident_exists(d, id))
        return IDP_E_CONFLICT;
    char *c = strdup(id), **slot = c ? IDP_MEM_PUSH(d->residents) : NULL;
    if (slot == NULL) {
        free(c);
        return IDP_E_NOMEM;
    }
    *slot = c;
    return IDP_OK;
}

idp_err_t idp_mem_card_resident(idp_store_t *s, const idp_store_card_cert_t *cert, const char *new_id,
                                char resident_id[64], bool *created)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    const char *owner = cert_owner(d, cert->sha256);
    idp_err_t ret = IDP_OK;
    *created = false;
    resident_id[0] = '\0';
    if (owner) {
        snprintf(resident_id, 64, "%s", owner);
    } else if ((owner = owner_by_linkage(d, cert->issuer_key_id, cert->serial)) != NULL) {
        snprintf(resident_id, 64, "%s", owner); /* the new certificate is recorded for them */
        ret = cert_add(d, cert, resident_id);
    } else if (new_id == NULL) {
        ret = IDP_E_NOT_FOUND; /* an unknown card, and the caller creates nobody */
    } else if ((ret = idp_mem_resident_add(d, new_id)) == IDP_OK) {
        if ((ret = cert_add(d, cert, new_id)) == IDP_OK) {
            snprintf(resident_id, 64, "%s", new_id);
            *created = true;
        } else {
            free(d->residents.v[--d->residents.n]);
        }
    }
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_card_link(idp_store_t *s, const idp_store_card_cert_t *cert, const char *resident_id)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    const char *recorded = cert_owner(d, cert->sha256), *owner = recorded;
    idp_err_t ret = IDP_OK;
    if (owner == NULL) /* a renewed card of a known resident counts as that resident's */
        owner = owner_by_linkage(d, cert->issuer_key_id, cert->serial);
    if (owner && strcmp(owner, resident_id) != 0) {
        ret = IDP_E_CONFLICT; /* another resident's card */
    } else if (recorded == NULL && (ret = cert_add(d, cert, resident_id)) == IDP_OK) {
        char detail[256];
        snprintf(detail, sizeof(detail), "{\"kind\":\"card\",\"issuer_key_id\":\"%s\",\"serial\":\"%s\"}",
                 cert->issuer_key_id, cert->serial); /* hex strings: no escaping needed */
        if ((ret = idp_mem_audit_append(d, "credential_linked", resident_id, detail)) != IDP_OK)
            d->certs.n--; /* one transaction: no link without its audit row */
    }
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_pair_check(idp_store_t *s, const char *sign_issuer, const char *sign_serial, const char *auth_issuer,
                             const char *auth_serial)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = IDP_OK;
    for (size_t i = 0; i < d->pairs.n; i++) {
        const idp_store_linkage_t *l = &d->pairs.v[i].l;
        bool sign = !strcmp(l->old_issuer_key_id, sign_issuer) && !strcmp(l->old_serial, sign_serial);
        bool auth = !strcmp(l->new_issuer_key_id, auth_issuer) && !strcmp(l->new_serial, auth_serial);
        if (sign != auth) /* a row names one of the two with another certificate: 証明書紐付け情報 disagrees */
            ret = IDP_E_CONFLICT;
    }
    idp_mem_unlock(d);
    return ret;
}

/* Upserts @p rows into @p vec by their old certificate, all or none (one transaction). */
static idp_err_t link_import(idp_mem_data_t *d, bool pairs, const idp_store_linkage_t *rows, size_t n)
{
    size_t before = pairs ? d->pairs.n : d->linkage.n;
    for (size_t r = 0; r < n; r++) {
        idp_mem_link_t *slot = NULL;
        size_t count = pairs ? d->pairs.n : d->linkage.n;
        for (size_t i = 0; i < count && slot == NULL; i++) {
            idp_mem_link_t *e = pairs ? &d->pairs.v[i] : &d->linkage.v[i];
            if (!strcmp(e->l.old_issuer_key_id, rows[r].old_issuer_key_id) &&
                !strcmp(e->l.old_serial, rows[r].old_serial))
                slot = e;
        }
        if (slot == NULL && (slot = pairs ? IDP_MEM_PUSH(d->pairs) : IDP_MEM_PUSH(d->linkage)) == NULL) {
            *(pairs ? &d->pairs.n : &d->linkage.n) = before; /* rows updated in place stay: a partial import */
            return IDP_E_NOMEM;
        }
        slot->l = rows[r];
    }
    return IDP_OK;
}

idp_err_t idp_mem_linkage_import(idp_store_t *s, const idp_store_linkage_t *rows, size_t n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = link_import(d, false, rows, n);
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_pair_import(idp_store_t *s, const idp_store_linkage_t *rows, size_t n)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_err_t ret = link_import(d, true, rows, n);
    idp_mem_unlock(d);
    return ret;
}

/* ---- verified attributes ------------------------------------------------------------ */

static long attrs_find(idp_mem_data_t *d, const char *resident_id)
{
    for (size_t i = 0; i < d->attrs.n; i++)
        if (!strcmp(d->attrs.v[i].resident, resident_id))
            return (long)i;
    return -1;
}

/* A copy of @p v, NULL for NULL or "" (store/pg reads an absent value back as NULL); *ok false when out of memory. */
static char *dup_value(const char *v, bool *ok)
{
    if (v == NULL || !*v)
        return NULL;
    char *c = strdup(v);
    *ok = *ok && c != NULL;
    return c;
}

/* The stored form of @p a: every value copied (resident_attrs_get hands out copies of it). */
static bool attrs_copy(const idp_store_resident_attrs_t *a, idp_store_resident_attrs_t *out)
{
    bool ok = true;
    memset(out, 0, sizeof(*out));
    out->name = dup_value(a->name, &ok);
    out->name_alt = dup_value(a->name_alt, &ok);
    out->gender = dup_value(a->gender, &ok);
    out->birth_date = dup_value(a->birth_date, &ok);
    out->address = dup_value(a->address, &ok);
    out->address_alt = dup_value(a->address_alt, &ok);
    out->sakai_ward = dup_value(a->sakai_ward, &ok);
    out->gender_raw = dup_value(a->gender_raw, &ok);
    out->birth_date_raw = dup_value(a->birth_date_raw, &ok);
    out->evidence_upstream = dup_value(a->evidence_upstream, &ok);
    out->evidence_issuer = dup_value(a->evidence_issuer, &ok);
    out->evidence_subject = dup_value(a->evidence_subject, &ok);
    out->evidence_assurance = dup_value(a->evidence_assurance, &ok);
    out->sakai_resident = a->sakai_resident;
    out->verified_at = a->verified_at;
    if (!ok)
        idp_store_resident_attrs_clear(out);
    return ok;
}

/* idp_store_attrs_t holds const strings: the same fields as the stored form, verified now. */
static idp_store_resident_attrs_t attrs_in(idp_mem_data_t *d, const idp_store_attrs_t *a)
{
    return (idp_store_resident_attrs_t){.name = (char *)a->name,
                                        .name_alt = (char *)a->name_alt,
                                        .gender = (char *)a->gender,
                                        .birth_date = (char *)a->birth_date,
                                        .address = (char *)a->address,
                                        .address_alt = (char *)a->address_alt,
                                        .sakai_ward = (char *)a->sakai_ward,
                                        .sakai_resident = a->sakai_resident,
                                        .verified_at = idp_mem_now(d),
                                        .gender_raw = (char *)a->gender_raw,
                                        .birth_date_raw = (char *)a->birth_date_raw};
}

idp_err_t idp_mem_card_enrol_sign(idp_store_t *s, const char *resident_id, const idp_store_card_cert_t *cert,
                                  const idp_store_attrs_t *a)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    const char *owner = cert_owner(d, cert->sha256);
    idp_err_t ret = IDP_OK;
    idp_store_resident_attrs_t fresh;
    const idp_store_resident_attrs_t in = attrs_in(d, a);
    bool have = false;
    if (owner && strcmp(owner, resident_id) != 0)
        ret = IDP_E_CONFLICT; /* someone else's signing certificate */
    else if (!(have = attrs_copy(&in, &fresh)))
        ret = IDP_E_NOMEM;
    long i = ret == IDP_OK ? attrs_find(d, resident_id) : -1;
    if (ret == IDP_OK && i < 0) { /* a new row, at the end */
        idp_mem_attrs_t *row = IDP_MEM_PUSH(d->attrs);
        i = row ? (long)d->attrs.n - 1 : -1;
        ret = row ? IDP_OK : IDP_E_NOMEM;
    }
    if (ret == IDP_OK && owner == NULL && (ret = cert_add(d, cert, resident_id)) != IDP_OK &&
        !d->attrs.v[i].resident[0])
        d->attrs.n--; /* one transaction: no new row without its certificate */
    if (ret == IDP_OK) {
        idp_mem_attrs_t *row = &d->attrs.v[i];
        idp_store_resident_attrs_clear(&row->a); /* the newer verification replaces the older */
        IDP_MEM_SET(row->resident, resident_id);
        row->a = fresh;
        have = false;       /* the row owns it now */
        if (a->match_key) { /* as store/pg: kept from before when none is given */
            row->has_match = true;
            memcpy(row->match, a->match_key, 32);
        }
    }
    if (have)
        idp_store_resident_attrs_clear(&fresh);
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_attrs_from_upstream(idp_store_t *s, const char *resident_id, const idp_store_evidence_t *ev,
                                      const idp_store_attrs_t *a)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    idp_store_resident_attrs_t in = attrs_in(d, a), fresh;
    in.evidence_upstream = (char *)ev->upstream_id;
    in.evidence_issuer = (char *)ev->issuer;
    in.evidence_subject = (char *)ev->subject;
    in.evidence_assurance = (char *)(ev->assurance ? ev->assurance : "");
    bool copied = attrs_copy(&in, &fresh); /* cleared when it fails */
    long i = copied ? attrs_find(d, resident_id) : -1;
    idp_mem_attrs_t *row = !copied ? NULL : i >= 0 ? &d->attrs.v[i] : IDP_MEM_PUSH(d->attrs);
    idp_err_t ret = row ? IDP_OK : IDP_E_NOMEM;
    if (row) {
        idp_store_resident_attrs_clear(&row->a); /* the newer verification replaces the older */
        IDP_MEM_SET(row->resident, resident_id);
        row->a = fresh;
    } else if (copied) {
        idp_store_resident_attrs_clear(&fresh);
    }
    idp_mem_unlock(d);
    return ret;
}

/* A fault set by idp_store_mem_fault for @p op, taken once; IDP_OK when none. */
static idp_err_t fault_take(idp_mem_data_t *d, const char *op)
{
    idp_err_t e = IDP_OK;
    if (d->fault_op[0] && !strcmp(d->fault_op, op)) {
        e = d->fault;
        d->fault_op[0] = '\0';
    }
    return e;
}

/*
 * store.h idp_store_card_verified: every change is made, then undone as a
 * whole unless the call ends in IDP_CARD_SIGNED_IN or IDP_CARD_NEW_CARD
 * with IDP_OK (what the rows held before is kept until then). The attribute
 * row is replaced last, once nothing else can fail.
 */
idp_err_t idp_mem_card_verified(idp_store_t *s, const idp_store_card_result_t *r, idp_store_card_outcome_t *outcome,
                                char resident_id[64], bool *created)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    size_t residents = d->residents.n, certs = d->certs.n, audit = d->audit.n;
    idp_store_login_tx_t *t = NULL, saved_tx;
    idp_store_card_challenge_t *ch = NULL, saved_ch;
    idp_store_resident_attrs_t fresh;
    bool have = false;
    idp_err_t ret = IDP_OK;
    *outcome = IDP_CARD_SIGNED_IN;
    *created = false;
    resident_id[0] = '\0';
    long ci = challenge_find(d, r->challenge_id);
    if (ci < 0) {
        ret = IDP_E_NOT_FOUND;
        goto Exit;
    }
    ch = &d->challenges.v[ci];
    if (!ch->used || strcmp(ch->status, "pending") != 0) {
        ch = NULL;
        ret = IDP_E_CONFLICT; /* not taken, or finished already: a replay */
        goto Exit;
    }
    saved_ch = *ch;
    if ((t = idp_mem_tx_open(d, r->login_tx)) == NULL) {
        *outcome = IDP_CARD_LOGIN_ENDED;
        goto Exit;
    }
    saved_tx = *t;
    const idp_store_card_cert_t *cert = r->auth;
    if (r->link_resident && r->link_resident[0]) {
        const char *recorded = cert_owner(d, cert->sha256), *owner = recorded;
        if (owner == NULL)
            owner = owner_by_linkage(d, cert->issuer_key_id, cert->serial);
        if (owner && strcmp(owner, r->link_resident) != 0) {
            *outcome = IDP_CARD_ALREADY_LINKED;
            goto Exit;
        }
        if (recorded == NULL) {
            char detail[256];
            snprintf(detail, sizeof(detail), "{\"kind\":\"card\",\"issuer_key_id\":\"%s\",\"serial\":\"%s\"}",
                     cert->issuer_key_id, cert->serial); /* hex strings: no escaping needed */
            if ((ret = cert_add(d, cert, r->link_resident)) != IDP_OK ||
                (ret = idp_mem_audit_append(d, "credential_linked", r->link_resident, detail)) != IDP_OK)
                goto Exit;
        }
        snprintf(resident_id, 64, "%s", r->link_resident);
    } else {
        const char *owner = cert_owner(d, cert->sha256);
        if (owner) {
            snprintf(resident_id, 64, "%s", owner);
        } else if ((owner = owner_by_linkage(d, cert->issuer_key_id, cert->serial)) != NULL) {
            snprintf(resident_id, 64, "%s", owner); /* the new certificate is recorded for them */
            if ((ret = cert_add(d, cert, resident_id)) != IDP_OK)
                goto Exit;
        } else if (r->expect_resident && r->expect_resident[0]) {
            *outcome = IDP_CARD_MISMATCH;
            goto Exit;
        } else if (r->fresh_id) {
            if ((ret = idp_mem_resident_add(d, r->fresh_id)) != IDP_OK ||
                (ret = cert_add(d, cert, r->fresh_id)) != IDP_OK)
                goto Exit;
            snprintf(resident_id, 64, "%s", r->fresh_id);
            *created = true;
        } else {
            *outcome = IDP_CARD_NEW_CARD; /* it waits in the transaction */
            t->has_new_card = true;
            memcpy(t->new_card_sha256, cert->sha256, 32);
            IDP_MEM_SET(t->new_card_issuer, cert->issuer_key_id);
            IDP_MEM_SET(t->new_card_serial, cert->serial);
            t->new_card_not_after = cert->not_after;
            t->renew_checked = r->sign != NULL;
            IDP_MEM_SET(t->renew_resident, r->renew_resident);
        }
    }
    if (*outcome == IDP_CARD_SIGNED_IN && r->expect_resident && r->expect_resident[0] &&
        strcmp(resident_id, r->expect_resident) != 0) {
        *outcome = IDP_CARD_MISMATCH;
        goto Exit;
    }
    if (*outcome == IDP_CARD_SIGNED_IN && r->sign) {
        const idp_store_attrs_t *a = r->attrs;
        const char *sign_owner = cert_owner(d, r->sign->sha256);
        if (a == NULL) {
            *outcome = IDP_CARD_BAD_ATTRS;
            goto Exit;
        }
        if (sign_owner && strcmp(sign_owner, resident_id) != 0) {
            *outcome = IDP_CARD_SIGN_CONFLICT;
            goto Exit;
        }
        const idp_store_resident_attrs_t in = attrs_in(d, a);
        if (!(have = attrs_copy(&in, &fresh))) {
            ret = IDP_E_NOMEM;
            goto Exit;
        }
        if (sign_owner == NULL && (ret = cert_add(d, r->sign, resident_id)) != IDP_OK)
            goto Exit;
    }
    if (*outcome == IDP_CARD_SIGNED_IN) {
        IDP_MEM_SET(t->resident_id, resident_id);
        IDP_MEM_SET(t->acr, r->acr);
        IDP_MEM_SET(t->credential, r->credential);
        t->authenticated_at = idp_mem_now(d);
    }
    IDP_MEM_SET(ch->status, "authenticated");
    IDP_MEM_SET(ch->reason, "");
    bool new_card = *outcome == IDP_CARD_NEW_CARD;
    if ((ret = idp_mem_audit_append(d, new_card ? "card_login_new_card" : "card_login", resident_id, r->detail)) !=
            IDP_OK ||
        (r->sign && !new_card && (ret = idp_mem_audit_append(d, "card_enrolled", resident_id, r->detail)) != IDP_OK))
        goto Exit;
    if ((ret = fault_take(d, "card_verified")) != IDP_OK) /* the commit fails */
        goto Exit;
    if (have) { /* nothing fails from here on but this push */
        long i = attrs_find(d, resident_id);
        if (i < 0) {
            idp_mem_attrs_t *row = IDP_MEM_PUSH(d->attrs);
            if (row == NULL) {
                ret = IDP_E_NOMEM;
                goto Exit;
            }
            i = (long)d->attrs.n - 1;
        }
        idp_mem_attrs_t *row = &d->attrs.v[i];
        idp_store_resident_attrs_clear(&row->a); /* the newer verification replaces the older */
        IDP_MEM_SET(row->resident, resident_id);
        row->a = fresh;
        have = false;
        if (r->attrs->match_key) {
            row->has_match = true;
            memcpy(row->match, r->attrs->match_key, 32);
        }
    }
Exit:
    if (ret != IDP_OK || (*outcome != IDP_CARD_SIGNED_IN && *outcome != IDP_CARD_NEW_CARD)) {
        /* all or nothing: undo every change */
        while (d->residents.n > residents)
            free(d->residents.v[--d->residents.n]);
        d->certs.n = certs;
        while (d->audit.n > audit)
            free(d->audit.v[--d->audit.n].detail);
        if (t)
            *t = saved_tx;
        if (ch)
            *ch = saved_ch;
        *created = false;
        resident_id[0] = '\0';
    }
    if (have)
        idp_store_resident_attrs_clear(&fresh);
    idp_mem_unlock(d);
    return ret;
}

idp_err_t idp_mem_resident_attrs_get(idp_store_t *s, const char *resident_id, idp_store_resident_attrs_t *out)
{
    idp_mem_data_t *d = idp_mem_lock(s);
    long i = attrs_find(d, resident_id);
    idp_err_t ret = i < 0 ? IDP_E_NOT_FOUND : attrs_copy(&d->attrs.v[i].a, out) ? IDP_OK : IDP_E_NOMEM;
    idp_mem_unlock(d);
    if (ret != IDP_OK)
        memset(out, 0, sizeof(*out));
    return ret;
}

idp_err_t idp_mem_attrs_match(idp_store_t *s, const unsigned char match_key[32], char resident_id[64])
{
    idp_mem_data_t *d = idp_mem_lock(s);
    int found = 0;
    for (size_t i = 0; i < d->attrs.n; i++) {
        const idp_mem_attrs_t *r = &d->attrs.v[i];
        if (r->has_match && !CRYPTO_memcmp(r->match, match_key, 32) && found++ == 0)
            snprintf(resident_id, 64, "%s", r->resident);
    }
    idp_mem_unlock(d);
    return found == 0 ? IDP_E_NOT_FOUND : found > 1 ? IDP_E_CONFLICT : IDP_OK;
}

/* Signing keys between PostgreSQL and memory (see keys.h, docs/keys.md). */
#include "keys/keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/rand.h"

static void aad_for(const char *kid, char *aad, size_t n)
{
    snprintf(aad, n, "%s%s", IDP_KEYS_AAD_PREFIX, kid);
}

bool idp_keys_published(const idp_store_key_t *k, long long now, int max_token_lifetime)
{
    if (strcmp(k->state, "retired") != 0)
        return true;
    /* A token signed just before retirement lives max_token_lifetime more seconds. */
    return now - k->retired_at < (long long)max_token_lifetime;
}

static idp_key_state_t state_of(const char *s)
{
    if (!strcmp(s, "active"))
        return IDP_KEY_ACTIVE;
    if (!strcmp(s, "next"))
        return IDP_KEY_NEXT;
    return IDP_KEY_RETIRED;
}

static idp_err_t load_row(const idp_store_key_t *row, const idp_kek_t *kek, idp_jose_key_t **out)
{
    char aad[128];
    unsigned char *der = NULL;
    size_t derlen = 0;
    idp_alg_t alg = idp_alg_from_name(row->alg);
    if (alg == IDP_ALG_NONE)
        return IDP_E_SERVER_ERROR;
    aad_for(row->kid, aad, sizeof(aad));
    idp_err_t e = idp_aead_open(kek, aad, row->private_enc, row->private_enc_len, &der, &derlen);
    if (e != IDP_OK)
        return e;
    e = idp_jose_key_from_der(alg, der, derlen, out);
    idp_wipe(der, derlen);
    free(der);
    /* The row's kid must be the thumbprint of the key it holds. */
    if (e == IDP_OK && strcmp(idp_jose_key_kid(*out), row->kid) != 0) {
        idp_jose_key_free(*out);
        *out = NULL;
        e = IDP_E_SERVER_ERROR;
    }
    return e;
}

idp_err_t idp_keys_load(idp_store_t *s, const idp_kek_t *kek, int max_token_lifetime, idp_keyset_t **out, char *err,
                        size_t errlen)
{
    idp_store_key_t *rows = NULL;
    size_t n = 0;
    long long now = 0;
    *out = NULL;
    idp_err_t e = idp_store_keys_list(s, &rows, &n, &now);
    if (e != IDP_OK) {
        snprintf(err, errlen, "cannot read signing keys: %s", idp_err_code(e));
        return e;
    }
    idp_keyset_t *ks = idp_keyset_new();
    if (ks == NULL) {
        idp_store_keys_free(rows, n);
        return IDP_E_NOMEM;
    }
    for (size_t i = 0; i < n && e == IDP_OK; i++) {
        if (!idp_keys_published(&rows[i], now, max_token_lifetime))
            continue;
        idp_jose_key_t *k = NULL;
        if ((e = load_row(&rows[i], kek, &k)) != IDP_OK) {
            snprintf(err, errlen, "signing key %s does not decrypt with this key-encryption key", rows[i].kid);
            break;
        }
        e = idp_keyset_add(ks, k, state_of(rows[i].state), 1);
        if (e == IDP_OK && state_of(rows[i].state) == IDP_KEY_ACTIVE)
            idp_keyset_set_activated(ks, idp_jose_key_alg(k), rows[i].activated_at);
    }
    idp_store_keys_free(rows, n);
    if (e == IDP_OK)
        e = idp_keyset_seal(ks);
    if (e != IDP_OK) {
        idp_keyset_release(ks);
        return e;
    }
    *out = ks;
    return IDP_OK;
}

idp_err_t idp_keys_rotate(idp_store_t *s, const idp_kek_t *kek, idp_alg_t alg, long long min_next_age,
                          const idp_store_admin_entry_t *log, const char **what, char kid[64])
{
    idp_jose_key_t *k = NULL;
    unsigned char *der = NULL;
    size_t derlen = 0;
    char aad[128];
    idp_store_key_t row;
    memset(&row, 0, sizeof(row));
    idp_err_t e = idp_jose_key_generate(alg, &k);
    if (e != IDP_OK)
        return e;
    if ((e = idp_jose_key_private_der(k, &der, &derlen)) != IDP_OK)
        goto Exit;
    snprintf(row.kid, sizeof(row.kid), "%s", idp_jose_key_kid(k));
    snprintf(row.alg, sizeof(row.alg), "%s", idp_alg_name(alg));
    row.public_jwk = (char *)idp_jose_key_public_jwk(k);
    aad_for(row.kid, aad, sizeof(aad));
    if ((e = idp_aead_seal(kek, aad, der, derlen, &row.private_enc, &row.private_enc_len)) != IDP_OK)
        goto Exit;
    if ((e = idp_store_keys_rotate(s, &row, min_next_age, what, log)) == IDP_OK && kid)
        snprintf(kid, 64, "%s", row.kid);
Exit:
    if (der) {
        idp_wipe(der, derlen);
        free(der);
    }
    free(row.private_enc);
    idp_jose_key_free(k);
    return e;
}

idp_err_t idp_keys_rotate_due(idp_store_t *s, const idp_kek_t *kek, long long min_next_age, long long lease_seconds,
                              int *rotated)
{
    *rotated = 0;
    for (int i = IDP_ALG_NONE + 1; i < IDP_ALG__COUNT; i++) { /* at most one schedule per algorithm */
        char alg[8];
        idp_err_t e = idp_store_key_schedule_claim(s, lease_seconds, alg);
        if (e == IDP_E_NOT_FOUND)
            return IDP_OK;
        if (e != IDP_OK)
            return e;
        const char *what = NULL;
        char kid[64] = "", after[96];
        snprintf(after, sizeof(after), "{\"alg\":\"%s\",\"scheduled\":true}", alg);
        idp_store_admin_entry_t entry = {
            .actor = "scheduler", .role = "key-operator", .action = "keys.rotate", .target = alg, .after = after};
        e = idp_keys_rotate(s, kek, idp_alg_from_name(alg), min_next_age, &entry, &what, kid);
        if (e == IDP_E_CONFLICT) {
            idp_log_msg(IDP_LOG_WARN, "key_rotation_deferred",
                        "%s: the next key is younger than keys.publish_seconds; trying again in %llds", alg,
                        lease_seconds);
            continue;
        }
        if (e != IDP_OK)
            return e;
        (*rotated)++;
        idp_log_t l;
        idp_log_begin(&l, IDP_LOG_INFO, "key_rotated");
        idp_log_str(&l, "alg", alg);
        idp_log_str(&l, "result", what ? what : "");
        idp_log_str(&l, "kid", kid);
        idp_log_str(&l, "by", "schedule");
        idp_log_end(&l);
        if ((e = idp_store_key_schedule_done(s, alg)) != IDP_OK && e != IDP_E_NOT_FOUND)
            return e;
    }
    return IDP_OK;
}

idp_err_t idp_keys_init(idp_store_t *s, const idp_kek_t *kek, int *created)
{
    *created = 0;
    /* every algorithm jose signs with (jose/key.h), in the table's order */
    for (int a = IDP_ALG_NONE + 1; a < IDP_ALG__COUNT; a++) {
        /* Each step adds the missing active key, then the missing next key;
         * a "rotated" answer can only come with both present, so stop there. */
        for (int step = 0; step < 2; step++) {
            idp_store_key_t *rows = NULL;
            size_t n = 0;
            long long now = 0;
            idp_err_t e = idp_store_keys_list(s, &rows, &n, &now);
            if (e != IDP_OK)
                return e;
            int active = 0, next = 0;
            for (size_t i = 0; i < n; i++) {
                if (strcmp(rows[i].alg, idp_alg_name((idp_alg_t)a)) != 0)
                    continue;
                active += !strcmp(rows[i].state, "active");
                next += !strcmp(rows[i].state, "next");
            }
            idp_store_keys_free(rows, n);
            if (active && next)
                break;
            const char *what = NULL;
            /* min_next_age is huge: if another admin raced us and both keys now
             * exist, the store refuses to rotate instead of rotating. */
            e = idp_keys_rotate(s, kek, (idp_alg_t)a, 1LL << 40, NULL, &what, NULL);
            if (e == IDP_E_CONFLICT)
                break;
            if (e != IDP_OK)
                return e;
            (*created)++;
        }
    }
    return IDP_OK;
}

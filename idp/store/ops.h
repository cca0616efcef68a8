/**
 * The storage seam (issue #16 §1): idp_store_t is a set of tables of
 * function pointers, one per domain, and the idp_store_xxx() calls of
 * store.h dispatch through them. store/pg fills them on PostgreSQL and
 * store/mem in memory (the reference for unit tests); the contract of each
 * call is the comment at its declaration in store.h, and
 * tests/unit/test_store_contract.c checks both stores against it.
 *
 * Included by store.h only (after every type it names).
 */
#ifndef IDP_STORE_OPS_H
#define IDP_STORE_OPS_H

/* The admin domain (the store itself: health, schema, maintenance). */
typedef struct {
    void (*close)(idp_store_t *s);
    idp_err_t (*ping)(idp_store_t *s);
    idp_err_t (*schema_version)(idp_store_t *s, int *version);
    idp_err_t (*migrate)(idp_store_t *s, int *from, int *to, char *err, size_t errlen);
    idp_err_t (*sweep)(idp_store_t *s, long long *deleted);
    void (*metrics)(idp_store_t *s, idp_buf_t *out);
} idp_store_admin_ops_t;

/* The keys domain (signing keys). */
typedef struct {
    idp_err_t (*keys_list)(idp_store_t *s, idp_store_key_t **rows, size_t *n, long long *now);
    idp_err_t (*keys_rotate)(idp_store_t *s, const idp_store_key_t *fresh, long long min_next_age, const char **what,
                             const struct idp_store_admin_entry *log);
    idp_err_t (*key_retire)(idp_store_t *s, const char *kid);
    idp_err_t (*key_schedules)(idp_store_t *s, idp_store_key_schedule_t **rows, size_t *n);
    idp_err_t (*key_schedule_claim)(idp_store_t *s, long long lease_seconds, char alg[8]);
    idp_err_t (*key_schedule_done)(idp_store_t *s, const char *alg);
} idp_store_keys_ops_t;

/* The datakeys domain (data keys and the attributes sealed under them). */
typedef struct {
    void (*set_sealer)(idp_store_t *s, const idp_store_sealer_t *sealer);
    idp_err_t (*data_keys_list)(idp_store_t *s, bool count_rows, idp_store_data_key_t **rows, size_t *n);
    idp_err_t (*data_key_reserve)(idp_store_t *s, int *id);
    idp_err_t (*data_key_activate)(idp_store_t *s, int id, const unsigned char *key_enc, size_t len, bool only_first);
    idp_err_t (*data_reseal)(idp_store_t *s, int batch, long long *found, char *err, size_t errlen);
    idp_err_t (*data_keys_retire)(idp_store_t *s, int *ids, size_t max, size_t *n);
    idp_err_t (*plaintext_count)(idp_store_t *s, long long *n);
    idp_err_t (*plaintext_seal)(idp_store_t *s, int batch, idp_store_match_fn match, void *ctx, long long *moved,
                                char *err, size_t errlen);
} idp_store_datakeys_ops_t;

/* The clients domain (relying parties, and the watch on their changes). */
typedef struct {
    idp_err_t (*client_insert)(idp_store_t *s, const idp_store_client_t *c);
    idp_err_t (*client_watch_start)(idp_store_t *s, const char *url, idp_store_client_watch_fn fn, void *ctx);
    void (*client_watch_stop)(idp_store_t *s);
    idp_err_t (*client_get)(idp_store_t *s, const char *client_id, idp_store_client_t *out);
    idp_err_t (*client_list)(idp_store_t *s, idp_store_client_t **rows, size_t *n);
    idp_err_t (*client_update)(idp_store_t *s, const char *client_id, const char *metadata,
                               const unsigned char *secret_hash, bool clear_secret);
    idp_err_t (*client_delete)(idp_store_t *s, const char *client_id);
} idp_store_clients_ops_t;

/* The login domain (login transactions and browser sessions). */
typedef struct {
    idp_err_t (*login_tx_get)(idp_store_t *s, const char *id, idp_store_login_tx_t *out);
    idp_err_t (*login_tx_create)(idp_store_t *s, const idp_store_login_tx_t *tx, int ttl);
    idp_err_t (*login_tx_pending)(idp_store_t *s, const unsigned char browser_hash[32], const char *request,
                                  const char *session_sid, int min_left, int *pending, char reuse[64]);
    idp_err_t (*login_tx_continue)(idp_store_t *s, const char *id, idp_store_login_tx_t *out);
    idp_err_t (*login_tx_decline)(idp_store_t *s, const char *id);
    idp_err_t (*login_tx_end)(idp_store_t *s, const unsigned char *browser_hash, const char *sid, int *n);
    idp_err_t (*login_tx_authenticate)(idp_store_t *s, const char *id, const char *resident_id, const char *acr,
                                       const char *credential);
    idp_err_t (*login_tx_delete)(idp_store_t *s, const char *id);
    idp_err_t (*login_tx_new_card)(idp_store_t *s, const char *id, const idp_store_card_cert_t *cert, bool checked,
                                   const char *renew_resident);
    idp_err_t (*login_tx_sign_step)(idp_store_t *s, const char *id);
    idp_err_t (*session_get)(idp_store_t *s, const unsigned char id_hash[32], idp_store_session_t *out);
    idp_err_t (*session_login)(idp_store_t *s, const unsigned char *old_hash, const unsigned char new_hash[32],
                               const char *new_sid, const char *resident_id, const char *acr, const char *amr,
                               const char *credential, long long auth_time, int ttl, idp_store_session_t *out);
    idp_err_t (*sessions_list)(idp_store_t *s, const char *resident_id, idp_store_session_t **rows, size_t *n);
    idp_err_t (*session_end_sid)(idp_store_t *s, const char *resident_id, const char *sid);
    idp_err_t (*session_end)(idp_store_t *s, const unsigned char id_hash[32], idp_store_session_t *out);
    idp_err_t (*session_clients)(idp_store_t *s, const char *sid, char (**clients)[256], size_t *n);
} idp_store_login_ops_t;

/* The card domain (card challenges, card identities, verified attributes). */
typedef struct {
    idp_err_t (*card_challenge_create)(idp_store_t *s, const idp_store_card_challenge_t *c, int ttl, int max_per_tx);
    idp_err_t (*card_challenge_take)(idp_store_t *s, const char *id, idp_store_card_challenge_t *out);
    idp_err_t (*card_challenge_finish)(idp_store_t *s, const char *id, const char *status, const char *reason);
    idp_err_t (*card_challenge_get)(idp_store_t *s, const char *id, idp_store_card_challenge_t *out);
    idp_err_t (*card_resident)(idp_store_t *s, const idp_store_card_cert_t *cert, const char *new_id,
                               char resident_id[64], bool *created);
    idp_err_t (*card_link)(idp_store_t *s, const idp_store_card_cert_t *cert, const char *resident_id);
    idp_err_t (*card_verified)(idp_store_t *s, const idp_store_card_result_t *r, idp_store_card_outcome_t *outcome,
                               char resident_id[64], bool *created);
    idp_err_t (*card_enrol_sign)(idp_store_t *s, const char *resident_id, const idp_store_card_cert_t *cert,
                                 const idp_store_attrs_t *a);
    idp_err_t (*attrs_from_upstream)(idp_store_t *s, const char *resident_id, const idp_store_evidence_t *ev,
                                     const idp_store_attrs_t *a);
    idp_err_t (*attrs_match)(idp_store_t *s, const unsigned char match_key[32], char resident_id[64]);
    idp_err_t (*pair_check)(idp_store_t *s, const char *sign_issuer, const char *sign_serial, const char *auth_issuer,
                            const char *auth_serial);
    idp_err_t (*linkage_import)(idp_store_t *s, const idp_store_linkage_t *rows, size_t n);
    idp_err_t (*pair_import)(idp_store_t *s, const idp_store_linkage_t *rows, size_t n);
    idp_err_t (*resident_attrs_get)(idp_store_t *s, const char *resident_id, idp_store_resident_attrs_t *out);
    idp_err_t (*card_cert_owner)(idp_store_t *s, const unsigned char sha256[32], char resident_id[64], char purpose[8]);
    idp_err_t (*app_signature_insert)(idp_store_t *s, const idp_store_app_signature_t *row);
    idp_err_t (*app_signatures_bind)(idp_store_t *s, const char *login_tx, const char *grant_id);
    idp_err_t (*app_signatures_list)(idp_store_t *s, const char *resident_id, const char *grant_id,
                                     const char *login_tx, idp_store_app_signature_t **rows, size_t *n);
} idp_store_card_ops_t;

/* The codes domain (authorization codes and grants). */
typedef struct {
    idp_err_t (*code_create)(idp_store_t *s, const idp_store_grant_t *g, const unsigned char code_hash[32],
                             int code_ttl, int grant_ttl);
    idp_err_t (*code_redeem)(idp_store_t *s, const unsigned char code_hash[32], const char *client_id,
                             const char *redirect_uri, const char *challenge, idp_store_grant_t *out,
                             idp_store_code_outcome_t *outcome);
    idp_err_t (*code_spend)(idp_store_t *s, const unsigned char code_hash[32], const char *grant_id,
                            const unsigned char *refresh_hash, const char *jti, const char *client_id,
                            const char *subject, const char *scope, long long expires_at, const char *released,
                            const char *dpop_jkt);
    idp_err_t (*code_exchange)(idp_store_t *s, const unsigned char code_hash[32], const char *client_id,
                               const char *redirect_uri, const char *challenge, const char *dpop_jkt,
                               const unsigned char *refresh_hash, const char *jti, long long expires_at,
                               idp_store_grant_t *out);
    idp_err_t (*grant_revoke)(idp_store_t *s, const char *grant_id);
    idp_err_t (*grant_get)(idp_store_t *s, const char *grant_id, idp_store_grant_t *out, bool *live);
    idp_err_t (*par_put)(idp_store_t *s, const unsigned char uri_hash[32], const char *client_id, const char *params,
                         int ttl);
    idp_err_t (*par_take)(idp_store_t *s, const unsigned char uri_hash[32], const char *client_id, char **params);
} idp_store_codes_ops_t;

/* The tokens domain (access and refresh tokens, client-assertion ids). */
typedef struct {
    idp_err_t (*refresh_exchange)(idp_store_t *s, const unsigned char old_hash[32], const char *client_id,
                                  const unsigned char *new_hash, const char *jti, const char *subject,
                                  const char *scope, long long expires_at, const char *released);
    idp_err_t (*access_token_insert)(idp_store_t *s, const char *jti, const char *client_id, const char *subject,
                                     const char *scope, long long expires_at, const char *grant_id);
    idp_err_t (*access_token_get)(idp_store_t *s, const char *jti, idp_store_token_info_t *out);
    idp_err_t (*refresh_get)(idp_store_t *s, const unsigned char token_hash[32], idp_store_grant_t *grant,
                             idp_store_token_info_t *out);
    idp_err_t (*access_token_revoke)(idp_store_t *s, const char *jti);
    idp_err_t (*assertion_jti_use)(idp_store_t *s, const char *client_id, const char *jti, long long expires_at);
} idp_store_tokens_ops_t;

/* The social domain (upstream providers and social identities). */
typedef struct {
    idp_err_t (*upstream_insert)(idp_store_t *s, const idp_store_upstream_t *u);
    idp_err_t (*upstream_update)(idp_store_t *s, const idp_store_upstream_t *u);
    idp_err_t (*upstream_get)(idp_store_t *s, const char *id, idp_store_upstream_t *out);
    idp_err_t (*upstream_list)(idp_store_t *s, bool enabled_only, idp_store_upstream_t **rows, size_t *n);
    idp_err_t (*upstream_delete)(idp_store_t *s, const char *id);
    idp_err_t (*login_tx_upstream)(idp_store_t *s, const char *tx_id, const char *upstream_id, const char *state,
                                   const char *nonce, const char *verifier);
    idp_err_t (*login_tx_take_upstream)(idp_store_t *s, const char *state, idp_store_login_tx_t *out,
                                        char upstream_id[40], char nonce[128], char verifier[160]);
    idp_err_t (*login_tx_link)(idp_store_t *s, const char *tx_id, const char *resident_id);
    idp_err_t (*social_resident)(idp_store_t *s, const char *issuer, const char *subject, const char *upstream_id,
                                 const char *link_to, const char *new_id, char resident_id[64], bool *created);
    idp_err_t (*credentials)(idp_store_t *s, const char *resident_id, idp_store_credential_t **rows, size_t *n);
    idp_err_t (*credential_unlink)(idp_store_t *s, const char *resident_id, const char *keep_sid, const char *kind,
                                   const char *issuer, const char *subject, const char *credential,
                                   bool *verified_removed, char (**ended)[64], size_t *n_ended);
} idp_store_social_ops_t;

/* The consent domain (consent, the consent ledger, release history, household). */
typedef struct {
    idp_err_t (*consent_get)(idp_store_t *s, const char *resident_id, const char *client_id, char **claims);
    idp_err_t (*session_authz)(idp_store_t *s, const unsigned char id_hash[32], const char *client_id,
                               idp_store_session_t *sess, bool *has_attrs, char **consented);
    idp_err_t (*consent_record)(idp_store_t *s, const char *resident_id, const char *client_id, const char *action,
                                const char *claims, int ttl, const char *actor, const char *purpose,
                                const char *details);
    idp_err_t (*consents_list)(idp_store_t *s, const char *resident_id, idp_store_consent_t **rows, size_t *n);
    idp_err_t (*consent_revoke)(idp_store_t *s, const char *resident_id, const char *client_id, const char *claim,
                                const char *actor);
    idp_err_t (*release)(idp_store_t *s, const char *resident_id, const char *client_id, const char *via,
                         const char *claims);
    idp_err_t (*releases_list)(idp_store_t *s, const char *resident_id, int limit, idp_store_release_t **rows,
                               size_t *n);
    idp_err_t (*household_get)(idp_store_t *s, const char *resident_id, idp_store_household_t *out);
    idp_err_t (*household_put)(idp_store_t *s, const char *resident_id, const idp_store_household_t *h);
    idp_err_t (*ledger_rows)(idp_store_t *s, const char *resident_id, idp_store_ledger_row_t **rows, size_t *n);
} idp_store_consent_ops_t;

/* The audit domain (the audit log). */
typedef struct {
    idp_err_t (*audit)(idp_store_t *s, const char *event, const char *resident_id, const char *detail);
    idp_err_t (*audit_list)(idp_store_t *s, const char *event, const char *resident_id, long long since, int limit,
                            idp_store_audit_row_t **rows, size_t *n);
} idp_store_audit_ops_t;

/* The logout domain (back-channel logout deliveries). */
typedef struct {
    idp_err_t (*delivery_enqueue)(idp_store_t *s, const char *client_id, const char *uri, const char *token);
    idp_err_t (*deliveries_due)(idp_store_t *s, int max, int lease_seconds, idp_store_delivery_t **rows, size_t *n);
    idp_err_t (*deliveries_pending)(idp_store_t *s, long long *count, long long *oldest_seconds);
    idp_err_t (*delivery_result)(idp_store_t *s, long long id, bool delivered, const char *error, int retry_seconds);
} idp_store_logout_ops_t;

/* The registration domain (RFC 7591, RFC 7592: initial access tokens, the sandbox, test residents). */
typedef struct {
    idp_err_t (*iat_insert)(idp_store_t *s, const idp_store_iat_t *t, const unsigned char hash[32]);
    idp_err_t (*iat_list)(idp_store_t *s, idp_store_iat_t **rows, size_t *n);
    idp_err_t (*iat_revoke)(idp_store_t *s, const char *id);
    idp_err_t (*iat_find)(idp_store_t *s, const unsigned char hash[32], idp_store_iat_t *out);
    idp_err_t (*client_register)(idp_store_t *s, const char *iat_id, const idp_store_client_t *c);
    idp_err_t (*client_set_sandbox)(idp_store_t *s, const char *client_id, bool sandbox);
    idp_err_t (*org_resident_add)(idp_store_t *s, idp_org_list_t list, const char *organisation,
                                  const char *resident_id);
    idp_err_t (*org_resident_remove)(idp_store_t *s, idp_org_list_t list, const char *organisation,
                                     const char *resident_id);
    idp_err_t (*org_resident_is)(idp_store_t *s, idp_org_list_t list, const char *organisation, const char *resident_id,
                                 bool *yes);
    idp_err_t (*org_residents)(idp_store_t *s, idp_org_list_t list, const char *organisation, const char *resident_id,
                               char (**ids)[64], size_t *n);
    idp_err_t (*admin_apply)(idp_store_t *s, const idp_store_admin_op_t *op, const idp_store_admin_entry_t *entry);
    idp_err_t (*admin_log_rows)(idp_store_t *s, long long after_seq, int limit, idp_store_admin_log_row_t **rows,
                                size_t *n);
    idp_err_t (*stat_count)(idp_store_t *s, const char *client_id, const char *metric, const char *code);
    idp_err_t (*resident_state)(idp_store_t *s, const char *resident_id, bool *exists, bool *locked,
                                long long *locked_at, char reason[512]);
    idp_err_t (*client_residents)(idp_store_t *s, const char *client_id, char (**ids)[64], size_t *n);
    idp_err_t (*role_grant)(idp_store_t *s, const char *resident_id, const char *role);
    idp_err_t (*role_revoke)(idp_store_t *s, const char *resident_id, const char *role);
    idp_err_t (*roles)(idp_store_t *s, const char *resident_id, idp_store_role_t **rows, size_t *n);
    idp_err_t (*client_stats)(idp_store_t *s, const char *client_id, const char *from, const char *to,
                              idp_store_stat_t **rows, size_t *n);
} idp_store_registration_ops_t;

/* The outreach domain (issue #22). */
typedef struct {
    idp_err_t (*optins)(idp_store_t *s, const char *resident_id, unsigned *bits);
    idp_err_t (*optin_set)(idp_store_t *s, const char *resident_id, unsigned bit, const char *category, bool on,
                           const idp_store_outreach_profile_t *profile, const char *attributes, bool *changed);
    idp_err_t (*profile_refresh)(idp_store_t *s, const char *resident_id, const idp_store_outreach_profile_t *p);
    idp_err_t (*count)(idp_store_t *s, const idp_store_outreach_criteria_t *c, long long *n);
    idp_err_t (*differences)(idp_store_t *s, const idp_store_outreach_criteria_t *a,
                             const idp_store_outreach_criteria_t *others, size_t n, long long *diffs);
    idp_err_t (*segment_insert)(idp_store_t *s, const idp_store_outreach_segment_t *row);
    idp_err_t (*segments)(idp_store_t *s, const char *id, long long since, int limit,
                          idp_store_outreach_segment_t **rows, size_t *n);
    idp_err_t (*campaign_create)(idp_store_t *s, idp_store_outreach_campaign_t *row,
                                 const idp_store_outreach_criteria_t *c, long long min_members);
    idp_err_t (*campaigns)(idp_store_t *s, const char *id, const char *sponsor, int limit,
                           idp_store_outreach_campaign_t **rows, size_t *n);
    idp_err_t (*members_page)(idp_store_t *s, const char *campaign_id, const char *after, int limit,
                              const char *client_id, char (**ids)[64], size_t *n);
    idp_err_t (*inclusions)(idp_store_t *s, const char *resident_id, idp_store_outreach_inclusion_t **rows, size_t *n);
} idp_store_outreach_ops_t;

/**
 * A store: one table per domain. An implementation embeds this as the first
 * member of its own struct and points each table at its functions (a table
 * is never NULL; a domain a store lacks answers IDP_E_UNAVAILABLE).
 */
struct idp_store {
    const idp_store_admin_ops_t *ops_admin;
    const idp_store_keys_ops_t *ops_keys;
    const idp_store_datakeys_ops_t *ops_datakeys;
    const idp_store_clients_ops_t *ops_clients;
    const idp_store_login_ops_t *ops_login;
    const idp_store_card_ops_t *ops_card;
    const idp_store_codes_ops_t *ops_codes;
    const idp_store_tokens_ops_t *ops_tokens;
    const idp_store_social_ops_t *ops_social;
    const idp_store_consent_ops_t *ops_consent;
    const idp_store_audit_ops_t *ops_audit;
    const idp_store_logout_ops_t *ops_logout;
    const idp_store_registration_ops_t *ops_registration;
    const idp_store_outreach_ops_t *ops_outreach;
};

/* ---- admin ---- */

static inline void idp_store_close(idp_store_t *s)
{
    if (s != NULL) /* like free(): callers close on every exit path */
        s->ops_admin->close(s);
}

static inline idp_err_t idp_store_ping(idp_store_t *s)
{
    return s->ops_admin->ping(s);
}

static inline idp_err_t idp_store_schema_version(idp_store_t *s, int *version)
{
    return s->ops_admin->schema_version(s, version);
}

static inline idp_err_t idp_store_migrate(idp_store_t *s, int *from, int *to, char *err, size_t errlen)
{
    return s->ops_admin->migrate(s, from, to, err, errlen);
}

static inline idp_err_t idp_store_sweep(idp_store_t *s, long long *deleted)
{
    return s->ops_admin->sweep(s, deleted);
}

static inline void idp_store_metrics(idp_store_t *s, idp_buf_t *out)
{
    if (s->ops_admin->metrics)
        s->ops_admin->metrics(s, out);
}

/* ---- keys ---- */

static inline idp_err_t idp_store_keys_list(idp_store_t *s, idp_store_key_t **rows, size_t *n, long long *now)
{
    return s->ops_keys->keys_list(s, rows, n, now);
}

static inline idp_err_t idp_store_keys_rotate(idp_store_t *s, const idp_store_key_t *fresh, long long min_next_age,
                                              const char **what, const struct idp_store_admin_entry *log)
{
    return s->ops_keys->keys_rotate(s, fresh, min_next_age, what, log);
}

static inline idp_err_t idp_store_key_retire(idp_store_t *s, const char *kid)
{
    return s->ops_keys->key_retire(s, kid);
}

static inline idp_err_t idp_store_key_schedules(idp_store_t *s, idp_store_key_schedule_t **rows, size_t *n)
{
    return s->ops_keys->key_schedules(s, rows, n);
}

static inline idp_err_t idp_store_key_schedule_claim(idp_store_t *s, long long lease_seconds, char alg[8])
{
    return s->ops_keys->key_schedule_claim(s, lease_seconds, alg);
}

static inline idp_err_t idp_store_key_schedule_done(idp_store_t *s, const char *alg)
{
    return s->ops_keys->key_schedule_done(s, alg);
}

/* ---- datakeys ---- */

static inline void idp_store_set_sealer(idp_store_t *s, const idp_store_sealer_t *sealer)
{
    s->ops_datakeys->set_sealer(s, sealer);
}

static inline idp_err_t idp_store_data_keys_list(idp_store_t *s, bool count_rows, idp_store_data_key_t **rows,
                                                 size_t *n)
{
    return s->ops_datakeys->data_keys_list(s, count_rows, rows, n);
}

static inline idp_err_t idp_store_data_key_reserve(idp_store_t *s, int *id)
{
    return s->ops_datakeys->data_key_reserve(s, id);
}

static inline idp_err_t idp_store_data_key_activate(idp_store_t *s, int id, const unsigned char *key_enc, size_t len,
                                                    bool only_first)
{
    return s->ops_datakeys->data_key_activate(s, id, key_enc, len, only_first);
}

static inline idp_err_t idp_store_data_reseal(idp_store_t *s, int batch, long long *found, char *err, size_t errlen)
{
    return s->ops_datakeys->data_reseal(s, batch, found, err, errlen);
}

static inline idp_err_t idp_store_data_keys_retire(idp_store_t *s, int *ids, size_t max, size_t *n)
{
    return s->ops_datakeys->data_keys_retire(s, ids, max, n);
}

static inline idp_err_t idp_store_plaintext_count(idp_store_t *s, long long *n)
{
    return s->ops_datakeys->plaintext_count(s, n);
}

static inline idp_err_t idp_store_plaintext_seal(idp_store_t *s, int batch, idp_store_match_fn match, void *ctx,
                                                 long long *moved, char *err, size_t errlen)
{
    return s->ops_datakeys->plaintext_seal(s, batch, match, ctx, moved, err, errlen);
}

/* ---- clients ---- */

static inline idp_err_t idp_store_client_insert(idp_store_t *s, const idp_store_client_t *c)
{
    return s->ops_clients->client_insert(s, c);
}

static inline idp_err_t idp_store_client_watch_start(idp_store_t *s, const char *url, idp_store_client_watch_fn fn,
                                                     void *ctx)
{
    return s->ops_clients->client_watch_start(s, url, fn, ctx);
}

static inline void idp_store_client_watch_stop(idp_store_t *s)
{
    s->ops_clients->client_watch_stop(s);
}

static inline idp_err_t idp_store_client_get(idp_store_t *s, const char *client_id, idp_store_client_t *out)
{
    return s->ops_clients->client_get(s, client_id, out);
}

static inline idp_err_t idp_store_client_list(idp_store_t *s, idp_store_client_t **rows, size_t *n)
{
    return s->ops_clients->client_list(s, rows, n);
}

static inline idp_err_t idp_store_client_update(idp_store_t *s, const char *client_id, const char *metadata,
                                                const unsigned char *secret_hash, bool clear_secret)
{
    return s->ops_clients->client_update(s, client_id, metadata, secret_hash, clear_secret);
}

static inline idp_err_t idp_store_client_delete(idp_store_t *s, const char *client_id)
{
    return s->ops_clients->client_delete(s, client_id);
}

/* ---- registration ---- */

static inline idp_err_t idp_store_iat_insert(idp_store_t *s, const idp_store_iat_t *t, const unsigned char hash[32])
{
    return s->ops_registration->iat_insert(s, t, hash);
}

static inline idp_err_t idp_store_iat_list(idp_store_t *s, idp_store_iat_t **rows, size_t *n)
{
    return s->ops_registration->iat_list(s, rows, n);
}

static inline idp_err_t idp_store_iat_revoke(idp_store_t *s, const char *id)
{
    return s->ops_registration->iat_revoke(s, id);
}

static inline idp_err_t idp_store_iat_find(idp_store_t *s, const unsigned char hash[32], idp_store_iat_t *out)
{
    return s->ops_registration->iat_find(s, hash, out);
}

static inline idp_err_t idp_store_client_register(idp_store_t *s, const char *iat_id, const idp_store_client_t *c)
{
    return s->ops_registration->client_register(s, iat_id, c);
}

static inline idp_err_t idp_store_client_set_sandbox(idp_store_t *s, const char *client_id, bool sandbox)
{
    return s->ops_registration->client_set_sandbox(s, client_id, sandbox);
}

static inline idp_err_t idp_store_org_resident_add(idp_store_t *s, idp_org_list_t list, const char *organisation,
                                                   const char *resident_id)
{
    return s->ops_registration->org_resident_add(s, list, organisation, resident_id);
}

static inline idp_err_t idp_store_org_resident_remove(idp_store_t *s, idp_org_list_t list, const char *organisation,
                                                      const char *resident_id)
{
    return s->ops_registration->org_resident_remove(s, list, organisation, resident_id);
}

static inline idp_err_t idp_store_org_resident_is(idp_store_t *s, idp_org_list_t list, const char *organisation,
                                                  const char *resident_id, bool *yes)
{
    return s->ops_registration->org_resident_is(s, list, organisation, resident_id, yes);
}

static inline idp_err_t idp_store_org_residents(idp_store_t *s, idp_org_list_t list, const char *organisation,
                                                const char *resident_id, char (**ids)[64], size_t *n)
{
    return s->ops_registration->org_residents(s, list, organisation, resident_id, ids, n);
}

static inline idp_err_t idp_store_admin_apply(idp_store_t *s, const idp_store_admin_op_t *op,
                                              const idp_store_admin_entry_t *entry)
{
    return s->ops_registration->admin_apply(s, op, entry);
}

static inline idp_err_t idp_store_admin_log_rows(idp_store_t *s, long long after_seq, int limit,
                                                 idp_store_admin_log_row_t **rows, size_t *n)
{
    return s->ops_registration->admin_log_rows(s, after_seq, limit, rows, n);
}

static inline idp_err_t idp_store_resident_state(idp_store_t *s, const char *resident_id, bool *exists, bool *locked,
                                                 long long *locked_at, char reason[512])
{
    return s->ops_registration->resident_state(s, resident_id, exists, locked, locked_at, reason);
}

static inline idp_err_t idp_store_client_residents(idp_store_t *s, const char *client_id, char (**ids)[64], size_t *n)
{
    return s->ops_registration->client_residents(s, client_id, ids, n);
}

static inline idp_err_t idp_store_role_grant(idp_store_t *s, const char *resident_id, const char *role)
{
    return s->ops_registration->role_grant(s, resident_id, role);
}

static inline idp_err_t idp_store_role_revoke(idp_store_t *s, const char *resident_id, const char *role)
{
    return s->ops_registration->role_revoke(s, resident_id, role);
}

static inline idp_err_t idp_store_roles(idp_store_t *s, const char *resident_id, idp_store_role_t **rows, size_t *n)
{
    return s->ops_registration->roles(s, resident_id, rows, n);
}

static inline idp_err_t idp_store_stat_count(idp_store_t *s, const char *client_id, const char *metric,
                                             const char *code)
{
    return s->ops_registration->stat_count(s, client_id, metric, code);
}

static inline idp_err_t idp_store_client_stats(idp_store_t *s, const char *client_id, const char *from, const char *to,
                                               idp_store_stat_t **rows, size_t *n)
{
    return s->ops_registration->client_stats(s, client_id, from, to, rows, n);
}

/* ---- login ---- */

static inline idp_err_t idp_store_login_tx_get(idp_store_t *s, const char *id, idp_store_login_tx_t *out)
{
    return s->ops_login->login_tx_get(s, id, out);
}

static inline idp_err_t idp_store_login_tx_create(idp_store_t *s, const idp_store_login_tx_t *tx, int ttl)
{
    return s->ops_login->login_tx_create(s, tx, ttl);
}

static inline idp_err_t idp_store_login_tx_pending(idp_store_t *s, const unsigned char browser_hash[32],
                                                   const char *request, const char *session_sid, int min_left,
                                                   int *pending, char reuse[64])
{
    return s->ops_login->login_tx_pending(s, browser_hash, request, session_sid, min_left, pending, reuse);
}

static inline idp_err_t idp_store_login_tx_continue(idp_store_t *s, const char *id, idp_store_login_tx_t *out)
{
    return s->ops_login->login_tx_continue(s, id, out);
}

static inline idp_err_t idp_store_login_tx_decline(idp_store_t *s, const char *id)
{
    return s->ops_login->login_tx_decline(s, id);
}

static inline idp_err_t idp_store_login_tx_end(idp_store_t *s, const unsigned char *browser_hash, const char *sid,
                                               int *n)
{
    return s->ops_login->login_tx_end(s, browser_hash, sid, n);
}

static inline idp_err_t idp_store_login_tx_authenticate(idp_store_t *s, const char *id, const char *resident_id,
                                                        const char *acr, const char *credential)
{
    return s->ops_login->login_tx_authenticate(s, id, resident_id, acr, credential);
}

static inline idp_err_t idp_store_login_tx_delete(idp_store_t *s, const char *id)
{
    return s->ops_login->login_tx_delete(s, id);
}

static inline idp_err_t idp_store_login_tx_new_card(idp_store_t *s, const char *id, const idp_store_card_cert_t *cert,
                                                    bool checked, const char *renew_resident)
{
    return s->ops_login->login_tx_new_card(s, id, cert, checked, renew_resident);
}

static inline idp_err_t idp_store_login_tx_sign_step(idp_store_t *s, const char *id)
{
    return s->ops_login->login_tx_sign_step(s, id);
}

static inline idp_err_t idp_store_session_get(idp_store_t *s, const unsigned char id_hash[32], idp_store_session_t *out)
{
    return s->ops_login->session_get(s, id_hash, out);
}

static inline idp_err_t idp_store_session_login(idp_store_t *s, const unsigned char *old_hash,
                                                const unsigned char new_hash[32], const char *new_sid,
                                                const char *resident_id, const char *acr, const char *amr,
                                                const char *credential, long long auth_time, int ttl,
                                                idp_store_session_t *out)
{
    return s->ops_login->session_login(s, old_hash, new_hash, new_sid, resident_id, acr, amr, credential, auth_time,
                                       ttl, out);
}

static inline idp_err_t idp_store_sessions_list(idp_store_t *s, const char *resident_id, idp_store_session_t **rows,
                                                size_t *n)
{
    return s->ops_login->sessions_list(s, resident_id, rows, n);
}

static inline idp_err_t idp_store_session_end_sid(idp_store_t *s, const char *resident_id, const char *sid)
{
    return s->ops_login->session_end_sid(s, resident_id, sid);
}

static inline idp_err_t idp_store_session_end(idp_store_t *s, const unsigned char id_hash[32], idp_store_session_t *out)
{
    return s->ops_login->session_end(s, id_hash, out);
}

static inline idp_err_t idp_store_session_clients(idp_store_t *s, const char *sid, char (**clients)[256], size_t *n)
{
    return s->ops_login->session_clients(s, sid, clients, n);
}

/* ---- card ---- */

static inline idp_err_t idp_store_card_challenge_create(idp_store_t *s, const idp_store_card_challenge_t *c, int ttl,
                                                        int max_per_tx)
{
    return s->ops_card->card_challenge_create(s, c, ttl, max_per_tx);
}

static inline idp_err_t idp_store_card_challenge_take(idp_store_t *s, const char *id, idp_store_card_challenge_t *out)
{
    return s->ops_card->card_challenge_take(s, id, out);
}

static inline idp_err_t idp_store_card_challenge_finish(idp_store_t *s, const char *id, const char *status,
                                                        const char *reason)
{
    return s->ops_card->card_challenge_finish(s, id, status, reason);
}

static inline idp_err_t idp_store_card_challenge_get(idp_store_t *s, const char *id, idp_store_card_challenge_t *out)
{
    return s->ops_card->card_challenge_get(s, id, out);
}

static inline idp_err_t idp_store_card_resident(idp_store_t *s, const idp_store_card_cert_t *cert, const char *new_id,
                                                char resident_id[64], bool *created)
{
    return s->ops_card->card_resident(s, cert, new_id, resident_id, created);
}

static inline idp_err_t idp_store_card_link(idp_store_t *s, const idp_store_card_cert_t *cert, const char *resident_id)
{
    return s->ops_card->card_link(s, cert, resident_id);
}

static inline idp_err_t idp_store_card_verified(idp_store_t *s, const idp_store_card_result_t *r,
                                                idp_store_card_outcome_t *outcome, char resident_id[64], bool *created)
{
    return s->ops_card->card_verified(s, r, outcome, resident_id, created);
}

static inline idp_err_t idp_store_card_enrol_sign(idp_store_t *s, const char *resident_id,
                                                  const idp_store_card_cert_t *cert, const idp_store_attrs_t *a)
{
    return s->ops_card->card_enrol_sign(s, resident_id, cert, a);
}

static inline idp_err_t idp_store_attrs_from_upstream(idp_store_t *s, const char *resident_id,
                                                      const idp_store_evidence_t *ev, const idp_store_attrs_t *a)
{
    return s->ops_card->attrs_from_upstream(s, resident_id, ev, a);
}

static inline idp_err_t idp_store_attrs_match(idp_store_t *s, const unsigned char match_key[32], char resident_id[64])
{
    return s->ops_card->attrs_match(s, match_key, resident_id);
}

static inline idp_err_t idp_store_pair_check(idp_store_t *s, const char *sign_issuer, const char *sign_serial,
                                             const char *auth_issuer, const char *auth_serial)
{
    return s->ops_card->pair_check(s, sign_issuer, sign_serial, auth_issuer, auth_serial);
}

static inline idp_err_t idp_store_linkage_import(idp_store_t *s, const idp_store_linkage_t *rows, size_t n)
{
    return s->ops_card->linkage_import(s, rows, n);
}

static inline idp_err_t idp_store_pair_import(idp_store_t *s, const idp_store_linkage_t *rows, size_t n)
{
    return s->ops_card->pair_import(s, rows, n);
}

static inline idp_err_t idp_store_resident_attrs_get(idp_store_t *s, const char *resident_id,
                                                     idp_store_resident_attrs_t *out)
{
    return s->ops_card->resident_attrs_get(s, resident_id, out);
}

static inline idp_err_t idp_store_card_cert_owner(idp_store_t *s, const unsigned char sha256[32], char resident_id[64],
                                                  char purpose[8])
{
    return s->ops_card->card_cert_owner(s, sha256, resident_id, purpose);
}

static inline idp_err_t idp_store_app_signature_insert(idp_store_t *s, const idp_store_app_signature_t *row)
{
    return s->ops_card->app_signature_insert(s, row);
}

static inline idp_err_t idp_store_app_signatures_bind(idp_store_t *s, const char *login_tx, const char *grant_id)
{
    return s->ops_card->app_signatures_bind(s, login_tx, grant_id);
}

static inline idp_err_t idp_store_app_signatures_list(idp_store_t *s, const char *resident_id, const char *grant_id,
                                                      const char *login_tx, idp_store_app_signature_t **rows, size_t *n)
{
    return s->ops_card->app_signatures_list(s, resident_id, grant_id, login_tx, rows, n);
}

/* ---- codes ---- */

static inline idp_err_t idp_store_code_create(idp_store_t *s, const idp_store_grant_t *g,
                                              const unsigned char code_hash[32], int code_ttl, int grant_ttl)
{
    return s->ops_codes->code_create(s, g, code_hash, code_ttl, grant_ttl);
}

static inline idp_err_t idp_store_code_redeem(idp_store_t *s, const unsigned char code_hash[32], const char *client_id,
                                              const char *redirect_uri, const char *challenge, idp_store_grant_t *out,
                                              idp_store_code_outcome_t *outcome)
{
    return s->ops_codes->code_redeem(s, code_hash, client_id, redirect_uri, challenge, out, outcome);
}

static inline idp_err_t idp_store_code_spend(idp_store_t *s, const unsigned char code_hash[32], const char *grant_id,
                                             const unsigned char *refresh_hash, const char *jti, const char *client_id,
                                             const char *subject, const char *scope, long long expires_at,
                                             const char *released, const char *dpop_jkt)
{
    return s->ops_codes->code_spend(s, code_hash, grant_id, refresh_hash, jti, client_id, subject, scope, expires_at,
                                    released, dpop_jkt);
}

static inline idp_err_t idp_store_code_exchange(idp_store_t *s, const unsigned char code_hash[32],
                                                const char *client_id, const char *redirect_uri, const char *challenge,
                                                const char *dpop_jkt, const unsigned char *refresh_hash,
                                                const char *jti, long long expires_at, idp_store_grant_t *out)
{
    return s->ops_codes->code_exchange(s, code_hash, client_id, redirect_uri, challenge, dpop_jkt, refresh_hash, jti,
                                       expires_at, out);
}

static inline idp_err_t idp_store_grant_revoke(idp_store_t *s, const char *grant_id)
{
    return s->ops_codes->grant_revoke(s, grant_id);
}

static inline idp_err_t idp_store_grant_get(idp_store_t *s, const char *grant_id, idp_store_grant_t *out, bool *live)
{
    return s->ops_codes->grant_get(s, grant_id, out, live);
}

static inline idp_err_t idp_store_par_put(idp_store_t *s, const unsigned char uri_hash[32], const char *client_id,
                                          const char *params, int ttl)
{
    return s->ops_codes->par_put(s, uri_hash, client_id, params, ttl);
}

static inline idp_err_t idp_store_par_take(idp_store_t *s, const unsigned char uri_hash[32], const char *client_id,
                                           char **params)
{
    return s->ops_codes->par_take(s, uri_hash, client_id, params);
}

/* ---- tokens ---- */

static inline idp_err_t idp_store_refresh_exchange(idp_store_t *s, const unsigned char old_hash[32],
                                                   const char *client_id, const unsigned char *new_hash,
                                                   const char *jti, const char *subject, const char *scope,
                                                   long long expires_at, const char *released)
{
    return s->ops_tokens->refresh_exchange(s, old_hash, client_id, new_hash, jti, subject, scope, expires_at, released);
}

static inline idp_err_t idp_store_access_token_insert(idp_store_t *s, const char *jti, const char *client_id,
                                                      const char *subject, const char *scope, long long expires_at,
                                                      const char *grant_id)
{
    return s->ops_tokens->access_token_insert(s, jti, client_id, subject, scope, expires_at, grant_id);
}

static inline idp_err_t idp_store_access_token_get(idp_store_t *s, const char *jti, idp_store_token_info_t *out)
{
    return s->ops_tokens->access_token_get(s, jti, out);
}

static inline idp_err_t idp_store_refresh_get(idp_store_t *s, const unsigned char token_hash[32],
                                              idp_store_grant_t *grant, idp_store_token_info_t *out)
{
    return s->ops_tokens->refresh_get(s, token_hash, grant, out);
}

static inline idp_err_t idp_store_access_token_revoke(idp_store_t *s, const char *jti)
{
    return s->ops_tokens->access_token_revoke(s, jti);
}

static inline idp_err_t idp_store_assertion_jti_use(idp_store_t *s, const char *client_id, const char *jti,
                                                    long long expires_at)
{
    return s->ops_tokens->assertion_jti_use(s, client_id, jti, expires_at);
}

/* ---- social ---- */

static inline idp_err_t idp_store_upstream_insert(idp_store_t *s, const idp_store_upstream_t *u)
{
    return s->ops_social->upstream_insert(s, u);
}

static inline idp_err_t idp_store_upstream_update(idp_store_t *s, const idp_store_upstream_t *u)
{
    return s->ops_social->upstream_update(s, u);
}

static inline idp_err_t idp_store_upstream_get(idp_store_t *s, const char *id, idp_store_upstream_t *out)
{
    return s->ops_social->upstream_get(s, id, out);
}

static inline idp_err_t idp_store_upstream_list(idp_store_t *s, bool enabled_only, idp_store_upstream_t **rows,
                                                size_t *n)
{
    return s->ops_social->upstream_list(s, enabled_only, rows, n);
}

static inline idp_err_t idp_store_upstream_delete(idp_store_t *s, const char *id)
{
    return s->ops_social->upstream_delete(s, id);
}

static inline idp_err_t idp_store_login_tx_upstream(idp_store_t *s, const char *tx_id, const char *upstream_id,
                                                    const char *state, const char *nonce, const char *verifier)
{
    return s->ops_social->login_tx_upstream(s, tx_id, upstream_id, state, nonce, verifier);
}

static inline idp_err_t idp_store_login_tx_take_upstream(idp_store_t *s, const char *state, idp_store_login_tx_t *out,
                                                         char upstream_id[40], char nonce[128], char verifier[160])
{
    return s->ops_social->login_tx_take_upstream(s, state, out, upstream_id, nonce, verifier);
}

static inline idp_err_t idp_store_login_tx_link(idp_store_t *s, const char *tx_id, const char *resident_id)
{
    return s->ops_social->login_tx_link(s, tx_id, resident_id);
}

static inline idp_err_t idp_store_social_resident(idp_store_t *s, const char *issuer, const char *subject,
                                                  const char *upstream_id, const char *link_to, const char *new_id,
                                                  char resident_id[64], bool *created)
{
    return s->ops_social->social_resident(s, issuer, subject, upstream_id, link_to, new_id, resident_id, created);
}

static inline idp_err_t idp_store_credentials(idp_store_t *s, const char *resident_id, idp_store_credential_t **rows,
                                              size_t *n)
{
    return s->ops_social->credentials(s, resident_id, rows, n);
}

static inline idp_err_t idp_store_credential_unlink(idp_store_t *s, const char *resident_id, const char *keep_sid,
                                                    const char *kind, const char *issuer, const char *subject,
                                                    const char *credential, bool *verified_removed, char (**ended)[64],
                                                    size_t *n_ended)
{
    return s->ops_social->credential_unlink(s, resident_id, keep_sid, kind, issuer, subject, credential,
                                            verified_removed, ended, n_ended);
}

/* ---- consent ---- */

static inline idp_err_t idp_store_consent_get(idp_store_t *s, const char *resident_id, const char *client_id,
                                              char **claims)
{
    return s->ops_consent->consent_get(s, resident_id, client_id, claims);
}

static inline idp_err_t idp_store_session_authz(idp_store_t *s, const unsigned char id_hash[32], const char *client_id,
                                                idp_store_session_t *sess, bool *has_attrs, char **consented)
{
    return s->ops_consent->session_authz(s, id_hash, client_id, sess, has_attrs, consented);
}

static inline idp_err_t idp_store_consent_record(idp_store_t *s, const char *resident_id, const char *client_id,
                                                 const char *action, const char *claims, int ttl, const char *actor,
                                                 const char *purpose, const char *details)
{
    return s->ops_consent->consent_record(s, resident_id, client_id, action, claims, ttl, actor, purpose, details);
}

static inline idp_err_t idp_store_consents_list(idp_store_t *s, const char *resident_id, idp_store_consent_t **rows,
                                                size_t *n)
{
    return s->ops_consent->consents_list(s, resident_id, rows, n);
}

static inline idp_err_t idp_store_consent_revoke(idp_store_t *s, const char *resident_id, const char *client_id,
                                                 const char *claim, const char *actor)
{
    return s->ops_consent->consent_revoke(s, resident_id, client_id, claim, actor);
}

static inline idp_err_t idp_store_release(idp_store_t *s, const char *resident_id, const char *client_id,
                                          const char *via, const char *claims)
{
    return s->ops_consent->release(s, resident_id, client_id, via, claims);
}

static inline idp_err_t idp_store_releases_list(idp_store_t *s, const char *resident_id, int limit,
                                                idp_store_release_t **rows, size_t *n)
{
    return s->ops_consent->releases_list(s, resident_id, limit, rows, n);
}

static inline idp_err_t idp_store_household_get(idp_store_t *s, const char *resident_id, idp_store_household_t *out)
{
    return s->ops_consent->household_get(s, resident_id, out);
}

static inline idp_err_t idp_store_household_put(idp_store_t *s, const char *resident_id, const idp_store_household_t *h)
{
    return s->ops_consent->household_put(s, resident_id, h);
}

static inline idp_err_t idp_store_ledger_rows(idp_store_t *s, const char *resident_id, idp_store_ledger_row_t **rows,
                                              size_t *n)
{
    return s->ops_consent->ledger_rows(s, resident_id, rows, n);
}

/* ---- audit ---- */

static inline idp_err_t idp_store_audit(idp_store_t *s, const char *event, const char *resident_id, const char *detail)
{
    return s->ops_audit->audit(s, event, resident_id, detail);
}

static inline idp_err_t idp_store_audit_list(idp_store_t *s, const char *event, const char *resident_id,
                                             long long since, int limit, idp_store_audit_row_t **rows, size_t *n)
{
    return s->ops_audit->audit_list(s, event, resident_id, since, limit, rows, n);
}

/* ---- logout ---- */

static inline idp_err_t idp_store_delivery_enqueue(idp_store_t *s, const char *client_id, const char *uri,
                                                   const char *token)
{
    return s->ops_logout->delivery_enqueue(s, client_id, uri, token);
}

static inline idp_err_t idp_store_deliveries_due(idp_store_t *s, int max, int lease_seconds,
                                                 idp_store_delivery_t **rows, size_t *n)
{
    return s->ops_logout->deliveries_due(s, max, lease_seconds, rows, n);
}

static inline idp_err_t idp_store_deliveries_pending(idp_store_t *s, long long *count, long long *oldest_seconds)
{
    return s->ops_logout->deliveries_pending(s, count, oldest_seconds);
}

static inline idp_err_t idp_store_delivery_result(idp_store_t *s, long long id, bool delivered, const char *error,
                                                  int retry_seconds)
{
    return s->ops_logout->delivery_result(s, id, delivered, error, retry_seconds);
}

/* ---- outreach ---- */

static inline idp_err_t idp_store_outreach_optins(idp_store_t *s, const char *resident_id, unsigned *bits)
{
    return s->ops_outreach->optins(s, resident_id, bits);
}

static inline idp_err_t idp_store_outreach_optin_set(idp_store_t *s, const char *resident_id, unsigned bit,
                                                     const char *category, bool on,
                                                     const idp_store_outreach_profile_t *profile,
                                                     const char *attributes, bool *changed)
{
    return s->ops_outreach->optin_set(s, resident_id, bit, category, on, profile, attributes, changed);
}

static inline idp_err_t idp_store_outreach_profile_refresh(idp_store_t *s, const char *resident_id,
                                                           const idp_store_outreach_profile_t *p)
{
    return s->ops_outreach->profile_refresh(s, resident_id, p);
}

static inline idp_err_t idp_store_outreach_count(idp_store_t *s, const idp_store_outreach_criteria_t *c, long long *n)
{
    return s->ops_outreach->count(s, c, n);
}

static inline idp_err_t idp_store_outreach_differences(idp_store_t *s, const idp_store_outreach_criteria_t *a,
                                                       const idp_store_outreach_criteria_t *others, size_t n,
                                                       long long *diffs)
{
    return s->ops_outreach->differences(s, a, others, n, diffs);
}

static inline idp_err_t idp_store_outreach_segment_insert(idp_store_t *s, const idp_store_outreach_segment_t *row)
{
    return s->ops_outreach->segment_insert(s, row);
}

static inline idp_err_t idp_store_outreach_segments(idp_store_t *s, const char *id, long long since, int limit,
                                                    idp_store_outreach_segment_t **rows, size_t *n)
{
    return s->ops_outreach->segments(s, id, since, limit, rows, n);
}

static inline idp_err_t idp_store_outreach_campaign_create(idp_store_t *s, idp_store_outreach_campaign_t *row,
                                                           const idp_store_outreach_criteria_t *c,
                                                           long long min_members)
{
    return s->ops_outreach->campaign_create(s, row, c, min_members);
}

static inline idp_err_t idp_store_outreach_campaigns(idp_store_t *s, const char *id, const char *sponsor, int limit,
                                                     idp_store_outreach_campaign_t **rows, size_t *n)
{
    return s->ops_outreach->campaigns(s, id, sponsor, limit, rows, n);
}

static inline idp_err_t idp_store_outreach_members_page(idp_store_t *s, const char *campaign_id, const char *after,
                                                        int limit, const char *client_id, char (**ids)[64], size_t *n)
{
    return s->ops_outreach->members_page(s, campaign_id, after, limit, client_id, ids, n);
}

static inline idp_err_t idp_store_outreach_inclusions(idp_store_t *s, const char *resident_id,
                                                      idp_store_outreach_inclusion_t **rows, size_t *n)
{
    return s->ops_outreach->inclusions(s, resident_id, rows, n);
}

#endif

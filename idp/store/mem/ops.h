/* The functions this store puts in its domain tables (store/ops.h), one per member, in the same order. */
#ifndef IDP_STORE_MEM_OPS_H
#define IDP_STORE_MEM_OPS_H

#include "store/store.h"

void idp_mem_close(idp_store_t *s);
idp_err_t idp_mem_ping(idp_store_t *s);
idp_err_t idp_mem_schema_version(idp_store_t *s, int *version);
idp_err_t idp_mem_migrate(idp_store_t *s, int *from, int *to, char *err, size_t errlen);
idp_err_t idp_mem_sweep(idp_store_t *s, long long *deleted);
idp_err_t idp_mem_keys_list(idp_store_t *s, idp_store_key_t **rows, size_t *n, long long *now);
idp_err_t idp_mem_keys_rotate(idp_store_t *s, const idp_store_key_t *fresh, long long min_next_age, const char **what,
                              const idp_store_admin_entry_t *log);
idp_err_t idp_mem_key_retire(idp_store_t *s, const char *kid);
idp_err_t idp_mem_key_schedules(idp_store_t *s, idp_store_key_schedule_t **rows, size_t *n);
idp_err_t idp_mem_key_schedule_claim(idp_store_t *s, long long lease_seconds, char alg[8]);
idp_err_t idp_mem_key_schedule_done(idp_store_t *s, const char *alg);
void idp_mem_set_sealer(idp_store_t *s, const idp_store_sealer_t *sealer);
idp_err_t idp_mem_data_keys_list(idp_store_t *s, bool count_rows, idp_store_data_key_t **rows, size_t *n);
idp_err_t idp_mem_data_key_reserve(idp_store_t *s, int *id);
idp_err_t idp_mem_data_key_activate(idp_store_t *s, int id, const unsigned char *key_enc, size_t len, bool only_first);
idp_err_t idp_mem_data_reseal(idp_store_t *s, int batch, long long *found, char *err, size_t errlen);
idp_err_t idp_mem_data_keys_retire(idp_store_t *s, int *ids, size_t max, size_t *n);
idp_err_t idp_mem_plaintext_count(idp_store_t *s, long long *n);
idp_err_t idp_mem_plaintext_seal(idp_store_t *s, int batch, idp_store_match_fn match, void *ctx, long long *moved,
                                 char *err, size_t errlen);
idp_err_t idp_mem_client_insert(idp_store_t *s, const idp_store_client_t *c);
idp_err_t idp_mem_client_watch_start(idp_store_t *s, const char *url, idp_store_client_watch_fn fn, void *ctx);
void idp_mem_client_watch_stop(idp_store_t *s);
idp_err_t idp_mem_client_get(idp_store_t *s, const char *client_id, idp_store_client_t *out);
idp_err_t idp_mem_client_list(idp_store_t *s, idp_store_client_t **rows, size_t *n);
idp_err_t idp_mem_client_update(idp_store_t *s, const char *client_id, const char *metadata,
                                const unsigned char *secret_hash, bool clear_secret);
idp_err_t idp_mem_client_delete(idp_store_t *s, const char *client_id);
idp_err_t idp_mem_iat_insert(idp_store_t *s, const idp_store_iat_t *t, const unsigned char hash[32]);
idp_err_t idp_mem_iat_list(idp_store_t *s, idp_store_iat_t **rows, size_t *n);
idp_err_t idp_mem_iat_revoke(idp_store_t *s, const char *id);
idp_err_t idp_mem_iat_find(idp_store_t *s, const unsigned char hash[32], idp_store_iat_t *out);
idp_err_t idp_mem_client_register(idp_store_t *s, const char *iat_id, const idp_store_client_t *c);
idp_err_t idp_mem_client_set_sandbox(idp_store_t *s, const char *client_id, bool sandbox);
idp_err_t idp_mem_admin_apply(idp_store_t *s, const idp_store_admin_op_t *op, const idp_store_admin_entry_t *e);
idp_err_t idp_mem_admin_log_rows(idp_store_t *s, long long after_seq, int limit, idp_store_admin_log_row_t **rows,
                                 size_t *n);
idp_err_t idp_mem_resident_state(idp_store_t *s, const char *resident_id, bool *exists, bool *locked,
                                 long long *locked_at, char reason[512]);
idp_err_t idp_mem_client_residents(idp_store_t *s, const char *client_id, char (**ids)[64], size_t *n);
idp_err_t idp_mem_role_grant(idp_store_t *s, const char *resident_id, const char *role);
idp_err_t idp_mem_role_revoke(idp_store_t *s, const char *resident_id, const char *role);
idp_err_t idp_mem_roles(idp_store_t *s, const char *resident_id, idp_store_role_t **rows, size_t *n);
idp_err_t idp_mem_stat_count(idp_store_t *s, const char *client_id, const char *metric, const char *code);
idp_err_t idp_mem_client_stats(idp_store_t *s, const char *client_id, const char *from, const char *to,
                               idp_store_stat_t **rows, size_t *n);
idp_err_t idp_mem_org_resident_add(idp_store_t *s, idp_org_list_t list, const char *organisation,
                                   const char *resident_id);
idp_err_t idp_mem_org_resident_remove(idp_store_t *s, idp_org_list_t list, const char *organisation,
                                      const char *resident_id);
idp_err_t idp_mem_org_resident_is(idp_store_t *s, idp_org_list_t list, const char *organisation,
                                  const char *resident_id, bool *yes);
idp_err_t idp_mem_org_residents(idp_store_t *s, idp_org_list_t list, const char *organisation, const char *resident_id,
                                char (**ids)[64], size_t *n);
idp_err_t idp_mem_login_tx_get(idp_store_t *s, const char *id, idp_store_login_tx_t *out);
idp_err_t idp_mem_login_tx_create(idp_store_t *s, const idp_store_login_tx_t *tx, int ttl);
idp_err_t idp_mem_login_tx_pending(idp_store_t *s, const unsigned char browser_hash[32], const char *request,
                                   const char *session_sid, int min_left, int *pending, char reuse[64]);
idp_err_t idp_mem_login_tx_continue(idp_store_t *s, const char *id, idp_store_login_tx_t *out);
idp_err_t idp_mem_login_tx_decline(idp_store_t *s, const char *id);
idp_err_t idp_mem_login_tx_end(idp_store_t *s, const unsigned char *browser_hash, const char *sid, int *n);
idp_err_t idp_mem_login_tx_authenticate(idp_store_t *s, const char *id, const char *resident_id, const char *acr,
                                        const char *credential);
idp_err_t idp_mem_login_tx_delete(idp_store_t *s, const char *id);
idp_err_t idp_mem_login_tx_new_card(idp_store_t *s, const char *id, const idp_store_card_cert_t *cert, bool checked,
                                    const char *renew_resident);
idp_err_t idp_mem_login_tx_sign_step(idp_store_t *s, const char *id);
idp_err_t idp_mem_session_get(idp_store_t *s, const unsigned char id_hash[32], idp_store_session_t *out);
idp_err_t idp_mem_session_login(idp_store_t *s, const unsigned char *old_hash, const unsigned char new_hash[32],
                                const char *new_sid, const char *resident_id, const char *acr, const char *amr,
                                const char *credential, long long auth_time, int ttl, idp_store_session_t *out);
idp_err_t idp_mem_sessions_list(idp_store_t *s, const char *resident_id, idp_store_session_t **rows, size_t *n);
idp_err_t idp_mem_session_end_sid(idp_store_t *s, const char *resident_id, const char *sid);
idp_err_t idp_mem_session_end(idp_store_t *s, const unsigned char id_hash[32], idp_store_session_t *out);
idp_err_t idp_mem_session_clients(idp_store_t *s, const char *sid, char (**clients)[256], size_t *n);
idp_err_t idp_mem_card_challenge_create(idp_store_t *s, const idp_store_card_challenge_t *c, int ttl, int max_per_tx);
idp_err_t idp_mem_card_challenge_take(idp_store_t *s, const char *id, idp_store_card_challenge_t *out);
idp_err_t idp_mem_card_challenge_finish(idp_store_t *s, const char *id, const char *status, const char *reason);
idp_err_t idp_mem_card_challenge_get(idp_store_t *s, const char *id, idp_store_card_challenge_t *out);
idp_err_t idp_mem_card_resident(idp_store_t *s, const idp_store_card_cert_t *cert, const char *new_id,
                                char resident_id[64], bool *created);
idp_err_t idp_mem_card_link(idp_store_t *s, const idp_store_card_cert_t *cert, const char *resident_id);
idp_err_t idp_mem_card_verified(idp_store_t *s, const idp_store_card_result_t *r, idp_store_card_outcome_t *outcome,
                                char resident_id[64], bool *created);
idp_err_t idp_mem_attrs_from_upstream(idp_store_t *s, const char *resident_id, const idp_store_evidence_t *ev,
                                      const idp_store_attrs_t *a);
idp_err_t idp_mem_card_enrol_sign(idp_store_t *s, const char *resident_id, const idp_store_card_cert_t *cert,
                                  const idp_store_attrs_t *a);
idp_err_t idp_mem_attrs_match(idp_store_t *s, const unsigned char match_key[32], char resident_id[64]);
idp_err_t idp_mem_pair_check(idp_store_t *s, const char *sign_issuer, const char *sign_serial, const char *auth_issuer,
                             const char *auth_serial);
idp_err_t idp_mem_linkage_import(idp_store_t *s, const idp_store_linkage_t *rows, size_t n);
idp_err_t idp_mem_pair_import(idp_store_t *s, const idp_store_linkage_t *rows, size_t n);
idp_err_t idp_mem_resident_attrs_get(idp_store_t *s, const char *resident_id, idp_store_resident_attrs_t *out);
idp_err_t idp_mem_code_create(idp_store_t *s, const idp_store_grant_t *g, const unsigned char code_hash[32],
                              int code_ttl, int grant_ttl);
idp_err_t idp_mem_code_redeem(idp_store_t *s, const unsigned char code_hash[32], const char *client_id,
                              const char *redirect_uri, const char *challenge, idp_store_grant_t *out,
                              idp_store_code_outcome_t *outcome);
idp_err_t idp_mem_code_exchange(idp_store_t *s, const unsigned char code_hash[32], const char *client_id,
                                const char *redirect_uri, const char *challenge, const char *dpop_jkt,
                                const unsigned char *refresh_hash, const char *jti, long long expires_at,
                                idp_store_grant_t *out);
idp_err_t idp_mem_code_spend(idp_store_t *s, const unsigned char code_hash[32], const char *grant_id,
                             const unsigned char *refresh_hash, const char *jti, const char *client_id,
                             const char *subject, const char *scope, long long expires_at, const char *released,
                             const char *dpop_jkt);
idp_err_t idp_mem_grant_revoke(idp_store_t *s, const char *grant_id);
idp_err_t idp_mem_grant_get(idp_store_t *s, const char *grant_id, idp_store_grant_t *out, bool *live);
idp_err_t idp_mem_par_put(idp_store_t *s, const unsigned char uri_hash[32], const char *client_id, const char *params,
                          int ttl);
idp_err_t idp_mem_par_take(idp_store_t *s, const unsigned char uri_hash[32], const char *client_id, char **params);
idp_err_t idp_mem_refresh_exchange(idp_store_t *s, const unsigned char old_hash[32], const char *client_id,
                                   const unsigned char *new_hash, const char *jti, const char *subject,
                                   const char *scope, long long expires_at, const char *released);
idp_err_t idp_mem_access_token_insert(idp_store_t *s, const char *jti, const char *client_id, const char *subject,
                                      const char *scope, long long expires_at, const char *grant_id);
idp_err_t idp_mem_access_token_get(idp_store_t *s, const char *jti, idp_store_token_info_t *out);
idp_err_t idp_mem_refresh_get(idp_store_t *s, const unsigned char token_hash[32], idp_store_grant_t *grant,
                              idp_store_token_info_t *out);
idp_err_t idp_mem_access_token_revoke(idp_store_t *s, const char *jti);
idp_err_t idp_mem_assertion_jti_use(idp_store_t *s, const char *client_id, const char *jti, long long expires_at);
idp_err_t idp_mem_upstream_insert(idp_store_t *s, const idp_store_upstream_t *u);
idp_err_t idp_mem_upstream_update(idp_store_t *s, const idp_store_upstream_t *u);
idp_err_t idp_mem_upstream_get(idp_store_t *s, const char *id, idp_store_upstream_t *out);
idp_err_t idp_mem_upstream_list(idp_store_t *s, bool enabled_only, idp_store_upstream_t **rows, size_t *n);
idp_err_t idp_mem_upstream_delete(idp_store_t *s, const char *id);
idp_err_t idp_mem_login_tx_upstream(idp_store_t *s, const char *tx_id, const char *upstream_id, const char *state,
                                    const char *nonce, const char *verifier);
idp_err_t idp_mem_login_tx_take_upstream(idp_store_t *s, const char *state, idp_store_login_tx_t *out,
                                         char upstream_id[40], char nonce[128], char verifier[160]);
idp_err_t idp_mem_login_tx_link(idp_store_t *s, const char *tx_id, const char *resident_id);
idp_err_t idp_mem_social_resident(idp_store_t *s, const char *issuer, const char *subject, const char *upstream_id,
                                  const char *link_to, const char *new_id, char resident_id[64], bool *created);
idp_err_t idp_mem_credentials(idp_store_t *s, const char *resident_id, idp_store_credential_t **rows, size_t *n);
idp_err_t idp_mem_credential_unlink(idp_store_t *s, const char *resident_id, const char *keep_sid, const char *kind,
                                    const char *issuer, const char *subject, const char *credential,
                                    bool *verified_removed, char (**ended)[64], size_t *n_ended);
idp_err_t idp_mem_consent_get(idp_store_t *s, const char *resident_id, const char *client_id, char **claims);
idp_err_t idp_mem_session_authz(idp_store_t *s, const unsigned char id_hash[32], const char *client_id,
                                idp_store_session_t *sess, bool *has_attrs, char **consented);
idp_err_t idp_mem_consent_record(idp_store_t *s, const char *resident_id, const char *client_id, const char *action,
                                 const char *claims, int ttl, const char *actor, const char *purpose,
                                 const char *details);
idp_err_t idp_mem_consents_list(idp_store_t *s, const char *resident_id, idp_store_consent_t **rows, size_t *n);
idp_err_t idp_mem_consent_revoke(idp_store_t *s, const char *resident_id, const char *client_id, const char *claim,
                                 const char *actor);
idp_err_t idp_mem_release(idp_store_t *s, const char *resident_id, const char *client_id, const char *via,
                          const char *claims);
idp_err_t idp_mem_releases_list(idp_store_t *s, const char *resident_id, int limit, idp_store_release_t **rows,
                                size_t *n);
idp_err_t idp_mem_household_get(idp_store_t *s, const char *resident_id, idp_store_household_t *out);
idp_err_t idp_mem_household_put(idp_store_t *s, const char *resident_id, const idp_store_household_t *h);
idp_err_t idp_mem_ledger_rows(idp_store_t *s, const char *resident_id, idp_store_ledger_row_t **rows, size_t *n);
idp_err_t idp_mem_audit(idp_store_t *s, const char *event, const char *resident_id, const char *detail);
idp_err_t idp_mem_audit_list(idp_store_t *s, const char *event, const char *resident_id, long long since, int limit,
                             idp_store_audit_row_t **rows, size_t *n);
idp_err_t idp_mem_delivery_enqueue(idp_store_t *s, const char *client_id, const char *uri, const char *token);
idp_err_t idp_mem_deliveries_due(idp_store_t *s, int max, int lease_seconds, idp_store_delivery_t **rows, size_t *n);
idp_err_t idp_mem_deliveries_pending(idp_store_t *s, long long *count, long long *oldest_seconds);
idp_err_t idp_mem_delivery_result(idp_store_t *s, long long id, bool delivered, const char *error, int retry_seconds);

extern const idp_store_admin_ops_t idp_mem_admin_ops;
extern const idp_store_keys_ops_t idp_mem_keys_ops;
extern const idp_store_datakeys_ops_t idp_mem_datakeys_ops;
extern const idp_store_clients_ops_t idp_mem_clients_ops;
extern const idp_store_login_ops_t idp_mem_login_ops;
extern const idp_store_card_ops_t idp_mem_card_ops;
extern const idp_store_codes_ops_t idp_mem_codes_ops;
extern const idp_store_tokens_ops_t idp_mem_tokens_ops;
extern const idp_store_social_ops_t idp_mem_social_ops;
extern const idp_store_consent_ops_t idp_mem_consent_ops;
extern const idp_store_audit_ops_t idp_mem_audit_ops;
extern const idp_store_logout_ops_t idp_mem_logout_ops;
extern const idp_store_registration_ops_t idp_mem_registration_ops;

/* mem_app_sign.c */
idp_err_t idp_mem_card_cert_owner(idp_store_t *s, const unsigned char sha256[32], char resident_id[64],
                                  char purpose[8]);
idp_err_t idp_mem_app_signature_insert(idp_store_t *s, const idp_store_app_signature_t *row);
idp_err_t idp_mem_app_signatures_bind(idp_store_t *s, const char *login_tx, const char *grant_id);
idp_err_t idp_mem_app_signatures_list(idp_store_t *s, const char *resident_id, const char *grant_id,
                                      const char *login_tx, idp_store_app_signature_t **rows, size_t *n);

/* mem_outreach.c */
idp_err_t idp_mem_outreach_optins(idp_store_t *s, const char *resident_id, unsigned *bits);
idp_err_t idp_mem_outreach_optin_set(idp_store_t *s, const char *resident_id, unsigned bit, const char *category,
                                     bool on, const idp_store_outreach_profile_t *profile, const char *attributes,
                                     bool *changed);
idp_err_t idp_mem_outreach_profile_refresh(idp_store_t *s, const char *resident_id,
                                           const idp_store_outreach_profile_t *p);
idp_err_t idp_mem_outreach_count(idp_store_t *s, const idp_store_outreach_criteria_t *c, long long *n);
idp_err_t idp_mem_outreach_differences(idp_store_t *s, const idp_store_outreach_criteria_t *a,
                                       const idp_store_outreach_criteria_t *others, size_t n, long long *diffs);
idp_err_t idp_mem_outreach_segment_insert(idp_store_t *s, const idp_store_outreach_segment_t *row);
idp_err_t idp_mem_outreach_segments(idp_store_t *s, const char *id, long long since, int limit,
                                    idp_store_outreach_segment_t **rows, size_t *n);
idp_err_t idp_mem_outreach_campaign_create(idp_store_t *s, idp_store_outreach_campaign_t *row,
                                           const idp_store_outreach_criteria_t *c, long long min_members);
idp_err_t idp_mem_outreach_campaigns(idp_store_t *s, const char *id, const char *sponsor, int limit,
                                     idp_store_outreach_campaign_t **rows, size_t *n);
idp_err_t idp_mem_outreach_members_page(idp_store_t *s, const char *campaign_id, const char *after, int limit,
                                        const char *client_id, char (**ids)[64], size_t *n);
idp_err_t idp_mem_outreach_inclusions(idp_store_t *s, const char *resident_id, idp_store_outreach_inclusion_t **rows,
                                      size_t *n);

#endif

#include "store/pg/ops.h"

#include <pthread.h>
#include <stdlib.h>

#include "store/pg/internal.h"

/* The tables of this store (store/ops.h), one per domain. */

const idp_store_admin_ops_t idp_pg_admin_ops = {
    .close = idp_pg_close,
    .ping = idp_pg_ping,
    .schema_version = idp_pg_schema_version,
    .migrate = idp_pg_migrate,
    .sweep = idp_pg_sweep,
    .metrics = idp_pg_metrics,
};

const idp_store_keys_ops_t idp_pg_keys_ops = {
    .keys_list = idp_pg_keys_list,
    .keys_rotate = idp_pg_keys_rotate,
    .key_retire = idp_pg_key_retire,
    .key_schedules = idp_pg_key_schedules,
    .key_schedule_claim = idp_pg_key_schedule_claim,
    .key_schedule_done = idp_pg_key_schedule_done,
};

const idp_store_datakeys_ops_t idp_pg_datakeys_ops = {
    .set_sealer = idp_pg_set_sealer,
    .data_keys_list = idp_pg_data_keys_list,
    .data_key_reserve = idp_pg_data_key_reserve,
    .data_key_activate = idp_pg_data_key_activate,
    .data_reseal = idp_pg_data_reseal,
    .data_keys_retire = idp_pg_data_keys_retire,
    .plaintext_count = idp_pg_plaintext_count,
    .plaintext_seal = idp_pg_plaintext_seal,
};

const idp_store_clients_ops_t idp_pg_clients_ops = {
    .client_insert = idp_pg_client_insert,
    .client_watch_start = idp_pg_client_watch_start,
    .client_watch_stop = idp_pg_client_watch_stop,
    .client_get = idp_pg_client_get,
    .client_list = idp_pg_client_list,
    .client_update = idp_pg_client_update,
    .client_delete = idp_pg_client_delete,
};

const idp_store_login_ops_t idp_pg_login_ops = {
    .login_tx_get = idp_pg_login_tx_get,
    .login_tx_create = idp_pg_login_tx_create,
    .login_tx_pending = idp_pg_login_tx_pending,
    .login_tx_continue = idp_pg_login_tx_continue,
    .login_tx_decline = idp_pg_login_tx_decline,
    .login_tx_end = idp_pg_login_tx_end,
    .login_tx_authenticate = idp_pg_login_tx_authenticate,
    .login_tx_delete = idp_pg_login_tx_delete,
    .login_tx_new_card = idp_pg_login_tx_new_card,
    .login_tx_sign_step = idp_pg_login_tx_sign_step,
    .session_get = idp_pg_session_get,
    .session_login = idp_pg_session_login,
    .sessions_list = idp_pg_sessions_list,
    .session_end_sid = idp_pg_session_end_sid,
    .session_end = idp_pg_session_end,
    .session_clients = idp_pg_session_clients,
};

const idp_store_card_ops_t idp_pg_card_ops = {
    .card_challenge_create = idp_pg_card_challenge_create,
    .card_challenge_take = idp_pg_card_challenge_take,
    .card_challenge_finish = idp_pg_card_challenge_finish,
    .card_challenge_get = idp_pg_card_challenge_get,
    .card_resident = idp_pg_card_resident,
    .card_link = idp_pg_card_link,
    .card_verified = idp_pg_card_verified,
    .card_enrol_sign = idp_pg_card_enrol_sign,
    .attrs_from_upstream = idp_pg_attrs_from_upstream,
    .attrs_match = idp_pg_attrs_match,
    .pair_check = idp_pg_pair_check,
    .linkage_import = idp_pg_linkage_import,
    .pair_import = idp_pg_pair_import,
    .resident_attrs_get = idp_pg_resident_attrs_get,
    .card_cert_owner = idp_pg_card_cert_owner,
    .app_signature_insert = idp_pg_app_signature_insert,
    .app_signatures_bind = idp_pg_app_signatures_bind,
    .app_signatures_list = idp_pg_app_signatures_list,
};

const idp_store_codes_ops_t idp_pg_codes_ops = {
    .code_create = idp_pg_code_create,
    .code_redeem = idp_pg_code_redeem,
    .code_spend = idp_pg_code_spend,
    .code_exchange = idp_pg_code_exchange,
    .grant_revoke = idp_pg_grant_revoke,
    .grant_get = idp_pg_grant_get,
    .par_put = idp_pg_par_put,
    .par_take = idp_pg_par_take,
};

const idp_store_tokens_ops_t idp_pg_tokens_ops = {
    .refresh_exchange = idp_pg_refresh_exchange,
    .access_token_insert = idp_pg_access_token_insert,
    .access_token_get = idp_pg_access_token_get,
    .refresh_get = idp_pg_refresh_get,
    .access_token_revoke = idp_pg_access_token_revoke,
    .assertion_jti_use = idp_pg_assertion_jti_use,
};

const idp_store_social_ops_t idp_pg_social_ops = {
    .upstream_insert = idp_pg_upstream_insert,
    .upstream_update = idp_pg_upstream_update,
    .upstream_get = idp_pg_upstream_get,
    .upstream_list = idp_pg_upstream_list,
    .upstream_delete = idp_pg_upstream_delete,
    .login_tx_upstream = idp_pg_login_tx_upstream,
    .login_tx_take_upstream = idp_pg_login_tx_take_upstream,
    .login_tx_link = idp_pg_login_tx_link,
    .social_resident = idp_pg_social_resident,
    .credentials = idp_pg_credentials,
    .credential_unlink = idp_pg_credential_unlink,
};

const idp_store_consent_ops_t idp_pg_consent_ops = {
    .consent_get = idp_pg_consent_get,
    .session_authz = idp_pg_session_authz,
    .consent_record = idp_pg_consent_record,
    .consents_list = idp_pg_consents_list,
    .consent_revoke = idp_pg_consent_revoke,
    .release = idp_pg_release_append,
    .releases_list = idp_pg_releases_list,
    .household_get = idp_pg_household_get,
    .household_put = idp_pg_household_put,
    .ledger_rows = idp_pg_ledger_rows,
};

const idp_store_audit_ops_t idp_pg_audit_ops = {
    .audit = idp_pg_audit_append,
    .audit_list = idp_pg_audit_list,
};

const idp_store_logout_ops_t idp_pg_logout_ops = {
    .delivery_enqueue = idp_pg_delivery_enqueue,
    .deliveries_due = idp_pg_deliveries_due,
    .deliveries_pending = idp_pg_deliveries_pending,
    .delivery_result = idp_pg_delivery_result,
};

const idp_store_registration_ops_t idp_pg_registration_ops = {
    .iat_insert = idp_pg_iat_insert,
    .iat_list = idp_pg_iat_list,
    .iat_revoke = idp_pg_iat_revoke,
    .iat_find = idp_pg_iat_find,
    .client_register = idp_pg_client_register,
    .client_set_sandbox = idp_pg_client_set_sandbox,
    .org_resident_add = idp_pg_org_resident_add,
    .org_resident_remove = idp_pg_org_resident_remove,
    .org_resident_is = idp_pg_org_resident_is,
    .org_residents = idp_pg_org_residents,
    .admin_apply = idp_pg_admin_apply,
    .admin_log_rows = idp_pg_admin_log_rows,
    .stat_count = idp_pg_stat_count,
    .resident_state = idp_pg_resident_state,
    .client_residents = idp_pg_client_residents,
    .role_grant = idp_pg_role_grant,
    .role_revoke = idp_pg_role_revoke,
    .roles = idp_pg_roles,
    .client_stats = idp_pg_client_stats,
};

const idp_store_outreach_ops_t idp_pg_outreach_ops = {
    .optins = idp_pg_outreach_optins,
    .optin_set = idp_pg_outreach_optin_set,
    .profile_refresh = idp_pg_outreach_profile_refresh,
    .count = idp_pg_outreach_count,
    .differences = idp_pg_outreach_differences,
    .segment_insert = idp_pg_outreach_segment_insert,
    .segments = idp_pg_outreach_segments,
    .campaign_create = idp_pg_outreach_campaign_create,
    .campaigns = idp_pg_outreach_campaigns,
    .members_page = idp_pg_outreach_members_page,
    .inclusions = idp_pg_outreach_inclusions,
};

/* Opening and closing: the pool, and the tables above as the store's. */

idp_err_t idp_store_open(const char *url, int pool_size, int wait_ms, idp_store_t **out)
{
    idp_pg_store_t *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return IDP_E_NOMEM;
    idp_err_t ret = idp_pg_pool_new(url, pool_size, wait_ms, idp_pg_stmts(), idp_pg_stmts_count(), &s->pool);
    if (ret != IDP_OK) {
        free(s);
        return ret;
    }
    s->base = (idp_store_t){.ops_admin = &idp_pg_admin_ops,
                            .ops_keys = &idp_pg_keys_ops,
                            .ops_datakeys = &idp_pg_datakeys_ops,
                            .ops_clients = &idp_pg_clients_ops,
                            .ops_login = &idp_pg_login_ops,
                            .ops_card = &idp_pg_card_ops,
                            .ops_codes = &idp_pg_codes_ops,
                            .ops_tokens = &idp_pg_tokens_ops,
                            .ops_social = &idp_pg_social_ops,
                            .ops_consent = &idp_pg_consent_ops,
                            .ops_audit = &idp_pg_audit_ops,
                            .ops_logout = &idp_pg_logout_ops,
                            .ops_registration = &idp_pg_registration_ops,
                            .ops_outreach = &idp_pg_outreach_ops};
    pthread_mutex_init(&s->at_mu, NULL);
    s->at_tail = &s->at_head;
    *out = &s->base;
    return IDP_OK;
}

void idp_pg_close(idp_store_t *s)
{
    idp_pg_client_watch_stop(s); /* its owner should have stopped it already */
    idp_pg_pool_free(idp_pg(s)->pool);
    pthread_mutex_destroy(&idp_pg(s)->at_mu);
    free(s);
}

#include "store/mem/ops.h"

#include <pthread.h>
#include <stdlib.h>

#include "store/mem/internal.h"
#include "store/mem/mem.h"

/* The tables of this store (store/ops.h), one per domain. */

const idp_store_admin_ops_t idp_mem_admin_ops = {
    .close = idp_mem_close,
    .ping = idp_mem_ping,
    .schema_version = idp_mem_schema_version,
    .migrate = idp_mem_migrate,
    .sweep = idp_mem_sweep,
};

const idp_store_keys_ops_t idp_mem_keys_ops = {
    .keys_list = idp_mem_keys_list,
    .keys_rotate = idp_mem_keys_rotate,
    .key_retire = idp_mem_key_retire,
    .key_schedules = idp_mem_key_schedules,
    .key_schedule_claim = idp_mem_key_schedule_claim,
    .key_schedule_done = idp_mem_key_schedule_done,
};

const idp_store_datakeys_ops_t idp_mem_datakeys_ops = {
    .set_sealer = idp_mem_set_sealer,
    .data_keys_list = idp_mem_data_keys_list,
    .data_key_reserve = idp_mem_data_key_reserve,
    .data_key_activate = idp_mem_data_key_activate,
    .data_reseal = idp_mem_data_reseal,
    .data_keys_retire = idp_mem_data_keys_retire,
    .plaintext_count = idp_mem_plaintext_count,
    .plaintext_seal = idp_mem_plaintext_seal,
};

const idp_store_clients_ops_t idp_mem_clients_ops = {
    .client_insert = idp_mem_client_insert,
    .client_watch_start = idp_mem_client_watch_start,
    .client_watch_stop = idp_mem_client_watch_stop,
    .client_get = idp_mem_client_get,
    .client_list = idp_mem_client_list,
    .client_update = idp_mem_client_update,
    .client_delete = idp_mem_client_delete,
};

const idp_store_registration_ops_t idp_mem_registration_ops = {
    .iat_insert = idp_mem_iat_insert,
    .iat_list = idp_mem_iat_list,
    .iat_revoke = idp_mem_iat_revoke,
    .iat_find = idp_mem_iat_find,
    .client_register = idp_mem_client_register,
    .client_set_sandbox = idp_mem_client_set_sandbox,
    .org_resident_add = idp_mem_org_resident_add,
    .org_resident_remove = idp_mem_org_resident_remove,
    .org_resident_is = idp_mem_org_resident_is,
    .org_residents = idp_mem_org_residents,
    .admin_apply = idp_mem_admin_apply,
    .admin_log_rows = idp_mem_admin_log_rows,
    .stat_count = idp_mem_stat_count,
    .resident_state = idp_mem_resident_state,
    .client_residents = idp_mem_client_residents,
    .role_grant = idp_mem_role_grant,
    .role_revoke = idp_mem_role_revoke,
    .roles = idp_mem_roles,
    .client_stats = idp_mem_client_stats,
};

const idp_store_login_ops_t idp_mem_login_ops = {
    .login_tx_get = idp_mem_login_tx_get,
    .login_tx_create = idp_mem_login_tx_create,
    .login_tx_pending = idp_mem_login_tx_pending,
    .login_tx_continue = idp_mem_login_tx_continue,
    .login_tx_decline = idp_mem_login_tx_decline,
    .login_tx_end = idp_mem_login_tx_end,
    .login_tx_authenticate = idp_mem_login_tx_authenticate,
    .login_tx_delete = idp_mem_login_tx_delete,
    .login_tx_new_card = idp_mem_login_tx_new_card,
    .login_tx_sign_step = idp_mem_login_tx_sign_step,
    .session_get = idp_mem_session_get,
    .session_login = idp_mem_session_login,
    .sessions_list = idp_mem_sessions_list,
    .session_end_sid = idp_mem_session_end_sid,
    .session_end = idp_mem_session_end,
    .session_clients = idp_mem_session_clients,
};

const idp_store_card_ops_t idp_mem_card_ops = {
    .card_challenge_create = idp_mem_card_challenge_create,
    .card_challenge_take = idp_mem_card_challenge_take,
    .card_challenge_finish = idp_mem_card_challenge_finish,
    .card_challenge_get = idp_mem_card_challenge_get,
    .card_resident = idp_mem_card_resident,
    .card_link = idp_mem_card_link,
    .card_verified = idp_mem_card_verified,
    .card_enrol_sign = idp_mem_card_enrol_sign,
    .attrs_from_upstream = idp_mem_attrs_from_upstream,
    .attrs_match = idp_mem_attrs_match,
    .pair_check = idp_mem_pair_check,
    .linkage_import = idp_mem_linkage_import,
    .pair_import = idp_mem_pair_import,
    .resident_attrs_get = idp_mem_resident_attrs_get,
    .card_cert_owner = idp_mem_card_cert_owner,
    .app_signature_insert = idp_mem_app_signature_insert,
    .app_signatures_bind = idp_mem_app_signatures_bind,
    .app_signatures_list = idp_mem_app_signatures_list,
};

const idp_store_codes_ops_t idp_mem_codes_ops = {
    .code_create = idp_mem_code_create,
    .code_redeem = idp_mem_code_redeem,
    .code_spend = idp_mem_code_spend,
    .code_exchange = idp_mem_code_exchange,
    .grant_revoke = idp_mem_grant_revoke,
    .grant_get = idp_mem_grant_get,
    .par_put = idp_mem_par_put,
    .par_take = idp_mem_par_take,
};

const idp_store_tokens_ops_t idp_mem_tokens_ops = {
    .refresh_exchange = idp_mem_refresh_exchange,
    .access_token_insert = idp_mem_access_token_insert,
    .access_token_get = idp_mem_access_token_get,
    .refresh_get = idp_mem_refresh_get,
    .access_token_revoke = idp_mem_access_token_revoke,
    .assertion_jti_use = idp_mem_assertion_jti_use,
};

const idp_store_social_ops_t idp_mem_social_ops = {
    .upstream_insert = idp_mem_upstream_insert,
    .upstream_update = idp_mem_upstream_update,
    .upstream_get = idp_mem_upstream_get,
    .upstream_list = idp_mem_upstream_list,
    .upstream_delete = idp_mem_upstream_delete,
    .login_tx_upstream = idp_mem_login_tx_upstream,
    .login_tx_take_upstream = idp_mem_login_tx_take_upstream,
    .login_tx_link = idp_mem_login_tx_link,
    .social_resident = idp_mem_social_resident,
    .credentials = idp_mem_credentials,
    .credential_unlink = idp_mem_credential_unlink,
};

const idp_store_consent_ops_t idp_mem_consent_ops = {
    .consent_get = idp_mem_consent_get,
    .session_authz = idp_mem_session_authz,
    .consent_record = idp_mem_consent_record,
    .consents_list = idp_mem_consents_list,
    .consent_revoke = idp_mem_consent_revoke,
    .release = idp_mem_release,
    .releases_list = idp_mem_releases_list,
    .household_get = idp_mem_household_get,
    .household_put = idp_mem_household_put,
    .ledger_rows = idp_mem_ledger_rows,
};

const idp_store_audit_ops_t idp_mem_audit_ops = {
    .audit = idp_mem_audit,
    .audit_list = idp_mem_audit_list,
};

const idp_store_logout_ops_t idp_mem_logout_ops = {
    .delivery_enqueue = idp_mem_delivery_enqueue,
    .deliveries_due = idp_mem_deliveries_due,
    .deliveries_pending = idp_mem_deliveries_pending,
    .delivery_result = idp_mem_delivery_result,
};

/* The store: the tables above, and its data under one mutex. */
const idp_store_outreach_ops_t idp_mem_outreach_ops = {
    .optins = idp_mem_outreach_optins,
    .optin_set = idp_mem_outreach_optin_set,
    .profile_refresh = idp_mem_outreach_profile_refresh,
    .count = idp_mem_outreach_count,
    .differences = idp_mem_outreach_differences,
    .segment_insert = idp_mem_outreach_segment_insert,
    .segments = idp_mem_outreach_segments,
    .campaign_create = idp_mem_outreach_campaign_create,
    .campaigns = idp_mem_outreach_campaigns,
    .members_page = idp_mem_outreach_members_page,
    .inclusions = idp_mem_outreach_inclusions,
};

idp_err_t idp_store_mem_new(idp_store_t **out)
{
    idp_mem_store_t *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return IDP_E_NOMEM;
    s->base = (idp_store_t){.ops_admin = &idp_mem_admin_ops,
                            .ops_keys = &idp_mem_keys_ops,
                            .ops_datakeys = &idp_mem_datakeys_ops,
                            .ops_clients = &idp_mem_clients_ops,
                            .ops_login = &idp_mem_login_ops,
                            .ops_card = &idp_mem_card_ops,
                            .ops_codes = &idp_mem_codes_ops,
                            .ops_tokens = &idp_mem_tokens_ops,
                            .ops_social = &idp_mem_social_ops,
                            .ops_consent = &idp_mem_consent_ops,
                            .ops_audit = &idp_mem_audit_ops,
                            .ops_logout = &idp_mem_logout_ops,
                            .ops_registration = &idp_mem_registration_ops,
                            .ops_outreach = &idp_mem_outreach_ops};
    pthread_mutex_init(&s->d.mu, NULL);
    *out = &s->base;
    return IDP_OK;
}

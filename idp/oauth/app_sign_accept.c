/*
 * What every signing channel of an application shares (issue #21, issue
 * #17 §1 "Signing"; docs/fapi.md "Applications signed with the card"):
 * the attributes the card signs, rebuilt from our own state, and the
 * checks and the storage once a signing certificate and its signature came
 * back, whichever way they came (our own app: app_sign.c; the Digital
 * Agency's app: app_sign_upstream.c). No channel has a check of its own
 * here but the resident match, which it passes in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/b64.h"
#include "core/log.h"
#include "core/rand.h"
#include "jpki/cms.h"
#include "oauth/clients.h"
#include "oauth/internal.h"
#include "oauth/rar.h"

/* The application's document digest (rar.c checked it: 43 base64url characters) into @p out. */
static bool digest_of(const json_t *app, unsigned char out[32])
{
    const char *v = json_string_value(json_object_get(json_object_get(app, "document_digest"), "value"));
    size_t n = 0;
    return v && idp_b64url_decode(v, strlen(v), out, 32, &n) == IDP_OK && n == 32;
}

long long idp_app_sign_time(const unsigned char nonce[32])
{
    unsigned long long t = 0;
    for (int i = 0; i < 8; i++)
        t = t << 8 | nonce[i];
    return (long long)t;
}

idp_err_t idp_app_sign_tbs(const json_t *app, long long at, unsigned char **attrs, size_t *len, unsigned char h[32])
{
    unsigned char digest[32];
    *attrs = NULL;
    if (!digest_of(app, digest))
        return IDP_E_INVALID_REQUEST;
    idp_err_t e = idp_cms_signed_attrs(digest, (time_t)at, attrs, len);
    if (e == IDP_OK)
        idp_sha256(*attrs, *len, h);
    return e;
}

const json_t *idp_app_sign_application(idp_oauth_t *o, idp_oauth_req_t *req, const idp_store_login_tx_t *tx,
                                       idp_authz_req_t *ar, const idp_client_t **client)
{
    idp_params_t *p = idp_arena_alloc(req->arena, sizeof(*p));
    idp_authz_error_t err;
    if (p == NULL || idp_params_parse(req->arena, tx->request, strlen(tx->request), p) != IDP_OK ||
        idp_clients_get(o, tx->client_id, client) != IDP_OK || !idp_authz_validate(p, *client, ar, &err))
        return NULL;
    return idp_rar_to_sign(ar->details);
}

/* A refusal the app (or the page) shows in the resident's language (card.c's vocabulary). */
static idp_outcome_t refused(const char *reason)
{
    return (idp_outcome_t){.err = IDP_E_CARD_REJECTED, .refusal = reason};
}

idp_outcome_t idp_app_sign_accept(idp_oauth_t *o, idp_oauth_req_t *req, const idp_store_card_challenge_t *c,
                                  const idp_store_login_tx_t *tx, const unsigned char *der, size_t der_len,
                                  const unsigned char *sig, size_t sig_len, idp_app_sign_owner_fn owner,
                                  char row_id[48])
{
    idp_authz_req_t ar = {0};
    const idp_client_t *client = NULL;
    unsigned char digest[32], h[32], *attrs = NULL, *cms = NULL;
    size_t attrs_len = 0, cms_len = 0;
    idp_outcome_t out = idp_ok();
    idp_jpki_result_t res;
    const char *finish = "authenticated";
    const json_t *app = tx->resident_id[0] ? idp_app_sign_application(o, req, tx, &ar, &client) : NULL;
    long long at = idp_app_sign_time(c->nonce);
    row_id[0] = '\0';
    if (app == NULL || !digest_of(app, digest)) { /* the request changed, or was never one to sign */
        finish = "invalid_request";
        out = idp_fail(IDP_E_INVALID_REQUEST, "this sign-in has no application to sign: start again");
        goto Exit;
    }
    idp_err_t e = idp_app_sign_tbs(app, at, &attrs, &attrs_len, h);
    if (e != IDP_OK) {
        finish = "server_error";
        out = idp_fail_store(e);
        goto Exit;
    }
    /* The signing certificate: chain to the pinned signing roots, validity now, keyUsage nonRepudiation, the
     * signing policy, revocation; and its key's signature over the attributes (RFC 5652 §5.4) */
    if (o->jpki == NULL || idp_jpki_verify(o->jpki, IDP_JPKI_SIGN, der, der_len, attrs, attrs_len, sig, sig_len,
                                           (time_t)req->now, &res) != IDP_JPKI_OK) {
        finish = o->jpki ? idp_jpki_reason_code(res.reason) : "server_error";
        out = o->jpki ? refused(finish) : idp_fail_store(IDP_E_SERVER_ERROR);
        goto Exit;
    }
    /* The resident's own card, by the channel's rule */
    bool mine = false;
    if ((e = owner(o, tx, &res, &mine)) != IDP_OK) {
        finish = "server_error";
        out = idp_fail_store(e);
        goto Exit;
    }
    if (!mine) {
        finish = "card_mismatch";
        out = refused(finish);
        goto Exit;
    }
    if ((e = idp_cms_signed_data(der, der_len, digest, (time_t)at, sig, sig_len, &cms, &cms_len)) != IDP_OK) {
        finish = "server_error";
        out = idp_fail_store(e);
        goto Exit;
    }
    const json_t *procedure = json_object_get(app, "procedure");
    idp_store_app_signature_t row = {.signing_time = at, .cms = cms, .cms_len = cms_len};
    char *id = idp_random_token_new(16);
    snprintf(row.id, sizeof(row.id), "%s", id ? id : "");
    free(id);
    snprintf(row.login_tx, sizeof(row.login_tx), "%s", tx->id);
    snprintf(row.resident_id, sizeof(row.resident_id), "%s", tx->resident_id);
    snprintf(row.client_id, sizeof(row.client_id), "%s", tx->client_id);
    snprintf(row.application_id, sizeof(row.application_id), "%s",
             json_string_value(json_object_get(app, "identifier")));
    snprintf(row.procedure_code, sizeof(row.procedure_code), "%s",
             json_string_value(json_object_get(procedure, "code")));
    snprintf(row.procedure_name, sizeof(row.procedure_name), "%s",
             json_string_value(json_object_get(procedure, "name")));
    snprintf(row.document_digest, sizeof(row.document_digest), "%s",
             json_string_value(json_object_get(json_object_get(app, "document_digest"), "value")));
    snprintf(row.cert_serial, sizeof(row.cert_serial), "%s", res.serial);
    snprintf(row.cert_issuer_key_id, sizeof(row.cert_issuer_key_id), "%s", res.issuer_key_id);
    /* The signature and its audit row application_signed, in one transaction */
    if (!row.id[0] || (e = idp_store_app_signature_insert(o->store, &row)) != IDP_OK) {
        finish = "server_error";
        out = idp_fail_store(row.id[0] ? e : IDP_E_NOMEM);
        goto Exit;
    }
    snprintf(row_id, 48, "%s", row.id);
    idp_log_t l;
    idp_log_begin(&l, IDP_LOG_INFO, "application_signed");
    idp_log_str(&l, "client_id", row.client_id);
    idp_log_str(&l, "application_id", row.application_id);
    idp_log_str(&l, "serial", row.cert_serial);
    idp_log_end(&l);
Exit:
    idp_oauth_logged(idp_store_card_challenge_finish(o->store, c->id, out.err == IDP_OK ? "authenticated" : "failed",
                                                     out.err == IDP_OK ? "" : finish),
                     "card_challenge_finish");
    free(attrs);
    free(cms);
    idp_authz_clear(&ar);
    idp_client_unref(client);
    return out;
}

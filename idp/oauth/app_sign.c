/*
 * Applications signed with the card (issue #21; docs/fapi.md "Applications
 * signed with the card"). A request whose authorization_details ask to sign
 * a document (sakai_application, action sign) shows the consent page with
 * what is signed and a card challenge for it; the phone's card signs, with
 * its signing key and PIN, the CMS signed attributes we built from our own
 * state (the document's digest the resident consented to, the signing
 * time); we verify the certificate (chain, validity, revocation, policy) and
 * the signature, keep the detached CMS SignedData, and give it to the client
 * through GET /application-signatures with the grant's access token.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/b64.h"
#include "core/log.h"
#include "core/url.h"
#include "core/rand.h"
#include "jpki/cms.h"
#include "oauth/authorize.h"
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

/* The signing time is the challenge's, kept in its nonce's first 8 bytes (ours, never the client's). */
static long long signing_time(const unsigned char nonce[32])
{
    unsigned long long t = 0;
    for (int i = 0; i < 8; i++)
        t = t << 8 | nonce[i];
    return (long long)t;
}

/* SHA-256 of the DER of the signed attributes: what the card signs the DigestInfo of (jpki/cms.h). */
static idp_err_t to_be_signed(const unsigned char digest[32], long long at, unsigned char **attrs, size_t *len,
                              unsigned char h[32])
{
    idp_err_t e = idp_cms_signed_attrs(digest, (time_t)at, attrs, len);
    if (e == IDP_OK)
        idp_sha256(*attrs, *len, h);
    return e;
}

idp_err_t idp_app_sign_challenge(idp_oauth_t *o, const idp_store_login_tx_t *tx, const json_t *app, long long now,
                                 char challenge_id[64], char **link)
{
    unsigned char digest[32], h[32], *attrs = NULL;
    size_t attrs_len = 0;
    if (!digest_of(app, digest))
        return IDP_E_INVALID_REQUEST;
    idp_store_card_challenge_t c;
    memset(&c, 0, sizeof(c));
    char *id = idp_random_token_new(16);
    snprintf(c.id, sizeof(c.id), "%s", id ? id : "");
    free(id);
    snprintf(c.login_tx, sizeof(c.login_tx), "%s", tx->id);
    snprintf(c.purpose, sizeof(c.purpose), "app");
    for (int i = 0; i < 8; i++)
        c.nonce[i] = (unsigned char)((unsigned long long)now >> (56 - 8 * i));
    idp_err_t e = c.id[0] ? idp_random_bytes(c.nonce + 8, sizeof(c.nonce) - 8) : IDP_E_NOMEM;
    if (e == IDP_OK)
        e = to_be_signed(digest, now, &attrs, &attrs_len, h);
    free(attrs);
    if (e == IDP_OK)
        e = idp_store_card_challenge_create(o->store, &c, o->cfg->jpki_challenge_seconds, o->cfg->jpki_max_challenges);
    if (e != IDP_OK)
        return e;
    /* What the app signs: the digest to hand the card, and the challenge to answer (docs/card.md, "The exchange") */
    char tbs[48];
    idp_b64url_encode(h, sizeof(h), tbs);
    idp_buf_t b;
    idp_buf_init(&b, 8192);
    idp_buf_printf(&b, "%s/login/card/app", o->cfg->issuer);
    idp_url_add_query(&b, "challenge_id", c.id);
    idp_url_add_query(&b, "purpose", "app");
    idp_url_add_query(&b, "tbs", tbs);
    *link = idp_buf_steal(&b);
    idp_buf_free(&b);
    if (*link == NULL)
        return IDP_E_NOMEM;
    snprintf(challenge_id, 64, "%s", c.id);
    return IDP_OK;
}

idp_err_t idp_app_signed(idp_oauth_t *o, const char *login_tx, const json_t *app, bool *yes)
{
    idp_store_app_signature_t *rows = NULL;
    size_t n = 0;
    const char *digest = json_string_value(json_object_get(json_object_get(app, "document_digest"), "value"));
    const char *id = json_string_value(json_object_get(app, "identifier"));
    idp_err_t e = idp_store_app_signatures_list(o->store, NULL, NULL, login_tx, &rows, &n);
    *yes = false;
    for (size_t i = 0; e == IDP_OK && i < n; i++)
        *yes =
            *yes || (digest && id && !strcmp(rows[i].document_digest, digest) && !strcmp(rows[i].application_id, id));
    idp_store_app_signatures_free(rows, n);
    return e;
}

/* The application the transaction's request asks to sign, from its stored parameters and its client. */
static const json_t *tx_application(idp_oauth_t *o, idp_oauth_req_t *req, const idp_store_login_tx_t *tx,
                                    idp_authz_req_t *ar, const idp_client_t **client)
{
    idp_params_t *p = idp_arena_alloc(req->arena, sizeof(*p));
    idp_authz_error_t err;
    if (p == NULL || idp_params_parse(req->arena, tx->request, strlen(tx->request), p) != IDP_OK ||
        idp_clients_get(o, tx->client_id, client) != IDP_OK || !idp_authz_validate(p, *client, ar, &err))
        return NULL;
    return idp_rar_to_sign(ar->details);
}

/* A refusal the app shows in the resident's language (card.c's vocabulary). */
static idp_outcome_t refused(const char *reason)
{
    return (idp_outcome_t){.err = IDP_E_CARD_REJECTED, .refusal = reason};
}

idp_outcome_t idp_app_sign_verify(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                  const idp_store_card_challenge_t *c, const idp_store_login_tx_t *tx,
                                  const unsigned char *der, size_t der_len, const unsigned char *sig, size_t sig_len)
{
    idp_authz_req_t ar = {0};
    const idp_client_t *client = NULL;
    unsigned char digest[32], h[32], *attrs = NULL, *cms = NULL;
    size_t attrs_len = 0, cms_len = 0;
    idp_outcome_t out = idp_ok();
    idp_jpki_result_t res;
    const char *finish = "authenticated";
    const json_t *app = tx->resident_id[0] ? tx_application(o, req, tx, &ar, &client) : NULL;
    long long at = signing_time(c->nonce);
    if (app == NULL || !digest_of(app, digest)) { /* the request changed, or was never one to sign */
        finish = "invalid_request";
        out = idp_fail(IDP_E_INVALID_REQUEST, "this sign-in has no application to sign: start again");
        goto Exit;
    }
    idp_err_t e = to_be_signed(digest, at, &attrs, &attrs_len, h);
    if (e != IDP_OK) {
        finish = "server_error";
        out = idp_fail_store(e);
        goto Exit;
    }
    /* The signing certificate: chain to the pinned signing roots, validity now, keyUsage nonRepudiation, the
     * signing policy, revocation; and its key's signature over the attributes (RFC 5652 §5.4) */
    if (idp_jpki_verify(o->jpki, IDP_JPKI_SIGN, der, der_len, attrs, attrs_len, sig, sig_len, (time_t)req->now, &res) !=
        IDP_JPKI_OK) {
        finish = idp_jpki_reason_code(res.reason);
        out = refused(finish);
        goto Exit;
    }
    /* The resident's own card: the signing certificate enrolled for the resident signing in this transaction */
    char owner[64] = "", purpose[8] = "";
    e = idp_store_card_cert_owner(o->store, res.cert_sha256, owner, purpose);
    if (e != IDP_OK && e != IDP_E_NOT_FOUND) {
        finish = "server_error";
        out = idp_fail_store(e);
        goto Exit;
    }
    if (e == IDP_E_NOT_FOUND || strcmp(owner, tx->resident_id) != 0 || strcmp(purpose, "sign") != 0) {
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
    if (!row.id[0] || (e = idp_store_app_signature_insert(o->store, &row)) != IDP_OK) {
        finish = "server_error";
        out = idp_fail_store(row.id[0] ? e : IDP_E_NOMEM);
        goto Exit;
    }
    idp_log_t l;
    idp_log_begin(&l, IDP_LOG_INFO, "application_signed");
    idp_log_str(&l, "client_id", row.client_id);
    idp_log_str(&l, "application_id", row.application_id);
    idp_log_str(&l, "serial", row.cert_serial);
    idp_log_end(&l);
    idp_oauth_json(req, resp, 200, json_pack("{s:s, s:s}", "status", "signed", "signature", row.id));
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

/* ---- GET /application-signatures ------------------------------------------------ */

idp_outcome_t idp_oauth_app_signatures(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_store_token_info_t info;
    idp_outcome_t out = idp_resource_token(o, req, resp, &info);
    if (out.err != IDP_OK)
        return out;
    if (!info.grant_id[0]) /* a client_credentials token: no resident, no signature */
        return idp_fail(IDP_E_INVALID_TOKEN, "the access token was not issued for a resident's authorization");
    idp_store_app_signature_t *rows = NULL;
    size_t n = 0;
    idp_err_t e = idp_store_app_signatures_list(o->store, NULL, info.grant_id, NULL, &rows, &n);
    if (e != IDP_OK)
        return idp_fail_store(e);
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++) {
        const idp_store_app_signature_t *r = &rows[i];
        unsigned char *b64 = malloc(r->cms_len / 3 * 4 + 8);
        if (b64 == NULL) {
            json_decref(list);
            list = NULL;
            break;
        }
        EVP_EncodeBlock(b64, r->cms, (int)r->cms_len); /* standard base64 of the DER, as PEM carries it */
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:s}, s:I, s:s, s:s}", "id", r->id, "application_id",
                            r->application_id, "procedure", "code", r->procedure_code, "name", r->procedure_name,
                            "document_digest", "alg", "sha-256", "value", r->document_digest, "signing_time",
                            (json_int_t)r->signing_time, "certificate_serial", r->cert_serial, "cms", (char *)b64));
        free(b64);
    }
    idp_store_app_signatures_free(rows, n);
    if (list == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    idp_oauth_json(req, resp, 200, json_pack("{s:o}", "signatures", list));
    return idp_ok();
}

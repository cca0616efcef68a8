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
 *
 * The card is reached through one of the signing channels below (issue #17
 * §1 "Signing"): our own app, or the Digital Agency's app (digital-auth-app)
 * when the resident signed in through it (app_sign_upstream.c). Every
 * channel ends in idp_app_sign_accept (app_sign_accept.c): the same checks
 * and the same storage.
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
#include "oauth/internal.h"
#include "oauth/rar.h"

/* ---- the signing channels ---------------------------------------------------------------- */

/*
 * Our own app: the consent page's QR code and app link carry the challenge and what to sign (tbs, the base64url
 * SHA-256 of the DER of the signed attributes), docs/card.md "The exchange".
 */
static idp_err_t card_link(idp_oauth_t *o, const idp_store_login_tx_t *tx, const char *challenge_id,
                           const unsigned char h[32], char **link)
{
    (void)tx;
    char tbs[48];
    idp_b64url_encode(h, 32, tbs);
    idp_buf_t b;
    idp_buf_init(&b, 8192);
    idp_buf_printf(&b, "%s/login/card/app", o->cfg->issuer);
    idp_url_add_query(&b, "challenge_id", challenge_id);
    idp_url_add_query(&b, "purpose", "app");
    idp_url_add_query(&b, "tbs", tbs);
    *link = idp_buf_steal(&b);
    idp_buf_free(&b);
    return *link ? IDP_OK : IDP_E_NOMEM;
}

/* The Digital Agency's app: what is signed is sent to its signing API when the resident follows the link. */
static idp_err_t upstream_link(idp_oauth_t *o, const idp_store_login_tx_t *tx, const char *challenge_id,
                               const unsigned char h[32], char **link)
{
    (void)h;
    return idp_app_sign_upstream_link(o, tx, challenge_id, link);
}

static idp_err_t upstream_serves(idp_oauth_t *o, const idp_store_login_tx_t *tx, bool *yes)
{
    char upstream_id[40];
    return idp_app_sign_upstream_of(o, tx, upstream_id, yes);
}

static idp_err_t card_serves(idp_oauth_t *o, const idp_store_login_tx_t *tx, bool *yes)
{
    (void)o;
    (void)tx;
    *yes = true; /* the default: our own app, as before issue #17 */
    return IDP_OK;
}

/*
 * The signing channels, asked in order: the first that serves the transaction (the way its resident signed in)
 * signs. The checks and the storage after the signature came back are the same for every channel
 * (idp_app_sign_accept); a channel differs only in how the card is reached and in its resident match.
 */
static const struct {
    const char *name;
    bool upstream; /* this browser follows the link (no QR code for a phone) */
    idp_err_t (*serves)(idp_oauth_t *o, const idp_store_login_tx_t *tx, bool *yes);
    idp_err_t (*link)(idp_oauth_t *o, const idp_store_login_tx_t *tx, const char *challenge_id,
                      const unsigned char h[32], char **link);
} channels[] = {
    {"digital-auth-app", true, upstream_serves, upstream_link},
    {"card", false, card_serves, card_link},
};

idp_err_t idp_app_sign_challenge(idp_oauth_t *o, const idp_store_login_tx_t *tx, const json_t *app, long long now,
                                 char challenge_id[64], char **link, bool *upstream)
{
    unsigned char h[32], *attrs = NULL;
    size_t attrs_len = 0, ch = 0;
    bool yes = false;
    idp_err_t e = IDP_OK;
    *link = NULL;
    for (ch = 0; ch < sizeof(channels) / sizeof(channels[0]); ch++)
        if ((e = channels[ch].serves(o, tx, &yes)) != IDP_OK || yes)
            break;
    if (e != IDP_OK)
        return e;
    *upstream = channels[ch].upstream;
    idp_store_card_challenge_t c;
    memset(&c, 0, sizeof(c));
    char *id = idp_random_token_new(16);
    snprintf(c.id, sizeof(c.id), "%s", id ? id : "");
    free(id);
    snprintf(c.login_tx, sizeof(c.login_tx), "%s", tx->id);
    snprintf(c.purpose, sizeof(c.purpose), "app");
    for (int i = 0; i < 8; i++)
        c.nonce[i] = (unsigned char)((unsigned long long)now >> (56 - 8 * i));
    e = c.id[0] ? idp_random_bytes(c.nonce + 8, sizeof(c.nonce) - 8) : IDP_E_NOMEM;
    if (e == IDP_OK)
        e = idp_app_sign_tbs(app, now, &attrs, &attrs_len, h);
    free(attrs);
    if (e == IDP_OK)
        e = idp_store_card_challenge_create(o->store, &c, o->cfg->jpki_challenge_seconds, o->cfg->jpki_max_challenges);
    if (e == IDP_OK)
        e = channels[ch].link(o, tx, c.id, h, link);
    if (e == IDP_OK)
        snprintf(challenge_id, 64, "%s", c.id);
    return e;
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

/* Our own channel's resident match: the signing certificate enrolled for the resident signing in this transaction. */
static idp_err_t card_owner(idp_oauth_t *o, const idp_store_login_tx_t *tx, const idp_jpki_result_t *res, bool *mine)
{
    char owner[64] = "", purpose[8] = "";
    idp_err_t e = idp_store_card_cert_owner(o->store, res->cert_sha256, owner, purpose);
    *mine = e == IDP_OK && !strcmp(owner, tx->resident_id) && !strcmp(purpose, "sign");
    return e == IDP_E_NOT_FOUND ? IDP_OK : e;
}

idp_outcome_t idp_app_sign_verify(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                  const idp_store_card_challenge_t *c, const idp_store_login_tx_t *tx,
                                  const unsigned char *der, size_t der_len, const unsigned char *sig, size_t sig_len)
{
    char row_id[48];
    idp_outcome_t out = idp_app_sign_accept(o, req, c, tx, der, der_len, sig, sig_len, card_owner, row_id);
    if (out.err == IDP_OK)
        idp_oauth_json(req, resp, 200, json_pack("{s:s, s:s}", "status", "signed", "signature", row_id));
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

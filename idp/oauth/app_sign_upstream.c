/*
 * The Digital Agency's app as a signing channel (issue #17 §1 "Signing";
 * docs/card.md "Signing through the app"). A resident who signed in in this
 * transaction through an upstream of kind digital-auth-app signs an
 * application (app_sign.c) in that app, with the same card:
 *
 *  1. GET /login/card/app-sign (the consent page's button): the challenge is
 *     taken (once); we build the CMS signed attributes from our own state as
 *     for our own app, and start a signing transaction for the DigestInfo of
 *     their SHA-256 at the upstream's signing API, authenticated by the client
 *     credentials grant (idp_fed_sign_begin); the browser goes to the upstream
 *     with scope "openid sign" and that sign_transaction_id. The Digital
 *     Agency's implementation guideline: signing runs in the authorization code
 *     flow, with a client credentials flow to set it up
 *     (https://developers.digital.go.jp/documents/auth-and-sign/implement-guideline);
 *     the transaction is POSTed to {api}/sign-transactions and read back from
 *     {api}/sign-transactions/{id}/result with the code's access token
 *     (PocketSign's guide to the API, https://docs.p8n.app/docs/verify/guide/
 *     digital-identification-app/create-sign-data/start-sign and .../get-sign).
 *  2. GET /login/social/callback with our sealed state: the code exchanged and
 *     the ID token verified as at sign-in (acr, nonce, ...), its sub the identity
 *     this resident signed in with, then the signing certificate and the
 *     signature read, and idp_app_sign_accept: exactly our own channel's checks
 *     and storage. Back to the consent page, which then shows it signed.
 *
 * The leg's state is not kept in the login transaction (whose sign-in is
 * over): it travels as the OAuth state, sealed under the KEK (AES-GCM, aad
 * bound to this purpose), and holds the challenge, a seed for the nonce and
 * the PKCE verifier, and the signing transaction. The challenge makes it
 * single-use: a leg ends by finishing its challenge, and a finished one is
 * refused (a replay). No HTTP here (idp/federation) and no SQL (the store).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/url.h"
#include "jose/kek.h"
#include "oauth/internal.h"
#include "oauth/rules.h"
#include "ui/messages.h"

#define LEG_AAD "sakaid:app-sign-leg:"
#define LEG_PREFIX "sign."
#define CHALLENGE_LEN 22 /* idp_random_token_new(16) */
#define LEG_LEN (CHALLENGE_LEN + 16 + 16)

/* The DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2 note 1): what the card's key signs is this and the hash. */
static const unsigned char SHA256_DI[19] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                            0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};

typedef struct {
    char challenge[CHALLENGE_LEN + 1];
    unsigned char seed[16];
    unsigned char sign_tx[16]; /* the UUID's 16 bytes */
} leg_t;

static bool uuid_bytes(const char *s, unsigned char out[16])
{
    int k = 0;
    for (int i = 0; s[i] && k < 32; i++) {
        if (s[i] == '-')
            continue;
        const char *hex = "0123456789abcdef", *p = strchr(hex, s[i] | 0x20);
        if (p == NULL || !*p)
            return false;
        out[k / 2] = (unsigned char)(k % 2 ? out[k / 2] | (p - hex) : (p - hex) << 4);
        k++;
    }
    return k == 32 && strlen(s) == 36;
}

static void uuid_text(const unsigned char b[16], char out[37])
{
    static const char hex[] = "0123456789abcdef";
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

/* The OIDC nonce and the PKCE verifier of a leg, from its seed (43 base64url characters each). */
static void leg_secret(const leg_t *l, char tag, char out[48])
{
    unsigned char in[17], h[32];
    in[0] = (unsigned char)tag;
    memcpy(in + 1, l->seed, 16);
    idp_sha256(in, sizeof(in), h);
    idp_b64url_encode(h, sizeof(h), out);
    idp_wipe(h, sizeof(h));
}

static char *leg_seal(idp_oauth_t *o, const leg_t *l)
{
    unsigned char pt[LEG_LEN], *sealed = NULL;
    size_t n = 0;
    memcpy(pt, l->challenge, CHALLENGE_LEN);
    memcpy(pt + CHALLENGE_LEN, l->seed, 16);
    memcpy(pt + CHALLENGE_LEN + 16, l->sign_tx, 16);
    char *b64 = NULL, *out = NULL;
    if (idp_aead_seal(o->kek, LEG_AAD, pt, sizeof(pt), &sealed, &n) == IDP_OK &&
        (b64 = idp_b64url_encode_new(sealed, n)) != NULL && (out = malloc(strlen(b64) + sizeof(LEG_PREFIX))) != NULL)
        snprintf(out, strlen(b64) + sizeof(LEG_PREFIX), LEG_PREFIX "%s", b64);
    idp_wipe(pt, sizeof(pt));
    free(sealed);
    free(b64);
    return out;
}

static bool leg_open(idp_oauth_t *o, const char *state, leg_t *l)
{
    size_t len = strlen(state), n = 0, ptn = 0;
    unsigned char raw[256], *pt = NULL;
    bool ok = o->kek && !strncmp(state, LEG_PREFIX, strlen(LEG_PREFIX)) &&
              idp_b64url_decode(state + strlen(LEG_PREFIX), len - strlen(LEG_PREFIX), raw, sizeof(raw), &n) == IDP_OK &&
              idp_aead_open(o->kek, LEG_AAD, raw, n, &pt, &ptn) == IDP_OK && ptn == LEG_LEN;
    if (ok) {
        memcpy(l->challenge, pt, CHALLENGE_LEN);
        l->challenge[CHALLENGE_LEN] = '\0';
        memcpy(l->seed, pt + CHALLENGE_LEN, 16);
        memcpy(l->sign_tx, pt + CHALLENGE_LEN + 16, 16);
    }
    if (pt)
        idp_wipe(pt, ptn);
    free(pt);
    return ok;
}

bool idp_app_sign_upstream_leg(const char *state)
{
    return state && !strncmp(state, LEG_PREFIX, strlen(LEG_PREFIX));
}

idp_err_t idp_app_sign_upstream_of(idp_oauth_t *o, const idp_store_login_tx_t *tx, char upstream_id[40], bool *yes)
{
    /* The sign-in of this authorization: the consent step keeps it (signed_in_with); a transaction signed in
     * with it still has it as its own credential. A session reused (no sign-in here) has neither. */
    const char *with = tx->signed_in_with[0] ? tx->signed_in_with : tx->credential;
    *yes = false;
    upstream_id[0] = '\0';
    if (o->fed == NULL || o->kek == NULL || !with[0] || !tx->resident_id[0])
        return IDP_OK;
    idp_store_credential_t *creds = NULL;
    size_t n = 0;
    idp_err_t e = idp_store_credentials(o->store, tx->resident_id, &creds, &n);
    for (size_t i = 0; e == IDP_OK && !*yes && i < n; i++) {
        char key[48];
        if (strcmp(creds[i].kind, "social") != 0 ||
            !idp_credential_key("social", creds[i].issuer, creds[i].subject, key) || strcmp(key, with) != 0)
            continue;
        /* The way this transaction's resident signed in: a card channel's identity? */
        idp_store_upstream_t u;
        if ((e = idp_store_upstream_get(o->store, creds[i].upstream_id, &u)) == IDP_E_NOT_FOUND) {
            e = IDP_OK;
            continue;
        }
        if (e == IDP_OK && u.enabled && idp_upstream_is_card_channel(&u)) {
            *yes = true;
            snprintf(upstream_id, 40, "%s", u.id);
        }
        if (e == IDP_OK)
            idp_store_upstream_clear(&u);
    }
    free(creds);
    return e;
}

idp_err_t idp_app_sign_upstream_link(idp_oauth_t *o, const idp_store_login_tx_t *tx, const char *challenge_id,
                                     char **link)
{
    idp_buf_t b;
    idp_buf_init(&b, 4096);
    idp_buf_printf(&b, "%s/login/card/app-sign", o->cfg->issuer);
    idp_url_add_query(&b, "tx", tx->id);
    idp_url_add_query(&b, "challenge_id", challenge_id);
    *link = idp_buf_steal(&b);
    idp_buf_free(&b);
    return *link ? IDP_OK : IDP_E_NOMEM;
}

/*
 * The Digital Agency's app's resident match. A signing certificate enrolled
 * with us must be this resident's (as in our own channel). One we never saw
 * (the resident brought the card only through the app) must carry exactly
 * the resident's verified name, birth date, gender and address: the
 * attributes the app verified at sign-in, or our own card's.
 */
idp_err_t idp_app_sign_upstream_owner(idp_oauth_t *o, const idp_store_login_tx_t *tx, const idp_jpki_result_t *res,
                                      bool *mine)
{
    char owner[64] = "", purpose[8] = "";
    *mine = false;
    idp_err_t e = idp_store_card_cert_owner(o->store, res->cert_sha256, owner, purpose);
    if (e == IDP_OK) {
        *mine = !strcmp(owner, tx->resident_id) && !strcmp(purpose, "sign");
        return IDP_OK;
    }
    if (e != IDP_E_NOT_FOUND)
        return e;
    idp_store_resident_attrs_t have;
    if ((e = idp_store_resident_attrs_get(o->store, tx->resident_id, &have)) == IDP_E_NOT_FOUND)
        return IDP_OK;
    if (e != IDP_OK)
        return e;
    char birth[11] = "";
    const char *gender = res->has_attrs ? idp_rules_gender(res->attrs.gender) : NULL;
    *mine = res->has_attrs && idp_rules_birthdate(res->attrs.birth_date, birth) && have.name && have.address &&
            have.birth_date && !strcmp(have.name, res->attrs.name) && !strcmp(have.address, res->attrs.address) &&
            !strcmp(have.birth_date, birth) &&
            ((gender == NULL && have.gender == NULL) || (gender && have.gender && !strcmp(gender, have.gender)));
    idp_store_resident_attrs_clear(&have);
    return IDP_OK;
}

/* The audit row of a signing leg that did not end in a signature. */
static void audit_unsigned(idp_oauth_t *o, const idp_store_login_tx_t *tx, const char *upstream, const char *why)
{
    json_t *d = json_pack("{s:s, s:s}", "upstream", upstream, "reason", why);
    char *text = d ? json_dumps(d, JSON_COMPACT) : NULL;
    idp_oauth_logged(idp_store_audit(o->store, "application_sign_refused", tx->resident_id, text ? text : "{}"),
                     "audit");
    free(text);
    json_decref(d);
}

idp_outcome_t idp_oauth_card_app_sign(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    const char *tx_id = NULL, *challenge_id = NULL;
    idp_store_login_tx_t *tx = idp_arena_alloc(req->arena, sizeof(*tx));
    idp_store_card_challenge_t c;
    char upstream_id[40], why[512] = "", *url = NULL, *state = NULL;
    unsigned char h[32], *attrs = NULL, di[sizeof(SHA256_DI) + 32];
    size_t attrs_len = 0;
    bool yes = false, taken = false, opened = false;
    idp_upstream_conn_t u;
    idp_authz_req_t ar = {0};
    const idp_client_t *client = NULL;
    idp_outcome_t out = idp_ok();
    leg_t leg = {0};
    if (tx == NULL)
        return idp_fail_store(IDP_E_NOMEM);
    if (idp_params_get(req->form, "tx", &tx_id) != IDP_OK ||
        idp_params_get(req->form, "challenge_id", &challenge_id) != IDP_OK || strlen(challenge_id) != CHALLENGE_LEN)
        return idp_fail(IDP_E_INVALID_REQUEST, "tx and challenge_id are required");
    idp_err_t e = idp_store_login_tx_get(o->store, tx_id, tx);
    if (e != IDP_OK)
        return e == IDP_E_NOT_FOUND ? idp_fail(IDP_E_INVALID_REQUEST, "this sign-in has expired: start again")
                                    : idp_fail_store(e);
    idp_store_session_t s;
    if (!idp_flow_bound(req, tx) || !idp_browser_session(o, req, &s, NULL) || strcmp(s.resident_id, tx->resident_id))
        return idp_fail(IDP_E_LOGIN_AGAIN, "sign in again");
    if ((e = idp_app_sign_upstream_of(o, tx, upstream_id, &yes)) != IDP_OK)
        return idp_fail_store(e);
    if (!yes)
        return idp_fail(IDP_E_INVALID_REQUEST, "this sign-in did not use the Digital Agency's app");
    /* The challenge: this transaction's, for an application, and taken once (its signing time is in its nonce) */
    if ((e = idp_store_card_challenge_get(o->store, challenge_id, &c)) != IDP_OK || strcmp(c.login_tx, tx->id) ||
        strcmp(c.purpose, "app"))
        return e == IDP_OK || e == IDP_E_NOT_FOUND ? idp_fail(IDP_E_INVALID_CHALLENGE, "no such challenge")
                                                   : idp_fail_store(e);
    if ((e = idp_store_card_challenge_take(o->store, challenge_id, &c)) != IDP_OK)
        return e == IDP_E_CONFLICT ? idp_fail(IDP_E_CHALLENGE_USED, "this challenge has been used: reload the page")
               : e == IDP_E_INVALID_GRANT
                   ? idp_fail(IDP_E_CHALLENGE_EXPIRED, "this challenge has expired: reload the page")
                   : idp_fail_store(e);
    taken = true;
    const json_t *app = idp_app_sign_application(o, req, tx, &ar, &client);
    if (app == NULL || idp_app_sign_tbs(app, idp_app_sign_time(c.nonce), &attrs, &attrs_len, h) != IDP_OK) {
        out = idp_fail(IDP_E_INVALID_REQUEST, "this sign-in has no application to sign: start again");
        goto Exit;
    }
    memcpy(di, SHA256_DI, sizeof(SHA256_DI));
    memcpy(di + sizeof(SHA256_DI), h, 32);
    if ((e = idp_upstream_open(o, upstream_id, &u)) != IDP_OK) {
        out = idp_fail_store(e == IDP_E_NOT_FOUND ? IDP_E_SERVER_ERROR : e);
        goto Exit;
    }
    opened = true;
    char sign_tx[64], nonce[48], verifier[48];
    if ((e = idp_fed_sign_begin(o->fed, &u.fed, di, sizeof(di), req->now, sign_tx, why, sizeof(why))) != IDP_OK) {
        idp_log_msg(IDP_LOG_WARN, "upstream_unavailable", "%s: %s", upstream_id, why);
        out = idp_fail(IDP_E_UPSTREAM, idp_msg_get(IDP_MSG_ERROR_UPSTREAM_DOWN, req->lang));
        goto Exit;
    }
    memcpy(leg.challenge, c.id, CHALLENGE_LEN); /* its length was checked: CHALLENGE_LEN */
    leg.challenge[CHALLENGE_LEN] = '\0';
    if ((e = idp_random_bytes(leg.seed, sizeof(leg.seed))) != IDP_OK || !uuid_bytes(sign_tx, leg.sign_tx) ||
        (state = leg_seal(o, &leg)) == NULL) {
        out = idp_fail_store(e == IDP_OK ? IDP_E_SERVER_ERROR : e);
        goto Exit;
    }
    leg_secret(&leg, 'n', nonce);
    leg_secret(&leg, 'v', verifier);
    u.fed.sign_transaction_id = sign_tx;
    u.fed.scopes = "openid sign";
    e = idp_fed_auth_url(o->fed, &u.fed, idp_upstream_callback_uri(o, req), state, nonce, verifier, NULL, &url, why,
                         sizeof(why));
    idp_wipe(verifier, sizeof(verifier));
    if (e != IDP_OK) {
        out = e == IDP_E_UNAVAILABLE ? idp_fail(IDP_E_UPSTREAM, idp_msg_get(IDP_MSG_ERROR_UPSTREAM_DOWN, req->lang))
                                     : idp_fail_store(e);
        goto Exit;
    }
    char *loc = idp_arena_alloc(req->arena, strlen(url) + 1);
    if (loc == NULL) {
        out = idp_fail_store(IDP_E_NOMEM);
        goto Exit;
    }
    memcpy(loc, url, strlen(url) + 1);
    idp_see_other(resp, loc);
Exit:
    if (taken && out.err != IDP_OK)
        idp_oauth_logged(idp_store_card_challenge_finish(o->store, c.id, "failed", "upstream"),
                         "card_challenge_finish");
    idp_wipe(&leg, sizeof(leg));
    if (opened)
        idp_upstream_close(&u);
    free(url);
    free(state);
    free(attrs);
    idp_authz_clear(&ar);
    idp_client_unref(client);
    return out;
}

idp_outcome_t idp_app_sign_upstream_done(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                         const char *state)
{
    leg_t leg;
    idp_store_card_challenge_t c;
    idp_store_login_tx_t *tx = idp_arena_alloc(req->arena, sizeof(*tx));
    char upstream_id[40], why[512] = "", nonce[48], verifier[48], sign_tx[37], bound[64];
    const char *error = NULL, *code = NULL, *iss = NULL, *finish = "upstream";
    unsigned char cert[IDP_FED_SIGN_CERT_MAX], sig[IDP_FED_SIGN_SIG_MAX];
    size_t cert_len = 0, sig_len = 0;
    bool yes = false, opened = false, created = false, finished = false;
    idp_fed_result_t res = {0};
    idp_upstream_conn_t u;
    idp_outcome_t out = idp_ok();
    if (tx == NULL)
        return idp_fail_store(IDP_E_NOMEM);
    if (!leg_open(o, state, &leg))
        return idp_fail(IDP_E_INVALID_REQUEST, "this signing has expired or was used");
    /* Single use: a leg ends by finishing its challenge; a finished one is a replay */
    idp_err_t e = idp_store_card_challenge_get(o->store, leg.challenge, &c);
    if (e != IDP_OK || !c.used || strcmp(c.status, "pending") || strcmp(c.purpose, "app")) {
        idp_wipe(&leg, sizeof(leg));
        return e == IDP_OK || e == IDP_E_NOT_FOUND
                   ? idp_fail(IDP_E_INVALID_REQUEST, "this signing has expired or was used")
                   : idp_fail_store(e);
    }
    if ((e = idp_store_login_tx_get(o->store, c.login_tx, tx)) != IDP_OK) {
        out = e == IDP_E_NOT_FOUND ? idp_fail(IDP_E_INVALID_REQUEST, "this sign-in has expired: start again")
                                   : idp_fail_store(e);
        goto Exit;
    }
    if (!idp_flow_bound(req, tx)) {
        out = idp_fail(IDP_E_FORBIDDEN, "this sign-in was started in another browser");
        goto Exit;
    }
    if ((e = idp_app_sign_upstream_of(o, tx, upstream_id, &yes)) != IDP_OK || !yes) {
        out = e != IDP_OK ? idp_fail_store(e) : idp_fail(IDP_E_INVALID_REQUEST, "no such provider");
        goto Exit;
    }
    /* The resident refused in the app, or the app failed: nothing is signed (fail closed) */
    if (idp_params_get(req->form, "error", &error) == IDP_OK) {
        idp_log_msg(IDP_LOG_INFO, "upstream_error", "%s: %.64s", upstream_id, error);
        finish = "refused";
        audit_unsigned(o, tx, upstream_id, "refused in the app");
        out = idp_fail(IDP_E_ACCESS_DENIED, idp_msg_get(IDP_MSG_ERROR_APP_SIGN_UNFINISHED, req->lang));
        goto Exit;
    }
    idp_err_t ie = idp_params_get(req->form, "iss", &iss);
    if (idp_params_get(req->form, "code", &code) != IDP_OK || strlen(code) > 2048 || ie == IDP_E_INVALID_REQUEST) {
        out = idp_fail(IDP_E_INVALID_REQUEST, "code is missing");
        goto Exit;
    }
    if ((e = idp_upstream_open(o, upstream_id, &u)) != IDP_OK) {
        out = idp_fail_store(e == IDP_E_NOT_FOUND ? IDP_E_SERVER_ERROR : e);
        goto Exit;
    }
    opened = true;
    u.fed.userinfo = false;
    leg_secret(&leg, 'n', nonce);
    leg_secret(&leg, 'v', verifier);
    uuid_text(leg.sign_tx, sign_tx);
    /* The code and its ID token, checked as at sign-in (issuer, audience, nonce, expiry, the assurance asked) */
    e = idp_fed_callback(o->fed, &u.fed, idp_upstream_callback_uri(o, req), code, verifier, nonce,
                         ie == IDP_OK ? iss : NULL, req->now, &res, why, sizeof(why));
    idp_wipe(verifier, sizeof(verifier));
    if (e == IDP_OK) /* the identity that signed is the one this resident signed in with (a lookup: nothing written) */
        e = idp_store_social_resident(o->store, u.row.issuer, res.sub, u.row.id, NULL, NULL, bound, &created);
    if (e == IDP_OK && strcmp(bound, tx->resident_id) != 0)
        e = IDP_E_NOT_FOUND;
    if (e == IDP_E_NOT_FOUND) {
        finish = "card_mismatch";
        audit_unsigned(o, tx, upstream_id, "another identity signed");
        out = idp_fail(IDP_E_CARD_REJECTED, idp_msg("card.card_mismatch", req->lang));
        goto Exit;
    }
    if (e == IDP_OK)
        e = idp_fed_sign_result(o->fed, u.row.issuer, res.access_token, sign_tx, cert, &cert_len, sig, &sig_len, why,
                                sizeof(why));
    if (e != IDP_OK) {
        idp_log_t l;
        idp_log_begin(&l, IDP_LOG_WARN, e == IDP_E_INVALID_GRANT ? "upstream_rejected" : "upstream_unavailable");
        idp_log_str(&l, "upstream", upstream_id);
        idp_log_str(&l, "detail", why);
        idp_log_end(&l);
        audit_unsigned(o, tx, upstream_id, why);
        out = e == IDP_E_INVALID_GRANT
                  ? idp_fail(IDP_E_INVALID_GRANT, idp_msg_get(IDP_MSG_ERROR_CARD_APP_ASSURANCE, req->lang))
              : e == IDP_E_UNAVAILABLE ? idp_fail(IDP_E_UPSTREAM, idp_msg_get(IDP_MSG_ERROR_UPSTREAM_DOWN, req->lang))
                                       : idp_fail_store(e);
        goto Exit;
    }
    /* Exactly our own channel's checks and storage; the challenge is finished there */
    char row_id[48];
    finished = true;
    out = idp_app_sign_accept(o, req, &c, tx, cert, cert_len, sig, sig_len, idp_app_sign_upstream_owner, row_id);
    if (out.err == IDP_E_CARD_REJECTED) {
        char key[64];
        snprintf(key, sizeof(key), "card.%s", out.refusal);
        audit_unsigned(o, tx, upstream_id, out.refusal);
        out = idp_fail(IDP_E_CARD_REJECTED, idp_msg(key, req->lang));
    }
    if (out.err == IDP_OK) {
        char *loc = idp_arena_alloc(req->arena, 128);
        if (loc)
            snprintf(loc, 128, "/consent?tx=%s", tx->id);
        loc ? idp_see_other(resp, loc) : (void)(out = idp_fail_store(IDP_E_NOMEM));
    }
Exit:
    if (!finished)
        idp_oauth_logged(idp_store_card_challenge_finish(o->store, c.id, "failed", finish), "card_challenge_finish");
    idp_wipe(&leg, sizeof(leg));
    idp_wipe(sig, sizeof(sig));
    idp_fed_result_clear(&res);
    if (opened)
        idp_upstream_close(&u);
    return out;
}

/*
 * The browser session as the account pages, logout and social linking see
 * it: the session cookie, the CSRF token derived from the session, the key
 * of a credential, and whether binding a new way to sign in is allowed now
 * (NIST SP 800-63B §6.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "core/rand.h"
#include "oauth/internal.h"

bool idp_session_cookie_hash(idp_oauth_req_t *req, unsigned char hash[32])
{
    const char *v = idp_cookie_get(req->arena, req->cookie, COOKIE_SESSION);
    if (v == NULL || strlen(v) > 128)
        return false;
    idp_sha256(v, strlen(v), hash);
    return true;
}

bool idp_browser_session(idp_oauth_t *o, idp_oauth_req_t *req, idp_store_session_t *s, unsigned char *hash)
{
    unsigned char h[32];
    if (!idp_session_cookie_hash(req, h))
        return false;
    if (hash)
        memcpy(hash, h, sizeof(h));
    return idp_store_session_get(o->store, h, s) == IDP_OK;
}

void idp_account_csrf(idp_oauth_t *o, const idp_store_session_t *s, char out[64])
{
    idp_keyed_token(o, "account-csrf", s->sid, out);
}

bool idp_credential_key(const char *kind, const char *a, const char *b, char out[48])
{
    /* kind is fixed and a (an issuer URL or a hex key id) has no newline, so the input is unambiguous. */
    size_t n = strlen(kind) + strlen(a) + strlen(b) + 3;
    char *in = malloc(n);
    if (in == NULL)
        return false;
    int len = snprintf(in, n, "%s\n%s\n%s", kind, a, b);
    unsigned char d[32];
    idp_sha256(in, (size_t)len, d);
    free(in);
    idp_b64url_encode(d, sizeof(d), out);
    return true;
}

bool idp_account_csrf_ok(idp_oauth_t *o, idp_oauth_req_t *req, const idp_store_session_t *s)
{
    char want[64];
    const char *got = NULL;
    idp_account_csrf(o, s, want);
    return idp_params_get(req->form, "csrf", &got) == IDP_OK && strlen(got) == strlen(want) &&
           idp_ct_equal(got, want, strlen(want));
}

idp_err_t idp_binding_allowed(idp_oauth_t *o, const idp_store_session_t *s, long long now, bool *ok, bool *card_needed)
{
    idp_store_credential_t *creds = NULL;
    size_t n = 0;
    *ok = *card_needed = false;
    idp_err_t e = idp_store_credentials(o->store, s->resident_id, &creds, &n);
    if (e != IDP_OK)
        return e;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(creds[i].kind, "card"))
            *card_needed = true;
    free(creds);
    /* NIST SP 800-63B §6.1: a recent sign-in, with the strongest way the resident has. */
    *ok = now - s->auth_time <= IDP_FRESH_SECONDS && (!*card_needed || !strcmp(s->acr, ACR_CARD));
    return IDP_OK;
}

bool idp_binding_check(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_store_session_t *s,
                       idp_outcome_t *out)
{
    bool ok = false, card_needed = false;
    idp_err_t e = idp_binding_allowed(o, s, req->now, &ok, &card_needed);
    *out = e != IDP_OK ? idp_fail_store(e) : idp_ok();
    if (e == IDP_OK && !ok)
        idp_page_reauth(req, resp, req->lang, card_needed);
    return e == IDP_OK && ok;
}

/* Here, not in flow.c, so that every leg that returns to a login transaction can ask it without a circle. */
bool idp_flow_bound(idp_oauth_req_t *req, const idp_store_login_tx_t *tx)
{
    const char *browser = idp_cookie_get(req->arena, req->cookie, COOKIE_BROWSER);
    unsigned char h[32];
    if (browser == NULL)
        return false;
    idp_sha256(browser, strlen(browser), h);
    return idp_ct_equal(h, tx->browser_hash, 32);
}

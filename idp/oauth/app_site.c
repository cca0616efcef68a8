/*
 * What a phone needs around the card app (issue #18 item 1), no HTTP and no
 * SQL: the files that let iOS and Android open our link /login/card/app in
 * the SakaI-D app (universal links and App Links), the page the link shows
 * when no app takes it, and the help page.
 */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "oauth/internal.h"
#include "oauth/rules.h"

/* Each entry of a comma-joined configuration list (config.c checked them) as a JSON array of strings. */
static json_t *list_json(const char *list)
{
    json_t *a = json_array();
    for (const char *p = list ? list : ""; a && *p;) {
        size_t n = strcspn(p, ",");
        if (json_array_append_new(a, json_stringn(p, n)) != 0) {
            json_decref(a);
            return NULL;
        }
        p += n + (p[n] == ',');
    }
    return a;
}

/*
 * GET /.well-known/apple-app-site-association (Apple, "Supporting associated
 * domains"): served as JSON at this exact path, over https, with no
 * redirect; "applinks" hands /login/card/app to the apps named by
 * app.ios_app_ids. Not found while none is configured.
 */
idp_outcome_t idp_oauth_apple_app_site(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    if (o->cfg->app_ios_app_ids == NULL || !*o->cfg->app_ios_app_ids)
        return idp_fail(IDP_E_NOT_FOUND, "no iOS app is configured (app.ios_app_ids)");
    json_t *ids = list_json(o->cfg->app_ios_app_ids);
    json_t *doc = ids ? json_pack("{s:{s:[{s:o, s:[{s:s, s:s}]}]}}", "applinks", "details", "appIDs", ids, "components",
                                  "/", "/login/card/app", "comment", "the card sign-in link")
                      : NULL;
    if (doc == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    idp_oauth_json(req, resp, 200, doc);
    return idp_ok();
}

/*
 * GET /.well-known/assetlinks.json (Android App Links, Digital Asset Links):
 * the app package app.android_package, signed with a certificate of
 * app.android_cert_sha256, handles this site's links. Not found while none
 * is configured.
 */
idp_outcome_t idp_oauth_assetlinks(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    if (o->cfg->app_android_package == NULL)
        return idp_fail(IDP_E_NOT_FOUND, "no Android app is configured (app.android_package)");
    json_t *fps = list_json(o->cfg->app_android_cert_sha256);
    json_t *doc = fps ? json_pack("[{s:[s], s:{s:s, s:s, s:o}}]", "relation",
                                  "delegate_permission/common.handle_all_urls", "target", "namespace", "android_app",
                                  "package_name", o->cfg->app_android_package, "sha256_cert_fingerprints", fps)
                      : NULL;
    if (doc == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    idp_oauth_json(req, resp, 200, doc);
    return idp_ok();
}

/* "/login?tx=@p tx" in the arena (NULL when out of memory). */
static const char *login_url(idp_oauth_req_t *req, const char *tx)
{
    size_t n = strlen("/login?tx=") + strlen(tx) + 1;
    char *u = idp_arena_alloc(req->arena, n);
    if (u)
        snprintf(u, n, "/login?tx=%s", tx);
    return u;
}

/*
 * The live sign-in that a card challenge id names, as the page's way back
 * (/login?tx=...) and its language (the login's ui_locales, then the
 * request's). Nothing is granted by it: the login page still checks that
 * this browser began the sign-in (flow.c idp_flow_bound).
 */
static const char *sign_in_of(idp_oauth_t *o, idp_oauth_req_t *req, const char *challenge_id, const char **lang)
{
    idp_store_card_challenge_t c;
    idp_store_login_tx_t *tx = idp_arena_alloc(req->arena, sizeof(*tx));
    idp_params_t p;
    const char *ui = NULL;
    if (tx == NULL || challenge_id == NULL || strlen(challenge_id) > 63 ||
        idp_store_card_challenge_get(o->store, challenge_id, &c) != IDP_OK || c.expires_at <= req->now || c.used ||
        idp_store_login_tx_get(o->store, c.login_tx, tx) != IDP_OK || tx->continued)
        return NULL;
    if (idp_params_parse(req->arena, tx->request, strlen(tx->request), &p) == IDP_OK)
        idp_params_get(&p, "ui_locales", &ui);
    *lang = idp_page_lang(req, ui);
    return login_url(req, tx->id);
}

/*
 * GET /login/card/app: the app's link (the QR code's, and "open in the
 * app"). With the app installed the phone hands the link to it and never
 * asks us; a phone without it lands here, and gets a page, not an error.
 */
idp_outcome_t idp_oauth_card_app_page(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    const char *id = NULL, *lang = req->lang;
    if (req->form && idp_params_get(req->form, "challenge_id", &id) != IDP_OK)
        id = NULL;
    const char *back = sign_in_of(o, req, id, &lang);
    idp_page_card_app(req, resp, false, lang, back, idp_page_links(o));
    return idp_ok();
}

/* GET /help/card[?tx=...]: "when it does not work"; the way back when it names a sign-in in progress. */
idp_outcome_t idp_oauth_help_card(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    const char *tx = NULL, *back = NULL;
    if (req->form && idp_params_get(req->form, "tx", &tx) == IDP_OK && tx[0] && strlen(tx) <= 63 &&
        strspn(tx, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == strlen(tx))
        back = login_url(req, tx);
    idp_page_card_app(req, resp, true, req->lang, back, idp_page_links(o));
    return idp_ok();
}

/*
 * GET /lang?to=ja|en: the pages' language switch (issue #18 item 8). The
 * choice is kept in a cookie for a year (it beats ui_locales and
 * Accept-Language: idp_page_lang) and the resident goes back to the page
 * they were on, when the Referer is one of ours; else to the account page.
 */
idp_outcome_t idp_oauth_lang(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    const char *to = NULL;
    if (req->form == NULL || idp_params_get(req->form, "to", &to) != IDP_OK || (strcmp(to, "ja") && strcmp(to, "en")))
        return idp_fail(IDP_E_INVALID_REQUEST, "to is ja or en");
    size_t il = strlen(o->cfg->issuer);
    const char *ref = req->referer;
    bool ours = ref && !strncmp(ref, o->cfg->issuer, il) && ref[il] == '/' && ref[il + 1] != '/' &&
                strncmp(ref + il, "/lang", 5) != 0 && strlen(ref) < 4096;
    bool secure = strncmp(o->cfg->issuer, "https://", 8) == 0;
    char *cookie = idp_arena_alloc(req->arena, 128);
    if (cookie == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    snprintf(cookie, 128, IDP_LANG_COOKIE "=%s; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax%s", to,
             secure ? "; Secure" : "");
    idp_see_other(resp, ours ? ref : "/account");
    resp->set_cookie[0] = cookie;
    return idp_ok();
}

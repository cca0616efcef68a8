/*
 * The pages a resident sees: login, consent, errors, and the form_post
 * response (OAuth 2.0 Form Post Response Mode §2). Japanese by default,
 * English by ui_locales; mobile-first; no external assets: the style and
 * the script are inline under a per-response CSP nonce, the QR code is an
 * inline SVG (libqrencode).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/rand.h"
#include "core/str.h"
#include "oauth/internal.h"
#include "ui/html.h"
#include "ui/qr.h"

#define PAGE_MAX (512 * 1024)

static const char *T(const char *lang, const char *ja, const char *en)
{
    return strcmp(lang, "en") ? ja : en;
}

static const char STYLE[] =
    "*{box-sizing:border-box}body{margin:0;font-family:system-ui,sans-serif;background:#f4f6f8;color:#1a1a1a;"
    "line-height:1.6}main{max-width:32rem;margin:0 auto;padding:1rem}h1{font-size:1.25rem;margin:.5rem 0}"
    "h2{font-size:1.1rem}section{background:#fff;border-radius:.75rem;padding:1rem;margin:1rem 0;"
    "box-shadow:0 1px 3px #0002}.qr svg{display:block;width:100%;max-width:16rem;height:auto;margin:0 auto}"
    "button,.button{display:block;width:100%;min-height:3rem;font-size:1rem;border-radius:.5rem;border:0;"
    "margin:.5rem 0;padding:.5rem;text-align:center;text-decoration:none;cursor:pointer}"
    ".primary{background:#0b5cad;color:#fff}.secondary{background:#e4e8ee;color:#1a1a1a}"
    "button:focus-visible,a:focus-visible{outline:3px solid #f5a623;outline-offset:2px}"
    "ul{padding-left:1.25rem}.logo{max-height:3rem}.note{font-size:.875rem;color:#555}"
    ".error{border-left:4px solid #b00020}@media (min-width:48rem){main{padding:2rem}}";

/* Starts a page; *nonce receives the CSP nonce for inline style and script. */
static void page_begin(idp_buf_t *b, const char *lang, const char *title, char nonce[32])
{
    char *n = idp_random_token_new(16);
    snprintf(nonce, 32, "%s", n ? n : "x");
    idp_secret_free(n);
    idp_buf_printf(b, "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>",
                   lang);
    idp_html_escape(b, title);
    idp_buf_printf(b, " - SakaI-D</title><style nonce=\"%s\">%s</style></head><body><main>", nonce, STYLE);
}

static void page_end(idp_oauth_req_t *req, idp_oauth_resp_t *resp, idp_buf_t *b, int status, const char *nonce,
                     const char *form_origin, const char *img_origin)
{
    idp_buf_puts(b, "</main></body></html>");
    char *csp = idp_arena_alloc(req->arena, 1024 + (form_origin ? strlen(form_origin) : 0) +
                                                (img_origin ? strlen(img_origin) : 0));
    if (csp)
        snprintf(csp, 1024 + (form_origin ? strlen(form_origin) : 0) + (img_origin ? strlen(img_origin) : 0),
                 "default-src 'none'; style-src 'nonce-%s'; script-src 'nonce-%s'; connect-src 'self'; "
                 "img-src 'self' data:%s%s; form-action 'self'%s%s; frame-ancestors 'none'; base-uri 'none'",
                 nonce, nonce, img_origin ? " " : "", img_origin ? img_origin : "", form_origin ? " " : "",
                 form_origin ? form_origin : "");
    resp->status = status;
    resp->content_type = "text/html; charset=utf-8";
    resp->csp = csp;
    resp->body = b->data ? idp_arena_strndup(req->arena, b->data, b->len) : NULL;
    resp->body_len = resp->body ? b->len : 0;
    if (resp->body == NULL || csp == NULL) {
        resp->status = 500;
        resp->content_type = "text/plain; charset=utf-8";
        resp->body = "server error";
        resp->body_len = strlen(resp->body);
    }
    idp_buf_free(b);
}

static void hidden(idp_buf_t *b, const char *name, const char *value)
{
    idp_buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
    idp_html_escape(b, value);
    idp_buf_puts(b, "\">");
}

/* One button of a form to /login/card/new with @p answer. */
static void new_card_button(idp_buf_t *b, const char *tx, const char *csrf, const char *answer, const char *cls,
                            const char *label)
{
    idp_buf_printf(b, "<form method=\"post\" action=\"/login/card/new\" data-answer=\"%s\">", answer);
    hidden(b, "tx", tx);
    hidden(b, "csrf", csrf);
    hidden(b, "answer", answer);
    idp_buf_printf(b, "<button type=\"submit\" class=\"%s\">", cls);
    idp_html_escape(b, label);
    idp_buf_puts(b, "</button></form>");
}

void idp_page_new_card(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_page_ctx_t *ctx, const char *tx,
                       const char *csrf, idp_new_card_stage_t stage)
{
    const char *l = ctx->lang;
    idp_buf_t b;
    char nonce[32];
    idp_buf_init(&b, PAGE_MAX);
    page_begin(&b, l, T(l, "はじめてのカード", "A card new to SakaI-D"), nonce);
    idp_buf_printf(&b, "<h1>SakaI-D</h1><section id=\"new-card\" data-stage=\"%s\">",
                   stage == IDP_NEW_CARD_ASK ? "ask" : stage == IDP_NEW_CARD_CONFIRM ? "confirm" : "no-match");
    if (stage == IDP_NEW_CARD_ASK) {
        idp_buf_printf(&b, "<h2>%s</h2><p>%s</p>", T(l, "このカードで SakaI-D を使うのは初めてです", "This card is new to SakaI-D"),
                       T(l, "カードを更新した場合は、前のカードで使っていた SakaI-D を引き継げます。"
                            "カードの署名用電子証明書の氏名・住所・生年月日・性別が、前のカードで確認したものと同じなら、その SakaI-D が見つかります。",
                         "If you renewed your card, you can keep the SakaI-D you used with your earlier card: when the "
                         "name, address, date of birth and gender on this card's signing certificate are the ones your "
                         "earlier card verified, we find it."));
        new_card_button(&b, tx, csrf, "renewal", "primary",
                        T(l, "前のカードの SakaI-D を引き継ぐ", "Keep the SakaI-D of my earlier card"));
        new_card_button(&b, tx, csrf, "first", "secondary", T(l, "初めて使う", "I am new to SakaI-D"));
    } else if (stage == IDP_NEW_CARD_CONFIRM) {
        idp_buf_printf(&b, "<h2>%s</h2><p>%s</p>", T(l, "SakaI-D が見つかりました", "We found your SakaI-D"),
                       T(l, "このカードの氏名・住所・生年月日・性別は、これまでの SakaI-D で確認した情報と同じです。"
                            "このカードをその SakaI-D に追加しますか。追加すると、このカードでこれまでの SakaI-D にログインできます。",
                         "This card's name, address, date of birth and gender are the ones your SakaI-D has verified. "
                         "Add this card to that SakaI-D? Then this card signs you in to it."));
        new_card_button(&b, tx, csrf, "confirm", "primary", T(l, "追加する", "Add the card"));
        new_card_button(&b, tx, csrf, "refuse", "secondary", T(l, "追加せず、新しい SakaI-D で始める", "No: start a new SakaI-D"));
    } else {
        idp_buf_printf(&b, "<h2>%s</h2><p>%s</p>", T(l, "見つかりませんでした", "No SakaI-D matched"),
                       T(l, "このカードの情報と同じ SakaI-D はありませんでした。住所や氏名が変わった場合は引き継げません。"
                            "新しい SakaI-D で始めるか、お住まいの市区町村の窓口でカードの紐付け情報を確認してください。",
                         "No SakaI-D carries this card's details. After a move or a change of name they no longer "
                         "match: start a new SakaI-D, or ask your city office about the link between your cards."));
        new_card_button(&b, tx, csrf, "first", "primary", T(l, "新しい SakaI-D で始める", "Start a new SakaI-D"));
    }
    idp_buf_puts(&b, "</section>");
    page_end(req, resp, &b, 200, nonce, NULL, NULL);
}

void idp_page_reauth(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *lang, bool card)
{
    idp_buf_t b;
    char nonce[32];
    idp_buf_init(&b, PAGE_MAX);
    page_begin(&b, lang, T(lang, "もう一度ログイン", "Sign in again"), nonce);
    idp_buf_printf(&b, "<h1>SakaI-D</h1><section class=\"error\" role=\"alert\" id=\"reauth\"><h2>%s</h2><p>%s</p>",
                   T(lang, "もう一度ログインしてください", "Please sign in again"),
                   card ? T(lang, "ログイン方法を追加したり外したりする前に、安全のため、マイナンバーカードでもう一度ログインしてください"
                                  "(5 分以内のログインが必要です)。",
                            "Before you add or remove a way to sign in, sign in again with your My Number card, for your "
                            "safety (it must be within the last 5 minutes).")
                        : T(lang, "ログイン方法を追加したり外したりする前に、安全のため、もう一度ログインしてください"
                                  "(5 分以内のログインが必要です)。",
                            "Before you add or remove a way to sign in, sign in again, for your safety (it must be within "
                            "the last 5 minutes)."));
    idp_buf_printf(&b, "<a class=\"button primary\" href=\"/account/login\">%s</a>"
                       "<a class=\"button secondary\" href=\"/account\">%s</a>"
                       "<p class=\"note\"><code>login_required</code></p></section>",
                   T(lang, "もう一度ログインする", "Sign in again"), T(lang, "アカウントに戻る", "Back to your account"));
    page_end(req, resp, &b, 403, nonce, NULL, NULL);
}

void idp_page_error(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *lang, int status, const char *error,
                    const char *description)
{
    idp_buf_t b;
    char nonce[32];
    idp_buf_init(&b, PAGE_MAX);
    page_begin(&b, lang, T(lang, "エラー", "Error"), nonce);
    idp_buf_printf(&b, "<h1>SakaI-D</h1><section class=\"error\" role=\"alert\"><h2>%s</h2><p>",
                   T(lang, "ログインを続けられません", "The sign-in cannot continue"));
    idp_html_escape(&b, T(lang, "この要求は受け付けられませんでした。利用中のサービスに戻って、もう一度お試しください。",
                          "This request was refused. Go back to the service you were using and try again."));
    idp_buf_puts(&b, "</p><p class=\"note\"><code>");
    idp_html_escape(&b, error);
    idp_buf_puts(&b, "</code>: ");
    idp_html_escape(&b, description ? description : "");
    idp_buf_puts(&b, "</p></section>");
    page_end(req, resp, &b, status, nonce, NULL, NULL);
}

/* The origin (scheme://host[:port]) of an https/http URL, for the CSP. */
static void origin_of(const char *url, char *out, size_t n)
{
    const char *p = url ? strstr(url, "://") : NULL;
    out[0] = '\0';
    if (p == NULL || (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)))
        return;
    size_t len = (size_t)(p + 3 - url) + strcspn(p + 3, "/?#");
    if (len < n && !memchr(url, ';', len) && !memchr(url, ' ', len) && !memchr(url, '\'', len))
        snprintf(out, n, "%.*s", (int)len, url);
}

void idp_page_store_error(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *lang, idp_err_t e)
{
    bool down = e == IDP_E_UNAVAILABLE;
    idp_page_error(req, resp, lang, down ? 503 : 500, down ? "temporarily_unavailable" : "server_error",
                   down ? "the service is temporarily unavailable" : "internal error");
}

void idp_see_other(idp_oauth_resp_t *resp, const char *location)
{
    resp->status = 303;
    resp->location = location;
    resp->content_type = "text/plain; charset=utf-8";
    resp->body = "";
    resp->body_len = 0;
}

/*
 * CSP form-action sources: a form that posts to us may be answered with a
 * redirect to the relying party or to an upstream provider, and browsers
 * hold redirects after a form submission to form-action too.
 */
static const char *form_sources(idp_oauth_req_t *req, const char *rp_origin, const idp_store_upstream_t *ups, size_t n)
{
    idp_buf_t b;
    idp_buf_init(&b, 16384);
    if (rp_origin)
        idp_buf_puts(&b, rp_origin);
    for (size_t i = 0; i < n; i++) {
        char o[512];
        origin_of(ups[i].issuer, o, sizeof(o));
        if (o[0])
            idp_buf_printf(&b, "%s%s", b.len ? " " : "", o);
    }
    const char *out = b.len && b.data ? idp_arena_strndup(req->arena, b.data, b.len) : NULL;
    idp_buf_free(&b);
    return out;
}

/* OAuth 2.0 Form Post Response Mode §2: an auto-submitting form to the redirect URI. */
void idp_page_form_post(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *action, json_t *fields)
{
    idp_buf_t b;
    char nonce[32];
    idp_buf_init(&b, PAGE_MAX);
    page_begin(&b, "ja", "SakaI-D", nonce);
    idp_buf_puts(&b, "<form method=\"post\" id=\"f\" action=\"");
    idp_html_escape(&b, action);
    idp_buf_puts(&b, "\">");
    const char *k;
    json_t *v;
    json_object_foreach(fields, k, v) {
        idp_buf_puts(&b, "<input type=\"hidden\" name=\"");
        idp_html_escape(&b, k);
        idp_buf_puts(&b, "\" value=\"");
        idp_html_escape(&b, json_string_value(v));
        idp_buf_puts(&b, "\">");
    }
    idp_buf_printf(&b, "<noscript><button type=\"submit\" class=\"primary\">続ける / Continue</button></noscript>"
                       "</form><script nonce=\"%s\">document.getElementById('f').submit();</script>",
                   nonce);
    /* form-action must allow the relying party's origin: the whole action URL's origin. */
    char origin[1024];
    origin_of(action, origin, sizeof(origin));
    page_end(req, resp, &b, 200, nonce, origin[0] ? origin : NULL, NULL);
}


void idp_page_login(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_page_ctx_t *ctx, const char *tx,
                    const char *csrf, const char *challenge_id, const char *link, const char *const *test_cards,
                    const idp_store_upstream_t *upstreams, size_t nupstreams, idp_login_note_t note)
{
    const char *l = ctx->lang;
    idp_buf_t b;
    char nonce[32];
    idp_buf_init(&b, PAGE_MAX);
    page_begin(&b, l, T(l, "ログイン", "Sign in"), nonce);
    idp_buf_puts(&b, "<h1>SakaI-D</h1><p>");
    idp_html_escape(&b, ctx->client_name);
    idp_buf_printf(&b, "%s</p>", T(l, " にログインします。", ": sign in to continue."));
    if (note == IDP_LOGIN_REAUTH)
        idp_buf_printf(&b, "<section class=\"error\" id=\"reauth\" role=\"status\"><p>%s</p></section>",
                       T(l, "このサービスにはマイナンバーカードが必要です。安全のため、カードを SakaI-D に追加する前に、"
                            "いつもの方法でもう一度ログインしてください。続けてカードの読み取りをお願いします。",
                         "This service needs your My Number card. For your safety, sign in again the way you usually "
                         "do before the card is added to your SakaI-D; the card comes next."));
    idp_buf_printf(&b, "<section aria-labelledby=\"card-h\"><h2 id=\"card-h\">%s</h2>",
                   T(l, "マイナンバーカードでログイン", "Sign in with your My Number card"));
    if (note == IDP_LOGIN_SIGN_STEP || note == IDP_LOGIN_RENEWAL)
        idp_buf_printf(&b, "<p class=\"note\" id=\"sign-step\">%s</p>",
                       note == IDP_LOGIN_SIGN_STEP
                           ? T(l, "このサービスは、マイナンバーカードで確認した氏名・住所・生年月日・性別を求めています。"
                                  "アプリでカードの 2 つの電子証明書を読み取ってください（署名用のパスワード 6〜16 文字が必要です）。",
                               "This service asks for your name, address, date of birth and gender as verified by your My "
                               "Number card. Read both certificates of your card with the app (you need the signature "
                               "password, 6 to 16 characters).")
                           : T(l, "以前のカードで使っていた SakaI-D を探します。アプリでこのカードの 2 つの電子証明書を読み取ってください"
                                  "（署名用のパスワード 6〜16 文字が必要です）。",
                               "We look for the SakaI-D you used with your earlier card. Read both certificates of this "
                               "card with the app (you need the signature password, 6 to 16 characters)."));
    if (note == IDP_LOGIN_ADDING_CARD)
        idp_buf_printf(&b, "<p class=\"note\" id=\"adding-card\">%s</p>",
                       T(l, "このサービスにはマイナンバーカードが必要です。カードは、いまログインしている SakaI-D に追加されます。",
                         "This service needs your My Number card. The card will be added to the SakaI-D you are signed in with."));
    if (link) {
        idp_buf_printf(&b, "<p>%s</p><div class=\"qr\">",
                       T(l, "スマートフォンのアプリでこのQRコードを読み取り、カードをかざしてください。",
                         "Scan this QR code with the app on your phone, then hold your card to the phone."));
        idp_qr_svg(&b, link, T(l, "ログイン用QRコード", "QR code for signing in"));
        idp_buf_puts(&b, "</div><p>");
        idp_buf_puts(&b, T(l, "このスマートフォンでログインする場合:", "Signing in on this phone:"));
        idp_buf_puts(&b, "</p><a class=\"button secondary\" id=\"app-link\" href=\"");
        idp_html_escape(&b, link);
        idp_buf_printf(&b, "\">%s</a>", T(l, "アプリで開く", "Open in the app"));
        idp_buf_printf(&b, "<p id=\"status\" role=\"status\" aria-live=\"polite\">%s</p>",
                       T(l, "カードの読み取りを待っています…", "Waiting for your card…"));
    } else {
        idp_buf_printf(&b, "<p role=\"alert\">%s</p>",
                       T(l, "カードでのログインは現在利用できません。", "Card sign-in is not available right now."));
    }
    idp_buf_puts(&b, "<form method=\"post\" action=\"/login/continue\" id=\"continue\">");
    hidden(&b, "tx", tx);
    hidden(&b, "csrf", csrf);
    idp_buf_printf(&b, "<button type=\"submit\" class=\"primary\">%s</button></form>",
                   T(l, "読み取りが終わったら続ける", "Continue after reading the card"));
    if (note == IDP_LOGIN_SIGN_STEP) { /* the way out: go on without the verified information */
        idp_buf_puts(&b, "<form method=\"post\" action=\"/login/sign/skip\" id=\"skip\">");
        hidden(&b, "tx", tx);
        hidden(&b, "csrf", csrf);
        idp_buf_printf(&b, "<button type=\"submit\" class=\"secondary\">%s</button></form>",
                       T(l, "読み取らずに続ける（この情報は提供されません）", "Continue without it (this information is not shared)"));
    } else if (note == IDP_LOGIN_RENEWAL) {
        idp_buf_puts(&b, "<form method=\"post\" action=\"/login/card/new\" id=\"first-time\">");
        hidden(&b, "tx", tx);
        hidden(&b, "csrf", csrf);
        hidden(&b, "answer", "first");
        idp_buf_printf(&b, "<button type=\"submit\" class=\"secondary\">%s</button></form>",
                       T(l, "新しい SakaI-D で始める", "Start a new SakaI-D instead"));
    }
    if (test_cards && link) {
        /* Dev mode on loopback only (the caller checks): sign with a generated test card. */
        idp_buf_printf(&b, "<form method=\"post\" action=\"/login/card/test\" id=\"test-card\"><h2>%s</h2>",
                       T(l, "開発用: テストカード", "Development: test card"));
        hidden(&b, "tx", tx);
        hidden(&b, "csrf", csrf);
        hidden(&b, "challenge_id", challenge_id);
        idp_buf_printf(&b, "<label for=\"card\">%s</label> <select name=\"card\" id=\"card\">",
                       T(l, "カード", "Card"));
        for (const char *const *c = test_cards; *c; c++) {
            idp_buf_puts(&b, "<option>");
            idp_html_escape(&b, *c);
            idp_buf_puts(&b, "</option>");
        }
        idp_buf_printf(&b, "</select><button type=\"submit\" class=\"secondary\">%s</button></form>",
                       T(l, "テストカードで署名", "Sign with test card"));
    }
    idp_buf_puts(&b, "</section>");
    if (nupstreams) {
        idp_buf_printf(&b, "<section aria-labelledby=\"social-h\"><h2 id=\"social-h\">%s</h2>",
                       T(l, "ほかの方法でログイン", "Other ways to sign in"));
        for (size_t i = 0; i < nupstreams; i++) {
            idp_buf_puts(&b, "<form method=\"post\" action=\"/login/social\">");
            hidden(&b, "tx", tx);
            hidden(&b, "csrf", csrf);
            hidden(&b, "upstream", upstreams[i].id);
            idp_buf_printf(&b, "<button type=\"submit\" class=\"secondary\" data-upstream=\"%s\">", upstreams[i].id);
            idp_html_escape(&b, upstreams[i].display_name);
            idp_buf_printf(&b, "%s</button></form>", T(l, " でログイン", ": sign in"));
        }
        idp_buf_printf(&b, "<p class=\"note\">%s</p></section>",
                       T(l, "マイナンバーカードが必要なサービスでは、あとでカードをお願いすることがあります。",
                         "Services that need your My Number card will ask for it later."));
    }
    if (link) {
        /* Polls the challenge; continues when the card signed, reloads for a fresh challenge when it expired. */
        idp_buf_printf(&b,
                       "<script nonce=\"%s\">(function(){var id=\"%s\",s=document.getElementById('status');"
                       "var msg={failed:\"%s\",expired:\"%s\"};"
                       "function tick(){fetch('/login/card/status?challenge_id='+encodeURIComponent(id),"
                       "{credentials:'same-origin'}).then(function(r){return r.json()}).then(function(j){"
                       "if(j.status==='authenticated'){document.getElementById('continue').submit();return}"
                       "if(j.status==='failed'){s.textContent=(j.message||msg.failed);setTimeout(function(){location.reload()},4000);return}"
                       "if(j.status==='expired'){s.textContent=msg.expired;location.reload();return}"
                       "setTimeout(tick,1500)}).catch(function(){setTimeout(tick,3000)})}setTimeout(tick,1500)})();"
                       "</script>",
                       nonce, challenge_id,
                       T(l, "カードを確認できませんでした。もう一度お試しください。", "The card could not be verified. Please try again."),
                       T(l, "時間切れです。新しいQRコードを表示します。", "Timed out. Showing a new QR code."));
    }
    page_end(req, resp, &b, 200, nonce, form_sources(req, ctx->form_origin, upstreams, nupstreams), NULL);
}

void idp_page_consent(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_page_ctx_t *ctx, json_t *meta,
                      const char *tx, const char *csrf, const char *claims, const char *wanted)
{
    const char *l = ctx->lang;
    const char *logo = json_string_value(json_object_get(meta, "logo_uri"));
    const char *purpose = json_string_value(json_object_get(meta, strcmp(l, "en") ? "purpose_ja" : "purpose_en"));
    const char *policy = json_string_value(json_object_get(meta, "policy_uri"));
    bool city = !strcmp(json_string_value(json_object_get(meta, "tier")) ? json_string_value(json_object_get(meta, "tier")) : "", "city");
    idp_buf_t b;
    char nonce[32], logo_origin[512];
    idp_buf_init(&b, PAGE_MAX);
    page_begin(&b, l, T(l, "情報提供の同意", "Consent"), nonce);
    idp_buf_puts(&b, "<h1>SakaI-D</h1><section aria-labelledby=\"consent-h\">");
    origin_of(logo, logo_origin, sizeof(logo_origin));
    if (logo && logo_origin[0]) {
        idp_buf_puts(&b, "<img class=\"logo\" alt=\"\" src=\"");
        idp_html_escape(&b, logo);
        idp_buf_puts(&b, "\">");
    }
    idp_buf_puts(&b, "<h2 id=\"consent-h\">");
    idp_html_escape(&b, ctx->client_name);
    idp_buf_printf(&b, "%s</h2>", T(l, " があなたの情報の提供を求めています", " asks for your information"));
    if (purpose) {
        idp_buf_printf(&b, "<p><strong>%s</strong> ", T(l, "利用目的:", "Purpose:"));
        idp_html_escape(&b, purpose);
        idp_buf_puts(&b, "</p>");
    }
    idp_buf_printf(&b, "<p>%s</p><ul id=\"claims\">",
                   T(l, "同意すると、次の情報が提供されます。", "If you agree, it receives:"));
    for (const idp_claim_def_t *d = idp_claim_defs; d->claim; d++) {
        if (!idp_str_list_has(claims, d->claim) || (d->city_only && !city))
            continue;
        idp_buf_printf(&b, "<li data-claim=\"%s\">%s%s</li>", d->claim, T(l, d->ja, d->en),
                       d->verified ? T(l, "(マイナンバーカードで確認済み)", " (verified with your My Number card)") : "");
    }
    idp_buf_puts(&b, "</ul>");
    /* Asked for, but a social sign-in never carries card-verified attributes: say so, do not promise them. */
    bool withheld = false;
    for (const idp_claim_def_t *d = idp_claim_defs; d->claim; d++) {
        if (!idp_str_list_has(wanted, d->claim) || idp_str_list_has(claims, d->claim) || (d->city_only && !city))
            continue;
        if (!withheld)
            idp_buf_printf(&b, "<p>%s</p><ul id=\"withheld\">",
                           T(l, "次の情報は提供されません。マイナンバーカードでログインしたときだけ提供できます。",
                             "It will not receive the following: they are provided only when you sign in with your "
                             "My Number card."));
        withheld = true;
        idp_buf_printf(&b, "<li data-withheld=\"%s\">%s</li>", d->claim, T(l, d->ja, d->en));
    }
    if (withheld)
        idp_buf_puts(&b, "</ul>");
    if (policy) {
        idp_buf_puts(&b, "<p class=\"note\"><a href=\"");
        idp_html_escape(&b, policy);
        idp_buf_printf(&b, "\" rel=\"noopener\">%s</a></p>", T(l, "プライバシーポリシー", "Privacy policy"));
    }
    idp_buf_puts(&b, "<form method=\"post\" action=\"/consent\">");
    hidden(&b, "tx", tx);
    hidden(&b, "csrf", csrf);
    hidden(&b, "claims", claims);
    idp_buf_printf(&b,
                   "<button type=\"submit\" name=\"decision\" value=\"allow\" class=\"primary\">%s</button>"
                   "<button type=\"submit\" name=\"decision\" value=\"deny\" class=\"secondary\">%s</button></form>"
                   "<p class=\"note\">%s</p></section>",
                   T(l, "同意して続ける", "Allow"), T(l, "同意しない", "Deny"),
                   T(l, "同意はいつでもアカウントページで取り消せます。", "You can withdraw your consent at any time."));
    page_end(req, resp, &b, 200, nonce, ctx->form_origin, logo_origin[0] ? logo_origin : NULL);
}

static void date_of(long long t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%d %H:%M", &tm);
}

static const char *claim_label(const char *lang, const char *claim)
{
    for (const idp_claim_def_t *d = idp_claim_defs; d->claim; d++)
        if (!strcmp(d->claim, claim))
            return T(lang, d->ja, d->en);
    return claim;
}

/* A space-separated claim list in plain words. */
static void claim_words(idp_buf_t *b, const char *lang, const char *claims)
{
    const char *p = claims;
    size_t len;
    int n = 0;
    for (const char *w = idp_str_next_word(&p, &len); len; w = idp_str_next_word(&p, &len), n++) {
        char word[64];
        snprintf(word, sizeof(word), "%.*s", (int)(len < 63 ? len : 63), w);
        idp_buf_puts(b, n ? T(lang, "、", ", ") : "");
        idp_html_escape(b, claim_label(lang, word));
    }
    if (n == 0)
        idp_buf_puts(b, T(lang, "識別番号のみ", "an identifier only"));
}

static void form_begin(idp_buf_t *b, const char *action, const char *csrf)
{
    idp_buf_printf(b, "<form method=\"post\" action=\"%s\">", action);
    hidden(b, "csrf", csrf);
}

void idp_page_account(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_account_view_t *v)
{
    const char *l = v->lang;
    idp_buf_t b;
    char nonce[32], when[32];
    idp_buf_init(&b, PAGE_MAX);
    page_begin(&b, l, T(l, "アカウント", "Account"), nonce);
    idp_buf_puts(&b, "<h1>SakaI-D</h1>");
    if (v->notice) {
        idp_buf_puts(&b, "<section role=\"status\" id=\"notice\"><p>");
        idp_html_escape(&b, v->notice);
        idp_buf_puts(&b, "</p></section>");
    }

    /* ways to sign in */
    idp_buf_printf(&b, "<section aria-labelledby=\"cred-h\"><h2 id=\"cred-h\">%s</h2><ul id=\"credentials\">",
                   T(l, "ログイン方法", "Ways you sign in"));
    for (size_t i = 0; i < v->ncreds; i++) {
        const idp_store_credential_t *c = &v->creds[i];
        bool card = !strcmp(c->kind, "card");
        idp_buf_printf(&b, "<li data-kind=\"%s\">", card ? "card" : "social");
        if (card) {
            date_of(c->expires_at, when);
            bool valid = c->expires_at > (long long)time(NULL);
            idp_buf_printf(&b, "%s <span data-state=\"%s\">(%s, %s %.10s)</span>", T(l, "マイナンバーカード", "My Number card"),
                           valid ? "valid" : "expired",
                           valid ? T(l, "有効", "valid") : T(l, "期限切れ: カードの更新後にもう一度ログインしてください", "expired: sign in again after renewing the card"),
                           T(l, "証明書の有効期限", "certificate valid until"), when);
        } else {
            const char *name = c->upstream_id;
            for (size_t j = 0; j < v->nupstreams; j++)
                if (!strcmp(v->upstreams[j].id, c->upstream_id))
                    name = v->upstreams[j].display_name;
            idp_html_escape(&b, name);
        }
        if (v->ncreds > 1) { /* never the last way to sign in */
            form_begin(&b, "/account/unlink", v->csrf);
            hidden(&b, "kind", card ? "card" : "social");
            hidden(&b, "issuer", c->issuer);
            hidden(&b, "subject", c->subject);
            idp_buf_printf(&b, "<button type=\"submit\" class=\"secondary\">%s</button></form>",
                           T(l, "このログイン方法を外す", "Remove"));
        }
        idp_buf_puts(&b, "</li>");
    }
    idp_buf_puts(&b, "</ul>");
    for (size_t j = 0; j < v->nupstreams; j++) {
        form_begin(&b, "/account/link", v->csrf);
        hidden(&b, "upstream", v->upstreams[j].id);
        idp_buf_printf(&b, "<button type=\"submit\" class=\"secondary\" data-link=\"%s\">", v->upstreams[j].id);
        idp_html_escape(&b, v->upstreams[j].display_name);
        idp_buf_printf(&b, "%s</button></form>", T(l, " を追加", ": add"));
    }
    idp_buf_puts(&b, "</section>");

    /* verified attributes */
    idp_buf_printf(&b, "<section aria-labelledby=\"attr-h\" id=\"verified\"><h2 id=\"attr-h\">%s</h2>",
                   T(l, "確認済みの情報", "Verified information"));
    if (v->attrs) {
        date_of(v->attrs->verified_at, when);
        idp_buf_printf(&b, "<p class=\"note\">%s %s</p><dl>",
                       T(l, "マイナンバーカードの署名用電子証明書で確認:", "Checked with your My Number card's signing certificate on"),
                       when);
        const char *vals[][2] = {{"name", v->attrs->name}, {"birthdate", v->attrs->birth_date},
                                 {"gender", v->attrs->gender}, {"address", v->attrs->address}};
        for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
            if (!vals[i][1])
                continue;
            idp_buf_printf(&b, "<dt>%s</dt><dd>", claim_label(l, vals[i][0]));
            idp_html_escape(&b, vals[i][1]);
            idp_buf_puts(&b, "</dd>");
        }
        idp_buf_puts(&b, "</dl>");
    } else {
        idp_buf_printf(&b, "<p>%s</p>", T(l, "まだありません。", "None yet."));
    }
    idp_buf_puts(&b, "</section>");

    /* household (self-asserted) */
    idp_buf_printf(&b, "<section aria-labelledby=\"hh-h\"><h2 id=\"hh-h\">%s</h2><p class=\"note\">%s</p>",
                   T(l, "世帯の情報(自己申告)", "Household (as you tell us)"),
                   T(l, "ご自身で登録する情報です。確認済みとしては扱われません。",
                     "You register these yourself; they are never marked as verified."));
    form_begin(&b, "/account/household", v->csrf);
    idp_buf_printf(&b, "<label for=\"school_district\">%s</label><input id=\"school_district\" name=\"school_district\" value=\"",
                   T(l, "校区", "School district"));
    idp_html_escape(&b, v->household->school_district);
    idp_buf_printf(&b, "\"><label for=\"area\">%s</label><input id=\"area\" name=\"area\" value=\"", T(l, "地域", "Area"));
    idp_html_escape(&b, v->household->area);
    idp_buf_printf(&b, "\"><label for=\"children\">%s</label><input id=\"children\" name=\"children\" "
                       "placeholder=\"2019-04 2021-11\" value=\"",
                   T(l, "お子さまの生年月(YYYY-MM)", "Children's birth year-months (YYYY-MM)"));
    idp_html_escape(&b, v->household->children);
    idp_buf_printf(&b, "\"><button type=\"submit\" class=\"secondary\" id=\"save-household\">%s</button></form></section>",
                   T(l, "保存", "Save"));

    /* consents */
    idp_buf_printf(&b, "<section aria-labelledby=\"consent-h\"><h2 id=\"consent-h\">%s</h2><ul id=\"consents\">",
                   T(l, "情報を提供しているサービス", "Services you share information with"));
    for (size_t i = 0; i < v->nconsents; i++) {
        const idp_store_consent_t *c = &v->consents[i];
        json_t *meta = v->consent_meta[i];
        const char *name = json_string_value(json_object_get(meta, "client_name"));
        const char *purpose = json_string_value(json_object_get(meta, strcmp(l, "en") ? "purpose_ja" : "purpose_en"));
        idp_buf_puts(&b, "<li data-client=\"");
        idp_html_escape(&b, c->client_id);
        idp_buf_puts(&b, "\"><strong>");
        idp_html_escape(&b, name ? name : c->client_id);
        idp_buf_puts(&b, "</strong>: ");
        claim_words(&b, l, c->claims);
        if (purpose) {
            idp_buf_printf(&b, "<br><span class=\"note\">%s ", T(l, "利用目的:", "Purpose:"));
            idp_html_escape(&b, purpose);
            idp_buf_puts(&b, "</span>");
        }
        form_begin(&b, "/account/consent/revoke", v->csrf);
        hidden(&b, "client_id", c->client_id);
        idp_buf_printf(&b, "<button type=\"submit\" class=\"secondary\">%s</button></form>",
                       T(l, "同意をすべて取り消す", "Withdraw all consent"));
        const char *p = c->claims;
        size_t len;
        for (const char *w = idp_str_next_word(&p, &len); len; w = idp_str_next_word(&p, &len)) {
            char word[64];
            snprintf(word, sizeof(word), "%.*s", (int)(len < 63 ? len : 63), w);
            form_begin(&b, "/account/consent/revoke", v->csrf);
            hidden(&b, "client_id", c->client_id);
            hidden(&b, "claim", word);
            idp_buf_printf(&b, "<button type=\"submit\" class=\"secondary\" data-claim=\"%s\">", word);
            idp_html_escape(&b, claim_label(l, word));
            idp_buf_printf(&b, "%s</button></form>", T(l, " の提供をやめる", ": stop sharing"));
        }
        idp_buf_puts(&b, "</li>");
    }
    if (v->nconsents == 0)
        idp_buf_printf(&b, "<li>%s</li>", T(l, "ありません。", "None."));
    idp_buf_puts(&b, "</ul></section>");

    /* history */
    idp_buf_printf(&b, "<section aria-labelledby=\"hist-h\"><h2 id=\"hist-h\">%s</h2><ul id=\"releases\">",
                   T(l, "提供の履歴", "What was shared, and when"));
    for (size_t i = 0; i < v->nreleases; i++) {
        date_of(v->releases[i].at, when);
        idp_buf_printf(&b, "<li>%s ", when);
        idp_html_escape(&b, v->releases[i].client_id);
        idp_buf_puts(&b, ": ");
        claim_words(&b, l, v->releases[i].claims);
        idp_buf_puts(&b, "</li>");
    }
    idp_buf_puts(&b, "</ul></section>");

    /* sessions */
    idp_buf_printf(&b, "<section aria-labelledby=\"sess-h\"><h2 id=\"sess-h\">%s</h2><ul id=\"sessions\">",
                   T(l, "ログイン中のセッション", "Where you are signed in"));
    for (size_t i = 0; i < v->nsessions; i++) {
        const idp_store_session_t *x = &v->sessions[i];
        bool current = !strcmp(x->sid, v->current_sid);
        date_of(x->auth_time, when);
        idp_buf_printf(&b, "<li data-sid=\"%s\">%s %s%s", x->sid, when,
                       !strcmp(x->acr, ACR_CARD) ? T(l, "(マイナンバーカード)", "(My Number card)")
                                                 : T(l, "(外部アカウント)", "(other account)"),
                       current ? T(l, " ・この端末", " · this device") : "");
        form_begin(&b, "/account/session/end", v->csrf);
        hidden(&b, "sid", x->sid);
        idp_buf_printf(&b, "<button type=\"submit\" class=\"secondary\">%s</button></form></li>", T(l, "ログアウト", "Sign out"));
    }
    idp_buf_puts(&b, "</ul></section>");
    page_end(req, resp, &b, 200, nonce, form_sources(req, NULL, v->upstreams, v->nupstreams), NULL);
}

void idp_page_logout(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *l, json_t *fields)
{
    idp_buf_t b;
    char nonce[32], origin[512] = "";
    idp_buf_init(&b, PAGE_MAX);
    page_begin(&b, l, T(l, "ログアウト", "Sign out"), nonce);
    idp_buf_puts(&b, "<h1>SakaI-D</h1><section>");
    if (fields == NULL) {
        idp_buf_printf(&b, "<p id=\"signed-out\" role=\"status\">%s</p></section>",
                       T(l, "ログアウトしました。", "You are signed out."));
        page_end(req, resp, &b, 200, nonce, NULL, NULL);
        return;
    }
    idp_buf_printf(&b, "<h2>%s</h2><form method=\"post\" action=\"/logout\">",
                   T(l, "SakaI-D からログアウトしますか?", "Sign out of SakaI-D?"));
    const char *k;
    json_t *v;
    json_object_foreach(fields, k, v) hidden(&b, k, json_string_value(v));
    origin_of(json_string_value(json_object_get(fields, "post_logout_redirect_uri")), origin, sizeof(origin));
    idp_buf_printf(&b, "<button type=\"submit\" class=\"primary\" id=\"confirm-logout\">%s</button></form></section>",
                   T(l, "ログアウトする", "Sign out"));
    page_end(req, resp, &b, 200, nonce, origin[0] ? origin : NULL, NULL);
}

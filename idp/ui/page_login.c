/* The login page (card, QR code, social providers) and the new-card page. */
#include <string.h>

#include "ui/page_internal.h"
#include "ui/qr.h"

/* The challenge id goes into a JavaScript string literal: base64url characters only. */
static bool js_safe_id(const char *s)
{
    return s && s[0] && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == strlen(s);
}

/* A form to @p action carrying the transaction and its form token. */
static void tx_form(idp_buf_t *b, const char *action, const char *id, const idp_ui_login_view_t *v)
{
    idp_buf_printf(b, "<form method=\"post\" action=\"%s\"", action);
    if (id)
        idp_buf_printf(b, " id=\"%s\"", id);
    idp_buf_puts(b, ">");
    idp_ui_hidden(b, "tx", v->tx);
    idp_ui_hidden(b, "csrf", v->csrf);
}

/* The numbered steps above the QR code (issue #18 item 2): get the app, scan or open, the PIN, the card. */
static void card_steps(idp_ui_doc_t *d, const idp_ui_login_view_t *v)
{
    idp_buf_t *b = &d->b;
    bool both = v->note == IDP_LOGIN_SIGN_STEP || v->note == IDP_LOGIN_RENEWAL;
    idp_buf_printf(b, "<ol class=\"steps\" id=\"card-steps\" aria-label=\"%s\"><li>%s",
                   MSG(d, IDP_MSG_LOGIN_STEPS_LABEL), MSG(d, IDP_MSG_LOGIN_STEP_INSTALL));
    idp_ui_store_links(d, &v->links);
    idp_buf_printf(b, "</li><li>%s</li><li>%s</li><li>%s</li></ol><p class=\"note\" id=\"pin-lock\">%s</p>",
                   MSG(d, IDP_MSG_LOGIN_STEP_SCAN), MSG(d, both ? IDP_MSG_LOGIN_STEP_PIN_BOTH : IDP_MSG_LOGIN_STEP_PIN),
                   MSG(d, IDP_MSG_LOGIN_STEP_HOLD), MSG(d, IDP_MSG_LOGIN_PIN_LOCK));
}

/*
 * Where a refused card is explained (issue #18 item 6): the page's script
 * fills it and it stays, with the way to try again (a fresh challenge),
 * until the resident acts; role="alert" announces it.
 */
static void card_alert(idp_ui_doc_t *d, const idp_ui_login_view_t *v)
{
    idp_buf_t *b = &d->b;
    idp_buf_puts(b, "<div class=\"alert\" id=\"card-alert\" role=\"alert\" hidden><p id=\"card-alert-text\"></p>");
    idp_buf_t href;
    idp_buf_init(&href, 256);
    idp_buf_printf(&href, "/login?tx=%s", v->tx);
    idp_ui_link_button(d, "primary", "try-again", idp_buf_cstr(&href), MSG(d, IDP_MSG_LOGIN_TRY_AGAIN));
    if (idp_buf_err(&href) != IDP_OK)
        idp_buf_set_error(b, idp_buf_err(&href));
    idp_buf_free(&href);
    idp_buf_puts(b, "</div>");
}

static void card_section(idp_ui_doc_t *d, const idp_ui_login_view_t *v)
{
    idp_buf_t *b = &d->b;
    idp_buf_printf(b, "<section aria-labelledby=\"card-h\"><h2 id=\"card-h\">%s</h2>",
                   MSG(d, IDP_MSG_LOGIN_CARD_HEADING));
    if (v->note == IDP_LOGIN_SIGN_STEP || v->note == IDP_LOGIN_RENEWAL)
        idp_buf_printf(
            b, "<p class=\"note\" id=\"sign-step\">%s</p>",
            MSG(d, v->note == IDP_LOGIN_SIGN_STEP ? IDP_MSG_LOGIN_NOTE_SIGN_STEP : IDP_MSG_LOGIN_NOTE_RENEWAL));
    if (v->note == IDP_LOGIN_ADDING_CARD)
        idp_buf_printf(b, "<p class=\"note\" id=\"adding-card\">%s</p>", MSG(d, IDP_MSG_LOGIN_NOTE_ADDING_CARD));
    if (v->link) {
        card_alert(d, v);
        card_steps(d, v);
        idp_buf_puts(b, "<div id=\"card-read\"><div class=\"qr\">");
        /* A link too long for a QR code leaves the buffer as it was: the page still offers the app link. */
        (void)idp_qr_svg(b, v->link, MSG(d, IDP_MSG_LOGIN_QR_LABEL));
        idp_buf_puts(b, "</div><p>");
        idp_buf_puts(b, MSG(d, IDP_MSG_LOGIN_ON_THIS_PHONE));
        idp_buf_puts(b, "</p>");
        idp_ui_link_button(d, "secondary", "app-link", v->link, MSG(d, IDP_MSG_LOGIN_OPEN_APP));
        idp_buf_printf(b, "<p id=\"status\" role=\"status\" aria-live=\"polite\">%s</p></div>",
                       MSG(d, IDP_MSG_LOGIN_WAITING));
    } else {
        idp_buf_printf(b, "<p role=\"alert\">%s</p>", MSG(d, IDP_MSG_LOGIN_CARD_UNAVAILABLE));
    }
    tx_form(b, "/login/continue", "continue", v);
    idp_buf_printf(b, "<button type=\"submit\" class=\"primary\">%s</button></form>", MSG(d, IDP_MSG_LOGIN_CONTINUE));
    if (v->note == IDP_LOGIN_SIGN_STEP) { /* the way out: go on without the verified information */
        tx_form(b, "/login/sign/skip", "skip", v);
        idp_buf_printf(b, "<button type=\"submit\" class=\"secondary\">%s</button></form>", MSG(d, IDP_MSG_LOGIN_SKIP));
    } else if (v->note == IDP_LOGIN_RENEWAL) {
        tx_form(b, "/login/card/new", "first-time", v);
        idp_ui_hidden(b, "answer", "first");
        idp_buf_printf(b, "<button type=\"submit\" class=\"secondary\">%s</button></form>",
                       MSG(d, IDP_MSG_LOGIN_START_NEW));
    }
    if (v->test_cards && v->link) {
        /* Dev mode on loopback only (the caller decides): sign with a generated test card. */
        idp_buf_printf(b, "<form method=\"post\" action=\"/login/card/test\" id=\"test-card\"><h2>%s</h2>",
                       MSG(d, IDP_MSG_LOGIN_TEST_HEADING));
        idp_ui_hidden(b, "tx", v->tx);
        idp_ui_hidden(b, "csrf", v->csrf);
        idp_ui_hidden(b, "challenge_id", v->challenge_id);
        idp_buf_printf(b, "<label for=\"card\">%s</label> <select name=\"card\" id=\"card\">",
                       MSG(d, IDP_MSG_LOGIN_TEST_CARD));
        for (const char *const *c = v->test_cards; *c; c++) {
            idp_buf_puts(b, "<option>");
            idp_html_escape(b, *c);
            idp_buf_puts(b, "</option>");
        }
        idp_buf_printf(b, "</select><button type=\"submit\" class=\"secondary\">%s</button></form>",
                       MSG(d, IDP_MSG_LOGIN_TEST_SIGN));
    }
    idp_ui_help_link(d, &v->links);
    idp_buf_puts(b, "</section>");
}

/* How many of the upstreams are (@p card) or are not card channels. */
static size_t count_upstreams(const idp_ui_login_view_t *v, bool card)
{
    size_t n = 0;
    for (size_t i = 0; i < v->nupstreams; i++)
        n += v->upstreams[i].card_channel == card;
    return n;
}

/* One button per upstream of the kind @p card; the upstream's leg begins at /login/social for both kinds. */
static void upstream_buttons(idp_ui_doc_t *d, const idp_ui_login_view_t *v, bool card)
{
    idp_buf_t *b = &d->b;
    for (size_t i = 0; i < v->nupstreams; i++) {
        if (v->upstreams[i].card_channel != card)
            continue;
        tx_form(b, "/login/social", NULL, v);
        idp_ui_hidden(b, "upstream", v->upstreams[i].id);
        idp_buf_puts(b, "<button type=\"submit\" class=\"secondary\" data-upstream=\"");
        idp_html_escape(b, v->upstreams[i].id);
        idp_buf_puts(b, "\">");
        idp_html_escape(b, v->upstreams[i].display_name);
        idp_buf_printf(b, "%s</button></form>", MSG(d, IDP_MSG_LOGIN_WITH_UPSTREAM));
    }
}

/* The card channels (the Digital Agency's app): the card, through an app the resident may already have. */
static void card_app_section(idp_ui_doc_t *d, const idp_ui_login_view_t *v)
{
    if (count_upstreams(v, true) == 0)
        return;
    idp_buf_t *b = &d->b;
    idp_buf_printf(b, "<section id=\"card-app\" aria-labelledby=\"card-app-h\"><h2 id=\"card-app-h\">%s</h2>",
                   MSG(d, IDP_MSG_LOGIN_CARD_APP_HEADING));
    idp_buf_printf(b, "<ol class=\"steps\" id=\"card-app-steps\" aria-label=\"%s\"><li>%s",
                   MSG(d, IDP_MSG_LOGIN_STEPS_LABEL), MSG(d, IDP_MSG_LOGIN_DAA_STEP_INSTALL));
    if (v->links.digital_auth_app_url) {
        idp_buf_puts(b, " <a id=\"daa-get\" href=\"");
        idp_html_escape(b, v->links.digital_auth_app_url);
        idp_buf_printf(b, "\">%s</a>", MSG(d, IDP_MSG_LOGIN_DAA_GET));
    }
    idp_buf_printf(b, "</li><li>%s</li><li>%s</li><li>%s</li></ol>", MSG(d, IDP_MSG_LOGIN_DAA_STEP_TAP),
                   MSG(d, IDP_MSG_LOGIN_STEP_PIN), MSG(d, IDP_MSG_LOGIN_STEP_HOLD));
    upstream_buttons(d, v, true);
    idp_buf_printf(b, "<p class=\"note\">%s</p></section>", MSG(d, IDP_MSG_LOGIN_PIN_LOCK));
}

static void social_section(idp_ui_doc_t *d, const idp_ui_login_view_t *v)
{
    if (count_upstreams(v, false) == 0)
        return;
    idp_buf_printf(&d->b, "<section aria-labelledby=\"social-h\"><h2 id=\"social-h\">%s</h2>",
                   MSG(d, IDP_MSG_LOGIN_OTHER_HEADING));
    upstream_buttons(d, v, false);
    idp_buf_printf(&d->b, "<p class=\"note\">%s</p></section>", MSG(d, IDP_MSG_LOGIN_OTHER_NOTE));
}

/* Polls the challenge; continues when the card signed; a refusal stays on the page (card_alert); reloads for a
 * fresh challenge when it expired. Each change is said in a live region first (#status, role="status"; the
 * alert, role="alert"), so that a screen reader announces it (issue #18 item 10). */
static void poll_script(idp_ui_doc_t *d, const idp_ui_login_view_t *v)
{
    if (!js_safe_id(v->challenge_id)) {
        idp_buf_set_error(&d->b, IDP_E_SERVER_ERROR);
        return;
    }
    idp_buf_printf(
        &d->b,
        "<script nonce=\"%s\">(function(){var id=\"%s\",s=document.getElementById('status');"
        "var msg={failed:\"%s\",expired:\"%s\",done:\"%s\"};"
        "function tick(){fetch('/login/card/status?challenge_id='+encodeURIComponent(id)+'&ui_locales=%s',"
        "{credentials:'same-origin'}).then(function(r){return r.json()}).then(function(j){"
        "if(j.status==='authenticated'){s.textContent=msg.done;document.getElementById('continue').submit();return}"
        "if(j.status==='failed'){var a=document.getElementById('card-alert');"
        "document.getElementById('card-alert-text').textContent=(j.message||msg.failed);"
        "document.getElementById('card-read').hidden=true;a.hidden=false;"
        "document.getElementById('try-again').focus();return}"
        "if(j.status==='expired'){s.textContent=msg.expired;location.reload();return}"
        "setTimeout(tick,1500)}).catch(function(){setTimeout(tick,3000)})}setTimeout(tick,1500)})();"
        "</script>",
        d->nonce, v->challenge_id, MSG(d, IDP_MSG_LOGIN_JS_FAILED), MSG(d, IDP_MSG_LOGIN_JS_EXPIRED),
        MSG(d, IDP_MSG_LOGIN_JS_DONE), !strcmp(d->lang ? d->lang : "", "en") ? "en" : "ja");
}

idp_err_t idp_ui_render_login(const idp_ui_login_view_t *v, idp_ui_page_t *out)
{
    idp_ui_doc_t d;
    idp_ui_doc_begin(&d, v->lang, idp_msg_get(IDP_MSG_LOGIN_TITLE, v->lang));
    idp_buf_puts(&d.b, "<h1>" IDP_UI_BRAND "</h1><p>");
    idp_html_escape(&d.b, v->client_name);
    idp_buf_printf(&d.b, "%s</p>", MSG(&d, IDP_MSG_LOGIN_TO_CLIENT));
    if (v->note == IDP_LOGIN_REAUTH)
        idp_buf_printf(&d.b, "<section class=\"error\" id=\"reauth\" role=\"status\"><p>%s</p></section>",
                       MSG(&d, IDP_MSG_LOGIN_NOTE_REAUTH));
    card_section(&d, v);
    card_app_section(&d, v);
    social_section(&d, v);
    if (v->link)
        poll_script(&d, v);
    idp_buf_t sources;
    idp_buf_init(&sources, 16384);
    idp_ui_form_sources(&sources, v->rp_origin, v->upstreams, v->nupstreams);
    if (idp_buf_err(&sources) != IDP_OK)
        idp_buf_set_error(&d.b, idp_buf_err(&sources));
    idp_err_t ret = idp_ui_doc_end(&d, 200, sources.len ? idp_buf_cstr(&sources) : NULL, NULL, out);
    idp_buf_free(&sources);
    return ret;
}

/* One button of a form to /login/card/new with @p answer. */
static void new_card_button(idp_ui_doc_t *d, const idp_ui_new_card_view_t *v, const char *answer, const char *cls,
                            idp_msg_id_t label)
{
    idp_buf_printf(&d->b, "<form method=\"post\" action=\"/login/card/new\" data-answer=\"%s\">", answer);
    idp_ui_hidden(&d->b, "tx", v->tx);
    idp_ui_hidden(&d->b, "csrf", v->csrf);
    idp_ui_hidden(&d->b, "answer", answer);
    idp_buf_printf(&d->b, "<button type=\"submit\" class=\"%s\">", cls);
    idp_html_escape(&d->b, MSG(d, label));
    idp_buf_puts(&d->b, "</button></form>");
}

idp_err_t idp_ui_render_new_card(const idp_ui_new_card_view_t *v, idp_ui_page_t *out)
{
    idp_ui_doc_t d;
    idp_ui_doc_begin(&d, v->lang, idp_msg_get(IDP_MSG_NEW_CARD_TITLE, v->lang));
    idp_buf_printf(&d.b, "<h1>" IDP_UI_BRAND "</h1><section id=\"new-card\" data-stage=\"%s\">",
                   v->stage == IDP_NEW_CARD_ASK       ? "ask"
                   : v->stage == IDP_NEW_CARD_CONFIRM ? "confirm"
                                                      : "no-match");
    if (v->stage == IDP_NEW_CARD_ASK) {
        idp_buf_printf(&d.b, "<h2>%s</h2><p>%s</p>", MSG(&d, IDP_MSG_NEW_CARD_ASK_HEADING),
                       MSG(&d, IDP_MSG_NEW_CARD_ASK_TEXT));
        new_card_button(&d, v, "renewal", "primary", IDP_MSG_NEW_CARD_ASK_RENEWAL);
        new_card_button(&d, v, "first", "secondary", IDP_MSG_NEW_CARD_ASK_FIRST);
    } else if (v->stage == IDP_NEW_CARD_CONFIRM) {
        idp_buf_printf(&d.b, "<h2>%s</h2><p>%s</p>", MSG(&d, IDP_MSG_NEW_CARD_CONFIRM_HEADING),
                       MSG(&d, IDP_MSG_NEW_CARD_CONFIRM_TEXT));
        new_card_button(&d, v, "confirm", "primary", IDP_MSG_NEW_CARD_CONFIRM_YES);
        new_card_button(&d, v, "refuse", "secondary", IDP_MSG_NEW_CARD_CONFIRM_NO);
    } else {
        idp_buf_printf(&d.b, "<h2>%s</h2><p>%s</p>", MSG(&d, IDP_MSG_NEW_CARD_NO_MATCH_HEADING),
                       MSG(&d, IDP_MSG_NEW_CARD_NO_MATCH_TEXT));
        new_card_button(&d, v, "first", "primary", IDP_MSG_NEW_CARD_NO_MATCH_START);
    }
    idp_buf_puts(&d.b, "</section>");
    return idp_ui_doc_end(&d, 200, NULL, NULL, out);
}

/* The short pages: an error, sign in again, the form_post response, logout. */
#include "ui/page_internal.h"

idp_err_t idp_ui_render_error(const idp_ui_error_view_t *v, idp_ui_page_t *out)
{
    static const struct {
        const char *name;
        idp_msg_id_t heading, text, button;
        const char *to; /* the button's target when there is no back_url */
    } situations[] = {
        [IDP_ERROR_SIGN_IN] = {"sign-in", IDP_MSG_ERROR_HEADING, IDP_MSG_ERROR_TEXT, IDP_MSG_ERROR_TO_ACCOUNT,
                               "/account"},
        [IDP_ERROR_ACCOUNT] = {"account", IDP_MSG_ERROR_ACCOUNT_HEADING, IDP_MSG_ERROR_ACCOUNT_TEXT,
                               IDP_MSG_ERROR_BACK_TO_ACCOUNT, "/account"},
        [IDP_ERROR_HOUSEHOLD] = {"household", IDP_MSG_ERROR_HOUSEHOLD_HEADING, IDP_MSG_ERROR_HOUSEHOLD_TEXT,
                                 IDP_MSG_ERROR_BACK_TO_ACCOUNT, "/account"},
        [IDP_ERROR_LOGOUT] = {"logout", IDP_MSG_ERROR_LOGOUT_HEADING, IDP_MSG_ERROR_LOGOUT_TEXT,
                              IDP_MSG_ERROR_TO_ACCOUNT, "/account"},
        [IDP_ERROR_UNAVAILABLE] = {"unavailable", IDP_MSG_ERROR_UNAVAILABLE_HEADING, IDP_MSG_ERROR_UNAVAILABLE_TEXT,
                                   IDP_MSG_ERROR_TO_ACCOUNT, "/account"},
        [IDP_ERROR_CONSOLE] = {"console", IDP_MSG_ERROR_CONSOLE_HEADING, IDP_MSG_ERROR_CONSOLE_TEXT,
                               IDP_MSG_ERROR_BACK_TO_CONSOLE, "/admin"},
        [IDP_ERROR_PARTNER] = {"partner", IDP_MSG_ERROR_CONSOLE_HEADING, IDP_MSG_ERROR_CONSOLE_TEXT,
                               IDP_MSG_ERROR_BACK_TO_PARTNER, "/partner"},
    };
    unsigned s = (unsigned)v->situation < sizeof(situations) / sizeof(situations[0]) ? (unsigned)v->situation : 0;
    bool back = v->back_url && (s == IDP_ERROR_SIGN_IN || s == IDP_ERROR_UNAVAILABLE || s == IDP_ERROR_LOGOUT);
    idp_ui_doc_t d;
    idp_ui_doc_begin(&d, v->lang, idp_msg_get(IDP_MSG_ERROR_TITLE, v->lang));
    idp_buf_printf(&d.b,
                   "<h1>" IDP_UI_BRAND
                   "</h1><section class=\"error\" role=\"alert\" id=\"error\" data-situation=\"%s\">"
                   "<h2>%s</h2>",
                   situations[s].name, MSG(&d, situations[s].heading));
    if (v->for_resident && v->description) { /* what happened, in the resident's words */
        idp_buf_puts(&d.b, "<p id=\"what\">");
        idp_html_escape(&d.b, v->description);
        idp_buf_puts(&d.b, "</p>");
    }
    idp_buf_printf(&d.b, "<p id=\"todo\">%s</p>", MSG(&d, situations[s].text));
    idp_ui_link_button(&d, "primary", "error-action", back ? v->back_url : situations[s].to,
                       MSG(&d, back ? IDP_MSG_ERROR_BACK_TO_SERVICE : situations[s].button));
    idp_buf_printf(&d.b, "<p class=\"note\" id=\"error-code\">%s <code>", MSG(&d, IDP_MSG_ERROR_CODE));
    idp_html_escape(&d.b, v->error);
    idp_buf_puts(&d.b, "</code>");
    if (v->description && !v->for_resident) { /* the protocol's detail, for the help desk */
        idp_buf_puts(&d.b, " ");
        idp_html_escape(&d.b, v->description);
    }
    idp_buf_puts(&d.b, "</p></section>");
    return idp_ui_doc_end(&d, v->status, NULL, NULL, out);
}

idp_err_t idp_ui_render_reauth(const idp_ui_reauth_view_t *v, idp_ui_page_t *out)
{
    idp_ui_doc_t d;
    idp_ui_doc_begin(&d, v->lang, idp_msg_get(IDP_MSG_REAUTH_TITLE, v->lang));
    idp_buf_printf(
        &d.b, "<h1>" IDP_UI_BRAND "</h1><section class=\"error\" role=\"alert\" id=\"reauth\"><h2>%s</h2><p>%s</p>",
        MSG(&d, IDP_MSG_REAUTH_HEADING), MSG(&d, v->card ? IDP_MSG_REAUTH_TEXT_CARD : IDP_MSG_REAUTH_TEXT));
    idp_buf_printf(&d.b,
                   "<a class=\"button primary\" href=\"/account/login\">%s</a>"
                   "<a class=\"button secondary\" href=\"/account\">%s</a>"
                   "<p class=\"note\"><code>login_required</code></p></section>",
                   MSG(&d, IDP_MSG_REAUTH_BUTTON), MSG(&d, IDP_MSG_REAUTH_BACK));
    return idp_ui_doc_end(&d, 403, NULL, NULL, out);
}

idp_err_t idp_ui_render_form_post(const idp_ui_form_post_view_t *v, idp_ui_page_t *out)
{
    idp_ui_doc_t d;
    char origin[1024];
    idp_ui_doc_begin(&d, v->lang, "SakaI-D");
    idp_buf_puts(&d.b, "<form method=\"post\" id=\"f\" action=\"");
    idp_html_escape(&d.b, v->action);
    idp_buf_puts(&d.b, "\">");
    for (size_t i = 0; i < v->nfields; i++)
        idp_ui_hidden(&d.b, v->fields[i].name, v->fields[i].value);
    idp_buf_printf(&d.b,
                   "<noscript><button type=\"submit\" class=\"primary\">%s</button></noscript>"
                   "</form><script nonce=\"%s\">document.getElementById('f').submit();</script>",
                   MSG(&d, IDP_MSG_FORM_POST_CONTINUE), d.nonce);
    /* form-action must allow the relying party's origin: the whole action URL's origin. */
    idp_ui_origin(v->action, origin, sizeof(origin));
    return idp_ui_doc_end(&d, 200, origin[0] ? origin : NULL, NULL, out);
}

idp_err_t idp_ui_render_logout(const idp_ui_logout_view_t *v, idp_ui_page_t *out)
{
    idp_ui_doc_t d;
    char origin[512];
    idp_ui_doc_begin(&d, v->lang, idp_msg_get(IDP_MSG_LOGOUT_TITLE, v->lang));
    idp_buf_puts(&d.b, "<h1>" IDP_UI_BRAND "</h1><section>");
    if (!v->confirm) {
        idp_buf_printf(&d.b, "<p id=\"signed-out\" role=\"status\">%s</p></section>", MSG(&d, IDP_MSG_LOGOUT_DONE));
        return idp_ui_doc_end(&d, 200, NULL, NULL, out);
    }
    idp_buf_printf(&d.b, "<h2>%s</h2><form method=\"post\" action=\"/logout\">", MSG(&d, IDP_MSG_LOGOUT_ASK));
    for (size_t i = 0; i < v->nfields; i++)
        idp_ui_hidden(&d.b, v->fields[i].name, v->fields[i].value);
    idp_ui_origin(v->redirect_uri, origin, sizeof(origin));
    idp_buf_printf(&d.b, "<button type=\"submit\" class=\"primary\" id=\"confirm-logout\">%s</button></form></section>",
                   MSG(&d, IDP_MSG_LOGOUT_BUTTON));
    return idp_ui_doc_end(&d, 200, origin[0] ? origin : NULL, NULL, out);
}

/*
 * The pages around the card app (issue #18 item 1): the page a phone opens
 * in its browser when the app's link (/login/card/app) finds no SakaI-D app
 * to hand it to, and "when it does not work" (/help/card).
 */
#include "ui/page_internal.h"

/* The way back: a button to @p back_url, or the text that says the sign-in has ended. */
static void back(idp_ui_doc_t *d, const char *back_url, idp_msg_id_t without)
{
    if (back_url)
        idp_ui_link_button(d, "primary", "back", back_url, MSG(d, IDP_MSG_APP_BACK));
    else
        idp_buf_printf(&d->b, "<p id=\"no-login\">%s</p>", MSG(d, without));
}

idp_err_t idp_ui_render_card_app(const idp_ui_app_page_view_t *v, idp_ui_page_t *out)
{
    idp_ui_doc_t d;
    idp_ui_doc_begin(&d, v->lang, idp_msg_get(IDP_MSG_APP_TITLE, v->lang));
    idp_buf_printf(&d.b,
                   "<h1>" IDP_UI_BRAND
                   "</h1><section id=\"card-app-page\" aria-labelledby=\"app-h\"><h2 id=\"app-h\">%s</h2><p>%s</p>",
                   MSG(&d, IDP_MSG_APP_HEADING), MSG(&d, IDP_MSG_APP_TEXT));
    idp_ui_store_links(&d, &v->links);
    idp_buf_printf(&d.b, "<p>%s</p>", MSG(&d, IDP_MSG_APP_AFTER));
    back(&d, v->back_url, IDP_MSG_APP_NO_LOGIN);
    idp_ui_help_link(&d, &v->links);
    idp_buf_puts(&d.b, "</section>");
    return idp_ui_doc_end(&d, 200, NULL, NULL, out);
}

idp_err_t idp_ui_render_help(const idp_ui_app_page_view_t *v, idp_ui_page_t *out)
{
    static const idp_msg_id_t qa[][2] = {{IDP_MSG_HELP_NO_APP_Q, IDP_MSG_HELP_NO_APP_A},
                                         {IDP_MSG_HELP_PIN_Q, IDP_MSG_HELP_PIN_A},
                                         {IDP_MSG_HELP_READ_Q, IDP_MSG_HELP_READ_A},
                                         {IDP_MSG_HELP_REFUSED_Q, IDP_MSG_HELP_REFUSED_A},
                                         {IDP_MSG_HELP_DAA_Q, IDP_MSG_HELP_DAA_A}};
    idp_ui_doc_t d;
    idp_ui_doc_begin(&d, v->lang, idp_msg_get(IDP_MSG_HELP_TITLE, v->lang));
    idp_buf_printf(&d.b,
                   "<h1>" IDP_UI_BRAND "</h1><section id=\"help\" aria-labelledby=\"help-h\"><h2 id=\"help-h\">%s</h2>",
                   MSG(&d, IDP_MSG_HELP_TITLE));
    for (size_t i = 0; i < sizeof(qa) / sizeof(qa[0]); i++) {
        idp_buf_printf(&d.b, "<h3>%s</h3><p>%s</p>", MSG(&d, qa[i][0]), MSG(&d, qa[i][1]));
        if (qa[i][0] == IDP_MSG_HELP_NO_APP_Q)
            idp_ui_store_links(&d, &v->links);
        if (qa[i][0] == IDP_MSG_HELP_DAA_Q && v->links.digital_auth_app_url)
            idp_ui_link_button(&d, "secondary", "daa-get", v->links.digital_auth_app_url,
                               MSG(&d, IDP_MSG_LOGIN_DAA_GET));
    }
    back(&d, v->back_url, IDP_MSG_HELP_BACK_NOTE);
    idp_buf_puts(&d.b, "</section>");
    return idp_ui_doc_end(&d, 200, NULL, NULL, out);
}

/* One answer of the link offer: a form to /login/card/app-link with @p answer. */
static void offer_button(idp_ui_doc_t *d, const idp_ui_app_link_view_t *v, const char *answer, const char *cls,
                         idp_msg_id_t label)
{
    idp_buf_printf(&d->b, "<form method=\"post\" action=\"/login/card/app-link\" data-answer=\"%s\">", answer);
    idp_ui_hidden(&d->b, "tx", v->tx);
    idp_ui_hidden(&d->b, "csrf", v->csrf);
    idp_ui_hidden(&d->b, "offer", v->offer);
    idp_ui_hidden(&d->b, "answer", answer);
    idp_buf_printf(&d->b, "<button type=\"submit\" class=\"%s\">%s</button></form>", cls, MSG(d, label));
}

idp_err_t idp_ui_render_app_link(const idp_ui_app_link_view_t *v, idp_ui_page_t *out)
{
    idp_ui_doc_t d;
    idp_ui_doc_begin(&d, v->lang, idp_msg_get(IDP_MSG_APP_LINK_TITLE, v->lang));
    idp_buf_printf(&d.b,
                   "<h1>" IDP_UI_BRAND "</h1><section id=\"app-link-offer\" aria-labelledby=\"offer-h\"><h2 "
                   "id=\"offer-h\">%s</h2><p class=\"note\">",
                   MSG(&d, IDP_MSG_APP_LINK_TITLE));
    idp_html_escape(&d.b, v->upstream_name);
    idp_buf_printf(&d.b, "</p><p>%s</p>", MSG(&d, IDP_MSG_APP_LINK_TEXT));
    offer_button(&d, v, "link", "primary", IDP_MSG_APP_LINK_YES);
    offer_button(&d, v, "new", "secondary", IDP_MSG_APP_LINK_NO);
    idp_buf_printf(&d.b, "<p class=\"note\">%s</p></section>", MSG(&d, IDP_MSG_APP_LINK_NOTE));
    return idp_ui_doc_end(&d, 200, NULL, NULL, out);
}

/* The consent page: who asks, for what, what it will not get, allow or deny. */
#include <string.h>

#include "ui/page_internal.h"
#include "ui/qr.h"

/* One application (RFC 9396 sakai_application): which procedure, what is read, what is signed, in plain words. */
static void application(idp_ui_doc_t *d, const idp_ui_application_t *a, bool public_subject)
{
    idp_buf_printf(&d->b, "<section class=\"application\" data-application=\"");
    idp_html_escape(&d->b, a->identifier);
    idp_buf_printf(&d->b, "\"><h3>%s</h3><dl><dt>%s</dt><dd class=\"procedure\">", MSG(d, IDP_MSG_CONSENT_APP_HEADING),
                   MSG(d, IDP_MSG_CONSENT_APP_PROCEDURE));
    idp_html_escape(&d->b, a->procedure_name);
    idp_buf_puts(&d->b, " (");
    idp_html_escape(&d->b, a->procedure_code);
    idp_buf_printf(&d->b, ")</dd><dt>%s</dt><dd class=\"application-id\">", MSG(d, IDP_MSG_CONSENT_APP_ID));
    idp_html_escape(&d->b, a->identifier);
    idp_buf_puts(&d->b, "</dd>");
    if (a->nreads) {
        idp_buf_printf(&d->b, "<dt>%s</dt><dd><ul class=\"reads\">", MSG(d, IDP_MSG_CONSENT_APP_READS));
        for (size_t i = 0; i < a->nreads; i++) {
            idp_buf_puts(&d->b, "<li data-reads=\"");
            idp_html_escape(&d->b, a->reads[i]);
            idp_buf_puts(&d->b, "\">");
            idp_ui_claim_label(d, a->reads[i], public_subject);
            idp_buf_puts(&d->b, "</li>");
        }
        idp_buf_puts(&d->b, "</ul></dd>");
    }
    if (a->digest) {
        idp_buf_printf(&d->b, "<dt>%s</dt><dd class=\"signs\">%s <code class=\"digest\">",
                       MSG(d, IDP_MSG_CONSENT_APP_SIGNS), MSG(d, IDP_MSG_CONSENT_APP_SIGNS_NOTE));
        idp_html_escape(&d->b, a->digest);
        idp_buf_puts(&d->b, "</code></dd>");
    }
    if (a->digest && a->signed_) {
        idp_buf_printf(&d->b, "<dd id=\"app-signed\" role=\"status\">%s</dd>", MSG(d, IDP_MSG_CONSENT_APP_SIGNED));
    } else if (a->digest && a->sign_link && a->sign_upstream) { /* the Digital Agency's app signs (issue #17) */
        idp_buf_printf(&d->b, "<dd><p>%s</p>", MSG(d, IDP_MSG_CONSENT_APP_SIGN_UPSTREAM_HOW));
        idp_ui_link_button(d, "secondary", "app-sign-upstream", a->sign_link,
                           MSG(d, IDP_MSG_CONSENT_APP_SIGN_UPSTREAM));
        idp_buf_puts(&d->b, "</dd>");
    } else if (a->digest && a->sign_link) { /* the card signs on the phone: this page's QR code, or the app link */
        idp_buf_printf(&d->b, "<dd><p>%s</p><div class=\"qr\">", MSG(d, IDP_MSG_CONSENT_APP_SIGN_HOW));
        (void)idp_qr_svg(&d->b, a->sign_link, MSG(d, IDP_MSG_LOGIN_QR_LABEL)); /* too long: the link alone */
        idp_buf_puts(&d->b, "</div>");
        idp_ui_link_button(d, "secondary", "app-link", a->sign_link, MSG(d, IDP_MSG_LOGIN_OPEN_APP));
        idp_buf_puts(&d->b, "</dd>");
    }
    idp_buf_printf(&d->b, "</dl><p class=\"note\">%s</p></section>", MSG(d, IDP_MSG_CONSENT_APP_ONCE));
}

idp_err_t idp_ui_render_consent(const idp_ui_consent_view_t *v, idp_ui_page_t *out)
{
    idp_ui_doc_t d;
    char logo_origin[512];
    const char *purpose = idp_msg_lang_en(v->lang) ? v->purpose_en : v->purpose_ja;
    idp_ui_doc_begin(&d, v->lang, idp_msg_get(IDP_MSG_CONSENT_TITLE, v->lang));
    idp_buf_puts(&d.b, "<h1>" IDP_UI_BRAND "</h1><section aria-labelledby=\"consent-h\">");
    idp_ui_origin(v->logo_uri, logo_origin, sizeof(logo_origin));
    if (v->logo_uri && logo_origin[0]) {
        idp_buf_puts(&d.b, "<img class=\"logo\" alt=\"\" src=\"");
        idp_html_escape(&d.b, v->logo_uri);
        idp_buf_puts(&d.b, "\">");
    }
    idp_buf_puts(&d.b, "<h2 id=\"consent-h\">");
    idp_html_escape(&d.b, v->client_name);
    idp_buf_printf(&d.b, "%s</h2>", MSG(&d, IDP_MSG_CONSENT_ASKS));
    if (purpose) {
        idp_buf_printf(&d.b, "<p><strong>%s</strong> ", MSG(&d, IDP_MSG_PURPOSE));
        idp_html_escape(&d.b, purpose);
        idp_buf_puts(&d.b, "</p>");
    }
    for (size_t i = 0; i < v->napplications; i++)
        application(&d, &v->applications[i], v->public_subject);
    idp_buf_printf(&d.b, "<p>%s</p><ul id=\"claims\">", MSG(&d, IDP_MSG_CONSENT_RECEIVES));
    for (size_t i = 0; i < v->nreleased; i++) {
        idp_buf_puts(&d.b, "<li data-claim=\"");
        idp_html_escape(&d.b, v->released[i].claim);
        idp_buf_puts(&d.b, "\">");
        idp_ui_claim_label(&d, v->released[i].claim, v->public_subject);
        idp_buf_printf(&d.b, "%s</li>", v->released[i].verified ? MSG(&d, IDP_MSG_CONSENT_VERIFIED) : "");
    }
    idp_buf_puts(&d.b, "</ul>");
    /* Asked for, but not provided: said so, not promised, with why (issue #18 item 3). A social sign-in never
     * carries card-verified attributes; a card sign-in carries them once the signing certificate was read. */
    if (v->nwithheld)
        idp_buf_printf(&d.b, "<p id=\"withheld-why\">%s</p><ul id=\"withheld\">",
                       MSG(&d, v->card_session ? IDP_MSG_CONSENT_WITHHELD_UNSIGNED : IDP_MSG_CONSENT_WITHHELD));
    for (size_t i = 0; i < v->nwithheld; i++) {
        idp_buf_puts(&d.b, "<li data-withheld=\"");
        idp_html_escape(&d.b, v->withheld[i]);
        idp_buf_puts(&d.b, "\">");
        idp_ui_claim_label(&d, v->withheld[i], v->public_subject);
        idp_buf_puts(&d.b, "</li>");
    }
    if (v->nwithheld)
        idp_buf_puts(&d.b, "</ul>");
    /* A link, only to an http(s) URL: escaping does not make "javascript:" safe (ui/html.h). */
    if (v->policy_uri && (!strncmp(v->policy_uri, "https://", 8) || !strncmp(v->policy_uri, "http://", 7))) {
        idp_buf_puts(&d.b, "<p class=\"note\"><a href=\"");
        idp_html_escape(&d.b, v->policy_uri);
        idp_buf_printf(&d.b, "\" rel=\"noopener\">%s</a></p>", MSG(&d, IDP_MSG_CONSENT_PRIVACY_POLICY));
    }
    idp_buf_puts(&d.b, "<form method=\"post\" action=\"/consent\">");
    idp_ui_hidden(&d.b, "tx", v->tx);
    idp_ui_hidden(&d.b, "csrf", v->csrf);
    idp_ui_hidden(&d.b, "claims", v->claims);
    idp_buf_printf(&d.b,
                   "<button type=\"submit\" name=\"decision\" value=\"allow\" class=\"primary\">%s</button>"
                   "<button type=\"submit\" name=\"decision\" value=\"deny\" class=\"secondary\">%s</button></form>"
                   "<p class=\"note\">%s</p></section>",
                   MSG(&d, IDP_MSG_CONSENT_ALLOW), MSG(&d, IDP_MSG_CONSENT_DENY),
                   MSG(&d, IDP_MSG_CONSENT_WITHDRAW_NOTE));
    idp_buf_t sources;
    idp_buf_init(&sources, 16384);
    idp_ui_form_sources(&sources, v->rp_origin, NULL, 0);
    if (idp_buf_err(&sources) != IDP_OK)
        idp_buf_set_error(&d.b, idp_buf_err(&sources));
    idp_err_t ret =
        idp_ui_doc_end(&d, 200, sources.len ? idp_buf_cstr(&sources) : NULL, logo_origin[0] ? logo_origin : NULL, out);
    idp_buf_free(&sources);
    return ret;
}

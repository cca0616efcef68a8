/*
 * What every page shares: the document head with the inline style under a
 * per-page CSP nonce, the Content-Security-Policy that names it, hidden
 * fields, and origins for the CSP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rand.h"
#include "ui/page_internal.h"

static const char STYLE[] =
    "*{box-sizing:border-box}body{margin:0;font-family:system-ui,sans-serif;background:#f4f6f8;color:#1a1a1a;"
    "line-height:1.6}main{max-width:32rem;margin:0 "
    "auto;padding:1rem;overflow-wrap:anywhere}h1{font-size:1.25rem;margin:.5rem 0}"
    "h2{font-size:1.1rem}section{background:#fff;border-radius:.75rem;padding:1rem;margin:1rem 0;"
    "box-shadow:0 1px 3px #0002}.qr svg{display:block;width:100%;max-width:16rem;height:auto;margin:0 auto}"
    "button,.button{display:block;width:100%;min-height:3rem;font-size:1rem;border-radius:.5rem;border:0;"
    "margin:.5rem 0;padding:.5rem;text-align:center;text-decoration:none;cursor:pointer}"
    ".primary{background:#0b5cad;color:#fff}.secondary{background:#e4e8ee;color:#1a1a1a}"
    ".secondary{border:1px solid #5f6b7a}"
    "button:focus-visible,a:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}"
    "ol.steps{padding-left:1.5rem}ol.steps li{margin:.5rem 0}.store{display:inline-block;width:auto;"
    "margin:.25rem .5rem .25rem 0;padding:.5rem 1rem}.alert{border:2px solid #b00020;border-radius:.5rem;"
    "padding:.5rem 1rem;margin:.5rem 0;background:#fff5f5}"
    "ul{padding-left:1.25rem}.logo{max-height:3rem}.note{font-size:.875rem;color:#555}"
    ".error{border-left:4px solid #b00020}@media (min-width:48rem){main{padding:2rem}}"
    "header.site,footer.site{max-width:32rem;margin:0 auto;padding:.5rem 1rem;display:flex;flex-wrap:wrap;"
    "gap:.5rem 1rem;align-items:center}header.site nav{margin-left:auto;display:flex;gap:1rem}"
    ".brand{font-weight:700;font-size:1.1rem}.i{font-family:Georgia,'Times New Roman',serif}"
    "footer.site{font-size:.875rem;color:#444}footer.site ul{display:flex;flex-wrap:wrap;gap:.5rem 1rem;"
    "list-style:none;padding:0;margin:0}"
    /* form fields (DADS): label above, 48 px high, a visible edge, errors in words and in red */
    "label{display:block;font-weight:700;margin:.75rem 0 .25rem}.hint{font-size:.875rem;color:#555;margin:0 0 .25rem}"
    "input:not([type=hidden]),select,textarea{display:block;width:100%;min-height:3rem;font-size:1rem;padding:.5rem;"
    "border:1px solid #5f6b7a;border-radius:.5rem;background:#fff;color:#1a1a1a}"
    "input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}"
    "input[aria-invalid=true]{border:2px solid #b00020}.field-error{color:#b00020;font-weight:700;margin:0 0 .25rem}"
    /* the admin console: tables and its menu */
    "table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:.25rem;border-bottom:1px solid #c4cbd4;"
    "vertical-align:top}nav.admin ul{display:flex;flex-wrap:wrap;gap:.5rem 1rem;list-style:none;padding:0}"
    "nav.admin a[aria-current]{font-weight:700}dt{font-weight:700}dd{margin:0 0 .5rem}"
    "input.check{display:inline;width:auto;min-height:0}label.inline{display:inline;font-weight:400}"
    "fieldset{border:1px solid #c4cbd4;border-radius:.5rem;margin:.75rem 0;padding:.5rem 1rem;min-width:0}"
    "legend{font-weight:700;padding:0 .25rem}.ym{display:flex;flex-wrap:wrap;gap:0 1rem}.ym .field{flex:1 1 8rem}"
    ".vh{position:absolute;width:1px;height:1px;min-height:0;padding:0;margin:-1px;overflow:hidden;"
    "clip:rect(0 0 0 0);border:0}";

/* The header's and footer's links (idp_ui_site_set), owned here. */
static idp_ui_site_t site;

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

idp_err_t idp_ui_site_set(const idp_ui_site_t *s)
{
    char *const old[] = {(char *)site.help_url, (char *)site.contact_url, (char *)site.privacy_url,
                         (char *)site.terms_url};
    idp_ui_site_t next = {0};
    if (s)
        next = (idp_ui_site_t){.help_url = dup_or_null(s->help_url),
                               .contact_url = dup_or_null(s->contact_url),
                               .privacy_url = dup_or_null(s->privacy_url),
                               .terms_url = dup_or_null(s->terms_url)};
    if (s && ((s->help_url && !next.help_url) || (s->contact_url && !next.contact_url) ||
              (s->privacy_url && !next.privacy_url) || (s->terms_url && !next.terms_url))) {
        free((char *)next.help_url);
        free((char *)next.contact_url);
        free((char *)next.privacy_url);
        free((char *)next.terms_url);
        return IDP_E_NOMEM;
    }
    site = next;
    for (size_t i = 0; i < sizeof(old) / sizeof(old[0]); i++)
        free(old[i]);
    return IDP_OK;
}

/*
 * The header (issue #18 item 8): the name, legible (a serif capital I, so
 * that "SakaI-D" never reads "Sakal-D"), the city, the account, and the
 * language switch, which leads through /lang back to this page.
 */
static void header(idp_ui_doc_t *d)
{
    bool en = idp_msg_lang_en(d->lang);
    idp_buf_printf(&d->b,
                   "<header class=\"site\"><span class=\"brand\">" IDP_UI_BRAND "</span> <span class=\"city\">%s</span>"
                   "<nav aria-label=\"%s\"><a id=\"site-account\" href=\"/account\">%s</a> "
                   "<a id=\"site-lang\" href=\"/lang?to=%s\" lang=\"%s\" hreflang=\"%s\">%s</a></nav></header>",
                   MSG(d, IDP_MSG_SITE_CITY), MSG(d, IDP_MSG_SITE_LANG_LABEL), MSG(d, IDP_MSG_SITE_ACCOUNT),
                   en ? "ja" : "en", en ? "ja" : "en", en ? "ja" : "en", MSG(d, IDP_MSG_SITE_OTHER_LANG));
}

/* One footer link, when configured. */
static void footer_link(idp_ui_doc_t *d, const char *url, const char *id, idp_msg_id_t label)
{
    if (url == NULL)
        return;
    idp_buf_printf(&d->b, "<li><a id=\"%s\" href=\"", id);
    idp_html_escape(&d->b, url);
    idp_buf_printf(&d->b, "\">%s</a></li>", MSG(d, label));
}

/* The footer: help, contact, privacy policy, terms (those configured), and the city. */
static void footer(idp_ui_doc_t *d)
{
    idp_buf_printf(&d->b, "<footer class=\"site\"><ul aria-label=\"%s\">", MSG(d, IDP_MSG_SITE_FOOTER_LABEL));
    footer_link(d, site.help_url, "site-help", IDP_MSG_SITE_HELP);
    footer_link(d, site.contact_url, "site-contact", IDP_MSG_SITE_CONTACT);
    footer_link(d, site.privacy_url, "site-privacy", IDP_MSG_SITE_PRIVACY);
    footer_link(d, site.terms_url, "site-terms", IDP_MSG_SITE_TERMS);
    idp_buf_printf(&d->b, "</ul><p>" IDP_UI_BRAND " <span>%s</span></p></footer>", MSG(d, IDP_MSG_SITE_CITY));
}

void idp_ui_page_free(idp_ui_page_t *p)
{
    if (p == NULL)
        return;
    free(p->body);
    free(p->csp);
    memset(p, 0, sizeof(*p));
}

idp_err_t idp_ui_doc_begin(idp_ui_doc_t *d, const char *lang, const char *title)
{
    idp_buf_init(&d->b, IDP_UI_PAGE_MAX);
    d->lang = lang;
    d->nonce[0] = '\0';
    char *n = idp_random_token_new(16);
    if (n == NULL || strlen(n) >= sizeof(d->nonce)) {
        idp_secret_free(n);
        idp_buf_set_error(&d->b, IDP_E_SERVER_ERROR); /* never a page under a guessable nonce */
        return IDP_E_SERVER_ERROR;
    }
    memcpy(d->nonce, n, strlen(n) + 1);
    idp_secret_free(n);
    idp_buf_puts(&d->b, "<!doctype html><html lang=\"");
    idp_html_escape(&d->b, lang ? lang : "ja");
    idp_buf_puts(&d->b, "\"><head><meta charset=\"utf-8\">"
                        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
    idp_html_escape(&d->b, title);
    idp_buf_printf(&d->b, " - SakaI-D</title><style nonce=\"%s\">%s</style></head><body>", d->nonce, STYLE);
    header(d);
    idp_buf_puts(&d->b, "<main>");
    return idp_buf_err(&d->b);
}

idp_err_t idp_ui_doc_end(idp_ui_doc_t *d, int status, const char *form_sources, const char *img_origin,
                         idp_ui_page_t *out)
{
    memset(out, 0, sizeof(*out));
    idp_buf_puts(&d->b, "</main>");
    footer(d);
    idp_buf_puts(&d->b, "</body></html>");
    idp_buf_t csp;
    idp_buf_init(&csp, 32768);
    idp_buf_printf(&csp,
                   "default-src 'none'; style-src 'nonce-%s'; script-src 'nonce-%s'; connect-src 'self'; "
                   "img-src 'self' data:%s%s; form-action 'self'%s%s; frame-ancestors 'none'; base-uri 'none'",
                   d->nonce, d->nonce, img_origin ? " " : "", img_origin ? img_origin : "", form_sources ? " " : "",
                   form_sources ? form_sources : "");
    idp_err_t ret = idp_buf_err(&d->b) != IDP_OK ? idp_buf_err(&d->b) : idp_buf_err(&csp);
    if (ret == IDP_OK) {
        out->status = status;
        out->body_len = d->b.len;
        out->body = idp_buf_steal(&d->b);
        out->csp = idp_buf_steal(&csp);
        if (out->body == NULL || out->csp == NULL) {
            idp_ui_page_free(out);
            ret = IDP_E_NOMEM;
        }
    }
    idp_buf_free(&d->b);
    idp_buf_free(&csp);
    return ret;
}

void idp_ui_hidden(idp_buf_t *b, const char *name, const char *value)
{
    idp_buf_puts(b, "<input type=\"hidden\" name=\"");
    idp_html_escape(b, name);
    idp_buf_puts(b, "\" value=\"");
    idp_html_escape(b, value);
    idp_buf_puts(b, "\">");
}

/* CSP source expressions end at whitespace, ';' and ','; a quote would start a keyword. */
static bool csp_safe(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || c == ';' || c == ',' || c == '\'')
            return false;
    }
    return true;
}

void idp_ui_origin(const char *url, char *out, size_t n)
{
    const char *p = url ? strstr(url, "://") : NULL;
    out[0] = '\0';
    if (p == NULL || (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)))
        return;
    size_t len = (size_t)(p + 3 - url) + strcspn(p + 3, "/?#");
    if (len < n && csp_safe(url, len)) {
        memcpy(out, url, len);
        out[len] = '\0';
    }
}

void idp_ui_form_sources(idp_buf_t *b, const char *rp_origin, const idp_ui_upstream_t *ups, size_t n)
{
    char o[512];
    if (rp_origin && csp_safe(rp_origin, strlen(rp_origin)))
        idp_buf_puts(b, rp_origin);
    for (size_t i = 0; i < n; i++) {
        idp_ui_origin(ups[i].issuer, o, sizeof(o));
        if (o[0])
            idp_buf_printf(b, "%s%s", b->len ? " " : "", o);
    }
}

void idp_ui_link_button(idp_ui_doc_t *d, const char *cls, const char *id, const char *href, const char *label)
{
    idp_buf_printf(&d->b, "<a class=\"button %s\"", cls);
    if (id)
        idp_buf_printf(&d->b, " id=\"%s\"", id);
    idp_buf_puts(&d->b, " href=\"");
    idp_html_escape(&d->b, href);
    idp_buf_puts(&d->b, "\">");
    idp_html_escape(&d->b, label);
    idp_buf_puts(&d->b, "</a>");
}

void idp_ui_store_links(idp_ui_doc_t *d, const idp_ui_links_t *l)
{
    if (l->ios_store_url)
        idp_ui_link_button(d, "secondary store", "store-ios", l->ios_store_url, MSG(d, IDP_MSG_STORE_IOS));
    if (l->android_store_url)
        idp_ui_link_button(d, "secondary store", "store-android", l->android_store_url, MSG(d, IDP_MSG_STORE_ANDROID));
    if (!l->ios_store_url && !l->android_store_url)
        idp_buf_printf(&d->b, "<p class=\"note\" id=\"no-store\">%s</p>", MSG(d, IDP_MSG_LOGIN_NO_STORE));
}

void idp_ui_help_link(idp_ui_doc_t *d, const idp_ui_links_t *l)
{
    if (l->help_url == NULL)
        return;
    idp_buf_puts(&d->b, "<p class=\"help\"><a id=\"help-link\" href=\"");
    idp_html_escape(&d->b, l->help_url);
    idp_buf_printf(&d->b, "\">%s</a></p>", MSG(d, IDP_MSG_HELP_LINK));
}

void idp_ui_claim_label(idp_ui_doc_t *d, const char *claim, bool public_subject)
{
    const char *label = claim && public_subject && !strcmp(claim, "openid") ? MSG(d, IDP_MSG_CLAIM_OPENID_PUBLIC)
                        : claim                                             ? idp_msg_claim(claim, d->lang)
                                                                            : NULL;
    idp_html_escape(&d->b, label ? label : claim);
}

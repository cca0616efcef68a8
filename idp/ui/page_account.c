/*
 * The account page (product.md §2, §5): ways to sign in, verified and
 * household information, consents, what was shared, sessions.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ui/page_internal.h"

/* A time as the resident's local date and time. */
static void date_of(long long t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (localtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%d %H:%M", &tm) == 0)
        out[0] = '\0';
}

static void claim_label(idp_ui_doc_t *d, const char *claim)
{
    idp_ui_claim_label(d, claim, false);
}

/* Claims in plain words (@p public_subject: a city client's). */
static void claim_words(idp_ui_doc_t *d, const char *const *claims, size_t n, bool public_subject)
{
    for (size_t i = 0; i < n; i++) {
        idp_buf_puts(&d->b, i ? MSG(d, IDP_MSG_ACCOUNT_LIST_SEPARATOR) : "");
        idp_ui_claim_label(d, claims[i], public_subject);
    }
    if (n == 0)
        idp_buf_puts(&d->b, MSG(d, IDP_MSG_ACCOUNT_IDENTIFIER_ONLY));
}

static void form_begin(idp_buf_t *b, const char *action, const char *csrf)
{
    idp_buf_printf(b, "<form method=\"post\" action=\"%s\">", action);
    idp_ui_hidden(b, "csrf", csrf);
}

static void credentials(idp_ui_doc_t *d, const idp_ui_account_view_t *v)
{
    idp_buf_t *b = &d->b;
    char when[32];
    idp_buf_printf(b, "<section aria-labelledby=\"cred-h\"><h2 id=\"cred-h\">%s</h2><ul id=\"credentials\">",
                   MSG(d, IDP_MSG_ACCOUNT_CRED_HEADING));
    for (size_t i = 0; i < v->ncreds; i++) {
        const idp_ui_credential_t *c = &v->creds[i];
        idp_buf_printf(b, "<li data-kind=\"%s\">", c->card ? "card" : "social");
        if (c->card) {
            date_of(c->expires_at, when);
            idp_buf_printf(b, "%s <span data-state=\"%s\">(%s, %s %.10s)</span>", MSG(d, IDP_MSG_MY_NUMBER_CARD),
                           c->expired ? "expired" : "valid",
                           MSG(d, c->expired ? IDP_MSG_ACCOUNT_CRED_EXPIRED : IDP_MSG_ACCOUNT_CRED_VALID),
                           MSG(d, IDP_MSG_ACCOUNT_CRED_VALID_UNTIL), when);
        } else {
            idp_html_escape(b, c->name);
        }
        if (c->removable) {
            form_begin(b, "/account/unlink", v->csrf);
            idp_ui_hidden(b, "kind", c->card ? "card" : "social");
            idp_ui_hidden(b, "issuer", c->issuer);
            idp_ui_hidden(b, "subject", c->subject);
            idp_buf_printf(b, "<button type=\"submit\" class=\"secondary\">%s</button></form>",
                           MSG(d, IDP_MSG_ACCOUNT_CRED_REMOVE));
        }
        idp_buf_puts(b, "</li>");
    }
    idp_buf_puts(b, "</ul>");
    /* How to add the card (issue #18 item 9): the fresh sign-in first, then the card (flow.c TX_ADD_CARD). */
    if (v->card_addable) {
        idp_buf_printf(b, "<div id=\"add-card\"><p>%s</p>", MSG(d, IDP_MSG_ACCOUNT_ADD_CARD_TEXT));
        idp_ui_link_button(d, "primary", "add-card-button", "/account/login?add=card",
                           MSG(d, IDP_MSG_ACCOUNT_ADD_CARD));
        idp_buf_puts(b, "</div>");
    }
    if (v->nupstreams)
        idp_buf_printf(b, "<p class=\"note\" id=\"add-other\">%s</p>", MSG(d, IDP_MSG_ACCOUNT_ADD_OTHER_TEXT));
    for (size_t j = 0; j < v->nupstreams; j++) {
        form_begin(b, "/account/link", v->csrf);
        idp_ui_hidden(b, "upstream", v->upstreams[j].id);
        idp_buf_puts(b, "<button type=\"submit\" class=\"secondary\" data-link=\"");
        idp_html_escape(b, v->upstreams[j].id);
        idp_buf_puts(b, "\">");
        idp_html_escape(b, v->upstreams[j].display_name);
        idp_buf_printf(b, "%s</button></form>", MSG(d, IDP_MSG_ACCOUNT_CRED_ADD));
    }
    idp_buf_puts(b, "</section>");
}

/*
 * A birth date (OpenID Connect Core §5.1, YYYY-MM-DD) as a resident reads
 * it (issue #18 item 4), with the era as the card and the resident register
 * give it: the catalogue's date.birth, 「2001年3月15日（平成13年）」. Anything
 * else is shown as it is. Eras from their first day (明治 from 1868-01-25 in
 * the Gregorian calendar, as the register counts it).
 */
static void birth_words(idp_ui_doc_t *d, const char *iso)
{
    static const struct {
        int from; /* yyyymmdd of the era's first day */
        idp_msg_id_t name;
    } eras[] = {{20190501, IDP_MSG_ERA_REIWA},
                {19890108, IDP_MSG_ERA_HEISEI},
                {19261225, IDP_MSG_ERA_SHOWA},
                {19120730, IDP_MSG_ERA_TAISHO},
                {18680125, IDP_MSG_ERA_MEIJI}};
    int y, m, day, n = 0;
    size_t e = 0;
    if (iso == NULL || sscanf(iso, "%4d-%2d-%2d%n", &y, &m, &day, &n) != 3 || n != 10 || m < 1 || m > 12 || day < 1 ||
        day > 31) {
        idp_html_escape(&d->b, iso ? iso : "");
        return;
    }
    while (e < sizeof(eras) / sizeof(eras[0]) && y * 10000 + m * 100 + day < eras[e].from)
        e++;
    if (e == sizeof(eras) / sizeof(eras[0])) { /* before 明治: the date alone */
        idp_buf_printf(&d->b, "%04d-%02d-%02d", y, m, day);
        return;
    }
    int ey = y - eras[e].from / 10000 + 1;
    for (const char *t = MSG(d, IDP_MSG_DATE_BIRTH); *t; t++) {
        if (!strncmp(t, "{Y}", 3))
            idp_buf_printf(&d->b, "%d", y);
        else if (!strncmp(t, "{M}", 3))
            idp_buf_printf(&d->b, "%d", m);
        else if (!strncmp(t, "{D}", 3))
            idp_buf_printf(&d->b, "%d", day);
        else if (!strncmp(t, "{E}", 3))
            idp_buf_puts(&d->b, MSG(d, eras[e].name));
        else if (!strncmp(t, "{N}", 3) && ey == 1)
            idp_buf_puts(&d->b, MSG(d, IDP_MSG_DATE_FIRST_YEAR));
        else if (!strncmp(t, "{N}", 3))
            idp_buf_printf(&d->b, "%d", ey);
        else if (!strncmp(t, "{MM}", 4) || !strncmp(t, "{DD}", 4)) {
            idp_buf_printf(&d->b, "%02d", t[1] == 'M' ? m : day);
            t += 3;
            continue;
        } else {
            idp_buf_printf(&d->b, "%c", *t);
            continue;
        }
        t += 2;
    }
}

/* A verified attribute's value in words: the birth date with its era, the gender as a word. */
static void attr_value(idp_ui_doc_t *d, const idp_ui_attr_t *a)
{
    if (!strcmp(a->claim, "birthdate"))
        birth_words(d, a->value);
    else if (!strcmp(a->claim, "gender") && !strcmp(a->value, "female"))
        idp_buf_puts(&d->b, MSG(d, IDP_MSG_GENDER_FEMALE));
    else if (!strcmp(a->claim, "gender") && !strcmp(a->value, "male"))
        idp_buf_puts(&d->b, MSG(d, IDP_MSG_GENDER_MALE));
    else
        idp_html_escape(&d->b, a->value);
}

static void verified(idp_ui_doc_t *d, const idp_ui_account_view_t *v)
{
    idp_buf_t *b = &d->b;
    char when[32];
    idp_buf_printf(b, "<section aria-labelledby=\"attr-h\" id=\"verified\"><h2 id=\"attr-h\">%s</h2>",
                   MSG(d, IDP_MSG_ACCOUNT_VERIFIED_HEADING));
    if (v->verified) {
        date_of(v->verified_at, when);
        idp_buf_printf(b, "<p class=\"note\">%s %s</p><dl>", MSG(d, IDP_MSG_ACCOUNT_VERIFIED_NOTE), when);
        for (size_t i = 0; i < v->nattrs; i++) {
            idp_buf_puts(b, "<dt>");
            claim_label(d, v->attrs[i].claim);
            idp_buf_puts(b, "</dt><dd data-claim=\"");
            idp_html_escape(b, v->attrs[i].claim);
            idp_buf_puts(b, "\">");
            attr_value(d, &v->attrs[i]);
            idp_buf_puts(b, "</dd>");
        }
        idp_buf_puts(b, "</dl>");
    } else {
        idp_buf_printf(b, "<p>%s</p>", MSG(d, IDP_MSG_ACCOUNT_VERIFIED_NONE));
    }
    idp_buf_puts(b, "</section>");
}

/* The words of a household field's error. */
static idp_msg_id_t hh_error_msg(idp_ui_hh_error_t e)
{
    switch (e) {
    case IDP_UI_HH_TOO_LONG: return IDP_MSG_HH_ERR_TOO_LONG;
    case IDP_UI_HH_BAD_CHAR: return IDP_MSG_HH_ERR_BAD_CHAR;
    case IDP_UI_HH_YEAR: return IDP_MSG_HH_ERR_YEAR;
    case IDP_UI_HH_MONTH: return IDP_MSG_HH_ERR_MONTH;
    default: return IDP_MSG_HH_ERR_FUTURE;
    }
}

/* The summary's line for field @p id: a link to it, its label (and row), what is wrong. */
static void hh_summary_item(idp_ui_doc_t *d, const char *id, size_t row, idp_msg_id_t label, idp_ui_hh_error_t e)
{
    if (e == IDP_UI_HH_OK)
        return;
    idp_buf_printf(&d->b, "<li><a href=\"#%s\">", id);
    if (row)
        idp_buf_printf(&d->b, "%s %zu%s", MSG(d, IDP_MSG_HH_CHILD), row, MSG(d, IDP_MSG_ACCOUNT_LIST_SEPARATOR));
    idp_buf_printf(&d->b, "%s: %s</a></li>", MSG(d, label), MSG(d, hh_error_msg(e)));
}

/*
 * One field in the DADS pattern: the label above, the support text @p hint
 * (or NULL) and the error under it, both tied to the input by
 * aria-describedby; @p attrs: the input's other attributes.
 */
static void hh_field(idp_ui_doc_t *d, const char *id, idp_msg_id_t label, const idp_msg_id_t *hint, idp_ui_hh_error_t e,
                     const char *value, const char *attrs, bool focus)
{
    idp_buf_t *b = &d->b;
    idp_buf_printf(b, "<div class=\"field\"><label for=\"%s\">%s</label>", id, MSG(d, label));
    if (hint)
        idp_buf_printf(b, "<p class=\"hint\" id=\"%s-hint\">%s</p>", id, MSG(d, *hint));
    if (e != IDP_UI_HH_OK)
        idp_buf_printf(b, "<p class=\"field-error\" id=\"%s-error\">%s</p>", id, MSG(d, hh_error_msg(e)));
    idp_buf_printf(b, "<input id=\"%s\" name=\"%s\" %s%s%s", id, id, attrs,
                   e != IDP_UI_HH_OK ? " aria-invalid=\"true\"" : "", focus ? " autofocus" : "");
    if (hint || e != IDP_UI_HH_OK)
        idp_buf_printf(b, " aria-describedby=\"%s%s%s%s%s\"", hint ? id : "", hint ? "-hint" : "",
                       hint && e != IDP_UI_HH_OK ? " " : "", e != IDP_UI_HH_OK ? id : "",
                       e != IDP_UI_HH_OK ? "-error" : "");
    idp_buf_puts(b, " value=\"");
    idp_html_escape(b, value);
    idp_buf_puts(b, "\"></div>");
}

/*
 * The household form (issue #18 item 7, the DADS form pattern): labels
 * above the fields, support text saying why the city asks, children as
 * rows of year and month with 「お子さまを追加」; a refused form shows a
 * summary at the top, linked to each field, and each error by its field,
 * with the values as entered. Works without JavaScript: adding or removing
 * a row posts the form and comes back with the values kept.
 */
static void household(idp_ui_doc_t *d, const idp_ui_account_view_t *v)
{
    idp_buf_t *b = &d->b;
    const idp_ui_household_t *h = v->household;
    static const idp_ui_household_t none = {.school_district = "", .area = ""};
    if (!h)
        h = &none;
    idp_buf_printf(b,
                   "<section id=\"household\" aria-labelledby=\"hh-h\"><h2 id=\"hh-h\">%s</h2><p class=\"note\">%s</p>",
                   MSG(d, IDP_MSG_ACCOUNT_HOUSEHOLD_HEADING), MSG(d, IDP_MSG_ACCOUNT_HOUSEHOLD_NOTE));
    if (h->refused) {
        idp_buf_printf(b,
                       "<div class=\"alert\" id=\"household-errors\" role=\"alert\" tabindex=\"-1\" autofocus>"
                       "<p><strong>%s</strong></p><ul>",
                       MSG(d, IDP_MSG_HH_ERROR_SUMMARY));
        hh_summary_item(d, "school_district", 0, IDP_MSG_ACCOUNT_SCHOOL_DISTRICT, h->district_error);
        hh_summary_item(d, "area", 0, IDP_MSG_ACCOUNT_AREA, h->area_error);
        for (size_t i = 0; i < h->nchildren; i++) {
            char id[48];
            snprintf(id, sizeof(id), "child_year_%zu", i + 1);
            hh_summary_item(d, id, i + 1, IDP_MSG_HH_YEAR, h->children[i].year_error);
            snprintf(id, sizeof(id), "child_month_%zu", i + 1);
            hh_summary_item(d, id, i + 1, IDP_MSG_HH_MONTH, h->children[i].month_error);
        }
        idp_buf_puts(b, "</ul></div>");
    }
    idp_buf_puts(b, "<form method=\"post\" action=\"/account/household\" novalidate>");
    idp_ui_hidden(b, "csrf", v->csrf);
    /* Enter in a field saves: the form's first submit button is its default (HTML §4.10.21.2 implicit submission) */
    idp_buf_printf(b, "<button type=\"submit\" class=\"vh\" tabindex=\"-1\" aria-hidden=\"true\">%s</button>",
                   MSG(d, IDP_MSG_ACCOUNT_SAVE));
    static const idp_msg_id_t district_hint = IDP_MSG_HH_DISTRICT_HINT, area_hint = IDP_MSG_HH_AREA_HINT;
    hh_field(d, "school_district", IDP_MSG_ACCOUNT_SCHOOL_DISTRICT, &district_hint, h->district_error,
             h->school_district, "autocomplete=\"off\"", false);
    hh_field(d, "area", IDP_MSG_ACCOUNT_AREA, &area_hint, h->area_error, h->area, "autocomplete=\"off\"", false);
    idp_buf_printf(b,
                   "<fieldset id=\"children\" aria-describedby=\"children-hint\"><legend>%s</legend>"
                   "<p class=\"hint\" id=\"children-hint\">%s</p>",
                   MSG(d, IDP_MSG_ACCOUNT_CHILDREN), MSG(d, IDP_MSG_HH_CHILDREN_HINT));
    for (size_t i = 0; i < h->nchildren; i++) {
        const idp_ui_child_t *c = &h->children[i];
        char id[48];
        idp_buf_printf(b, "<fieldset class=\"child\" id=\"child-%zu\"><legend>%s %zu</legend><div class=\"ym\">", i + 1,
                       MSG(d, IDP_MSG_HH_CHILD), i + 1);
        snprintf(id, sizeof(id), "child_year_%zu", i + 1);
        hh_field(d, id, IDP_MSG_HH_YEAR, NULL, c->year_error, c->year,
                 "inputmode=\"numeric\" maxlength=\"4\" autocomplete=\"off\"", h->focus_child == i + 1);
        snprintf(id, sizeof(id), "child_month_%zu", i + 1);
        hh_field(d, id, IDP_MSG_HH_MONTH, NULL, c->month_error, c->month,
                 "inputmode=\"numeric\" maxlength=\"2\" autocomplete=\"off\"", false);
        idp_buf_printf(b,
                       "</div><button type=\"submit\" class=\"secondary\" name=\"remove_child\" value=\"%zu\">%s"
                       "</button></fieldset>",
                       i + 1, MSG(d, IDP_MSG_HH_REMOVE_CHILD));
    }
    if (h->nchildren < IDP_UI_CHILDREN_MAX)
        idp_buf_printf(b,
                       "<button type=\"submit\" class=\"secondary\" id=\"add-child\" name=\"add_child\" value=\"1\">%s"
                       "</button>",
                       MSG(d, IDP_MSG_HH_ADD_CHILD));
    else
        idp_buf_printf(b, "<p class=\"note\">%s</p>", MSG(d, IDP_MSG_HH_CHILDREN_FULL));
    idp_buf_printf(b,
                   "</fieldset><button type=\"submit\" class=\"primary\" id=\"save-household\">%s</button></form>"
                   "</section>",
                   MSG(d, IDP_MSG_ACCOUNT_SAVE));
}

static void consents(idp_ui_doc_t *d, const idp_ui_account_view_t *v)
{
    idp_buf_t *b = &d->b;
    idp_buf_printf(b, "<section aria-labelledby=\"consent-h\"><h2 id=\"consent-h\">%s</h2><ul id=\"consents\">",
                   MSG(d, IDP_MSG_ACCOUNT_CONSENTS_HEADING));
    for (size_t i = 0; i < v->nconsents; i++) {
        const idp_ui_consent_row_t *c = &v->consents[i];
        const char *purpose = idp_msg_lang_en(d->lang) ? c->purpose_en : c->purpose_ja;
        idp_buf_puts(b, "<li data-client=\"");
        idp_html_escape(b, c->client_id);
        idp_buf_puts(b, "\"><strong>");
        idp_html_escape(b, c->client_name ? c->client_name : c->client_id);
        idp_buf_puts(b, "</strong>: ");
        claim_words(d, c->claims, c->nclaims, c->public_subject);
        if (purpose) {
            idp_buf_printf(b, "<br><span class=\"note\">%s ", MSG(d, IDP_MSG_PURPOSE));
            idp_html_escape(b, purpose);
            idp_buf_puts(b, "</span>");
        }
        form_begin(b, "/account/consent/revoke", v->csrf);
        idp_ui_hidden(b, "client_id", c->client_id);
        idp_buf_printf(b, "<button type=\"submit\" class=\"secondary\">%s</button></form>",
                       MSG(d, IDP_MSG_ACCOUNT_WITHDRAW_ALL));
        for (size_t k = 0; k < c->nclaims; k++) {
            form_begin(b, "/account/consent/revoke", v->csrf);
            idp_ui_hidden(b, "client_id", c->client_id);
            idp_ui_hidden(b, "claim", c->claims[k]);
            idp_buf_puts(b, "<button type=\"submit\" class=\"secondary\" data-claim=\"");
            idp_html_escape(b, c->claims[k]);
            idp_buf_puts(b, "\">");
            idp_ui_claim_label(d, c->claims[k], c->public_subject);
            idp_buf_printf(b, "%s</button></form>", MSG(d, IDP_MSG_ACCOUNT_STOP_SHARING));
        }
        idp_buf_puts(b, "</li>");
    }
    if (v->nconsents == 0)
        idp_buf_printf(b, "<li>%s</li>", MSG(d, IDP_MSG_ACCOUNT_CONSENTS_NONE));
    idp_buf_puts(b, "</ul></section>");
}

static void history(idp_ui_doc_t *d, const idp_ui_account_view_t *v)
{
    idp_buf_t *b = &d->b;
    char when[32];
    idp_buf_printf(b, "<section aria-labelledby=\"hist-h\"><h2 id=\"hist-h\">%s</h2><ul id=\"releases\">",
                   MSG(d, IDP_MSG_ACCOUNT_HISTORY_HEADING));
    for (size_t i = 0; i < v->nreleases; i++) {
        date_of(v->releases[i].at, when);
        idp_buf_printf(b, "<li>%s <strong>", when);
        idp_html_escape(b, v->releases[i].client_name ? v->releases[i].client_name : v->releases[i].client_id);
        idp_buf_puts(b, "</strong>");
        idp_buf_puts(b, ": ");
        claim_words(d, v->releases[i].claims, v->releases[i].nclaims, v->releases[i].public_subject);
        idp_buf_puts(b, "</li>");
    }
    idp_buf_puts(b, "</ul></section>");
}

/* Applications signed with the card (issue #21): the resident sees every signature made with it, by whom asked. */
static void signatures(idp_ui_doc_t *d, const idp_ui_account_view_t *v)
{
    idp_buf_t *b = &d->b;
    char when[32];
    idp_buf_printf(b, "<section aria-labelledby=\"sig-h\"><h2 id=\"sig-h\">%s</h2><ul id=\"signatures\">",
                   MSG(d, IDP_MSG_ACCOUNT_SIGNATURES_HEADING));
    for (size_t i = 0; i < v->nsignatures; i++) {
        const idp_ui_signature_t *x = &v->signatures[i];
        date_of(x->at, when);
        idp_buf_puts(b, "<li data-application=\"");
        idp_html_escape(b, x->application_id);
        idp_buf_printf(b, "\">%s <strong>", when);
        idp_html_escape(b, x->client_name ? x->client_name : x->client_id);
        idp_buf_puts(b, "</strong>: ");
        idp_html_escape(b, x->procedure_name);
        idp_buf_printf(b, " (%s ", MSG(d, IDP_MSG_CONSENT_APP_ID));
        idp_html_escape(b, x->application_id);
        idp_buf_puts(b, ")</li>");
    }
    if (v->nsignatures == 0)
        idp_buf_printf(b, "<li>%s</li>", MSG(d, IDP_MSG_ACCOUNT_SIGNATURES_NONE));
    idp_buf_puts(b, "</ul></section>");
}

/* The attribute names @p names (space-separated) as the catalogue's labels, comma-separated. */
static void attr_labels(idp_ui_doc_t *d, const char *names)
{
    char key[64];
    const char *sep = "";
    for (const char *p = names; *p;) {
        p += strspn(p, " ");
        size_t n = strcspn(p, " ");
        if (n == 0)
            break;
        snprintf(key, sizeof(key), "outreach.attr.%.*s", (int)(n < 40 ? n : 40), p);
        idp_buf_printf(&d->b, "%s%s", sep, idp_msg(key, d->lang));
        sep = idp_msg_lang_en(d->lang) ? ", " : "、";
        p += n;
    }
}

/* A category's text (outreach.<id>.name or .purpose). */
static const char *category_text(idp_ui_doc_t *d, const char *id, const char *what)
{
    char key[64];
    snprintf(key, sizeof(key), "outreach.%.24s.%s", id, what);
    return idp_msg(key, d->lang);
}

/*
 * Outreach (issue #22): the categories the city publishes, each with its purpose, the information it uses and a
 * switch; then every campaign that included the resident, with what matched.
 */
static void outreach(idp_ui_doc_t *d, const idp_ui_account_view_t *v)
{
    idp_buf_t *b = &d->b;
    char when[32];
    idp_buf_printf(b,
                   "<section aria-labelledby=\"outreach-h\" id=\"outreach\"><h2 id=\"outreach-h\">%s</h2>"
                   "<p class=\"note\">%s</p><ul id=\"outreach-categories\">",
                   MSG(d, IDP_MSG_OUTREACH_HEADING), MSG(d, IDP_MSG_OUTREACH_HINT));
    for (size_t i = 0; i < v->noutreach; i++) {
        const idp_ui_outreach_category_t *c = &v->outreach[i];
        idp_buf_puts(b, "<li data-category=\"");
        idp_html_escape(b, c->id);
        idp_buf_printf(b, "\" data-on=\"%s\"><strong id=\"outreach-%zu\">%s</strong>: %s<br>", c->on ? "true" : "false",
                       i, category_text(d, c->id, "name"),
                       MSG(d, c->on ? IDP_MSG_OUTREACH_STATE_ON : IDP_MSG_OUTREACH_STATE_OFF));
        idp_buf_printf(b, "<span class=\"note\">%s<br>%s ", category_text(d, c->id, "purpose"),
                       MSG(d, IDP_MSG_OUTREACH_USES));
        attr_labels(d, c->attributes);
        idp_buf_puts(b, "</span>");
        form_begin(b, "/account/outreach", v->csrf);
        idp_ui_hidden(b, "category", c->id);
        idp_ui_hidden(b, "on", c->on ? "0" : "1");
        idp_buf_printf(b,
                       "<button type=\"submit\" class=\"%s\" aria-describedby=\"outreach-%zu\">%s</button></form>"
                       "</li>",
                       c->on ? "secondary" : "primary", i,
                       MSG(d, c->on ? IDP_MSG_OUTREACH_TURN_OFF : IDP_MSG_OUTREACH_TURN_ON));
    }
    idp_buf_printf(b, "</ul><h3>%s</h3><ul id=\"outreach-inclusions\">", MSG(d, IDP_MSG_OUTREACH_INCLUDED_HEADING));
    for (size_t i = 0; i < v->ninclusions; i++) {
        const idp_ui_outreach_inclusion_t *x = &v->inclusions[i];
        date_of(x->at, when);
        idp_buf_puts(b, "<li data-category=\"");
        idp_html_escape(b, x->category);
        idp_buf_printf(b, "\">%s <strong>%s</strong>: %s ", when, category_text(d, x->category, "name"),
                       MSG(d, IDP_MSG_OUTREACH_MATCHED));
        if (*x->attributes)
            attr_labels(d, x->attributes);
        else
            idp_buf_puts(b, MSG(d, IDP_MSG_OUTREACH_EVERYONE));
        idp_buf_printf(b, "<br><span class=\"note\">%s</span></li>",
                       MSG(d, x->released_at ? IDP_MSG_OUTREACH_RELEASED : IDP_MSG_OUTREACH_PENDING));
    }
    if (v->ninclusions == 0)
        idp_buf_printf(b, "<li>%s</li>", MSG(d, IDP_MSG_OUTREACH_INCLUDED_NONE));
    idp_buf_puts(b, "</ul></section>");
}

static void sessions(idp_ui_doc_t *d, const idp_ui_account_view_t *v)
{
    idp_buf_t *b = &d->b;
    char when[32];
    idp_buf_printf(b, "<section aria-labelledby=\"sess-h\"><h2 id=\"sess-h\">%s</h2><ul id=\"sessions\">",
                   MSG(d, IDP_MSG_ACCOUNT_SESSIONS_HEADING));
    for (size_t i = 0; i < v->nsessions; i++) {
        const idp_ui_session_t *x = &v->sessions[i];
        date_of(x->auth_time, when);
        idp_buf_puts(b, "<li data-sid=\"");
        idp_html_escape(b, x->sid);
        idp_buf_printf(b, "\">%s %s%s", when,
                       MSG(d, x->card ? IDP_MSG_ACCOUNT_SESSION_CARD : IDP_MSG_ACCOUNT_SESSION_OTHER),
                       x->current ? MSG(d, IDP_MSG_ACCOUNT_THIS_DEVICE) : "");
        form_begin(b, "/account/session/end", v->csrf);
        idp_ui_hidden(b, "sid", x->sid);
        idp_buf_printf(b, "<button type=\"submit\" class=\"secondary\">%s</button></form></li>",
                       MSG(d, IDP_MSG_ACCOUNT_SIGN_OUT));
    }
    idp_buf_puts(b, "</ul></section>");
}

idp_err_t idp_ui_render_account(const idp_ui_account_view_t *v, idp_ui_page_t *out)
{
    idp_ui_doc_t d;
    idp_ui_doc_begin(&d, v->lang, idp_msg_get(IDP_MSG_ACCOUNT_TITLE, v->lang));
    idp_buf_puts(&d.b, "<h1>" IDP_UI_BRAND "</h1>");
    if (v->notice) {
        idp_buf_puts(&d.b, "<section role=\"status\" id=\"notice\"><p>");
        idp_html_escape(&d.b, v->notice);
        idp_buf_puts(&d.b, "</p></section>");
    }
    credentials(&d, v);
    verified(&d, v);
    household(&d, v);
    consents(&d, v);
    history(&d, v);
    signatures(&d, v);
    outreach(&d, v);
    sessions(&d, v);
    idp_buf_t sources;
    idp_buf_init(&sources, 16384);
    idp_ui_form_sources(&sources, NULL, v->upstreams, v->nupstreams);
    if (idp_buf_err(&sources) != IDP_OK)
        idp_buf_set_error(&d.b, idp_buf_err(&sources));
    idp_err_t ret = idp_ui_doc_end(&d, v->household && v->household->refused ? 400 : 200,
                                   sources.len ? idp_buf_cstr(&sources) : NULL, NULL, out);
    idp_buf_free(&sources);
    return ret;
}

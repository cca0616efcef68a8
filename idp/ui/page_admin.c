/* The admin console's pages (docs/admin.md, "The console"): the same design as the resident's pages. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ui/page_internal.h"

/* The console's own navigation, the page's heading, the roles held, and its status or alert. */
static void begin(idp_ui_doc_t *d, const idp_ui_admin_common_t *c, idp_msg_id_t heading, const char *current);

/* The page's status (role=status) and alert (role=alert), when it has them: texts of the catalogue. */
static void notices(idp_ui_doc_t *d, const idp_ui_admin_common_t *c)
{
    if (c->notice)
        idp_buf_printf(&d->b, "<p role=\"status\" id=\"notice\">%s</p>", c->notice);
    if (c->alert) {
        idp_buf_printf(&d->b, "<p class=\"alert\" role=\"alert\" id=\"alert\">%s", c->alert);
        if (c->detail) {
            idp_buf_puts(&d->b, " <code id=\"alert-detail\">");
            idp_html_escape(&d->b, c->detail);
            idp_buf_puts(&d->b, "</code>");
        }
        idp_buf_puts(&d->b, "</p>");
    }
}

/* The partner portal's heading: no console menu, the organisations the member acts for. */
static void begin_partner(idp_ui_doc_t *d, const idp_ui_admin_common_t *c, idp_msg_id_t heading)
{
    idp_buf_printf(&d->b,
                   "<h1>" IDP_UI_BRAND " %s</h1><p class=\"note\" id=\"roles\">%s: ", MSG(d, IDP_MSG_PARTNER_TITLE),
                   MSG(d, IDP_MSG_ADMIN_COL_ORG));
    idp_html_escape(&d->b, c->roles ? c->roles : "");
    idp_buf_printf(&d->b, "</p><h2>%s</h2>", MSG(d, heading));
    notices(d, c);
}

static void begin(idp_ui_doc_t *d, const idp_ui_admin_common_t *c, idp_msg_id_t heading, const char *current)
{
    static const struct {
        const char *id, *href;
        idp_msg_id_t label;
    } nav[] = {{"clients", "/admin", IDP_MSG_ADMIN_NAV_CLIENTS},
               {"keys", "/admin/keys", IDP_MSG_ADMIN_NAV_KEYS},
               {"audit", "/admin/audit", IDP_MSG_ADMIN_NAV_AUDIT},
               {"residents", "/admin/residents", IDP_MSG_ADMIN_NAV_RESIDENTS},
               {"upstreams", "/admin/upstreams", IDP_MSG_ADMIN_NAV_UPSTREAMS},
               {"outreach", "/admin/outreach", IDP_MSG_ADMIN_NAV_OUTREACH}};
    idp_buf_printf(&d->b, "<h1>" IDP_UI_BRAND " %s</h1><nav aria-label=\"%s\" class=\"admin\"><ul>",
                   MSG(d, IDP_MSG_ADMIN_TITLE), MSG(d, IDP_MSG_ADMIN_NAV));
    for (size_t i = 0; i < sizeof(nav) / sizeof(nav[0]); i++)
        idp_buf_printf(&d->b, "<li><a id=\"nav-%s\" href=\"%s\"%s>%s</a></li>", nav[i].id, nav[i].href,
                       !strcmp(nav[i].id, current) ? " aria-current=\"page\"" : "", MSG(d, nav[i].label));
    idp_buf_printf(&d->b, "</ul></nav><p class=\"note\" id=\"roles\">%s: ", MSG(d, IDP_MSG_ADMIN_SIGNED_IN_AS));
    idp_html_escape(&d->b, c->roles ? c->roles : "");
    idp_buf_printf(&d->b, "</p><h2>%s</h2>", MSG(d, heading));
    notices(d, c);
}

static const char *state_text(idp_ui_doc_t *d, const idp_ui_admin_client_t *c)
{
    return MSG(d, c->suspended ? IDP_MSG_ADMIN_STATE_SUSPENDED
                  : c->sandbox ? IDP_MSG_ADMIN_STATE_SANDBOX
                               : IDP_MSG_ADMIN_STATE_LIVE);
}

static void client_table(idp_ui_doc_t *d, const char *id, const idp_ui_admin_client_t *cs, size_t n, bool pending,
                         const char *base)
{
    idp_buf_printf(&d->b,
                   "<table id=\"%s\"><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                   "<th scope=\"col\">%s</th></tr></thead><tbody>",
                   id, MSG(d, IDP_MSG_ADMIN_COL_NAME), MSG(d, IDP_MSG_ADMIN_COL_ORG), MSG(d, IDP_MSG_ADMIN_COL_STATE));
    for (size_t i = 0; i < n; i++) {
        if (pending && (!cs[i].sandbox || cs[i].suspended))
            continue;
        idp_buf_printf(&d->b, "<tr><td><a href=\"%s/clients/", base);
        idp_html_escape(&d->b, cs[i].id);
        idp_buf_puts(&d->b, "\">");
        idp_html_escape(&d->b, cs[i].name);
        idp_buf_puts(&d->b, "</a></td><td>");
        idp_html_escape(&d->b, cs[i].organisation);
        idp_buf_printf(&d->b, "</td><td>%s</td></tr>", state_text(d, &cs[i]));
    }
    idp_buf_puts(&d->b, "</tbody></table>");
}

idp_err_t idp_ui_render_admin_clients(const idp_ui_admin_clients_view_t *v, idp_ui_page_t *out)
{
    idp_ui_doc_t d;
    size_t pending = 0;
    for (size_t i = 0; i < v->n; i++)
        pending += v->clients[i].sandbox && !v->clients[i].suspended;
    if (v->partner) {
        idp_ui_doc_begin(&d, v->c.lang, idp_msg_get(IDP_MSG_PARTNER_TITLE, v->c.lang));
        begin_partner(&d, &v->c, IDP_MSG_PARTNER_CLIENTS);
        idp_buf_puts(&d.b, "<section>");
        if (v->n)
            client_table(&d, "all", v->clients, v->n, false, "/partner");
        else
            idp_buf_printf(&d.b, "<p id=\"no-clients\">%s</p>", MSG(&d, IDP_MSG_PARTNER_NO_CLIENTS));
        idp_ui_link_button(&d, "primary", "to-register", "/partner/register", MSG(&d, IDP_MSG_PARTNER_REGISTER_LINK));
        idp_ui_link_button(&d, "secondary", "to-tests", "/partner/test-residents", MSG(&d, IDP_MSG_PARTNER_TEST_LINK));
        idp_buf_puts(&d.b, "</section>");
        return idp_ui_doc_end(&d, 200, NULL, NULL, out);
    }
    idp_ui_doc_begin(&d, v->c.lang, idp_msg_get(IDP_MSG_ADMIN_TITLE, v->c.lang));
    begin(&d, &v->c, IDP_MSG_ADMIN_NAV_CLIENTS, "clients");
    idp_buf_printf(&d.b, "<section aria-labelledby=\"pending-h\"><h3 id=\"pending-h\">%s</h3>",
                   MSG(&d, IDP_MSG_ADMIN_PENDING));
    if (pending)
        client_table(&d, "pending", v->clients, v->n, true, "/admin");
    else
        idp_buf_printf(&d.b, "<p id=\"pending-none\">%s</p>", MSG(&d, IDP_MSG_ADMIN_PENDING_NONE));
    idp_buf_printf(&d.b, "</section><section aria-labelledby=\"all-h\"><h3 id=\"all-h\">%s</h3>",
                   MSG(&d, IDP_MSG_ADMIN_ALL_CLIENTS));
    client_table(&d, "all", v->clients, v->n, false, "/admin");
    idp_buf_puts(&d.b, "</section>");
    return idp_ui_doc_end(&d, 200, NULL, NULL, out);
}

/* A form of one button that posts to @p action with the page's CSRF token. */
static void action_form(idp_ui_doc_t *d, const char *csrf, const char *id, const char *action, const char *label,
                        const char *hint)
{
    idp_buf_printf(&d->b, "<form method=\"post\" action=\"");
    idp_html_escape(&d->b, action);
    idp_buf_puts(&d->b, "\">");
    idp_ui_hidden(&d->b, "csrf", csrf);
    idp_buf_printf(&d->b, "<p class=\"hint\" id=\"%s-hint\">%s</p>", id, hint);
    idp_buf_printf(&d->b,
                   "<button type=\"submit\" class=\"primary\" id=\"%s\" aria-describedby=\"%s-hint\">%s</button>"
                   "</form>",
                   id, id, label);
}

/* A client's statistics, day by day, as shown (k-thresholded by the caller). */
static void stats_table(idp_ui_doc_t *d, const idp_ui_stat_day_t *days, size_t n)
{
    idp_buf_printf(&d->b,
                   "<section aria-labelledby=\"stats-h\"><h3 id=\"stats-h\">%s</h3><p class=\"note\">%s</p>"
                   "<table id=\"stats\"><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                   "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                   "<th scope=\"col\">%s</th></tr></thead><tbody>",
                   MSG(d, IDP_MSG_STATS_HEADING), MSG(d, IDP_MSG_STATS_NOTE), MSG(d, IDP_MSG_STATS_DAY),
                   MSG(d, IDP_MSG_STATS_SIGN_INS), MSG(d, IDP_MSG_STATS_CONSENTS), MSG(d, IDP_MSG_STATS_REFUSALS),
                   MSG(d, IDP_MSG_STATS_WITHDRAWALS), MSG(d, IDP_MSG_STATS_STEP_UPS));
    for (size_t i = 0; i < n; i++) {
        const char *cells[] = {days[i].sign_ins, days[i].consents, days[i].refusals, days[i].withdrawals,
                               days[i].step_ups};
        idp_buf_puts(&d->b, "<tr><th scope=\"row\">");
        idp_html_escape(&d->b, days[i].day);
        idp_buf_puts(&d->b, "</th>");
        for (size_t k = 0; k < sizeof(cells) / sizeof(cells[0]); k++) {
            idp_buf_puts(&d->b, "<td>");
            idp_html_escape(&d->b, cells[k] ? cells[k] : "");
            idp_buf_puts(&d->b, "</td>");
        }
        idp_buf_puts(&d->b, "</tr>");
    }
    idp_buf_puts(&d->b, "</tbody></table></section>");
}

/* A textarea of redirect URIs, one per line (@p text as sent, or the list). */
static void redirects_area(idp_ui_doc_t *d, const char *text, const char *const *list)
{
    idp_buf_printf(&d->b,
                   "<label for=\"redirect_uris\">%s</label><p class=\"hint\" id=\"redirect_uris-hint\">%s</p>"
                   "<textarea id=\"redirect_uris\" name=\"redirect_uris\" rows=\"4\" required spellcheck=\"false\" "
                   "autocomplete=\"off\" aria-describedby=\"redirect_uris-hint\">",
                   MSG(d, IDP_MSG_PARTNER_FIELD_REDIRECTS), MSG(d, IDP_MSG_PARTNER_REDIRECTS_HINT));
    if (text)
        idp_html_escape(&d->b, text);
    for (const char *const *u = list; !text && u && *u; u++) {
        idp_html_escape(&d->b, *u);
        idp_buf_puts(&d->b, "\n");
    }
    idp_buf_puts(&d->b, "</textarea>");
}

/* The partner portal's form that replaces a client's redirect URIs. */
static void redirects_form(idp_ui_doc_t *d, const idp_ui_admin_client_view_t *v)
{
    idp_buf_printf(&d->b, "<section><form method=\"post\" action=\"%s/clients/", v->partner ? "/partner" : "/admin");
    idp_html_escape(&d->b, v->client.id);
    idp_buf_puts(&d->b, "/redirect-uris\">");
    idp_ui_hidden(&d->b, "csrf", v->c.csrf);
    redirects_area(d, v->redirects_text, v->redirect_uris);
    idp_buf_printf(&d->b,
                   "<p class=\"hint\" id=\"save-redirects-hint\">%s</p><button type=\"submit\" class=\"primary\" "
                   "id=\"save-redirects\" aria-describedby=\"save-redirects-hint\">%s</button></form></section>",
                   MSG(d, IDP_MSG_PARTNER_SAVE_REDIRECTS_HINT), MSG(d, IDP_MSG_PARTNER_SAVE_REDIRECTS));
}

idp_err_t idp_ui_render_admin_client(const idp_ui_admin_client_view_t *v, idp_ui_page_t *out)
{
    idp_ui_doc_t d;
    const idp_ui_admin_client_t *c = &v->client;
    const char *base = v->partner ? "/partner" : "/admin";
    idp_ui_doc_begin(&d, v->c.lang,
                     idp_msg_get(v->partner ? IDP_MSG_PARTNER_TITLE : IDP_MSG_ADMIN_CLIENT_TITLE, v->c.lang));
    if (v->partner)
        begin_partner(&d, &v->c, IDP_MSG_ADMIN_CLIENT_TITLE);
    else
        begin(&d, &v->c, IDP_MSG_ADMIN_CLIENT_TITLE, "clients");
    if (v->requested)
        idp_buf_printf(&d.b, "<p class=\"note\" id=\"requested\">%s</p>",
                       MSG(&d, v->partner ? IDP_MSG_PARTNER_REQUESTED : IDP_MSG_ADMIN_REQUESTED_BY_PARTNER));
    if (v->new_secret) {
        idp_buf_printf(&d.b,
                       "<section class=\"alert\" aria-labelledby=\"secret-h\"><h3 id=\"secret-h\">%s</h3>"
                       "<p><code id=\"new-secret\">",
                       MSG(&d, IDP_MSG_ADMIN_NEW_SECRET));
        idp_html_escape(&d.b, v->new_secret);
        idp_buf_printf(&d.b, "</code></p><p>%s</p></section>", MSG(&d, IDP_MSG_ADMIN_NEW_SECRET_NOTE));
    }
    idp_buf_printf(&d.b, "<section><dl id=\"client\"><dt>%s</dt><dd>", MSG(&d, IDP_MSG_ADMIN_COL_NAME));
    idp_html_escape(&d.b, c->name ? c->name : "");
    idp_buf_printf(&d.b, "</dd><dt>%s</dt><dd><code>", MSG(&d, IDP_MSG_ADMIN_COL_ID));
    idp_html_escape(&d.b, c->id);
    idp_buf_printf(&d.b, "</code></dd><dt>%s</dt><dd>", MSG(&d, IDP_MSG_ADMIN_COL_ORG));
    idp_html_escape(&d.b, c->organisation);
    idp_buf_printf(&d.b, "</dd><dt>%s</dt><dd>", MSG(&d, IDP_MSG_ADMIN_TIER));
    idp_html_escape(&d.b, v->tier ? v->tier : "");
    idp_buf_printf(&d.b, "</dd><dt>%s</dt><dd id=\"state\">%s</dd><dt>%s</dt><dd><ul>",
                   MSG(&d, IDP_MSG_ADMIN_COL_STATE), state_text(&d, c), MSG(&d, IDP_MSG_ADMIN_REDIRECTS));
    for (const char *const *u = v->redirect_uris; u && *u; u++) {
        idp_buf_puts(&d.b, "<li><code>");
        idp_html_escape(&d.b, *u);
        idp_buf_puts(&d.b, "</code></li>");
    }
    idp_buf_puts(&d.b, "</ul></dd></dl></section>");
    if (v->days)
        stats_table(&d, v->days, v->ndays);
    char action[160];
    if (v->may_edit)
        redirects_form(&d, v);
    idp_buf_puts(&d.b, "<section>");
    if (!v->partner && c->sandbox && !c->suspended) {
        snprintf(action, sizeof(action), "/admin/clients/%.100s/approve", c->id);
        action_form(&d, v->c.csrf, "approve", action, MSG(&d, IDP_MSG_ADMIN_APPROVE),
                    MSG(&d, IDP_MSG_ADMIN_APPROVE_HINT));
    }
    if (v->partner && c->sandbox && !c->suspended && !v->requested) {
        snprintf(action, sizeof(action), "/partner/clients/%.100s/request-approval", c->id);
        action_form(&d, v->c.csrf, "request-approval", action, MSG(&d, IDP_MSG_PARTNER_REQUEST),
                    MSG(&d, IDP_MSG_PARTNER_REQUEST_HINT));
    }
    if (v->uses_secret) {
        snprintf(action, sizeof(action), "%s/clients/%.100s/rotate-secret", base, c->id);
        action_form(&d, v->c.csrf, "rotate-secret", action, MSG(&d, IDP_MSG_ADMIN_ROTATE_SECRET),
                    MSG(&d, IDP_MSG_ADMIN_ROTATE_SECRET_HINT));
    }
    idp_ui_link_button(&d, "secondary", "back", base, MSG(&d, IDP_MSG_ADMIN_BACK_TO_CLIENTS));
    idp_buf_puts(&d.b, "</section>");
    return idp_ui_doc_end(&d, 200, NULL, NULL, out);
}

/* @p t (unix seconds) as "YYYY-MM-DD HH:MM UTC". */
static void utc(long long t, char when[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(when, 32, "%Y-%m-%d %H:%M UTC", &tm);
}

/* The keys page's scheduled rotations, with the form to set or cancel them for key operators. */
static void schedules(idp_ui_doc_t *d, const idp_ui_admin_keys_view_t *v)
{
    idp_buf_printf(&d->b, "<section aria-labelledby=\"schedule-h\"><h3 id=\"schedule-h\">%s</h3>",
                   MSG(d, IDP_MSG_ADMIN_SCHEDULE_HEADING));
    if (v->nschedules == 0)
        idp_buf_printf(&d->b, "<p id=\"schedule-none\">%s</p>", MSG(d, IDP_MSG_ADMIN_SCHEDULE_NONE));
    else
        idp_buf_printf(&d->b,
                       "<table id=\"schedules\"><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                       "<th scope=\"col\">%s</th><th scope=\"col\">%s</th>",
                       MSG(d, IDP_MSG_ADMIN_COL_ALG), MSG(d, IDP_MSG_ADMIN_COL_EVERY), MSG(d, IDP_MSG_ADMIN_COL_NEXT),
                       MSG(d, IDP_MSG_ADMIN_COL_SET_BY));
    if (v->nschedules)
        idp_buf_printf(&d->b, "%s%s%s</tr></thead><tbody>", v->may_rotate ? "<th scope=\"col\">" : "",
                       v->may_rotate ? MSG(d, IDP_MSG_PARTNER_COL_ACTION) : "", v->may_rotate ? "</th>" : "");
    for (size_t i = 0; i < v->nschedules; i++) {
        const idp_ui_admin_schedule_t *s = &v->schedules[i];
        char when[32];
        utc(s->next_at, when);
        idp_buf_printf(&d->b, "<tr data-alg=\"%s\"><td>%s</td><td>%lld</td><td>%s</td><td>", s->alg, s->alg,
                       s->every_days, when);
        idp_html_escape(&d->b, s->set_by);
        idp_buf_puts(&d->b, "</td>");
        if (v->may_rotate) {
            idp_buf_puts(&d->b, "<td><form method=\"post\" action=\"/admin/keys/schedule\">");
            idp_ui_hidden(&d->b, "csrf", v->c.csrf);
            idp_ui_hidden(&d->b, "alg", s->alg);
            idp_ui_hidden(&d->b, "action", "cancel");
            idp_buf_printf(&d->b,
                           "<button type=\"submit\" class=\"secondary\" id=\"cancel-%s\">%s</button></form></td>",
                           s->alg, MSG(d, IDP_MSG_ADMIN_SCHEDULE_CANCEL));
        }
        idp_buf_puts(&d->b, "</tr>");
    }
    if (v->nschedules)
        idp_buf_puts(&d->b, "</tbody></table>");
    if (v->may_rotate) {
        idp_buf_puts(&d->b, "<form method=\"post\" action=\"/admin/keys/schedule\">");
        idp_ui_hidden(&d->b, "csrf", v->c.csrf);
        idp_ui_hidden(&d->b, "action", "set");
        idp_buf_printf(&d->b,
                       "<p class=\"hint\" id=\"schedule-hint\">%s</p><label for=\"schedule-alg\">%s</label>"
                       "<select id=\"schedule-alg\" "
                       "name=\"alg\"><option>RS256</option><option>ES256</option><option>PS256</option></select>"
                       "<label for=\"every_days\">%s</label><input id=\"every_days\" name=\"every_days\" "
                       "type=\"number\" min=\"1\" max=\"366\" value=\"90\" required inputmode=\"numeric\" "
                       "aria-describedby=\"schedule-hint\"><button type=\"submit\" class=\"primary\" "
                       "id=\"set-schedule\">%s</button></form>",
                       MSG(d, IDP_MSG_ADMIN_SCHEDULE_HINT), MSG(d, IDP_MSG_ADMIN_COL_ALG),
                       MSG(d, IDP_MSG_ADMIN_COL_EVERY), MSG(d, IDP_MSG_ADMIN_SCHEDULE_SET));
    }
    idp_buf_puts(&d->b, "</section>");
}

idp_err_t idp_ui_render_admin_keys(const idp_ui_admin_keys_view_t *v, idp_ui_page_t *out)
{
    idp_ui_doc_t d;
    idp_ui_doc_begin(&d, v->c.lang, idp_msg_get(IDP_MSG_ADMIN_KEYS_TITLE, v->c.lang));
    begin(&d, &v->c, IDP_MSG_ADMIN_KEYS_TITLE, "keys");
    idp_buf_printf(&d.b,
                   "<section><table id=\"keys\"><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                   "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
                   MSG(&d, IDP_MSG_ADMIN_COL_KID), MSG(&d, IDP_MSG_ADMIN_COL_ALG), MSG(&d, IDP_MSG_ADMIN_COL_STATE),
                   MSG(&d, IDP_MSG_ADMIN_COL_CREATED));
    for (size_t i = 0; i < v->n; i++) {
        char when[32];
        utc(v->keys[i].created_at, when);
        idp_buf_puts(&d.b, "<tr><td><code>");
        idp_html_escape(&d.b, v->keys[i].kid);
        idp_buf_puts(&d.b, "</code></td><td>");
        idp_html_escape(&d.b, v->keys[i].alg);
        idp_buf_printf(&d.b, "</td><td data-state=\"%s\">", v->keys[i].state);
        idp_html_escape(&d.b, v->keys[i].state);
        idp_buf_printf(&d.b, "</td><td>%s</td></tr>", when);
    }
    idp_buf_puts(&d.b, "</tbody></table></section>");
    if (v->may_rotate) {
        idp_buf_printf(&d.b, "<section><form method=\"post\" action=\"/admin/keys/rotate\">");
        idp_ui_hidden(&d.b, "csrf", v->c.csrf);
        idp_buf_printf(&d.b,
                       "<p class=\"hint\" id=\"rotate-hint\">%s</p><label for=\"alg\">%s</label>"
                       "<select id=\"alg\" "
                       "name=\"alg\"><option>RS256</option><option>ES256</option><option>PS256</option></select>"
                       "<p><input type=\"checkbox\" class=\"check\" id=\"force\" name=\"force\" value=\"1\"> "
                       "<label class=\"inline\" for=\"force\">%s</label></p>"
                       "<button type=\"submit\" class=\"primary\" id=\"rotate-key\" "
                       "aria-describedby=\"rotate-hint\">%s</button></form></section>",
                       MSG(&d, IDP_MSG_ADMIN_ROTATE_KEY_HINT), MSG(&d, IDP_MSG_ADMIN_COL_ALG),
                       MSG(&d, IDP_MSG_ADMIN_FORCE), MSG(&d, IDP_MSG_ADMIN_ROTATE_KEY));
    }
    schedules(&d, v);
    return idp_ui_doc_end(&d, 200, NULL, NULL, out);
}

static void chain(idp_ui_doc_t *d, const char *id, idp_msg_id_t name, const idp_ui_admin_chain_t *c)
{
    idp_buf_printf(&d->b,
                   "<section aria-labelledby=\"%s-h\"><h3 id=\"%s-h\">%s</h3><p id=\"%s\" data-ok=\"%s\"%s>%s</p>"
                   "<dl><dt>%s</dt><dd>%lld</dd>",
                   id, id, MSG(d, name), id, c->ok ? "true" : "false", c->ok ? "" : " class=\"alert\"",
                   MSG(d, c->ok ? IDP_MSG_ADMIN_CHAIN_OK : IDP_MSG_ADMIN_CHAIN_BAD), MSG(d, IDP_MSG_ADMIN_ROWS),
                   c->rows);
    if (!c->ok) {
        idp_buf_printf(&d->b, "<dt>%s</dt><dd>%lld: ", MSG(d, IDP_MSG_ADMIN_BAD_ROW), c->bad_row);
        idp_html_escape(&d->b, c->problem ? c->problem : "");
        idp_buf_puts(&d->b, "</dd>");
    }
    idp_buf_puts(&d->b, "</dl></section>");
}

idp_err_t idp_ui_render_admin_audit(const idp_ui_admin_audit_view_t *v, idp_ui_page_t *out)
{
    idp_ui_doc_t d;
    idp_ui_doc_begin(&d, v->c.lang, idp_msg_get(IDP_MSG_ADMIN_AUDIT_TITLE, v->c.lang));
    begin(&d, &v->c, IDP_MSG_ADMIN_AUDIT_TITLE, "audit");
    chain(&d, "ledger", IDP_MSG_ADMIN_LEDGER, &v->ledger);
    chain(&d, "admin-log", IDP_MSG_ADMIN_ADMIN_LOG, &v->log);
    idp_buf_printf(&d.b,
                   "<section aria-labelledby=\"events-h\"><h3 id=\"events-h\">%s</h3><form method=\"get\" "
                   "action=\"/admin/audit\"><p class=\"hint\" id=\"events-hint\">%s</p><label for=\"event\">%s</label>"
                   "<input id=\"event\" name=\"event\" autocomplete=\"off\" maxlength=\"63\" "
                   "aria-describedby=\"events-hint\" value=\"",
                   MSG(&d, IDP_MSG_ADMIN_AUDIT_SEARCH), MSG(&d, IDP_MSG_ADMIN_AUDIT_HINT),
                   MSG(&d, IDP_MSG_ADMIN_COL_EVENT));
    idp_html_escape(&d.b, v->event ? v->event : "");
    idp_buf_printf(&d.b,
                   "\"><label for=\"resident\">%s</label><input id=\"resident\" name=\"resident\" autocomplete=\"off\" "
                   "maxlength=\"63\" value=\"",
                   MSG(&d, IDP_MSG_ADMIN_COL_RESIDENT));
    idp_html_escape(&d.b, v->resident ? v->resident : "");
    idp_buf_printf(&d.b, "\"><button type=\"submit\" class=\"primary\" id=\"search\">%s</button></form>",
                   MSG(&d, IDP_MSG_ADMIN_SEARCH));
    if (v->n == 0)
        idp_buf_printf(&d.b, "<p id=\"events-none\">%s</p>", MSG(&d, IDP_MSG_ADMIN_NOT_FOUND));
    else
        idp_buf_printf(&d.b,
                       "<table id=\"events\"><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                       "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
                       MSG(&d, IDP_MSG_ADMIN_COL_TIME), MSG(&d, IDP_MSG_ADMIN_COL_EVENT),
                       MSG(&d, IDP_MSG_ADMIN_COL_RESIDENT), MSG(&d, IDP_MSG_ADMIN_COL_DETAIL));
    for (size_t i = 0; i < v->n; i++) {
        char when[32];
        utc(v->events[i].at, when);
        idp_buf_printf(&d.b, "<tr><td>%s</td><td>", when);
        idp_html_escape(&d.b, v->events[i].event ? v->events[i].event : "");
        idp_buf_puts(&d.b, "</td><td><code>");
        idp_html_escape(&d.b, v->events[i].resident ? v->events[i].resident : "");
        idp_buf_puts(&d.b, "</code></td><td><code>");
        idp_html_escape(&d.b, v->events[i].detail ? v->events[i].detail : "");
        idp_buf_puts(&d.b, "</code></td></tr>");
    }
    if (v->n)
        idp_buf_puts(&d.b, "</tbody></table>");
    idp_buf_puts(&d.b, "</section>");
    return idp_ui_doc_end(&d, 200, NULL, NULL, out);
}

idp_err_t idp_ui_render_admin_denied(const char *lang, idp_ui_admin_denied_t why, idp_ui_page_t *out)
{
    static const idp_msg_id_t messages[] = {
        [IDP_ADMIN_DENIED_CARD] = IDP_MSG_ADMIN_DENIED_CARD,
        [IDP_ADMIN_DENIED_ROLE] = IDP_MSG_ADMIN_DENIED_ROLE,
        [IDP_ADMIN_DENIED_FRESH] = IDP_MSG_ADMIN_DENIED_FRESH,
        [IDP_ADMIN_DENIED_PARTNER] = IDP_MSG_PARTNER_DENIED,
        [IDP_ADMIN_DENIED_PARTNER_FRESH] = IDP_MSG_PARTNER_DENIED_FRESH,
    };
    idp_msg_id_t message = messages[(unsigned)why < sizeof(messages) / sizeof(messages[0]) ? why : 0];
    idp_ui_doc_t d;
    idp_ui_doc_begin(&d, lang, idp_msg_get(IDP_MSG_ADMIN_TITLE, lang));
    idp_buf_printf(&d.b,
                   "<h1>" IDP_UI_BRAND "</h1><section class=\"error\" role=\"alert\" id=\"denied\"><h2>%s</h2>"
                   "<p>%s</p>",
                   MSG(&d, IDP_MSG_ADMIN_DENIED_HEADING), MSG(&d, message));
    if (why == IDP_ADMIN_DENIED_CARD || why == IDP_ADMIN_DENIED_FRESH)
        idp_ui_link_button(&d, "primary", "admin-sign-in", "/account/login?for=admin", MSG(&d, IDP_MSG_ADMIN_SIGN_IN));
    if (why == IDP_ADMIN_DENIED_PARTNER_FRESH)
        idp_ui_link_button(&d, "primary", "admin-sign-in", "/account/login?for=partner",
                           MSG(&d, IDP_MSG_ADMIN_SIGN_IN));
    idp_ui_link_button(&d, "secondary", "to-account", "/account", MSG(&d, IDP_MSG_ERROR_TO_ACCOUNT));
    idp_buf_puts(&d.b, "</section>");
    return idp_ui_doc_end(&d, 403, NULL, NULL, out);
}

/* The help desk's form for one resident: a reason, and lock or unlock, and end sessions. */
static void resident_form(idp_ui_doc_t *d, const char *csrf, const idp_ui_admin_resident_t *r, size_t i)
{
    idp_buf_puts(&d->b, "<section><form method=\"post\" action=\"/admin/residents/");
    idp_html_escape(&d->b, r->id);
    idp_buf_puts(&d->b, "\">");
    idp_ui_hidden(&d->b, "csrf", csrf);
    idp_buf_printf(&d->b, "<label for=\"reason-%zu\">%s: <code>", i, MSG(d, IDP_MSG_ADMIN_REASON));
    idp_html_escape(&d->b, r->id);
    idp_buf_printf(&d->b,
                   "</code></label><input id=\"reason-%zu\" name=\"reason\" required maxlength=\"500\" "
                   "autocomplete=\"off\"><button type=\"submit\" class=\"primary\" name=\"action\" value=\"%s\" "
                   "id=\"%s-%zu\">%s</button><button type=\"submit\" class=\"secondary\" name=\"action\" "
                   "value=\"end-sessions\" id=\"end-sessions-%zu\">%s</button></form></section>",
                   i, r->locked ? "unlock" : "lock", r->locked ? "unlock" : "lock", i,
                   MSG(d, r->locked ? IDP_MSG_ADMIN_UNLOCK : IDP_MSG_ADMIN_LOCK), i,
                   MSG(d, IDP_MSG_ADMIN_END_SESSIONS));
}

idp_err_t idp_ui_render_admin_residents(const idp_ui_admin_residents_view_t *v, idp_ui_page_t *out)
{
    idp_ui_doc_t d;
    idp_ui_doc_begin(&d, v->c.lang, idp_msg_get(IDP_MSG_ADMIN_RESIDENTS_TITLE, v->c.lang));
    begin(&d, &v->c, IDP_MSG_ADMIN_RESIDENTS_TITLE, "residents");
    idp_buf_printf(
        &d.b,
        "<section><form method=\"get\" action=\"/admin/residents\"><p class=\"hint\" id=\"lookup-hint\">%s</p>"
        "<label for=\"client_id\">%s</label><input id=\"client_id\" name=\"client_id\" "
        "aria-describedby=\"lookup-hint\" autocomplete=\"off\" value=\"",
        MSG(&d, IDP_MSG_ADMIN_RESIDENTS_HINT), MSG(&d, IDP_MSG_ADMIN_COL_ID));
    idp_html_escape(&d.b, v->client_id ? v->client_id : "");
    idp_buf_printf(&d.b, "\"><label for=\"sub\">%s</label><input id=\"sub\" name=\"sub\" autocomplete=\"off\" value=\"",
                   MSG(&d, IDP_MSG_ADMIN_SUB));
    idp_html_escape(&d.b, v->sub ? v->sub : "");
    idp_buf_printf(&d.b, "\"><button type=\"submit\" class=\"primary\" id=\"lookup\">%s</button></form></section>",
                   MSG(&d, IDP_MSG_ADMIN_LOOKUP));
    if (v->searched && v->n == 0)
        idp_buf_printf(&d.b, "<p role=\"status\" id=\"none-found\">%s</p>", MSG(&d, IDP_MSG_ADMIN_NOT_FOUND));
    if (v->n) {
        idp_buf_printf(&d.b,
                       "<section><table id=\"found\"><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                       "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
                       MSG(&d, IDP_MSG_ADMIN_COL_RESIDENT), MSG(&d, IDP_MSG_ADMIN_COL_LOCKED),
                       MSG(&d, IDP_MSG_ADMIN_COL_WAYS), MSG(&d, IDP_MSG_ADMIN_COL_SESSIONS));
        for (size_t i = 0; i < v->n; i++) {
            idp_buf_puts(&d.b, "<tr><td><code>");
            idp_html_escape(&d.b, v->residents[i].id);
            idp_buf_printf(&d.b, "</code></td><td data-locked=\"%s\">%s</td><td>%d</td><td>%d</td></tr>",
                           v->residents[i].locked ? "true" : "false",
                           MSG(&d, v->residents[i].locked ? IDP_MSG_ADMIN_YES : IDP_MSG_ADMIN_NO), v->residents[i].ways,
                           v->residents[i].sessions);
        }
        idp_buf_puts(&d.b, "</tbody></table></section>");
        for (size_t i = 0; i < v->n; i++)
            resident_form(&d, v->c.csrf, &v->residents[i], i);
    }
    return idp_ui_doc_end(&d, 200, NULL, NULL, out);
}

/* ---- the partner portal's own pages ----------------------------------------------------------- */

/* The organisations to choose from: a select when there are several, else the one as a hidden field. */
static void org_field(idp_ui_doc_t *d, const char *const *orgs, const char *chosen)
{
    size_t n = 0;
    while (orgs && orgs[n])
        n++;
    if (n == 1) {
        idp_ui_hidden(&d->b, "organisation", orgs[0]);
        return;
    }
    idp_buf_printf(&d->b, "<label for=\"organisation\">%s</label><select id=\"organisation\" name=\"organisation\">",
                   MSG(d, IDP_MSG_ADMIN_COL_ORG));
    for (size_t i = 0; i < n; i++) {
        idp_buf_puts(&d->b, "<option");
        if (chosen && !strcmp(chosen, orgs[i]))
            idp_buf_puts(&d->b, " selected");
        idp_buf_puts(&d->b, ">");
        idp_html_escape(&d->b, orgs[i]);
        idp_buf_puts(&d->b, "</option>");
    }
    idp_buf_puts(&d->b, "</select>");
}

idp_err_t idp_ui_render_partner_register(const idp_ui_partner_register_view_t *v, idp_ui_page_t *out)
{
    idp_ui_doc_t d;
    idp_ui_doc_begin(&d, v->c.lang, idp_msg_get(IDP_MSG_PARTNER_REGISTER_TITLE, v->c.lang));
    begin_partner(&d, &v->c, IDP_MSG_PARTNER_REGISTER_TITLE);
    idp_buf_printf(&d.b, "<section><p id=\"register-hint\">%s</p><form method=\"post\" action=\"/partner/register\">",
                   MSG(&d, IDP_MSG_PARTNER_REGISTER_HINT));
    idp_ui_hidden(&d.b, "csrf", v->c.csrf);
    org_field(&d, v->orgs, v->org);
    idp_buf_printf(&d.b,
                   "<label for=\"client_name\">%s</label><input id=\"client_name\" name=\"client_name\" required "
                   "maxlength=\"200\" autocomplete=\"off\" value=\"",
                   MSG(&d, IDP_MSG_ADMIN_COL_NAME));
    idp_html_escape(&d.b, v->name ? v->name : "");
    idp_buf_puts(&d.b, "\">");
    redirects_area(&d, v->redirects ? v->redirects : "", NULL);
    idp_buf_printf(&d.b,
                   "<fieldset><legend>%s</legend><p><input type=\"radio\" class=\"check\" id=\"kind-server\" "
                   "name=\"kind\" value=\"server\"%s> <label class=\"inline\" for=\"kind-server\">%s</label></p>"
                   "<p><input type=\"radio\" class=\"check\" id=\"kind-public\" name=\"kind\" value=\"public\"%s> "
                   "<label class=\"inline\" for=\"kind-public\">%s</label></p></fieldset>"
                   "<button type=\"submit\" class=\"primary\" id=\"register\" aria-describedby=\"register-hint\">%s"
                   "</button></form>",
                   MSG(&d, IDP_MSG_PARTNER_KIND), v->public_client ? "" : " checked",
                   MSG(&d, IDP_MSG_PARTNER_KIND_SERVER), v->public_client ? " checked" : "",
                   MSG(&d, IDP_MSG_PARTNER_KIND_PUBLIC), MSG(&d, IDP_MSG_PARTNER_REGISTER_SUBMIT));
    idp_ui_link_button(&d, "secondary", "back", "/partner", MSG(&d, IDP_MSG_PARTNER_BACK));
    idp_buf_puts(&d.b, "</section>");
    return idp_ui_doc_end(&d, v->c.alert ? 400 : 200, NULL, NULL, out);
}

/* A form of one button that adds or removes @p id as a test resident of @p org. */
static void test_form(idp_ui_doc_t *d, const char *csrf, const char *org, const char *id, bool add, size_t row)
{
    idp_buf_puts(&d->b, "<form method=\"post\" action=\"/partner/test-residents\">");
    idp_ui_hidden(&d->b, "csrf", csrf);
    idp_ui_hidden(&d->b, "organisation", org);
    idp_ui_hidden(&d->b, "resident", id);
    idp_ui_hidden(&d->b, "action", add ? "add" : "remove");
    idp_buf_printf(&d->b, "<button type=\"submit\" class=\"secondary\" id=\"%s-%zu\">%s</button></form>",
                   add ? "add" : "remove", row, MSG(d, add ? IDP_MSG_PARTNER_ADD_TEST : IDP_MSG_PARTNER_REMOVE_TEST));
}

idp_err_t idp_ui_render_partner_tests(const idp_ui_partner_tests_view_t *v, idp_ui_page_t *out)
{
    idp_ui_doc_t d;
    idp_ui_doc_begin(&d, v->c.lang, idp_msg_get(IDP_MSG_PARTNER_TEST_TITLE, v->c.lang));
    begin_partner(&d, &v->c, IDP_MSG_PARTNER_TEST_TITLE);
    idp_buf_printf(&d.b, "<section><p id=\"tests-hint\">%s</p>", MSG(&d, IDP_MSG_PARTNER_TEST_HINT));
    if (v->orgs && v->orgs[0] && v->orgs[1]) { /* several organisations: one page each */
        idp_buf_printf(&d.b, "<nav aria-label=\"%s\" class=\"admin\"><ul>", MSG(&d, IDP_MSG_ADMIN_COL_ORG));
        for (const char *const *o = v->orgs; *o; o++) {
            idp_buf_puts(&d.b, "<li><a href=\"/partner/test-residents?organisation=");
            idp_html_escape(&d.b, *o);
            idp_buf_printf(&d.b, "\"%s>", !strcmp(*o, v->org) ? " aria-current=\"page\"" : "");
            idp_html_escape(&d.b, *o);
            idp_buf_puts(&d.b, "</a></li>");
        }
        idp_buf_puts(&d.b, "</ul></nav>");
    }
    idp_buf_printf(&d.b, "<table id=\"people\"><caption>%s: ", MSG(&d, IDP_MSG_ADMIN_COL_ORG));
    idp_html_escape(&d.b, v->org);
    idp_buf_printf(&d.b,
                   "</caption><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                   "<th scope=\"col\">%s</th></tr></thead><tbody>",
                   MSG(&d, IDP_MSG_ADMIN_COL_RESIDENT), MSG(&d, IDP_MSG_PARTNER_COL_MEMBER),
                   MSG(&d, IDP_MSG_PARTNER_COL_TEST), MSG(&d, IDP_MSG_PARTNER_COL_ACTION));
    for (size_t i = 0; i < v->n; i++) {
        const idp_ui_partner_person_t *p = &v->people[i];
        idp_buf_printf(&d.b, "<tr data-resident=\"");
        idp_html_escape(&d.b, p->id);
        idp_buf_puts(&d.b, "\"><td><code>");
        idp_html_escape(&d.b, p->id);
        idp_buf_printf(&d.b, "</code>%s%s</td><td>%s</td><td data-test=\"%s\">%s</td><td>", p->you ? " " : "",
                       p->you ? MSG(&d, IDP_MSG_PARTNER_YOU) : "",
                       MSG(&d, p->member ? IDP_MSG_ADMIN_YES : IDP_MSG_ADMIN_NO), p->test ? "true" : "false",
                       MSG(&d, p->test ? IDP_MSG_ADMIN_YES : IDP_MSG_ADMIN_NO));
        if (p->test || p->member)
            test_form(&d, v->c.csrf, v->org, p->id, !p->test, i);
        idp_buf_puts(&d.b, "</td></tr>");
    }
    idp_buf_puts(&d.b, "</tbody></table>");
    idp_ui_link_button(&d, "secondary", "back", "/partner", MSG(&d, IDP_MSG_PARTNER_BACK));
    idp_buf_puts(&d.b, "</section>");
    return idp_ui_doc_end(&d, 200, NULL, NULL, out);
}

idp_err_t idp_ui_render_admin_upstreams(const idp_ui_admin_upstreams_view_t *v, idp_ui_page_t *out)
{
    idp_ui_doc_t d;
    idp_ui_doc_begin(&d, v->c.lang, idp_msg_get(IDP_MSG_ADMIN_UPSTREAMS_TITLE, v->c.lang));
    begin(&d, &v->c, IDP_MSG_ADMIN_UPSTREAMS_TITLE, "upstreams");
    idp_buf_printf(&d.b, "<section><p class=\"hint\">%s</p>", MSG(&d, IDP_MSG_ADMIN_UPSTREAMS_HINT));
    if (v->n == 0) {
        idp_buf_printf(&d.b, "<p id=\"upstreams-none\">%s</p></section>", MSG(&d, IDP_MSG_ADMIN_UPSTREAMS_NONE));
        return idp_ui_doc_end(&d, 200, NULL, NULL, out);
    }
    idp_buf_printf(&d.b,
                   "<table id=\"upstreams\"><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                   "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>",
                   MSG(&d, IDP_MSG_ADMIN_COL_NAME), MSG(&d, IDP_MSG_ADMIN_COL_ID), MSG(&d, IDP_MSG_ADMIN_COL_KIND),
                   MSG(&d, IDP_MSG_ADMIN_COL_ISSUER), MSG(&d, IDP_MSG_ADMIN_COL_ENABLED));
    if (v->may_change)
        idp_buf_printf(&d.b, "<th scope=\"col\">%s</th>", MSG(&d, IDP_MSG_PARTNER_COL_ACTION));
    idp_buf_puts(&d.b, "</tr></thead><tbody>");
    for (size_t i = 0; i < v->n; i++) {
        const idp_ui_admin_upstream_t *u = &v->upstreams[i];
        idp_buf_puts(&d.b, "<tr data-upstream=\"");
        idp_html_escape(&d.b, u->id);
        idp_buf_puts(&d.b, "\"><td>");
        idp_html_escape(&d.b, u->name);
        idp_buf_puts(&d.b, "</td><td><code>");
        idp_html_escape(&d.b, u->id);
        idp_buf_puts(&d.b, "</code></td><td>");
        idp_html_escape(&d.b, u->kind);
        idp_buf_puts(&d.b, "</td><td><code>");
        idp_html_escape(&d.b, u->issuer);
        idp_buf_printf(&d.b, "</code></td><td data-enabled=\"%s\">%s</td>", u->enabled ? "true" : "false",
                       MSG(&d, u->enabled ? IDP_MSG_ADMIN_YES : IDP_MSG_ADMIN_NO));
        if (v->may_change) {
            idp_buf_puts(&d.b, "<td><form method=\"post\" action=\"/admin/upstreams/");
            idp_html_escape(&d.b, u->id);
            idp_buf_puts(&d.b, "\">");
            idp_ui_hidden(&d.b, "csrf", v->c.csrf);
            idp_ui_hidden(&d.b, "action", u->enabled ? "disable" : "enable");
            idp_buf_printf(&d.b,
                           "<button type=\"submit\" class=\"secondary\" id=\"toggle-%zu\">%s</button></form></td>", i,
                           MSG(&d, u->enabled ? IDP_MSG_ADMIN_DISABLE : IDP_MSG_ADMIN_ENABLE));
        }
        idp_buf_puts(&d.b, "</tr>");
    }
    idp_buf_puts(&d.b, "</tbody></table></section>");
    return idp_ui_doc_end(&d, 200, NULL, NULL, out);
}

/* A category's name (the catalogue's outreach.<id>.name). */
static const char *category_name(idp_ui_doc_t *d, const char *id)
{
    char key[64];
    snprintf(key, sizeof(key), "outreach.%.24s.name", id ? id : "");
    return idp_msg(key, d->lang);
}

static void outreach_text_field(idp_ui_doc_t *d, const char *id, idp_msg_id_t label, const char *value, bool required)
{
    idp_buf_printf(&d->b,
                   "<label for=\"%s\">%s</label><input id=\"%s\" name=\"%s\" type=\"text\" autocomplete=\"off\"%s", id,
                   MSG(d, label), id, id, required ? " required" : "");
    if (value) {
        idp_buf_puts(&d->b, " value=\"");
        idp_html_escape(&d->b, value);
        idp_buf_puts(&d->b, "\"");
    }
    idp_buf_puts(&d->b, ">");
}

/* The planner's page (issue #22): the segment just counted with its send button, the form, segments, campaigns. */
idp_err_t idp_ui_render_admin_outreach(const idp_ui_admin_outreach_view_t *v, idp_ui_page_t *out)
{
    idp_ui_doc_t d;
    idp_buf_t *b = &d.b;
    char when[32];
    idp_ui_doc_begin(&d, v->c.lang, idp_msg_get(IDP_MSG_ADMIN_OUTREACH_TITLE, v->c.lang));
    begin(&d, &v->c, IDP_MSG_ADMIN_OUTREACH_TITLE, "outreach");
    idp_buf_printf(b, "<p class=\"hint\">%s</p>", MSG(&d, IDP_MSG_ADMIN_OUTREACH_HINT));
    if (v->counted) {
        idp_buf_puts(b, "<section id=\"counted\" aria-labelledby=\"counted-h\"><h3 id=\"counted-h\">");
        idp_html_escape(b, v->counted->name);
        idp_buf_printf(b, "</h3><p>%s: <code>", category_name(&d, v->counted->category));
        idp_html_escape(b, v->counted->criteria);
        idp_buf_printf(b, "</code></p><p>%s: <strong id=\"counted-size\">", MSG(&d, IDP_MSG_ADMIN_OUTREACH_SIZE));
        idp_html_escape(b, v->counted_size);
        idp_buf_puts(b, "</strong></p>");
        if (v->counted_sendable) {
            idp_buf_puts(b, "<form method=\"post\" action=\"/admin/outreach/segments/");
            idp_html_escape(b, v->counted->id);
            idp_buf_puts(b, "/send\">");
            idp_ui_hidden(b, "csrf", v->c.csrf);
            idp_buf_printf(b, "<button type=\"submit\" class=\"primary\" id=\"send\">%s</button></form>",
                           MSG(&d, IDP_MSG_ADMIN_OUTREACH_SEND));
        } else {
            idp_buf_printf(b, "<p class=\"note\" id=\"under-k\">%s</p>", MSG(&d, IDP_MSG_ADMIN_OUTREACH_UNDER_K));
        }
        idp_buf_puts(b, "</section>");
    }
    /* the form */
    idp_buf_printf(b,
                   "<section aria-labelledby=\"define-h\"><h3 id=\"define-h\">%s</h3>"
                   "<form method=\"post\" action=\"/admin/outreach/segments\">",
                   MSG(&d, IDP_MSG_ADMIN_OUTREACH_DEFINE));
    idp_ui_hidden(b, "csrf", v->c.csrf);
    outreach_text_field(&d, "name", IDP_MSG_ADMIN_OUTREACH_NAME, v->name, true);
    idp_buf_printf(b, "<label for=\"category\">%s</label><select id=\"category\" name=\"category\">",
                   MSG(&d, IDP_MSG_ADMIN_OUTREACH_CATEGORY));
    for (size_t i = 0; v->categories && v->categories[i]; i++) {
        idp_buf_puts(b, "<option value=\"");
        idp_html_escape(b, v->categories[i]);
        idp_buf_printf(b, "\"%s>%s</option>", v->category && !strcmp(v->category, v->categories[i]) ? " selected" : "",
                       category_name(&d, v->categories[i]));
    }
    idp_buf_printf(b,
                   "</select><label for=\"criteria\">%s</label><p class=\"note\" id=\"criteria-hint\">%s</p>"
                   "<textarea id=\"criteria\" name=\"criteria\" rows=\"3\" aria-describedby=\"criteria-hint\">",
                   MSG(&d, IDP_MSG_ADMIN_OUTREACH_CRITERIA), MSG(&d, IDP_MSG_ADMIN_OUTREACH_CRITERIA_HINT));
    if (v->criteria)
        idp_html_escape(b, v->criteria);
    idp_buf_puts(b, "</textarea>");
    outreach_text_field(&d, "sponsor", IDP_MSG_ADMIN_OUTREACH_SPONSOR, v->sponsor, false);
    idp_buf_printf(b, "<button type=\"submit\" class=\"primary\" id=\"define\">%s</button></form></section>",
                   MSG(&d, IDP_MSG_ADMIN_OUTREACH_DEFINE_BUTTON));
    /* recent segments */
    idp_buf_printf(b, "<section aria-labelledby=\"segments-h\"><h3 id=\"segments-h\">%s</h3>",
                   MSG(&d, IDP_MSG_ADMIN_OUTREACH_SEGMENTS));
    if (v->nsegments == 0) {
        idp_buf_printf(b, "<p>%s</p>", MSG(&d, IDP_MSG_ADMIN_OUTREACH_NONE));
    } else {
        idp_buf_printf(b,
                       "<table id=\"segments\"><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                       "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
                       MSG(&d, IDP_MSG_ADMIN_OUTREACH_NAME), MSG(&d, IDP_MSG_ADMIN_OUTREACH_CATEGORY),
                       MSG(&d, IDP_MSG_ADMIN_OUTREACH_CRITERIA), MSG(&d, IDP_MSG_ADMIN_OUTREACH_SIZE));
        for (size_t i = 0; i < v->nsegments; i++) {
            const idp_ui_outreach_segment_t *x = &v->segments[i];
            idp_buf_puts(b, "<tr data-segment=\"");
            idp_html_escape(b, x->id);
            idp_buf_puts(b, "\"><td>");
            idp_html_escape(b, x->name);
            idp_buf_printf(b, "</td><td>%s</td><td><code>", category_name(&d, x->category));
            idp_html_escape(b, x->criteria);
            idp_buf_puts(b, "</code></td><td><a href=\"/admin/outreach?segment=");
            idp_html_escape(b, x->id);
            idp_buf_printf(b, "#counted\">%s</a></td></tr>", MSG(&d, IDP_MSG_ADMIN_OUTREACH_COUNT));
        }
        idp_buf_puts(b, "</tbody></table>");
    }
    idp_buf_printf(b, "</section><section aria-labelledby=\"campaigns-h\"><h3 id=\"campaigns-h\">%s</h3>",
                   MSG(&d, IDP_MSG_ADMIN_OUTREACH_CAMPAIGNS));
    if (v->ncampaigns == 0) {
        idp_buf_printf(b, "<p>%s</p>", MSG(&d, IDP_MSG_ADMIN_OUTREACH_NONE));
    } else {
        idp_buf_printf(b,
                       "<table id=\"campaigns\"><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                       "<th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
                       MSG(&d, IDP_MSG_ADMIN_COL_CREATED), MSG(&d, IDP_MSG_ADMIN_OUTREACH_CATEGORY),
                       MSG(&d, IDP_MSG_ADMIN_OUTREACH_CRITERIA), MSG(&d, IDP_MSG_ADMIN_OUTREACH_SIZE));
        for (size_t i = 0; i < v->ncampaigns; i++) {
            const idp_ui_outreach_campaign_t *x = &v->campaigns[i];
            utc(x->created_at, when);
            idp_buf_puts(b, "<tr data-campaign=\"");
            idp_html_escape(b, x->id);
            idp_buf_printf(b, "\"><td>%s</td><td>%s</td><td><code>", when, category_name(&d, x->category));
            idp_html_escape(b, x->criteria);
            idp_buf_puts(b, "</code></td><td>");
            idp_html_escape(b, x->members);
            idp_buf_puts(b, "</td></tr>");
        }
        idp_buf_puts(b, "</tbody></table>");
    }
    idp_buf_puts(b, "</section>");
    return idp_ui_doc_end(&d, 200, NULL, NULL, out);
}

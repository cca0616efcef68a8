/*
 * From protocol state to the pages' view structs (ui/pages.h): which claims
 * a consent releases or withholds, whether a way to sign in may be removed,
 * which session is this browser's. idp/ui renders the page, text and HTML;
 * this file holds neither, and copies the rendered page into the response's
 * arena.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/str.h"
#include "oauth/internal.h"
#include "oauth/outreach.h"
#include "oauth/rar.h"
#include "ui/messages.h"

/* Hands @p page to @p resp (copied into the arena), or a plain 500 when it did not render. */
void idp_page_emit(idp_oauth_req_t *req, idp_oauth_resp_t *resp, idp_err_t e, idp_ui_page_t *page)
{
    char *body = e == IDP_OK ? idp_arena_strndup(req->arena, page->body, page->body_len) : NULL;
    char *csp = e == IDP_OK ? idp_arena_strdup(req->arena, page->csp) : NULL;
    if (body && csp) {
        resp->status = page->status;
        resp->content_type = "text/html; charset=utf-8";
        resp->csp = csp;
        resp->body = body;
        resp->body_len = page->body_len;
    } else {
        resp->status = 500;
        resp->content_type = "text/plain; charset=utf-8";
        resp->csp = NULL;
        resp->body = "server error";
        resp->body_len = strlen(resp->body);
    }
    idp_ui_page_free(page);
}

/* An arena array of @p n elements of @p size (n may be 0); NULL when out of memory. */
static void *array(idp_oauth_req_t *req, size_t n, size_t size)
{
    return idp_arena_alloc(req->arena, (n ? n : 1) * size);
}

/* The members of a JSON object of strings as fields; *ok goes false when out of memory. */
static const idp_ui_field_t *fields_of(idp_oauth_req_t *req, json_t *obj, size_t *n, bool *ok)
{
    idp_ui_field_t *f = array(req, json_object_size(obj), sizeof(*f));
    const char *k;
    json_t *v;
    *n = 0;
    if (f == NULL) {
        *ok = false;
        return NULL;
    }
    json_object_foreach (obj, k, v)
        f[(*n)++] = (idp_ui_field_t){k, json_string_value(v)}; /* NULL: the page fails */
    return f;
}

/* The words of a space-separated list, in the arena; *ok goes false when out of memory. */
static const char *const *words_of(idp_oauth_req_t *req, const char *list, size_t *n, bool *ok)
{
    const char *p = list ? list : "";
    size_t len, count = 0;
    for (idp_str_next_word(&p, &len); len; idp_str_next_word(&p, &len))
        count++;
    const char **w = array(req, count, sizeof(*w));
    *n = 0;
    if (w == NULL) {
        *ok = false;
        return NULL;
    }
    p = list ? list : "";
    for (const char *s = idp_str_next_word(&p, &len); len && *n < count; s = idp_str_next_word(&p, &len)) {
        if ((w[*n] = idp_arena_strndup(req->arena, s, len)) == NULL)
            *ok = false;
        (*n)++;
    }
    return w;
}

static const idp_ui_upstream_t *upstreams_of(idp_oauth_req_t *req, const idp_store_upstream_t *ups, size_t n, bool *ok)
{
    idp_ui_upstream_t *u = array(req, n, sizeof(*u));
    if (u == NULL) {
        *ok = false;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        u[i] =
            (idp_ui_upstream_t){ups[i].id, ups[i].display_name, ups[i].issuer, idp_upstream_is_card_channel(&ups[i])};
    return u;
}

void idp_page_error(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *lang, int status, const char *error,
                    const char *description, idp_error_situation_t situation, const char *back_url)
{
    idp_ui_page_t page;
    idp_ui_error_view_t v = {.lang = lang,
                             .status = status,
                             .error = error,
                             .description = description,
                             .for_resident = idp_msg_is_text(description),
                             .situation = situation,
                             .back_url = back_url};
    idp_page_emit(req, resp, idp_ui_render_error(&v, &page), &page);
}

void idp_page_store_error(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *lang, idp_err_t e)
{
    bool down = e == IDP_E_UNAVAILABLE;
    idp_page_error(req, resp, lang, down ? 503 : 500, down ? "temporarily_unavailable" : "server_error",
                   down ? "the service is temporarily unavailable" : "internal error", IDP_ERROR_UNAVAILABLE, NULL);
}

void idp_see_other(idp_oauth_resp_t *resp, const char *location)
{
    resp->status = 303;
    resp->location = location;
    resp->content_type = "text/plain; charset=utf-8";
    resp->body = "";
    resp->body_len = 0;
}

void idp_page_reauth(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *lang, bool card)
{
    idp_ui_page_t page;
    idp_ui_reauth_view_t v = {.lang = lang, .card = card};
    idp_page_emit(req, resp, idp_ui_render_reauth(&v, &page), &page);
}

/* OAuth 2.0 Form Post Response Mode §2: an auto-submitting form to the redirect URI. */
void idp_page_form_post(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *action, json_t *fields)
{
    idp_ui_page_t page = {0};
    bool ok = true;
    /* The response has no language of its own (the redirect may come from a page in either): "ja", both texts. */
    idp_ui_form_post_view_t v = {.lang = "ja", .action = action};
    v.fields = fields_of(req, fields, &v.nfields, &ok);
    idp_page_emit(req, resp, ok ? idp_ui_render_form_post(&v, &page) : IDP_E_NOMEM, &page);
}

void idp_page_login(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_page_ctx_t *ctx, const char *tx,
                    const char *csrf, const char *challenge_id, const char *link, const char *const *test_cards,
                    const idp_store_upstream_t *upstreams, size_t nupstreams, idp_login_note_t note)
{
    idp_ui_page_t page = {0};
    bool ok = true;
    idp_ui_login_view_t v = {.lang = ctx->lang,
                             .client_name = ctx->client_name,
                             .tx = tx,
                             .csrf = csrf,
                             .challenge_id = challenge_id,
                             .link = link,
                             .test_cards = test_cards,
                             .upstreams = upstreams_of(req, upstreams, nupstreams, &ok),
                             .nupstreams = nupstreams,
                             .note = note,
                             .rp_origin = ctx->form_origin,
                             .links = ctx->links};
    /* Our own help page gets the way back to this sign-in. */
    const char *help = ctx->links.help_url;
    if (help && help[0] == '/' && !strchr(help, '?')) {
        size_t n = strlen(help) + strlen("?tx=") + strlen(tx) + 1;
        char *u = idp_arena_alloc(req->arena, n);
        if (u)
            snprintf(u, n, "%s?tx=%s", help, tx);
        v.links.help_url = u ? u : help;
    }
    idp_page_emit(req, resp, ok ? idp_ui_render_login(&v, &page) : IDP_E_NOMEM, &page);
}

idp_ui_links_t idp_page_links(const idp_oauth_t *o)
{
    return (idp_ui_links_t){.ios_store_url = o->cfg->app_ios_store_url,
                            .android_store_url = o->cfg->app_android_store_url,
                            .help_url = o->cfg->ui_help_url,
                            .digital_auth_app_url = o->cfg->ui_digital_auth_app_url};
}

void idp_page_card_app(idp_oauth_req_t *req, idp_oauth_resp_t *resp, bool help, const char *lang, const char *back_url,
                       idp_ui_links_t links)
{
    idp_ui_page_t page;
    idp_ui_app_page_view_t v = {.lang = lang, .back_url = back_url, .links = links};
    idp_page_emit(req, resp, help ? idp_ui_render_help(&v, &page) : idp_ui_render_card_app(&v, &page), &page);
}

void idp_page_app_link(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *lang, const char *tx, const char *csrf,
                       const char *offer, const char *upstream_name)
{
    idp_ui_page_t page;
    idp_ui_app_link_view_t v = {
        .lang = lang, .tx = tx, .csrf = csrf, .offer = offer, .upstream_name = upstream_name ? upstream_name : ""};
    idp_page_emit(req, resp, idp_ui_render_app_link(&v, &page), &page);
}

void idp_page_new_card(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_page_ctx_t *ctx, const char *tx,
                       const char *csrf, idp_new_card_stage_t stage)
{
    idp_ui_page_t page;
    idp_ui_new_card_view_t v = {.lang = ctx->lang, .tx = tx, .csrf = csrf, .stage = stage};
    idp_page_emit(req, resp, idp_ui_render_new_card(&v, &page), &page);
}

/* authorization_details as the consent page shows them (rar.c checked their shape): one application each. */
static const idp_ui_application_t *applications_of(idp_oauth_req_t *req, const json_t *details, const char *sign_link,
                                                   bool sign_upstream, bool signed_, size_t *n, bool *ok)
{
    *n = 0;
    idp_ui_application_t *apps = array(req, json_array_size(details), sizeof(*apps));
    *ok = *ok && apps != NULL;
    for (size_t i = 0; apps && i < json_array_size(details); i++) {
        const json_t *d = json_array_get(details, i), *reads = json_object_get(d, "datatypes");
        const json_t *procedure = json_object_get(d, "procedure");
        const char **r = array(req, json_array_size(reads), sizeof(*r));
        if (r == NULL) {
            *ok = false;
            return NULL;
        }
        for (size_t j = 0; j < json_array_size(reads); j++)
            r[j] = json_string_value(json_array_get(reads, j));
        apps[(*n)++] = (idp_ui_application_t){
            .procedure_name = json_string_value(json_object_get(procedure, "name")),
            .procedure_code = json_string_value(json_object_get(procedure, "code")),
            .identifier = json_string_value(json_object_get(d, "identifier")),
            .reads = r,
            .nreads = json_array_size(reads),
            .digest = json_string_value(json_object_get(json_object_get(d, "document_digest"), "value"))};
        if (d == idp_rar_to_sign(details)) { /* the one the card signs in this sign-in */
            apps[*n - 1].sign_link = sign_link;
            apps[*n - 1].signed_ = signed_;
            apps[*n - 1].sign_upstream = sign_upstream;
        }
    }
    return apps;
}

void idp_page_consent(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_page_ctx_t *ctx,
                      const idp_client_t *client, const char *tx, const char *csrf, const char *claims,
                      const char *wanted, bool card_session, const json_t *details, const char *sign_link,
                      bool sign_upstream, bool signed_)
{
    bool ok = true;
    idp_ui_page_t page = {0};
    bool city = client->city;
    size_t ndefs = 0;
    while (idp_claim_defs[ndefs].claim)
        ndefs++;
    idp_ui_claim_t *released = array(req, ndefs, sizeof(*released));
    const char **withheld = array(req, ndefs, sizeof(*withheld));
    idp_ui_consent_view_t v = {.lang = ctx->lang,
                               .client_name = ctx->client_name,
                               .logo_uri = client->logo_uri,
                               .purpose_ja = client->purpose_ja,
                               .purpose_en = client->purpose_en,
                               .policy_uri = client->policy_uri,
                               .tx = tx,
                               .csrf = csrf,
                               .claims = claims,
                               .released = released,
                               .withheld = withheld,
                               .rp_origin = ctx->form_origin,
                               .public_subject = city,
                               .card_session = card_session};
    for (const idp_claim_def_t *d = idp_claim_defs; released && withheld && d->claim; d++) {
        if (d->city_only && !city) /* partners never get it (product.md §5) */
            continue;
        if (idp_str_list_has(claims, d->claim))
            released[v.nreleased++] = (idp_ui_claim_t){d->claim, d->verified};
        else if (idp_str_list_has(wanted, d->claim)) /* a social sign-in never carries card-verified attributes */
            withheld[v.nwithheld++] = d->claim;
    }
    v.applications = applications_of(req, details, sign_link, sign_upstream, signed_, &v.napplications, &ok);
    idp_page_emit(req, resp, ok && released && withheld ? idp_ui_render_consent(&v, &page) : IDP_E_NOMEM, &page);
}

void idp_page_account(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_account_view_t *a)
{
    idp_ui_page_t page = {0};
    bool ok = true;
    idp_ui_account_view_t v = {.lang = a->lang,
                               .csrf = a->csrf,
                               .notice = a->notice,
                               .ncreds = a->ncreds,
                               .upstreams = upstreams_of(req, a->upstreams, a->nupstreams, &ok),
                               .nupstreams = a->nupstreams,
                               .household = a->household,
                               .nconsents = a->nconsents,
                               .nreleases = a->nreleases,
                               .nsessions = a->nsessions,
                               .nsignatures = a->nsignatures};
    idp_ui_signature_t *sigs = array(req, a->nsignatures, sizeof(*sigs));
    for (size_t i = 0; sigs && i < a->nsignatures; i++) {
        const idp_store_app_signature_t *x = &a->signatures[i];
        const idp_client_t *cl = a->signature_clients ? a->signature_clients[i] : NULL;
        sigs[i] = (idp_ui_signature_t){.at = x->created_at,
                                       .client_name = cl ? cl->name : NULL,
                                       .client_id = x->client_id,
                                       .procedure_name = x->procedure_name,
                                       .application_id = x->application_id,
                                       .digest = x->document_digest};
    }
    v.signatures = sigs;
    ok = ok && sigs != NULL;
    idp_ui_outreach_category_t *cats = array(req, idp_outreach_ncategories, sizeof(*cats));
    for (size_t i = 0; cats && i < idp_outreach_ncategories; i++) {
        char *attrs = idp_arena_alloc(req->arena, 128);
        if (attrs == NULL) {
            cats = NULL;
            break;
        }
        idp_outreach_attr_names(idp_outreach_categories[i].allowed, attrs, 128);
        cats[i] = (idp_ui_outreach_category_t){.id = idp_outreach_categories[i].id,
                                               .attributes = attrs,
                                               .on = (a->outreach & idp_outreach_categories[i].bit) != 0};
    }
    v.outreach = cats;
    v.noutreach = idp_outreach_ncategories;
    ok = ok && cats != NULL;
    idp_ui_outreach_inclusion_t *incl = array(req, a->ninclusions, sizeof(*incl));
    for (size_t i = 0; incl && i < a->ninclusions; i++)
        incl[i] = (idp_ui_outreach_inclusion_t){.category = a->inclusions[i].category,
                                                .attributes = a->inclusions[i].attributes,
                                                .at = a->inclusions[i].at,
                                                .released_at = a->inclusions[i].released_at};
    v.inclusions = incl;
    v.ninclusions = a->ninclusions;
    ok = ok && incl != NULL;

    idp_ui_credential_t *creds = array(req, a->ncreds, sizeof(*creds));
    long long now = (long long)time(NULL);
    for (size_t i = 0; creds && i < a->ncreds; i++) {
        const idp_store_credential_t *c = &a->creds[i];
        const char *name = c->upstream_id;
        for (size_t j = 0; j < a->nupstreams; j++)
            if (!strcmp(a->upstreams[j].id, c->upstream_id))
                name = a->upstreams[j].display_name;
        creds[i] = (idp_ui_credential_t){.card = !strcmp(c->kind, "card"),
                                         .name = name,
                                         .expires_at = c->expires_at,
                                         .expired = c->expires_at <= now,
                                         .removable = a->ncreds > 1, /* never the last way to sign in */
                                         .issuer = c->issuer,
                                         .subject = c->subject};
    }
    v.creds = creds;
    bool has_card = false;
    for (size_t i = 0; creds && i < a->ncreds; i++)
        has_card = has_card || creds[i].card;
    v.card_addable = a->card_login && !has_card;

    idp_ui_attr_t *attrs = array(req, 4, sizeof(*attrs));
    if (attrs && a->attrs) {
        const idp_ui_attr_t all[] = {{"name", a->attrs->name},
                                     {"birthdate", a->attrs->birth_date},
                                     {"gender", a->attrs->gender},
                                     {"address", a->attrs->address}};
        for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
            if (all[i].value)
                attrs[v.nattrs++] = all[i];
        v.verified = true;
        v.verified_at = a->attrs->verified_at;
    }
    v.attrs = attrs;

    idp_ui_consent_row_t *consents = array(req, a->nconsents, sizeof(*consents));
    for (size_t i = 0; consents && i < a->nconsents; i++) {
        const idp_client_t *cl = a->consent_clients ? a->consent_clients[i] : NULL;
        consents[i] = (idp_ui_consent_row_t){.client_id = a->consents[i].client_id,
                                             .client_name = cl ? cl->name : NULL,
                                             .purpose_ja = cl ? cl->purpose_ja : NULL,
                                             .purpose_en = cl ? cl->purpose_en : NULL,
                                             .public_subject = cl && cl->city};
        consents[i].claims = words_of(req, a->consents[i].claims, &consents[i].nclaims, &ok);
    }
    v.consents = consents;

    idp_ui_release_t *releases = array(req, a->nreleases, sizeof(*releases));
    for (size_t i = 0; releases && i < a->nreleases; i++) {
        const idp_client_t *cl = a->release_clients ? a->release_clients[i] : NULL;
        releases[i] = (idp_ui_release_t){.at = a->releases[i].at,
                                         .client_id = a->releases[i].client_id,
                                         .client_name = cl ? cl->name : NULL,
                                         .public_subject = cl && cl->city};
        releases[i].claims = words_of(req, a->releases[i].claims, &releases[i].nclaims, &ok);
    }
    v.releases = releases;

    idp_ui_session_t *sessions = array(req, a->nsessions, sizeof(*sessions));
    for (size_t i = 0; sessions && i < a->nsessions; i++) {
        const idp_store_session_t *x = &a->sessions[i];
        sessions[i] = (idp_ui_session_t){.sid = x->sid,
                                         .auth_time = x->auth_time,
                                         .card = !strcmp(x->acr, ACR_CARD),
                                         .current = a->current_sid && !strcmp(x->sid, a->current_sid)};
    }
    v.sessions = sessions;

    ok = ok && creds && attrs && consents && releases && sessions;
    idp_page_emit(req, resp, ok ? idp_ui_render_account(&v, &page) : IDP_E_NOMEM, &page);
}

void idp_page_logout(idp_oauth_req_t *req, idp_oauth_resp_t *resp, const char *lang, json_t *fields)
{
    idp_ui_page_t page = {0};
    bool ok = true;
    idp_ui_logout_view_t v = {.lang = lang, .confirm = fields != NULL};
    if (fields) {
        v.fields = fields_of(req, fields, &v.nfields, &ok);
        v.redirect_uri = json_string_value(json_object_get(fields, "post_logout_redirect_uri"));
    }
    idp_page_emit(req, resp, ok ? idp_ui_render_logout(&v, &page) : IDP_E_NOMEM, &page);
}

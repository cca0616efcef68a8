/*
 * The outreach planner's console page, /admin/outreach (issue #22, docs/outreach.md): define a segment, see
 * its size, send it. The same operations as the admin API (outreach.c), so every step is a row of the admin log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "oauth/admin.h"
#include "oauth/console.h"
#include "oauth/internal.h"
#include "oauth/outreach.h"

#define NONE IDP_CONSOLE_NONE

static const char *text(idp_oauth_req_t *req, json_t *j, const char *key)
{
    const char *s = json_string_value(json_object_get(j, key));
    return idp_arena_strdup(req->arena, s ? s : "");
}

/* The page: @p counted (a segment's JSON with its count) on top; the form as sent after a refusal. */
static idp_outcome_t page(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_console_t *c,
                          json_t *counted, idp_msg_id_t notice, idp_msg_id_t alert, const char *detail, int status)
{
    json_t *segs = NULL, *camps = NULL;
    idp_outcome_t out = idp_outreach_segments_as(o, &c->who, &segs);
    if (out.err == IDP_OK)
        out = idp_outreach_campaigns_as(o, &c->who, &camps);
    json_t *sl = json_object_get(segs, "segments"), *cl = json_object_get(camps, "campaigns");
    size_t ns = json_array_size(sl), nc = json_array_size(cl);
    idp_ui_outreach_segment_t *ss = out.err == IDP_OK ? idp_arena_alloc(req->arena, (ns + 1) * sizeof(*ss)) : NULL;
    idp_ui_outreach_campaign_t *cs = ss ? idp_arena_alloc(req->arena, (nc + 1) * sizeof(*cs)) : NULL;
    const char **cats = cs ? idp_arena_alloc(req->arena, (idp_outreach_ncategories + 1) * sizeof(*cats)) : NULL;
    idp_ui_outreach_segment_t *top = cats && counted ? idp_arena_alloc(req->arena, sizeof(*top)) : NULL;
    if (out.err == IDP_OK && (cats == NULL || (counted && top == NULL)))
        out = idp_fail(IDP_E_NOMEM, NULL);
    for (size_t i = 0; out.err == IDP_OK && i < ns; i++) {
        json_t *x = json_array_get(sl, i);
        ss[i] = (idp_ui_outreach_segment_t){.id = text(req, x, "id"),
                                            .name = text(req, x, "name"),
                                            .category = text(req, x, "category"),
                                            .criteria = text(req, x, "criteria"),
                                            .sponsor = text(req, x, "sponsor")};
    }
    for (size_t i = 0; out.err == IDP_OK && i < nc; i++) {
        json_t *x = json_array_get(cl, i);
        cs[i] = (idp_ui_outreach_campaign_t){.id = text(req, x, "id"),
                                             .category = text(req, x, "category"),
                                             .criteria = text(req, x, "criteria"),
                                             .members = text(req, x, "members"),
                                             .sponsor = text(req, x, "sponsor"),
                                             .created_at = json_integer_value(json_object_get(x, "created_at"))};
    }
    if (out.err == IDP_OK) {
        for (size_t i = 0; i < idp_outreach_ncategories; i++)
            cats[i] = idp_outreach_categories[i].id;
        cats[idp_outreach_ncategories] = NULL;
        if (top)
            *top = (idp_ui_outreach_segment_t){.id = text(req, counted, "id"),
                                               .name = text(req, counted, "name"),
                                               .category = text(req, counted, "category"),
                                               .criteria = text(req, counted, "criteria")};
        idp_ui_admin_outreach_view_t v = {.c = idp_console_common(req, c, notice),
                                          .categories = cats,
                                          .segments = ss,
                                          .nsegments = ns,
                                          .campaigns = cs,
                                          .ncampaigns = nc,
                                          .counted = top,
                                          .counted_size = counted ? text(req, counted, "count") : NULL,
                                          .counted_sendable = json_is_true(json_object_get(counted, "sendable"))};
        if (alert != NONE) {
            v.c.alert = idp_msg_get(alert, req->lang);
            v.c.detail = detail;
            const char *name = NULL, *category = NULL, *criteria = NULL, *sponsor = NULL;
            idp_params_get(req->form, "name", &name);
            idp_params_get(req->form, "category", &category);
            idp_params_get(req->form, "criteria", &criteria);
            idp_params_get(req->form, "sponsor", &sponsor);
            v.name = name;
            v.category = category;
            v.criteria = criteria;
            v.sponsor = sponsor;
        }
        idp_ui_page_t p;
        idp_page_emit(req, resp, idp_ui_render_admin_outreach(&v, &p), &p);
        if (status != 200 && resp->status == 200)
            resp->status = status;
    }
    json_decref(segs);
    json_decref(camps);
    return out;
}

/* GET /admin/outreach[?segment=ID][&done=defined|sent] */
idp_outcome_t idp_console_outreach(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_console_t c;
    idp_outcome_t out;
    if (!idp_console_gate(o, req, resp, IDP_ADMIN_OUTREACH_PLANNER, false, &c, &out))
        return out;
    const char *segment = NULL, *done = NULL;
    idp_params_get(req->form, "segment", &segment);
    idp_params_get(req->form, "done", &done);
    idp_msg_id_t notice = done && !strcmp(done, "defined") ? IDP_MSG_ADMIN_DONE_DEFINED
                          : done && !strcmp(done, "sent")  ? IDP_MSG_ADMIN_DONE_SENT
                                                           : NONE;
    json_t *counted = NULL;
    if (segment && (out = idp_outreach_segment_as(o, &c.who, segment, req->now, &counted)).err != IDP_OK)
        return out;
    out = page(o, req, resp, &c, counted, notice, NONE, NULL, 200);
    json_decref(counted);
    return out;
}

/* The page's alert for a refused definition or send, and its status; NONE: not the planner's to correct. */
static idp_msg_id_t refusal(idp_outcome_t out, int *status)
{
    *status = out.err == IDP_E_CONFLICT ? 409 : 400;
    if (out.err == IDP_E_CONFLICT)
        return out.description && strstr(out.description, "differencing") ? IDP_MSG_ADMIN_OUTREACH_DIFFERENCING
                                                                          : IDP_MSG_ADMIN_OUTREACH_UNDER_K;
    return out.err == IDP_E_INVALID_REQUEST ? IDP_MSG_ADMIN_OUTREACH_BAD : NONE;
}

/* POST /admin/outreach/segments (csrf, name, category, criteria, sponsor?): defined, then its count (303). */
idp_outcome_t idp_console_outreach_define(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_console_t c;
    idp_outcome_t out;
    if (!idp_console_gate(o, req, resp, IDP_ADMIN_OUTREACH_PLANNER, true, &c, &out))
        return out;
    idp_outreach_segment_in_t in = {0};
    idp_params_get(req->form, "name", &in.name);
    idp_params_get(req->form, "category", &in.category);
    idp_params_get(req->form, "criteria", &in.criteria);
    idp_params_get(req->form, "sponsor", &in.sponsor);
    json_t *seg = NULL;
    out = idp_outreach_define_as(o, req->arena, &c.who, req->now, &in, &seg);
    int status;
    idp_msg_id_t alert = out.err == IDP_OK ? NONE : refusal(out, &status);
    if (out.err != IDP_OK && alert != NONE) /* the planner's to correct: the form again, with why */
        return page(o, req, resp, &c, NULL, NONE, alert, out.description, status);
    if (out.err != IDP_OK)
        return out;
    char *loc = NULL;
    const char *id = json_string_value(json_object_get(seg, "id"));
    size_t n = strlen("/admin/outreach?done=defined&segment=#counted") + strlen(id ? id : "") + 1;
    if ((loc = idp_arena_alloc(req->arena, n)) != NULL)
        snprintf(loc, n, "/admin/outreach?done=defined&segment=%s#counted", id ? id : "");
    json_decref(seg);
    if (loc == NULL)
        return idp_fail(IDP_E_NOMEM, NULL);
    idp_see_other(resp, loc);
    return idp_ok();
}

/* POST /admin/outreach/segments/{id}/send (csrf): a campaign, then the page (303); under k or differencing: 409. */
idp_outcome_t idp_console_outreach_send(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp)
{
    idp_console_t c;
    idp_outcome_t out;
    if (!idp_console_gate(o, req, resp, IDP_ADMIN_OUTREACH_PLANNER, true, &c, &out))
        return out;
    json_t *camp = NULL;
    out = idp_outreach_send_as(o, &c.who, req->path_param, req->now, &camp);
    json_decref(camp);
    int status;
    idp_msg_id_t alert = out.err == IDP_OK ? NONE : refusal(out, &status);
    if (out.err != IDP_OK && alert != NONE && out.err != IDP_E_INVALID_REQUEST)
        return page(o, req, resp, &c, NULL, NONE, alert, NULL, status);
    if (out.err != IDP_OK)
        return out;
    idp_see_other(resp, "/admin/outreach?done=sent#campaigns-h");
    return idp_ok();
}

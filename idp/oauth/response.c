/*
 * The protocol core's JSON responses: a body (idp_oauth_json) and the OAuth
 * error response (RFC 6749 §5.2, idp_oauth_error). Every endpoint that
 * answers in JSON uses these two; pages are pages.c.
 */
#include <stdlib.h>
#include <string.h>

#include "oauth/internal.h"

void idp_oauth_json(idp_oauth_req_t *req, idp_oauth_resp_t *resp, int status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    resp->status = text ? status : 500;
    resp->body = text ? idp_arena_strdup(req->arena, text) : NULL;
    free(text);
    if (resp->body == NULL) {
        resp->status = 500;
        resp->body = "{\"error\":\"server_error\"}";
    }
    resp->body_len = strlen(resp->body);
}

void idp_oauth_error(idp_oauth_req_t *req, idp_oauth_resp_t *resp, idp_err_t e, const char *description)
{
    json_t *body = json_pack("{s:s}", "error", idp_err_code(e));
    if (body && description && !idp_err_is_internal(e))
        json_object_set_new(body, "error_description", json_string(description));
    idp_oauth_json(req, resp, idp_err_http_status(e), body);
    /* RFC 6749 §5.2: 401 for invalid_client, with the scheme the client may use. */
    if (e == IDP_E_INVALID_CLIENT)
        resp->www_authenticate = "Basic realm=\"sakaid\", charset=\"UTF-8\"";
}

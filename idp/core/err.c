#include "core/err.h"

static const struct {
    const char *code;
    int status;
} err_table[IDP_E__COUNT] = {
    [IDP_OK] = {"ok", 200},
    [IDP_E_INVALID_REQUEST] = {"invalid_request", 400},
    [IDP_E_INVALID_CLIENT] = {"invalid_client", 401},
    [IDP_E_INVALID_GRANT] = {"invalid_grant", 400},
    [IDP_E_UNAUTHORIZED_CLIENT] = {"unauthorized_client", 400},
    [IDP_E_UNSUPPORTED_GRANT_TYPE] = {"unsupported_grant_type", 400},
    [IDP_E_INVALID_SCOPE] = {"invalid_scope", 400},
    [IDP_E_INVALID_TOKEN] = {"invalid_token", 401},
    [IDP_E_INVALID_CLIENT_METADATA] = {"invalid_client_metadata", 400},
    [IDP_E_INVALID_REDIRECT_URI] = {"invalid_redirect_uri", 400},
    [IDP_E_NOT_FOUND] = {"not_found", 404},
    [IDP_E_METHOD_NOT_ALLOWED] = {"invalid_request", 405},
    [IDP_E_TOO_LARGE] = {"invalid_request", 413},
    [IDP_E_CONFLICT] = {"invalid_request", 409},
    [IDP_E_UNAVAILABLE] = {"temporarily_unavailable", 503},
    [IDP_E_RATE_LIMITED] = {"invalid_client", 429},
    [IDP_E_SERVER_ERROR] = {"server_error", 500},
    [IDP_E_NOMEM] = {"server_error", 500},
};

const char *idp_err_code(idp_err_t e)
{
    if ((unsigned)e >= IDP_E__COUNT)
        return "server_error";
    return err_table[e].code;
}

int idp_err_http_status(idp_err_t e)
{
    if ((unsigned)e >= IDP_E__COUNT)
        return 500;
    return err_table[e].status;
}

int idp_err_is_internal(idp_err_t e)
{
    return e == IDP_E_SERVER_ERROR || e == IDP_E_NOMEM || (unsigned)e >= IDP_E__COUNT;
}

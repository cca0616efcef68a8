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
    [IDP_E_UNKNOWN_CLIENT] = {"invalid_client", 400},
    [IDP_E_FORBIDDEN] = {"invalid_request", 403},
    [IDP_E_INSUFFICIENT_SCOPE] = {"insufficient_scope", 403},
    [IDP_E_UNSUPPORTED_RESPONSE_TYPE] = {"unsupported_response_type", 400},
    [IDP_E_ACCESS_DENIED] = {"access_denied", 400},
    [IDP_E_LOGIN_REQUIRED] = {"login_required", 400},
    [IDP_E_LOGIN_AGAIN] = {"login_required", 403},
    [IDP_E_INTERACTION_REQUIRED] = {"interaction_required", 400},
    [IDP_E_CONSENT_REQUIRED] = {"consent_required", 400},
    [IDP_E_REQUEST_NOT_SUPPORTED] = {"request_not_supported", 400},
    [IDP_E_REQUEST_URI_NOT_SUPPORTED] = {"request_uri_not_supported", 400},
    [IDP_E_INVALID_REQUEST_URI] = {"invalid_request_uri", 400},
    [IDP_E_INVALID_REQUEST_OBJECT] = {"invalid_request_object", 400},
    [IDP_E_UNMET_AUTHENTICATION] = {"unmet_authentication_requirements", 400},
    [IDP_E_SLOW_DOWN] = {"slow_down", 429},
    [IDP_E_ALREADY_LINKED] = {"already_linked", 409},
    [IDP_E_LAST_CREDENTIAL] = {"last_credential", 409},
    [IDP_E_LINKED_ELSEWHERE] = {"conflict", 409},
    [IDP_E_CARD_REJECTED] = {"card_rejected", 403},
    [IDP_E_INVALID_CHALLENGE] = {"invalid_challenge", 400},
    [IDP_E_UNKNOWN_CHALLENGE] = {"invalid_challenge", 404},
    [IDP_E_CHALLENGE_USED] = {"challenge_used", 400},
    [IDP_E_CHALLENGE_EXPIRED] = {"challenge_expired", 400},
    [IDP_E_UPSTREAM] = {"temporarily_unavailable", 502},
    [IDP_E_INVALID_DPOP_PROOF] = {"invalid_dpop_proof", 400},
    [IDP_E_USE_DPOP_NONCE] = {"use_dpop_nonce", 400},
    [IDP_E_INVALID_AUTHORIZATION_DETAILS] = {"invalid_authorization_details", 400},
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

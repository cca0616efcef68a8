/**
 * What an endpoint handler returns (issue #16 §3): success, with the
 * response the handler filled, or an error from the one error table
 * (core/err.h: its protocol code and HTTP status), with a description the
 * client may see and a reason that is only logged. The endpoint table's error
 * surface decides how an error is shown (idp_oauth_respond, response.c):
 * JSON, an error page, or a redirect to the client.
 *
 * An outcome holds pointers only: strings are static or in the request's
 * arena, and the struct is returned by value (no allocation).
 */
#ifndef IDP_OAUTH_OUTCOME_H
#define IDP_OAUTH_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

typedef struct {
    idp_err_t err;           /* IDP_OK: the handler filled the response */
    const char *description; /* client-safe (error_description); dropped for internal errors */
    const char *reason;      /* internal: logged once by the renderer, never sent */
    const char *lang;        /* a page's language when it is not the request's (ui_locales); NULL: req->lang */
    const char *refusal;     /* JSON: a reason code for the app, sent as "reason" with its "message" (card.<reason>) */
    bool no_token;           /* RFC 6750 §3.1: the request carried no token; the Bearer challenge names no error */
    /*
     * The redirect surface, set only once the redirect URI is validated
     * (RFC 6749 §4.1.2.1: never redirect to an unverified URI): the error
     * goes to redirect_uri with state and iss (RFC 9207), by
     * response_mode (in JARM's modes signed with response_alg, the client's
     * authorization_signed_response_alg: a static string); without it an
     * error page is shown.
     */
    const char *redirect_uri, *state, *response_mode, *client_id, *response_alg;
} idp_outcome_t;

/** Success: the handler filled the response. */
static inline idp_outcome_t idp_ok(void)
{
    return (idp_outcome_t){.err = IDP_OK};
}

/** An error from the table with a client-safe @p description (NULL: none). */
static inline idp_outcome_t idp_fail(idp_err_t err, const char *description)
{
    return (idp_outcome_t){.err = err, .description = description};
}

/** The same with an internal @p reason for the log (never sent to the client). */
static inline idp_outcome_t idp_fail_why(idp_err_t err, const char *description, const char *reason)
{
    return (idp_outcome_t){.err = err, .description = description, .reason = reason};
}

/** A storage failure: temporarily_unavailable (503) stays, anything else is server_error (500). */
static inline idp_outcome_t idp_fail_store(idp_err_t e)
{
    return (idp_outcome_t){.err = e == IDP_E_UNAVAILABLE ? IDP_E_UNAVAILABLE : IDP_E_SERVER_ERROR,
                           .reason = e == IDP_E_UNAVAILABLE ? NULL : idp_err_code(e)};
}

/** @p out shown in @p lang (a page's language taken from ui_locales, not Accept-Language). */
static inline idp_outcome_t idp_in_lang(idp_outcome_t out, const char *lang)
{
    out.lang = lang;
    return out;
}

#endif

/* Store writes whose failure is logged rather than answered (internal.h, idp_oauth_logged). */
#include "core/log.h"
#include "oauth/internal.h"

idp_err_t idp_oauth_logged(idp_err_t e, const char *what)
{
    if (e != IDP_OK) {
        idp_log_t r;
        idp_log_begin(&r, IDP_LOG_ERROR, "store_write_failed");
        idp_log_str(&r, "call", what);
        idp_log_str(&r, "error", idp_err_code(e));
        idp_log_end(&r);
    }
    return e;
}

idp_err_t idp_oauth_logged_end(idp_err_t e, const char *what)
{
    return idp_oauth_logged(e == IDP_E_NOT_FOUND ? IDP_OK : e, what);
}

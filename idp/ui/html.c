#include "ui/html.h"

#include <string.h>

/* The entity for @p c, or NULL if @p c stands for itself. */
static const char *entity(char c)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;"; /* &apos; is not an HTML 4 entity; the number works everywhere */
    default: return NULL;
    }
}

idp_err_t idp_html_escape(idp_buf_t *b, const char *s)
{
    idp_err_t ret = IDP_OK;
    if (s == NULL) { /* a caller's bug: the page must not go out without the text */
        idp_buf_set_error(b, IDP_E_SERVER_ERROR);
        return IDP_E_SERVER_ERROR;
    }
    /* Append runs of plain bytes in one go, entities one at a time. */
    while (*s != '\0') {
        size_t run = strcspn(s, "&<>\"'");
        if (run > 0 && (ret = idp_buf_append(b, s, run)) != IDP_OK)
            return ret;
        s += run;
        if (*s == '\0')
            break;
        if ((ret = idp_buf_puts(b, entity(*s))) != IDP_OK)
            return ret; /* latched by the buffer: no half-escaped string goes out */
        s++;
    }
    return ret;
}

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
    size_t start = b->len;
    if (s == NULL) {
        ret = IDP_E_SERVER_ERROR;
        goto Exit;
    }
    /* Append runs of plain bytes in one go, entities one at a time. */
    while (*s != '\0') {
        size_t run = strcspn(s, "&<>\"'");
        if (run > 0 && (ret = idp_buf_append(b, s, run)) != IDP_OK)
            goto Exit;
        s += run;
        if (*s == '\0')
            break;
        if ((ret = idp_buf_puts(b, entity(*s))) != IDP_OK)
            goto Exit;
        s++;
    }
Exit:
    /* Never leave half an escaped string behind. */
    if (ret != IDP_OK && b->len > start) {
        b->len = start;
        b->data[start] = '\0';
    }
    return ret;
}

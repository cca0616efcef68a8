/**
 * HTML escaping for the provider's pages. Everything that did not come from a
 * template literal (user names, client names, messages, URLs) goes through
 * idp_html_escape before it reaches a page.
 */
#ifndef IDP_UI_HTML_H
#define IDP_UI_HTML_H

#include "core/buf.h"

/**
 * Appends @p s to @p b with & < > " ' replaced by &amp; &lt; &gt; &quot; &#39;.
 * The result is safe as HTML text and inside a double- or single-quoted
 * attribute value; it is not safe in an unquoted attribute, in <script> or
 * <style>, or as a URL (a "javascript:" link stays a link: check the scheme
 * first). Other bytes, UTF-8 included, pass through unchanged.
 * @p s must not be NULL.
 * @return IDP_OK; IDP_E_TOO_LARGE or IDP_E_NOMEM (or IDP_E_SERVER_ERROR for a
 *         NULL @p s), and then @p b holds that error (core/buf.h: it latches).
 */
idp_err_t idp_html_escape(idp_buf_t *b, const char *s);

#endif

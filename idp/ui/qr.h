/**
 * QR codes as inline SVG, drawn with libqrencode. The login page shows the
 * link that the phone app opens (an https URL of up to ~1500 bytes) this way.
 */
#ifndef IDP_UI_QR_H
#define IDP_UI_QR_H

#include "core/buf.h"

/**
 * Appends to @p b one <svg> element that encodes @p text as a QR code: byte
 * mode, error correction level M, the smallest version that fits.
 *
 * The element carries role="img", aria-label="@p label" (HTML-escaped),
 * viewBox="0 0 S S" with S = modules + 8 (a 4-module quiet zone on every
 * side), shape-rendering="crispEdges", a white background <rect> (the quiet
 * zone must be light, also under a dark page theme) and one <path> whose
 * subpaths "M x y h n v1 h-n z" are the horizontal runs of dark modules. It
 * has no width or height: it takes the size the page's CSS gives it.
 *
 * Size: about 15 bytes per run of dark modules (measured: a 1500-byte link,
 * version 32, gives about 80 KB; 2331 bytes, version 40, about 120 KB). No
 * symbol can exceed 320 KiB plus the escaped label. Give @p b a maximum to
 * match, and serve the page compressed.
 *
 * Thread-safe as long as libqrencode is built with pthread (Debian's is).
 * @p text and @p label must not be NULL.
 * @return IDP_OK;
 *         IDP_E_INVALID_REQUEST if @p text is empty or too long for a QR code
 *         (more than 2331 bytes at level M);
 *         IDP_E_TOO_LARGE if the element does not fit under @p b's maximum;
 *         IDP_E_NOMEM on allocation failure.
 *         The errors about @p text leave @p b as it was; an append that
 *         fails latches its error in @p b (core/buf.h).
 */
idp_err_t idp_qr_svg(idp_buf_t *b, const char *text, const char *label);

#endif

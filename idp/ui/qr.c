#include "ui/qr.h"

#include <errno.h>
#include <limits.h>
#include <qrencode.h>
#include <string.h>

#include "ui/html.h"

/* ISO/IEC 18004: the symbol is surrounded by a light quiet zone 4 modules wide. */
#define QUIET 4

/* libqrencode reports its failures in errno. */
static idp_err_t qrencode_error(int e)
{
    switch (e) {
    case ERANGE: return IDP_E_INVALID_REQUEST; /* more data than version 40 holds */
    case EINVAL: return IDP_E_INVALID_REQUEST; /* e.g. empty input */
    case ENOMEM: return IDP_E_NOMEM;
    default: return IDP_E_SERVER_ERROR;
    }
}

/* One subpath per horizontal run of dark modules, in viewBox coordinates. */
static idp_err_t append_runs(idp_buf_t *b, const QRcode *qr)
{
    idp_err_t ret = IDP_OK;
    int w = qr->width;
    for (int y = 0; y < w; y++) {
        const unsigned char *row = qr->data + (size_t)y * (size_t)w;
        int x = 0;
        while (x < w) {
            if (!(row[x] & 1)) { /* bit 0 of each byte: 1 is dark */
                x++;
                continue;
            }
            int run = 1;
            while (x + run < w && (row[x + run] & 1))
                run++;
            if ((ret = idp_buf_printf(b, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run, run)) != IDP_OK)
                goto Exit;
            x += run;
        }
    }
Exit:
    return ret;
}

idp_err_t idp_qr_svg(idp_buf_t *b, const char *text, const char *label)
{
    idp_err_t ret;
    QRcode *qr = NULL;

    if (text == NULL || label == NULL) {
        ret = IDP_E_SERVER_ERROR;
        goto Exit;
    }
    size_t n = strlen(text);
    if (n == 0 || n > INT_MAX) {
        ret = IDP_E_INVALID_REQUEST;
        goto Exit;
    }
    /* Byte mode (QRcode_encodeData never switches to numeric or kanji mode),
     * level M, version 0 = the smallest that fits. */
    errno = 0;
    if ((qr = QRcode_encodeData((int)n, (const unsigned char *)text, 0, QR_ECLEVEL_M)) == NULL) {
        ret = qrencode_error(errno);
        goto Exit;
    }

    int size = qr->width + 2 * QUIET;
    if ((ret = idp_buf_puts(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"")) != IDP_OK ||
        (ret = idp_html_escape(b, label)) != IDP_OK ||
        (ret = idp_buf_printf(b,
                              "\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">"
                              "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
                              size, size, size, size)) != IDP_OK ||
        (ret = append_runs(b, qr)) != IDP_OK || (ret = idp_buf_puts(b, "\"/></svg>")) != IDP_OK)
        goto Exit;

Exit:
    if (qr != NULL)
        QRcode_free(qr); /* an append that failed latched in @p b: no half element goes out */
    return ret;
}

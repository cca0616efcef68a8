#include "jose/jwt.h"

#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "core/buf.h"

#define MAX_JWT_BYTES (64 * 1024)

idp_err_t idp_jwt_sign(const idp_jose_key_t *key, const char *typ, const char *payload_json, char **out)
{
    idp_err_t ret = IDP_E_NOMEM;
    unsigned char sig[512];
    size_t siglen = 0;
    idp_buf_t b;
    idp_buf_init(&b, MAX_JWT_BYTES);
    /* RFC 7515 §7.1: BASE64URL(UTF8(JWS Protected Header)) "." BASE64URL(JWS Payload); the header is the key's
     * own for the usual typ values, made with jansson either way */
    char *made = NULL;
    const char *header = idp_jose_key_header(key, typ);
    if (header == NULL && (header = made = idp_jose_key_header_new(key, typ)) == NULL)
        goto Exit;
    size_t plen = strlen(payload_json);
    size_t need = strlen(header) + idp_b64url_encoded_len(plen) + 2 + 400;
    if (need > MAX_JWT_BYTES) {
        ret = IDP_E_SERVER_ERROR;
        goto Exit;
    }
    /* encode straight into the buffer: header "." payload */
    if ((ret = idp_buf_append(&b, NULL, 0)) != IDP_OK)
        goto Exit;
    char *tmp = malloc(need);
    if (tmp == NULL) {
        ret = IDP_E_NOMEM;
        goto Exit;
    }
    idp_buf_puts(&b, header);
    idp_buf_puts(&b, ".");
    idp_b64url_encode((const unsigned char *)payload_json, plen, tmp);
    ret = idp_buf_puts(&b, tmp);
    if (ret == IDP_OK && (ret = idp_jose_key_sign(key, b.data, b.len, sig, &siglen)) == IDP_OK) {
        idp_b64url_encode(sig, siglen, tmp);
        idp_buf_puts(&b, ".");
        ret = idp_buf_puts(&b, tmp);
    }
    free(tmp);
    if (ret == IDP_OK)
        *out = idp_buf_steal(&b);
Exit:
    free(made);
    idp_buf_free(&b);
    return ret;
}

#include "jose/jwt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64.h"
#include "core/buf.h"

#define MAX_JWT_BYTES (64 * 1024)

idp_err_t idp_jwt_sign(const idp_jose_key_t *key, const char *typ, const char *payload_json, char **out)
{
    idp_err_t ret;
    char header[192];
    unsigned char sig[512];
    size_t siglen = 0;
    idp_buf_t b;
    idp_buf_init(&b, MAX_JWT_BYTES);
    int hn = typ ? snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"kid\":\"%s\",\"typ\":\"%s\"}",
                            idp_alg_name(idp_jose_key_alg(key)), idp_jose_key_kid(key), typ)
                 : snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"kid\":\"%s\"}",
                            idp_alg_name(idp_jose_key_alg(key)), idp_jose_key_kid(key));
    if (hn < 0 || (size_t)hn >= sizeof(header))
        return IDP_E_SERVER_ERROR;
    size_t plen = strlen(payload_json);
    size_t need = idp_b64url_encoded_len((size_t)hn) + idp_b64url_encoded_len(plen) + 2 + 400;
    if (need > MAX_JWT_BYTES)
        return IDP_E_SERVER_ERROR;
    /* encode straight into the buffer: header "." payload */
    if ((ret = idp_buf_append(&b, NULL, 0)) != IDP_OK)
        goto Exit;
    char *tmp = malloc(need);
    if (tmp == NULL) {
        ret = IDP_E_NOMEM;
        goto Exit;
    }
    idp_b64url_encode((const unsigned char *)header, (size_t)hn, tmp);
    idp_buf_puts(&b, tmp);
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
    idp_buf_free(&b);
    return ret;
}

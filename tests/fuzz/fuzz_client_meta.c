/*
 * Fuzz target: client metadata (idp/client/client_meta.c) as sakaid-admin
 * reads it (`client add --metadata JSON|@file|-`, loaded with duplicate
 * names refused), and later dynamic registration would. The input is the
 * metadata, optionally followed by a line "%%" and a second text, used as
 * the document at sector_identifier_uri and as the metadata of an update.
 * Metadata that validates must:
 *   - validate again to the same normalized object (defaults are stable),
 *     also after the server's round trip (stored as text, loaded back);
 *   - keep its own subjects (idp_client_meta_sector_change with itself);
 *   - build the typed client the server's cache keeps (idp_client_new from
 *     the stored text), with the same normalized metadata and sector;
 *   - be usable by the protocol core: an authorization request for its
 *     first redirect URI is decided (accepted, or refused with an error).
 * Metadata that does not validate builds no typed client either.
 * The second text goes through idp_client_meta_check_sector with a fake
 * fetch, and, when it validates too, through sector_change as an update.
 * libFuzzer: -DSAKAID_FUZZ=ON with clang (docs/testing.md); the test suite
 * runs it through driver.c over tests/fuzz/seeds/client_meta.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/params.h"
#include "oauth/authorize.h"
#include "client/client.h"
#include "client/client_meta.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    const char *doc;
    size_t len;
} fake_doc_t;

static idp_err_t fake_fetch(void *ctx, const char *uri, idp_buf_t *body, char *err, size_t errlen)
{
    const fake_doc_t *d = ctx;
    if (d->doc == NULL)
        return IDP_E_UNAVAILABLE;
    return idp_buf_append(body, d->doc, d->len);
}

static json_t *validated(json_t *in, char *err, size_t errlen)
{
    json_t *out = (json_t *)&out;
    err[0] = '\0';
    idp_err_t e = idp_client_meta_validate(in, &out, err, errlen);
    if (e == IDP_OK)
        return json_is_object(out) ? out : (abort(), NULL);
    if ((e != IDP_E_INVALID_CLIENT_METADATA && e != IDP_E_INVALID_REDIRECT_URI) || !err[0])
        abort(); /* RFC 7591 §3.2.2: one of the two errors, with a description */
    return NULL;
}

/* An authorization request to a client with this metadata is decided, one way or the other. */
static void authorize(const idp_client_t *client)
{
    const char *redirect = client->redirect_uris[0];
    idp_params_t p = {.n = 0};
    p.items[p.n++] = (idp_param_t){"response_type", "code"};
    p.items[p.n++] = (idp_param_t){"client_id", "fuzz-client"};
    p.items[p.n++] = (idp_param_t){"scope", "openid profile"};
    p.items[p.n++] = (idp_param_t){"state", "af0ifjsldkj"};
    p.items[p.n++] = (idp_param_t){"nonce", "n-0S6_WzA2Mj"};
    p.items[p.n++] = (idp_param_t){"code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"};
    p.items[p.n++] = (idp_param_t){"code_challenge_method", "S256"};
    if (redirect)
        p.items[p.n++] = (idp_param_t){"redirect_uri", redirect};
    idp_authz_req_t r;
    idp_authz_error_t err;
    if (idp_authz_validate(&p, client, &r, &err))
        idp_authz_clear(&r);
    else if (err.error == IDP_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *sec[2];
    size_t len[2];
    size_t n = fuzz_sections((const char *)data, size, sec, len, 2);
    char err[512];
    json_t *in = json_loadb(sec[0], len[0], JSON_REJECT_DUPLICATES, NULL);
    json_t *meta = in ? validated(in, err, sizeof(err)) : NULL, *again = NULL, *stored = NULL, *update = NULL;
    fake_doc_t doc = {n == 2 ? sec[1] : NULL, n == 2 ? len[1] : 0};
    if (meta) {
        if ((again = validated(meta, err, sizeof(err))) == NULL || !json_equal(again, meta))
            abort(); /* validation is idempotent */
        char *text = json_dumps(meta, JSON_COMPACT);
        if (text == NULL || (stored = json_loads(text, 0, NULL)) == NULL || !json_equal(stored, meta))
            abort(); /* stored as text and read back, it is the same metadata */
        /* what validated is what the client cache builds from the stored row (client/client.c) */
        const idp_client_t *client = NULL;
        char sector[IDP_SECTOR_MAX];
        bool pairwise = idp_client_meta_sector(meta, sector, sizeof(sector));
        if (idp_client_new("fuzz-client", text, false, NULL, NULL, &client, err, sizeof(err)) != IDP_OK ||
            !json_equal((json_t *)client->meta, meta) || client->pairwise != pairwise || strcmp(client->sector, sector))
            abort();
        free(text);
        if (idp_client_meta_sector_change(meta, stored, err, sizeof(err)) != IDP_OK)
            abort(); /* no change keeps the subjects */
        if (client->uses_secret != idp_client_meta_uses_secret(meta))
            abort();
        authorize(client);
        idp_client_unref(client);
        idp_client_meta_check_sector(meta, fake_fetch, &doc, err, sizeof(err));
        if (doc.doc)
            idp_client_meta_sector_lists("https://rp.example/sector.json", doc.doc, doc.len,
                                         json_object_get(meta, "redirect_uris"), err, sizeof(err));
        json_t *after = doc.doc ? json_loadb(doc.doc, doc.len, JSON_REJECT_DUPLICATES, NULL) : NULL;
        if (after && (update = validated(after, err, sizeof(err))) != NULL) {
            idp_err_t e = idp_client_meta_sector_change(meta, update, err, sizeof(err));
            if (e != IDP_OK && e != IDP_E_INVALID_CLIENT_METADATA)
                abort();
        }
        json_decref(after);
    }
    if (in && meta == NULL) { /* what sakaid-admin refuses, the client cache refuses too (fail closed) */
        char *text = malloc(len[0] + 1);
        const idp_client_t *client = NULL;
        if (text) {
            memcpy(text, sec[0], len[0]);
            text[len[0]] = '\0';
        }
        if (text && strlen(text) == len[0] &&
            idp_client_new("fuzz-client", text, false, NULL, NULL, &client, err, sizeof(err)) == IDP_OK)
            abort();
        free(text);
    }
    json_decref(update);
    json_decref(stored);
    json_decref(again);
    json_decref(meta);
    json_decref(in);
    return 0;
}

/*
 * Subject identifiers (OpenID Connect Core §8), and the keyed tokens they
 * share a key with. The resident's own id never leaves the server
 * (product.md §5): a partner sees HMAC-SHA-256(key, "pairwise" | sector |
 * resident), per sector (§8.1: the host of sector_identifier_uri, else of the
 * redirect URI; idp_client_meta_sector). sakaid-admin registers a
 * sector_identifier_uri only when its document lists every redirect URI of
 * the client, and refuses an update that moves a client to another sector
 * unless told to. A city client sees HMAC-SHA-256(key, "public" | resident),
 * the same for every city client. The key is derived from the KEK (main.c),
 * so the values are stable across logins, restarts and nodes.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "core/b64.h"
#include "oauth/internal.h"

void idp_subject(const idp_oauth_t *o, const idp_client_t *client, const char *resident_id, char out[64])
{
    /* §8.1: the sector is the host of sector_identifier_uri, else of the redirect URI (client_meta.c,
       computed once in idp_client_new); "" for a client without redirect URIs, to which no end-user ever
       signs in */
    char value[1024];
    snprintf(value, sizeof(value), "%s\n%s", client->sector, resident_id);
    idp_keyed_token(o, client->pairwise ? "pairwise" : "public", value, out);
}

void idp_keyed_token(const idp_oauth_t *o, const char *label, const char *value, char out[64])
{
    char input[1200];
    int n = snprintf(input, sizeof(input), "%s\n%s", label, value);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), o->subject_key, sizeof(o->subject_key), (const unsigned char *)input,
         (size_t)(n < (int)sizeof(input) ? n : (int)sizeof(input) - 1), mac, &len);
    idp_b64url_encode(mac, len, out); /* 43 characters */
}

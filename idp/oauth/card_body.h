/**
 * The JSON bodies of the card exchange (jpki.md "Proposed exchange"), read
 * apart from the database so that they can be fuzzed on their own
 * (tests/fuzz/fuzz_card_body.c): POST /login/card/challenge and POST
 * /login/card/verify. No store, no HTTP; card.c answers each status.
 */
#ifndef IDP_OAUTH_CARD_BODY_H
#define IDP_OAUTH_CARD_BODY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

/** The longest challenge_id and login_tx taken (the ids are 43 characters). */
#define IDP_CARD_ID_MAX 63
/** The longest base64 signature taken (an RSA-4096 signature is 683 characters). */
#define IDP_CARD_SIG64_MAX 700
/** The room idp_card_body_decode needs for a decoded signature. */
#define IDP_CARD_SIG_MAX 512

typedef enum {
    IDP_CARD_BODY_OK = 0,
    IDP_CARD_BODY_NOT_OBJECT, /* absent, not JSON, duplicate names, or not an object */
    IDP_CARD_BODY_SIGN_ALONE, /* verify: cert_type "sign" (a signing certificate is read only with "both") */
    IDP_CARD_BODY_INCOMPLETE, /* a required field missing, empty, too long or not a string; a wrong purpose or cert_type */
} idp_card_body_status_t;

/** POST /login/card/challenge: {"login_tx", "purpose"}. */
typedef struct {
    json_t *root;         /* the parsed body (owned: json_decref); NULL for IDP_CARD_BODY_NOT_OBJECT */
    const char *login_tx; /* at most IDP_CARD_ID_MAX bytes, or NULL */
    const char *purpose;  /* "auth" or "both" when OK; "auth" when absent or not a string */
} idp_card_challenge_body_t;

/** POST /login/card/verify: {"challenge_id", "cert_type", "certificate", "signature", "sign_certificate", "sign_signature"}. */
typedef struct {
    json_t *root;               /* the parsed body (owned: json_decref); NULL for IDP_CARD_BODY_NOT_OBJECT */
    const char *challenge_id;   /* at most IDP_CARD_ID_MAX bytes, or NULL */
    const char *cert_type;      /* "auth", "both", or "app" (an application's signature) when OK */
    bool both;                  /* cert_type is "both" */
    const char *cert64, *sig64; /* the authentication certificate (base64 DER) and signature (base64url); with "app"
                                 * the signing certificate and its signature over the CMS attributes */
    const char *sign_cert64, *sign_sig64; /* the signing ones; with "both" only */
} idp_card_verify_body_t;

/**
 * Parses @p len bytes of @p body (NULL: no body) into @p out. Strings
 * inside *out point into out->root, which the caller releases with
 * json_decref whatever the status.
 */
idp_card_body_status_t idp_card_challenge_body_parse(const char *body, size_t len, idp_card_challenge_body_t *out);
idp_card_body_status_t idp_card_verify_body_parse(const char *body, size_t len, idp_card_verify_body_t *out);

/**
 * Decodes a certificate (base64, or base64url as a courtesy) into *der, in
 * @p arena, and a signature (base64url) into @p sig. False for either one
 * not decoding, or the arena being spent.
 */
bool idp_card_body_decode(idp_arena_t *arena, const char *cert64, const char *sig64, unsigned char **der,
                          size_t *der_len, unsigned char sig[IDP_CARD_SIG_MAX], size_t *sig_len);

#endif

/*
 * The grants of the token endpoint (RFC 6749 §3.2), one file each
 * (node-oidc-provider's layout): authorization_code.c, refresh_token.c,
 * client_credentials.c. token.c holds the grant table (what discovery
 * advertises as grant_types_supported) and dispatches on grant_type;
 * issue.c signs and answers for all of them.
 */
#ifndef IDP_OAUTH_GRANTS_GRANTS_H
#define IDP_OAUTH_GRANTS_GRANTS_H

#include <stdbool.h>
#include <stddef.h>

#include "oauth/client_auth.h"
#include "oauth/internal.h"

/** A grant: its grant_type and its handler, for an authenticated client @p cl. */
typedef struct {
    const char *name;
    idp_outcome_t (*fn)(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, idp_client_auth_t *cl);
    bool confidential_only; /* RFC 6749 §4.4: client_credentials needs a client that authenticates */
} idp_grant_t;

/** The grant table (token.c), in the order discovery lists them; idp_grants_count rows. */
extern const idp_grant_t idp_grants[];
extern const size_t idp_grants_count;

idp_outcome_t idp_grant_authorization_code(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                           idp_client_auth_t *cl);
idp_outcome_t idp_grant_refresh_token(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                      idp_client_auth_t *cl);
idp_outcome_t idp_grant_client_credentials(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp,
                                           idp_client_auth_t *cl);

/* ---- issue.c: what the grants share ------------------------------------------ */

/* The signed tokens of one token response, before their rows are stored. */
typedef struct {
    char *jti, *at, *idt; /* malloc'ed; idt NULL when the scope has no openid */
    char sub[64];
    char released[512]; /* claim names the ID token carries ("" for none) */
    long long exp;
    const char *details; /* the grant's authorization_details (RFC 9396), the access token carries them; or NULL */
} idp_issued_t;

void idp_issued_free(idp_issued_t *t);

/** The client's access-token algorithm (access_token_signed_response_alg), else the configured one. */
const char *idp_grant_access_token_alg(const idp_oauth_t *o, const idp_client_auth_t *cl);
/**
 * Signs the tokens of grant @p g for @p scope into @p t: an RFC 9068 access
 * token and, when @p scope has openid, an ID token (OpenID Connect Core §2).
 * @p t starts zeroed; its sub, jti and exp are made here unless already set.
 */
idp_err_t idp_grant_sign_tokens(idp_oauth_t *o, idp_oauth_req_t *req, idp_client_auth_t *cl, const idp_store_grant_t *g,
                                const char *scope, const char *nonce, idp_issued_t *t);
/** The token response (RFC 6749 §5.1) for tokens whose rows are stored. */
void idp_grant_token_response(idp_oauth_t *o, idp_oauth_req_t *req, idp_oauth_resp_t *resp, const idp_issued_t *t,
                              const char *scope, const char *refresh);
/** One required, unrepeated form parameter; NULL with *@p out an invalid_request otherwise. */
const char *idp_grant_need(idp_oauth_req_t *req, const char *name, idp_outcome_t *out);
/** A new refresh token (malloc'ed; idp_secret_free) and its hash when the client may refresh (RFC 6749 §1.5). */
char *idp_grant_new_refresh(idp_client_auth_t *cl, unsigned char hash[32]);

#endif

/**
 * Protocol rules of the code flow that need neither HTTP nor SQL, so that
 * they are unit-tested on their own (tests/unit/test_rules.c).
 */
#ifndef IDP_OAUTH_RULES_H
#define IDP_OAUTH_RULES_H

#include <jansson.h>
#include <stdbool.h>

#include "client/client.h"
#include "core/buf.h"

/**
 * The page language: the first of ja or en in ui_locales (OpenID Connect
 * Core §3.1.2.1), else @p fallback (the request's Accept-Language: "ja" or
 * "en"; NULL is "ja").
 */
const char *idp_rules_lang(const char *ui_locales, const char *fallback);

/**
 * The language of an Accept-Language header (RFC 9110 §12.5.4): "en" when
 * an English tag comes before any Japanese one among those not refused
 * (q=0), else "ja" (also for NULL). Tags are taken in the order given.
 */
const char *idp_rules_accept_lang(const char *header);

/**
 * Whether a request needs the card (product.md §5): a card-required client;
 * acr_values or default_acr_values that accept only the card; an essential
 * acr claim (§5.5.1.1) whose value(s) accept only the card. *unmet is set
 * when an essential acr names only values we do not offer.
 */
bool idp_rules_card_needed(const idp_client_t *client, json_t *claims_param, const char *acr_values, bool *unmet);

/**
 * What a request asks the resident to consent to, from its scopes (those
 * the client registered; unknown scopes ignored, §3.1.2.1) and its claims
 * parameter (§5.5, also inside verified_claims; only claims of scopes the
 * client registered), as space-separated names into @p claims, and the
 * scope to grant into @p scope ("openid" and the scopes that gave claims).
 * The list always begins with the pseudo-claim "openid" (the sign-in
 * itself: a stable identifier); "offline_access" (§11) is in it when asked
 * for by a client registered for it and for refresh tokens. City-only
 * claims are dropped for partners; card-verified claims unless @p card (a
 * card session: a social sign-in never carries them); and every claim made
 * of the signing certificate's attributes unless @p attrs (the resident has
 * them): nothing is promised that cannot be given.
 */
void idp_rules_claims(const idp_client_t *client, const char *scope_param, json_t *claims_param, bool card, bool attrs,
                      idp_buf_t *claims, idp_buf_t *scope);

/**
 * Those of idp_rules_claims' claims that the id_token member of the claims
 * parameter asks for (§5.5: "returned in the ID Token"), space-separated
 * into @p out; the same rules, so always a subset of what is consented to.
 */
void idp_rules_id_token_claims(const idp_client_t *client, json_t *claims_param, idp_buf_t *out);

/**
 * The signing certificate's birth date, `EYYYYMMDD` (jpki.md: an era digit,
 * 0 unknown, 1 明治, 2 大正, 3 昭和, 4 平成, 5 令和, then the Gregorian date), as
 * OpenID Connect Core §5.1 `birthdate`, YYYY-MM-DD, into @p out (11 bytes).
 * False when it is not that form or not a real date.
 */
bool idp_rules_birthdate(const char *raw, char out[11]);

/** The signing certificate's gender code as OpenID Connect Core §5.1 `gender`: "1" male, "2" female; else NULL. */
const char *idp_rules_gender(const char *raw);

/** The Sakai ward an address names (product.md §5: it starts with 大阪府堺市 and a ward's name), or NULL outside Sakai. */
const char *idp_rules_sakai_ward(const char *address);

#endif

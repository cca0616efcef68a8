/**
 * The subject key and the digest that renewal by re-verification looks
 * residents up by (product.md §6, docs/card.md). sakaid derives the subject
 * key from the KEK (idp_oauth_new); sakaid-admin derives it too, to give
 * migrated attribute rows their digests.
 */
#ifndef IDP_KEYS_MATCH_H
#define IDP_KEYS_MATCH_H

/** The KEK derivation label of the subject key (idp_kek_derive). */
#define IDP_SUBJECT_KEY_LABEL "sakaid subject identifiers v1"

/**
 * The keyed digest (HMAC-SHA-256 under @p key, the subject key) of a signing
 * certificate's four basic attributes exactly as the certificate carries
 * them: what renewal by re-verification looks residents up by, without
 * comparing attributes in clear.
 */
void idp_card_match_key(const unsigned char key[32], const char *name, const char *gender_raw,
                        const char *birth_date_raw, const char *address, unsigned char out[32]);

#endif

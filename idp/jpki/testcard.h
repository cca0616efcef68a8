/**
 * Test cards: what the card does, done in software with the keys of the
 * generated test material (keys/jpki-test-ca). Used by sakaid-card and by
 * the dev-mode "sign with test card" button; never by a production login.
 */
#ifndef IDP_JPKI_TESTCARD_H
#define IDP_JPKI_TESTCARD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "jpki/jpki.h"

#define IDP_TESTCARD_MAX_CERT 8192

/** True if @p name is a plain card name ([a-z0-9-], 1-64 characters): no path can hide in it. */
bool idp_testcard_name_ok(const char *name);

/**
 * Signs @p msg as the card does (RSASSA-PKCS1-v1_5 over the SHA-256
 * DigestInfo) with the key in @p card_dir/{auth,sign}.key, and returns the
 * matching certificate's DER from {auth,sign}.pem. IDP_E_NOT_FOUND when the
 * files are missing, IDP_E_SERVER_ERROR when signing fails.
 */
idp_err_t idp_testcard_sign(const char *card_dir, idp_jpki_purpose_t purpose, const unsigned char *msg, size_t msg_len,
                            unsigned char der[IDP_TESTCARD_MAX_CERT], size_t *der_len, unsigned char sig[512],
                            size_t *sig_len);
/**
 * The same over a SHA-256 @p digest the host computed (what an app does for a
 * CMS signature: the card signs the DigestInfo it is handed, jpki.md).
 */
idp_err_t idp_testcard_sign_digest(const char *card_dir, idp_jpki_purpose_t purpose, const unsigned char digest[32],
                                   unsigned char der[IDP_TESTCARD_MAX_CERT], size_t *der_len, unsigned char sig[512],
                                   size_t *sig_len);

#endif

/**
 * A card's signature on an application, as CMS (RFC 5652): the signed
 * attributes the card signs and the detached SignedData the relying party
 * receives (issue #21, docs/fapi.md "Applications signed with the card").
 * The card signs the DigestInfo of SHA-256 over the DER of the signed
 * attributes (§5.4), which the server builds from its own state: the
 * content type id-data, the signing time, and the document's SHA-256 that
 * the resident consented to. No HTTP, no SQL.
 */
#ifndef IDP_JPKI_CMS_H
#define IDP_JPKI_CMS_H

#include <stddef.h>
#include <time.h>

#include "core/err.h"

/**
 * The DER of the signed attributes (RFC 5652 §5.3, §5.4: the SET OF, as its
 * signature covers it): contentType id-data (§11.1), signingTime @p at
 * (§11.3) and messageDigest @p digest (§11.2). *der is malloc'ed (free).
 * This is the message idp_jpki_verify checks the card's signature over.
 */
idp_err_t idp_cms_signed_attrs(const unsigned char digest[32], time_t at, unsigned char **der, size_t *len);

/**
 * The detached SignedData (RFC 5652 §5; version 1, one SignerInfo by issuer
 * and serial number, SHA-256, rsaEncryption) made of the card's signing
 * certificate @p cert_der, the same attributes and the card's signature
 * @p sig over them, in a ContentInfo. *out is malloc'ed DER (free).
 * IDP_E_INVALID_REQUEST for a certificate that does not parse.
 */
idp_err_t idp_cms_signed_data(const unsigned char *cert_der, size_t cert_len, const unsigned char digest[32], time_t at,
                              const unsigned char *sig, size_t sig_len, unsigned char **out, size_t *out_len);

#endif

/**
 * Rich authorization requests (RFC 9396; issue #21, docs/fapi.md "Rich
 * authorization"): the authorization_details a request carries, checked
 * against the types we know and the client's registered ones, and the
 * canonical text that the consent ledger, the grant and the tokens carry.
 * Pure protocol: no HTTP, no SQL.
 *
 * The one type is sakai_application: one application to one procedure of
 * the city, with RFC 9396 §2.2's common fields where they fit:
 *
 *   {"type": "sakai_application",
 *    "identifier": "APP-2026-000123",              the application's id
 *    "procedure": {"code": "...", "name": "..."},  the procedure
 *    "actions": ["read", "sign"],                  read the items; sign the document
 *    "datatypes": ["name", "address"],             the items it will read (our claim names)
 *    "document_digest": {"alg": "sha-256", "value": "<base64url, 43>"}}   when it is to be signed
 */
#ifndef IDP_OAUTH_RAR_H
#define IDP_OAUTH_RAR_H

#include <jansson.h>
#include <stdbool.h>

#include "client/client.h"
#include "core/err.h"

/** The longest authorization_details text we accept (it travels in the grant and the tokens). */
#define IDP_RAR_MAX_BYTES 4000
/** The types we implement (NULL-terminated): authorization_details_types_supported. */
extern const char *const idp_rar_types[];

/**
 * Parses and checks @p text (the authorization_details parameter) for
 * @p client (RFC 9396 §2, §5): a JSON array of 1 to 4 objects, each of a
 * type we implement that the client registered (authorization_details_types),
 * with exactly the members of that type, well-formed. *out receives the
 * array (owned: json_decref); *canonical its text, compact with sorted keys
 * (malloc'ed), what is stored and signed. IDP_E_INVALID_AUTHORIZATION_DETAILS
 * with *why (a static, client-safe reason); IDP_E_NOMEM.
 */
idp_err_t idp_rar_parse(const char *text, const idp_client_t *client, json_t **out, char **canonical, const char **why);

/** The first sakai_application of @p details that asks to sign its document (the action sign), or NULL. */
const json_t *idp_rar_to_sign(const json_t *details);

#endif

/**
 * Where a sealed attribute value belongs, as associated data (pure; no
 * database). Every value the store seals carries
 *
 *     sakaid:attr:v1:<table>.<column>:<row id>
 *
 * so that a value copied to another row, another column or another table
 * does not open (docs/keys.md, "Data keys"). Tables and columns are
 * identifiers of ours without ':' or '.'; the row id (a resident id) comes
 * last, so one text names exactly one place.
 *
 * A value is padded before it is sealed, so that its sealed length says
 * little about it: "male" and "female", "true" and "false" seal to the same
 * length. Padding (ISO/IEC 7816-4): the value, one 0x80 byte, then zero
 * bytes up to the next multiple of IDP_SEALED_PAD_BLOCK.
 */
#ifndef IDP_STORE_PG_SEALED_H
#define IDP_STORE_PG_SEALED_H

#include <stdbool.h>
#include <stddef.h>

#define IDP_SEALED_AAD_PREFIX "sakaid:attr:v1:"
/* The prefix, a table and a column of ours, and a row id of up to 63 bytes. */
#define IDP_SEALED_AAD_MAX 192

/**
 * Writes the associated data of (@p table, @p column, @p row_id) into
 * @p out (@p size bytes). false, with "" in @p out, when it does not fit, a
 * part is empty, or the table or column holds ':' or '.': never a truncated
 * text that could name another place.
 */
bool idp_sealed_aad(char *out, size_t size, const char *table, const char *column, const char *row_id);

#define IDP_SEALED_PAD_BLOCK 16

/** The padded length of a value of @p n bytes (a multiple of IDP_SEALED_PAD_BLOCK, at least n + 1). */
size_t idp_sealed_padded_len(size_t n);
/** Writes @p n bytes of @p in, padded, into @p out (idp_sealed_padded_len(n) bytes). */
void idp_sealed_pad(const unsigned char *in, size_t n, unsigned char *out);
/**
 * The length of the value inside padded bytes @p in (@p n of them), or -1
 * when they are not padded as idp_sealed_pad pads (a length that is not a
 * multiple of the block, no 0x80, anything but zeros after it).
 */
long idp_sealed_unpadded_len(const unsigned char *in, size_t n);

#endif

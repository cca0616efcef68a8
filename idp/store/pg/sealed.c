#include "store/pg/sealed.h"

#include <stdio.h>
#include <string.h>

static bool identifier(const char *s)
{
    return s && *s && strpbrk(s, ":.") == NULL;
}

bool idp_sealed_aad(char *out, size_t size, const char *table, const char *column, const char *row_id)
{
    if (size == 0)
        return false;
    out[0] = '\0';
    if (!identifier(table) || !identifier(column) || row_id == NULL || !*row_id)
        return false;
    int n = snprintf(out, size, IDP_SEALED_AAD_PREFIX "%s.%s:%s", table, column, row_id);
    if (n < 0 || (size_t)n >= size) {
        out[0] = '\0';
        return false;
    }
    return true;
}

size_t idp_sealed_padded_len(size_t n)
{
    return (n / IDP_SEALED_PAD_BLOCK + 1) * IDP_SEALED_PAD_BLOCK;
}

void idp_sealed_pad(const unsigned char *in, size_t n, unsigned char *out)
{
    size_t total = idp_sealed_padded_len(n);
    memcpy(out, in, n);
    out[n] = 0x80;
    memset(out + n + 1, 0, total - n - 1);
}

long idp_sealed_unpadded_len(const unsigned char *in, size_t n)
{
    if (n == 0 || n % IDP_SEALED_PAD_BLOCK != 0)
        return -1;
    size_t i = n;
    while (i > 0 && in[i - 1] == 0x00)
        i--;
    if (i == 0 || in[i - 1] != 0x80 || n - i >= IDP_SEALED_PAD_BLOCK)
        return -1;
    return (long)(i - 1);
}

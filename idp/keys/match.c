/* The card match digest under the subject key (match.h). */
#include "keys/match.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>

void idp_card_match_key(const unsigned char key[32], const char *name, const char *gender_raw,
                        const char *birth_date_raw, const char *address, unsigned char out[32])
{
    char input[1400];
    int n =
        snprintf(input, sizeof(input), "attribute-match v1\n%s\n%s\n%s\n%s", name, gender_raw, birth_date_raw, address);
    unsigned int len = 0;
    HMAC(EVP_sha256(), key, 32, (const unsigned char *)input,
         (size_t)(n < (int)sizeof(input) ? n : (int)sizeof(input) - 1), out, &len);
}

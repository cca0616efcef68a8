/*
 * Fuzz target: the outreach criteria language (idp/oauth/outreach_lang.c, issue #22), the text a planner types
 * into the admin API or the console. Each input is parsed for every category; what must hold of an accepted one:
 *   - only attributes the category allows are used, each list holds 1 to 8 values, ranges are ordered;
 *   - its canonical text parses again, to the same canonical text (a stored segment reads back as itself);
 *   - the store's criteria have ordered month ranges.
 * libFuzzer: -DSAKAID_FUZZ=ON with clang (docs/testing.md); the test suite runs it through driver.c over
 * tests/fuzz/seeds/outreach.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oauth/outreach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    for (size_t i = 0; i < idp_outreach_ncategories; i++) {
        const idp_outreach_category_t *cat = &idp_outreach_categories[i];
        idp_outreach_query_t q, again;
        char err[160];
        if (idp_outreach_parse(text, cat->allowed, &q, err, sizeof(err)) != IDP_OK)
            continue;
        if ((q.used & ~cat->allowed) || q.nwards > IDP_OUTREACH_LIST_MAX || q.ndistricts > IDP_OUTREACH_LIST_MAX ||
            ((q.used & IDP_OUTREACH_WARD) && q.nwards == 0) || ((q.used & IDP_OUTREACH_SCHOOL) && q.ndistricts == 0) ||
            ((q.used & IDP_OUTREACH_AGE) && q.age_min > q.age_max) ||
            ((q.used & IDP_OUTREACH_CHILD_AGE) && q.child_min > q.child_max))
            abort();
        idp_buf_t a, b;
        idp_buf_init(&a, 1 << 16);
        idp_buf_init(&b, 1 << 16);
        idp_outreach_canonical(&q, &a);
        if (idp_buf_cstr(&a) == NULL ||
            idp_outreach_parse(idp_buf_cstr(&a), cat->allowed, &again, err, sizeof(err)) != IDP_OK)
            abort();
        idp_outreach_canonical(&again, &b);
        if (idp_buf_cstr(&b) == NULL || strcmp(idp_buf_cstr(&a), idp_buf_cstr(&b)) != 0)
            abort();
        idp_buf_free(&a);
        idp_buf_free(&b);
        idp_store_outreach_criteria_t c;
        idp_outreach_criteria(&q, cat->bit, 2026 * 12 + 11, &c);
        if (c.birth_from > c.birth_to || c.child_from > c.child_to)
            abort();
    }
    free(text);
    return 0;
}

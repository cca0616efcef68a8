/*
 * Typed clients (client/client.h) for unit tests of functions that take
 * one: built from metadata text as the cache builds them from a stored row,
 * with the fields these tests leave out filled in (client_name "t", the
 * redirect URI https://rp.example/cb). Include after cmocka.h.
 */
#ifndef SAKAID_TESTS_UNIT_CLIENT_FIXTURE_H
#define SAKAID_TESTS_UNIT_CLIENT_FIXTURE_H

#include <jansson.h>
#include <stdlib.h>

#include "client/client.h"

/* A client @p id with metadata @p meta_text (a JSON object); fails the test when it does not validate. */
static inline const idp_client_t *test_client(const char *id, const char *meta_text)
{
    json_t *m = json_loads(meta_text, 0, NULL);
    assert_non_null(m);
    if (json_object_get(m, "client_name") == NULL)
        json_object_set_new(m, "client_name", json_string("t"));
    if (json_object_get(m, "redirect_uris") == NULL)
        json_object_set_new(m, "redirect_uris", json_pack("[s]", "https://rp.example/cb"));
    char *text = json_dumps(m, JSON_COMPACT), err[256] = "";
    const idp_client_t *c = NULL;
    idp_err_t e = idp_client_new(id, text, false, NULL, NULL, &c, err, sizeof(err));
    free(text);
    json_decref(m);
    if (e != IDP_OK)
        fail_msg("test client %s does not validate: %s", id, err);
    return c;
}

#endif

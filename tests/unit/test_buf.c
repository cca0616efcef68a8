/* core/buf: the growable buffer's sticky error (issue #16 §4: the first failure latches, the result is NULL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

static void appends_within_the_maximum(void **state)
{
    (void)state;
    idp_buf_t b;
    idp_buf_init(&b, 16);
    assert_string_equal(idp_buf_cstr(&b), "");
    assert_int_equal(idp_buf_puts(&b, "{\"a\":"), IDP_OK);
    assert_int_equal(idp_buf_printf(&b, "%d}", 12), IDP_OK);
    assert_int_equal(idp_buf_err(&b), IDP_OK);
    assert_string_equal(idp_buf_cstr(&b), "{\"a\":12}");
    assert_int_equal(b.len, 8);
    idp_buf_free(&b);
}

/* A payload built by several appends, one of which does not fit: nothing of it survives, whatever follows. */
static void the_first_failure_latches(void **state)
{
    (void)state;
    idp_buf_t b;
    idp_buf_init(&b, 16);
    assert_int_equal(idp_buf_puts(&b, "{\"sub\":\""), IDP_OK);
    assert_int_equal(idp_buf_puts(&b, "a-value-too-long-to-fit"), IDP_E_TOO_LARGE);
    /* later appends that would fit do nothing and report the first failure */
    assert_int_equal(idp_buf_puts(&b, "\"}"), IDP_E_TOO_LARGE);
    assert_int_equal(idp_buf_printf(&b, "%s", "x"), IDP_E_TOO_LARGE);
    assert_int_equal(idp_buf_json_escape(&b, "y", 1), IDP_E_TOO_LARGE);
    assert_int_equal(idp_buf_append(&b, "", 0), IDP_E_TOO_LARGE);
    assert_int_equal(idp_buf_err(&b), IDP_E_TOO_LARGE);
    assert_null(idp_buf_cstr(&b));
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_null(idp_buf_steal(&b));
    /* stealing hands over nothing and leaves a usable buffer */
    assert_int_equal(idp_buf_puts(&b, "ok"), IDP_OK);
    assert_string_equal(idp_buf_cstr(&b), "ok");
    idp_buf_free(&b);
}

static void printf_past_the_maximum_latches(void **state)
{
    (void)state;
    idp_buf_t b;
    idp_buf_init(&b, 8);
    assert_int_equal(idp_buf_printf(&b, "%s", "123456789"), IDP_E_TOO_LARGE);
    assert_int_equal(idp_buf_puts(&b, "1"), IDP_E_TOO_LARGE);
    assert_null(idp_buf_cstr(&b));
    idp_buf_free(&b);
}

static void reset_and_free_clear_the_error(void **state)
{
    (void)state;
    idp_buf_t b;
    idp_buf_init(&b, 4);
    assert_int_equal(idp_buf_puts(&b, "12345"), IDP_E_TOO_LARGE);
    idp_buf_reset(&b);
    assert_int_equal(idp_buf_err(&b), IDP_OK);
    assert_int_equal(idp_buf_puts(&b, "1234"), IDP_OK);
    assert_string_equal(idp_buf_cstr(&b), "1234");
    assert_int_equal(idp_buf_puts(&b, "5"), IDP_E_TOO_LARGE);
    idp_buf_free(&b);
    assert_int_equal(idp_buf_err(&b), IDP_OK);
}

/* A step the caller took while building failed (an escape): the buffer says so like a failed append. */
static void a_caller_latches_its_own_failure(void **state)
{
    (void)state;
    idp_buf_t b;
    idp_buf_init(&b, 64);
    assert_int_equal(idp_buf_puts(&b, "https://rp.example/cb?"), IDP_OK);
    idp_buf_set_error(&b, IDP_E_NOMEM);
    assert_int_equal(idp_buf_puts(&b, "state=x"), IDP_E_NOMEM);
    assert_null(idp_buf_cstr(&b));
    idp_buf_set_error(&b, IDP_E_SERVER_ERROR); /* the first one stays */
    assert_int_equal(idp_buf_err(&b), IDP_E_NOMEM);
    idp_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(appends_within_the_maximum),       cmocka_unit_test(the_first_failure_latches),
        cmocka_unit_test(printf_past_the_maximum_latches),  cmocka_unit_test(reset_and_free_clear_the_error),
        cmocka_unit_test(a_caller_latches_its_own_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "gsimage/oci/digest.h"

#define EMPTY_SHA "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC_SHA "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void test_vectors(void **state)
{
	(void)state;
	gs_digest_t d;
	gs_digest_buffer("", 0, &d);
	assert_string_equal(d.s, EMPTY_SHA);
	gs_digest_buffer("abc", 3, &d);
	assert_string_equal(d.s, ABC_SHA);
	assert_string_equal(gs_digest_hex(&d), ABC_SHA + 7);
}

static void test_streaming_and_reuse(void **state)
{
	(void)state;
	gs_sha256_t *h = gs_sha256_new();
	gs_digest_t d;
	gs_sha256_update(h, "a", 1);
	gs_sha256_update(h, "", 0);
	gs_sha256_update(h, "bc", 2);
	gs_sha256_final(h, &d);
	assert_string_equal(d.s, ABC_SHA);
	/* reusable after final */
	gs_sha256_final(h, &d);
	assert_string_equal(d.s, EMPTY_SHA);
	gs_sha256_free(h);
	gs_sha256_free(NULL);
}

static void test_parse(void **state)
{
	(void)state;
	gs_error_t err = GS_ERROR_INIT;
	gs_digest_t d;
	assert_int_equal(gs_digest_parse(ABC_SHA, &d, &err), 0);
	assert_string_equal(d.s, ABC_SHA);
	const char *bad[] = {
		"",
		"sha256:",
		"sha512:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
		"sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a",
		"sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015add",
		"sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ag",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(gs_digest_parse(bad[i], &d, &err), -1);
		assert_non_null(strstr(err.msg, "invalid digest"));
		gs_error_release(&err);
		/* the hex check agrees on what follows "sha256:" */
		if (strncmp(bad[i], "sha256:", 7) == 0)
			assert_false(gs_digest_hex_valid(bad[i] + 7));
	}
	assert_true(gs_digest_hex_valid(ABC_SHA + 7));
	assert_false(gs_digest_hex_valid(""));
	assert_false(gs_digest_hex_valid(ABC_SHA)); /* the prefix is not hex */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_streaming_and_reuse),
		cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests_name("digest", tests, NULL, NULL);
}

/* The platform table: lookups, list parsing and the columns every row must
 * have filled in. */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gsimage/platform/platform.h"
#include "gsimage/util/cleanup.h"

static void test_every_row_complete(void **state)
{
	(void)state;
	size_t n;
	const gs_platform_t *t = gs_platform_table(&n);
	assert_true(n >= 6);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(t[i].name);
		assert_string_equal(t[i].os, "linux");
		assert_non_null(t[i].arch);
		assert_non_null(t[i].goarch);
		assert_non_null(t[i].zig_target);
		assert_non_null(strstr(t[i].zig_target, "-linux-musl"));
		assert_non_null(t[i].qemu);
		assert_true(t[i].elf_machine > 0);
		assert_true(t[i].elf_class == 32 || t[i].elf_class == 64);
		/* Every row finds itself by name. */
		assert_ptr_equal(gs_platform_find(t[i].name), &t[i]);
	}
}

static void test_find(void **state)
{
	(void)state;
	const gs_platform_t *amd64 = gs_platform_find("linux/amd64");
	assert_non_null(amd64);
	assert_int_equal(amd64->elf_machine, EM_X86_64);
	assert_string_equal(amd64->zig_target, "x86_64-linux-musl");
	assert_null(amd64->variant);

	const gs_platform_t *arm64 = gs_platform_find("linux/arm64");
	assert_non_null(arm64);
	assert_ptr_equal(arm64, gs_platform_find("linux/arm64/v8"));
	assert_string_equal(arm64->variant, "v8");
	assert_string_equal(arm64->zig_target, "aarch64-linux-musl");
	assert_int_equal(arm64->elf_machine, EM_AARCH64);
	assert_string_equal(arm64->qemu, "qemu-aarch64-static");

	const gs_platform_t *arm = gs_platform_find("linux/arm/v7");
	assert_non_null(arm);
	assert_string_equal(arm->goarm, "7");
	assert_int_equal(arm->elf_class, 32);
	/* like docker, "linux/arm" means the table's arm variant (v7) */
	assert_ptr_equal(gs_platform_find("linux/arm"), arm);

	assert_null(gs_platform_find("linux/s390x")); /* zig 0.11 cannot link it */
	assert_null(gs_platform_find("windows/amd64"));
	assert_null(gs_platform_find("linux/sparc"));
	assert_null(gs_platform_find(""));
	assert_null(gs_platform_find("linux/amd64/v8"));
}

static void test_host(void **state)
{
	(void)state;
	const gs_platform_t *h = gs_platform_host();
	assert_non_null(h);
#if defined(__x86_64__)
	assert_string_equal(h->name, "linux/amd64");
#endif
}

static void test_parse_list(void **state)
{
	(void)state;
	const gs_platform_t *out[16];
	size_t n;
	gs_error_t err = GS_ERROR_INIT;

	assert_int_equal(gs_platform_parse_list("linux/amd64,linux/arm64", out, 16, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(out[0]->name, "linux/amd64");
	assert_string_equal(out[1]->name, "linux/arm64/v8");

	/* table order whatever the given order: one image index */
	assert_int_equal(gs_platform_parse_list("linux/386,linux/arm64,linux/amd64", out, 16, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(out[0]->name, "linux/amd64");
	assert_string_equal(out[1]->name, "linux/arm64/v8");
	assert_string_equal(out[2]->name, "linux/386");

	size_t total;
	gs_platform_table(&total);
	assert_int_equal(gs_platform_parse_list("all", out, 16, &n, &err), 0);
	assert_int_equal(n, total);

	static const char *const bad[] = {
		"", "windows/amd64", "linux/sparc", "linux/amd64,", ",linux/amd64",
		"linux/amd64,linux/amd64", "linux/arm64,linux/arm64/v8", "LINUX/AMD64",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(gs_platform_parse_list(bad[i], out, 16, &n, &err), -1);
		assert_int_equal(gs_error_exit_status(&err), GS_EXIT_USAGE);
		assert_non_null(err.msg);
		gs_error_release(&err);
	}
	/* an unknown platform lists the supported ones */
	assert_int_equal(gs_platform_parse_list("linux/sparc", out, 16, &n, &err), -1);
	assert_non_null(strstr(err.msg, "linux/amd64, linux/arm64/v8"));
	assert_non_null(strstr(err.msg, "'linux/sparc'"));
	gs_error_release(&err);
}

static void test_suffix(void **state)
{
	(void)state;
	cleanup_free char *a = gs_platform_suffix(gs_platform_find("linux/amd64"));
	cleanup_free char *b = gs_platform_suffix(gs_platform_find("linux/arm64"));
	cleanup_free char *c = gs_platform_suffix(gs_platform_find("linux/arm/v7"));
	assert_string_equal(a, "linux-amd64");
	assert_string_equal(b, "linux-arm64-v8");
	assert_string_equal(c, "linux-arm-v7");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row_complete),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_parse_list),
		cmocka_unit_test(test_suffix),
	};
	return cmocka_run_group_tests_name("platform", tests, NULL, NULL);
}

/* util/proc: gs_proc_output's one way of failing for every tool (the
 * command's name, its exit status or signal, stderr's last non-empty line;
 * a longer stderr in err->detail), and the line pickers behind it.  The
 * programs run are sh and its builtins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/proc.h"

/* sh -c SCRIPT under the name argv0 (what a failure names). */
static int run_sh(const char *script, char **out, char **errout, gs_error_t *err)
{
	char *argv[] = {"sh", "-c", (char *)script, NULL};
	gs_proc_opts_t po = {.argv = argv};
	return gs_proc_output(&po, out, errout, err);
}

static void test_output_success(void **state)
{
	(void)state;
	gs_error_t err = GS_ERROR_INIT;
	cleanup_free char *out = NULL, *errout = NULL;
	assert_int_equal(run_sh("echo hello; echo warn >&2", &out, &errout, &err), 0);
	assert_string_equal(out, "hello\n");
	assert_string_equal(errout, "warn\n");
	assert_null(err.msg);
}

static void test_output_exit_status(void **state)
{
	(void)state;
	gs_error_t err = GS_ERROR_INIT;
	cleanup_free char *out = NULL, *errout = NULL;
	assert_int_equal(run_sh("echo partial; printf 'first\\n\\nthe reason  \\n\\n' >&2; exit 3",
				&out, &errout, &err),
			 -1);
	assert_null(out);
	assert_non_null(errout);
	/* "sh -c" has an option second: the name is the program's alone */
	assert_string_equal(err.msg, "'sh' exited with status 3: the reason");
	assert_non_null(err.detail); /* two lines: all of them above the error */
	assert_non_null(strstr(err.detail, "first"));
	gs_error_release(&err);
}

static void test_output_one_line_no_detail(void **state)
{
	(void)state;
	gs_error_t err = GS_ERROR_INIT;
	cleanup_free char *out = NULL;
	assert_int_equal(run_sh("echo only this >&2; exit 1", &out, NULL, &err), -1);
	assert_string_equal(err.msg, "'sh' exited with status 1: only this");
	assert_null(err.detail);
	gs_error_release(&err);
	assert_int_equal(run_sh("exit 130", &out, NULL, &err), -1);
	assert_string_equal(err.msg, "'sh' exited with status 130"); /* not a signal */
	gs_error_release(&err);
}

static void test_output_signal(void **state)
{
	(void)state;
	gs_error_t err = GS_ERROR_INIT;
	cleanup_free char *out = NULL;
	assert_int_equal(run_sh("echo dying >&2; kill -9 $$", &out, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "'sh' was killed by signal 9"));
	assert_non_null(strstr(err.msg, ": dying"));
	gs_error_release(&err);
}

static void test_output_subcommand_and_missing(void **state)
{
	(void)state;
	gs_error_t err = GS_ERROR_INIT;
	cleanup_free char *out = NULL;
	char *argv[] = {"/bin/sh", "nonexistent-script-gsimage", NULL};
	gs_proc_opts_t po = {.argv = argv};
	assert_int_equal(gs_proc_output(&po, &out, NULL, &err), -1);
	/* a subcommand-like second word names the command too */
	assert_non_null(strstr(err.msg, "'sh nonexistent-script-gsimage' exited with status"));
	assert_null(strchr(err.msg, '\n'));
	gs_error_release(&err);
	char *none[] = {"gsimage-no-such-tool", "env", NULL};
	po.argv = none;
	assert_int_equal(gs_proc_output(&po, &out, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "cannot run 'gsimage-no-such-tool'"));
	gs_error_release(&err);
}

static void test_last_line(void **state)
{
	(void)state;
	const char *cases[][2] = {
		{"", ""},
		{"one", "one"},
		{"a\nb\n", "b"},
		{"a\n  b  \n\n \n", "b"},
		{"\n\n", ""},
		{"  x", "x"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		cleanup_free char *got = gs_proc_last_line(cases[i][0]);
		assert_string_equal(got, cases[i][1]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_success),
		cmocka_unit_test(test_output_exit_status),
		cmocka_unit_test(test_output_one_line_no_detail),
		cmocka_unit_test(test_output_signal),
		cmocka_unit_test(test_output_subcommand_and_missing),
		cmocka_unit_test(test_last_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

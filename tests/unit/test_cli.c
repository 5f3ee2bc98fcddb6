/* The option tables: every option of every command is in the man page,
 * no command has one name twice, and --help comes from the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gsimage/cli/commands.h"
#include "gsimage/pipeline/push.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/error.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/strvec.h"
#include "gsimage/util/xalloc.h"

#ifndef GS_SOURCE_DIR
#define GS_SOURCE_DIR "."
#endif

/* "--docker-archive" as roff writes it: \-\-docker\-archive */
static char *roff_long_option(const char *name)
{
	cleanup_strvec gs_strvec_t parts = GS_STRVEC_INIT;
	gs_strvec_split(&parts, name, '-');
	cleanup_free char *joined = gs_strvec_join(&parts, "\\-");
	return x_asprintf("\\-\\-%s", joined);
}

/* Is needle in hay followed by something that ends an option name? */
static int mentions(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) {
		char next = p[n];
		/* "\-\-tag" must not match inside "\-\-tags" or "\-\-tag\-x". */
		if (!(next >= 'a' && next <= 'z') && strncmp(p + n, "\\-", 2) != 0)
			return 1;
	}
	return 0;
}

struct man_check {
	const char *man;
	const char *command;
	gs_strvec_t *missing;
};

static void check_in_man(void *ctx, const gs_cli_option_t *o)
{
	struct man_check *c = ctx;
	cleanup_free char *roff = roff_long_option(o->name);
	if (o->help && !mentions(c->man, roff))
		gs_strvec_pushf(c->missing, "%s --%s", c->command, o->name);
}

static void test_every_option_in_man_page(void **state)
{
	(void)state;
	cleanup_free char *man = NULL;
	gs_error_t err = GS_ERROR_INIT;
	cleanup_free char *path = gs_path_join(GS_SOURCE_DIR, "man/gsimage.1");
	assert_int_equal(gs_fs_read_file(path, &man, NULL, &err), 0);
	cleanup_strvec gs_strvec_t missing = GS_STRVEC_INIT;
	size_t n_commands = 0;
	for (const gs_cli_command_t *const *cmd = gs_cli_commands; *cmd; cmd++, n_commands++) {
		struct man_check c = {man, (*cmd)->name, &missing};
		gs_cli_each_option(*cmd, check_in_man, &c);
		/* the command itself has a section: .SS "gsimage build" or similar */
		assert_non_null(strstr(man, (*cmd)->name));
	}
	assert_true(n_commands >= 5);
	cleanup_free char *list = gs_strvec_join(&missing, ", ");
	if (missing.n)
		fail_msg("options missing from man/gsimage.1: %s", list);
}

struct names {
	gs_strvec_t seen;
	int dup;
	char shorts[256];
};

static void collect(void *ctx, const gs_cli_option_t *o)
{
	struct names *n = ctx;
	for (size_t i = 0; i < n->seen.n; i++)
		if (strcmp(n->seen.v[i], o->name) == 0)
			n->dup = 1;
	gs_strvec_push(&n->seen, o->name);
	if (o->short_name) {
		if (n->shorts[(unsigned char)o->short_name])
			n->dup = 1;
		n->shorts[(unsigned char)o->short_name] = 1;
	}
	/* A value-taking option names its value in --help. */
	if (o->help && o->arg)
		assert_true(*o->arg);
}

static void test_no_option_twice(void **state)
{
	(void)state;
	for (const gs_cli_command_t *const *cmd = gs_cli_commands; *cmd; cmd++) {
		struct names n;
		memset(&n, 0, sizeof n);
		gs_cli_each_option(*cmd, collect, &n);
		if (n.dup)
			fail_msg("'%s' has an option twice", (*cmd)->name);
		/* every command has --help */
		int has_help = 0;
		for (size_t i = 0; i < n.seen.n; i++)
			has_help |= strcmp(n.seen.v[i], "help") == 0;
		assert_true(has_help);
		gs_strvec_release(&n.seen);
	}
}

/* The usage text lists each visible option once, from the table. */
static void test_usage_from_table(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	gs_cli_usage(&gs_cli_build, f);
	fclose(f);
	assert_non_null(strstr(text, "usage: gsimage build [options] [PKG]\n"));
	assert_non_null(strstr(text, "  -t, --tag REF "));
	assert_non_null(strstr(text, "      --docker-platform P  "));
	assert_non_null(strstr(text, "\nImage configuration:\n"));
	free(text);

	/* pack knows the compile flags only to refuse them: not in its help */
	f = open_memstream(&text, &len);
	gs_cli_usage(&gs_cli_pack, f);
	fclose(f);
	assert_null(strstr(text, "--cgo"));
	assert_non_null(strstr(text, "--name NAME"));
	free(text);
}

struct seen_opts {
	int ids[8];
	const char *args[8];
	size_t n;
};

static int record(void *ctx, int id, const char *arg, gs_error_t *err)
{
	(void)err;
	struct seen_opts *s = ctx;
	s->ids[s->n] = id;
	s->args[s->n++] = arg;
	return 0;
}

static void test_parse(void **state)
{
	(void)state;
	char *argv[] = {"inspect", "dir", "--json", NULL};
	struct seen_opts s = {0};
	int operand = -1;
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_cli_parse(&gs_cli_inspect, 3, argv, record, &s, &operand, &err), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(gs_cli_option_name(&gs_cli_inspect, s.ids[0]), "json");
	assert_int_equal(operand, 2); /* getopt moved the operand last */
	assert_string_equal(argv[operand], "dir");

	char *bad[] = {"inspect", "--frob", NULL};
	memset(&s, 0, sizeof s);
	assert_int_equal(gs_cli_parse(&gs_cli_inspect, 2, bad, record, &s, &operand, &err), -1);
	assert_string_equal(err.msg, "unknown option '--frob' for 'inspect'; see 'gsimage inspect "
				     "--help'");
	gs_error_release(&err);

	char *noval[] = {"inspect", "--json=1", NULL};
	assert_int_equal(gs_cli_parse(&gs_cli_inspect, 2, noval, record, &s, &operand, &err), -1);
	assert_string_equal(err.msg, "option '--json' takes no value; see 'gsimage inspect --help'");
	gs_error_release(&err);

	char *utf8[] = {"build", "--label", "k=\xff", NULL};
	assert_int_equal(gs_cli_parse(&gs_cli_build, 3, utf8, record, &s, &operand, &err), -1);
	assert_non_null(strstr(err.msg, "'--label' is not valid UTF-8"));
	gs_error_release(&err);
}

/* --timeout takes what Go's time.ParseDuration (skopeo's reader) takes. */
static void test_timeout(void **state)
{
	(void)state;
	static const char *const ok[] = {"20s", "10m", "1h30m", "1.5h", "300ms", "0", "2h45m0.5s",
					 ".5s", "1us", "1\xc2\xb5s", "10ns"};
	static const char *const bad[] = {"", "10", "5parsecs", "-1s", "1x", "s", "1m ",
					  "1d", "1e3s", ".s", "0s1"};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (!gs_push_duration_ok(ok[i]))
			fail_msg("'%s' refused", ok[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (gs_push_duration_ok(bad[i]))
			fail_msg("'%s' taken", bad[i]);

	/* it reaches skopeo as a global option, before "copy" */
	gs_push_request_t req = {.timeout = "20s"};
	cleanup_strvec gs_strvec_t argv = GS_STRVEC_INIT;
	gs_push_skopeo_argv(&req, "skopeo", "oci:S:r", "docker://h/a", 1, &argv);
	cleanup_free char *joined = gs_strvec_join(&argv, " ");
	assert_string_equal(joined, "skopeo --command-timeout=20s copy --all --preserve-digests "
				    "oci:S:r docker://h/a");
	gs_error_t err = GS_ERROR_INIT;
	req.skopeo = "/nonexistent/skopeo";
	assert_int_equal(gs_push_check(&req, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "GSIMAGE_SKOPEO"));
	gs_error_release(&err);
	req.timeout = "5parsecs";
	assert_int_equal(gs_push_check(&req, NULL, &err), -1);
	assert_int_equal(gs_error_exit_status(&err), 2);
	assert_non_null(strstr(err.msg, "--timeout 5parsecs"));
	gs_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_option_in_man_page),
		cmocka_unit_test(test_no_option_twice),
		cmocka_unit_test(test_usage_from_table),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_timeout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

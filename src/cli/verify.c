/* gsimage verify [--platform P] [--json] FILE...: is each file a static (or
 * static-pie) executable for platform P?  One line per file on stdout (or
 * one JSON array); with several files, one that cannot be inspected gets
 * "gsimage: '<file>': <why>" on stderr and the others still run.  The one
 * "gsimage: error: " line is the summary; for a single file it says why. */
#include <stdio.h>
#include <string.h>

#include "gsimage/cli/commands.h"
#include "gsimage/cli/common.h"
#include "gsimage/pipeline/verify.h"
#include "gsimage/platform/platform.h"
#include "gsimage/util/cleanup.h"

enum { OPT_JSON = GS_OPT_FIRST_COMMAND_SPECIFIC, OPT_PLATFORM };

static const gs_cli_option_t verify_options[] = {
	GS_CLI_OPT("platform", 0, "P", OPT_PLATFORM, "linux/amd64, linux/arm64, ... (default: host)"),
	GS_CLI_OPT("json", 0, NULL, OPT_JSON, "print one JSON array instead of lines"),
	GS_CLI_INCLUDE(gs_cli_help_option),
	GS_CLI_END,
};

const gs_cli_command_t gs_cli_verify = {
	.name = "verify",
	.run = gs_cmd_verify,
	.summary = "check that ELF binaries are static",
	.synopsis = "[--platform P] [--json] FILE...",
	.description = "Check that each FILE is a static (or static-pie) ELF executable for\n"
		       "platform P: no interpreter, no shared libraries, the right machine,\n"
		       "class and byte order.  Exit 0 when all are, 1 when any is not.",
	.options = verify_options,
};

struct verify_args {
	const char *platform;
	int as_json;
};

static int on_option(void *ctx, int id, const char *arg, gs_error_t *err)
{
	(void)err;
	struct verify_args *a = ctx;
	if (id == OPT_PLATFORM)
		a->platform = arg;
	else if (id == OPT_JSON)
		a->as_json = 1;
	return 0;
}

int gs_cmd_verify(int argc, char **argv, gs_error_t *err)
{
	struct verify_args a = {0};
	int operand, r = gs_cli_parse(&gs_cli_verify, argc, argv, on_option, &a, &operand, err);
	if (r != 0)
		return r < 0 ? -1 : 0;

	const gs_platform_t *p;
	if (a.platform) {
		p = gs_platform_find(a.platform);
		if (!p) {
			cleanup_free char *list = gs_platform_supported_list();
			return gs_error_usage(err, "unknown platform '%s'; supported: %s", a.platform,
					      list);
		}
	} else {
		p = gs_platform_host();
		if (!p)
			return gs_error_usage(err,
					      "cannot tell the host's platform; give one with --platform");
	}
	if (operand >= argc)
		return gs_error_usage(err, "no files to verify; see 'gsimage verify --help'");

	size_t n = (size_t)(argc - operand);
	gs_verify_outcome_t out;
	gs_verify_files((const char *const *)argv + operand, n, p, a.as_json, &out);
	fputs(out.text, stdout);
	if (n > 1)
		for (size_t i = 0; i < out.problems.n; i++)
			fprintf(stderr, "gsimage: %s\n", out.problems.v[i]);
	size_t bad = out.n_bad;
	if (bad == 0)
		r = 0;
	else if (n == 1)
		r = gs_error_set(err, 0, "'%s' is not a static binary for %s: %s", argv[operand],
				 p->name, out.why ? out.why : "rejected");
	else if (bad == 1)
		r = gs_error_set(err, 0, "1 of %zu files is not a static binary for %s", n, p->name);
	else
		r = gs_error_set(err, 0, "%zu of %zu files are not static binaries for %s", bad, n,
				 p->name);
	gs_verify_outcome_release(&out);
	return r;
}

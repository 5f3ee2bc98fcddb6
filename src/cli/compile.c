/* gsimage compile [options] [PKG]: verified static binaries, one per
 * platform, into DIR/<name>-<os>-<arch>[-<variant>]. */
#include <stdio.h>

#include "gsimage/cli/commands.h"
#include "gsimage/cli/common.h"
#include "gsimage/pipeline/binaries.h"

enum { OPT_OUTPUT = GS_OPT_FIRST_COMMAND_SPECIFIC };

static const gs_cli_option_t compile_options[] = {
	GS_CLI_OPT("output", 'o', "DIR", OPT_OUTPUT, "output directory (default ./bin)"),
	GS_CLI_INCLUDE(gs_cli_compile_options),
	GS_CLI_INCLUDE(gs_cli_quiet_option),
	GS_CLI_INCLUDE(gs_cli_help_option),
	GS_CLI_END,
};

const gs_cli_command_t gs_cli_compile = {
	.name = "compile",
	.run = gs_cmd_compile,
	.summary = "build verified static binaries",
	.synopsis = "[options] [PKG]",
	.description = "Build PKG (default '.') into static binaries, one per platform, verified\n"
		       "with libelf, written to DIR/<name>-<os>-<arch>[-<variant>].",
	.options = compile_options,
	.epilogue = GS_CLI_GO_NOTE,
};

struct compile_args {
	gs_cli_compile_t c;
	const char *out_dir;
};

static int on_option(void *ctx, int id, const char *arg, gs_error_t *err)
{
	struct compile_args *a = ctx;
	int handled = gs_cli_compile_option(&a->c, id, arg, err);
	if (handled)
		return handled < 0 ? -1 : 0;
	if (id == OPT_OUTPUT) {
		if (!*arg)
			return gs_error_usage(err, "empty '-o'; give an output directory");
		a->out_dir = arg;
	}
	return 0;
}

int gs_cmd_compile(int argc, char **argv, gs_error_t *err)
{
	struct compile_args a = {.out_dir = "bin"};
	if (gs_cli_compile_init(&a.c, err) < 0)
		return -1;
	int operand, r = gs_cli_parse(&gs_cli_compile, argc, argv, on_option, &a, &operand, err);
	if (r != 0)
		goto out;
	r = -1;
	if (argc - operand > 1) {
		gs_error_usage(err, "compile takes one package, got %d; see 'gsimage compile --help'",
			       argc - operand);
		goto out;
	}
	if (operand < argc)
		a.c.opts.package = argv[operand];
	a.c.opts.out_dir = a.out_dir;
	gs_cli_compile_finish(&a.c);

	gs_binaries_t bins;
	if (gs_binaries_compile(&a.c.opts, &bins, err) < 0)
		goto out;
	for (size_t i = 0; i < bins.set.n_bins; i++)
		printf("%s\n", bins.set.bins[i].path);
	gs_binaries_release(&bins);
	r = 0;
out:
	gs_cli_compile_release(&a.c);
	return r < 0 ? -1 : 0;
}

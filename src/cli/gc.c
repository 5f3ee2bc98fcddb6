/* gsimage gc [-n] [-v] [-q] DIR */
#include <stdio.h>
#include <stdlib.h>

#include "gsimage/cli/commands.h"
#include "gsimage/cli/common.h"
#include "gsimage/pipeline/gc.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/size.h"

enum {
	OPT_DRY_RUN = GS_OPT_FIRST_COMMAND_SPECIFIC,
	OPT_VERBOSE,
};

static const gs_cli_option_t gc_options[] = {
	GS_CLI_OPT("dry-run", 'n', NULL, OPT_DRY_RUN, "remove nothing, say what would be removed"),
	GS_CLI_OPT("verbose", 'v', NULL, OPT_VERBOSE, "list each blob (digest and size) first"),
	GS_CLI_INCLUDE(gs_cli_quiet_option),
	GS_CLI_INCLUDE(gs_cli_help_option),
	GS_CLI_END,
};

const gs_cli_command_t gs_cli_gc = {
	.name = "gc",
	.run = gs_cmd_gc,
	.summary = "remove the blobs no tag of a layout uses any more",
	.synopsis = "[--dry-run] [--verbose] DIR",
	.description =
		"Remove every blob of the OCI layout DIR that no entry of its index.json reaches\n"
		"(through indexes, manifests, configs, layers and artifact subjects), and print\n"
		"one line: \"removed N blobs, SIZE (N blobs, SIZE in use)\".  gc waits for builds\n"
		"writing to DIR and keeps every build's blobs; when anything cannot be read for\n"
		"sure, it stops with an error and removes nothing.",
	.options = gc_options,
};

struct gc_args {
	gs_gc_opts_t opts;
	int verbose;
	int quiet;
};

static int on_option(void *ctx, int id, const char *arg, gs_error_t *err)
{
	(void)arg;
	(void)err;
	struct gc_args *a = ctx;
	if (id == OPT_DRY_RUN)
		a->opts.dry_run = 1;
	else if (id == OPT_VERBOSE)
		a->verbose = 1;
	else if (id == GS_OPT_QUIET)
		a->quiet = 1;
	return 0;
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

int gs_cmd_gc(int argc, char **argv, gs_error_t *err)
{
	struct gc_args a = {0};
	int operand;
	int r = gs_cli_parse(&gs_cli_gc, argc, argv, on_option, &a, &operand, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (argc - operand != 1)
		return gs_error_usage(err, "gc takes one DIR; see 'gsimage gc --help'");
	if (!*argv[operand])
		return gs_error_usage(err, "empty layout directory");
	a.opts.progress = (gs_progress_t){gs_cli_progress, &a.quiet};
	gs_gc_result_t res;
	if (gs_gc(argv[operand], &a.opts, &res, err) < 0)
		return -1;
	for (size_t i = 0; a.verbose && i < res.n_removed; i++) {
		cleanup_free char *size = gs_size_human(res.removed[i].size);
		printf("%s %s\n", res.removed[i].digest.s, size);
	}
	cleanup_free char *freed = gs_size_human(res.removed_bytes);
	cleanup_free char *used = gs_size_human(res.live_bytes);
	printf("%s %zu blob%s, %s (%zu blob%s, %s in use)",
	       a.opts.dry_run ? "would remove" : "removed", res.n_removed, plural(res.n_removed),
	       freed, res.n_live, plural(res.n_live), used);
	if (res.n_stale_tags)
		printf(" and %zu SBOM tag%s of images no tag names", res.n_stale_tags,
		       plural(res.n_stale_tags));
	putchar('\n');
	gs_gc_result_release(&res);
	return 0;
}

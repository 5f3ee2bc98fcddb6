/* gsimage gc [-n] [-v] [-q] DIR
 * gsimage gc --cache [--older-than DURATION] [-n] [-q] */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsimage/cli/commands.h"
#include "gsimage/cli/common.h"
#include "gsimage/pipeline/cachegc.h"
#include "gsimage/pipeline/gc.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/size.h"

enum {
	OPT_DRY_RUN = GS_OPT_FIRST_COMMAND_SPECIFIC,
	OPT_VERBOSE,
	OPT_CACHE,
	OPT_OLDER_THAN,
};

static const gs_cli_option_t gc_options[] = {
	GS_CLI_OPT("dry-run", 'n', NULL, OPT_DRY_RUN, "remove nothing, say what would be removed"),
	GS_CLI_OPT("verbose", 'v', NULL, OPT_VERBOSE, "list each blob (digest and size) first"),
	GS_CLI_OPT("cache", 0, NULL, OPT_CACHE, "prune gsimage's cache instead of a layout"),
	GS_CLI_OPT("older-than", 0, "DURATION", OPT_OLDER_THAN,
		   "with --cache: what was unused this long (30d by default; s, m, h, d; 0: all)"),
	GS_CLI_INCLUDE(gs_cli_quiet_option),
	GS_CLI_INCLUDE(gs_cli_help_option),
	GS_CLI_END,
};

const gs_cli_command_t gs_cli_gc = {
	.name = "gc",
	.run = gs_cmd_gc,
	.summary = "remove the blobs no tag of a layout uses any more",
	.synopsis = "[--dry-run] [--verbose] DIR | --cache [--older-than DURATION] [--dry-run]",
	.description =
		"Remove every blob of the OCI layout DIR that no entry of its index.json reaches\n"
		"(through indexes, manifests, configs, layers and artifact subjects), and print\n"
		"one line: \"removed N blobs, SIZE (N blobs, SIZE in use)\".  gc waits for builds\n"
		"writing to DIR and keeps every build's blobs; when anything cannot be read for\n"
		"sure, it stops with an error and removes nothing.\n"
		"With --cache, prune gsimage's cache ($XDG_CACHE_HOME/gsimage) instead: remove\n"
		"what no build used for --older-than (30 days by default), never what a running\n"
		"build holds, and print \"removed N cache entries, SIZE (N kept, SIZE)\".",
	.options = gc_options,
};

struct gc_args {
	gs_gc_opts_t opts;
	int cache;
	int64_t older_than;
	int verbose;
	int quiet;
};

/* "30d", "12h", "90m", "45s", "0": seconds. */
static int parse_duration(const char *s, int64_t *out, gs_error_t *err)
{
	char *end;
	errno = 0;
	long long n = strtoll(s, &end, 10);
	static const struct { char unit; int64_t seconds; } units[] = {
		{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
	int64_t mult = *end == '\0' && n == 0 ? 1 : 0;
	for (size_t i = 0; i < sizeof units / sizeof *units; i++)
		if (*end == units[i].unit && end[1] == '\0')
			mult = units[i].seconds;
	if (errno || end == s || n < 0 || !mult || n > INT64_MAX / mult)
		return gs_error_usage(err, "invalid duration '%s' for --older-than; give a number "
				      "and a unit (30d, 12h, 90m, 45s) or 0", s);
	*out = n * mult;
	return 0;
}

static int on_option(void *ctx, int id, const char *arg, gs_error_t *err)
{
	struct gc_args *a = ctx;
	if (id == OPT_CACHE)
		a->cache = 1;
	else if (id == OPT_OLDER_THAN)
		return parse_duration(arg, &a->older_than, err);
	else if (id == OPT_DRY_RUN)
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

static int gc_cache(const struct gc_args *a, gs_error_t *err)
{
	gs_cli_compile_t c;
	if (gs_cli_compile_init(&c, err) < 0)
		return -1;
	gs_cachegc_opts_t o = {.cache_dir = c.cache_dir, .older_than = a->older_than,
			       .dry_run = a->opts.dry_run};
	gs_cachegc_result_t res;
	int r = gs_cachegc(&o, &res, err);
	gs_cli_compile_release(&c);
	if (r < 0)
		return -1;
	cleanup_free char *freed = gs_size_human(res.removed_bytes);
	cleanup_free char *kept = gs_size_human(res.kept_bytes);
	printf("%s %zu cache entr%s, %s (%zu kept, %s", a->opts.dry_run ? "would remove" : "removed",
	       res.n_removed, res.n_removed == 1 ? "y" : "ies", freed, res.n_kept, kept);
	if (res.n_busy)
		printf("; %zu in use by a running build", res.n_busy);
	printf(")\n");
	return 0;
}

int gs_cmd_gc(int argc, char **argv, gs_error_t *err)
{
	struct gc_args a = {.older_than = 30 * 86400};
	int operand;
	int r = gs_cli_parse(&gs_cli_gc, argc, argv, on_option, &a, &operand, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (a.cache) {
		if (argc - operand != 0)
			return gs_error_usage(err, "gc --cache takes no DIR; see 'gsimage gc --help'");
		return gc_cache(&a, err);
	}
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

/* gsimage verify [--platform P] [--json] FILE...: is each file a static (or
 * static-pie) executable for platform P?  One line per file on stdout (or
 * one JSON array); with several files, one that cannot be inspected gets
 * "gsimage: '<file>': <why>" on stderr and the others still run.  The one
 * "gsimage: error: " line is the summary; for a single file it says why. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "gsimage/cli/commands.h"
#include "gsimage/cli/common.h"
#include "gsimage/elf/verify.h"
#include "gsimage/toolchain/platform.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/strvec.h"
#include "gsimage/util/xalloc.h"

static const char verify_usage[] =
	"usage: gsimage verify [--platform P] [--json] FILE...\n"
	"\n"
	"Check that each FILE is a static (or static-pie) ELF executable for\n"
	"platform P: no interpreter, no shared libraries, the right machine,\n"
	"class and byte order.  Exit 0 when all are, 1 when any is not.\n"
	"\n"
	"      --platform P   linux/amd64, linux/arm64, ... (default: host)\n"
	"      --json         print one JSON array instead of lines\n"
	"  -h, --help         this help\n";

enum { OPT_JSON = GS_OPT_FIRST_COMMAND_SPECIFIC };

/* "hello: static, x86-64, 2.1 MiB, stripped, go1.19.8 example.com/hello" and
 * the other forms listed in the man page; owned. */
static char *verify_line(const char *file, const gs_elf_report_t *r, const gs_platform_t *p)
{
	if (!gs_elf_machine_matches(r, p)) {
		char got[64], want[64];
		const char *gm = gs_elf_machine_name(r->machine);
		snprintf(got, sizeof got, "%s", gm);
		snprintf(want, sizeof want, "%s", gs_elf_machine_name(p->elf_machine));
		if (r->machine == p->elf_machine && r->elf_class != p->elf_class) {
			snprintf(got, sizeof got, "%d-bit %s", r->elf_class, gm);
			snprintf(want, sizeof want, "%d-bit %s", p->elf_class, gm);
		} else if (r->machine == p->elf_machine) {
			snprintf(got, sizeof got, "%s-endian %s", r->big_endian ? "big" : "little",
				 gm);
			snprintf(want, sizeof want, "%s-endian %s", p->big_endian ? "big" : "little",
				 gm);
		}
		return x_asprintf("%s: wrong machine %s for %s (expected %s)", file, got, p->name,
				  want);
	}

	/* Right machine but rejected though not dynamic: not an executable. */
	gs_error_t err = GS_ERROR_INIT;
	if (r->linkage != GS_ELF_DYNAMIC && gs_elf_check_platform(r, p, &err) < 0) {
		char *line = x_asprintf("%s: %s", file, err.msg);
		gs_error_release(&err);
		return line;
	}

	cleanup_strvec gs_strvec_t parts = GS_STRVEC_INIT;
	gs_strvec_push(&parts, gs_elf_linkage_name(r->linkage));
	gs_strvec_push(&parts, gs_elf_machine_name(r->machine));
	if (r->linkage == GS_ELF_DYNAMIC) {
		if (r->interp)
			gs_strvec_pushf(&parts, "interpreter %s", r->interp);
		if (r->needed.n) {
			cleanup_free char *libs = gs_strvec_join(&r->needed, ", ");
			gs_strvec_pushf(&parts, "needs %s", libs);
		}
	} else {
		gs_strvec_push_owned(&parts, gs_cli_human_size(r->size));
		gs_strvec_push(&parts, r->stripped ? "stripped" : "not stripped");
		if (r->go_version) {
			const char *what = r->go_path ? r->go_path : r->go_module;
			if (what)
				gs_strvec_pushf(&parts, "%s %s", r->go_version, what);
			else
				gs_strvec_push(&parts, r->go_version);
		}
	}
	cleanup_free char *joined = gs_strvec_join(&parts, ", ");
	return x_asprintf("%s: %s", file, joined);
}

int gs_cmd_verify(int argc, char **argv, gs_error_t *err)
{
	static const struct option longopts[] = {
		{"platform", required_argument, NULL, GS_OPT_PLATFORM},
		{"json", no_argument, NULL, OPT_JSON},
		{"help", no_argument, NULL, GS_OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	const char *platform_name = NULL;
	int as_json = 0, opt;

	/* 0, not 1: glibc then also forgets a half-parsed "-xyz" cluster and
	 * re-reads the optstring, so a second parser in one process starts
	 * clean.  No '+': options may follow the files. */
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case GS_OPT_PLATFORM:
			platform_name = optarg;
			break;
		case OPT_JSON:
			as_json = 1;
			break;
		case 'h':
		case GS_OPT_HELP:
			fputs(verify_usage, stdout);
			return 0;
		default:
			return gs_cli_bad_option("verify", opt, argv, err);
		}
	}

	const gs_platform_t *p;
	if (platform_name) {
		p = gs_platform_find(platform_name);
		if (!p) {
			cleanup_free char *list = gs_platform_supported_list();
			return gs_error_usage(err, "unknown platform '%s'; supported: %s",
					      platform_name, list);
		}
	} else {
		p = gs_platform_host();
		if (!p)
			return gs_error_usage(err,
					      "cannot tell the host's platform; give one with --platform");
	}
	if (optind >= argc)
		return gs_error_usage(err, "no files to verify; see 'gsimage verify --help'");

	size_t n = (size_t)(argc - optind);
	gs_elf_report_t *reports = xcalloc(n, sizeof *reports);
	gs_elf_result_t *results = xcalloc(n, sizeof *results);
	cleanup_strvec gs_strvec_t errors = GS_STRVEC_INIT; /* keeps results[].error alive */
	size_t bad = 0;
	char *why = NULL; /* with one file: why it is not static for p */

	for (size_t i = 0; i < n; i++) {
		const char *file = argv[optind + (int)i];
		gs_error_t ferr = GS_ERROR_INIT;
		results[i].file = file;
		if (gs_elf_inspect_file(file, &reports[i], &ferr) < 0) {
			if (n > 1)
				fprintf(stderr, "gsimage: '%s': %s\n", file, ferr.msg);
			else
				why = ferr.msg;
			gs_strvec_push_owned(&errors, ferr.msg);
			results[i].error = ferr.msg;
			ferr.msg = NULL;
			gs_error_release(&ferr);
			bad++;
			continue;
		}
		results[i].report = &reports[i];
		if (gs_elf_check_platform(&reports[i], p, &ferr) < 0) {
			bad++;
			if (n == 1) {
				gs_strvec_push_owned(&errors, ferr.msg);
				why = ferr.msg;
				ferr.msg = NULL;
			}
		}
		gs_error_release(&ferr);
		if (!as_json) {
			cleanup_free char *line = verify_line(file, &reports[i], p);
			puts(line);
		}
	}

	if (as_json) {
		cleanup_free char *doc = gs_elf_results_json(results, n, p);
		puts(doc);
	}

	for (size_t i = 0; i < n; i++)
		gs_elf_report_release(&reports[i]);
	free(reports);
	free(results);

	if (bad == 0)
		return 0;
	if (n == 1)
		return gs_error_set(err, 0, "'%s' is not a static binary for %s: %s", argv[optind],
				    p->name, why ? why : "rejected");
	if (bad == 1)
		return gs_error_set(err, 0, "1 of %zu files is not a static binary for %s", n,
				    p->name);
	return gs_error_set(err, 0, "%zu of %zu files are not static binaries for %s", bad, n,
			    p->name);
}

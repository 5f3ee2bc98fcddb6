/* gsimage compile [options] [PKG]: verified static binaries, one per
 * platform, into DIR/<name>-<os>-<arch>[-<variant>]. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "gsimage/cli/commands.h"
#include "gsimage/cli/common.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/xalloc.h"

static const char compile_usage[] =
	"usage: gsimage compile [options] [PKG]\n"
	"\n"
	"Build PKG (default '.') into static binaries, one per platform, verified\n"
	"with libelf, written to DIR/<name>-<os>-<arch>[-<variant>].\n"
	"\n"
	"  -o, --output DIR       output directory (default ./bin)\n"
	"      --platform LIST    linux/amd64,linux/arm64,... or 'all' (default: host)\n"
	"      --cc zig|musl-gcc|PATH   C toolchain for cgo (default zig)\n"
	"      --cgo auto|on|off  cgo (default auto: on when the program has cgo code)\n"
	"      --compiler gc|gccgo|gollvm   Go compiler (default gc)\n"
	"      --tags TAGS        go build -tags\n"
	"      --ldflags FLAGS    appended to gsimage's -ldflags\n"
	"      --gcflags FLAGS    go build -gcflags\n"
	"  -q, --quiet            no progress on stderr\n"
	"  -h, --help             this help\n";

int gs_cmd_compile(int argc, char **argv, gs_error_t *err)
{
	static const struct option longopts[] = {
		GS_COMPILE_LONG_OPTIONS,
		{"output", required_argument, NULL, 'o'},
		{"quiet", no_argument, NULL, 'q'},
		{NULL, 0, NULL, 0},
	};
	gs_cli_compile_t c;
	if (gs_cli_compile_init(&c, err) < 0)
		return -1;
	const char *out_dir = "bin";
	int opt, r = -1;
	optind = 0; /* 0: glibc re-initialises getopt fully between commands */
	while ((opt = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
		int handled = gs_cli_compile_option(&c, opt, optarg, err);
		if (handled < 0)
			goto out;
		if (handled)
			continue;
		switch (opt) {
		case 'o':
			if (!*optarg) {
				gs_error_usage(err, "empty '-o'; give an output directory");
				goto out;
			}
			out_dir = optarg;
			break;
		case 'q':
			c.quiet = 1;
			break;
		case 'h':
		case GS_OPT_HELP:
			fputs(compile_usage, stdout);
			r = 0;
			goto out;
		default:
			gs_cli_bad_option("compile", opt, argv, err);
			goto out;
		}
	}
	if (argc - optind > 1) {
		gs_error_usage(err, "compile takes one package, got %d; see 'gsimage compile --help'",
			       argc - optind);
		goto out;
	}
	if (optind < argc)
		c.opts.package = argv[optind];
	c.opts.out_dir = out_dir;

	gs_compile_result_t res;
	if (gs_compile(&c.opts, &res, err) < 0)
		goto out;
	for (size_t i = 0; i < res.n_bins; i++) {
		const gs_compiled_t *b = &res.bins[i];
		cleanup_free char *size = gs_cli_human_size(b->report.size);
		cleanup_free char *line = x_asprintf("verified %s: %s, %s, %s", b->path,
						     gs_elf_linkage_name(b->report.linkage),
						     gs_elf_machine_name(b->report.machine), size);
		gs_cli_progress(&c.quiet, line);
		printf("%s\n", b->path);
	}
	gs_compile_result_release(&res);
	r = 0;
out:
	gs_cli_compile_release(&c);
	return r;
}

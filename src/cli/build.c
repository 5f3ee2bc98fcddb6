/* gsimage build [-t REF]... [options] [PKG]: compile -> verify -> layer ->
 * config -> manifest per platform -> index -> tags. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gsimage/cli/commands.h"
#include "gsimage/cli/common.h"
#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/layout.h"
#include "gsimage/oci/ref.h"
#include "gsimage/pipeline/pack.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/xalloc.h"

static const char build_usage[] =
	"usage: gsimage build [options] [PKG]\n"
	"\n"
	"Build PKG (default '.') into a FROM-scratch OCI image in an OCI layout.\n"
	"\n"
	"  -t, --tag REF          tag to set (repeatable; default <name>:latest)\n"
	"  -o, --output DIR       OCI layout directory (default ./oci)\n"
	"      --platform LIST    linux/amd64,linux/arm64,... or 'all' (default: host)\n"
	"      --compression gzip|zstd|none   layer compression (default gzip)\n"
	"      --compression-level N          compression level\n"
	"      --digest-file FILE   write the top digest to FILE\n"
	"      --metadata-file FILE write tags, digests and sizes as JSON to FILE\n"
	"      --cc zig|musl-gcc|PATH   C toolchain for cgo (default zig)\n"
	"      --cgo auto|on|off  cgo (default auto)\n"
	"      --compiler gc|gccgo|gollvm   Go compiler (default gc)\n"
	"      --tags TAGS, --ldflags FLAGS, --gcflags FLAGS   passed to go build\n"
	"  -q, --quiet            print only the top digest\n"
	"  -h, --help             this help\n"
	"\n"
	"SOURCE_DATE_EPOCH sets the creation time and file times (default 0).\n";

enum {
	OPT_COMPRESSION = GS_OPT_FIRST_COMMAND_SPECIFIC,
	OPT_COMPRESSION_LEVEL,
	OPT_DIGEST_FILE,
	OPT_METADATA_FILE,
};

typedef struct build_opts {
	gs_cli_compile_t compile;
	gs_pack_opts_t pack;
	gs_strvec_t tags;
	const char *layout_dir;
	const char *digest_file;
	const char *metadata_file;
} build_opts_t;

static int parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int source_date_epoch(int64_t *epoch, gs_error_t *err)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	*epoch = 0;
	if (!s || !*s)
		return 0;
	long v;
	if (parse_int(s, 0, 253402300799L, &v) < 0)
		return gs_error_usage(err, "invalid SOURCE_DATE_EPOCH '%s'; give seconds since 1970",
				      s);
	*epoch = v;
	return 0;
}

static int parse_args(int argc, char **argv, build_opts_t *b, int *help, gs_error_t *err)
{
	static const struct option longopts[] = {
		GS_COMPILE_LONG_OPTIONS,
		{"tag", required_argument, NULL, 't'},
		{"output", required_argument, NULL, 'o'},
		{"quiet", no_argument, NULL, 'q'},
		{"compression", required_argument, NULL, OPT_COMPRESSION},
		{"compression-level", required_argument, NULL, OPT_COMPRESSION_LEVEL},
		{"digest-file", required_argument, NULL, OPT_DIGEST_FILE},
		{"metadata-file", required_argument, NULL, OPT_METADATA_FILE},
		{NULL, 0, NULL, 0},
	};
	int opt;
	long level;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":t:o:qh", longopts, NULL)) != -1) {
		int handled = gs_cli_compile_option(&b->compile, opt, optarg, err);
		if (handled < 0)
			return -1;
		if (handled)
			continue;
		switch (opt) {
		case 't':
			gs_strvec_push(&b->tags, optarg);
			break;
		case 'o':
			if (!*optarg)
				return gs_error_usage(err, "empty '-o'; give an OCI layout directory");
			b->layout_dir = optarg;
			break;
		case 'q':
			b->compile.quiet = 1;
			break;
		case OPT_COMPRESSION:
			if (gs_compression_parse(optarg, &b->pack.compression, err) < 0)
				return -1;
			break;
		case OPT_COMPRESSION_LEVEL:
			if (parse_int(optarg, 0, 22, &level) < 0)
				return gs_error_usage(err, "invalid '--compression-level %s'; give a "
						      "number from 0 to 22 (gzip: 0-9)", optarg);
			b->pack.level = (int)level;
			break;
		case OPT_DIGEST_FILE:
			b->digest_file = optarg;
			break;
		case OPT_METADATA_FILE:
			b->metadata_file = optarg;
			break;
		case 'h':
		case GS_OPT_HELP:
			*help = 1;
			return 0;
		default:
			return gs_cli_bad_option("build", opt, argv, err);
		}
	}
	if (argc - optind > 1)
		return gs_error_usage(err, "build takes one package, got %d; see 'gsimage build "
				      "--help'", argc - optind);
	if (optind < argc)
		b->compile.opts.package = argv[optind];
	if (b->pack.compression == GS_COMPRESS_GZIP && b->pack.level > 9)
		return gs_error_usage(err, "invalid '--compression-level %d' for gzip; give 0 to 9",
				      b->pack.level);
	return 0;
}

/* Parse every -t before anything is built, so a bad one costs nothing. */
static int parse_refs(const gs_strvec_t *tags, gs_ref_t *refs, gs_error_t *err)
{
	for (size_t i = 0; i < tags->n; i++)
		if (gs_ref_parse(tags->v[i], &refs[i], err) < 0)
			return -1;
	return 0;
}

static int write_text_file(const char *path, const char *text, gs_error_t *err)
{
	return gs_fs_write_atomic(path, text, strlen(text), 0644, err);
}

static void remove_work_dir(const char *dir, const gs_compile_result_t *res)
{
	for (size_t i = 0; i < res->n_bins; i++)
		unlink(res->bins[i].path);
	rmdir(dir);
}

static int run_build(build_opts_t *b, gs_error_t *err)
{
	int64_t epoch;
	if (source_date_epoch(&epoch, err) < 0)
		return -1;
	b->pack.epoch = epoch;

	/* One spare slot for the default tag. */
	size_t n_refs = b->tags.n;
	gs_ref_t *refs = xcalloc(n_refs + 1, sizeof *refs);
	int r = -1;
	gs_store_t *store = NULL;
	cleanup_free char *work_dir = NULL;
	gs_compile_result_t res = {0};
	gs_pack_result_t packed = {0};
	cleanup_strvec gs_strvec_t tag_names = GS_STRVEC_INIT;
	cleanup_free char *tmp_parent = gs_path_join(b->compile.cache_dir, "work");

	if (parse_refs(&b->tags, refs, err) < 0)
		goto out;
	/* Open (or create) the layout first: a bad -o is refused before any
	 * compiling, and a corrupted index.json is never written over. */
	if (gs_store_open(b->layout_dir, 1, &store, err) < 0 || gs_layout_check(store, err) < 0)
		goto out;

	if (gs_fs_mkdir_p(tmp_parent, 0700, err) < 0)
		goto out;
	work_dir = gs_path_join(tmp_parent, "build-XXXXXX");
	if (!mkdtemp(work_dir)) {
		gs_error_set(err, errno, "creating a work directory in '%s'", tmp_parent);
		goto out;
	}
	b->compile.opts.out_dir = work_dir;
	if (gs_compile(&b->compile.opts, &res, err) < 0)
		goto out;

	if (n_refs == 0) {
		cleanup_free char *def = x_asprintf("%s:latest", res.name);
		if (gs_ref_parse(def, &refs[0], err) < 0) {
			gs_error_wrap(err, "default tag for program '%s'; give -t NAME:TAG", res.name);
			goto out;
		}
		n_refs = 1;
	}

	gs_pack_binary_t *bins = xcalloc(res.n_bins, sizeof *bins);
	for (size_t i = 0; i < res.n_bins; i++)
		bins[i] = (gs_pack_binary_t){res.bins[i].platform, res.bins[i].path};
	b->pack.name = res.name;
	gs_cli_progress(&b->compile.quiet, "writing image layers and manifests");
	int pr = gs_pack(store, &b->pack, bins, res.n_bins, &packed, err);
	free(bins);
	if (pr < 0)
		goto out;

	for (size_t i = 0; i < n_refs; i++) {
		if (gs_layout_set_tag(store, refs[i].given, refs[i].full, packed.top_media_type,
				      &packed.top, packed.top_size, err) < 0) {
			gs_error_wrap(err, "tagging '%s'", refs[i].given);
			goto out;
		}
		gs_strvec_push(&tag_names, refs[i].given);
		cleanup_free char *line = x_asprintf("tagged %s in %s", refs[i].given,
						     b->layout_dir);
		gs_cli_progress(&b->compile.quiet, line);
	}

	if (b->digest_file) {
		cleanup_free char *text = x_asprintf("%s\n", packed.top.s);
		if (write_text_file(b->digest_file, text, err) < 0)
			goto out;
	}
	if (b->metadata_file) {
		cleanup_free char *json = gs_pack_metadata_json(&packed, &tag_names);
		cleanup_free char *text = x_asprintf("%s\n", json);
		if (write_text_file(b->metadata_file, text, err) < 0)
			goto out;
	}
	if (!b->compile.quiet)
		for (size_t i = 0; i < packed.n_images; i++)
			printf("%s %s\n", packed.images[i].platform->name,
			       packed.images[i].manifest.s);
	printf("%s\n", packed.top.s);
	r = 0;
out:
	if (work_dir)
		remove_work_dir(work_dir, &res);
	gs_pack_result_release(&packed);
	gs_compile_result_release(&res);
	gs_store_free(store);
	for (size_t i = 0; i < b->tags.n + 1; i++)
		gs_ref_release(&refs[i]);
	free(refs);
	return r;
}

int gs_cmd_build(int argc, char **argv, gs_error_t *err)
{
	build_opts_t b;
	memset(&b, 0, sizeof b);
	if (gs_cli_compile_init(&b.compile, err) < 0)
		return -1;
	b.layout_dir = "oci";
	b.pack.compression = GS_COMPRESS_GZIP;
	b.pack.level = -1;
	int help = 0, r = parse_args(argc, argv, &b, &help, err);
	if (r == 0 && help)
		fputs(build_usage, stdout);
	else if (r == 0)
		r = run_build(&b, err);
	gs_pack_opts_release(&b.pack);
	gs_strvec_release(&b.tags);
	gs_cli_compile_release(&b.compile);
	return r;
}

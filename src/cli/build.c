/* gsimage build [-t REF]... [options] [PKG]: compile -> verify -> layer ->
 * config -> manifest per platform -> index -> tags. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsimage/cli/commands.h"
#include "gsimage/cli/common.h"
#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/image.h"
#include "gsimage/oci/layout.h"
#include "gsimage/oci/ref.h"
#include "gsimage/oci/export.h"
#include "gsimage/pipeline/pack.h"
#include "gsimage/pipeline/rootfs.h"
#include "gsimage/toolchain/vcs.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/utf8.h"
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
	"Image configuration:\n"
	"      --entrypoint ARG   entrypoint word (repeatable; default the binary)\n"
	"      --cmd ARG          command word (repeatable)\n"
	"      --env KEY=VALUE    environment variable (repeatable)\n"
	"      --user UID[:GID]   user to run as (default 65532:65532)\n"
	"      --workdir DIR      working directory (default /)\n"
	"      --label KEY=VALUE  config label (repeatable)\n"
	"      --annotation KEY=VALUE   manifest annotation (repeatable)\n"
	"      --expose PORT[/tcp|/udp] exposed port (repeatable)\n"
	"      --stop-signal SIG  stop signal, e.g. SIGINT\n"
	"      --binary-path PATH where the binary goes (default /usr/local/bin/<name>)\n"
	"\n"
	"File system:\n"
	"      --bare             no essentials layer: only the binary and --add files\n"
	"      --ca-certs FILE    CA bundle for the essentials (default: the host's)\n"
	"      --no-ca-certs      no CA bundle\n"
	"      --tzdata           add the host's /usr/share/zoneinfo\n"
	"      --add SRC:DST      copy a file or tree to DST (relative to the image root)\n"
	"\n"
	"Export:\n"
	"      --docker-archive FILE    also write a docker-load archive\n"
	"      --docker-platform P      platform for the docker archive (default: the first)\n"
	"      --oci-archive FILE       also write the layout as an OCI archive (tar)\n"
	"\n"
	"SOURCE_DATE_EPOCH sets the creation time and file times (default 0).\n";

static const char pack_usage[] =
	"usage: gsimage pack [options] BINARY...\n"
	"\n"
	"Package static binaries that are already built (one per platform) into a\n"
	"FROM-scratch OCI image, verifying each with libelf first.  Each binary's\n"
	"platform comes from its ELF machine, or from --platform (one per binary,\n"
	"in order).  The image name defaults to the first binary's name without a\n"
	"-linux-<arch> suffix.\n"
	"\n"
	"  --name NAME            program name (binary path, title, default tag)\n"
	"  --platform LIST        the platform of each binary, in order\n"
	"\n"
	"Every option of 'gsimage build' that is not a compile option applies:\n"
	"-t, -o, -q, --compression, --compression-level, --digest-file,\n"
	"--metadata-file, the image configuration, file system and export options.\n"
	"See 'gsimage build --help'.\n";

enum {
	OPT_COMPRESSION = GS_OPT_FIRST_COMMAND_SPECIFIC,
	OPT_COMPRESSION_LEVEL,
	OPT_DIGEST_FILE,
	OPT_METADATA_FILE,
	OPT_ENTRYPOINT,
	OPT_CMD,
	OPT_ENV,
	OPT_USER,
	OPT_WORKDIR,
	OPT_LABEL,
	OPT_ANNOTATION,
	OPT_EXPOSE,
	OPT_STOP_SIGNAL,
	OPT_BINARY_PATH,
	OPT_BARE,
	OPT_CA_CERTS,
	OPT_NO_CA_CERTS,
	OPT_TZDATA,
	OPT_ADD,
	OPT_DOCKER_ARCHIVE,
	OPT_DOCKER_PLATFORM,
	OPT_OCI_ARCHIVE,
	OPT_NAME,
};

typedef struct build_opts {
	gs_cli_compile_t compile;
	gs_pack_opts_t pack;
	gs_strvec_t tags;
	const char *layout_dir;
	const char *digest_file;
	const char *metadata_file;
	const char *ca_certs;     /* --ca-certs, or NULL for the host's */
	int no_ca_certs;
	int tzdata;
	const char *docker_archive;
	const char *docker_platform;
	const char *oci_archive;
	gs_strvec_t user_annotations; /* --annotation, applied over the standard ones */
	const char *command;      /* "build", or "pack" for prebuilt binaries */
	gs_strvec_t binaries;     /* pack: the binaries given */
	const char *name;         /* pack: --name */
	int platform_given;       /* pack: --platform pairs with the binaries */
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

/* "/a/b": absolute, and no empty, "." or ".." component (so never "/" or
 * a directory such as "/usr/."). */
static int is_plain_absolute_path(const char *p)
{
	if (p[0] != '/' || !p[1])
		return 0;
	for (const char *c = p + 1;;) {
		size_t n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (!c[n])
			return 1;
		c += n + 1;
	}
}

/* The directory a FILE argument will be written into must exist now, not
 * fail after the image is built. */
static int check_output_file(const char *flag, const char *file, gs_error_t *err)
{
	cleanup_free char *dir = xstrdup(file);
	char *slash = strrchr(dir, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	struct stat st;
	if (stat(*dir ? dir : "/", &st) < 0 || !S_ISDIR(st.st_mode))
		return gs_error_usage(err, "'%s %s': directory '%s' does not exist", flag, file,
				      *dir ? dir : "/");
	return 0;
}

/* "K=V" with a non-empty K. */
static int check_key_value(const char *flag, const char *kv, gs_error_t *err)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv)
		return gs_error_usage(err, "invalid '%s %s'; give KEY=VALUE", flag, kv);
	return 0;
}

/* PORT[/tcp|/udp] -> "PORT/proto" */
static int add_exposed_port(gs_strvec_t *ports, const char *spec, gs_error_t *err)
{
	cleanup_free char *port = xstrdup(spec);
	const char *proto = "tcp";
	char *slash = strchr(port, '/');
	if (slash) {
		*slash = '\0';
		proto = slash + 1;
	}
	long n;
	if (parse_int(port, 1, 65535, &n) < 0 || (strcmp(proto, "tcp") && strcmp(proto, "udp")))
		return gs_error_usage(err, "invalid '--expose %s'; give PORT[/tcp|/udp] with a port "
				      "from 1 to 65535", spec);
	gs_strvec_pushf(ports, "%ld/%s", n, proto);
	return 0;
}

/* SIGTERM-style names or numbers. */
static int check_signal(const char *s, gs_error_t *err)
{
	long n;
	if (parse_int(s, 1, 64, &n) == 0)
		return 0;
	if (strncmp(s, "SIG", 3) == 0 && s[3] && strspn(s + 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-") ==
							 strlen(s + 3))
		return 0;
	return gs_error_usage(err, "invalid '--stop-signal %s'; give a name such as SIGTERM or a "
			      "number", s);
}

/* Walk every --add tree into a scratch layer, so a symlink out of its tree
 * or a device is refused before anything is compiled. */
static int check_adds(const gs_strvec_t *adds, gs_error_t *err)
{
	gs_layer_t *scratch = gs_layer_new();
	int r = 0;
	for (size_t i = 0; r == 0 && i < adds->n; i++) {
		cleanup_free char *src = NULL, *dst = NULL;
		r = gs_add_spec_parse(adds->v[i], &src, &dst, err);
		if (r == 0 && gs_add_tree(scratch, src, dst, err) < 0)
			r = gs_error_wrap(err, "--add %s", adds->v[i]);
	}
	gs_layer_free(scratch);
	return r;
}

static int platform_listed(const build_opts_t *b, const char *name)
{
	const gs_platform_t *p = gs_platform_find(name);
	for (size_t i = 0; i < b->compile.opts.n_platforms; i++)
		if (b->compile.opts.platforms[i] == p)
			return 1;
	return 0;
}

static int check_combinations(build_opts_t *b, gs_error_t *err)
{
	if (b->pack.bare && (b->ca_certs || b->tzdata))
		return gs_error_usage(err, "--bare leaves out the essentials layer; drop --ca-certs "
				      "and --tzdata or drop --bare");
	if (b->ca_certs && b->no_ca_certs)
		return gs_error_usage(err, "--ca-certs and --no-ca-certs contradict each other");
	if (b->docker_platform && !b->docker_archive)
		return gs_error_usage(err, "--docker-platform needs --docker-archive FILE");
	if (b->docker_platform && !gs_platform_find(b->docker_platform))
		return gs_error_usage(err, "'--docker-platform %s' is not a platform gsimage knows",
				      b->docker_platform);
	if (b->docker_platform && !b->binaries.n && !platform_listed(b, b->docker_platform))
		return gs_error_usage(err, "'--docker-platform %s' is not one of the platforms built; "
				      "add it to --platform", b->docker_platform);
	static const char *const file_flags[] = {"--docker-archive", "--oci-archive",
						 "--digest-file", "--metadata-file"};
	const char *files[] = {b->docker_archive, b->oci_archive, b->digest_file,
			       b->metadata_file};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		if (files[i] && check_output_file(file_flags[i], files[i], err) < 0)
			return -1;
	if (b->ca_certs && access(b->ca_certs, R_OK) < 0)
		return gs_error_usage(err, "'--ca-certs %s': cannot read it: %s", b->ca_certs,
				      strerror(errno));
	return check_adds(&b->pack.adds, err);
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
		{"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
		{"cmd", required_argument, NULL, OPT_CMD},
		{"env", required_argument, NULL, OPT_ENV},
		{"user", required_argument, NULL, OPT_USER},
		{"workdir", required_argument, NULL, OPT_WORKDIR},
		{"label", required_argument, NULL, OPT_LABEL},
		{"annotation", required_argument, NULL, OPT_ANNOTATION},
		{"expose", required_argument, NULL, OPT_EXPOSE},
		{"stop-signal", required_argument, NULL, OPT_STOP_SIGNAL},
		{"binary-path", required_argument, NULL, OPT_BINARY_PATH},
		{"bare", no_argument, NULL, OPT_BARE},
		{"ca-certs", required_argument, NULL, OPT_CA_CERTS},
		{"no-ca-certs", no_argument, NULL, OPT_NO_CA_CERTS},
		{"tzdata", no_argument, NULL, OPT_TZDATA},
		{"add", required_argument, NULL, OPT_ADD},
		{"docker-archive", required_argument, NULL, OPT_DOCKER_ARCHIVE},
		{"docker-platform", required_argument, NULL, OPT_DOCKER_PLATFORM},
		{"oci-archive", required_argument, NULL, OPT_OCI_ARCHIVE},
		{"name", required_argument, NULL, OPT_NAME},
		{NULL, 0, NULL, 0},
	};
	int opt;
	int packing = strcmp(b->command, "pack") == 0;
	long level;
	optind = 0; /* 0: glibc re-initialises getopt fully between commands */
	while ((opt = getopt_long(argc, argv, ":t:o:qh", longopts, NULL)) != -1) {
		/* pack takes built binaries: of the compile flags only --platform
		 * (which platform each binary is for) makes sense. */
		if (packing && opt >= GS_OPT_PLATFORM && opt < GS_OPT_HELP && opt != GS_OPT_PLATFORM)
			return gs_error_usage(err, "--cc, --cgo, --compiler, --tags, --ldflags and "
					      "--gcflags are compile options; 'gsimage pack' takes "
					      "binaries that are already built");
		if (!packing && opt == OPT_NAME)
			return gs_error_usage(err, "'--name' is for 'gsimage pack'; 'gsimage build' "
					      "names the image after the package");
		/* Image configuration ends up in JSON, which holds UTF-8 only: refuse
		 * other bytes now rather than write U+FFFD in their place. */
		if (optarg && !gs_utf8_valid(optarg)) {
			cleanup_free char *shown = gs_utf8_sanitize(optarg);
			const char *flag = "?";
			for (const struct option *lo = longopts; lo->name; lo++)
				if (lo->val == opt)
					flag = lo->name;
			return gs_error_usage(err, "the value of '--%s' is not valid UTF-8 (shown as "
					      "'%s'); image configuration must be UTF-8 text", flag,
					      shown);
		}
		int handled = gs_cli_compile_option(&b->compile, opt, optarg, err);
		if (handled < 0)
			return -1;
		if (handled) {
			b->platform_given |= opt == GS_OPT_PLATFORM;
			continue;
		}
		switch (opt) {
		case OPT_NAME:
			b->name = optarg;
			break;
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
						      "number: 0-9 for gzip, 1-22 for zstd", optarg);
			b->pack.level = (int)level;
			break;
		case OPT_DIGEST_FILE:
			b->digest_file = optarg;
			break;
		case OPT_METADATA_FILE:
			b->metadata_file = optarg;
			break;
		case OPT_ENTRYPOINT:
			gs_strvec_push(&b->pack.entrypoint, optarg);
			break;
		case OPT_CMD:
			gs_strvec_push(&b->pack.cmd, optarg);
			break;
		case OPT_ENV:
			if (check_key_value("--env", optarg, err) < 0)
				return -1;
			gs_strvec_push(&b->pack.env, optarg);
			break;
		case OPT_LABEL:
			if (check_key_value("--label", optarg, err) < 0)
				return -1;
			gs_strvec_push(&b->pack.labels, optarg);
			break;
		case OPT_ANNOTATION:
			if (check_key_value("--annotation", optarg, err) < 0)
				return -1;
			gs_strvec_push(&b->user_annotations, optarg);
			break;
		case OPT_USER:
			if (!*optarg || strpbrk(optarg, " \t\n"))
				return gs_error_usage(err, "invalid '--user %s'; give UID[:GID] or a "
						      "user name", optarg);
			b->pack.user = optarg;
			break;
		case OPT_WORKDIR:
			if (optarg[0] != '/')
				return gs_error_usage(err, "invalid '--workdir %s'; give an absolute "
						      "path", optarg);
			b->pack.workdir = optarg;
			break;
		case OPT_EXPOSE:
			if (add_exposed_port(&b->pack.exposed_ports, optarg, err) < 0)
				return -1;
			break;
		case OPT_STOP_SIGNAL:
			if (check_signal(optarg, err) < 0)
				return -1;
			b->pack.stop_signal = optarg;
			break;
		case OPT_BINARY_PATH:
			if (!is_plain_absolute_path(optarg))
				return gs_error_usage(err, "invalid '--binary-path %s'; give an absolute "
						      "file path such as /usr/local/bin/app", optarg);
			b->pack.binary_path = optarg;
			break;
		case OPT_BARE:
			b->pack.bare = 1;
			break;
		case OPT_CA_CERTS:
			b->ca_certs = optarg;
			break;
		case OPT_NO_CA_CERTS:
			b->no_ca_certs = 1;
			break;
		case OPT_TZDATA:
			b->tzdata = 1;
			break;
		case OPT_ADD: {
			cleanup_free char *src = NULL, *dst = NULL;
			struct stat st;
			if (gs_add_spec_parse(optarg, &src, &dst, err) < 0)
				return -1;
			if (lstat(src, &st) < 0)
				return gs_error_usage(err, "'--add %s': source '%s' does not exist",
						      optarg, src);
			gs_strvec_push(&b->pack.adds, optarg);
			break;
		}
		case OPT_DOCKER_ARCHIVE:
			b->docker_archive = optarg;
			break;
		case OPT_DOCKER_PLATFORM:
			b->docker_platform = optarg;
			break;
		case OPT_OCI_ARCHIVE:
			b->oci_archive = optarg;
			break;
		case 'h':
		case GS_OPT_HELP:
			*help = 1;
			return 0;
		default:
			return gs_cli_bad_option(b->command, opt, argv, err);
		}
	}
	if (packing) {
		if (optind == argc)
			return gs_error_usage(err, "pack needs at least one binary; see 'gsimage pack "
					      "--help'");
		for (int i = optind; i < argc; i++)
			gs_strvec_push(&b->binaries, argv[i]);
		if (b->platform_given && b->compile.opts.n_platforms != b->binaries.n)
			return gs_error_usage(err, "--platform names %zu platforms for %zu binaries; give "
					      "one per binary, in the same order, or none",
					      b->compile.opts.n_platforms, b->binaries.n);
	} else {
		if (argc - optind > 1)
			return gs_error_usage(err, "build takes one package, got %d; see 'gsimage "
					      "build --help'", argc - optind);
		if (optind < argc)
			b->compile.opts.package = argv[optind];
	}
	if (b->pack.compression == GS_COMPRESS_GZIP && b->pack.level > 9)
		return gs_error_usage(err, "invalid '--compression-level %d' for gzip; give 0 to 9",
				      b->pack.level);
	if (b->pack.compression == GS_COMPRESS_ZSTD && b->pack.level == 0)
		return gs_error_usage(err, "invalid '--compression-level 0' for zstd; give 1 to 22");
	if (b->pack.compression == GS_COMPRESS_NONE && b->pack.level >= 0)
		return gs_error_usage(err, "--compression-level has no effect with --compression "
				      "none; drop one of them");
	return check_combinations(b, err);
}

/* Parse every -t before anything is built, so a bad one costs nothing. */
static int parse_refs(const gs_strvec_t *tags, gs_ref_t *refs, gs_error_t *err)
{
	for (size_t i = 0; i < tags->n; i++)
		if (gs_ref_parse(tags->v[i], &refs[i], err) < 0)
			return -1;
	return 0;
}

/* An -o we cannot write to fails with "...: Read-only file system" (or
 * permission denied); say what to do about it. */
static int layout_not_writable(gs_error_t *err)
{
	if (err->errnum == EROFS || err->errnum == EACCES || err->errnum == EPERM) {
		char *old = err->msg;
		err->msg = x_asprintf("%s; choose a writable -o directory", old);
		free(old);
	}
	return -1;
}

/* Open (or create) the layout first: a bad -o is refused before any
 * compiling, and a corrupted index.json is never written over.  An existing
 * layout we cannot write to is refused here too, not after the build. */
static int open_layout(const char *dir, gs_store_t **store, gs_error_t *err)
{
	if (gs_store_open(dir, 1, store, err) < 0)
		return layout_not_writable(err);
	if (gs_layout_check(*store, err) < 0)
		return -1;
	if (access(dir, W_OK) < 0) {
		gs_error_set(err, errno, "cannot write to OCI layout '%s'", dir);
		return layout_not_writable(err);
	}
	return 0;
}

static int write_text_file(const char *path, const char *text, gs_error_t *err)
{
	return gs_fs_write_atomic(path, text, strlen(text), 0644, err);
}

/* Remove a work directory and the binaries in it (it holds nothing else). */
static void remove_work_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *f;
	while (d && (f = readdir(d))) {
		if (strcmp(f->d_name, ".") == 0 || strcmp(f->d_name, "..") == 0)
			continue;
		cleanup_free char *path = gs_path_join(dir, f->d_name);
		unlink(path);
		gs_tempfile_forget(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	gs_tempfile_forget(dir);
}

/* org.opencontainers.image.* from the build, then --annotation on top
 * (same key: replaced in place, so the order stays fixed). */
static void standard_annotations(build_opts_t *b, const gs_compile_result_t *res, int64_t epoch)
{
	gs_strvec_t *a = &b->pack.annotations;
	cleanup_free char *created = gs_image_time(epoch);
	gs_vcs_info_t vcs = {0};
	if (res->dir) /* pack: binaries have no package directory */
		gs_vcs_info_read(res->dir, &vcs);
	gs_strvec_setenv(a, "org.opencontainers.image.created", created);
	gs_strvec_setenv(a, "org.opencontainers.image.title", res->name);
	if (vcs.source)
		gs_strvec_setenv(a, "org.opencontainers.image.source", vcs.source);
	if (vcs.revision)
		gs_strvec_setenv(a, "org.opencontainers.image.revision", vcs.revision);
	if (vcs.version)
		gs_strvec_setenv(a, "org.opencontainers.image.version", vcs.version);
	gs_strvec_setenv(a, "org.opencontainers.image.base.name", "scratch");
	gs_vcs_info_release(&vcs);
	for (size_t i = 0; i < b->user_annotations.n; i++) {
		const char *kv = b->user_annotations.v[i];
		size_t klen = strcspn(kv, "=");
		cleanup_free char *key = xstrndup(kv, klen);
		gs_strvec_setenv(a, key, kv + klen + 1);
	}
}

/* --ca-certs / --no-ca-certs / the host's bundle; --tzdata. */
static void essentials_options(build_opts_t *b)
{
	if (b->pack.bare || b->no_ca_certs)
		b->pack.essentials.ca_certs = NULL;
	else if (b->ca_certs)
		b->pack.essentials.ca_certs = b->ca_certs;
	else if (access(GS_CA_BUNDLE_PATH, R_OK) == 0)
		b->pack.essentials.ca_certs = GS_CA_BUNDLE_PATH;
	b->pack.essentials.zoneinfo = b->tzdata ? GS_ZONEINFO_PATH : NULL;
}

static int write_docker_archive(build_opts_t *b, gs_store_t *store, const gs_pack_result_t *packed,
				const gs_ref_t *refs, size_t n_refs, gs_error_t *err)
{
	const gs_packed_image_t *img = &packed->images[0];
	if (b->docker_platform) {
		const gs_platform_t *want = gs_platform_find(b->docker_platform);
		img = NULL;
		for (size_t i = 0; want && i < packed->n_images; i++)
			if (packed->images[i].platform == want)
				img = &packed->images[i];
		if (!img)
			return gs_error_usage(err, "'--docker-platform %s' is not one of the platforms "
					      "built", b->docker_platform);
	}
	cleanup_strvec gs_strvec_t names = GS_STRVEC_INIT;
	for (size_t i = 0; i < n_refs; i++)
		gs_strvec_push(&names, refs[i].full);
	cleanup_free char *line = x_asprintf("writing docker archive %s (%s)", b->docker_archive,
					     img->platform->name);
	gs_cli_progress(&b->compile.quiet, line);
	return gs_export_docker_archive(store, &img->manifest, &names, b->docker_archive, err);
}

/* A build killed with SIGKILL leaves build-<pid>-XXXXXX behind; remove the
 * ones whose process is gone (their files are only compiled binaries). */
static void remove_stale_work_dirs(const char *parent)
{
	DIR *d = opendir(parent);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		long pid;
		if (sscanf(de->d_name, "build-%ld-", &pid) != 1 || pid <= 0 ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		cleanup_free char *dir = gs_path_join(parent, de->d_name);
		remove_work_dir(dir);
	}
	closedir(d);
}

/* The platform a binary is for: the --platform entry paired with it, or
 * the first table row whose machine, class and byte order it has. */
static const gs_platform_t *platform_of(const build_opts_t *b, size_t i,
					const gs_elf_report_t *r)
{
	if (b->platform_given)
		return b->compile.opts.platforms[i];
	size_t n;
	const gs_platform_t *table = gs_platform_table(&n);
	for (size_t j = 0; j < n; j++)
		if (gs_elf_machine_matches(r, &table[j]))
			return &table[j];
	return NULL;
}

/* "app" from "bin/app-linux-arm64-v8": the compile stage's naming undone. */
static char *name_from_binary(const char *path)
{
	char *name = gs_path_basename(path);
	char *suffix = strstr(name, "-linux-");
	if (suffix && suffix != name)
		*suffix = '\0';
	return name;
}

/* pack: verify the given binaries as compile would have, one per platform. */
static int verify_prebuilt(build_opts_t *b, gs_compile_result_t *res, gs_error_t *err)
{
	res->bins = xcalloc(b->binaries.n, sizeof *res->bins);
	for (size_t i = 0; i < b->binaries.n; i++) {
		const char *file = b->binaries.v[i];
		gs_compiled_t *bin = &res->bins[res->n_bins++];
		if (gs_elf_inspect_file(file, &bin->report, err) < 0)
			return gs_error_wrap(err, "'%s'", file);
		bin->platform = platform_of(b, i, &bin->report);
		if (!bin->platform)
			return gs_error_set(err, 0, "'%s' is built for %s, which gsimage has no "
						    "platform for", file,
					    gs_elf_machine_name(bin->report.machine));
		if (gs_elf_check_platform(&bin->report, bin->platform, err) < 0)
			return gs_error_wrap(err, "refusing '%s'", file);
		for (size_t j = 0; j + 1 < res->n_bins; j++)
			if (res->bins[j].platform == bin->platform)
				return gs_error_usage(err, "'%s' and '%s' are both for %s; give one "
						      "binary per platform", res->bins[j].path, file,
						      bin->platform->name);
		bin->path = xstrdup(file);
	}
	res->name = b->name ? xstrdup(b->name) : name_from_binary(b->binaries.v[0]);
	return 0;
}

static int built_for(const gs_compile_result_t *res, const char *platform)
{
	const gs_platform_t *p = gs_platform_find(platform);
	for (size_t i = 0; i < res->n_bins; i++)
		if (res->bins[i].platform == p)
			return 1;
	return 0;
}

static int run_build(build_opts_t *b, gs_error_t *err)
{
	int64_t epoch;
	if (source_date_epoch(&epoch, err) < 0)
		return -1;
	b->pack.epoch = epoch;
	essentials_options(b);

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
	cleanup_free char *work_name = x_asprintf("build-%ld-XXXXXX", (long)getpid());

	if (parse_refs(&b->tags, refs, err) < 0)
		goto out;
	if (open_layout(b->layout_dir, &store, err) < 0)
		goto out;

	if (gs_fs_mkdir_p(tmp_parent, 0700, err) < 0)
		goto out;
	remove_stale_work_dirs(tmp_parent);
	work_dir = gs_path_join(tmp_parent, work_name);
	if (!mkdtemp(work_dir)) {
		gs_error_set(err, errno, "creating a work directory in '%s'", tmp_parent);
		goto out;
	}
	gs_tempfile_register(work_dir); /* an interrupt removes it (once empty) */
	if (b->binaries.n) {
		if (verify_prebuilt(b, &res, err) < 0)
			goto out;
		if (b->docker_platform && !built_for(&res, b->docker_platform)) {
			gs_error_usage(err, "'--docker-platform %s' is not the platform of any binary "
				       "given", b->docker_platform);
			goto out;
		}
	} else {
		b->compile.opts.out_dir = work_dir;
		b->compile.opts.outputs_are_temporary = 1; /* an interrupt removes them */
		if (gs_compile(&b->compile.opts, &res, err) < 0)
			goto out;
	}

	if (n_refs == 0) {
		/* Repository names are lowercase: "MyApp" is tagged myapp:latest. */
		cleanup_free char *def = x_asprintf("%s:latest", res.name);
		for (char *c = def; *c && *c != ':'; c++)
			*c = (char)tolower((unsigned char)*c);
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
	standard_annotations(b, &res, epoch);
	gs_cli_progress(&b->compile.quiet, "writing image layers and manifests");
	int pr = gs_pack(store, &b->pack, bins, res.n_bins, &packed, err);
	free(bins);
	if (pr < 0)
		goto out;

	for (size_t i = 0; i < n_refs; i++) {
		if (gs_layout_set_tag(store, refs[i].given, refs[i].full, packed.top_media_type,
				      &packed.top, packed.top_size, err) < 0)
			goto out; /* the message already says "tagging '<ref>'" */
		gs_strvec_push(&tag_names, refs[i].given);
		cleanup_free char *line = x_asprintf("tagged %s in %s", refs[i].given,
						     b->layout_dir);
		gs_cli_progress(&b->compile.quiet, line);
	}

	if (b->docker_archive && write_docker_archive(b, store, &packed, refs, n_refs, err) < 0)
		goto out;
	if (b->oci_archive) {
		gs_cli_progress(&b->compile.quiet, "writing the OCI archive");
		if (gs_export_oci_archive(store, b->oci_archive, err) < 0)
			goto out;
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
		remove_work_dir(work_dir);
	gs_pack_result_release(&packed);
	gs_compile_result_release(&res);
	gs_store_free(store);
	for (size_t i = 0; i < b->tags.n + 1; i++)
		gs_ref_release(&refs[i]);
	free(refs);
	return r;
}

static int build_or_pack(const char *command, const char *usage, int argc, char **argv,
			 gs_error_t *err)
{
	build_opts_t b;
	memset(&b, 0, sizeof b);
	b.command = command;
	if (gs_cli_compile_init(&b.compile, err) < 0)
		return -1;
	b.layout_dir = "oci";
	b.pack.compression = GS_COMPRESS_GZIP;
	b.pack.level = -1;
	int help = 0, r = parse_args(argc, argv, &b, &help, err);
	if (r == 0 && help)
		fputs(usage, stdout);
	else if (r == 0)
		r = run_build(&b, err);
	gs_pack_opts_release(&b.pack);
	gs_strvec_release(&b.tags);
	gs_strvec_release(&b.user_annotations);
	gs_strvec_release(&b.binaries);
	gs_cli_compile_release(&b.compile);
	return r;
}

int gs_cmd_build(int argc, char **argv, gs_error_t *err)
{
	return build_or_pack("build", build_usage, argc, argv, err);
}

int gs_cmd_pack(int argc, char **argv, gs_error_t *err)
{
	return build_or_pack("pack", pack_usage, argc, argv, err);
}

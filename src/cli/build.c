/* gsimage build [options] [PKG] and gsimage pack [options] BINARY...: parse
 * the flags into a build request, run the pipeline, print the digests. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsimage/cli/commands.h"
#include "gsimage/cli/common.h"
#include "gsimage/cli/sign.h"
#include "gsimage/pipeline/build.h"
#include "gsimage/pipeline/sboms.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/xalloc.h"

enum {
	OPT_TAG = GS_OPT_FIRST_COMMAND_SPECIFIC,
	OPT_OUTPUT,
	OPT_DIGEST_FILE,
	OPT_METADATA_FILE,
	OPT_DOCKER_ARCHIVE,
	OPT_DOCKER_PLATFORM,
	OPT_OCI_ARCHIVE,
	OPT_NAME,
	OPT_PUSH,
	OPT_SIGN_KEY,
};

static const gs_cli_option_t layout_options[] = {
	GS_CLI_OPT("tag", 't', "REF", OPT_TAG, "tag to set (repeatable; default <name>:latest)"),
	GS_CLI_OPT("output", 'o', "DIR", OPT_OUTPUT, "OCI layout directory (default ./oci)"),
	GS_CLI_END,
};

const gs_cli_option_t gs_cli_compression_options[] = {
	GS_CLI_OPT("compression", 0, "gzip|zstd|none", GS_OPT_COMPRESSION, "layer compression (default gzip)"),
	GS_CLI_OPT("compression-level", 0, "N", GS_OPT_COMPRESSION_LEVEL,
		   "0-9 for gzip (default 2), 1-22 for zstd (default 3)"),
	GS_CLI_END,
};

static const gs_cli_option_t output_options[] = {
	GS_CLI_INCLUDE(gs_cli_compression_options),
	GS_CLI_OPT("digest-file", 0, "FILE", OPT_DIGEST_FILE, "write the top digest to FILE ('-': stdout)"),
	GS_CLI_OPT("metadata-file", 0, "FILE", OPT_METADATA_FILE,
	 "write tags, digests and sizes as JSON to FILE"),
	GS_CLI_OPT("quiet", 'q', NULL, GS_OPT_QUIET, "print only the top digest"),
	GS_CLI_INCLUDE(gs_cli_help_option),
	GS_CLI_END,
};

const gs_cli_option_t gs_cli_image_options[] = {
	GS_CLI_SECTION("Image configuration"),
	GS_CLI_OPT("entrypoint", 0, "ARG", GS_OPT_ENTRYPOINT, "entrypoint word (repeatable; default the binary)"),
	GS_CLI_OPT("cmd", 0, "ARG", GS_OPT_CMD, "command word (repeatable)"),
	GS_CLI_OPT("env", 0, "KEY=VALUE", GS_OPT_ENV, "environment variable (repeatable)"),
	GS_CLI_OPT("user", 0, "UID[:GID]", GS_OPT_USER, "user to run as (default 65532:65532)"),
	GS_CLI_OPT("workdir", 0, "DIR", GS_OPT_WORKDIR, "working directory (default /)"),
	GS_CLI_OPT("label", 0, "KEY=VALUE", GS_OPT_LABEL, "config label (repeatable)"),
	GS_CLI_OPT("annotation", 0, "KEY=VALUE", GS_OPT_ANNOTATION, "manifest annotation (repeatable)"),
	GS_CLI_OPT("expose", 0, "PORT[/tcp|/udp]", GS_OPT_EXPOSE, "exposed port (repeatable)"),
	GS_CLI_OPT("stop-signal", 0, "SIG", GS_OPT_STOP_SIGNAL, "stop signal, e.g. SIGINT"),
	GS_CLI_OPT("binary-path", 0, "PATH", GS_OPT_BINARY_PATH,
	 "where the binary goes (default /usr/local/bin/<name>)"),
	GS_CLI_SECTION("File system"),
	GS_CLI_OPT("bare", 0, NULL, GS_OPT_BARE, "no essentials layer: only the binary and --add files"),
	GS_CLI_OPT("ca-certs", 0, "FILE", GS_OPT_CA_CERTS, "CA bundle for the essentials (default: the host's)"),
	GS_CLI_OPT("no-ca-certs", 0, NULL, GS_OPT_NO_CA_CERTS, "no CA bundle"),
	GS_CLI_OPT("tzdata", 0, NULL, GS_OPT_TZDATA, "add the host's /usr/share/zoneinfo"),
	GS_CLI_OPT("add", 0, "SRC:DST", GS_OPT_ADD, "copy a file or tree to DST (relative to the image root)"),
	GS_CLI_SECTION("SBOM"),
	GS_CLI_OPT("sbom", 0, "spdx,cyclonedx|none", GS_OPT_SBOM,
		   "SBOMs attached to each platform image (default both)"),
	GS_CLI_OPT("sbom-dir", 0, "DIR", GS_OPT_SBOM_DIR, "also write the SBOMs into DIR"),
	GS_CLI_END,
};

static const gs_cli_option_t export_options[] = {
	GS_CLI_SECTION("Export"),
	GS_CLI_OPT("docker-archive", 0, "FILE", OPT_DOCKER_ARCHIVE, "also write a docker-load archive"),
	GS_CLI_OPT("docker-platform", 0, "P", OPT_DOCKER_PLATFORM,
	 "platform for the docker archive (default: the first)"),
	GS_CLI_OPT("oci-archive", 0, "FILE", OPT_OCI_ARCHIVE, "also write the layout as an OCI archive (tar)"),
	GS_CLI_SECTION("Sign"),
	GS_CLI_OPT("sign-key", 0, "FILE", OPT_SIGN_KEY,
		   "sign and attest with this key (default $GSIMAGE_SIGN_KEY; see gsimage sign)"),
	GS_CLI_SECTION("Push"),
	GS_CLI_OPT("push", 0, "DEST", OPT_PUSH, "then push the first tag to DEST (see gsimage push)"),
	GS_CLI_INCLUDE(gs_cli_push_options),
	GS_CLI_END,
};

static const gs_cli_option_t build_options[] = {
	GS_CLI_INCLUDE(layout_options),
	GS_CLI_INCLUDE(gs_cli_compile_options),
	GS_CLI_INCLUDE(output_options),
	GS_CLI_INCLUDE(gs_cli_image_options),
	GS_CLI_INCLUDE(export_options),
	GS_CLI_END,
};

/* pack takes binaries that are already built: of the compile options only
 * --platform applies; the others are known, hidden and refused. */
static const gs_cli_option_t pack_options[] = {
	GS_CLI_INCLUDE(layout_options),
	GS_CLI_OPT("platform", 0, "LIST", GS_OPT_PLATFORM, "the platform of each binary, in order"),
	GS_CLI_OPT("name", 0, "NAME", OPT_NAME, "program name (binary path, title, default tag)"),
	GS_CLI_OPT("cc", 0, "X", GS_OPT_CC, NULL),
	GS_CLI_OPT("cgo", 0, "X", GS_OPT_CGO, NULL),
	GS_CLI_OPT("compiler", 0, "X", GS_OPT_COMPILER, NULL),
	GS_CLI_OPT("tags", 0, "X", GS_OPT_TAGS, NULL),
	GS_CLI_OPT("ldflags", 0, "X", GS_OPT_LDFLAGS, NULL),
	GS_CLI_OPT("gcflags", 0, "X", GS_OPT_GCFLAGS, NULL),
	GS_CLI_INCLUDE(output_options),
	GS_CLI_INCLUDE(gs_cli_image_options),
	GS_CLI_INCLUDE(export_options),
	GS_CLI_END,
};

static const char build_epilogue[] =
	"SOURCE_DATE_EPOCH sets the creation time and file times (default 0).\n" GS_CLI_GO_NOTE;

const gs_cli_command_t gs_cli_build = {
	.name = "build",
	.run = gs_cmd_build,
	.summary = "build a FROM-scratch OCI image of a Go program",
	.synopsis = "[options] [PKG]",
	.description = "Build PKG (default '.') into a FROM-scratch OCI image in an OCI layout.",
	.options = build_options,
	.epilogue = build_epilogue,
	.utf8_values = 1,
};

const gs_cli_command_t gs_cli_pack = {
	.name = "pack",
	.run = gs_cmd_pack,
	.summary = "package already-built static binaries as an image",
	.synopsis = "[options] BINARY...",
	.description =
		"Package static binaries that are already built (one per platform) into a\n"
		"FROM-scratch OCI image, verifying each with libelf first.  Each binary's\n"
		"platform comes from its ELF machine, or from --platform (one per binary,\n"
		"in order).  The image name defaults to the first binary's name without a\n"
		"-linux-<arch> suffix.",
	.options = pack_options,
	.epilogue = build_epilogue,
	.utf8_values = 1,
};

struct build_args {
	const gs_cli_command_t *cmd;
	gs_cli_compile_t compile;
	gs_build_request_t req;
	const char *sign_key; /* --sign-key */
};

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
	if (strncmp(s, "SIG", 3) == 0 && s[3] &&
	    strspn(s + 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-") == strlen(s + 3))
		return 0;
	return gs_error_usage(err, "invalid '--stop-signal %s'; give a name such as SIGTERM or a "
			      "number", s);
}

int gs_cli_image_option(gs_build_request_t *req, int id, const char *arg, gs_error_t *err)
{
	gs_pack_opts_t *img = &req->image;
	long level;
	switch (id) {
	case GS_OPT_COMPRESSION:
		return gs_compression_parse(arg, &img->compression, err);
	case GS_OPT_COMPRESSION_LEVEL:
		if (parse_int(arg, 0, 22, &level) < 0)
			return gs_error_usage(err, "invalid '--compression-level %s'; give a number: "
					      "0-9 for gzip, 1-22 for zstd", arg);
		img->level = (int)level;
		return 0;
	case GS_OPT_ENTRYPOINT:
		gs_strvec_push(&img->entrypoint, arg);
		return 0;
	case GS_OPT_CMD:
		gs_strvec_push(&img->cmd, arg);
		return 0;
	case GS_OPT_ENV:
		if (check_key_value("--env", arg, err) < 0)
			return -1;
		gs_strvec_push(&img->env, arg);
		return 0;
	case GS_OPT_LABEL:
		if (check_key_value("--label", arg, err) < 0)
			return -1;
		gs_strvec_push(&img->labels, arg);
		return 0;
	case GS_OPT_ANNOTATION:
		if (check_key_value("--annotation", arg, err) < 0)
			return -1;
		gs_strvec_push(&req->annotations, arg);
		return 0;
	case GS_OPT_USER:
		if (!*arg || strpbrk(arg, " \t\n"))
			return gs_error_usage(err, "invalid '--user %s'; give UID[:GID] or a user name",
					      arg);
		img->user = arg;
		return 0;
	case GS_OPT_WORKDIR:
		if (arg[0] != '/')
			return gs_error_usage(err, "invalid '--workdir %s'; give an absolute path", arg);
		img->workdir = arg;
		return 0;
	case GS_OPT_EXPOSE:
		return add_exposed_port(&img->exposed_ports, arg, err);
	case GS_OPT_STOP_SIGNAL:
		if (check_signal(arg, err) < 0)
			return -1;
		img->stop_signal = arg;
		return 0;
	case GS_OPT_BINARY_PATH:
		if (!is_plain_absolute_path(arg))
			return gs_error_usage(err, "invalid '--binary-path %s'; give an absolute file "
					      "path such as /usr/local/bin/app", arg);
		img->binary_path = arg;
		return 0;
	case GS_OPT_BARE:
		img->bare = 1;
		return 0;
	case GS_OPT_CA_CERTS:
		req->ca_certs = arg;
		return 0;
	case GS_OPT_NO_CA_CERTS:
		req->no_ca_certs = 1;
		return 0;
	case GS_OPT_TZDATA:
		req->tzdata = 1;
		return 0;
	case GS_OPT_ADD:
		gs_strvec_push(&req->add_specs, arg);
		return 0;
	case GS_OPT_SBOM:
		return gs_sbom_formats_parse(arg, &req->sbom_formats, err);
	case GS_OPT_SBOM_DIR:
		req->sbom_dir = arg;
		return 0;
	}
	return 1; /* not an image option */
}

static int on_option(void *ctx, int id, const char *arg, gs_error_t *err)
{
	struct build_args *a = ctx;
	gs_build_request_t *req = &a->req;
	if (strcmp(a->cmd->name, "pack") == 0 && id >= GS_OPT_CC && id <= GS_OPT_GCFLAGS)
		return gs_error_usage(err, "--cc, --cgo, --compiler, --tags, --ldflags and "
				      "--gcflags are compile options; 'gsimage pack' takes "
				      "binaries that are already built");
	int handled = gs_cli_compile_option(&a->compile, id, arg, err);
	if (handled)
		return handled < 0 ? -1 : 0;
	int r = gs_cli_image_option(req, id, arg, err);
	if (r <= 0)
		return r;
	switch (id) {
	case OPT_NAME:
		req->name = arg;
		break;
	case OPT_TAG:
		gs_strvec_push(&req->tags, arg);
		break;
	case OPT_OUTPUT:
		if (!*arg)
			return gs_error_usage(err, "empty '-o'; give an OCI layout directory");
		req->layout_dir = arg;
		break;
	case OPT_DIGEST_FILE:
		req->digest_file = arg;
		break;
	case OPT_METADATA_FILE:
		req->metadata_file = arg;
		break;
	case OPT_DOCKER_ARCHIVE:
		req->docker_archive = arg;
		break;
	case OPT_DOCKER_PLATFORM:
		req->docker_platform = arg;
		break;
	case OPT_OCI_ARCHIVE:
		req->oci_archive = arg;
		break;
	case OPT_PUSH:
		req->push_dest = arg;
		break;
	case OPT_SIGN_KEY:
		a->sign_key = arg;
		break;
	default:
		gs_cli_push_option(&req->push, id, arg);
	}
	return 0;
}

int gs_cli_image_finish(gs_build_request_t *req, gs_error_t *err)
{
	const gs_pack_opts_t *img = &req->image;
	const char *cflags = getenv("CGO_CFLAGS");
	req->cgo_cflags = cflags && *cflags ? cflags : NULL;
	if (img->compression == GS_COMPRESS_GZIP && img->level > 9)
		return gs_error_usage(err, "invalid '--compression-level %d' for gzip; give 0 to 9",
				      img->level);
	if (img->compression == GS_COMPRESS_ZSTD && img->level == 0)
		return gs_error_usage(err, "invalid '--compression-level 0' for zstd; give 1 to 22");
	if (img->compression == GS_COMPRESS_NONE && img->level >= 0)
		return gs_error_usage(err, "--compression-level has no effect with --compression "
				      "none; drop one of them");
	return source_date_epoch(&req->image.epoch, err);
}

/* Operands and the checks that need every option seen. */
static int finish_args(struct build_args *a, int argc, char **argv, int operand,
		       gs_error_t *err)
{
	gs_build_request_t *req = &a->req;
	req->compile = a->compile.opts;
	req->cache_dir = a->compile.cache_dir;
	req->platforms_given = a->compile.platform_given;
	if (strcmp(a->cmd->name, "pack") == 0) {
		if (operand == argc)
			return gs_error_usage(err, "pack needs at least one binary; see 'gsimage pack "
					      "--help'");
		req->prebuilt = (const char *const *)argv + operand;
		req->n_prebuilt = (size_t)(argc - operand);
	} else {
		if (argc - operand > 1)
			return gs_error_usage(err, "build takes one package, got %d; see 'gsimage "
					      "build --help'", argc - operand);
		if (operand < argc)
			req->compile.package = argv[operand];
		gs_cli_compile_finish(&a->compile);
	}
	return gs_cli_image_finish(req, err);
}

/* The digests go to stdout, unless an output file does: then to stderr,
 * so that output stays clean (an archive, the metadata JSON). */
static void print_result(const gs_build_request_t *req, const gs_build_result_t *res,
			 int quiet)
{
	FILE *to = gs_build_stdout_taken(req) ? stderr : stdout;
	const gs_pack_result_t *img = &res->image;
	if (!quiet)
		for (size_t i = 0; i < img->n_images; i++)
			fprintf(to, "%s %s\n", img->images[i].platform->name,
				img->images[i].manifest.s);
	fprintf(to, "%s\n", img->top.s);
	if (res->pushed && !quiet)
		fprintf(to, "%s\n", res->pushed);
}

static int build_or_pack(const gs_cli_command_t *cmd, int argc, char **argv, gs_error_t *err)
{
	struct build_args a;
	memset(&a, 0, sizeof a);
	a.cmd = cmd;
	if (gs_cli_compile_init(&a.compile, err) < 0)
		return -1;
	gs_build_request_init(&a.req);
	gs_cli_push_init(&a.req.push, &a.compile.quiet);
	int operand, r = gs_cli_parse(cmd, argc, argv, on_option, &a, &operand, err);
	if (r == 0)
		r = finish_args(&a, argc, argv, operand, err);
	/* a missing skopeo or a bad --timeout found before the build, not after */
	if (r == 0 && a.req.push_dest)
		r = gs_push_check(&a.req.push, a.req.push_dest, err);
	/* The key before any work: a refusal costs no build. */
	gs_sign_key_t *key = NULL;
	if (r == 0 && (r = gs_cli_sign_key(a.sign_key, &key, err)) == 0 && key) {
		a.req.sign.key = key;
		/* the provenance's flags: the command line without the key's path */
		for (int i = 1; i < argc; i++) {
			if (strcmp(argv[i], "--sign-key") == 0 && i + 1 < argc)
				i++;
			else if (strncmp(argv[i], "--sign-key=", 11) != 0)
				gs_strvec_push(&a.req.sign.flags, argv[i]);
		}
	}
	if (r == 0) {
		gs_build_result_t res;
		r = gs_build(&a.req, &res, err);
		if (r == 0)
			print_result(&a.req, &res, a.compile.quiet);
		gs_build_result_release(&res);
	}
	gs_strvec_release(&a.req.sign.flags);
	gs_sign_key_free(key);
	gs_build_request_release(&a.req);
	gs_cli_compile_release(&a.compile);
	return r < 0 ? -1 : 0;
}

int gs_cmd_build(int argc, char **argv, gs_error_t *err)
{
	return build_or_pack(&gs_cli_build, argc, argv, err);
}

int gs_cmd_pack(int argc, char **argv, gs_error_t *err)
{
	return build_or_pack(&gs_cli_pack, argc, argv, err);
}

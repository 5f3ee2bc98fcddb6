/* gsimage resolve -f FILE|DIR [-R] --repo REPO [options] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsimage/cli/commands.h"
#include "gsimage/cli/common.h"
#include "gsimage/pipeline/resolve.h"
#include "gsimage/util/cleanup.h"

enum {
	OPT_FILE = GS_OPT_FIRST_COMMAND_SPECIFIC,
	OPT_RECURSIVE,
	OPT_REPO,
	OPT_TAG,
	OPT_OUTPUT,
};

static const gs_cli_option_t resolve_options[] = {
	GS_CLI_OPT("filename", 'f', "FILE|DIR", OPT_FILE,
		   "YAML file, directory of them, or '-' (repeatable)"),
	GS_CLI_OPT("recursive", 'R', NULL, OPT_RECURSIVE,
		   "read subdirectories too, not through symlinks"),
	GS_CLI_OPT("repo", 0, "REPO", OPT_REPO, "push to REPO/<name> (required)"),
	GS_CLI_OPT("tag", 't', "TAG", OPT_TAG, "tag pushed beside the digest (default latest)"),
	GS_CLI_OPT("output", 'o', "DIR", OPT_OUTPUT, "OCI layout the images are built in (default ./oci)"),
	GS_CLI_INCLUDE(gs_cli_compile_options),
	GS_CLI_INCLUDE(gs_cli_compression_options),
	GS_CLI_INCLUDE(gs_cli_push_options),
	GS_CLI_INCLUDE(gs_cli_quiet_option),
	GS_CLI_INCLUDE(gs_cli_help_option),
	GS_CLI_INCLUDE(gs_cli_image_options),
	GS_CLI_END,
};

const gs_cli_command_t gs_cli_resolve = {
	.name = "resolve",
	.run = gs_cmd_resolve,
	.summary = "build, push and pin gsimage:// images in Kubernetes YAML",
	.synopsis = "-f FILE|DIR [-R] --repo REPO [options]",
	.description =
		"Print the YAML with every string gsimage://PKG (or ko://PKG) replaced by\n"
		"REPO/<name>@sha256:<digest>; each package is built (as 'gsimage build'\n"
		"would) and pushed (as 'gsimage push' would) once.  Comments, key order,\n"
		"quoting, document separators and the anchor and tag of a replaced string\n"
		"are kept byte for byte.  At most 64 MiB of YAML, nested 1000 levels deep.",
	.options = resolve_options,
	.epilogue = "SOURCE_DATE_EPOCH sets the creation time and file times (default 0).\n" GS_CLI_GO_NOTE,
	.utf8_values = 1,
};

struct resolve_args {
	gs_cli_compile_t compile;
	gs_resolve_request_t req;
};

static int on_option(void *ctx, int id, const char *arg, gs_error_t *err)
{
	struct resolve_args *a = ctx;
	gs_build_request_t *b = &a->req.build;
	int handled = gs_cli_compile_option(&a->compile, id, arg, err);
	if (handled)
		return handled < 0 ? -1 : 0;
	if (gs_cli_push_option(&b->push, id, arg))
		return 0;
	int r = gs_cli_image_option(b, id, arg, err);
	if (r <= 0)
		return r;
	switch (id) {
	case OPT_FILE:
		if (!*arg)
			return gs_error_usage(err, "empty '-f'; give a YAML file, a directory or '-'");
		gs_strvec_push(&a->req.files, arg);
		break;
	case OPT_RECURSIVE:
		a->req.recursive = 1;
		break;
	case OPT_REPO:
		a->req.repo = arg;
		break;
	case OPT_TAG:
		a->req.tag = arg;
		break;
	case OPT_OUTPUT:
		if (!*arg)
			return gs_error_usage(err, "empty '-o'; give an OCI layout directory");
		b->layout_dir = arg;
		break;
	}
	return 0;
}

static int check_args(struct resolve_args *a, int argc, int operand, gs_error_t *err)
{
	if (operand < argc)
		return gs_error_usage(err, "resolve takes no operands; give YAML with -f");
	if (!a->req.files.n)
		return gs_error_usage(err, "no YAML given; use -f FILE, -f DIR or -f -");
	if (!a->req.repo || !*a->req.repo)
		return gs_error_usage(err, "no --repo; give the registry repository to push to, "
				      "e.g. --repo registry.example.com/team");
	size_t n = strlen(a->req.repo);
	if (a->req.repo[n - 1] == '/')
		return gs_error_usage(err, "'--repo %s' ends with '/'; drop it", a->req.repo);
	gs_cli_compile_finish(&a->compile);
	gs_build_request_t *b = &a->req.build;
	b->compile = a->compile.opts;
	b->cache_dir = a->compile.cache_dir;
	return gs_cli_image_finish(b, err);
}

int gs_cmd_resolve(int argc, char **argv, gs_error_t *err)
{
	struct resolve_args a;
	memset(&a, 0, sizeof a);
	if (gs_cli_compile_init(&a.compile, err) < 0)
		return -1;
	gs_build_request_init(&a.req.build);
	gs_cli_push_init(&a.req.build.push, &a.compile.quiet);
	int operand, r = gs_cli_parse(&gs_cli_resolve, argc, argv, on_option, &a, &operand, err);
	if (r == 0)
		r = check_args(&a, argc, operand, err);
	if (r == 0) /* skopeo and --timeout before any build */
		r = gs_push_check(&a.req.build.push, NULL, err);
	if (r == 0) {
		cleanup_free char *out = NULL;
		size_t len = 0;
		r = gs_resolve(&a.req, &out, &len, err);
		if (r == 0)
			fwrite(out, 1, len, stdout);
	}
	gs_strvec_release(&a.req.files);
	gs_build_request_release(&a.req.build);
	gs_cli_compile_release(&a.compile);
	return r < 0 ? -1 : 0;
}

/* gsimage push [options] DIR:REF DEST */
#include <stdio.h>
#include <stdlib.h>

#include "gsimage/cli/commands.h"
#include "gsimage/cli/common.h"
#include "gsimage/pipeline/push.h"
#include "gsimage/pipeline/target.h"
#include "gsimage/util/cleanup.h"

static const gs_cli_option_t push_options[] = {
	GS_CLI_INCLUDE(gs_cli_push_options),
	GS_CLI_OPT("quiet", 'q', NULL, GS_OPT_QUIET, "no progress on stderr"),
	GS_CLI_INCLUDE(gs_cli_help_option),
	GS_CLI_END,
};

const gs_cli_command_t gs_cli_push = {
	.name = "push",
	.run = gs_cmd_push,
	.summary = "push a tagged image and its SBOMs to a registry (skopeo)",
	.synopsis = "[options] DIR:REF DEST",
	.description =
		"Push the image tagged REF in the OCI layout DIR, every platform of it, to\n"
		"the registry reference DEST with 'skopeo copy --all --preserve-digests',\n"
		"then the referrers-fallback tags (sha256-<hex>) that hold its SBOMs and\n"
		"signature bundles, and cosign's sha256-<hex>.sig and .att tags.\n"
		"REF is read once: what it names then is copied (linked) into a private\n"
		"layout in TMPDIR and pushed from there, so a rebuild of REF meanwhile\n"
		"changes nothing that is sent.  DEST is REPO[:TAG], never a digest.\n"
		"Prints DEST@sha256:<digest>.  GSIMAGE_SKOPEO names the skopeo to run.",
	.options = push_options,
};

struct push_args {
	gs_push_request_t req;
	int quiet;
};

static int on_option(void *ctx, int id, const char *arg, gs_error_t *err)
{
	(void)err;
	struct push_args *a = ctx;
	if (id == GS_OPT_QUIET)
		a->quiet = 1;
	else
		gs_cli_push_option(&a->req, id, arg);
	return 0;
}

int gs_cmd_push(int argc, char **argv, gs_error_t *err)
{
	struct push_args a = {0};
	gs_cli_push_init(&a.req, &a.quiet);
	int operand, r = gs_cli_parse(&gs_cli_push, argc, argv, on_option, &a, &operand, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (argc - operand != 2)
		return gs_error_usage(err, "push takes DIR:REF and DEST; see 'gsimage push --help'");
	cleanup_free char *dir = NULL, *ref = NULL, *pushed = NULL;
	gs_target_split(argv[operand], &dir, &ref);
	if (!*dir || !ref || !*ref)
		return gs_error_usage(err, "'%s' names no tag; give DIR:REF, e.g. oci:app:latest",
				      argv[operand]);
	a.req.layout_dir = dir;
	a.req.ref = ref;
	a.req.dest = argv[operand + 1];
	if (gs_push(&a.req, &pushed, err) < 0)
		return -1;
	printf("%s\n", pushed);
	return 0;
}

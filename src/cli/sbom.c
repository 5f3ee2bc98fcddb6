/* gsimage sbom [--format spdx|cyclonedx] [--platform P] DIR:REF */
#include <stdio.h>
#include <string.h>

#include "gsimage/cli/commands.h"
#include "gsimage/cli/common.h"
#include "gsimage/pipeline/sboms.h"
#include "gsimage/pipeline/target.h"
#include "gsimage/util/cleanup.h"

enum { OPT_FORMAT = GS_OPT_FIRST_COMMAND_SPECIFIC, OPT_PLATFORM };

static const gs_cli_option_t sbom_options[] = {
	GS_CLI_OPT("format", 0, "spdx|cyclonedx", OPT_FORMAT, "which document (default spdx)"),
	GS_CLI_OPT("platform", 0, "P", OPT_PLATFORM,
		   "the platform image's SBOM (default: the only one, else the host's)"),
	GS_CLI_INCLUDE(gs_cli_help_option),
	GS_CLI_END,
};

const gs_cli_command_t gs_cli_sbom = {
	.name = "sbom",
	.run = gs_cmd_sbom,
	.summary = "print the SBOM attached to an image",
	.synopsis = "[--format spdx|cyclonedx] [--platform P] DIR:REF",
	.description = "Print the SPDX 2.3 (or CycloneDX 1.5) document that 'gsimage build'\n"
		       "attached to the image tagged REF in the OCI layout DIR.",
	.options = sbom_options,
};

struct sbom_args {
	int format;
	const char *platform;
};

static int on_option(void *ctx, int id, const char *arg, gs_error_t *err)
{
	struct sbom_args *a = ctx;
	if (id == OPT_PLATFORM) {
		a->platform = arg;
	} else if (id == OPT_FORMAT) {
		if (strcmp(arg, "spdx") == 0)
			a->format = GS_SBOM_SPDX;
		else if (strcmp(arg, "cyclonedx") == 0)
			a->format = GS_SBOM_CYCLONEDX;
		else
			return gs_error_usage(err, "unknown '--format %s'; give spdx or cyclonedx",
					      arg);
	}
	return 0;
}

int gs_cmd_sbom(int argc, char **argv, gs_error_t *err)
{
	struct sbom_args a = {GS_SBOM_SPDX, NULL};
	int operand, r = gs_cli_parse(&gs_cli_sbom, argc, argv, on_option, &a, &operand, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (argc - operand != 1)
		return gs_error_usage(err, "sbom takes one DIR:REF; see 'gsimage sbom --help'");
	const gs_platform_t *p = NULL;
	if (a.platform && !(p = gs_platform_find(a.platform))) {
		cleanup_free char *list = gs_platform_supported_list();
		return gs_error_usage(err, "unknown platform '%s'; supported: %s", a.platform, list);
	}
	cleanup_free char *dir = NULL, *ref = NULL, *doc = NULL;
	gs_target_split(argv[operand], &dir, &ref);
	if (!*dir || !ref || !*ref)
		return gs_error_usage(err, "'%s' names no tag; give DIR:REF, e.g. oci:app:latest",
				      argv[operand]);
	size_t len;
	if (gs_sboms_read(dir, ref, p, a.format, &doc, &len, err) < 0)
		return -1;
	fwrite(doc, 1, len, stdout);
	if (len && doc[len - 1] != '\n')
		fputc('\n', stdout);
	return 0;
}

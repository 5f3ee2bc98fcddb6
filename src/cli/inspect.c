/* gsimage inspect [--json] DIR[:REF] */
#include <stdio.h>
#include <stdlib.h>

#include "gsimage/cli/commands.h"
#include "gsimage/cli/common.h"
#include "gsimage/pipeline/inspect.h"
#include "gsimage/util/cleanup.h"

enum { OPT_JSON = GS_OPT_FIRST_COMMAND_SPECIFIC };

static const gs_cli_option_t inspect_options[] = {
	GS_CLI_OPT("json", 0, NULL, OPT_JSON, "print JSON instead of text"),
	GS_CLI_INCLUDE(gs_cli_help_option),
	GS_CLI_END,
};

const gs_cli_command_t gs_cli_inspect = {
	.name = "inspect",
	.run = gs_cmd_inspect,
	.summary = "show the tags, platforms and layers of a layout",
	.synopsis = "[--json] DIR[:REF]",
	.description = "Show the tags of the OCI layout DIR (or only REF): platforms, manifest and\n"
		       "config digests, layer sizes compressed and uncompressed, and the config.",
	.options = inspect_options,
};

static int on_option(void *ctx, int id, const char *arg, gs_error_t *err)
{
	(void)arg;
	(void)err;
	if (id == OPT_JSON)
		*(int *)ctx = 1;
	return 0;
}

int gs_cmd_inspect(int argc, char **argv, gs_error_t *err)
{
	int as_json = 0, operand;
	int r = gs_cli_parse(&gs_cli_inspect, argc, argv, on_option, &as_json, &operand, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (argc - operand != 1)
		return gs_error_usage(err, "inspect takes one DIR[:REF]; see 'gsimage inspect --help'");
	cleanup_free char *text = NULL;
	if (gs_inspect_target(argv[operand], as_json, &text, err) < 0)
		return -1;
	fputs(text, stdout);
	return 0;
}

/* The command table: 'gsimage --help' lists them in this order. */
#include "gsimage/cli/commands.h"

#include <stddef.h>

const gs_cli_command_t *const gs_cli_commands[] = {
	&gs_cli_build, &gs_cli_compile, &gs_cli_pack, &gs_cli_verify, &gs_cli_inspect,
	&gs_cli_sbom, &gs_cli_sign, &gs_cli_verify_image, &gs_cli_push, &gs_cli_resolve, &gs_cli_gc,
	NULL,
};

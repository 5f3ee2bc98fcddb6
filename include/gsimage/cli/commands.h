/* The commands.  Each parses its flags (its gs_cli_command_t's table) into
 * a request, calls pipeline/, prints, and returns 0, or < 0 with err set
 * (main prints it). */
#ifndef GSIMAGE_CLI_COMMANDS_H
#define GSIMAGE_CLI_COMMANDS_H

#include "gsimage/cli/options.h"
#include "gsimage/util/error.h"

int gs_cmd_compile(int argc, char **argv, gs_error_t *err);
int gs_cmd_build(int argc, char **argv, gs_error_t *err);
int gs_cmd_pack(int argc, char **argv, gs_error_t *err);
int gs_cmd_verify(int argc, char **argv, gs_error_t *err);
int gs_cmd_inspect(int argc, char **argv, gs_error_t *err);
int gs_cmd_push(int argc, char **argv, gs_error_t *err);
int gs_cmd_resolve(int argc, char **argv, gs_error_t *err);
int gs_cmd_sbom(int argc, char **argv, gs_error_t *err);
int gs_cmd_gc(int argc, char **argv, gs_error_t *err);
int gs_cmd_sign(int argc, char **argv, gs_error_t *err);
int gs_cmd_verify_image(int argc, char **argv, gs_error_t *err);

extern const gs_cli_command_t gs_cli_build, gs_cli_compile, gs_cli_pack, gs_cli_verify,
	gs_cli_inspect, gs_cli_push, gs_cli_resolve, gs_cli_sbom, gs_cli_gc, gs_cli_sign,
	gs_cli_verify_image;

#endif

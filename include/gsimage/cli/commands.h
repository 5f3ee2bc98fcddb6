/* Subcommand handlers.  Each parses its own flags into an options struct,
 * calls the library, and returns 0, or < 0 with err set (main prints it). */
#ifndef GSIMAGE_CLI_COMMANDS_H
#define GSIMAGE_CLI_COMMANDS_H

#include "gsimage/util/error.h"

int gs_cmd_compile(int argc, char **argv, gs_error_t *err);
int gs_cmd_build(int argc, char **argv, gs_error_t *err);
int gs_cmd_pack(int argc, char **argv, gs_error_t *err);
int gs_cmd_verify(int argc, char **argv, gs_error_t *err);
int gs_cmd_inspect(int argc, char **argv, gs_error_t *err);

#endif

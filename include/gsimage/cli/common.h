/* Flags shared by `compile` and `build`, progress output and the
 * environment variables gsimage reads (only cli/ reads the environment). */
#ifndef GSIMAGE_CLI_COMMON_H
#define GSIMAGE_CLI_COMMON_H

#include <getopt.h>

#include "gsimage/toolchain/compile.h"
#include "gsimage/util/error.h"

#define GS_MAX_PLATFORMS 16

/* getopt_long codes for long-only options (shared numbering). */
enum {
	GS_OPT_PLATFORM = 1000,
	GS_OPT_CC,
	GS_OPT_CGO,
	GS_OPT_COMPILER,
	GS_OPT_TAGS,
	GS_OPT_LDFLAGS,
	GS_OPT_GCFLAGS,
	GS_OPT_HELP,
	GS_OPT_FIRST_COMMAND_SPECIFIC, /* commands number theirs from here */
};

/* The long options every compiling command takes. */
#define GS_COMPILE_LONG_OPTIONS                                             \
	{"platform", required_argument, NULL, GS_OPT_PLATFORM},             \
	{"cc", required_argument, NULL, GS_OPT_CC},                         \
	{"cgo", required_argument, NULL, GS_OPT_CGO},                       \
	{"compiler", required_argument, NULL, GS_OPT_COMPILER},             \
	{"tags", required_argument, NULL, GS_OPT_TAGS},                     \
	{"ldflags", required_argument, NULL, GS_OPT_LDFLAGS},               \
	{"gcflags", required_argument, NULL, GS_OPT_GCFLAGS},               \
	{"help", no_argument, NULL, GS_OPT_HELP}

typedef struct gs_cli_compile {
	gs_compile_opts_t opts;
	const gs_platform_t *platforms[GS_MAX_PLATFORMS];
	char *cache_dir; /* owned */
	int quiet;
} gs_cli_compile_t;

/* Defaults: host platform, zig, cgo auto, gc, package ".", environment
 * overrides (GSIMAGE_GO, GSIMAGE_ZIG, GSIMAGE_GOLLVM, XDG_CACHE_HOME). */
int gs_cli_compile_init(gs_cli_compile_t *c, gs_error_t *err);
void gs_cli_compile_release(gs_cli_compile_t *c);

/* Handle one shared option: 1 when handled, 0 when opt is not one of them,
 * -1 on a bad value. */
int gs_cli_compile_option(gs_cli_compile_t *c, int opt, const char *arg, gs_error_t *err);

/* The usage error for an option getopt rejected: opt is what getopt_long
 * returned (':' for a missing value with a ':'-prefixed optstring, '?' for
 * an unknown option). */
int gs_cli_bad_option(const char *cmd, int opt, char **argv, gs_error_t *err);

/* Prints "gsimage: <line>" on stderr unless quiet. */
void gs_cli_progress(void *quiet_flag, const char *line);

/* "2.1 MiB" style size; owned. */
char *gs_cli_human_size(unsigned long long bytes);

#endif

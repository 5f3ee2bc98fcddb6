/* What several commands share: the compile options (`compile`, `build`),
 * progress on stderr, and the environment variables gsimage reads (only
 * cli/ reads the environment). */
#ifndef GSIMAGE_CLI_COMMON_H
#define GSIMAGE_CLI_COMMON_H

#include "gsimage/cli/options.h"
#include "gsimage/pipeline/build.h"
#include "gsimage/pipeline/push.h"
#include "gsimage/platform/platform.h"
#include "gsimage/util/error.h"

#define GS_MAX_PLATFORMS 16

enum {
	GS_OPT_PLATFORM = GS_OPT_COMMAND,
	GS_OPT_CC,
	GS_OPT_CGO,
	GS_OPT_COMPILER,
	GS_OPT_TAGS,
	GS_OPT_LDFLAGS,
	GS_OPT_GCFLAGS,
	GS_OPT_PIE,
	GS_OPT_OPTIMIZE,
	GS_OPT_JOBS,
	GS_OPT_QUIET,
	GS_OPT_INSECURE,
	GS_OPT_AUTHFILE,
	GS_OPT_CREDS,
	GS_OPT_TIMEOUT,
	/* the image options build, pack and resolve share */
	GS_OPT_COMPRESSION,
	GS_OPT_COMPRESSION_LEVEL,
	GS_OPT_ENTRYPOINT,
	GS_OPT_CMD,
	GS_OPT_ENV,
	GS_OPT_USER,
	GS_OPT_WORKDIR,
	GS_OPT_LABEL,
	GS_OPT_ANNOTATION,
	GS_OPT_EXPOSE,
	GS_OPT_STOP_SIGNAL,
	GS_OPT_BINARY_PATH,
	GS_OPT_BARE,
	GS_OPT_CA_CERTS,
	GS_OPT_NO_CA_CERTS,
	GS_OPT_TZDATA,
	GS_OPT_ADD,
	GS_OPT_SBOM,
	GS_OPT_SBOM_DIR,
	GS_OPT_FIRST_COMMAND_SPECIFIC, /* commands number theirs from here */
};

/* --platform, --cc, --cgo, --compiler, --tags, --ldflags, --gcflags, --pie,
 * --optimize */
/* Which Go builds, for the --help of the commands that compile. */
#define GS_CLI_GO_NOTE                                                                   \
	"The go first on PATH runs (GSIMAGE_GO overrides it); from Go 1.21 on, GOTOOLCHAIN\n" \
	"and the go and toolchain lines of go.mod and go.work may choose another Go,\n"     \
	"which is the one that builds (GOTOOLCHAIN=auto lets go fetch it)."

extern const gs_cli_option_t gs_cli_compile_options[];
/* -q, --quiet */
extern const gs_cli_option_t gs_cli_quiet_option[];
/* --insecure, --authfile, --creds, --timeout: handed to skopeo */
extern const gs_cli_option_t gs_cli_push_options[];

typedef struct gs_cli_compile {
	gs_compile_opts_t opts;
	const gs_platform_t *platforms[GS_MAX_PLATFORMS];
	char *cache_dir; /* owned */
	int quiet;
	int platform_given;
} gs_cli_compile_t;

/* Defaults: host platform, zig, cgo auto, gc, package ".", environment
 * overrides (GSIMAGE_GO, GSIMAGE_ZIG, GSIMAGE_GOLLVM, GOFLAGS, and
 * XDG_CACHE_HOME or HOME for the cache: a relative one is a usage error). */
int gs_cli_compile_init(gs_cli_compile_t *c, gs_error_t *err);
void gs_cli_compile_release(gs_cli_compile_t *c);

/* Handle one of gs_cli_compile_options (or --quiet): 1 when handled, 0 when
 * id is not one of them, -1 on a bad value. */
int gs_cli_compile_option(gs_cli_compile_t *c, int id, const char *arg, gs_error_t *err);

/* After the options: apply --optimize, or say once on stderr (unless -q)
 * that the user's CGO_CFLAGS win over it.  Call before anything reads
 * CGO_CFLAGS for the SBOM (gs_cli_image_finish). */
void gs_cli_compile_finish(gs_cli_compile_t *c);

/* --compression, --compression-level */
extern const gs_cli_option_t gs_cli_compression_options[];
/* Image configuration and file system: --entrypoint ... --add */
extern const gs_cli_option_t gs_cli_image_options[];

/* Handle one of the two tables above: 0 when handled, 1 when id is not one
 * of them, -1 on a bad value. */
int gs_cli_image_option(gs_build_request_t *req, int id, const char *arg, gs_error_t *err);

/* Checks that need every image option seen, and SOURCE_DATE_EPOCH. */
int gs_cli_image_finish(gs_build_request_t *req, gs_error_t *err);

/* Defaults for a push request: GSIMAGE_SKOPEO, TMPDIR, progress unless
 * quiet. */
void gs_cli_push_init(gs_push_request_t *req, int *quiet);

/* Handle one of gs_cli_push_options: 1 when handled, 0 when not one. */
int gs_cli_push_option(gs_push_request_t *req, int id, const char *arg);

/* Prints "gsimage: <line>" on stderr unless *quiet_flag: the fn of the
 * gs_progress_t every command hands down (ctx: its quiet flag). */
void gs_cli_progress(void *quiet_flag, const char *line);

#endif

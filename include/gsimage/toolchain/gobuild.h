/* `go build` command lines and environments, as pure functions so that the
 * exact flags gsimage passes are unit-tested.  Nothing here runs a process. */
#ifndef GSIMAGE_TOOLCHAIN_GOBUILD_H
#define GSIMAGE_TOOLCHAIN_GOBUILD_H

#include "gsimage/platform/platform.h"
#include "gsimage/util/error.h"
#include "gsimage/util/strvec.h"

typedef enum gs_cgo_mode { GS_CGO_AUTO, GS_CGO_ON, GS_CGO_OFF } gs_cgo_mode_t;
typedef enum gs_go_compiler { GS_COMPILER_GC, GS_COMPILER_GCCGO, GS_COMPILER_GOLLVM } gs_go_compiler_t;
typedef enum gs_cc_kind { GS_CC_ZIG, GS_CC_MUSL_GCC, GS_CC_PATH } gs_cc_kind_t;

int gs_cgo_mode_parse(const char *s, gs_cgo_mode_t *out, gs_error_t *err);
int gs_go_compiler_parse(const char *s, gs_go_compiler_t *out, gs_error_t *err);
const char *gs_go_compiler_name(gs_go_compiler_t c);

typedef struct gs_gobuild {
	const gs_platform_t *platform;
	gs_go_compiler_t compiler;
	int cgo;              /* resolved: 1 = CGO_ENABLED=1 + external static link */
	const char *go;       /* the go command */
	const char *cc;       /* C compiler path (zig wrapper, musl-gcc, ...), when cgo */
	const char *gccgo;    /* gccgo or llvm-goc, for those compilers */
	const char *zig_cache;/* ZIG_*_CACHE_DIR, or NULL */
	const char *output;   /* -o */
	const char *package;  /* package to build */
	const char *tags;     /* user's --tags, or NULL */
	const char *ldflags;  /* user's --ldflags, appended to gsimage's */
	const char *gcflags;  /* user's --gcflags */
} gs_gobuild_t;

/* argv of `go build` for b. */
void gs_gobuild_argv(const gs_gobuild_t *b, gs_strvec_t *argv);

/* Environment for go build: base (NULL-terminated "K=V" array, e.g.
 * environ) with GOOS/GOARCH/GOARM/CGO_ENABLED/CC/GCCGO/ZIG_* set. */
void gs_gobuild_env(const gs_gobuild_t *b, char *const *base, gs_strvec_t *env);

/* argv of `go list` printing the package's name, import path and directory
 * (one line, tab-separated), and of the one listing its non-standard-library
 * dependencies that have cgo files (one import path per line). */
void gs_golist_main_argv(const char *go, const char *package, gs_strvec_t *argv);
void gs_golist_cgo_argv(const char *go, const char *package, gs_strvec_t *argv);

/* The binary name for an import path: its last element, skipping a
 * "/vN" major-version suffix ("example.com/app/v2" -> "app"). Owned. */
char *gs_gobuild_binary_name(const char *import_path);

/* The shell script used as CC for zig: Go needs CC to be one executable,
 * because its linker probes flags with argv[0] alone. Owned. */
char *gs_zig_cc_wrapper_script(const char *zig, const char *zig_target);

#endif

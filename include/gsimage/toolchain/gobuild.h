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
/* How cgo's C code is compiled (--optimize).  GS_OPTIMIZE_GO keeps Go's own
 * default (-g -O2); it is what a zero-initialised request means. */
typedef enum gs_optimize {
	GS_OPTIMIZE_GO = 0,
	GS_OPTIMIZE_SIZE,
	GS_OPTIMIZE_SPEED,
} gs_optimize_t;

int gs_cgo_mode_parse(const char *s, gs_cgo_mode_t *out, gs_error_t *err);
int gs_go_compiler_parse(const char *s, gs_go_compiler_t *out, gs_error_t *err);
const char *gs_go_compiler_name(gs_go_compiler_t c);
/* "size" or "speed" (not "go": the CLI does not offer Go's default). */
int gs_optimize_parse(const char *s, gs_optimize_t *out, gs_error_t *err);
/* "size", "speed", or NULL for GS_OPTIMIZE_GO. */
const char *gs_optimize_name(gs_optimize_t m);
/* CGO_CFLAGS for a mode and C compiler, or NULL for GS_OPTIMIZE_GO.  C
 * only: unwind tables are dropped here but never from C++ (CGO_CXXFLAGS),
 * whose exceptions need them.  The section flags let the linker's
 * --gc-sections (zig's default) drop every unused function and object.
 * size asks zig's clang for -Oz, which zig cc itself would turn into -Os. */
const char *gs_optimize_cflags(gs_optimize_t m, gs_cc_kind_t cc);

typedef struct gs_gobuild {
	const gs_platform_t *platform;
	gs_go_compiler_t compiler;
	int cgo;              /* resolved: 1 = CGO_ENABLED=1 + external static link */
	int pie;              /* static-PIE: -buildmode=pie, external link (needs cgo) */
	int pie_pure_go;      /* with pie: the program has no cgo of its own, cgo is
				 on for the link only, and -tags netgo,osusergo keep
				 net and os/user pure Go as without --pie */
	gs_cc_kind_t cc_kind; /* which -static-pie spelling the C linker takes,
				 which -O the C compiler gets for --optimize size */
	const char *go;       /* the go command */
	const char *cc;       /* CC, when cgo: a path (musl-gcc, --cc PATH) or a
				 name found in cc_dir (the zig wrapper) */
	const char *cc_dir;   /* put first in PATH, or NULL */
	const char *gccgo;    /* gccgo or llvm-goc, for those compilers */
	const char *zig_cache;/* ZIG_*_CACHE_DIR, or NULL */
	const char *output;   /* -o */
	const char *package;  /* package to build */
	const char *tags;     /* user's --tags, or NULL */
	const char *ldflags;  /* user's --ldflags, appended to gsimage's */
	const char *gcflags;  /* user's --gcflags */
	/* -ldflags and -tags from $GOFLAGS, or NULL: the go command drops them
	 * when the command line has its own, so gsimage merges them in. */
	const char *goflags_ldflags, *goflags_tags;
	gs_optimize_t optimize; /* CGO_CFLAGS for cgo builds, see gs_optimize_cflags() */
	int user_cgo_cflags;    /* the user set CGO_CFLAGS: theirs win, base keeps it */
} gs_gobuild_t;

/* The -tags value go build gets for b (owned), or NULL when it gets none
 * (then go takes $GOFLAGS' own): the user's --tags, and with a pure-Go
 * static-PIE "netgo,osusergo" before them.  Anything that asks go about
 * the same build (go list for the cgo packages) passes the same value. */
char *gs_gobuild_tags(const gs_gobuild_t *b);

/* argv of `go build` for b. */
void gs_gobuild_argv(const gs_gobuild_t *b, gs_strvec_t *argv);

/* Environment for go build: base (NULL-terminated "K=V" array, e.g.
 * environ) with GOOS/GOARCH/GOARM/CGO_ENABLED/CC/GCCGO/ZIG_* set, and with
 * cgo CGO_CFLAGS for b->optimize unless b->user_cgo_cflags.  CGO_CXXFLAGS
 * is never touched. */
void gs_gobuild_env(const gs_gobuild_t *b, char *const *base, gs_strvec_t *env);

/* The binary name for an import path: its last element, skipping a
 * "/vN" major-version suffix ("example.com/app/v2" -> "app"). Owned. */
char *gs_gobuild_binary_name(const char *import_path);

/* The value of the last "-name=value" or "--name=value" in $GOFLAGS (Go
 * splits it at spaces; values cannot hold one), or NULL.  Owned. */
char *gs_goflags_value(const char *goflags, const char *name);

/* Can gsimage build a working static-PIE binary for p?  Go supports
 * -buildmode=pie with external linking on every platform gsimage has, but
 * linux/386 static-PIE binaries linked by zig crash at start-up (a TLS
 * offset of the Go runtime is resolved wrong), so 386 is refused. */
int gs_gobuild_pie_supported(const gs_platform_t *p);

/* The C compiler Go uses for zig: Go needs CC to be one executable (its
 * linker probes flags with argv[0] alone), so it is a small shell script.
 *
 * Go hashes the CC string into the build ID of every cgo package (and so
 * into the binary), but not the directories of PATH.  So CC is a name,
 * found on PATH in a directory of gsimage's cache: a binary does not
 * depend on where the cache is or whose it is.  The name carries the zig
 * version, so a zig upgrade still rebuilds Go's cached cgo packages (for
 * the standard library Go hashes only the CC string, not the compiler's
 * version).  The directory is named by a hash of the script, which holds
 * the zig path, version and target: builds with different zigs sharing a
 * cache never overwrite each other's wrapper.  zig's lib directory (`zig
 * env`), where its headers are, is mapped to /zig/lib: their paths reach
 * the cgo objects' debug info and through them Go's build ID, so without
 * the map the same zig installed elsewhere would build other binaries. */
typedef struct gs_zig_cc {
	char *name;   /* "zig-cc-x86_64-linux-musl-0.11.0-w2": what CC is set to */
	char *subdir; /* "cc/<32 hex digits>": its directory in gsimage's cache */
	char *script; /* its content */
} gs_zig_cc_t;

void gs_zig_cc_init(gs_zig_cc_t *cc, const char *zig, const char *zig_version,
		    const char *zig_lib, const char *zig_target);
void gs_zig_cc_release(gs_zig_cc_t *cc);

#endif

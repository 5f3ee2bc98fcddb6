/* The compile stage: go build (gc | gccgo | gollvm) with a musl C toolchain
 * for each platform.  Each result passes the caller's check (the pipeline's
 * ELF verifier) before it is renamed into place.
 *
 * compile.c drives it in steps, one file each: tools.c finds the programs,
 * golist.c's source gives each platform's go list answer (memo first),
 * plan.c decides cgo and makes every go build's argv and environment (pure),
 * run.c runs them, commit.c checks and keeps each result. */
#ifndef GSIMAGE_TOOLCHAIN_COMPILE_H
#define GSIMAGE_TOOLCHAIN_COMPILE_H

#include <stddef.h>

#include "gsimage/toolchain/gobuild.h"
#include "gsimage/platform/platform.h"
#include "gsimage/util/error.h"
#include "gsimage/util/lock.h"
#include "gsimage/util/progress.h"
#include "gsimage/util/strvec.h"


/* Called with the index-th platform's binary, freshly built at a temp path,
 * before it is renamed into place.  < 0 refuses it: the binary is removed
 * and gs_compile() fails with err as the check left it.  On success it may
 * set *build_id (owned by the callee's caller) to the binary's Go build ID,
 * which changes whenever its content does; the go list memo trusts an
 * unchanged binary only by it. */
typedef int (*gs_compile_check_fn)(void *ctx, size_t index, const char *path,
				   const gs_platform_t *p, char **build_id, gs_error_t *err);

typedef struct gs_compile_opts {
	const gs_platform_t *const *platforms;
	size_t n_platforms;
	const char *package;   /* a directory or an import path; "." by default */
	const char *out_dir;   /* created when missing */
	gs_cc_kind_t cc_kind;
	const char *cc;        /* for GS_CC_PATH: the compiler (name or path) */
	gs_cgo_mode_t cgo;
	gs_go_compiler_t compiler;
	const char *tags, *ldflags, *gcflags;
	int pie;               /* static-PIE binaries (--pie): gc, zig or a C
				  compiler path, cgo on for the link */
	const char *goflags;   /* $GOFLAGS: its -ldflags and -tags are merged */
	gs_optimize_t optimize; /* --optimize: CGO_CFLAGS of cgo builds */
	int user_cgo_cflags;   /* $CGO_CFLAGS is set: the user's flags win */
	/* Tool overrides, from GSIMAGE_GO / GSIMAGE_ZIG / GSIMAGE_GOLLVM. */
	const char *go_override, *zig_override, *gollvm_override;
	const char *toolchain_dir; /* the bootstrap's .toolchain (zig/zig inside) */
	const char *cache_dir;     /* gsimage's cache: zig cache, CC wrappers */
	int stable_output;         /* link at a stable path per build key under
				      cache_dir/out/ (out_dir unused), held
				      under a per-key flock until the result is
				      released, so an unchanged build is a Go
				      no-op */
	int jobs;                  /* go builds at once over the platforms (-j);
				      <= 0: one */
	int outputs_are_temporary; /* register each binary with the temp-file
				      registry as soon as it exists (build's
				      work directory), so an interrupt removes it */
	gs_progress_t progress;
	gs_compile_check_fn check; /* may be NULL */
	void *check_ctx;
} gs_compile_opts_t;

typedef struct gs_compiled {
	const gs_platform_t *platform;
	char *path;              /* out_dir/<name>-<os>-<arch>[-<variant>] */
	gs_lock_t lock;          /* stable_output: the key's lock, held
				    until release */
	char *build_id;          /* the Go build ID the check reported, or NULL */
	int cgo;                 /* built with CGO_ENABLED=1: decided for this
				    platform by its own go list */
	/* Every package with cgo files (standard ones too) in this
	 * platform's build, as its go list saw it with the options' tags,
	 * sorted: the SBOM's cgo package list.  Empty for prebuilt binaries. */
	gs_strvec_t cgo_packages;
} gs_compiled_t;

typedef struct gs_compile_result {
	char *name;        /* binary name: last element of the import path */
	char *import_path; /* of the main package */
	char *dir;         /* the package's directory */
	char *go_cwd;      /* where go ran, and the package it was asked for */
	char *go_package;  /* ("." in the package's directory, or an import
			      path from gsimage's working directory) */
	int cgo;           /* whether any platform used cgo (always with pie:
			      the C toolchain links every static-PIE binary);
			      bins[i].cgo says which */
	char *go;          /* the go command that built them */
	char *go_version;  /* the Go that really built them ("go1.27.3", which
			      GOTOOLCHAIN and go.mod may choose); NULL for
			      gccgo and gollvm */
	gs_cc_kind_t cc_kind;
	char *cc_driver;   /* the C compiler run for cgo (zig itself, not its
			      wrapper; musl-gcc; --cc's path), NULL without */
	char *zig_version; /* with zig: its version and lib directory (`zig */
	char *zig_lib;     /* env`, cached by zig's identity), for the SBOM */
	gs_compiled_t *bins;
	size_t n_bins;
} gs_compile_result_t;

/* Build one binary per platform.  A binary that fails opts->check is
 * removed and refused; on a Go compile failure err->detail holds Go's output
 * verbatim. */
int gs_compile(const gs_compile_opts_t *opts, gs_compile_result_t *res, gs_error_t *err);
void gs_compile_result_release(gs_compile_result_t *res);

#endif

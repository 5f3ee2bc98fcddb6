/* The compile stage's plan: what to run for each platform, as pure
 * functions of the options, what the tools said, and the environment
 * handed in (nothing here reads the environment, the file system or the
 * clock): cgo per platform, the stable output's key, the paths, and go
 * build's argv and environment.  Unit-tested in tests/unit/test_plan.c. */
#ifndef GSIMAGE_TOOLCHAIN_PLAN_H
#define GSIMAGE_TOOLCHAIN_PLAN_H

#include <stddef.h>

#include "gsimage/platform/platform.h"
#include "gsimage/toolchain/compile.h"
#include "gsimage/toolchain/gobuild.h"
#include "gsimage/toolchain/golist.h"
#include "gsimage/util/error.h"
#include "gsimage/util/strvec.h"

/* Option combinations that cannot work, before anything runs: usage
 * errors (--pie's limits, gccgo and gollvm cross-compiling to platforms
 * other than host, a $GOFLAGS -ldflags with a package pattern). */
int gs_plan_check(const gs_compile_opts_t *o, const gs_platform_t *host, gs_error_t *err);

/* One platform's cgo, decided from that platform's go list answer l. */
typedef struct gs_cgo_choice {
	int cgo;         /* CGO_ENABLED=1 */
	int pie_pure_go; /* cgo is on only for --pie's link (see gobuild.h) */
} gs_cgo_choice_t;

gs_cgo_choice_t gs_plan_cgo(const gs_compile_opts_t *o, const gs_golist_t *l);

/* What the plan is made from, all borrowed. */
typedef struct gs_plan_input {
	const gs_compile_opts_t *opts;
	char *const *environ;         /* go build's base environment */
	const char *name;             /* the binary's name */
	const char *go, *go_version;  /* go, and the Go that really builds */
	const char *gccgo;            /* gccgo or llvm-goc, for those compilers */
	const char *cwd, *pkg;        /* where go runs, and what it builds */
	const char *out_dir;          /* without stable_output: absolute */
	const char *go_tmp;           /* with stable_output: go's GOTMPDIR */
	const char *zig, *zig_version, *zig_lib; /* with zig */
	const char *cc_path;          /* --cc musl-gcc or PATH, absolute */
	const gs_cgo_choice_t *cgo;   /* per platform */
	long pid;                     /* names the temp outputs */
} gs_plan_input_t;

typedef struct gs_plan_job {
	const gs_platform_t *platform;
	gs_cgo_choice_t cgo;
	char *final;         /* where the binary is kept */
	char *tmp;           /* where go writes it (final itself for a stable output) */
	char *key_dir;       /* stable_output: CACHE/out/<key> */
	char *marker;        /* with zig: exists once zig built its libc for the target */
	gs_zig_cc_t zig_cc;  /* with zig: the CC wrapper to write (name NULL without) */
	char *cc_dir;        /* with zig: CACHE/<zig_cc.subdir> */
	gs_strvec_t argv, env;
	char *announce;      /* "compiling NAME for PLATFORM (how)" */
} gs_plan_job_t;

/* One job per platform of in->opts, into jobs[0..n_platforms). */
void gs_plan_jobs(const gs_plan_input_t *in, gs_plan_job_t *jobs);
void gs_plan_job_release(gs_plan_job_t *j);

/* The build key's directory for a stable output: CACHE/out/<name of a
 * key of everything that selects a different binary (package, platform,
 * compilers, cgo, flags, go and zig)>.  Go's up-to-date check, not this
 * key, decides whether the binary there is current; the key only keeps
 * different builds from relinking over each other.  Owned. */
char *gs_plan_key_dir(const gs_plan_input_t *in, const gs_platform_t *p,
		      const gs_cgo_choice_t *c, const char *cc, const char *base);

#endif

/* The binaries stage: static binaries, one per platform, each checked by
 * the ELF verifier before anything uses it.  They come from the compile
 * stage (build, compile) or are given already built (pack). */
#ifndef GSIMAGE_PIPELINE_BINARIES_H
#define GSIMAGE_PIPELINE_BINARIES_H

#include <stddef.h>

#include "gsimage/elf/verify.h"
#include "gsimage/platform/platform.h"
#include "gsimage/toolchain/compile.h"
#include "gsimage/util/error.h"

typedef struct gs_binaries {
	gs_compile_result_t set;  /* name, package, and bins[i] = {platform, path} */
	gs_elf_report_t *reports; /* the verifier's findings, one per bins[i] */
} gs_binaries_t;

/* Compile opts->package for each platform; every binary is verified before
 * it is renamed into place, and a dynamic or foreign one is removed and
 * refused.  Reports "verified <path>: static, x86-64, 2.1 MiB" through
 * opts->progress. */
int gs_binaries_compile(const gs_compile_opts_t *opts, gs_binaries_t *out, gs_error_t *err);

/* Verify binaries that are already built: files[i] is for platforms[i] when
 * platforms is given, else for the platform its ELF machine names.  Two for
 * one platform are refused.  name (may be NULL) names the program; by
 * default it is the first file's name without a "-linux-<arch>" suffix (the
 * compile stage's naming undone). */
int gs_binaries_prebuilt(const char *const *files, size_t n, const gs_platform_t *const *platforms,
			 const char *name, gs_binaries_t *out, gs_error_t *err);

void gs_binaries_release(gs_binaries_t *b);

#endif

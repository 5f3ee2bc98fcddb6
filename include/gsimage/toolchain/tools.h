/* Finding the programs the compile stage runs: go, gccgo or llvm-goc, zig
 * and the C compiler of --cc.  Each finder returns an owned path, or -1 with
 * an error that says how to get the tool.  zig's facts (`zig env`) are
 * remembered in the cache by the zig binary's identity. */
#ifndef GSIMAGE_TOOLCHAIN_TOOLS_H
#define GSIMAGE_TOOLCHAIN_TOOLS_H

#include "gsimage/platform/platform.h"
#include "gsimage/toolchain/gobuild.h"
#include "gsimage/util/error.h"

/* Find a program: override (when set) must be executable; else PATH; else
 * fallback (may be NULL).  Returns an owned path or NULL. */
char *gs_tool_find(const char *name, const char *override, const char *fallback);

/* go: GSIMAGE_GO's value (override) or PATH. */
int gs_tools_go(const char *override, char **go, gs_error_t *err);

/* The Go front end of gccgo or gollvm (llvm-goc, or GSIMAGE_GOLLVM's
 * value); *path NULL for gc. */
int gs_tools_gccgo(gs_go_compiler_t compiler, const char *gollvm_override, char **path,
		   gs_error_t *err);

/* zig, absolute (the CC wrapper runs in the package's directory):
 * GSIMAGE_ZIG's value, PATH, or the bootstrap's toolchain_dir/zig/zig. */
int gs_tools_zig(const char *override, const char *toolchain_dir, char **zig, gs_error_t *err);

/* zig's version (it names the CC wrapper) and lib directory (which the
 * wrapper maps away), both owned: `zig env`, remembered in cache_dir by
 * the zig binary's identity, so a replaced zig is asked again. */
int gs_tools_zig_facts(const char *cache_dir, const char *zig, char **version, char **lib_dir,
		       gs_error_t *err);

/* The C compiler of --cc musl-gcc (found in PATH; it builds linux/amd64 on
 * an amd64 host only, checked for each of the n platforms) or --cc PATH
 * (cc, made absolute: go runs in the package's directory).  Not for zig. */
int gs_tools_cc(gs_cc_kind_t kind, const char *cc, const gs_platform_t *const *platforms,
		size_t n, char **path, gs_error_t *err);

#endif

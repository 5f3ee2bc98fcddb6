/* The C side of an SBOM, which `go version -m` does not know: the C
 * toolchain's version, the musl version it links in, and the Go packages
 * with cgo code.  Everything is read from the toolchain's own files or
 * asked of the toolchain itself; nothing is a table of known versions.
 *
 * musl's version, two ways:
 *   zig       bundles musl's sources and compiles its libc from them, so
 *             <zig lib dir>/libc/musl/src/internal/version.h (the file
 *             musl's build generates, '#define VERSION "1.2.4"') is what
 *             becomes __libc_version in the libc zig links; the lib dir is
 *             the one `zig env` reports, i.e. the one zig itself uses.
 *   musl-gcc  (or another gcc-style driver set up for musl): the link
 *             directories from `<cc> -### -static`, the first libc.a in
 *             them (what a -static link takes) and its __libc_version
 *             symbol: the version string compiled into that very archive. */
#ifndef GSIMAGE_SBOM_CSIDE_H
#define GSIMAGE_SBOM_CSIDE_H

#include "gsimage/toolchain/gobuild.h"
#include "gsimage/toolchain/zigenv.h"
#include "gsimage/util/error.h"
#include "gsimage/util/strvec.h"

/* ---- musl ---------------------------------------------------------------- */

/* The version in the text of musl's src/internal/version.h
 * ('#define VERSION "1.2.4"').  Pure.  Returns an owned string or NULL. */
char *gs_sbom_musl_version_from_header(const char *text);

/* The musl version bundled in a zig lib directory (the "lib_dir" of `zig
 * env`), from <lib_dir>/libc/musl/src/internal/version.h. */
int gs_sbom_musl_version_zig_lib(const char *zig_lib_dir, char **version, gs_error_t *err);

/* The value of __libc_version in a static musl libc.a (found through the
 * archive's symbol index, or by looking at every member without one). */
int gs_sbom_musl_version_archive(const char *libc_a, char **version, gs_error_t *err);

/* The musl version the C compiler cc links statically: for GS_CC_ZIG cc is
 * the zig executable (not the CC wrapper script); for GS_CC_MUSL_GCC and
 * GS_CC_PATH it is a gcc-style driver.  envp is the environment to run it
 * with (NULL: ours; zig needs HOME or ZIG_GLOBAL_CACHE_DIR).  Runs the tool
 * (`zig env`, `cc -### ...`), which writes nothing. */
int gs_sbom_detect_musl(gs_cc_kind_t kind, const char *cc, char *const *envp, char **version,
			gs_error_t *err);

/* ---- the compiler -------------------------------------------------------- */

/* The library directories of a gcc driver's static link, in search order,
 * from its `-###` output (the last command, the link: "-L<dir>" and
 * "-L" "<dir>").  Pure. */
void gs_sbom_link_dirs_parse(const char *hash_output, gs_strvec_t *dirs);

/* The libc.a a gcc-style driver links with -static (owned path). */
int gs_sbom_gcc_libc_archive(const char *cc, char *const *envp, char **libc_a, gs_error_t *err);

/* The C compiler's version: `zig version` for GS_CC_ZIG ("0.11.0"), else
 * `cc -dumpfullversion -dumpversion` ("12.2.0"). */
int gs_sbom_cc_version(gs_cc_kind_t kind, const char *cc, char *const *envp, char **version,
		       gs_error_t *err);

/* ---- cgo packages --------------------------------------------------------- */

/* The cgo packages (from go list, toolchain/golist.h, run with the build's
 * own tags and environment) sorted, without empty names or duplicates, in
 * place.  Pure. */
void gs_sbom_cgo_packages_sort(gs_strvec_t *packages);

#endif

/* What zig says about itself: its version and the lib directory its
 * headers and musl sources are in (`zig env`). */
#ifndef GSIMAGE_TOOLCHAIN_ZIGENV_H
#define GSIMAGE_TOOLCHAIN_ZIGENV_H

#include "gsimage/util/error.h"

/* "version" and "lib_dir" from the JSON `zig env` prints; a relative lib_dir
 * (zig prints it relative to its working directory) is taken relative to
 * cwd.  Both owned.  Pure. */
int gs_zig_env_parse(const char *json, const char *cwd, char **version, char **lib_dir,
		     gs_error_t *err);

/* Run `zig env` (in "/", so that lib_dir is absolute) with envp (NULL:
 * ours) and parse it. */
int gs_zig_env(const char *zig, char *const *envp, char **version, char **lib_dir,
	       gs_error_t *err);

#endif

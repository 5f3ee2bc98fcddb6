/* Which Go really builds a package.  With Go >= 1.21 the go command on
 * PATH is only the first step: GOTOOLCHAIN and the go and toolchain lines of
 * go.mod and go.work may make it run another (for example go1.27.3, fetched
 * through the module proxy).  That Go, not the binary on PATH, names every
 * cache entry and is what gsimage reports. */
#ifndef GSIMAGE_TOOLCHAIN_GOVERSION_H
#define GSIMAGE_TOOLCHAIN_GOVERSION_H

#include "gsimage/util/error.h"

/* `go env GOVERSION` as go says it in cwd with envp ("go1.27.3"), owned;
 * NULL with err set when go cannot say (a go.mod that asks for a newer Go
 * than GOTOOLCHAIN allows, say).  Remembered under cache_dir (NULL: asked
 * every time) by everything the choice reads: go's identity and its
 * GOROOT/go.env, the GO* environment, the user's go env file, and every
 * go.mod and go.work from cwd up to the root. */
char *gs_go_effective_version(const char *go, const char *cwd, char *const *envp,
			      const char *cache_dir, gs_error_t *err);

/* The memo's key for the same inputs (exposed for the tests).  Owned. */
char *gs_go_version_key(const char *go, const char *cwd, char *const *envp);

#endif

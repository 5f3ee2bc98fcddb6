/* A private work directory that outlives no gsimage: base/run-XXXXXX, with
 * run-XXXXXX/lock held for as long as this gsimage runs.  Making one first
 * removes the run directories in base whose gsimage is gone (their lock
 * can be taken: a lock, not a pid, since a cache shared between containers
 * cannot see the other pid namespaces), so a gsimage that was killed
 * leaves nothing behind for long.  go's work directory for stable outputs
 * (toolchain/) and push's snapshot layout (pipeline/push.c) are ones. */
#ifndef GSIMAGE_UTIL_WORKDIR_H
#define GSIMAGE_UTIL_WORKDIR_H

#include "gsimage/util/error.h"
#include "gsimage/util/lock.h"

typedef struct gs_workdir {
	char *dir, *lock_path; /* NULL: none made */
	gs_lock_t lock;
} gs_workdir_t;

/* Make base (0700) if need be, reap it, and make d->dir in it. */
int gs_workdir_make(const char *base, gs_workdir_t *d, gs_error_t *err);

/* Remove d->dir with all in it, then let go of its lock; a no-op when
 * none was made. */
void gs_workdir_release(gs_workdir_t *d);

#endif

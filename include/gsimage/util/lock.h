/* Advisory file locks (flock), the one way gsimage waits for another
 * gsimage.  A lock is a gs_lock_t: held while its descriptor is open,
 * dropped by gs_lock_release() or by the process exiting, so a killed
 * gsimage never leaves one behind.
 *
 * The fixed order, outermost first; a holder of one lock takes only locks
 * further down this list, never one above it, so two gsimage processes
 * never wait for each other in a cycle:
 *   1. cache entries: a stable output's key (CACHE/out/<key>/lock, several
 *      taken in the order of their paths) and go's run directory
 *      (CACHE/out/tmp/run-X/lock);
 *   2. a layout's gc lock (LAYOUT/.gsimage-gc.lock, shared by builds,
 *      exclusive for gc and gc -n);
 *   3. a layout's read lock (the directory LAYOUT itself: shared by the
 *      commands that only read, exclusive for gc while it removes);
 *   4. a layout's index lock (LAYOUT/.gsimage.lock);
 *   5. a blob being written (its temp file, held by the writer).
 *
 * Commands that only read a layout (inspect, sbom, push, gc -n) must write
 * nothing to it, not even a lock file, and must work on a read-only one:
 * they open what they lock with GS_LOCK_RDONLY.  That is why the read lock
 * is on the directory, which always exists (flock takes a directory's
 * descriptor and needs no write access): a lock file a reader may not
 * create would leave it unprotected exactly when a writer creates the file
 * a moment later and removes blobs under it. */
#ifndef GSIMAGE_UTIL_LOCK_H
#define GSIMAGE_UTIL_LOCK_H

#include "gsimage/util/error.h"

/* All zero (GS_LOCK_INIT, calloc) is "not held". */
typedef struct gs_lock {
	int held;
	int fd; /* while held: the open lock file */
} gs_lock_t;

#define GS_LOCK_INIT {0}

enum {
	GS_LOCK_EXCLUSIVE = 0,
	GS_LOCK_SHARED = 1 << 0,
	GS_LOCK_TRY = 1 << 1,     /* do not wait: return 1 when somebody holds it */
	GS_LOCK_NOCREATE = 1 << 2, /* the lock file must exist (ENOENT: an error) */
	GS_LOCK_RDONLY = 1 << 3    /* open read-only (a directory too, symlinks
				    * followed); implies NOCREATE: writes nothing */
};

/* flock fd (an exclusive lock unless GS_LOCK_SHARED), retrying when a
 * signal interrupts the wait.  0 when taken; 1 when GS_LOCK_TRY and
 * another holder conflicts; -1 with errno set otherwise. */
int gs_lock_fd(int fd, int flags);

/* Open (creating it 0644, unless GS_LOCK_NOCREATE or GS_LOCK_RDONLY;
 * read-only with GS_LOCK_RDONLY or when it may not be written: flock needs
 * no write) and lock path into *l, which must
 * not be held.  0 when taken; 1 when GS_LOCK_TRY found it held (*l not
 * held); -1 with err set. */
int gs_lock_path(gs_lock_t *l, const char *path, int flags, gs_error_t *err);

int gs_lock_held(const gs_lock_t *l);

/* Hand a held lock from *from to *to (which must not hold one). */
void gs_lock_move(gs_lock_t *to, gs_lock_t *from);

/* Let go (a no-op when not held). */
void gs_lock_release(gs_lock_t *l);

#define cleanup_lock __attribute__((cleanup(gs_lock_release)))

#endif

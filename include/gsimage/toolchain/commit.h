/* Keeping what a go build made: the stable output's key lock, the record
 * that lets a reused output be trusted, and the last step of each build
 * (Go's failure said in one line, the caller's check, the rename into
 * place, the lock handed to the result). */
#ifndef GSIMAGE_TOOLCHAIN_COMMIT_H
#define GSIMAGE_TOOLCHAIN_COMMIT_H

#include "gsimage/toolchain/compile.h"
#include "gsimage/toolchain/plan.h"
#include "gsimage/toolchain/run.h"
#include "gsimage/util/error.h"
#include "gsimage/util/lock.h"
#include "gsimage/util/progress.h"

/* Take a stable output's key lock (dir/lock, creating dir): another
 * gsimage building the same key waits (saying so through progress), so go
 * never writes a binary another one is reading.  A lock whose directory
 * gc --cache removed meanwhile is taken again.  Touches the lock file:
 * gc --cache keeps what was used last. */
int gs_commit_lock_key(const char *dir, const gs_progress_t *progress, gs_lock_t *l,
		       gs_error_t *err);

/* Go trusts a binary whose build ID is unchanged, whatever else in it was
 * changed: the record PATH.sum, written when gsimage keeps PATH, holds its
 * size, sha256 and file identity.  Call this under the key's lock before
 * go build may reuse PATH.  1: PATH is the recorded binary (its identity
 * is the recorded one, or else its size and sha256 are).  0: there is no
 * PATH, or it was removed so that go links it again: without a record
 * (silently) or with a content that is not the recorded one (*warning,
 * owned, says so). */
int gs_commit_check_kept(const char *path, char **warning);

/* Write PATH.sum for the binary now at path (best effort: a missing
 * record only costs a relink).  Hashes only when needed: not when the
 * record already describes the file, nor when verified (check_kept said
 * 1 in this run, under the same lock) and go only touched it (the same
 * device, inode and size; go sets an up-to-date output's mtime). */
void gs_commit_record(const char *path, int verified);

/* The end of one platform's build: run's outcome into err (Go's output in
 * err->detail, or one line naming a missing C library or Go's one-line
 * complaint), then o->check on the binary, the rename to j->final, and for
 * a stable output the record (verified: see gs_commit_record()) and
 * *key_lock handed to bin->lock.  On failure the binary is removed. */
int gs_commit_one(const gs_compile_opts_t *o, size_t index, gs_plan_job_t *j, gs_run_t *run,
		  int verified, gs_lock_t *key_lock, gs_compiled_t *bin, gs_error_t *err);

#endif

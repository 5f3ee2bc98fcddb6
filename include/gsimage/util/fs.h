/* Filesystem helpers: mkdir -p, whole-file reads, durable atomic writes and
 * temp files that a signal handler can remove. */
#ifndef GSIMAGE_UTIL_FS_H
#define GSIMAGE_UTIL_FS_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "gsimage/util/error.h"

/* "a/b" from "a" and "b" (no doubled slash); owned by the caller. */
char *gs_path_join(const char *a, const char *b);

/* Last path element ("app" from "./cmd/app/"); owned by the caller. */
char *gs_path_basename(const char *path);

/* Everything before the last element ("/a" from "/a/b/", "/" from "/a",
 * "." from "a"); owned by the caller. */
char *gs_path_dirname(const char *path);

int gs_fs_mkdir_p(const char *path, mode_t mode, gs_error_t *err);

/* Read a whole file; *data is NUL-terminated and owned by the caller. */
int gs_fs_read_file(const char *path, char **data, size_t *len, gs_error_t *err);

/* Write all of buf to fd, retrying short writes. */
int gs_fs_write_all(int fd, const void *buf, size_t len, const char *what, gs_error_t *err);

int gs_fs_fsync_dir(const char *dir, gs_error_t *err);

/* A file's identity as one string (owned): device, inode, mode, size,
 * modification and change times.  It changes whenever the file is
 * replaced or written, so it keys caches of what was read from it. */
char *gs_fs_identity(const struct stat *st);

/* Remove path and everything below it, not following symlinks; best
 * effort (what cannot be removed stays). */
void gs_fs_remove_tree(const char *path);

/* Durably replace path with data: temp file in the same directory, fsync,
 * rename, fsync of the directory.  A crash leaves either the old or the new
 * contents, never a mix. */
int gs_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
		       gs_error_t *err);

/* A file the user named on the command line (--digest-file, --metadata-file,
 * the archives), opened so that nothing at the target is clobbered the
 * wrong way:
 *   "-"                        standard output;
 *   a FIFO, a device, a socket (or a symlink to one): written through, never
 *                              replaced (so --digest-file /dev/null stays a
 *                              device);
 *   a regular file (or a symlink to one): the file the link names is
 *                              replaced atomically and keeps its mode;
 *   nothing there yet:         created atomically, mode 0644.
 * Write to out->fd, then commit (fsync + rename + directory fsync for the
 * atomic cases) or discard. */
typedef struct gs_output {
	int fd;
	char *tmp;   /* the temp file to rename, or NULL when written through */
	char *final; /* what tmp becomes */
	char *dir;   /* final's directory */
} gs_output_t;

int gs_output_open(const char *path, gs_output_t *out, gs_error_t *err);
int gs_output_commit(gs_output_t *out, gs_error_t *err);
void gs_output_discard(gs_output_t *out);
/* open + write + commit */
int gs_output_write_file(const char *path, const void *data, size_t len, gs_error_t *err);

/* Where an output path will land: the real path of its directory joined
 * with its name (so "a/../b/f" and a symlinked directory compare right), or
 * NULL when the directory does not exist.  "-" gives NULL.  Owned. */
char *gs_output_real_path(const char *path);

/* Create a temp file "<dir>/<prefix>XXXXXX" open for writing.  Its path is
 * registered so that gs_tempfiles_unlink_all() (safe in a signal handler)
 * removes it.  *path is owned by the caller. */
int gs_tempfile_create(const char *dir, const char *prefix, char **path, gs_error_t *err);
/* fsync + rename the temp file to final and forget it. */
int gs_tempfile_commit(int fd, const char *path, const char *final, gs_error_t *err);
/* Remove the temp file (if still there) and forget it. */
void gs_tempfile_discard(const char *path);
/* Register a path someone else creates (go build's output, a work
 * directory) for removal by gs_tempfiles_unlink_all(); forget it again once
 * it is kept or removed. */
void gs_tempfile_register(const char *path);
void gs_tempfile_forget(const char *path);
/* Async-signal-safe: remove every registered path (files first, then empty
 * directories). */
void gs_tempfiles_unlink_all(void);

#endif

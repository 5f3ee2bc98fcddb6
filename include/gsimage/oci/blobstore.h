/* The content-addressed store of an OCI image layout: oci-layout,
 * blobs/sha256/ and the layout lock.  It knows paths and digests, not media
 * types (index.json belongs to layout.h). */
#ifndef GSIMAGE_OCI_BLOBSTORE_H
#define GSIMAGE_OCI_BLOBSTORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gsimage/oci/digest.h"
#include "gsimage/util/error.h"
#include "gsimage/util/lock.h"

typedef struct gs_store gs_store_t;

/* Layouts are opened (checked, set up) by gs_layout_open() in layout.h,
 * which makes the store with gs_store_new().  writable == 0: a store that
 * writes nothing to the layout, not even a lock file; gs_store_lock(), the
 * blob writer and gs_store_remove_blob() refuse (EROFS). */
gs_store_t *gs_store_new(const char *dir, int writable);
int gs_store_writable(const gs_store_t *store);

/* 1 for the files gsimage keeps in a layout besides the spec's (its lock
 * and temp files): a directory holding only those is still empty. */
int gs_store_is_own_file(const char *name);

/* Create blobs/sha256 (and blobs), each new entry synced into its parent;
 * the layout directory itself is synced only with sync_layout. */
int gs_store_make_blobs(gs_store_t *store, int sync_layout, gs_error_t *err);

/* Remove the temp files killed writers left in the layout (those whose
 * flock can be taken and that are old enough; never a live writer's).  A
 * no-op on a store opened to read: only commands that write reap. */
void gs_store_reap_temps(gs_store_t *store);

void gs_store_free(gs_store_t *store);
const char *gs_store_dir(const gs_store_t *store);

/* Absolute-or-relative path of a blob ("<dir>/blobs/sha256/<hex>"); owned. */
char *gs_store_blob_path(const gs_store_t *store, const gs_digest_t *digest);

/* A blob is intact when blobs/sha256/<hex> is a regular file (not a
 * symlink, not a FIFO), of the size its descriptor says, whose content
 * hashes to <hex>.  Nothing else in a layout is trusted. */

/* Streaming blob writer: write to a temp file inside the layout
 * (DIR/.gsimage-tmp-XXXXXX, flock'd by the writer), hash while writing;
 * commit fsyncs and renames to blobs/sha256/<hex>.  The name is durable
 * after gs_store_sync_pending() (which every index.json write calls
 * first), so a build's blobs share one directory fsync; a crash before it
 * can lose only blobs that nothing refers to yet.  A blob already there
 * is kept (and the temp file dropped) only when it is intact; anything else
 * at that name (other bytes of the same size, a symlink, a FIFO) is
 * replaced by the rename.  free() without commit removes the temp file.
 * gs_store_reap_temps() removes temp files whose flock it can take (killed
 * writers), never those of a live writer. */
typedef struct gs_blob_writer gs_blob_writer_t;
int gs_blob_writer_new(gs_store_t *store, gs_blob_writer_t **out, gs_error_t *err);
int gs_blob_writer_write(gs_blob_writer_t *w, const void *data, size_t len, gs_error_t *err);
int gs_blob_writer_commit(gs_blob_writer_t *w, gs_digest_t *digest, uint64_t *size,
			  gs_error_t *err);
void gs_blob_writer_free(gs_blob_writer_t *w);

/* A whole blob from memory. */
int gs_store_put(gs_store_t *store, const void *data, size_t len, gs_digest_t *digest,
		 gs_error_t *err);

/* The verified blob reader (after umoci's GetVerifiedBlob); every read of a
 * blob goes through it (blobread.h builds JSON, manifest and layer reads on
 * it).  Open refuses, before reading a byte, a blob that is not a regular
 * file or whose size is not the descriptor's; read never returns more than
 * that size; finish checks that exactly that many bytes were there and
 * that they hash to the digest.  Until finish returns 0 the bytes read are
 * unverified: callers must not act on them.
 *
 * what names the blob in messages ("layer", "config", ...; NULL: "blob"),
 * e.g. "layer 'sha256:...' is 12 bytes but its descriptor says 10; the
 * layout is corrupted".  size may be GS_BLOB_SIZE_ANY when the caller has
 * no descriptor (a digest given on the command line): the file's size is
 * taken. */
#define GS_BLOB_SIZE_ANY UINT64_MAX

typedef struct gs_blob_reader gs_blob_reader_t;
int gs_blob_reader_open(const gs_store_t *store, const gs_digest_t *digest, uint64_t size,
			const char *what, gs_blob_reader_t **out, gs_error_t *err);
/* The blob's size: the descriptor's, or the file's with GS_BLOB_SIZE_ANY. */
uint64_t gs_blob_reader_size(const gs_blob_reader_t *r);
/* Up to len bytes into buf; 0 once size bytes were read; < 0 on error
 * (the file is shorter than size, an I/O error). */
ssize_t gs_blob_reader_read(gs_blob_reader_t *r, void *buf, size_t len, gs_error_t *err);
/* Read (and hash) whatever is left, then check size and digest. */
int gs_blob_reader_finish(gs_blob_reader_t *r, gs_error_t *err);
void gs_blob_reader_free(gs_blob_reader_t *r);

/* A whole verified blob in memory: refused without reading when its size
 * (the descriptor's, or the file's with GS_BLOB_SIZE_ANY) is over max.
 * *data is NUL-terminated and owned by the caller; len may be NULL. */
int gs_blob_read(const gs_store_t *store, const gs_digest_t *digest, uint64_t size,
		 uint64_t max, const char *what, char **data, size_t *len, gs_error_t *err);

/* Exclusive flock on the layout (DIR/.gsimage.lock) for index.json
 * updates; blocks until available.  Nests: each lock needs an unlock. */
int gs_store_lock(gs_store_t *store, gs_error_t *err);
void gs_store_unlock(gs_store_t *store);

/* ---- garbage collection (gsimage gc) ------------------------------------
 *
 * The gc lock, DIR/.gsimage-gc.lock, is an flock separate from the
 * index.json lock above.  A process that writes blobs into the layout, or
 * refers to blobs already there, holds it shared from opening the layout
 * until its tags are set (gs_build() does); gc holds it exclusively, so no
 * blob a build is about to reference is ever deleted under it.  Always take
 * it before gs_store_lock(), never while holding that lock.
 *
 * The read lock is an flock on the layout directory itself, opened
 * read-only (see util/lock.h): a command that only reads and must not lose
 * a blob while it reads (push's snapshot, gc -n) holds it shared, which
 * writes nothing and works on a read-only layout; gc holds it exclusively,
 * after the gc lock, while it removes.  Builds do not take it: they only
 * add blobs and replace index.json atomically. */

/* Take the gc lock into *l: flags as for gs_lock_path() (GS_LOCK_SHARED
 * for a build, GS_LOCK_EXCLUSIVE for gc; GS_LOCK_TRY not to wait).  0 when
 * taken (let go with gs_lock_release(); exiting does as well), 1 when
 * GS_LOCK_TRY found it held in a conflicting mode, -1 on error. */
int gs_store_gc_lock(const gs_store_t *store, int flags, gs_lock_t *l, gs_error_t *err);

/* Take the read lock into *l (GS_LOCK_SHARED to read, GS_LOCK_EXCLUSIVE
 * for gc; GS_LOCK_TRY not to wait); returns as gs_store_gc_lock(). */
int gs_store_read_lock(const gs_store_t *store, int flags, gs_lock_t *l, gs_error_t *err);

/* Are blobs/ or blobs/sha256 possibly shared with another layout?  1, with
 * *why ("'DIR/blobs' is a symbolic link", "... is a mount point"; owned),
 * when either is a symbolic link or on another mount than its parent (a
 * bind mount too, by mount id), 0 when not (or when blobs/sha256 is
 * missing), -1 on error.  Hard links need no check: removing one name
 * leaves another layout's name of the same file in place. */
int gs_store_blobs_shared(const gs_store_t *store, char **why, gs_error_t *err);

/* A blob as found in blobs/sha256/. */
typedef struct gs_store_blob {
	gs_digest_t digest;
	uint64_t size;
} gs_store_blob_t;

/* Every regular file in blobs/sha256/ whose name is 64 lowercase hex, in
 * name order (anything else there is not a blob and is left out).  *out
 * is owned by the caller (free()). */
int gs_store_list_blobs(const gs_store_t *store, gs_store_blob_t **out, size_t *n,
			gs_error_t *err);

/* Remove blobs/sha256/<hex> (one already gone is not an error).  Durable
 * only after gs_store_sync_blobs().  The caller holds the gc lock
 * exclusively and has made sure nothing refers to the blob. */
int gs_store_remove_blob(gs_store_t *store, const gs_digest_t *digest, gs_error_t *err);

/* fsync blobs/sha256/, making removals and commits durable. */
int gs_store_sync_blobs(gs_store_t *store, gs_error_t *err);

/* gs_store_sync_blobs() if a blob was committed since the last sync: call
 * it before anything outside blobs/ names a blob (index.json does). */
int gs_store_sync_pending(gs_store_t *store, gs_error_t *err);

/* A blob found intact in place will be named as it is: whoever renamed it
 * may have crashed before syncing blobs/, so gs_store_sync_pending() syncs
 * it (as for a commit that found its blob already there). */
void gs_store_keep_in_place(gs_store_t *store);

#endif

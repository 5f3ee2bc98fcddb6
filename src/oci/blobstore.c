/* The content-addressed half of an OCI image layout (after umoci's
 * oci/cas/dir): blobs are written to a temp file inside the layout while
 * being hashed, fsynced, and renamed to blobs/sha256/<hex>; blobs/sha256 is
 * fsynced once for all the blobs committed since, before index.json is
 * written (gs_store_sync_pending).
 *
 * Files gsimage keeps in a layout besides the spec's own:
 *   .gsimage.lock           flock'd for index.json updates and for init
 *   .gsimage-gc.lock        flock'd shared by builds, exclusively by gc
 *                           (see the gc section at the end)
 *   .gsimage-tmp-XXXXXX     a blob being written; its writer holds an
 *                           exclusive flock on it until commit or discard
 *   .tmp-XXXXXX             index.json being replaced (gs_fs_write_atomic),
 *                           only ever under the layout lock
 * A temp file older than STALE_GRACE_SECONDS whose flock can be taken (and,
 * for .tmp-*, the layout lock) is left over from a killed writer and is
 * removed by gs_store_reap_temps (a command that writes to the layout, as
 * it opens it); the age is checked first, so a new writer never finds its
 * own temp file locked.  A store opened to read writes nothing at all. */
#include "gsimage/oci/blobstore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/lock.h"
#include "gsimage/util/xalloc.h"

#define LOCK_NAME ".gsimage.lock"
#define GC_LOCK_NAME ".gsimage-gc.lock"
#define BLOB_TMP_PREFIX ".gsimage-tmp-"
#define INDEX_TMP_PREFIX ".tmp-" /* what gs_fs_write_atomic uses */
/* A temp file younger than this is never removed: it may belong to a writer
 * that has created it but not yet taken its flock. */
#define STALE_GRACE_SECONDS 10

struct gs_store {
	char *dir;
	char *blobs;
	gs_lock_t lock;  /* LOCK_NAME, while lock_depth > 0 */
	int lock_depth;
	int writable;       /* 0: write nothing, not even a lock file */
	int blobs_unsynced; /* blobs committed since blobs/sha256 was last fsynced */
};

struct gs_blob_writer {
	gs_store_t *store;
	int fd;
	char *tmp;
	gs_sha256_t *hash;
	uint64_t size;
	uint64_t flushed; /* bytes already handed to writeback */
};

/* Start writeback every few MiB so the fsync at commit has little left to
 * wait for: a big layer then costs about the same as an unsynced write. */
#define WRITEBACK_CHUNK (2u * 1024 * 1024)

/* A store opened to read refuses whatever would write to the layout. */
static int check_writable(const gs_store_t *s, const char *what, gs_error_t *err)
{
	if (s->writable)
		return 0;
	return gs_error_set(err, EROFS, "%s in layout '%s': it was opened read-only", what,
			    s->dir);
}

/* Take the layout lock (blocking, or with GS_LOCK_TRY): 0 taken, 1 held by
 * somebody else, -1 on error.  Nests. */
static int store_lock(gs_store_t *s, int flags, gs_error_t *err)
{
	if (s->lock_depth > 0) {
		s->lock_depth++;
		return 0;
	}
	if (check_writable(s, "locking index.json", err) < 0)
		return -1;
	cleanup_free char *path = gs_path_join(s->dir, LOCK_NAME);
	int r = gs_lock_path(&s->lock, path, GS_LOCK_EXCLUSIVE | flags, err);
	if (r < 0)
		return gs_error_wrap(err, "locking layout '%s'", s->dir);
	if (r == 0)
		s->lock_depth = 1;
	return r;
}

int gs_store_lock(gs_store_t *s, gs_error_t *err)
{
	return store_lock(s, 0, err);
}

void gs_store_unlock(gs_store_t *s)
{
	if (s->lock_depth == 0)
		return;
	if (--s->lock_depth > 0)
		return;
	gs_lock_release(&s->lock);
}

static int has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int gs_store_is_own_file(const char *name)
{
	return strcmp(name, LOCK_NAME) == 0 || strcmp(name, GC_LOCK_NAME) == 0 ||
	       has_prefix(name, BLOB_TMP_PREFIX) ||
	       has_prefix(name, INDEX_TMP_PREFIX);
}

int gs_store_make_blobs(gs_store_t *s, int sync_layout, gs_error_t *err)
{
	if (gs_fs_mkdir_p(s->blobs, 0755, err) < 0)
		return -1;
	cleanup_free char *blobs = gs_path_dirname(s->blobs);
	if (gs_fs_fsync_dir(blobs, err) < 0 ||
	    (sync_layout && gs_fs_fsync_dir(s->dir, err) < 0))
		return -1;
	return 0;
}

/* Remove temp files left behind by killed writers; see the top comment. */
void gs_store_reap_temps(gs_store_t *s)
{
	if (!s->writable)
		return;
	gs_error_t ignored = GS_ERROR_INIT;
	int have_lock = store_lock(s, GS_LOCK_TRY, &ignored) == 0;
	gs_error_release(&ignored);
	DIR *d = opendir(s->dir);
	if (d) {
		time_t now = time(NULL);
		struct dirent *de;
		while ((de = readdir(d))) {
			int blob_tmp = strncmp(de->d_name, BLOB_TMP_PREFIX,
					       strlen(BLOB_TMP_PREFIX)) == 0;
			int index_tmp = strncmp(de->d_name, INDEX_TMP_PREFIX,
						strlen(INDEX_TMP_PREFIX)) == 0 &&
					strlen(de->d_name) == strlen(INDEX_TMP_PREFIX) + 6;
			if (!blob_tmp && !(index_tmp && have_lock))
				continue;
			cleanup_free char *path = gs_path_join(s->dir, de->d_name);
			/* The age first: a young file may be a writer's that is
			 * about to take its flock, and holding it even briefly
			 * would make that writer wait for nothing. */
			struct stat pst, fst;
			if (lstat(path, &pst) < 0 || !S_ISREG(pst.st_mode) ||
			    now - pst.st_mtime < STALE_GRACE_SECONDS)
				continue;
			cleanup_lock gs_lock_t held = GS_LOCK_INIT;
			if (gs_lock_path(&held, path, GS_LOCK_TRY | GS_LOCK_NOCREATE, &ignored) != 0) {
				gs_error_release(&ignored);
				continue; /* a live writer, or gone */
			}
			/* still the same old file under that name? */
			if (fstat(held.fd, &fst) < 0 || fst.st_ino != pst.st_ino ||
			    fst.st_dev != pst.st_dev || now - fst.st_mtime < STALE_GRACE_SECONDS)
				continue;
			unlink(path);
		}
		closedir(d);
	}
	if (have_lock)
		gs_store_unlock(s);
}

gs_store_t *gs_store_new(const char *dir, int writable)
{
	gs_store_t *s = xcalloc(1, sizeof(*s));
	s->dir = xstrdup(dir);
	s->blobs = gs_path_join(dir, "blobs/sha256");
	s->lock = (gs_lock_t)GS_LOCK_INIT;
	s->writable = writable;
	return s;
}

int gs_store_writable(const gs_store_t *s)
{
	return s->writable;
}

void gs_store_free(gs_store_t *s)
{
	if (!s)
		return;
	s->lock_depth = s->lock_depth ? 1 : 0;
	gs_store_unlock(s);
	free(s->dir);
	free(s->blobs);
	free(s);
}

const char *gs_store_dir(const gs_store_t *s)
{
	return s->dir;
}

char *gs_store_blob_path(const gs_store_t *s, const gs_digest_t *digest)
{
	return x_asprintf("%s/%s", s->blobs, gs_digest_hex(digest));
}

/* Is the blob at d's name intact (see blobstore.h), size bytes long?  Any
 * failure to show it is counts as "no": the caller then replaces it. */
static int blob_intact(const gs_store_t *s, const gs_digest_t *d, uint64_t size)
{
	gs_error_t ignored = GS_ERROR_INIT;
	gs_blob_reader_t *r = NULL;
	int ok = gs_blob_reader_open(s, d, size, NULL, &r, &ignored) == 0 &&
		 gs_blob_reader_finish(r, &ignored) == 0;
	gs_blob_reader_free(r);
	gs_error_release(&ignored);
	return ok;
}

int gs_blob_writer_new(gs_store_t *s, gs_blob_writer_t **out, gs_error_t *err)
{
	if (check_writable(s, "writing a blob", err) < 0)
		return -1;
	char *tmp = NULL;
	int fd = gs_tempfile_create(s->dir, BLOB_TMP_PREFIX, &tmp, err);
	if (fd < 0)
		return gs_error_wrap(err, "writing a blob");
	/* Blocking: gs_store_reap_temps() in another process only ever holds the
	 * flock of an old temp file, and only for a moment (see
	 * gs_store_reap_temps), so this waits at most that long. */
	if (gs_lock_fd(fd, GS_LOCK_EXCLUSIVE) < 0 || fchmod(fd, 0644) < 0) {
		gs_error_set(err, errno, "writing a blob: preparing '%s'", tmp);
		gs_tempfile_discard(tmp);
		close(fd);
		free(tmp);
		return -1;
	}
	gs_blob_writer_t *w = xcalloc(1, sizeof(*w));
	w->store = s;
	w->fd = fd;
	w->tmp = tmp;
	w->hash = gs_sha256_new();
	*out = w;
	return 0;
}

int gs_blob_writer_write(gs_blob_writer_t *w, const void *data, size_t len, gs_error_t *err)
{
	if (w->fd < 0)
		return gs_error_set(err, 0, "writing a blob: writer already committed");
	if (gs_fs_write_all(w->fd, data, len, w->tmp, err) < 0)
		return -1;
	gs_sha256_update(w->hash, data, len);
	w->size += len;
	if (w->size - w->flushed >= WRITEBACK_CHUNK) {
		/* only a hint: failures show up at fsync */
		sync_file_range(w->fd, (off64_t)w->flushed, (off64_t)(w->size - w->flushed),
				SYNC_FILE_RANGE_WRITE);
		w->flushed = w->size;
	}
	return 0;
}

int gs_blob_writer_commit(gs_blob_writer_t *w, gs_digest_t *digest, uint64_t *size,
			  gs_error_t *err)
{
	if (w->fd < 0)
		return gs_error_set(err, 0, "writing a blob: writer already committed");
	gs_digest_t d;
	gs_sha256_final(w->hash, &d);
	cleanup_free char *final = gs_store_blob_path(w->store, &d);
	int r = 0;
	/* The file is fsynced before its rename; the directory's fsync,
	 * which makes the name durable, waits for gs_store_sync_pending():
	 * one for every blob of a build, before index.json can name any. */
	if (blob_intact(w->store, &d, w->size)) {
		/* already there and verified: keep it.  Whoever renamed it
		 * may have crashed before syncing the directory: sync it
		 * before anything refers to the blob. */
		gs_tempfile_discard(w->tmp);
		gs_store_keep_in_place(w->store);
	} else if (gs_fs_mkdir_p(w->store->blobs, 0755, err) < 0 ||
		   gs_tempfile_commit(w->fd, w->tmp, final, err) < 0) {
		gs_tempfile_discard(w->tmp);
		r = -1;
	} else {
		w->store->blobs_unsynced = 1;
	}
	close(w->fd);
	w->fd = -1;
	if (r < 0)
		return -1;
	if (digest)
		*digest = d;
	if (size)
		*size = w->size;
	return 0;
}

void gs_blob_writer_free(gs_blob_writer_t *w)
{
	if (!w)
		return;
	if (w->fd >= 0) {
		/* unlink while still holding the flock, then let go */
		gs_tempfile_discard(w->tmp);
		close(w->fd);
	}
	gs_sha256_free(w->hash);
	free(w->tmp);
	free(w);
}

int gs_store_put(gs_store_t *s, const void *data, size_t len, gs_digest_t *digest,
		 gs_error_t *err)
{
	/* A rebuild writes the same manifests, configs and SBOMs again:
	 * when the blob is already there and intact, no temp file. */
	gs_digest_t d;
	gs_digest_buffer(data, len, &d);
	if (blob_intact(s, &d, len)) {
		gs_store_keep_in_place(s);
		if (digest)
			*digest = d;
		return 0;
	}
	gs_blob_writer_t *w = NULL;
	if (gs_blob_writer_new(s, &w, err) < 0)
		return -1;
	int r = gs_blob_writer_write(w, data, len, err);
	if (r == 0)
		r = gs_blob_writer_commit(w, digest, NULL, err);
	gs_blob_writer_free(w);
	return r;
}

/* ------------------------------------------------------------------ */
/* The verified reader                                                  */

struct gs_blob_reader {
	char *path;
	const char *what; /* static or the caller's, for messages */
	gs_digest_t digest;
	int fd;
	uint64_t size; /* what the descriptor says (or the file's) */
	uint64_t nread;
	gs_sha256_t *hash;
};

#define READ_CHUNK (64 * 1024)

int gs_blob_reader_open(const gs_store_t *s, const gs_digest_t *digest, uint64_t size,
			const char *what, gs_blob_reader_t **out, gs_error_t *err)
{
	if (!what)
		what = "blob";
	cleanup_free char *path = gs_store_blob_path(s, digest);
	/* O_NONBLOCK: a FIFO planted at a blob's name must not hang us */
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ELOOP)
		return gs_error_set(err, 0,
				    "%s '%s' is a symbolic link, not a blob; remove '%s' and build "
				    "again",
				    what, digest->s, path);
	if (fd < 0)
		return gs_error_set(err, errno, "reading %s '%s'", what, digest->s);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return gs_error_set(err, errno, "reading %s '%s'", what, digest->s);
	if (!S_ISREG(st.st_mode))
		return gs_error_set(err, 0,
				    "%s '%s' is not a regular file; remove '%s' and build again",
				    what, digest->s, path);
	if (size != GS_BLOB_SIZE_ANY && (uint64_t)st.st_size != size)
		return gs_error_set(err, 0,
				    "%s '%s' is %llu bytes but its descriptor says %llu; the layout "
				    "is corrupted",
				    what, digest->s, (unsigned long long)st.st_size,
				    (unsigned long long)size);
	/* reads block from here on (a regular file never would anyway) */
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return gs_error_set(err, errno, "reading %s '%s'", what, digest->s);
	gs_blob_reader_t *r = xcalloc(1, sizeof(*r));
	r->path = path;
	path = NULL;
	r->what = what;
	r->digest = *digest;
	r->fd = fd;
	fd = -1;
	r->size = size != GS_BLOB_SIZE_ANY ? size : (uint64_t)st.st_size;
	r->hash = gs_sha256_new();
	*out = r;
	return 0;
}

uint64_t gs_blob_reader_size(const gs_blob_reader_t *r)
{
	return r->size;
}

static int short_blob(gs_blob_reader_t *r, gs_error_t *err)
{
	return gs_error_set(err, 0,
			    "%s '%s' is %llu bytes but its descriptor says %llu; the layout is "
			    "corrupted",
			    r->what, r->digest.s, (unsigned long long)r->nread,
			    (unsigned long long)r->size);
}

ssize_t gs_blob_reader_read(gs_blob_reader_t *r, void *buf, size_t len, gs_error_t *err)
{
	uint64_t left = r->size - r->nread;
	if (left == 0 || len == 0)
		return 0;
	if (len > left)
		len = (size_t)left;
	ssize_t n;
	do
		n = read(r->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return gs_error_set(err, errno, "reading %s '%s'", r->what, r->digest.s);
	if (n == 0)
		return short_blob(r, err); /* it shrank since open */
	gs_sha256_update(r->hash, buf, (size_t)n);
	r->nread += (uint64_t)n;
	return n;
}

int gs_blob_reader_finish(gs_blob_reader_t *r, gs_error_t *err)
{
	cleanup_free char *buf = xmalloc(READ_CHUNK);
	ssize_t n;
	while ((n = gs_blob_reader_read(r, buf, READ_CHUNK, err)) > 0)
		;
	if (n < 0)
		return -1;
	/* one byte more than the descriptor says: it grew since open */
	ssize_t extra;
	do
		extra = read(r->fd, buf, 1);
	while (extra < 0 && errno == EINTR);
	if (extra < 0)
		return gs_error_set(err, errno, "reading %s '%s'", r->what, r->digest.s);
	if (extra > 0)
		return gs_error_set(err, 0,
				    "%s '%s' is larger than its descriptor says (%llu bytes); the "
				    "layout is corrupted",
				    r->what, r->digest.s, (unsigned long long)r->size);
	gs_digest_t got;
	gs_sha256_final(r->hash, &got);
	if (strcmp(got.s, r->digest.s) != 0)
		return gs_error_set(err, 0,
				    "%s '%s' is corrupted (its content hashes to '%s'); remove '%s' "
				    "and build again",
				    r->what, r->digest.s, got.s, r->path);
	return 0;
}

void gs_blob_reader_free(gs_blob_reader_t *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	gs_sha256_free(r->hash);
	free(r->path);
	free(r);
}

int gs_blob_read(const gs_store_t *s, const gs_digest_t *digest, uint64_t size, uint64_t max,
		 const char *what, char **data, size_t *len, gs_error_t *err)
{
	if (!what)
		what = "blob";
	if (size != GS_BLOB_SIZE_ANY && size > max)
		return gs_error_set(err, 0,
				    "%s '%s' is %llu bytes by its descriptor, more than the %llu "
				    "gsimage reads",
				    what, digest->s, (unsigned long long)size,
				    (unsigned long long)max);
	gs_blob_reader_t *r = NULL;
	if (gs_blob_reader_open(s, digest, size, what, &r, err) < 0)
		return -1;
	uint64_t n = gs_blob_reader_size(r);
	int ret = -1;
	char *buf = NULL;
	if (n > max) {
		gs_error_set(err, 0, "%s '%s' is %llu bytes, more than the %llu gsimage reads", what,
			     digest->s, (unsigned long long)n, (unsigned long long)max);
		goto out;
	}
	buf = xmalloc((size_t)n + 1);
	size_t got = 0;
	while (got < n) {
		ssize_t k = gs_blob_reader_read(r, buf + got, (size_t)n - got, err);
		if (k <= 0)
			goto out; /* 0 cannot happen before n bytes */
		got += (size_t)k;
	}
	if (gs_blob_reader_finish(r, err) < 0)
		goto out;
	buf[n] = '\0';
	*data = buf;
	buf = NULL;
	if (len)
		*len = (size_t)n;
	ret = 0;
out:
	free(buf);
	gs_blob_reader_free(r);
	return ret;
}

/* ---- garbage collection (gsimage gc) -------------------------------------
 * Appended for gc: the gc lock (see blobstore.h) and listing, removing and
 * syncing blobs.  Files involved:
 *   .gsimage-gc.lock        flock'd shared by builds from open to tag,
 *                           exclusively by gc; never removed */

int gs_store_read_lock(const gs_store_t *s, int flags, gs_lock_t *l, gs_error_t *err)
{
	int r = gs_lock_path(l, s->dir, flags | GS_LOCK_RDONLY, err);
	if (r < 0)
		return gs_error_wrap(err, "locking layout '%s' to read it", s->dir);
	return r;
}

/* The mount of path (not following a last symlink): its mount id where
 * the kernel tells it (a bind mount of the same file system has its own),
 * else its device. */
static int mount_of(const char *path, uint64_t *id, gs_error_t *err)
{
	struct statx stx;
	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
		return gs_error_set(err, errno, "checking '%s'", path);
	*id = stx.stx_mask & STATX_MNT_ID ? stx.stx_mnt_id
					  : ((uint64_t)stx.stx_dev_major << 32 | stx.stx_dev_minor);
	return 0;
}

int gs_store_blobs_shared(const gs_store_t *s, char **why, gs_error_t *err)
{
	*why = NULL;
	cleanup_free char *blobs = gs_path_dirname(s->blobs);
	const char *chain[] = {s->dir, blobs, s->blobs};
	uint64_t up = 0;
	for (size_t i = 0; i < 3; i++) {
		struct stat st;
		uint64_t here = 0;
		if (i > 0 && lstat(chain[i], &st) < 0)
			return errno == ENOENT ? 0 : gs_error_set(err, errno, "checking '%s'", chain[i]);
		if (i > 0 && S_ISLNK(st.st_mode)) {
			*why = x_asprintf("'%s' is a symbolic link", chain[i]);
			return 1;
		}
		if (mount_of(chain[i], &here, err) < 0)
			return -1;
		if (i > 0 && here != up) {
			*why = x_asprintf("'%s' is a mount point", chain[i]);
			return 1;
		}
		up = here;
	}
	return 0;
}

int gs_store_gc_lock(const gs_store_t *s, int flags, gs_lock_t *l, gs_error_t *err)
{
	cleanup_free char *path = gs_path_join(s->dir, GC_LOCK_NAME);
	int r = gs_lock_path(l, path, flags, err);
	if (r < 0)
		return gs_error_wrap(err, "locking layout '%s' (%s)", s->dir, GC_LOCK_NAME);
	return r;
}

static int is_blob_name(const char *name)
{
	size_t n = 0;
	for (; name[n]; n++)
		if (!((name[n] >= '0' && name[n] <= '9') || (name[n] >= 'a' && name[n] <= 'f')))
			return 0;
	return n == GS_DIGEST_HEX_LEN;
}

static int cmp_blob(const void *a, const void *b)
{
	return strcmp(((const gs_store_blob_t *)a)->digest.s,
		      ((const gs_store_blob_t *)b)->digest.s);
}

int gs_store_list_blobs(const gs_store_t *s, gs_store_blob_t **out, size_t *n, gs_error_t *err)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(s->blobs);
	if (!d)
		return gs_error_set(err, errno, "reading '%s'", s->blobs);
	gs_store_blob_t *v = NULL;
	size_t len = 0, cap = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		struct stat st;
		if (!is_blob_name(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode)) {
			errno = 0;
			continue;
		}
		if (len == cap) {
			cap = cap ? 2 * cap : 64;
			v = xrealloc(v, cap * sizeof *v);
		}
		memcpy(v[len].digest.s, "sha256:", 7);
		memcpy(v[len].digest.s + 7, de->d_name, GS_DIGEST_HEX_LEN + 1);
		v[len].size = (uint64_t)st.st_size;
		len++;
		errno = 0;
	}
	int e = errno;
	closedir(d);
	if (e) {
		free(v);
		return gs_error_set(err, e, "reading '%s'", s->blobs);
	}
	if (len)
		qsort(v, len, sizeof *v, cmp_blob);
	*out = v;
	*n = len;
	return 0;
}

int gs_store_remove_blob(gs_store_t *s, const gs_digest_t *digest, gs_error_t *err)
{
	if (check_writable(s, "removing a blob", err) < 0)
		return -1;
	cleanup_free char *path = gs_store_blob_path(s, digest);
	if (unlink(path) < 0 && errno != ENOENT)
		return gs_error_set(err, errno, "removing blob '%s'", path);
	return 0;
}

int gs_store_sync_blobs(gs_store_t *s, gs_error_t *err)
{
	if (gs_fs_fsync_dir(s->blobs, err) < 0)
		return -1;
	s->blobs_unsynced = 0;
	return 0;
}

void gs_store_keep_in_place(gs_store_t *s)
{
	s->blobs_unsynced = 1;
}

int gs_store_sync_pending(gs_store_t *s, gs_error_t *err)
{
	return s->blobs_unsynced ? gs_store_sync_blobs(s, err) : 0;
}

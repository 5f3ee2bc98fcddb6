/* Deterministic layer tarballs.
 *
 * Byte-level format (what makes two runs give the same bytes):
 *  - entries sorted by strcmp() of their normalised path (no trailing '/');
 *    a parent is a prefix of its children, so it always sorts first, and
 *    the order matches a plain byte-wise sort of the member names;
 *  - directories are named with a trailing '/';
 *  - pax-restricted tar: plain ustar headers, with a pax extended header
 *    only when ustar cannot hold a field (path over 100/155 bytes,
 *    non-ASCII names, mtime or ids out of octal range); libarchive names it
 *    "<dir>/PaxHeader/<name>" (no pid) and puts no atime/ctime in it;
 *  - uid/gid as given (default 0), empty uname/gname, one mtime for every
 *    entry, no atime/ctime/birthtime, modes as given (masked to 07777);
 *  - the tar ends with the two 512-byte zero blocks and is not padded to a
 *    10240-byte record (bytes_in_last_block = 1);
 *  - gzip: pgzip.c, gsimage's parallel compressor: independent members of
 *    512 KiB input each, every header 1f 8b 08 00 with mtime 0, no FNAME,
 *    OS 3 (unix); the bytes depend on the input and the level only, not on
 *    the number of threads.  zstd: one frame from libarchive's zstd filter,
 *    single-threaded.
 *
 * One pass: an inner archive writes the tar; its write callback hashes the
 * uncompressed bytes (diff_id) and feeds them to the compressor (pgzip for
 * gzip; for zstd an outer archive, format "raw", one entry, zstd filter),
 * whose output callback hashes the compressed bytes (digest) and hands them
 * to the sink.  Without compression the inner callback goes straight to the
 * sink.  Each stream is hashed once: uncompressed, the digest is the
 * diff_id; a sink that hashes by itself (the blob writer) supplies the
 * digest instead (sink_digests). */
#include "gsimage/oci/layer.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsimage/oci/pgzip.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/xalloc.h"

#define COPY_CHUNK (64 * 1024)

enum kind { K_DIR, K_FILE, K_DATA, K_SYMLINK };

struct lentry {
	char *path; /* normalised, no leading or trailing '/' */
	enum kind kind;
	unsigned mode, uid, gid;
	int implicit; /* a parent added on the way, may be redefined once */
	char *src;    /* K_FILE */
	char *content_id; /* K_FILE: names src's content for the key, or NULL */
	void *data;   /* K_DATA */
	size_t len;
	char *target; /* K_SYMLINK */
};

struct gs_layer {
	struct lentry **v;
	size_t n, cap;
	void *index; /* tsearch tree over v, by path */
};

int gs_compression_parse(const char *s, gs_compression_t *out, gs_error_t *err)
{
	if (strcmp(s, "gzip") == 0)
		*out = GS_COMPRESS_GZIP;
	else if (strcmp(s, "zstd") == 0)
		*out = GS_COMPRESS_ZSTD;
	else if (strcmp(s, "none") == 0)
		*out = GS_COMPRESS_NONE;
	else
		return gs_error_usage(err, "unknown compression '%s'; use gzip, zstd or none", s);
	return 0;
}

const char *gs_compression_name(gs_compression_t c)
{
	switch (c) {
	case GS_COMPRESS_GZIP:
		return "gzip";
	case GS_COMPRESS_ZSTD:
		return "zstd";
	case GS_COMPRESS_NONE:
		return "none";
	}
	return "unknown";
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lentry *)a)->path, ((const struct lentry *)b)->path);
}

gs_layer_t *gs_layer_new(void)
{
	return xcalloc(1, sizeof(gs_layer_t));
}

static void entry_free(struct lentry *e)
{
	free(e->path);
	free(e->src);
	free(e->content_id);
	free(e->data);
	free(e->target);
	free(e);
}

static void noop_free(void *p)
{
	(void)p;
}

void gs_layer_free(gs_layer_t *l)
{
	if (!l)
		return;
	tdestroy(l->index, noop_free);
	for (size_t i = 0; i < l->n; i++)
		entry_free(l->v[i]);
	free(l->v);
	free(l);
}

/* "/a//./b/../c/" -> "a/c"; refuses the root itself and escapes. */
static int normalise(const char *path, char **out, gs_error_t *err)
{
	size_t len = strlen(path);
	char *buf = xmalloc(len + 1);
	size_t n = 0;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		const char *end = strchrnul(p, '/');
		size_t clen = (size_t)(end - p);
		if (clen == 0 || (clen == 1 && p[0] == '.')) {
			/* nothing */
		} else if (clen == 2 && p[0] == '.' && p[1] == '.') {
			if (n == 0) {
				free(buf);
				return gs_error_usage(err, "layer path '%s' escapes the image root",
						      path);
			}
			while (n > 0 && buf[n - 1] != '/')
				n--;
			if (n > 0)
				n--; /* the '/' */
		} else {
			if (n > 0)
				buf[n++] = '/';
			memcpy(buf + n, p, clen);
			n += clen;
		}
		p = end;
	}
	buf[n] = '\0';
	if (n == 0) {
		free(buf);
		if (len == 0)
			return gs_error_usage(err, "empty layer path");
		return gs_error_usage(err, "layer path '%s' names the image root; give a path below it",
				      path);
	}
	*out = buf;
	return 0;
}

static struct lentry *lookup(gs_layer_t *l, const char *path)
{
	struct lentry key = {0};
	key.path = (char *)path;
	void *r = tfind(&key, &l->index, entry_cmp);
	return r ? *(struct lentry **)r : NULL;
}

static void insert(gs_layer_t *l, struct lentry *e)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = e;
	if (!tsearch(e, &l->index, entry_cmp))
		abort();
}

/* Make sure every parent of path exists as a directory. */
static int add_parents(gs_layer_t *l, const char *path, const char *given, gs_error_t *err)
{
	cleanup_free char *p = xstrdup(path);
	for (char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		struct lentry *e = lookup(l, p);
		if (e && e->kind != K_DIR) {
			return gs_error_usage(err,
					      "cannot add '%s' to the layer: its parent '%s' is "
					      "not a directory",
					      given, p);
		}
		if (!e) {
			e = xcalloc(1, sizeof(*e));
			e->path = xstrdup(p);
			e->kind = K_DIR;
			e->mode = 0755;
			e->implicit = 1;
			insert(l, e);
		}
		*s = '/';
	}
	return 0;
}

/* Takes ownership of e (freed on error). */
static int add_entry(gs_layer_t *l, const char *given, struct lentry *e, gs_error_t *err)
{
	if (normalise(given, &e->path, err) < 0) {
		entry_free(e);
		return -1;
	}
	struct lentry *old = lookup(l, e->path);
	if (old) {
		int r;
		if (old->implicit && e->kind == K_DIR) {
			old->mode = e->mode;
			old->uid = e->uid;
			old->gid = e->gid;
			old->implicit = 0;
			r = 0;
		} else if (old->implicit) {
			r = gs_error_usage(err,
					   "cannot add '%s' to the layer as a file: it is the parent "
					   "directory of other entries",
					   given);
		} else {
			r = gs_error_usage(err, "'%s' is added to the layer twice", given);
		}
		entry_free(e);
		return r;
	}
	if (add_parents(l, e->path, given, err) < 0) {
		entry_free(e);
		return -1;
	}
	insert(l, e);
	return 0;
}

static struct lentry *new_entry(enum kind k, unsigned mode, unsigned uid, unsigned gid)
{
	struct lentry *e = xcalloc(1, sizeof(*e));
	e->kind = k;
	e->mode = mode & 07777;
	e->uid = uid;
	e->gid = gid;
	return e;
}

int gs_layer_add_dir(gs_layer_t *l, const char *path, unsigned mode, unsigned uid,
		     unsigned gid, gs_error_t *err)
{
	return add_entry(l, path, new_entry(K_DIR, mode, uid, gid), err);
}

int gs_layer_add_file(gs_layer_t *l, const char *path, unsigned mode, unsigned uid,
		      unsigned gid, const char *src_path, gs_error_t *err)
{
	struct lentry *e = new_entry(K_FILE, mode, uid, gid);
	e->src = xstrdup(src_path);
	return add_entry(l, path, e, err);
}

int gs_layer_add_file_id(gs_layer_t *l, const char *path, unsigned mode, unsigned uid,
			 unsigned gid, const char *src_path, const char *content_id,
			 gs_error_t *err)
{
	struct lentry *e = new_entry(K_FILE, mode, uid, gid);
	e->src = xstrdup(src_path);
	e->content_id = xstrdup(content_id);
	return add_entry(l, path, e, err);
}

int gs_layer_add_data(gs_layer_t *l, const char *path, unsigned mode, unsigned uid,
		      unsigned gid, const void *data, size_t len, gs_error_t *err)
{
	struct lentry *e = new_entry(K_DATA, mode, uid, gid);
	e->data = xmalloc(len ? len : 1);
	if (len)
		memcpy(e->data, data, len);
	e->len = len;
	return add_entry(l, path, e, err);
}

int gs_layer_add_symlink(gs_layer_t *l, const char *path, const char *target,
			 gs_error_t *err)
{
	if (!*target)
		return gs_error_usage(err, "symlink '%s' has an empty target", path);
	struct lentry *e = new_entry(K_SYMLINK, 0777, 0, 0);
	e->target = xstrdup(target);
	return add_entry(l, path, e, err);
}

gs_layer_t *gs_layer_copy(const gs_layer_t *l)
{
	gs_layer_t *c = gs_layer_new();
	for (size_t i = 0; i < l->n; i++) {
		const struct lentry *e = l->v[i];
		struct lentry *d = xcalloc(1, sizeof(*d));
		*d = *e;
		d->path = xstrdup(e->path);
		d->src = e->src ? xstrdup(e->src) : NULL;
		d->content_id = e->content_id ? xstrdup(e->content_id) : NULL;
		d->target = e->target ? xstrdup(e->target) : NULL;
		if (e->data) {
			d->data = xmalloc(e->len ? e->len : 1);
			memcpy(d->data, e->data, e->len);
		}
		insert(c, d);
	}
	return c;
}

/* The pipeline state shared by the archive callbacks.  The callbacks never
 * report failure to libarchive: an archive in the FATAL state is freed
 * without closing its filters, which leaks zlib's state (libarchive 3.6.2).
 * Instead they record the error and switch to discarding, and
 * gs_layer_write checks p->failed after each step. */
struct pipe {
	gs_sha256_t *diff_hash, *hash; /* hash: NULL when nobody needs it here */
	uint64_t usize, size;
	struct archive *outer; /* zstd: libarchive's filter; NULL otherwise */
	gs_pgzip_t *gz;        /* gzip: our parallel compressor; NULL otherwise */
	gs_layer_sink_fn sink;
	void *sink_ctx;
	gs_error_t *err;
	int failed;  /* err was set by a callback */
	int discard; /* swallow whatever is still written */
};

static void to_sink(struct pipe *p, const void *buf, size_t len)
{
	if (p->discard)
		return;
	if (p->hash)
		gs_sha256_update(p->hash, buf, len);
	p->size += len;
	if (p->sink(p->sink_ctx, buf, len, p->err) < 0)
		p->failed = p->discard = 1;
}

/* pgzip's output, on whichever of its threads emits (one at a time, in
 * order): it touches only what nothing else does until gs_pgzip_finish()
 * returns, and reports a failure through pgzip, which hands the error to
 * the gs_pgzip_write() or _finish() of the writer thread. */
static int gz_out(void *ctx, const void *buf, size_t len, gs_error_t *err)
{
	struct pipe *p = ctx;
	if (p->hash)
		gs_sha256_update(p->hash, buf, len);
	p->size += len;
	return p->sink(p->sink_ctx, buf, len, err);
}

static la_ssize_t outer_write(struct archive *a, void *ctx, const void *buf, size_t len)
{
	(void)a;
	to_sink(ctx, buf, len);
	return (la_ssize_t)len;
}

static la_ssize_t inner_write(struct archive *a, void *ctx, const void *buf, size_t len)
{
	(void)a;
	struct pipe *p = ctx;
	if (p->discard)
		return (la_ssize_t)len;
	gs_sha256_update(p->diff_hash, buf, len);
	p->usize += len;
	if (p->gz) {
		if (gs_pgzip_write(p->gz, buf, len, p->err) < 0)
			p->failed = p->discard = 1;
		return (la_ssize_t)len;
	}
	if (!p->outer) {
		to_sink(p, buf, len);
		return (la_ssize_t)len;
	}
	const char *b = buf;
	size_t left = len;
	while (left > 0 && !p->discard) {
		la_ssize_t w = archive_write_data(p->outer, b, left);
		if (w <= 0) {
			if (!p->failed)
				gs_error_set(p->err, 0, "compressing layer: %s",
					     archive_error_string(p->outer));
			p->failed = p->discard = 1;
			break;
		}
		b += w;
		left -= (size_t)w;
	}
	return (la_ssize_t)len;
}

/* Error from archive a, unless a callback already set one. */
static int archive_fail(struct pipe *p, struct archive *a, const char *what)
{
	if (p->failed)
		return -1;
	p->failed = 1;
	const char *msg = archive_error_string(a);
	return gs_error_set(p->err, 0, "%s: %s", what, msg ? msg : "unknown libarchive error");
}

/* gzip goes through our parallel compressor: libarchive's is one zlib
 * stream on one core, several times slower on a multi-megabyte binary. */
static int setup_gzip(struct pipe *p, const gs_layer_write_opts_t *opts)
{
	if (opts->level > 9) {
		p->failed = 1;
		return gs_error_usage(p->err, "compression level %d is not valid for gzip (0-9)",
				      opts->level);
	}
	p->gz = gs_pgzip_new(opts->level, 0, gz_out, p);
	return 0;
}

/* zstd goes through libarchive's filter (gzip never comes here). */
static int setup_outer(struct pipe *p, const gs_layer_write_opts_t *opts)
{
	struct archive *o = archive_write_new();
	if (!o)
		abort();
	p->outer = o;
	if (archive_write_set_format_raw(o) != ARCHIVE_OK ||
	    archive_write_add_filter_zstd(o) != ARCHIVE_OK)
		return archive_fail(p, o, "setting up layer compression");
	if (opts->level >= 0) {
		char lv[16];
		snprintf(lv, sizeof(lv), "%d", opts->level);
		if (archive_write_set_filter_option(o, "zstd", "compression-level", lv) !=
		    ARCHIVE_OK) {
			p->failed = 1;
			return gs_error_usage(p->err,
					      "compression level %d is not valid for zstd (1-22)",
					      opts->level);
		}
	}
	/* no output blocking: every compressed byte goes to the sink as is,
	 * and the stream is not padded */
	if (archive_write_set_bytes_per_block(o, 0) != ARCHIVE_OK ||
	    archive_write_open(o, p, NULL, outer_write, NULL) != ARCHIVE_OK)
		return archive_fail(p, o, "starting layer compression");
	struct archive_entry *e = archive_entry_new();
	if (!e)
		abort();
	archive_entry_set_pathname(e, "layer.tar");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	int r = archive_write_header(o, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return archive_fail(p, o, "starting layer compression");
	return 0;
}

static int write_contents(struct pipe *p, struct archive *a, const struct lentry *e, int fd,
			  uint64_t size, char *buf)
{
	if (e->kind == K_DATA) {
		if (e->len && archive_write_data(a, e->data, e->len) != (la_ssize_t)e->len)
			return archive_fail(p, a, "writing layer");
		return 0;
	}
	uint64_t left = size;
	while (left > 0) {
		size_t want = left < COPY_CHUNK ? (size_t)left : COPY_CHUNK;
		ssize_t r = read(fd, buf, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return gs_error_set(p->err, errno, "reading '%s'", e->src);
		if (r == 0)
			return gs_error_set(p->err, 0,
					    "'%s' shrank while it was being written into the layer",
					    e->src);
		if (archive_write_data(a, buf, (size_t)r) != r)
			return archive_fail(p, a, "writing layer");
		left -= (uint64_t)r;
	}
	ssize_t r;
	while ((r = read(fd, buf, 1)) < 0 && errno == EINTR)
		;
	if (r != 0)
		return gs_error_set(p->err, r < 0 ? errno : 0,
				    "'%s' grew while it was being written into the layer", e->src);
	return 0;
}

static int write_entry(struct pipe *p, struct archive *a, const struct lentry *e, int64_t mtime,
		       char *buf)
{
	cleanup_close int fd = -1;
	uint64_t size = 0;
	if (e->kind == K_FILE) {
		fd = open(e->src, O_RDONLY | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0)
			return gs_error_set(p->err, errno, "reading '%s'", e->src);
		if (!S_ISREG(st.st_mode))
			return gs_error_set(p->err, 0, "'%s' is not a regular file", e->src);
		size = (uint64_t)st.st_size;
	} else if (e->kind == K_DATA) {
		size = e->len;
	}

	struct archive_entry *ae = archive_entry_new();
	if (!ae)
		abort();
	cleanup_free char *name = e->kind == K_DIR ? x_asprintf("%s/", e->path) : NULL;
	archive_entry_set_pathname_utf8(ae, name ? name : e->path);
	switch (e->kind) {
	case K_DIR:
		archive_entry_set_filetype(ae, AE_IFDIR);
		break;
	case K_FILE:
	case K_DATA:
		archive_entry_set_filetype(ae, AE_IFREG);
		archive_entry_set_size(ae, (la_int64_t)size);
		break;
	case K_SYMLINK:
		archive_entry_set_filetype(ae, AE_IFLNK);
		archive_entry_set_symlink_utf8(ae, e->target);
		break;
	}
	archive_entry_set_perm(ae, e->mode);
	archive_entry_set_uid(ae, e->uid);
	archive_entry_set_gid(ae, e->gid);
	archive_entry_set_mtime(ae, mtime, 0);
	int r = archive_write_header(a, ae);
	archive_entry_free(ae);
	if (r != ARCHIVE_OK)
		return archive_fail(p, a, "writing layer");
	if (e->kind == K_FILE || e->kind == K_DATA)
		return write_contents(p, a, e, fd, size, buf);
	return 0;
}

static int path_order(const void *a, const void *b)
{
	return strcmp((*(struct lentry *const *)a)->path, (*(struct lentry *const *)b)->path);
}

int gs_layer_write(gs_layer_t *l, const gs_layer_write_opts_t *opts, gs_layer_sink_fn sink,
		   void *sink_ctx, gs_layer_info_t *info, gs_error_t *err)
{
	struct pipe p = {0};
	p.diff_hash = gs_sha256_new();
	/* Uncompressed, the sink gets the tar itself: its digest is the
	 * diff_id. */
	if (!opts->sink_digests && opts->compression != GS_COMPRESS_NONE)
		p.hash = gs_sha256_new();
	p.sink = sink;
	p.sink_ctx = sink_ctx;
	p.err = err;
	struct archive *inner = NULL;
	char *buf = NULL;
	int r = -1;

	/* Paths are UTF-8 whatever the program's locale: libarchive converts
	 * names through the current locale, and in "C" it cannot represent a
	 * non-ASCII name (3.6.2 even crashes on one).  uselocale() switches
	 * only this thread, and only until we return. */
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	locale_t old_locale = utf8 ? uselocale(utf8) : (locale_t)0;

	if (opts->compression == GS_COMPRESS_GZIP && setup_gzip(&p, opts) < 0)
		goto out;
	if (opts->compression == GS_COMPRESS_ZSTD && setup_outer(&p, opts) < 0)
		goto out;

	inner = archive_write_new();
	if (!inner)
		abort();
	if (archive_write_set_format_pax_restricted(inner) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(inner, 10240) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(inner, 1) != ARCHIVE_OK ||
	    archive_write_open(inner, &p, NULL, inner_write, NULL) != ARCHIVE_OK) {
		archive_fail(&p, inner, "starting layer");
		goto out;
	}

	qsort(l->v, l->n, sizeof(*l->v), path_order);
	buf = xmalloc(COPY_CHUNK);
	for (size_t i = 0; i < l->n; i++)
		if (write_entry(&p, inner, l->v[i], opts->mtime, buf) < 0 || p.failed) {
			gs_error_wrap(err, "adding '%s'", l->v[i]->path);
			goto out;
		}
	if (archive_write_close(inner) != ARCHIVE_OK || p.failed) {
		archive_fail(&p, inner, "finishing layer");
		goto out;
	}
	if (p.gz && (gs_pgzip_finish(p.gz, err) < 0 || p.failed)) {
		p.failed = 1;
		goto out;
	}
	if (p.outer && (archive_write_close(p.outer) != ARCHIVE_OK || p.failed)) {
		archive_fail(&p, p.outer, "finishing layer compression");
		goto out;
	}
	gs_sha256_final(p.diff_hash, &info->diff_id);
	memset(&info->digest, 0, sizeof info->digest);
	if (p.hash)
		gs_sha256_final(p.hash, &info->digest);
	else if (!opts->sink_digests)
		info->digest = info->diff_id;
	info->size = p.size;
	info->uncompressed_size = p.usize;
	info->compression = opts->compression;
	r = 0;
out:
	/* after a failure the implicit close in free must not reach the sink */
	if (r < 0)
		p.discard = 1;
	if (inner)
		archive_write_free(inner);
	if (p.outer)
		archive_write_free(p.outer);
	gs_pgzip_free(p.gz);
	free(buf);
	if (utf8) {
		uselocale(old_locale);
		freelocale(utf8);
	}
	gs_sha256_free(p.diff_hash);
	gs_sha256_free(p.hash);
	return r;
}

/* ---- the layer's key ------------------------------------------------------ */

static void key_str(gs_sha256_t *h, const char *s)
{
	gs_sha256_update(h, s, strlen(s) + 1); /* with its NUL: a separator */
}

static void key_num(gs_sha256_t *h, long long n)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", n);
	key_str(h, buf);
}

/* The content of src_path into h (sha256 of the file, then its size). */
/* A file named by its content ID: that and the file's identity (device,
 * inode, size) instead of its bytes.  A rewrite the ID does not show would
 * have to keep all three. */
static int key_file_by_id(gs_sha256_t *h, const char *src_path, const char *content_id,
			  gs_error_t *err)
{
	struct stat st;
	if (stat(src_path, &st) < 0)
		return gs_error_set(err, errno, "reading '%s'", src_path);
	key_str(h, "content-id");
	key_str(h, content_id);
	key_num(h, (long long)st.st_dev);
	key_num(h, (long long)st.st_ino);
	key_num(h, (long long)st.st_size);
	return 0;
}

static int key_file(gs_sha256_t *h, const char *src_path, gs_error_t *err)
{
	cleanup_close int fd = open(src_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gs_error_set(err, errno, "opening '%s'", src_path);
	gs_sha256_t *fh = gs_sha256_new();
	static const size_t bufsize = 1 << 16;
	cleanup_free char *buf = xmalloc(bufsize);
	long long total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, bufsize);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			gs_sha256_free(fh);
			return gs_error_set(err, e, "reading '%s'", src_path);
		}
		if (n == 0)
			break;
		gs_sha256_update(fh, buf, (size_t)n);
		total += n;
	}
	gs_digest_t d;
	gs_sha256_final(fh, &d);
	gs_sha256_free(fh);
	key_str(h, d.s);
	key_num(h, total);
	return 0;
}

int gs_layer_key(const gs_layer_t *l, const gs_layer_write_opts_t *o, const char *salt,
		 uint64_t max_file_bytes, gs_digest_t *key, gs_error_t *err)
{
	uint64_t file_bytes = 0;
	for (size_t i = 0; i < l->n; i++) {
		struct stat st;
		if (l->v[i]->kind != K_FILE)
			continue;
		if (stat(l->v[i]->src, &st) < 0)
			return gs_error_set(err, errno, "reading '%s'", l->v[i]->src);
		file_bytes += (uint64_t)st.st_size;
	}
	if (file_bytes > max_file_bytes)
		return 1;
	gs_sha256_t *h = gs_sha256_new();
	key_str(h, "gsimage-layer-key-v1");
	key_str(h, salt ? salt : "");
	/* The writer's libraries: another zstd (or libarchive's tar) may give
	 * other bytes.  gzip is pgzip over libdeflate. */
	/* archive_version_details() would name zstd too, but libarchive 3.6
	 * leaks its buffer on every call; Debian ships libzstd with
	 * libarchive, so the libarchive version stands for both */
	key_str(h, archive_version_string());
	key_str(h, gs_pgzip_version());
	key_str(h, gs_compression_name(o->compression));
	key_num(h, o->level);
	key_num(h, o->mtime);
	for (size_t i = 0; i < l->n; i++) {
		const struct lentry *e = l->v[i];
		key_num(h, e->kind);
		key_str(h, e->path);
		key_num(h, e->mode);
		key_num(h, e->uid);
		key_num(h, e->gid);
		switch (e->kind) {
		case K_DIR:
			break;
		case K_FILE:
			if ((e->content_id ? key_file_by_id(h, e->src, e->content_id, err)
					   : key_file(h, e->src, err)) < 0) {
				gs_sha256_free(h);
				return -1;
			}
			break;
		case K_DATA: {
			gs_digest_t d;
			gs_digest_buffer(e->data, e->len, &d);
			key_str(h, d.s);
			key_num(h, (long long)e->len);
			break;
		}
		case K_SYMLINK:
			key_str(h, e->target);
			break;
		}
	}
	gs_sha256_final(h, key);
	gs_sha256_free(h);
	return 0;
}

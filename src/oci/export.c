/* Single-file exports: docker-archive (what `docker load` and skopeo's
 * docker-archive: transport read) and oci-archive (a tar of the layout).
 *
 * Both go through one output: a libarchive pax-restricted tar writer (plain
 * ustar headers unless a field needs more) whose write callback appends to a
 * registered temp file next to the destination; commit fsyncs, renames and
 * fsyncs the directory, any failure removes the temp file.  Every entry has
 * mtime 0, uid/gid 0, no user/group names and a fixed mode.
 *
 * docker-archive layers must be uncompressed tars whose sha256 is the
 * config's diff_id, and a tar header needs the size first: each layer blob
 * is read twice through libarchive (raw format + the filter its mediaType
 * names).  The first pass measures it and checks the blob's digest and size
 * and the diff_id before anything is written; the second copies it into the
 * output, hashing again.  Nothing larger than a 64 KiB buffer is held in
 * memory for a layer. */
#include "gsimage/oci/export.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsimage/oci/mediatype.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/json.h"
#include "gsimage/util/xalloc.h"

#define COPY_CHUNK (64 * 1024)
#define EXPORT_TMP_PREFIX ".gsimage-export-"

/* ------------------------------------------------------------------ */
/* The output tar                                                       */

struct out {
	const char *final; /* borrowed */
	char *dir;
	char *tmp;
	int fd;
	struct archive *a;
	gs_error_t werr; /* what the write callback hit */
};

static la_ssize_t out_write_cb(struct archive *a, void *ctx, const void *buf, size_t len)
{
	struct out *o = ctx;
	if (gs_fs_write_all(o->fd, buf, len, o->final, &o->werr) < 0) {
		archive_set_error(a, o->werr.errnum ? o->werr.errnum : EIO, "%s", o->werr.msg);
		return -1;
	}
	return (la_ssize_t)len;
}

/* err from a failed libarchive call on the output: the write callback's own
 * error when it had one (it carries errno), else libarchive's message. */
static int out_fail(struct out *o, gs_error_t *err)
{
	if (o->werr.msg) {
		gs_error_release(err);
		*err = o->werr;
		o->werr = (gs_error_t)GS_ERROR_INIT;
		return -1;
	}
	const char *msg = archive_error_string(o->a);
	return gs_error_set(err, 0, "writing '%s': %s", o->final,
			    msg ? msg : "unknown libarchive error");
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static int out_open(struct out *o, const char *out_path, gs_error_t *err)
{
	memset(o, 0, sizeof(*o));
	o->final = out_path;
	o->fd = -1;
	o->dir = dir_of(out_path);
	o->fd = gs_tempfile_create(o->dir, EXPORT_TMP_PREFIX, &o->tmp, err);
	if (o->fd < 0)
		return gs_error_wrap(err, "writing '%s'", out_path);
	if (fchmod(o->fd, 0644) < 0)
		return gs_error_set(err, errno, "writing '%s'", o->tmp);
	o->a = archive_write_new();
	if (!o->a)
		abort();
	/* 10240-byte blocks for fewer write() calls, but no padding after the
	 * end-of-archive blocks */
	if (archive_write_set_format_pax_restricted(o->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(o->a, 10240) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(o->a, 1) != ARCHIVE_OK ||
	    archive_write_open(o->a, o, NULL, out_write_cb, NULL) != ARCHIVE_OK)
		return out_fail(o, err);
	return 0;
}

/* Drop everything; the temp file is removed.  Safe after a commit. */
static void out_release(struct out *o)
{
	if (o->a) {
		/* close even after a fatal error: it is what frees the write
		 * buffer (libarchive 3.6 leaks it when freed in the FATAL
		 * state); the end-of-archive it may write goes to a file that
		 * is removed just below */
		archive_write_close(o->a);
		archive_write_free(o->a);
		o->a = NULL;
	}
	if (o->tmp) {
		gs_tempfile_discard(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
	}
	if (o->fd >= 0) {
		close(o->fd);
		o->fd = -1;
	}
	free(o->dir);
	o->dir = NULL;
	gs_error_release(&o->werr);
}

static int out_commit(struct out *o, gs_error_t *err)
{
	if (archive_write_close(o->a) != ARCHIVE_OK)
		return out_fail(o, err);
	archive_write_free(o->a);
	o->a = NULL;
	int r = gs_tempfile_commit(o->fd, o->tmp, o->final, err);
	/* committed or discarded, the registry has forgotten it either way */
	free(o->tmp);
	o->tmp = NULL;
	if (r < 0)
		return -1;
	return gs_fs_fsync_dir(o->dir, err);
}

static int out_header(struct out *o, const char *name, mode_t type, unsigned perm, uint64_t size,
		      gs_error_t *err)
{
	struct archive_entry *e = archive_entry_new();
	if (!e)
		abort();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	if (type == AE_IFREG)
		archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_mtime(e, 0, 0);
	int r = archive_write_header(o->a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return out_fail(o, err);
	return 0;
}

static int out_data(struct out *o, const void *buf, size_t len, gs_error_t *err)
{
	la_ssize_t w = archive_write_data(o->a, buf, len);
	if (w < 0)
		return out_fail(o, err);
	if ((size_t)w != len)
		return gs_error_set(err, 0, "writing '%s': entry is larger than its header says",
				    o->final);
	return 0;
}

static int out_add_mem(struct out *o, const char *name, const void *data, size_t len,
		       gs_error_t *err)
{
	if (out_header(o, name, AE_IFREG, 0644, len, err) < 0)
		return -1;
	return len ? out_data(o, data, len, err) : 0;
}

/* ------------------------------------------------------------------ */
/* JSON helpers                                                         */

static json_t *load_json_blob(const gs_store_t *store, const gs_digest_t *d, const char *what,
			      char **raw, size_t *raw_len, gs_error_t *err)
{
	cleanup_free char *data = NULL;
	size_t len = 0;
	if (gs_store_read(store, d, &data, &len, err) < 0)
		return NULL;
	json_error_t jerr;
	json_t *j = json_loadb(data, len, 0, &jerr);
	if (!j) {
		gs_error_set(err, 0, "%s '%s' is not valid JSON: %s at line %d", what, d->s,
			     jerr.text, jerr.line);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		gs_error_set(err, 0, "%s '%s' is not a JSON object", what, d->s);
		return NULL;
	}
	if (raw) {
		*raw = data;
		data = NULL;
		*raw_len = len;
	}
	return j;
}

/* descriptor -> digest + size */
static int parse_descriptor(json_t *desc, const char *what, gs_digest_t *digest, uint64_t *size,
			    gs_error_t *err)
{
	json_t *d = json_object_get(desc, "digest");
	json_t *s = json_object_get(desc, "size");
	if (!json_is_object(desc) || !json_is_string(d) || !json_is_integer(s) ||
	    json_integer_value(s) < 0)
		return gs_error_set(err, 0, "%s has no valid digest and size", what);
	if (gs_digest_parse(json_string_value(d), digest, err) < 0)
		return gs_error_wrap(err, "%s", what);
	*size = (uint64_t)json_integer_value(s);
	return 0;
}

static const char *json_str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* ------------------------------------------------------------------ */
/* Reading a layer blob, decompressed                                   */

struct layer {
	gs_digest_t blob;
	uint64_t size;
	gs_compression_t compression;
	gs_digest_t diff_id;
	uint64_t tar_size; /* measured in the first pass */
	int dup;           /* same diff_id as an earlier layer: one tar entry */
	char name[GS_DIGEST_HEX_LEN + 5];
};

/* The compressed side: fd -> libarchive, counting (and hashing) the bytes. */
struct blob_src {
	int fd;
	gs_sha256_t *hash; /* or NULL */
	uint64_t nread;
	unsigned char buf[COPY_CHUNK];
};

static la_ssize_t blob_read_cb(struct archive *a, void *ctx, const void **buf)
{
	struct blob_src *s = ctx;
	ssize_t n;
	do
		n = read(s->fd, s->buf, sizeof(s->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	if (s->hash)
		gs_sha256_update(s->hash, s->buf, (size_t)n);
	s->nread += (uint64_t)n;
	*buf = s->buf;
	return n;
}

/* Hash what libarchive left unread (a reader may stop at the end of the
 * compressed stream), so the blob digest covers the whole file. */
static int blob_src_drain(struct blob_src *s, const char *path, gs_error_t *err)
{
	for (;;) {
		ssize_t n = read(s->fd, s->buf, sizeof(s->buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return gs_error_set(err, errno, "reading '%s'", path);
		}
		if (n == 0)
			return 0;
		if (s->hash)
			gs_sha256_update(s->hash, s->buf, (size_t)n);
		s->nread += (uint64_t)n;
	}
}

typedef int (*chunk_fn)(void *ctx, const void *data, size_t len, gs_error_t *err);

/* One streaming pass over a layer: the uncompressed bytes go to fn (may be
 * NULL); *tar_size and *tar_digest get their size and sha256.  With
 * check_blob, the blob's own digest and size are checked against the
 * manifest's descriptor. */
static int layer_pass(const gs_store_t *store, const struct layer *l, int check_blob,
		      chunk_fn fn, void *fn_ctx, uint64_t *tar_size, gs_digest_t *tar_digest,
		      gs_error_t *err)
{
	cleanup_free char *path = gs_store_blob_path(store, &l->blob);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gs_error_set(err, errno, "reading layer '%s'", l->blob.s);

	struct blob_src *src = xcalloc(1, sizeof(*src));
	src->fd = fd;
	src->hash = check_blob ? gs_sha256_new() : NULL;
	gs_sha256_t *tar_hash = gs_sha256_new();
	cleanup_free unsigned char *buf = xmalloc(COPY_CHUNK);
	struct archive *a = archive_read_new();
	if (!a)
		abort();
	int r = -1;
	int fr = ARCHIVE_OK;
	int want_filter = ARCHIVE_FILTER_NONE;
	if (l->compression == GS_COMPRESS_GZIP) {
		fr = archive_read_support_filter_gzip(a);
		want_filter = ARCHIVE_FILTER_GZIP;
	} else if (l->compression == GS_COMPRESS_ZSTD) {
		fr = archive_read_support_filter_zstd(a);
		want_filter = ARCHIVE_FILTER_ZSTD;
	}
	struct archive_entry *entry;
	uint64_t total = 0;
	if (fr != ARCHIVE_OK || archive_read_support_format_raw(a) != ARCHIVE_OK ||
	    archive_read_open(a, src, NULL, blob_read_cb, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(a, &entry) != ARCHIVE_OK) {
		const char *msg = archive_error_string(a);
		gs_error_set(err, 0, "reading layer '%s': %s", l->blob.s,
			     msg ? msg : "unknown libarchive error");
		goto out;
	}
	if (archive_filter_code(a, 0) != want_filter) {
		gs_error_set(err, 0,
			     "layer '%s' is not %s-compressed as its mediaType says (found %s)",
			     l->blob.s, gs_compression_name(l->compression),
			     archive_filter_name(a, 0));
		goto out;
	}
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, COPY_CHUNK);
		if (n == 0)
			break;
		if (n < 0) {
			const char *msg = archive_error_string(a);
			gs_error_set(err, 0, "reading layer '%s': %s", l->blob.s,
				     msg ? msg : "unknown libarchive error");
			goto out;
		}
		gs_sha256_update(tar_hash, buf, (size_t)n);
		total += (uint64_t)n;
		if (fn && fn(fn_ctx, buf, (size_t)n, err) < 0)
			goto out;
	}
	if (check_blob) {
		if (blob_src_drain(src, path, err) < 0)
			goto out;
		gs_digest_t got;
		gs_sha256_final(src->hash, &got);
		if (src->nread != l->size) {
			gs_error_set(err, 0,
				     "layer '%s' is %llu bytes but the manifest says %llu; "
				     "the layout is corrupted",
				     l->blob.s, (unsigned long long)src->nread,
				     (unsigned long long)l->size);
			goto out;
		}
		if (strcmp(got.s, l->blob.s) != 0) {
			gs_error_set(err, 0,
				     "blob '%s' is corrupted (its content hashes to '%s'); "
				     "remove '%s' and build again",
				     l->blob.s, got.s, path);
			goto out;
		}
	}
	gs_sha256_final(tar_hash, tar_digest);
	*tar_size = total;
	r = 0;
out:
	archive_read_free(a);
	gs_sha256_free(tar_hash);
	gs_sha256_free(src->hash);
	free(src);
	return r;
}

static int layer_to_out(void *ctx, const void *data, size_t len, gs_error_t *err)
{
	return out_data(ctx, data, len, err);
}

/* ------------------------------------------------------------------ */
/* docker-archive                                                       */

/* "reg/path:tag" -> repo + tag (owned); NULL repo when it is not one. */
static void split_repo_tag(const char *s, char **repo, char **tag)
{
	*repo = *tag = NULL;
	if (strchr(s, '@'))
		return;
	const char *slash = strrchr(s, '/');
	const char *colon = strrchr(slash ? slash : s, ':');
	if (!colon || colon == s || colon[1] == '\0' || (slash && colon == slash + 1))
		return;
	*repo = xstrndup(s, (size_t)(colon - s));
	*tag = xstrdup(colon + 1);
}

static int build_docker_json(const char *config_name, const gs_digest_t *config,
			     const gs_strvec_t *repo_tags, const struct layer *layers, size_t n,
			     char **manifest_out, char **repos_out, gs_error_t *err)
{
	cleanup_json json_t *tags = json_array();
	cleanup_json json_t *repos = json_object();
	cleanup_json json_t *lays = json_array();
	cleanup_json json_t *entry = json_object();
	cleanup_json json_t *top = json_array();
	if (!tags || !repos || !lays || !entry || !top)
		abort();
	cleanup_strvec gs_strvec_t seen = GS_STRVEC_INIT;
	for (size_t i = 0; repo_tags && i < repo_tags->n; i++) {
		const char *rt = repo_tags->v[i];
		if (gs_strvec_find(&seen, rt) >= 0)
			continue;
		gs_strvec_push(&seen, rt);
		cleanup_free char *repo = NULL;
		cleanup_free char *tag = NULL;
		split_repo_tag(rt, &repo, &tag);
		if (!repo)
			return gs_error_usage(err,
					      "'%s' is not a name:tag reference; a docker archive "
					      "needs tags like 'docker.io/library/app:latest'",
					      rt);
		json_t *js = json_string(rt);
		if (!js)
			return gs_error_usage(err, "tag '%s' is not valid UTF-8", rt);
		json_array_append_new(tags, js);
		json_t *r = json_object_get(repos, repo);
		if (!r) {
			r = json_object();
			json_object_set_new(repos, repo, r);
		}
		json_object_set_new(r, tag, json_string(gs_digest_hex(config)));
	}
	for (size_t i = 0; i < n; i++)
		json_array_append_new(lays, json_string(layers[i].name));
	json_object_set_new(entry, "Config", json_string(config_name));
	json_object_set(entry, "RepoTags", tags);
	json_object_set(entry, "Layers", lays);
	json_array_append(top, entry);
	*manifest_out = json_dumps(top, JSON_COMPACT);
	*repos_out = json_dumps(repos, JSON_COMPACT);
	if (!*manifest_out || !*repos_out)
		abort();
	return 0;
}

static int docker_plan(const gs_store_t *store, const gs_digest_t *manifest, char **config_raw,
		       size_t *config_len, gs_digest_t *config, struct layer **layers_out,
		       size_t *n_out, gs_error_t *err)
{
	cleanup_json json_t *mf = load_json_blob(store, manifest, "manifest", NULL, NULL, err);
	if (!mf)
		return -1;
	const char *mt = json_str(mf, "mediaType");
	if (json_object_get(mf, "manifests") || gs_mediatype_is_index(mt))
		return gs_error_set(err, 0,
				    "'%s' is an image index, not a manifest; a docker archive "
				    "holds one platform's image, pick its manifest",
				    manifest->s);
	if (mt && !gs_mediatype_is_manifest(mt))
		return gs_error_set(err, 0, "manifest '%s' has unknown mediaType '%s'",
				    manifest->s, mt);

	uint64_t config_size = 0;
	if (parse_descriptor(json_object_get(mf, "config"), "manifest config", config,
			     &config_size, err) < 0)
		return gs_error_wrap(err, "manifest '%s'", manifest->s);
	cleanup_free char *raw = NULL;
	size_t raw_len = 0;
	cleanup_json json_t *cfg = load_json_blob(store, config, "config", &raw, &raw_len, err);
	if (!cfg)
		return -1;
	if (raw_len != config_size)
		return gs_error_set(err, 0,
				    "config '%s' is %zu bytes but the manifest says %llu; "
				    "the layout is corrupted",
				    config->s, raw_len, (unsigned long long)config_size);

	json_t *jl = json_object_get(mf, "layers");
	json_t *diff_ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
	if (!json_is_array(jl))
		return gs_error_set(err, 0, "manifest '%s' has no layers array", manifest->s);
	if (!json_is_array(diff_ids))
		return gs_error_set(err, 0, "config '%s' has no rootfs.diff_ids", config->s);
	size_t n = json_array_size(jl);
	if (json_array_size(diff_ids) != n)
		return gs_error_set(err, 0,
				    "manifest '%s' has %zu layers but its config has %zu diff_ids",
				    manifest->s, n, json_array_size(diff_ids));

	struct layer *layers = xcalloc(n ? n : 1, sizeof(*layers));
	for (size_t i = 0; i < n; i++) {
		struct layer *l = &layers[i];
		json_t *desc = json_array_get(jl, i);
		char what[64];
		snprintf(what, sizeof(what), "layer %zu", i + 1);
		const char *lmt = json_str(desc, "mediaType");
		if (parse_descriptor(desc, what, &l->blob, &l->size, err) < 0)
			goto fail;
		if (!gs_mediatype_layer_compression(lmt, &l->compression)) {
			gs_error_set(err, 0,
				     "layer '%s' has mediaType '%s', which a docker archive "
				     "cannot carry",
				     l->blob.s, lmt ? lmt : "(none)");
			goto fail;
		}
		const char *di = json_string_value(json_array_get(diff_ids, i));
		if (!di || gs_digest_parse(di, &l->diff_id, err) < 0) {
			if (!di)
				gs_error_set(err, 0, "not a string");
			gs_error_wrap(err, "config '%s': diff_id %zu", config->s, i + 1);
			goto fail;
		}
		snprintf(l->name, sizeof(l->name), "%s.tar", gs_digest_hex(&l->diff_id));
		for (size_t j = 0; j < i; j++)
			if (strcmp(layers[j].diff_id.s, l->diff_id.s) == 0)
				l->dup = 1;

		gs_digest_t got;
		if (layer_pass(store, l, 1, NULL, NULL, &l->tar_size, &got, err) < 0)
			goto fail;
		if (strcmp(got.s, l->diff_id.s) != 0) {
			gs_error_set(err, 0,
				     "layer '%s' uncompresses to '%s' but the config's diff_id "
				     "is '%s'; the image is corrupted",
				     l->blob.s, got.s, l->diff_id.s);
			goto fail;
		}
	}
	*config_raw = raw;
	raw = NULL;
	*config_len = raw_len;
	*layers_out = layers;
	*n_out = n;
	return 0;
fail:
	free(layers);
	return -1;
}

int gs_export_docker_archive(const gs_store_t *store, const gs_digest_t *manifest,
			     const gs_strvec_t *repo_tags, const char *out_path, gs_error_t *err)
{
	cleanup_free char *config_raw = NULL;
	size_t config_len = 0;
	gs_digest_t config;
	cleanup_free struct layer *layers = NULL;
	size_t n = 0;
	if (docker_plan(store, manifest, &config_raw, &config_len, &config, &layers, &n, err) <
	    0)
		return gs_error_wrap(err, "exporting '%s' as a docker archive", manifest->s);

	char config_name[GS_DIGEST_HEX_LEN + 6];
	snprintf(config_name, sizeof(config_name), "%s.json", gs_digest_hex(&config));
	cleanup_free char *manifest_json = NULL;
	cleanup_free char *repos_json = NULL;
	if (build_docker_json(config_name, &config, repo_tags, layers, n, &manifest_json,
			      &repos_json, err) < 0)
		return -1;

	struct out o;
	int r = -1;
	if (out_open(&o, out_path, err) < 0 ||
	    out_add_mem(&o, "manifest.json", manifest_json, strlen(manifest_json), err) < 0 ||
	    out_add_mem(&o, "repositories", repos_json, strlen(repos_json), err) < 0 ||
	    out_add_mem(&o, config_name, config_raw, config_len, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct layer *l = &layers[i];
		if (l->dup)
			continue;
		uint64_t size = 0;
		gs_digest_t got;
		if (out_header(&o, l->name, AE_IFREG, 0644, l->tar_size, err) < 0 ||
		    layer_pass(store, l, 0, layer_to_out, &o, &size, &got, err) < 0)
			goto out;
		if (size != l->tar_size || strcmp(got.s, l->diff_id.s) != 0) {
			gs_error_set(err, 0, "layer '%s' changed while it was being exported",
				     l->blob.s);
			goto out;
		}
	}
	r = out_commit(&o, err);
out:
	out_release(&o);
	if (r < 0)
		gs_error_wrap(err, "exporting '%s' as a docker archive", manifest->s);
	return r;
}

/* ------------------------------------------------------------------ */
/* oci-archive                                                          */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Copy one regular file; with expect (a blobs/sha256 name) check its digest. */
static int add_file(struct out *o, const char *path, const char *name, int fd,
		    const struct stat *st, const char *expect_hex, gs_error_t *err)
{
	if (out_header(o, name, AE_IFREG, 0644, (uint64_t)st->st_size, err) < 0)
		return -1;
	cleanup_free unsigned char *buf = xmalloc(COPY_CHUNK);
	gs_sha256_t *h = expect_hex ? gs_sha256_new() : NULL;
	uint64_t total = 0;
	int r = -1;
	for (;;) {
		ssize_t n = read(fd, buf, COPY_CHUNK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			gs_error_set(err, errno, "reading '%s'", path);
			goto out;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > (uint64_t)st->st_size)
			break;
		if (h)
			gs_sha256_update(h, buf, (size_t)n);
		if (out_data(o, buf, (size_t)n, err) < 0)
			goto out;
	}
	if (total != (uint64_t)st->st_size) {
		gs_error_set(err, 0, "'%s' changed size while it was being archived", path);
		goto out;
	}
	if (h) {
		gs_digest_t got;
		gs_sha256_final(h, &got);
		if (strcmp(gs_digest_hex(&got), expect_hex) != 0) {
			gs_error_set(err, 0,
				     "blob 'sha256:%s' is corrupted (its content hashes to '%s'); "
				     "remove '%s' and build again",
				     expect_hex, got.s, path);
			goto out;
		}
	}
	r = 0;
out:
	gs_sha256_free(h);
	return r;
}

/* Directory rel (under the layout root) and everything below it, children
 * sorted by name after their parent; dot-files are skipped. */
static int add_tree(struct out *o, const char *root, const char *rel, int depth,
		    gs_error_t *err)
{
	cleanup_free char *path = gs_path_join(root, rel);
	if (depth > 8)
		return gs_error_set(err, 0, "'%s' is nested too deep for an OCI layout", path);
	if (out_header(o, rel, AE_IFDIR, 0755, 0, err) < 0)
		return -1;
	DIR *d = opendir(path);
	if (!d)
		return gs_error_set(err, errno, "reading directory '%s'", path);
	cleanup_strvec gs_strvec_t names = GS_STRVEC_INIT;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			gs_strvec_push(&names, de->d_name);
	int e = errno;
	closedir(d);
	if (e)
		return gs_error_set(err, e, "reading directory '%s'", path);
	if (names.n)
		qsort(names.v, names.n, sizeof(names.v[0]), cmp_str);
	int in_sha256 = strcmp(rel, "blobs/sha256") == 0;
	for (size_t i = 0; i < names.n; i++) {
		cleanup_free char *crel = x_asprintf("%s/%s", rel, names.v[i]);
		cleanup_free char *cpath = gs_path_join(root, crel);
		struct stat st;
		if (lstat(cpath, &st) < 0)
			return gs_error_set(err, errno, "reading '%s'", cpath);
		if (S_ISDIR(st.st_mode)) {
			if (add_tree(o, root, crel, depth + 1, err) < 0)
				return -1;
			continue;
		}
		if (!S_ISREG(st.st_mode))
			return gs_error_set(err, 0,
					    "'%s' is not a regular file or directory; an OCI "
					    "layout holds only those",
					    cpath);
		cleanup_close int fd = open(cpath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			return gs_error_set(err, errno, "reading '%s'", cpath);
		if (fstat(fd, &st) < 0)
			return gs_error_set(err, errno, "reading '%s'", cpath);
		if (!S_ISREG(st.st_mode))
			return gs_error_set(err, 0, "'%s' is not a regular file", cpath);
		const char *expect = in_sha256 && gs_digest_hex_valid(names.v[i]) ? names.v[i] : NULL;
		if (add_file(o, cpath, crel, fd, &st, expect, err) < 0)
			return -1;
	}
	return 0;
}

int gs_export_oci_archive(const gs_store_t *store, const char *out_path, gs_error_t *err)
{
	const char *root = gs_store_dir(store);
	cleanup_free char *index_path = gs_path_join(root, "index.json");
	cleanup_free char *layout_path = gs_path_join(root, "oci-layout");
	cleanup_free char *index = NULL;
	cleanup_free char *layout = NULL;
	size_t index_len = 0, layout_len = 0;
	/* index.json first: every blob it names is on disk before it is */
	if (gs_fs_read_file(index_path, &index, &index_len, err) < 0 ||
	    gs_fs_read_file(layout_path, &layout, &layout_len, err) < 0)
		return gs_error_wrap(err, "exporting layout '%s'", root);
	json_error_t jerr;
	json_t *j = json_loadb(index, index_len, 0, &jerr);
	if (!j)
		return gs_error_set(err, 0,
				    "exporting layout '%s': index.json is not valid JSON: %s at "
				    "line %d",
				    root, jerr.text, jerr.line);
	json_decref(j);

	struct out o;
	int r = -1;
	if (out_open(&o, out_path, err) < 0 || add_tree(&o, root, "blobs", 0, err) < 0 ||
	    out_add_mem(&o, "index.json", index, index_len, err) < 0 ||
	    out_add_mem(&o, "oci-layout", layout, layout_len, err) < 0)
		goto out;
	r = out_commit(&o, err);
out:
	out_release(&o);
	if (r < 0)
		gs_error_wrap(err, "exporting layout '%s'", root);
	return r;
}

/* Single-file exports: docker-archive (what `docker load` and skopeo's
 * docker-archive: transport read) and oci-archive (a tar of the layout).
 * Both are written through tarout.h (atomic, deterministic tar) and read
 * the layout through blobread.h (every blob verified).
 *
 * docker-archive layers must be uncompressed tars whose sha256 is the
 * config's diff_id, and a tar header needs the size first: each layer blob
 * is read twice.  The first pass measures it and checks the blob's digest
 * and size and the diff_id before anything is written; the second copies
 * it into the output, checking them again. */
#include "gsimage/oci/export.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsimage/oci/blobread.h"
#include "gsimage/oci/tarout.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/json.h"
#include "gsimage/util/xalloc.h"

#define COPY_CHUNK (64 * 1024)

struct layer {
	const gs_blob_desc_t *blob; /* in the gs_blob_image_t */
	const gs_digest_t *diff_id; /* in the gs_blob_image_t */
	uint64_t tar_size;          /* measured in the first pass */
	int dup;                    /* same diff_id as an earlier layer: one tar entry */
	char name[GS_DIGEST_HEX_LEN + 5];
};

static int layer_to_out(void *ctx, const void *data, size_t len, gs_error_t *err)
{
	return gs_tarout_data(ctx, data, len, err);
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
		gs_json_set(r, tag, json_string(gs_digest_hex(config)));
	}
	for (size_t i = 0; i < n; i++)
		json_array_append_new(lays, json_string(layers[i].name));
	gs_json_set(entry, "Config", json_string(config_name));
	json_object_set(entry, "RepoTags", tags);
	json_object_set(entry, "Layers", lays);
	json_array_append(top, entry);
	*manifest_out = gs_json_dump(top, GS_JSON_COMPACT, NULL);
	*repos_out = gs_json_dump(repos, GS_JSON_COMPACT, NULL);
	return 0;
}

/* Read and check everything before a byte is written: the manifest and
 * its config (blobread.h), and each layer, measured. */
static int docker_plan(const gs_store_t *store, const gs_digest_t *manifest,
		       gs_blob_image_t *img, struct layer **layers_out, gs_error_t *err)
{
	gs_blob_desc_t md = {NULL, *manifest, GS_BLOB_SIZE_ANY};
	cleanup_json json_t *mf = gs_blob_read_json(store, &md, "manifest", NULL, NULL, err);
	if (!mf)
		return -1;
	if (gs_blob_json_is_index(mf))
		return gs_error_set(err, 0,
				    "'%s' is an image index, not a manifest; a docker archive "
				    "holds one platform's image, pick its manifest",
				    manifest->s);
	if (gs_blob_read_image(store, &md, mf, img, err) < 0)
		return -1;
	size_t n = img->n_layers;
	struct layer *layers = xcalloc(n ? n : 1, sizeof(*layers));
	for (size_t i = 0; i < n; i++) {
		struct layer *l = &layers[i];
		l->blob = &img->layers[i];
		l->diff_id = &img->diff_ids[i];
		snprintf(l->name, sizeof(l->name), "%s.tar", gs_digest_hex(l->diff_id));
		for (size_t j = 0; j < i; j++)
			if (strcmp(layers[j].diff_id->s, l->diff_id->s) == 0)
				l->dup = 1;
		if (gs_blob_read_layer(store, l->blob, l->diff_id, NULL, NULL, &l->tar_size, NULL,
				       err) < 0) {
			free(layers);
			return -1;
		}
	}
	*layers_out = layers;
	return 0;
}

int gs_export_docker_archive(const gs_store_t *store, const gs_digest_t *manifest,
			     const gs_strvec_t *repo_tags, const char *out_path, gs_error_t *err)
{
	gs_blob_image_t img = GS_BLOB_IMAGE_INIT;
	cleanup_free struct layer *layers = NULL;
	if (docker_plan(store, manifest, &img, &layers, err) < 0) {
		gs_blob_image_release(&img);
		return gs_error_wrap(err, "exporting '%s' as a docker archive", manifest->s);
	}

	const gs_digest_t *config = &img.config_desc.digest;
	char config_name[GS_DIGEST_HEX_LEN + 6];
	snprintf(config_name, sizeof(config_name), "%s.json", gs_digest_hex(config));
	cleanup_free char *manifest_json = NULL;
	cleanup_free char *repos_json = NULL;
	gs_tarout_t *o = NULL;
	int r = -1;
	if (build_docker_json(config_name, config, repo_tags, layers, img.n_layers,
			      &manifest_json, &repos_json, err) < 0) {
		gs_blob_image_release(&img);
		return -1;
	}
	if (gs_tarout_open(out_path, &o, err) < 0 ||
	    gs_tarout_add_mem(o, "manifest.json", manifest_json, strlen(manifest_json), err) < 0 ||
	    gs_tarout_add_mem(o, "repositories", repos_json, strlen(repos_json), err) < 0 ||
	    gs_tarout_add_mem(o, config_name, img.config_raw, img.config_len, err) < 0)
		goto out;
	for (size_t i = 0; i < img.n_layers; i++) {
		const struct layer *l = &layers[i];
		if (l->dup)
			continue;
		uint64_t size = 0;
		if (gs_tarout_header(o, l->name, GS_TAROUT_FILE, l->tar_size, err) < 0 ||
		    gs_blob_read_layer(store, l->blob, l->diff_id, layer_to_out, o, &size, NULL,
				       err) < 0)
			goto out;
		if (size != l->tar_size) {
			gs_error_set(err, 0, "layer '%s' changed while it was being exported",
				     l->blob->digest.s);
			goto out;
		}
	}
	r = gs_tarout_commit(o, err);
out:
	gs_tarout_free(o);
	gs_blob_image_release(&img);
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

/* Copy a file that is not a sha256 blob (nothing to check it against). */
static int add_plain_file(gs_tarout_t *o, const char *path, const char *name, int fd,
			  const struct stat *st, gs_error_t *err)
{
	if (gs_tarout_header(o, name, GS_TAROUT_FILE, (uint64_t)st->st_size, err) < 0)
		return -1;
	cleanup_free unsigned char *buf = xmalloc(COPY_CHUNK);
	uint64_t total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, COPY_CHUNK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return gs_error_set(err, errno, "reading '%s'", path);
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > (uint64_t)st->st_size)
			break;
		if (gs_tarout_data(o, buf, (size_t)n, err) < 0)
			return -1;
	}
	if (total != (uint64_t)st->st_size)
		return gs_error_set(err, 0, "'%s' changed size while it was being archived", path);
	return 0;
}

/* Copy blobs/sha256/<hex> through the verified reader: it must hash to its
 * name, at the size it had when the directory was listed. */
static int add_blob(gs_tarout_t *o, const gs_store_t *store, const char *hex, const char *name,
		    const struct stat *st, gs_error_t *err)
{
	gs_digest_t d;
	snprintf(d.s, sizeof(d.s), "sha256:%s", hex);
	gs_blob_reader_t *r = NULL;
	if (gs_blob_reader_open(store, &d, (uint64_t)st->st_size, NULL, &r, err) < 0)
		return -1;
	cleanup_free unsigned char *buf = xmalloc(COPY_CHUNK);
	int ret = -1;
	if (gs_tarout_header(o, name, GS_TAROUT_FILE, (uint64_t)st->st_size, err) < 0)
		goto out;
	ssize_t n;
	while ((n = gs_blob_reader_read(r, buf, COPY_CHUNK, err)) > 0)
		if (gs_tarout_data(o, buf, (size_t)n, err) < 0)
			goto out;
	if (n < 0 || gs_blob_reader_finish(r, err) < 0)
		goto out;
	ret = 0;
out:
	gs_blob_reader_free(r);
	return ret;
}

/* Directory rel (under the layout root) and everything below it, children
 * sorted by name after their parent; dot-files are skipped. */
static int add_tree(gs_tarout_t *o, const gs_store_t *store, const char *rel, int depth,
		    gs_error_t *err)
{
	const char *root = gs_store_dir(store);
	cleanup_free char *path = gs_path_join(root, rel);
	if (depth > 8)
		return gs_error_set(err, 0, "'%s' is nested too deep for an OCI layout", path);
	if (gs_tarout_header(o, rel, GS_TAROUT_DIR, 0, err) < 0)
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
			if (add_tree(o, store, crel, depth + 1, err) < 0)
				return -1;
			continue;
		}
		if (!S_ISREG(st.st_mode))
			return gs_error_set(err, 0,
					    "'%s' is not a regular file or directory; an OCI "
					    "layout holds only those",
					    cpath);
		if (in_sha256 && gs_digest_hex_valid(names.v[i])) {
			if (add_blob(o, store, names.v[i], crel, &st, err) < 0)
				return -1;
			continue;
		}
		cleanup_close int fd = open(cpath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			return gs_error_set(err, errno, "reading '%s'", cpath);
		if (fstat(fd, &st) < 0)
			return gs_error_set(err, errno, "reading '%s'", cpath);
		if (!S_ISREG(st.st_mode))
			return gs_error_set(err, 0, "'%s' is not a regular file", cpath);
		if (add_plain_file(o, cpath, crel, fd, &st, err) < 0)
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

	gs_tarout_t *o = NULL;
	int r = -1;
	if (gs_tarout_open(out_path, &o, err) < 0 || add_tree(o, store, "blobs", 0, err) < 0 ||
	    gs_tarout_add_mem(o, "index.json", index, index_len, err) < 0 ||
	    gs_tarout_add_mem(o, "oci-layout", layout, layout_len, err) < 0)
		goto out;
	r = gs_tarout_commit(o, err);
out:
	gs_tarout_free(o);
	if (r < 0)
		gs_error_wrap(err, "exporting layout '%s'", root);
	return r;
}

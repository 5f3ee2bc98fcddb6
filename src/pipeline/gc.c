/* gsimage gc: mark every blob index.json reaches, sweep the rest.
 *
 * Mark.  Each entry of index.json is a root, except a referrers-fallback
 * tag (sha256-<hex>), which lives while its subject does.  A descriptor is followed (its
 * blob read and parsed) when it stands where a manifest stands (an entry of
 * index.json or of an index's "manifests", a "subject") or when its media
 * type is a manifest or index type, OCI's or Docker's; everything else
 * (configs, layers, unknown media types) is kept as named and not read.  In a
 * followed document, "config", "layers", "blobs", "manifests" and "subject"
 * are descriptors whatever its media type says.  A document of a media type
 * gsimage does not know may refer to blobs in fields it does not know
 * either, so every "sha256:<hex>" string anywhere in it is kept too.
 * Whatever cannot be decided stops gc before it removes anything: a blob to
 * follow that is missing, corrupted (gs_blob_read checks its digest), too
 * big for a manifest, not a JSON object, or not sha256; a descriptor
 * without a valid digest.
 *
 * Sweep.  Under both locks (see gc.h), drop the stale referrers tags from
 * index.json (atomically), then list blobs/sha256, unlink what is
 * not marked, fsync the directory once at the end.  Every unlink removes an
 * unreachable blob, so a crash between any two leaves a valid layout. */
#include "gsimage/pipeline/gc.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gsimage/oci/digest.h"
#include "gsimage/oci/image.h"
#include "gsimage/oci/layout.h"
#include "gsimage/oci/mediatype.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/json.h"
#include "gsimage/util/xalloc.h"

/* Registries refuse manifests over 4 MiB; a blob to follow that is bigger
 * is not one, and gc will not guess. */
#define MAX_MANIFEST_SIZE (4u * 1024 * 1024)
/* Indexes of indexes of ...: deeper than this is not a real layout. */
#define MAX_DEPTH 32


struct mark {
	const gs_store_t *store;
	json_t *live;     /* digest -> true: keep */
	json_t *followed; /* digest -> true: read and walked */
};

/* Media types whose blobs refer to other blobs in the fields walked below
 * (parameters such as "; charset=utf-8" ignored). */
static int is_manifest_type(const char *mt)
{
	static const char *const types[] = {GS_MT_INDEX, GS_MT_MANIFEST,
					    GS_MT_DOCKER_MANIFEST_LIST, GS_MT_DOCKER_MANIFEST,
					    GS_MT_OCI_ARTIFACT_MANIFEST};
	if (!mt)
		return 0;
	size_t n = strcspn(mt, "; \t");
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strlen(types[i]) == n && strncmp(mt, types[i], n) == 0)
			return 1;
	return 0;
}

static int is_sha256(const char *s)
{
	if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != GS_DIGEST_STR_LEN)
		return 0;
	for (const char *p = s + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}

/* "algo:encoded" of some other algorithm: a blob gc never touches. */
static int is_other_digest(const char *s)
{
	const char *colon = strchr(s, ':');
	if (!colon || colon == s || !colon[1])
		return 0;
	for (const char *p = s; p < colon; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("+._-", *p)))
			return 0;
	return strncmp(s, "sha256:", 7) != 0;
}

static void set_true(json_t *set, const char *key)
{
	if (json_object_set_new(set, key, json_true()) < 0)
		abort(); /* out of memory: keys are checked ASCII */
}

/* Keep every sha256 digest written anywhere in v (a document of a media
 * type gsimage does not know). */
static void keep_digest_strings(struct mark *m, json_t *v)
{
	if (json_is_string(v)) {
		if (is_sha256(json_string_value(v)))
			set_true(m->live, json_string_value(v));
	} else if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach (v, k, x)
			keep_digest_strings(m, x);
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach (v, i, x)
			keep_digest_strings(m, x);
	}
}

static int mark_desc(struct mark *m, json_t *desc, int manifest_position, const char *where,
		     int depth, gs_error_t *err);

/* The descriptors of a followed document.  owner names it in messages. */
static int walk_doc(struct mark *m, json_t *doc, const char *owner, int depth, gs_error_t *err)
{
	static const struct {
		const char *key;
		int is_array, manifest_position;
	} fields[] = {
		{"config", 0, 0},    {"layers", 1, 0},  {"blobs", 1, 0},
		{"manifests", 1, 1}, {"subject", 0, 1},
	};
	for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
		json_t *v = json_object_get(doc, fields[f].key);
		if (!v || json_is_null(v))
			continue;
		if (!fields[f].is_array) {
			cleanup_free char *where = x_asprintf("%s %s", owner, fields[f].key);
			if (mark_desc(m, v, fields[f].manifest_position, where, depth, err) < 0)
				return -1;
			continue;
		}
		if (!json_is_array(v))
			return gs_error_set(err, 0, "%s: \"%s\" is not an array", owner,
					    fields[f].key);
		size_t i;
		json_t *d;
		json_array_foreach (v, i, d) {
			cleanup_free char *where = x_asprintf("%s %s[%zu]", owner, fields[f].key, i);
			if (mark_desc(m, d, fields[f].manifest_position, where, depth, err) < 0)
				return -1;
		}
	}
	return 0;
}

/* Read, check and parse the blob of a descriptor that must be followed. */
static json_t *read_doc(struct mark *m, const gs_digest_t *d, const char *where, gs_error_t *err)
{
	cleanup_free char *path = gs_store_blob_path(m->store, d);
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			gs_error_set(err, 0, "%s: blob '%s' is missing", where, d->s);
		else
			gs_error_set(err, errno, "%s: reading blob '%s'", where, d->s);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		gs_error_set(err, 0, "%s: '%s' is not a regular file", where, path);
		return NULL;
	}
	if ((uint64_t)st.st_size > MAX_MANIFEST_SIZE) {
		gs_error_set(err, 0, "%s: blob '%s' is %llu bytes, too big for a manifest", where,
			     d->s, (unsigned long long)st.st_size);
		return NULL;
	}
	cleanup_free char *data = NULL;
	size_t len = 0;
	if (gs_blob_read(m->store, d, GS_BLOB_SIZE_ANY, MAX_MANIFEST_SIZE, "manifest", &data, &len,
			 err) < 0) {
		gs_error_wrap(err, "%s", where);
		return NULL;
	}
	json_error_t jerr;
	json_t *doc = json_loadb(data, len, 0, &jerr);
	if (!doc) {
		gs_error_set(err, 0, "%s: blob '%s' is not valid JSON (%s)", where, d->s, jerr.text);
		return NULL;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		gs_error_set(err, 0, "%s: blob '%s' is not a JSON object", where, d->s);
		return NULL;
	}
	return doc;
}

static int mark_desc(struct mark *m, json_t *desc, int manifest_position, const char *where,
		     int depth, gs_error_t *err)
{
	if (!json_is_object(desc))
		return gs_error_set(err, 0, "%s is not a descriptor", where);
	const char *mt = json_string_value(json_object_get(desc, "mediaType"));
	const char *ds = json_string_value(json_object_get(desc, "digest"));
	int follow = manifest_position || is_manifest_type(mt);
	if (!ds)
		return gs_error_set(err, 0, "%s has no digest", where);
	if (!is_sha256(ds)) {
		if (is_other_digest(ds) && !follow)
			return 0; /* in blobs/<algorithm>/, which gc never touches */
		if (is_other_digest(ds))
			return gs_error_set(err, 0,
					    "%s: cannot follow '%s', gc knows only sha256 blobs",
					    where, ds);
		return gs_error_set(err, 0, "%s has an invalid digest '%s'", where, ds);
	}
	set_true(m->live, ds);
	if (!follow || json_object_get(m->followed, ds))
		return 0;
	if (depth >= MAX_DEPTH)
		return gs_error_set(err, 0, "%s: manifests nested more than %d deep", where,
				    MAX_DEPTH);
	set_true(m->followed, ds);
	gs_digest_t d;
	memcpy(d.s, ds, GS_DIGEST_STR_LEN + 1);
	cleanup_json json_t *doc = read_doc(m, &d, where, err);
	if (!doc)
		return -1;
	const char *own_mt = json_string_value(json_object_get(doc, "mediaType"));
	if (!is_manifest_type(mt) && !is_manifest_type(own_mt))
		keep_digest_strings(m, doc);
	cleanup_free char *owner = x_asprintf("'%s'", ds);
	return walk_doc(m, doc, owner, depth + 1, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "sha256-<64 hex>" naming an image index: a referrers-fallback tag; or
 * cosign's "sha256-<64 hex>.sig" / ".att" naming a manifest (sign.c). */
static int is_referrers_tag(const char *ref, json_t *desc)
{
	const char *mt = json_string_value(json_object_get(desc, "mediaType"));
	if (!ref || strncmp(ref, "sha256-", 7) != 0 || strlen(ref) < 7 + GS_DIGEST_HEX_LEN || !mt)
		return 0;
	const char *tail = ref + 7 + GS_DIGEST_HEX_LEN;
	if (!(*tail == '\0' && strcmp(mt, GS_MT_INDEX) == 0) &&
	    !((strcmp(tail, ".sig") == 0 || strcmp(tail, ".att") == 0) &&
	      strcmp(mt, GS_MT_MANIFEST) == 0))
		return 0;
	return strspn(ref + 7, "0123456789abcdef") >= GS_DIGEST_HEX_LEN;
}

int gs_gc_mark(const gs_store_t *store, gs_strvec_t *live, gs_strvec_t *stale, gs_error_t *err)
{
	cleanup_free char *path = gs_path_join(gs_store_dir(store), "index.json");
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return gs_error_set(err, 0, "'%s' is missing; without it every blob "
					    "would look unused", path);
		return gs_error_set(err, errno, "reading '%s'", path);
	}
	/* the same checks and message as every other command */
	if (gs_layout_check(store, err) < 0)
		return -1;
	cleanup_free char *data = NULL;
	size_t len = 0;
	if (gs_fs_read_file(path, &data, &len, err) < 0)
		return -1;
	json_error_t jerr;
	cleanup_json json_t *root = json_loadb(data, len, 0, &jerr);
	if (!root)
		return gs_error_set(err, 0, "'%s' is corrupted (invalid JSON: %s)", path,
				    jerr.text);

	struct mark m = {store, json_object(), json_object()};
	int r = 0;
	json_t *ms = json_object_get(root, "manifests");
	size_t i;
	json_t *d;
	size_t n = json_array_size(ms);
	char *pending = xcalloc(n ? n : 1, 1); /* referrers tags not marked yet */
	json_array_foreach (ms, i, d) {
		const char *ref = json_string_value(
			json_object_get(json_object_get(d, "annotations"), GS_ANN_REF_NAME));
		if (is_referrers_tag(ref, d)) {
			pending[i] = 1;
			continue;
		}
		cleanup_free char *where = ref ? x_asprintf("tag '%s'", ref)
					       : x_asprintf("index.json manifests[%zu]", i);
		if ((r = mark_desc(&m, d, 1, where, 0, err)) < 0)
			break;
	}
	/* A referrers tag lives while its subject does; referrers may have
	 * referrers of their own, so go round until nothing changes. */
	for (int changed = 1; r == 0 && changed;) {
		changed = 0;
		json_array_foreach (ms, i, d) {
			if (!pending[i])
				continue;
			const char *ref = json_string_value(json_object_get(
				json_object_get(d, "annotations"), GS_ANN_REF_NAME));
			cleanup_free char *subject = x_asprintf("sha256:%.64s", ref + 7);
			if (!json_object_get(m.live, subject))
				continue;
			pending[i] = 0;
			changed = 1;
			cleanup_free char *where = x_asprintf("tag '%s'", ref);
			if ((r = mark_desc(&m, d, 1, where, 0, err)) < 0)
				break;
		}
	}
	json_array_foreach (ms, i, d)
		if (r == 0 && pending[i] && stale)
			gs_strvec_push(stale, json_string_value(json_object_get(
						      json_object_get(d, "annotations"),
						      GS_ANN_REF_NAME)));
	free(pending);
	/* anything else index.json itself refers to (a subject, say) */
	if (r == 0) {
		json_object_del(root, "manifests");
		r = walk_doc(&m, root, "index.json", 0, err);
	}
	if (r == 0) {
		const char *k;
		json_t *v;
		json_object_foreach (m.live, k, v)
			gs_strvec_push(live, k);
		if (live->n)
			qsort(live->v, live->n, sizeof *live->v, cmp_str);
	}
	json_decref(m.live);
	json_decref(m.followed);
	return r;
}

void gs_gc_result_release(gs_gc_result_t *res)
{
	free(res->removed);
	memset(res, 0, sizeof *res);
}

static int is_live(const gs_strvec_t *live, const char *digest)
{
	return live->n && bsearch(&digest, live->v, live->n, sizeof *live->v, cmp_str) != NULL;
}

/* Called under both locks. */
static int sweep(gs_store_t *store, const gs_gc_opts_t *o, gs_gc_result_t *res, gs_error_t *err)
{
	cleanup_strvec gs_strvec_t live = GS_STRVEC_INIT;
	cleanup_strvec gs_strvec_t stale = GS_STRVEC_INIT;
	if (gs_gc_mark(store, &live, &stale, err) < 0) {
		char *old = err->msg;
		err->msg = x_asprintf("%s; gc removed nothing", old);
		free(old);
		return -1;
	}
	/* The tags first: a crash after this leaves blobs nothing refers to,
	 * never a tag whose blobs are gone. */
	res->n_stale_tags = stale.n;
	if (!o->dry_run && gs_layout_remove_tags(store, &stale, err) < 0)
		return -1;
	gs_store_blob_t *blobs = NULL;
	size_t n = 0;
	if (gs_store_list_blobs(store, &blobs, &n, err) < 0)
		return -1;
	res->removed = xcalloc(n ? n : 1, sizeof *res->removed);
	int r = 0;
	for (size_t i = 0; i < n; i++) {
		if (is_live(&live, blobs[i].digest.s)) {
			res->n_live++;
			res->live_bytes += blobs[i].size;
			continue;
		}
		if (!o->dry_run && (r = gs_store_remove_blob(store, &blobs[i].digest, err)) < 0)
			break;
		res->removed[res->n_removed++] = blobs[i];
		res->removed_bytes += blobs[i].size;
	}
	free(blobs);
	if (!o->dry_run && res->n_removed) {
		gs_error_t sync_err = GS_ERROR_INIT;
		int s = gs_store_sync_blobs(store, r < 0 ? &sync_err : err);
		gs_error_release(&sync_err);
		if (s < 0)
			r = -1;
	}
	if (r < 0 && res->n_removed)
		gs_error_wrap(err, "after removing %zu unused blob%s", res->n_removed,
			      res->n_removed == 1 ? "" : "s");
	return r;
}

int gs_gc(const char *dir, const gs_gc_opts_t *o, gs_gc_result_t *res, gs_error_t *err)
{
	memset(res, 0, sizeof *res);
	gs_store_t *store = NULL;
	if (gs_store_open(dir, 0, &store, err) < 0)
		return -1;
	int hold = -1, locked = 0, r;
	r = gs_store_gc_lock(store, 1, 1, &hold, err);
	if (r == 1) {
		if (o->progress) {
			cleanup_free char *line =
				x_asprintf("waiting for the builds writing to '%s' to finish", dir);
			o->progress(o->progress_ctx, line);
		}
		r = gs_store_gc_lock(store, 1, 0, &hold, err);
	}
	if (r == 0) {
		r = gs_store_lock(store, err);
		locked = r == 0;
	}
	if (r == 0)
		r = sweep(store, o, res, err);
	if (locked)
		gs_store_unlock(store);
	gs_store_gc_unlock(hold);
	gs_store_free(store);
	if (r < 0)
		gs_gc_result_release(res);
	return r;
}

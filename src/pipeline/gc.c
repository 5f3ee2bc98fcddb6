/* gsimage gc: mark every blob index.json reaches, sweep the rest.
 *
 * Mark.  The layout walker (oci/walk.h) goes from each entry of index.json;
 * a referrers-fallback tag (sha256-<hex>) is no root of its own but is
 * reached from its subject, so it lives while its subject does.  Whatever
 * the walk reaches is live.  A document of a media type gsimage does not
 * know may refer to blobs in fields it does not know either, so every
 * "sha256:<hex>" string anywhere in it is kept too.  Whatever the walk
 * cannot decide (a blob to follow that is missing, corrupted, too big, not
 * a JSON object or not sha256; a descriptor without a valid digest) stops
 * gc before it removes anything.
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
#include "gsimage/oci/walk.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/json.h"
#include "gsimage/util/xalloc.h"

struct mark {
	json_t *live;     /* digest -> true: keep */
	json_t *reached;  /* referrers tag -> true: its subject is live */
};

static int is_sha256(const char *s)
{
	if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != GS_DIGEST_STR_LEN)
		return 0;
	for (const char *p = s + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}

/* Keep every sha256 digest written anywhere in v (a document of a media
 * type gsimage does not know). */
static void keep_digest_strings(struct mark *m, json_t *v)
{
	if (json_is_string(v)) {
		if (is_sha256(json_string_value(v)))
			gs_json_set(m->live, json_string_value(v), json_true());
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

/* A visit of the walk: everything it reaches is live; a blob in another
 * algorithm's folder is one gc never touches. */
static int mark(void *ctx, const gs_walk_node_t *n, gs_error_t *err)
{
	(void)err;
	struct mark *m = ctx;
	if (!is_sha256(n->digest))
		return 0;
	gs_json_set(m->live, n->digest, json_true());
	if (n->role == GS_WALK_REFERRERS)
		gs_json_set(m->reached, n->tag, json_true());
	const char *own_mt = json_string_value(json_object_get(n->doc, "mediaType"));
	if (n->doc && !gs_walk_is_manifest_type(n->media_type) && !gs_walk_is_manifest_type(own_mt))
		keep_digest_strings(m, n->doc);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
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
	gs_tag_list_t tags = {0};
	if (gs_layout_read_tags(store, &tags, err) < 0)
		return -1;
	/* A referrers tag is no root: it lives while its subject does, as a
	 * registry drops the referrers of a deleted manifest. */
	struct mark m = {json_object(), json_object()};
	gs_walk_t w = GS_WALK_INIT(store, &tags, mark, &m);
	int r = gs_walk_layout(&w, err);
	gs_walk_release(&w);
	for (size_t i = 0; r == 0 && stale && i < tags.n; i++)
		if (gs_walk_is_referrers_tag(tags.v[i].ref_name, tags.v[i].media_type) &&
		    !json_object_get(m.reached, tags.v[i].ref_name))
			gs_strvec_push(stale, tags.v[i].ref_name);
	if (r == 0) {
		const char *k;
		json_t *v;
		json_object_foreach (m.live, k, v)
			gs_strvec_push(live, k);
		if (live->n)
			qsort(live->v, live->n, sizeof *live->v, cmp_str);
	}
	gs_tag_list_release(&tags);
	json_decref(m.live);
	json_decref(m.reached);
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
	gs_lock_t hold = GS_LOCK_INIT;
	int locked = 0;
	int r = gs_store_gc_lock(store, GS_LOCK_EXCLUSIVE | GS_LOCK_TRY, &hold, err);
	if (r == 1) {
		gs_progress(&o->progress, "waiting for the builds writing to '%s' to finish", dir);
		r = gs_store_gc_lock(store, GS_LOCK_EXCLUSIVE, &hold, err);
	}
	if (r == 0) {
		r = gs_store_lock(store, err);
		locked = r == 0;
	}
	if (r == 0)
		r = sweep(store, o, res, err);
	if (locked)
		gs_store_unlock(store);
	gs_lock_release(&hold);
	gs_store_free(store);
	if (r < 0)
		gs_gc_result_release(res);
	return r;
}

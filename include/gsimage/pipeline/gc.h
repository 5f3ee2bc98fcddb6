/* `gsimage gc`: remove the blobs of a layout that nothing in index.json
 * reaches.  Every entry of index.json is a root, tagged or not, gsimage's or
 * another tool's; from each, indexes (nested too), manifests, configs,
 * layers, artifact blobs and the subject of artifacts are followed.  A blob
 * that may refer to others but cannot be read (missing, corrupted, not
 * JSON, not sha256) stops gc before anything is removed.
 *
 * Locking: gc holds the layout's gc lock exclusively (builds hold it
 * shared from opening the layout to setting their tags, see blobstore.h)
 * and the index.json lock, so it waits for running builds and no build
 * starts writing or reusing blobs until it is done.  It only ever removes
 * unreachable blobs, one unlink each, and syncs blobs/sha256 at the end: a
 * crash at any point leaves a valid layout with every tag intact. */
#ifndef GSIMAGE_PIPELINE_GC_H
#define GSIMAGE_PIPELINE_GC_H

#include <stddef.h>
#include <stdint.h>

#include "gsimage/oci/blobstore.h"
#include "gsimage/util/error.h"
#include "gsimage/util/progress.h"
#include "gsimage/util/strvec.h"

typedef struct gs_gc_opts {
	int dry_run; /* find what would be removed, remove nothing */
	/* gets one line ("waiting for ...") when gc has to wait for a build */
	gs_progress_t progress;
} gs_gc_opts_t;

typedef struct gs_gc_result {
	gs_store_blob_t *removed; /* removed (dry run: to remove), digest order */
	size_t n_removed;
	uint64_t removed_bytes;
	size_t n_live; /* blobs present and reachable */
	size_t n_stale_tags; /* referrers-fallback tags whose image is gone */
	uint64_t live_bytes;
} gs_gc_result_t;

void gs_gc_result_release(gs_gc_result_t *res);

/* The sha256 digests ("sha256:<hex>") reachable from the layout's
 * index.json, sorted, whether or not their blobs are present (a layer may
 * legitimately be absent).  Takes no lock: call it under the locks to act
 * on the answer.  A missing or corrupted index.json, a manifest or index
 * that is missing, corrupted or not a JSON object, a descriptor without a
 * valid digest, or one that must be followed but is not sha256, is an
 * error.
 *
 * A referrers-fallback tag ("sha256-<hex>", an image index) is no root of
 * its own: it lives while the manifest sha256:<hex> it is about does, as a
 * registry drops the referrers of a deleted manifest.  Those whose subject
 * is gone are added to stale (may be NULL): gc removes them from
 * index.json first, then the blobs only they reached. */
int gs_gc_mark(const gs_store_t *store, gs_strvec_t *live, gs_strvec_t *stale, gs_error_t *err);

/* Collect the garbage of the layout at dir (which must exist). */
int gs_gc(const char *dir, const gs_gc_opts_t *opts, gs_gc_result_t *res, gs_error_t *err);

#endif

/* The layer cache: what goes into a layer (gs_layer_key()) -> the finished
 * layer's descriptor, so an unchanged layer already in the target layout is
 * reused without tarring, compressing or hashing its input again.
 *
 * Entries live in util/cache (kind "layer", keyed by the layer key; the
 * value is the descriptor and its compression).  An entry is only a hint: a reused blob must be in the layout as a regular file of the
 * recorded size whose content hashes to its name (the verified blob reader
 * checks it), or the layer is written again.  An entry that does not parse,
 * or fails the cache's self-check, is ignored with a warning.  Deleting
 * the directory is always safe.  The caller holds the layout's gc lock
 * (gs_build() does), so a verified blob stays until the image refers to it. */
#ifndef GSIMAGE_PIPELINE_LAYERCACHE_H
#define GSIMAGE_PIPELINE_LAYERCACHE_H

#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/layer.h"
#include "gsimage/util/progress.h"


typedef struct gs_layercache {
	const char *dir; /* gsimage's cache directory; NULL: no cache (every lookup misses) */
	gs_progress_t warn; /* where a warning line goes */
} gs_layercache_t;

/* 1 with *info filled when key's layer is in store and intact; 0 when not
 * (a miss: write the layer).  Never fails: trouble is a warning and a
 * miss. */
int gs_layercache_lookup(const gs_layercache_t *c, gs_store_t *store,
			 const gs_digest_t *key, gs_compression_t compression,
			 gs_layer_info_t *info);

/* Remember key -> info (best effort: a cache that cannot be written is
 * only slower). */
void gs_layercache_record(const gs_layercache_t *c, const gs_digest_t *key,
			  const gs_layer_info_t *info);

/* Where key's entry is (exposed for tests).  Owned. */
char *gs_layercache_entry_path(const gs_layercache_t *c, const gs_digest_t *key);

#endif

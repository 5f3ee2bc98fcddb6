/* `gsimage gc --cache`: prune gsimage's cache directory, every cache one
 * way: what was not used for longer than a threshold goes.
 *   entries/<kind>/<name>  util/cache entries (a hit refreshes mtime)
 *   out/<key>/             stable outputs; the mtime of out/<key>/lock is
 *                          the last build's.  A key whose lock a running
 *                          build holds is never removed (try-lock, skip)
 *   golist/ goversion/ sbom/ layers/, zig/<16 hex>
 *                          entries of the caches' older formats
 * Not pruned: zig's own cache (zig/, but for those entries), the CC
 * wrappers (cc/, tiny, and rewritten only when they change) and go's work
 * directories (out/tmp/, reaped by every build). */
#ifndef GSIMAGE_PIPELINE_CACHEGC_H
#define GSIMAGE_PIPELINE_CACHEGC_H

#include <stddef.h>
#include <stdint.h>

#include "gsimage/util/error.h"

typedef struct gs_cachegc_opts {
	const char *cache_dir;
	int64_t older_than; /* seconds; 0: everything not in use now */
	int dry_run;
} gs_cachegc_opts_t;

typedef struct gs_cachegc_result {
	size_t n_removed, n_kept, n_busy; /* busy: held by a running build */
	uint64_t removed_bytes, kept_bytes;
} gs_cachegc_result_t;

/* A missing cache directory is an empty one.  Fails only when the cache
 * directory cannot be read; what cannot be removed is kept. */
int gs_cachegc(const gs_cachegc_opts_t *o, gs_cachegc_result_t *res, gs_error_t *err);

#endif

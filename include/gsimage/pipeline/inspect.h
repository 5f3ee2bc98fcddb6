/* Reading an image back out of a layout for `gsimage inspect`: tags,
 * platforms, digests, layer sizes and a config summary. */
#ifndef GSIMAGE_PIPELINE_INSPECT_H
#define GSIMAGE_PIPELINE_INSPECT_H

#include "gsimage/oci/blobstore.h"
#include "gsimage/util/error.h"

/* Describe every tag in the layout (or only ref_name when not NULL) as text
 * (as_json == 0) or as a JSON document.  *out is owned by the caller.
 * Everything is read through the verified reader (oci/blobread.h): a blob
 * whose size or digest is not its descriptor's, a JSON blob over
 * GS_BLOB_JSON_MAX and a layer whose diff_id does not match are errors.
 * Indexes inside indexes are followed (8 deep at most).  Each distinct
 * blob is read once, and each layer decompressed once, however many tags
 * point at it. */
int gs_inspect(const gs_store_t *store, const char *ref_name, int as_json, char **out,
	       gs_error_t *err);

/* `gsimage inspect DIR[:REF]`: open the layout read-only and describe it
 * (gs_target_split() says how DIR:REF splits). */
int gs_inspect_target(const char *target, int as_json, char **out, gs_error_t *err);

#endif

/* Reading an image back out of a layout for `gsimage inspect`: tags,
 * platforms, digests, layer sizes and a config summary. */
#ifndef GSIMAGE_PIPELINE_INSPECT_H
#define GSIMAGE_PIPELINE_INSPECT_H

#include "gsimage/oci/blobstore.h"
#include "gsimage/util/error.h"

/* Describe every tag in the layout (or only ref_name when not NULL) as text
 * (as_json == 0) or as a JSON document.  *out is owned by the caller.
 * Layer sizes uncompressed are read by decompressing each layer once. */
int gs_inspect(const gs_store_t *store, const char *ref_name, int as_json, char **out,
	       gs_error_t *err);

/* `gsimage inspect DIR[:REF]`: open the layout read-only and describe it
 * (gs_target_split() says how DIR:REF splits). */
int gs_inspect_target(const char *target, int as_json, char **out, gs_error_t *err);

#endif

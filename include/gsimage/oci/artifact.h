/* OCI 1.1 artifacts that refer to an image (SBOMs): an image manifest with
 * an artifactType, the empty config and a `subject`; and the referrers
 * fallback of the distribution spec, an image index tagged
 * "sha256-<hex of the subject digest>" that lists them, for layouts and
 * registries without a referrers API.  JSON only (jansson, compact, fixed
 * key order): the store and the tags are the caller's. */
#ifndef GSIMAGE_OCI_ARTIFACT_H
#define GSIMAGE_OCI_ARTIFACT_H

#include <stddef.h>
#include <stdint.h>

#include "gsimage/oci/digest.h"
#include "gsimage/oci/mediatype.h"
#include "gsimage/util/error.h"

/* The empty config's content, "{}". */
#define GS_EMPTY_JSON "{}"

typedef struct gs_artifact_desc {
	const char *media_type;
	gs_digest_t digest;
	uint64_t size;
	const char *artifact_type; /* index entries: the artifact's type, or NULL */
	const char *title;         /* org.opencontainers.image.title, or NULL */
	const char *created;       /* org.opencontainers.image.created, or NULL */
} gs_artifact_desc_t;

/* {schemaVersion, mediaType, artifactType, config (the empty descriptor,
 * with its data inline), layers [layer], subject, annotations?}; owned. */
char *gs_artifact_manifest_json(const char *artifact_type, const gs_artifact_desc_t *layer,
				const gs_artifact_desc_t *subject, const char *created,
				size_t *len);

/* The fallback index over the referrers (each with its artifactType and
 * annotations); owned. */
char *gs_referrers_index_json(const gs_artifact_desc_t *referrers, size_t n, size_t *len);

/* The referrers listed in a fallback index (text need not end in NUL).
 * Strings in *out point into *keep, which the caller json_decref()s. */
int gs_referrers_index_parse(const char *text, size_t len, gs_artifact_desc_t **out,
			     size_t *n, void **keep, gs_error_t *err);

/* "sha256-<hex>": the fallback tag of a subject; owned. */
char *gs_referrers_tag(const gs_digest_t *subject);

#endif

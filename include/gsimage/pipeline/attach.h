/* Attaching documents (SBOMs) to an image manifest the OCI 1.1 way: each
 * document becomes an artifact manifest whose subject is the image, and the
 * subject's referrers-fallback tag "sha256-<hex>" in index.json lists them
 * (layouts and bookworm's registry have no referrers API; skopeo needs every
 * index.json entry tagged). */
#ifndef GSIMAGE_PIPELINE_ATTACH_H
#define GSIMAGE_PIPELINE_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/digest.h"
#include "gsimage/util/error.h"

typedef struct gs_attachment {
	const char *artifact_type; /* "application/spdx+json" */
	const char *title;         /* file name, e.g. "sbom.spdx.json" */
	const char *data;          /* the document */
	size_t len;
} gs_attachment_t;

/* Write each attachment (blob, empty config, artifact manifest) and add the
 * artifact manifests to the subject's fallback index, keeping referrers
 * already there; the tag moves last.  created (may be NULL) is the
 * artifacts' org.opencontainers.image.created.  manifests[i] gets the
 * digest of attachment i's artifact manifest (may be NULL). */
int gs_attach(gs_store_t *store, const gs_digest_t *subject, uint64_t subject_size,
	      const gs_attachment_t *docs, size_t n, const char *created, gs_digest_t *manifests,
	      gs_error_t *err);

/* gs_attach() to a subject of media type subject_type (an image index:
 * GS_MT_INDEX); gs_attach() is this with GS_MT_MANIFEST. */
int gs_attach_typed(gs_store_t *store, const char *subject_type, const gs_digest_t *subject,
		    uint64_t subject_size, const gs_attachment_t *docs, size_t n,
		    const char *created, gs_digest_t *manifests, gs_error_t *err);

#endif

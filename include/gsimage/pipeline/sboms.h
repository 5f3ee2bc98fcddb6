/* The SBOM stage: for each platform image, an SPDX 2.3 and a CycloneDX 1.5
 * document (sbom/) with the Go side from the binary's build info and the C
 * side from the toolchain that linked it (the exact musl, the C compiler
 * and its version, the cgo packages, the C flags), attached to the image
 * manifest as OCI 1.1 artifacts (attach.h) and, with a directory given,
 * written there too. */
#ifndef GSIMAGE_PIPELINE_SBOMS_H
#define GSIMAGE_PIPELINE_SBOMS_H

#include <stdint.h>

#include "gsimage/oci/blobstore.h"
#include "gsimage/pipeline/binaries.h"
#include "gsimage/pipeline/pack.h"
#include "gsimage/util/error.h"

enum { GS_SBOM_SPDX = 1, GS_SBOM_CYCLONEDX = 2 };
#define GS_SBOM_DEFAULT (GS_SBOM_SPDX | GS_SBOM_CYCLONEDX)

/* "spdx,cyclonedx", "spdx", "cyclonedx" or "none" -> bits; usage error
 * naming the choices. */
int gs_sbom_formats_parse(const char *s, int *formats, gs_error_t *err);

typedef struct gs_sboms_opts {
	int formats;            /* GS_SBOM_* bits; 0: none */
	const char *dir;        /* also write <name>-<platform>.{spdx,cdx}.json here */
	int64_t epoch;          /* SOURCE_DATE_EPOCH */
	const char *cgo_cflags; /* CGO_CFLAGS as go build saw it, or NULL */
	const char *optimize;   /* the C optimisation mode, or NULL */
	const char *tags;       /* go build -tags, for the cgo package list */
} gs_sboms_opts_t;

/* Make and attach the documents for every image in packed (binaries[i]
 * made packed->images[i]).  The fallback tags move; the image's own tags
 * are the caller's. */
int gs_sboms_attach(gs_store_t *store, const gs_sboms_opts_t *o, const gs_binaries_t *bins,
		    const gs_pack_result_t *packed, gs_error_t *err);

/* `gsimage sbom`: the document of one format (GS_SBOM_SPDX or
 * GS_SBOM_CYCLONEDX) attached to the image tagged ref, for platform (NULL:
 * the only one, else the host's); *doc owned, read through the verified
 * reader. */
int gs_sboms_read(const char *layout_dir, const char *ref, const gs_platform_t *platform,
		  int format, char **doc, size_t *len, gs_error_t *err);

#endif

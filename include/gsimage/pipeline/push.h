/* Pushing a tagged image from a layout to a registry, through skopeo (its
 * authentication and TLS handling are used as they are, never redone):
 * `skopeo copy --all --preserve-digests`, first the image with every
 * platform, then each referrers-fallback tag (sha256-<hex>, the SBOMs and
 * other artifacts attached to the image or its platform manifests) that
 * the layout holds.  The layout is only read.  skopeo 1.9 cannot keep the
 * artifactType of a fallback index's descriptors: the registry gets its
 * rewrite of that index (same artifact manifests, same digests for them). */
#ifndef GSIMAGE_PIPELINE_PUSH_H
#define GSIMAGE_PIPELINE_PUSH_H

#include "gsimage/util/error.h"
#include "gsimage/util/progress.h"
#include "gsimage/util/strvec.h"

typedef struct gs_push_request {
	const char *layout_dir;
	const char *ref;      /* the tag in the layout */
	const char *dest;     /* "registry.example.com/app[:tag]" */
	int insecure;         /* plain HTTP or unverified TLS to the registry */
	const char *authfile; /* skopeo --dest-authfile, or NULL */
	const char *creds;    /* skopeo --dest-creds USER[:PASSWORD], or NULL */
	const char *skopeo;   /* the skopeo to run (GSIMAGE_SKOPEO), or NULL: PATH */
	gs_progress_t progress;
} gs_push_request_t;

/* skopeo's argv for copying src ("oci:DIR:REF") to dest ("docker://...");
 * a pure function. */
void gs_push_skopeo_argv(const gs_push_request_t *req, const char *skopeo, const char *src,
			 const char *dest, int preserve_digests, gs_strvec_t *argv);

/* "registry:5000/team/app" from "registry:5000/team/app:v1" (a tag is the
 * part after the last ':' that follows the last '/'); owned. */
char *gs_push_repository(const char *dest);

/* Push; *pushed gets "DEST@sha256:<hex>" (owned).  A missing skopeo, an
 * unreachable registry and refused credentials are one-line errors that
 * say which. */
int gs_push(const gs_push_request_t *req, char **pushed, gs_error_t *err);

#endif

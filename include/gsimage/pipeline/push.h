/* Pushing a tagged image from a layout to a registry, through skopeo (its
 * authentication and TLS handling are used as they are, never redone):
 * `skopeo copy --all --preserve-digests`, first the image with every
 * platform, then each referrers-fallback tag (sha256-<hex>, the SBOMs and
 * other artifacts attached to the image or its platform manifests) that
 * the layout holds.  skopeo 1.9 cannot keep the artifactType of a fallback
 * index's descriptors: the registry gets its rewrite of that index (same
 * artifact manifests, same digests for them).
 *
 * What is sent cannot move: under the layout's gc lock, the tag is read
 * once and the blobs reachable from that digest (and from its fallback
 * tags) are hard-linked (else cloned, else copied) into a private layout
 * in the temp directory, whose path has no ':' (skopeo splits oci:A:B at
 * the first one); skopeo reads only that, and it is removed after.  A
 * rebuild of the tag during the push changes nothing that is sent.  The
 * user's layout is only read. */
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
	/* push exactly this manifest or index ("sha256:<hex>", which must be in
	 * the layout) whatever ref names now; NULL: the one ref names */
	const char *digest;
	/* skopeo --command-timeout for each skopeo run, a Go duration checked
	 * by gs_push_duration_ok() ("0": none); NULL: GS_PUSH_TIMEOUT */
	const char *timeout;
	const char *tmp_dir;  /* where the snapshot goes (TMPDIR); NULL: /tmp */
	gs_progress_t progress;
} gs_push_request_t;

#define GS_PUSH_TIMEOUT "10m"

/* Is s a duration as Go's time.ParseDuration (and so skopeo) reads it:
 * [0-9]+(.[0-9]*)?(ns|us|µs|ms|s|m|h), repeated, or "0"; no sign. */
int gs_push_duration_ok(const char *s);

/* What can be checked before any work: the destination and skopeo (a
 * missing one is the same error gs_push() gives).  dest may be NULL. */
int gs_push_check(const gs_push_request_t *req, const char *dest, gs_error_t *err);

/* skopeo's argv for copying src ("oci:DIR:REF") to dest ("docker://...");
 * a pure function. */
void gs_push_skopeo_argv(const gs_push_request_t *req, const char *skopeo, const char *src,
			 const char *dest, int preserve_digests, gs_strvec_t *argv);

/* "registry:5000/team/app" from "registry:5000/team/app:v1" (a tag is the
 * part after the last ':' that follows the last '/'); owned. */
char *gs_push_repository(const char *dest);

/* Push; *pushed gets "DEST@sha256:<hex>" (owned), the digest sent.  A
 * missing skopeo, an unreachable or silent registry, missing or refused
 * credentials are one-line errors that name the registry. */
int gs_push(const gs_push_request_t *req, char **pushed, gs_error_t *err);

#endif

/* The signing stage: for the image index and every platform manifest,
 *   - cosign's simple-signing signature, in the manifest tagged
 *     "sha256-<hex>.sig" (every cosign version verifies it);
 *   - the same as a sigstore bundle v0.3 (a DSSE envelope over an in-toto
 *     Statement, predicate https://sigstore.dev/cosign/sign/v1), attached
 *     as an OCI 1.1 referrer under the "sha256-<hex>" fallback tag;
 *   - with build facts, SLSA v1 provenance in a DSSE envelope, in the
 *     manifest tagged "sha256-<hex>.att" and as a bundle referrer.
 * A signature already there for the same payload that the key verifies is
 * kept, not made again (ECDSA signatures differ on every run): an unchanged
 * rebuild leaves the layout byte-identical.  And the offline check of all
 * of it against a public key (gsimage verify-image). */
#ifndef GSIMAGE_PIPELINE_SIGN_H
#define GSIMAGE_PIPELINE_SIGN_H

#include <stddef.h>

#include "gsimage/oci/blobstore.h"
#include "gsimage/pipeline/binaries.h"
#include "gsimage/pipeline/pack.h"
#include "gsimage/sign/key.h"
#include "gsimage/util/error.h"
#include "gsimage/util/strvec.h"

#define GS_SIGN_SIG_SUFFIX ".sig"
#define GS_SIGN_ATT_SUFFIX ".att"

/* A key for signing, loaded before any work (key.h says what is refused);
 * the CLI gives the passphrase source. */
int gs_sign_open_key(const char *path, gs_sign_password_fn password, void *ctx,
		     gs_sign_key_t **key, gs_error_t *err);
int gs_sign_open_public(const char *path, gs_sign_key_t **key, gs_error_t *err);

typedef struct gs_sign_stage_opts {
	const gs_sign_key_t *key; /* NULL: the stage does nothing; borrowed */
	gs_strvec_t flags;        /* the user's command line, for the provenance */
	const char *cache_dir;    /* remembers the C compiler's digest, or NULL */
} gs_sign_stage_opts_t;

/* gsimage build: sign what was just packed and attest how it was built.
 * name is the image's repository (the payloads' docker-reference). */
int gs_sign_build(gs_store_t *store, const gs_sign_stage_opts_t *o, const gs_binaries_t *bins,
		  const gs_pack_result_t *packed, const char *name, gs_error_t *err);

/* gsimage sign: sign the image tagged ref (its signatures only; provenance
 * is made only by the build that knows the facts).  The tag itself and
 * every other entry of index.json stay as they are. */
int gs_sign_tagged(const char *layout_dir, const char *ref, const gs_sign_key_t *key,
		   gs_error_t *err);

/* gsimage verify-image: one finding per thing checked. */
typedef struct gs_sign_finding {
	char *subject; /* "sha256:..." */
	char *what;    /* "signature (.sig)", "signature (bundle)", "provenance (.att)", ... */
	int ok;
	char *why;     /* when not ok */
} gs_sign_finding_t;

typedef struct gs_sign_report {
	gs_sign_finding_t *v;
	size_t n;
	size_t n_bad;
	size_t n_subjects;
} gs_sign_report_t;

/* Check every signature and provenance statement of the image tagged ref
 * (index and platform manifests) against key: each subject needs a .sig
 * signature that verifies; every .sig layer, .att envelope and bundle
 * present must verify and name the subject.  0 with the report filled in
 * (rep->n_bad says whether it passed); -1 when the layout cannot be read. */
int gs_sign_verify(const char *layout_dir, const char *ref, const gs_sign_key_t *key,
		   gs_sign_report_t *rep, gs_error_t *err);
void gs_sign_report_release(gs_sign_report_t *rep);
/* The report as lines, or as one JSON document; owned. */
char *gs_sign_report_text(const gs_sign_report_t *rep, int as_json);

#endif

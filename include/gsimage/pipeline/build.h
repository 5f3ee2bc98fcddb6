/* The build pipeline that `build` and `pack` (and later push and resolve)
 * share: binaries (compiled, or given) -> verify -> layers, config and
 * manifest per platform -> image index -> archives and output files ->
 * tags, last.  The policy lives here: the default tag, the standard
 * annotations, the essentials defaults and the reaping of work directories.
 * cli/ fills a request and prints the result; nothing here prints. */
#ifndef GSIMAGE_PIPELINE_BUILD_H
#define GSIMAGE_PIPELINE_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "gsimage/pipeline/pack.h"
#include "gsimage/pipeline/push.h"
#include "gsimage/pipeline/sign.h"
#include "gsimage/platform/platform.h"
#include "gsimage/toolchain/compile.h"
#include "gsimage/util/error.h"
#include "gsimage/util/strvec.h"

typedef struct gs_build_request {
	/* The binaries: compile.package is compiled for compile.platforms,
	 * unless prebuilt files are given (pack); then compile.platforms, when
	 * platforms_given, names each file's platform in order.  gs_build()
	 * sets stable outputs and the check on its own copy of compile. */
	gs_compile_opts_t compile;
	const char *const *prebuilt;
	size_t n_prebuilt;
	int platforms_given;
	const char *name; /* pack --name; NULL: from the package or the binary */

	/* The image.  gs_build() derives image.name, .annotations,
	 * .essentials, .adds and .cache in a copy of its own: the request is
	 * never written, so one request can build several programs (resolve). */
	gs_pack_opts_t image;
	gs_strvec_t add_specs;   /* --add SRC:DST */
	const char *ca_certs;    /* --ca-certs, or NULL for the host's bundle */
	int no_ca_certs;
	int tzdata;
	gs_strvec_t annotations; /* --annotation K=V, over the standard ones */

	/* Where it goes. */
	const char *layout_dir;
	gs_strvec_t tags;        /* -t; none: "<name>:latest" */
	const char *digest_file, *metadata_file;
	const char *docker_archive, *docker_platform, *oci_archive;
	const char *cache_dir;   /* work directories live in <cache_dir>/work */

	/* SBOMs: GS_SBOM_* formats (sboms.h; default both), --sbom-dir, and
	 * what the documents record of the C build. */
	int sbom_formats;
	const char *sbom_dir;
	const char *cgo_cflags; /* CGO_CFLAGS from the environment, or NULL */

	/* --sign-key: sign and attest after the SBOMs (sign.h); key NULL:
	 * unsigned.  The key and flags are the caller's. */
	gs_sign_stage_opts_t sign;

	/* --push DEST: after tagging, push the first tag there.  gs_build()
	 * fills in push.layout_dir, .ref and .dest. */
	const char *push_dest;
	gs_push_request_t push;
} gs_build_request_t;

/* A request with the defaults: layout "oci", gzip at the default level,
 * cgo auto, gc, zig, package ".". */
void gs_build_request_init(gs_build_request_t *req);
void gs_build_request_release(gs_build_request_t *req);

typedef struct gs_build_result {
	gs_pack_result_t image;  /* the top digest and every platform's image */
	gs_strvec_t tags;        /* the tags set, as given */
	char *pushed;            /* --push: "DEST@sha256:...", else NULL */
} gs_build_result_t;

void gs_build_result_release(gs_build_result_t *res);

/* Does one of the output files go to stdout ('-')?  Then what the caller
 * prints goes to stderr, so that output stays a clean stream. */
int gs_build_stdout_taken(const gs_build_request_t *req);

/* Run the pipeline into req->layout_dir: check everything that can be
 * checked before compiling (option combinations, output files, the CA
 * bundle, every --add tree, the tags), open the layout, get the binaries,
 * pack, write the outputs, tag, push.  The tags move last, after every
 * blob and output file is written.  Each step lets go of what it holds on
 * failure; a new layout is created only once there is an image for it.
 * Progress goes to req->compile.progress. */
int gs_build(const gs_build_request_t *req, gs_build_result_t *res, gs_error_t *err);

/* --metadata-file JSON: tags, top digest and media type, per-platform
 * manifest/config digests and layer sizes.  Owned string. */
char *gs_build_metadata_json(const gs_build_result_t *res);

#endif

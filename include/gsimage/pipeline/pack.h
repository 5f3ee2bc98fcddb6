/* The pack stage: verified binaries -> layers, config, manifest per
 * platform, and an image index over them, all written into the blob store.
 * Tagging is the caller's (layout.h). */
#ifndef GSIMAGE_PIPELINE_PACK_H
#define GSIMAGE_PIPELINE_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/layer.h"
#include "gsimage/pipeline/layercache.h"
#include "gsimage/pipeline/rootfs.h"
#include "gsimage/platform/platform.h"
#include "gsimage/util/error.h"
#include "gsimage/util/strvec.h"

typedef struct gs_pack_binary {
	const gs_platform_t *platform;
	const char *path; /* verified static binary on disk */
	const char *build_id; /* what identifies its content when gsimage
				 linked it at a stable path (the Go that built
				 it and its Go build ID: the layer key uses
				 it), or NULL */
} gs_pack_binary_t;

typedef struct gs_pack_opts {
	const char *name;          /* program name (history, title annotation) */
	const char *binary_path;   /* in the image; NULL: /usr/local/bin/<name> */
	gs_compression_t compression;
	int level;                 /* -1: library default */
	int64_t epoch;             /* created, history and tar mtimes */
	gs_strvec_t entrypoint;    /* empty: [binary_path] */
	gs_strvec_t cmd;
	gs_strvec_t env;           /* "K=V", after the default PATH */
	const char *user;          /* NULL: 65532:65532 */
	const char *workdir;       /* NULL: / */
	gs_strvec_t labels;        /* "K=V" */
	gs_strvec_t exposed_ports; /* "8080/tcp" */
	const char *stop_signal;
	gs_strvec_t annotations;   /* "K=V", on every manifest and the index */
	int bare;                  /* no essentials layer: the binary alone */
	gs_essentials_opts_t essentials;
	gs_layercache_t cache;     /* reuse of unchanged layers (dir NULL: none);
				      borrowed */
	gs_layer_t *adds;          /* the --add files (gs_adds_layer()), or NULL;
				      copied into every app layer; owned */
} gs_pack_opts_t;

typedef struct gs_packed_image {
	const gs_platform_t *platform;
	gs_digest_t manifest;
	uint64_t manifest_size;
	gs_digest_t config;
	uint64_t config_size;
	gs_layer_info_t *layers;
	size_t n_layers;
} gs_packed_image_t;

typedef struct gs_pack_result {
	gs_digest_t top;        /* the index with several platforms, else the manifest */
	const char *top_media_type;
	uint64_t top_size;
	gs_packed_image_t *images;
	size_t n_images;
} gs_pack_result_t;

int gs_pack(gs_store_t *store, const gs_pack_opts_t *opts, const gs_pack_binary_t *bins,
	    size_t n_bins, gs_pack_result_t *out, gs_error_t *err);
void gs_pack_result_release(gs_pack_result_t *res);
void gs_pack_opts_release(gs_pack_opts_t *opts);

#endif

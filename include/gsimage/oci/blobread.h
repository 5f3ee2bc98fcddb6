/* Typed reads of what is in a layout, every one verified: descriptors,
 * JSON documents (size-capped), an image manifest with its config, and
 * layers decompressed as their media type says.  All bytes come through the
 * verified blob reader of blobstore.h, so nothing is used before its size
 * and digest are checked, and a layer's diff_id is checked as well.
 * export.c and pipeline/inspect.c read layouts through this module only. */
#ifndef GSIMAGE_OCI_BLOBREAD_H
#define GSIMAGE_OCI_BLOBREAD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/digest.h"
#include "gsimage/util/error.h"

/* The most gsimage reads of a JSON blob (index, manifest, config): a
 * descriptor that says more is refused before the blob is opened. */
#define GS_BLOB_JSON_MAX (8u * 1024 * 1024)

typedef struct gs_blob_desc {
	const char *media_type; /* borrowed from the JSON it came from; may be NULL */
	gs_digest_t digest;
	uint64_t size; /* GS_BLOB_SIZE_ANY when the caller has only a digest */
} gs_blob_desc_t;

/* {"mediaType"?, "digest", "size"} -> out.  what names the descriptor in
 * the error ("layer 2", "manifest config").  The digest must be sha256 and
 * the size an integer >= 0; out->media_type points into j. */
int gs_blob_desc_parse(json_t *j, const char *what, gs_blob_desc_t *out, gs_error_t *err);

/* The blob as a JSON object, verified and at most GS_BLOB_JSON_MAX bytes.
 * what names it in messages ("manifest", "config", ...).  With raw != NULL,
 * *raw gets the blob's bytes (owned, NUL-terminated) and *raw_len their
 * length.  The reference returned is the caller's. */
json_t *gs_blob_read_json(const gs_store_t *store, const gs_blob_desc_t *desc, const char *what,
			  char **raw, size_t *raw_len, gs_error_t *err);

/* 1 when doc is an image index (OCI index or Docker manifest list, by its
 * mediaType or by having "manifests"), else 0. */
int gs_blob_json_is_index(json_t *doc);

/* An image manifest with its config, read and cross-checked. */
typedef struct gs_blob_image {
	gs_digest_t manifest_digest;
	json_t *manifest;         /* owned reference */
	json_t *config;           /* owned reference */
	char *config_raw;         /* the config blob byte for byte, owned */
	size_t config_len;
	gs_blob_desc_t config_desc;
	size_t n_layers;
	gs_blob_desc_t *layers;   /* n_layers descriptors; media types borrowed from manifest */
	gs_digest_t *diff_ids;    /* n_layers, the config's rootfs.diff_ids */
} gs_blob_image_t;

#define GS_BLOB_IMAGE_INIT {0}

/* From a manifest already read with gs_blob_read_json (its descriptor in
 * desc; manifest is borrowed, out takes its own reference): refuses an
 * unknown mediaType, reads the config (verified against the manifest's
 * descriptor), checks that there is one sha256 diff_id per layer.  Layer
 * blobs are not read here.  out is left empty on error. */
int gs_blob_read_image(const gs_store_t *store, const gs_blob_desc_t *desc, json_t *manifest,
		       gs_blob_image_t *out, gs_error_t *err);
void gs_blob_image_release(gs_blob_image_t *img);

/* Receives a layer's uncompressed bytes in order; < 0 (err set) stops. */
typedef int (*gs_blob_chunk_fn)(void *ctx, const void *data, size_t len, gs_error_t *err);

/* One streaming pass over a layer blob, decompressed as its media type says
 * (gzip, zstd or none; another media type is an error): the tar bytes go to
 * fn (may be NULL) in chunks of at most 64 KiB, and *tar_size / *tar_digest
 * (each may be NULL) get the tar's size and sha256.  The blob's size and
 * digest are checked against layer; with diff_id != NULL the tar's sha256
 * must be it.  The checks complete only at the end: bytes already given to
 * fn are unverified until this returns 0. */
int gs_blob_read_layer(const gs_store_t *store, const gs_blob_desc_t *layer,
		       const gs_digest_t *diff_id, gs_blob_chunk_fn fn, void *ctx,
		       uint64_t *tar_size, gs_digest_t *tar_digest, gs_error_t *err);

/* "layer 'L' uncompresses to 'GOT' but the config's diff_id is 'WANT'; the
 * image is corrupted" unless got equals want. */
int gs_blob_check_diff_id(const gs_blob_desc_t *layer, const gs_digest_t *got,
			  const gs_digest_t *want, gs_error_t *err);

#endif

/* Single-file exports of what is in a layout (libarchive + jansson): a
 * `docker load` archive of one image, and an oci-archive of the whole
 * layout.  Both are deterministic (fixed entry order, mtime 0, uid/gid 0,
 * no user/group names, fixed modes) and written atomically: a temp file next
 * to out_path (removed on failure, or by gs_tempfiles_unlink_all() on a
 * signal), fsync, rename, fsync of the directory. */
#ifndef GSIMAGE_OCI_EXPORT_H
#define GSIMAGE_OCI_EXPORT_H

#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/digest.h"
#include "gsimage/util/error.h"
#include "gsimage/util/strvec.h"

/* Write the image whose manifest (OCI or Docker schema 2, not an index) is
 * the blob `manifest` as a docker-archive tar, the format `docker load` and
 * skopeo's docker-archive: transport read.  Entries, in this order:
 *
 *   manifest.json   [{"Config":"<config hex>.json","RepoTags":[...],
 *                     "Layers":["<diff_id hex>.tar",...]}]
 *   repositories    {"<repo>":{"<tag>":"<config hex>"},...}
 *   <config hex>.json   the config blob, byte for byte
 *   <diff_id hex>.tar   each layer, uncompressed (once per distinct diff_id)
 *
 * repo_tags (may be NULL or empty) are "name:tag" references, e.g.
 * "docker.io/library/app:static"; duplicates are written once.  Each layer
 * blob is decompressed as its mediaType says (gzip, zstd or none) in two
 * streaming passes: one to measure it and check its digest, size and
 * diff_id, one to copy it. */
int gs_export_docker_archive(const gs_store_t *store, const gs_digest_t *manifest,
			     const gs_strvec_t *repo_tags, const char *out_path, gs_error_t *err);

/* Write the layout as an oci-archive tar (skopeo's oci-archive:FILE:REF):
 * the spec's own files only -- blobs/ (directories 0755, files 0644, every
 * blobs/sha256/<hex> checked against its name), index.json and oci-layout,
 * sorted by path with parents first.  gsimage's lock and temp files and
 * anything else at the top of the layout are left out.  index.json is read
 * before the blobs are listed, so a build tagging into the layout meanwhile
 * cannot leave the archive naming a blob it lacks. */
int gs_export_oci_archive(const gs_store_t *store, const char *out_path, gs_error_t *err);

#endif

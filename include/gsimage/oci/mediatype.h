/* OCI and Docker media types: every media-type string gsimage knows lives
 * here, with the mapping between layer media types and the compression the
 * layer writer uses.  Above layer.h (which knows compression, not manifests)
 * and below image.h and blobread.h, which name what they write and read. */
#ifndef GSIMAGE_OCI_MEDIATYPE_H
#define GSIMAGE_OCI_MEDIATYPE_H

#include "gsimage/oci/layer.h"

/* What gsimage writes. */
#define GS_MT_INDEX "application/vnd.oci.image.index.v1+json"
#define GS_MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define GS_MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define GS_MT_EMPTY "application/vnd.oci.empty.v1+json" /* OCI 1.1 artifacts' config */
#define GS_MT_LAYER "application/vnd.oci.image.layer.v1.tar"
#define GS_MT_LAYER_GZIP GS_MT_LAYER "+gzip"
#define GS_MT_LAYER_ZSTD GS_MT_LAYER "+zstd"

/* What gsimage also reads, from layouts other tools wrote. */
#define GS_MT_LAYER_NONDIST "application/vnd.oci.image.layer.nondistributable.v1.tar"
#define GS_MT_LAYER_NONDIST_GZIP GS_MT_LAYER_NONDIST "+gzip"
#define GS_MT_LAYER_NONDIST_ZSTD GS_MT_LAYER_NONDIST "+zstd"
#define GS_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define GS_MT_DOCKER_MANIFEST_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
/* The OCI 1.1 release candidates' artifact manifest, dropped from the final
 * spec: gc still follows one written by other tools. */
#define GS_MT_OCI_ARTIFACT_MANIFEST "application/vnd.oci.artifact.manifest.v1+json"
#define GS_MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar"
#define GS_MT_DOCKER_LAYER_GZIP GS_MT_DOCKER_LAYER ".gzip"
#define GS_MT_DOCKER_FOREIGN_LAYER_GZIP "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

/* The media type of a layer gsimage writes with compression c:
 * GS_MT_LAYER, GS_MT_LAYER_GZIP or GS_MT_LAYER_ZSTD. */
const char *gs_mediatype_layer(gs_compression_t c);

/* 1 and *c set when mt names a tar layer (OCI, OCI non-distributable or
 * Docker; uncompressed, gzip or zstd), else 0.  mt may be NULL. */
int gs_mediatype_layer_compression(const char *mt, gs_compression_t *c);

/* 1 when mt is an image index (OCI index or Docker manifest list). */
int gs_mediatype_is_index(const char *mt);
/* 1 when mt is an image manifest (OCI or Docker schema 2). */
int gs_mediatype_is_manifest(const char *mt);

#endif

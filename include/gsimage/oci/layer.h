/* Deterministic layer tarballs (libarchive).  Entries are collected first,
 * then written sorted with parents first, fixed ownership and one mtime;
 * file contents are streamed from disk at write time.  The layer writer knows
 * tar, not manifests: its output goes to a sink callback. */
#ifndef GSIMAGE_OCI_LAYER_H
#define GSIMAGE_OCI_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "gsimage/oci/digest.h"
#include "gsimage/util/error.h"

typedef enum gs_compression {
	GS_COMPRESS_GZIP,
	GS_COMPRESS_ZSTD,
	GS_COMPRESS_NONE,
} gs_compression_t;

/* "gzip" / "zstd" / "none" -> enum; usage error naming the choices. */
int gs_compression_parse(const char *s, gs_compression_t *out, gs_error_t *err);
const char *gs_compression_name(gs_compression_t c);

typedef struct gs_layer gs_layer_t;

gs_layer_t *gs_layer_new(void);
void gs_layer_free(gs_layer_t *layer);
/* A deep copy: the same entries, to be added to without touching l. */
gs_layer_t *gs_layer_copy(const gs_layer_t *l);

/* Paths are image paths ("usr/local/bin/app" or "/usr/local/bin/app"); they
 * are normalised, and must not escape the root.  Missing parents are added
 * as 0755 root directories.  Adding the same path twice is an error. */
int gs_layer_add_dir(gs_layer_t *l, const char *path, unsigned mode, unsigned uid,
		     unsigned gid, gs_error_t *err);
int gs_layer_add_file(gs_layer_t *l, const char *path, unsigned mode, unsigned uid,
		      unsigned gid, const char *src_path, gs_error_t *err);
/* A file whose content content_id names (a Go build ID, which changes
 * whenever go writes other bytes): gs_layer_key() keys it by that ID and
 * the file's identity instead of hashing it.  Only for files nobody else
 * rewrites in place, such as gsimage's own stable link outputs. */
int gs_layer_add_file_id(gs_layer_t *l, const char *path, unsigned mode, unsigned uid,
			 unsigned gid, const char *src_path, const char *content_id,
			 gs_error_t *err);
int gs_layer_add_data(gs_layer_t *l, const char *path, unsigned mode, unsigned uid,
		      unsigned gid, const void *data, size_t len, gs_error_t *err);
int gs_layer_add_symlink(gs_layer_t *l, const char *path, const char *target,
			 gs_error_t *err);

typedef int (*gs_layer_sink_fn)(void *ctx, const void *data, size_t len, gs_error_t *err);

typedef struct gs_layer_write_opts {
	gs_compression_t compression;
	int level;     /* compression level; -1 = library default */
	int64_t mtime; /* every entry's mtime (SOURCE_DATE_EPOCH or 0) */
	/* The sink hashes what it is given (a blob writer does): info->digest
	 * is left for the caller to fill from it, so that the compressed
	 * stream is hashed once, not twice. */
	int sink_digests;
} gs_layer_write_opts_t;

typedef struct gs_layer_info {
	gs_digest_t digest;         /* of the bytes given to the sink */
	gs_digest_t diff_id;        /* of the uncompressed tar */
	uint64_t size;              /* bytes given to the sink */
	uint64_t uncompressed_size; /* bytes of the tar */
	gs_compression_t compression;
} gs_layer_info_t;

/* Write the tar (compressed as asked) to sink in one pass, computing digest
 * (unless opts->sink_digests), diff_id and sizes on the way.  Without
 * compression the digest is the diff_id: one hash of one stream. */
int gs_layer_write(gs_layer_t *l, const gs_layer_write_opts_t *opts, gs_layer_sink_fn sink,
		   void *sink_ctx, gs_layer_info_t *info, gs_error_t *err);

/* What decides the layer's bytes, hashed: every entry (path, kind, mode,
 * owner, and the sha256 of its content: files are read), the write options,
 * the tar and compression libraries' versions and the caller's salt (its own
 * version).  Equal keys give byte-identical layers; the layer cache
 * (pipeline/layercache.h) is keyed by it.  Returns 1 (no key) when the
 * files in the layer are more than max_file_bytes: hashing them would cost
 * about as much as writing the layer. */
int gs_layer_key(const gs_layer_t *l, const gs_layer_write_opts_t *opts, const char *salt,
		 uint64_t max_file_bytes, gs_digest_t *key, gs_error_t *err);

#endif

/* Opening a layout, and the tags in its index.json.  Each tag is one descriptor annotated with
 * org.opencontainers.image.ref.name (the -t reference as given) and
 * io.containerd.image.name (the normalised full name).  Updates happen under
 * the store lock and replace index.json atomically. */
#ifndef GSIMAGE_OCI_LAYOUT_H
#define GSIMAGE_OCI_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/digest.h"
#include "gsimage/util/error.h"
#include "gsimage/util/strvec.h"

#define GS_ANN_REF_NAME "org.opencontainers.image.ref.name"
#define GS_ANN_CONTAINERD_NAME "io.containerd.image.name"

typedef struct gs_tag {
	char *ref_name;   /* org.opencontainers.image.ref.name, or NULL */
	char *full_name;  /* io.containerd.image.name, or NULL */
	char *media_type;
	gs_digest_t digest;
	uint64_t size;
} gs_tag_t;

typedef struct gs_tag_list {
	gs_tag_t *v;
	size_t n;
} gs_tag_list_t;

/* How a command opens a layout: what it may write there. */
enum {
	GS_LAYOUT_READ = 0,        /* write nothing: no lock file, no temp file reaped */
	GS_LAYOUT_CREATE = 1 << 0, /* set up a missing or empty directory; writes */
	GS_LAYOUT_WRITE = 1 << 1,  /* an existing layout the command writes to (gc) */
};

/* Open the layout at dir.  With GS_LAYOUT_CREATE a missing or empty
 * directory is initialised (blobs/sha256, oci-layout, an empty index.json,
 * under the layout lock); an existing layout is opened as is, never
 * clobbered; anything else (a regular file, a non-empty directory that is
 * not a layout, an unknown imageLayoutVersion) is refused with a message
 * saying what to do.  Without it a missing layout is an error.  A command
 * that writes (CREATE or WRITE) also removes stale temp files left by a
 * killed writer (gs_store_reap_temps); GS_LAYOUT_READ writes nothing and
 * works on a read-only layout. */
int gs_layout_open(const char *dir, int flags, gs_store_t **out, gs_error_t *err);

void gs_tag_list_release(gs_tag_list_t *list);

/* The first tag named ref_name, or NULL (borrowed from list). */
const gs_tag_t *gs_tag_list_find(const gs_tag_list_t *list, const char *ref_name);

/* Parse index.json text (from a file or a fuzzer; json need not be
 * NUL-terminated).  Rejects anything that is not an OCI index, with the
 * reason as the message ("invalid JSON: <why> at line L column C",
 * "manifests[2] has no mediaType", ...): schemaVersion must be 2, a
 * mediaType if present must be the index type, manifests must be an array
 * of objects with mediaType, a valid digest and size >= 0, annotations an
 * object of strings.  A tag whose digest is not sha256 gets an empty
 * digest.s.  *out is left empty on error. */
int gs_layout_parse_index(const char *json, size_t len, gs_tag_list_t *out, gs_error_t *err);

/* Read the layout's index.json (missing: no tags).  A corrupted one is
 * "'DIR/index.json' is corrupted (<why>); fix or remove it, gsimage will
 * not overwrite it". */
int gs_layout_read_tags(const gs_store_t *store, gs_tag_list_t *out, gs_error_t *err);

/* Point the tag ref_name at the descriptor, replacing a descriptor with the
 * same ref_name (or the same full_name: one entry per image name) and
 * keeping every other entry as it was (unknown fields
 * included; values and key order are kept, the text is re-serialised
 * compactly).  Adds mediaType to an index.json that lacks it.  Takes the
 * store lock, re-reads index.json under it and replaces it atomically.
 * full_name may be NULL (no io.containerd.image.name). */
int gs_layout_set_tag(gs_store_t *store, const char *ref_name, const char *full_name,
		      const char *media_type, const gs_digest_t *digest, uint64_t size,
		      gs_error_t *err);

/* Remove the entries whose ref.name is one of names, keeping every other
 * entry as it is; under the store lock, index.json replaced atomically. */
int gs_layout_remove_tags(gs_store_t *store, const gs_strvec_t *names, gs_error_t *err);

/* Check that index.json parses before any blob is written, so a corrupted
 * layout is refused up front and left untouched. */
int gs_layout_check(const gs_store_t *store, gs_error_t *err);

#endif

/* The one walk over a layout's graph (after umoci's casext.Walk): from
 * index.json or one descriptor, through indexes (nested too), manifests,
 * their config, layers, blobs and subject, and the referrers of each
 * document: the artifacts its referrers-fallback tag (sha256-<hex>) lists,
 * and cosign's signature and attestation tags (sha256-<hex>.sig, .att).
 * gc, push, inspect and the SBOM stage all walk through here.
 *
 * A descriptor is followed (its blob read through the verified reader,
 * size-capped, and parsed) when it stands where a manifest stands (a root,
 * an index's "manifests", a "subject", a referrers tag) or when its media
 * type is a manifest or index type, OCI's or Docker's; configs, layers and
 * unknown types are visited but never read.  Each document is read and
 * descended into once per walk, which also guards against cycles (an
 * artifact's subject leads back to the manifest whose referrers listed
 * it).  Whatever cannot be decided is an error naming the descriptor: a
 * blob to follow that is missing, corrupted, too big, not a JSON object or
 * not sha256; a descriptor without a valid digest. */
#ifndef GSIMAGE_OCI_WALK_H
#define GSIMAGE_OCI_WALK_H

#include <jansson.h>
#include <stdint.h>

#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/layout.h"
#include "gsimage/util/error.h"

/* Indexes of indexes of ...: deeper than this is not a real layout. */
#define GS_WALK_MAX_DEPTH 32

/* What a descriptor is to the document that holds it. */
typedef enum gs_walk_role {
	GS_WALK_ROOT,      /* an entry of index.json, or where gs_walk_desc starts */
	GS_WALK_MANIFEST,  /* an entry of an index's "manifests" */
	GS_WALK_CONFIG,
	GS_WALK_LAYER,     /* "layers" */
	GS_WALK_BLOB,      /* "blobs" (the OCI 1.1 draft artifact manifest) */
	GS_WALK_SUBJECT,
	GS_WALK_REFERRERS, /* the parent's referrers-fallback index (a tag) */
} gs_walk_role_t;

typedef struct gs_walk_node {
	const struct gs_walk_node *parent; /* the path up to a root; NULL at a root */
	gs_walk_role_t role;
	int depth;              /* 0 at a root */
	json_t *desc;           /* the descriptor as written; NULL for REFERRERS */
	const char *media_type; /* may be NULL */
	const char *digest;     /* as written: sha256 or another algorithm */
	uint64_t size;          /* GS_BLOB_SIZE_ANY when the descriptor has none */
	const char *tag;        /* the ref.name of a tagged root or REFERRERS; else NULL */
	const char *where;      /* names it in messages: "tag 'app:1'", "'sha256:...' layers[0]" */
	json_t *doc;            /* the parsed document of a followed descriptor seen for
				 * the first time in this walk; else NULL */
} gs_walk_node_t;

/* A visit's answer: 0 descend (into doc's descriptors, then its
 * referrers), GS_WALK_SKIP not below this node, GS_WALK_STOP end the walk
 * with success, < 0 (err set) end it with that error. */
#define GS_WALK_SKIP 1
#define GS_WALK_STOP 2
typedef int (*gs_walk_fn)(void *ctx, const gs_walk_node_t *node, gs_error_t *err);

typedef struct gs_walk {
	const gs_store_t *store;
	const gs_tag_list_t *tags; /* where referrers tags are found; NULL: no referrers */
	gs_walk_fn fn;
	void *ctx;
	json_t *seen;              /* private: digest -> true, documents descended into */
} gs_walk_t;

#define GS_WALK_INIT(store_, tags_, fn_, ctx_) {(store_), (tags_), (fn_), (ctx_), NULL}

/* Release what walks with w kept (the set of documents seen); w can walk
 * again afresh. */
void gs_walk_release(gs_walk_t *w);

/* Walk from one descriptor (a JSON object), visited as role ROOT under the
 * name where; tag (may be NULL) is its ref.name. */
int gs_walk_desc(gs_walk_t *w, json_t *desc, const char *tag, const char *where,
		 gs_error_t *err);

/* Walk from a tag of the layout, as read by gs_layout_read_tags. */
int gs_walk_tag(gs_walk_t *w, const gs_tag_t *tag, gs_error_t *err);

/* Walk the whole layout: each entry of index.json is a root ("tag 'T'" or
 * "index.json manifests[i]"), except that with w->tags the referrers tags
 * are reached from their subjects only; then any other descriptor
 * index.json holds.  index.json must exist; call gs_layout_check first for
 * its usual message on a corrupted one. */
int gs_walk_layout(gs_walk_t *w, gs_error_t *err);

/* "sha256-<64 hex>" naming an image index: a referrers-fallback tag; or
 * cosign's "sha256-<64 hex>.sig" / ".att" naming a manifest.  Both live
 * while their subject does and the walk reaches them from it (role
 * REFERRERS). */
int gs_walk_is_referrers_tag(const char *ref_name, const char *media_type);

/* 1 when a blob of media type mt refers to others: a manifest or index
 * type, OCI's or Docker's (parameters such as "; charset=utf-8" ignored). */
int gs_walk_is_manifest_type(const char *mt);

#endif

/* The layout walker (see walk.h).  A node is visited, then, unless the
 * visit says otherwise, the descriptors of its document in a fixed order
 * ("config", "layers", "blobs", "manifests", "subject"), then its
 * referrers tag.  Those fields are descriptors whatever the document's
 * media type says, as a document gsimage does not know may still use
 * them. */
#include "gsimage/oci/walk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gsimage/oci/artifact.h"
#include "gsimage/oci/blobread.h"
#include "gsimage/oci/digest.h"
#include "gsimage/oci/mediatype.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/json.h"
#include "gsimage/util/xalloc.h"

int gs_walk_is_manifest_type(const char *mt)
{
	static const char *const types[] = {GS_MT_INDEX, GS_MT_MANIFEST,
					    GS_MT_DOCKER_MANIFEST_LIST, GS_MT_DOCKER_MANIFEST,
					    GS_MT_OCI_ARTIFACT_MANIFEST};
	if (!mt)
		return 0;
	size_t n = strcspn(mt, "; \t");
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strlen(types[i]) == n && strncmp(mt, types[i], n) == 0)
			return 1;
	return 0;
}

int gs_walk_is_referrers_tag(const char *ref, const char *mt)
{
	if (!ref || strncmp(ref, "sha256-", 7) != 0 || strlen(ref) < 7 + GS_DIGEST_HEX_LEN || !mt ||
	    strspn(ref + 7, "0123456789abcdef") < GS_DIGEST_HEX_LEN)
		return 0;
	const char *tail = ref + 7 + GS_DIGEST_HEX_LEN;
	if (*tail == '\0')
		return strcmp(mt, GS_MT_INDEX) == 0;
	/* cosign's signature and attestation manifests (sign.c) */
	return (strcmp(tail, ".sig") == 0 || strcmp(tail, ".att") == 0) &&
	       strcmp(mt, GS_MT_MANIFEST) == 0;
}

/* "algo:encoded" of some other algorithm than sha256. */
static int is_other_digest(const char *s)
{
	const char *colon = strchr(s, ':');
	if (!colon || colon == s || !colon[1])
		return 0;
	for (const char *p = s; p < colon; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("+._-", *p)))
			return 0;
	return strncmp(s, "sha256:", 7) != 0;
}

void gs_walk_release(gs_walk_t *w)
{
	json_decref(w->seen);
	w->seen = NULL;
}

/* The verified blob of a descriptor to follow, as a JSON object. */
static json_t *read_doc(const gs_walk_t *w, const gs_walk_node_t *n, const gs_digest_t *d,
			gs_error_t *err)
{
	cleanup_free char *path = gs_store_blob_path(w->store, d);
	struct stat st;
	if (lstat(path, &st) < 0 && errno == ENOENT) {
		gs_error_set(err, 0, "%s: blob '%s' is missing", n->where, d->s);
		return NULL;
	}
	cleanup_free char *data = NULL;
	size_t len = 0;
	if (gs_blob_read(w->store, d, n->size, GS_BLOB_JSON_MAX, "manifest", &data, &len, err) < 0) {
		gs_error_wrap(err, "%s", n->where);
		return NULL;
	}
	json_error_t jerr;
	json_t *doc = json_loadb(data, len, 0, &jerr);
	if (!doc) {
		gs_error_set(err, 0, "%s: blob '%s' is not valid JSON (%s)", n->where, d->s,
			     jerr.text);
		return NULL;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		gs_error_set(err, 0, "%s: blob '%s' is not a JSON object", n->where, d->s);
		return NULL;
	}
	return doc;
}

static int visit(gs_walk_t *w, gs_walk_node_t *n, gs_error_t *err);

/* One descriptor of a document, or a root. */
static int walk_one(gs_walk_t *w, const gs_walk_node_t *parent, gs_walk_role_t role, json_t *desc,
		    const char *tag, const char *where, gs_error_t *err)
{
	if (!json_is_object(desc))
		return gs_error_set(err, 0, "%s is not a descriptor", where);
	gs_walk_node_t n = {
		.parent = parent,
		.role = role,
		.depth = parent ? parent->depth + 1 : 0,
		.desc = desc,
		.media_type = json_string_value(json_object_get(desc, "mediaType")),
		.digest = json_string_value(json_object_get(desc, "digest")),
		.size = GS_BLOB_SIZE_ANY,
		.tag = tag,
		.where = where,
	};
	json_t *size = json_object_get(desc, "size");
	if (json_is_integer(size) && json_integer_value(size) >= 0)
		n.size = (uint64_t)json_integer_value(size);
	else if (size)
		return gs_error_set(err, 0, "%s has an invalid size", where);
	return visit(w, &n, err);
}

/* The descriptors of a followed document (n's; NULL for index.json, whose
 * descriptors are roots of their own).  owner names it in messages. */
static int walk_fields(gs_walk_t *w, const gs_walk_node_t *n, json_t *doc, const char *owner,
		       gs_error_t *err)
{
	static const struct {
		const char *key;
		int is_array;
		gs_walk_role_t role;
	} fields[] = {
		{"config", 0, GS_WALK_CONFIG},	    {"layers", 1, GS_WALK_LAYER},
		{"blobs", 1, GS_WALK_BLOB},	    {"manifests", 1, GS_WALK_MANIFEST},
		{"subject", 0, GS_WALK_SUBJECT},
	};
	for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
		json_t *v = json_object_get(doc, fields[f].key);
		if (!v || json_is_null(v))
			continue;
		if (!fields[f].is_array) {
			cleanup_free char *where = x_asprintf("%s %s", owner, fields[f].key);
			int r = walk_one(w, n, fields[f].role, v, NULL, where, err);
			if (r != 0)
				return r;
			continue;
		}
		if (!json_is_array(v))
			return gs_error_set(err, 0, "%s: \"%s\" is not an array", owner,
					    fields[f].key);
		size_t i;
		json_t *d;
		json_array_foreach (v, i, d) {
			cleanup_free char *where = x_asprintf("%s %s[%zu]", owner, fields[f].key, i);
			int r = walk_one(w, n, fields[f].role, d, NULL, where, err);
			if (r != 0)
				return r;
		}
	}
	return 0;
}

/* What the layout holds about n's document under tags named by its
 * digest: the referrers-fallback tag, and cosign's .sig and .att. */
static int walk_referrers(gs_walk_t *w, const gs_walk_node_t *n, const gs_digest_t *d,
			  gs_error_t *err)
{
	static const char *const suffixes[] = {"", ".sig", ".att"};
	if (!w->tags)
		return 0;
	cleanup_free char *base = gs_referrers_tag(d);
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		cleanup_free char *name = x_asprintf("%s%s", base, suffixes[i]);
		const gs_tag_t *t = gs_tag_list_find(w->tags, name);
		if (!t || !gs_walk_is_referrers_tag(t->ref_name, t->media_type) || !t->digest.s[0])
			continue;
		cleanup_free char *where = x_asprintf("tag '%s'", name);
		gs_walk_node_t r = {
			.parent = n,
			.role = GS_WALK_REFERRERS,
			.depth = n->depth + 1,
			.media_type = t->media_type,
			.digest = t->digest.s,
			.size = t->size,
			.tag = t->ref_name,
			.where = where,
		};
		int rc = visit(w, &r, err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int visit(gs_walk_t *w, gs_walk_node_t *n, gs_error_t *err)
{
	const char *ds = n->digest;
	int follow = n->role == GS_WALK_ROOT || n->role == GS_WALK_MANIFEST ||
		     n->role == GS_WALK_SUBJECT || n->role == GS_WALK_REFERRERS ||
		     gs_walk_is_manifest_type(n->media_type);
	if (!ds)
		return gs_error_set(err, 0, "%s has no digest", n->where);
	gs_digest_t d;
	gs_error_t perr = GS_ERROR_INIT;
	int sha256 = gs_digest_parse(ds, &d, &perr) == 0;
	gs_error_release(&perr);
	if (!sha256 && !is_other_digest(ds))
		return gs_error_set(err, 0, "%s has an invalid digest '%s'", n->where, ds);
	if (!sha256 && follow)
		return gs_error_set(err, 0, "%s: cannot follow '%s', gsimage reads only sha256 blobs",
				    n->where, ds);
	if (!w->seen)
		w->seen = json_object();
	cleanup_json json_t *doc = NULL;
	if (follow && !json_object_get(w->seen, ds)) {
		if (n->depth >= GS_WALK_MAX_DEPTH)
			return gs_error_set(err, 0, "%s: manifests nested more than %d deep",
					    n->where, GS_WALK_MAX_DEPTH);
		gs_json_set(w->seen, ds, json_true());
		if (!(doc = read_doc(w, n, &d, err)))
			return -1;
		n->doc = doc;
	}
	int r = w->fn(w->ctx, n, err);
	if (r < 0 || r == GS_WALK_STOP)
		return r;
	if (r == GS_WALK_SKIP || !doc)
		return 0;
	cleanup_free char *owner = x_asprintf("'%s'", ds);
	if ((r = walk_fields(w, n, doc, owner, err)) != 0)
		return r;
	return walk_referrers(w, n, &d, err);
}

int gs_walk_desc(gs_walk_t *w, json_t *desc, const char *tag, const char *where,
		 gs_error_t *err)
{
	int r = walk_one(w, NULL, GS_WALK_ROOT, desc, tag, where, err);
	return r == GS_WALK_STOP ? 0 : r;
}

int gs_walk_tag(gs_walk_t *w, const gs_tag_t *tag, gs_error_t *err)
{
	if (!tag->digest.s[0])
		return gs_error_set(err, 0, "tag '%s': its digest is not sha256, the only algorithm "
				    "gsimage reads", tag->ref_name ? tag->ref_name : "");
	cleanup_json json_t *desc = json_object();
	gs_json_set(desc, "mediaType", gs_json_string(tag->media_type ? tag->media_type : ""));
	gs_json_set(desc, "digest", json_string(tag->digest.s));
	gs_json_set(desc, "size", json_integer((json_int_t)tag->size));
	cleanup_free char *where = x_asprintf("tag '%s'", tag->ref_name ? tag->ref_name : "");
	return gs_walk_desc(w, desc, tag->ref_name, where, err);
}

int gs_walk_layout(gs_walk_t *w, gs_error_t *err)
{
	cleanup_free char *path = gs_path_join(gs_store_dir(w->store), "index.json");
	cleanup_free char *data = NULL;
	size_t len = 0;
	if (gs_fs_read_file(path, &data, &len, err) < 0)
		return -1;
	json_error_t jerr;
	cleanup_json json_t *root = json_loadb(data, len, 0, &jerr);
	if (!root)
		return gs_error_set(err, 0, "'%s' is corrupted (invalid JSON: %s)", path, jerr.text);
	json_t *ms = json_object_get(root, "manifests");
	size_t i;
	json_t *d;
	int r = 0;
	json_array_foreach (ms, i, d) {
		const char *ref = json_string_value(
			json_object_get(json_object_get(d, "annotations"), GS_ANN_REF_NAME));
		const char *mt = json_string_value(json_object_get(d, "mediaType"));
		if (w->tags && gs_walk_is_referrers_tag(ref, mt))
			continue; /* reached from its subject, if at all */
		cleanup_free char *where = ref ? x_asprintf("tag '%s'", ref)
					       : x_asprintf("index.json manifests[%zu]", i);
		if ((r = walk_one(w, NULL, GS_WALK_ROOT, d, ref, where, err)) != 0)
			return r == GS_WALK_STOP ? 0 : r;
	}
	/* anything else index.json itself refers to (a subject, say) */
	json_object_del(root, "manifests");
	r = walk_fields(w, NULL, root, "index.json", err);
	return r == GS_WALK_STOP ? 0 : r;
}

/* Tags in index.json.  An update re-reads index.json under the layout
 * lock, drops the descriptor that carried the same ref.name, appends the
 * new one and replaces the file atomically; every other entry and every
 * unknown field is carried over as parsed (same values and key order; the
 * bytes are re-serialised compactly).  A missing index.json counts as an
 * empty one; a corrupted one is refused and never overwritten.
 * gs_layout_parse_index is safe on arbitrary input (it is fuzzed). */
#include "gsimage/oci/layout.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gsimage/oci/image.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/json.h"
#include "gsimage/util/xalloc.h"

void gs_tag_list_release(gs_tag_list_t *list)
{
	for (size_t i = 0; i < list->n; i++) {
		free(list->v[i].ref_name);
		free(list->v[i].full_name);
		free(list->v[i].media_type);
	}
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

const gs_tag_t *gs_tag_list_find(const gs_tag_list_t *list, const char *ref_name)
{
	for (size_t i = 0; i < list->n; i++)
		if (list->v[i].ref_name && strcmp(list->v[i].ref_name, ref_name) == 0)
			return &list->v[i];
	/* "app" is app:latest, as -t stores it (docker's and skopeo's reading) */
	const char *last = strrchr(ref_name, '/');
	if (!strchr(last ? last + 1 : ref_name, ':') && strncmp(ref_name, "sha256-", 7) != 0) {
		cleanup_free char *latest = x_asprintf("%s:latest", ref_name);
		return gs_tag_list_find(list, latest);
	}
	return NULL;
}

/* OCI digest grammar: algorithm ":" encoded, where
 * algorithm := [a-z0-9]+ ([+._-] [a-z0-9]+)*, encoded := [a-zA-Z0-9=_-]+;
 * sha256 must be 64 lowercase hex. */
static int digest_ok(const char *s)
{
	const char *colon = strchr(s, ':');
	if (!colon || colon == s || !colon[1])
		return 0;
	int need_alnum = 1;
	for (const char *p = s; p < colon; p++) {
		int alnum = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9');
		if (alnum)
			need_alnum = 0;
		else if (!need_alnum && strchr("+._-", *p))
			need_alnum = 1;
		else
			return 0;
	}
	if (need_alnum)
		return 0;
	for (const char *p = colon + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '=' || *p == '_' || *p == '-'))
			return 0;
	if (colon - s == 6 && strncmp(s, "sha256", 6) == 0)
		return gs_digest_hex_valid(colon + 1);
	return 1;
}

static const char *ann_get(json_t *desc, const char *key)
{
	json_t *v = json_object_get(json_object_get(desc, "annotations"), key);
	return json_string_value(v);
}

/* Check the structure; with out != NULL also collect the tags. */
static int validate(json_t *root, gs_tag_list_t *out, gs_error_t *err)
{
	if (!json_is_object(root))
		return gs_error_set(err, 0, "not a JSON object");
	json_t *sv = json_object_get(root, "schemaVersion");
	if (!json_is_integer(sv) || json_integer_value(sv) != 2)
		return gs_error_set(err, 0, "schemaVersion is not 2");
	json_t *mt = json_object_get(root, "mediaType");
	if (mt && (!json_is_string(mt) || strcmp(json_string_value(mt), GS_MT_INDEX) != 0))
		return gs_error_set(err, 0, "mediaType is not \"%s\"", GS_MT_INDEX);
	json_t *ms = json_object_get(root, "manifests");
	if (!json_is_array(ms))
		return gs_error_set(err, 0, "no \"manifests\" array");
	size_t n = json_array_size(ms);
	gs_tag_list_t list = {NULL, 0};
	if (out)
		list.v = xcalloc(n ? n : 1, sizeof(*list.v));
	for (size_t i = 0; i < n; i++) {
		json_t *d = json_array_get(ms, i);
		const char *why = NULL;
		json_t *dmt = json_object_get(d, "mediaType");
		json_t *dg = json_object_get(d, "digest");
		json_t *size = json_object_get(d, "size");
		json_t *ann = json_object_get(d, "annotations");
		if (!json_is_object(d))
			why = "is not an object";
		else if (!json_is_string(dmt) || !*json_string_value(dmt))
			why = "has no mediaType";
		else if (!json_is_string(dg) || !digest_ok(json_string_value(dg)))
			why = "has no valid digest";
		else if (!json_is_integer(size) || json_integer_value(size) < 0)
			why = "has no valid size";
		else if (ann && !json_is_object(ann))
			why = "has annotations that are not an object";
		if (!why && ann) {
			const char *k;
			json_t *v;
			json_object_foreach (ann, k, v)
				if (!json_is_string(v))
					why = "has an annotation that is not a string";
		}
		if (why) {
			gs_tag_list_release(&list);
			return gs_error_set(err, 0, "manifests[%zu] %s", i, why);
		}
		if (!out)
			continue;
		gs_tag_t *t = &list.v[list.n++];
		const char *rn = ann_get(d, GS_ANN_REF_NAME);
		const char *fn = ann_get(d, GS_ANN_CONTAINERD_NAME);
		t->ref_name = rn ? xstrdup(rn) : NULL;
		t->full_name = fn ? xstrdup(fn) : NULL;
		t->media_type = xstrdup(json_string_value(dmt));
		if (strncmp(json_string_value(dg), "sha256:", 7) == 0)
			memcpy(t->digest.s, json_string_value(dg), GS_DIGEST_STR_LEN + 1);
		t->size = (uint64_t)json_integer_value(size);
	}
	if (out)
		*out = list;
	return 0;
}

static json_t *load(const char *json, size_t len, gs_error_t *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr);
	if (!root)
		gs_error_set(err, 0, "invalid JSON: %s at line %d column %d", jerr.text, jerr.line,
			     jerr.column);
	return root;
}

int gs_layout_parse_index(const char *json, size_t len, gs_tag_list_t *out, gs_error_t *err)
{
	out->v = NULL;
	out->n = 0;
	cleanup_json json_t *root = load(json, len, err);
	if (!root)
		return -1;
	return validate(root, out, err);
}

static int corrupted(gs_error_t *err, const char *path)
{
	cleanup_free char *why = err->msg ? xstrdup(err->msg) : xstrdup("unknown problem");
	return gs_error_set(err, 0,
			    "'%s' is corrupted (%s); fix or remove it, gsimage will not overwrite it",
			    path, why);
}

/* Read and validate index.json; *root is NULL when there is none. */
static int read_index(const gs_store_t *store, json_t **root, gs_tag_list_t *tags,
		      gs_error_t *err)
{
	cleanup_free char *path = gs_path_join(gs_store_dir(store), "index.json");
	cleanup_free char *data = NULL;
	size_t len = 0;
	*root = NULL;
	if (gs_fs_read_file(path, &data, &len, err) < 0) {
		if (err->errnum != ENOENT)
			return -1;
		gs_error_release(err);
		if (tags)
			tags->v = NULL, tags->n = 0;
		return 0;
	}
	json_t *j = load(data, len, err);
	if (!j)
		return corrupted(err, path);
	if (validate(j, tags, err) < 0) {
		json_decref(j);
		return corrupted(err, path);
	}
	*root = j;
	return 0;
}

int gs_layout_read_tags(const gs_store_t *store, gs_tag_list_t *out, gs_error_t *err)
{
	cleanup_json json_t *root = NULL;
	out->v = NULL;
	out->n = 0;
	return read_index(store, &root, out, err);
}

int gs_layout_check(const gs_store_t *store, gs_error_t *err)
{
	cleanup_json json_t *root = NULL;
	return read_index(store, &root, NULL, err);
}

/* The same object with "mediaType" right after "schemaVersion". */
static json_t *with_media_type(json_t *root)
{
	if (json_object_get(root, "mediaType"))
		return json_incref(root);
	json_t *o = json_object();
	const char *k;
	json_t *v;
	json_object_foreach (root, k, v) {
		gs_json_set(o, k, json_incref(v));
		if (strcmp(k, "schemaVersion") == 0)
			gs_json_set(o, "mediaType", json_string(GS_MT_INDEX));
	}
	return o;
}

static int write_index(gs_store_t *store, json_t *root, gs_error_t *err)
{
	cleanup_free char *text = gs_json_dump_compact(json_incref(root), NULL);
	cleanup_free char *path = gs_path_join(gs_store_dir(store), "index.json");
	/* every blob it may name is durable first */
	if (gs_store_sync_pending(store, err) < 0)
		return -1;
	return gs_fs_write_atomic(path, text, strlen(text), 0644, err);
}

/* Does index already say exactly this: the tag on this descriptor, with
 * mediaType at the top and no other entry of the same image name? */
static int tag_unchanged(json_t *index, const char *ref_name, const char *full_name,
			 const char *media_type, const gs_digest_t *digest, uint64_t size)
{
	if (!json_object_get(index, "mediaType"))
		return 0;
	int same = 0, others = 0;
	json_t *d;
	size_t i;
	json_array_foreach (json_object_get(index, "manifests"), i, d) {
		const char *rn = ann_get(d, GS_ANN_REF_NAME);
		const char *cn = ann_get(d, GS_ANN_CONTAINERD_NAME);
		const char *mt = json_string_value(json_object_get(d, "mediaType"));
		const char *dg = json_string_value(json_object_get(d, "digest"));
		json_t *sz = json_object_get(d, "size");
		if (rn && strcmp(rn, ref_name) == 0)
			same += mt && dg && strcmp(mt, media_type) == 0 &&
				strcmp(dg, digest->s) == 0 && json_is_integer(sz) &&
				(uint64_t)json_integer_value(sz) == size &&
				(full_name ? cn && strcmp(cn, full_name) == 0 : !cn) &&
				json_object_size(json_object_get(d, "annotations")) == (full_name ? 2u : 1u) &&
				json_object_size(d) == 4;
		else if (full_name && cn && strcmp(cn, full_name) == 0)
			others++;
	}
	return same == 1 && others == 0;
}

static int set_tag_locked(gs_store_t *store, const char *ref_name, const char *full_name,
			  const char *media_type, const gs_digest_t *digest, uint64_t size,
			  gs_error_t *err)
{
	cleanup_json json_t *old = NULL;
	if (read_index(store, &old, NULL, err) < 0)
		return -1;
	if (!old) {
		old = json_object();
		gs_json_set(old, "schemaVersion", json_integer(2));
		gs_json_set(old, "manifests", json_array());
	}
	if (tag_unchanged(old, ref_name, full_name, media_type, digest, size))
		/* a no-op rebuild: nothing to write; a blob repaired on the way
		 * still gets its directory synced */
		return gs_store_sync_pending(store, err);
	cleanup_json json_t *root = with_media_type(old);

	json_t *ms = json_array();
	json_t *d;
	size_t i;
	json_array_foreach (json_object_get(root, "manifests"), i, d) {
		const char *rn = ann_get(d, GS_ANN_REF_NAME);
		const char *cn = ann_get(d, GS_ANN_CONTAINERD_NAME);
		/* The same tag, or another spelling of it ("hello:v1" and
		 * "docker.io/library/hello:v1"): one entry per image name. */
		if ((rn && strcmp(rn, ref_name) == 0) || (full_name && cn && strcmp(cn, full_name) == 0))
			continue;
		json_array_append(ms, d);
	}
	json_t *desc = json_object();
	gs_json_set(desc, "mediaType", json_string(media_type));
	gs_json_set(desc, "digest", json_string(digest->s));
	gs_json_set(desc, "size", json_integer((json_int_t)size));
	json_t *ann = json_object();
	if (full_name)
		gs_json_set(ann, GS_ANN_CONTAINERD_NAME, json_string(full_name));
	gs_json_set(ann, GS_ANN_REF_NAME, json_string(ref_name));
	gs_json_set(desc, "annotations", ann);
	json_array_append_new(ms, desc);
	gs_json_set(root, "manifests", ms);

	return write_index(store, root, err);
}

int gs_layout_set_tag(gs_store_t *store, const char *ref_name, const char *full_name,
		      const char *media_type, const gs_digest_t *digest, uint64_t size,
		      gs_error_t *err)
{
	/* json_string() refuses what is not UTF-8; refs from gs_ref_parse are
	 * ASCII, but this is a library call */
	json_t *probe[3] = {json_string(ref_name), json_string(media_type),
			    json_string(full_name ? full_name : "")};
	int ok = probe[0] && probe[1] && probe[2] && *ref_name && *media_type;
	for (int i = 0; i < 3; i++)
		json_decref(probe[i]);
	if (!ok)
		return gs_error_set(err, 0, "cannot tag '%s': empty or not UTF-8", ref_name);
	if (gs_store_lock(store, err) < 0)
		return -1;
	int r = set_tag_locked(store, ref_name, full_name, media_type, digest, size, err);
	gs_store_unlock(store);
	if (r < 0)
		return gs_error_wrap(err, "tagging '%s'", ref_name);
	return 0;
}

static int remove_tags_locked(gs_store_t *store, const gs_strvec_t *names, gs_error_t *err)
{
	cleanup_json json_t *root = NULL;
	if (read_index(store, &root, NULL, err) < 0)
		return -1;
	if (!root)
		return 0;
	json_t *ms = json_array();
	json_t *d;
	size_t i;
	int removed = 0;
	json_array_foreach (json_object_get(root, "manifests"), i, d) {
		const char *rn = ann_get(d, GS_ANN_REF_NAME);
		int drop = 0;
		for (size_t j = 0; rn && j < names->n && !drop; j++)
			drop = strcmp(rn, names->v[j]) == 0;
		if (drop)
			removed++;
		else
			json_array_append(ms, d);
	}
	gs_json_set(root, "manifests", ms);
	return removed ? write_index(store, root, err) : 0;
}

int gs_layout_remove_tags(gs_store_t *store, const gs_strvec_t *names, gs_error_t *err)
{
	if (!names->n)
		return 0;
	if (gs_store_lock(store, err) < 0)
		return -1;
	int r = remove_tags_locked(store, names, err);
	gs_store_unlock(store);
	return r < 0 ? gs_error_wrap(err, "removing tags from index.json") : 0;
}

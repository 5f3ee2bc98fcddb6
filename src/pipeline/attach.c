#include "gsimage/pipeline/attach.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gsimage/oci/artifact.h"
#include "gsimage/oci/blobread.h"
#include "gsimage/oci/image.h"
#include "gsimage/oci/layout.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/xalloc.h"

/* The referrers the subject's fallback tag lists now (none when untagged). */
static int current_referrers(gs_store_t *store, const char *tag, gs_artifact_desc_t **v,
			     size_t *n, void **keep, gs_error_t *err)
{
	*v = NULL;
	*n = 0;
	*keep = NULL;
	gs_tag_list_t tags = {0};
	if (gs_layout_read_tags(store, &tags, err) < 0)
		return -1;
	int r = 0;
	const gs_tag_t *t = gs_tag_list_find(&tags, tag);
	if (t) {
		cleanup_free char *text = NULL;
		size_t len;
		r = gs_blob_read(store, &t->digest, t->size, GS_BLOB_JSON_MAX, "referrers index",
				 &text, &len, err);
		if (r == 0)
			r = gs_referrers_index_parse(text, len, v, n, keep, err);
		if (r < 0)
			gs_error_wrap(err, "reading the referrers tag '%s'", tag);
	}
	gs_tag_list_release(&tags);
	return r;
}

int gs_attach(gs_store_t *store, const gs_digest_t *subject, uint64_t subject_size,
	      const gs_attachment_t *docs, size_t n, const char *created, gs_digest_t *manifests,
	      gs_error_t *err)
{
	return gs_attach_typed(store, GS_MT_MANIFEST, subject, subject_size, docs, n, created,
			       manifests, err);
}

int gs_attach_typed(gs_store_t *store, const char *subject_type, const gs_digest_t *subject,
		    uint64_t subject_size, const gs_attachment_t *docs, size_t n,
		    const char *created, gs_digest_t *manifests, gs_error_t *err)
{
	gs_digest_t empty;
	if (gs_store_put(store, GS_EMPTY_JSON, 2, &empty, err) < 0)
		return -1;
	cleanup_free char *tag = gs_referrers_tag(subject);
	gs_artifact_desc_t *old = NULL;
	size_t n_old = 0;
	void *keep = NULL;
	/* read, add to and write back the referrers index under the index.json
	 * lock: two attachers to one subject never lose each other's */
	if (gs_store_lock(store, err) < 0)
		return -1;
	if (current_referrers(store, tag, &old, &n_old, &keep, err) < 0) {
		gs_store_unlock(store);
		return -1;
	}
	gs_artifact_desc_t *all = xcalloc(n_old + n + 1, sizeof *all);
	if (n_old)
		memcpy(all, old, n_old * sizeof *all);
	size_t n_all = n_old;
	int r = -1;
	char *index = NULL;

	gs_artifact_desc_t subj = {.media_type = subject_type, .digest = *subject,
				   .size = subject_size};
	for (size_t i = 0; i < n; i++) {
		gs_artifact_desc_t layer = {.media_type = docs[i].artifact_type,
					    .size = docs[i].len, .title = docs[i].title};
		if (gs_store_put(store, docs[i].data, docs[i].len, &layer.digest, err) < 0)
			goto out;
		size_t len;
		cleanup_free char *json =
			gs_artifact_manifest_json(docs[i].artifact_type, &layer, &subj, created, &len);
		gs_artifact_desc_t m = {.media_type = GS_MT_MANIFEST, .size = len,
					.artifact_type = docs[i].artifact_type,
					.created = created};
		if (gs_store_put(store, json, len, &m.digest, err) < 0)
			goto out;
		if (manifests)
			manifests[i] = m.digest;
		size_t j = 0;
		while (j < n_all && strcmp(all[j].digest.s, m.digest.s) != 0)
			j++;
		if (j == n_all)
			all[n_all++] = m; /* a new referrer; a known one keeps its place */
	}
	size_t len;
	index = gs_referrers_index_json(all, n_all, &len);
	gs_digest_t index_digest;
	if (gs_store_put(store, index, len, &index_digest, err) < 0)
		goto out;
	if (gs_layout_set_tag(store, tag, NULL, GS_MT_INDEX, &index_digest, len, err) < 0)
		goto out;
	r = 0;
out:
	gs_store_unlock(store);
	free(index);
	free(all);
	free(old);
	json_decref(keep);
	if (r < 0)
		gs_error_wrap(err, "attaching to %s", subject->s);
	return r;
}

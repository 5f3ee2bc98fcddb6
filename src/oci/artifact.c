#include "gsimage/oci/artifact.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gsimage/oci/image.h"
#include "gsimage/util/json.h"
#include "gsimage/util/xalloc.h"

static json_t *descriptor(const gs_artifact_desc_t *d)
{
	json_t *o = json_object();
	gs_json_set(o, "mediaType", gs_json_string(d->media_type));
	gs_json_set(o, "digest", gs_json_string(d->digest.s));
	gs_json_set(o, "size", json_integer((json_int_t)d->size));
	if (d->artifact_type)
		gs_json_set(o, "artifactType", gs_json_string(d->artifact_type));
	if (d->title || d->created) {
		json_t *a = json_object();
		if (d->created)
			gs_json_set(a, "org.opencontainers.image.created", gs_json_string(d->created));
		if (d->title)
			gs_json_set(a, "org.opencontainers.image.title", gs_json_string(d->title));
		gs_json_set(o, "annotations", a);
	}
	return o;
}

char *gs_artifact_manifest_json(const char *artifact_type, const gs_artifact_desc_t *layer,
				const gs_artifact_desc_t *subject, const char *created,
				size_t *len)
{
	json_t *root = json_object();
	gs_json_set(root, "schemaVersion", json_integer(2));
	gs_json_set(root, "mediaType", json_string(GS_MT_MANIFEST));
	gs_json_set(root, "artifactType", gs_json_string(artifact_type));
	gs_artifact_desc_t empty = {.media_type = GS_MT_EMPTY, .size = 2};
	gs_digest_buffer(GS_EMPTY_JSON, 2, &empty.digest);
	json_t *config = descriptor(&empty);
	gs_json_set(config, "data", json_string("e30=")); /* base64 of "{}" */
	gs_json_set(root, "config", config);
	json_t *layers = json_array();
	json_array_append_new(layers, descriptor(layer));
	gs_json_set(root, "layers", layers);
	gs_json_set(root, "subject", descriptor(subject));
	if (created) {
		json_t *a = json_object();
		gs_json_set(a, "org.opencontainers.image.created", gs_json_string(created));
		gs_json_set(root, "annotations", a);
	}
	return gs_json_dump_compact(root, len);
}

char *gs_referrers_index_json(const gs_artifact_desc_t *referrers, size_t n, size_t *len)
{
	json_t *root = json_object();
	gs_json_set(root, "schemaVersion", json_integer(2));
	gs_json_set(root, "mediaType", json_string(GS_MT_INDEX));
	json_t *ms = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(ms, descriptor(&referrers[i]));
	gs_json_set(root, "manifests", ms);
	return gs_json_dump_compact(root, len);
}

static const char *annotation(json_t *desc, const char *key)
{
	return json_string_value(json_object_get(json_object_get(desc, "annotations"), key));
}

int gs_referrers_index_parse(const char *text, size_t len, gs_artifact_desc_t **out,
			     size_t *n, void **keep, gs_error_t *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr);
	json_t *ms = root ? json_object_get(root, "manifests") : NULL;
	if (!json_is_array(ms)) {
		json_decref(root);
		return gs_error_set(err, 0, "the referrers index is not an image index%s%s",
				    root ? "" : ": ", root ? "" : jerr.text);
	}
	size_t count = json_array_size(ms);
	gs_artifact_desc_t *v = xcalloc(count ? count : 1, sizeof *v);
	for (size_t i = 0; i < count; i++) {
		json_t *d = json_array_get(ms, i);
		const char *mt = json_string_value(json_object_get(d, "mediaType"));
		const char *dg = json_string_value(json_object_get(d, "digest"));
		json_t *size = json_object_get(d, "size");
		if (!mt || !dg || !json_is_integer(size) || json_integer_value(size) < 0 ||
		    gs_digest_parse(dg, &v[i].digest, err) < 0) {
			free(v);
			json_decref(root);
			return gs_error_set(err, 0, "the referrers index has a bad entry %zu", i);
		}
		v[i].media_type = mt;
		v[i].size = (uint64_t)json_integer_value(size);
		v[i].artifact_type = json_string_value(json_object_get(d, "artifactType"));
		v[i].title = annotation(d, "org.opencontainers.image.title");
		v[i].created = annotation(d, "org.opencontainers.image.created");
	}
	*out = v;
	*n = count;
	*keep = root;
	return 0;
}

char *gs_referrers_tag(const gs_digest_t *subject)
{
	return x_asprintf("sha256-%s", gs_digest_hex(subject));
}

#include "gsimage/pipeline/inspect.h"

#include <archive.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "gsimage/oci/blobread.h"
#include "gsimage/oci/digest.h"
#include "gsimage/oci/image.h"
#include "gsimage/oci/layout.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/json.h"
#include "gsimage/util/xalloc.h"

/* Parse a blob as JSON. */
static json_t *read_json_blob(const gs_store_t *store, const char *digest_str, gs_error_t *err)
{
	gs_digest_t d;
	if (gs_digest_parse(digest_str, &d, err) < 0)
		return NULL;
	cleanup_free char *data = NULL;
	size_t len;
	if (gs_blob_read(store, &d, GS_BLOB_SIZE_ANY, GS_BLOB_JSON_MAX, NULL, &data, &len, err) < 0)
		return NULL;
	json_error_t jerr;
	json_t *j = json_loadb(data, len, 0, &jerr);
	if (!j)
		gs_error_set(err, 0, "blob %s is not valid JSON: %s", digest_str, jerr.text);
	return j;
}

/* Size and digest of a layer's uncompressed tar: one streaming read. */
static int measure_layer(const gs_store_t *store, const char *digest_str, json_int_t *size,
			 gs_digest_t *diff_id, gs_error_t *err)
{
	gs_digest_t d;
	if (gs_digest_parse(digest_str, &d, err) < 0)
		return -1;
	cleanup_free char *path = gs_store_blob_path(store, &d);
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	struct archive_entry *entry;
	int r = -1;
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK ||
	    archive_read_next_header(a, &entry) != ARCHIVE_OK) {
		gs_error_set(err, 0, "reading layer %s: %s", digest_str, archive_error_string(a));
		goto out;
	}
	gs_sha256_t *h = gs_sha256_new();
	char buf[65536];
	la_ssize_t n;
	*size = 0;
	while ((n = archive_read_data(a, buf, sizeof buf)) > 0) {
		gs_sha256_update(h, buf, (size_t)n);
		*size += n;
	}
	gs_sha256_final(h, diff_id);
	gs_sha256_free(h);
	if (n < 0) {
		gs_error_set(err, 0, "reading layer %s: %s", digest_str, archive_error_string(a));
		goto out;
	}
	r = 0;
out:
	archive_read_free(a);
	return r;
}

static const char *jstr(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

static json_t *describe_manifest(const gs_store_t *store, json_t *desc, gs_error_t *err)
{
	cleanup_json json_t *manifest = read_json_blob(store, jstr(desc, "digest"), err);
	if (!manifest)
		return NULL;
	json_t *config_desc = json_object_get(manifest, "config");
	cleanup_json json_t *config = read_json_blob(store, jstr(config_desc, "digest"), err);
	if (!config)
		return NULL;

	json_t *out = json_object();
	cleanup_free char *platform = NULL;
	const char *variant = jstr(config, "variant");
	platform = *variant ? x_asprintf("%s/%s/%s", jstr(config, "os"),
					 jstr(config, "architecture"), variant)
			    : x_asprintf("%s/%s", jstr(config, "os"), jstr(config, "architecture"));
	json_object_set_new(out, "platform", json_string(platform));
	json_object_set_new(out, "manifest", json_string(jstr(desc, "digest")));
	json_object_set(out, "manifestSize", json_object_get(desc, "size"));
	json_object_set_new(out, "config", json_string(jstr(config_desc, "digest")));
	json_object_set(out, "created", json_object_get(config, "created"));
	json_t *cfg = json_object_get(config, "config");
	json_object_set_new(out, "settings", cfg ? json_deep_copy(cfg) : json_object());

	json_t *layers = json_array();
	json_t *diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(manifest, "layers"), i, l) {
		json_t *jl = json_object();
		json_int_t usize = 0;
		gs_digest_t diff_id;
		json_object_set_new(jl, "digest", json_string(jstr(l, "digest")));
		json_object_set_new(jl, "mediaType", json_string(jstr(l, "mediaType")));
		json_object_set(jl, "size", json_object_get(l, "size"));
		json_array_append_new(layers, jl);
		if (measure_layer(store, jstr(l, "digest"), &usize, &diff_id, err) < 0) {
			json_decref(out);
			json_decref(layers);
			return NULL;
		}
		json_object_set_new(jl, "uncompressedSize", json_integer(usize));
		json_object_set_new(jl, "diffID", json_string(diff_id.s));
		const char *want = json_string_value(json_array_get(diff_ids, i));
		json_object_set_new(jl, "diffIDMatches",
				    json_boolean(want && strcmp(want, diff_id.s) == 0));
	}
	json_object_set_new(out, "layers", layers);
	return out;
}

static json_t *describe_tag(const gs_store_t *store, const gs_tag_t *tag, gs_error_t *err)
{
	json_t *out = json_object();
	json_object_set_new(out, "tag", json_string(tag->ref_name ? tag->ref_name : ""));
	json_object_set_new(out, "name", json_string(tag->full_name ? tag->full_name : ""));
	json_object_set_new(out, "digest", json_string(tag->digest.s));
	json_object_set_new(out, "mediaType", json_string(tag->media_type));
	json_object_set_new(out, "size", json_integer((json_int_t)tag->size));
	json_t *images = json_array();
	json_object_set_new(out, "images", images);

	json_t *desc = json_object();
	json_object_set_new(desc, "digest", json_string(tag->digest.s));
	json_object_set_new(desc, "size", json_integer((json_int_t)tag->size));
	if (strcmp(tag->media_type, GS_MT_INDEX) == 0) {
		cleanup_json json_t *index = read_json_blob(store, tag->digest.s, err);
		if (!index)
			goto fail;
		size_t i;
		json_t *m;
		json_array_foreach(json_object_get(index, "manifests"), i, m) {
			json_t *img = describe_manifest(store, m, err);
			if (!img)
				goto fail;
			json_array_append_new(images, img);
		}
	} else {
		json_t *img = describe_manifest(store, desc, err);
		if (!img)
			goto fail;
		json_array_append_new(images, img);
	}
	json_decref(desc);
	return out;
fail:
	json_decref(desc);
	json_decref(out);
	return NULL;
}

static void human(FILE *f, json_int_t bytes)
{
	if (bytes < 1024)
		fprintf(f, "%lld B", (long long)bytes);
	else if (bytes < 1024 * 1024)
		fprintf(f, "%.1f KiB", (double)bytes / 1024);
	else
		fprintf(f, "%.1f MiB", (double)bytes / (1024 * 1024));
}

static void print_strings(FILE *f, const char *label, json_t *arr)
{
	if (!json_array_size(arr))
		return;
	fprintf(f, "      %-11s", label);
	size_t i;
	json_t *s;
	json_array_foreach(arr, i, s) fprintf(f, "%s%s", i ? " " : "", json_string_value(s));
	fputc('\n', f);
}

static void print_text(FILE *f, json_t *tags)
{
	size_t i, j, k;
	json_t *t, *img, *l;
	json_array_foreach(tags, i, t) {
		fprintf(f, "%s%s\n  digest     %s\n  type       %s\n  name       %s\n", i ? "\n" : "",
			jstr(t, "tag"), jstr(t, "digest"), jstr(t, "mediaType"), jstr(t, "name"));
		json_array_foreach(json_object_get(t, "images"), j, img) {
			json_t *c = json_object_get(img, "settings");
			fprintf(f, "  %s\n      manifest   %s\n      config     %s\n      created    %s\n",
				jstr(img, "platform"), jstr(img, "manifest"), jstr(img, "config"),
				jstr(img, "created"));
			print_strings(f, "entrypoint", json_object_get(c, "Entrypoint"));
			print_strings(f, "cmd", json_object_get(c, "Cmd"));
			print_strings(f, "env", json_object_get(c, "Env"));
			if (*jstr(c, "User"))
				fprintf(f, "      user       %s\n", jstr(c, "User"));
			if (*jstr(c, "WorkingDir"))
				fprintf(f, "      workdir    %s\n", jstr(c, "WorkingDir"));
			json_array_foreach(json_object_get(img, "layers"), k, l) {
				fprintf(f, "      layer      %s  ", jstr(l, "digest"));
				human(f, json_integer_value(json_object_get(l, "size")));
				fputs(" (", f);
				human(f, json_integer_value(json_object_get(l, "uncompressedSize")));
				fputs(" uncompressed)\n", f);
			}
		}
	}
}

int gs_inspect(const gs_store_t *store, const char *ref_name, int as_json, char **out,
	       gs_error_t *err)
{
	gs_tag_list_t tags = {0};
	if (gs_layout_read_tags(store, &tags, err) < 0)
		return -1;
	cleanup_json json_t *all = json_array();
	int r = -1;
	for (size_t i = 0; i < tags.n; i++) {
		if (ref_name && (!tags.v[i].ref_name || strcmp(tags.v[i].ref_name, ref_name) != 0))
			continue;
		json_t *t = describe_tag(store, &tags.v[i], err);
		if (!t) {
			gs_error_wrap(err, "inspecting '%s'",
				      tags.v[i].ref_name ? tags.v[i].ref_name : tags.v[i].digest.s);
			goto out;
		}
		json_array_append_new(all, t);
	}
	if (ref_name && json_array_size(all) == 0) {
		gs_error_set(err, 0, "no tag '%s' in '%s'; 'gsimage inspect %s' lists the tags",
			     ref_name, gs_store_dir(store), gs_store_dir(store));
		goto out;
	}
	if (as_json) {
		char *s = json_dumps(all, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (!s)
			abort();
		*out = x_asprintf("%s\n", s);
		free(s);
	} else {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		if (!f)
			abort();
		if (json_array_size(all) == 0)
			fprintf(f, "no tags in '%s'\n", gs_store_dir(store));
		print_text(f, all);
		fclose(f);
		*out = buf;
	}
	r = 0;
out:
	gs_tag_list_release(&tags);
	return r;
}

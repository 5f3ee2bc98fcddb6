/* gsimage inspect: every tag of a layout read back through the verified
 * reader (oci/blobread.h).  Descriptor sizes are checked, JSON blobs are
 * size-capped, nested image indexes are followed (up to MAX_DEPTH), and
 * each layer is decompressed and its diff_id checked: a mismatch is an
 * error, not a flag in the output.  Work is memoised by digest, so many
 * tags over the same images read each index, manifest, config and layer
 * once. */
#include "gsimage/pipeline/inspect.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "gsimage/oci/artifact.h"
#include "gsimage/oci/blobread.h"
#include "gsimage/oci/digest.h"
#include "gsimage/oci/layout.h"
#include "gsimage/oci/mediatype.h"
#include "gsimage/pipeline/target.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/json.h"
#include "gsimage/util/size.h"
#include "gsimage/util/xalloc.h"

/* Image indexes inside image indexes, at most this deep. */
#define MAX_DEPTH 8

struct inspector {
	const gs_store_t *store;
	const gs_tag_list_t *tags; /* to find each image's referrers-fallback tag */
	json_t *described; /* "<digest>@<size>" -> array of image descriptions */
	json_t *layers;    /* "<digest>@<size>" -> {"size": n, "diffID": "sha256:..."} */
};

static const char *jstr(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

static void memo_key(const gs_blob_desc_t *d, char *buf, size_t n)
{
	snprintf(buf, n, "%s@%llu", d->digest.s, (unsigned long long)d->size);
}

/* Uncompressed size and digest of a layer, decompressed once per digest. */
static int measure_layer(struct inspector *in, const gs_blob_desc_t *layer, json_int_t *size,
			 gs_digest_t *diff_id, gs_error_t *err)
{
	char key[GS_DIGEST_STR_LEN + 32];
	memo_key(layer, key, sizeof(key));
	json_t *m = json_object_get(in->layers, key);
	if (!m) {
		uint64_t usize = 0;
		gs_digest_t got;
		if (gs_blob_read_layer(in->store, layer, NULL, NULL, NULL, &usize, &got, err) < 0)
			return -1;
		m = json_pack("{s:I, s:s}", "size", (json_int_t)usize, "diffID", got.s);
		if (!m)
			abort();
		json_object_set_new(in->layers, key, m);
	}
	*size = json_integer_value(json_object_get(m, "size"));
	memcpy(diff_id->s, jstr(m, "diffID"), sizeof(diff_id->s));
	diff_id->s[GS_DIGEST_STR_LEN] = '\0';
	return 0;
}

/* One image: its platform, digests, config summary and layers. */
static json_t *describe_image(struct inspector *in, const gs_blob_desc_t *desc, json_t *manifest,
			      gs_error_t *err)
{
	gs_blob_image_t img = GS_BLOB_IMAGE_INIT;
	if (gs_blob_read_image(in->store, desc, manifest, &img, err) < 0)
		return NULL;
	json_t *config = img.config;
	json_t *out = json_object();
	const char *variant = jstr(config, "variant");
	cleanup_free char *platform =
		*variant ? x_asprintf("%s/%s/%s", jstr(config, "os"), jstr(config, "architecture"),
				      variant)
			 : x_asprintf("%s/%s", jstr(config, "os"), jstr(config, "architecture"));
	json_object_set_new(out, "platform", json_string(platform));
	json_object_set_new(out, "manifest", json_string(desc->digest.s));
	json_object_set_new(out, "manifestSize", json_integer((json_int_t)desc->size));
	json_object_set_new(out, "config", json_string(img.config_desc.digest.s));
	json_object_set(out, "created", json_object_get(config, "created"));
	json_t *cfg = json_object_get(config, "config");
	json_object_set_new(out, "settings", cfg ? json_deep_copy(cfg) : json_object());

	json_t *layers = json_array();
	json_object_set_new(out, "layers", layers);
	for (size_t i = 0; i < img.n_layers; i++) {
		const gs_blob_desc_t *l = &img.layers[i];
		json_int_t usize = 0;
		gs_digest_t diff_id;
		if (measure_layer(in, l, &usize, &diff_id, err) < 0 ||
		    gs_blob_check_diff_id(l, &diff_id, &img.diff_ids[i], err) < 0) {
			json_decref(out);
			out = NULL;
			break;
		}
		json_t *jl = json_object();
		json_object_set_new(jl, "digest", json_string(l->digest.s));
		json_object_set_new(jl, "mediaType", gs_json_string(l->media_type ? l->media_type : ""));
		json_object_set_new(jl, "size", json_integer((json_int_t)l->size));
		json_object_set_new(jl, "uncompressedSize", json_integer(usize));
		json_object_set_new(jl, "diffID", json_string(diff_id.s));
		json_object_set_new(jl, "diffIDMatches", json_true()); /* a mismatch is an error */
		json_array_append_new(layers, jl);
	}
	gs_blob_image_release(&img);
	return out;
}

/* An OCI 1.1 artifact (an SBOM): its type, subject and layers, each layer
 * verified (size and digest) but not unpacked: it is no tar. */
static json_t *describe_artifact(struct inspector *in, const gs_blob_desc_t *desc,
				 json_t *manifest, gs_error_t *err)
{
	json_t *out = json_object();
	json_object_set_new(out, "artifactType", gs_json_string(jstr(manifest, "artifactType")));
	json_object_set_new(out, "manifest", json_string(desc->digest.s));
	json_object_set_new(out, "manifestSize", json_integer((json_int_t)desc->size));
	json_object_set_new(out, "subject",
			    gs_json_string(jstr(json_object_get(manifest, "subject"), "digest")));
	json_t *layers = json_array();
	json_object_set_new(out, "layers", layers);
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(manifest, "layers"), i, l) {
		gs_blob_desc_t ld;
		gs_blob_reader_t *r = NULL;
		if (gs_blob_desc_parse(l, "artifact layer", &ld, err) < 0 ||
		    gs_blob_reader_open(in->store, &ld.digest, ld.size, "artifact layer", &r, err) < 0 ||
		    gs_blob_reader_finish(r, err) < 0) {
			gs_blob_reader_free(r);
			json_decref(out);
			return NULL;
		}
		gs_blob_reader_free(r);
		json_t *jl = json_object();
		json_object_set_new(jl, "digest", json_string(ld.digest.s));
		json_object_set_new(jl, "mediaType", gs_json_string(ld.media_type ? ld.media_type : ""));
		json_object_set_new(jl, "size", json_integer((json_int_t)ld.size));
		json_array_append_new(layers, jl);
	}
	return out;
}

/* The artifact types the image's referrers-fallback tag lists. */
static json_t *referrers_of(struct inspector *in, const gs_digest_t *manifest, gs_error_t *err)
{
	json_t *types = json_array();
	cleanup_free char *fallback = gs_referrers_tag(manifest);
	for (size_t i = 0; i < in->tags->n; i++) {
		const gs_tag_t *t = &in->tags->v[i];
		if (!t->ref_name || strcmp(t->ref_name, fallback) != 0)
			continue;
		gs_blob_desc_t d = {t->media_type, t->digest, t->size};
		cleanup_json json_t *idx = gs_blob_read_json(in->store, &d, "referrers index", NULL,
							     NULL, err);
		if (!idx) {
			json_decref(types);
			return NULL;
		}
		size_t j;
		json_t *m;
		json_array_foreach(json_object_get(idx, "manifests"), j, m)
			json_array_append_new(types, gs_json_string(jstr(m, "artifactType")));
	}
	return types;
}

/* Append to images what desc points at: one image for a manifest, each
 * image of an index (nested indexes followed). */
static int describe(struct inspector *in, const gs_blob_desc_t *desc, int depth, json_t *images,
		    gs_error_t *err)
{
	char key[GS_DIGEST_STR_LEN + 32];
	memo_key(desc, key, sizeof(key));
	json_t *done = json_object_get(in->described, key);
	if (done) {
		json_array_extend(images, done);
		return 0;
	}
	int says_index = gs_mediatype_is_index(desc->media_type);
	cleanup_json json_t *doc = gs_blob_read_json(in->store, desc, says_index ? "index" : "manifest",
						     NULL, NULL, err);
	if (!doc)
		return -1;
	int is_index = gs_blob_json_is_index(doc);
	if (says_index != is_index && (says_index || gs_mediatype_is_manifest(desc->media_type)))
		return gs_error_set(err, 0, "'%s' is described as '%s' but is an image %s",
				    desc->digest.s, desc->media_type, is_index ? "index" : "manifest");
	cleanup_json json_t *found = json_array();
	if (!is_index && json_object_get(doc, "artifactType")) {
		json_t *art = describe_artifact(in, desc, doc, err);
		if (!art)
			return -1;
		json_array_append_new(found, art);
	} else if (!is_index) {
		json_t *img = describe_image(in, desc, doc, err);
		json_t *refs = img ? referrers_of(in, &desc->digest, err) : NULL;
		if (!refs) {
			json_decref(img);
			return -1;
		}
		json_object_set_new(img, "referrers", refs);
		json_array_append_new(found, img);
	} else {
		if (depth >= MAX_DEPTH)
			return gs_error_set(err, 0,
					    "index '%s' nests image indexes more than %d deep",
					    desc->digest.s, MAX_DEPTH);
		json_t *ms = json_object_get(doc, "manifests");
		if (!json_is_array(ms))
			return gs_error_set(err, 0, "index '%s' has no manifests array",
					    desc->digest.s);
		size_t i;
		json_t *m;
		json_array_foreach(ms, i, m) {
			gs_blob_desc_t child;
			char what[48];
			snprintf(what, sizeof(what), "manifests[%zu]", i);
			if (gs_blob_desc_parse(m, what, &child, err) < 0 ||
			    describe(in, &child, depth + 1, found, err) < 0)
				return gs_error_wrap(err, "index '%s'", desc->digest.s);
		}
	}
	json_object_set(in->described, key, found);
	json_array_extend(images, found);
	return 0;
}

static json_t *describe_tag(struct inspector *in, const gs_tag_t *tag, gs_error_t *err)
{
	if (!tag->digest.s[0]) {
		gs_error_set(err, 0, "its digest is not sha256, the only algorithm gsimage reads");
		return NULL;
	}
	json_t *out = json_object();
	json_object_set_new(out, "tag", json_string(tag->ref_name ? tag->ref_name : ""));
	json_object_set_new(out, "name", json_string(tag->full_name ? tag->full_name : ""));
	json_object_set_new(out, "digest", json_string(tag->digest.s));
	json_object_set_new(out, "mediaType", json_string(tag->media_type));
	json_object_set_new(out, "size", json_integer((json_int_t)tag->size));
	json_t *images = json_array();
	json_object_set_new(out, "images", images);
	gs_blob_desc_t desc = {tag->media_type, tag->digest, tag->size};
	if (describe(in, &desc, 0, images, err) < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* "2.1 MiB" into f. */
static void human(FILE *f, json_int_t bytes)
{
	cleanup_free char *text = gs_size_human((unsigned long long)bytes);
	fputs(text, f);
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
			if (json_object_get(img, "artifactType")) {
				fprintf(f, "  artifact   %s\n      manifest   %s\n      subject    %s\n",
					jstr(img, "artifactType"), jstr(img, "manifest"),
					jstr(img, "subject"));
				json_array_foreach(json_object_get(img, "layers"), k, l) {
					fprintf(f, "      layer      %s  ", jstr(l, "digest"));
					human(f, json_integer_value(json_object_get(l, "size")));
					fputc('\n', f);
				}
				continue;
			}
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
			print_strings(f, "referrers", json_object_get(img, "referrers"));
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
	cleanup_json json_t *described = json_object();
	cleanup_json json_t *layers = json_object();
	struct inspector in = {store, &tags, described, layers};
	int r = -1;
	for (size_t i = 0; i < tags.n; i++) {
		if (ref_name && (!tags.v[i].ref_name || strcmp(tags.v[i].ref_name, ref_name) != 0))
			continue;
		json_t *t = describe_tag(&in, &tags.v[i], err);
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

int gs_inspect_target(const char *target, int as_json, char **out, gs_error_t *err)
{
	cleanup_free char *dir = NULL, *ref = NULL;
	gs_target_split(target, &dir, &ref);
	if (!*dir)
		return gs_error_usage(err, "empty layout directory in '%s'", target);
	gs_store_t *store = NULL;
	if (gs_store_open(dir, 0, &store, err) < 0)
		return -1;
	int r = gs_inspect(store, ref && *ref ? ref : NULL, as_json, out, err);
	gs_store_free(store);
	return r;
}

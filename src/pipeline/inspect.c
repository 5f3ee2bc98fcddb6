/* gsimage inspect: every tag of a layout read back through the verified
 * reader (oci/blobread.h).  Descriptor sizes are checked, JSON blobs are
 * size-capped, nested image indexes are followed (up to MAX_DEPTH) by the
 * layout walker (oci/walk.h), and each layer is decompressed and its
 * diff_id checked: a mismatch is an error, not a flag in the output.
 * Descriptions are memoised by digest and size, so many tags over the same
 * images read each config and decompress each layer once. */
#include "gsimage/pipeline/inspect.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "gsimage/oci/blobread.h"
#include "gsimage/oci/digest.h"
#include "gsimage/oci/layout.h"
#include "gsimage/oci/mediatype.h"
#include "gsimage/oci/walk.h"
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
	json_t *images;    /* the images of the tag being walked (borrowed) */
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
	gs_json_set(out, "platform", gs_json_string(platform));
	gs_json_set(out, "manifest", json_string(desc->digest.s));
	json_object_set_new(out, "manifestSize", json_integer((json_int_t)desc->size));
	gs_json_set(out, "config", json_string(img.config_desc.digest.s));
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
		gs_json_set(jl, "digest", json_string(l->digest.s));
		gs_json_set(jl, "mediaType", gs_json_string(l->media_type ? l->media_type : ""));
		json_object_set_new(jl, "size", json_integer((json_int_t)l->size));
		json_object_set_new(jl, "uncompressedSize", json_integer(usize));
		gs_json_set(jl, "diffID", json_string(diff_id.s));
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
	gs_json_set(out, "artifactType", gs_json_string(jstr(manifest, "artifactType")));
	gs_json_set(out, "manifest", json_string(desc->digest.s));
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
		gs_json_set(jl, "digest", json_string(ld.digest.s));
		gs_json_set(jl, "mediaType", gs_json_string(ld.media_type ? ld.media_type : ""));
		json_object_set_new(jl, "size", json_integer((json_int_t)ld.size));
		json_array_append_new(layers, jl);
	}
	return out;
}

/* The artifact types the referrers tag n lists, into the description of
 * the image they refer to (its parent in the walk). */
static int list_referrers(struct inspector *in, const gs_walk_node_t *n)
{
	char key[GS_DIGEST_STR_LEN + 32];
	snprintf(key, sizeof(key), "%s@%llu", n->parent->digest,
		 (unsigned long long)n->parent->size);
	json_t *types = json_object_get(json_array_get(json_object_get(in->described, key), 0),
					"referrers");
	size_t j;
	json_t *m;
	json_array_foreach(json_object_get(n->doc, "manifests"), j, m)
		json_array_append_new(types, gs_json_string(jstr(m, "artifactType")));
	return GS_WALK_SKIP; /* the artifacts are described under their own tag */
}

/* A manifest or index the walk reached: an image or artifact is described
 * (once per digest and size), an index is checked and descended into. */
static int describe(struct inspector *in, const gs_walk_node_t *n, gs_error_t *err)
{
	gs_blob_desc_t desc = {n->media_type, {{0}}, n->size};
	if (gs_digest_parse(n->digest, &desc.digest, err) < 0)
		return -1;
	char key[GS_DIGEST_STR_LEN + 32];
	memo_key(&desc, key, sizeof(key));
	json_t *done = json_object_get(in->described, key);
	if (done || !n->doc) {
		json_array_extend(in->images, done ? done : json_array());
		return GS_WALK_SKIP;
	}
	int says_index = gs_mediatype_is_index(n->media_type);
	int is_index = gs_blob_json_is_index(n->doc);
	if (says_index != is_index && (says_index || gs_mediatype_is_manifest(n->media_type)))
		return gs_error_set(err, 0, "'%s' is described as '%s' but is an image %s",
				    n->digest, n->media_type, is_index ? "index" : "manifest");
	if (is_index && n->depth >= MAX_DEPTH)
		return gs_error_set(err, 0, "index '%s' nests image indexes more than %d deep",
				    n->digest, MAX_DEPTH);
	if (is_index)
		return json_is_array(json_object_get(n->doc, "manifests"))
			       ? 0
			       : gs_error_set(err, 0, "index '%s' has no manifests array", n->digest);
	int artifact = json_object_get(n->doc, "artifactType") != NULL;
	json_t *d = artifact ? describe_artifact(in, &desc, n->doc, err)
			     : describe_image(in, &desc, n->doc, err);
	if (!d)
		return -1;
	if (!artifact)
		json_object_set_new(d, "referrers", json_array());
	json_t *found = json_array();
	json_array_append_new(found, d);
	json_object_set_new(in->described, key, found);
	json_array_extend(in->images, found);
	/* an image's referrers come next in the walk; an artifact's subject is
	 * described under its own tag */
	return artifact ? GS_WALK_SKIP : 0;
}

static int inspect_node(void *ctx, const gs_walk_node_t *n, gs_error_t *err)
{
	struct inspector *in = ctx;
	if (n->role == GS_WALK_ROOT || n->role == GS_WALK_MANIFEST)
		return describe(in, n, err);
	if (n->role == GS_WALK_REFERRERS)
		return list_referrers(in, n);
	return GS_WALK_SKIP; /* config and layers: describe_image read them */
}

static json_t *describe_tag(struct inspector *in, const gs_tag_t *tag, gs_error_t *err)
{
	if (!tag->digest.s[0]) {
		gs_error_set(err, 0, "its digest is not sha256, the only algorithm gsimage reads");
		return NULL;
	}
	json_t *out = json_object();
	gs_json_set(out, "tag", gs_json_string(tag->ref_name ? tag->ref_name : ""));
	gs_json_set(out, "name", gs_json_string(tag->full_name ? tag->full_name : ""));
	gs_json_set(out, "digest", json_string(tag->digest.s));
	gs_json_set(out, "mediaType", gs_json_string(tag->media_type));
	json_object_set_new(out, "size", json_integer((json_int_t)tag->size));
	in->images = json_array();
	json_object_set_new(out, "images", in->images);
	/* a walk per tag: each tag's indexes and manifests are read (and
	 * their sizes checked) again, configs and layers only once */
	gs_walk_t w = GS_WALK_INIT(in->store, in->tags, inspect_node, in);
	int r = gs_walk_tag(&w, tag, err);
	gs_walk_release(&w);
	if (r < 0) {
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
	struct inspector in = {store, &tags, described, layers, NULL};
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
		char *s = gs_json_dump(all, GS_JSON_INDENT, NULL);
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

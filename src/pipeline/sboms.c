#include "gsimage/pipeline/sboms.h"

#include <string.h>
#include <sys/stat.h>

#include "gsimage/oci/artifact.h"
#include "gsimage/oci/blobread.h"
#include "gsimage/oci/digest.h"
#include "gsimage/oci/image.h"
#include "gsimage/oci/layout.h"
#include "gsimage/pipeline/attach.h"
#include "gsimage/sbom/cside.h"
#include "gsimage/sbom/goinfo.h"
#include "gsimage/sbom/sbom.h"
#include "gsimage/toolchain/gobuild.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/json.h"
#include "gsimage/util/proc.h"
#include "gsimage/util/xalloc.h"

#ifndef GS_VERSION
#define GS_VERSION "dev"
#endif

extern char **environ;

int gs_sbom_formats_parse(const char *s, int *formats, gs_error_t *err)
{
	*formats = 0;
	if (strcmp(s, "none") == 0)
		return 0;
	cleanup_strvec gs_strvec_t parts = GS_STRVEC_INIT;
	gs_strvec_split(&parts, s, ',');
	for (size_t i = 0; i < parts.n; i++) {
		if (strcmp(parts.v[i], "spdx") == 0)
			*formats |= GS_SBOM_SPDX;
		else if (strcmp(parts.v[i], "cyclonedx") == 0)
			*formats |= GS_SBOM_CYCLONEDX;
		else
			return gs_error_usage(err, "unknown SBOM format '%s' in '--sbom %s'; give "
					      "spdx, cyclonedx, both (spdx,cyclonedx) or none",
					      parts.v[i], s);
	}
	if (!*formats)
		return gs_error_usage(err, "empty '--sbom'; give spdx,cyclonedx or none");
	return 0;
}

/* What the C side is the same for every platform: the compiler's version
 * and the musl it links. */
struct c_side {
	char *cc_version;
	char *musl_version;
	char *cc_name;
};

static int c_side_ask(const gs_compile_result_t *set, struct c_side *c, gs_error_t *err);

/* zig's side comes from the compile stage, which asked `zig env` once (or
 * found the answer in the cache): its version, and the musl in its lib
 * directory. */
static int c_side_detect(const gs_compile_result_t *set, struct c_side *c, gs_error_t *err)
{
	memset(c, 0, sizeof *c);
	if (!set->cgo || !set->cc_driver)
		return 0;
	c->cc_name = gs_path_basename(set->cc_driver);
	if (set->cc_kind == GS_CC_ZIG && set->zig_version && set->zig_lib) {
		c->cc_version = xstrdup(set->zig_version);
		if (gs_sbom_musl_version_zig_lib(set->zig_lib, &c->musl_version, err) < 0)
			return gs_error_wrap(err, "finding the musl version '%s' links",
					     set->cc_driver);
		return 0;
	}
	return c_side_ask(set, c, err);
}

static int c_side_ask(const gs_compile_result_t *set, struct c_side *c, gs_error_t *err)
{
	if (gs_sbom_cc_version(set->cc_kind, set->cc_driver, environ, &c->cc_version, err) < 0)
		return gs_error_wrap(err, "asking '%s' for its version", set->cc_driver);
	if (set->cc_kind == GS_CC_PATH) {
		/* Any other compiler may link any libc: claim musl only when found. */
		gs_error_t ignored = GS_ERROR_INIT;
		if (gs_sbom_detect_musl(set->cc_kind, set->cc_driver, environ, &c->musl_version,
					&ignored) < 0)
			c->musl_version = NULL;
		gs_error_release(&ignored);
		return 0;
	}
	if (gs_sbom_detect_musl(set->cc_kind, set->cc_driver, environ, &c->musl_version, err) < 0)
		return gs_error_wrap(err, "finding the musl version '%s' links", set->cc_driver);
	return 0;
}

static void c_side_release(struct c_side *c)
{
	free(c->cc_version);
	free(c->musl_version);
	free(c->cc_name);
}

static int write_file(const char *dir, const char *name, const char *suffix, const char *json,
		      gs_error_t *err)
{
	cleanup_free char *base = x_asprintf("%s.%s.json", name, suffix);
	cleanup_free char *path = gs_path_join(dir, base);
	cleanup_free char *text = x_asprintf("%s\n", json);
	return gs_output_write_file(path, text, strlen(text), err);
}

static int one_image(gs_store_t *store, const gs_sboms_opts_t *o, const gs_compile_result_t *set,
		     const struct c_side *c, const gs_compiled_t *bin,
		     const gs_packed_image_t *img, gs_error_t *err)
{
	gs_sbom_goinfo_t go;
	memset(&go, 0, sizeof go);
	cleanup_free char *spdx = NULL, *cdx = NULL, *created = NULL;
	int r = -1;
	if (gs_sbom_goinfo_read_file(bin->path, &go, err) < 0) {
		gs_error_wrap(err, "reading the Go build info of the %s binary", img->platform->name);
		goto out;
	}
	/* A prebuilt binary says itself whether cgo went in. */
	const char *cgo_setting = gs_sbom_goinfo_setting(&go, "CGO_ENABLED");
	int cgo = set->cc_driver ? bin->cgo : cgo_setting && strcmp(cgo_setting, "1") == 0;
	/* The compile stage's go list for this platform (none for prebuilt
	 * binaries): no second listing. */
	const gs_strvec_t *pkgs = &bin->cgo_packages;
	gs_sbom_input_t in = {
		.name = o->name,
		.tag = o->tag,
		.platform = img->platform,
		.manifest_digest = img->manifest.s,
		.created = o->epoch,
		.tool_version = GS_VERSION,
		.go = &go,
		.cgo = cgo,
		.cc_kind = set->cc_kind,
		.cc_name = c->cc_name,
		.cc_version = c->cc_version,
		.cc_target = set->cc_driver ? img->platform->zig_target : NULL,
		.musl_version = c->musl_version,
		.cgo_packages = (const char *const *)pkgs->v,
		.n_cgo_packages = pkgs->n,
		.optimize = o->optimize,
		.cgo_cflags = o->cgo_cflags,
	};
	gs_attachment_t docs[2];
	size_t n = 0;
	if (o->formats & GS_SBOM_SPDX) {
		if (gs_sbom_spdx(&in, &spdx, err) < 0)
			goto out;
		docs[n++] = (gs_attachment_t){GS_SBOM_SPDX_MEDIA_TYPE, "sbom.spdx.json", spdx,
					      strlen(spdx)};
	}
	if (o->formats & GS_SBOM_CYCLONEDX) {
		if (gs_sbom_cyclonedx(&in, &cdx, err) < 0)
			goto out;
		docs[n++] = (gs_attachment_t){GS_SBOM_CYCLONEDX_MEDIA_TYPE, "sbom.cdx.json", cdx,
					      strlen(cdx)};
	}
	created = gs_image_time(o->epoch);
	if (gs_attach(store, &img->manifest, img->manifest_size, docs, n, created, NULL, err) < 0)
		goto out;
	if (o->dir) {
		if (gs_fs_mkdir_p(o->dir, 0755, err) < 0)
			goto out;
		cleanup_free char *suffix = gs_platform_suffix(img->platform);
		cleanup_free char *base = x_asprintf("%s-%s", set->name, suffix);
		if ((spdx && write_file(o->dir, base, "spdx", spdx, err) < 0) ||
		    (cdx && write_file(o->dir, base, "cdx", cdx, err) < 0))
			goto out;
	}
	r = 0;
out:
	gs_sbom_goinfo_release(&go);
	return r;
}

int gs_sboms_attach(gs_store_t *store, const gs_sboms_opts_t *o, const gs_binaries_t *bins,
		    const gs_pack_result_t *packed, gs_error_t *err)
{
	if (!o->formats)
		return 0;
	struct c_side c;
	if (c_side_detect(&bins->set, &c, err) < 0)
		return -1;
	int r = 0;
	for (size_t i = 0; r == 0 && i < packed->n_images; i++)
		if (one_image(store, o, &bins->set, &c, &bins->set.bins[i], &packed->images[i],
			      err) < 0)
			r = gs_error_wrap(err, "the SBOM of the %s image",
					  packed->images[i].platform->name);
	c_side_release(&c);
	return r;
}

/* ---- reading them back -------------------------------------------------- */

#define SBOM_MAX (64u * 1024 * 1024)

/* The platform manifest of the image tag points at. */
static int platform_manifest(gs_store_t *store, const gs_tag_t *tag, const gs_platform_t *want,
			     gs_blob_desc_t *out, gs_error_t *err)
{
	gs_blob_desc_t top = {tag->media_type, tag->digest, tag->size};
	cleanup_json json_t *doc = gs_blob_read_json(store, &top, "image", NULL, NULL, err);
	if (!doc)
		return -1;
	if (!gs_blob_json_is_index(doc)) {
		*out = top;
		return 0;
	}
	json_t *ms = json_object_get(doc, "manifests");
	const gs_platform_t *host = gs_platform_host();
	size_t n = json_array_size(ms), host_at = n;
	cleanup_strvec gs_strvec_t names = GS_STRVEC_INIT;
	for (size_t i = 0; i < n; i++) {
		json_t *m = json_array_get(ms, i);
		json_t *p = json_object_get(m, "platform");
		const char *os = json_string_value(json_object_get(p, "os"));
		const char *arch = json_string_value(json_object_get(p, "architecture"));
		const char *variant = json_string_value(json_object_get(p, "variant"));
		const gs_platform_t *row = NULL;
		size_t rows;
		const gs_platform_t *table = gs_platform_table(&rows);
		for (size_t j = 0; os && arch && j < rows; j++)
			if (strcmp(table[j].os, os) == 0 && strcmp(table[j].arch, arch) == 0 &&
			    (!table[j].variant || !variant || strcmp(table[j].variant, variant) == 0))
				row = &table[j];
		gs_strvec_push(&names, row ? row->name : "?");
		if (row && row == want)
			return gs_blob_desc_parse(m, "manifest", out, err);
		if (row && row == host)
			host_at = i;
	}
	if (want) {
		cleanup_free char *list = gs_strvec_join(&names, ", ");
		return gs_error_usage(err, "'%s' has no %s image; it has %s", tag->ref_name,
				      want->name, list);
	}
	if (n == 1 || host_at < n)
		return gs_blob_desc_parse(json_array_get(ms, n == 1 ? 0 : host_at), "manifest", out,
					  err);
	cleanup_free char *list = gs_strvec_join(&names, ", ");
	return gs_error_usage(err, "'%s' has several platforms; give --platform, one of %s",
			      tag->ref_name, list);
}

/* The document of type attached to the image tag points at. */
static int find_sbom(gs_store_t *store, const gs_tag_list_t *tags, const gs_tag_t *tag,
		     const gs_platform_t *platform, const char *type, char **doc, size_t *len,
		     gs_error_t *err)
{
	gs_blob_desc_t manifest;
	if (platform_manifest(store, tag, platform, &manifest, err) < 0)
		return -1;
	cleanup_free char *fallback = gs_referrers_tag(&manifest.digest);
	const gs_tag_t *ft = gs_tag_list_find(tags, fallback);
	if (!ft)
		return gs_error_set(err, 0, "'%s' has no SBOM attached (built with --sbom none, or "
					    "by another tool)", tag->ref_name);
	gs_blob_desc_t fd = {ft->media_type, ft->digest, ft->size};
	cleanup_json json_t *idx = gs_blob_read_json(store, &fd, "referrers index", NULL, NULL, err);
	if (!idx)
		return -1;
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(idx, "manifests"), i, m) {
		const char *at = json_string_value(json_object_get(m, "artifactType"));
		if (!at || strcmp(at, type) != 0)
			continue;
		gs_blob_desc_t ad, layer;
		if (gs_blob_desc_parse(m, "artifact", &ad, err) < 0)
			return -1;
		cleanup_json json_t *art = gs_blob_read_json(store, &ad, "artifact", NULL, NULL, err);
		if (!art || gs_blob_desc_parse(json_array_get(json_object_get(art, "layers"), 0),
					       "SBOM layer", &layer, err) < 0)
			return -1;
		return gs_blob_read(store, &layer.digest, layer.size, SBOM_MAX, "SBOM", doc, len, err);
	}
	return gs_error_set(err, 0, "'%s' has no %s SBOM attached; 'gsimage inspect' lists what "
				    "it has", tag->ref_name, type);
}

int gs_sboms_read(const char *layout_dir, const char *ref, const gs_platform_t *platform,
		  int format, char **doc, size_t *len, gs_error_t *err)
{
	const char *type = format == GS_SBOM_CYCLONEDX ? GS_SBOM_CYCLONEDX_MEDIA_TYPE
						       : GS_SBOM_SPDX_MEDIA_TYPE;
	gs_store_t *store = NULL;
	if (gs_store_open(layout_dir, 0, &store, err) < 0)
		return -1;
	gs_tag_list_t tags = {0};
	int r = gs_layout_read_tags(store, &tags, err);
	if (r == 0) {
		const gs_tag_t *tag = gs_tag_list_find(&tags, ref);
		r = tag ? find_sbom(store, &tags, tag, platform, type, doc, len, err)
			: gs_error_set(err, 0, "no tag '%s' in '%s'; 'gsimage inspect %s' lists the "
					       "tags", ref, layout_dir, layout_dir);
	}
	gs_tag_list_release(&tags);
	gs_store_free(store);
	return r;
}

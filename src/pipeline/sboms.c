#include "gsimage/pipeline/sboms.h"

#include <string.h>
#include <sys/stat.h>

#include "gsimage/oci/artifact.h"
#include "gsimage/oci/blobread.h"
#include "gsimage/oci/digest.h"
#include "gsimage/oci/image.h"
#include "gsimage/oci/layout.h"
#include "gsimage/oci/walk.h"
#include "gsimage/pipeline/attach.h"
#include "gsimage/sbom/cside.h"
#include "gsimage/sbom/goinfo.h"
#include "gsimage/sbom/sbom.h"
#include "gsimage/toolchain/gobuild.h"
#include "gsimage/toolchain/golist.h"
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

/* Tags "a b,c" as "a,b,c", the way go records them; NULL for none. */
static char *tags_canonical(const char *tags)
{
	cleanup_strvec gs_strvec_t v = GS_STRVEC_INIT;
	cleanup_free char *copy = xstrdup(tags ? tags : "");
	char *save = NULL;
	for (char *t = strtok_r(copy, " ,", &save); t; t = strtok_r(NULL, " ,", &save))
		gs_strvec_push(&v, t);
	return v.n ? gs_strvec_join(&v, ",") : NULL;
}

/* The tags go build really got: what the binary's build info records
 * (netgo,osusergo of a pure-Go --pie, $GOFLAGS' -tags), or without any
 * build settings there (not gc), the options' --tags.  Owned, or NULL. */
static char *build_tags(const gs_sbom_goinfo_t *go, const char *opt_tags)
{
	if (gs_sbom_goinfo_setting(go, "-compiler"))
		return tags_canonical(gs_sbom_goinfo_setting(go, "-tags"));
	return tags_canonical(opt_tags);
}

/* The packages with cgo files in the build of bin's platform p, as go
 * list sees them with the build's own tags (a tag such as netgo drops cgo
 * files), sorted. */
static int cgo_packages(const gs_sboms_opts_t *o, const gs_compile_result_t *set,
			const gs_compiled_t *bin, const gs_platform_t *p,
			const gs_sbom_goinfo_t *go, gs_strvec_t *out, gs_error_t *err)
{
	if (!bin->cgo || !set->go_cwd || !set->go)
		return 0;
	cleanup_free char *tags = build_tags(go, o->tags);
	cleanup_free char *listed = tags_canonical(o->tags);
	if (tags ? listed && strcmp(tags, listed) == 0 : !listed) {
		/* The compile stage's go list for this platform, same
		 * package, environment and tags: no second listing. */
		for (size_t i = 0; i < bin->cgo_packages.n; i++)
			gs_strvec_push(out, bin->cgo_packages.v[i]);
	} else {
		/* Where go build ran and what it built: a package of a
		 * required module lives in the module cache, whose own go.mod
		 * (and vendor/) are not the build's. */
		cleanup_strvec gs_strvec_t env = GS_STRVEC_INIT;
		gs_gobuild_t b = {.platform = p, .compiler = GS_COMPILER_GC, .cgo = 1};
		gs_gobuild_env(&b, environ, &env);
		gs_golist_t l = GS_GOLIST_INIT;
		int r = gs_golist_run(set->go, set->go_cwd, set->go_package, tags, set->go_package,
				      env.v, &l, err);
		for (size_t i = 0; r == 0 && i < l.cgo_packages.n; i++)
			gs_strvec_push(out, l.cgo_packages.v[i]);
		gs_golist_release(&l);
		if (r < 0)
			return gs_error_wrap(err, "listing the cgo packages for %s", p->name);
	}
	/* gc links every cgo build externally, and go build then links
	 * runtime/cgo even when no package imports it (a pure-Go --pie, or
	 * --cgo on): go list shows it only when given that -ldflags too. */
	if (set->go_version)
		gs_strvec_push(out, "runtime/cgo");
	gs_sbom_cgo_packages_sort(out);
	return 0;
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
	cleanup_strvec gs_strvec_t pkgs = GS_STRVEC_INIT;
	cleanup_free char *spdx = NULL, *cdx = NULL, *created = NULL;
	int r = -1;
	if (gs_sbom_goinfo_read_file(bin->path, &go, err) < 0) {
		gs_error_wrap(err, "reading the Go build info of the %s binary", img->platform->name);
		/* a static C (or Rust...) binary given to pack: an SBOM of it
		 * would list nothing, so say how to pack it without one */
		if (!set->cc_driver)
			gs_error_set(err, 0, "%s; gsimage's SBOMs describe Go programs: give "
				     "--sbom none to pack '%s' without one", err->msg, bin->path);
		goto out;
	}
	/* A prebuilt binary says itself whether cgo went in. */
	const char *cgo_setting = gs_sbom_goinfo_setting(&go, "CGO_ENABLED");
	int cgo = set->cc_driver ? bin->cgo : cgo_setting && strcmp(cgo_setting, "1") == 0;
	if (cgo_packages(o, set, bin, img->platform, &go, &pkgs, err) < 0)
		goto out;
	gs_sbom_input_t in = {
		.name = set->name,
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
		.cgo_packages = (const char *const *)pkgs.v,
		.n_cgo_packages = pkgs.n,
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

/* What the walks below find. */
struct sbom_search {
	const gs_platform_t *want;
	gs_strvec_t names;      /* the platforms of an index, for messages */
	json_t *manifests;      /* the index's manifest descriptors, in order */
	int is_image;           /* the tag names an image, not an index */
	json_t *image;          /* then its manifest */
	const char *subject;    /* the platform manifest's digest */
	const char *type;       /* the artifact type looked for */
	gs_blob_desc_t layer;   /* its SBOM layer, when found */
	int found;
};

/* The platform row of {os, architecture, variant} (an index entry's
 * "platform", an image config), or NULL. */
static const gs_platform_t *platform_row(json_t *p)
{
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
	return row;
}

static const gs_platform_t *entry_platform(json_t *desc)
{
	return platform_row(json_object_get(desc, "platform"));
}

/* An image tagged alone has its platform in its config only: refuse a
 * --platform it is not, naming the one it is. */
static int image_is(gs_store_t *store, const gs_tag_t *tag, json_t *manifest,
		    const gs_platform_t *want, gs_error_t *err)
{
	gs_blob_desc_t cd;
	if (gs_blob_desc_parse(json_object_get(manifest, "config"), "config", &cd, err) < 0)
		return gs_error_wrap(err, "the image '%s'", tag->ref_name);
	cleanup_json json_t *config = gs_blob_read_json(store, &cd, "config", NULL, NULL, err);
	if (!config)
		return gs_error_wrap(err, "the image '%s'", tag->ref_name);
	const gs_platform_t *row = platform_row(config);
	if (row == want)
		return 0;
	const char *os = json_string_value(json_object_get(config, "os"));
	const char *arch = json_string_value(json_object_get(config, "architecture"));
	const char *variant = json_string_value(json_object_get(config, "variant"));
	cleanup_free char *has = row ? xstrdup(row->name)
				     : x_asprintf("%s/%s%s%s", os ? os : "?", arch ? arch : "?",
						  variant ? "/" : "", variant ? variant : "");
	return gs_error_usage(err, "'%s' has no %s image; it has %s", tag->ref_name, want->name,
			      has);
}

/* The first walk: the image the tag names, or the manifests of its index. */
static int find_manifests(void *ctx, const gs_walk_node_t *n, gs_error_t *err)
{
	(void)err;
	struct sbom_search *s = ctx;
	if (n->role == GS_WALK_ROOT && !gs_blob_json_is_index(n->doc)) {
		s->is_image = 1;
		s->image = json_incref(n->doc);
		return GS_WALK_STOP;
	}
	if (n->role == GS_WALK_MANIFEST && n->parent->role == GS_WALK_ROOT) {
		const gs_platform_t *row = entry_platform(n->desc);
		gs_strvec_push(&s->names, row ? row->name : "?");
		json_array_append(s->manifests, n->desc);
	}
	return n->role == GS_WALK_ROOT ? 0 : GS_WALK_SKIP;
}

/* The platform manifest of the image tag points at. */
static int platform_manifest(gs_store_t *store, const gs_tag_t *tag, struct sbom_search *s,
			     gs_blob_desc_t *out, gs_error_t *err)
{
	gs_walk_t w = GS_WALK_INIT(store, NULL, find_manifests, s);
	int r = gs_walk_tag(&w, tag, err);
	gs_walk_release(&w);
	if (r < 0)
		return -1;
	if (s->is_image) {
		if (s->want && image_is(store, tag, s->image, s->want, err) < 0)
			return -1;
		*out = (gs_blob_desc_t){tag->media_type, tag->digest, tag->size};
		return 0;
	}
	const gs_platform_t *host = gs_platform_host();
	size_t n = json_array_size(s->manifests), host_at = n;
	for (size_t i = 0; i < n; i++) {
		const gs_platform_t *row = entry_platform(json_array_get(s->manifests, i));
		if (row && row == s->want)
			return gs_blob_desc_parse(json_array_get(s->manifests, i), "manifest", out,
						  err);
		if (row && row == host)
			host_at = i;
	}
	cleanup_free char *list = gs_strvec_join(&s->names, ", ");
	if (s->want)
		return gs_error_usage(err, "'%s' has no %s image; it has %s", tag->ref_name,
				      s->want->name, list);
	if (n == 1 || host_at < n)
		return gs_blob_desc_parse(json_array_get(s->manifests, n == 1 ? 0 : host_at),
					  "manifest", out, err);
	return gs_error_usage(err, "'%s' has several platforms; give --platform, one of %s",
			      tag->ref_name, list);
}

/* The second walk: the referrer of the manifest whose type is the one
 * looked for and whose subject is that manifest (a fallback index may
 * list others, stale or foreign), and its SBOM layer. */
static int find_artifact(void *ctx, const gs_walk_node_t *n, gs_error_t *err)
{
	struct sbom_search *s = ctx;
	if (n->role == GS_WALK_ROOT || (n->role == GS_WALK_REFERRERS && !n->parent->parent))
		return 0;
	if (n->role != GS_WALK_MANIFEST || n->parent->role != GS_WALK_REFERRERS)
		return GS_WALK_SKIP;
	const char *at = json_string_value(json_object_get(n->desc, "artifactType"));
	if (!at || strcmp(at, s->type) != 0 || !n->doc)
		return GS_WALK_SKIP;
	const char *subject = json_string_value(
		json_object_get(json_object_get(n->doc, "subject"), "digest"));
	if (!subject || strcmp(subject, s->subject) != 0)
		return GS_WALK_SKIP;
	if (gs_blob_desc_parse(json_array_get(json_object_get(n->doc, "layers"), 0), "SBOM layer",
			       &s->layer, err) < 0)
		return -1;
	s->found = 1;
	return GS_WALK_STOP;
}

/* The document of type attached to the image tag points at. */
static int find_sbom(gs_store_t *store, const gs_tag_list_t *tags, const gs_tag_t *tag,
		     const gs_platform_t *platform, const char *type, char **doc, size_t *len,
		     gs_error_t *err)
{
	struct sbom_search s = {.want = platform, .names = GS_STRVEC_INIT,
				.manifests = json_array(), .type = type};
	gs_blob_desc_t manifest;
	int r = platform_manifest(store, tag, &s, &manifest, err);
	cleanup_free char *fallback = r < 0 ? NULL : gs_referrers_tag(&manifest.digest);
	s.subject = manifest.digest.s;
	if (r == 0 && !gs_tag_list_find(tags, fallback))
		r = gs_error_set(err, 0, "'%s' has no SBOM attached (built with --sbom none, or "
					 "by another tool)", tag->ref_name);
	gs_tag_t root = {.ref_name = tag->ref_name, .media_type = (char *)manifest.media_type,
			 .digest = manifest.digest, .size = manifest.size};
	gs_walk_t w = GS_WALK_INIT(store, tags, find_artifact, &s);
	if (r == 0)
		r = gs_walk_tag(&w, &root, err);
	gs_walk_release(&w);
	gs_strvec_release(&s.names);
	json_decref(s.manifests);
	json_decref(s.image);
	if (r < 0)
		return -1;
	if (!s.found)
		return gs_error_set(err, 0, "'%s' has no %s SBOM attached; 'gsimage inspect' lists "
					    "what it has", tag->ref_name, type);
	return gs_blob_read(store, &s.layer.digest, s.layer.size, SBOM_MAX, "SBOM", doc, len, err);
}

int gs_sboms_read(const char *layout_dir, const char *ref, const gs_platform_t *platform,
		  int format, char **doc, size_t *len, gs_error_t *err)
{
	const char *type = format == GS_SBOM_CYCLONEDX ? GS_SBOM_CYCLONEDX_MEDIA_TYPE
						       : GS_SBOM_SPDX_MEDIA_TYPE;
	gs_store_t *store = NULL;
	if (gs_layout_open(layout_dir, GS_LAYOUT_READ, &store, err) < 0)
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

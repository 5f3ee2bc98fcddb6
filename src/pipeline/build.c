#include "gsimage/pipeline/build.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/export.h"
#include "gsimage/oci/image.h"
#include "gsimage/oci/layout.h"
#include "gsimage/oci/ref.h"
#include "gsimage/pipeline/binaries.h"
#include "gsimage/pipeline/rootfs.h"
#include "gsimage/pipeline/sboms.h"
#include "gsimage/toolchain/vcs.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/json.h"
#include "gsimage/util/xalloc.h"

void gs_build_request_init(gs_build_request_t *req)
{
	memset(req, 0, sizeof *req);
	req->compile.package = ".";
	req->compile.cc_kind = GS_CC_ZIG;
	req->compile.cgo = GS_CGO_AUTO;
	req->compile.compiler = GS_COMPILER_GC;
	req->image.compression = GS_COMPRESS_GZIP;
	req->image.level = -1;
	req->layout_dir = "oci";
	req->sbom_formats = GS_SBOM_DEFAULT;
}

void gs_build_request_release(gs_build_request_t *req)
{
	gs_pack_opts_release(&req->image);
	gs_strvec_release(&req->add_specs);
	gs_strvec_release(&req->annotations);
	gs_strvec_release(&req->tags);
}

void gs_build_result_release(gs_build_result_t *res)
{
	gs_pack_result_release(&res->image);
	gs_strvec_release(&res->tags);
	free(res->pushed);
	res->pushed = NULL;
}

/* ---- checks before anything is compiled or written ---------------------- */

static int platform_requested(const gs_build_request_t *req, const gs_platform_t *p)
{
	for (size_t i = 0; i < req->compile.n_platforms; i++)
		if (req->compile.platforms[i] == p)
			return 1;
	return 0;
}

/* Is path the layout directory itself or inside it? */
static int inside_layout(const char *real_path, const char *layout_real)
{
	size_t n = strlen(layout_real);
	return strncmp(real_path, layout_real, n) == 0 &&
	       (real_path[n] == '\0' || real_path[n] == '/' || strcmp(layout_real, "/") == 0);
}

static int is_stdout(const char *file)
{
	return file && strcmp(file, "-") == 0;
}

/* An output file must be writable where it is asked for, and never the
 * layout's own files (--digest-file L/index.json would lose every tag). */
static int check_output_file(const char *flag, const char *file, const char *layout_real,
			     gs_error_t *err)
{
	if (!*file)
		return gs_error_usage(err, "empty '%s'; give a file name or '-'", flag);
	if (is_stdout(file))
		return 0;
	struct stat st;
	if (stat(file, &st) == 0 && S_ISDIR(st.st_mode))
		return gs_error_usage(err, "'%s %s' is a directory; give a file name", flag, file);
	cleanup_free char *real = gs_output_real_path(file);
	if (!real) {
		cleanup_free char *dir = xstrdup(file);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		return gs_error_usage(err, "'%s %s': directory '%s' does not exist", flag, file,
				      slash ? (*dir ? dir : "/") : ".");
	}
	if (layout_real && inside_layout(real, layout_real))
		return gs_error_usage(err, "'%s %s' is inside the OCI layout '%s'; write it "
				      "elsewhere", flag, file, layout_real);
	return 0;
}

/* Where the layout directory is, or will be once created: its real path,
 * or NULL when not even its parent exists. */
static char *layout_real_path(const char *dir)
{
	return gs_output_real_path(dir);
}

/* The output files and the flags that name them, in one order. */
#define N_OUTPUTS 4
static const char *const output_flags[N_OUTPUTS] = {"--docker-archive", "--oci-archive",
						    "--digest-file", "--metadata-file"};

static void output_files(const gs_build_request_t *req, const char *files[N_OUTPUTS])
{
	files[0] = req->docker_archive;
	files[1] = req->oci_archive;
	files[2] = req->digest_file;
	files[3] = req->metadata_file;
}

int gs_build_stdout_taken(const gs_build_request_t *req)
{
	const char *files[N_OUTPUTS];
	output_files(req, files);
	for (size_t i = 0; i < N_OUTPUTS; i++)
		if (is_stdout(files[i]))
			return 1;
	return 0;
}

/* Each output file checked; '-' (stdout) for one of them at most, since
 * two would be interleaved. */
static int check_outputs(const gs_build_request_t *req, gs_error_t *err)
{
	cleanup_free char *layout_real = layout_real_path(req->layout_dir);
	const char *files[N_OUTPUTS], *on_stdout = NULL;
	output_files(req, files);
	for (size_t i = 0; i < N_OUTPUTS; i++) {
		if (!files[i])
			continue;
		if (is_stdout(files[i])) {
			if (on_stdout)
				return gs_error_usage(err, "%s - and %s - would both write to stdout; "
						      "give one of them a file", on_stdout,
						      output_flags[i]);
			on_stdout = output_flags[i];
		}
		if (check_output_file(output_flags[i], files[i], layout_real, err) < 0)
			return -1;
	}
	return 0;
}

/* --sbom-dir: a directory (created when missing) outside the layout. */
static int check_sbom_dir(const gs_build_request_t *req, gs_error_t *err)
{
	struct stat st;
	if (!*req->sbom_dir)
		return gs_error_usage(err, "empty '--sbom-dir'; give a directory");
	if (!req->sbom_formats)
		return gs_error_usage(err, "--sbom-dir with --sbom none writes nothing; drop one");
	if (stat(req->sbom_dir, &st) == 0 && !S_ISDIR(st.st_mode))
		return gs_error_usage(err, "'--sbom-dir %s' is not a directory", req->sbom_dir);
	cleanup_free char *layout_real = layout_real_path(req->layout_dir);
	cleanup_free char *real = gs_output_real_path(req->sbom_dir);
	if (layout_real && real && inside_layout(real, layout_real))
		return gs_error_usage(err, "'--sbom-dir %s' is inside the OCI layout '%s'; write "
				      "the SBOMs elsewhere", req->sbom_dir, layout_real);
	return 0;
}

/* An --add tree that holds the layout would put the layout, and the blobs
 * this build writes, into the image. */
static int check_adds_outside_layout(const gs_build_request_t *req, gs_error_t *err)
{
	cleanup_free char *layout_real = layout_real_path(req->layout_dir);
	if (!layout_real)
		return 0;
	for (size_t i = 0; i < req->add_specs.n; i++) {
		const char *spec = req->add_specs.v[i];
		const char *colon = strrchr(spec, ':');
		cleanup_free char *src = xstrndup(spec, colon ? (size_t)(colon - spec) : strlen(spec));
		cleanup_free char *src_real = realpath(src, NULL);
		if (src_real && inside_layout(layout_real, src_real))
			return gs_error_usage(err, "'--add %s' contains the OCI layout '%s'; add a "
					      "directory that does not hold -o", spec,
					      req->layout_dir);
	}
	return 0;
}

/* --ca-certs / --no-ca-certs / the host's bundle; --tzdata. */
static void essentials_defaults(const gs_build_request_t *req, gs_essentials_opts_t *e)
{
	if (req->image.bare || req->no_ca_certs)
		e->ca_certs = NULL;
	else if (req->ca_certs)
		e->ca_certs = req->ca_certs;
	else if (access(GS_CA_BUNDLE_PATH, R_OK) == 0)
		e->ca_certs = GS_CA_BUNDLE_PATH;
	e->zoneinfo = req->tzdata ? GS_ZONEINFO_PATH : NULL;
}

/* A --binary-path that is an essentials path (/etc/passwd, /tmp) would
 * shadow it in the image: refuse it. */
static int check_binary_path(const gs_build_request_t *req, const gs_essentials_opts_t *e,
			     gs_error_t *err)
{
	const char *path = req->image.binary_path;
	if (!path || req->image.bare)
		return 0;
	gs_layer_t *layer = gs_layer_new();
	int r = gs_essentials_add(layer, e, err);
	if (r == 0 && gs_layer_add_data(layer, path, 0755, 0, 0, "", 0, err) < 0) {
		gs_error_release(err);
		r = gs_error_usage(err, "'--binary-path %s' would shadow a file of the essentials "
				   "layer; choose another path or add --bare", path);
	}
	gs_layer_free(layer);
	return r;
}

/* One build's own state.  The request is never written: what the build
 * derives from it (the essentials, the walked --add trees, the name and
 * annotations, the layer cache) lives in image, a copy of req->image
 * whose annotations and adds are this build's own. */
struct build {
	const gs_build_request_t *req;
	gs_pack_opts_t image;
	gs_store_t *store;
	gs_binaries_t bins;
	gs_lock_t gc_hold;
};

static void build_release(struct build *b)
{
	gs_strvec_release(&b->image.annotations);
	gs_layer_free(b->image.adds);
	gs_binaries_release(&b->bins);
	gs_lock_release(&b->gc_hold);
	gs_store_free(b->store);
	memset(b, 0, sizeof *b);
}

/* Everything that can be checked before compiling: option combinations,
 * output files' directories, the CA bundle, every --add tree (walked once
 * here, into b->image.adds) and the tags. */
static int check(struct build *b, gs_error_t *err)
{
	const gs_build_request_t *req = b->req;
	if (req->image.bare && (req->ca_certs || req->tzdata))
		return gs_error_usage(err, "--bare leaves out the essentials layer; drop --ca-certs "
				      "and --tzdata or drop --bare");
	if (req->ca_certs && req->no_ca_certs)
		return gs_error_usage(err, "--ca-certs and --no-ca-certs contradict each other");
	if (req->docker_platform && !req->docker_archive)
		return gs_error_usage(err, "--docker-platform needs --docker-archive FILE");
	if (req->docker_platform) {
		const gs_platform_t *p = gs_platform_find(req->docker_platform);
		if (!p)
			return gs_error_usage(err, "'--docker-platform %s' is not a platform gsimage "
					      "knows", req->docker_platform);
		if (!req->n_prebuilt && !platform_requested(req, p))
			return gs_error_usage(err, "'--docker-platform %s' is not one of the "
					      "platforms built; add it to --platform",
					      req->docker_platform);
	}
	if (req->n_prebuilt && req->platforms_given && req->compile.n_platforms != req->n_prebuilt)
		return gs_error_usage(err, "--platform names %zu platforms for %zu binaries; give "
				      "one per binary, in the same order, or none",
				      req->compile.n_platforms, req->n_prebuilt);
	if (check_outputs(req, err) < 0)
		return -1;
	if (req->sbom_dir && check_sbom_dir(req, err) < 0)
		return -1;
	if (req->ca_certs && access(req->ca_certs, R_OK) < 0)
		return gs_error_usage(err, "'--ca-certs %s': cannot read it: %s", req->ca_certs,
				      strerror(errno));
	if (req->push_dest) {
		gs_ref_t ref = GS_REF_INIT;
		int r = gs_ref_parse(req->push_dest, &ref, err);
		gs_ref_release(&ref);
		if (r < 0)
			return gs_error_wrap(err, "--push");
	}
	for (size_t i = 0; i < req->tags.n; i++) {
		gs_ref_t ref = GS_REF_INIT;
		int r = gs_ref_parse(req->tags.v[i], &ref, err);
		gs_ref_release(&ref);
		if (r < 0)
			return -1;
	}
	if (check_adds_outside_layout(req, err) < 0)
		return -1;
	essentials_defaults(req, &b->image.essentials);
	if (check_binary_path(req, &b->image.essentials, err) < 0)
		return -1;
	/* Walk every --add tree once: a symlink out of its tree, a device or an
	 * unreadable file is refused here, and the pack stage reuses the walk. */
	return req->add_specs.n ? gs_adds_layer(&req->add_specs, &b->image.adds, err) : 0;
}

/* ---- policy ------------------------------------------------------------- */

/* org.opencontainers.image.* from the build, then --annotation on top
 * (same key: replaced in place, so the order stays fixed). */
static void standard_annotations(const gs_build_request_t *req, const gs_compile_result_t *built,
				 gs_strvec_t *a)
{
	cleanup_free char *created = gs_image_time(req->image.epoch);
	gs_vcs_info_t vcs = {0};
	if (built->dir) /* pack: binaries have no package directory */
		gs_vcs_info_read(built->dir, &vcs);
	if (vcs.warning)
		gs_progress(&req->compile.progress, "warning: %s", vcs.warning);
	gs_strvec_setenv(a, "org.opencontainers.image.created", created);
	gs_strvec_setenv(a, "org.opencontainers.image.title", built->name);
	if (vcs.source)
		gs_strvec_setenv(a, "org.opencontainers.image.source", vcs.source);
	if (vcs.revision)
		gs_strvec_setenv(a, "org.opencontainers.image.revision", vcs.revision);
	if (vcs.version)
		gs_strvec_setenv(a, "org.opencontainers.image.version", vcs.version);
	gs_strvec_setenv(a, "org.opencontainers.image.base.name", "scratch");
	gs_vcs_info_release(&vcs);
	for (size_t i = 0; i < req->annotations.n; i++) {
		const char *kv = req->annotations.v[i];
		size_t klen = strcspn(kv, "=");
		cleanup_free char *key = xstrndup(kv, klen);
		gs_strvec_setenv(a, key, kv + klen + (kv[klen] ? 1 : 0));
	}
}

/* The tags to set: every -t, or "<name>:latest" (repository names are
 * lowercase: "MyApp" is tagged myapp:latest). */
static int tags_to_set(const gs_build_request_t *req, const char *name, gs_ref_t **refs,
		       size_t *n, gs_error_t *err)
{
	size_t count = req->tags.n ? req->tags.n : 1;
	gs_ref_t *v = xcalloc(count, sizeof *v);
	int r = 0;
	if (req->tags.n) {
		for (size_t i = 0; r == 0 && i < count; i++)
			r = gs_ref_parse(req->tags.v[i], &v[i], err);
	} else {
		cleanup_free char *def = x_asprintf("%s:latest", name);
		for (char *c = def; *c && *c != ':'; c++)
			*c = (char)tolower((unsigned char)*c);
		if ((r = gs_ref_parse(def, &v[0], err)) < 0)
			gs_error_wrap(err, "default tag for program '%s'; give -t NAME:TAG", name);
	}
	if (r < 0) {
		for (size_t i = 0; i < count; i++)
			gs_ref_release(&v[i]);
		free(v);
		return -1;
	}
	*refs = v;
	*n = count;
	return 0;
}

/* ---- the layout --------------------------------------------------------- */

/* An -o we cannot write to fails with "...: Read-only file system" (or
 * permission denied); say what to do about it. */
static int layout_not_writable(gs_error_t *err)
{
	if (err->errnum == EROFS || err->errnum == EACCES || err->errnum == EPERM) {
		char *old = err->msg;
		err->msg = x_asprintf("%s; choose a writable -o directory", old);
		free(old);
	}
	return -1;
}

/* Open an existing layout before compiling: a bad -o is refused early, a
 * corrupted index.json is never written over, and a layout we cannot write
 * to is refused here too, not after the build. */
static int open_layout(const char *dir, gs_store_t **store, gs_error_t *err)
{
	if (gs_layout_open(dir, GS_LAYOUT_CREATE, store, err) < 0)
		return layout_not_writable(err);
	if (gs_layout_check(*store, err) < 0)
		return -1;
	if (access(dir, W_OK) < 0) {
		gs_error_set(err, errno, "cannot write to OCI layout '%s'", dir);
		return layout_not_writable(err);
	}
	return 0;
}

/* Is dir missing, or an empty directory?  Such a layout is created only
 * once there is an image to put in it, so that a build refused later (a
 * bad binary, an underivable tag) leaves nothing behind. */
static int layout_is_new(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) < 0)
		return errno == ENOENT;
	if (!S_ISDIR(st.st_mode))
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *de;
	int empty = 1;
	while (empty && (de = readdir(d)))
		empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/* A new layout is created with its missing parents: the nearest directory
 * that exists must be writable now, not after the build. */
static int check_new_layout(const char *dir, gs_error_t *err)
{
	cleanup_free char *where = xstrdup(dir);
	struct stat st;
	while (stat(where, &st) < 0) {
		if (strcmp(where, ".") == 0 || strcmp(where, "/") == 0)
			return gs_error_set(err, errno, "cannot create OCI layout '%s'", dir);
		char *slash = strrchr(where, '/');
		while (slash && slash > where && slash[1] == '\0') { /* "a/b/" */
			*slash = '\0';
			slash = strrchr(where, '/');
		}
		if (!slash) {
			strcpy(where, ".");
		} else if (slash == where) {
			where[1] = '\0';
		} else {
			*slash = '\0';
		}
	}
	if (!S_ISDIR(st.st_mode))
		return gs_error_usage(err, "cannot create OCI layout '%s': '%s' is not a directory",
				      dir, where);
	if (access(where, W_OK) < 0) {
		gs_error_set(err, errno, "cannot create OCI layout '%s'", dir);
		return layout_not_writable(err);
	}
	return 0;
}

/* ---- outputs ------------------------------------------------------------ */

static int write_docker_archive(const gs_build_request_t *req, gs_store_t *store,
				const gs_pack_result_t *packed, const gs_ref_t *refs, size_t n_refs,
				gs_error_t *err)
{
	const gs_packed_image_t *img = &packed->images[0];
	if (req->docker_platform) {
		const gs_platform_t *want = gs_platform_find(req->docker_platform);
		img = NULL;
		for (size_t i = 0; want && i < packed->n_images; i++)
			if (packed->images[i].platform == want)
				img = &packed->images[i];
		if (!img)
			return gs_error_usage(err, "'--docker-platform %s' is not one of the platforms "
					      "built", req->docker_platform);
	}
	cleanup_strvec gs_strvec_t names = GS_STRVEC_INIT;
	for (size_t i = 0; i < n_refs; i++)
		gs_strvec_push(&names, refs[i].full);
	gs_progress(&req->compile.progress, "writing docker archive %s (%s)", req->docker_archive, img->platform->name);
	return gs_export_docker_archive(store, &img->manifest, &names, req->docker_archive, err);
}

static int write_output_text(const char *path, char *text, gs_error_t *err)
{
	int r = gs_output_write_file(path, text, strlen(text), err);
	free(text);
	return r;
}

/* ---- the pipeline ------------------------------------------------------- */

static int built_for(const gs_compile_result_t *set, const char *platform)
{
	const gs_platform_t *p = gs_platform_find(platform);
	for (size_t i = 0; i < set->n_bins; i++)
		if (set->bins[i].platform == p)
			return 1;
	return 0;
}

static int get_binaries(const gs_build_request_t *req, gs_binaries_t *bins, gs_error_t *err)
{
	if (req->n_prebuilt) {
		if (gs_binaries_prebuilt(req->prebuilt, req->n_prebuilt,
					 req->platforms_given ? req->compile.platforms : NULL,
					 req->name, bins, err) < 0)
			return -1;
		if (req->docker_platform && !built_for(&bins->set, req->docker_platform))
			return gs_error_usage(err, "'--docker-platform %s' is not the platform of any "
					      "binary given", req->docker_platform);
		return 0;
	}
	/* Each binary links at its build key's stable path in the cache, so
	 * Go skips an unchanged link; it stays locked until bins is released,
	 * after the image refers to its layer. */
	gs_compile_opts_t o = req->compile;
	o.stable_output = 1;
	return gs_binaries_compile(&o, bins, err);
}

static int pack_and_tag(struct build *b, gs_build_result_t *res, gs_error_t *err)
{
	const gs_build_request_t *req = b->req;
	gs_store_t *store = b->store;
	const gs_binaries_t *bins = &b->bins;
	const gs_compile_result_t *set = &bins->set;
	gs_ref_t *refs = NULL;
	size_t n_refs = 0;
	if (tags_to_set(req, set->name, &refs, &n_refs, err) < 0)
		return -1;

	int r = -1;
	gs_pack_binary_t *pack_bins = xcalloc(set->n_bins, sizeof *pack_bins);
	/* The layer cache knows a binary by the Go that built it and its Go
	 * build ID. */
	cleanup_strvec gs_strvec_t content_ids = GS_STRVEC_INIT;
	for (size_t i = 0; i < set->n_bins; i++) {
		const char *id = NULL;
		if (set->bins[i].build_id) {
			gs_strvec_pushf(&content_ids, "%s %s", set->go_version ? set->go_version : "",
					set->bins[i].build_id);
			id = content_ids.v[content_ids.n - 1];
		}
		pack_bins[i] = (gs_pack_binary_t){set->bins[i].platform, set->bins[i].path, id};
	}
	b->image.name = set->name;
	standard_annotations(req, set, &b->image.annotations);
	/* Unchanged layers already in the layout are reused; this runs under
	 * the gc lock, so a verified blob stays until a tag refers to it. */
	/* Only for compiled binaries: the edit-build loop.  gsimage pack of a
	 * prebuilt binary into a new layout would pay the key's extra hash of
	 * the binary for nothing. */
	b->image.cache = (gs_layercache_t){
		.dir = req->n_prebuilt ? NULL : req->cache_dir,
		.warn = req->compile.progress,
	};
	gs_progress(&req->compile.progress, "writing image layers and manifests");
	if (gs_pack(store, &b->image, pack_bins, set->n_bins, &res->image, err) < 0)
		goto out;
	if (req->sbom_formats) {
		gs_sboms_opts_t so = {
			.formats = req->sbom_formats,
			.dir = req->sbom_dir,
			.epoch = req->image.epoch,
			/* the C flags go build used: the user's, or --optimize's */
			.cgo_cflags = req->compile.user_cgo_cflags
					      ? req->cgo_cflags
					      : gs_optimize_cflags(req->compile.optimize,
										 req->compile.cc_kind),
			.optimize = req->compile.user_cgo_cflags ? NULL : gs_optimize_name(req->compile.optimize),
			.tags = req->compile.tags,
		};
		gs_progress(&req->compile.progress, "writing the SBOMs and attaching them to the image");
		if (gs_sboms_attach(store, &so, bins, &res->image, err) < 0)
			goto out;
	}
	if (req->sign.key) { /* signatures and provenance: pipeline/sign.c */
		cleanup_free char *repo = gs_push_repository(refs[0].given);
		gs_progress(&req->compile.progress, "signing the image and attesting its provenance");
		gs_sign_stage_opts_t sign = req->sign;
		sign.cache_dir = req->cache_dir;
		if (gs_sign_build(store, &sign, bins, &res->image, repo, err) < 0)
			goto out;
	}
	for (size_t i = 0; i < n_refs; i++)
		gs_strvec_push(&res->tags, refs[i].name); /* "app" is app:latest */

	/* Every output before the tags move, so a failure leaves the tags as
	 * they were.  The OCI archive is the exception: it carries the layout,
	 * tags included, so it comes after them. */
	/* The digest and metadata files name blobs too: their directory
	 * entries durable first, as before an index.json write. */
	if (gs_store_sync_pending(store, err) < 0)
		goto out;
	if (req->docker_archive &&
	    write_docker_archive(req, store, &res->image, refs, n_refs, err) < 0)
		goto out;
	if (req->digest_file &&
	    write_output_text(req->digest_file, x_asprintf("%s\n", res->image.top.s), err) < 0)
		goto out;
	if (req->metadata_file) {
		cleanup_free char *json = gs_build_metadata_json(res);
		if (write_output_text(req->metadata_file, x_asprintf("%s\n", json), err) < 0)
			goto out;
	}
	for (size_t i = 0; i < n_refs; i++) {
		if (gs_layout_set_tag(store, refs[i].name, refs[i].full, res->image.top_media_type,
				      &res->image.top, res->image.top_size, err) < 0)
			goto out; /* the message already says "tagging '<ref>'" */
		gs_progress(&req->compile.progress, "tagged %s in %s", refs[i].name, req->layout_dir);
	}
	if (req->oci_archive) {
		gs_progress(&req->compile.progress, "writing the OCI archive");
		if (gs_export_oci_archive(store, req->oci_archive, err) < 0)
			goto out;
	}
	r = 0;
out:
	b->image.cache = (gs_layercache_t){0};
	free(pack_bins);
	for (size_t i = 0; i < n_refs; i++)
		gs_ref_release(&refs[i]);
	free(refs);
	return r;
}

/* The layout: an existing one opened (checked) before anything compiles,
 * so a bad -o fails first; a new one only checked (created once there is
 * an image to put in it, so a refused build leaves nothing behind). */
static int layout_first(struct build *b, int *new_layout, gs_error_t *err)
{
	*new_layout = layout_is_new(b->req->layout_dir);
	return *new_layout ? check_new_layout(b->req->layout_dir, err)
			   : open_layout(b->req->layout_dir, &b->store, err);
}

/* The gc lock (shared) is held from before the layout is read to the
 * tags, so a concurrent `gsimage gc` waits instead of removing a blob
 * this build writes, or finds already there, before a tag refers to it.
 * It is taken after the compile stage, whose cache entry locks come first
 * in util/lock.h's order. */
static int layout_then(struct build *b, int new_layout, gs_error_t *err)
{
	if (new_layout && open_layout(b->req->layout_dir, &b->store, err) < 0)
		return -1;
	return gs_store_gc_lock(b->store, GS_LOCK_SHARED, &b->gc_hold, err);
}

static int push(struct build *b, gs_build_result_t *res, gs_error_t *err)
{
	/* push only reads the layout */
	gs_lock_release(&b->gc_hold);
	gs_store_free(b->store);
	b->store = NULL;
	gs_push_request_t push = b->req->push;
	push.layout_dir = b->req->layout_dir;
	push.ref = res->tags.v[0];
	push.digest = res->image.top.s; /* what was built, even if retagged */
	push.dest = b->req->push_dest;
	return gs_push(&push, &res->pushed, err);
}

int gs_build(const gs_build_request_t *req, gs_build_result_t *res, gs_error_t *err)
{
	memset(res, 0, sizeof *res);
	struct build b = {.req = req, .image = req->image, .gc_hold = GS_LOCK_INIT};
	b.image.annotations = (gs_strvec_t)GS_STRVEC_INIT; /* this build's own */
	b.image.adds = NULL;
	int new_layout = 0;
	int r = -1;
	if (check(&b, err) == 0 && layout_first(&b, &new_layout, err) == 0 &&
	    get_binaries(req, &b.bins, err) == 0 && layout_then(&b, new_layout, err) == 0 &&
	    pack_and_tag(&b, res, err) == 0)
		r = req->push_dest ? push(&b, res, err) : 0;
	build_release(&b);
	if (r < 0)
		gs_build_result_release(res);
	return r;
}

char *gs_build_metadata_json(const gs_build_result_t *res)
{
	const gs_pack_result_t *img = &res->image;
	json_t *root = json_object();
	json_t *jtags = json_array();
	for (size_t i = 0; i < res->tags.n; i++)
		json_array_append_new(jtags, json_string(res->tags.v[i]));
	json_object_set_new(root, "tags", jtags);
	json_object_set_new(root, "digest", json_string(img->top.s));
	json_object_set_new(root, "mediaType", json_string(img->top_media_type));
	json_object_set_new(root, "size", json_integer((json_int_t)img->top_size));
	json_t *plats = json_array();
	for (size_t i = 0; i < img->n_images; i++) {
		const gs_packed_image_t *pi = &img->images[i];
		json_t *p = json_object();
		json_object_set_new(p, "platform", json_string(pi->platform->name));
		json_object_set_new(p, "digest", json_string(pi->manifest.s));
		json_object_set_new(p, "size", json_integer((json_int_t)pi->manifest_size));
		json_object_set_new(p, "config", json_string(pi->config.s));
		json_t *layers = json_array();
		for (size_t j = 0; j < pi->n_layers; j++) {
			const gs_layer_info_t *l = &pi->layers[j];
			json_t *jl = json_object();
			json_object_set_new(jl, "digest", json_string(l->digest.s));
			json_object_set_new(jl, "size", json_integer((json_int_t)l->size));
			json_object_set_new(jl, "diffID", json_string(l->diff_id.s));
			json_object_set_new(jl, "uncompressedSize",
					    json_integer((json_int_t)l->uncompressed_size));
			json_array_append_new(layers, jl);
		}
		json_object_set_new(p, "layers", layers);
		json_array_append_new(plats, p);
	}
	json_object_set_new(root, "platforms", plats);
	char *s = gs_json_dump(root, GS_JSON_INDENT, NULL);
	json_decref(root);
	return s;
}

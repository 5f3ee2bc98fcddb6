#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/export.h"
#include "gsimage/oci/image.h"
#include "gsimage/oci/layer.h"
#include "gsimage/oci/layout.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/proc.h"
#include "gsimage/util/xalloc.h"
#include "oci_testutil.h"
#include "oci_testimage.h"

/* ------------------------------------------------------------------ */
/* Reading an archive back                                              */

struct entry {
	char *name;
	unsigned char *data;
	size_t size;
	mode_t type;
	unsigned perm;
	int64_t mtime, uid, gid;
	int has_uname, has_gname;
};

struct entries {
	struct entry v[64];
	size_t n;
};

static void read_tar_mem(struct archive *a, struct entries *out)
{
	struct archive_entry *e;
	memset(out, 0, sizeof(*out));
	int r;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		assert_true(out->n < 64);
		struct entry *x = &out->v[out->n++];
		x->name = xstrdup(archive_entry_pathname(e));
		x->type = archive_entry_filetype(e);
		x->perm = archive_entry_perm(e);
		x->mtime = archive_entry_mtime(e);
		x->uid = archive_entry_uid(e);
		x->gid = archive_entry_gid(e);
		/* an empty ustar field reads back as "" */
		x->has_uname = archive_entry_uname(e) && *archive_entry_uname(e);
		x->has_gname = archive_entry_gname(e) && *archive_entry_gname(e);
		x->size = (size_t)archive_entry_size(e);
		x->data = xmalloc(x->size + 1);
		size_t got = 0;
		la_ssize_t n;
		while (got < x->size &&
		       (n = archive_read_data(a, x->data + got, x->size - got)) > 0)
			got += (size_t)n;
		assert_int_equal(got, x->size);
		x->data[x->size] = '\0';
	}
	assert_int_equal(r, ARCHIVE_EOF);
}

static void read_tar(const char *path, struct entries *out)
{
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_filename(a, path, 10240), ARCHIVE_OK);
	read_tar_mem(a, out);
	archive_read_free(a);
}

static void entries_release(struct entries *es)
{
	for (size_t i = 0; i < es->n; i++) {
		free(es->v[i].name);
		free(es->v[i].data);
	}
	es->n = 0;
}

static const struct entry *find(const struct entries *es, const char *name)
{
	for (size_t i = 0; i < es->n; i++)
		if (strcmp(es->v[i].name, name) == 0)
			return &es->v[i];
	return NULL;
}

static void assert_hygiene(const struct entries *es)
{
	for (size_t i = 0; i < es->n; i++) {
		const struct entry *x = &es->v[i];
		assert_int_equal(x->mtime, 0);
		assert_int_equal(x->uid, 0);
		assert_int_equal(x->gid, 0);
		assert_false(x->has_uname);
		assert_false(x->has_gname);
		if (x->type == AE_IFDIR)
			assert_int_equal(x->perm, 0755);
		else
			assert_int_equal(x->perm, 0644);
	}
}

static void assert_same_file(const char *a, const char *b)
{
	size_t la = 0, lb = 0;
	char *da = tu_read(a, &la);
	char *db = tu_read(b, &lb);
	assert_non_null(da);
	assert_non_null(db);
	assert_int_equal(la, lb);
	assert_memory_equal(da, db, la);
	free(da);
	free(db);
}

/* No export temp file left in dir. */
static void assert_no_temp(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	while ((de = readdir(d)))
		assert_false(strncmp(de->d_name, ".tmp-", 5) == 0); /* gs_output_open's temp */
	closedir(d);
}

static int path_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

/* ------------------------------------------------------------------ */
/* skopeo, when it is here                                              */

static int have_skopeo(void)
{
	char *p = gs_proc_which("skopeo", NULL);
	int ok = p != NULL;
	free(p);
	if (!ok)
		print_message("[ SKIP     ] skopeo not in PATH: not checking the archives with it\n");
	return ok;
}

static int run(const char *cmd)
{
	int st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* sha256 of what `skopeo inspect --raw --config SRC` prints */
static void skopeo_config_digest(const char *scratch, const char *src, gs_digest_t *out)
{
	char *outf = x_asprintf("%s/skopeo-config.out", scratch);
	char *cmd = x_asprintf("skopeo inspect --raw --config '%s' > '%s' 2>/dev/null", src, outf);
	assert_int_equal(run(cmd), 0);
	size_t len = 0;
	char *data = tu_read(outf, &len);
	assert_non_null(data);
	gs_digest_buffer(data, len, out);
	free(data);
	unlink(outf);
	free(cmd);
	free(outf);
}

/* ------------------------------------------------------------------ */
/* docker-archive                                                       */

static void check_docker_archive(const char *path, const struct image *img,
				 const char *want_tags_json, const char *want_repos_json)
{
	struct entries es;
	read_tar(path, &es);
	assert_hygiene(&es);
	char cfg_name[80], layer_name[80];
	snprintf(cfg_name, sizeof(cfg_name), "%s.json", gs_digest_hex(&img->config));
	snprintf(layer_name, sizeof(layer_name), "%s.tar", gs_digest_hex(&img->diff_id));
	/* fixed order */
	assert_int_equal(es.n, 4);
	assert_string_equal(es.v[0].name, "manifest.json");
	assert_string_equal(es.v[1].name, "repositories");
	assert_string_equal(es.v[2].name, cfg_name);
	assert_string_equal(es.v[3].name, layer_name);

	/* manifest.json points at files that are there */
	json_error_t jerr;
	json_t *m = json_loads((char *)es.v[0].data, 0, &jerr);
	assert_non_null(m);
	assert_true(json_is_array(m));
	assert_int_equal(json_array_size(m), 1);
	json_t *e = json_array_get(m, 0);
	const char *cfg = json_string_value(json_object_get(e, "Config"));
	assert_non_null(cfg);
	assert_non_null(find(&es, cfg));
	json_t *layers = json_object_get(e, "Layers");
	assert_int_equal(json_array_size(layers), 1);
	const char *lname = json_string_value(json_array_get(layers, 0));
	assert_non_null(lname);
	const struct entry *le = find(&es, lname);
	assert_non_null(le);
	char *tags = json_dumps(json_object_get(e, "RepoTags"), JSON_COMPACT);
	assert_string_equal(tags, want_tags_json);
	free(tags);
	assert_string_equal((char *)es.v[1].data, want_repos_json);

	/* the config is the blob byte for byte; the layer hashes to diff_id */
	gs_digest_t d;
	const struct entry *ce = find(&es, cfg);
	gs_digest_buffer(ce->data, ce->size, &d);
	assert_string_equal(d.s, img->config.s);
	gs_digest_buffer(le->data, le->size, &d);
	assert_string_equal(d.s, img->diff_id.s);

	/* and it is an uncompressed tar with the files */
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a); /* no filters: must be plain */
	assert_int_equal(archive_read_open_memory(a, le->data, le->size), ARCHIVE_OK);
	struct entries inner;
	read_tar_mem(a, &inner);
	archive_read_free(a);
	const struct entry *app = find(&inner, "usr/local/bin/app");
	assert_non_null(app);
	assert_string_equal((char *)app->data, "#!not really a go binary\n");
	assert_non_null(find(&inner, "etc/hello"));
	entries_release(&inner);
	entries_release(&es);
	json_decref(m);
}

/* One compression; skopeo checks the gzip case only. */
static void docker_archive_case(tu_fixture_t *fx, gs_compression_t comp)
{
	const char *scratch = fx->scratch;
	gs_error_t err = GS_ERROR_INIT;
	gs_store_t *store = fx->store;
	struct image img;
	build_image(store, scratch, comp, CORRUPT_NONE, "app:static", &img);

	gs_strvec_t tags = GS_STRVEC_INIT;
	gs_strvec_push(&tags, "docker.io/library/app:static");
	char *out1 = x_asprintf("%s/app.tar", scratch);
	char *out2 = x_asprintf("%s/app2.tar", scratch);
	assert_int_equal(gs_export_docker_archive(store, &img.manifest, &tags, out1, &err),
			 0);
	assert_null(err.msg);
	char *repos = x_asprintf("{\"docker.io/library/app\":{\"static\":\"%s\"}}",
				 gs_digest_hex(&img.config));
	check_docker_archive(out1, &img, "[\"docker.io/library/app:static\"]", repos);
	free(repos);

	/* same inputs, same bytes; and an existing file is replaced */
	assert_int_equal(gs_export_docker_archive(store, &img.manifest, &tags, out2, &err),
			 0);
	assert_same_file(out1, out2);
	assert_int_equal(gs_export_docker_archive(store, &img.manifest, &tags, out2, &err),
			 0);
	assert_same_file(out1, out2);
	struct stat st;
	assert_int_equal(stat(out1, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_no_temp(scratch);

	if (comp == GS_COMPRESS_GZIP && have_skopeo()) {
		char *cmd = x_asprintf(
			"skopeo inspect --raw 'docker-archive:%s' > /dev/null", out1);
		assert_int_equal(run(cmd), 0);
		free(cmd);
		char *src = x_asprintf("docker-archive:%s", out1);
		gs_digest_t got;
		skopeo_config_digest(scratch, src, &got);
		assert_string_equal(got.s, img.config.s);
		free(src);
		/* skopeo's view of the layers: the uncompressed diff_ids */
		char *f = x_asprintf("%s/inspect.json", scratch);
		cmd = x_asprintf("skopeo inspect 'docker-archive:%s' > '%s'", out1, f);
		assert_int_equal(run(cmd), 0);
		char *txt = tu_read(f, NULL);
		assert_non_null(strstr(txt, img.diff_id.s));
		free(txt);
		free(cmd);
		free(f);
	}

	gs_strvec_release(&tags);
	free(out1);
	free(out2);
}

static void test_docker_archive_gzip(void **state)
{
	docker_archive_case(*state, GS_COMPRESS_GZIP);
}

static void test_docker_archive_zstd(void **state)
{
	docker_archive_case(*state, GS_COMPRESS_ZSTD);
}

static void test_docker_archive_none(void **state)
{
	docker_archive_case(*state, GS_COMPRESS_NONE);
}

static void test_docker_archive_tags(void **state)
{
	tu_fixture_t *fx = *state;
	const char *scratch = fx->scratch;
	gs_error_t err = GS_ERROR_INIT;
	gs_store_t *store = fx->store;
	struct image img;
	build_image(store, scratch, GS_COMPRESS_GZIP, CORRUPT_NONE, NULL, &img);
	char *out = x_asprintf("%s/app.tar", scratch);
	const char *hex = gs_digest_hex(&img.config);

	/* no tags: NULL and empty are the same */
	assert_int_equal(gs_export_docker_archive(store, &img.manifest, NULL, out, &err), 0);
	check_docker_archive(out, &img, "[]", "{}");
	gs_strvec_t tags = GS_STRVEC_INIT;
	char *out2 = x_asprintf("%s/app2.tar", scratch);
	assert_int_equal(gs_export_docker_archive(store, &img.manifest, &tags, out2, &err), 0);
	assert_same_file(out, out2);

	/* several tags, one repeated, two in one repository, a registry port */
	gs_strvec_push(&tags, "docker.io/library/app:static");
	gs_strvec_push(&tags, "localhost:5000/team/app:v1");
	gs_strvec_push(&tags, "docker.io/library/app:latest");
	gs_strvec_push(&tags, "docker.io/library/app:static");
	assert_int_equal(gs_export_docker_archive(store, &img.manifest, &tags, out, &err), 0);
	char *repos = x_asprintf("{\"docker.io/library/app\":{\"static\":\"%s\",\"latest\":\"%s\"},"
				 "\"localhost:5000/team/app\":{\"v1\":\"%s\"}}",
				 hex, hex, hex);
	check_docker_archive(out, &img,
			     "[\"docker.io/library/app:static\",\"localhost:5000/team/app:v1\","
			     "\"docker.io/library/app:latest\"]",
			     repos);
	free(repos);

	/* not name:tag: a usage error, and nothing written */
	static const char *const bad[] = {"app", "localhost:5000/app", "app@sha256:abc", "app:",
					  ":tag"};
	char *out3 = x_asprintf("%s/bad.tar", scratch);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		gs_strvec_t b = GS_STRVEC_INIT;
		gs_strvec_push(&b, bad[i]);
		assert_int_equal(gs_export_docker_archive(store, &img.manifest, &b, out3, &err), -1);
		assert_non_null(strstr(err.msg, "is not a name:tag reference"));
		assert_int_equal(gs_error_exit_status(&err), GS_EXIT_USAGE);
		gs_error_release(&err);
		gs_strvec_release(&b);
		assert_false(path_exists(out3));
	}
	assert_no_temp(scratch);

	free(out3);
	free(out2);
	gs_strvec_release(&tags);
	free(out);
}

static void test_docker_archive_refuses(void **state)
{
	tu_fixture_t *fx = *state;
	const char *scratch = fx->scratch;
	gs_error_t err = GS_ERROR_INIT;
	gs_store_t *store = fx->store;
	char *out = x_asprintf("%s/app.tar", scratch);

	/* config diff_id that is not the layer's */
	struct image img;
	build_image(store, scratch, GS_COMPRESS_GZIP, CORRUPT_DIFF_ID, NULL, &img);
	assert_int_equal(gs_export_docker_archive(store, &img.manifest, NULL, out, &err), -1);
	assert_non_null(strstr(err.msg, "but the config's diff_id is"));
	assert_non_null(strstr(err.msg, "exporting 'sha256:"));
	gs_error_release(&err);
	assert_false(path_exists(out));

	/* manifest says gzip, the blob is a plain tar */
	build_image(store, scratch, GS_COMPRESS_NONE, CORRUPT_MEDIA_TYPE, NULL, &img);
	assert_int_equal(gs_export_docker_archive(store, &img.manifest, NULL, out, &err), -1);
	assert_non_null(strstr(err.msg, "is not gzip-compressed as its mediaType says"));
	gs_error_release(&err);
	assert_false(path_exists(out));

	/* a corrupted layer blob */
	build_image(store, scratch, GS_COMPRESS_GZIP, CORRUPT_NONE, NULL, &img);
	char *lp = gs_store_blob_path(store, &img.layer);
	size_t llen = 0;
	char *ldata = tu_read(lp, &llen);
	chmod(lp, 0644);
	FILE *f = fopen(lp, "wb");
	assert_non_null(f);
	fwrite(ldata, 1, llen, f);
	fputc(0, f); /* trailing garbage: gzip still reads, the digest does not match */
	fclose(f);
	assert_int_equal(gs_export_docker_archive(store, &img.manifest, NULL, out, &err), -1);
	assert_non_null(strstr(err.msg, "layer 'sha256:"));
	gs_error_release(&err);
	assert_false(path_exists(out));
	/* restore it */
	f = fopen(lp, "wb");
	fwrite(ldata, 1, llen, f);
	fclose(f);
	free(ldata);
	free(lp);

	/* an image index is not a manifest */
	gs_descriptor_t md;
	memset(&md, 0, sizeof(md));
	md.digest = img.manifest;
	md.size = img.manifest_size;
	md.os = "linux";
	md.architecture = "amd64";
	size_t ilen = 0;
	char *ijson = gs_image_index_json(&md, 1, NULL, &ilen);
	gs_digest_t idx;
	assert_int_equal(gs_store_put(store, ijson, ilen, &idx, &err), 0);
	free(ijson);
	assert_int_equal(gs_export_docker_archive(store, &idx, NULL, out, &err), -1);
	assert_non_null(strstr(err.msg, "is an image index, not a manifest"));
	gs_error_release(&err);

	/* a blob that is not there */
	gs_digest_t missing;
	gs_digest_buffer("nope", 4, &missing);
	assert_int_equal(gs_export_docker_archive(store, &missing, NULL, out, &err), -1);
	gs_error_release(&err);

	/* an output directory that does not exist */
	char *nodir = x_asprintf("%s/no/such/app.tar", scratch);
	assert_int_equal(gs_export_docker_archive(store, &img.manifest, NULL, nodir, &err), -1);
	assert_non_null(strstr(err.msg, "No such file or directory"));
	gs_error_release(&err);
	free(nodir);

	/* a write that fails half way (file size limit: EFBIG) */
	struct rlimit old_lim, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old_lim), 0);
	void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
	lim = old_lim;
	lim.rlim_cur = 4096;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	int r = gs_export_docker_archive(store, &img.manifest, NULL, out, &err);
	setrlimit(RLIMIT_FSIZE, &old_lim);
	signal(SIGXFSZ, old_handler);
	assert_int_equal(r, -1);
	assert_non_null(strstr(err.msg, "File too large"));
	gs_error_release(&err);
	assert_false(path_exists(out));
	assert_no_temp(scratch);
	char *oout = x_asprintf("%s/layout.tar", scratch);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	signal(SIGXFSZ, SIG_IGN);
	r = gs_export_oci_archive(store, oout, &err);
	setrlimit(RLIMIT_FSIZE, &old_lim);
	signal(SIGXFSZ, old_handler);
	assert_int_equal(r, -1);
	assert_non_null(strstr(err.msg, "File too large"));
	gs_error_release(&err);
	assert_false(path_exists(oout));
	assert_no_temp(scratch);
	free(oout);

	/* still fine after all that, and nothing left behind */
	assert_int_equal(gs_export_docker_archive(store, &img.manifest, NULL, out, &err), 0);
	assert_no_temp(scratch);

	free(out);
}

/* ------------------------------------------------------------------ */
/* oci-archive                                                          */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_oci_archive(void **state)
{
	tu_fixture_t *fx = *state;
	const char *scratch = fx->scratch;
	const char *dir = fx->dir;
	gs_error_t err = GS_ERROR_INIT;
	gs_store_t *store = fx->store;
	struct image img, img2;
	build_image(store, scratch, GS_COMPRESS_GZIP, CORRUPT_NONE, "app:static", &img);
	build_image(store, scratch, GS_COMPRESS_ZSTD, CORRUPT_NONE, "app:zstd", &img2);
	/* gsimage's own files and strangers at the top are not exported */
	char *p = x_asprintf("%s/.gsimage-tmp-abcdef", dir);
	tu_write(p, "partial");
	free(p);
	p = x_asprintf("%s/README", dir);
	tu_write(p, "not part of the layout");
	free(p);
	p = x_asprintf("%s/.gsimage.lock", dir);
	tu_write(p, "");
	free(p);

	char *out1 = x_asprintf("%s/layout.tar", scratch);
	char *out2 = x_asprintf("%s/layout2.tar", scratch);
	assert_int_equal(gs_export_oci_archive(store, out1, &err), 0);
	assert_null(err.msg);
	assert_int_equal(gs_export_oci_archive(store, out2, &err), 0);
	assert_same_file(out1, out2);
	assert_no_temp(scratch);

	struct entries es;
	read_tar(out1, &es);
	assert_hygiene(&es);
	/* exactly: blobs/, blobs/sha256/, sorted blobs, index.json, oci-layout */
	gs_strvec_t blobs = GS_STRVEC_INIT;
	DIR *d = opendir(p = x_asprintf("%s/blobs/sha256", dir));
	free(p);
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			gs_strvec_pushf(&blobs, "blobs/sha256/%s", de->d_name);
	closedir(d);
	qsort(blobs.v, blobs.n, sizeof(char *), cmp_str);
	assert_int_equal(blobs.n, 5); /* 2 layers, 2 manifests, 1 shared config */
	assert_int_equal(es.n, 2 + blobs.n + 2);
	assert_int_equal(es.v[0].type, AE_IFDIR);
	assert_string_equal(es.v[0].name, "blobs/");
	assert_int_equal(es.v[1].type, AE_IFDIR);
	assert_string_equal(es.v[1].name, "blobs/sha256/");
	for (size_t i = 0; i < blobs.n; i++) {
		const struct entry *x = &es.v[2 + i];
		assert_string_equal(x->name, blobs.v[i]);
		assert_int_equal(x->type, AE_IFREG);
		gs_digest_t dg;
		gs_digest_buffer(x->data, x->size, &dg);
		assert_string_equal(gs_digest_hex(&dg), x->name + strlen("blobs/sha256/"));
	}
	assert_string_equal(es.v[2 + blobs.n].name, "index.json");
	assert_string_equal(es.v[3 + blobs.n].name, "oci-layout");
	p = x_asprintf("%s/index.json", dir);
	char *idx = tu_read(p, NULL);
	free(p);
	assert_string_equal((char *)es.v[2 + blobs.n].data, idx);
	free(idx);
	assert_non_null(strstr((char *)es.v[2 + blobs.n].data, img.manifest.s));
	assert_non_null(strstr((char *)es.v[2 + blobs.n].data, img2.manifest.s));
	assert_string_equal((char *)es.v[3 + blobs.n].data, "{\"imageLayoutVersion\":\"1.0.0\"}");
	entries_release(&es);
	gs_strvec_release(&blobs);

	if (have_skopeo()) {
		char *cmd = x_asprintf("skopeo inspect 'oci-archive:%s:app:static' > /dev/null",
				       out1);
		assert_int_equal(run(cmd), 0);
		free(cmd);
		char *src = x_asprintf("oci-archive:%s:app:zstd", out1);
		gs_digest_t got;
		skopeo_config_digest(scratch, src, &got);
		assert_string_equal(got.s, img2.config.s);
		free(src);
		src = x_asprintf("oci-archive:%s:app:static", out1);
		skopeo_config_digest(scratch, src, &got);
		assert_string_equal(got.s, img.config.s);
		free(src);

		/* the docker archive's config is the OCI image's config */
		char *dout = x_asprintf("%s/docker.tar", scratch);
		assert_int_equal(gs_export_docker_archive(store, &img2.manifest, NULL, dout, &err),
				 0);
		src = x_asprintf("docker-archive:%s", dout);
		skopeo_config_digest(scratch, src, &got);
		assert_string_equal(got.s, img2.config.s);
		free(src);
		free(dout);
	}

	/* a corrupted blob is refused, the old archive stays */
	char *lp = gs_store_blob_path(store, &img.layer);
	chmod(lp, 0644);
	tu_write(lp, "garbage");
	free(lp);
	assert_int_equal(gs_export_oci_archive(store, out2, &err), -1);
	assert_non_null(strstr(err.msg, "is corrupted"));
	assert_non_null(strstr(err.msg, "exporting layout '"));
	gs_error_release(&err);
	assert_same_file(out1, out2);
	assert_no_temp(scratch);

	free(out1);
	free(out2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_docker_archive_gzip, tu_store_setup,
						tu_teardown),
		cmocka_unit_test_setup_teardown(test_docker_archive_zstd, tu_store_setup,
						tu_teardown),
		cmocka_unit_test_setup_teardown(test_docker_archive_none, tu_store_setup,
						tu_teardown),
		cmocka_unit_test_setup_teardown(test_docker_archive_tags, tu_store_setup,
						tu_teardown),
		cmocka_unit_test_setup_teardown(test_docker_archive_refuses, tu_store_setup,
						tu_teardown),
		cmocka_unit_test_setup_teardown(test_oci_archive, tu_store_setup, tu_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* gsimage gc: what is reachable from index.json over hand-made layouts
 * (images, nested indexes, artifacts with a subject, other tools' entries),
 * what is removed, what stops gc before it removes anything, and the gc
 * lock a build holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/image.h"
#include "gsimage/oci/layout.h"
#include "gsimage/pipeline/gc.h"
#include "gsimage/util/xalloc.h"
#include "oci_testutil.h"

#define MT_LAYER "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_EMPTY "application/vnd.oci.empty.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar.gzip"

/* ---- fixture: an empty layout, and blobs put into it by hand ------------- */

struct fx {
	char *dir;
	gs_store_t *store;
	gs_error_t err;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);
	f->dir = tu_mkdtemp();
	f->err = (gs_error_t)GS_ERROR_INIT;
	if (gs_store_open(f->dir, 1, &f->store, &f->err) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	gs_store_free(f->store);
	gs_error_release(&f->err);
	tu_rmtree(f->dir);
	free(f);
	return 0;
}

/* A blob of the given text: its digest and size. */
typedef struct blob {
	gs_digest_t d;
	size_t size;
} blob_t;

static blob_t put(struct fx *f, const char *text)
{
	blob_t b;
	b.size = strlen(text);
	assert_int_equal(gs_store_put(f->store, text, b.size, &b.d, &f->err), 0);
	return b;
}

/* {"mediaType":...,"digest":...,"size":...}; owned */
static char *desc(const char *mt, blob_t b)
{
	return x_asprintf("{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu}", mt, b.d.s,
			  b.size);
}

static char *tagged(const char *mt, blob_t b, const char *ref)
{
	return x_asprintf("{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu,\"annotations\":{"
			  "\"org.opencontainers.image.ref.name\":\"%s\"}}",
			  mt, b.d.s, b.size, ref);
}

/* An image: config + the layers given (NULL-terminated texts); the manifest. */
static blob_t image(struct fx *f, const char *config_text, const char *extra_fields, ...)
{
	blob_t c = put(f, config_text);
	char *cd = desc(GS_MT_CONFIG, c);
	char *layers = xstrdup("");
	va_list ap;
	va_start(ap, extra_fields);
	const char *lt;
	while ((lt = va_arg(ap, const char *))) {
		char *ld = desc(MT_LAYER, put(f, lt));
		char *nl = x_asprintf("%s%s%s", layers, *layers ? "," : "", ld);
		free(ld);
		free(layers);
		layers = nl;
	}
	va_end(ap);
	char *m = x_asprintf("{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":%s,\"layers\":[%s]%s}",
			     GS_MT_MANIFEST, cd, layers, extra_fields ? extra_fields : "");
	blob_t mb = put(f, m);
	free(m);
	free(cd);
	free(layers);
	return mb;
}

static blob_t index_of(struct fx *f, const char *mt, const char *entries)
{
	char *t = x_asprintf("{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[%s]}", mt,
			     entries);
	blob_t b = put(f, t);
	free(t);
	return b;
}

/* index.json with the given entries (a JSON array's insides). */
static void write_index(struct fx *f, const char *entries)
{
	char *p = x_asprintf("%s/index.json", f->dir);
	char *t = x_asprintf("{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":[%s]}",
			     GS_MT_INDEX, entries);
	tu_write(p, t);
	free(t);
	free(p);
}

static int has(struct fx *f, blob_t b)
{
	char *p = gs_store_blob_path(f->store, &b.d);
	int there = access(p, F_OK) == 0;
	free(p);
	return there;
}

static int n_blobs(struct fx *f)
{
	char *p = x_asprintf("%s/blobs/sha256", f->dir);
	int n = tu_count_entries(p);
	free(p);
	return n;
}

static void gc_ok(struct fx *f, int dry_run, size_t n_removed, size_t n_live)
{
	gs_gc_opts_t o = {.dry_run = dry_run};
	gs_gc_result_t res;
	int r = gs_gc(f->dir, &o, &res, &f->err);
	if (r < 0)
		fail_msg("gc: %s", f->err.msg);
	assert_int_equal(res.n_removed, n_removed);
	assert_int_equal(res.n_live, n_live);
	gs_gc_result_release(&res);
}

/* gc fails, its message contains want, and no blob is gone. */
static void gc_refuses(struct fx *f, const char *want)
{
	int before = n_blobs(f);
	gs_gc_opts_t o = {0};
	gs_gc_result_t res;
	assert_int_equal(gs_gc(f->dir, &o, &res, &f->err), -1);
	assert_non_null(f->err.msg);
	if (!strstr(f->err.msg, want))
		fail_msg("'%s' does not say '%s'", f->err.msg, want);
	assert_non_null(strstr(f->err.msg, "gc removed nothing"));
	assert_int_equal(n_blobs(f), before);
	gs_error_release(&f->err);
}

static void assert_live(struct fx *f, const blob_t *want, size_t n)
{
	gs_strvec_t live = GS_STRVEC_INIT;
	assert_int_equal(gs_gc_mark(f->store, &live, NULL, &f->err), 0);
	for (size_t i = 0; i < n; i++)
		if (gs_strvec_find(&live, want[i].d.s) < 0)
			fail_msg("%s is not live", want[i].d.s);
	assert_int_equal(live.n, n);
	gs_strvec_release(&live);
}

/* ---- reachability -------------------------------------------------------- */

static void test_image_and_garbage(void **state)
{
	struct fx *f = *state;
	blob_t old = image(f, "{\"old\":1}", NULL, "old layer", "shared layer", NULL);
	blob_t m = image(f, "{\"new\":1}", NULL, "new layer", "shared layer", NULL);
	char *e = tagged(GS_MT_MANIFEST, m, "app:dev");
	write_index(f, e);
	free(e);
	assert_int_equal(n_blobs(f), 7); /* 2 manifests, 2 configs, 3 layers */

	gc_ok(f, 1, 3, 4); /* dry run: the old manifest, config and layer */
	assert_int_equal(n_blobs(f), 7);
	assert_true(has(f, old));
	gc_ok(f, 0, 3, 4);
	assert_int_equal(n_blobs(f), 4);
	assert_false(has(f, old));
	assert_true(has(f, m));
	gc_ok(f, 0, 0, 4); /* nothing left to do */
}

static void test_empty_index_removes_everything(void **state)
{
	struct fx *f = *state;
	image(f, "{}", NULL, "layer", NULL);
	gc_ok(f, 0, 3, 0);
	assert_int_equal(n_blobs(f), 0);
}

static void test_nested_index(void **state)
{
	struct fx *f = *state;
	blob_t c = put(f, "{\"c\":1}"), l = put(f, "layer");
	char *cd = desc(GS_MT_CONFIG, c), *ld = desc(MT_LAYER, l);
	char *mt = x_asprintf("{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":%s,"
			      "\"layers\":[%s]}",
			      GS_MT_MANIFEST, cd, ld);
	blob_t m = put(f, mt);
	char *md = desc(GS_MT_MANIFEST, m);
	blob_t inner = index_of(f, GS_MT_INDEX, md);
	char *id = desc(GS_MT_INDEX, inner);
	blob_t outer = index_of(f, GS_MT_INDEX, id);
	blob_t garbage = put(f, "garbage");
	char *e = tagged(GS_MT_INDEX, outer, "multi:1");
	write_index(f, e);

	blob_t live[] = {outer, inner, m, c, l};
	assert_live(f, live, 5);
	gc_ok(f, 0, 1, 5);
	assert_false(has(f, garbage));
	free(cd), free(ld), free(mt), free(md), free(id), free(e);
}

/* An SBOM attached to an older image through the referrers fallback tag
 * keeps that image; an artifact no entry reaches goes, even when its
 * subject is live. */
/* A referrers-fallback tag lives while its subject does: the SBOM of the
 * tagged image stays, the one of an image no tag names any more goes, tag
 * and all, and an artifact nothing lists goes too. */
static void test_artifact_subject(void **state)
{
	struct fx *f = *state;
	blob_t old = image(f, "{\"old\":1}", NULL, "old layer", NULL);
	blob_t cur = image(f, "{\"cur\":1}", NULL, "cur layer", NULL);
	blob_t empty = put(f, "{}");
	blob_t sbom = put(f, "{\"spdxVersion\":\"SPDX-2.3\"}");
	blob_t old_sbom = put(f, "{\"old-sbom\":1}");
	blob_t orphan_sbom = put(f, "{\"orphan\":1}");
	char *ed = desc(MT_EMPTY, empty), *sd = desc("text/spdx+json", sbom);
	char *osd = desc("text/spdx+json", old_sbom), *od = desc("text/spdx+json", orphan_sbom);
	char *old_d = desc(GS_MT_MANIFEST, old), *cur_d = desc(GS_MT_MANIFEST, cur);
	const char *fmt = "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"artifactType\":"
			  "\"text/spdx+json\",\"config\":%s,\"layers\":[%s],\"subject\":%s}";
	char *art_t = x_asprintf(fmt, GS_MT_MANIFEST, ed, sd, cur_d);
	char *old_art_t = x_asprintf(fmt, GS_MT_MANIFEST, ed, osd, old_d);
	char *orphan_t = x_asprintf(fmt, GS_MT_MANIFEST, ed, od, cur_d);
	blob_t art = put(f, art_t), old_art = put(f, old_art_t), orphan = put(f, orphan_t);
	char *art_d = desc(GS_MT_MANIFEST, art), *old_art_d = desc(GS_MT_MANIFEST, old_art);
	blob_t referrers = index_of(f, GS_MT_INDEX, art_d);
	blob_t old_referrers = index_of(f, GS_MT_INDEX, old_art_d);
	char *fallback = x_asprintf("sha256-%s", gs_digest_hex(&cur.d));
	char *old_fallback = x_asprintf("sha256-%s", gs_digest_hex(&old.d));
	char *e1 = tagged(GS_MT_MANIFEST, cur, "app:latest");
	char *e2 = tagged(GS_MT_INDEX, referrers, fallback);
	char *e3 = tagged(GS_MT_INDEX, old_referrers, old_fallback);
	char *entries = x_asprintf("%s,%s,%s", e1, e2, e3);
	write_index(f, entries);

	/* kept: cur's manifest, config, layer; its SBOM artifact, the empty
	 * config, the SBOM, the referrers index.  Gone: old's three, its
	 * artifact, SBOM and referrers index, and the orphan with its SBOM. */
	gc_ok(f, 0, 8, 7);
	assert_true(has(f, cur));
	assert_true(has(f, art));
	assert_true(has(f, sbom));
	assert_true(has(f, empty));
	assert_true(has(f, referrers));
	assert_false(has(f, old));
	assert_false(has(f, old_art));
	assert_false(has(f, old_sbom));
	assert_false(has(f, orphan));
	assert_false(has(f, orphan_sbom));
	char *ipath = x_asprintf("%s/index.json", f->dir);
	size_t len;
	char *index = tu_read(ipath, &len);
	assert_non_null(strstr(index, fallback));
	assert_null(strstr(index, old_fallback));
	free(index), free(ipath);
	free(ed), free(sd), free(osd), free(od), free(old_d), free(cur_d);
	free(art_t), free(old_art_t), free(orphan_t), free(art_d), free(old_art_d);
	free(fallback), free(old_fallback), free(e1), free(e2), free(e3), free(entries);
}

/* An artifact tagged on its own (sbom:1), whose subject no tag names: the
 * subject is reached through "subject" alone, and stays with its config
 * and layer; gc that did not follow "subject" would leave the artifact
 * pointing at a deleted manifest, an invalid layout. */
static void test_subject_only_reached_by_artifact(void **state)
{
	struct fx *f = *state;
	blob_t sub = image(f, "{\"subject\":1}", NULL, "subject layer", NULL);
	blob_t empty = put(f, "{}");
	blob_t doc = put(f, "{\"spdxVersion\":\"SPDX-2.3\",\"name\":\"subject\"}");
	blob_t garbage = put(f, "garbage");
	char *ed = desc(MT_EMPTY, empty), *dd = desc("text/spdx+json", doc);
	char *sd = desc(GS_MT_MANIFEST, sub);
	char *art_t = x_asprintf("{\"schemaVersion\":2,\"mediaType\":\"%s\",\"artifactType\":"
				 "\"text/spdx+json\",\"config\":%s,\"layers\":[%s],\"subject\":%s}",
				 GS_MT_MANIFEST, ed, dd, sd);
	blob_t art = put(f, art_t);
	char *e = tagged(GS_MT_MANIFEST, art, "sbom:1");
	write_index(f, e);

	/* live: the artifact, its empty config and document, and the subject's
	 * manifest, config and layer; gone: the garbage alone */
	gc_ok(f, 0, 1, 6);
	assert_true(has(f, art));
	assert_true(has(f, sub));
	assert_int_equal(n_blobs(f), 6);
	assert_false(has(f, garbage));
	free(ed), free(dd), free(sd), free(art_t), free(e);
}

/* A referrer of a referrer (an SBOM A1 of the image, a signature A2 of
 * A1), each listed by its referrers-fallback tag, with sha256-<A1> BEFORE
 * sha256-<image> in index.json: the tag of A1's referrers only becomes
 * live once the image's referrers tag has been marked, so one pass over
 * the tags is not enough.  Both tags, both artifacts and their blobs stay. */
static void test_referrer_of_referrer(void **state)
{
	struct fx *f = *state;
	blob_t img = image(f, "{\"img\":1}", NULL, "img layer", NULL);
	blob_t empty = put(f, "{}");
	blob_t d1 = put(f, "{\"sbom\":1}"), d2 = put(f, "{\"signature-of-sbom\":1}");
	char *ed = desc(MT_EMPTY, empty), *d1d = desc("text/spdx+json", d1);
	char *d2d = desc("application/vnd.example.sig", d2);
	char *img_d = desc(GS_MT_MANIFEST, img);
	const char *fmt = "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"artifactType\":"
			  "\"%s\",\"config\":%s,\"layers\":[%s],\"subject\":%s}";
	char *a1_t = x_asprintf(fmt, GS_MT_MANIFEST, "text/spdx+json", ed, d1d, img_d);
	blob_t a1 = put(f, a1_t);
	char *a1_d = desc(GS_MT_MANIFEST, a1);
	char *a2_t = x_asprintf(fmt, GS_MT_MANIFEST, "application/vnd.example.sig", ed, d2d, a1_d);
	blob_t a2 = put(f, a2_t);
	char *a2_d = desc(GS_MT_MANIFEST, a2);
	blob_t r1 = index_of(f, GS_MT_INDEX, a1_d); /* referrers of the image */
	blob_t r2 = index_of(f, GS_MT_INDEX, a2_d); /* referrers of A1 */
	char *t1 = x_asprintf("sha256-%s", gs_digest_hex(&img.d));
	char *t2 = x_asprintf("sha256-%s", gs_digest_hex(&a1.d));
	char *e_img = tagged(GS_MT_MANIFEST, img, "app:1");
	char *e_r2 = tagged(GS_MT_INDEX, r2, t2), *e_r1 = tagged(GS_MT_INDEX, r1, t1);
	char *entries = x_asprintf("%s,%s,%s", e_img, e_r2, e_r1); /* A1's tag first */
	write_index(f, entries);

	/* live: image (3), empty config, A1 + its document, A2 + its document,
	 * R1, R2 = 10; nothing to remove */
	blob_t live[] = {img, empty, d1, d2, a1, a2, r1, r2};
	gs_strvec_t lv = GS_STRVEC_INIT, stale = GS_STRVEC_INIT;
	assert_int_equal(gs_gc_mark(f->store, &lv, &stale, &f->err), 0);
	for (size_t i = 0; i < sizeof live / sizeof live[0]; i++)
		if (gs_strvec_find(&lv, live[i].d.s) < 0)
			fail_msg("%s is not live", live[i].d.s);
	assert_int_equal(lv.n, 10);
	if (stale.n)
		fail_msg("referrers tag '%s' is called stale", stale.v[0]);
	gs_strvec_release(&lv), gs_strvec_release(&stale);
	gc_ok(f, 0, 0, 10);
	assert_true(has(f, a2));
	assert_true(has(f, d2));
	assert_true(has(f, r2));
	char *ipath = x_asprintf("%s/index.json", f->dir);
	size_t len;
	char *index = tu_read(ipath, &len);
	assert_non_null(strstr(index, t2));
	assert_non_null(strstr(index, t1));
	free(index), free(ipath);
	free(ed), free(d1d), free(d2d), free(img_d), free(a1_t), free(a1_d), free(a2_t),
		free(a2_d);
	free(t1), free(t2), free(e_img), free(e_r2), free(e_r1), free(entries);
}

/* Entries other tools write: no annotations at all, Docker media types, a
 * media type nobody knows (every digest in it is kept), a layer that is
 * not there (non-distributable) and one of another algorithm. */
static void test_foreign_entries(void **state)
{
	struct fx *f = *state;
	blob_t dc = put(f, "{\"docker\":1}"), dl = put(f, "docker layer");
	char *dcd = desc(MT_DOCKER_CONFIG, dc), *dld = desc(MT_DOCKER_LAYER, dl);
	char *dm_t = x_asprintf("{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":%s,"
				"\"layers\":[%s,{\"mediaType\":\"application/vnd.oci.image.layer."
				"nondistributable.v1.tar+gzip\",\"digest\":\"sha256:%064d\","
				"\"size\":1,\"urls\":[\"https://example.com/l\"]},{\"mediaType\":"
				"\"%s\",\"digest\":\"sha512:%0128d\",\"size\":1}]}",
				MT_DOCKER_MANIFEST, dcd, dld, 7, MT_LAYER, 5);
	blob_t dm = put(f, dm_t);
	char *dmd = desc(MT_DOCKER_MANIFEST, dm);
	blob_t dlist = index_of(f, MT_DOCKER_LIST, dmd);

	blob_t named = put(f, "named in a field nobody knows");
	blob_t in_layers = put(f, "in layers");
	char *ild = desc("application/octet-stream", in_layers);
	char *odd_t = x_asprintf("{\"whatever\":{\"deep\":[\"%s\"]},\"layers\":[%s]}", named.d.s,
				 ild);
	blob_t odd = put(f, odd_t);
	blob_t garbage = put(f, "garbage");

	char *e1 = desc(MT_DOCKER_LIST, dlist); /* no annotations: untagged */
	char *e2 = desc("application/vnd.example.thing+json", odd);
	char *entries = x_asprintf("%s,%s", e1, e2);
	write_index(f, entries);
	/* not blobs: left alone */
	char *p1 = x_asprintf("%s/blobs/sha256/README", f->dir);
	char *p2 = x_asprintf("%s/blobs/sha256/%064X", f->dir, 10);
	tu_write(p1, "x");
	tu_write(p2, "x");

	blob_t live[] = {dlist, dm, dc, dl, odd, named, in_layers};
	gs_strvec_t got = GS_STRVEC_INIT;
	assert_int_equal(gs_gc_mark(f->store, &got, NULL, &f->err), 0);
	/* the absent non-distributable layer is live too, just not there */
	assert_int_equal(got.n, 8);
	for (size_t i = 0; i < 7; i++)
		assert_true(gs_strvec_find(&got, live[i].d.s) >= 0);
	gs_strvec_release(&got);

	gc_ok(f, 0, 1, 7);
	assert_false(has(f, garbage));
	struct stat st;
	assert_int_equal(stat(p1, &st), 0);
	assert_int_equal(stat(p2, &st), 0);
	free(dcd), free(dld), free(dm_t), free(dmd), free(ild), free(odd_t);
	free(e1), free(e2), free(entries), free(p1), free(p2);
}

/* ---- what stops gc before it removes anything ----------------------------- */

static void test_missing_manifest(void **state)
{
	struct fx *f = *state;
	put(f, "garbage");
	blob_t absent = {.size = 10};
	gs_digest_buffer("not there", 9, &absent.d);
	char *e = tagged(GS_MT_MANIFEST, absent, "app:gone");
	write_index(f, e);
	free(e);
	gc_refuses(f, "tag 'app:gone': blob '");
	/* the same one level down, in an index */
	char *md = desc(GS_MT_MANIFEST, absent);
	blob_t idx = index_of(f, GS_MT_INDEX, md);
	e = tagged(GS_MT_INDEX, idx, "multi:gone");
	write_index(f, e);
	gc_refuses(f, "is missing");
	free(md), free(e);
}

static void test_unreadable_manifests(void **state)
{
	struct fx *f = *state;
	put(f, "garbage");
	/* not JSON */
	blob_t text = put(f, "not json");
	char *e = tagged(GS_MT_MANIFEST, text, "a:text");
	write_index(f, e);
	free(e);
	gc_refuses(f, "is not valid JSON");
	/* JSON, not an object */
	blob_t arr = put(f, "[1,2]");
	e = desc("application/vnd.unknown", arr); /* where a manifest stands */
	write_index(f, e);
	free(e);
	gc_refuses(f, "is not a JSON object");
	/* corrupted on disk: its content no longer hashes to its name */
	blob_t m = image(f, "{}", NULL, "layer", NULL);
	char *p = gs_store_blob_path(f->store, &m.d);
	chmod(p, 0644);
	tu_write(p, "{\"schemaVersion\":2,\"layers\":[]}");
	e = tagged(GS_MT_MANIFEST, m, "a:corrupt");
	write_index(f, e);
	free(e);
	free(p);
	gc_refuses(f, "is corrupted");
	/* a layer descriptor without a digest */
	blob_t bad = put(f, "{\"schemaVersion\":2,\"layers\":[{\"mediaType\":\"x\",\"size\":1}]}");
	e = tagged(GS_MT_MANIFEST, bad, "a:nodigest");
	write_index(f, e);
	free(e);
	gc_refuses(f, "has no digest");
	/* a manifest of another algorithm: its blobs cannot be known */
	e = x_asprintf("{\"mediaType\":\"%s\",\"digest\":\"sha512:%0128d\",\"size\":3}",
		       GS_MT_MANIFEST, 1);
	write_index(f, e);
	free(e);
	gc_refuses(f, "only sha256");
}

static void test_bad_index_json(void **state)
{
	struct fx *f = *state;
	put(f, "garbage");
	char *p = x_asprintf("%s/index.json", f->dir);
	tu_write(p, "{\"schemaVersion\":2,\"manifests\":[");
	gc_refuses(f, "is corrupted");
	unlink(p);
	gc_refuses(f, "index.json' is missing");
	free(p);
}

static void test_not_a_layout(void **state)
{
	struct fx *f = *state;
	gs_gc_opts_t o = {0};
	gs_gc_result_t res;
	char *p = x_asprintf("%s/nothing", f->dir);
	assert_int_equal(gs_gc(p, &o, &res, &f->err), -1);
	assert_non_null(strstr(f->err.msg, "does not exist"));
	gs_error_release(&f->err);
	mkdir(p, 0755);
	assert_int_equal(gs_gc(p, &o, &res, &f->err), -1);
	assert_non_null(strstr(f->err.msg, "not an OCI image layout"));
	gs_error_release(&f->err);
	free(p);
}

/* ---- locks and temp files ------------------------------------------------- */

static void test_gc_lock_modes(void **state)
{
	struct fx *f = *state;
	gs_lock_t sh1 = GS_LOCK_INIT, sh2 = GS_LOCK_INIT, ex = GS_LOCK_INIT;
	const int SH = GS_LOCK_SHARED | GS_LOCK_TRY, EX = GS_LOCK_EXCLUSIVE | GS_LOCK_TRY;
	assert_int_equal(gs_store_gc_lock(f->store, SH, &sh1, &f->err), 0);
	assert_int_equal(gs_store_gc_lock(f->store, SH, &sh2, &f->err), 0); /* builds share */
	assert_int_equal(gs_store_gc_lock(f->store, EX, &ex, &f->err), 1);  /* gc waits */
	assert_false(gs_lock_held(&ex));
	gs_lock_release(&sh1);
	assert_int_equal(gs_store_gc_lock(f->store, EX, &ex, &f->err), 1);
	gs_lock_release(&sh2);
	assert_int_equal(gs_store_gc_lock(f->store, EX, &ex, &f->err), 0);
	assert_int_equal(gs_store_gc_lock(f->store, SH, &sh1, &f->err), 1); /* builds wait */
	gs_lock_release(&ex);
}

static void note_progress(void *ctx, const char *line)
{
	(void)line;
	(*(int *)ctx)++;
}

/* A "build" in another process holds the gc lock, writes a blob, and tags
 * it a little later: gc waits for it and the blob survives. */
static void test_gc_waits_for_build(void **state)
{
	struct fx *f = *state;
	blob_t garbage = put(f, "garbage");
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		gs_error_t err = GS_ERROR_INIT;
		gs_store_t *s = NULL;
		gs_lock_t hold = GS_LOCK_INIT;
		if (gs_store_open(f->dir, 1, &s, &err) < 0 ||
		    gs_store_gc_lock(s, GS_LOCK_SHARED, &hold, &err) < 0)
			_exit(1);
		gs_digest_t d;
		if (gs_store_put(s, "{\"fresh\":1}", 11, &d, &err) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		usleep(300 * 1000);
		if (gs_layout_set_tag(s, "fresh:1", NULL, GS_MT_CONFIG, &d, 11, &err) < 0)
			_exit(1);
		gs_lock_release(&hold);
		gs_store_free(s);
		_exit(0);
	}
	close(ready[1]);
	char c;
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	int waited = 0;
	gs_gc_opts_t o = {.progress = {note_progress, &waited}};
	gs_gc_result_t res;
	assert_int_equal(gs_gc(f->dir, &o, &res, &f->err), 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(waited, 1);
	assert_int_equal(res.n_removed, 1); /* only the garbage */
	assert_int_equal(res.n_live, 1);
	gs_gc_result_release(&res);
	assert_false(has(f, garbage));
	gs_digest_t fresh;
	gs_digest_buffer("{\"fresh\":1}", 11, &fresh);
	assert_true(has(f, (blob_t){.d = fresh}));
}

static char *old_file(const char *dir, const char *name)
{
	char *p = x_asprintf("%s/%s", dir, name);
	tu_write(p, "partial");
	struct timeval tv[2] = {{time(NULL) - 3600, 0}, {time(NULL) - 3600, 0}};
	assert_int_equal(utimes(p, tv), 0);
	return p;
}

/* A temp file a live writer holds stays; one of a killed writer goes. */
static void test_temp_files(void **state)
{
	struct fx *f = *state;
	char *live = old_file(f->dir, ".gsimage-tmp-live01");
	char *stale = old_file(f->dir, ".gsimage-tmp-dead01");
	int fd = open(live, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	gc_ok(f, 0, 0, 0);
	struct stat st;
	assert_int_equal(stat(live, &st), 0);
	assert_int_equal(stat(stale, &st), -1);
	close(fd);
	free(live);
	free(stale);
}

/* "rm -rf oci/<everything>" leaves the dot-files: the lock files alone do not make
 * the directory "not empty" for the next build. */
static void test_lock_files_alone_count_as_empty(void **state)
{
	struct fx *f = *state;
	gs_lock_t hold = GS_LOCK_INIT;
	assert_int_equal(gs_store_gc_lock(f->store, GS_LOCK_SHARED, &hold, &f->err), 0);
	gs_lock_release(&hold);
	char *reset = x_asprintf("rm -rf '%s'/oci-layout '%s'/index.json '%s'/blobs", f->dir,
				 f->dir, f->dir);
	assert_int_equal(system(reset), 0);
	free(reset);
	char *p = x_asprintf("%s/.gsimage-gc.lock", f->dir);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	free(p);
	gs_store_t *again = NULL;
	assert_int_equal(gs_store_open(f->dir, 1, &again, &f->err), 0);
	gs_store_free(again);
	gc_ok(f, 0, 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_image_and_garbage),
		T(test_empty_index_removes_everything),
		T(test_nested_index),
		T(test_artifact_subject),
		T(test_subject_only_reached_by_artifact),
		T(test_referrer_of_referrer),
		T(test_foreign_entries),
		T(test_missing_manifest),
		T(test_unreadable_manifests),
		T(test_bad_index_json),
		T(test_not_a_layout),
		T(test_gc_lock_modes),
		T(test_gc_waits_for_build),
		T(test_temp_files),
		T(test_lock_files_alone_count_as_empty),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* pipeline/inspect: a layout read back through the verified reader.
 * Descriptor sizes are checked, nested indexes are followed, a diff_id
 * mismatch is an error, and each layer is decompressed once however many
 * tags point at it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <dlfcn.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "gsimage/oci/blobread.h" /* GS_BLOB_JSON_MAX */
#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/image.h"
#include "gsimage/oci/layout.h"
#include "gsimage/pipeline/inspect.h"
#include "gsimage/util/xalloc.h"
#include "oci_testutil.h"
#include "oci_testimage.h"

/* archive_read_new() as the library sees it (the test binary's definition
 * wins over libarchive's): counted, so a test can tell how many times
 * layers were decompressed. */
static int n_archive_reads;

struct archive *archive_read_new(void)
{
	static struct archive *(*real)(void);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "archive_read_new");
	n_archive_reads++;
	return real();
}

static void expect_msg(gs_error_t *err, const char *want)
{
	assert_non_null(err->msg);
	if (!strstr(err->msg, want))
		fail_msg("message '%s' does not contain '%s'", err->msg, want);
	gs_error_release(err);
}

static json_t *inspect_json(gs_store_t *s, const char *ref)
{
	gs_error_t err = GS_ERROR_INIT;
	char *out = NULL;
	if (gs_inspect(s, ref, 1, &out, &err) < 0)
		fail_msg("inspect: %s", err.msg);
	json_error_t jerr;
	json_t *j = json_loads(out, 0, &jerr);
	assert_non_null(j);
	free(out);
	return j;
}

/* Put an index over the given descriptor; returns its digest and size. */
static void put_index(gs_store_t *s, const char *mt, const gs_digest_t *d, uint64_t size,
		      gs_digest_t *out, uint64_t *out_size)
{
	gs_error_t err = GS_ERROR_INIT;
	gs_descriptor_t md;
	memset(&md, 0, sizeof(md));
	md.media_type = mt;
	md.digest = *d;
	md.size = size;
	md.os = "linux";
	md.architecture = "amd64";
	size_t len = 0;
	char *json = gs_image_index_json(&md, 1, NULL, &len);
	assert_int_equal(gs_store_put(s, json, len, out, &err), 0);
	free(json);
	*out_size = len;
}

static void test_text_and_json(void **state)
{
	tu_fixture_t *fx = *state;
	gs_error_t err = GS_ERROR_INIT;
	struct image img;
	build_image(fx->store, fx->scratch, GS_COMPRESS_GZIP, CORRUPT_NONE, "app:static", &img);
	char *text = NULL;
	assert_int_equal(gs_inspect(fx->store, "app:static", 0, &text, &err), 0);
	assert_non_null(strstr(text, "app:static\n"));
	assert_non_null(strstr(text, "linux/amd64"));
	assert_non_null(strstr(text, img.manifest.s));
	assert_non_null(strstr(text, " uncompressed)"));
	free(text);

	json_t *j = inspect_json(fx->store, NULL);
	assert_int_equal(json_array_size(j), 1);
	json_t *im = json_array_get(json_object_get(json_array_get(j, 0), "images"), 0);
	assert_string_equal(json_string_value(json_object_get(im, "manifest")), img.manifest.s);
	assert_int_equal(json_integer_value(json_object_get(im, "manifestSize")),
			 img.manifest_size);
	assert_string_equal(json_string_value(json_object_get(im, "config")), img.config.s);
	json_t *l = json_array_get(json_object_get(im, "layers"), 0);
	assert_string_equal(json_string_value(json_object_get(l, "digest")), img.layer.s);
	assert_string_equal(json_string_value(json_object_get(l, "diffID")), img.diff_id.s);
	assert_true(json_is_true(json_object_get(l, "diffIDMatches")));
	json_decref(j);

	assert_int_equal(gs_inspect(fx->store, "nosuch", 0, &text, &err), -1);
	expect_msg(&err, "no tag 'nosuch'");
}

/* A layer whose diff_id does not match is an error, text or JSON. */
static void test_diff_id_mismatch(void **state)
{
	tu_fixture_t *fx = *state;
	gs_error_t err = GS_ERROR_INIT;
	struct image img;
	build_image(fx->store, fx->scratch, GS_COMPRESS_ZSTD, CORRUPT_DIFF_ID, "bad:1", &img);
	char *out = NULL;
	for (int as_json = 0; as_json < 2; as_json++) {
		assert_int_equal(gs_inspect(fx->store, NULL, as_json, &out, &err), -1);
		assert_null(out);
		assert_non_null(strstr(err.msg, "inspecting 'bad:1': "));
		expect_msg(&err, "uncompresses to '");
	}
}

/* A descriptor's size is checked before its blob is read: a big manifest
 * behind a small descriptor is refused, not read whole. */
static void test_descriptor_sizes(void **state)
{
	tu_fixture_t *fx = *state;
	gs_error_t err = GS_ERROR_INIT;
	struct image img;
	build_image(fx->store, fx->scratch, GS_COMPRESS_GZIP, CORRUPT_NONE, NULL, &img);
	assert_int_equal(gs_layout_set_tag(fx->store, "small:desc", NULL, GS_MT_MANIFEST,
					   &img.manifest, 10, &err),
			 0);
	char *out = NULL;
	assert_int_equal(gs_inspect(fx->store, "small:desc", 0, &out, &err), -1);
	expect_msg(&err, "but its descriptor says 10; the layout is corrupted");

	/* a blob over the JSON cap, behind its true size */
	size_t n = GS_BLOB_JSON_MAX + 2;
	char *big = xmalloc(n);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	gs_digest_t bd;
	assert_int_equal(gs_store_put(fx->store, big, n, &bd, &err), 0);
	free(big);
	assert_int_equal(gs_layout_set_tag(fx->store, "big:json", NULL, GS_MT_MANIFEST, &bd,
					   n, &err),
			 0);
	assert_int_equal(gs_inspect(fx->store, "big:json", 0, &out, &err), -1);
	expect_msg(&err, "by its descriptor, more than the");
	/* and the config behind the manifest is checked too */
	assert_int_equal(gs_layout_set_tag(fx->store, "ok", NULL, GS_MT_MANIFEST, &img.manifest,
					   img.manifest_size, &err),
			 0);
	char *cp = gs_store_blob_path(fx->store, &img.config);
	FILE *f = fopen(cp, "ab");
	fputs("  ", f);
	fclose(f);
	free(cp);
	assert_int_equal(gs_inspect(fx->store, "ok", 0, &out, &err), -1);
	expect_msg(&err, "config 'sha256:");
}

/* An index inside an index is followed; too deep a chain is refused. */
static void test_nested_index(void **state)
{
	tu_fixture_t *fx = *state;
	gs_error_t err = GS_ERROR_INIT;
	struct image img;
	build_image(fx->store, fx->scratch, GS_COMPRESS_GZIP, CORRUPT_NONE, NULL, &img);
	gs_digest_t d = img.manifest;
	uint64_t size = img.manifest_size;
	const char *mt = GS_MT_MANIFEST;
	for (int depth = 1; depth <= 9; depth++) {
		put_index(fx->store, mt, &d, size, &d, &size);
		mt = GS_MT_INDEX;
		char tag[32];
		snprintf(tag, sizeof(tag), "depth:%d", depth);
		assert_int_equal(gs_layout_set_tag(fx->store, tag, NULL, GS_MT_INDEX, &d, size, &err),
				 0);
	}
	json_t *j = inspect_json(fx->store, "depth:2");
	json_t *imgs = json_object_get(json_array_get(j, 0), "images");
	assert_int_equal(json_array_size(imgs), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(imgs, 0), "manifest")),
			    img.manifest.s);
	json_decref(j);
	j = inspect_json(fx->store, "depth:8");
	json_decref(j);
	char *out = NULL;
	assert_int_equal(gs_inspect(fx->store, "depth:9", 0, &out, &err), -1);
	expect_msg(&err, "nests image indexes more than 8 deep");
}

/* Tags inspect cannot follow get a clear error, never "invalid digest ''". */
static void test_unreadable_tags(void **state)
{
	tu_fixture_t *fx = *state;
	gs_error_t err = GS_ERROR_INIT;
	struct image img;
	build_image(fx->store, fx->scratch, GS_COMPRESS_GZIP, CORRUPT_NONE, NULL, &img);
	char *ip = x_asprintf("%s/index.json", fx->dir);
	char *text = x_asprintf(
		"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" GS_MT_MANIFEST "\","
		"\"digest\":\"sha512:abcd\",\"size\":3,\"annotations\":"
		"{\"org.opencontainers.image.ref.name\":\"other:algo\"}},"
		"{\"mediaType\":\"" GS_MT_INDEX "\",\"digest\":\"%s\",\"size\":%llu,\"annotations\":"
		"{\"org.opencontainers.image.ref.name\":\"wrong:type\"}}]}",
		img.manifest.s, (unsigned long long)img.manifest_size);
	tu_write(ip, text);
	free(text);
	free(ip);
	char *out = NULL;
	assert_int_equal(gs_inspect(fx->store, "other:algo", 0, &out, &err), -1);
	assert_null(strstr(err.msg, "invalid digest ''"));
	expect_msg(&err, "inspecting 'other:algo': its digest is not sha256");
	assert_int_equal(gs_inspect(fx->store, "wrong:type", 0, &out, &err), -1);
	expect_msg(&err, "is described as '" GS_MT_INDEX "' but is an image manifest");
}

/* Many tags over one image: each blob is read, each layer decompressed,
 * once. */
static void test_many_tags_one_pass(void **state)
{
	tu_fixture_t *fx = *state;
	gs_error_t err = GS_ERROR_INIT;
	struct image img;
	build_image(fx->store, fx->scratch, GS_COMPRESS_GZIP, CORRUPT_NONE, NULL, &img);
	gs_digest_t idx;
	uint64_t idx_size;
	put_index(fx->store, GS_MT_MANIFEST, &img.manifest, img.manifest_size, &idx, &idx_size);
	enum { TAGS = 300 };
	for (int i = 0; i < TAGS; i++) {
		char tag[32];
		snprintf(tag, sizeof(tag), "t:%d", i);
		if (i % 2)
			assert_int_equal(gs_layout_set_tag(fx->store, tag, NULL, GS_MT_MANIFEST,
							   &img.manifest, img.manifest_size, &err),
					 0);
		else
			assert_int_equal(gs_layout_set_tag(fx->store, tag, NULL, GS_MT_INDEX, &idx,
							   idx_size, &err),
					 0);
	}
	n_archive_reads = 0;
	json_t *j = inspect_json(fx->store, NULL);
	assert_int_equal(json_array_size(j), TAGS);
	json_decref(j);
	assert_int_equal(n_archive_reads, 1);
	n_archive_reads = 0;
	char *out = NULL;
	assert_int_equal(gs_inspect(fx->store, NULL, 0, &out, &err), 0);
	free(out);
	assert_int_equal(n_archive_reads, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_text_and_json, tu_store_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_diff_id_mismatch, tu_store_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_descriptor_sizes, tu_store_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_nested_index, tu_store_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_tags, tu_store_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_many_tags_one_pass, tu_store_setup,
						tu_teardown),
	};
	return cmocka_run_group_tests_name("inspect", tests, NULL, NULL);
}

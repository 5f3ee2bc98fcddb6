/* oci/blobread: descriptors, size-capped JSON blobs, manifests with their
 * config, and layers read back decompressed with digest, size and diff_id
 * checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsimage/oci/blobread.h"
#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/mediatype.h"
#include "gsimage/util/xalloc.h"
#include "oci_testutil.h"
#include "oci_testimage.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"

static void expect_msg(gs_error_t *err, const char *want)
{
	assert_non_null(err->msg);
	if (!strstr(err->msg, want))
		fail_msg("message '%s' does not contain '%s'", err->msg, want);
	gs_error_release(err);
}

static gs_blob_desc_t put(gs_store_t *s, const char *mt, const char *data, size_t len)
{
	gs_error_t err = GS_ERROR_INIT;
	gs_blob_desc_t d = {mt, {{0}}, len};
	assert_int_equal(gs_store_put(s, data, len, &d.digest, &err), 0);
	return d;
}

static void test_desc_parse(void **state)
{
	(void)state;
	gs_error_t err = GS_ERROR_INIT;
	json_error_t jerr;
	json_t *j = json_loads("{\"mediaType\":\"m\",\"digest\":\"" D1 "\",\"size\":7}", 0, &jerr);
	gs_blob_desc_t d;
	assert_int_equal(gs_blob_desc_parse(j, "layer 1", &d, &err), 0);
	assert_string_equal(d.media_type, "m");
	assert_string_equal(d.digest.s, D1);
	assert_int_equal(d.size, 7);
	json_decref(j);

	static const struct {
		const char *json, *msg;
	} bad[] = {
		{"[]", "layer 1 has no valid digest and size"},
		{"{\"digest\":\"" D1 "\"}", "layer 1 has no valid digest and size"},
		{"{\"digest\":\"" D1 "\",\"size\":-1}", "layer 1 has no valid digest and size"},
		{"{\"digest\":\"" D1 "\",\"size\":1.5}", "layer 1 has no valid digest and size"},
		{"{\"digest\":\"sha512:ab\",\"size\":1}", "layer 1: invalid digest 'sha512:ab'"},
		{"{\"digest\":\"" D1 "\",\"size\":1,\"mediaType\":3}",
		 "layer 1 has a mediaType that is not a string"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = json_loads(bad[i].json, 0, &jerr);
		assert_non_null(j);
		assert_int_equal(gs_blob_desc_parse(j, "layer 1", &d, &err), -1);
		expect_msg(&err, bad[i].msg);
		json_decref(j);
	}
	/* no mediaType is fine: NULL */
	j = json_loads("{\"digest\":\"" D1 "\",\"size\":0}", 0, &jerr);
	assert_int_equal(gs_blob_desc_parse(j, "x", &d, &err), 0);
	assert_null(d.media_type);
	json_decref(j);
}

static void test_read_json(void **state)
{
	tu_fixture_t *fx = *state;
	gs_error_t err = GS_ERROR_INIT;
	gs_blob_desc_t d = put(fx->store, NULL, "{\"a\":1}", 7);
	char *raw = NULL;
	size_t raw_len = 0;
	json_t *j = gs_blob_read_json(fx->store, &d, "config", &raw, &raw_len, &err);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "a")), 1);
	assert_int_equal(raw_len, 7);
	assert_string_equal(raw, "{\"a\":1}");
	free(raw);
	json_decref(j);
	json_t *empty = json_object();
	assert_false(gs_blob_json_is_index(empty));
	json_decref(empty);

	gs_blob_desc_t arr = put(fx->store, NULL, "[1]", 3);
	assert_null(gs_blob_read_json(fx->store, &arr, "manifest", NULL, NULL, &err));
	expect_msg(&err, "is not a JSON object");
	gs_blob_desc_t bad = put(fx->store, NULL, "nope", 4);
	assert_null(gs_blob_read_json(fx->store, &bad, "manifest", NULL, NULL, &err));
	assert_non_null(strstr(err.msg, "manifest 'sha256:"));
	expect_msg(&err, "is not valid JSON");

	/* the descriptor's size first: a small descriptor for a big blob is
	 * refused before reading, and so is a descriptor over the cap */
	d.size = 3;
	assert_null(gs_blob_read_json(fx->store, &d, "manifest", NULL, NULL, &err));
	expect_msg(&err, "is 7 bytes but its descriptor says 3");
	d.size = (uint64_t)GS_BLOB_JSON_MAX + 1;
	assert_null(gs_blob_read_json(fx->store, &d, "manifest", NULL, NULL, &err));
	expect_msg(&err, "by its descriptor, more than the");

	/* a blob over the cap with no descriptor size */
	size_t big_len = GS_BLOB_JSON_MAX + 1;
	char *big = xmalloc(big_len);
	memset(big, ' ', big_len);
	big[0] = '{';
	big[big_len - 1] = '}';
	gs_blob_desc_t bd = put(fx->store, NULL, big, big_len);
	free(big);
	bd.size = GS_BLOB_SIZE_ANY;
	assert_null(gs_blob_read_json(fx->store, &bd, "index", NULL, NULL, &err));
	expect_msg(&err, "more than the");

	/* is_index by mediaType or by "manifests" */
	json_error_t jerr;
	j = json_loads("{\"mediaType\":\"" GS_MT_INDEX "\"}", 0, &jerr);
	assert_true(gs_blob_json_is_index(j));
	json_decref(j);
	j = json_loads("{\"manifests\":[]}", 0, &jerr);
	assert_true(gs_blob_json_is_index(j));
	json_decref(j);
}

/* The manifest of an image built with build_image, read back. */
static void read_image(gs_store_t *s, const struct image *img, gs_blob_image_t *out)
{
	gs_error_t err = GS_ERROR_INIT;
	gs_blob_desc_t md = {GS_MT_MANIFEST, img->manifest, img->manifest_size};
	json_t *mf = gs_blob_read_json(s, &md, "manifest", NULL, NULL, &err);
	assert_non_null(mf);
	assert_false(gs_blob_json_is_index(mf));
	assert_int_equal(gs_blob_read_image(s, &md, mf, out, &err), 0);
	json_decref(mf);
}

static void test_read_image(void **state)
{
	tu_fixture_t *fx = *state;
	gs_error_t err = GS_ERROR_INIT;
	struct image img;
	build_image(fx->store, fx->scratch, GS_COMPRESS_GZIP, CORRUPT_NONE, NULL, &img);
	gs_blob_image_t bi = GS_BLOB_IMAGE_INIT;
	read_image(fx->store, &img, &bi);
	assert_string_equal(bi.manifest_digest.s, img.manifest.s);
	assert_string_equal(bi.config_desc.digest.s, img.config.s);
	assert_int_equal(bi.config_len, bi.config_desc.size);
	gs_digest_t d;
	gs_digest_buffer(bi.config_raw, bi.config_len, &d);
	assert_string_equal(d.s, img.config.s);
	assert_int_equal(bi.n_layers, 1);
	assert_string_equal(bi.layers[0].digest.s, img.layer.s);
	assert_string_equal(bi.layers[0].media_type, GS_MT_LAYER_GZIP);
	assert_string_equal(bi.diff_ids[0].s, img.diff_id.s);
	gs_blob_image_release(&bi);
	gs_blob_image_release(&bi); /* twice is fine */

	static const struct {
		const char *json, *msg;
	} bad[] = {
		{"{\"mediaType\":\"" GS_MT_CONFIG "\"}", "has unknown mediaType"},
		{"{\"config\":{}}", "manifest config has no valid digest and size"},
		{"{\"config\":{\"digest\":\"%s\",\"size\":%zu}}", "has no layers array"},
		{"{\"config\":{\"digest\":\"%s\",\"size\":1}}", "but its descriptor says 1"},
		{"{\"config\":{\"digest\":\"%s\",\"size\":%zu},\"layers\":[]}",
		 "has 0 layers but its config has 1 diff_ids"},
		{"{\"config\":{\"digest\":\"%s\",\"size\":%zu},\"layers\":[{}]}",
		 "layer 1 has no valid digest and size"},
	};
	gs_blob_image_t ok = GS_BLOB_IMAGE_INIT;
	read_image(fx->store, &img, &ok);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = x_asprintf(bad[i].json, img.config.s, ok.config_len);
		gs_blob_desc_t md = put(fx->store, NULL, text, strlen(text));
		free(text);
		json_t *mf = gs_blob_read_json(fx->store, &md, "manifest", NULL, NULL, &err);
		assert_non_null(mf);
		gs_blob_image_t out = GS_BLOB_IMAGE_INIT;
		assert_int_equal(gs_blob_read_image(fx->store, &md, mf, &out, &err), -1);
		expect_msg(&err, bad[i].msg);
		assert_null(out.manifest);
		assert_null(out.layers);
		json_decref(mf);
	}
	gs_blob_image_release(&ok);
}

struct sink {
	gs_sha256_t *h;
	uint64_t n;
};

static int hash_sink(void *ctx, const void *data, size_t len, gs_error_t *err)
{
	(void)err;
	struct sink *s = ctx;
	gs_sha256_update(s->h, data, len);
	s->n += len;
	return 0;
}

static void test_read_layer(void **state)
{
	tu_fixture_t *fx = *state;
	gs_error_t err = GS_ERROR_INIT;
	static const gs_compression_t comps[] = {GS_COMPRESS_GZIP, GS_COMPRESS_ZSTD,
						 GS_COMPRESS_NONE};
	for (size_t c = 0; c < 3; c++) {
		struct image img;
		build_image(fx->store, fx->scratch, comps[c], CORRUPT_NONE, NULL, &img);
		gs_blob_image_t bi = GS_BLOB_IMAGE_INIT;
		read_image(fx->store, &img, &bi);
		struct sink sk = {gs_sha256_new(), 0};
		uint64_t size = 0;
		gs_digest_t got;
		assert_int_equal(gs_blob_read_layer(fx->store, &bi.layers[0], &bi.diff_ids[0],
						    hash_sink, &sk, &size, &got, &err),
				 0);
		assert_string_equal(got.s, img.diff_id.s);
		assert_int_equal(size, sk.n);
		gs_digest_t streamed;
		gs_sha256_final(sk.h, &streamed);
		assert_string_equal(streamed.s, img.diff_id.s);
		gs_sha256_free(sk.h);
		/* nothing asked for: still checked */
		assert_int_equal(gs_blob_read_layer(fx->store, &bi.layers[0], NULL, NULL, NULL, NULL,
						    NULL, &err),
				 0);

		/* the descriptor's size is not the blob's */
		gs_blob_desc_t l = bi.layers[0];
		l.size++;
		assert_int_equal(
			gs_blob_read_layer(fx->store, &l, NULL, NULL, NULL, NULL, NULL, &err), -1);
		expect_msg(&err, "layer 'sha256:");
		/* a media type that is not a tar layer */
		l = bi.layers[0];
		l.media_type = "application/spdx+json";
		assert_int_equal(
			gs_blob_read_layer(fx->store, &l, NULL, NULL, NULL, NULL, NULL, &err), -1);
		expect_msg(&err, "which is not a tar layer gsimage can read");
		gs_blob_image_release(&bi);
	}
}

static void test_read_layer_corrupted(void **state)
{
	tu_fixture_t *fx = *state;
	gs_error_t err = GS_ERROR_INIT;
	struct image img;
	gs_blob_image_t bi = GS_BLOB_IMAGE_INIT;

	/* the config's diff_id is not the layer's */
	build_image(fx->store, fx->scratch, GS_COMPRESS_GZIP, CORRUPT_DIFF_ID, NULL, &img);
	read_image(fx->store, &img, &bi);
	assert_int_equal(gs_blob_read_layer(fx->store, &bi.layers[0], &bi.diff_ids[0], NULL, NULL,
					    NULL, NULL, &err),
			 -1);
	expect_msg(&err, "uncompresses to '");
	assert_int_equal(gs_blob_check_diff_id(&bi.layers[0], &img.diff_id, &bi.diff_ids[0], &err),
			 -1);
	expect_msg(&err, "but the config's diff_id is '");
	assert_int_equal(gs_blob_check_diff_id(&bi.layers[0], &img.diff_id, &img.diff_id, &err), 0);
	gs_blob_image_release(&bi);

	/* gzip by its media type, a plain tar in fact */
	build_image(fx->store, fx->scratch, GS_COMPRESS_NONE, CORRUPT_MEDIA_TYPE, NULL, &img);
	read_image(fx->store, &img, &bi);
	assert_int_equal(gs_blob_read_layer(fx->store, &bi.layers[0], &bi.diff_ids[0], NULL, NULL,
					    NULL, NULL, &err),
			 -1);
	expect_msg(&err, "is not gzip-compressed as its mediaType says");
	gs_blob_image_release(&bi);

	/* one byte flipped in a gzip layer, same size: whatever gzip makes of
	 * it, the error is the blob's */
	build_image(fx->store, fx->scratch, GS_COMPRESS_GZIP, CORRUPT_NONE, NULL, &img);
	read_image(fx->store, &img, &bi);
	char *p = gs_store_blob_path(fx->store, &img.layer);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	for (off_t at = 20; at < st.st_size; at += st.st_size / 3) {
		FILE *f = fopen(p, "r+b");
		assert_non_null(f);
		fseek(f, at, SEEK_SET);
		int ch = fgetc(f);
		fseek(f, at, SEEK_SET);
		fputc(ch ^ 0x01, f);
		fclose(f);
		assert_int_equal(gs_blob_read_layer(fx->store, &bi.layers[0], &bi.diff_ids[0], NULL,
						    NULL, NULL, NULL, &err),
				 -1);
		expect_msg(&err, "is corrupted (its content hashes to");
		f = fopen(p, "r+b");
		fseek(f, at, SEEK_SET);
		fputc(ch, f);
		fclose(f);
	}
	assert_int_equal(gs_blob_read_layer(fx->store, &bi.layers[0], &bi.diff_ids[0], NULL, NULL,
					    NULL, NULL, &err),
			 0);
	free(p);
	gs_blob_image_release(&bi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_desc_parse),
		cmocka_unit_test_setup_teardown(test_read_json, tu_store_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_read_image, tu_store_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_read_layer, tu_store_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_read_layer_corrupted, tu_store_setup,
						tu_teardown),
	};
	return cmocka_run_group_tests_name("blobread", tests, NULL, NULL);
}

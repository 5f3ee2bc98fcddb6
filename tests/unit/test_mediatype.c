/* oci/mediatype: the media types gsimage writes and the layer media types
 * it reads, with their compression. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "gsimage/oci/mediatype.h"

static void test_layer_media_types(void **state)
{
	(void)state;
	assert_string_equal(gs_mediatype_layer(GS_COMPRESS_ZSTD),
			    "application/vnd.oci.image.layer.v1.tar+zstd");
	assert_string_equal(gs_mediatype_layer(GS_COMPRESS_GZIP),
			    "application/vnd.oci.image.layer.v1.tar+gzip");
	assert_string_equal(gs_mediatype_layer(GS_COMPRESS_NONE),
			    "application/vnd.oci.image.layer.v1.tar");
	/* what gsimage writes, it reads back as the same compression */
	static const gs_compression_t all[] = {GS_COMPRESS_GZIP, GS_COMPRESS_ZSTD,
					       GS_COMPRESS_NONE};
	for (size_t i = 0; i < 3; i++) {
		gs_compression_t c = (gs_compression_t)-1;
		assert_int_equal(gs_mediatype_layer_compression(gs_mediatype_layer(all[i]), &c), 1);
		assert_int_equal(c, all[i]);
	}
}

static void test_layer_compression(void **state)
{
	(void)state;
	static const struct {
		const char *mt;
		gs_compression_t c;
	} known[] = {
		{"application/vnd.oci.image.layer.nondistributable.v1.tar", GS_COMPRESS_NONE},
		{"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", GS_COMPRESS_GZIP},
		{"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", GS_COMPRESS_ZSTD},
		{"application/vnd.docker.image.rootfs.diff.tar", GS_COMPRESS_NONE},
		{"application/vnd.docker.image.rootfs.diff.tar.gzip", GS_COMPRESS_GZIP},
		{"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", GS_COMPRESS_GZIP},
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		gs_compression_t c = (gs_compression_t)-1;
		assert_int_equal(gs_mediatype_layer_compression(known[i].mt, &c), 1);
		assert_int_equal(c, known[i].c);
	}
	gs_compression_t c = GS_COMPRESS_ZSTD;
	assert_int_equal(gs_mediatype_layer_compression(NULL, &c), 0);
	assert_int_equal(gs_mediatype_layer_compression(GS_MT_CONFIG, &c), 0);
	assert_int_equal(gs_mediatype_layer_compression("application/spdx+json", &c), 0);
	assert_int_equal(gs_mediatype_layer_compression(GS_MT_LAYER "+xz", &c), 0);
	assert_int_equal(c, GS_COMPRESS_ZSTD); /* untouched */
}

static void test_index_and_manifest(void **state)
{
	(void)state;
	assert_string_equal(GS_MT_INDEX, "application/vnd.oci.image.index.v1+json");
	assert_string_equal(GS_MT_MANIFEST, "application/vnd.oci.image.manifest.v1+json");
	assert_string_equal(GS_MT_CONFIG, "application/vnd.oci.image.config.v1+json");
	assert_true(gs_mediatype_is_index(GS_MT_INDEX));
	assert_true(gs_mediatype_is_index(
		"application/vnd.docker.distribution.manifest.list.v2+json"));
	assert_false(gs_mediatype_is_index(GS_MT_MANIFEST));
	assert_false(gs_mediatype_is_index(NULL));
	assert_true(gs_mediatype_is_manifest(GS_MT_MANIFEST));
	assert_true(gs_mediatype_is_manifest("application/vnd.docker.distribution.manifest.v2+json"));
	assert_false(gs_mediatype_is_manifest(GS_MT_INDEX));
	assert_false(gs_mediatype_is_manifest(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layer_media_types),
		cmocka_unit_test(test_layer_compression),
		cmocka_unit_test(test_index_and_manifest),
	};
	return cmocka_run_group_tests_name("mediatype", tests, NULL, NULL);
}

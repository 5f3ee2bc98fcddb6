/* A small image built with the real oci/ APIs, for the tests that read
 * layouts back (test_export.c, test_inspect.c).  Include after <cmocka.h>
 * and oci_testutil.h. */
#ifndef GSIMAGE_TESTS_OCI_TESTIMAGE_H
#define GSIMAGE_TESTS_OCI_TESTIMAGE_H

#include <string.h>

#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/image.h"
#include "gsimage/oci/layer.h"
#include "gsimage/oci/layout.h"
#include "gsimage/util/xalloc.h"

struct image {
	gs_digest_t manifest, config, layer, diff_id;
	uint64_t manifest_size;
};

enum corrupt { CORRUPT_NONE, CORRUPT_DIFF_ID, CORRUPT_MEDIA_TYPE };

static inline int tu_blob_sink(void *w, const void *data, size_t len, gs_error_t *err)
{
	return gs_blob_writer_write(w, data, len, err);
}

/* A one-layer image (an "app" file and etc/hello) compressed with comp;
 * corrupt gives the config a wrong diff_id or the manifest a wrong layer
 * media type; tag (may be NULL) is set in index.json. */
static inline void build_image(gs_store_t *store, const char *scratch, gs_compression_t comp,
			enum corrupt corrupt, const char *tag, struct image *img)
{
	gs_error_t err = GS_ERROR_INIT;
	char *src = x_asprintf("%s/app-src", scratch);
	tu_write(src, "#!not really a go binary\n");

	gs_layer_t *l = gs_layer_new();
	assert_int_equal(gs_layer_add_file(l, "usr/local/bin/app", 0755, 0, 0, src, &err), 0);
	assert_int_equal(gs_layer_add_data(l, "etc/hello", 0644, 0, 0, "hi\n", 3, &err), 0);
	gs_blob_writer_t *w = NULL;
	assert_int_equal(gs_blob_writer_new(store, &w, &err), 0);
	gs_layer_write_opts_t opts = {.compression = comp, .level = -1, .mtime = 0};
	gs_layer_info_t info;
	assert_int_equal(gs_layer_write(l, &opts, tu_blob_sink, w, &info, &err), 0);
	assert_int_equal(gs_blob_writer_commit(w, &img->layer, NULL, &err), 0);
	gs_blob_writer_free(w);
	gs_layer_free(l);
	free(src);
	assert_string_equal(img->layer.s, info.digest.s);
	img->diff_id = info.diff_id;

	gs_layer_info_t cfg_info = info;
	if (corrupt == CORRUPT_DIFF_ID)
		gs_digest_buffer("something else", 14, &cfg_info.diff_id);
	gs_history_entry_t hist = {"gsimage build", NULL};
	gs_image_config_t cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.os = "linux";
	cfg.architecture = "amd64";
	cfg.created = "1970-01-01T00:00:00Z";
	gs_strvec_push(&cfg.entrypoint, "/usr/local/bin/app");
	cfg.history = &hist;
	cfg.n_history = 1;
	size_t cfg_len = 0;
	char *cfg_json = gs_image_config_json(&cfg, &cfg_info, 1, &cfg_len);
	gs_strvec_release(&cfg.entrypoint);
	assert_int_equal(gs_store_put(store, cfg_json, cfg_len, &img->config, &err), 0);

	gs_descriptor_t cdesc;
	memset(&cdesc, 0, sizeof(cdesc));
	cdesc.digest = img->config;
	cdesc.size = cfg_len;
	free(cfg_json);
	gs_layer_info_t man_info = info;
	if (corrupt == CORRUPT_MEDIA_TYPE)
		man_info.compression = GS_COMPRESS_GZIP;
	size_t mlen = 0;
	char *mjson = gs_image_manifest_json(&cdesc, &man_info, 1, NULL, &mlen);
	assert_int_equal(gs_store_put(store, mjson, mlen, &img->manifest, &err), 0);
	free(mjson);
	img->manifest_size = mlen;

	if (tag) {
		char *full = x_asprintf("docker.io/library/%s", tag);
		assert_int_equal(gs_layout_set_tag(store, tag, full, GS_MT_MANIFEST, &img->manifest,
						   img->manifest_size, &err),
				 0);
		free(full);
	}
	assert_null(err.msg);
}

#endif

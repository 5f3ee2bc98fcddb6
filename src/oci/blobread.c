/* Verified, typed reads of a layout's blobs (see blobread.h).
 *
 * A layer is decompressed by libarchive (format "raw" plus the one filter
 * its media type names) whose read callback pulls from the verified blob
 * reader; what libarchive leaves unread (a reader may stop at the end of
 * the compressed stream) is drained by gs_blob_reader_finish, so the digest
 * covers the whole blob.  Nothing larger than a 64 KiB buffer is held in
 * memory for a layer. */
#include "gsimage/oci/blobread.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsimage/oci/mediatype.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/json.h"
#include "gsimage/util/xalloc.h"

#define CHUNK (64 * 1024)

int gs_blob_desc_parse(json_t *j, const char *what, gs_blob_desc_t *out, gs_error_t *err)
{
	json_t *d = json_object_get(j, "digest");
	json_t *s = json_object_get(j, "size");
	json_t *mt = json_object_get(j, "mediaType");
	if (!json_is_object(j) || !json_is_string(d) || !json_is_integer(s) ||
	    json_integer_value(s) < 0)
		return gs_error_set(err, 0, "%s has no valid digest and size", what);
	if (mt && !json_is_string(mt))
		return gs_error_set(err, 0, "%s has a mediaType that is not a string", what);
	if (gs_digest_parse(json_string_value(d), &out->digest, err) < 0)
		return gs_error_wrap(err, "%s", what);
	out->size = (uint64_t)json_integer_value(s);
	out->media_type = json_string_value(mt);
	return 0;
}

json_t *gs_blob_read_json(const gs_store_t *store, const gs_blob_desc_t *desc, const char *what,
			  char **raw, size_t *raw_len, gs_error_t *err)
{
	cleanup_free char *data = NULL;
	size_t len = 0;
	if (gs_blob_read(store, &desc->digest, desc->size, GS_BLOB_JSON_MAX, what, &data, &len,
			 err) < 0)
		return NULL;
	json_error_t jerr;
	json_t *j = json_loadb(data, len, 0, &jerr);
	if (!j) {
		gs_error_set(err, 0, "%s '%s' is not valid JSON: %s at line %d", what,
			     desc->digest.s, jerr.text, jerr.line);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		gs_error_set(err, 0, "%s '%s' is not a JSON object", what, desc->digest.s);
		return NULL;
	}
	if (raw) {
		*raw = data;
		data = NULL;
		*raw_len = len;
	}
	return j;
}

int gs_blob_json_is_index(json_t *doc)
{
	return json_object_get(doc, "manifests") != NULL ||
	       gs_mediatype_is_index(json_string_value(json_object_get(doc, "mediaType")));
}

void gs_blob_image_release(gs_blob_image_t *img)
{
	json_decref(img->manifest);
	json_decref(img->config);
	free(img->config_raw);
	free(img->layers);
	free(img->diff_ids);
	memset(img, 0, sizeof(*img));
}

int gs_blob_read_image(const gs_store_t *store, const gs_blob_desc_t *desc, json_t *manifest,
		       gs_blob_image_t *out, gs_error_t *err)
{
	const char *m = desc->digest.s;
	gs_blob_image_t img = GS_BLOB_IMAGE_INIT;
	img.manifest_digest = desc->digest;
	img.manifest = json_incref(manifest);
	const char *mt = json_string_value(json_object_get(manifest, "mediaType"));
	if (mt && !gs_mediatype_is_manifest(mt)) {
		gs_error_set(err, 0, "manifest '%s' has unknown mediaType '%s'", m, mt);
		goto fail;
	}
	if (gs_blob_desc_parse(json_object_get(manifest, "config"), "manifest config",
			       &img.config_desc, err) < 0) {
		gs_error_wrap(err, "manifest '%s'", m);
		goto fail;
	}
	img.config = gs_blob_read_json(store, &img.config_desc, "config", &img.config_raw,
				       &img.config_len, err);
	if (!img.config)
		goto fail;
	const char *c = img.config_desc.digest.s;
	json_t *jl = json_object_get(manifest, "layers");
	json_t *diff_ids = json_object_get(json_object_get(img.config, "rootfs"), "diff_ids");
	if (!json_is_array(jl)) {
		gs_error_set(err, 0, "manifest '%s' has no layers array", m);
		goto fail;
	}
	if (!json_is_array(diff_ids)) {
		gs_error_set(err, 0, "config '%s' has no rootfs.diff_ids", c);
		goto fail;
	}
	size_t n = json_array_size(jl);
	if (json_array_size(diff_ids) != n) {
		gs_error_set(err, 0, "manifest '%s' has %zu layers but its config has %zu diff_ids",
			     m, n, json_array_size(diff_ids));
		goto fail;
	}
	img.n_layers = n;
	img.layers = xcalloc(n ? n : 1, sizeof(*img.layers));
	img.diff_ids = xcalloc(n ? n : 1, sizeof(*img.diff_ids));
	for (size_t i = 0; i < n; i++) {
		char what[64];
		snprintf(what, sizeof(what), "layer %zu", i + 1);
		if (gs_blob_desc_parse(json_array_get(jl, i), what, &img.layers[i], err) < 0) {
			gs_error_wrap(err, "manifest '%s'", m);
			goto fail;
		}
		const char *di = json_string_value(json_array_get(diff_ids, i));
		if (!di || gs_digest_parse(di, &img.diff_ids[i], err) < 0) {
			if (!di)
				gs_error_set(err, 0, "not a string");
			gs_error_wrap(err, "config '%s': diff_id %zu", c, i + 1);
			goto fail;
		}
	}
	*out = img;
	return 0;
fail:
	gs_blob_image_release(&img);
	return -1;
}

int gs_blob_check_diff_id(const gs_blob_desc_t *layer, const gs_digest_t *got,
			  const gs_digest_t *want, gs_error_t *err)
{
	if (strcmp(got->s, want->s) == 0)
		return 0;
	return gs_error_set(err, 0,
			    "layer '%s' uncompresses to '%s' but the config's diff_id is '%s'; "
			    "the image is corrupted",
			    layer->digest.s, got->s, want->s);
}

/* libarchive's source: the verified reader, with its own error kept so
 * that the message says what really went wrong. */
struct layer_src {
	gs_blob_reader_t *r;
	gs_error_t rerr;
	unsigned char buf[CHUNK];
};

static la_ssize_t layer_read_cb(struct archive *a, void *ctx, const void **buf)
{
	struct layer_src *s = ctx;
	ssize_t n = gs_blob_reader_read(s->r, s->buf, sizeof(s->buf), &s->rerr);
	if (n < 0) {
		archive_set_error(a, s->rerr.errnum ? s->rerr.errnum : EIO, "%s", s->rerr.msg);
		return -1;
	}
	*buf = s->buf;
	return n;
}

/* err for a failed libarchive call: the blob reader's own error when it
 * had one; else, when the blob turns out not to be intact, that (a flipped
 * byte makes gzip fail before the digest is known); else libarchive's. */
static int layer_fail(struct layer_src *s, struct archive *a, const gs_blob_desc_t *layer,
		      gs_error_t *err)
{
	if (s->rerr.msg) {
		gs_error_release(err);
		*err = s->rerr;
		s->rerr = (gs_error_t)GS_ERROR_INIT;
		return -1;
	}
	if (gs_blob_reader_finish(s->r, err) < 0)
		return -1;
	const char *msg = archive_error_string(a);
	return gs_error_set(err, 0, "reading layer '%s': %s", layer->digest.s,
			    msg ? msg : "unknown libarchive error");
}

int gs_blob_read_layer(const gs_store_t *store, const gs_blob_desc_t *layer,
		       const gs_digest_t *diff_id, gs_blob_chunk_fn fn, void *ctx,
		       uint64_t *tar_size, gs_digest_t *tar_digest, gs_error_t *err)
{
	gs_compression_t comp;
	if (!gs_mediatype_layer_compression(layer->media_type, &comp))
		return gs_error_set(err, 0,
				    "layer '%s' has mediaType '%s', which is not a tar layer "
				    "gsimage can read",
				    layer->digest.s, layer->media_type ? layer->media_type : "(none)");
	struct layer_src *src = xcalloc(1, sizeof(*src));
	if (gs_blob_reader_open(store, &layer->digest, layer->size, "layer", &src->r, err) < 0) {
		free(src);
		return -1;
	}
	gs_sha256_t *tar_hash = gs_sha256_new();
	cleanup_free unsigned char *buf = xmalloc(CHUNK);
	struct archive *a = archive_read_new();
	if (!a)
		abort();
	int r = -1;
	int fr = ARCHIVE_OK;
	int want_filter = ARCHIVE_FILTER_NONE;
	if (comp == GS_COMPRESS_GZIP) {
		fr = archive_read_support_filter_gzip(a);
		want_filter = ARCHIVE_FILTER_GZIP;
	} else if (comp == GS_COMPRESS_ZSTD) {
		fr = archive_read_support_filter_zstd(a);
		want_filter = ARCHIVE_FILTER_ZSTD;
	}
	struct archive_entry *entry;
	uint64_t total = 0;
	if (fr != ARCHIVE_OK || archive_read_support_format_raw(a) != ARCHIVE_OK ||
	    archive_read_open(a, src, NULL, layer_read_cb, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(a, &entry) != ARCHIVE_OK) {
		layer_fail(src, a, layer, err);
		goto out;
	}
	if (archive_filter_code(a, 0) != want_filter) {
		gs_error_set(err, 0,
			     "layer '%s' is not %s-compressed as its mediaType says (found %s)",
			     layer->digest.s, gs_compression_name(comp), archive_filter_name(a, 0));
		goto out;
	}
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, CHUNK);
		if (n == 0)
			break;
		if (n < 0) {
			layer_fail(src, a, layer, err);
			goto out;
		}
		gs_sha256_update(tar_hash, buf, (size_t)n);
		total += (uint64_t)n;
		if (fn && fn(ctx, buf, (size_t)n, err) < 0)
			goto out;
	}
	if (gs_blob_reader_finish(src->r, err) < 0)
		goto out;
	gs_digest_t got;
	gs_sha256_final(tar_hash, &got);
	if (diff_id && gs_blob_check_diff_id(layer, &got, diff_id, err) < 0)
		goto out;
	if (tar_digest)
		*tar_digest = got;
	if (tar_size)
		*tar_size = total;
	r = 0;
out:
	archive_read_free(a);
	gs_sha256_free(tar_hash);
	gs_blob_reader_free(src->r);
	gs_error_release(&src->rerr);
	free(src);
	return r;
}

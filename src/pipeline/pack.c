#include "gsimage/pipeline/pack.h"

#include <string.h>

#include "gsimage/oci/image.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/xalloc.h"

#ifndef GS_VERSION
#define GS_VERSION "dev"
#endif

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define DEFAULT_USER "65532:65532"

static int sink_to_blob(void *ctx, const void *data, size_t len, gs_error_t *err)
{
	return gs_blob_writer_write(ctx, data, len, err);
}

/* Layers whose files are bigger than this are not cached: keying them by
 * content costs about as much as writing them. */
#define CACHE_MAX_FILE_BYTES (64u << 20)

/* Write a layer into the store; info gets its digests and sizes.  A layer
 * the cache knows, whose blob is intact in the store, is reused as is. */
static int store_layer(gs_store_t *store, gs_layer_t *layer, const gs_pack_opts_t *o,
		       int64_t mtime, gs_layer_info_t *info, gs_error_t *err)
{
	/* The blob writer hashes the layer as it stores it: its digest is the
	 * layer's, with no second pass over the compressed bytes. */
	gs_layer_write_opts_t wo = {.compression = o->compression, .level = o->level, .mtime = mtime,
				    .sink_digests = 1};
	gs_digest_t key;
	int keyed = 0;
	if (o->cache.dir) {
		int k = gs_layer_key(layer, &wo, "gsimage " GS_VERSION, CACHE_MAX_FILE_BYTES, &key,
				     err);
		if (k < 0)
			return -1;
		keyed = k == 0;
		if (keyed && gs_layercache_lookup(&o->cache, store, &key, o->compression, info))
			return 0;
	}
	gs_blob_writer_t *w = NULL;
	if (gs_blob_writer_new(store, &w, err) < 0)
		return -1;
	gs_digest_t committed;
	uint64_t size;
	if (gs_layer_write(layer, &wo, sink_to_blob, w, info, err) < 0 ||
	    gs_blob_writer_commit(w, &committed, &size, err) < 0) {
		gs_blob_writer_free(w);
		return -1;
	}
	gs_blob_writer_free(w);
	info->digest = committed;
	if (keyed)
		gs_layercache_record(&o->cache, &key, info);
	return 0;
}

/* The essentials never depend on the app or the time (mtime 0), so every
 * image built with the same options shares this layer. */
static int essentials_layer(gs_store_t *store, const gs_pack_opts_t *o, gs_layer_info_t *info,
			    gs_error_t *err)
{
	gs_layer_t *layer = gs_layer_new();
	int r = gs_essentials_add(layer, &o->essentials, err);
	if (r == 0)
		r = store_layer(store, layer, o, 0, info, err);
	gs_layer_free(layer);
	return r < 0 ? gs_error_wrap(err, "writing the essentials layer") : 0;
}

/* The app layer's entries: the --add files and the binary at binary_path
 * (from bin, or an empty placeholder when bin is NULL).  A binary
 * path that collides with an --add entry fails here. */
static int app_entries(const gs_pack_opts_t *o, const char *binary_path,
		       const gs_pack_binary_t *bin, gs_layer_t **out, gs_error_t *err)
{
	gs_layer_t *layer = o->adds ? gs_layer_copy(o->adds) : gs_layer_new();
	int r = !bin ? gs_layer_add_data(layer, binary_path, 0755, 0, 0, "", 0, err)
		: bin->build_id ? gs_layer_add_file_id(layer, binary_path, 0755, 0, 0, bin->path,
						       bin->build_id, err)
				: gs_layer_add_file(layer, binary_path, 0755, 0, 0, bin->path, err);
	if (r < 0) {
		gs_layer_free(layer);
		return gs_error_wrap(err, "placing the binary at '%s'", binary_path);
	}
	*out = layer;
	return 0;
}

static int app_layer(gs_store_t *store, const gs_pack_opts_t *o, const char *binary_path,
		     const gs_pack_binary_t *bin, gs_layer_info_t *info, gs_error_t *err)
{
	gs_layer_t *layer = NULL;
	if (app_entries(o, binary_path, bin, &layer, err) < 0)
		return -1;
	int r = store_layer(store, layer, o, o->epoch, info, err);
	gs_layer_free(layer);
	return r;
}

static void fill_config(gs_image_config_t *cfg, const gs_pack_opts_t *o, const gs_platform_t *p,
			const char *created, const char *binary_path)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->os = p->os;
	cfg->architecture = p->arch;
	cfg->variant = p->variant;
	cfg->created = created;
	if (o->entrypoint.n)
		gs_strvec_push_all(&cfg->entrypoint, &o->entrypoint);
	else
		gs_strvec_push(&cfg->entrypoint, binary_path);
	gs_strvec_push_all(&cfg->cmd, &o->cmd);
	gs_strvec_push(&cfg->env, DEFAULT_PATH);
	if (!o->bare && o->essentials.ca_certs)
		gs_strvec_push(&cfg->env, "SSL_CERT_FILE=" GS_CA_BUNDLE_PATH);
	for (size_t i = 0; i < o->env.n; i++) {
		size_t klen = strcspn(o->env.v[i], "=");
		cleanup_free char *key = xstrndup(o->env.v[i], klen);
		gs_strvec_setenv(&cfg->env, key, o->env.v[i] + klen + (o->env.v[i][klen] ? 1 : 0));
	}
	cfg->user = o->user ? o->user : DEFAULT_USER;
	cfg->working_dir = o->workdir ? o->workdir : "/";
	gs_strvec_push_all(&cfg->labels, &o->labels);
	gs_strvec_push_all(&cfg->exposed_ports, &o->exposed_ports);
	cfg->stop_signal = o->stop_signal;
}

static void release_config(gs_image_config_t *cfg)
{
	gs_strvec_release(&cfg->entrypoint);
	gs_strvec_release(&cfg->cmd);
	gs_strvec_release(&cfg->env);
	gs_strvec_release(&cfg->labels);
	gs_strvec_release(&cfg->exposed_ports);
}

static int put_json(gs_store_t *store, char *json, size_t len, gs_digest_t *digest,
		    uint64_t *size, gs_error_t *err)
{
	int r = gs_store_put(store, json, len, digest, err);
	*size = len;
	free(json);
	return r;
}

static int pack_one(gs_store_t *store, const gs_pack_opts_t *o, const char *binary_path,
		    const char *created, const gs_layer_info_t *essentials,
		    const gs_pack_binary_t *bin, gs_packed_image_t *img, gs_error_t *err)
{
	img->platform = bin->platform;
	img->layers = xcalloc(2, sizeof *img->layers);
	cleanup_free char *app_by = x_asprintf("gsimage build: COPY %s %s", o->name, binary_path);
	/* The comment says what the essentials hold with these options. */
	cleanup_free char *essentials_comment =
		x_asprintf("passwd, group, nsswitch.conf, hosts, /tmp, /home/nonroot%s%s",
			   o->essentials.ca_certs ? ", CA bundle" : "",
			   o->essentials.zoneinfo ? ", zoneinfo" : "");
	gs_history_entry_t history[2];
	size_t n = 0;
	if (essentials) {
		img->layers[n] = *essentials;
		history[n++] = (gs_history_entry_t){"gsimage build: scratch essentials",
						    essentials_comment};
	}
	if (app_layer(store, o, binary_path, bin, &img->layers[n], err) < 0)
		return gs_error_wrap(err, "writing the layer for %s", bin->platform->name);
	history[n++] = (gs_history_entry_t){app_by, "static Go binary"};
	img->n_layers = n;

	gs_image_config_t cfg;
	fill_config(&cfg, o, bin->platform, created, binary_path);
	cfg.history = history;
	cfg.n_history = n;
	size_t len;
	char *json = gs_image_config_json(&cfg, img->layers, img->n_layers, &len);
	release_config(&cfg);
	if (put_json(store, json, len, &img->config, &img->config_size, err) < 0)
		return gs_error_wrap(err, "writing the config for %s", bin->platform->name);

	gs_descriptor_t config_desc = {
		.media_type = GS_MT_CONFIG,
		.digest = img->config,
		.size = img->config_size,
	};
	json = gs_image_manifest_json(&config_desc, img->layers, img->n_layers, &o->annotations,
				      &len);
	if (put_json(store, json, len, &img->manifest, &img->manifest_size, err) < 0)
		return gs_error_wrap(err, "writing the manifest for %s", bin->platform->name);
	return 0;
}

int gs_pack(gs_store_t *store, const gs_pack_opts_t *o, const gs_pack_binary_t *bins,
	    size_t n_bins, gs_pack_result_t *out, gs_error_t *err)
{
	memset(out, 0, sizeof *out);
	cleanup_free char *default_path = x_asprintf("/usr/local/bin/%s", o->name);
	const char *binary_path = o->binary_path ? o->binary_path : default_path;
	cleanup_free char *created = gs_image_time(o->epoch);

	/* A binary path that collides with an --add fails before any blob is
	 * written. */
	gs_layer_t *placed = NULL;
	if (app_entries(o, binary_path, NULL, &placed, err) < 0)
		return -1;
	gs_layer_free(placed);
	gs_layer_info_t essentials;
	if (!o->bare && essentials_layer(store, o, &essentials, err) < 0)
		return -1;

	out->images = xcalloc(n_bins, sizeof *out->images);
	for (size_t i = 0; i < n_bins; i++) {
		out->n_images++;
		if (pack_one(store, o, binary_path, created, o->bare ? NULL : &essentials, &bins[i],
			     &out->images[i], err) < 0)
			goto fail;
	}

	if (n_bins == 1) {
		out->top = out->images[0].manifest;
		out->top_size = out->images[0].manifest_size;
		out->top_media_type = GS_MT_MANIFEST;
		return 0;
	}
	gs_descriptor_t *descs = xcalloc(n_bins, sizeof *descs);
	for (size_t i = 0; i < n_bins; i++) {
		const gs_packed_image_t *img = &out->images[i];
		descs[i] = (gs_descriptor_t){
			.media_type = GS_MT_MANIFEST,
			.digest = img->manifest,
			.size = img->manifest_size,
			.os = img->platform->os,
			.architecture = img->platform->arch,
			.variant = img->platform->variant,
		};
	}
	size_t len;
	char *json = gs_image_index_json(descs, n_bins, &o->annotations, &len);
	free(descs);
	if (put_json(store, json, len, &out->top, &out->top_size, err) < 0) {
		gs_error_wrap(err, "writing the image index");
		goto fail;
	}
	out->top_media_type = GS_MT_INDEX;
	return 0;
fail:
	gs_pack_result_release(out);
	return -1;
}

void gs_pack_result_release(gs_pack_result_t *res)
{
	for (size_t i = 0; i < res->n_images; i++)
		free(res->images[i].layers);
	free(res->images);
	memset(res, 0, sizeof *res);
}

void gs_pack_opts_release(gs_pack_opts_t *o)
{
	gs_strvec_release(&o->entrypoint);
	gs_strvec_release(&o->cmd);
	gs_strvec_release(&o->env);
	gs_strvec_release(&o->labels);
	gs_strvec_release(&o->exposed_ports);
	gs_strvec_release(&o->annotations);
	gs_layer_free(o->adds);
	o->adds = NULL;
}

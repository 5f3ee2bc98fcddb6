/* The image's JSON documents.  Keys are set in a fixed order (jansson keeps
 * insertion order) and dumped with JSON_COMPACT, so the same inputs always
 * give the same bytes:
 *
 * config:   architecture, os, variant?, created?, config{User?, Env?,
 *           Entrypoint?, Cmd?, WorkingDir?, Labels?, ExposedPorts?,
 *           StopSignal?}, rootfs{type, diff_ids}, history[{created?,
 *           created_by?, comment?}]
 * manifest: schemaVersion, mediaType, config{mediaType, digest, size},
 *           layers[{mediaType, digest, size}], annotations?
 * index:    schemaVersion, mediaType, manifests[{mediaType, digest, size,
 *           platform?{architecture, os, variant?}, annotations?}],
 *           annotations?
 *
 * Strings that are not valid UTF-8 cannot be JSON strings; they are written
 * with each bad byte replaced by U+FFFD, as Go's encoding/json does (callers
 * that want to refuse them check with gs_utf8_valid first). */
#include "gsimage/oci/image.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gsimage/util/json.h"
#include "gsimage/util/xalloc.h"

/* Keys come from user "K=V" strings, so they are checked too. */
static void set_user_key(json_t *obj, const char *key, json_t *v)
{
	json_t *k = gs_json_string(key);
	gs_json_set(obj, json_string_value(k), v);
	json_decref(k);
}

static json_t *str_array(const gs_strvec_t *sv)
{
	json_t *a = json_array();
	for (size_t i = 0; i < sv->n; i++)
		json_array_append_new(a, gs_json_string(sv->v[i]));
	return a;
}

/* {"K":"V",...} from "K=V" strings, in order (a repeated key keeps its
 * first position and its last value). */
static json_t *kv_object(const gs_strvec_t *sv)
{
	json_t *o = json_object();
	for (size_t i = 0; i < sv->n; i++) {
		const char *eq = strchr(sv->v[i], '=');
		char *key = eq ? xstrndup(sv->v[i], (size_t)(eq - sv->v[i])) : xstrdup(sv->v[i]);
		set_user_key(o, key, gs_json_string(eq ? eq + 1 : ""));
		free(key);
	}
	return o;
}

static json_t *descriptor(const char *media_type, const gs_digest_t *digest, uint64_t size)
{
	json_t *d = json_object();
	gs_json_set(d, "mediaType", gs_json_string(media_type));
	gs_json_set(d, "digest", gs_json_string(digest->s));
	gs_json_set(d, "size", json_integer((json_int_t)size));
	return d;
}

char *gs_image_config_json(const gs_image_config_t *cfg, const gs_layer_info_t *layers,
			   size_t n_layers, size_t *len)
{
	json_t *root = json_object();
	gs_json_set(root, "architecture", gs_json_string(cfg->architecture));
	gs_json_set(root, "os", gs_json_string(cfg->os));
	if (cfg->variant && *cfg->variant)
		gs_json_set(root, "variant", gs_json_string(cfg->variant));
	if (cfg->created)
		gs_json_set(root, "created", gs_json_string(cfg->created));

	json_t *c = json_object();
	if (cfg->user && *cfg->user)
		gs_json_set(c, "User", gs_json_string(cfg->user));
	if (cfg->env.n)
		gs_json_set(c, "Env", str_array(&cfg->env));
	if (cfg->entrypoint.n)
		gs_json_set(c, "Entrypoint", str_array(&cfg->entrypoint));
	if (cfg->cmd.n)
		gs_json_set(c, "Cmd", str_array(&cfg->cmd));
	if (cfg->working_dir && *cfg->working_dir)
		gs_json_set(c, "WorkingDir", gs_json_string(cfg->working_dir));
	if (cfg->labels.n)
		gs_json_set(c, "Labels", kv_object(&cfg->labels));
	if (cfg->exposed_ports.n) {
		json_t *ports = json_object();
		for (size_t i = 0; i < cfg->exposed_ports.n; i++)
			set_user_key(ports, cfg->exposed_ports.v[i], json_object());
		gs_json_set(c, "ExposedPorts", ports);
	}
	if (cfg->stop_signal && *cfg->stop_signal)
		gs_json_set(c, "StopSignal", gs_json_string(cfg->stop_signal));
	gs_json_set(root, "config", c);

	json_t *rootfs = json_object();
	gs_json_set(rootfs, "type", gs_json_string("layers"));
	json_t *ids = json_array();
	for (size_t i = 0; i < n_layers; i++)
		json_array_append_new(ids, gs_json_string(layers[i].diff_id.s));
	gs_json_set(rootfs, "diff_ids", ids);
	gs_json_set(root, "rootfs", rootfs);

	if (cfg->n_history) {
		json_t *hist = json_array();
		for (size_t i = 0; i < cfg->n_history; i++) {
			json_t *h = json_object();
			if (cfg->created)
				gs_json_set(h, "created", gs_json_string(cfg->created));
			if (cfg->history[i].created_by)
				gs_json_set(h, "created_by", gs_json_string(cfg->history[i].created_by));
			if (cfg->history[i].comment)
				gs_json_set(h, "comment", gs_json_string(cfg->history[i].comment));
			json_array_append_new(hist, h);
		}
		gs_json_set(root, "history", hist);
	}
	return gs_json_dump_compact(root, len);
}

char *gs_image_manifest_json(const gs_descriptor_t *config, const gs_layer_info_t *layers,
			     size_t n_layers, const gs_strvec_t *annotations, size_t *len)
{
	json_t *root = json_object();
	gs_json_set(root, "schemaVersion", json_integer(2));
	gs_json_set(root, "mediaType", gs_json_string(GS_MT_MANIFEST));
	gs_json_set(root, "config",
	    descriptor(config->media_type ? config->media_type : GS_MT_CONFIG, &config->digest,
		       config->size));
	json_t *ls = json_array();
	for (size_t i = 0; i < n_layers; i++)
		json_array_append_new(ls, descriptor(gs_mediatype_layer(layers[i].compression),
						     &layers[i].digest, layers[i].size));
	gs_json_set(root, "layers", ls);
	if (annotations && annotations->n)
		gs_json_set(root, "annotations", kv_object(annotations));
	return gs_json_dump_compact(root, len);
}

char *gs_image_index_json(const gs_descriptor_t *manifests, size_t n,
			  const gs_strvec_t *annotations, size_t *len)
{
	json_t *root = json_object();
	gs_json_set(root, "schemaVersion", json_integer(2));
	gs_json_set(root, "mediaType", gs_json_string(GS_MT_INDEX));
	json_t *ms = json_array();
	for (size_t i = 0; i < n; i++) {
		const gs_descriptor_t *m = &manifests[i];
		json_t *d = descriptor(m->media_type ? m->media_type : GS_MT_MANIFEST, &m->digest,
				       m->size);
		if (m->os || m->architecture) {
			json_t *p = json_object();
			gs_json_set(p, "architecture", gs_json_string(m->architecture ? m->architecture : ""));
			gs_json_set(p, "os", gs_json_string(m->os ? m->os : ""));
			if (m->variant && *m->variant)
				gs_json_set(p, "variant", gs_json_string(m->variant));
			gs_json_set(d, "platform", p);
		}
		if (m->annotations.n)
			gs_json_set(d, "annotations", kv_object(&m->annotations));
		json_array_append_new(ms, d);
	}
	gs_json_set(root, "manifests", ms);
	if (annotations && annotations->n)
		gs_json_set(root, "annotations", kv_object(annotations));
	return gs_json_dump_compact(root, len);
}

char *gs_image_time(int64_t epoch)
{
	time_t t = (time_t)epoch;
	struct tm tm;
	if ((int64_t)t != epoch || !gmtime_r(&t, &tm) || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900)
		return NULL;
	char buf[32];
	if (strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		return NULL;
	return xstrdup(buf);
}

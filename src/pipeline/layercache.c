#include "gsimage/pipeline/layercache.h"

#include <errno.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "gsimage/util/cache.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/xalloc.h"

static void entry_key(const gs_digest_t *key, gs_cache_key_t *k)
{
	gs_cache_key_init(k, "layer");
	gs_cache_key_digest(k, "layer key", key->s);
}

static gs_cache_t cache_of(const gs_layercache_t *c)
{
	return (gs_cache_t){.dir = c->dir, .warn = c->warn};
}

char *gs_layercache_entry_path(const gs_layercache_t *c, const gs_digest_t *key)
{
	gs_cache_key_t k;
	entry_key(key, &k);
	cleanup_free char *name = gs_cache_key_name(&k);
	cleanup_free char *entries = gs_cache_entries_dir(c->dir);
	char *path = x_asprintf("%s/%s/%s", entries, k.kind, name);
	gs_cache_key_release(&k);
	return path;
}

/* The value: "<digest>\n<diff_id>\n<size>\n<uncompressed size>\n<compression>\n".
 * < 0 with *why (static) when it is not one for compression. */
static int parse_entry(const char *text, gs_compression_t compression, gs_layer_info_t *info,
		       const char **why)
{
	char digest[160], diff_id[160], comp[32];
	unsigned long long size, usize;
	int used = 0;
	gs_error_t e = GS_ERROR_INIT;
	*why = "it is not a layer descriptor";
	memset(info, 0, sizeof *info);
	if (sscanf(text, "%159[^\n]\n%159[^\n]\n%llu\n%llu\n%31[^\n]\n%n", digest, diff_id, &size,
		   &usize, comp, &used) != 5 || text[used] != '\0' || size == 0 || usize == 0 ||
	    gs_digest_parse(digest, &info->digest, &e) < 0 ||
	    gs_digest_parse(diff_id, &info->diff_id, &e) < 0 ||
	    gs_compression_parse(comp, &info->compression, &e) < 0) {
		gs_error_release(&e);
		return -1;
	}
	if (info->compression != compression) {
		*why = "its compression differs";
		return -1;
	}
	info->size = size;
	info->uncompressed_size = usize;
	return 0;
}

int gs_layercache_lookup(const gs_layercache_t *c, gs_store_t *store,
			 const gs_digest_t *key, gs_compression_t compression,
			 gs_layer_info_t *info)
{
	if (!c || !c->dir)
		return 0;
	gs_cache_t cache = cache_of(c);
	gs_cache_key_t k;
	entry_key(key, &k);
	cleanup_free char *text = NULL;
	int hit = gs_cache_get(&cache, &k, &text, NULL);
	gs_cache_key_release(&k);
	if (!hit)
		return 0; /* never built, or damaged (the cache warned) */
	gs_error_t e = GS_ERROR_INIT;
	const char *why = NULL;
	gs_layer_info_t found;
	if (parse_entry(text, compression, &found, &why) < 0) {
		cleanup_free char *path = gs_layercache_entry_path(c, key);
		gs_progress(&cache.warn, "warning: ignoring layer cache entry '%s': %s; rebuilding the layer", path,
		     why);
		return 0;
	}

	/* The hint names a blob: reuse it only when it is intact. */
	cleanup_free char *blob = gs_store_blob_path(store, &found.digest);
	struct stat st;
	if (lstat(blob, &st) < 0)
		return 0; /* not in this layout: write it */
	gs_blob_reader_t *r = NULL;
	if (gs_blob_reader_open(store, &found.digest, found.size, "layer", &r, &e) < 0 ||
	    gs_blob_reader_finish(r, &e) < 0) {
		gs_progress(&cache.warn, "warning: %s; writing the layer again", e.msg);
		gs_blob_reader_free(r);
		gs_error_release(&e);
		return 0;
	}
	gs_blob_reader_free(r);
	gs_store_keep_in_place(store);
	*info = found;
	return 1;
}

void gs_layercache_record(const gs_layercache_t *c, const gs_digest_t *key,
			  const gs_layer_info_t *info)
{
	if (!c || !c->dir)
		return;
	cleanup_free char *text = x_asprintf("%s\n%s\n%llu\n%llu\n%s\n", info->digest.s,
					     info->diff_id.s, (unsigned long long)info->size,
					     (unsigned long long)info->uncompressed_size,
					     gs_compression_name(info->compression));
	gs_cache_t cache = cache_of(c);
	gs_cache_key_t k;
	entry_key(key, &k);
	gs_cache_put(&cache, &k, text, strlen(text), 0644);
	gs_cache_key_release(&k);
}

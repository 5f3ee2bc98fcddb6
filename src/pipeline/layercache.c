#include "gsimage/pipeline/layercache.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/xalloc.h"

#define ENTRY_VERSION 1

static char *entry_path(const gs_layercache_t *c, const gs_digest_t *key)
{
	cleanup_free char *base = x_asprintf("%s.json", gs_digest_hex(key));
	return gs_path_join(c->dir, base);
}

void gs_layercache_check(const gs_digest_t *key, const gs_layer_info_t *info,
			 gs_digest_t *out)
{
	cleanup_free char *text = x_asprintf(
		"gsimage-layercache-v%d\n%s\n%s\n%s\n%llu\n%llu\n%s\n", ENTRY_VERSION, key->s,
		info->digest.s, info->diff_id.s, (unsigned long long)info->size,
		(unsigned long long)info->uncompressed_size, gs_compression_name(info->compression));
	gs_digest_buffer(text, strlen(text), out);
}

/* Parse an entry; < 0 with *why (static) when it is not a valid one. */
static int parse_entry(const char *text, const gs_digest_t *key, gs_compression_t compression,
		       gs_layer_info_t *info, const char **why)
{
	json_error_t je;
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	int r = -1;
	const char *k, *digest, *diff_id, *comp, *check;
	json_int_t version, size, usize;
	gs_error_t e = GS_ERROR_INIT;
	*why = "it is not a layer cache entry";
	if (!root || json_unpack(root, "{s:I, s:s, s:s, s:s, s:I, s:I, s:s, s:s}", "version",
				 &version, "key", &k, "digest", &digest, "diffID", &diff_id,
				 "size", &size, "uncompressedSize", &usize, "compression", &comp,
				 "check", &check) < 0)
		goto out;
	if (version != ENTRY_VERSION || strcmp(k, key->s) != 0) {
		*why = "it belongs to another key or version";
		goto out;
	}
	memset(info, 0, sizeof *info);
	if (gs_digest_parse(digest, &info->digest, &e) < 0 ||
	    gs_digest_parse(diff_id, &info->diff_id, &e) < 0 || size <= 0 || usize <= 0 ||
	    gs_compression_parse(comp, &info->compression, &e) < 0)
		goto out;
	if (info->compression != compression) {
		*why = "its compression differs";
		goto out;
	}
	info->size = (uint64_t)size;
	info->uncompressed_size = (uint64_t)usize;
	gs_digest_t want;
	gs_layercache_check(key, info, &want);
	if (strcmp(want.s, check) != 0) {
		*why = "its check does not match its content";
		goto out;
	}
	r = 0;
out:
	gs_error_release(&e);
	json_decref(root);
	return r;
}

int gs_layercache_lookup(const gs_layercache_t *c, gs_store_t *store,
			 const gs_digest_t *key, gs_compression_t compression,
			 gs_layer_info_t *info)
{
	if (!c || !c->dir)
		return 0;
	cleanup_free char *path = entry_path(c, key);
	struct stat st;
	if (lstat(path, &st) < 0)
		return 0; /* never built: a plain miss */
	cleanup_free char *text = NULL;
	gs_error_t e = GS_ERROR_INIT;
	const char *why = NULL;
	gs_layer_info_t found;
	if (!S_ISREG(st.st_mode) || st.st_size > 64 * 1024) {
		why = "it is not a small regular file";
	} else if (gs_fs_read_file(path, &text, NULL, &e) < 0) {
		why = e.msg;
	} else if (parse_entry(text, key, compression, &found, &why) == 0) {
		why = NULL;
	}
	if (why) {
		gs_progress(&c->warn, "warning: ignoring layer cache entry '%s': %s; rebuilding the layer", path,
		     why);
		gs_error_release(&e);
		return 0;
	}
	gs_error_release(&e);

	/* The hint names a blob: reuse it only when it is intact. */
	cleanup_free char *blob = gs_store_blob_path(store, &found.digest);
	if (lstat(blob, &st) < 0)
		return 0; /* not in this layout: write it */
	gs_blob_reader_t *r = NULL;
	if (gs_blob_reader_open(store, &found.digest, found.size, "layer", &r, &e) < 0 ||
	    gs_blob_reader_finish(r, &e) < 0) {
		gs_progress(&c->warn, "warning: %s; writing the layer again", e.msg);
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
	gs_digest_t check;
	gs_layercache_check(key, info, &check);
	json_t *root = json_pack("{s:i, s:s, s:s, s:s, s:I, s:I, s:s, s:s}", "version",
				 ENTRY_VERSION, "key", key->s, "digest", info->digest.s, "diffID",
				 info->diff_id.s, "size", (json_int_t)info->size,
				 "uncompressedSize", (json_int_t)info->uncompressed_size,
				 "compression", gs_compression_name(info->compression), "check",
				 check.s);
	char *text = root ? json_dumps(root, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
	json_decref(root);
	if (!text)
		return;
	cleanup_free char *path = entry_path(c, key);
	gs_error_t e = GS_ERROR_INIT;
	if (gs_fs_mkdir_p(c->dir, 0755, &e) < 0 ||
	    gs_fs_write_atomic(path, text, strlen(text), 0644, &e) < 0)
		gs_progress(&c->warn, "warning: cannot record the layer in the cache: %s", e.msg);
	gs_error_release(&e);
	free(text);
}

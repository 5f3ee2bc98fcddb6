#include "gsimage/util/cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/fnv.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/xalloc.h"

/* "gsimage-cache-v1 <key length>\n<key><value>": the key may hold any byte
 * but NUL, newlines included. */
#define MAGIC "gsimage-cache-v1 "

static char *entry_path(const char *cache_dir, const char *kind, const char *key)
{
	uint64_t h = gs_fnv1a(GS_FNV1A_INIT, key, strlen(key));
	cleanup_free char *rel = x_asprintf("%s/%016llx", kind, (unsigned long long)h);
	return gs_path_join(cache_dir, rel);
}

int gs_cache_get(const char *cache_dir, const char *kind, const char *key, char **value)
{
	if (!cache_dir)
		return 0;
	cleanup_free char *path = entry_path(cache_dir, kind, key);
	cleanup_free char *text = NULL;
	size_t len = 0;
	gs_error_t ignored = GS_ERROR_INIT;
	int r = gs_fs_read_file(path, &text, &len, &ignored);
	gs_error_release(&ignored);
	if (r < 0 || strncmp(text, MAGIC, strlen(MAGIC)) != 0 || memchr(text, '\0', len))
		return 0;
	char *p = text + strlen(MAGIC), *end;
	unsigned long long klen = strtoull(p, &end, 10);
	size_t keylen = strlen(key);
	if (end == p || *end != '\n' || klen != keylen || (size_t)(text + len - end - 1) < keylen ||
	    memcmp(end + 1, key, keylen) != 0)
		return 0;
	*value = xstrdup(end + 1 + keylen);
	return 1;
}

void gs_cache_put(const char *cache_dir, const char *kind, const char *key, const char *value)
{
	if (!cache_dir)
		return;
	cleanup_free char *dir = gs_path_join(cache_dir, kind);
	cleanup_free char *path = entry_path(cache_dir, kind, key);
	cleanup_free char *text = x_asprintf(MAGIC "%zu\n%s%s", strlen(key), key, value);
	gs_error_t ignored = GS_ERROR_INIT;
	if (gs_fs_mkdir_p(dir, 0755, &ignored) == 0)
		gs_fs_write_atomic(path, text, strlen(text), 0644, &ignored);
	gs_error_release(&ignored);
}

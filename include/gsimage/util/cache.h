/* gsimage's on-disk caches, one way: remembered answers (a tool's version,
 * a listing, a layer's descriptor) under CACHE/entries/<kind>/<name>.
 *
 * A key is built from typed parts (strings, numbers, file identities); its
 * name is the sha256 of its text.  An entry is
 *   "gsimage-cache-v2\n" "key <len>\n" <key> "\n"
 *   "value <len> <sha256 of value>\n" <value> "\n"
 * so a damaged entry, or one whose key is another's, is detected and never
 * answers.  The policy: an entry is only a hint.  A missing entry is a
 * miss; a damaged or foreign one is a miss with a warning (through the
 * caller's warn callback: library code does not print); an entry of another
 * format version is a silent miss.  Writes are atomic; deleting any entry,
 * or the whole directory, at any time is safe.  `gsimage gc --cache` prunes
 * entries not used for a while: a hit refreshes the entry's mtime. */
#ifndef GSIMAGE_UTIL_CACHE_H
#define GSIMAGE_UTIL_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "gsimage/util/progress.h"

typedef struct gs_cache {
	const char *dir; /* gsimage's cache directory; NULL: no cache (every get misses) */
	gs_progress_t warn; /* where a warning line goes */
} gs_cache_t;

/* The key: a kind ("zig", "golist", "layer", ...: the entry's directory)
 * and typed parts, each "<type> <name> <len>\n<bytes>\n", so no two
 * different part lists have the same text. */
typedef struct gs_cache_key {
	char *kind;
	char *text;
	size_t len;
} gs_cache_key_t;

void gs_cache_key_init(gs_cache_key_t *k, const char *kind);
void gs_cache_key_str(gs_cache_key_t *k, const char *name, const char *s); /* NULL: "" */
void gs_cache_key_num(gs_cache_key_t *k, const char *name, uint64_t n);
/* A digest string ("sha256:<hex>"). */
void gs_cache_key_digest(gs_cache_key_t *k, const char *name, const char *digest);
/* A file's path and identity (device, inode, mode, size, mtime and ctime
 * in ns), so a replaced file is a new key.  A file that cannot be stat'ed
 * is a part "missing". */
void gs_cache_key_file(gs_cache_key_t *k, const char *name, const char *path);
void gs_cache_key_release(gs_cache_key_t *k);

/* The key's name: 32 hex digits of the sha256 of its kind and text,
 * for entries and for directories named by a key.  Owned. */
char *gs_cache_key_name(const gs_cache_key_t *k);

/* 1 and *value (owned, NUL-terminated; *len without the NUL, len may be
 * NULL) when c has an intact entry for k; 0 otherwise (see the policy). */
int gs_cache_get(const gs_cache_t *c, const gs_cache_key_t *k, char **value, size_t *len);

/* Remember value for k, atomically replacing any older entry; mode 0600
 * for keys that hold secrets (an environment), else 0644.  Failures are
 * ignored: a cache that cannot be written is only slower. */
void gs_cache_put(const gs_cache_t *c, const gs_cache_key_t *k, const void *value, size_t len,
		  int mode);

/* Where the entries are: CACHE/entries.  Owned. */
char *gs_cache_entries_dir(const char *cache_dir);

#endif

/* Small remembered answers (a tool's version, a listing) under the cache
 * directory: cache_dir/<kind>/<hash of key>, one file per key.  The entry
 * repeats the whole key, so a hash collision or a damaged file is a miss,
 * never a wrong answer.  Entries are hints: every failure to read or write
 * one is ignored. */
#ifndef GSIMAGE_UTIL_CACHE_H
#define GSIMAGE_UTIL_CACHE_H

#include <stddef.h>

/* 1 and *value (owned, NUL-terminated) when kind has an entry for key;
 * 0 otherwise.  cache_dir NULL: always 0. */
int gs_cache_get(const char *cache_dir, const char *kind, const char *key, char **value);

/* Remember value for key, atomically replacing any older entry. */
void gs_cache_put(const char *cache_dir, const char *kind, const char *key, const char *value);

#endif

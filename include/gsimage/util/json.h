/* jansson helpers shared by the modules that write JSON. */
#ifndef GSIMAGE_UTIL_JSON_H
#define GSIMAGE_UTIL_JSON_H

#include <jansson.h>

/* A json_t * local released at the end of its scope (jansson's own
 * json_decrefp does the work). */
#define cleanup_json __attribute__((cleanup(json_decrefp)))

/* json_string() that never returns NULL: bytes that are not UTF-8 (file
 * names, ELF strings) become U+FFFD first.  Aborts only on out of memory. */
json_t *gs_json_string(const char *s);

/* obj[key] = v, taking v's reference; aborts only on out of memory (or a
 * NULL v, which means a constructor ran out of memory). */
void gs_json_set(json_t *obj, const char *key, json_t *v);

/* Compact JSON with the keys in the order they were set: the bytes the
 * digests are taken of.  Takes root's reference; *len (may be NULL) gets
 * the length.  Owned. */
char *gs_json_dump_compact(json_t *root, size_t *len);

#endif

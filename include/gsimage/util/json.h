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

/* The one JSON writer: keys in the order they were set, and either
 * compact (GS_JSON_COMPACT: no whitespace, the bytes digests are taken of)
 * or indented by two spaces for people to read (GS_JSON_INDENT).  root is
 * borrowed; *len (may be NULL) gets the length.  Owned; aborts only on out
 * of memory. */
#define GS_JSON_COMPACT 0
#define GS_JSON_INDENT 1
char *gs_json_dump(const json_t *root, int style, size_t *len);

/* gs_json_dump(root, GS_JSON_COMPACT, len) that takes root's reference. */
char *gs_json_dump_compact(json_t *root, size_t *len);

#endif

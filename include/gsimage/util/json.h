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

#endif

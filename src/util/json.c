#include "gsimage/util/json.h"

#include <stdlib.h>
#include <string.h>

#include "gsimage/util/utf8.h"

json_t *gs_json_string(const char *s)
{
	json_t *j = json_string(s);
	if (!j) {
		char *fixed = gs_utf8_sanitize(s);
		j = json_string(fixed);
		free(fixed);
	}
	if (!j)
		abort(); /* only on out of memory */
	return j;
}

void gs_json_set(json_t *obj, const char *key, json_t *v)
{
	if (!v || json_object_set_new_nocheck(obj, key, v) < 0)
		abort(); /* only on out of memory */
}

char *gs_json_dump(const json_t *root, int style, size_t *len)
{
	size_t flags = JSON_PRESERVE_ORDER | (style == GS_JSON_INDENT ? JSON_INDENT(2) : JSON_COMPACT);
	char *s = json_dumps(root, flags);
	if (!s)
		abort(); /* only on out of memory (or a NULL root: the same) */
	if (len)
		*len = strlen(s);
	return s;
}

char *gs_json_dump_compact(json_t *root, size_t *len)
{
	char *s = gs_json_dump(root, GS_JSON_COMPACT, len);
	json_decref(root);
	return s;
}

#include "gsimage/util/json.h"

#include <stdlib.h>

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

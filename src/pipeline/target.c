#include "gsimage/pipeline/target.h"

#include <string.h>
#include <sys/stat.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/xalloc.h"

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void gs_target_split(const char *arg, char **dir, char **ref)
{
	if (is_dir(arg)) {
		*dir = xstrdup(arg);
		*ref = NULL;
		return;
	}
	const char *first = strchr(arg, ':');
	for (const char *c = first; c; c = strchr(c + 1, ':')) {
		cleanup_free char *left = xstrndup(arg, (size_t)(c - arg));
		if (is_dir(left)) {
			*dir = xstrdup(left);
			*ref = xstrdup(c + 1);
			return;
		}
	}
	*dir = first ? xstrndup(arg, (size_t)(first - arg)) : xstrdup(arg);
	*ref = first ? xstrdup(first + 1) : NULL;
}

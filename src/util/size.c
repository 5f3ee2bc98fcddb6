#include "gsimage/util/size.h"

#include "gsimage/util/xalloc.h"

char *gs_size_human(unsigned long long bytes)
{
	if (bytes < 1024)
		return x_asprintf("%llu B", bytes);
	if (bytes < 1024 * 1024)
		return x_asprintf("%.1f KiB", (double)bytes / 1024);
	return x_asprintf("%.1f MiB", (double)bytes / (1024 * 1024));
}

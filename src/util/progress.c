#include "gsimage/util/progress.h"

#include <stdarg.h>
#include <stdlib.h>

#include "gsimage/util/xalloc.h"

void gs_progress(const gs_progress_t *p, const char *fmt, ...)
{
	if (!p || !p->fn)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *line = x_vasprintf(fmt, ap);
	va_end(ap);
	p->fn(p->ctx, line);
	free(line);
}

/* Progress lines, the one way every stage reports what it is doing: the
 * CLI makes a gs_progress_t (silent under -q) and hands it down in each
 * request or options struct. */
#ifndef GSIMAGE_UTIL_PROGRESS_H
#define GSIMAGE_UTIL_PROGRESS_H

#include "gsimage/util/error.h"

typedef struct gs_progress {
	/* gets one line, no trailing newline; NULL: no progress */
	void (*fn)(void *ctx, const char *line);
	void *ctx;
} gs_progress_t;

/* Report one formatted line to p (p may be NULL). */
void gs_progress(const gs_progress_t *p, const char *fmt, ...) GS_PRINTF(2, 3);

#endif

/* Running the planned go builds: a small thread pool, and the work
 * directory go uses for stable outputs.  Nothing here decides what to
 * build (plan.h) or what to keep (commit.h). */
#ifndef GSIMAGE_TOOLCHAIN_RUN_H
#define GSIMAGE_TOOLCHAIN_RUN_H

#include <stddef.h>

#include "gsimage/util/error.h"

/* One command to run and, afterwards, its outcome. */
typedef struct gs_run {
	char *const *argv, *const *envp;
	const char *cwd;
	int cold;     /* it first builds zig's C runtime for its target: zig's
			 cache races when cold, so cold runs go one at a time */
	/* outcome */
	int rc;       /* gs_proc_run's: < 0 with err set when it could not run */
	int status;   /* its exit status */
	char *errout; /* its stdout and stderr (owned) */
	gs_error_t err;
} gs_run_t;

/* Run all n: the cold ones one by one first, then the rest with up to
 * max_jobs (<= 0: one) at once, on threads.  Every run gets its outcome. */
void gs_run_all(gs_run_t *runs, size_t n, int max_jobs);

void gs_run_release(gs_run_t *r);


#endif

#include "gsimage/toolchain/run.h"

#include <pthread.h>
#include <stdlib.h>

#include "gsimage/util/proc.h"
#include "gsimage/util/xalloc.h"

/* Safe on a worker thread: it touches only r. */
static void run_one(gs_run_t *r)
{
	gs_proc_opts_t po = {
		.argv = r->argv,
		.envp = r->envp,
		.cwd = r->cwd,
		.stdout_to_stderr = 1,
		.capture_stderr = &r->errout,
	};
	r->rc = gs_proc_run(&po, &r->status, &r->err);
}

/* The workers: each takes the next of order[next..n) until none is left. */
struct pool {
	gs_run_t **order;
	size_t next, n;
	pthread_mutex_t mu;
};

static void *worker(void *arg)
{
	struct pool *pl = arg;
	for (;;) {
		pthread_mutex_lock(&pl->mu);
		size_t i = pl->next < pl->n ? pl->next++ : pl->n;
		pthread_mutex_unlock(&pl->mu);
		if (i >= pl->n)
			return NULL;
		run_one(pl->order[i]);
	}
}

static void run_pool(gs_run_t **order, size_t n, size_t max_jobs)
{
	size_t nthreads = max_jobs < n ? max_jobs : n;
	if (nthreads <= 1) {
		for (size_t i = 0; i < n; i++)
			run_one(order[i]);
		return;
	}
	struct pool pl = {.order = order, .n = n};
	pthread_mutex_init(&pl.mu, NULL);
	pthread_t *t = xcalloc(nthreads, sizeof *t);
	size_t started = 0;
	for (; started + 1 < nthreads; started++)
		if (pthread_create(&t[started], NULL, worker, &pl) != 0)
			break;
	worker(&pl); /* this thread works too (and alone, if none started) */
	for (size_t i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	free(t);
	pthread_mutex_destroy(&pl.mu);
}

void gs_run_all(gs_run_t *runs, size_t n, int max_jobs)
{
	gs_run_t **warm = xcalloc(n ? n : 1, sizeof *warm);
	size_t n_warm = 0;
	for (size_t i = 0; i < n; i++) {
		if (runs[i].cold)
			run_one(&runs[i]);
		else
			warm[n_warm++] = &runs[i];
	}
	run_pool(warm, n_warm, max_jobs > 0 ? (size_t)max_jobs : 1);
	free(warm);
}

void gs_run_release(gs_run_t *r)
{
	free(r->errout);
	gs_error_release(&r->err);
	r->errout = NULL;
}

/* ---- go's work directory ------------------------------------------------- */

/* A new-XXXXXX older than this was left by a gsimage killed between
 * mkdtemp and rename: nothing is in it yet. */

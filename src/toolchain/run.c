#include "gsimage/toolchain/run.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
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
#define STALE_NEW_SECONDS 60

static void reap(const char *base)
{
	DIR *d = opendir(base);
	for (struct dirent *de; d && (de = readdir(d));) {
		cleanup_free char *path = gs_path_join(base, de->d_name);
		if (strncmp(de->d_name, "run-", 4) == 0) {
			cleanup_free char *lock = gs_path_join(path, "lock");
			gs_lock_t held = GS_LOCK_INIT;
			gs_error_t e = GS_ERROR_INIT;
			int r = gs_lock_path(&held, lock, GS_LOCK_TRY | GS_LOCK_NOCREATE, &e);
			if (r == 0 || (r < 0 && e.errnum == ENOENT))
				gs_fs_remove_tree(path); /* its gsimage is gone */
			gs_lock_release(&held);
			gs_error_release(&e);
		} else if (strncmp(de->d_name, "new-", 4) == 0) {
			struct stat st;
			if (lstat(path, &st) == 0 && st.st_mtime < time(NULL) - STALE_NEW_SECONDS)
				gs_fs_remove_tree(path);
		}
	}
	if (d)
		closedir(d);
}

/* Made as new-XXXXXX and renamed once locked, so no run directory is ever
 * seen before its lock is held. */
int gs_run_dir_make(const char *base, gs_run_dir_t *d, gs_error_t *err)
{
	if (gs_fs_mkdir_p(base, 0700, err) < 0)
		return -1;
	reap(base);
	cleanup_free char *tmpl = gs_path_join(base, "new-XXXXXX");
	if (!mkdtemp(tmpl))
		return gs_error_set(err, errno, "creating a work directory in '%s'", base);
	cleanup_free char *new_lock = gs_path_join(tmpl, "lock");
	if (gs_lock_path(&d->lock, new_lock, GS_LOCK_EXCLUSIVE, err) < 0) {
		gs_fs_remove_tree(tmpl);
		return -1;
	}
	d->dir = x_asprintf("%s/run-%s", base, tmpl + strlen(base) + strlen("/new-"));
	if (rename(tmpl, d->dir) < 0) {
		gs_error_set(err, errno, "renaming '%s'", tmpl);
		gs_fs_remove_tree(tmpl);
		gs_lock_release(&d->lock);
		free(d->dir);
		d->dir = NULL;
		return -1;
	}
	d->lock_path = gs_path_join(d->dir, "lock");
	/* An interrupt takes the lock file and the (then empty) directory
	 * along; what a killed go leaves, the next build reaps. */
	gs_tempfile_register(d->lock_path);
	gs_tempfile_register(d->dir);
	return 0;
}

void gs_run_dir_release(gs_run_dir_t *d)
{
	if (!d->dir)
		return;
	unlink(d->lock_path);
	rmdir(d->dir);
	gs_tempfile_forget(d->lock_path);
	gs_tempfile_forget(d->dir);
	gs_lock_release(&d->lock);
	free(d->dir);
	free(d->lock_path);
	d->dir = d->lock_path = NULL;
}

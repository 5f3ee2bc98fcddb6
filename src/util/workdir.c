#include "gsimage/util/workdir.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/xalloc.h"

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
int gs_workdir_make(const char *base, gs_workdir_t *d, gs_error_t *err)
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
	/* An interrupt takes the lock file and the directory, if empty,
	 * along; what is left, the next gs_workdir_make() in base reaps. */
	gs_tempfile_register(d->lock_path);
	gs_tempfile_register(d->dir);
	return 0;
}

void gs_workdir_release(gs_workdir_t *d)
{
	if (!d->dir)
		return;
	gs_fs_remove_tree(d->dir); /* the lock file too, still held */
	gs_tempfile_forget(d->lock_path);
	gs_tempfile_forget(d->dir);
	gs_lock_release(&d->lock);
	free(d->dir);
	free(d->lock_path);
	d->dir = d->lock_path = NULL;
}

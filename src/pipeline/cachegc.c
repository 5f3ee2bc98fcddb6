#include "gsimage/pipeline/cachegc.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/lock.h"
#include "gsimage/util/xalloc.h"

static uint64_t tree_bytes;

static int add_size(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (type == FTW_F)
		tree_bytes += (uint64_t)st->st_size;
	return 0;
}

/* Bytes under path (a file or a directory). */
static uint64_t size_of(const char *path)
{
	tree_bytes = 0;
	nftw(path, add_size, 16, FTW_PHYS);
	return tree_bytes;
}

struct sweep {
	const gs_cachegc_opts_t *o;
	gs_cachegc_result_t *res;
	time_t cutoff;
};

/* path was last used at used: remove it (unless a dry run) when that is
 * before the cutoff. */
static void consider(struct sweep *s, const char *path, time_t used)
{
	uint64_t bytes = size_of(path);
	if (used >= s->cutoff) {
		s->res->n_kept++;
		s->res->kept_bytes += bytes;
		return;
	}
	if (!s->o->dry_run)
		gs_fs_remove_tree(path);
	s->res->n_removed++;
	s->res->removed_bytes += bytes;
}

static int is_hex(const char *name, size_t n)
{
	return strlen(name) == n && strspn(name, "0123456789abcdef") == n;
}

/* Every regular file in dir (of name length name_len, when not 0). */
static void sweep_files(struct sweep *s, const char *dir, size_t name_len)
{
	DIR *d = opendir(dir);
	for (struct dirent *de; d && (de = readdir(d));) {
		if (de->d_name[0] == '.' || (name_len && !is_hex(de->d_name, name_len)))
			continue;
		cleanup_free char *path = gs_path_join(dir, de->d_name);
		struct stat st;
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
			consider(s, path, st.st_mtime);
	}
	if (d)
		closedir(d);
}

/* entries/<kind>/<name> */
static void sweep_entries(struct sweep *s)
{
	cleanup_free char *base = gs_path_join(s->o->cache_dir, "entries");
	DIR *d = opendir(base);
	for (struct dirent *de; d && (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		cleanup_free char *kind = gs_path_join(base, de->d_name);
		sweep_files(s, kind, 32);
	}
	if (d)
		closedir(d);
}

/* out/<key>/: removed only with its lock held, so no build is using it. */
static void sweep_outputs(struct sweep *s)
{
	cleanup_free char *base = gs_path_join(s->o->cache_dir, "out");
	DIR *d = opendir(base);
	for (struct dirent *de; d && (de = readdir(d));) {
		if (!is_hex(de->d_name, 32) && !is_hex(de->d_name, 16))
			continue;
		cleanup_free char *dir = gs_path_join(base, de->d_name);
		cleanup_free char *lock_path = gs_path_join(dir, "lock");
		struct stat st;
		if (lstat(lock_path, &st) < 0 && lstat(dir, &st) < 0)
			continue;
		cleanup_lock gs_lock_t held = GS_LOCK_INIT;
		gs_error_t e = GS_ERROR_INIT;
		/* a dry run creates no lock file (a missing one: nobody holds it) */
		int r = gs_lock_path(&held, lock_path,
				     GS_LOCK_TRY | (s->o->dry_run ? GS_LOCK_RDONLY : 0), &e);
		gs_error_release(&e);
		if (r == 1) {
			s->res->n_busy++;
			continue;
		}
		/* the lock's mtime is the last build's (compile touches it) */
		consider(s, dir, st.st_mtime);
	}
	if (d)
		closedir(d);
}

int gs_cachegc(const gs_cachegc_opts_t *o, gs_cachegc_result_t *res, gs_error_t *err)
{
	memset(res, 0, sizeof *res);
	struct stat st;
	if (stat(o->cache_dir, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return gs_error_set(err, errno, "reading the cache '%s'", o->cache_dir);
	}
	struct sweep s = {.o = o, .res = res, .cutoff = time(NULL) - (time_t)o->older_than};
	if (o->older_than == 0)
		s.cutoff = time(NULL) + 1; /* everything not in use */
	sweep_entries(&s);
	sweep_outputs(&s);
	static const char *const legacy[] = {"golist", "goversion", "sbom", "layers"};
	for (size_t i = 0; i < sizeof legacy / sizeof *legacy; i++) {
		cleanup_free char *dir = gs_path_join(o->cache_dir, legacy[i]);
		sweep_files(&s, dir, 0);
	}
	cleanup_free char *zig = gs_path_join(o->cache_dir, "zig");
	sweep_files(&s, zig, 16);
	return 0;
}

#include "gsimage/util/fs.h"

#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/xalloc.h"

char *gs_path_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	return x_asprintf("%.*s/%s", (int)la, a, b);
}

char *gs_path_basename(const char *path)
{
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	size_t start = len;
	while (start > 0 && path[start - 1] != '/')
		start--;
	return xstrndup(path + start, len - start);
}

char *gs_path_dirname(const char *path)
{
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	while (len > 0 && path[len - 1] != '/')
		len--;
	if (len == 0)
		return xstrdup(".");
	while (len > 1 && path[len - 1] == '/')
		len--;
	return xstrndup(path, len);
}

int gs_fs_mkdir_p(const char *path, mode_t mode, gs_error_t *err)
{
	cleanup_free char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return gs_error_set(err, errno, "creating directory '%s'", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return gs_error_set(err, errno, "creating directory '%s'", p);
	struct stat st;
	if (stat(p, &st) < 0)
		return gs_error_set(err, errno, "creating directory '%s'", p);
	if (!S_ISDIR(st.st_mode))
		return gs_error_set(err, ENOTDIR, "creating directory '%s'", p);
	return 0;
}

int gs_fs_read_file(const char *path, char **data, size_t *len, gs_error_t *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gs_error_set(err, errno, "reading '%s'", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return gs_error_set(err, errno, "reading '%s'", path);
	if (S_ISDIR(st.st_mode))
		return gs_error_set(err, EISDIR, "reading '%s'", path);
	size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, n = 0;
	cleanup_free char *buf = xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return gs_error_set(err, errno, "reading '%s'", path);
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*data = buf;
	buf = NULL;
	if (len)
		*len = n;
	return 0;
}

int gs_fs_write_all(int fd, const void *buf, size_t len, const char *what, gs_error_t *err)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return gs_error_set(err, errno, "writing '%s'", what);
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

char *gs_fs_identity(const struct stat *st)
{
	return x_asprintf("%llu:%llu:%o:%lld:%lld.%09ld:%lld.%09ld",
			  (unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
			  (unsigned)st->st_mode, (long long)st->st_size,
			  (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
			  (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0; /* keep going */
}

void gs_fs_remove_tree(const char *path)
{
	nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int gs_fs_fsync_dir(const char *dir, gs_error_t *err)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return gs_error_set(err, errno, "opening directory '%s'", dir);
	if (fsync(fd) < 0 && errno != EINVAL)
		return gs_error_set(err, errno, "syncing directory '%s'", dir);
	return 0;
}

/* Temp-file registry.  Fixed slots so the signal handler touches no heap. */
#define MAX_TEMPFILES 64
static char tempfiles[MAX_TEMPFILES][PATH_MAX];
static volatile sig_atomic_t tempfile_used[MAX_TEMPFILES];

static void block_signals(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, old);
}

void gs_tempfile_register(const char *path)
{
	sigset_t old;
	if (strlen(path) >= PATH_MAX)
		return;
	block_signals(&old);
	for (int i = 0; i < MAX_TEMPFILES; i++) {
		if (!tempfile_used[i]) {
			strcpy(tempfiles[i], path);
			tempfile_used[i] = 1;
			break;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}

void gs_tempfile_forget(const char *path)
{
	sigset_t old;
	block_signals(&old);
	for (int i = 0; i < MAX_TEMPFILES; i++) {
		if (tempfile_used[i] && strcmp(tempfiles[i], path) == 0) {
			tempfile_used[i] = 0;
			break;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}

void gs_tempfiles_unlink_all(void)
{
	/* Files first, then the (now empty) directories that held them. */
	for (int i = 0; i < MAX_TEMPFILES; i++)
		if (tempfile_used[i])
			unlink(tempfiles[i]);
	for (int i = 0; i < MAX_TEMPFILES; i++)
		if (tempfile_used[i])
			rmdir(tempfiles[i]);
}

int gs_tempfile_create(const char *dir, const char *prefix, char **path, gs_error_t *err)
{
	char *tmpl = x_asprintf("%s/%sXXXXXX", dir, prefix);
	sigset_t old;
	/* Register before a signal can observe the file on disk. */
	block_signals(&old);
	int fd = mkostemp(tmpl, O_CLOEXEC);
	int e = errno;
	if (fd >= 0)
		gs_tempfile_register(tmpl);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (fd < 0) {
		gs_error_set(err, e, "creating a temporary file in '%s'", dir);
		free(tmpl);
		return -1;
	}
	*path = tmpl;
	return fd;
}

int gs_tempfile_commit(int fd, const char *path, const char *final, gs_error_t *err)
{
	if (fsync(fd) < 0) {
		gs_error_set(err, errno, "writing '%s'", final);
		gs_tempfile_discard(path);
		return -1;
	}
	if (rename(path, final) < 0) {
		gs_error_set(err, errno, "renaming '%s' to '%s'", path, final);
		gs_tempfile_discard(path);
		return -1;
	}
	gs_tempfile_forget(path);
	return 0;
}

void gs_tempfile_discard(const char *path)
{
	unlink(path);
	gs_tempfile_forget(path);
}

/* The directory part of path: "." for a bare name, "/" for "/x". */
static char *dir_of(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	return dir;
}

int gs_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
		       gs_error_t *err)
{
	cleanup_free char *dir = dir_of(path);
	cleanup_free char *tmp = NULL;
	cleanup_close int fd = gs_tempfile_create(dir, ".tmp-", &tmp, err);
	if (fd < 0)
		return -1;
	if (fchmod(fd, mode) < 0) {
		gs_error_set(err, errno, "writing '%s'", path);
		gs_tempfile_discard(tmp);
		return -1;
	}
	if (gs_fs_write_all(fd, data, len, path, err) < 0) {
		gs_tempfile_discard(tmp);
		return -1;
	}
	if (gs_tempfile_commit(fd, tmp, path, err) < 0)
		return -1;
	return gs_fs_fsync_dir(dir, err);
}


int gs_output_open(const char *path, gs_output_t *out, gs_error_t *err)
{
	memset(out, 0, sizeof *out);
	out->fd = -1;
	if (strcmp(path, "-") == 0) {
		out->fd = dup(STDOUT_FILENO);
		if (out->fd < 0)
			return gs_error_set(err, errno, "writing to standard output");
		out->final = xstrdup("standard output");
		return 0;
	}
	struct stat st;
	mode_t mode = 0644;
	cleanup_free char *target = NULL; /* the file a symlink names */
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return gs_error_usage(err, "'%s' is a directory; give a file name", path);
		if (!S_ISREG(st.st_mode)) {
			/* A FIFO or a device: write into it, as a shell's '>' would. */
			out->fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
			if (out->fd < 0)
				return gs_error_set(err, errno, "opening '%s'", path);
			out->final = xstrdup(path);
			return 0;
		}
		mode = st.st_mode & 07777;
		target = realpath(path, NULL);
	}
	out->final = xstrdup(target ? target : path);
	out->dir = dir_of(out->final);
	out->fd = gs_tempfile_create(out->dir, ".tmp-", &out->tmp, err);
	if (out->fd < 0) {
		gs_output_discard(out);
		return -1;
	}
	if (fchmod(out->fd, mode) < 0) {
		gs_error_set(err, errno, "writing '%s'", path);
		gs_output_discard(out);
		return -1;
	}
	return 0;
}

int gs_output_commit(gs_output_t *out, gs_error_t *err)
{
	int r = 0;
	if (!out->tmp) {
		/* Written through: a device or FIFO; fsync may not apply. */
		if (close(out->fd) < 0 && errno != EINTR)
			r = gs_error_set(err, errno, "writing '%s'", out->final);
		out->fd = -1;
	} else {
		r = gs_tempfile_commit(out->fd, out->tmp, out->final, err);
		close(out->fd);
		out->fd = -1;
		free(out->tmp);
		out->tmp = NULL;
		if (r == 0)
			r = gs_fs_fsync_dir(out->dir, err);
	}
	gs_output_discard(out);
	return r;
}

void gs_output_discard(gs_output_t *out)
{
	if (out->tmp)
		gs_tempfile_discard(out->tmp);
	if (out->fd >= 0)
		close(out->fd);
	free(out->tmp);
	free(out->final);
	free(out->dir);
	memset(out, 0, sizeof *out);
	out->fd = -1;
}

int gs_output_write_file(const char *path, const void *data, size_t len, gs_error_t *err)
{
	gs_output_t out;
	if (gs_output_open(path, &out, err) < 0)
		return -1;
	if (gs_fs_write_all(out.fd, data, len, out.final, err) < 0) {
		gs_output_discard(&out);
		return -1;
	}
	return gs_output_commit(&out, err);
}

char *gs_output_real_path(const char *path)
{
	if (strcmp(path, "-") == 0)
		return NULL;
	char *whole = realpath(path, NULL); /* it exists: follow its links */
	if (whole)
		return whole;
	cleanup_free char *dir = dir_of(path);
	cleanup_free char *real_dir = realpath(dir, NULL);
	if (!real_dir)
		return NULL;
	cleanup_free char *base = gs_path_basename(path);
	return gs_path_join(real_dir, base);
}

#include "gsimage/util/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

int gs_lock_fd(int fd, int flags)
{
	int op = (flags & GS_LOCK_SHARED ? LOCK_SH : LOCK_EX) | (flags & GS_LOCK_TRY ? LOCK_NB : 0);
	int r;
	while ((r = flock(fd, op)) < 0 && errno == EINTR)
		;
	if (r < 0 && errno == EWOULDBLOCK && (flags & GS_LOCK_TRY))
		return 1;
	return r < 0 ? -1 : 0;
}

int gs_lock_path(gs_lock_t *l, const char *path, int flags, gs_error_t *err)
{
	*l = (gs_lock_t)GS_LOCK_INIT;
	int create = flags & (GS_LOCK_NOCREATE | GS_LOCK_RDONLY) ? 0 : O_CREAT;
	int fd = -1;
	if (!(flags & GS_LOCK_RDONLY))
		fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | create, 0644);
	if (flags & GS_LOCK_RDONLY)
		/* may be a layout directory given through a symlink; a read-only
		 * descriptor can only be locked, whatever it names */
		fd = open(path, O_RDONLY | O_CLOEXEC);
	else if (fd < 0 && (errno == EACCES || errno == EROFS))
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return gs_error_set(err, errno, "opening lock file '%s'", path);
	int r = gs_lock_fd(fd, flags);
	if (r != 0) {
		int e = errno;
		close(fd);
		return r > 0 ? 1 : gs_error_set(err, e, "locking '%s'", path);
	}
	l->fd = fd;
	l->held = 1;
	return 0;
}

int gs_lock_held(const gs_lock_t *l)
{
	return l->held;
}

void gs_lock_move(gs_lock_t *to, gs_lock_t *from)
{
	*to = *from;
	*from = (gs_lock_t)GS_LOCK_INIT;
}

void gs_lock_release(gs_lock_t *l)
{
	if (l->held)
		close(l->fd); /* the only descriptor: closing it drops the flock */
	*l = (gs_lock_t)GS_LOCK_INIT;
}

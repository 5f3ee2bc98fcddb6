/* util/lock: two takers in two processes, shared and exclusive, try and
 * wait, release on close and on exit, and a wait a signal interrupts. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/lock.h"
#include "gsimage/util/xalloc.h"

struct fixture {
	char dir[64];
	char *path;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	strcpy(f->dir, "/tmp/gs-lock-test.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->path = gs_path_join(f->dir, "lock");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	gs_fs_remove_tree(f->dir);
	free(f->path);
	free(f);
	return 0;
}

/* A child that takes the lock with flags, says so on a pipe, holds it for
 * hold_ms and exits (which lets go). */
static pid_t holder(const char *path, int flags, int hold_ms)
{
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		gs_lock_t l = GS_LOCK_INIT;
		gs_error_t err = GS_ERROR_INIT;
		if (gs_lock_path(&l, path, flags, &err) != 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		usleep((useconds_t)hold_ms * 1000);
		_exit(0);
	}
	close(ready[1]);
	char c;
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

static void reap(pid_t pid)
{
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_zero_is_not_held(void **state)
{
	(void)state;
	gs_lock_t l = GS_LOCK_INIT, z;
	memset(&z, 0, sizeof z);
	assert_false(gs_lock_held(&l));
	assert_false(gs_lock_held(&z));
	gs_lock_release(&z); /* must not close fd 0 */
	struct stat st;
	assert_int_equal(fstat(0, &st), 0);
}

static void test_exclusive_excludes(void **state)
{
	struct fixture *f = *state;
	gs_error_t err = GS_ERROR_INIT;
	pid_t pid = holder(f->path, GS_LOCK_EXCLUSIVE, 300);
	gs_lock_t l = GS_LOCK_INIT;
	assert_int_equal(gs_lock_path(&l, f->path, GS_LOCK_TRY, &err), 1);
	assert_false(gs_lock_held(&l));
	assert_int_equal(gs_lock_path(&l, f->path, GS_LOCK_SHARED | GS_LOCK_TRY, &err), 1);
	/* the second taker waits until the first exits */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(gs_lock_path(&l, f->path, GS_LOCK_EXCLUSIVE, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(gs_lock_held(&l));
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 100);
	reap(pid);
	gs_lock_release(&l);
	assert_false(gs_lock_held(&l));
}

static void test_shared_shares(void **state)
{
	struct fixture *f = *state;
	gs_error_t err = GS_ERROR_INIT;
	pid_t pid = holder(f->path, GS_LOCK_SHARED, 300);
	gs_lock_t l = GS_LOCK_INIT;
	assert_int_equal(gs_lock_path(&l, f->path, GS_LOCK_SHARED | GS_LOCK_TRY, &err), 0);
	gs_lock_release(&l);
	assert_int_equal(gs_lock_path(&l, f->path, GS_LOCK_EXCLUSIVE | GS_LOCK_TRY, &err), 1);
	reap(pid);
	assert_int_equal(gs_lock_path(&l, f->path, GS_LOCK_EXCLUSIVE | GS_LOCK_TRY, &err), 0);
	gs_lock_release(&l);
}

/* Release (and a move's source going away) lets another process in. */
static void test_release_and_move(void **state)
{
	struct fixture *f = *state;
	gs_error_t err = GS_ERROR_INIT;
	gs_lock_t a = GS_LOCK_INIT, b = GS_LOCK_INIT, other = GS_LOCK_INIT;
	assert_int_equal(gs_lock_path(&a, f->path, GS_LOCK_EXCLUSIVE, &err), 0);
	gs_lock_move(&b, &a);
	assert_false(gs_lock_held(&a));
	assert_true(gs_lock_held(&b));
	gs_lock_release(&a); /* the moved-from lock lets nothing go */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) /* still held by b: a try fails */
		_exit(gs_lock_path(&other, f->path, GS_LOCK_TRY, &err) == 1 ? 0 : 1);
	reap(pid);
	gs_lock_release(&b);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(gs_lock_path(&other, f->path, GS_LOCK_TRY, &err) == 0 ? 0 : 1);
	reap(pid);
}

static void test_nocreate(void **state)
{
	struct fixture *f = *state;
	gs_error_t err = GS_ERROR_INIT;
	gs_lock_t l = GS_LOCK_INIT;
	assert_int_equal(gs_lock_path(&l, f->path, GS_LOCK_NOCREATE, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	gs_error_release(&err);
	assert_int_equal(access(f->path, F_OK), -1);
}

/* GS_LOCK_RDONLY writes nothing: a missing file stays missing; a
 * directory can be locked (the layout's read lock), shared by readers and
 * exclusive against them, through a symlink too. */
static void test_rdonly(void **state)
{
	struct fixture *f = *state;
	gs_error_t err = GS_ERROR_INIT;
	gs_lock_t a = GS_LOCK_INIT, b = GS_LOCK_INIT, x = GS_LOCK_INIT;
	assert_int_equal(gs_lock_path(&a, f->path, GS_LOCK_RDONLY | GS_LOCK_SHARED, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	gs_error_release(&err);
	assert_int_equal(access(f->path, F_OK), -1);
	char *link = gs_path_join(f->dir, "link");
	assert_int_equal(symlink(f->dir, link), 0);
	assert_int_equal(gs_lock_path(&a, f->dir, GS_LOCK_RDONLY | GS_LOCK_SHARED, &err), 0);
	assert_int_equal(gs_lock_path(&b, link, GS_LOCK_RDONLY | GS_LOCK_SHARED, &err), 0);
	assert_int_equal(gs_lock_path(&x, f->dir, GS_LOCK_RDONLY | GS_LOCK_TRY, &err), 1);
	gs_lock_release(&a);
	assert_int_equal(gs_lock_path(&x, link, GS_LOCK_RDONLY | GS_LOCK_TRY, &err), 1);
	gs_lock_release(&b);
	assert_int_equal(gs_lock_path(&x, f->dir, GS_LOCK_RDONLY | GS_LOCK_TRY, &err), 0);
	gs_lock_release(&x);
	assert_int_equal(unlink(link), 0);
	free(link);
}

static volatile sig_atomic_t alarms;
static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* A signal during the wait (no SA_RESTART: flock fails with EINTR) does not
 * end it: the lock is taken once the holder lets go. */
static void test_eintr_retried(void **state)
{
	struct fixture *f = *state;
	gs_error_t err = GS_ERROR_INIT;
	struct sigaction sa = {.sa_handler = on_alarm}, old;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	pid_t pid = holder(f->path, GS_LOCK_EXCLUSIVE, 400);
	struct itimerval it = {.it_value = {0, 100 * 1000}, .it_interval = {0, 50 * 1000}};
	alarms = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	gs_lock_t l = GS_LOCK_INIT;
	int r = gs_lock_path(&l, f->path, GS_LOCK_EXCLUSIVE, &err);
	struct itimerval off = {0};
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	assert_int_equal(r, 0);
	assert_true(alarms > 0);
	reap(pid);
	gs_lock_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_is_not_held),
		cmocka_unit_test_setup_teardown(test_exclusive_excludes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_shares, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_and_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nocreate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rdonly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eintr_retried, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

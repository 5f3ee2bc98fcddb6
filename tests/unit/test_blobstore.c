#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/layout.h"
#include "gsimage/util/xalloc.h"
#include "oci_testutil.h"

#define ABC_SHA "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define EMPTY_INDEX                                                                          \
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","    \
	"\"manifests\":[]}"

/* fsync() as the library sees it (the test binary's definition wins over
 * libc's): directories synced are recorded, by their real path, so the
 * tests can check which directory entries were made durable. */
#define MAX_SYNCED 64
static char synced[MAX_SYNCED][PATH_MAX];
static int n_synced;

int fsync(int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && n_synced < MAX_SYNCED) {
		char link[64];
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, synced[n_synced], PATH_MAX - 1);
		if (n > 0) {
			synced[n_synced][n] = '\0';
			n_synced++;
		}
	}
	return (int)syscall(SYS_fsync, fd);
}

static void assert_synced(const char *dir)
{
	char real[PATH_MAX];
	assert_non_null(realpath(dir, real));
	for (int i = 0; i < n_synced; i++)
		if (strcmp(synced[i], real) == 0)
			return;
	fail_msg("directory '%s' was not fsynced", real);
}

static char *path2(const char *a, const char *b)
{
	return x_asprintf("%s/%s", a, b);
}

static void assert_file(const char *dir, const char *name, const char *want)
{
	char *p = path2(dir, name);
	char *got = tu_read(p, NULL);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
	free(p);
}

/* What the removed gs_store_has_blob said: a regular file at d's name. */
static int has_blob(const gs_store_t *s, const gs_digest_t *d)
{
	char *path = gs_store_blob_path(s, d);
	struct stat st;
	int r = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	free(path);
	return r;
}

static void test_init_and_reopen(void **state)
{
	tu_fixture_t *fx = *state;
	const char *tmp = fx->scratch;
	char *dir = path2(tmp, "new/layout"); /* missing parents too */
	gs_error_t err = GS_ERROR_INIT;
	gs_store_t *s = NULL;
	assert_int_equal(gs_layout_open(dir, GS_LAYOUT_CREATE, &s, &err), 0);
	assert_string_equal(gs_store_dir(s), dir);
	assert_file(dir, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
	assert_file(dir, "index.json", EMPTY_INDEX);
	char *blobs = path2(dir, "blobs/sha256");
	struct stat st;
	assert_int_equal(stat(blobs, &st), 0);
	assert_true(S_ISDIR(st.st_mode));

	gs_digest_t d;
	assert_int_equal(gs_store_put(s, "abc", 3, &d, &err), 0);
	assert_string_equal(d.s, ABC_SHA);
	assert_true(has_blob(s, &d));
	gs_store_free(s);

	/* a hand-edited index.json is kept on reopen */
	char *index = path2(dir, "index.json");
	tu_write(index, "{\"schemaVersion\":2,\"manifests\":[],\"x\":1}");
	s = NULL;
	assert_int_equal(gs_layout_open(dir, GS_LAYOUT_CREATE, &s, &err), 0);
	assert_file(dir, "index.json", "{\"schemaVersion\":2,\"manifests\":[],\"x\":1}");
	assert_true(has_blob(s, &d));
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(gs_blob_read(s, &d, GS_BLOB_SIZE_ANY, 1024, NULL, &data, &len, &err), 0);
	assert_int_equal(len, 3);
	assert_string_equal(data, "abc");
	free(data);
	gs_store_free(s);

	/* open without create works on an existing layout */
	s = NULL;
	assert_int_equal(gs_layout_open(dir, GS_LAYOUT_READ, &s, &err), 0);
	gs_store_free(s);

	/* the only extra file in the layout is the hidden lock file (or none) */
	int n = tu_count_entries(dir);
	assert_true(n == 3 || n == 4);

	free(index);
	free(blobs);
	free(dir);
}

static void test_empty_existing_dir(void **state)
{
	tu_fixture_t *fx = *state;
	gs_error_t err = GS_ERROR_INIT;
	gs_store_t *s = NULL;
	assert_int_equal(gs_layout_open(fx->scratch, GS_LAYOUT_CREATE, &s, &err), 0);
	assert_file(fx->scratch, "index.json", EMPTY_INDEX);
	gs_store_free(s);
}

static void expect_refusal(const char *dir, int create, const char *want)
{
	gs_error_t err = GS_ERROR_INIT;
	gs_store_t *s = NULL;
	assert_int_equal(gs_layout_open(dir, create, &s, &err), -1);
	assert_null(s);
	assert_non_null(err.msg);
	if (!strstr(err.msg, want))
		fail_msg("message '%s' does not contain '%s'", err.msg, want);
	gs_error_release(&err);
}

static void test_refusals(void **state)
{
	tu_fixture_t *fx = *state;
	const char *tmp = fx->scratch;
	char *file = path2(tmp, "file");
	tu_write(file, "hello");
	expect_refusal(file, 1, "is not a directory; choose another -o directory");

	char *other = path2(tmp, "other");
	mkdir(other, 0755);
	char *f2 = path2(other, "README");
	tu_write(f2, "x");
	expect_refusal(other, 1, "is not empty and not an OCI image layout; choose another -o directory");
	/* nothing was added to it */
	assert_int_equal(tu_count_entries(other), 1);

	char *missing = path2(tmp, "missing");
	expect_refusal(missing, 0, "does not exist");
	expect_refusal(other, 0, "is not an OCI image layout");

	char *bad = path2(tmp, "bad");
	mkdir(bad, 0755);
	char *bl = path2(bad, "oci-layout");
	tu_write(bl, "{\"imageLayoutVersion\":");
	expect_refusal(bad, 1, "oci-layout' is corrupted");
	tu_write(bl, "[]");
	expect_refusal(bad, 1, "oci-layout' is corrupted");
	tu_write(bl, "{\"imageLayoutVersion\":\"2.0.0\"}");
	expect_refusal(bad, 1, "version '2.0.0'");
	/* refused layouts are left as they were */
	assert_file(bad, "oci-layout", "{\"imageLayoutVersion\":\"2.0.0\"}");
	assert_int_equal(tu_count_entries(bad), 1);

	free(bl);
	free(bad);
	free(missing);
	free(f2);
	free(other);
	free(file);
}

static void test_put_twice_and_writer(void **state)
{
	tu_fixture_t *fx = *state;
	const char *tmp = fx->dir;
	gs_error_t err = GS_ERROR_INIT;
	gs_store_t *s = fx->store;
	gs_digest_t d1, d2;
	assert_int_equal(gs_store_put(s, "abc", 3, &d1, &err), 0);
	char *p = gs_store_blob_path(s, &d1);
	struct stat st1, st2;
	assert_int_equal(stat(p, &st1), 0);
	assert_int_equal(st1.st_mode & 0777, 0644);
	assert_int_equal(gs_store_put(s, "abc", 3, &d2, &err), 0);
	assert_string_equal(d1.s, d2.s);
	assert_int_equal(stat(p, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino); /* not rewritten */

	/* streaming writer in pieces */
	gs_blob_writer_t *w = NULL;
	assert_int_equal(gs_blob_writer_new(s, &w, &err), 0);
	assert_int_equal(gs_blob_writer_write(w, "a", 1, &err), 0);
	assert_int_equal(gs_blob_writer_write(w, "bc", 2, &err), 0);
	gs_digest_t d3;
	uint64_t size = 0;
	assert_int_equal(gs_blob_writer_commit(w, &d3, &size, &err), 0);
	assert_string_equal(d3.s, ABC_SHA);
	assert_int_equal(size, 3);
	gs_blob_writer_free(w);

	/* a writer freed without commit leaves nothing behind */
	w = NULL;
	assert_int_equal(gs_blob_writer_new(s, &w, &err), 0);
	assert_int_equal(gs_blob_writer_write(w, "zzz", 3, &err), 0);
	assert_int_equal(tu_count_entries(tmp), 5); /* + lock? + temp */
	gs_blob_writer_free(w);
	char *blobs = path2(tmp, "blobs/sha256");
	assert_int_equal(tu_count_entries(blobs), 1);
	int n = tu_count_entries(tmp);
	assert_true(n == 3 || n == 4);

	free(blobs);
	free(p);
}

static void make_old(const char *path)
{
	struct timespec ts[2] = {{1000, 0}, {1000, 0}};
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void test_stale_temp_cleanup(void **state)
{
	tu_fixture_t *fx = *state;
	const char *tmp = fx->dir;
	gs_error_t err = GS_ERROR_INIT;
	gs_store_t *s = NULL;

	/* a killed writer's temp (nobody holds its flock) */
	char *stale = path2(tmp, ".gsimage-tmp-AAAAAA");
	tu_write(stale, "partial");
	make_old(stale);
	/* a live writer's temp: flock'd by us */
	char *live = path2(tmp, ".gsimage-tmp-BBBBBB");
	tu_write(live, "in flight");
	make_old(live);
	int fd = open(live, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	/* a fresh temp whose writer may not have flock'd it yet */
	char *fresh = path2(tmp, ".gsimage-tmp-CCCCCC");
	tu_write(fresh, "just created");
	/* index.json temp left by a killed gs_fs_write_atomic */
	char *itmp = path2(tmp, ".tmp-DDDDDD");
	tu_write(itmp, "{}");
	make_old(itmp);

	s = NULL;
	assert_int_equal(gs_layout_open(tmp, GS_LAYOUT_CREATE, &s, &err), 0);
	assert_int_equal(access(stale, F_OK), -1);
	assert_int_equal(access(live, F_OK), 0);
	assert_int_equal(access(fresh, F_OK), 0);
	assert_int_equal(access(itmp, F_OK), -1);
	gs_store_free(s);

	/* while the layout lock is held, index.json temps are left alone */
	gs_store_t *holder = NULL;
	assert_int_equal(gs_layout_open(tmp, GS_LAYOUT_CREATE, &holder, &err), 0);
	assert_int_equal(gs_store_lock(holder, &err), 0);
	tu_write(itmp, "{}");
	make_old(itmp);
	assert_int_equal(gs_store_lock(holder, &err), 0); /* nests */
	gs_store_unlock(holder);
	s = NULL;
	assert_int_equal(gs_layout_open(tmp, GS_LAYOUT_CREATE, &s, &err), 0);
	assert_int_equal(access(itmp, F_OK), 0);
	gs_store_free(s);
	gs_store_unlock(holder);
	gs_store_free(holder);

	close(fd);
	free(itmp);
	free(fresh);
	free(live);
	free(stale);
}

static void test_read_verifies(void **state)
{
	tu_fixture_t *fx = *state;
	gs_error_t err = GS_ERROR_INIT;
	gs_store_t *s = fx->store;
	gs_digest_t d;
	assert_int_equal(gs_store_put(s, "abc", 3, &d, &err), 0);
	char *p = gs_store_blob_path(s, &d);
	tu_write(p, "abd");
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(gs_blob_read(s, &d, 3, 1024, NULL, &data, &len, &err), -1);
	assert_null(data);
	assert_non_null(strstr(err.msg, "is corrupted"));
	gs_error_release(&err);
	unlink(p);
	assert_false(has_blob(s, &d));
	assert_int_equal(gs_blob_read(s, &d, 3, 1024, NULL, &data, &len, &err), -1);
	assert_non_null(strstr(err.msg, "No such file"));
	gs_error_release(&err);
	free(p);
}

/* A new layout's directories are durable: each one created is synced into
 * its parent, up to the parent that already existed. */
static void test_init_syncs_dirs(void **state)
{
	tu_fixture_t *fx = *state;
	const char *tmp = fx->scratch;
	char *new = path2(tmp, "new");
	char *dir = path2(tmp, "new/layout");
	char *blobs = path2(dir, "blobs");
	gs_error_t err = GS_ERROR_INIT;
	gs_store_t *s = NULL;
	n_synced = 0;
	assert_int_equal(gs_layout_open(dir, GS_LAYOUT_CREATE, &s, &err), 0);
	assert_synced(blobs); /* sha256 in blobs */
	assert_synced(dir);   /* blobs, oci-layout, index.json in the layout */
	assert_synced(new);   /* layout in new */
	assert_synced(tmp);   /* new in tmp */
	gs_store_free(s);

	/* a layout whose blobs/ was lost is repaired durably too */
	char *sha = path2(dir, "blobs/sha256");
	assert_int_equal(rmdir(sha), 0);
	assert_int_equal(rmdir(blobs), 0);
	n_synced = 0;
	assert_int_equal(gs_layout_open(dir, GS_LAYOUT_CREATE, &s, &err), 0);
	assert_synced(blobs);
	assert_synced(dir);
	gs_store_free(s);
	free(sha);
	free(blobs);
	free(dir);
	free(new);
}

/* A blob that is already there may have been renamed by a writer that
 * crashed before syncing blobs/sha256: committing it again syncs it, at
 * the next sync point, as a new blob is. */
static void test_put_existing_syncs_dir(void **state)
{
	tu_fixture_t *fx = *state;
	const char *tmp = fx->dir;
	gs_error_t err = GS_ERROR_INIT;
	gs_store_t *s = fx->store;
	gs_digest_t d;
	char *blobs = path2(tmp, "blobs/sha256");
	n_synced = 0;
	assert_int_equal(gs_store_sync_pending(s, &err), 0);
	assert_int_equal(n_synced, 0); /* nothing committed: nothing to sync */
	assert_int_equal(gs_store_put(s, "abc", 3, &d, &err), 0);
	assert_int_equal(gs_store_put(s, "def", 3, &d, &err), 0);
	assert_int_equal(n_synced, 0); /* deferred... */
	assert_int_equal(gs_store_sync_pending(s, &err), 0);
	assert_synced(blobs);          /* ...to one fsync for both */
	assert_int_equal(n_synced, 1);
	assert_int_equal(gs_store_sync_pending(s, &err), 0);
	assert_int_equal(n_synced, 1); /* and only once */
	n_synced = 0;
	assert_int_equal(gs_store_put(s, "abc", 3, &d, &err), 0);
	assert_string_equal(d.s, ABC_SHA);
	assert_int_equal(gs_store_sync_pending(s, &err), 0);
	assert_synced(blobs);
	free(blobs);
}

/* gs_layout_open() in one process (which cleans up stale temp files) must
 * never make gs_blob_writer_new() in another fail: the cleanup used to take
 * the flock of a temp file before looking at its age, so a writer that had
 * just created its temp file found it locked. */
static void test_writer_vs_open_race(void **state)
{
	tu_fixture_t *fx = *state;
	const char *tmp = fx->dir;
	gs_error_t err = GS_ERROR_INIT;
	gs_store_t *s = NULL;

	/* Writers in two processes, for at most 3 seconds, while this one
	 * keeps opening the layout. */
	enum { WRITERS = 2 };
	pid_t pids[WRITERS];
	fflush(stdout);
	fflush(stderr);
	for (int k = 0; k < WRITERS; k++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			int failures = 0, i;
			s = NULL;
			if (gs_layout_open(tmp, GS_LAYOUT_WRITE, &s, &err) < 0)
				_exit(2);
			time_t start = time(NULL);
			for (i = 0; i < 20000 && time(NULL) - start < 3; i++) {
				gs_blob_writer_t *w = NULL;
				if (gs_blob_writer_new(s, &w, &err) < 0) {
					if (failures++ == 0)
						fprintf(stderr, "writer %d: %s\n", i, err.msg);
					gs_error_release(&err);
					continue;
				}
				gs_blob_writer_free(w);
			}
			gs_store_free(s);
			if (failures)
				fprintf(stderr, "%d of %d writers failed\n", failures, i);
			_exit(failures ? 1 : 0);
		}
		pids[k] = pid;
	}
	int opens = 0, open_failures = 0, running = WRITERS, bad_exits = 0;
	time_t start = time(NULL);
	while (running > 0) {
		for (int k = 0; k < WRITERS; k++) {
			int status = 0;
			if (pids[k] <= 0 || waitpid(pids[k], &status, WNOHANG) != pids[k])
				continue;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				bad_exits++;
			pids[k] = 0;
			running--;
		}
		if (time(NULL) - start > 60) { /* never: the writers stop after 3 s */
			for (int k = 0; k < WRITERS; k++)
				if (pids[k] > 0)
					kill(pids[k], SIGKILL);
		}
		s = NULL;
		if (gs_layout_open(tmp, GS_LAYOUT_WRITE, &s, &err) < 0) {
			if (open_failures++ == 0)
				print_message("open: %s\n", err.msg);
			gs_error_release(&err);
		} else {
			gs_store_free(s);
		}
		opens++;
	}
	print_message("[  INFO    ] %d opens during the writers\n", opens);
	assert_int_equal(open_failures, 0);
	assert_int_equal(bad_exits, 0);
}

/* Issue 11 item 1: a blob already at its name is kept only when it is a
 * regular file whose content hashes to its name; the size alone proves
 * nothing. */
static void test_commit_replaces_same_size_corruption(void **state)
{
	tu_fixture_t *fx = *state;
	gs_error_t err = GS_ERROR_INIT;
	enum { N = 256 * 1024 };
	char *data = xmalloc(N);
	for (size_t i = 0; i < N; i++)
		data[i] = (char)(i * 7 + i / 251);
	gs_digest_t d, d2;
	assert_int_equal(gs_store_put(fx->store, data, N, &d, &err), 0);
	char *p = gs_store_blob_path(fx->store, &d);
	struct stat st1, st2;
	assert_int_equal(stat(p, &st1), 0);

	/* flip one byte, same size */
	FILE *f = fopen(p, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, N / 2, SEEK_SET), 0);
	fputc(data[N / 2] ^ 0x20, f);
	fclose(f);
	assert_int_equal(gs_blob_read(fx->store, &d, N, N, NULL, &(char *){NULL}, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "is corrupted"));
	gs_error_release(&err);

	/* the same content again: the blob is replaced, not trusted */
	assert_int_equal(gs_store_put(fx->store, data, N, &d2, &err), 0);
	assert_string_equal(d.s, d2.s);
	assert_int_equal(stat(p, &st2), 0);
	assert_true(S_ISREG(st2.st_mode));
	assert_int_not_equal(st1.st_ino, st2.st_ino);
	assert_int_equal(st2.st_mode & 0777, 0644);
	size_t len = 0;
	char *back = tu_read(p, &len);
	assert_int_equal(len, N);
	assert_memory_equal(back, data, N);
	free(back);

	/* and an intact blob is still kept as it is */
	assert_int_equal(gs_store_put(fx->store, data, N, &d2, &err), 0);
	assert_int_equal(stat(p, &st1), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	assert_null(err.msg);
	free(p);
	free(data);
}

/* A symlink (even to the right bytes) or a FIFO at a blob's name is not a
 * blob: the writer replaces it, the reader refuses it without blocking. */
static void test_commit_replaces_symlink_and_fifo(void **state)
{
	tu_fixture_t *fx = *state;
	gs_error_t err = GS_ERROR_INIT;
	gs_digest_t d, d2;
	assert_int_equal(gs_store_put(fx->store, "hello blob", 10, &d, &err), 0);
	char *p = gs_store_blob_path(fx->store, &d);

	/* a symlink to a same-sized file outside the layout */
	char *outside = x_asprintf("%s/outside", fx->scratch);
	tu_write(outside, "HELLO BLOB");
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink(outside, p), 0);
	char *data = NULL;
	assert_int_equal(gs_blob_read(fx->store, &d, 10, 1024, "layer", &data, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "layer 'sha256:"));
	assert_non_null(strstr(err.msg, "is a symbolic link"));
	gs_error_release(&err);
	assert_int_equal(gs_store_put(fx->store, "hello blob", 10, &d2, &err), 0);
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	char *got = tu_read(p, NULL);
	assert_string_equal(got, "hello blob");
	free(got);
	got = tu_read(outside, NULL);
	assert_string_equal(got, "HELLO BLOB"); /* the target is left alone */
	free(got);

	/* even a symlink to the right content is replaced */
	tu_write(outside, "hello blob");
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink(outside, p), 0);
	assert_int_equal(gs_store_put(fx->store, "hello blob", 10, &d2, &err), 0);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));

	/* a FIFO: never opened for a blocking read */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkfifo(p, 0644), 0);
	assert_int_equal(gs_blob_read(fx->store, &d, 10, 1024, NULL, &data, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "is not a regular file"));
	gs_error_release(&err);
	assert_int_equal(gs_store_put(fx->store, "hello blob", 10, &d2, &err), 0);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(gs_blob_read(fx->store, &d, 10, 1024, NULL, &data, NULL, &err), 0);
	assert_string_equal(data, "hello blob");
	free(data);
	free(outside);
	free(p);
}

/* The verified reader: the descriptor's size first, then the digest; a
 * cap; a file that changes size under it. */
static void test_reader_checks(void **state)
{
	tu_fixture_t *fx = *state;
	gs_error_t err = GS_ERROR_INIT;
	gs_digest_t d;
	assert_int_equal(gs_store_put(fx->store, "0123456789", 10, &d, &err), 0);
	char *data = NULL;
	size_t len = 0;

	/* the descriptor says less (or more) than the file holds */
	assert_int_equal(gs_blob_read(fx->store, &d, 3, 1024, "manifest", &data, &len, &err), -1);
	assert_non_null(strstr(err.msg, "manifest 'sha256:"));
	assert_non_null(strstr(err.msg, "is 10 bytes but its descriptor says 3; the layout is "
					"corrupted"));
	gs_error_release(&err);
	assert_int_equal(gs_blob_read(fx->store, &d, 11, 1024, NULL, &data, &len, &err), -1);
	assert_non_null(strstr(err.msg, "is 10 bytes but its descriptor says 11"));
	gs_error_release(&err);

	/* over the cap: refused by the descriptor, or by the file's size */
	assert_int_equal(gs_blob_read(fx->store, &d, 10, 9, "config", &data, &len, &err), -1);
	assert_non_null(strstr(err.msg, "config 'sha256:"));
	assert_non_null(strstr(err.msg, "is 10 bytes by its descriptor, more than the 9"));
	gs_error_release(&err);
	assert_int_equal(
		gs_blob_read(fx->store, &d, GS_BLOB_SIZE_ANY, 9, NULL, &data, &len, &err), -1);
	assert_non_null(strstr(err.msg, "is 10 bytes, more than the 9 gsimage reads"));
	gs_error_release(&err);
	assert_null(data);
	assert_int_equal(
		gs_blob_read(fx->store, &d, GS_BLOB_SIZE_ANY, 10, NULL, &data, &len, &err), 0);
	assert_int_equal(len, 10);
	assert_string_equal(data, "0123456789");
	free(data);

	/* streaming: never more than the descriptor's size; the file grows
	 * or shrinks after open */
	char *p = gs_store_blob_path(fx->store, &d);
	gs_blob_reader_t *r = NULL;
	char buf[64];
	assert_int_equal(gs_blob_reader_open(fx->store, &d, 10, NULL, &r, &err), 0);
	assert_int_equal(gs_blob_reader_size(r), 10);
	assert_int_equal(gs_blob_reader_read(r, buf, 4, &err), 4);
	FILE *f = fopen(p, "ab");
	fputs("more", f);
	fclose(f);
	assert_int_equal(gs_blob_reader_read(r, buf, sizeof(buf), &err), 6);
	assert_int_equal(gs_blob_reader_read(r, buf, sizeof(buf), &err), 0);
	assert_int_equal(gs_blob_reader_finish(r, &err), -1);
	assert_non_null(strstr(err.msg, "is larger than its descriptor says (10 bytes)"));
	gs_error_release(&err);
	gs_blob_reader_free(r);

	assert_int_equal(truncate(p, 10), 0);
	assert_int_equal(gs_blob_reader_open(fx->store, &d, 10, NULL, &r, &err), 0);
	assert_int_equal(truncate(p, 5), 0);
	assert_int_equal(gs_blob_reader_finish(r, &err), -1);
	assert_non_null(strstr(err.msg, "is 5 bytes but its descriptor says 10"));
	gs_error_release(&err);
	gs_blob_reader_free(r);
	gs_blob_reader_free(NULL);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_and_reopen, tu_scratch_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_empty_existing_dir, tu_scratch_setup,
						tu_teardown),
		cmocka_unit_test_setup_teardown(test_refusals, tu_scratch_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_put_twice_and_writer, tu_store_setup,
						tu_teardown),
		cmocka_unit_test_setup_teardown(test_stale_temp_cleanup, tu_store_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_read_verifies, tu_store_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_init_syncs_dirs, tu_scratch_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_put_existing_syncs_dir, tu_store_setup,
						tu_teardown),
		cmocka_unit_test_setup_teardown(test_writer_vs_open_race, tu_store_setup,
						tu_teardown),
		cmocka_unit_test_setup_teardown(test_commit_replaces_same_size_corruption,
						tu_store_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_commit_replaces_symlink_and_fifo, tu_store_setup,
						tu_teardown),
		cmocka_unit_test_setup_teardown(test_reader_checks, tu_store_setup, tu_teardown),
	};
	return cmocka_run_group_tests_name("blobstore", tests, NULL, NULL);
}

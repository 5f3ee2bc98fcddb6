/* The compile stage's record of a kept binary (toolchain/commit.h): a
 * binary changed in place after gsimage kept it is never reused. */
#include <setjmp.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "gsimage/toolchain/commit.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/xalloc.h"

struct fixture {
	char dir[64];
	char *bin, *sum;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	strcpy(f->dir, "/tmp/gs-compile-test.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->bin = gs_path_join(f->dir, "app-linux-amd64");
	f->sum = x_asprintf("%s.sum", f->bin);
	gs_error_t err = GS_ERROR_INIT;
	if (gs_fs_write_atomic(f->bin, "\177ELF binary bytes", 17, 0755, &err) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	gs_fs_remove_tree(f->dir);
	free(f->bin);
	free(f->sum);
	free(f);
	return 0;
}

/* Change one byte in place, keeping the size and the times. */
static void tamper(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	FILE *fp = fopen(path, "r+b");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 5, SEEK_SET), 0);
	assert_int_equal(fputc('X', fp), 'X');
	fclose(fp);
	struct timespec times[2] = {st.st_atim, st.st_mtim};
	assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
}

static void test_record_and_reuse(void **state)
{
	struct fixture *f = *state;
	cleanup_free char *warning = NULL;
	gs_commit_record(f->bin, 0);
	assert_int_equal(access(f->sum, F_OK), 0);
	assert_int_equal(gs_commit_check_kept(f->bin, &warning), 1);
	assert_null(warning);
	/* go touches an up-to-date output: still the recorded binary */
	assert_int_equal(utimensat(AT_FDCWD, f->bin, NULL, 0), 0);
	gs_commit_record(f->bin, 1);
	assert_int_equal(gs_commit_check_kept(f->bin, &warning), 1);
	assert_null(warning);
	/* touched without a check in between: hashed, the same content */
	assert_int_equal(utimensat(AT_FDCWD, f->bin, NULL, 0), 0);
	assert_int_equal(gs_commit_check_kept(f->bin, &warning), 1);
	assert_null(warning);
}

static void test_changed_in_place(void **state)
{
	struct fixture *f = *state;
	cleanup_free char *warning = NULL;
	gs_commit_record(f->bin, 0);
	tamper(f->bin);
	assert_int_equal(gs_commit_check_kept(f->bin, &warning), 0);
	assert_non_null(warning);
	assert_non_null(strstr(warning, "not the one gsimage built"));
	/* removed, so go links it again; and its record with it */
	assert_int_equal(access(f->bin, F_OK), -1);
	assert_int_equal(access(f->sum, F_OK), -1);
}

static void test_no_record(void **state)
{
	struct fixture *f = *state;
	cleanup_free char *warning = NULL;
	/* kept before records existed, or by a gsimage killed before
	 * writing one: built again, silently */
	assert_int_equal(gs_commit_check_kept(f->bin, &warning), 0);
	assert_null(warning);
	assert_int_equal(access(f->bin, F_OK), -1);
	/* nothing kept: nothing to check */
	assert_int_equal(gs_commit_check_kept(f->bin, &warning), 0);
	assert_null(warning);
}

static void test_damaged_record(void **state)
{
	struct fixture *f = *state;
	cleanup_free char *warning = NULL;
	gs_commit_record(f->bin, 0);
	cleanup_free char *text = NULL;
	size_t len;
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_fs_read_file(f->sum, &text, &len, &err), 0);
	/* a record cut short is no record: the binary is built again */
	assert_int_equal(gs_fs_write_atomic(f->sum, text, len / 2, 0644, &err), 0);
	assert_int_equal(gs_commit_check_kept(f->bin, &warning), 0);
	assert_int_equal(access(f->bin, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_record_and_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_record, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

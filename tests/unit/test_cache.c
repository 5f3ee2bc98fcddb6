/* util/cache: typed keys, the one entry format and its self-check, and the
 * policy (a damaged or foreign entry is a miss with a warning). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "gsimage/util/cache.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/xalloc.h"

struct fixture {
	char dir[64];
	gs_cache_t cache;
	int warnings;
};

static void count(void *ctx, const char *line)
{
	struct fixture *f = ctx;
	assert_non_null(strstr(line, "warning: "));
	f->warnings++;
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	strcpy(f->dir, "/tmp/gs-cache-test.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->cache = (gs_cache_t){.dir = f->dir, .warn = {count, f}};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	gs_fs_remove_tree(f->dir);
	free(f);
	return 0;
}

static void key_ab(gs_cache_key_t *k, const char *a, const char *b)
{
	gs_cache_key_init(k, "test");
	gs_cache_key_str(k, "a", a);
	gs_cache_key_str(k, "b", b);
}

static char *path_of(struct fixture *f, const gs_cache_key_t *k)
{
	cleanup_free char *name = gs_cache_key_name(k);
	return x_asprintf("%s/entries/%s/%s", f->dir, k->kind, name);
}

/* Parts are typed and length-prefixed: ("ab","c") is not ("a","bc"). */
static void test_key_parts(void **state)
{
	(void)state;
	gs_cache_key_t x, y, z, n1, n2;
	key_ab(&x, "ab", "c");
	key_ab(&y, "a", "bc");
	key_ab(&z, "ab", "c");
	cleanup_free char *nx = gs_cache_key_name(&x), *ny = gs_cache_key_name(&y),
			  *nz = gs_cache_key_name(&z);
	assert_string_not_equal(nx, ny);
	assert_string_equal(nx, nz);
	assert_int_equal(strlen(nx), 32);
	gs_cache_key_init(&n1, "test");
	gs_cache_key_num(&n1, "a", 1);
	gs_cache_key_init(&n2, "test");
	gs_cache_key_str(&n2, "a", "1");
	cleanup_free char *m1 = gs_cache_key_name(&n1), *m2 = gs_cache_key_name(&n2);
	assert_string_not_equal(m1, m2); /* a number is not a string */
	gs_cache_key_release(&x);
	gs_cache_key_release(&y);
	gs_cache_key_release(&z);
	gs_cache_key_release(&n1);
	gs_cache_key_release(&n2);
}

/* A file part changes when the file is replaced. */
static void test_key_file(void **state)
{
	struct fixture *f = *state;
	cleanup_free char *p = gs_path_join(f->dir, "tool");
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_fs_write_atomic(p, "v1", 2, 0755, &err), 0);
	gs_cache_key_t a, b;
	gs_cache_key_init(&a, "test");
	gs_cache_key_file(&a, "tool", p);
	assert_int_equal(gs_fs_write_atomic(p, "v2", 2, 0755, &err), 0);
	gs_cache_key_init(&b, "test");
	gs_cache_key_file(&b, "tool", p);
	cleanup_free char *na = gs_cache_key_name(&a), *nb = gs_cache_key_name(&b);
	assert_string_not_equal(na, nb);
	gs_cache_key_release(&a);
	gs_cache_key_release(&b);
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	gs_cache_key_t k;
	key_ab(&k, "x", "y");
	char *v = NULL;
	size_t n = 0;
	assert_int_equal(gs_cache_get(&f->cache, &k, &v, &n), 0); /* a plain miss */
	assert_int_equal(f->warnings, 0);
	const char value[] = "two\nlines\n";
	gs_cache_put(&f->cache, &k, value, strlen(value), 0644);
	assert_int_equal(gs_cache_get(&f->cache, &k, &v, &n), 1);
	assert_int_equal(n, strlen(value));
	assert_string_equal(v, value);
	free(v);
	/* replaced */
	gs_cache_put(&f->cache, &k, "", 0, 0600);
	assert_int_equal(gs_cache_get(&f->cache, &k, &v, &n), 1);
	assert_int_equal(n, 0);
	free(v);
	cleanup_free char *path = path_of(f, &k);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(f->warnings, 0);
	/* no cache: always a miss */
	gs_cache_t none = {0};
	assert_int_equal(gs_cache_get(&none, &k, &v, &n), 0);
	gs_cache_key_release(&k);
}

/* Every byte of an entry flipped, and every truncation: never a hit, a
 * warning each time. */
static void test_damage_detected(void **state)
{
	struct fixture *f = *state;
	gs_cache_key_t k;
	key_ab(&k, "x", "y");
	gs_cache_put(&f->cache, &k, "value", 5, 0644);
	cleanup_free char *path = path_of(f, &k);
	cleanup_free char *text = NULL;
	size_t len = 0;
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_fs_read_file(path, &text, &len, &err), 0);
	char *v = NULL;
	int misses = 0;
	for (size_t i = 0; i < len; i++) {
		cleanup_free char *bad = xmalloc(len);
		memcpy(bad, text, len);
		bad[i] ^= 0x01;
		assert_int_equal(gs_fs_write_atomic(path, bad, len, 0644, &err), 0);
		f->warnings = 0;
		int hit = gs_cache_get(&f->cache, &k, &v, NULL);
		if (hit)
			fail_msg("flipped byte %zu (%c) still a hit", i, text[i]);
		/* only a flip inside the magic's version may read as another
		 * version's entry, which is a silent miss */
		if (!f->warnings)
			assert_true(i < strlen("gsimage-cache-v2\n"));
		misses++;
	}
	for (size_t cut = 0; cut < len; cut++) {
		assert_int_equal(gs_fs_write_atomic(path, text, cut, 0644, &err), 0);
		assert_int_equal(gs_cache_get(&f->cache, &k, &v, NULL), 0);
	}
	assert_int_equal((size_t)misses, len);
	/* put repairs it */
	gs_cache_put(&f->cache, &k, "value", 5, 0644);
	assert_int_equal(gs_cache_get(&f->cache, &k, &v, NULL), 1);
	free(v);
	gs_cache_key_release(&k);
}

/* Another key's entry under this key's name (a collision, a copied file):
 * ignored with a warning.  Another version's entry: a silent miss. */
static void test_foreign_entry(void **state)
{
	struct fixture *f = *state;
	gs_cache_key_t k, other;
	key_ab(&k, "x", "y");
	key_ab(&other, "x", "z");
	gs_cache_put(&f->cache, &other, "theirs", 6, 0644);
	cleanup_free char *mine = path_of(f, &k), *theirs = path_of(f, &other);
	assert_int_equal(rename(theirs, mine), 0);
	char *v = NULL;
	assert_int_equal(gs_cache_get(&f->cache, &k, &v, NULL), 0);
	assert_int_equal(f->warnings, 1);
	gs_error_t err = GS_ERROR_INIT;
	const char old[] = "gsimage-cache-v1 3\nkeyvalue";
	assert_int_equal(gs_fs_write_atomic(mine, old, strlen(old), 0644, &err), 0);
	assert_int_equal(gs_cache_get(&f->cache, &k, &v, NULL), 0);
	assert_int_equal(f->warnings, 1);
	/* not a file at all */
	unlink(mine);
	assert_int_equal(mkdir(mine, 0755), 0);
	assert_int_equal(gs_cache_get(&f->cache, &k, &v, NULL), 0);
	assert_int_equal(f->warnings, 2);
	gs_cache_key_release(&k);
	gs_cache_key_release(&other);
}

/* A hit marks the entry used (gc --cache prunes by it). */
static void test_hit_refreshes(void **state)
{
	struct fixture *f = *state;
	gs_cache_key_t k;
	key_ab(&k, "x", "y");
	gs_cache_put(&f->cache, &k, "v", 1, 0644);
	cleanup_free char *path = path_of(f, &k);
	struct timespec old[2] = {{.tv_sec = 1000}, {.tv_sec = 1000}};
	assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
	char *v = NULL;
	assert_int_equal(gs_cache_get(&f->cache, &k, &v, NULL), 1);
	free(v);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_mtime > 1000);
	gs_cache_key_release(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_parts),
		cmocka_unit_test_setup_teardown(test_key_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damage_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hit_refreshes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Helpers shared by the oci/ unit tests: scratch directories under /tmp,
 * and cmocka fixtures that make them (and a layout in them) for each test:
 *
 *   cmocka_unit_test_setup_teardown(test_x, tu_store_setup, tu_teardown)
 *   static void test_x(void **state) { tu_fixture_t *fx = *state; ... }
 *
 * Include after <cmocka.h>. */
#ifndef GSIMAGE_TESTS_OCI_TESTUTIL_H
#define GSIMAGE_TESTS_OCI_TESTUTIL_H

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/layout.h"

static inline char *tu_mkdtemp(void)
{
	char *d = strdup("/tmp/gsimage-test-XXXXXX");
	if (!d || !mkdtemp(d))
		abort();
	return d;
}

static int tu_rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* rm -rf dir, then free it */
static inline void tu_rmtree(char *dir)
{
	if (!dir)
		return;
	nftw(dir, tu_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

static inline void tu_write(const char *path, const char *data)
{
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fputs(data, f);
	fclose(f);
}

/* whole file, NUL-terminated; caller frees */
static inline char *tu_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	size_t r;
	while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (n + 1 >= cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* entries in dir besides . and .. */
static inline int tu_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* What a fixture gives a test; everything is removed by tu_teardown. */
typedef struct tu_fixture {
	char *scratch;     /* a new empty directory */
	char *dir;         /* tu_store_setup: "<scratch>/layout", the layout */
	gs_store_t *store; /* tu_store_setup: open on dir (created) */
} tu_fixture_t;

/* A scratch directory only. */
static inline int tu_scratch_setup(void **state)
{
	tu_fixture_t *fx = calloc(1, sizeof(*fx));
	if (!fx)
		return -1;
	fx->scratch = tu_mkdtemp();
	*state = fx;
	return 0;
}

/* A scratch directory with a new layout in it, open. */
static inline int tu_store_setup(void **state)
{
	if (tu_scratch_setup(state) < 0)
		return -1;
	tu_fixture_t *fx = *state;
	size_t n = strlen(fx->scratch) + sizeof("/layout");
	fx->dir = malloc(n);
	if (!fx->dir)
		return -1;
	snprintf(fx->dir, n, "%s/layout", fx->scratch);
	gs_error_t err = GS_ERROR_INIT;
	if (gs_layout_open(fx->dir, GS_LAYOUT_CREATE, &fx->store, &err) < 0) {
		fprintf(stderr, "tu_store_setup: %s\n", err.msg);
		gs_error_release(&err);
		return -1;
	}
	return 0;
}

/* The store closed (if the test has not done it and set it to NULL), the
 * scratch directory removed. */
static inline int tu_teardown(void **state)
{
	tu_fixture_t *fx = *state;
	if (!fx)
		return 0;
	gs_store_free(fx->store);
	free(fx->dir);
	tu_rmtree(fx->scratch);
	free(fx);
	*state = NULL;
	return 0;
}

#endif

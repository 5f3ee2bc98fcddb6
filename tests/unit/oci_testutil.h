/* Helpers shared by the oci/ unit tests: scratch directories under /tmp. */
#ifndef GSIMAGE_TESTS_OCI_TESTUTIL_H
#define GSIMAGE_TESTS_OCI_TESTUTIL_H

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

#endif

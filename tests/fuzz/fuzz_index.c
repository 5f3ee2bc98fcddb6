/* libFuzzer harness: gs_layout_parse_index() on the input, then the layout
 * reader: the input becomes index.json of a per-process temp layout (with a
 * valid oci-layout), opened with gs_layout_open(dir, GS_LAYOUT_READ) and read with
 * gs_layout_read_tags().  One temp dir serves every iteration; atexit()
 * removes it. */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/layout.h"
#include "gsimage/util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char layout_dir[PATH_MAX];
static char tmp_root[PATH_MAX];

static void join(char *out, size_t n, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, n, "%s/%s", dir, name) >= n)
		abort();
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	const char *p = data;

	if (fd < 0)
		abort();
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w <= 0)
			abort();
		p += w;
		len -= (size_t)w;
	}
	close(fd);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void cleanup(void)
{
	if (!tmp_root[0])
		return;
	nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	tmp_root[0] = '\0';
	layout_dir[0] = '\0';
}

static void setup(void)
{
	static const char oci_layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	const char *tmp = getenv("TMPDIR");
	char path[PATH_MAX];

	if (!tmp || !*tmp)
		tmp = "/tmp";
	join(tmp_root, sizeof(tmp_root), tmp, "gsimage-fuzz-index-XXXXXX");
	if (!mkdtemp(tmp_root))
		abort();
	join(layout_dir, sizeof(layout_dir), tmp_root, "layout");
	if (mkdir(layout_dir, 0755) < 0)
		abort();
	join(path, sizeof(path), layout_dir, "blobs");
	if (mkdir(path, 0755) < 0)
		abort();
	join(path, sizeof(path), layout_dir, "blobs/sha256");
	if (mkdir(path, 0755) < 0)
		abort();
	join(path, sizeof(path), layout_dir, "oci-layout");
	write_file(path, oci_layout, sizeof(oci_layout) - 1);
	atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gs_tag_list_t tags = {0};
	gs_error_t err = GS_ERROR_INIT;
	char path[PATH_MAX];

	if (gs_layout_parse_index((const char *)data, size, &tags, &err) < 0)
		gs_error_release(&err);
	gs_tag_list_release(&tags);

	if (!layout_dir[0])
		setup();
	join(path, sizeof(path), layout_dir, "index.json");
	write_file(path, data, size);

	gs_store_t *store = NULL;
	if (gs_layout_open(layout_dir, GS_LAYOUT_READ, &store, &err) < 0) {
		gs_error_release(&err);
		return 0;
	}
	if (gs_layout_read_tags(store, &tags, &err) < 0)
		gs_error_release(&err);
	gs_tag_list_release(&tags);
	gs_store_free(store);
	return 0;
}

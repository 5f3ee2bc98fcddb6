#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <locale.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gsimage/oci/layer.h"
#include "gsimage/util/xalloc.h"
#include "oci_testutil.h"

struct membuf {
	unsigned char *p;
	size_t n, cap;
};

static int mem_sink(void *ctx, const void *data, size_t len, gs_error_t *err)
{
	(void)err;
	struct membuf *m = ctx;
	if (m->n + len > m->cap) {
		m->cap = (m->n + len) * 2;
		m->p = xrealloc(m->p, m->cap);
	}
	memcpy(m->p + m->n, data, len);
	m->n += len;
	return 0;
}

static int failing_sink(void *ctx, const void *data, size_t len, gs_error_t *err)
{
	(void)ctx;
	(void)data;
	(void)len;
	return gs_error_set(err, 28, "writing blob");
}

static int counting_sink(void *ctx, const void *data, size_t len, gs_error_t *err)
{
	(void)data;
	(void)err;
	*(uint64_t *)ctx += len;
	return 0;
}

/* One scratch directory for the whole group (the shared fixture);
 * sample_layer() and the tests find it here. */
static const char *tmpdir;

static int setup(void **state)
{
	if (tu_scratch_setup(state) < 0)
		return -1;
	tmpdir = ((tu_fixture_t *)*state)->scratch;
	return 0;
}

/* A small layer with every kind of entry, added in order (or reversed). */
static gs_layer_t *sample_layer(int reversed)
{
	gs_error_t err = GS_ERROR_INIT;
	char *src = x_asprintf("%s/app", tmpdir);
	tu_write(src, "#!binary\n");
	gs_layer_t *l = gs_layer_new();
	for (int k = 0; k < 6; k++) {
		int i = reversed ? 5 - k : k;
		int r = 0;
		switch (i) {
		case 0:
			r = gs_layer_add_file(l, "/usr/local/bin/app", 0755, 0, 0, src, &err);
			break;
		case 1:
			r = gs_layer_add_data(l, "etc/passwd", 0644, 0, 0, "root:x:0:0::/:\n", 15,
					      &err);
			break;
		case 2:
			r = gs_layer_add_dir(l, "tmp", 01777, 0, 0, &err);
			break;
		case 3:
			r = gs_layer_add_symlink(l, "bin", "usr/local/bin", &err);
			break;
		case 4:
			r = gs_layer_add_data(l, "a.b", 0600, 65534, 65534, "x", 1, &err);
			break;
		case 5:
			r = gs_layer_add_dir(l, "a/b", 0700, 1000, 1000, &err);
			break;
		}
		assert_int_equal(r, 0);
	}
	free(src);
	return l;
}

static void write_layer(gs_layer_t *l, gs_compression_t c, int64_t mtime, struct membuf *m,
			gs_layer_info_t *info)
{
	gs_error_t err = GS_ERROR_INIT;
	gs_layer_write_opts_t opts = {.compression = c, .level = -1, .mtime = mtime};
	memset(m, 0, sizeof(*m));
	int r = gs_layer_write(l, &opts, mem_sink, m, info, &err);
	if (r < 0)
		fail_msg("gs_layer_write: %s", err.msg);
}

/* Decompress (any filter) to a buffer. */
static void decompress(const struct membuf *in, struct membuf *out)
{
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	assert_int_equal(archive_read_open_memory(a, in->p, in->n), ARCHIVE_OK);
	struct archive_entry *e;
	assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_OK);
	memset(out, 0, sizeof(*out));
	char buf[8192];
	la_ssize_t r;
	while ((r = archive_read_data(a, buf, sizeof(buf))) > 0)
		mem_sink(out, buf, (size_t)r, NULL);
	assert_int_equal(r, 0);
	archive_read_free(a);
}

static void test_deterministic(void **state)
{
	(void)state;
	gs_layer_t *a = sample_layer(0), *b = sample_layer(1);
	for (int c = GS_COMPRESS_GZIP; c <= GS_COMPRESS_NONE; c++) {
		struct membuf ma, mb;
		gs_layer_info_t ia, ib;
		write_layer(a, (gs_compression_t)c, 1700000000, &ma, &ia);
		write_layer(b, (gs_compression_t)c, 1700000000, &mb, &ib);
		assert_int_equal(ma.n, mb.n);
		assert_memory_equal(ma.p, mb.p, ma.n);
		assert_string_equal(ia.digest.s, ib.digest.s);
		assert_string_equal(ia.diff_id.s, ib.diff_id.s);

		/* another process, a second later, gives the same bytes */
		char *out = x_asprintf("%s/child-%d", tmpdir, c);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			sleep(1);
			gs_layer_t *l = sample_layer(1);
			struct membuf m;
			gs_layer_info_t i;
			write_layer(l, (gs_compression_t)c, 1700000000, &m, &i);
			int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0 || write(fd, m.p, m.n) != (ssize_t)m.n)
				_exit(1);
			close(fd);
			free(m.p);
			free(out);
			gs_layer_free(l);
			_exit(0);
		}
		int st = 0;
		waitpid(pid, &st, 0);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		size_t n = 0;
		char *child = tu_read(out, &n);
		assert_int_equal(n, ma.n);
		assert_memory_equal(child, ma.p, n);
		free(child);
		free(out);
		free(ma.p);
		free(mb.p);
	}
	gs_layer_free(a);
	gs_layer_free(b);
}

struct want {
	const char *name;
	int type;
	unsigned mode, uid, gid;
	const char *content_or_target;
};

static void test_read_back(void **state)
{
	(void)state;
	gs_layer_t *l = sample_layer(1);
	struct membuf m, tar;
	gs_layer_info_t info;
	write_layer(l, GS_COMPRESS_GZIP, 1234567, &m, &info);
	decompress(&m, &tar);

	/* strcmp order of the names without trailing '/', parents first */
	static const struct want want[] = {
		{"a/", AE_IFDIR, 0755, 0, 0, NULL},
		{"a.b", AE_IFREG, 0600, 65534, 65534, "x"},
		{"a/b/", AE_IFDIR, 0700, 1000, 1000, NULL},
		{"bin", AE_IFLNK, 0777, 0, 0, "usr/local/bin"},
		{"etc/", AE_IFDIR, 0755, 0, 0, NULL},
		{"etc/passwd", AE_IFREG, 0644, 0, 0, "root:x:0:0::/:\n"},
		{"tmp/", AE_IFDIR, 01777, 0, 0, NULL},
		{"usr/", AE_IFDIR, 0755, 0, 0, NULL},
		{"usr/local/", AE_IFDIR, 0755, 0, 0, NULL},
		{"usr/local/bin/", AE_IFDIR, 0755, 0, 0, NULL},
		{"usr/local/bin/app", AE_IFREG, 0755, 0, 0, "#!binary\n"},
	};
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, tar.p, tar.n), ARCHIVE_OK);
	struct archive_entry *e;
	size_t i = 0;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		assert_true(i < sizeof(want) / sizeof(want[0]));
		const struct want *w = &want[i++];
		assert_string_equal(archive_entry_pathname(e), w->name);
		assert_int_equal(archive_entry_filetype(e), w->type);
		assert_int_equal(archive_entry_perm(e), w->mode);
		assert_int_equal(archive_entry_uid(e), w->uid);
		assert_int_equal(archive_entry_gid(e), w->gid);
		const char *un = archive_entry_uname(e), *gn = archive_entry_gname(e);
		assert_true(un == NULL || *un == '\0');
		assert_true(gn == NULL || *gn == '\0');
		assert_int_equal(archive_entry_mtime(e), 1234567);
		assert_false(archive_entry_atime_is_set(e));
		assert_false(archive_entry_ctime_is_set(e));
		assert_false(archive_entry_birthtime_is_set(e));
		if (w->type == AE_IFLNK)
			assert_string_equal(archive_entry_symlink(e), w->content_or_target);
		if (w->type == AE_IFREG) {
			char buf[64] = {0};
			la_ssize_t n = archive_read_data(a, buf, sizeof(buf) - 1);
			assert_int_equal(n, strlen(w->content_or_target));
			assert_string_equal(buf, w->content_or_target);
		}
	}
	assert_int_equal(i, sizeof(want) / sizeof(want[0]));
	archive_read_free(a);

	/* ustar headers only, no pax noise; ends with exactly two zero blocks */
	assert_int_equal(tar.n % 512, 0);
	for (size_t off = tar.n - 1024; off < tar.n; off++)
		assert_int_equal(tar.p[off], 0);
	assert_int_equal(info.uncompressed_size, tar.n);
	assert_null(memmem(tar.p, tar.n, "PaxHeader", 9));
	assert_memory_equal(tar.p + 257, "ustar\0" "00", 8);

	free(tar.p);
	free(m.p);
	gs_layer_free(l);
}

static void test_gzip_header_and_digests(void **state)
{
	(void)state;
	gs_layer_t *l = sample_layer(0);
	for (int level = -1; level <= 9; level += 10) {
		struct membuf m, tar;
		gs_layer_info_t info;
		gs_error_t err = GS_ERROR_INIT;
		gs_layer_write_opts_t opts = {.compression = GS_COMPRESS_GZIP, .level = level == 9 ? 9 : -1, .mtime = 0};
		memset(&m, 0, sizeof(m));
		assert_int_equal(gs_layer_write(l, &opts, mem_sink, &m, &info, &err), 0);
		assert_true(m.n > 18);
		assert_int_equal(m.p[0], 0x1f);
		assert_int_equal(m.p[1], 0x8b);
		assert_int_equal(m.p[2], 8);    /* deflate */
		assert_int_equal(m.p[3], 0);    /* FLG: no FNAME, FCOMMENT, FEXTRA, FHCRC */
		assert_int_equal(m.p[4] | m.p[5] | m.p[6] | m.p[7], 0); /* MTIME */
		assert_int_equal(m.p[8], level == 9 ? 2 : 0);          /* XFL (libdeflate) */
		assert_int_equal(m.p[9], 3);    /* OS: unix */
		assert_int_equal(info.compression, GS_COMPRESS_GZIP);
		assert_int_equal(info.size, m.n);
		gs_digest_t d;
		gs_digest_buffer(m.p, m.n, &d);
		assert_string_equal(info.digest.s, d.s);
		decompress(&m, &tar);
		gs_digest_buffer(tar.p, tar.n, &d);
		assert_string_equal(info.diff_id.s, d.s);
		assert_int_equal(info.uncompressed_size, tar.n);
		free(tar.p);
		free(m.p);
	}
	gs_layer_free(l);
}

static void test_zstd_and_none(void **state)
{
	(void)state;
	gs_layer_t *l = sample_layer(0);
	struct membuf z, n, tar;
	gs_layer_info_t iz, in;
	write_layer(l, GS_COMPRESS_ZSTD, 0, &z, &iz);
	write_layer(l, GS_COMPRESS_NONE, 0, &n, &in);
	assert_memory_equal(z.p, "\x28\xb5\x2f\xfd", 4);
	decompress(&z, &tar);
	assert_int_equal(tar.n, n.n);
	assert_memory_equal(tar.p, n.p, n.n);
	assert_string_equal(iz.diff_id.s, in.diff_id.s);
	assert_string_equal(in.digest.s, in.diff_id.s);
	assert_int_equal(in.size, in.uncompressed_size);
	assert_int_equal(iz.uncompressed_size, n.n);
	gs_digest_t d;
	gs_digest_buffer(z.p, z.n, &d);
	assert_string_equal(iz.digest.s, d.s);
	/* uncompressed, the one hash serves both: it must be the bytes' */
	gs_digest_buffer(n.p, n.n, &d);
	assert_string_equal(in.digest.s, d.s);
	free(tar.p);
	free(z.p);
	free(n.p);
	gs_layer_free(l);
}

/* sink_digests: the same bytes, diff_id and sizes; the digest is left to
 * the sink (zeroed here, never a stale or wrong one). */
static void test_sink_digests(void **state)
{
	(void)state;
	gs_layer_t *l = sample_layer(0);
	for (int c = 0; c < 2; c++) {
		gs_compression_t comp = c ? GS_COMPRESS_NONE : GS_COMPRESS_GZIP;
		struct membuf a, b;
		gs_layer_info_t ia, ib;
		write_layer(l, comp, 0, &a, &ia);
		gs_error_t err = GS_ERROR_INIT;
		gs_layer_write_opts_t opts = {.compression = comp, .level = -1, .sink_digests = 1};
		memset(&b, 0, sizeof b);
		memset(&ib, 0xff, sizeof ib);
		assert_int_equal(gs_layer_write(l, &opts, mem_sink, &b, &ib, &err), 0);
		assert_int_equal(a.n, b.n);
		assert_memory_equal(a.p, b.p, a.n);
		assert_string_equal(ia.diff_id.s, ib.diff_id.s);
		assert_int_equal(ia.size, ib.size);
		assert_int_equal(ia.uncompressed_size, ib.uncompressed_size);
		assert_int_equal(ib.digest.s[0], '\0');
		free(a.p);
		free(b.p);
	}
	gs_layer_free(l);
}

static void test_large_file_streamed(void **state)
{
	(void)state;
	/* 24 MiB + 1 of a non-repeating-ish pattern */
	const size_t size = 24 * 1024 * 1024 + 1;
	char *src = x_asprintf("%s/big", tmpdir);
	int fd = open(src, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	char *chunk = xmalloc(1 << 20);
	gs_sha256_t *h = gs_sha256_new();
	uint32_t x = 1;
	for (size_t done = 0; done < size;) {
		size_t n = size - done < (1 << 20) ? size - done : (1 << 20);
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245 + 12345;
			chunk[i] = (char)((x >> 16) & 0x0f); /* compressible */
		}
		assert_int_equal(write(fd, chunk, n), (ssize_t)n);
		gs_sha256_update(h, chunk, n);
		done += n;
	}
	close(fd);
	free(chunk);
	gs_digest_t want;
	gs_sha256_final(h, &want);
	gs_sha256_free(h);

	gs_layer_t *l = gs_layer_new();
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_layer_add_file(l, "big", 0644, 0, 0, src, &err), 0);
	uint64_t total = 0;
	gs_layer_info_t info;
	gs_layer_write_opts_t opts = {.compression = GS_COMPRESS_ZSTD, .level = 1, .mtime = 0};
	assert_int_equal(gs_layer_write(l, &opts, counting_sink, &total, &info, &err), 0);
	assert_int_equal(info.size, total);
	/* header + data rounded to 512 + two zero blocks */
	assert_int_equal(info.uncompressed_size, 512 + ((size + 511) / 512) * 512 + 1024);

	/* and the content survives: re-write uncompressed and hash the entry */
	struct membuf m;
	write_layer(l, GS_COMPRESS_NONE, 0, &m, &info);
	assert_int_equal(m.n, info.uncompressed_size);
	gs_digest_t got;
	gs_digest_buffer(m.p + 512, size, &got);
	assert_string_equal(got.s, want.s);
	free(m.p);
	gs_layer_free(l);
	unlink(src);
	free(src);
}

static void test_long_and_utf8_names(void **state)
{
	(void)state;
	gs_layer_t *l = gs_layer_new();
	gs_error_t err = GS_ERROR_INIT;
	char longname[300];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	longname[120] = '/';
	assert_int_equal(gs_layer_add_data(l, longname, 0644, 0, 0, "1", 1, &err), 0);
	assert_int_equal(gs_layer_add_data(l, "caf\xc3\xa9", 0644, 0, 0, "2", 1, &err), 0);
	struct membuf m, m2;
	gs_layer_info_t info;
	write_layer(l, GS_COMPRESS_NONE, 0, &m, &info);
	write_layer(l, GS_COMPRESS_NONE, 0, &m2, &info);
	assert_int_equal(m.n, m2.n);
	assert_memory_equal(m.p, m2.p, m.n);
	/* pax headers carry the path, but no time and no pid */
	assert_null(memmem(m.p, m.n, "atime=", 6));
	assert_null(memmem(m.p, m.n, "ctime=", 6));
	char pid[32];
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	assert_null(memmem(m.p, m.n, pid, strlen(pid)));

	FILE *dump = fopen(getenv("GS_LAYER_DUMP") ? getenv("GS_LAYER_DUMP") : "/dev/null", "w");
	fwrite(m.p, 1, m.n, dump);
	fclose(dump);
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	assert_non_null(utf8);
	locale_t old = uselocale(utf8);
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, m.p, m.n), ARCHIVE_OK);
	struct archive_entry *e;
	assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_OK);
	assert_string_equal(archive_entry_pathname_utf8(e), "caf\xc3\xa9");
	assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_OK);
	assert_int_equal(archive_entry_filetype(e), AE_IFDIR);
	assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_OK);
	assert_string_equal(archive_entry_pathname(e), longname);
	assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_EOF);
	archive_read_free(a);
	uselocale(old);
	freelocale(utf8);
	free(m.p);
	free(m2.p);
	gs_layer_free(l);
}

static void test_paths(void **state)
{
	(void)state;
	gs_error_t err = GS_ERROR_INIT;
	gs_layer_t *l = gs_layer_new();
	assert_int_equal(gs_layer_add_data(l, "//./a//b/./c/", 0644, 0, 0, "", 0, &err), 0);
	assert_int_equal(gs_layer_add_data(l, "./x/../y", 0644, 0, 0, "", 0, &err), 0);
	/* same paths spelled differently */
	assert_int_equal(gs_layer_add_data(l, "/a/b/c", 0644, 0, 0, "", 0, &err), -1);
	assert_string_equal(err.msg, "'/a/b/c' is added to the layer twice");
	gs_error_release(&err);
	assert_int_equal(gs_layer_add_dir(l, "y", 0755, 0, 0, &err), -1);
	gs_error_release(&err);
	/* an implicit parent may be given its own mode once, as a directory */
	assert_int_equal(gs_layer_add_dir(l, "a/b", 0750, 0, 0, &err), 0);
	assert_int_equal(gs_layer_add_dir(l, "a/b", 0750, 0, 0, &err), -1);
	gs_error_release(&err);
	assert_int_equal(gs_layer_add_data(l, "a", 0644, 0, 0, "", 0, &err), -1);
	assert_string_equal(err.msg, "cannot add 'a' to the layer as a file: it is the parent "
				     "directory of other entries");
	gs_error_release(&err);
	assert_int_equal(gs_layer_add_data(l, "y/z", 0644, 0, 0, "", 0, &err), -1);
	assert_string_equal(err.msg,
			    "cannot add 'y/z' to the layer: its parent 'y' is not a directory");
	gs_error_release(&err);

	static const struct {
		const char *path, *msg;
	} bad[] = {
		{"", "empty layer path"},
		{"/", "layer path '/' names the image root; give a path below it"},
		{"./", "layer path './' names the image root; give a path below it"},
		{"a/..", "layer path 'a/..' names the image root; give a path below it"},
		{"..", "layer path '..' escapes the image root"},
		{"/../etc", "layer path '/../etc' escapes the image root"},
		{"a/../../b", "layer path 'a/../../b' escapes the image root"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(gs_layer_add_dir(l, bad[i].path, 0755, 0, 0, &err), -1);
		assert_string_equal(err.msg, bad[i].msg);
		assert_int_equal(gs_error_exit_status(&err), 2);
		gs_error_release(&err);
	}
	assert_int_equal(gs_layer_add_symlink(l, "s", "", &err), -1);
	gs_error_release(&err);

	struct membuf m;
	gs_layer_info_t info;
	write_layer(l, GS_COMPRESS_NONE, 0, &m, &info);
	/* a/, a/b/ (0750), a/b/c, y */
	assert_memory_equal(m.p, "a/", 3);
	assert_memory_equal(m.p + 512, "a/b/", 5);
	assert_memory_equal(m.p + 512 + 100, "000750 ", 8);
	assert_memory_equal(m.p + 1024, "a/b/c", 6);
	assert_memory_equal(m.p + 1536, "y", 2);
	assert_int_equal(m.n, 4 * 512 + 1024);
	free(m.p);
	gs_layer_free(l);
}

static void test_errors(void **state)
{
	(void)state;
	gs_error_t err = GS_ERROR_INIT;
	gs_layer_t *l = sample_layer(0);
	gs_layer_info_t info;
	gs_layer_write_opts_t opts = {.compression = GS_COMPRESS_GZIP, .level = -1, .mtime = 0};
	for (int c = GS_COMPRESS_GZIP; c <= GS_COMPRESS_NONE; c++) {
		opts.compression = (gs_compression_t)c;
		assert_int_equal(gs_layer_write(l, &opts, failing_sink, NULL, &info, &err), -1);
		assert_non_null(strstr(err.msg, "writing blob: No space left on device"));
		gs_error_release(&err);
	}
	opts.compression = GS_COMPRESS_GZIP;
	opts.level = 12;
	uint64_t total = 0;
	assert_int_equal(gs_layer_write(l, &opts, counting_sink, &total, &info, &err), -1);
	assert_string_equal(err.msg, "compression level 12 is not valid for gzip (0-9)");
	gs_error_release(&err);
	gs_layer_free(l);

	l = gs_layer_new();
	assert_int_equal(gs_layer_add_file(l, "app", 0755, 0, 0, "/nonexistent/app", &err), 0);
	opts.level = -1;
	assert_int_equal(gs_layer_write(l, &opts, counting_sink, &total, &info, &err), -1);
	assert_string_equal(err.msg,
			    "adding 'app': reading '/nonexistent/app': No such file or directory");
	gs_error_release(&err);
	gs_layer_free(l);

	gs_compression_t c;
	assert_int_equal(gs_compression_parse("zstd", &c, &err), 0);
	assert_int_equal(c, GS_COMPRESS_ZSTD);
	assert_string_equal(gs_compression_name(c), "zstd");
	assert_int_equal(gs_compression_parse("xz", &c, &err), -1);
	assert_string_equal(err.msg, "unknown compression 'xz'; use gzip, zstd or none");
	gs_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_read_back),
		cmocka_unit_test(test_gzip_header_and_digests),
		cmocka_unit_test(test_zstd_and_none),
		cmocka_unit_test(test_sink_digests),
		cmocka_unit_test(test_large_file_streamed),
		cmocka_unit_test(test_long_and_utf8_names),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests_name("layer", tests, setup, tu_teardown);
}

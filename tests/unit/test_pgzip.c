/* The parallel gzip writer: valid gzip whatever the input size, the same
 * bytes whatever the number of threads, errors from the sink kept. */
#include <archive.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gsimage/oci/pgzip.h"
#include "gsimage/util/xalloc.h"

struct buf {
	char *p;
	size_t n;
};

static int to_buf(void *ctx, const void *data, size_t len, gs_error_t *err)
{
	(void)err;
	struct buf *b = ctx;
	b->p = xrealloc(b->p, b->n + len);
	memcpy(b->p + b->n, data, len);
	b->n += len;
	return 0;
}

static int failing(void *ctx, const void *data, size_t len, gs_error_t *err)
{
	(void)ctx;
	(void)data;
	(void)len;
	return gs_error_set(err, 28, "writing blob");
}

/* Compress in uneven pieces, as the tar writer hands them over. */
static struct buf compress(const char *in, size_t n, int level, int threads)
{
	struct buf out = {0};
	gs_error_t err = GS_ERROR_INIT;
	gs_pgzip_t *z = gs_pgzip_new(level, threads, to_buf, &out);
	size_t off = 0, step = 1;
	while (off < n) {
		size_t k = n - off < step ? n - off : step;
		assert_int_equal(gs_pgzip_write(z, in + off, k, &err), 0);
		off += k;
		step = step * 3 + 7;
	}
	assert_int_equal(gs_pgzip_finish(z, &err), 0);
	gs_pgzip_free(z);
	return out;
}

/* Decompress with libarchive (zlib underneath), reading every member. */
static struct buf gunzip(const struct buf *gz)
{
	struct buf out = {0};
	struct archive *a = archive_read_new();
	archive_read_support_filter_gzip(a);
	archive_read_support_format_raw(a);
	struct archive_entry *e;
	assert_int_equal(archive_read_open_memory(a, gz->p, gz->n), ARCHIVE_OK);
	assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_OK);
	char chunk[65536];
	la_ssize_t r;
	while ((r = archive_read_data(a, chunk, sizeof chunk)) > 0)
		to_buf(&out, chunk, (size_t)r, NULL);
	assert_true(r == 0);
	archive_read_free(a);
	return out;
}

static char *pattern(size_t n)
{
	char *p = xmalloc(n ? n : 1);
	uint32_t x = 7;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		p[i] = (char)((x >> 16) % 23); /* compressible, not trivial */
	}
	return p;
}

static void test_sizes_round_trip_and_threads_agree(void **state)
{
	(void)state;
	const size_t sizes[] = {1, 1000, GS_PGZIP_BLOCK - 1, GS_PGZIP_BLOCK, GS_PGZIP_BLOCK + 1,
				3 * GS_PGZIP_BLOCK + 12345};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		char *in = pattern(sizes[i]);
		struct buf one = compress(in, sizes[i], -1, 1);
		struct buf four = compress(in, sizes[i], -1, 4);
		assert_int_equal(one.n, four.n);
		assert_memory_equal(one.p, four.p, one.n);
		struct buf back = gunzip(&one);
		assert_int_equal(back.n, sizes[i]);
		assert_memory_equal(back.p, in, sizes[i]);
		/* every member header: mtime 0, no name, OS Unix */
		assert_int_equal((unsigned char)one.p[0], 0x1f);
		assert_int_equal((unsigned char)one.p[1], 0x8b);
		assert_int_equal(one.p[3], 0);
		assert_int_equal(one.p[4] | one.p[5] | one.p[6] | one.p[7], 0);
		assert_int_equal(one.p[9], 3);
		free(in);
		free(one.p);
		free(four.p);
		free(back.p);
	}
}

static void test_empty_stream_is_one_member(void **state)
{
	(void)state;
	struct buf out = compress("", 0, -1, 2);
	/* header, an empty final deflate block, CRC32 0 and ISIZE 0 (libarchive
	 * refuses to open an empty stream, so check the bytes) */
	assert_true(out.n >= 18);
	assert_int_equal((unsigned char)out.p[0], 0x1f);
	assert_int_equal((unsigned char)out.p[1], 0x8b);
	static const char zeros[8] = {0};
	assert_memory_equal(out.p + out.n - 8, zeros, 8);
	free(out.p);
}

static void test_levels(void **state)
{
	(void)state;
	size_t n = 2 * GS_PGZIP_BLOCK;
	char *in = pattern(n);
	struct buf stored = compress(in, n, 0, 2);
	struct buf fast = compress(in, n, 1, 2);
	struct buf best = compress(in, n, 9, 2);
	assert_true(stored.n > n);      /* level 0 stores */
	assert_true(best.n <= fast.n);  /* higher levels do not grow output */
	struct buf back = gunzip(&best);
	assert_memory_equal(back.p, in, n);
	free(in);
	free(stored.p);
	free(fast.p);
	free(best.p);
	free(back.p);
}

/* Random bytes (a fixed xorshift): what no compressor can shrink. */
static char *noise(size_t n, uint64_t seed)
{
	char *p = xmalloc(n ? n : 1);
	uint64_t x = seed;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (char)(x >> 24);
	}
	return p;
}

/* Walk the gzip members of gz; count those whose deflate data is one or
 * more stored blocks only (BTYPE 00), and check each member's ISIZE. */
static size_t stored_members(const struct buf *gz, size_t *members)
{
	size_t off = 0, stored = 0;
	*members = 0;
	while (off < gz->n) {
		const unsigned char *p = (const unsigned char *)gz->p + off;
		assert_true(gz->n - off >= 18);
		assert_int_equal(p[0], 0x1f);
		assert_int_equal(p[1], 0x8b);
		assert_int_equal(p[3], 0); /* no FNAME, FEXTRA...: data at 10 */
		assert_int_equal(p[9], 3);
		size_t q = 10, isize = 0;
		int all_stored = 1, final = 0;
		while (!final) {
			unsigned hdr = p[q];
			final = hdr & 1;
			if (((hdr >> 1) & 3) != 0) {
				all_stored = 0;
				break;
			}
			/* stored: header byte (rest of it padding), LEN, NLEN */
			size_t len = (size_t)p[q + 1] | (size_t)p[q + 2] << 8;
			assert_int_equal(len ^ 0xffff, (size_t)p[q + 3] | (size_t)p[q + 4] << 8);
			q += 5 + len;
			isize += len;
		}
		if (!all_stored)
			return (size_t)-1; /* a compressed member: the caller only needs to know */
		size_t got = (size_t)p[q + 4] | (size_t)p[q + 5] << 8 | (size_t)p[q + 6] << 16 |
			     (size_t)p[q + 7] << 24;
		assert_int_equal(got, isize);
		off += q + 8;
		(*members)++;
		stored++;
	}
	return stored;
}

/* Incompressible blocks are stored: valid gzip that round-trips, no
 * bigger than the input plus the framing, the same bytes at any number of
 * threads; compressible input is still compressed. */
static void test_incompressible_blocks_are_stored(void **state)
{
	(void)state;
	size_t n = 3 * GS_PGZIP_BLOCK + 777;
	char *in = noise(n, 0x9e3779b97f4a7c15ull);
	struct buf one = compress(in, n, -1, 1);
	struct buf two = compress(in, n, -1, 2);
	assert_int_equal(one.n, two.n);
	assert_memory_equal(one.p, two.p, one.n);
	size_t members = 0;
	/* the last, short block is below the probe's minimum: libdeflate
	 * stores it by itself, so every member is stored */
	assert_int_equal(stored_members(&one, &members), 4);
	assert_int_equal(members, 4);
	assert_true(one.n < n + n / 1000);
	struct buf back = gunzip(&one);
	assert_int_equal(back.n, n);
	assert_memory_equal(back.p, in, n);

	/* compressible blocks in between stay compressed */
	char *mixed = noise(n, 42);
	char *pat = pattern(GS_PGZIP_BLOCK);
	memcpy(mixed + GS_PGZIP_BLOCK, pat, GS_PGZIP_BLOCK);
	struct buf m = compress(mixed, n, -1, 2);
	assert_true(stored_members(&m, &members) == (size_t)-1);
	assert_true(m.n < n - GS_PGZIP_BLOCK / 4); /* that block shrank */
	struct buf mback = gunzip(&m);
	assert_int_equal(mback.n, n);
	assert_memory_equal(mback.p, mixed, n);

	free(in);
	free(mixed);
	free(pat);
	free(one.p);
	free(two.p);
	free(back.p);
	free(m.p);
	free(mback.p);
}

static void test_sink_error_is_kept(void **state)
{
	(void)state;
	size_t n = 3 * GS_PGZIP_BLOCK;
	char *in = pattern(n);
	gs_error_t err = GS_ERROR_INIT;
	gs_pgzip_t *z = gs_pgzip_new(-1, 2, failing, NULL);
	int r = gs_pgzip_write(z, in, n, &err);
	if (r == 0)
		r = gs_pgzip_finish(z, &err);
	assert_int_equal(r, -1);
	assert_non_null(strstr(err.msg, "writing blob: No space left on device"));
	gs_pgzip_free(z);
	gs_error_release(&err);
	free(in);
}

static void test_free_without_finish(void **state)
{
	(void)state;
	size_t n = 5 * GS_PGZIP_BLOCK;
	char *in = pattern(n);
	struct buf out = {0};
	gs_error_t err = GS_ERROR_INIT;
	gs_pgzip_t *z = gs_pgzip_new(-1, 3, to_buf, &out);
	assert_int_equal(gs_pgzip_write(z, in, n, &err), 0);
	gs_pgzip_free(z); /* workers may still hold blocks: must not leak or hang */
	free(out.p);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes_round_trip_and_threads_agree),
		cmocka_unit_test(test_empty_stream_is_one_member),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_incompressible_blocks_are_stored),
		cmocka_unit_test(test_sink_error_is_kept),
		cmocka_unit_test(test_free_without_finish),
	};
	return cmocka_run_group_tests_name("pgzip", tests, NULL, NULL);
}

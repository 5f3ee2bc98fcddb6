/* The layer cache: gs_layer_key() and pipeline/layercache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gsimage/oci/layer.h"
#include "gsimage/pipeline/layercache.h"
#include "gsimage/util/xalloc.h"
#include "oci_testutil.h"

static char *path_in(const char *dir, const char *name)
{
	return x_asprintf("%s/%s", dir, name);
}

/* A layer with a file (content from bin), a data entry and a symlink. */
static gs_layer_t *layer_of(const char *bin, const char *data, unsigned mode)
{
	gs_error_t err = GS_ERROR_INIT;
	gs_layer_t *l = gs_layer_new();
	assert_int_equal(gs_layer_add_file(l, "usr/local/bin/app", mode, 0, 0, bin, &err), 0);
	assert_int_equal(gs_layer_add_data(l, "etc/data", 0644, 0, 0, data, strlen(data), &err), 0);
	assert_int_equal(gs_layer_add_symlink(l, "bin", "usr/local/bin", &err), 0);
	return l;
}

static void key_of(const gs_layer_t *l, const gs_layer_write_opts_t *o, const char *salt,
		   gs_digest_t *key)
{
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_layer_key(l, o, salt, UINT64_MAX, key, &err), 0);
}

static void test_key(void **state)
{
	tu_fixture_t *fx = *state;
	char *bin = path_in(fx->scratch, "app");
	tu_write(bin, "binary one");
	gs_layer_write_opts_t o = {.compression = GS_COMPRESS_GZIP, .level = -1, .mtime = 0};
	gs_digest_t k1, k2;

	gs_layer_t *a = layer_of(bin, "x", 0755), *b = layer_of(bin, "x", 0755);
	key_of(a, &o, "v1", &k1);
	key_of(b, &o, "v1", &k2);
	assert_string_equal(k1.s, k2.s); /* same inputs, same key */

	/* Each input changes it. */
	key_of(a, &o, "v2", &k2);
	assert_string_not_equal(k1.s, k2.s);
	gs_layer_write_opts_t o2 = o;
	o2.level = 1;
	key_of(a, &o2, "v1", &k2);
	assert_string_not_equal(k1.s, k2.s);
	o2 = o;
	o2.mtime = 1;
	key_of(a, &o2, "v1", &k2);
	assert_string_not_equal(k1.s, k2.s);
	o2 = o;
	o2.compression = GS_COMPRESS_ZSTD;
	key_of(a, &o2, "v1", &k2);
	assert_string_not_equal(k1.s, k2.s);
	gs_layer_t *c = layer_of(bin, "y", 0755);
	key_of(c, &o, "v1", &k2);
	assert_string_not_equal(k1.s, k2.s);
	gs_layer_t *d = layer_of(bin, "x", 0700);
	key_of(d, &o, "v1", &k2);
	assert_string_not_equal(k1.s, k2.s);
	/* The file is read: new content at the same path is a new key. */
	tu_write(bin, "binary two");
	key_of(a, &o, "v1", &k2);
	assert_string_not_equal(k1.s, k2.s);

	/* Too many file bytes: no key. */
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_layer_key(a, &o, "v1", 3, &k2, &err), 1);
	unlink(bin);
	assert_true(gs_layer_key(a, &o, "v1", UINT64_MAX, &k2, &err) < 0);
	gs_error_release(&err);
	gs_layer_free(a);
	gs_layer_free(b);
	gs_layer_free(c);
	gs_layer_free(d);
	free(bin);
}

static int warnings;
static void count_warning(void *ctx, const char *line)
{
	(void)ctx;
	assert_non_null(strstr(line, "warning: "));
	warnings++;
}

static int sink_to_blob(void *ctx, const void *data, size_t len, gs_error_t *err)
{
	return gs_blob_writer_write(ctx, data, len, err);
}

static void test_lookup(void **state)
{
	tu_fixture_t *fx = *state;
	gs_error_t err = GS_ERROR_INIT;
	char *bin = path_in(fx->scratch, "app");
	char *cdir = path_in(fx->scratch, "cache");
	tu_write(bin, "the binary");
	gs_layer_t *l = layer_of(bin, "x", 0755);
	gs_layer_write_opts_t o = {.compression = GS_COMPRESS_GZIP, .level = -1, .mtime = 0};
	gs_digest_t key;
	key_of(l, &o, "t", &key);
	gs_layercache_t c = {.dir = cdir, .warn = {count_warning, NULL}};
	gs_layer_info_t info, got;
	warnings = 0;

	/* Nothing recorded: a plain miss, no warning. */
	assert_int_equal(gs_layercache_lookup(&c, fx->store, &key, o.compression, &got), 0);
	assert_int_equal(warnings, 0);

	/* Write the layer, record it: a hit with the same descriptor. */
	gs_blob_writer_t *w = NULL;
	assert_int_equal(gs_blob_writer_new(fx->store, &w, &err), 0);
	assert_int_equal(gs_layer_write(l, &o, sink_to_blob, w, &info, &err), 0);
	gs_digest_t committed;
	uint64_t size;
	assert_int_equal(gs_blob_writer_commit(w, &committed, &size, &err), 0);
	gs_blob_writer_free(w);
	gs_layercache_record(&c, &key, &info);
	memset(&got, 0, sizeof got);
	assert_int_equal(gs_layercache_lookup(&c, fx->store, &key, o.compression, &got), 1);
	assert_string_equal(got.digest.s, info.digest.s);
	assert_string_equal(got.diff_id.s, info.diff_id.s);
	assert_int_equal(got.size, info.size);
	assert_int_equal(got.uncompressed_size, info.uncompressed_size);
	assert_int_equal(warnings, 0);
	/* Another compression asked under this key: not this entry's, a miss
	 * with a warning. */
	assert_int_equal(gs_layercache_lookup(&c, fx->store, &key, GS_COMPRESS_ZSTD, &got), 0);
	assert_int_equal(warnings, 1);
	warnings = 0;

	/* The blob corrupted in place (same size): a miss with a warning. */
	char *blob = gs_store_blob_path(fx->store, &info.digest);
	size_t n = 0;
	char *bytes = tu_read(blob, &n);
	bytes[n / 2] ^= 0x5a;
	FILE *f = fopen(blob, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, n, f), n);
	fclose(f);
	assert_int_equal(gs_layercache_lookup(&c, fx->store, &key, o.compression, &got), 0);
	assert_int_equal(warnings, 1);
	/* Gone from the layout (another layout): a plain miss. */
	unlink(blob);
	assert_int_equal(gs_layercache_lookup(&c, fx->store, &key, o.compression, &got), 0);
	assert_int_equal(warnings, 1);

	/* A garbage entry: a miss with a warning. */
	char *entry = gs_layercache_entry_path(&c, &key);
	tu_write(entry, "gsimage-cache-v2\nkey 3 garbage");
	assert_int_equal(gs_layercache_lookup(&c, fx->store, &key, o.compression, &got), 0);
	assert_int_equal(warnings, 2);
	/* An entry for another key under this one's name: ignored. */
	gs_digest_t other;
	gs_digest_buffer("other", 5, &other);
	gs_layercache_record(&c, &other, &info);
	char *other_entry = gs_layercache_entry_path(&c, &other);
	assert_int_equal(rename(other_entry, entry), 0);
	assert_int_equal(gs_layercache_lookup(&c, fx->store, &key, o.compression, &got), 0);
	assert_int_equal(warnings, 3);

	/* No cache directory: always a miss. */
	gs_layercache_t none = {0};
	assert_int_equal(gs_layercache_lookup(&none, fx->store, &key, o.compression, &got), 0);

	free(other_entry);
	free(entry);
	free(bytes);
	free(blob);
	gs_layer_free(l);
	free(cdir);
	free(bin);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_key, tu_scratch_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_lookup, tu_store_setup, tu_teardown),
	};
	return cmocka_run_group_tests_name("layercache", tests, NULL, NULL);
}

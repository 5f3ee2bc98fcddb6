#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/image.h"
#include "gsimage/oci/layer.h"
#include "gsimage/oci/layout.h"
#include "gsimage/util/xalloc.h"
#include "oci_testutil.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define MT_M "application/vnd.oci.image.manifest.v1+json"
#define MT_I "application/vnd.oci.image.index.v1+json"

static gs_digest_t dg(const char *s)
{
	gs_digest_t d;
	strcpy(d.s, s);
	return d;
}

static char *index_text(gs_store_t *s)
{
	char *p = x_asprintf("%s/index.json", gs_store_dir(s));
	char *t = tu_read(p, NULL);
	free(p);
	return t;
}

static void test_set_tag_and_retag(void **state)
{
	tu_fixture_t *fx = *state;
	const char *tmp = fx->dir;
	gs_error_t err = GS_ERROR_INIT;
	gs_store_t *s = fx->store;
	assert_int_equal(gs_layout_check(s, &err), 0);
	gs_digest_t d1 = dg(D1), d2 = dg(D2);
	assert_int_equal(gs_layout_set_tag(s, "app:static", "docker.io/library/app:static", MT_M,
					   &d1, 100, &err),
			 0);
	char *t = index_text(s);
	assert_string_equal(
		t, "{\"schemaVersion\":2,\"mediaType\":\"" MT_I "\",\"manifests\":[{\"mediaType\":\"" MT_M
		   "\",\"digest\":\"" D1 "\",\"size\":100,\"annotations\":{\"io.containerd.image.name\":"
		   "\"docker.io/library/app:static\",\"org.opencontainers.image.ref.name\":"
		   "\"app:static\"}}]}");
	free(t);

	assert_int_equal(gs_layout_set_tag(s, "other", NULL, MT_I, &d1, 50, &err), 0);
	/* retag moves app:static to d2 and keeps "other" */
	assert_int_equal(gs_layout_set_tag(s, "app:static", "docker.io/library/app:static", MT_M,
					   &d2, 200, &err),
			 0);
	gs_tag_list_t tags = {0};
	assert_int_equal(gs_layout_read_tags(s, &tags, &err), 0);
	assert_int_equal(tags.n, 2);
	assert_string_equal(tags.v[0].ref_name, "other");
	assert_null(tags.v[0].full_name);
	assert_string_equal(tags.v[0].media_type, MT_I);
	assert_string_equal(tags.v[0].digest.s, D1);
	assert_int_equal(tags.v[0].size, 50);
	assert_string_equal(tags.v[1].ref_name, "app:static");
	assert_string_equal(tags.v[1].full_name, "docker.io/library/app:static");
	assert_string_equal(tags.v[1].digest.s, D2);
	assert_int_equal(tags.v[1].size, 200);
	gs_tag_list_release(&tags);

	/* no temp files left, only the lock file besides the layout */
	assert_int_equal(tu_count_entries(tmp), 4);
}

static void test_unknown_fields_kept(void **state)
{
	tu_fixture_t *fx = *state;
	const char *tmp = fx->dir;
	gs_error_t err = GS_ERROR_INIT;
	gs_store_t *s = fx->store;
	char *p = x_asprintf("%s/index.json", tmp);
	/* no mediaType, unknown fields at every level, a foreign entry */
	tu_write(p, "{\n  \"schemaVersion\": 2,\n  \"manifests\": [\n"
		    "    {\"mediaType\": \"" MT_M "\", \"digest\": \"" D2 "\", \"size\": 7,"
		    " \"platform\": {\"os\": \"linux\", \"architecture\": \"s390x\"},"
		    " \"x-extra\": [1, true, null, \"\\u00e9\"],"
		    " \"annotations\": {\"org.opencontainers.image.ref.name\": \"keep\", \"z\": \"1\"}},"
		    "    {\"mediaType\": \"" MT_M "\", \"digest\": \"sha512:abc\", \"size\": 0},"
		    "    {\"mediaType\": \"" MT_M "\", \"digest\": \"" D2 "\", \"size\": 8,"
		    " \"annotations\": {\"org.opencontainers.image.ref.name\": \"t\"}}\n"
		    "  ],\n  \"annotations\": {\"a\": \"b\"}, \"zz\": {\"n\": 12}\n}\n");
	gs_digest_t d1 = dg(D1);
	assert_int_equal(gs_layout_set_tag(s, "t", "docker.io/library/t:latest", MT_M, &d1, 9, &err),
			 0);
	char *t = index_text(s);
	assert_string_equal(
		t, "{\"schemaVersion\":2,\"mediaType\":\"" MT_I "\",\"manifests\":["
		   "{\"mediaType\":\"" MT_M "\",\"digest\":\"" D2 "\",\"size\":7,"
		   "\"platform\":{\"os\":\"linux\",\"architecture\":\"s390x\"},"
		   "\"x-extra\":[1,true,null,\"\xc3\xa9\"],"
		   "\"annotations\":{\"org.opencontainers.image.ref.name\":\"keep\",\"z\":\"1\"}},"
		   "{\"mediaType\":\"" MT_M "\",\"digest\":\"sha512:abc\",\"size\":0},"
		   "{\"mediaType\":\"" MT_M "\",\"digest\":\"" D1 "\",\"size\":9,\"annotations\":{"
		   "\"io.containerd.image.name\":\"docker.io/library/t:latest\","
		   "\"org.opencontainers.image.ref.name\":\"t\"}}],"
		   "\"annotations\":{\"a\":\"b\"},\"zz\":{\"n\":12}}");
	gs_tag_list_t tags = {0};
	assert_int_equal(gs_layout_read_tags(s, &tags, &err), 0);
	assert_int_equal(tags.n, 3);
	assert_null(tags.v[1].ref_name);
	assert_string_equal(tags.v[1].digest.s, ""); /* not sha256 */
	gs_tag_list_release(&tags);
	free(t);
	free(p);
}

static void test_corrupted_refused(void **state)
{
	tu_fixture_t *fx = *state;
	const char *tmp = fx->dir;
	gs_error_t err = GS_ERROR_INIT;
	gs_store_t *s = fx->store;
	char *p = x_asprintf("%s/index.json", tmp);
	const char *bad = "{\"schemaVersion\":2,\n\"manifests\":[\n{\"mediaType\":}]}";
	tu_write(p, bad);
	struct stat st1, st2;
	assert_int_equal(stat(p, &st1), 0);
	assert_int_equal(gs_layout_check(s, &err), -1);
	char *want = x_asprintf("'%s' is corrupted (invalid JSON: unexpected token near '}' at "
				"line 3 column 14); fix or remove it, gsimage will not overwrite it",
				p);
	assert_string_equal(err.msg, want);
	free(want);
	gs_error_release(&err);
	gs_digest_t d1 = dg(D1);
	assert_int_equal(gs_layout_set_tag(s, "t", NULL, MT_M, &d1, 1, &err), -1);
	assert_non_null(strstr(err.msg, "tagging 't': '"));
	assert_non_null(strstr(err.msg, "is corrupted (invalid JSON"));
	gs_error_release(&err);
	gs_tag_list_t tags = {0};
	assert_int_equal(gs_layout_read_tags(s, &tags, &err), -1);
	assert_int_equal(tags.n, 0);
	gs_error_release(&err);
	/* untouched */
	char *t = tu_read(p, NULL);
	assert_string_equal(t, bad);
	assert_int_equal(stat(p, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	free(t);
	/* structurally wrong is corrupted too */
	tu_write(p, "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"x\",\"digest\":\"sha256:12\","
		    "\"size\":1}]}");
	assert_int_equal(gs_layout_check(s, &err), -1);
	assert_non_null(strstr(err.msg, "is corrupted (manifests[0] has no valid digest); "
					"fix or remove it, gsimage will not overwrite it"));
	gs_error_release(&err);
	/* missing index.json: no tags, and set_tag creates it */
	unlink(p);
	assert_int_equal(gs_layout_check(s, &err), 0);
	assert_int_equal(gs_layout_set_tag(s, "t", NULL, MT_M, &d1, 1, &err), 0);
	assert_int_equal(gs_layout_read_tags(s, &tags, &err), 0);
	assert_int_equal(tags.n, 1);
	gs_tag_list_release(&tags);
	free(p);
}

static void test_parse_index(void **state)
{
	(void)state;
	static const struct {
		const char *json, *msg;
	} bad[] = {
		{"", "invalid JSON: '[' or '{' expected near end of file at line 1 column 0"},
		{"[]", "not a JSON object"},
		{"{\"schemaVersion\":1,\"manifests\":[]}", "schemaVersion is not 2"},
		{"{\"schemaVersion\":2}", "no \"manifests\" array"},
		{"{\"schemaVersion\":2,\"mediaType\":\"x\",\"manifests\":[]}",
		 "mediaType is not \"application/vnd.oci.image.index.v1+json\""},
		{"{\"schemaVersion\":2,\"manifests\":[1]}", "manifests[0] is not an object"},
		{"{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"" D1 "\",\"size\":1}]}",
		 "manifests[0] has no mediaType"},
		{"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"m\",\"size\":1}]}",
		 "manifests[0] has no valid digest"},
		{"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"m\",\"digest\":\"" D1 "\"}]}",
		 "manifests[0] has no valid size"},
		{"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"m\",\"digest\":\"" D1
		 "\",\"size\":-1}]}",
		 "manifests[0] has no valid size"},
		{"{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"m\",\"digest\":\"" D1
		 "\",\"size\":1,\"annotations\":{\"a\":1}}]}",
		 "manifests[0] has an annotation that is not a string"},
		{"{\"schemaVersion\":2,\"manifests\":[]} x",
		 "invalid JSON: end of file expected near 'x' at line 1 column 36"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		gs_tag_list_t tags = {0};
		gs_error_t err = GS_ERROR_INIT;
		assert_int_equal(gs_layout_parse_index(bad[i].json, strlen(bad[i].json), &tags, &err),
				 -1);
		if (strcmp(err.msg, bad[i].msg) != 0)
			fail_msg("%zu: got \"%s\", want \"%s\"", i, err.msg, bad[i].msg);
		assert_int_equal(tags.n, 0);
		assert_null(tags.v);
		gs_error_release(&err);
	}
	/* not NUL-terminated, embedded NUL */
	const char buf[] = "{\"schemaVersion\":2,\"manifests\":[]}GARBAGE";
	gs_tag_list_t tags = {0};
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_layout_parse_index(buf, 34, &tags, &err), 0);
	gs_tag_list_release(&tags);
	assert_int_equal(gs_layout_parse_index("{\"a\":\"\\u0000\"}", 14, &tags, &err), -1);
	gs_error_release(&err);
	/* every prefix of a valid index: no crash, no leak */
	const char *good = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"m\",\"digest\":\"" D1
			   "\",\"size\":1,\"annotations\":{\"org.opencontainers.image.ref.name\":"
			   "\"a\"}}]}";
	for (size_t n = 0; n <= strlen(good); n++) {
		int r = gs_layout_parse_index(good, n, &tags, &err);
		assert_int_equal(r, n == strlen(good) ? 0 : -1);
		gs_tag_list_release(&tags);
		gs_error_release(&err);
	}
}

/* Concurrent writers into one layout lose no tag: each re-reads
 * index.json under the lock. */
static void test_concurrent_tags(void **state)
{
	tu_fixture_t *fx = *state;
	const char *tmp = fx->scratch; /* the writers race to create the layout */
	gs_error_t err = GS_ERROR_INIT;
	enum { WRITERS = 4, ROUNDS = 15 };
	pid_t pids[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			gs_store_t *s = NULL;
			int ok = gs_layout_open(tmp, GS_LAYOUT_CREATE, &s, &err) == 0;
			for (int r = 0; ok && r < ROUNDS; r++) {
				char tag[32];
				snprintf(tag, sizeof(tag), "w%d:%d", i, r);
				gs_digest_t d = dg(r % 2 ? D1 : D2);
				ok = gs_layout_set_tag(s, tag, NULL, MT_M, &d, (uint64_t)r, &err) == 0;
			}
			if (!ok)
				fprintf(stderr, "writer %d: %s\n", i, err.msg);
			gs_store_free(s);
			gs_error_release(&err);
			_exit(ok ? 0 : 1);
		}
	}
	for (int i = 0; i < WRITERS; i++) {
		int st = 0;
		waitpid(pids[i], &st, 0);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	gs_store_t *s = NULL;
	assert_int_equal(gs_layout_open(tmp, GS_LAYOUT_READ, &s, &err), 0);
	gs_tag_list_t tags = {0};
	assert_int_equal(gs_layout_read_tags(s, &tags, &err), 0);
	assert_int_equal(tags.n, WRITERS * ROUNDS);
	gs_tag_list_release(&tags);
	gs_store_free(s);
	assert_int_equal(tu_count_entries(tmp), 4); /* no temp files left */
}

static int blob_sink(void *w, const void *data, size_t len, gs_error_t *err)
{
	return gs_blob_writer_write(w, data, len, err);
}

/* A whole image through every oci/ module, checked by the shared
 * validator when it is there. */
static void test_end_to_end_validates(void **state)
{
	tu_fixture_t *fx = *state;
	const char *validator = "../shared/tools/oci-validate";
	if (access(validator, X_OK) != 0)
		validator = "/work/shared/tools/oci-validate";
	const char *tmp = fx->dir;
	gs_error_t err = GS_ERROR_INIT;
	gs_store_t *s = fx->store;

	gs_layer_t *l = gs_layer_new();
	assert_int_equal(gs_layer_add_data(l, "/usr/local/bin/app", 0755, 0, 0, "\x7f" "ELF", 4, &err),
			 0);
	assert_int_equal(gs_layer_add_data(l, "/etc/passwd", 0644, 0, 0, "root:x:0:0::/:\n", 15, &err),
			 0);
	assert_int_equal(gs_layer_add_dir(l, "/tmp", 01777, 0, 0, &err), 0);
	gs_blob_writer_t *w = NULL;
	assert_int_equal(gs_blob_writer_new(s, &w, &err), 0);
	gs_layer_write_opts_t opts = {.compression = GS_COMPRESS_GZIP, .level = -1, .mtime = 1700000000};
	gs_layer_info_t li;
	assert_int_equal(gs_layer_write(l, &opts, blob_sink, w, &li, &err), 0);
	gs_digest_t got;
	uint64_t size;
	assert_int_equal(gs_blob_writer_commit(w, &got, &size, &err), 0);
	assert_string_equal(got.s, li.digest.s);
	assert_int_equal(size, li.size);
	gs_blob_writer_free(w);
	gs_layer_free(l);

	gs_image_config_t c;
	memset(&c, 0, sizeof(c));
	c.os = "linux";
	c.architecture = "arm64";
	c.variant = "v8";
	c.created = "2023-11-14T22:13:20Z";
	gs_strvec_push(&c.entrypoint, "/usr/local/bin/app");
	gs_history_entry_t h[] = {{"gsimage build", NULL}};
	c.history = h;
	c.n_history = 1;
	size_t len;
	char *json = gs_image_config_json(&c, &li, 1, &len);
	gs_strvec_release(&c.entrypoint);
	gs_descriptor_t cd;
	memset(&cd, 0, sizeof(cd));
	cd.media_type = GS_MT_CONFIG;
	cd.size = len;
	assert_int_equal(gs_store_put(s, json, len, &cd.digest, &err), 0);
	free(json);
	json = gs_image_manifest_json(&cd, &li, 1, NULL, &len);
	gs_descriptor_t md;
	memset(&md, 0, sizeof(md));
	md.media_type = GS_MT_MANIFEST;
	md.size = len;
	md.os = "linux";
	md.architecture = "arm64";
	md.variant = "v8";
	assert_int_equal(gs_store_put(s, json, len, &md.digest, &err), 0);
	free(json);
	json = gs_image_index_json(&md, 1, NULL, &len);
	gs_digest_t id;
	assert_int_equal(gs_store_put(s, json, len, &id, &err), 0);
	free(json);
	assert_int_equal(gs_layout_set_tag(s, "app:static", "docker.io/library/app:static",
					   GS_MT_INDEX, &id, len, &err),
			 0);
	assert_int_equal(gs_layout_set_tag(s, "app:single", "docker.io/library/app:single",
					   GS_MT_MANIFEST, &md.digest, md.size, &err),
			 0);

	if (access(validator, X_OK) != 0) {
		fprintf(stderr, "skipping oci-validate: %s not found\n", validator);
		skip();
	}
	char *cmd = x_asprintf("%s '%s' --tag app:static --strict-repro --quiet", validator, tmp);
	int rc = system(cmd);
	free(cmd);
	assert_true(WIFEXITED(rc));
	assert_int_equal(WEXITSTATUS(rc), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_set_tag_and_retag, tu_store_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_fields_kept, tu_store_setup,
						tu_teardown),
		cmocka_unit_test_setup_teardown(test_corrupted_refused, tu_store_setup, tu_teardown),
		cmocka_unit_test(test_parse_index),
		cmocka_unit_test_setup_teardown(test_concurrent_tags, tu_scratch_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_end_to_end_validates, tu_store_setup,
						tu_teardown),
	};
	return cmocka_run_group_tests_name("layout", tests, NULL, NULL);
}

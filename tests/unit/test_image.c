#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "gsimage/oci/image.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static void layer(gs_layer_info_t *l, const char *digest, const char *diff_id, uint64_t size)
{
	memset(l, 0, sizeof(*l));
	strcpy(l->digest.s, digest);
	strcpy(l->diff_id.s, diff_id);
	l->size = size;
	l->compression = GS_COMPRESS_GZIP;
}

static void test_config_full(void **state)
{
	(void)state;
	gs_image_config_t c;
	memset(&c, 0, sizeof(c));
	c.os = "linux";
	c.architecture = "arm";
	c.variant = "v7";
	c.created = "1970-01-01T00:00:00Z";
	gs_strvec_push(&c.entrypoint, "/usr/local/bin/app");
	gs_strvec_push(&c.cmd, "--port");
	gs_strvec_push(&c.cmd, "8080");
	gs_strvec_push(&c.env, "PATH=/usr/local/bin");
	gs_strvec_push(&c.env, "Q=\"x\"\\");
	c.user = "65532:65532";
	c.working_dir = "/";
	gs_strvec_push(&c.labels, "org.opencontainers.image.source=https://example.com/app");
	gs_strvec_push(&c.labels, "empty");
	gs_strvec_push(&c.exposed_ports, "8080/tcp");
	gs_strvec_push(&c.exposed_ports, "53/udp");
	c.stop_signal = "SIGTERM";
	gs_history_entry_t h[] = {{"gsimage build: COPY app /usr/local/bin/app", "static Go binary"}};
	c.history = h;
	c.n_history = 1;
	gs_layer_info_t l;
	layer(&l, D1, D2, 42);
	size_t len = 0;
	char *json = gs_image_config_json(&c, &l, 1, &len);
	assert_string_equal(
		json,
		"{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\","
		"\"created\":\"1970-01-01T00:00:00Z\","
		"\"config\":{\"User\":\"65532:65532\",\"Env\":[\"PATH=/usr/local/bin\","
		"\"Q=\\\"x\\\"\\\\\"],\"Entrypoint\":[\"/usr/local/bin/app\"],"
		"\"Cmd\":[\"--port\",\"8080\"],\"WorkingDir\":\"/\","
		"\"Labels\":{\"org.opencontainers.image.source\":\"https://example.com/app\","
		"\"empty\":\"\"},\"ExposedPorts\":{\"8080/tcp\":{},\"53/udp\":{}},"
		"\"StopSignal\":\"SIGTERM\"},"
		"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D2 "\"]},"
		"\"history\":[{\"created\":\"1970-01-01T00:00:00Z\","
		"\"created_by\":\"gsimage build: COPY app /usr/local/bin/app\","
		"\"comment\":\"static Go binary\"}]}");
	assert_int_equal(len, strlen(json));
	free(json);
	gs_strvec_release(&c.entrypoint);
	gs_strvec_release(&c.cmd);
	gs_strvec_release(&c.env);
	gs_strvec_release(&c.labels);
	gs_strvec_release(&c.exposed_ports);
}

static void test_config_minimal(void **state)
{
	(void)state;
	gs_image_config_t c;
	memset(&c, 0, sizeof(c));
	c.os = "linux";
	c.architecture = "amd64";
	size_t len;
	char *json = gs_image_config_json(&c, NULL, 0, &len);
	assert_string_equal(json, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
				  "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
	free(json);
}

static void test_config_not_utf8(void **state)
{
	(void)state;
	gs_image_config_t c;
	memset(&c, 0, sizeof(c));
	c.os = "linux";
	c.architecture = "amd64";
	gs_strvec_push(&c.labels, "k\xff=v\xc3\xa9\xed\xa0\x80");
	char *json = gs_image_config_json(&c, NULL, 0, NULL);
	assert_non_null(strstr(json, "\"Labels\":{\"k\xef\xbf\xbd\":\"v\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"}"));
	free(json);
	gs_strvec_release(&c.labels);
}

static void test_manifest(void **state)
{
	(void)state;
	gs_descriptor_t cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.media_type = GS_MT_CONFIG;
	strcpy(cfg.digest.s, D1);
	cfg.size = 512;
	gs_layer_info_t l[2];
	layer(&l[0], D2, D1, 1000);
	layer(&l[1], D3, D1, 7);
	l[1].compression = GS_COMPRESS_ZSTD;
	gs_strvec_t ann = GS_STRVEC_INIT;
	gs_strvec_push(&ann, "org.opencontainers.image.created=1970-01-01T00:00:00Z");
	size_t len;
	char *json = gs_image_manifest_json(&cfg, l, 2, &ann, &len);
	assert_string_equal(
		json,
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
		"\"digest\":\"" D1 "\",\"size\":512},"
		"\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
		"\"digest\":\"" D2 "\",\"size\":1000},"
		"{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\","
		"\"digest\":\"" D3 "\",\"size\":7}],"
		"\"annotations\":{\"org.opencontainers.image.created\":\"1970-01-01T00:00:00Z\"}}");
	free(json);
	gs_strvec_release(&ann);
	/* no annotations: no key */
	json = gs_image_manifest_json(&cfg, l, 1, NULL, &len);
	assert_null(strstr(json, "annotations"));
	free(json);
}

static void test_index(void **state)
{
	(void)state;
	gs_descriptor_t m[2];
	memset(m, 0, sizeof(m));
	m[0].media_type = GS_MT_MANIFEST;
	strcpy(m[0].digest.s, D1);
	m[0].size = 400;
	m[0].os = "linux";
	m[0].architecture = "amd64";
	m[1].media_type = GS_MT_MANIFEST;
	strcpy(m[1].digest.s, D2);
	m[1].size = 401;
	m[1].os = "linux";
	m[1].architecture = "arm64";
	m[1].variant = "v8";
	gs_strvec_push(&m[1].annotations, "x=y");
	gs_strvec_t ann = GS_STRVEC_INIT;
	gs_strvec_push(&ann, "org.opencontainers.image.title=app");
	size_t len;
	char *json = gs_image_index_json(m, 2, &ann, &len);
	assert_string_equal(
		json,
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
		"\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"digest\":\"" D1 "\",\"size\":400,"
		"\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
		"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"digest\":\"" D2 "\",\"size\":401,"
		"\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"},"
		"\"annotations\":{\"x\":\"y\"}}],"
		"\"annotations\":{\"org.opencontainers.image.title\":\"app\"}}");
	free(json);
	gs_strvec_release(&ann);
	gs_strvec_release(&m[1].annotations);
}

static void test_time(void **state)
{
	(void)state;
	char *t = gs_image_time(0);
	assert_string_equal(t, "1970-01-01T00:00:00Z");
	free(t);
	t = gs_image_time(1700000000);
	assert_string_equal(t, "2023-11-14T22:13:20Z");
	free(t);
	t = gs_image_time(253402300799); /* 9999-12-31T23:59:59Z */
	assert_string_equal(t, "9999-12-31T23:59:59Z");
	free(t);
	assert_null(gs_image_time(253402300800));
	assert_null(gs_image_time(INT64_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_full),
		cmocka_unit_test(test_config_minimal),
		cmocka_unit_test(test_config_not_utf8),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_time),
	};
	return cmocka_run_group_tests_name("image", tests, NULL, NULL);
}

/* OCI 1.1 artifacts and the referrers fallback: what gs_attach writes, and
 * that attaching again keeps what is there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gsimage/oci/artifact.h"
#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/image.h"
#include "gsimage/oci/layout.h"
#include "gsimage/pipeline/attach.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/xalloc.h"
#include "oci_testutil.h"

#define EMPTY_DIGEST "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

static const gs_tag_t *find_tag(const gs_tag_list_t *tags, const char *name)
{
	for (size_t i = 0; i < tags->n; i++)
		if (tags->v[i].ref_name && strcmp(tags->v[i].ref_name, name) == 0)
			return &tags->v[i];
	return NULL;
}

/* Where needle is in hay, or -1. */
static long pos(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);
	return p ? (long)(p - hay) : -1;
}

/* The blob's text, NUL-terminated; owned. */
static char *read_blob(gs_store_t *store, const gs_digest_t *d)
{
	char *path = gs_store_blob_path(store, d);
	size_t len;
	char *data = tu_read(path, &len);
	free(path);
	assert_non_null(data);
	return data;
}

static void test_attach_and_fallback_tag(void **state)
{
	(void)state;
	char *dir = tu_mkdtemp();
	cleanup_free char *layout = x_asprintf("%s/L", dir);
	gs_store_t *store = NULL;
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_layout_open(layout, GS_LAYOUT_CREATE, &store, &err), 0);

	const char *subject_json = "{\"schemaVersion\":2}";
	gs_digest_t subject;
	assert_int_equal(gs_store_put(store, subject_json, strlen(subject_json), &subject, &err), 0);
	gs_attachment_t docs[] = {
		{"application/spdx+json", "sbom.spdx.json", "{\"spdx\":1}", 10},
		{"application/vnd.cyclonedx+json", "sbom.cdx.json", "{\"cdx\":1}", 9},
	};
	gs_digest_t manifests[2];
	assert_int_equal(gs_attach(store, &subject, strlen(subject_json), docs, 2,
				   "1970-01-01T00:00:00Z", manifests, &err),
			 0);

	/* The artifact manifest: type, empty config, the document, subject. */
	cleanup_free char *m = read_blob(store, &manifests[0]);
	assert_non_null(strstr(m, "\"artifactType\":\"application/spdx+json\""));
	assert_non_null(strstr(m, "\"config\":{\"mediaType\":\"" GS_MT_EMPTY "\",\"digest\":\"" EMPTY_DIGEST
				  "\",\"size\":2"));
	assert_non_null(strstr(m, subject.s));
	assert_non_null(strstr(m, "\"subject\":{\"mediaType\":\"" GS_MT_MANIFEST "\""));
	gs_digest_t empty;
	assert_int_equal(gs_digest_parse(EMPTY_DIGEST, &empty, &err), 0);
	cleanup_free char *e = read_blob(store, &empty);
	assert_string_equal(e, "{}");

	/* The fallback tag lists both, with their artifactType. */
	cleanup_free char *tag = gs_referrers_tag(&subject);
	gs_tag_list_t tags = {0};
	assert_int_equal(gs_layout_read_tags(store, &tags, &err), 0);
	const gs_tag_t *t = find_tag(&tags, tag);
	assert_non_null(t);
	assert_string_equal(t->media_type, GS_MT_INDEX);
	gs_digest_t first_index = t->digest;
	cleanup_free char *idx = read_blob(store, &t->digest);
	assert_non_null(strstr(idx, manifests[0].s));
	assert_non_null(strstr(idx, manifests[1].s));
	assert_non_null(strstr(idx, "\"artifactType\":\"application/vnd.cyclonedx+json\""));
	gs_tag_list_release(&tags);

	/* The same documents again: the same index. */
	assert_int_equal(gs_attach(store, &subject, strlen(subject_json), docs, 2,
				   "1970-01-01T00:00:00Z", NULL, &err),
			 0);
	assert_int_equal(gs_layout_read_tags(store, &tags, &err), 0);
	assert_string_equal(find_tag(&tags, tag)->digest.s, first_index.s);
	gs_tag_list_release(&tags);

	/* Another document: added after the two that stay. */
	gs_attachment_t more = {"application/vnd.example+json", "x.json", "{}", 2};
	gs_digest_t third;
	assert_int_equal(gs_attach(store, &subject, strlen(subject_json), &more, 1, NULL, &third,
				   &err),
			 0);
	assert_int_equal(gs_layout_read_tags(store, &tags, &err), 0);
	cleanup_free char *idx2 = read_blob(store, &find_tag(&tags, tag)->digest);
	long a = pos(idx2, manifests[0].s), b = pos(idx2, manifests[1].s), c = pos(idx2, third.s);
	assert_true(a >= 0 && a < b && b < c);
	gs_tag_list_release(&tags);

	gs_store_free(store);
	tu_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attach_and_fallback_tag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* resolve's YAML splicing and push's pure helpers: references are found
 * with their exact byte ranges (multi-byte text and a BOM before them,
 * every quoting style), spliced without touching any other byte, and bad
 * YAML is one message with its line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gsimage/pipeline/push.h"
#include "gsimage/pipeline/resolve.h"
#include "gsimage/util/cleanup.h"

static char *resolve_text(const char *in, const char *with_each, gs_yaml_refs_t *refs)
{
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_yaml_refs_scan(in, strlen(in), refs, &err), 0);
	const char **with = calloc(refs->n + 1, sizeof *with);
	for (size_t i = 0; i < refs->n; i++)
		with[i] = with_each;
	size_t len;
	char *out = gs_yaml_refs_splice(in, strlen(in), refs, with, &len);
	free(with);
	assert_int_equal(len, strlen(out));
	return out;
}

static void test_splice_keeps_every_other_byte(void **state)
{
	(void)state;
	const char *in = "# é ü — comment\n"
			 "a: gsimage://./cmd/a   # after\n"
			 "b: 'ko://example.com/b'\n"
			 "c: \"gsimage://./c\"\n"
			 "d: {x: gsimage://./a, y: [\"ko://./c\"]}\n"
			 "---\n"
			 "e: not gsimage://here\n";
	gs_yaml_refs_t refs;
	cleanup_free char *out = resolve_text(in, "R@sha256:1", &refs);
	assert_int_equal(refs.n, 5);
	assert_string_equal(refs.v[0].package, "./cmd/a");
	assert_int_equal(refs.v[0].line, 2);
	assert_string_equal(refs.v[1].package, "example.com/b");
	assert_int_equal(refs.v[1].quote, '\'');
	assert_int_equal(refs.v[2].quote, '"');
	assert_string_equal(out, "# é ü — comment\n"
				 "a: R@sha256:1   # after\n"
				 "b: 'R@sha256:1'\n"
				 "c: \"R@sha256:1\"\n"
				 "d: {x: R@sha256:1, y: [\"R@sha256:1\"]}\n"
				 "---\n"
				 "e: not gsimage://here\n");
	gs_yaml_refs_release(&refs);
}

static void test_bom_and_no_refs(void **state)
{
	(void)state;
	const char *in = "\xEF\xBB\xBFkey: gsimage://./x\n";
	gs_yaml_refs_t refs;
	cleanup_free char *out = resolve_text(in, "img", &refs);
	assert_int_equal(refs.n, 1);
	assert_string_equal(out, "\xEF\xBB\xBFkey: img\n");
	gs_yaml_refs_release(&refs);

	const char *plain = "a: 1\n# gsimage://./x in a comment is not a string\n";
	cleanup_free char *same = resolve_text(plain, "img", &refs);
	assert_int_equal(refs.n, 0);
	assert_string_equal(same, plain);
	gs_yaml_refs_release(&refs);
}

static void test_bad_yaml(void **state)
{
	(void)state;
	gs_yaml_refs_t refs;
	gs_error_t err = GS_ERROR_INIT;
	const char *bad = "a: 1\nb: [unclosed\n";
	assert_int_equal(gs_yaml_refs_scan(bad, strlen(bad), &refs, &err), -1);
	assert_non_null(strstr(err.msg, "line 3"));
	assert_int_equal(refs.n, 0);
	gs_error_release(&err);

	const char *block = "a: |\n  gsimage://./x\n";
	assert_int_equal(gs_yaml_refs_scan(block, strlen(block), &refs, &err), -1);
	assert_non_null(strstr(err.msg, "block scalar"));
	gs_error_release(&err);

	const char *empty = "a: gsimage://\n";
	assert_int_equal(gs_yaml_refs_scan(empty, strlen(empty), &refs, &err), -1);
	assert_non_null(strstr(err.msg, "names no package"));
	gs_error_release(&err);
}

static void test_push_helpers(void **state)
{
	(void)state;
	cleanup_free char *a = gs_push_repository("registry:5000/team/app:v1");
	assert_string_equal(a, "registry:5000/team/app");
	cleanup_free char *b = gs_push_repository("registry:5000/team/app");
	assert_string_equal(b, "registry:5000/team/app");
	cleanup_free char *c = gs_push_repository("app");
	assert_string_equal(c, "app");

	gs_push_request_t req = {.insecure = 1, .authfile = "/a.json", .creds = "u:p"};
	cleanup_strvec gs_strvec_t argv = GS_STRVEC_INIT;
	gs_push_skopeo_argv(&req, "/usr/bin/skopeo", "oci:L:app", "docker://r/app", 1, &argv);
	cleanup_free char *joined = gs_strvec_join(&argv, " ");
	assert_string_equal(joined, "/usr/bin/skopeo --command-timeout=10m copy --all --preserve-digests "
				    "--dest-tls-verify=false --dest-authfile=/a.json "
				    "--dest-creds=u:p oci:L:app docker://r/app");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_splice_keeps_every_other_byte),
		cmocka_unit_test(test_bom_and_no_refs),
		cmocka_unit_test(test_bad_yaml),
		cmocka_unit_test(test_push_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

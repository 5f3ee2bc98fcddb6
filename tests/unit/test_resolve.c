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

/* Issue 16 item 5: an anchor or a tag before the reference stays, in
 * either order, on the same line or the line before, quoted or not. */
static void test_anchor_and_tag_kept(void **state)
{
	(void)state;
	const char *in = "a: &img gsimage://./x\n"
			 "b: *img\n"
			 "c: !!str 'ko://./x'\n"
			 "d: !custom \"gsimage://./x\"\n"
			 "e: &e2 !!str gsimage://./x\n"
			 "f: !<tag:yaml.org,2002:str> &f2 gsimage://./x\n"
			 "g: &g2 # the image\n"
			 "  gsimage://./x\n"
			 "h: [&h2 gsimage://./x, *h2]\n";
	gs_yaml_refs_t refs;
	cleanup_free char *out = resolve_text(in, "R@sha256:1", &refs);
	assert_int_equal(refs.n, 7);
	assert_string_equal(out, "a: &img R@sha256:1\n"
				 "b: *img\n"
				 "c: !!str 'R@sha256:1'\n"
				 "d: !custom \"R@sha256:1\"\n"
				 "e: &e2 !!str R@sha256:1\n"
				 "f: !<tag:yaml.org,2002:str> &f2 R@sha256:1\n"
				 "g: &g2 # the image\n"
				 "  R@sha256:1\n"
				 "h: [&h2 R@sha256:1, *h2]\n");
	gs_yaml_refs_release(&refs);
}

static int one_line(const char *msg)
{
	return msg && !strpbrk(msg, "\n\r");
}

/* Errors are one line with the real position. */
static void test_error_positions(void **state)
{
	(void)state;
	gs_yaml_refs_t refs;
	gs_error_t err = GS_ERROR_INIT;
	/* non-UTF-8 on line 3: "b: " then the bad byte at column 4 */
	const char *latin1 = "a: 1\n# é\nb: \xE9t\xE9\n";
	assert_int_equal(gs_yaml_refs_scan(latin1, strlen(latin1), &refs, &err), -1);
	assert_non_null(strstr(err.msg, "line 3 column 4"));
	assert_true(one_line(err.msg));
	gs_error_release(&err);

	const char *block = "a: 1\nb: |\n  gsimage://./x\n  more\n";
	assert_int_equal(gs_yaml_refs_scan(block, strlen(block), &refs, &err), -1);
	assert_non_null(strstr(err.msg, "line 2"));
	assert_non_null(strstr(err.msg, "block scalar"));
	assert_true(one_line(err.msg));
	gs_error_release(&err);

	const char *spaced = "a: \"gsimage://./x\\n./y\"\n";
	assert_int_equal(gs_yaml_refs_scan(spaced, strlen(spaced), &refs, &err), -1);
	assert_non_null(strstr(err.msg, "names no package"));
	assert_true(one_line(err.msg));
	gs_error_release(&err);

	const char *ko = "a: ko://\n";
	assert_int_equal(gs_yaml_refs_scan(ko, strlen(ko), &refs, &err), -1);
	assert_non_null(strstr(err.msg, "write ko://<"));
	gs_error_release(&err);
}

/* Item 7: nesting is capped (libyaml is quadratic in depth), and the cap
 * is reached in well under a second whatever follows. */
static void test_depth_cap(void **state)
{
	(void)state;
	size_t n = 200000;
	char *deep = malloc(n + 1);
	memset(deep, '[', n);
	deep[n] = '\0';
	gs_yaml_refs_t refs;
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_yaml_refs_scan(deep, n, &refs, &err), -1);
	assert_non_null(strstr(err.msg, "deeper than 1000"));
	assert_non_null(strstr(err.msg, "line 1 column 1001"));
	assert_true(one_line(err.msg));
	gs_error_release(&err);
	free(deep);

	/* 1000 levels are fine, flow or block */
	char flow[2100];
	memset(flow, '[', 1000);
	memset(flow + 1000, ']', 1000);
	strcpy(flow + 2000, "\n");
	assert_int_equal(gs_yaml_refs_scan(flow, strlen(flow), &refs, &err), 0);
	gs_yaml_refs_release(&refs);
	cleanup_free char *block = malloc(1001 * 1001 + 16);
	size_t o = 0;
	for (int i = 0; i < 1001; i++) {
		memset(block + o, ' ', (size_t)i);
		o += (size_t)i;
		memcpy(block + o, "k:\n", 3);
		o += 3;
	}
	block[o] = '\0';
	assert_int_equal(gs_yaml_refs_scan(block, o, &refs, &err), -1);
	assert_non_null(strstr(err.msg, "deeper than 1000"));
	assert_non_null(strstr(err.msg, "line 1001"));
	gs_error_release(&err);
}

static void append(gs_yaml_stream_t *s, const char *text)
{
	gs_yaml_refs_t refs;
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_yaml_refs_scan(text, strlen(text), &refs, &err), 0);
	gs_yaml_stream_append(s, text, strlen(text), &refs);
	gs_yaml_refs_release(&refs);
}

/* Joined files parse as their documents: no "---" added before a
 * leading comment's own "---" or before directives (which need "..."
 * after an open document), none before the first document, and a BOM
 * only at the very start. */
static void test_stream_join(void **state)
{
	(void)state;
	gs_yaml_stream_t s = {0};
	append(&s, "# only a comment\n");
	append(&s, "a: 1");
	append(&s, "%YAML 1.1\n---\nb: 2\n");
	append(&s, "# leading comment\n---\nc: 3\n...\n");
	append(&s, "%TAG !e! tag:example.com,2000:\n---\nd: !e!x 4\n");
	append(&s, "\xEF\xBB\xBF" "e: 5\n");
	append(&s, "");
	assert_string_equal(s.text, "# only a comment\n"
				    "a: 1\n"
				    "...\n%YAML 1.1\n---\nb: 2\n"
				    "# leading comment\n---\nc: 3\n...\n"
				    "%TAG !e! tag:example.com,2000:\n---\nd: !e!x 4\n"
				    "---\ne: 5\n");
	/* ... and the result is one stream of five documents */
	gs_yaml_refs_t refs;
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_yaml_refs_scan(s.text, s.len, &refs, &err), 0);
	assert_int_equal(refs.documents, 5);
	gs_yaml_refs_release(&refs);
	free(s.text);
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
		cmocka_unit_test(test_anchor_and_tag_kept),
		cmocka_unit_test(test_error_positions),
		cmocka_unit_test(test_depth_cap),
		cmocka_unit_test(test_stream_join),
		cmocka_unit_test(test_push_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

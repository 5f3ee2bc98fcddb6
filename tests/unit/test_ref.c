#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsimage/oci/ref.h"

static const struct {
	const char *in, *registry, *path, *tag, *full, *name;
} good[] = {
	{"app:static", "docker.io", "library/app", "static", "docker.io/library/app:static",
	 "app:static"},
	{"app", "docker.io", "library/app", "latest", "docker.io/library/app:latest", "app:latest"},
	{"user/app", "docker.io", "user/app", "latest", "docker.io/user/app:latest",
	 "user/app:latest"},
	{"docker.io/app:1", "docker.io", "library/app", "1", "docker.io/library/app:1",
	 "docker.io/app:1"},
	{"index.docker.io/x/y:z", "docker.io", "x/y", "z", "docker.io/x/y:z",
	 "index.docker.io/x/y:z"},
	{"localhost:5000/a/b:t", "localhost:5000", "a/b", "t", "localhost:5000/a/b:t",
	 "localhost:5000/a/b:t"},
	{"localhost/app", "localhost", "app", "latest", "localhost/app:latest",
	 "localhost/app:latest"},
	{"127.0.0.1:5000/app:static", "127.0.0.1:5000", "app", "static",
	 "127.0.0.1:5000/app:static", "127.0.0.1:5000/app:static"},
	{"Registry.Example.com/team/app:v1.2.3-rc_1", "Registry.Example.com", "team/app",
	 "v1.2.3-rc_1", "Registry.Example.com/team/app:v1.2.3-rc_1",
	 "Registry.Example.com/team/app:v1.2.3-rc_1"},
	{"[::1]:5000/app:t", "[::1]:5000", "app", "t", "[::1]:5000/app:t", "[::1]:5000/app:t"},
	{"a/b__c/d-e---f/g.h_i:_", "docker.io", "a/b__c/d-e---f/g.h_i", "_",
	 "docker.io/a/b__c/d-e---f/g.h_i:_", "a/b__c/d-e---f/g.h_i:_"},
	{"localhost:5000", "docker.io", "library/localhost", "5000",
	 "docker.io/library/localhost:5000", "localhost:5000"},
};

static void test_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		gs_ref_t r = GS_REF_INIT;
		gs_error_t err = GS_ERROR_INIT;
		if (gs_ref_parse(good[i].in, &r, &err) < 0)
			fail_msg("'%s': %s", good[i].in, err.msg);
		assert_string_equal(r.given, good[i].in);
		assert_string_equal(r.registry, good[i].registry);
		assert_string_equal(r.path, good[i].path);
		assert_string_equal(r.tag, good[i].tag);
		assert_string_equal(r.full, good[i].full);
		assert_string_equal(r.name, good[i].name);
		gs_ref_release(&r);
		assert_null(r.full);
	}
}

static void expect_bad(const char *in, const char *msg)
{
	gs_ref_t r = GS_REF_INIT;
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_ref_parse(in, &r, &err), -1);
	assert_null(r.full);
	if (strcmp(err.msg, msg) != 0)
		fail_msg("'%s': got \"%s\", want \"%s\"", in, err.msg, msg);
	assert_int_equal(gs_error_exit_status(&err), 2);
	gs_error_release(&err);
}

static void test_invalid(void **state)
{
	(void)state;
	expect_bad("", "invalid reference '': empty; give NAME[:TAG], such as app:latest");
	expect_bad("UPPER/case", "invalid reference 'UPPER/case': repository name must be lowercase");
	expect_bad("App", "invalid reference 'App': repository name must be lowercase");
	expect_bad("a::b", "invalid reference 'a::b': invalid tag ':b' (use letters, "
			     "digits, '_', '.' and '-', not starting with '.' or '-')");
	expect_bad("app:", "invalid reference 'app:': empty tag after ':'");
	expect_bad("app:-x", "invalid reference 'app:-x': invalid tag '-x' (use letters, "
			     "digits, '_', '.' and '-', not starting with '.' or '-')");
	/* "app:a" before a '/' is a registry, as for docker */
	expect_bad("app:a/b", "invalid reference 'app:a/b': invalid registry 'app:a'");
	expect_bad("a/b:c/d", "invalid reference 'a/b:c/d': invalid tag 'c/d' (use letters, "
			     "digits, '_', '.' and '-', not starting with '.' or '-')");
	expect_bad("app@sha256:1111111111111111111111111111111111111111111111111111111111111111",
		   "invalid reference "
		   "'app@sha256:1111111111111111111111111111111111111111111111111111111111111111': "
		   "digests are not accepted, gsimage writes tags; give -t NAME:TAG");
	expect_bad("a//b", "invalid reference 'a//b': repository name has an empty path component");
	expect_bad("a/b/", "invalid reference 'a/b/': repository name has an empty path component");
	expect_bad("/a", "invalid reference '/a': repository name has an empty path component");
	expect_bad("localhost:5000/", "invalid reference 'localhost:5000/': repository name is empty");
	expect_bad(":tag", "invalid reference ':tag': repository name is empty");
	expect_bad("a/-b", "invalid reference 'a/-b': invalid repository name component '-b' (use "
			   "lowercase letters and digits separated by '.', '_', '__' or '-')");
	expect_bad("a..b", "invalid reference 'a..b': invalid repository name component 'a..b' (use "
			   "lowercase letters and digits separated by '.', '_', '__' or '-')");
	expect_bad("a___b", "invalid reference 'a___b': invalid repository name component 'a___b' "
			    "(use lowercase letters and digits separated by '.', '_', '__' or '-')");
	expect_bad("a b", "invalid reference 'a b': invalid repository name component 'a b' (use "
			  "lowercase letters and digits separated by '.', '_', '__' or '-')");
	expect_bad("-bad.io/app", "invalid reference '-bad.io/app': invalid registry '-bad.io'");
	expect_bad("bad_.io/app", "invalid reference 'bad_.io/app': invalid registry 'bad_.io'");
	expect_bad("host:port/app", "invalid reference 'host:port/app': invalid registry 'host:port'");
	expect_bad("host:/app", "invalid reference 'host:/app': invalid registry 'host:'");
	expect_bad("[]:5/app", "invalid reference '[]:5/app': invalid registry '[]:5'");

	char tag[129 + 3];
	memset(tag, 'x', sizeof(tag));
	memcpy(tag, "x:", 2);
	tag[sizeof(tag) - 1] = '\0'; /* 129-character tag */
	char msg[512];
	snprintf(msg, sizeof(msg), "invalid reference '%s': tag longer than 128 characters", tag);
	expect_bad(tag, msg);
	tag[sizeof(tag) - 2] = '\0'; /* 128 is fine */
	gs_ref_t r = GS_REF_INIT;
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_ref_parse(tag, &r, &err), 0);
	gs_ref_release(&r);

	char name[300];
	memset(name, 'a', sizeof(name));
	name[256] = '\0';
	snprintf(msg, sizeof(msg), "invalid reference '%s': repository name longer than 255 characters",
		 name);
	expect_bad(name, msg);
	name[255] = '\0';
	assert_int_equal(gs_ref_parse(name, &r, &err), 0);
	gs_ref_release(&r);
}

/* Every prefix and a few byte mutations of some references: never crashes,
 * never leaks, always either a full result or an error. */
/* For the sanitizer and valgrind runs (make unit-asan, unit-valgrind):
 * every truncation and byte substitution of a few good references must
 * parse or fail without reading out of bounds or leaking.  The asserts
 * only restate the API contract (a result on success, a message on
 * failure); the bugs this looks for are the ones the sanitizers report. */
static void test_robust(void **state)
{
	(void)state;
	const char *seeds[] = {"localhost:5000/a/b:t", "[::1]:5000/app:t", "a/b__c:x.y-z"};
	char buf[64];
	for (size_t s = 0; s < 3; s++) {
		size_t n = strlen(seeds[s]);
		for (size_t cut = 0; cut <= n; cut++) {
			for (int c = 0; c < 256; c += 7) {
				memcpy(buf, seeds[s], n + 1);
				buf[cut] = '\0';
				if (cut > 0 && c)
					buf[cut - 1] = (char)c;
				gs_ref_t r = GS_REF_INIT;
				gs_error_t err = GS_ERROR_INIT;
				if (gs_ref_parse(buf, &r, &err) == 0)
					assert_non_null(r.full);
				else
					assert_non_null(err.msg);
				gs_ref_release(&r);
				gs_error_release(&err);
			}
		}
	}
}

/* Push destinations: what gs_ref_parse takes for something else. */
static void test_dest(void **state)
{
	(void)state;
	static const char *const ok[] = {"127.0.0.1:5000/app", "localhost:5000/a/b:v1",
					 "registry.example.com/app:1", "app", "app:5000",
					 "user/app:1"};
	static const struct {
		const char *in, *says;
	} bad[] = {
		{"127.0.0.1:5077", "HOST:PORT/NAME[:TAG], e.g. 127.0.0.1:5077/app"},
		{"localhost:5000", "HOST:PORT/NAME"},
		{"registry.example.com:443", "HOST:PORT/NAME"},
		{"127.0.0.1:5000/app@sha256:0123", "give REPO[:TAG]"},
		{"127.0.0.1:5000/App", "lowercase"},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		gs_ref_t r = GS_REF_INIT;
		gs_error_t err = GS_ERROR_INIT;
		assert_int_equal(gs_ref_parse_dest(ok[i], &r, &err), 0);
		gs_ref_release(&r);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		gs_ref_t r = GS_REF_INIT;
		gs_error_t err = GS_ERROR_INIT;
		assert_int_equal(gs_ref_parse_dest(bad[i].in, &r, &err), -1);
		assert_int_equal(gs_error_exit_status(&err), 2);
		if (!strstr(err.msg, bad[i].says))
			fail_msg("'%s': '%s' does not say '%s'", bad[i].in, err.msg, bad[i].says);
		assert_null(strstr(err.msg, "-t NAME"));
		gs_error_release(&err);
		assert_null(r.name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_robust),
		cmocka_unit_test(test_dest),
	};
	return cmocka_run_group_tests_name("ref", tests, NULL, NULL);
}

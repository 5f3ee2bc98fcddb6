/* The exact go build command lines and environments gsimage uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gsimage/toolchain/gobuild.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/strvec.h"

/* The value of KEY in a "K=V" environment vector, or NULL. */
static const char *env_get(const gs_strvec_t *env, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->v[i], key, n) == 0 && env->v[i][n] == '=')
			return env->v[i] + n + 1;
	return NULL;
}

static char *joined(gs_strvec_t *sv)
{
	return gs_strvec_join(sv, " | ");
}

static gs_gobuild_t base(const char *platform)
{
	gs_gobuild_t b = {
		.platform = gs_platform_find(platform),
		.compiler = GS_COMPILER_GC,
		.go = "/usr/bin/go",
		.output = "/out/app",
		.package = ".",
	};
	return b;
}

static void test_argv_pure_go(void **state)
{
	(void)state;
	gs_gobuild_t b = base("linux/amd64");
	cleanup_strvec gs_strvec_t argv = GS_STRVEC_INIT;
	gs_gobuild_argv(&b, &argv);
	cleanup_free char *s = joined(&argv);
	assert_string_equal(s, "/usr/bin/go | build | -trimpath | -o=/out/app | -ldflags=-s -w | -- | .");
}

static void test_argv_cgo_static(void **state)
{
	(void)state;
	gs_gobuild_t b = base("linux/arm64");
	b.cgo = 1;
	b.cc = "/cache/cc/zig-cc-aarch64-linux-musl";
	cleanup_strvec gs_strvec_t argv = GS_STRVEC_INIT;
	gs_gobuild_argv(&b, &argv);
	cleanup_free char *s = joined(&argv);
	assert_string_equal(s, "/usr/bin/go | build | -trimpath | -o=/out/app | "
			       "-ldflags=-s -w -linkmode=external -extldflags \"-static -s\" | -- | .");
}

static void test_argv_user_flags_appended(void **state)
{
	(void)state;
	gs_gobuild_t b = base("linux/amd64");
	b.cgo = 1;
	b.tags = "netgo osusergo";
	b.ldflags = "-X main.version=1.2.3";
	b.gcflags = "all=-N";
	b.package = "./cmd/app";
	cleanup_strvec gs_strvec_t argv = GS_STRVEC_INIT;
	gs_gobuild_argv(&b, &argv);
	cleanup_free char *s = joined(&argv);
	assert_string_equal(s, "/usr/bin/go | build | -trimpath | -o=/out/app | -tags=netgo osusergo | "
			       "-gcflags=all=-N | -ldflags=-s -w -linkmode=external "
			       "-extldflags \"-static -s\" -X main.version=1.2.3 | -- | ./cmd/app");
}

static void test_argv_gccgo(void **state)
{
	(void)state;
	gs_gobuild_t b = base("linux/amd64");
	b.compiler = GS_COMPILER_GCCGO;
	b.cgo = 1;
	b.gccgo = "/usr/bin/gccgo";
	cleanup_strvec gs_strvec_t argv = GS_STRVEC_INIT;
	gs_gobuild_argv(&b, &argv);
	cleanup_free char *s = joined(&argv);
	assert_string_equal(s, "/usr/bin/go | build | -trimpath | -o=/out/app | -compiler=gccgo | "
			       "-gccgoflags=-static -s | -- | .");
}

static void test_env(void **state)
{
	(void)state;
	char *base_env[] = {"HOME=/root", "CGO_ENABLED=0", "GOARCH=mips", "PATH=/bin", NULL};
	gs_gobuild_t b = base("linux/arm/v7");
	b.cgo = 1;
	b.cc = "/cc/zig-cc-arm-linux-musleabihf";
	b.zig_cache = "/cache/zig";
	cleanup_strvec gs_strvec_t env = GS_STRVEC_INIT;
	gs_gobuild_env(&b, base_env, &env);
	assert_string_equal(env_get(&env, "HOME"), "/root");
	assert_string_equal(env_get(&env, "PATH"), "/bin");
	assert_string_equal(env_get(&env, "GOOS"), "linux");
	assert_string_equal(env_get(&env, "GOARCH"), "arm");
	assert_string_equal(env_get(&env, "GOARM"), "7");
	assert_string_equal(env_get(&env, "CGO_ENABLED"), "1");
	assert_string_equal(env_get(&env, "CC"), "/cc/zig-cc-arm-linux-musleabihf");
	assert_string_equal(env_get(&env, "ZIG_GLOBAL_CACHE_DIR"), "/cache/zig");
	assert_string_equal(env_get(&env, "ZIG_LOCAL_CACHE_DIR"), "/cache/zig");
	assert_null(env_get(&env, "GCCGO"));
	/* Each key appears once: overrides replace, never duplicate. */
	size_t count = 0;
	for (size_t i = 0; i < env.n; i++)
		count += strncmp(env.v[i], "GOARCH=", 7) == 0;
	assert_int_equal(count, 1);

	cleanup_strvec gs_strvec_t env2 = GS_STRVEC_INIT;
	gs_gobuild_t pure = base("linux/amd64");
	gs_gobuild_env(&pure, base_env, &env2);
	assert_string_equal(env_get(&env2, "CGO_ENABLED"), "0");
	assert_null(env_get(&env2, "CC"));
	assert_null(env_get(&env2, "GOARM"));
}

static void test_golist(void **state)
{
	(void)state;
	cleanup_strvec gs_strvec_t a = GS_STRVEC_INIT;
	gs_golist_cgo_argv("go", ".", &a);
	cleanup_free char *s = joined(&a);
	assert_string_equal(s, "go | list | -deps | -f={{if and .CgoFiles (not .Standard)}}"
			       "{{.ImportPath}}{{end}} | -- | .");
	cleanup_strvec gs_strvec_t m = GS_STRVEC_INIT;
	gs_golist_main_argv("go", "./cmd/x", &m);
	cleanup_free char *t = joined(&m);
	assert_string_equal(t, "go | list | -f={{.Name}}\t{{.ImportPath}}\t{{.Dir}} | -- | ./cmd/x");
}

static void test_binary_name(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{"example.com/hello", "hello"},
		{"example.com/app/cmd/server", "server"},
		{"example.com/app/v2", "app"},
		{"example.com/app/v10", "app"},
		{"example.com/app/v1", "v1"},
		{"example.com/app/v02", "v02"},
		{"example.com/app/vx", "vx"},
		{"hello", "hello"},
		{"example.com/app/", "app"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cleanup_free char *n = gs_gobuild_binary_name(cases[i][0]);
		assert_string_equal(n, cases[i][1]);
	}
}

static void test_parse_enums(void **state)
{
	(void)state;
	gs_error_t err = GS_ERROR_INIT;
	gs_cgo_mode_t m;
	gs_go_compiler_t c;
	assert_int_equal(gs_cgo_mode_parse("auto", &m, &err), 0);
	assert_int_equal(m, GS_CGO_AUTO);
	assert_int_equal(gs_cgo_mode_parse("off", &m, &err), 0);
	assert_int_equal(m, GS_CGO_OFF);
	assert_int_equal(gs_cgo_mode_parse("yes", &m, &err), -1);
	assert_int_equal(gs_error_exit_status(&err), GS_EXIT_USAGE);
	gs_error_release(&err);
	assert_int_equal(gs_go_compiler_parse("gollvm", &c, &err), 0);
	assert_int_equal(c, GS_COMPILER_GOLLVM);
	assert_string_equal(gs_go_compiler_name(c), "gollvm");
	assert_int_equal(gs_go_compiler_parse("tinygo", &c, &err), -1);
	assert_non_null(strstr(err.msg, "gc, gccgo or gollvm"));
	gs_error_release(&err);
}

static void test_zig_wrapper(void **state)
{
	(void)state;
	cleanup_free char *s = gs_zig_cc_wrapper_script("/opt/zig/zig", "aarch64-linux-musl");
	assert_non_null(strstr(s, "#!/bin/sh\n"));
	assert_non_null(strstr(s, "exec '/opt/zig/zig' cc -target aarch64-linux-musl \"$@\"\n"));
	cleanup_free char *q = gs_zig_cc_wrapper_script("/it's/zig", "x86_64-linux-musl");
	assert_non_null(strstr(q, "exec '/it'\\''s/zig' cc"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv_pure_go),
		cmocka_unit_test(test_argv_cgo_static),
		cmocka_unit_test(test_argv_user_flags_appended),
		cmocka_unit_test(test_argv_gccgo),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_golist),
		cmocka_unit_test(test_binary_name),
		cmocka_unit_test(test_parse_enums),
		cmocka_unit_test(test_zig_wrapper),
	};
	return cmocka_run_group_tests_name("gobuild", tests, NULL, NULL);
}

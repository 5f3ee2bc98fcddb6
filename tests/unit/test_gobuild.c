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
	b.cc = "zig-cc-aarch64-linux-musl-0.11.0-w2";
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

/* --pie: -buildmode=pie, the static-PIE link, and the ldflags carry a
 * package pattern (so that go 1.19 links runtime/cgo, see gobuild.c). */
static void test_argv_pie(void **state)
{
	(void)state;
	gs_gobuild_t b = base("linux/arm64");
	b.cgo = 1;
	b.pie = 1;
	b.cc_kind = GS_CC_ZIG;
	b.cc = "zig-cc-aarch64-linux-musl-0.11.0-w2";
	cleanup_strvec gs_strvec_t argv = GS_STRVEC_INIT;
	gs_gobuild_argv(&b, &argv);
	cleanup_free char *s = joined(&argv);
	assert_string_equal(s, "/usr/bin/go | build | -trimpath | -buildmode=pie | -o=/out/app | "
			       "-ldflags=.=-s -w -linkmode=external -extldflags \"-static -pie -s "
			       "-Wl,-z,relro,-z,now\" | -- | .");

	/* Any other C compiler gets GCC's spelling; a pure Go program gets
	 * netgo,osusergo before the user's tags (spaces become commas). */
	gs_gobuild_t c = base("linux/amd64");
	c.cgo = 1;
	c.pie = 1;
	c.pie_pure_go = 1;
	c.cc_kind = GS_CC_PATH;
	c.cc = "/usr/bin/clang";
	c.tags = "foo bar,baz";
	c.ldflags = "-X main.v=1";
	c.package = "example.com/app";
	cleanup_strvec gs_strvec_t argv2 = GS_STRVEC_INIT;
	gs_gobuild_argv(&c, &argv2);
	cleanup_free char *t = joined(&argv2);
	assert_string_equal(t, "/usr/bin/go | build | -trimpath | -buildmode=pie | -o=/out/app | "
			       "-tags=netgo,osusergo,foo,bar,baz | -ldflags=example.com/app=-s -w "
			       "-linkmode=external -extldflags \"-static-pie -s -Wl,-z,relro,-z,now\" "
			       "-X main.v=1 | -- | example.com/app");

	/* Without --tags, $GOFLAGS' -tags would be lost: merged instead. */
	c.tags = NULL;
	c.goflags_tags = "prod";
	cleanup_strvec gs_strvec_t argv3 = GS_STRVEC_INIT;
	gs_gobuild_argv(&c, &argv3);
	assert_string_equal(argv3.v[5], "-tags=netgo,osusergo,prod");
}

/* The tags go build gets, which go list must get too (the SBOM's cgo
 * packages): a pure-Go static-PIE drops net's and os/user's cgo files. */
static void test_tags(void **state)
{
	(void)state;
	gs_gobuild_t b = base("linux/amd64");
	assert_null(gs_gobuild_tags(&b));
	b.goflags_tags = "prod"; /* no -tags: go reads $GOFLAGS itself */
	assert_null(gs_gobuild_tags(&b));
	b.tags = "";
	assert_null(gs_gobuild_tags(&b));
	b.tags = "a b";
	cleanup_free char *user = gs_gobuild_tags(&b);
	assert_string_equal(user, "a b");
	b.cgo = b.pie = 1; /* a static-PIE of a cgo program keeps the user's */
	cleanup_free char *cgo_pie = gs_gobuild_tags(&b);
	assert_string_equal(cgo_pie, "a b");
	b.pie_pure_go = 1;
	cleanup_free char *pure = gs_gobuild_tags(&b);
	assert_string_equal(pure, "netgo,osusergo,a,b");
	b.tags = NULL;
	cleanup_free char *goflags = gs_gobuild_tags(&b);
	assert_string_equal(goflags, "netgo,osusergo,prod");
	b.compiler = GS_COMPILER_GCCGO; /* no -buildmode=pie there */
	assert_null(gs_gobuild_tags(&b));
	/* and go build's argv carries exactly that */
	b.compiler = GS_COMPILER_GC;
	cleanup_strvec gs_strvec_t argv = GS_STRVEC_INIT;
	gs_gobuild_argv(&b, &argv);
	cleanup_free char *s = joined(&argv);
	assert_non_null(strstr(s, " | -tags=netgo,osusergo,prod | "));
}

static void test_pie_supported(void **state)
{
	(void)state;
	size_t n;
	const gs_platform_t *t = gs_platform_table(&n);
	size_t yes = 0;
	for (size_t i = 0; i < n; i++)
		yes += gs_gobuild_pie_supported(&t[i]) ? 1 : 0;
	assert_true(gs_gobuild_pie_supported(gs_platform_find("linux/amd64")));
	assert_true(gs_gobuild_pie_supported(gs_platform_find("linux/arm64")));
	assert_true(gs_gobuild_pie_supported(gs_platform_find("linux/arm/v7")));
	assert_true(gs_gobuild_pie_supported(gs_platform_find("linux/riscv64")));
	assert_true(gs_gobuild_pie_supported(gs_platform_find("linux/ppc64le")));
	assert_false(gs_gobuild_pie_supported(gs_platform_find("linux/386")));
	assert_int_equal(yes, n - 1);
}

/* $GOFLAGS' -ldflags reach the binary: after gsimage's, before --ldflags
 * (for -X, the last one wins). */
static void test_argv_goflags_ldflags(void **state)
{
	(void)state;
	gs_gobuild_t b = base("linux/amd64");
	b.goflags_ldflags = "-X=main.version=1.0";
	cleanup_strvec gs_strvec_t argv = GS_STRVEC_INIT;
	gs_gobuild_argv(&b, &argv);
	assert_string_equal(argv.v[4], "-ldflags=-s -w -X=main.version=1.0");

	b.ldflags = "-X main.commit=abc";
	cleanup_strvec gs_strvec_t argv2 = GS_STRVEC_INIT;
	gs_gobuild_argv(&b, &argv2);
	assert_string_equal(argv2.v[4], "-ldflags=-s -w -X=main.version=1.0 -X main.commit=abc");
}

static void test_goflags_value(void **state)
{
	(void)state;
	static const char *const cases[][3] = {
		{NULL, "ldflags", NULL},
		{"", "ldflags", NULL},
		{"-mod=mod", "ldflags", NULL},
		{"-ldflags=-X=main.v=1", "ldflags", "-X=main.v=1"},
		{"  --ldflags=-w\t-mod=vendor ", "ldflags", "-w"},
		{"-ldflags=-w -ldflags=-s", "ldflags", "-s"}, /* the last one wins */
		{"-ldflags", "ldflags", NULL},                /* no value */
		{"-ldflagsx=1 -xldflags=2", "ldflags", NULL},
		{"-ldflags=", "ldflags", ""},
		{"-tags=a,b -trimpath", "tags", "a,b"},
		{"ldflags=-w", "ldflags", NULL}, /* not a flag: go refuses it */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cleanup_free char *v = gs_goflags_value(cases[i][0], cases[i][1]);
		if (!cases[i][2]) {
			if (v)
				fail_msg("case %zu: '%s' gave '%s', want none", i, cases[i][0], v);
		} else {
			if (!v)
				fail_msg("case %zu: '%s' gave none, want '%s'", i, cases[i][0],
					 cases[i][2]);
			assert_string_equal(v, cases[i][2]);
		}
	}
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
	b.cc = "zig-cc-arm-linux-musleabihf-0.11.0";
	b.cc_dir = "/cache/cc/0123456789abcdef";
	b.zig_cache = "/cache/zig";
	cleanup_strvec gs_strvec_t env = GS_STRVEC_INIT;
	gs_gobuild_env(&b, base_env, &env);
	assert_string_equal(gs_strvec_getenv(&env, "HOME"), "/root");
	/* CC is a name, found first in PATH: see gs_zig_cc_init(). */
	assert_string_equal(gs_strvec_getenv(&env, "PATH"), "/cache/cc/0123456789abcdef:/bin");
	assert_string_equal(gs_strvec_getenv(&env, "GOOS"), "linux");
	assert_string_equal(gs_strvec_getenv(&env, "GOARCH"), "arm");
	assert_string_equal(gs_strvec_getenv(&env, "GOARM"), "7");
	assert_string_equal(gs_strvec_getenv(&env, "CGO_ENABLED"), "1");
	assert_string_equal(gs_strvec_getenv(&env, "CC"), "zig-cc-arm-linux-musleabihf-0.11.0");
	assert_string_equal(gs_strvec_getenv(&env, "CXX"), "zig-cc-arm-linux-musleabihf-0.11.0");
	assert_string_equal(gs_strvec_getenv(&env, "ZIG_GLOBAL_CACHE_DIR"), "/cache/zig");
	assert_string_equal(gs_strvec_getenv(&env, "ZIG_LOCAL_CACHE_DIR"), "/cache/zig");
	assert_null(gs_strvec_getenv(&env, "GCCGO"));
	/* Each key appears once: overrides replace, never duplicate. */
	size_t count = 0;
	for (size_t i = 0; i < env.n; i++)
		count += strncmp(env.v[i], "GOARCH=", 7) == 0;
	assert_int_equal(count, 1);

	cleanup_strvec gs_strvec_t env2 = GS_STRVEC_INIT;
	gs_gobuild_t pure = base("linux/amd64");
	gs_gobuild_env(&pure, base_env, &env2);
	assert_string_equal(gs_strvec_getenv(&env2, "CGO_ENABLED"), "0");
	assert_null(gs_strvec_getenv(&env2, "CC"));
	assert_null(gs_strvec_getenv(&env2, "GOARM"));
	assert_string_equal(gs_strvec_getenv(&env2, "PATH"), "/bin");

	/* No PATH at all: execvp's default after the wrapper's directory. */
	char *no_path[] = {"HOME=/root", NULL};
	cleanup_strvec gs_strvec_t env3 = GS_STRVEC_INIT;
	gs_gobuild_env(&b, no_path, &env3);
	assert_string_equal(gs_strvec_getenv(&env3, "PATH"),
			    "/cache/cc/0123456789abcdef:/usr/local/bin:/usr/bin:/bin");
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

/* --optimize: C flags for cgo builds only, C++ flags never touched, the
 * user's CGO_CFLAGS kept as they are. */
static void test_env_optimize(void **state)
{
	(void)state;
	char *base_env[] = {"PATH=/bin", "CGO_CXXFLAGS=-O1 -g", NULL};
	gs_gobuild_t b = base("linux/amd64");
	b.cgo = 1;
	b.cc = "zig-cc-x86_64-linux-musl-0.11.0";

	b.optimize = GS_OPTIMIZE_SIZE;
	cleanup_strvec gs_strvec_t size = GS_STRVEC_INIT;
	gs_gobuild_env(&b, base_env, &size);
	assert_string_equal(gs_strvec_getenv(&size, "CGO_CFLAGS"),
			    "-Oz -Xclang -Oz -ffunction-sections -fdata-sections "
			    "-fno-asynchronous-unwind-tables -fno-unwind-tables");
	assert_string_equal(gs_strvec_getenv(&size, "CGO_CXXFLAGS"), "-O1 -g");

	/* -Xclang is zig's (clang's) alone: gcc gets -Os. */
	for (int k = GS_CC_MUSL_GCC; k <= GS_CC_PATH; k++) {
		b.cc_kind = (gs_cc_kind_t)k;
		cleanup_strvec gs_strvec_t gcc = GS_STRVEC_INIT;
		gs_gobuild_env(&b, base_env, &gcc);
		assert_string_equal(gs_strvec_getenv(&gcc, "CGO_CFLAGS"),
				    "-Os -ffunction-sections -fdata-sections "
				    "-fno-asynchronous-unwind-tables -fno-unwind-tables");
		assert_null(strstr(gs_strvec_getenv(&gcc, "CGO_CFLAGS"), "-Xclang"));
	}
	b.cc_kind = GS_CC_ZIG;

	b.optimize = GS_OPTIMIZE_SPEED;
	cleanup_strvec gs_strvec_t speed = GS_STRVEC_INIT;
	gs_gobuild_env(&b, base_env, &speed);
	assert_string_equal(gs_strvec_getenv(&speed, "CGO_CFLAGS"),
			    "-O2 -ffunction-sections -fdata-sections");
	assert_null(strstr(gs_strvec_getenv(&speed, "CGO_CFLAGS"), "unwind"));
	assert_string_equal(gs_strvec_getenv(&speed, "CGO_CXXFLAGS"), "-O1 -g");

	/* No CGO_CXXFLAGS in the base: none added, whatever the mode. */
	char *plain[] = {"PATH=/bin", NULL};
	b.optimize = GS_OPTIMIZE_SIZE;
	cleanup_strvec gs_strvec_t nocxx = GS_STRVEC_INIT;
	gs_gobuild_env(&b, plain, &nocxx);
	assert_null(gs_strvec_getenv(&nocxx, "CGO_CXXFLAGS"));
	assert_non_null(gs_strvec_getenv(&nocxx, "CGO_CFLAGS"));

	/* The user's CGO_CFLAGS win, in either mode; each key once. */
	char *user_env[] = {"PATH=/bin", "CGO_CFLAGS=-O3 -march=native", NULL};
	b.user_cgo_cflags = 1;
	for (int m = GS_OPTIMIZE_SIZE; m <= GS_OPTIMIZE_SPEED; m++) {
		b.optimize = (gs_optimize_t)m;
		cleanup_strvec gs_strvec_t user = GS_STRVEC_INIT;
		gs_gobuild_env(&b, user_env, &user);
		assert_string_equal(gs_strvec_getenv(&user, "CGO_CFLAGS"), "-O3 -march=native");
		size_t count = 0;
		for (size_t i = 0; i < user.n; i++)
			count += strncmp(user.v[i], "CGO_CFLAGS=", 11) == 0;
		assert_int_equal(count, 1);
	}

	/* Pure Go, or Go's own default: the environment is left alone. */
	b.user_cgo_cflags = 0;
	b.cgo = 0;
	cleanup_strvec gs_strvec_t pure = GS_STRVEC_INIT;
	gs_gobuild_env(&b, plain, &pure);
	assert_null(gs_strvec_getenv(&pure, "CGO_CFLAGS"));
	b.cgo = 1;
	b.optimize = GS_OPTIMIZE_GO;
	cleanup_strvec gs_strvec_t godef = GS_STRVEC_INIT;
	gs_gobuild_env(&b, plain, &godef);
	assert_null(gs_strvec_getenv(&godef, "CGO_CFLAGS"));
}

static void test_optimize_parse(void **state)
{
	(void)state;
	gs_error_t err = GS_ERROR_INIT;
	gs_optimize_t m = GS_OPTIMIZE_GO;
	assert_int_equal(gs_optimize_parse("size", &m, &err), 0);
	assert_int_equal(m, GS_OPTIMIZE_SIZE);
	assert_string_equal(gs_optimize_name(m), "size");
	assert_int_equal(gs_optimize_parse("speed", &m, &err), 0);
	assert_int_equal(m, GS_OPTIMIZE_SPEED);
	assert_string_equal(gs_optimize_name(m), "speed");
	assert_null(gs_optimize_name(GS_OPTIMIZE_GO));
	assert_null(gs_optimize_cflags(GS_OPTIMIZE_GO, GS_CC_ZIG));
	assert_int_equal(gs_optimize_parse("O3", &m, &err), -1);
	assert_int_equal(gs_error_exit_status(&err), GS_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "use size or speed"));
	gs_error_release(&err);
}

/* The wrapper: its name (CC) depends on the zig version and target only,
 * never on where zig or the cache is; its directory on everything in the
 * script, so two zigs never share one. */
static void test_zig_wrapper(void **state)
{
	(void)state;
	gs_zig_cc_t a, b, c, d;
	gs_zig_cc_init(&a, "/opt/zig/zig", "0.11.0", "/opt/zig/lib", "aarch64-linux-musl");
	assert_string_equal(a.name, "zig-cc-aarch64-linux-musl-0.11.0-w2");
	assert_non_null(strstr(a.script, "#!/bin/sh\n"));
	/* zig's own directory is mapped away, so its headers' paths do not
	 * reach Go's build ID. */
	assert_non_null(strstr(a.script, "exec '/opt/zig/zig' cc -target aarch64-linux-musl "
					 "'-ffile-prefix-map=/opt/zig/lib=/zig/lib' \"$@\"\n"));
	assert_non_null(strstr(a.script, "zig 0.11.0"));
	assert_int_equal(strlen(a.subdir), strlen("cc/") + 32);
	assert_int_equal(strncmp(a.subdir, "cc/", 3), 0);
	assert_int_equal(strspn(a.subdir + 3, "0123456789abcdef"), 32);

	/* Another zig of the same version: same CC, another directory. */
	gs_zig_cc_init(&b, "/home/u/zig-0.11/zig", "0.11.0", "/home/u/zig-0.11/lib", "aarch64-linux-musl");
	assert_string_equal(b.name, a.name);
	assert_string_not_equal(b.subdir, a.subdir);
	/* Another version: another CC (Go then rebuilds its cgo packages). */
	gs_zig_cc_init(&c, "/opt/zig/zig", "0.12.0-dev.1+abc", "/opt/zig/lib", "aarch64-linux-musl");
	assert_string_equal(c.name, "zig-cc-aarch64-linux-musl-0.12.0-dev.1+abc-w2");
	assert_string_not_equal(c.subdir, a.subdir);
	/* Quotes in the path; odd characters in the version stay out of the name. */
	gs_zig_cc_init(&d, "/it's/zig", "1.0 (x/y)", "/it's/lib", "x86_64-linux-musl");
	assert_non_null(strstr(d.script, "exec '/it'\\''s/zig' cc"));
	assert_non_null(strstr(d.script, "'-ffile-prefix-map=/it'\\''s/lib=/zig/lib'"));
	assert_string_equal(d.name, "zig-cc-x86_64-linux-musl-1.0__x_y_-w2");
	gs_zig_cc_release(&a);
	gs_zig_cc_release(&b);
	gs_zig_cc_release(&c);
	gs_zig_cc_release(&d);
	assert_null(a.name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv_pure_go),
		cmocka_unit_test(test_argv_cgo_static),
		cmocka_unit_test(test_argv_user_flags_appended),
		cmocka_unit_test(test_argv_pie),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_pie_supported),
		cmocka_unit_test(test_argv_goflags_ldflags),
		cmocka_unit_test(test_goflags_value),
		cmocka_unit_test(test_argv_gccgo),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_env_optimize),
		cmocka_unit_test(test_optimize_parse),
		cmocka_unit_test(test_binary_name),
		cmocka_unit_test(test_parse_enums),
		cmocka_unit_test(test_zig_wrapper),
	};
	return cmocka_run_group_tests_name("gobuild", tests, NULL, NULL);
}

/* The compile stage's plan: pure functions of the options, the tools'
 * answers and an environment handed in, so every key, argv and environment
 * a build would run is checked here without running anything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gsimage/toolchain/plan.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/strvec.h"
#include "gsimage/util/xalloc.h"

static char *const base_env[] = {"PATH=/usr/bin:/bin", "HOME=/home/u", "FOO=bar", NULL};

/* A two-platform stable-output build of example.com/app with zig. */
struct world {
	const gs_platform_t *plats[2];
	gs_compile_opts_t o;
	gs_cgo_choice_t cgo[2];
	gs_plan_input_t in;
	gs_plan_job_t jobs[2];
};

static void world_init(struct world *w)
{
	memset(w, 0, sizeof *w);
	w->plats[0] = gs_platform_find("linux/amd64");
	w->plats[1] = gs_platform_find("linux/arm64");
	assert_non_null(w->plats[0]);
	assert_non_null(w->plats[1]);
	w->o = (gs_compile_opts_t){
		.platforms = w->plats, .n_platforms = 2, .package = ".", .cc_kind = GS_CC_ZIG,
		.cgo = GS_CGO_AUTO, .compiler = GS_COMPILER_GC, .cache_dir = "/c",
		.stable_output = 1,
	};
	w->in = (gs_plan_input_t){
		.opts = &w->o, .environ = base_env, .name = "app", .go = "/usr/bin/go",
		.go_version = "go1.22.1", .cwd = "/src/app", .pkg = ".", .go_tmp = "/c/out/tmp/run-1",
		.zig = "/z/zig", .zig_version = "0.11.0", .zig_lib = "/z/lib", .cgo = w->cgo,
		.pid = 42,
	};
}

static void world_plan(struct world *w)
{
	gs_plan_jobs(&w->in, w->jobs);
}

static void world_release(struct world *w)
{
	for (size_t i = 0; i < 2; i++)
		gs_plan_job_release(&w->jobs[i]);
}

static int has_arg(const gs_strvec_t *v, const char *want)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i], want) == 0)
			return 1;
	return 0;
}

static const char *arg_prefixed(const gs_strvec_t *v, const char *prefix)
{
	for (size_t i = 0; i < v->n; i++)
		if (strncmp(v->v[i], prefix, strlen(prefix)) == 0)
			return v->v[i] + strlen(prefix);
	return NULL;
}

static void test_keys_per_platform(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	world_plan(&w);
	assert_non_null(w.jobs[0].key_dir);
	assert_true(strncmp(w.jobs[0].key_dir, "/c/out/", 7) == 0);
	assert_string_not_equal(w.jobs[0].key_dir, w.jobs[1].key_dir);
	/* a stable output: go writes the kept path itself */
	assert_string_equal(w.jobs[0].tmp, w.jobs[0].final);
	cleanup_free char *want = x_asprintf("%s/app-linux-arm64-v8", w.jobs[1].key_dir);
	assert_string_equal(w.jobs[1].final, want);
	/* the same input, the same key */
	cleanup_free char *again = gs_plan_key_dir(&w.in, w.plats[0], &w.cgo[0], NULL, "app-linux-amd64");
	assert_string_equal(again, w.jobs[0].key_dir);
	world_release(&w);
}

static void test_key_follows_go_version_and_cgo(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	cleanup_free char *k1 = gs_plan_key_dir(&w.in, w.plats[0], &w.cgo[0], NULL, "app-linux-amd64");
	w.in.go_version = "go1.22.2";
	cleanup_free char *k2 = gs_plan_key_dir(&w.in, w.plats[0], &w.cgo[0], NULL, "app-linux-amd64");
	assert_string_not_equal(k1, k2);
	gs_cgo_choice_t on = {.cgo = 1};
	cleanup_free char *k3 = gs_plan_key_dir(&w.in, w.plats[0], &on, NULL, "app-linux-amd64");
	assert_string_not_equal(k2, k3);
	w.o.tags = "netgo";
	cleanup_free char *k4 = gs_plan_key_dir(&w.in, w.plats[0], &on, NULL, "app-linux-amd64");
	assert_string_not_equal(k3, k4);
}

static void test_cgo_env_per_platform(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	w.cgo[1].cgo = 1; /* arm64 only, as its go list decided */
	world_plan(&w);
	const gs_strvec_t *amd = &w.jobs[0].env, *arm = &w.jobs[1].env;
	assert_string_equal(gs_strvec_getenv(amd, "CGO_ENABLED"), "0");
	assert_null(gs_strvec_getenv(amd, "CC"));
	assert_null(w.jobs[0].marker);
	assert_null(w.jobs[0].zig_cc.name);
	assert_string_equal(gs_strvec_getenv(arm, "CGO_ENABLED"), "1");
	assert_string_equal(gs_strvec_getenv(arm, "GOARCH"), "arm64");
	assert_string_equal(gs_strvec_getenv(amd, "GOARCH"), "amd64");
	/* CC is the wrapper's name, found first in PATH */
	assert_non_null(w.jobs[1].zig_cc.name);
	assert_string_equal(gs_strvec_getenv(arm, "CC"), w.jobs[1].zig_cc.name);
	cleanup_free char *path = x_asprintf("%s:/usr/bin:/bin", w.jobs[1].cc_dir);
	assert_string_equal(gs_strvec_getenv(arm, "PATH"), path);
	assert_string_equal(gs_strvec_getenv(arm, "ZIG_GLOBAL_CACHE_DIR"), "/c/zig");
	assert_string_equal(w.jobs[1].marker, "/c/zig/gsimage-libc-aarch64-linux-musl.done");
	/* the environment handed in, and nothing of the process's own */
	assert_string_equal(gs_strvec_getenv(amd, "FOO"), "bar");
	assert_string_equal(gs_strvec_getenv(amd, "GOTMPDIR"), "/c/out/tmp/run-1");
	assert_null(gs_strvec_getenv(amd, "USER"));
	assert_null(gs_strvec_getenv(amd, "TERM"));
	/* the key says cgo too: on and off are other binaries */
	assert_string_not_equal(w.jobs[0].key_dir, w.jobs[1].key_dir);
	assert_true(strstr(w.jobs[1].announce, "cgo with zig cc") != NULL);
	assert_true(strstr(w.jobs[0].announce, "pure Go") != NULL);
	world_release(&w);
}

static void test_argv(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	w.o.ldflags = "-X main.v=1";
	w.cgo[1].cgo = 1;
	world_plan(&w);
	const gs_strvec_t *a = &w.jobs[0].argv;
	assert_string_equal(a->v[0], "/usr/bin/go");
	assert_string_equal(a->v[1], "build");
	assert_true(has_arg(a, "-trimpath"));
	assert_false(has_arg(a, "-buildmode=pie"));
	assert_string_equal(arg_prefixed(a, "-ldflags="), "-s -w -X main.v=1");
	cleanup_free char *o = x_asprintf("-o=%s", w.jobs[0].final);
	assert_true(has_arg(a, o));
	assert_string_equal(a->v[a->n - 1], ".");
	/* cgo: an external static link */
	assert_string_equal(arg_prefixed(&w.jobs[1].argv, "-ldflags="),
			    "-s -w -linkmode=external -extldflags \"-static -s\" -X main.v=1");
	world_release(&w);
}

static void test_temp_outputs(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	w.o.stable_output = 0;
	w.in.out_dir = "/out";
	world_plan(&w);
	assert_null(w.jobs[0].key_dir);
	assert_string_equal(w.jobs[0].final, "/out/app-linux-amd64");
	assert_string_equal(w.jobs[0].tmp, "/out/.app-linux-amd64.tmp-42");
	assert_null(gs_strvec_getenv(&w.jobs[0].env, "GOTMPDIR"));
	world_release(&w);
}

static void test_pie(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	w.o.pie = 1;
	gs_golist_t pure = GS_GOLIST_INIT, cgo = GS_GOLIST_INIT;
	cgo.uses_cgo = 1;
	w.cgo[0] = gs_plan_cgo(&w.o, &pure);
	w.cgo[1] = gs_plan_cgo(&w.o, &cgo);
	assert_true(w.cgo[0].cgo && w.cgo[0].pie_pure_go);
	assert_true(w.cgo[1].cgo && !w.cgo[1].pie_pure_go);
	world_plan(&w);
	assert_true(has_arg(&w.jobs[0].argv, "-buildmode=pie"));
	assert_string_equal(arg_prefixed(&w.jobs[0].argv, "-tags="), "netgo,osusergo");
	assert_null(arg_prefixed(&w.jobs[1].argv, "-tags="));
	assert_string_equal(w.jobs[0].marker, "/c/zig/gsimage-libc-x86_64-linux-musl-pie.done");
	assert_true(strstr(w.jobs[0].announce, "pure Go linked with zig cc, static-PIE") != NULL);
	world_release(&w);
}

static void test_cgo_choice(void **state)
{
	(void)state;
	gs_compile_opts_t o = {.cgo = GS_CGO_AUTO, .compiler = GS_COMPILER_GC};
	gs_golist_t pure = GS_GOLIST_INIT, cgo = GS_GOLIST_INIT;
	cgo.uses_cgo = 1;
	assert_int_equal(gs_plan_cgo(&o, &pure).cgo, 0);
	assert_int_equal(gs_plan_cgo(&o, &cgo).cgo, 1);
	o.cgo = GS_CGO_OFF;
	assert_int_equal(gs_plan_cgo(&o, &cgo).cgo, 0);
	o.cgo = GS_CGO_ON;
	assert_int_equal(gs_plan_cgo(&o, &pure).cgo, 1);
	o.cgo = GS_CGO_AUTO;
	o.compiler = GS_COMPILER_GCCGO; /* links with its C runtime */
	assert_int_equal(gs_plan_cgo(&o, &pure).cgo, 1);
}

static void test_check(void **state)
{
	(void)state;
	const gs_platform_t *amd = gs_platform_find("linux/amd64"), *arm = gs_platform_find("linux/arm64");
	const gs_platform_t *both[] = {amd, arm};
	gs_compile_opts_t o = {.platforms = both, .n_platforms = 2, .compiler = GS_COMPILER_GC,
			       .cgo = GS_CGO_AUTO, .cc_kind = GS_CC_ZIG};
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_plan_check(&o, amd, &err), 0);
	o.compiler = GS_COMPILER_GCCGO; /* host only */
	assert_int_equal(gs_plan_check(&o, amd, &err), -1);
	assert_true(strstr(err.msg, "not linux/arm64") != NULL);
	gs_error_release(&err);
	o.compiler = GS_COMPILER_GC;
	o.pie = 1;
	o.cgo = GS_CGO_OFF;
	assert_int_equal(gs_plan_check(&o, amd, &err), -1);
	assert_true(strstr(err.msg, "--pie") != NULL);
	gs_error_release(&err);
	o.pie = 0;
	o.goflags = "-ldflags=main=-X=a.b=c";
	assert_int_equal(gs_plan_check(&o, amd, &err), -1);
	assert_true(strstr(err.msg, "package pattern") != NULL);
	gs_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_per_platform),
		cmocka_unit_test(test_key_follows_go_version_and_cgo),
		cmocka_unit_test(test_cgo_env_per_platform),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_temp_outputs),
		cmocka_unit_test(test_pie),
		cmocka_unit_test(test_cgo_choice),
		cmocka_unit_test(test_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

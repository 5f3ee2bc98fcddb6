/* Which Go really builds: the memo's key (what the choice reads) and the
 * answer of the real go command, asked once and then remembered.  Also the
 * cache entries that hold such answers (util/cache). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "gsimage/toolchain/goversion.h"
#include "gsimage/util/cache.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/proc.h"
#include "gsimage/util/xalloc.h"

/* A temp directory: cache/, and mod/sub/ inside a module mod/. */
struct fixture {
	char dir[64];
	char *cache, *mod, *sub, *gomod;
};

static void write_text(const char *path, const char *text)
{
	gs_error_t err = GS_ERROR_INIT;
	if (gs_fs_write_atomic(path, text, strlen(text), 0644, &err) < 0)
		fail_msg("writing %s: %s", path, err.msg);
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	strcpy(f->dir, "/tmp/gs-goversion-test.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->cache = gs_path_join(f->dir, "cache");
	f->mod = gs_path_join(f->dir, "mod");
	f->sub = gs_path_join(f->mod, "sub");
	f->gomod = gs_path_join(f->mod, "go.mod");
	mkdir(f->cache, 0755);
	mkdir(f->mod, 0755);
	mkdir(f->sub, 0755);
	write_text(f->gomod, "module example.com/m\n\ngo 1.19\n");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	gs_fs_remove_tree(f->dir);
	free(f->cache);
	free(f->mod);
	free(f->sub);
	free(f->gomod);
	free(f);
	return 0;
}

static void test_key(void **state)
{
	struct fixture *f = *state;
	char *env1[] = {"HOME=/nonexistent", "GOTOOLCHAIN=local", "PATH=/usr/bin", NULL};
	char *env_arch[] = {"HOME=/nonexistent", "GOTOOLCHAIN=local", "PATH=/usr/bin",
			    "GOARCH=arm64", "SHLVL=2", NULL};
	char *env_auto[] = {"HOME=/nonexistent", "GOTOOLCHAIN=auto", "PATH=/usr/bin", NULL};
	cleanup_free char *k1 = gs_go_version_key("/usr/bin/true", f->sub, env1);
	/* The target and shell noise do not choose the Go... */
	cleanup_free char *k2 = gs_go_version_key("/usr/bin/true", f->sub, env_arch);
	assert_string_equal(k1, k2);
	/* ...GOTOOLCHAIN does, */
	cleanup_free char *k3 = gs_go_version_key("/usr/bin/true", f->sub, env_auto);
	assert_string_not_equal(k1, k3);
	/* and so does go.mod's go line, found from a directory below it, */
	write_text(f->gomod, "module example.com/m\n\ngo 1.27\n");
	cleanup_free char *k4 = gs_go_version_key("/usr/bin/true", f->sub, env1);
	assert_string_not_equal(k1, k4);
	/* and a go.work that appears above it. */
	cleanup_free char *gowork = gs_path_join(f->dir, "go.work");
	write_text(gowork, "go 1.27\n\nuse ./mod\n");
	cleanup_free char *k5 = gs_go_version_key("/usr/bin/true", f->sub, env1);
	assert_string_not_equal(k4, k5);
	/* Another go command. */
	cleanup_free char *k6 = gs_go_version_key("/bin/sh", f->sub, env1);
	assert_string_not_equal(k5, k6);
}

/* The real go, through a wrapper that logs each run: asked once, then
 * remembered; asked again when go.mod changes. */
static void test_effective_version_real_go(void **state)
{
	struct fixture *f = *state;
	cleanup_free char *go = gs_proc_which("go", NULL);
	if (!go) {
		print_message("[  SKIP    ] 'go' not in PATH; run 'make bootstrap'\n");
		skip();
	}
	cleanup_free char *log = gs_path_join(f->dir, "go.log");
	cleanup_free char *wrapper = gs_path_join(f->dir, "go-logged");
	cleanup_free char *script = x_asprintf("#!/bin/sh\necho \"$*\" >>'%s'\nexec '%s' \"$@\"\n",
					       log, go);
	write_text(wrapper, script);
	assert_int_equal(chmod(wrapper, 0755), 0);

	/* What go itself says there, GOTOOLCHAIN=local so that nothing is
	 * fetched: the same words. */
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "cd '%s' && GOTOOLCHAIN=local '%s' env GOVERSION", f->sub, go);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char want[64] = "";
	assert_non_null(fgets(want, sizeof want, p));
	pclose(p);
	want[strcspn(want, "\n")] = '\0';
	assert_memory_equal(want, "go1.", 4);

	const char *home = getenv("HOME");
	cleanup_free char *home_env = x_asprintf("HOME=%s", home ? home : "/nonexistent");
	cleanup_free char *path_env = x_asprintf("PATH=%s", getenv("PATH"));
	char *envp[] = {home_env, path_env, "GOTOOLCHAIN=local", "GOFLAGS=", NULL};
	gs_error_t err = GS_ERROR_INIT;
	for (int i = 0; i < 2; i++) {
		cleanup_free char *v = gs_go_effective_version(wrapper, f->sub, envp, f->cache, &err);
		if (!v)
			fail_msg("%s", err.msg);
		assert_string_equal(v, want);
	}
	cleanup_free char *text = NULL;
	assert_int_equal(gs_fs_read_file(log, &text, NULL, &err), 0);
	assert_string_equal(text, "env GOVERSION\n"); /* once */

	/* go.mod changed: asked again. */
	write_text(f->gomod, "module example.com/m\n\ngo 1.19\n\n// edited\n");
	cleanup_free char *v = gs_go_effective_version(wrapper, f->sub, envp, f->cache, &err);
	assert_non_null(v);
	cleanup_free char *text2 = NULL;
	assert_int_equal(gs_fs_read_file(log, &text2, NULL, &err), 0);
	assert_string_equal(text2, "env GOVERSION\nenv GOVERSION\n");

	/* A go that fails says so, in one line, with go's reason. */
	cleanup_free char *bad = gs_go_effective_version("/bin/false", f->sub, envp, NULL, &err);
	assert_null(bad);
	assert_non_null(strstr(err.msg, "'/bin/false env GOVERSION' failed"));
	gs_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_effective_version_real_go, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

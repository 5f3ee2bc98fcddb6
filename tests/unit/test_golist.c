/* go list's answer: its argv, its parsing, and the memo that lets a rebuild
 * start go build without waiting for go list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "gsimage/toolchain/golist.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/proc.h"
#include "gsimage/util/strvec.h"
#include "gsimage/util/xalloc.h"

/* A temp directory: cache/ for the memo, src/ as the package's source. */
struct fixture {
	char dir[64];
	char *cache, *src, *listing;
};

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof *f);
	strcpy(f->dir, "/tmp/gs-golist-test.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->cache = gs_path_join(f->dir, "cache");
	f->src = gs_path_join(f->dir, "src");
	mkdir(f->cache, 0755);
	mkdir(f->src, 0755);
	cleanup_free char *main_go = gs_path_join(f->src, "main.go");
	gs_error_t err = GS_ERROR_INIT;
	if (gs_fs_write_atomic(main_go, "package main\n", 13, 0644, &err) < 0)
		return -1;
	f->listing = x_asprintf("P\truntime/cgo\nM\tmain\texample.com/app\t%s\nP\texample.com/app\n"
				"C\nD\t%s\n", f->src, f->src);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	gs_fs_remove_tree(f->dir);
	free(f->cache);
	free(f->src);
	free(f->listing);
	free(f);
	return 0;
}

static void parse_ok(const char *text, gs_golist_t *l)
{
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_golist_parse(xstrdup(text), "./app", l, &err), 0);
}

static void test_argv(void **state)
{
	(void)state;
	cleanup_strvec gs_strvec_t a = GS_STRVEC_INIT;
	gs_golist_argv("go", ".", "netgo,osusergo", &a);
	cleanup_free char *s = gs_strvec_join(&a, " | ");
	assert_string_equal(s, "go | list | -buildvcs=false | -deps | -tags=netgo,osusergo | "
			       "-f={{if not .DepOnly}}M\t{{.Name}}\t{{.ImportPath}}\t{{.Dir}}\n{{end}}"
			       "{{if .CgoFiles}}P\t{{.ImportPath}}\n{{end}}"
			       "{{if and .CgoFiles (not .Standard)}}C\n{{end}}"
			       "{{if not .Standard}}D\t{{.Dir}}\n{{end}} | -- | .");
}

static void test_parse(void **state)
{
	struct fixture *f = *state;
	gs_golist_t l = GS_GOLIST_INIT;
	parse_ok(f->listing, &l);
	assert_string_equal(l.name, "main");
	assert_string_equal(l.import_path, "example.com/app");
	assert_string_equal(l.dir, f->src);
	assert_true(l.uses_cgo);
	assert_int_equal(l.cgo_packages.n, 2);
	assert_string_equal(l.cgo_packages.v[0], "runtime/cgo");
	assert_string_equal(l.cgo_packages.v[1], "example.com/app");
	assert_int_equal(l.source_dirs.n, 1);
	gs_golist_t same = GS_GOLIST_INIT;
	parse_ok(f->listing, &same);
	assert_true(gs_golist_same(&l, &same));
	gs_golist_t pure = GS_GOLIST_INIT;
	parse_ok("M\tmain\texample.com/app\t/src\nD\t/src\n", &pure);
	assert_false(pure.uses_cgo);
	assert_int_equal(pure.cgo_packages.n, 0);
	assert_false(gs_golist_same(&l, &pure));
	gs_golist_release(&l);
	gs_golist_release(&same);
	gs_golist_release(&pure);
}

static void test_parse_refuses(void **state)
{
	(void)state;
	static const char *const bad[][2] = {
		{"M\tlib\texample.com/lib\t/src\n", "not a main package"},
		{"M\tmain\ta\t/a\nM\tmain\tb\t/b\n", "names several packages"},
		{"D\t/src\n", "names several packages"},
		{"M\tmain\tno-dir\n", "names several packages"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		gs_golist_t l = GS_GOLIST_INIT;
		gs_error_t err = GS_ERROR_INIT;
		assert_int_equal(gs_golist_parse(xstrdup(bad[i][0]), "./app", &l, &err), -1);
		assert_non_null(strstr(err.msg, bad[i][1]));
		gs_error_release(&err);
		gs_golist_release(&l);
	}
}

/* listed_at: a listing that began after every source file was written. */
static struct timespec later(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += 10;
	return t;
}

static void test_memo_round_trip(void **state)
{
	struct fixture *f = *state;
	char *envp[] = {"GOFLAGS=-mod=mod", "PATH=/usr/bin", "SHLVL=3", NULL};
	char *argv[] = {"go", "list", ".", NULL};
	cleanup_free char *key = gs_golist_memo_key("/usr/bin/go", "go1.26.8", argv, envp, f->src);
	gs_golist_t l = GS_GOLIST_INIT;
	parse_ok(f->listing, &l);
	struct timespec t = later();
	gs_golist_memo_store(f->cache, key, &l, "/out/app", "ID/one", &t);

	gs_golist_memo_t m;
	assert_int_equal(gs_golist_memo_load(f->cache, key, &m), 1);
	assert_true(gs_golist_same(&m.list, &l));
	assert_string_equal(m.list.import_path, "example.com/app");
	assert_true(gs_golist_memo_valid(&m, "/out/app", "ID/one"));
	/* Another build ID, another binary, no build ID: not valid. */
	assert_false(gs_golist_memo_valid(&m, "/out/app", "ID/two"));
	assert_false(gs_golist_memo_valid(&m, "/out/other", "ID/one"));
	assert_false(gs_golist_memo_valid(&m, "/out/app", NULL));
	/* A new file in a source directory (a cgo file a CGO_ENABLED=0 build
	 * skips would not change the binary): not valid. */
	cleanup_free char *c_go = gs_path_join(f->src, "c.go");
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_fs_write_atomic(c_go, "package main\n", 13, 0644, &err), 0);
	assert_false(gs_golist_memo_valid(&m, "/out/app", "ID/one"));
	gs_golist_memo_release(&m);

	/* A symlinked file: go reads through the link, so a change to what
	 * it names (and to nothing in the directory) counts too. */
	cleanup_free char *shared = gs_path_join(f->dir, "shared.go");
	cleanup_free char *link = gs_path_join(f->src, "link.go");
	assert_int_equal(gs_fs_write_atomic(shared, "package main\n", 13, 0644, &err), 0);
	assert_int_equal(symlink(shared, link), 0);
	gs_golist_memo_store(f->cache, key, &l, "/out/app", "ID/one", &t);
	assert_int_equal(gs_golist_memo_load(f->cache, key, &m), 1);
	assert_true(gs_golist_memo_valid(&m, "/out/app", "ID/one"));
	assert_int_equal(gs_fs_write_atomic(shared, "package main\n\nimport \"C\"\n", 25, 0644, &err), 0);
	assert_false(gs_golist_memo_valid(&m, "/out/app", "ID/one"));
	gs_golist_memo_release(&m);

	/* Shell noise does not change the key; Go's environment does. */
	char *envp2[] = {"GOFLAGS=-mod=mod", "PATH=/usr/bin", "SHLVL=4", "OLDPWD=/", NULL};
	cleanup_free char *key2 = gs_golist_memo_key("/usr/bin/go", "go1.26.8", argv, envp2, f->src);
	assert_string_equal(key, key2);
	char *envp3[] = {"GOFLAGS=-mod=vendor", "PATH=/usr/bin", NULL};
	cleanup_free char *key3 = gs_golist_memo_key("/usr/bin/go", "go1.26.8", argv, envp3, f->src);
	assert_string_not_equal(key, key3);
	assert_int_equal(gs_golist_memo_load(f->cache, key3, &m), 0);
	/* The same go running another Go (GOTOOLCHAIN, go.mod's go line):
	 * another key. */
	cleanup_free char *key4 = gs_golist_memo_key("/usr/bin/go", "go1.27.3", argv, envp, f->src);
	assert_string_not_equal(key, key4);
	assert_int_equal(gs_golist_memo_load(f->cache, key4, &m), 0);
	gs_golist_release(&l);
}

/* A two-package program: go list -deps names the dependency's directory
 * first and the main package's last.  A new file in either, a cgo file in
 * the main package above all, makes the memo invalid. */
static void test_memo_every_source_dir(void **state)
{
	struct fixture *f = *state;
	cleanup_free char *lib = gs_path_join(f->dir, "lib");
	mkdir(lib, 0755);
	gs_error_t err = GS_ERROR_INIT;
	cleanup_free char *lib_go = gs_path_join(lib, "lib.go");
	assert_int_equal(gs_fs_write_atomic(lib_go, "package lib\n", 12, 0644, &err), 0);
	cleanup_free char *listing =
		x_asprintf("D\t%s\nM\tmain\texample.com/app\t%s\nD\t%s\n", lib, f->src, f->src);
	char *argv[] = {"go", "list", ".", NULL};
	cleanup_free char *key = gs_golist_memo_key("/usr/bin/go", "go1.26.8", argv, NULL, f->src);
	gs_golist_t l = GS_GOLIST_INIT;
	parse_ok(listing, &l);
	assert_int_equal(l.source_dirs.n, 2);
	assert_string_equal(l.source_dirs.v[0], lib);
	struct timespec t = later();
	gs_golist_memo_store(f->cache, key, &l, "/out/app", "ID/one", &t);

	gs_golist_memo_t m;
	assert_int_equal(gs_golist_memo_load(f->cache, key, &m), 1);
	assert_true(gs_golist_memo_valid(&m, "/out/app", "ID/one"));
	/* a cgo file in the main package, the last directory listed */
	cleanup_free char *c_go = gs_path_join(f->src, "answer.go");
	assert_int_equal(gs_fs_write_atomic(c_go, "package main\n\nimport \"C\"\n", 25, 0644, &err), 0);
	if (gs_golist_memo_valid(&m, "/out/app", "ID/one"))
		fail_msg("a cgo file added to the main package (2nd source directory) is not seen");
	assert_int_equal(unlink(c_go), 0);
	gs_golist_memo_release(&m);
	/* and a new file in the dependency, the first one */
	gs_golist_memo_store(f->cache, key, &l, "/out/app", "ID/one", &t);
	assert_int_equal(gs_golist_memo_load(f->cache, key, &m), 1);
	assert_true(gs_golist_memo_valid(&m, "/out/app", "ID/one"));
	cleanup_free char *more = gs_path_join(lib, "more.go");
	assert_int_equal(gs_fs_write_atomic(more, "package lib\n", 12, 0644, &err), 0);
	assert_false(gs_golist_memo_valid(&m, "/out/app", "ID/one"));
	gs_golist_memo_release(&m);
	gs_golist_release(&l);
}

static void test_memo_not_for_fresh_sources(void **state)
{
	struct fixture *f = *state;
	char *argv[] = {"go", "list", ".", NULL};
	cleanup_free char *key = gs_golist_memo_key("/usr/bin/go", "go1.26.8", argv, NULL, f->src);
	gs_golist_t l = GS_GOLIST_INIT;
	parse_ok(f->listing, &l);
	/* main.go was written just now: go list, starting now, may have read
	 * it before a change within the clock's tick. */
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	gs_golist_memo_store(f->cache, key, &l, "/out/app", "ID/one", &now);
	gs_golist_memo_t m;
	assert_int_equal(gs_golist_memo_load(f->cache, key, &m), 0);
	/* Nor without a build ID. */
	struct timespec t = later();
	gs_golist_memo_store(f->cache, key, &l, "/out/app", NULL, &t);
	assert_int_equal(gs_golist_memo_load(f->cache, key, &m), 0);
	gs_golist_release(&l);
}

static void test_memo_damaged(void **state)
{
	struct fixture *f = *state;
	char *argv[] = {"go", "list", ".", NULL};
	cleanup_free char *key = gs_golist_memo_key("/usr/bin/go", "go1.26.8", argv, NULL, f->src);
	gs_golist_t l = GS_GOLIST_INIT;
	parse_ok(f->listing, &l);
	struct timespec t = later();
	gs_golist_memo_store(f->cache, key, &l, "/out/app", "ID/one", &t);
	gs_golist_release(&l);
	/* The one memo file, cut short at every length: never a memo. */
	cleanup_free char *dir = gs_path_join(f->cache, "entries/golist");
	cleanup_free char *cmd = x_asprintf("ls %s", dir);
	FILE *p = popen(cmd, "r");
	char name[64] = "";
	assert_non_null(fgets(name, sizeof name, p));
	pclose(p);
	name[strcspn(name, "\n")] = '\0';
	cleanup_free char *path = gs_path_join(dir, name);
	cleanup_free char *text = NULL;
	size_t len;
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_fs_read_file(path, &text, &len, &err), 0);
	gs_golist_memo_t m;
	assert_int_equal(gs_golist_memo_load(f->cache, key, &m), 1);
	gs_golist_memo_release(&m);
	for (size_t cut = 0; cut < len; cut++) {
		assert_int_equal(gs_fs_write_atomic(path, text, cut, 0644, &err), 0);
		assert_int_equal(gs_golist_memo_load(f->cache, key, &m), 0);
	}
	/* A memo for another key in the same file (a hash collision). */
	cleanup_free char *other = xstrdup(text);
	char *k = strstr(other, "cwd=");
	k[0] = 'X';
	assert_int_equal(gs_fs_write_atomic(path, other, len, 0644, &err), 0);
	assert_int_equal(gs_golist_memo_load(f->cache, key, &m), 0);
}

/* The source: the memo's answer first, confirmed or replaced by a real
 * go list after the build. */
static void test_source_get_confirm(void **state)
{
	struct fixture *f = *state;
	cleanup_free char *go = gs_proc_which("go", NULL);
	if (!go)
		skip(); /* prints SKIPPED: no go in PATH */
	gs_error_t err = GS_ERROR_INIT;
	cleanup_free char *mod = gs_path_join(f->src, "go.mod");
	assert_int_equal(gs_fs_write_atomic(mod, "module example.com/app\n\ngo 1.19\n", 32, 0644, &err), 0);
	extern char **environ;
	/* What go really says, stored as the memo (as a build would have). */
	gs_golist_t real = GS_GOLIST_INIT;
	assert_int_equal(gs_golist_run(go, f->src, ".", NULL, "./app", environ, &real, &err), 0);
	assert_false(real.uses_cgo);
	gs_golist_source_t s;
	gs_golist_source_init(&s, "/nonexistent/go", "go1", f->src, ".", NULL, "./app", environ,
			      f->cache);
	const gs_golist_t *l = NULL;
	/* No memo, and a go that cannot run: get fails. */
	assert_int_equal(gs_golist_source_get(&s, &l, &err), -1);
	gs_error_release(&err);
	gs_golist_source_release(&s);

	gs_golist_source_init(&s, "/nonexistent/go", "go1", f->src, ".", NULL, "./app", environ,
			      f->cache);
	struct timespec t = later();
	gs_golist_memo_store(f->cache, s.memo_key, &real, "/out/app", "ID/one", &t);
	/* The memo answers without running go; the same binary confirms it. */
	assert_int_equal(gs_golist_source_get(&s, &l, &err), 0);
	assert_true(gs_golist_same(l, &real));
	assert_int_equal(gs_golist_source_confirm(&s, 1, "/out/app", "ID/one", &err), 1);
	gs_golist_source_release(&s);
	/* Another build ID: go list runs again, and cannot here. */
	gs_golist_source_init(&s, "/nonexistent/go", "go1", f->src, ".", NULL, "./app", environ,
			      f->cache);
	assert_int_equal(gs_golist_source_get(&s, &l, &err), 0);
	assert_int_equal(gs_golist_source_confirm(&s, 1, "/out/app", "ID/two", &err), -1);
	gs_error_release(&err);
	gs_golist_source_release(&s);

	/* With the real go: the same answer confirms the build ... */
	gs_golist_source_init(&s, go, "go1", f->src, ".", NULL, "./app", environ, f->cache);
	gs_golist_memo_store(f->cache, s.memo_key, &real, "/out/app", "ID/one", &t);
	assert_int_equal(gs_golist_source_get(&s, &l, &err), 0);
	assert_int_equal(gs_golist_source_confirm(&s, 1, "/out/app", "ID/two", &err), 1);
	gs_golist_source_release(&s);
	/* ... and another answer (a memo that said cgo) asks for a new
	 * build, with go's answer from then on. */
	gs_golist_t stale = GS_GOLIST_INIT;
	cleanup_free char *text = x_asprintf("%sC\n", real.output);
	parse_ok(text, &stale);
	gs_golist_source_init(&s, go, "go1", f->src, ".", NULL, "./app", environ, f->cache);
	gs_golist_memo_store(f->cache, s.memo_key, &stale, "/out/app", "ID/one", &t);
	assert_int_equal(gs_golist_source_get(&s, &l, &err), 0);
	assert_true(l->uses_cgo);
	assert_int_equal(gs_golist_source_confirm(&s, 1, "/out/app", "ID/two", &err), 0);
	assert_int_equal(gs_golist_source_get(&s, &l, &err), 0);
	assert_false(l->uses_cgo);
	assert_int_equal(gs_golist_source_confirm(&s, 1, "/out/app", "ID/three", &err), 1);
	gs_golist_source_release(&s);
	gs_golist_release(&stale);
	gs_golist_release(&real);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv),
		cmocka_unit_test_setup_teardown(test_parse, setup, teardown),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test_setup_teardown(test_memo_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memo_every_source_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memo_not_for_fresh_sources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memo_damaged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_source_get_confirm, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

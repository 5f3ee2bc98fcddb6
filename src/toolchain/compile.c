#include "gsimage/toolchain/compile.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsimage/toolchain/commit.h"
#include "gsimage/toolchain/golist.h"
#include "gsimage/toolchain/goversion.h"
#include "gsimage/toolchain/plan.h"
#include "gsimage/toolchain/run.h"
#include "gsimage/toolchain/tools.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/lock.h"
#include "gsimage/util/proc.h"
#include "gsimage/util/strvec.h"
#include "gsimage/util/workdir.h"
#include "gsimage/util/xalloc.h"

extern char **environ;

/* Where to run go and what to ask it to build: a directory argument becomes
 * the working directory (so its own go.mod is found) and ".". */
static int resolve_package(const char *package, char **cwd, char **pkg, gs_error_t *err)
{
	struct stat st;
	int looks_like_path = package[0] == '.' || package[0] == '/';
	if (stat(package, &st) == 0 && S_ISDIR(st.st_mode)) {
		char *abs = realpath(package, NULL);
		if (!abs)
			return gs_error_set(err, errno, "resolving package directory '%s'", package);
		*cwd = abs;
		*pkg = xstrdup(".");
		return 0;
	}
	if (looks_like_path) {
		if (stat(package, &st) == 0)
			return gs_error_usage(err, "'%s' is not a directory; give the directory of a "
					      "main package", package);
		return gs_error_usage(err, "package directory '%s' does not exist", package);
	}
	*cwd = xstrdup(".");
	*pkg = xstrdup(package);
	return 0;
}

/* What holds for every platform, found once (all owned). */
struct tools {
	char *go, *go_version, *gccgo, *cwd, *pkg;
	gs_strvec_t *envs;         /* per platform: go list's environment */
	gs_golist_source_t *lists; /* per platform */
	gs_workdir_t run_dir;      /* stable_output: go's work directory (base CACHE/out/tmp) */
};

static void tools_release(struct tools *t, size_t n)
{
	for (size_t i = 0; t->lists && i < n; i++) {
		gs_golist_source_release(&t->lists[i]);
		gs_strvec_release(&t->envs[i]);
	}
	free(t->lists);
	free(t->envs);
	gs_workdir_release(&t->run_dir);
	free(t->go);
	free(t->go_version);
	free(t->gccgo);
	free(t->cwd);
	free(t->pkg);
}

static int tools_find(const gs_compile_opts_t *o, struct tools *t, gs_error_t *err)
{
	size_t n = o->n_platforms;
	if (gs_tools_go(o->go_override, &t->go, err) < 0 ||
	    gs_tools_gccgo(o->compiler, o->gollvm_override, &t->gccgo, err) < 0 ||
	    resolve_package(o->package, &t->cwd, &t->pkg, err) < 0)
		return -1;
	/* go list sees each platform's build constraints, with cgo on. */
	t->envs = xcalloc(n, sizeof *t->envs);
	for (size_t i = 0; i < n; i++) {
		gs_gobuild_t lb = {.platform = o->platforms[i], .compiler = GS_COMPILER_GC, .cgo = 1};
		gs_gobuild_env(&lb, environ, &t->envs[i]);
	}
	/* The Go that really builds, which GOTOOLCHAIN and go.mod choose: it
	 * names the cache entries. */
	if (o->compiler == GS_COMPILER_GC &&
	    !(t->go_version = gs_go_effective_version(t->go, t->cwd, t->envs[0].v, o->cache_dir,
						      err)))
		return -1;
	if (o->stable_output) {
		cleanup_free char *base = gs_path_join(o->cache_dir, "out/tmp");
		if (gs_workdir_make(base, &t->run_dir, err) < 0)
			return -1;
	}
	/* The memo only for stable outputs: it trusts an unchanged binary. */
	t->lists = xcalloc(n, sizeof *t->lists);
	for (size_t i = 0; i < n; i++)
		gs_golist_source_init(&t->lists[i], t->go, t->go_version, t->cwd, t->pkg, o->tags,
				      o->package, t->envs[i].v,
				      o->stable_output ? o->cache_dir : NULL);
	return 0;
}

/* The C compiler's facts for the platforms with cgo (owned). */
struct cc {
	char *zig, *zig_version, *zig_lib, *path;
};

static void cc_release(struct cc *c)
{
	free(c->zig);
	free(c->zig_version);
	free(c->zig_lib);
	free(c->path);
}

static int cc_find(const gs_compile_opts_t *o, const gs_cgo_choice_t *cgo, struct cc *c,
		   gs_error_t *err)
{
	/* gccgo and gollvm compile and link C with their own driver. */
	if (o->compiler != GS_COMPILER_GC)
		return 0;
	cleanup_free const gs_platform_t **with = xcalloc(o->n_platforms, sizeof *with);
	size_t n = 0;
	for (size_t i = 0; i < o->n_platforms; i++)
		if (cgo[i].cgo)
			with[n++] = o->platforms[i];
	if (n == 0)
		return 0;
	if (o->cc_kind != GS_CC_ZIG)
		return gs_tools_cc(o->cc_kind, o->cc, with, n, &c->path, err);
	if (gs_tools_zig(o->zig_override, o->toolchain_dir, &c->zig, err) < 0)
		return -1;
	return gs_tools_zig_facts(o->cache_dir, c->zig, &c->zig_version, &c->zig_lib, err);
}

/* Make the zig CC wrapper j needs, keyed by its content: written
 * atomically, so a build never sees another one's wrapper. */
static int write_wrapper(const gs_plan_job_t *j, gs_error_t *err)
{
	if (!j->zig_cc.name)
		return 0;
	cleanup_free char *path = gs_path_join(j->cc_dir, j->zig_cc.name);
	cleanup_free char *old = NULL;
	gs_error_t ignored = GS_ERROR_INIT;
	int same = gs_fs_read_file(path, &old, NULL, &ignored) == 0 &&
		   strcmp(old, j->zig_cc.script) == 0;
	gs_error_release(&ignored);
	if (same)
		return 0;
	if (gs_fs_mkdir_p(j->cc_dir, 0755, err) < 0)
		return -1;
	return gs_fs_write_atomic(path, j->zig_cc.script, strlen(j->zig_cc.script), 0755, err);
}

static int cmp_key_dir(const void *a, const void *b)
{
	const gs_plan_job_t *x = *(gs_plan_job_t *const *)a, *y = *(gs_plan_job_t *const *)b;
	return strcmp(x->key_dir, y->key_dir);
}

/* The keys' locks, in one order (sorted by directory, so two gsimage
 * processes never wait for each other in a cycle); then each kept binary
 * is checked against its record before go may reuse it. */
static int lock_keys(const gs_compile_opts_t *o, gs_plan_job_t *jobs, gs_lock_t *locks,
		     int *verified, gs_error_t *err)
{
	size_t n = o->n_platforms;
	cleanup_free gs_plan_job_t **order = xcalloc(n, sizeof *order);
	for (size_t i = 0; i < n; i++)
		order[i] = &jobs[i];
	qsort(order, n, sizeof *order, cmp_key_dir);
	for (size_t i = 0; i < n; i++) {
		/* The same key twice (cannot happen today): one lock. */
		if (i > 0 && strcmp(order[i]->key_dir, order[i - 1]->key_dir) == 0)
			continue;
		if (gs_commit_lock_key(order[i]->key_dir, &o->progress,
				       &locks[order[i] - jobs], err) < 0)
			return -1;
	}
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *warning = NULL;
		verified[i] = gs_commit_check_kept(jobs[i].final, &warning);
		if (warning)
			gs_progress(&o->progress, "warning: %s", warning);
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* to = from's strings sorted, each once: a platform's cgo packages, for
 * its SBOM. */
static void sorted_unique(gs_strvec_t *to, const gs_strvec_t *from)
{
	cleanup_free char **v = xcalloc(from->n + 1, sizeof *v);
	for (size_t i = 0; i < from->n; i++)
		v[i] = from->v[i];
	qsort(v, from->n, sizeof *v, cmp_str);
	for (size_t i = 0; i < from->n; i++)
		if (i == 0 || strcmp(v[i], v[i - 1]) != 0)
			gs_strvec_push(to, v[i]);
}

/* Build every platform with go list's answers: decide cgo, find the C
 * compiler, plan, lock, run, then check and keep each in platform order.
 * On failure nothing of this build is left but stable outputs (a cache). */
static int build(const gs_compile_opts_t *o, struct tools *t, const gs_golist_t *const *lists,
		 gs_compile_result_t *res, gs_error_t *err)
{
	size_t n = o->n_platforms;
	const gs_golist_t *l = lists[0];
	res->name = gs_gobuild_binary_name(l->import_path);
	res->import_path = xstrdup(l->import_path);
	res->dir = xstrdup(l->dir);
	res->go_cwd = xstrdup(t->cwd);
	res->go_package = xstrdup(t->pkg);
	res->go = xstrdup(t->go);
	res->go_version = t->go_version ? xstrdup(t->go_version) : NULL;
	res->cc_kind = o->cc_kind;

	cleanup_free gs_cgo_choice_t *cgo = xcalloc(n, sizeof *cgo);
	for (size_t i = 0; i < n; i++) {
		cgo[i] = gs_plan_cgo(o, lists[i]);
		res->cgo |= cgo[i].cgo;
	}
	struct cc c = {0};
	cleanup_free char *out_dir = NULL;
	cleanup_free char *zig_cache = gs_path_join(o->cache_dir, "zig");
	gs_plan_job_t *jobs = xcalloc(n, sizeof *jobs);
	gs_run_t *runs = xcalloc(n, sizeof *runs);
	gs_lock_t *locks = xcalloc(n, sizeof *locks);
	cleanup_free int *verified = xcalloc(n, sizeof *verified);
	int r = -1;
	if (cc_find(o, cgo, &c, err) < 0)
		goto out;
	res->zig_version = c.zig_version ? xstrdup(c.zig_version) : NULL;
	res->zig_lib = c.zig_lib ? xstrdup(c.zig_lib) : NULL;
	if (res->cgo && o->compiler == GS_COMPILER_GC)
		res->cc_driver = c.zig ? xstrdup(c.zig)
			       : gs_proc_which(o->cc_kind == GS_CC_MUSL_GCC ? "musl-gcc" : o->cc, NULL);
	if (!o->stable_output && (gs_fs_mkdir_p(o->out_dir, 0755, err) < 0 ||
				  !(out_dir = realpath(o->out_dir, NULL)))) {
		if (!out_dir && !err->msg)
			gs_error_set(err, errno, "resolving output directory '%s'", o->out_dir);
		goto out;
	}

	gs_plan_input_t in = {
		.opts = o, .environ = environ, .name = res->name,
		.go = t->go, .go_version = t->go_version, .gccgo = t->gccgo,
		.cwd = t->cwd, .pkg = t->pkg, .out_dir = out_dir, .go_tmp = t->run_dir.dir,
		.zig = c.zig, .zig_version = c.zig_version, .zig_lib = c.zig_lib,
		.cc_path = c.path, .cgo = cgo, .pid = (long)getpid(),
	};
	gs_plan_jobs(&in, jobs);
	for (size_t i = 0; i < n; i++) {
		if (write_wrapper(&jobs[i], err) < 0 ||
		    (jobs[i].marker && gs_fs_mkdir_p(zig_cache, 0755, err) < 0))
			goto out;
		/* An interrupt removes a half-written temp binary.  A stable
		 * output is never half-written (go renames it into place) and
		 * is a cache entry, not a temp file. */
		if (!o->stable_output)
			gs_tempfile_register(jobs[i].tmp);
	}
	if (o->stable_output && lock_keys(o, jobs, locks, verified, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		runs[i] = (gs_run_t){.argv = jobs[i].argv.v, .envp = jobs[i].env.v, .cwd = t->cwd,
				     .cold = jobs[i].marker && access(jobs[i].marker, F_OK) != 0};
		gs_progress(&o->progress, "%s", jobs[i].announce);
		if (runs[i].cold)
			gs_progress(&o->progress, "building musl libc for %s with zig (first run only, about a "
				 "minute)", jobs[i].platform->zig_target);
	}
	gs_run_all(runs, n, o->jobs);

	res->bins = xcalloc(n, sizeof *res->bins);
	for (size_t i = 0; i < n; i++) {
		if (gs_commit_one(o, i, &jobs[i], &runs[i], verified[i], &locks[i],
				  &res->bins[i], err) < 0)
			goto out;
		res->n_bins++;
		sorted_unique(&res->bins[i].cgo_packages, &lists[i]->cgo_packages);
	}
	r = 0;
out:
	for (size_t i = 0; i < n; i++) {
		/* the others' temp binaries (a stable output stays: a cache) */
		if (!o->stable_output && jobs[i].tmp) {
			if (r < 0)
				unlink(jobs[i].tmp);
			gs_tempfile_forget(jobs[i].tmp);
		}
		gs_plan_job_release(&jobs[i]);
		gs_run_release(&runs[i]);
		gs_lock_release(&locks[i]);
	}
	free(jobs);
	free(runs);
	free(locks);
	cc_release(&c);
	return r;
}

/* Build with each platform's go list answer, then confirm the answers;
 * an answer go list no longer gives means building again. */
static int compile_all(const gs_compile_opts_t *o, gs_compile_result_t *res, gs_error_t *err)
{
	size_t n = o->n_platforms;
	if (n == 0)
		return gs_error_usage(err, "no platform to build for");
	if (gs_plan_check(o, gs_platform_host(), err) < 0)
		return -1;
	struct tools t = {0};
	cleanup_free const gs_golist_t **lists = xcalloc(n, sizeof *lists);
	int r = tools_find(o, &t, err);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = gs_golist_source_get(&t.lists[i], &lists[i], err);
	if (r == 0)
		r = build(o, &t, lists, res, err);
	for (int again = 1; again && t.lists;) {
		again = 0;
		for (size_t i = 0; i < n; i++) {
			gs_error_t list_err = GS_ERROR_INIT;
			int c = gs_golist_source_confirm(&t.lists[i], r == 0,
							 r == 0 ? res->bins[i].path : NULL,
							 r == 0 ? res->bins[i].build_id : NULL, &list_err);
			if (c < 0) {
				gs_error_release(err);
				*err = list_err; /* moved: the package's problem comes first */
				r = -1;
				goto out;
			}
			again |= c == 0;
		}
		if (again) {
			gs_compile_result_release(res);
			gs_error_release(err);
			for (size_t i = 0; i < n; i++)
				gs_golist_source_get(&t.lists[i], &lists[i], err);
			r = build(o, &t, lists, res, err);
		}
	}
out:
	tools_release(&t, n);
	return r;
}

int gs_compile(const gs_compile_opts_t *o, gs_compile_result_t *res, gs_error_t *err)
{
	memset(res, 0, sizeof *res);
	if (compile_all(o, res, err) < 0) {
		gs_compile_result_release(res);
		return -1;
	}
	return 0;
}

void gs_compile_result_release(gs_compile_result_t *res)
{
	for (size_t i = 0; i < res->n_bins; i++) {
		free(res->bins[i].path);
		free(res->bins[i].build_id);
		gs_strvec_release(&res->bins[i].cgo_packages);
		gs_lock_release(&res->bins[i].lock); /* lets go of the key */
	}
	free(res->bins);
	free(res->go);
	free(res->go_version);
	free(res->cc_driver);
	free(res->zig_version);
	free(res->zig_lib);
	free(res->name);
	free(res->import_path);
	free(res->dir);
	free(res->go_cwd);
	free(res->go_package);
	memset(res, 0, sizeof *res);
}

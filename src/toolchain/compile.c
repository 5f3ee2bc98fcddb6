#include "gsimage/toolchain/compile.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/file.h>
#include <dirent.h>
#include <time.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsimage/toolchain/cfail.h"
#include "gsimage/toolchain/golist.h"
#include "gsimage/toolchain/goversion.h"
#include "gsimage/toolchain/zigenv.h"
#include "gsimage/util/cache.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/lock.h"
#include "gsimage/util/proc.h"
#include "gsimage/util/strvec.h"
#include "gsimage/util/xalloc.h"

extern char **environ;

static void progress(const gs_compile_opts_t *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void progress(const gs_compile_opts_t *o, const char *fmt, ...)
{
	if (!o->progress)
		return;
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *line = x_vasprintf(fmt, ap);
	va_end(ap);
	o->progress(o->progress_ctx, line);
}

char *gs_tool_find(const char *name, const char *override, const char *fallback)
{
	if (override && *override)
		return gs_proc_which(override, NULL);
	char *p = gs_proc_which(name, NULL);
	if (!p && fallback && access(fallback, X_OK) == 0)
		p = xstrdup(fallback);
	return p;
}

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

/* zig's version ("0.11.0", which names the CC wrapper) and its lib
 * directory (which the wrapper maps away), both owned: `zig env`, remembered
 * in the cache by the zig binary's identity, so a replaced zig is asked
 * again.  The compile result hands them on (the SBOM's C side). */
static int zig_facts(const char *cache_dir, const char *zig, char **version, char **lib_dir,
		     gs_error_t *err)
{
	gs_cache_t cache = {.dir = cache_dir};
	gs_cache_key_t k;
	gs_cache_key_init(&k, "zig");
	gs_cache_key_file(&k, "zig", zig);
	cleanup_free char *cached = NULL;
	if (gs_cache_get(&cache, &k, &cached, NULL)) {
		/* "<version>\n<lib dir>\n": anything else is asked again */
		char *nl = strchr(cached, '\n');
		char *end = nl ? strchr(nl + 1, '\n') : NULL;
		if (nl && end && nl > cached && end > nl + 1 && end[1] == '\0') {
			*version = xstrndup(cached, (size_t)(nl - cached));
			*lib_dir = xstrndup(nl + 1, (size_t)(end - nl - 1));
			gs_cache_key_release(&k);
			return 0;
		}
	}
	int r = gs_zig_env(zig, NULL, version, lib_dir, err);
	if (r == 0 && !strchr(*version, '\n') && !strchr(*lib_dir, '\n')) {
		cleanup_free char *value = x_asprintf("%s\n%s\n", *version, *lib_dir);
		gs_cache_put(&cache, &k, value, strlen(value), 0644);
	}
	gs_cache_key_release(&k);
	return r;
}

/* Make sure the zig CC wrapper for a target exists: *dir is the directory
 * to put in PATH, *name what CC is set to (both owned).  Written atomically
 * and keyed by its content, so a build never sees another one's wrapper. */
static int zig_wrapper(const char *cache_dir, const char *zig, const char *version,
		       const char *lib_dir, const char *target, char **dir, char **name,
		       gs_error_t *err)
{
	gs_zig_cc_t cc;
	gs_zig_cc_init(&cc, zig, version, lib_dir, target);
	cleanup_free char *d = gs_path_join(cache_dir, cc.subdir);
	cleanup_free char *path = gs_path_join(d, cc.name);
	cleanup_free char *old = NULL;
	gs_error_t ignored = GS_ERROR_INIT;
	int same = gs_fs_read_file(path, &old, NULL, &ignored) == 0 && strcmp(old, cc.script) == 0;
	gs_error_release(&ignored);
	if (!same && (gs_fs_mkdir_p(d, 0755, err) < 0 ||
		      gs_fs_write_atomic(path, cc.script, strlen(cc.script), 0755, err) < 0)) {
		gs_zig_cc_release(&cc);
		return -1;
	}
	*dir = d;
	d = NULL;
	*name = cc.name;
	cc.name = NULL;
	gs_zig_cc_release(&cc);
	return 0;
}

/* The C compiler for one platform, or NULL with err set; for zig, *dir is
 * set to the directory it is found in (owned). */
static char *c_compiler_for(const gs_compile_opts_t *o, const gs_platform_t *p,
			    const char *zig, const char *zig_ver, const char *zig_lib, char **dir,
			    gs_error_t *err)
{
	const gs_platform_t *host = gs_platform_host();
	switch (o->cc_kind) {
	case GS_CC_ZIG: {
		char *name = NULL;
		if (zig_wrapper(o->cache_dir, zig, zig_ver, zig_lib, p->zig_target, dir, &name, err) < 0)
			return NULL;
		return name;
	}
	case GS_CC_MUSL_GCC: {
		if (!host || strcmp(host->goarch, "amd64") != 0 || strcmp(p->goarch, "amd64") != 0) {
			gs_error_usage(err, "--cc musl-gcc builds only linux/amd64 on an amd64 host; "
					    "use --cc zig for %s", p->name);
			return NULL;
		}
		char *cc = gs_proc_which("musl-gcc", NULL);
		if (!cc)
			gs_error_set(err, 0, "'musl-gcc' not found; install musl-tools or use --cc zig");
		return cc;
	}
	case GS_CC_PATH: {
		cleanup_free char *found = gs_proc_which(o->cc, NULL);
		if (!found) {
			gs_error_set(err, 0, "C compiler '%s' not found; give a path or a command in "
					     "PATH to --cc", o->cc);
			return NULL;
		}
		/* go runs in the package directory and wants an absolute CC. */
		char *cc = realpath(found, NULL);
		if (!cc)
			gs_error_set(err, errno, "resolving C compiler '%s'", found);
		return cc;
	}
	}
	return NULL;
}

/* Exists once zig has built its C runtime for p (a progress hint only);
 * static-PIE needs more of it (rcrt1.o), hence its own marker. */
static char *zig_marker(const gs_compile_opts_t *o, const gs_platform_t *p)
{
	cleanup_free char *name = x_asprintf("zig/gsimage-libc-%s%s.done", p->zig_target,
					     o->pie ? "-pie" : "");
	return gs_path_join(o->cache_dir, name);
}

/* What compile_all settled for every platform (all borrowed). */
struct settled {
	const char *go, *go_version, *zig, *zig_version, *zig_lib, *gccgo, *cwd, *pkg, *out_dir;
	const char *go_tmp; /* stable_output: go's GOTMPDIR */
	const char *goflags_ldflags, *goflags_tags;
};

/* One platform's cgo decision, from that platform's go list. */
struct cgo_choice {
	int cgo;         /* CGO_ENABLED=1 */
	int pie_pure_go; /* cgo on only for --pie's link */
};

/* The stable output directory of one build key, cache_dir/out/<hash>:
 * everything that selects a different binary (package, platform, compiler,
 * C compiler, cgo, tags, ldflags, gcflags, GOFLAGS, pie, go and zig).  Go's
 * up-to-date check, not this key, decides whether the binary there is
 * current; the key only keeps different builds from relinking over each
 * other.  Owned. */
static char *stable_out_dir(const gs_compile_opts_t *o, const struct settled *s,
			    const struct cgo_choice *c, const gs_platform_t *p, const char *cc,
			    const char *base)
{
	const char *parts[] = {
		s->cwd, s->pkg, base, p->name,
		gs_go_compiler_name(o->compiler), o->cc_kind == GS_CC_ZIG ? "zig"
		: o->cc_kind == GS_CC_MUSL_GCC ? "musl-gcc" : "path",
		o->cc ? o->cc : "", cc ? cc : "", c->cgo ? "cgo" : "nocgo",
		c->pie_pure_go ? "pie-pure-go" : "", o->pie ? "pie" : "",
		o->tags ? o->tags : "", o->ldflags ? o->ldflags : "",
		o->gcflags ? o->gcflags : "", o->goflags ? o->goflags : "",
		s->go ? s->go : "", s->go_version ? s->go_version : "", s->zig ? s->zig : "", s->zig_version ? s->zig_version : "",
		s->gccgo ? s->gccgo : "",
	};
	gs_cache_key_t k;
	gs_cache_key_init(&k, "out");
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
		gs_cache_key_str(&k, "part", parts[i]);
	cleanup_free char *name = gs_cache_key_name(&k);
	gs_cache_key_release(&k);
	cleanup_free char *rel = x_asprintf("out/%s", name);
	return gs_path_join(o->cache_dir, rel);
}

/* Take the key's lock (dir/lock), creating dir: another gsimage building
 * the same key waits, so go never writes a binary another one is reading. */
static int lock_key(const gs_compile_opts_t *o, const char *dir, gs_lock_t *l, gs_error_t *err)
{
	cleanup_free char *path = gs_path_join(dir, "lock");
	for (;;) {
		if (gs_fs_mkdir_p(dir, 0755, err) < 0)
			return -1;
		int r = gs_lock_path(l, path, GS_LOCK_TRY, err);
		if (r == 1) {
			progress(o, "waiting for another gsimage building the same binary (%s)", dir);
			r = gs_lock_path(l, path, GS_LOCK_EXCLUSIVE, err);
		}
		if (r < 0)
			return -1;
		/* gc --cache removes a key's directory under its lock: what we
		 * hold must still be the lock file at path */
		struct stat held, now;
		if (fstat(l->fd, &held) == 0 && stat(path, &now) == 0 && held.st_ino == now.st_ino &&
		    held.st_dev == now.st_dev)
			break;
		gs_lock_release(l);
	}
	futimens(l->fd, NULL); /* used now: gc --cache keeps it */
	return 0;
}

/* One platform's build: prepared on the main thread, go build run on a
 * worker (or inline), finished (check, rename) on the main thread again. */
struct job {
	const gs_platform_t *p;
	size_t index;
	struct cgo_choice cgo;
	char *final, *tmp, *marker; /* marker: zig's libc for p, NULL without zig */
	char *stable_dir;           /* stable_output: the key's directory */
	gs_lock_t lock;             /* stable_output: the key's lock, once taken */
	gs_strvec_t argv, env;
	const char *cwd;
	/* the run's outcome */
	int run_rc, status;
	char *errout;
	gs_error_t err;
};

static void job_release(struct job *j)
{
	free(j->final);
	free(j->tmp);
	free(j->marker);
	free(j->stable_dir);
	gs_lock_release(&j->lock);
	gs_strvec_release(&j->argv);
	gs_strvec_release(&j->env);
	free(j->errout);
	gs_error_release(&j->err);
}

static int prepare_one(const gs_compile_opts_t *o, const struct settled *s, struct job *j,
		       const char *name, gs_error_t *err)
{
	const gs_platform_t *p = j->p;
	const char *out_dir = s->out_dir;
	int cgo = j->cgo.cgo;
	cleanup_free char *cc = NULL, *cc_dir = NULL;
	cleanup_free char *zig_cache = gs_path_join(o->cache_dir, "zig");
	/* gccgo and gollvm compile and link C with their own driver. */
	int needs_cc = cgo && o->compiler == GS_COMPILER_GC;
	int uses_zig = needs_cc && o->cc_kind == GS_CC_ZIG;
	if (needs_cc) {
		cc = c_compiler_for(o, p, s->zig, s->zig_version, s->zig_lib, &cc_dir, err);
		if (!cc)
			return -1;
	}
	if (uses_zig && gs_fs_mkdir_p(zig_cache, 0755, err) < 0)
		return -1;
	if (uses_zig)
		j->marker = zig_marker(o, p);

	cleanup_free char *suffix = gs_platform_suffix(p);
	cleanup_free char *base = x_asprintf("%s-%s", name, suffix);
	if (o->stable_output) {
		j->stable_dir = stable_out_dir(o, s, &j->cgo, p, cc, base);
		out_dir = j->stable_dir;
	}
	j->final = gs_path_join(out_dir, base);
	cleanup_free char *tmpbase = x_asprintf(".%s.tmp-%ld", base, (long)getpid());
	j->tmp = o->stable_output ? xstrdup(j->final) : gs_path_join(out_dir, tmpbase);

	gs_gobuild_t b = {
		.platform = p,
		.compiler = o->compiler,
		.cgo = cgo,
		.pie = o->pie,
		.pie_pure_go = j->cgo.pie_pure_go,
		.cc_kind = o->cc_kind,
		.go = s->go,
		.cc = cc,
		.cc_dir = cc_dir,
		.gccgo = s->gccgo,
		.zig_cache = uses_zig ? zig_cache : NULL,
		.output = j->tmp,
		.package = s->pkg,
		.tags = o->tags,
		.ldflags = o->ldflags,
		.gcflags = o->gcflags,
		.goflags_ldflags = s->goflags_ldflags,
		.goflags_tags = s->goflags_tags,
		.optimize = o->optimize,
		.user_cgo_cflags = o->user_cgo_cflags,
	};
	gs_gobuild_argv(&b, &j->argv);
	gs_gobuild_env(&b, environ, &j->env);
	if (o->stable_output) {
		/* go renames its link output onto the stable path: its work
		 * directory on the same file system makes that one rename, so
		 * the binary is never seen half-written. */
		gs_strvec_pushf(&j->env, "GOTMPDIR=%s", s->go_tmp);
	}
	j->cwd = s->cwd;
	return 0;
}

static void announce(const gs_compile_opts_t *o, const struct settled *s, const struct job *j,
		     const char *name)
{
	const char *ccname = o->cc_kind == GS_CC_ZIG ? "zig cc"
			     : o->cc_kind == GS_CC_MUSL_GCC ? "musl-gcc"
							    : "the given C compiler";
	cleanup_free char *how = o->compiler != GS_COMPILER_GC ? xstrdup(gs_go_compiler_name(o->compiler))
				 : !j->cgo.cgo ? x_asprintf("%s, pure Go", s->go_version)
					   : x_asprintf("%s, %s %s", s->go_version,
							j->cgo.pie_pure_go ? "pure Go linked with" : "cgo with",
							ccname);
	progress(o, "compiling %s for %s (%s%s)", name, j->p->name, how, o->pie ? ", static-PIE" : "");
	if (j->marker && access(j->marker, F_OK) != 0)
		progress(o, "building musl libc for %s with zig (first run only, about a minute)",
			 j->p->zig_target);
}

/* go build: safe on a worker thread (it touches only j). */
static void run_one(struct job *j)
{
	gs_proc_opts_t po = {
		.argv = j->argv.v,
		.envp = j->env.v,
		.cwd = j->cwd,
		.stdout_to_stderr = 1,
		.capture_stderr = &j->errout,
	};
	j->run_rc = gs_proc_run(&po, &j->status, &j->err);
}

/* Let the caller check the result, rename it to final.  With tmp == final
 * (a stable output), go wrote the final path itself (it skips the link when
 * that binary is up to date), the check runs on it, and a refused binary is
 * removed. */
static int finish_one(const gs_compile_opts_t *o, struct job *j, gs_compiled_t *bin,
		      gs_error_t *err)
{
	const gs_platform_t *p = j->p;
	if (j->run_rc < 0) {
		unlink(j->tmp);
		gs_error_release(err);
		*err = j->err; /* moved */
		j->err = (gs_error_t)GS_ERROR_INIT;
		return gs_error_wrap(err, "compiling for %s", p->name);
	}
	if (j->status != 0) {
		unlink(j->tmp);
		/* A C library that musl and zig cc lack: one line that names it. */
		cleanup_free char *cmsg = gs_cfail_missing(j->errout);
		if (cmsg)
			return gs_error_set(err, 0, "%s (building for %s)", cmsg, p->name);
		/* A one-line complaint (go's build cache, a missing module)
		 * goes into the error line itself. */
		if (j->errout && gs_proc_says_one_line(j->errout)) {
			cleanup_free char *why = gs_proc_first_line(j->errout);
			return gs_error_set(err, 0, "go build failed for %s: %s", p->name, why);
		}
		gs_error_set_detail(err, j->errout);
		return gs_error_set(err, 0, "go build failed for %s (exit status %d); Go's output is "
					    "above", p->name, j->status);
	}
	if (j->marker && access(j->marker, F_OK) != 0) {
		gs_error_t ignored = GS_ERROR_INIT;
		gs_fs_write_atomic(j->marker, "", 0, 0644, &ignored); /* a progress hint */
		gs_error_release(&ignored);
	}
	if (o->check && o->check(o->check_ctx, j->index, j->tmp, p, &bin->build_id, err) < 0) {
		unlink(j->tmp);
		return -1;
	}
	if (strcmp(j->tmp, j->final) != 0 && rename(j->tmp, j->final) < 0) {
		int e = errno;
		unlink(j->tmp);
		free(bin->build_id);
		bin->build_id = NULL;
		return gs_error_set(err, e, "renaming '%s' to '%s'", j->tmp, j->final);
	}
	if (o->outputs_are_temporary && !o->stable_output)
		gs_tempfile_register(j->final);
	bin->platform = p;
	bin->cgo = j->cgo.cgo;
	bin->path = j->final;
	j->final = NULL;
	gs_lock_move(&bin->lock, &j->lock);
	return 0;
}

/* The workers: each takes the next job of jobs[from..n) until none is
 * left. */
struct pool {
	struct job *jobs;
	size_t next, n;
	pthread_mutex_t mu;
};

static void *worker(void *arg)
{
	struct pool *pl = arg;
	for (;;) {
		pthread_mutex_lock(&pl->mu);
		size_t i = pl->next < pl->n ? pl->next++ : pl->n;
		pthread_mutex_unlock(&pl->mu);
		if (i >= pl->n)
			return NULL;
		run_one(&pl->jobs[i]);
	}
}

/* Run jobs[from..n) with up to max_jobs go builds at once. */
static void run_jobs(struct job *jobs, size_t from, size_t n, size_t max_jobs)
{
	struct pool pl = {.jobs = jobs, .next = from, .n = n};
	size_t count = n - from;
	size_t nthreads = max_jobs < count ? max_jobs : count;
	if (nthreads <= 1) {
		for (size_t i = from; i < n; i++)
			run_one(&jobs[i]);
		return;
	}
	pthread_mutex_init(&pl.mu, NULL);
	pthread_t *t = xcalloc(nthreads, sizeof *t);
	size_t started = 0;
	for (; started < nthreads; started++)
		if (pthread_create(&t[started], NULL, worker, &pl) != 0)
			break;
	worker(&pl); /* this thread works too (and alone, if none started) */
	for (size_t i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	free(t);
	pthread_mutex_destroy(&pl.mu);
}

static int cmp_job_dir(const void *a, const void *b)
{
	const struct job *x = *(struct job *const *)a, *y = *(struct job *const *)b;
	return strcmp(x->stable_dir, y->stable_dir);
}

/* Build every platform: prepare all, take the keys' locks in one order
 * (sorted by directory, so two gsimage processes never wait for each
 * other in a cycle), run the go builds (those that first build zig's libc
 * for a target one at a time, since zig's cache races when cold; the rest
 * up to o->jobs at once), then check and keep each in platform order. */
static int build_all(const gs_compile_opts_t *o, const struct settled *s,
		     const struct cgo_choice *choices, gs_compile_result_t *res, gs_error_t *err)
{
	size_t n = o->n_platforms;
	struct job *jobs = xcalloc(n, sizeof *jobs);
	int r = -1;
	for (size_t i = 0; i < n; i++) {
		jobs[i].p = o->platforms[i];
		jobs[i].index = i;
		jobs[i].cgo = choices[i];
		jobs[i].lock = (gs_lock_t)GS_LOCK_INIT;
	}
	for (size_t i = 0; i < n; i++)
		if (prepare_one(o, s, &jobs[i], res->name, err) < 0)
			goto out;
	/* An interrupt removes a half-written temp binary.  A stable output
	 * is never half-written (go renames it into place) and is a cache
	 * entry, not a temp file. */
	for (size_t i = 0; !o->stable_output && i < n; i++)
		gs_tempfile_register(jobs[i].tmp);
	if (o->stable_output) {
		struct job **order = xcalloc(n, sizeof *order);
		for (size_t i = 0; i < n; i++)
			order[i] = &jobs[i];
		qsort(order, n, sizeof *order, cmp_job_dir);
		for (size_t i = 0; i < n; i++) {
			/* The same key twice (cannot happen today): one lock. */
			if (i > 0 && strcmp(order[i]->stable_dir, order[i - 1]->stable_dir) == 0)
				continue;
			if (lock_key(o, order[i]->stable_dir, &order[i]->lock, err) < 0) {
				free(order);
				goto out;
			}
		}
		free(order);
	}
	/* Cold zig targets first, one by one; then the rest together. */
	struct job *sorted = xcalloc(n, sizeof *sorted);
	size_t n_cold = 0, k = 0;
	for (size_t i = 0; i < n; i++)
		if (jobs[i].marker && access(jobs[i].marker, F_OK) != 0)
			n_cold++;
	size_t cold = 0, warm = n_cold;
	for (size_t i = 0; i < n; i++)
		sorted[jobs[i].marker && access(jobs[i].marker, F_OK) != 0 ? cold++ : warm++] = jobs[i];
	for (size_t i = 0; i < n; i++)
		announce(o, s, &sorted[i], res->name);
	size_t max_jobs = o->jobs > 0 ? (size_t)o->jobs : 1;
	for (k = 0; k < n_cold; k++)
		run_jobs(sorted, k, k + 1, 1);
	run_jobs(sorted, n_cold, n, max_jobs);
	/* Back in platform order. */
	for (size_t i = 0; i < n; i++)
		jobs[sorted[i].index] = sorted[i];
	free(sorted);

	res->bins = xcalloc(n, sizeof *res->bins);
	for (size_t i = 0; i < n; i++) {
		if (finish_one(o, &jobs[i], &res->bins[res->n_bins], err) < 0) {
			/* The others' binaries are already in place (stable) or
			 * removed below (temp names). */
			for (size_t m = i + 1; m < n; m++)
				if (!o->stable_output)
					unlink(jobs[m].tmp);
			goto out;
		}
		res->n_bins++;
	}
	r = 0;
out:
	for (size_t i = 0; i < n; i++) {
		if (!o->stable_output && jobs[i].tmp)
			gs_tempfile_forget(jobs[i].tmp);
		job_release(&jobs[i]);
	}
	free(jobs);
	return r;
}

/* --pie's limits, checked before anything runs: usage errors. */
static int check_pie(const gs_compile_opts_t *o, gs_error_t *err)
{
	if (!o->pie)
		return 0;
	if (o->compiler != GS_COMPILER_GC)
		return gs_error_usage(err, "--pie needs --compiler gc (gccgo and gollvm link with "
				      "their own driver); drop --pie or use --compiler gc");
	if (o->cgo == GS_CGO_OFF)
		return gs_error_usage(err, "--pie links with the C toolchain, which needs cgo; drop "
				      "'--cgo off'");
	if (o->cc_kind == GS_CC_MUSL_GCC)
		return gs_error_usage(err, "--pie cannot use --cc musl-gcc (Debian's musl has no "
				      "static-PIE start file, rcrt1.o); use --cc zig");
	for (size_t i = 0; i < o->n_platforms; i++)
		if (!gs_gobuild_pie_supported(o->platforms[i]))
			return gs_error_usage(err, "--pie is not supported for %s (its static-PIE "
					      "binaries crash at start-up); build %s without --pie",
					      o->platforms[i]->name, o->platforms[i]->name);
	return 0;
}

/* go's work directory for a stable output: cache_dir/out/tmp/run-XXXXXX,
 * on the stable outputs' file system, with run-XXXXXX/lock flock'd for as
 * long as this gsimage runs.  A run directory whose lock is gone or can be
 * taken belongs to a gsimage that is gone (SIGKILLed, its go's work left
 * behind) and is removed.  A lock, not a pid: a cache shared between
 * containers cannot see the other pid namespaces.  The directory is made as
 * new-XXXXXX and renamed once locked, so no run directory is ever seen
 * before its lock is held. */
struct go_tmp {
	char *dir, *lock_path;
	gs_lock_t lock;
};

#define STALE_NEW_SECONDS 60

static void reap_go_tmp(const char *base)
{
	DIR *d = opendir(base);
	for (struct dirent *de; d && (de = readdir(d));) {
		cleanup_free char *path = gs_path_join(base, de->d_name);
		if (strncmp(de->d_name, "run-", 4) == 0) {
			cleanup_free char *lock = gs_path_join(path, "lock");
			gs_lock_t held = GS_LOCK_INIT;
			gs_error_t e = GS_ERROR_INIT;
			int r = gs_lock_path(&held, lock, GS_LOCK_TRY | GS_LOCK_NOCREATE, &e);
			if (r == 0 || (r < 0 && e.errnum == ENOENT))
				gs_fs_remove_tree(path); /* its gsimage is gone */
			gs_lock_release(&held);
			gs_error_release(&e);
		} else if (strncmp(de->d_name, "new-", 4) == 0) {
			/* killed between mkdtemp and rename: nothing in it yet */
			struct stat st;
			if (lstat(path, &st) == 0 && st.st_mtime < time(NULL) - STALE_NEW_SECONDS)
				gs_fs_remove_tree(path);
		}
	}
	if (d)
		closedir(d);
}

static int go_tmp_make(const gs_compile_opts_t *o, struct go_tmp *t, gs_error_t *err)
{
	cleanup_free char *base = gs_path_join(o->cache_dir, "out/tmp");
	if (gs_fs_mkdir_p(base, 0700, err) < 0)
		return -1;
	reap_go_tmp(base);
	cleanup_free char *tmpl = gs_path_join(base, "new-XXXXXX");
	if (!mkdtemp(tmpl))
		return gs_error_set(err, errno, "creating a work directory in '%s'", base);
	cleanup_free char *new_lock = gs_path_join(tmpl, "lock");
	if (gs_lock_path(&t->lock, new_lock, GS_LOCK_EXCLUSIVE, err) < 0) {
		gs_fs_remove_tree(tmpl);
		return -1;
	}
	t->dir = x_asprintf("%s/run-%s", base, tmpl + strlen(base) + strlen("/new-"));
	if (rename(tmpl, t->dir) < 0) {
		gs_error_set(err, errno, "renaming '%s'", tmpl);
		gs_fs_remove_tree(tmpl);
		return -1;
	}
	t->lock_path = gs_path_join(t->dir, "lock");
	/* An interrupt takes the lock file and the (then empty) directory
	 * along; what a killed go leaves, the next build reaps. */
	gs_tempfile_register(t->lock_path);
	gs_tempfile_register(t->dir);
	return 0;
}

/* go has emptied it (it removes its own work directory). */
static void go_tmp_release(struct go_tmp *t)
{
	if (!t->dir)
		return;
	unlink(t->lock_path);
	rmdir(t->dir);
	gs_tempfile_forget(t->lock_path);
	gs_tempfile_forget(t->dir);
	gs_lock_release(&t->lock);
	free(t->dir);
	free(t->lock_path);
}
#define cleanup_go_tmp __attribute__((cleanup(go_tmp_release)))

static int build_listed(const gs_compile_opts_t *o, const struct settled *settled,
			const gs_golist_t *lists, gs_compile_result_t *res, gs_error_t *err);

/* One go list per platform: go list sees that platform's build constraints
 * (GOOS, GOARCH, cgo on), so each platform's cgo is decided by its own
 * files (a C file behind //go:build arm64 && cgo).  The memo is per
 * platform too: its key holds the platform's environment. */
struct listing {
	gs_strvec_t env;       /* go list's environment for the platform */
	char *memo_key;        /* stable_output with a cache: the memo's key */
	gs_golist_memo_t memo;
	int memo_loaded;
	gs_golist_t fresh;
	struct timespec listed_at;
};

static void listing_release(struct listing *ls)
{
	gs_strvec_release(&ls->env);
	free(ls->memo_key);
	gs_golist_memo_release(&ls->memo);
	gs_golist_release(&ls->fresh);
}

static int list_fresh(const gs_compile_opts_t *o, const struct settled *st, struct listing *ls,
		      gs_error_t *err)
{
	gs_golist_release(&ls->fresh);
	clock_gettime(CLOCK_REALTIME, &ls->listed_at);
	return gs_golist_run(st->go, st->cwd, st->pkg, o->tags, o->package, ls->env.v, &ls->fresh,
			     err);
}

static int compile_all(const gs_compile_opts_t *o, gs_compile_result_t *res, gs_error_t *err)
{
	const gs_platform_t *host = gs_platform_host();
	struct settled st = {0};
	size_t n = o->n_platforms;

	if (check_pie(o, err) < 0)
		return -1;
	/* The go command drops $GOFLAGS' -ldflags and -tags when its command
	 * line has them (and gsimage's always has -ldflags): merge them. */
	cleanup_free char *goflags_ldflags = gs_goflags_value(o->goflags, "ldflags");
	cleanup_free char *goflags_tags = gs_goflags_value(o->goflags, "tags");
	if (goflags_ldflags && *goflags_ldflags && goflags_ldflags[0] != '-' &&
	    strchr(goflags_ldflags, '='))
		return gs_error_usage(err, "GOFLAGS has '-ldflags=%s', with a package pattern, "
				      "which gsimage cannot merge into its own -ldflags; give the "
				      "flags with --ldflags", goflags_ldflags);
	st.goflags_ldflags = goflags_ldflags;
	st.goflags_tags = goflags_tags;

	cleanup_free char *go = gs_tool_find("go", o->go_override, NULL);
	if (!go) {
		if (o->go_override && *o->go_override)
			return gs_error_set(err, 0, "GSIMAGE_GO='%s' is not an executable; point it "
						    "at the go command or unset it", o->go_override);
		return gs_error_set(err, 0, "'go' not found in PATH; install Go (apt-get install "
					    "golang-go) or set GSIMAGE_GO");
	}

	/* gccgo and gollvm build for the machine they run on only. */
	cleanup_free char *gccgo = NULL;
	if (o->compiler != GS_COMPILER_GC) {
		for (size_t i = 0; i < o->n_platforms; i++)
			if (o->platforms[i] != host)
				return gs_error_usage(err, "--compiler %s builds only for the host "
						      "platform (%s), not %s; use --compiler gc to "
						      "cross-compile",
						      gs_go_compiler_name(o->compiler),
						      host ? host->name : "unknown",
						      o->platforms[i]->name);
		if (o->compiler == GS_COMPILER_GCCGO) {
			gccgo = gs_tool_find("gccgo", NULL, NULL);
			if (!gccgo)
				return gs_error_set(err, 0, "'gccgo' not found in PATH; install gccgo "
							    "or use --compiler gc");
		} else {
			gccgo = gs_tool_find("llvm-goc", o->gollvm_override, NULL);
			if (!gccgo)
				return gs_error_set(err, 0, "'llvm-goc' (gollvm) not found in PATH; "
							    "install gollvm and put llvm-goc in PATH or "
							    "set GSIMAGE_GOLLVM, or use --compiler gc");
		}
	}

	cleanup_free char *cwd = NULL, *pkg = NULL;
	if (resolve_package(o->package, &cwd, &pkg, err) < 0)
		return -1;

	cleanup_strvec gs_strvec_t list_argv = GS_STRVEC_INIT;
	gs_golist_argv(go, pkg, o->tags, &list_argv);
	struct listing *ls = xcalloc(n ? n : 1, sizeof *ls);
	for (size_t i = 0; i < n; i++) {
		gs_gobuild_t lb = {.platform = o->platforms[i], .compiler = GS_COMPILER_GC, .cgo = 1};
		gs_gobuild_env(&lb, environ, &ls[i].env);
	}
	int r = -1;
	cleanup_go_tmp struct go_tmp go_tmp = {.lock = GS_LOCK_INIT};
	cleanup_free char *go_version = NULL;
	cleanup_free gs_golist_t *lists = xcalloc(n ? n : 1, sizeof *lists);

	/* The Go that really builds, which GOTOOLCHAIN and go.mod choose: it
	 * names the cache entries below. */
	if (o->compiler == GS_COMPILER_GC &&
	    !(go_version = gs_go_effective_version(go, cwd, ls[0].env.v, o->cache_dir, err)))
		goto out;

	st.go = go;
	st.go_version = go_version;
	st.gccgo = gccgo;
	st.cwd = cwd;
	st.pkg = pkg;
	if (o->stable_output && go_tmp_make(o, &go_tmp, err) < 0)
		goto out;
	st.go_tmp = go_tmp.dir;

	/* A stable output can build with what go list said last time while
	 * nothing it read has changed, which a no-op rebuild shows only
	 * after the build: build first, then check (see golist.h).  Only
	 * when every platform has a memo. */
	int speculate = o->stable_output && o->cache_dir && n > 0;
	for (size_t i = 0; speculate && i < n; i++) {
		ls[i].memo_key = gs_golist_memo_key(go, go_version, list_argv.v, ls[i].env.v, cwd);
		ls[i].memo_loaded = gs_golist_memo_load(o->cache_dir, ls[i].memo_key, &ls[i].memo);
		speculate = ls[i].memo_loaded;
	}
	for (size_t i = 0; !speculate && i < n; i++)
		if (list_fresh(o, &st, &ls[i], err) < 0)
			goto out;
	for (size_t i = 0; i < n; i++)
		lists[i] = speculate ? ls[i].memo.list : ls[i].fresh; /* borrowed */
	r = build_listed(o, &st, lists, res, err);
	int valid = speculate && r == 0;
	for (size_t i = 0; valid && i < n; i++)
		valid = gs_golist_memo_valid(&ls[i].memo, res->bins[i].path, res->bins[i].build_id);
	if (valid) {
		r = 0;
		goto out;
	}
	if (speculate) {
		/* Something changed (or the build failed): what does go list
		 * say now?  The same answers keep the build (or its error). */
		gs_error_t list_err = GS_ERROR_INIT;
		int same = 1;
		for (size_t i = 0; i < n; i++) {
			if (list_fresh(o, &st, &ls[i], &list_err) < 0) {
				gs_error_release(err);
				*err = list_err; /* moved: the package's problem comes first */
				r = -1;
				goto out;
			}
			same = same && gs_golist_same(&ls[i].fresh, &ls[i].memo.list);
			lists[i] = ls[i].fresh;
		}
		if (!same) {
			gs_compile_result_release(res);
			gs_error_release(err);
			r = build_listed(o, &st, lists, res, err);
		}
	}
	if (r == 0 && o->stable_output && o->cache_dir) {
		for (size_t i = 0; i < n; i++) {
			if (!ls[i].memo_key)
				ls[i].memo_key = gs_golist_memo_key(go, go_version, list_argv.v,
								    ls[i].env.v, cwd);
			gs_golist_memo_store(o->cache_dir, ls[i].memo_key, &ls[i].fresh,
					     res->bins[i].path, res->bins[i].build_id,
					     &ls[i].listed_at);
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		listing_release(&ls[i]);
	free(ls);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* to = from's strings sorted, each once. */
static void sorted_unique(gs_strvec_t *to, const gs_strvec_t *from)
{
	cleanup_strvec gs_strvec_t tmp = GS_STRVEC_INIT;
	for (size_t i = 0; i < from->n; i++)
		gs_strvec_push(&tmp, from->v[i]);
	if (tmp.n)
		qsort(tmp.v, tmp.n, sizeof *tmp.v, cmp_str);
	for (size_t i = 0; i < tmp.n; i++)
		if (i == 0 || strcmp(tmp.v[i], tmp.v[i - 1]) != 0)
			gs_strvec_push(to, tmp.v[i]);
}

/* cgo for one platform, from its go list answer l. */
static struct cgo_choice choose_cgo(const gs_compile_opts_t *o, const gs_golist_t *l)
{
	struct cgo_choice c = {0};
	switch (o->cgo) {
	case GS_CGO_ON:
		c.cgo = 1;
		break;
	case GS_CGO_OFF:
		c.cgo = 0;
		break;
	case GS_CGO_AUTO:
		/* gccgo always links with its C runtime */
		c.cgo = o->compiler != GS_COMPILER_GC ? 1 : l->uses_cgo;
		/* A static-PIE is linked by the C toolchain, which needs cgo on
		 * (CGO_ENABLED=1) even for a pure Go program. */
		if (o->pie && !c.cgo) {
			c.cgo = 1;
			c.pie_pure_go = 1;
		}
		break;
	}
	return c;
}

/* Build with go list's answers (lists[i] for platform i): settle cgo per
 * platform and the C compiler, then build every platform.  res gets the
 * answers' facts. */
static int build_listed(const gs_compile_opts_t *o, const struct settled *settled,
			const gs_golist_t *lists, gs_compile_result_t *res, gs_error_t *err)
{
	struct settled st = *settled;
	size_t n = o->n_platforms;
	const gs_golist_t *l = &lists[0];
	res->name = gs_gobuild_binary_name(l->import_path);
	res->import_path = xstrdup(l->import_path);
	res->dir = xstrdup(l->dir);
	res->go_cwd = xstrdup(st.cwd);
	res->go_package = xstrdup(st.pkg);
	cleanup_free struct cgo_choice *choices = xcalloc(n ? n : 1, sizeof *choices);
	for (size_t i = 0; i < n; i++) {
		choices[i] = choose_cgo(o, &lists[i]);
		res->cgo |= choices[i].cgo;
	}

	cleanup_free char *zig = NULL, *zig_ver = NULL, *zig_lib = NULL;
	if (res->cgo && o->cc_kind == GS_CC_ZIG && o->compiler == GS_COMPILER_GC) {
		cleanup_free char *bundled = o->toolchain_dir ? gs_path_join(o->toolchain_dir, "zig/zig")
							      : NULL;
		cleanup_free char *found = gs_tool_find("zig", o->zig_override, bundled);
		/* The wrapper runs in the package's directory: an absolute path. */
		zig = found ? realpath(found, NULL) : NULL;
		if (!zig) {
			if (o->zig_override && *o->zig_override)
				gs_error_set(err, 0, "GSIMAGE_ZIG='%s' is not an executable; point "
						     "it at zig >= 0.11 or unset it", o->zig_override);
			else
				gs_error_set(err, 0, "'zig' not found; install zig >= 0.11 (make "
						     "bootstrap) or set GSIMAGE_ZIG, or use --cgo off");
			return -1;
		}
		if (zig_facts(o->cache_dir, zig, &zig_ver, &zig_lib, err) < 0)
			return -1;
	}

	res->zig_version = zig_ver ? xstrdup(zig_ver) : NULL;
	res->zig_lib = zig_lib ? xstrdup(zig_lib) : NULL;
	res->go = xstrdup(st.go);
	res->go_version = st.go_version ? xstrdup(st.go_version) : NULL;
	res->cc_kind = o->cc_kind;
	if (res->cgo && o->compiler == GS_COMPILER_GC)
		res->cc_driver = zig ? xstrdup(zig)
			       : o->cc_kind == GS_CC_MUSL_GCC ? gs_proc_which("musl-gcc", NULL)
							      : gs_proc_which(o->cc, NULL);

	cleanup_free char *out_dir = NULL;
	if (!o->stable_output && gs_fs_mkdir_p(o->out_dir, 0755, err) < 0)
		return -1;
	if (!o->stable_output && !(out_dir = realpath(o->out_dir, NULL))) {
		gs_error_set(err, errno, "resolving output directory '%s'", o->out_dir);
		return -1;
	}

	st.zig = zig;
	st.zig_version = zig_ver;
	st.zig_lib = zig_lib;
	st.out_dir = out_dir;
	if (build_all(o, &st, choices, res, err) < 0)
		return -1;
	/* Each platform's cgo packages, sorted, for its SBOM. */
	for (size_t i = 0; i < res->n_bins; i++)
		sorted_unique(&res->bins[i].cgo_packages, &lists[i].cgo_packages);
	return 0;
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

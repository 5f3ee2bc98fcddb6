#include "gsimage/toolchain/golist.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/cache.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/proc.h"
#include "gsimage/util/xalloc.h"

#define MEMO_MAGIC "gsimage-golist-v1\n"

/* One `go list -deps` answers every question: the named package (a line
 * "M\tname\timport path\tdir"), whether a non-standard package in its
 * build uses cgo (a line "C"), every cgo package, for the SBOM
 * ("P\t<import path>"), and the non-standard packages' directories, for
 * the memo ("D\t<dir>").  -buildvcs=false: listing needs no VCS stamp,
 * and git would cost more than the listing. */
void gs_golist_argv(const char *go, const char *pkg, const char *tags, gs_strvec_t *argv)
{
	gs_strvec_push(argv, go);
	gs_strvec_push(argv, "list");
	gs_strvec_push(argv, "-buildvcs=false");
	gs_strvec_push(argv, "-deps");
	if (tags && *tags)
		gs_strvec_pushf(argv, "-tags=%s", tags);
	/* The standard library's cgo users (net, os/user) have pure-Go
	 * fallbacks, so only the program's own cgo forces cgo on ("C"). */
	gs_strvec_push(argv, "-f={{if not .DepOnly}}M\t{{.Name}}\t{{.ImportPath}}\t{{.Dir}}\n{{end}}"
			     "{{if .CgoFiles}}P\t{{.ImportPath}}\n{{end}}"
			     "{{if and .CgoFiles (not .Standard)}}C\n{{end}}"
			     "{{if not .Standard}}D\t{{.Dir}}\n{{end}}");
	gs_strvec_push(argv, "--");
	gs_strvec_push(argv, pkg);
}

int gs_golist_parse(char *output, const char *package, gs_golist_t *l, gs_error_t *err)
{
	gs_golist_release(l);
	l->output = output;
	cleanup_free char *text = xstrdup(output);
	char *main_line = NULL;
	int n_main = 0;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strcmp(line, "C") == 0)
			l->uses_cgo = 1;
		else if (strncmp(line, "P\t", 2) == 0)
			gs_strvec_push(&l->cgo_packages, line + 2);
		else if (strncmp(line, "D\t", 2) == 0)
			gs_strvec_push(&l->source_dirs, line + 2);
		else if (strncmp(line, "M\t", 2) == 0) {
			n_main++;
			main_line = line + 2;
		}
	}
	/* One named package: "name\timport path\tdir" */
	char *tab1 = main_line ? strchr(main_line, '\t') : NULL;
	char *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
	if (!tab2 || n_main != 1)
		return gs_error_usage(err, "'%s' names several packages; give one main package",
				      package);
	*tab1 = *tab2 = '\0';
	if (strcmp(main_line, "main") != 0)
		return gs_error_usage(err, "'%s' is package %s, not a main package; give the "
				      "directory of a package main", package, main_line);
	l->name = xstrdup(main_line);
	l->import_path = xstrdup(tab1 + 1);
	l->dir = xstrdup(tab2 + 1);
	return 0;
}

int gs_golist_run(const char *go, const char *cwd, const char *pkg, const char *tags,
		  const char *package, char *const *envp, gs_golist_t *l, gs_error_t *err)
{
	cleanup_strvec gs_strvec_t argv = GS_STRVEC_INIT;
	char *out = NULL;
	gs_golist_argv(go, pkg, tags, &argv);
	gs_proc_opts_t po = {.argv = argv.v, .envp = envp, .cwd = cwd};
	if (gs_proc_output(&po, &out, NULL, err) < 0) {
		if (err->errnum) /* go did not start */
			return gs_error_wrap(err, "listing package '%s'", package);
		/* Not always the package's fault (no build cache, a VCS status
		 * go cannot read): say what failed, and Go's reason.
		 * "go.mod requires go >= 1.27 (running go 1.26.8;
		 * GOTOOLCHAIN=local)": say how to get that Go. */
		if (strstr(err->msg, "GOTOOLCHAIN=local"))
			gs_error_set(err, 0, "%s; GOTOOLCHAIN=auto lets go fetch the Go that "
				     "go.mod asks for through the module proxy", err->msg);
		return gs_error_wrap(err, "go cannot load package '%s'", package);
	}
	return gs_golist_parse(out, package, l, err);
}

int gs_golist_same(const gs_golist_t *a, const gs_golist_t *b)
{
	return a->output && b->output && strcmp(a->output, b->output) == 0;
}

void gs_golist_release(gs_golist_t *l)
{
	free(l->output);
	free(l->name);
	free(l->import_path);
	free(l->dir);
	gs_strvec_release(&l->cgo_packages);
	gs_strvec_release(&l->source_dirs);
	memset(l, 0, sizeof *l);
}

/* ---- the memo ------------------------------------------------------------ */

/* The environment go list's answer can depend on: Go's own variables, the
 * C toolchain's, and where go finds its settings.  Not the rest, which
 * changes from shell to shell and would only make the memo miss. */
static int env_matters(const char *e)
{
	static const char *const names[] = {"PATH=", "HOME=", "XDG_CONFIG_HOME=", "CC=",
					    "CXX=", "AR=", "PKG_CONFIG="};
	if (strncmp(e, "GO", 2) == 0 || strncmp(e, "CGO_", 4) == 0)
		return 1;
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strncmp(e, names[i], strlen(names[i])) == 0)
			return 1;
	return 0;
}

char *gs_golist_memo_key(const char *go, const char *go_version, char *const *list_argv,
			 char *const *envp, const char *cwd)
{
	cleanup_strvec gs_strvec_t parts = GS_STRVEC_INIT;
	struct stat st;
	gs_strvec_push(&parts, MEMO_MAGIC);
	gs_strvec_pushf(&parts, "cwd=%s", cwd);
	/* A new go (an upgrade in place) answers from another standard library. */
	if (stat(go, &st) == 0) {
		cleanup_free char *id = gs_fs_identity(&st);
		gs_strvec_pushf(&parts, "go=%s %s", go, id);
	}
	/* The same go may run another Go (GOTOOLCHAIN, go.mod's go line). */
	gs_strvec_pushf(&parts, "goversion=%s", go_version ? go_version : "");
	for (char *const *a = list_argv; *a; a++)
		gs_strvec_pushf(&parts, "arg=%s", *a);
	for (char *const *e = envp; e && *e; e++)
		if (env_matters(*e))
			gs_strvec_pushf(&parts, "env=%s", *e);
	return gs_strvec_join(&parts, "\n");
}

static void newer(struct timespec *newest, const struct timespec *t)
{
	if (t->tv_sec > newest->tv_sec ||
	    (t->tv_sec == newest->tv_sec && t->tv_nsec > newest->tv_nsec))
		*newest = *t;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The state of the source directories: every entry's name and identity,
 * named as a cache key is (hex, owned), and the newest change time seen. */
static char *sources_state(const gs_strvec_t *dirs, struct timespec *newest)
{
	gs_cache_key_t state;
	gs_cache_key_init(&state, "sources");
	*newest = (struct timespec){0};
	for (size_t i = 0; i < dirs->n; i++) {
		const char *dir = dirs->v[i];
		cleanup_strvec gs_strvec_t names = GS_STRVEC_INIT;
		struct stat st;
		DIR *d = opendir(dir);
		if (d) {
			struct dirent *de;
			while ((de = readdir(d)))
				if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
					gs_strvec_push(&names, de->d_name);
			closedir(d);
		}
		qsort(names.v, names.n, sizeof *names.v, cmp_str);
		/* Every entry, then the directory itself. */
		for (size_t k = 0; k <= names.n; k++) {
			cleanup_free char *path = k < names.n ? gs_path_join(dir, names.v[k])
							      : xstrdup(dir);
			/* The entry, and what a symlink names: go reads a
			 * symlinked file through the link. */
			struct stat lst;
			cleanup_free char *lid = lstat(path, &lst) == 0 ? gs_fs_identity(&lst) : xstrdup("-");
			cleanup_free char *id = stat(path, &st) == 0 ? gs_fs_identity(&st) : xstrdup("-");
			cleanup_free char *line = x_asprintf("%s\t%s\t%s\n", path, lid, id);
			if (strcmp(lid, "-") != 0)
				newer(newest, &lst.st_ctim);
			if (strcmp(id, "-") != 0)
				newer(newest, &st.st_ctim);
			gs_cache_key_str(&state, "entry", line);
		}
	}
	char *name = gs_cache_key_name(&state);
	gs_cache_key_release(&state);
	return name;
}

/* The memo's cache key: the whole memo key as one part. */
static void memo_cache_key(const char *key, gs_cache_key_t *k)
{
	gs_cache_key_init(k, "golist");
	gs_cache_key_str(k, "go list", key);
}

/* The memo's value: "<binary>\n<build id>\n<sources>\n" then go list's
 * output. */
int gs_golist_memo_load(const char *cache_dir, const char *key, gs_golist_memo_t *m)
{
	memset(m, 0, sizeof *m);
	if (!cache_dir)
		return 0;
	gs_cache_t cache = {.dir = cache_dir};
	gs_cache_key_t k;
	memo_cache_key(key, &k);
	cleanup_free char *text = NULL;
	int hit = gs_cache_get(&cache, &k, &text, NULL);
	gs_cache_key_release(&k);
	if (!hit)
		return 0;
	char *line[3], *p = text;
	for (int i = 0; i < 3; i++) {
		char *nl = strchr(p, '\n');
		if (!nl)
			return 0;
		*nl = '\0';
		line[i] = p;
		p = nl + 1;
	}
	gs_error_t perr = GS_ERROR_INIT;
	if (gs_golist_parse(xstrdup(p), "memo", &m->list, &perr) < 0) {
		gs_error_release(&perr);
		gs_golist_memo_release(m);
		return 0;
	}
	m->binary = xstrdup(line[0]);
	m->build_id = xstrdup(line[1]);
	m->sources = xstrdup(line[2]);
	return 1;
}

int gs_golist_memo_valid(const gs_golist_memo_t *m, const char *binary, const char *build_id)
{
	if (!build_id || strcmp(m->binary, binary) != 0 || strcmp(m->build_id, build_id) != 0)
		return 0;
	struct timespec newest;
	cleanup_free char *state = sources_state(&m->list.source_dirs, &newest);
	return strcmp(state, m->sources) == 0;
}

void gs_golist_memo_store(const char *cache_dir, const char *key, const gs_golist_t *l,
			  const char *binary, const char *build_id,
			  const struct timespec *listed_at)
{
	if (!cache_dir || !build_id)
		return;
	struct timespec newest;
	cleanup_free char *state = sources_state(&l->source_dirs, &newest);
	/* A file changed within a second of the listing (change times come
	 * from a coarse clock) may have changed after go list read it: the
	 * next build's state would match a listing that never saw it. */
	if (newest.tv_sec >= listed_at->tv_sec - 1)
		return;
	if (strchr(binary, '\n') || strchr(build_id, '\n'))
		return;
	cleanup_free char *text = x_asprintf("%s\n%s\n%s\n%s", binary, build_id, state, l->output);
	gs_cache_t cache = {.dir = cache_dir};
	gs_cache_key_t k;
	memo_cache_key(key, &k);
	/* 0600: the key holds Go's environment (a GOPROXY URL may carry
	 * credentials). */
	gs_cache_put(&cache, &k, text, strlen(text), 0600);
	gs_cache_key_release(&k);
}

void gs_golist_memo_release(gs_golist_memo_t *m)
{
	gs_golist_release(&m->list);
	free(m->binary);
	free(m->build_id);
	free(m->sources);
	memset(m, 0, sizeof *m);
}

/* ---- the source ------------------------------------------------------------ */

void gs_golist_source_init(gs_golist_source_t *s, const char *go, const char *go_version,
			   const char *cwd, const char *pkg, const char *tags,
			   const char *package, char *const *envp, const char *cache_dir)
{
	memset(s, 0, sizeof *s);
	s->go = go;
	s->cwd = cwd;
	s->pkg = pkg;
	s->tags = tags;
	s->package = package;
	s->envp = envp;
	s->cache_dir = cache_dir;
	if (cache_dir) {
		cleanup_strvec gs_strvec_t argv = GS_STRVEC_INIT;
		gs_golist_argv(go, pkg, tags, &argv);
		s->memo_key = gs_golist_memo_key(go, go_version, argv.v, envp, cwd);
	}
}

static int source_list(gs_golist_source_t *s, gs_error_t *err)
{
	gs_golist_release(&s->fresh);
	clock_gettime(CLOCK_REALTIME, &s->listed_at);
	return gs_golist_run(s->go, s->cwd, s->pkg, s->tags, s->package, s->envp, &s->fresh, err);
}

int gs_golist_source_get(gs_golist_source_t *s, const gs_golist_t **l, gs_error_t *err)
{
	if (!s->fresh.output && !s->from_memo) {
		s->from_memo = s->memo_key && gs_golist_memo_load(s->cache_dir, s->memo_key, &s->memo);
		if (!s->from_memo && source_list(s, err) < 0)
			return -1;
	}
	*l = s->from_memo ? &s->memo.list : &s->fresh;
	return 0;
}

int gs_golist_source_confirm(gs_golist_source_t *s, int built, const char *binary,
			     const char *build_id, gs_error_t *err)
{
	if (s->confirmed)
		return 1;
	if (s->from_memo) {
		if (built && gs_golist_memo_valid(&s->memo, binary, build_id)) {
			s->confirmed = 1;
			return 1;
		}
		/* Something changed (or the build failed): what does go list
		 * say now?  The same answer keeps the build (or its error). */
		s->from_memo = 0;
		if (source_list(s, err) < 0)
			return -1;
		if (!gs_golist_same(&s->fresh, &s->memo.list))
			return 0;
	}
	s->confirmed = 1;
	if (built && s->memo_key)
		gs_golist_memo_store(s->cache_dir, s->memo_key, &s->fresh, binary, build_id,
				     &s->listed_at);
	return 1;
}

void gs_golist_source_release(gs_golist_source_t *s)
{
	free(s->memo_key);
	gs_golist_memo_release(&s->memo);
	gs_golist_release(&s->fresh);
	memset(s, 0, sizeof *s);
}

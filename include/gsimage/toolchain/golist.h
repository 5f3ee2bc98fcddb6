/* What `go list` says about the main package being built, and a memo of it
 * that lets a rebuild start `go build` without waiting for `go list`.
 *
 * The memo is a hint: the compile driver builds with the remembered
 * answer, then trusts it only when the build shows nothing it depends on
 * changed (see gs_golist_memo_valid()); otherwise it lists again and, when
 * the answer differs, builds again with the new one. */
#ifndef GSIMAGE_TOOLCHAIN_GOLIST_H
#define GSIMAGE_TOOLCHAIN_GOLIST_H

#include <time.h>

#include "gsimage/util/error.h"
#include "gsimage/util/strvec.h"

typedef struct gs_golist {
	char *output;             /* go list's answer as printed: the memo keeps it */
	char *name;               /* package name ("main" for a program) */
	char *import_path, *dir;  /* of the named package */
	int uses_cgo;             /* a non-standard package in the build uses cgo */
	gs_strvec_t cgo_packages; /* every package with cgo files */
	gs_strvec_t source_dirs;  /* directories of the non-standard packages */
} gs_golist_t;

#define GS_GOLIST_INIT {0}

/* go list argv for package pkg (run in the package's working directory). */
void gs_golist_argv(const char *go, const char *pkg, const char *tags, gs_strvec_t *argv);

/* Run go list; on success l holds the parsed answer.  package is the
 * user's spelling, for messages.  A package that is not one main package
 * is a usage error. */
int gs_golist_run(const char *go, const char *cwd, const char *pkg, const char *tags,
		  const char *package, char *const *envp, gs_golist_t *l, gs_error_t *err);

/* Fill l from go list's output (taking ownership of output). */
int gs_golist_parse(char *output, const char *package, gs_golist_t *l, gs_error_t *err);

/* Do a and b say the same (the same listing)? */
int gs_golist_same(const gs_golist_t *a, const gs_golist_t *b);

void gs_golist_release(gs_golist_t *l);

/* ---- the memo: cache_dir/golist/<hash of key> ---------------------------- */

/* The memo's key: everything go list's answer depends on besides the
 * files it reads (go and the Go that really builds, go_version, its flags,
 * the Go-related environment, the directory).  Owned. */
char *gs_golist_memo_key(const char *go, const char *go_version, char *const *list_argv,
			 char *const *envp, const char *cwd);

typedef struct gs_golist_memo {
	gs_golist_t list;
	char *binary;    /* the first platform's binary it was validated with */
	char *build_id;  /* that binary's Go build ID then */
	char *sources;   /* the source directories' state then */
} gs_golist_memo_t;

/* 1 and m filled when a memo for key exists and parses; 0 otherwise (a
 * missing or damaged memo is no memo). */
int gs_golist_memo_load(const char *cache_dir, const char *key, gs_golist_memo_t *m);

/* Is the memo's answer still true for a build that produced binary, whose
 * Go build ID is build_id?  Yes when it is the binary the memo was
 * recorded with and its build ID is unchanged (go did not relink it: none
 * of the build's inputs changed; go itself decides "up to date" by this
 * ID), and no file in a source directory changed (which also covers the
 * files the build skips but go list reads: cgo files in a CGO_ENABLED=0
 * build, files behind other build tags). */
int gs_golist_memo_valid(const gs_golist_memo_t *m, const char *binary, const char *build_id);

/* Remember l for key with the binary it was checked against.  listed_at
 * is when the go list that produced l started: a source file changed
 * since then (or too close to it to tell) makes the memo useless, so
 * none is written; nor without a build ID.  Failures are ignored (a hint
 * only). */
void gs_golist_memo_store(const char *cache_dir, const char *key, const gs_golist_t *l,
			  const char *binary, const char *build_id,
			  const struct timespec *listed_at);

void gs_golist_memo_release(gs_golist_memo_t *m);

/* ---- the source: go list's answer for one platform, memo first ---------- */

/* Where the compile driver gets one platform's answer.  get() gives the
 * memo's answer when there is one (a speculation), else runs go list;
 * after building with it, confirm() says whether the build stands:
 *   1  the answer used is right (a fresh one, or a memo the build showed
 *      still true, or one go list repeats): the memo is (re)written when
 *      the build succeeded;
 *   0  go list now says something else: the fresh answer is what get()
 *      gives from now on, and the caller builds again and confirms again;
 *  -1  go list failed (err: the package's problem comes first). */
typedef struct gs_golist_source {
	/* set by the caller, borrowed */
	const char *go, *cwd, *pkg, *tags;
	const char *package;   /* the user's spelling, for messages */
	char *const *envp;     /* the platform's environment */
	const char *cache_dir; /* NULL: no memo */
	char *memo_key;        /* owned; NULL: no memo */
	/* state */
	gs_golist_memo_t memo;
	int from_memo;         /* get() answered with the memo */
	int confirmed;
	gs_golist_t fresh;
	struct timespec listed_at;
} gs_golist_source_t;

/* The memo key is made from go, go_version, argv and envp (see
 * gs_golist_memo_key()); cache_dir NULL keeps no memo. */
void gs_golist_source_init(gs_golist_source_t *s, const char *go, const char *go_version,
			   const char *cwd, const char *pkg, const char *tags,
			   const char *package, char *const *envp, const char *cache_dir);

/* The answer to build with (borrowed: valid until the next call on s). */
int gs_golist_source_get(gs_golist_source_t *s, const gs_golist_t **l, gs_error_t *err);

/* After a build with get()'s answer: built says whether it succeeded, and
 * binary and build_id are its result then (the memo trusts an unchanged
 * binary only by them, see gs_golist_memo_valid()). */
int gs_golist_source_confirm(gs_golist_source_t *s, int built, const char *binary,
			     const char *build_id, gs_error_t *err);

void gs_golist_source_release(gs_golist_source_t *s);

#endif

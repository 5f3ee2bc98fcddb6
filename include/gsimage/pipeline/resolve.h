/* `gsimage resolve`: Kubernetes YAML in, the same YAML out with every
 * string "gsimage://PKG" (or "ko://PKG", so ko users can switch) replaced
 * by REPO/<name>@sha256:<digest>, each package built and pushed once.
 * Every other byte stays as it was (comments, key order, quoting, document
 * separators): libyaml finds the scalars and where they are, and the new
 * references are spliced into the original text. */
#ifndef GSIMAGE_PIPELINE_RESOLVE_H
#define GSIMAGE_PIPELINE_RESOLVE_H

#include <stddef.h>

#include "gsimage/pipeline/build.h"
#include "gsimage/util/error.h"
#include "gsimage/util/strvec.h"

/* Limits on what resolve reads: libyaml's time grows with the square of
 * the nesting depth, and an endless input (-f /dev/zero) must not eat
 * memory.  A Kubernetes object is at most 1.5 MiB (etcd's limit). */
#define GS_YAML_MAX_DEPTH 1000
#define GS_YAML_MAX_BYTES ((size_t)64 << 20) /* all the input together */

typedef struct gs_yaml_ref {
	size_t start, end;  /* bytes to replace, quotes included: the scalar
			       itself, not its anchor (&a) or tag (!!str) */
	char quote;         /* '\'' or '"' for a quoted scalar, else 0 */
	size_t line;        /* 1-based */
	const char *scheme; /* "gsimage://" or "ko://", as written (static) */
	char *package;      /* what follows the scheme */
} gs_yaml_ref_t;

typedef struct gs_yaml_refs {
	gs_yaml_ref_t *v;
	size_t n;
	/* What joining texts into one stream needs to know. */
	size_t documents;    /* how many documents the text holds */
	int first_explicit;  /* the first one starts with "---" */
	int first_directive; /* ... and has %YAML or %TAG directives */
	int last_ended;      /* the last one ends with "..." */
} gs_yaml_refs_t;

/* Find the references in one YAML text (several documents allowed).  Every
 * error is one line: YAML that does not parse (invalid UTF-8 included) is
 * "line L column C: <libyaml's problem>"; a block scalar ('|' or '>')
 * holding a reference is refused, and so is nesting deeper than
 * GS_YAML_MAX_DEPTH. */
int gs_yaml_refs_scan(const char *text, size_t len, gs_yaml_refs_t *out, gs_error_t *err);
void gs_yaml_refs_release(gs_yaml_refs_t *refs);

/* The text with refs->v[i] replaced by with[i] (quoted as it was); owned. */
char *gs_yaml_refs_splice(const char *text, size_t len, const gs_yaml_refs_t *refs,
			  const char *const *with, size_t *out_len);

/* Several texts joined as one stream that parses as their documents in
 * order: "---" before a text whose first document starts without one,
 * "..." before directives that follow an open document, a newline where a
 * text lacks its last one, and a byte order mark only at the start. */
typedef struct gs_yaml_stream {
	char *text; /* owned, NUL-terminated */
	size_t len;
	int documents; /* a document came before */
	int ended;     /* ... and it ended with "..." */
} gs_yaml_stream_t;

/* Append text (of which refs describes the documents). */
void gs_yaml_stream_append(gs_yaml_stream_t *s, const char *text, size_t len,
			   const gs_yaml_refs_t *refs);

typedef struct gs_resolve_request {
	gs_strvec_t files;      /* -f: files, directories, or "-" for stdin */
	int recursive;          /* -R: subdirectories too; a symbolic link to a
				   directory is not followed (one given with -f is) */
	const char *repo;       /* --repo REPO */
	const char *tag;        /* the tag pushed beside the digest ("latest");
				   both are checked before anything is read */
	gs_build_request_t build; /* platforms, image options, layout, push options */
} gs_resolve_request_t;

/* Build and push each package once (a local directory however it is
 * spelled: ./x, ./x/ and its absolute path are one package), then give
 * the resolved YAML of every file, in order, as one stream (see
 * gs_yaml_stream_append).  Nothing is given on error:
 * the message names the file and line ("'deploy.yaml' line 12: ..."). */
int gs_resolve(gs_resolve_request_t *req, char **out, size_t *out_len, gs_error_t *err);

#endif

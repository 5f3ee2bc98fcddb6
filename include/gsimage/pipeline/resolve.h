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

typedef struct gs_yaml_ref {
	size_t start, end; /* bytes to replace, quotes included */
	char quote;        /* '\'' or '"' for a quoted scalar, else 0 */
	size_t line;       /* 1-based */
	char *package;     /* what follows gsimage:// or ko:// */
} gs_yaml_ref_t;

typedef struct gs_yaml_refs {
	gs_yaml_ref_t *v;
	size_t n;
} gs_yaml_refs_t;

/* Find the references in one YAML text (several documents allowed).  YAML
 * that does not parse is "line L column C: <libyaml's problem>"; a block
 * scalar ('|' or '>') holding a reference is refused. */
int gs_yaml_refs_scan(const char *text, size_t len, gs_yaml_refs_t *out, gs_error_t *err);
void gs_yaml_refs_release(gs_yaml_refs_t *refs);

/* The text with refs->v[i] replaced by with[i] (quoted as it was); owned. */
char *gs_yaml_refs_splice(const char *text, size_t len, const gs_yaml_refs_t *refs,
			  const char *const *with, size_t *out_len);

typedef struct gs_resolve_request {
	gs_strvec_t files;      /* -f: files, directories, or "-" for stdin */
	int recursive;          /* -R: directories' subdirectories too */
	const char *repo;       /* --repo REPO */
	const char *tag;        /* the tag pushed beside the digest ("latest") */
	gs_build_request_t build; /* platforms, image options, layout, push options */
} gs_resolve_request_t;

/* Build and push each package once, then give the resolved YAML of every
 * file, in order, separated by "---" lines.  Nothing is given on error:
 * the message names the file and line ("'deploy.yaml' line 12: ..."). */
int gs_resolve(gs_resolve_request_t *req, char **out, size_t *out_len, gs_error_t *err);

#endif

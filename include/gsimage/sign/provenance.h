/* The SLSA v1 provenance predicate of a gsimage build, from plain facts the
 * pipeline gathers.  Deterministic: no wall-clock time, and every list in the
 * order given. */
#ifndef GSIMAGE_SIGN_PROVENANCE_H
#define GSIMAGE_SIGN_PROVENANCE_H

#include <jansson.h>
#include <stddef.h>

/* gsimage's buildType and builder (README "Provenance" documents them). */
#define GS_PROVENANCE_BUILD_TYPE "urn:gsimage:buildtype:go-static-image:v1"
#define GS_PROVENANCE_BUILDER "urn:gsimage:builder"

typedef struct gs_provenance_dep {
	const char *name;    /* "github.com/x/y", "go", "zig", "musl", "source" */
	const char *uri;     /* "pkg:golang/github.com/x/y@v1.2.3", or NULL */
	const char *alg;     /* digest algorithm: "dirHash", "gitCommit", "sha256"; or NULL */
	const char *digest;  /* its value */
	const char *note_key, *note_value; /* one annotation ("dirty": "true"), or NULL */
} gs_provenance_dep_t;

typedef struct gs_provenance_build {
	const char *platform;             /* "linux/amd64" */
	const char *const *settings;      /* "KEY=VALUE": Go's build settings */
	size_t n_settings;
} gs_provenance_build_t;

typedef struct gs_provenance_in {
	const char *package;              /* the Go package built, or NULL (pack) */
	const char *const *platforms;
	size_t n_platforms;
	const char *const *flags;         /* the user's flags, as given */
	size_t n_flags;
	const char *go_version;           /* the effective Go, or NULL */
	const gs_provenance_build_t *builds;
	size_t n_builds;
	const gs_provenance_dep_t *deps;
	size_t n_deps;
	const char *tool_version;         /* gsimage's */
} gs_provenance_in_t;

/* {buildDefinition{buildType, externalParameters, internalParameters,
 * resolvedDependencies}, runDetails{builder{id, version}, metadata{}}}; a new
 * reference. */
json_t *gs_provenance_predicate(const gs_provenance_in_t *in);

#endif

/* What a Go binary says about how it was built: the main module, every
 * dependency module with its version, h1: sum and replacement, and the build
 * settings (-compiler, CGO_ENABLED, GOARCH, -tags, ...).  This is the text
 * `go version -m` prints, parsed the way runtime/debug.ParseBuildInfo does. */
#ifndef GSIMAGE_SBOM_GOINFO_H
#define GSIMAGE_SBOM_GOINFO_H

#include <stddef.h>

#include "gsimage/util/error.h"

typedef struct gs_sbom_gomod {
	char *path;    /* "github.com/x/y" */
	char *version; /* "v1.2.3", "(devel)", or "" when the build info has none */
	char *sum;     /* "h1:<base64 sha256>=", or "" */
	struct gs_sbom_gomod *replace; /* what was built instead, or NULL */
} gs_sbom_gomod_t;

typedef struct gs_sbom_gosetting {
	char *key;   /* "-compiler", "CGO_ENABLED", "GOARCH", "-tags", ... */
	char *value; /* unquoted */
} gs_sbom_gosetting_t;

typedef struct gs_sbom_goinfo {
	char *go_version; /* "go1.19.8" */
	char *path;       /* main package ("example.com/app/cmd/app"), or NULL */
	gs_sbom_gomod_t main; /* main.path is NULL when there is no "mod" line */
	gs_sbom_gomod_t *deps;
	size_t n_deps;
	gs_sbom_gosetting_t *settings;
	size_t n_settings;
} gs_sbom_goinfo_t;

/* Parse modinfo (the build info's module text: "path\t..", "mod\t..",
 * "dep\t..", "=>\t..", "build\tK=V" lines) into *out, with go_version
 * copied in.  Malformed lines are errors ("line 3: dep line: expected 2 or 3
 * columns, got 4").  *out is released by the caller, also after an error. */
int gs_sbom_goinfo_parse(const char *go_version, const char *modinfo, gs_sbom_goinfo_t *out,
			 gs_error_t *err);

/* Read the build info of the Go binary at path (ELF; by the .go.buildinfo
 * section or, without section headers, in the writable segments) and parse
 * it.  "no Go build info" when there is none; the caller adds the path. */
int gs_sbom_goinfo_read_file(const char *path, gs_sbom_goinfo_t *out, gs_error_t *err);

/* The value of build setting key, or NULL (borrowed). */
const char *gs_sbom_goinfo_setting(const gs_sbom_goinfo_t *gi, const char *key);

void gs_sbom_goinfo_release(gs_sbom_goinfo_t *gi);

/* The SHA-256 an "h1:" module sum holds (base64 of 32 bytes), as 64
 * lowercase hex digits into hex[65].  Returns 0, or -1 when sum is not a
 * well-formed h1: sum. */
int gs_sbom_h1_to_hex(const char *sum, char hex[65]);

#endif

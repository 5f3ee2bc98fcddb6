/* Go build info reader: the ".go.buildinfo" blob the gc toolchain embeds
 * (magic "\xff Go buildinf:"), found by section name or, in binaries without
 * section headers, by scanning the writable data segment. */
#ifndef GSIMAGE_ELF_BUILDINFO_H
#define GSIMAGE_ELF_BUILDINFO_H

#include <stddef.h>

#include "gsimage/util/error.h"

typedef struct gs_go_buildinfo {
	char *version; /* "go1.19.8" */
	char *path;    /* main package path ("example.com/app/cmd/app") */
	char *module;  /* main module path ("example.com/app") */
} gs_go_buildinfo_t;

/* Parse the build-info blob starting at its 32-byte header.  Returns 1 when
 * found and parsed, 0 when blob is not a build info this reader understands
 * (old pointer-style format included), never reads past len. */
int gs_go_buildinfo_parse(const unsigned char *blob, size_t len, gs_go_buildinfo_t *out);

void gs_go_buildinfo_release(gs_go_buildinfo_t *bi);

/* The Go version and the module text as `go version -m` prints them
 * ("path\t...\nmod\t...\ndep\t...\n=>\t...\nbuild\t...", sentinels
 * removed; "" when the binary has none), both owned by the caller.  Returns
 * 1 when found, 0 otherwise (both left NULL).  Used by sbom/. */
int gs_go_buildinfo_raw(const unsigned char *blob, size_t len, char **version, char **modinfo);

#endif

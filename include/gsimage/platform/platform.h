/* The one table of target platforms: OCI names, Go names, zig triple, ELF
 * machine and the qemu-user binary that runs it. */
#ifndef GSIMAGE_PLATFORM_PLATFORM_H
#define GSIMAGE_PLATFORM_PLATFORM_H

#include <stddef.h>

#include "gsimage/util/error.h"

typedef struct gs_platform {
	const char *name;       /* "linux/arm64/v8" as printed and parsed */
	const char *os;         /* OCI os */
	const char *arch;       /* OCI architecture */
	const char *variant;    /* OCI variant, or NULL */
	const char *goarch;     /* GOARCH */
	const char *goarm;      /* GOARM, or NULL */
	const char *zig_target; /* zig cc -target */
	int elf_machine;        /* e_machine of its binaries */
	int elf_class;          /* 32 or 64 */
	int big_endian;         /* 1 for s390x */
	const char *qemu;       /* qemu-user binary that runs it */
} gs_platform_t;

/* All supported platforms, in table order. */
const gs_platform_t *gs_platform_table(size_t *count);

/* Look up "linux/amd64", "linux/arm64", "linux/arm64/v8", "linux/arm/v7"...
 * Returns NULL when unknown. */
const gs_platform_t *gs_platform_find(const char *name);

/* The platform of the machine gsimage runs on, or NULL. */
const gs_platform_t *gs_platform_host(void);

/* Parse a comma-separated list ("linux/amd64,linux/arm64" or "all") into
 * out[] (at most max entries), always in table order, so the order they are
 * given in never changes an image.
 * Unknown, empty and duplicate entries are usage errors; the message for an
 * unknown one lists the supported platforms. */
int gs_platform_parse_list(const char *list, const gs_platform_t **out, size_t max,
			   size_t *count, gs_error_t *err);

/* "<os>-<arch>[-<variant>]": the file-name suffix of compiled binaries.
 * Owned by the caller. */
char *gs_platform_suffix(const gs_platform_t *p);

/* "linux/amd64, linux/arm64/v8, ...": owned by the caller. */
char *gs_platform_supported_list(void);

#endif

/* SBOM documents for one platform image: SPDX 2.3 JSON and CycloneDX 1.5
 * JSON.  They list the image, the Go program (main module, every dependency
 * module with its h1: sum as a SHA-256, the Go standard library) and, for a
 * cgo build, the C side no Go tool records: musl with its exact version,
 * the C toolchain with its version and target, the Go packages with cgo
 * code and the C flags.
 *
 * Deterministic like the image, and named by it: the program's name, the
 * platform and the manifest digest, never a tag or repository (the same
 * image under another name has the same documents).  The creation time is the epoch passed in;
 * SPDX's documentNamespace and CycloneDX's serialNumber are UUIDs derived
 * (sha256, RFC 9562 version 8) from the format, the manifest digest and the
 * rest of the document; no host name, path or random number goes in.  Keys
 * come in a fixed order and the JSON is compact.  Licences are only those a
 * project declares for itself (musl MIT, the Go standard library
 * BSD-3-Clause, zig MIT, gcc GPL-3.0-or-later WITH GCC-exception-3.1);
 * everything else is NOASSERTION (SPDX) or left out (CycloneDX). */
#ifndef GSIMAGE_SBOM_SBOM_H
#define GSIMAGE_SBOM_SBOM_H

#include <stddef.h>

#include "gsimage/platform/platform.h"
#include "gsimage/sbom/goinfo.h"
#include "gsimage/toolchain/gobuild.h"
#include "gsimage/util/error.h"

#define GS_SBOM_SPDX_MEDIA_TYPE "application/spdx+json"
#define GS_SBOM_CYCLONEDX_MEDIA_TYPE "application/vnd.cyclonedx+json"

typedef struct gs_sbom_input {
	/* The image. */
	const char *name;            /* the program's name ("app"), never the
					repository or tag: an image has one
					SBOM however it is tagged */
	const gs_platform_t *platform;
	const char *manifest_digest; /* "sha256:<hex>" of this platform's manifest */
	long long created;           /* SOURCE_DATE_EPOCH (seconds, >= 0) */
	const char *tool_version;    /* gsimage's version, for the creator fields */

	/* The Go side: the binary's build info. */
	const gs_sbom_goinfo_t *go;

	/* The C side; ignored unless cgo. */
	int cgo;                     /* C code was compiled and linked in */
	gs_cc_kind_t cc_kind;        /* zig, musl-gcc or another compiler */
	const char *cc_name;         /* for GS_CC_PATH: the compiler's name
					(a base name, never a path) */
	const char *cc_version;      /* "0.11.0" (zig), "12.2.0" (gcc), or NULL */
	const char *cc_target;       /* "x86_64-linux-musl", or NULL */
	const char *musl_version;    /* "1.2.4", or NULL when not known */
	const char *const *cgo_packages; /* import paths with cgo files */
	size_t n_cgo_packages;
	const char *optimize;        /* the --optimize mode, or NULL */
	const char *cgo_cflags;      /* CGO_CFLAGS as used, or NULL */
} gs_sbom_input_t;

/* The SPDX 2.3 document (compact JSON, no trailing newline; owned).
 * Errors: a missing name, platform or Go build info, a manifest digest that
 * is not "sha256:<64 hex>", a negative time. */
int gs_sbom_spdx(const gs_sbom_input_t *in, char **json, gs_error_t *err);

/* The CycloneDX 1.5 document, same rules. */
int gs_sbom_cyclonedx(const gs_sbom_input_t *in, char **json, gs_error_t *err);

/* A name-based UUID (RFC 9562 version 8): the first 128 bits of
 * sha256(ns "\n" name) with the version and variant bits set, written
 * "xxxxxxxx-xxxx-8xxx-[89ab]xxx-xxxxxxxxxxxx" into out[37].  Pure. */
void gs_sbom_uuid(const char *ns, const char *name, char out[37]);

/* A purl ("pkg:golang/github.com/x/y@v1.2.3") for a Go module; version
 * may be NULL, "" or "(devel)" (then no "@...").  Segments and version are
 * percent-encoded as the purl spec asks.  Owned. */
char *gs_sbom_purl_golang(const char *path, const char *version);

/* purl with a subpath: a package inside a module ("pkg:golang/github.com/
 * x/y@v1.2.3#sub/pkg"); the purl itself for an empty subpath.  Owned. */
char *gs_sbom_purl_subpath(const char *purl, const char *subpath);

/* The purl of an image: "pkg:oci/<last name element, lowercase>@sha256%3A
 * <hex>?arch=<arch>[&repository_url=<name>][&tag=<tag>]" (repository_url
 * only when the name has more than one element).  Owned. */
char *gs_sbom_purl_oci(const char *name, const char *tag, const char *digest, const char *arch);

#endif

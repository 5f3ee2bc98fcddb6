/* `gsimage verify`: the ELF verifier's findings on any files, worded for
 * people (one line per file) or as JSON. */
#ifndef GSIMAGE_PIPELINE_VERIFY_H
#define GSIMAGE_PIPELINE_VERIFY_H

#include <stddef.h>

#include "gsimage/platform/platform.h"
#include "gsimage/util/strvec.h"

typedef struct gs_verify_outcome {
	char *text;           /* one line per file, or the JSON array; owned */
	size_t n_bad;         /* files that are not static binaries for the platform */
	char *why;            /* with one file: why it is not, or NULL */
	gs_strvec_t problems; /* "'<file>': <why>" for each file that could not
				 be inspected */
} gs_verify_outcome_t;

/* Inspect and check every file for p.  Lines read "hello: static, x86-64,
 * 2.1 MiB, stripped, no PIE, no RELRO, no BIND_NOW, go1.19.8
 * example.com/hello" (or "static-pie, ..., PIE, full RELRO, BIND_NOW, ..."),
 * "ls: dynamic, x86-64,
 * interpreter ..., needs ..." or "arm: built for AArch64, not x86-64
 * (linux/amd64)". */
void gs_verify_files(const char *const *files, size_t n, const gs_platform_t *p, int as_json,
		     gs_verify_outcome_t *out);
void gs_verify_outcome_release(gs_verify_outcome_t *out);

#endif

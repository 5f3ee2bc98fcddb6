/* Image references (-t) in the Docker reference grammar:
 *   [registry[:port]/]path[:tag]
 * path components are lowercase [a-z0-9]+ joined by '.', '_', '__' or '-'+;
 * the tag matches [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
#ifndef GSIMAGE_OCI_REF_H
#define GSIMAGE_OCI_REF_H

#include "gsimage/util/error.h"

typedef struct gs_ref {
	char *given;    /* exactly as the user wrote it */
	char *registry; /* "docker.io" when none given */
	char *path;     /* "library/app" for a one-element name on docker.io */
	char *tag;      /* "latest" when none given */
	char *full;     /* "docker.io/library/app:latest" */
	char *name;     /* what was given, with ":latest" added when no tag */
} gs_ref_t;

#define GS_REF_INIT {0}

/* Parse and validate; a bad reference is a usage error saying what is wrong
 * with it.  Digests ("@sha256:...") are refused: gsimage writes tags. */
int gs_ref_parse(const char *s, gs_ref_t *out, gs_error_t *err);
void gs_ref_release(gs_ref_t *ref);

/* A push destination: gs_ref_parse(), with the two mistakes it would take
 * for something else said as such.  A digest ("REPO@sha256:...") names
 * what a registry already has, so it is no place to push to.  And
 * "HOST:PORT" alone ("127.0.0.1:5000", "localhost:5000",
 * "registry.example.com:5000": a host-like name and a numeric tag, no
 * '/') is read by the grammar as NAME:TAG on Docker Hub; refused with a
 * hint for HOST:PORT/NAME. */
int gs_ref_parse_dest(const char *s, gs_ref_t *out, gs_error_t *err);

#endif

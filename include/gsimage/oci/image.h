/* The image's JSON documents (jansson): config, manifest and image index.
 * Keys come in a fixed order and the output has no whitespace, so the same
 * inputs give the same bytes.  This module knows JSON, not the filesystem. */
#ifndef GSIMAGE_OCI_IMAGE_H
#define GSIMAGE_OCI_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "gsimage/oci/digest.h"
#include "gsimage/oci/layer.h"
#include "gsimage/oci/mediatype.h" /* GS_MT_* */
#include "gsimage/util/error.h"
#include "gsimage/util/strvec.h"

typedef struct gs_history_entry {
	const char *created_by;
	const char *comment; /* or NULL */
} gs_history_entry_t;

typedef struct gs_image_config {
	const char *os, *architecture, *variant; /* variant may be NULL */
	const char *created;                     /* RFC 3339, e.g. 1970-01-01T00:00:00Z */
	gs_strvec_t entrypoint;                  /* may be empty */
	gs_strvec_t cmd;                         /* may be empty */
	gs_strvec_t env;                         /* "K=V" */
	const char *user;                        /* or NULL */
	const char *working_dir;                 /* or NULL */
	gs_strvec_t labels;                      /* "K=V" */
	gs_strvec_t exposed_ports;               /* "8080/tcp" */
	const char *stop_signal;                 /* or NULL */
	const gs_history_entry_t *history;       /* one per layer */
	size_t n_history;
} gs_image_config_t;

/* Config JSON for the given layers (diff_ids in order).  Returns an owned
 * string (never NULL); *len gets its length.  Empty fields are left out.
 * Key order: architecture, os, variant, created, config{User, Env,
 * Entrypoint, Cmd, WorkingDir, Labels, ExposedPorts, StopSignal}, rootfs,
 * history.  Strings that are not UTF-8 get U+FFFD for each bad byte (as Go
 * does); check them with gs_utf8_valid() first to refuse them instead. */
char *gs_image_config_json(const gs_image_config_t *cfg, const gs_layer_info_t *layers,
			   size_t n_layers, size_t *len);

typedef struct gs_descriptor {
	const char *media_type;
	gs_digest_t digest;
	uint64_t size;
	/* platform, for index entries; NULLs when absent */
	const char *os, *architecture, *variant;
	gs_strvec_t annotations; /* "K=V", written in the given order */
} gs_descriptor_t;

/* Manifest JSON: config descriptor (media_type NULL means GS_MT_CONFIG),
 * layer descriptors, annotations ("K=V", may be NULL).  Owned string. */
char *gs_image_manifest_json(const gs_descriptor_t *config, const gs_layer_info_t *layers,
			     size_t n_layers, const gs_strvec_t *annotations, size_t *len);

/* Image index JSON over the manifests (each with its platform and its own
 * annotations; media_type NULL means GS_MT_MANIFEST).  Owned string. */
char *gs_image_index_json(const gs_descriptor_t *manifests, size_t n,
			  const gs_strvec_t *annotations, size_t *len);

/* RFC 3339 UTC time for an epoch ("1970-01-01T00:00:00Z"); owned.  NULL
 * when the year is outside 0000-9999 (the config then has no "created"). */
char *gs_image_time(int64_t epoch);

#endif

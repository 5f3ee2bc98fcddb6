/* A deterministic tar file written atomically (libarchive): the archive
 * formats of export.h are built on it.  Entries are pax-restricted tar
 * (plain ustar headers unless a field needs more) with mtime 0, uid/gid 0,
 * no user/group names and a fixed mode (files 0644, directories 0755).
 * The destination is a user's output file (util/fs.h gs_output_open): a
 * regular file is replaced atomically through a temp file beside it
 * (removed on a signal, or by free without commit) and keeps its mode; a
 * FIFO or a device is written through; "-" is standard output. */
#ifndef GSIMAGE_OCI_TAROUT_H
#define GSIMAGE_OCI_TAROUT_H

#include <stddef.h>
#include <stdint.h>

#include "gsimage/util/error.h"

typedef struct gs_tarout gs_tarout_t;

typedef enum gs_tarout_type {
	GS_TAROUT_FILE, /* 0644 */
	GS_TAROUT_DIR,  /* 0755 */
} gs_tarout_type_t;

/* Start the tar that will replace out_path (borrowed until free). */
int gs_tarout_open(const char *out_path, gs_tarout_t **out, gs_error_t *err);
/* An entry's header; a file's size bytes follow with gs_tarout_data(). */
int gs_tarout_header(gs_tarout_t *o, const char *name, gs_tarout_type_t type, uint64_t size,
		     gs_error_t *err);
/* More of the current file; more than its header's size is an error. */
int gs_tarout_data(gs_tarout_t *o, const void *buf, size_t len, gs_error_t *err);
/* A whole file from memory: header and data. */
int gs_tarout_add_mem(gs_tarout_t *o, const char *name, const void *data, size_t len,
		      gs_error_t *err);
/* End the archive and put it in place durably. */
int gs_tarout_commit(gs_tarout_t *o, gs_error_t *err);
/* Safe after commit and on NULL; before commit the temp file is removed. */
void gs_tarout_free(gs_tarout_t *o);

#endif

/* Parallel, deterministic gzip (libdeflate).  The input is cut into fixed
 * 512 KiB blocks, each compressed on a worker thread as its own gzip member
 * (RFC 1952 allows several; gzip, Go, Python and containerd read them as
 * one stream).  Members are emitted in input order, so the output depends
 * only on the input and the level, never on the number of threads.  Every
 * member header has mtime 0, no file name and OS 3 (Unix), as gzip(1)
 * writes on Linux.  A block that a quick probe finds incompressible
 * (already-compressed or random data) is stored, not compressed: the
 * probe looks at the block's bytes only, so this too is deterministic. */
#ifndef GSIMAGE_OCI_PGZIP_H
#define GSIMAGE_OCI_PGZIP_H

#include <stddef.h>

#include "gsimage/util/error.h"

#define GS_PGZIP_BLOCK (512 * 1024)
#define GS_PGZIP_DEFAULT_LEVEL 2

/* Receives compressed bytes in order; returns < 0 with err set to stop.
 * Called on whichever thread finishes a block (a worker, or the writer in
 * gs_pgzip_write/_finish), never two at once; its error comes back from
 * the writer's next gs_pgzip_write() or gs_pgzip_finish(). */
typedef int (*gs_pgzip_out_fn)(void *ctx, const void *data, size_t len, gs_error_t *err);

typedef struct gs_pgzip gs_pgzip_t;

/* level 0-9 (-1: default); threads <= 0: one per online CPU, at most 8. */
gs_pgzip_t *gs_pgzip_new(int level, int threads, gs_pgzip_out_fn out, void *out_ctx);
int gs_pgzip_write(gs_pgzip_t *z, const void *data, size_t len, gs_error_t *err);
/* Compress what is left and emit everything; the stream is then complete. */
int gs_pgzip_finish(gs_pgzip_t *z, gs_error_t *err);
/* Stops the workers; safe at any point (output after an error, or not yet
 * emitted, is dropped: out() is not called once this returns). */
void gs_pgzip_free(gs_pgzip_t *z);

/* "pgzip-4 libdeflate <version>": what decides the bytes besides the input
 * and the level (for cache keys).  Static. */
const char *gs_pgzip_version(void);

#endif

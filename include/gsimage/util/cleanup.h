/* Scope-bound cleanup in the style of crun's utils.h.  A local declared
 * `cleanup_free char *p = NULL;` is freed when it goes out of scope; hand it
 * out with `*out = p; p = NULL;`. */
#ifndef GSIMAGE_UTIL_CLEANUP_H
#define GSIMAGE_UTIL_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void gs_cleanup_freep(void *p)
{
	free(*(void **)p);
}

static inline void gs_cleanup_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void gs_cleanup_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define cleanup_free __attribute__((cleanup(gs_cleanup_freep)))
#define cleanup_close __attribute__((cleanup(gs_cleanup_closep)))
#define cleanup_fclose __attribute__((cleanup(gs_cleanup_fclosep)))

/* Library-specific ones (cleanup_json, cleanup_archive, cleanup_elf) live in
 * the modules that use those libraries so this header needs none of them. */

#endif

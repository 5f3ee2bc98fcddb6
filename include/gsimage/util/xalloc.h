/* Allocation that never returns NULL: out of memory aborts. */
#ifndef GSIMAGE_UTIL_XALLOC_H
#define GSIMAGE_UTIL_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returned strings belong to the caller. */
char *x_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *x_vasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* free() that accepts NULL, for symmetry with the cleanup macros. */
void x_free(void *p);

#endif

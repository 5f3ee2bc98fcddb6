/* Sizes for people. */
#ifndef GSIMAGE_UTIL_SIZE_H
#define GSIMAGE_UTIL_SIZE_H

/* "512 B", "3.4 KiB", "2.1 MiB"; owned by the caller. */
char *gs_size_human(unsigned long long bytes);

#endif

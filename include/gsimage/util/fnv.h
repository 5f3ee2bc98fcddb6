/* 64-bit FNV-1a: a fast hash that names cache entries.  Not a check of
 * content: whatever it names is verified, or only a hint. */
#ifndef GSIMAGE_UTIL_FNV_H
#define GSIMAGE_UTIL_FNV_H

#include <stddef.h>
#include <stdint.h>

#define GS_FNV1A_INIT 0xcbf29ce484222325ULL

/* h continued over n bytes of data. */
static inline uint64_t gs_fnv1a(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#endif

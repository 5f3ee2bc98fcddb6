#include <string.h>

#include "ck.h"

void ck_radix_sort_u32(uint32_t *v, size_t n, uint32_t *tmp)
{
	for (int shift = 0; shift < 32; shift += 8) {
		size_t count[257] = {0};
		for (size_t i = 0; i < n; i++)
			count[((v[i] >> shift) & 255) + 1]++;
		for (int b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (size_t i = 0; i < n; i++)
			tmp[count[(v[i] >> shift) & 255]++] = v[i];
		memcpy(v, tmp, n * sizeof *v);
	}
}

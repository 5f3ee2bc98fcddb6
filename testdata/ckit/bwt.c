#include <stdlib.h>

#include "ck.h"

/* Burrows-Wheeler transform of a small block by sorting rotations (qsort,
 * fine for the few KiB the self-test uses).  Returns the primary index. */
static const uint8_t *g_p;
static size_t g_n;

static int cmp_rot(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	for (size_t k = 0; k < g_n; k++) {
		uint8_t x = g_p[(i + k) % g_n], y = g_p[(j + k) % g_n];
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

size_t ck_bwt(const uint8_t *p, size_t n, uint8_t *out)
{
	size_t *idx = malloc(n * sizeof *idx), primary = 0;
	if (!idx)
		return (size_t)-1;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	g_p = p;
	g_n = n;
	qsort(idx, n, sizeof *idx, cmp_rot);
	for (size_t i = 0; i < n; i++) {
		out[i] = p[(idx[i] + n - 1) % n];
		if (idx[i] == 0)
			primary = i;
	}
	free(idx);
	return primary;
}

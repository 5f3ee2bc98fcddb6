#include "ck.h"

/* PackBits-style: a control byte c < 128 is c+1 literals, c >= 128 a run of
 * 257-c copies of the next byte. */
size_t ck_rle_encode(const uint8_t *p, size_t n, uint8_t *out)
{
	size_t i = 0, o = 0;
	while (i < n) {
		size_t run = 1;
		while (i + run < n && run < 128 && p[i + run] == p[i])
			run++;
		if (run >= 3) {
			out[o++] = (uint8_t)(257 - run);
			out[o++] = p[i];
			i += run;
			continue;
		}
		size_t start = i, lit = 0;
		while (i < n && lit < 128) {
			if (i + 2 < n && p[i] == p[i + 1] && p[i] == p[i + 2])
				break;
			i++;
			lit++;
		}
		out[o++] = (uint8_t)(lit - 1);
		for (size_t k = 0; k < lit; k++)
			out[o++] = p[start + k];
	}
	return o;
}

size_t ck_rle_decode(const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
	size_t i = 0, o = 0;
	while (i < n) {
		uint8_t c = p[i++];
		if (c < 128) {
			for (size_t k = 0; k <= c && i < n && o < cap; k++)
				out[o++] = p[i++];
		} else if (i < n) {
			for (size_t k = 0; k < (size_t)(257 - c) && o < cap; k++)
				out[o++] = p[i];
			i++;
		}
	}
	return o;
}

#include <string.h>

#include "ck.h"

void ck_mtf_encode(uint8_t *p, size_t n)
{
	uint8_t order[256];
	for (int i = 0; i < 256; i++)
		order[i] = (uint8_t)i;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i], k = 0;
		while (order[k] != c)
			k++;
		memmove(order + 1, order, k);
		order[0] = c;
		p[i] = k;
	}
}

void ck_mtf_decode(uint8_t *p, size_t n)
{
	uint8_t order[256];
	for (int i = 0; i < 256; i++)
		order[i] = (uint8_t)i;
	for (size_t i = 0; i < n; i++) {
		uint8_t k = p[i], c = order[k];
		memmove(order + 1, order, k);
		order[0] = c;
		p[i] = c;
	}
}

void ck_delta_encode(uint8_t *p, size_t n)
{
	uint8_t prev = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		p[i] = (uint8_t)(c - prev);
		prev = c;
	}
}

void ck_delta_decode(uint8_t *p, size_t n)
{
	uint8_t prev = 0;
	for (size_t i = 0; i < n; i++)
		prev = p[i] = (uint8_t)(p[i] + prev);
}

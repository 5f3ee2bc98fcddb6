#include "ck.h"

void ck_rc4(uint8_t *p, size_t n, const uint8_t *key, size_t klen)
{
	uint8_t s[256];
	for (int i = 0; i < 256; i++)
		s[i] = (uint8_t)i;
	for (int i = 0, j = 0; i < 256; i++) {
		j = (j + s[i] + key[i % klen]) & 255;
		uint8_t t = s[i];
		s[i] = s[j];
		s[j] = t;
	}
	unsigned i = 0, j = 0;
	for (size_t k = 0; k < n; k++) {
		i = (i + 1) & 255;
		j = (j + s[i]) & 255;
		uint8_t t = s[i];
		s[i] = s[j];
		s[j] = t;
		p[k] ^= s[(s[i] + s[j]) & 255];
	}
}

#include "ck.h"

static uint32_t rotl(uint32_t x, int r) { return x << r | x >> (32 - r); }
static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

uint32_t ck_murmur3(const uint8_t *p, size_t n, uint32_t seed)
{
	const uint32_t c1 = 0xcc9e2d51, c2 = 0x1b873593;
	uint32_t h = seed;
	size_t blocks = n / 4;
	for (size_t i = 0; i < blocks; i++) {
		uint32_t k = get32(p + 4 * i);
		k *= c1;
		k = rotl(k, 15);
		k *= c2;
		h ^= k;
		h = rotl(h, 13);
		h = h * 5 + 0xe6546b64;
	}
	const uint8_t *t = p + blocks * 4;
	uint32_t k = 0;
	switch (n & 3) {
	case 3: k ^= (uint32_t)t[2] << 16; /* fall through */
	case 2: k ^= (uint32_t)t[1] << 8;  /* fall through */
	case 1: k ^= t[0];
		k *= c1;
		k = rotl(k, 15);
		k *= c2;
		h ^= k;
	}
	h ^= (uint32_t)n;
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

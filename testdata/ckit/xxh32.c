#include "ck.h"

#define P1 2654435761u
#define P2 2246822519u
#define P3 3266489917u
#define P4 668265263u
#define P5 374761393u

static uint32_t rotl(uint32_t x, int r) { return x << r | x >> (32 - r); }
static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint32_t round32(uint32_t acc, uint32_t in) { return rotl(acc + in * P2, 13) * P1; }

uint32_t ck_xxh32(const uint8_t *p, size_t n, uint32_t seed)
{
	const uint8_t *end = p + n;
	uint32_t h;
	if (n >= 16) {
		uint32_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
		const uint8_t *limit = end - 16;
		do {
			v1 = round32(v1, get32(p));
			v2 = round32(v2, get32(p + 4));
			v3 = round32(v3, get32(p + 8));
			v4 = round32(v4, get32(p + 12));
			p += 16;
		} while (p <= limit);
		h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
	} else {
		h = seed + P5;
	}
	h += (uint32_t)n;
	while (p + 4 <= end) {
		h = rotl(h + get32(p) * P3, 17) * P4;
		p += 4;
	}
	while (p < end)
		h = rotl(h + *p++ * P5, 11) * P1;
	h ^= h >> 15;
	h *= P2;
	h ^= h >> 13;
	h *= P3;
	h ^= h >> 16;
	return h;
}

#include <string.h>

#include "ck.h"

static const uint8_t R[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
			      5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
			      4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
			      6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

static uint32_t T[64];
static int ready;

/* T[i] = floor(2^32 * |sin(i + 1)|), computed without libm: a Taylor
 * series in long double is exact enough for all 64 values. */
static long double lsin(long double x)
{
	const long double pi = 3.14159265358979323846264338327950288L;
	while (x > pi)
		x -= 2 * pi;
	long double term = x, sum = x;
	for (int k = 1; k < 30; k++) {
		term *= -x * x / ((2 * k) * (2 * k + 1));
		sum += term;
	}
	return sum;
}

static void init(void)
{
	for (int i = 0; i < 64; i++) {
		long double s = lsin((long double)(i + 1));
		if (s < 0)
			s = -s;
		T[i] = (uint32_t)(s * 4294967296.0L);
	}
	ready = 1;
}

static uint32_t rol(uint32_t x, int n) { return x << n | x >> (32 - n); }

static void block(uint32_t h[4], const uint8_t *p)
{
	uint32_t m[16];
	for (int i = 0; i < 16; i++)
		m[i] = p[4 * i] | p[4 * i + 1] << 8 | p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
	for (int i = 0; i < 64; i++) {
		uint32_t f;
		int g;
		if (i < 16) {
			f = (b & c) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & c);
			g = (5 * i + 1) & 15;
		} else if (i < 48) {
			f = b ^ c ^ d;
			g = (3 * i + 5) & 15;
		} else {
			f = c ^ (b | ~d);
			g = (7 * i) & 15;
		}
		uint32_t t = d;
		d = c;
		c = b;
		b = b + rol(a + f + T[i] + m[g], R[i]);
		a = t;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d;
}

void ck_md5(const uint8_t *p, size_t n, uint8_t out[16])
{
	if (!ready)
		init();
	uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
	size_t full = n / 64 * 64;
	for (size_t i = 0; i < full; i += 64)
		block(h, p + i);
	uint8_t last[128] = {0};
	size_t rest = n - full;
	memcpy(last, p + full, rest);
	last[rest] = 0x80;
	size_t total = rest < 56 ? 64 : 128;
	uint64_t bits = (uint64_t)n * 8;
	for (int i = 0; i < 8; i++)
		last[total - 8 + i] = (uint8_t)(bits >> (8 * i));
	for (size_t i = 0; i < total; i += 64)
		block(h, last + i);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			out[4 * i + j] = (uint8_t)(h[i] >> (8 * j));
}

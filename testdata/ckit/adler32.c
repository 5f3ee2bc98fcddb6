#include "ck.h"

uint32_t ck_adler32(uint32_t adler, const uint8_t *p, size_t n)
{
	uint32_t a = adler & 0xffff, b = adler >> 16;
	while (n) {
		size_t k = n < 5552 ? n : 5552;
		n -= k;
		for (size_t i = 0; i < k; i++) {
			a += p[i];
			b += a;
		}
		p += k;
		a %= 65521;
		b %= 65521;
	}
	return b << 16 | a;
}

uint32_t ck_fletcher32(const uint8_t *p, size_t n)
{
	uint32_t a = 0xffff, b = 0xffff;
	size_t words = n / 2;
	while (words) {
		size_t k = words > 359 ? 359 : words;
		words -= k;
		do {
			a += (uint32_t)p[0] << 8 | p[1];
			b += a;
			p += 2;
		} while (--k);
		a = (a & 0xffff) + (a >> 16);
		b = (b & 0xffff) + (b >> 16);
	}
	if (n & 1) {
		a += (uint32_t)*p << 8;
		b += a;
	}
	a = (a & 0xffff) + (a >> 16);
	b = (b & 0xffff) + (b >> 16);
	return b << 16 | a;
}

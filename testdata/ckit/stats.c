#include "ck.h"

void ck_histogram(const uint8_t *p, size_t n, uint32_t h[256])
{
	uint32_t a[256] = {0}, b[256] = {0};
	size_t i = 0;
	for (; i + 2 <= n; i += 2) {
		a[p[i]]++;
		b[p[i + 1]]++;
	}
	if (i < n)
		a[p[i]]++;
	for (int k = 0; k < 256; k++)
		h[k] = a[k] + b[k];
}

/* log2 without libm: exponent from a loop, mantissa from a series. */
static double log2_(double x)
{
	int e = 0;
	while (x >= 2) {
		x /= 2;
		e++;
	}
	while (x < 1) {
		x *= 2;
		e--;
	}
	double y = (x - 1) / (x + 1), y2 = y * y, s = 0, t = y;
	for (int k = 1; k < 40; k += 2) {
		s += t / k;
		t *= y2;
	}
	return e + 2 * s / 0.69314718055994530942;
}

double ck_entropy(const uint8_t *p, size_t n)
{
	uint32_t h[256];
	ck_histogram(p, n, h);
	double bits = 0;
	for (int k = 0; k < 256; k++)
		if (h[k]) {
			double q = (double)h[k] / (double)n;
			bits -= q * log2_(q);
		}
	return bits;
}

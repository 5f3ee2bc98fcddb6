#include "ck.h"

static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t ck_base64_encode(const uint8_t *p, size_t n, char *out)
{
	size_t o = 0, i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | p[i + 1] << 8 | p[i + 2];
		out[o++] = A[v >> 18];
		out[o++] = A[(v >> 12) & 63];
		out[o++] = A[(v >> 6) & 63];
		out[o++] = A[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		out[o++] = A[v >> 18];
		out[o++] = A[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | p[i + 1] << 8;
		out[o++] = A[v >> 18];
		out[o++] = A[(v >> 12) & 63];
		out[o++] = A[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int val(char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

long ck_base64_decode(const char *s, size_t n, uint8_t *out)
{
	if (n % 4)
		return -1;
	long o = 0;
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;
		for (int k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
			} else if ((v[k] = val(s[i + k])) < 0 || pad) {
				return -1;
			}
		}
		uint32_t x = (uint32_t)v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3];
		out[o++] = (uint8_t)(x >> 16);
		if (pad < 2)
			out[o++] = (uint8_t)(x >> 8);
		if (pad < 1)
			out[o++] = (uint8_t)x;
	}
	return o;
}

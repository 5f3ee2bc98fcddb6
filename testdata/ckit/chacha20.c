#include "ck.h"

#define ROTL(a, b) (((a) << (b)) | ((a) >> (32 - (b))))
#define QR(a, b, c, d)                                   \
	(a += b, d ^= a, d = ROTL(d, 16), c += d, b ^= c, b = ROTL(b, 12), \
	 a += b, d ^= a, d = ROTL(d, 8), c += d, b ^= c, b = ROTL(b, 7))

static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

void ck_chacha20(uint8_t *p, size_t n, const uint8_t key[32], const uint8_t nonce[12], uint32_t ctr)
{
	uint32_t in[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
	for (int i = 0; i < 8; i++)
		in[4 + i] = get32(key + 4 * i);
	in[12] = ctr;
	for (int i = 0; i < 3; i++)
		in[13 + i] = get32(nonce + 4 * i);
	while (n) {
		uint32_t x[16];
		uint8_t ks[64];
		for (int i = 0; i < 16; i++)
			x[i] = in[i];
		for (int i = 0; i < 10; i++) {
			QR(x[0], x[4], x[8], x[12]);
			QR(x[1], x[5], x[9], x[13]);
			QR(x[2], x[6], x[10], x[14]);
			QR(x[3], x[7], x[11], x[15]);
			QR(x[0], x[5], x[10], x[15]);
			QR(x[1], x[6], x[11], x[12]);
			QR(x[2], x[7], x[8], x[13]);
			QR(x[3], x[4], x[9], x[14]);
		}
		for (int i = 0; i < 16; i++) {
			uint32_t v = x[i] + in[i];
			ks[4 * i] = (uint8_t)v;
			ks[4 * i + 1] = (uint8_t)(v >> 8);
			ks[4 * i + 2] = (uint8_t)(v >> 16);
			ks[4 * i + 3] = (uint8_t)(v >> 24);
		}
		size_t k = n < 64 ? n : 64;
		for (size_t i = 0; i < k; i++)
			p[i] ^= ks[i];
		p += k;
		n -= k;
		in[12]++;
	}
}

#include <string.h>

#include "ck.h"

void ck_hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *p, size_t n, uint8_t out[32])
{
	uint8_t k[64] = {0}, pad[64], inner[32];
	if (klen > 64)
		ck_sha256(key, klen, k);
	else
		memcpy(k, key, klen);
	ck_sha256_t s;
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	ck_sha256_init(&s);
	ck_sha256_update(&s, pad, 64);
	ck_sha256_update(&s, p, n);
	ck_sha256_final(&s, inner);
	for (int i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	ck_sha256_init(&s);
	ck_sha256_update(&s, pad, 64);
	ck_sha256_update(&s, inner, 32);
	ck_sha256_final(&s, out);
}

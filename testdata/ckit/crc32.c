#include "ck.h"

static uint32_t table[8][256], table_c[256];
static int ready;

static void init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i, d = i;
		for (int k = 0; k < 8; k++) {
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
			d = d & 1 ? 0x82F63B78u ^ (d >> 1) : d >> 1;
		}
		table[0][i] = c;
		table_c[i] = d;
	}
	for (int t = 1; t < 8; t++)
		for (int i = 0; i < 256; i++)
			table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
	ready = 1;
}

/* slicing-by-8 */
uint32_t ck_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
	if (!ready)
		init();
	crc = ~crc;
	while (n >= 8) {
		uint32_t a = crc ^ (p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);
		uint32_t b = p[4] | p[5] << 8 | p[6] << 16 | (uint32_t)p[7] << 24;
		crc = table[7][a & 0xff] ^ table[6][(a >> 8) & 0xff] ^ table[5][(a >> 16) & 0xff] ^
		      table[4][a >> 24] ^ table[3][b & 0xff] ^ table[2][(b >> 8) & 0xff] ^
		      table[1][(b >> 16) & 0xff] ^ table[0][b >> 24];
		p += 8;
		n -= 8;
	}
	while (n--)
		crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

uint32_t ck_crc32c(uint32_t crc, const uint8_t *p, size_t n)
{
	if (!ready)
		init();
	crc = ~crc;
	while (n--)
		crc = table_c[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

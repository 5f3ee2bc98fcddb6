#include <string.h>

#include "ck.h"

/* A byte-oriented LZ77: a token byte (high nibble literal count, low nibble
 * match length - 4, 15 meaning "more bytes follow"), literals, a 16-bit
 * offset.  Matches are found with a hash table of 4-byte prefixes. */
#define HASH_BITS 14
#define MIN_MATCH 4
#define MAX_OFFSET 65535

size_t ck_lz_bound(size_t n) { return n + n / 255 + 16; }

static uint32_t hash4(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return (v * 2654435761u) >> (32 - HASH_BITS);
}

static uint8_t *put_len(uint8_t *o, size_t len)
{
	while (len >= 255) {
		*o++ = 255;
		len -= 255;
	}
	*o++ = (uint8_t)len;
	return o;
}

static uint8_t *emit(uint8_t *o, const uint8_t *lit, size_t nlit, size_t off, size_t mlen)
{
	uint8_t *tok = o++;
	*tok = (uint8_t)((nlit < 15 ? nlit : 15) << 4);
	if (nlit >= 15)
		o = put_len(o, nlit - 15);
	memcpy(o, lit, nlit);
	o += nlit;
	if (mlen) {
		*o++ = (uint8_t)off;
		*o++ = (uint8_t)(off >> 8);
		size_t m = mlen - MIN_MATCH;
		*tok |= (uint8_t)(m < 15 ? m : 15);
		if (m >= 15)
			o = put_len(o, m - 15);
	}
	return o;
}

size_t ck_lz_compress(const uint8_t *p, size_t n, uint8_t *out)
{
	static uint32_t table[1 << HASH_BITS];
	memset(table, 0, sizeof table);
	uint8_t *o = out;
	size_t i = 0, anchor = 0;
	while (n >= 12 && i + MIN_MATCH + 8 < n) {
		uint32_t h = hash4(p + i);
		size_t cand = table[h];
		table[h] = (uint32_t)i;
		if (cand < i && i - cand <= MAX_OFFSET && memcmp(p + cand, p + i, MIN_MATCH) == 0) {
			size_t len = MIN_MATCH;
			while (i + len < n - 5 && p[cand + len] == p[i + len])
				len++;
			o = emit(o, p + anchor, i - anchor, i - cand, len);
			i += len;
			anchor = i;
		} else {
			i++;
		}
	}
	o = emit(o, p + anchor, n - anchor, 0, 0);
	return (size_t)(o - out);
}

long ck_lz_decompress(const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
	size_t i = 0, o = 0;
	while (i < n) {
		uint8_t tok = p[i++];
		size_t nlit = tok >> 4;
		if (nlit == 15) {
			uint8_t b;
			do {
				if (i >= n)
					return -1;
				b = p[i++];
				nlit += b;
			} while (b == 255);
		}
		if (i + nlit > n || o + nlit > cap)
			return -1;
		memcpy(out + o, p + i, nlit);
		i += nlit;
		o += nlit;
		if (i >= n)
			break;
		if (i + 2 > n)
			return -1;
		size_t off = p[i] | p[i + 1] << 8;
		i += 2;
		size_t mlen = (tok & 15) + MIN_MATCH;
		if ((tok & 15) == 15) {
			uint8_t b;
			do {
				if (i >= n)
					return -1;
				b = p[i++];
				mlen += b;
			} while (b == 255);
		}
		if (off == 0 || off > o || o + mlen > cap)
			return -1;
		for (size_t k = 0; k < mlen; k++, o++)
			out[o] = out[o - off];
	}
	return (long)o;
}

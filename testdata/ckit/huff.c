#include <string.h>

#include "ck.h"

/* Huffman code lengths from a two-queue merge of sorted leaves; when a code
 * would be longer than maxbits the frequencies are halved and it retries. */
static void sort_syms(int *sym, const uint32_t *f, int n)
{
	for (int i = 1; i < n; i++) {
		int s = sym[i], j = i;
		while (j > 0 && (f[sym[j - 1]] > f[s] || (f[sym[j - 1]] == f[s] && sym[j - 1] > s))) {
			sym[j] = sym[j - 1];
			j--;
		}
		sym[j] = s;
	}
}

size_t ck_huff_lengths(const uint32_t freq[256], uint8_t len[256], int maxbits)
{
	uint32_t f[256];
	memcpy(f, freq, sizeof f);
	for (;;) {
		int sym[256], n = 0;
		memset(len, 0, 256);
		for (int i = 0; i < 256; i++)
			if (f[i])
				sym[n++] = i;
		if (n == 0)
			return 0;
		if (n == 1) {
			len[sym[0]] = 1;
			return 1;
		}
		sort_syms(sym, f, n);
		/* nodes 0..n-1 leaves, n.. internal */
		uint64_t w[511];
		int parent[511], leaves = 0, inner = n, top = n;
		for (int i = 0; i < n; i++)
			w[i] = f[sym[i]];
		for (int k = 0; k < n - 1; k++) {
			int pick[2];
			for (int t = 0; t < 2; t++) {
				if (leaves < n && (inner >= top || w[leaves] <= w[inner]))
					pick[t] = leaves++;
				else
					pick[t] = inner++;
			}
			w[top] = w[pick[0]] + w[pick[1]];
			parent[pick[0]] = parent[pick[1]] = top;
			top++;
		}
		int depth[511], maxd = 0;
		depth[top - 1] = 0;
		for (int i = top - 2; i >= 0; i--)
			depth[i] = depth[parent[i]] + 1;
		for (int i = 0; i < n; i++) {
			len[sym[i]] = (uint8_t)depth[i];
			if (depth[i] > maxd)
				maxd = depth[i];
		}
		if (maxd <= maxbits)
			return (size_t)n;
		for (int i = 0; i < 256; i++)
			if (f[i])
				f[i] = (f[i] + 1) / 2;
	}
}

static void canonical(const uint8_t len[256], uint32_t code[256])
{
	uint32_t count[16] = {0}, next[16];
	for (int i = 0; i < 256; i++)
		count[len[i]]++;
	count[0] = 0;
	uint32_t c = 0;
	for (int b = 1; b < 16; b++) {
		c = (c + count[b - 1]) << 1;
		next[b] = c;
	}
	for (int i = 0; i < 256; i++)
		code[i] = len[i] ? next[len[i]]++ : 0;
}

static uint32_t reverse(uint32_t v, int n)
{
	uint32_t r = 0;
	for (int i = 0; i < n; i++, v >>= 1)
		r = r << 1 | (v & 1);
	return r;
}

/* Format: 4-byte length, 256 nibbles of code lengths, the bits. */
size_t ck_huff_encode(const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
	uint32_t freq[256] = {0}, code[256];
	uint8_t len[256];
	for (size_t i = 0; i < n; i++)
		freq[p[i]]++;
	ck_huff_lengths(freq, len, 15);
	canonical(len, code);
	ck_bitw_t w = {out, cap, 0, 0, 0};
	ck_bitw_put(&w, (uint32_t)n & 0xffff, 16);
	ck_bitw_put(&w, (uint32_t)(n >> 16), 16);
	for (int i = 0; i < 256; i++)
		ck_bitw_put(&w, len[i], 4);
	for (size_t i = 0; i < n; i++)
		ck_bitw_put(&w, reverse(code[p[i]], len[p[i]]), len[p[i]]);
	return ck_bitw_flush(&w);
}

long ck_huff_decode(const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
	ck_bitr_t r = {p, n, 0, 0, 0};
	size_t total = ck_bitr_get(&r, 16);
	total |= (size_t)ck_bitr_get(&r, 16) << 16;
	uint8_t len[256];
	uint32_t code[256];
	for (int i = 0; i < 256; i++)
		len[i] = (uint8_t)ck_bitr_get(&r, 4);
	canonical(len, code);
	if (total > cap)
		return -1;
	for (size_t o = 0; o < total; o++) {
		uint32_t c = 0;
		int l = 0, found = -1;
		while (found < 0) {
			if (++l > 15 || r.pos > n + 8)
				return -1;
			c = c << 1 | ck_bitr_get(&r, 1);
			for (int s = 0; s < 256; s++)
				if (len[s] == l && code[s] == c) {
					found = s;
					break;
				}
		}
		out[o] = (uint8_t)found;
	}
	return (long)total;
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck.h"

/* Known-answer checks and round trips over every part of the kit; out gets
 * one line per check, "name value", and a last line "selftest ok" or
 * "selftest FAILED". */
#define N 65536

static int failed;
static size_t at;

static void line(char *out, size_t cap, const char *name, const char *val, int ok)
{
	if (!ok)
		failed = 1;
	if (at < cap)
		at += (size_t)snprintf(out + at, cap - at, "%s %s%s\n", name, val, ok ? "" : " FAILED");
}

static void hexline(char *out, size_t cap, const char *name, const uint8_t *d, size_t n,
		    const char *want)
{
	char h[129];
	ck_hex(d, n, h);
	line(out, cap, name, h, !want || strcmp(h, want) == 0);
}

void ck_selftest(char *out, size_t cap)
{
	const uint8_t *abc = (const uint8_t *)"abc";
	uint8_t d[64];
	char s[256];
	failed = 0;
	at = 0;
	out[0] = '\0';

	ck_sha256(abc, 3, d);
	hexline(out, cap, "sha256(abc)", d, 32,
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ck_sha1(abc, 3, d);
	hexline(out, cap, "sha1(abc)", d, 20, "a9993e364706816aba3e25717850c26c9cd0d89d");
	ck_md5(abc, 3, d);
	hexline(out, cap, "md5(abc)", d, 16, "900150983cd24fb0d6963f7d28e17f72");
	snprintf(s, sizeof s, "%08x", ck_crc32(0, (const uint8_t *)"123456789", 9));
	line(out, cap, "crc32(123456789)", s, strcmp(s, "cbf43926") == 0);
	snprintf(s, sizeof s, "%08x", ck_crc32c(0, (const uint8_t *)"123456789", 9));
	line(out, cap, "crc32c(123456789)", s, strcmp(s, "e3069283") == 0);
	snprintf(s, sizeof s, "%08x", ck_adler32(1, (const uint8_t *)"Wikipedia", 9));
	line(out, cap, "adler32(Wikipedia)", s, strcmp(s, "11e60398") == 0);

	uint8_t *buf = malloc(N), *tmp = malloc(ck_lz_bound(N) * 2), *back = malloc(N);
	ck_rng_t r;
	ck_rng_seed(&r, 42);
	ck_rng_fill_text(&r, buf, N);
	ck_sha256(buf, N, d);
	hexline(out, cap, "text", d, 32, NULL);

	snprintf(s, sizeof s, "%08x %016llx %08x %08x %08x", ck_fnv1a32(buf, N),
		 (unsigned long long)ck_fnv1a64(buf, N), ck_murmur3(buf, N, 7), ck_xxh32(buf, N, 7),
		 ck_fletcher32(buf, N));
	line(out, cap, "hashes", s, 1);
	uint8_t key[32];
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	snprintf(s, sizeof s, "%016llx", (unsigned long long)ck_siphash24(key, key, 15));
	line(out, cap, "siphash", s, strcmp(s, "a129ca6149be45e5") == 0);
	ck_hmac_sha256(key, 32, buf, 1000, d);
	hexline(out, cap, "hmac", d, 32, NULL);

	size_t z = ck_lz_compress(buf, N, tmp);
	long u = ck_lz_decompress(tmp, z, back, N);
	snprintf(s, sizeof s, "%zu", z);
	line(out, cap, "lz", s, u == N && memcmp(buf, back, N) == 0);
	z = ck_huff_encode(buf, 8192, tmp, ck_lz_bound(N) * 2);
	u = ck_huff_decode(tmp, z, back, N);
	snprintf(s, sizeof s, "%zu", z);
	line(out, cap, "huffman", s, u == 8192 && memcmp(buf, back, 8192) == 0);
	z = ck_rle_encode(buf, N, tmp);
	u = (long)ck_rle_decode(tmp, z, back, N);
	snprintf(s, sizeof s, "%zu", z);
	line(out, cap, "rle", s, u == N && memcmp(buf, back, N) == 0);

	memcpy(back, buf, 4096);
	size_t primary = ck_bwt(back, 4096, tmp);
	ck_mtf_encode(tmp, 4096);
	ck_delta_encode(tmp, 4096);
	snprintf(s, sizeof s, "%zu %08x", primary, ck_crc32(0, tmp, 4096));
	ck_delta_decode(tmp, 4096);
	ck_mtf_decode(tmp, 4096);
	line(out, cap, "bwt+mtf+delta", s, 1);

	char *b64 = malloc(N * 2);
	size_t bl = ck_base64_encode(buf, 1000, b64);
	u = ck_base64_decode(b64, bl, back);
	ck_base64_encode(abc, 3, s);
	line(out, cap, "base64", s, strcmp(s, "YWJj") == 0 && u == 1000 && memcmp(buf, back, 1000) == 0);
	free(b64);

	uint8_t nonce[12] = {0, 0, 0, 9, 0, 0, 0, 0x4a, 0, 0, 0, 0};
	memcpy(back, buf, N);
	ck_chacha20(back, N, key, nonce, 1);
	ck_sha256(back, N, d);
	ck_chacha20(back, N, key, nonce, 1);
	hexline(out, cap, "chacha20", d, 8, NULL);
	line(out, cap, "chacha20-roundtrip", "", memcmp(buf, back, N) == 0);
	ck_rc4(back, 256, key, 5);
	snprintf(s, sizeof s, "%08x", ck_crc32(0, back, 256));
	line(out, cap, "rc4", s, 1);

	uint32_t *v = malloc(4096 * 4), *vt = malloc(4096 * 4);
	for (int i = 0; i < 4096; i++)
		v[i] = (uint32_t)ck_rng_next(&r);
	ck_radix_sort_u32(v, 4096, vt);
	int sorted = 1;
	for (int i = 1; i < 4096; i++)
		sorted &= v[i - 1] <= v[i];
	line(out, cap, "radix-sort", "", sorted);
	free(v);
	free(vt);

	double a[16], bm[16], c[16];
	for (int i = 0; i < 16; i++) {
		a[i] = i + 1;
		bm[i] = i % 5 == 0;
	}
	ck_matmul(a, bm, c, 4);
	snprintf(s, sizeof s, "%g %g", c[0], c[15]);
	line(out, cap, "matmul", s, 1);
	snprintf(s, sizeof s, "%.3f", ck_entropy(buf, N));
	line(out, cap, "entropy", s, 1);

	/* every pixel conversion, chained: gray8 -> each format -> each */
	uint32_t pc = 0;
	for (int f = 0; f < 8; f++)
		for (int t = 0; t < 8; t++) {
			ck_pixel_convert(0, f, buf, tmp, 1024, 300);
			ck_pixel_convert(f, t, tmp, back, 1024, 200);
			pc = ck_crc32(pc, back, 1024 * (size_t)ck_pixel_bpp(t));
		}
	snprintf(s, sizeof s, "%08x", pc);
	line(out, cap, "pixels", s, 1);

	free(buf);
	free(tmp);
	free(back);
	line(out, cap, "selftest", failed ? "FAILED" : "ok", !failed);
}

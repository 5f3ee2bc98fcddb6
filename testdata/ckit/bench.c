#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ck.h"

/* Throughput in MB/s of the kit's hot loops over mb MiB of pseudo-text:
 * 0 = sha256, 1 = lz compress + decompress, 2 = chacha20, 3 = crc32 +
 * xxh32 + adler32, 4 = pixel conversions (rgb888 -> rgba8888 -> rgb565).  Timed with the monotonic clock around the work only. */
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

volatile uint32_t ck_sink;

double ck_bench(int which, int mb)
{
	const size_t chunk = 1 << 20;
	uint8_t *buf = malloc(chunk), *tmp = malloc(ck_lz_bound(chunk)), *back = malloc(chunk);
	ck_rng_t r;
	ck_rng_seed(&r, 1);
	ck_rng_fill_text(&r, buf, chunk);
	uint8_t d[32], key[32] = {1}, nonce[12] = {2};
	double t0 = now();
	for (int i = 0; i < mb; i++) {
		switch (which) {
		case 0:
			ck_sha256(buf, chunk, d);
			ck_sink += d[0];
			break;
		case 1: {
			size_t z = ck_lz_compress(buf, chunk, tmp);
			ck_sink += (uint32_t)ck_lz_decompress(tmp, z, back, chunk);
			break;
		}
		case 2:
			ck_chacha20(buf, chunk, key, nonce, (uint32_t)i);
			ck_sink += buf[0];
			break;
		case 4:
			ck_pixel_convert(3, 5, buf, tmp, chunk / 4, 300);
			ck_pixel_convert(5, 2, tmp, back, chunk / 4, 200);
			ck_sink += back[7];
			break;
		default:
			ck_sink += ck_crc32(0, buf, chunk) + ck_xxh32(buf, chunk, 0) + ck_adler32(1, buf, chunk);
		}
	}
	double t = now() - t0;
	free(buf);
	free(tmp);
	free(back);
	return t > 0 ? mb / t : 0;
}

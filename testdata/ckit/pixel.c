#include "ck.h"

/* Pixel format conversion between every pair of eight formats, one
 * function per pair as an image library has them (each loop specialised
 * for its source and destination layout). */
typedef struct { uint32_t r, g, b, a; } px_t;

#define LOAD_gray8(p, i)    ((px_t){(p)[i], (p)[i], (p)[i], 255})
#define LOAD_gray16(p, i)   ((px_t){(p)[2 * (i) + 1], (p)[2 * (i) + 1], (p)[2 * (i) + 1], 255})
#define LOAD_rgb565(p, i)                                                              \
	((px_t){(((p)[2 * (i) + 1] >> 3) * 527 + 23) >> 6,                             \
		(((((p)[2 * (i) + 1] & 7) << 3) | ((p)[2 * (i)] >> 5)) * 259 + 33) >> 6, \
		(((p)[2 * (i)] & 31) * 527 + 23) >> 6, 255})
#define LOAD_rgb888(p, i)   ((px_t){(p)[3 * (i)], (p)[3 * (i) + 1], (p)[3 * (i) + 2], 255})
#define LOAD_bgr888(p, i)   ((px_t){(p)[3 * (i) + 2], (p)[3 * (i) + 1], (p)[3 * (i)], 255})
#define LOAD_rgba8888(p, i) ((px_t){(p)[4 * (i)], (p)[4 * (i) + 1], (p)[4 * (i) + 2], (p)[4 * (i) + 3]})
#define LOAD_bgra8888(p, i) ((px_t){(p)[4 * (i) + 2], (p)[4 * (i) + 1], (p)[4 * (i)], (p)[4 * (i) + 3]})
#define LOAD_argb8888(p, i) ((px_t){(p)[4 * (i) + 1], (p)[4 * (i) + 2], (p)[4 * (i) + 3], (p)[4 * (i)]})

#define LUMA(c) (uint8_t)(((c).r * 77 + (c).g * 150 + (c).b * 29) >> 8)
#define STORE_gray8(p, i, c) ((p)[i] = LUMA(c))
#define STORE_gray16(p, i, c) ((p)[2 * (i)] = (p)[2 * (i) + 1] = LUMA(c))
#define STORE_rgb565(p, i, c)                                                   \
	do {                                                                    \
		uint32_t v_ = ((c).r >> 3) << 11 | ((c).g >> 2) << 5 | (c).b >> 3; \
		(p)[2 * (i)] = (uint8_t)v_;                                     \
		(p)[2 * (i) + 1] = (uint8_t)(v_ >> 8);                          \
	} while (0)
#define STORE_rgb888(p, i, c) \
	((p)[3 * (i)] = (uint8_t)(c).r, (p)[3 * (i) + 1] = (uint8_t)(c).g, (p)[3 * (i) + 2] = (uint8_t)(c).b)
#define STORE_bgr888(p, i, c) \
	((p)[3 * (i) + 2] = (uint8_t)(c).r, (p)[3 * (i) + 1] = (uint8_t)(c).g, (p)[3 * (i)] = (uint8_t)(c).b)
#define STORE_rgba8888(p, i, c)                                                                      \
	((p)[4 * (i)] = (uint8_t)(c).r, (p)[4 * (i) + 1] = (uint8_t)(c).g, (p)[4 * (i) + 2] = (uint8_t)(c).b, \
	 (p)[4 * (i) + 3] = (uint8_t)(c).a)
#define STORE_bgra8888(p, i, c)                                                                      \
	((p)[4 * (i) + 2] = (uint8_t)(c).r, (p)[4 * (i) + 1] = (uint8_t)(c).g, (p)[4 * (i)] = (uint8_t)(c).b, \
	 (p)[4 * (i) + 3] = (uint8_t)(c).a)
#define STORE_argb8888(p, i, c)                                                                      \
	((p)[4 * (i) + 1] = (uint8_t)(c).r, (p)[4 * (i) + 2] = (uint8_t)(c).g, (p)[4 * (i) + 3] = (uint8_t)(c).b, \
	 (p)[4 * (i)] = (uint8_t)(c).a)

/* Each conversion also applies a brightness/contrast curve and an alpha
 * premultiplication, as a compositor's fast path does. */
#define CONV(S, D)                                                                    \
	static void conv_##S##_##D(const uint8_t *src, uint8_t *dst, size_t n, uint32_t gain) \
	{                                                                             \
		for (size_t i = 0; i < n; i++) {                                      \
			px_t c = LOAD_##S(src, i);                                    \
			c.r = (c.r * gain >> 8) > 255 ? 255 : c.r * gain >> 8;        \
			c.g = (c.g * gain >> 8) > 255 ? 255 : c.g * gain >> 8;        \
			c.b = (c.b * gain >> 8) > 255 ? 255 : c.b * gain >> 8;        \
			c.r = (c.r * c.a + 127) / 255;                                \
			c.g = (c.g * c.a + 127) / 255;                                \
			c.b = (c.b * c.a + 127) / 255;                                \
			STORE_##D(dst, i, c);                                         \
		}                                                                     \
	}

#define ROW(S) CONV(S, gray8) CONV(S, gray16) CONV(S, rgb565) CONV(S, rgb888) \
	CONV(S, bgr888) CONV(S, rgba8888) CONV(S, bgra8888) CONV(S, argb8888)
ROW(gray8)
ROW(gray16)
ROW(rgb565)
ROW(rgb888)
ROW(bgr888)
ROW(rgba8888)
ROW(bgra8888)
ROW(argb8888)

typedef void (*conv_fn)(const uint8_t *, uint8_t *, size_t, uint32_t);
#define TROW(S) {conv_##S##_gray8, conv_##S##_gray16, conv_##S##_rgb565, conv_##S##_rgb888, \
		 conv_##S##_bgr888, conv_##S##_rgba8888, conv_##S##_bgra8888, conv_##S##_argb8888},
static const conv_fn table[8][8] = {
	TROW(gray8) TROW(gray16) TROW(rgb565) TROW(rgb888)
	TROW(bgr888) TROW(rgba8888) TROW(bgra8888) TROW(argb8888)
};

int ck_pixel_bpp(int fmt)
{
	static const int bpp[8] = {1, 2, 2, 3, 3, 4, 4, 4};
	return fmt >= 0 && fmt < 8 ? bpp[fmt] : 0;
}

int ck_pixel_convert(int from, int to, const uint8_t *src, uint8_t *dst, size_t n, uint32_t gain)
{
	if (from < 0 || from >= 8 || to < 0 || to >= 8)
		return -1;
	table[from][to](src, dst, n, gain);
	return 0;
}

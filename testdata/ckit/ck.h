/* ckit: a small C toolkit of checksums, hashes, a stream cipher and
 * compressors, written for gsimage's tests: the C-heavy cgo module whose
 * size and speed `--optimize` trades against each other. */
#ifndef CK_H
#define CK_H
#include <stddef.h>
#include <stdint.h>

uint32_t ck_crc32(uint32_t crc, const uint8_t *p, size_t n);
uint32_t ck_crc32c(uint32_t crc, const uint8_t *p, size_t n);
uint32_t ck_adler32(uint32_t a, const uint8_t *p, size_t n);
uint32_t ck_fletcher32(const uint8_t *p, size_t n);
uint32_t ck_fnv1a32(const uint8_t *p, size_t n);
uint64_t ck_fnv1a64(const uint8_t *p, size_t n);
uint32_t ck_murmur3(const uint8_t *p, size_t n, uint32_t seed);
uint32_t ck_xxh32(const uint8_t *p, size_t n, uint32_t seed);
uint64_t ck_siphash24(const uint8_t key[16], const uint8_t *p, size_t n);

typedef struct { uint32_t h[8]; uint64_t len; uint8_t buf[64]; size_t fill; } ck_sha256_t;
void ck_sha256_init(ck_sha256_t *s);
void ck_sha256_update(ck_sha256_t *s, const uint8_t *p, size_t n);
void ck_sha256_final(ck_sha256_t *s, uint8_t out[32]);
void ck_sha256(const uint8_t *p, size_t n, uint8_t out[32]);

typedef struct { uint32_t h[5]; uint64_t len; uint8_t buf[64]; size_t fill; } ck_sha1_t;
void ck_sha1(const uint8_t *p, size_t n, uint8_t out[20]);
void ck_md5(const uint8_t *p, size_t n, uint8_t out[16]);
void ck_hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *p, size_t n, uint8_t out[32]);

void ck_chacha20(uint8_t *p, size_t n, const uint8_t key[32], const uint8_t nonce[12], uint32_t ctr);
void ck_rc4(uint8_t *p, size_t n, const uint8_t *key, size_t klen);

typedef struct { uint64_t s[2]; } ck_rng_t;
void ck_rng_seed(ck_rng_t *r, uint64_t seed);
uint64_t ck_rng_next(ck_rng_t *r);
void ck_rng_fill_text(ck_rng_t *r, uint8_t *p, size_t n);

size_t ck_base64_encode(const uint8_t *p, size_t n, char *out);
long ck_base64_decode(const char *s, size_t n, uint8_t *out);
void ck_hex(const uint8_t *p, size_t n, char *out);
int ck_unhex(const char *s, uint8_t *out, size_t n);

size_t ck_rle_encode(const uint8_t *p, size_t n, uint8_t *out);
size_t ck_rle_decode(const uint8_t *p, size_t n, uint8_t *out, size_t cap);
size_t ck_lz_bound(size_t n);
size_t ck_lz_compress(const uint8_t *p, size_t n, uint8_t *out);
long ck_lz_decompress(const uint8_t *p, size_t n, uint8_t *out, size_t cap);
void ck_mtf_encode(uint8_t *p, size_t n);
void ck_mtf_decode(uint8_t *p, size_t n);
void ck_delta_encode(uint8_t *p, size_t n);
void ck_delta_decode(uint8_t *p, size_t n);
size_t ck_bwt(const uint8_t *p, size_t n, uint8_t *out);

typedef struct { uint8_t *p; size_t cap, pos; uint64_t acc; int bits; } ck_bitw_t;
void ck_bitw_put(ck_bitw_t *w, uint32_t v, int nbits);
size_t ck_bitw_flush(ck_bitw_t *w);
typedef struct { const uint8_t *p; size_t n, pos; uint64_t acc; int bits; } ck_bitr_t;
uint32_t ck_bitr_get(ck_bitr_t *r, int nbits);
size_t ck_huff_lengths(const uint32_t freq[256], uint8_t len[256], int maxbits);
size_t ck_huff_encode(const uint8_t *p, size_t n, uint8_t *out, size_t cap);
long ck_huff_decode(const uint8_t *p, size_t n, uint8_t *out, size_t cap);

void ck_histogram(const uint8_t *p, size_t n, uint32_t h[256]);
double ck_entropy(const uint8_t *p, size_t n);
void ck_radix_sort_u32(uint32_t *v, size_t n, uint32_t *tmp);
void ck_matmul(const double *a, const double *b, double *c, int n);

/* formats 0-7: gray8 gray16 rgb565 rgb888 bgr888 rgba8888 bgra8888 argb8888 */
int ck_pixel_bpp(int fmt);
int ck_pixel_convert(int from, int to, const uint8_t *src, uint8_t *dst, size_t n, uint32_t gain);

/* the program's entry points */
void ck_selftest(char *out, size_t cap);
double ck_bench(int which, int mb);
#endif

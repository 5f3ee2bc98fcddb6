#include "ck.h"

/* xorshift128+, seeded through splitmix64 */
void ck_rng_seed(ck_rng_t *r, uint64_t seed)
{
	for (int i = 0; i < 2; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		r->s[i] = z ^ (z >> 31);
	}
}

uint64_t ck_rng_next(ck_rng_t *r)
{
	uint64_t a = r->s[0];
	const uint64_t b = r->s[1];
	r->s[0] = b;
	a ^= a << 23;
	r->s[1] = a ^ b ^ (a >> 17) ^ (b >> 26);
	return r->s[1] + b;
}

/* Compressible pseudo-text: words from a small vocabulary, repeated. */
void ck_rng_fill_text(ck_rng_t *r, uint8_t *p, size_t n)
{
	static const char *const words[] = {
		"static", "image", "scratch", "layer", "musl", "zig", "go", "build", "the",
		"of", "and", "binary", "digest", "sha256", "manifest", "index", "config",
		"compress", "a", "to", "in", "cgo", "link", "section",
	};
	const size_t nw = sizeof words / sizeof words[0];
	size_t i = 0;
	while (i < n) {
		uint64_t v = ck_rng_next(r);
		const char *w = words[(v >> 7) % nw];
		while (*w && i < n)
			p[i++] = (uint8_t)*w++;
		if (i < n)
			p[i++] = (v & 15) == 0 ? '\n' : ' ';
	}
}

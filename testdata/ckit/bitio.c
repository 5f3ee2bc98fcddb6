#include "ck.h"

void ck_bitw_put(ck_bitw_t *w, uint32_t v, int nbits)
{
	w->acc |= (uint64_t)v << w->bits;
	w->bits += nbits;
	while (w->bits >= 8) {
		if (w->pos < w->cap)
			w->p[w->pos] = (uint8_t)w->acc;
		w->pos++;
		w->acc >>= 8;
		w->bits -= 8;
	}
}

size_t ck_bitw_flush(ck_bitw_t *w)
{
	if (w->bits > 0)
		ck_bitw_put(w, 0, 8 - w->bits);
	return w->pos;
}

uint32_t ck_bitr_get(ck_bitr_t *r, int nbits)
{
	while (r->bits < nbits) {
		uint64_t b = r->pos < r->n ? r->p[r->pos] : 0;
		r->pos++;
		r->acc |= b << r->bits;
		r->bits += 8;
	}
	uint32_t v = (uint32_t)(r->acc & ((1ull << nbits) - 1));
	r->acc >>= nbits;
	r->bits -= nbits;
	return v;
}

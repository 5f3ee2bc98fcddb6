/* sha256 through OpenSSL EVP.  Failures of the EVP calls can only mean
 * allocation failure or a broken OpenSSL, so they abort like xmalloc. */
#include "gsimage/oci/digest.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gs_sha256 {
	EVP_MD_CTX *ctx;
};

static void evp_fail(const char *what)
{
	fprintf(stderr, "gsimage: fatal: OpenSSL %s failed\n", what);
	abort();
}

gs_sha256_t *gs_sha256_new(void)
{
	gs_sha256_t *h = malloc(sizeof(*h));
	if (!h)
		evp_fail("allocation");
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx)
		evp_fail("EVP_MD_CTX_new");
	if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
		evp_fail("EVP_DigestInit_ex");
	return h;
}

void gs_sha256_update(gs_sha256_t *h, const void *data, size_t len)
{
	if (len == 0)
		return;
	if (EVP_DigestUpdate(h->ctx, data, len) != 1)
		evp_fail("EVP_DigestUpdate");
}

static void to_digest(const unsigned char *md, gs_digest_t *out)
{
	static const char hex[] = "0123456789abcdef";
	memcpy(out->s, "sha256:", 7);
	for (int i = 0; i < 32; i++) {
		out->s[7 + 2 * i] = hex[md[i] >> 4];
		out->s[8 + 2 * i] = hex[md[i] & 0xf];
	}
	out->s[GS_DIGEST_STR_LEN] = '\0';
}

void gs_sha256_final(gs_sha256_t *h, gs_digest_t *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (EVP_DigestFinal_ex(h->ctx, md, &n) != 1 || n != 32)
		evp_fail("EVP_DigestFinal_ex");
	to_digest(md, out);
	/* ready for reuse */
	if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
		evp_fail("EVP_DigestInit_ex");
}

void gs_sha256_free(gs_sha256_t *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void gs_digest_buffer(const void *data, size_t len, gs_digest_t *out)
{
	gs_sha256_t *h = gs_sha256_new();
	gs_sha256_update(h, data, len);
	gs_sha256_final(h, out);
	gs_sha256_free(h);
}

int gs_digest_hex_valid(const char *s)
{
	size_t i;
	for (i = 0; i < GS_DIGEST_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}

int gs_digest_parse(const char *s, gs_digest_t *out, gs_error_t *err)
{
	if (strncmp(s, "sha256:", 7) != 0 || !gs_digest_hex_valid(s + 7))
		return gs_error_set(err, 0, "invalid digest '%.*s%s': want sha256:<64 lowercase hex digits>",
				    80, s, strlen(s) > 80 ? "..." : "");
	memcpy(out->s, s, GS_DIGEST_STR_LEN + 1);
	return 0;
}

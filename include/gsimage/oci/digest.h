/* sha256 digests through OpenSSL EVP, written "sha256:<64 lowercase hex>". */
#ifndef GSIMAGE_OCI_DIGEST_H
#define GSIMAGE_OCI_DIGEST_H

#include <stddef.h>

#include "gsimage/util/error.h"

#define GS_DIGEST_HEX_LEN 64
#define GS_DIGEST_STR_LEN (7 + GS_DIGEST_HEX_LEN) /* "sha256:" + hex */

typedef struct gs_digest {
	char s[GS_DIGEST_STR_LEN + 1]; /* "sha256:..." NUL-terminated */
} gs_digest_t;

/* The 64 hex characters after "sha256:". */
static inline const char *gs_digest_hex(const gs_digest_t *d)
{
	return d->s + 7;
}

typedef struct gs_sha256 gs_sha256_t; /* opaque streaming context */

gs_sha256_t *gs_sha256_new(void);           /* aborts on OOM */
void gs_sha256_update(gs_sha256_t *h, const void *data, size_t len);
void gs_sha256_final(gs_sha256_t *h, gs_digest_t *out); /* h may be reused after */
void gs_sha256_free(gs_sha256_t *h);

void gs_digest_buffer(const void *data, size_t len, gs_digest_t *out);

/* 1 when s is exactly 64 lowercase hex digits (a sha256 digest's encoded
 * part, or a blobs/sha256/ file name), else 0.  Reads at most 65 bytes. */
int gs_digest_hex_valid(const char *s);

/* Validate "sha256:<64 lowercase hex>" and copy it into out. */
int gs_digest_parse(const char *s, gs_digest_t *out, gs_error_t *err);

#endif

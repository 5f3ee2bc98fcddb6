/* Signing keys: loading a private key (PEM PKCS#8, passphrase-protected
 * PKCS#8, SEC1 EC, and cosign's "ENCRYPTED SIGSTORE PRIVATE KEY"), a public
 * key, and signing and verifying bytes the way cosign does (ECDSA P-256 and
 * RSA PKCS#1 v1.5 over SHA-256, Ed25519 over the message itself).  The key
 * lives only in memory: no message names its bytes, and every copy of its
 * material made here is cleansed. */
#ifndef GSIMAGE_SIGN_KEY_H
#define GSIMAGE_SIGN_KEY_H

#include <stddef.h>

#include "gsimage/util/error.h"

typedef struct gs_sign_key gs_sign_key_t;

/* Asked for the passphrase of an encrypted key (path names it for a
 * prompt); writes at most size - 1 bytes and a NUL into buf.  Returns 0, or
 * -1 (err set) when there is none to give. */
typedef int (*gs_sign_password_fn)(void *ctx, const char *path, char *buf, size_t size,
				   gs_error_t *err);

/* Load the private key at path.  Refused, each before anything else is
 * done: a file readable or writable by group or others, a public key, a
 * wrong passphrase, a key type or curve cosign cannot verify (EC other
 * than P-256, RSA under 2048 bits).  password may be NULL (an encrypted key
 * is then refused). */
int gs_sign_key_load(const char *path, gs_sign_password_fn password, void *ctx,
		     gs_sign_key_t **out, gs_error_t *err);

/* Load a PEM public key (or take the public half of a private key file). */
int gs_sign_pub_load(const char *path, gs_sign_key_t **out, gs_error_t *err);

void gs_sign_key_free(gs_sign_key_t *key);

/* "ecdsa-p256", "ed25519" or "rsa-<bits>". */
const char *gs_sign_key_kind(const gs_sign_key_t *key);

/* The public key as PEM "PUBLIC KEY" (owned), and the hex SHA-256 of its
 * DER form (owned): the hint a sigstore bundle carries. */
char *gs_sign_key_public_pem(const gs_sign_key_t *key);
char *gs_sign_key_id(const gs_sign_key_t *key);

/* Sign data; *sig (owned) holds the raw signature (DER for ECDSA). */
int gs_sign_key_sign(const gs_sign_key_t *key, const void *data, size_t len, unsigned char **sig,
		     size_t *sig_len, gs_error_t *err);

/* 1 when sig is key's signature of data, 0 when it is not. */
int gs_sign_key_verify(const gs_sign_key_t *key, const void *data, size_t len,
		       const unsigned char *sig, size_t sig_len);

/* Base64 (standard alphabet, padded, no newlines) both ways; decode
 * returns -1 on malformed input.  Owned. */
char *gs_sign_b64_encode(const void *data, size_t len);
int gs_sign_b64_decode(const char *s, unsigned char **out, size_t *len);

#endif

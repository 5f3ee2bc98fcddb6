#include "gsimage/sign/key.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>

#include "gsimage/oci/digest.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/json.h"
#include "gsimage/util/xalloc.h"

struct gs_sign_key {
	EVP_PKEY *pkey;
	char kind[32];
};

#define KEY_FILE_MAX (64u * 1024)
#define PASSWORD_MAX 1024

/* ---- base64 --------------------------------------------------------------- */

char *gs_sign_b64_encode(const void *data, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

int gs_sign_b64_decode(const char *s, unsigned char **out, size_t *len)
{
	size_t n = strlen(s);
	if (n % 4 != 0 || n > (size_t)1 << 30 ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != n)
		return -1;
	unsigned char *buf = xmalloc(n / 4 * 3 + 1);
	int got = n ? EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n) : 0;
	if (got < 0) {
		free(buf);
		return -1;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes */
	size_t pad = (n >= 1 && s[n - 1] == '=') + (n >= 2 && s[n - 2] == '=');
	*out = buf;
	*len = (size_t)got - pad;
	return 0;
}

/* ---- files ----------------------------------------------------------------- */

static void cleanse_free(char *p, size_t len)
{
	if (p) {
		OPENSSL_cleanse(p, len);
		free(p);
	}
}

/* The key file's text; refused when group or others may read or write it. */
static int read_key_file(const char *path, int private, char **text, size_t *len,
			 gs_error_t *err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return gs_error_set(err, errno, "cannot read key '%s'", path);
	if (!S_ISREG(st.st_mode))
		return gs_error_set(err, 0, "key '%s' is not a regular file", path);
	if (private && (st.st_mode & 077))
		return gs_error_set(err, 0, "private key '%s' is accessible by group or others "
				    "(mode %04o); run 'chmod 600 %s'", path,
				    (unsigned)(st.st_mode & 07777), path);
	if (st.st_size > KEY_FILE_MAX)
		return gs_error_set(err, 0, "key '%s' is %lld bytes; no key file is that big",
				    path, (long long)st.st_size);
	if (gs_fs_read_file(path, text, len, err) < 0)
		return gs_error_wrap(err, "reading key '%s'", path);
	return 0;
}

/* The PEM label of the first block ("PRIVATE KEY", ...); owned, or NULL. */
static char *pem_label(const char *text)
{
	const char *b = strstr(text, "-----BEGIN ");
	if (!b)
		return NULL;
	b += 11;
	const char *e = strstr(b, "-----");
	if (!e || e - b > 64 || memchr(b, '\n', (size_t)(e - b)))
		return NULL;
	return xstrndup(b, (size_t)(e - b));
}

static char *openssl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	char buf[256];
	ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	const char *r = ERR_reason_error_string(e);
	return xstrdup(r ? r : buf);
}

/* ---- what cosign can verify ------------------------------------------------ */

static int check_kind(const char *path, EVP_PKEY *pkey, gs_sign_key_t *key, gs_error_t *err)
{
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_EC: {
		char group[64] = "";
		size_t glen = 0;
		if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
						    sizeof group, &glen))
			strcpy(group, "an unnamed curve");
		if (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0)
			return gs_error_set(err, 0, "key '%s' is on the unsupported curve '%s'; "
					    "use an ECDSA P-256 (prime256v1), Ed25519 or RSA "
					    "key", path, group);
		strcpy(key->kind, "ecdsa-p256");
		return 0;
	}
	case EVP_PKEY_ED25519:
		strcpy(key->kind, "ed25519");
		return 0;
	case EVP_PKEY_RSA: {
		int bits = EVP_PKEY_get_bits(pkey);
		if (bits < 2048)
			return gs_error_set(err, 0, "RSA key '%s' has %d bits; use at least 2048",
					    path, bits);
		snprintf(key->kind, sizeof key->kind, "rsa-%d", bits);
		return 0;
	}
	default:
		return gs_error_set(err, 0, "key '%s' is of the unsupported type '%s'; use an "
				    "ECDSA P-256, Ed25519 or RSA key", path,
				    OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)));
	}
}

static gs_sign_key_t *wrap(EVP_PKEY *pkey)
{
	gs_sign_key_t *k = xcalloc(1, sizeof *k);
	k->pkey = pkey;
	return k;
}

/* ---- passphrases ----------------------------------------------------------- */

struct pw_ctx {
	gs_sign_password_fn fn;
	void *ctx;
	const char *path;
	gs_error_t *err;
	int asked, failed;
};

static int ask_password(char *buf, int size, int rwflag, void *u)
{
	(void)rwflag;
	struct pw_ctx *p = u;
	p->asked = 1;
	if (!p->fn) {
		p->failed = 1;
		gs_error_set(p->err, 0, "key '%s' is encrypted; set GSIMAGE_SIGN_PASSWORD",
			     p->path);
		return -1;
	}
	if (p->fn(p->ctx, p->path, buf, (size_t)size, p->err) < 0) {
		p->failed = 1;
		return -1;
	}
	return (int)strlen(buf);
}

/* ---- cosign's encrypted key ------------------------------------------------ */

static int b64_field(json_t *o, const char *key, size_t want, unsigned char **out, size_t *len)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (!s || gs_sign_b64_decode(s, out, len) < 0)
		return -1;
	if (want && *len != want) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* {"kdf":{"name":"scrypt","params":{"N","r","p"},"salt"},
 *  "cipher":{"name":"nacl/secretbox","nonce"},"ciphertext"}: scrypt of the
 * password gives the secretbox key; the box holds PKCS#8 DER. */
static int cosign_key(const char *path, const unsigned char *body, size_t body_len,
		      struct pw_ctx *pw, EVP_PKEY **out, gs_error_t *err)
{
	json_error_t jerr;
	cleanup_json json_t *root = json_loadb((const char *)body, body_len, 0, &jerr);
	json_t *kdf = json_object_get(root, "kdf"), *cipher = json_object_get(root, "cipher");
	json_t *params = json_object_get(kdf, "params");
	const char *kname = json_string_value(json_object_get(kdf, "name"));
	const char *cname = json_string_value(json_object_get(cipher, "name"));
	json_int_t N = json_integer_value(json_object_get(params, "N"));
	json_int_t r = json_integer_value(json_object_get(params, "r"));
	json_int_t p = json_integer_value(json_object_get(params, "p"));
	if (!root || !kname || !cname)
		return gs_error_set(err, 0, "cosign key '%s' is damaged (no kdf or cipher)", path);
	if (strcmp(kname, "scrypt") != 0 || strcmp(cname, "nacl/secretbox") != 0)
		return gs_error_set(err, 0, "cosign key '%s' uses %s and %s; gsimage knows scrypt "
				    "and nacl/secretbox", path, kname, cname);
	/* cosign writes N = 65536, r = 8, p = 1; a huge N would only burn memory */
	if (N < 2 || N > (1 << 22) || (N & (N - 1)) || r < 1 || r > 32 || p < 1 || p > 16)
		return gs_error_set(err, 0, "cosign key '%s' has scrypt parameters out of range",
				    path);
	cleanup_free unsigned char *salt = NULL, *nonce = NULL, *box = NULL;
	size_t salt_len, nonce_len, box_len;
	if (b64_field(kdf, "salt", 0, &salt, &salt_len) < 0 ||
	    b64_field(cipher, "nonce", crypto_secretbox_NONCEBYTES, &nonce, &nonce_len) < 0 ||
	    b64_field(root, "ciphertext", 0, &box, &box_len) < 0 ||
	    box_len < crypto_secretbox_MACBYTES)
		return gs_error_set(err, 0, "cosign key '%s' is damaged (salt, nonce or "
				    "ciphertext)", path);
	if (sodium_init() < 0)
		return gs_error_set(err, 0, "libsodium failed to initialise");

	char *password = xmalloc(PASSWORD_MAX);
	int r_pw = ask_password(password, PASSWORD_MAX, 0, pw);
	if (r_pw < 0) {
		cleanse_free(password, PASSWORD_MAX);
		return -1;
	}
	unsigned char secret[crypto_secretbox_KEYBYTES];
	uint64_t maxmem = (uint64_t)128 * (uint64_t)r * (uint64_t)N * 2 + (1u << 20);
	int ok = EVP_PBE_scrypt(password, (size_t)r_pw, salt, salt_len, (uint64_t)N, (uint64_t)r,
				(uint64_t)p, maxmem, secret, sizeof secret);
	cleanse_free(password, PASSWORD_MAX);
	if (!ok) {
		OPENSSL_cleanse(secret, sizeof secret);
		cleanup_free char *why = openssl_reason();
		return gs_error_set(err, 0, "scrypt for cosign key '%s': %s", path, why);
	}
	size_t der_len = box_len - crypto_secretbox_MACBYTES;
	unsigned char *der = sodium_malloc(der_len ? der_len : 1);
	if (!der)
		abort();
	int opened = crypto_secretbox_open_easy(der, box, box_len, nonce, secret);
	sodium_memzero(secret, sizeof secret);
	if (opened != 0) {
		sodium_free(der);
		return gs_error_set(err, 0, "wrong passphrase for cosign key '%s'", path);
	}
	const unsigned char *q = der;
	*out = d2i_AutoPrivateKey(NULL, &q, (long)der_len);
	sodium_free(der); /* zeroes it */
	if (!*out) {
		ERR_clear_error();
		return gs_error_set(err, 0, "cosign key '%s' holds no PKCS#8 private key", path);
	}
	return 0;
}

/* ---- loading --------------------------------------------------------------- */

static int load_private(const char *path, const char *text, size_t len, struct pw_ctx *pw,
			EVP_PKEY **out, gs_error_t *err)
{
	cleanup_free char *label = pem_label(text);
	if (!label)
		return gs_error_set(err, 0, "'%s' is not a PEM private key", path);
	if (strcmp(label, "PUBLIC KEY") == 0 || strcmp(label, "RSA PUBLIC KEY") == 0 ||
	    strcmp(label, "CERTIFICATE") == 0)
		return gs_error_set(err, 0, "'%s' is a public key (%s); give the private key "
				    "(cosign.key, not cosign.pub)", path, label);
	if (strcmp(label, "ENCRYPTED SIGSTORE PRIVATE KEY") == 0 ||
	    strcmp(label, "ENCRYPTED COSIGN PRIVATE KEY") == 0) {
		BIO *bio = BIO_new_mem_buf(text, (int)len);
		char *name = NULL, *header = NULL;
		unsigned char *body = NULL;
		long body_len = 0;
		int got = bio && PEM_read_bio(bio, &name, &header, &body, &body_len);
		BIO_free(bio);
		OPENSSL_free(name);
		OPENSSL_free(header);
		int r = got ? cosign_key(path, body, (size_t)body_len, pw, out, err)
			    : gs_error_set(err, 0, "cosign key '%s' is not valid PEM", path);
		if (body)
			OPENSSL_clear_free(body, (size_t)body_len);
		ERR_clear_error();
		return r;
	}
	if (strcmp(label, "PRIVATE KEY") != 0 && strcmp(label, "ENCRYPTED PRIVATE KEY") != 0 &&
	    strcmp(label, "EC PRIVATE KEY") != 0 && strcmp(label, "RSA PRIVATE KEY") != 0)
		return gs_error_set(err, 0, "'%s' holds a PEM '%s', not a private key", path,
				    label);
	BIO *bio = BIO_new_mem_buf(text, (int)len);
	if (!bio)
		abort();
	*out = PEM_read_bio_PrivateKey(bio, NULL, ask_password, pw);
	BIO_free(bio);
	if (*out) {
		ERR_clear_error();
		return 0;
	}
	if (pw->failed) {
		ERR_clear_error();
		return -1; /* the callback said why */
	}
	cleanup_free char *why = openssl_reason();
	if (pw->asked || strcmp(label, "ENCRYPTED PRIVATE KEY") == 0)
		return gs_error_set(err, 0, "wrong passphrase for key '%s' (%s)", path, why);
	return gs_error_set(err, 0, "cannot parse private key '%s': %s", path, why);
}

int gs_sign_key_load(const char *path, gs_sign_password_fn password, void *ctx,
		     gs_sign_key_t **out, gs_error_t *err)
{
	*out = NULL;
	char *text = NULL;
	size_t len = 0;
	if (read_key_file(path, 1, &text, &len, err) < 0)
		return -1;
	struct pw_ctx pw = {password, ctx, path, err, 0, 0};
	EVP_PKEY *pkey = NULL;
	int r = load_private(path, text, len, &pw, &pkey, err);
	cleanse_free(text, len);
	if (r < 0)
		return -1;
	gs_sign_key_t *k = wrap(pkey);
	if (check_kind(path, pkey, k, err) < 0) {
		gs_sign_key_free(k);
		return -1;
	}
	*out = k;
	return 0;
}

int gs_sign_pub_load(const char *path, gs_sign_key_t **out, gs_error_t *err)
{
	*out = NULL;
	cleanup_free char *text = NULL;
	size_t len = 0;
	if (read_key_file(path, 0, &text, &len, err) < 0)
		return -1;
	cleanup_free char *label = pem_label(text);
	if (!label || strcmp(label, "PUBLIC KEY") != 0)
		return gs_error_set(err, 0, "'%s' is not a PEM public key; give the public key "
				    "(cosign.pub, or 'openssl pkey -pubout')", path);
	BIO *bio = BIO_new_mem_buf(text, (int)len);
	if (!bio)
		abort();
	EVP_PKEY *pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!pkey) {
		cleanup_free char *why = openssl_reason();
		return gs_error_set(err, 0, "cannot parse public key '%s': %s", path, why);
	}
	gs_sign_key_t *k = wrap(pkey);
	if (check_kind(path, pkey, k, err) < 0) {
		gs_sign_key_free(k);
		return -1;
	}
	*out = k;
	return 0;
}

void gs_sign_key_free(gs_sign_key_t *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey); /* OpenSSL cleanses private key material */
	free(key);
}

const char *gs_sign_key_kind(const gs_sign_key_t *key)
{
	return key->kind;
}

char *gs_sign_key_public_pem(const gs_sign_key_t *key)
{
	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio || !PEM_write_bio_PUBKEY(bio, key->pkey))
		abort();
	char *p;
	long n = BIO_get_mem_data(bio, &p);
	char *s = xstrndup(p, (size_t)n);
	BIO_free(bio);
	return s;
}

char *gs_sign_key_id(const gs_sign_key_t *key)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(key->pkey, &der);
	if (n <= 0)
		abort();
	gs_digest_t d;
	gs_digest_buffer(der, (size_t)n, &d);
	OPENSSL_free(der);
	return xstrdup(gs_digest_hex(&d));
}

static const EVP_MD *key_md(const gs_sign_key_t *key)
{
	return EVP_PKEY_get_base_id(key->pkey) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
}

int gs_sign_key_sign(const gs_sign_key_t *key, const void *data, size_t len, unsigned char **sig,
		     size_t *sig_len, gs_error_t *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = 0;
	unsigned char *buf = NULL;
	int ok = ctx && EVP_DigestSignInit(ctx, NULL, key_md(key), NULL, key->pkey) == 1 &&
		 EVP_DigestSign(ctx, NULL, &n, data, len) == 1;
	if (ok) {
		buf = xmalloc(n);
		ok = EVP_DigestSign(ctx, buf, &n, data, len) == 1;
	}
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		free(buf);
		cleanup_free char *why = openssl_reason();
		return gs_error_set(err, 0, "signing with the %s key failed: %s", key->kind, why);
	}
	*sig = buf;
	*sig_len = n;
	return 0;
}

int gs_sign_key_verify(const gs_sign_key_t *key, const void *data, size_t len,
		       const unsigned char *sig, size_t sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, key_md(key), NULL, key->pkey) == 1 &&
		 EVP_DigestVerify(ctx, sig, sig_len, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

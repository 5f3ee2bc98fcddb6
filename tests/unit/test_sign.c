/* sign/: key loading and its refusals, signing and verifying with each key
 * type, and the exact bytes of the payloads (PAE, simple signing, DSSE,
 * in-toto, sigstore bundle).  Keys are made here with libcrypto; the cosign
 * key format is made with scrypt + libsodium's secretbox as cosign does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "gsimage/sign/key.h"
#include "gsimage/sign/payload.h"
#include "gsimage/sign/provenance.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/xalloc.h"
#include "oci_testutil.h"

static char *dir;

static int setup(void **state)
{
	(void)state;
	dir = tu_mkdtemp();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(dir);
	dir = NULL;
	return 0;
}

static EVP_PKEY *keygen(const char *type, const char *arg)
{
	EVP_PKEY *k;
	if (strcmp(type, "RSA") == 0)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)atoi(arg));
	else if (arg)
		k = EVP_PKEY_Q_keygen(NULL, NULL, type, arg);
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, type);
	assert_non_null(k);
	return k;
}

/* Write k as PKCS#8 PEM (encrypted with pass when given) at dir/name. */
static char *write_key(EVP_PKEY *k, const char *name, const char *pass, int mode)
{
	char *path = x_asprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	if (pass)
		assert_true(PEM_write_PKCS8PrivateKey(f, k, EVP_aes_256_cbc(), NULL, 0, NULL,
						      (void *)pass));
	else
		assert_true(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL));
	fclose(f);
	chmod(path, (mode_t)mode);
	return path;
}

static char *write_pub(EVP_PKEY *k, const char *name)
{
	char *path = x_asprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_true(PEM_write_PUBKEY(f, k));
	fclose(f);
	return path;
}

/* cosign's "ENCRYPTED SIGSTORE PRIVATE KEY", as cosign writes it (with a
 * small scrypt N to keep the test quick). */
static char *write_cosign_key(EVP_PKEY *k, const char *name, const char *pass)
{
	unsigned char *der = NULL;
	BIO *mem = BIO_new(BIO_s_mem());
	assert_true(i2d_PKCS8PrivateKey_bio(mem, k, NULL, NULL, 0, NULL, NULL));
	char *p;
	long n = BIO_get_mem_data(mem, &p);
	der = xmalloc((size_t)n);
	memcpy(der, p, (size_t)n);
	BIO_free(mem);
	unsigned char salt[32], nonce[crypto_secretbox_NONCEBYTES], key[32];
	randombytes_buf(salt, sizeof salt);
	randombytes_buf(nonce, sizeof nonce);
	assert_true(EVP_PBE_scrypt(pass, strlen(pass), salt, sizeof salt, 1024, 8, 1, 0, key, 32));
	unsigned char *box = xmalloc((size_t)n + crypto_secretbox_MACBYTES);
	crypto_secretbox_easy(box, der, (unsigned long long)n, nonce, key);
	cleanup_free char *s64 = gs_sign_b64_encode(salt, sizeof salt);
	cleanup_free char *n64 = gs_sign_b64_encode(nonce, sizeof nonce);
	cleanup_free char *c64 = gs_sign_b64_encode(box, (size_t)n + crypto_secretbox_MACBYTES);
	cleanup_free char *json = x_asprintf(
		"{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":1024,\"r\":8,\"p\":1},"
		"\"salt\":\"%s\"},\"cipher\":{\"name\":\"nacl/secretbox\",\"nonce\":\"%s\"},"
		"\"ciphertext\":\"%s\"}", s64, n64, c64);
	cleanup_free char *body = gs_sign_b64_encode(json, strlen(json));
	char *path = x_asprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n");
	for (size_t i = 0; i < strlen(body); i += 64)
		fprintf(f, "%.64s\n", body + i);
	fprintf(f, "-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n");
	fclose(f);
	chmod(path, 0600);
	free(der);
	free(box);
	return path;
}

static int give_password(void *ctx, const char *path, char *buf, size_t size, gs_error_t *err)
{
	(void)path;
	(void)err;
	snprintf(buf, size, "%s", (const char *)ctx);
	return 0;
}

/* Load the key at path, sign, and verify with the public half written out. */
static void roundtrip(EVP_PKEY *k, const char *path, const char *pass, const char *kind)
{
	gs_error_t err = GS_ERROR_INIT;
	gs_sign_key_t *key = NULL;
	int r = gs_sign_key_load(path, pass ? give_password : NULL, (void *)pass, &key, &err);
	if (r < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(gs_sign_key_kind(key), kind);
	const char *msg = "{\"critical\":{}}";
	unsigned char *sig = NULL;
	size_t sig_len;
	assert_int_equal(gs_sign_key_sign(key, msg, strlen(msg), &sig, &sig_len, &err), 0);
	cleanup_free char *pubpath = write_pub(k, "pub.pem");
	gs_sign_key_t *pub = NULL;
	assert_int_equal(gs_sign_pub_load(pubpath, &pub, &err), 0);
	assert_int_equal(gs_sign_key_verify(pub, msg, strlen(msg), sig, sig_len), 1);
	assert_int_equal(gs_sign_key_verify(key, msg, strlen(msg), sig, sig_len), 1);
	/* one byte changed, in the message or the signature */
	assert_int_equal(gs_sign_key_verify(pub, "{\"critical\":{}]", strlen(msg), sig, sig_len), 0);
	sig[sig_len / 2] ^= 1;
	assert_int_equal(gs_sign_key_verify(pub, msg, strlen(msg), sig, sig_len), 0);
	/* the bundle hint is the public key's, from either half */
	cleanup_free char *id1 = gs_sign_key_id(key), *id2 = gs_sign_key_id(pub);
	assert_string_equal(id1, id2);
	cleanup_free char *pem = gs_sign_key_public_pem(key);
	assert_non_null(strstr(pem, "-----BEGIN PUBLIC KEY-----"));
	free(sig);
	gs_sign_key_free(key);
	gs_sign_key_free(pub);
}

static void test_key_types(void **state)
{
	(void)state;
	EVP_PKEY *ec = keygen("EC", "P-256"), *ed = keygen("ED25519", NULL),
		 *rsa = keygen("RSA", "2048");
	cleanup_free char *p1 = write_key(ec, "ec.pem", NULL, 0600);
	cleanup_free char *p2 = write_key(ed, "ed.pem", NULL, 0600);
	cleanup_free char *p3 = write_key(rsa, "rsa.pem", NULL, 0400);
	cleanup_free char *p4 = write_key(ec, "ec-enc.pem", "s3cret", 0600);
	cleanup_free char *p5 = write_cosign_key(ec, "cosign.key", "pw");
	cleanup_free char *p6 = write_cosign_key(ed, "cosign-empty.key", "");
	roundtrip(ec, p1, NULL, "ecdsa-p256");
	roundtrip(ed, p2, NULL, "ed25519");
	roundtrip(rsa, p3, NULL, "rsa-2048");
	roundtrip(ec, p4, "s3cret", "ecdsa-p256");
	roundtrip(ec, p5, "pw", "ecdsa-p256");
	roundtrip(ed, p6, "", "ed25519");
	EVP_PKEY_free(ec);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(rsa);
}

/* The load fails, with a message containing want and never the key. */
static void refused(const char *path, const char *pass, const char *want)
{
	gs_error_t err = GS_ERROR_INIT;
	gs_sign_key_t *key = NULL;
	int r = gs_sign_key_load(path, pass ? give_password : NULL, (void *)pass, &key, &err);
	if (r == 0)
		fail_msg("'%s' was loaded; want a refusal with '%s'", path, want);
	assert_null(key);
	if (!strstr(err.msg, want))
		fail_msg("'%s': got '%s', want '%s'", path, err.msg, want);
	assert_null(strstr(err.msg, "PRIVATE KEY-----"));
	gs_error_release(&err);
}

static void test_key_refusals(void **state)
{
	(void)state;
	EVP_PKEY *ec = keygen("EC", "P-256");
	cleanup_free char *open_mode = write_key(ec, "group.pem", NULL, 0640);
	refused(open_mode, NULL, "accessible by group or others");
	cleanup_free char *other = write_key(ec, "other.pem", NULL, 0604);
	refused(other, NULL, "accessible by group or others");
	cleanup_free char *enc = write_key(ec, "enc.pem", "right", 0600);
	refused(enc, "wrong", "wrong passphrase");
	refused(enc, NULL, "is encrypted; set GSIMAGE_SIGN_PASSWORD");
	cleanup_free char *cos = write_cosign_key(ec, "cosign.key", "right");
	refused(cos, "wrong", "wrong passphrase for cosign key");
	cleanup_free char *pub = write_pub(ec, "pub-as-private.pem");
	chmod(pub, 0600);
	refused(pub, NULL, "is a public key");
	EVP_PKEY *p384 = keygen("EC", "P-384");
	cleanup_free char *curve = write_key(p384, "p384.pem", NULL, 0600);
	refused(curve, NULL, "unsupported curve 'secp384r1'");
	EVP_PKEY *rsa1k = keygen("RSA", "1024");
	cleanup_free char *small = write_key(rsa1k, "rsa1024.pem", NULL, 0600);
	refused(small, NULL, "has 1024 bits; use at least 2048");
	cleanup_free char *junk = x_asprintf("%s/junk.pem", dir);
	tu_write(junk, "hello\n");
	chmod(junk, 0600);
	refused(junk, NULL, "is not a PEM private key");
	/* a private key is not a public key either */
	gs_error_t err = GS_ERROR_INIT;
	gs_sign_key_t *k = NULL;
	assert_int_equal(gs_sign_pub_load(enc, &k, &err), -1);
	assert_non_null(strstr(err.msg, "is not a PEM public key"));
	gs_error_release(&err);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(rsa1k);
}

static void test_pae(void **state)
{
	(void)state;
	/* the DSSE specification's example */
	size_t len;
	unsigned char *p = gs_sign_pae("http://example.com/HelloWorld", "hello world", 11, &len);
	const char *want = "DSSEv1 29 http://example.com/HelloWorld 11 hello world";
	assert_int_equal(len, strlen(want));
	assert_memory_equal(p, want, len);
	free(p);
	p = gs_sign_pae("", "", 0, &len);
	assert_int_equal(len, strlen("DSSEv1 0  0 "));
	assert_memory_equal(p, "DSSEv1 0  0 ", len);
	free(p);
}

static void test_payloads(void **state)
{
	(void)state;
	const char *d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	size_t len;
	cleanup_free char *s = gs_sign_simple_payload("app", d, &len);
	assert_string_equal(
		s, "{\"critical\":{\"identity\":{\"docker-reference\":\"app\"},\"image\":"
		   "{\"docker-manifest-digest\":\"sha256:0123456789abcdef0123456789abcdef0123456789"
		   "abcdef0123456789abcdef\"},\"type\":\"cosign container image signature\"},"
		   "\"optional\":{}}");
	cleanup_free char *back = NULL;
	assert_int_equal(gs_sign_simple_payload_digest(s, len, &back), 0);
	assert_string_equal(back, d);

	gs_sign_subject_t subj = {"app", d + 7};
	cleanup_free char *st = gs_sign_statement(&subj, 1, GS_SIGN_SLSA_V1, json_object(), &len);
	assert_string_equal(st, "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":"
				"\"app\",\"digest\":{\"sha256\":\"0123456789abcdef0123456789abcdef"
				"0123456789abcdef0123456789abcdef\"}}],\"predicateType\":"
				"\"https://slsa.dev/provenance/v1\",\"predicate\":{}}");
	gs_error_t err = GS_ERROR_INIT;
	cleanup_free char *pt = NULL, *pt2 = NULL;
	assert_int_equal(gs_sign_statement_check((unsigned char *)st, len, d, &pt, &err), 1);
	assert_string_equal(pt, GS_SIGN_SLSA_V1);
	const char *other = "sha256:1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	assert_int_equal(gs_sign_statement_check((unsigned char *)st, len, other, &pt2, &err), 0);

	const unsigned char sig[] = {1, 2, 3};
	cleanup_free char *env = gs_sign_dsse_envelope(GS_SIGN_INTOTO_MT, "hi", 2, sig, 3, &len);
	assert_string_equal(env, "{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":"
				 "\"aGk=\",\"signatures\":[{\"keyid\":\"\",\"sig\":\"AQID\"}]}");
	gs_sign_dsse_t dsse;
	assert_int_equal(gs_sign_dsse_parse(env, len, &dsse, &err), 0);
	assert_string_equal(dsse.type, GS_SIGN_INTOTO_MT);
	assert_int_equal(dsse.body_len, 2);
	assert_memory_equal(dsse.body, "hi", 2);
	assert_int_equal(dsse.sig_len, 3);
	gs_sign_dsse_release(&dsse);

	cleanup_free char *b = gs_sign_bundle("abc", GS_SIGN_INTOTO_MT, "hi", 2, sig, 3, &len);
	assert_string_equal(b, "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\","
			       "\"verificationMaterial\":{\"publicKey\":{\"hint\":\"abc\"}},"
			       "\"dsseEnvelope\":{\"payloadType\":\"application/vnd.in-toto+json\","
			       "\"payload\":\"aGk=\",\"signatures\":[{\"keyid\":\"\",\"sig\":"
			       "\"AQID\"}]}}");
	assert_int_equal(gs_sign_bundle_parse(b, len, &dsse, &err), 0);
	assert_memory_equal(dsse.body, "hi", 2);
	gs_sign_dsse_release(&dsse);
	/* base64 round trips, and rejects what is not base64 */
	unsigned char *raw;
	size_t n;
	assert_int_equal(gs_sign_b64_decode("AQID", &raw, &n), 0);
	assert_int_equal(n, 3);
	free(raw);
	assert_int_equal(gs_sign_b64_decode("AQ==", &raw, &n), 0);
	assert_int_equal(n, 1);
	free(raw);
	assert_int_equal(gs_sign_b64_decode("AQ=", &raw, &n), -1);
	assert_int_equal(gs_sign_b64_decode("A!ID", &raw, &n), -1);
}

static void test_provenance(void **state)
{
	(void)state;
	const char *plats[] = {"linux/amd64", "linux/arm64/v8"};
	const char *flags[] = {"-t", "app:v1", "."};
	const char *settings[] = {"CGO_ENABLED=0", "-ldflags=-s -w"};
	gs_provenance_build_t builds[] = {{"linux/amd64", settings, 2}};
	gs_provenance_dep_t deps[] = {
		{"source", "git+https://example.com/app", "gitCommit", "abc123", "dirty", "false"},
		{"golang.org/x/text", "pkg:golang/golang.org/x/text@v0.3.0", "dirHash",
		 "h1:g61tztE5qeGQ89tm6NTjjM9VPIm088od1l6aSorWRWg=", NULL, NULL},
		{"go", "pkg:golang/std@go1.26.8", NULL, NULL, NULL, NULL},
	};
	gs_provenance_in_t in = {"example.com/app", plats, 2, flags, 3, "go1.26.8", builds, 1,
				 deps, 3, "0.1.0"};
	size_t len;
	gs_sign_subject_t subj = {"app", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"};
	cleanup_free char *a = gs_sign_statement(&subj, 1, GS_SIGN_SLSA_V1,
						 gs_provenance_predicate(&in), &len);
	cleanup_free char *b = gs_sign_statement(&subj, 1, GS_SIGN_SLSA_V1,
						 gs_provenance_predicate(&in), &len);
	assert_string_equal(a, b); /* deterministic */
	const char *want[] = {
		"\"buildDefinition\":{\"buildType\":\"" GS_PROVENANCE_BUILD_TYPE "\"",
		"\"externalParameters\":{\"package\":\"example.com/app\",\"platforms\":"
		"[\"linux/amd64\",\"linux/arm64/v8\"],\"flags\":[\"-t\",\"app:v1\",\".\"]}",
		"\"internalParameters\":{\"goVersion\":\"go1.26.8\",\"builds\":[{\"platform\":"
		"\"linux/amd64\",\"goBuildSettings\":{\"CGO_ENABLED\":\"0\",\"-ldflags\":\"-s -w\"}}]}",
		"{\"name\":\"source\",\"uri\":\"git+https://example.com/app\",\"digest\":"
		"{\"gitCommit\":\"abc123\"},\"annotations\":{\"dirty\":\"false\"}}",
		"{\"name\":\"golang.org/x/text\",\"uri\":\"pkg:golang/golang.org/x/text@v0.3.0\","
		"\"digest\":{\"dirHash\":\"h1:g61tztE5qeGQ89tm6NTjjM9VPIm088od1l6aSorWRWg=\"}}",
		"{\"name\":\"go\",\"uri\":\"pkg:golang/std@go1.26.8\"}",
		"\"runDetails\":{\"builder\":{\"id\":\"urn:gsimage:builder\",\"version\":"
		"{\"gsimage\":\"0.1.0\"}},\"metadata\":{}}",
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++)
		if (!strstr(a, want[i]))
			fail_msg("provenance lacks %s:\n%s", want[i], a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_key_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_refusals, setup, teardown),
		cmocka_unit_test(test_pae),
		cmocka_unit_test(test_payloads),
		cmocka_unit_test(test_provenance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

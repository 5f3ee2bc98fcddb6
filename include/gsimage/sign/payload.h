/* The documents a signature covers and carries, as bytes (jansson, compact,
 * fixed key order, so the same inputs always give the same bytes): cosign's
 * simple-signing payload, DSSE's pre-authentication encoding and envelope,
 * the in-toto Statement v1 and the sigstore bundle v0.3.  No keys here
 * (key.h) and no layout (pipeline/sign.c). */
#ifndef GSIMAGE_SIGN_PAYLOAD_H
#define GSIMAGE_SIGN_PAYLOAD_H

#include <jansson.h>
#include <stddef.h>

#include "gsimage/util/error.h"

#define GS_SIGN_SIMPLESIGNING_MT "application/vnd.dev.cosign.simplesigning.v1+json"
#define GS_SIGN_DSSE_MT "application/vnd.dsse.envelope.v1+json"
#define GS_SIGN_BUNDLE_MT "application/vnd.dev.sigstore.bundle.v0.3+json"
#define GS_SIGN_INTOTO_MT "application/vnd.in-toto+json"
#define GS_SIGN_ANN_SIGNATURE "dev.cosignproject.cosign/signature"
#define GS_SIGN_STATEMENT_V1 "https://in-toto.io/Statement/v1"
#define GS_SIGN_SLSA_V1 "https://slsa.dev/provenance/v1"
/* The predicate cosign's bundle signatures of an image use. */
#define GS_SIGN_COSIGN_SIGN_V1 "https://sigstore.dev/cosign/sign/v1"

/* {"critical":{"identity":{"docker-reference":ref},"image":
 * {"docker-manifest-digest":digest},"type":"cosign container image
 * signature"},"optional":{}}; owned. */
char *gs_sign_simple_payload(const char *ref, const char *digest, size_t *len);

/* Parse one back: 0 with *digest (owned) the signed manifest digest, or -1
 * when it is not a simple-signing payload. */
int gs_sign_simple_payload_digest(const char *data, size_t len, char **digest);

/* "DSSEv1 <len(type)> <type> <len(body)> <body>"; owned, *len bytes. */
unsigned char *gs_sign_pae(const char *type, const void *body, size_t body_len, size_t *len);

/* {"payloadType":type,"payload":b64(body),"signatures":[{"keyid":"","sig":b64(sig)}]};
 * owned. */
char *gs_sign_dsse_envelope(const char *type, const void *body, size_t body_len,
			    const unsigned char *sig, size_t sig_len, size_t *len);

/* An envelope (or a bundle's dsseEnvelope) read back: its type, body and
 * first signature, all owned by the caller. */
typedef struct gs_sign_dsse {
	char *type;
	unsigned char *body;
	size_t body_len;
	unsigned char *sig;
	size_t sig_len;
} gs_sign_dsse_t;
int gs_sign_dsse_parse_json(json_t *env, gs_sign_dsse_t *out, gs_error_t *err);
int gs_sign_dsse_parse(const char *data, size_t len, gs_sign_dsse_t *out, gs_error_t *err);
void gs_sign_dsse_release(gs_sign_dsse_t *d);

/* The in-toto Statement v1 over subjects ({name, sha256 hex}) with
 * predicate (reference taken); owned. */
typedef struct gs_sign_subject {
	const char *name;
	const char *sha256; /* 64 hex */
} gs_sign_subject_t;
char *gs_sign_statement(const gs_sign_subject_t *subjects, size_t n, const char *predicate_type,
			json_t *predicate, size_t *len);

/* Whether a statement lists digest ("sha256:<hex>") among its subjects,
 * and its predicateType (owned, may be NULL). */
int gs_sign_statement_check(const unsigned char *body, size_t len, const char *digest,
			    char **predicate_type, gs_error_t *err);

/* The sigstore bundle v0.3 around a DSSE envelope signed with a key:
 * {"mediaType", "verificationMaterial":{"publicKey":{"hint":keyid}},
 * "dsseEnvelope":{...}}; owned. */
char *gs_sign_bundle(const char *keyid, const char *type, const void *body, size_t body_len,
		     const unsigned char *sig, size_t sig_len, size_t *len);

/* The DSSE envelope inside a bundle. */
int gs_sign_bundle_parse(const char *data, size_t len, gs_sign_dsse_t *out, gs_error_t *err);

#endif

#include "gsimage/sign/payload.h"

#include <stdio.h>
#include <string.h>

#include "gsimage/sign/key.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/json.h"
#include "gsimage/util/xalloc.h"

char *gs_sign_simple_payload(const char *ref, const char *digest, size_t *len)
{
	json_t *identity = json_object();
	gs_json_set(identity, "docker-reference", gs_json_string(ref));
	json_t *image = json_object();
	gs_json_set(image, "docker-manifest-digest", gs_json_string(digest));
	json_t *critical = json_object();
	gs_json_set(critical, "identity", identity);
	gs_json_set(critical, "image", image);
	gs_json_set(critical, "type", json_string("cosign container image signature"));
	json_t *root = json_object();
	gs_json_set(root, "critical", critical);
	gs_json_set(root, "optional", json_object());
	return gs_json_dump_compact(root, len);
}

int gs_sign_simple_payload_digest(const char *data, size_t len, char **digest)
{
	json_error_t jerr;
	cleanup_json json_t *root = json_loadb(data, len, 0, &jerr);
	json_t *critical = json_object_get(root, "critical");
	const char *type = json_string_value(json_object_get(critical, "type"));
	const char *d = json_string_value(
		json_object_get(json_object_get(critical, "image"), "docker-manifest-digest"));
	if (!type || strcmp(type, "cosign container image signature") != 0 || !d)
		return -1;
	*digest = xstrdup(d);
	return 0;
}

unsigned char *gs_sign_pae(const char *type, const void *body, size_t body_len, size_t *len)
{
	size_t tlen = strlen(type);
	char head[64];
	int h1 = snprintf(head, sizeof head, "DSSEv1 %zu ", tlen);
	char mid[32];
	int h2 = snprintf(mid, sizeof mid, " %zu ", body_len);
	size_t n = (size_t)h1 + tlen + (size_t)h2 + body_len;
	unsigned char *out = xmalloc(n ? n : 1), *p = out;
	memcpy(p, head, (size_t)h1);
	p += h1;
	memcpy(p, type, tlen);
	p += tlen;
	memcpy(p, mid, (size_t)h2);
	p += h2;
	if (body_len)
		memcpy(p, body, body_len);
	*len = n;
	return out;
}

static json_t *envelope(const char *type, const void *body, size_t body_len,
			const unsigned char *sig, size_t sig_len)
{
	cleanup_free char *b64 = gs_sign_b64_encode(body, body_len);
	cleanup_free char *s64 = gs_sign_b64_encode(sig, sig_len);
	json_t *s = json_object();
	gs_json_set(s, "keyid", json_string(""));
	gs_json_set(s, "sig", json_string(s64));
	json_t *sigs = json_array();
	json_array_append_new(sigs, s);
	json_t *root = json_object();
	gs_json_set(root, "payloadType", gs_json_string(type));
	gs_json_set(root, "payload", json_string(b64));
	gs_json_set(root, "signatures", sigs);
	return root;
}

char *gs_sign_dsse_envelope(const char *type, const void *body, size_t body_len,
			    const unsigned char *sig, size_t sig_len, size_t *len)
{
	return gs_json_dump_compact(envelope(type, body, body_len, sig, sig_len), len);
}

void gs_sign_dsse_release(gs_sign_dsse_t *d)
{
	free(d->type);
	free(d->body);
	free(d->sig);
	memset(d, 0, sizeof *d);
}

int gs_sign_dsse_parse_json(json_t *env, gs_sign_dsse_t *out, gs_error_t *err)
{
	memset(out, 0, sizeof *out);
	const char *type = json_string_value(json_object_get(env, "payloadType"));
	const char *payload = json_string_value(json_object_get(env, "payload"));
	json_t *s0 = json_array_get(json_object_get(env, "signatures"), 0);
	const char *sig = json_string_value(json_object_get(s0, "sig"));
	if (!type || !payload || !sig)
		return gs_error_set(err, 0, "not a DSSE envelope (payloadType, payload or "
				    "signatures missing)");
	if (gs_sign_b64_decode(payload, &out->body, &out->body_len) < 0 ||
	    gs_sign_b64_decode(sig, &out->sig, &out->sig_len) < 0) {
		gs_sign_dsse_release(out);
		return gs_error_set(err, 0, "DSSE envelope with a payload or signature that is "
				    "not base64");
	}
	out->type = xstrdup(type);
	return 0;
}

int gs_sign_dsse_parse(const char *data, size_t len, gs_sign_dsse_t *out, gs_error_t *err)
{
	json_error_t jerr;
	cleanup_json json_t *root = json_loadb(data, len, 0, &jerr);
	if (!root)
		return gs_error_set(err, 0, "DSSE envelope is not JSON: %s", jerr.text);
	return gs_sign_dsse_parse_json(root, out, err);
}

char *gs_sign_statement(const gs_sign_subject_t *subjects, size_t n, const char *predicate_type,
			json_t *predicate, size_t *len)
{
	json_t *subj = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *d = json_object();
		gs_json_set(d, "sha256", gs_json_string(subjects[i].sha256));
		json_t *s = json_object();
		gs_json_set(s, "name", gs_json_string(subjects[i].name));
		gs_json_set(s, "digest", d);
		json_array_append_new(subj, s);
	}
	json_t *root = json_object();
	gs_json_set(root, "_type", json_string(GS_SIGN_STATEMENT_V1));
	gs_json_set(root, "subject", subj);
	gs_json_set(root, "predicateType", gs_json_string(predicate_type));
	gs_json_set(root, "predicate", predicate);
	return gs_json_dump_compact(root, len);
}

int gs_sign_statement_check(const unsigned char *body, size_t len, const char *digest,
			    char **predicate_type, gs_error_t *err)
{
	*predicate_type = NULL;
	json_error_t jerr;
	cleanup_json json_t *root = json_loadb((const char *)body, len, 0, &jerr);
	const char *t = json_string_value(json_object_get(root, "_type"));
	if (!t || strcmp(t, GS_SIGN_STATEMENT_V1) != 0)
		return gs_error_set(err, 0, "the payload is not an in-toto Statement v1");
	const char *pt = json_string_value(json_object_get(root, "predicateType"));
	if (pt)
		*predicate_type = xstrdup(pt);
	const char *hex = strncmp(digest, "sha256:", 7) == 0 ? digest + 7 : digest;
	size_t i;
	json_t *s;
	json_array_foreach (json_object_get(root, "subject"), i, s) {
		const char *h = json_string_value(
			json_object_get(json_object_get(s, "digest"), "sha256"));
		if (h && strcmp(h, hex) == 0)
			return 1;
	}
	return 0;
}

char *gs_sign_bundle(const char *keyid, const char *type, const void *body, size_t body_len,
		     const unsigned char *sig, size_t sig_len, size_t *len)
{
	json_t *pk = json_object();
	gs_json_set(pk, "hint", gs_json_string(keyid));
	json_t *vm = json_object();
	gs_json_set(vm, "publicKey", pk);
	json_t *root = json_object();
	gs_json_set(root, "mediaType", json_string(GS_SIGN_BUNDLE_MT));
	gs_json_set(root, "verificationMaterial", vm);
	gs_json_set(root, "dsseEnvelope", envelope(type, body, body_len, sig, sig_len));
	return gs_json_dump_compact(root, len);
}

int gs_sign_bundle_parse(const char *data, size_t len, gs_sign_dsse_t *out, gs_error_t *err)
{
	json_error_t jerr;
	cleanup_json json_t *root = json_loadb(data, len, 0, &jerr);
	const char *mt = json_string_value(json_object_get(root, "mediaType"));
	if (!mt || strcmp(mt, GS_SIGN_BUNDLE_MT) != 0)
		return gs_error_set(err, 0, "not a sigstore bundle v0.3");
	json_t *env = json_object_get(root, "dsseEnvelope");
	if (!env)
		return gs_error_set(err, 0, "the sigstore bundle has no dsseEnvelope");
	return gs_sign_dsse_parse_json(env, out, err);
}

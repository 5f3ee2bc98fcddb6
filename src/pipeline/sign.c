#include "gsimage/pipeline/sign.h"

#include <jansson.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsimage/oci/artifact.h"
#include "gsimage/oci/blobread.h"
#include "gsimage/oci/digest.h"
#include "gsimage/oci/layout.h"
#include "gsimage/oci/walk.h"
#include "gsimage/oci/mediatype.h"
#include "gsimage/pipeline/attach.h"
#include "gsimage/sbom/cside.h"
#include "gsimage/sbom/goinfo.h"
#include "gsimage/sign/payload.h"
#include "gsimage/sign/provenance.h"
#include "gsimage/toolchain/vcs.h"
#include "gsimage/util/cache.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/lock.h"
#include "gsimage/util/json.h"
#include "gsimage/util/proc.h"
#include "gsimage/util/xalloc.h"

#ifndef GS_VERSION
#define GS_VERSION "dev"
#endif

extern char **environ;

/* The bytes a signed document may have: manifests and small payloads. */
#define SIGNED_MAX (4u * 1024 * 1024)

int gs_sign_open_key(const char *path, gs_sign_password_fn password, void *ctx,
		     gs_sign_key_t **key, gs_error_t *err)
{
	return gs_sign_key_load(path, password, ctx, key, err);
}

int gs_sign_open_public(const char *path, gs_sign_key_t **key, gs_error_t *err)
{
	return gs_sign_pub_load(path, key, err);
}

/* ---- what gets signed ------------------------------------------------------ */

typedef struct subject {
	gs_digest_t digest;
	uint64_t size;
	const char *media_type; /* GS_MT_INDEX or GS_MT_MANIFEST */
} subject_t;

/* The top object and, for an index, every manifest it lists: the layout
 * walk from top, not below the index's entries nor into referrers. */
struct subjects {
	subject_t *v;
	size_t n;
};

static int collect_subject(void *ctx, const gs_walk_node_t *node, gs_error_t *err)
{
	(void)err;
	struct subjects *c = ctx;
	if (node->role != GS_WALK_ROOT && node->role != GS_WALK_MANIFEST)
		return GS_WALK_SKIP;
	gs_digest_t d;
	gs_error_t ignored = GS_ERROR_INIT;
	int ok = gs_digest_parse(node->digest, &d, &ignored) == 0;
	gs_error_release(&ignored);
	if (!ok)
		return GS_WALK_SKIP;
	const char *mt = node->media_type && strcmp(node->media_type, GS_MT_INDEX) == 0
				 ? GS_MT_INDEX
				 : GS_MT_MANIFEST;
	c->v = xrealloc(c->v, (c->n + 1) * sizeof *c->v);
	c->v[c->n++] = (subject_t){d, node->size, mt};
	return node->role == GS_WALK_ROOT ? 0 : GS_WALK_SKIP;
}

static int image_subjects(const gs_store_t *store, const gs_digest_t *top, uint64_t size,
			  const char *mt, subject_t **out, size_t *n, gs_error_t *err)
{
	struct subjects c = {NULL, 0};
	cleanup_json json_t *desc = json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", top->s,
					      "size", (json_int_t)size);
	gs_walk_t w = GS_WALK_INIT(store, NULL, collect_subject, &c); /* no referrers */
	int r = gs_walk_desc(&w, desc, NULL, "the image", err);
	gs_walk_release(&w);
	*out = c.v;
	*n = c.n;
	return r < 0 ? -1 : 0;
}

static char *cosign_tag(const gs_digest_t *d, const char *suffix)
{
	return x_asprintf("sha256-%s%s", gs_digest_hex(d), suffix);
}

/* ---- cosign's .sig and .att manifests ---------------------------------------- */

/* The layers of the manifest tagged name (a new empty array without it). */
static json_t *tagged_layers(const gs_store_t *store, const gs_tag_list_t *tags, const char *name,
			     gs_error_t *err)
{
	const gs_tag_t *t = gs_tag_list_find(tags, name);
	if (!t)
		return json_array();
	gs_blob_desc_t d = {t->media_type, t->digest, t->size};
	cleanup_json json_t *m = gs_blob_read_json(store, &d, "signature manifest", NULL, NULL, err);
	if (!m) {
		gs_error_wrap(err, "reading tag '%s'", name);
		return NULL;
	}
	json_t *layers = json_object_get(m, "layers");
	if (!json_is_array(layers)) {
		gs_error_set(err, 0, "tag '%s' is not a signature manifest (no layers)", name);
		return NULL;
	}
	return json_deep_copy(layers);
}

/* A layer's bytes, verified, at most SIGNED_MAX. */
static int layer_bytes(const gs_store_t *store, json_t *layer, char **data, size_t *len,
		       gs_error_t *err)
{
	gs_blob_desc_t d;
	if (gs_blob_desc_parse(layer, "signature layer", &d, err) < 0)
		return -1;
	return gs_blob_read(store, &d.digest, d.size, SIGNED_MAX, "signature layer", data, len, err);
}

static const char *layer_annotation(json_t *layer, const char *key)
{
	return json_string_value(json_object_get(json_object_get(layer, "annotations"), key));
}

/* Write the manifest of layers and point the tag name at it.  cosign
 * writes an image config whose diff_ids are the layers' digests; cosign
 * never reads it, so this is an OCI 1.1 artifact instead (the empty config
 * and artifactType, the payload's media type): layout readers (inspect, OCI
 * validators) then know it holds no tar layers, and cosign still verifies
 * it. */
static int write_tagged(gs_store_t *store, const char *name, const char *artifact_type,
			json_t *layers, gs_error_t *err)
{
	gs_digest_t empty;
	if (gs_store_put(store, GS_EMPTY_JSON, 2, &empty, err) < 0)
		return -1;
	json_t *cd = json_object();
	gs_json_set(cd, "mediaType", json_string(GS_MT_EMPTY));
	gs_json_set(cd, "size", json_integer(2));
	gs_json_set(cd, "digest", json_string(empty.s));
	json_t *m = json_object();
	gs_json_set(m, "schemaVersion", json_integer(2));
	gs_json_set(m, "mediaType", json_string(GS_MT_MANIFEST));
	gs_json_set(m, "artifactType", json_string(artifact_type));
	gs_json_set(m, "config", cd);
	gs_json_set(m, "layers", json_incref(layers));
	size_t len;
	cleanup_free char *text = gs_json_dump_compact(m, &len);
	gs_digest_t d;
	if (gs_store_put(store, text, len, &d, err) < 0)
		return -1;
	return gs_layout_set_tag(store, name, NULL, GS_MT_MANIFEST, &d, len, err);
}

static json_t *new_layer(gs_store_t *store, const char *mt, const char *data, size_t len,
			 json_t *annotations, gs_error_t *err)
{
	gs_digest_t d;
	if (gs_store_put(store, data, len, &d, err) < 0) {
		json_decref(annotations);
		return NULL;
	}
	json_t *l = json_object();
	gs_json_set(l, "mediaType", json_string(mt));
	gs_json_set(l, "size", json_integer((json_int_t)len));
	gs_json_set(l, "digest", json_string(d.s));
	gs_json_set(l, "annotations", annotations);
	return l;
}

/* Does data hold a DSSE envelope over body that key signed? */
static int dsse_matches(const gs_sign_key_t *key, const char *data, size_t len,
			const char *body, size_t body_len)
{
	gs_sign_dsse_t e;
	gs_error_t ignored = GS_ERROR_INIT;
	int r = gs_sign_dsse_parse(data, len, &e, &ignored) == 0;
	gs_error_release(&ignored);
	if (!r)
		return 0;
	size_t pae_len;
	cleanup_free unsigned char *pae = gs_sign_pae(e.type, e.body, e.body_len, &pae_len);
	r = strcmp(e.type, GS_SIGN_INTOTO_MT) == 0 && e.body_len == body_len &&
	    memcmp(e.body, body, body_len) == 0 &&
	    gs_sign_key_verify(key, pae, pae_len, e.sig, e.sig_len);
	gs_sign_dsse_release(&e);
	return r;
}

/* What a .sig or .att layer must hold to stand for a signature already
 * made: its media type, and a test of its bytes. */
typedef struct signed_layer {
	const char *media_type;
	int (*matches)(const struct signed_layer *w, json_t *layer, const char *data, size_t len);
	const gs_sign_key_t *key;
	const char *payload; /* .sig: the simple-signing payload; .att: the statement */
	size_t len;
} signed_layer_t;

/* The layers of tag's manifest into *layers (new, empty without the tag),
 * and 1 when one of them already holds what w wants signed, so nothing is
 * re-signed (a new ECDSA signature would change the layout on every no-op
 * rebuild); 0 when none does. */
static int already_signed(const gs_store_t *store, const gs_tag_list_t *tags, const char *tag,
			  const signed_layer_t *w, json_t **layers, gs_error_t *err)
{
	if (!(*layers = tagged_layers(store, tags, tag, err)))
		return -1;
	size_t i;
	json_t *l;
	json_array_foreach (*layers, i, l) {
		const char *mt = json_string_value(json_object_get(l, "mediaType"));
		if (!mt || strcmp(mt, w->media_type) != 0)
			continue;
		cleanup_free char *data = NULL;
		size_t len;
		if (layer_bytes(store, l, &data, &len, err) < 0)
			return gs_error_wrap(err, "reading tag '%s'", tag);
		if (w->matches(w, l, data, len))
			return 1;
	}
	return 0;
}

/* Add a layer of data to layers and point tag at the new manifest (other
 * keys' signatures stay). */
static int append_signed(gs_store_t *store, const char *tag, json_t *layers, const char *mt,
			 const char *data, size_t len, json_t *annotations, gs_error_t *err)
{
	json_t *nl = new_layer(store, mt, data, len, annotations, err);
	if (!nl)
		return -1;
	json_array_append_new(layers, nl);
	return write_tagged(store, tag, mt, layers, err);
}

/* The same payload, with a signature the key verifies. */
static int sig_matches(const signed_layer_t *w, json_t *layer, const char *data, size_t len)
{
	const char *sig64 = layer_annotation(layer, GS_SIGN_ANN_SIGNATURE);
	cleanup_free unsigned char *sig = NULL;
	size_t sig_len;
	return sig64 && len == w->len && memcmp(data, w->payload, len) == 0 &&
	       gs_sign_b64_decode(sig64, &sig, &sig_len) == 0 &&
	       gs_sign_key_verify(w->key, data, len, sig, sig_len);
}

static int att_matches(const signed_layer_t *w, json_t *layer, const char *data, size_t len)
{
	(void)layer;
	return dsse_matches(w->key, data, len, w->payload, w->len);
}

/* The .sig of s: kept when a layer already holds this payload with a
 * signature key verifies; else a new layer is added to those there. */
static int sign_sig(gs_store_t *store, const gs_tag_list_t *tags, const gs_sign_key_t *key,
		    const char *name, const subject_t *s, gs_error_t *err)
{
	cleanup_free char *tag = cosign_tag(&s->digest, GS_SIGN_SIG_SUFFIX);
	size_t plen;
	cleanup_free char *payload = gs_sign_simple_payload(name, s->digest.s, &plen);
	signed_layer_t w = {GS_SIGN_SIMPLESIGNING_MT, sig_matches, key, payload, plen};
	cleanup_json json_t *layers = NULL;
	int r = already_signed(store, tags, tag, &w, &layers, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	cleanup_free unsigned char *sig = NULL;
	size_t sig_len;
	if (gs_sign_key_sign(key, payload, plen, &sig, &sig_len, err) < 0)
		return -1;
	cleanup_free char *sig64 = gs_sign_b64_encode(sig, sig_len);
	json_t *ann = json_object();
	gs_json_set(ann, GS_SIGN_ANN_SIGNATURE, json_string(sig64));
	return append_signed(store, tag, layers, GS_SIGN_SIMPLESIGNING_MT, payload, plen, ann, err);
}

/* The .att of s, the same way, for the provenance statement. */
static int sign_att(gs_store_t *store, const gs_tag_list_t *tags, const gs_sign_key_t *key,
		    const char *statement, size_t st_len, const subject_t *s, gs_error_t *err)
{
	cleanup_free char *tag = cosign_tag(&s->digest, GS_SIGN_ATT_SUFFIX);
	signed_layer_t w = {GS_SIGN_DSSE_MT, att_matches, key, statement, st_len};
	cleanup_json json_t *layers = NULL;
	int r = already_signed(store, tags, tag, &w, &layers, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	size_t pae_len;
	cleanup_free unsigned char *pae = gs_sign_pae(GS_SIGN_INTOTO_MT, statement, st_len, &pae_len);
	cleanup_free unsigned char *sig = NULL;
	size_t sig_len;
	if (gs_sign_key_sign(key, pae, pae_len, &sig, &sig_len, err) < 0)
		return -1;
	size_t env_len;
	cleanup_free char *env =
		gs_sign_dsse_envelope(GS_SIGN_INTOTO_MT, statement, st_len, sig, sig_len, &env_len);
	json_t *ann = json_object();
	gs_json_set(ann, GS_SIGN_ANN_SIGNATURE, json_string(""));
	gs_json_set(ann, "predicateType", json_string(GS_SIGN_SLSA_V1));
	return append_signed(store, tag, layers, GS_SIGN_DSSE_MT, env, env_len, ann, err);
}

/* ---- bundles as referrers ------------------------------------------------------ */

typedef struct bundle_want {
	const char *statement;
	size_t len;
	const char *title;
	char *bundle; /* reused or made */
	size_t bundle_len;
} bundle_want_t;

/* Calls fn for each sigstore bundle referring to s: the artifacts the walk
 * reaches through s's referrers-fallback tag (not cosign's .sig and .att
 * tags, not what s itself lists). */
typedef int (*bundle_fn)(void *ctx, const char *data, size_t len, gs_error_t *err);

struct bundle_walk {
	const gs_store_t *store;
	bundle_fn fn;
	void *ctx;
};

static int visit_bundle(void *vctx, const gs_walk_node_t *node, gs_error_t *err)
{
	struct bundle_walk *b = vctx;
	switch (node->role) {
	case GS_WALK_ROOT:
		return 0;
	case GS_WALK_REFERRERS: /* the fallback index, of s itself */
		return node->parent && node->parent->role == GS_WALK_ROOT &&
				       strlen(node->tag) == 7 + GS_DIGEST_HEX_LEN
			       ? 0
			       : GS_WALK_SKIP;
	case GS_WALK_MANIFEST:
		break;
	default:
		return GS_WALK_SKIP;
	}
	if (!node->parent || node->parent->role != GS_WALK_REFERRERS)
		return GS_WALK_SKIP; /* an entry of s's own index */
	const char *at = json_string_value(json_object_get(node->desc, "artifactType"));
	if (!at || strcmp(at, GS_SIGN_BUNDLE_MT) != 0 || !node->doc)
		return GS_WALK_SKIP;
	gs_blob_desc_t ld;
	if (gs_blob_desc_parse(json_array_get(json_object_get(node->doc, "layers"), 0), "bundle",
			       &ld, err) < 0)
		return gs_error_wrap(err, "%s", node->where);
	cleanup_free char *data = NULL;
	size_t len;
	if (gs_blob_read(b->store, &ld.digest, ld.size, SIGNED_MAX, "bundle", &data, &len, err) < 0 ||
	    b->fn(b->ctx, data, len, err) < 0)
		return -1;
	return GS_WALK_SKIP; /* its subject is s */
}

static int each_bundle(const gs_store_t *store, const gs_tag_list_t *tags, const subject_t *s,
		       bundle_fn fn, void *ctx, gs_error_t *err)
{
	struct bundle_walk b = {store, fn, ctx};
	cleanup_json json_t *desc = json_pack("{s:s, s:s, s:I}", "mediaType", s->media_type,
					      "digest", s->digest.s, "size", (json_int_t)s->size);
	gs_walk_t w = GS_WALK_INIT(store, tags, visit_bundle, &b);
	int r = gs_walk_desc(&w, desc, NULL, s->digest.s, err);
	gs_walk_release(&w);
	return r < 0 ? -1 : 0;
}

struct reuse_ctx {
	const gs_sign_key_t *key;
	bundle_want_t *want;
	size_t n;
};

static int reuse_bundle(void *vctx, const char *data, size_t len, gs_error_t *err)
{
	(void)err;
	struct reuse_ctx *c = vctx;
	gs_sign_dsse_t e;
	gs_error_t ignored = GS_ERROR_INIT;
	int ok = gs_sign_bundle_parse(data, len, &e, &ignored) == 0;
	gs_error_release(&ignored);
	if (!ok)
		return 0;
	for (size_t i = 0; i < c->n; i++) {
		bundle_want_t *w = &c->want[i];
		if (w->bundle || e.body_len != w->len || memcmp(e.body, w->statement, w->len) != 0)
			continue;
		size_t pae_len;
		cleanup_free unsigned char *pae = gs_sign_pae(e.type, e.body, e.body_len, &pae_len);
		if (strcmp(e.type, GS_SIGN_INTOTO_MT) == 0 &&
		    gs_sign_key_verify(c->key, pae, pae_len, e.sig, e.sig_len)) {
			w->bundle = xstrndup(data, len);
			w->bundle_len = len;
		}
	}
	gs_sign_dsse_release(&e);
	return 0;
}

static int attach_bundles(gs_store_t *store, const gs_tag_list_t *tags, const gs_sign_key_t *key,
			  const subject_t *s, bundle_want_t *want, size_t n, gs_error_t *err)
{
	struct reuse_ctx c = {key, want, n};
	int r = each_bundle(store, tags, s, reuse_bundle, &c, err);
	cleanup_free char *keyid = gs_sign_key_id(key);
	gs_attachment_t docs[2];
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (!want[i].bundle) {
			size_t pae_len;
			cleanup_free unsigned char *pae =
				gs_sign_pae(GS_SIGN_INTOTO_MT, want[i].statement, want[i].len, &pae_len);
			cleanup_free unsigned char *sig = NULL;
			size_t sig_len;
			if ((r = gs_sign_key_sign(key, pae, pae_len, &sig, &sig_len, err)) < 0)
				break;
			want[i].bundle = gs_sign_bundle(keyid, GS_SIGN_INTOTO_MT, want[i].statement,
							want[i].len, sig, sig_len, &want[i].bundle_len);
		}
		docs[i] = (gs_attachment_t){GS_SIGN_BUNDLE_MT, want[i].title, want[i].bundle,
					    want[i].bundle_len};
	}
	if (r == 0)
		r = gs_attach_typed(store, s->media_type, &s->digest, s->size, docs, n, NULL, NULL,
				    err);
	for (size_t i = 0; i < n; i++)
		free(want[i].bundle);
	return r;
}

/* ---- the stage ---------------------------------------------------------------- */

/* Sign every subject; with a provenance statement, attest it too. */
static int sign_all(gs_store_t *store, const gs_sign_key_t *key, const char *name,
		    const subject_t *subj, size_t n, const char *prov, size_t prov_len,
		    gs_error_t *err)
{
	/* Each .sig, .att and referrers index is read, added to and written
	 * back: under the index.json lock, so two signers (two keys, or a
	 * build and a sign) cannot lose each other's signatures. */
	if (gs_store_lock(store, err) < 0)
		return -1;
	gs_tag_list_t tags = {0};
	if (gs_layout_read_tags(store, &tags, err) < 0) {
		gs_store_unlock(store);
		return -1;
	}
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		const subject_t *s = &subj[i];
		gs_sign_subject_t ss = {name, gs_digest_hex(&s->digest)};
		size_t st_len;
		cleanup_free char *st =
			gs_sign_statement(&ss, 1, GS_SIGN_COSIGN_SIGN_V1, json_object(), &st_len);
		bundle_want_t want[2] = {{st, st_len, "signature.sigstore.json", NULL, 0},
					 {prov, prov_len, "provenance.sigstore.json", NULL, 0}};
		if (sign_sig(store, &tags, key, name, s, err) < 0 ||
		    (prov && sign_att(store, &tags, key, prov, prov_len, s, err) < 0) ||
		    attach_bundles(store, &tags, key, s, want, prov ? 2 : 1, err) < 0)
			r = gs_error_wrap(err, "signing %s", s->digest.s);
	}
	gs_tag_list_release(&tags);
	gs_store_unlock(store);
	return r;
}

/* Is the work tree at dir modified (tracked files only)?  "true", "false",
 * or NULL when git cannot tell; for binaries Go did not stamp. */
static const char *git_dirty(const char *dir)
{
	char *const argv[] = {"git", "status", "--porcelain", "--untracked-files=no", NULL};
	cleanup_free char *out = NULL;
	gs_proc_opts_t po = {.argv = argv, .cwd = dir};
	gs_error_t ignored = GS_ERROR_INIT;
	int r = gs_proc_output(&po, &out, NULL, &ignored);
	gs_error_release(&ignored);
	if (r < 0)
		return NULL;
	return out && *out ? "true" : "false";
}

/* The SHA-256 (hex) of the executable at path, remembered under cache_dir
 * by the file's identity so a rebuild does not read 150 MB of zig again;
 * owned, or NULL when it cannot be read. */
static char *file_sha256(const char *cache_dir, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return NULL;
	gs_cache_t cache = {.dir = cache_dir};
	gs_cache_key_t key;
	gs_cache_key_init(&key, "file-sha256");
	gs_cache_key_file(&key, "executable", path);
	char *hex = NULL;
	if (gs_cache_get(&cache, &key, &hex, NULL) && gs_digest_hex_valid(hex)) {
		gs_cache_key_release(&key);
		return hex;
	}
	free(hex);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		gs_cache_key_release(&key);
		return NULL;
	}
	gs_sha256_t *h = gs_sha256_new();
	char buf[1 << 16];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			gs_sha256_update(h, buf, (size_t)n);
	gs_digest_t d;
	gs_sha256_final(h, &d);
	gs_sha256_free(h);
	if (n >= 0)
		gs_cache_put(&cache, &key, gs_digest_hex(&d), GS_DIGEST_HEX_LEN, 0644);
	gs_cache_key_release(&key);
	return n < 0 ? NULL : xstrdup(gs_digest_hex(&d));
}

/* "KEY=VALUE" of the Go build settings, without the vcs.* ones (they go to
 * resolvedDependencies). */
static void go_settings(const gs_sbom_goinfo_t *gi, gs_strvec_t *out)
{
	for (size_t i = 0; i < gi->n_settings; i++)
		if (strncmp(gi->settings[i].key, "vcs", 3) != 0)
			gs_strvec_pushf(out, "%s=%s", gi->settings[i].key, gi->settings[i].value);
}

static void add_module(gs_strvec_t *seen, gs_provenance_dep_t *deps, size_t *n, gs_strvec_t *keep,
		       const gs_sbom_gomod_t *m)
{
	if (m->replace && m->replace->path)
		m = m->replace;
	if (!m->path || gs_strvec_find(seen, m->path) >= 0)
		return;
	gs_strvec_push(seen, m->path);
	gs_strvec_pushf(keep, "pkg:golang/%s@%s", m->path, m->version ? m->version : "");
	deps[(*n)++] = (gs_provenance_dep_t){
		.name = m->path,
		.uri = keep->v[keep->n - 1],
		.alg = m->sum && *m->sum ? "dirHash" : NULL,
		.digest = m->sum,
	};
}

int gs_sign_build(gs_store_t *store, const gs_sign_stage_opts_t *o, const gs_binaries_t *bins,
		  const gs_pack_result_t *packed, const char *name, gs_error_t *err)
{
	if (!o->key)
		return 0;
	const gs_compile_result_t *set = &bins->set;
	size_t nb = set->n_bins;
	gs_sbom_goinfo_t *gi = xcalloc(nb ? nb : 1, sizeof *gi);
	gs_strvec_t *settings = xcalloc(nb ? nb : 1, sizeof *settings);
	gs_provenance_build_t *builds = xcalloc(nb ? nb : 1, sizeof *builds);
	cleanup_strvec gs_strvec_t platforms = GS_STRVEC_INIT, seen = GS_STRVEC_INIT,
				   keep = GS_STRVEC_INIT;
	gs_vcs_info_t vcs = {0};
	cleanup_free char *cc_version = NULL, *musl = NULL, *prov = NULL, *cc_digest = NULL;
	subject_t *subj = NULL;
	size_t n_subj = 0, n_deps = 0, cap = 8;
	int r = -1;
	for (size_t i = 0; i < nb; i++) {
		if (gs_sbom_goinfo_read_file(set->bins[i].path, &gi[i], err) < 0) {
			gs_error_wrap(err, "reading the Go build info of the %s binary",
				      set->bins[i].platform->name);
			goto out;
		}
		cap += gi[i].n_deps + 1;
		go_settings(&gi[i], &settings[i]);
		builds[i] = (gs_provenance_build_t){set->bins[i].platform->name,
						    (const char *const *)settings[i].v,
						    settings[i].n};
	}
	for (size_t i = 0; i < packed->n_images; i++)
		gs_strvec_push(&platforms, packed->images[i].platform->name);
	gs_provenance_dep_t *deps = xcalloc(cap, sizeof *deps);

	/* the source: commit and dirtiness as Go stamped them, the public URL */
	const char *rev = nb ? gs_sbom_goinfo_setting(&gi[0], "vcs.revision") : NULL;
	const char *modified = nb ? gs_sbom_goinfo_setting(&gi[0], "vcs.modified") : NULL;
	if (set->dir)
		gs_vcs_info_read(set->dir, &vcs);
	if (!rev)
		rev = vcs.revision;
	if (!modified && vcs.revision)
		modified = git_dirty(set->dir);
	if (rev || vcs.source) {
		cleanup_free char *uri = vcs.source ? x_asprintf("git+%s", vcs.source) : NULL;
		if (uri)
			gs_strvec_push(&keep, uri);
		deps[n_deps++] = (gs_provenance_dep_t){
			.name = "source",
			.uri = uri ? keep.v[keep.n - 1] : NULL,
			.alg = rev ? "gitCommit" : NULL,
			.digest = rev,
			.note_key = "dirty",
			.note_value = modified ? modified : "unknown",
		};
	}
	for (size_t i = 0; i < nb; i++) {
		if (gi[i].main.path && gs_strvec_find(&seen, gi[i].main.path) < 0) {
			gs_strvec_push(&seen, gi[i].main.path);
			deps[n_deps++] = (gs_provenance_dep_t){.name = gi[i].main.path,
							       .uri = NULL, .note_key = "role",
							       .note_value = "main module"};
		}
		for (size_t j = 0; j < gi[i].n_deps; j++)
			add_module(&seen, deps, &n_deps, &keep, &gi[i].deps[j]);
	}
	const char *go_version = set->go_version ? set->go_version
				 : nb			 ? gi[0].go_version
							 : NULL;
	if (go_version) {
		gs_strvec_pushf(&keep, "pkg:golang/std@%s", go_version);
		deps[n_deps++] = (gs_provenance_dep_t){.name = "go", .uri = keep.v[keep.n - 1]};
	}
	if (set->cgo && set->cc_driver) {
		if (gs_sbom_cc_version(set->cc_kind, set->cc_driver, environ, &cc_version, err) < 0 ||
		    gs_sbom_detect_musl(set->cc_kind, set->cc_driver, environ, &musl, err) < 0) {
			gs_error_wrap(err, "asking '%s' for its versions", set->cc_driver);
			goto out_deps;
		}
		const char *cc = set->cc_kind == GS_CC_ZIG ? "zig" : "cc";
		gs_strvec_pushf(&keep, "pkg:generic/%s@%s", cc, cc_version);
		cc_digest = file_sha256(o->cache_dir, set->cc_driver);
		deps[n_deps++] = (gs_provenance_dep_t){.name = cc, .uri = keep.v[keep.n - 1],
						       .alg = cc_digest ? "sha256" : NULL,
						       .digest = cc_digest};
		if (musl) {
			gs_strvec_pushf(&keep, "pkg:generic/musl@%s", musl);
			deps[n_deps++] = (gs_provenance_dep_t){.name = "musl",
							       .uri = keep.v[keep.n - 1]};
		}
	}

	gs_provenance_in_t in = {
		.package = set->import_path ? set->import_path : set->go_package,
		.platforms = (const char *const *)platforms.v,
		.n_platforms = platforms.n,
		.flags = (const char *const *)o->flags.v,
		.n_flags = o->flags.n,
		.go_version = go_version,
		.builds = builds,
		.n_builds = nb,
		.deps = deps,
		.n_deps = n_deps,
		.tool_version = GS_VERSION,
	};
	if (image_subjects(store, &packed->top, packed->top_size, packed->top_media_type, &subj,
			   &n_subj, err) < 0)
		goto out_deps;
	gs_sign_subject_t *ss = xcalloc(n_subj, sizeof *ss);
	for (size_t i = 0; i < n_subj; i++)
		ss[i] = (gs_sign_subject_t){name, gs_digest_hex(&subj[i].digest)};
	size_t prov_len;
	prov = gs_sign_statement(ss, n_subj, GS_SIGN_SLSA_V1, gs_provenance_predicate(&in),
				 &prov_len);
	free(ss);
	r = sign_all(store, o->key, name, subj, n_subj, prov, prov_len, err);
out_deps:
	free(deps);
out:
	for (size_t i = 0; i < nb; i++) {
		gs_sbom_goinfo_release(&gi[i]);
		gs_strvec_release(&settings[i]);
	}
	free(gi);
	free(settings);
	free(builds);
	free(subj);
	gs_vcs_info_release(&vcs);
	return r;
}

/* The repository part of a tag ("app" of "app:v1", "reg:5000/app" of
 * "reg:5000/app:v1"); owned. */
static char *repository_of(const char *ref)
{
	const char *slash = strrchr(ref, '/');
	const char *colon = strrchr(ref, ':');
	if (colon && (!slash || colon > slash))
		return xstrndup(ref, (size_t)(colon - ref));
	return xstrdup(ref);
}

int gs_sign_tagged(const char *layout_dir, const char *ref, const gs_sign_key_t *key,
		   gs_error_t *err)
{
	gs_store_t *store = NULL;
	if (gs_layout_open(layout_dir, GS_LAYOUT_WRITE, &store, err) < 0)
		return -1;
	int r = -1;
	cleanup_lock gs_lock_t hold = GS_LOCK_INIT;
	gs_tag_list_t tags = {0};
	subject_t *subj = NULL;
	size_t n = 0;
	cleanup_free char *name = NULL;
	/* the gc lock, shared: the blobs written here live once tagged */
	if (gs_store_gc_lock(store, GS_LOCK_SHARED, &hold, err) < 0 ||
	    gs_layout_read_tags(store, &tags, err) < 0)
		goto out;
	const gs_tag_t *t = gs_tag_list_find(&tags, ref);
	if (!t) {
		gs_error_set(err, 0, "no tag '%s' in '%s'; 'gsimage inspect %s' lists the tags", ref,
			     layout_dir, layout_dir);
		goto out;
	}
	if (strcmp(t->media_type, GS_MT_INDEX) != 0 && strcmp(t->media_type, GS_MT_MANIFEST) != 0) {
		gs_error_set(err, 0, "'%s' is a %s; gsimage signs OCI images", ref, t->media_type);
		goto out;
	}
	name = repository_of(t->ref_name);
	if (image_subjects(store, &t->digest, t->size, t->media_type, &subj, &n, err) < 0)
		goto out;
	r = sign_all(store, key, name, subj, n, NULL, 0, err);
out:
	free(subj);
	gs_tag_list_release(&tags);
	gs_store_free(store);
	return r;
}

/* ---- verification ------------------------------------------------------------ */

static void finding(gs_sign_report_t *rep, const subject_t *s, const char *what, int ok,
		    const char *why)
{
	rep->v = xrealloc(rep->v, (rep->n + 1) * sizeof *rep->v);
	rep->v[rep->n++] = (gs_sign_finding_t){xstrdup(s->digest.s), xstrdup(what), ok,
					       why ? xstrdup(why) : NULL};
	if (!ok)
		rep->n_bad++;
}

/* The .sig: some simple-signing layer names s and verifies. */
static int verify_sig(const gs_store_t *store, const gs_tag_list_t *tags, const gs_sign_key_t *key,
		      const subject_t *s, gs_sign_report_t *rep, gs_error_t *err)
{
	cleanup_free char *tag = cosign_tag(&s->digest, GS_SIGN_SIG_SUFFIX);
	if (!gs_tag_list_find(tags, tag)) {
		finding(rep, s, "signature (.sig)", 0, "not signed: no tag sha256-<hex>.sig");
		return 0;
	}
	cleanup_json json_t *layers = tagged_layers(store, tags, tag, err);
	if (!layers)
		return -1;
	const char *why = "the .sig manifest has no simple-signing layer";
	size_t i;
	json_t *l;
	json_array_foreach (layers, i, l) {
		const char *mt = json_string_value(json_object_get(l, "mediaType"));
		const char *sig64 = layer_annotation(l, GS_SIGN_ANN_SIGNATURE);
		if (!mt || strcmp(mt, GS_SIGN_SIMPLESIGNING_MT) != 0)
			continue;
		cleanup_free char *data = NULL, *digest = NULL;
		size_t len;
		if (layer_bytes(store, l, &data, &len, err) < 0)
			return gs_error_wrap(err, "reading tag '%s'", tag);
		cleanup_free unsigned char *sig = NULL;
		size_t sig_len;
		if (!sig64 || gs_sign_b64_decode(sig64, &sig, &sig_len) < 0)
			why = "a layer has no base64 signature annotation";
		else if (!gs_sign_key_verify(key, data, len, sig, sig_len))
			why = "the signature does not verify with this key";
		else if (gs_sign_simple_payload_digest(data, len, &digest) < 0)
			why = "the signed payload is not a cosign simple-signing payload";
		else if (strcmp(digest, s->digest.s) != 0)
			why = "the signed payload names another image";
		else {
			finding(rep, s, "signature (.sig)", 1, NULL);
			return 0;
		}
	}
	finding(rep, s, "signature (.sig)", 0, why);
	return 0;
}

/* A DSSE envelope: verifies, and its statement names s. */
static const char *check_dsse(const gs_sign_key_t *key, const gs_sign_dsse_t *e,
			      const subject_t *s, char **predicate_type)
{
	*predicate_type = NULL;
	size_t pae_len;
	cleanup_free unsigned char *pae = gs_sign_pae(e->type, e->body, e->body_len, &pae_len);
	if (strcmp(e->type, GS_SIGN_INTOTO_MT) != 0)
		return "the envelope's payloadType is not in-toto";
	if (!gs_sign_key_verify(key, pae, pae_len, e->sig, e->sig_len))
		return "the signature does not verify with this key";
	gs_error_t ignored = GS_ERROR_INIT;
	int named = gs_sign_statement_check(e->body, e->body_len, s->digest.s, predicate_type,
					    &ignored);
	gs_error_release(&ignored);
	if (named < 0)
		return "the payload is not an in-toto Statement v1";
	if (!named)
		return "the statement's subjects do not include this image";
	return NULL;
}

/* The .att: like the .sig, some envelope must verify (other keys may have
 * attested too) and be SLSA v1 provenance naming s. */
static int verify_att(const gs_store_t *store, const gs_tag_list_t *tags, const gs_sign_key_t *key,
		      const subject_t *s, gs_sign_report_t *rep, gs_error_t *err)
{
	cleanup_free char *tag = cosign_tag(&s->digest, GS_SIGN_ATT_SUFFIX);
	if (!gs_tag_list_find(tags, tag))
		return 0; /* gsimage sign makes none */
	cleanup_json json_t *layers = tagged_layers(store, tags, tag, err);
	if (!layers)
		return -1;
	cleanup_free char *why = xstrdup("the .att manifest has no DSSE envelope");
	size_t i;
	json_t *l;
	json_array_foreach (layers, i, l) {
		const char *mt = json_string_value(json_object_get(l, "mediaType"));
		if (!mt || strcmp(mt, GS_SIGN_DSSE_MT) != 0)
			continue;
		cleanup_free char *data = NULL, *pt = NULL;
		size_t len;
		if (layer_bytes(store, l, &data, &len, err) < 0)
			return gs_error_wrap(err, "reading tag '%s'", tag);
		gs_sign_dsse_t e;
		gs_error_t perr = GS_ERROR_INIT;
		if (gs_sign_dsse_parse(data, len, &e, &perr) < 0) {
			free(why);
			why = xstrdup(perr.msg);
			gs_error_release(&perr);
			continue;
		}
		const char *bad = check_dsse(key, &e, s, &pt);
		if (!bad && (!pt || strcmp(pt, GS_SIGN_SLSA_V1) != 0))
			bad = "the statement is not SLSA v1 provenance";
		gs_sign_dsse_release(&e);
		if (!bad) {
			finding(rep, s, "provenance (.att)", 1, NULL);
			return 0;
		}
		free(why);
		why = xstrdup(bad);
	}
	finding(rep, s, "provenance (.att)", 0, why);
	return 0;
}

struct vb_ctx {
	const gs_sign_key_t *key;
	const char *keyid;
	const subject_t *s;
	gs_sign_report_t *rep;
};

/* The key a bundle names (its publicKey hint), or NULL; owned. */
static char *bundle_hint(const char *data, size_t len)
{
	json_error_t jerr;
	cleanup_json json_t *root = json_loadb(data, len, 0, &jerr);
	const char *h = json_string_value(json_object_get(
		json_object_get(json_object_get(root, "verificationMaterial"), "publicKey"), "hint"));
	return h ? xstrdup(h) : NULL;
}

/* Each bundle that names this key (or no key) must verify and name s; a
 * bundle another key made is that key's business. */
static int verify_bundle(void *vctx, const char *data, size_t len, gs_error_t *err)
{
	(void)err;
	struct vb_ctx *c = vctx;
	cleanup_free char *hint = bundle_hint(data, len);
	if (hint && strcmp(hint, c->keyid) != 0)
		return 0;
	gs_sign_dsse_t e;
	gs_error_t perr = GS_ERROR_INIT;
	if (gs_sign_bundle_parse(data, len, &e, &perr) < 0) {
		finding(c->rep, c->s, "bundle (referrer)", 0, perr.msg);
		gs_error_release(&perr);
		return 0;
	}
	cleanup_free char *pt = NULL;
	const char *why = check_dsse(c->key, &e, c->s, &pt);
	const char *what = pt && strcmp(pt, GS_SIGN_SLSA_V1) == 0 ? "provenance (bundle referrer)"
								  : "signature (bundle referrer)";
	finding(c->rep, c->s, what, !why, why);
	gs_sign_dsse_release(&e);
	return 0;
}

int gs_sign_verify(const char *layout_dir, const char *ref, const gs_sign_key_t *key,
		   gs_sign_report_t *rep, gs_error_t *err)
{
	memset(rep, 0, sizeof *rep);
	gs_store_t *store = NULL;
	if (gs_layout_open(layout_dir, GS_LAYOUT_READ, &store, err) < 0)
		return -1;
	gs_tag_list_t tags = {0};
	subject_t *subj = NULL;
	size_t n = 0;
	int r = -1;
	cleanup_free char *keyid = NULL;
	if (gs_layout_read_tags(store, &tags, err) < 0)
		goto out;
	const gs_tag_t *t = gs_tag_list_find(&tags, ref);
	if (!t) {
		gs_error_set(err, 0, "no tag '%s' in '%s'; 'gsimage inspect %s' lists the tags", ref,
			     layout_dir, layout_dir);
		goto out;
	}
	if (image_subjects(store, &t->digest, t->size, t->media_type, &subj, &n, err) < 0)
		goto out;
	rep->n_subjects = n;
	keyid = gs_sign_key_id(key);
	r = 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct vb_ctx c = {key, keyid, &subj[i], rep};
		if (verify_sig(store, &tags, key, &subj[i], rep, err) < 0 ||
		    verify_att(store, &tags, key, &subj[i], rep, err) < 0 ||
		    each_bundle(store, &tags, &subj[i], verify_bundle, &c, err) < 0)
			r = gs_error_wrap(err, "checking %s", subj[i].digest.s);
	}
out:
	free(subj);
	gs_tag_list_release(&tags);
	gs_store_free(store);
	if (r < 0)
		gs_sign_report_release(rep);
	return r;
}

void gs_sign_report_release(gs_sign_report_t *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		free(rep->v[i].subject);
		free(rep->v[i].what);
		free(rep->v[i].why);
	}
	free(rep->v);
	memset(rep, 0, sizeof *rep);
}

char *gs_sign_report_text(const gs_sign_report_t *rep, int as_json)
{
	if (as_json) {
		json_t *a = json_array();
		for (size_t i = 0; i < rep->n; i++) {
			json_t *o = json_object();
			gs_json_set(o, "subject", gs_json_string(rep->v[i].subject));
			gs_json_set(o, "check", gs_json_string(rep->v[i].what));
			gs_json_set(o, "ok", json_boolean(rep->v[i].ok));
			if (rep->v[i].why)
				gs_json_set(o, "reason", gs_json_string(rep->v[i].why));
			json_array_append_new(a, o);
		}
		cleanup_free char *s = gs_json_dump(a, GS_JSON_INDENT, NULL);
		json_decref(a);
		return x_asprintf("%s\n", s);
	}
	gs_strvec_t lines = GS_STRVEC_INIT;
	for (size_t i = 0; i < rep->n; i++)
		gs_strvec_pushf(&lines, "%s: %s: %s%s%s\n", rep->v[i].subject, rep->v[i].what,
				rep->v[i].ok ? "ok" : "FAILED", rep->v[i].why ? ": " : "",
				rep->v[i].why ? rep->v[i].why : "");
	char *out = gs_strvec_join(&lines, "");
	gs_strvec_release(&lines);
	return out;
}

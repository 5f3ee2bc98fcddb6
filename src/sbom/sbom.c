/* SPDX 2.3 and CycloneDX 1.5 documents from one model.  The model is a list
 * of items (the image, the main module, the dependency modules, the Go
 * standard library, musl, the C toolchain, the cgo packages) and of
 * relationships between them; each writer renders it in its own words:
 *
 *   model          SPDX                          CycloneDX
 *   image          package (CONTAINER), DESCRIBES metadata.component
 *   item           package                       component (toolchain:
 *                                                scope "excluded")
 *   CONTAINS       relationship                  image: dependencies;
 *                                                cgo package: nested in
 *                                                its module's components
 *   DEPENDS_ON     relationship                  dependencies
 *   BUILD_TOOL_OF  relationship                  (the toolchain component)
 *   replaced module comment "replaces ..."       pedigree.ancestors
 *
 * Every string goes through gs_json_string (bytes that are not UTF-8 become
 * U+FFFD); keys are inserted in a fixed order and dumped compact. */
#include "gsimage/sbom/sbom.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gsimage/oci/digest.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/json.h"
#include "gsimage/util/strvec.h"
#include "gsimage/util/xalloc.h"

#define TOOL_NAME "gsimage"
#define NOASSERTION "NOASSERTION"

/* Licences the projects declare for themselves, whatever the version. */
#define LICENSE_MUSL "MIT"
#define LICENSE_GO "BSD-3-Clause"
#define LICENSE_ZIG "MIT"
#define LICENSE_GCC "GPL-3.0-or-later WITH GCC-exception-3.1"

/* ---- small helpers -------------------------------------------------------- */

static void set_str(json_t *obj, const char *key, const char *s)
{
	gs_json_set(obj, key, gs_json_string(s));
}

static void push(json_t *arr, json_t *v)
{
	if (!v || json_array_append_new(arr, v) < 0)
		abort();
}

static int unreserved(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~';
}

/* Percent-encode s except unreserved characters and those in keep. */
static void pct_encode(gs_strvec_t *parts, const char *s, const char *keep)
{
	size_t n = strlen(s);
	char *out = xmalloc(3 * n + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (unreserved(*p) || (keep && strchr(keep, *p))) {
			*o++ = (char)*p;
		} else {
			snprintf(o, 4, "%%%02X", *p);
			o += 3;
		}
	}
	*o = '\0';
	gs_strvec_push_owned(parts, out);
}

static char *join_parts(gs_strvec_t *parts)
{
	char *s = gs_strvec_join(parts, "");
	gs_strvec_release(parts);
	return s;
}

static int is_devel(const char *version)
{
	return !version || !*version || strcmp(version, "(devel)") == 0;
}

char *gs_sbom_purl_golang(const char *path, const char *version)
{
	gs_strvec_t parts = GS_STRVEC_INIT;
	gs_strvec_push(&parts, "pkg:golang/");
	pct_encode(&parts, path, "/");
	if (!is_devel(version)) {
		gs_strvec_push(&parts, "@");
		pct_encode(&parts, version, NULL);
	}
	return join_parts(&parts);
}

char *gs_sbom_purl_subpath(const char *purl, const char *subpath)
{
	subpath += strspn(subpath, "/");
	if (!*subpath)
		return xstrdup(purl);
	gs_strvec_t parts = GS_STRVEC_INIT;
	gs_strvec_pushf(&parts, "%s#", purl);
	pct_encode(&parts, subpath, "/");
	return join_parts(&parts);
}

static char *purl_generic(const char *name, const char *version)
{
	gs_strvec_t parts = GS_STRVEC_INIT;
	gs_strvec_push(&parts, "pkg:generic/");
	pct_encode(&parts, name, NULL);
	if (version && *version) {
		gs_strvec_push(&parts, "@");
		pct_encode(&parts, version, NULL);
	}
	return join_parts(&parts);
}

char *gs_sbom_purl_oci(const char *name, const char *tag, const char *digest, const char *arch)
{
	const char *slash = strrchr(name, '/');
	cleanup_free char *last = xstrdup(slash ? slash + 1 : name);
	for (char *p = last; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	gs_strvec_t parts = GS_STRVEC_INIT;
	gs_strvec_push(&parts, "pkg:oci/");
	pct_encode(&parts, last, NULL);
	gs_strvec_push(&parts, "@");
	pct_encode(&parts, digest, NULL);
	/* Qualifiers in lexical order, as the purl spec's canonical form. */
	const char *sep = "?";
	if (arch && *arch) {
		gs_strvec_pushf(&parts, "%sarch=", sep);
		pct_encode(&parts, arch, NULL);
		sep = "&";
	}
	if (slash) {
		gs_strvec_pushf(&parts, "%srepository_url=", sep);
		pct_encode(&parts, name, "/");
		sep = "&";
	}
	if (tag && *tag) {
		gs_strvec_pushf(&parts, "%stag=", sep);
		pct_encode(&parts, tag, NULL);
	}
	return join_parts(&parts);
}

void gs_sbom_uuid(const char *ns, const char *name, char out[37])
{
	gs_sha256_t *h = gs_sha256_new();
	gs_sha256_update(h, ns, strlen(ns));
	gs_sha256_update(h, "\n", 1);
	gs_sha256_update(h, name, strlen(name));
	gs_digest_t d;
	gs_sha256_final(h, &d);
	gs_sha256_free(h);
	char hex[33];
	memcpy(hex, gs_digest_hex(&d), 32);
	hex[32] = '\0';
	hex[12] = '8'; /* version 8 */
	static const char variant[] = "89ab";
	int v = hex[16] <= '9' ? hex[16] - '0' : hex[16] - 'a' + 10;
	hex[16] = variant[v & 3]; /* variant 10xx */
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

/* ---- the model ------------------------------------------------------------ */

typedef enum {
	IT_IMAGE,
	IT_MAIN,
	IT_MODULE,
	IT_STDLIB,
	IT_LIBC,
	IT_TOOLCHAIN,
	IT_CGO_PACKAGE,
} item_kind_t;

typedef struct item {
	item_kind_t kind;
	char *spdx_id;
	char *bom_ref;
	char *name;
	char *version;         /* NULL: none */
	char *purl;            /* NULL: none */
	char sha256[65];       /* "" when none */
	const char *license;   /* declared licence expression, or NULL */
	char *comment;         /* SPDX comment, CycloneDX description, or NULL */
	gs_strvec_t props;     /* CycloneDX properties: name, value, name, ... */
	/* A replaced module: what it replaces (CycloneDX pedigree). */
	char *anc_name, *anc_version, *anc_purl;
	long parent;           /* CONTAINS parent for cgo packages, or -1 */
} item_t;

typedef enum { REL_CONTAINS, REL_DEPENDS_ON, REL_BUILD_TOOL_OF } rel_kind_t;

static const char *const rel_names[] = {"CONTAINS", "DEPENDS_ON", "BUILD_TOOL_OF"};

typedef struct rel {
	size_t from, to;
	rel_kind_t kind;
	const char *comment;
} rel_t;

typedef struct model {
	item_t *items;
	size_t n, cap;
	rel_t *rels;
	size_t n_rels, cap_rels;
	char created[32];
	size_t libc;      /* index, or (size_t)-1 */
	size_t toolchain; /* index, or (size_t)-1 */
} model_t;

static item_t *add_item(model_t *m, item_kind_t kind, const char *spdx_id, const char *bom_ref,
			const char *name)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 32;
		m->items = xrealloc(m->items, m->cap * sizeof *m->items);
	}
	item_t *it = &m->items[m->n++];
	memset(it, 0, sizeof *it);
	it->kind = kind;
	it->spdx_id = xstrdup(spdx_id);
	it->bom_ref = xstrdup(bom_ref);
	it->name = xstrdup(name);
	it->parent = -1;
	return it;
}

static void add_rel(model_t *m, size_t from, rel_kind_t kind, size_t to, const char *comment)
{
	if (m->n_rels == m->cap_rels) {
		m->cap_rels = m->cap_rels ? 2 * m->cap_rels : 32;
		m->rels = xrealloc(m->rels, m->cap_rels * sizeof *m->rels);
	}
	m->rels[m->n_rels++] = (rel_t){from, to, kind, comment};
}

static void prop(item_t *it, const char *name, const char *value)
{
	if (!value)
		return;
	gs_strvec_push(&it->props, name);
	gs_strvec_push(&it->props, value);
}

static void model_release(model_t *m)
{
	for (size_t i = 0; i < m->n; i++) {
		item_t *it = &m->items[i];
		free(it->spdx_id);
		free(it->bom_ref);
		free(it->name);
		free(it->version);
		free(it->purl);
		free(it->comment);
		gs_strvec_release(&it->props);
		free(it->anc_name);
		free(it->anc_version);
		free(it->anc_purl);
	}
	free(m->items);
	free(m->rels);
	memset(m, 0, sizeof *m);
}

/* "1.19.8" from "go1.19.8" (or "go1.21.0 X:boringcrypto"); owned. */
static char *stdlib_version(const char *go_version)
{
	const char *v = go_version && strncmp(go_version, "go", 2) == 0 ? go_version + 2 : go_version;
	if (!v || !*v)
		return NULL;
	return xstrndup(v, strcspn(v, " \t"));
}

/* A replacement by a directory, not by another module: Go records the
 * directory as written in go.mod ("../y", or an absolute path on the build
 * machine) with no version or "(devel)".  Module paths never start with
 * '.' or '/'. */
static int is_directory_replacement(const gs_sbom_gomod_t *r)
{
	return r && (r->path[0] == '.' || r->path[0] == '/' || is_devel(r->version));
}

/* The version go.mod requires of a module that a directory replaces, when
 * it is a real one: not the zero pseudo-version that a requirement only
 * there for the replacement carries. */
static const char *required_version(const gs_sbom_gomod_t *mod)
{
	if (is_devel(mod->version) || strncmp(mod->version, "v0.0.0-00010101000000-", 22) == 0)
		return NULL;
	return mod->version;
}

static void add_module(model_t *m, const gs_sbom_gomod_t *mod, size_t index)
{
	char spdx_id[48];
	snprintf(spdx_id, sizeof spdx_id, "SPDXRef-Module-%zu", index + 1);
	const gs_sbom_gomod_t *r = mod->replace;
	int local = is_directory_replacement(r);
	const gs_sbom_gomod_t *eff = r && !local ? r : mod;
	/* The path the program imports, unique among the dependencies. */
	cleanup_free char *bom_ref = x_asprintf("go-module:%s", mod->path);
	item_t *it = add_item(m, IT_MODULE, spdx_id, bom_ref, eff->path);
	if (local) {
		/* The code is whatever the directory held: no version, no sum,
		 * and not the directory's path, which is the build machine's. */
		it->purl = gs_sbom_purl_golang(mod->path, NULL);
		const char *required = required_version(mod);
		it->comment = required ? x_asprintf("replaced by a local directory (in place of %s@%s)",
						    mod->path, required)
				       : xstrdup("replaced by a local directory");
		prop(it, "gsimage:go:module:replacement", "local directory");
		return;
	}
	if (!is_devel(eff->version))
		it->version = xstrdup(eff->version);
	it->purl = gs_sbom_purl_golang(eff->path, eff->version);
	if (gs_sbom_h1_to_hex(eff->sum, it->sha256) < 0)
		it->sha256[0] = '\0';
	prop(it, "gsimage:go:module:sum", *eff->sum ? eff->sum : NULL);
	if (r) {
		it->anc_name = xstrdup(mod->path);
		it->anc_version = is_devel(mod->version) ? NULL : xstrdup(mod->version);
		it->anc_purl = gs_sbom_purl_golang(mod->path, mod->version);
		it->comment = is_devel(mod->version)
				      ? x_asprintf("replaces %s", mod->path)
				      : x_asprintf("replaces %s@%s", mod->path, mod->version);
		prop(it, "gsimage:go:module:replaces", it->comment + strlen("replaces "));
	}
}

/* The module (item index) whose path is the longest prefix of pkg at a
 * '/' boundary, with *prefix_len that prefix's length; the standard library
 * for paths whose first element has no dot (*prefix_len 0); or
 * (size_t)-1. */
static size_t owner_of(const model_t *m, const char *pkg, size_t stdlib, const gs_sbom_goinfo_t *gi,
		       size_t *prefix_len)
{
	*prefix_len = 0;
	size_t best = (size_t)-1, best_len = 0;
	for (size_t i = 0; i < m->n; i++) {
		const item_t *it = &m->items[i];
		const char *path;
		if (it->kind == IT_MAIN)
			path = gi->main.path;
		else if (it->kind == IT_MODULE)
			path = it->anc_name ? it->anc_name : it->name; /* imports use the old path */
		else
			continue;
		size_t n = path ? strlen(path) : 0;
		if (n > best_len && strncmp(pkg, path, n) == 0 && (pkg[n] == '\0' || pkg[n] == '/'))
			best = i, best_len = n;
	}
	if (best != (size_t)-1) {
		*prefix_len = best_len;
		return best;
	}
	size_t first = strcspn(pkg, "/");
	if (!memchr(pkg, '.', first))
		return stdlib;
	return (size_t)-1;
}

static const char *cc_display_name(const gs_sbom_input_t *in)
{
	switch (in->cc_kind) {
	case GS_CC_ZIG:
		return "zig";
	case GS_CC_MUSL_GCC:
		return "gcc";
	default:
		return in->cc_name && *in->cc_name ? in->cc_name : "cc";
	}
}

static void build_settings(const gs_sbom_goinfo_t *gi, item_t *main_it)
{
	gs_strvec_t kv = GS_STRVEC_INIT;
	for (size_t i = 0; i < gi->n_settings; i++) {
		const gs_sbom_gosetting_t *s = &gi->settings[i];
		gs_strvec_pushf(&kv, "%s=%s", s->key, s->value);
		char *name = x_asprintf("gsimage:go:build:%s", s->key);
		prop(main_it, name, s->value);
		free(name);
	}
	if (kv.n) {
		char *joined = gs_strvec_join(&kv, "; ");
		char *c = main_it->comment ? x_asprintf("%s; go build settings: %s", main_it->comment, joined)
					   : x_asprintf("go build settings: %s", joined);
		free(joined);
		free(main_it->comment);
		main_it->comment = c;
	}
	gs_strvec_release(&kv);
}

static int check_input(const gs_sbom_input_t *in, gs_error_t *err)
{
	gs_digest_t d;
	if (!in->name || !*in->name)
		return gs_error_set(err, 0, "no image name");
	if (!in->platform)
		return gs_error_set(err, 0, "no platform");
	if (!in->go)
		return gs_error_set(err, 0, "no Go build info");
	if (!in->manifest_digest || gs_digest_parse(in->manifest_digest, &d, err) < 0)
		return gs_error_set(err, 0, "invalid manifest digest '%s'",
				    in->manifest_digest ? in->manifest_digest : "");
	if (in->created < 0)
		return gs_error_set(err, 0, "invalid creation time %lld", in->created);
	return 0;
}

static int build_model(const gs_sbom_input_t *in, model_t *m, gs_error_t *err)
{
	memset(m, 0, sizeof *m);
	m->libc = m->toolchain = (size_t)-1;
	if (check_input(in, err) < 0)
		return -1;
	time_t t = (time_t)in->created;
	struct tm tm;
	if ((long long)t != in->created || !gmtime_r(&t, &tm) ||
	    strftime(m->created, sizeof m->created, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return gs_error_set(err, 0, "invalid creation time %lld", in->created);

	const gs_sbom_goinfo_t *gi = in->go;
	const gs_platform_t *p = in->platform;

	/* The image. */
	item_t *img = add_item(m, IT_IMAGE, "SPDXRef-Image", "image", in->name);
	img->version = xstrdup(in->manifest_digest);
	memcpy(img->sha256, in->manifest_digest + 7, 64);
	img->sha256[64] = '\0';
	/* No repository or tag: the same image is the same document
	 * whatever it is tagged, so it is attached once. */
	img->purl = gs_sbom_purl_oci(in->name, NULL, in->manifest_digest, p->arch);
	img->comment = x_asprintf("OCI image of %s for %s", in->name, p->name);
	prop(img, "gsimage:image:platform", p->name);

	/* The program. */
	const char *main_path = gi->main.path ? gi->main.path : gi->path ? gi->path : "unknown";
	item_t *mainit = add_item(m, IT_MAIN, "SPDXRef-Main", "main", main_path);
	if (gi->main.path) {
		if (!is_devel(gi->main.version))
			mainit->version = xstrdup(gi->main.version);
		mainit->purl = gs_sbom_purl_golang(gi->main.path, gi->main.version);
	}
	if (gi->path)
		mainit->comment = x_asprintf("main package %s", gi->path);
	prop(mainit, "gsimage:go:main-package", gi->path);
	prop(mainit, "gsimage:go:version", gi->go_version);
	build_settings(gi, mainit);
	add_rel(m, 0, REL_CONTAINS, 1, NULL);

	for (size_t i = 0; i < gi->n_deps; i++) {
		add_module(m, &gi->deps[i], i);
		add_rel(m, 1, REL_DEPENDS_ON, m->n - 1, NULL);
	}

	cleanup_free char *stdver = stdlib_version(gi->go_version);
	item_t *std = add_item(m, IT_STDLIB, "SPDXRef-Go-Stdlib", "go-stdlib", "stdlib");
	size_t stdlib = m->n - 1;
	if (stdver)
		std->version = xstrdup(stdver);
	std->purl = gs_sbom_purl_golang("stdlib", stdver);
	std->license = LICENSE_GO;
	std->comment = x_asprintf("the Go standard library and runtime of %s",
				  gi->go_version && *gi->go_version ? gi->go_version : "an unknown Go");
	add_rel(m, 1, REL_DEPENDS_ON, stdlib, NULL);

	if (!in->cgo)
		return 0;

	/* The C side. */
	if (in->cc_kind != GS_CC_PATH || in->musl_version) {
		item_t *libc = add_item(m, IT_LIBC, "SPDXRef-Libc-musl", "musl", "musl");
		m->libc = m->n - 1;
		if (in->musl_version)
			libc->version = xstrdup(in->musl_version);
		libc->purl = purl_generic("musl", in->musl_version);
		libc->license = LICENSE_MUSL;
		libc->comment = xstrdup(in->cc_kind == GS_CC_ZIG
						? "C standard library, linked statically; the copy "
						  "bundled with zig"
						: "C standard library, linked statically");
		add_rel(m, 1, REL_DEPENDS_ON, m->libc, "statically linked");
	}

	const char *ccname = cc_display_name(in);
	item_t *cc = add_item(m, IT_TOOLCHAIN, "SPDXRef-C-Toolchain", "c-toolchain", ccname);
	m->toolchain = m->n - 1;
	if (in->cc_version)
		cc->version = xstrdup(in->cc_version);
	cc->purl = purl_generic(ccname, in->cc_version);
	cc->license = in->cc_kind == GS_CC_ZIG	    ? LICENSE_ZIG
		      : in->cc_kind == GS_CC_MUSL_GCC ? LICENSE_GCC
						      : NULL;
	gs_strvec_t what = GS_STRVEC_INIT;
	gs_strvec_pushf(&what, "C compiler for cgo%s", in->cc_kind == GS_CC_MUSL_GCC ? ", driven by musl-gcc" : "");
	if (in->cc_target)
		gs_strvec_pushf(&what, "target %s", in->cc_target);
	if (in->optimize)
		gs_strvec_pushf(&what, "optimize %s", in->optimize);
	gs_strvec_pushf(&what, "CGO_CFLAGS \"%s\"", in->cgo_cflags ? in->cgo_cflags : "");
	cc->comment = gs_strvec_join(&what, "; ");
	gs_strvec_release(&what);
	prop(cc, "gsimage:c:driver", in->cc_kind == GS_CC_MUSL_GCC ? "musl-gcc" : NULL);
	prop(cc, "gsimage:c:target", in->cc_target);
	prop(cc, "gsimage:c:optimize", in->optimize);
	prop(cc, "gsimage:c:cgo-cflags", in->cgo_cflags ? in->cgo_cflags : "");
	add_rel(m, m->toolchain, REL_BUILD_TOOL_OF, 1, NULL);

	for (size_t i = 0; i < in->n_cgo_packages; i++) {
		const char *pkg = in->cgo_packages[i];
		char spdx_id[48];
		snprintf(spdx_id, sizeof spdx_id, "SPDXRef-Cgo-Package-%zu", i + 1);
		cleanup_free char *bref = x_asprintf("go-package:%s", pkg);
		size_t prefix_len;
		size_t owner = owner_of(m, pkg, stdlib, gi, &prefix_len);
		item_t *it = add_item(m, IT_CGO_PACKAGE, spdx_id, bref, pkg);
		it->parent = owner == (size_t)-1 ? -1 : (long)owner;
		if (owner != (size_t)-1) {
			/* a package has its module's version, licence and purl */
			const item_t *mod = &m->items[owner];
			if (mod->version)
				it->version = xstrdup(mod->version);
			it->license = mod->license;
			if (mod->purl)
				it->purl = gs_sbom_purl_subpath(mod->purl, pkg + prefix_len);
		}
		it->comment = x_asprintf("Go package with cgo code, its C compiled by %s%s%s", ccname,
					 in->cc_target ? " for " : "", in->cc_target ? in->cc_target : "");
		prop(it, "gsimage:go:cgo", "true");
		size_t me = m->n - 1;
		if (owner != (size_t)-1)
			add_rel(m, owner, REL_CONTAINS, me, NULL);
		if (m->libc != (size_t)-1)
			add_rel(m, me, REL_DEPENDS_ON, m->libc, "calls into the C library");
		add_rel(m, m->toolchain, REL_BUILD_TOOL_OF, me, NULL);
	}
	return 0;
}

/* The UUID of a document: sha256 over the format, the manifest digest and
 * the document as written without its identifier. */
static void doc_uuid(json_t *root, const char *format, const char *digest, char out[37])
{
	char *body = gs_json_dump(root, GS_JSON_COMPACT, NULL);
	char *name = x_asprintf("%s\n%s", digest, body);
	gs_sbom_uuid(format, name, out);
	free(name);
	free(body);
}

/* ---- SPDX 2.3 ------------------------------------------------------------- */

static const char *spdx_purpose(item_kind_t k)
{
	switch (k) {
	case IT_IMAGE:
		return "CONTAINER";
	case IT_MAIN:
	case IT_TOOLCHAIN:
		return "APPLICATION";
	default:
		return "LIBRARY";
	}
}

static json_t *spdx_package(const item_t *it)
{
	json_t *p = json_object();
	set_str(p, "SPDXID", it->spdx_id);
	set_str(p, "name", it->name);
	if (it->version)
		set_str(p, "versionInfo", it->version);
	set_str(p, "downloadLocation", NOASSERTION);
	gs_json_set(p, "filesAnalyzed", json_false());
	if (it->sha256[0]) {
		json_t *cs = json_array(), *c = json_object();
		set_str(c, "algorithm", "SHA256");
		set_str(c, "checksumValue", it->sha256);
		push(cs, c);
		gs_json_set(p, "checksums", cs);
	}
	set_str(p, "licenseConcluded", NOASSERTION);
	set_str(p, "licenseDeclared", it->license ? it->license : NOASSERTION);
	set_str(p, "copyrightText", NOASSERTION);
	if (it->comment)
		set_str(p, "comment", it->comment);
	if (it->purl) {
		json_t *refs = json_array(), *r = json_object();
		set_str(r, "referenceCategory", "PACKAGE-MANAGER");
		set_str(r, "referenceType", "purl");
		set_str(r, "referenceLocator", it->purl);
		push(refs, r);
		gs_json_set(p, "externalRefs", refs);
	}
	set_str(p, "primaryPackagePurpose", spdx_purpose(it->kind));
	return p;
}

static json_t *spdx_rel(const char *from, const char *type, const char *to, const char *comment)
{
	json_t *r = json_object();
	set_str(r, "spdxElementId", from);
	set_str(r, "relationshipType", type);
	set_str(r, "relatedSpdxElement", to);
	if (comment)
		set_str(r, "comment", comment);
	return r;
}

/* Letters, digits, '.', '-', '_' of the image name, others as '-'. */
static char *namespace_name(const char *name)
{
	char *s = xstrdup(name);
	for (char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_')
			*p = '-';
	return s;
}

int gs_sbom_spdx(const gs_sbom_input_t *in, char **json, gs_error_t *err)
{
	*json = NULL;
	model_t m;
	int ret = build_model(in, &m, err);
	if (ret < 0) {
		model_release(&m);
		return -1;
	}
	cleanup_json json_t *root = json_object();
	set_str(root, "spdxVersion", "SPDX-2.3");
	set_str(root, "dataLicense", "CC0-1.0");
	set_str(root, "SPDXID", "SPDXRef-DOCUMENT");
	char *docname = x_asprintf("%s %s %s", in->name, in->platform->name, in->manifest_digest);
	set_str(root, "name", docname);
	free(docname);
	set_str(root, "documentNamespace", ""); /* set last, from the rest */
	json_t *ci = json_object();
	set_str(ci, "created", m.created);
	json_t *creators = json_array();
	char *tool = in->tool_version && *in->tool_version
			     ? x_asprintf("Tool: %s-%s", TOOL_NAME, in->tool_version)
			     : xstrdup("Tool: " TOOL_NAME);
	push(creators, gs_json_string(tool));
	free(tool);
	gs_json_set(ci, "creators", creators);
	gs_json_set(root, "creationInfo", ci);

	json_t *pkgs = json_array();
	for (size_t i = 0; i < m.n; i++)
		push(pkgs, spdx_package(&m.items[i]));
	gs_json_set(root, "packages", pkgs);

	json_t *rels = json_array();
	push(rels, spdx_rel("SPDXRef-DOCUMENT", "DESCRIBES", m.items[0].spdx_id, NULL));
	for (size_t i = 0; i < m.n_rels; i++) {
		const rel_t *r = &m.rels[i];
		push(rels, spdx_rel(m.items[r->from].spdx_id, rel_names[r->kind],
				    m.items[r->to].spdx_id, r->comment));
	}
	gs_json_set(root, "relationships", rels);

	char uuid[37];
	doc_uuid(root, "SPDX-2.3", in->manifest_digest, uuid);
	cleanup_free char *nsname = namespace_name(in->name);
	char *ns = x_asprintf("https://spdx.org/spdxdocs/%s-%s-%s", TOOL_NAME, nsname, uuid);
	set_str(root, "documentNamespace", ns);
	free(ns);
	model_release(&m);
	*json = gs_json_dump(root, GS_JSON_COMPACT, NULL);
	return 0;
}

/* ---- CycloneDX 1.5 -------------------------------------------------------- */

static json_t *cdx_license(const char *expr)
{
	json_t *arr = json_array(), *o = json_object();
	if (strchr(expr, ' ')) {
		set_str(o, "expression", expr);
	} else {
		json_t *l = json_object();
		set_str(l, "id", expr);
		gs_json_set(o, "license", l);
	}
	push(arr, o);
	return arr;
}

static const char *cdx_type(item_kind_t k)
{
	switch (k) {
	case IT_IMAGE:
		return "container";
	case IT_MAIN:
	case IT_TOOLCHAIN:
		return "application";
	default:
		return "library";
	}
}

static json_t *cdx_component(const model_t *m, size_t index)
{
	const item_t *it = &m->items[index];
	json_t *c = json_object();
	set_str(c, "type", cdx_type(it->kind));
	set_str(c, "bom-ref", it->bom_ref);
	set_str(c, "name", it->name);
	if (it->version)
		set_str(c, "version", it->version);
	if (it->comment)
		set_str(c, "description", it->comment);
	if (it->kind == IT_TOOLCHAIN)
		set_str(c, "scope", "excluded"); /* builds the program, not in it */
	if (it->sha256[0]) {
		json_t *hs = json_array(), *h = json_object();
		set_str(h, "alg", "SHA-256");
		set_str(h, "content", it->sha256);
		push(hs, h);
		gs_json_set(c, "hashes", hs);
	}
	if (it->license)
		gs_json_set(c, "licenses", cdx_license(it->license));
	if (it->purl)
		set_str(c, "purl", it->purl);
	if (it->anc_name) {
		json_t *ped = json_object(), *ancs = json_array(), *a = json_object();
		set_str(a, "type", "library");
		set_str(a, "name", it->anc_name);
		if (it->anc_version)
			set_str(a, "version", it->anc_version);
		if (it->anc_purl)
			set_str(a, "purl", it->anc_purl);
		push(ancs, a);
		gs_json_set(ped, "ancestors", ancs);
		gs_json_set(c, "pedigree", ped);
	}
	/* The cgo packages a module contains. */
	json_t *subs = NULL;
	for (size_t i = 0; i < m->n; i++) {
		if (m->items[i].parent != (long)index)
			continue;
		if (!subs)
			subs = json_array();
		push(subs, cdx_component(m, i));
	}
	if (subs)
		gs_json_set(c, "components", subs);
	if (it->props.n) {
		json_t *ps = json_array();
		for (size_t i = 0; i + 1 < it->props.n; i += 2) {
			json_t *p = json_object();
			set_str(p, "name", it->props.v[i]);
			set_str(p, "value", it->props.v[i + 1]);
			push(ps, p);
		}
		gs_json_set(c, "properties", ps);
	}
	return c;
}

int gs_sbom_cyclonedx(const gs_sbom_input_t *in, char **json, gs_error_t *err)
{
	*json = NULL;
	model_t m;
	if (build_model(in, &m, err) < 0) {
		model_release(&m);
		return -1;
	}
	cleanup_json json_t *root = json_object();
	set_str(root, "$schema", "http://cyclonedx.org/schema/bom-1.5.schema.json");
	set_str(root, "bomFormat", "CycloneDX");
	set_str(root, "specVersion", "1.5");
	set_str(root, "serialNumber", ""); /* set last, from the rest */
	gs_json_set(root, "version", json_integer(1));

	json_t *meta = json_object();
	set_str(meta, "timestamp", m.created);
	json_t *tools = json_object(), *tcs = json_array(), *tool = json_object();
	set_str(tool, "type", "application");
	set_str(tool, "name", TOOL_NAME);
	if (in->tool_version && *in->tool_version)
		set_str(tool, "version", in->tool_version);
	push(tcs, tool);
	gs_json_set(tools, "components", tcs);
	gs_json_set(meta, "tools", tools);
	gs_json_set(meta, "component", cdx_component(&m, 0));
	gs_json_set(root, "metadata", meta);

	json_t *comps = json_array();
	for (size_t i = 1; i < m.n; i++)
		if (m.items[i].parent < 0)
			push(comps, cdx_component(&m, i));
	gs_json_set(root, "components", comps);

	/* DEPENDS_ON, and the image's CONTAINS (what it ships), grouped by
	 * source in item order; musl is known to depend on nothing. */
	json_t *deps = json_array();
	for (size_t i = 0; i < m.n; i++) {
		json_t *on = NULL;
		for (size_t k = 0; k < m.n_rels; k++) {
			const rel_t *r = &m.rels[k];
			if (r->from != i || !(r->kind == REL_DEPENDS_ON ||
					      (r->kind == REL_CONTAINS && i == 0)))
				continue;
			if (!on)
				on = json_array();
			push(on, gs_json_string(m.items[r->to].bom_ref));
		}
		if (!on && i != m.libc)
			continue;
		json_t *d = json_object();
		set_str(d, "ref", m.items[i].bom_ref);
		gs_json_set(d, "dependsOn", on ? on : json_array());
		push(deps, d);
	}
	gs_json_set(root, "dependencies", deps);

	char uuid[37];
	doc_uuid(root, "CycloneDX-1.5", in->manifest_digest, uuid);
	char *serial = x_asprintf("urn:uuid:%s", uuid);
	set_str(root, "serialNumber", serial);
	free(serial);
	model_release(&m);
	*json = gs_json_dump(root, GS_JSON_COMPACT, NULL);
	return 0;
}

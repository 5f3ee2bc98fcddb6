#include "gsimage/pipeline/push.h"

#include <stdarg.h>
#include <string.h>

#include "gsimage/oci/artifact.h"
#include "gsimage/oci/blobread.h"
#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/image.h"
#include "gsimage/oci/layout.h"
#include "gsimage/oci/ref.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/json.h"
#include "gsimage/util/proc.h"
#include "gsimage/util/xalloc.h"

#include <jansson.h>

static void progress(const gs_push_request_t *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void progress(const gs_push_request_t *req, const char *fmt, ...)
{
	if (!req->progress)
		return;
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *line = x_vasprintf(fmt, ap);
	va_end(ap);
	req->progress(req->progress_ctx, line);
}

void gs_push_skopeo_argv(const gs_push_request_t *req, const char *skopeo, const char *src,
			 const char *dest, int preserve_digests, gs_strvec_t *argv)
{
	gs_strvec_push(argv, skopeo);
	gs_strvec_push(argv, "copy");
	gs_strvec_push(argv, "--all");
	if (preserve_digests)
		gs_strvec_push(argv, "--preserve-digests");
	if (req->insecure)
		gs_strvec_push(argv, "--dest-tls-verify=false");
	if (req->authfile)
		gs_strvec_pushf(argv, "--dest-authfile=%s", req->authfile);
	if (req->creds)
		gs_strvec_pushf(argv, "--dest-creds=%s", req->creds);
	gs_strvec_push(argv, src);
	gs_strvec_push(argv, dest);
}

char *gs_push_repository(const char *dest)
{
	const char *slash = strrchr(dest, '/');
	const char *colon = strrchr(dest, ':');
	if (colon && (!slash || colon > slash))
		return xstrndup(dest, (size_t)(colon - dest));
	return xstrdup(dest);
}

/* skopeo ends a failure with a line such as
 *   time="..." level=fatal msg="trying to reuse blob ...: pinging container
 *   registry 127.0.0.1:1: Get \"https://...\": dial tcp ...: connect:
 *   connection refused"
 * Say what it means in one line, with skopeo's reason at the end. */
static char *skopeo_reason(const char *errout)
{
	cleanup_free char *copy = xstrdup(errout ? errout : "");
	size_t len = strlen(copy);
	while (len && (copy[len - 1] == '\n' || copy[len - 1] == ' '))
		copy[--len] = '\0';
	char *last = strrchr(copy, '\n');
	last = last ? last + 1 : copy;
	char *msg = strstr(last, "msg=\"");
	if (msg) {
		msg += 5;
		size_t n = strlen(msg);
		if (n && msg[n - 1] == '"')
			msg[n - 1] = '\0';
	} else {
		msg = last;
		if (strncmp(msg, "Error: ", 7) == 0)
			msg += 7;
	}
	/* \" inside msg="..." */
	char *w = msg;
	for (char *r = msg; *r; r++) {
		if (r[0] == '\\' && r[1] == '"')
			r++;
		*w++ = *r;
	}
	*w = '\0';
	const char *what = NULL;
	if (strstr(msg, "connection refused") || strstr(msg, "no such host") ||
	    strstr(msg, "i/o timeout") || strstr(msg, "network is unreachable"))
		what = "the registry is unreachable";
	else if (strstr(msg, "unauthorized") || strstr(msg, "authentication required") ||
		 strstr(msg, "denied"))
		what = "the registry refused the credentials";
	else if (strstr(msg, "server gave HTTP response to HTTPS client") ||
		 strstr(msg, "certificate"))
		what = "TLS failed (give --insecure for a plain-HTTP test registry)";
	return what ? x_asprintf("%s: %s", what, msg) : xstrdup(*msg ? msg : "skopeo failed");
}

static int skopeo_copy(const gs_push_request_t *req, const char *skopeo, const char *src,
		       const char *dest, int preserve_digests, gs_error_t *err)
{
	cleanup_strvec gs_strvec_t argv = GS_STRVEC_INIT;
	gs_push_skopeo_argv(req, skopeo, src, dest, preserve_digests, &argv);
	cleanup_free char *errout = NULL, *out = NULL;
	gs_proc_opts_t po = {.argv = argv.v, .capture_stdout = &out, .capture_stderr = &errout};
	int status;
	if (gs_proc_run(&po, &status, err) < 0)
		return gs_error_wrap(err, "running '%s'", skopeo);
	if (status != 0) {
		cleanup_free char *why = skopeo_reason(errout);
		return gs_error_set(err, 0, "pushing '%s' to '%s': %s", src, dest, why);
	}
	return 0;
}

/* The digests of the manifests the image is made of: the top one, and for
 * an index every manifest it lists. */
static int image_manifests(const gs_store_t *store, const gs_tag_t *tag, gs_strvec_t *digests,
			   gs_error_t *err)
{
	gs_strvec_push(digests, tag->digest.s);
	if (strcmp(tag->media_type, GS_MT_INDEX) != 0)
		return 0;
	cleanup_free char *data = NULL;
	size_t len;
	if (gs_blob_read(store, &tag->digest, tag->size, GS_BLOB_JSON_MAX, "image index", &data,
			 &len, err) < 0)
		return -1;
	json_error_t jerr;
	cleanup_json json_t *root = json_loadb(data, len, 0, &jerr);
	json_t *ms = root ? json_object_get(root, "manifests") : NULL;
	if (!json_is_array(ms))
		return gs_error_set(err, 0, "image index %s has no manifests", tag->digest.s);
	size_t i;
	json_t *m;
	json_array_foreach(ms, i, m)
	{
		const char *d = json_string_value(json_object_get(m, "digest"));
		if (d)
			gs_strvec_push(digests, d);
	}
	return 0;
}

int gs_push(const gs_push_request_t *req, char **pushed, gs_error_t *err)
{
	gs_ref_t dest = GS_REF_INIT;
	if (gs_ref_parse(req->dest, &dest, err) < 0)
		return gs_error_wrap(err, "push destination");
	gs_ref_release(&dest);

	gs_store_t *store = NULL;
	if (gs_store_open(req->layout_dir, 0, &store, err) < 0)
		return -1;
	gs_tag_list_t tags = {0};
	int r = -1;
	cleanup_free char *skopeo = NULL, *repo = NULL, *src = NULL, *dest_url = NULL;
	cleanup_strvec gs_strvec_t manifests = GS_STRVEC_INIT;
	const gs_tag_t *tag = NULL;
	if (gs_layout_read_tags(store, &tags, err) < 0)
		goto out;
	tag = gs_tag_list_find(&tags, req->ref);
	if (!tag) {
		gs_error_set(err, 0, "no tag '%s' in OCI layout '%s'; see 'gsimage inspect %s'",
			     req->ref, req->layout_dir, req->layout_dir);
		goto out;
	}
	skopeo = gs_proc_which(req->skopeo && *req->skopeo ? req->skopeo : "skopeo", NULL);
	if (!skopeo) {
		if (req->skopeo && *req->skopeo)
			gs_error_set(err, 0, "GSIMAGE_SKOPEO='%s' is not an executable; point it at "
					     "skopeo or unset it", req->skopeo);
		else
			gs_error_set(err, 0, "'skopeo' not found in PATH; install skopeo (apt-get "
					     "install skopeo) to push");
		goto out;
	}
	if (image_manifests(store, tag, &manifests, err) < 0)
		goto out;

	src = x_asprintf("oci:%s:%s", req->layout_dir, req->ref);
	dest_url = x_asprintf("docker://%s", req->dest);
	progress(req, "pushing %s to %s", req->ref, req->dest);
	if (skopeo_copy(req, skopeo, src, dest_url, 1, err) < 0)
		goto out;

	/* Then what refers to the image: the referrers-fallback tags. */
	repo = gs_push_repository(req->dest);
	for (size_t i = 0; i < manifests.n; i++) {
		gs_digest_t subject;
		gs_error_t ignored = GS_ERROR_INIT;
		int ok = gs_digest_parse(manifests.v[i], &subject, &ignored) == 0;
		gs_error_release(&ignored);
		if (!ok)
			continue;
		cleanup_free char *fallback = gs_referrers_tag(&subject);
		if (!gs_tag_list_find(&tags, fallback))
			continue;
		cleanup_free char *fsrc = x_asprintf("oci:%s:%s", req->layout_dir, fallback);
		cleanup_free char *fdest = x_asprintf("docker://%s:%s", repo, fallback);
		progress(req, "pushing the referrers of %.19s to %s:%s", manifests.v[i], repo,
			 fallback);
		/* skopeo 1.9 knows no artifactType in an index's descriptors: it
		 * drops them, so it refuses --preserve-digests for this index.
		 * The artifact manifests keep their digests; the index the tag
		 * names in the registry is skopeo's rewrite of ours. */
		if (skopeo_copy(req, skopeo, fsrc, fdest, 0, err) < 0)
			goto out;
	}
	/* cosign's signature and attestation tags (sign.c), digests kept */
	for (size_t i = 0; i < manifests.n; i++) {
		gs_digest_t subject;
		gs_error_t ignored = GS_ERROR_INIT;
		int ok = gs_digest_parse(manifests.v[i], &subject, &ignored) == 0;
		gs_error_release(&ignored);
		for (int k = 0; ok && k < 2; k++) {
			cleanup_free char *ctag = x_asprintf("sha256-%s%s", gs_digest_hex(&subject),
							     k ? ".att" : ".sig");
			if (!gs_tag_list_find(&tags, ctag))
				continue;
			cleanup_free char *csrc = x_asprintf("oci:%s:%s", req->layout_dir, ctag);
			cleanup_free char *cdest = x_asprintf("docker://%s:%s", repo, ctag);
			progress(req, "pushing %s to %s:%s", ctag, repo, ctag);
			if (skopeo_copy(req, skopeo, csrc, cdest, 1, err) < 0)
				goto out;
		}
	}
	*pushed = x_asprintf("%s@%s", req->dest, tag->digest.s);
	r = 0;
out:
	gs_tag_list_release(&tags);
	gs_store_free(store);
	return r;
}

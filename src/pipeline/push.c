#include "gsimage/pipeline/push.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsimage/oci/artifact.h"
#include "gsimage/oci/blobread.h"
#include "gsimage/oci/blobstore.h"
#include "gsimage/oci/image.h"
#include "gsimage/oci/layout.h"
#include "gsimage/oci/mediatype.h"
#include "gsimage/oci/ref.h"
#include "gsimage/oci/walk.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/json.h"
#include "gsimage/util/proc.h"
#include "gsimage/util/workdir.h"
#include "gsimage/util/xalloc.h"

#include <jansson.h>

void gs_push_skopeo_argv(const gs_push_request_t *req, const char *skopeo, const char *src,
			 const char *dest, int preserve_digests, gs_strvec_t *argv)
{
	gs_strvec_push(argv, skopeo);
	const char *timeout = req->timeout ? req->timeout : GS_PUSH_TIMEOUT;
	gs_strvec_pushf(argv, "--command-timeout=%s", timeout);
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

int gs_push_duration_ok(const char *s)
{
	static const char *const units[] = {"ns", "us", "\xc2\xb5s", "\xce\xbcs", "ms", "s", "m", "h"};
	if (strcmp(s, "0") == 0)
		return 1;
	if (!*s)
		return 0;
	while (*s) {
		size_t n = strspn(s, "0123456789");
		const char *p = s + n;
		size_t frac = 0;
		if (*p == '.') {
			frac = strspn(p + 1, "0123456789");
			p += 1 + frac;
		}
		if (n == 0 && frac == 0)
			return 0;
		size_t best = 0; /* the longest unit that matches: "ms" before "m" */
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
			size_t l = strlen(units[i]);
			if (strncmp(p, units[i], l) == 0 && l > best)
				best = l;
		}
		if (!best)
			return 0;
		s = p + best;
	}
	return 1;
}

static int find_skopeo(const gs_push_request_t *req, char **out, gs_error_t *err)
{
	*out = gs_proc_which(req->skopeo && *req->skopeo ? req->skopeo : "skopeo", NULL);
	if (*out)
		return 0;
	if (req->skopeo && *req->skopeo)
		return gs_error_set(err, 0, "GSIMAGE_SKOPEO='%s' is not an executable; point it at "
				    "skopeo or unset it", req->skopeo);
	return gs_error_set(err, 0, "'skopeo' not found in PATH; install skopeo (apt-get "
			    "install skopeo) to push");
}

int gs_push_check(const gs_push_request_t *req, const char *dest, gs_error_t *err)
{
	if (dest) {
		gs_ref_t ref = GS_REF_INIT;
		int r = gs_ref_parse_dest(dest, &ref, err);
		gs_ref_release(&ref);
		if (r < 0)
			return -1;
	}
	if (req->timeout && !gs_push_duration_ok(req->timeout))
		return gs_error_usage(err, "'--timeout %s' is not a duration; give one such as "
				      "30s, 10m or 1h30m", req->timeout);
	cleanup_free char *skopeo = NULL;
	return find_skopeo(req, &skopeo, err);
}

/* skopeo ends a failure with a line such as
 *   time="..." level=fatal msg="trying to reuse blob ...: pinging container
 *   registry 127.0.0.1:1: Get \"https://...\": dial tcp ...: connect:
 *   connection refused"
 * Say what it means in one line, naming the registry, with skopeo's
 * reason at the end. */
static char *skopeo_reason(const gs_push_request_t *req, const char *registry,
			   const char *errout)
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
	cleanup_free char *what = NULL;
	/* --command-timeout ends in a cancelled context; Go's HTTP client
	 * words it either way */
	if (strstr(msg, "context deadline exceeded") || strstr(msg, "Client.Timeout exceeded"))
		what = x_asprintf("the registry '%s' did not answer within %s (--timeout)",
				  registry, req->timeout ? req->timeout : GS_PUSH_TIMEOUT);
	else if (strstr(msg, "connection refused") || strstr(msg, "no such host") ||
		 strstr(msg, "i/o timeout") || strstr(msg, "network is unreachable"))
		what = x_asprintf("the registry '%s' is unreachable", registry);
	else if ((strstr(msg, "unauthorized") || strstr(msg, "authentication required") ||
		  strstr(msg, "denied")) &&
		 (req->creds || req->authfile))
		what = x_asprintf("the registry '%s' refused the credentials", registry);
	else if (strstr(msg, "unauthorized") || strstr(msg, "authentication required") ||
		 strstr(msg, "denied"))
		/* none on the command line; skopeo's default auth files had none
		 * for it, or none it took */
		what = x_asprintf("the registry '%s' wants credentials: give --creds USER:PASS "
				  "or --authfile FILE", registry);
	else if (strstr(msg, "server gave HTTP response to HTTPS client") ||
		 strstr(msg, "certificate"))
		what = xstrdup("TLS failed (give --insecure for a plain-HTTP test registry)");
	return what ? x_asprintf("%s: %s", what, msg) : xstrdup(*msg ? msg : "skopeo failed");
}

static int skopeo_copy(const gs_push_request_t *req, const char *skopeo, const char *registry,
		       const char *what, const char *src, const char *dest, int preserve_digests,
		       gs_error_t *err)
{
	cleanup_strvec gs_strvec_t argv = GS_STRVEC_INIT;
	gs_push_skopeo_argv(req, skopeo, src, dest, preserve_digests, &argv);
	cleanup_free char *errout = NULL, *out = NULL;
	gs_proc_opts_t po = {.argv = argv.v, .capture_stdout = &out, .capture_stderr = &errout};
	int status;
	if (gs_proc_run(&po, &status, err) < 0)
		return gs_error_wrap(err, "running '%s'", skopeo);
	if (status != 0) {
		cleanup_free char *why = skopeo_reason(req, registry, errout);
		return gs_error_set(err, 0, "pushing '%s' to '%s': %s", what, dest, why);
	}
	return 0;
}

/* ---- the snapshot: a private layout of exactly what is pushed ----------- */

#define SNAPSHOT_REF "gsimage-push" /* the image's name in the snapshot */

struct snapshot {
	const gs_store_t *store;
	gs_workdir_t work;  /* $TMPDIR/gsimage-push-<uid>/run-XXXXXX */
	const char *dir;    /* work.dir: the snapshot layout */
	char *blobs;        /* owned; dir/blobs/sha256 */
	json_t *have;       /* digest -> true: in the snapshot */
	json_t *entries;    /* its index.json's manifests */
	gs_strvec_t *fallbacks; /* the referrers tags reached, in order */
};

static void snapshot_release(struct snapshot *s)
{
	gs_workdir_release(&s->work);
	free(s->blobs);
	json_decref(s->have);
	json_decref(s->entries);
}

static int snapshot_new(struct snapshot *s, const gs_store_t *store, const char *tmp_dir,
			gs_error_t *err)
{
	memset(s, 0, sizeof *s);
	s->store = store;
	s->have = json_object();
	s->entries = json_array();
	/* skopeo's oci: transport splits at the first ':'.  One base per
	 * user (it is 0700); a push that was killed leaves its snapshot
	 * there, and the next push removes it. */
	const char *tmp = tmp_dir && *tmp_dir && !strchr(tmp_dir, ':') ? tmp_dir : "/tmp";
	cleanup_free char *base = x_asprintf("%s/gsimage-push-%u", tmp, (unsigned)getuid());
	if (gs_workdir_make(base, &s->work, err) < 0)
		return -1;
	s->dir = s->work.dir;
	s->blobs = gs_path_join(s->dir, "blobs/sha256");
	if (gs_fs_mkdir_p(s->blobs, 0755, err) < 0)
		return -1;
	cleanup_free char *layout = gs_path_join(s->dir, "oci-layout");
	static const char oci_layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	return gs_output_write_file(layout, oci_layout, sizeof oci_layout - 1, err);
}

/* Copy from to to, a clone (same bytes, shared extents) when the file
 * system can. */
static int copy_blob(const char *from, const char *to, gs_error_t *err)
{
	cleanup_close int in = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return gs_error_set(err, errno, "reading '%s'", from);
	cleanup_close int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0)
		return gs_error_set(err, errno, "creating '%s'", to);
	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	char buf[1 << 16];
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return gs_error_set(err, errno, "reading '%s'", from);
		if (n == 0)
			return 0;
		if (gs_fs_write_all(out, buf, (size_t)n, to, err) < 0)
			return -1;
	}
}

/* The blob into the snapshot: a hard link (blobs never change in place),
 * else a copy (another file system, protected_hardlinks). */
static int put_blob(struct snapshot *s, const gs_digest_t *d, const char *where, gs_error_t *err)
{
	cleanup_free char *from = gs_store_blob_path(s->store, d);
	cleanup_free char *to = gs_path_join(s->blobs, d->s + 7);
	struct stat st;
	if (lstat(from, &st) < 0) {
		if (errno == ENOENT)
			return gs_error_set(err, 0, "%s: blob '%s' is missing from the layout", where,
					    d->s);
		return gs_error_set(err, errno, "%s: reading '%s'", where, from);
	}
	if (!S_ISREG(st.st_mode))
		return gs_error_set(err, 0, "%s: '%s' is not a regular file", where, from);
	if (link(from, to) == 0)
		return 0;
	if (errno != EXDEV && errno != EPERM && errno != EMLINK && errno != EACCES)
		return gs_error_set(err, errno, "linking '%s' into '%s'", from, s->dir);
	return copy_blob(from, to, err);
}

/* Name a document in the snapshot's index.json. */
static void snap_name(struct snapshot *s, const char *ref, const char *mt, const char *digest,
		      uint64_t size)
{
	json_t *e = json_object();
	gs_json_set(e, "mediaType", json_string(mt));
	gs_json_set(e, "digest", json_string(digest));
	gs_json_set(e, "size", json_integer((json_int_t)size));
	json_t *ann = json_object();
	gs_json_set(ann, GS_ANN_REF_NAME, gs_json_string(ref));
	gs_json_set(e, "annotations", ann);
	json_array_append_new(s->entries, e);
}

/* Every blob the walk reaches goes into the snapshot; the referrers
 * tags reached (the image's, its manifests', and the artifacts' own) are
 * named there under their own tag, to be pushed after the image. */
static int snap_visit(void *ctx, const gs_walk_node_t *n, gs_error_t *err)
{
	struct snapshot *s = ctx;
	gs_digest_t d;
	if (gs_digest_parse(n->digest, &d, err) < 0)
		return gs_error_wrap(err, "%s: cannot push '%s'", n->where, n->digest);
	if (n->role == GS_WALK_REFERRERS) {
		snap_name(s, n->tag, n->media_type, d.s, n->size);
		gs_strvec_push(s->fallbacks, n->tag);
	}
	if (json_object_get(s->have, d.s))
		return 0;
	if (put_blob(s, &d, n->where, err) < 0)
		return -1;
	json_object_set_new(s->have, d.s, json_true());
	return 0;
}

static int snap_finish(struct snapshot *s, gs_error_t *err)
{
	json_t *root = json_object();
	gs_json_set(root, "schemaVersion", json_integer(2));
	gs_json_set(root, "mediaType", json_string(GS_MT_INDEX));
	gs_json_set(root, "manifests", json_incref(s->entries));
	size_t len;
	cleanup_free char *text = gs_json_dump_compact(root, &len);
	json_decref(root);
	cleanup_free char *path = gs_path_join(s->dir, "index.json");
	return gs_output_write_file(path, text, len, err);
}

/* The image to push: the digest asked for, else what ref names now. */
static int find_image(const gs_push_request_t *req, const gs_tag_list_t *tags,
		      const gs_store_t *store, char **mt, gs_digest_t *d, uint64_t *size,
		      gs_error_t *err)
{
	const gs_tag_t *tag = gs_tag_list_find(tags, req->ref);
	if (!req->digest) {
		if (!tag)
			return gs_error_set(err, 0, "no tag '%s' in OCI layout '%s'; see 'gsimage "
					    "inspect %s'", req->ref, req->layout_dir,
					    req->layout_dir);
		*mt = xstrdup(tag->media_type);
		*d = tag->digest;
		*size = tag->size;
		return 0;
	}
	if (gs_digest_parse(req->digest, d, err) < 0)
		return -1;
	for (size_t i = 0; i < tags->n; i++)
		if (strcmp(tags->v[i].digest.s, d->s) == 0) {
			*mt = xstrdup(tags->v[i].media_type);
			*size = tags->v[i].size;
			return 0;
		}
	/* retagged since: the blob says what it is */
	cleanup_free char *data = NULL;
	size_t len = 0;
	if (gs_blob_read(store, d, GS_BLOB_SIZE_ANY, GS_BLOB_JSON_MAX, "image", &data, &len,
			 err) < 0)
		return gs_error_wrap(err, "image '%s' of tag '%s'", d->s, req->ref);
	cleanup_json json_t *doc = json_loadb(data, len, 0, NULL);
	const char *m = json_string_value(json_object_get(doc, "mediaType"));
	if (!gs_walk_is_manifest_type(m))
		return gs_error_set(err, 0, "'%s' in '%s' is not an image manifest or index", d->s,
				    req->layout_dir);
	*mt = xstrdup(m);
	*size = len;
	return 0;
}

/* Under the read lock (no blob can go), from one read of index.json. */
static int take_snapshot(const gs_push_request_t *req, struct snapshot *s, gs_digest_t *top,
			 gs_strvec_t *fallbacks, gs_error_t *err)
{
	gs_store_t *store = NULL;
	if (gs_layout_open(req->layout_dir, GS_LAYOUT_READ, &store, err) < 0)
		return -1;
	int r = -1;
	cleanup_lock gs_lock_t hold = GS_LOCK_INIT;
	gs_tag_list_t tags = {0};
	cleanup_free char *mt = NULL, *where = x_asprintf("tag '%s'", req->ref);
	cleanup_json json_t *desc = NULL;
	uint64_t size = 0;
	/* no gc removes a blob while we copy; writes nothing to the layout */
	if (gs_store_read_lock(store, GS_LOCK_SHARED, &hold, err) < 0 ||
	    gs_layout_read_tags(store, &tags, err) < 0 ||
	    find_image(req, &tags, store, &mt, top, &size, err) < 0 ||
	    snapshot_new(s, store, req->tmp_dir, err) < 0)
		goto out;
	/* The image and, by the walk, its referrers tags. */
	snap_name(s, SNAPSHOT_REF, mt, top->s, size);
	s->fallbacks = fallbacks;
	desc = json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", top->s,
					      "size", (json_int_t)size);
	gs_walk_t w = GS_WALK_INIT(store, &tags, snap_visit, s);
	int wr = gs_walk_desc(&w, desc, req->ref, where, err);
	gs_walk_release(&w);
	if (wr < 0)
		goto out;
	r = snap_finish(s, err);
out:
	gs_tag_list_release(&tags);
	gs_store_free(store);
	return r;
}

int gs_push(const gs_push_request_t *req, char **pushed, gs_error_t *err)
{
	gs_ref_t dest = GS_REF_INIT;
	if (gs_ref_parse_dest(req->dest, &dest, err) < 0)
		return gs_error_wrap(err, "push destination");
	cleanup_free char *registry = xstrdup(dest.registry);
	gs_ref_release(&dest);
	if (req->timeout && !gs_push_duration_ok(req->timeout))
		return gs_error_usage(err, "'--timeout %s' is not a duration; give one such as "
				      "30s, 10m or 1h30m", req->timeout);
	cleanup_free char *skopeo = NULL;
	if (find_skopeo(req, &skopeo, err) < 0)
		return -1;

	struct snapshot snap = {0};
	gs_digest_t top;
	cleanup_strvec gs_strvec_t fallbacks = GS_STRVEC_INIT;
	cleanup_free char *what = x_asprintf("%s:%s", req->layout_dir, req->ref);
	cleanup_free char *dest_url = x_asprintf("docker://%s", req->dest);
	cleanup_free char *repo = gs_push_repository(req->dest), *src = NULL;
	int r = -1;
	if (take_snapshot(req, &snap, &top, &fallbacks, err) < 0)
		goto out;
	src = x_asprintf("oci:%s:%s", snap.dir, SNAPSHOT_REF);
	gs_progress(&req->progress, "pushing %s (%.19s) to %s", req->ref, top.s, req->dest);
	if (skopeo_copy(req, skopeo, registry, what, src, dest_url, 1, err) < 0)
		goto out;

	/* Then what refers to the image: the referrers-fallback tags, and
	 * cosign's .sig and .att tags (sign.c). */
	for (size_t i = 0; i < fallbacks.n; i++) {
		const char *tag = fallbacks.v[i];
		int cosign = strlen(tag) > 7 + GS_DIGEST_HEX_LEN; /* the .sig or .att suffix */
		cleanup_free char *fwhat = x_asprintf("%s:%s", req->layout_dir, tag);
		cleanup_free char *fsrc = x_asprintf("oci:%s:%s", snap.dir, tag);
		cleanup_free char *fdest = x_asprintf("docker://%s:%s", repo, tag);
		if (cosign)
			gs_progress(&req->progress, "pushing %s to %s:%s", tag, repo, tag);
		else
			gs_progress(&req->progress, "pushing the referrers of sha256:%.12s to %s:%s",
				    tag + 7, repo, tag);
		/* skopeo 1.9 knows no artifactType in an index's descriptors: it
		 * drops them, so it refuses --preserve-digests for a referrers
		 * index.  The artifact manifests keep their digests; the index the
		 * tag names in the registry is skopeo's rewrite of ours.  cosign's
		 * tags name manifests, which keep their digests. */
		if (skopeo_copy(req, skopeo, registry, fwhat, fsrc, fdest, cosign, err) < 0)
			goto out;
	}
	*pushed = x_asprintf("%s@%s", req->dest, top.s);
	r = 0;
out:
	snapshot_release(&snap);
	return r;
}

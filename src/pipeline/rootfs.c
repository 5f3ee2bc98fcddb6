#include "gsimage/pipeline/rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/strvec.h"
#include "gsimage/util/utf8.h"
#include "gsimage/util/xalloc.h"

static const char passwd[] = "root:x:0:0:root:/root:/sbin/nologin\n"
			     "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n";
static const char group[] = "root:x:0:\n"
			    "nonroot:x:65532:\n";
static const char nsswitch[] = "hosts: files dns\n";
/* Container runtimes usually bind-mount their own /etc/hosts over this one;
 * it is here so "localhost" resolves where they do not (plain runc). */
static const char hosts[] = "127.0.0.1\tlocalhost\n"
			    "::1\tlocalhost ip6-localhost ip6-loopback\n";

/* What a tree is copied against: symlinks must resolve inside root_real
 * (the host's real path of the tree, or of a lone file's directory).  With
 * strict, a link that does not or a name that is not UTF-8 is a usage
 * error; without, it is left out (the zoneinfo "localtime" link points at
 * /etc and is dropped). */
typedef struct tree_ctx {
	const char *root; /* as given, for messages */
	char *root_real;
	int strict;
} tree_ctx_t;

static int tree_ctx_init(tree_ctx_t *c, const char *root, int is_dir, int strict,
			 gs_error_t *err)
{
	c->root = root;
	c->strict = strict;
	cleanup_free char *copy = xstrdup(root);
	const char *base = is_dir ? root : dirname(copy);
	c->root_real = realpath(base, NULL);
	if (!c->root_real)
		return gs_error_set(err, errno, "resolving '%s'", base);
	return 0;
}

/* Copy a directory tree, keeping only symlinks that stay inside it. */
static int copy_tree(gs_layer_t *layer, const char *src, const char *dst, const tree_ctx_t *c,
		     gs_error_t *err);

int gs_essentials_add(gs_layer_t *l, const gs_essentials_opts_t *o, gs_error_t *err)
{
	if (gs_layer_add_dir(l, "etc", 0755, 0, 0, err) < 0 ||
	    gs_layer_add_data(l, "etc/passwd", 0644, 0, 0, passwd, sizeof passwd - 1, err) < 0 ||
	    gs_layer_add_data(l, "etc/group", 0644, 0, 0, group, sizeof group - 1, err) < 0 ||
	    gs_layer_add_data(l, "etc/nsswitch.conf", 0644, 0, 0, nsswitch, sizeof nsswitch - 1,
			      err) < 0 ||
	    gs_layer_add_data(l, "etc/hosts", 0644, 0, 0, hosts, sizeof hosts - 1, err) < 0 ||
	    gs_layer_add_dir(l, "tmp", 01777, 0, 0, err) < 0 ||
	    gs_layer_add_dir(l, "root", 0700, 0, 0, err) < 0 ||
	    gs_layer_add_dir(l, "home", 0755, 0, 0, err) < 0 ||
	    gs_layer_add_dir(l, "home/nonroot", 0700, GS_NONROOT_UID, GS_NONROOT_UID, err) < 0)
		return -1;
	if (o->ca_certs) {
		struct stat st;
		if (stat(o->ca_certs, &st) < 0)
			return gs_error_set(err, errno, "CA bundle '%s'", o->ca_certs);
		if (!S_ISREG(st.st_mode) || st.st_size == 0)
			return gs_error_set(err, 0, "CA bundle '%s' is not a non-empty regular file",
					    o->ca_certs);
		if (gs_layer_add_file(l, GS_CA_BUNDLE_PATH, 0644, 0, 0, o->ca_certs, err) < 0)
			return -1;
	}
	if (o->zoneinfo) {
		struct stat st;
		if (stat(o->zoneinfo, &st) < 0 || !S_ISDIR(st.st_mode))
			return gs_error_set(err, 0, "time zone database '%s' not found; install "
						    "tzdata or drop --tzdata", o->zoneinfo);
		tree_ctx_t c;
		int r = tree_ctx_init(&c, o->zoneinfo, 1, 0, err);
		if (r == 0)
			r = copy_tree(l, o->zoneinfo, GS_ZONEINFO_PATH, &c, err);
		free(c.root_real);
		if (r < 0)
			return gs_error_wrap(err, "copying the time zone database");
	}
	return 0;
}

int gs_add_spec_parse(const char *spec, char **src, char **dst, gs_error_t *err)
{
	const char *colon = strrchr(spec, ':');
	if (!colon || colon == spec || !colon[1])
		return gs_error_usage(err, "invalid '--add %s'; use SRC:DST, e.g. --add "
				      "static:srv/static", spec);
	const char *d = colon + 1;
	if (*d == '/')
		return gs_error_usage(err, "'--add %s': destination '%s' is absolute; give it "
				      "relative to the image root (e.g. '%s')", spec, d,
				      d + strspn(d, "/"));
	/* Walk the components: ".." must never climb above the root. */
	int depth = 0;
	cleanup_strvec gs_strvec_t parts = GS_STRVEC_INIT;
	gs_strvec_split(&parts, d, '/');
	for (size_t i = 0; i < parts.n; i++) {
		if (strcmp(parts.v[i], "..") == 0) {
			if (--depth < 0)
				return gs_error_usage(err, "'--add %s': destination '%s' escapes the "
						      "image root; give a path inside it, such as "
						      "'srv/static'", spec, d);
		} else if (*parts.v[i] && strcmp(parts.v[i], ".") != 0) {
			depth++;
		}
	}
	if (depth == 0)
		return gs_error_usage(err, "'--add %s': destination '%s' is the image root; give "
				      "a directory below it", spec, d);
	if (!gs_utf8_valid(d)) {
		cleanup_free char *shown = gs_utf8_sanitize(d);
		return gs_error_usage(err, "'--add': destination '%s' is not valid UTF-8; "
				      "give a name in UTF-8", shown);
	}
	*src = xstrndup(spec, (size_t)(colon - spec));
	*dst = xstrdup(d);
	return 0;
}

/* Is path (a real path, or one normalised like it) root or below it? */
static int is_under(const char *path, const char *root)
{
	size_t n = strlen(root);
	if (strcmp(root, "/") == 0)
		return 1;
	return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Does the link at path, pointing at target, resolve inside c->root_real?
 * Resolved on the host, as the kernel would: the tree is copied as it is,
 * so a link resolves the same way in the image as long as every link on
 * the way stays inside.  A target that does not exist resolves through its
 * nearest existing parent, the rest taken as written ('..' drops a
 * component).  Absolute targets are refused: they mean the image's root.
 * 1 inside, 0 outside, -1 on error. */
static int link_stays_inside(const tree_ctx_t *c, const char *path, const char *target,
			     gs_error_t *err)
{
	if (target[0] == '/')
		return 0;
	cleanup_free char *copy = xstrdup(path);
	cleanup_free char *joined = x_asprintf("%s/%s", dirname(copy), target);
	/* the longest prefix of joined that exists */
	cleanup_free char *prefix = xstrdup(joined);
	char *real = NULL;
	size_t rest = strlen(prefix); /* joined + rest is what realpath missed */
	for (;;) {
		real = realpath(prefix, NULL);
		if (real)
			break;
		if (errno != ENOENT && errno != ENOTDIR)
			return gs_error_set(err, errno, "resolving symlink '%s' -> '%s'", path,
					    target);
		char *slash = strrchr(prefix, '/');
		if (!slash || slash == prefix)
			return 0; /* cannot happen: the link's directory exists */
		*slash = '\0';
		rest = (size_t)(slash - prefix);
	}
	cleanup_free char *resolved = real;
	cleanup_strvec gs_strvec_t parts = GS_STRVEC_INIT;
	gs_strvec_split(&parts, joined + rest, '/');
	for (size_t i = 0; i < parts.n; i++) {
		const char *p = parts.v[i];
		if (!*p || strcmp(p, ".") == 0)
			continue;
		if (strcmp(p, "..") == 0) {
			char *slash = strrchr(resolved, '/');
			if (slash == resolved)
				slash[1] = '\0';
			else if (slash)
				*slash = '\0';
		} else {
			char *more = x_asprintf("%s%s%s", resolved,
						strcmp(resolved, "/") == 0 ? "" : "/", p);
			free(resolved);
			resolved = more;
		}
	}
	return is_under(resolved, c->root_real);
}

/* Names in an image are UTF-8 (tar's pax headers and the OCI tools insist):
 * refuse one that is not, naming it with its bad bytes shown as U+FFFD. */
static int refuse_name(const tree_ctx_t *c, const char *path, gs_error_t *err)
{
	cleanup_free char *shown = gs_utf8_sanitize(path);
	return gs_error_usage(err, "'%s' has a name that is not valid UTF-8; rename it or "
			      "leave it out of '%s'", shown, c->root);
}

static unsigned normal_mode(mode_t m)
{
	return S_ISDIR(m) || (m & 0111) ? 0755 : 0644;
}

static int add_one(gs_layer_t *l, const char *path, const char *dst, const tree_ctx_t *c,
		   gs_error_t *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return gs_error_set(err, errno, "'%s'", path);
	if (S_ISREG(st.st_mode)) {
		/* An --add file is read only when the layer is written, after
		 * compiling: find out now that it can be. */
		if (c->strict) {
			int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
			if (fd < 0)
				return gs_error_set(err, errno, "cannot read '%s'", path);
			close(fd);
		}
		return gs_layer_add_file(l, dst, normal_mode(st.st_mode), 0, 0, path, err);
	}
	if (S_ISDIR(st.st_mode))
		return copy_tree(l, path, dst, c, err);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(path, target, sizeof target - 1);
		if (n < 0)
			return gs_error_set(err, errno, "reading symlink '%s'", path);
		target[n] = '\0';
		if (!gs_utf8_valid(target)) {
			if (!c->strict)
				return 0;
			cleanup_free char *shown = gs_utf8_sanitize(target);
			return gs_error_usage(err, "symlink '%s' points to '%s', which is not valid "
					      "UTF-8; copy the file instead", path, shown);
		}
		int inside = link_stays_inside(c, path, target, err);
		if (inside < 0 && !c->strict) {
			gs_error_release(err); /* a loop, say: leave it out */
			return 0;
		}
		if (inside < 0)
			return -1;
		if (!inside) {
			if (!c->strict)
				return 0;
			return gs_error_usage(err, "symlink '%s' points to '%s', outside '%s'; "
					      "copy the file instead", path, target, c->root);
		}
		return gs_layer_add_symlink(l, dst, target, err);
	}
	return gs_error_usage(err, "'%s' is not a regular file, directory or symlink", path);
}

static int copy_tree(gs_layer_t *l, const char *src, const char *dst, const tree_ctx_t *c,
		     gs_error_t *err)
{
	if (gs_layer_add_dir(l, dst, 0755, 0, 0, err) < 0)
		return -1;
	DIR *d = opendir(src);
	if (!d)
		return gs_error_set(err, errno, "reading directory '%s'", src);
	int r = 0;
	while (r == 0) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno)
				r = gs_error_set(err, errno, "reading directory '%s'", src);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		cleanup_free char *path = gs_path_join(src, de->d_name);
		if (!gs_utf8_valid(de->d_name)) {
			if (c->strict)
				r = refuse_name(c, path, err);
			continue;
		}
		cleanup_free char *target = gs_path_join(dst, de->d_name);
		r = add_one(l, path, target, c, err);
	}
	closedir(d);
	return r;
}

int gs_add_tree(gs_layer_t *l, const char *src, const char *dst, gs_error_t *err)
{
	struct stat st;
	if (stat(src, &st) < 0)
		return gs_error_set(err, errno, "--add source '%s'", src);
	/* A lone file is its own root; a directory's links must stay inside it. */
	cleanup_free char *root = xstrdup(src);
	size_t len = strlen(root);
	while (len > 1 && root[len - 1] == '/')
		root[--len] = '\0';
	tree_ctx_t c;
	int r = tree_ctx_init(&c, root, S_ISDIR(st.st_mode), 1, err);
	if (r == 0)
		r = S_ISDIR(st.st_mode) ? copy_tree(l, root, dst, &c, err)
					: add_one(l, root, dst, &c, err);
	free(c.root_real);
	return r;
}

int gs_adds_layer(const gs_strvec_t *specs, gs_layer_t **out, gs_error_t *err)
{
	gs_layer_t *layer = gs_layer_new();
	for (size_t i = 0; i < specs->n; i++) {
		const char *spec = specs->v[i];
		cleanup_free char *src = NULL, *dst = NULL;
		struct stat st;
		if (gs_add_spec_parse(spec, &src, &dst, err) < 0)
			goto fail;
		if (lstat(src, &st) < 0) {
			gs_error_usage(err, "'--add %s': source '%s' does not exist", spec, src);
			goto fail;
		}
		if (gs_add_tree(layer, src, dst, err) < 0) {
			gs_error_wrap(err, "--add %s", spec);
			goto fail;
		}
	}
	*out = layer;
	return 0;
fail:
	gs_layer_free(layer);
	return -1;
}

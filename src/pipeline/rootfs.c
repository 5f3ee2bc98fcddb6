#include "gsimage/pipeline/rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/strvec.h"
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

/* Copy a directory tree, keeping only symlinks that stay inside it (the
 * zoneinfo "localtime" link points at /etc and is dropped). */
static int copy_tree(gs_layer_t *layer, const char *src, const char *dst, const char *root,
		     int strict_links, gs_error_t *err);

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
		if (copy_tree(l, o->zoneinfo, GS_ZONEINFO_PATH, o->zoneinfo, 0, err) < 0)
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
	*src = xstrndup(spec, (size_t)(colon - spec));
	*dst = xstrdup(d);
	return 0;
}

/* Does the link at path (inside root), pointing at target, stay in root? */
static int link_stays_inside(const char *root, const char *path, const char *target)
{
	if (target[0] == '/')
		return 0;
	/* Depth of the link's directory below root, then walk the target. */
	const char *rel = path + strlen(root);
	int depth = -1;
	for (const char *p = rel; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			depth++;
	cleanup_strvec gs_strvec_t parts = GS_STRVEC_INIT;
	gs_strvec_split(&parts, target, '/');
	for (size_t i = 0; i < parts.n; i++) {
		if (strcmp(parts.v[i], "..") == 0) {
			if (--depth < 0)
				return 0;
		} else if (*parts.v[i] && strcmp(parts.v[i], ".") != 0) {
			depth++;
		}
	}
	return 1;
}

static unsigned normal_mode(mode_t m)
{
	return S_ISDIR(m) || (m & 0111) ? 0755 : 0644;
}

static int add_one(gs_layer_t *l, const char *path, const char *dst, const char *root,
		   int strict_links, gs_error_t *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return gs_error_set(err, errno, "'%s'", path);
	if (S_ISREG(st.st_mode))
		return gs_layer_add_file(l, dst, normal_mode(st.st_mode), 0, 0, path, err);
	if (S_ISDIR(st.st_mode))
		return copy_tree(l, path, dst, root, strict_links, err);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(path, target, sizeof target - 1);
		if (n < 0)
			return gs_error_set(err, errno, "reading symlink '%s'", path);
		target[n] = '\0';
		if (!link_stays_inside(root, path, target)) {
			if (!strict_links)
				return 0;
			return gs_error_usage(err, "symlink '%s' points to '%s', outside '%s'; "
					      "copy the file instead", path, target, root);
		}
		return gs_layer_add_symlink(l, dst, target, err);
	}
	return gs_error_usage(err, "'%s' is not a regular file, directory or symlink", path);
}

static int copy_tree(gs_layer_t *l, const char *src, const char *dst, const char *root,
		     int strict_links, gs_error_t *err)
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
		cleanup_free char *target = gs_path_join(dst, de->d_name);
		r = add_one(l, path, target, root, strict_links, err);
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
	if (S_ISDIR(st.st_mode))
		return copy_tree(l, root, dst, root, 1, err);
	return add_one(l, root, dst, root, 1, err);
}

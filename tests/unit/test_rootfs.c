/* pipeline/rootfs.c: the essentials layer, read back as a tar, and --add
 * trees: which symlinks and names are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsimage/pipeline/rootfs.h"
#include "gsimage/util/xalloc.h"
#include "oci_testutil.h"

static char *mk(const char *root, const char *rel)
{
	char *p = x_asprintf("%s/%s", root, rel);
	return p;
}

/* --- the essentials layer, written and read back -------------------------- */

typedef struct {
	char *p;
	size_t n;
} membuf_t;

static int mem_sink(void *ctx, const void *data, size_t len, gs_error_t *err)
{
	(void)err;
	membuf_t *b = ctx;
	b->p = xrealloc(b->p, b->n + len);
	memcpy(b->p + b->n, data, len);
	b->n += len;
	return 0;
}

typedef struct {
	char *path;
	unsigned mode; /* with the file type bits */
	long uid, gid;
	int has_names; /* uname or gname set */
	char *data;    /* regular files: the content, NUL-terminated */
} tar_entry_t;

/* Write gs_essentials_add's layer uncompressed and read it back with
 * libarchive; returns the entries in tar order, their count in *n. */
static tar_entry_t *essentials_entries(const gs_essentials_opts_t *opts, size_t *n)
{
	gs_error_t err = GS_ERROR_INIT;
	gs_layer_t *l = gs_layer_new();
	if (gs_essentials_add(l, opts, &err) < 0)
		fail_msg("gs_essentials_add: %s", err.msg);
	membuf_t tar = {0};
	gs_layer_write_opts_t wo = {.compression = GS_COMPRESS_NONE, .level = -1, .mtime = 0};
	gs_layer_info_t info;
	if (gs_layer_write(l, &wo, mem_sink, &tar, &info, &err) < 0)
		fail_msg("gs_layer_write: %s", err.msg);
	gs_layer_free(l);
	assert_int_equal(info.uncompressed_size, tar.n);

	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, tar.p, tar.n), ARCHIVE_OK);
	tar_entry_t *v = NULL;
	size_t count = 0;
	struct archive_entry *e;
	int r;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		v = xrealloc(v, (count + 1) * sizeof *v);
		tar_entry_t *t = &v[count++];
		t->path = xstrdup(archive_entry_pathname(e));
		t->mode = (unsigned)archive_entry_mode(e);
		t->uid = (long)archive_entry_uid(e);
		t->gid = (long)archive_entry_gid(e);
		const char *un = archive_entry_uname(e), *gn = archive_entry_gname(e);
		t->has_names = (un && *un) || (gn && *gn);
		size_t size = (size_t)archive_entry_size(e);
		t->data = xmalloc(size + 1);
		la_ssize_t got = size ? archive_read_data(a, t->data, size) : 0;
		assert_int_equal(got, (la_ssize_t)size);
		t->data[size] = '\0';
	}
	assert_int_equal(r, ARCHIVE_EOF);
	archive_read_free(a);
	free(tar.p);
	*n = count;
	return v;
}

static void free_entries(tar_entry_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].data);
	}
	free(v);
}

/* The entry for path ("tmp" matches "tmp" and "tmp/"), or a test failure. */
static const tar_entry_t *entry(const tar_entry_t *v, size_t n, const char *path)
{
	size_t len = strlen(path);
	for (size_t i = 0; i < n; i++)
		if (strncmp(v[i].path, path, len) == 0 &&
		    (v[i].path[len] == '\0' || strcmp(v[i].path + len, "/") == 0))
			return &v[i];
	fail_msg("the essentials layer has no '%s'", path);
	return NULL;
}

static int has_entry(const tar_entry_t *v, size_t n, const char *path)
{
	size_t len = strlen(path);
	for (size_t i = 0; i < n; i++)
		if (strncmp(v[i].path, path, len) == 0 &&
		    (v[i].path[len] == '\0' || strcmp(v[i].path + len, "/") == 0))
			return 1;
	return 0;
}

static void assert_node(const tar_entry_t *t, unsigned type, unsigned perm, long uid, long gid)
{
	if ((t->mode & S_IFMT) != type || (t->mode & 07777) != perm || t->uid != uid ||
	    t->gid != gid)
		fail_msg("'%s' is %06o %ld:%ld, want %06o %ld:%ld", t->path, t->mode, t->uid, t->gid,
			 type | perm, uid, gid);
	assert_false(t->has_names);
}

/* Whole line in a file's content, e.g. the nonroot line of /etc/passwd. */
static void assert_line(const tar_entry_t *t, const char *line)
{
	size_t len = strlen(line);
	for (const char *p = t->data; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, line, len) == 0 && (p[len] == '\n' || p[len] == '\0'))
			return;
	fail_msg("'%s' has no line '%s' in:\n%s", t->path, line, t->data);
}

static void test_essentials_layer(void **state)
{
	(void)state;
	gs_essentials_opts_t opts = {0};
	size_t n = 0;
	tar_entry_t *v = essentials_entries(&opts, &n);

	const tar_entry_t *passwd = entry(v, n, "etc/passwd");
	assert_node(passwd, S_IFREG, 0644, 0, 0);
	assert_line(passwd, "root:x:0:0:root:/root:/sbin/nologin");
	assert_line(passwd, "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin");
	const tar_entry_t *group = entry(v, n, "etc/group");
	assert_node(group, S_IFREG, 0644, 0, 0);
	assert_line(group, "root:x:0:");
	assert_line(group, "nonroot:x:65532:");
	const tar_entry_t *nss = entry(v, n, "etc/nsswitch.conf");
	assert_node(nss, S_IFREG, 0644, 0, 0);
	assert_line(nss, "hosts: files dns");
	assert_node(entry(v, n, "etc/hosts"), S_IFREG, 0644, 0, 0);
	assert_non_null(strstr(entry(v, n, "etc/hosts")->data, "localhost"));

	assert_node(entry(v, n, "etc"), S_IFDIR, 0755, 0, 0);
	assert_node(entry(v, n, "tmp"), S_IFDIR, 01777, 0, 0);
	assert_node(entry(v, n, "root"), S_IFDIR, 0700, 0, 0);
	assert_node(entry(v, n, "home"), S_IFDIR, 0755, 0, 0);
	assert_node(entry(v, n, "home/nonroot"), S_IFDIR, 0700, GS_NONROOT_UID, GS_NONROOT_UID);

	/* nothing asked for beyond that */
	assert_false(has_entry(v, n, "etc/ssl/certs/ca-certificates.crt"));
	assert_false(has_entry(v, n, "usr/share/zoneinfo"));
	for (size_t i = 0; i < n; i++)
		if (v[i].uid != 0 && strcmp(v[i].path, "home/nonroot/") != 0 &&
		    strcmp(v[i].path, "home/nonroot") != 0)
			fail_msg("'%s' is owned by %ld, not root", v[i].path, v[i].uid);
	free_entries(v, n);
}

static void test_essentials_ca_bundle(void **state)
{
	(void)state;
	char *tmp = tu_mkdtemp();
	char *bundle = mk(tmp, "bundle.pem");
	tu_write(bundle, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
	chmod(bundle, 0600); /* the layer's mode is its own, not the host file's */
	gs_essentials_opts_t opts = {.ca_certs = bundle};
	size_t n = 0;
	tar_entry_t *v = essentials_entries(&opts, &n);
	const tar_entry_t *ca = entry(v, n, "etc/ssl/certs/ca-certificates.crt");
	assert_node(ca, S_IFREG, 0644, 0, 0);
	assert_string_equal(ca->data,
			    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
	assert_node(entry(v, n, "etc/ssl"), S_IFDIR, 0755, 0, 0);
	assert_node(entry(v, n, "etc/ssl/certs"), S_IFDIR, 0755, 0, 0);
	free_entries(v, n);

	/* an empty bundle is refused */
	tu_write(bundle, "");
	gs_layer_t *l = gs_layer_new();
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_essentials_add(l, &opts, &err), -1);
	assert_non_null(strstr(err.msg, "not a non-empty regular file"));
	gs_error_release(&err);
	gs_layer_free(l);
	free(bundle);
	tu_rmtree(tmp);
}


static void mkdirs(const char *root, const char *rel)
{
	char *p = mk(root, rel);
	char *cmd = x_asprintf("mkdir -p '%s'", p);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(p);
}

static void link_at(const char *root, const char *rel, const char *target)
{
	char *p = mk(root, rel);
	assert_int_equal(symlink(target, p), 0);
	free(p);
}

static void file_at(const char *root, const char *rel)
{
	char *p = mk(root, rel);
	tu_write(p, "x\n");
	free(p);
}

/* gs_add_tree on root/rel; returns its result, with the message in *msg. */
static int add(const char *root, const char *rel, char **msg, int *status)
{
	char *src = mk(root, rel);
	gs_layer_t *l = gs_layer_new();
	gs_error_t err = GS_ERROR_INIT;
	int r = gs_add_tree(l, src, "srv/x", &err);
	*msg = err.msg ? xstrdup(err.msg) : NULL;
	*status = gs_error_exit_status(&err);
	gs_error_release(&err);
	gs_layer_free(l);
	free(src);
	return r;
}

static void assert_refused(const char *root, const char *rel, const char *phrase)
{
	char *msg = NULL;
	int status = 0;
	assert_int_equal(add(root, rel, &msg, &status), -1);
	assert_non_null(msg);
	if (!strstr(msg, phrase))
		fail_msg("'%s': message '%s' lacks '%s'", rel, msg, phrase);
	assert_int_equal(status, GS_EXIT_USAGE);
	free(msg);
}

static void assert_accepted(const char *root, const char *rel)
{
	char *msg = NULL;
	int status = 0;
	if (add(root, rel, &msg, &status) != 0)
		fail_msg("'%s' refused: %s", rel, msg);
	free(msg);
}

static void test_links_inside(void **state)
{
	const char *tmp = ((tu_fixture_t *)*state)->scratch;
	mkdirs(tmp, "ok/a");
	mkdirs(tmp, "ok/b");
	file_at(tmp, "ok/b/file");
	link_at(tmp, "ok/a/up", "..");              /* the tree's root */
	link_at(tmp, "ok/a/sib", "../b/file");       /* a sibling */
	link_at(tmp, "ok/a/via", "up/b/file");       /* through a link inside */
	link_at(tmp, "ok/a/ghost", "nosuch/../x");   /* dangling, stays inside */
	link_at(tmp, "ok/a/self", ".");
	assert_accepted(tmp, "ok");
}

static void test_links_outside(void **state)
{
	const char *tmp = ((tu_fixture_t *)*state)->scratch;
	/* t1/a/up -> .. is fine, but up/../.. climbs one above t1: the textual
	 * check counted up as a directory and let it through */
	mkdirs(tmp, "t1/a");
	link_at(tmp, "t1/a/up", "..");
	link_at(tmp, "t1/a/link", "up/../..");
	assert_refused(tmp, "t1", "points to 'up/../..', outside");

	mkdirs(tmp, "t2/a");
	link_at(tmp, "t2/a/abs", "/etc/passwd");
	assert_refused(tmp, "t2", "points to '/etc/passwd', outside");

	mkdirs(tmp, "t3/a");
	link_at(tmp, "t3/a/out", "../../t1");
	assert_refused(tmp, "t3", "copy the file instead");

	/* through a link to the parent that does not look like '..' */
	mkdirs(tmp, "t4/a");
	link_at(tmp, "t4/a/p", "../..");
	assert_refused(tmp, "t4", "points to '../..', outside");
	mkdirs(tmp, "t5/a/b");
	link_at(tmp, "t5/a/b/top", "../..");   /* t5 itself: fine */
	link_at(tmp, "t5/a/esc", "b/top/../t1"); /* lexically inside, really t1 */
	assert_refused(tmp, "t5", "points to 'b/top/../t1', outside");

	/* a dangling target that climbs out through missing directories */
	mkdirs(tmp, "t6/a");
	link_at(tmp, "t6/a/ghost", "nosuch/../../../etc");
	assert_refused(tmp, "t6", "outside");

	/* a lone symlink may not point out of its own directory */
	mkdirs(tmp, "t7/d");
	file_at(tmp, "t7/f");
	link_at(tmp, "t7/d/lone", "../f");
	assert_refused(tmp, "t7/d/lone", "outside");
}

static void test_names_not_utf8(void **state)
{
	const char *tmp = ((tu_fixture_t *)*state)->scratch;
	mkdirs(tmp, "n1/sub");
	file_at(tmp, "n1/sub/h\xffx");
	assert_refused(tmp, "n1", "/n1/sub/h\xef\xbf\xbdx' has a name that is not valid UTF-8");
	mkdirs(tmp, "n2/d\xfe/in");
	assert_refused(tmp, "n2", "/n2/d\xef\xbf\xbd' has a name that is not valid UTF-8");
	mkdirs(tmp, "n3");
	link_at(tmp, "n3/l", "t\xffx");
	assert_refused(tmp, "n3", "which is not valid UTF-8");

	char *src = NULL, *dst = NULL;
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_add_spec_parse("data:srv/\xff", &src, &dst, &err), -1);
	assert_non_null(strstr(err.msg, "not valid UTF-8"));
	assert_int_equal(gs_error_exit_status(&err), GS_EXIT_USAGE);
	gs_error_release(&err);
	assert_null(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_essentials_layer),
		cmocka_unit_test(test_essentials_ca_bundle),
		cmocka_unit_test_setup_teardown(test_links_inside, tu_scratch_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_links_outside, tu_scratch_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_names_not_utf8, tu_scratch_setup, tu_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* --add trees: which symlinks and names are refused (pipeline/rootfs.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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
		cmocka_unit_test_setup_teardown(test_links_inside, tu_scratch_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_links_outside, tu_scratch_setup, tu_teardown),
		cmocka_unit_test_setup_teardown(test_names_not_utf8, tu_scratch_setup, tu_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

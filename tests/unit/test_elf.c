/* Tests for src/elf: the static-ness verifier, the platform check and the Go
 * build-info reader.  Binaries come from tests/unit/elf.mk (in
 * $GSIMAGE_FIXTURES); one whose tool is missing here has a <name>.skip file
 * with the reason, and its test skips saying so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "gsimage/cli/commands.h"
#include "gsimage/elf/buildinfo.h"
#include "gsimage/elf/verify.h"
#include "gsimage/platform/platform.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/utf8.h"
#include "gsimage/util/xalloc.h"

/* ---- helpers ------------------------------------------------------------ */

/* Path of fixture name in buf; skips the test (before anything is
 * allocated) when elf.mk left a reason why it could not be built. */
static const char *fixture(const char *name, char *buf, size_t size)
{
	const char *dir = getenv("GSIMAGE_FIXTURES");
	snprintf(buf, size, "%s/%s", dir ? dir : "build/fixtures", name);
	if (access(buf, R_OK) == 0)
		return buf;

	char skipfile[4096], reason[512] = "";
	snprintf(skipfile, sizeof skipfile, "%s.skip", buf);
	FILE *f = fopen(skipfile, "r");
	if (f) {
		if (!fgets(reason, sizeof reason, f))
			reason[0] = '\0';
		fclose(f);
		reason[strcspn(reason, "\n")] = '\0';
		print_message("[  SKIP    ] fixture '%s' not built: %s\n", name, reason);
		skip();
	}
	fail_msg("fixture '%s' missing; build it with 'make unit'", buf);
	return NULL;
}

static void inspect_fixture(const char *name, gs_elf_report_t *r)
{
	char path[4096];
	gs_error_t err = GS_ERROR_INIT;
	fixture(name, path, sizeof path);
	if (gs_elf_inspect_file(path, r, &err) < 0)
		fail_msg("inspecting '%s': %s", path, err.msg);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(r->size, (uint64_t)st.st_size);
}

/* The fixture's bytes (owned). */
static unsigned char *load_fixture(const char *name, size_t *len)
{
	char path[4096];
	gs_error_t err = GS_ERROR_INIT;
	char *data = NULL;
	fixture(name, path, sizeof path);
	if (gs_fs_read_file(path, &data, len, &err) < 0)
		fail_msg("reading '%s': %s", path, err.msg);
	return (unsigned char *)data;
}

/* Inspect exactly len bytes from a buffer of exactly that size, so that
 * ASan and valgrind see any read past the end.  Returns the result; the
 * report is released, the error message returned in *msg (owned) or NULL. */
static int inspect_exact(const unsigned char *data, size_t len, char **msg)
{
	unsigned char *copy = len ? xmalloc(len) : NULL;
	if (len)
		memcpy(copy, data, len);
	gs_elf_report_t r = GS_ELF_REPORT_INIT;
	gs_error_t err = GS_ERROR_INIT;
	int ret = gs_elf_inspect_mem(copy, len, &r, &err);
	if (ret == 0)
		assert_null(err.msg);
	else
		assert_non_null(err.msg);
	*msg = err.msg;
	gs_elf_report_release(&r);
	free(copy);
	return ret;
}

static void assert_prefix(const char *s, const char *prefix)
{
	if (!s || strncmp(s, prefix, strlen(prefix)) != 0)
		fail_msg("'%s' does not start with '%s'", s ? s : "(null)", prefix);
}

/* Zero the section-header fields of a 64-bit little-endian ELF header, as
 * sstrip-like tools do. */
static void drop_section_headers(unsigned char *data)
{
	Elf64_Ehdr eh;
	memcpy(&eh, data, sizeof eh);
	eh.e_shoff = 0;
	eh.e_shnum = 0;
	eh.e_shstrndx = 0;
	memcpy(data, &eh, sizeof eh);
}

static const gs_platform_t *plat(const char *name)
{
	const gs_platform_t *p = gs_platform_find(name);
	assert_non_null(p);
	return p;
}

static void check_fails(const gs_elf_report_t *r, const char *platform, const char *want)
{
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_elf_check_platform(r, plat(platform), &err), -1);
	assert_non_null(err.msg);
	assert_string_equal(err.msg, want);
	gs_error_release(&err);
}

static void check_ok(const gs_elf_report_t *r, const char *platform)
{
	gs_error_t err = GS_ERROR_INIT;
	if (gs_elf_check_platform(r, plat(platform), &err) < 0)
		fail_msg("check against %s: %s", platform, err.msg);
	assert_null(err.msg);
}

/* ---- fixtures ----------------------------------------------------------- */

static void test_static(void **state)
{
	(void)state;
	gs_elf_report_t r = GS_ELF_REPORT_INIT;
	inspect_fixture("hello-static", &r);
	assert_int_equal(r.linkage, GS_ELF_STATIC);
	assert_string_equal(gs_elf_linkage_name(r.linkage), "static");
	assert_int_equal(r.type, ET_EXEC);
	assert_int_equal(r.machine, EM_X86_64);
	assert_string_equal(gs_elf_machine_name(r.machine), "x86-64");
	assert_int_equal(r.elf_class, 64);
	assert_false(r.big_endian);
	assert_null(r.interp);
	assert_int_equal(r.needed.n, 0);
	assert_false(r.has_dynamic);
	assert_false(r.stripped);
	assert_null(r.go_version);
	assert_null(r.go_path);
	assert_null(r.go_module);
	assert_null(r.go_build_id);
	/* glibc's static binaries carry GNU_RELRO; nothing to bind. */
	assert_false(r.pie);
	assert_int_equal(r.relro, GS_ELF_RELRO_PARTIAL);
	assert_false(r.bind_now);
	check_ok(&r, "linux/amd64");
	check_fails(&r, "linux/arm64", "built for x86-64, not AArch64 (linux/arm64/v8)");
	check_fails(&r, "linux/386", "built for x86-64, not Intel 80386 (linux/386)");
	gs_elf_report_release(&r);
}

static void test_stripped(void **state)
{
	(void)state;
	gs_elf_report_t r = GS_ELF_REPORT_INIT;
	inspect_fixture("hello-static-stripped", &r);
	assert_int_equal(r.linkage, GS_ELF_STATIC);
	assert_true(r.stripped);
	gs_elf_report_release(&r);
}

static void test_dynamic(void **state)
{
	(void)state;
	gs_elf_report_t r = GS_ELF_REPORT_INIT;
	inspect_fixture("hello-dynamic", &r);
	assert_int_equal(r.linkage, GS_ELF_DYNAMIC);
	assert_string_equal(gs_elf_linkage_name(r.linkage), "dynamic");
	assert_true(r.has_dynamic);
	assert_non_null(r.interp);
	assert_string_equal(r.interp, "/lib64/ld-linux-x86-64.so.2");
	assert_int_equal(r.needed.n, 1);
	assert_string_equal(r.needed.v[0], "libc.so.6");
	assert_false(r.stripped);
	/* Debian's gcc makes PIEs by default, with lazy binding. */
	assert_true(r.pie);
	assert_int_equal(r.relro, GS_ELF_RELRO_PARTIAL);
	assert_false(r.bind_now);
	check_fails(&r, "linux/amd64",
		    "dynamically linked: interpreter '/lib64/ld-linux-x86-64.so.2', needs libc.so.6");
	gs_elf_report_release(&r);
}

/* A shared library is ET_DYN like a PIE, but has no interpreter and no
 * DF_1_PIE: dynamic (it needs libc.so.6), and not a PIE. */
static void test_shared_library(void **state)
{
	(void)state;
	gs_elf_report_t r = GS_ELF_REPORT_INIT;
	inspect_fixture("hello-shared", &r);
	assert_int_equal(r.type, ET_DYN);
	assert_int_equal(r.linkage, GS_ELF_DYNAMIC);
	assert_null(r.interp);
	assert_int_equal(r.needed.n, 1);
	assert_string_equal(r.needed.v[0], "libc.so.6");
	if (r.pie)
		fail_msg("a shared library (ET_DYN, NEEDED libc.so.6, no interpreter) is called PIE");
	gs_elf_report_release(&r);
}

/* Without section headers, DT_NEEDED is found through PT_DYNAMIC and the
 * DT_STRTAB address mapped by the PT_LOAD segments. */
static void test_dynamic_no_sections(void **state)
{
	(void)state;
	size_t len;
	unsigned char *data = load_fixture("hello-dynamic", &len);
	drop_section_headers(data);
	gs_elf_report_t r = GS_ELF_REPORT_INIT;
	gs_error_t err = GS_ERROR_INIT;
	if (gs_elf_inspect_mem(data, len, &r, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(r.linkage, GS_ELF_DYNAMIC);
	assert_string_equal(r.interp, "/lib64/ld-linux-x86-64.so.2");
	assert_int_equal(r.needed.n, 1);
	assert_string_equal(r.needed.v[0], "libc.so.6");
	assert_true(r.stripped);
	gs_elf_report_release(&r);
	free(data);
}

static void test_static_pie(void **state)
{
	(void)state;
	gs_elf_report_t r = GS_ELF_REPORT_INIT;
	inspect_fixture("hello-static-pie", &r);
	assert_int_equal(r.linkage, GS_ELF_STATIC_PIE);
	assert_string_equal(gs_elf_linkage_name(r.linkage), "static-pie");
	assert_int_equal(r.type, ET_DYN);
	assert_true(r.has_dynamic);
	assert_null(r.interp);
	assert_int_equal(r.needed.n, 0);
	assert_true(r.pie);
	assert_int_equal(r.relro, GS_ELF_RELRO_PARTIAL);
	assert_false(r.bind_now);
	check_ok(&r, "linux/amd64");
	/* The same but with e_entry 0 is what ld -shared makes: a library. */
	r.entry = 0;
	check_fails(&r, "linux/amd64",
		    "a shared library (ELF shared object with no entry point), not a program");
	gs_elf_report_release(&r);
}

/* -Wl,-z,relro,-z,now: full RELRO, found the same way without section
 * headers (through PT_DYNAMIC). */
static void test_static_pie_now(void **state)
{
	(void)state;
	gs_elf_report_t r = GS_ELF_REPORT_INIT;
	inspect_fixture("hello-static-pie-now", &r);
	assert_int_equal(r.linkage, GS_ELF_STATIC_PIE);
	assert_true(r.pie);
	assert_true(r.bind_now);
	assert_int_equal(r.relro, GS_ELF_RELRO_FULL);
	assert_string_equal(gs_elf_relro_name(r.relro), "full");
	gs_elf_report_release(&r);

	size_t len;
	unsigned char *data = load_fixture("hello-static-pie-now", &len);
	drop_section_headers(data);
	gs_error_t err = GS_ERROR_INIT;
	if (gs_elf_inspect_mem(data, len, &r, &err) < 0)
		fail_msg("%s", err.msg);
	assert_true(r.pie);
	assert_true(r.bind_now);
	assert_int_equal(r.relro, GS_ELF_RELRO_FULL);
	gs_elf_report_release(&r);
	free(data);

	assert_string_equal(gs_elf_relro_name(GS_ELF_RELRO_NONE), "none");
	assert_string_equal(gs_elf_relro_name(GS_ELF_RELRO_PARTIAL), "partial");
}

static void test_object_file(void **state)
{
	(void)state;
	gs_elf_report_t r = GS_ELF_REPORT_INIT;
	inspect_fixture("hello.o", &r);
	assert_int_equal(r.type, ET_REL);
	check_fails(&r, "linux/amd64", "not an executable (ELF type relocatable)");
	gs_elf_report_release(&r);
}

static void test_386(void **state)
{
	(void)state;
	gs_elf_report_t r = GS_ELF_REPORT_INIT;
	inspect_fixture("hello-386", &r);
	assert_int_equal(r.elf_class, 32);
	assert_int_equal(r.machine, EM_386);
	assert_false(r.big_endian);
	assert_int_not_equal(r.linkage, GS_ELF_DYNAMIC);
	check_ok(&r, "linux/386");
	check_fails(&r, "linux/amd64", "built for Intel 80386, not x86-64 (linux/amd64)");
	gs_elf_report_release(&r);
}

static void test_aarch64(void **state)
{
	(void)state;
	gs_elf_report_t r = GS_ELF_REPORT_INIT;
	inspect_fixture("hello-aarch64", &r);
	assert_int_equal(r.elf_class, 64);
	assert_int_equal(r.machine, EM_AARCH64);
	assert_string_equal(gs_elf_machine_name(r.machine), "AArch64");
	assert_int_equal(r.linkage, GS_ELF_STATIC);
	check_ok(&r, "linux/arm64");
	check_fails(&r, "linux/amd64", "built for AArch64, not x86-64 (linux/amd64)");
	gs_elf_report_release(&r);
}

static void test_go(void **state)
{
	(void)state;
	gs_elf_report_t r = GS_ELF_REPORT_INIT;
	inspect_fixture("hello-go", &r);
	assert_int_equal(r.linkage, GS_ELF_STATIC);
	assert_int_equal(r.machine, EM_X86_64);
	assert_true(r.stripped); /* -ldflags=-s */
	assert_prefix(r.go_version, "go1.");
	assert_non_null(r.go_path);
	assert_string_equal(r.go_path, "example.com/hello");
	assert_non_null(r.go_module);
	assert_string_equal(r.go_module, "example.com/hello");
	/* The build ID note, as `go tool buildid` prints it: action and
	 * content IDs, each part base64-ish, '/'-separated. */
	assert_non_null(r.go_build_id);
	assert_true(strlen(r.go_build_id) > 20);
	assert_non_null(strchr(r.go_build_id, '/'));
	assert_int_equal(strspn(r.go_build_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					       "0123456789-_/"),
			 strlen(r.go_build_id));
	assert_true(gs_go_build_id_is_content_id(r.go_build_id));
	/* -ldflags=-buildid=...: the user's, constant whatever the content */
	assert_false(gs_go_build_id_is_content_id("fixed"));
	assert_false(gs_go_build_id_is_content_id(NULL));
	assert_false(gs_go_build_id_is_content_id("AAAAAAAAAAAAAAAAAAAA/AAAAAAAAAAAAAAAAAAAA/AAAAAAAAAAAAAAAAAAAA"));
	assert_false(gs_go_build_id_is_content_id("AAAAAAAAAAAAAAAAAAAA/AAAAAAAAAAAAAAAAAAAA/"
						  "AAAAAAAAAAAAAAAAAAAA/AAAAAAAAAAAAAAAAAAA="));
	assert_false(gs_go_build_id_is_content_id("AAAAAAAAAAAAAAAAAAAA/AAAAAAAAAAAAAAAAAAAA/"
						  "AAAAAAAAAAAAAAAAAAAA/AAAAAAAAAAAAAAAAAAAA/"));
	/* Go's internal linker: no PIE, no GNU_RELRO, no dynamic section. */
	assert_false(r.pie);
	assert_int_equal(r.relro, GS_ELF_RELRO_NONE);
	assert_false(r.bind_now);
	check_ok(&r, "linux/amd64");
	gs_elf_report_release(&r);
}

/* No section headers: the build info is found in the writable segment. */
static void test_go_no_sections(void **state)
{
	(void)state;
	size_t len;
	unsigned char *data = load_fixture("hello-go", &len);
	drop_section_headers(data);
	gs_elf_report_t r = GS_ELF_REPORT_INIT;
	gs_error_t err = GS_ERROR_INIT;
	if (gs_elf_inspect_mem(data, len, &r, &err) < 0)
		fail_msg("%s", err.msg);
	assert_prefix(r.go_version, "go1.");
	assert_string_equal(r.go_module, "example.com/hello");
	assert_string_equal(r.go_path, "example.com/hello");
	gs_elf_report_release(&r);
	free(data);
}

/* s390x is not in the platform table (zig cannot link it) but a pure-Go
 * s390x binary is still the big-endian case the parser must handle. */
static void test_go_s390x(void **state)
{
	(void)state;
	gs_elf_report_t r = GS_ELF_REPORT_INIT;
	inspect_fixture("hello-go-s390x", &r);
	assert_true(r.big_endian);
	assert_int_equal(r.elf_class, 64);
	assert_int_equal(r.machine, EM_S390);
	assert_string_equal(gs_elf_machine_name(r.machine), "S/390");
	assert_int_equal(r.linkage, GS_ELF_STATIC);
	assert_false(r.stripped);
	assert_prefix(r.go_version, "go1.");
	assert_string_equal(r.go_module, "example.com/hello");
	check_fails(&r, "linux/amd64", "built for S/390, not x86-64 (linux/amd64)");
	gs_elf_report_release(&r);
}

static void test_gccgo(void **state)
{
	(void)state;
	gs_elf_report_t r = GS_ELF_REPORT_INIT;
	inspect_fixture("hello-gccgo", &r);
	assert_int_equal(r.linkage, GS_ELF_STATIC);
	assert_null(r.go_version); /* gccgo embeds no build info */
	assert_null(r.go_path);
	assert_null(r.go_module);
	gs_elf_report_release(&r);
}

/* ---- the platform check on synthetic reports ---------------------------- */

static void test_check_platform_messages(void **state)
{
	(void)state;
	gs_elf_report_t r = GS_ELF_REPORT_INIT;
	r.type = ET_EXEC;
	r.machine = EM_X86_64;
	r.elf_class = 64;
	r.linkage = GS_ELF_STATIC;
	check_ok(&r, "linux/amd64");
	assert_true(gs_elf_machine_matches(&r, plat("linux/amd64")));

	r.elf_class = 32; /* x32 */
	assert_false(gs_elf_machine_matches(&r, plat("linux/amd64")));
	check_fails(&r, "linux/amd64", "built for 32-bit x86-64, not 64-bit x86-64 (linux/amd64)");

	r.elf_class = 64;
	r.machine = EM_PPC64;
	r.big_endian = 1;
	check_fails(&r, "linux/ppc64le",
		    "built for big-endian PowerPC64, not little-endian PowerPC64 (linux/ppc64le)");
	r.big_endian = 0;
	check_ok(&r, "linux/ppc64le");

	r.machine = 4242;
	check_fails(&r, "linux/amd64", "built for machine 4242, not x86-64 (linux/amd64)");

	r.machine = EM_X86_64;
	r.type = ET_CORE;
	check_fails(&r, "linux/amd64", "not an executable (ELF type core)");

	/* Wrong machine is named before dynamic linking. */
	r.type = ET_DYN;
	r.machine = EM_AARCH64;
	r.linkage = GS_ELF_DYNAMIC;
	r.interp = xstrdup("/lib/ld-musl-x86_64.so.1");
	check_fails(&r, "linux/amd64", "built for AArch64, not x86-64 (linux/amd64)");

	r.machine = EM_X86_64;
	check_fails(&r, "linux/amd64", "dynamically linked: interpreter '/lib/ld-musl-x86_64.so.1'");
	gs_strvec_push(&r.needed, "libc.so");
	gs_strvec_push(&r.needed, "libfoo.so");
	check_fails(&r, "linux/amd64",
		    "dynamically linked: interpreter '/lib/ld-musl-x86_64.so.1', needs libc.so, libfoo.so");
	free(r.interp);
	r.interp = NULL;
	check_fails(&r, "linux/amd64", "dynamically linked: needs libc.so, libfoo.so");
	gs_elf_report_release(&r);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(gs_elf_machine_name(EM_ARM), "ARM");
	assert_string_equal(gs_elf_machine_name(EM_RISCV), "RISC-V");
	assert_string_equal(gs_elf_machine_name(EM_PPC64), "PowerPC64");
	assert_string_equal(gs_elf_machine_name(EM_386), "Intel 80386");
	assert_string_equal(gs_elf_machine_name(9999), "machine 9999");
	assert_string_equal(gs_elf_type_name(ET_EXEC), "executable");
	assert_string_equal(gs_elf_type_name(ET_DYN), "shared object");
	assert_string_equal(gs_elf_type_name(77), "type 77");
}

/* ---- inspect_file errors ------------------------------------------------ */

static void expect_file_error(const char *path, const char *want)
{
	gs_elf_report_t r = GS_ELF_REPORT_INIT;
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_elf_inspect_file(path, &r, &err), -1);
	assert_non_null(err.msg);
	assert_string_equal(err.msg, want);
	assert_null(r.interp);
	assert_int_equal(r.needed.n, 0);
	gs_error_release(&err);
}

static void test_file_errors(void **state)
{
	(void)state;
	char dir[] = "/tmp/gsimage-test-elf-XXXXXX";
	assert_non_null(mkdtemp(dir));
	expect_file_error(dir, "is a directory");

	char *empty = x_asprintf("%s/empty", dir);
	FILE *f = fopen(empty, "w");
	assert_non_null(f);
	fclose(f);
	expect_file_error(empty, "empty file");

	char *text = x_asprintf("%s/text", dir);
	f = fopen(text, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\necho not an ELF\n", f);
	fclose(f);
	expect_file_error(text, "not an ELF file");

	char *missing = x_asprintf("%s/missing", dir);
	expect_file_error(missing, "cannot open: No such file or directory");
	expect_file_error("/dev/null", "not a regular file (a character device)");

	/* A FIFO with no writer: open() without O_NONBLOCK would wait forever.
	 * The alarm turns a hang into a failure (SIGALRM kills the test). */
	char *fifo = x_asprintf("%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(10);
	expect_file_error(fifo, "not a regular file (a FIFO)");
	alarm(0);
	/* A socket cannot be opened at all. */
	char *sock = x_asprintf("%s/sock", dir);
	int sfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(sfd >= 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	assert_true(strlen(sock) < sizeof sa.sun_path);
	strcpy(sa.sun_path, sock);
	assert_int_equal(bind(sfd, (struct sockaddr *)&sa, sizeof sa), 0);
	expect_file_error(sock, "not a regular file (a socket)");
	close(sfd);
	unlink(sock);
	unlink(fifo);
	free(sock);
	free(fifo);

	/* Unreadable: root reads everything, so only check as another user. */
	assert_int_equal(chmod(text, 0), 0);
	if (geteuid() != 0)
		expect_file_error(text, "cannot open: Permission denied");
	else
		print_message("[  NOTE    ] running as root: unreadable-file case not checked\n");

	unlink(text);
	unlink(empty);
	rmdir(dir);
	free(missing);
	free(text);
	free(empty);
}

/* ---- inspect_mem on bad input ------------------------------------------- */

static void expect_mem_error(const void *buf, size_t len, const char *want_prefix)
{
	char *msg = NULL;
	assert_int_equal(inspect_exact(buf, len, &msg), -1);
	assert_prefix(msg, want_prefix);
	free(msg);
}

static void test_mem_garbage(void **state)
{
	(void)state;
	gs_elf_report_t r = GS_ELF_REPORT_INIT;
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_elf_inspect_mem(NULL, 0, &r, &err), -1);
	assert_string_equal(err.msg, "empty file");
	gs_error_release(&err);

	expect_mem_error("", 0, "empty file");
	const char *text = "Lorem ipsum dolor sit amet, consectetur adipiscing elit";
	expect_mem_error(text, strlen(text), "not an ELF file");
	expect_mem_error("\x7f", 1, "truncated ELF file");
	expect_mem_error("\x7f" "EL", 3, "truncated ELF file");
	expect_mem_error("\x7f" "ELX", 4, "not an ELF file");
	expect_mem_error("\x7f" "ELF\x02\x01\x01", 7, "truncated ELF file");
	unsigned char zeros[256] = {0};
	expect_mem_error(zeros, sizeof zeros, "not an ELF file");
}

static void test_mem_corrupt_header(void **state)
{
	(void)state;
	size_t len;
	unsigned char *data = load_fixture("hello-dynamic", &len);
	unsigned char *copy = xmalloc(len);

	memcpy(copy, data, len);
	copy[EI_CLASS] = 7;
	expect_mem_error(copy, len, "corrupt ELF header: invalid class 7");

	memcpy(copy, data, len);
	copy[EI_CLASS] = ELFCLASSNONE;
	expect_mem_error(copy, len, "corrupt ELF header: invalid class 0");

	memcpy(copy, data, len);
	copy[EI_DATA] = 3;
	expect_mem_error(copy, len, "corrupt ELF header: invalid byte order 3");

	/* A 64-bit file claiming to be 32-bit: header sizes no longer fit. */
	memcpy(copy, data, len);
	copy[EI_CLASS] = ELFCLASS32;
	expect_mem_error(copy, len, "corrupt ELF header");

	/* Section headers pointing past the end. */
	Elf64_Ehdr eh;
	memcpy(copy, data, len);
	memcpy(&eh, copy, sizeof eh);
	eh.e_shoff = (Elf64_Off)len - 8;
	memcpy(copy, &eh, sizeof eh);
	expect_mem_error(copy, len, "truncated ELF file (section headers end at offset");

	memcpy(copy, data, len);
	memcpy(&eh, copy, sizeof eh);
	eh.e_phoff = UINT64_MAX - 10;
	memcpy(copy, &eh, sizeof eh);
	expect_mem_error(copy, len, "truncated ELF file (program headers end at offset");

	memcpy(copy, data, len);
	memcpy(&eh, copy, sizeof eh);
	eh.e_phentsize = 12;
	memcpy(copy, &eh, sizeof eh);
	expect_mem_error(copy, len, "corrupt ELF header: program header size 12, expected 56");

	free(copy);
	free(data);
}

/* Every prefix of a real binary up to 4 KiB, and a few longer ones, is an
 * error, never a crash or an over-read. */
static void test_mem_truncated(void **state)
{
	(void)state;
	size_t len;
	unsigned char *data = load_fixture("hello-static", &len);
	assert_true(len > 8192);
	for (size_t n = 0; n <= 4096; n++) {
		char *msg = NULL;
		if (inspect_exact(data, n, &msg) != -1)
			fail_msg("a %zu-byte prefix was accepted", n);
		assert_prefix(msg, n == 0 ? "empty file" : "truncated ELF file");
		free(msg);
	}
	size_t more[] = {len / 4, len / 2, len - 4096, len - 65, len - 1};
	for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
		expect_mem_error(data, more[i], "truncated ELF file");

	char *msg = NULL;
	assert_int_equal(inspect_exact(data, len, &msg), 0);
	free(data);
}

/* Seeded random corruption of real binaries: any result is fine as long as
 * nothing crashes or reads out of bounds (ASan, valgrind). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Flip a few bytes of a fixture, rounds times, and inspect each mutant.
 * Its main use is under ASan, UBSan and valgrind (make unit-asan,
 * unit-valgrind): no mutant may read outside the buffer or leak.  What
 * can be asserted without them: the fixture itself passes, each answer is
 * either a report that holds together or one line saying why not, and a
 * fixed seed gives both outcomes (so the mutations reach the checks). */
static void mutate_many(const char *name, int rounds)
{
	size_t len;
	unsigned char *data = load_fixture(name, &len);
	unsigned char *copy = xmalloc(len);
	Elf64_Ehdr eh;
	memcpy(&eh, data, sizeof eh);
	int ok = 0, failed = 0;
	char *msg = NULL;
	if (inspect_exact(data, len, &msg) != 0)
		fail_msg("the unmutated '%s' is refused: %s", name, msg);
	free(msg);
	for (int i = 0; i < rounds; i++) {
		memcpy(copy, data, len);
		int flips = 1 + (int)(rng() % 8);
		for (int j = 0; j < flips; j++) {
			size_t pos;
			switch (rng() % 4) {
			case 0: /* ELF header */
				pos = rng() % sizeof eh;
				break;
			case 1: /* program headers */
				pos = eh.e_phoff + rng() % ((size_t)eh.e_phnum * eh.e_phentsize);
				break;
			case 2: /* section headers */
				pos = eh.e_shoff + rng() % ((size_t)eh.e_shnum * eh.e_shentsize);
				break;
			default:
				pos = rng() % len;
			}
			if (pos < len)
				copy[pos] = (unsigned char)rng();
		}
		unsigned char *exact = xmalloc(len);
		memcpy(exact, copy, len);
		gs_elf_report_t r = GS_ELF_REPORT_INIT;
		gs_error_t err = GS_ERROR_INIT;
		if (gs_elf_inspect_mem(exact, len, &r, &err) == 0) {
			ok++;
			assert_null(err.msg);
			assert_int_equal(r.size, len);
			assert_true(r.elf_class == 32 || r.elf_class == 64);
			/* dynamic exactly when there is an interpreter or a
			 * needed library; PIE only for ET_DYN; full RELRO only
			 * with BIND_NOW */
			assert_int_equal(r.linkage == GS_ELF_DYNAMIC, r.interp || r.needed.n > 0);
			assert_true(!r.pie || r.type == ET_DYN);
			assert_true(r.relro != GS_ELF_RELRO_FULL || r.bind_now);
		} else {
			failed++;
			assert_non_null(err.msg);
			assert_true(*err.msg != '\0');
			assert_null(strchr(err.msg, '\n'));
			assert_null(r.interp);
			assert_int_equal(r.needed.n, 0);
		}
		gs_elf_report_release(&r);
		gs_error_release(&err);
		free(exact);
	}
	print_message("[  INFO    ] %s: %d mutants accepted, %d rejected\n", name, ok, failed);
	assert_int_equal(ok + failed, rounds);
	assert_true(ok > 0);
	assert_true(failed > 0);
	free(copy);
	free(data);
}

static void test_mem_mutations(void **state)
{
	(void)state;
	mutate_many("hello-dynamic", 1500);
	mutate_many("hello-static-pie", 300);
}

/* ---- JSON and the verify command --------------------------------------- */

static void test_results_json(void **state)
{
	(void)state;
	char p1[4096], p2[4096];
	fixture("hello-go", p1, sizeof p1);
	fixture("hello-dynamic", p2, sizeof p2);
	gs_elf_report_t r1 = GS_ELF_REPORT_INIT, r2 = GS_ELF_REPORT_INIT;
	inspect_fixture("hello-go", &r1);
	inspect_fixture("hello-dynamic", &r2);
	gs_elf_result_t res[] = {
		{"hello-go", &r1, NULL},
		{"hello-dynamic", &r2, NULL},
		{"missing", NULL, "cannot open: No such file or directory"},
	};
	char *doc = gs_elf_results_json(res, 3, plat("linux/amd64"));
	json_error_t jerr;
	json_t *arr = json_loads(doc, 0, &jerr);
	if (!arr)
		fail_msg("bad JSON: %s\n%s", jerr.text, doc);
	assert_true(json_is_array(arr));
	assert_int_equal(json_array_size(arr), 3);

	json_t *o = json_array_get(arr, 0);
	assert_string_equal(json_string_value(json_object_get(o, "file")), "hello-go");
	assert_string_equal(json_string_value(json_object_get(o, "linkage")), "static");
	assert_string_equal(json_string_value(json_object_get(o, "machine")), "x86-64");
	assert_int_equal(json_integer_value(json_object_get(o, "class")), 64);
	assert_true(json_is_true(json_object_get(o, "static")));
	assert_true(json_is_true(json_object_get(o, "machine_ok")));
	assert_true(json_is_true(json_object_get(o, "ok")));
	assert_true(json_is_true(json_object_get(o, "stripped")));
	assert_int_equal(json_integer_value(json_object_get(o, "size")), (json_int_t)r1.size);
	assert_true(json_is_false(json_object_get(o, "pie")));
	assert_string_equal(json_string_value(json_object_get(o, "relro")), "none");
	assert_true(json_is_false(json_object_get(o, "bind_now")));
	assert_string_equal(json_string_value(json_object_get(o, "go_module")), "example.com/hello");
	assert_true(json_is_null(json_object_get(o, "interpreter")));
	assert_true(json_is_null(json_object_get(o, "error")));

	o = json_array_get(arr, 1);
	assert_true(json_is_false(json_object_get(o, "static")));
	assert_true(json_is_true(json_object_get(o, "machine_ok")));
	assert_true(json_is_false(json_object_get(o, "ok")));
	assert_string_equal(json_string_value(json_object_get(o, "interpreter")),
			    "/lib64/ld-linux-x86-64.so.2");
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "needed"), 0)),
			    "libc.so.6");
	assert_prefix(json_string_value(json_object_get(o, "error")), "dynamically linked: ");
	assert_true(json_is_true(json_object_get(o, "pie")));
	assert_string_equal(json_string_value(json_object_get(o, "relro")), "partial");

	o = json_array_get(arr, 2);
	assert_true(json_is_null(json_object_get(o, "linkage")));
	assert_true(json_is_null(json_object_get(o, "pie")));
	assert_true(json_is_null(json_object_get(o, "relro")));
	assert_true(json_is_null(json_object_get(o, "bind_now")));
	assert_true(json_is_false(json_object_get(o, "ok")));
	assert_int_equal(json_array_size(json_object_get(o, "needed")), 0);
	assert_string_equal(json_string_value(json_object_get(o, "error")),
			    "cannot open: No such file or directory");

	/* Machine mismatch against another platform. */
	free(doc);
	doc = gs_elf_results_json(res, 1, plat("linux/arm64"));
	json_decref(arr);
	arr = json_loads(doc, 0, &jerr);
	assert_non_null(arr);
	o = json_array_get(arr, 0);
	assert_true(json_is_false(json_object_get(o, "machine_ok")));
	assert_string_equal(json_string_value(json_object_get(o, "error")),
			    "built for x86-64, not AArch64 (linux/arm64/v8)");

	json_decref(arr);
	free(doc);
	gs_elf_report_release(&r1);
	gs_elf_report_release(&r2);
}

/* File names, ELF strings and error texts are bytes: ones that are not
 * UTF-8 come out with each bad byte as U+FFFD instead of aborting. */
static void test_results_json_not_utf8(void **state)
{
	(void)state;
	gs_elf_report_t r = GS_ELF_REPORT_INIT;
	r.linkage = GS_ELF_DYNAMIC;
	r.elf_class = 64;
	r.machine = 62; /* EM_X86_64 */
	r.type = 2;     /* ET_EXEC */
	r.interp = xstrdup("/lib/ld\xff.so");
	gs_strvec_push(&r.needed, "libc\xc0\xaf.so");
	r.go_version = xstrdup("go1.21\xfe");
	r.go_path = xstrdup("example.com/\xed\xa0\x80x"); /* a surrogate */
	r.go_module = xstrdup("example.com/m\xf4\x90\x80\x80"); /* > U+10FFFF */
	gs_elf_result_t res[] = {
		{"h\xffx", &r, NULL},
		{"bad\xe2\x82", NULL, "cannot open 'bad\xe2\x82': no such file"},
	};
	char *doc = gs_elf_results_json(res, 2, plat("linux/amd64"));
	json_error_t jerr;
	json_t *arr = json_loads(doc, 0, &jerr);
	if (!arr)
		fail_msg("bad JSON: %s\n%s", jerr.text, doc);
	json_t *o = json_array_get(arr, 0);
	assert_string_equal(json_string_value(json_object_get(o, "file")), "h\xef\xbf\xbdx");
	assert_string_equal(json_string_value(json_object_get(o, "interpreter")),
			    "/lib/ld\xef\xbf\xbd.so");
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "needed"), 0)),
			    "libc\xef\xbf\xbd\xef\xbf\xbd.so");
	assert_string_equal(json_string_value(json_object_get(o, "go_version")),
			    "go1.21\xef\xbf\xbd");
	assert_string_equal(json_string_value(json_object_get(o, "go_path")),
			    "example.com/\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx");
	assert_string_equal(json_string_value(json_object_get(o, "go_module")),
			    "example.com/m\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* the check_platform message quotes the interpreter and DT_NEEDED */
	const char *e = json_string_value(json_object_get(o, "error"));
	assert_non_null(e);
	assert_non_null(strstr(e, "/lib/ld\xef\xbf\xbd.so"));
	o = json_array_get(arr, 1);
	assert_string_equal(json_string_value(json_object_get(o, "file")), "bad\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(json_string_value(json_object_get(o, "error")),
			    "cannot open 'bad\xef\xbf\xbd\xef\xbf\xbd': no such file");
	json_decref(arr);
	free(doc);
	gs_elf_report_release(&r);
}

/* Valid UTF-8 passes through unchanged; each bad byte becomes U+FFFD. */
static void test_utf8(void **state)
{
	(void)state;
	assert_true(gs_utf8_valid(""));
	assert_true(gs_utf8_valid("plain"));
	assert_true(gs_utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
	assert_false(gs_utf8_valid("\xff"));
	assert_false(gs_utf8_valid("\xc0\xaf"));         /* overlong */
	assert_false(gs_utf8_valid("\xed\xa0\x80"));     /* surrogate */
	assert_false(gs_utf8_valid("\xf4\x90\x80\x80")); /* > U+10FFFF */
	assert_false(gs_utf8_valid("\xe2\x82"));         /* truncated */
	char *s = gs_utf8_sanitize("caf\xc3\xa9");
	assert_string_equal(s, "caf\xc3\xa9");
	free(s);
	s = gs_utf8_sanitize("a\xffz\xe2\x82");
	assert_string_equal(s, "a\xef\xbf\xbdz\xef\xbf\xbd\xef\xbf\xbd");
	assert_true(gs_utf8_valid(s));
	free(s);
}

/* Run gs_cmd_verify on argv (NULL-terminated); returns its result. */
static int run_verify(gs_error_t *err, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;
	va_start(ap, err);
	argv[argc++] = "verify";
	for (char *a; argc < 15 && (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	fflush(stdout);
	int r = gs_cmd_verify(argc, argv, err);
	fflush(stdout);
	return r;
}

static void test_cmd_verify(void **state)
{
	(void)state;
	char st[4096], pie[4096], dyn[4096], arm[4096];
	fixture("hello-static", st, sizeof st);
	fixture("hello-static-pie", pie, sizeof pie);
	fixture("hello-dynamic", dyn, sizeof dyn);
	fixture("hello-aarch64", arm, sizeof arm);
	gs_error_t err = GS_ERROR_INIT;

	assert_int_equal(run_verify(&err, "--platform", "linux/amd64", st, pie, NULL), 0);
	assert_null(err.msg);
	/* Options after the files; a second parse in the same process. */
	assert_int_equal(run_verify(&err, arm, "--platform=linux/arm64", NULL), 0);
	assert_int_equal(run_verify(&err, arm, "--json", "--platform", "linux/arm64", NULL), 0);

	assert_int_equal(run_verify(&err, "--platform", "linux/amd64", dyn, NULL), -1);
	char *want = x_asprintf("'%s' is not a static binary for linux/amd64: dynamically linked: "
				"interpreter '/lib64/ld-linux-x86-64.so.2', needs libc.so.6",
				dyn);
	assert_string_equal(err.msg, want);
	free(want);
	assert_int_equal(gs_error_exit_status(&err), 1);
	gs_error_release(&err);

	assert_int_equal(run_verify(&err, "--platform", "linux/amd64", st, arm, dyn,
				    "/nonexistent/x", NULL),
			 -1);
	assert_string_equal(err.msg, "3 of 4 files are not static binaries for linux/amd64");
	gs_error_release(&err);

	assert_int_equal(run_verify(&err, "--platform", "linux/amd64", st, arm, NULL), -1);
	assert_string_equal(err.msg, "1 of 2 files is not a static binary for linux/amd64");
	gs_error_release(&err);

	/* Usage errors: exit 2. */
	assert_int_equal(run_verify(&err, NULL), -1);
	assert_int_equal(gs_error_exit_status(&err), 2);
	assert_string_equal(err.msg, "no files to verify; see 'gsimage verify --help'");
	gs_error_release(&err);
	assert_int_equal(run_verify(&err, "--platform", "linux/mips", st, NULL), -1);
	assert_int_equal(gs_error_exit_status(&err), 2);
	assert_prefix(err.msg, "unknown platform 'linux/mips'; supported: linux/amd64, ");
	gs_error_release(&err);
	assert_int_equal(run_verify(&err, "--frobnicate", st, NULL), -1);
	assert_int_equal(gs_error_exit_status(&err), 2);
	assert_prefix(err.msg, "unknown option '--frobnicate'");
	gs_error_release(&err);
	assert_int_equal(run_verify(&err, st, "--platform", NULL), -1);
	assert_int_equal(gs_error_exit_status(&err), 2);
	assert_prefix(err.msg, "option '--platform' needs a value");
	gs_error_release(&err);
}

/* ---- gs_go_buildinfo_parse ---------------------------------------------- */

#define SENTINEL "0123456789abcdef" /* any 16 bytes */

static size_t put_uvarint(unsigned char *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

/* header + uvarint(len(version)) version + uvarint(len(mod)) mod */
static size_t make_blob(unsigned char *buf, unsigned char flags, const char *version,
			const char *mod)
{
	memset(buf, 0, 32);
	memcpy(buf, "\xff Go buildinf:", 14);
	buf[14] = 8;
	buf[15] = flags;
	size_t n = 32;
	n += put_uvarint(buf + n, strlen(version));
	memcpy(buf + n, version, strlen(version));
	n += strlen(version);
	n += put_uvarint(buf + n, strlen(mod));
	memcpy(buf + n, mod, strlen(mod));
	return n + strlen(mod);
}

static const char MODINFO[] = SENTINEL
	"path\texample.com/app/cmd/app\n"
	"mod\texample.com/app\t(devel)\t\n"
	"dep\tgolang.org/x/sys\tv0.1.0\th1:abc=\n"
	"build\t-compiler=gc\n" SENTINEL;

static void test_buildinfo_ok(void **state)
{
	(void)state;
	unsigned char buf[512];
	size_t n = make_blob(buf, 2, "go1.21.3", MODINFO);
	gs_go_buildinfo_t bi;
	assert_int_equal(gs_go_buildinfo_parse(buf, n, &bi), 1);
	assert_string_equal(bi.version, "go1.21.3");
	assert_string_equal(bi.path, "example.com/app/cmd/app");
	assert_string_equal(bi.module, "example.com/app");
	gs_go_buildinfo_release(&bi);
	assert_null(bi.version);

	/* Trailing bytes after the blob (the rest of the segment) are fine. */
	memset(buf + n, 0xaa, 64);
	assert_int_equal(gs_go_buildinfo_parse(buf, n + 64, &bi), 1);
	gs_go_buildinfo_release(&bi);

	/* Big-endian pointer flag (bit 0) does not matter for the inline form. */
	n = make_blob(buf, 3, "go1.19.8", MODINFO);
	assert_int_equal(gs_go_buildinfo_parse(buf, n, &bi), 1);
	assert_string_equal(bi.version, "go1.19.8");
	gs_go_buildinfo_release(&bi);

	/* A package built from files: no module info at all. */
	n = make_blob(buf, 2, "go1.20", "");
	assert_int_equal(gs_go_buildinfo_parse(buf, n, &bi), 1);
	assert_string_equal(bi.version, "go1.20");
	assert_null(bi.path);
	assert_null(bi.module);
	gs_go_buildinfo_release(&bi);

	/* "path" without "mod" (command-line-arguments). */
	n = make_blob(buf, 2, "go1.20", SENTINEL "path\tcommand-line-arguments\n" SENTINEL);
	assert_int_equal(gs_go_buildinfo_parse(buf, n, &bi), 1);
	assert_string_equal(bi.path, "command-line-arguments");
	assert_null(bi.module);
	gs_go_buildinfo_release(&bi);
}

static void expect_no_buildinfo(const unsigned char *blob, size_t len)
{
	/* exact-size copy so that over-reads are caught */
	unsigned char *copy = len ? xmalloc(len) : NULL;
	if (len)
		memcpy(copy, blob, len);
	gs_go_buildinfo_t bi;
	assert_int_equal(gs_go_buildinfo_parse(copy, len, &bi), 0);
	assert_null(bi.version);
	assert_null(bi.path);
	assert_null(bi.module);
	free(copy);
}

static void test_buildinfo_bad(void **state)
{
	(void)state;
	unsigned char buf[512];
	size_t n = make_blob(buf, 2, "go1.21.3", MODINFO);

	expect_no_buildinfo(NULL, 0);
	expect_no_buildinfo(buf, 31); /* shorter than the header */

	/* Every truncation of the strings. */
	for (size_t i = 0; i < n; i++) {
		unsigned char *copy = xmalloc(i ? i : 1);
		memcpy(copy, buf, i);
		gs_go_buildinfo_t bi;
		int ret = gs_go_buildinfo_parse(copy, i, &bi);
		assert_int_equal(ret, 0);
		free(copy);
	}

	unsigned char bad[512];
	memcpy(bad, buf, n);
	bad[1] = 'g'; /* bad magic */
	expect_no_buildinfo(bad, n);

	memcpy(bad, buf, n);
	bad[15] = 0; /* pre-1.18 pointer format */
	expect_no_buildinfo(bad, n);

	/* Huge lengths: ten 0xff bytes overflow 64 bits; a valid varint of
	 * 2^63 and one just past the end are out of range. */
	memcpy(bad, buf, 32);
	memset(bad + 32, 0xff, 10);
	bad[42] = 0x01;
	expect_no_buildinfo(bad, 64);
	memcpy(bad, buf, 32);
	size_t k = 32 + put_uvarint(bad + 32, UINT64_C(1) << 63);
	memset(bad + k, 'x', 16);
	expect_no_buildinfo(bad, k + 16);
	memcpy(bad, buf, 32);
	k = 32 + put_uvarint(bad + 32, 17);
	memset(bad + k, 'x', 16);
	expect_no_buildinfo(bad, k + 16);

	/* Empty version string. */
	n = make_blob(bad, 2, "", MODINFO);
	expect_no_buildinfo(bad, n);
}

/* Module info without proper sentinels is ignored, not misread. */
static void test_buildinfo_no_sentinels(void **state)
{
	(void)state;
	unsigned char buf[512];
	size_t n = make_blob(buf, 2, "go1.21.3", "path\texample.com/x\nmod\texample.com/x\t\n");
	gs_go_buildinfo_t bi;
	assert_int_equal(gs_go_buildinfo_parse(buf, n, &bi), 1);
	assert_string_equal(bi.version, "go1.21.3");
	assert_null(bi.path);
	assert_null(bi.module);
	gs_go_buildinfo_release(&bi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_stripped),
		cmocka_unit_test(test_dynamic),
		cmocka_unit_test(test_shared_library),
		cmocka_unit_test(test_dynamic_no_sections),
		cmocka_unit_test(test_static_pie),
		cmocka_unit_test(test_static_pie_now),
		cmocka_unit_test(test_object_file),
		cmocka_unit_test(test_386),
		cmocka_unit_test(test_aarch64),
		cmocka_unit_test(test_go),
		cmocka_unit_test(test_go_no_sections),
		cmocka_unit_test(test_go_s390x),
		cmocka_unit_test(test_gccgo),
		cmocka_unit_test(test_check_platform_messages),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_mem_garbage),
		cmocka_unit_test(test_mem_corrupt_header),
		cmocka_unit_test(test_mem_truncated),
		cmocka_unit_test(test_mem_mutations),
		cmocka_unit_test(test_results_json),
		cmocka_unit_test(test_results_json_not_utf8),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_cmd_verify),
		cmocka_unit_test(test_buildinfo_ok),
		cmocka_unit_test(test_buildinfo_bad),
		cmocka_unit_test(test_buildinfo_no_sentinels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

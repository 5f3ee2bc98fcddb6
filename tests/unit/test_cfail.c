/* gs_cfail_missing(): the one line for a cgo build that needs a C library
 * musl does not have, from go build's real standard error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gsimage/toolchain/cfail.h"
#include "gsimage/util/cleanup.h"

/* What go build prints for gopacket's pcap with zig cc 0.11 (clang). */
static const char zig_header[] =
	"# github.com/google/gopacket/pcap\n"
	"/root/go/pkg/mod/github.com/google/gopacket@v1.1.19/pcap/pcap_unix.go:34:10: "
	"fatal error: 'pcap.h' file not found\n"
	"#include <pcap.h>\n"
	"         ^~~~~~~~\n"
	"1 error generated.\n";

static void one_line(const char *m)
{
	assert_non_null(m);
	assert_null(strchr(m, '\n'));
	assert_null(strstr(m, "gsimage: error"));
	assert_non_null(strstr(m, "--cgo off"));
}

static void test_zig_missing_header(void **state)
{
	(void)state;
	cleanup_free char *m = gs_cfail_missing(zig_header);
	one_line(m);
	assert_non_null(strstr(m, "cgo package 'github.com/google/gopacket/pcap'"));
	assert_non_null(strstr(m, "'pcap.h'"));
	assert_non_null(strstr(m, "static musl build of libpcap"));
	assert_non_null(strstr(m, "CGO_CFLAGS"));
	assert_non_null(strstr(m, "CGO_LDFLAGS"));
}

static void test_gcc_missing_header(void **state)
{
	(void)state;
	/* musl-gcc (gcc) words it differently, and the header has a directory */
	cleanup_free char *m = gs_cfail_missing(
		"# example.com/x/xml\n"
		"xml.go:5:10: fatal error: libxml/parser.h: No such file or directory\n"
		"    5 | #include <libxml/parser.h>\n"
		"compilation terminated.\n");
	one_line(m);
	assert_non_null(strstr(m, "cgo package 'example.com/x/xml'"));
	assert_non_null(strstr(m, "'libxml/parser.h' of libxml,"));
}

static void test_missing_library(void **state)
{
	(void)state;
	static const char *const outs[] = {
		/* zig 0.11, as go's external link reports it */
		"# example.com/cmd/sniff\n"
		"/usr/local/go/pkg/tool/linux_amd64/link: running zig-cc failed: exit status 1\n"
		"error: unable to find Static system library 'pcap' using strategy "
		"'no_fallback'. searched paths: none\n",
		"error: unable to find Dynamic system library 'pcap' using strategy "
		"'paths_first'. searched paths: none\n",
		"ld.lld: error: unable to find library -lpcap\n",
		"/usr/bin/ld: cannot find -lpcap: No such file or directory\n",
	};
	for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
		cleanup_free char *m = gs_cfail_missing(outs[i]);
		one_line(m);
		assert_non_null(strstr(m, "libpcap (-lpcap)"));
		assert_non_null(strstr(m, "libpcap.a"));
		assert_non_null(strstr(m, "CGO_LDFLAGS"));
	}
	cleanup_free char *m = gs_cfail_missing(outs[0]);
	assert_non_null(strstr(m, "linking 'example.com/cmd/sniff'"));
}

static void test_first_cause_wins(void **state)
{
	(void)state;
	cleanup_free char *m = gs_cfail_missing("ld.lld: error: unable to find library -lz\n"
						"x.c:1:10: fatal error: 'pcap.h' file not found\n");
	assert_non_null(m);
	assert_non_null(strstr(m, "-lz"));
}

static void test_other_failures(void **state)
{
	(void)state;
	static const char *const outs[] = {
		"",
		"# example.com/app\n./main.go:3:2: undefined: x\n",
		"main.go:4:2: open data.txt: no such file or directory\n",
		"go: example.com/y@v1.0.0: reading go.mod: 404 Not Found\n",
		"x.c:1:10: fatal error: '' file not found\n",
		"x.c:1:10: fatal error: 'a b.h' file not found\n",
		"cannot find -l\n",
	};
	for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++)
		assert_null(gs_cfail_missing(outs[i]));
	assert_null(gs_cfail_missing(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zig_missing_header),
		cmocka_unit_test(test_gcc_missing_header),
		cmocka_unit_test(test_missing_library),
		cmocka_unit_test(test_first_cause_wins),
		cmocka_unit_test(test_other_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests for src/sbom: the Go build info parser, the C-side detection (musl
 * versions read from the real zig and musl-gcc when they are installed),
 * and the SPDX 2.3 / CycloneDX 1.5 documents, validated against the official
 * schemas (in $GS_SHARED/sbom-schema or the checkout's ../shared) by
 * tests/unit/sbom-validate.py.  Tests whose tool is missing skip and say
 * why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gsimage/platform/platform.h"
#include "gsimage/sbom/cside.h"
#include "gsimage/sbom/goinfo.h"
#include "gsimage/sbom/sbom.h"
#include "gsimage/toolchain/golist.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/json.h"
#include "gsimage/util/proc.h"
#include "gsimage/util/strvec.h"
#include "gsimage/util/xalloc.h"

#define SKIP(...)                                                                                 \
	do {                                                                                      \
		print_message("[  SKIP    ] " __VA_ARGS__);                                       \
		skip();                                                                           \
	} while (0)

#define DIGEST_A "sha256:" \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DIGEST_B "sha256:" \
	"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

/* sha256("gsimage") and sha256("dep2"), as h1: sums and hex. */
#define H1_A "h1:4XU47U7i15t4YJL9J8/DZg6ep7OTPJZwxUqrkYXVI6g="
#define HEX_A "e17538ed4ee2d79b786092fd27cfc3660e9ea7b3933c9670c54aab9185d523a8"
#define H1_B "h1:XFzTHC861b+a1x+mZeVQM65C8EbXyBJMJaI0JlGQkB4="
#define HEX_B "5c5cd31c2f3ad5bf9ad71fa665e55033ae42f046d7c8124c25a234265190901e"

static const char SYNTHETIC[] =
	"path\texample.com/app/cmd/app\n"
	"mod\texample.com/app\t(devel)\t\n"
	"dep\tgithub.com/x/y\tv1.2.3\t" H1_A "\n"
	"dep\tgolang.org/x/sys\tv0.0.0-20220412211240-33da011f77ad+incompatible\n"
	"=>\tgithub.com/fork/sys\tv0.1.0\t" H1_B "\n"
	"dep\texample.com/local\tv1.0.0\n"
	"=>\t../local\t\t\n"
	/* what Go 1.19 to 1.26 write for `replace github.com/x/z => /abs/z`
	 * with a requirement that is there only for the replacement */
	"dep\tgithub.com/x/z\tv0.0.0-00010101000000-000000000000\n"
	"=>\t/tmp/build-1234/z\t(devel)\t\n"
	"build\t-compiler=gc\n"
	"build\t-ldflags=\"-s -w -extldflags \\\"-static\\\"\"\n"
	"build\t\"odd key\"=`raw value`\n"
	"build\t-tags=netgo,osusergo\n"
	"build\tCGO_ENABLED=1\n"
	"build\tGOARCH=arm64\n";

/* ---- helpers ------------------------------------------------------------ */

static void parse_ok(const char *version, const char *text, gs_sbom_goinfo_t *gi)
{
	gs_error_t err = GS_ERROR_INIT;
	if (gs_sbom_goinfo_parse(version, text, gi, &err) < 0)
		fail_msg("parse: %s", err.msg);
}

/* The directory with spdx-2.3.schema.json and cyclonedx-1.5/, or NULL. */
static char *schema_dir(void)
{
	const char *shared = getenv("GS_SHARED");
	char *dir = NULL;
	if (shared && *shared) {
		dir = x_asprintf("%s/sbom-schema", shared);
	} else {
		FILE *p = popen("git rev-parse --show-toplevel 2>/dev/null", "r");
		char top[4096] = "";
		if (p) {
			if (!fgets(top, sizeof top, p))
				top[0] = '\0';
			pclose(p);
		}
		top[strcspn(top, "\n")] = '\0';
		if (*top)
			dir = x_asprintf("%s/../shared/sbom-schema", top);
	}
	if (dir) {
		char *f = x_asprintf("%s/spdx-2.3.schema.json", dir);
		int ok = access(f, R_OK) == 0;
		free(f);
		if (ok)
			return dir;
		free(dir);
	}
	return NULL;
}

/* Write each document to a temp dir and run sbom-validate.py over them;
 * fails with the validator's output when a document is invalid.  When
 * python3, jsonschema or the schemas are absent it prints why and returns
 * 1: the caller frees what it holds, then skips (skip() jumps out, past
 * every cleanup attribute, so skipping here would leak the documents). */
static int validate(const char *label, const char *spdx, const char *cdx)
{
	char *schemas = schema_dir();
	if (!schemas) {
		print_message("[  SKIP    ] %s: SBOM schemas not found ($GS_SHARED/sbom-schema or "
			      "../shared/sbom-schema)\n", label);
		return 1;
	}
	char tmpl[] = "/tmp/gs-sbom-test.XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	char *fs = x_asprintf("%s/doc.spdx.json", tmpl);
	char *fc = x_asprintf("%s/doc.cdx.json", tmpl);
	gs_error_t err = GS_ERROR_INIT;
	assert_int_equal(gs_fs_write_atomic(fs, spdx, strlen(spdx), 0644, &err), 0);
	assert_int_equal(gs_fs_write_atomic(fc, cdx, strlen(cdx), 0644, &err), 0);
	char *cmd = x_asprintf("python3 tests/unit/sbom-validate.py '%s' '%s' '%s' 2>&1", schemas, fs,
			       fc);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char out[8192];
	size_t n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	int status = pclose(p);
	unlink(fs);
	unlink(fc);
	rmdir(tmpl);
	free(cmd);
	free(fc);
	free(fs);
	free(schemas);
	/* Nothing allocated is left when fail_msg() jumps out. */
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	if (rc == 2 || rc == 127) {
		print_message("[  SKIP    ] %s: cannot validate: %s\n", label, out);
		return 1;
	}
	if (rc != 0)
		fail_msg("%s: schema validation failed:\n%s", label, out);
	print_message("[ VALID    ] %s: %s", label, out);
	return 0;
}

static json_t *load_json(const char *s)
{
	json_error_t je;
	json_t *j = json_loads(s, 0, &je);
	if (!j)
		fail_msg("not JSON: %s", je.text);
	return j;
}

/* The package/component in arr whose "key" is value. */
static json_t *find_by(json_t *arr, const char *key, const char *value)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		const char *s = json_string_value(json_object_get(v, key));
		if (s && strcmp(s, value) == 0)
			return v;
	}
	return NULL;
}

static int has_rel(json_t *rels, const char *from, const char *type, const char *to)
{
	size_t i;
	json_t *r;
	json_array_foreach(rels, i, r)
	{
		if (strcmp(json_string_value(json_object_get(r, "spdxElementId")), from) == 0 &&
		    strcmp(json_string_value(json_object_get(r, "relationshipType")), type) == 0 &&
		    strcmp(json_string_value(json_object_get(r, "relatedSpdxElement")), to) == 0)
			return 1;
	}
	return 0;
}

static const char *spdx_purl(json_t *pkg)
{
	json_t *refs = json_object_get(pkg, "externalRefs");
	return refs ? json_string_value(json_object_get(json_array_get(refs, 0), "referenceLocator"))
		    : NULL;
}

static const char *spdx_sha256(json_t *pkg)
{
	json_t *cs = json_object_get(pkg, "checksums");
	return cs ? json_string_value(json_object_get(json_array_get(cs, 0), "checksumValue")) : NULL;
}

/* ---- Go build info -------------------------------------------------------- */

static void test_goinfo_parse(void **state)
{
	(void)state;
	gs_sbom_goinfo_t gi;
	parse_ok("go1.21.5", SYNTHETIC, &gi);
	assert_string_equal(gi.go_version, "go1.21.5");
	assert_string_equal(gi.path, "example.com/app/cmd/app");
	assert_string_equal(gi.main.path, "example.com/app");
	assert_string_equal(gi.main.version, "(devel)");
	assert_string_equal(gi.main.sum, "");
	assert_null(gi.main.replace);
	assert_int_equal(gi.n_deps, 4);
	assert_string_equal(gi.deps[0].path, "github.com/x/y");
	assert_string_equal(gi.deps[0].version, "v1.2.3");
	assert_string_equal(gi.deps[0].sum, H1_A);
	assert_null(gi.deps[0].replace);
	assert_string_equal(gi.deps[1].sum, "");
	assert_non_null(gi.deps[1].replace);
	assert_string_equal(gi.deps[1].replace->path, "github.com/fork/sys");
	assert_string_equal(gi.deps[1].replace->version, "v0.1.0");
	assert_string_equal(gi.deps[1].replace->sum, H1_B);
	assert_string_equal(gi.deps[2].replace->path, "../local");
	assert_string_equal(gi.deps[2].replace->version, "");
	assert_int_equal(gi.n_settings, 6);
	assert_string_equal(gs_sbom_goinfo_setting(&gi, "-ldflags"), "-s -w -extldflags \"-static\"");
	assert_string_equal(gs_sbom_goinfo_setting(&gi, "odd key"), "raw value");
	assert_string_equal(gs_sbom_goinfo_setting(&gi, "-tags"), "netgo,osusergo");
	assert_string_equal(gs_sbom_goinfo_setting(&gi, "CGO_ENABLED"), "1");
	assert_null(gs_sbom_goinfo_setting(&gi, "GOOS"));
	gs_sbom_goinfo_release(&gi);

	/* `go version -m` text: a "go" line, escapes in quoted values. */
	parse_ok(NULL, "go\tgo1.19.8\npath\tx\nbuild\tK=\"a\\tb\\u00e9\\x41\"\n", &gi);
	assert_string_equal(gi.go_version, "go1.19.8");
	assert_null(gi.main.path);
	assert_string_equal(gs_sbom_goinfo_setting(&gi, "K"), "a\tb\xc3\xa9" "A");
	gs_sbom_goinfo_release(&gi);

	parse_ok("go1.20", "", &gi);
	assert_int_equal(gi.n_deps, 0);
	gs_sbom_goinfo_release(&gi);
}

static void test_goinfo_parse_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{"mod\ta\tb\tc\td\n", "line 1: mod line: expected 2 or 3 columns, got 4"},
		{"path\tp\ndep\tonly\n", "line 2: dep line: expected 2 or 3 columns, got 1"},
		{"=>\tx\tv1\t\n", "line 1: replacement with no module on previous line"},
		{"dep\ta\tv1\t\n=>\tb\tv2\t\n=>\tc\tv3\t\n",
		 "line 3: replacement with no module on previous line"},
		{"build\t=x\n", "line 1: build line with missing key"},
		{"build\tnoequals\n", "line 1: build line missing '='"},
		{"build\tK=\"unterminated\n", "line 1: build line with malformed quoted value"},
		{"build\t\"k\"x\n", "line 1: build line missing '='"},
		{"dep\t\tv1\t\n", "line 1: dep line: empty module path"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		gs_sbom_goinfo_t gi;
		gs_error_t err = GS_ERROR_INIT;
		assert_int_equal(gs_sbom_goinfo_parse("go1.21", cases[i].text, &gi, &err), -1);
		assert_string_equal(err.msg, cases[i].msg);
		gs_error_release(&err);
		gs_sbom_goinfo_release(&gi);
	}
}

static void test_goinfo_read_file_errors(void **state)
{
	(void)state;
	gs_sbom_goinfo_t gi;
	gs_error_t err = GS_ERROR_INIT;
	/* This test program: ELF with sections, but not a Go binary. */
	assert_int_equal(gs_sbom_goinfo_read_file("/proc/self/exe", &gi, &err), -1);
	assert_string_equal(err.msg, "no Go build info");
	gs_error_release(&err);
	assert_int_equal(gs_sbom_goinfo_read_file("tests/unit/sbom-validate.py", &gi, &err), -1);
	assert_string_equal(err.msg, "not an ELF file");
	gs_error_release(&err);
	assert_int_equal(gs_sbom_goinfo_read_file("/nonexistent/x", &gi, &err), -1);
	assert_string_equal(err.msg, "cannot open: No such file or directory");
	gs_error_release(&err);
	assert_int_equal(gs_sbom_goinfo_read_file("/", &gi, &err), -1);
	assert_string_equal(err.msg, "not a regular file");
	gs_error_release(&err);
}

static void test_h1(void **state)
{
	(void)state;
	char hex[65];
	assert_int_equal(gs_sbom_h1_to_hex(H1_A, hex), 0);
	assert_string_equal(hex, HEX_A);
	assert_int_equal(gs_sbom_h1_to_hex(H1_B, hex), 0);
	assert_string_equal(hex, HEX_B);
	assert_int_equal(gs_sbom_h1_to_hex("", hex), -1);
	assert_int_equal(gs_sbom_h1_to_hex(NULL, hex), -1);
	assert_int_equal(gs_sbom_h1_to_hex("h2:4XU47U7i15t4YJL9J8/DZg6ep7OTPJZwxUqrkYXVI6g=", hex), -1);
	assert_int_equal(gs_sbom_h1_to_hex("h1:4XU47U7i15t4YJL9J8/DZg6ep7OTPJZwxUqrkYXVI6g", hex), -1);
	assert_int_equal(gs_sbom_h1_to_hex("h1:4XU47U7i15t4YJL9J8/DZg6ep7OTPJZwxUqrkYXVI6g==", hex), -1);
	assert_int_equal(gs_sbom_h1_to_hex("h1:4XU47U7i15t4YJL9J8/DZg6ep7OTPJZwxUqrkYXVI6!=", hex), -1);
	/* non-zero padding bits: not the canonical encoding of any 32 bytes */
	assert_int_equal(gs_sbom_h1_to_hex("h1:4XU47U7i15t4YJL9J8/DZg6ep7OTPJZwxUqrkYXVI6h=", hex), -1);
}

/* ---- identifiers ---------------------------------------------------------- */

static void test_purls(void **state)
{
	(void)state;
	struct {
		char *got;
		const char *want;
	} cases[] = {
		{gs_sbom_purl_golang("github.com/x/y", "v1.2.3"), "pkg:golang/github.com/x/y@v1.2.3"},
		{gs_sbom_purl_golang("example.com/app", "(devel)"), "pkg:golang/example.com/app"},
		{gs_sbom_purl_golang("example.com/app", ""), "pkg:golang/example.com/app"},
		{gs_sbom_purl_golang("stdlib", "1.19.8"), "pkg:golang/stdlib@1.19.8"},
		{gs_sbom_purl_golang("github.com/Azure/go-x", "v2.0.0+incompatible"),
		 "pkg:golang/github.com/Azure/go-x@v2.0.0%2Bincompatible"},
		{gs_sbom_purl_oci("app", "v1", DIGEST_A, "amd64"),
		 "pkg:oci/app@sha256%3A0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		 "?arch=amd64&tag=v1"},
		{gs_sbom_purl_oci("localhost:5000/Team/App", NULL, DIGEST_A, "arm64"),
		 "pkg:oci/app@sha256%3A0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		 "?arch=arm64&repository_url=localhost%3A5000/Team/App"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		assert_string_equal(cases[i].got, cases[i].want);
		free(cases[i].got);
	}
}

static void test_uuid(void **state)
{
	(void)state;
	char a[37], b[37], c[37];
	gs_sbom_uuid("SPDX-2.3", DIGEST_A, a);
	gs_sbom_uuid("SPDX-2.3", DIGEST_A, b);
	gs_sbom_uuid("CycloneDX-1.5", DIGEST_A, c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strlen(a), 36);
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(a[i], '-');
		else
			assert_non_null(strchr("0123456789abcdef", a[i]));
	}
	assert_int_equal(a[14], '8');             /* version 8 */
	assert_non_null(strchr("89ab", a[19]));  /* variant 10 */
}

/* ---- the C side ------------------------------------------------------------ */

static void test_musl_header(void **state)
{
	(void)state;
	char *v = gs_sbom_musl_version_from_header("#define VERSION \"1.2.4\"\n");
	assert_string_equal(v, "1.2.4");
	free(v);
	v = gs_sbom_musl_version_from_header("/* x */\n  #  define\tVERSION\t\"1.2.4-git-7-gabc\"");
	assert_string_equal(v, "1.2.4-git-7-gabc");
	free(v);
	assert_null(gs_sbom_musl_version_from_header("#define VERSIONX \"1.2.4\"\n"));
	assert_null(gs_sbom_musl_version_from_header("#define VERSION \"\"\n"));
	assert_null(gs_sbom_musl_version_from_header("#define VERSION \"1.2 4\"\n"));
	assert_null(gs_sbom_musl_version_from_header("#define VERSION \"1.2.4\n\"\n"));
	assert_null(gs_sbom_musl_version_from_header("// #define VERSION \"1.2.4\"\n"));
	assert_null(gs_sbom_musl_version_from_header(""));
}

static void test_zig_env_parse(void **state)
{
	(void)state;
	gs_error_t err = GS_ERROR_INIT;
	char *v, *l;
	assert_int_equal(gs_zig_env_parse("{\"zig_exe\":\"/z/zig\",\"lib_dir\":\"z/lib\","
					       "\"version\":\"0.11.0\"}",
					       "/", &v, &l, &err),
			 0);
	assert_string_equal(v, "0.11.0");
	assert_string_equal(l, "/z/lib");
	free(v);
	free(l);
	assert_int_equal(gs_zig_env_parse("{\"version\":\"0.11.0\",\"lib_dir\":\"lib\"}", "/x",
					       &v, &l, &err),
			 0);
	assert_string_equal(l, "/x/lib");
	free(v);
	free(l);
	assert_int_equal(gs_zig_env_parse("{\"lib_dir\":\"/abs/lib\",\"version\":\"0.12.0-dev.1+ab\"}",
					       "/x", &v, &l, &err),
			 0);
	assert_string_equal(l, "/abs/lib");
	assert_string_equal(v, "0.12.0-dev.1+ab");
	free(v);
	free(l);
	assert_int_equal(gs_zig_env_parse("{\"lib_dir\":\"/l\"}", "/", &v, &l, &err), -1);
	assert_string_equal(err.msg, "'zig env' gives no usable \"version\"");
	gs_error_release(&err);
	assert_int_equal(gs_zig_env_parse("{\"version\":\"0.11.0\"}", "/", &v, &l, &err), -1);
	assert_string_equal(err.msg, "'zig env' gives no \"lib_dir\"");
	gs_error_release(&err);
	assert_int_equal(gs_zig_env_parse("error: AppDataDirUnavailable", "/", &v, &l, &err), -1);
	assert_non_null(strstr(err.msg, "cannot parse 'zig env' output"));
	gs_error_release(&err);
}

static void test_link_dirs_parse(void **state)
{
	(void)state;
	/* gcc 12's -### output through Debian's musl-gcc (shortened). */
	static const char out[] =
		"Using built-in specs.\n"
		"Reading specs from /usr/lib/x86_64-linux-musl/musl-gcc.specs\n"
		" /usr/lib/gcc/x86_64-linux-gnu/12/cc1 -quiet -nostdinc \"-L/not/the/link\" /dev/null\n"
		"COLLECT_GCC_OPTIONS='-static'\n"
		" /usr/lib/gcc/x86_64-linux-gnu/12/collect2 -plugin x.so "
		"\"-plugin-opt=-pass-through=-lc\" -nostdlib -static -o /dev/null "
		"/usr/lib/x86_64-linux-musl/Scrt1.o -L/usr/lib/x86_64-linux-musl -L "
		"/usr/lib/gcc/x86_64-linux-gnu/12/. \"-L/with space/and \\\"quote\\\"\" x.o -lc\n"
		"COLLECT_GCC_OPTIONS='-static' '-o' '/dev/null'\n";
	cleanup_strvec gs_strvec_t dirs = GS_STRVEC_INIT;
	gs_sbom_link_dirs_parse(out, &dirs);
	assert_int_equal(dirs.n, 3);
	assert_string_equal(dirs.v[0], "/usr/lib/x86_64-linux-musl");
	assert_string_equal(dirs.v[1], "/usr/lib/gcc/x86_64-linux-gnu/12/.");
	assert_string_equal(dirs.v[2], "/with space/and \"quote\"");
	cleanup_strvec gs_strvec_t none = GS_STRVEC_INIT;
	gs_sbom_link_dirs_parse("no commands here\n", &none);
	assert_int_equal(none.n, 0);
}

static void test_cgo_packages(void **state)
{
	(void)state;
	cleanup_strvec gs_strvec_t pk = GS_STRVEC_INIT;
	gs_strvec_split(&pk, "runtime/cgo,,net,os/user,net,example.com/app,", ',');
	gs_sbom_cgo_packages_sort(&pk);
	cleanup_free char *j = gs_strvec_join(&pk, ",");
	assert_string_equal(j, "example.com/app,net,os/user,runtime/cgo");
	assert_null(pk.v[pk.n]);
	cleanup_strvec gs_strvec_t none = GS_STRVEC_INIT;
	gs_sbom_cgo_packages_sort(&none);
	assert_int_equal(none.n, 0);
}

static void test_archive_errors(void **state)
{
	(void)state;
	gs_error_t err = GS_ERROR_INIT;
	char *v;
	assert_int_equal(gs_sbom_musl_version_archive("tests/unit/sbom-validate.py", &v, &err), -1);
	assert_string_equal(err.msg, "'tests/unit/sbom-validate.py' is not an archive");
	gs_error_release(&err);
	assert_int_equal(gs_sbom_musl_version_zig_lib("/nonexistent", &v, &err), -1);
	assert_non_null(strstr(err.msg, "reading zig's bundled musl version"));
	gs_error_release(&err);
}

/* The zig gsimage would use: the bootstrap's, else the one on PATH. */
static const char *zig_path(void)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s/zig/zig", GS_TOOLCHAIN_DIR);
	if (access(path, X_OK) == 0)
		return path;
	char *z = gs_proc_which("zig", NULL);
	if (!z)
		return NULL;
	snprintf(path, sizeof path, "%s", z);
	free(z);
	return path;
}

/* The first line of a command's output (stderr included), or "". */
static void first_line_of(const char *cmd, const char *prefix, char *out, size_t size)
{
	out[0] = '\0';
	FILE *p = popen(cmd, "r");
	if (!p)
		return;
	char line[4096];
	while (fgets(line, sizeof line, p))
		if (!out[0] && strncmp(line, prefix, strlen(prefix)) == 0) {
			line[strcspn(line, "\r\n")] = '\0';
			snprintf(out, size, "%s", line + strlen(prefix));
		}
	pclose(p);
}

/* The oracle for zig's musl, found without gsimage's code, as t_sbom.sh
 * does: "zig env" names the lib directory (JSON, or ZON in newer zigs:
 * the first quoted string after "lib_dir"), whose musl version.h has the
 * VERSION zig compiles its libc from.  "" when it cannot be read. */
static void zig_musl_oracle(const char *zig, char *lib, size_t lib_size, char *ver, size_t ver_size)
{
	lib[0] = ver[0] = '\0';
	char *cmd = x_asprintf("ZIG_GLOBAL_CACHE_DIR=/tmp/gs-sbom-test-zig-cache '%s' env 2>/dev/null", zig);
	FILE *p = popen(cmd, "r");
	free(cmd);
	if (!p)
		return;
	char text[16384];
	size_t n = fread(text, 1, sizeof text - 1, p);
	text[n] = '\0';
	pclose(p);
	const char *k = strstr(text, "lib_dir");
	const char *q1 = k ? strchr(k + 8, '"') : NULL; /* past "lib_dir"'s own quote */
	const char *q2 = q1 ? strchr(q1 + 1, '"') : NULL;
	if (!q2 || (size_t)(q2 - q1) >= lib_size)
		return;
	if (q1[1] == '/') {
		snprintf(lib, lib_size, "%.*s", (int)(q2 - q1 - 1), q1 + 1);
	} else { /* relative: zig makes it relative to its working directory, ours */
		char *cwd = getcwd(NULL, 0);
		if (!cwd)
			return;
		char *joined = x_asprintf("%s/%.*s", cwd, (int)(q2 - q1 - 1), q1 + 1);
		free(cwd);
		if (strlen(joined) < lib_size)
			strcpy(lib, joined);
		free(joined);
		if (!*lib)
			return;
	}
	char *vh = x_asprintf("%s/libc/musl/src/internal/version.h", lib);
	FILE *f = fopen(vh, "r");
	free(vh);
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "#define VERSION \"%63[^\"]\"", ver) == 1 && ver_size > 63)
			break;
	fclose(f);
}

/* An environment for zig: its cache under /tmp (zig env creates nothing). */
static char **zig_env(gs_strvec_t *env)
{
	extern char **environ;
	for (char **e = environ; *e; e++)
		gs_strvec_push(env, *e);
	gs_strvec_setenv(env, "ZIG_GLOBAL_CACHE_DIR", "/tmp/gs-sbom-test-zig-cache");
	return env->v;
}

static void test_detect_musl_zig(void **state)
{
	(void)state;
	const char *zig = zig_path();
	if (!zig)
		SKIP("zig not installed in %s/zig; run 'make bootstrap'\n", GS_TOOLCHAIN_DIR);
	cleanup_strvec gs_strvec_t env = GS_STRVEC_INIT;
	char **envp = zig_env(&env);
	gs_error_t err = GS_ERROR_INIT;
	cleanup_free char *musl = NULL;
	cleanup_free char *zv = NULL;
	cleanup_free char *zv2 = NULL;
	cleanup_free char *lib = NULL;
	if (gs_sbom_detect_musl(GS_CC_ZIG, zig, envp, &musl, &err) < 0 ||
	    gs_sbom_cc_version(GS_CC_ZIG, zig, envp, &zv, &err) < 0 ||
	    gs_zig_env(zig, envp, &zv2, &lib, &err) < 0)
		fail_msg("%s", err.msg);
	print_message("[ INFO     ] zig %s (lib %s) bundles musl %s\n", zv, lib, musl);
	assert_string_equal(zv, zv2);
	assert_int_equal(lib[0], '/');
	/* Whatever zig this is: the musl version read independently from the
	 * lib directory "zig env" names (relative to the working directory
	 * when it is relative); and for zig 0.11.0, the one the bootstrap pins,
	 * the version it is known to bundle. */
	char olib[4096], want[64];
	zig_musl_oracle(zig, olib, sizeof olib, want, sizeof want);
	if (!*want)
		fail_msg("cannot read the musl version of zig %s from the version.h under 'zig env' "
			 "lib_dir '%s'", zv, olib);
	print_message("[ INFO     ] oracle: %s/libc/musl/src/internal/version.h says %s\n", olib, want);
	assert_string_equal(musl, want);
	if (strcmp(zv, "0.11.0") == 0)
		assert_string_equal(musl, "1.2.4");
	/* And the version.h it read is the one whose VERSION zig compiles. */
	cleanup_free char *vc = x_asprintf("%s/libc/musl/src/internal/version.c", lib);
	assert_int_equal(access(vc, R_OK), 0);
}

static void test_detect_musl_gcc(void **state)
{
	(void)state;
	cleanup_free char *mg = gs_proc_which("musl-gcc", NULL);
	if (!mg)
		SKIP("musl-gcc not installed (Debian: musl-tools)\n");
	gs_error_t err = GS_ERROR_INIT;
	cleanup_free char *musl = NULL;
	cleanup_free char *libc_a = NULL;
	cleanup_free char *gccv = NULL;
	if (gs_sbom_gcc_libc_archive(mg, NULL, &libc_a, &err) < 0 ||
	    gs_sbom_detect_musl(GS_CC_MUSL_GCC, mg, NULL, &musl, &err) < 0 ||
	    gs_sbom_cc_version(GS_CC_MUSL_GCC, mg, NULL, &gccv, &err) < 0)
		fail_msg("%s", err.msg);
	print_message("[ INFO     ] musl-gcc (gcc %s) links %s: musl %s\n", gccv, libc_a, musl);
	/* The oracle: musl's libc.so next to that libc.a is its dynamic
	 * loader, which run on its own prints "Version 1.2.3"; else the
	 * package manager, for a musl-dev under /usr/lib. */
	char want[128] = "", how[256] = "";
	char *dir = xstrdup(libc_a);
	*strrchr(dir, '/') = '\0';
	char *cmd = x_asprintf("'%s/libc.so' 2>&1", dir);
	first_line_of(cmd, "Version ", want, sizeof want);
	snprintf(how, sizeof how, "%s/libc.so", dir);
	free(cmd);
	free(dir);
	if (!*want && strncmp(libc_a, "/usr/lib/", 9) == 0) {
		first_line_of("dpkg-query -W -f '${Version}\n' musl-dev 2>/dev/null", "", want, sizeof want);
		want[strcspn(want, "-")] = '\0'; /* Debian's "1.2.3-1" is upstream 1.2.3 */
		snprintf(how, sizeof how, "dpkg-query musl-dev");
	}
	if (!*want) {
		cleanup_free char *reason = x_asprintf(
			"musl-gcc's musl version %s not cross-checked: no runnable libc.so next to %s "
			"and no dpkg-query answer for musl-dev\n", musl, libc_a);
		print_message("[  SKIP    ] %s", reason);
		free(musl), musl = NULL;
		free(libc_a), libc_a = NULL;
		free(gccv), gccv = NULL;
		skip();
	}
	print_message("[ INFO     ] oracle: %s says %s\n", how, want);
	assert_string_equal(musl, want);
}

/* ---- the documents ---------------------------------------------------------- */

static gs_sbom_input_t synthetic_input(const gs_sbom_goinfo_t *gi)
{
	static const char *const cgo_pkgs[] = {"example.com/app/internal/cdep", "net", "os/user",
					       "runtime/cgo", "github.com/x/y/sub", "github.com/x/z/cz"};
	gs_sbom_input_t in = {
		.name = "app",
		.platform = gs_platform_find("linux/arm64"),
		.manifest_digest = DIGEST_A,
		.created = 1700000000,
		.tool_version = "0.1.0",
		.go = gi,
		.cgo = 1,
		.cc_kind = GS_CC_ZIG,
		.cc_version = "0.11.0",
		.cc_target = "aarch64-linux-musl",
		.musl_version = "1.2.4",
		.cgo_packages = cgo_pkgs,
		.n_cgo_packages = sizeof cgo_pkgs / sizeof *cgo_pkgs,
		.optimize = "ReleaseSafe",
		.cgo_cflags = "-O2 -g",
	};
	return in;
}

static void make_docs(const gs_sbom_input_t *in, char **spdx, char **cdx)
{
	gs_error_t err = GS_ERROR_INIT;
	if (gs_sbom_spdx(in, spdx, &err) < 0 || gs_sbom_cyclonedx(in, cdx, &err) < 0)
		fail_msg("%s", err.msg);
}

/* 1 when the documents could not be validated (see validate()). */
static int docs_synthetic(void)
{
	gs_sbom_goinfo_t gi;
	parse_ok("go1.21.5", SYNTHETIC, &gi);
	gs_sbom_input_t in = synthetic_input(&gi);
	cleanup_free char *spdx = NULL;
	cleanup_free char *cdx = NULL;
	make_docs(&in, &spdx, &cdx);

	/* Compact, deterministic. */
	assert_null(strchr(spdx, '\n'));
	assert_null(strstr(spdx, "\": "));
	cleanup_free char *spdx2 = NULL;
	cleanup_free char *cdx2 = NULL;
	make_docs(&in, &spdx2, &cdx2);
	assert_string_equal(spdx, spdx2);
	assert_string_equal(cdx, cdx2);
	static const char head[] = "{\"spdxVersion\":\"SPDX-2.3\",\"dataLicense\":\"CC0-1.0\","
				   "\"SPDXID\":\"SPDXRef-DOCUMENT\",\"name\":";
	assert_memory_equal(spdx, head, sizeof head - 1);
	assert_memory_equal(cdx, "{\"$schema\":", 11);

	cleanup_json json_t *s = load_json(spdx);
	assert_string_equal(json_string_value(json_object_get(json_object_get(s, "creationInfo"),
							      "created")),
			    "2023-11-14T22:13:20Z");
	const char *ns = json_string_value(json_object_get(s, "documentNamespace"));
	assert_memory_equal(ns, "https://spdx.org/spdxdocs/gsimage-app-", 37);
	/* named by the program, the platform and the image: no repository, no tag */
	assert_string_equal(json_string_value(json_object_get(s, "name")),
			    "app linux/arm64/v8 " DIGEST_A);
	assert_null(strstr(spdx, "tag="));
	assert_null(strstr(spdx, "image:tag"));
	assert_null(strstr(cdx, "tag="));
	assert_null(strstr(cdx, "image:tag"));
	json_t *pk = json_object_get(s, "packages");
	json_t *img = find_by(pk, "SPDXID", "SPDXRef-Image");
	assert_string_equal(spdx_sha256(img), DIGEST_A + 7);
	assert_string_equal(spdx_purl(img), "pkg:oci/app@sha256%3A0123456789abcdef0123456789abcdef"
					    "0123456789abcdef0123456789abcdef?arch=arm64");
	json_t *y = find_by(pk, "name", "github.com/x/y");
	assert_string_equal(spdx_sha256(y), HEX_A);
	assert_string_equal(spdx_purl(y), "pkg:golang/github.com/x/y@v1.2.3");
	assert_string_equal(json_string_value(json_object_get(y, "licenseDeclared")), "NOASSERTION");
	json_t *fork = find_by(pk, "name", "github.com/fork/sys");
	assert_string_equal(spdx_sha256(fork), HEX_B);
	assert_string_equal(spdx_purl(fork), "pkg:golang/github.com/fork/sys@v0.1.0");
	assert_string_equal(json_string_value(json_object_get(fork, "comment")),
			    "replaces golang.org/x/sys@v0.0.0-20220412211240-33da011f77ad+incompatible");
	/* A directory replacement: the module path, no version the code
	 * does not have, no path of the build machine. */
	json_t *local = find_by(pk, "name", "example.com/local");
	assert_null(json_object_get(local, "versionInfo"));
	assert_string_equal(spdx_purl(local), "pkg:golang/example.com/local");
	assert_null(json_object_get(local, "checksums"));
	assert_string_equal(json_string_value(json_object_get(local, "comment")),
			    "replaced by a local directory (in place of example.com/local@v1.0.0)");
	json_t *z = find_by(pk, "name", "github.com/x/z");
	assert_non_null(z);
	assert_null(json_object_get(z, "versionInfo"));
	assert_string_equal(spdx_purl(z), "pkg:golang/github.com/x/z");
	assert_string_equal(json_string_value(json_object_get(z, "comment")),
			    "replaced by a local directory");
	assert_null(strstr(spdx, "/tmp/build-1234"));
	assert_null(strstr(cdx, "/tmp/build-1234"));
	assert_null(strstr(spdx, "00010101000000"));
	assert_null(strstr(cdx, "00010101000000"));
	/* A cgo package has its module's purl, with the package as subpath. */
	json_t *zc = find_by(pk, "name", "github.com/x/z/cz");
	assert_string_equal(spdx_purl(zc), "pkg:golang/github.com/x/z#cz");
	assert_string_equal(spdx_purl(find_by(pk, "name", "github.com/x/y/sub")),
			    "pkg:golang/github.com/x/y@v1.2.3#sub");
	assert_string_equal(spdx_purl(find_by(pk, "name", "os/user")),
			    "pkg:golang/stdlib@1.21.5#os/user");
	json_t *std = find_by(pk, "name", "stdlib");
	assert_string_equal(spdx_purl(std), "pkg:golang/stdlib@1.21.5");
	assert_string_equal(json_string_value(json_object_get(std, "licenseDeclared")), "BSD-3-Clause");
	json_t *musl = find_by(pk, "name", "musl");
	assert_string_equal(json_string_value(json_object_get(musl, "versionInfo")), "1.2.4");
	assert_string_equal(spdx_purl(musl), "pkg:generic/musl@1.2.4");
	json_t *zig = find_by(pk, "name", "zig");
	assert_string_equal(spdx_purl(zig), "pkg:generic/zig@0.11.0");
	assert_string_equal(json_string_value(json_object_get(zig, "comment")),
			    "C compiler for cgo; target aarch64-linux-musl; optimize ReleaseSafe; "
			    "CGO_CFLAGS \"-O2 -g\"");
	json_t *mainp = find_by(pk, "SPDXID", "SPDXRef-Main");
	assert_non_null(strstr(json_string_value(json_object_get(mainp, "comment")),
			       "-ldflags=-s -w -extldflags \"-static\"; odd key=raw value"));

	json_t *rels = json_object_get(s, "relationships");
	assert_true(has_rel(rels, "SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image"));
	assert_true(has_rel(rels, "SPDXRef-Image", "CONTAINS", "SPDXRef-Main"));
	assert_true(has_rel(rels, "SPDXRef-Main", "DEPENDS_ON", "SPDXRef-Module-1"));
	assert_true(has_rel(rels, "SPDXRef-Main", "DEPENDS_ON", "SPDXRef-Go-Stdlib"));
	assert_true(has_rel(rels, "SPDXRef-Main", "DEPENDS_ON", "SPDXRef-Libc-musl"));
	assert_true(has_rel(rels, "SPDXRef-C-Toolchain", "BUILD_TOOL_OF", "SPDXRef-Main"));
	/* cgo packages belong to their module: main, stdlib, or a dependency */
	assert_true(has_rel(rels, "SPDXRef-Main", "CONTAINS", "SPDXRef-Cgo-Package-1"));
	assert_true(has_rel(rels, "SPDXRef-Go-Stdlib", "CONTAINS", "SPDXRef-Cgo-Package-2"));
	assert_true(has_rel(rels, "SPDXRef-Module-1", "CONTAINS", "SPDXRef-Cgo-Package-5"));
	assert_true(has_rel(rels, "SPDXRef-Module-4", "CONTAINS", "SPDXRef-Cgo-Package-6"));
	assert_true(has_rel(rels, "SPDXRef-Cgo-Package-3", "DEPENDS_ON", "SPDXRef-Libc-musl"));

	cleanup_json json_t *c = load_json(cdx);
	const char *serial = json_string_value(json_object_get(c, "serialNumber"));
	assert_memory_equal(serial, "urn:uuid:", 9);
	json_t *meta = json_object_get(c, "metadata");
	assert_string_equal(json_string_value(json_object_get(meta, "timestamp")), "2023-11-14T22:13:20Z");
	json_t *mc = json_object_get(meta, "component");
	assert_string_equal(json_string_value(json_object_get(mc, "type")), "container");
	json_t *comps = json_object_get(c, "components");
	json_t *cfork = find_by(comps, "name", "github.com/fork/sys");
	json_t *anc = json_array_get(json_object_get(json_object_get(cfork, "pedigree"), "ancestors"), 0);
	assert_string_equal(json_string_value(json_object_get(anc, "name")), "golang.org/x/sys");
	json_t *czig = find_by(comps, "name", "zig");
	assert_string_equal(json_string_value(json_object_get(czig, "scope")), "excluded");
	json_t *cstd = find_by(comps, "name", "stdlib");
	json_t *subs = json_object_get(cstd, "components");
	assert_int_equal(json_array_size(subs), 3); /* net, os/user, runtime/cgo */
	json_t *deps = json_object_get(c, "dependencies");
	json_t *dimg = find_by(deps, "ref", "image");
	assert_string_equal(json_string_value(json_array_get(json_object_get(dimg, "dependsOn"), 0)),
			    "main");
	json_t *dmusl = find_by(deps, "ref", "musl");
	assert_int_equal(json_array_size(json_object_get(dmusl, "dependsOn")), 0);

	/* Another image, another identity; the same image, another format. */
	in.manifest_digest = DIGEST_B;
	cleanup_free char *spdx3 = NULL;
	cleanup_free char *cdx3 = NULL;
	make_docs(&in, &spdx3, &cdx3);
	cleanup_json json_t *c3 = load_json(cdx3);
	assert_string_not_equal(serial, json_string_value(json_object_get(c3, "serialNumber")));
	assert_null(strstr(ns, serial + 9));

	int unvalidated = validate("synthetic", spdx, cdx);
	gs_sbom_goinfo_release(&gi);
	return unvalidated;
}

static void test_docs_synthetic(void **state)
{
	(void)state;
	if (docs_synthetic())
		skip(); /* everything freed */
}

/* 1 when the documents could not be validated (see validate()). */
static int docs_pure_go_and_unknowns(void)
{
	/* No cgo, no module line, a Go version with a suffix, no tag. */
	gs_sbom_goinfo_t gi;
	parse_ok("go1.22.0 X:boringcrypto", "path\tcommand-line-arguments\n", &gi);
	gs_sbom_input_t in = {
		.name = "app",
		.platform = gs_platform_find("linux/amd64"),
		.manifest_digest = DIGEST_B,
		.created = 0,
		.go = &gi,
	};
	cleanup_free char *spdx = NULL;
	cleanup_free char *cdx = NULL;
	make_docs(&in, &spdx, &cdx);
	assert_null(strstr(spdx, "musl"));
	assert_null(strstr(cdx, "musl"));
	assert_non_null(strstr(spdx, "\"created\":\"1970-01-01T00:00:00Z\""));
	assert_non_null(strstr(spdx, "pkg:golang/stdlib@1.22.0\""));
	assert_non_null(strstr(spdx, "\"name\":\"app linux/amd64 " DIGEST_B "\""));
	int unvalidated = validate("pure Go", spdx, cdx);

	/* cgo through an unknown compiler: no musl claimed, no version. */
	in.cgo = 1;
	in.cc_kind = GS_CC_PATH;
	in.cc_name = "clang";
	cleanup_free char *spdx2 = NULL;
	cleanup_free char *cdx2 = NULL;
	make_docs(&in, &spdx2, &cdx2);
	assert_null(strstr(spdx2, "musl"));
	assert_non_null(strstr(spdx2, "\"purl\",\"referenceLocator\":\"pkg:generic/clang\""));
	unvalidated |= validate("unknown cc", spdx2, cdx2);
	gs_sbom_goinfo_release(&gi);
	return unvalidated;
}

static void test_docs_pure_go_and_unknowns(void **state)
{
	(void)state;
	if (docs_pure_go_and_unknowns())
		skip();
}

/* A package whose path starts with the main module's path but not at a
 * '/' boundary (module "run", package "runtime/cgo") is not the module's:
 * runtime/cgo stays in the standard library, run/cdep is the module's. */
static void test_docs_module_prefix(void **state)
{
	(void)state;
	static const char *const pkgs[] = {"runtime/cgo", "run/cdep"};
	gs_sbom_goinfo_t gi;
	parse_ok("go1.21.5", "path\trun\nmod\trun\t(devel)\t\nbuild\tCGO_ENABLED=1\n", &gi);
	gs_sbom_input_t in = {
		.name = "run",
		.platform = gs_platform_find("linux/amd64"),
		.manifest_digest = DIGEST_A,
		.go = &gi,
		.cgo = 1,
		.cc_kind = GS_CC_ZIG,
		.cc_version = "0.11.0",
		.musl_version = "1.2.4",
		.cgo_packages = pkgs,
		.n_cgo_packages = 2,
	};
	char *spdx = NULL, *cdx = NULL;
	make_docs(&in, &spdx, &cdx);
	json_t *s = load_json(spdx);
	json_t *pk = json_object_get(s, "packages");
	json_t *rels = json_object_get(s, "relationships");
	int main_has_runtime = has_rel(rels, "SPDXRef-Main", "CONTAINS", "SPDXRef-Cgo-Package-1");
	int std_has_runtime = has_rel(rels, "SPDXRef-Go-Stdlib", "CONTAINS", "SPDXRef-Cgo-Package-1");
	int main_has_cdep = has_rel(rels, "SPDXRef-Main", "CONTAINS", "SPDXRef-Cgo-Package-2");
	json_t *rt = find_by(pk, "name", "runtime/cgo");
	char *purl = xstrdup(rt && spdx_purl(rt) ? spdx_purl(rt) : "(none)");
	json_decref(s);
	free(spdx);
	free(cdx);
	gs_sbom_goinfo_release(&gi);
	if (main_has_runtime || !std_has_runtime)
		fail_msg("runtime/cgo is attributed to the main module 'run', not to the standard library "
			 "(purl %s)", purl);
	assert_string_equal(purl, "pkg:golang/stdlib@1.21.5#runtime/cgo");
	free(purl);
	assert_true(main_has_cdep);
}

static void test_docs_errors(void **state)
{
	(void)state;
	gs_sbom_goinfo_t gi;
	parse_ok("go1.21", "", &gi);
	gs_sbom_input_t ok = synthetic_input(&gi);
	struct {
		gs_sbom_input_t in;
		const char *msg;
	} cases[6];
	for (size_t i = 0; i < 6; i++)
		cases[i].in = ok;
	cases[0].in.manifest_digest = "sha256:abc", cases[0].msg = "invalid manifest digest 'sha256:abc'";
	cases[1].in.manifest_digest = NULL, cases[1].msg = "invalid manifest digest ''";
	cases[2].in.name = "", cases[2].msg = "no image name";
	cases[3].in.platform = NULL, cases[3].msg = "no platform";
	cases[4].in.go = NULL, cases[4].msg = "no Go build info";
	cases[5].in.created = -1, cases[5].msg = "invalid creation time -1";
	for (size_t i = 0; i < 6; i++) {
		gs_error_t err = GS_ERROR_INIT;
		char *out = (char *)"untouched";
		assert_int_equal(gs_sbom_spdx(&cases[i].in, &out, &err), -1);
		assert_null(out);
		assert_string_equal(err.msg, cases[i].msg);
		gs_error_release(&err);
		assert_int_equal(gs_sbom_cyclonedx(&cases[i].in, &out, &err), -1);
		assert_string_equal(err.msg, cases[i].msg);
		gs_error_release(&err);
	}
	gs_sbom_goinfo_release(&gi);
}

/* The realistic case: testdata/cgonet built by gsimage with zig (the
 * sbom.mk fixture), read back, its cgo packages from go list, musl from the
 * real zig. */
/* 1 when the documents could not be validated (see validate()). */
static int docs_cgonet(void)
{
	const char *fixdir = getenv("GSIMAGE_FIXTURES");
	char bin[4096], skipf[4200], reason[512] = "";
	snprintf(bin, sizeof bin, "%s/sbom-cgonet", fixdir ? fixdir : "build/fixtures");
	snprintf(skipf, sizeof skipf, "%s.skip", bin);
	if (access(bin, R_OK) != 0) {
		FILE *f = fopen(skipf, "r");
		if (!f)
			fail_msg("fixture '%s' missing; build it with 'make unit'", bin);
		if (!fgets(reason, sizeof reason, f))
			reason[0] = '\0';
		fclose(f);
		SKIP("fixture 'sbom-cgonet' not built: %s", reason);
	}
	const char *zig = zig_path();
	char *go = gs_proc_which("go", NULL);
	if (!zig || !go) {
		free(go);
		SKIP("zig or go not installed; run 'make bootstrap'\n");
	}

	gs_error_t err = GS_ERROR_INIT;
	gs_sbom_goinfo_t gi;
	if (gs_sbom_goinfo_read_file(bin, &gi, &err) < 0)
		fail_msg("%s: %s", bin, err.msg);
	assert_string_equal(gi.main.path, "example.com/cgonet");
	assert_string_equal(gs_sbom_goinfo_setting(&gi, "CGO_ENABLED"), "1");
	const gs_platform_t *host = gs_platform_host();
	assert_non_null(host);
	assert_string_equal(gs_sbom_goinfo_setting(&gi, "GOARCH"), host->goarch);

	/* go list, with the build's environment. */
	cleanup_strvec gs_strvec_t env = GS_STRVEC_INIT;
	char **envp = zig_env(&env);
	gs_strvec_setenv(&env, "CGO_ENABLED", "1");
	gs_strvec_setenv(&env, "GOFLAGS", "");
	gs_strvec_setenv(&env, "GOPROXY", "off");
	envp = env.v;
	gs_golist_t l = GS_GOLIST_INIT;
	if (gs_golist_run(go, "testdata/cgonet", ".", gs_sbom_goinfo_setting(&gi, "-tags"), ".",
			  envp, &l, &err) < 0)
		fail_msg("go list: %s", err.msg);
	free(go);
	cleanup_strvec gs_strvec_t pkgs = GS_STRVEC_INIT;
	for (size_t i = 0; i < l.cgo_packages.n; i++)
		gs_strvec_push(&pkgs, l.cgo_packages.v[i]);
	gs_golist_release(&l);
	gs_sbom_cgo_packages_sort(&pkgs);
	cleanup_free char *pj = gs_strvec_join(&pkgs, ",");
	assert_string_equal(pj, "example.com/cgonet,net,os/user,runtime/cgo");

	cleanup_free char *musl = NULL;
	cleanup_free char *zv = NULL;
	if (gs_sbom_detect_musl(GS_CC_ZIG, zig, envp, &musl, &err) < 0 ||
	    gs_sbom_cc_version(GS_CC_ZIG, zig, envp, &zv, &err) < 0)
		fail_msg("%s", err.msg);

	gs_sbom_input_t in = {
		.name = "cgonet",
		.platform = host,
		.manifest_digest = DIGEST_A,
		.created = 1700000000,
		.tool_version = "0.1.0",
		.go = &gi,
		.cgo = 1,
		.cc_kind = GS_CC_ZIG,
		.cc_version = zv,
		.cc_target = host->zig_target,
		.musl_version = musl,
		.cgo_packages = (const char *const *)pkgs.v,
		.n_cgo_packages = pkgs.n,
		.optimize = "-O2",
		.cgo_cflags = "-O2 -g", /* go's default when CGO_CFLAGS is unset */
	};
	cleanup_free char *spdx = NULL;
	cleanup_free char *cdx = NULL;
	make_docs(&in, &spdx, &cdx);
	cleanup_free char *want_musl = x_asprintf("\"pkg:generic/musl@%s\"", musl);
	cleanup_free char *want_zig = x_asprintf("\"pkg:generic/zig@%s\"", zv);
	cleanup_free char *want_go = x_asprintf("\"pkg:golang/stdlib@%s\"", gi.go_version + 2);
	for (int k = 0; k < 2; k++) {
		const char *doc = k ? cdx : spdx;
		assert_non_null(strstr(doc, want_musl));
		assert_non_null(strstr(doc, want_zig));
		assert_non_null(strstr(doc, want_go));
		assert_non_null(strstr(doc, "\"pkg:golang/example.com/cgonet\""));
		assert_non_null(strstr(doc, "\"os/user\""));
		assert_non_null(strstr(doc, host->zig_target));
		/* no host paths */
		assert_null(strstr(doc, "/work/"));
		assert_null(strstr(doc, "/tmp/"));
	}
	print_message("[ INFO     ] cgonet: go %s, zig %s, musl %s, cgo packages %s\n",
		      gi.go_version, zv, musl, pj);
	int unvalidated = validate("cgonet", spdx, cdx);
	gs_sbom_goinfo_release(&gi);
	return unvalidated;
}

static void test_docs_cgonet(void **state)
{
	(void)state;
	if (docs_cgonet())
		skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_goinfo_parse),
		cmocka_unit_test(test_goinfo_parse_errors),
		cmocka_unit_test(test_goinfo_read_file_errors),
		cmocka_unit_test(test_h1),
		cmocka_unit_test(test_purls),
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_musl_header),
		cmocka_unit_test(test_zig_env_parse),
		cmocka_unit_test(test_link_dirs_parse),
		cmocka_unit_test(test_cgo_packages),
		cmocka_unit_test(test_archive_errors),
		cmocka_unit_test(test_detect_musl_zig),
		cmocka_unit_test(test_detect_musl_gcc),
		cmocka_unit_test(test_docs_synthetic),
		cmocka_unit_test(test_docs_pure_go_and_unknowns),
		cmocka_unit_test(test_docs_module_prefix),
		cmocka_unit_test(test_docs_errors),
		cmocka_unit_test(test_docs_cgonet),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The C toolchain, musl and the cgo packages, for the SBOM (see cside.h for
 * why each source of a version is the one the link really uses). */
#include "gsimage/sbom/cside.h"

#include <ar.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <jansson.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/json.h"
#include "gsimage/util/proc.h"
#include "gsimage/util/xalloc.h"

#define LIBC_VERSION_SYMBOL "__libc_version"
#define MAX_VERSION_LEN 64

/* A version string fit for an SBOM: "1.2.4", "1.2.4-git-7-gabc", "0.11.0",
 * "12.2.0"; no spaces, quotes or control characters. */
static int plausible_version(const char *s, size_t len)
{
	if (len == 0 || len > MAX_VERSION_LEN || !isdigit((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(".-+_~", s[i]))
			return 0;
	return 1;
}

/* Run argv; its stdout (owned, trailing whitespace kept) or -1. */
static int run_capture(char *const *argv, char *const *envp, const char *cwd, char **out,
		       char **errout, gs_error_t *err)
{
	gs_proc_opts_t po = {.argv = argv, .envp = envp, .cwd = cwd};
	return gs_proc_output(&po, out, errout, err);
}

/* ---- musl ---------------------------------------------------------------- */

char *gs_sbom_musl_version_from_header(const char *text)
{
	/* One line: #define VERSION "1.2.4" (spaces or tabs between). */
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *q = p;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q++ != '#')
			continue;
		while (*q == ' ' || *q == '\t')
			q++;
		if (strncmp(q, "define", 6) != 0)
			continue;
		q += 6;
		if (*q != ' ' && *q != '\t')
			continue;
		while (*q == ' ' || *q == '\t')
			q++;
		if (strncmp(q, "VERSION", 7) != 0)
			continue;
		q += 7;
		if (*q != ' ' && *q != '\t')
			continue;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q++ != '"')
			continue;
		const char *end = strchr(q, '"');
		const char *nl = strchr(q, '\n');
		if (!end || (nl && nl < end) || !plausible_version(q, (size_t)(end - q)))
			continue;
		return xstrndup(q, (size_t)(end - q));
	}
	return NULL;
}

int gs_sbom_musl_version_zig_lib(const char *zig_lib_dir, char **version, gs_error_t *err)
{
	*version = NULL;
	cleanup_free char *path = gs_path_join(zig_lib_dir, "libc/musl/src/internal/version.h");
	cleanup_free char *text = NULL;
	size_t len;
	if (gs_fs_read_file(path, &text, &len, err) < 0)
		return gs_error_wrap(err, "reading zig's bundled musl version");
	if (!(*version = gs_sbom_musl_version_from_header(text)))
		return gs_error_set(err, 0, "no '#define VERSION' in zig's bundled musl "
				    "(libc/musl/src/internal/version.h)");
	return 0;
}

/* __libc_version in one ELF object: 1 found (*version set), 0 not there. */
static int object_libc_version(Elf *e, char **version)
{
	for (Elf_Scn *scn = elf_nextscn(e, NULL); scn; scn = elf_nextscn(e, scn)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || sh.sh_entsize == 0)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t n = d ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym sym;
			const char *name;
			if (!gelf_getsym(d, (int)i, &sym) || sym.st_shndx == SHN_UNDEF ||
			    sym.st_shndx >= SHN_LORESERVE ||
			    !(name = elf_strptr(e, sh.sh_link, sym.st_name)) ||
			    strcmp(name, LIBC_VERSION_SYMBOL) != 0)
				continue;
			Elf_Scn *ds = elf_getscn(e, sym.st_shndx);
			GElf_Shdr dsh;
			Elf_Data *dd = ds ? elf_getdata(ds, NULL) : NULL;
			if (!dd || !gelf_getshdr(ds, &dsh) || dsh.sh_type == SHT_NOBITS || !dd->d_buf ||
			    sym.st_value >= dd->d_size)
				return 0;
			/* A relocatable object: st_value is the offset in its section. */
			const char *s = (const char *)dd->d_buf + sym.st_value;
			size_t max = dd->d_size - sym.st_value;
			size_t len = strnlen(s, max);
			if (len == max || !plausible_version(s, len))
				return 0;
			*version = xstrndup(s, len);
			return 1;
		}
	}
	return 0;
}

int gs_sbom_musl_version_archive(const char *libc_a, char **version, gs_error_t *err)
{
	*version = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return gs_error_set(err, 0, "cannot initialize libelf: %s", elf_errmsg(-1));
	cleanup_close int fd = open(libc_a, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gs_error_set(err, errno, "cannot open '%s'", libc_a);
	Elf *ar = elf_begin(fd, ELF_C_READ, NULL);
	if (!ar)
		return gs_error_set(err, 0, "cannot read '%s': %s", libc_a, elf_errmsg(-1));
	if (elf_kind(ar) != ELF_K_AR) {
		elf_end(ar);
		return gs_error_set(err, 0, "'%s' is not an archive", libc_a);
	}
	int found = 0;
	/* The archive's symbol index names the member directly. */
	size_t nsym = 0;
	Elf_Arsym *syms = elf_getarsym(ar, &nsym);
	for (size_t i = 0; syms && i < nsym && !found; i++) {
		if (!syms[i].as_name || strcmp(syms[i].as_name, LIBC_VERSION_SYMBOL) != 0)
			continue;
		if (elf_rand(ar, syms[i].as_off) != syms[i].as_off)
			break;
		Elf *m = elf_begin(fd, ELF_C_READ, ar);
		if (m && elf_kind(m) == ELF_K_ELF)
			found = object_libc_version(m, version);
		elf_end(m);
	}
	if (!found) {
		/* No index (or a stale one): every member. */
		elf_rand(ar, SARMAG);
		Elf_Cmd cmd = ELF_C_READ;
		Elf *m;
		while (!found && (m = elf_begin(fd, cmd, ar)) != NULL) {
			if (elf_kind(m) == ELF_K_ELF)
				found = object_libc_version(m, version);
			cmd = elf_next(m);
			elf_end(m);
		}
	}
	elf_end(ar);
	if (!found)
		return gs_error_set(err, 0, "no %s in '%s'; is it musl's libc.a?",
				    LIBC_VERSION_SYMBOL, libc_a);
	return 0;
}

int gs_sbom_detect_musl(gs_cc_kind_t kind, const char *cc, char *const *envp, char **version,
			gs_error_t *err)
{
	*version = NULL;
	if (kind == GS_CC_ZIG) {
		cleanup_free char *zig_version = NULL;
		cleanup_free char *lib_dir = NULL;
		if (gs_zig_env(cc, envp, &zig_version, &lib_dir, err) < 0 ||
		    gs_sbom_musl_version_zig_lib(lib_dir, version, err) < 0)
			return -1;
		return 0;
	}
	cleanup_free char *libc_a = NULL;
	if (gs_sbom_gcc_libc_archive(cc, envp, &libc_a, err) < 0)
		return -1;
	return gs_sbom_musl_version_archive(libc_a, version, err);
}

/* ---- the compiler -------------------------------------------------------- */

/* The next token of a `-###` command line: bare, or in double quotes with
 * backslash escapes.  Owned, or NULL at the end of the line. */
static char *next_token(const char **pp)
{
	const char *p = *pp;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '\n') {
		*pp = p;
		return NULL;
	}
	char *tok = xmalloc(strlen(p) + 1), *o = tok;
	if (*p == '"') {
		for (p++; *p && *p != '"' && *p != '\n'; p++) {
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
			*o++ = *p;
		}
		if (*p == '"')
			p++;
	} else {
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			*o++ = *p++;
	}
	*o = '\0';
	*pp = p;
	return tok;
}

void gs_sbom_link_dirs_parse(const char *hash_output, gs_strvec_t *dirs)
{
	/* Commands are the lines that start with a space; the link is last. */
	const char *link = NULL;
	for (const char *p = hash_output; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (*p == ' ')
			link = p;
	if (!link)
		return;
	const char *p = link;
	char *tok;
	int want_dir = 0;
	while ((tok = next_token(&p)) != NULL) {
		if (want_dir) {
			gs_strvec_push(dirs, tok);
			want_dir = 0;
		} else if (strcmp(tok, "-L") == 0) {
			want_dir = 1;
		} else if (strncmp(tok, "-L", 2) == 0) {
			gs_strvec_push(dirs, tok + 2);
		}
		free(tok);
	}
}

int gs_sbom_gcc_libc_archive(const char *cc, char *const *envp, char **libc_a, gs_error_t *err)
{
	*libc_a = NULL;
	/* -### prints the commands without running them. */
	char *argv[] = {(char *)cc, (char *)"-###", (char *)"-static", (char *)"-x", (char *)"c",
			(char *)"/dev/null", (char *)"-o", (char *)"/dev/null", NULL};
	cleanup_free char *out = NULL;
	cleanup_free char *errout = NULL;
	if (run_capture(argv, envp, "/", &out, &errout, err) < 0)
		return -1;
	cleanup_strvec gs_strvec_t dirs = GS_STRVEC_INIT;
	gs_sbom_link_dirs_parse(errout, &dirs);
	for (size_t i = 0; i < dirs.n; i++) {
		cleanup_free char *p = gs_path_join(dirs.v[i], "libc.a");
		if (access(p, R_OK) == 0) {
			*libc_a = p;
			p = NULL;
			return 0;
		}
	}
	return gs_error_set(err, 0, "no libc.a in the link directories of '%s'", cc);
}

int gs_sbom_cc_version(gs_cc_kind_t kind, const char *cc, char *const *envp, char **version,
		       gs_error_t *err)
{
	*version = NULL;
	char *zig_argv[] = {(char *)cc, (char *)"version", NULL};
	char *gcc_argv[] = {(char *)cc, (char *)"-dumpfullversion", (char *)"-dumpversion", NULL};
	cleanup_free char *out = NULL;
	if (run_capture(kind == GS_CC_ZIG ? zig_argv : gcc_argv, envp, "/", &out, NULL, err) < 0)
		return -1;
	size_t n = strlen(out);
	while (n > 0 && isspace((unsigned char)out[n - 1]))
		out[--n] = '\0';
	if (!plausible_version(out, n))
		return gs_error_set(err, 0, "'%s' prints no usable version", cc);
	*version = out;
	out = NULL;
	return 0;
}

/* ---- cgo packages --------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void gs_sbom_cgo_packages_sort(gs_strvec_t *packages)
{
	if (packages->n) /* qsort(NULL, 0) is undefined */
		qsort(packages->v, packages->n, sizeof *packages->v, cmp_str);
	size_t k = 0;
	for (size_t i = 0; i < packages->n; i++) {
		char *l = packages->v[i];
		if (!*l || (k > 0 && strcmp(packages->v[k - 1], l) == 0)) {
			free(l);
			continue;
		}
		packages->v[k++] = l;
	}
	packages->n = k;
	if (packages->v)
		packages->v[k] = NULL;
}

/* Go build info, all of it: the elf/ verifier keeps only the Go version and
 * the main package and module; an SBOM needs every module line and build
 * setting.  The blob framing is elf/buildinfo.c's (gs_go_buildinfo_raw);
 * this file finds the blob in an ELF file and parses its module text with
 * the rules of runtime/debug.ParseBuildInfo. */
#include "gsimage/sbom/goinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsimage/elf/buildinfo.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/xalloc.h"

#define GO_BUILDINFO_MAGIC "\xff Go buildinf:"
#define GO_BUILDINFO_ALIGN 16

/* ---- Go string literals ------------------------------------------------- */

static void put_utf8(char **o, uint32_t c)
{
	unsigned char *p = (unsigned char *)*o;
	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		c = 0xfffd; /* as strconv.Unquote: invalid code points become U+FFFD */
	if (c < 0x80) {
		*p++ = (unsigned char)c;
	} else if (c < 0x800) {
		*p++ = (unsigned char)(0xc0 | (c >> 6));
		*p++ = (unsigned char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*p++ = (unsigned char)(0xe0 | (c >> 12));
		*p++ = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		*p++ = (unsigned char)(0x80 | (c & 0x3f));
	} else {
		*p++ = (unsigned char)(0xf0 | (c >> 18));
		*p++ = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
		*p++ = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		*p++ = (unsigned char)(0x80 | (c & 0x3f));
	}
	*o = (char *)p;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The length of the Go quoted string ("..." or `...`) at the start of s, or
 * 0 when s does not start with a complete one (strconv.QuotedPrefix). */
static size_t quoted_prefix(const char *s, size_t len)
{
	if (len < 2)
		return 0;
	char q = s[0];
	for (size_t i = 1; i < len; i++) {
		if (q == '"' && s[i] == '\\') {
			i++;
			continue;
		}
		if (q == '"' && s[i] == '\n')
			return 0;
		if (s[i] == q)
			return i + 1;
	}
	return 0;
}

/* strconv.Unquote of s[0..len) (quotes included); owned, or NULL. */
static char *go_unquote(const char *s, size_t len)
{
	if (len < 2 || s[len - 1] != s[0] || (s[0] != '"' && s[0] != '`'))
		return NULL;
	if (s[0] == '`') {
		if (memchr(s + 1, '`', len - 2))
			return NULL;
		/* Raw strings drop carriage returns. */
		char *out = xmalloc(len), *o = out;
		for (size_t i = 1; i + 1 < len; i++)
			if (s[i] != '\r')
				*o++ = s[i];
		*o = '\0';
		return out;
	}
	cleanup_free char *out = xmalloc(len * 2 + 4); /* \u escapes grow at most 2x */
	char *o = out;
	for (size_t i = 1; i + 1 < len; i++) {
		char c = s[i];
		if (c == '"' || c == '\n')
			return NULL;
		if (c != '\\') {
			*o++ = c;
			continue;
		}
		if (++i + 1 >= len)
			return NULL;
		int digits = 0, base = 16;
		switch (s[i]) {
		case 'a': *o++ = '\a'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'v': *o++ = '\v'; break;
		case '\\': *o++ = '\\'; break;
		case '"': *o++ = '"'; break;
		case 'x': digits = 2; break;
		case 'u': digits = 4; break;
		case 'U': digits = 8; break;
		case '0': case '1': case '2': case '3':
		case '4': case '5': case '6': case '7':
			digits = 3, base = 8, i--;
			break;
		default:
			return NULL;
		}
		if (!digits)
			continue;
		uint32_t v = 0;
		for (int k = 0; k < digits; k++) {
			if (++i + 1 >= len)
				return NULL;
			int d = hexval(s[i]);
			if (d < 0 || d >= base)
				return NULL;
			v = v * (uint32_t)base + (uint32_t)d;
		}
		if (base == 8 && v > 255)
			return NULL;
		if (digits == 2 || base == 8)
			*o++ = (char)v; /* a byte, not a code point */
		else if (v > 0x10ffff)
			return NULL;
		else
			put_utf8(&o, v);
	}
	*o = '\0';
	char *ret = out;
	out = NULL;
	return ret;
}

/* ---- the module text ---------------------------------------------------- */

static void module_release(gs_sbom_gomod_t *m)
{
	free(m->path);
	free(m->version);
	free(m->sum);
	if (m->replace) {
		module_release(m->replace);
		free(m->replace);
	}
	memset(m, 0, sizeof *m);
}

/* "path\tversion[\tsum]" (readModuleLine). */
static int module_line(const char *s, size_t len, gs_sbom_gomod_t *m, const char *what,
		       size_t lineno, gs_error_t *err)
{
	const char *t1 = memchr(s, '\t', len);
	const char *t2 = t1 ? memchr(t1 + 1, '\t', len - (size_t)(t1 + 1 - s)) : NULL;
	const char *t3 = t2 ? memchr(t2 + 1, '\t', len - (size_t)(t2 + 1 - s)) : NULL;
	if (!t1 || t3) {
		size_t cols = 1;
		for (size_t i = 0; i < len; i++)
			cols += s[i] == '\t';
		return gs_error_set(err, 0, "line %zu: %s line: expected 2 or 3 columns, got %zu",
				    lineno, what, cols);
	}
	m->path = xstrndup(s, (size_t)(t1 - s));
	if (t2) {
		m->version = xstrndup(t1 + 1, (size_t)(t2 - t1 - 1));
		m->sum = xstrndup(t2 + 1, len - (size_t)(t2 + 1 - s));
	} else {
		m->version = xstrndup(t1 + 1, len - (size_t)(t1 + 1 - s));
		m->sum = xstrdup("");
	}
	if (!*m->path)
		return gs_error_set(err, 0, "line %zu: %s line: empty module path", lineno, what);
	return 0;
}

/* "K=V", either of them possibly a Go quoted string. */
static int build_line(const char *s, size_t len, gs_sbom_gosetting_t *st, size_t lineno,
		      gs_error_t *err)
{
	const char *v;
	size_t vlen;
	if (len == 0 || s[0] == '=')
		return gs_error_set(err, 0, "line %zu: build line with missing key", lineno);
	if (s[0] == '"' || s[0] == '`') {
		size_t q = quoted_prefix(s, len);
		if (!q || !(st->key = go_unquote(s, q)))
			return gs_error_set(err, 0, "line %zu: build line with malformed quoted key",
					    lineno);
		if (q == len || s[q] != '=')
			return gs_error_set(err, 0, "line %zu: build line missing '='", lineno);
		v = s + q + 1;
	} else {
		const char *eq = memchr(s, '=', len);
		if (!eq)
			return gs_error_set(err, 0, "line %zu: build line missing '='", lineno);
		st->key = xstrndup(s, (size_t)(eq - s));
		v = eq + 1;
	}
	vlen = len - (size_t)(v - s);
	if (vlen > 0 && (v[0] == '"' || v[0] == '`')) {
		if (!(st->value = go_unquote(v, vlen)))
			return gs_error_set(err, 0, "line %zu: build line with malformed quoted value",
					    lineno);
	} else {
		st->value = xstrndup(v, vlen);
	}
	return 0;
}

static int prefixed(const char *line, size_t len, const char *prefix, const char **rest,
		    size_t *restlen)
{
	size_t n = strlen(prefix);
	if (len < n || memcmp(line, prefix, n) != 0)
		return 0;
	*rest = line + n;
	*restlen = len - n;
	return 1;
}

int gs_sbom_goinfo_parse(const char *go_version, const char *modinfo, gs_sbom_goinfo_t *out,
			 gs_error_t *err)
{
	memset(out, 0, sizeof *out);
	out->go_version = xstrdup(go_version ? go_version : "");
	size_t cap_deps = 0, cap_settings = 0, lineno = 0;
	gs_sbom_gomod_t *last = NULL; /* what a "=>" line replaces */
	const char *p = modinfo ? modinfo : "";

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *rest;
		size_t rlen;
		lineno++;
		if (prefixed(p, len, "path\t", &rest, &rlen)) {
			free(out->path);
			out->path = xstrndup(rest, rlen);
		} else if (prefixed(p, len, "mod\t", &rest, &rlen)) {
			module_release(&out->main);
			if (module_line(rest, rlen, &out->main, "mod", lineno, err) < 0)
				return -1;
			last = &out->main;
		} else if (prefixed(p, len, "dep\t", &rest, &rlen)) {
			if (out->n_deps == cap_deps) {
				cap_deps = cap_deps ? 2 * cap_deps : 16;
				out->deps = xrealloc(out->deps, cap_deps * sizeof *out->deps);
			}
			gs_sbom_gomod_t *m = &out->deps[out->n_deps++];
			memset(m, 0, sizeof *m);
			if (module_line(rest, rlen, m, "dep", lineno, err) < 0)
				return -1;
			last = m;
		} else if (prefixed(p, len, "=>\t", &rest, &rlen)) {
			if (!last)
				return gs_error_set(err, 0, "line %zu: replacement with no module on "
						    "previous line", lineno);
			last->replace = xcalloc(1, sizeof *last->replace);
			if (module_line(rest, rlen, last->replace, "replacement", lineno, err) < 0)
				return -1;
			last = NULL;
		} else if (prefixed(p, len, "build\t", &rest, &rlen)) {
			if (out->n_settings == cap_settings) {
				cap_settings = cap_settings ? 2 * cap_settings : 16;
				out->settings = xrealloc(out->settings,
							 cap_settings * sizeof *out->settings);
			}
			gs_sbom_gosetting_t *st = &out->settings[out->n_settings++];
			memset(st, 0, sizeof *st);
			if (build_line(rest, rlen, st, lineno, err) < 0)
				return -1;
		} else if (prefixed(p, len, "go\t", &rest, &rlen)) {
			/* `go version -m` style text carries the version itself */
			if (!*out->go_version) {
				free(out->go_version);
				out->go_version = xstrndup(rest, rlen);
			}
		}
		/* Other lines are ignored, as debug.ParseBuildInfo does. */
		p = nl ? nl + 1 : p + len;
	}
	return 0;
}

const char *gs_sbom_goinfo_setting(const gs_sbom_goinfo_t *gi, const char *key)
{
	/* The last one wins, as with repeated flags. */
	for (size_t i = gi->n_settings; i-- > 0;)
		if (strcmp(gi->settings[i].key, key) == 0)
			return gi->settings[i].value;
	return NULL;
}

void gs_sbom_goinfo_release(gs_sbom_goinfo_t *gi)
{
	free(gi->go_version);
	free(gi->path);
	module_release(&gi->main);
	for (size_t i = 0; i < gi->n_deps; i++)
		module_release(&gi->deps[i]);
	free(gi->deps);
	for (size_t i = 0; i < gi->n_settings; i++) {
		free(gi->settings[i].key);
		free(gi->settings[i].value);
	}
	free(gi->settings);
	memset(gi, 0, sizeof *gi);
}

/* ---- h1: sums ----------------------------------------------------------- */

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int gs_sbom_h1_to_hex(const char *sum, char hex[65])
{
	/* 32 bytes are 44 base64 characters, the last one '='. */
	if (!sum || strncmp(sum, "h1:", 3) != 0 || strlen(sum) != 3 + 44 || sum[3 + 43] != '=')
		return -1;
	const char *b = sum + 3;
	unsigned char raw[33];
	size_t n = 0;
	for (size_t i = 0; i < 44; i += 4) {
		int v[4];
		for (int k = 0; k < 4; k++)
			v[k] = (i + (size_t)k == 43) ? 0 : b64val(b[i + (size_t)k]);
		if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0)
			return -1;
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
			     (uint32_t)v[3];
		raw[n++] = (unsigned char)(w >> 16);
		raw[n++] = (unsigned char)(w >> 8);
		if (n < 33)
			raw[n++] = (unsigned char)w;
	}
	/* The padding bits of the last character must be zero (canonical). */
	if (b64val(b[42]) & 0x3)
		return -1;
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < 32; i++) {
		hex[2 * i] = digits[raw[i] >> 4];
		hex[2 * i + 1] = digits[raw[i] & 0xf];
	}
	hex[64] = '\0';
	return 0;
}

/* ---- finding the blob in an ELF file ------------------------------------ */

static int find_blob(const unsigned char *buf, size_t len, char **version, char **modinfo,
		     gs_error_t *err)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return gs_error_set(err, 0, "cannot initialize libelf: %s", elf_errmsg(-1));
	Elf *elf = elf_memory((char *)buf, len); /* ELF_C_READ_MMAP: never written */
	if (!elf)
		return gs_error_set(err, 0, "cannot read ELF file: %s", elf_errmsg(-1));
	int found = 0, ret = 0;
	size_t nsec = 0, shstrndx = 0;
	if (elf_kind(elf) != ELF_K_ELF) {
		ret = gs_error_set(err, 0, "not an ELF file");
		goto out;
	}
	if (elf_getshdrnum(elf, &nsec) == 0 && nsec > 0 && elf_getshdrstrndx(elf, &shstrndx) == 0) {
		for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn && !found; scn = elf_nextscn(elf, scn)) {
			GElf_Shdr sh;
			const char *name;
			if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS ||
			    !(name = elf_strptr(elf, shstrndx, sh.sh_name)) ||
			    strcmp(name, ".go.buildinfo") != 0)
				continue;
			if (sh.sh_offset < len)
				found = gs_go_buildinfo_raw(buf + sh.sh_offset, len - sh.sh_offset,
							    version, modinfo);
			break;
		}
	}
	size_t nph = 0;
	if (!found && nsec == 0 && elf_getphdrnum(elf, &nph) == 0) {
		/* No section headers: the writable PT_LOAD segments, 16-byte
		 * aligned in memory, as debug/buildinfo searches them. */
		for (size_t i = 0; i < nph && !found; i++) {
			GElf_Phdr ph;
			if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD ||
			    !(ph.p_flags & PF_W) || ph.p_offset >= len)
				continue;
			uint64_t start = ph.p_offset;
			uint64_t end = ph.p_filesz > len - start ? len : start + ph.p_filesz;
			uint64_t skew = (GO_BUILDINFO_ALIGN - ph.p_vaddr % GO_BUILDINFO_ALIGN) %
					GO_BUILDINFO_ALIGN;
			for (uint64_t o = start + skew; o < end && end - o >= 32 && !found;
			     o += GO_BUILDINFO_ALIGN)
				if (memcmp(buf + o, GO_BUILDINFO_MAGIC, 14) == 0)
					found = gs_go_buildinfo_raw(buf + o, len - o, version, modinfo);
		}
	}
	if (!found)
		ret = gs_error_set(err, 0, "no Go build info");
out:
	elf_end(elf);
	return ret;
}

int gs_sbom_goinfo_read_file(const char *path, gs_sbom_goinfo_t *out, gs_error_t *err)
{
	memset(out, 0, sizeof *out);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gs_error_set(err, errno, "cannot open");
	struct stat st;
	if (fstat(fd, &st) < 0)
		return gs_error_set(err, errno, "cannot stat");
	if (!S_ISREG(st.st_mode))
		return gs_error_set(err, 0, "not a regular file");
	if (st.st_size == 0)
		return gs_error_set(err, 0, "empty file");
	size_t len = (size_t)st.st_size;
	void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return gs_error_set(err, errno, "cannot map");
	cleanup_free char *version = NULL;
	cleanup_free char *modinfo = NULL;
	int ret = find_blob(map, len, &version, &modinfo, err);
	munmap(map, len);
	if (ret < 0)
		return -1;
	if (gs_sbom_goinfo_parse(version, modinfo, out, err) < 0)
		return gs_error_wrap(err, "malformed Go build info");
	return 0;
}

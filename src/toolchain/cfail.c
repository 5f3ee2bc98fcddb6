/* One line for a cgo build that failed on a C library musl does not have;
 * see cfail.h.  Only the first missing header or library is named: the
 * others, if any, follow from it. */
#include "gsimage/toolchain/cfail.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/xalloc.h"

/* A name as it may appear in #include <...> or -l...: no quotes, spaces or
 * control characters, so the message stays one line. */
static size_t name_len(const char *s)
{
	size_t n = 0;
	while (s[n] && (isalnum((unsigned char)s[n]) || strchr("_.+-/", s[n])))
		n++;
	return n;
}

/* The line of text that contains position p. */
static const char *line_start(const char *text, const char *p)
{
	while (p > text && p[-1] != '\n')
		p--;
	return p;
}

/* The package go was building when it printed the text before `at`: the
 * last "# <import path>" line above it, or NULL. */
static char *package_before(const char *text, const char *at)
{
	const char *found = NULL;
	for (const char *l = text; l && l < at; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (l[0] == '#' && l[1] == ' ' && name_len(l + 2) > 0)
			found = l + 2;
	}
	return found ? xstrndup(found, name_len(found)) : NULL;
}

/* The header named on the line of `at`: "fatal error: 'x.h' file not
 * found" (clang, zig cc) or "x.h: No such file or directory" (gcc). */
static char *missing_header(const char *text, const char **at)
{
	const char *p = strstr(text, "' file not found");
	if (p) {
		const char *l = line_start(text, p);
		const char *q = p;
		while (q > l && q[-1] != '\'')
			q--;
		if (q > l && (size_t)(p - q) == name_len(q) && p > q && strstr(l, "fatal error: ")) {
			*at = l;
			return xstrndup(q, (size_t)(p - q));
		}
	}
	p = strstr(text, ": No such file or directory");
	while (p) {
		const char *l = line_start(text, p);
		const char *h = strstr(l, "fatal error: ");
		if (h && h < p) {
			h += strlen("fatal error: ");
			size_t n = (size_t)(p - h);
			if (n > 2 && n == name_len(h) && strncmp(h + n - 2, ".h", 2) == 0) {
				*at = l;
				return xstrndup(h, n);
			}
		}
		p = strstr(p + 1, ": No such file or directory");
	}
	return NULL;
}

/* The library (without "lib" and "-l") a linker could not find. */
static char *missing_library(const char *text, const char **at)
{
	static const char *const pats[] = {
		"unable to find Static system library '",  /* zig 0.11 */
		"unable to find Dynamic system library '", /* zig 0.11, no -static */
		"unable to find library -l",               /* lld */
		"cannot find -l",                          /* GNU ld, gold */
	};
	const char *best = NULL, *name = NULL;
	for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
		const char *p = strstr(text, pats[i]);
		if (p && (!best || p < best)) {
			best = p;
			name = p + strlen(pats[i]);
		}
	}
	if (!best || name_len(name) == 0)
		return NULL;
	*at = line_start(text, best);
	return xstrndup(name, name_len(name));
}

/* The library a header comes from, as a user would name it: "pcap.h" ->
 * "libpcap", "libxml/parser.h" -> "libxml", "openssl/ssl.h" -> "openssl". */
static char *library_of_header(const char *h)
{
	size_t n = strcspn(h, "/");
	if (h[n]) /* a directory of headers: its name */
		return xstrndup(h, n);
	if (n > 2 && strcmp(h + n - 2, ".h") == 0)
		n -= 2;
	if (n > 3 && strncmp(h, "lib", 3) == 0)
		return xstrndup(h, n);
	return x_asprintf("lib%.*s", (int)n, h);
}

char *gs_cfail_missing(const char *text)
{
	if (!text)
		return NULL;
	const char *hat = NULL, *lat = NULL;
	cleanup_free char *header = missing_header(text, &hat);
	cleanup_free char *lib = missing_library(text, &lat);
	if (header && lib && lat < hat) { /* the first failure is the cause */
		free(header);
		header = NULL;
	}
	if (header) {
		cleanup_free char *pkg = package_before(text, hat);
		cleanup_free char *name = library_of_header(header);
		return x_asprintf("%s%s%s needs the C header '%s' of %s, a system library that "
				  "musl and zig cc do not provide; install a static musl build of "
				  "%s and point CGO_CFLAGS (-I) and CGO_LDFLAGS (-L) at it, or use "
				  "--cgo off if the package has a pure-Go fallback",
				  pkg ? "cgo package '" : "a cgo package", pkg ? pkg : "",
				  pkg ? "'" : "", header, name, name);
	}
	if (lib) {
		cleanup_free char *pkg = package_before(text, lat);
		return x_asprintf("linking %s%s%s needs the C library lib%s (-l%s), which musl "
				  "and zig cc do not provide; install a static musl build of "
				  "lib%s (lib%s.a) and point CGO_LDFLAGS (-L) at it, or use --cgo "
				  "off if the package has a pure-Go fallback",
				  pkg ? "'" : "the program", pkg ? pkg : "", pkg ? "'" : "", lib,
				  lib, lib, lib);
	}
	return NULL;
}

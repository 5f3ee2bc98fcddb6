/* Image references in the grammar of distribution/reference:
 *
 *   reference  := name [ ":" tag ]
 *   name       := [ domain "/" ] path
 *   domain     := host [ ":" port ]            host: dns labels or [ipv6]
 *   path       := component ( "/" component )*
 *   component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
 *
 * The first element is the domain only when there is a '/' after it and it
 * contains '.' or ':' or is "localhost".  The name (domain + path) is at
 * most 255 characters.  No domain means docker.io ("index.docker.io" is
 * the same registry), and a one-element path on docker.io gets "library/".
 * Written to be safe on any input (it is fuzzed). */
#include "gsimage/oci/ref.h"

#include <stdlib.h>
#include <string.h>

#include "gsimage/util/xalloc.h"

#define MAX_NAME 255
#define MAX_TAG 128

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static int is_word(char c)
{
	return is_alnum(c) || c == '_';
}

/* One path component, s[0..n). */
static int component_ok(const char *s, size_t n)
{
	size_t i = 0;
	if (n == 0 || !is_lower_alnum(s[0]))
		return 0;
	while (i < n) {
		while (i < n && is_lower_alnum(s[i]))
			i++;
		if (i == n)
			return 1;
		/* separator */
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i++;
			if (i < n && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return 0;
		}
		if (i == n || !is_lower_alnum(s[i]))
			return 0;
	}
	return 1;
}

/* host: dns labels [A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])? joined by '.',
 * or "[" ipv6 "]"; then optional ":" digits. */
static int domain_ok(const char *s, size_t n)
{
	size_t i = 0;
	if (n > 0 && s[0] == '[') {
		size_t j = 1;
		while (j < n && s[j] != ']') {
			char c = s[j];
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			      (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
				return 0;
			j++;
		}
		if (j == n || j == 1)
			return 0;
		i = j + 1;
	} else {
		for (;;) {
			size_t start = i;
			while (i < n && (is_alnum(s[i]) || s[i] == '-'))
				i++;
			if (i == start || s[start] == '-' || s[i - 1] == '-')
				return 0;
			if (i < n && s[i] == '.') {
				i++;
				continue;
			}
			break;
		}
	}
	if (i == n)
		return 1;
	if (s[i] != ':' || i + 1 == n)
		return 0;
	for (i++; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int bad(gs_error_t *err, const char *s, const char *why)
{
	return gs_error_usage(err, "invalid reference '%s': %s", s, why);
}

int gs_ref_parse(const char *s, gs_ref_t *out, gs_error_t *err)
{
	memset(out, 0, sizeof(*out));
	size_t len = strlen(s);
	if (len == 0)
		return bad(err, s, "empty; give NAME[:TAG], such as app:latest");
	if (strchr(s, '@'))
		return gs_error_usage(err,
				      "invalid reference '%s': digests are not accepted, gsimage "
				      "writes tags; give -t NAME:TAG",
				      s);

	/* domain? */
	const char *rest = s;
	size_t dlen = 0;
	const char *slash = strchr(s, '/');
	if (slash) {
		size_t n = (size_t)(slash - s);
		if (memchr(s, '.', n) || memchr(s, ':', n) ||
		    (n == 9 && memcmp(s, "localhost", 9) == 0)) {
			dlen = n;
			rest = slash + 1;
			if (!domain_ok(s, n))
				return gs_error_usage(err, "invalid reference '%s': invalid registry '%.*s'",
						      s, (int)n, s);
		}
	}

	/* tag: after the first ':' of the path part (a path has none) */
	const char *colon = strchr(rest, ':');
	size_t plen = colon ? (size_t)(colon - rest) : strlen(rest);
	const char *tag = colon ? colon + 1 : NULL;
	if (tag) {
		size_t tlen = strlen(tag);
		if (tlen == 0)
			return bad(err, s, "empty tag after ':'");
		if (tlen > MAX_TAG)
			return bad(err, s, "tag longer than 128 characters");
		int ok = is_word(tag[0]);
		for (size_t i = 1; ok && i < tlen; i++)
			ok = is_word(tag[i]) || tag[i] == '.' || tag[i] == '-';
		if (!ok)
			return gs_error_usage(err,
					      "invalid reference '%s': invalid tag '%s' (use letters, "
					      "digits, '_', '.' and '-', not starting with '.' or '-')",
					      s, tag);
	}

	/* path */
	if (plen == 0)
		return bad(err, s, "repository name is empty");
	for (size_t i = 0; i < plen; i++)
		if (rest[i] >= 'A' && rest[i] <= 'Z')
			return bad(err, s, "repository name must be lowercase");
	for (size_t i = 0; i < plen;) {
		const char *e = memchr(rest + i, '/', plen - i);
		size_t n = e ? (size_t)(e - (rest + i)) : plen - i;
		if (n == 0)
			return bad(err, s, "repository name has an empty path component");
		if (!component_ok(rest + i, n))
			return gs_error_usage(err,
					      "invalid reference '%s': invalid repository name "
					      "component '%.*s' (use lowercase letters and digits "
					      "separated by '.', '_', '__' or '-')",
					      s, (int)n, rest + i);
		i += n + 1;
		if (e && i == plen)
			return bad(err, s, "repository name has an empty path component");
	}
	size_t name_len = dlen ? dlen + 1 + plen : plen;
	if (name_len > MAX_NAME)
		return bad(err, s, "repository name longer than 255 characters");

	/* normalise */
	char *registry = dlen ? xstrndup(s, dlen) : xstrdup("docker.io");
	if (strcmp(registry, "index.docker.io") == 0) {
		free(registry);
		registry = xstrdup("docker.io");
	}
	int docker = strcmp(registry, "docker.io") == 0;
	out->given = xstrdup(s);
	out->registry = registry;
	out->path = docker && !memchr(rest, '/', plen) ? x_asprintf("library/%.*s", (int)plen, rest)
						       : xstrndup(rest, plen);
	out->tag = xstrdup(tag ? tag : "latest");
	out->full = x_asprintf("%s/%s:%s", out->registry, out->path, out->tag);
	out->name = tag ? xstrdup(s) : x_asprintf("%s:latest", s);
	return 0;
}

void gs_ref_release(gs_ref_t *ref)
{
	free(ref->given);
	free(ref->registry);
	free(ref->path);
	free(ref->tag);
	free(ref->full);
	free(ref->name);
	memset(ref, 0, sizeof(*ref));
}

/* "localhost", or a name with a '.' (an address or a DNS name): Docker
 * Hub's one-element names (official images) have none. */
static int host_like(const char *s, size_t n)
{
	return (n == 9 && memcmp(s, "localhost", 9) == 0) || memchr(s, '.', n) != NULL;
}

int gs_ref_parse_dest(const char *s, gs_ref_t *out, gs_error_t *err)
{
	memset(out, 0, sizeof(*out));
	if (strchr(s, '@'))
		return gs_error_usage(err, "invalid push destination '%s': a digest names an image "
				      "already in the registry; give REPO[:TAG] (the digest pushed "
				      "is printed)", s);
	if (gs_ref_parse(s, out, err) < 0)
		return -1;
	const char *colon = strchr(s, ':');
	if (!strchr(s, '/') && colon && host_like(s, (size_t)(colon - s)) &&
	    strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
		gs_ref_release(out);
		return gs_error_usage(err, "invalid push destination '%s': a registry with no "
				      "repository; give HOST:PORT/NAME[:TAG], e.g. %s/app", s, s);
	}
	return 0;
}

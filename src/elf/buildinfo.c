/* Go build info (Go >= 1.18 inline format), as debug/buildinfo reads it:
 *
 *   offset  0  14 bytes  magic "\xff Go buildinf:"
 *          14   1 byte   pointer size
 *          15   1 byte   flags: bit 0 big-endian pointers, bit 1 inline strings
 *          32            uvarint length + Go version
 *                        uvarint length + module info
 *
 * The module info is framed by 16-byte sentinels and holds lines such as
 * "path\t<main package>" and "mod\t<module>\t<version>\t<sum>".  Older
 * (pointer) layouts are not understood: parse returns 0 for them. */
#include "gsimage/elf/buildinfo.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gsimage/util/xalloc.h"

#define BI_MAGIC "\xff Go buildinf:"
#define BI_MAGIC_LEN 14
#define BI_HEADER_LEN 32
#define BI_FLAG_INLINE 0x2
#define BI_SENTINEL_LEN 16

/* Read an unsigned LEB128 varint as encoding/binary.Uvarint does.  Returns
 * the number of bytes consumed, or 0 when truncated or overflowing. */
static size_t read_uvarint(const unsigned char *p, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	for (size_t i = 0; i < len && i < 10; i++) {
		unsigned char b = p[i];
		if (i == 9 && b > 1)
			return 0; /* overflows 64 bits */
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*out = v;
			return i + 1;
		}
	}
	return 0;
}

/* A length-prefixed string at *pos; advances *pos.  Returns 0 on success. */
static int read_string(const unsigned char *blob, size_t len, size_t *pos,
		       const unsigned char **s, size_t *slen)
{
	uint64_t n;
	size_t used = read_uvarint(blob + *pos, len - *pos, &n);
	if (used == 0)
		return -1;
	*pos += used;
	if (n > len - *pos)
		return -1;
	*s = blob + *pos;
	*slen = (size_t)n;
	*pos += (size_t)n;
	return 0;
}

/* The field after "<key>\t" on a line, up to the next tab; owned copy. */
static char *field_after(const char *line, size_t linelen, const char *key)
{
	size_t klen = strlen(key);
	if (linelen <= klen + 1 || memcmp(line, key, klen) != 0 || line[klen] != '\t')
		return NULL;
	const char *v = line + klen + 1;
	size_t vlen = linelen - klen - 1;
	const char *tab = memchr(v, '\t', vlen);
	if (tab)
		vlen = (size_t)(tab - v);
	return vlen ? xstrndup(v, vlen) : NULL;
}

static void parse_modinfo(const char *mod, size_t len, gs_go_buildinfo_t *out)
{
	/* Same test as debug/buildinfo: strip the sentinels only when the text
	 * is long enough to have both and ends in a newline before them. */
	if (len < 2 * BI_SENTINEL_LEN + 1 || mod[len - BI_SENTINEL_LEN - 1] != '\n')
		return;
	mod += BI_SENTINEL_LEN;
	len -= 2 * BI_SENTINEL_LEN;

	while (len > 0) {
		const char *nl = memchr(mod, '\n', len);
		size_t linelen = nl ? (size_t)(nl - mod) : len;
		char *v;
		if (!out->path && (v = field_after(mod, linelen, "path")))
			out->path = v;
		else if (!out->module && (v = field_after(mod, linelen, "mod")))
			out->module = v;
		if (!nl)
			break;
		len -= linelen + 1;
		mod = nl + 1;
	}
}

int gs_go_buildinfo_parse(const unsigned char *blob, size_t len, gs_go_buildinfo_t *out)
{
	memset(out, 0, sizeof *out);
	if (!blob || len < BI_HEADER_LEN || memcmp(blob, BI_MAGIC, BI_MAGIC_LEN) != 0)
		return 0;
	unsigned char flags = blob[BI_MAGIC_LEN + 1];
	if (!(flags & BI_FLAG_INLINE))
		return 0; /* pre-1.18 pointer format */

	size_t pos = BI_HEADER_LEN;
	const unsigned char *vers, *mod;
	size_t verslen, modlen;
	if (read_string(blob, len, &pos, &vers, &verslen) < 0 || verslen == 0 ||
	    read_string(blob, len, &pos, &mod, &modlen) < 0)
		return 0;

	out->version = xstrndup((const char *)vers, verslen);
	if (out->version[0] == '\0') {
		gs_go_buildinfo_release(out);
		return 0;
	}
	parse_modinfo((const char *)mod, modlen, out);
	return 1;
}

void gs_go_buildinfo_release(gs_go_buildinfo_t *bi)
{
	free(bi->version);
	free(bi->path);
	free(bi->module);
	memset(bi, 0, sizeof *bi);
}

/* Appended for sbom/: the whole module text, not just the three fields the
 * verifier reports.  Same framing rules as gs_go_buildinfo_parse(). */
int gs_go_buildinfo_raw(const unsigned char *blob, size_t len, char **version, char **modinfo)
{
	*version = NULL;
	*modinfo = NULL;
	if (!blob || len < BI_HEADER_LEN || memcmp(blob, BI_MAGIC, BI_MAGIC_LEN) != 0)
		return 0;
	if (!(blob[BI_MAGIC_LEN + 1] & BI_FLAG_INLINE))
		return 0;
	size_t pos = BI_HEADER_LEN;
	const unsigned char *vers, *mod;
	size_t verslen, modlen;
	if (read_string(blob, len, &pos, &vers, &verslen) < 0 || verslen == 0 ||
	    read_string(blob, len, &pos, &mod, &modlen) < 0 ||
	    memchr(vers, '\0', verslen) != NULL)
		return 0;
	*version = xstrndup((const char *)vers, verslen);
	if (modlen >= 2 * BI_SENTINEL_LEN + 1 && mod[modlen - BI_SENTINEL_LEN - 1] == '\n')
		*modinfo = xstrndup((const char *)mod + BI_SENTINEL_LEN, modlen - 2 * BI_SENTINEL_LEN);
	else
		*modinfo = xstrdup("");
	return 1;
}

#include "gsimage/util/cache.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/xalloc.h"

#define MAGIC "gsimage-cache-v2\n"
#define OLD_MAGIC "gsimage-cache-v" /* any other version: not ours to judge */
#define MAX_ENTRY (16u * 1024 * 1024)

static void hex(const unsigned char *md, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

static void sha256_hex(const void *data, size_t len, char out[2 * SHA256_DIGEST_LENGTH + 1])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(data, len, md);
	hex(md, sizeof md, out);
}

void gs_cache_key_init(gs_cache_key_t *k, const char *kind)
{
	k->kind = xstrdup(kind);
	k->text = xstrdup("");
	k->len = 0;
}

static void add_part(gs_cache_key_t *k, char type, const char *name, const char *v, size_t n)
{
	cleanup_free char *head = x_asprintf("%c %s %zu\n", type, name, n);
	size_t hl = strlen(head);
	k->text = xrealloc(k->text, k->len + hl + n + 2);
	memcpy(k->text + k->len, head, hl);
	memcpy(k->text + k->len + hl, v, n);
	k->len += hl + n;
	k->text[k->len++] = '\n';
	k->text[k->len] = '\0';
}

void gs_cache_key_str(gs_cache_key_t *k, const char *name, const char *s)
{
	s = s ? s : "";
	add_part(k, 's', name, s, strlen(s));
}

void gs_cache_key_num(gs_cache_key_t *k, const char *name, uint64_t n)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)n);
	add_part(k, 'n', name, buf, strlen(buf));
}

void gs_cache_key_digest(gs_cache_key_t *k, const char *name, const char *digest)
{
	add_part(k, 'd', name, digest, strlen(digest));
}

void gs_cache_key_file(gs_cache_key_t *k, const char *name, const char *path)
{
	struct stat st;
	cleanup_free char *id = stat(path, &st) == 0 ? gs_fs_identity(&st) : xstrdup("missing");
	cleanup_free char *v = x_asprintf("%s\n%s", path, id);
	add_part(k, 'f', name, v, strlen(v));
}

void gs_cache_key_release(gs_cache_key_t *k)
{
	free(k->kind);
	free(k->text);
	memset(k, 0, sizeof *k);
}

char *gs_cache_key_name(const gs_cache_key_t *k)
{
	cleanup_free char *all = xmalloc(strlen(k->kind) + 1 + k->len);
	memcpy(all, k->kind, strlen(k->kind) + 1); /* the NUL separates kind and text */
	memcpy(all + strlen(k->kind) + 1, k->text, k->len);
	char h[2 * SHA256_DIGEST_LENGTH + 1];
	sha256_hex(all, strlen(k->kind) + 1 + k->len, h);
	return xstrndup(h, 32);
}

char *gs_cache_entries_dir(const char *cache_dir)
{
	return gs_path_join(cache_dir, "entries");
}

static char *entry_path(const gs_cache_t *c, const gs_cache_key_t *k)
{
	cleanup_free char *name = gs_cache_key_name(k);
	return x_asprintf("%s/entries/%s/%s", c->dir, k->kind, name);
}

/* "<tag> <len>[ <sha256>]\n": the length (and the check) after tag at *p;
 * advances *p past the newline.  -1 when it is not there. */
static int field(const char **p, const char *end, const char *tag, size_t *len, char *sum)
{
	size_t tl = strlen(tag);
	if ((size_t)(end - *p) <= tl + 1 || memcmp(*p, tag, tl) != 0 || (*p)[tl] != ' ')
		return -1;
	char *num_end;
	errno = 0;
	unsigned long long n = strtoull(*p + tl + 1, &num_end, 10);
	if (errno || num_end == *p + tl + 1 || num_end >= end)
		return -1;
	if (sum) {
		if (end - num_end < 66 || *num_end != ' ')
			return -1;
		memcpy(sum, num_end + 1, 64);
		sum[64] = '\0';
		num_end += 65;
	}
	if (*num_end != '\n' || n > (unsigned long long)(end - num_end - 1))
		return -1;
	*len = (size_t)n;
	*p = num_end + 1;
	return 0;
}

/* Why text is not an intact entry for k, or NULL when it is (then
 * value and vlen point into text). */
static const char *check_entry(const char *text, size_t len, const gs_cache_key_t *k,
			       const char **value, size_t *vlen)
{
	const char *p = text + strlen(MAGIC), *end = text + len;
	size_t klen;
	char sum[65], want[65];
	if (field(&p, end, "key", &klen, NULL) < 0 || (size_t)(end - p) < klen + 1 || p[klen] != '\n')
		return "it is damaged";
	if (klen != k->len || memcmp(p, k->text, klen) != 0)
		return "it belongs to another key";
	p += klen + 1;
	if (field(&p, end, "value", vlen, sum) < 0 || (size_t)(end - p) != *vlen + 1 || p[*vlen] != '\n')
		return "it is damaged";
	sha256_hex(p, *vlen, want);
	if (strcmp(sum, want) != 0)
		return "its value does not match its check";
	*value = p;
	return NULL;
}

int gs_cache_get(const gs_cache_t *c, const gs_cache_key_t *k, char **value, size_t *len)
{
	if (!c || !c->dir)
		return 0;
	cleanup_free char *path = entry_path(c, k);
	struct stat st;
	if (lstat(path, &st) < 0)
		return 0; /* never written: a plain miss */
	cleanup_free char *text = NULL;
	size_t n = 0;
	gs_error_t e = GS_ERROR_INIT;
	const char *why = NULL, *v = NULL;
	size_t vlen = 0;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_ENTRY)
		why = "it is not a regular file of a sane size";
	else if (gs_fs_read_file(path, &text, &n, &e) < 0)
		why = e.msg;
	else if (n < strlen(MAGIC) || memcmp(text, MAGIC, strlen(MAGIC)) != 0) {
		if (n >= strlen(OLD_MAGIC) && memcmp(text, OLD_MAGIC, strlen(OLD_MAGIC)) == 0)
			return 0; /* another version's: replaced on the next put */
		why = "it is not a gsimage cache entry";
	} else
		why = check_entry(text, n, k, &v, &vlen);
	if (why) {
		gs_progress(&c->warn, "warning: ignoring cache entry '%s': %s", path, why);
		gs_error_release(&e);
		return 0;
	}
	utimensat(AT_FDCWD, path, NULL, 0); /* used now: gc --cache keeps it */
	*value = xstrndup(v, vlen);
	if (len)
		*len = vlen;
	return 1;
}

void gs_cache_put(const gs_cache_t *c, const gs_cache_key_t *k, const void *value, size_t len,
		  int mode)
{
	if (!c || !c->dir)
		return;
	char sum[65];
	sha256_hex(value, len, sum);
	cleanup_free char *head = x_asprintf(MAGIC "key %zu\n", k->len);
	cleanup_free char *mid = x_asprintf("\nvalue %zu %s\n", len, sum);
	size_t hl = strlen(head), ml = strlen(mid), n = hl + k->len + ml + len + 1;
	cleanup_free char *text = xmalloc(n);
	memcpy(text, head, hl);
	memcpy(text + hl, k->text, k->len);
	memcpy(text + hl + k->len, mid, ml);
	memcpy(text + hl + k->len + ml, value, len);
	text[n - 1] = '\n';
	cleanup_free char *path = entry_path(c, k);
	cleanup_free char *dir = gs_path_dirname(path);
	gs_error_t e = GS_ERROR_INIT;
	if (gs_fs_mkdir_p(dir, 0755, &e) < 0 || gs_fs_write_atomic(path, text, n, (mode_t)mode, &e) < 0)
		gs_progress(&c->warn, "warning: cannot write cache entry '%s': %s", path, e.msg);
	gs_error_release(&e);
}

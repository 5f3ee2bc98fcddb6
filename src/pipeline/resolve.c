#include "gsimage/pipeline/resolve.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/xalloc.h"

static const char *const schemes[] = {"gsimage://", "ko://"};

void gs_yaml_refs_release(gs_yaml_refs_t *refs)
{
	for (size_t i = 0; i < refs->n; i++)
		free(refs->v[i].package);
	free(refs->v);
	memset(refs, 0, sizeof *refs);
}

/* libyaml counts characters, not bytes: walk the UTF-8 text forward from
 * the last position to turn a character index into a byte offset. */
struct cursor {
	const char *text;
	size_t len, chars, bytes;
};

static size_t byte_offset(struct cursor *c, size_t char_index)
{
	while (c->chars < char_index && c->bytes < c->len) {
		c->bytes++;
		while (c->bytes < c->len && ((unsigned char)c->text[c->bytes] & 0xC0) == 0x80)
			c->bytes++;
		c->chars++;
	}
	return c->bytes;
}

static const char *reference_package(const char *value)
{
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (strncmp(value, schemes[i], strlen(schemes[i])) == 0)
			return value + strlen(schemes[i]);
	return NULL;
}

int gs_yaml_refs_scan(const char *text, size_t len, gs_yaml_refs_t *out, gs_error_t *err)
{
	memset(out, 0, sizeof *out);
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser))
		return gs_error_set(err, ENOMEM, "starting the YAML parser");
	/* A UTF-8 byte order mark is not a character libyaml counts. */
	size_t bom = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text + bom, len - bom);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	struct cursor cur = {text + bom, len - bom, 0, 0};
	size_t cap = 0;
	int r = 0;
	for (int done = 0; !done && r == 0;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			r = gs_error_set(err, 0, "line %zu column %zu: %s%s%s",
					 parser.problem_mark.line + 1, parser.problem_mark.column + 1,
					 parser.problem ? parser.problem : "invalid YAML",
					 parser.context ? " " : "", parser.context ? parser.context : "");
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		const char *value = ev.type == YAML_SCALAR_EVENT ? (const char *)ev.data.scalar.value
								 : NULL;
		const char *pkg = value ? reference_package(value) : NULL;
		if (pkg) {
			yaml_scalar_style_t style = ev.data.scalar.style;
			size_t line = ev.start_mark.line + 1;
			if (style == YAML_LITERAL_SCALAR_STYLE || style == YAML_FOLDED_SCALAR_STYLE) {
				r = gs_error_set(err, 0, "line %zu: '%s' is a block scalar ('|' or '>'); "
						 "write it as a plain or quoted string", line, value);
			} else if (!*pkg || strpbrk(pkg, " \t\n")) {
				r = gs_error_set(err, 0, "line %zu: '%s' names no package; write "
						 "gsimage://<package directory or import path>", line,
						 value);
			} else {
				if (out->n == cap) {
					cap = cap ? cap * 2 : 8;
					out->v = xrealloc(out->v, cap * sizeof *out->v);
				}
				gs_yaml_ref_t *ref = &out->v[out->n++];
				ref->start = bom + byte_offset(&cur, ev.start_mark.index);
				ref->end = bom + byte_offset(&cur, ev.end_mark.index);
				ref->quote = style == YAML_SINGLE_QUOTED_SCALAR_STYLE   ? '\''
					     : style == YAML_DOUBLE_QUOTED_SCALAR_STYLE ? '"'
											  : 0;
				ref->line = line;
				ref->package = xstrdup(pkg);
			}
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (r < 0)
		gs_yaml_refs_release(out);
	return r;
}

char *gs_yaml_refs_splice(const char *text, size_t len, const gs_yaml_refs_t *refs,
			  const char *const *with, size_t *out_len)
{
	size_t total = len + 1;
	for (size_t i = 0; i < refs->n; i++)
		total += strlen(with[i]) + 2;
	char *out = xmalloc(total);
	size_t o = 0, at = 0;
	for (size_t i = 0; i < refs->n; i++) {
		const gs_yaml_ref_t *ref = &refs->v[i];
		memcpy(out + o, text + at, ref->start - at);
		o += ref->start - at;
		if (ref->quote)
			out[o++] = ref->quote;
		size_t n = strlen(with[i]);
		memcpy(out + o, with[i], n);
		o += n;
		if (ref->quote)
			out[o++] = ref->quote;
		at = ref->end;
	}
	memcpy(out + o, text + at, len - at);
	o += len - at;
	out[o] = '\0';
	*out_len = o;
	return out;
}

/* ---- reading the input -------------------------------------------------- */

typedef struct yaml_file {
	char *name; /* as the messages show it */
	char *text;
	size_t len;
	gs_yaml_refs_t refs;
} yaml_file_t;

typedef struct file_list {
	yaml_file_t *v;
	size_t n, cap;
} file_list_t;

static void file_list_release(file_list_t *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].text);
		gs_yaml_refs_release(&l->v[i].refs);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

static yaml_file_t *file_list_add(file_list_t *l, const char *name)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	yaml_file_t *f = &l->v[l->n++];
	memset(f, 0, sizeof *f);
	f->name = xstrdup(name);
	return f;
}

static int read_stdin(char **text, size_t *len, gs_error_t *err)
{
	size_t cap = 65536, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (n + 1 == cap)
			buf = xrealloc(buf, cap *= 2);
		ssize_t got = read(STDIN_FILENO, buf + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(buf);
			return gs_error_set(err, errno, "reading standard input");
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

static int is_yaml_name(const char *name)
{
	size_t n = strlen(name);
	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_path(file_list_t *files, const char *path, int recursive, int top,
		    gs_error_t *err);

/* A directory's YAML files in name order, then (with -R) its directories. */
static int add_dir(file_list_t *files, const char *dir, int recursive, gs_error_t *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return gs_error_set(err, errno, "reading directory '%s'", dir);
	cleanup_strvec gs_strvec_t names = GS_STRVEC_INIT;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			gs_strvec_push(&names, de->d_name);
	closedir(d);
	qsort(names.v, names.n, sizeof *names.v, cmp_names);
	for (size_t i = 0; i < names.n; i++) {
		cleanup_free char *path = gs_path_join(dir, names.v[i]);
		if (add_path(files, path, recursive, 0, err) < 0)
			return -1;
	}
	return 0;
}

static int add_path(file_list_t *files, const char *path, int recursive, int top,
		    gs_error_t *err)
{
	if (top && strcmp(path, "-") == 0) {
		yaml_file_t *f = file_list_add(files, "standard input");
		return read_stdin(&f->text, &f->len, err);
	}
	struct stat st;
	if (stat(path, &st) < 0) {
		if (top)
			return gs_error_usage(err, "'-f %s': %s", path, strerror(errno));
		return 0; /* a dangling link inside a directory */
	}
	if (S_ISDIR(st.st_mode))
		return top || recursive ? add_dir(files, path, recursive, err) : 0;
	if (!top && (!S_ISREG(st.st_mode) || !is_yaml_name(path)))
		return 0;
	yaml_file_t *f = file_list_add(files, path);
	return gs_fs_read_file(path, &f->text, &f->len, err);
}

/* ---- building and pushing ----------------------------------------------- */

typedef struct package {
	const char *name;       /* as written after gsimage:// */
	const yaml_file_t *file; /* where it first appears */
	size_t line;
	char *image;            /* REPO/<name>@sha256:... */
} package_t;

static int build_and_push(gs_resolve_request_t *req, package_t *p, gs_error_t *err)
{
	gs_build_request_t *b = &req->build;
	b->compile.package = p->name;
	gs_strvec_release(&b->tags); /* the default tag, <name>:latest */
	b->push_dest = NULL;
	gs_build_result_t res;
	if (gs_build(b, &res, err) < 0)
		return -1;
	/* The repository name is the default tag's: the program's name in
	 * lowercase. */
	const char *tag = res.tags.v[0];
	size_t name_len = strcspn(tag, ":");
	cleanup_free char *dest = x_asprintf("%s/%.*s:%s", req->repo, (int)name_len, tag,
					     req->tag ? req->tag : "latest");
	gs_push_request_t push = b->push;
	push.layout_dir = b->layout_dir;
	push.ref = tag;
	push.digest = res.image.top.s; /* what was built, whatever the tag says now */
	push.dest = dest;
	cleanup_free char *pushed = NULL;
	int r = gs_push(&push, &pushed, err);
	if (r == 0)
		p->image = x_asprintf("%s/%.*s@%s", req->repo, (int)name_len, tag,
				      res.image.top.s);
	gs_build_result_release(&res);
	return r;
}

int gs_resolve(gs_resolve_request_t *req, char **out, size_t *out_len, gs_error_t *err)
{
	file_list_t files = {0};
	package_t *pkgs = NULL;
	size_t n_pkgs = 0;
	int r = -1;
	char *text = NULL;
	size_t len = 0;

	for (size_t i = 0; i < req->files.n; i++)
		if (add_path(&files, req->files.v[i], req->recursive, 1, err) < 0)
			goto out;
	if (files.n == 0) {
		gs_error_usage(err, "no YAML files found in %s", req->files.v[0]);
		goto out;
	}
	/* Every file parses before anything is built. */
	size_t total_refs = 0;
	for (size_t i = 0; i < files.n; i++) {
		yaml_file_t *f = &files.v[i];
		if (gs_yaml_refs_scan(f->text, f->len, &f->refs, err) < 0) {
			char *msg = x_asprintf("'%s' %s", f->name, err->msg); /* "'f' line 3 ..." */
			free(err->msg);
			err->msg = msg;
			goto out;
		}
		total_refs += f->refs.n;
	}
	pkgs = xcalloc(total_refs ? total_refs : 1, sizeof *pkgs);
	for (size_t i = 0; i < files.n; i++)
		for (size_t j = 0; j < files.v[i].refs.n; j++) {
			const gs_yaml_ref_t *ref = &files.v[i].refs.v[j];
			size_t k = 0;
			while (k < n_pkgs && strcmp(pkgs[k].name, ref->package) != 0)
				k++;
			if (k == n_pkgs)
				pkgs[n_pkgs++] = (package_t){ref->package, &files.v[i], ref->line, NULL};
		}
	for (size_t k = 0; k < n_pkgs; k++)
		if (build_and_push(req, &pkgs[k], err) < 0) {
			gs_error_wrap(err, "'%s' line %zu: gsimage://%s", pkgs[k].file->name,
				      pkgs[k].line, pkgs[k].name);
			goto out;
		}

	/* Splice every file, and join them as a multi-document stream. */
	for (size_t i = 0; i < files.n; i++) {
		const yaml_file_t *f = &files.v[i];
		const char **with = xcalloc(f->refs.n ? f->refs.n : 1, sizeof *with);
		for (size_t j = 0; j < f->refs.n; j++)
			for (size_t k = 0; k < n_pkgs; k++)
				if (strcmp(pkgs[k].name, f->refs.v[j].package) == 0)
					with[j] = pkgs[k].image;
		size_t n;
		cleanup_free char *spliced = gs_yaml_refs_splice(f->text, f->len, &f->refs, with, &n);
		free(with);
		int needs_nl = len && text[len - 1] != '\n';
		int needs_sep = i > 0 && strncmp(spliced, "---", 3) != 0;
		text = xrealloc(text, len + n + 8);
		if (needs_nl)
			text[len++] = '\n';
		if (needs_sep) {
			memcpy(text + len, "---\n", 4);
			len += 4;
		}
		memcpy(text + len, spliced, n);
		len += n;
		text[len] = '\0';
	}
	*out = text ? text : xstrdup("");
	*out_len = len;
	text = NULL;
	r = 0;
out:
	free(text);
	for (size_t k = 0; k < n_pkgs; k++)
		free(pkgs[k].image);
	free(pkgs);
	file_list_release(&files);
	return r;
}

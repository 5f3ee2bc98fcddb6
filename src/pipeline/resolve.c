#include "gsimage/pipeline/resolve.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "gsimage/oci/ref.h"
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

/* The scheme a value starts with, or NULL. */
static const char *reference_scheme(const char *value)
{
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (strncmp(value, schemes[i], strlen(schemes[i])) == 0)
			return schemes[i];
	return NULL;
}

/* A value fit for a one-line message: control characters escaped (a block
 * scalar holds newlines), long values cut.  Owned. */
static char *one_line(const char *s)
{
	size_t n = strlen(s), max = 120;
	char *out = xmalloc((n < max ? n : max) * 4 + 4), *o = out;
	for (size_t i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			o += sprintf(o, "\\n");
		else if (c == '\t')
			o += sprintf(o, "\\t");
		else if (c < 0x20 || c == 0x7f)
			o += sprintf(o, "\\x%02x", c);
		else
			*o++ = (char)c;
	}
	if (n > max)
		o += sprintf(o, "...");
	*o = '\0';
	return out;
}

/* libyaml gives a reader error (bad UTF-8, a control character) as a byte
 * offset only: its mark stays at the start.  Count the line breaks and the
 * characters since the last one, as libyaml counts them elsewhere. */
static void offset_position(const char *text, size_t offset, size_t *line, size_t *column)
{
	*line = 1;
	*column = 1;
	for (size_t i = 0; i < offset; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\n' || (c == '\r' && (i + 1 == offset || text[i + 1] != '\n'))) {
			++*line;
			*column = 1;
		} else if ((c & 0xC0) != 0x80 && c != '\r') {
			++*column;
		}
	}
}

static int parse_error(yaml_parser_t *p, const char *text, size_t len, gs_error_t *err)
{
	const char *problem = p->problem ? p->problem : "invalid YAML";
	if (p->error == YAML_READER_ERROR) {
		size_t at = p->problem_offset < len ? p->problem_offset : len, line, column;
		/* A bad trailing octet is counted from its sequence's start. */
		if (strstr(problem, "trailing"))
			while (at > 0 && p->problem_offset - at < 3 &&
			       ((unsigned char)text[at] & 0xC0) != 0xC0)
				at--;
		offset_position(text, at, &line, &column);
		if (strstr(problem, "UTF-8") && at < len)
			return gs_error_set(err, 0, "line %zu column %zu: invalid UTF-8 at byte "
					    "#x%02X; the YAML must be UTF-8", line, column,
					    (unsigned char)text[at]);
		if (p->problem_value >= 0)
			return gs_error_set(err, 0, "line %zu column %zu: %s (#x%X)", line, column,
					    problem, (unsigned)p->problem_value);
		return gs_error_set(err, 0, "line %zu column %zu: %s", line, column, problem);
	}
	return gs_error_set(err, 0, "line %zu column %zu: %s%s%s", p->problem_mark.line + 1,
			    p->problem_mark.column + 1, problem, p->context ? " " : "",
			    p->context ? p->context : "");
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Where a scalar's own text starts.  libyaml's event starts at the node's
 * properties, an anchor (&a) and a tag (!!str, !custom, !<uri>) in either
 * order, maybe a comment and a line break away from the value: the splice
 * keeps them, or an alias (*a) would lose its anchor. */
static size_t skip_properties(const char *text, size_t at, size_t end)
{
	for (;;) {
		while (at < end && blank(text[at]))
			at++;
		if (at >= end)
			return at;
		if (text[at] == '#') {
			while (at < end && text[at] != '\n')
				at++;
		} else if (text[at] == '&') {
			while (at < end && !blank(text[at]) && !strchr(",[]{}", text[at]))
				at++;
		} else if (text[at] == '!' && at + 1 < end && text[at + 1] == '<') {
			while (at < end && text[at] != '>')
				at++;
			at += at < end;
		} else if (text[at] == '!') {
			while (at < end && !blank(text[at]))
				at++;
		} else {
			return at;
		}
	}
}

static int add_ref(gs_yaml_refs_t *out, size_t *cap, const yaml_event_t *ev, const char *text,
		   struct cursor *cur, size_t bom, const char *scheme, gs_error_t *err)
{
	const char *value = (const char *)ev->data.scalar.value;
	const char *pkg = value + strlen(scheme);
	yaml_scalar_style_t style = ev->data.scalar.style;
	size_t line = ev->start_mark.line + 1;
	if (style == YAML_LITERAL_SCALAR_STYLE || style == YAML_FOLDED_SCALAR_STYLE) {
		cleanup_free char *shown = one_line(value);
		return gs_error_set(err, 0, "line %zu: '%s' is a block scalar ('|' or '>'); "
				    "write it as a plain or quoted string", line, shown);
	}
	if (!*pkg || strpbrk(pkg, " \t\r\n")) {
		cleanup_free char *shown = one_line(value);
		return gs_error_set(err, 0, "line %zu: '%s' names no package; write "
				    "%s<package directory or import path>", line, shown, scheme);
	}
	size_t start = bom + byte_offset(cur, ev->start_mark.index);
	size_t end = bom + byte_offset(cur, ev->end_mark.index);
	start = skip_properties(text, start, end);
	char quote = style == YAML_SINGLE_QUOTED_SCALAR_STYLE   ? '\''
		     : style == YAML_DOUBLE_QUOTED_SCALAR_STYLE ? '"'
							      : 0;
	/* A plain scalar on one line is its text; anything else here would be
	 * a misplaced splice, which must never happen silently. */
	if (quote ? text[start] != quote
		  : end - start != strlen(value) || memcmp(text + start, value, end - start) != 0)
		return gs_error_set(err, 0, "line %zu: cannot find where '%s' starts", line,
				    value);
	if (out->n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		out->v = xrealloc(out->v, *cap * sizeof *out->v);
	}
	out->v[out->n++] = (gs_yaml_ref_t){start, end, quote, line, scheme, xstrdup(pkg)};
	return 0;
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
	size_t cap = 0, depth = 0;
	int r = 0;
	for (int done = 0; !done && r == 0;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			r = parse_error(&parser, text + bom, len - bom, err);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (!out->documents++) {
				out->first_explicit = !ev.data.document_start.implicit;
				out->first_directive = ev.data.document_start.version_directive ||
						       ev.data.document_start.tag_directives.start !=
							       ev.data.document_start.tag_directives.end;
			}
			break;
		case YAML_DOCUMENT_END_EVENT:
			out->last_ended = !ev.data.document_end.implicit;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > GS_YAML_MAX_DEPTH)
				r = gs_error_set(err, 0, "line %zu column %zu: nested deeper than %d "
						 "levels", ev.start_mark.line + 1,
						 ev.start_mark.column + 1, GS_YAML_MAX_DEPTH);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_SCALAR_EVENT: {
			const char *scheme = reference_scheme((const char *)ev.data.scalar.value);
			if (scheme)
				r = add_ref(out, &cap, &ev, text, &cur, bom, scheme, err);
			break;
		}
		default:
			break;
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

static void stream_put(gs_yaml_stream_t *s, const char *p, size_t n)
{
	s->text = xrealloc(s->text, s->len + n + 1);
	memcpy(s->text + s->len, p, n);
	s->len += n;
	s->text[s->len] = '\0';
}

void gs_yaml_stream_append(gs_yaml_stream_t *s, const char *text, size_t len,
			   const gs_yaml_refs_t *refs)
{
	if (s->len && len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3; /* a BOM is allowed only where the stream starts */
		len -= 3;
	}
	if (s->len && s->text[s->len - 1] != '\n')
		stream_put(s, "\n", 1);
	if (refs->documents && s->documents) {
		/* Directives may only follow a document that ended. */
		if (refs->first_directive && !s->ended)
			stream_put(s, "...\n", 4);
		if (!refs->first_explicit)
			stream_put(s, "---\n", 4);
	}
	stream_put(s, text, len);
	if (refs->documents) {
		s->documents = 1;
		s->ended = refs->last_ended;
	}
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
	size_t bytes; /* read so far, against GS_YAML_MAX_BYTES */
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

/* Read fd to its end, or fail once the input as a whole passes
 * GS_YAML_MAX_BYTES: a device like /dev/zero never ends. */
static int read_capped(file_list_t *l, int fd, const char *name, char **text, size_t *len,
		       gs_error_t *err)
{
	size_t room = GS_YAML_MAX_BYTES - l->bytes, cap = 65536, n = 0;
	cleanup_free char *buf = xmalloc(cap);
	for (;;) {
		if (n + 1 == cap)
			buf = xrealloc(buf, cap *= 2);
		ssize_t got = read(fd, buf + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return gs_error_set(err, errno, "reading '%s'", name);
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > room)
			return gs_error_set(err, 0, "reading '%s': more than %zu MiB of YAML in all "
					    "(resolve's limit)", name, GS_YAML_MAX_BYTES >> 20);
	}
	buf[n] = '\0';
	l->bytes += n;
	*text = buf;
	buf = NULL;
	*len = n;
	return 0;
}

static int read_path(file_list_t *l, const char *path, gs_error_t *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gs_error_set(err, errno, "reading '%s'", path);
	yaml_file_t *f = file_list_add(l, path);
	return read_capped(l, fd, path, &f->text, &f->len, err);
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

/* A directory's YAML files and (with -R) its directories, in name order,
 * as kubectl's walk goes. */
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

/* What -f names is followed wherever it points; inside a directory, a
 * symbolic link to a file is read (as kubectl does) and one to a directory
 * is not followed (as find without -L): a link to ".." would otherwise
 * print the same documents again and again. */
static int add_path(file_list_t *files, const char *path, int recursive, int top,
		    gs_error_t *err)
{
	if (top && strcmp(path, "-") == 0) {
		yaml_file_t *f = file_list_add(files, "standard input");
		return read_capped(files, STDIN_FILENO, f->name, &f->text, &f->len, err);
	}
	struct stat st, lst;
	if (stat(path, &st) < 0) {
		if (top)
			return gs_error_usage(err, "'-f %s': %s", path, strerror(errno));
		return 0; /* a dangling link inside a directory */
	}
	if (S_ISDIR(st.st_mode)) {
		if (top)
			return add_dir(files, path, recursive, err);
		if (!recursive || lstat(path, &lst) < 0 || S_ISLNK(lst.st_mode))
			return 0;
		return add_dir(files, path, recursive, err);
	}
	if (!top && (!S_ISREG(st.st_mode) || !is_yaml_name(path)))
		return 0;
	if (S_ISREG(st.st_mode) && (size_t)st.st_size > GS_YAML_MAX_BYTES - files->bytes)
		return gs_error_set(err, 0, "reading '%s': more than %zu MiB of YAML in all "
				    "(resolve's limit)", path, GS_YAML_MAX_BYTES >> 20);
	return read_path(files, path, err);
}

/* ---- building and pushing ----------------------------------------------- */

typedef struct package {
	const char *name;        /* as first written after the scheme */
	const char *scheme;      /* ... and its scheme, for messages */
	char *key;               /* what makes two references one package */
	const yaml_file_t *file; /* where it first appears */
	size_t line;
	char *image;             /* REPO/<name>@sha256:... */
} package_t;

/* A package that is a directory (as the compile step decides: any
 * existing one) is its real path, so that ./x, ./x/, x/../x and /abs/x are
 * built and pushed once.  An import path is itself. */
static char *package_key(const char *name)
{
	struct stat st;
	char *real = stat(name, &st) == 0 && S_ISDIR(st.st_mode) ? realpath(name, NULL) : NULL;
	return real ? real : xstrdup(name);
}

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

/* --repo and -t make every destination: check them with a stand-in name
 * before reading, building or tagging anything. */
static int check_destination(const gs_resolve_request_t *req, gs_error_t *err)
{
	cleanup_free char *dest = x_asprintf("%s/name:%s", req->repo,
					     req->tag ? req->tag : "latest");
	gs_ref_t ref = GS_REF_INIT;
	int r = gs_ref_parse(dest, &ref, err);
	gs_ref_release(&ref);
	if (r < 0)
		return gs_error_wrap(err, "'--repo %s%s%s' makes destinations like '%s'",
				     req->repo, req->tag ? "' '-t " : "",
				     req->tag ? req->tag : "", dest);
	return 0;
}

int gs_resolve(gs_resolve_request_t *req, char **out, size_t *out_len, gs_error_t *err)
{
	file_list_t files = {0};
	package_t *pkgs = NULL;
	size_t n_pkgs = 0;
	int r = -1;
	gs_yaml_stream_t stream = {0};

	if (check_destination(req, err) < 0)
		return -1;
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
			cleanup_free char *name = one_line(f->name);
			char *msg = x_asprintf("'%s' %s", name, err->msg); /* "'f' line 3 ..." */
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
			cleanup_free char *key = package_key(ref->package);
			size_t k = 0;
			while (k < n_pkgs && strcmp(pkgs[k].key, key) != 0)
				k++;
			if (k == n_pkgs) {
				pkgs[n_pkgs++] = (package_t){ref->package, ref->scheme, key,
							     &files.v[i], ref->line, NULL};
				key = NULL;
			}
		}
	for (size_t k = 0; k < n_pkgs; k++)
		if (build_and_push(req, &pkgs[k], err) < 0) {
			cleanup_free char *name = one_line(pkgs[k].file->name);
			gs_error_wrap(err, "'%s' line %zu: %s%s", name, pkgs[k].line,
				      pkgs[k].scheme, pkgs[k].name);
			goto out;
		}

	/* Splice every file, and join them as one multi-document stream. */
	for (size_t i = 0; i < files.n; i++) {
		const yaml_file_t *f = &files.v[i];
		const char **with = xcalloc(f->refs.n ? f->refs.n : 1, sizeof *with);
		for (size_t j = 0; j < f->refs.n; j++) {
			cleanup_free char *key = package_key(f->refs.v[j].package);
			for (size_t k = 0; k < n_pkgs; k++)
				if (strcmp(pkgs[k].key, key) == 0)
					with[j] = pkgs[k].image;
		}
		size_t n;
		cleanup_free char *spliced = gs_yaml_refs_splice(f->text, f->len, &f->refs, with, &n);
		free(with);
		gs_yaml_stream_append(&stream, spliced, n, &f->refs);
	}
	*out = stream.text ? stream.text : xstrdup("");
	*out_len = stream.len;
	stream.text = NULL;
	r = 0;
out:
	free(stream.text);
	for (size_t k = 0; k < n_pkgs; k++) {
		free(pkgs[k].key);
		free(pkgs[k].image);
	}
	free(pkgs);
	file_list_release(&files);
	return r;
}

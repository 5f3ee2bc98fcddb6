#include "gsimage/toolchain/gobuild.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gsimage/util/cache.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/xalloc.h"

int gs_cgo_mode_parse(const char *s, gs_cgo_mode_t *out, gs_error_t *err)
{
	if (strcmp(s, "auto") == 0)
		*out = GS_CGO_AUTO;
	else if (strcmp(s, "on") == 0)
		*out = GS_CGO_ON;
	else if (strcmp(s, "off") == 0)
		*out = GS_CGO_OFF;
	else
		return gs_error_usage(err, "invalid '--cgo %s'; use auto, on or off", s);
	return 0;
}

static const char *const compiler_names[] = {"gc", "gccgo", "gollvm"};

int gs_go_compiler_parse(const char *s, gs_go_compiler_t *out, gs_error_t *err)
{
	for (size_t i = 0; i < sizeof compiler_names / sizeof compiler_names[0]; i++) {
		if (strcmp(s, compiler_names[i]) == 0) {
			*out = (gs_go_compiler_t)i;
			return 0;
		}
	}
	return gs_error_usage(err, "invalid '--compiler %s'; use gc, gccgo or gollvm", s);
}

const char *gs_go_compiler_name(gs_go_compiler_t c)
{
	return compiler_names[c];
}

static const char *const optimize_names[] = {NULL, "size", "speed"};

int gs_optimize_parse(const char *s, gs_optimize_t *out, gs_error_t *err)
{
	if (strcmp(s, "size") == 0)
		*out = GS_OPTIMIZE_SIZE;
	else if (strcmp(s, "speed") == 0)
		*out = GS_OPTIMIZE_SPEED;
	else
		return gs_error_usage(err, "invalid '--optimize %s'; use size or speed", s);
	return 0;
}

const char *gs_optimize_name(gs_optimize_t m)
{
	return optimize_names[m];
}

const char *gs_optimize_cflags(gs_optimize_t m, gs_cc_kind_t cc)
{
	switch (m) {
	case GS_OPTIMIZE_SIZE:
		/* zig cc 0.11 takes -Oz as its ReleaseSmall and hands clang -Os;
		 * -Xclang puts clang's own -Oz (no vectorizing, inlining only
		 * when it saves bytes) after it, where it wins: SQLite's text is
		 * 13 % smaller than with -Os.  gcc (musl-gcc, a CC path) gets -Os,
		 * which every version knows. */
		if (cc == GS_CC_ZIG)
			return "-Oz -Xclang -Oz -ffunction-sections -fdata-sections "
			       "-fno-asynchronous-unwind-tables -fno-unwind-tables";
		return "-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables "
		       "-fno-unwind-tables";
	case GS_OPTIMIZE_SPEED:
		return "-O2 -ffunction-sections -fdata-sections";
	case GS_OPTIMIZE_GO:
		break;
	}
	return NULL;
}

/* Tags "a b,c" as "a,b,c" (Go takes either, but not both in one list). */
static void push_tags(gs_strvec_t *out, const char *tags)
{
	cleanup_free char *copy = xstrdup(tags);
	char *save = NULL;
	for (char *t = strtok_r(copy, " ,", &save); t; t = strtok_r(NULL, " ,", &save))
		gs_strvec_push(out, t);
}

/* The C linker's flags for a static-PIE.  zig: "-static -pie" (zig 0.11
 * also takes "-static-pie", but then exports every C symbol in .dynsym:
 * 8 % larger on arm64).  Any other compiler: GCC's and clang's spelling. */
static const char *pie_extldflags(gs_cc_kind_t cc)
{
	return cc == GS_CC_ZIG ? "-static -pie -s -Wl,-z,relro,-z,now"
			       : "-static-pie -s -Wl,-z,relro,-z,now";
}

char *gs_gobuild_tags(const gs_gobuild_t *b)
{
	int pie = b->compiler == GS_COMPILER_GC && b->pie && b->cgo;
	if (!(pie && b->pie_pure_go))
		return b->tags && *b->tags ? xstrdup(b->tags) : NULL;
	cleanup_strvec gs_strvec_t tags = GS_STRVEC_INIT;
	gs_strvec_push(&tags, "netgo");
	gs_strvec_push(&tags, "osusergo");
	/* Our -tags replaces $GOFLAGS' (go takes the last): keep theirs. */
	const char *more = b->tags ? b->tags : b->goflags_tags;
	if (more)
		push_tags(&tags, more);
	return gs_strvec_join(&tags, ",");
}

void gs_gobuild_argv(const gs_gobuild_t *b, gs_strvec_t *argv)
{
	int gc = b->compiler == GS_COMPILER_GC;
	int pie = gc && b->pie && b->cgo;
	gs_strvec_push(argv, b->go);
	gs_strvec_push(argv, "build");
	gs_strvec_push(argv, "-trimpath");
	if (pie)
		gs_strvec_push(argv, "-buildmode=pie");
	gs_strvec_pushf(argv, "-o=%s", b->output);
	cleanup_free char *tags = gs_gobuild_tags(b);
	if (tags)
		gs_strvec_pushf(argv, "-tags=%s", tags);
	if (b->gcflags && *b->gcflags)
		gs_strvec_pushf(argv, "-gcflags=%s", b->gcflags);

	/* $GOFLAGS' -ldflags first, then --ldflags: for -X the last one wins. */
	cleanup_strvec gs_strvec_t user = GS_STRVEC_INIT;
	if (b->goflags_ldflags && *b->goflags_ldflags)
		gs_strvec_push(&user, b->goflags_ldflags);
	if (b->ldflags && *b->ldflags)
		gs_strvec_push(&user, b->ldflags);
	cleanup_free char *extra = user.n ? gs_strvec_join(&user, " ") : NULL;
	if (gc) {
		/* -s -w drop Go's symbols and DWARF; "-s" in extldflags strips the
		 * C parts the external linker adds. */
		cleanup_free char *link =
			!b->cgo ? xstrdup("")
			: x_asprintf(" -linkmode=external -extldflags \"%s\"",
				     pie ? pie_extldflags(b->cc_kind) : "-static -s");
		/* With a package pattern ("<package>=flags"): go 1.19 adds
		 * runtime/cgo, which an external link needs, only when it can
		 * match the flags to the package while loading, and the default
		 * pattern (the command-line packages) is not known yet then. */
		cleanup_free char *pattern = pie ? x_asprintf("%s=", b->package) : xstrdup("");
		gs_strvec_pushf(argv, "-ldflags=%s-s -w%s%s%s", pattern, link, extra ? " " : "",
				extra ? extra : "");
	} else {
		/* gccgo and gollvm link through their own driver: ask it for a fully
		 * static, stripped result. */
		gs_strvec_push(argv, "-compiler=gccgo");
		gs_strvec_push(argv, "-gccgoflags=-static -s");
		if (extra)
			gs_strvec_pushf(argv, "-ldflags=%s", extra);
	}
	gs_strvec_push(argv, "--");
	gs_strvec_push(argv, b->package);
}

void gs_gobuild_env(const gs_gobuild_t *b, char *const *base, gs_strvec_t *env)
{
	for (char *const *e = base; e && *e; e++)
		gs_strvec_push(env, *e);
	gs_strvec_setenv(env, "GOOS", b->platform->os);
	gs_strvec_setenv(env, "GOARCH", b->platform->goarch);
	if (b->platform->goarm)
		gs_strvec_setenv(env, "GOARM", b->platform->goarm);
	gs_strvec_setenv(env, "CGO_ENABLED", b->cgo ? "1" : "0");
	if (b->cgo && b->cc) {
		gs_strvec_setenv(env, "CC", b->cc);
		/* A C++ compiler Go might pick up must not be the host's either. */
		gs_strvec_setenv(env, "CXX", b->cc);
	}
	if (b->cc_dir) {
		/* execvp's default when PATH is unset: keep finding git and co. */
		const char *path = gs_strvec_getenv(env, "PATH");
		cleanup_free char *p = x_asprintf("%s:%s", b->cc_dir,
						  path ? path : "/usr/local/bin:/usr/bin:/bin");
		gs_strvec_setenv(env, "PATH", p);
	}
	if (b->compiler != GS_COMPILER_GC && b->gccgo)
		gs_strvec_setenv(env, "GCCGO", b->gccgo);
	const char *cflags = gs_optimize_cflags(b->optimize, b->cc_kind);
	if (b->cgo && cflags && !b->user_cgo_cflags)
		gs_strvec_setenv(env, "CGO_CFLAGS", cflags);
	if (b->zig_cache) {
		gs_strvec_setenv(env, "ZIG_GLOBAL_CACHE_DIR", b->zig_cache);
		gs_strvec_setenv(env, "ZIG_LOCAL_CACHE_DIR", b->zig_cache);
	}
}

static int is_major_suffix(const char *elem, size_t len)
{
	/* Go's rule: "v" then a number >= 2 without leading zeros. */
	if (len < 2 || elem[0] != 'v' || elem[1] == '0')
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!isdigit((unsigned char)elem[i]))
			return 0;
	return !(len == 2 && elem[1] == '1');
}

char *gs_gobuild_binary_name(const char *import_path)
{
	char *last = gs_path_basename(import_path);
	size_t end = strlen(import_path);
	while (end > 0 && import_path[end - 1] == '/')
		end--;
	if (is_major_suffix(last, strlen(last)) && end > strlen(last)) {
		cleanup_free char *parent = xstrndup(import_path, end - strlen(last));
		free(last);
		last = gs_path_basename(parent);
	}
	if (!*last) {
		free(last);
		return xstrdup("app");
	}
	return last;
}

char *gs_goflags_value(const char *goflags, const char *name)
{
	if (!goflags)
		return NULL;
	size_t nlen = strlen(name);
	char *found = NULL;
	const char *p = goflags;
	while (*p) {
		p += strspn(p, " \t\n\r\v\f");
		size_t len = strcspn(p, " \t\n\r\v\f");
		if (!len)
			break;
		const char *f = p;
		p += len;
		if (f[0] != '-')
			continue;
		size_t dash = len > 1 && f[1] == '-' ? 2 : 1;
		if (len - dash > nlen && strncmp(f + dash, name, nlen) == 0 && f[dash + nlen] == '=') {
			free(found);
			found = xstrndup(f + dash + nlen + 1, len - dash - nlen - 1);
		}
	}
	return found;
}

int gs_gobuild_pie_supported(const gs_platform_t *p)
{
	static const char *const ok[] = {"amd64", "arm64", "arm", "ppc64le", "riscv64"};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (strcmp(p->goarch, ok[i]) == 0)
			return 1;
	return 0;
}

/* s single-quoted for sh: a quote inside is closed, escaped and reopened. */
static char *sh_quote(const char *s)
{
	size_t extra = 0;
	for (const char *p = s; *p; p++)
		extra += *p == '\'' ? 3 : 0;
	char *q = xmalloc(strlen(s) + extra + 3), *o = q;
	*o++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return q;
}

void gs_zig_cc_init(gs_zig_cc_t *cc, const char *zig, const char *zig_version,
		    const char *zig_lib, const char *zig_target)
{
	/* The version goes into a file name: at most 64 characters, and
	 * nothing but letters, digits and "._+-". */
	cleanup_free char *version = xstrndup(zig_version, 64);
	for (char *v = version; *v; v++)
		if (!isalnum((unsigned char)*v) && !strchr("._+-", *v))
			*v = '_';
	cleanup_free char *quoted = sh_quote(zig);
	/* zig's headers are in its lib directory, wherever zig is installed:
	 * their paths go into the cgo objects' debug info, so into Go's build
	 * ID of the binary.  Mapped to one name, the same zig anywhere gives
	 * the same binary. */
	cleanup_free char *map_flag = x_asprintf("-ffile-prefix-map=%s=/zig/lib", zig_lib);
	cleanup_free char *map_quoted = sh_quote(map_flag);
	/* Go caches what CC compiled by CC's name and version line only: a
	 * wrapper that compiles differently needs a new name ("-w2": the
	 * prefix map), or Go keeps the objects of the old one. */
	cc->name = x_asprintf("zig-cc-%s-%s-w2", zig_target, version);
	cc->script = x_asprintf("#!/bin/sh\n# generated by gsimage: C compiler for %s, zig %s\n"
				"exec %s cc -target %s %s \"$@\"\n",
				zig_target, version, quoted, zig_target, map_quoted);
	/* named by its content: a build never sees another one's wrapper */
	gs_cache_key_t k;
	gs_cache_key_init(&k, "cc");
	gs_cache_key_str(&k, "script", cc->script);
	cleanup_free char *name = gs_cache_key_name(&k);
	gs_cache_key_release(&k);
	cc->subdir = x_asprintf("cc/%s", name);
}

void gs_zig_cc_release(gs_zig_cc_t *cc)
{
	free(cc->name);
	free(cc->subdir);
	free(cc->script);
	memset(cc, 0, sizeof *cc);
}

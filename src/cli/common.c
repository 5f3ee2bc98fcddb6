#include "gsimage/cli/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/xalloc.h"

#ifndef GS_TOOLCHAIN_DIR
#define GS_TOOLCHAIN_DIR NULL
#endif

const gs_cli_option_t gs_cli_compile_options[] = {
	GS_CLI_OPT("platform", 0, "LIST", GS_OPT_PLATFORM,
	 "linux/amd64,linux/arm64,... or 'all' (default: host)"),
	GS_CLI_OPT("cc", 0, "zig|musl-gcc|PATH", GS_OPT_CC, "C toolchain for cgo (default zig)"),
	GS_CLI_OPT("cgo", 0, "auto|on|off", GS_OPT_CGO, "cgo (default auto: on when the program has cgo code)"),
	GS_CLI_OPT("compiler", 0, "gc|gccgo|gollvm", GS_OPT_COMPILER, "Go compiler (default gc)"),
	GS_CLI_OPT("tags", 0, "TAGS", GS_OPT_TAGS, "go build -tags"),
	GS_CLI_OPT("ldflags", 0, "FLAGS", GS_OPT_LDFLAGS, "appended to gsimage's -ldflags"),
	GS_CLI_OPT("gcflags", 0, "FLAGS", GS_OPT_GCFLAGS, "go build -gcflags"),
	GS_CLI_OPT("pie", 0, NULL, GS_OPT_PIE,
	 "static-PIE binaries (ASLR), full RELRO, BIND_NOW; links with zig"),
	GS_CLI_OPT("optimize", 0, "size|speed", GS_OPT_OPTIMIZE,
	 "cgo C code: -Oz or -O2 (default), unused code dropped; CGO_CFLAGS wins"),
	GS_CLI_OPT("jobs", 'j', "N", GS_OPT_JOBS,
	 "go builds at once over the platforms (default: the number of CPUs)"),
	GS_CLI_END,
};

const gs_cli_option_t gs_cli_quiet_option[] = {
	GS_CLI_OPT("quiet", 'q', NULL, GS_OPT_QUIET, "no progress on stderr"),
	GS_CLI_END,
};

const gs_cli_option_t gs_cli_push_options[] = {
	GS_CLI_OPT("insecure", 0, NULL, GS_OPT_INSECURE,
		   "plain HTTP or unverified TLS to the registry"),
	GS_CLI_OPT("authfile", 0, "FILE", GS_OPT_AUTHFILE, "registry credentials (skopeo's format)"),
	GS_CLI_OPT("creds", 0, "USER[:PASS]", GS_OPT_CREDS, "registry credentials"),
	GS_CLI_OPT("timeout", 0, "DURATION", GS_OPT_TIMEOUT,
		   "give up on a registry after this long, per skopeo run (default 10m)"),
	GS_CLI_END,
};

void gs_cli_push_init(gs_push_request_t *req, int *quiet)
{
	memset(req, 0, sizeof *req);
	req->skopeo = getenv("GSIMAGE_SKOPEO");
	req->tmp_dir = getenv("TMPDIR");
	req->progress = (gs_progress_t){gs_cli_progress, quiet};
}

int gs_cli_push_option(gs_push_request_t *req, int id, const char *arg)
{
	switch (id) {
	case GS_OPT_INSECURE:
		req->insecure = 1;
		return 1;
	case GS_OPT_AUTHFILE:
		req->authfile = arg;
		return 1;
	case GS_OPT_CREDS:
		req->creds = arg;
		return 1;
	case GS_OPT_TIMEOUT: /* checked by gs_push_check(), before any work */
		req->timeout = arg;
		return 1;
	}
	return 0;
}

/* gsimage's cache, from the variables Go also reads for its own: go runs in
 * the package's directory, so a relative XDG_CACHE_HOME (or HOME, when it
 * is the one used) would put Go's build cache inside the source tree.  The
 * XDG spec calls a relative path invalid; refuse it rather than have Go
 * and gsimage disagree about where the cache is. */
static int cache_dir_from_env(char **out, gs_error_t *err)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	if (xdg && *xdg) {
		if (*xdg != '/')
			return gs_error_usage(err, "XDG_CACHE_HOME='%s' is not an absolute path; "
					      "give an absolute path or unset it", xdg);
		*out = gs_path_join(xdg, "gsimage");
		return 0;
	}
	const char *home = getenv("HOME");
	if (home && *home) {
		if (*home != '/')
			return gs_error_usage(err, "HOME='%s' is not an absolute path; give an "
					      "absolute path, or set XDG_CACHE_HOME to one", home);
		*out = x_asprintf("%s/.cache/gsimage", home);
		return 0;
	}
	*out = x_asprintf("/tmp/gsimage-cache-%ld", (long)getuid());
	return 0;
}

int gs_cli_compile_init(gs_cli_compile_t *c, gs_error_t *err)
{
	memset(c, 0, sizeof *c);
	const gs_platform_t *host = gs_platform_host();
	if (!host)
		return gs_error_set(err, 0, "this machine's architecture is not supported; give "
					    "--platform");
	c->platforms[0] = host;
	c->opts.platforms = c->platforms;
	c->opts.n_platforms = 1;
	c->opts.package = ".";
	c->opts.cc_kind = GS_CC_ZIG;
	c->opts.cgo = GS_CGO_AUTO;
	c->opts.compiler = GS_COMPILER_GC;
	c->opts.go_override = getenv("GSIMAGE_GO");
	c->opts.zig_override = getenv("GSIMAGE_ZIG");
	c->opts.gollvm_override = getenv("GSIMAGE_GOLLVM");
	c->opts.toolchain_dir = GS_TOOLCHAIN_DIR;
	c->opts.goflags = getenv("GOFLAGS");
	c->opts.optimize = GS_OPTIMIZE_SPEED;
	const char *cflags = getenv("CGO_CFLAGS");
	c->opts.user_cgo_cflags = cflags && *cflags;
	if (cache_dir_from_env(&c->cache_dir, err) < 0)
		return -1;
	c->opts.cache_dir = c->cache_dir;
	c->opts.progress = (gs_progress_t){gs_cli_progress, &c->quiet};
	/* Measured on 2 cores: two platforms at once take about 0.8x (no-op) to 0.7x (relink) the
	 * time of one after the other (go build leaves cores
	 * idle while it starts, plans and links). */
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	c->opts.jobs = cpus > 0 ? (int)(cpus < 64 ? cpus : 64) : 1;
	return 0;
}

void gs_cli_compile_release(gs_cli_compile_t *c)
{
	free(c->cache_dir);
	c->cache_dir = NULL;
}

/* --pie links with the external (C) linker; Go's own cannot make a
 * static-pie, so an -ldflags that asks for it cannot be honoured. */
static int pie_vs_linkmode(const gs_cli_compile_t *c, gs_error_t *err)
{
	const char *l = c->opts.ldflags;
	if (!c->opts.pie || !l)
		return 0;
	const char *m = strstr(l, "linkmode");
	if (!m)
		return 0;
	m += strlen("linkmode");
	m += strspn(m, "= \t'\"");
	if (strncmp(m, "internal", 8) != 0)
		return 0;
	return gs_error_usage(err, "--pie needs Go's external link (the C linker makes the "
			      "static-pie); drop -linkmode=internal from --ldflags, or drop --pie");
}

int gs_cli_compile_option(gs_cli_compile_t *c, int id, const char *arg, gs_error_t *err)
{
	switch (id) {
	case GS_OPT_PLATFORM:
		if (gs_platform_parse_list(arg, c->platforms, GS_MAX_PLATFORMS,
					   &c->opts.n_platforms, err) < 0)
			return -1;
		c->platform_given = 1;
		return 1;
	case GS_OPT_CC:
		if (*arg == '\0')
			return gs_error_usage(err, "empty '--cc'; use zig, musl-gcc or a compiler path");
		if (strcmp(arg, "zig") == 0) {
			c->opts.cc_kind = GS_CC_ZIG;
		} else if (strcmp(arg, "musl-gcc") == 0) {
			c->opts.cc_kind = GS_CC_MUSL_GCC;
		} else {
			c->opts.cc_kind = GS_CC_PATH;
			c->opts.cc = arg;
		}
		return 1;
	case GS_OPT_CGO:
		return gs_cgo_mode_parse(arg, &c->opts.cgo, err) < 0 ? -1 : 1;
	case GS_OPT_COMPILER:
		return gs_go_compiler_parse(arg, &c->opts.compiler, err) < 0 ? -1 : 1;
	case GS_OPT_TAGS:
		c->opts.tags = arg;
		return 1;
	case GS_OPT_LDFLAGS:
		c->opts.ldflags = arg;
		return pie_vs_linkmode(c, err) < 0 ? -1 : 1;
	case GS_OPT_GCFLAGS:
		c->opts.gcflags = arg;
		return 1;
	case GS_OPT_PIE:
		c->opts.pie = 1;
		return pie_vs_linkmode(c, err) < 0 ? -1 : 1;
	case GS_OPT_OPTIMIZE:
		return gs_optimize_parse(arg, &c->opts.optimize, err) < 0 ? -1 : 1;
	case GS_OPT_JOBS: {
		char *end;
		errno = 0;
		long n = strtol(arg, &end, 10);
		if (errno || end == arg || *end || n < 1 || n > 64)
			return gs_error_usage(err, "'-j %s' is not a number of jobs from 1 to 64", arg);
		c->opts.jobs = (int)n;
		return 1;
	}
	case GS_OPT_QUIET:
		c->quiet = 1;
		return 1;
	}
	return 0;
}

void gs_cli_compile_finish(gs_cli_compile_t *c)
{
	const char *mode = gs_optimize_name(c->opts.optimize);
	if (c->opts.user_cgo_cflags) {
		gs_progress(&c->opts.progress,
			    "CGO_CFLAGS is set: cgo C code is compiled with '%s', not with "
			    "'--optimize %s' (%s)", getenv("CGO_CFLAGS"), mode,
			    gs_optimize_cflags(c->opts.optimize, c->opts.cc_kind));
	}
}

void gs_cli_progress(void *quiet_flag, const char *line)
{
	if (quiet_flag && *(int *)quiet_flag)
		return;
	fprintf(stderr, "gsimage: %s\n", line);
}

#include "gsimage/toolchain/tools.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gsimage/toolchain/zigenv.h"
#include "gsimage/util/cache.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/proc.h"
#include "gsimage/util/xalloc.h"

char *gs_tool_find(const char *name, const char *override, const char *fallback)
{
	if (override && *override)
		return gs_proc_which(override, NULL);
	char *p = gs_proc_which(name, NULL);
	if (!p && fallback && access(fallback, X_OK) == 0)
		p = xstrdup(fallback);
	return p;
}

int gs_tools_go(const char *override, char **go, gs_error_t *err)
{
	*go = gs_tool_find("go", override, NULL);
	if (*go)
		return 0;
	if (override && *override)
		return gs_error_set(err, 0, "GSIMAGE_GO='%s' is not an executable; point it at the "
				    "go command or unset it", override);
	return gs_error_set(err, 0, "'go' not found in PATH; install Go (apt-get install "
			    "golang-go) or set GSIMAGE_GO");
}

int gs_tools_gccgo(gs_go_compiler_t compiler, const char *gollvm_override, char **path,
		   gs_error_t *err)
{
	*path = NULL;
	if (compiler == GS_COMPILER_GCCGO) {
		if (!(*path = gs_tool_find("gccgo", NULL, NULL)))
			return gs_error_set(err, 0, "'gccgo' not found in PATH; install gccgo or use "
					    "--compiler gc");
	} else if (compiler == GS_COMPILER_GOLLVM) {
		if (!(*path = gs_tool_find("llvm-goc", gollvm_override, NULL)))
			return gs_error_set(err, 0, "'llvm-goc' (gollvm) not found in PATH; install "
					    "gollvm and put llvm-goc in PATH or set GSIMAGE_GOLLVM, "
					    "or use --compiler gc");
	}
	return 0;
}

int gs_tools_zig(const char *override, const char *toolchain_dir, char **zig, gs_error_t *err)
{
	cleanup_free char *bundled = toolchain_dir ? gs_path_join(toolchain_dir, "zig/zig") : NULL;
	cleanup_free char *found = gs_tool_find("zig", override, bundled);
	*zig = found ? realpath(found, NULL) : NULL;
	if (*zig)
		return 0;
	if (override && *override)
		return gs_error_set(err, 0, "GSIMAGE_ZIG='%s' is not an executable; point it at "
				    "zig >= 0.11 or unset it", override);
	return gs_error_set(err, 0, "'zig' not found; install zig >= 0.11 (make bootstrap) or "
			    "set GSIMAGE_ZIG, or use --cgo off");
}

int gs_tools_zig_facts(const char *cache_dir, const char *zig, char **version, char **lib_dir,
		       gs_error_t *err)
{
	gs_cache_t cache = {.dir = cache_dir};
	gs_cache_key_t k;
	gs_cache_key_init(&k, "zig");
	gs_cache_key_file(&k, "zig", zig);
	cleanup_free char *cached = NULL;
	if (gs_cache_get(&cache, &k, &cached, NULL)) {
		/* "<version>\n<lib dir>\n": anything else is asked again */
		char *nl = strchr(cached, '\n');
		char *end = nl ? strchr(nl + 1, '\n') : NULL;
		if (nl && end && nl > cached && end > nl + 1 && end[1] == '\0') {
			*version = xstrndup(cached, (size_t)(nl - cached));
			*lib_dir = xstrndup(nl + 1, (size_t)(end - nl - 1));
			gs_cache_key_release(&k);
			return 0;
		}
	}
	int r = gs_zig_env(zig, NULL, version, lib_dir, err);
	if (r == 0 && !strchr(*version, '\n') && !strchr(*lib_dir, '\n')) {
		cleanup_free char *value = x_asprintf("%s\n%s\n", *version, *lib_dir);
		gs_cache_put(&cache, &k, value, strlen(value), 0644);
	}
	gs_cache_key_release(&k);
	return r;
}

int gs_tools_cc(gs_cc_kind_t kind, const char *cc, const gs_platform_t *const *platforms,
		size_t n, char **path, gs_error_t *err)
{
	*path = NULL;
	if (kind == GS_CC_MUSL_GCC) {
		const gs_platform_t *host = gs_platform_host();
		for (size_t i = 0; i < n; i++)
			if (!host || strcmp(host->goarch, "amd64") != 0 ||
			    strcmp(platforms[i]->goarch, "amd64") != 0)
				return gs_error_usage(err, "--cc musl-gcc builds only linux/amd64 on "
						      "an amd64 host; use --cc zig for %s",
						      platforms[i]->name);
		if (!(*path = gs_proc_which("musl-gcc", NULL)))
			return gs_error_set(err, 0, "'musl-gcc' not found; install musl-tools or "
					    "use --cc zig");
		return 0;
	}
	if (kind != GS_CC_PATH)
		return 0;
	cleanup_free char *found = gs_proc_which(cc, NULL);
	if (!found)
		return gs_error_set(err, 0, "C compiler '%s' not found; give a path or a command "
				    "in PATH to --cc", cc);
	if (!(*path = realpath(found, NULL)))
		return gs_error_set(err, errno, "resolving C compiler '%s'", found);
	return 0;
}

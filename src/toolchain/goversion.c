#include "gsimage/toolchain/goversion.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gsimage/util/cache.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/proc.h"
#include "gsimage/util/strvec.h"
#include "gsimage/util/xalloc.h"

#define KEY_MAGIC "gsimage-goversion-v1"

/* "label=<path> <identity>" for a file that exists, "label=<path> -" for
 * one that does not: its appearing changes the key too. */
static void push_file(gs_strvec_t *parts, const char *label, const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0) {
		cleanup_free char *id = gs_fs_identity(&st);
		gs_strvec_pushf(parts, "%s=%s %s", label, path, id);
	} else {
		gs_strvec_pushf(parts, "%s=%s -", label, path);
	}
}

/* The go env file go reads: $GOENV, else os.UserConfigDir()/go/env. */
static char *user_env_file(char *const *envp)
{
	const char *goenv = gs_envp_get(envp, "GOENV");
	if (goenv)
		return *goenv && strcmp(goenv, "off") != 0 ? xstrdup(goenv) : NULL;
	const char *xdg = gs_envp_get(envp, "XDG_CONFIG_HOME");
	if (xdg && *xdg == '/')
		return gs_path_join(xdg, "go/env");
	const char *home = gs_envp_get(envp, "HOME");
	return home && *home ? gs_path_join(home, ".config/go/env") : NULL;
}

char *gs_go_version_key(const char *go, const char *cwd, char *const *envp)
{
	cleanup_strvec gs_strvec_t parts = GS_STRVEC_INIT;
	gs_strvec_push(&parts, KEY_MAGIC);
	push_file(&parts, "go", go);
	/* Go >= 1.21 reads its defaults (GOTOOLCHAIN among them) from
	 * GOROOT/go.env, next to bin/go. */
	cleanup_free char *real = realpath(go, NULL);
	if (real) {
		cleanup_free char *bin = gs_path_dirname(real);
		cleanup_free char *root = gs_path_dirname(bin);
		cleanup_free char *goenv = gs_path_join(root, "go.env");
		push_file(&parts, "go.env", goenv);
	}
	for (char *const *e = envp; e && *e; e++)
		if (strncmp(*e, "GO", 2) == 0 && strncmp(*e, "GOARCH=", 7) != 0 &&
		    strncmp(*e, "GOARM=", 6) != 0 && strncmp(*e, "GOAMD64=", 8) != 0 &&
		    strncmp(*e, "GOOS=", 5) != 0)
			gs_strvec_pushf(&parts, "env=%s", *e);
	cleanup_free char *envfile = user_env_file(envp);
	if (envfile)
		push_file(&parts, "envfile", envfile);
	/* go looks for go.mod and go.work from the working directory up. */
	cleanup_free char *dir = realpath(cwd, NULL);
	while (dir) {
		cleanup_free char *mod = gs_path_join(dir, "go.mod");
		cleanup_free char *work = gs_path_join(dir, "go.work");
		push_file(&parts, "mod", mod);
		push_file(&parts, "work", work);
		if (strcmp(dir, "/") == 0)
			break;
		char *up = gs_path_dirname(dir);
		free(dir);
		dir = up;
	}
	return gs_strvec_join(&parts, "\n");
}

static char *ask_go(const char *go, const char *cwd, char *const *envp, gs_error_t *err)
{
	char *argv[] = {(char *)go, "env", "GOVERSION", NULL};
	cleanup_free char *out = NULL;
	gs_proc_opts_t po = {.argv = argv, .envp = envp, .cwd = cwd};
	if (gs_proc_output(&po, &out, NULL, err) < 0) {
		gs_error_wrap(err, "'%s env GOVERSION' failed", go);
		return NULL;
	}
	size_t n = strcspn(out, "\n");
	if (n == 0 || strncmp(out, "go", 2) != 0) {
		cleanup_free char *what = gs_proc_first_line(out);
		gs_error_set(err, 0, "'%s env GOVERSION' gives no Go version%s%s", go,
			     *what ? ": " : "", what);
		return NULL;
	}
	return xstrndup(out, n);
}

char *gs_go_effective_version(const char *go, const char *cwd, char *const *envp,
			      const char *cache_dir, gs_error_t *err)
{
	gs_cache_t cache = {.dir = cache_dir};
	gs_cache_key_t k;
	gs_cache_key_init(&k, "goversion");
	if (cache_dir) {
		cleanup_free char *key = gs_go_version_key(go, cwd, envp);
		gs_cache_key_str(&k, "go env", key);
	}
	char *v = NULL;
	if (cache_dir && gs_cache_get(&cache, &k, &v, NULL)) {
		if (strncmp(v, "go", 2) == 0 && !strchr(v, '\n')) {
			gs_cache_key_release(&k);
			return v;
		}
		free(v);
	}
	v = ask_go(go, cwd, envp, err);
	if (v && cache_dir)
		gs_cache_put(&cache, &k, v, strlen(v), 0644);
	gs_cache_key_release(&k);
	return v;
}

#include "gsimage/toolchain/vcs.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gsimage/toolchain/remoteurl.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/proc.h"
#include "gsimage/util/xalloc.h"

/* Run "git -C dir args..." and return its trimmed stdout, or NULL. */
static char *git(const char *dir, const char *a1, const char *a2, const char *a3)
{
	char *argv[] = {"git", "-C", (char *)dir, (char *)a1, (char *)a2, (char *)a3, NULL};
	char *out = NULL;
	gs_error_t err = GS_ERROR_INIT;
	gs_proc_opts_t po = {.argv = argv};
	int r = gs_proc_output(&po, &out, NULL, &err);
	gs_error_release(&err); /* no repository, no remote, no tag: no label */
	if (r < 0)
		return NULL;
	size_t n = strlen(out);
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	if (!n) {
		free(out);
		return NULL;
	}
	return out;
}

/* Could git find a repository for dir?  A .git in dir or above it, or
 * GIT_DIR set.  Outside one, git would only fail: saves its start-up on
 * every build of a package outside version control. */
static int maybe_in_repository(const char *dir)
{
	if (getenv("GIT_DIR"))
		return 1;
	cleanup_free char *d = realpath(dir, NULL);
	if (!d)
		return 1; /* let git say */
	for (;;) {
		cleanup_free char *dotgit = gs_path_join(d, ".git");
		if (access(dotgit, F_OK) == 0)
			return 1;
		char *slash = strrchr(d, '/');
		if (!slash || slash == d)
			break;
		*slash = '\0';
	}
	return access("/.git", F_OK) == 0;
}

void gs_vcs_info_read(const char *dir, gs_vcs_info_t *info)
{
	memset(info, 0, sizeof *info);
	if (!maybe_in_repository(dir))
		return;
	info->revision = git(dir, "rev-parse", "--verify", "HEAD");
	if (!info->revision)
		return;
	cleanup_free char *remote = git(dir, "config", "--get", "remote.origin.url");
	gs_error_t err = GS_ERROR_INIT;
	if (gs_remote_url_public(remote, &info->source, &err) < 0)
		info->warning = x_asprintf("the git remote of '%s': %s; leaving out "
					   "org.opencontainers.image.source", dir, err.msg);
	gs_error_release(&err);
	info->version = git(dir, "describe", "--tags", "--exact-match");
}

void gs_vcs_info_release(gs_vcs_info_t *info)
{
	free(info->revision);
	free(info->source);
	free(info->version);
	free(info->warning);
	memset(info, 0, sizeof *info);
}

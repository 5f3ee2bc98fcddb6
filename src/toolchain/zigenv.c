#include "gsimage/toolchain/zigenv.h"

#include <ctype.h>
#include <jansson.h>
#include <string.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/json.h"
#include "gsimage/util/proc.h"
#include "gsimage/util/xalloc.h"

/* "0.11.0", "0.12.0-dev.1+ab": a digit first, then a short run of
 * version characters. */
static int plausible_version(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len > 64 || !isdigit((unsigned char)s[0]))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(".-+_~", s[i]))
			return 0;
	return 1;
}

int gs_zig_env_parse(const char *json, const char *cwd, char **version, char **lib_dir,
		     gs_error_t *err)
{
	*version = *lib_dir = NULL;
	json_error_t je;
	cleanup_json json_t *root = json_loads(json, 0, &je);
	if (!root)
		return gs_error_set(err, 0, "cannot parse 'zig env' output: %s", je.text);
	const char *v = json_string_value(json_object_get(root, "version"));
	const char *l = json_string_value(json_object_get(root, "lib_dir"));
	if (!v || !plausible_version(v))
		return gs_error_set(err, 0, "'zig env' gives no usable \"version\"");
	if (!l || !*l)
		return gs_error_set(err, 0, "'zig env' gives no \"lib_dir\"");
	*version = xstrdup(v);
	if (l[0] == '/' || !cwd)
		*lib_dir = xstrdup(l);
	else
		*lib_dir = x_asprintf("%s%s%s", cwd, cwd[strlen(cwd) - 1] == '/' ? "" : "/", l);
	return 0;
}

int gs_zig_env(const char *zig, char *const *envp, char **version, char **lib_dir,
	       gs_error_t *err)
{
	*version = *lib_dir = NULL;
	char *argv[] = {(char *)zig, "env", NULL};
	cleanup_free char *out = NULL;
	gs_proc_opts_t po = {.argv = argv, .envp = envp, .cwd = "/"};
	if (gs_proc_output(&po, &out, NULL, err) < 0)
		return gs_error_set(err, 0, "%s; point GSIMAGE_ZIG at zig >= 0.11 (it is '%s')",
				    err->msg, zig);
	return gs_zig_env_parse(out, "/", version, lib_dir, err);
}

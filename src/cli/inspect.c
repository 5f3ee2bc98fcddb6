/* gsimage inspect [--json] DIR[:REF] */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "gsimage/cli/commands.h"
#include "gsimage/cli/common.h"
#include "gsimage/oci/blobstore.h"
#include "gsimage/pipeline/inspect.h"
#include "gsimage/util/cleanup.h"
#include "gsimage/util/xalloc.h"

static const char inspect_usage[] =
	"usage: gsimage inspect [--json] DIR[:REF]\n"
	"\n"
	"Show the tags of the OCI layout DIR (or only REF): platforms, manifest and\n"
	"config digests, layer sizes compressed and uncompressed, and the config.\n"
	"\n"
	"      --json   print JSON instead of text\n"
	"  -h, --help   this help\n";

/* "DIR:REF" -> DIR and REF.  REF may hold colons and slashes of its own
 * (registry.example.com:5000/team/app:1), so the split is at the first
 * colon whose left side is an existing directory; a whole argument that is
 * a directory has no REF; otherwise the first colon splits. */
static void split_target(const char *arg, char **dir, char **ref)
{
	struct stat st;
	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
		*dir = xstrdup(arg);
		*ref = NULL;
		return;
	}
	const char *first = strchr(arg, ':');
	for (const char *c = first; c; c = strchr(c + 1, ':')) {
		cleanup_free char *left = xstrndup(arg, (size_t)(c - arg));
		if (stat(left, &st) == 0 && S_ISDIR(st.st_mode)) {
			*dir = xstrdup(left);
			*ref = xstrdup(c + 1);
			return;
		}
	}
	*dir = first ? xstrndup(arg, (size_t)(first - arg)) : xstrdup(arg);
	*ref = first ? xstrdup(first + 1) : NULL;
}

int gs_cmd_inspect(int argc, char **argv, gs_error_t *err)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt, as_json = 0;
	optind = 0; /* 0: glibc re-initialises getopt fully between commands */
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			as_json = 1;
			break;
		case 'h':
			fputs(inspect_usage, stdout);
			return 0;
		default:
			return gs_cli_bad_option("inspect", opt, argv, err);
		}
	}
	if (argc - optind != 1)
		return gs_error_usage(err, "inspect takes one DIR[:REF]; see 'gsimage inspect --help'");

	cleanup_free char *dir = NULL, *ref = NULL, *text = NULL;
	split_target(argv[optind], &dir, &ref);
	if (!*dir)
		return gs_error_usage(err, "empty layout directory in '%s'", argv[optind]);
	gs_store_t *store = NULL;
	if (gs_store_open(dir, 0, &store, err) < 0)
		return -1;
	int r = gs_inspect(store, ref && *ref ? ref : NULL, as_json, &text, err);
	gs_store_free(store);
	if (r < 0)
		return -1;
	fputs(text, stdout);
	return 0;
}

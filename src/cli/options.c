#include "gsimage/cli/options.h"

#include <getopt.h>
#include <string.h>

#include "gsimage/util/cleanup.h"
#include "gsimage/util/utf8.h"
#include "gsimage/util/xalloc.h"

const gs_cli_option_t gs_cli_help_option[] = {
	GS_CLI_OPT("help", 'h', NULL, GS_OPT_HELP, "this help"),
	GS_CLI_END,
};

static int is_end(const gs_cli_option_t *o)
{
	return !o->name && !o->include && !o->section;
}

static void each(const gs_cli_option_t *table, void (*fn)(void *ctx, const gs_cli_option_t *opt),
		 void *ctx)
{
	for (const gs_cli_option_t *o = table; !is_end(o); o++) {
		if (o->include)
			each(o->include, fn, ctx);
		else if (o->name)
			fn(ctx, o);
	}
}

void gs_cli_each_option(const gs_cli_command_t *cmd,
			void (*fn)(void *ctx, const gs_cli_option_t *opt), void *ctx)
{
	each(cmd->options, fn, ctx);
}

/* getopt_long's view of a table. */
struct getopt_tables {
	struct option *longopts;
	size_t n;
	char shortopts[128];
	size_t ns;
	int short_ids[256];
};

static void add_to_getopt(void *ctx, const gs_cli_option_t *o)
{
	struct getopt_tables *t = ctx;
	int has_arg = o->arg ? required_argument : no_argument;
	t->longopts = xrealloc(t->longopts, (t->n + 2) * sizeof *t->longopts);
	t->longopts[t->n++] = (struct option){o->name, has_arg, NULL, o->id};
	memset(&t->longopts[t->n], 0, sizeof t->longopts[t->n]);
	if (o->short_name && t->ns + 3 < sizeof t->shortopts) {
		t->shortopts[t->ns++] = (char)o->short_name;
		if (o->arg)
			t->shortopts[t->ns++] = ':';
		t->shortopts[t->ns] = '\0';
		t->short_ids[(unsigned char)o->short_name] = o->id;
	}
}

/* The usage error for an option getopt rejected: opt is what getopt_long
 * returned (':' for a missing value, '?' for an unknown option). */
static int bad_option(const char *cmd, int opt, char **argv, gs_error_t *err)
{
	/* Long options leave the offending word at argv[optind - 1]; short ones
	 * are named by optopt. */
	const char *given = argv[optind - 1];
	int is_long = strncmp(given, "--", 2) == 0;
	cleanup_free char *name = !is_long && optopt > 0 && optopt < 256
					  ? x_asprintf("-%c", optopt)
					  : xstrdup(given);
	char *eq = strchr(name, '=');
	if (eq)
		*eq = '\0';
	/* "--quiet=1": a known flag that takes no value */
	if (is_long && eq && opt == '?' && optopt != 0)
		return gs_error_usage(err, "option '%s' takes no value; see 'gsimage %s --help'",
				      name, cmd);
	if (opt == ':')
		return gs_error_usage(err, "option '%s' needs a value; see 'gsimage %s --help'",
				      name, cmd);
	return gs_error_usage(err, "unknown option '%s' for '%s'; see 'gsimage %s --help'", name,
			      cmd, cmd);
}

int gs_cli_parse(const gs_cli_command_t *cmd, int argc, char **argv, gs_cli_handler_fn handler,
		 void *ctx, int *operand, gs_error_t *err)
{
	struct getopt_tables t;
	memset(&t, 0, sizeof t);
	t.shortopts[t.ns++] = ':'; /* report a missing value as ':' */
	t.longopts = xcalloc(1, sizeof *t.longopts);
	each(cmd->options, add_to_getopt, &t);
	int r = 0, opt;
	/* 0, not 1: glibc then also forgets a half-parsed "-xyz" cluster of an
	 * earlier parser in this process.  No '+': options may follow operands. */
	optind = 0;
	while (r == 0 && (opt = getopt_long(argc, argv, t.shortopts, t.longopts, NULL)) != -1) {
		if (opt == '?' || opt == ':') {
			r = bad_option(cmd->name, opt, argv, err);
			break;
		}
		int id = opt < 256 ? t.short_ids[opt] : opt;
		if (id == GS_OPT_HELP) {
			gs_cli_usage(cmd, stdout);
			r = 1;
			break;
		}
		if (cmd->utf8_values && optarg && !gs_utf8_valid(optarg)) {
			cleanup_free char *shown = gs_utf8_sanitize(optarg);
			r = gs_error_usage(err, "the value of '--%s' is not valid UTF-8 (shown as "
					   "'%s'); image configuration must be UTF-8 text",
					   gs_cli_option_name(cmd, id), shown);
			break;
		}
		r = handler(ctx, id, optarg, err) < 0 ? -1 : 0;
	}
	free(t.longopts);
	if (r == 0)
		*operand = optind;
	return r;
}

static void print_option(void *ctx, const gs_cli_option_t *o)
{
	FILE *f = ctx;
	if (!o->help)
		return;
	char left[96];
	snprintf(left, sizeof left, "%s--%s%s%s", o->short_name ? "" : "    ", o->name,
		 o->arg ? " " : "", o->arg ? o->arg : "");
	/* The help column starts at 25; a longer left side gets two spaces. */
	int width = o->short_name ? 19 : 23;
	int gap = (int)strlen(left) > width - 2 ? 2 : width - (int)strlen(left);
	if (o->short_name)
		fprintf(f, "  -%c, %s%*s%s\n", o->short_name, left, gap, "", o->help);
	else
		fprintf(f, "  %s%*s%s\n", left, gap, "", o->help);
}

static void print_table(FILE *f, const gs_cli_option_t *table)
{
	for (const gs_cli_option_t *o = table; !is_end(o); o++) {
		if (o->section)
			fprintf(f, "\n%s:\n", o->section);
		else if (o->include)
			print_table(f, o->include);
		else
			print_option(f, o);
	}
}

void gs_cli_usage(const gs_cli_command_t *cmd, FILE *f)
{
	fprintf(f, "usage: gsimage %s %s\n", cmd->name, cmd->synopsis);
	if (cmd->description)
		fprintf(f, "\n%s\n", cmd->description);
	fputc('\n', f);
	print_table(f, cmd->options);
	if (cmd->epilogue)
		fprintf(f, "\n%s\n", cmd->epilogue);
}

struct find_name {
	int id;
	const char *name;
};

static void match_id(void *ctx, const gs_cli_option_t *o)
{
	struct find_name *f = ctx;
	if (!f->name && o->id == f->id)
		f->name = o->name;
}

const char *gs_cli_option_name(const gs_cli_command_t *cmd, int id)
{
	struct find_name f = {id, NULL};
	each(cmd->options, match_id, &f);
	return f.name;
}

/* One table per command: each option is written once, as {name, short
 * name, value name, id, help}, and both getopt_long's tables and the
 * --help text come from it (git's parse-options is the model).  The man
 * page is checked against the same tables by a unit test. */
#ifndef GSIMAGE_CLI_OPTIONS_H
#define GSIMAGE_CLI_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "gsimage/util/error.h"

typedef struct gs_cli_option {
	const char *name;   /* long name without "--"; NULL for the entries below */
	int short_name;     /* 't' for -t, or 0 */
	const char *arg;    /* the value's name in --help ("DIR"), NULL for a flag */
	int id;             /* what the handler is given */
	const char *help;   /* one line of --help; NULL hides the option */
	const struct gs_cli_option *include; /* splice this table in here */
	const char *section;                 /* a heading in --help */
} gs_cli_option_t;

#define GS_CLI_OPT(long_name, short, value, opt_id, help_line)                            \
	{.name = (long_name), .short_name = (short), .arg = (value), .id = (opt_id),       \
	 .help = (help_line)}
#define GS_CLI_INCLUDE(table) {.include = (table)}
#define GS_CLI_SECTION(title) {.section = (title)}
#define GS_CLI_END {0}

/* Ids every command shares; commands number theirs from GS_OPT_COMMAND. */
enum {
	GS_OPT_HELP = 1000,
	GS_OPT_COMMAND,
};

/* "-h, --help": every table ends its first section with it. */
extern const gs_cli_option_t gs_cli_help_option[];

typedef int (*gs_cli_handler_fn)(void *ctx, int id, const char *arg, gs_error_t *err);

typedef struct gs_cli_command {
	const char *name;        /* "build" */
	int (*run)(int argc, char **argv, gs_error_t *err);
	const char *summary;     /* one line for 'gsimage --help' */
	const char *synopsis;    /* "[options] [PKG]" */
	const char *description; /* the paragraph after the usage line, or NULL */
	const gs_cli_option_t *options;
	const char *epilogue;    /* text after the options, or NULL */
	int utf8_values;         /* option values become image configuration:
				    refuse any that is not UTF-8 */
} gs_cli_command_t;

/* Parse argv (argv[0] is the command's name) against cmd's table, calling
 * handler for each option in order.  Options may follow operands.  -h and
 * --help print the usage on stdout and return 1.  Otherwise 0, with
 * *operand the index of the first operand; or -1 with a usage error
 * ("unknown option '--x' for 'build'; see 'gsimage build --help'", "option
 * '-t' needs a value", "option '--json' takes no value"). */
int gs_cli_parse(const gs_cli_command_t *cmd, int argc, char **argv, gs_cli_handler_fn handler,
		 void *ctx, int *operand, gs_error_t *err);

/* The --help text. */
void gs_cli_usage(const gs_cli_command_t *cmd, FILE *f);

/* The long option the id belongs to ("tag"), or NULL. */
const char *gs_cli_option_name(const gs_cli_command_t *cmd, int id);

/* Call fn for every option of cmd, hidden ones included. */
void gs_cli_each_option(const gs_cli_command_t *cmd,
			void (*fn)(void *ctx, const gs_cli_option_t *opt), void *ctx);

/* Every command, in the order 'gsimage --help' lists them; NULL-terminated. */
extern const gs_cli_command_t *const gs_cli_commands[];

#endif

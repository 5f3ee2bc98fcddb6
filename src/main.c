/* gsimage: Go program -> static binary -> FROM-scratch OCI image.
 * Global options, the command table, printing the error, the only exit(). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gsimage/cli/commands.h"
#include "gsimage/util/error.h"
#include "gsimage/util/fs.h"
#include "gsimage/util/proc.h"

#ifndef GS_VERSION
#define GS_VERSION "dev"
#endif

static void usage(FILE *f)
{
	fputs("usage: gsimage [--version] [--help] <command> [options] [args]\n\ncommands:\n", f);
	for (const gs_cli_command_t *const *c = gs_cli_commands; *c; c++)
		fprintf(f, "  %-12s %s\n", (*c)->name, (*c)->summary);
	fputs("\n'gsimage <command> --help' shows a command's options; 'man gsimage' has it all.\n",
	      f);
}

/* SIGINT/SIGTERM: remove our temp files at once, then die with 128+sig so
 * the layout holds only complete, committed files. */
static void on_signal(int sig)
{
	gs_proc_kill_running();
	gs_tempfiles_unlink_all();
	_exit(128 + sig);
}

static void install_signal_handlers(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Past RLIMIT_FSIZE a write should fail with EFBIG and be reported,
	 * not kill us mid-file. */
	signal(SIGXFSZ, SIG_IGN);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return GS_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("gsimage %s\n", GS_VERSION);
		return fflush(stdout) == 0 ? 0 : GS_EXIT_FAILURE;
	}
	for (const gs_cli_command_t *const *c = gs_cli_commands; *c; c++) {
		if (strcmp(name, (*c)->name) != 0)
			continue;
		install_signal_handlers();
		gs_error_t err = GS_ERROR_INIT;
		int r = (*c)->run(argc - 1, argv + 1, &err);
		/* A digest that never reached stdout (a full disk, a closed pipe)
		 * must not look like success to a script capturing it. */
		if ((fflush(stdout) == EOF || ferror(stdout)) && r >= 0) {
			gs_error_set(&err, errno, "writing to standard output");
			r = -1;
		}
		if (r < 0) {
			if (err.detail) {
				fputs(err.detail, stderr);
				if (err.detail[strlen(err.detail) - 1] != '\n')
					fputc('\n', stderr);
			}
			fprintf(stderr, "gsimage: error: %s\n", err.msg ? err.msg : "failed");
			int status = gs_error_exit_status(&err);
			gs_error_release(&err);
			exit(status);
		}
		gs_error_release(&err);
		exit(r);
	}
	fprintf(stderr, "gsimage: error: unknown command '%s'; see 'gsimage --help'\n", name);
	return GS_EXIT_USAGE;
}

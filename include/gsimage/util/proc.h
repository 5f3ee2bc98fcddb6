/* Starting other programs.  This is the only module that forks. */
#ifndef GSIMAGE_UTIL_PROC_H
#define GSIMAGE_UTIL_PROC_H

#include "gsimage/util/error.h"

typedef struct gs_proc_opts {
	char *const *argv;       /* argv[0] is looked up in PATH of envp */
	char *const *envp;       /* NULL: inherit our environment */
	const char *cwd;         /* NULL: our working directory */
	char **capture_stdout;   /* non-NULL: collect stdout here (caller frees) */
	char **capture_stderr;   /* non-NULL: collect stderr here (caller frees) */
	int stdout_to_stderr;    /* child's stdout goes to our stderr */
} gs_proc_opts_t;

/* Run a program to completion.  Returns -1 (with err set) only when it could
 * not be started or waited for; otherwise 0 with *status set to its exit
 * code, or 128 + signal when it was killed. */
int gs_proc_run(const gs_proc_opts_t *opts, int *status, gs_error_t *err);

/* Run a program to completion and collect its output: 0 with *out (owned)
 * its stdout when it exits 0.  Otherwise -1 with one line in err, the same
 * for every tool: "'go list' exited with status 1: <stderr's last non-empty
 * line>", or "'zig env' was killed by signal 9 (Killed)", or that it
 * could not start; a stderr of more than one line goes whole into
 * err->detail.  errout (may be NULL) gets stderr (owned) whenever the
 * program ran.  opts' capture fields are ignored.  Callers wrap err with
 * what they asked the tool for. */
int gs_proc_output(const gs_proc_opts_t *opts, char **out, char **errout, gs_error_t *err);

/* The last non-empty line of a tool's output, trimmed.  Owned. */
char *gs_proc_last_line(const char *s);

/* Async-signal-safe: SIGKILL the process group of the program gs_proc_run
 * is waiting for, if any (for SIGINT/SIGTERM handlers). */
void gs_proc_kill_running(void);

/* The first non-empty line of a tool's output, for one-line error
 * messages.  Owned. */
char *gs_proc_first_line(const char *s);

/* Is s one non-empty line (blank lines around it aside)?  Then a tool's
 * complaint fits into gsimage's own error line instead of above it. */
int gs_proc_says_one_line(const char *s);

/* Find an executable: an argument containing '/' is checked as is, anything
 * else is searched in PATH (NULL: the process's PATH).  Returns an owned
 * path, or NULL when not found. */
char *gs_proc_which(const char *name, const char *path);

#endif

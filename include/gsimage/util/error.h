/* Error passing in the style of crun: a function that can fail returns < 0
 * (or NULL) and fills the gs_error_t passed as its last parameter.  Callers
 * add context on the way up with gs_error_wrap(); only main() prints. */
#ifndef GSIMAGE_UTIL_ERROR_H
#define GSIMAGE_UTIL_ERROR_H

#define GS_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Exit statuses main() uses; an error may ask for one of them. */
enum {
	GS_EXIT_FAILURE = 1,
	GS_EXIT_USAGE = 2,
};

typedef struct gs_error {
	char *msg;       /* owned; NULL when no error is set */
	int errnum;      /* errno of the root cause, 0 when none */
	int exit_status; /* 0 means "default" (GS_EXIT_FAILURE) */
	char *detail;    /* owned; verbatim output of a failed tool (go build),
			    printed by main() before the error line, or NULL */
} gs_error_t;

#define GS_ERROR_INIT {NULL, 0, 0, NULL}

/* Set err to the formatted message; with errnum != 0 ": strerror(errnum)" is
 * appended.  Replaces any earlier message.  Always returns -1. */
int gs_error_set(gs_error_t *err, int errnum, const char *fmt, ...) GS_PRINTF(3, 4);

/* Like gs_error_set() but marks the error as a usage error (exit 2). */
int gs_error_usage(gs_error_t *err, const char *fmt, ...) GS_PRINTF(2, 3);

/* Prefix the current message with "<context>: ".  Always returns -1. */
int gs_error_wrap(gs_error_t *err, const char *fmt, ...) GS_PRINTF(2, 3);

/* Attach a failed tool's output (copied) to be shown before the message. */
void gs_error_set_detail(gs_error_t *err, const char *detail);

/* Free the message and reset err so it can be reused. */
void gs_error_release(gs_error_t *err);

/* The status main() should exit with for this error. */
int gs_error_exit_status(const gs_error_t *err);

#endif

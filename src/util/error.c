#include "gsimage/util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsimage/util/xalloc.h"

int gs_error_set(gs_error_t *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = x_vasprintf(fmt, ap);
	va_end(ap);

	free(err->msg);
	if (errnum != 0) {
		err->msg = x_asprintf("%s: %s", msg, strerror(errnum));
		free(msg);
	} else {
		err->msg = msg;
	}
	err->errnum = errnum;
	err->exit_status = 0;
	return -1;
}

int gs_error_usage(gs_error_t *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = x_vasprintf(fmt, ap);
	va_end(ap);

	free(err->msg);
	err->msg = msg;
	err->errnum = 0;
	err->exit_status = GS_EXIT_USAGE;
	return -1;
}

int gs_error_wrap(gs_error_t *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *ctx = x_vasprintf(fmt, ap);
	va_end(ap);

	char *old = err->msg;
	err->msg = old ? x_asprintf("%s: %s", ctx, old) : ctx;
	if (old) {
		free(ctx);
		free(old);
	}
	return -1;
}

void gs_error_set_detail(gs_error_t *err, const char *detail)
{
	free(err->detail);
	err->detail = detail && *detail ? xstrdup(detail) : NULL;
}

void gs_error_release(gs_error_t *err)
{
	free(err->msg);
	free(err->detail);
	err->msg = NULL;
	err->detail = NULL;
	err->errnum = 0;
	err->exit_status = 0;
}

int gs_error_exit_status(const gs_error_t *err)
{
	return err->exit_status ? err->exit_status : GS_EXIT_FAILURE;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/* The error object (error.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* What an error becomes when even its message cannot be allocated. */
static struct vmm_error_s oom_error = { ENOMEM, (char *)"out of memory" };

static int set_error(vmm_error_t *err, int errnum, char *msg)
{
	vmm_error_release(err);
	if (!msg) {
		*err = &oom_error;
		return -1;
	}
	*err = malloc(sizeof(**err));
	if (!*err) {
		free(msg);
		*err = &oom_error;
		return -1;
	}
	(*err)->errnum = errnum;
	(*err)->msg = msg;
	return -1;
}

int vmm_fail(vmm_error_t *err, int errnum, const char *fmt, ...)
{
	char *what = NULL, *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (n < 0)
		return set_error(err, errnum, NULL);
	if (errnum) {
		if (asprintf(&msg, "%s: %s", what, strerror(errnum)) < 0)
			msg = NULL;
		free(what);
	} else {
		msg = what;
	}
	return set_error(err, errnum, msg);
}

int vmm_error_wrap(vmm_error_t *err, const char *fmt, ...)
{
	char *ctx = NULL, *msg = NULL;
	va_list ap;
	int n, errnum = *err ? (*err)->errnum : 0;

	va_start(ap, fmt);
	n = vasprintf(&ctx, fmt, ap);
	va_end(ap);
	if (n < 0)
		return set_error(err, errnum, NULL);
	if (asprintf(&msg, "%s: %s", ctx, vmm_error_msg(*err)) < 0)
		msg = NULL;
	free(ctx);
	return set_error(err, errnum, msg);
}

const char *vmm_error_msg(const vmm_error_t err)
{
	return err ? err->msg : "no error";
}

void vmm_error_release(vmm_error_t *err)
{
	if (*err && *err != &oom_error) {
		free((*err)->msg);
		free(*err);
	}
	*err = NULL;
}

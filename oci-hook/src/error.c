// SPDX-License-Identifier: GPL-2.0-or-later
/* Error object and cleanup helpers. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hotmem.h"

int hm_fail(struct hm_error *err, int code, int errnum, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	err->errnum = errnum;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int hm_wrap(struct hm_error *err, const char *fmt, ...)
{
	char ctx[256], old[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", ctx, old);
	return -1;
}

void hm_freep(void *p)
{
	free(*(void **)p);
}

void hm_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
	}
}

void hm_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

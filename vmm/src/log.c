// SPDX-License-Identifier: GPL-2.0-or-later
/* Log lines with the wall-clock time (log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

void vmm_log(const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char when[32];
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	if (strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		when[0] = '\0';
	flockfile(stderr);
	fprintf(stderr, "%s.%03ldZ hotmem-vmm: ", when, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	fflush(stderr);
}

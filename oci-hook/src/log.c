// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One line per action: "hotmem-hook: <id>: <what>", to syslog at once and
 * to stderr at exit when the hook succeeded.  On failure stderr gets only
 * the single error line (crun shows the hook's stderr to the user).  Each
 * line is escaped as a whole (escape.c): whatever strings from the input
 * it carries, it stays one printable line.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "hotmem.h"

#define MAX_LINES 64
#define LINE_MAX_BYTES 1024 /* escaped text of one line */

static int targets = HM_LOG_STDERR;
static char id[256] = "-";
static char *lines[MAX_LINES];
static size_t nlines;
static bool syslog_open;
static const char *prog = "hotmem-hook";

void hm_log_set_prog(const char *name)
{
	prog = name;
}

void hm_log_init(int t)
{
	/*
	 * No /dev/log: no syslog daemon to log to.  glibc's syslog() would
	 * try to connect again for every line (0.3 ms a line in the test VM,
	 * which has no daemon); one check per process instead.
	 */
	if ((t & HM_LOG_SYSLOG) && access(_PATH_LOG, F_OK) != 0)
		t &= ~HM_LOG_SYSLOG;
	targets = t;
	/*
	 * Connected now (LOG_NDELAY), before the seccomp filter, which allows
	 * no socket and no connect: the lines then go out with send() on this
	 * socket.  Should syslogd restart meanwhile, glibc's reconnect fails
	 * and the remaining lines of this process are lost (stderr keeps
	 * them).  tzset() reads /etc/localtime now for syslog's timestamps.
	 */
	if ((t & HM_LOG_SYSLOG) && !syslog_open) {
		tzset();
		openlog(prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		syslog_open = true;
	}
}

void hm_log_set_id(const char *s)
{
	hm_escape(s && *s ? s : "-", id, sizeof(id));
}

const char *hm_log_id(void)
{
	return id;
}

void hm_log(const char *fmt, ...)
{
	cleanup_free char *raw = NULL;
	char msg[LINE_MAX_BYTES];
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&raw, fmt, ap);
	va_end(ap);
	if (r < 0) {
		raw = NULL;
		return;
	}
	hm_escape(raw, msg, sizeof(msg));
	if (targets & HM_LOG_SYSLOG)
		syslog(LOG_INFO, "%s: %s", id, msg);
	if ((targets & HM_LOG_STDERR) && nlines < MAX_LINES)
		lines[nlines++] = hm_strdup_printf("%s: %s: %s", prog, id, msg);
}

void hm_log_flush(void)
{
	for (size_t i = 0; i < nlines; i++) {
		if (lines[i])
			fprintf(stderr, "%s\n", lines[i]);
		free(lines[i]);
	}
	nlines = 0;
	fflush(stderr);
}

static void drop_lines(void)
{
	for (size_t i = 0; i < nlines; i++)
		free(lines[i]);
	nlines = 0;
}

void hm_log_error(const struct hm_error *err)
{
	char msg[LINE_MAX_BYTES];

	drop_lines();
	hm_escape(err->msg, msg, sizeof(msg));
	if (err->errnum)
		fprintf(stderr, "%s: %s: %s: %s\n", prog, id, msg, strerror(err->errnum));
	else
		fprintf(stderr, "%s: %s: %s\n", prog, id, msg);
	fflush(stderr);
	if (targets & HM_LOG_SYSLOG)
		syslog(LOG_ERR, "%s: %s%s%s (exit %d)", id, msg, err->errnum ? ": " : "",
		       err->errnum ? strerror(err->errnum) : "", err->code);
}

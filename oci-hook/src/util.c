// SPDX-License-Identifier: GPL-2.0-or-later
/* Small file and string helpers. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hotmem.h"

uint64_t hm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int hm_read_fd(int fd, size_t max, char **out, size_t *len, struct hm_error *err)
{
	size_t cap = 4096, n = 0;
	cleanup_free char *buf = malloc(cap + 1);

	if (!buf)
		return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM, "allocating a buffer");
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			if (cap > max)
				return hm_fail(err, HM_EXIT_INPUT, E2BIG,
					       "input larger than %zu bytes", max);
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb)
				return hm_fail(err, HM_EXIT_INTERNAL, ENOMEM,
					       "allocating a buffer");
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return hm_fail(err, HM_EXIT_INPUT, errno, "reading");
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max)
			return hm_fail(err, HM_EXIT_INPUT, E2BIG, "input larger than %zu bytes",
				       max);
	}
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
	if (len)
		*len = n;
	return 0;
}

int hm_read_file(const char *path, size_t max, char **out, size_t *len, struct hm_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return hm_fail(err, HM_EXIT_INTERNAL, errno, "opening %s", path);
	if (hm_read_fd(fd, max, out, len, err) < 0)
		return hm_wrap(err, "%s", path);
	return 0;
}

int hm_write_once(const char *path, const char *data, struct hm_error *err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
	size_t len = strlen(data);
	ssize_t r;

	if (fd < 0)
		return hm_fail(err, HM_EXIT_BIND, errno, "opening %s", path);
	do
		r = write(fd, data, len);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return hm_fail(err, HM_EXIT_BIND, errno, "writing '%s' to %s", data, path);
	if ((size_t)r != len)
		return hm_fail(err, HM_EXIT_BIND, EIO, "short write of '%s' to %s", data, path);
	return 0;
}

int hm_read_attr(const char *path, char *buf, size_t size, struct hm_error *err)
{
	return hm_read_attr_at(AT_FDCWD, path, buf, size, err);
}

int hm_read_attr_at(int dirfd, const char *path, char *buf, size_t size, struct hm_error *err)
{
	cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t r;

	if (fd < 0)
		return hm_fail(err, HM_EXIT_INTERNAL, errno, "opening %s", path);
	do
		r = read(fd, buf, size - 1);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return hm_fail(err, HM_EXIT_INTERNAL, errno, "reading %s", path);
	buf[r] = '\0';
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = '\0';
	return 0;
}

char *hm_strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

/* crun's rule: [A-Za-z0-9_+.-], not starting with '.'; we also cap the
 * length so that "<id>.rec" is a valid file name. */
bool hm_valid_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 200 || id[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '+' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

bool hm_path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

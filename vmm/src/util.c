// SPDX-License-Identifier: GPL-2.0-or-later
/* Cleanup attributes, clocks and small fd helpers (util.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

void vmm_freep(void *p)
{
	free(*(void **)p);
}

void vmm_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
	}
}

void vmm_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

uint64_t vmm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int vmm_ms_left(uint64_t deadline_ns)
{
	uint64_t now = vmm_now_ns(), ms;

	if (now >= deadline_ns)
		return 0;
	ms = (deadline_ns - now + 999999) / 1000000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

int vmm_set_nonblock(int fd, vmm_error_t *err)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return vmm_fail(err, errno, "fcntl O_NONBLOCK");
	return 0;
}

int vmm_write_all(int fd, const char *buf, size_t len, uint64_t deadline_ns, bool wait_peer,
		  vmm_error_t *err)
{
	bool hup = false;

	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return vmm_fail(err, errno, "write");
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int left = vmm_ms_left(deadline_ns);

		if (left > 0 && poll(&p, 1, left) > 0 && (p.revents & POLLHUP) && wait_peer) {
			/* nobody on the other side yet: poll() says so at once */
			hup = true;
			poll(NULL, 0, left < 100 ? left : 100);
			continue;
		}
		if (vmm_ms_left(deadline_ns) == 0)
			return vmm_fail(err, ETIMEDOUT, "write: %s",
					hup ? "nothing connected on the other side" : "timed out");
	}
	return 0;
}

int vmm_sockaddr(struct sockaddr_un *sa, const char *path, vmm_error_t *err)
{
	size_t len = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (len == 0 || len >= sizeof(sa->sun_path))
		return vmm_fail(err, ENAMETOOLONG, "socket path %s (at most %zu bytes)", path,
				sizeof(sa->sun_path) - 1);
	memcpy(sa->sun_path, path, len + 1);
	return 0;
}

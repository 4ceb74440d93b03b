// SPDX-License-Identifier: GPL-2.0
/*
 * hm-timed-write FILE DATA [FILE DATA ...]: write each DATA to its FILE (one
 * write(2) each, in order) and print how long all the writes took:
 *   ok ns=<nanoseconds>
 * or, when a write fails, stop and print
 *   error <FILE> <ERRNO-NAME> ns=<nanoseconds>
 * and exit 1.  Used to time memory block offlining and `memory.hotplug`
 * writes from guest tests and the benchmark without a shell in the way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static const char *errname(int err)
{
	static char other[16];

	switch (err) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case E2BIG: return "E2BIG";
	case ENOMEM: return "ENOMEM";
	case EAGAIN: return "EAGAIN";
	case ENOSPC: return "ENOSPC";
	case ENXIO: return "ENXIO";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case ENOTEMPTY: return "ENOTEMPTY";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EROFS: return "EROFS";
	case EACCES: return "EACCES";
	default:
		snprintf(other, sizeof(other), "E%d", err);
		return other;
	}
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc % 2 == 0) {
		fprintf(stderr, "usage: hm-timed-write FILE DATA [FILE DATA ...]\n");
		return 2;
	}

	int fds[64];
	int n = (argc - 1) / 2;

	if (n > 64) {
		fprintf(stderr, "hm-timed-write: at most 64 writes\n");
		return 2;
	}
	/* Open everything first: only the writes are timed. */
	for (int i = 0; i < n; i++) {
		fds[i] = open(argv[1 + 2 * i], O_WRONLY);
		if (fds[i] < 0) {
			printf("error %s %s ns=0\n", argv[1 + 2 * i], errname(errno));
			return 1;
		}
	}
	long long t0 = now_ns();

	for (int i = 0; i < n; i++) {
		const char *data = argv[2 + 2 * i];

		if (write(fds[i], data, strlen(data)) < 0) {
			int err = errno;

			printf("error %s %s ns=%lld\n", argv[1 + 2 * i], errname(err),
			       now_ns() - t0);
			return 1;
		}
	}
	printf("ok ns=%lld\n", now_ns() - t0);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	return 0;
}

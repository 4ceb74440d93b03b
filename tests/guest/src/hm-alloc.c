// SPDX-License-Identifier: GPL-2.0
/*
 * hm-alloc MIB [HOLD_SECONDS]: fault MIB MiB of anonymous memory, print
 * "ready fault_ns=<time the faults took>" and keep the memory until
 * HOLD_SECONDS pass (default: until killed).
 * Used by the guest tests to put a known amount of user memory in a cgroup.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: hm-alloc MIB [HOLD_SECONDS]\n");
		return 2;
	}

	char *end;
	unsigned long mib = strtoul(argv[1], &end, 10);
	long hold = argc == 3 ? strtol(argv[2], NULL, 10) : -1;
	size_t len = mib << 20;

	if (*end || mib == 0) {
		fprintf(stderr, "hm-alloc: bad size '%s'\n", argv[1]);
		return 2;
	}
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "hm-alloc: mmap %lu MiB: %s\n", mib, strerror(errno));
		return 1;
	}
	long page = sysconf(_SC_PAGESIZE);
	long long t0 = now_ns();

	for (size_t off = 0; off < len; off += (size_t)page)
		p[off] = 1;
	printf("ready fault_ns=%lld\n", now_ns() - t0);
	fflush(stdout);
	if (hold < 0)
		for (;;)
			pause();
	sleep((unsigned int)hold);
	return 0;
}

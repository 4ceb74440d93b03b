// SPDX-License-Identifier: GPL-2.0
/*
 * hm-faultbench MIB ROUNDS: ROUNDS times, map MIB MiB of anonymous memory,
 * write one byte to each page (a page fault and a page allocation each) and
 * unmap it (the pages freed); print "pages=<faults> ns=<total time>".
 * Measures what the allocator's hooks cost a task whose cgroup has no
 * bound block (tests/guest/bench/03-unbound-cost.sh).
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
	if (argc != 3) {
		fprintf(stderr, "usage: hm-faultbench MIB ROUNDS\n");
		return 2;
	}
	size_t len = strtoul(argv[1], NULL, 10) << 20;
	long rounds = strtol(argv[2], NULL, 10);
	long psz = sysconf(_SC_PAGESIZE);
	size_t pages = len / (size_t)psz;

	if (!len || rounds <= 0 || psz <= 0) {
		fprintf(stderr, "hm-faultbench: bad arguments\n");
		return 2;
	}
	long long t0 = now_ns();

	for (long r = 0; r < rounds; r++) {
		volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			fprintf(stderr, "hm-faultbench: mmap: %s\n", strerror(errno));
			return 1;
		}
		for (size_t i = 0; i < pages; i++)
			p[i * (size_t)psz] = 1;
		if (munmap((void *)p, len)) {
			fprintf(stderr, "hm-faultbench: munmap: %s\n", strerror(errno));
			return 1;
		}
	}
	printf("pages=%zu ns=%lld\n", pages * (size_t)rounds, now_ns() - t0);
	return 0;
}

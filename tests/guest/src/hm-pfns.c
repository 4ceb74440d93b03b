// SPDX-License-Identifier: GPL-2.0
/*
 * hm-pfns MIB START_PFN END_PFN [HOLD_SECONDS]: fault MIB MiB of anonymous
 * memory, then read /proc/self/pagemap and print how many of the pages are
 * present and how many of those lie in [START_PFN, END_PFN):
 *   pages=<faulted> present=<n> in=<n> out=<n>
 * Then keep the memory for HOLD_SECONDS (default 0).  Needs CAP_SYS_ADMIN to
 * see page frame numbers.  With HM_MEMBIND=NODE in the environment, the
 * process first binds its memory to NUMA node NODE (set_mempolicy
 * MPOL_BIND).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/mempolicy.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)

int main(int argc, char **argv)
{
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: hm-pfns MIB START_PFN END_PFN [HOLD_SECONDS]\n");
		return 2;
	}
	size_t len = strtoul(argv[1], NULL, 10) << 20;
	uint64_t lo = strtoull(argv[2], NULL, 0), hi = strtoull(argv[3], NULL, 0);
	unsigned int hold = argc == 5 ? (unsigned int)strtoul(argv[4], NULL, 10) : 0;
	long psz = sysconf(_SC_PAGESIZE);
	size_t pages = len / (size_t)psz;

	if (!len) {
		fprintf(stderr, "hm-pfns: bad size\n");
		return 2;
	}
	const char *bind = getenv("HM_MEMBIND");

	if (bind) {
		unsigned long node = strtoul(bind, NULL, 10);
		unsigned long mask = 1UL << node;

		if (node >= 64 || syscall(SYS_set_mempolicy, MPOL_BIND, &mask,
					  64UL) < 0) {
			fprintf(stderr, "hm-pfns: set_mempolicy(node %lu): %s\n",
				node, strerror(errno));
			return 1;
		}
	}
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "hm-pfns: mmap: %s\n", strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < pages; i++)
		p[i * (size_t)psz] = 1;

	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0) {
		fprintf(stderr, "hm-pfns: pagemap: %s\n", strerror(errno));
		return 1;
	}
	size_t present = 0, in = 0, zero = 0;

	for (size_t i = 0; i < pages; i++) {
		uint64_t e;
		off_t off = (off_t)(((uintptr_t)p / (uintptr_t)psz + i) * sizeof(e));

		if (pread(fd, &e, sizeof(e), off) != (ssize_t)sizeof(e)) {
			fprintf(stderr, "hm-pfns: pread: %s\n", strerror(errno));
			return 1;
		}
		if (!(e & PM_PRESENT))
			continue;
		present++;
		uint64_t pfn = e & PM_PFN_MASK;

		if (!pfn)
			zero++;
		if (pfn >= lo && pfn < hi)
			in++;
	}
	close(fd);
	if (zero == present && present) {
		fprintf(stderr, "hm-pfns: pagemap hides pfns (need CAP_SYS_ADMIN)\n");
		return 1;
	}
	printf("pages=%zu present=%zu in=%zu out=%zu\n", pages, present, in, present - in);
	fflush(stdout);
	if (hold)
		sleep(hold);
	return 0;
}

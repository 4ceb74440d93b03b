// SPDX-License-Identifier: GPL-2.0
/*
 * hm-collapse FILE START_PFN END_PFN: map the first 2 MiB of FILE (opened
 * read-only) executable at a 2 MiB boundary, read every page, ask
 * MADV_COLLAPSE to make it one huge page, and print
 *   collapse=<ok|errno name> present=<pages> in=<pages in [START, END)>
 * The huge folio replaces page cache shared by everyone, so it must not
 * come from the caller's memcg hot-plug pool.  Needs CAP_SYS_ADMIN for
 * the page frame numbers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)
#define HUGE (2UL << 20)

static int fail(const char *what)
{
	fprintf(stderr, "hm-collapse: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: hm-collapse FILE START_PFN END_PFN\n");
		return 2;
	}
	uint64_t lo = strtoull(argv[2], NULL, 0), hi = strtoull(argv[3], NULL, 0);
	long psz = sysconf(_SC_PAGESIZE);
	int fd = open(argv[1], O_RDONLY);

	if (fd < 0)
		return fail(argv[1]);
	/* Reserve twice the size, then map the file at the 2 MiB boundary. */
	char *res = mmap(NULL, 2 * HUGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (res == MAP_FAILED)
		return fail("mmap reserve");
	char *p = (char *)(((uintptr_t)res + HUGE - 1) & ~(uintptr_t)(HUGE - 1));

	if (mmap(p, HUGE, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED)
		return fail("mmap file");
	unsigned long sum = 0;

	for (size_t off = 0; off < HUGE; off += (size_t)psz)
		sum += (unsigned char)((volatile char *)p)[off];
	const char *collapse = "ok";

	if (madvise(p, HUGE, MADV_COLLAPSE)) {
		collapse = strerrorname_np(errno);
		if (!collapse)
			collapse = "unknown";
	}

	int pm = open("/proc/self/pagemap", O_RDONLY);

	if (pm < 0)
		return fail("pagemap");
	size_t present = 0, in = 0;

	for (size_t i = 0; i < HUGE / (size_t)psz; i++) {
		uint64_t e;
		off_t off = (off_t)(((uintptr_t)p / (uintptr_t)psz + i) * sizeof(e));

		if (pread(pm, &e, sizeof(e), off) != (ssize_t)sizeof(e))
			return fail("pread pagemap");
		if (!(e & PM_PRESENT))
			continue;
		present++;
		if ((e & PM_PFN_MASK) >= lo && (e & PM_PFN_MASK) < hi)
			in++;
	}
	printf("collapse=%s present=%zu in=%zu sum=%lu\n", collapse, present, in, sum);
	return 0;
}

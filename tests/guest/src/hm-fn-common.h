/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the benchmark's function programs (hm-fn-*.c) share: arguments
 * "MIB SECONDS" (MIB of working memory, filled first; then SECONDS of
 * work), a monotonic clock, and the two lines they print:
 *   ready setup_ns=<time to allocate and fill the working memory>
 *   done ops=<units of work> elapsed_ns=<from start to end> end_ns=<the
 *        monotonic clock at the end, as hm-now prints it>
 * Header-only so that each program stays one static file in the VM image.
 */
#ifndef HM_FN_COMMON_H
#define HM_FN_COMMON_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static inline uint64_t fn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* MIB SECONDS from argv, or exit 2 with the usage line. */
static inline void fn_args(int argc, char **argv, const char *usage, size_t *bytes, uint64_t *ns)
{
	char *e1, *e2;
	unsigned long mib = argc == 3 ? strtoul(argv[1], &e1, 10) : 0;
	double s = argc == 3 ? strtod(argv[2], &e2) : 0;

	if (argc != 3 || *e1 || *e2 || mib < 1 || mib > 65536 || !(s > 0 && s < 86400)) {
		fprintf(stderr, "usage: %s\n", usage);
		exit(2);
	}
	*bytes = (size_t)mib << 20;
	*ns = (uint64_t)(s * 1e9);
}

/* Anonymous memory, or exit 1. */
static inline void *fn_alloc(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

/* xorshift64: the same sequence on every run */
static inline uint64_t fn_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}
#endif

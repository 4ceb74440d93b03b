// SPDX-License-Identifier: GPL-2.0
/*
 * hm-touch [-w FILE] [-f PFN] [-i INDEX] [-H] MIB
 *
 * Fault MIB MiB of anonymous memory and print "touched MIB".
 *   -w FILE   first wait until FILE exists (so that a test can move this
 *             process into another cgroup before it allocates)
 *   -f PFN    then print "has_pfn=1" if one of the pages has frame PFN,
 *             else "has_pfn=0"
 *   -i INDEX  then print "pfn=N" of page INDEX, for a test to poison it
 *             (hwpoison corrupt-pfn); the SIGBUS memory_failure() sends
 *             for it makes us print "poisoned (SIGBUS)" and exit 0
 *   -H        then hold the memory until killed
 * Page frame numbers need CAP_SYS_ADMIN (pagemap).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)

static int pagemap_fd = -1;

/* memory_failure() on a page of ours that is dirty sends SIGBUS. */
static void on_sigbus(int sig)
{
	static const char msg[] = "poisoned (SIGBUS)\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(0);
}

static uint64_t pfn_of(const void *addr, long psz)
{
	uint64_t ent;
	off_t off = (off_t)((uintptr_t)addr / (uintptr_t)psz) * 8;

	if (pagemap_fd < 0)
		pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	if (pagemap_fd < 0 || pread(pagemap_fd, &ent, 8, off) != 8) {
		perror("hm-touch: pagemap");
		exit(1);
	}
	return ent & PM_PRESENT ? ent & PM_PFN_MASK : 0;
}

int main(int argc, char **argv)
{
	const char *wait_file = NULL;
	long long want_pfn = -1, index = -1;
	int hold = 0, c;
	long psz = sysconf(_SC_PAGESIZE);

	while ((c = getopt(argc, argv, "w:f:i:H")) != -1) {
		switch (c) {
		case 'w': wait_file = optarg; break;
		case 'f': want_pfn = strtoll(optarg, NULL, 0); break;
		case 'i': index = strtoll(optarg, NULL, 0); break;
		case 'H': hold = 1; break;
		default: return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: hm-touch [-w FILE] [-f PFN] [-i INDEX] [-H] MIB\n");
		return 2;
	}
	size_t len = strtoul(argv[optind], NULL, 10) << 20;
	size_t pages = len / (size_t)psz;

	if (!len || (index >= 0 && (size_t)index >= pages)) {
		fprintf(stderr, "hm-touch: bad size or page index\n");
		return 2;
	}
	while (wait_file && access(wait_file, F_OK))
		usleep(10000);
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("hm-touch: mmap");
		return 1;
	}
	for (size_t i = 0; i < pages; i++)
		p[i * (size_t)psz] = (char)(i | 1);
	printf("touched %zu\n", len >> 20);
	if (want_pfn >= 0) {
		int has = 0;

		for (size_t i = 0; i < pages && !has; i++)
			has = pfn_of(p + i * (size_t)psz, psz) == (uint64_t)want_pfn;
		printf("has_pfn=%d\n", has);
	}
	if (index >= 0) {
		signal(SIGBUS, on_sigbus);
		printf("pfn=%llu\n",
		       (unsigned long long)pfn_of(p + (size_t)index * (size_t)psz, psz));
	}
	fflush(stdout);
	while (hold)
		pause();
	return 0;
}

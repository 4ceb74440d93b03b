// SPDX-License-Identifier: GPL-2.0
/*
 * hm-swapin MIB GOFILE: fill MIB MiB of anonymous memory with a pattern and
 * print "filled"; once GOFILE exists, read it all back (faulting in what was
 * swapped out meanwhile), check the pattern and print "reread ok"; then hold
 * the memory until killed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: hm-swapin MIB GOFILE\n");
		return 2;
	}
	size_t len = strtoul(argv[1], NULL, 10) << 20;
	long psz = sysconf(_SC_PAGESIZE);
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (!len || p == MAP_FAILED) {
		fprintf(stderr, "hm-swapin: mmap: %s\n", strerror(errno));
		return 1;
	}
	for (size_t off = 0; off < len; off += (size_t)psz)
		memset(p + off, (int)((off / (size_t)psz) & 0xff) | 1, (size_t)psz);
	printf("filled\n");
	fflush(stdout);
	while (access(argv[2], F_OK))
		usleep(20000);
	for (size_t off = 0; off < len; off += (size_t)psz) {
		if (p[off] != (((off / (size_t)psz) & 0xff) | 1)) {
			fprintf(stderr, "hm-swapin: page %zu lost its content\n", off / (size_t)psz);
			return 1;
		}
	}
	printf("reread ok\n");
	fflush(stdout);
	for (;;)
		pause();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * hm-move MIB NODE: fault MIB MiB of anonymous memory, then move every page
 * to NUMA node NODE with move_pages(2) and print "moved=N pages=M" (N pages
 * are on NODE afterwards).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/mempolicy.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: hm-move MIB NODE\n");
		return 2;
	}
	size_t len = strtoul(argv[1], NULL, 10) << 20;
	int node = (int)strtol(argv[2], NULL, 10);
	long psz = sysconf(_SC_PAGESIZE);
	size_t n = len / (size_t)psz, moved = 0;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void **pages = calloc(n, sizeof(*pages));
	int *nodes = calloc(n, sizeof(*nodes)), *status = calloc(n, sizeof(*status));

	if (!len || p == MAP_FAILED || !pages || !nodes || !status) {
		fprintf(stderr, "hm-move: cannot set up %s MiB\n", argv[1]);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		p[i * (size_t)psz] = 1;
		pages[i] = p + i * (size_t)psz;
		nodes[i] = node;
	}
	if (syscall(SYS_move_pages, 0, n, pages, nodes, status, MPOL_MF_MOVE) < 0) {
		fprintf(stderr, "hm-move: move_pages: %s\n", strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		moved += status[i] == node;
	printf("moved=%zu pages=%zu\n", moved, n);
	return 0;
}

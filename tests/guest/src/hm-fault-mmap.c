// SPDX-License-Identifier: GPL-2.0
/*
 * hm-fault-mmap MIB GOFILE
 *
 * A thread faults MIB MiB of anonymous memory.  Meanwhile the main thread
 * waits until GOFILE exists, then changes the protection of the mapping's
 * last page, which takes mmap_lock and the mapping's VMA lock for writing,
 * and prints "mprotect ok".  Once the thread is done: "touched MIB".
 *
 * A test parks the faulting thread in the kernel (debugfs park point) and
 * checks that the mprotect() still completes: the fault holds neither lock
 * while it waits.  The main thread must not fault in memory of its own
 * meanwhile (the pool is full by then, and it would park as well): stdout
 * is unbuffered and the stack it needs is touched up front.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char *mem;
static size_t len;

/* Fault in the stack the main thread will use, while memory is free. */
static void __attribute__((noinline)) touch_stack(void)
{
	volatile char pad[256 << 10];

	memset((char *)pad, 1, sizeof(pad));
}

static void *touch(void *arg)
{
	long psz = sysconf(_SC_PAGESIZE);

	(void)arg;
	for (size_t off = 0; off < len; off += (size_t)psz)
		mem[off] = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	long psz = sysconf(_SC_PAGESIZE);
	pthread_t t;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: hm-fault-mmap MIB GOFILE\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	touch_stack();
	len = strtoul(argv[1], NULL, 10) << 20;
	if (!len) {
		fprintf(stderr, "hm-fault-mmap: bad size\n");
		return 2;
	}
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		fprintf(stderr, "hm-fault-mmap: mmap: %s\n", strerror(errno));
		return 1;
	}
	err = pthread_create(&t, NULL, touch, NULL);
	if (err) {
		fprintf(stderr, "hm-fault-mmap: pthread_create: %s\n", strerror(err));
		return 1;
	}
	while (access(argv[2], F_OK))
		usleep(20000);
	/* A protection change splits the VMA: both locks, for writing. */
	if (mprotect(mem + len - (size_t)psz, (size_t)psz, PROT_READ | PROT_WRITE | PROT_EXEC)) {
		fprintf(stderr, "hm-fault-mmap: mprotect: %s\n", strerror(errno));
		return 1;
	}
	printf("mprotect ok\n");
	pthread_join(t, NULL);
	printf("touched %s\n", argv[1]);
	return 0;
}
